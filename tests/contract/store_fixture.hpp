#pragma once
// The server a store contract test runs against: an embedded shardis (four
// shards, so a resource's value and ETag keys usually sit on different
// shards) or a real redis-server. A test case that starts with
//   STORE_SERVER(server);
// runs once against each, with the server's name in its failure messages.

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

namespace shardis::test {

class StoreServer {
 public:
  explicit StoreServer(const std::string& kind) {
    if (kind == "shardis") {
      Config config;
      config.shards = 4;
      shardis_ = std::make_unique<EmbeddedServer>(config);
    } else {
      redis_ = std::make_unique<RedisProcess>();
    }
  }

  std::string host() const { return shardis_ ? shardis_->host() : redis_->host(); }
  uint16_t port() const { return shardis_ ? shardis_->port() : redis_->port(); }
  std::unique_ptr<Client> connect() const { return std::make_unique<Client>(host(), port()); }

  // Lets `d` pass on the server's clock: shardis moves its clock, redis-server
  // can only be waited for.
  void let_time_pass(std::chrono::milliseconds d) {
    if (shardis_) {
      shardis_->fast_forward(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  }

 private:
  std::unique_ptr<EmbeddedServer> shardis_;
  std::unique_ptr<RedisProcess> redis_;
};

}  // namespace shardis::test

#define STORE_SERVER(name)                                                         \
  const std::string name##_kind = GENERATE(as<std::string>{}, "shardis", "redis"); \
  INFO("server: " << name##_kind);                                                 \
  ::shardis::test::StoreServer name(name##_kind)
