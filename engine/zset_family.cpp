// The sorted-set family: ZADD and ZINCRBY, ZREM and the ZREMRANGEBY*
// commands, reads by member (ZSCORE, ZMSCORE, ZRANK, ZREVRANK), counts
// (ZCARD, ZCOUNT, ZLEXCOUNT), the ZRANGE family with ZRANGESTORE,
// ZPOPMIN/ZPOPMAX/ZMPOP and ZRANDMEMBER, as in Redis's t_zset.c. The set
// algebra (ZUNION, ZINTER, ZDIFF ...) is in zset_algebra.cpp.
//
// Scores are read as Redis reads them. A score argument (ZADD, ZINCRBY) is
// strict: the whole string must be a double, no leading space, no overflow
// ("value is not a valid float"). A range bound (ZRANGEBYSCORE, ZCOUNT ...)
// goes through plain strtod as in zslParseRange, so " 1" and "(" (an open 0)
// are accepted. Scores are replied with ReplyWriter::dbl: "%.17g" as Redis
// 7.0 prints them, a RESP3 double for RESP3 clients.
//
// Every range command validates its arguments before it looks the key up,
// so a bad range is reported even for a key of another type. A sorted set
// whose last member goes is deleted.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/text.hpp"
#include "engine/notify.hpp"
#include "engine/collection_scan.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/random_pick.hpp"
#include "engine/zset_type.hpp"

namespace shardis {

// ---------------------------------------------------------------------------
// Shared with zset_algebra.cpp (declared in zset_type.hpp)
// ---------------------------------------------------------------------------

// args are NUL-terminated std::strings, so strtod stops at the end or at an
// embedded NUL, which the length check then rejects.
bool parse_score(const std::string& s, double* out) {
  if (s.empty() || is_c_space(s[0])) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (static_cast<size_t>(end - s.c_str()) != s.size() || std::isnan(v) ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
    return false;
  *out = v;
  return true;
}

namespace {

void write_scored(ExecContext& ctx, std::string_view member, double score, bool with_scores,
                  bool pairs) {
  if (with_scores && pairs) ctx.reply.array(2);
  ctx.reply.bulk(member);
  if (with_scores) ctx.reply.dbl(score);
}

}  // namespace

void reply_scored(ExecContext& ctx, const std::vector<ScoredMember>& items, bool with_scores,
                  bool pairs) {
  ctx.reply.array(with_scores && !pairs ? items.size() * 2 : items.size());
  for (const ScoredMember& m : items) write_scored(ctx, m.member, m.score, with_scores, pairs);
}

ListpackLimits zset_limits(const ExecContext& ctx) {
  return ctx.server.config.zset_limits();  // cached copies: no lock per command
}

size_t store_zset(ExecContext& ctx, const std::string& dst, ZSetType& result, std::string_view event) {
  Db& db = ctx.db(dst);
  Entry* old = db.lookup_write(dst, ctx.now_ms);
  const bool existed = old != nullptr;
  const size_t stored = result.size();
  if (stored > 0) {
    // Overwritten in place, as store_set does (engine/set_family.cpp).
    Entry* e = existed ? old : db.insert(dst).first;
    if (existed) db.persist(dst, *e);
    ZSetType& z = e->make_object<ZSetType>();
    z.swap(result);
    e->encoding = z.encoding();
  } else if (existed) {
    db.erase(dst);
  }
  if (existed || stored > 0) ctx.modified(dst);
  if (stored > 0) {
    notify_keyspace_event(ctx, kNotifyZset, event, dst);
  } else if (existed) {
    notify_keyspace_event(ctx, kNotifyGeneric, "del", dst);
  }
  return stored;
}

namespace {

constexpr std::string_view kNaNScore = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kRangeNotFloat = "ERR min or max is not a float";
constexpr std::string_view kLexRange = "ERR min or max not valid string range item";

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

// One end of a score range (zslParseRange): strtod up to the C string's
// end, "(" for an open bound, NaN refused.
bool parse_score_bound(const std::string& s, double* value, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  const char* start = s.c_str() + (*exclusive ? 1 : 0);
  char* end = nullptr;
  *value = std::strtod(start, &end);
  return *end == '\0' && !std::isnan(*value);
}

bool parse_score_range(const std::string& min, const std::string& max, ScoreRange* r) {
  return parse_score_bound(min, &r->min, &r->min_exclusive) &&
         parse_score_bound(max, &r->max, &r->max_exclusive);
}

// One end of a lex range: "-", "+", "[member" or "(member". As in Redis the
// check for a lone "-" or "+" reads the argument as a C string.
bool parse_lex_bound(const std::string& s, LexBound* b) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '-':
    case '+':
      if (s.c_str()[1] != '\0') return false;
      b->kind = s[0] == '-' ? LexBound::Kind::kMinusInf : LexBound::Kind::kPlusInf;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::Kind::kValue;
      b->exclusive = s[0] == '(';
      b->value.assign(s, 1);
      return true;
    default:
      return false;
  }
}

bool parse_lex_range(const std::string& min, const std::string& max, LexRange* r) {
  return parse_lex_bound(min, &r->min) && parse_lex_bound(max, &r->max);
}

// ---------------------------------------------------------------------------
// Key access
// ---------------------------------------------------------------------------

// The sorted set at key: false (and WRONGTYPE written) for another type;
// *out is null for a missing key.
bool find_zset(ExecContext& ctx, const std::string& key, bool write, ZSetType** out) {
  Db& db = ctx.db(key);
  Typed<ZSetType> t =
      typed<ZSetType>(write ? db.lookup_write(key, ctx.now_ms) : db.lookup_read(key, ctx.now_ms));
  if (t.wrong_type) {
    ctx.reply.error(err::kWrongType);
    return false;
  }
  *out = t.value;
  return true;
}

// After a removal: the key goes with its last member, and a change is
// reported.
void removed(ExecContext& ctx, const std::string& key, ZSetType* z, size_t count, std::string_view event) {
  if (count == 0) return;
  const bool gone = z->empty();
  if (gone) ctx.db(key).erase(key);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyZset, event, key);
  if (gone) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------

struct AddFlags {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

struct AddOutcome {
  int64_t added = 0;
  int64_t updated = 0;
  bool processed = false;  // some element was not skipped by NX/XX/GT/LT
  bool nan = false;        // INCR produced NaN: nothing more was done
  double score = 0;        // INCR: the new score
};

// Redis's zsetAdd over (score, member) pairs into the sorted set at e (null
// when the key is absent). The set is created with its first member, so a
// call that adds nothing leaves no empty key behind.
AddOutcome op_add(Db& db, const std::string& key, Entry* e, const AddFlags& f,
                  const std::vector<double>& scores, const Args& args, size_t first,
                  const ListpackLimits& limits) {
  AddOutcome out;
  ZSetType* z = e ? &e->object<ZSetType>() : nullptr;
  for (size_t i = 0; i < scores.size(); ++i) {
    const std::string& member = args[first + 2 * i + 1];
    double score = scores[i];
    const std::optional<ZSetType::Found> found = z ? z->find(member) : std::nullopt;
    if (found) {
      const double current = found->score;
      if (f.nx) continue;
      if (f.incr) {
        score += current;
        if (std::isnan(score)) {
          out.nan = true;
          return out;
        }
      }
      if ((f.lt && score >= current) || (f.gt && score <= current)) continue;
      if (score != current) {
        z->update(*found, score);
        ++out.updated;
      }
    } else {
      if (f.xx) continue;
      if (!z) {
        e = db.insert(key).first;
        z = &e->make_object<ZSetType>();
      }
      z->set(member, score, limits);
      ++out.added;
    }
    out.processed = true;
    out.score = score;
  }
  if (z) e->encoding = z->encoding();
  return out;
}

void add_reply(ExecContext& ctx, const std::string& key, const AddFlags& f, const AddOutcome& r) {
  if (r.added || r.updated) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyZset, f.incr ? "zincr" : "zadd", key);
  }
  if (r.nan) return ctx.reply.error(kNaNScore);
  if (!f.incr) return ctx.reply.integer(f.ch ? r.added + r.updated : r.added);
  if (r.processed) return ctx.reply.dbl(r.score);
  ctx.reply.null();
}

// Runs ZADD / ZINCRBY once the flags and the position of the first score
// are known: scores are all parsed before the key is looked up.
void add_generic(ExecContext& ctx, Args& args, const AddFlags& f, size_t first) {
  std::vector<double> scores;
  for (size_t i = first; i < args.size(); i += 2) {
    double s;
    if (!parse_score(args[i], &s)) return ctx.reply.error(err::kNotFloat);
    scores.push_back(s);
  }
  const std::string& key = args[1];
  Db& db = ctx.db(key);
  Entry* e = db.lookup_write(key, ctx.now_ms);
  if (e && e->type != ValueType::kZSet) return ctx.reply.error(err::kWrongType);
  add_reply(ctx, key, f, op_add(db, key, e, f, scores, args, first, zset_limits(ctx)));
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...].
// ZINCRBY comes here too, with INCR set, as in Redis: its increment is
// read as a flag first, so "ZINCRBY key NX member" is a syntax error (one
// element left), not a score that fails to parse.
void zadd_flags_then_add(ExecContext& ctx, Args& args, AddFlags f) {
  size_t i = 2;
  for (; i < args.size(); ++i) {
    const std::string& opt = args[i];
    if (iequals(opt, "nx")) {
      f.nx = true;
    } else if (iequals(opt, "xx")) {
      f.xx = true;
    } else if (iequals(opt, "gt")) {
      f.gt = true;
    } else if (iequals(opt, "lt")) {
      f.lt = true;
    } else if (iequals(opt, "ch")) {
      f.ch = true;
    } else if (iequals(opt, "incr")) {
      f.incr = true;
    } else {
      break;
    }
  }
  const size_t elements = args.size() - i;
  if (elements == 0 || elements % 2 != 0) return ctx.reply.error(err::kSyntax);
  if (f.nx && f.xx)
    return ctx.reply.error("ERR XX and NX options at the same time are not compatible");
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt))
    return ctx.reply.error("ERR GT, LT, and/or NX options at the same time are not compatible");
  if (f.incr && elements > 2)
    return ctx.reply.error("ERR INCR option supports a single increment-element pair");
  add_generic(ctx, args, f, i);
}

void zadd_command(ExecContext& ctx, Args& args) {
  zadd_flags_then_add(ctx, args, {});
}

// ZINCRBY key increment member: ZADD INCR with the arguments in place.
void zincrby_command(ExecContext& ctx, Args& args) {
  AddFlags f;
  f.incr = true;
  zadd_flags_then_add(ctx, args, f);
}

// ---------------------------------------------------------------------------
// Reads by member, counts
// ---------------------------------------------------------------------------

void zscore_command(ExecContext& ctx, Args& args) {
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  const std::optional<double> s = z ? z->score(args[2]) : std::nullopt;
  if (!s) return ctx.reply.null();
  ctx.reply.dbl(*s);
}

void zmscore_command(ExecContext& ctx, Args& args) {
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  ctx.reply.array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const std::optional<double> s = z ? z->score(args[i]) : std::nullopt;
    if (s) {
      ctx.reply.dbl(*s);
    } else {
      ctx.reply.null();
    }
  }
}

void zcard_command(ExecContext& ctx, Args& args) {
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  ctx.reply.integer(z ? static_cast<int64_t>(z->size()) : 0);
}

// ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE as in Redis 7.2).
void rank_generic(ExecContext& ctx, Args& args, bool reverse, std::string_view name) {
  if (args.size() > 4) return ctx.reply.error(err::wrong_arity(name));
  const bool with_score = args.size() == 4;
  if (with_score && !iequals(args[3], "withscore")) return ctx.reply.error(err::kSyntax);
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  const int64_t rank = z ? z->rank(args[2], reverse) : -1;
  if (rank < 0) return with_score ? ctx.reply.null_array() : ctx.reply.null();
  if (!with_score) return ctx.reply.integer(rank);
  ctx.reply.array(2);
  ctx.reply.integer(rank);
  ctx.reply.dbl(*z->score(args[2]));
}

void zrank_command(ExecContext& ctx, Args& args) {
  rank_generic(ctx, args, false, "zrank");
}
void zrevrank_command(ExecContext& ctx, Args& args) {
  rank_generic(ctx, args, true, "zrevrank");
}

// How many members a score or lex range holds: the difference of the ranks
// of its ends, O(log n) in a skiplist.
template <class Range>
int64_t count_in(const ZSetType& z, const Range& r) {
  const auto [first, end] = z.rank_span(r);
  return static_cast<int64_t>(end - first);
}

void zcount_command(ExecContext& ctx, Args& args) {
  ScoreRange r;
  if (!parse_score_range(args[2], args[3], &r)) return ctx.reply.error(kRangeNotFloat);
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  ctx.reply.integer(z ? count_in(*z, r) : 0);
}

void zlexcount_command(ExecContext& ctx, Args& args) {
  LexRange r;
  if (!parse_lex_range(args[2], args[3], &r)) return ctx.reply.error(kLexRange);
  ZSetType* z;
  if (!find_zset(ctx, args[1], false, &z)) return;
  ctx.reply.integer(z ? count_in(*z, r) : 0);
}

// ---------------------------------------------------------------------------
// The ZRANGE family
// ---------------------------------------------------------------------------

enum class RangeBy { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Rank indexes as Redis sanitizes them: negative from the end, start
// clamped to 0, end to the last. False when the range is empty.
bool clamp_ranks(int64_t size, int64_t* start, int64_t* end) {
  if (*start < 0) *start += size;
  if (*end < 0) *end += size;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= size) return false;
  if (*end >= size) *end = size - 1;
  return true;
}

// Appends the members visited by ZSetType::walk to out.
void collect(const ZSetType& z, uint64_t from, uint64_t count, bool reverse,
             std::vector<ScoredMember>* out) {
  z.walk(from, count, reverse, [&](std::string_view member, double score) {
    out->push_back({member, score});
    return true;
  });
}

void collect_ranks(const ZSetType& z, int64_t start, int64_t end, bool reverse,
                   std::vector<ScoredMember>* out) {
  const int64_t size = static_cast<int64_t>(z.size());
  if (!clamp_ranks(size, &start, &end)) return;
  collect(z, static_cast<uint64_t>(reverse ? size - 1 - start : start),
          static_cast<uint64_t>(end - start + 1), reverse, out);
}

// A score or lex range from its first end (the last one when reverse),
// skipping `offset` members and taking at most `limit` (negative: all).
// As Redis does, the offset is skipped through ranks without looking at
// the members, and from there on members are taken while they are on the
// near side of the far end. In a set ordered by the range's key that is
// the range; for a lex range over members of different scores it is what
// Redis answers.
template <class Range>
void collect_range(const ZSetType& z, const Range& r, bool reverse, int64_t offset,
                   int64_t limit, std::vector<ScoredMember>* out) {
  // A negative offset yields nothing, as Redis's skip loop runs off the end.
  uint64_t from = 0;
  if (offset < 0 || !z.range_start(r, reverse, &from)) return;
  const uint64_t skip = static_cast<uint64_t>(offset);
  const uint64_t size = z.size();
  if (reverse ? skip > from : skip >= size - from) return;
  from = reverse ? from - skip : from + skip;
  uint64_t count = reverse ? from + 1 : size - from;
  if (limit >= 0) count = std::min(count, static_cast<uint64_t>(limit));
  z.walk(from, count, reverse, [&](std::string_view member, double score) {
    const auto key = range_key(r, member, score);
    if (reverse ? !r.above_min(key) : !r.below_max(key)) return false;
    out->push_back({member, score});
    return true;
  });
}

// Redis's zrangeGenericCommand: ZRANGE with its options, the older
// commands with their range kind and direction fixed, and ZRANGESTORE
// (store: the source key is args[2] and the range goes to args[1]).
void range_generic(ExecContext& ctx, Args& args, RangeBy by, Direction dir, bool store = false) {
  const size_t src = store ? 2 : 1;
  bool with_scores = false;
  int64_t offset = 0;
  int64_t limit = -1;  // -1 is also "no LIMIT given", as in Redis
  for (size_t j = src + 3; j < args.size(); ++j) {
    const std::string& opt = args[j];
    if (!store && iequals(opt, "withscores")) {
      with_scores = true;
    } else if (iequals(opt, "limit") && j + 2 < args.size()) {
      if (!string_to_ll(args[j + 1], &offset) || !string_to_ll(args[j + 2], &limit))
        return ctx.reply.error(err::kNotInteger);
      j += 2;
    } else if (dir == Direction::kAuto && iequals(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (by == RangeBy::kAuto && iequals(opt, "bylex")) {
      by = RangeBy::kLex;
    } else if (by == RangeBy::kAuto && iequals(opt, "byscore")) {
      by = RangeBy::kScore;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  if (by == RangeBy::kAuto) by = RangeBy::kRank;
  const bool reverse = dir == Direction::kReverse;
  if (limit != -1 && by == RangeBy::kRank)
    return ctx.reply.error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (with_scores && by == RangeBy::kLex)
    return ctx.reply.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");

  // Reverse score and lex ranges are written max first.
  const bool swapped = reverse && by != RangeBy::kRank;
  const std::string& min = args[src + (swapped ? 2 : 1)];
  const std::string& max = args[src + (swapped ? 1 : 2)];
  int64_t start = 0, end = 0;
  ScoreRange scores;
  LexRange lex;
  if (by == RangeBy::kRank && (!string_to_ll(min, &start) || !string_to_ll(max, &end)))
    return ctx.reply.error(err::kNotInteger);
  if (by == RangeBy::kScore && !parse_score_range(min, max, &scores))
    return ctx.reply.error(kRangeNotFloat);
  if (by == RangeBy::kLex && !parse_lex_range(min, max, &lex)) return ctx.reply.error(kLexRange);

  ZSetType* z;
  if (!find_zset(ctx, args[src], false, &z)) return;
  std::vector<ScoredMember> items;
  if (z && by == RangeBy::kRank) collect_ranks(*z, start, end, reverse, &items);
  if (z && by == RangeBy::kScore) collect_range(*z, scores, reverse, offset, limit, &items);
  if (z && by == RangeBy::kLex) collect_range(*z, lex, reverse, offset, limit, &items);
  if (!store) return reply_scored(ctx, items, with_scores, ctx.reply.resp() >= 3);
  ZSetType result;
  const ListpackLimits limits = zset_limits(ctx);
  for (const ScoredMember& m : items) result.set(m.member, m.score, limits);
  ctx.reply.integer(static_cast<int64_t>(store_zset(ctx, args[1], result, "zrangestore")));
}

void zrange_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kAuto, Direction::kAuto);
}
void zrevrange_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kRank, Direction::kReverse);
}
void zrangebyscore_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kScore, Direction::kForward);
}
void zrevrangebyscore_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kScore, Direction::kReverse);
}
void zrangebylex_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kLex, Direction::kForward);
}
void zrevrangebylex_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kLex, Direction::kReverse);
}
void zrangestore_command(ExecContext& ctx, Args& args) {
  range_generic(ctx, args, RangeBy::kAuto, Direction::kAuto, true);
}

// ---------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------

void zrem_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  ZSetType* z;
  if (!find_zset(ctx, key, true, &z)) return;
  if (!z) return ctx.reply.integer(0);
  int64_t count = 0;
  for (size_t i = 2; i < args.size() && !z->empty(); ++i) count += z->erase(args[i]);
  removed(ctx, key, z, static_cast<size_t>(count), "zrem");
  ctx.reply.integer(count);
}

void zremrangebyrank_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  int64_t start, end;
  if (!string_to_ll(args[2], &start) || !string_to_ll(args[3], &end))
    return ctx.reply.error(err::kNotInteger);
  ZSetType* z;
  if (!find_zset(ctx, key, true, &z)) return;
  size_t count = 0;
  if (z && clamp_ranks(static_cast<int64_t>(z->size()), &start, &end)) {
    count = z->erase_rank_range(static_cast<uint64_t>(start), static_cast<uint64_t>(end));
    removed(ctx, key, z, count, "zremrangebyrank");
  }
  ctx.reply.integer(static_cast<int64_t>(count));
}

// ZREMRANGEBYSCORE and ZREMRANGEBYLEX once the range is parsed.
template <class Range>
void remove_range(ExecContext& ctx, const std::string& key, const Range& r, std::string_view event) {
  ZSetType* z;
  if (!find_zset(ctx, key, true, &z)) return;
  const size_t count = z ? z->erase_range(r) : 0;
  if (z) removed(ctx, key, z, count, event);
  ctx.reply.integer(static_cast<int64_t>(count));
}

void zremrangebyscore_command(ExecContext& ctx, Args& args) {
  ScoreRange r;
  if (!parse_score_range(args[2], args[3], &r)) return ctx.reply.error(kRangeNotFloat);
  remove_range(ctx, args[1], r, "zremrangebyscore");
}

void zremrangebylex_command(ExecContext& ctx, Args& args) {
  LexRange r;
  if (!parse_lex_range(args[2], args[3], &r)) return ctx.reply.error(kLexRange);
  remove_range(ctx, args[1], r, "zremrangebylex");
}

// Removes up to count members from the low (or, max, the high) end of z,
// replying an array of them: flat (member, score, ...) or a pair each.
void pop_members(ExecContext& ctx, const std::string& key, ZSetType* z, int64_t count, bool max,
                 bool pairs) {
  const size_t n = std::min(static_cast<size_t>(count), z->size());
  ctx.reply.array(pairs ? n : n * 2);
  for (size_t i = 0; i < n; ++i) {
    std::string member;  // a copy: the view dies with the member
    z->walk(max ? z->size() - 1 : 0, 1, max, [&](std::string_view m, double score) {
      write_scored(ctx, m, score, true, pairs);
      member = m;
      return true;
    });
    z->erase(member);
  }
  removed(ctx, key, z, n, max ? "zpopmax" : "zpopmin");
}

// ZPOPMIN / ZPOPMAX key [count]. Without a count the reply is one flat
// [member, score]; with one, RESP3 clients get a pair per member.
void pop_generic(ExecContext& ctx, Args& args, bool max) {
  if (args.size() > 3) return ctx.reply.error(err::kSyntax);
  const bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!string_to_ll(args[2], &count) || count < 0))
    return ctx.reply.error(err::kPositive);
  const std::string& key = args[1];
  ZSetType* z;
  if (!find_zset(ctx, key, true, &z)) return;
  if (!z || count == 0) return ctx.reply.array(0);
  pop_members(ctx, key, z, count, max, has_count && ctx.reply.resp() >= 3);
}

void zpopmin_command(ExecContext& ctx, Args& args) {
  pop_generic(ctx, args, false);
}
void zpopmax_command(ExecContext& ctx, Args& args) {
  pop_generic(ctx, args, true);
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]: pops from the
// first key that holds a sorted set. The reply is [key, [[member, score],
// ...]] in both protocols, a null array when every key is missing.
void zmpop_command(ExecContext& ctx, Args& args) {
  MpopArgs parsed;
  if (std::string_view error = parse_mpop(args, 1, "min", "max", &parsed); !error.empty())
    return ctx.reply.error(error);
  const size_t where = parsed.where;
  for (size_t k = 2; k < where; ++k) {
    ZSetType* z;
    if (!find_zset(ctx, args[k], true, &z)) return;
    if (!z) continue;
    ctx.reply.array(2);
    ctx.reply.bulk(args[k]);
    return pop_members(ctx, args[k], z, parsed.count, parsed.second, true);
  }
  ctx.reply.null_array();
}

void zmpop_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 1, keys);
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

// Every member equally likely: a random rank (found in O(log n) in a
// skiplist).
uint64_t random_rank(const ZSetType& z, std::mt19937_64& rng) {
  return std::uniform_int_distribution<uint64_t>(0, z.size() - 1)(rng);
}

// ZRANDMEMBER key [count [WITHSCORES]]: one member, or count of them as
// random_pick.hpp chooses them (elements named by their rank).
void zrandmember_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  std::mt19937_64& rng = ctx.shard_for(key).rng();
  ZSetType* z;
  if (args.size() == 2) {
    if (!find_zset(ctx, key, false, &z)) return;
    if (!z) return ctx.reply.null();
    return z->walk(random_rank(*z, rng), 1, false, [&](std::string_view member, double) {
      ctx.reply.bulk(member);
      return true;
    });
  }
  int64_t count;
  if (!parse_random_count(ctx, args[2], &count)) return;
  if (args.size() > 4 || (args.size() == 4 && !iequals(args[3], "withscores")))
    return ctx.reply.error(err::kSyntax);
  const bool with_scores = args.size() == 4;
  // A RESP2 reply holds 2 * count elements: Redis bounds count so that
  // cannot overflow.
  if (with_scores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2))
    return ctx.reply.error("ERR value is out of range");
  if (!find_zset(ctx, key, false, &z)) return;
  if (!z || count == 0) return ctx.reply.array(0);
  const bool pairs = ctx.reply.resp() >= 3;
  const uint64_t n = random_pick_length(count, z->size());
  ctx.reply.array(with_scores && !pairs ? n * 2 : n);
  random_pick(
      count, z->size(), rng, [&] { return random_rank(*z, rng); },
      [&] {
        std::vector<uint64_t> all(z->size());
        for (uint64_t i = 0; i < all.size(); ++i) all[i] = i;
        return all;
      },
      [&](uint64_t rank) {
        z->walk(rank, 1, false, [&](std::string_view member, double score) {
          write_scored(ctx, member, score, with_scores, pairs);
          return true;
        });
      });
}

void zscan_command(ExecContext& ctx, Args& args) {
  scan_collection<ZSetType>(
      ctx, args, 2, [](ZSetType& z, uint64_t cursor, int64_t count, ScanBatch& batch) {
        return walk_buckets(cursor, count, batch, [&](uint64_t c) {
          return z.scan(c, [&](std::string_view member, double score) {
            batch.add(member, protocol::format_double(score));
          });
        });
      });
}

}  // namespace

void add_zset_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kWF = kCmdWrite | kCmdFast;
  constexpr uint32_t kWMF = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kRF = kCmdReadonly | kCmdFast;
  constexpr std::string_view kGroup = "sorted-set";

  out.push_back({"zadd", -4, kWMF, 1, 1, 1, zadd_command, kGroup, "1.2.0",
                 "Adds members to a sorted set or updates their scores, creating the key if "
                 "needed.",
                 "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]"});
  out.push_back({"zincrby", 4, kWMF, 1, 1, 1, zincrby_command, kGroup, "1.2.0",
                 "Adds a number to the score of a member of a sorted set.",
                 "key increment member"});
  out.push_back({"zrem", -3, kWF, 1, 1, 1, zrem_command, kGroup, "1.2.0",
                 "Removes members from a sorted set; the key goes with its last member.",
                 "key member [member ...]"});
  out.push_back({"zscore", 3, kRF, 1, 1, 1, zscore_command, kGroup, "1.2.0",
                 "Returns the score of a member of a sorted set.", "key member"});
  out.push_back({"zmscore", -3, kRF, 1, 1, 1, zmscore_command, kGroup, "6.2.0",
                 "Returns the scores of several members of a sorted set.",
                 "key member [member ...]"});
  out.push_back({"zcard", 2, kRF, 1, 1, 1, zcard_command, kGroup, "1.2.0",
                 "Returns how many members a sorted set has.", "key"});
  out.push_back({"zcount", 4, kRF, 1, 1, 1, zcount_command, kGroup, "2.0.0",
                 "Counts the members of a sorted set whose scores lie in a range.",
                 "key min max"});
  out.push_back({"zlexcount", 4, kRF, 1, 1, 1, zlexcount_command, kGroup, "2.8.9",
                 "Counts the members of a sorted set that lie in a lexicographical range.",
                 "key min max"});
  out.push_back({"zrank", -3, kRF, 1, 1, 1, zrank_command, kGroup, "2.0.0",
                 "Returns the position of a member in a sorted set ordered by ascending score.",
                 "key member [WITHSCORE]"});
  out.push_back({"zrevrank", -3, kRF, 1, 1, 1, zrevrank_command, kGroup, "2.0.0",
                 "Returns the position of a member in a sorted set ordered by descending score.",
                 "key member [WITHSCORE]"});
  out.push_back({"zrange", -4, kR, 1, 1, 1, zrange_command, kGroup, "1.2.0",
                 "Returns the members of a sorted set in a range of positions, scores or "
                 "lexicographical values.",
                 "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"});
  out.push_back({"zrevrange", -4, kR, 1, 1, 1, zrevrange_command, kGroup, "1.2.0",
                 "Returns the members of a sorted set in a range of positions, highest score "
                 "first.",
                 "key start stop [WITHSCORES]"});
  out.push_back({"zrangebyscore", -4, kR, 1, 1, 1, zrangebyscore_command, kGroup, "1.0.5",
                 "Returns the members of a sorted set whose scores lie in a range.",
                 "key min max [WITHSCORES] [LIMIT offset count]"});
  out.push_back({"zrevrangebyscore", -4, kR, 1, 1, 1, zrevrangebyscore_command, kGroup, "2.2.0",
                 "Returns the members of a sorted set whose scores lie in a range, highest "
                 "first.",
                 "key max min [WITHSCORES] [LIMIT offset count]"});
  out.push_back({"zrangebylex", -4, kR, 1, 1, 1, zrangebylex_command, kGroup, "2.8.9",
                 "Returns the members of a sorted set that lie in a lexicographical range.",
                 "key min max [LIMIT offset count]"});
  out.push_back({"zrevrangebylex", -4, kR, 1, 1, 1, zrevrangebylex_command, kGroup, "2.8.9",
                 "Returns the members of a sorted set that lie in a lexicographical range, "
                 "highest first.",
                 "key max min [LIMIT offset count]"});
  out.push_back({"zremrangebyrank", 4, kW, 1, 1, 1, zremrangebyrank_command, kGroup, "2.0.0",
                 "Removes the members of a sorted set in a range of positions.",
                 "key start stop"});
  out.push_back({"zremrangebyscore", 4, kW, 1, 1, 1, zremrangebyscore_command, kGroup, "1.2.0",
                 "Removes the members of a sorted set whose scores lie in a range.",
                 "key min max"});
  out.push_back({"zremrangebylex", 4, kW, 1, 1, 1, zremrangebylex_command, kGroup, "2.8.9",
                 "Removes the members of a sorted set that lie in a lexicographical range.",
                 "key min max"});
  out.push_back({"zpopmin", -2, kWF, 1, 1, 1, zpopmin_command, kGroup, "5.0.0",
                 "Removes and returns the members with the lowest scores.", "key [count]"});
  out.push_back({"zpopmax", -2, kWF, 1, 1, 1, zpopmax_command, kGroup, "5.0.0",
                 "Removes and returns the members with the highest scores.", "key [count]"});
  out.push_back({"zrangestore", -5, kW | kCmdDenyOom, 1, 2, 1, zrangestore_command, kGroup, "6.2.0",
                 "Stores a range of members of a sorted set (by position, score or "
                 "lexicographical value) in another key.",
                 "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]"});
  out.push_back({"zmpop", -4, kW | kCmdMovableKeys, 0, 0, 0, zmpop_command, kGroup, "7.0.0",
                 "Removes and returns members from the first non-empty sorted set of several "
                 "keys.",
                 "numkeys key [key ...] <MIN | MAX> [COUNT count]"});
  out.back().find_keys = zmpop_keys;
  out.push_back({"zrandmember", -2, kR, 1, 1, 1, zrandmember_command, kGroup, "6.2.0",
                 "Returns random members of a sorted set, distinct or not, with their scores "
                 "if asked.",
                 "key [count [WITHSCORES]]"});
  out.push_back({"zscan", -3, kR, 1, 1, 1, zscan_command, kGroup, "2.8.0",
                 "Iterates over the members and scores of a sorted set.",
                 "key cursor [MATCH pattern] [COUNT count]"});
  add_zset_algebra_commands(out);
}

}  // namespace shardis
