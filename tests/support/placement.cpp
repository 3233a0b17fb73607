#include "support/placement.hpp"

#include "engine/hash.hpp"

namespace shardis::test {

EmbeddedServer start_placed_server(int shards, const std::string& placement,
                                   const std::vector<std::pair<std::string, std::string>>& options) {
  Config config;
  config.shards = shards;
  config.options.emplace_back("shard-placement", placement);
  config.options.insert(config.options.end(), options.begin(), options.end());
  return EmbeddedServer(config);
}

std::string key_on_another_shard(const std::string& prefix, const std::string& other, int shards) {
  const auto shard_of = [shards](const std::string& key) { return key_hash_slot(key) % static_cast<size_t>(shards); };
  for (int n = 0;; ++n) {
    std::string key = prefix + std::to_string(n);
    if (shard_of(key) != shard_of(other)) return key;
  }
}

std::pair<std::string, std::string> keys_on_two_shards(const std::string& prefix, int shards) {
  std::string a = prefix + "a";
  return {a, key_on_another_shard(prefix + "b", a, shards)};
}

}  // namespace shardis::test
