#pragma once
// A connection's blocking command (BLPOP & co.): the actors' half of the
// model in engine/blocking.hpp.
//
// The connection sends a blocking command alone and as a barrier (nothing
// after it is dispatched until it answers, as Redis leaves a blocked
// client's later commands unread), to its keys' shard, or to the
// coordinator when they span shards, so it runs atomically over all of them.
// When it comes back blocked, its reply slot stays open, and what ends the
// wait arrives as a block_atom message to the connection:
//   - the reply: the shard of a key that became ready served it, after the
//     command that made the key ready (engine/blocking.hpp).
//   - kWake: a Db claimed the waiter for a key that became ready (a move
//     between two shards of different threads). The command goes out
//     again as a retry, with a fresh waiter; if it finds nothing it comes
//     back blocked and waits on.
//   - kTimeout (a delayed message armed at each block), kUnblockTimeout and
//     kUnblockError (CLIENT UNBLOCK, which claims the waiter before it
//     sends): the command answers its null, or -UNBLOCKED.
// Whoever claims the waiter first wins; a timeout that loses (a Db woke the
// client first) is dropped, and the retry decides. A retry that comes back
// blocked after the deadline times out at once.
//
// Disconnection claims the waiter as well. When a Db claimed it first, the
// wake it posted dies with the connection, and the element it announced
// would wait for a client that is not coming: the keys are then kicked (a
// task on the coordinator wakes their next waiter).
//
// Threads: every method runs on the connection's thread. Waiters are shared
// with the shards' threads; only their atomic flag is written there.

#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/server_runtime.hpp"
#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"
#include "caf/actor_cast.hpp"
#include "caf/atom.hpp"
#include "engine/blocking.hpp"

namespace shardis {

using block_atom = caf::atom_constant<caf::atom("block")>;

enum class BlockEvent : int { kWake, kTimeout, kUnblockTimeout, kUnblockError };

class BlockedCommand {
 public:
  // True from the first attempt until the command has answered.
  bool active() const { return batch_ != nullptr; }

  // Sends b, which holds one blocking command, for its first attempt. self
  // is the connection: wakes and timeouts are posted to it.
  void start(const ServerContext& ctx, caf::actor self, BatchPtr b);

  // A batch came back to the connection. True when it is this command and
  // it blocked: its slot stays open. False otherwise, the command's answer
  // included, which the connection then completes as any batch.
  bool blocked(const ServerContext& ctx, Session& session, Batch& b);

  // A block_atom message for waiter w. True when it sent a batch the
  // connection must count in flight: a retry, or the final answer, which
  // comes back as a done_atom like any batch.
  bool on_event(const ServerContext& ctx, Session& session, const WaiterPtr& w, BlockEvent e);
  // The shard served waiter w: reply is the command's answer. True as
  // on_event.
  bool on_served(const ServerContext& ctx, Session& session, const WaiterPtr& w,
                 std::string& reply);

  // The connection closes.
  void close(const ServerContext& ctx, Session& session);

 private:
  // Sends the command with a fresh waiter.
  void send(bool retry);
  // Posts the timeout for the time left; false when none is.
  bool arm_timer();
  // Ends the wait with a null (timeout) or -UNBLOCKED (error) as the answer.
  void answer_null(const ServerContext& ctx, Session& session, bool error);
  // Leaves the blocked state; the caller lets go of the batch.
  void finish(const ServerContext& ctx, Session& session);
  // Sends the answered batch back to the connection as a done_atom, which
  // completes it like any batch.
  void hand_back();
  void kick(const ServerContext& ctx) const;

  // The connection, weakly: its own state must not keep it alive.
  caf::actor self() const { return caf::actor_cast<caf::actor>(self_); }
  caf::actor_addr self_;
  caf::actor dest_;  // the keys' shard, or the coordinator
  std::shared_ptr<const BlockedCall> call_;  // when a shard may serve it
  BatchPtr batch_;
  WaiterPtr waiter_;         // the current registration (or the retry's)
  bool counted_ = false;     // in INFO's blocked_clients
  int64_t start_us_ = 0;     // monotonic, when the command first ran
  int64_t deadline_us_ = 0;  // monotonic; 0 = none
};

}  // namespace shardis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shardis::WaiterPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shardis::BlockEvent)
