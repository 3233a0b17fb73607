// Lua scripts over TCP under both shard placements: atomic across shards
// under concurrent load (a transfer script against MGET readers), scripts
// that touch keys they did not declare, lua-strict-keys, EVALSHA fallback.

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/placement.hpp"

namespace shardis::test {
namespace {

constexpr int kShards = 4;

std::pair<std::string, std::string> keys_on_two_shards(const std::string& prefix) {
  return test::keys_on_two_shards(prefix, kShards);
}

EmbeddedServer start_server(const std::string& placement, bool strict = false) {
  if (strict) return start_placed_server(kShards, placement, {{"lua-strict-keys", "yes"}});
  return start_placed_server(kShards, placement);
}

// Moves ARGV[1] units from KEYS[1] to KEYS[2], in two separate writes: a
// reader between them would see a wrong total.
const char* kTransfer =
    "local from = tonumber(redis.call('get', KEYS[1])) "
    "redis.call('set', KEYS[1], from - ARGV[1]) "
    "local to = tonumber(redis.call('get', KEYS[2])) "
    "redis.call('set', KEYS[2], to + ARGV[1]) "
    "return from - ARGV[1]";

}  // namespace

TEST_CASE("A script across two shards is atomic for concurrent readers", "[scripting][concurrency]") {
  const std::string placement = GENERATE("io", "pool");
  const bool undeclared = GENERATE(false, true);
  INFO("shard-placement " << placement << (undeclared ? ", keys not declared" : ""));
  EmbeddedServer server = start_server(placement);
  auto [a, b] = keys_on_two_shards("acct:");
  constexpr long long kTotal = 1000000;
  Client init(server.host(), server.port());
  REQUIRE(init.raw({"mset", a, std::to_string(kTotal), b, "0"}) == "+OK");
  const std::string sha = init.raw({"script", "load", kTransfer}).substr(1);
  // The same transfer with its keys passed as ARGV: the script touches keys
  // it did not declare, which must still be correct and atomic.
  const std::string sha_undeclared =
      init.raw({"script", "load",
                "local KEYS = {ARGV[2], ARGV[3]} " + std::string(kTransfer)})
          .substr(1);

  std::atomic<bool> stop{false};
  std::atomic<long long> reads{0}, bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, a = a, b = b] {
      Client c(server.host(), server.port());
      while (!stop) {
        auto reply = c.call({"mget", a, b});
        ++reads;
        if (!reply || reply->elements != 2 ||
            std::stoll(reply->element[0]->str) + std::stoll(reply->element[1]->str) != kTotal)
          ++bad;
      }
    });
  }
  std::vector<std::thread> writers;
  constexpr int kWriters = 4, kTransfers = 300;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, a = a, b = b] {
      Client c(server.host(), server.port());
      for (int i = 0; i < kTransfers; ++i) {
        std::string r = undeclared ? c.raw({"evalsha", sha_undeclared, "0", "1", a, b})
                                   : c.raw({"evalsha", sha, "2", a, b, "1"});
        if (r.empty() || r[0] != ':') ++bad;
      }
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(reads > 0);
  CHECK(bad == 0);
  Client c(server.host(), server.port());
  CHECK(c.raw({"mget", a, b}) == "[$" + std::to_string(kTotal - kWriters * kTransfers) + ",$" +
                                     std::to_string(kWriters * kTransfers) + "]");
}

TEST_CASE("lua-strict-keys refuses keys a script did not declare", "[scripting]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement, true);
  Client c(server.host(), server.port());
  auto [a, b] = keys_on_two_shards("strict:");
  CHECK(c.raw({"eval", "redis.call('set', KEYS[1], 'x') return redis.call('get', KEYS[2])", "2", a, b}) ==
        "(nil)");
  CHECK(c.raw({"get", a}) == "$x");
  const std::string r = c.raw({"eval", "return redis.call('get', ARGV[1])", "0", b});
  CHECK(r.rfind("-ERR ", 0) == 0);
  CHECK(r.find("user_script:1") != std::string::npos);
}

TEST_CASE("EVALSHA falls back to EVAL on NOSCRIPT, SCRIPT FLUSH is server-wide", "[scripting]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  Client c1(server.host(), server.port());
  Client c2(server.host(), server.port());
  const std::string body = "return ARGV[1] .. '!'";
  const std::string sha = c1.raw({"script", "load", body}).substr(1);
  REQUIRE(sha.size() == 40);
  CHECK(c2.raw({"evalsha", sha, "0", "hi"}) == "$hi!");
  CHECK(c2.raw({"script", "flush"}) == "+OK");
  CHECK(c1.raw({"evalsha", sha, "0", "hi"}) == "-NOSCRIPT No matching script. Please use EVAL.");
  CHECK(c1.raw({"eval", body, "0", "hi"}) == "$hi!");
  CHECK(c2.raw({"evalsha", sha, "0", "hi"}) == "$hi!");
  CHECK(c2.raw({"script", "exists", sha, "0000000000000000000000000000000000000000"}) == "[:1,:0]");
}

TEST_CASE("Scripts inside MULTI/EXEC and pipelines", "[scripting][transaction]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  Client c(server.host(), server.port());
  auto [a, b] = keys_on_two_shards("mx:");
  std::vector<std::string> r = c.pipeline({{"mset", a, "10", b, "0"},
                                           {"multi"},
                                           {"eval", kTransfer, "2", a, b, "3"},
                                           {"incr", b},
                                           {"exec"},
                                           {"mget", a, b},
                                           {"eval", kTransfer, "2", a, b, "1"},
                                           {"get", b}});
  REQUIRE(r.size() == 8);
  CHECK(r[2] == "+QUEUED");
  CHECK(r[4] == "[:7,:4]");
  CHECK(r[5] == "[$7,$4]");
  CHECK(r[6] == ":6");
  CHECK(r[7] == "$5");
}

}  // namespace shardis::test
