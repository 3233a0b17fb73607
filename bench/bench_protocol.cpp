// RESP parsing and reply writing: the per-request work every command pays
// before and after the engine. Items processed are commands or replies.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocol/reply_writer.hpp"
#include "protocol/request_parser.hpp"

namespace {

using shardis::protocol::ParseStatus;
using shardis::protocol::ReplyWriter;
using shardis::protocol::RequestParser;

std::string multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Parses `input` completely, as a connection does with one read.
size_t parse_all(RequestParser& parser, const std::string& input) {
  size_t commands = 0;
  size_t off = 0;
  while (true) {
    size_t used = 0;
    const ParseStatus st = parser.feed(input.data() + off, input.size() - off, &used);
    off += used;
    if (st != ParseStatus::kCommand) break;
    benchmark::DoNotOptimize(parser.command().data());
    ++commands;
  }
  return commands;
}

void run_parse(benchmark::State& state, const std::string& input) {
  RequestParser parser;
  size_t commands = 0;
  for (auto _ : state) commands += parse_all(parser, input);
  state.SetItemsProcessed(static_cast<int64_t>(commands));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void BM_ParsePipelineSet16(benchmark::State& state) {
  std::string input;
  for (int i = 0; i < 16; ++i) {
    input += multibulk({"SET", "key:" + std::to_string(i), "value-" + std::to_string(i)});
  }
  run_parse(state, input);
}
BENCHMARK(BM_ParsePipelineSet16);

void BM_ParseGet(benchmark::State& state) {
  run_parse(state, multibulk({"GET", "key:000001"}));
}
BENCHMARK(BM_ParseGet);

void BM_ParseInlineGet(benchmark::State& state) {
  run_parse(state, "GET key:000001\r\n");
}
BENCHMARK(BM_ParseInlineGet);

// A SET with a value of state.range(0) bytes arriving in 16 KB reads.
void BM_ParseBigValueInReads(benchmark::State& state) {
  const std::string input =
      multibulk({"SET", "key", std::string(static_cast<size_t>(state.range(0)), 'v')});
  const size_t kRead = 16 * 1024;
  RequestParser parser;
  for (auto _ : state) {
    for (size_t off = 0; off < input.size();) {
      const size_t n = std::min(kRead, input.size() - off);
      size_t used = 0;
      parser.feed(input.data() + off, n, &used);
      off += used;
    }
    // Drop the value as the engine would by taking it.
    std::string taken = std::move(parser.command()[2]);
    benchmark::DoNotOptimize(taken.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_ParseBigValueInReads)->Arg(64 * 1024)->Arg(1024 * 1024);

// Writers append into a buffer that is cleared, not freed, between batches,
// as a connection's output buffer is.
template <typename Write>
void run_write(benchmark::State& state, int resp, Write write) {
  std::string out;
  out.reserve(64 * 1024);
  constexpr int kPerBatch = 64;
  for (auto _ : state) {
    out.clear();
    ReplyWriter w(out, resp);
    for (int i = 0; i < kPerBatch; ++i) write(w, i);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kPerBatch);
}

void BM_WriteBulk(benchmark::State& state) {
  const std::string value(static_cast<size_t>(state.range(0)), 'v');
  run_write(state, 2, [&](ReplyWriter& w, int) { w.bulk(value); });
}
BENCHMARK(BM_WriteBulk)->Arg(8)->Arg(512);

void BM_WriteInteger(benchmark::State& state) {
  run_write(state, 2, [](ReplyWriter& w, int i) { w.integer(1000003LL * i); });
}
BENCHMARK(BM_WriteInteger);

void BM_WriteOk(benchmark::State& state) {
  run_write(state, 2, [](ReplyWriter& w, int) { w.ok(); });
}
BENCHMARK(BM_WriteOk);

// An MGET-like array of ten bulks.
void BM_WriteArray(benchmark::State& state) {
  const std::string value = "value-0123456789";
  run_write(state, 2, [&](ReplyWriter& w, int) {
    w.array(10);
    for (int j = 0; j < 10; ++j) w.bulk(value);
  });
}
BENCHMARK(BM_WriteArray);

void BM_WriteDouble(benchmark::State& state) {
  run_write(state, static_cast<int>(state.range(0)),
            [](ReplyWriter& w, int i) { w.dbl(0.1 * i + 1.0 / 3); });
}
BENCHMARK(BM_WriteDouble)->Arg(2)->Arg(3);

}  // namespace
