// Checkpoints through the real server: SAVE, BGSAVE and the `save` rules,
// the final checkpoint on close and SHUTDOWN, restore at start-up (every
// type, TTLs, 1M keys, several restart cycles, -LOADING meanwhile),
// failures that leave the previous checkpoint intact, corrupt files moved
// aside, and kill -9 in the middle of a write.

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
  REQUIRE(c.raw({"sadd", "ints", "3", "-1", "70000"}) == ":3");
  REQUIRE(c.raw({"sadd", "words", "x", std::string("y\0z", 3)}) == ":2");
  REQUIRE(c.raw({"pexpire", "words", "3000000"}) == ":1");
  REQUIRE(c.raw({"rpush", "l", "first", "", std::string(10000, 'q'), "last"}) == ":4");
  REQUIRE(c.raw({"expire", "l", "4000"}) == ":1");
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
  CHECK(c.raw({"smembers", "ints"}) == "[$-1,$3,$70000]");  // an intset is sorted
  CHECK(c.raw({"object", "encoding", "ints"}) == "$intset");
  CHECK(c.raw({"smismember", "words", "x", std::string("y\0z", 3), "y"}) == "[:1,:1,:0]");
  CHECK(c.raw({"object", "encoding", "words"}) == "$hashtable");
  CHECK(c.integer({"pttl", "words"}) > 2990000);
  CHECK(c.raw({"lrange", "l", "0", "1"}) == "[$first,$]");
  CHECK(c.raw({"lindex", "l", "-1"}) == "$last");
  CHECK(c.raw({"llen", "l"}) == ":4");
  CHECK(c.integer({"ttl", "l"}) > 3990);
  CHECK(c.raw({"ttl", "s"}) == ":-1");
  CHECK(c.raw({"select", "5"}) == "+OK");
  CHECK(c.raw({"get", "in5"}) == "$five");
  CHECK(c.raw({"select", "0"}) == "+OK");
  CHECK(c.raw({"dbsize"}) == ":" + std::to_string(8 + extra));
}

// Writers for the point-in-time tests: each increments its counter and
// then writes the value to a pair of keys on different shards with one MSET
// (atomic), remembering the last value acknowledged. An image cut while
// they run must hold, per writer, a counter between what was acknowledged
// before the cut and what was acknowledged after it (plus one in flight),
// and equal halves of every pair.
class Writers {
 public:
  Writers(const EmbeddedServer& server, int n) : acked_(static_cast<size_t>(n)) {
    for (int t = 0; t < n; ++t) {
      threads_.emplace_back([this, t, host = server.host(), port = server.port()] {
        Client w(host, port);
        const std::string id = std::to_string(t);
        while (!stop_) {
          const long long v = w.integer({"incr", "ctr:" + id});
          const std::string sv = std::to_string(v);
          if (w.raw({"mset", "pa:" + id, sv, "pb:" + id, sv}) != "+OK") return;
          acked_[static_cast<size_t>(t)] = v;
        }
      });
    }
  }
  ~Writers() { stop(); }
  std::vector<long long> acked() const {
    std::vector<long long> out;
    for (const auto& a : acked_) out.push_back(a.load());
    return out;
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::atomic<long long>> acked_;
  std::vector<std::thread> threads_;
};

// On a server restored from the image: each writer's counter and pair.
void check_image_of_writers(Client& c, const std::vector<long long>& before,
                            const std::vector<long long>& after) {
  for (size_t t = 0; t < before.size(); ++t) {
    const std::string n = std::to_string(t);
    const long long v = c.integer({"incr", "ctr:" + n}) - 1;  // the image's value
    INFO("writer " << t << ": acked before the cut " << before[t] << ", image " << v
                   << ", acked after it " << after[t]);
    CHECK(v >= before[t]);
    CHECK(v <= after[t] + 1);
    const std::string pair = c.raw({"mget", "pa:" + n, "pb:" + n});
    CHECK(pair.substr(1, pair.find(',') - 1) ==
          pair.substr(pair.find(',') + 1, pair.size() - pair.find(',') - 2));
  }
}

// Polls INFO persistence until it holds `field` (e.g. "rdb_saves:1").
bool wait_for_info(Client& c, const std::string& field, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (c.raw({"info", "persistence"}).find(field + "\r\n") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
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

TEST_CASE("A start without a checkpoint is empty, LASTSAVE and INFO follow saves", "[checkpoint]") {
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

TEST_CASE("A corrupt checkpoint is moved aside, refuse or start empty", "[checkpoint]") {
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

TEST_CASE("A restore encodes collections under the configured limits", "[checkpoint][process]") {
  TempDir dir;
  {
    ShardisProcess server({"--dir", dir.path().string(), "--save", ""});
    Client c(server.host(), server.port());
    REQUIRE(c.raw({"hset", "h", "a", "1", "b", "2", "c", "3"}) == ":3");
    REQUIRE(c.raw({"zadd", "z", "1", "a", "2", "b", "3", "c"}) == ":3");
    REQUIRE(c.raw({"sadd", "s", "1", "2", "3"}) == ":3");
    REQUIRE(c.raw({"save"}) == "+OK");
  }
  ShardisProcess server({"--dir", dir.path().string(), "--save", "", "--hash-max-listpack-entries", "2",
                         "--zset-max-listpack-entries", "2", "--set-max-intset-entries", "2"});
  Client c(server.host(), server.port());
  CHECK(c.raw({"object", "encoding", "h"}) == "$hashtable");
  CHECK(c.raw({"object", "encoding", "z"}) == "$skiplist");
  CHECK(c.raw({"object", "encoding", "s"}) == "$hashtable");
  CHECK(c.raw({"hmget", "h", "a", "b", "c"}) == "[$1,$2,$3]");
  CHECK(c.raw({"smismember", "s", "1", "2", "3"}) == "[:1,:1,:1]");
  CHECK(c.raw({"zrange", "z", "0", "-1", "withscores"}) == "[$a,$1,$b,$2,$c,$3]");
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
    Writers writers(server, kThreads);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    before = writers.acked();
    REQUIRE(c.raw({"bgsave"}) == "+Background saving started");
    after = writers.acked();
    // Written after the cut: none of this may be in the image.
    Client late(server.host(), server.port());
    for (int i = 1; i <= 3000; ++i) {
      REQUIRE(late.raw({"set", "k:" + std::to_string(i), "new"}) == "+OK");
      REQUIRE(late.raw({"del", "k:" + std::to_string(kKeys - i + 1)}) == ":1");
      REQUIRE(late.raw({"set", "born:" + std::to_string(i), "x"}) == "+OK");
    }
    REQUIRE(late.raw({"flushdb"}).size() > 0);  // drains the rest of the snapshot first
    // The writer thread takes idle CPU first; under a sanitizer on a busy
    // machine the image of 200k keys can take tens of seconds.
    wait_for_info(c, "rdb_bgsave_in_progress:0", std::chrono::seconds(60));
    writers.stop();
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
  check_image_of_writers(c, before, after);
}

// The BGSAVE writer takes idle CPU only (SCHED_IDLE) until it starves: with
// every core kept busy by threads at normal priority it must still finish.
// Sized so that it does not in time under SCHED_IDLE alone (measured:
// 100k keys took 19 s there on two cores; nice 10 has 37 times its weight).
TEST_CASE("A BGSAVE ends while no core is idle", "[checkpoint][concurrency][serial]") {
  TempDir dir;
#ifdef SHARDIS_SANITIZED
  constexpr int kKeys = 100000;  // the sanitizers slow the writer several times over
#else
  constexpr int kKeys = 500000;
#endif
  {
    EmbeddedServer server(config_in(dir, {{"save", ""}}));
    Client c(server.host(), server.port(), std::chrono::seconds(60));
    REQUIRE(c.raw({"eval", "for i = 1, " + std::to_string(kKeys) + " do redis.call('set', 'k:' .. i, i) end", "0"}) ==
            "(nil)");
    std::atomic<bool> stop{false};
    std::vector<std::thread> busy;
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i <= cores; ++i) {
      busy.emplace_back([&stop] {
        uint64_t x = 0;
        while (!stop.load(std::memory_order_relaxed)) x = x * 6364136223846793005ULL + 1;
        static std::atomic<uint64_t> sink;
        sink.store(x, std::memory_order_relaxed);
      });
    }
    REQUIRE(c.raw({"bgsave"}) == "+Background saving started");
    const bool ended = wait_for_info(c, "rdb_bgsave_in_progress:0", std::chrono::seconds(60));
    stop = true;
    for (std::thread& t : busy) t.join();
    REQUIRE(ended);
    CHECK(c.raw({"info", "persistence"}).find("rdb_last_bgsave_status:ok") != std::string::npos);
  }
  EmbeddedServer server(config_in(dir, {{"save", ""}}));
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":" + std::to_string(kKeys));
  CHECK(c.raw({"get", "k:" + std::to_string(kKeys)}) == "$" + std::to_string(kKeys));
}

TEST_CASE("save rules start background checkpoints while writers write, none acknowledged is lost",
          "[checkpoint][concurrency]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  TempDir dir;
  constexpr int kThreads = 3;
  std::vector<long long> before, after;
  {
    Config cfg = config_in(dir, {{"shard-placement", placement}});
    cfg.manual_clock = true;  // the rule's seconds pass when the test says so
    cfg.persistence.save = "10 1";
    cfg.persistence.save_on_close = false;  // the image must be the rule's
    EmbeddedServer server(cfg);
    Client c(server.host(), server.port(), std::chrono::seconds(30));
    Writers writers(server, kThreads);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Ten seconds after the start: the rule is not met yet.
    server.fast_forward(std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(c.raw({"info", "persistence"}).find("rdb_saves:0\r\n") != std::string::npos);
    before = writers.acked();
    server.fast_forward(std::chrono::seconds(1));
    REQUIRE(wait_for_info(c, "rdb_saves:1", std::chrono::seconds(20)));
    after = writers.acked();
    // The cut moved LASTSAVE: no second checkpoint until ten more seconds.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    writers.stop();
    const std::string info = c.raw({"info", "persistence"});
    CHECK(info.find("rdb_saves:1\r\n") != std::string::npos);
    CHECK(info.find("rdb_last_bgsave_status:ok") != std::string::npos);
    CHECK(c.integer({"lastsave"}) > 0);
  }
  Config cfg = config_in(dir, {{"save", ""}});
  EmbeddedServer server(cfg);
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":" + std::to_string(3 * kThreads));
  check_image_of_writers(c, before, after);
}

TEST_CASE("BGSAVE SCHEDULE, and BGSAVE inside a transaction, run once the transaction is over",
          "[checkpoint]") {
  TempDir dir;
  Config cfg = config_in(dir, {{"save", ""}});
  EmbeddedServer server(cfg);
  Client c(server.host(), server.port());
  CHECK(c.raw({"bgsave", "now"}) == "-ERR syntax error");
  CHECK(c.raw({"bgsave", "schedule", "extra"}) == "-ERR syntax error");
  REQUIRE(c.raw({"set", "a", "1"}) == "+OK");
  CHECK(c.raw({"bgsave", "SCHEDULE"}) == "+Background saving started");
  REQUIRE(wait_for_info(c, "rdb_saves:1", std::chrono::seconds(20)));
  REQUIRE(c.raw({"multi"}) == "+OK");
  REQUIRE(c.raw({"set", "b", "2"}) == "+QUEUED");
  REQUIRE(c.raw({"bgsave"}) == "+QUEUED");
  REQUIRE(c.raw({"set", "c", "3"}) == "+QUEUED");
  CHECK(c.raw({"exec"}) == "[+OK,+Background saving scheduled,+OK]");
  // The cron starts it after the transaction: the image holds all of it.
  REQUIRE(wait_for_info(c, "rdb_saves:2", std::chrono::seconds(20)));
  REQUIRE(c.raw({"set", "d", "4"}) == "+OK");
  server.close();
  EmbeddedServer again(config_in(dir, {{"save", ""}}));
  Client c2(again.host(), again.port());
  CHECK(c2.raw({"mget", "a", "b", "c", "d"}) == "[$1,$2,$3,(nil)]");
}

TEST_CASE("Embedding: persistence options, restart from the same dir", "[checkpoint]") {
  TempDir dir;
  Config cfg = config_in(dir);
  cfg.persistence.dbfilename = "store.ckpt";
  {
    EmbeddedServer server(cfg);
    Client c(server.host(), server.port());
    CHECK(c.raw({"config", "get", "dbfilename"}) == "[$dbfilename,$store.ckpt]");
    REQUIRE(c.raw({"set", "kept", "1"}) == "+OK");
  }  // close() writes the final checkpoint
  REQUIRE(fs::exists(dir.path() / "store.ckpt"));
  {
    Config no_close = cfg;
    no_close.persistence.save_on_close = false;
    EmbeddedServer server(no_close);
    Client c(server.host(), server.port());
    CHECK(c.raw({"get", "kept"}) == "$1");
    REQUIRE(c.raw({"set", "not-saved", "1"}) == "+OK");
  }
  {
    Config no_restore = cfg;
    no_restore.persistence.restore = false;
    no_restore.persistence.save_on_close = false;
    EmbeddedServer server(no_restore);
    Client c(server.host(), server.port());
    CHECK(c.raw({"dbsize"}) == ":0");
  }
  {
    EmbeddedServer server(cfg);
    Client c(server.host(), server.port());
    CHECK(c.raw({"mget", "kept", "not-saved"}) == "[$1,(nil)]");
  }
  // A corrupt file: refused by default, started empty with quarantine_corrupt.
  std::ofstream(dir.path() / "store.ckpt", std::ios::trunc) << std::string(20000, 'x');
  CHECK_THROWS(EmbeddedServer(cfg));
  REQUIRE(count_quarantined(dir) == 1);
  Config lenient = cfg;
  lenient.persistence.quarantine_corrupt = true;
  {
    std::ofstream(dir.path() / "store.ckpt") << "not a checkpoint at all";
  }
  EmbeddedServer server(lenient);
  Client c(server.host(), server.port());
  CHECK(c.raw({"dbsize"}) == ":0");
  CHECK(count_quarantined(dir) == 2);
}

TEST_CASE("Clients that connect while a checkpoint loads get -LOADING", "[checkpoint][process]") {
  TempDir dir;
  constexpr int kKeys = 300000;
  {
    ShardisProcess server({"--dir", dir.path().string(), "--save", ""});
    Client c(server.host(), server.port(), std::chrono::seconds(120));
    REQUIRE(c.raw({"eval", "for i = 1, " + std::to_string(kKeys) + " do redis.call('set', 'k:' .. i, i) end",
                   "0"}) == "(nil)");
    REQUIRE(c.raw({"save"}) == "+OK");
  }
  const uint16_t port = pick_free_port();
  ChildProcess server(SHARDIS_SERVER_BIN,
                      {"--port", std::to_string(port), "--bind", "127.0.0.1", "--dir",
                       dir.path().string(), "--save", "", "--loglevel", "notice"},
                      dir.path() / "loading.log");
  // The port opens before the restore starts: the first connection lands
  // while the server is loading.
  std::unique_ptr<Client> c;
  for (int i = 0; i < 5000 && !c; ++i) {
    try {
      c = std::make_unique<Client>("127.0.0.1", port, std::chrono::seconds(30));
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  REQUIRE(c);
  CHECK(c->raw({"ping"}) == "-LOADING Redis is loading the dataset in memory");
  CHECK(c->raw({"get", "k:1"}) == "-LOADING Redis is loading the dataset in memory");
  const std::string info = c->raw({"info", "persistence"});
  CHECK(info.find("loading:1\r\n") != std::string::npos);
  CHECK(info.find("loading_total_keys:") != std::string::npos);  // known once verified
  CHECK(c->raw({"lastsave"}).rfind(":", 0) == 0);  // flagged "loading": allowed
  std::string pong;
  for (int i = 0; i < 3000 && pong != "+PONG"; ++i) {
    pong = c->raw({"ping"});
    if (pong != "+PONG") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(pong == "+PONG");
  CHECK(c->raw({"dbsize"}) == ":" + std::to_string(kKeys));
  CHECK(c->raw({"get", "k:" + std::to_string(kKeys)}) == "$" + std::to_string(kKeys));
  CHECK(c->raw({"info", "persistence"}).find("loading:0\r\n") != std::string::npos);
}

}  // namespace shardis::test
