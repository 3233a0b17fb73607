#pragma once
// ServerRuntime: one running shardis server: its state, its shards, its
// actor system and the actors on it. shardis-server's main() and
// EmbeddedServer both drive one.
//
// Threads and actors (see docs/architecture.md for the measurements):
// - CAF's multiplexer thread runs the acceptor and every connection broker.
// - Shard actors run, per `shard-placement`, on the multiplexer thread too
//   ("io", Redis's single-threaded model without a thread hop: the default,
//   fastest on small machines) or on CAF's worker pool ("pool", one worker
//   per shard up to the core count: scales with cores).
// - The coordinator runs beside the shards and serialises work that needs
//   several shards at once.
// One runner thread owns the actor system from construction to destruction.
// Stopping: stop() may be called from any thread but an actor's; actors ask
// for a stop with request_stop(), which the runner thread carries out.

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/client_registry.hpp"
#include "caf/actor.hpp"
#include "engine/server_state.hpp"
#include "engine/shard.hpp"
#include "shardis/config.hpp"

namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf

namespace shardis {

// While a script runs past busy-reply-threshold on the io thread, nothing
// else runs there; the script's hook calls poll() so that the connections
// still read, answer -BUSY and let SCRIPT KILL / SHUTDOWN NOSAVE through
// (connection.cpp).
class ConnectionPoller {
 public:
  virtual ~ConnectionPoller() = default;
  virtual void poll() = 0;
};
std::unique_ptr<ConnectionPoller> make_connection_poller();

// What every actor of one server shares. Built before the first connection
// and immutable afterwards (the pointees have their own synchronisation:
// shard data is owned by its shard actor, ServerState is atomic/locked).
struct ServerContext {
  ServerState* state = nullptr;
  ShardSet* shards = nullptr;
  std::vector<caf::actor> shard_actors;
  caf::actor coordinator;
  ClientRegistry* clients = nullptr;
  std::atomic<uint64_t>* next_client_id = nullptr;
  // Shards and coordinator run on the connections' thread (shard-placement
  // io): a connection may then execute shard work itself, see connection.cpp.
  bool same_thread = false;
  ConnectionPoller* poller = nullptr;  // io placement only
};
using ContextPtr = std::shared_ptr<const ServerContext>;

class ServerRuntime {
 public:
  // Starts listening; throws std::runtime_error with the reason on failure.
  explicit ServerRuntime(const Config& config, const std::string& config_file = "");
  ~ServerRuntime();

  uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }
  const std::string& dir() const { return dir_; }

  void fast_forward(std::chrono::milliseconds d);
  // Thread-safe, non-blocking: asks the runner thread to shut down. A final
  // checkpoint is written once every actor is gone when save is true and
  // `save` rules are configured (as Redis's SHUTDOWN and SIGTERM), never
  // into a temporary data dir the runtime made itself.
  void request_stop(bool save = true);
  // Shuts down and waits until every actor is gone; a final checkpoint as
  // request_stop(true) unless Config::persistence.save_on_close is false.
  // Idempotent.
  void stop();
  bool stopped() const { return stopped_.load(); }
  // Blocks until a stop was requested and carried out.
  void wait();

 private:
  // The runner thread: builds the actor system, reports start-up through
  // started ("" or the error), serves until a stop is requested, tears down.
  void run(std::promise<std::string>& started);
  std::string start_actors();
  void shutdown_actors();
  void final_checkpoint();

  std::unique_ptr<ServerState> state_;
  std::unique_ptr<ShardSet> shards_;
  ClientRegistry clients_;
  std::atomic<uint64_t> next_client_id_{1};
  std::unique_ptr<ServerHooks> hooks_;
  std::unique_ptr<ConnectionPoller> poller_;
  std::unique_ptr<caf::actor_system_config> caf_config_;
  std::unique_ptr<caf::actor_system> system_;
  std::vector<caf::actor> actors_;  // acceptor, coordinator, shards
  std::shared_ptr<ServerContext> ctx_;
  uint16_t port_ = 0;
  std::string host_;
  std::string dir_;
  bool owns_dir_ = false;

  std::mutex mu_;
  std::mutex join_mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool save_on_stop_ = true;
  bool save_on_close_ = true;
  std::atomic<bool> stopped_{false};
  std::thread runner_;
};

// Spawn functions (actors/*.cpp).
caf::actor spawn_shard(caf::actor_system& sys, ContextPtr ctx, size_t index, bool on_io_thread);
caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<ServerContext> ctx, bool on_io_thread);
// Listens on bind:port (port 0 = any); returns the acceptor and the port.
caf::actor spawn_acceptor(caf::actor_system& sys, ContextPtr ctx, const std::string& bind,
                          uint16_t* port, std::string* error);

}  // namespace shardis
