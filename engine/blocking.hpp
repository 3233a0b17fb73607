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
// needs to wake anyone, since nobody waits on a key that holds elements. The
// Db then claims the first live waiter of the key and calls its wake
// function, which only posts a message to the client's connection: the
// command that created the key (a whole transaction, a whole script) ends
// before the client acts on it. The client then re-runs its command,
// through the normal routing, as a retry: a retry that pops wakes the next
// waiter if the key still holds something, so N elements serve N waiters
// in turn; a retry that finds nothing (another client was faster) registers
// again at the front of its queues, keeping its place.
//
// Exactly one party ends a wait: the Db that wakes it, the client's
// timeout, CLIENT UNBLOCK or its disconnection. Each claims the Waiter's
// flag first, and only the winner acts. The records of a wait that ended
// stay in the other keys' queues: the Dbs drop them when they meet them,
// and their cron sweeps them (Db::cron).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shardis {

struct Waiter {
  std::atomic<bool> claimed{false};
  // Called by the Db that claimed the waiter because a key it waits on
  // became ready, on that Db's thread, in the middle of a write: it must
  // not touch any shard's data. The connection posts itself a message.
  std::function<void(const std::shared_ptr<Waiter>&)> wake;

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
  // Claims the first live waiter of key and wakes it, dropping the ended
  // records met on the way. False when no live waiter was there.
  bool wake_first(std::string_view key);
  // Wakes the first live waiter of every key that exists (SWAPDB).
  template <class ExistsFn>
  void wake_present(ExistsFn&& exists) {
    for (auto it = queues_.begin(); it != queues_.end(); ++it)
      if (exists(it->first)) wake_queue(it->second);
    sweep();
  }
  // Drops the records of ended waits and the queues left empty.
  void sweep();
  // Records held, ended ones not yet dropped included.
  size_t records() const { return records_; }

 private:
  using Queue = std::deque<WaiterPtr>;
  bool wake_queue(Queue& q);
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

}  // namespace shardis
