// Connection commands through the engine: commands in, exact RESP out.

#include <catch2/catch.hpp>

#include "engine/engine.hpp"
#include "unit/resp_cases.hpp"

using shardis::Engine;
using namespace shardis::test;

TEST_CASE("generic command check: unknown commands, arity, subcommands") {
  Engine e;
  run_cases(e, {
                   {{"nosuch"}, "-ERR unknown command 'nosuch', with args beginning with: \r\n"},
                   {{"nosuch", "a", "b"},
                    "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n"},
                   {{"echo"}, "-ERR wrong number of arguments for 'echo' command\r\n"},
                   {{"echo", "a", "b"}, "-ERR wrong number of arguments for 'echo' command\r\n"},
                   {{"client"}, "-ERR wrong number of arguments for 'client' command\r\n"},
                   {{"client", "nosuch"}, "-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n"},
                   {{"client", "setname"},
                    "-ERR wrong number of arguments for 'client|setname' command\r\n"},
                   {{"PiNg"}, "+PONG\r\n"},
               });
}

TEST_CASE("unknown command text is cut at 128 bytes of arguments") {
  Engine e;
  std::string long_arg(200, 'x');
  std::string reply = e.run({"nosuch", long_arg, "more"});
  CHECK(reply == "-ERR unknown command 'nosuch', with args beginning with: '" +
                     std::string(128, 'x') + "' \r\n");
}

TEST_CASE("PING and ECHO") {
  Engine e;
  run_cases(e, {
                   {{"ping"}, "+PONG\r\n"},
                   {{"ping", "hello"}, "$5\r\nhello\r\n"},
                   {{"ping", "a", "b"}, "-ERR wrong number of arguments for 'ping' command\r\n"},
                   {{"echo", ""}, "$0\r\n\r\n"},
                   {{"echo", std::string("a\0b", 3)}, std::string("$3\r\na\0b\r\n", 9)},
               });
}

TEST_CASE("SELECT validates the index") {
  Engine e;
  run_cases(e, {
                   {{"select", "15"}, "+OK\r\n"},
                   {{"select", "16"}, "-ERR DB index is out of range\r\n"},
                   {{"select", "-1"}, "-ERR DB index is out of range\r\n"},
                   {{"select", "x"}, "-ERR value is not an integer or out of range\r\n"},
                   {{"select", "99999999999"}, "-ERR value is not an integer or out of range\r\n"},
               });
  CHECK(e.session().db == 15);
}

TEST_CASE("AUTH without a configured password") {
  Engine e;
  run_cases(e, {
                   {{"auth", "pw"},
                    "-ERR AUTH <password> called without any password configured for the default "
                    "user. Are you "
                    "sure your configuration is correct?\r\n"},
                   {{"auth", "default", "anything"}, "+OK\r\n"},
                   {{"auth", "bob", "pw"},
                    "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
                   {{"auth", "a", "b", "c"}, "-ERR syntax error\r\n"},
               });
}

TEST_CASE("requirepass: NOAUTH until AUTH, then commands work") {
  Engine e;
  REQUIRE(e.server().config.set("requirepass", "s3cret").empty());
  e.session().authenticated = false;
  run_cases(e, {
                   {{"get", "k"}, "-NOAUTH Authentication required.\r\n"},
                   {{"nosuch"}, "-ERR unknown command 'nosuch', with args beginning with: \r\n"},
                   {{"auth", "wrong"},
                    "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
                   {{"hello", "3"},
                    "-NOAUTH HELLO must be called with the client already authenticated, otherwise "
                    "the HELLO "
                    "<proto> AUTH <user> <pass> option can be used to authenticate the client and "
                    "select the "
                    "RESP protocol version at the same time\r\n"},
                   {{"auth", "s3cret"}, "+OK\r\n"},
                   {{"ping"}, "+PONG\r\n"},
               });
  CHECK(e.session().authenticated);
  run_cases(e, {{{"reset"}, "+RESET\r\n"}, {{"ping"}, "-NOAUTH Authentication required.\r\n"}});
  CHECK(e.run({"auth", "default", "s3cret"}) == "+OK\r\n");
}

TEST_CASE("HELLO negotiates the protocol and replies with the server map") {
  Engine e;
  e.session().id = 7;
  const std::string resp2 =
      "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:2\r\n"
      "$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
      "$7\r\nmodules\r\n*0\r\n";
  CHECK(e.run({"hello"}) == resp2);
  CHECK(e.run({"hello", "2"}) == resp2);
  const std::string resp3 =
      "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n"
      "$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
      "$7\r\nmodules\r\n*0\r\n";
  CHECK(e.run({"hello", "3", "setname", "app"}) == resp3);
  CHECK(e.session().resp == 3);
  CHECK(e.session().name == "app");
  CHECK(e.run({"get", "missing"}) == "_\r\n");
  run_cases(e,
            {
                {{"hello", "4"}, "-NOPROTO unsupported protocol version\r\n"},
                {{"hello", "1"}, "-NOPROTO unsupported protocol version\r\n"},
                {{"hello", "x"}, "-ERR Protocol version is not an integer or out of range\r\n"},
                {{"hello", "3", "bogus"}, "-ERR Syntax error in HELLO option 'bogus'\r\n"},
                {{"hello", "3", "auth", "default"}, "-ERR Syntax error in HELLO option 'auth'\r\n"},
                {{"hello", "3", "setname", "a b"},
                 "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
            });
  CHECK(e.run({"reset"}) == "+RESET\r\n");
  CHECK(e.session().resp == 2);
  CHECK(e.session().name.empty());
}

TEST_CASE("QUIT replies OK and marks the connection for closing") {
  Engine e;
  CHECK(e.run({"quit"}) == "+OK\r\n");
  CHECK(e.session().close_after_reply);
}

TEST_CASE("CLIENT subcommands on the session") {
  Engine e;
  e.session().id = 42;
  run_cases(e, {
                   {{"client", "id"}, ":42\r\n"},
                   {{"client", "getname"}, "$-1\r\n"},
                   {{"client", "setname", "worker-1"}, "+OK\r\n"},
                   {{"client", "getname"}, "$8\r\nworker-1\r\n"},
                   {{"client", "setname", "bad name"},
                    "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
                   {{"client", "setname", ""}, "+OK\r\n"},
                   {{"client", "getname"}, "$-1\r\n"},
                   {{"client", "setinfo", "lib-name", "go-redis(,go1.22)"}, "+OK\r\n"},
                   {{"client", "setinfo", "LIB-VER", "9.5.1"}, "+OK\r\n"},
                   {{"client", "setinfo", "lib-name", "a b"},
                    "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"},
                   {{"client", "setinfo", "color", "red"}, "-ERR Unrecognized option 'color'\r\n"},
                   {{"client", "no-evict", "on"}, "+OK\r\n"},
                   {{"client", "no-touch", "maybe"}, "-ERR syntax error\r\n"},
                   {{"client", "kill", "id", "0"}, "-ERR client-id should be greater than 0\r\n"},
                   {{"client", "kill", "1.2.3.4:5"}, "-ERR No such client\r\n"},
                   {{"client", "kill", "id", "5", "skipme"}, "-ERR syntax error\r\n"},
                   {{"client", "list", "type", "bogus"}, "-ERR Unknown client type 'bogus'\r\n"},
               });
  CHECK(e.session().lib_name == "go-redis(,go1.22)");
  CHECK(e.session().lib_ver == "9.5.1");
  const std::string info = e.run({"client", "info"});
  CHECK(info.rfind("$", 0) == 0);
  CHECK(info.find("id=42 ") != std::string::npos);
  CHECK(info.find(" lib-name=go-redis(,go1.22) lib-ver=9.5.1\n") != std::string::npos);
  CHECK(info.find(" flags=e ") != std::string::npos);
}

TEST_CASE("SHUTDOWN argument errors") {
  Engine e;
  CHECK(e.run({"shutdown", "abort"}) == "-ERR No shutdown in progress.\r\n");
  CHECK(e.run({"shutdown", "later"}) == "-ERR syntax error\r\n");
}
