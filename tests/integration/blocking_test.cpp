// Blocking pops over TCP, under both shard placements: clients served in
// the order they blocked, and before the next command runs (as on
// redis-server), timeouts, keys on several shards, wake-ups after
// transactions, CLIENT UNBLOCK, disconnections, and a queue between many
// producers and consumers.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/placement.hpp"
#include "support/server_process.hpp"

namespace shardis::test {
namespace {

constexpr int kShards = 4;

// An INFO clients field as a number.
long long info_field(Client& c, const std::string& name) {
  const std::string info = c.raw({"INFO", "clients"});
  const size_t at = info.find(name + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + name.size() + 1));
}

// Waits until INFO reports `n` for the field (blocked clients register
// asynchronously to the test's thread).
bool wait_for_field(Client& c, const std::string& name, long long n) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (info_field(c, name) == n) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

bool wait_blocked(Client& c, long long n) {
  return wait_for_field(c, "blocked_clients", n);
}

// A command in RESP, for a RawSocket: a blocked client must send without
// waiting for the reply.
std::string resp(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// A server under one shard placement (every test runs under both), and a
// connection to watch and feed it.
struct Placed {
  explicit Placed(const std::string& placement)
      : server(start_placed_server(kShards, placement)), admin(server.host(), server.port()) {}
  EmbeddedServer server;
  Client admin;
};

// n connections that each sent args (a blocking command) and wait.
std::vector<std::unique_ptr<RawSocket>> blocked_clients(const EmbeddedServer& server, int n,
                                                        const Args& args) {
  std::vector<std::unique_ptr<RawSocket>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<RawSocket>(server.host(), server.port()));
    out.back()->send(resp(args));
  }
  return out;
}

// Runs a command on a connection of its own in another thread. The
// client's read timeout bounds how long the command may block: past it, the
// reply is "(io error: ...)".
std::future<std::string> run_async(const EmbeddedServer& server, Args args,
                                   std::chrono::milliseconds timeout = 5s) {
  return std::async(std::launch::async, [host = server.host(), port = server.port(), args, timeout] {
    Client c(host, port, timeout);
    return c.raw(args);
  });
}

struct ServeCase {
  const char* name;
  std::vector<Args> blocking;
  std::vector<Args> pipeline;
};

// Keys with one hash tag live on one shard: these clients are served where
// their keys live.
const std::vector<ServeCase>& serve_cases() {
  static const std::vector<ServeCase> kCases = {
      {"one waiter, then a pipelined push, LLEN and LPOP",
       {{"BLPOP", "q", "0"}},
       {{"LPUSH", "q", "x"}, {"LLEN", "q"}, {"LPOP", "q"}}},
      {"two waiters and three elements in one push",
       {{"BLPOP", "q", "0"}, {"BRPOP", "q", "0"}},
       {{"RPUSH", "q", "a", "b", "c"}, {"LRANGE", "q", "0", "-1"}}},
      {"a push inside MULTI: served after EXEC",
       {{"BLPOP", "q", "0"}},
       {{"MULTI"}, {"LPUSH", "q", "x"}, {"LLEN", "q"}, {"EXEC"}, {"LLEN", "q"}}},
      {"a push inside a script: served after it",
       {{"BLPOP", "q", "0"}},
       {{"EVAL", "redis.call('lpush', KEYS[1], 'x') return redis.call('llen', KEYS[1])", "1", "q"},
        {"LLEN", "q"}}},
      {"a key serves the waiters of its type, in order",
       {{"BZPOPMIN", "q", "0"}, {"BLPOP", "q", "0"}},
       {{"LPUSH", "q", "x"}, {"LLEN", "q"}, {"DEL", "q"}, {"ZADD", "q", "1", "m"}, {"ZCARD", "q"}}},
      {"BLMOVE within one shard",
       {{"BLMOVE", "{q}src", "{q}dst", "LEFT", "RIGHT", "0"}},
       {{"LPUSH", "{q}src", "x", "y"}, {"LRANGE", "{q}dst", "0", "-1"}, {"LLEN", "{q}src"}}},
      {"BLMPOP takes the key made ready first",
       {{"BLMPOP", "0", "2", "{q}a", "{q}b", "LEFT", "COUNT", "2"}},
       {{"MULTI"},
        {"RPUSH", "{q}b", "1", "2", "3"},
        {"RPUSH", "{q}a", "9"},
        {"EXEC"},
        {"LRANGE", "{q}a", "0", "-1"},
        {"LRANGE", "{q}b", "0", "-1"}}},
      {"a key of another type leaves the waiter blocked",
       {{"BLPOP", "q", "0"}},
       {{"SET", "q", "v"}, {"GET", "q"}}},
  };
  return kCases;
}

// Waits until INFO's blocked_clients holds still over three reads 10 ms
// apart, and returns it.
long long settled_blocked(Client& admin) {
  long long last = -1;
  int same = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (same < 3 && std::chrono::steady_clock::now() < deadline) {
    const long long now = info_field(admin, "blocked_clients");
    same = now == last ? same + 1 : 0;
    last = now;
    std::this_thread::sleep_for(10ms);
  }
  return last;
}

// Clients send `blocking` (each on a connection of its own, in order, each
// blocked before the next), then one connection sends `pipeline` in one
// write. Returns the pipeline's replies, then each blocked client's reply
// as raw RESP, or "(still blocked)": INFO tells how many were served, and
// exactly that many replies are awaited.
std::vector<std::string> blocked_then_pipeline(const std::string& host, uint16_t port,
                                               const std::vector<Args>& blocking,
                                               const std::vector<Args>& pipeline) {
  Client admin(host, port);
  std::vector<std::unique_ptr<RawSocket>> blocked;
  std::vector<std::string> out;
  for (const Args& args : blocking) {
    blocked.push_back(std::make_unique<RawSocket>(host, port));
    blocked.back()->send(resp(args));
    if (!wait_blocked(admin, static_cast<long long>(blocked.size()))) return {"(did not block)"};
  }
  Client pusher(host, port);
  for (std::string& r : pusher.pipeline(pipeline)) out.push_back(std::move(r));
  const long long still = settled_blocked(admin);
  const size_t served = blocked.size() - static_cast<size_t>(std::max(0LL, still));
  std::vector<std::string> replies(blocked.size(), "(still blocked)");
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got < served && std::chrono::steady_clock::now() < deadline) {
    for (size_t i = 0; i < blocked.size(); ++i) {
      if (replies[i] != "(still blocked)" || blocked[i]->silent_for(5ms)) continue;
      replies[i] = blocked[i]->read_frame();
      ++got;
    }
  }
  out.insert(out.end(), replies.begin(), replies.end());
  blocked.clear();
  if (!wait_blocked(admin, 0)) out.push_back("(clients still counted blocked after closing)");
  return out;
}

// A random command from templates: K one of `keys`, M a member, S a score.
Args random_command(const std::vector<std::string_view>& templates,
                    const std::vector<std::string>& keys, std::mt19937& rng) {
  static const std::vector<std::string> kMembers = {"x", "y", "1"};
  static const std::vector<std::string> kScores = {"1", "2.5"};
  auto pick = [&rng](const auto& pool) {
    return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
  };
  Args out;
  for (const std::string& word : split_args(pick(templates))) {
    if (word == "K") {
      out.push_back(pick(keys));
    } else if (word == "M") {
      out.push_back(pick(kMembers));
    } else if (word == "S") {
      out.push_back(pick(kScores));
    } else {
      out.push_back(word);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("random blocked clients and pipelines are served as on redis-server", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  // The clients block on keys of one shard, or also on a key of another
  // shard: then moves too only with shard-placement io (with pool, a move
  // between two shards takes the coordinator's retry path,
  // engine/blocking.hpp). The pipeline writes keys of one shard only:
  // between shards, a pipeline's writes may become visible in another
  // order (docs/architecture.md, "Order within a connection"), and a
  // client blocked on both would see it.
  const bool one_shard = GENERATE(true, false);
  INFO("shard-placement " << placement << (one_shard ? ", keys of one shard" : ", keys of two"));
  const std::vector<std::string> pushed = {"{t}a", "{t}b", "{t}c"};
  std::vector<std::string> waited = pushed;
  if (!one_shard) waited.back() = key_on_another_shard("far", pushed.front(), kShards);
  std::vector<std::string_view> blocking = {
      "BLPOP K 0",    "BRPOP K K 0",    "BLMPOP 0 2 K K LEFT COUNT 2",
      "BZPOPMIN K 0", "BZPOPMAX K K 0", "BZMPOP 0 1 K MIN COUNT 2"};
  if (one_shard || placement == "io")
    blocking.insert(blocking.end(), {"BLMOVE K K LEFT RIGHT 0", "BRPOPLPUSH K K 0"});
  const std::vector<std::string_view> commands = {
      "LPUSH K M M",    "RPUSH K M",     "ZADD K S M",
      "ZADD K S M S M", "LLEN K",        "LPOP K",
      "ZCARD K",        "DEL K",         "SET K M",
      "MULTI",          "EXEC",          "LMOVE K K LEFT LEFT",
      "RENAME K K",     "LRANGE K 0 -1", "ZRANGE K 0 -1 WITHSCORES",
      "TYPE K"};
  RedisProcess redis;
  Client redis_admin(redis.host(), redis.port());
  EmbeddedServer server = start_placed_server(kShards, placement);
  Client admin(server.host(), server.port());
  unsigned seeds = 30;  // SHARDIS_RANDOM_SEEDS=N runs more
  if (const char* n = std::getenv("SHARDIS_RANDOM_SEEDS"))
    seeds = static_cast<unsigned>(std::strtoul(n, nullptr, 10));
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    std::mt19937 rng(seed);
    std::vector<Args> blockers(std::uniform_int_distribution<size_t>(1, 4)(rng));
    for (Args& c : blockers) c = random_command(blocking, waited, rng);
    std::vector<Args> pipeline(std::uniform_int_distribution<size_t>(3, 8)(rng));
    for (Args& c : pipeline) c = random_command(commands, pushed, rng);
    std::string shown;
    for (const auto* list : {&blockers, &pipeline})
      for (const Args& c : *list) {
        for (const std::string& w : c) shown += w + " ";
        shown += (list == &blockers ? "(blocks) | " : "| ");
      }
    INFO("seed " << seed << ": " << shown);
    REQUIRE(admin.raw({"FLUSHALL"}) == "+OK");
    REQUIRE(redis_admin.raw({"FLUSHALL"}) == "+OK");
    const auto got = blocked_then_pipeline(server.host(), server.port(), blockers, pipeline);
    const auto expected = blocked_then_pipeline(redis.host(), redis.port(), blockers, pipeline);
    CHECK(got == expected);
  }
}

TEST_CASE("blocked clients are served before the next command as on redis-server", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  RedisProcess redis;
  // Runs a case on a fresh shardis and on redis-server; shardis's replies.
  auto compared = [&](const std::vector<Args>& blocking, const std::vector<Args>& pipeline) {
    EmbeddedServer server = start_placed_server(kShards, placement);
    const auto got = blocked_then_pipeline(server.host(), server.port(), blocking, pipeline);
    REQUIRE(Client(redis.host(), redis.port()).raw({"FLUSHALL"}) == "+OK");
    CHECK(got == blocked_then_pipeline(redis.host(), redis.port(), blocking, pipeline));
    return got;
  };
  std::vector<std::vector<std::string>> replies;
  for (const ServeCase& c : serve_cases()) {
    INFO("case: " << c.name);
    replies.push_back(compared(c.blocking, c.pipeline));
  }
  // What the first case shows, spelled out: the waiter took the element
  // before LLEN and LPOP ran.
  const std::vector<std::string> first{":1", ":0", "(nil)", "*2\r\n$1\r\nq\r\n$1\r\nx\r\n"};
  CHECK(replies.front() == first);
  // A client blocked on keys of two shards is served by the shard of the
  // key that filled, before that shard runs the next command.
  {
    const auto [a, b] = keys_on_two_shards("two:", kShards);
    const auto got = compared(
        {{"BLPOP", a, b, "0"}, {"BZMPOP", "0", "2", b, a, "MAX"}},
        {{"RPUSH", b, "x"}, {"LLEN", b}, {"ZADD", a, "1", "m"}, {"ZCARD", a}, {"LPOP", b}});
    CHECK(got[1] == ":0");
    CHECK(got[3] == ":0");
  }
  // With shard-placement io, a BLMOVE between two shards is served in place
  // too, before LLEN and LPOP run, and its push serves a client blocked on
  // its destination.
  if (placement == "io") {
    const auto [src, dst] = keys_on_two_shards("hop:", kShards);
    const auto got =
        compared({{"BLMOVE", src, dst, "LEFT", "RIGHT", "0"}, {"BLPOP", dst, "0"}},
                 {{"RPUSH", src, "x", "y"}, {"LLEN", src}, {"LPOP", src}, {"LLEN", dst}});
    CHECK(got[1] == ":1");
    CHECK(got[2] == "$y");
    CHECK(got[4] == "$1\r\nx\r\n");
  }
}

TEST_CASE("clients blocked on one key are served in the order they blocked", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  std::vector<std::future<std::string>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(run_async(server, {"BLPOP", "queue", "0"}));
    REQUIRE(wait_blocked(admin, i + 1));
  }
  CHECK(admin.raw({"INFO", "clients"}).find("blocking_records:3") != std::string::npos);
  CHECK(admin.raw({"RPUSH", "queue", "a", "b", "c", "d"}) == ":4");
  CHECK(waiting[0].get() == "[$queue,$a]");
  CHECK(waiting[1].get() == "[$queue,$b]");
  CHECK(waiting[2].get() == "[$queue,$c]");
  CHECK(admin.raw({"LRANGE", "queue", "0", "-1"}) == "[$d]");
  CHECK(wait_blocked(admin, 0));
  CHECK(info_field(admin, "blocking_records") == 0);
}

TEST_CASE("timeouts with decimals answer a null of the command's kind", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  RawSocket s(server.host(), server.port());
  const auto started = std::chrono::steady_clock::now();
  s.send(resp({"BLPOP", "k", "0.1"}));
  CHECK(s.read_frame() == "*-1\r\n");
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= 100ms);
  CHECK(waited < 1500ms);
  // Each command's null, in RESP2, then in RESP3 (HELLO's map unchecked).
  const std::vector<std::pair<Args, std::string>> steps = {
      {{"BRPOPLPUSH", "k", "d", "0.05"}, "$-1\r\n"},
      {{"BZPOPMIN", "z", "0.05"}, "*-1\r\n"},
      {{"HELLO", "3"}, ""},
      {{"BLPOP", "k", "0.05"}, "_\r\n"},
      {{"BLMPOP", "0.05", "1", "k", "LEFT"}, "_\r\n"},
      {{"BLMOVE", "k", "d", "LEFT", "LEFT", "0.05"}, "_\r\n"},
  };
  for (const auto& [command, reply] : steps) {
    s.send(resp(command));
    const std::string frame = s.read_frame();
    if (!reply.empty()) CHECK(frame == reply);
  }
  CHECK(info_field(admin, "blocked_clients") == 0);
}

TEST_CASE("commands sent behind a blocked one wait for its answer", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  RawSocket s(server.host(), server.port());
  s.send(resp({"BLPOP", "q", "0"}) + resp({"LLEN", "q"}));
  CHECK(s.silent_for(200ms));
  CHECK(admin.raw({"RPUSH", "q", "v", "w"}) == ":2");
  CHECK(s.read_frame() == "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
  CHECK(s.read_frame() == ":1\r\n");
}

TEST_CASE("BLPOP waits on keys of several shards", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  const auto [a, b] = keys_on_two_shards("multi:", kShards);
  auto first = run_async(server, {"BLPOP", a, b, "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"RPUSH", b, "from-b"}) == ":1");
  CHECK(first.get() == "[$" + b + ",$from-b]");
  auto second = run_async(server, {"BRPOP", a, b, "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"RPUSH", a, "x", "y"}) == ":2");
  CHECK(second.get() == "[$" + a + ",$y]");
  // The wait on the other key ended with it: nothing is left to wake.
  CHECK(wait_for_field(admin, "blocking_records", 0));
  CHECK(admin.raw({"RPUSH", b, "z"}) == ":1");
  CHECK(admin.raw({"LRANGE", b, "0", "-1"}) == "[$z]");
}

TEST_CASE("BLMOVE moves across shards when the source fills", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  const auto [src, dst] = keys_on_two_shards("move:", kShards);
  auto moved = run_async(server, {"BLMOVE", src, dst, "LEFT", "RIGHT", "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"RPUSH", dst, "old"}) == ":1");
  CHECK(admin.raw({"RPUSH", src, "v"}) == ":1");
  CHECK(moved.get() == "$v");
  CHECK(admin.raw({"LRANGE", dst, "0", "-1"}) == "[$old,$v]");
  CHECK(admin.raw({"EXISTS", src}) == ":0");
  // A client blocked on the destination is woken by the move that creates it.
  CHECK(admin.raw({"DEL", dst}) == ":1");
  auto popped = run_async(server, {"BRPOP", dst, "0"});
  REQUIRE(wait_blocked(admin, 1));
  auto chained = run_async(server, {"BRPOPLPUSH", src, dst, "0"});
  REQUIRE(wait_blocked(admin, 2));
  CHECK(admin.raw({"LPUSH", src, "w"}) == ":1");
  CHECK(chained.get() == "$w");
  CHECK(popped.get() == "[$" + dst + ",$w]");
}

TEST_CASE("a push inside MULTI wakes waiters once EXEC is done", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  auto waiter = run_async(server, {"BLPOP", "q", "0"});
  REQUIRE(wait_blocked(admin, 1));
  // Created and deleted within one transaction: nothing for the waiter.
  CHECK(admin.pipeline({{"MULTI"}, {"RPUSH", "q", "a"}, {"DEL", "q"}, {"EXEC"}}) ==
        std::vector<std::string>{"+OK", "+QUEUED", "+QUEUED", "[:1,:1]"});
  CHECK(waiter.wait_for(200ms) == std::future_status::timeout);
  CHECK(info_field(admin, "blocked_clients") == 1);
  // The waiter sees the list as EXEC left it.
  CHECK(admin.pipeline({{"MULTI"}, {"RPUSH", "q", "a", "b"}, {"LPOP", "q"}, {"EXEC"}}) ==
        std::vector<std::string>{"+OK", "+QUEUED", "+QUEUED", "[:2,$a]"});
  CHECK(waiter.get() == "[$q,$b]");
  // Inside MULTI the blocking pops never block.
  CHECK(
      admin.pipeline(
          {{"MULTI"}, {"BLPOP", "q", "0"}, {"BLMOVE", "q", "r", "LEFT", "LEFT", "0"}, {"EXEC"}}) ==
      std::vector<std::string>{"+OK", "+QUEUED", "+QUEUED", "[(nil),(nil)]"});
}

TEST_CASE("a push inside a script wakes waiters once the script is done", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  auto waiter = run_async(server, {"BRPOP", "q", "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"EVAL",
                   "redis.call('rpush', KEYS[1], 'a', 'b'); return redis.call('rpop', KEYS[1])",
                   "1", "q"}) == "$b");
  CHECK(waiter.get() == "[$q,$a]");
  // In a script, BLMPOP answers at once; BLPOP is refused, as in Redis.
  CHECK(admin.raw({"EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'left')", "1", "q"}) ==
        "(nil)");
}

TEST_CASE("CLIENT UNBLOCK ends a wait as a timeout or an error", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  RawSocket blocked(server.host(), server.port());
  blocked.send(resp({"CLIENT", "ID"}));
  const std::string frame = blocked.read_frame();
  const std::string id = frame.substr(1, frame.size() - 3);
  CHECK(admin.raw({"CLIENT", "UNBLOCK", id}) == ":0");

  blocked.send(resp({"BLPOP", "q", "0"}));
  REQUIRE(wait_blocked(admin, 1));
  const std::string list = admin.raw({"CLIENT", "LIST", "ID", id});
  CHECK(list.find(" flags=b ") != std::string::npos);
  CHECK(list.find(" cmd=blpop ") != std::string::npos);
  CHECK(admin.raw({"CLIENT", "UNBLOCK", id, "TIMEOUT"}) == ":1");
  CHECK(blocked.read_frame() == "*-1\r\n");
  CHECK(admin.raw({"CLIENT", "UNBLOCK", id}) == ":0");
  CHECK(admin.raw({"CLIENT", "LIST", "ID", id}).find(" flags=N ") != std::string::npos);

  blocked.send(resp({"BZPOPMAX", "z", "0"}));
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"CLIENT", "UNBLOCK", id, "error"}) == ":1");
  CHECK(blocked.read_frame() == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  CHECK(wait_blocked(admin, 0));
  // The client is free again, and left nothing behind to wake.
  CHECK(admin.raw({"ZADD", "z", "1", "m"}) == ":1");
  blocked.send(resp({"ZCARD", "z"}));
  CHECK(blocked.read_frame() == ":1\r\n");
  CHECK(admin.raw({"CLIENT", "UNBLOCK", id, "maybe"}) ==
        "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
}

TEST_CASE("clients that disconnect while blocked leave no waiter behind", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  {
    const auto gone = blocked_clients(server, 50, {"BLPOP", "q", "other", "0"});
    REQUIRE(wait_blocked(admin, 50));
  }
  CHECK(wait_blocked(admin, 0));
  // The shards' cron drops the records of the waits that ended.
  CHECK(wait_for_field(admin, "blocking_records", 0));
  auto live = run_async(server, {"BLPOP", "q", "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"RPUSH", "q", "v"}) == ":1");
  REQUIRE(live.wait_for(1s) == std::future_status::ready);
  CHECK(live.get() == "[$q,$v]");
}

TEST_CASE("a client that disconnects after its wake passes the element on", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  // Many waiters, then pushes and the first waiters leaving at once: a
  // client may be woken and gone before its retry runs; what it was woken
  // for must then reach the next waiter (the kick), never stay in the list
  // while live clients wait. Timing decides which path each client takes,
  // so the scenario runs round after round.
  constexpr int kRounds = 10, kLeaving = 20, kStaying = 5;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    const std::string key = "q" + std::to_string(round);
    auto leaving = blocked_clients(server, kLeaving, {"BLPOP", key, "0"});
    REQUIRE(wait_blocked(admin, kLeaving));
    // Staying clients may wait until the end of the round: their timeout
    // must not end the wait first (its error would pass for a reply).
    std::vector<std::future<std::string>> staying;
    for (int i = 0; i < kStaying; ++i) {
      staying.push_back(run_async(server, {"BLPOP", key, "0"}, 60s));
      REQUIRE(wait_blocked(admin, kLeaving + 1 + i));
    }
    RawSocket pusher(server.host(), server.port());
    std::string pushes;
    for (int i = 0; i < kStaying; ++i) pushes += resp({"RPUSH", key, "v" + std::to_string(i)});
    pusher.send(pushes);
    leaving.clear();
    for (int i = 0; i < kStaying; ++i) pusher.read_frame();
    // Each element goes to a leaving client (lost with it, as a reply to a
    // closed socket is) or to a staying one, or stays in the list; it may
    // stay only once no client waits any more. Both ends are final.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    bool settled = false;
    while (!settled && std::chrono::steady_clock::now() < deadline) {
      settled = admin.integer({"LLEN", key}) == 0 || info_field(admin, "blocked_clients") == 0;
      if (!settled) std::this_thread::sleep_for(2ms);
    }
    REQUIRE(settled);
    // Release the staying clients still waiting, then read every reply.
    CHECK(admin.integer({"RPUSH", key, "fill", "fill", "fill", "fill", "fill"}) >= kStaying);
    std::set<std::string> elements;
    int filled = 0;
    for (auto& f : staying) {
      REQUIRE(f.wait_for(10s) == std::future_status::ready);
      const std::string reply = f.get();
      if (reply == "[$" + key + ",$fill]") {
        ++filled;
        continue;
      }
      INFO("reply " << reply);
      CHECK(reply.rfind("[$" + key + ",$v", 0) == 0);
      CHECK(elements.insert(reply).second);  // no element reaches two clients
    }
    CHECK(static_cast<int>(elements.size()) + filled == kStaying);
    REQUIRE(wait_blocked(admin, 0));
  }
}

TEST_CASE("ten producers and ten consumers move 100k items, none lost or doubled",
          "[blocking][slow]") {
  const std::string placement = GENERATE("io", "pool");
  // Consumers pop (BRPOP), or move each item to a list of another shard
  // (BLMOVE, the reliable-queue pattern), which with shard-placement pool
  // takes the coordinator's wake-and-retry path.
  const bool move = GENERATE(false, true);
  INFO("shard-placement " << placement << (move ? ", BLMOVE to another shard" : ", BRPOP"));
  auto [server, admin] = Placed(placement);
  const std::string done = key_on_another_shard("done", "jobs", kShards);
  constexpr int kProducers = 10, kConsumers = 10, kPerProducer = 10000;
  constexpr int kTotal = kProducers * kPerProducer;
  std::atomic<int> received{0};
  std::mutex mu;
  std::vector<std::string> items;
  items.reserve(kTotal);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      Client client(server.host(), server.port());
      const Args pop = {"BRPOP", "jobs", "0.2"};
      const Args take = {"BLMOVE", "jobs", done, "RIGHT", "LEFT", "0.2"};
      std::vector<std::string> mine;
      while (received.load() < kTotal) {
        ReplyPtr r = client.call(move ? take : pop);
        if (!r) break;
        const redisReply* item = nullptr;
        if (!move && r->type == REDIS_REPLY_ARRAY) item = r->element[1];
        if (move && r->type == REDIS_REPLY_STRING) item = r.get();
        if (!item) continue;
        mine.emplace_back(item->str, item->len);
        received.fetch_add(1);
      }
      std::lock_guard<std::mutex> lock(mu);
      items.insert(items.end(), mine.begin(), mine.end());
    });
  }
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      Client client(server.host(), server.port());
      for (int i = 0; i < kPerProducer; i += 100) {
        for (int j = i; j < i + 100; ++j)
          client.append({"LPUSH", "jobs", std::to_string(p) + ":" + std::to_string(j)});
        for (int j = i; j < i + 100; ++j) client.read_reply();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(items.size() == static_cast<size_t>(kTotal));
  const std::set<std::string> unique(items.begin(), items.end());
  CHECK(unique.size() == static_cast<size_t>(kTotal));
  CHECK(admin.raw({"EXISTS", "jobs"}) == ":0");
  if (move) {
    // Every item a consumer was handed is in the destination, once.
    ReplyPtr moved = admin.call({"LRANGE", done, "0", "-1"});
    REQUIRE(moved);
    REQUIRE(moved->type == REDIS_REPLY_ARRAY);
    std::set<std::string> there;
    for (size_t i = 0; i < moved->elements; ++i)
      there.emplace(moved->element[i]->str, moved->element[i]->len);
    CHECK(moved->elements == static_cast<size_t>(kTotal));
    CHECK(there == unique);
  }
  CHECK(wait_blocked(admin, 0));
}

TEST_CASE("BZPOPMIN waits on sorted sets of several shards", "[blocking]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  auto [server, admin] = Placed(placement);
  const auto [z1, z2] = keys_on_two_shards("z:", kShards);
  auto min = run_async(server, {"BZPOPMIN", z1, z2, "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"ZADD", z2, "5", "five", "2", "two"}) == ":2");
  CHECK(min.get() == "[$" + z2 + ",$two,$2]");
  auto max = run_async(server, {"BZMPOP", "0", "2", z1, z2, "MAX", "COUNT", "5"});
  CHECK(max.get() == "[$" + z2 + ",[[$five,$5]]]");
  auto later = run_async(server, {"BZPOPMAX", z1, z2, "0"});
  REQUIRE(wait_blocked(admin, 1));
  CHECK(admin.raw({"ZADD", z1, "1", "a", "3", "c"}) == ":2");
  CHECK(later.get() == "[$" + z1 + ",$c,$3]");
}

}  // namespace shardis::test
