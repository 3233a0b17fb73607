// INFO over TCP: the sampled rate of commands follows the load.

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"

namespace shardis::test {

namespace {

int64_t info_field(Client& c, const std::string& name) {
  const std::string info = c.raw({"INFO", "stats"});
  const size_t pos = info.find(name + ":");
  REQUIRE(pos != std::string::npos);
  return std::stoll(info.substr(pos + name.size() + 1));
}

}  // namespace

TEST_CASE("instantaneous_ops_per_sec follows the load", "[info]") {
  EmbeddedServer server;
  Client observer(server.host(), server.port());
  CHECK(info_field(observer, "instantaneous_ops_per_sec") == 0);

  std::atomic<bool> stop{false};
  std::thread load([&] {
    Client c(server.host(), server.port());
    const std::vector<Args> batch(100, Args{"INCR", "counter"});
    while (!stop) c.pipeline(batch);
  });
  int64_t rate = 0;
  for (int i = 0; i < 40 && rate < 1000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rate = info_field(observer, "instantaneous_ops_per_sec");
  }
  stop = true;
  load.join();
  CHECK(rate >= 1000);
  CHECK(info_field(observer, "total_commands_processed") > rate);
}

}  // namespace shardis::test
