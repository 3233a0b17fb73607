#pragma once
// The server's use of checkpoints: SAVE through CheckpointService, the
// start-up restore, and the file's path. ServerRuntime installs the service
// and calls restore_checkpoint before it starts the actors.

#include <memory>
#include <string>

#include "engine/server_state.hpp"
#include "engine/shard.hpp"

namespace shardis {

// dir/dbfilename of server's configuration.
std::string checkpoint_path(const ServerState& server);

std::unique_ptr<CheckpointService> make_checkpoint_service(ServerState& server);

// Loads the checkpoint in dir into shards, if there is one and
// checkpoint-restore is yes: verified first (in a child process), so a bad
// file is never loaded in part. Ends PersistenceStatus::loading, which the
// caller sets before it starts listening (clients get -LOADING meanwhile). A bad file is moved aside; with
// checkpoint-corrupt refuse the result is an error text (the server must
// not start), with quarantine the server starts empty. Returns "" to go on.
std::string restore_checkpoint(ServerState& server, ShardSet& shards);

}  // namespace shardis
