#pragma once
// Engine: the command engine without actors, single-threaded. Tests and
// benchmarks run commands through it and compare raw RESP replies:
//   Engine e;  CHECK(e.run({"set", "k", "v"}) == "+OK\r\n");
// The server runs the very same handlers through the same dispatch() from
// its shard actors.

#include <memory>
#include <string>
#include <vector>

#include "engine/command.hpp"

namespace shardis {

// The generic pre-handler check plus the session state checks (auth):
// returns the spec to run or nullptr with *error set to Redis's reply text.
const CommandSpec* check_command(const Args& args, const Session& session, std::string* error);

// Charges the time of a run of commands to their commandstats with one pair
// of clock reads for the whole run, in equal shares: reading the clock twice
// per command cost more than a cheap command itself. The caller owns `ran`
// (a buffer reused between runs).
class RunTimer {
 public:
  RunTimer(ServerState& server, std::vector<CommandStats*>& ran);
  ~RunTimer();
  RunTimer(const RunTimer&) = delete;
  RunTimer& operator=(const RunTimer&) = delete;
  // Runs a checked command: calls its handler and counts the call.
  void run(ExecContext& ctx, const CommandSpec& spec, Args& args);

 private:
  void run_counted(ExecContext& ctx, const CommandSpec& spec, Args& args);
  ServerState& server_;
  std::vector<CommandStats*>& ran_;
  int64_t start_us_;
};

// Runs one checked command, timed on its own.
void dispatch(ExecContext& ctx, const CommandSpec& spec, Args& args);
// Runs checked commands back to back under one RunTimer.
void dispatch_batch(ExecContext& ctx, const std::vector<const CommandSpec*>& specs,
                    std::vector<Args>& commands);

class Engine {
 public:
  explicit Engine(int shards = 4, bool manual_clock = true);
  // Runs one command as a client would, returns its RESP reply bytes.
  std::string run(Args args);
  Session& session() { return session_; }
  ServerState& server() { return *server_; }
  ShardSet& shards() { return *shards_; }

 private:
  std::unique_ptr<ServerState> server_;
  std::unique_ptr<ShardSet> shards_;
  Session session_;
};

}  // namespace shardis
