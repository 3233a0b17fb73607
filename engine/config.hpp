#pragma once
// The runtime configuration: every parameter shardis supports, declared once
// as data (name, type, default, whether CONFIG SET may change it, help), and
// used by the command line, the config file (redis.conf syntax), CONFIG
// GET/SET/RESETSTAT, --help and docs/configuration.md.
// Thread-safe: CONFIG SET runs on connections while shards read values.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/listpack.hpp"
#include "spdlog/common.h"

namespace shardis {

enum class ParamType { kBool, kInt, kMemory, kString, kEnum, kSave };

// One client class of client-output-buffer-limit; 0 disables a limit.
struct OutputLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct ConfigParam {
  std::string_view name;
  ParamType type;
  std::string_view default_value;
  bool mutable_at_runtime;
  std::string_view help;
  int64_t min = 0;                      // kInt / kMemory bounds
  int64_t max = INT64_MAX;
  std::vector<std::string_view> enum_values = {};  // kEnum
};

class ConfigStore {
 public:
  ConfigStore();

  // Sets a parameter from text as the config file and the command line do.
  // Returns an empty string on success, else the reason ("argument must be
  // a memory value", "Unknown option"...).
  std::string set(std::string_view name, std::string_view value, bool at_startup = false);
  // CONFIG SET name value [name value ...], all or nothing as in Redis 7:
  // every name is checked first, then every value is set under one lock, and
  // a failure restores the old values. Returns "" or Redis's full error text
  // ("ERR CONFIG SET failed (possibly related to argument 'hz') - ...").
  std::string set_many(const std::vector<std::pair<std::string_view, std::string_view>>& pairs);
  std::optional<std::string> get(std::string_view name) const;
  // Name/value pairs whose names match a glob (CONFIG GET), name order.
  std::vector<std::pair<std::string, std::string>> match(std::string_view pattern) const;
  static const std::vector<ConfigParam>& params();
  static const ConfigParam* find(std::string_view name);

  // Parses a redis.conf-style file; returns "" or a Redis-style fatal error
  // text naming the line.
  std::string load_file(const std::string& path);

  // Hot values cached for lock-free reads.
  int64_t proto_max_bulk_len() const { return proto_max_bulk_len_.load(std::memory_order_relaxed); }
  int64_t client_query_buffer_limit() const { return qbuf_limit_.load(std::memory_order_relaxed); }
  int64_t maxclients() const { return maxclients_.load(std::memory_order_relaxed); }
  int64_t hz() const { return hz_.load(std::memory_order_relaxed); }
  int64_t busy_poll_us() const { return busy_poll_us_.load(std::memory_order_relaxed); }
  // Read by every script run, every SADD and every new list.
  bool lua_strict_keys() const { return lua_strict_keys_.load(std::memory_order_relaxed); }
  int64_t busy_reply_threshold_ms() const { return busy_reply_ms_.load(std::memory_order_relaxed); }
  int64_t set_max_intset_entries() const { return intset_entries_.load(std::memory_order_relaxed); }
  int64_t list_max_listpack_size() const {
    return list_listpack_size_.load(std::memory_order_relaxed);
  }
  int databases() const { return static_cast<int>(databases_.load(std::memory_order_relaxed)); }
  // client-output-buffer-limit's pubsub class, and notify-keyspace-events
  // as engine/notify.hpp's bits: read on every publish and every write.
  OutputLimit pubsub_limit() const {
    return {pubsub_hard_.load(std::memory_order_relaxed), pubsub_soft_.load(std::memory_order_relaxed),
            pubsub_soft_seconds_.load(std::memory_order_relaxed)};
  }
  int notify_flags() const { return notify_flags_.load(std::memory_order_relaxed); }
  // Read by every HSET / ZADD (and a checkpoint load): hash-max-listpack-
  // entries and -value, zset-max-listpack-entries and -value.
  ListpackLimits hash_limits() const {
    return {hash_listpack_entries_.load(std::memory_order_relaxed),
            hash_listpack_value_.load(std::memory_order_relaxed)};
  }
  ListpackLimits zset_limits() const {
    return {zset_listpack_entries_.load(std::memory_order_relaxed),
            zset_listpack_value_.load(std::memory_order_relaxed)};
  }
  int64_t get_int(std::string_view name) const;
  std::string requirepass() const;

 private:
  // value as stored (normalized), given as the caller passed it.
  void refresh_cache(std::string_view name, const std::string& value, std::string_view given);
  static void apply_log_level(std::string_view name, const std::string& value);
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> values_;  // sorted by name
  std::atomic<int64_t> proto_max_bulk_len_{512LL * 1024 * 1024};
  std::atomic<int64_t> qbuf_limit_{1024LL * 1024 * 1024};
  std::atomic<int64_t> maxclients_{10000};
  std::atomic<int64_t> hz_{10};
  std::atomic<int64_t> busy_poll_us_{50};
  std::atomic<bool> lua_strict_keys_{false};
  std::atomic<int64_t> busy_reply_ms_{5000};
  std::atomic<int64_t> intset_entries_{512};
  std::atomic<int64_t> list_listpack_size_{-2};
  std::atomic<int64_t> databases_{16};
  std::atomic<int64_t> hash_listpack_entries_{512};
  std::atomic<int64_t> hash_listpack_value_{64};
  std::atomic<int64_t> zset_listpack_entries_{128};
  std::atomic<int64_t> zset_listpack_value_{64};
  std::atomic<int64_t> pubsub_hard_{0}, pubsub_soft_{0}, pubsub_soft_seconds_{0};
  std::atomic<int> notify_flags_{0};
};

// The parameter reference for --help: every parameter with its type,
// default, whether CONFIG SET may change it, and its help text.
std::string config_help_text();

// spdlog's level for a Redis loglevel (debug, verbose, notice, warning).
spdlog::level::level_enum spdlog_level(std::string_view loglevel);

// Parses Redis memory values: "1gb", "64mb", "100k", "12345" (k=1000, kb=1024 ...).
std::optional<int64_t> parse_memory(std::string_view s);

}  // namespace shardis
