// ConfigStore: the parameter table, value parsing and Redis's error texts,
// and redis.conf-style files.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "engine/config.hpp"
#include "engine/notify.hpp"
#include "spdlog/spdlog.h"

using shardis::ConfigStore;
using shardis::parse_memory;

namespace {

// A config file in a fresh temporary directory, removed at the end.
class TempConfigFile {
 public:
  explicit TempConfigFile(const std::string& text) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("shardis-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "shardis.conf").string();
    std::ofstream(path_) << text;
  }
  ~TempConfigFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

}  // namespace

TEST_CASE("parse_memory follows Redis's memtoull", "[config]") {
  struct Case {
    std::string_view in;
    std::optional<int64_t> out;
  };
  const Case cases[] = {
      {"0", 0},
      {"12345", 12345},
      {"1b", 1},
      {"1k", 1000},
      {"1kb", 1024},
      {"1K", 1000},
      {"1KB", 1024},
      {"2m", 2000000},
      {"2mb", 2 * 1024 * 1024},
      {"1g", 1000000000},
      {"1gb", 1024LL * 1024 * 1024},
      {"1Gb", 1024LL * 1024 * 1024},
      {"", 0},    // Redis quirk: no digits reads as 0
      {"kb", 0},  // likewise
      {"-1", std::nullopt},
      {"1x", std::nullopt},
      {"1.5gb", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"+1", std::nullopt},
      {"1tb", std::nullopt},
      {"9223372036854775807", INT64_MAX},
      {"9223372036854775808", std::nullopt},
      {"9999999999gb", std::nullopt},
  };
  for (const Case& c : cases) {
    INFO("input: '" << c.in << "'");
    CHECK(parse_memory(c.in) == c.out);
  }
}

TEST_CASE("defaults are Redis's, memory values read back as bytes", "[config]") {
  ConfigStore cfg;
  CHECK(cfg.get("port") == "6379");
  CHECK(cfg.get("bind") == "127.0.0.1");
  CHECK(cfg.get("save") == "3600 1 300 100 60 10000");
  CHECK(cfg.get("appendonly") == "no");
  CHECK(cfg.get("proto-max-bulk-len") == "536870912");
  CHECK(cfg.get("client-query-buffer-limit") == "1073741824");
  CHECK(cfg.get("maxmemory-policy") == "noeviction");
  CHECK(cfg.get("busy-reply-threshold") == "5000");
  CHECK(cfg.get("lua-time-limit") == "5000");
  CHECK(cfg.get("HZ") == "10");
  CHECK(cfg.get("dbfilename") == "dump.shardis");
  CHECK(cfg.get("shard-placement") == "io");
  CHECK_FALSE(cfg.get("nosuch").has_value());
  CHECK(cfg.proto_max_bulk_len() == 512LL * 1024 * 1024);
  CHECK(cfg.client_query_buffer_limit() == 1024LL * 1024 * 1024);
  CHECK(cfg.maxclients() == 10000);
  CHECK(cfg.hz() == 10);
  CHECK(cfg.databases() == 16);
  CHECK(cfg.requirepass().empty());
}

TEST_CASE("every parameter's default is valid and unique", "[config]") {
  std::set<std::string_view> names;
  for (const auto& p : ConfigStore::params()) {
    INFO(p.name);
    CHECK(names.insert(p.name).second);
    CHECK_FALSE(p.help.empty());
    ConfigStore cfg;
    CHECK(cfg.set(p.name, p.default_value, true).empty());
    CHECK(cfg.get(p.name) == std::string(p.default_value));
  }
}

TEST_CASE("set normalizes values and refreshes cached ones", "[config]") {
  ConfigStore cfg;
  CHECK(cfg.set("maxmemory", "1gb").empty());
  CHECK(cfg.get("maxmemory") == "1073741824");
  CHECK(cfg.get_int("maxmemory") == 1073741824);
  CHECK(cfg.set("proto-max-bulk-len", "2mb").empty());
  CHECK(cfg.proto_max_bulk_len() == 2 * 1024 * 1024);
  CHECK(cfg.set("appendonly", "YES").empty());
  CHECK(cfg.get("appendonly") == "yes");
  CHECK(cfg.set("loglevel", "WARNING").empty());
  CHECK(cfg.get("loglevel") == "warning");
  CHECK(cfg.set("LUA-TIME-LIMIT", "100").empty());
  CHECK(cfg.get("busy-reply-threshold") == "100");
  CHECK(cfg.set("hz", "1000").empty());
  CHECK(cfg.get("hz") == "1000");
  CHECK(cfg.hz() == 500);  // clamped for use, as Redis
  CHECK(cfg.set("hz", "0").empty());
  CHECK(cfg.hz() == 1);
  CHECK(cfg.set("maxclients", "5").empty());
  CHECK(cfg.maxclients() == 5);
  CHECK(cfg.set("requirepass", "secret").empty());
  CHECK(cfg.requirepass() == "secret");
  CHECK(cfg.set("save", "").empty());
  CHECK(cfg.get("save") == "");
  CHECK(cfg.set("save", "900 01 +60 5").empty());
  CHECK(cfg.get("save") == "900 1 60 5");
  CHECK(cfg.set("notify-keyspace-events", "KEA").empty());
  CHECK(cfg.get("notify-keyspace-events") == "AKE");
  CHECK(cfg.set("notify-keyspace-events", "nmEKg").empty());
  CHECK(cfg.get("notify-keyspace-events") == "gnKEm");
  CHECK(cfg.set("notify-keyspace-events", "g$lshzxetd").empty());
  CHECK(cfg.get("notify-keyspace-events") == "A");
  // Printed as Redis prints it, 'n' lost beside 'A', but the class stays on.
  CHECK(cfg.set("notify-keyspace-events", "KEAnm").empty());
  CHECK(cfg.get("notify-keyspace-events") == "AKEm");
  CHECK((cfg.notify_flags() & shardis::kNotifyNew) != 0);
  CHECK(cfg.set_many({{"notify-keyspace-events", "nA"}}).empty());
  CHECK(cfg.get("notify-keyspace-events") == "A");
  CHECK((cfg.notify_flags() & shardis::kNotifyNew) != 0);
  CHECK(cfg.set("notify-keyspace-events", "En").empty());
  CHECK(cfg.get("notify-keyspace-events") == "nE");
  CHECK(cfg.notify_flags() == (shardis::kNotifyKeyevent | shardis::kNotifyNew));
  CHECK(cfg.set("client-output-buffer-limit", "pubsub 64mb 16mb 30").empty());
  CHECK(cfg.get("client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 30");
  CHECK(cfg.set("databases", "4", true).empty());
  CHECK(cfg.databases() == 4);
}

TEST_CASE("set reports Redis's reasons", "[config]") {
  ConfigStore cfg;
  struct Case {
    std::string_view name, value, reason;
  };
  const Case cases[] = {
      {"hz", "abc", "argument couldn't be parsed into an integer"},
      {"hz", "01", "argument couldn't be parsed into an integer"},
      {"hz", "+1", "argument couldn't be parsed into an integer"},
      {"hz", " 1", "argument couldn't be parsed into an integer"},
      {"hz", "-1", "argument must be between 0 and 2147483647 inclusive"},
      {"maxclients", "0", "argument must be between 1 and 4294967295 inclusive"},
      {"slowlog-log-slower-than", "-2",
       "argument must be between -1 and 9223372036854775807 inclusive"},
      {"maxmemory", "1x", "argument must be a memory value"},
      {"maxmemory", "-1", "argument must be a memory value"},
      {"proto-max-bulk-len", "1",
       "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"appendonly", "maybe", "argument must be 'yes' or 'no'"},
      {"loglevel", "x",
       "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"maxmemory-policy", "lru",
       "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
       "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
      {"save", "1 2 3", "Invalid save parameters"},
      {"save", "a b", "Invalid save parameters"},
      {"save", "0 1", "Invalid save parameters"},
      {"save", "1 -1", "Invalid save parameters"},
      {"notify-keyspace-events", "Z", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
      {"client-output-buffer-limit", "pubsub 1 2",
       "Wrong number of arguments in buffer limit configuration."},
      {"client-output-buffer-limit", "master 1 2 3",
       "Invalid client class specified in buffer limit configuration."},
      {"client-output-buffer-limit", "pubsub 1x 2 3",
       "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
      {"databases", "4", "can't set immutable config"},
      {"port", "7000", "can't set immutable config"},
      {"daemonize", "no", "can't set immutable config"},
      {"dir", "/", "can't set protected config"},
      {"dbfilename", "x.db", "can't set protected config"},
      {"nosuch", "1", "Unknown option"},
  };
  for (const Case& c : cases) {
    INFO(c.name << " " << c.value);
    CHECK(cfg.set(c.name, c.value) == c.reason);
  }
  CHECK(cfg.set("daemonize", "yes", true) ==
        "daemonize yes is not supported: shardis runs in the foreground");
  CHECK(cfg.set("dbfilename", "a/b", true) == "dbfilename can't be a path, just a filename");
  // Nothing above changed anything.
  CHECK(cfg.get("hz") == "10");
  CHECK(cfg.get("save") == "3600 1 300 100 60 10000");
  CHECK(cfg.get("databases") == "16");
}

TEST_CASE("protected configs follow enable-protected-configs", "[config]") {
  ConfigStore cfg;
  REQUIRE(cfg.set("enable-protected-configs", "yes", true).empty());
  const std::string tmp = std::filesystem::temp_directory_path().string();
  CHECK(cfg.set("dir", tmp).empty());
  CHECK(cfg.get("dir") == tmp);
  CHECK(cfg.set("dir", tmp + "/shardis-no-such-dir-here") == "No such file or directory");
  CHECK(cfg.set("dbfilename", "other.shardis").empty());
}

TEST_CASE("set_many: Redis 7 CONFIG SET errors, all or nothing", "[config]") {
  ConfigStore cfg;
  struct Case {
    Pairs pairs;
    std::string_view error;
  };
  const Case cases[] = {
      {{{"foo", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
      {{{"hz", "abc"}},
       "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed "
       "into an integer"},
      {{{"maxmemory", "1x"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
       "memory value"},
      {{{"appendonly", "maybe"}},
       "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
       "'yes' or 'no'"},
      {{{"loglevel", "x"}},
       "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one "
       "of the following: debug, verbose, notice, warning"},
      {{{"hz", "-1"}},
       "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 "
       "and 2147483647 inclusive"},
      {{{"databases", "3"}},
       "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
       "config"},
      {{{"dir", "/"}},
       "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
      {{{"hz", "1"}, {"hz", "2"}},
       "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"},
      // Names are all checked before any value: the immutable one wins.
      {{{"hz", "x"}, {"databases", "1"}},
       "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
       "config"},
      // The first bad name wins.
      {{{"timeout", "1"}, {"foo", "2"}, {"databases", "3"}},
       "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
      {{{"databases", "1"}, {"foo", "2"}},
       "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
       "config"},
      // Value errors name the parameter in lower case, as Redis's entry name.
      {{{"LUA-TIME-LIMIT", "x"}},
       "ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument "
       "couldn't be parsed into an integer"},
      {{{"timeout", "5"}, {"maxmemory", "bad"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
       "memory value"},
  };
  for (const Case& c : cases) {
    INFO(c.error);
    CHECK(cfg.set_many(c.pairs) == c.error);
  }
  CHECK(cfg.get("timeout") == "0");  // the failed multi-set changed nothing
  CHECK(cfg.get("hz") == "10");

  CHECK(cfg.set_many({{"timeout", "5"}, {"MaxMemory", "1mb"}, {"hz", "20"}}).empty());
  CHECK(cfg.get("timeout") == "5");
  CHECK(cfg.get("maxmemory") == "1048576");
  CHECK(cfg.hz() == 20);
}

TEST_CASE("match selects names by glob, aliases included, in name order", "[config]") {
  ConfigStore cfg;
  using P = std::pair<std::string, std::string>;
  CHECK(cfg.match("*time-limit*") == std::vector<P>{{"lua-time-limit", "5000"}});
  CHECK(cfg.match("busy-reply-*") == std::vector<P>{{"busy-reply-threshold", "5000"}});
  CHECK(cfg.match("*max-*len") ==
        std::vector<P>{{"proto-max-bulk-len", "536870912"}, {"slowlog-max-len", "128"}});
  CHECK(cfg.match("H?") == std::vector<P>{{"hz", "10"}});
  CHECK(cfg.match("nomatch*").empty());
  const auto all = cfg.match("*");
  CHECK(all.size() == ConfigStore::params().size() + 6);  // six aliases
  CHECK(std::is_sorted(all.begin(), all.end()));
}

TEST_CASE("find resolves names case-insensitively and aliases", "[config]") {
  REQUIRE(ConfigStore::find("PORT") != nullptr);
  CHECK(ConfigStore::find("PORT")->name == "port");
  REQUIRE(ConfigStore::find("lua-time-limit") != nullptr);
  CHECK(ConfigStore::find("lua-time-limit")->name == "busy-reply-threshold");
  CHECK(ConfigStore::find("nosuch") == nullptr);
}

TEST_CASE("load_file reads redis.conf syntax", "[config]") {
  TempConfigFile file(
      "# a comment\n"
      "\n"
      "   port 7777   \n"
      "bind 127.0.0.1 ::1\n"
      "Maxmemory 100mb\n"
      "requirepass \"pa ss\\x41\\n\"\n"
      "dbfilename 'my file'\n"
      "save 900 1\n"
      "save 300 10\n"
      "databases 4\n"
      "notify-keyspace-events \"\"\n"
      "lua-time-limit 100\r\n");
  ConfigStore cfg;
  REQUIRE(cfg.load_file(file.path()) == "");
  CHECK(cfg.get("port") == "7777");
  CHECK(cfg.get("bind") == "127.0.0.1 ::1");
  CHECK(cfg.get("maxmemory") == "104857600");
  CHECK(cfg.requirepass() == "pa ssA\n");
  CHECK(cfg.get("dbfilename") == "my file");
  CHECK(cfg.get("save") == "900 1 300 10");
  CHECK(cfg.databases() == 4);
  CHECK(cfg.get("busy-reply-threshold") == "100");
}

TEST_CASE("load_file: an empty save line disables checkpoints", "[config]") {
  TempConfigFile file("save \"\"\n");
  ConfigStore cfg;
  REQUIRE(cfg.load_file(file.path()) == "");
  CHECK(cfg.get("save") == "");
}

TEST_CASE("load_file reports the bad line in Redis's fatal format", "[config]") {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"# c\nport 0\nhz abc\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 3\n"
       ">>> 'hz abc'\nargument couldn't be parsed into an integer"},
      {"port 0\n  foo bar  \n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 2\n"
       ">>> 'foo bar'\nBad directive or wrong number of arguments"},
      {"hz 1 2\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 1\n"
       ">>> 'hz 1 2'\nwrong number of arguments"},
      {"requirepass \"abc\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 1\n"
       ">>> 'requirepass \"abc'\nUnbalanced quotes in configuration line"},
      {"requirepass \"abc\"def\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 1\n"
       ">>> 'requirepass \"abc\"def'\nUnbalanced quotes in configuration line"},
      {"loglevel x\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 1\n"
       ">>> 'loglevel x'\nargument(s) must be one of the following: debug, verbose, notice, "
       "warning"},
      {"daemonize yes\n",
       "*** FATAL CONFIG FILE ERROR (shardis) ***\nReading the configuration file, at line 1\n"
       ">>> 'daemonize yes'\ndaemonize yes is not supported: shardis runs in the foreground"},
  };
  for (const Case& c : cases) {
    TempConfigFile file(c.text);
    ConfigStore cfg;
    CHECK(cfg.load_file(file.path()) == c.error);
  }
}

TEST_CASE("load_file on a missing file says so", "[config]") {
  ConfigStore cfg;
  const std::string path =
      (std::filesystem::temp_directory_path() / "shardis-no-such-config.conf").string();
  CHECK(cfg.load_file(path) ==
        "Fatal error, can't open config file '" + path + "': No such file or directory");
}

TEST_CASE("config_help_text lists every parameter", "[config]") {
  const std::string help = shardis::config_help_text();
  for (const auto& p : ConfigStore::params()) {
    INFO(p.name);
    CHECK(help.find("--" + std::string(p.name) + " ") != std::string::npos);
  }
}

TEST_CASE("setting loglevel changes the log level at once", "[config]") {
  shardis::ConfigStore store;
  const auto before = spdlog::get_level();
  REQUIRE(store.set("loglevel", "warning").empty());
  CHECK(spdlog::get_level() == spdlog::level::warn);
  REQUIRE(store.set("loglevel", "debug").empty());
  CHECK(spdlog::get_level() == spdlog::level::debug);
  CHECK(store.set("loglevel", "loud") != "");
  CHECK(spdlog::get_level() == spdlog::level::debug);
  spdlog::set_level(before);
}
