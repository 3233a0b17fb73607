#include "engine/engine.hpp"

#include <algorithm>

#include "engine/blocking.hpp"
#include "engine/clock.hpp"
#include "engine/errors.hpp"
#include "engine/snapshot.hpp"
#include "engine/transaction.hpp"

namespace shardis {

const CommandSpec* check_command(const Args& args, const Session& session, std::string* error) {
  const CommandSpec* spec = CommandTable::instance().resolve(args, error);
  if (spec && !session.authenticated && !(spec->flags & kCmdNoAuth)) {
    *error = std::string(err::kNoAuth);
    return nullptr;
  }
  if (spec && session.subscriber) {
    *error = subscribed_context_error(session, spec->name);
    if (!error->empty()) return nullptr;
  }
  return spec;
}

RunTimer::RunTimer(ServerState& server, std::vector<CommandStats*>& ran)
    : server_(server), ran_(ran), start_us_(Clock::monotonic_us()) {
  ran_.clear();
}

RunTimer::~RunTimer() {
  if (ran_.empty()) return;
  const int64_t elapsed = Clock::monotonic_us() - start_us_;
  const uint64_t share = static_cast<uint64_t>(std::max<int64_t>(0, elapsed)) / ran_.size();
  for (CommandStats* st : ran_) st->usec.fetch_add(share, std::memory_order_relaxed);
  server_.counters.total_commands_processed.fetch_add(ran_.size(), std::memory_order_relaxed);
  ran_.clear();
}

namespace {
// How deep in commands this thread is: EXEC and scripts run commands
// inside theirs.
thread_local int t_command_depth = 0;
}  // namespace

void RunTimer::run(ExecContext& ctx, const CommandSpec& spec, Args& args) {
  ++t_command_depth;
  run_counted(ctx, spec, args);
  // After a top-level command, a whole transaction or script included, the
  // clients blocked on keys it made ready are served (engine/blocking.hpp).
  if (--t_command_depth == 0) serve_ready(ctx.server, ctx.shards, ctx.now_ms);
}

void RunTimer::run_counted(ExecContext& ctx, const CommandSpec& spec, Args& args) {
  const size_t before = ctx.reply.buffer().size();
  // A background checkpoint streams what this write is about to change.
  const bool snapshotting = (spec.flags & kCmdWrite) &&
                            ctx.server.snapshot_shards.load(std::memory_order_acquire) > 0;
  if (snapshotting) snapshot_before_write(ctx, spec, args);
  spec.handler(ctx, args);
  if (snapshotting) snapshot_after_write(ctx, spec, args);
  CommandStats& st = ctx.server.command_stats[static_cast<size_t>(spec.id)];
  st.calls.fetch_add(1, std::memory_order_relaxed);
  // A reply that starts with '-' is an error: Redis counts those as failed.
  const std::string& out = ctx.reply.buffer();
  if (out.size() > before && out[before] == '-') {
    st.failed_calls.fetch_add(1, std::memory_order_relaxed);
    ctx.server.counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
  }
  ran_.push_back(&st);
}

void dispatch(ExecContext& ctx, const CommandSpec& spec, Args& args) {
  std::vector<CommandStats*> ran;
  RunTimer timer(ctx.server, ran);
  timer.run(ctx, spec, args);
}

void dispatch_batch(ExecContext& ctx, const std::vector<const CommandSpec*>& specs,
                    std::vector<Args>& commands) {
  std::vector<CommandStats*> ran;
  ran.reserve(specs.size());
  RunTimer timer(ctx.server, ran);
  for (size_t i = 0; i < specs.size(); ++i) timer.run(ctx, *specs[i], commands[i]);
}

Engine::Engine(int shards, bool manual_clock)
    : server_(std::make_unique<ServerState>(manual_clock)),
      shards_(std::make_unique<ShardSet>(shards, server_->config.databases())) {
  server_->command_stats = std::vector<CommandStats>(CommandTable::instance().id_count());
  install_keyspace_listener(*server_, *shards_);
}

std::string Engine::run(Args args) {
  std::string out;
  protocol::ReplyWriter w(out, session_.resp);
  std::string error;
  const CommandSpec* spec = check_command(args, session_, &error);
  if (queue_in_multi(session_, spec, error, args, w)) return out;
  if (!spec) {
    w.error(error);
    return out;
  }
  ExecContext ctx{*server_, *shards_, session_, w, server_->clock.now_ms()};
  dispatch(ctx, *spec, args);
  return out;
}

}  // namespace shardis
