#pragma once
// Pub/sub: who listens to what, and how a message reaches them.
//
// The model. PubSub owns every subscription of the server: channel ->
// subscribers, pattern -> subscribers, shard channel -> subscribers, each
// map under its own reader/writer lock. PUBLISH runs wherever the command
// runs (a connection, a shard, a transaction, a Lua script) and counts its
// receivers at once, as Redis's reply needs; it never waits on a
// subscriber: delivering is appending the formatted frame to the
// subscriber's outbox under the outbox's own short lock. The subscriber's
// connection is woken once per batch of messages (Subscriber::wake) and
// writes the outbox to its socket when the socket can take it, so a slow
// reader costs its own outbox and nothing else.
//
// Output buffer limit. The outbox plus what the connection could not yet
// write is the subscriber's output buffer, checked at every delivery against
// `client-output-buffer-limit pubsub <hard> <soft> <seconds>` as Redis's
// checkClientOutputBufferLimits: past the hard limit, or past the soft one
// for more than <seconds>, the subscriber is marked overflowed, its outbox
// is dropped and nothing more is queued; its connection closes it. Server
// memory for one subscriber thus stays below the hard limit plus a message.
//
// Ordering. Messages of one publisher are appended in publish order; each
// subscriber's outbox is FIFO and its connection writes it in order, after
// every reply it had already produced.
//
// Lifetime. The registry holds raw pointers: the owner (the connection, or
// Engine in tests) calls unsubscribe_all before the Subscriber goes away,
// which takes the writer locks, so no publisher can still be delivering.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/config.hpp"

namespace shardis {

struct ExecContext;
struct Session;

enum class PubSubKind { kChannel, kPattern, kShard };

// The outbox's lock. Held for an append or a swap, and almost never
// contended (publishers and the reader mostly share one I/O thread), where
// std::mutex's unlock still pays an atomic read-modify-write: a spin lock
// unlocks with a plain store. A waiter spins briefly, then yields, so a
// holder that was preempted gets its core back.
class OutboxLock {
 public:
  void lock() {
    for (int spins = 0; held_.exchange(true, std::memory_order_acquire); ++spins) {
      while (held_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
          cpu_relax();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { held_.store(false, std::memory_order_release); }

 private:
  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  std::atomic<bool> held_{false};
};

// One client's side of pub/sub: its subscriptions (changed only by its own
// commands, one at a time) and its outbox (appended to by any publisher).
class Subscriber {
 public:
  explicit Subscriber(uint64_t id) : id_(id) {}
  virtual ~Subscriber() = default;
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  uint64_t id() const { return id_; }
  // The protocol its messages are framed in (HELLO may switch it).
  int resp() const { return resp_.load(std::memory_order_relaxed); }
  void set_resp(int resp) { resp_.store(resp, std::memory_order_relaxed); }

  // Channels and patterns count together, shard channels apart, as in the
  // counts Redis's confirmations carry.
  size_t count() const { return channels.size() + patterns.size(); }
  size_t shard_count() const { return shard_channels.size(); }
  bool subscribed() const { return count() + shard_count() > 0; }

  // Publisher side (any thread): queues one frame. False when the
  // subscriber is (now) over its output limit: the frame and everything
  // queued are dropped, and nothing more is queued.
  bool deliver(std::string_view frame, const OutputLimit& limit, int64_t now_ms);

  // Connection side: moves the outbox into *out (appending). False once the
  // subscriber overflowed: the connection must close it.
  bool take(std::string* out);
  bool overflowed() const;
  bool has_pending() const;
  // Frees an empty outbox's buffer if its capacity exceeds `keep` bytes.
  void release_capacity(size_t keep);
  // Bytes the connection holds but has not written yet (its socket is
  // full); they count towards the limit.
  void set_unsent(size_t bytes) { unsent_.store(bytes, std::memory_order_relaxed); }
  size_t outbox_bytes() const;

  std::set<std::string, std::less<>> channels;
  std::set<std::string, std::less<>> patterns;
  std::set<std::string, std::less<>> shard_channels;

  // How many subscriptions of a kind, for CLIENT LIST on other connections'
  // threads, which must not read the sets while their owner changes them.
  size_t listed(PubSubKind kind) const {
    return listed_[static_cast<size_t>(kind)].load(std::memory_order_relaxed);
  }

 protected:
  // Asks the owner to call take(): once per batch of deliveries, the first
  // after the previous take(). Called without the outbox lock held.
  virtual void wake() {}

 private:
  // deliver() with the frame appended by append(outbox) under the lock:
  // PubSub formats a frame with one receiver straight into its outbox.
  template <class Append>
  bool deliver_with(Append&& append, const OutputLimit& limit, int64_t now_ms);

  const uint64_t id_;
  std::atomic<int> resp_{2};
  std::atomic<size_t> unsent_{0};
  mutable OutboxLock mu_;
  std::string outbox_;
  bool wake_pending_ = false;
  bool overflowed_ = false;
  int64_t soft_since_ms_ = 0;  // when the soft limit was first exceeded; 0 = under it
  // The sets' sizes, kept by PubSub as it changes them.
  friend class PubSub;
  std::atomic<size_t> listed_[3] = {0, 0, 0};
};
using SubscriberPtr = std::shared_ptr<Subscriber>;

class PubSub {
 public:
  // Adds one subscription; false if the subscriber already had it.
  bool subscribe(Subscriber& s, PubSubKind kind, std::string_view name);
  // Removes one; false if the subscriber did not have it.
  bool unsubscribe(Subscriber& s, PubSubKind kind, std::string_view name);
  // Every subscription of s, e.g. when its connection closes.
  void unsubscribe_all(Subscriber& s);

  // PUBLISH (kChannel: channel then pattern subscribers) and SPUBLISH
  // (kShard), each subscriber held to limit. Returns the number of
  // receivers.
  size_t publish(PubSubKind kind, std::string_view channel, std::string_view message,
                 const OutputLimit& limit, int64_t now_ms);

  // PUBSUB CHANNELS / SHARDCHANNELS (pattern empty = all), NUMSUB /
  // SHARDNUMSUB, NUMPAT.
  std::vector<std::string> channels(PubSubKind kind, std::string_view pattern) const;
  size_t numsub(PubSubKind kind, std::string_view channel) const;
  size_t numpat() const;

 private:
  using Subscribers = std::unordered_set<Subscriber*>;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Subscribers, Hash, std::equal_to<>>;
  struct Table {
    mutable std::shared_mutex mu;
    Map map;
  };
  Table& table(PubSubKind kind);
  const Table& table(PubSubKind kind) const;
  template <class Format, class Frame>
  static void deliver_all(const Subscribers& subs, const Format& format, const Frame& frame,
                          const OutputLimit& limit, int64_t now_ms);
  static std::set<std::string, std::less<>>& names(Subscriber& s, PubSubKind kind);
  static void count_names(Subscriber& s, PubSubKind kind);

  Table channels_, patterns_, shard_channels_;
};

// The frames a subscriber receives, in its protocol: a message, a pattern
// message, a subscription confirmation (name empty = null, count after it).
void format_message(std::string* out, int resp, std::string_view kind, std::string_view channel,
                    std::string_view message);
void format_pmessage(std::string* out, int resp, std::string_view pattern, std::string_view channel,
                     std::string_view message);

// Moves the messages queued for ctx's own client into its reply, where
// Redis would have written them (see pubsub_family.cpp).
void write_own_messages(ExecContext& ctx);

// A RESP2 client with subscriptions may only run (P|S)(UN)SUBSCRIBE, PING,
// QUIT and RESET: "" if command may run, else Redis's error text.
std::string subscribed_context_error(const Session& session, std::string_view command);

}  // namespace shardis
