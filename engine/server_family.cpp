// Server commands: CONFIG, INFO, COMMAND and TIME.
//
// CONFIG and COMMAND are containers (CommandSpec::subcommands); the generic
// check resolves "config|get" and friends before a handler runs. COMMAND's
// replies are generated from the command table, so they describe exactly
// what this server implements. INFO reads every shard's counters and key
// counts, so it runs with all shards held (kCmdAllShards); so does CONFIG
// RESETSTAT, which zeroes the shards' counters.

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/text.hpp"
#include "engine/command.hpp"
#include "engine/connection_family.hpp"
#include "engine/errors.hpp"
#include "engine/glob.hpp"

namespace shardis {

namespace {

// Redis's addReplyHelp: a title line, the container's lines, then HELP.
void reply_help(ExecContext& ctx, std::string_view container,
                const std::vector<std::string_view>& lines) {
  ctx.reply.array(lines.size() + 3);
  ctx.reply.simple(to_upper(container) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) ctx.reply.simple(l);
  ctx.reply.simple("HELP");
  ctx.reply.simple("    Prints this help.");
}

// "config|get" style names resolve to the subcommand, plain names to the
// command, as Redis's lookupCommandBySds.
const CommandSpec* find_any(std::string_view name) {
  const CommandTable& table = CommandTable::instance();
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) return table.find(name);
  const CommandSpec* parent = table.find(name.substr(0, bar));
  if (!parent || name.find('|', bar + 1) != std::string_view::npos) return nullptr;
  return table.find_sub(*parent, name.substr(bar + 1));
}

// ===========================================================================
// CONFIG

void config_get_command(ExecContext& ctx, Args& args) {
  std::vector<std::pair<std::string, std::string>> found;
  std::vector<std::string> seen;  // lower-case names already in the reply
  auto add = [&](std::string name, std::string value) {
    std::string key = to_lower(name);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) return;
    seen.push_back(std::move(key));
    found.emplace_back(std::move(name), std::move(value));
  };
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& pattern = args[i];
    // A plain name is looked up as given and echoed as given, as Redis does.
    if (pattern.find_first_of("[*?") == std::string::npos) {
      if (auto v = ctx.server.config.get(pattern)) add(pattern, std::move(*v));
      continue;
    }
    for (auto& [name, value] : ctx.server.config.match(pattern)) add(name, value);
  }
  ctx.reply.map(found.size());
  for (const auto& [name, value] : found) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

void config_set_command(ExecContext& ctx, Args& args) {
  if (args.size() & 1) {
    ctx.reply.error(err::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < args.size(); i += 2) pairs.emplace_back(args[i], args[i + 1]);
  const std::string error = ctx.server.config.set_many(pairs);
  if (error.empty()) {
    ctx.reply.ok();
  } else {
    ctx.reply.error(error);
  }
}

void config_resetstat_command(ExecContext& ctx, Args&) {
  ServerCounters& c = ctx.server.counters;
  for (auto* counter :
       {&c.total_connections_received, &c.total_commands_processed, &c.rejected_connections,
        &c.net_input_bytes, &c.net_output_bytes, &c.total_error_replies})
    counter->store(0, std::memory_order_relaxed);
  for (CommandStats& st : ctx.server.command_stats) {
    st.calls.store(0, std::memory_order_relaxed);
    st.usec.store(0, std::memory_order_relaxed);
    st.rejected_calls.store(0, std::memory_order_relaxed);
    st.failed_calls.store(0, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < ctx.shards.size(); ++i) {
    ShardStats& st = ctx.shards.shard(i).stats();
    st.keyspace_hits = 0;
    st.keyspace_misses = 0;
    st.expired_keys = 0;
  }
  ctx.reply.ok();
}

void config_help_command(ExecContext& ctx, Args&) {
  reply_help(
      ctx, "config",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command."});
}

// ===========================================================================
// INFO

// Redis's bytesToHuman.
std::string bytes_to_human(uint64_t n) {
  char buf[64];
  const double d = static_cast<double>(n);
  constexpr double kK = 1024.0;
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "B", n);
  } else if (d < kK * kK) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / kK);
  } else if (d < kK * kK * kK) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (kK * kK));
  } else if (d < kK * kK * kK * kK) {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (kK * kK * kK));
  } else if (d < kK * kK * kK * kK * kK) {
    std::snprintf(buf, sizeof(buf), "%.2fT", d / (kK * kK * kK * kK));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fP", d / (kK * kK * kK * kK * kK));
  }
  return buf;
}

std::string fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string timeval_text(const timeval& tv) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

// Bytes the allocator has handed out (heap arenas plus mmapped chunks).
uint64_t allocated_bytes() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<uint64_t>(mi.uordblks) + static_cast<uint64_t>(mi.hblkhd);
}

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// The largest used_memory any INFO has seen in this process.
std::atomic<uint64_t> g_peak_memory{0};

class InfoText {
 public:
  void section(std::string_view title) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += title;
    out_ += "\r\n";
  }
  void field(std::string_view name, std::string_view value) {
    out_ += name;
    out_ += ':';
    out_ += value;
    out_ += "\r\n";
  }
  void field(std::string_view name, int64_t value) { field(name, std::to_string(value)); }
  void field(std::string_view name, uint64_t value) { field(name, std::to_string(value)); }
  void field(std::string_view name, int value) { field(name, std::to_string(value)); }
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

uint64_t load(const std::atomic<uint64_t>& v) {
  return v.load(std::memory_order_relaxed);
}

void info_server(ExecContext& ctx, InfoText& info) {
  ServerState& s = ctx.server;
  struct utsname name;
  uname(&name);
  const int64_t uptime = (Clock::real_us() - s.start_time_us) / 1000000;
  info.section("Server");
  info.field("redis_version", redis_version());
  info.field("redis_git_sha1", "00000000");
  info.field("redis_git_dirty", 0);
  info.field("redis_mode", "standalone");
  info.field("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  info.field("arch_bits", static_cast<int>(sizeof(void*) * 8));
  info.field("multiplexing_api", "epoll");
  info.field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                                std::to_string(__GNUC_PATCHLEVEL__));
  info.field("process_id", static_cast<int64_t>(getpid()));
  info.field("process_supervised", "no");
  info.field("run_id", s.run_id);
  info.field("tcp_port", static_cast<int>(s.tcp_port));
  info.field("server_time_usec", s.clock.now_us());
  info.field("uptime_in_seconds", uptime);
  info.field("uptime_in_days", uptime / 86400);
  info.field("hz", s.config.hz());
  info.field("configured_hz", s.config.get_int("hz"));
  info.field("executable", s.executable);
  info.field("config_file", s.config_file);
  info.field("shards", static_cast<uint64_t>(ctx.shards.size()));
}

void info_clients(ExecContext& ctx, InfoText& info) {
  const ServerCounters& c = ctx.server.counters;
  info.section("Clients");
  info.field("connected_clients", load(c.connected_clients));
  info.field("cluster_connections", 0);
  info.field("maxclients", ctx.server.config.maxclients());
  info.field("blocked_clients", load(c.blocked_clients));
  // shardis: the shards' records of blocked clients, one per client and
  // key; a wait that ended elsewhere leaves records the cron drops.
  uint64_t records = 0;
  for (size_t i = 0; i < ctx.shards.size(); ++i)
    for (int d = 0; d < ctx.shards.databases(); ++d)
      records += ctx.shards.shard(i).db(d).waiters().records();
  info.field("blocking_records", records);
  info.field("tracking_clients", 0);
}

void info_memory(ExecContext& ctx, InfoText& info) {
  const uint64_t used = allocated_bytes();
  const uint64_t rss = resident_bytes();
  uint64_t peak = g_peak_memory.load(std::memory_order_relaxed);
  while (used > peak && !g_peak_memory.compare_exchange_weak(peak, used)) {
  }
  peak = std::max(peak, used);
  const uint64_t total_system =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const int64_t maxmemory = ctx.server.config.get_int("maxmemory");
  info.section("Memory");
  info.field("used_memory", used);
  info.field("used_memory_human", bytes_to_human(used));
  info.field("used_memory_rss", rss);
  info.field("used_memory_rss_human", bytes_to_human(rss));
  info.field("used_memory_peak", peak);
  info.field("used_memory_peak_human", bytes_to_human(peak));
  info.field(
      "used_memory_peak_perc",
      fixed2(peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0) + "%");
  // The script cache: bodies only (shardis keeps no separate compiled copy
  // count; each cached script compiles once in the VM).
  info.field("used_memory_scripts_eval", static_cast<uint64_t>(ctx.server.script_cache.bytes()));
  info.field("number_of_cached_scripts", static_cast<uint64_t>(ctx.server.script_cache.size()));
  info.field("total_system_memory", total_system);
  info.field("total_system_memory_human", bytes_to_human(total_system));
  info.field("maxmemory", maxmemory);
  info.field("maxmemory_human", bytes_to_human(static_cast<uint64_t>(maxmemory)));
  info.field("maxmemory_policy", ctx.server.config.get("maxmemory-policy").value_or(""));
  info.field("mem_fragmentation_ratio",
             fixed2(used ? static_cast<double>(rss) / static_cast<double>(used) : 0));
  info.field("mem_allocator", "libc");
}

void info_persistence(ExecContext& ctx, InfoText& info) {
  const uint64_t dirty = total_dirty(ctx.shards) - ctx.server.persistence.dirty_at_save.load();
  const int64_t last_save = last_save_s(ctx.server);
  const PersistenceStatus& p = ctx.server.persistence;
  info.section("Persistence");
  info.field("loading", p.loading.load() ? 1 : 0);
  info.field("async_loading", 0);
  if (p.loading.load()) {
    // As Redis, in keys rather than bytes: the progress log counts keys.
    const uint64_t total = p.loading_total_keys.load(), loaded = p.loaded_keys.load();
    const int64_t elapsed = ctx.now_ms / 1000 - p.loading_start_s.load();
    info.field("loading_start_time", p.loading_start_s.load());
    info.field("loading_total_keys", total);
    info.field("loading_loaded_keys", loaded);
    info.field("loading_loaded_perc",
               fixed2(total ? 100.0 * static_cast<double>(loaded) / static_cast<double>(total) : 0));
    info.field("loading_eta_seconds",
               loaded ? static_cast<int64_t>(static_cast<double>(elapsed) *
                                             static_cast<double>(total - loaded) / static_cast<double>(loaded))
                      : int64_t{1});
  }
  info.field("rdb_changes_since_last_save", dirty);
  info.field("rdb_bgsave_in_progress", p.saving.load() ? 1 : 0);
  info.field("rdb_last_save_time", last_save);
  info.field("rdb_last_bgsave_status", p.last_ok.load() ? "ok" : "err");
  info.field("rdb_last_bgsave_time_sec",
             p.last_duration_ms.load() < 0 ? int64_t{-1} : p.last_duration_ms.load() / 1000);
  info.field("rdb_current_bgsave_time_sec",
             p.saving.load() ? (Clock::monotonic_us() - p.bgsave_start_us.load()) / 1000000 : int64_t{-1});
  info.field("rdb_saves", p.saves.load());
  info.field("rdb_last_load_keys_expired", p.expired_at_load.load());
  info.field("rdb_last_load_keys_loaded", p.loaded_keys.load());
  // shardis's own: the last good checkpoint and the start-up restore.
  info.field("checkpoint_keys", p.last_keys.load());
  info.field("checkpoint_size", p.last_bytes.load());
  info.field("checkpoint_loaded_keys", p.loaded_keys.load());
  info.field("aof_enabled", 0);
  info.field("aof_rewrite_in_progress", 0);
  info.field("aof_rewrite_scheduled", 0);
  info.field("aof_last_bgrewrite_status", "ok");
  info.field("aof_last_write_status", "ok");
}

void info_stats(ExecContext& ctx, InfoText& info) {
  const ServerCounters& c = ctx.server.counters;
  uint64_t hits = 0, misses = 0, expired = 0;
  for (size_t i = 0; i < ctx.shards.size(); ++i) {
    const ShardStats& st = ctx.shards.shard(i).stats();
    hits += st.keyspace_hits;
    misses += st.keyspace_misses;
    expired += st.expired_keys;
  }
  info.section("Stats");
  info.field("total_connections_received", load(c.total_connections_received));
  info.field("total_commands_processed", load(c.total_commands_processed));
  info.field("instantaneous_ops_per_sec", ctx.server.counters.ops_per_sec.per_second());
  info.field("total_net_input_bytes", load(c.net_input_bytes));
  info.field("total_net_output_bytes", load(c.net_output_bytes));
  info.field("rejected_connections", load(c.rejected_connections));
  info.field("expired_keys", expired);
  info.field("evicted_keys", 0);
  info.field("keyspace_hits", hits);
  info.field("keyspace_misses", misses);
  info.field("total_error_replies", load(c.total_error_replies));
}

void info_replication(ExecContext& ctx, InfoText& info) {
  info.section("Replication");
  info.field("role", "master");
  info.field("connected_slaves", 0);
  info.field("master_failover_state", "no-failover");
  info.field("master_replid", ctx.server.run_id);
  info.field("master_replid2", std::string(40, '0'));
  info.field("master_repl_offset", 0);
  info.field("second_repl_offset", -1);
  info.field("repl_backlog_active", 0);
  info.field("repl_backlog_size", 1048576);
  info.field("repl_backlog_first_byte_offset", 0);
  info.field("repl_backlog_histlen", 0);
}

void info_cpu(ExecContext&, InfoText& info) {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  info.section("CPU");
  info.field("used_cpu_sys", timeval_text(self.ru_stime));
  info.field("used_cpu_user", timeval_text(self.ru_utime));
  info.field("used_cpu_sys_children", timeval_text(children.ru_stime));
  info.field("used_cpu_user_children", timeval_text(children.ru_utime));
}

void info_modules(ExecContext&, InfoText& info) {
  info.section("Modules");
}

void add_command_stats(const ServerState& s, const CommandSpec& spec, InfoText& info) {
  const CommandStats& st = s.command_stats[static_cast<size_t>(spec.id)];
  const uint64_t calls = load(st.calls), usec = load(st.usec);
  const uint64_t rejected = load(st.rejected_calls), failed = load(st.failed_calls);
  if (calls == 0 && rejected == 0 && failed == 0) return;
  const double per_call = calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0;
  info.field("cmdstat_" + std::string(spec.name),
             "calls=" + std::to_string(calls) + ",usec=" + std::to_string(usec) +
                 ",usec_per_call=" + fixed2(per_call) + ",rejected_calls=" +
                 std::to_string(rejected) + ",failed_calls=" + std::to_string(failed));
}

void info_commandstats(ExecContext& ctx, InfoText& info) {
  info.section("Commandstats");
  for (const CommandSpec* spec : CommandTable::instance().all()) {
    add_command_stats(ctx.server, *spec, info);
    for (const CommandSpec& sub : spec->subcommands) add_command_stats(ctx.server, sub, info);
  }
}

void info_cluster(ExecContext&, InfoText& info) {
  info.section("Cluster");
  info.field("cluster_enabled", 0);
}

// Redis estimates avg_ttl from the keys its expiry cycle samples; this
// samples the first buckets of each shard's table, a bounded amount of work
// whatever the size of the keyspace.
int64_t sample_ttl_ms(Db& db, int64_t now_ms, uint64_t* samples) {
  constexpr int kMaxScanCalls = 16;
  constexpr uint64_t kEnoughSamples = 64;
  int64_t sum = 0;
  uint64_t cursor = 0;
  for (int i = 0; i < kMaxScanCalls && *samples < kEnoughSamples; ++i) {
    cursor = db.scan(cursor, [&](std::string_view, const Entry& e) {
      if (e.expire_at_ms == kNoExpiry || e.expire_at_ms <= now_ms) return;
      sum += e.expire_at_ms - now_ms;
      ++*samples;
    });
    if (cursor == 0) break;
  }
  return sum;
}

void info_keyspace(ExecContext& ctx, InfoText& info) {
  info.section("Keyspace");
  // The start-up restore is filling the shards on another thread.
  if (ctx.server.persistence.loading.load(std::memory_order_acquire)) return;
  for (int d = 0; d < ctx.shards.databases(); ++d) {
    uint64_t keys = 0, expires = 0, samples = 0;
    int64_t ttl_sum = 0;
    for (size_t i = 0; i < ctx.shards.size(); ++i) {
      Db& db = ctx.shards.shard(i).db(d);
      keys += db.size();
      expires += db.expires_size();
      if (db.expires_size() > 0) ttl_sum += sample_ttl_ms(db, ctx.now_ms, &samples);
    }
    if (keys == 0) continue;
    const int64_t avg_ttl = samples ? ttl_sum / static_cast<int64_t>(samples) : 0;
    info.field("db" + std::to_string(d), "keys=" + std::to_string(keys) +
                                             ",expires=" + std::to_string(expires) +
                                             ",avg_ttl=" + std::to_string(avg_ttl));
  }
}

struct InfoSection {
  std::string_view name;
  bool in_default;
  void (*write)(ExecContext&, InfoText&);
};

// In the order Redis prints them.
constexpr InfoSection kInfoSections[] = {
    {"server", true, info_server},
    {"clients", true, info_clients},
    {"memory", true, info_memory},
    {"persistence", true, info_persistence},
    {"stats", true, info_stats},
    {"replication", true, info_replication},
    {"cpu", true, info_cpu},
    {"modules", true, info_modules},
    {"commandstats", false, info_commandstats},
    {"cluster", true, info_cluster},
    {"keyspace", true, info_keyspace},
};

void info_command(ExecContext& ctx, Args& args) {
  constexpr size_t kCount = std::size(kInfoSections);
  bool wanted[kCount] = {};
  if (args.size() == 1) {
    for (size_t i = 0; i < kCount; ++i) wanted[i] = kInfoSections[i].in_default;
  }
  for (size_t a = 1; a < args.size(); ++a) {
    const std::string name = to_lower(args[a]);
    for (size_t i = 0; i < kCount; ++i) {
      if (name == "all" || name == "everything" || name == kInfoSections[i].name ||
          (name == "default" && kInfoSections[i].in_default))
        wanted[i] = true;
    }
  }
  InfoText info;
  for (size_t i = 0; i < kCount; ++i)
    if (wanted[i]) kInfoSections[i].write(ctx, info);
  ctx.reply.verbatim(info.text());
}

// ===========================================================================
// COMMAND

// Flags as COMMAND INFO lists them, in Redis's order. may_replicate is
// hidden there on purpose, and so are shardis's routing flags.
constexpr CommandFlag kReportedFlags[] = {
    kCmdWrite,    kCmdReadonly, kCmdDenyOom,     kCmdAdmin,       kCmdPubsub,      kCmdNoscript,
    kCmdBlocking, kCmdLoading,  kCmdStale,       kCmdSkipMonitor, kCmdSkipSlowlog, kCmdFast,
    kCmdNoAuth,   kCmdNoMandatoryKeys, kCmdNoMulti, kCmdMovableKeys, kCmdAllowBusy,
};

// The table names the keyspace group "keyspace"; Redis's documentation
// (COMMAND DOCS, redis-cli's "help @generic") calls it "generic".
std::string_view doc_group(const CommandSpec& spec) {
  return spec.group == "keyspace" ? std::string_view("generic") : spec.group;
}

// ACL categories, derived as Redis derives the implicit ones from the flags
// plus the data type's category from the group, in Redis's category order.
std::vector<std::string_view> acl_categories(const CommandSpec& spec) {
  struct GroupCategory {
    std::string_view group, category;
  };
  static constexpr GroupCategory kGroups[] = {
      {"keyspace", "@keyspace"},
      {"generic", "@keyspace"},
      {"set", "@set"},
      {"sorted-set", "@sortedset"},
      {"sortedset", "@sortedset"},
      {"zset", "@sortedset"},
      {"list", "@list"},
      {"hash", "@hash"},
      {"string", "@string"},
      {"bitmap", "@bitmap"},
      {"hyperloglog", "@hyperloglog"},
      {"geo", "@geo"},
      {"stream", "@stream"},
      {"pubsub", "@pubsub"},
      {"connection", "@connection"},
      {"transactions", "@transaction"},
      {"transaction", "@transaction"},
      {"scripting", "@scripting"},
  };
  static constexpr std::string_view kOrder[] = {
      "@keyspace",   "@read",        "@write",    "@set",         "@sortedset", "@list",
      "@hash",       "@string",      "@bitmap",   "@hyperloglog", "@geo",       "@stream",
      "@pubsub",     "@admin",       "@fast",     "@slow",        "@blocking",  "@dangerous",
      "@connection", "@transaction", "@scripting"};
  std::vector<std::string_view> have;
  for (const GroupCategory& g : kGroups)
    if (g.group == spec.group) have.push_back(g.category);
  if (spec.flags & kCmdWrite) have.push_back("@write");
  if (spec.flags & kCmdReadonly) have.push_back("@read");
  if (spec.flags & kCmdAdmin) {
    have.push_back("@admin");
    have.push_back("@dangerous");
  }
  if (spec.flags & kCmdPubsub) have.push_back("@pubsub");
  have.push_back((spec.flags & kCmdFast) ? "@fast" : "@slow");
  if (spec.flags & kCmdBlocking) have.push_back("@blocking");
  std::vector<std::string_view> out;
  for (std::string_view c : kOrder)
    if (std::find(have.begin(), have.end(), c) != have.end()) out.push_back(c);
  return out;
}

// Key spec flags, from the command's flags: Redis's table has them per key.
std::vector<std::string_view> key_spec_flags(const CommandSpec& spec) {
  if (spec.flags & kCmdWrite) return {"RW", "update"};
  return {"RO", "access"};
}

void write_command_info(protocol::ReplyWriter& w, const CommandSpec& spec) {
  w.array(10);
  w.bulk(spec.name);
  w.integer(spec.arity);
  std::vector<std::string_view> flags;
  for (CommandFlag f : kReportedFlags)
    if (spec.flags & f) flags.push_back(flag_name(f));
  w.set(flags.size());
  for (std::string_view f : flags) w.simple(f);
  w.integer(spec.first_key);
  w.integer(spec.last_key);
  w.integer(spec.key_step);
  const std::vector<std::string_view> categories = acl_categories(spec);
  w.set(categories.size());
  for (std::string_view c : categories) w.simple(c);
  w.set(0);  // tips
  // Key specs and an empty subcommand list are sets in RESP3, as in Redis.
  if (spec.first_key > 0) {
    w.set(1);
    w.map(3);
    w.bulk("flags");
    const std::vector<std::string_view> kflags = key_spec_flags(spec);
    w.set(kflags.size());
    for (std::string_view f : kflags) w.simple(f);
    w.bulk("begin_search");
    w.map(2);
    w.bulk("type");
    w.bulk("index");
    w.bulk("spec");
    w.map(1);
    w.bulk("index");
    w.integer(spec.first_key);
    w.bulk("find_keys");
    w.map(2);
    w.bulk("type");
    w.bulk("range");
    w.bulk("spec");
    w.map(3);
    w.bulk("lastkey");
    // Relative to the first key, as Redis's range spec: -1 is the last argument.
    w.integer(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
    w.bulk("keystep");
    w.integer(spec.key_step);
    w.bulk("limit");
    w.integer(0);
  } else {
    w.set(0);
  }
  if (spec.subcommands.empty()) {
    w.set(0);
    return;
  }
  w.array(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) write_command_info(w, sub);
}

// ---------------------------------------------------------------------------
// COMMAND DOCS arguments, parsed from the syntax line of the table, so
// redis-cli's help and hints show the real syntax. The syntax uses Redis's
// documentation notation: "key value [NX | XX] [EX seconds | PX milliseconds]
// <A | B> key [key ...]". Upper-case words are tokens; a token followed by
// an argument becomes that argument's token, as in Redis's argument specs.

struct DocArg {
  std::string name;
  std::string_view type;  // "key", "string", "pure-token", "oneof", "block"
  std::string token;
  bool optional = false;
  bool multiple = false;
  std::vector<DocArg> args;
};

std::vector<std::string> tokenize_syntax(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '[' || c == ']' || c == '<' || c == '>' || c == '|') {
      out.emplace_back(1, c);
      ++i;
    } else if (s.compare(i, 3, "...") == 0) {
      out.emplace_back("...");
      i += 3;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) &&
             std::string_view("[]<>|").find(s[j]) == std::string_view::npos &&
             s.compare(j, 3, "...") != 0)
        ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

bool is_token_word(std::string_view w) {
  bool letter = false;
  for (char c : w) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
    if (std::isupper(static_cast<unsigned char>(c))) letter = true;
  }
  return letter;
}

DocArg word_arg(const std::string& w) {
  DocArg a;
  if (is_token_word(w)) {
    a.name = to_lower(w);
    a.type = "pure-token";
    a.token = w;
  } else {
    a.name = w;
    a.type = (w == "key" || w == "destination" || w == "source" || w == "newkey")
                 ? std::string_view("key")
                 : std::string_view("string");
  }
  return a;
}

class SyntaxParser {
 public:
  explicit SyntaxParser(std::vector<std::string> tokens) : t_(std::move(tokens)) {}

  std::vector<DocArg> parse() { return seq(); }

 private:
  bool at(std::string_view s) const { return pos_ < t_.size() && t_[pos_] == s; }

  // A token followed by an argument is that argument with its token.
  static std::vector<DocArg> merge_tokens(std::vector<DocArg> items) {
    std::vector<DocArg> out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].type == "pure-token" && i + 1 < items.size() && items[i + 1].token.empty() &&
          items[i + 1].type != "pure-token" && !items[i].optional && !items[i].multiple) {
        DocArg next = std::move(items[i + 1]);
        next.token = items[i].token;
        out.push_back(std::move(next));
        ++i;
      } else {
        out.push_back(std::move(items[i]));
      }
    }
    return out;
  }

  // True when group is the last group.size() items of out followed by "...".
  static bool repeats_tail(const std::vector<DocArg>& out, const std::vector<DocArg>& group) {
    if (group.empty() || !group.back().multiple || group.size() > out.size()) return false;
    const size_t base = out.size() - group.size();
    for (size_t i = 0; i < group.size(); ++i)
      if (out[base + i].name != group[i].name || out[base + i].type != group[i].type) return false;
    return true;
  }

  // Groups are named after their members, as Redis names "parameter_value".
  static std::string group_name(const std::vector<DocArg>& members) {
    std::string name;
    for (const DocArg& m : members) {
      if (!name.empty()) name.push_back('_');
      name += m.name;
    }
    return name;
  }

  static DocArg from_seq(std::vector<DocArg> seq) {
    if (seq.size() == 1) return std::move(seq[0]);
    DocArg block;
    block.name = group_name(seq);
    block.type = "block";
    block.args = std::move(seq);
    return block;
  }

  std::vector<DocArg> seq() {
    std::vector<DocArg> out;
    while (pos_ < t_.size() && !at("|") && !at("]") && !at(">")) {
      const std::string tok = t_[pos_++];
      if (tok == "...") {
        if (!out.empty()) out.back().multiple = true;
        continue;
      }
      if (tok != "[" && tok != "<") {
        out.push_back(word_arg(tok));
        continue;
      }
      const bool optional = tok == "[";
      std::vector<std::vector<DocArg>> alts{seq()};
      while (at("|")) {
        ++pos_;
        alts.push_back(seq());
      }
      if (at(optional ? "]" : ">")) ++pos_;
      // "[...]", "key [key ...]" and "field value [field value ...]" repeat
      // what comes before.
      if (alts.size() == 1 && alts[0].empty()) {
        if (!out.empty()) out.back().multiple = true;
        continue;
      }
      if (alts.size() == 1 && repeats_tail(out, alts[0])) {
        const size_t k = alts[0].size();
        if (k == 1) {
          out.back().multiple = true;
        } else {
          std::vector<DocArg> members(
              std::make_move_iterator(out.end() - static_cast<ptrdiff_t>(k)),
              std::make_move_iterator(out.end()));
          out.resize(out.size() - k);
          DocArg block = from_seq(std::move(members));
          block.multiple = true;
          out.push_back(std::move(block));
        }
        continue;
      }
      DocArg group;
      if (alts.size() == 1) {
        group = from_seq(std::move(alts[0]));
      } else {
        group.type = "oneof";
        for (auto& alt : alts)
          if (!alt.empty()) group.args.push_back(from_seq(std::move(alt)));
        group.name = group_name(group.args);
      }
      group.optional = group.optional || optional;
      out.push_back(std::move(group));
    }
    return merge_tokens(std::move(out));
  }

  std::vector<std::string> t_;
  size_t pos_ = 0;
};

void write_doc_arg(protocol::ReplyWriter& w, const DocArg& a) {
  const bool key = a.type == "key";
  const size_t nflags = static_cast<size_t>(a.optional) + static_cast<size_t>(a.multiple);
  w.map(2 + key + !a.token.empty() + (nflags > 0) + !a.args.empty());
  w.bulk("name");
  w.bulk(a.name);
  w.bulk("type");
  w.bulk(a.type);
  if (key) {
    w.bulk("key_spec_index");
    w.integer(0);
  }
  if (!a.token.empty()) {
    w.bulk("token");
    w.bulk(a.token);
  }
  if (nflags > 0) {
    w.bulk("flags");
    w.set(nflags);
    if (a.optional) w.simple("optional");
    if (a.multiple) w.simple("multiple");
  }
  if (!a.args.empty()) {
    w.bulk("arguments");
    w.array(a.args.size());
    for (const DocArg& sub : a.args) write_doc_arg(w, sub);
  }
}

void write_command_docs(protocol::ReplyWriter& w, const CommandSpec& spec) {
  std::vector<DocArg> args;
  if (spec.subcommands.empty()) args = SyntaxParser(tokenize_syntax(spec.syntax)).parse();
  w.map(3 + !args.empty() + !spec.subcommands.empty());
  w.bulk("summary");
  w.bulk(spec.summary);
  w.bulk("since");
  w.bulk(spec.since);
  w.bulk("group");
  w.bulk(doc_group(spec));
  if (!args.empty()) {
    w.bulk("arguments");
    w.array(args.size());
    for (const DocArg& a : args) write_doc_arg(w, a);
  }
  if (!spec.subcommands.empty()) {
    w.bulk("subcommands");
    w.map(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      w.bulk(sub.name);
      write_command_docs(w, sub);
    }
  }
}

void command_command(ExecContext& ctx, Args&) {
  const auto& all = CommandTable::instance().all();
  ctx.reply.array(all.size());
  for (const CommandSpec* spec : all) write_command_info(ctx.reply, *spec);
}

void command_count_command(ExecContext& ctx, Args&) {
  ctx.reply.integer(static_cast<int64_t>(CommandTable::instance().all().size()));
}

void command_info_command(ExecContext& ctx, Args& args) {
  if (args.size() == 2) {
    command_command(ctx, args);
    return;
  }
  ctx.reply.array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    if (const CommandSpec* spec = find_any(args[i])) {
      write_command_info(ctx.reply, *spec);
    } else {
      ctx.reply.null();
    }
  }
}

void command_docs_command(ExecContext& ctx, Args& args) {
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    specs = CommandTable::instance().all();
  } else {
    for (size_t i = 2; i < args.size(); ++i)
      if (const CommandSpec* spec = find_any(args[i])) specs.push_back(spec);
  }
  ctx.reply.map(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.bulk(spec->name);
    write_command_docs(ctx.reply, *spec);
  }
}

void command_list_command(ExecContext& ctx, Args& args) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string value;
  if (args.size() == 5 && to_lower(args[2]) == "filterby") {
    const std::string type = to_lower(args[3]);
    if (type == "module")
      filter = Filter::kModule;
    else if (type == "aclcat")
      filter = Filter::kAclCat;
    else if (type == "pattern")
      filter = Filter::kPattern;
    else {
      ctx.reply.error(err::kSyntax);
      return;
    }
    value = args[4];
  } else if (args.size() != 2) {
    ctx.reply.error(err::kSyntax);
    return;
  }
  auto keep = [&](const CommandSpec& spec) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // shardis has no modules
      case Filter::kAclCat: {
        const std::string cat = "@" + to_lower(value);
        for (std::string_view c : acl_categories(spec))
          if (c == cat) return true;
        return false;
      }
      case Filter::kPattern:
        return glob_match(value, spec.name, true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : CommandTable::instance().all()) {
    if (keep(*spec)) names.push_back(spec->name);
    for (const CommandSpec& sub : spec->subcommands)
      if (keep(sub)) names.push_back(sub.name);
  }
  ctx.reply.array(names.size());
  for (std::string_view n : names) ctx.reply.bulk(n);
}

// COMMAND GETKEYS / GETKEYSANDFLAGS: the keys of args[2..] as the router
// finds them, with Redis's errors.
bool command_keys(ExecContext& ctx, Args& args, const CommandSpec** out_spec,
                  std::vector<size_t>* keys) {
  Args target(args.begin() + 2, args.end());
  const CommandTable& table = CommandTable::instance();
  const CommandSpec* spec = table.find(target[0]);
  if (spec && !spec->subcommands.empty())
    spec = target.size() > 1 ? table.find_sub(*spec, target[1]) : nullptr;
  if (!spec) {
    ctx.reply.error("ERR Invalid command specified");
    return false;
  }
  if (spec->first_key <= 0 && !spec->find_keys) {
    ctx.reply.error("ERR The command has no key arguments");
    return false;
  }
  const int64_t argc = static_cast<int64_t>(target.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    ctx.reply.error("ERR Invalid number of arguments specified for command");
    return false;
  }
  CommandTable::key_indexes(*spec, target, keys);
  if (keys->empty() && (spec->flags & kCmdNoMandatoryKeys)) {
    *out_spec = spec;
    return true;
  }
  if (keys->empty()) {
    ctx.reply.error("ERR Invalid arguments specified for command");
    return false;
  }
  for (size_t& k : *keys) k += 2;
  *out_spec = spec;
  return true;
}

void command_getkeys_command(ExecContext& ctx, Args& args) {
  const CommandSpec* spec = nullptr;
  std::vector<size_t> keys;
  if (!command_keys(ctx, args, &spec, &keys)) return;
  ctx.reply.array(keys.size());
  for (size_t k : keys) ctx.reply.bulk(args[k]);
}

void command_getkeysandflags_command(ExecContext& ctx, Args& args) {
  const CommandSpec* spec = nullptr;
  std::vector<size_t> keys;
  if (!command_keys(ctx, args, &spec, &keys)) return;
  const std::vector<std::string_view> flags = key_spec_flags(*spec);
  ctx.reply.array(keys.size());
  for (size_t k : keys) {
    ctx.reply.array(2);
    ctx.reply.bulk(args[k]);
    ctx.reply.set(flags.size());
    for (std::string_view f : flags) ctx.reply.simple(f);
  }
}

void command_help_command(ExecContext& ctx, Args&) {
  reply_help(ctx, "command",
             {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
              "    Return the total number of commands in this Redis server.", "LIST",
              "    Return a list of all commands in this Redis server.",
              "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
              "    If no command names are given, documentation details for all",
              "    commands are returned.", "DOCS [<command-name> ...]",
              "    Return documentation details about multiple Redis commands.",
              "    If no command names are given, documentation details for all",
              "    commands are returned.", "GETKEYS <full-command>",
              "    Return the keys from a full Redis command.", "GETKEYSANDFLAGS <full-command>",
              "    Return the keys and the access flags from a full Redis command."});
}

// ===========================================================================
// TIME

void time_command(ExecContext& ctx, Args&) {
  const int64_t us = ctx.server.clock.now_us();
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(us / 1000000));
  ctx.reply.bulk(std::to_string(us % 1000000));
}

}  // namespace

void add_server_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kConn = kCmdConnection;
  constexpr uint32_t kLoadingStale = kCmdLoading | kCmdStale;
  constexpr uint32_t kConfigFlags = kCmdAdmin | kCmdNoscript | kLoadingStale;

  CommandSpec config{"config",
                     -2,
                     kConn,
                     0,
                     0,
                     0,
                     nullptr,
                     "server",
                     "2.0.0",
                     "A container for server configuration commands.",
                     "<subcommand>"};
  config.subcommands = {
      {"config|get", -3, kConn | kConfigFlags, 0, 0, 0, config_get_command, "server", "2.0.0",
       "Returns the effective values of configuration parameters.", "parameter [parameter ...]"},
      {"config|set", -4, kConn | kConfigFlags, 0, 0, 0, config_set_command, "server", "2.0.0",
       "Sets configuration parameters in-flight.", "parameter value [parameter value ...]"},
      {"config|resetstat", 2, kCmdAllShards | kConfigFlags, 0, 0, 0, config_resetstat_command,
       "server", "2.0.0", "Resets the server's statistics.", ""},
      {"config|help", 2, kConn | kLoadingStale, 0, 0, 0, config_help_command, "server", "5.0.0",
       "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(config));

  out.push_back({"info", -1, kCmdAllShards | kLoadingStale, 0, 0, 0, info_command, "server",
                 "1.0.0", "Returns information and statistics about the server.",
                 "[section [section ...]]"});

  CommandSpec command{"command",
                      -1,
                      kConn | kLoadingStale,
                      0,
                      0,
                      0,
                      command_command,
                      "server",
                      "2.8.13",
                      "Returns detailed information about all commands.",
                      ""};
  command.subcommands = {
      {"command|count", 2, kConn | kLoadingStale, 0, 0, 0, command_count_command, "server",
       "2.8.13", "Returns a count of commands.", ""},
      {"command|info", -2, kConn | kLoadingStale, 0, 0, 0, command_info_command, "server", "2.8.13",
       "Returns information about one, multiple or all commands.",
       "[command-name [command-name ...]]"},
      {"command|docs", -2, kConn | kLoadingStale, 0, 0, 0, command_docs_command, "server", "7.0.0",
       "Returns documentary information about one, multiple or all commands.",
       "[command-name [command-name ...]]"},
      {"command|list", -2, kConn | kLoadingStale, 0, 0, 0, command_list_command, "server", "7.0.0",
       "Returns a list of command names.",
       "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]"},
      {"command|getkeys", -4, kConn | kLoadingStale, 0, 0, 0, command_getkeys_command, "server",
       "2.8.13", "Extracts the key names from an arbitrary command.", "command [arg [arg ...]]"},
      {"command|getkeysandflags", -4, kConn | kLoadingStale, 0, 0, 0,
       command_getkeysandflags_command, "server", "7.0.0",
       "Extracts the key names and access flags for an arbitrary command.",
       "command [arg [arg ...]]"},
      {"command|help", 2, kConn | kLoadingStale, 0, 0, 0, command_help_command, "server", "5.0.0",
       "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(command));

  out.push_back({"time", 1, kConn | kLoadingStale | kCmdFast, 0, 0, 0, time_command, "server",
                 "2.6.0", "Returns the server time.", ""});
}

}  // namespace shardis
