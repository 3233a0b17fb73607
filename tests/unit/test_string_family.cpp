// The string family against the engine: commands in, exact RESP bytes out.
// Every expected reply was checked against redis-server 7.0.15.

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "unit/resp_cases.hpp"
#include "engine/errors.hpp"

using shardis::Args;
using shardis::Engine;
using shardis::Entry;

using namespace shardis::test;

namespace {

const std::string kEmpty = "$0\r\n\r\n";


const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kNotInt = error(shardis::err::kNotInteger);
const std::string kNotFloat = error(shardis::err::kNotFloat);
const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kOverflow = error(shardis::err::kOverflow);
const std::string kNaN = error(shardis::err::kIncrFloatNaN);
const std::string kTooLong = error(shardis::err::kStringTooLong);
const std::string kOffset = error(shardis::err::kOffsetOutOfRange);

shardis::Db& db_of(Engine& e, std::string_view key) {
  return e.shards().shard_for(key).db(0);
}

// The key's entry as a client would see it (expired keys are gone).
const Entry* entry(Engine& e, std::string_view key) {
  return db_of(e, key).lookup_write(key, e.server().clock.now_ms());
}

// PTTL's answer: -2 missing, -1 no TTL, else milliseconds left.
long long pttl(Engine& e, std::string_view key) {
  const Entry* en = entry(e, key);
  if (!en) return -2;
  if (en->expire_at_ms == shardis::kNoExpiry) return -1;
  return en->expire_at_ms - e.server().clock.now_ms();
}

std::string encoding(Engine& e, std::string_view key) {
  const Entry* en = entry(e, key);
  return en ? std::string(shardis::encoding_name(*en)) : "none";
}

// A key of another type, for WRONGTYPE paths (the list family is not
// needed: only the type tag matters to the string commands).
void make_list(Engine& e, std::string_view key) {
  auto [en, created] = db_of(e, key).insert(key);
  en->type = shardis::ValueType::kList;
  en->str.clear();
}

}  // namespace

TEST_CASE("GET and SET basics", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"get", "k"}, kNil},
                   {{"set", "k", "v"}, kOk},
                   {{"get", "k"}, bulk("v")},
                   {{"GET", "k"}, bulk("v")},
                   {{"set", "k", "other"}, kOk},
                   {{"get", "k"}, bulk("other")},
                   {{"set", "empty", ""}, kOk},
                   {{"get", "empty"}, kEmpty},
                   {{"set", std::string("bin\0key", 7), std::string("a\0b\r\n", 5)}, kOk},
                   {{"get", std::string("bin\0key", 7)}, bulk(std::string("a\0b\r\n", 5))},
                   {{"get"}, error("ERR wrong number of arguments for 'get' command")},
                   {{"get", "a", "b"}, error("ERR wrong number of arguments for 'get' command")},
                   {{"set", "k"}, error("ERR wrong number of arguments for 'set' command")},
               });
  make_list(e, "l");
  run_cases(e, {
                   {{"get", "l"}, kWrongType},
                   {{"set", "l", "v"}, kOk},  // plain SET replaces any type
                   {{"get", "l"}, bulk("v")},
               });
}

TEST_CASE("GET in RESP3 replies null as _", "[string]") {
  Engine e;
  e.session().resp = 3;
  run_cases(e, {
                   {{"get", "nokey"}, "_\r\n"},
                   {{"set", "k", "v", "nx", "get"}, "_\r\n"},
                   {{"set", "k", "v", "nx"}, "_\r\n"},
                   {{"mget", "k", "nokey"}, "*2\r\n$1\r\nv\r\n_\r\n"},
               });
}

TEST_CASE("SET NX, XX and GET", "[string]") {
  Engine e;
  run_cases(
      e, {
             {{"set", "k", "v", "xx"}, kNil},
             {{"get", "k"}, kNil},
             {{"set", "k", "v", "nx"}, kOk},
             {{"set", "k", "v2", "nx"}, kNil},
             {{"get", "k"}, bulk("v")},
             {{"set", "k", "v2", "xx"}, kOk},
             {{"get", "k"}, bulk("v2")},
             {{"set", "k", "v3", "get"}, bulk("v2")},
             {{"set", "new", "v", "get"}, kNil},
             {{"get", "new"}, bulk("v")},
             {{"set", "k", "v4", "nx", "get"}, bulk("v3")},  // NX blocked, old value still returned
             {{"get", "k"}, bulk("v3")},
             {{"set", "n2", "v", "nx", "get"}, kNil},
             {{"get", "n2"}, bulk("v")},
             {{"set", "n3", "v", "xx", "get"}, kNil},
             {{"get", "n3"}, kNil},
             {{"set", "k", "v5", "xx", "get"}, bulk("v3")},
             {{"get", "k"}, bulk("v5")},
             {{"set", "k", "v", "get", "get"}, bulk("v5")},
             {{"set", "k", "v", "nx", "nx"}, kNil},
             {{"set", "k", "v", "Nx", "gEt"}, bulk("v")},
         });
  make_list(e, "l");
  run_cases(e, {
                   {{"set", "l", "v", "get"}, kWrongType},
                   {{"set", "l", "v", "nx", "get"}, kWrongType},
                   {{"set", "l", "v", "xx", "get"}, kWrongType},
                   {{"get", "l"}, kWrongType},  // nothing was written
                   {{"set", "l", "v", "xx"}, kOk},
                   {{"get", "l"}, bulk("v")},
               });
}

TEST_CASE("SET syntax errors", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"set", "k", "v", "nx", "xx"}, kSyntax},
                   {{"set", "k", "v", "xx", "nx"}, kSyntax},
                   {{"set", "k", "v", "ex", "10", "px", "100"}, kSyntax},
                   {{"set", "k", "v", "px", "10", "ex", "100"}, kSyntax},
                   {{"set", "k", "v", "ex", "10", "exat", "100"}, kSyntax},
                   {{"set", "k", "v", "pxat", "10", "exat", "100"}, kSyntax},
                   {{"set", "k", "v", "keepttl", "ex", "10"}, kSyntax},
                   {{"set", "k", "v", "ex", "10", "keepttl"}, kSyntax},
                   {{"set", "k", "v", "ex"}, kSyntax},
                   {{"set", "k", "v", "px"}, kSyntax},
                   {{"set", "k", "v", "exat"}, kSyntax},
                   {{"set", "k", "v", "pxat"}, kSyntax},
                   {{"set", "k", "v", "persist"}, kSyntax},
                   {{"set", "k", "v", "foo"}, kSyntax},
                   {{"set", "k", "v", "nxx"}, kSyntax},
                   {{"set", "k", "v", ""}, kSyntax},
                   // Syntax is checked before the expire value and the key.
                   {{"set", "k", "v", "ex", "abc", "nx", "xx"}, kSyntax},
               });
  CHECK(entry(e, "k") == nullptr);
}

TEST_CASE("SET expiry options", "[string]") {
  Engine e;
  const long long now_s = e.server().clock.now_ms() / 1000;
  const long long now_ms = e.server().clock.now_ms();

  CHECK(e.run({"set", "k", "v", "ex", "100"}) == kOk);
  CHECK(pttl(e, "k") == 100000);
  CHECK(e.run({"set", "k", "v", "px", "1500"}) == kOk);
  CHECK(pttl(e, "k") == 1500);
  CHECK(e.run({"set", "k", "v", "ex", "10", "ex", "20"}) == kOk);  // the last one wins
  CHECK(pttl(e, "k") == 20000);
  CHECK(e.run({"set", "k", "v", "EXAT", std::to_string(now_s + 50)}) == kOk);
  CHECK(pttl(e, "k") == (now_s + 50) * 1000 - now_ms);
  CHECK(e.run({"set", "k", "v", "pxat", std::to_string(now_ms + 777)}) == kOk);
  CHECK(pttl(e, "k") == 777);

  SECTION("plain SET clears the TTL, KEEPTTL keeps it") {
    CHECK(e.run({"set", "k", "v2", "keepttl"}) == kOk);
    CHECK(pttl(e, "k") == 777);
    CHECK(e.run({"set", "k", "v3", "keepttl", "keepttl"}) == kOk);
    CHECK(pttl(e, "k") == 777);
    CHECK(e.run({"set", "k", "v4", "xx", "keepttl", "get"}) == bulk("v3"));
    CHECK(pttl(e, "k") == 777);
    CHECK(e.run({"set", "k", "v5"}) == kOk);
    CHECK(pttl(e, "k") == -1);
    CHECK(e.run({"set", "fresh", "v", "keepttl"}) == kOk);
    CHECK(pttl(e, "fresh") == -1);
  }

  SECTION("the key expires when the clock passes the deadline") {
    CHECK(e.run({"set", "t", "v", "px", "100"}) == kOk);
    advance_ms(e, 99);
    CHECK(e.run({"get", "t"}) == bulk("v"));
    advance_ms(e, 1);  // the deadline's own millisecond: still there, nothing left
    CHECK(e.run({"get", "t"}) == bulk("v"));
    CHECK(pttl(e, "t") == 0);
    advance_ms(e, 1);
    CHECK(e.run({"get", "t"}) == kNil);
    CHECK(e.run({"set", "t2", "v", "ex", "1"}) == kOk);
    advance_past_ms(e, 1000);
    CHECK(e.run({"get", "t2"}) == kNil);
  }

  SECTION("KEEPTTL on an expired key does not revive its deadline") {
    CHECK(e.run({"set", "t", "v", "px", "10"}) == kOk);
    advance_past_ms(e, 10);
    CHECK(e.run({"set", "t", "v2", "keepttl"}) == kOk);
    CHECK(pttl(e, "t") == -1);
    CHECK(e.run({"set", "t3", "v", "px", "10"}) == kOk);
    advance_past_ms(e, 10);
    CHECK(e.run({"set", "t3", "v2", "xx"}) == kNil);  // expired means absent
    CHECK(e.run({"set", "t3", "v2", "nx"}) == kOk);
  }

  SECTION("EXAT / PXAT in the past: OK, and the key is gone") {
    CHECK(e.run({"set", "k", "v", "exat", "1"}) == kOk);
    CHECK(entry(e, "k") == nullptr);
    CHECK(e.run({"set", "k", "v", "pxat", std::to_string(now_ms - 1)}) == kOk);
    CHECK(entry(e, "k") == nullptr);
    // A deadline of this very millisecond is not past yet.
    CHECK(e.run({"set", "k", "v", "pxat", std::to_string(now_ms)}) == kOk);
    CHECK(pttl(e, "k") == 0);
    CHECK(e.run({"del", "k"}) == integer(1));
    CHECK(e.run({"set", "k", "v", "exat", "1", "get"}) == kNil);
    CHECK(e.run({"set", "k", "v"}) == kOk);
    CHECK(e.run({"set", "k", "v2", "pxat", "1", "get"}) == bulk("v"));
    CHECK(e.run({"get", "k"}) == kNil);
  }

  SECTION("invalid expire times") {
    run_cases(e, {
                     {{"set", "x", "v", "ex", "0"}, invalid_expire("set")},
                     {{"set", "x", "v", "ex", "-1"}, invalid_expire("set")},
                     {{"set", "x", "v", "px", "0"}, invalid_expire("set")},
                     {{"set", "x", "v", "px", "-100"}, invalid_expire("set")},
                     {{"set", "x", "v", "exat", "0"}, invalid_expire("set")},
                     {{"set", "x", "v", "pxat", "0"}, invalid_expire("set")},
                     {{"set", "x", "v", "pxat", "-1"}, invalid_expire("set")},
                     // seconds * 1000 overflows
                     {{"set", "x", "v", "ex", "9223372036854776"}, invalid_expire("set")},
                     {{"set", "x", "v", "exat", "9223372036854776"}, invalid_expire("set")},
                     {{"set", "x", "v", "ex", "9223372036854775807"}, invalid_expire("set")},
                     // now + relative time overflows
                     {{"set", "x", "v", "ex", "9223372036854775"}, invalid_expire("set")},
                     {{"set", "x", "v", "px", "9223372036854775807"}, invalid_expire("set")},
                     {{"set", "x", "v", "px", "9223372036854775000"}, invalid_expire("set")},
                     {{"set", "x", "v", "ex", "abc"}, kNotInt},
                     {{"set", "x", "v", "ex", "1.5"}, kNotInt},
                     {{"set", "x", "v", "ex", " 10"}, kNotInt},
                     {{"set", "x", "v", "ex", "+10"}, kNotInt},
                     {{"set", "x", "v", "px", "9223372036854775808"}, kNotInt},
                 });
    CHECK(entry(e, "x") == nullptr);
    make_list(e, "l");
    // The expire time is validated before GET looks at the key.
    CHECK(e.run({"set", "l", "v", "ex", "0", "get"}) == invalid_expire("set"));
  }

  SECTION("absolute deadlines at the top of the range are accepted") {
    CHECK(e.run({"set", "far", "v", "exat", "9223372036854775"}) == kOk);
    CHECK(entry(e, "far")->expire_at_ms == 9223372036854775000LL);
    CHECK(e.run({"set", "far", "v", "pxat", "9223372036854775807"}) == kOk);
    CHECK(entry(e, "far")->expire_at_ms == 9223372036854775807LL);
  }
}

TEST_CASE("SETNX, SETEX, PSETEX", "[string]") {
  Engine e;
  run_cases(e,
            {
                {{"setnx", "k", "v"}, integer(1)},
                {{"setnx", "k", "v2"}, integer(0)},
                {{"get", "k"}, bulk("v")},
                {{"setex", "s", "10", "v"}, kOk},
                {{"psetex", "p", "1500", "v"}, kOk},
                {{"setex", "s", "0", "v"}, invalid_expire("setex")},
                {{"setex", "s", "-1", "v"}, invalid_expire("setex")},
                {{"setex", "s", "abc", "v"}, kNotInt},
                {{"setex", "s", "9223372036854776", "v"}, invalid_expire("setex")},
                {{"psetex", "p", "0", "v"}, invalid_expire("psetex")},
                {{"psetex", "p", "9223372036854775807", "v"}, invalid_expire("psetex")},
                {{"psetex", "p", "1.5", "v"}, kNotInt},
                {{"setex", "s", "10"}, error("ERR wrong number of arguments for 'setex' command")},
                {{"setnx", "k"}, error("ERR wrong number of arguments for 'setnx' command")},
            });
  CHECK(pttl(e, "s") == 10000);
  CHECK(pttl(e, "p") == 1500);
  CHECK(e.run({"get", "s"}) == bulk("v"));

  // SETEX overwrites other types and replaces the TTL.
  make_list(e, "l");
  CHECK(e.run({"setex", "l", "5", "str"}) == kOk);
  CHECK(e.run({"get", "l"}) == bulk("str"));
  CHECK(pttl(e, "l") == 5000);
  CHECK(e.run({"setnx", "l", "x"}) == integer(0));

  advance_past_ms(e, 1500);
  CHECK(e.run({"get", "p"}) == kNil);
  CHECK(e.run({"setnx", "p", "again"}) == integer(1));  // expired counts as absent
  CHECK(pttl(e, "p") == -1);
}

TEST_CASE("GETSET and GETDEL", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"getset", "k", "v"}, kNil},
                   {{"get", "k"}, bulk("v")},
                   {{"getset", "k", "v2"}, bulk("v")},
                   {{"get", "k"}, bulk("v2")},
                   {{"getdel", "k"}, bulk("v2")},
                   {{"getdel", "k"}, kNil},
                   {{"get", "k"}, kNil},
                   {{"getset", "e", ""}, kNil},
                   {{"getdel", "e"}, kEmpty},
               });
  CHECK(e.run({"set", "t", "v", "ex", "100"}) == kOk);
  CHECK(e.run({"getset", "t", "v2"}) == bulk("v"));
  CHECK(pttl(e, "t") == -1);  // GETSET drops the TTL

  make_list(e, "l");
  run_cases(e, {
                   {{"getset", "l", "v"}, kWrongType},
                   {{"getdel", "l"}, kWrongType},
               });
  CHECK(entry(e, "l") != nullptr);
  CHECK(entry(e, "l")->type == shardis::ValueType::kList);

  CHECK(e.run({"set", "x", "v", "px", "5"}) == kOk);
  advance_past_ms(e, 5);
  CHECK(e.run({"getdel", "x"}) == kNil);
  CHECK(e.run({"getset", "x", "n"}) == kNil);
}

TEST_CASE("GETEX", "[string]") {
  Engine e;
  const long long now_ms = e.server().clock.now_ms();
  const long long now_s = now_ms / 1000;
  CHECK(e.run({"set", "k", "v", "ex", "100"}) == kOk);

  run_cases(e, {
                   {{"getex", "nokey"}, kNil},
                   {{"getex", "k"}, bulk("v")},
               });
  CHECK(pttl(e, "k") == 100000);  // no option: TTL untouched

  CHECK(e.run({"getex", "k", "px", "5000"}) == bulk("v"));
  CHECK(pttl(e, "k") == 5000);
  CHECK(e.run({"getex", "k", "EX", "7"}) == bulk("v"));
  CHECK(pttl(e, "k") == 7000);
  CHECK(e.run({"getex", "k", "ex", "10", "ex", "20"}) == bulk("v"));
  CHECK(pttl(e, "k") == 20000);
  CHECK(e.run({"getex", "k", "exat", std::to_string(now_s + 30)}) == bulk("v"));
  CHECK(pttl(e, "k") == (now_s + 30) * 1000 - now_ms);
  CHECK(e.run({"getex", "k", "pxat", std::to_string(now_ms + 42)}) == bulk("v"));
  CHECK(pttl(e, "k") == 42);
  CHECK(e.run({"getex", "k", "Persist"}) == bulk("v"));
  CHECK(pttl(e, "k") == -1);
  CHECK(e.run({"getex", "k", "persist"}) == bulk("v"));  // no TTL to remove: still fine
  CHECK(e.run({"getex", "k", "pxat", "9223372036854775807"}) == bulk("v"));
  CHECK(e.run({"getex", "k", "exat", "9223372036854775"}) == bulk("v"));

  run_cases(e, {
                   {{"getex", "k", "ex", "0"}, invalid_expire("getex")},
                   {{"getex", "k", "ex", "-1"}, invalid_expire("getex")},
                   {{"getex", "k", "exat", "-1"}, invalid_expire("getex")},
                   {{"getex", "k", "pxat", "0"}, invalid_expire("getex")},
                   {{"getex", "k", "ex", "9223372036854775807"}, invalid_expire("getex")},
                   {{"getex", "k", "px", "9223372036854775807"}, invalid_expire("getex")},
                   {{"getex", "k", "exat", "9223372036854776"}, invalid_expire("getex")},
                   {{"getex", "k", "ex", "abc"}, kNotInt},
                   {{"getex", "k", "foo"}, kSyntax},
                   {{"getex", "k", "ex"}, kSyntax},
                   {{"getex", "k", "persist", "ex", "10"}, kSyntax},
                   {{"getex", "k", "ex", "10", "persist"}, kSyntax},
                   {{"getex", "k", "ex", "1", "px", "1"}, kSyntax},
                   {{"getex", "k", "keepttl"}, kSyntax},
                   {{"getex", "k", "nx"}, kSyntax},
                   {{"getex", "k", "xx"}, kSyntax},
                   {{"getex", "k", "get"}, kSyntax},
                   // A missing key answers null before the expire value is read.
                   {{"getex", "nokey", "ex", "0"}, kNil},
                   {{"getex", "nokey", "ex", "abc"}, kNil},
                   {{"getex", "nokey", "foo"}, kSyntax},
                   {{"getex"}, error("ERR wrong number of arguments for 'getex' command")},
               });
  CHECK(e.run({"get", "k"}) == bulk("v"));

  SECTION("a deadline in the past deletes the key after replying") {
    CHECK(e.run({"getex", "k", "exat", "1"}) == bulk("v"));
    CHECK(entry(e, "k") == nullptr);
    CHECK(e.run({"set", "k", "v"}) == kOk);
    CHECK(e.run({"getex", "k", "pxat", std::to_string(now_ms)}) == bulk("v"));
    CHECK(e.run({"get", "k"}) == kNil);
  }

  SECTION("the new TTL is honoured") {
    CHECK(e.run({"getex", "k", "px", "50"}) == bulk("v"));
    advance_past_ms(e, 50);
    CHECK(e.run({"getex", "k"}) == kNil);
  }

  SECTION("wrong type") {
    make_list(e, "l");
    run_cases(e, {
                     {{"getex", "l"}, kWrongType},
                     {{"getex", "l", "ex", "0"}, kWrongType},
                     {{"getex", "l", "persist"}, kWrongType},
                     {{"getex", "l", "foo"}, kSyntax},
                 });
  }
}

TEST_CASE("MGET, MSET, MSETNX across shards", "[string]") {
  Engine e(8);
  // Keys spread over several shards: MGET/MSET must route each one.
  std::vector<std::string> keys;
  std::set<size_t> shards;
  for (int i = 0; keys.size() < 12; ++i) {
    keys.push_back("key:" + std::to_string(i));
    shards.insert(e.shards().shard_of(keys.back()));
  }
  REQUIRE(shards.size() >= 4);

  Args mset{"mset"};
  Args mget{"mget"};
  std::string expected = "*" + std::to_string(keys.size() + 1) + "\r\n";
  for (size_t i = 0; i < keys.size(); ++i) {
    mset.push_back(keys[i]);
    mset.push_back("val" + std::to_string(i));
    mget.push_back(keys[i]);
    expected += bulk("val" + std::to_string(i));
  }
  mget.push_back("missing");
  expected += kNil;
  CHECK(e.run(mset) == kOk);
  CHECK(e.run(mget) == expected);
  for (size_t i = 0; i < keys.size(); ++i) {
    INFO(keys[i]);
    CHECK(e.run({"get", keys[i]}) == bulk("val" + std::to_string(i)));
  }

  make_list(e, "l");
  CHECK(e.run({"set", "t", "v", "ex", "100"}) == kOk);
  run_cases(
      e,
      {
          {{"mget", "l", "key:0", "nokey"}, "*3\r\n" + kNil + bulk("val0") + kNil},
          {{"mget", "key:0"}, "*1\r\n" + bulk("val0")},
          {{"mget"}, error("ERR wrong number of arguments for 'mget' command")},
          {{"mset", "a"}, error("ERR wrong number of arguments for 'mset' command")},
          {{"mset", "a", "1", "b"}, error("ERR wrong number of arguments for 'mset' command")},
          {{"msetnx", "a", "1", "b"}, error("ERR wrong number of arguments for 'msetnx' command")},
          {{"mset", "a", "1", "b", "2", "a", "3"}, kOk},  // the last value wins
          {{"mget", "a", "b", "c"}, "*3\r\n" + bulk("3") + bulk("2") + kNil},
          {{"mset", "l", "str", "t", "v2"}, kOk},  // replaces other types, drops TTLs
          {{"get", "l"}, bulk("str")},
      });
  CHECK(pttl(e, "t") == -1);

  SECTION("MSETNX sets all or nothing") {
    run_cases(e, {
                     {{"msetnx", "key:0", "x", "c", "2"}, integer(0)},
                     {{"get", "c"}, kNil},
                     {{"msetnx", "c", "1", "d", "2", "c", "3"}, integer(1)},
                     {{"mget", "c", "d"}, "*2\r\n" + bulk("3") + bulk("2")},
                     {{"msetnx", "{tag}x", "1", "{tag}y", "2"}, integer(1)},
                     {{"msetnx", "{tag}y", "1", "{tag}z", "2"}, integer(0)},
                     {{"get", "{tag}z"}, kNil},
                 });
    make_list(e, "l2");
    CHECK(e.run({"msetnx", "l2", "1", "fresh", "1"}) == integer(0));
    CHECK(e.run({"get", "fresh"}) == kNil);
    CHECK(e.run({"set", "gone", "v", "px", "1"}) == kOk);
    advance_past_ms(e, 1);
    CHECK(e.run({"msetnx", "gone", "new"}) == integer(1));
    CHECK(e.run({"get", "gone"}) == bulk("new"));
  }

  SECTION("MGET skips expired keys") {
    CHECK(e.run({"set", "soon", "v", "px", "10"}) == kOk);
    CHECK(e.run({"mget", "soon", "key:1"}) == "*2\r\n" + bulk("v") + bulk("val1"));
    advance_past_ms(e, 10);
    CHECK(e.run({"mget", "soon", "key:1"}) == "*2\r\n" + kNil + bulk("val1"));
  }
}

TEST_CASE("APPEND and STRLEN", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"strlen", "k"}, integer(0)},
                   {{"append", "k", "hello"}, integer(5)},
                   {{"append", "k", " world"}, integer(11)},
                   {{"get", "k"}, bulk("hello world")},
                   {{"strlen", "k"}, integer(11)},
                   {{"append", "k", ""}, integer(11)},
                   {{"append", "e", ""}, integer(0)},  // creates an empty string
                   {{"get", "e"}, kEmpty},
                   {{"strlen", "e"}, integer(0)},
                   {{"set", "n", "12345"}, kOk},
                   {{"strlen", "n"}, integer(5)},
                   {{"append", "n", "6"}, integer(6)},
                   {{"get", "n"}, bulk("123456")},
                   {{"append", "bin", std::string("\0\1", 2)}, integer(2)},
                   {{"append", "bin", std::string("\0", 1)}, integer(3)},
                   {{"get", "bin"}, bulk(std::string("\0\1\0", 3))},
               });
  make_list(e, "l");
  run_cases(e, {
                   {{"append", "l", "x"}, kWrongType},
                   {{"strlen", "l"}, kWrongType},
               });
  // APPEND keeps the TTL.
  CHECK(e.run({"set", "t", "v", "ex", "100"}) == kOk);
  CHECK(e.run({"append", "t", "w"}) == integer(2));
  CHECK(pttl(e, "t") == 100000);
}

TEST_CASE("APPEND and SETRANGE respect proto-max-bulk-len", "[string]") {
  Engine e;
  REQUIRE(e.server().config.set("proto-max-bulk-len", "1mb").empty());
  const long long max = 1024 * 1024;
  CHECK(e.run({"set", "s", "hello"}) == kOk);
  CHECK(e.run({"setrange", "s", std::to_string(max - 1), "a"}) == integer(max));
  CHECK(e.run({"setrange", "s", std::to_string(max), "a"}) == kTooLong);
  CHECK(e.run({"setrange", "s", std::to_string(max - 1), "ab"}) == kTooLong);
  CHECK(e.run({"append", "s", "b"}) == kTooLong);
  CHECK(e.run({"strlen", "s"}) == integer(max));
  CHECK(e.run({"setrange", "s", std::to_string(max + 10), ""}) ==
        integer(max));  // nothing to write
  CHECK(e.run({"setrange", "new", std::to_string(max), "a"}) == kTooLong);
  CHECK(entry(e, "new") == nullptr);
  CHECK(e.run({"set", "s2", "hello"}) == kOk);
  CHECK(e.run({"setrange", "s2", std::to_string(max - 5), "a"}) == integer(max - 4));
  CHECK(e.run({"append", "s2", "bcd"}) == integer(max - 1));
  CHECK(e.run({"append", "s2", "e"}) == integer(max));
  CHECK(e.run({"append", "s2", "f"}) == kTooLong);
}

TEST_CASE("SETRANGE", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"set", "s", "hello"}, kOk},
                   {{"setrange", "s", "1", "a"}, integer(5)},
                   {{"get", "s"}, bulk("hallo")},
                   {{"setrange", "s", "4", "o world"}, integer(11)},
                   {{"get", "s"}, bulk("hallo world")},
                   {{"setrange", "s", "13", "xy"}, integer(15)},
                   {{"get", "s"}, bulk(std::string("hallo world\0\0xy", 15))},
                   {{"setrange", "s", "0", ""}, integer(15)},
                   {{"setrange", "nokey", "0", ""}, integer(0)},
                   {{"get", "nokey"}, kNil},  // writing nothing creates nothing
                   {{"setrange", "nokey", "5", ""}, integer(0)},
                   {{"get", "nokey"}, kNil},
                   {{"setrange", "nokey", "2", "ab"}, integer(4)},
                   {{"get", "nokey"}, bulk(std::string("\0\0ab", 4))},
                   {{"setrange", "s", "-1", "a"}, kOffset},
                   {{"setrange", "s", "a", "a"}, kNotInt},
                   {{"setrange", "s", "1.0", "a"}, kNotInt},
                   {{"setrange", "s", "9223372036854775807", "a"}, kTooLong},
                   {{"setrange", "s", "9223372036854775808", "a"}, kNotInt},
                   {{"setrange", "s", "536870912", "a"}, kTooLong},
                   {{"setrange", "new", "536870912", "a"}, kTooLong},
                   {{"setrange", "new", "536870912", ""}, integer(0)},
                   {{"set", "n", "12345"}, kOk},
                   {{"setrange", "n", "0", "9"}, integer(5)},
                   {{"get", "n"}, bulk("92345")},
               });
  make_list(e, "l");
  run_cases(e, {
                   {{"setrange", "l", "0", "a"}, kWrongType},
                   {{"setrange", "l", "0", ""}, kWrongType},
                   {{"setrange", "l", "-1", "a"}, kOffset},  // the offset is checked first
                   {{"setrange", "l", "x", "a"}, kNotInt},
               });
  CHECK(e.run({"set", "t", "v", "ex", "100"}) == kOk);
  CHECK(e.run({"setrange", "t", "0", "x"}) == integer(1));
  CHECK(pttl(e, "t") == 100000);  // SETRANGE keeps the TTL
}

TEST_CASE("GETRANGE and SUBSTR", "[string]") {
  Engine e;
  CHECK(e.run({"set", "s", "hello"}) == kOk);
  run_cases(e,
            {
                {{"getrange", "s", "0", "-1"}, bulk("hello")},
                {{"getrange", "s", "0", "0"}, bulk("h")},
                {{"getrange", "s", "1", "3"}, bulk("ell")},
                {{"getrange", "s", "0", "-100"}, bulk("h")},  // Redis 7.0 clamps end to 0
                {{"getrange", "s", "-100", "-1"}, bulk("hello")},
                {{"getrange", "s", "-1", "-5"}, kEmpty},
                {{"getrange", "s", "-3", "-2"}, bulk("ll")},
                {{"getrange", "s", "2", "1"}, kEmpty},
                {{"getrange", "s", "1", "100"}, bulk("ello")},
                {{"getrange", "s", "5", "10"}, kEmpty},
                {{"getrange", "s", "-1", "-1"}, bulk("o")},
                {{"getrange", "s", "9223372036854775807", "9223372036854775807"}, kEmpty},
                {{"getrange", "s", "-9223372036854775808", "9223372036854775807"}, bulk("hello")},
                {{"getrange", "s", "0", "9223372036854775808"}, kNotInt},
                {{"getrange", "s", "a", "1"}, kNotInt},
                {{"getrange", "s", "0", "b"}, kNotInt},
                {{"getrange", "nokey", "0", "-1"}, kEmpty},
                {{"getrange", "nokey", "a", "1"}, kNotInt},
                {{"substr", "s", "1", "3"}, bulk("ell")},
                {{"substr", "s", "-2", "-1"}, bulk("lo")},
                {{"substr", "s", "1"}, error("ERR wrong number of arguments for 'substr' command")},
                {{"set", "e", ""}, kOk},
                {{"getrange", "e", "0", "-1"}, kEmpty},
                {{"getrange", "e", "0", "0"}, kEmpty},
                {{"getrange", "e", "-1", "0"}, kEmpty},
                {{"set", "n", "12345"}, kOk},
                {{"getrange", "n", "1", "2"}, bulk("23")},
            });
  make_list(e, "l");
  run_cases(e, {
                   {{"getrange", "l", "0", "-1"}, kWrongType},
                   {{"getrange", "l", "a", "1"}, kNotInt},  // arguments are checked first
                   {{"substr", "l", "0", "1"}, kWrongType},
               });
}

TEST_CASE("INCR, DECR, INCRBY, DECRBY", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"incr", "n"}, integer(1)},
                   {{"incr", "n"}, integer(2)},
                   {{"decr", "n"}, integer(1)},
                   {{"decr", "m"}, integer(-1)},
                   {{"incrby", "n", "10"}, integer(11)},
                   {{"incrby", "n", "-20"}, integer(-9)},
                   {{"decrby", "n", "1"}, integer(-10)},
                   {{"decrby", "n", "-10"}, integer(0)},
                   {{"incrby", "fresh", "5"}, integer(5)},
                   {{"decrby", "fresh2", "5"}, integer(-5)},
                   {{"get", "n"}, bulk("0")},
                   {{"incrby", "n", "abc"}, kNotInt},
                   {{"incrby", "n", " 1"}, kNotInt},
                   {{"incrby", "n", "1 "}, kNotInt},
                   {{"incrby", "n", "+1"}, kNotInt},
                   {{"incrby", "n", "1.0"}, kNotInt},
                   {{"incrby", "n", "01"}, kNotInt},
                   {{"incrby", "n", "-0"}, kNotInt},
                   {{"incrby", "n", ""}, kNotInt},
                   {{"incrby", "n", "-"}, kNotInt},
                   {{"incrby", "n", "99999999999999999999"}, kNotInt},
                   {{"incrby", "n", "18446744073709551616"}, kNotInt},
                   {{"decrby", "n", "x"}, kNotInt},
                   {{"incrby", "n", "-9223372036854775808"}, integer(-9223372036854775807LL - 1)},
                   {{"incr", "n"}, integer(-9223372036854775807LL)},
                   {{"decr", "n"}, integer(-9223372036854775807LL - 1)},
                   {{"decr", "n"}, kOverflow},
                   {{"incrby", "n", "-1"}, kOverflow},
                   {{"set", "n", "9223372036854775807"}, kOk},
                   {{"incr", "n"}, kOverflow},
                   {{"incrby", "n", "9223372036854775807"}, kOverflow},
                   {{"get", "n"}, bulk("9223372036854775807")},
                   {{"set", "n", "-9223372036854775808"}, kOk},
                   {{"decrby", "n", "-9223372036854775808"}, error("ERR decrement would overflow")},
                   {{"set", "n", "0"}, kOk},
                   {{"decrby", "n", "-9223372036854775808"}, error("ERR decrement would overflow")},
                   {{"decrby", "n", "9223372036854775807"}, integer(-9223372036854775807LL)},
                   {{"incrby", "n", "-9223372036854775808"}, kOverflow},
               });
  // Stored values must be exact integers too.
  for (const std::string v :
       {"1.5", " 1", "1 ", "007", "-0", "+1", "abc", "", "99999999999999999999"}) {
    INFO("value '" << v << "'");
    CHECK(e.run({"set", "v", v}) == kOk);
    CHECK(e.run({"incr", "v"}) == kNotInt);
    CHECK(e.run({"get", "v"}) == bulk(v));
  }
  make_list(e, "l");
  run_cases(e, {
                   {{"incr", "l"}, kWrongType},
                   {{"decr", "l"}, kWrongType},
                   {{"incrby", "l", "1"}, kWrongType},
                   {{"incrby", "l", "abc"}, kNotInt},  // the increment is parsed before the lookup
               });
  // The TTL survives.
  CHECK(e.run({"set", "t", "10", "ex", "100"}) == kOk);
  CHECK(e.run({"incr", "t"}) == integer(11));
  CHECK(pttl(e, "t") == 100000);
  // An expired counter starts again from zero.
  advance_past_ms(e, 100000);
  CHECK(e.run({"incr", "t"}) == integer(1));
  CHECK(pttl(e, "t") == -1);
}

TEST_CASE("INCRBYFLOAT", "[string]") {
  Engine e;
  run_cases(e, {
                   {{"incrbyfloat", "f", "10.5"}, bulk("10.5")},
                   {{"incrbyfloat", "f", "0.1"}, bulk("10.6")},
                   {{"incrbyfloat", "f", "-5.0e3"}, bulk("-4989.39999999999999991")},
                   {{"incrbyfloat", "f", "5e3"}, bulk("10.60000000000000009")},
                   {{"set", "f", "3.0"}, kOk},
                   {{"incrbyfloat", "f", "0"}, bulk("3")},
                   {{"set", "f", "1"}, kOk},
                   {{"incrbyfloat", "f", "0.1"}, bulk("1.1")},
                   {{"incrbyfloat", "f", "0.2"}, bulk("1.3")},
                   {{"set", "f", "10.50"}, kOk},
                   {{"incrbyfloat", "f", "0.1"}, bulk("10.6")},
                   {{"incrbyfloat", "f", "+1"}, bulk("11.6")},
                   {{"incrbyfloat", "f", "0x10"}, bulk("27.6")},
                   {{"incrbyfloat", "f", " 1"}, kNotFloat},
                   {{"incrbyfloat", "f", "1 "}, kNotFloat},
                   {{"incrbyfloat", "f", ""}, kNotFloat},
                   {{"incrbyfloat", "f", "abc"}, kNotFloat},
                   {{"incrbyfloat", "f", "nan"}, kNotFloat},
                   {{"incrbyfloat", "f", "1e-5000"}, kNotFloat},  // underflows to zero
                   {{"incrbyfloat", "f", "1e5000"}, kNotFloat},   // overflows
                   {{"incrbyfloat", "f", "inf"}, kNaN},
                   {{"incrbyfloat", "f", "-inf"}, kNaN},
                   {{"get", "f"}, bulk("27.6")},
                   {{"set", "f", "5"}, kOk},
                   {{"incrbyfloat", "f", "-5"}, bulk("0")},
                   {{"set", "f", "-0.5"}, kOk},
                   {{"incrbyfloat", "f", "0.5"}, bulk("0")},  // "-0" prints as "0"
                   {{"incrbyfloat", "z", "-0.0"}, bulk("0")},
                   {{"set", "f", "1e10"}, kOk},
                   {{"incrbyfloat", "f", "1"}, bulk("10000000001")},
                   {{"incrbyfloat", "g", "1.1e-20"}, bulk("0")},  // below 17 decimals
                   {{"incrbyfloat", "ii", "123456789012345678901234567890"},
                    bulk("123456789012345678899921813504")},
                   {{"incrbyfloat", "jj", "1e30"}, bulk("1000000000000000000024696061952")},
                   {{"set", "f", "abc"}, kOk},
                   {{"incrbyfloat", "f", "1"}, kNotFloat},
                   {{"set", "f", "1.5 "}, kOk},
                   {{"incrbyfloat", "f", "1"}, kNotFloat},
               });
  // Long doubles reach far beyond doubles: 1e400 prints in full.
  const std::string r = e.run({"incrbyfloat", "big", "1e400"});
  CHECK(r.rfind("$401\r\n10000000000000000000281880683947586514586453433629052038625910693539685534"
                "008629",
                0) == 0);
  make_list(e, "l");
  run_cases(e, {
                   {{"incrbyfloat", "l", "1"}, kWrongType},
                   {{"incrbyfloat", "l", "abc"}, kWrongType},  // the key is looked at first
               });
  CHECK(e.run({"set", "t", "5", "ex", "100"}) == kOk);
  CHECK(e.run({"incrbyfloat", "t", "1"}) == bulk("6"));
  CHECK(pttl(e, "t") == 100000);  // the TTL survives
}

TEST_CASE("LCS", "[string]") {
  Engine e;
  CHECK(e.run({"mset", "key1", "ohmytext", "key2", "mynewtext"}) == kOk);
  const std::string matches_4_7 = "*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n";
  const std::string matches_2_3 = "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n";
  const std::string with_len_4_7 = "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n";
  const std::string with_len_2_3 = "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n";
  const std::string head = "*4\r\n$7\r\nmatches\r\n";
  const std::string tail = "$3\r\nlen\r\n:6\r\n";
  const std::string kNotStrings = error("ERR The specified keys must contain string values");
  run_cases(
      e, {
             {{"lcs", "key1", "key2"}, bulk("mytext")},
             {{"lcs", "key1", "key2", "LEN"}, integer(6)},
             {{"lcs", "key1", "key2", "idx"}, head + "*2\r\n" + matches_4_7 + matches_2_3 + tail},
             {{"lcs", "key1", "key2", "idx", "minmatchlen", "4"},
              head + "*1\r\n" + matches_4_7 + tail},
             {{"lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"},
              head + "*1\r\n" + with_len_4_7 + tail},
             {{"lcs", "key1", "key2", "idx", "withmatchlen"},
              head + "*2\r\n" + with_len_4_7 + with_len_2_3 + tail},
             {{"lcs", "key1", "key2", "minmatchlen", "-5", "idx"},
              head + "*2\r\n" + matches_4_7 + matches_2_3 + tail},
             {{"lcs", "key1", "key2", "withmatchlen"}, bulk("mytext")},
             {{"lcs", "key1", "key2", "minmatchlen", "4"}, bulk("mytext")},
             {{"lcs", "key1", "key2", "len", "idx"},
              error("ERR If you want both the length and indexes, please just use IDX.")},
             {{"lcs", "key1", "key2", "minmatchlen", "abc"}, kNotInt},
             {{"lcs", "key1", "key2", "minmatchlen"}, kSyntax},
             {{"lcs", "key1", "key2", "foo"}, kSyntax},
             {{"lcs", "key1", "key2", "len", "foo"}, kSyntax},
             {{"lcs", "key1", "nokey"}, kEmpty},
             {{"lcs", "key1", "nokey", "idx"}, head + "*0\r\n$3\r\nlen\r\n:0\r\n"},
             {{"lcs", "nokey", "nokey2", "len"}, integer(0)},
             {{"lcs", "key1"}, error("ERR wrong number of arguments for 'lcs' command")},
             {{"mset", "a", "abcabc", "b", "abc"}, kOk},
             {{"lcs", "a", "b"}, bulk("abc")},
             {{"lcs", "a", "b", "idx", "withmatchlen"},
              head + "*1\r\n*3\r\n*2\r\n:3\r\n:5\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n"},
         });
  make_list(e, "l");
  run_cases(e, {
                   {{"lcs", "key1", "l"}, kNotStrings},
                   {{"lcs", "l", "key1", "foo"}, kNotStrings},  // the types are checked first
                   {{"lcs", "key1", "l", "len", "idx"}, kNotStrings},
               });

  SECTION("RESP3 answers IDX with a map") {
    e.session().resp = 3;
    CHECK(e.run({"lcs", "key1", "key2", "idx", "minmatchlen", "4"}) ==
          "%2\r\n$7\r\nmatches\r\n*1\r\n" + matches_4_7 + tail);
  }

  SECTION("the DP table is bounded by proto-max-bulk-len") {
    REQUIRE(e.server().config.set("proto-max-bulk-len", "1mb").empty());
    // 512 x 512 cells of 4 bytes is exactly 1mb: allowed; one more row is not.
    CHECK(e.run({"mset", "x", std::string(511, 'a'), "y", std::string(511, 'a')}) == kOk);
    CHECK(e.run({"lcs", "x", "y", "len"}) == integer(511));
    CHECK(e.run({"set", "y", std::string(512, 'a')}) == kOk);
    CHECK(e.run({"lcs", "x", "y", "len"}) ==
          error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
  }
}

TEST_CASE("OBJECT ENCODING of strings follows Redis", "[string]") {
  Engine e;
  struct EncCase {
    Args cmd;
    std::string key;
    std::string encoding;
  };
  const std::string s44(44, 'a');
  const std::string s45(45, 'a');
  const std::vector<EncCase> cases = {
      {{"set", "k", "hello"}, "k", "embstr"},
      {{"set", "k", "12"}, "k", "int"},
      {{"set", "k", "-12"}, "k", "int"},
      {{"set", "k", "9223372036854775807"}, "k", "int"},
      {{"set", "k", "9223372036854775808"}, "k", "embstr"},
      {{"set", "k", "12345678901234567890"}, "k", "embstr"},
      {{"set", "k", "012"}, "k", "embstr"},
      {{"set", "k", ""}, "k", "embstr"},
      {{"set", "k", s44}, "k", "embstr"},
      {{"set", "k", s45}, "k", "raw"},
      {{"append", "k", "x"}, "k", "raw"},
      {{"set", "k", "hello"}, "k", "embstr"},
      {{"append", "k", "x"}, "k", "raw"},
      {{"set", "k", "12"}, "k", "int"},
      {{"append", "k", "3"}, "k", "raw"},  // appending makes it raw even if numeric
      {{"set", "k", ""}, "k", "embstr"},
      {{"append", "k", ""}, "k", "raw"},
      {{"append", "a1", "12"}, "a1", "int"},  // a new key is stored as SET stores it
      {{"append", "a2", "hello"}, "a2", "embstr"},
      {{"append", "a3", ""}, "a3", "embstr"},
      {{"setrange", "r1", "0", "5"}, "r1", "raw"},
      {{"set", "r2", "hi"}, "r2", "embstr"},
      {{"setrange", "r2", "0", "9"}, "r2", "raw"},
      {{"incr", "i1"}, "i1", "int"},
      {{"set", "i2", "hello"}, "i2", "embstr"},
      {{"set", "i2", "10"}, "i2", "int"},
      {{"incrby", "i2", "5"}, "i2", "int"},
      {{"incrbyfloat", "f1", "3"}, "f1", "embstr"},  // never int, even when integral
      {{"incrbyfloat", "f1", "1.5"}, "f1", "embstr"},
      {{"incr", "f1"}, "f1", "embstr"},  // 4.5 is no integer: INCR failed, nothing changed
      {{"set", "f2", "3"}, "f2", "int"},
      {{"incrbyfloat", "f2", "1"}, "f2", "embstr"},
      {{"incrbyfloat", "f3", "1e50"}, "f3", "raw"},
      {{"getset", "g", "12"}, "g", "int"},
      {{"mset", "m1", "12", "m2", "hello", "m3", s45}, "m1", "int"},
      {{"get", "m2"}, "m2", "embstr"},
      {{"get", "m3"}, "m3", "raw"},
      {{"setnx", "n", "7"}, "n", "int"},
      {{"setex", "x", "100", "hello"}, "x", "embstr"},
      {{"psetex", "y", "100000", "77"}, "y", "int"},
  };
  for (const EncCase& c : cases) {
    INFO(describe(c.cmd));
    e.run(c.cmd);
    CHECK(encoding(e, c.key) == c.encoding);
  }
}

TEST_CASE("writes count as modifications, failed writes do not", "[string]") {
  Engine e;
  make_list(e, "l");
  CHECK(e.run({"set", "k", "v"}) == kOk);
  struct DirtyCase {
    Args cmd;
    uint64_t delta;
  };
  const std::vector<DirtyCase> cases = {
      {{"get", "k"}, 0},
      {{"set", "k", "v"}, 1},
      {{"set", "k", "v", "nx"}, 0},
      {{"set", "nokey", "v", "xx"}, 0},
      {{"set", "l", "v", "get"}, 0},
      {{"set", "k", "v", "ex", "0"}, 0},
      {{"setnx", "k", "v"}, 0},
      {{"setex", "k", "10", "v"}, 1},
      {{"getset", "k", "v"}, 1},
      {{"getex", "k"}, 0},
      {{"getex", "k", "ex", "10"}, 1},
      {{"getex", "k", "persist"}, 1},
      {{"getex", "k", "persist"}, 0},
      {{"mset", "a", "1", "b", "2"}, 2},
      {{"msetnx", "a", "1", "c", "2"}, 0},
      {{"msetnx", "c", "1", "d", "2"}, 2},
      {{"mget", "a", "b"}, 0},
      {{"append", "k", "x"}, 1},
      {{"append", "l", "x"}, 0},
      {{"setrange", "k", "0", ""}, 0},
      {{"setrange", "k", "0", "y"}, 1},
      {{"incr", "a"}, 1},
      {{"incr", "k"}, 0},
      {{"incrbyfloat", "a", "1.5"}, 1},
      {{"strlen", "k"}, 0},
      {{"getrange", "k", "0", "-1"}, 0},
      {{"getdel", "k"}, 1},
      {{"getdel", "k"}, 0},
  };
  for (const DirtyCase& c : cases) {
    INFO(describe(c.cmd));
    const uint64_t before = dirty(e);
    e.run(c.cmd);
    CHECK(dirty(e) - before == c.delta);
  }
}

TEST_CASE("string commands are declared as Redis 7 declares them", "[string][command]") {
  using namespace shardis;
  struct Meta {
    std::string name;
    int arity;
    uint32_t flags;
    int first, last, step;
  };
  const uint32_t W = kCmdWrite, R = kCmdReadonly, D = kCmdDenyOom, F = kCmdFast;
  const std::vector<Meta> expected = {
      {"get", 2, R | F, 1, 1, 1},        {"set", -3, W | D, 1, 1, 1},
      {"setnx", 3, W | D | F, 1, 1, 1},  {"setex", 4, W | D, 1, 1, 1},
      {"psetex", 4, W | D, 1, 1, 1},     {"getset", 3, W | D | F, 1, 1, 1},
      {"getdel", 2, W | F, 1, 1, 1},     {"getex", -2, W | F, 1, 1, 1},
      {"mget", -2, R | F, 1, -1, 1},     {"mset", -3, W | D, 1, -1, 2},
      {"msetnx", -3, W | D, 1, -1, 2},   {"append", 3, W | D | F, 1, 1, 1},
      {"strlen", 2, R | F, 1, 1, 1},     {"incr", 2, W | D | F, 1, 1, 1},
      {"decr", 2, W | D | F, 1, 1, 1},   {"incrby", 3, W | D | F, 1, 1, 1},
      {"decrby", 3, W | D | F, 1, 1, 1}, {"incrbyfloat", 3, W | D | F, 1, 1, 1},
      {"getrange", 4, R, 1, 1, 1},       {"setrange", 4, W | D, 1, 1, 1},
      {"substr", 4, R, 1, 1, 1},         {"lcs", -3, R, 1, 2, 1},
  };
  for (const Meta& m : expected) {
    INFO(m.name);
    const CommandSpec* spec = CommandTable::instance().find(m.name);
    REQUIRE(spec != nullptr);
    CHECK(spec->arity == m.arity);
    CHECK(spec->flags == m.flags);
    CHECK(spec->first_key == m.first);
    CHECK(spec->last_key == m.last);
    CHECK(spec->key_step == m.step);
    CHECK(spec->group == "string");
    CHECK_FALSE(spec->summary.empty());
    CHECK_FALSE(spec->since.empty());
  }
}
