// The hash family through the engine: commands in, exact RESP out.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/hash_type.hpp"
#include "engine/value.hpp"
#include "engine/zset_type.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Engine;
using namespace shardis::test;

const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kNotInteger = error(shardis::err::kNotInteger);
const std::string kNotFloat = error(shardis::err::kNotFloat);
const std::string kEmpty = "*0\r\n";

}  // namespace

TEST_CASE("HSET, HMSET, HSETNX, HGET, HMGET", "[hash]") {
  Engine e;
  run_cases(e, {
                   {{"hget", "h", "f"}, kNil},
                   {{"hset", "h", "f", "v"}, integer(1)},
                   {{"hset", "h", "f", "w", "g", "x"}, integer(1)},  // only g is new
                   {{"hget", "h", "f"}, bulk("w")},
                   {{"hget", "h", "g"}, bulk("x")},
                   {{"hget", "h", "nosuch"}, kNil},
                   {{"hset", "h", "f"}, error("ERR wrong number of arguments for 'hset' command")},
                   {{"hset", "h", "f", "v", "g"},
                    error("ERR wrong number of arguments for 'hset' command")},
                   {{"hmset", "h", "a", "1", "b"},
                    error("ERR wrong number of arguments for 'hmset' command")},
                   {{"hmset", "h", "a", "1", "b", "2"}, kOk},
                   {{"hmget", "h", "a", "nosuch", "b"}, array_of({bulk("1"), kNil, bulk("2")})},
                   {{"hmget", "nokey", "a", "b"}, array_of({kNil, kNil})},
                   {{"hsetnx", "h", "a", "9"}, integer(0)},
                   {{"hget", "h", "a"}, bulk("1")},
                   {{"hsetnx", "h", "n", "9"}, integer(1)},
                   {{"hsetnx", "new", "f", "v"}, integer(1)},
                   {{"hget", "new", "f"}, bulk("v")},
                   {{"hset", "h", "", ""}, integer(1)},  // empty field and value are fine
                   {{"hget", "h", ""}, bulk("")},
                   {{"hlen", "h"}, integer(6)},
               });
}

TEST_CASE("HGETALL, HKEYS, HVALS in RESP2 and RESP3", "[hash]") {
  Engine e;
  run_cases(e, {
                   {{"hgetall", "nokey"}, kEmpty},
                   {{"hkeys", "nokey"}, kEmpty},
                   {{"hvals", "nokey"}, kEmpty},
                   {{"hset", "h", "f", "v"}, integer(1)},
                   {{"hgetall", "h"}, array_of({bulk("f"), bulk("v")})},
                   {{"hkeys", "h"}, array_of({bulk("f")})},
                   {{"hvals", "h"}, array_of({bulk("v")})},
               });
  e.session().resp = 3;
  run_cases(e, {
                   {{"hgetall", "h"}, "%1\r\n" + bulk("f") + bulk("v")},
                   {{"hgetall", "nokey"}, "%0\r\n"},
                   {{"hkeys", "h"}, array_of({bulk("f")})},
                   {{"hget", "h", "nosuch"}, "_\r\n"},
               });
  e.session().resp = 2;
  // Many fields: every one comes back once, keys and values in step.
  for (int i = 0; i < 200; ++i) e.run({"hset", "big", "f" + std::to_string(i), std::to_string(i)});
  const std::string all = e.run({"hgetall", "big"});
  CHECK(all.rfind("*400\r\n", 0) == 0);
  for (int i = 0; i < 200; ++i) {
    const std::string pair = bulk("f" + std::to_string(i)) + bulk(std::to_string(i));
    CHECK(all.find(pair) != std::string::npos);
  }
  CHECK(e.run({"hkeys", "big"}).rfind("*200\r\n", 0) == 0);
  CHECK(e.run({"hvals", "big"}).rfind("*200\r\n", 0) == 0);
}

TEST_CASE("HDEL, HEXISTS, HLEN, HSTRLEN, an emptied hash is deleted", "[hash]") {
  Engine e;
  run_cases(e, {
                   {{"hdel", "nokey", "f"}, integer(0)},
                   {{"hexists", "nokey", "f"}, integer(0)},
                   {{"hlen", "nokey"}, integer(0)},
                   {{"hstrlen", "nokey", "f"}, integer(0)},
                   {{"hset", "h", "a", "hello", "b", "", "c", "3"}, integer(3)},
                   {{"hexists", "h", "a"}, integer(1)},
                   {{"hexists", "h", "z"}, integer(0)},
                   {{"hstrlen", "h", "a"}, integer(5)},
                   {{"hstrlen", "h", "b"}, integer(0)},
                   {{"hstrlen", "h", "z"}, integer(0)},
                   {{"hdel", "h", "a", "z", "a"}, integer(1)},  // counted once
                   {{"hlen", "h"}, integer(2)},
                   {{"hdel", "h", "b", "c"}, integer(2)},
                   {{"exists", "h"}, integer(0)},
                   {{"type", "h"}, simple("none")},
                   {{"hlen", "h"}, integer(0)},
               });
}

TEST_CASE("HINCRBY and HINCRBYFLOAT", "[hash]") {
  Engine e;
  run_cases(
      e, {
             {{"hincrby", "h", "n", "5"}, integer(5)},
             {{"hincrby", "h", "n", "-7"}, integer(-2)},
             {{"hget", "h", "n"}, bulk("-2")},
             {{"hincrby", "h", "n", "x"}, kNotInteger},
             {{"hincrby", "h", "n", "+1"}, kNotInteger},
             {{"hincrby", "h", "n", "09"}, kNotInteger},
             {{"hset", "h", "max", "9223372036854775807", "s", "abc", "z", "010"}, integer(3)},
             {{"hincrby", "h", "max", "1"}, error("ERR increment or decrement would overflow")},
             {{"hincrby", "h", "max", "0"}, integer(9223372036854775807LL)},
             {{"hincrby", "h", "s", "1"}, error("ERR hash value is not an integer")},
             {{"hincrby", "h", "z", "1"}, error("ERR hash value is not an integer")},
             {{"hincrbyfloat", "h", "f", "1.5"}, bulk("1.5")},
             {{"hincrbyfloat", "h", "f", "0.1"}, bulk("1.6")},
             {{"hincrbyfloat", "h", "n", "2"}, bulk("0")},  // -2 + 2, no "-0", no ".0"
             {{"hincrbyfloat", "h", "f", "1e20"}, bulk("100000000000000000000")},  // long double digits
             {{"hincrbyfloat", "h", "g", "1e-5"}, bulk("0.00001")},
             {{"hincrbyfloat", "h", "f", "x"}, kNotFloat},
             {{"hincrbyfloat", "h", "f", "inf"}, error("ERR value is NaN or Infinity")},
             {{"hincrbyfloat", "h", "f", "nan"}, kNotFloat},
             {{"hincrbyfloat", "h", "s", "1"}, error("ERR hash value is not a float")},
             {{"hset", "h", "big", "1e4932"}, integer(1)},
             {{"hincrbyfloat", "h", "big", "1e4932"},
              error("ERR increment would produce NaN or Infinity")},
             {{"hincrbyfloat", "new", "f", "2.50"}, bulk("2.5")},
             {{"hincrby", "new2", "f", "x"}, kNotInteger},
             {{"exists", "new2"}, integer(0)},  // a failed increment creates nothing
         });
}

TEST_CASE("Hash commands on other types and other commands on hashes", "[hash]") {
  Engine e;
  e.run({"set", "s", "v"});
  e.run({"hset", "h", "f", "v"});
  run_cases(e, {
                   {{"hset", "s", "f", "v"}, kWrongType},
                   {{"hmset", "s", "f", "v"}, kWrongType},
                   {{"hsetnx", "s", "f", "v"}, kWrongType},
                   {{"hget", "s", "f"}, kWrongType},
                   {{"hmget", "s", "f"}, kWrongType},
                   {{"hgetall", "s"}, kWrongType},
                   {{"hkeys", "s"}, kWrongType},
                   {{"hvals", "s"}, kWrongType},
                   {{"hdel", "s", "f"}, kWrongType},
                   {{"hexists", "s", "f"}, kWrongType},
                   {{"hlen", "s"}, kWrongType},
                   {{"hstrlen", "s", "f"}, kWrongType},
                   {{"hincrby", "s", "f", "1"}, kWrongType},
                   {{"hincrbyfloat", "s", "f", "1"}, kWrongType},
                   {{"get", "h"}, kWrongType},
                   {{"append", "h", "x"}, kWrongType},
                   {{"incr", "h"}, kWrongType},
                   {{"strlen", "h"}, kWrongType},
                   {{"getrange", "h", "0", "1"}, kWrongType},
                   {{"setrange", "h", "0", "x"}, kWrongType},
                   {{"getdel", "h"}, kWrongType},
                   {{"set", "h", "x", "get"}, kWrongType},
                   {{"type", "h"}, simple("hash")},
                   {{"object", "encoding", "h"}, bulk("listpack")},
                   {{"scan", "0", "type", "hash"}, array_of({bulk("0"), array_of({bulk("h")})})},
                   {{"set", "h", "now a string"}, kOk},  // SET replaces any type
                   {{"type", "h"}, simple("string")},
                   {{"get", "h"}, bulk("now a string")},
               });
}

TEST_CASE("Hashes move, copy and expire as whole values", "[hash]") {
  Engine e;
  run_cases(e, {
                   {{"hset", "h", "f", "v", "g", "w"}, integer(2)},
                   {{"copy", "h", "c"}, integer(1)},
                   {{"hset", "c", "f", "changed"}, integer(0)},
                   {{"hget", "h", "f"}, bulk("v")},  // a deep copy
                   {{"hget", "c", "f"}, bulk("changed")},
                   {{"hlen", "c"}, integer(2)},
                   {{"rename", "c", "r"}, kOk},
                   {{"hget", "r", "g"}, bulk("w")},
                   {{"move", "r", "1"}, integer(1)},
                   {{"exists", "r"}, integer(0)},
                   {{"select", "1"}, kOk},
                   {{"hget", "r", "f"}, bulk("changed")},
                   {{"select", "0"}, kOk},
                   {{"swapdb", "0", "1"}, kOk},
                   {{"hget", "r", "g"}, bulk("w")},
                   {{"swapdb", "0", "1"}, kOk},
                   {{"expire", "h", "10"}, integer(1)},
                   {{"hset", "h", "f", "v2"}, integer(0)},
                   {{"hincrby", "h", "n", "1"}, integer(1)},
                   {{"hdel", "h", "g"}, integer(1)},
                   {{"ttl", "h"}, integer(10)},  // writes keep the TTL
               });
  advance_ms(e, 10001);
  run_cases(e, {
                   {{"hget", "h", "f"}, kNil},
                   {{"exists", "h"}, integer(0)},
                   {{"hlen", "h"}, integer(0)},
               });
}

TEST_CASE("Hash writes count as modifications", "[hash]") {
  Engine e;
  e.run({"hset", "h", "f", "v"});
  const uint64_t base = dirty(e);
  e.run({"hget", "h", "f"});
  e.run({"hdel", "h", "nosuch"});
  e.run({"hsetnx", "h", "f", "x"});
  CHECK(dirty(e) == base);  // reads and no-op writes change nothing
  e.run({"hset", "h", "f", "v"});
  e.run({"hsetnx", "h", "g", "x"});
  e.run({"hincrby", "h", "n", "1"});
  e.run({"hincrbyfloat", "h", "n", "1"});
  e.run({"hdel", "h", "g"});
  e.run({"hmset", "h", "a", "b"});
  CHECK(dirty(e) == base + 6);
}

TEST_CASE("Hash and sorted-set command metadata matches Redis 7", "[hash][zset][meta]") {
  using namespace shardis;
  struct Meta {
    const char* name;
    int arity;
    uint32_t flags;  // as COMMAND INFO reports them
  };
  const uint32_t kW = kCmdWrite, kR = kCmdReadonly, kF = kCmdFast, kM = kCmdDenyOom;
  const Meta metas[] = {
      {"hset", -4, kW | kM | kF},       {"hsetnx", 4, kW | kM | kF},
      {"hget", 3, kR | kF},             {"hmget", -3, kR | kF},
      {"hmset", -4, kW | kM | kF},      {"hgetall", 2, kR},
      {"hdel", -3, kW | kF},            {"hexists", 3, kR | kF},
      {"hlen", 2, kR | kF},             {"hkeys", 2, kR},
      {"hvals", 2, kR},                 {"hincrby", 4, kW | kM | kF},
      {"hincrbyfloat", 4, kW | kM | kF}, {"hstrlen", 3, kR | kF},
      {"zadd", -4, kW | kM | kF},       {"zincrby", 4, kW | kM | kF},
      {"zrem", -3, kW | kF},            {"zscore", 3, kR | kF},
      {"zmscore", -3, kR | kF},         {"zcard", 2, kR | kF},
      {"zcount", 4, kR | kF},           {"zlexcount", 4, kR | kF},
      {"zrank", -3, kR | kF},  // -3 since Redis 7.2 (WITHSCORE); 7.0 says 3
      {"zrevrank", -3, kR | kF},        {"zrange", -4, kR},
      {"zrevrange", -4, kR},            {"zrangebyscore", -4, kR},
      {"zrevrangebyscore", -4, kR},     {"zrangebylex", -4, kR},
      {"zrevrangebylex", -4, kR},       {"zremrangebyrank", 4, kW},
      {"zremrangebyscore", 4, kW},      {"zremrangebylex", 4, kW},
      {"zpopmin", -2, kW | kF},         {"zpopmax", -2, kW | kF},
  };
  for (const Meta& m : metas) {
    INFO(m.name);
    const CommandSpec* spec = CommandTable::instance().find(m.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == m.arity);
    CHECK(spec->flags == m.flags);
    CHECK(spec->first_key == 1);
    CHECK(spec->last_key == 1);
    CHECK(spec->key_step == 1);
    CHECK(spec->group == (m.name[0] == 'h' ? "hash" : "sorted-set"));
    CHECK_FALSE(spec->since.empty());
    CHECK_FALSE(spec->summary.empty());
    CHECK_FALSE(spec->syntax.empty());
  }
}

TEST_CASE("Entry owns a collection through its moves and copies", "[hash][value]") {
  using namespace shardis;
  // On-disk and TYPE tags: fixed forever.
  CHECK(static_cast<int>(ValueType::kZSet) == 3);
  CHECK(static_cast<int>(ValueType::kHash) == 4);

  Entry a;
  HashType& h = a.make_object<HashType>();
  h.set("f", "v");
  CHECK(a.type == ValueType::kHash);
  CHECK(encoding_name(a) == "listpack");
  CHECK(a.holds_object());

  Entry copy = a;  // deep
  copy.object<HashType>().set("f", "changed");
  CHECK(*a.object<HashType>().find("f") == "v");

  Entry moved = std::move(a);
  CHECK(moved.holds_object());
  CHECK(*moved.object<HashType>().find("f") == "v");
  CHECK_FALSE(a.holds_object());  // NOLINT(bugprone-use-after-move): the moved-from state
  CHECK(a.type == ValueType::kString);
  CHECK(a.str.empty());

  moved = copy;  // object over object
  CHECK(*moved.object<HashType>().find("f") == "changed");
  moved.set_string("plain");  // object replaced by a string
  moved.type = ValueType::kString;
  CHECK_FALSE(moved.holds_object());
  CHECK(moved.str == "plain");

  Entry z;
  z.make_object<ZSetType>().set("m", 1.5);
  z = std::move(copy);  // object over another kind of object
  CHECK(z.type == ValueType::kHash);
  z.make_object<ZSetType>();  // and back, freeing the hash
  CHECK(z.type == ValueType::kZSet);
  CHECK(encoding_name(z) == "listpack");
  CHECK(z.object<ZSetType>().empty());
}

TEST_CASE("A hash is a listpack until a limit is crossed, then a hashtable for good",
          "[hash][encoding]") {
  Engine e;
  const std::string fits(64, 'x'), too_long(65, 'x');
  const std::string kListpack = bulk("listpack"), kHashtable = bulk("hashtable");
  run_cases(e, {
                   {{"config", "get", "hash-max-listpack-entries"},
                    bulks({"hash-max-listpack-entries", "512"})},
                   {{"config", "get", "hash-max-ziplist-value"},
                    bulks({"hash-max-ziplist-value", "64"})},
                   {{"config", "set", "hash-max-listpack-entries", "3"}, kOk},
                   {{"config", "get", "hash-max-ziplist-entries"},
                    bulks({"hash-max-ziplist-entries", "3"})},
                   // By count: the fourth field converts.
                   {{"hset", "h", "c", "1", "a", "2", "b", "3"}, integer(3)},
                   {{"object", "encoding", "h"}, kListpack},
                   // A listpack keeps insertion order, as Redis's does.
                   {{"hgetall", "h"}, bulks({"c", "1", "a", "2", "b", "3"})},
                   {{"hscan", "h", "0", "count", "1"},
                    array_of({bulk("0"), bulks({"c", "1", "a", "2", "b", "3"})})},
                   {{"hset", "h", "a", "9"}, integer(0)},
                   {{"hgetall", "h"}, bulks({"c", "1", "a", "9", "b", "3"})},
                   {{"hset", "h", "d", "4"}, integer(1)},
                   {{"object", "encoding", "h"}, kHashtable},
                   {{"hdel", "h", "a", "b", "c"}, integer(3)},
                   {{"object", "encoding", "h"}, kHashtable},  // never back
                   {{"hget", "h", "d"}, bulk("4")},
                   // By length: 64 bytes fit, 65 do not, in a field or a value.
                   {{"hset", "v", "f", fits}, integer(1)},
                   {{"hset", "v", fits, "v"}, integer(1)},
                   {{"object", "encoding", "v"}, kListpack},
                   {{"hset", "v", "f", too_long}, integer(0)},
                   {{"object", "encoding", "v"}, kHashtable},
                   {{"hget", "v", "f"}, bulk(too_long)},
                   {{"hset", "k", too_long, "1"}, integer(1)},
                   {{"object", "encoding", "k"}, kHashtable},
                   {{"hsetnx", "nx", "f", too_long}, integer(1)},
                   {{"object", "encoding", "nx"}, kHashtable},
                   {{"hincrby", "i", too_long, "5"}, integer(5)},
                   {{"object", "encoding", "i"}, kHashtable},
                   // A long HINCRBYFLOAT result converts too (Redis 7.0.15).
                   {{"hincrbyfloat", "fl", "f", "1e70"},
                    bulk("10000000000000000000222479489586148259025995410601157579323600873193472")},
                   {{"object", "encoding", "fl"}, kHashtable},
               });
}

TEST_CASE("Lowered hash limits apply at the next write that sets a field", "[hash][encoding]") {
  Engine e;
  REQUIRE(e.run({"hset", "h", "a", "1", "b", "2", "c", "3"}) == integer(3));
  REQUIRE(e.run({"hset", "u", "a", "1", "b", "2", "c", "3"}) == integer(3));
  run_cases(e, {
                   {{"config", "set", "hash-max-ziplist-entries", "2"}, kOk},
                   {{"object", "encoding", "h"}, bulk("listpack")},
                   // Neither a removal nor an HSETNX that sets nothing converts...
                   {{"hdel", "h", "nosuch"}, integer(0)},
                   {{"hsetnx", "h", "a", "x"}, integer(0)},
                   {{"object", "encoding", "h"}, bulk("listpack")},
                   // ... but any set does, even of a field that exists.
                   {{"hset", "h", "a", "5"}, integer(0)},
                   {{"object", "encoding", "h"}, bulk("hashtable")},
                   {{"hincrby", "u", "a", "1"}, integer(2)},
                   {{"object", "encoding", "u"}, bulk("hashtable")},
                   // Limit 0: every hash is a hashtable from its first field.
                   {{"config", "set", "hash-max-listpack-entries", "0"}, kOk},
                   {{"hset", "z", "a", "1"}, integer(1)},
                   {{"object", "encoding", "z"}, bulk("hashtable")},
                   {{"config", "set", "hash-max-listpack-entries", "512"}, kOk},
                   {{"config", "set", "hash-max-listpack-value", "1k"}, kOk},
                   {{"config", "get", "hash-max-listpack-value"},
                    bulks({"hash-max-listpack-value", "1000"})},
                   {{"hset", "w", "f", std::string(1000, 'v')}, integer(1)},
                   {{"object", "encoding", "w"}, bulk("listpack")},
                   {{"config", "set", "hash-max-listpack-value", "-1"},
                    error("ERR CONFIG SET failed (possibly related to argument "
                          "'hash-max-listpack-value') - argument must be a memory value")},
                   {{"config", "set", "hash-max-listpack-entries", "1k"},
                    error("ERR CONFIG SET failed (possibly related to argument "
                          "'hash-max-listpack-entries') - argument couldn't be parsed into an "
                          "integer")},
               });
}

TEST_CASE("COPY keeps a hash's encoding, HRANDFIELD works on both", "[hash][encoding]") {
  Engine e;
  REQUIRE(e.run({"hset", "small", "a", "1", "b", "2"}) == integer(2));
  REQUIRE(e.run({"hset", "big", "a", "1", std::string(65, 'x'), "2"}) == integer(2));
  REQUIRE(e.run({"hdel", "big", std::string(65, 'x')}) == integer(1));
  run_cases(e, {
                   {{"copy", "small", "small2"}, integer(1)},
                   {{"object", "encoding", "small2"}, bulk("listpack")},
                   // Redis's COPY duplicates the representation, small or not.
                   {{"copy", "big", "big2"}, integer(1)},
                   {{"object", "encoding", "big2"}, bulk("hashtable")},
                   {{"hgetall", "big2"}, bulks({"a", "1"})},
                   {{"hrandfield", "big2"}, bulk("a")},
                   {{"hrandfield", "big2", "-2", "withvalues"}, bulks({"a", "1", "a", "1"})},
               });
  for (const std::string key : {"small", "big"}) {
    INFO(key);
    const std::string all = e.run({"hrandfield", key, "5", "withvalues"});
    CHECK(all.rfind("*" + std::to_string(key == "small" ? 4 : 2) + "\r\n", 0) == 0);
  }
  for (int i = 0; i < 20; ++i) {
    const std::string one = e.run({"hrandfield", "small"});
    CHECK((one == bulk("a") || one == bulk("b")));
  }
}
