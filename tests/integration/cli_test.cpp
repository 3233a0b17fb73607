// shardis-server's command line and config file: --help, clear errors that
// name the bad option with a non-zero exit, and a redis.conf-style file.

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "support/client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace shardis::test {

namespace {

struct Run {
  int exit_code;
  std::string output;
};

// Runs shardis-server to completion (it must exit by itself).
Run run_server(const std::vector<std::string>& args) {
  TempDir dir;
  const auto log = dir.path() / "out.log";
  ChildProcess child(SHARDIS_SERVER_BIN, args, log);
  std::optional<int> code = child.wait_exit(std::chrono::seconds(10));
  REQUIRE(code.has_value());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {*code, text.str()};
}

}  // namespace

TEST_CASE("--help lists every option with its default", "[cli]") {
  Run r = run_server({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("Usage: shardis-server") != std::string::npos);
  for (std::string option : {"port", "bind", "shards", "dir", "requirepass", "loglevel", "logfile",
                             "maxclients", "timeout", "shard-placement"})
    CHECK(r.output.find(option) != std::string::npos);
  CHECK(r.output.find("6379") != std::string::npos);  // port's default
}

TEST_CASE("a bad option is an error naming it, with a non-zero exit", "[cli]") {
  Run unknown = run_server({"--no-such-option", "1"});
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.output.find("unknown option '--no-such-option'") != std::string::npos);

  Run bad_value = run_server({"--port", "notaport"});
  CHECK(bad_value.exit_code != 0);
  CHECK(bad_value.output.find("--port") != std::string::npos);

  Run missing = run_server({"--port"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("'--port' needs a value") != std::string::npos);

  Run stray = run_server({"--port", "0", "extra", "--bind"});
  CHECK(stray.exit_code != 0);
}

TEST_CASE("a config file in redis.conf syntax configures the server", "[cli]") {
  TempDir dir;
  const auto conf = dir.path() / "shardis.conf";
  {
    std::ofstream out(conf);
    out << "# a comment\n"
        << "requirepass \"s3cret\"\n"
        << "databases 4\n"
        << "hz 20\n";
  }
  ShardisProcess server({}, conf.string());
  Client c(server.host(), server.port());
  CHECK(c.raw({"GET", "k"}) == "-NOAUTH Authentication required.");
  REQUIRE(c.raw({"AUTH", "s3cret"}) == "+OK");
  CHECK(c.raw({"SELECT", "3"}) == "+OK");
  CHECK(c.raw({"SELECT", "4"}) == "-ERR DB index is out of range");
  CHECK(c.raw({"CONFIG", "GET", "hz"}) == "[$hz,$20]");

  const auto bad = dir.path() / "bad.conf";
  {
    std::ofstream out(bad);
    out << "port 0\nthis-is-not-an-option yes\n";
  }
  Run r = run_server({bad.string()});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("line 2") != std::string::npos);
  CHECK(r.output.find("this-is-not-an-option") != std::string::npos);
}

}  // namespace shardis::test
