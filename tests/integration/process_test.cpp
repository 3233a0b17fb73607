// The shardis-server binary as a process: it stops cleanly (exit code 0) on
// SIGTERM, SIGINT and SHUTDOWN, also with clients connected.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/client.hpp"
#include "support/server_process.hpp"

namespace shardis::test {

TEST_CASE("SIGTERM stops shardis-server with idle clients connected", "[process]") {
  ShardisProcess server({"--shards", "4"});
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Client>(server.host(), server.port()));
    REQUIRE(clients.back()->raw({"SET", "idle:" + std::to_string(i), "x"}) == "+OK");
  }

  server.process().signal(SIGTERM);
  std::optional<int> code = server.process().wait_exit(std::chrono::milliseconds(1000));
  INFO("server log:\n" << server.log());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  // Every client was disconnected.
  CHECK(clients.front()->raw({"PING"}).rfind("(io error", 0) == 0);
}

TEST_CASE("SIGINT stops shardis-server", "[process]") {
  ShardisProcess server;
  Client c(server.host(), server.port());
  REQUIRE(c.raw({"PING"}) == "+PONG");
  server.process().signal(SIGINT);
  std::optional<int> code = server.process().wait_exit(std::chrono::milliseconds(1000));
  INFO("server log:\n" << server.log());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("SHUTDOWN stops shardis-server without a reply", "[process]") {
  ShardisProcess server({"--shards", "2"});
  Client bystander(server.host(), server.port());
  REQUIRE(bystander.raw({"SET", "k", "v"}) == "+OK");

  RawSocket s(server.host(), server.port());
  s.send("SHUTDOWN NOSAVE\r\n");
  // Like Redis, a successful SHUTDOWN answers nothing: the connection closes.
  CHECK(s.read_until_closed(std::chrono::milliseconds(5000)).empty());
  std::optional<int> code = server.process().wait_exit(std::chrono::milliseconds(5000));
  INFO("server log:\n" << server.log());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(bystander.raw({"PING"}).rfind("(io error", 0) == 0);
}

}  // namespace shardis::test
