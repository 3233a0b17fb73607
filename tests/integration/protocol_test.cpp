// Byte-level protocol behaviour over a raw socket: inline commands, RESP3
// via HELLO, malformed input, and the limits on unauthenticated clients.
// Expected texts are Redis 7's, byte for byte.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {
namespace {

EmbeddedServer start_server(const std::string& requirepass = "") {
  Config config;
  config.shards = 4;
  config.requirepass = requirepass;
  return EmbeddedServer(config);
}

}  // namespace

TEST_CASE("inline commands", "[protocol]") {
  EmbeddedServer server = start_server();
  RawSocket s(server.host(), server.port());

  s.send("PING\r\n");
  CHECK(s.read_frame() == "+PONG\r\n");
  s.send("PING\n");
  CHECK(s.read_frame() == "+PONG\r\n");
  s.send("SET greeting \"hello world\"\r\nGET greeting\r\n");
  CHECK(s.read_frame() == "+OK\r\n");
  CHECK(s.read_frame() == "$11\r\nhello world\r\n");
  s.send("ECHO 'single quoted'\r\n");
  CHECK(s.read_frame() == "$13\r\nsingle quoted\r\n");
  // An empty line is skipped, as Redis does.
  s.send("\r\nPING\r\n");
  CHECK(s.read_frame() == "+PONG\r\n");
  s.send("GET\r\n");
  CHECK(s.read_frame() == "-ERR wrong number of arguments for 'get' command\r\n");
}

TEST_CASE("RESP2 bytes of common replies", "[protocol]") {
  EmbeddedServer server = start_server();
  RawSocket s(server.host(), server.port());
  s.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n42\r\n");
  CHECK(s.read_frame() == "+OK\r\n");
  s.send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n");
  CHECK(s.read_frame() == "$2\r\n42\r\n");
  CHECK(s.read_frame() == "$-1\r\n");
  s.send("*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n");
  CHECK(s.read_frame() == ":43\r\n");
  s.send("*3\r\n$4\r\nMGET\r\n$1\r\nk\r\n$7\r\nmissing\r\n");
  CHECK(s.read_frame() == "*2\r\n$2\r\n43\r\n$-1\r\n");
  // A command split across writes is assembled.
  s.send("*2\r\n$4\r\nEC");
  CHECK(s.silent_for(std::chrono::milliseconds(50)));
  s.send("HO\r\n$2\r\nhi\r\n");
  CHECK(s.read_frame() == "$2\r\nhi\r\n");
}

TEST_CASE("HELLO switches protocols", "[protocol][resp3]") {
  EmbeddedServer server = start_server();
  RawSocket s(server.host(), server.port());

  s.send("HELLO 3\r\n");
  auto parsed = parse_resp(s.read_frame());
  REQUIRE(parsed);
  const RespValue& map = parsed->first;
  REQUIRE(map.type == '%');
  REQUIRE(map.items.size() == 14);
  const char* keys[] = {"server", "version", "proto", "id", "mode", "role", "modules"};
  for (size_t i = 0; i < 7; ++i) {
    INFO("entry " << i);
    CHECK(map.items[2 * i].type == '$');
    CHECK(map.items[2 * i].str == keys[i]);
  }
  CHECK(map.items[1].type == '$');
  CHECK_FALSE(map.items[1].str.empty());
  CHECK(map.items[3].type == '$');
  CHECK_FALSE(map.items[3].str.empty());
  CHECK(map.items[5].type == ':');
  CHECK(map.items[5].integer == 3);
  CHECK(map.items[7].type == ':');
  CHECK(map.items[7].integer > 0);
  CHECK(map.items[9].str == "standalone");
  CHECK(map.items[11].str == "master");
  CHECK(map.items[13].type == '*');
  CHECK(map.items[13].items.empty());

  // RESP3 null and the connection keeps working.
  s.send("GET missing\r\nPING\r\n");
  CHECK(s.read_frame() == "_\r\n");
  CHECK(s.read_frame() == "+PONG\r\n");

  s.send("HELLO 4\r\n");
  CHECK(s.read_frame() == "-NOPROTO unsupported protocol version\r\n");
  s.send("HELLO 2\r\n");
  auto resp2 = parse_resp(s.read_frame());
  REQUIRE(resp2);
  CHECK(resp2->first.type == '*');
  CHECK(resp2->first.items.size() == 14);
  s.send("GET missing\r\n");
  CHECK(s.read_frame() == "$-1\r\n");
}

// A client that keeps every read full gets larger reads (16 KB up to
// 64 KB, then back): commands of every size must still be cut at the right
// bytes wherever a read ends.
TEST_CASE("a pipeline of megabytes is read whole, whatever the read size", "[protocol]") {
  EmbeddedServer server = start_server();
  Client c(server.host(), server.port());
  auto value = [](size_t i) { return std::string(1 + i * 37 % 1500, static_cast<char>('a' + i % 26)); };
  std::vector<Args> sets, gets;
  for (size_t i = 0; i < 3000; ++i) {
    sets.push_back({"SET", "big:" + std::to_string(i), value(i)});
    gets.push_back({"GET", "big:" + std::to_string(i)});
  }
  const std::vector<std::string> set_replies = c.pipeline(sets);
  REQUIRE(set_replies.size() == sets.size());
  for (const std::string& r : set_replies) REQUIRE(r == "+OK");
  // Short commands after the burst, then the burst's data read back.
  CHECK(c.raw({"DBSIZE"}) == ":3000");
  const std::vector<std::string> values = c.pipeline(gets);
  REQUIRE(values.size() == gets.size());
  for (size_t i = 0; i < gets.size(); ++i) REQUIRE(values[i] == "$" + value(i));
  CHECK(c.raw({"PING"}) == "+PONG");
}

TEST_CASE("a protocol error closes only the offending connection", "[protocol]") {
  EmbeddedServer server = start_server();
  Client other(server.host(), server.port());
  REQUIRE(other.raw({"SET", "kept", "value"}) == "+OK");

  SECTION("negative bulk length") {
    RawSocket bad(server.host(), server.port());
    bad.send("*1\r\n$-5\r\n");
    CHECK(bad.read_until_closed() == "-ERR Protocol error: invalid bulk length\r\n");
  }
  SECTION("a byte other than '$' where a bulk string starts") {
    RawSocket bad(server.host(), server.port());
    bad.send("*1\r\nx\r\n");
    CHECK(bad.read_until_closed() == "-ERR Protocol error: expected '$', got 'x'\r\n");
  }
  SECTION("a bulk length that is not a number") {
    RawSocket bad(server.host(), server.port());
    bad.send("*1\r\n$abc\r\n");
    CHECK(bad.read_until_closed() == "-ERR Protocol error: invalid bulk length\r\n");
  }
  SECTION("commands before the error in the same packet are answered") {
    RawSocket bad(server.host(), server.port());
    bad.send("PING\r\n*1\r\n$-5\r\n");
    CHECK(bad.read_until_closed() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  }

  CHECK(other.raw({"GET", "kept"}) == "$value");
  CHECK(other.raw({"DBSIZE"}) == ":1");
  Client fresh(server.host(), server.port());
  CHECK(fresh.raw({"PING"}) == "+PONG");
}

TEST_CASE("requirepass", "[protocol][auth]") {
  EmbeddedServer server = start_server("s3cret");

  SECTION("commands need AUTH; a wrong password is refused") {
    RawSocket s(server.host(), server.port());
    s.send("GET a\r\n");
    CHECK(s.read_frame() == "-NOAUTH Authentication required.\r\n");
    s.send("AUTH wrong\r\n");
    CHECK(s.read_frame() == "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    s.send("PING\r\n");
    CHECK(s.read_frame() == "-NOAUTH Authentication required.\r\n");
    s.send("AUTH s3cret\r\nSET a 1\r\nGET a\r\n");
    CHECK(s.read_frame() == "+OK\r\n");
    CHECK(s.read_frame() == "+OK\r\n");
    CHECK(s.read_frame() == "$1\r\n1\r\n");
    s.send("AUTH default s3cret\r\n");
    CHECK(s.read_frame() == "+OK\r\n");
  }
  SECTION("hiredis client") {
    Client c(server.host(), server.port());
    CHECK(c.raw({"SET", "a", "1"}) == "-NOAUTH Authentication required.");
    CHECK(c.raw({"AUTH", "default", "nope"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.");
    CHECK(c.raw({"AUTH", "s3cret"}) == "+OK");
    CHECK(c.raw({"SET", "a", "1"}) == "+OK");
  }
  SECTION("HELLO needs authentication or its AUTH option") {
    RawSocket s(server.host(), server.port());
    s.send("HELLO 3\r\n");
    // Redis 7.2's text (7.0 wrote "HELLO AUTH" without "<proto>").
    CHECK(s.read_frame() ==
          "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
          "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
          "select the RESP protocol version at the same time\r\n");
    s.send("HELLO 3 AUTH default s3cret\r\n");
    auto hello = parse_resp(s.read_frame());
    REQUIRE(hello);
    CHECK(hello->first.type == '%');
  }
  SECTION("an unauthenticated client may not announce more than 10 arguments") {
    RawSocket ok(server.host(), server.port());
    ok.send("*10\r\n");
    CHECK(ok.silent_for(std::chrono::milliseconds(50)));

    RawSocket s(server.host(), server.port());
    s.send("*11\r\n");
    CHECK(s.read_until_closed() == "-ERR Protocol error: unauthenticated multibulk length\r\n");
  }
  SECTION("an unauthenticated client may not announce bulk strings over 16 KiB") {
    RawSocket s(server.host(), server.port());
    s.send("*2\r\n$20000\r\n");
    CHECK(s.read_until_closed() == "-ERR Protocol error: unauthenticated bulk length\r\n");
  }
}

}  // namespace shardis::test
