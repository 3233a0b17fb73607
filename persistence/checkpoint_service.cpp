#include "persistence/checkpoint_service.hpp"

#include <filesystem>

#include "engine/clock.hpp"
#include "persistence/checkpoint.hpp"
#include "spdlog/spdlog.h"

namespace shardis {

std::string checkpoint_path(const ServerState& server) {
  const std::string dir = server.config.get("dir").value_or(".");
  return (std::filesystem::path(dir) / server.config.get("dbfilename").value_or("dump.shardis"))
      .string();
}

namespace {

class LmdbCheckpoints final : public CheckpointService {
 public:
  explicit LmdbCheckpoints(ServerState& server) : server_(server) {}

  bool save(ShardSet& shards, int64_t now_ms, std::string* error) override {
    PersistenceStatus& p = server_.persistence;
    p.saving.store(true);
    const int64_t start_us = Clock::monotonic_us();
    const std::string path = checkpoint_path(server_);
    uint64_t keys = 0;
    const bool ok = write_image(shards, now_ms, path, &keys, error);
    p.last_duration_ms.store((Clock::monotonic_us() - start_us) / 1000);
    p.last_ok.store(ok);
    p.saving.store(false);
    if (!ok) {
      spdlog::warn("Checkpoint to {} failed: {}", path, *error);
      return false;
    }
    std::error_code ec;
    const uint64_t bytes = std::filesystem::file_size(path, ec);
    p.last_keys.store(keys);
    p.last_bytes.store(ec ? 0 : bytes);
    p.saves.fetch_add(1);
    server_.last_save_time.store(now_ms / 1000);
    for (size_t i = 0; i < shards.size(); ++i) shards.shard(i).stats().dirty = 0;
    spdlog::info("DB saved on disk: {} keys, {} bytes, {} ms", keys, p.last_bytes.load(),
                 p.last_duration_ms.load());
    return true;
  }

 private:
  bool write_image(ShardSet& shards, int64_t now_ms, const std::string& path, uint64_t* keys,
                   std::string* error) {
    auto writer = CheckpointWriter::open(
        path, static_cast<size_t>(server_.config.get_int("checkpoint-map-size")), error);
    if (!writer) return false;
    writer->set_max_map_size(
        static_cast<size_t>(server_.config.get_int("checkpoint-max-map-size")));
    for (size_t i = 0; i < shards.size(); ++i) {
      Shard& shard = shards.shard(i);
      for (int d = 0; d < shard.databases(); ++d) {
        Db& db = shard.db(d);
        bool ok = true;
        // Keys already past their deadline are left out, as if expired now.
        db.keys().for_each([&](Db::Node& n) {
          if (!ok || db.expired(n.value, now_ms)) return;
          ok = writer->put(encode_record(d, n.key(), n.value), error);
          ++*keys;
        });
        if (!ok) return false;
      }
    }
    CheckpointMeta meta;
    meta.created_ms = now_ms;
    meta.databases = shards.databases();
    return writer->commit(meta, error);
  }

  ServerState& server_;
};

}  // namespace

std::unique_ptr<CheckpointService> make_checkpoint_service(ServerState& server) {
  return std::make_unique<LmdbCheckpoints>(server);
}

std::string restore_checkpoint(ServerState& server, ShardSet& shards) {
  const std::string path = checkpoint_path(server);
  std::error_code ec;
  if (server.config.get("checkpoint-restore") != "yes" || !std::filesystem::exists(path, ec)) {
    return "";
  }
  PersistenceStatus& p = server.persistence;
  p.loading.store(true);
  CheckpointInfo info;
  std::string error;
  bool ok = verify_checkpoint_isolated(path, &info, &error);
  LoadStats stats;
  if (ok) {
    spdlog::info("Loading checkpoint {} ({} keys, format {})", path, info.total_keys,
                 info.format_version);
    ok = load_checkpoint(
        path, shards, server.clock.now_ms(), &stats,
        [](const LoadStats& s) {
          const double rate = s.elapsed_ms > 0 ? static_cast<double>(s.records) * 1000.0 /
                                                     static_cast<double>(s.elapsed_ms)
                                               : 0;
          spdlog::info("Loading: {} keys read, {} loaded, {:.0f} keys/s", s.records, s.loaded,
                       rate);
        },
        &error);
    if (!ok) {
      // Never keep part of an image: back to empty.
      for (size_t i = 0; i < shards.size(); ++i)
        for (int d = 0; d < shards.shard(i).databases(); ++d) shards.shard(i).db(d).clear();
    }
  }
  p.loading.store(false);
  if (ok) {
    p.loaded_keys.store(stats.loaded);
    p.last_keys.store(info.total_keys);
    p.last_bytes.store(info.file_size);
    server.last_save_time.store(info.created_ms / 1000);
    spdlog::info("DB loaded from checkpoint: {} keys ({} expired skipped) in {} ms", stats.loaded,
                 stats.skipped, stats.elapsed_ms);
    return "";
  }
  std::string moved_to, qerror;
  if (!quarantine_checkpoint(path, &moved_to, &qerror)) {
    return "bad checkpoint " + path + " (" + error + ") and it cannot be moved aside: " + qerror;
  }
  // An LMDB file in which no image was ever committed: the very first
  // checkpoint was interrupted (kill -9, power loss). Nothing was lost, so
  // start empty whatever checkpoint-corrupt says; the file is kept aside
  // all the same, in case it is something else.
  if (error.rfind("not a shardis checkpoint", 0) == 0 && error.find("MDB_NOTFOUND") != std::string::npos) {
    spdlog::warn("Checkpoint file {} holds no committed image (an interrupted first checkpoint?): "
                 "moved to {}; starting empty", path, moved_to);
    return "";
  }
  if (server.config.get("checkpoint-corrupt") == "quarantine") {
    spdlog::error("Bad checkpoint {} ({}): moved to {}; starting empty", path, error, moved_to);
    return "";
  }
  return "bad checkpoint " + path + " (" + error + "): moved to " + moved_to +
         "; not starting (set checkpoint-corrupt quarantine to start empty)";
}

}  // namespace shardis
