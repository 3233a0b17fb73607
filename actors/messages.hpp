#pragma once
// Messages between the actors. Everything here stays in one process, so the
// payloads are plain C++ objects passed by shared_ptr and never serialized.
//
// Ownership: a Batch belongs to exactly one actor at a time. The connection
// fills it and sends it; the shard or coordinator that receives it owns it
// until it sends it back with done_atom; then the connection owns it again.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/atom.hpp"
#include "caf/actor.hpp"
#include "engine/blocking.hpp"
#include "engine/command.hpp"

namespace shardis {

struct ServerContext;

// A connection's session out with EXEC or a script on the coordinator
// (pool placement; with io placement, when the connection had work in
// flight and could not run it inline). The connection may close meanwhile
// (its peer leaves, CLIENT KILL, a limit): leaving pub/sub then would race
// the queued commands still running on the session, and a SUBSCRIBE among
// them would run after it and leave a subscription of a gone client in the
// registry. So the close hands that work to the loan, and it runs when the
// session comes back: at once when none is out, else on the borrower's
// thread right after its commands have run.
class SessionLoan {
 public:
  SessionLoan() = default;
  SessionLoan(const SessionLoan&) = delete;
  SessionLoan& operator=(const SessionLoan&) = delete;
  // A batch that was never run (the coordinator stopped at shutdown) gives
  // the session back as it goes.
  ~SessionLoan() {
    if (on_close_) on_close_();
  }

  // The connection, as it sends the batch.
  void lend() {
    std::lock_guard lock(mu_);
    lent_ = true;
  }
  // The borrower, once the batch's commands have run.
  void give_back() {
    std::function<void()> work;
    {
      std::lock_guard lock(mu_);
      lent_ = false;
      work.swap(on_close_);
    }
    if (work) work();
  }
  // The connection, as it closes: runs work now, or when the session is back.
  void close(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      if (lent_) {
        on_close_ = std::move(work);
        return;
      }
    }
    work();
  }

 private:
  std::mutex mu_;
  bool lent_ = false;
  std::function<void()> on_close_;
};
using SessionLoanPtr = std::shared_ptr<SessionLoan>;

// Commands of one connection for one destination, executed in order; their
// replies are concatenated into out, because the connection writes them as
// one contiguous run.
struct Batch {
  caf::actor reply_to;  // the connection
  uint64_t seq = 0;     // the connection's reply slot
  int db = 0;
  int resp = 2;
  std::vector<Args> commands;
  std::vector<const CommandSpec*> specs;
  std::string out;
  // WATCH: the connection's watch state, which the command registers.
  WatchPtr watch;
  // EXEC and scripts: the connection's live session (a transaction may
  // SELECT, and EXEC consumes its queue), and exactly the shards to hold.
  // The connection does not touch its session while such a batch is out,
  // and a close leaves its session work to the loan.
  Session* session = nullptr;
  std::vector<size_t> shards;
  std::shared_ptr<void> keep_alive;  // owns *session until the batch is back
  SessionLoanPtr loan;
  // Server work instead of commands (the coordinator's cron starting a
  // checkpoint): runs holding `shards`; no reply_to.
  std::function<void(const ServerContext&)> task;
  // A blocking command (alone in its batch): its waiter, and whether it
  // blocked (actors/blocking.hpp).
  BlockRequest block;
};
using BatchPtr = std::shared_ptr<Batch>;

// Runs a batch's commands against the shards (which the caller owns or
// holds), appending their replies to b.out.
void run_batch(const ServerContext& ctx, Batch& b);

using exec_atom = caf::atom_constant<caf::atom("exec")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using hold_atom = caf::atom_constant<caf::atom("hold")>;
using held_atom = caf::atom_constant<caf::atom("held")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using snap_atom = caf::atom_constant<caf::atom("snap")>;

// Sends a run batch back to its connection. The message must not hold the
// connection: CAF 0.17 leaves a broker's mailbox open after it quits, so a
// batch that comes back after its connection closed stays in that mailbox,
// and a strong handle to the broker inside it (reply_to) would keep the
// broker, its state and the batch alive for ever. A batch sent again (a
// blocked command's retry) gets its reply_to again from the connection.
template <class Self>
void send_done(Self* self, BatchPtr b) {
  const caf::actor to = std::move(b->reply_to);
  self->send(to, done_atom::value, std::move(b));
}

}  // namespace shardis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shardis::BatchPtr)
