// SAVE and LASTSAVE. SAVE writes a checkpoint synchronously, as Redis's
// SAVE blocks its server: it runs with every shard held (kCmdAllShards), so
// the image is one point in time. The writer is persistence/'s, reached
// through CheckpointService (engine/checkpoint_api.hpp).

#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"

namespace shardis {

uint64_t total_dirty(ShardSet& shards) {
  uint64_t dirty = 0;
  for (size_t i = 0; i < shards.size(); ++i) dirty += shards.shard(i).stats().dirty;
  return dirty;
}

namespace {

// The server's checkpoint writer, or nullptr after replying the error.
CheckpointService* checkpoints_or_reply(ExecContext& ctx) {
  if (!ctx.server.checkpoints) ctx.reply.error("ERR checkpoints are not available in this server");
  return ctx.server.checkpoints.get();
}

void save_command(ExecContext& ctx, Args&) {
  CheckpointService* checkpoints = checkpoints_or_reply(ctx);
  if (!checkpoints) return;
  if (ctx.server.persistence.saving.load(std::memory_order_acquire)) {
    ctx.reply.error(err::kBgsaveInProgress);
    return;
  }
  std::string error;
  if (!checkpoints->save(ctx.shards, ctx.now_ms, &error)) {
    // Redis answers a failed SAVE with a bare -ERR; the reason is in the log
    // and INFO persistence.
    ctx.reply.error("ERR");
    return;
  }
  ctx.reply.ok();
}

void bgsave_command(ExecContext& ctx, Args& args) {
  if (args.size() > 1) {
    // BGSAVE SCHEDULE is not supported yet: there is no fork to wait for,
    // but a scheduled save needs the periodic trigger that is not there.
    ctx.reply.error(err::kSyntax);
    return;
  }
  CheckpointService* checkpoints = checkpoints_or_reply(ctx);
  if (!checkpoints) return;
  std::string error;
  if (!checkpoints->start_background(ctx.shards, ctx.now_ms, &error)) {
    ctx.reply.error(error);
    return;
  }
  ctx.reply.simple("Background saving started");
}

void lastsave_command(ExecContext& ctx, Args&) {
  int64_t last = ctx.server.last_save_time.load(std::memory_order_relaxed);
  if (last == 0) last = ctx.server.start_time_us / 1000000;
  ctx.reply.integer(last);
}

}  // namespace

void add_persistence_commands(std::vector<CommandSpec>& out) {
  out.push_back({"save", 1, kCmdAdmin | kCmdNoscript | kCmdNoMulti | kCmdAllShards, 0, 0, 0,
                 save_command, "server", "1.0.0", "Synchronously saves the database(s) to disk.", ""});
  out.push_back({"bgsave", -1, kCmdAdmin | kCmdNoscript | kCmdAllShards, 0, 0, 0, bgsave_command,
                 "server", "1.0.0",
                 "Asynchronously saves the database(s) to disk; writers are not stopped.", ""});
  out.push_back({"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, lastsave_command,
                 "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.",
                 ""});
}

}  // namespace shardis
