// Sorted sets through the engine (Engine::run, so table lookup, checks and
// dispatch included): ZADD into a growing set and at random places, ZRANGE
// of a window by rank and by score, and ZUNIONSTORE of two sets that half
// overlap. Sizes are the benchmark argument; members are "m:<i>" with
// score i, except in BM_ZAddRandom.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "engine/engine.hpp"

namespace {

using shardis::Args;
using shardis::Engine;

std::string member(int64_t i) {
  return "m:" + std::to_string(i);
}

// key gets members first .. first + n - 1, added 100 per command.
void fill(Engine& e, const std::string& key, int64_t first, int64_t n) {
  for (int64_t i = first; i < first + n;) {
    Args args{"zadd", key};
    for (int64_t end = std::min(first + n, i + 100); i < end; ++i) {
      args.push_back(std::to_string(i));
      args.push_back(member(i));
    }
    e.run(args);
  }
}

// One new member per iteration: the cost of an insert at the set's size
// (the set is rebuilt when it reaches the argument, so sizes stay bounded).
void BM_ZAdd(benchmark::State& state) {
  Engine e;
  const int64_t size = state.range(0);
  int64_t i = 0;
  for (auto _ : state) {
    if (i == size) {
      state.PauseTiming();
      e.run({"del", "z"});
      i = 0;
      state.ResumeTiming();
    }
    std::string r = e.run({"zadd", "z", std::to_string(i), member(i)});
    benchmark::DoNotOptimize(r);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZAdd)->Arg(1000)->Arg(100000);

// redis-benchmark's ZADD: a random score (an integer below the set's size)
// for a random member of a set of the argument's size, so most commands
// move an existing member and the rest insert one. Both walk the skiplist
// to a random place: what it costs is its cache misses.
void BM_ZAddRandom(benchmark::State& state) {
  Engine e;
  const int64_t n = state.range(0);
  std::minstd_rand rng(7);
  auto pick = [&] { return std::to_string(rng() % static_cast<uint64_t>(n)); };
  for (int64_t i = 0; i < n; ++i) e.run({"zadd", "z", pick(), "element:" + pick()});
  for (auto _ : state) {
    std::string r = e.run({"zadd", "z", pick(), "element:" + pick()});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZAddRandom)->Arg(1000)->Arg(100000)->Arg(1000000);

// 10 members from the middle of a set of the argument's size, by rank and
// by score.
void run_range(benchmark::State& state, bool by_score) {
  Engine e;
  fill(e, "z", 0, state.range(0));
  const std::string middle = std::to_string(state.range(0) / 2);
  const Args args = by_score ? Args{"zrange", "z", middle, "+inf", "byscore", "limit", "0", "10"}
                             : Args{"zrange", "z", middle, std::to_string(state.range(0) / 2 + 9)};
  for (auto _ : state) {
    std::string r = e.run(args);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ZRangeByRank(benchmark::State& state) {
  run_range(state, false);
}
BENCHMARK(BM_ZRangeByRank)->Arg(1000)->Arg(100000);

void BM_ZRangeByScore(benchmark::State& state) {
  run_range(state, true);
}
BENCHMARK(BM_ZRangeByScore)->Arg(1000)->Arg(100000);

// The union of two sets of the argument's size sharing half their members,
// stored over the previous result. Items are input members read.
void BM_ZUnionStore(benchmark::State& state) {
  Engine e;
  const int64_t n = state.range(0);
  fill(e, "a", 0, n);
  fill(e, "b", n / 2, n);
  for (auto _ : state) {
    std::string r = e.run({"zunionstore", "d", "2", "a", "b", "weights", "1", "2"});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 2 * n);
}
BENCHMARK(BM_ZUnionStore)->Arg(100)->Arg(10000);

}  // namespace
