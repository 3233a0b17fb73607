// Expiry over TCP with the embedded server's manual clock: keys expire when
// the clock is moved forward, lazily on access and actively in the
// background, with no sleeping on the test's side.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

TEST_CASE("fast_forward expires keys lazily and actively", "[expiry]") {
  using namespace std::chrono_literals;
  constexpr int kKeys = 20;
  Config config;
  config.shards = 4;
  config.manual_clock = true;
  EmbeddedServer server(config);
  Client c(server.host(), server.port());

  for (int i = 0; i < kKeys; ++i) {
    REQUIRE(c.raw({"SET", "ex:" + std::to_string(i), "v", "EX", "10"}) == "+OK");
  }
  REQUIRE(c.raw({"SET", "long", "v", "EX", "100"}) == "+OK");
  REQUIRE(c.raw({"SET", "forever", "v"}) == "+OK");
  // The clock is frozen, so the TTL is exact.
  CHECK(c.raw({"TTL", "ex:0"}) == ":10");
  CHECK(c.raw({"PTTL", "ex:0"}) == ":10000");

  server.fast_forward(9s);
  CHECK(c.raw({"GET", "ex:0"}) == "$v");
  CHECK(c.raw({"TTL", "ex:0"}) == ":1");

  server.fast_forward(2s);
  CHECK(c.raw({"GET", "ex:0"}) == "(nil)");
  CHECK(c.raw({"TTL", "ex:1"}) == ":-2");
  CHECK(c.raw({"EXISTS", "ex:2"}) == ":0");
  CHECK(c.raw({"TTL", "long"}) == ":89");
  CHECK(c.raw({"TTL", "forever"}) == ":-1");

  // DBSIZE counts keys that expired but were not reclaimed yet; the active
  // cycle reclaims the rest without any access.
  std::string dbsize;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    dbsize = c.raw({"DBSIZE"});
    if (dbsize == ":2") break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(dbsize == ":2");
  CHECK(c.raw({"MGET", "long", "forever"}) == "[$v,$v]");
}

TEST_CASE("fast_forward passes EXPIREAT deadlines and PEXPIRE precision", "[expiry]") {
  using namespace std::chrono_literals;
  Config config;
  config.shards = 2;
  config.manual_clock = true;
  EmbeddedServer server(config);
  Client c(server.host(), server.port());

  REQUIRE(c.raw({"SET", "p", "v", "PX", "1500"}) == "+OK");
  server.fast_forward(1499ms);
  CHECK(c.raw({"PTTL", "p"}) == ":1");
  server.fast_forward(1ms);  // the deadline's own millisecond: alive, nothing left
  CHECK(c.raw({"PTTL", "p"}) == ":0");
  CHECK(c.raw({"GET", "p"}) == "$v");
  server.fast_forward(1ms);
  CHECK(c.raw({"GET", "p"}) == "(nil)");

  ReplyPtr time = c.call({"TIME"});
  REQUIRE(time);
  REQUIRE(time->elements == 2);
  long long now = std::stoll(time->element[0]->str);
  REQUIRE(c.raw({"SET", "at", "v"}) == "+OK");
  REQUIRE(c.raw({"EXPIREAT", "at", std::to_string(now + 3600)}) == ":1");
  server.fast_forward(3599s);
  CHECK(c.raw({"EXISTS", "at"}) == ":1");
  server.fast_forward(2s);
  CHECK(c.raw({"EXISTS", "at"}) == ":0");
}

}  // namespace shardis::test
