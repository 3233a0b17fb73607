#pragma once
// Helpers for integration tests that run under both shard placements and
// need keys on different shards.

#include <string>
#include <utility>
#include <vector>

#include "shardis/embedded_server.hpp"

namespace shardis::test {

// An embedded server with `shards` shards, `shard-placement placement`
// and any other options.
EmbeddedServer start_placed_server(int shards, const std::string& placement,
                                   const std::vector<std::pair<std::string, std::string>>& options = {});

// The first key "<prefix><n>" that lives on a shard other than `other`'s,
// with `shards` shards.
std::string key_on_another_shard(const std::string& prefix, const std::string& other, int shards);

// "<prefix>a" and a key "<prefix>b<n>" on another shard.
std::pair<std::string, std::string> keys_on_two_shards(const std::string& prefix, int shards);

}  // namespace shardis::test
