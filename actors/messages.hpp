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
#include <string>
#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/atom.hpp"
#include "caf/actor.hpp"
#include "engine/blocking.hpp"
#include "engine/command.hpp"

namespace shardis {

// Commands of one connection for one destination, executed in order; their
// replies are concatenated into out, because the connection writes them as
// one contiguous run.
struct ServerContext;

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
  // The connection does not touch its session while such a batch is out.
  Session* session = nullptr;
  std::vector<size_t> shards;
  std::shared_ptr<void> keep_alive;  // owns *session until the batch is back
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

}  // namespace shardis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shardis::BatchPtr)
