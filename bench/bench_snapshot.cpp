// A background checkpoint's walk (engine/snapshot.hpp): the shards stream
// every key through a sink that keeps nothing, in steps of 250 us, as the
// shard actors do between client work. The time per key is what a
// checkpoint takes from the thread that serves clients (the records'
// encoding and LMDB writing come on top; see docs/persistence.md).

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/engine.hpp"
#include "engine/snapshot.hpp"

namespace {

using shardis::Engine;
using shardis::Entry;

class DiscardSink final : public shardis::SnapshotSink {
 public:
  void put(std::string& batch, int, std::string_view key, const Entry& e) override {
    batch.append(key);
    batch.append(e.str);
  }
  void flush(std::string& batch) override { batch.clear(); }
  bool backlogged() const override { return false; }
  void shard_done() override {}
};

void BM_SnapshotWalk(benchmark::State& state) {
  static Engine e;
  static int64_t filled = 0;
  const int64_t keys = state.range(0);
  for (; filled < keys; ++filled) {
    char k[32];
    std::snprintf(k, sizeof k, "key:%012lld", static_cast<long long>(filled));
    e.run({"set", k, "xxxxxxxxxxxxxxxxxxxx"});
  }
  for (auto _ : state) {
    std::atomic<int> active{0};
    shardis::snapshot_begin(e.shards(), std::make_shared<DiscardSink>(), 0, &active);
    for (size_t i = 0; i < e.shards().size(); ++i)
      while (shardis::snapshot_step(e.shards().shard(i), 250, &active)) {
      }
  }
  state.SetItemsProcessed(state.iterations() * keys);
}
BENCHMARK(BM_SnapshotWalk)->Arg(2000000)->Unit(benchmark::kMillisecond);

}  // namespace
