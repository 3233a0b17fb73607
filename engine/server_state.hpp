#pragma once
// Server-wide state shared by every actor: configuration, clock, identity,
// counters. The engine sees the rest of the server (clients, shutdown)
// only through ServerHooks, so it stays free of actors and sockets.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/clock.hpp"
#include "engine/checkpoint_api.hpp"
#include "engine/config.hpp"
#include "engine/notify.hpp"
#include "engine/pubsub.hpp"
#include "engine/scripting_api.hpp"
#include "engine/session.hpp"

namespace shardis {

struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected_calls{0};
  std::atomic<uint64_t> failed_calls{0};
};

// A rate over the last 16 samples, as Redis's trackInstantaneousMetric:
// sample() is called from the cron (every 1/hz s) with a running total.
class RateMeter {
 public:
  void sample(int64_t now_us, uint64_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_us_ != 0 && now_us > last_us_) {
      samples_[next_++ % kSamples] =
          (total - last_total_) * 1000000 / static_cast<uint64_t>(now_us - last_us_);
    }
    last_us_ = now_us;
    last_total_ = total;
  }
  uint64_t per_second() const {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t sum = 0;
    for (uint64_t v : samples_) sum += v;
    return sum / kSamples;
  }

 private:
  static constexpr size_t kSamples = 16;
  mutable std::mutex mu_;
  uint64_t samples_[kSamples] = {};
  size_t next_ = 0;
  int64_t last_us_ = 0;
  uint64_t last_total_ = 0;
};

struct ServerCounters {
  std::atomic<uint64_t> total_connections_received{0};
  std::atomic<uint64_t> total_commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> total_error_replies{0};
  std::atomic<uint64_t> connected_clients{0};
  std::atomic<uint64_t> blocked_clients{0};
  RateMeter ops_per_sec;  // of total_commands_processed
};

// What the engine asks of the server around it. The actor layer implements
// it; engine-only tests use the defaults.
class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  // CLIENT LIST lines, one per client ("id=.. addr=.. ..."); the caller's
  // own line is built from its live session.
  virtual std::vector<std::string> client_list(const Session& caller) { return {}; }
  // CLIENT KILL: closes matching clients, returns how many.
  struct KillFilter {
    std::string addr, laddr, user;
    int64_t id = -1;
    bool skip_me = true;
    uint64_t my_id = 0;
  };
  virtual int client_kill(const KillFilter&) { return 0; }
  // CLIENT UNBLOCK: ends the wait of a client blocked in BLPOP & co. as a
  // timeout would, or with -UNBLOCKED (error); false when it is not blocked.
  virtual bool client_unblock(uint64_t /*id*/, bool /*error*/) { return false; }
  // SHUTDOWN: stops the server after the current reply is written.
  virtual void shutdown(bool /*save*/) {}
  // Called over and over by a script that runs past busy-reply-threshold,
  // from the thread that runs it: the server answers other clients -BUSY
  // meanwhile and lets SCRIPT KILL / SHUTDOWN NOSAVE through.
  virtual void while_script_busy() {}
};

struct ServerState {
  explicit ServerState(bool manual_clock = false) : clock(manual_clock) {}
  ConfigStore config;
  Clock clock;
  ServerCounters counters;
  std::vector<CommandStats> command_stats;  // indexed by CommandSpec::id
  ServerHooks* hooks = &default_hooks;
  ServerHooks default_hooks;
  std::string run_id;
  int64_t start_time_us = Clock::real_us();
  uint16_t tcp_port = 0;
  std::string executable;
  std::string config_file;
  std::atomic<int64_t> last_save_time{0};  // unix seconds
  // Lua scripting: the VM (installed by the server or a test; nullptr =
  // EVAL answers an error), the shared script cache, the running script.
  std::unique_ptr<ScriptRunner> scripts;
  ScriptCache script_cache;
  ScriptStatus script_status;
  // Checkpoints: the writer (installed by the server; nullptr = SAVE
  // answers an error) and what INFO persistence reports.
  std::unique_ptr<CheckpointService> checkpoints;
  PersistenceStatus persistence;
  std::atomic<int> snapshot_shards{0};  // shards still streaming a BGSAVE
  // Pub/sub subscriptions, and the keyspace notifications the Dbs make
  // themselves (installed into the shards with install_keyspace_listener).
  PubSub pubsub;
  KeyspaceEvents keyspace_events{*this};
};

}  // namespace shardis
