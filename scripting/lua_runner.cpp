// LuaRunner: compiles scripts once (cached per sha in a registry table,
// dropped when SCRIPT FLUSH bumps the cache generation), runs them under a
// message handler that turns every error into Redis's {err=, source=,
// line=} table, and implements the redis.* API.
//
// redis.call runs a command exactly as a client would, through dispatch(),
// on a child ExecContext: same server and shards, a copy of the caller's
// Session (so SELECT inside a script changes only the script's db) and the
// protocol the script chose with redis.setresp. The reply is written into a
// scratch buffer and read back into Lua values (lua_convert.cpp).
//
// Error discipline: Lua raises errors with longjmp. The lua_CFunctions
// below call into C++ only through member functions that return before any
// Lua error is raised, so no C++ destructor is ever skipped.

#include "scripting/lua_runner.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "engine/command.hpp"
#include "engine/connection_family.hpp"
#include "engine/engine.hpp"
#include "scripting/lua_internal.hpp"

namespace shardis {

namespace {

constexpr const char* kFunctions = "shardis.functions";  // registry: sha -> compiled function
constexpr const char* kGlobals = "shardis.globals";
constexpr int kHookInstructions = 100000;  // as Redis: the time check runs every 100k instructions
constexpr int kGcPeriod = 50;

// Redis's rand.c: the 48-bit linear congruential generator of drand48,
// starting from drand48's unseeded state and never reseeded between
// scripts, so math.random() gives the same sequence as a fresh redis-server.
class Rand48 {
 public:
  void seed(int32_t s) { x_ = (static_cast<uint64_t>(static_cast<uint32_t>(s)) << 16) | 0x330e; }
  int32_t next() {
    x_ = (0x5deece66dULL * x_ + 0xb) & ((1ULL << 48) - 1);
    return static_cast<int32_t>(x_ >> 17);
  }

 private:
  uint64_t x_ = 0x1234abcd330eULL;
};

class LuaRunner;
LuaRunner* runner_of(lua_State* L) {
  return static_cast<LuaRunner*>(lua_touserdata(L, lua_upvalueindex(1)));
}

class LuaRunner final : public ScriptRunner {
 public:
  explicit LuaRunner(ServerState& server);
  ~LuaRunner() override { lua_close(L_); }
  LuaRunner(const LuaRunner&) = delete;
  LuaRunner& operator=(const LuaRunner&) = delete;

  void run(ExecContext& ctx, const ScriptCall& call) override;
  std::string compile(std::string_view sha, std::string_view body) override;

  // The redis.* functions' C++ halves. They never raise Lua errors.
  const char* execute_command(lua_State* L);
  const std::string& scratch() const { return scratch_; }
  bool in_script() const { return run_ != nullptr; }
  void set_resp(int resp) { run_->resp = resp; }
  int32_t random() { return rand_.next(); }
  void seed(int32_t s) { rand_.seed(s); }
  void on_hook(lua_State* L);

 private:
  struct Run {
    ExecContext* ctx;
    const ScriptCall* call;
    Session session;  // the script's own: SELECT inside it changes only this
    int resp = 2;
    bool strict_keys = false;
    int64_t threshold_us = 0;
    // One timer for every command the script runs: two clock reads per
    // script instead of two per redis.call.
    RunTimer* timer = nullptr;
  };

  void register_api();
  void drop_functions_if_flushed();
  bool push_function(std::string_view sha, std::string_view body, std::string* error);
  void set_array(const char* name, const std::vector<std::string_view>& items);
  void reply_error(ExecContext& ctx);
  void finish();

  ServerState& server_;
  lua_State* L_;
  uint64_t generation_;
  Rand48 rand_;
  Run* run_ = nullptr;
  std::string scratch_;       // the reply of the last redis.call
  std::string error_;         // the error text of the last redis.call
  Args args_;                 // redis.call's arguments, reused
  std::vector<size_t> keys_;  // their key indexes (lua-strict-keys)
  std::vector<CommandStats*> ran_;  // RunTimer's buffer, reused
  uint64_t runs_ = 0;
};

// ---------------------------------------------------------------- redis.*

int generic_call(lua_State* L, bool raise) {
  LuaRunner* r = runner_of(L);
  const char* error = r->execute_command(L);
  lua_settop(L, 0);
  if (error) {
    lua::push_error_table(L, error);
    return raise ? lua_error(L) : 1;
  }
  size_t pos = 0;
  lua::push_reply(L, r->scratch(), &pos);
  if (raise && r->scratch()[0] == '-') return lua_error(L);
  return 1;
}

int redis_call(lua_State* L) { return generic_call(L, true); }
int redis_pcall(lua_State* L) { return generic_call(L, false); }

int redis_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    lua::push_error_table(L, "wrong number of arguments");
    return lua_error(L);
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[41];
  {
    const std::string sha = sha1_hex(std::string_view(s ? s : "", s ? len : 0));
    std::snprintf(hex, sizeof(hex), "%s", sha.c_str());
  }
  lua_pushstring(L, hex);
  return 1;
}

int single_field_table(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    lua::push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, field);
  return 1;
}

int redis_status_reply(lua_State* L) { return single_field_table(L, "ok"); }

int redis_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    lua::push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  // "CODE message" -> "-CODE message": the code is kept, as Redis does.
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (len == 0 || s[0] != '-') {
    lua_pushliteral(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    s = lua_tolstring(L, -1, &len);
  }
  lua::push_error_table(L, std::string_view(s, len));
  return 1;
}

int redis_log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) {
    lua::push_error_table(L, "redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, 1)) {
    lua::push_error_table(L, "First argument must be a number (log level).");
    return lua_error(L);
  }
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) {
    lua::push_error_table(L, "Invalid debug level.");
    return lua_error(L);
  }
  // The message is joined in Lua (no C++ string alive if that raises).
  int pieces = 0;
  for (int i = 2; i <= argc; ++i) {
    if (!lua_isstring(L, i)) continue;
    if (pieces > 0) {
      lua_pushliteral(L, " ");
      ++pieces;
    }
    lua_pushvalue(L, i);
    ++pieces;
  }
  lua_concat(L, pieces);
  size_t len = 0;
  const char* msg = lua_tolstring(L, -1, &len);
  static constexpr spdlog::level::level_enum kLevels[] = {
      spdlog::level::debug, spdlog::level::debug, spdlog::level::info, spdlog::level::warn};
  spdlog::log(kLevels[level], "{}", std::string_view(msg, len));
  return 0;
}

int redis_setresp(lua_State* L) {
  if (lua_gettop(L) != 1) {
    lua::push_error_table(L, "redis.setresp() requires one argument.");
    return lua_error(L);
  }
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) {
    lua::push_error_table(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  runner_of(L)->set_resp(resp);
  return 0;
}

int redis_set_repl(lua_State* L) {
  if (lua_gettop(L) != 1) {
    lua::push_error_table(L, "redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  const int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) {
    lua::push_error_table(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  return 0;  // shardis has no replication or AOF: accepted, no effect
}

int redis_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int redis_noop(lua_State*) { return 0; }

// math.random as Redis's: Lua 5.1's own code with rand() replaced by the
// Rand48 generator.
int math_random(lua_State* L) {
  const lua_Number r =
      static_cast<lua_Number>(runner_of(L)->random() % 2147483647) / static_cast<lua_Number>(2147483647);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int math_randomseed(lua_State* L) {
  runner_of(L)->seed(luaL_checkint(L, 1));
  return 0;
}

// Redis's pcall: an error table caught from redis.call comes back as its
// message string, as older Redis versions returned it.
int sandbox_pcall(lua_State* L) {
  const int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// The message handler of every script run: makes the error a table and
// records where the script was (the caller of a C function that raised).
int error_handler(lua_State* L) {
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (have && ar.what[0] == 'C') have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  if (!lua_istable(L, 1)) {
    lua_newtable(L);
    lua_pushliteral(L, "ERR ");
    lua_getglobal(L, "tostring");  // the real one, via the proxy's __index
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_concat(L, 2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

void count_hook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, "shardis.runner");
  auto* r = static_cast<LuaRunner*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  r->on_hook(L);
}

// Pops the script's result and writes it as the reply; run under
// lua_cpcall so that even a memory error here cannot escape.
struct WriteJob {
  protocol::ReplyWriter* w;
  int resp;
};
int write_result(lua_State* L) {
  auto* job = static_cast<WriteJob*>(lua_touserdata(L, 1));
  lua_getfield(L, LUA_REGISTRYINDEX, "shardis.result");
  lua::write_value(L, *job->w, job->resp);
  return 0;
}

// ---------------------------------------------------------------- runner

LuaRunner::LuaRunner(ServerState& server)
    : server_(server), L_(luaL_newstate()), generation_(server.script_cache.generation()) {
  static const lua_CFunction kLibs[] = {luaopen_base, luaopen_table, luaopen_string, luaopen_math};
  for (lua_CFunction open : kLibs) {
    lua_pushcfunction(L_, open);
    lua_call(L_, 0, 0);
  }
  lua_pushcfunction(L_, lua::open_cjson);
  lua_call(L_, 0, 0);
  lua_pushcfunction(L_, lua::open_bit);
  lua_call(L_, 0, 0);
  // What Redis removes from the base library.
  for (const char* name : {"dofile", "loadfile", "print", "setfenv", "getfenv", "newproxy"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, name);
  }
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, "shardis.runner");
  register_api();
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kFunctions);
  lua::protect_globals(L_);
}

void LuaRunner::register_api() {
  auto set_fn = [&](const char* name, lua_CFunction fn) {
    lua_pushlightuserdata(L_, this);
    lua_pushcclosure(L_, fn, 1);
    lua_setfield(L_, -2, name);
  };
  auto set_num = [&](const char* name, lua_Number v) {
    lua_pushnumber(L_, v);
    lua_setfield(L_, -2, name);
  };
  lua_newtable(L_);
  set_fn("call", redis_call);
  set_fn("pcall", redis_pcall);
  set_fn("sha1hex", redis_sha1hex);
  set_fn("error_reply", redis_error_reply);
  set_fn("status_reply", redis_status_reply);
  set_fn("log", redis_log);
  set_fn("setresp", redis_setresp);
  set_fn("set_repl", redis_set_repl);
  set_fn("replicate_commands", redis_replicate_commands);
  set_fn("breakpoint", redis_noop);
  set_fn("debug", redis_noop);
  set_num("LOG_DEBUG", 0);
  set_num("LOG_VERBOSE", 1);
  set_num("LOG_NOTICE", 2);
  set_num("LOG_WARNING", 3);
  set_num("REPL_NONE", 0);
  set_num("REPL_AOF", 1);
  set_num("REPL_SLAVE", 2);
  set_num("REPL_REPLICA", 2);
  set_num("REPL_ALL", 3);
  const std::string_view version = redis_version();
  lua_pushlstring(L_, version.data(), version.size());
  lua_setfield(L_, -2, "REDIS_VERSION");
  int parts[3] = {0, 0, 0};
  std::sscanf(std::string(version).c_str(), "%d.%d.%d", &parts[0], &parts[1], &parts[2]);
  set_num("REDIS_VERSION_NUM", (parts[0] << 16) | (parts[1] << 8) | parts[2]);
  lua_setglobal(L_, "redis");

  lua_getglobal(L_, "math");
  set_fn("random", math_random);
  set_fn("randomseed", math_randomseed);
  lua_pop(L_, 1);
  lua_pushcfunction(L_, sandbox_pcall);
  lua_setglobal(L_, "pcall");
}

void LuaRunner::drop_functions_if_flushed() {
  const uint64_t gen = server_.script_cache.generation();
  if (gen == generation_) return;
  generation_ = gen;
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kFunctions);
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

// Pushes the compiled function of sha, compiling body when it is new.
bool LuaRunner::push_function(std::string_view sha, std::string_view body, std::string* error) {
  lua_getfield(L_, LUA_REGISTRYINDEX, kFunctions);
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_rawget(L_, -2);
  if (!lua_isnil(L_, -1)) {
    lua_remove(L_, -2);
    return true;
  }
  lua_pop(L_, 1);
  // A shebang line is not Lua: compile from its newline on, so line
  // numbers stay those of the body.
  std::string_view code = body;
  if (code.substr(0, 2) == "#!") code.remove_prefix(code.find('\n'));
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script") != 0) {
    *error = "ERR Error compiling script (new function): ";
    size_t len = 0;
    const char* msg = lua_tolstring(L_, -1, &len);
    error->append(msg ? msg : "", msg ? len : 0);
    lua_pop(L_, 2);
    return false;
  }
  lua_pushlstring(L_, sha.data(), sha.size());
  lua_pushvalue(L_, -2);
  lua_rawset(L_, -4);
  lua_remove(L_, -2);
  return true;
}

std::string LuaRunner::compile(std::string_view sha, std::string_view body) {
  drop_functions_if_flushed();
  std::string error;
  if (push_function(sha, body, &error)) lua_pop(L_, 1);
  return error;
}

void LuaRunner::set_array(const char* name, const std::vector<std::string_view>& items) {
  lua_createtable(L_, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L_, items[i].data(), items[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i + 1));
  }
  lua_setfield(L_, -2, name);
}

void LuaRunner::run(ExecContext& ctx, const ScriptCall& call) {
  drop_functions_if_flushed();
  lua_settop(L_, 0);
  lua_pushcfunction(L_, error_handler);
  std::string error;
  if (!push_function(call.sha, call.body, &error)) {
    ctx.reply.error(error);
    lua_settop(L_, 0);
    return;
  }
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobals);
  set_array("KEYS", call.keys);
  set_array("ARGV", call.argv);
  lua_pop(L_, 1);

  Run run{&ctx, &call, ctx.session};
  run.strict_keys = server_.config.lua_strict_keys();
  run.threshold_us = server_.config.busy_reply_threshold_ms() * 1000;
  RunTimer timer(server_, ran_);
  run.timer = &timer;
  run_ = &run;
  ScriptStatus& status = server_.script_status;
  status.wrote = false;
  status.busy = false;
  status.kill = false;
  status.started_us = Clock::monotonic_us();
  status.running = true;
  if (run.threshold_us > 0) lua_sethook(L_, count_hook, LUA_MASKCOUNT, kHookInstructions);

  if (lua_pcall(L_, 0, 1, 1) != 0) {
    reply_error(ctx);
  } else {
    lua_setfield(L_, LUA_REGISTRYINDEX, "shardis.result");
    WriteJob job{&ctx.reply, run.resp};
    if (lua_cpcall(L_, write_result, &job) != 0) ctx.reply.error("ERR out of memory converting the script's reply");
    lua_pushnil(L_);
    lua_setfield(L_, LUA_REGISTRYINDEX, "shardis.result");
  }
  finish();
}

// The error table on top (from error_handler) as Redis formats it:
// "<err> script: <sha>, on <source>:<line>."
void LuaRunner::reply_error(ExecContext& ctx) {
  std::string text;
  if (!lua_istable(L_, -1)) {
    text = "ERR Error running script " + std::string(run_->call->sha) + ", ";
    const char* msg = lua_tostring(L_, -1);
    text += msg ? std::string(msg).substr(0, 100) : "execution failure";
  } else {
    // Raw reads: the table may come from error() with any metatable.
    const int table = lua_gettop(L_);
    for (const char* field : {"err", "source", "line"}) {
      lua_pushstring(L_, field);
      lua_rawget(L_, table);
    }
    const char* err = lua_tostring(L_, -3);
    text = err ? err : "";
    const char* source = lua_tostring(L_, -2);
    const char* line = lua_tostring(L_, -1);
    if (source && line) {
      text += " script: ";
      text += run_->call->sha;
      text += ", on ";
      text += source;
      text += ":";
      text += line;
      text += ".";
    }
  }
  for (char& c : text)
    if (c == '\r' || c == '\n') c = ' ';
  ctx.reply.error(text);
}

void LuaRunner::finish() {
  lua_sethook(L_, nullptr, 0, 0);
  lua_settop(L_, 0);
  run_ = nullptr;
  ScriptStatus& status = server_.script_status;
  status.running = false;
  status.busy = false;
  status.kill = false;
  status.wrote = false;
  // A GC step every few runs keeps Lua from running a full cycle at a bad
  // moment (as Redis does).
  if (++runs_ % kGcPeriod == 0) lua_gc(L_, LUA_GCSTEP, kGcPeriod);
}

void LuaRunner::on_hook(lua_State* L) {
  if (!run_) return;
  ScriptStatus& status = server_.script_status;
  if (Clock::monotonic_us() - status.started_us.load() < run_->threshold_us) return;
  if (!status.busy.exchange(true))
    spdlog::warn("Slow script detected: still in execution after {} milliseconds.",
                 run_->threshold_us / 1000);
  server_.hooks->while_script_busy();
  if (!status.kill.load()) return;
  spdlog::warn("Lua script killed by user with SCRIPT KILL.");
  // From now on the hook fires on every line, so a pcall in the script
  // cannot swallow the kill and go on.
  lua_sethook(L, count_hook, LUA_MASKLINE, 0);
  lua::push_error_table(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

// Runs the command whose arguments are on the Lua stack; the reply lands in
// scratch_. Returns nullptr, or the error text when the command could not
// run (Redis's script-specific checks).
const char* LuaRunner::execute_command(lua_State* L) {
  if (!run_) return "redis.call/pcall can only be called inside a script invocation";
  const int argc = lua_gettop(L);
  if (argc == 0) return "Please specify at least one argument for this redis lib call";
  args_.resize(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; ++i) {
    std::string& arg = args_[static_cast<size_t>(i - 1)];
    if (lua_type(L, i) == LUA_TNUMBER) {
      // %.17g, not Lua's %.14g: numbers keep their precision, as in Redis.
      char buf[64];
      const int n = std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, i)));
      arg.assign(buf, static_cast<size_t>(n));
      continue;
    }
    size_t len = 0;
    const char* s = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, &len) : nullptr;
    if (!s) return "Lua redis lib command arguments must be strings or integers";
    arg.assign(s, len);
  }
  const CommandTable& table = CommandTable::instance();
  const CommandSpec* spec = table.find(args_[0]);
  if (spec && !spec->subcommands.empty())
    spec = args_.size() > 1 ? table.find_sub(*spec, args_[1]) : nullptr;
  if (!spec) return "Unknown Redis command called from script";
  const size_t n = args_.size();
  if (spec->arity > 0 ? n != static_cast<size_t>(spec->arity) : n < static_cast<size_t>(-spec->arity))
    return "Wrong number of args calling Redis command from script";
  if (spec->flags & kCmdNoscript) return "This Redis command is not allowed from script";
  const bool write = (spec->flags & kCmdWrite) != 0;
  if (write && run_->call->read_only) return "Write commands are not allowed from read-only scripts.";
  if (run_->strict_keys) {
    CommandTable::key_indexes(*spec, args_, &keys_);
    for (size_t k : keys_) {
      bool declared = false;
      for (std::string_view key : run_->call->keys) declared = declared || key == args_[k];
      if (!declared) {
        error_ = "Script attempted to access key '" + args_[k] +
                 "' that was not declared in KEYS (lua-strict-keys is yes)";
        return error_.c_str();
      }
    }
  }
  if (write) server_.script_status.wrote = true;
  scratch_.clear();
  protocol::ReplyWriter w(scratch_, run_->resp);
  ExecContext& parent = *run_->ctx;
  ExecContext child{parent.server, parent.shards, run_->session, w, parent.now_ms};
  try {
    run_->timer->run(child, *spec, args_);
  } catch (const std::exception& e) {
    error_ = std::string("Error running command: ") + e.what();
    return error_.c_str();
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<ScriptRunner> make_lua_runner(ServerState& server) {
  return std::make_unique<LuaRunner>(server);
}

}  // namespace shardis
