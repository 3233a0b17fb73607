// MULTI/EXEC/WATCH over TCP, under both shard placements: atomicity across
// shards seen by concurrent readers, WATCH races between two clients on
// different shards, and the "TxPipeline" shape (MULTI ... EXEC in one write).

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

EmbeddedServer start_server(const std::string& placement) { return start_placed_server(kShards, placement); }

}  // namespace

TEST_CASE("MULTI/EXEC over TCP: queueing, errors, EXEC reply", "[transaction]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  Client c(server.host(), server.port());
  auto [a, b] = keys_on_two_shards("tx:");
  CHECK(c.raw({"multi"}) == "+OK");
  CHECK(c.raw({"set", a, "1"}) == "+QUEUED");
  CHECK(c.raw({"set", b, "2"}) == "+QUEUED");
  CHECK(c.raw({"incr", a}) == "+QUEUED");
  CHECK(c.raw({"mget", a, b}) == "+QUEUED");
  CHECK(c.raw({"select", "3"}) == "+QUEUED");
  CHECK(c.raw({"set", a, "db3"}) == "+QUEUED");
  CHECK(c.raw({"exec"}) == "[+OK,+OK,:2,[$2,$2],+OK,+OK]");
  // SELECT inside the transaction stays in effect, as in Redis.
  CHECK(c.raw({"get", a}) == "$db3");
  CHECK(c.raw({"select", "0"}) == "+OK");
  CHECK(c.raw({"get", a}) == "$2");

  CHECK(c.raw({"multi"}) == "+OK");
  CHECK(c.raw({"set", a}) == "-ERR wrong number of arguments for 'set' command");
  CHECK(c.raw({"set", b, "9"}) == "+QUEUED");
  CHECK(c.raw({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.");
  CHECK(c.raw({"get", b}) == "$2");
  CHECK(c.raw({"exec"}) == "-ERR EXEC without MULTI");
}

TEST_CASE("TxPipeline: MULTI, commands and EXEC sent in one write", "[transaction]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  Client c(server.host(), server.port());
  auto [a, b] = keys_on_two_shards("txp:");
  for (int round = 0; round < 200; ++round) {
    const std::string v = std::to_string(round);
    std::vector<std::string> replies = c.pipeline({{"get", a},
                                                   {"multi"},
                                                   {"set", a, v},
                                                   {"set", b, v},
                                                   {"exec"},
                                                   {"mget", a, b}});
    REQUIRE(replies.size() == 6);
    CHECK(replies[1] == "+OK");
    CHECK(replies[2] == "+QUEUED");
    CHECK(replies[4] == "[+OK,+OK]");
    CHECK(replies[5] == "[$" + v + ",$" + v + "]");
  }
}

TEST_CASE("EXEC is atomic across shards for concurrent readers", "[transaction][concurrency]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  auto [a, b] = keys_on_two_shards("atom:");
  {
    Client init(server.host(), server.port());
    REQUIRE(init.raw({"mset", a, "0", b, "0"}) == "+OK");
  }
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, a = a, b = b] {
      Client c(server.host(), server.port());
      while (!stop) {
        // MGET is itself atomic across shards: both values always agree
        // unless a transaction were visible half done.
        std::string got = c.raw({"mget", a, b});
        ++reads;
        const auto comma = got.find(',');
        if (got.substr(1, comma - 1) != got.substr(comma + 1, got.size() - comma - 2)) ++torn;
      }
    });
  }
  Client w(server.host(), server.port());
  for (int i = 1; i <= 500; ++i) {
    const std::string v = std::to_string(i);
    std::vector<std::string> r = w.pipeline({{"multi"}, {"set", a, v}, {"set", b, v}, {"exec"}});
    REQUIRE(r.back() == "[+OK,+OK]");
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(reads > 0);
  CHECK(torn == 0);
}

TEST_CASE("WATCH: a change by another client on another shard fails EXEC", "[transaction][watch]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  Client c1(server.host(), server.port());
  Client c2(server.host(), server.port());
  auto [a, b] = keys_on_two_shards("w:");
  REQUIRE(c1.raw({"mset", a, "1", b, "1"}) == "+OK");

  // Watch keys on two shards; the other client changes the second one.
  CHECK(c1.raw({"watch", a, b}) == "+OK");
  CHECK(c2.raw({"set", b, "2"}) == "+OK");
  CHECK(c1.raw({"multi"}) == "+OK");
  CHECK(c1.raw({"set", a, "from-tx"}) == "+QUEUED");
  CHECK(c1.raw({"exec"}) == "(nil)");
  CHECK(c1.raw({"get", a}) == "$1");

  // Untouched watches let EXEC through; EXEC forgets them.
  CHECK(c1.raw({"watch", a, b}) == "+OK");
  CHECK(c1.raw({"multi"}) == "+OK");
  CHECK(c1.raw({"set", a, "from-tx"}) == "+QUEUED");
  CHECK(c1.raw({"exec"}) == "[+OK]");
  CHECK(c2.raw({"set", b, "3"}) == "+OK");
  CHECK(c1.raw({"multi"}) == "+OK");
  CHECK(c1.raw({"exec"}) == "[]");

  // Deletion, FLUSHALL and expiry by others also count.
  for (const Args& change : std::vector<Args>{{"del", b}, {"flushall"}, {"pexpire", a, "1"}}) {
    INFO(change[0]);
    REQUIRE(c2.raw({"mset", a, "1", b, "1"}) == "+OK");
    CHECK(c1.raw({"watch", a, b}) == "+OK");
    CHECK(c2.raw(change) == (change[0] == "flushall" ? "+OK" : ":1"));
    if (change[0] == "pexpire") std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(c1.raw({"multi"}) == "+OK");
    CHECK(c1.raw({"set", a, "x"}) == "+QUEUED");
    CHECK(c1.raw({"exec"}) == "(nil)");
  }
}

TEST_CASE("WATCH-based increments from many clients lose no update", "[transaction][watch][concurrency]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(placement);
  auto [a, b] = keys_on_two_shards("cas:");
  constexpr int kClients = 8, kIncrements = 50;
  std::atomic<int> retries{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, a = a, b = b] {
      Client c(server.host(), server.port());
      for (int done = 0; done < kIncrements;) {
        c.raw({"watch", a, b});
        const std::string cur = c.raw({"get", a});
        const long long n = cur == "(nil)" ? 0 : std::stoll(cur.substr(1));
        const std::string next = std::to_string(n + 1);
        auto r = c.pipeline({{"multi"}, {"set", a, next}, {"set", b, next}, {"exec"}});
        if (r.back() == "(nil)") {
          ++retries;
        } else if (r.back() == "[+OK,+OK]") {
          ++done;
        } else {
          FAIL("unexpected EXEC reply " << r.back());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  Client c(server.host(), server.port());
  const std::string total = "$" + std::to_string(kClients * kIncrements);
  CHECK(c.raw({"mget", a, b}) == "[" + total + "," + total + "]");
  INFO("retries " << retries.load());
}
}  // namespace shardis::test
