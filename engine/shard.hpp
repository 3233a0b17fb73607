#pragma once
// Shard: one partition of the keyspace (all 16 databases' worth), and the
// ShardSet that routes a key to its shard. A shard's data is touched only by
// its owner: the shard actor, or a cross-shard transaction that holds it.

#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "engine/db.hpp"
#include "engine/hash.hpp"

namespace shardis {
struct ShardSnapshot;
}

namespace shardis {

class Shard {
 public:
  Shard(int id, int databases);
  ~Shard();
  int id() const { return id_; }
  Db& db(int index) { return dbs_[static_cast<size_t>(index)]; }
  int databases() const { return static_cast<int>(dbs_.size()); }
  ShardStats& stats() { return stats_; }
  std::mt19937_64& rng() { return rng_; }
  // A background checkpoint's progress on this shard (engine/snapshot.hpp).
  ShardSnapshot& snapshot() { return *snapshot_; }

  // One cron tick: active expiry and rehashing across the databases, within
  // deadline_us (monotonic clock).
  void cron(int64_t now_ms, int64_t deadline_us);

 private:
  int id_;
  ShardStats stats_;
  std::vector<Db> dbs_;
  std::mt19937_64 rng_;
  int expire_db_ = 0;  // where the next active expiry slice starts
  std::unique_ptr<ShardSnapshot> snapshot_;
};

// Owns the shards of a server and maps keys to them:
// shard = cluster_slot(key) % shards, so {hash tags} colocate keys exactly as
// they would share a slot in Redis Cluster.
class ShardSet {
 public:
  ShardSet(int shards, int databases);
  size_t size() const { return shards_.size(); }
  Shard& shard(size_t i) { return *shards_[i]; }
  size_t shard_of(std::string_view key) const {
    return shards_.size() == 1 ? 0 : key_hash_slot(key) % shards_.size();
  }
  Shard& shard_for(std::string_view key) { return *shards_[shard_of(key)]; }
  int databases() const { return databases_; }

 private:
  int databases_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace shardis
