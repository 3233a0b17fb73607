#include "engine/shard.hpp"

#include "engine/clock.hpp"
#include "engine/snapshot.hpp"

namespace shardis {

Shard::Shard(int id, int databases)
    : id_(id), rng_(0x5eed0000u + static_cast<unsigned>(id)), snapshot_(std::make_unique<ShardSnapshot>()) {
  dbs_.reserve(static_cast<size_t>(databases));
  for (int i = 0; i < databases; ++i) dbs_.emplace_back(&stats_, i);
}

Shard::~Shard() = default;

void Shard::cron(int64_t now_ms, int64_t deadline_us) {
  // Active expiry round-robins over the databases so a busy db 0 cannot
  // starve the others; rehashing gets what is left of the slice, at most
  // Db::kCronRehashUs per db.
  for (int i = 0; i < databases() && Clock::monotonic_us() < deadline_us; ++i) {
    Db& d = dbs_[static_cast<size_t>(expire_db_)];
    expire_db_ = (expire_db_ + 1) % databases();
    if (d.expires_size() > 0) d.active_expire(now_ms, deadline_us);
  }
  for (Db& d : dbs_) d.cron(deadline_us);
}

ShardSet::ShardSet(int shards, int databases) : databases_(databases) {
  shards_.reserve(static_cast<size_t>(shards));
  for (int i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(i, databases));
}

}  // namespace shardis
