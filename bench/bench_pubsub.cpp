// Pub/sub in the registry (engine/pubsub.hpp), without sockets: a channel
// name globbed against 100 patterns, as PUBLISH does for pattern
// subscribers, and one PUBLISH fanned out to 100 channel subscribers'
// outboxes.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/glob.hpp"
#include "engine/pubsub.hpp"

namespace {

using shardis::OutputLimit;
using shardis::PubSub;
using shardis::PubSubKind;
using shardis::Subscriber;

constexpr int kCount = 100;

// 100 patterns of the shapes clients use: prefixes, single-character
// wildcards and classes; five of them match "news.sport.42".
std::vector<std::string> patterns() {
  std::vector<std::string> out;
  for (int i = 0; i < kCount; ++i) {
    std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        out.push_back("news." + n + ".*");
        break;
      case 1:
        out.push_back("user:?" + n + "*");
        break;
      case 2:
        out.push_back("[a-m]hat:" + n);
        break;
      default:
        out.push_back(i % 10 == 3 ? "news.*" : "*.feed." + n);
        break;
    }
  }
  return out;
}

void BM_GlobAgainstPatterns(benchmark::State& state) {
  const std::vector<std::string> pats = patterns();
  const std::string channel = "news.sport.42";
  for (auto _ : state) {
    int matched = 0;
    for (const std::string& p : pats) matched += shardis::glob_match(p, channel);
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(state.iterations() * kCount);
}
BENCHMARK(BM_GlobAgainstPatterns);

// One PUBLISH of a message of the first argument's size to the second
// argument's number of subscribers; the outboxes are emptied every 64
// messages, as connections would.
void BM_PublishFanOut(benchmark::State& state) {
  const int subscribers = static_cast<int>(state.range(1));
  PubSub registry;
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>(static_cast<uint64_t>(i)));
    registry.subscribe(*subs.back(), PubSubKind::kChannel, "fanout");
  }
  const std::string message(static_cast<size_t>(state.range(0)), 'm');
  const OutputLimit unlimited{};
  std::string sink;
  int64_t published = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        registry.publish(PubSubKind::kChannel, "fanout", message, unlimited, 0));
    if (++published % 64 == 0) {
      for (auto& s : subs) {
        sink.clear();
        s->take(&sink);
      }
    }
  }
  for (auto& s : subs) registry.unsubscribe_all(*s);
  state.SetItemsProcessed(state.iterations() * subscribers);
}
BENCHMARK(BM_PublishFanOut)->Args({64, 100})->Args({4096, 100})->Args({64, 1})->Args({4096, 1});

}  // namespace
