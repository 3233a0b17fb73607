// GET and SET through the engine, two ways: Engine::run (table lookup,
// checks, dispatch and stats, what every request pays) and the handler
// called directly (the string family alone). The gap between the two is
// the per-command overhead outside the data path.

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace {

using shardis::Args;
using shardis::CommandSpec;
using shardis::CommandTable;
using shardis::Engine;
using shardis::ExecContext;

constexpr int kKeys = 10000;

std::string key_name(int i) {
  return "key:" + std::to_string(i);
}

void fill(Engine& e, int n) {
  for (int i = 0; i < n; ++i) e.run({"set", key_name(i), "value-" + std::to_string(i)});
}

void BM_RunSet(benchmark::State& state) {
  Engine e;
  int i = 0;
  for (auto _ : state) {
    std::string r = e.run({"set", key_name(i), "some-value"});
    benchmark::DoNotOptimize(r);
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RunSet);

void BM_RunGet(benchmark::State& state) {
  Engine e;
  fill(e, kKeys);
  int i = 0;
  for (auto _ : state) {
    std::string r = e.run({"get", key_name(i)});
    benchmark::DoNotOptimize(r);
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RunGet);

// Runs a handler as dispatch would, minus the table lookup and the stats:
// one reply buffer reused across iterations, arguments prepared up front.
struct Direct {
  Engine e;
  std::string out;
  shardis::protocol::ReplyWriter writer{out};
  const CommandSpec* spec;

  explicit Direct(std::string_view name) : spec(CommandTable::instance().find(name)) {}

  void call(Args& args) {
    out.clear();
    ExecContext ctx{e.server(), e.shards(), e.session(), writer, e.server().clock.now_ms()};
    spec->handler(ctx, args);
  }
};

void BM_HandlerSet(benchmark::State& state) {
  Direct d("set");
  std::vector<Args> args;
  for (int i = 0; i < kKeys; ++i) args.push_back({"set", key_name(i), ""});
  int i = 0;
  for (auto _ : state) {
    Args& a = args[static_cast<size_t>(i)];
    a[2] = "some-value";  // SET takes its value argument by move
    d.call(a);
    benchmark::DoNotOptimize(d.out);
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandlerSet);

void BM_HandlerGet(benchmark::State& state) {
  Direct d("get");
  fill(d.e, kKeys);
  std::vector<Args> args;
  for (int i = 0; i < kKeys; ++i) args.push_back({"get", key_name(i)});
  int i = 0;
  for (auto _ : state) {
    d.call(args[static_cast<size_t>(i)]);
    benchmark::DoNotOptimize(d.out);
    if (++i == kKeys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandlerGet);

void BM_HandlerMGet(benchmark::State& state) {
  Direct d("mget");
  fill(d.e, kKeys);
  Args args{"mget"};
  for (int i = 0; i < state.range(0); ++i) args.push_back(key_name(i * 7));
  for (auto _ : state) {
    d.call(args);
    benchmark::DoNotOptimize(d.out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HandlerMGet)->Arg(10)->Arg(100);

void BM_HandlerIncr(benchmark::State& state) {
  Direct d("incr");
  Args args{"incr", "counter"};
  for (auto _ : state) {
    d.call(args);
    benchmark::DoNotOptimize(d.out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandlerIncr);

}  // namespace
