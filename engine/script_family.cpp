// Scripting commands: EVAL, EVALSHA, their _RO variants and the SCRIPT
// container. The handlers check arguments, resolve the body through the
// shared ScriptCache and hand a ScriptCall to the Lua VM behind
// ServerState::scripts (scripting/); the engine itself never links Lua.
// SCRIPT KILL only raises a flag the running script's instruction hook reads.

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";
constexpr std::string_view kNoRunner = "ERR scripting is not available in this server";

// EVAL's keys: numkeys at argv[2], the keys right after it. Malformed
// counts give no keys (the handler reports the error).
void eval_keys(const Args& args, std::vector<size_t>* keys) {
  keys->clear();
  int64_t numkeys = 0;
  if (args.size() < 3 || !string_to_ll(args[2], &numkeys) || numkeys < 0 ||
      static_cast<uint64_t>(numkeys) > args.size() - 3)
    return;
  for (size_t i = 0; i < static_cast<size_t>(numkeys); ++i) keys->push_back(3 + i);
}

// Runs the script whose body is known: splits keys from arguments after
// checking numkeys as Redis's evalGenericCommand does.
void run_script(ExecContext& ctx, Args& args, std::string_view sha, std::string_view body,
                bool read_only) {
  ScriptFlags flags = parse_shebang(body);
  if (!flags.error.empty()) {
    ctx.reply.error(flags.error);
    return;
  }
  ScriptCall call;
  call.sha = sha;
  call.body = body;
  call.read_only = read_only || flags.no_writes;
  const size_t numkeys = std::stoull(args[2]);  // checked by check_numkeys
  call.keys.reserve(numkeys);
  for (size_t i = 0; i < numkeys; ++i) call.keys.emplace_back(args[3 + i]);
  call.argv.reserve(args.size() - 3 - numkeys);
  for (size_t i = 3 + numkeys; i < args.size(); ++i) call.argv.emplace_back(args[i]);
  ctx.server.scripts->run(ctx, call);
}

bool check_numkeys(ExecContext& ctx, const Args& args) {
  int64_t numkeys = 0;
  if (!string_to_ll(args[2], &numkeys)) {
    ctx.reply.error(err::kNotInteger);
    return false;
  }
  if (numkeys < 0) {
    ctx.reply.error("ERR Number of keys can't be negative");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) > args.size() - 3) {
    ctx.reply.error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (!ctx.server.scripts) {
    ctx.reply.error(kNoRunner);
    return false;
  }
  return true;
}

// Compiles a body new to the cache and stores it; Redis caches only bodies
// that compile. Returns false after replying the error.
bool load_body(ExecContext& ctx, std::string_view body, std::string* sha) {
  // A cached body compiled and had valid flags when it was added.
  if (ctx.server.script_cache.sha_of(body, sha)) return true;
  ScriptFlags flags = parse_shebang(body);
  if (!flags.error.empty()) {
    ctx.reply.error(flags.error);
    return false;
  }
  *sha = sha1_hex(body);
  if (ctx.server.script_cache.exists(*sha)) return true;
  const std::string error = ctx.server.scripts->compile(*sha, body);
  if (!error.empty()) {
    ctx.reply.error(error);
    return false;
  }
  ctx.server.script_cache.add(body);
  return true;
}

void eval_generic(ExecContext& ctx, Args& args, bool read_only) {
  if (!check_numkeys(ctx, args)) return;
  std::string sha;
  if (!load_body(ctx, args[1], &sha)) return;
  run_script(ctx, args, sha, args[1], read_only);
}

void evalsha_generic(ExecContext& ctx, Args& args, bool read_only) {
  if (!check_numkeys(ctx, args)) return;
  std::shared_ptr<const CachedScript> script;
  if (!ctx.server.script_cache.get(args[1], &script)) {
    ctx.reply.error(kNoScript);
    return;
  }
  run_script(ctx, args, script->sha, script->body, read_only);
}

void eval_command(ExecContext& ctx, Args& args) { eval_generic(ctx, args, false); }
void eval_ro_command(ExecContext& ctx, Args& args) { eval_generic(ctx, args, true); }
void evalsha_command(ExecContext& ctx, Args& args) { evalsha_generic(ctx, args, false); }
void evalsha_ro_command(ExecContext& ctx, Args& args) { evalsha_generic(ctx, args, true); }

void script_load_command(ExecContext& ctx, Args& args) {
  if (!ctx.server.scripts) {
    ctx.reply.error(kNoRunner);
    return;
  }
  std::string sha;
  if (load_body(ctx, args[2], &sha)) ctx.reply.bulk(sha);
}

void script_exists_command(ExecContext& ctx, Args& args) {
  ctx.reply.array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i)
    ctx.reply.integer(ctx.server.script_cache.exists(args[i]) ? 1 : 0);
}

void script_flush_command(ExecContext& ctx, Args& args) {
  // ASYNC and SYNC both flush at once: the cache holds only script bodies.
  if (args.size() > 3 || (args.size() == 3 && !iequals(args[2], "async") && !iequals(args[2], "sync"))) {
    ctx.reply.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.script_cache.clear();
  ctx.reply.ok();
}

void script_kill_command(ExecContext& ctx, Args&) {
  ScriptStatus& status = ctx.server.script_status;
  if (!status.running.load()) {
    ctx.reply.error("NOTBUSY No scripts in execution right now.");
  } else if (status.wrote.load()) {
    ctx.reply.error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
  } else {
    status.kill.store(true);
    ctx.reply.ok();
  }
}

void script_help_command(ExecContext& ctx, Args&) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.array(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.simple(l);
}

}  // namespace

ScriptFlags parse_shebang(std::string_view body) {
  ScriptFlags out;
  if (body.substr(0, 2) != "#!") return out;
  const size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    out.error = "ERR Invalid script shebang";
    return out;
  }
  std::vector<std::string> parts;
  split_args(body.substr(0, eol), [&]() -> std::string& { return parts.emplace_back(); });
  if (parts.empty() || parts[0] != "#!lua") {
    out.error = "ERR Unexpected engine in script shebang: " + (parts.empty() ? "" : parts[0]);
    return out;
  }
  static constexpr std::string_view kKnown[] = {"no-writes", "allow-oom", "allow-stale",
                                                "no-cluster", "allow-cross-slot-keys"};
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.substr(0, 6) != "flags=") {
      out.error = "ERR Unknown lua shebang option: " + parts[i];
      return out;
    }
    part.remove_prefix(6);
    while (!part.empty()) {
      const size_t comma = part.find(',');
      const std::string_view flag = part.substr(0, comma);
      if (std::find(std::begin(kKnown), std::end(kKnown), flag) == std::end(kKnown)) {
        out.error = "ERR Unexpected flag in script shebang: " + std::string(flag);
        return out;
      }
      if (flag == "no-writes") out.no_writes = true;
      part = comma == std::string_view::npos ? std::string_view() : part.substr(comma + 1);
    }
  }
  return out;
}

void add_script_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kEval = kCmdNoscript | kCmdSkipMonitor | kCmdNoMandatoryKeys | kCmdStale |
                             kCmdMovableKeys | kCmdScript;
  auto eval_spec = [&](std::string_view name, uint32_t flags, Handler h, std::string_view since,
                       std::string_view summary, std::string_view first_arg) {
    CommandSpec spec{name, -3, flags, 0, 0, 0, h, "scripting", since, summary, first_arg};
    spec.find_keys = eval_keys;
    out.push_back(std::move(spec));
  };
  eval_spec("eval", kEval | kCmdMayReplicate, eval_command, "2.6.0",
            "Executes a server-side Lua script.", "script numkeys [key [key ...]] [arg [arg ...]]");
  eval_spec("evalsha", kEval | kCmdMayReplicate, evalsha_command, "2.6.0",
            "Executes a server-side Lua script by SHA1 digest.",
            "sha1 numkeys [key [key ...]] [arg [arg ...]]");
  eval_spec("eval_ro", kEval | kCmdReadonly, eval_ro_command, "7.0.0",
            "Executes a read-only server-side Lua script.",
            "script numkeys [key [key ...]] [arg [arg ...]]");
  eval_spec("evalsha_ro", kEval | kCmdReadonly, evalsha_ro_command, "7.0.0",
            "Executes a read-only server-side Lua script by SHA1 digest.",
            "sha1 numkeys [key [key ...]] [arg [arg ...]]");

  CommandSpec script{"script", -2, 0, 0, 0, 0, nullptr, "scripting", "2.6.0",
                     "A container for Lua scripts management commands.", "<subcommand>"};
  script.subcommands = {
      {"script|exists", -3, kCmdNoscript, 0, 0, 0, script_exists_command, "scripting", "2.6.0",
       "Determines whether server-side Lua scripts exist in the script cache.", "sha1 [sha1 ...]"},
      {"script|flush", -2, kCmdNoscript, 0, 0, 0, script_flush_command, "scripting", "2.6.0",
       "Removes all server-side Lua scripts from the script cache.", "[ASYNC | SYNC]"},
      {"script|kill", 2, kCmdNoscript | kCmdAllowBusy, 0, 0, 0, script_kill_command, "scripting",
       "2.6.0", "Terminates a server-side Lua script during execution.", ""},
      // kCmdScript: compiling uses the VM, so it runs where scripts run.
      {"script|load", 3, kCmdNoscript | kCmdStale | kCmdScript, 0, 0, 0, script_load_command, "scripting",
       "2.6.0", "Loads a server-side Lua script to the script cache.", "script"},
      {"script|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, script_help_command, "scripting",
       "5.0.0", "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(script));
}

}  // namespace shardis
