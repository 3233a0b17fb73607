#include "persistence/checkpoint_service.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "engine/clock.hpp"
#include "engine/errors.hpp"
#include "engine/snapshot.hpp"
#include "persistence/bytes.hpp"
#include "persistence/checkpoint.hpp"
#include "spdlog/spdlog.h"

namespace shardis {

std::string checkpoint_path(const ServerState& server) {
  const std::string dir = server.config.get("dir").value_or(".");
  return (std::filesystem::path(dir) / server.config.get("dbfilename").value_or("dump.shardis"))
      .string();
}

namespace {

// A writer into path with the configured map size and its ceiling; nullptr
// with *error on failure.
std::unique_ptr<CheckpointWriter> open_writer(const ServerState& server, const std::string& path,
                                              std::string* error) {
  auto writer = CheckpointWriter::open(
      path, static_cast<size_t>(server.config.get_int("checkpoint-map-size")), error);
  if (writer)
    writer->set_max_map_size(static_cast<size_t>(server.config.get_int("checkpoint-max-map-size")));
  return writer;
}

// Records a success or failure of a checkpoint in INFO persistence.
void report(ServerState& server, bool ok, int64_t start_us, uint64_t keys, const std::string& path,
            const std::string& error) {
  PersistenceStatus& p = server.persistence;
  p.last_duration_ms.store((Clock::monotonic_us() - start_us) / 1000);
  p.last_ok.store(ok);
  if (!ok) {
    spdlog::warn("Checkpoint to {} failed: {}", path, error);
    return;
  }
  std::error_code ec;
  const uint64_t bytes = std::filesystem::file_size(path, ec);
  p.last_keys.store(keys);
  p.last_bytes.store(ec ? 0 : bytes);
  p.saves.fetch_add(1);
  spdlog::info("DB saved on disk: {} keys, {} bytes, {} ms", keys, p.last_bytes.load(),
               p.last_duration_ms.load());
}

// The writer thread's CPU share. On a small machine it competes with the
// threads that serve clients, and a client waiting for a core is a latency
// stall. So the writer starts under SCHED_IDLE: it takes the cores' idle
// time, and a thread that serves clients preempts it at once on wake-up
// (at nice 10 the scheduler still gave it time slices on a busy core: SET
// p99 of 50 clients during a BGSAVE of 1M keys 1.4-1.5x the baseline,
// under SCHED_IDLE 0.9-1.3x; docs/persistence.md). But when the cores have
// no idle time at all, SCHED_IDLE starves it and the BGSAVE never ends. So
// while it has records to write, the writer checks its own CPU time every
// kWindowUs: under kMinSharePercent of the window, it moves to nice 10 for
// the rest of the save. The commit runs there too. Leaving SCHED_IDLE
// needs the right to lower a nice value (CAP_SYS_NICE or RLIMIT_NICE); a
// thread without it runs at nice 10 from the start.
constexpr int kWriterNice = 10;
constexpr int64_t kWindowUs = 500 * 1000;
constexpr int64_t kMinSharePercent = 5;

class WriterPriority {
 public:
  void start() {
    const auto tid = static_cast<id_t>(gettid());
    setpriority(PRIO_PROCESS, tid, kWriterNice);  // kept when it leaves SCHED_IDLE
    // May this thread lower its nice value again? Then it may leave SCHED_IDLE.
    if (setpriority(PRIO_PROCESS, tid, kWriterNice - 1) != 0) return;
    setpriority(PRIO_PROCESS, tid, kWriterNice);
    sched_param none{};
    idle_ = sched_setscheduler(0, SCHED_IDLE, &none) == 0;  // this thread only, on Linux
  }
  // The writer has records to write (called every few hundred records).
  void working() {
    if (!idle_) return;
    const int64_t now = Clock::monotonic_us();
    if (window_start_us_ == 0) {
      window_start_us_ = now;
      window_cpu_us_ = thread_cpu_us();
      return;
    }
    if (now - window_start_us_ < kWindowUs) return;
    const int64_t cpu = thread_cpu_us();
    if ((cpu - window_cpu_us_) * 100 < (now - window_start_us_) * kMinSharePercent) {
      spdlog::info("Background saving: the writer had {} ms of CPU in {} ms, now runs at nice {}",
                   (cpu - window_cpu_us_) / 1000, (now - window_start_us_) / 1000, kWriterNice);
      raise();
      return;
    }
    window_start_us_ = now;
    window_cpu_us_ = cpu;
  }
  // The writer waits for records: time without work is not starvation.
  void waiting() { window_start_us_ = 0; }
  // From now on it competes at nice 10.
  void raise() {
    if (!idle_) return;
    idle_ = false;
    sched_param none{};
    sched_setscheduler(0, SCHED_OTHER, &none);
  }

 private:
  static int64_t thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  }

  bool idle_ = false;
  int64_t window_start_us_ = 0;
  int64_t window_cpu_us_ = 0;
};

constexpr size_t kMaxBacklogBytes = 64 * 1024 * 1024;

// One BGSAVE: the shards put records (on their threads), a writer thread
// owns the LMDB transaction (LMDB transactions are thread-bound) and
// commits once every shard is done. Batches of records wait in a queue
// between them: the shards never wait for the disk. In a batch each record
// is preceded by its length (4 bytes, little-endian).
class BackgroundSave final : public SnapshotSink {
 public:
  BackgroundSave(ServerState& server, std::string path, size_t shards, int64_t cut_ms, uint64_t dirty_at_cut)
      : server_(server), path_(std::move(path)), pending_(shards), cut_ms_(cut_ms), dirty_at_cut_(dirty_at_cut) {}

  void put(std::string& batch, int db, std::string_view key, const Entry& e) override {
    const size_t at = batch.size();
    put_u32(batch, 0);  // the length, known below
    append_record(batch, db, key, e);
    set_u32(batch, at, static_cast<uint32_t>(batch.size() - at - 4));
  }
  void flush(std::string& batch) override {
    if (batch.empty()) return;
    std::string full;
    full.swap(batch);
    batch.reserve(full.size());
    backlog_.fetch_add(full.size(), std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(full));
    cv_.notify_one();
  }
  bool backlogged() const override { return backlog_.load(std::memory_order_relaxed) > kMaxBacklogBytes; }
  void shard_done() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (--pending_ == 0) cv_.notify_one();
  }
  void abort() {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    cv_.notify_one();
  }

  // The writer thread.
  void run() {
    WriterPriority priority;
    priority.start();
    const int64_t start_us = Clock::monotonic_us();
    std::string error;
    auto writer = open_writer(server_, path_, &error);
    bool ok = writer != nullptr;
    uint64_t keys = 0;
    std::deque<std::string> batch;
    for (;;) {
      bool finished;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (queue_.empty()) priority.waiting();
        cv_.wait(lock, [&] { return !queue_.empty() || pending_ == 0 || aborted_; });
        if (aborted_) {
          ok = false;
          error = "aborted by shutdown";
          break;
        }
        batch.swap(queue_);
        finished = pending_ == 0;
      }
      // After a failure the records are still taken, and dropped, so the
      // shards finish their walk as usual.
      for (std::string& records : batch) {
        keys += write_batch(writer.get(), records, priority, &ok, &error);
        backlog_.fetch_sub(records.size(), std::memory_order_relaxed);
      }
      batch.clear();
      if (finished) break;
    }
    // The commit writes every page at once: it does not wait for idle CPU.
    priority.raise();
    if (ok) {
      CheckpointMeta meta;
      meta.created_ms = cut_ms_;
      meta.databases = server_.config.databases();
      ok = writer->commit(meta, &error);
    }
    writer.reset();
    report(server_, ok, start_us, keys, path_, error);
    if (ok) {
      server_.last_save_time.store(cut_ms_ / 1000);
      server_.persistence.dirty_at_save.store(dirty_at_cut_);
    }
    server_.persistence.saving.store(false);
  }

 private:
  // Puts the records of one batch; returns how many it held.
  static uint64_t write_batch(CheckpointWriter* writer, std::string_view records, WriterPriority& priority,
                              bool* ok, std::string* error) {
    uint64_t n = 0;
    ByteReader in(records);
    std::string_view record;
    for (; in.sized(&record); ++n) {
      if (*ok && !writer->put(record, error)) *ok = false;
      if ((n & 255) == 0) priority.working();
    }
    return n;
  }

  ServerState& server_;
  const std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::atomic<size_t> backlog_{0};  // bytes handed over, not written yet
  size_t pending_;
  bool aborted_ = false;
  const int64_t cut_ms_;
  const uint64_t dirty_at_cut_;
};

class LmdbCheckpoints final : public CheckpointService {
 public:
  explicit LmdbCheckpoints(ServerState& server) : server_(server) {}

  ~LmdbCheckpoints() override { abort_background(); }

  bool save(ShardSet& shards, int64_t now_ms, std::string* error) override {
    PersistenceStatus& p = server_.persistence;
    p.saving.store(true);
    const int64_t start_us = Clock::monotonic_us();
    const std::string path = checkpoint_path(server_);
    uint64_t keys = 0;
    const bool ok = write_image(shards, now_ms, path, &keys, error);
    report(server_, ok, start_us, keys, path, ok ? "" : *error);
    p.saving.store(false);
    if (!ok) return false;
    server_.last_save_time.store(now_ms / 1000);
    p.dirty_at_save.store(total_dirty(shards));
    return true;
  }

  bool start_background(ShardSet& shards, int64_t now_ms, std::string* error) override {
    PersistenceStatus& p = server_.persistence;
    bool idle = false;
    if (!p.saving.compare_exchange_strong(idle, true)) {
      *error = std::string(err::kBgsaveInProgress);
      return false;
    }
    if (writer_thread_.joinable()) writer_thread_.join();  // the last one, finished
    p.bgsave_start_us.store(Clock::monotonic_us());
    background_ = std::make_shared<BackgroundSave>(server_, checkpoint_path(server_), shards.size(), now_ms,
                                                   total_dirty(shards));
    writer_thread_ = std::thread([bg = background_] { bg->run(); });
    snapshot_begin(shards, background_, now_ms, &server_.snapshot_shards);
    spdlog::info("Background saving started");
    return true;
  }

  void abort_background() override {
    if (background_) background_->abort();
    if (writer_thread_.joinable()) writer_thread_.join();
    background_.reset();
  }

 private:
  bool write_image(ShardSet& shards, int64_t now_ms, const std::string& path, uint64_t* keys,
                   std::string* error) {
    auto writer = open_writer(server_, path, error);
    if (!writer) return false;
    std::string record;
    for (size_t i = 0; i < shards.size(); ++i) {
      Shard& shard = shards.shard(i);
      for (int d = 0; d < shard.databases(); ++d) {
        Db& db = shard.db(d);
        bool ok = true;
        // Keys already past their deadline are left out, as if expired now.
        db.keys().for_each([&](Db::Node& n) {
          if (!ok || db.expired(n.value, now_ms)) return;
          record.clear();  // one buffer for every record: no allocation per key
          append_record(record, d, n.key(), n.value);
          ok = writer->put(record, error);
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
  std::shared_ptr<BackgroundSave> background_;
  std::thread writer_thread_;
};

}  // namespace

std::unique_ptr<CheckpointService> make_checkpoint_service(ServerState& server) {
  return std::make_unique<LmdbCheckpoints>(server);
}

namespace {

// The encodings a loaded collection takes: what CONFIG says now, as a
// write would choose.
EncodingLimits configured_limits(const ConfigStore& config) {
  EncodingLimits l;
  l.hash = config.hash_limits();
  l.zset = config.zset_limits();
  l.set_max_intset_entries = config.set_max_intset_entries();
  return l;
}

// Loads path into shards: all of it, or (false) nothing.
bool load_verified(ServerState& server, ShardSet& shards, const std::string& path,
                   CheckpointInfo* info, std::string* error) {
  PersistenceStatus& p = server.persistence;
  if (!verify_checkpoint_isolated(path, info, error)) return false;
  spdlog::info("Loading checkpoint {} ({} keys, format {})", path, info->total_keys,
               info->format_version);
  p.loading_total_keys.store(info->total_keys);
  // Room for every key at once (keys spread evenly over the shards by hash
  // slot): a table that grows while a million keys arrive moves them again
  // at every doubling.
  for (size_t d = 0; d < info->keys_per_db.size() && d < static_cast<size_t>(shards.databases()); ++d) {
    const uint64_t per_shard = info->keys_per_db[d] / shards.size();
    for (size_t i = 0; i < shards.size(); ++i)
      shards.shard(i).db(static_cast<int>(d)).keys().reserve(per_shard + per_shard / 16);
  }
  LoadStats stats;
  const bool ok = load_checkpoint(
      path, shards, server.clock.now_ms(), &stats,
      [&p](const LoadStats& s) {
        p.loaded_keys.store(s.records);
        const double rate = s.elapsed_ms > 0 ? static_cast<double>(s.records) * 1000.0 /
                                                   static_cast<double>(s.elapsed_ms)
                                             : 0;
        spdlog::info("Loading: {} keys read, {} loaded, {:.0f} keys/s", s.records, s.loaded, rate);
      },
      error, kLoadProgressEvery, configured_limits(server.config));
  if (!ok) {
    // Never keep part of an image: back to empty.
    for (size_t i = 0; i < shards.size(); ++i)
      for (int d = 0; d < shards.shard(i).databases(); ++d) shards.shard(i).db(d).clear();
    return false;
  }
  p.loaded_keys.store(stats.loaded);
  p.expired_at_load.store(stats.skipped);
  p.last_keys.store(info->total_keys);
  p.last_bytes.store(info->file_size);
  // LASTSAVE stays the start time, as Redis's after a load.
  spdlog::info("DB loaded from checkpoint: {} keys ({} expired skipped) in {} ms", stats.loaded,
               stats.skipped, stats.elapsed_ms);
  return true;
}

}  // namespace

std::string restore_checkpoint(ServerState& server, ShardSet& shards) {
  PersistenceStatus& p = server.persistence;
  // The server may already be answering -LOADING: whatever happens here,
  // loading ends with this call.
  struct LoadingEnds {
    PersistenceStatus& p;
    ~LoadingEnds() { p.loading.store(false, std::memory_order_release); }
  } loading_ends{p};
  const std::string path = checkpoint_path(server);
  std::error_code ec;
  if (server.config.get("checkpoint-restore") != "yes" || !std::filesystem::exists(path, ec)) {
    return "";
  }
  p.loading.store(true);
  p.loading_start_s.store(server.clock.now_ms() / 1000);
  CheckpointInfo info;
  std::string error;
  if (load_verified(server, shards, path, &info, &error)) return "";
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
