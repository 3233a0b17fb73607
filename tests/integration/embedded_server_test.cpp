// The embedding API: independent servers in one process, a private data dir
// per server, and close() that may be called twice and from any thread.

#include "shardis/embedded_server.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/client.hpp"

namespace shardis::test {
namespace {

using namespace std::chrono_literals;

Config small_config() {
  Config config;
  config.shards = 2;
  return config;
}

bool closes_within(const EmbeddedServer& server, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!server.closed()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("address and port and a private data dir", "[embedded]") {
  std::filesystem::path dir;
  {
    EmbeddedServer server(small_config());
    CHECK(server.port() != 0);
    CHECK(server.host() == "127.0.0.1");
    CHECK(server.address() == "127.0.0.1:" + std::to_string(server.port()));
    dir = server.dir();
    CHECK(std::filesystem::is_directory(dir));
    CHECK_FALSE(server.closed());
  }
  // A dir the server created for itself goes away with it.
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("several embedded servers in one process are independent", "[embedded]") {
  EmbeddedServer a(small_config());
  EmbeddedServer b(small_config());
  REQUIRE(a.port() != b.port());
  CHECK(a.dir() != b.dir());
  Client ca(a.host(), a.port());
  Client cb(b.host(), b.port());

  REQUIRE(ca.raw({"SET", "k", "from-a"}) == "+OK");
  REQUIRE(cb.raw({"SET", "k", "from-b"}) == "+OK");
  REQUIRE(cb.raw({"SET", "only-b", "1"}) == "+OK");
  CHECK(ca.raw({"GET", "k"}) == "$from-a");
  CHECK(cb.raw({"GET", "k"}) == "$from-b");
  CHECK(ca.raw({"DBSIZE"}) == ":1");
  CHECK(cb.raw({"DBSIZE"}) == ":2");

  CHECK(ca.raw({"FLUSHALL"}) == "+OK");
  CHECK(cb.raw({"DBSIZE"}) == ":2");

  a.close();
  CHECK(a.closed());
  CHECK_FALSE(b.closed());
  CHECK(ca.raw({"PING"}).rfind("(io error", 0) == 0);
  CHECK(cb.raw({"GET", "k"}) == "$from-b");
}

TEST_CASE("close is idempotent and works from another thread", "[embedded]") {
  EmbeddedServer server(small_config());
  Client c(server.host(), server.port());
  REQUIRE(c.raw({"PING"}) == "+PONG");

  std::thread waiter([&] { server.wait(); });
  std::thread closer([&] { server.close(); });
  closer.join();
  waiter.join();
  CHECK(server.closed());
  server.close();
  CHECK(server.closed());

  CHECK(c.raw({"PING"}).rfind("(io error", 0) == 0);
  CHECK_THROWS(Client(server.host(), server.port(), 500ms));
}

TEST_CASE("concurrent close calls from several threads", "[embedded]") {
  EmbeddedServer server(small_config());
  std::vector<std::thread> closers;
  for (int i = 0; i < 4; ++i) closers.emplace_back([&] { server.close(); });
  for (auto& t : closers) t.join();
  CHECK(server.closed());
}

TEST_CASE("SHUTDOWN stops an embedded server", "[embedded]") {
  EmbeddedServer server(small_config());
  RawSocket s(server.host(), server.port());
  s.send("SHUTDOWN NOSAVE\r\n");
  CHECK(s.read_until_closed(5000ms).empty());
  REQUIRE(closes_within(server, 5000ms));
  server.wait();
  server.close();
  CHECK(server.closed());
}

}  // namespace shardis::test
