// Lists, two ways: whole commands through Engine::run (what redis-benchmark's
// LPUSH, LPOP and LRANGE_100 tests measure, minus the network), and
// ListType alone (the data structure without parsing, lookup or replies).
// The list is prefilled as redis-benchmark fills it: 3-byte elements.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "engine/engine.hpp"
#include "engine/list_type.hpp"

namespace {

using shardis::Args;
using shardis::Engine;
using shardis::ListType;

constexpr int kPrefill = 600;

void prefill(Engine& e) {
  Args push{"rpush", "mylist"};
  for (int i = 0; i < kPrefill; ++i) push.emplace_back("xxx");
  e.run(push);
}

// Runs step once per iteration, counting `items` operations each time.
template <class Step>
void measure(benchmark::State& state, int64_t items, Step&& step) {
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * items);
}

// One LPUSH and one LPOP per iteration on a list that stays at its size.
void BM_RunLPushLPop(benchmark::State& state) {
  Engine e;
  prefill(e);
  measure(state, 2, [&] {
    std::string pushed = e.run({"lpush", "mylist", "xxx"});
    std::string popped = e.run({"lpop", "mylist"});
    benchmark::DoNotOptimize(pushed);
    benchmark::DoNotOptimize(popped);
  });
}
BENCHMARK(BM_RunLPushLPop);

void BM_RunLRange100(benchmark::State& state) {
  Engine e;
  prefill(e);
  measure(state, 1, [&] {
    std::string r = e.run({"lrange", "mylist", "0", "99"});
    benchmark::DoNotOptimize(r);
  });
}
BENCHMARK(BM_RunLRange100);

ListType filled_type() {
  ListType l;
  for (int i = 0; i < kPrefill; ++i) l.push(ListType::End::kTail, "xxx");
  return l;
}

void BM_TypePushPop(benchmark::State& state) {
  ListType l = filled_type();
  measure(state, 2, [&] {
    l.push(ListType::End::kHead, "xxx");
    std::string v = l.pop(ListType::End::kHead);
    benchmark::DoNotOptimize(v);
  });
}
BENCHMARK(BM_TypePushPop);

// Reads 100 elements from the head, as LRANGE 0 99 walks them.
void BM_TypeRange100(benchmark::State& state) {
  ListType l = filled_type();
  measure(state, 100, [&] {
    size_t bytes = 0;
    ListType::Iterator it = l.begin();
    for (int i = 0; i < 100; ++i, it.next()) bytes += it.value().size();
    benchmark::DoNotOptimize(bytes);
  });
}
BENCHMARK(BM_TypeRange100);

}  // namespace
