#pragma once
// The engine's side of checkpoints. engine/ never links LMDB (persistence/
// depends on engine/), so SAVE and LASTSAVE (engine/persistence_family.cpp)
// reach the checkpoint writer through CheckpointService, which persistence/
// implements and the server installs in ServerState::checkpoints. The
// status INFO persistence reports lives here.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardis {

class ShardSet;
struct ServerState;

struct PersistenceStatus {
  std::atomic<bool> loading{false};
  std::atomic<bool> saving{false};
  std::atomic<bool> last_ok{true};
  std::atomic<int64_t> last_duration_ms{-1};
  std::atomic<uint64_t> saves{0};            // successful checkpoints since start
  std::atomic<uint64_t> last_keys{0};        // keys in the last good checkpoint
  std::atomic<uint64_t> last_bytes{0};       // its file size
  std::atomic<uint64_t> loaded_keys{0};      // keys restored at start-up
  std::atomic<uint64_t> expired_at_load{0};  // keys a restore skipped as expired
  std::atomic<int64_t> bgsave_start_us{0};   // monotonic start of the running BGSAVE
  // Writes counted by the shards when the last good checkpoint was cut;
  // INFO's rdb_changes_since_last_save is the shards' total minus this.
  std::atomic<uint64_t> dirty_at_save{0};
  // A BGSAVE the cron starts as soon as it can (BGSAVE SCHEDULE, BGSAVE
  // inside a transaction), and when the last one was tried (unix seconds):
  // after a failure the cron waits kBgsaveRetryDelayS before the next.
  std::atomic<bool> scheduled{false};
  std::atomic<int64_t> last_try_s{0};
  // Start-up restore progress, for INFO while loading.
  std::atomic<int64_t> loading_start_s{0};
  std::atomic<uint64_t> loading_total_keys{0};
};

constexpr int64_t kBgsaveRetryDelayS = 5;

// One `save <seconds> <changes>` rule.
struct SaveRule {
  int64_t seconds = 0;
  int64_t changes = 0;
};
// The rules of a `save` value ("3600 1 300 100"); "" = none.
std::vector<SaveRule> parse_save_rules(std::string_view value);

class CheckpointService {
 public:
  virtual ~CheckpointService() = default;
  // Writes a checkpoint of every shard, now, into dir/dbfilename. The
  // caller owns or holds every shard for the whole call. On success updates
  // ServerState's persistence status, last_save_time and the shards' dirty
  // counters; on failure returns false with the reason (logged, reported in
  // INFO) and leaves the previous checkpoint intact.
  virtual bool save(ShardSet& shards, int64_t now_ms, std::string* error) = 0;
  // BGSAVE: cuts a snapshot of every shard (all held by the caller) and
  // returns at once; the shards stream it (engine/snapshot.hpp) and a
  // writer thread commits it. False when one is already running.
  virtual bool start_background(ShardSet& shards, int64_t now_ms, std::string* error) = 0;
  // Shutdown: the shards stop streaming; the writer gives up, leaving the
  // previous checkpoint.
  virtual void abort_background() = 0;
};

// LASTSAVE: the unix seconds of the last good checkpoint, or the start time
// when there was none since start (Redis's, also after a load).
int64_t last_save_s(const ServerState& server);

// The shards' count of writes (for rdb_changes_since_last_save). Safe
// without holding the shards: the counters are OwnedCounters.
uint64_t total_dirty(ShardSet& shards);

// The periodic trigger, as Redis's serverCron: asked `hz` times a second
// without any shard held. True (with the reason for the log in *why) when a
// background checkpoint should start now: none is running, and one was
// scheduled or a `save` rule is met (at least <changes> writes since the
// last good checkpoint, which is more than <seconds> old). After a failed
// attempt, not before kBgsaveRetryDelayS.
bool background_checkpoint_due(ServerState& server, ShardSet& shards, int64_t now_ms,
                               std::string* why);
// Starts the background checkpoint the cron found due; the caller holds
// every shard.
void start_due_checkpoint(ServerState& server, ShardSet& shards, int64_t now_ms,
                          const std::string& why);

}  // namespace shardis
