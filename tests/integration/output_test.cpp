// Replies larger than the socket buffer: the server writes what the socket
// takes and queues the rest; every byte arrives, in order, however slowly
// the client reads.

#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

TEST_CASE("large pipelined replies to a slow reader arrive whole and in order", "[output]") {
  EmbeddedServer server;
  Client setup(server.host(), server.port());
  const std::string big(1 << 20, 'v');
  REQUIRE(setup.raw({"SET", "big", big}) == "+OK");

  RawSocket slow(server.host(), server.port());
  const std::string get = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  std::string pipeline;
  for (int i = 0; i < 40; ++i) {
    pipeline += get;
    pipeline += "*2\r\n$4\r\nECHO\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
                std::to_string(i) + "\r\n";
  }
  slow.send(pipeline);
  // Let the server fill the socket buffer and queue the rest before reading.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(setup.raw({"PING"}) == "+PONG");  // others are served meanwhile

  const std::string big_reply = "$1048576\r\n" + big + "\r\n";
  for (int i = 0; i < 40; ++i) {
    INFO("reply pair " << i);
    REQUIRE(slow.read_frame(std::chrono::seconds(10)) == big_reply);
    const std::string n = std::to_string(i);
    REQUIRE(slow.read_frame() == "$" + std::to_string(n.size()) + "\r\n" + n + "\r\n");
  }
  slow.send("PING\r\n");
  CHECK(slow.read_frame() == "+PONG\r\n");
}

}  // namespace shardis::test
