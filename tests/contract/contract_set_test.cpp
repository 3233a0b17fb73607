// Contract tests for sets, SSCAN/HSCAN/ZSCAN and HRANDFIELD: the same
// command lines against shardis and redis-server 7.0, replies compared
// exactly (see support/contract_harness.hpp).
//
// An intset is sorted on both servers, so replies from one are compared
// exactly; replies in hashtable order are compared sorted, and scans are
// walked to the end and compared as sets. Random picks are compared only
// where they are determined (a count covering the whole set, a one-member
// set).

#include <catch2/catch.hpp>
#include <vector>

#include "support/contract_harness.hpp"

namespace shardis::test {
namespace {

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"sets",
       "sadd srem scard sismember smismember",
       {"SADD s a b a", "SADD s b c", "SCARD s", "SCARD nosuch", "SISMEMBER s a",
        "SISMEMBER s z", "SISMEMBER nosuch a", "SMISMEMBER s a z c", "SMISMEMBER nosuch a",
        "SREM s a z a", "SREM nosuch a", "SREM s b c", "EXISTS s", "SADD s \"\"",
        "SISMEMBER s \"\"", "SADD s", "SREM s", "SMISMEMBER s", "SISMEMBER s a b", "SCARD"}},
      {"sets",
       "encodings",
       {"SADD s 3 1 -2", "OBJECT ENCODING s", "SMEMBERS s", "SADD s a", "OBJECT ENCODING s",
        "SREM s a", "OBJECT ENCODING s", "SADD t 007", "OBJECT ENCODING t", "SADD u -0",
        "OBJECT ENCODING u", "SADD v +1", "OBJECT ENCODING v",
        "SADD w -9223372036854775808 9223372036854775807 0", "OBJECT ENCODING w", "SMEMBERS w",
        "SADD x 9223372036854775808", "OBJECT ENCODING x", "TYPE w",
        "CONFIG SET set-max-intset-entries 3", "SADD y 1 2 3", "OBJECT ENCODING y", "SADD y 4",
        "OBJECT ENCODING y", "SUNIONSTORE z y", "OBJECT ENCODING z", "SREM y 4",
        "SDIFFSTORE d y", "OBJECT ENCODING d", "CONFIG SET set-max-intset-entries 512",
        "CONFIG GET set-max-intset-entries"}},
      {"sets",
       "smembers sinter sunion sdiff",
       {"SADD a 1 2 3 4", "SADD b 3 4 5", "SADD c x 4 3", "SMEMBERS a", "SMEMBERS nosuch",
        "SINTER a b", {"SINTER a b c", Check::kSorted}, "SINTER a nosuch", "SINTER a a",
        "SUNION a b", {"SUNION a c nosuch", Check::kSorted}, "SDIFF a b", "SDIFF a nosuch",
        "SDIFF nosuch a", "SDIFF a a", {"SDIFF c a", Check::kSorted}, "SINTER", "SUNION",
        "SDIFF"}},
      {"sets",
       "sintercard",
       {"SADD a 1 2 3 4", "SADD b 3 4 5", "SINTERCARD 2 a b", "SINTERCARD 1 a LIMIT 3",
        "SINTERCARD 1 a limit 0", "SINTERCARD 1 a LIMIT 1 LIMIT 2", "SINTERCARD 2 a nosuch",
        "SINTERCARD 0 a", "SINTERCARD x a", "SINTERCARD -1 a", "SINTERCARD 2 a",
        "SINTERCARD 1 a LIMIT -1", "SINTERCARD 1 a LIMIT x", "SINTERCARD 1 a LIMIT",
        "SINTERCARD 1 a foo 1", "SET str v", "SINTERCARD 2 nosuch str", "SINTERCARD 1"}},
      {"sets",
       "store forms",
       {"SADD a 1 2 3", "SADD b 2 3 x", "SET dst old", "EXPIRE dst 100",
        "SINTERSTORE dst a b", "TYPE dst", "TTL dst", "SMEMBERS dst", "SUNIONSTORE dst dst a",
        "SMEMBERS dst", "SDIFFSTORE dst a dst", "EXISTS dst", "SET dst old",
        "SINTERSTORE dst a nosuch", "EXISTS dst", "SDIFFSTORE dst b a", "SMEMBERS dst",
        "OBJECT ENCODING dst", "SUNIONSTORE dst nosuch", "EXISTS dst", "SINTERSTORE dst",
        "SET str v", "SINTERSTORE dst a str", "SUNIONSTORE dst str", "SDIFFSTORE dst nosuch str",
        "EXISTS dst"}},
      {"sets",
       "smove",
       {"SADD src 1 2 a", "SET str v", "SMOVE src dst 1", "SMEMBERS dst", "OBJECT ENCODING dst",
        "SMOVE src dst 1", "SMOVE nosuch str 1", "SMOVE src str 2", "SMOVE str src 2",
        "SMOVE src src 2", "SMOVE src src zz", "SMOVE src dst a", "OBJECT ENCODING dst",
        "SMOVE src dst 2", "EXISTS src", {"SMEMBERS dst", Check::kSorted}, "SMOVE src dst"}},
      {"sets",
       "spop srandmember",
       {"SPOP nosuch", "SPOP nosuch 3", "SPOP nosuch -1", "SPOP nosuch x", "SPOP nosuch 1 2",
        "SADD s 1 2 3", "SPOP s 0", "SRANDMEMBER s 0", "SRANDMEMBER s 3", "SRANDMEMBER s 10",
        "SRANDMEMBER nosuch", "SRANDMEMBER nosuch 5", "SRANDMEMBER nosuch -5",
        "SRANDMEMBER s x", "SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s 1 2",
        "SADD one x", "SRANDMEMBER one", "SRANDMEMBER one -3", "SRANDMEMBER one 2", "SPOP one",
        "EXISTS one", "SPOP s 10", "EXISTS s", "SET str v", "SPOP str", "SPOP str 0",
        "SPOP str x", "SRANDMEMBER str", "SRANDMEMBER str 0", "SRANDMEMBER str x"}},
      {"sets",
       "wrongtype both ways",
       {"SET str v", "SADD s 1", "SADD str a", "SREM str a", "SCARD str", "SISMEMBER str a",
        "SMISMEMBER str a", "SMEMBERS str", "SINTER nosuch str", "SUNION s str",
        "SDIFF nosuch str", "SSCAN str 0", "GET s", "HSET s f v", "ZADD s 1 m", "LPUSH s x"}},
      {"sets",
       "keyspace",
       {"SADD s 1 2", "SADD t x", "COPY s c", "SADD c 3", "SMEMBERS s", "OBJECT ENCODING c",
        "COPY t ct", "OBJECT ENCODING ct", "RENAME c r", "SMEMBERS r", "EXPIRE r 100",
        "SADD r 4", "TTL r", "DEL r", "EXISTS r", {"SCAN 0 TYPE set", Check::kScan},
        {"SCAN 0 TYPE SET COUNT 1", Check::kScan}}},
      {"sets",
       "sscan",
       {"SADD ints 5 1 3 10", "SSCAN nosuch 0 COUNT x", "SSCAN ints x", "SSCAN nosuch x",
        "SSCAN ints 0 COUNT 1", "SSCAN ints 77", "SSCAN ints 0 MATCH 1*",
        "SSCAN ints 0 MATCH 2 MATCH 3", "SSCAN ints 0 COUNT 0", "SSCAN ints 0 COUNT x",
        "SSCAN ints 0 TYPE set", "SSCAN ints 0 MATCH", "SSCAN ints -1",
        "SADD big m0 m1 m2 m3 m4 m5 m6 m7 m8 m9 m10 m11 m12 m13 m14 m15 m16 m17 m18 m19 m20",
        {"SSCAN big 0", Check::kScan}, {"SSCAN big 0 COUNT 3", Check::kScan},
        {"SSCAN big 0 MATCH m1*", Check::kScan}, "SSCAN big 0 COUNT 0", "SSCAN ints"}},
      {"sets",
       "hscan zscan",
       {"HSET h a 1", "HSCAN h 0", "HSCAN h 0 MATCH b", "HSCAN h 0 NOVALUES", "HSCAN nosuch 0",
        "HSCAN h x", "HSCAN h 0 COUNT 0", "ZADD z 1.5 a", "ZSCAN z 0", "ZSCAN z 0 COUNT 0",
        "ZSCAN h 0", "HSCAN z 0", "SSCAN h 0",
        "HSET big f0 0 f1 1 f2 2 f3 3 f4 4 f5 5 f6 6 f7 7 f8 8 f9 9 f10 10 f11 11 f12 12",
        {"HSCAN big 0", Check::kScan}, {"HSCAN big 0 COUNT 2", Check::kScan},
        {"HSCAN big 0 MATCH f1*", Check::kScan},
        "ZADD bigz 1 m1 2.5 m2 -3 m3 1e10 m4 0 m5 -0.125 m6 7 m7 8 m8 9 m9 10 m10 11 m11",
        {"ZSCAN bigz 0", Check::kScan}, {"ZSCAN bigz 0 COUNT 1 MATCH m1*", Check::kScan}}},
      {"sets",
       "hrandfield",
       {"HRANDFIELD nosuch", "HRANDFIELD nosuch 3 WITHVALUES", "HRANDFIELD nosuch -5",
        "HRANDFIELD nosuch x", "HRANDFIELD nosuch 1 foo", "HRANDFIELD nosuch 1 withvalues x",
        "HRANDFIELD nosuch -4611686018427387904 WITHVALUES",
        "HRANDFIELD nosuch 4611686018427387904 WITHVALUES",
        "HRANDFIELD nosuch -9223372036854775808", "HSET h a 1", "HRANDFIELD h", "HRANDFIELD h 0",
        "HRANDFIELD h 5", "HRANDFIELD h 5 withvalues", "HRANDFIELD h -2 WITHVALUES",
        "HRANDFIELD h -3", "HSET h2 a 1 b 2 c 3", {"HRANDFIELD h2 3", Check::kSorted},
        {"HRANDFIELD h2 30", Check::kSorted}, "SET str v", "HRANDFIELD str", "HRANDFIELD str 0",
        "HRANDFIELD str 1 foo", "HRANDFIELD"}},
  };
  return kCases;
}

}  // namespace

TEST_CASE("sets reply as on redis-server", "[contract][set]") {
  run_family(cases(), "sets");
}

}  // namespace shardis::test
