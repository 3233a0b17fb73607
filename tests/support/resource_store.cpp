#include "support/resource_store.hpp"

#include <algorithm>
#include <string_view>

namespace shardis::test {
namespace {

constexpr std::string_view kEtagSuffix = ":etag";

const LuaScript& create_script() {
  static const LuaScript kScript(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return {err = 'ALREADY_EXISTS'} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return ARGV[2]
)lua");
  return kScript;
}

// ARGV[1], when given, is the ETag the caller expects.
const LuaScript& delete_script() {
  static const LuaScript kScript(R"lua(
local current = redis.call('GET', KEYS[2])
if not current then return {err = 'NOT_FOUND'} end
if #ARGV > 0 and current ~= ARGV[1] then return {err = 'MISMATCH'} end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
)lua");
  return kScript;
}

// SCAN MATCH takes a glob: project and type names are matched literally.
std::string escape_glob(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string bulk(const redisReply* r) {
  return std::string(r->str, r->len);
}

}  // namespace

const LuaScript& put_if_match_script() {
  static const LuaScript kScript(R"lua(
local current = redis.call('GET', KEYS[2])
if not current then return {err = 'NOT_FOUND'} end
if current ~= ARGV[1] then return {err = 'MISMATCH'} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return ARGV[3]
)lua");
  return kScript;
}

bool append_put_if_match(redisContext* ctx, const std::string& value_key,
                         const std::string& etag_key, const std::string& expected_etag,
                         const std::string& value, const std::string& new_etag) {
  return put_if_match_script().append(ctx, {value_key, etag_key}, {expected_etag, value, new_etag});
}

StoreResult<std::string> put_if_match_outcome(
    redisContext* ctx, ReplyPtr reply, const std::string& value_key, const std::string& etag_key,
    const std::string& expected_etag, const std::string& value, const std::string& new_etag) {
  reply = put_if_match_script().retry_if_noscript(ctx, std::move(reply), {value_key, etag_key},
                                                  {expected_etag, value, new_etag});
  const redisReply* r = reply.get();
  if (r != nullptr && r->type == REDIS_REPLY_STRING) return {StoreStatus::kOk, bulk(r), {}};
  if (is_error_code(r, "NOT_FOUND")) return {StoreStatus::kNotFound, {}, {}};
  if (is_error_code(r, "MISMATCH")) return {StoreStatus::kMismatch, {}, {}};
  return store_error<std::string>("PutIfMatch: " + describe(ctx, r));
}

ResourceStore::ResourceStore(redisContext* ctx, std::string project, std::string type)
    : ctx_(ctx), prefix_("res:" + project + ":" + type + ":"), etag_prefix_(random_hex(12) + "-") {}

std::string ResourceStore::value_key(const std::string& id) const {
  return prefix_ + id;
}

std::string ResourceStore::etag_key(const std::string& id) const {
  return prefix_ + id + std::string(kEtagSuffix);
}

std::string ResourceStore::next_etag() {
  return etag_prefix_ + std::to_string(++etag_counter_);
}

StoreResult<std::string> ResourceStore::put(const std::string& id, const std::string& value) {
  return put(id, value, next_etag());
}

StoreResult<std::string> ResourceStore::put(const std::string& id, const std::string& value,
                                            const std::string& etag) {
  const std::vector<Args> commands = {
      {"MULTI"}, {"SET", value_key(id), value}, {"SET", etag_key(id), etag}, {"EXEC"}};
  for (const auto& c : commands) {
    if (!append_command(ctx_, c))
      return store_error<std::string>("Put: " + describe(ctx_, nullptr));
  }
  // Read all four replies even after a bad one, so the connection stays in
  // step for the next call.
  std::vector<ReplyPtr> replies;
  for (size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply(ctx_));
  const std::vector<std::string> expected = {"+OK", "+QUEUED", "+QUEUED", "[+OK,+OK]"};
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!replies[i] || render(replies[i].get()) != expected[i]) {
      return store_error<std::string>("Put: " + commands[i][0] + " replied " +
                                      describe(ctx_, replies[i].get()));
    }
  }
  return {StoreStatus::kOk, etag, {}};
}

StoreResult<Resource> ResourceStore::get(const std::string& id) {
  if (!append_command(ctx_, {"GET", value_key(id)}) ||
      !append_command(ctx_, {"GET", etag_key(id)})) {
    return store_error<Resource>("Get: " + describe(ctx_, nullptr));
  }
  ReplyPtr value = read_reply(ctx_);
  ReplyPtr etag = read_reply(ctx_);
  if (!value || !etag) return store_error<Resource>("Get: " + describe(ctx_, nullptr));
  if (value->type == REDIS_REPLY_NIL && etag->type == REDIS_REPLY_NIL) {
    return {StoreStatus::kNotFound, {}, {}};
  }
  if (value->type != REDIS_REPLY_STRING || etag->type != REDIS_REPLY_STRING) {
    return store_error<Resource>("Get: value " + render(value.get()) + " with ETag " +
                                 render(etag.get()));
  }
  return {StoreStatus::kOk, Resource{id, bulk(value.get()), bulk(etag.get())}, {}};
}

StoreResult<std::string> ResourceStore::put_if_match(const std::string& id,
                                                     const std::string& expected_etag,
                                                     const std::string& value) {
  return put_if_match(id, expected_etag, value, next_etag());
}

StoreResult<std::string> ResourceStore::put_if_match(const std::string& id,
                                                     const std::string& expected_etag,
                                                     const std::string& value,
                                                     const std::string& new_etag) {
  if (!append_put_if_match(ctx_, value_key(id), etag_key(id), expected_etag, value, new_etag)) {
    return store_error<std::string>("PutIfMatch: " + describe(ctx_, nullptr));
  }
  return put_if_match_outcome(ctx_, read_reply(ctx_), value_key(id), etag_key(id), expected_etag,
                              value, new_etag);
}

StoreResult<std::string> ResourceStore::create(const std::string& id, const std::string& value) {
  ReplyPtr reply = create_script().run(ctx_, {value_key(id), etag_key(id)}, {value, next_etag()});
  return etag_reply(reply.get());
}

StoreResult<std::string> ResourceStore::etag_reply(const redisReply* r) const {
  if (r != nullptr && r->type == REDIS_REPLY_STRING) return {StoreStatus::kOk, bulk(r), {}};
  if (is_error_code(r, "ALREADY_EXISTS")) return {StoreStatus::kAlreadyExists, {}, {}};
  return store_error<std::string>("script: " + describe(ctx_, r));
}

StoreResult<bool> ResourceStore::remove(const std::string& id,
                                        const std::optional<std::string>& expected_etag) {
  Args argv;
  if (expected_etag) argv.push_back(*expected_etag);
  ReplyPtr reply = delete_script().run(ctx_, {value_key(id), etag_key(id)}, argv);
  const redisReply* r = reply.get();
  if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
    return {StoreStatus::kOk, true, {}};
  }
  if (is_error_code(r, "NOT_FOUND")) return {StoreStatus::kNotFound, false, {}};
  if (is_error_code(r, "MISMATCH")) return {StoreStatus::kMismatch, false, {}};
  return store_error<bool>("Delete: " + describe(ctx_, r));
}

StoreResult<std::vector<std::string>> ResourceStore::scan_ids() {
  const std::string pattern = escape_glob(prefix_) + "*";
  std::vector<std::string> ids;
  std::string cursor = "0";
  do {
    ReplyPtr reply = command(ctx_, {"SCAN", cursor, "MATCH", pattern, "COUNT", "256"});
    const redisReply* r = reply.get();
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return store_error<std::vector<std::string>>("List: SCAN replied " + describe(ctx_, r));
    }
    cursor = bulk(r->element[0]);
    const redisReply* keys = r->element[1];
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string key = bulk(keys->element[i]);
      if (!ends_with(key, kEtagSuffix)) ids.push_back(key.substr(prefix_.size()));
    }
  } while (cursor != "0");
  // SCAN may return a key more than once.
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return {StoreStatus::kOk, std::move(ids), {}};
}

StoreResult<std::vector<Resource>> ResourceStore::list() {
  auto ids = scan_ids();
  if (!ids.ok() || ids.value.empty()) return {ids.status, {}, ids.error};
  Args mget{"MGET"};
  for (const auto& id : ids.value) mget.push_back(value_key(id));
  for (const auto& id : ids.value) mget.push_back(etag_key(id));
  ReplyPtr reply = command(ctx_, mget);
  const size_t n = ids.value.size();
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 * n) {
    return store_error<std::vector<Resource>>("List: MGET replied " + describe(ctx_, reply.get()));
  }
  std::vector<Resource> out;
  for (size_t i = 0; i < n; ++i) {
    const redisReply* value = reply->element[i];
    const redisReply* etag = reply->element[n + i];
    // Deleted between SCAN and MGET.
    if (value->type != REDIS_REPLY_STRING || etag->type != REDIS_REPLY_STRING) continue;
    out.push_back(Resource{ids.value[i], bulk(value), bulk(etag)});
  }
  return {StoreStatus::kOk, std::move(out), {}};
}

}  // namespace shardis::test
