// shardis-stress (tools/shardis_stress.cpp) run for real against a real
// redis-server: a short run must pass its own invariant checks and print its
// summary; a bad command line must be refused.

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace shardis::test {
namespace {

using namespace std::chrono_literals;

struct ToolRun {
  std::optional<int> exit_code;
  std::string output;
};

ToolRun run_stress(const std::vector<std::string>& args) {
  TempDir dir("shardis-stress-test");
  auto log = dir.path() / "stress.log";
  ChildProcess tool(SHARDIS_STRESS_BIN, args, log);
  ToolRun run{tool.wait_exit(60s), {}};
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  run.output = text.str();
  return run;
}

}  // namespace

TEST_CASE("shardis-stress passes its invariants against redis-server", "[stress]") {
  RedisProcess redis;
  bool hash_tags = GENERATE(false, true);
  std::vector<std::string> args = {
      "--host",     redis.host(), "--port",     std::to_string(redis.port()),
      "--clients",  "10",         "--keys",     "20",
      "--duration", "2s",         "--pipeline", "4",
      "--seed",     "7"};
  if (hash_tags) args.push_back("--hash-tags");
  ToolRun run = run_stress(args);
  INFO(run.output);
  REQUIRE(run.exit_code.has_value());
  CHECK(*run.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(run.output, m,
                            std::regex(R"(summary: ops=(\d+) ops/s=\d+ success=(\d+) mismatch=\d+ )"
                                       R"(errors=0 success_ratio=[0-9.]+ p50=\d+us p99=\d+us )"
                                       R"(p999=\d+us)")));
  CHECK(std::stoll(m[1]) > 0);
  CHECK(std::stoll(m[2]) > 0);
  CHECK(run.output.find("invariants: OK (20 keys, " + std::string(m[2]) + " successful CAS)") !=
        std::string::npos);
  CHECK(std::regex_search(run.output, std::regex(R"(\[\s+1s\] ops=\d+ ops/s=\d+)")));

  // The values the tool leaves behind are the ones it verified.
  Client c(redis.host(), redis.port());
  std::string key = hash_tags ? "stress:{k0}" : "stress:k0";
  std::string value = c.raw({"GET", key});
  std::string etag = c.raw({"GET", key + ":etag"});
  REQUIRE(value.rfind("$v", 0) == 0);
  CHECK(etag.rfind("$" + value.substr(2) + ":", 0) == 0);
}

TEST_CASE("shardis-stress refuses a bad command line", "[stress]") {
  ToolRun run = run_stress({"--clients", "many"});
  REQUIRE(run.exit_code.has_value());
  CHECK(*run.exit_code == 2);
  CHECK(run.output.find("bad value for --clients: many") != std::string::npos);
  CHECK(run.output.find("usage: shardis-stress") != std::string::npos);
}

}  // namespace shardis::test
