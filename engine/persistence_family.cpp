// SAVE, BGSAVE and LASTSAVE, and the periodic `save` rules. SAVE writes a
// checkpoint synchronously, as Redis's SAVE blocks its server: it runs with
// every shard held (kCmdAllShards), so the image is one point in time.
// BGSAVE cuts the same point in time and lets the shards stream it. The
// writer is persistence/'s, reached through CheckpointService
// (engine/checkpoint_api.hpp).

#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "protocol/text.hpp"
#include "spdlog/spdlog.h"

namespace shardis {

uint64_t total_dirty(ShardSet& shards) {
  uint64_t dirty = 0;
  for (size_t i = 0; i < shards.size(); ++i) dirty += shards.shard(i).stats().dirty.get();
  return dirty;
}

int64_t last_save_s(const ServerState& server) {
  const int64_t last = server.last_save_time.load(std::memory_order_relaxed);
  return last != 0 ? last : server.start_time_us / 1000000;
}

std::vector<SaveRule> parse_save_rules(std::string_view value) {
  std::vector<SaveRule> rules;
  std::vector<int64_t> numbers;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = value.find(' ', pos);
    if (end == std::string_view::npos) end = value.size();
    int64_t n;
    // The config table validated the value: skip anything else.
    if (end > pos && string_to_ll(value.substr(pos, end - pos), &n)) numbers.push_back(n);
    pos = end + 1;
  }
  for (size_t i = 0; i + 1 < numbers.size(); i += 2) rules.push_back({numbers[i], numbers[i + 1]});
  return rules;
}

bool background_checkpoint_due(ServerState& server, ShardSet& shards, int64_t now_ms,
                               std::string* why) {
  PersistenceStatus& p = server.persistence;
  if (!server.checkpoints || p.loading.load() || p.saving.load()) return false;
  const int64_t now_s = now_ms / 1000;
  // After a failure, wait a little before trying again (the disk may be
  // full); Redis's CONFIG_BGSAVE_RETRY_DELAY.
  if (!p.last_ok.load() && now_s - p.last_try_s.load() <= kBgsaveRetryDelayS) return false;
  if (p.scheduled.load()) {
    *why = "Starting the scheduled background save";
    return true;
  }
  const int64_t last_save = last_save_s(server);
  const uint64_t dirty = total_dirty(shards) - p.dirty_at_save.load();
  for (const SaveRule& rule : parse_save_rules(server.config.get("save").value_or(""))) {
    if (dirty >= static_cast<uint64_t>(rule.changes) && now_s - last_save > rule.seconds) {
      *why = std::to_string(rule.changes) + " changes in " + std::to_string(rule.seconds) +
             " seconds. Saving...";
      return true;
    }
  }
  return false;
}

namespace {

// BGSAVE's start, for the command and the cron: records the attempt (the
// retry delay counts from it) and, once started, drops a scheduled one.
bool start_background(ServerState& server, ShardSet& shards, int64_t now_ms, std::string* error) {
  server.persistence.last_try_s.store(now_ms / 1000);
  if (!server.checkpoints->start_background(shards, now_ms, error)) return false;
  server.persistence.scheduled.store(false);
  return true;
}

}  // namespace

void start_due_checkpoint(ServerState& server, ShardSet& shards, int64_t now_ms,
                          const std::string& why) {
  // Checked again: a BGSAVE may have started between the check and the
  // hold.
  if (server.persistence.saving.load()) return;
  spdlog::info("{}", why);
  std::string error;
  if (!start_background(server, shards, now_ms, &error))
    spdlog::warn("Background saving could not start: {}", error);
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
  ctx.server.persistence.scheduled.store(false);
  if (!checkpoints->save(ctx.shards, ctx.now_ms, &error)) {
    // Redis answers a failed SAVE with a bare -ERR; the reason is in the log
    // and INFO persistence.
    ctx.reply.error("ERR");
    return;
  }
  ctx.reply.ok();
}

// BGSAVE [SCHEDULE]. Redis schedules a BGSAVE that cannot fork now (an AOF
// rewrite runs) or that runs inside a transaction; shardis has no other
// background job, so SCHEDULE only matters inside MULTI/EXEC, where the
// save starts at the next cron tick, after the transaction.
void bgsave_command(ExecContext& ctx, Args& args) {
  if (args.size() > 2 || (args.size() == 2 && !iequals(args[1], "schedule"))) {
    ctx.reply.error(err::kSyntax);
    return;
  }
  if (!checkpoints_or_reply(ctx)) return;
  PersistenceStatus& p = ctx.server.persistence;
  if (p.saving.load()) {
    ctx.reply.error(err::kBgsaveInProgress);
    return;
  }
  if (ctx.in_exec) {
    p.scheduled.store(true);
    ctx.reply.simple("Background saving scheduled");
    return;
  }
  std::string error;
  if (!start_background(ctx.server, ctx.shards, ctx.now_ms, &error)) {
    ctx.reply.error(error);
    return;
  }
  ctx.reply.simple("Background saving started");
}

void lastsave_command(ExecContext& ctx, Args&) {
  ctx.reply.integer(last_save_s(ctx.server));
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
