// The set family, HSCAN/ZSCAN/SSCAN and HRANDFIELD through the engine:
// commands in, exact RESP out. Replies in random or table order are parsed
// and compared as sorted lists.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Args;
using shardis::Engine;
using namespace shardis::test;

const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kNotInteger = error(shardis::err::kNotInteger);
const std::string kEmpty = "*0\r\n";
const std::string kEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n";

// The bulk strings of a flat array or set reply, in reply order.
std::vector<std::string> items(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size()) {
    REQUIRE(reply[pos] == '$');
    const size_t eol = reply.find("\r\n", pos);
    const size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    out.push_back(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> sorted_items(const std::string& reply) {
  return sorted(items(reply));
}

std::string encoding(Engine& e, const std::string& key) {
  return e.run({"object", "encoding", key});
}

// Every element an XSCAN walk returns, from cursor 0 to the end; fails the
// test if the walk does not end.
// cmd is the command without its cursor, which goes at cursor_at.
std::set<std::string> scan_all(Engine& e, Args cmd, size_t cursor_at = 2) {
  std::set<std::string> seen;
  cmd.insert(cmd.begin() + static_cast<long>(cursor_at), "0");
  for (int round = 0; round < 10000; ++round) {
    const std::string reply = e.run(cmd);
    REQUIRE(reply.rfind("*2\r\n$", 0) == 0);
    const size_t eol = reply.find("\r\n", 4);
    const size_t len = std::stoul(reply.substr(5, eol - 5));
    const std::string cursor = reply.substr(eol + 2, len);
    for (const std::string& item : items(reply.substr(eol + 2 + len + 2))) seen.insert(item);
    if (cursor == "0") return seen;
    cmd[cursor_at] = cursor;
  }
  FAIL("scan did not end");
  return seen;
}

}  // namespace

TEST_CASE("SADD, SREM, SCARD, SISMEMBER, SMISMEMBER", "[set]") {
  Engine e;
  run_cases(e, {
                   {{"scard", "s"}, integer(0)},
                   {{"sadd", "s", "a", "b", "a"}, integer(2)},
                   {{"sadd", "s", "b", "c"}, integer(1)},
                   {{"scard", "s"}, integer(3)},
                   {{"sismember", "s", "a"}, integer(1)},
                   {{"sismember", "s", "z"}, integer(0)},
                   {{"sismember", "nokey", "a"}, integer(0)},
                   {{"smismember", "s", "a", "z", "c"},
                    array_of({integer(1), integer(0), integer(1)})},
                   {{"smismember", "nokey", "a"}, array_of({integer(0)})},
                   {{"srem", "s", "a", "z", "a"}, integer(1)},
                   {{"srem", "nokey", "a"}, integer(0)},
                   {{"srem", "s", "b", "c"}, integer(2)},
                   {{"exists", "s"}, integer(0)},  // the last member took the key
                   {{"sadd", "s", ""}, integer(1)},
                   {{"sismember", "s", ""}, integer(1)},
                   {{"sadd", "s"}, error("ERR wrong number of arguments for 'sadd' command")},
                   {{"srem", "s"}, error("ERR wrong number of arguments for 'srem' command")},
                   {{"smismember", "s"},
                    error("ERR wrong number of arguments for 'smismember' command")},
                   {{"sismember", "s", "a", "b"},
                    error("ERR wrong number of arguments for 'sismember' command")},
               });
}

TEST_CASE("every set command answers WRONGTYPE for a key of another type", "[set]") {
  Engine e;
  e.run({"set", "str", "v"});
  e.run({"sadd", "s", "1"});
  run_cases(e, {
                   {{"sadd", "str", "a"}, kWrongType},
                   {{"srem", "str", "a"}, kWrongType},
                   {{"scard", "str"}, kWrongType},
                   {{"sismember", "str", "a"}, kWrongType},
                   {{"smismember", "str", "a"}, kWrongType},
                   {{"smembers", "str"}, kWrongType},
                   {{"spop", "str"}, kWrongType},
                   {{"spop", "str", "0"}, kWrongType},
                   {{"srandmember", "str"}, kWrongType},
                   {{"srandmember", "str", "0"}, kWrongType},
                   {{"smove", "str", "s", "1"}, kWrongType},
                   {{"smove", "s", "str", "1"}, kWrongType},
                   {{"sinter", "nokey", "str"}, kWrongType},  // after a missing key too
                   {{"sintercard", "2", "nokey", "str"}, kWrongType},
                   {{"sunion", "s", "str"}, kWrongType},
                   {{"sdiff", "nokey", "str"}, kWrongType},
                   {{"sinterstore", "d", "s", "str"}, kWrongType},
                   {{"sunionstore", "d", "s", "str"}, kWrongType},
                   {{"sdiffstore", "d", "s", "str"}, kWrongType},
                   {{"sscan", "str", "0"}, kWrongType},
                   {{"get", "s"}, kWrongType},
                   {{"hset", "s", "f", "v"}, kWrongType},
                   {{"exists", "d"}, integer(0)},
               });
}

TEST_CASE("sets are intsets while every member is an integer, then hashtables", "[set]") {
  Engine e;
  run_cases(e, {
                   {{"sadd", "s", "3", "1", "-2"}, integer(3)},
                   {{"object", "encoding", "s"}, bulk("intset")},
                   {{"smembers", "s"}, bulks({"-2", "1", "3"})},  // an intset is sorted
                   {{"sismember", "s", "-2"}, integer(1)},
                   {{"sismember", "s", "01"}, integer(0)},
                   {{"srem", "s", "1", "x"}, integer(1)},
                   {{"object", "encoding", "s"}, bulk("intset")},
                   {{"sadd", "s", "a"}, integer(1)},
                   {{"object", "encoding", "s"}, bulk("hashtable")},
                   {{"srem", "s", "a"}, integer(1)},  // no way back
                   {{"object", "encoding", "s"}, bulk("hashtable")},
                   {{"sismember", "s", "3"}, integer(1)},
                   {{"type", "s"}, simple("set")},
               });
  // Only the canonical text of a 64-bit integer stays in an intset.
  for (const char* member : {"007", "+1", "-0", " 1", "1.0", "9223372036854775808"}) {
    INFO(member);
    e.run({"del", "t"});
    CHECK(e.run({"sadd", "t", member}) == integer(1));
    CHECK(encoding(e, "t") == bulk("hashtable"));
    CHECK(e.run({"sismember", "t", member}) == integer(1));
  }
  e.run({"del", "t"});
  CHECK(e.run({"sadd", "t", "-9223372036854775808", "9223372036854775807", "0"}) == integer(3));
  CHECK(encoding(e, "t") == bulk("intset"));
  CHECK(e.run({"smembers", "t"}) == bulks({"-9223372036854775808", "0", "9223372036854775807"}));
}

TEST_CASE("set-max-intset-entries decides when an intset converts", "[set]") {
  Engine e;
  CHECK(e.run({"config", "get", "set-max-intset-entries"}) ==
        bulks({"set-max-intset-entries", "512"}));
  CHECK(e.run({"config", "set", "set-max-intset-entries", "3"}) == kOk);
  run_cases(e, {
                   {{"sadd", "s", "1", "2", "3"}, integer(3)},
                   {{"object", "encoding", "s"}, bulk("intset")},
                   {{"sadd", "s", "3"}, integer(0)},
                   {{"object", "encoding", "s"}, bulk("intset")},
                   {{"sadd", "s", "4"}, integer(1)},
                   {{"object", "encoding", "s"}, bulk("hashtable")},
                   {{"scard", "s"}, integer(4)},
                   {{"sunionstore", "u", "s"}, integer(4)},  // results follow the rule too
                   {{"object", "encoding", "u"}, bulk("hashtable")},
                   {{"sinterstore", "i", "s", "s"}, integer(4)},
                   {{"object", "encoding", "i"}, bulk("hashtable")},
                   {{"srem", "s", "4"}, integer(1)},
                   {{"sdiffstore", "d", "s"}, integer(3)},
                   {{"object", "encoding", "d"}, bulk("intset")},
               });
  CHECK(e.run({"config", "set", "set-max-intset-entries", "0"}) == kOk);
  CHECK(e.run({"sadd", "z", "1"}) == integer(1));
  CHECK(encoding(e, "z") == bulk("hashtable"));
  CHECK(e.run({"config", "set", "set-max-intset-entries", "-1"}).rfind("-ERR CONFIG SET failed", 0) ==
        0);
}

TEST_CASE("SMEMBERS, SINTER, SUNION, SDIFF and SINTERCARD", "[set]") {
  Engine e;
  e.run({"sadd", "a", "1", "2", "3", "4"});
  e.run({"sadd", "b", "3", "4", "5"});
  e.run({"sadd", "c", "x", "4", "3"});
  CHECK(e.run({"smembers", "nokey"}) == kEmpty);
  CHECK(e.run({"sinter", "a", "b"}) == bulks({"3", "4"}));
  CHECK(sorted_items(e.run({"sinter", "a", "b", "c"})) == std::vector<std::string>{"3", "4"});
  CHECK(e.run({"sinter", "a", "nokey"}) == kEmpty);
  CHECK(e.run({"sinter", "a", "a"}) == bulks({"1", "2", "3", "4"}));
  CHECK(e.run({"sunion", "a", "b"}) == bulks({"1", "2", "3", "4", "5"}));
  CHECK(sorted_items(e.run({"sunion", "a", "c", "nokey"})) ==
        std::vector<std::string>{"1", "2", "3", "4", "x"});
  CHECK(e.run({"sdiff", "a", "b"}) == bulks({"1", "2"}));
  CHECK(e.run({"sdiff", "a", "nokey"}) == bulks({"1", "2", "3", "4"}));
  CHECK(e.run({"sdiff", "nokey", "a"}) == kEmpty);
  CHECK(e.run({"sdiff", "a", "a"}) == kEmpty);
  CHECK(sorted_items(e.run({"sdiff", "c", "a"})) == std::vector<std::string>{"x"});
  run_cases(e, {
                   {{"sintercard", "2", "a", "b"}, integer(2)},
                   {{"sintercard", "3", "a", "b", "c"}, integer(2)},
                   {{"sintercard", "1", "a", "limit", "3"}, integer(3)},
                   {{"sintercard", "1", "a", "limit", "0"}, integer(4)},
                   {{"sintercard", "1", "a", "LIMIT", "1", "limit", "2"}, integer(2)},
                   {{"sintercard", "2", "a", "nokey"}, integer(0)},
                   {{"sintercard", "0", "a"}, error("ERR numkeys should be greater than 0")},
                   {{"sintercard", "x", "a"}, error("ERR numkeys should be greater than 0")},
                   {{"sintercard", "2", "a"},
                    error("ERR Number of keys can't be greater than number of args")},
                   {{"sintercard", "1", "a", "limit", "-1"}, error("ERR LIMIT can't be negative")},
                   {{"sintercard", "1", "a", "limit", "x"}, error("ERR LIMIT can't be negative")},
                   {{"sintercard", "1", "a", "limit"}, kSyntax},
                   {{"sintercard", "1", "a", "foo", "1"}, kSyntax},
                   {{"sinter"}, error("ERR wrong number of arguments for 'sinter' command")},
               });
}

TEST_CASE("SINTERSTORE, SUNIONSTORE, SDIFFSTORE replace or delete the destination", "[set]") {
  Engine e;
  e.run({"sadd", "a", "1", "2", "3"});
  e.run({"sadd", "b", "2", "3", "x"});
  e.run({"set", "dst", "old"});
  e.run({"expire", "dst", "100"});
  run_cases(e, {
                   {{"sinterstore", "dst", "a", "b"}, integer(2)},
                   {{"type", "dst"}, simple("set")},
                   {{"ttl", "dst"}, integer(-1)},  // the old value's TTL went with it
                   {{"smembers", "dst"}, bulks({"2", "3"})},
                   {{"sunionstore", "dst", "dst", "a"}, integer(3)},  // a source may be dst
                   {{"smembers", "dst"}, bulks({"1", "2", "3"})},
                   {{"sdiffstore", "dst", "a", "dst"}, integer(0)},
                   {{"exists", "dst"}, integer(0)},
                   {{"set", "dst", "old"}, kOk},
                   {{"sinterstore", "dst", "a", "nokey"}, integer(0)},
                   {{"exists", "dst"}, integer(0)},
                   {{"sdiffstore", "dst", "b", "a"}, integer(1)},
                   {{"smembers", "dst"}, bulks({"x"})},
                   {{"object", "encoding", "dst"}, bulk("hashtable")},
                   {{"sunionstore", "dst", "nokey"}, integer(0)},
                   {{"exists", "dst"}, integer(0)},
               });
}

TEST_CASE("SMOVE", "[set]") {
  Engine e;
  e.run({"sadd", "src", "1", "2", "a"});
  e.run({"set", "str", "v"});
  run_cases(e, {
                   {{"smove", "src", "dst", "1"}, integer(1)},
                   {{"smembers", "dst"}, bulks({"1"})},
                   {{"object", "encoding", "dst"}, bulk("intset")},
                   {{"smove", "src", "dst", "1"}, integer(0)},  // no longer in src
                   {{"smove", "nokey", "str", "1"}, integer(0)},  // a missing source first
                   {{"smove", "src", "src", "2"}, integer(1)},
                   {{"smove", "src", "src", "zz"}, integer(0)},
                   {{"smove", "src", "dst", "a"}, integer(1)},
                   {{"object", "encoding", "dst"}, bulk("hashtable")},
                   {{"smove", "src", "dst", "2"}, integer(1)},
                   {{"exists", "src"}, integer(0)},
                   {{"scard", "dst"}, integer(3)},
               });
}

TEST_CASE("SPOP", "[set]") {
  Engine e;
  const std::string kPositive = error(shardis::err::kPositive);
  run_cases(e, {
                   {{"spop", "nokey"}, kNil},
                   {{"spop", "nokey", "3"}, kEmpty},
                   {{"spop", "nokey", "-1"}, kPositive},
                   {{"spop", "nokey", "x"}, kPositive},
                   {{"spop", "nokey", "1", "2"}, kSyntax},
                   {{"sadd", "s", "1", "2", "3", "4", "5"}, integer(5)},
                   {{"spop", "s", "0"}, kEmpty},
                   {{"scard", "s"}, integer(5)},
               });
  const std::string one = e.run({"spop", "s"});
  const std::vector<std::string> two = items(e.run({"spop", "s", "2"}));
  CHECK(two.size() == 2);
  CHECK(two[0] != two[1]);
  CHECK(e.run({"scard", "s"}) == integer(2));
  for (const std::string& m : two) CHECK(e.run({"sismember", "s", m}) == integer(0));
  CHECK(e.run({"sismember", "s", items("*1\r\n" + one)[0]}) == integer(0));
  CHECK(items(e.run({"spop", "s", "10"})).size() == 2);  // all that is left
  CHECK(e.run({"exists", "s"}) == integer(0));
  // RESP3: with a count, a set.
  e.run({"hello", "3"});
  e.run({"sadd", "s", "1"});
  CHECK(e.run({"spop", "s", "5"}) == "~1\r\n$1\r\n1\r\n");
  CHECK(e.run({"spop", "s", "5"}) == "~0\r\n");
  CHECK(e.run({"spop", "s"}) == "_\r\n");
}

TEST_CASE("SRANDMEMBER", "[set]") {
  Engine e;
  const std::string kRange = error(
      "ERR value is out of range, value must between -9223372036854775807 and "
      "9223372036854775807");
  run_cases(e, {
                   {{"srandmember", "nokey"}, kNil},
                   {{"srandmember", "nokey", "5"}, kEmpty},
                   {{"srandmember", "nokey", "-5"}, kEmpty},
                   {{"srandmember", "nokey", "x"}, kNotInteger},
                   {{"srandmember", "nokey", "-9223372036854775808"}, kRange},
                   {{"srandmember", "nokey", "1", "2"}, kSyntax},
                   {{"sadd", "s", "1", "2", "3"}, integer(3)},
                   {{"srandmember", "s", "0"}, kEmpty},
                   {{"srandmember", "s", "3"}, bulks({"1", "2", "3"})},  // whole set, in order
                   {{"srandmember", "s", "10"}, bulks({"1", "2", "3"})},
               });
  const std::set<std::string> all = {"1", "2", "3"};
  CHECK(all.count(items("*1\r\n" + e.run({"srandmember", "s"}))[0]) == 1);
  const std::vector<std::string> two = items(e.run({"srandmember", "s", "2"}));
  REQUIRE(two.size() == 2);
  CHECK(two[0] != two[1]);
  const std::vector<std::string> many = items(e.run({"srandmember", "s", "-20"}));
  CHECK(many.size() == 20);  // repeats allowed
  for (const std::string& m : many) CHECK(all.count(m) == 1);
  CHECK(e.run({"scard", "s"}) == integer(3));  // nothing removed

  // A large hashtable set: the draw-until-distinct path.
  for (int i = 0; i < 300; ++i) e.run({"sadd", "big", "m" + std::to_string(i)});
  const std::vector<std::string> ten = items(e.run({"srandmember", "big", "10"}));
  CHECK(std::set<std::string>(ten.begin(), ten.end()).size() == 10);
  const std::vector<std::string> most = items(e.run({"srandmember", "big", "250"}));
  CHECK(std::set<std::string>(most.begin(), most.end()).size() == 250);
}

TEST_CASE("HRANDFIELD", "[hash]") {
  Engine e;
  const std::string kRange = error("ERR value is out of range");
  run_cases(e, {
                   {{"hrandfield", "nokey"}, kNil},
                   {{"hrandfield", "nokey", "3", "withvalues"}, kEmpty},
                   {{"hrandfield", "nokey", "x"}, kNotInteger},
                   {{"hrandfield", "nokey", "1", "foo"}, kSyntax},
                   {{"hrandfield", "nokey", "1", "withvalues", "x"}, kSyntax},
                   {{"hrandfield", "nokey", "-4611686018427387904", "withvalues"}, kRange},
                   {{"hrandfield", "nokey", "4611686018427387904", "withvalues"}, kRange},
                   {{"hset", "h", "a", "1"}, integer(1)},
                   {{"hrandfield", "h"}, bulk("a")},
                   {{"hrandfield", "h", "0"}, kEmpty},
                   {{"hrandfield", "h", "5"}, bulks({"a"})},
                   {{"hrandfield", "h", "5", "WITHVALUES"}, bulks({"a", "1"})},
                   {{"hrandfield", "h", "-2", "withvalues"}, bulks({"a", "1", "a", "1"})},
                   {{"hrandfield", "h", "-3"}, bulks({"a", "a", "a"})},
                   {{"set", "str", "v"}, kOk},
                   {{"hrandfield", "str"}, kWrongType},
                   {{"hrandfield", "str", "0"}, kWrongType},
                   {{"hrandfield", "str", "1", "foo"}, kSyntax},
               });
  for (int i = 0; i < 50; ++i) e.run({"hset", "big", "f" + std::to_string(i), "v" + std::to_string(i)});
  const std::vector<std::string> pairs = items(e.run({"hrandfield", "big", "5", "withvalues"}));
  REQUIRE(pairs.size() == 10);
  std::set<std::string> fields;
  for (size_t i = 0; i < pairs.size(); i += 2) {
    CHECK(pairs[i + 1] == "v" + pairs[i].substr(1));  // each field with its own value
    fields.insert(pairs[i]);
  }
  CHECK(fields.size() == 5);
  e.run({"hello", "3"});
  CHECK(e.run({"hrandfield", "h", "-2", "withvalues"}) ==
        "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
}

TEST_CASE("SSCAN returns an intset whole and walks a hashtable by cursor", "[set]") {
  Engine e;
  e.run({"sadd", "ints", "5", "1", "3", "10"});
  run_cases(e, {
                   {{"sscan", "nokey", "0", "count", "x"}, kEmptyScan},
                   {{"sscan", "ints", "x"}, error("ERR invalid cursor")},
                   {{"sscan", "nokey", "x"}, error("ERR invalid cursor")},
                   {{"sscan", "ints", "0", "count", "1"},
                    array_of({bulk("0"), bulks({"1", "3", "5", "10"})})},
                   {{"sscan", "ints", "77"}, array_of({bulk("0"), bulks({"1", "3", "5", "10"})})},
                   {{"sscan", "ints", "0", "match", "1*"}, array_of({bulk("0"), bulks({"1", "10"})})},
                   {{"sscan", "ints", "0", "match", "2", "match", "3"},
                    array_of({bulk("0"), bulks({"3"})})},
                   {{"sscan", "ints", "0", "count", "0"}, kSyntax},
                   {{"sscan", "ints", "0", "count", "x"}, kNotInteger},
                   {{"sscan", "ints", "0", "type", "set"}, kSyntax},
                   {{"sscan", "ints", "0", "match"}, kSyntax},
               });
  std::set<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    e.run({"sadd", "big", "m" + std::to_string(i)});
    expected.insert("m" + std::to_string(i));
  }
  // A page stops near COUNT: never the whole table at once.
  const std::string page = e.run({"sscan", "big", "0", "count", "5"});
  CHECK(page.rfind("*2\r\n$1\r\n0\r\n", 0) != 0);
  CHECK(scan_all(e, {"sscan", "big"}) == expected);
  CHECK(scan_all(e, {"sscan", "big", "count", "100"}) == expected);
  CHECK(scan_all(e, {"sscan", "big", "match", "m4?"}) ==
        std::set<std::string>{"m40", "m41", "m42", "m43", "m44", "m45", "m46", "m47", "m48", "m49"});
}

TEST_CASE("HSCAN and ZSCAN walk fields with values and members with scores", "[hash][set]") {
  Engine e;
  run_cases(e, {
                   {{"hset", "h", "a", "1"}, integer(1)},
                   {{"hscan", "h", "0"}, array_of({bulk("0"), bulks({"a", "1"})})},
                   {{"hscan", "h", "0", "match", "b"}, array_of({bulk("0"), kEmpty})},
                   {{"hscan", "h", "0", "novalues"}, kSyntax},  // Redis 7.2, not 7.0
                   {{"hscan", "nokey", "0"}, kEmptyScan},
                   {{"zadd", "z", "1.5", "a"}, integer(1)},
                   {{"zscan", "z", "0"}, array_of({bulk("0"), bulks({"a", "1.5"})})},
                   {{"zscan", "z", "0", "count", "0"}, kSyntax},
                   {{"zscan", "h", "0"}, kWrongType},
                   {{"hscan", "z", "0"}, kWrongType},
               });
  std::set<std::string> fields, members;
  for (int i = 0; i < 200; ++i) {
    const std::string n = std::to_string(i);
    e.run({"hset", "big", "f" + n, "v" + n});
    e.run({"zadd", "bigz", n + ".25", "m" + n});
    fields.insert("f" + n);
    fields.insert("v" + n);
    members.insert("m" + n);
    members.insert(n + ".25");
  }
  CHECK(scan_all(e, {"hscan", "big"}) == fields);
  CHECK(scan_all(e, {"zscan", "bigz", "count", "7"}) == members);
  CHECK(scan_all(e, {"hscan", "big", "match", "f19*"}) ==
        std::set<std::string>{"f19", "v19", "f190", "v190", "f191", "v191", "f192", "v192", "f193",
                              "v193", "f194", "v194", "f195", "v195", "f196", "v196", "f197",
                              "v197", "f198", "v198", "f199", "v199"});
}

TEST_CASE("set keys under TYPE, COPY, RENAME, expiry and SCAN TYPE", "[set]") {
  Engine e;
  e.run({"sadd", "s", "1", "2"});
  e.run({"sadd", "t", "x"});
  e.run({"set", "str", "v"});
  run_cases(e, {
                   {{"type", "s"}, simple("set")},
                   {{"copy", "s", "c"}, integer(1)},
                   {{"sadd", "c", "3"}, integer(1)},
                   {{"smembers", "s"}, bulks({"1", "2"})},  // a deep copy
                   {{"object", "encoding", "c"}, bulk("intset")},
                   {{"copy", "t", "ct"}, integer(1)},
                   {{"object", "encoding", "ct"}, bulk("hashtable")},
                   {{"rename", "c", "r"}, kOk},
                   {{"smembers", "r"}, bulks({"1", "2", "3"})},
                   {{"expire", "r", "10"}, integer(1)},
                   {{"sadd", "r", "4"}, integer(1)},
                   {{"ttl", "r"}, integer(10)},  // a write keeps the TTL
               });
  e.server().clock.advance(std::chrono::seconds(11));
  CHECK(e.run({"exists", "r"}) == integer(0));
  CHECK(e.run({"scard", "r"}) == integer(0));
  CHECK(scan_all(e, {"scan", "type", "set"}, 1) == std::set<std::string>{"s", "t", "ct"});
}

// The two representations must be indistinguishable but for OBJECT
// ENCODING: the same random SADD/SREM/SPOP sequence on integer and string
// members, run on a server keeping intsets (default threshold) and on one
// where every set is a hashtable (threshold 0), leaves the same sets.
TEST_CASE("intset and hashtable sets behave the same under random writes", "[set]") {
  Engine intsets;
  Engine tables;
  REQUIRE(tables.run({"config", "set", "set-max-intset-entries", "0"}) == kOk);
  std::mt19937_64 rng(20240607);
  auto member = [&] {
    const int64_t v = static_cast<int64_t>(rng() % 64) - 32;
    // Mostly integers, so the intset side stays an intset for a while.
    return rng() % 25 == 0 ? "s" + std::to_string(v) : std::to_string(v);
  };
  const std::vector<std::string> keys = {"k0", "k1", "k2"};
  int intset_steps = 0;
  for (int step = 0; step < 3000; ++step) {
    const std::string& key = keys[rng() % keys.size()];
    Args cmd;
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2: cmd = {"sadd", key, member(), member()}; break;
      case 3:
      case 4: cmd = {"srem", key, member(), member()}; break;
      case 5: cmd = {"spop", key, "0"}; break;  // count 0: no randomness to diverge
      case 6: cmd = {"sadd", key, member()}; break;
      default: cmd = {"del", key}; break;  // a fresh set starts as an intset again
    }
    INFO("step " << step << ": " << describe(cmd));
    REQUIRE(intsets.run(cmd) == tables.run(cmd));
    for (const std::string& k : keys) {
      REQUIRE(intsets.run({"scard", k}) == tables.run({"scard", k}));
      REQUIRE(sorted_items(intsets.run({"smembers", k})) ==
              sorted_items(tables.run({"smembers", k})));
      const std::string probe = member();
      REQUIRE(intsets.run({"sismember", k, probe}) == tables.run({"sismember", k, probe}));
    }
    for (const std::string& k : keys) intset_steps += encoding(intsets, k) == bulk("intset");
    if (step % 50 == 0) {  // a real SPOP: pop the same member from both
      const std::string popped = intsets.run({"spop", key});
      if (popped != kNil) {
        const std::string m = items("*1\r\n" + popped)[0];
        REQUIRE(tables.run({"srem", key, m}) == integer(1));
      }
    }
  }
  for (const std::string& k : keys) {
    const std::string enc = encoding(tables, k);
    CHECK((enc == bulk("hashtable") || enc == kNil));
  }
  // The intset side must have held intsets, or the test proves little.
  CHECK(intset_steps > 100);
}
