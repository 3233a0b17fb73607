// Randomised contract tests: sequences of random commands over four keys
// (on different shards), for the collection types and for strings and
// keys, each reply compared with redis-server's (see
// support/contract_harness.hpp).
//
// The hand-written tables pin down each command's edge cases; these find
// what no table thought of: a command meeting a key of another type, an
// encoding converted by one command and read by the next, a store
// command's destination that is also a source, a command queued in a
// transaction that another queued command has made fail. Keys, members and numbers
// come from small pools so that commands keep meeting the same values.
//
// Every sequence is fixed by its seed, and a failure names the seed and
// the step. CI runs seeds 1-40; SHARDIS_RANDOM_SEEDS=N runs seeds 1-N.
// Commands whose reply is random (SPOP, SRANDMEMBER, HRANDFIELD,
// ZRANDMEMBER) are left out; set replies that come in hashtable order are
// compared sorted.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/contract_harness.hpp"

namespace shardis::test {
namespace {

// Placeholders in a template, each replaced by a random pick of its pool:
// K key, M member / element / field, V value, S score (or a ZADD flag in
// its place), L lex bound, R score bound, I index, N count, F float
// increment, D integer increment, T timeout.
const std::vector<std::string_view> kKeys = {"a", "b", "c", "d"};
const std::vector<std::string_view> kMembers = {"x", "y", "z", "1", "2", "-3", "10", "\"\""};
const std::vector<std::string_view> kValues = {"v", "7", "-1", "3.5", "abc", "9223372036854775807"};
const std::vector<std::string_view> kScores = {"1",    "2",   "2.5", "-1", "0", "inf",
                                               "-inf", "1e3", "0.1", "x",  "xx"};
const std::vector<std::string_view> kLex = {"-", "+", "[x", "(x", "[1", "(2", "[z", "x"};
const std::vector<std::string_view> kBounds = {"-inf", "+inf", "1", "(1", "2.5", "(0", "-1", "x"};
const std::vector<std::string_view> kIndexes = {"0", "1", "2", "-1", "-2", "5", "-10"};
const std::vector<std::string_view> kCounts = {"0", "1", "2", "3", "10", "-1"};
const std::vector<std::string_view> kFloats = {"1.5", "-2", "inf", "1e10", "x"};
const std::vector<std::string_view> kInts = {"1", "-5", "9223372036854775807", "x"};
// Short enough that a blocking pop's wait is cheap; the bad ones check
// which of a blocking command's errors comes first.
const std::vector<std::string_view> kTimeouts = {"0.01", "0.01", "-1", "x"};

// kLex: a lex range. Over members of different scores Redis leaves its
// result undefined: from a listpack it is still fixed, from a skiplist it
// depends on the nodes' random levels. kTableOrder: a hash's fields in the
// order of its encoding, which a listpack keeps on both servers and a
// hashtable does not.
enum class Kind { kAny, kLex, kTableOrder };

struct Template {
  std::string_view line;
  Check check = Check::kExact;
  Kind kind = Kind::kAny;
};
Template lex(std::string_view line) { return {line, Check::kExact, Kind::kLex}; }
Template table_order(std::string_view line) { return {line, Check::kExact, Kind::kTableOrder}; }

// clang-format off
const std::vector<Template> kTemplates = {
    // keys of any type
    {"TYPE K"}, {"OBJECT ENCODING K"}, {"EXISTS K K"}, {"DEL K"}, {"COPY K K"},
    {"COPY K K REPLACE"}, {"RENAME K K"}, {"RENAMENX K K"}, {"SET K V"}, {"GET K"},
    {"EXPIREAT K 4102444800"}, {"PERSIST K"}, {"EXPIRETIME K"},
    // transactions: whatever lies between a MULTI and an EXEC is queued
    {"MULTI"}, {"EXEC"}, {"DISCARD"},
    // hashes
    {"HSET K M V"}, {"HSET K M V M V"}, {"HSETNX K M V"}, {"HMSET K M V"}, {"HGET K M"},
    {"HMGET K M M"}, {"HDEL K M M"}, {"HEXISTS K M"}, {"HLEN K"}, table_order("HKEYS K"),
    table_order("HVALS K"), table_order("HGETALL K"), {"HINCRBY K M D"}, {"HINCRBYFLOAT K M F"},
    {"HSTRLEN K M"}, {"HSCAN K 0", Check::kScan},
    // sorted sets
    {"ZADD K S M"}, {"ZADD K S M S M"}, {"ZADD K NX S M"}, {"ZADD K XX CH S M"},
    {"ZADD K GT CH S M"}, {"ZADD K LT S M S M"}, {"ZADD K INCR S M"}, {"ZADD K NX XX S M"},
    {"ZADD K GT LT S M"}, {"ZINCRBY K S M"}, {"ZREM K M M"}, {"ZSCORE K M"}, {"ZMSCORE K M M"},
    {"ZCARD K"}, {"ZCOUNT K R R"}, lex("ZLEXCOUNT K L L"), {"ZRANK K M"}, {"ZREVRANK K M"},
    {"ZRANGE K I I"}, {"ZRANGE K I I WITHSCORES"}, {"ZRANGE K R R BYSCORE"},
    {"ZRANGE K R R BYSCORE REV LIMIT I N WITHSCORES"}, lex("ZRANGE K L L BYLEX"),
    lex("ZRANGE K L L BYLEX REV LIMIT I N"), {"ZRANGESTORE K K I I"},
    {"ZRANGESTORE K K R R BYSCORE"}, {"ZRANGEBYSCORE K R R WITHSCORES LIMIT I N"},
    {"ZREVRANGEBYSCORE K R R"}, lex("ZRANGEBYLEX K L L"), lex("ZREVRANGEBYLEX K L L LIMIT I N"),
    {"ZREVRANGE K I I WITHSCORES"}, {"ZREMRANGEBYSCORE K R R"}, {"ZREMRANGEBYRANK K I I"},
    lex("ZREMRANGEBYLEX K L L"), {"ZPOPMIN K"}, {"ZPOPMAX K N"}, {"ZMPOP 2 K K MIN"},
    {"ZMPOP 2 K K MAX COUNT N"}, {"ZUNION 2 K K WITHSCORES"},
    {"ZUNION 2 K K WEIGHTS 2 S AGGREGATE MAX WITHSCORES"}, {"ZINTER 2 K K WITHSCORES"},
    {"ZINTER 2 K K AGGREGATE MIN"}, {"ZDIFF 2 K K WITHSCORES"}, {"ZUNIONSTORE K 2 K K"},
    {"ZINTERSTORE K 2 K K WEIGHTS 1 -1"}, {"ZDIFFSTORE K 2 K K"}, {"ZINTERCARD 2 K K"},
    {"ZINTERCARD 2 K K LIMIT N"}, {"ZSCAN K 0", Check::kScan}, {"BZPOPMIN K K T"},
    {"BZMPOP T 2 K K MAX COUNT N"},
    // sets
    {"SADD K M M"}, {"SADD K M"}, {"SREM K M M"}, {"SMEMBERS K", Check::kSorted}, {"SISMEMBER K M"},
    {"SMISMEMBER K M M"}, {"SCARD K"}, {"SMOVE K K M"}, {"SINTER K K", Check::kSorted},
    {"SINTERCARD 2 K K LIMIT N"}, {"SUNION K K", Check::kSorted}, {"SDIFF K K", Check::kSorted},
    {"SINTERSTORE K K K"}, {"SUNIONSTORE K K K"}, {"SDIFFSTORE K K K"}, {"SSCAN K 0", Check::kScan},
    // lists
    {"LPUSH K M M"}, {"RPUSH K M"}, {"LPUSHX K M"}, {"RPUSHX K M M"}, {"LPOP K"}, {"RPOP K N"},
    {"LRANGE K I I"}, {"LLEN K"}, {"LINDEX K I"}, {"LSET K I M"}, {"LREM K I M"}, {"LTRIM K I I"},
    {"LINSERT K BEFORE M M"}, {"LINSERT K AFTER M M"}, {"LPOS K M"}, {"LPOS K M RANK I COUNT N"},
    {"LPOS K M COUNT N MAXLEN N"}, {"LMOVE K K LEFT RIGHT"}, {"LMOVE K K RIGHT RIGHT"},
    {"RPOPLPUSH K K"}, {"LMPOP 2 K K LEFT"}, {"LMPOP 2 K K RIGHT COUNT N"}, {"BLPOP K K T"},
    {"BRPOPLPUSH K K T"}, {"BLMPOP T 2 K K LEFT COUNT N"}, {"BLMOVE K K RIGHT LEFT T"},
};
// Strings and keys, meeting a few collections.
const std::vector<Template> kStringTemplates = {
    {"SET K V"}, {"SET K V NX"}, {"SET K V XX GET"}, {"SET K V KEEPTTL"},
    {"SET K V EXAT 4102444800"}, {"SET K V PXAT 4102444800000 GET"}, {"SET K V EX 0"},
    {"SET K V NX XX"}, {"SET K V GET NX"}, {"GET K"}, {"GETSET K V"}, {"GETDEL K"},
    {"GETEX K PERSIST"}, {"GETEX K EXAT 4102444800"}, {"GETEX K EX -1"}, {"APPEND K V"},
    {"STRLEN K"}, {"GETRANGE K I I"}, {"SUBSTR K I I"}, {"SETRANGE K N V"}, {"INCR K"},
    {"DECR K"}, {"INCRBY K D"}, {"DECRBY K D"}, {"INCRBYFLOAT K F"}, {"MSET K V K V"},
    {"MSETNX K V K V"}, {"MGET K K K"}, {"SETNX K V"}, {"LCS K K"}, {"LCS K K LEN"},
    {"LCS K K IDX MINMATCHLEN N WITHMATCHLEN"}, {"TYPE K"}, {"OBJECT ENCODING K"},
    {"EXISTS K K"}, {"DEL K K"}, {"UNLINK K"}, {"TOUCH K K"}, {"COPY K K"}, {"COPY K K REPLACE"},
    {"RENAME K K"}, {"RENAMENX K K"}, {"EXPIREAT K 4102444800"}, {"EXPIREAT K 4102444801 GT"},
    {"PEXPIREAT K 4102444800000 NX"}, {"EXPIRETIME K"}, {"PEXPIRETIME K"}, {"PERSIST K"},
    {"MULTI"}, {"EXEC"}, {"DISCARD"}, {"LPUSH K M"}, {"SADD K M"}, {"HSET K M V"},
};
// clang-format on

const std::vector<std::string_view>* pool_for(char placeholder) {
  switch (placeholder) {
    case 'K':
      return &kKeys;
    case 'M':
      return &kMembers;
    case 'V':
      return &kValues;
    case 'S':
      return &kScores;
    case 'L':
      return &kLex;
    case 'R':
      return &kBounds;
    case 'I':
      return &kIndexes;
    case 'N':
      return &kCounts;
    case 'F':
      return &kFloats;
    case 'D':
      return &kInts;
    case 'T':
      return &kTimeouts;
    default:
      return nullptr;
  }
}

// One template with every placeholder word replaced by a pick of its pool.
std::string instantiate(std::string_view line, std::mt19937& rng) {
  std::string out;
  size_t start = 0;
  while (start <= line.size()) {
    size_t space = line.find(' ', start);
    if (space == std::string_view::npos) space = line.size();
    std::string_view word = line.substr(start, space - start);
    const auto* pool = word.size() == 1 ? pool_for(word[0]) : nullptr;
    if (!out.empty()) out += ' ';
    out += pool ? (*pool)[std::uniform_int_distribution<size_t>(0, pool->size() - 1)(rng)] : word;
    start = space + 1;
  }
  return out;
}

// Two runs: one with Redis's default limits, where every collection stays
// compact, and one with limits so low that the commands keep converting
// collections (by count and by a member's length) and reading them back.
// A third run draws from the string and key commands instead.
struct Variant {
  std::string_view family;
  std::vector<const char*> setup;  // run at the start of every sequence
  bool compact;                    // every collection stays a listpack / intset
  const std::vector<Template>* templates = &kTemplates;
};

const Variant kDefaultLimits{"random", {}, true};
const Variant kLowLimits{
    "random with low limits",
    {"CONFIG SET hash-max-listpack-entries 3", "CONFIG SET hash-max-listpack-value 8",
     "CONFIG SET zset-max-listpack-entries 3", "CONFIG SET zset-max-listpack-value 8",
     "CONFIG SET set-max-intset-entries 3", "CONFIG SET list-max-listpack-size 3"},
    false};
const Variant kStrings{"random strings", {}, true, &kStringTemplates};

// A sequence of `length` random commands. Type-creating commands come from
// the same draw as everything else, so keys change type as the run goes.
Case random_case(const Variant& v, unsigned seed, size_t length) {
  static std::deque<std::string> names;  // Case holds views: keep the names alive
  names.push_back("seed " + std::to_string(seed));
  Case c{v.family, names.back(), {}};
  for (const char* line : v.setup) c.steps.emplace_back(line);
  std::mt19937 rng(seed);
  const std::vector<Template>& templates = *v.templates;
  std::uniform_int_distribution<size_t> pick(0, templates.size() - 1);
  bool in_multi = false;
  while (c.steps.size() < v.setup.size() + length) {
    const Template& t = templates[pick(rng)];
    if (!v.compact && t.kind == Kind::kLex) continue;
    Check check = t.check;
    if (!v.compact && t.kind == Kind::kTableOrder) check = Check::kSorted;
    // EXEC's reply is compared exactly: nothing unordered may be queued.
    if (in_multi && check != Check::kExact) continue;
    if (t.line == "MULTI") in_multi = true;
    if (t.line == "EXEC" || t.line == "DISCARD") in_multi = false;
    std::string line = instantiate(t.line, rng);
    c.steps.emplace_back(line.c_str(), check);
  }
  return c;
}

std::vector<Case> random_cases(const Variant& v) {
  unsigned seeds = 40;
  if (const char* n = std::getenv("SHARDIS_RANDOM_SEEDS"))
    seeds = static_cast<unsigned>(std::strtoul(n, nullptr, 10));
  std::vector<Case> cases;
  for (unsigned seed = 1; seed <= seeds; ++seed) cases.push_back(random_case(v, seed, 150));
  return cases;
}

TEST_CASE("random command sequences over every collection type reply as on redis-server",
          "[contract]") {
  run_family(random_cases(kDefaultLimits), kDefaultLimits.family);
}

TEST_CASE("random command sequences that convert encodings reply as on redis-server",
          "[contract]") {
  run_family(random_cases(kLowLimits), kLowLimits.family);
}

TEST_CASE("random string and key command sequences reply as on redis-server", "[contract]") {
  run_family(random_cases(kStrings), kStrings.family);
}

}  // namespace
}  // namespace shardis::test
