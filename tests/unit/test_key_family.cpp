// The keyspace family against the engine: commands in, exact RESP bytes out.
// Replies and error texts are redis-server 7.0's; SCAN cursors are shardis's
// own (they encode the shard), so SCAN is checked by what a full iteration
// returns.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/db.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "unit/resp_cases.hpp"

using shardis::Args;
using shardis::CommandSpec;
using shardis::CommandTable;
using shardis::Engine;
using shardis::ValueType;

using namespace shardis::test;

namespace {



const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kNotInt = error(shardis::err::kNotInteger);
const std::string kNoSuchKey = error(shardis::err::kNoSuchKey);
const std::string kSameObject = error(shardis::err::kSameObject);
const std::string kDbIndex = error(shardis::err::kDbIndex);
const std::string kIntRange =
    error("ERR value is out of range, value must between -2147483648 and 2147483647");
const std::string kCursor = error(shardis::err::kCursor);
const std::string kLfuNotSelected = error(
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.");
const std::string kLfuSelected = error(
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.");

int64_t now_ms(Engine& e) {
  return e.server().clock.now_ms();
}

// Reads one RESP bulk string at pos (advancing it).
std::string read_bulk(const std::string& r, size_t* pos) {
  REQUIRE(r[*pos] == '$');
  const size_t eol = r.find("\r\n", *pos);
  const size_t len = std::stoul(r.substr(*pos + 1, eol - *pos - 1));
  std::string s = r.substr(eol + 2, len);
  *pos = eol + 2 + len + 2;
  return s;
}

size_t read_array_header(const std::string& r, size_t* pos) {
  REQUIRE(r[*pos] == '*');
  const size_t eol = r.find("\r\n", *pos);
  const size_t n = std::stoul(r.substr(*pos + 1, eol - *pos - 1));
  *pos = eol + 2;
  return n;
}

// A RESP array of bulk strings (KEYS) as a sorted multiset.
std::multiset<std::string> bulk_set(const std::string& r) {
  size_t pos = 0;
  const size_t n = read_array_header(r, &pos);
  std::multiset<std::string> out;
  for (size_t i = 0; i < n; ++i) out.insert(read_bulk(r, &pos));
  CHECK(pos == r.size());
  return out;
}

struct ScanReply {
  std::string cursor;
  std::vector<std::string> keys;
};

ScanReply parse_scan(const std::string& r) {
  INFO(r);
  size_t pos = 0;
  REQUIRE(read_array_header(r, &pos) == 2);
  ScanReply out;
  out.cursor = read_bulk(r, &pos);
  const size_t n = read_array_header(r, &pos);
  for (size_t i = 0; i < n; ++i) out.keys.push_back(read_bulk(r, &pos));
  CHECK(pos == r.size());
  return out;
}

// A full SCAN with the given options: how often each key came back.
std::map<std::string, int> full_scan(Engine& e, const Args& options, int* calls = nullptr) {
  std::map<std::string, int> seen;
  std::string cursor = "0";
  int n = 0;
  do {
    Args cmd{"scan", cursor};
    cmd.insert(cmd.end(), options.begin(), options.end());
    ScanReply r = parse_scan(e.run(cmd));
    for (const std::string& k : r.keys) ++seen[k];
    cursor = r.cursor;
    REQUIRE(++n < 100000);
  } while (cursor != "0");
  if (calls) *calls = n;
  return seen;
}

// Two key names that live on different shards (and a third on the first's).
struct ShardPair {
  std::string a, b, a2;
};
ShardPair keys_on_two_shards(Engine& e) {
  ShardPair p;
  p.a = "k0";
  const size_t sa = e.shards().shard_of(p.a);
  for (int i = 1; p.b.empty() || p.a2.empty(); ++i) {
    std::string k = "k" + std::to_string(i);
    if (e.shards().shard_of(k) != sa && p.b.empty()) p.b = k;
    if (e.shards().shard_of(k) == sa && p.a2.empty()) p.a2 = k;
  }
  return p;
}

uint64_t dirty(Engine& e, const std::string& key) {
  return e.shards().shard_for(key).stats().dirty.get();
}

}  // namespace

TEST_CASE("DEL, UNLINK, EXISTS, TOUCH, TYPE", "[keys]") {
  Engine e;
  run_cases(e, {
                   {{"del", "a"}, integer(0)},
                   {{"set", "a", "1"}, kOk},
                   {{"set", "b", "2"}, kOk},
                   {{"set", "c", "3"}, kOk},
                   {{"exists", "a"}, integer(1)},
                   {{"exists", "a", "a", "b", "nokey"}, integer(3)},  // duplicates count
                   {{"exists", "nokey"}, integer(0)},
                   {{"touch", "a", "a", "nokey"}, integer(2)},
                   {{"type", "a"}, simple("string")},
                   {{"type", "nokey"}, simple("none")},
                   {{"del", "a", "b", "nokey", "a"}, integer(2)},
                   {{"exists", "a", "b"}, integer(0)},
                   {{"unlink", "c", "c"}, integer(1)},
                   {{"unlink", "c"}, integer(0)},
                   {{"del"}, error("ERR wrong number of arguments for 'del' command")},
                   {{"unlink"}, error("ERR wrong number of arguments for 'unlink' command")},
                   {{"exists"}, error("ERR wrong number of arguments for 'exists' command")},
                   {{"touch"}, error("ERR wrong number of arguments for 'touch' command")},
                   {{"type"}, error("ERR wrong number of arguments for 'type' command")},
                   {{"type", "a", "b"}, error("ERR wrong number of arguments for 'type' command")},
               });

  // TYPE reports the value's type, whatever family made it.
  e.shards().shard_for("h").db(0).insert("h").first->type = ValueType::kHash;
  e.shards().shard_for("z").db(0).insert("z").first->type = ValueType::kZSet;
  CHECK(e.run({"type", "h"}) == simple("hash"));
  CHECK(e.run({"type", "z"}) == simple("zset"));
}

TEST_CASE("DEL of keys spread over every shard", "[keys]") {
  Engine e;
  Args del{"del"};
  std::set<size_t> shards;
  for (int i = 0; i < 64; ++i) {
    const std::string k = "key:" + std::to_string(i);
    CHECK(e.run({"set", k, "v"}) == kOk);
    del.push_back(k);
    shards.insert(e.shards().shard_of(k));
  }
  CHECK(shards.size() == e.shards().size());
  CHECK(e.run({"dbsize"}) == integer(64));
  CHECK(e.run(del) == integer(64));
  CHECK(e.run({"dbsize"}) == integer(0));
}

TEST_CASE("Writes count as modifications, no-ops do not", "[keys]") {
  Engine e;
  CHECK(e.run({"set", "a", "1"}) == kOk);
  uint64_t before = dirty(e, "a");
  CHECK(e.run({"del", "nokey-on-any-shard"}) == integer(0));
  CHECK(e.run({"persist", "a"}) == integer(0));
  CHECK(e.run({"expire", "a", "10", "xx"}) == integer(0));
  CHECK(dirty(e, "a") == before);
  CHECK(e.run({"expire", "a", "10"}) == integer(1));
  CHECK(dirty(e, "a") == before + 1);
  CHECK(e.run({"persist", "a"}) == integer(1));
  CHECK(dirty(e, "a") == before + 2);
  CHECK(e.run({"del", "a"}) == integer(1));
  CHECK(dirty(e, "a") == before + 3);
}

TEST_CASE("EXPIRE family: set, refuse, delete", "[keys][expire]") {
  Engine e;
  run_cases(e, {
                   {{"set", "k", "v"}, kOk},
                   {{"ttl", "k"}, integer(-1)},
                   {{"pttl", "k"}, integer(-1)},
                   {{"expiretime", "k"}, integer(-1)},
                   {{"pexpiretime", "k"}, integer(-1)},
                   {{"ttl", "nokey"}, integer(-2)},
                   {{"pttl", "nokey"}, integer(-2)},
                   {{"expiretime", "nokey"}, integer(-2)},
                   {{"pexpiretime", "nokey"}, integer(-2)},
                   {{"expire", "nokey", "10"}, integer(0)},
                   {{"expire", "k", "100"}, integer(1)},
                   {{"ttl", "k"}, integer(100)},
                   {{"pttl", "k"}, integer(100000)},
               });
  advance_ms(e, 1500);
  run_cases(e, {
                   {{"ttl", "k"}, integer(99)},  // 98.5 s rounds to 99
                   {{"pttl", "k"}, integer(98500)},
                   {{"pexpire", "k", "2500"}, integer(1)},
                   {{"ttl", "k"}, integer(3)},
                   {{"pttl", "k"}, integer(2500)},
               });
  advance_ms(e, 2499);
  CHECK(e.run({"pttl", "k"}) == integer(1));
  CHECK(e.run({"ttl", "k"}) == integer(0));
  advance_ms(e, 1);
  // At the deadline itself the key still lives, with nothing left.
  CHECK(e.run({"pttl", "k"}) == integer(0));
  CHECK(e.run({"exists", "k"}) == integer(1));
  advance_ms(e, 1);
  // Lazily expired: gone for every command.
  run_cases(e, {
                   {{"pttl", "k"}, integer(-2)},
                   {{"exists", "k"}, integer(0)},
                   {{"get", "k"}, kNil},
                   {{"expire", "k", "10"}, integer(0)},
               });
}

TEST_CASE("the active expiry cycle spares a key in its deadline's millisecond", "[keys][expire]") {
  constexpr int64_t kAt = 1'700'000'000'000;
  shardis::Db db;
  for (const char* k : {"a", "b", "c"}) db.set_expire(k, db.set_string(k, "v"), kAt);
  db.set_expire("later", db.set_string("later", "v"), kAt + 1);
  constexpr int64_t kNoTimeLimit = std::numeric_limits<int64_t>::max();  // one whole pass
  CHECK(db.active_expire(kAt, kNoTimeLimit) == 0);
  CHECK(db.size() == 4);
  CHECK(db.active_expire(kAt + 1, kNoTimeLimit) == 3);
  CHECK(db.size() == 1);
  CHECK(db.expires_size() == 1);
  CHECK(db.active_expire(kAt + 2, kNoTimeLimit) == 1);
  CHECK(db.size() == 0);
}

TEST_CASE("EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME", "[keys][expire]") {
  Engine e;
  const int64_t now = now_ms(e);
  const int64_t at_ms = now + 10'700;
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(e.run({"pexpireat", "k", std::to_string(at_ms)}) == integer(1));
  CHECK(e.run({"pexpiretime", "k"}) == integer(at_ms));
  CHECK(e.run({"expiretime", "k"}) == integer((at_ms + 500) / 1000));
  CHECK(e.run({"pttl", "k"}) == integer(10'700));
  CHECK(e.run({"ttl", "k"}) == integer(11));

  const int64_t at_s = now / 1000 + 100;
  CHECK(e.run({"expireat", "k", std::to_string(at_s)}) == integer(1));
  CHECK(e.run({"expiretime", "k"}) == integer(at_s));
  CHECK(e.run({"pexpiretime", "k"}) == integer(at_s * 1000));
  CHECK(e.run({"pttl", "k"}) == integer(at_s * 1000 - now));

  // A deadline already past deletes the key and still answers 1.
  CHECK(e.run({"expireat", "k", std::to_string(now / 1000 - 1)}) == integer(1));
  CHECK(e.run({"exists", "k"}) == integer(0));
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(e.run({"pexpireat", "k", std::to_string(now)}) == integer(1));  // now is past
  CHECK(e.run({"exists", "k"}) == integer(0));
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(e.run({"pexpireat", "k", std::to_string(now + 1)}) == integer(1));
  CHECK(e.run({"exists", "k"}) == integer(1));
  CHECK(e.run({"expireat", "nokey", "1"}) == integer(0));
}

TEST_CASE("EXPIRE with a deadline not in the future deletes the key", "[keys][expire]") {
  Engine e;
  run_cases(e, {
                   {{"set", "a", "v"}, kOk},
                   {{"expire", "a", "0"}, integer(1)},
                   {{"exists", "a"}, integer(0)},
                   {{"set", "a", "v"}, kOk},
                   {{"expire", "a", "-10"}, integer(1)},
                   {{"exists", "a"}, integer(0)},
                   {{"set", "a", "v"}, kOk},
                   {{"pexpire", "a", "-1"}, integer(1)},
                   {{"exists", "a"}, integer(0)},
                   {{"set", "a", "v"}, kOk},
                   {{"pexpireat", "a", "-9223372036854775808"}, integer(1)},
                   {{"exists", "a"}, integer(0)},
                   {{"set", "a", "v"}, kOk},
                   {{"expireat", "a", "0"}, integer(1)},
                   {{"exists", "a"}, integer(0)},
                   {{"dbsize"}, integer(0)},
               });
}

TEST_CASE("EXPIRE NX, XX, GT, LT", "[keys][expire]") {
  Engine e;
  run_cases(e, {
                   {{"set", "k", "v"}, kOk},
                   // Without a TTL: NX sets, XX and GT refuse, LT sets (no TTL = infinite).
                   {{"expire", "k", "100", "xx"}, integer(0)},
                   {{"expire", "k", "100", "gt"}, integer(0)},
                   {{"expire", "k", "100", "xx", "gt"}, integer(0)},
                   {{"expire", "k", "100", "xx", "lt"}, integer(0)},
                   {{"ttl", "k"}, integer(-1)},
                   {{"expire", "k", "100", "lt"}, integer(1)},
                   {{"persist", "k"}, integer(1)},
                   {{"expire", "k", "100", "NX"}, integer(1)},
                   {{"ttl", "k"}, integer(100)},
                   // With a TTL of 100 s.
                   {{"expire", "k", "50", "nx"}, integer(0)},
                   {{"expire", "k", "200", "xx"}, integer(1)},
                   {{"ttl", "k"}, integer(200)},
                   {{"expire", "k", "200", "gt"}, integer(0)},  // equal is not greater
                   {{"expire", "k", "100", "gt"}, integer(0)},
                   {{"expire", "k", "300", "Gt"}, integer(1)},
                   {{"expire", "k", "300", "lt"}, integer(0)},  // equal is not less
                   {{"expire", "k", "400", "lt"}, integer(0)},
                   {{"expire", "k", "150", "lt"}, integer(1)},
                   {{"ttl", "k"}, integer(150)},
                   {{"pexpire", "k", "200000", "xx", "gt"}, integer(1)},
                   {{"pexpire", "k", "100000", "xx", "lt"}, integer(1)},
                   {{"ttl", "k"}, integer(100)},
                   // A refused condition never deletes, even with a past deadline.
                   {{"expire", "k", "-1", "gt"}, integer(0)},
                   {{"exists", "k"}, integer(1)},
                   {{"expire", "k", "-1", "lt"}, integer(1)},
                   {{"exists", "k"}, integer(0)},
                   {{"expire", "nokey", "10", "nx"}, integer(0)},
               });
}

TEST_CASE("EXPIRE option and number errors", "[keys][expire]") {
  Engine e;
  const std::string kNxError =
      error("ERR NX and XX, GT or LT options at the same time are not compatible");
  const std::string kGtLtError = error("ERR GT and LT options at the same time are not compatible");
  run_cases(
      e, {
             {{"set", "k", "v"}, kOk},
             {{"expire", "k", "10", "nx", "xx"}, kNxError},
             {{"expire", "k", "10", "nx", "gt"}, kNxError},
             {{"expire", "k", "10", "lt", "nx"}, kNxError},
             {{"expire", "k", "10", "gt", "lt"}, kGtLtError},
             {{"expire", "k", "10", "xx", "gt", "lt"}, kGtLtError},
             {{"expire", "k", "10", "foo"}, error("ERR Unsupported option foo")},
             {{"pexpire", "k", "10", "nx", "Bar"}, error("ERR Unsupported option Bar")},
             // Options are checked before the number.
             {{"expire", "k", "abc", "nx", "xx"}, kNxError},
             {{"expire", "k", "abc"}, kNotInt},
             {{"expire", "k", "1.5"}, kNotInt},
             {{"expire", "k", "+1"}, kNotInt},
             {{"expire", "k", "01"}, kNotInt},
             {{"expire", "k", " 1"}, kNotInt},
             {{"expire", "k", ""}, kNotInt},
             {{"expire", "k", "9223372036854775808"}, kNotInt},
             // Overflow of the unit conversion or of adding now.
             {{"expire", "k", "9223372036854775807"}, invalid_expire("expire")},
             {{"expire", "k", "-9223372036854775808"}, invalid_expire("expire")},
             {{"expire", "k", "9223372036854775"}, invalid_expire("expire")},
             {{"pexpire", "k", "9223372036854775807"}, invalid_expire("pexpire")},
             {{"expireat", "k", "9223372036854775807"}, invalid_expire("expireat")},
             {{"expireat", "k", "-9223372036854776"}, invalid_expire("expireat")},
             {{"ttl", "k"}, integer(-1)},
             // Milliseconds since the epoch need no conversion: no overflow.
             {{"pexpireat", "k", "9223372036854775807"}, integer(1)},
             {{"pexpiretime", "k"}, integer(9223372036854775807LL)},
             {{"expire"}, error("ERR wrong number of arguments for 'expire' command")},
             {{"expire", "k"}, error("ERR wrong number of arguments for 'expire' command")},
             {{"pexpireat", "k"}, error("ERR wrong number of arguments for 'pexpireat' command")},
             {{"ttl"}, error("ERR wrong number of arguments for 'ttl' command")},
             {{"expiretime", "k", "x"},
              error("ERR wrong number of arguments for 'expiretime' command")},
         });
}

TEST_CASE("PERSIST", "[keys][expire]") {
  Engine e;
  run_cases(e, {
                   {{"persist", "nokey"}, integer(0)},
                   {{"set", "k", "v"}, kOk},
                   {{"persist", "k"}, integer(0)},
                   {{"pexpire", "k", "100"}, integer(1)},
                   {{"persist", "k"}, integer(1)},
                   {{"ttl", "k"}, integer(-1)},
                   {{"persist", "k"}, integer(0)},
               });
  advance_ms(e, 1000);
  CHECK(e.run({"exists", "k"}) == integer(1));  // the old deadline is gone for good
  CHECK(e.run({"pexpire", "k", "10"}) == integer(1));
  advance_past_ms(e, 10);
  CHECK(e.run({"persist", "k"}) == integer(0));  // expired before PERSIST ran
  CHECK(e.run({"exists", "k"}) == integer(0));
}

TEST_CASE("SET without KEEPTTL drops the TTL index entry", "[keys][expire]") {
  Engine e;
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(e.run({"pexpire", "k", "100"}) == integer(1));
  CHECK(e.run({"set", "k", "w"}) == kOk);
  advance_ms(e, 200);
  CHECK(e.run({"ttl", "k"}) == integer(-1));
  CHECK(e.run({"get", "k"}) == bulk("w"));
}

TEST_CASE("RENAME and RENAMENX", "[keys][rename]") {
  Engine e;
  const ShardPair p = keys_on_two_shards(e);
  run_cases(e,
            {
                {{"rename", "nokey", "x"}, kNoSuchKey},
                {{"rename", "nokey", "nokey"}, kNoSuchKey},
                {{"renamenx", "nokey", "x"}, kNoSuchKey},
                {{"renamenx", "nokey", "nokey"}, kNoSuchKey},
                {{"set", p.a, "1"}, kOk},
                // Same name: nothing happens, but the key must exist.
                {{"rename", p.a, p.a}, kOk},
                {{"renamenx", p.a, p.a}, integer(0)},
                {{"get", p.a}, bulk("1")},
                // Across shards, with the TTL carried along.
                {{"pexpire", p.a, "5000"}, integer(1)},
                {{"rename", p.a, p.b}, kOk},
                {{"exists", p.a}, integer(0)},
                {{"get", p.b}, bulk("1")},
                {{"pttl", p.b}, integer(5000)},
                // Onto an existing key: overwritten, and the source's lack of TTL wins.
                {{"set", p.a2, "2"}, kOk},
                {{"rename", p.a2, p.b}, kOk},
                {{"get", p.b}, bulk("2")},
                {{"ttl", p.b}, integer(-1)},
                {{"exists", p.a2}, integer(0)},
                // Onto a key on the same shard.
                {{"rename", p.b, p.a}, kOk},
                {{"pexpire", p.a, "3000"}, integer(1)},
                {{"rename", p.a, p.a2}, kOk},
                {{"pttl", p.a2}, integer(3000)},
                // RENAMENX refuses an existing target.
                {{"set", p.b, "3"}, kOk},
                {{"renamenx", p.a2, p.b}, integer(0)},
                {{"get", p.b}, bulk("3")},
                {{"renamenx", p.a2, "fresh"}, integer(1)},
                {{"pttl", "fresh"}, integer(3000)},
                {{"get", "fresh"}, bulk("2")},
                {{"exists", p.a2}, integer(0)},
                {{"rename", "fresh"}, error("ERR wrong number of arguments for 'rename' command")},
                {{"renamenx", "a", "b", "c"},
                 error("ERR wrong number of arguments for 'renamenx' command")},
            });
  // The moved deadline is live: the renamed key expires on time.
  advance_past_ms(e, 3000);
  CHECK(e.run({"exists", "fresh"}) == integer(0));
  CHECK(e.run({"dbsize"}) == integer(1));
}

TEST_CASE("RENAME of an expired key, onto an expired key", "[keys][rename]") {
  Engine e;
  run_cases(e, {
                   {{"set", "old", "v"}, kOk},
                   {{"pexpire", "old", "10"}, integer(1)},
                   {{"set", "src", "s"}, kOk},
                   {{"set", "dst", "d"}, kOk},
                   {{"pexpire", "dst", "10"}, integer(1)},
               });
  advance_past_ms(e, 10);
  run_cases(e, {
                   {{"rename", "old", "x"}, kNoSuchKey},
                   {{"renamenx", "src", "dst"}, integer(1)},  // an expired target does not exist
                   {{"ttl", "dst"}, integer(-1)},
                   {{"get", "dst"}, bulk("s")},
               });
}

TEST_CASE("COPY", "[keys][copy]") {
  Engine e;
  const ShardPair p = keys_on_two_shards(e);
  run_cases(
      e, {
             {{"copy", "nokey", "x"}, integer(0)},
             {{"set", p.a, "v"}, kOk},
             {{"pexpire", p.a, "4000"}, integer(1)},
             {{"copy", p.a, p.b}, integer(1)},
             {{"get", p.b}, bulk("v")},
             {{"pttl", p.b}, integer(4000)},
             {{"get", p.a}, bulk("v")},
             {{"copy", p.a, p.b}, integer(0)},
             {{"set", p.a2, "other"}, kOk},
             {{"copy", p.a2, p.b}, integer(0)},
             {{"copy", p.a2, p.b, "REPLACE"}, integer(1)},
             {{"get", p.b}, bulk("other")},
             {{"ttl", p.b}, integer(-1)},  // the target takes the source's (absent) TTL
             {{"copy", p.a, p.a}, kSameObject},
             {{"copy", p.a, p.a, "db", "0"}, kSameObject},
             {{"copy", p.a, p.a, "db", "1"}, integer(1)},
             {{"copy", p.a, p.a, "db", "1"}, integer(0)},
             {{"copy", p.a2, p.a, "db", "1", "replace"}, integer(1)},
             {{"copy", p.a, p.b, "replace", "db", "2", "db", "3"}, integer(1)},  // the last DB wins
             // Errors, in argument order.
             {{"copy", p.a, p.b, "db"}, kSyntax},
             {{"copy", p.a, p.b, "foo"}, kSyntax},
             {{"copy", p.a, p.b, "replace", "foo"}, kSyntax},
             {{"copy", p.a, p.b, "db", "foo"}, kNotInt},
             {{"copy", p.a, p.b, "db", "16"}, kDbIndex},
             {{"copy", p.a, p.b, "db", "-1"}, kDbIndex},
             {{"copy", p.a, p.b, "db", "2147483648"}, kIntRange},
             {{"copy", p.a, p.b, "db", "-2147483649"}, kIntRange},
             {{"copy", p.a, p.b, "db", "foo", "bar"}, kNotInt},
             {{"copy", p.a}, error("ERR wrong number of arguments for 'copy' command")},
         });
  e.session().db = 1;
  CHECK(e.run({"get", p.a}) == bulk("other"));
  CHECK(e.run({"pttl", p.a}) == integer(-1));
  e.session().db = 3;
  CHECK(e.run({"get", p.b}) == bulk("v"));
  CHECK(e.run({"pttl", p.b}) == integer(4000));
  e.session().db = 2;
  CHECK(e.run({"dbsize"}) == integer(0));
}

TEST_CASE("COPY makes an independent value", "[keys][copy]") {
  Engine e;
  run_cases(e, {
                   {{"set", "a", "hello"}, kOk},
                   {{"copy", "a", "b"}, integer(1)},
                   {{"append", "b", " world"}, integer(11)},
                   {{"get", "a"}, bulk("hello")},
                   {{"get", "b"}, bulk("hello world")},
               });
}

TEST_CASE("MOVE", "[keys][move]") {
  Engine e;
  run_cases(e, {
                   {{"move", "nokey", "1"}, integer(0)},
                   {{"set", "k", "v"}, kOk},
                   {{"pexpire", "k", "7000"}, integer(1)},
                   {{"move", "k", "0"}, kSameObject},
                   {{"move", "k", "16"}, kDbIndex},
                   {{"move", "k", "-1"}, kDbIndex},
                   {{"move", "k", "foo"}, kNotInt},
                   {{"move", "k", "2147483648"}, kIntRange},
                   {{"move", "nokey", "0"}, kSameObject},  // checked before the key
                   {{"move", "k", "1"}, integer(1)},
                   {{"exists", "k"}, integer(0)},
                   {{"set", "k", "again"}, kOk},
                   {{"move", "k", "1"}, integer(0)},  // already there
                   {{"get", "k"}, bulk("again")},
                   {{"move", "k"}, error("ERR wrong number of arguments for 'move' command")},
               });
  e.session().db = 1;
  run_cases(e, {
                   {{"get", "k"}, bulk("v")},
                   {{"pttl", "k"}, integer(7000)},
                   {{"move", "k", "0"}, integer(0)},
                   {{"move", "k", "1"}, kSameObject},
                   {{"move", "k", "2"}, integer(1)},
               });
  advance_past_ms(e, 7000);
  e.session().db = 2;
  CHECK(e.run({"exists", "k"}) == integer(0));
}

TEST_CASE("KEYS", "[keys][keyspace]") {
  Engine e;
  CHECK(e.run({"keys", "*"}) == "*0\r\n");
  std::multiset<std::string> users;
  for (int i = 0; i < 30; ++i) {
    const std::string k = "user:" + std::to_string(i);
    CHECK(e.run({"set", k, "x"}) == kOk);
    users.insert(k);
  }
  CHECK(e.run({"set", "other", "x"}) == kOk);
  CHECK(e.run({"set", "", "empty name"}) == kOk);
  CHECK(bulk_set(e.run({"keys", "user:*"})) == users);
  CHECK(bulk_set(e.run({"keys", "user:?"})).size() == 10);
  CHECK(bulk_set(e.run({"keys", "user:[12]?"})).size() == 20);
  CHECK(bulk_set(e.run({"keys", "oth*"})) == std::multiset<std::string>{"other"});
  CHECK(bulk_set(e.run({"keys", "nomatch*"})).empty());
  // "*" lists everything, the empty key included; as a glob it matches
  // nothing empty, so "**" does not.
  CHECK(bulk_set(e.run({"keys", "*"})).size() == 32);
  CHECK(bulk_set(e.run({"keys", "**"})).size() == 31);
  CHECK(bulk_set(e.run({"keys", ""})) == std::multiset<std::string>{""});

  // Expired keys are never listed.
  CHECK(e.run({"pexpire", "other", "5"}) == integer(1));
  advance_past_ms(e, 5);
  CHECK(bulk_set(e.run({"keys", "oth*"})).empty());
  CHECK(bulk_set(e.run({"keys", "*"})).size() == 31);

  // Only the selected database.
  e.session().db = 4;
  CHECK(e.run({"keys", "*"}) == "*0\r\n");
  CHECK(e.run({"keys"}) == error("ERR wrong number of arguments for 'keys' command"));
}

TEST_CASE("SCAN over several shards returns every key", "[keys][scan]") {
  Engine e;
  std::set<std::string> all;
  for (int i = 0; i < 1000; ++i) {
    const std::string k = "key:" + std::to_string(i);
    CHECK(e.run({"set", k, "v"}) == kOk);
    all.insert(k);
  }
  for (size_t s = 0; s < e.shards().size(); ++s) CHECK(e.shards().shard(s).db(0).size() > 0);

  int calls = 0;
  auto seen = full_scan(e, {}, &calls);
  CHECK(seen.size() == all.size());
  for (const std::string& k : all) CHECK(seen.count(k) == 1);
  CHECK(calls > 1000 / 10 / 2);  // COUNT defaults to 10

  auto big = full_scan(e, {"COUNT", "100000"}, &calls);
  CHECK(big.size() == all.size());
  CHECK(calls == 1);  // a call walks on into the next shard until COUNT is reached
}

TEST_CASE("SCAN guarantee holds while keys are added and removed", "[keys][scan]") {
  Engine e;
  std::set<std::string> stable;
  for (int i = 0; i < 500; ++i) {
    const std::string k = "stable:" + std::to_string(i);
    CHECK(e.run({"set", k, "v"}) == kOk);
    stable.insert(k);
  }
  for (int i = 0; i < 3000; ++i) CHECK(e.run({"set", "vol:" + std::to_string(i), "v"}) == kOk);
  std::map<std::string, int> seen;
  std::string cursor = "0";
  int added = 0, removed = 0, calls = 0;
  do {
    ScanReply r = parse_scan(e.run({"scan", cursor, "count", "20"}));
    for (const std::string& k : r.keys) ++seen[k];
    cursor = r.cursor;
    // Between calls the tables grow and shrink under the cursor.
    for (int j = 0; j < 40 && removed < 3000; ++j)
      CHECK(e.run({"del", "vol:" + std::to_string(removed++)}) == integer(1));
    for (int j = 0; j < 30 && added < 6000; ++j)
      CHECK(e.run({"set", "new:" + std::to_string(added++), "v"}) == kOk);
    for (size_t s = 0; s < e.shards().size(); ++s) e.shards().shard(s).db(0).keys().maybe_shrink();
    REQUIRE(++calls < 100000);
  } while (cursor != "0");
  for (const std::string& k : stable) {
    INFO(k);
    CHECK(seen.count(k) == 1);
  }
}

TEST_CASE("SCAN MATCH, TYPE and expired keys", "[keys][scan]") {
  Engine e;
  for (int i = 0; i < 50; ++i) CHECK(e.run({"set", "user:" + std::to_string(i), "v"}) == kOk);
  for (int i = 0; i < 50; ++i) CHECK(e.run({"set", "item:" + std::to_string(i), "v"}) == kOk);
  e.shards().shard_for("h1").db(0).insert("h1").first->type = ValueType::kHash;
  e.shards().shard_for("h2").db(0).insert("h2").first->type = ValueType::kHash;

  auto users = full_scan(e, {"MATCH", "user:*"});
  CHECK(users.size() == 50);
  for (const auto& [k, n] : users) CHECK(k.rfind("user:", 0) == 0);
  CHECK(full_scan(e, {"match", "user:1?"}).size() == 10);
  CHECK(full_scan(e, {"MATCH", "*"}).size() == 102);
  CHECK(full_scan(e, {"MATCH", "nothing*"}).empty());

  auto hashes = full_scan(e, {"TYPE", "hash"});
  CHECK(hashes == std::map<std::string, int>{{"h1", 1}, {"h2", 1}});
  CHECK(full_scan(e, {"type", "STRING"}).size() == 100);  // type names ignore case
  CHECK(full_scan(e, {"TYPE", "string", "MATCH", "item:*"}).size() == 50);
  CHECK(full_scan(e, {"TYPE", "list"}).empty());
  CHECK(full_scan(e, {"TYPE", "nosuchtype"}).empty());
  CHECK(full_scan(e, {"COUNT", "5", "MATCH", "item:4*", "COUNT", "7"}).size() == 11);

  for (int i = 0; i < 50; ++i)
    CHECK(e.run({"pexpire", "item:" + std::to_string(i), "10"}) == integer(1));
  advance_past_ms(e, 10);
  CHECK(full_scan(e, {"MATCH", "item:*"}).empty());
  CHECK(full_scan(e, {}).size() == 52);
  CHECK(e.run({"dbsize"}) == integer(52));  // the scan deleted what it met expired
}

TEST_CASE("SCAN cursor parsing and option errors", "[keys][scan]") {
  Engine e;
  CHECK(e.run({"set", "a", "1"}) == kOk);
  run_cases(e, {
                   {{"scan", "foo"}, kCursor},
                   {{"scan", " 1"}, kCursor},
                   {{"scan", "1 "}, kCursor},
                   {{"scan", "1x"}, kCursor},
                   {{"scan", "0x10"}, kCursor},
                   {{"scan", "+"}, kCursor},
                   {{"scan", "-"}, kCursor},
                   {{"scan", "18446744073709551616"}, kCursor},
                   {{"scan", "0", "count", "0"}, kSyntax},
                   {{"scan", "0", "count", "-1"}, kSyntax},
                   {{"scan", "0", "count", "foo"}, kNotInt},
                   {{"scan", "0", "count", "9223372036854775808"}, kNotInt},
                   {{"scan", "0", "count"}, kSyntax},
                   {{"scan", "0", "match"}, kSyntax},
                   {{"scan", "0", "type"}, kSyntax},
                   {{"scan", "0", "foo", "bar"}, kSyntax},
                   {{"scan", "0", "match", "*", "extra"}, kSyntax},
                   {{"scan", "foo", "count", "0"}, kCursor},  // the cursor is read first
                   {{"scan"}, error("ERR wrong number of arguments for 'scan' command")},
               });
  // strtoul() accepts these, as Redis does.
  for (const char* c : {"", "+0", "-0", "18446744073709551615", "-1", "00"}) {
    INFO("cursor '" << c << "'");
    const std::string r = e.run({"scan", c});
    CHECK(r.rfind("*2\r\n", 0) == 0);
  }
  auto whole = full_scan(e, {"COUNT", "9223372036854775807"});
  CHECK(whole == std::map<std::string, int>{{"a", 1}});
}

TEST_CASE("RANDOMKEY", "[keys][keyspace]") {
  Engine e;
  CHECK(e.run({"randomkey"}) == kNil);
  CHECK(e.run({"set", "only", "v"}) == kOk);
  for (int i = 0; i < 5; ++i) CHECK(e.run({"randomkey"}) == bulk("only"));

  std::set<std::string> all{"only"};
  for (int i = 0; i < 40; ++i) {
    const std::string k = "k" + std::to_string(i);
    CHECK(e.run({"set", k, "v"}) == kOk);
    all.insert(k);
  }
  std::set<std::string> picked;
  for (int i = 0; i < 2000; ++i) {
    size_t pos = 0;
    const std::string r = e.run({"randomkey"});
    const std::string k = read_bulk(r, &pos);
    REQUIRE(all.count(k) == 1);
    picked.insert(k);
  }
  CHECK(picked.size() == all.size());  // every key, on every shard, comes up

  // Expired keys are never returned; once all are gone, null.
  for (const std::string& k : all) CHECK(e.run({"pexpire", k, "10"}) == integer(1));
  advance_past_ms(e, 10);
  CHECK(e.run({"randomkey"}) == kNil);
  CHECK(e.run({"dbsize"}) == integer(0));
  CHECK(e.run({"randomkey", "x"}) ==
        error("ERR wrong number of arguments for 'randomkey' command"));
}

TEST_CASE("DBSIZE, FLUSHDB, FLUSHALL", "[keys][keyspace]") {
  Engine e;
  for (int i = 0; i < 20; ++i) CHECK(e.run({"set", "a" + std::to_string(i), "v"}) == kOk);
  e.session().db = 1;
  for (int i = 0; i < 7; ++i) CHECK(e.run({"set", "b" + std::to_string(i), "v"}) == kOk);
  run_cases(e, {
                   {{"dbsize"}, integer(7)},
                   {{"flushdb", "foo"}, kSyntax},
                   {{"flushdb", "sync", "async"}, kSyntax},
                   {{"flushall", "foo"}, kSyntax},
                   {{"dbsize", "x"}, error("ERR wrong number of arguments for 'dbsize' command")},
                   {{"flushdb"}, kOk},
                   {{"dbsize"}, integer(0)},
               });
  e.session().db = 0;
  run_cases(e, {
                   {{"dbsize"}, integer(20)},
                   {{"flushdb", "ASYNC"}, kOk},
                   {{"dbsize"}, integer(0)},
                   {{"set", "x", "v"}, kOk},
                   {{"flushdb", "sync"}, kOk},
                   {{"dbsize"}, integer(0)},
               });
  for (int db : {0, 5, 15}) {
    e.session().db = db;
    CHECK(e.run({"set", "k", "v"}) == kOk);
    CHECK(e.run({"pexpire", "k", "100000"}) == integer(1));
  }
  CHECK(e.run({"flushall"}) == kOk);
  for (int db : {0, 5, 15}) {
    e.session().db = db;
    CHECK(e.run({"dbsize"}) == integer(0));
    CHECK(e.shards().shard_for("k").db(db).expires_size() == 0);
  }
  CHECK(e.run({"flushall", "SYNC"}) == kOk);
  CHECK(e.run({"flushall", "async"}) == kOk);
}

TEST_CASE("SWAPDB", "[keys][keyspace]") {
  Engine e;
  CHECK(e.run({"set", "in0", "zero"}) == kOk);
  CHECK(e.run({"pexpire", "in0", "5000"}) == integer(1));
  e.session().db = 1;
  for (int i = 0; i < 10; ++i) CHECK(e.run({"set", "in1:" + std::to_string(i), "one"}) == kOk);
  run_cases(e, {
                   {{"swapdb", "0", "1"}, kOk},
                   {{"dbsize"}, integer(1)},
                   {{"get", "in0"}, bulk("zero")},
                   {{"pttl", "in0"}, integer(5000)},
                   {{"swapdb", "1", "1"}, kOk},
                   {{"dbsize"}, integer(1)},
                   {{"swapdb", "foo", "1"}, error("ERR invalid first DB index")},
                   {{"swapdb", "1", "foo"}, error("ERR invalid second DB index")},
                   {{"swapdb", "foo", "bar"}, error("ERR invalid first DB index")},
                   {{"swapdb", "2147483648", "1"}, error("ERR invalid first DB index")},
                   {{"swapdb", "0", "16"}, kDbIndex},
                   {{"swapdb", "-1", "0"}, kDbIndex},
                   {{"swapdb", "0"}, error("ERR wrong number of arguments for 'swapdb' command")},
               });
  e.session().db = 0;
  CHECK(e.run({"dbsize"}) == integer(10));
  CHECK(e.run({"get", "in1:3"}) == bulk("one"));
  // The TTL index moved with its keys: the deadline still fires in db 1.
  advance_past_ms(e, 5000);
  e.session().db = 1;
  CHECK(e.run({"exists", "in0"}) == integer(0));
}

TEST_CASE("OBJECT subcommands", "[keys][object]") {
  Engine e;
  run_cases(e,
            {
                {{"set", "int", "12345"}, kOk},
                {{"set", "small", "1"}, kOk},
                {{"set", "str", "hello"}, kOk},
                {{"set", "raw", std::string(45, 'x')}, kOk},
                {{"object", "encoding", "int"}, bulk("int")},
                {{"object", "ENCODING", "str"}, bulk("embstr")},
                {{"object", "encoding", "raw"}, bulk("raw")},
                {{"object", "encoding", "nokey"}, kNil},
                {{"object", "refcount", "nokey"}, kNil},
                {{"object", "idletime", "nokey"}, kNil},
                {{"object", "freq", "nokey"}, kNil},
                // Integers 0..9999 are shared objects in Redis when maxmemory is off.
                {{"object", "refcount", "small"}, integer(2147483647)},
                {{"object", "refcount", "int"}, integer(1)},
                {{"object", "refcount", "str"}, integer(1)},
                {{"object", "freq", "str"}, kLfuNotSelected},
                {{"object", "foo", "str"}, error("ERR unknown subcommand 'foo'. Try OBJECT HELP.")},
                {{"object"}, error("ERR wrong number of arguments for 'object' command")},
                {{"object", "encoding"},
                 error("ERR wrong number of arguments for 'object|encoding' command")},
                {{"object", "encoding", "a", "b"},
                 error("ERR wrong number of arguments for 'object|encoding' command")},
                {{"object", "help", "x"},
                 error("ERR wrong number of arguments for 'object|help' command")},
            });

  // IDLETIME counts whole seconds since the last access; TOUCH resets it.
  CHECK(e.run({"touch", "str"}) == integer(1));
  CHECK(e.run({"object", "idletime", "str"}) == integer(0));
  advance_ms(e, 12'000);
  CHECK(e.run({"object", "idletime", "str"}) == integer(12));
  CHECK(e.run({"object", "idletime", "str"}) == integer(12));  // OBJECT does not touch
  CHECK(e.run({"touch", "str"}) == integer(1));
  CHECK(e.run({"object", "idletime", "str"}) == integer(0));
  // COPY makes a new value with a fresh access time; RENAME moves the value,
  // but its lookup of the source is an access (Redis's lookupKeyWrite
  // touches), so both read 0 right after.
  advance_ms(e, 3000);
  CHECK(e.run({"copy", "str", "copied"}) == integer(1));
  CHECK(e.run({"rename", "str", "renamed"}) == kOk);
  CHECK(e.run({"object", "idletime", "copied"}) == integer(0));
  CHECK(e.run({"object", "idletime", "renamed"}) == integer(0));
  advance_ms(e, 5000);
  CHECK(e.run({"object", "idletime", "renamed"}) == integer(5));
  CHECK(e.run({"get", "renamed"}).rfind("$", 0) == 0);
  CHECK(e.run({"object", "idletime", "renamed"}) == integer(0));

  // Under an LFU policy FREQ answers and IDLETIME refuses.
  REQUIRE(e.server().config.set("maxmemory-policy", "allkeys-lfu").empty());
  CHECK(e.run({"object", "idletime", "renamed"}) == kLfuSelected);
  CHECK(e.run({"object", "freq", "renamed"}).rfind(":", 0) == 0);

  // With maxmemory set and an LRU/LFU policy, integers are not shared.
  CHECK(e.run({"object", "refcount", "small"}) == integer(2147483647));
  REQUIRE(e.server().config.set("maxmemory", "100mb").empty());
  CHECK(e.run({"object", "refcount", "small"}) == integer(1));
  REQUIRE(e.server().config.set("maxmemory-policy", "noeviction").empty());
  CHECK(e.run({"object", "refcount", "small"}) == integer(2147483647));
}

TEST_CASE("OBJECT HELP", "[keys][object]") {
  Engine e;
  const char* lines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  std::string expected = "*15\r\n";
  for (const char* line : lines) expected += simple(line);
  CHECK(e.run({"object", "help"}) == expected);
  CHECK(e.run({"OBJECT", "HELP"}) == expected);
}

TEST_CASE("Keyspace command metadata matches Redis 7", "[keys][meta]") {
  using namespace shardis;
  struct Meta {
    const char* name;
    int arity;
    uint32_t flags;  // as COMMAND INFO reports them
    int first, last, step;
    bool all_shards;
  };
  const uint32_t kW = kCmdWrite, kR = kCmdReadonly, kF = kCmdFast;
  const Meta metas[] = {
      {"del", -2, kW, 1, -1, 1, false},
      {"unlink", -2, kW | kF, 1, -1, 1, false},
      {"exists", -2, kR | kF, 1, -1, 1, false},
      {"touch", -2, kR | kF, 1, -1, 1, false},
      {"type", 2, kR | kF, 1, 1, 1, false},
      {"rename", 3, kW, 1, 2, 1, false},
      {"renamenx", 3, kW | kF, 1, 2, 1, false},
      {"copy", -3, kW | kCmdDenyOom, 1, 2, 1, false},
      {"move", 3, kW | kF, 1, 1, 1, false},
      {"expire", -3, kW | kF, 1, 1, 1, false},
      {"pexpire", -3, kW | kF, 1, 1, 1, false},
      {"expireat", -3, kW | kF, 1, 1, 1, false},
      {"pexpireat", -3, kW | kF, 1, 1, 1, false},
      {"ttl", 2, kR | kF, 1, 1, 1, false},
      {"pttl", 2, kR | kF, 1, 1, 1, false},
      {"expiretime", 2, kR | kF, 1, 1, 1, false},
      {"pexpiretime", 2, kR | kF, 1, 1, 1, false},
      {"persist", 2, kW | kF, 1, 1, 1, false},
      {"object", -2, 0, 0, 0, 0, false},
      {"keys", 2, kR, 0, 0, 0, true},
      {"scan", -2, kR, 0, 0, 0, true},
      {"randomkey", 1, kR, 0, 0, 0, true},
      {"dbsize", 1, kR | kF, 0, 0, 0, true},
      {"flushdb", -1, kW, 0, 0, 0, true},
      {"flushall", -1, kW, 0, 0, 0, true},
      {"swapdb", 3, kW | kF, 0, 0, 0, true},
  };
  const CommandTable& table = CommandTable::instance();
  for (const Meta& m : metas) {
    INFO(m.name);
    const CommandSpec* spec = table.find(m.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == m.arity);
    CHECK((spec->flags & ~kCmdAllShards) == m.flags);
    CHECK(((spec->flags & kCmdAllShards) != 0) == m.all_shards);
    CHECK(spec->first_key == m.first);
    CHECK(spec->last_key == m.last);
    CHECK(spec->key_step == m.step);
    CHECK_FALSE(spec->since.empty());
    CHECK_FALSE(spec->summary.empty());
    CHECK((spec->group == "generic" || spec->group == "server"));
  }
  const CommandSpec* object = table.find("object");
  REQUIRE(object != nullptr);
  const std::pair<const char*, int> subs[] = {
      {"encoding", 3}, {"refcount", 3}, {"idletime", 3}, {"freq", 3}, {"help", 2}};
  for (const auto& [name, arity] : subs) {
    INFO(name);
    const CommandSpec* sub = table.find_sub(*object, name);
    REQUIRE(sub != nullptr);
    CHECK(sub->name == "object|" + std::string(name));
    CHECK(sub->arity == arity);
    CHECK(sub->first_key == (arity == 3 ? 2 : 0));
  }
  CHECK(table.find("del")->group == "generic");
  CHECK(table.find("flushall")->group == "server");
}

TEST_CASE("SCAN of an empty keyspace ends at once with cursor 0", "[keys][scan]") {
  Engine e;
  CHECK(e.run({"scan", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  // One key on the last shard only: the walk crosses the empty shards in one call.
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    std::string k = "k" + std::to_string(i);
    if (e.shards().shard_of(k) == e.shards().size() - 1) key = k;
  }
  CHECK(e.run({"set", key, "v"}) == kOk);
  CHECK(e.run({"scan", "0"}) == "*2\r\n$1\r\n0\r\n*1\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n");
}
