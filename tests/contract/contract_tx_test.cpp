// Contract tests for MULTI/EXEC/DISCARD/WATCH/UNWATCH: the same command
// lines against shardis and redis-server 7.0, replies compared exactly
// (see support/contract_harness.hpp). One connection per case, so a WATCH
// here is broken by the client's own writes (as Redis does); races between
// two clients are in tests/integration/transaction_test.cpp.

#include <catch2/catch.hpp>
#include <vector>

#include "support/contract_harness.hpp"

namespace shardis::test {
namespace {

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"transactions",
       "queue and exec",
       {"MULTI", "SET a 1", "INCR a", "GET a", "MGET a b c", "SET b 2", "EXEC", "GET a", "MGET a b",
        "MULTI", "EXEC", "EXEC", "DISCARD"}},
      {"transactions",
       "nesting and misplaced commands",
       {"MULTI", "MULTI", "WATCH a", "SET a 1", "EXEC", "GET a"}},
      {"transactions",
       "queue-time errors abort",
       {"MULTI", "SET a 1", "NOSUCH x y", "EXEC", "GET a", "MULTI", "SET a", "GET a", "EXEC",
        "MULTI", "SHUTDOWN", "EXEC", "MULTI", "SET a 1", "DISCARD", "GET a"}},
      {"transactions",
       "a rejected exec ends the transaction",
       {"SET a 0", "WATCH a", "MULTI", "SET a 1", "EXEC now", "GET a", "EXEC", "SET a 2", "MULTI",
        "GET a", "EXEC", "MULTI", "DISCARD x", "MULTI x", "EXEC", "GET a", "EXEC now",
        "exec a b", "WATCH a", "EXEC x", "SET a 3", "MULTI", "GET a", "EXEC"}},
      {"transactions",
       "runtime errors do not stop the others",
       {"SET s abc", "MULTI", "INCR s", "HSET s f v", "SET t 1", "INCRBY t 2", "EXEC", "GET t"}},
      {"transactions",
       "select inside a transaction",
       {"MULTI", "SELECT 3", "SET x in3", "SELECT 99", "GET x", "EXEC", "GET x", "SELECT 0",
        "GET x"}},
      {"transactions",
       "watch own writes and unwatch",
       {"SET a 1", "WATCH a", "SET a 2", "MULTI", "GET a", "EXEC", "WATCH a", "MULTI", "GET a",
        "EXEC", "WATCH a", "UNWATCH", "SET a 3", "MULTI", "GET a", "EXEC", "WATCH a b nosuch",
        "SET b 1", "MULTI", "PING", "EXEC", "WATCH a", "MULTI", "DISCARD", "SET a 4", "MULTI",
        "GET a", "EXEC"}},
      {"transactions",
       "watch flush swapdb rename expire",
       {"SET a 1", "WATCH a", "FLUSHALL", "MULTI", "PING", "EXEC", "WATCH a", "FLUSHALL", "MULTI",
        "PING", "EXEC", "SET a 1", "WATCH a", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "SELECT 1",
        "SET b 1", "WATCH b", "RENAME b c", "MULTI", "PING", "EXEC", "WATCH c", "EXPIRE c 100",
        "MULTI", "PING", "EXEC", "WATCH c", "PERSIST nosuch", "MULTI", "PING", "EXEC"}},
      {"transactions",
       "unwatch and reset inside multi",
       {"SET a 1", "WATCH a", "MULTI", "UNWATCH", "PING", "EXEC", "WATCH a", "MULTI", "RESET",
        "EXEC", "MULTI", "EXEC"}},
      {"transactions",
       "scripts in transactions",
       {"MULTI", "EVAL \"return redis.call('incr', KEYS[1])\" 1 n", "EVAL \"return 1\" x",
        "EXEC", "MULTI", "EVAL \"return redis.call('incr', KEYS[1])\" 1 n",
        "EVAL \"return redis.call('multi')\" 0", "EXEC", "GET n"}},
  };
  return kCases;
}

}  // namespace

TEST_CASE("transactions reply as on redis-server", "[contract]") {
  run_family(cases(), "transactions");
}

}  // namespace shardis::test
