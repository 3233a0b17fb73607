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

// Runs a checked command: calls its handler and records command stats.
void dispatch(ExecContext& ctx, const CommandSpec& spec, Args& args);
// Runs checked commands back to back with one pair of clock reads: each
// command is charged an equal share of the batch's time in commandstats.
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
