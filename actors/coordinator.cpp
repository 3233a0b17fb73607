// The cross-shard coordinator.
//
// Work whose keys live on more than one shard (MSET k1 k2 on two shards,
// RENAME across shards, FLUSHALL, KEYS ...) must be atomic: no client may
// see it half done. The coordinator runs such work one batch at a time:
//   1. send hold_atom to every shard the batch needs;
//   2. each shard answers held_atom and from then on queues its other work;
//   3. when all have answered, run the batch's commands directly against the
//      held shards' data (they are idle, and the held_atom message orders
//      their last writes before our reads);
//   4. send release_atom to each, and the replies to the connection.
// Because one coordinator issues every hold, and in one order, two batches
// can never wait on each other: no deadlock, and no thread ever blocks.
// Work that touches a single shard never comes here: it pays nothing.
//
// With shard-placement io, the coordinator and every shard run on the same
// thread: while the coordinator runs, no shard does, so it executes at once
// without holding anyone. A connection sends a multi-shard batch only when
// its earlier batches are done (see connection.cpp), so nothing of that
// connection is still queued at a shard either.

#include <algorithm>
#include <deque>

#include "actors/messages.hpp"
#include "actors/server_runtime.hpp"
#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "engine/engine.hpp"

namespace shardis {

namespace {

struct CoordinatorState {
  std::shared_ptr<ServerContext> ctx;
  bool shares_thread = false;  // with every shard: no holds needed
  std::deque<BatchPtr> queue;
  BatchPtr current;
  std::vector<size_t> held;
  size_t awaiting = 0;
  std::vector<size_t> key_idx;
};

// The shards a batch needs, sorted and unique.
std::vector<size_t> shards_needed(CoordinatorState& st, const Batch& b) {
  if (b.session || b.task) return b.shards;  // EXEC, a script or the cron: already known
  std::vector<size_t> out;
  const size_t n = st.ctx->shards->size();
  for (size_t i = 0; i < b.commands.size(); ++i) {
    const CommandSpec& spec = *b.specs[i];
    if (spec.flags & kCmdAllShards) {
      out.resize(n);
      for (size_t s = 0; s < n; ++s) out[s] = s;
      return out;
    }
    CommandTable::key_indexes(spec, b.commands[i], &st.key_idx);
    for (size_t k : st.key_idx) out.push_back(st.ctx->shards->shard_of(b.commands[i][k]));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

template <class Self>
void execute_current(Self* self, CoordinatorState& st) {
  Batch& b = *st.current;
  if (b.task) {
    b.task(*st.ctx);
    // A task runs no command, so no RunTimer serves the clients blocked on
    // keys it made ready (a kick): they are served here, while it holds
    // their shards.
    serve_ready(*st.ctx->state, *st.ctx->shards, st.ctx->state->clock.now_ms());
  } else {
    run_batch(*st.ctx, b);
  }
  for (size_t s : st.held) self->send(st.ctx->shard_actors[s], release_atom::value);
  if (b.reply_to) send_done(self, std::move(st.current));
  st.current.reset();
  st.held.clear();
}

template <class Self>
void start_next(Self* self, CoordinatorState& st) {
  while (!st.current && !st.queue.empty()) {
    st.current = std::move(st.queue.front());
    st.queue.pop_front();
    if (st.shares_thread) {
      execute_current(self, st);
      continue;
    }
    st.held = shards_needed(st, *st.current);
    st.awaiting = st.held.size();
    if (st.awaiting == 0) {
      execute_current(self, st);
      continue;
    }
    for (size_t s : st.held) self->send(st.ctx->shard_actors[s], hold_atom::value);
  }
}

// The server's cron, `hz` times a second: starts a background checkpoint
// when BGSAVE SCHEDULE or a `save` rule asks for one. The check reads only
// atomics; the start holds every shard, as BGSAVE does, so that the image
// is cut at one point in time.
template <class Self>
void cron(Self* self, CoordinatorState& st) {
  ServerState& server = *st.ctx->state;
  std::string why;
  if (background_checkpoint_due(server, *st.ctx->shards, server.clock.now_ms(), &why)) {
    auto b = std::make_shared<Batch>();
    b->shards.resize(st.ctx->shards->size());
    for (size_t s = 0; s < b->shards.size(); ++s) b->shards[s] = s;
    b->task = [why](const ServerContext& ctx) {
      start_due_checkpoint(*ctx.state, *ctx.shards, ctx.state->clock.now_ms(), why);
    };
    st.queue.push_back(std::move(b));
    start_next(self, st);
  }
  // Without a sender, as the shards' ticks (shard_actor.cpp).
  const int64_t hz = std::max<int64_t>(1, server.config.hz());
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), std::chrono::milliseconds(1000 / hz),
                         tick_atom::value);
}

template <class Self>
caf::behavior coordinator_behavior(Self* self, std::shared_ptr<ServerContext> ctx,
                                   bool shares_thread) {
  auto st = std::make_shared<CoordinatorState>();
  st->ctx = std::move(ctx);
  st->shares_thread = shares_thread;
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), std::chrono::milliseconds(100),
                         tick_atom::value);
  return {
      [self, st](tick_atom) { cron(self, *st); },
      [self, st](exec_atom, BatchPtr& b) {
        st->queue.push_back(std::move(b));
        start_next(self, *st);
      },
      [self, st](held_atom) {
        if (--st->awaiting == 0) {
          execute_current(self, *st);
          start_next(self, *st);
        }
      },
  };
}

}  // namespace

caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<ServerContext> ctx,
                             bool on_io_thread) {
  if (on_io_thread) {
    return sys.middleman().spawn_broker(
        [ctx](caf::io::broker* self) { return coordinator_behavior(self, ctx, true); });
  }
  return sys.spawn(
      [ctx](caf::event_based_actor* self) { return coordinator_behavior(self, ctx, false); });
}

}  // namespace shardis
