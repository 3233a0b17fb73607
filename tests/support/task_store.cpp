#include "support/task_store.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace shardis::test {
namespace {

// Shared by both write scripts. KEYS: task hash, owner index. ARGV: data,
// expires_at ("" for none), task id.
constexpr const char* kWriteFunction = R"lua(
local function write(version)
  redis.call('HSET', KEYS[1], 'version', version, 'data', ARGV[1])
  if ARGV[2] ~= '' then
    redis.call('HSET', KEYS[1], 'expires_at', ARGV[2])
    redis.call('EXPIREAT', KEYS[1], ARGV[2])
  else
    redis.call('HDEL', KEYS[1], 'expires_at')
    redis.call('PERSIST', KEYS[1])
  end
  redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[3])
  return version
end
)lua";

const LuaScript& put_script() {
  static const LuaScript kScript(std::string(kWriteFunction) + R"lua(
return write((tonumber(redis.call('HGET', KEYS[1], 'version')) or 0) + 1)
)lua");
  return kScript;
}

// ARGV[4]: the expected version.
const LuaScript& put_if_version_script() {
  static const LuaScript kScript(std::string(kWriteFunction) + R"lua(
local current = redis.call('HGET', KEYS[1], 'version')
if not current then return {-1, 0} end
if current ~= ARGV[4] then return {0, tonumber(current)} end
return {1, write(tonumber(current) + 1)}
)lua");
  return kScript;
}

const LuaScript& delete_script() {
  static const LuaScript kScript(R"lua(
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
)lua");
  return kScript;
}

std::optional<long long> to_ll(std::string_view s) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_integer_pair(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
         r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER;
}

}  // namespace

long long TaskStore::system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TaskStore::TaskStore(redisContext* ctx, std::string prefix, Clock now)
    : ctx_(ctx), prefix_(std::move(prefix)), now_(std::move(now)) {}

std::string TaskStore::task_key(const std::string& owner, const std::string& task) const {
  return prefix_ + ":tasks:" + owner + ":" + task;
}

std::string TaskStore::index_key(const std::string& owner) const {
  return prefix_ + ":idx:" + owner;
}

Args TaskStore::write_argv(const std::string& task, const std::string& data,
                           std::optional<long long> expires_at) const {
  return {data, expires_at ? std::to_string(*expires_at) : std::string(), task};
}

StoreResult<long long> TaskStore::put(const std::string& owner, const std::string& task,
                                      const std::string& data,
                                      std::optional<long long> expires_at) {
  ReplyPtr reply = put_script().run(ctx_, {task_key(owner, task), index_key(owner)},
                                    write_argv(task, data, expires_at));
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    return store_error<long long>("put: " + describe(ctx_, reply.get()));
  }
  return {StoreStatus::kOk, reply->integer, {}};
}

StoreResult<long long> TaskStore::put_if_version(const std::string& owner, const std::string& task,
                                                 long long expected, const std::string& data,
                                                 std::optional<long long> expires_at) {
  Args argv = write_argv(task, data, expires_at);
  argv.push_back(std::to_string(expected));
  ReplyPtr reply =
      put_if_version_script().run(ctx_, {task_key(owner, task), index_key(owner)}, argv);
  if (!is_integer_pair(reply.get())) {
    return store_error<long long>("put_if_version: " + describe(ctx_, reply.get()));
  }
  long long outcome = reply->element[0]->integer;
  long long version = reply->element[1]->integer;
  switch (outcome) {
    case 1:
      return {StoreStatus::kOk, version, {}};
    case 0:
      return {StoreStatus::kMismatch, version, {}};
    case -1:
      return {StoreStatus::kNotFound, 0, {}};
    default:
      return store_error<long long>("put_if_version: " + render(reply.get()));
  }
}

StoreResult<bool> TaskStore::remove(const std::string& owner, const std::string& task) {
  ReplyPtr reply = delete_script().run(ctx_, {task_key(owner, task), index_key(owner)}, {task});
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    return store_error<bool>("delete: " + describe(ctx_, reply.get()));
  }
  if (reply->integer == 0) return {StoreStatus::kNotFound, false, {}};
  return {StoreStatus::kOk, true, {}};
}

StoreResult<Task> TaskStore::to_task(const std::string& id, const redisReply* r) const {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
    return store_error<Task>("HGETALL: " + describe(ctx_, r));
  }
  if (r->elements == 0) return {StoreStatus::kNotFound, {}, {}};
  Task task{id, 0, {}, std::nullopt};
  bool has_version = false;
  for (size_t i = 0; i < r->elements; i += 2) {
    std::string_view field(r->element[i]->str, r->element[i]->len);
    std::string_view value(r->element[i + 1]->str, r->element[i + 1]->len);
    std::optional<long long> number = to_ll(value);
    if (field == "version" && number) {
      task.version = *number;
      has_version = true;
    } else if (field == "expires_at" && number) {
      task.expires_at = *number;
    } else if (field == "data") {
      task.data = value;
    } else {
      return store_error<Task>("HGETALL: unexpected field in " + render(r));
    }
  }
  if (!has_version) return store_error<Task>("HGETALL: no version in " + render(r));
  if (task.expires_at && *task.expires_at <= now_()) return {StoreStatus::kNotFound, {}, {}};
  return {StoreStatus::kOk, std::move(task), {}};
}

StoreResult<Task> TaskStore::get(const std::string& owner, const std::string& task) {
  ReplyPtr reply = command(ctx_, {"HGETALL", task_key(owner, task)});
  return to_task(task, reply.get());
}

StoreResult<std::vector<Task>> TaskStore::list_by_prefix(const std::string& owner,
                                                         const std::string& id_prefix) {
  using Result = StoreResult<std::vector<Task>>;
  ReplyPtr index = command(ctx_, {"ZRANGE", index_key(owner), "0", "-1"});
  if (!index || index->type != REDIS_REPLY_ARRAY) {
    return store_error<std::vector<Task>>("list: ZRANGE replied " + describe(ctx_, index.get()));
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < index->elements; ++i) {
    std::string id(index->element[i]->str, index->element[i]->len);
    if (id.compare(0, id_prefix.size(), id_prefix) == 0) ids.push_back(std::move(id));
  }
  for (const auto& id : ids) {
    if (!append_command(ctx_, {"HGETALL", task_key(owner, id)})) {
      return store_error<std::vector<Task>>("list: " + describe(ctx_, nullptr));
    }
  }
  // Read every reply before judging any, so the connection stays in step.
  std::vector<ReplyPtr> replies;
  for (size_t i = 0; i < ids.size(); ++i) replies.push_back(read_reply(ctx_));
  Result out{StoreStatus::kOk, {}, {}};
  for (size_t i = 0; i < ids.size(); ++i) {
    StoreResult<Task> task = to_task(ids[i], replies[i].get());
    if (task.status == StoreStatus::kNotFound) continue;
    if (!task.ok()) return {task.status, {}, task.error};
    out.value.push_back(std::move(task.value));
  }
  return out;
}

}  // namespace shardis::test
