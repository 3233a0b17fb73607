// Ordering and atomicity over TCP: pipelines across shards, many clients at
// once, multi-key commands that span shards.

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/hash.hpp"
#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/placement.hpp"

namespace shardis::test {
namespace {

size_t shard_of(const std::string& key, int shards) {
  return key_hash_slot(key) % static_cast<size_t>(shards);
}

// Every test here runs with both shard placements: "io" executes shard work
// on the connections' thread (the fast path), "pool" sends it to shard actors
// on the worker pool and holds shards through the coordinator.
EmbeddedServer start_server(int shards, const std::string& placement) {
  return start_placed_server(shards, placement);
}

}  // namespace

TEST_CASE("a pipeline of 1000 mixed commands over many shards replies in order", "[pipeline]") {
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(8, placement);
  Client client(server.host(), server.port());

  // A local model of the keyspace predicts every reply.
  std::map<std::string, std::string> strings;
  std::map<std::string, long long> counters;
  std::mt19937 rng(42);
  auto key = [&] { return "pk:" + std::to_string(rng() % 64); };
  auto bulk_or_nil = [&](const std::string& k) {
    auto it = strings.find(k);
    return it == strings.end() ? std::string("(nil)") : "$" + it->second;
  };

  std::vector<Args> commands;
  std::vector<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    switch (rng() % 8) {
      case 0: {
        std::string k = key();
        std::string v = "v" + std::to_string(i);
        commands.push_back({"SET", k, v});
        expected.push_back("+OK");
        strings[k] = v;
        break;
      }
      case 1: {
        std::string k = key();
        commands.push_back({"GET", k});
        expected.push_back(bulk_or_nil(k));
        break;
      }
      case 2: {
        std::string k = "ctr:" + std::to_string(rng() % 16);
        commands.push_back({"INCR", k});
        expected.push_back(":" + std::to_string(++counters[k]));
        break;
      }
      case 3: {
        std::string k = key();
        commands.push_back({"DEL", k});
        expected.push_back(strings.erase(k) ? ":1" : ":0");
        break;
      }
      case 4:
        commands.push_back({"ECHO", "e" + std::to_string(i)});
        expected.push_back("$e" + std::to_string(i));
        break;
      case 5:
        commands.push_back({"PING"});
        expected.push_back("+PONG");
        break;
      case 6: {
        std::string a = key(), b = key(), c = key();
        commands.push_back({"MGET", a, b, c});
        expected.push_back("[" + bulk_or_nil(a) + "," + bulk_or_nil(b) + "," + bulk_or_nil(c) +
                           "]");
        break;
      }
      default: {
        std::string a = key(), b = key();
        commands.push_back({"EXISTS", a, b});
        expected.push_back(":" + std::to_string(strings.count(a) + strings.count(b)));
        break;
      }
    }
  }

  std::vector<std::string> replies = client.pipeline(commands);
  REQUIRE(replies.size() == expected.size());
  for (size_t i = 0; i < replies.size(); ++i) {
    std::string command;
    for (const auto& arg : commands[i]) command += arg + " ";
    INFO("reply #" << i << " to " << command);
    REQUIRE(replies[i] == expected[i]);
  }
}

TEST_CASE("50 concurrent clients incrementing own and shared keys end exact", "[concurrency]") {
  constexpr int kClients = 50;
  constexpr int kRounds = 100;
  constexpr int kOwnKeys = 4;
  constexpr int kBatch = 10;
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(8, placement);

  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(std::move(what));
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      try {
        Client client(server.host(), server.port());
        long long last_shared = 0;
        for (int round = 0; round < kRounds; round += kBatch) {
          std::vector<Args> batch;
          for (int r = round; r < round + kBatch; ++r) {
            batch.push_back(
                {"INCR", "own:" + std::to_string(t) + ":" + std::to_string(r % kOwnKeys)});
            batch.push_back({"INCR", "shared"});
          }
          auto replies = client.pipeline(batch);
          for (int i = 0; i < kBatch; ++i) {
            int r = round + i;
            std::string own = ":" + std::to_string(r / kOwnKeys + 1);
            if (replies[2 * i] != own)
              fail("client " + std::to_string(t) + ": " + replies[2 * i] + " != " + own);
            long long shared = std::stoll(replies[2 * i + 1].substr(1));
            if (shared <= last_shared)
              fail("client " + std::to_string(t) + ": shared counter went back");
            last_shared = shared;
          }
        }
      } catch (const std::exception& e) {
        fail("client " + std::to_string(t) + ": " + e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) FAIL_CHECK(f);
  REQUIRE(failures.empty());

  Client check(server.host(), server.port());
  CHECK(check.raw({"GET", "shared"}) == "$" + std::to_string(kClients * kRounds));
  for (int t = 0; t < kClients; ++t) {
    for (int k = 0; k < kOwnKeys; ++k) {
      std::string key = "own:" + std::to_string(t) + ":" + std::to_string(k);
      INFO(key);
      CHECK(check.raw({"GET", key}) == "$" + std::to_string(kRounds / kOwnKeys));
    }
  }
  CHECK(check.integer({"DBSIZE"}) == kClients * kOwnKeys + 1);
}

TEST_CASE("MGET never sees half of an MSET spanning shards", "[concurrency][atomicity]") {
  constexpr int kShards = 4;
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(kShards, placement);
  Args keys;
  std::set<size_t> shards_used;
  for (int i = 1; i <= 8; ++i) {
    keys.push_back("mk:" + std::to_string(i));
    shards_used.insert(shard_of(keys.back(), kShards));
  }
  REQUIRE(shards_used.size() >= 3);

  auto mset = [&](const std::string& value) {
    Args args{"MSET"};
    for (const auto& k : keys) args.insert(args.end(), {k, value});
    return args;
  };
  Args mget{"MGET"};
  mget.insert(mget.end(), keys.begin(), keys.end());

  Client setup(server.host(), server.port());
  REQUIRE(setup.raw(mset("initial")) == "+OK");

  std::atomic<bool> stop{false};
  std::atomic<long> writes{0};
  std::atomic<long> reads{0};
  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    if (failures.size() < 10) failures.push_back(std::move(what));
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      try {
        Client c(server.host(), server.port());
        for (long n = 0; !stop; ++n) {
          std::string r = c.raw(mset("w" + std::to_string(w) + "-" + std::to_string(n)));
          if (r != "+OK") fail("MSET: " + r);
          ++writes;
        }
      } catch (const std::exception& e) {
        fail(e.what());
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      try {
        Client c(server.host(), server.port());
        while (!stop) {
          ReplyPtr reply = c.call(mget);
          if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != keys.size()) {
            fail("MGET: " + (reply ? render(reply.get()) : c.error()));
            continue;
          }
          std::string first = render(reply->element[0]);
          for (size_t i = 1; i < reply->elements; ++i) {
            if (render(reply->element[i]) != first) fail("torn MGET: " + render(reply.get()));
          }
          ++reads;
        }
      } catch (const std::exception& e) {
        fail(e.what());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  stop = true;
  for (auto& th : threads) th.join();

  for (const auto& f : failures) FAIL_CHECK(f);
  CHECK(failures.empty());
  CHECK(writes > 10);
  CHECK(reads > 10);
}

TEST_CASE("RENAME moves a value and its TTL between shards", "[multikey]") {
  constexpr int kShards = 4;
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_server(kShards, placement);
  Client c(server.host(), server.port());
  const std::string src = "rsrc";
  const std::string dst = key_on_another_shard("rdst:", src, kShards);
  REQUIRE(shard_of(src, kShards) != shard_of(dst, kShards));

  SECTION("with a TTL, to a missing key") {
    REQUIRE(c.raw({"SET", src, "value", "EX", "100"}) == "+OK");
    CHECK(c.raw({"RENAME", src, dst}) == "+OK");
    CHECK(c.raw({"GET", dst}) == "$value");
    CHECK(c.raw({"EXISTS", src}) == ":0");
    long long ttl = c.integer({"TTL", dst});
    CHECK(ttl >= 99);
    CHECK(ttl <= 100);
  }
  SECTION("without a TTL, over a key with a TTL") {
    REQUIRE(c.raw({"SET", src, "new"}) == "+OK");
    REQUIRE(c.raw({"SET", dst, "old", "EX", "50"}) == "+OK");
    CHECK(c.raw({"RENAME", src, dst}) == "+OK");
    CHECK(c.raw({"GET", dst}) == "$new");
    CHECK(c.raw({"TTL", dst}) == ":-1");
    CHECK(c.raw({"DBSIZE"}) == ":1");
  }
  SECTION("RENAMENX refuses an existing key and moves to a missing one") {
    REQUIRE(c.raw({"MSET", src, "a", dst, "b"}) == "+OK");
    CHECK(c.raw({"RENAMENX", src, dst}) == ":0");
    CHECK(c.raw({"MGET", src, dst}) == "[$a,$b]");
    REQUIRE(c.raw({"DEL", dst}) == ":1");
    CHECK(c.raw({"RENAMENX", src, dst}) == ":1");
    CHECK(c.raw({"MGET", src, dst}) == "[(nil),$a]");
  }
  SECTION("a missing source is an error and changes nothing") {
    REQUIRE(c.raw({"SET", dst, "kept"}) == "+OK");
    CHECK(c.raw({"RENAME", src, dst}) == "-ERR no such key");
    CHECK(c.raw({"GET", dst}) == "$kept");
  }
}

}  // namespace shardis::test
