// Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT,
// SHUTDOWN. They run in the connection (kCmdConnection) because they read or
// change its Session; what they need of the wider server goes through
// ServerHooks.

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cctype>

#include "protocol/text.hpp"
#include "engine/command.hpp"
#include "engine/connection_family.hpp"
#include "engine/errors.hpp"
#include "engine/pubsub.hpp"

namespace shardis {

std::string_view redis_version() { return "7.2.4"; }

namespace {

// ---------------------------------------------------------------------------
// Helpers

// Client names and library infos are printed in CLIENT LIST, so Redis
// rejects anything outside '!'..'~' (spaces and newlines included).
bool valid_client_text(std::string_view s) {
  for (char c : s)
    if (c < '!' || c > '~') return false;
  return true;
}

constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// Checks user/password against the default user. Returns "" or the error.
std::string_view check_credentials(ExecContext& ctx, std::string_view user, std::string_view pass) {
  const std::string required = ctx.server.config.requirepass();
  if (user != "default") return err::kWrongPass;
  if (!required.empty() && pass != required) return err::kWrongPass;
  return {};
}

// ---------------------------------------------------------------------------
// Commands

void ping_command(ExecContext& ctx, Args& args) {
  if (args.size() > 2) {
    ctx.reply.error(err::wrong_arity("ping"));
  } else if (ctx.session.resp == 2 && ctx.session.subscriber && ctx.session.subscriber->subscribed()) {
    // A subscribed RESP2 client reads every reply as a push: Redis answers
    // in the shape of one.
    ctx.reply.array(2);
    ctx.reply.bulk("pong");
    ctx.reply.bulk(args.size() == 2 ? std::string_view(args[1]) : std::string_view());
  } else if (args.size() == 2) {
    ctx.reply.bulk(args[1]);
  } else {
    ctx.reply.simple("PONG");
  }
}

void echo_command(ExecContext& ctx, Args& args) { ctx.reply.bulk(args[1]); }

void auth_command(ExecContext& ctx, Args& args) {
  if (args.size() > 3) {
    ctx.reply.error(err::kSyntax);
    return;
  }
  std::string_view user = "default";
  std::string_view pass = args[1];
  if (args.size() == 2) {
    if (ctx.server.config.requirepass().empty()) {
      ctx.reply.error(err::kAuthNotConfigured);
      return;
    }
  } else {
    user = args[1];
    pass = args[2];
  }
  std::string_view failure = check_credentials(ctx, user, pass);
  if (!failure.empty()) {
    ctx.reply.error(failure);
    return;
  }
  ctx.session.authenticated = true;
  ctx.reply.ok();
}

void hello_command(ExecContext& ctx, Args& args) {
  int64_t ver = 0;
  size_t next = 1;
  if (args.size() >= 2) {
    if (!string_to_ll(args[1], &ver)) {
      ctx.reply.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    next = 2;
    if (ver < 2 || ver > 3) {
      ctx.reply.error(err::kNoProto);
      return;
    }
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t j = next; j < args.size(); ++j) {
    const size_t more = args.size() - j - 1;
    if (iequals(args[j], "AUTH") && more >= 2) {
      has_auth = true;
      user = args[j + 1];
      pass = args[j + 2];
      j += 2;
    } else if (iequals(args[j], "SETNAME") && more >= 1) {
      has_name = true;
      name = args[j + 1];
      j += 1;
    } else {
      ctx.reply.error("ERR Syntax error in HELLO option '" + args[j] + "'");
      return;
    }
  }
  if (has_auth) {
    std::string_view failure = check_credentials(ctx, user, pass);
    if (!failure.empty()) {
      ctx.reply.error(failure);
      return;
    }
    ctx.session.authenticated = true;
  }
  if (!ctx.session.authenticated) {
    ctx.reply.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  if (has_name) {
    if (!valid_client_text(name)) {
      ctx.reply.error(kBadClientName);
      return;
    }
    ctx.session.name = std::string(name);
  }
  if (ver != 0) {
    ctx.session.resp = static_cast<int>(ver);
    ctx.reply.set_resp(ctx.session.resp);
    if (ctx.session.subscriber) ctx.session.subscriber->set_resp(ctx.session.resp);
  }
  protocol::ReplyWriter& w = ctx.reply;
  w.map(7);
  w.bulk("server");
  w.bulk("redis");
  w.bulk("version");
  w.bulk(redis_version());
  w.bulk("proto");
  w.integer(ctx.session.resp);
  w.bulk("id");
  w.integer(static_cast<int64_t>(ctx.session.id));
  w.bulk("mode");
  w.bulk("standalone");
  w.bulk("role");
  w.bulk("master");
  w.bulk("modules");
  w.array(0);
}

void select_command(ExecContext& ctx, Args& args) {
  int64_t index;
  if (!string_to_ll(args[1], &index) || index < INT32_MIN || index > INT32_MAX) {
    ctx.reply.error(err::kNotInteger);
    return;
  }
  if (index < 0 || index >= ctx.shards.databases()) {
    ctx.reply.error(err::kDbIndex);
    return;
  }
  ctx.session.db = static_cast<int>(index);
  ctx.reply.ok();
}

void quit_command(ExecContext& ctx, Args&) {
  ctx.session.close_after_reply = true;
  ctx.reply.ok();
}

void reset_command(ExecContext& ctx, Args&) {
  ctx.session.db = 0;
  ctx.session.resp = 2;
  ctx.reply.set_resp(2);
  ctx.session.name.clear();
  ctx.session.no_evict = false;
  ctx.session.no_touch = false;
  ctx.session.multi.reset();
  ctx.session.watch.reset();
  if (ctx.session.subscriber) {
    write_own_messages(ctx);
    ctx.server.pubsub.unsubscribe_all(*ctx.session.subscriber);
    ctx.session.subscriber->set_resp(2);
  }
  ctx.session.authenticated = ctx.server.config.requirepass().empty();
  ctx.reply.simple("RESET");
}

void shutdown_command(ExecContext& ctx, Args& args) {
  bool save = true;
  for (size_t j = 1; j < args.size(); ++j) {
    if (iequals(args[j], "NOSAVE")) {
      save = false;
    } else if (iequals(args[j], "SAVE") || iequals(args[j], "NOW") || iequals(args[j], "FORCE")) {
      continue;
    } else if (iequals(args[j], "ABORT")) {
      ctx.reply.error("ERR No shutdown in progress.");
      return;
    } else {
      ctx.reply.error(err::kSyntax);
      return;
    }
  }
  // A script past busy-reply-threshold: only SHUTDOWN NOSAVE, which stops
  // the script, written or not, so the server can go down.
  ScriptStatus& script = ctx.server.script_status;
  if (script.busy.load(std::memory_order_acquire)) {
    if (save) {
      ctx.reply.error(err::kBusyScript);
      return;
    }
    script.kill.store(true, std::memory_order_release);
  }
  // No reply: as in Redis, the client sees the connection close.
  ctx.session.close_after_reply = true;
  ctx.server.hooks->shutdown(save);
}

// ---------------------------------------------------------------------------
// CLIENT

void client_id_command(ExecContext& ctx, Args&) { ctx.reply.integer(static_cast<int64_t>(ctx.session.id)); }

void client_setname_command(ExecContext& ctx, Args& args) {
  if (!valid_client_text(args[2])) {
    ctx.reply.error(kBadClientName);
    return;
  }
  ctx.session.name = args[2];
  ctx.reply.ok();
}

void client_getname_command(ExecContext& ctx, Args&) {
  if (ctx.session.name.empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.bulk(ctx.session.name);
  }
}

void client_setinfo_command(ExecContext& ctx, Args& args) {
  const bool is_name = iequals(args[2], "LIB-NAME");
  if (!is_name && !iequals(args[2], "LIB-VER")) {
    ctx.reply.error("ERR Unrecognized option '" + args[2] + "'");
    return;
  }
  if (!valid_client_text(args[3])) {
    ctx.reply.error(std::string("ERR ") + (is_name ? "lib-name" : "lib-ver") +
                    " cannot contain spaces, newlines or special characters.");
    return;
  }
  (is_name ? ctx.session.lib_name : ctx.session.lib_ver) = args[3];
  ctx.reply.ok();
}

void client_info_command(ExecContext& ctx, Args&) {
  ctx.reply.verbatim(client_info_line(ctx.session, ctx.now_ms) + "\n");
}

void client_list_command(ExecContext& ctx, Args& args) {
  std::vector<uint64_t> ids;
  for (size_t j = 2; j < args.size(); ++j) {
    if (iequals(args[j], "TYPE") && j + 1 < args.size()) {
      const std::string& t = args[++j];
      if (!iequals(t, "normal") && !iequals(t, "master") && !iequals(t, "replica") &&
          !iequals(t, "pubsub")) {
        ctx.reply.error("ERR Unknown client type '" + t + "'");
        return;
      }
      if (!iequals(t, "normal")) {
        ctx.reply.verbatim("");
        return;
      }
    } else if (iequals(args[j], "ID") && j + 1 < args.size()) {
      for (++j; j < args.size(); ++j) {
        int64_t id;
        if (!string_to_ll(args[j], &id) || id <= 0) {
          ctx.reply.error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.reply.error(err::kSyntax);
      return;
    }
  }
  std::string out;
  for (const std::string& line : ctx.server.hooks->client_list(ctx.session)) {
    if (!ids.empty()) {
      // Lines start with "id=<n> ".
      uint64_t id = std::strtoull(line.c_str() + 3, nullptr, 10);
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    }
    out.append(line);
    out.push_back('\n');
  }
  ctx.reply.verbatim(out);
}

void client_kill_command(ExecContext& ctx, Args& args) {
  ServerHooks::KillFilter f;
  f.my_id = ctx.session.id;
  if (args.size() == 3) {
    // Old form: CLIENT KILL addr:port, replies OK or an error.
    f.addr = args[2];
    f.skip_me = false;
    if (ctx.server.hooks->client_kill(f) == 0) {
      ctx.reply.error("ERR No such client");
    } else {
      ctx.reply.ok();
    }
    return;
  }
  if ((args.size() - 2) % 2 != 0) {
    ctx.reply.error(err::kSyntax);
    return;
  }
  for (size_t j = 2; j + 1 < args.size(); j += 2) {
    const std::string& opt = args[j];
    const std::string& val = args[j + 1];
    if (iequals(opt, "ID")) {
      int64_t id;
      if (!string_to_ll(val, &id) || id <= 0) {
        ctx.reply.error("ERR client-id should be greater than 0");
        return;
      }
      f.id = id;
    } else if (iequals(opt, "ADDR")) {
      f.addr = val;
    } else if (iequals(opt, "LADDR")) {
      f.laddr = val;
    } else if (iequals(opt, "USER")) {
      f.user = val;
    } else if (iequals(opt, "TYPE")) {
      if (!iequals(val, "normal") && !iequals(val, "master") && !iequals(val, "replica") &&
          !iequals(val, "slave") && !iequals(val, "pubsub")) {
        ctx.reply.error("ERR Unknown client type '" + val + "'");
        return;
      }
    } else if (iequals(opt, "SKIPME")) {
      if (iequals(val, "yes")) {
        f.skip_me = true;
      } else if (iequals(val, "no")) {
        f.skip_me = false;
      } else {
        ctx.reply.error(err::kSyntax);
        return;
      }
    } else {
      ctx.reply.error(err::kSyntax);
      return;
    }
  }
  ctx.reply.integer(ctx.server.hooks->client_kill(f));
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: the reason is checked before
// the id, as in Redis.
void client_unblock_command(ExecContext& ctx, Args& args) {
  if (args.size() > 4) {
    ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" + args[1] +
                    "'. Try CLIENT HELP.");
    return;
  }
  bool error = false;
  if (args.size() == 4) {
    error = iequals(args[3], "error");
    if (!error && !iequals(args[3], "timeout")) {
      ctx.reply.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id;
  if (!string_to_ll(args[2], &id)) {
    ctx.reply.error(err::kNotInteger);
    return;
  }
  const bool unblocked = id > 0 && ctx.server.hooks->client_unblock(static_cast<uint64_t>(id), error);
  ctx.reply.integer(unblocked ? 1 : 0);
}

void on_off_command(ExecContext& ctx, const std::string& arg, bool* flag) {
  if (iequals(arg, "on")) {
    *flag = true;
  } else if (iequals(arg, "off")) {
    *flag = false;
  } else {
    ctx.reply.error(err::kSyntax);
    return;
  }
  ctx.reply.ok();
}

void client_no_evict_command(ExecContext& ctx, Args& args) {
  on_off_command(ctx, args[2], &ctx.session.no_evict);
}

void client_no_touch_command(ExecContext& ctx, Args& args) {
  on_off_command(ctx, args[2], &ctx.session.no_touch);
}

void client_help_command(ExecContext& ctx, Args&) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
      "    USER <username>, TYPE normal|master|replica|pubsub, SKIPME yes|no.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE, ID.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "NO-TOUCH (ON|OFF)",
      "    Will not touch LRU/LFU stats when this mode is on.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.array(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.simple(l);
}

constexpr uint32_t kConn = kCmdConnection;

}  // namespace

std::string client_info_line(const Session& s, int64_t now_ms) {
  std::string line;
  line.reserve(256);
  auto field = [&](std::string_view k, std::string_view v) {
    if (!line.empty()) line.push_back(' ');
    line.append(k);
    line.push_back('=');
    line.append(v);
  };
  const int64_t age = (now_ms - s.created_ms) / 1000;
  const int64_t idle = (now_ms - s.last_interaction_ms) / 1000;
  field("id", std::to_string(s.id));
  field("addr", s.addr);
  field("laddr", s.laddr);
  field("fd", std::to_string(s.fd));
  field("name", s.name);
  field("age", std::to_string(age < 0 ? 0 : age));
  field("idle", std::to_string(idle < 0 ? 0 : idle));
  // In Redis's order; N alone for none.
  auto listed = [&](PubSubKind kind) { return s.subscriber ? s.subscriber->listed(kind) : 0; };
  const size_t subs = listed(PubSubKind::kChannel), psubs = listed(PubSubKind::kPattern),
               ssubs = listed(PubSubKind::kShard);
  std::string flags;
  if (subs + psubs + ssubs > 0) flags.push_back('P');
  if (s.blocked) flags.push_back('b');
  if (s.no_evict) flags.push_back('e');
  if (s.no_touch) flags.push_back('T');
  field("flags", flags.empty() ? "N" : flags);
  field("db", std::to_string(s.db));
  field("sub", std::to_string(subs));
  field("psub", std::to_string(psubs));
  field("ssub", std::to_string(ssubs));
  field("multi", "-1");
  field("qbuf", "0");
  field("qbuf-free", "0");
  field("argv-mem", "0");
  field("multi-mem", "0");
  field("rbs", "0");
  field("rbp", "0");
  field("obl", "0");
  field("oll", "0");
  field("omem", "0");
  field("tot-mem", "0");
  field("events", "r");
  field("cmd", s.last_command.empty() ? "NULL" : s.last_command);
  field("user", "default");
  field("redir", "-1");
  field("resp", std::to_string(s.resp));
  field("lib-name", s.lib_name);
  field("lib-ver", s.lib_ver);
  return line;
}

void add_connection_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kFastConn = kConn | kCmdFast;
  out.push_back({"ping", -1, kFastConn, 0, 0, 0, ping_command, "connection", "1.0.0",
                 "Returns the server's liveliness response.", "[message]"});
  out.push_back({"echo", 2, kFastConn, 0, 0, 0, echo_command, "connection", "1.0.0",
                 "Returns the given string.", "message"});
  out.push_back({"auth", -2, kConn | kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                     kCmdAllowBusy,
                 0, 0, 0, auth_command, "connection", "1.0.0", "Authenticates the connection.",
                 "[username] password"});
  out.push_back({"hello", -1, kConn | kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                     kCmdAllowBusy,
                 0, 0, 0, hello_command, "connection", "6.0.0", "Handshakes with the Redis server.",
                 "[protover [AUTH username password] [SETNAME clientname]]"});
  out.push_back({"select", 2, kConn | kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, select_command,
                 "connection", "1.0.0", "Changes the selected database.", "index"});
  out.push_back({"quit", -1, kConn | kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                     kCmdAllowBusy | kCmdTxControl,
                 0, 0, 0, quit_command, "connection", "1.0.0", "Closes the connection.", ""});
  out.push_back({"reset", 1, kConn | kCmdNoscript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                     kCmdAllowBusy | kCmdTxControl,
                 0, 0, 0, reset_command, "connection", "6.2.0", "Resets the connection.", ""});
  out.push_back({"shutdown", -1, kConn | kCmdAdmin | kCmdNoscript | kCmdLoading | kCmdStale |
                     kCmdNoMulti | kCmdAllowBusy,
                 0, 0, 0, shutdown_command, "server", "1.0.0",
                 "Synchronously saves the database(s) to disk and shuts down the Redis server.",
                 "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"});

  const uint32_t kClientFlags = kConn | kCmdNoscript | kCmdLoading | kCmdStale;
  CommandSpec client{"client", -2, kClientFlags, 0, 0, 0, nullptr, "connection", "2.4.0",
                     "A container for client connection commands.", "<subcommand>"};
  client.subcommands = {
      {"client|id", 2, kClientFlags, 0, 0, 0, client_id_command, "connection", "5.0.0",
       "Returns the unique client ID of the connection.", ""},
      {"client|setname", 3, kClientFlags, 0, 0, 0, client_setname_command, "connection", "2.6.9",
       "Sets the connection name.", "connection-name"},
      {"client|getname", 2, kClientFlags, 0, 0, 0, client_getname_command, "connection", "2.6.9",
       "Returns the name of the connection.", ""},
      {"client|setinfo", 4, kClientFlags, 0, 0, 0, client_setinfo_command, "connection", "7.2.0",
       "Sets information specific to the client or connection.",
       "<LIB-NAME libname | LIB-VER libver>"},
      {"client|info", 2, kClientFlags, 0, 0, 0, client_info_command, "connection", "6.2.0",
       "Returns information about the connection.", ""},
      {"client|list", -2, kClientFlags | kCmdAdmin, 0, 0, 0, client_list_command, "connection",
       "2.4.0", "Lists open connections.",
       "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]"},
      {"client|kill", -3, kClientFlags | kCmdAdmin, 0, 0, 0, client_kill_command, "connection",
       "2.4.0", "Terminates open connections.",
       "<ip:port | <[ID client-id] | [TYPE type] | [USER username] | [ADDR ip:port] | "
       "[LADDR ip:port] | [SKIPME <YES | NO>]> [...]>"},
      {"client|no-evict", 3, kClientFlags | kCmdAdmin, 0, 0, 0, client_no_evict_command,
       "connection", "7.0.0", "Sets the client eviction mode of the connection.", "<ON | OFF>"},
      {"client|no-touch", 3, kClientFlags, 0, 0, 0, client_no_touch_command, "connection", "7.2.0",
       "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
       "<ON | OFF>"},
      {"client|unblock", -3, kClientFlags | kCmdAdmin, 0, 0, 0, client_unblock_command,
       "connection", "5.0.0",
       "Unblocks a client blocked by a blocking command from another connection.",
       "client-id [TIMEOUT | ERROR]"},
      {"client|help", 2, kClientFlags, 0, 0, 0, client_help_command, "connection", "5.0.0",
       "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(client));
}

}  // namespace shardis
