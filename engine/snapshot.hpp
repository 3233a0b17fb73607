#pragma once
// Background checkpoints without stopping writers (BGSAVE).
//
// At the cut (a command that holds every shard, so no transaction or script
// is half done) each shard starts a snapshot: a new generation number. Its
// actor then streams the entries in small steps between normal work
// (snapshot_step), and each entry streamed is stamped with the generation.
// A write command first streams the old value of every key it names that
// is not stamped yet (serialize before mutate), and afterwards stamps them
// all, so keys it created are left out of the image. Commands that write
// without naming their keys (FLUSHDB, FLUSHALL, SWAPDB) or into another
// database (MOVE, COPY ... DB) first stream everything not streamed yet.
// Deletions by expiry need nothing: a key that expired after the cut is
// skipped when restored anyway.
//
// The records go to a SnapshotSink (persistence/ writes them into LMDB on
// its own thread). Everything here runs on the thread that owns the shard.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/command.hpp"

namespace shardis {

// Where a snapshot's entries go. A shard collects the records of a step in
// its own batch and hands the batch over once per step: one lock and one
// wake-up of the writer per step, not per key (per key, the futex wake-ups
// cost more than the encoding).
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // Appends one entry of the image to the shard's batch (shard's thread).
  virtual void put(std::string& batch, int db, std::string_view key, const Entry& e) = 0;
  // Hands the batch over, leaving it empty.
  virtual void flush(std::string& batch) = 0;
  // The writer is this far behind: the shards pause their steps (writes
  // still stream the old values they must), so memory stays bounded.
  virtual bool backlogged() const = 0;
  // The shard has streamed everything it had at the cut.
  virtual void shard_done() = 0;
};

// A shard's batch is handed over at the end of each step, or sooner when it
// grows to this size (writes streaming old values between steps).
constexpr size_t kSnapshotBatchBytes = 256 * 1024;

struct ShardSnapshot {
  bool active = false;
  uint8_t gen = 0;   // 1..255; an entry with another snap_gen is not streamed yet
  int db = 0;        // the db being walked
  uint64_t cursor = 0;
  int64_t now_ms = 0;  // the cut's time: keys already expired then are left out
  std::shared_ptr<SnapshotSink> sink;
  std::string batch;  // records not handed to the sink yet
  Dict<Entry>::ScanAhead ahead;  // cache hints for the walk
};

// The cut: starts a snapshot on every shard (all held by the caller).
void snapshot_begin(ShardSet& shards, std::shared_ptr<SnapshotSink> sink, int64_t now_ms,
                    std::atomic<int>* active_shards);
// Streams for about budget_us; returns true while the shard has more.
bool snapshot_step(Shard& shard, int64_t budget_us, std::atomic<int>* active_shards);
// Around every write command (RunTimer::run), while any shard snapshots.
void snapshot_before_write(ExecContext& ctx, const CommandSpec& spec, const Args& args);
void snapshot_after_write(ExecContext& ctx, const CommandSpec& spec, const Args& args);

}  // namespace shardis
