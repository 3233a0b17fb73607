#pragma once
// ResourceStore: a versioned key-value layer as applications build it on
// Redis, kept here to prove shardis runs it unchanged.
//
// A resource is two plain string keys, with no hash tag, so on shardis they
// usually live on different shards:
//   res:<project>:<type>:<id>        the value
//   res:<project>:<type>:<id>:etag   its ETag
// Put writes both in MULTI/EXEC; the conditional writes (PutIfMatch,
// create-if-absent, delete) are Lua scripts sent by EVALSHA. Expected
// outcomes (not found, ETag mismatch, already exists) come back as a
// StoreStatus, never as exceptions.
//
// Ids must not end in ":etag" (their value key would be another id's ETag
// key), and List skips keys that do. Unless the caller passes one, every
// write makes a fresh ETag: a random per-store prefix and a counter.

#include <optional>
#include <string>
#include <vector>

#include "support/redis_calls.hpp"

namespace shardis::test {

struct Resource {
  std::string id;
  std::string value;
  std::string etag;

  bool operator==(const Resource&) const = default;
};

// PutIfMatch's script. KEYS: value key, ETag key. ARGV: expected ETag, new
// value, new ETag. Replies the new ETag, or the error NOT_FOUND / MISMATCH.
const LuaScript& put_if_match_script();

// PutIfMatch's pipelined form for callers that batch several (shardis-stress):
// queue with append_put_if_match, read every reply, then map each with
// put_if_match_outcome (which retries a NOSCRIPT reply as EVAL).
bool append_put_if_match(redisContext* ctx, const std::string& value_key,
                         const std::string& etag_key, const std::string& expected_etag,
                         const std::string& value, const std::string& new_etag);
StoreResult<std::string> put_if_match_outcome(
    redisContext* ctx, ReplyPtr reply, const std::string& value_key, const std::string& etag_key,
    const std::string& expected_etag, const std::string& value, const std::string& new_etag);

class ResourceStore {
 public:
  // `ctx` is borrowed: the caller keeps it open while the store is used, and
  // uses it from one thread at a time.
  ResourceStore(redisContext* ctx, std::string project, std::string type);

  std::string value_key(const std::string& id) const;
  std::string etag_key(const std::string& id) const;

  // Unconditional write; replies the new ETag.
  StoreResult<std::string> put(const std::string& id, const std::string& value);
  StoreResult<std::string> put(const std::string& id, const std::string& value,
                               const std::string& etag);
  // kNotFound when the resource does not exist.
  StoreResult<Resource> get(const std::string& id);
  // Writes only while the stored ETag equals `expected_etag`; replies the new
  // ETag. kNotFound, kMismatch otherwise.
  StoreResult<std::string> put_if_match(const std::string& id, const std::string& expected_etag,
                                        const std::string& value);
  StoreResult<std::string> put_if_match(const std::string& id, const std::string& expected_etag,
                                        const std::string& value, const std::string& new_etag);
  // Writes only when the resource does not exist; replies the new ETag, or
  // kAlreadyExists.
  StoreResult<std::string> create(const std::string& id, const std::string& value);
  // Deletes value and ETag; with `expected_etag`, only while it matches.
  // kNotFound, kMismatch otherwise.
  StoreResult<bool> remove(const std::string& id,
                           const std::optional<std::string>& expected_etag = std::nullopt);
  // Every resource of this project and type, sorted by id.
  StoreResult<std::vector<Resource>> list();

 private:
  std::string next_etag();
  // Maps a script's reply: a bulk string is the new ETag; error codes map to
  // their status.
  StoreResult<std::string> etag_reply(const redisReply* reply) const;
  // SCAN to the end; the value keys of this project and type.
  StoreResult<std::vector<std::string>> scan_ids();

  redisContext* ctx_;
  std::string prefix_;  // "res:<project>:<type>:"
  std::string etag_prefix_;
  uint64_t etag_counter_ = 0;
};

}  // namespace shardis::test
