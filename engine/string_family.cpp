// The string family: GET/SET and their variants, MGET/MSET, counters
// (INCR..., INCRBYFLOAT), byte ranges (APPEND, GETRANGE, SETRANGE) and LCS.
//
// As in Redis's t_string.c the file has two halves. The "Op" functions hold
// the shard-local logic: they take the Db that owns the key, return an
// OpStatus (and a value) and never write a reply, so transactions and
// scripts can run them too. The command handlers below parse arguments,
// route each key to its Db, call the Ops and map the outcome to a reply.
//
// Numbers are parsed exactly as Redis parses them (string2ll, string2ld),
// so "+1", " 1" and "01" are not integers, and INCRBYFLOAT computes in long
// double and prints with "%.17Lf" minus trailing zeros, as Redis does.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/text.hpp"
#include "engine/notify.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/numbers.hpp"

namespace shardis {

namespace {

// ---------------------------------------------------------------------------
// Numbers, as Redis reads and writes them
// ---------------------------------------------------------------------------

// Redis creates the result of INCRBYFLOAT as a plain string object: never
// "int", even when it reads as one.
Encoding float_result_encoding(std::string_view s) {
  return s.size() <= 44 ? Encoding::kEmbstr : Encoding::kRaw;
}

// ---------------------------------------------------------------------------
// Op results
// ---------------------------------------------------------------------------

enum class OpStatus {
  kOk,
  kNotFound,  // the key does not exist (reply depends on the command)
  kNotSet,    // NX / XX condition not met
  kWrongType,
  kNotInteger,
  kNotFloat,
  kOverflow,  // INCR family
  kNanOrInf,  // INCRBYFLOAT
  kTooLong,   // result longer than proto-max-bulk-len
  kInvalidExpire,
};

template <class T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  T value{};
};

// Replies with the error of a failed Op. `command` names the command in
// the errors that quote it ("invalid expire time in 'set' command").
void reply_error(ExecContext& ctx, OpStatus s, std::string_view command) {
  switch (s) {
    case OpStatus::kWrongType:
      ctx.reply.error(err::kWrongType);
      return;
    case OpStatus::kNotInteger:
      ctx.reply.error(err::kNotInteger);
      return;
    case OpStatus::kNotFloat:
      ctx.reply.error(err::kNotFloat);
      return;
    case OpStatus::kOverflow:
      ctx.reply.error(err::kOverflow);
      return;
    case OpStatus::kNanOrInf:
      ctx.reply.error(err::kIncrFloatNaN);
      return;
    case OpStatus::kTooLong:
      ctx.reply.error(err::kStringTooLong);
      return;
    case OpStatus::kInvalidExpire:
      ctx.reply.error(err::invalid_expire(command));
      return;
    case OpStatus::kOk:
    case OpStatus::kNotFound:
    case OpStatus::kNotSet:
      return;
  }
}

// Redis's checkStringLength: would a string of `size` bytes grown by
// `append` bytes exceed proto-max-bulk-len?
bool exceeds_max_len(uint64_t size, uint64_t append, int64_t max_len) {
  const uint64_t max = static_cast<uint64_t>(max_len);
  return size > max || append > max - size;
}

// ---------------------------------------------------------------------------
// SET / GETEX options and expiry
// ---------------------------------------------------------------------------

enum SetFlag : uint32_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kSetGet = 1u << 2,
  kKeepTtl = 1u << 3,
  kPersist = 1u << 4,
  kEx = 1u << 5,
  kPx = 1u << 6,
  kExAt = 1u << 7,
  kPxAt = 1u << 8,
};
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

struct SetOptions {
  uint32_t flags = 0;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument, if any
};

enum class OptionsFor { kSet, kGetEx };

// Parses SET's options (from args[3]) or GETEX's (from args[2]) with
// Redis's rules: NX/XX exclude each other, at most one kind of expiry,
// KEEPTTL and PERSIST exclude any expiry; repeating the same option is
// allowed and the last expiry value wins. False means "syntax error".
bool parse_set_options(const Args& args, OptionsFor kind, SetOptions* opts) {
  const bool set = kind == OptionsFor::kSet;
  uint32_t& f = opts->flags;
  for (size_t j = set ? 3 : 2; j < args.size(); ++j) {
    const std::string_view opt = args[j];
    const bool has_next = j + 1 < args.size();
    if (set && iequals(opt, "nx") && !(f & kSetXx)) {
      f |= kSetNx;
    } else if (set && iequals(opt, "xx") && !(f & kSetNx)) {
      f |= kSetXx;
    } else if (set && iequals(opt, "get")) {
      f |= kSetGet;
    } else if (set && iequals(opt, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      f |= kKeepTtl;
    } else if (!set && iequals(opt, "persist") && !(f & (kKeepTtl | kAnyExpire))) {
      f |= kPersist;
    } else {
      uint32_t unit = 0;
      if (iequals(opt, "ex"))
        unit = kEx;
      else if (iequals(opt, "px"))
        unit = kPx;
      else if (iequals(opt, "exat"))
        unit = kExAt;
      else if (iequals(opt, "pxat"))
        unit = kPxAt;
      if (unit == 0 || !has_next || (f & (kKeepTtl | kPersist | (kAnyExpire & ~unit))))
        return false;
      f |= unit;
      opts->expire = args[++j];
    }
  }
  return true;
}

// The absolute deadline (unix ms) an expiry option asks for. Redis rejects
// non-positive values, seconds that overflow when scaled to milliseconds
// and relative times that overflow when added to now.
OpStatus resolve_expire(const SetOptions& opts, int64_t now_ms, int64_t* at_ms) {
  int64_t v;
  if (!string_to_ll(opts.expire, &v)) return OpStatus::kNotInteger;
  const bool seconds = opts.flags & (kEx | kExAt);
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000))
    return OpStatus::kInvalidExpire;
  if (seconds) v *= 1000;
  if (opts.flags & (kEx | kPx)) {
    if (v > std::numeric_limits<int64_t>::max() - now_ms) return OpStatus::kInvalidExpire;
    v += now_ms;
  }
  *at_ms = v;
  return OpStatus::kOk;
}

// ---------------------------------------------------------------------------
// Ops: shard-local logic, no replies
// ---------------------------------------------------------------------------

// Reads a string key for GET-like commands: kNotFound, kWrongType or kOk
// with the entry.
OpResult<Entry*> op_get(Db& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.lookup_read(key, now_ms);
  if (!e) return {OpStatus::kNotFound, nullptr};
  if (e->type != ValueType::kString) return {OpStatus::kWrongType, nullptr};
  return {OpStatus::kOk, e};
}

struct SetOutcome {
  bool had_old = false;  // with GET: whether the key held a value
  std::string old;       // with GET: that value
};

// SET with its options. at_ms is the resolved deadline (kNoExpiry for
// none). kNotSet when NX/XX blocked the write; kWrongType when GET met a
// non-string (nothing is written then).
OpResult<SetOutcome> op_set(Db& db, std::string_view key, std::string_view value, uint32_t flags,
                            int64_t at_ms, int64_t now_ms) {
  OpResult<SetOutcome> r;
  // A plain SET replaces whatever is there, TTL included, so it needs no
  // lookup; KEEPTTL does, so an expired key's deadline is not kept.
  if (flags & (kSetNx | kSetXx | kSetGet | kKeepTtl)) {
    Entry* e = (flags & kSetGet) ? db.lookup_read(key, now_ms) : db.lookup_write(key, now_ms);
    if (e && (flags & kSetGet) && e->type != ValueType::kString) return {OpStatus::kWrongType, {}};
    const bool blocked = ((flags & kSetNx) && e) || ((flags & kSetXx) && !e);
    if (e && (flags & kSetGet)) {
      r.value.had_old = true;
      r.value.old = e->str.str();
    }
    if (blocked) {
      r.status = OpStatus::kNotSet;
      return r;
    }
  }
  Entry& stored = db.set_string_at(key, value, now_ms, flags & kKeepTtl);
  // EXAT / PXAT in the past too: the key is written, already expired, and
  // goes (with its "expired" event) when next looked up or by the cron, as
  // in Redis.
  if (at_ms != kNoExpiry) db.set_expire(key, stored, at_ms);
  return r;
}

// GETSET: the old value (kNotFound if none), then the new one without TTL.
OpResult<std::string> op_get_set(Db& db, std::string_view key, std::string_view value,
                                 int64_t now_ms) {
  OpResult<Entry*> got = op_get(db, key, now_ms);
  if (got.status == OpStatus::kWrongType) return {got.status, {}};
  OpResult<std::string> r;
  if (got.status == OpStatus::kOk)
    r.value = got.value->str.str();
  else
    r.status = OpStatus::kNotFound;
  db.set_string(key, value);
  return r;
}

// GETDEL: the value, and the key removed.
OpResult<std::string> op_get_del(Db& db, std::string_view key, int64_t now_ms) {
  OpResult<Entry*> got = op_get(db, key, now_ms);
  if (got.status != OpStatus::kOk) return {got.status, {}};
  OpResult<std::string> r{OpStatus::kOk, got.value->str.str()};
  db.erase(key);
  return r;
}

struct GetExOutcome {
  std::string value;
  // What changed, as its keyspace event: "expire", "persist", "del" (a
  // deadline already past), or empty for nothing.
  std::string_view event;
};

// GETEX: the value, then the TTL change. The expiry argument is checked
// only once the key is known to be a string, as Redis does.
OpResult<GetExOutcome> op_get_ex(Db& db, std::string_view key, const SetOptions& opts,
                                 int64_t now_ms) {
  OpResult<Entry*> got = op_get(db, key, now_ms);
  if (got.status != OpStatus::kOk) return {got.status, {}};
  Entry& e = *got.value;
  int64_t at_ms = kNoExpiry;
  if (opts.flags & kAnyExpire) {
    const OpStatus s = resolve_expire(opts, now_ms, &at_ms);
    if (s != OpStatus::kOk) return {s, {}};
  }
  OpResult<GetExOutcome> r{OpStatus::kOk, {e.str.str(), {}}};
  if (opts.flags & kAnyExpire) {
    // A deadline already past deletes the key, as Redis's GETEX does.
    if (at_ms <= now_ms) {
      db.erase(key);
      r.value.event = "del";
    } else {
      db.set_expire(key, e, at_ms);
      r.value.event = "expire";
    }
  } else if ((opts.flags & kPersist) && db.persist(key, e)) {
    r.value.event = "persist";
  }
  return r;
}

// INCRBY and friends: the new value. The TTL is kept.
OpResult<int64_t> op_incr_by(Db& db, std::string_view key, int64_t incr, int64_t now_ms) {
  Entry* e = db.lookup_write(key, now_ms);
  int64_t value = 0;
  if (e) {
    if (e->type != ValueType::kString) return {OpStatus::kWrongType, 0};
    if (!string_to_ll(e->str, &value)) return {OpStatus::kNotInteger, 0};
  }
  if ((incr < 0 && value < 0 && incr < std::numeric_limits<int64_t>::min() - value) ||
      (incr > 0 && value > 0 && incr > std::numeric_limits<int64_t>::max() - value))
    return {OpStatus::kOverflow, 0};
  value += incr;
  if (!e) e = db.insert(key).first;
  e->type = ValueType::kString;
  e->str = std::to_string(value);
  e->encoding = Encoding::kInt;
  return {OpStatus::kOk, value};
}

// INCRBYFLOAT: the new value as Redis prints it. The TTL is kept. The
// stored value is checked before the increment, as in Redis.
OpResult<std::string> op_incr_by_float(Db& db, std::string_view key, std::string_view incr_text,
                                       int64_t now_ms) {
  Entry* e = db.lookup_write(key, now_ms);
  long double value = 0;
  long double incr = 0;
  if (e) {
    if (e->type != ValueType::kString) return {OpStatus::kWrongType, {}};
    if (!parse_long_double(e->str, &value)) return {OpStatus::kNotFloat, {}};
  }
  if (!parse_long_double(incr_text, &incr)) return {OpStatus::kNotFloat, {}};
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return {OpStatus::kNanOrInf, {}};
  std::string text = format_long_double(value);
  if (!e) e = db.insert(key).first;
  e->type = ValueType::kString;
  e->encoding = float_result_encoding(text);
  e->str = text;
  return {OpStatus::kOk, std::move(text)};
}

// APPEND: the new length. A new key is stored like SET would store it; a
// grown one becomes "raw", as Redis unshares it before appending.
OpResult<size_t> op_append(Db& db, std::string_view key, std::string_view value, int64_t now_ms,
                           int64_t max_len) {
  Entry* e = db.lookup_write(key, now_ms);
  if (!e) {
    db.set_string(key, value);
    return {OpStatus::kOk, value.size()};
  }
  if (e->type != ValueType::kString) return {OpStatus::kWrongType, 0};
  if (exceeds_max_len(e->str.size(), value.size(), max_len)) return {OpStatus::kTooLong, 0};
  e->str.append(value);
  e->encoding = Encoding::kRaw;
  return {OpStatus::kOk, e->str.size()};
}

struct RangeWrite {
  size_t length = 0;
  bool modified = false;
};

// SETRANGE: the new length. Writing nothing creates nothing and changes
// nothing; the gap before the offset fills with zero bytes.
OpResult<RangeWrite> op_set_range(Db& db, std::string_view key, int64_t offset,
                                  std::string_view value, int64_t now_ms, int64_t max_len) {
  Entry* e = db.lookup_write(key, now_ms);
  if (e && e->type != ValueType::kString) return {OpStatus::kWrongType, {}};
  if (value.empty()) return {OpStatus::kOk, {e ? e->str.size() : 0, false}};
  if (exceeds_max_len(static_cast<uint64_t>(offset), value.size(), max_len))
    return {OpStatus::kTooLong, {}};
  if (!e) {
    e = db.insert(key).first;
    e->type = ValueType::kString;
  }
  const size_t off = static_cast<size_t>(offset);
  if (e->str.size() < off + value.size()) e->str.resize(off + value.size());
  std::memcpy(e->str.data() + off, value.data(), value.size());
  e->encoding = Encoding::kRaw;
  return {OpStatus::kOk, {e->str.size(), true}};
}

// GETRANGE: the bytes between two inclusive indexes, negative ones counted
// from the end, clamped the way Redis 7.0 clamps them.
OpResult<std::string_view> op_get_range(Db& db, std::string_view key, int64_t start, int64_t end,
                                        int64_t now_ms) {
  OpResult<Entry*> got = op_get(db, key, now_ms);
  if (got.status == OpStatus::kWrongType) return {got.status, {}};
  if (got.status == OpStatus::kNotFound) return {OpStatus::kOk, {}};
  const std::string_view s = got.value->str;
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return {OpStatus::kOk, {}};
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return {OpStatus::kOk, {}};
  return {OpStatus::kOk,
          s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1))};
}

// STRLEN: the length, 0 for a missing key.
OpResult<size_t> op_strlen(Db& db, std::string_view key, int64_t now_ms) {
  OpResult<Entry*> got = op_get(db, key, now_ms);
  if (got.status == OpStatus::kWrongType) return {got.status, 0};
  return {OpStatus::kOk, got.status == OpStatus::kOk ? got.value->str.size() : 0};
}

struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;               // the common subsequence, when asked for
  std::vector<LcsMatch> matches;  // contiguous runs, last first, when asked for
};

// LCS: the longest common subsequence of a and b by the textbook dynamic
// programme, then one walk back from the end that rebuilds the text and
// the runs matching in both strings (reported last first, as Redis does).
// Runs shorter than min_match_len are left out.
LcsResult op_lcs(std::string_view a, std::string_view b, bool want_text, bool want_matches,
                 int64_t min_match_len) {
  const size_t alen = a.size();
  const size_t blen = b.size();
  const size_t row = blen + 1;
  std::vector<uint32_t> dp((alen + 1) * row, 0);
  for (size_t i = 1; i <= alen; ++i) {
    for (size_t j = 1; j <= blen; ++j) {
      dp[i * row + j] = a[i - 1] == b[j - 1] ? dp[(i - 1) * row + j - 1] + 1
                                             : std::max(dp[(i - 1) * row + j], dp[i * row + j - 1]);
    }
  }
  LcsResult r;
  r.length = dp[alen * row + blen];
  if (!want_text && !want_matches) return r;
  if (want_text) r.text.resize(r.length);
  size_t idx = r.length;
  size_t i = alen, j = blen;
  bool in_run = false;
  LcsMatch run{};
  while (i > 0 && j > 0) {
    bool end_run = false;
    if (a[i - 1] == b[j - 1]) {
      if (want_text) r.text[--idx] = a[i - 1];
      // Walking backwards, a match right after a match extends the run.
      if (in_run) {
        --run.a_start;
        --run.b_start;
      } else {
        const auto ai = static_cast<uint32_t>(i - 1);
        const auto bj = static_cast<uint32_t>(j - 1);
        run = {ai, ai, bj, bj};
        in_run = true;
      }
      end_run = run.a_start == 0 || run.b_start == 0;
      --i;
      --j;
    } else {
      if (dp[(i - 1) * row + j] > dp[i * row + j - 1])
        --i;
      else
        --j;
      end_run = in_run;
    }
    if (end_run) {
      const int64_t len = static_cast<int64_t>(run.a_end - run.a_start) + 1;
      if (want_matches && len >= min_match_len) r.matches.push_back(run);
      in_run = false;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

void get_command(ExecContext& ctx, Args& args) {
  OpResult<Entry*> r = op_get(ctx.db(args[1]), args[1], ctx.now_ms);
  if (r.status == OpStatus::kOk)
    ctx.reply.bulk(r.value->str);
  else if (r.status == OpStatus::kNotFound)
    ctx.reply.null();
  else
    reply_error(ctx, r.status, "get");
}

// The body shared by SET, SETNX, SETEX and PSETEX (Redis's
// setGenericCommand). ok/not_set select the replies of SETNX (:1 / :0);
// SET replies +OK / null.
enum class SetReply { kOkNull, kOneZero };

void set_generic(ExecContext& ctx, Args& args, size_t value_index, const SetOptions& opts,
                 SetReply style, std::string_view command) {
  const std::string& key = args[1];
  int64_t at_ms = kNoExpiry;
  if (opts.flags & kAnyExpire) {
    const OpStatus s = resolve_expire(opts, ctx.now_ms, &at_ms);
    if (s != OpStatus::kOk) return reply_error(ctx, s, command);
  }
  OpResult<SetOutcome> r =
      op_set(ctx.db(key), key, args[value_index], opts.flags, at_ms, ctx.now_ms);
  if (r.status == OpStatus::kWrongType) return reply_error(ctx, r.status, command);
  if (r.status == OpStatus::kOk) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyString, "set", key);
    if (at_ms != kNoExpiry) notify_keyspace_event(ctx, kNotifyGeneric, "expire", key);
  }
  if (opts.flags & kSetGet) {
    if (r.value.had_old)
      ctx.reply.bulk(r.value.old);
    else
      ctx.reply.null();
  } else if (style == SetReply::kOneZero) {
    ctx.reply.integer(r.status == OpStatus::kOk ? 1 : 0);
  } else if (r.status == OpStatus::kOk) {
    ctx.reply.ok();
  } else {
    ctx.reply.null();
  }
}

void set_command(ExecContext& ctx, Args& args) {
  SetOptions opts;
  if (!parse_set_options(args, OptionsFor::kSet, &opts)) return ctx.reply.error(err::kSyntax);
  set_generic(ctx, args, 2, opts, SetReply::kOkNull, "set");
}

void setnx_command(ExecContext& ctx, Args& args) {
  set_generic(ctx, args, 2, SetOptions{kSetNx, {}}, SetReply::kOneZero, "setnx");
}

void setex_command(ExecContext& ctx, Args& args) {
  set_generic(ctx, args, 3, SetOptions{kEx, args[2]}, SetReply::kOkNull, "setex");
}

void psetex_command(ExecContext& ctx, Args& args) {
  set_generic(ctx, args, 3, SetOptions{kPx, args[2]}, SetReply::kOkNull, "psetex");
}

void getset_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<std::string> r = op_get_set(ctx.db(key), key, args[2], ctx.now_ms);
  if (r.status == OpStatus::kWrongType) return reply_error(ctx, r.status, "getset");
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyString, "set", key);
  if (r.status == OpStatus::kOk)
    ctx.reply.bulk(r.value);
  else
    ctx.reply.null();
}

void getdel_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<std::string> r = op_get_del(ctx.db(key), key, ctx.now_ms);
  if (r.status == OpStatus::kNotFound) return ctx.reply.null();
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "getdel");
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
  ctx.reply.bulk(r.value);
}

void getex_command(ExecContext& ctx, Args& args) {
  SetOptions opts;
  if (!parse_set_options(args, OptionsFor::kGetEx, &opts)) return ctx.reply.error(err::kSyntax);
  const std::string& key = args[1];
  OpResult<GetExOutcome> r = op_get_ex(ctx.db(key), key, opts, ctx.now_ms);
  if (r.status == OpStatus::kNotFound) return ctx.reply.null();
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "getex");
  if (!r.value.event.empty()) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyGeneric, r.value.event, key);
  }
  ctx.reply.bulk(r.value.value);
}

void mget_command(ExecContext& ctx, Args& args) {
  ctx.reply.array(args.size() - 1);
  for (size_t i = 1; i < args.size(); ++i) {
    // MGET answers null for a key of another type instead of failing.
    OpResult<Entry*> r = op_get(ctx.db(args[i]), args[i], ctx.now_ms);
    if (r.status == OpStatus::kOk)
      ctx.reply.bulk(r.value->str);
    else
      ctx.reply.null();
  }
}

// MSET and MSETNX. Keys may live on different shards: each goes to its own
// Db; the caller holds every shard involved, so the whole is atomic.
void mset_generic(ExecContext& ctx, Args& args, bool nx, std::string_view command) {
  if (args.size() % 2 == 0) return ctx.reply.error(err::wrong_arity(command));
  if (nx) {
    for (size_t i = 1; i < args.size(); i += 2)
      if (ctx.db(args[i]).lookup_write(args[i], ctx.now_ms)) return ctx.reply.integer(0);
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    ctx.db(args[i]).set_string_at(args[i], args[i + 1], ctx.now_ms);
    ctx.modified(args[i]);
    notify_keyspace_event(ctx, kNotifyString, "set", args[i]);
  }
  if (nx)
    ctx.reply.integer(1);
  else
    ctx.reply.ok();
}

void mset_command(ExecContext& ctx, Args& args) {
  mset_generic(ctx, args, false, "mset");
}
void msetnx_command(ExecContext& ctx, Args& args) {
  mset_generic(ctx, args, true, "msetnx");
}

void incr_generic(ExecContext& ctx, Args& args, int64_t incr, std::string_view command) {
  const std::string& key = args[1];
  OpResult<int64_t> r = op_incr_by(ctx.db(key), key, incr, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, command);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyString, "incrby", key);
  ctx.reply.integer(r.value);
}

void incr_command(ExecContext& ctx, Args& args) {
  incr_generic(ctx, args, 1, "incr");
}
void decr_command(ExecContext& ctx, Args& args) {
  incr_generic(ctx, args, -1, "decr");
}

void incrby_command(ExecContext& ctx, Args& args) {
  int64_t incr;
  if (!string_to_ll(args[2], &incr)) return ctx.reply.error(err::kNotInteger);
  incr_generic(ctx, args, incr, "incrby");
}

void decrby_command(ExecContext& ctx, Args& args) {
  int64_t decr;
  if (!string_to_ll(args[2], &decr)) return ctx.reply.error(err::kNotInteger);
  // INT64_MIN has no positive counterpart to add.
  if (decr == std::numeric_limits<int64_t>::min())
    return ctx.reply.error("ERR decrement would overflow");
  incr_generic(ctx, args, -decr, "decrby");
}

void incrbyfloat_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<std::string> r = op_incr_by_float(ctx.db(key), key, args[2], ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "incrbyfloat");
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyString, "incrbyfloat", key);
  ctx.reply.bulk(r.value);
}

void append_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<size_t> r = op_append(ctx.db(key), key, args[2], ctx.now_ms,
                                 ctx.server.config.proto_max_bulk_len());
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "append");
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyString, "append", key);
  ctx.reply.integer(static_cast<int64_t>(r.value));
}

void strlen_command(ExecContext& ctx, Args& args) {
  OpResult<size_t> r = op_strlen(ctx.db(args[1]), args[1], ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "strlen");
  ctx.reply.integer(static_cast<int64_t>(r.value));
}

// GETRANGE and its old name SUBSTR.
void getrange_command(ExecContext& ctx, Args& args) {
  int64_t start, end;
  if (!string_to_ll(args[2], &start) || !string_to_ll(args[3], &end))
    return ctx.reply.error(err::kNotInteger);
  OpResult<std::string_view> r = op_get_range(ctx.db(args[1]), args[1], start, end, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "getrange");
  ctx.reply.bulk(r.value);
}

void setrange_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  int64_t offset;
  if (!string_to_ll(args[2], &offset)) return ctx.reply.error(err::kNotInteger);
  if (offset < 0) return ctx.reply.error(err::kOffsetOutOfRange);
  OpResult<RangeWrite> r = op_set_range(ctx.db(key), key, offset, args[3], ctx.now_ms,
                                        ctx.server.config.proto_max_bulk_len());
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status, "setrange");
  if (r.value.modified) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyString, "setrange", key);
  }
  ctx.reply.integer(static_cast<int64_t>(r.value.length));
}

void lcs_command(ExecContext& ctx, Args& args) {
  const Entry* a = ctx.db(args[1]).lookup_read(args[1], ctx.now_ms);
  const Entry* b = ctx.db(args[2]).lookup_read(args[2], ctx.now_ms);
  if ((a && a->type != ValueType::kString) || (b && b->type != ValueType::kString))
    return ctx.reply.error("ERR The specified keys must contain string values");
  bool idx = false, len = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    const std::string_view opt = args[j];
    if (iequals(opt, "idx")) {
      idx = true;
    } else if (iequals(opt, "len")) {
      len = true;
    } else if (iequals(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (iequals(opt, "minmatchlen") && j + 1 < args.size()) {
      if (!string_to_ll(args[++j], &min_match_len)) return ctx.reply.error(err::kNotInteger);
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  if (idx && len)
    return ctx.reply.error("ERR If you want both the length and indexes, please just use IDX.");
  const std::string_view sa = a ? std::string_view(a->str) : std::string_view();
  const std::string_view sb = b ? std::string_view(b->str) : std::string_view();
  constexpr uint64_t kMaxLcsLen = std::numeric_limits<uint32_t>::max() - 1;
  if (sa.size() >= kMaxLcsLen || sb.size() >= kMaxLcsLen)
    return ctx.reply.error("ERR String too long for LCS");
  // The table is transient, but Redis still bounds its bytes by
  // proto-max-bulk-len (compared in cells so the product cannot overflow).
  const uint64_t cells = (sa.size() + 1) * (sb.size() + 1);
  if (cells > static_cast<uint64_t>(ctx.server.config.proto_max_bulk_len()) / sizeof(uint32_t))
    return ctx.reply.error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");

  const LcsResult r = op_lcs(sa, sb, !len && !idx, idx, min_match_len);
  if (len) return ctx.reply.integer(r.length);
  if (!idx) return ctx.reply.bulk(r.text);
  ctx.reply.map(2);
  ctx.reply.bulk("matches");
  ctx.reply.array(r.matches.size());
  for (const LcsMatch& m : r.matches) {
    ctx.reply.array(with_match_len ? 3 : 2);
    ctx.reply.array(2);
    ctx.reply.integer(m.a_start);
    ctx.reply.integer(m.a_end);
    ctx.reply.array(2);
    ctx.reply.integer(m.b_start);
    ctx.reply.integer(m.b_end);
    if (with_match_len) ctx.reply.integer(static_cast<int64_t>(m.a_end - m.a_start) + 1);
  }
  ctx.reply.bulk("len");
  ctx.reply.integer(r.length);
}

}  // namespace

void add_string_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kD = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  out.push_back({"get", 2, kR | kF, 1, 1, 1, get_command, "string", "1.0.0",
                 "Get the value of a key", "key"});
  out.push_back({"set", -3, kW | kD, 1, 1, 1, set_command, "string", "1.0.0",
                 "Set the string value of a key",
                 "key value [NX | XX] [GET] [EX seconds | PX milliseconds | "
                 "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"});
  out.push_back({"setnx", 3, kW | kD | kF, 1, 1, 1, setnx_command, "string", "1.0.0",
                 "Set the value of a key, only if the key does not exist", "key value"});
  out.push_back({"setex", 4, kW | kD, 1, 1, 1, setex_command, "string", "2.0.0",
                 "Set the value and expiration of a key", "key seconds value"});
  out.push_back({"psetex", 4, kW | kD, 1, 1, 1, psetex_command, "string", "2.6.0",
                 "Set the value and expiration in milliseconds of a key",
                 "key milliseconds value"});
  out.push_back({"getset", 3, kW | kD | kF, 1, 1, 1, getset_command, "string", "1.0.0",
                 "Set the string value of a key and return its old value", "key value"});
  out.push_back({"getdel", 2, kW | kF, 1, 1, 1, getdel_command, "string", "6.2.0",
                 "Get the value of a key and delete the key", "key"});
  out.push_back({"getex", -2, kW | kF, 1, 1, 1, getex_command, "string", "6.2.0",
                 "Get the value of a key and optionally set its expiration",
                 "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
                 "PXAT unix-time-milliseconds | PERSIST]"});
  out.push_back({"mget", -2, kR | kF, 1, -1, 1, mget_command, "string", "1.0.0",
                 "Get the values of all the given keys", "key [key ...]"});
  out.push_back({"mset", -3, kW | kD, 1, -1, 2, mset_command, "string", "1.0.1",
                 "Set multiple keys to multiple values", "key value [key value ...]"});
  out.push_back({"msetnx", -3, kW | kD, 1, -1, 2, msetnx_command, "string", "1.0.1",
                 "Set multiple keys to multiple values, only if none of the keys exist",
                 "key value [key value ...]"});
  out.push_back({"append", 3, kW | kD | kF, 1, 1, 1, append_command, "string", "2.0.0",
                 "Append a value to a key", "key value"});
  out.push_back({"strlen", 2, kR | kF, 1, 1, 1, strlen_command, "string", "2.2.0",
                 "Get the length of the value stored in a key", "key"});
  out.push_back({"incr", 2, kW | kD | kF, 1, 1, 1, incr_command, "string", "1.0.0",
                 "Increment the integer value of a key by one", "key"});
  out.push_back({"decr", 2, kW | kD | kF, 1, 1, 1, decr_command, "string", "1.0.0",
                 "Decrement the integer value of a key by one", "key"});
  out.push_back({"incrby", 3, kW | kD | kF, 1, 1, 1, incrby_command, "string", "1.0.0",
                 "Increment the integer value of a key by the given amount", "key increment"});
  out.push_back({"decrby", 3, kW | kD | kF, 1, 1, 1, decrby_command, "string", "1.0.0",
                 "Decrement the integer value of a key by the given number", "key decrement"});
  out.push_back({"incrbyfloat", 3, kW | kD | kF, 1, 1, 1, incrbyfloat_command, "string", "2.6.0",
                 "Increment the float value of a key by the given amount", "key increment"});
  out.push_back({"getrange", 4, kR, 1, 1, 1, getrange_command, "string", "2.4.0",
                 "Get a substring of the string stored at a key", "key start end"});
  out.push_back({"substr", 4, kR, 1, 1, 1, getrange_command, "string", "1.0.0",
                 "Get a substring of the string stored at a key", "key start end"});
  out.push_back({"setrange", 4, kW | kD, 1, 1, 1, setrange_command, "string", "2.2.0",
                 "Overwrite part of a string at key starting at the specified offset",
                 "key offset value"});
  out.push_back({"lcs", -3, kR, 1, 2, 1, lcs_command, "string", "7.0.0",
                 "Find longest common substring",
                 "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]"});
}

}  // namespace shardis
