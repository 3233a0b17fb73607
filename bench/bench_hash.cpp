// Small hashes and sorted sets through the engine (Engine::run): the cost
// of the listpack encoding against the table one for the same commands.
// The first argument is the collection's size, the second the encoding:
// 0 listpack (Redis's default limits), 1 hashtable / skiplist (limits 0).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "engine/engine.hpp"

namespace {

using shardis::Args;
using shardis::Engine;

// Runs the benchmark on an engine whose key holds range(0) elements, each
// added by add(i), with the encoding range(1) asks for; command(i) gives
// the i-th iteration's command (i cycles over the elements).
template <class Add, class Command>
void run(benchmark::State& state, Add&& add, Command&& command) {
  Engine e;
  if (state.range(1) != 0) {
    e.run({"config", "set", "hash-max-listpack-entries", "0"});
    e.run({"config", "set", "zset-max-listpack-entries", "0"});
  }
  const int64_t size = state.range(0);
  for (int64_t i = 0; i < size; ++i) e.run(add(i));
  int64_t i = 0;
  for (auto _ : state) {
    std::string r = e.run(command(i));
    benchmark::DoNotOptimize(r);
    i = (i + 1) % size;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(1) == 0 ? "listpack" : "table");
}

Args hset(int64_t i) {
  return {"hset", "h", "field" + std::to_string(i), "value" + std::to_string(i)};
}
Args zadd(int64_t i) {
  return {"zadd", "z", std::to_string(i), "member" + std::to_string(i)};
}

// HSET of an existing field (an update: the hash keeps its size and
// encoding).
void BM_HSetSmall(benchmark::State& state) {
  run(state, hset, [](int64_t i) { return hset(i); });
}
BENCHMARK(BM_HSetSmall)->Args({10, 0})->Args({10, 1})->Args({100, 0})->Args({100, 1});

void BM_HGetAllSmall(benchmark::State& state) {
  run(state, hset, [](int64_t) { return Args{"hgetall", "h"}; });
}
BENCHMARK(BM_HGetAllSmall)->Args({10, 0})->Args({10, 1})->Args({100, 0})->Args({100, 1});

// ZADD moving a member to another score (and so another place).
void BM_ZAddSmall(benchmark::State& state) {
  const int64_t size = state.range(0);
  run(state, zadd, [size](int64_t i) {
    return Args{"zadd", "z", std::to_string((i * 7) % size), "member" + std::to_string(i)};
  });
}
BENCHMARK(BM_ZAddSmall)->Args({10, 0})->Args({10, 1})->Args({100, 0})->Args({100, 1});

// The whole set with scores.
void BM_ZRangeSmall(benchmark::State& state) {
  run(state, zadd, [](int64_t) { return Args{"zrange", "z", "0", "-1", "withscores"}; });
}
BENCHMARK(BM_ZRangeSmall)->Args({10, 0})->Args({10, 1})->Args({100, 0})->Args({100, 1});

}  // namespace
