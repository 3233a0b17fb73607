// `timeout`: idle clients are closed; active ones are not. The server's
// manual clock makes "idle for 10 s" a fast_forward, not a sleep.

#include <catch2/catch.hpp>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

TEST_CASE("clients idle longer than timeout are disconnected", "[timeout]") {
  Config config;
  config.manual_clock = true;
  config.options.emplace_back("timeout", "5");
  EmbeddedServer server(config);

  RawSocket idle(server.host(), server.port());
  RawSocket active(server.host(), server.port());
  idle.send("PING\r\n");
  CHECK(idle.read_frame() == "+PONG\r\n");

  server.fast_forward(std::chrono::seconds(4));
  // Within the limit: still open after a couple of checks (once a second).
  CHECK(idle.silent_for(std::chrono::milliseconds(1500)));

  active.send("PING\r\n");
  CHECK(active.read_frame() == "+PONG\r\n");
  server.fast_forward(std::chrono::seconds(2));  // idle: 6 s, active: 2 s
  CHECK(idle.read_until_closed(std::chrono::seconds(3)).empty());
  active.send("PING\r\n");
  CHECK(active.read_frame() == "+PONG\r\n");

  Client admin(server.host(), server.port());
  REQUIRE(admin.raw({"CONFIG", "SET", "timeout", "0"}) == "+OK");
  server.fast_forward(std::chrono::hours(1));
  CHECK(active.silent_for(std::chrono::milliseconds(1500)));
}

}  // namespace shardis::test
