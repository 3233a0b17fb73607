#pragma once
// The engine's side of Lua scripting. engine/ never links the Lua VM
// (scripting/ depends on engine/, not the other way), so the EVAL family
// (engine/script_family.cpp) reaches the VM through ScriptRunner, which
// scripting/ implements and the server, or a test, installs in
// ServerState::scripts. The script cache and the running script's status
// live here because SCRIPT LOAD/EXISTS/FLUSH/KILL and -BUSY need no VM.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardis {

struct ExecContext;

// SHA1 of data as 40 lower-case hex digits (script ids, redis.sha1hex).
std::string sha1_hex(std::string_view data);

// A cached script: its id (40 lower-case hex digits) and its source.
struct CachedScript {
  std::string sha;
  std::string body;
};

// Script bodies by SHA1, shared by every connection. Thread-safe.
class ScriptCache {
 public:
  // Stores body (if new) and returns its sha.
  std::string add(std::string_view body);
  // The sha of a cached body, without hashing it: EVAL looks its body up
  // here on every call, and a SHA-1 of a few hundred bytes costs about a
  // microsecond, a string hash a tenth of that. False when not cached.
  bool sha_of(std::string_view body, std::string* sha) const;
  // Looks sha up (any case); false when unknown. The script is shared, not
  // copied: a SCRIPT FLUSH meanwhile leaves it alive for its holder.
  bool get(std::string_view sha, std::shared_ptr<const CachedScript>* script) const;
  bool exists(std::string_view sha) const;
  // SCRIPT FLUSH. Runners compare generation() to drop compiled functions.
  void clear();
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  size_t size() const;
  size_t bytes() const;  // sum of body sizes (INFO memory)

 private:
  mutable std::mutex mu_;
  // sha -> script, and body -> sha; the keys and the sha view into the
  // scripts, which stay put while their entry exists.
  std::unordered_map<std::string_view, std::shared_ptr<const CachedScript>> scripts_;
  std::unordered_map<std::string_view, std::string_view> by_body_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> generation_{0};
};

// The script that runs now (at most one runs at a time), as SCRIPT KILL,
// -BUSY and SHUTDOWN NOSAVE see it from other clients.
struct ScriptStatus {
  std::atomic<bool> running{false};
  std::atomic<int64_t> started_us{0};  // Clock::monotonic_us() at start
  std::atomic<bool> wrote{false};      // ran a write command: unkillable
  std::atomic<bool> busy{false};       // ran past busy-reply-threshold
  std::atomic<bool> kill{false};       // SCRIPT KILL or SHUTDOWN NOSAVE asked to stop it
};

// One EVAL/EVALSHA/EVAL_RO/EVALSHA_RO call, its arguments already checked
// (numkeys parsed, sha resolved to a cached body).
struct ScriptCall {
  std::string_view sha;   // 40 lower-case hex digits
  std::string_view body;  // the script source
  std::vector<std::string_view> keys;
  std::vector<std::string_view> argv;
  bool read_only = false;  // *_RO: write commands fail
};

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  // Runs the script with ctx's session (db, resp) and writes its reply or
  // error to ctx.reply. Sets and clears ctx.server.script_status; while the
  // script runs longer than busy-reply-threshold it calls
  // ctx.server.hooks->while_script_busy() regularly, and stops with Redis's
  // error when script_status.kill is set.
  virtual void run(ExecContext& ctx, const ScriptCall& call) = 0;
  // SCRIPT LOAD: compiles body (cached under sha) without running it.
  // Returns "" or the error reply text ("ERR Error compiling script ...").
  virtual std::string compile(std::string_view sha, std::string_view body) = 0;
};

// A Redis 7 shebang line ("#!lua flags=no-writes,allow-oom") parsed: the
// error reply text when it is malformed, and whether it forbids writes.
struct ScriptFlags {
  std::string error;
  bool no_writes = false;
};
ScriptFlags parse_shebang(std::string_view body);

}  // namespace shardis
