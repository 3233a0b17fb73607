// Checkpoints through the real server: SAVE, the final checkpoint on close
// and SHUTDOWN, restore at start-up (every type, TTLs, 1M keys, several
// restart cycles), failures that leave the previous checkpoint intact,
// corrupt files moved aside, and kill -9 in the middle of a write.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "persistence/lmdb_env.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace shardis::test {
namespace {

namespace fs = std::filesystem;

Config config_in(const TempDir& dir, std::vector<std::pair<std::string, std::string>> options = {}) {
  Config c;
  c.shards = 4;
  c.dir = dir.path().string();
  c.options = std::move(options);
  return c;
}

fs::path checkpoint_file(const TempDir& dir) { return dir.path() / "dump.shardis"; }

int count_quarantined(const TempDir& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().find(".corrupt-") != std::string::npos) ++n;
  return n;
}

// Every type shardis has, with and without TTLs.
void fill_all_types(Client& c) {
  REQUIRE(c.raw({"set", "s", "plain"}) == "+OK");
  REQUIRE(c.raw({"set", "bin", std::string("a\0b\r\n", 5)}) == "+OK");
  REQUIRE(c.raw({"set", "ttl", "v", "ex", "1000"}) == "+OK");
  REQUIRE(c.raw({"hset", "h", "f1", "v1", "f2", "v2"}) == ":2");
  REQUIRE(c.raw({"expire", "h", "2000"}) == ":1");
  REQUIRE(c.raw({"zadd", "z", "1.5", "a", "-inf", "b", "0.25", "c", "inf", "d"}) == ":4");
  REQUIRE(c.raw({"select", "5"}) == "+OK");
  REQUIRE(c.raw({"set", "in5", "five"}) == "+OK");
  REQUIRE(c.raw({"select", "0"}) == "+OK");
}

// `extra` keys beside the ones fill_all_types wrote.
void check_all_types(Client& c, int extra = 0) {
  CHECK(c.raw({"get", "s"}) == "$plain");
  CHECK(c.raw({"strlen", "bin"}) == ":5");
  CHECK(c.raw({"getrange", "bin", "1", "1"}) == std::string("$\0", 2));
  const long long ttl = c.integer({"ttl", "ttl"});
  CHECK(ttl > 990);
  CHECK(ttl <= 1000);
  CHECK(c.raw({"hget", "h", "f2"}) == "$v2");
  CHECK(c.raw({"hlen", "h"}) == ":2");
  CHECK(c.integer({"ttl", "h"}) > 1990);
  CHECK(c.raw({"zrange", "z", "0", "-1", "withscores"}) == "[$b,$-inf,$c,$0.25,$a,$1.5,$d,$inf]");
  CHECK(c.raw({"ttl", "s"}) == ":-1");
  CHECK(c.raw({"select", "5"}) == "+OK");
  CHECK(c.raw({"get", "in5"}) == "$five");
  CHECK(c.raw({"select", "0"}) == "+OK");
  CHECK(c.raw({"dbsize"}) == ":" + std::to_string(5 + extra));
}

}  // namespace

TEST_CASE("Every type survives three restart cycles", "[checkpoint]") {
  TempDir dir;
  {
    EmbeddedServer server(config_in(dir));
    Client c(server.host(), server.port());
    fill_all_types(c);
    CHECK(c.raw({"save"}) == "+OK");
  }
  for (int cycle = 0; cycle < 3; ++cycle) {
    INFO("cycle " << cycle);
    EmbeddedServer server(config_in(dir));
    Client c(server.host(), server.port());
    check_all_types(c, cycle == 0 ? 0 : 1);
    // A write after the last SAVE reaches the next start through the final
    // checkpoint of close() (the default save rules are on).
    CHECK(c.raw({"incr", "cycles"}) == ":" + std::to_string(cycle + 1));
  }
}

TEST_CASE("A start without a checkpoint is empty; LASTSAVE and INFO follow saves", "[checkpoint]") {
  TempDir dir;
  EmbeddedServer server(config_in(dir));
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":0");
  CHECK_FALSE(fs::exists(checkpoint_file(dir)));
  REQUIRE(c.raw({"set", "k", "v"}) == "+OK");
  const std::string before = c.raw({"info", "persistence"});
  CHECK(before.find("rdb_changes_since_last_save:1") != std::string::npos);
  CHECK(c.raw({"save"}) == "+OK");
  const std::string after = c.raw({"info", "persistence"});
  CHECK(after.find("rdb_changes_since_last_save:0") != std::string::npos);
  CHECK(after.find("rdb_saves:1") != std::string::npos);
  CHECK(after.find("rdb_last_bgsave_status:ok") != std::string::npos);
  CHECK(after.find("checkpoint_keys:1") != std::string::npos);
  const long long lastsave = c.integer({"lastsave"});
  CHECK(std::abs(lastsave - std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()) < 5);
}

TEST_CASE("Expired keys are not resurrected by a restore", "[checkpoint]") {
  TempDir dir;
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port());
    REQUIRE(c.raw({"set", "short", "v", "px", "300"}) == "+OK");
    REQUIRE(c.raw({"set", "long", "v", "ex", "100"}) == "+OK");
    CHECK(c.raw({"save"}) == "+OK");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EmbeddedServer server(config_in(dir));
  Client c(server.host(), server.port());
  CHECK(c.raw({"exists", "short", "long"}) == ":1");
  CHECK(c.raw({"dbsize"}) == ":1");
}

TEST_CASE("1M keys checkpoint and restore", "[checkpoint][slow]") {
  TempDir dir;
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port(), std::chrono::seconds(120));
    REQUIRE(c.raw({"eval", "for i = 1, 1000000 do redis.call('set', 'key:' .. i, i) end return 1", "0"}) ==
            ":1");
    CHECK(c.raw({"save"}) == "+OK");
  }
  EmbeddedServer server(config_in(dir));
  Client c(server.host(), server.port(), std::chrono::seconds(120));
  CHECK(c.raw({"dbsize"}) == ":1000000");
  CHECK(c.raw({"get", "key:1"}) == "$1");
  CHECK(c.raw({"get", "key:1000000"}) == "$1000000");
  CHECK(c.raw({"info", "persistence"}).find("checkpoint_loaded_keys:1000000") != std::string::npos);
}

TEST_CASE("A failed checkpoint keeps serving and the previous one intact", "[checkpoint]") {
  TempDir dir;
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}, {"checkpoint-map-size", "1mb"},
                                         {"checkpoint-max-map-size", "2mb"}}));
    Client c(server.host(), server.port());
    REQUIRE(c.raw({"set", "first", "1"}) == "+OK");
    CHECK(c.raw({"save"}) == "+OK");
    // Too big for the largest map allowed.
    REQUIRE(c.raw({"eval", "for i = 1, 40 do redis.call('set', 'big:' .. i, string.rep('x', 100000)) end", "0"}) ==
            "(nil)");
    CHECK(c.raw({"save"}) == "-ERR");
    const std::string info = c.raw({"info", "persistence"});
    CHECK(info.find("rdb_last_bgsave_status:err") != std::string::npos);
    CHECK(info.find("rdb_saves:1") != std::string::npos);
    CHECK(c.raw({"get", "first"}) == "$1");  // still serving
    CHECK(c.raw({"dbsize"}) == ":41");
  }
  {
    // The previous checkpoint is what a restart finds.
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port());
    CHECK(c.raw({"dbsize"}) == ":1");
    // And the next attempt, with room, succeeds.
    REQUIRE(c.raw({"set", "big", std::string(300000, 'y')}) == "+OK");
    CHECK(c.raw({"save"}) == "+OK");
    CHECK(c.raw({"info", "persistence"}).find("rdb_last_bgsave_status:ok") != std::string::npos);
  }
  EmbeddedServer server(config_in(dir));
  Client c(server.host(), server.port());
  CHECK(c.raw({"strlen", "big"}) == ":300000");
}

TEST_CASE("A corrupt checkpoint is moved aside; refuse or start empty", "[checkpoint]") {
  const bool truncate = GENERATE(true, false);
  INFO((truncate ? "truncated" : "bytes flipped"));
  TempDir dir;
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port());
    for (int i = 0; i < 2000; ++i) REQUIRE(c.raw({"set", "k" + std::to_string(i), std::string(100, 'v')}) == "+OK");
    CHECK(c.raw({"save"}) == "+OK");
  }
  const fs::path file = checkpoint_file(dir);
  const auto size = fs::file_size(file);
  if (truncate) {
    fs::resize_file(file, size / 2);
  } else {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    for (auto offset : {size / 3, size / 2, size * 2 / 3}) {
      f.seekp(static_cast<std::streamoff>(offset));
      f.write("\xde\xad\xbe\xef", 4);
    }
  }
  // Default: refuse to start, with the file moved aside (never deleted).
  CHECK_THROWS(EmbeddedServer(config_in(dir)));
  CHECK_FALSE(fs::exists(file));
  CHECK(count_quarantined(dir) == 1);
  {
    // The next start finds no checkpoint and starts empty; it can save again.
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port());
    CHECK(c.raw({"dbsize"}) == ":0");
    REQUIRE(c.raw({"set", "fresh", "1"}) == "+OK");
    CHECK(c.raw({"save"}) == "+OK");
  }
  // checkpoint-corrupt quarantine: start empty at once.
  fs::resize_file(file, fs::file_size(file) / 2);
  EmbeddedServer server(config_in(dir, {{"checkpoint-corrupt", "quarantine"}}));
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":0");
  CHECK(count_quarantined(dir) == 2);
}

TEST_CASE("SHUTDOWN writes a final checkpoint, NOSAVE does not", "[checkpoint][process]") {
  TempDir dir;
  {
    ShardisProcess server({"--dir", dir.path().string()});
    Client c(server.host(), server.port());
    REQUIRE(c.raw({"set", "kept", "1"}) == "+OK");
    c.append({"shutdown"});
    c.read_reply();
    REQUIRE(server.process().wait_exit(std::chrono::seconds(10)).has_value());
  }
  {
    ShardisProcess server({"--dir", dir.path().string()});
    Client c(server.host(), server.port());
    CHECK(c.raw({"get", "kept"}) == "$1");
    REQUIRE(c.raw({"set", "lost", "1"}) == "+OK");
    c.append({"shutdown", "nosave"});
    c.read_reply();
    REQUIRE(server.process().wait_exit(std::chrono::seconds(10)).has_value());
  }
  ShardisProcess server({"--dir", dir.path().string()});
  Client c(server.host(), server.port());
  CHECK(c.raw({"mget", "kept", "lost"}) == "[$1,(nil)]");
}

TEST_CASE("kill -9 during a checkpoint write leaves the previous checkpoint whole", "[checkpoint][process]") {
  TempDir dir;
  constexpr int kFirst = 1000;
  {
    ShardisProcess server({"--dir", dir.path().string(), "--save", ""});
    Client c(server.host(), server.port(), std::chrono::seconds(120));
    REQUIRE(c.raw({"eval", "for i = 1, " + std::to_string(kFirst) + " do redis.call('set', 'a:' .. i, i) end", "0"}) ==
            "(nil)");
    REQUIRE(c.raw({"save"}) == "+OK");
    // A much larger second image, killed while it is being written.
    REQUIRE(c.raw({"eval", "for i = 1, 400000 do redis.call('set', 'b:' .. i, i) end", "0"}) == "(nil)");
    c.append({"save"});
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    server.process().kill_and_reap();
  }
  ShardisProcess server({"--dir", dir.path().string(), "--save", ""});
  Client c(server.host(), server.port());
  const std::string n = c.raw({"dbsize"});
  // Either the first image, whole, or (if the second finished first) the
  // second, whole: never a mix.
  CHECK((n == ":" + std::to_string(kFirst) || n == ":" + std::to_string(kFirst + 400000)));
  CHECK(c.raw({"get", "a:" + std::to_string(kFirst)}) == "$" + std::to_string(kFirst));
  INFO("dbsize after restart " << n);
}

TEST_CASE("An LMDB file with no committed image starts empty, even with refuse", "[checkpoint]") {
  TempDir dir;
  {
    // What an interrupted first checkpoint leaves: LMDB's file, no image.
    LmdbEnv env;
    std::string error;
    REQUIRE(env.open(checkpoint_file(dir).string(), true, 1 << 20, &error));
  }
  REQUIRE(fs::exists(checkpoint_file(dir)));
  EmbeddedServer server(config_in(dir));
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":0");
  CHECK(count_quarantined(dir) == 1);
  REQUIRE(c.raw({"set", "k", "v"}) == "+OK");
  CHECK(c.raw({"save"}) == "+OK");
}

TEST_CASE("BGSAVE is a point in time while writers keep writing", "[checkpoint][concurrency]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  TempDir dir;
  constexpr int kKeys = 200000, kThreads = 3;
  std::vector<long long> before(kThreads), after(kThreads);
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}, {"shard-placement", placement}}));
    Client c(server.host(), server.port(), std::chrono::seconds(60));
    REQUIRE(c.raw({"eval", "for i = 1, " + std::to_string(kKeys) + " do redis.call('set', 'k:' .. i, '0') end", "0"}) ==
            "(nil)");
    // Writers: a counter each, and a pair of keys on different shards
    // written together by MSET (atomic): the image must hold equal halves.
    std::atomic<bool> stop{false};
    std::vector<std::atomic<long long>> acked(kThreads);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        Client w(server.host(), server.port());
        const std::string n = std::to_string(t);
        while (!stop) {
          const long long v = w.integer({"incr", "ctr:" + n});
          const std::string sv = std::to_string(v);
          if (w.raw({"mset", "pa:" + n, sv, "pb:" + n, sv}) != "+OK") return;
          acked[t] = v;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int t = 0; t < kThreads; ++t) before[t] = acked[t];
    REQUIRE(c.raw({"bgsave"}) == "+Background saving started");
    for (int t = 0; t < kThreads; ++t) after[t] = acked[t];
    // Written after the cut: none of this may be in the image.
    Client late(server.host(), server.port());
    for (int i = 1; i <= 3000; ++i) {
      REQUIRE(late.raw({"set", "k:" + std::to_string(i), "new"}) == "+OK");
      REQUIRE(late.raw({"del", "k:" + std::to_string(kKeys - i + 1)}) == ":1");
      REQUIRE(late.raw({"set", "born:" + std::to_string(i), "x"}) == "+OK");
    }
    REQUIRE(late.raw({"flushdb"}).size() > 0);  // drains the rest of the snapshot first
    for (int i = 0; i < 500; ++i) {
      if (c.raw({"info", "persistence"}).find("rdb_bgsave_in_progress:0") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop = true;
    for (auto& w : writers) w.join();
    const std::string info = c.raw({"info", "persistence"});
    REQUIRE(info.find("rdb_bgsave_in_progress:0") != std::string::npos);
    CHECK(info.find("rdb_last_bgsave_status:ok") != std::string::npos);
  }
  EmbeddedServer server(config_in(dir, {{"save", ""}}));
  Client c(server.host(), server.port(), std::chrono::seconds(60));
  CHECK(c.raw({"dbsize"}) == ":" + std::to_string(kKeys + 3 * kThreads));
  CHECK(c.raw({"exists", "born:1", "born:3000"}) == ":0");
  CHECK(c.raw({"eval", "local bad = 0 for i = 1, " + std::to_string(kKeys) +
                           " do if redis.call('get', 'k:' .. i) ~= '0' then bad = bad + 1 end end return bad",
                       "0"}) == ":0");
  for (int t = 0; t < kThreads; ++t) {
    const std::string n = std::to_string(t);
    const long long v = c.integer({"incr", "ctr:" + n}) - 1;  // the image's value
    INFO("writer " << t << ": acked before the cut " << before[t] << ", image " << v << ", acked at reply "
                   << after[t]);
    CHECK(v >= before[t]);
    CHECK(v <= after[t] + 1);
    const std::string pair = c.raw({"mget", "pa:" + n, "pb:" + n});
    CHECK(pair.substr(1, pair.find(',') - 1) == pair.substr(pair.find(',') + 1, pair.size() - pair.find(',') - 2));
  }
}

}  // namespace shardis::test
