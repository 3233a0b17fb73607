// The server family against the engine: CONFIG, INFO, COMMAND and TIME,
// commands in, exact RESP bytes out, in RESP2 and RESP3. Error texts and
// reply layouts were checked against redis-server 7.0.15.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/engine.hpp"

using shardis::Args;
using shardis::CommandTable;
using shardis::Engine;

namespace {

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string error(const std::string& text) {
  return "-" + text + "\r\n";
}

struct Case {
  Args cmd;
  std::string resp2;
  std::string resp3;
};

void run_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::string text;
    for (const std::string& a : c.cmd) text += "'" + a + "' ";
    INFO(text);
    Engine e2;
    CHECK(e2.run(c.cmd) == c.resp2);
    Engine e3;
    e3.session().resp = 3;
    CHECK(e3.run(c.cmd) == c.resp3);
  }
}

// The body of an INFO reply (bulk in RESP2).
std::string info_text(Engine& e, Args cmd) {
  const std::string reply = e.run(std::move(cmd));
  REQUIRE(reply.size() > 1);
  REQUIRE(reply[0] == '$');
  const size_t start = reply.find("\r\n") + 2;
  return reply.substr(start, reply.size() - start - 2);
}

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("CONFIG GET", "[server]") {
  run_cases({
      {{"config", "get", "hz"}, "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n", "%1\r\n$2\r\nhz\r\n$2\r\n10\r\n"},
      {{"config", "get", "hz", "port"},
       "*4\r\n$2\r\nhz\r\n$2\r\n10\r\n$4\r\nport\r\n$4\r\n6379\r\n",
       "%2\r\n$2\r\nhz\r\n$2\r\n10\r\n$4\r\nport\r\n$4\r\n6379\r\n"},
      // A plain name is echoed as given; repeats appear once.
      {{"CONFIG", "GET", "HZ", "hz"},
       "*2\r\n$2\r\nHZ\r\n$2\r\n10\r\n",
       "%1\r\n$2\r\nHZ\r\n$2\r\n10\r\n"},
      {{"config", "get", "*max-*len"},
       "*4\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n$15\r\nslowlog-max-len\r\n$"
       "3\r\n128\r\n",
       "%2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n$15\r\nslowlog-max-len\r\n$"
       "3\r\n128\r\n"},
      {{"config", "get", "*time-limit*"},
       "*2\r\n$14\r\nlua-time-limit\r\n$4\r\n5000\r\n",
       "%1\r\n$14\r\nlua-time-limit\r\n$4\r\n5000\r\n"},
      // What redis-benchmark reads.
      {{"config", "get", "save"},
       "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n",
       "%1\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n"},
      {{"config", "get", "appendonly"},
       "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
       "%1\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
      {{"config", "get", "nosuch"}, "*0\r\n", "%0\r\n"},
      {{"config", "get", "nosuch*"}, "*0\r\n", "%0\r\n"},
      {{"config", "get"},
       error("ERR wrong number of arguments for 'config|get' command"),
       error("ERR wrong number of arguments for 'config|get' command")},
  });
}

TEST_CASE("CONFIG SET", "[server]") {
  const std::string syntax = error("ERR syntax error");
  run_cases({
      {{"config", "set", "hz", "20"}, "+OK\r\n", "+OK\r\n"},
      {{"config", "set", "hz", "20", "maxmemory", "1gb"}, "+OK\r\n", "+OK\r\n"},
      {{"config", "set", "hz", "1", "maxmemory"}, syntax, syntax},
      {{"config", "set", "hz"},
       error("ERR wrong number of arguments for 'config|set' command"),
       error("ERR wrong number of arguments for 'config|set' command")},
      {{"config", "set", "foo", "1"},
       error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
       error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")},
      {{"config", "set", "hz", "abc"},
       error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
             "parsed into an integer"),
       error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
             "parsed into an integer")},
      {{"config", "set", "databases", "3"},
       error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
             "immutable config"),
       error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
             "immutable config")},
  });

  Engine e;
  CHECK(e.run({"config", "set", "maxmemory", "100mb", "timeout", "30"}) == "+OK\r\n");
  CHECK(e.run({"config", "get", "maxmemory"}) == "*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n");
  CHECK(e.run({"config", "get", "timeout"}) == "*2\r\n$7\r\ntimeout\r\n$2\r\n30\r\n");
  // A failing pair leaves the others untouched.
  CHECK(e.run({"config", "set", "timeout", "5", "maxmemory", "bad"}) ==
        error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
              "must be a memory value"));
  CHECK(e.run({"config", "get", "timeout"}) == "*2\r\n$7\r\ntimeout\r\n$2\r\n30\r\n");
  CHECK(e.server().config.get_int("maxmemory") == 104857600);
}

TEST_CASE("CONFIG HELP and unknown subcommands", "[server]") {
  Engine e;
  const std::string help = e.run({"config", "help"});
  CHECK(help.rfind("*9\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                   "+GET <pattern>\r\n",
                   0) == 0);
  const std::string tail = "+HELP\r\n+    Prints this help.\r\n";
  REQUIRE(help.size() > tail.size());
  CHECK(help.substr(help.size() - tail.size()) == tail);
  CHECK(e.run({"config", "foo"}) == error("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
  CHECK(e.run({"config"}) == error("ERR wrong number of arguments for 'config' command"));
}

TEST_CASE("CONFIG RESETSTAT zeroes counters and command stats", "[server]") {
  Engine e;
  CHECK(e.run({"set", "a", "1"}) == "+OK\r\n");
  CHECK(e.run({"get", "a"}) == "$1\r\n1\r\n");
  CHECK(e.run({"get", "nosuch"}) == "$-1\r\n");
  CHECK(e.run({"get"}) == error("ERR wrong number of arguments for 'get' command"));
  std::string info = info_text(e, {"info", "stats", "commandstats"});
  CHECK(info.find("keyspace_hits:1\r\n") != std::string::npos);
  CHECK(info.find("keyspace_misses:1\r\n") != std::string::npos);
  CHECK(info.find("total_commands_processed:3\r\n") != std::string::npos);
  CHECK(info.find("cmdstat_get:calls=2,") != std::string::npos);
  CHECK(info.find("cmdstat_set:calls=1,") != std::string::npos);

  CHECK(e.run({"config", "resetstat"}) == "+OK\r\n");
  info = info_text(e, {"info", "stats", "commandstats"});
  CHECK(info.find("keyspace_hits:0\r\n") != std::string::npos);
  CHECK(info.find("keyspace_misses:0\r\n") != std::string::npos);
  // RESETSTAT itself is counted after it ran, as in Redis.
  CHECK(info.find("total_commands_processed:1\r\n") != std::string::npos);
  CHECK(info.find("cmdstat_get:") == std::string::npos);
  CHECK(info.find("cmdstat_config|resetstat:calls=1,usec=") != std::string::npos);
  CHECK(info.find("rejected_calls=0,failed_calls=0\r\n") != std::string::npos);
}

TEST_CASE("INFO sections, fields and keyspace", "[server]") {
  Engine e;
  const std::string all = info_text(e, {"info"});
  const char* sections[] = {
      "# Server\r\n",      "# Clients\r\n", "# Memory\r\n",  "# Persistence\r\n", "# Stats\r\n",
      "# Replication\r\n", "# CPU\r\n",     "# Modules\r\n", "# Cluster\r\n",     "# Keyspace\r\n"};
  size_t last = 0;
  for (const char* s : sections) {
    INFO(s);
    const size_t at = all.find(s);
    REQUIRE(at != std::string::npos);
    CHECK(at >= last);
    last = at;
  }
  CHECK(all.rfind("# Server\r\nredis_version:7.2.4\r\n", 0) == 0);
  CHECK(all.find("# Commandstats") == std::string::npos);  // not a default section
  const char* fields[] = {"\r\nredis_mode:standalone\r\n",
                          "\r\narch_bits:64\r\n",
                          "\r\nprocess_id:",
                          "\r\nrun_id:",
                          "\r\ntcp_port:0\r\n",
                          "\r\nuptime_in_seconds:",
                          "\r\nuptime_in_days:",
                          "\r\nhz:10\r\n",
                          "\r\nexecutable:",
                          "\r\nconfig_file:",
                          "\r\nconnected_clients:0\r\n",
                          "\r\nblocked_clients:0\r\n",
                          "\r\nmaxclients:10000\r\n",
                          "\r\nused_memory:",
                          "\r\nused_memory_human:",
                          "\r\nused_memory_rss:",
                          "\r\nused_memory_peak:",
                          "\r\nmaxmemory:0\r\n",
                          "\r\nmaxmemory_policy:noeviction\r\n",
                          "\r\nmem_fragmentation_ratio:",
                          "\r\nloading:0\r\n",
                          "\r\nrdb_changes_since_last_save:0\r\n",
                          "\r\nrdb_bgsave_in_progress:0\r\n",
                          "\r\nrdb_last_save_time:",
                          "\r\nrdb_last_bgsave_status:ok\r\n",
                          "\r\naof_enabled:0\r\n",
                          "\r\ntotal_connections_received:0\r\n",
                          "\r\ntotal_commands_processed:0\r\n",
                          "\r\ninstantaneous_ops_per_sec:0\r\n",
                          "\r\nrejected_connections:0\r\n",
                          "\r\nexpired_keys:0\r\n",
                          "\r\nkeyspace_hits:0\r\n",
                          "\r\nkeyspace_misses:0\r\n",
                          "\r\ntotal_error_replies:0\r\n",
                          "\r\nrole:master\r\n",
                          "\r\nconnected_slaves:0\r\n",
                          "\r\nmaster_replid:",
                          "\r\nmaster_repl_offset:0\r\n",
                          "\r\nused_cpu_sys:",
                          "\r\nused_cpu_user:",
                          "\r\ncluster_enabled:0\r\n"};
  for (const char* f : fields) {
    INFO(f);
    CHECK(all.find(f) != std::string::npos);
  }
  // Every line is "name:value" or a header, sections separated by one blank line.
  CHECK(all.substr(all.size() - 2) == "\r\n");
  CHECK(count_of(all, "\r\n\r\n") == std::size(sections) - 1);

  // An empty keyspace prints only the header.
  CHECK(e.run({"info", "keyspace"}) == bulk("# Keyspace\r\n"));

  CHECK(e.run({"set", "a", "1"}) == "+OK\r\n");
  CHECK(e.run({"set", "b", "2", "EX", "100"}) == "+OK\r\n");
  CHECK(e.run({"select", "2"}) == "+OK\r\n");
  CHECK(e.run({"set", "c", "3", "PX", "5000"}) == "+OK\r\n");
  // The manual clock stands still, so the sampled TTLs are exact.
  CHECK(e.run({"info", "keyspace"}) == bulk("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=100000\r\n"
                                            "db2:keys=1,expires=1,avg_ttl=5000\r\n"));
  const std::string persistence = info_text(e, {"INFO", "Persistence"});
  CHECK(persistence.find("rdb_changes_since_last_save:3\r\n") != std::string::npos);
}

TEST_CASE("INFO section selection and reply types", "[server]") {
  Engine e;
  CHECK(e.run({"info", "nosuch"}) == "$0\r\n\r\n");
  CHECK(e.run({"info", "cluster"}) == bulk("# Cluster\r\ncluster_enabled:0\r\n"));
  CHECK(e.run({"info", "cluster", "modules"}) ==
        bulk("# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"));
  CHECK(info_text(e, {"info", "all"}).find("# Commandstats\r\n") != std::string::npos);
  CHECK(info_text(e, {"info", "everything"}).find("# Commandstats\r\n") != std::string::npos);
  const std::string def = info_text(e, {"info", "default"});
  CHECK(def.find("# Commandstats") == std::string::npos);
  CHECK(def.find("# Keyspace\r\n") != std::string::npos);

  e.session().resp = 3;
  CHECK(e.run({"info", "cluster"}) == "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
  CHECK(e.run({"info", "nosuch"}) == "=4\r\ntxt:\r\n");
}

TEST_CASE("COMMAND COUNT, LIST and unknown subcommands", "[server]") {
  Engine e;
  const auto& all = CommandTable::instance().all();
  CHECK(e.run({"command", "count"}) == ":" + std::to_string(all.size()) + "\r\n");
  CHECK(e.run({"command", "list", "filterby", "pattern", "config*"}) ==
        "*5\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n$11\r\nconfig|help\r\n"
        "$16\r\nconfig|resetstat\r\n$10\r\nconfig|set\r\n");
  CHECK(e.run({"command", "list", "FILTERBY", "PATTERN", "TI*"}) == "*1\r\n$4\r\ntime\r\n");
  CHECK(e.run({"command", "list", "filterby", "module", "json"}) == "*0\r\n");
  const std::string string_cmds = e.run({"command", "list", "filterby", "aclcat", "string"});
  CHECK(string_cmds.find("$3\r\nget\r\n") != std::string::npos);
  CHECK(string_cmds.find("$4\r\ntime\r\n") == std::string::npos);
  CHECK(e.run({"command", "list", "filterby", "color", "x"}) == error("ERR syntax error"));
  CHECK(e.run({"command", "list", "extra"}) == error("ERR syntax error"));

  size_t total = 0;
  for (const auto* spec : all) total += 1 + spec->subcommands.size();
  const std::string list = e.run({"command", "list"});
  CHECK(list.rfind("*" + std::to_string(total) + "\r\n", 0) == 0);

  CHECK(e.run({"command", "foo"}) == error("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
  const std::string help = e.run({"command", "help"});
  CHECK(help.rfind("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n",
                   0) == 0);
}

TEST_CASE("COMMAND INFO", "[server]") {
  // Byte for byte what redis-server 7.0.15 replies.
  const std::string get2 =
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
      "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n"
      "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
      "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex"
      "\r\n:1\r\n"
      "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n"
      "$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
  const std::string get3 =
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
      "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n"
      "~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n"
      "$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex"
      "\r\n:1\r\n"
      "$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n"
      "$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n";
  const std::string config_get =
      "*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"
      ":0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n";
  const std::string time =
      "*10\r\n$4\r\ntime\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
      "*1\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n";
  run_cases({
      {{"command", "info", "get"}, get2, get3},
      {{"COMMAND", "INFO", "GET"}, get2, get3},
      {{"command", "info", "config|get", "nosuch", "time"},
       "*3\r\n" + config_get + "$-1\r\n" + time,
       "*3\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n"
       "+stale\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n~0\r\n~0\r\n~0\r\n"
       "_\r\n"
       "*10\r\n$4\r\ntime\r\n:1\r\n~3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
       "~1\r\n+@fast\r\n~0\r\n~0\r\n~0\r\n"},
  });

  Engine e;
  // A container lists its subcommands' full entries.
  const std::string config = e.run({"command", "info", "config"});
  CHECK(config.rfind("*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n", 0) == 0);
  CHECK(config.find("*4\r\n*10\r\n$10\r\nconfig|get\r\n") != std::string::npos);
  // MSET-style key specs: every other argument to the end.
  const std::string mset = e.run({"command", "info", "mset"});
  CHECK(mset.find(":1\r\n:-1\r\n:2\r\n") != std::string::npos);
  CHECK(mset.find("$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n") != std::string::npos);
  // COMMAND INFO with no names describes every command.
  const std::string everything = e.run({"command", "info"});
  CHECK(everything.rfind("*" + std::to_string(CommandTable::instance().all().size()) + "\r\n", 0) ==
        0);
}

TEST_CASE("COMMAND with no subcommand describes every command", "[server]") {
  Engine e;
  const std::string reply = e.run({"command"});
  CHECK(reply.rfind("*" + std::to_string(CommandTable::instance().all().size()) + "\r\n*10\r\n",
                    0) == 0);
  CHECK(reply.find("$10\r\nconfig|get\r\n") != std::string::npos);
}

TEST_CASE("COMMAND DOCS", "[server]") {
  Engine e;
  run_cases({
      {{"command", "docs", "config|resetstat"},
       "*2\r\n$16\r\nconfig|resetstat\r\n*6\r\n$7\r\nsummary\r\n$31\r\nResets the server's "
       "statistics.\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n",
       "%1\r\n$16\r\nconfig|resetstat\r\n%3\r\n$7\r\nsummary\r\n$31\r\nResets the server's "
       "statistics.\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n"},
      {{"command", "docs", "nosuch"}, "*0\r\n", "%0\r\n"},
      // Arguments come from the syntax "parameter value [parameter value ...]",
      // shaped as Redis shapes them.
      {{"command", "docs", "config|set"},
       "*2\r\n$10\r\nconfig|set\r\n*8\r\n$7\r\nsummary\r\n$40\r\nSets configuration "
       "parameters in-flight.\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n"
       "$9\r\narguments\r\n*1\r\n"
       "*8\r\n$4\r\nname\r\n$15\r\nparameter_value\r\n$4\r\ntype\r\n$5\r\nblock\r\n"
       "$5\r\nflags\r\n*1\r\n+multiple\r\n$9\r\narguments\r\n*2\r\n"
       "*4\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$6\r\nstring\r\n"
       "*4\r\n$4\r\nname\r\n$5\r\nvalue\r\n$4\r\ntype\r\n$6\r\nstring\r\n",
       "%1\r\n$10\r\nconfig|set\r\n%4\r\n$7\r\nsummary\r\n$40\r\nSets configuration "
       "parameters in-flight.\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n"
       "$9\r\narguments\r\n*1\r\n"
       "%4\r\n$4\r\nname\r\n$15\r\nparameter_value\r\n$4\r\ntype\r\n$5\r\nblock\r\n"
       "$5\r\nflags\r\n~1\r\n+multiple\r\n$9\r\narguments\r\n*2\r\n"
       "%2\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$6\r\nstring\r\n"
       "%2\r\n$4\r\nname\r\n$5\r\nvalue\r\n$4\r\ntype\r\n$6\r\nstring\r\n"},
  });

  const std::string get = e.run({"command", "docs", "get"});
  CHECK(get.rfind("*2\r\n$3\r\nget\r\n*8\r\n$7\r\nsummary\r\n", 0) == 0);
  CHECK(get.find("$5\r\ngroup\r\n$6\r\nstring\r\n") != std::string::npos);
  CHECK(get.find("$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0"
                 "\r\n") != std::string::npos);

  // SET's options: tokens, one-ofs and optional flags.
  const std::string set = e.run({"command", "docs", "set"});
  CHECK(set.find("$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2"
                 "\r\nNX\r\n") != std::string::npos);
  CHECK(set.find("$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nflags\r\n*1\r\n+optional\r\n") !=
        std::string::npos);
  CHECK(set.find("$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\ntoken\r\n$2"
                 "\r\nEX\r\n") != std::string::npos);

  // A container documents its subcommands.
  const std::string config = e.run({"command", "docs", "config"});
  CHECK(config.find("$11\r\nsubcommands\r\n*8\r\n$10\r\nconfig|get\r\n") != std::string::npos);

  // Every command has a summary, a version and a group.
  const std::string all = e.run({"command", "docs"});
  const size_t n = CommandTable::instance().all().size();
  CHECK(all.rfind("*" + std::to_string(2 * n) + "\r\n", 0) == 0);
  CHECK(count_of(all, "$7\r\nsummary\r\n") >= n);
}

TEST_CASE("COMMAND GETKEYS", "[server]") {
  Engine e;
  CHECK(e.run({"command", "getkeys", "get", "a"}) == "*1\r\n$1\r\na\r\n");
  CHECK(e.run({"command", "getkeys", "mset", "a", "1", "b", "2"}) ==
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(e.run({"command", "getkeysandflags", "get", "a"}) ==
        "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n");
  CHECK(e.run({"command", "getkeys", "nosuch", "a"}) == error("ERR Invalid command specified"));
  CHECK(e.run({"command", "getkeys", "time", "x"}) ==
        error("ERR The command has no key arguments"));
  CHECK(e.run({"command", "getkeys", "get", "a", "b"}) ==
        error("ERR Invalid number of arguments specified for command"));
  CHECK(e.run({"command", "getkeys", "get"}) ==
        error("ERR wrong number of arguments for 'command|getkeys' command"));
}

TEST_CASE("TIME", "[server]") {
  Engine e;
  const int64_t us = e.server().clock.now_us();
  const std::string secs = std::to_string(us / 1000000);
  const std::string micros = std::to_string(us % 1000000);
  const std::string expected = "*2\r\n" + bulk(secs) + bulk(micros);
  CHECK(e.run({"time"}) == expected);
  e.session().resp = 3;
  CHECK(e.run({"time"}) == expected);
  CHECK(e.run({"time", "x"}) == error("ERR wrong number of arguments for 'time' command"));
}

TEST_CASE("RateMeter averages the last 16 samples", "[server][info]") {
  shardis::RateMeter meter;
  CHECK(meter.per_second() == 0);
  int64_t t = 1'000'000;
  uint64_t total = 0;
  meter.sample(t, total);  // the first sample only sets the baseline
  for (int i = 0; i < 16; ++i) {
    t += 100'000;  // 100 ms
    total += 500;  // 5000 per second
    meter.sample(t, total);
  }
  CHECK(meter.per_second() == 5000);
  for (int i = 0; i < 8; ++i) {
    t += 100'000;
    meter.sample(t, total);  // idle
  }
  CHECK(meter.per_second() == 2500);
}
