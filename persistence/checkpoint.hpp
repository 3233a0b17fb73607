#pragma once
// Checkpoints: the whole keyspace as one LMDB file (docs/persistence.md).
//
// A checkpoint image is written in ONE LMDB write transaction: the previous
// image's records are dropped and the new ones appended inside it, and the
// meta record (format version, creation time, key counts, image checksum)
// is written last. LMDB commits by switching its meta page after the data
// pages are synced, so a crash at any moment leaves either the previous
// image or the new one, complete, never a mix.
//
// The flow the server follows:
//   save:     CheckpointWriter::open, put(encode_record(...)) per key, commit
//   restore:  verify_checkpoint_isolated; if it fails, quarantine_checkpoint
//             and start empty; else load_checkpoint
//
// LMDB trusts its file: it does not checksum pages and reads them through
// mmap, so a damaged file can crash the reading process (SIGBUS, SIGSEGV)
// instead of returning an error. Only verify_checkpoint_isolated is safe on
// a file nobody vouches for; load_checkpoint is for a file it passed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/shard.hpp"
#include "persistence/lmdb_env.hpp"
#include "persistence/record.hpp"

namespace shardis {

// What the caller tells commit about the image; the writer counts the keys
// and computes the checksum itself from the records it was given.
struct CheckpointMeta {
  int64_t created_ms = 0;  // unix ms
  int databases = 0;       // keys_per_db covers at least dbs 0..databases-1
};

struct CheckpointInfo {
  uint32_t format_version = 0;
  int64_t created_ms = 0;
  uint64_t total_keys = 0;
  uint32_t image_crc = 0;
  uint64_t file_size = 0;
  std::vector<uint64_t> keys_per_db;
  std::array<uint64_t, 5> keys_per_type{};  // indexed by ValueType
};

// Writes one image into the file at path, replacing the image it holds.
// Nothing is visible until commit; destroying an uncommitted writer aborts
// and leaves the previous image as it was. One thread at a time.
//
// MDB_MAP_FULL: LMDB can resize its map only with no transaction open, so
// the writer aborts, doubles the map and writes the image again from the
// start. To be able to, it keeps a copy of every record put so far (memory
// equal to the encoded image, freed at commit or destruction). The map
// size reached is recorded in the file, so the next checkpoint starts
// there and rarely grows again.
class CheckpointWriter {
 public:
  static constexpr size_t kDefaultInitialMapSize = size_t{64} << 20;

  static std::unique_ptr<CheckpointWriter> open(const std::string& path, size_t initial_map_size,
                                                std::string* error);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Growth stops at bytes (0, the default: no limit but the address space);
  // a map full at the limit fails the checkpoint.
  void set_max_map_size(size_t bytes) { max_map_size_ = bytes; }
  size_t map_size() const { return map_size_; }

  // Appends one encode_record() result. After any failure the writer is
  // dead: every later call fails and the previous image stays.
  bool put(std::string_view record, std::string* error);
  bool commit(const CheckpointMeta& meta, std::string* error);

 private:
  CheckpointWriter() = default;
  bool begin_image(std::string* error);
  int put_record(size_t index);
  // After an MDB_MAP_FULL: aborts, grows the map and writes every record
  // again, growing as often as needed. False when the map cannot grow.
  bool grow_and_replay(std::string* error);
  bool usable(std::string* error) const;
  bool fail(std::string* error, std::string why);

  std::string path_;
  LmdbEnv env_;
  MDB_txn* txn_ = nullptr;
  MDB_dbi records_dbi_ = 0;
  MDB_dbi meta_dbi_ = 0;
  size_t map_size_ = 0;
  size_t max_map_size_ = 0;
  // The records of this image back to back; record i ends at ends_[i].
  std::string replay_;
  std::vector<size_t> ends_;
  uint32_t image_crc_ = 0;
  std::vector<uint64_t> keys_per_db_;
  bool dead_ = false;
  bool committed_ = false;
};

// Checks everything a reader can check: the meta record's CRC and format
// version, every record's LMDB key (0, 1, 2 ... in order), CRC and
// structure, the image checksum and the key counts against the meta, and
// that the file is as long as LMDB's meta says. Fills *info when it passes.
// Reads the file through LMDB in this process: see the file comment.
bool verify_checkpoint(const std::string& path, CheckpointInfo* info, std::string* error);

// verify_checkpoint in a forked child, which reports through a pipe and
// _exits: a child that crashes, is killed or exits without a report means
// the file is corrupt, and this process survives. The child only reads the
// file and allocates (glibc keeps malloc usable after fork), so it is safe
// to call from a multi-threaded server.
bool verify_checkpoint_isolated(const std::string& path, CheckpointInfo* info, std::string* error);

// Every record of the checkpoint, decoded, in write order, with all the
// checks of verify_checkpoint; fn returning false stops the walk with the
// error it set. Reads through LMDB in this process: verify (isolated)
// first. The record views LMDB's map: it is valid during the call only.
using RecordVisitor = std::function<bool(const DecodedRecord&, std::string* error)>;
bool for_each_record(const std::string& path, const RecordVisitor& fn, std::string* error);

struct LoadStats {
  uint64_t records = 0;  // read from the file
  uint64_t loaded = 0;   // stored into the shards
  uint64_t skipped = 0;  // expired at now_ms (or an empty collection)
  int64_t elapsed_ms = 0;
};

constexpr uint64_t kLoadProgressEvery = 100000;

// Loads every record of a verified checkpoint into the shard that owns its
// key (shards.shard_for(key).db(db)), skipping keys expired at now_ms and
// calling progress (when set) every progress_every records and once at the
// end. A record for a db the shards do not have is an error. On error the
// shards hold what was loaded before it: the caller clears them.
// Collections take their encodings under limits.
bool load_checkpoint(const std::string& path, ShardSet& shards, int64_t now_ms, LoadStats* stats,
                     std::function<void(const LoadStats&)> progress, std::string* error,
                     uint64_t progress_every = kLoadProgressEvery, const EncodingLimits& limits = {});

// Moves a bad checkpoint (and its "-lock" file, if one exists) aside to
// "<path>.corrupt-<unix seconds>" ("-2", "-3" ... appended if taken), so
// it can be examined; never deletes anything.
bool quarantine_checkpoint(const std::string& path, std::string* moved_to, std::string* error);

}  // namespace shardis
