#pragma once
// The contract-test harness: a table of cases, each a list of command lines
// (redis-cli syntax), run against an embedded shardis (four shards) and a
// real redis-server; every reply must be the same, error texts included.
// Each family's test file keeps its own table and calls run_family.
//
// Replies whose order Redis leaves unspecified (KEYS, SCAN, HGETALL) are
// compared as sorted sets, and replies that depend on the moment a command
// ran (TTL, PTTL, TIME) are compared within a tolerance or by shape.

#include <string>
#include <string_view>
#include <vector>

namespace shardis::test {

enum class Check {
  kExact,
  kSorted,  // an array in unspecified order: compare the sorted elements
  kNear,    // an integer that may drift by `tolerance` (negative values exact)
  kScan,    // a SCAN started at cursor 0, iterated to the end: compare key sets
  kTime,    // TIME: two bulk strings of digits, seconds within `tolerance`
};

struct Step {
  Step(const char* line) : line(line) {}  // NOLINT(google-explicit-constructor): table syntax
  Step(const char* line, Check check, long long tolerance = 0)
      : line(line), check(check), tolerance(tolerance) {}
  std::string line;
  Check check = Check::kExact;
  long long tolerance = 0;
};

struct Case {
  std::string_view family;
  std::string_view name;
  std::vector<Step> steps;
};

// Runs every case of `family` in `cases`. Both servers live for the whole
// family; each case starts from FLUSHALL on fresh connections.
void run_family(const std::vector<Case>& cases, std::string_view family);

}  // namespace shardis::test
