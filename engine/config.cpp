#include "engine/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/glob.hpp"
#include "engine/notify.hpp"
#include "protocol/text.hpp"
#include "spdlog/spdlog.h"

namespace shardis {

namespace {

// ---------------------------------------------------------------------------
// The parameter table

constexpr int64_t kIntMax = INT32_MAX;    // Redis's "int" configs
constexpr int64_t kUIntMax = UINT32_MAX;  // Redis's "unsigned int" configs

const std::vector<ConfigParam>& param_table() {
  static const std::vector<ConfigParam> table = {
      {"appendonly", ParamType::kBool, "no", true,
       "Accepted for compatibility with tools that read it; shardis persists with LMDB "
       "checkpoints, not an append-only file."},
      {"bind", ParamType::kString, "127.0.0.1", false,
       "Addresses to listen on, separated by spaces."},
      {"busy-poll-us", ParamType::kInt, "50", true,
       "Most microseconds the I/O thread keeps polling its sockets after a read before it "
       "sleeps, and never longer than it has been reading since it last slept; 0 sleeps at "
       "once. Polling spares clients the wake-up of a sleeping server under load.",
       0, 1000000},
      {"busy-reply-threshold", ParamType::kInt, "5000", true,
       "Milliseconds a script may run before other clients get -BUSY and SCRIPT KILL "
       "becomes possible (alias: lua-time-limit).",
       0, INT64_MAX},
      {"checkpoint-corrupt",
       ParamType::kEnum,
       "refuse",
       true,
       "What start-up does with a checkpoint that fails verification: 'refuse' to start, or "
       "'quarantine' it (moved aside, never deleted) and start empty.",
       0,
       INT64_MAX,
       {"refuse", "quarantine"}},
      {"checkpoint-map-size", ParamType::kMemory, "67108864", true,
       "Initial LMDB map size of the checkpoint file; it grows (doubling) when full.",
       1024 * 1024, INT64_MAX},
      {"checkpoint-max-map-size", ParamType::kMemory, "0", true,
       "Largest the LMDB map may grow to; 0 = no limit. A checkpoint that needs more fails "
       "and leaves the previous one intact.",
       0, INT64_MAX},
      {"checkpoint-restore", ParamType::kBool, "yes", true,
       "Load the checkpoint in dir at start-up."},
      {"client-output-buffer-limit", ParamType::kString,
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", true,
       "Output buffer limits per client class: <class> <hard> <soft> <soft-seconds> ...; a "
       "client past the hard limit, or past the soft limit for soft-seconds, is disconnected. "
       "Enforced for the pubsub class; the normal and slave limits are stored only."},
      {"client-query-buffer-limit", ParamType::kMemory, "1073741824", true,
       "Largest query buffer of one client.", 1024 * 1024, INT64_MAX},
      {"daemonize", ParamType::kBool, "no", false,
       "Only 'no': shardis runs in the foreground, under a service manager if needed."},
      {"databases", ParamType::kInt, "16", false, "Number of logical databases (SELECT 0..n-1).", 1,
       kIntMax},
      {"dbfilename", ParamType::kString, "dump.shardis", true,
       "File name of the checkpoint inside dir (a protected config: see "
       "enable-protected-configs)."},
      {"dir", ParamType::kString, ".", true,
       "Data directory for checkpoints (a protected config: see enable-protected-configs)."},
      {"enable-protected-configs",
       ParamType::kEnum,
       "no",
       false,
       "Whether CONFIG SET may change protected configs (dir, dbfilename). 'local' is "
       "treated as 'yes'.",
       0,
       INT64_MAX,
       {"no", "yes", "local"}},
      {"hash-max-listpack-entries", ParamType::kInt, "512", true,
       "Most fields a hash keeps in the compact listpack encoding; a write that leaves it with "
       "more makes it a hashtable for good (alias: hash-max-ziplist-entries).",
       0, INT64_MAX},
      {"hash-max-listpack-value", ParamType::kMemory, "64", true,
       "Longest field or value, in bytes, a hash keeps in the listpack encoding (alias: "
       "hash-max-ziplist-value).",
       0, INT64_MAX},
      {"hz", ParamType::kInt, "10", true,
       "Frequency of background tasks (active expiry, rehashing), in Hz; used clamped to "
       "1..500.",
       0, kIntMax},
      {"latency-tracking", ParamType::kBool, "yes", true, "Accepted for compatibility."},
      {"lfu-decay-time", ParamType::kInt, "1", true, "Accepted for compatibility.", 0, kIntMax},
      {"lfu-log-factor", ParamType::kInt, "10", true, "Accepted for compatibility.", 0, kIntMax},
      {"list-max-listpack-size", ParamType::kInt, "-2", true,
       "Largest node of a list: -1..-5 cap it at 4, 8, 16, 32 or 64 KB (lower counts as -5), "
       "a positive value at that many elements (and 8 KB). Applies to lists created after it "
       "is set (alias: list-max-ziplist-size).",
       INT32_MIN, kIntMax},
      {"logfile", ParamType::kString, "", false, "Log file; empty logs to standard error."},
      {"loglevel",
       ParamType::kEnum,
       "notice",
       true,
       "Log verbosity.",
       0,
       INT64_MAX,
       {"debug", "verbose", "notice", "warning"}},
      {"lua-strict-keys", ParamType::kBool, "no", true,
       "Reject a script's access to keys it did not declare in KEYS. With shard-placement "
       "pool, a script then holds only its declared keys' shards instead of every shard."},
      {"maxclients", ParamType::kInt, "10000", true,
       "Most clients connected at once; further connections are refused.", 1, kUIntMax},
      {"maxmemory", ParamType::kMemory, "0", true,
       "Memory limit for the data set; 0 means no limit. Stored only: no limit is enforced "
       "yet.", 0, INT64_MAX},
      {"maxmemory-policy",
       ParamType::kEnum,
       "noeviction",
       true,
       "What to do when maxmemory is reached. Stored only (OBJECT FREQ reads it).",
       0,
       INT64_MAX,
       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
        "allkeys-lfu", "allkeys-random", "noeviction"}},
      {"notify-keyspace-events", ParamType::kString, "", true,
       "Keyspace notification classes, as in Redis ('Ag$lshzxeKEtmdn'); empty disables them."},
      {"port", ParamType::kInt, "6379", false, "TCP port to listen on; 0 picks a free port.", 0,
       65535},
      {"protected-mode", ParamType::kBool, "yes", true, "Accepted for compatibility."},
      {"proto-max-bulk-len", ParamType::kMemory, "536870912", true,
       "Largest bulk string a client may send.", 1024 * 1024, INT64_MAX},
      {"requirepass", ParamType::kString, "", true,
       "Password of the default user; empty means no authentication."},
      {"save", ParamType::kSave, "3600 1 300 100 60 10000", true,
       "Checkpoint rules: pairs of <seconds> <changes>; a background checkpoint starts when "
       "at least <changes> writes happened and the last checkpoint is more than <seconds> "
       "old. With rules, SHUTDOWN, SIGTERM and an embedded close() write a final "
       "checkpoint. Empty disables both."},
      {"set-max-intset-entries", ParamType::kInt, "512", true,
       "Most members a set of integers keeps in the compact intset encoding; a longer set, or "
       "one given a non-integer member, becomes a hashtable.",
       0, INT64_MAX},
      {"shard-placement",
       ParamType::kEnum,
       "io",
       false,
       "Where shard actors run: 'io' on the I/O thread (Redis's single-threaded model, lowest "
       "latency), 'pool' on the worker pool (scales with cores).",
       0,
       INT64_MAX,
       {"io", "pool"}},
      {"shards", ParamType::kInt, "0", false,
       "Number of keyspace shards; 0 means one per hardware thread.", 0, 1024},
      {"slowlog-log-slower-than", ParamType::kInt, "10000", true,
       "Microseconds above which a command is logged in SLOWLOG; -1 disables, 0 logs all. "
       "Stored only: SLOWLOG is not available yet.", -1,
       INT64_MAX},
      {"slowlog-max-len", ParamType::kInt, "128", true,
       "Entries kept in SLOWLOG. Stored only: SLOWLOG is not available yet.", 0, INT64_MAX},
      {"tcp-backlog", ParamType::kInt, "511", false, "Accepted for compatibility: CAF sets the listen backlog.", 0,
       kIntMax},
      {"tcp-keepalive", ParamType::kInt, "300", true,
       "Idle seconds before TCP keepalive probes start on a new client connection (then every "
       "third of that, 3 probes); 0 disables them.", 0, kIntMax},
      {"timeout", ParamType::kInt, "0", true,
       "Seconds of inactivity after which a client is disconnected (checked every second); 0 "
       "never.", 0, kIntMax},
      {"zset-max-listpack-entries", ParamType::kInt, "128", true,
       "Most members a sorted set keeps in the compact listpack encoding; adding one more "
       "makes it a skiplist for good (alias: zset-max-ziplist-entries).",
       0, INT64_MAX},
      {"zset-max-listpack-value", ParamType::kMemory, "64", true,
       "Longest member, in bytes, a sorted set keeps in the listpack encoding (alias: "
       "zset-max-ziplist-value).",
       0, INT64_MAX},
  };
  return table;
}

// Alternative names CONFIG GET/SET also accept, as Redis's aliases.
struct Alias {
  std::string_view alias;
  std::string_view name;
};
constexpr Alias kAliases[] = {{"lua-time-limit", "busy-reply-threshold"},
                              {"list-max-ziplist-size", "list-max-listpack-size"},
                              {"hash-max-ziplist-entries", "hash-max-listpack-entries"},
                              {"hash-max-ziplist-value", "hash-max-listpack-value"},
                              {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
                              {"zset-max-ziplist-value", "zset-max-listpack-value"}};

// Redis 7 refuses CONFIG SET of these unless enable-protected-configs allows
// it: they decide where the server writes files.
constexpr std::string_view kProtected[] = {"dbfilename", "dir"};

// Parameters that take several arguments on a config file line.
constexpr std::string_view kMultiArg[] = {"bind", "client-output-buffer-limit", "save"};

template <class Range>
bool contains(const Range& r, std::string_view v) {
  return std::find(std::begin(r), std::end(r), v) != std::end(r);
}

// strtoll that must consume the whole token, as Redis's save and
// client-output-buffer-limit parsers require.
bool parse_loose_int(const std::string& s, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t sp = s.find(' ', start);
    out.emplace_back(s.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out.push_back(' ');
    out += p;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Validation: each returns "" and the value as CONFIG GET prints it, or the
// reason Redis gives.

std::string validate_save(std::string_view value, std::string* normalized) {
  std::vector<std::string> args = split_spaces(value);
  if (args.size() & 1) return "Invalid save parameters";
  std::vector<std::string> out;
  for (size_t j = 0; j < args.size(); ++j) {
    int64_t v;
    if (!parse_loose_int(args[j], &v) || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0))
      return "Invalid save parameters";
    out.push_back(std::to_string(v));
  }
  *normalized = join(out);
  return "";
}

// Bits of notify-keyspace-events, in the order Redis prints them.
constexpr std::string_view kNotifyTypeChars = "g$lshzxetdn";
constexpr std::string_view kNotifyAllChars = "g$lshzxetd";  // what 'A' stands for

std::string validate_notify(std::string_view value, std::string* normalized) {
  std::string set;
  for (char c : value) {
    if (c == 'A') {
      set += kNotifyAllChars;
    } else if (kNotifyTypeChars.find(c) != std::string_view::npos || c == 'K' || c == 'E' ||
               c == 'm') {
      set.push_back(c);
    } else {
      return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    }
  }
  auto has = [&](char c) { return set.find(c) != std::string::npos; };
  std::string out;
  const bool all = std::all_of(kNotifyAllChars.begin(), kNotifyAllChars.end(), has);
  if (all) {
    out = "A";
  } else {
    for (char c : kNotifyTypeChars)
      if (has(c)) out.push_back(c);
  }
  for (char c : std::string_view("KEm"))
    if (has(c)) out.push_back(c);
  *normalized = out;
  return "";
}

// client-output-buffer-limit: only the classes named change; the others
// keep their current limits.
std::string validate_obuf(std::string_view value, std::string_view current,
                          std::string* normalized) {
  static constexpr std::string_view kClasses[] = {"normal", "slave", "pubsub"};
  std::vector<std::string> args = split_spaces(value);
  if (args.size() % 4) return "Wrong number of arguments in buffer limit configuration.";
  std::vector<std::string> cur = split_spaces(current);
  for (size_t j = 0; j < args.size(); j += 4) {
    std::string cls = to_lower(args[j]);
    if (cls == "replica") cls = "slave";
    if (!contains(kClasses, cls))
      return "Invalid client class specified in buffer limit configuration.";
    auto hard = parse_memory(args[j + 1]);
    auto soft = parse_memory(args[j + 2]);
    int64_t seconds;
    if (!hard || !soft || !parse_loose_int(args[j + 3], &seconds) || seconds < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    for (size_t k = 0; k + 3 < cur.size(); k += 4) {
      if (cur[k] != cls) continue;
      cur[k + 1] = std::to_string(*hard);
      cur[k + 2] = std::to_string(*soft);
      cur[k + 3] = std::to_string(seconds);
    }
  }
  *normalized = join(cur);
  return "";
}

std::string validate_string(const ConfigParam& p, std::string_view value, std::string_view current,
                            bool at_startup, std::string* normalized) {
  if (p.name == "notify-keyspace-events") return validate_notify(value, normalized);
  if (p.name == "client-output-buffer-limit") return validate_obuf(value, current, normalized);
  if (p.name == "dbfilename" && value.find('/') != std::string_view::npos)
    return "dbfilename can't be a path, just a filename";
  if (p.name == "bind") {
    std::vector<std::string> addrs = split_spaces(value);
    if (addrs.size() > 16) return "Too many bind addresses specified.";
  }
  // As Redis chdirs at CONFIG SET dir; at startup the server creates it.
  if (p.name == "dir" && !at_startup) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::string(value), ec)) return std::strerror(ENOENT);
  }
  *normalized = std::string(value);
  return "";
}

std::string validate(const ConfigParam& p, std::string_view value, std::string_view current,
                     bool at_startup, std::string* normalized) {
  switch (p.type) {
    case ParamType::kBool: {
      const std::string v = to_lower(value);
      if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
      if (p.name == "daemonize" && v == "yes")
        return "daemonize yes is not supported: shardis runs in the foreground";
      *normalized = v;
      return "";
    }
    case ParamType::kInt:
    case ParamType::kMemory: {
      int64_t v;
      if (p.type == ParamType::kMemory) {
        auto m = parse_memory(value);
        if (!m) return "argument must be a memory value";
        v = *m;
      } else if (!string_to_ll(value, &v)) {
        return "argument couldn't be parsed into an integer";
      }
      if (v < p.min || v > p.max)
        return "argument must be between " + std::to_string(p.min) + " and " +
               std::to_string(p.max) + " inclusive";
      *normalized = std::to_string(v);
      return "";
    }
    case ParamType::kEnum: {
      for (std::string_view e : p.enum_values) {
        if (iequals(e, value)) {
          *normalized = std::string(e);
          return "";
        }
      }
      std::string err = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < p.enum_values.size(); ++i) {
        if (i) err += ", ";
        err += p.enum_values[i];
      }
      return err;
    }
    case ParamType::kSave:
      return validate_save(value, normalized);
    case ParamType::kString:
      return validate_string(p, value, current, at_startup, normalized);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Config file lines

// A config file line, split as Redis's sdssplitargs does.
bool split_line(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  return split_args(line, [out]() -> std::string& { return out->emplace_back(); });
}

std::string trim(std::string_view s) {
  constexpr std::string_view kWs = " \t\r\n";
  const size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(kWs);
  return std::string(s.substr(b, e - b + 1));
}

std::string_view type_name(const ConfigParam& p) {
  switch (p.type) {
    case ParamType::kBool:
      return "yes|no";
    case ParamType::kInt:
      return "integer";
    case ParamType::kMemory:
      return "bytes";
    case ParamType::kString:
      return "string";
    case ParamType::kEnum:
      return "enum";
    case ParamType::kSave:
      return "save rules";
  }
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------
// ConfigStore

ConfigStore::ConfigStore() {
  for (const ConfigParam& p : params())
    values_.emplace_back(std::string(p.name), std::string(p.default_value));
  std::sort(values_.begin(), values_.end());
  for (const auto& [name, value] : values_) refresh_cache(name, value, value);
}

const std::vector<ConfigParam>& ConfigStore::params() {
  return param_table();
}

const ConfigParam* ConfigStore::find(std::string_view name) {
  const std::string key = to_lower(name);
  for (const Alias& a : kAliases)
    if (a.alias == key) return find(a.name);
  for (const ConfigParam& p : params())
    if (p.name == key) return &p;
  return nullptr;
}

std::string ConfigStore::set(std::string_view name, std::string_view value, bool at_startup) {
  const ConfigParam* p = find(name);
  if (!p) return "Unknown option";
  std::lock_guard lock(mu_);
  auto it = std::lower_bound(values_.begin(), values_.end(), p->name,
                             [](const auto& kv, std::string_view n) { return kv.first < n; });
  if (!at_startup) {
    if (!p->mutable_at_runtime) return "can't set immutable config";
    if (contains(kProtected, p->name)) {
      auto prot = std::lower_bound(values_.begin(), values_.end(),
                                   std::string_view("enable-protected-configs"),
                                   [](const auto& kv, std::string_view n) { return kv.first < n; });
      if (prot->second == "no") return "can't set protected config";
    }
  }
  std::string normalized;
  std::string err = validate(*p, value, it->second, at_startup, &normalized);
  if (!err.empty()) return err;
  it->second = normalized;
  refresh_cache(it->first, it->second, value);
  apply_log_level(it->first, it->second);
  return "";
}

std::string ConfigStore::set_many(
    const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  // Names first, as Redis: the first unknown, immutable, protected or
  // repeated name fails the whole command before any value is looked at.
  std::vector<const ConfigParam*> found;
  std::vector<std::string> entry_names;
  for (const auto& [name, value] : pairs) {
    const ConfigParam* p = find(name);
    if (!p)
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
             "'";
    const std::string prefix =
        "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - ";
    if (!p->mutable_at_runtime) return prefix + "can't set immutable config";
    if (contains(kProtected, p->name) && get("enable-protected-configs") == "no")
      return prefix + "can't set protected config";
    const std::string entry = to_lower(name);
    if (std::find(entry_names.begin(), entry_names.end(), entry) != entry_names.end())
      return prefix + "duplicate parameter";
    found.push_back(p);
    entry_names.push_back(entry);
  }
  // Then values: validation has no side effects, so every value is checked
  // before any is stored and a failure leaves the configuration untouched.
  std::lock_guard lock(mu_);
  std::vector<std::string> normalized(pairs.size());
  std::vector<std::pair<std::string, std::string>> next = values_;
  for (size_t i = 0; i < pairs.size(); ++i) {
    auto it = std::lower_bound(next.begin(), next.end(), found[i]->name,
                               [](const auto& kv, std::string_view n) { return kv.first < n; });
    std::string err = validate(*found[i], pairs[i].second, it->second, false, &normalized[i]);
    if (!err.empty())
      return "ERR CONFIG SET failed (possibly related to argument '" + entry_names[i] + "') - " +
             err;
    it->second = normalized[i];
  }
  values_ = std::move(next);
  for (size_t i = 0; i < found.size(); ++i) {
    refresh_cache(found[i]->name, normalized[i], pairs[i].second);
    apply_log_level(found[i]->name, normalized[i]);
  }
  return "";
}

std::optional<std::string> ConfigStore::get(std::string_view name) const {
  const ConfigParam* p = find(name);
  if (!p) return std::nullopt;
  std::lock_guard lock(mu_);
  for (const auto& [n, v] : values_)
    if (n == p->name) return v;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ConfigStore::match(
    std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::lock_guard lock(mu_);
  for (const auto& [name, value] : values_)
    if (glob_match(pattern, name, true)) out.emplace_back(name, value);
  for (const Alias& a : kAliases) {
    if (!glob_match(pattern, a.alias, true)) continue;
    for (const auto& [name, value] : values_)
      if (name == a.name) out.emplace_back(std::string(a.alias), value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ConfigStore::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return "Fatal error, can't open config file '" + path + "': " + std::strerror(errno);
  }
  std::string raw, text;
  int linenum = 0;
  bool save_seen = false;
  std::vector<std::string> argv;
  while (std::getline(in, raw)) {
    ++linenum;
    text = trim(raw);
    if (text.empty() || text[0] == '#') continue;
    std::string err;
    if (!split_line(text, &argv)) {
      err = "Unbalanced quotes in configuration line";
    } else if (argv.empty()) {
      continue;
    } else if (const ConfigParam* p = find(argv[0]); !p) {
      err = "Bad directive or wrong number of arguments";
    } else if (!contains(kMultiArg, p->name) && argv.size() != 2) {
      err = "wrong number of arguments";
    } else {
      std::vector<std::string> rest(argv.begin() + 1, argv.end());
      std::string value = join(rest);
      // Several "save" lines add rules; the first one replaces the defaults.
      if (p->name == "save") {
        if (save_seen) {
          const std::string prev = *get("save");
          if (!prev.empty() && !value.empty())
            value = prev + " " + value;
          else if (value.empty())
            value = prev;
        }
        save_seen = true;
      }
      err = set(p->name, value, true);
    }
    if (!err.empty()) {
      return "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line " +
             std::to_string(linenum) + "\n>>> '" + text + "'\n" + err;
    }
  }
  return "";
}

int64_t ConfigStore::get_int(std::string_view name) const {
  auto v = get(name);
  if (!v) return 0;
  if (*v == "yes") return 1;
  int64_t out = 0;
  return string_to_ll(*v, &out) ? out : 0;
}

std::string ConfigStore::requirepass() const {
  return *get("requirepass");
}

spdlog::level::level_enum spdlog_level(std::string_view loglevel) {
  if (loglevel == "debug" || loglevel == "verbose") return spdlog::level::debug;
  if (loglevel == "warning") return spdlog::level::warn;
  return spdlog::level::info;  // notice
}

// Setting loglevel (not the default a store starts with) takes effect at
// once. spdlog's level is process-wide: with several embedded servers in one
// process the last one set wins.
void ConfigStore::apply_log_level(std::string_view name, const std::string& value) {
  if (name == "loglevel") spdlog::set_level(spdlog_level(value));
}

void ConfigStore::refresh_cache(std::string_view name, const std::string& value,
                                std::string_view given) {
  if (name == "notify-keyspace-events") {
    // From the value as given: the printed form drops 'n' next to 'A' (as
    // Redis's does), but the class stays on.
    notify_flags_.store(parse_notify_flags(given), std::memory_order_relaxed);
    return;
  }
  if (name == "client-output-buffer-limit") {
    // Normalized by validate_obuf: "<class> <hard> <soft> <seconds>" x 3.
    const std::vector<std::string> f = split_spaces(value);
    for (size_t k = 0; k + 3 < f.size(); k += 4) {
      if (f[k] != "pubsub") continue;
      pubsub_hard_.store(std::strtoll(f[k + 1].c_str(), nullptr, 10), std::memory_order_relaxed);
      pubsub_soft_.store(std::strtoll(f[k + 2].c_str(), nullptr, 10), std::memory_order_relaxed);
      pubsub_soft_seconds_.store(std::strtoll(f[k + 3].c_str(), nullptr, 10), std::memory_order_relaxed);
    }
    return;
  }
  if (name == "lua-strict-keys") {
    lua_strict_keys_.store(value == "yes", std::memory_order_relaxed);
    return;
  }
  int64_t v = 0;
  if (!string_to_ll(value, &v)) return;
  if (name == "proto-max-bulk-len") {
    proto_max_bulk_len_.store(v, std::memory_order_relaxed);
  } else if (name == "client-query-buffer-limit") {
    qbuf_limit_.store(v, std::memory_order_relaxed);
  } else if (name == "maxclients") {
    maxclients_.store(v, std::memory_order_relaxed);
  } else if (name == "hz") {
    // Redis takes hz as a hint and clamps it to what its cron can do.
    hz_.store(std::clamp<int64_t>(v, 1, 500), std::memory_order_relaxed);
  } else if (name == "busy-poll-us") {
    busy_poll_us_.store(v, std::memory_order_relaxed);
  } else if (name == "busy-reply-threshold") {
    busy_reply_ms_.store(v, std::memory_order_relaxed);
  } else if (name == "set-max-intset-entries") {
    intset_entries_.store(v, std::memory_order_relaxed);
  } else if (name == "list-max-listpack-size") {
    list_listpack_size_.store(v, std::memory_order_relaxed);
  } else if (name == "databases") {
    databases_.store(v, std::memory_order_relaxed);
  } else if (name == "hash-max-listpack-entries") {
    hash_listpack_entries_.store(v, std::memory_order_relaxed);
  } else if (name == "hash-max-listpack-value") {
    hash_listpack_value_.store(v, std::memory_order_relaxed);
  } else if (name == "zset-max-listpack-entries") {
    zset_listpack_entries_.store(v, std::memory_order_relaxed);
  } else if (name == "zset-max-listpack-value") {
    zset_listpack_value_.store(v, std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------------------

std::optional<int64_t> parse_memory(std::string_view s) {
  // As Redis's memtoull: digits then an optional unit; no sign, no spaces.
  // An empty number counts as 0 ("" and "kb" are 0), as in Redis.
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  const std::string unit = to_lower(s.substr(digits));
  int64_t mul;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000 * 1000;
  else if (unit == "mb")
    mul = 1024 * 1024;
  else if (unit == "g")
    mul = 1000LL * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024LL * 1024 * 1024;
  else
    return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (static_cast<uint64_t>(INT64_MAX) - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (v > static_cast<uint64_t>(INT64_MAX / mul)) return std::nullopt;
  return static_cast<int64_t>(v) * mul;
}

std::string config_help_text() {
  std::ostringstream out;
  out << "Configuration parameters. Give them on the command line as --name value, or in a\n"
         "config file (redis.conf syntax) as 'name value' lines; CONFIG GET reads them and\n"
         "CONFIG SET changes those marked 'runtime'. Memory values accept k, kb, m, mb, g, gb.\n\n";
  for (const ConfigParam& p : ConfigStore::params()) {
    out << "  --" << p.name << " <" << type_name(p) << ">";
    if (p.type == ParamType::kEnum) {
      out << " (";
      for (size_t i = 0; i < p.enum_values.size(); ++i) out << (i ? "|" : "") << p.enum_values[i];
      out << ")";
    }
    out << "\n      default: \"" << p.default_value << "\""
        << (p.mutable_at_runtime ? ", runtime" : ", startup only") << "\n      " << p.help << "\n";
  }
  return out.str();
}

}  // namespace shardis
