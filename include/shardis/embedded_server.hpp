#pragma once
// EmbeddedServer: a complete shardis server inside the calling process, on
// its own actor system, listening on a real TCP port. Made for tests:
//
//   shardis::Config cfg;              // port 0 = a free port
//   shardis::EmbeddedServer srv(cfg); // started; throws std::runtime_error on failure
//   connect to srv.host(), srv.port() with any Redis client
//   srv.fast_forward(std::chrono::seconds(10));  // TTLs move, no sleeping
//   srv.close();                      // idempotent, thread-safe; the destructor closes too
//
// Several servers in one process are independent.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "shardis/config.hpp"

namespace shardis {

class ServerRuntime;

class EmbeddedServer {
 public:
  explicit EmbeddedServer(Config config = {});
  ~EmbeddedServer();
  EmbeddedServer(const EmbeddedServer&) = delete;
  EmbeddedServer& operator=(const EmbeddedServer&) = delete;

  std::string address() const;  // "127.0.0.1:41234"
  std::string host() const;
  uint16_t port() const;
  const std::string& dir() const;

  // Moves the server's clock forward: keys whose TTL falls inside d expire.
  void fast_forward(std::chrono::milliseconds d);

  // Stops the server: closes every connection and actor, then writes a
  // final checkpoint into dir() when Config::persistence asks for one (a
  // real dir, `save` rules, save_on_close). Idempotent.
  void close();
  bool closed() const;
  // Blocks until the server stops on its own (SHUTDOWN) or close() is called.
  void wait();

 private:
  std::unique_ptr<ServerRuntime> runtime_;
};

}  // namespace shardis
