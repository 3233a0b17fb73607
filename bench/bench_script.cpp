// Scripting through the engine: EVALSHA of a compare-and-set script
// (PutIfMatch) on keys of one shard and of two shards, the SHA-1 EVAL
// computes of a body, and the conversions between RESP replies and Lua
// values on a 100-element array.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "scripting/lua_runner.hpp"

namespace {

using shardis::Args;
using shardis::Engine;

// Sets KEYS[1] to ARGV[3] and KEYS[2] to ARGV[2] when KEYS[1] holds ARGV[1].
constexpr const char* kPutIfMatch = R"(
local current = redis.call('GET', KEYS[1])
if not current then return {err = 'NOT_FOUND'} end
if current ~= ARGV[1] then return {err = 'MISMATCH'} end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return ARGV[3]
)";

struct ScriptBench {
  ScriptBench() {
    e.server().scripts = shardis::make_lua_runner(e.server());
    sha = shardis::sha1_hex(kPutIfMatch);
    e.run({"script", "load", kPutIfMatch});
  }
  // A key on a different shard than `key` (same_shard = false) or on the
  // same one, found by asking the router.
  std::string partner(const std::string& key, bool same_shard) {
    for (int i = 0;; ++i) {
      std::string k = "meta:" + std::to_string(i);
      if ((&e.shards().shard_for(k) == &e.shards().shard_for(key)) == same_shard) return k;
    }
  }
  Engine e;
  std::string sha;
};

void put_if_match(benchmark::State& state, bool same_shard) {
  ScriptBench b;
  const std::string key = "doc:1";
  const std::string meta = b.partner(key, same_shard);
  b.e.run({"set", key, "v"});
  Args args{"evalsha", b.sha, "2", key, meta, "v", "meta-value", "v"};
  for (auto _ : state) {
    std::string r = b.e.run(args);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EvalshaPutIfMatchOneShard(benchmark::State& state) { put_if_match(state, true); }
BENCHMARK(BM_EvalshaPutIfMatchOneShard);
void BM_EvalshaPutIfMatchTwoShards(benchmark::State& state) { put_if_match(state, false); }
BENCHMARK(BM_EvalshaPutIfMatchTwoShards);

// SHA-1 of the PutIfMatch body: what SCRIPT LOAD and the first EVAL of a
// body pay (EVAL of a cached body finds its sha without hashing).
void BM_Sha1HexPutIfMatch(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(shardis::sha1_hex(kPutIfMatch));
}
BENCHMARK(BM_Sha1HexPutIfMatch);

// RESP -> Lua: a 100-element MGET reply read back into a Lua table.
void BM_RespToLua100(benchmark::State& state) {
  ScriptBench b;
  Args args{"eval", "return #redis.call('mget', unpack(KEYS))", "100"};
  for (int i = 0; i < 100; ++i) {
    const std::string k = "{k}" + std::to_string(i);
    b.e.run({"set", k, "value-" + std::to_string(i)});
    args.push_back(k);
  }
  for (auto _ : state) {
    std::string r = b.e.run(args);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RespToLua100);

// Lua -> RESP: a script returning a 100-element array of strings.
void BM_LuaToResp100(benchmark::State& state) {
  ScriptBench b;
  const std::string body =
      "local t = {} for i = 1, 100 do t[i] = ARGV[1] end return t";
  const Args args{"eval", body, "0", "value"};
  for (auto _ : state) {
    std::string r = b.e.run(args);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_LuaToResp100);

}  // namespace
