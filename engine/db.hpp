#pragma once
// Db: one logical database of one shard. Owns the keys, their entries and
// the index of keys with a TTL that the active expiry cycle samples.
// Single-threaded: only the owning shard (or a transaction holding it)
// touches a Db.

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/blocking.hpp"
#include "engine/dict.hpp"
#include "engine/value.hpp"
#include "engine/watch.hpp"

namespace shardis {

// A count only its shard (or a transaction holding the shard) changes,
// which other threads may read at any time: the checkpoint rules are
// checked off the shards (actors/coordinator.cpp). A plain load and store,
// not a read-modify-write, as there is one writer at a time.
class OwnedCounter {
 public:
  void add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Told of what a Db does to keys by itself, for keyspace notifications
// (engine/notify.hpp): a key created ("new", Redis's dbAdd), a read lookup
// that missed ("keymiss") and a key that expired, lazily or by the cron
// ("expired"). Called at the moment it happens, so the events fall in
// place among those the command publishes itself.
class KeyspaceListener {
 public:
  virtual ~KeyspaceListener() = default;
  virtual void created(int db, std::string_view key) = 0;
  virtual void missed(int db, std::string_view key) = 0;
  virtual void expired(int db, std::string_view key) = 0;
};

// How lookup_read behaves, as Redis's LOOKUP_* flags: kLookupNoTouch keeps
// the access time (TYPE, TTL, OBJECT ... must not change OBJECT IDLETIME),
// kLookupNoNotify publishes no "keymiss" (OBJECT).
enum LookupFlags : int { kLookupNoTouch = 1 << 0, kLookupNoNotify = 1 << 1 };

struct ShardStats {
  KeyspaceListener* keyspace = nullptr;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  OwnedCounter dirty;  // writes since start (checkpoints remember where they cut)
};

class Db {
 public:
  using Node = Dict<Entry>::Node;

  explicit Db(ShardStats* stats = nullptr, int index = 0) : stats_(stats), index_(index) {}
  int index() const { return index_; }

  // Lookups apply lazy expiry: a key past its deadline is deleted here and
  // reported absent, so no caller ever sees an expired key. They stamp the
  // entry's access time unless flags hold kLookupNoTouch. A read lookup
  // counts a hit or a miss and reports a miss as "keymiss" (LookupFlags).
  Entry* lookup_read(std::string_view key, int64_t now_ms, int flags = 0);
  Entry* lookup_write(std::string_view key, int64_t now_ms);

  // Creates key (absent) or returns it (present); second is true if created.
  // The caller must lookup first if the key may be expired. A created key
  // is announced ("new") and wakes the first client blocked on it
  // (engine/blocking.hpp).
  std::pair<Entry*, bool> insert(std::string_view key);
  // Stores a string under key, replacing any value; the TTL is cleared
  // unless keep_ttl. A created key is announced as by insert.
  Entry& set_string(std::string_view key, std::string_view value, bool keep_ttl = false);
  // The same at the command's time: a key found past its deadline expires
  // first (as a lookup would expire it: "expired", then "new"), so a plain
  // SET over it needs no lookup of its own.
  Entry& set_string_at(std::string_view key, std::string_view value, int64_t now_ms,
                       bool keep_ttl = false);
  // A checkpoint load's insert and set_string (Redis's dbAddRDBLoad): they
  // announce nothing and wake nobody.
  std::pair<Entry*, bool> insert_loaded(std::string_view key);
  Entry& set_string_loaded(std::string_view key, std::string_view value);
  bool erase(std::string_view key);

  void set_expire(std::string_view key, Entry& e, int64_t at_ms);
  // Removes a TTL; false when the key had none.
  bool persist(std::string_view key, Entry& e);

  size_t size() const { return keys_.size(); }
  size_t expires_size() const { return expires_.size(); }
  // Sum of TTLs remaining, for INFO keyspace avg_ttl (sampled by callers).
  Dict<Entry>& keys() { return keys_; }

  // SCAN-style stable cursor over the keys (see Dict::scan).
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    return keys_.scan(cursor, [&](Node& n) { fn(n.key(), n.value); });
  }

  // A random key that is not expired; false when the db holds none.
  bool random_key(std::mt19937_64& rng, int64_t now_ms, std::string* out);

  void clear();
  void swap(Db& other);

  // One bounded slice of the active expiry cycle: walks the TTL index from
  // its cursor, deletes what has expired, stops at deadline_us (monotonic).
  // Returns the number of keys deleted.
  size_t active_expire(int64_t now_ms, int64_t deadline_us);
  // Cron housekeeping: shrink, and incremental rehash until deadline_us
  // (monotonic) but for kCronRehashUs at most.
  void cron(int64_t deadline_us);
  static constexpr int64_t kCronRehashUs = 1000;

  bool expired(const Entry& e, int64_t now_ms) const {
    return deadline_passed(e.expire_at_ms, now_ms);
  }
  // key is still stored but past its deadline; unlike a lookup, deletes
  // nothing (WATCH must see an expiry nobody has acted on yet).
  bool holds_expired(std::string_view key, int64_t now_ms) {
    const Node* n = keys_.find_node(key);
    return n && expired(n->value, now_ms);
  }

  ShardStats* stats() { return stats_; }

  // WATCH: the connections watching keys of this db. A write to a key
  // calls touch_watched; clear() and swap() leave the watchers in place
  // (they watch a db index, not its contents), so FLUSHDB and SWAPDB touch
  // them first.
  WatchIndex& watchers() { return watchers_; }
  void touch_watched(std::string_view key) {
    if (!watchers_.empty()) watchers_.touch(key, index_, keys_.find_node(key) != nullptr);
  }
  // Before a FLUSHDB of this db, or a SWAPDB with other.
  void touch_all_watched(Db* other = nullptr);

  // Blocking pops: the clients blocked on keys of this db. Like the
  // watchers, they stay with the db index through clear() and swap().
  WaiterIndex& waiters() { return waiters_; }
  // After a blocking pop took from key: if it still holds something, the
  // next blocked client gets its turn.
  void wake_waiters(std::string_view key) {
    if (!waiters_.empty() && keys_.find_node(key)) waiters_.wake_first(key, *this);
  }

 private:
  Entry* lookup(std::string_view key, int64_t now_ms, bool touch);
  void delete_expired(std::string_view key);
  Entry& store_string(std::string_view key, std::string_view value, bool keep_ttl,
                      bool announce);
  void announce_created(std::string_view key) {
    if (stats_ && stats_->keyspace) stats_->keyspace->created(index_, key);
  }

  Dict<Entry> keys_;
  Dict<int64_t> expires_;  // keys with a TTL -> deadline (ms)
  uint64_t expire_cursor_ = 0;
  int64_t last_now_ms_ = 0;  // the latest command time seen, stamps new keys
  ShardStats* stats_;
  int index_;
  WatchIndex watchers_;
  WaiterIndex waiters_;
};

}  // namespace shardis
