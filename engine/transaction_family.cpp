// MULTI, EXEC, DISCARD, WATCH, UNWATCH: Redis 7 transactions.
//
// EXEC runs the queued commands back to back in one handler call; the
// transport gives that call every shard the transaction touches, so no
// other client sees a state between two of its commands. WATCH registers
// the client's WatchState with each key's Db (engine/watch.hpp); EXEC checks
// it, and the watched keys' expiry, in the same call, so the check and the
// execution are one atomic step.

#include <algorithm>

#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/transaction.hpp"
#include "protocol/text.hpp"

namespace shardis {

bool queue_in_multi(Session& session, const CommandSpec* spec, const std::string& error, Args& args,
                    protocol::ReplyWriter& reply) {
  // A rejected EXEC (its arity, -BUSY) ends the transaction at once, as
  // Redis's execCommandAbort does, and answers EXECABORT even outside
  // MULTI. Redis writes its arity error there without the ERR code.
  if (!spec && iequals(args[0], "exec")) {
    session.multi.reset();
    session.watch.reset();
    std::string_view why = error;
    if (why == err::wrong_arity("exec")) why.remove_prefix(std::string_view("ERR ").size());
    reply.error("EXECABORT Transaction discarded because of: " + std::string(why));
    return true;
  }
  if (!session.multi) return false;
  if (!spec) {
    session.multi->aborted = true;
    reply.error(error);
    return true;
  }
  if (spec->flags & kCmdTxControl) return false;
  if (spec->flags & kCmdNoMulti) {
    session.multi->aborted = true;
    reply.error("ERR Command not allowed inside a transaction");
    return true;
  }
  session.multi->specs.push_back(spec);
  session.multi->commands.push_back(std::move(args));
  reply.simple("QUEUED");
  return true;
}

std::vector<size_t> transaction_shards(const Session& session, const ShardSet& shards) {
  std::vector<size_t> out;
  auto all = [&] {
    out.resize(shards.size());
    for (size_t s = 0; s < out.size(); ++s) out[s] = s;
    return out;
  };
  std::vector<size_t> idx;
  if (session.multi) {
    const MultiState& m = *session.multi;
    for (size_t i = 0; i < m.specs.size(); ++i) {
      // A script may reach keys it did not declare (unless lua-strict-keys,
      // which the script runner enforces; the holds here cannot know it).
      if (m.specs[i]->flags & (kCmdAllShards | kCmdScript)) return all();
      CommandTable::key_indexes(*m.specs[i], m.commands[i], &idx);
      for (size_t k : idx) out.push_back(shards.shard_of(m.commands[i][k]));
    }
  }
  if (session.watch) {
    std::lock_guard<std::mutex> lock(session.watch->mu);
    for (const WatchedKey& wk : session.watch->keys) out.push_back(wk.shard);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

// EXEC's WATCH check: a watched key was written since WATCH, or expired
// since (a key already expired when watched does not count).
bool watch_failed(ExecContext& ctx, WatchState& w) {
  if (w.dirty.load(std::memory_order_relaxed)) return true;
  std::lock_guard<std::mutex> lock(w.mu);
  for (const WatchedKey& wk : w.keys) {
    if (!wk.expired && ctx.shards.shard(wk.shard).db(wk.db).holds_expired(wk.key, ctx.now_ms)) return true;
  }
  return false;
}

void multi_command(ExecContext& ctx, Args&) {
  if (ctx.session.multi) {
    ctx.reply.error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.session.multi = std::make_shared<MultiState>();
  ctx.reply.ok();
}

void discard_command(ExecContext& ctx, Args&) {
  if (!ctx.session.multi) {
    ctx.reply.error("ERR DISCARD without MULTI");
    return;
  }
  ctx.session.multi.reset();
  ctx.session.watch.reset();
  ctx.reply.ok();
}

void exec_command(ExecContext& ctx, Args&) {
  Session& s = ctx.session;
  if (!s.multi) {
    ctx.reply.error("ERR EXEC without MULTI");
    return;
  }
  // EXEC ends the transaction and every WATCH, whatever its outcome.
  std::shared_ptr<MultiState> multi = std::move(s.multi);
  WatchPtr watch = std::move(s.watch);
  s.multi.reset();
  s.watch.reset();
  if (multi->aborted) {
    ctx.reply.error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (watch && watch_failed(ctx, *watch)) {
    ctx.reply.null_array();
    return;
  }
  ctx.reply.array(multi->specs.size());
  ctx.in_exec = true;
  for (size_t i = 0; i < multi->specs.size(); ++i) dispatch(ctx, *multi->specs[i], multi->commands[i]);
  ctx.in_exec = false;
}

void watch_command(ExecContext& ctx, Args& args) {
  Session& s = ctx.session;
  if (s.multi) {
    ctx.reply.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  if (!s.watch) s.watch = std::make_shared<WatchState>();
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& key = args[i];
    Db& db = ctx.db(key);
    {
      std::lock_guard<std::mutex> lock(s.watch->mu);
      auto same = [&](const WatchedKey& wk) { return wk.db == s.db && wk.key == key; };
      if (std::any_of(s.watch->keys.begin(), s.watch->keys.end(), same)) continue;
      s.watch->keys.push_back({key, s.db, ctx.shards.shard_of(key), db.holds_expired(key, ctx.now_ms)});
    }
    db.watchers().add(key, s.watch);
  }
  ctx.reply.ok();
}

void unwatch_command(ExecContext& ctx, Args&) {
  ctx.session.watch.reset();
  ctx.reply.ok();
}

}  // namespace

void add_transaction_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kBase = kCmdNoscript | kCmdLoading | kCmdStale;
  constexpr uint32_t kConnFast = kBase | kCmdFast | kCmdAllowBusy | kCmdConnection;
  out.push_back({"multi", 1, kConnFast | kCmdTxControl, 0, 0, 0, multi_command, "transactions",
                 "1.2.0", "Starts a transaction.", ""});
  out.push_back({"discard", 1, kConnFast | kCmdTxControl, 0, 0, 0, discard_command, "transactions",
                 "2.0.0", "Discards a transaction.", ""});
  // EXEC is routed by the transport: it needs the shards of its queue.
  out.push_back({"exec", 1, kBase | kCmdSkipSlowlog | kCmdTxControl, 0, 0, 0, exec_command,
                 "transactions", "1.2.0", "Executes all commands in a transaction.", ""});
  out.push_back({"watch", -2, kBase | kCmdFast | kCmdAllowBusy | kCmdTxControl, 1, -1, 1,
                 watch_command, "transactions", "2.2.0",
                 "Monitors changes to keys to determine the execution of a transaction.",
                 "key [key ...]"});
  out.push_back({"unwatch", 1, kConnFast, 0, 0, 0, unwatch_command, "transactions", "2.2.0",
                 "Forgets about watched keys of a transaction.", ""});
}

}  // namespace shardis
