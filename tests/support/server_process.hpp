#pragma once
// Server binaries as child processes, for contract tests (a real
// redis-server next to shardis) and process-level tests (signals, SHUTDOWN).
//
//   RedisProcess redis;                  // redis-server on a free port
//   ShardisProcess srv({"--shards", "4"});
//   Client c(srv.host(), srv.port());
//
// Each server gets a free port, its own temp dir (data and log), and is
// running and answering PING when the constructor returns. The destructor
// kills it (SIGKILL) if it is still alive and reaps it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace shardis::test {

// A port nobody listens on right now (bind to port 0, read it, release it).
// Another process may take it before the caller binds; callers retry.
uint16_t pick_free_port();

// One child process with stdout and stderr appended to a log file. The child
// gets SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG), so a
// crashed or timed-out test leaves no server behind; start children from the
// test's own thread, not from a short-lived one.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::filesystem::path& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for the child to end. Returns its exit code, or -N if signal N
  // killed it; std::nullopt if it is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Kills the child (SIGKILL) if it runs and reaps it.
  void kill_and_reap();

 private:
  bool poll_exit();
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

class ServerProcess {
 public:
  virtual ~ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::string host() const { return "127.0.0.1"; }
  uint16_t port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  ChildProcess& process() { return *process_; }
  // Everything the server wrote to stdout and stderr so far.
  std::string log() const;

 protected:
  ServerProcess() = default;
  // Starts `program` with base_args + {port arg} + extra_args on a free port,
  // retrying on a port collision, and waits until it answers PING.
  void start(const std::string& program, const std::vector<std::string>& base_args,
             const std::vector<std::string>& extra_args);

 private:
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The Debian redis-server binary (7.0.x): no persistence, bound to 127.0.0.1.
// Fails the running test when redis-server is not installed.
class RedisProcess : public ServerProcess {
 public:
  explicit RedisProcess(const std::vector<std::string>& extra_args = {});
};

// The shardis-server binary built with these tests.
class ShardisProcess : public ServerProcess {
 public:
  explicit ShardisProcess(const std::vector<std::string>& extra_args = {},
                          const std::string& config_file = {});
};

// Path of the redis-server binary, or empty when it is not installed.
std::string find_redis_server();

}  // namespace shardis::test
