#pragma once
// TaskStore: versioned per-owner records with optional expiry, the second
// storage layer our users run on Redis.
//
//   <prefix>:tasks:<owner>:<task>   hash: version, data, expires_at
//   <prefix>:idx:<owner>            sorted set of the owner's task ids
//
// Writes are Lua scripts (EVALSHA). The version starts at 1 and grows by one
// on every write. With an expiry (unix seconds) the hash gets the field
// expires_at and EXPIREAT; without one both go (HDEL, PERSIST). Every index
// entry has score 0, so an owner's tasks list in byte order of their ids.
//
// Redis expires the hash but not its index entry: listing skips index
// entries whose hash is gone, and delete always removes the entry. Reads
// also treat a record whose expires_at is not after the store's clock as
// missing, so a reader whose clock runs ahead of the server's never sees a
// record its owner considers expired.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/redis_calls.hpp"

namespace shardis::test {

struct Task {
  std::string id;
  long long version = 0;
  std::string data;
  std::optional<long long> expires_at;  // unix seconds

  bool operator==(const Task&) const = default;
};

class TaskStore {
 public:
  // Unix seconds now; the default reads the system clock.
  using Clock = std::function<long long()>;
  static long long system_now();

  // `ctx` is borrowed: the caller keeps it open while the store is used.
  TaskStore(redisContext* ctx, std::string prefix, Clock now = system_now);

  std::string task_key(const std::string& owner, const std::string& task) const;
  std::string index_key(const std::string& owner) const;

  // Creates or overwrites; replies the new version.
  StoreResult<long long> put(const std::string& owner, const std::string& task,
                             const std::string& data,
                             std::optional<long long> expires_at = std::nullopt);
  // Writes only while the stored version equals `expected`. kOk with the new
  // version, kMismatch with the stored version, or kNotFound.
  StoreResult<long long> put_if_version(const std::string& owner, const std::string& task,
                                        long long expected, const std::string& data,
                                        std::optional<long long> expires_at = std::nullopt);
  // kOk when the task existed, kNotFound when it did not.
  StoreResult<bool> remove(const std::string& owner, const std::string& task);
  // kNotFound for a missing or expired task.
  StoreResult<Task> get(const std::string& owner, const std::string& task);
  // The owner's live tasks whose id starts with `id_prefix`, sorted by id.
  StoreResult<std::vector<Task>> list_by_prefix(const std::string& owner,
                                                const std::string& id_prefix = "");

 private:
  Args write_argv(const std::string& task, const std::string& data,
                  std::optional<long long> expires_at) const;
  // HGETALL's reply as a task; kNotFound when empty or expired.
  StoreResult<Task> to_task(const std::string& id, const redisReply* reply) const;

  redisContext* ctx_;
  std::string prefix_;
  Clock now_;
};

}  // namespace shardis::test
