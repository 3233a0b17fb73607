// The blocking pops: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP (lists) and
// BZPOPMIN, BZPOPMAX, BZMPOP (sorted sets), as in Redis 7.0's t_list.c and
// t_zset.c. engine/blocking.hpp explains how a client blocks and wakes.
//
// Each command is its non-blocking form plus a timeout: once the timeout is
// read and a key is found to pop from, the form's own handler (LPOP, LMOVE,
// ZPOPMIN, LMPOP ...) does the pop, so the two can never disagree on a
// reply, an error or a side effect. Only when every key is empty does a
// command differ: it blocks, or, where it may not (inside EXEC or a
// script), replies the null its form gives for missing keys.
//
// Argument checks run in Redis's order: the timeout first, except for
// BLMOVE, which checks its LEFT/RIGHT words before it.

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "engine/blocking.hpp"
#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/list_type.hpp"
#include "engine/numbers.hpp"
#include "engine/zset_type.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";

// A timeout in seconds, to milliseconds as Redis 7.0 reads it: a long
// double, scaled and rounded up (0.0001 is 1 ms; -0.0001 is 0, forever). A
// value beyond what a long long holds converts to a negative one there, so
// it is "negative" here too (inf, 1e17).
bool parse_timeout(ExecContext& ctx, const std::string& arg, int64_t* ms) {
  long double seconds;
  if (!parse_long_double(arg, &seconds)) {
    ctx.reply.error(kTimeoutNotFloat);
    return false;
  }
  const long double t = std::ceil(seconds * 1000.0);
  constexpr long double kLimit = 9223372036854775808.0L;  // 2^63
  if (!(t < kLimit) || t < 0) {
    ctx.reply.error(kTimeoutNegative);
    return false;
  }
  *ms = static_cast<int64_t>(t);
  return true;
}

// Runs the non-blocking form's handler on args (args[0] names it).
void run_form(ExecContext& ctx, Args args) {
  CommandTable::instance().find(args[0])->handler(ctx, args);
}

// The same into a reply buffer of its own.
std::string run_form_apart(ExecContext& ctx, Args args) {
  std::string out;
  protocol::ReplyWriter w(out, ctx.reply.resp());
  ExecContext apart{ctx.server, ctx.shards, ctx.session, w, ctx.now_ms};
  run_form(apart, std::move(args));
  return out;
}

enum class Found { kNone, kReady, kWrongType };

// The first of args[keys] that holds a T, in argument order (*at = its
// index). A key of another type ends the search as an error, except when a
// woken client retries: Redis 7.0 serves such a client from the key that
// became ready and never looks at the others again.
template <class T>
Found find_ready(ExecContext& ctx, const Args& args, const std::vector<size_t>& keys, size_t* at) {
  const bool retry = ctx.block && ctx.block->retry;
  for (size_t k : keys) {
    const Entry* e = ctx.db(args[k]).lookup_write(args[k], ctx.now_ms);
    if (!e || (e->type != T::kType && retry)) continue;
    *at = k;
    return e->type == T::kType ? Found::kReady : Found::kWrongType;
  }
  return Found::kNone;
}

// Every key is empty: registers the client on each key and writes no reply
// when it may block, else replies the null of the command's form.
void block_or_null(ExecContext& ctx, const Args& args, const std::vector<size_t>& keys,
                   int64_t timeout_ms, bool null_bulk) {
  BlockRequest* req = ctx.block;
  if (!req) return null_bulk ? ctx.reply.null() : ctx.reply.null_array();
  for (size_t k : keys) ctx.db(args[k]).waiters().add(args[k], req->waiter, req->retry);
  req->blocked = true;
  req->timeout_ms = timeout_ms;
  req->null_bulk = null_bulk;
}

// After a pop from key: the next client blocked on it, if it still holds
// something.
void served(ExecContext& ctx, const std::string& key) {
  ctx.db(key).wake_waiters(key);
}

std::vector<size_t> keys_before_timeout(const Args& args) {
  std::vector<size_t> keys;
  for (size_t k = 1; k + 1 < args.size(); ++k) keys.push_back(k);
  return keys;
}

// BLPOP, BRPOP, BZPOPMIN, BZPOPMAX: key [key ...] timeout. serve writes
// the reply for the key found.
template <class T, class Serve>
void pop_first(ExecContext& ctx, Args& args, Serve&& serve) {
  int64_t timeout;
  if (!parse_timeout(ctx, args.back(), &timeout)) return;
  const std::vector<size_t> keys = keys_before_timeout(args);
  size_t at = 0;
  switch (find_ready<T>(ctx, args, keys, &at)) {
    case Found::kNone:
      return block_or_null(ctx, args, keys, timeout, false);
    case Found::kWrongType:
      return ctx.reply.error(err::kWrongType);
    case Found::kReady:
      serve(args[at]);
      return served(ctx, args[at]);
  }
}

// BLPOP / BRPOP reply [key, element].
void list_pop(ExecContext& ctx, Args& args, std::string_view form) {
  pop_first<ListType>(ctx, args, [&](const std::string& key) {
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    run_form(ctx, {std::string(form), key});
  });
}

void blpop_command(ExecContext& ctx, Args& args) {
  list_pop(ctx, args, "lpop");
}
void brpop_command(ExecContext& ctx, Args& args) {
  list_pop(ctx, args, "rpop");
}

// BZPOPMIN / BZPOPMAX reply [key, member, score]: ZPOPMIN's flat
// [member, score] with the key in front.
void zset_pop(ExecContext& ctx, Args& args, std::string_view form) {
  pop_first<ZSetType>(ctx, args, [&](const std::string& key) {
    const std::string pair = run_form_apart(ctx, {std::string(form), key});
    constexpr std::string_view kPairHeader = "*2\r\n";
    ctx.reply.array(3);
    ctx.reply.bulk(key);
    ctx.reply.raw(std::string_view(pair).substr(kPairHeader.size()));
  });
}

void bzpopmin_command(ExecContext& ctx, Args& args) {
  zset_pop(ctx, args, "zpopmin");
}
void bzpopmax_command(ExecContext& ctx, Args& args) {
  zset_pop(ctx, args, "zpopmax");
}

// BLMOVE / BRPOPLPUSH, as LMOVE / RPOPLPUSH (the form's args) once the
// source holds a list; they block on the source only.
void move_or_block(ExecContext& ctx, Args& args, int64_t timeout, Args form) {
  const std::vector<size_t> source{1};
  size_t at = 0;
  const Found found = find_ready<ListType>(ctx, args, source, &at);
  if (found == Found::kNone) return block_or_null(ctx, args, source, timeout, true);
  run_form(ctx, std::move(form));  // WRONGTYPE for either key is the form's
  if (found == Found::kReady) served(ctx, args[1]);
}

bool is_list_end(std::string_view s) {
  return iequals(s, "left") || iequals(s, "right");
}

void blmove_command(ExecContext& ctx, Args& args) {
  if (!is_list_end(args[3]) || !is_list_end(args[4])) return ctx.reply.error(err::kSyntax);
  int64_t timeout;
  if (!parse_timeout(ctx, args[5], &timeout)) return;
  move_or_block(ctx, args, timeout, {"lmove", args[1], args[2], args[3], args[4]});
}

void brpoplpush_command(ExecContext& ctx, Args& args) {
  int64_t timeout;
  if (!parse_timeout(ctx, args[3], &timeout)) return;
  move_or_block(ctx, args, timeout, {"rpoplpush", args[1], args[2]});
}

// BLMPOP / BZMPOP timeout numkeys key [key ...] <where> [COUNT count]: the
// form (LMPOP / ZMPOP) on the same arguments without the timeout. Redis
// checks those arguments before the timeout, and the timeout before any
// key's type.
template <class T>
void mpop(ExecContext& ctx, Args& args, std::string_view form_name, std::string_view first,
          std::string_view second) {
  MpopArgs parsed;
  if (std::string_view error = parse_mpop(args, 2, first, second, &parsed); !error.empty())
    return ctx.reply.error(error);
  int64_t timeout;
  if (!parse_timeout(ctx, args[1], &timeout)) return;
  Args form(args.begin() + 1, args.end());
  form[0] = std::string(form_name);
  std::vector<size_t> keys;
  keys_after_numkeys(form, 1, &keys);
  size_t at = 0;
  const Found found = find_ready<T>(ctx, form, keys, &at);
  if (found == Found::kNone) return block_or_null(ctx, form, keys, timeout, false);
  if (found == Found::kReady && ctx.block && ctx.block->retry) {
    // Only the ready key: the others may hold another type by now.
    Args one{form[0], "1", form[at]};
    one.insert(one.end(), form.begin() + 2 + static_cast<std::ptrdiff_t>(keys.size()), form.end());
    run_form(ctx, std::move(one));
  } else {
    run_form(ctx, form);  // pops from form[at], or answers WRONGTYPE
  }
  if (found == Found::kReady) served(ctx, form[at]);
}

void blmpop_command(ExecContext& ctx, Args& args) {
  mpop<ListType>(ctx, args, "lmpop", "left", "right");
}
void bzmpop_command(ExecContext& ctx, Args& args) {
  mpop<ZSetType>(ctx, args, "zmpop", "min", "max");
}

// Key positions of BLMPOP / BZMPOP: numkeys at args[2].
void mpop_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 2, keys);
}

// BLMPOP and BZMPOP run in scripts (without blocking), as in Redis 7.0.
CommandSpec mpop_spec(std::string_view name, Handler handler, std::string_view group,
                      std::string_view summary, std::string_view syntax) {
  constexpr uint32_t kFlags = kCmdWrite | kCmdBlocking | kCmdMovableKeys;
  CommandSpec spec{name, -5, kFlags, 0, 0, 0, handler, group, "7.0.0", summary, syntax};
  spec.find_keys = mpop_keys;
  return spec;
}

// The command a client blocked with, as it is served from the ready key:
// a pop names that key alone, so that it touches no other key (nor, when
// its keys span shards, another shard), and answers as Redis serving it
// from that key does. A move blocks on its source only.
Args served_args(const BlockedCall& call, const std::string& key) {
  const Args& a = call.args;
  if (blocking_moves(*call.spec)) return a;
  if (call.spec->name == "blmpop" || call.spec->name == "bzmpop") {
    // timeout numkeys key [key ...] <where> [COUNT count], numkeys checked
    // when the client blocked
    Args out{a[0], a[1], "1", key};
    const size_t rest = 3 + static_cast<size_t>(std::stoll(a[2]));
    out.insert(out.end(), a.begin() + static_cast<std::ptrdiff_t>(rest), a.end());
    return out;
  }
  return {a[0], key, a.back()};  // BLPOP, BRPOP, BZPOPMIN, BZPOPMAX: key [key ...] timeout
}

// Runs call for its client, as a retry served from key. True when it was
// served (*reply holds the answer), false when it found nothing to pop
// after all and registered w again.
bool serve_call(ServerState& server, ShardSet& shards, int64_t now_ms, const BlockedCall& call,
                const std::string& key, const WaiterPtr& w, std::string* reply) {
  Session session;
  session.db = call.db;
  session.resp = call.resp;
  protocol::ReplyWriter writer(*reply, call.resp);
  ExecContext ctx{server, shards, session, writer, now_ms};
  BlockRequest req;
  req.waiter = w;
  req.retry = true;
  ctx.block = &req;
  Args args = served_args(call, key);
  dispatch(ctx, *call.spec, args);
  return !req.blocked;
}

thread_local bool t_serving = false;

// The type a blocking command pops from: a list, or a sorted set for
// BZPOPMIN, BZPOPMAX and BZMPOP.
ValueType blocking_pop_type(const CommandSpec& spec) {
  return spec.name.substr(0, 2) == "bz" ? ValueType::kZSet : ValueType::kList;
}

}  // namespace

void serve_ready(ServerState& server, ShardSet& shards, int64_t now_ms) {
  // The commands served run through RunTimer, which calls back here: the
  // keys they make ready join the loop below instead.
  if (t_serving) return;
  t_serving = true;
  for (auto ready = take_ready_keys(); !ready.empty(); ready = take_ready_keys()) {
    for (auto& [db, key] : ready) {
      for (const WaiterPtr& w : db->waiters().live(key)) {
        const Entry* e = db->lookup_write(key, now_ms);
        if (!e) break;
        if (!w->call) {
          // Blocked through the coordinator: woken to retry there, and its
          // retry wakes the next, as before this key was served here.
          if (!w->claim()) continue;  // its wait ended meanwhile
          w->wake(w);
          break;
        }
        // As Redis, a key serves the clients that pop its type, in order.
        if (e->type != blocking_pop_type(*w->call->spec) || !w->claim()) continue;
        std::string reply;
        if (serve_call(server, shards, now_ms, *w->call, key, w, &reply)) {
          w->answer(w, std::move(reply));
        } else {
          w->wake(w);  // it retries through its connection
        }
      }
    }
  }
  t_serving = false;
}

bool blocking_moves(const CommandSpec& spec) {
  return spec.name == "blmove" || spec.name == "brpoplpush";
}

void add_blocking_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kBlock = kCmdWrite | kCmdNoscript | kCmdBlocking;
  constexpr uint32_t kBlockMove = kBlock | kCmdDenyOom;
  out.push_back({"blpop", -3, kBlock, 1, -2, 1, blpop_command, "list", "2.0.0",
                 "Pops the first element of the first non-empty list, or blocks until one is "
                 "available.",
                 "key [key ...] timeout"});
  out.push_back({"brpop", -3, kBlock, 1, -2, 1, brpop_command, "list", "2.0.0",
                 "Pops the last element of the first non-empty list, or blocks until one is "
                 "available.",
                 "key [key ...] timeout"});
  out.push_back({"blmove", 6, kBlockMove, 1, 2, 1, blmove_command, "list", "6.2.0",
                 "Pops an element from a list, pushes it to another list and returns it; blocks "
                 "until one is available.",
                 "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout"});
  out.push_back({"brpoplpush", 4, kBlockMove, 1, 2, 1, brpoplpush_command, "list", "2.2.0",
                 "Pops the last element of a list, pushes it to the head of another and returns "
                 "it; blocks until one is available.",
                 "source destination timeout"});
  out.push_back(mpop_spec("blmpop", blmpop_command, "list",
                          "Pops elements from the first of several lists that is non-empty, or "
                          "blocks until one is available.",
                          "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]"));
  out.push_back({"bzpopmin", -3, kBlock | kCmdFast, 1, -2, 1, bzpopmin_command, "sorted-set",
                 "5.0.0",
                 "Removes and returns the member with the lowest score from the first non-empty "
                 "sorted set, or blocks until one is available.",
                 "key [key ...] timeout"});
  out.push_back({"bzpopmax", -3, kBlock | kCmdFast, 1, -2, 1, bzpopmax_command, "sorted-set",
                 "5.0.0",
                 "Removes and returns the member with the highest score from the first non-empty "
                 "sorted set, or blocks until one is available.",
                 "key [key ...] timeout"});
  out.push_back(mpop_spec("bzmpop", bzmpop_command, "sorted-set",
                          "Removes and returns members by score from the first of several sorted "
                          "sets that is non-empty, or blocks until one is available.",
                          "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]"));
}

}  // namespace shardis
