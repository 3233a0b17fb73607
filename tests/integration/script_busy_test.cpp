// Scripts that run too long: other clients get -BUSY, SCRIPT KILL stops a
// script that has not written (UNKILLABLE otherwise), SHUTDOWN NOSAVE stops
// the server even then, and a client that connects during the script is
// served (redis-cli users open a new connection to send SCRIPT KILL).
// Both shard placements: on the io thread the script's hook serves the
// other connections; on the pool the connections answer by themselves.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

namespace shardis::test {
namespace {

const std::string kBusy =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

std::string eval_frame(const std::string& body) {
  return "*3\r\n$4\r\nEVAL\r\n$" + std::to_string(body.size()) + "\r\n" + body + "\r\n$1\r\n0\r\n";
}

// Waits until `c` gets -BUSY for PING (the script passed the threshold).
void wait_busy(Client& c) {
  for (int i = 0; i < 200; ++i) {
    if (c.raw({"ping"}) == kBusy) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the server never reported BUSY");
}

}  // namespace

TEST_CASE("BUSY and SCRIPT KILL", "[scripting][busy]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  Config config;
  config.shards = 4;
  config.options.emplace_back("shard-placement", placement);
  config.options.emplace_back("busy-reply-threshold", "100");
  EmbeddedServer server(config);
  Client before(server.host(), server.port());
  CHECK(before.raw({"script", "kill"}) == "-NOTBUSY No scripts in execution right now.");

  RawSocket runner(server.host(), server.port());
  runner.send(eval_frame("local i = 0 while true do i = i + 1 end"));
  wait_busy(before);
  CHECK(before.raw({"get", "k"}) == kBusy);
  CHECK(before.raw({"eval", "return 1", "0"}) == kBusy);
  // A client connecting now is accepted and answered too.
  Client during(server.host(), server.port());
  CHECK(during.raw({"set", "k", "v"}) == kBusy);
  CHECK(during.raw({"script", "kill"}) == "+OK");
  const std::string killed = runner.read_frame(std::chrono::seconds(5));
  CHECK(killed.rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
  // All back to normal; nothing the rejected commands asked for happened.
  CHECK(before.raw({"ping"}) == "+PONG");
  CHECK(during.raw({"get", "k"}) == "(nil)");
  CHECK(during.raw({"client", "setname", "x"}) == "+OK");
  RawSocket again(server.host(), server.port());
  again.send("PING\r\n");
  CHECK(again.read_frame() == "+PONG\r\n");
}

TEST_CASE("A script that wrote cannot be killed, it finishes and its writes stay", "[scripting][busy]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  Config config;
  config.options.emplace_back("shard-placement", placement);
  config.options.emplace_back("busy-reply-threshold", "50");
  EmbeddedServer server(config);
  Client other(server.host(), server.port());
  RawSocket runner(server.host(), server.port());
  // Busy for about 400 ms of wall time, after one write.
  runner.send(eval_frame(
      "redis.call('set', 'w', '1') local t = redis.call('time') local start = t[1] * 1000000 + t[2] "
      "local n = 0 while true do n = n + 1 if n % 100000 == 0 then "
      "local u = redis.call('time') if u[1] * 1000000 + u[2] - start > 400000 then break end end end "
      "return n > 0"));
  wait_busy(other);
  CHECK(other.raw({"script", "kill"}) ==
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
        "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
        "NOSAVE command.");
  CHECK(other.raw({"shutdown"}) == kBusy);
  CHECK(runner.read_frame(std::chrono::seconds(10)) == ":1\r\n");
  CHECK(other.raw({"get", "w"}) == "$1");
}

TEST_CASE("SHUTDOWN NOSAVE stops a server busy with an endless script", "[scripting][busy][process]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  ShardisProcess server({"--shard-placement", placement, "--busy-reply-threshold", "100"});
  Client other(server.host(), server.port());
  RawSocket runner(server.host(), server.port());
  runner.send(eval_frame("redis.call('set', 'w', '1') while true do end"));
  wait_busy(other);
  Client killer(server.host(), server.port());
  killer.append({"shutdown", "nosave"});
  CHECK(killer.read_reply().rfind("(io error", 0) == 0);  // no reply: the server goes down
  const auto code = server.process().wait_exit(std::chrono::seconds(10));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

}  // namespace shardis::test
