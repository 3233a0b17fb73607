// The shard actor: owns one Shard of the keyspace and runs the batches of
// commands connections send it, in arrival order.
//
// Holding: the coordinator runs multi-shard work (MSET over several shards,
// FLUSHALL, KEYS ...) by holding every shard it needs. A held shard replies
// held_atom, then only queues what arrives until release_atom, so the
// coordinator may touch its data directly; nothing blocks a thread.

#include <deque>

#include "actors/messages.hpp"
#include "actors/server_runtime.hpp"
#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "engine/engine.hpp"
#include "engine/snapshot.hpp"

namespace shardis {

namespace {

struct ShardActorState {
  ContextPtr ctx;
  Shard* shard = nullptr;
  bool held = false;
  bool stepping = false;  // a snap_atom is on its way
  std::deque<BatchPtr> deferred;
};

// A background checkpoint streams this shard in steps of kSnapshotStepUs,
// one step per millisecond: a quarter of the thread at most, so writers'
// latency stays close to its baseline while the image streams. The next step is a delayed
// message, not an immediate one: CAF resumes an actor until its mailbox is
// empty, so a step that sends itself the next would stream the whole shard
// in one go and, on the io thread, stall every socket for as long (measured:
// 0.6 s per shard of 500k keys). A held shard waits: the coordinator owns
// its data meanwhile.
constexpr int64_t kSnapshotStepUs = 250;

template <class Self>
void snapshot_steps(Self* self, ShardActorState& st) {
  if (st.held || st.stepping || !st.shard->snapshot().active) return;
  st.stepping = true;
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), std::chrono::milliseconds(1), snap_atom::value);
}

template <class Self>
caf::behavior shard_behavior(Self* self, ContextPtr ctx, size_t index) {
  auto st = std::make_shared<ShardActorState>();
  st->ctx = std::move(ctx);
  st->shard = &st->ctx->shards->shard(index);
  const auto period = std::chrono::milliseconds(1000 / std::max<int64_t>(1, st->ctx->state->config.hz()));
  // Ticks carry no sender: a shard on the io thread is a broker, and CAF 0.17
  // leaves a broker's mailbox open after it quits, so a tick due after the
  // stop stays in it and, sent by the broker, would keep the broker alive.
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), period, tick_atom::value);
  return {
      [self, st](exec_atom, BatchPtr& b) {
        if (st->held) {
          st->deferred.push_back(std::move(b));
          return;
        }
        run_batch(*st->ctx, *b);
        send_done(self, std::move(b));
      },
      [self, st](hold_atom) {
        st->held = true;
        self->send(st->ctx->coordinator, held_atom::value);
      },
      [self, st](snap_atom) {
        st->stepping = false;
        if (st->held) return;  // release resumes the steps
        snapshot_step(*st->shard, kSnapshotStepUs, &st->ctx->state->snapshot_shards);
        snapshot_steps(self, *st);
      },
      [self, st](release_atom) {
        st->held = false;
        snapshot_steps(self, *st);
        while (!st->deferred.empty()) {
          BatchPtr b = std::move(st->deferred.front());
          st->deferred.pop_front();
          run_batch(*st->ctx, *b);
          send_done(self, std::move(b));
        }
      },
      [self, st](tick_atom) {
        const int64_t hz = std::max<int64_t>(1, st->ctx->state->config.hz());
        // While the start-up restore fills the shards (on another thread),
        // they are not this actor's to touch.
        if (!st->held && !st->ctx->state->persistence.loading.load(std::memory_order_acquire)) {
          // As Redis's slow expiry cycle: at most 25% of a tick's time.
          const int64_t budget_us = 250000 / hz;
          st->shard->cron(st->ctx->state->clock.now_ms(), Clock::monotonic_us() + budget_us);
        }
        snapshot_steps(self, *st);
        // Server-wide metrics are sampled by one shard's cron.
        if (st->shard->id() == 0) {
          ServerCounters& c = st->ctx->state->counters;
          c.ops_per_sec.sample(Clock::monotonic_us(),
                               c.total_commands_processed.load(std::memory_order_relaxed));
        }
        caf::delayed_anon_send(caf::actor_cast<caf::actor>(self),
                               std::chrono::milliseconds(1000 / hz), tick_atom::value);
      },
  };
}

}  // namespace

void run_batch(const ServerContext& ctx, Batch& b) {
  Session copy;
  copy.db = b.db;
  copy.resp = b.resp;
  copy.watch = b.watch;
  Session& session = b.session ? *b.session : copy;
  protocol::ReplyWriter w(b.out, b.resp);
  // One time read for the whole batch: its commands run back to back, so
  // they see one "now", as a Redis command sees one cached mstime.
  ExecContext ectx{*ctx.state, *ctx.shards, session, w, ctx.state->clock.now_ms()};
  if (b.block.waiter) ectx.block = &b.block;
  dispatch_batch(ectx, b.specs, b.commands);
  if (b.loan) b.loan->give_back();
}

caf::actor spawn_shard(caf::actor_system& sys, ContextPtr ctx, size_t index, bool on_io_thread) {
  if (on_io_thread) {
    return sys.middleman().spawn_broker(
        [ctx, index](caf::io::broker* self) { return shard_behavior(self, ctx, index); });
  }
  return sys.spawn([ctx, index](caf::event_based_actor* self) { return shard_behavior(self, ctx, index); });
}

}  // namespace shardis
