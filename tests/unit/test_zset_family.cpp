// The sorted-set family through the engine (commands in, exact RESP out),
// and the skiplist checked against an ordered model under random
// operations.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/zset_type.hpp"
#include "protocol/request_parser.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Engine;
using namespace shardis::test;

const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kNotInteger = error(shardis::err::kNotInteger);
const std::string kNotFloat = error(shardis::err::kNotFloat);
const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kRangeNotFloat = error("ERR min or max is not a float");
const std::string kLexRange = error("ERR min or max not valid string range item");
const std::string kEmpty = "*0\r\n";

// a=1 b=2 c=3 d=4 e=5 under key z.
void abcde(Engine& e) {
  REQUIRE(e.run({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == integer(5));
}

}  // namespace

TEST_CASE("ZADD options and their errors", "[zset]") {
  Engine e;
  run_cases(
      e, {
             {{"zadd", "z", "1", "a", "2", "b"}, integer(2)},
             {{"zadd", "z", "1", "a", "3", "c"}, integer(1)},
             {{"zadd", "z", "ch", "5", "a", "2", "b"}, integer(1)},  // a changed, b did not
             {{"zadd", "z", "nx", "9", "a", "9", "n"}, integer(1)},
             {{"zscore", "z", "a"}, bulk("5")},
             {{"zadd", "z", "xx", "8", "a", "8", "x"}, integer(0)},
             {{"zscore", "z", "a"}, bulk("8")},
             {{"zscore", "z", "x"}, kNil},
             {{"zadd", "z", "gt", "ch", "1", "a", "10", "b", "1", "new"}, integer(2)},
             {{"zscore", "z", "a"}, bulk("8")},
             {{"zscore", "z", "b"}, bulk("10")},
             {{"zadd", "z", "lt", "ch", "1", "a", "20", "b"}, integer(1)},
             {{"zscore", "z", "a"}, bulk("1")},
             {{"zadd", "z", "incr", "2.5", "a"}, bulk("3.5")},
             {{"zadd", "z", "xx", "incr", "1", "nosuch"}, kNil},
             {{"zadd", "z", "nx", "incr", "1", "a"}, kNil},
             {{"zadd", "z", "gt", "incr", "-1", "a"}, kNil},
             {{"zadd", "z", "INCR", "NX", "1", "fresh"}, bulk("1")},
             {{"zadd", "nokey", "xx", "1", "a"}, integer(0)},
             {{"exists", "nokey"}, integer(0)},
             {{"zadd", "nokey", "xx", "incr", "1", "a"}, kNil},
             {{"exists", "nokey"}, integer(0)},
             {{"zadd", "z", "xx", "nx", "1", "a"},
              error("ERR XX and NX options at the same time are not compatible")},
             {{"zadd", "z", "gt", "nx", "1", "a"},
              error("ERR GT, LT, and/or NX options at the same time are not compatible")},
             {{"zadd", "z", "lt", "nx", "1", "a"},
              error("ERR GT, LT, and/or NX options at the same time are not compatible")},
             {{"zadd", "z", "gt", "lt", "1", "a"},
              error("ERR GT, LT, and/or NX options at the same time are not compatible")},
             {{"zadd", "z", "incr", "1", "a", "2", "b"},
              error("ERR INCR option supports a single increment-element pair")},
             {{"zadd", "z", "1", "a", "2"}, kSyntax},
             {{"zadd", "z", "nx", "1"}, kSyntax},
             {{"zadd", "z", "foo", "1", "a"}, kSyntax},
             {{"zadd", "z", "xx", "nx", "1"}, kSyntax},  // the count is checked first
             {{"zadd", "z", "1", "a", "x", "b"}, kNotFloat},
             {{"zadd", "z", "nan", "a"}, kNotFloat},
             {{"zadd", "z", "", "a"}, kNotFloat},
             {{"zadd", "z", " 1", "a"}, kNotFloat},
             {{"zadd", "z", "1 ", "a"}, kNotFloat},
             {{"zadd", "z", "1e400", "a"}, kNotFloat},
             {{"zadd", "z", "1e-400", "a"}, kNotFloat},
             {{"zadd", "z"}, error("ERR wrong number of arguments for 'zadd' command")},
             {{"zadd", "z", "1"}, error("ERR wrong number of arguments for 'zadd' command")},
             {{"zadd", "z", "incr", "inf", "a"}, bulk("inf")},
             {{"zadd", "z", "incr", "-inf", "a"},
              error("ERR resulting score is not a number (NaN)")},
             {{"zscore", "z", "a"}, bulk("inf")},
             {{"zadd", "z", "0x10", "hex"}, integer(1)},  // strtod reads hex
             {{"zscore", "z", "hex"}, bulk("16")},
         });
}

TEST_CASE("Scores are formatted as Redis 7.0 formats them", "[zset]") {
  Engine e;
  const std::pair<const char*, const char*> scores[] = {
      {"0.1", "0.10000000000000001"},
      {"1e20", "1e+20"},
      {"3.0", "3"},
      {"-0", "0"},  // stored as 0, as Redis's compact encoding does
      {"1.5e-7", "1.4999999999999999e-07"},
      {"123456789012345678", "1.2345678901234568e+17"},
      {"1e15", "1000000000000000"},
      {"1e17", "1e+17"},
      {"+inf", "inf"},
      {"-inf", "-inf"},
      {"1e-320", "9.9998886718268301e-321"},
      {"-2.5", "-2.5"},
  };
  for (const auto& [in, out] : scores) {
    INFO(in);
    e.run({"del", "z"});
    CHECK(e.run({"zadd", "z", in, "m"}) == integer(1));
    CHECK(e.run({"zscore", "z", "m"}) == bulk(out));
  }
  // ZADD INCR replies the computed score; the stored one is 0.
  e.run({"del", "z"});
  CHECK(e.run({"zadd", "z", "incr", "-0", "m"}) == bulk("-0"));
  CHECK(e.run({"zscore", "z", "m"}) == bulk("0"));

  e.session().resp = 3;
  run_cases(e, {
                   {{"zadd", "z", "0.1", "a", "inf", "b"}, integer(2)},
                   {{"zscore", "z", "a"}, ",0.10000000000000001\r\n"},
                   {{"zscore", "z", "b"}, ",inf\r\n"},
                   {{"zscore", "z", "nosuch"}, "_\r\n"},
                   {{"zincrby", "z", "1", "m"}, ",1\r\n"},
                   {{"zadd", "z", "incr", "1", "m"}, ",2\r\n"},
                   {{"zmscore", "z", "a", "nosuch"}, "*2\r\n,0.10000000000000001\r\n_\r\n"},
               });
}

TEST_CASE("ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD", "[zset]") {
  Engine e;
  run_cases(e, {
                   {{"zincrby", "z", "2", "a"}, bulk("2")},
                   {{"zincrby", "z", "-0.5", "a"}, bulk("1.5")},
                   {{"zincrby", "z", "x", "a"}, kNotFloat},
                   // ZADD's flags are read first: one element is left
                   {{"zincrby", "z", "nx", "a"}, kSyntax},
                   {{"zincrby", "z", "INCR", "a"}, kSyntax},
                   {{"zincrby", "z", "inf", "a"}, bulk("inf")},
                   {{"zincrby", "z", "-inf", "a"},
                    error("ERR resulting score is not a number (NaN)")},
                   {{"zscore", "z", "a"}, bulk("inf")},
                   {{"zcard", "z"}, integer(1)},
                   {{"zcard", "nokey"}, integer(0)},
                   {{"zscore", "nokey", "a"}, kNil},
                   {{"zmscore", "nokey", "a", "b"}, array_of({kNil, kNil})},
                   {{"zadd", "z", "1", "b", "2", "c"}, integer(2)},
                   {{"zmscore", "z", "c", "zz", "b"}, array_of({bulk("2"), kNil, bulk("1")})},
                   {{"zrem", "nokey", "a"}, integer(0)},
                   {{"zrem", "z", "a", "zz", "a"}, integer(1)},
                   {{"zcard", "z"}, integer(2)},
                   {{"zrem", "z", "b", "c"}, integer(2)},
                   {{"exists", "z"}, integer(0)},  // emptied: deleted
                   {{"type", "z"}, simple("none")},
               });
}

TEST_CASE("ZRANK and ZREVRANK, with and without WITHSCORE", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(e, {
                   {{"zrank", "z", "a"}, integer(0)},
                   {{"zrank", "z", "e"}, integer(4)},
                   {{"zrevrank", "z", "a"}, integer(4)},
                   {{"zrevrank", "z", "e"}, integer(0)},
                   {{"zrank", "z", "nosuch"}, kNil},
                   {{"zrank", "nokey", "a"}, kNil},
                   {{"zrank", "z", "c", "withscore"}, array_of({integer(2), bulk("3")})},
                   {{"zrevrank", "z", "c", "WITHSCORE"}, array_of({integer(2), bulk("3")})},
                   {{"zrank", "z", "nosuch", "withscore"}, "*-1\r\n"},
                   {{"zrevrank", "nokey", "a", "withscore"}, "*-1\r\n"},
                   {{"zrevrank", "z", "nosuch"}, kNil},
                   {{"zrank", "z", "c", "withscores"}, kSyntax},
                   {{"zrank", "z", "c", "withscore", "x"},
                    error("ERR wrong number of arguments for 'zrank' command")},
                   {{"zrevrank", "z", "c", "withscore", "x"},
                    error("ERR wrong number of arguments for 'zrevrank' command")},
               });
  e.session().resp = 3;
  CHECK(e.run({"zrank", "z", "b", "withscore"}) == "*2\r\n:1\r\n,2\r\n");
  CHECK(e.run({"zrank", "z", "nosuch", "withscore"}) == "_\r\n");
}

TEST_CASE("ZCOUNT and ZLEXCOUNT", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(e, {
                   {{"zcount", "z", "-inf", "+inf"}, integer(5)},
                   {{"zcount", "z", "2", "4"}, integer(3)},
                   {{"zcount", "z", "(2", "4"}, integer(2)},
                   {{"zcount", "z", "(2", "(4"}, integer(1)},
                   {{"zcount", "z", "(2", "(2"}, integer(0)},
                   {{"zcount", "z", "4", "2"}, integer(0)},
                   {{"zcount", "z", "2.5", "3.5"}, integer(1)},
                   {{"zcount", "z", "6", "inf"}, integer(0)},
                   {{"zcount", "z", " 1", "1"}, integer(1)},  // strtod skips spaces here
                   {{"zcount", "z", "(", "1"}, integer(1)},   // "(" alone is an open 0
                   {{"zcount", "z", "1 ", "2"}, kRangeNotFloat},
                   {{"zcount", "z", "a", "2"}, kRangeNotFloat},
                   {{"zcount", "z", "nan", "2"}, kRangeNotFloat},
                   {{"zcount", "nokey", "0", "1"}, integer(0)},
                   {{"zcount", "nokey", "x", "1"}, kRangeNotFloat},
               });
  e.run({"del", "z"});
  e.run({"zadd", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"});
  run_cases(e, {
                   {{"zlexcount", "z", "-", "+"}, integer(5)},
                   {{"zlexcount", "z", "[b", "[d"}, integer(3)},
                   {{"zlexcount", "z", "(b", "[d"}, integer(2)},
                   {{"zlexcount", "z", "(b", "(d"}, integer(1)},
                   {{"zlexcount", "z", "[bb", "+"}, integer(3)},
                   {{"zlexcount", "z", "+", "-"}, integer(0)},
                   {{"zlexcount", "z", "-", "-"}, integer(0)},
                   {{"zlexcount", "z", "[d", "[b"}, integer(0)},
                   {{"zlexcount", "z", "[", "+"}, integer(5)},  // "[" is the empty string
                   {{"zlexcount", "z", "b", "d"}, kLexRange},
                   {{"zlexcount", "z", "-x", "+"}, kLexRange},
                   {{"zlexcount", "z", "", "+"}, kLexRange},
                   {{"zlexcount", "nokey", "-", "+"}, integer(0)},
               });
}

TEST_CASE("ZRANGE by rank, ZREVRANGE", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(
      e, {
             {{"zrange", "z", "0", "-1"}, bulks({"a", "b", "c", "d", "e"})},
             {{"zrange", "z", "1", "2"}, bulks({"b", "c"})},
             {{"zrange", "z", "-2", "-1"}, bulks({"d", "e"})},
             {{"zrange", "z", "-100", "1"}, bulks({"a", "b"})},
             {{"zrange", "z", "3", "100"}, bulks({"d", "e"})},
             {{"zrange", "z", "5", "10"}, kEmpty},
             {{"zrange", "z", "2", "1"}, kEmpty},
             {{"zrange", "z", "-1", "-2"}, kEmpty},
             {{"zrange", "z", "0", "0", "withscores"}, bulks({"a", "1"})},
             {{"zrange", "z", "0", "1", "rev", "withscores"}, bulks({"e", "5", "d", "4"})},
             {{"zrange", "z", "0", "1", "withscores", "withscores"}, bulks({"a", "1", "b", "2"})},
             {{"zrevrange", "z", "0", "1"}, bulks({"e", "d"})},
             {{"zrevrange", "z", "-1", "-1", "WITHSCORES"}, bulks({"a", "1"})},
             {{"zrange", "nokey", "0", "-1"}, kEmpty},
             {{"zrange", "z", "a", "1"}, kNotInteger},
             {{"zrange", "z", "0", "1", "foo"}, kSyntax},
             {{"zrange", "z", "0", "1", "limit", "0", "1"},
              error("ERR syntax error, LIMIT is only supported in combination with either "
                    "BYSCORE or BYLEX")},
             // Redis reads "LIMIT x -1" as no LIMIT at all.
             {{"zrange", "z", "0", "0", "limit", "3", "-1"}, bulks({"a"})},
             {{"zrange", "z", "0", "1", "limit", "0"}, kSyntax},
             {{"zrange", "z", "0", "1", "limit", "x", "1"}, kNotInteger},
             {{"zrevrange", "z", "0", "1", "rev"}, kSyntax},
             {{"zrevrange", "z", "0", "1", "byscore"}, kSyntax},
             {{"zrange", "z", "0", "1", "byscore", "bylex"}, kSyntax},
         });
}

TEST_CASE("ZRANGE BYSCORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(
      e, {
             {{"zrange", "z", "2", "4", "byscore"}, bulks({"b", "c", "d"})},
             {{"zrange", "z", "(2", "(4", "byscore"}, bulks({"c"})},
             {{"zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "2"}, bulks({"b", "c"})},
             {{"zrange", "z", "+inf", "-inf", "byscore", "rev", "limit", "1", "2"},
              bulks({"d", "c"})},
             {{"zrange", "z", "4", "(1", "byscore", "rev", "withscores"},
              bulks({"d", "4", "c", "3", "b", "2"})},
             {{"zrange", "z", "(1", "4", "byscore", "rev"}, kEmpty},  // given max first
             {{"zrange", "z", "x", "1", "byscore"}, kRangeNotFloat},
             {{"zrangebyscore", "z", "-inf", "inf"}, bulks({"a", "b", "c", "d", "e"})},
             {{"zrangebyscore", "z", "3", "3", "withscores"}, bulks({"c", "3"})},
             {{"zrangebyscore", "z", "(3", "3"}, kEmpty},
             {{"zrangebyscore", "z", "0", "10", "limit", "0", "0"}, kEmpty},
             {{"zrangebyscore", "z", "0", "10", "limit", "4", "10"}, bulks({"e"})},
             {{"zrangebyscore", "z", "0", "10", "limit", "5", "10"}, kEmpty},
             {{"zrangebyscore", "z", "0", "10", "limit", "-1", "1"}, kEmpty},
             {{"zrangebyscore", "z", "0", "10", "limit", "3", "-5"}, bulks({"d", "e"})},
             {{"zrangebyscore", "z", "2", "10", "limit", "1", "1", "withscores"},
              bulks({"c", "3"})},
             {{"zrangebyscore", "z", "1", "2", "limit", "0"}, kSyntax},
             {{"zrangebyscore", "z", "1", "2", "rev"}, kSyntax},
             {{"zrangebyscore", "z", "1", "2", "bylex"}, kSyntax},
             {{"zrangebyscore", "z", "1", "x"}, kRangeNotFloat},
             {{"zrevrangebyscore", "z", "+inf", "-inf", "limit", "0", "2"}, bulks({"e", "d"})},
             {{"zrevrangebyscore", "z", "(5", "(1", "withscores"},
              bulks({"d", "4", "c", "3", "b", "2"})},
             {{"zrevrangebyscore", "z", "1", "5"}, kEmpty},
             {{"zrevrangebyscore", "z", "5", "0", "limit", "4", "5"}, bulks({"a"})},
             {{"zrevrangebyscore", "z", "5", "0", "limit", "5", "5"}, kEmpty},
             {{"zrangebyscore", "nokey", "0", "1"}, kEmpty},
         });
  // Equal scores order by member bytes.
  e.run({"zadd", "t", "1", "b", "1", "a", "1", "c", "0", "z"});
  CHECK(e.run({"zrangebyscore", "t", "1", "1"}) == bulks({"a", "b", "c"}));
  CHECK(e.run({"zrevrangebyscore", "t", "1", "1"}) == bulks({"c", "b", "a"}));

  e.session().resp = 3;
  CHECK(e.run({"zrangebyscore", "z", "1", "2", "withscores"}) ==
        "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n");
  CHECK(e.run({"zrange", "z", "0", "0"}) == bulks({"a"}));
}

TEST_CASE("ZRANGE BYLEX, ZRANGEBYLEX, ZREVRANGEBYLEX", "[zset]") {
  Engine e;
  e.run({"zadd", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee"});
  run_cases(
      e, {
             {{"zrange", "z", "-", "+", "bylex"}, bulks({"a", "b", "c", "d", "e", "ee"})},
             {{"zrange", "z", "[b", "(d", "bylex"}, bulks({"b", "c"})},
             {{"zrange", "z", "+", "-", "bylex", "rev", "limit", "1", "2"}, bulks({"e", "d"})},
             {{"zrange", "z", "-", "+", "bylex", "withscores"},
              error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")},
             {{"zrange", "z", "a", "c", "bylex"}, kLexRange},
             {{"zrange", "z", "0", "-1", "bylex"}, kLexRange},
             {{"zrangebylex", "z", "[e", "+"}, bulks({"e", "ee"})},
             {{"zrangebylex", "z", "(e", "+"}, bulks({"ee"})},
             {{"zrangebylex", "z", "-", "[c", "limit", "1", "5"}, bulks({"b", "c"})},
             {{"zrangebylex", "z", "-", "+", "withscores"},
              error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")},
             {{"zrangebylex", "z", "-", "+", "limit", "0"}, kSyntax},
             {{"zrangebylex", "z", "[c", "[a"}, kEmpty},
             {{"zrevrangebylex", "z", "+", "-", "limit", "0", "1"}, bulks({"ee"})},
             {{"zrevrangebylex", "z", "[c", "-"}, bulks({"c", "b", "a"})},
             {{"zrevrangebylex", "z", "-", "+"}, kEmpty},
             {{"zrangebylex", "nokey", "-", "+"}, kEmpty},
         });
}

TEST_CASE("ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(e, {
                   {{"zremrangebyrank", "z", "5", "10"}, integer(0)},
                   {{"zremrangebyrank", "z", "3", "1"}, integer(0)},
                   {{"zremrangebyrank", "z", "x", "1"}, kNotInteger},
                   {{"zremrangebyrank", "z", "0", "0"}, integer(1)},
                   {{"zremrangebyrank", "z", "-1", "-1"}, integer(1)},
                   {{"zrange", "z", "0", "-1"}, bulks({"b", "c", "d"})},
                   {{"zremrangebyscore", "z", "(2", "3"}, integer(1)},
                   {{"zremrangebyscore", "z", "x", "3"}, kRangeNotFloat},
                   {{"zremrangebyscore", "z", "10", "20"}, integer(0)},
                   {{"zrange", "z", "0", "-1"}, bulks({"b", "d"})},
                   {{"zremrangebyrank", "z", "-100", "100"}, integer(2)},
                   {{"exists", "z"}, integer(0)},
                   {{"zremrangebyrank", "nokey", "0", "-1"}, integer(0)},
                   {{"zremrangebyscore", "nokey", "0", "1"}, integer(0)},
                   {{"zremrangebylex", "nokey", "-", "+"}, integer(0)},
                   {{"zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d"}, integer(4)},
                   {{"zremrangebylex", "l", "(a", "[c"}, integer(2)},
                   {{"zremrangebylex", "l", "a", "c"}, kLexRange},
                   {{"zrange", "l", "0", "-1"}, bulks({"a", "d"})},
                   {{"zremrangebylex", "l", "-", "+"}, integer(2)},
                   {{"exists", "l"}, integer(0)},
               });
}

TEST_CASE("ZPOPMIN and ZPOPMAX", "[zset]") {
  Engine e;
  abcde(e);
  run_cases(e, {
                   {{"zpopmin", "z"}, bulks({"a", "1"})},
                   {{"zpopmax", "z"}, bulks({"e", "5"})},
                   {{"zpopmin", "z", "2"}, bulks({"b", "2", "c", "3"})},
                   {{"zpopmin", "z", "0"}, kEmpty},
                   {{"zpopmin", "z", "-1"}, error("ERR value is out of range, must be positive")},
                   {{"zpopmin", "z", "x"}, error("ERR value is out of range, must be positive")},
                   {{"zpopmin", "z", "1", "2"}, kSyntax},
                   {{"zpopmax", "z", "10"}, bulks({"d", "4"})},
                   {{"exists", "z"}, integer(0)},
                   {{"zpopmin", "z"}, kEmpty},
                   {{"zpopmax", "nokey", "3"}, kEmpty},
               });
  abcde(e);
  e.session().resp = 3;
  CHECK(e.run({"zpopmin", "z"}) == "*2\r\n$1\r\na\r\n,1\r\n");
  CHECK(e.run({"zpopmax", "z", "2"}) == "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n");
  CHECK(e.run({"zpopmax", "z", "1"}) == "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n");
}

TEST_CASE("Sorted-set commands on other types and other commands on sorted sets", "[zset]") {
  Engine e;
  e.run({"set", "s", "v"});
  e.run({"hset", "h", "f", "v"});
  e.run({"zadd", "z", "1", "m"});
  const std::vector<shardis::Args> zset_commands = {
      {"zadd", "s", "1", "m"},        {"zincrby", "s", "1", "m"},
      {"zrem", "s", "m"},             {"zscore", "s", "m"},
      {"zmscore", "s", "m"},          {"zcard", "s"},
      {"zcount", "s", "0", "1"},      {"zlexcount", "s", "-", "+"},
      {"zrank", "s", "m"},            {"zrevrank", "s", "m"},
      {"zrange", "s", "0", "-1"},     {"zrevrange", "s", "0", "-1"},
      {"zrangebyscore", "s", "0", "1"}, {"zrevrangebyscore", "s", "1", "0"},
      {"zrangebylex", "s", "-", "+"}, {"zrevrangebylex", "s", "+", "-"},
      {"zremrangebyrank", "s", "0", "1"}, {"zremrangebyscore", "s", "0", "1"},
      {"zremrangebylex", "s", "-", "+"}, {"zpopmin", "s"},
      {"zpopmax", "s", "2"},          {"zpopmin", "s", "0"},
  };
  for (shardis::Args cmd : zset_commands) {
    INFO(describe(cmd));
    CHECK(e.run(cmd) == kWrongType);
    cmd[1] = "h";
    CHECK(e.run(cmd) == kWrongType);
  }
  run_cases(e, {
                   {{"get", "z"}, kWrongType},
                   {{"append", "z", "x"}, kWrongType},
                   {{"incrbyfloat", "z", "1"}, kWrongType},
                   {{"hget", "z", "f"}, kWrongType},
                   {{"lcs", "z", "s"}, error("ERR The specified keys must contain string values")},
                   {{"type", "z"}, simple("zset")},
                   {{"object", "encoding", "z"}, bulk("listpack")},
                   {{"scan", "0", "type", "zset"}, array_of({bulk("0"), bulks({"z"})})},
                   {{"zadd", "z", "2", "n"}, integer(1)},
                   {{"copy", "z", "c"}, integer(1)},
                   {{"zadd", "c", "5", "m"}, integer(0)},
                   {{"zscore", "z", "m"}, bulk("1")},  // a deep copy
                   {{"zrange", "c", "0", "-1", "withscores"}, bulks({"n", "2", "m", "5"})},
                   {{"rename", "c", "r"}, kOk},
                   {{"zrange", "r", "0", "-1"}, bulks({"n", "m"})},
                   {{"mset", "r", "x"}, kOk},  // replaces the sorted set
                   {{"get", "r"}, bulk("x")},
               });
}

TEST_CASE("Sorted-set writes keep the TTL and count as modifications", "[zset]") {
  Engine e;
  abcde(e);
  REQUIRE(e.run({"expire", "z", "100"}) == integer(1));
  const uint64_t base = dirty(e);
  e.run({"zadd", "z", "1", "a"});          // no change
  e.run({"zadd", "z", "nx", "9", "a"});    // no change
  e.run({"zrem", "z", "nosuch"});          // no change
  e.run({"zremrangebyscore", "z", "100", "200"});
  e.run({"zrange", "z", "0", "-1"});
  CHECK(dirty(e) == base);
  e.run({"zadd", "z", "7", "a"});
  e.run({"zincrby", "z", "1", "b"});
  e.run({"zrem", "z", "c"});
  e.run({"zpopmin", "z"});
  e.run({"zremrangebyrank", "z", "0", "0"});
  CHECK(dirty(e) == base + 5);
  CHECK(e.run({"ttl", "z"}) == integer(100));
  e.server().clock.advance(std::chrono::milliseconds(100001));
  CHECK(e.run({"zcard", "z"}) == integer(0));
  CHECK(e.run({"exists", "z"}) == integer(0));
}

// ---------------------------------------------------------------------------
// ZRANGESTORE, ZMPOP, ZRANDMEMBER
// ---------------------------------------------------------------------------

TEST_CASE("ZRANGESTORE", "[zset]") {
  Engine e;
  abcde(e);
  e.run({"set", "str", "v"});
  run_cases(
      e, {
             {{"zrangestore", "d", "z", "1", "2"}, integer(2)},
             {{"zrange", "d", "0", "-1", "withscores"}, bulks({"b", "2", "c", "3"})},
             {{"zrangestore", "d", "z", "(1", "+inf", "byscore", "limit", "1", "2"}, integer(2)},
             {{"zrange", "d", "0", "-1", "withscores"}, bulks({"c", "3", "d", "4"})},
             {{"zrangestore", "d", "z", "+inf", "4", "byscore", "rev"}, integer(2)},
             {{"zrange", "d", "0", "-1"}, bulks({"d", "e"})},
             {{"zrangestore", "d", "z", "0", "1", "rev"}, integer(2)},
             {{"zrange", "d", "0", "-1"}, bulks({"d", "e"})},
             // An empty range deletes the destination, as does a missing source.
             {{"zrangestore", "d", "z", "5", "10"}, integer(0)},
             {{"exists", "d"}, integer(0)},
             {{"set", "d", "x", "ex", "100"}, kOk},
             {{"zrangestore", "d", "nokey", "0", "-1"}, integer(0)},
             {{"exists", "d"}, integer(0)},
             // Any old value goes with its TTL.
             {{"set", "d", "x", "ex", "100"}, kOk},
             {{"zrangestore", "d", "z", "0", "0"}, integer(1)},
             {{"ttl", "d"}, integer(-1)},
             {{"type", "d"}, simple("zset")},
             {{"zrangestore", "z", "z", "0", "1"}, integer(2)},  // onto its own source
             {{"zrange", "z", "0", "-1"}, bulks({"a", "b"})},
             {{"zrangestore", "d", "str", "0", "-1"}, kWrongType},
             {{"zrangestore", "str", "z", "0", "0"}, integer(1)},
             {{"type", "str"}, simple("zset")},
             {{"zrangestore", "d", "z", "0", "-1", "withscores"}, kSyntax},
             {{"zrangestore", "d", "z", "0", "-1", "limit", "0", "1"},
              error("ERR syntax error, LIMIT is only supported in combination with either "
                    "BYSCORE or BYLEX")},
             {{"zrangestore", "d", "z", "x", "1"}, kNotInteger},
             {{"zrangestore", "d", "z", "x", "1", "byscore"}, kRangeNotFloat},
             {{"zrangestore", "d", "z", "a", "c", "bylex"}, kLexRange},
             {{"zrangestore", "d", "z", "0"},
              error("ERR wrong number of arguments for 'zrangestore' command")},
         });
  // Scores are stored as they were, -0 as 0.
  e.run({"zadd", "s", "0.1", "a", "-inf", "b"});
  CHECK(e.run({"zrangestore", "d", "s", "[a", "[b", "bylex"}) == integer(2));
  CHECK(e.run({"zrange", "d", "0", "-1", "withscores"}) ==
        bulks({"b", "-inf", "a", "0.10000000000000001"}));
}

TEST_CASE("ZMPOP", "[zset]") {
  Engine e;
  abcde(e);
  e.run({"zadd", "y", "9", "p"});
  e.run({"set", "str", "v"});
  auto popped = [](const std::string& key, std::initializer_list<std::string> pairs) {
    return "*2\r\n" + bulk(key) + "*" + std::to_string(pairs.size()) + "\r\n" +
           std::accumulate(pairs.begin(), pairs.end(), std::string());
  };
  const std::string kNumkeys = error("ERR numkeys should be greater than 0");
  const std::string kCount = error("ERR count should be greater than 0");
  run_cases(e, {
                   {{"zmpop", "1", "z", "min"}, popped("z", {bulks({"a", "1"})})},
                   {{"zmpop", "2", "nokey", "z", "MAX", "count", "2"},
                    popped("z", {bulks({"e", "5"}), bulks({"d", "4"})})},
                   {{"zmpop", "2", "z", "y", "min", "COUNT", "10"},
                    popped("z", {bulks({"b", "2"}), bulks({"c", "3"})})},
                   {{"exists", "z"}, integer(0)},
                   {{"zmpop", "2", "z", "y", "max"}, popped("y", {bulks({"p", "9"})})},
                   {{"zmpop", "2", "z", "y", "max"}, "*-1\r\n"},
                   {{"zmpop", "1", "str", "min"}, kWrongType},
                   {{"zmpop", "2", "nokey", "str", "min"}, kWrongType},
                   {{"zmpop", "0", "z", "min"}, kNumkeys},
                   {{"zmpop", "-1", "z", "min"}, kNumkeys},
                   {{"zmpop", "x", "z", "min"}, kNumkeys},
                   {{"zmpop", "2", "z", "min"}, kSyntax},
                   {{"zmpop", "9223372036854775807", "z", "min"}, kSyntax},
                   {{"zmpop", "1", "z", "middle"}, kSyntax},
                   {{"zmpop", "1", "z", "min", "count"}, kSyntax},
                   {{"zmpop", "1", "z", "min", "count", "1", "count", "1"}, kSyntax},
                   {{"zmpop", "1", "z", "min", "limit", "1"}, kSyntax},
                   {{"zmpop", "1", "z", "min", "count", "0"}, kCount},
                   {{"zmpop", "1", "z", "min", "count", "-1"}, kCount},
                   {{"zmpop", "1", "z", "min", "count", "x"}, kCount},
                   {{"zmpop", "1", "z"}, error("ERR wrong number of arguments for 'zmpop' command")},
               });
  e.session().resp = 3;
  e.run({"zadd", "z", "1.5", "a", "inf", "b"});
  CHECK(e.run({"zmpop", "1", "z", "max", "count", "5"}) ==
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,inf\r\n*2\r\n$1\r\na\r\n,1.5\r\n");
  CHECK(e.run({"zmpop", "1", "z", "max"}) == "_\r\n");
}

namespace {

// A non-empty RESP2 array of bulk strings, decoded by the request parser
// (a request has the same shape); the whole reply must be that array.
std::vector<std::string> decode_bulks(const std::string& reply) {
  shardis::protocol::RequestParser parser;
  size_t consumed = 0;
  REQUIRE(parser.feed(reply.data(), reply.size(), &consumed) ==
          shardis::protocol::ParseStatus::kCommand);
  CHECK(consumed == reply.size());
  return parser.command();
}

}  // namespace

TEST_CASE("ZRANDMEMBER picks members, distinct for a positive count", "[zset]") {
  Engine e;
  abcde(e);
  const std::map<std::string, std::string> scores = {
      {"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}};

  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::vector<std::string> one = decode_bulks("*1\r\n" + e.run({"zrandmember", "z"}));
    REQUIRE(one.size() == 1);
    CHECK(scores.count(one[0]) == 1);
    seen.insert(one[0]);
  }
  CHECK(seen.size() == 5);  // 200 draws miss a member with probability 5 * 0.8^200

  for (int count = 1; count <= 7; ++count) {
    INFO("count " << count);
    const std::vector<std::string> got =
        decode_bulks(e.run({"zrandmember", "z", std::to_string(count)}));
    CHECK(got.size() == static_cast<size_t>(std::min(count, 5)));
    CHECK(std::set<std::string>(got.begin(), got.end()).size() == got.size());
    for (const std::string& m : got) CHECK(scores.count(m) == 1);

    const std::vector<std::string> pairs =
        decode_bulks(e.run({"zrandmember", "z", std::to_string(count), "WITHSCORES"}));
    REQUIRE(pairs.size() == 2 * static_cast<size_t>(std::min(count, 5)));
    std::set<std::string> members;
    for (size_t i = 0; i < pairs.size(); i += 2) {
      REQUIRE(scores.count(pairs[i]) == 1);
      CHECK(scores.at(pairs[i]) == pairs[i + 1]);
      members.insert(pairs[i]);
    }
    CHECK(members.size() == pairs.size() / 2);
  }

  // A negative count picks independently: as many as asked, repeats and all.
  const std::vector<std::string> many = decode_bulks(e.run({"zrandmember", "z", "-100"}));
  CHECK(many.size() == 100);
  for (const std::string& m : many) CHECK(scores.count(m) == 1);
  CHECK(std::set<std::string>(many.begin(), many.end()).size() == 5);
  const std::vector<std::string> many_pairs =
      decode_bulks(e.run({"zrandmember", "z", "-7", "withscores"}));
  REQUIRE(many_pairs.size() == 14);
  for (size_t i = 0; i < many_pairs.size(); i += 2)
    CHECK(scores.at(many_pairs[i]) == many_pairs[i + 1]);

  // A bigger set, so the distinct draw path (count well below the size) runs.
  for (int i = 0; i < 100; ++i) e.run({"zadd", "big", std::to_string(i), "m" + std::to_string(i)});
  const std::vector<std::string> ten = decode_bulks(e.run({"zrandmember", "big", "10"}));
  CHECK(std::set<std::string>(ten.begin(), ten.end()).size() == 10);
  const std::vector<std::string> sixty = decode_bulks(e.run({"zrandmember", "big", "60"}));
  CHECK(std::set<std::string>(sixty.begin(), sixty.end()).size() == 60);
  for (const std::string& m : sixty) CHECK(m.rfind("m", 0) == 0);

  e.run({"set", "str", "v"});
  const std::string kRange = error(
      "ERR value is out of range, value must between -9223372036854775807 and "
      "9223372036854775807");
  run_cases(e, {
                   {{"zrandmember", "nokey"}, kNil},
                   {{"zrandmember", "nokey", "5"}, kEmpty},
                   {{"zrandmember", "nokey", "-5", "withscores"}, kEmpty},
                   {{"zrandmember", "z", "0"}, kEmpty},
                   {{"zrandmember", "z", "0", "withscores"}, kEmpty},
                   {{"zrandmember", "str"}, kWrongType},
                   {{"zrandmember", "str", "0"}, kWrongType},
                   {{"zrandmember", "str", "x"}, kNotInteger},
                   {{"zrandmember", "z", "1.5"}, kNotInteger},
                   {{"zrandmember", "z", "1", "foo"}, kSyntax},
                   {{"zrandmember", "z", "1", "withscores", "x"}, kSyntax},
                   {{"zrandmember", "z", "-9223372036854775808"}, kRange},
                   {{"zrandmember", "z", "4611686018427387904", "withscores"},
                    error("ERR value is out of range")},
                   {{"zrandmember", "z", "-4611686018427387904", "withscores"},
                    error("ERR value is out of range")},
                   {{"zrandmember", "str", "4611686018427387904", "withscores"},
                    error("ERR value is out of range")},
               });
  CHECK(decode_bulks(e.run({"zrandmember", "z", "4611686018427387903", "withscores"})).size() ==
        10);
  CHECK(decode_bulks(e.run({"zrandmember", "z", "9223372036854775807"})).size() == 5);

  e.session().resp = 3;
  e.run({"zadd", "one", "0.5", "m"});
  CHECK(e.run({"zrandmember", "one", "1", "withscores"}) == "*1\r\n*2\r\n$1\r\nm\r\n,0.5\r\n");
  CHECK(e.run({"zrandmember", "one", "-2", "withscores"}) ==
        "*2\r\n*2\r\n$1\r\nm\r\n,0.5\r\n*2\r\n$1\r\nm\r\n,0.5\r\n");
  CHECK(e.run({"zrandmember", "one", "-2"}) == "*2\r\n$1\r\nm\r\n$1\r\nm\r\n");
  CHECK(e.run({"zrandmember", "nokey"}) == "_\r\n");
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF and relatives
// ---------------------------------------------------------------------------

namespace {

// a: x=1 y=2 z=3, b: y=10 z=20 w=30, a string at str.
void algebra_inputs(Engine& e) {
  REQUIRE(e.run({"zadd", "a", "1", "x", "2", "y", "3", "z"}) == integer(3));
  REQUIRE(e.run({"zadd", "b", "10", "y", "20", "z", "30", "w"}) == integer(3));
  REQUIRE(e.run({"set", "str", "v"}) == kOk);
}

std::string needs_key(const std::string& command) {
  return error("ERR at least 1 input key is needed for '" + command + "' command");
}

}  // namespace

TEST_CASE("ZUNION, ZINTER and ZDIFF", "[zset][algebra]") {
  Engine e;
  algebra_inputs(e);
  run_cases(
      e, {
             {{"zunion", "2", "a", "b"}, bulks({"x", "y", "z", "w"})},
             {{"zunion", "2", "a", "b", "withscores"},
              bulks({"x", "1", "y", "12", "z", "23", "w", "30"})},
             {{"zunion", "2", "a", "b", "weights", "2", "0.5", "withscores"},
              bulks({"x", "2", "y", "9", "w", "15", "z", "16"})},
             {{"zunion", "2", "a", "b", "aggregate", "min", "withscores"},
              bulks({"x", "1", "y", "2", "z", "3", "w", "30"})},
             {{"zunion", "2", "a", "b", "AGGREGATE", "MAX", "WITHSCORES"},
              bulks({"x", "1", "y", "10", "z", "20", "w", "30"})},
             {{"zunion", "2", "a", "b", "withscores", "aggregate", "sum", "weights", "1", "1"},
              bulks({"x", "1", "y", "12", "z", "23", "w", "30"})},
             // Options may repeat; the last one counts.
             {{"zunion", "2", "a", "b", "weights", "1", "2", "weights", "3", "4", "withscores"},
              bulks({"x", "3", "y", "46", "z", "89", "w", "120"})},
             {{"zunion", "1", "a", "weights", "0.1", "withscores"},
              bulks({"x", "0.10000000000000001", "y", "0.20000000000000001", "z",
                     "0.30000000000000004"})},
             {{"zunion", "2", "a", "nokey"}, bulks({"x", "y", "z"})},
             {{"zunion", "1", "nokey"}, kEmpty},
             {{"zinter", "2", "a", "b", "withscores"}, bulks({"y", "12", "z", "23"})},
             {{"zinter", "2", "a", "b", "aggregate", "min", "aggregate", "max", "withscores"},
              bulks({"y", "10", "z", "20"})},
             {{"zinter", "2", "a", "b", "weights", "-1", "1", "aggregate", "min"},
              bulks({"z", "y"})},
             {{"zinter", "2", "a", "nokey"}, kEmpty},
             {{"zinter", "1", "a"}, bulks({"x", "y", "z"})},
             {{"zdiff", "2", "a", "b", "withscores"}, bulks({"x", "1"})},
             {{"zdiff", "2", "b", "a", "withscores"}, bulks({"w", "30"})},
             {{"zdiff", "1", "a"}, bulks({"x", "y", "z"})},
             {{"zdiff", "2", "a", "a"}, kEmpty},
             {{"zdiff", "2", "nokey", "a"}, kEmpty},
             {{"zdiff", "2", "a", "nokey", "withscores", "withscores"},
              bulks({"x", "1", "y", "2", "z", "3"})},
         });
  e.session().resp = 3;
  CHECK(e.run({"zinter", "2", "a", "b", "withscores"}) ==
        "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n");
  CHECK(e.run({"zdiff", "2", "a", "b", "withscores"}) == "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n");
  CHECK(e.run({"zunion", "2", "a", "b"}) == bulks({"x", "y", "z", "w"}));
}

TEST_CASE("ZUNION family errors come in Redis's order", "[zset][algebra]") {
  Engine e;
  algebra_inputs(e);
  const std::string kWeight = error("ERR weight value is not a float");
  run_cases(
      e, {
             {{"zunion", "0", "a"}, needs_key("zunion")},
             {{"zinter", "-1", "a"}, needs_key("zinter")},
             {{"zdiff", "0", "a"}, needs_key("zdiff")},
             {{"zunionstore", "d", "0", "a"}, needs_key("zunionstore")},
             {{"zinterstore", "d", "0", "a"}, needs_key("zinterstore")},
             {{"zdiffstore", "d", "0", "a"}, needs_key("zdiffstore")},
             {{"zintercard", "0", "a"}, needs_key("zintercard")},
             {{"zunion", "x", "a"}, kNotInteger},
             {{"zunion", "1.0", "a"}, kNotInteger},
             {{"zunionstore", "d", "x", "a"}, kNotInteger},
             {{"zunion", "3", "a", "b"}, kSyntax},
             {{"zintercard", "3", "a", "b"}, kSyntax},
             {{"zdiffstore", "d", "2", "a"}, kSyntax},
             // Types are checked before the options are read.
             {{"zunion", "2", "a", "str", "foo"}, kWrongType},
             {{"zinter", "2", "str", "a", "weights", "1", "x"}, kWrongType},
             {{"zunion", "2", "a", "b", "weights", "1"}, kSyntax},  // one weight per key
             {{"zunion", "2", "a", "b", "weights", "1", "2", "3"}, kSyntax},
             {{"zunion", "2", "a", "b", "weights", "1", "x"}, kWeight},
             {{"zunion", "1", "a", "weights", "nan"}, kWeight},
             {{"zunion", "1", "a", "weights", " 1"}, kWeight},
             {{"zunion", "1", "a", "weights", ""}, kWeight},
             {{"zunion", "2", "a", "b", "aggregate", "avg"}, kSyntax},
             {{"zunion", "2", "a", "b", "aggregate"}, kSyntax},
             {{"zunion", "2", "a", "b", "limit", "1"}, kSyntax},
             {{"zdiff", "2", "a", "b", "weights", "1", "2"}, kSyntax},
             {{"zdiff", "2", "a", "b", "aggregate", "sum"}, kSyntax},
             {{"zunionstore", "d", "2", "a", "b", "withscores"}, kSyntax},
             {{"zintercard", "2", "a", "b", "withscores"}, kSyntax},
             {{"zintercard", "2", "a", "b", "weights", "1", "1"}, kSyntax},
             {{"zunion", "1"}, error("ERR wrong number of arguments for 'zunion' command")},
             {{"zunionstore", "d", "1"},
              error("ERR wrong number of arguments for 'zunionstore' command")},
             {{"exists", "d"}, integer(0)},
         });
}

TEST_CASE("ZUNION scores: inf, NaN as 0, -0, order of summation", "[zset][algebra]") {
  Engine e;
  e.run({"zadd", "i", "inf", "p", "-inf", "q"});
  e.run({"zadd", "zero", "0", "m"});
  run_cases(
      e, {
             {{"zunion", "2", "i", "i", "withscores"}, bulks({"q", "-inf", "p", "inf"})},
             // inf * 0 is NaN, which counts as 0.
             {{"zunion", "1", "i", "weights", "0", "withscores"}, bulks({"p", "0", "q", "0"})},
             {{"zinter", "1", "i", "weights", "0", "withscores"}, bulks({"p", "0", "q", "0"})},
             // inf + -inf is NaN, which counts as 0.
             {{"zunion", "2", "i", "i", "weights", "1", "-1", "withscores"},
              bulks({"p", "0", "q", "0"})},
             {{"zinter", "2", "i", "i", "weights", "1", "-1", "withscores"},
              bulks({"p", "0", "q", "0"})},
             {{"zinter", "2", "i", "i", "weights", "1", "-1", "aggregate", "min", "withscores"},
              bulks({"p", "-inf", "q", "-inf"})},
             {{"zinter", "2", "i", "i", "weights", "0", "1", "aggregate", "max", "withscores"},
              bulks({"q", "0", "p", "inf"})},
             {{"zunion", "2", "i", "i", "weights", "1", "0", "aggregate", "min", "withscores"},
              bulks({"q", "-inf", "p", "0"})},
             // A later input's NaN product is not zeroed in ZINTER: MIN and
             // MAX keep the first input's value.
             {{"zinter", "2", "i", "i", "weights", "1", "0", "aggregate", "min", "withscores"},
              bulks({"q", "-inf", "p", "inf"})},
             // A reply keeps -0; a stored set holds 0.
             {{"zunion", "1", "zero", "weights", "-1", "withscores"}, bulks({"m", "-0"})},
             {{"zunionstore", "d", "1", "zero", "weights", "-1"}, integer(1)},
             {{"zscore", "d", "m"}, bulk("0")},
         });
  // Inputs are summed from the smallest to the largest, ties in the order
  // given: 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last digit.
  e.run({"zadd", "s1", "0.1", "m"});
  e.run({"zadd", "s2", "0.2", "m", "1", "n"});
  e.run({"zadd", "s3", "0.3", "m", "1", "n", "2", "o"});
  e.run({"zadd", "t1", "0.1", "m"});
  e.run({"zadd", "t2", "0.2", "m"});
  e.run({"zadd", "t3", "0.3", "m"});
  run_cases(e, {
                   {{"zunion", "3", "s3", "s2", "s1", "withscores"},
                    bulks({"m", "0.60000000000000009", "n", "2", "o", "2"})},
                   {{"zinter", "3", "s3", "s2", "s1", "withscores"},
                    bulks({"m", "0.60000000000000009"})},
                   {{"zunion", "3", "t3", "t2", "t1", "withscores"},
                    bulks({"m", "0.59999999999999998"})},
                   {{"zunion", "3", "t1", "t2", "t3", "withscores"},
                    bulks({"m", "0.60000000000000009"})},
               });
}

TEST_CASE("ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE", "[zset][algebra]") {
  Engine e;
  algebra_inputs(e);
  run_cases(
      e, {
             {{"zunionstore", "d", "2", "a", "b", "weights", "1", "2", "aggregate", "max"},
              integer(4)},
             {{"zrange", "d", "0", "-1", "withscores"},
              bulks({"x", "1", "y", "20", "z", "40", "w", "60"})},
             {{"zinterstore", "d", "2", "a", "b"}, integer(2)},
             {{"zrange", "d", "0", "-1", "withscores"}, bulks({"y", "12", "z", "23"})},
             {{"zdiffstore", "d", "2", "b", "a"}, integer(1)},
             {{"zrange", "d", "0", "-1", "withscores"}, bulks({"w", "30"})},
             // The destination is replaced whatever it held, TTL included.
             {{"set", "d", "v", "ex", "100"}, kOk},
             {{"zunionstore", "d", "1", "a"}, integer(3)},
             {{"ttl", "d"}, integer(-1)},
             {{"type", "d"}, simple("zset")},
             {{"zunionstore", "str", "1", "a"}, integer(3)},
             {{"type", "str"}, simple("zset")},
             // An empty result deletes it.
             {{"zinterstore", "d", "2", "a", "nokey"}, integer(0)},
             {{"exists", "d"}, integer(0)},
             {{"zdiffstore", "d", "1", "nokey"}, integer(0)},
             {{"exists", "d"}, integer(0)},
             // A destination that is also an input.
             {{"zunionstore", "a", "2", "a", "b"}, integer(4)},
             {{"zrange", "a", "0", "-1", "withscores"},
              bulks({"x", "1", "y", "12", "z", "23", "w", "30"})},
             {{"zdiffstore", "a", "2", "a", "b"}, integer(1)},
             {{"zrange", "a", "0", "-1"}, bulks({"x"})},
             {{"set", "s", "v"}, kOk},
             {{"zinterstore", "d", "2", "a", "s"}, kWrongType},
         });
  // A store reports the write (WATCH sees it) only when it changed a key.
  const uint64_t base = dirty(e);
  e.run({"zinterstore", "nothing", "2", "a", "nokey"});
  CHECK(dirty(e) == base);
  e.run({"zunionstore", "d", "1", "a"});
  CHECK(dirty(e) == base + 1);
  e.run({"zinterstore", "d", "2", "a", "nokey"});
  CHECK(dirty(e) == base + 2);
}

TEST_CASE("ZINTERCARD", "[zset][algebra]") {
  Engine e;
  algebra_inputs(e);
  e.run({"zadd", "c", "1", "x", "1", "y", "1", "z", "1", "q"});
  run_cases(e, {
                   {{"zintercard", "2", "a", "b"}, integer(2)},
                   {{"zintercard", "2", "a", "c"}, integer(3)},
                   {{"zintercard", "2", "a", "c", "limit", "2"}, integer(2)},
                   {{"zintercard", "2", "a", "c", "LIMIT", "0"}, integer(3)},
                   {{"zintercard", "2", "a", "c", "limit", "100"}, integer(3)},
                   {{"zintercard", "2", "a", "c", "limit", "1", "limit", "5"}, integer(3)},
                   {{"zintercard", "1", "nokey"}, integer(0)},
                   {{"zintercard", "2", "a", "nokey"}, integer(0)},
                   {{"zintercard", "2", "a", "c", "limit", "-1"},
                    error("ERR LIMIT can't be negative")},
                   {{"zintercard", "2", "a", "c", "limit", "x"},
                    error("ERR LIMIT can't be negative")},
                   {{"zintercard", "2", "a", "c", "limit"}, kSyntax},
                   {{"zintercard", "2", "a", "str"}, kWrongType},
               });
}

TEST_CASE("Sets are sorted-set inputs whose members score 1", "[zset][algebra]") {
  Engine e;
  algebra_inputs(e);
  e.run({"sadd", "s", "x", "w", "q"});      // a hashtable set
  e.run({"sadd", "n", "1", "2", "3"});      // an intset
  e.run({"zadd", "nz", "5", "2", "7", "9"});
  run_cases(
      e, {
             {{"zunion", "2", "a", "s", "withscores"},
              bulks({"q", "1", "w", "1", "x", "2", "y", "2", "z", "3"})},
             {{"zinter", "2", "a", "s", "weights", "1", "10", "withscores"},
              bulks({"x", "11"})},
             {{"zdiff", "2", "a", "s", "withscores"}, bulks({"y", "2", "z", "3"})},
             {{"zdiff", "2", "s", "a", "withscores"}, bulks({"q", "1", "w", "1"})},
             {{"zintercard", "2", "s", "a"}, integer(1)},
             {{"zinterstore", "d", "2", "s", "s", "weights", "2", "3"}, integer(3)},
             {{"zrange", "d", "0", "-1", "withscores"}, bulks({"q", "5", "w", "5", "x", "5"})},
             // Members of an intset are read as text.
             {{"zinter", "2", "n", "n", "weights", "2", "3", "withscores"},
              bulks({"1", "5", "2", "5", "3", "5"})},
             {{"zdiff", "2", "n", "nz", "withscores"}, bulks({"1", "1", "3", "1"})},
             {{"zunion", "2", "nz", "n", "withscores"},
              bulks({"1", "1", "3", "1", "2", "6", "9", "7"})},
             {{"zinter", "2", "n", "nz", "aggregate", "max", "withscores"}, bulks({"2", "5"})},
             {{"zunionstore", "d", "1", "n"}, integer(3)},
             {{"type", "d"}, simple("zset")},
             {{"zrange", "s", "0", "-1"}, kWrongType},  // only the algebra reads sets
         });
}

TEST_CASE("An input given twice is walked once, whatever its table's rehashing", "[zset][algebra]") {
  Engine e;
  for (int i = 0; i < 300; ++i) {
    const std::string m = "m" + std::to_string(i);
    e.run({"sadd", "s", m});
    e.run({"zadd", "z", std::to_string(i), m});
    INFO("members: " << i + 1);
    const std::string n = std::to_string(i + 1);
    REQUIRE(e.run({"zintercard", "2", "s", "s"}) == ":" + n + "\r\n");
    REQUIRE(e.run({"zinterstore", "d", "3", "s", "s", "z"}) == ":" + n + "\r\n");
    REQUIRE(e.run({"zunionstore", "d", "3", "s", "s", "z"}) == ":" + n + "\r\n");
    REQUIRE(e.run({"zdiff", "2", "s", "s"}) == kEmpty);
    REQUIRE(e.run({"zdiff", "2", "z", "z"}) == kEmpty);
  }
  CHECK(e.run({"zscore", "d", "m299"}) == bulk("301"));
}

TEST_CASE("Sorted-set commands with numkeys declare their keys", "[zset][algebra]") {
  Engine e;
  const std::string kInvalid = error("ERR Invalid arguments specified for command");
  run_cases(e, {
                   {{"command", "getkeys", "zunionstore", "d", "2", "a", "b"},
                    bulks({"d", "a", "b"})},
                   {{"command", "getkeys", "zunion", "2", "a", "b", "weights", "1", "2"},
                    bulks({"a", "b"})},
                   {{"command", "getkeys", "zdiffstore", "d", "1", "a"}, bulks({"d", "a"})},
                   {{"command", "getkeys", "zintercard", "1", "a", "limit", "3"}, bulks({"a"})},
                   {{"command", "getkeys", "zmpop", "2", "a", "b", "min"}, bulks({"a", "b"})},
                   {{"command", "getkeys", "zrangestore", "d", "s", "0", "1"},
                    bulks({"d", "s"})},
                   {{"command", "getkeys", "zunion", "0", "a"}, kInvalid},
                   {{"command", "getkeys", "zunion", "3", "a", "b"}, kInvalid},
                   {{"command", "getkeys", "zunionstore", "d", "x", "a"}, kInvalid},
                   {{"command", "getkeys", "zmpop", "0", "a", "min"}, kInvalid},
               });
}

// ---------------------------------------------------------------------------
// The skiplist against a model
// ---------------------------------------------------------------------------

TEST_CASE("SkipList ranks and ranges match an ordered model", "[zset][skiplist]") {
  using shardis::LexBound;
  using shardis::LexRange;
  using shardis::ScoreRange;
  using shardis::SkipList;
  using Model = std::set<std::pair<double, std::string>>;

  std::mt19937 rng(42);
  SkipList list;
  Model model;
  std::map<std::string, double> score_of;
  // The list views member bytes owned by Dict nodes, as in a sorted set.
  shardis::Dict<double> owner;
  auto owned = [&](const std::string& m) { return owner.insert(m).first->key(); };
  auto random_member = [&] { return "m" + std::to_string(rng() % 300); };
  auto random_score = [&] { return static_cast<double>(static_cast<int>(rng() % 40) - 20) / 2; };

  auto check_walk = [&] {
    REQUIRE(list.size() == model.size());
    const SkipList::Node* n = list.first();
    const SkipList::Node* prev = nullptr;
    for (const auto& [score, member] : model) {
      REQUIRE(n != nullptr);
      CHECK(n->score == score);
      CHECK(n->member() == member);
      CHECK(n->prev() == prev);
      prev = n;
      n = n->next();
    }
    CHECK(n == nullptr);
    CHECK(list.last() == prev);
  };

  for (int step = 0; step < 4000; ++step) {
    const std::string member = random_member();
    const auto found = score_of.find(member);
    if (rng() % 3 != 0 && found != score_of.end() && rng() % 2 == 0) {
      // A new score in place of the old one: often a small move (in place
      // between the same neighbours), sometimes anywhere.
      const double s = rng() % 4 == 0 ? random_score() : found->second + 0.125;
      list.update_score(found->second, owned(member), s);
      model.erase({found->second, member});
      model.emplace(s, member);
      found->second = s;
    } else if (rng() % 3 != 0) {
      if (found != score_of.end()) {
        REQUIRE(list.erase(found->second, found->first));
        model.erase({found->second, member});
        score_of.erase(found);
      }
      const double s = random_score();
      const auto it = score_of.emplace(member, s).first;
      list.insert(s, owned(it->first));
      model.emplace(s, member);
    } else if (found != score_of.end()) {
      CHECK(list.erase(found->second, found->first));
      CHECK_FALSE(list.erase(found->second, found->first));
      model.erase({found->second, member});
      score_of.erase(found);
    }
    if (step % 200 == 0) check_walk();
  }
  check_walk();

  // Every rank both ways.
  uint64_t rank = 1;
  for (const auto& [score, member] : model) {
    CHECK(list.rank(score, member) == rank);
    const SkipList::Node* n = list.at_rank(rank);
    REQUIRE(n != nullptr);
    CHECK(n->member() == member);
    ++rank;
  }
  CHECK(list.at_rank(0) == nullptr);
  CHECK(list.at_rank(model.size() + 1) == nullptr);
  CHECK(list.rank(0.25, "m1") == 0);  // no such score

  // Random score ranges: first and last in range as the model finds them.
  for (int i = 0; i < 500; ++i) {
    ScoreRange r{random_score(), random_score(), rng() % 2 == 0, rng() % 2 == 0};
    std::vector<std::pair<double, std::string>> in;
    for (const auto& e : model)
      if (r.above_min(e.first) && r.below_max(e.first)) in.push_back(e);
    const SkipList::Node* first = list.first_in(r);
    const SkipList::Node* last = list.last_in(r);
    if (in.empty()) {
      CHECK(first == nullptr);
      CHECK(last == nullptr);
    } else {
      REQUIRE(first != nullptr);
      REQUIRE(last != nullptr);
      CHECK(std::make_pair(first->score, std::string(first->member())) == in.front());
      CHECK(std::make_pair(last->score, std::string(last->member())) == in.back());
    }
  }

  // Random lex ranges over a set whose scores are all equal.
  SkipList lex;
  std::set<std::string> names;
  for (int i = 0; i < 300; ++i) names.insert("k" + std::to_string(rng() % 1000));
  for (const std::string& n : names) lex.insert(0, owned(n));
  for (int i = 0; i < 500; ++i) {
    LexRange r;
    r.min = {LexBound::Kind::kValue, "k" + std::to_string(rng() % 1000), rng() % 2 == 0};
    r.max = {LexBound::Kind::kValue, "k" + std::to_string(rng() % 1000), rng() % 2 == 0};
    if (i % 10 == 0) r.min = {LexBound::Kind::kMinusInf, "", true};
    if (i % 15 == 0) r.max = {LexBound::Kind::kPlusInf, "", true};
    std::vector<std::string> in;
    for (const std::string& n : names)
      if (r.above_min(n) && r.below_max(n)) in.push_back(n);
    const SkipList::Node* first = lex.first_in(r);
    const SkipList::Node* last = lex.last_in(r);
    if (in.empty()) {
      CHECK(first == nullptr);
      CHECK(last == nullptr);
    } else {
      REQUIRE(first != nullptr);
      REQUIRE(last != nullptr);
      CHECK(first->member() == in.front());
      CHECK(last->member() == in.back());
    }
  }
}

TEST_CASE("SkipList range removal keeps spans right", "[zset][skiplist]") {
  using shardis::ScoreRange;
  using shardis::SkipList;
  std::mt19937 rng(7);
  std::vector<std::string> members;
  for (int i = 0; i < 500; ++i) members.push_back("m" + std::to_string(i));
  shardis::Dict<double> owner;  // owns the member bytes, as in a sorted set
  auto owned = [&](const std::string& m) { return owner.insert(m).first->key(); };
  SkipList list;
  std::set<std::pair<double, std::string>> model;
  for (const std::string& m : members) {
    const double s = rng() % 50;
    list.insert(s, owned(m));
    model.emplace(s, m);
  }
  std::vector<std::string> erased;
  const size_t n = list.erase_range(ScoreRange{10, 20, true, false},
                                    [&](std::string_view m) { erased.emplace_back(m); });
  size_t expected = 0;
  for (auto it = model.begin(); it != model.end();) {
    if (it->first > 10 && it->first <= 20) {
      it = model.erase(it);
      ++expected;
    } else {
      ++it;
    }
  }
  CHECK(n == expected);
  CHECK(erased.size() == expected);
  const size_t by_rank = list.erase_rank_range(5, 54, [](std::string_view) {});
  CHECK(by_rank == 50);
  model.erase(std::next(model.begin(), 4), std::next(model.begin(), 54));
  REQUIRE(list.size() == model.size());
  uint64_t rank = 1;
  for (const auto& [score, member] : model) {
    CHECK(list.rank(score, member) == rank);
    CHECK(list.at_rank(rank)->member() == member);
    ++rank;
  }
}

TEST_CASE("A sorted set is a listpack until a member would cross a limit", "[zset][encoding]") {
  Engine e;
  const std::string fits(64, 'm'), too_long(65, 'm');
  const std::string kListpack = bulk("listpack"), kSkiplist = bulk("skiplist");
  run_cases(e, {
                   {{"config", "get", "zset-max-ziplist-entries"},
                    bulks({"zset-max-ziplist-entries", "128"})},
                   {{"config", "set", "zset-max-listpack-entries", "3"}, kOk},
                   {{"zadd", "z", "3", "c", "1", "a", "2", "b"}, integer(3)},
                   {{"object", "encoding", "z"}, kListpack},
                   {{"zscan", "z", "0", "count", "1"},
                    array_of({bulk("0"), bulks({"a", "1", "b", "2", "c", "3"})})},
                   {{"zadd", "z", "4", "d"}, integer(1)},
                   {{"object", "encoding", "z"}, kSkiplist},
                   {{"zremrangebyrank", "z", "0", "2"}, integer(3)},
                   {{"object", "encoding", "z"}, kSkiplist},  // never back
                   {{"zrange", "z", "0", "-1", "withscores"}, bulks({"d", "4"})},
                   // By length: only the member counts, 64 bytes fit.
                   {{"zadd", "v", "1", fits}, integer(1)},
                   {{"object", "encoding", "v"}, kListpack},
                   {{"zadd", "v", "2", too_long}, integer(1)},
                   {{"object", "encoding", "v"}, kSkiplist},
                   {{"zincrby", "w", "1", too_long}, bulk("1")},
                   {{"object", "encoding", "w"}, kSkiplist},
                   // Stores decide by their result: 2 members of a skiplist
                   // make a listpack, 4 do not.
                   {{"zadd", "big", "1", "a", "2", "b", "3", "c", "4", "d"}, integer(4)},
                   {{"object", "encoding", "big"}, kSkiplist},
                   {{"zrangestore", "dst", "big", "0", "1"}, integer(2)},
                   {{"object", "encoding", "dst"}, kListpack},
                   {{"zunionstore", "u", "1", "big"}, integer(4)},
                   {{"object", "encoding", "u"}, kSkiplist},
                   {{"zinterstore", "i", "2", "big", "dst"}, integer(2)},
                   {{"object", "encoding", "i"}, kListpack},
                   {{"zrange", "i", "0", "-1", "withscores"}, bulks({"a", "2", "b", "4"})},
                   // COPY keeps the representation, as Redis's does.
                   {{"zremrangebyscore", "big", "2", "4"}, integer(3)},
                   {{"copy", "big", "big2"}, integer(1)},
                   {{"object", "encoding", "big2"}, kSkiplist},
                   {{"copy", "dst", "dst2"}, integer(1)},
                   {{"object", "encoding", "dst2"}, kListpack},
               });
}

TEST_CASE("Lowered sorted-set limits apply when a member is added, not updated",
          "[zset][encoding]") {
  Engine e;
  abcde(e);
  run_cases(e, {
                   {{"config", "set", "zset-max-ziplist-entries", "2"}, kOk},
                   {{"zadd", "z", "9", "a"}, integer(0)},
                   {{"zincrby", "z", "1", "b"}, bulk("3")},
                   {{"zadd", "z", "xx", "ch", "0", "c"}, integer(1)},
                   {{"object", "encoding", "z"}, bulk("listpack")},
                   {{"zrange", "z", "0", "-1", "withscores"},
                    bulks({"c", "0", "b", "3", "d", "4", "e", "5", "a", "9"})},
                   {{"zadd", "z", "nx", "1", "f"}, integer(1)},
                   {{"object", "encoding", "z"}, bulk("skiplist")},
                   {{"config", "set", "zset-max-listpack-entries", "0"}, kOk},
                   {{"zadd", "y", "1", "a"}, integer(1)},
                   {{"object", "encoding", "y"}, bulk("skiplist")},
                   {{"zadd", "none", "xx", "1", "a"}, integer(0)},
                   {{"exists", "none"}, integer(0)},
                   {{"config", "set", "zset-max-listpack-entries", "128"}, kOk},
                   {{"config", "set", "zset-max-listpack-value", "-1"},
                    error("ERR CONFIG SET failed (possibly related to argument "
                          "'zset-max-listpack-value') - argument must be a memory value")},
               });
}

TEST_CASE("Listpack scores keep every double exactly", "[zset][encoding]") {
  Engine e;
  // Integers up to 2^53 are packed as integers, the rest as doubles.
  run_cases(e, {
                   {{"zadd", "z", "9007199254740992", "a", "-9007199254740992", "b", "0.5", "c",
                     "9007199254740994", "d", "-0", "e", "inf", "f", "-inf", "g", "1e300", "h",
                     "-3", "i", "255", "j", "256", "k"},
                    integer(11)},
                   {{"object", "encoding", "z"}, bulk("listpack")},
                   {{"zrange", "z", "0", "-1", "withscores"},
                    bulks({"g", "-inf", "b", "-9007199254740992", "i", "-3", "e", "0", "c", "0.5",
                           "j", "255", "k", "256", "a", "9007199254740992", "d",
                           "9007199254740994", "h", "1.0000000000000001e+300", "f", "inf"})},
                   {{"zscore", "z", "b"}, bulk("-9007199254740992")},
                   {{"zrank", "z", "c"}, integer(4)},
                   {{"zrevrank", "z", "c"}, integer(6)},
               });
}
