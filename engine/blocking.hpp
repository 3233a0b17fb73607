#pragma once
// Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP): the engine's half. actors/blocking.hpp has the
// connection's half.
//
// The model. A blocking command first runs as its non-blocking form. When
// every key is empty and the command may block (a client's command, never
// inside EXEC or a script: ExecContext::block is set only then), it writes
// no reply and registers the client's Waiter on each key, in the same step
// that found them empty, so no push can slip in between. Registration is per
// Db and per key, FIFO (WaiterIndex).
//
// A key becomes ready when it is created (Db::insert: pushes, LMOVE's
// destination, ZADD, stores, RENAME, MOVE, RESTORE, and SWAPDB bringing
// keys in), as Redis signals in dbAdd; a push onto an existing list never
// needs to wake anyone, since nobody waits on a key that holds elements.
//
// Served where the key lives. Serving a pop (BLPOP, BZPOPMIN, BLMPOP ...)
// touches only the key that became ready, and serving a move (BLMOVE,
// BRPOPLPUSH) its source and destination: when those are on one shard, or
// on shards of one thread (shard-placement io), the client hands its
// command along with its waiter (Waiter::call). When such a waiter is first
// in a ready key's queue, the Db only notes the key (thread-locally);
// serve_ready(), which RunTimer calls after every top-level command (a
// whole transaction, a whole script), runs the waiting commands there and
// then, from that key, in FIFO order, for as long as the key holds the type
// they pop, and posts each client its reply. So, as in Redis, the clients
// blocked on a key are served before the next command runs: a pipelined
// LPUSH q x, LLEN q answers 1, 0 when a client waits on q. A client blocked
// on keys of several shards may be noted ready by two of them at once; the
// first to claim its waiter serves it.
//
// Woken to retry. A move between two shards of different threads
// (shard-placement pool) blocks through the coordinator, and a ready key's
// Db claims it and calls its wake function, which only posts a message to
// the client's connection. The client then re-runs its command, through the
// normal routing, as a retry: a retry that pops wakes the next waiter if
// the key still holds something, so N elements serve N waiters in turn; a
// retry that finds nothing (another client was faster) registers again at
// the front of its queues, keeping its place.
//
// Exactly one party ends a wait: the shard that serves it or the Db that
// wakes it, the client's timeout, CLIENT UNBLOCK or its disconnection. Each
// claims the Waiter's flag first, and only the winner acts. The records of
// a wait that ended stay in the other keys' queues: the Dbs drop them when
// they meet them, and their cron sweeps them (Db::cron).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace shardis {

class Db;
struct ServerState;
class ShardSet;
struct CommandSpec;

// A blocked command that the shard of a key that becomes ready can serve:
// what serve_ready() needs to run it for the client.
struct BlockedCall {
  std::vector<std::string> args;
  const CommandSpec* spec = nullptr;
  int db = 0;
  int resp = 2;
};

struct Waiter {
  std::atomic<bool> claimed{false};
  // Called by the Db that claimed the waiter because a key it waits on
  // became ready, on that Db's thread, in the middle of a write: it must
  // not touch any shard's data. The connection posts itself a message.
  std::function<void(const std::shared_ptr<Waiter>&)> wake;
  // Set when the shard of a ready key can serve the command (see the model
  // above); answer then receives its reply, on the shard's thread.
  std::shared_ptr<const BlockedCall> call;
  std::function<void(const std::shared_ptr<Waiter>&, std::string reply)> answer;

  // True for the one caller that ends the wait.
  bool claim() {
    bool expected = false;
    return claimed.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
  }
  bool live() const { return !claimed.load(std::memory_order_acquire); }
};
using WaiterPtr = std::shared_ptr<Waiter>;

// The waiters of one Db's keys, FIFO per key.
class WaiterIndex {
 public:
  bool empty() const { return queues_.empty(); }
  // front: a woken client that found nothing again keeps its place.
  void add(std::string_view key, const WaiterPtr& w, bool front);
  // key of db became ready. Drops the ended records at the front of its
  // queue; then, when the first live waiter can be served here, notes the
  // key for serve_ready(), else claims the waiter and wakes it. False when
  // no live waiter was there.
  bool wake_first(std::string_view key, Db& db);
  // The same for every key of db that exists (SWAPDB).
  template <class ExistsFn>
  void wake_present(Db& db, ExistsFn&& exists) {
    for (auto it = queues_.begin(); it != queues_.end(); ++it)
      if (exists(it->first)) wake_queue(it->second, it->first, db);
    sweep();
  }
  // The live waiters of key, in queue order.
  std::vector<WaiterPtr> live(std::string_view key) const;
  // Drops the records of ended waits and the queues left empty.
  void sweep();
  // Records held, ended ones not yet dropped included.
  size_t records() const { return records_; }

 private:
  using Queue = std::deque<WaiterPtr>;
  bool wake_queue(Queue& q, std::string_view key, Db& db);
  std::unordered_map<std::string, Queue> queues_;
  size_t records_ = 0;
};

// What a connection hands a blocking command (ExecContext::block) and what
// it learns back.
struct BlockRequest {
  WaiterPtr waiter;        // this attempt's registration
  bool retry = false;      // the client was woken: see block_on
  bool blocked = false;    // out: nothing to pop; registered, no reply written
  int64_t timeout_ms = 0;  // out: 0 = forever
  bool null_bulk = false;  // out: a timeout replies a null bulk string, not a null array
};

// The keys noted ready on this thread (each with its Db), oldest first;
// the list is left empty.
std::vector<std::pair<Db*, std::string>> take_ready_keys();

// Serves the clients blocked on the keys that became ready on this thread
// since the last call, where they can be served here (see the model
// above). RunTimer calls it after each top-level command; code that makes
// keys ready outside a command (a coordinator task) calls it itself.
void serve_ready(ServerState& server, ShardSet& shards, int64_t now_ms);

// True for BLMOVE and BRPOPLPUSH, which write a second key.
bool blocking_moves(const CommandSpec& spec);

}  // namespace shardis
