// The list family through the engine (commands in, exact RESP out), and
// ListType against a std::deque model under random operations.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/list_type.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Args;
using shardis::Engine;
using shardis::ListType;
using namespace shardis::test;

const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kNotInteger = error(shardis::err::kNotInteger);
const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kPositive = error(shardis::err::kPositive);
const std::string kOutOfRange = error("ERR index out of range");
const std::string kEmpty = "*0\r\n";
const std::string kNullArray = "*-1\r\n";
const std::string kNull3 = "_\r\n";

std::string arity(const std::string& name) {
  return error("ERR wrong number of arguments for '" + name + "' command");
}

// The list stored at key in db 0 (the key must hold one).
ListType& stored_list(Engine& e, const std::string& key) {
  return e.shards().shard_for(key).db(0).keys().find(key)->object<ListType>();
}

}  // namespace

TEST_CASE("LPUSH, RPUSH, LPUSHX, RPUSHX, LLEN, LRANGE", "[list]") {
  Engine e;
  run_cases(e, {
                   {{"llen", "l"}, integer(0)},
                   {{"lrange", "l", "0", "-1"}, kEmpty},
                   {{"lpushx", "l", "a"}, integer(0)},
                   {{"rpushx", "l", "a", "b"}, integer(0)},
                   {{"exists", "l"}, integer(0)},  // the X forms create nothing
                   {{"rpush", "l", "c", "d"}, integer(2)},
                   {{"lpush", "l", "b", "a"}, integer(4)},  // each goes to the head in turn
                   {{"lrange", "l", "0", "-1"}, bulks({"a", "b", "c", "d"})},
                   {{"lpushx", "l", "0"}, integer(5)},
                   {{"rpushx", "l", "e", ""}, integer(7)},
                   {{"llen", "l"}, integer(7)},
                   {{"lrange", "l", "0", "-1"}, bulks({"0", "a", "b", "c", "d", "e", ""})},
                   {{"lpush", "l"}, arity("lpush")},
                   {{"rpushx", "l"}, arity("rpushx")},
                   {{"llen"}, arity("llen")},
               });
}

TEST_CASE("LRANGE clamps its indexes as Redis does", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c", "d", "e"});
  run_cases(e, {
                   {{"lrange", "l", "1", "2"}, bulks({"b", "c"})},
                   {{"lrange", "l", "-2", "-1"}, bulks({"d", "e"})},
                   {{"lrange", "l", "-100", "1"}, bulks({"a", "b"})},
                   {{"lrange", "l", "3", "100"}, bulks({"d", "e"})},
                   {{"lrange", "l", "5", "10"}, kEmpty},
                   {{"lrange", "l", "3", "2"}, kEmpty},
                   {{"lrange", "l", "0", "-6"}, kEmpty},
                   {{"lrange", "l", "-1", "-1"}, bulks({"e"})},
                   {{"lrange", "l", "-9223372036854775808", "9223372036854775807"},
                    bulks({"a", "b", "c", "d", "e"})},
                   {{"lrange", "l", "x", "1"}, kNotInteger},
                   {{"lrange", "l", "0", "1.5"}, kNotInteger},
                   {{"lrange", "l", "+1", "2"}, kNotInteger},
                   {{"lrange", "nokey", "x", "1"}, kNotInteger},  // numbers first, then the key
                   {{"lrange", "l", "0"}, arity("lrange")},
               });
}

TEST_CASE("LPOP and RPOP with and without a count, RESP2 and RESP3", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c", "d", "e", "f"});
  run_cases(e, {
                   {{"lpop", "l"}, bulk("a")},
                   {{"rpop", "l"}, bulk("f")},
                   {{"lpop", "l", "2"}, bulks({"b", "c"})},
                   {{"rpop", "l", "1"}, bulks({"e"})},
                   {{"lpop", "l", "0"}, kEmpty},
                   {{"rpop", "l", "-1"}, kPositive},
                   {{"lpop", "l", "x"}, kPositive},
                   {{"lpop", "l", "1", "2"}, arity("lpop")},
                   {{"rpop", "l", "1", "2"}, arity("rpop")},
                   {{"rpop", "l", "10"}, bulks({"d"})},
                   {{"exists", "l"}, integer(0)},  // gone with its last element
                   {{"lpop", "l"}, kNil},
                   {{"lpop", "l", "1"}, kNullArray},
                   {{"lpop", "l", "0"}, kNullArray},  // the key is looked up before count 0
                   {{"rpop", "l", "-1"}, kPositive},
                   {{"rpush", "r", "1", "2", "3", "4"}, integer(4)},
                   {{"rpop", "r", "3"}, bulks({"4", "3", "2"})},  // tail first
                   {{"rpop", "r"}, bulk("1")},
                   {{"exists", "r"}, integer(0)},
               });
  e.session().resp = 3;
  run_cases(e, {
                   {{"lpop", "l"}, kNull3},
                   {{"rpop", "l", "2"}, kNull3},
                   {{"lpop", "l", "0"}, kNull3},
                   {{"rpush", "l", "x"}, integer(1)},
                   {{"lpop", "l", "0"}, kEmpty},
                   {{"lpop", "l", "5"}, bulks({"x"})},
               });
}

TEST_CASE("LINDEX and LSET, negative and out-of-range indexes", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c"});
  run_cases(e, {
                   {{"lindex", "l", "0"}, bulk("a")},
                   {{"lindex", "l", "2"}, bulk("c")},
                   {{"lindex", "l", "-1"}, bulk("c")},
                   {{"lindex", "l", "-3"}, bulk("a")},
                   {{"lindex", "l", "3"}, kNil},
                   {{"lindex", "l", "-4"}, kNil},
                   {{"lindex", "l", "x"}, kNotInteger},
                   {{"lindex", "nokey", "x"}, kNil},  // the key is looked up first
                   {{"lset", "l", "1", "B"}, kOk},
                   {{"lset", "l", "-1", "C"}, kOk},
                   {{"lset", "l", "-3", "A"}, kOk},
                   {{"lrange", "l", "0", "-1"}, bulks({"A", "B", "C"})},
                   {{"lset", "l", "3", "x"}, kOutOfRange},
                   {{"lset", "l", "-4", "x"}, kOutOfRange},
                   {{"lset", "l", "x", "x"}, kNotInteger},
                   {{"lset", "nokey", "x", "v"}, error("ERR no such key")},
                   {{"lset", "nokey", "0", "v"}, error("ERR no such key")},
                   {{"lset", "l", "0", std::string(10000, 'x')}, kOk},  // larger than a node
                   {{"lindex", "l", "0"}, bulk(std::string(10000, 'x'))},
                   {{"lindex", "l", "1"}, bulk("B")},
               });
  e.session().resp = 3;
  run_cases(e, {{{"lindex", "l", "9"}, kNull3}, {{"lindex", "nokey", "0"}, kNull3}});
}

TEST_CASE("LINSERT before, after, with a missing pivot or key", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "a"});
  run_cases(e, {
                   {{"linsert", "l", "before", "a", "x"}, integer(4)},  // the first pivot only
                   {{"linsert", "l", "AFTER", "a", "y"}, integer(5)},
                   {{"linsert", "l", "after", "b", "z"}, integer(6)},
                   {{"lrange", "l", "0", "-1"}, bulks({"x", "a", "y", "b", "z", "a"})},
                   {{"linsert", "l", "after", "nosuch", "q"}, integer(-1)},
                   {{"linsert", "l", "middle", "a", "q"}, kSyntax},
                   {{"linsert", "nokey", "before", "a", "q"}, integer(0)},
                   {{"exists", "nokey"}, integer(0)},
                   {{"linsert", "nokey", "middle", "a", "q"}, kSyntax},  // checked before the key
                   {{"linsert", "l", "before", "a"}, arity("linsert")},
               });
}

TEST_CASE("LREM from the head, from the tail, all", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "a", "c", "a", "b", "a"});
  run_cases(e, {
                   {{"lrem", "l", "2", "a"}, integer(2)},
                   {{"lrange", "l", "0", "-1"}, bulks({"b", "c", "a", "b", "a"})},
                   {{"lrem", "l", "-1", "b"}, integer(1)},
                   {{"lrange", "l", "0", "-1"}, bulks({"b", "c", "a", "a"})},
                   {{"lrem", "l", "0", "a"}, integer(2)},
                   {{"lrange", "l", "0", "-1"}, bulks({"b", "c"})},
                   {{"lrem", "l", "0", "nosuch"}, integer(0)},
                   {{"lrem", "l", "-9223372036854775808", "c"}, integer(1)},
                   {{"lrem", "l", "x", "b"}, kNotInteger},
                   {{"lrem", "nokey", "x", "b"}, kNotInteger},
                   {{"lrem", "nokey", "1", "b"}, integer(0)},
                   {{"lrem", "l", "1", "b"}, integer(1)},
                   {{"exists", "l"}, integer(0)},
               });
}

TEST_CASE("LTRIM keeps a range and deletes an emptied list", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c", "d", "e"});
  run_cases(e, {
                   {{"ltrim", "l", "1", "-2"}, kOk},
                   {{"lrange", "l", "0", "-1"}, bulks({"b", "c", "d"})},
                   {{"ltrim", "l", "-100", "100"}, kOk},
                   {{"lrange", "l", "0", "-1"}, bulks({"b", "c", "d"})},
                   {{"ltrim", "l", "1", "1"}, kOk},
                   {{"lrange", "l", "0", "-1"}, bulks({"c"})},
                   {{"ltrim", "l", "x", "1"}, kNotInteger},
                   {{"ltrim", "nokey", "x", "1"}, kNotInteger},
                   {{"ltrim", "nokey", "0", "1"}, kOk},
                   {{"ltrim", "l", "1", "0"}, kOk},
                   {{"exists", "l"}, integer(0)},
                   {{"rpush", "l", "a", "b"}, integer(2)},
                   {{"ltrim", "l", "5", "10"}, kOk},
                   {{"exists", "l"}, integer(0)},
               });
}

TEST_CASE("LPOS with RANK, COUNT and MAXLEN", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c", "a", "b", "a"});
  const std::string kRankZero = error(
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
      "use negative to start from the end of the list");
  run_cases(
      e, {
             {{"lpos", "l", "a"}, integer(0)},
             {{"lpos", "l", "b"}, integer(1)},
             {{"lpos", "l", "z"}, kNil},
             {{"lpos", "l", "a", "rank", "2"}, integer(3)},
             {{"lpos", "l", "a", "rank", "-1"}, integer(5)},
             {{"lpos", "l", "a", "rank", "-3"}, integer(0)},
             {{"lpos", "l", "a", "rank", "4"}, kNil},
             {{"lpos", "l", "a", "count", "0"}, array_of({integer(0), integer(3), integer(5)})},
             {{"lpos", "l", "a", "count", "2"}, array_of({integer(0), integer(3)})},
             {{"lpos", "l", "a", "count", "2", "rank", "-1"}, array_of({integer(5), integer(3)})},
             {{"lpos", "l", "a", "rank", "2", "count", "0"}, array_of({integer(3), integer(5)})},
             {{"lpos", "l", "z", "count", "1"}, kEmpty},
             {{"lpos", "l", "a", "maxlen", "3"}, integer(0)},
             {{"lpos", "l", "a", "rank", "2", "maxlen", "3"}, kNil},
             {{"lpos", "l", "a", "rank", "-1", "maxlen", "1"}, integer(5)},
             {{"lpos", "l", "a", "rank", "-2", "maxlen", "2"}, kNil},
             {{"lpos", "l", "a", "count", "0", "maxlen", "4"}, array_of({integer(0), integer(3)})},
             {{"lpos", "l", "a", "RANK", "1", "rank", "-1"}, integer(5)},  // the last wins
             // Redis's long arithmetic: from the tail, every match.
             {{"lpos", "l", "a", "rank", "-9223372036854775808", "count", "1"},
              array_of({integer(5), integer(3), integer(0)})},
             {{"lpos", "l", "a", "rank", "-9223372036854775808"}, integer(5)},
             {{"lpos", "l", "a", "rank", "0"}, kRankZero},
             {{"lpos", "l", "a", "rank", "x"}, kNotInteger},
             {{"lpos", "l", "a", "count", "-1"}, error("ERR COUNT can't be negative")},
             {{"lpos", "l", "a", "count", "-0"}, error("ERR COUNT can't be negative")},
             {{"lpos", "l", "a", "count", "x"}, error("ERR COUNT can't be negative")},
             {{"lpos", "l", "a", "maxlen", "-1"}, error("ERR MAXLEN can't be negative")},
             {{"lpos", "l", "a", "rank"}, kSyntax},
             {{"lpos", "l", "a", "foo", "1"}, kSyntax},
             {{"lpos", "nokey", "a"}, kNil},
             {{"lpos", "nokey", "a", "count", "0"}, kEmpty},
             {{"lpos", "nokey", "a", "rank", "0"}, kRankZero},  // options before the key
             {{"lpos", "l"}, arity("lpos")},
         });
  e.session().resp = 3;
  run_cases(e, {{{"lpos", "l", "z"}, kNull3}, {{"lpos", "nokey", "z", "count", "1"}, kEmpty}});
}

TEST_CASE("LMOVE and RPOPLPUSH, between keys and on one key", "[list]") {
  Engine e;
  e.run({"rpush", "src", "a", "b", "c"});
  run_cases(e, {
                   {{"lmove", "src", "dst", "left", "right"}, bulk("a")},
                   {{"lmove", "src", "dst", "RIGHT", "LEFT"}, bulk("c")},
                   {{"lrange", "dst", "0", "-1"}, bulks({"c", "a"})},
                   {{"rpoplpush", "src", "dst"}, bulk("b")},
                   {{"exists", "src"}, integer(0)},
                   {{"lrange", "dst", "0", "-1"}, bulks({"b", "c", "a"})},
                   {{"rpoplpush", "dst", "dst"}, bulk("a")},  // a rotation
                   {{"lrange", "dst", "0", "-1"}, bulks({"a", "b", "c"})},
                   {{"lmove", "dst", "dst", "left", "right"}, bulk("a")},
                   {{"lmove", "dst", "dst", "left", "left"}, bulk("b")},
                   {{"lrange", "dst", "0", "-1"}, bulks({"b", "c", "a"})},
                   {{"lmove", "nokey", "dst", "left", "left"}, kNil},
                   {{"rpoplpush", "nokey", "dst"}, kNil},
                   {{"lmove", "nokey", "dst", "up", "left"}, kSyntax},
                   {{"lmove", "dst", "x", "left", "down"}, kSyntax},
                   {{"rpush", "one", "x"}, integer(1)},
                   {{"rpoplpush", "one", "one"}, bulk("x")},  // a single element survives
                   {{"lrange", "one", "0", "-1"}, bulks({"x"})},
                   {{"lmove", "src"}, arity("lmove")},
               });
  e.session().resp = 3;
  run_cases(e, {{{"rpoplpush", "nokey", "dst"}, kNull3}});
}

TEST_CASE("LMPOP: numkeys, direction, count, the first non-empty key", "[list]") {
  Engine e;
  e.run({"rpush", "b", "1", "2", "3"});
  e.run({"rpush", "c", "x"});
  run_cases(
      e,
      {
          {{"lmpop", "2", "a", "b", "left"}, array_of({bulk("b"), bulks({"1"})})},
          {{"lmpop", "3", "a", "b", "c", "RIGHT", "COUNT", "5"},
           array_of({bulk("b"), bulks({"3", "2"})})},
          {{"exists", "b"}, integer(0)},
          {{"lmpop", "1", "c", "left", "count", "1"}, array_of({bulk("c"), bulks({"x"})})},
          {{"lmpop", "2", "a", "c", "left"}, kNullArray},
          {{"lmpop", "0", "a", "left"}, error("ERR numkeys should be greater than 0")},
          {{"lmpop", "-1", "a", "left"}, error("ERR numkeys should be greater than 0")},
          {{"lmpop", "x", "a", "left"}, error("ERR numkeys should be greater than 0")},
          {{"lmpop", "2", "a", "left"}, kSyntax},
          {{"lmpop", "9223372036854775807", "a", "left"}, kSyntax},
          {{"lmpop", "1", "a", "up"}, kSyntax},
          {{"lmpop", "1", "a", "left", "count", "0"}, error("ERR count should be greater than 0")},
          {{"lmpop", "1", "a", "left", "count", "x"}, error("ERR count should be greater than 0")},
          {{"lmpop", "1", "a", "left", "count"}, kSyntax},
          {{"lmpop", "1", "a", "left", "count", "1", "count", "1"}, kSyntax},
          {{"lmpop", "1", "a", "left", "foo"}, kSyntax},
          {{"lmpop", "1", "a"}, arity("lmpop")},
      });
  e.session().resp = 3;
  run_cases(e, {{{"lmpop", "1", "a", "left"}, kNull3}});
}

TEST_CASE("List commands on other types and other commands on lists", "[list]") {
  Engine e;
  e.run({"set", "s", "v"});
  e.run({"rpush", "l", "a", "b"});
  e.run({"rpush", "l2", "x"});
  run_cases(e, {
                   {{"lpush", "s", "a"}, kWrongType},
                   {{"rpush", "s", "a"}, kWrongType},
                   {{"lpushx", "s", "a"}, kWrongType},
                   {{"rpushx", "s", "a"}, kWrongType},
                   {{"lpop", "s"}, kWrongType},
                   {{"rpop", "s", "0"}, kWrongType},
                   {{"llen", "s"}, kWrongType},
                   {{"lrange", "s", "0", "-1"}, kWrongType},
                   {{"lindex", "s", "0"}, kWrongType},
                   {{"lindex", "s", "x"}, kWrongType},
                   {{"lset", "s", "0", "v"}, kWrongType},
                   {{"linsert", "s", "before", "a", "b"}, kWrongType},
                   {{"lrem", "s", "0", "a"}, kWrongType},
                   {{"ltrim", "s", "0", "1"}, kWrongType},
                   {{"lpos", "s", "a"}, kWrongType},
                   {{"lmove", "s", "l", "left", "left"}, kWrongType},
                   {{"lmove", "l", "s", "left", "left"}, kWrongType},
                   {{"lmove", "nokey", "s", "left", "left"}, kNil},  // dst unchecked: src is empty
                   {{"rpoplpush", "l", "s"}, kWrongType},
                   {{"lrange", "l", "0", "-1"}, bulks({"a", "b"})},  // nothing popped
                   {{"lmpop", "2", "nokey", "s", "left"}, kWrongType},
                   {{"lmpop", "2", "l2", "s", "left"}, array_of({bulk("l2"), bulks({"x"})})},
                   {{"get", "l"}, kWrongType},
                   {{"append", "l", "x"}, kWrongType},
                   {{"hget", "l", "f"}, kWrongType},
                   {{"zadd", "l", "1", "m"}, kWrongType},
                   {{"type", "l"}, simple("list")},
                   {{"object", "encoding", "l"}, bulk("quicklist")},
                   {{"scan", "0", "type", "list"}, array_of({bulk("0"), bulks({"l"})})},
                   {{"set", "l", "now a string"}, kOk},
                   {{"type", "l"}, simple("string")},
               });
}

TEST_CASE("Lists move, copy and expire as whole values", "[list]") {
  Engine e;
  run_cases(e, {
                   {{"rpush", "l", "a", "b", "c"}, integer(3)},
                   {{"copy", "l", "c"}, integer(1)},
                   {{"lset", "c", "0", "changed"}, kOk},
                   {{"lindex", "l", "0"}, bulk("a")},  // a deep copy
                   {{"lrange", "c", "0", "-1"}, bulks({"changed", "b", "c"})},
                   {{"object", "encoding", "c"}, bulk("quicklist")},
                   {{"rename", "c", "r"}, kOk},
                   {{"lrange", "r", "0", "-1"}, bulks({"changed", "b", "c"})},
                   {{"move", "r", "1"}, integer(1)},
                   {{"select", "1"}, kOk},
                   {{"llen", "r"}, integer(3)},
                   {{"select", "0"}, kOk},
                   {{"expire", "l", "10"}, integer(1)},
                   {{"rpush", "l", "d"}, integer(4)},
                   {{"lpop", "l"}, bulk("a")},
                   {{"lset", "l", "0", "x"}, kOk},
                   {{"ttl", "l"}, integer(10)},  // writes keep the TTL
               });
  e.server().clock.advance(std::chrono::milliseconds(10001));
  run_cases(e, {
                   {{"llen", "l"}, integer(0)},
                   {{"lpushx", "l", "x"}, integer(0)},
                   {{"rpush", "l", "new"}, integer(1)},
                   {{"ttl", "l"}, integer(-1)},  // a new list, no TTL
               });
}

TEST_CASE("List writes count as modifications", "[list]") {
  Engine e;
  e.run({"rpush", "l", "a", "b", "c"});
  uint64_t base = dirty(e);
  e.run({"lrange", "l", "0", "-1"});
  e.run({"lpushx", "nokey", "a"});
  e.run({"lrem", "l", "0", "nosuch"});
  e.run({"linsert", "l", "before", "nosuch", "x"});
  e.run({"lpop", "l", "0"});
  e.run({"lpos", "l", "a"});
  e.run({"lmove", "nokey", "l", "left", "left"});
  CHECK(dirty(e) == base);  // reads and no-op writes change nothing
  e.run({"lpush", "l", "x"});
  e.run({"lset", "l", "0", "y"});
  e.run({"linsert", "l", "before", "y", "z"});
  e.run({"lrem", "l", "1", "z"});
  e.run({"lpop", "l"});
  CHECK(dirty(e) == base + 5);
  base = dirty(e);
  e.run({"rpoplpush", "l", "other"});  // both keys
  CHECK(dirty(e) == base + 2);
}

TEST_CASE("List command metadata matches Redis 7.0", "[list][meta]") {
  using namespace shardis;
  // name, then arity, flags and key positions as redis-cli prints COMMAND
  // INFO for it.
  const std::pair<const char*, const char*> infos[] = {
      {"lpush", "-3 write denyoom fast 1 1 1"},
      {"rpush", "-3 write denyoom fast 1 1 1"},
      {"lpushx", "-3 write denyoom fast 1 1 1"},
      {"rpushx", "-3 write denyoom fast 1 1 1"},
      {"lpop", "-2 write fast 1 1 1"},
      {"rpop", "-2 write fast 1 1 1"},
      {"lrange", "4 readonly 1 1 1"},
      {"llen", "2 readonly fast 1 1 1"},
      {"lindex", "3 readonly 1 1 1"},
      {"lset", "4 write denyoom 1 1 1"},
      {"lrem", "4 write 1 1 1"},
      {"ltrim", "4 write 1 1 1"},
      {"linsert", "5 write denyoom 1 1 1"},
      {"lpos", "-3 readonly 1 1 1"},
      {"lmove", "5 write denyoom 1 2 1"},
      {"rpoplpush", "3 write denyoom 1 2 1"},
      {"lmpop", "-4 write movablekeys 0 0 0"},
  };
  for (const auto& [name, info] : infos) {
    INFO(name);
    const CommandSpec* spec = CommandTable::instance().find(name);
    REQUIRE(spec != nullptr);
    std::string line = std::to_string(spec->arity);
    for (uint32_t bit = 1; bit < (1u << 24); bit <<= 1)
      if (spec->flags & bit) line += " " + std::string(flag_name(static_cast<CommandFlag>(bit)));
    for (int k : {spec->first_key, spec->last_key, spec->key_step}) line += " " + std::to_string(k);
    CHECK(line == info);
    CHECK((spec->group == "list" && !spec->summary.empty() && !spec->syntax.empty()));
  }
  // LMPOP's keys follow numkeys, as COMMAND GETKEYS reports them.
  Engine e;
  run_cases(e,
            {
                {{"command", "getkeys", "lmpop", "2", "a", "b", "left"}, bulks({"a", "b"})},
                {{"command", "getkeys", "lmpop", "3", "a", "b", "left"}, bulks({"a", "b", "left"})},
                {{"command", "getkeys", "lmpop", "0", "a", "left"},
                 error("ERR Invalid arguments specified for command")},
                {{"command", "getkeys", "lmove", "a", "b", "left", "left"}, bulks({"a", "b"})},
                {{"command", "getkeys", "rpoplpush", "a", "b"}, bulks({"a", "b"})},
            });
}

TEST_CASE("list-max-listpack-size decides the nodes of new lists", "[list][config]") {
  Engine e;
  run_cases(
      e, {
             {{"config", "get", "list-max-listpack-size"}, bulks({"list-max-listpack-size", "-2"})},
             {{"config", "get", "list-max-ziplist-size"}, bulks({"list-max-ziplist-size", "-2"})},
         });
  Args push{"rpush", "small"};
  for (int i = 0; i < 1000; ++i) push.push_back("element-" + std::to_string(i));
  e.run(push);
  // ~13 bytes an element: 8 KB nodes hold a few hundred.
  CHECK(stored_list(e, "small").node_count() == 2);

  CHECK(e.run({"config", "set", "list-max-listpack-size", "3"}) == kOk);
  push[1] = "three";
  e.run(push);
  CHECK(stored_list(e, "three").node_count() == 334);  // 3 elements a node
  CHECK(stored_list(e, "small").node_count() == 2);    // fixed when a list is created
  CHECK(e.run({"config", "set", "list-max-ziplist-size", "-1"}) == kOk);
  push[1] = "four-kb";
  e.run(push);
  CHECK(stored_list(e, "four-kb").node_count() == 4);
  CHECK(e.run({"lrange", "four-kb", "998", "-1"}) == bulks({"element-998", "element-999"}));
  CHECK(e.run({"config", "set", "list-max-listpack-size", "-2147483649"}) ==
        error("ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - "
              "argument must be between -2147483648 and 2147483647 inclusive"));
}

TEST_CASE("ListType: nodes split on inserts and merge again on deletes", "[list][type]") {
  ListType l(4);  // four elements a node
  for (int i = 0; i < 16; ++i) l.push(ListType::End::kTail, std::to_string(i));
  CHECK(l.node_count() == 4);
  l.insert(2, "x");  // into a full node: it splits
  CHECK(l.node_count() == 5);
  CHECK(l.at(2) == "x");
  CHECK(l.at(3) == "2");
  CHECK(l.invariants_hold());
  l.erase(1, 12);
  CHECK(l.size() == 5);
  CHECK(l.node_count() == 2);  // what is left fits in two nodes
  CHECK(l.invariants_hold());
  CHECK(l.remove("0", 0) == 1);
  CHECK(l.node_count() == 1);
  CHECK(l.at(0) == "12");
  // An element larger than a node gets a node of its own.
  ListType big;
  big.push(ListType::End::kTail, "a");
  big.push(ListType::End::kTail, std::string(20000, 'b'));
  big.push(ListType::End::kTail, "c");
  CHECK(big.node_count() == 3);
  big.set(1, "small");
  CHECK(big.node_count() == 1);
  CHECK(big.invariants_hold());
}

namespace {

// One random operation on both the list and the model.
void random_step(std::mt19937_64& rng, ListType& l, std::deque<std::string>& model, int step) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  // Mostly small elements, sometimes ones near or over a node's size.
  auto element = [&] {
    static const size_t kSizes[] = {0, 1, 5, 17, 100, 300, 1000, 5000, 9000};
    const size_t size = kSizes[pick(std::size(kSizes))] + pick(3);
    return std::string(size, static_cast<char>('a' + step % 26)) + std::to_string(step % 7);
  };
  const size_t op = pick(model.empty() ? 2 : 9);
  INFO("step " << step << " op " << op << " size " << model.size());
  switch (op) {
    case 0: {
      const std::string v = element();
      l.push(ListType::End::kHead, v);
      model.push_front(v);
      break;
    }
    case 1: {
      const std::string v = element();
      l.push(ListType::End::kTail, v);
      model.push_back(v);
      break;
    }
    case 2:
      REQUIRE(l.pop(ListType::End::kHead) == model.front());
      model.pop_front();
      break;
    case 3:
      REQUIRE(l.pop(ListType::End::kTail) == model.back());
      model.pop_back();
      break;
    case 4: {
      const size_t i = pick(model.size());
      const std::string v = element();
      l.set(i, v);
      model[i] = v;
      break;
    }
    case 5: {
      const size_t i = pick(model.size() + 1);
      const std::string v = element();
      l.insert(i, v);
      model.insert(model.begin() + static_cast<ptrdiff_t>(i), v);
      break;
    }
    case 6: {
      // LREM of a value that is there, in any direction.
      const std::string v = model[pick(model.size())];
      const int64_t count = static_cast<int64_t>(pick(5)) - 2;
      size_t expected = 0;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end();) {
          if (*it == v && (count == 0 || expected < static_cast<size_t>(count))) {
            it = model.erase(it);
            ++expected;
          } else {
            ++it;
          }
        }
      } else {
        for (size_t j = model.size(); j-- > 0;) {
          if (model[j] == v && expected < static_cast<size_t>(-count)) {
            model.erase(model.begin() + static_cast<ptrdiff_t>(j));
            ++expected;
          }
        }
      }
      REQUIRE(l.remove(v, count) == expected);
      break;
    }
    case 7: {
      const size_t first = pick(model.size());
      const size_t count = pick(model.size() - first + 1);
      l.erase(first, count);
      model.erase(model.begin() + static_cast<ptrdiff_t>(first),
                  model.begin() + static_cast<ptrdiff_t>(first + count));
      break;
    }
    default: {
      const size_t i = pick(model.size());
      REQUIRE(l.at(i) == model[i]);
      break;
    }
  }
}

void check_same(const ListType& l, const std::deque<std::string>& model) {
  REQUIRE(l.size() == model.size());
  REQUIRE(l.invariants_hold());
  size_t i = 0;
  for (ListType::Iterator it = l.begin(); !it.done(); it.next()) REQUIRE(it.value() == model[i++]);
  REQUIRE(i == model.size());
  if (model.empty()) return;
  i = model.size();
  for (ListType::Iterator it = l.iterator_at(model.size() - 1); !it.done(); it.prev())
    REQUIRE(it.value() == model[--i]);
  REQUIRE(i == 0);
}

}  // namespace

TEST_CASE("ListType behaves as a deque under random operations", "[list][type][model]") {
  // Small nodes (two elements, 4 KB) make splits and merges frequent; the
  // default 8 KB nodes keep many elements each.
  for (int fill : {2, -1, ListType::kDefaultFill}) {
    INFO("fill " << fill);
    std::mt19937_64 rng(0x5eed + static_cast<uint64_t>(fill));
    ListType l(fill);
    std::deque<std::string> model;
    size_t most_nodes = 0;
    for (int step = 0; step < 6000; ++step) {
      random_step(rng, l, model, step);
      if (step % 50 == 0) check_same(l, model);
      most_nodes = std::max(most_nodes, l.node_count());
    }
    check_same(l, model);
    CHECK(most_nodes > 5);
    auto copy = l.clone();
    check_same(static_cast<const ListType&>(*copy), model);
  }
}
