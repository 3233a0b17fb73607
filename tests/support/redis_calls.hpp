#pragma once
// Building blocks for the store layers (ResourceStore, TaskStore) and for
// shardis-stress: argv commands on a hiredis context (a Client's), Lua scripts sent
// by EVALSHA with the EVAL fallback clients use, and the status type the
// stores report expected outcomes with.
//
// Nothing here throws for a reply the server may legitimately send; I/O
// errors and unexpected replies come back as StoreStatus::kError with a
// message, so a store caller handles every outcome the same way.

#include <hiredis/hiredis.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/client.hpp"

namespace shardis::test {

enum class StoreStatus {
  kOk,
  kNotFound,
  kMismatch,
  kAlreadyExists,
  kError,  // I/O error or a reply the store did not expect; see `error`
};

std::string_view to_string(StoreStatus status);

template <typename T>
struct StoreResult {
  StoreStatus status = StoreStatus::kError;
  T value{};
  std::string error;  // set with kError

  bool ok() const { return status == StoreStatus::kOk; }
};

template <typename T>
StoreResult<T> store_error(std::string message) {
  return {StoreStatus::kError, T{}, std::move(message)};
}

// Sends one command and waits for its reply; null on an I/O error.
ReplyPtr command(redisContext* ctx, const Args& args);
// Queues a command in hiredis's output buffer; false on an I/O error.
bool append_command(redisContext* ctx, const Args& args);
// Reads the next reply of a pipeline; null on an I/O error.
ReplyPtr read_reply(redisContext* ctx);

// "(io error: ...)" or the rendered reply, for kError messages.
std::string describe(redisContext* ctx, const redisReply* reply);

// A script and the SHA-1 EVALSHA knows it by (computed with the engine's
// SHA-1; a test checks that redis-server's SCRIPT LOAD names it the same).
class LuaScript {
 public:
  explicit LuaScript(std::string source);

  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

  // EVALSHA; when the server answers NOSCRIPT (first use, SCRIPT FLUSH or a
  // restart) the same call again as EVAL, which also caches the script.
  ReplyPtr run(redisContext* ctx, const Args& keys, const Args& argv) const;
  // Pipelined form: queue EVALSHA now; once every reply of the pipeline has
  // been read (a retry in between would take the next queued reply for its
  // own), pass each through `retry_if_noscript`, which repeats the call as
  // EVAL when the server answered NOSCRIPT.
  bool append(redisContext* ctx, const Args& keys, const Args& argv) const;
  ReplyPtr retry_if_noscript(redisContext* ctx, ReplyPtr reply, const Args& keys,
                             const Args& argv) const;

 private:
  Args call_args(std::string_view verb, const std::string& body, const Args& keys,
                 const Args& argv) const;
  std::string source_;
  std::string sha_;
};

// True for an error reply whose text starts with `code` as its first word
// ("NOT_FOUND", "NOSCRIPT ...").
bool is_error_code(const redisReply* reply, std::string_view code);

// A random lowercase hex string of `digits` characters.
std::string random_hex(size_t digits);

}  // namespace shardis::test
