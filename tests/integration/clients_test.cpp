// Client management over TCP: CLIENT LIST / KILL, maxclients and the
// query buffer limit, each affecting only the clients it should.

#include <catch2/catch.hpp>
#include <string>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

namespace {

// The value of `field=` in a CLIENT LIST / INFO line.
std::string field(const std::string& line, const std::string& name) {
  const std::string key = name + "=";
  size_t pos = line.rfind(" " + key) != std::string::npos ? line.rfind(" " + key) + 1 : line.find(key);
  REQUIRE(pos != std::string::npos);
  pos += key.size();
  return line.substr(pos, line.find_first_of(" \n", pos) - pos);
}

}  // namespace

TEST_CASE("CLIENT LIST shows every client and CLIENT KILL closes only its target", "[clients]") {
  EmbeddedServer server;
  Client a(server.host(), server.port());
  Client b(server.host(), server.port());
  REQUIRE(a.raw({"CLIENT", "SETNAME", "alpha"}) == "+OK");
  REQUIRE(b.raw({"CLIENT", "SETNAME", "beta"}) == "+OK");
  const long long b_id = b.integer({"CLIENT", "ID"});

  const std::string list = a.raw({"CLIENT", "LIST"});
  CHECK(list.find("name=alpha ") != std::string::npos);
  CHECK(list.find("name=beta ") != std::string::npos);
  CHECK(list.find("id=" + std::to_string(b_id) + " ") != std::string::npos);
  // The caller's own line shows the command it is running.
  const std::string info = a.raw({"CLIENT", "INFO"});
  CHECK(field(info, "name") == "alpha");
  CHECK(field(info, "cmd") == "client|info");

  const std::string only_b = a.raw({"CLIENT", "LIST", "ID", std::to_string(b_id)});
  CHECK(only_b.find("name=beta ") != std::string::npos);
  CHECK(only_b.find("name=alpha ") == std::string::npos);

  CHECK(a.raw({"CLIENT", "KILL", "ID", std::to_string(b_id)}) == ":1");
  CHECK(b.raw({"PING"}).rfind("(io error", 0) == 0);  // the client sees its connection gone
  CHECK(a.raw({"PING"}) == "+PONG");
  CHECK(a.raw({"CLIENT", "KILL", "ID", std::to_string(b_id)}) == ":0");
  // SKIPME defaults to yes: killing by our own address spares us.
  const std::string my_addr = field(a.raw({"CLIENT", "INFO"}), "addr");
  CHECK(a.raw({"CLIENT", "KILL", "ADDR", my_addr}) == ":0");
  CHECK(a.raw({"CLIENT", "KILL", my_addr}) == "+OK");  // the old form does not skip
  CHECK(a.raw({"PING"}).rfind("(io error", 0) == 0);
}

TEST_CASE("maxclients refuses connections beyond the limit", "[clients]") {
  Config config;
  config.options.emplace_back("maxclients", "2");
  EmbeddedServer server(config);
  Client one(server.host(), server.port());
  Client two(server.host(), server.port());
  REQUIRE(one.raw({"PING"}) == "+PONG");
  REQUIRE(two.raw({"PING"}) == "+PONG");
  RawSocket third(server.host(), server.port());
  CHECK(third.read_until_closed() == "-ERR max number of clients reached\r\n");
  CHECK(one.raw({"PING"}) == "+PONG");
}

TEST_CASE("a client past client-query-buffer-limit is closed, others are not", "[clients][limits]") {
  EmbeddedServer server;
  Client admin(server.host(), server.port());
  REQUIRE(admin.raw({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}) == "+OK");
  REQUIRE(admin.raw({"SET", "kept", "v"}) == "+OK");

  RawSocket greedy(server.host(), server.port());
  // A 4 MB bulk is allowed by proto-max-bulk-len, but not buffered whole.
  greedy.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n");
  // Sending stops early once the server has closed the connection.
  const std::string chunk(256 * 1024, 'x');
  for (int i = 0; i < 16; ++i) greedy.send(chunk);
  CHECK(greedy.read_until_closed().empty());
  CHECK(admin.raw({"GET", "kept"}) == "$v");
  CHECK(admin.raw({"EXISTS", "k"}) == ":0");
}

}  // namespace shardis::test
