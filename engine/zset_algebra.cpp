// The sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms and
// ZINTERCARD, as Redis's zunionInterDiffGenericCommand runs them.
//
// Inputs may be sorted sets or plain sets (every member of a set scores 1),
// and a missing key is an empty input. Redis's order of work is part of the
// contract, because it decides which error a bad call gets: numkeys, then
// every key's type, then the options. Its order of arithmetic is too:
// ZUNION and ZINTER visit the inputs from the smallest to the largest
// (ties keep their order, as glibc's merge-sorting qsort does), and a sum
// of doubles depends on the order it is taken in.
//
// Scores: each input score is multiplied by its weight; a product that is
// NaN (inf * 0) counts as 0, and so does a SUM that is NaN (inf + -inf).
// In ZINTER only the first input's product is checked, as in Redis, so MIN
// and MAX simply ignore a NaN from a later input. Replies keep -0; a stored
// set holds 0, as Redis's compact encoding does for small results.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/dict.hpp"
#include "engine/errors.hpp"
#include "engine/set_type.hpp"
#include "engine/zset_type.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

enum class SetOp { kUnion, kInter, kDiff };
// What becomes of the result: a reply (ZUNION ...), a key (ZUNIONSTORE
// ..., at args[1]) or only its size (ZINTERCARD).
enum class Output { kReply, kStore, kCount };
enum class Aggregate { kSum, kMin, kMax };

// One input of the algebra, read through the same three calls whatever the
// key holds.
struct Source {
  ZSetType* zset = nullptr;
  SetType* set = nullptr;  // neither: a missing key
  double weight = 1;

  size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
  bool find(std::string_view member, double* score) const {
    if (set) {
      *score = 1;
      return set->contains(member);
    }
    const std::optional<double> s = zset ? zset->score(member) : std::nullopt;
    if (s) *score = *s;
    return s.has_value();
  }
  // Calls f(member, score) for every member until f returns false. A set's
  // member views live only during the call (see member_lives()).
  template <class F>
  void for_each(F&& f) const {
    if (set) {
      bool more = true;
      set->for_each([&](std::string_view m) { more = more && f(m, 1.0); });
      return;
    }
    if (zset) zset->walk(0, zset->size(), false, f);
  }
  // Whether for_each's member views stay valid until the command ends
  // (a sorted set's do: no input changes before the result is used).
  bool member_lives() const { return set == nullptr; }
  // The same key's value (ZINTER 2 k k). A lookup may move a rehash step of
  // the table being walked, so the walk never looks itself up.
  bool same_as(const Source& other) const {
    return (zset && zset == other.zset) || (set && set == other.set);
  }
};

// What one call asks for, once its arguments are read.
struct Request {
  SetOp op = SetOp::kUnion;
  Output output = Output::kReply;
  std::vector<Source> sources;
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;  // ZINTERCARD: stop counting there; 0 = no limit
};

// Redis's zunionInterAggregate.
void aggregate_into(double* target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

double weighted(const Source& s, double score) {
  const double v = s.weight * score;
  return std::isnan(v) ? 0 : v;
}

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

// Finds each input key: false (and WRONGTYPE written) when one holds
// neither a sorted set nor a set.
bool find_sources(ExecContext& ctx, const Args& args, size_t first, size_t count,
                  std::vector<Source>* out) {
  for (size_t i = first; i < first + count; ++i) {
    Entry* e = ctx.db(args[i]).lookup_read(args[i], ctx.now_ms);
    Source s;
    if (e && e->type == ValueType::kZSet) {
      s.zset = &e->object<ZSetType>();
    } else if (e && e->type == ValueType::kSet) {
      s.set = &e->object<SetType>();
    } else if (e) {
      ctx.reply.error(err::kWrongType);
      return false;
    }
    out->push_back(s);
  }
  return true;
}

// The options after the keys. Each is recognised only where Redis
// recognises it (WEIGHTS needs a weight per key after it, AGGREGATE a
// value), and anything else is a syntax error.
bool parse_options(ExecContext& ctx, const Args& args, size_t j, Request* r) {
  const bool weighs = r->op != SetOp::kDiff && r->output != Output::kCount;
  const size_t n = r->sources.size();
  while (j < args.size()) {
    const size_t remaining = args.size() - j;
    const std::string& opt = args[j];
    if (weighs && remaining >= n + 1 && iequals(opt, "weights")) {
      for (size_t i = 0; i < n; ++i) {
        if (!parse_score(args[j + 1 + i], &r->sources[i].weight)) {
          ctx.reply.error("ERR weight value is not a float");
          return false;
        }
      }
      j += n + 1;
    } else if (weighs && remaining >= 2 && iequals(opt, "aggregate")) {
      const std::string& how = args[j + 1];
      if (iequals(how, "sum")) {
        r->aggregate = Aggregate::kSum;
      } else if (iequals(how, "min")) {
        r->aggregate = Aggregate::kMin;
      } else if (iequals(how, "max")) {
        r->aggregate = Aggregate::kMax;
      } else {
        ctx.reply.error(err::kSyntax);
        return false;
      }
      j += 2;
    } else if (r->output == Output::kReply && iequals(opt, "withscores")) {
      r->with_scores = true;
      ++j;
    } else if (r->output == Output::kCount && remaining >= 2 && iequals(opt, "limit")) {
      if (!string_to_ll(args[j + 1], &r->limit) || r->limit < 0) {
        ctx.reply.error("ERR LIMIT can't be negative");
        return false;
      }
      j += 2;
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// The operations (sources already ordered as Redis orders them)
// ---------------------------------------------------------------------------

// The members an operation found, with their scores. Views into the
// inputs where those outlive the command, else into copies kept here.
struct Result {
  std::vector<ScoredMember> items;
  std::deque<std::string> copies;  // a deque: adding never moves the others
  Dict<double> union_scores;       // ZUNION's accumulator, viewed by items

  void add(const Source& from, std::string_view member, double score) {
    if (!from.member_lives()) member = copies.emplace_back(member);
    items.push_back({member, score});
  }
};

// Members of every input; each member's score aggregated over the inputs
// that hold it.
void op_union(const Request& r, Result* out) {
  Dict<double>& acc = out->union_scores;
  for (const Source& s : r.sources) {
    s.for_each([&](std::string_view member, double score) {
      const double v = weighted(s, score);
      auto [node, created] = acc.insert(member);
      if (created) {
        node->value = v;
      } else {
        aggregate_into(&node->value, v, r.aggregate);
      }
      return true;
    });
  }
  out->items.reserve(acc.size());
  acc.for_each([&](const Dict<double>::Node& n) { out->items.push_back({n.key(), n.value}); });
}

// Members of the first (smallest) input found in every other one. With
// out null only counts them, up to r.limit.
size_t op_inter(const Request& r, Result* out) {
  size_t found = 0;
  const Source& first = r.sources[0];
  first.for_each([&](std::string_view member, double score) {
    double total = weighted(first, score);
    for (size_t j = 1; j < r.sources.size(); ++j) {
      double v = score;
      if (!r.sources[j].same_as(first) && !r.sources[j].find(member, &v)) return true;
      aggregate_into(&total, v * r.sources[j].weight, r.aggregate);
    }
    ++found;
    if (out) out->add(first, member, total);
    return r.limit == 0 || found < static_cast<size_t>(r.limit);
  });
  return found;
}

// Members of the first input that no other input holds, with their scores
// in the first (weights do not apply).
void op_diff(const Request& r, Result* out) {
  const Source& first = r.sources[0];
  for (size_t j = 1; j < r.sources.size(); ++j)
    if (r.sources[j].same_as(first)) return;  // it removes every member
  first.for_each([&](std::string_view member, double score) {
    double ignored;
    for (size_t j = 1; j < r.sources.size(); ++j)
      if (r.sources[j].find(member, &ignored)) return true;
    out->add(first, member, score);
    return true;
  });
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

void algebra_generic(ExecContext& ctx, Args& args, SetOp op, Output output) {
  Request r;
  r.op = op;
  r.output = output;
  const size_t numkeys_at = output == Output::kStore ? 2 : 1;
  int64_t numkeys;
  if (!string_to_ll(args[numkeys_at], &numkeys)) return ctx.reply.error(err::kNotInteger);
  // The error names the command as the table does (Redis's cmd->fullname).
  if (numkeys < 1)
    return ctx.reply.error("ERR at least 1 input key is needed for '" + to_lower(args[0]) +
                           "' command");
  if (static_cast<uint64_t>(numkeys) > args.size() - numkeys_at - 1)
    return ctx.reply.error(err::kSyntax);
  const size_t n = static_cast<size_t>(numkeys);
  if (!find_sources(ctx, args, numkeys_at + 1, n, &r.sources)) return;
  if (!parse_options(ctx, args, numkeys_at + 1 + n, &r)) return;

  if (r.op != SetOp::kDiff) {
    std::stable_sort(r.sources.begin(), r.sources.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  if (output == Output::kCount)
    return ctx.reply.integer(static_cast<int64_t>(op_inter(r, nullptr)));

  Result result;
  switch (r.op) {
    case SetOp::kUnion:
      op_union(r, &result);
      break;
    case SetOp::kInter:
      op_inter(r, &result);
      break;
    case SetOp::kDiff:
      op_diff(r, &result);
      break;
  }
  std::vector<ScoredMember>& items = result.items;
  if (output == Output::kStore) {
    ZSetType stored;
    const ListpackLimits limits = zset_limits(ctx);
    for (const ScoredMember& m : items) stored.set(m.member, m.score, limits);
    const std::string_view event =
        r.op == SetOp::kUnion ? "zunionstore" : r.op == SetOp::kInter ? "zinterstore" : "zdiffstore";
    return ctx.reply.integer(static_cast<int64_t>(store_zset(ctx, args[1], stored, event)));
  }
  std::sort(items.begin(), items.end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
  reply_scored(ctx, items, r.with_scores, ctx.reply.resp() >= 3);
}

template <SetOp kOp, Output kOutput>
void algebra_command(ExecContext& ctx, Args& args) {
  algebra_generic(ctx, args, kOp, kOutput);
}

// Movable keys: the inputs after numkeys, and for the STORE forms the
// destination first.
void read_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 1, keys);
}
void store_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 2, keys);
  if (!keys->empty()) keys->insert(keys->begin(), 1);
}

}  // namespace

void add_zset_algebra_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kRead = kCmdReadonly | kCmdMovableKeys;
  constexpr uint32_t kStore = kCmdWrite | kCmdDenyOom | kCmdMovableKeys;
  constexpr std::string_view kGroup = "sorted-set";
  constexpr std::string_view kWeights =
      " [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]";
  static const std::string kReadSyntax = "numkeys key [key ...]" + std::string(kWeights);
  static const std::string kStoreSyntax = "destination " + kReadSyntax;
  static const std::string kReadScores = kReadSyntax + " [WITHSCORES]";

  auto add = [&](CommandSpec spec, bool store) {
    spec.find_keys = store ? store_keys : read_keys;
    out.push_back(std::move(spec));
  };
  add({"zunion", -3, kRead, 0, 0, 0, algebra_command<SetOp::kUnion, Output::kReply>, kGroup,
       "6.2.0", "Returns the union of sorted sets, scores aggregated.", kReadScores},
      false);
  add({"zinter", -3, kRead, 0, 0, 0, algebra_command<SetOp::kInter, Output::kReply>, kGroup,
       "6.2.0", "Returns the intersection of sorted sets, scores aggregated.", kReadScores},
      false);
  add({"zdiff", -3, kRead, 0, 0, 0, algebra_command<SetOp::kDiff, Output::kReply>, kGroup, "6.2.0",
       "Returns the members of the first sorted set that the others do not hold.",
       "numkeys key [key ...] [WITHSCORES]"},
      false);
  add({"zintercard", -3, kRead, 0, 0, 0, algebra_command<SetOp::kInter, Output::kCount>, kGroup,
       "7.0.0", "Counts the members of the intersection of sorted sets.",
       "numkeys key [key ...] [LIMIT limit]"},
      false);
  add({"zunionstore", -4, kStore, 1, 1, 1, algebra_command<SetOp::kUnion, Output::kStore>, kGroup,
       "2.0.0", "Stores the union of sorted sets in a key.", kStoreSyntax},
      true);
  add({"zinterstore", -4, kStore, 1, 1, 1, algebra_command<SetOp::kInter, Output::kStore>, kGroup,
       "2.0.0", "Stores the intersection of sorted sets in a key.", kStoreSyntax},
      true);
  add({"zdiffstore", -4, kStore, 1, 1, 1, algebra_command<SetOp::kDiff, Output::kStore>, kGroup,
       "6.2.0", "Stores the members of the first sorted set that the others do not hold in a key.",
       "destination numkeys key [key ...]"},
      true);
}

}  // namespace shardis
