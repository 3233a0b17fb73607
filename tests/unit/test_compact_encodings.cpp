// The listpack encodings of hashes and sorted sets must be invisible to
// clients: the same random commands run against an engine whose limits are
// 0 (every collection a hashtable or skiplist from its first element) and
// one with Redis's defaults (most collections stay listpacks, some convert
// along the way) must give the same replies, byte for byte. HGETALL, HKEYS
// and HVALS list a hashtable in table order and a listpack in insertion
// order, so they are compared as sorted lists of elements.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Args;
using shardis::Engine;
using shardis::test::describe;

// The bulk strings of a flat RESP2 array reply (HGETALL, HKEYS, HVALS).
std::vector<std::string> flat_bulks(const std::string& reply) {
  size_t pos = reply.find("\r\n") + 2;
  std::vector<std::string> out;
  while (pos < reply.size()) {
    const size_t eol = reply.find("\r\n", pos);
    const size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    out.push_back(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

// An array reply as a sorted list of its elements, or (pairs) of its
// field-value pairs; any other reply as itself.
std::vector<std::string> unordered(const std::string& reply, bool pairs) {
  if (reply.empty() || reply[0] != '*') return {reply};
  std::vector<std::string> items = flat_bulks(reply);
  if (pairs) {
    std::vector<std::string> joined;
    for (size_t i = 0; i + 1 < items.size(); i += 2)
      joined.push_back(std::to_string(items[i].size()) + ":" + items[i] + items[i + 1]);
    items = std::move(joined);
  }
  std::sort(items.begin(), items.end());
  return items;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return static_cast<int>(below(100)) < percent; }

  std::string key(char kind) { return std::string(1, kind) + std::to_string(below(3)); }
  // Mostly short names from a small pool, so that writes meet existing
  // elements; now and then one past the 64-byte value limit.
  std::string name() {
    if (chance(2)) return std::string(65 + below(10), 'L') + std::to_string(below(3));
    return std::string(1, static_cast<char>('a' + below(12)));
  }
  std::string value() {
    if (chance(3)) return std::string(60 + below(10), 'v');
    if (chance(30)) return std::to_string(static_cast<int64_t>(below(200)) - 100);
    return "val" + std::to_string(below(50));
  }
  std::string score() {
    // Past the small integers: fractions a float holds exactly (packed in
    // 4 bytes) and ones it does not (8), integers whose zigzag form takes
    // exactly 4 bytes (packed in 5), the largest float.
    static const char* const kSpecial[] = {
        "inf",        "-inf",        "-0",         "0.5",  "-2.25", "1e20", "9007199254740993",
        "1e-300",     "1.5",         "0.1",        "8388608", "-8388609", "2147483647",
        "2147483648", "3.4028234663852886e38"};
    if (chance(15)) return kSpecial[below(std::size(kSpecial))];
    return std::to_string(static_cast<int64_t>(below(21)) - 10);
  }
  std::string bound(bool lex) {
    if (lex) {
      static const char* const kEnds[] = {"-", "+"};
      if (chance(20)) return kEnds[below(2)];
      return (chance(50) ? "(" : "[") + name();
    }
    if (chance(10)) return chance(50) ? "-inf" : "+inf";
    return (chance(30) ? "(" : "") + score();
  }
  std::string rank() { return std::to_string(static_cast<int64_t>(below(14)) - 7); }

  Args hash_command() {
    const std::string k = key('h');
    switch (below(9)) {
      case 0:
      case 1: {
        Args a{"hset", k};
        for (size_t n = 1 + below(3); n > 0; --n) {
          a.push_back(name());
          a.push_back(value());
        }
        return a;
      }
      case 2: return {"hdel", k, name(), name()};
      case 3: return {"hincrby", k, name(), std::to_string(static_cast<int64_t>(below(9)) - 4)};
      case 4: return {"hsetnx", k, name(), value()};
      case 5: return {"hmget", k, name(), name()};
      case 6: return {"hlen", k};
      case 7: return {"hstrlen", k, name()};
      default: {
        static const char* const kAll[] = {"hgetall", "hkeys", "hvals"};
        return {kAll[below(3)], k};
      }
    }
  }

  // Lex ranges are defined over members of one score: they go to the y
  // keys, whose members all score 0; the z keys get every other command.
  Args lex_command() {
    const std::string k = key('y');
    switch (below(5)) {
      case 0:
      case 1: return {"zadd", k, "0", name(), "0", name()};
      case 2: return {"zremrangebylex", k, bound(true), bound(true)};
      case 3: return {"zlexcount", k, bound(true), bound(true)};
      default:
        return {"zrange", k, bound(true), bound(true), "bylex", "limit", std::to_string(below(3)),
                rank()};
    }
  }

  Args zset_command() {
    if (chance(20)) return lex_command();
    const std::string k = key('z');
    switch (below(12)) {
      case 0:
      case 1:
      case 2: {
        Args a{"zadd", k};
        static const char* const kFlags[] = {"nx", "xx", "gt", "lt", "ch", "incr"};
        for (const char* f : kFlags)
          if (chance(15)) a.push_back(f);
        for (size_t n = 1 + below(3); n > 0; --n) {
          a.push_back(score());
          a.push_back(name());
        }
        return a;
      }
      case 3: return {"zincrby", k, score(), name()};
      case 4: return {"zrem", k, name(), name()};
      case 5: return {chance(50) ? "zpopmin" : "zpopmax", k, std::to_string(below(4))};
      case 6: return {"zremrangebyscore", k, bound(false), bound(false)};
      case 7: return {"zremrangebyrank", k, rank(), rank()};
      case 8: return {"zrange", key('y'), bound(true), bound(true), "bylex", "rev"};
      case 9: {
        switch (below(4)) {
          case 0: return {"zrange", k, rank(), rank(), "withscores"};
          case 1: return {"zrange", k, rank(), rank(), "rev", "withscores"};
          case 2:
            return {"zrange", k, bound(false), bound(false), "byscore", "limit",
                    std::to_string(below(3)), rank(), "withscores"};
          default: return {"zrevrange", k, rank(), rank(), "withscores"};
        }
      }
      case 10: {
        static const char* const kReads[] = {"zscore", "zrank", "zrevrank"};
        return {kReads[below(3)], k, name()};
      }
      default: {
        switch (below(4)) {
          case 0: return {"zcount", k, bound(false), bound(false)};
          case 1: return {"zrangebyscore", k, bound(false), bound(false), "withscores"};
          case 2: return {"zrangestore", key('z'), k, rank(), rank()};
          default: return {"zunionstore", key('z'), "2", k, key('z')};
        }
      }
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

TEST_CASE("Listpack and table encodings give the same replies to random commands",
          "[encoding][property]") {
  Engine plain(1), compact(1);
  for (const char* limit : {"hash-max-listpack-entries", "zset-max-listpack-entries"})
    REQUIRE(plain.run({"config", "set", limit, "0"}) == "+OK\r\n");

  const uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  Generator gen(seed);
  size_t listpacks_seen = 0, conversions_seen = 0;
  for (int step = 0; step < 4000; ++step) {
    const Args cmd = gen.chance(50) ? gen.hash_command() : gen.zset_command();
    const std::string a = plain.run(cmd);
    const std::string b = compact.run(cmd);
    INFO("seed " << seed << " step " << step << ": " << describe(cmd));
    if (cmd[0] == "hgetall" || cmd[0] == "hkeys" || cmd[0] == "hvals") {
      REQUIRE(unordered(a, cmd[0] == "hgetall") == unordered(b, cmd[0] == "hgetall"));
    } else {
      REQUIRE(a == b);
    }
    if (step % 50 == 0) {
      for (const std::string& key : {std::string("h0"), std::string("z0")}) {
        const std::string enc = compact.run({"object", "encoding", key});
        listpacks_seen += enc == "$8\r\nlistpack\r\n";
        conversions_seen += enc == "$9\r\nhashtable\r\n" || enc == "$8\r\nskiplist\r\n";
        if (enc != shardis::test::kNil) {
          const std::string other = plain.run({"object", "encoding", key});
          REQUIRE((other == "$9\r\nhashtable\r\n" || other == "$8\r\nskiplist\r\n"));
        }
      }
    }
  }
  // The run exercised what it is about: listpacks, and conversions.
  CHECK(listpacks_seen > 0);
  CHECK(conversions_seen > 0);
}
