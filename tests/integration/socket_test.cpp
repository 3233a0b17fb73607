// Client sockets get TCP_NODELAY and tcp-keepalive, as Redis's do. The
// embedded server shares this process, so its accepted socket is found in
// /proc/self/fd and its options read directly.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

namespace {

// The server side of the one client connection to `port`: a socket bound
// to the port that has a peer (the listening socket has none).
int accepted_socket(uint16_t port) {
  int found = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_in local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || local.sin_family != AF_INET)
      continue;
    len = sizeof peer;
    if (ntohs(local.sin_port) == port && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0)
      found = fd;
  }
  return found;
}

int int_option(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  REQUIRE(getsockopt(fd, level, name, &v, &len) == 0);
  return v;
}

}  // namespace

TEST_CASE("client sockets get TCP_NODELAY and keepalive probes", "[socket]") {
  Config config;
  config.options.emplace_back("tcp-keepalive", "60");
  EmbeddedServer server(config);
  Client c(server.host(), server.port());
  REQUIRE(c.raw({"PING"}) == "+PONG");
  const int fd = accepted_socket(server.port());
  REQUIRE(fd >= 0);
  CHECK(int_option(fd, IPPROTO_TCP, TCP_NODELAY) != 0);
  CHECK(int_option(fd, SOL_SOCKET, SO_KEEPALIVE) != 0);
  CHECK(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 60);
  CHECK(int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 20);
  CHECK(int_option(fd, IPPROTO_TCP, TCP_KEEPCNT) == 3);
}

TEST_CASE("tcp-keepalive 0 leaves keepalive off", "[socket]") {
  Config config;
  config.options.emplace_back("tcp-keepalive", "0");
  EmbeddedServer server(config);
  Client c(server.host(), server.port());
  REQUIRE(c.raw({"PING"}) == "+PONG");
  const int fd = accepted_socket(server.port());
  REQUIRE(fd >= 0);
  CHECK(int_option(fd, SOL_SOCKET, SO_KEEPALIVE) == 0);
  CHECK(int_option(fd, IPPROTO_TCP, TCP_NODELAY) != 0);
}

}  // namespace shardis::test

namespace shardis::test {

TEST_CASE("bind listens on every listed address", "[socket]") {
  Config config;
  config.bind = "127.0.0.1 127.0.0.2";
  EmbeddedServer server(config);
  CHECK(server.host() == "127.0.0.1");
  Client first("127.0.0.1", server.port());
  Client second("127.0.0.2", server.port());
  CHECK(first.raw({"SET", "k", "v"}) == "+OK");
  CHECK(second.raw({"GET", "k"}) == "$v");
  CHECK_THROWS(Client("127.0.0.3", server.port()));
}

}  // namespace shardis::test
