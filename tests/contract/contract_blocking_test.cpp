// Contract tests for the blocking pops on the paths that answer at once:
// something to pop, an argument error, or MULTI and scripts, where they
// never block. The same command lines run against shardis (four shards, so
// keys spread over shards) and redis-server 7.0; replies compared exactly
// (support/contract_harness.hpp). Waiting itself is tested in
// integration/blocking_test.cpp.

#include <catch2/catch.hpp>
#include <vector>

#include "support/contract_harness.hpp"

namespace shardis::test {
namespace {

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"blocking",
       "blpop brpop with lists there",
       {"RPUSH l2 a b c d", "BLPOP l1 l2 0", "BRPOP l1 l2 0", "BLPOP l2 1.5", "BRPOP l2 l1 0.01",
        "EXISTS l2", "RPUSH l1 x", "BLPOP l2 l1 l3 0", "SET s v", "BLPOP s 0", "BLPOP nosuch s 0",
        "RPUSH l1 y", "BLPOP l1 s 0", "RPUSH l1 z", "BZPOPMIN l1 0", "BLPOP l1", "BRPOP"}},
      {"blocking",
       "timeouts",
       {"RPUSH l a b c d e f g h i j k l",
        "BLPOP l abc",
        "BLPOP l -1",
        "BLPOP l -0.0015",
        "BLPOP l inf",
        "BLPOP l -inf",
        "BLPOP l nan",
        "BLPOP l 1e17",
        "BLPOP l 9223372036854776",
        "BLPOP l 1e5000",
        "BLPOP l 1e-5000",
        "BLPOP l \" 1\"",
        "BLPOP l \"1 \"",
        "BLPOP l \"\"",
        "BLPOP l 0x10",
        "BLPOP l +1",
        "BLPOP l -0",
        "BLPOP l -0.0001",
        "BLPOP l 1e-400",
        "BLPOP l 9223372036854775",
        "BRPOP l 0.001",
        "BZPOPMIN l x",
        "BZPOPMAX l -2",
        "BLMPOP x 1 l LEFT",
        "BZMPOP -1 1 l MIN",
        "BRPOPLPUSH l d nan",
        "BLMOVE l d LEFT RIGHT -1",
        "LLEN l"}},
      {"blocking",
       "blmove brpoplpush",
       {"RPUSH src a b c", "BLMOVE src dst LEFT RIGHT 0", "BLMOVE src dst RIGHT LEFT 0",
        "BRPOPLPUSH src dst 0", "LRANGE dst 0 -1", "EXISTS src", "BLMOVE dst dst LEFT RIGHT 0",
        "LRANGE dst 0 -1", "BLMOVE src dst UP RIGHT x", "BLMOVE src dst LEFT DOWN 0",
        "BLMOVE src dst left right x", "SET s v", "BLMOVE s dst LEFT LEFT 0", "BRPOPLPUSH dst s 0",
        "LRANGE dst 0 -1", "BLMOVE src dst LEFT RIGHT", "BRPOPLPUSH src dst"}},
      {"blocking",
       "blmpop bzmpop",
       {"RPUSH l2 a b c d",
        "BLMPOP 0 2 l1 l2 LEFT",
        "BLMPOP 0 2 l1 l2 RIGHT COUNT 2",
        "BLMPOP 0.5 1 l2 left count 10",
        "EXISTS l2",
        "BLMPOP 0 0 l1 LEFT",
        "BLMPOP 0 -1 l1 LEFT",
        "BLMPOP 0 x l1 LEFT",
        "BLMPOP 0 3 l1 LEFT",
        "BLMPOP 0 1 l1 UP",
        "BLMPOP 0 1 l1 LEFT COUNT 0",
        "BLMPOP 0 1 l1 LEFT COUNT",
        "BLMPOP 0 1 l1 LEFT COUNT 1 COUNT 1",
        "ZADD z 1 a 2 b 3 c 4 d",
        "BZMPOP 0 2 z0 z MIN",
        "BZMPOP 0 2 z0 z MAX COUNT 2",
        "BZMPOP 0 1 z min count 9",
        "EXISTS z",
        "BZMPOP 0 0 z MIN",
        "BZMPOP 0 2 z MIN",
        "BZMPOP 0 1 z MIDDLE",
        "BZMPOP 0 1 z MIN COUNT -1",
        "SET s v",
        "BLMPOP 0 2 nosuch s LEFT",
        "BZMPOP 0 1 s MAX",
        "BLMPOP 0",
        "BZMPOP 0 1",
        // the arguments after the timeout are checked before it, the
        // timeout before the keys' types
        "BLMPOP x 0 l1 LEFT",
        "BLMPOP x 1 l1 MIDDLE",
        "BLMPOP -1 1 l1 LEFT COUNT 0",
        "BLMPOP x 1 l1 LEFT COUNT",
        "BZMPOP x 1 z MINX",
        "BZMPOP -1 2 z MIN",
        "BZMPOP x 1 z MAX COUNT -5",
        "BLMPOP x 1 s LEFT",
        "BZMPOP -1 1 s MIN"}},
      {"blocking",
       "bzpopmin bzpopmax",
       {"ZADD z 1.5 a 2 b -3 c 1e300 d", "BZPOPMIN z0 z 0", "BZPOPMAX z 0", "BZPOPMIN z 0.1",
        "BZPOPMAX z z0 0", "EXISTS z", "SET s v", "BZPOPMIN s 0", "ZADD z 1 m", "BZPOPMAX z s 0",
        "BZPOPMIN z"}},
      {"blocking",
       "multi never blocks",
       {"MULTI", "BLPOP k 0", "BRPOP k 0", "BLMOVE k d LEFT LEFT 0", "BRPOPLPUSH k d 0",
        "BLMPOP 0 1 k LEFT", "BZPOPMIN z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN", "BLPOP k x",
        "BLMPOP 0 1 k UP", "RPUSH k v", "BLPOP k 0", "EXEC"}},
      {"blocking",
       "scripts never block",
       {"EVAL \"return redis.call('blmpop', 0, 1, KEYS[1], 'left')\" 1 k",
        "EVAL \"return redis.call('bzmpop', 0, 1, KEYS[1], 'min')\" 1 z", "RPUSH k a b",
        "EVAL \"return redis.call('blmpop', 0, 1, KEYS[1], 'left')\" 1 k",
        "EVAL \"return redis.pcall('blpop', KEYS[1], 0)\" 1 k", "LLEN k"}},
      {"blocking",
       "client unblock",
       {"CLIENT UNBLOCK 123456", "CLIENT UNBLOCK 123456 TIMEOUT", "CLIENT UNBLOCK 123456 error",
        "CLIENT UNBLOCK 0", "CLIENT UNBLOCK -1", "CLIENT UNBLOCK abc", "CLIENT UNBLOCK abc foo",
        "CLIENT UNBLOCK 1 foo", "CLIENT UNBLOCK 1 TIMEOUT x", "CLIENT UNBLOCK"}},
  };
  return kCases;
}

}  // namespace

TEST_CASE("blocking pops reply as on redis-server", "[contract]") {
  run_family(cases(), "blocking");
}

}  // namespace shardis::test
