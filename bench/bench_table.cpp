// The command table on the request path: lookup by name (any case), the
// generic check, and the key slot hash used for routing.

#include <benchmark/benchmark.h>

#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/hash.hpp"

namespace {

using shardis::Args;
using shardis::CommandTable;

void BM_TableFind(benchmark::State& state) {
  const CommandTable& table = CommandTable::instance();
  const std::string names[] = {"GET", "set", "Incr", "mget", "client", "nosuch"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(table.find(names[i++ % std::size(names)]));
}
BENCHMARK(BM_TableFind);

void BM_CheckCommand(benchmark::State& state) {
  shardis::Session session;
  Args args{"SET", "key:000000012345", "xxx"};
  std::string error;
  for (auto _ : state) benchmark::DoNotOptimize(shardis::check_command(args, session, &error));
}
BENCHMARK(BM_CheckCommand);

void BM_KeyHashSlot(benchmark::State& state) {
  const std::string key = "key:000000012345";
  for (auto _ : state) benchmark::DoNotOptimize(shardis::key_hash_slot(key));
}
BENCHMARK(BM_KeyHashSlot);

}  // namespace
