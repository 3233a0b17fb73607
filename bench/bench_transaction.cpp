// MULTI/EXEC through the engine: a transaction of two SETs whose keys live
// on different shards (an ETag store's Put), against the same two SETs
// sent alone. The gap is what queueing and the EXEC wrapper cost.

#include <benchmark/benchmark.h>

#include <string>

#include "engine/engine.hpp"

namespace {

using shardis::Engine;

// Two keys on different shards of e.
std::pair<std::string, std::string> two_shard_keys(Engine& e) {
  std::string a = "res:p:widget:1";
  for (int n = 0;; ++n) {
    std::string b = "res:p:widget:1:etag" + std::to_string(n);
    if (e.shards().shard_of(b) != e.shards().shard_of(a)) return {a, b};
  }
}

void BM_MultiExecTwoSets(benchmark::State& state) {
  Engine e(4);
  auto [a, b] = two_shard_keys(e);
  for (auto _ : state) {
    e.run({"multi"});
    e.run({"set", a, "value"});
    e.run({"set", b, "etag"});
    std::string r = e.run({"exec"});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MultiExecTwoSets);

void BM_TwoSetsAlone(benchmark::State& state) {
  Engine e(4);
  auto [a, b] = two_shard_keys(e);
  for (auto _ : state) {
    std::string r1 = e.run({"set", a, "value"});
    std::string r2 = e.run({"set", b, "etag"});
    benchmark::DoNotOptimize(r1);
    benchmark::DoNotOptimize(r2);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TwoSetsAlone);

void BM_WatchMultiExec(benchmark::State& state) {
  Engine e(4);
  auto [a, b] = two_shard_keys(e);
  for (auto _ : state) {
    e.run({"watch", a, b});
    e.run({"multi"});
    e.run({"set", a, "value"});
    e.run({"set", b, "etag"});
    std::string r = e.run({"exec"});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WatchMultiExec);

}  // namespace
