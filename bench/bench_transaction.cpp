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

enum class Mode { kAlone, kMultiExec, kWatchMultiExec };

// Writes a value and its etag on two shards: alone, in MULTI/EXEC, or in
// MULTI/EXEC after WATCHing both.
template <Mode kMode>
void BM_TwoSets(benchmark::State& state) {
  Engine e(4);
  auto [a, b] = two_shard_keys(e);
  for (auto _ : state) {
    if (kMode == Mode::kWatchMultiExec) e.run({"watch", a, b});
    if (kMode != Mode::kAlone) e.run({"multi"});
    std::string r1 = e.run({"set", a, "value"});
    std::string r2 = e.run({"set", b, "etag"});
    benchmark::DoNotOptimize(r1);
    benchmark::DoNotOptimize(r2);
    if (kMode != Mode::kAlone) {
      std::string r = e.run({"exec"});
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_TEMPLATE(BM_TwoSets, Mode::kAlone)->Name("BM_TwoSetsAlone");
BENCHMARK_TEMPLATE(BM_TwoSets, Mode::kMultiExec)->Name("BM_MultiExecTwoSets");
BENCHMARK_TEMPLATE(BM_TwoSets, Mode::kWatchMultiExec)->Name("BM_WatchMultiExecTwoSets");

}  // namespace
