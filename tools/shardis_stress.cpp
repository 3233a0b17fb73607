// shardis-stress: many clients run optimistic read-modify-write cycles
// (GET an ETag, then PutIfMatch by EVALSHA) on a small set of keys, and at
// the end the tool checks that no update was lost or applied twice. Works
// against any Redis-compatible server; see docs/tools.md.
//
// Every key is a value ("v<N>") and an ETag key. An ETag is
// "<N>:c<client>:<seq>": it names the version it belongs to, so a client
// that read only the ETag knows which version it is replacing, and it is
// unique, so two successes that expected the same ETag would show a CAS
// that let two writers through.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/resource_store.hpp"
#include "tools/cli_options.hpp"

namespace shardis::stress {
namespace {

using test::Args;
using test::ReplyPtr;
using test::StoreStatus;
using tools::parse_int;
using Clock = std::chrono::steady_clock;

constexpr const char* kInitialEtag = "0:init";
constexpr size_t kMaxReportedFailures = 10;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int clients = 50;
  int keys = 100;
  std::chrono::milliseconds duration = std::chrono::seconds(10);
  bool hash_tags = false;
  int pipeline = 1;
  uint64_t seed = std::random_device{}();
};

void usage(std::ostream& out) {
  out << "usage: shardis-stress [--host H] [--port P] [--clients N] [--keys N]\n"
         "                      [--duration D] [--hash-tags] [--pipeline N] [--seed S]\n"
         "  D is a number with s, ms or m (10s, 500ms, 1m); a bare number is seconds.\n"
         "  Defaults: 127.0.0.1 6379, 50 clients, 100 keys, 10s, pipeline 1.\n";
}

// Exits with status 2 on a bad command line.
Options parse_options(int argc, char** argv) {
  Options o;
  const tools::ArgParser args("shardis-stress", usage);
  args.parse(argc, argv, {"--hash-tags"}, [&](const std::string& arg, const std::string& value) {
    auto number = [&](long long min, long long max) { return args.number(arg, value, min, max); };
    if (arg == "--hash-tags") {
      o.hash_tags = true;
    } else if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      o.port = static_cast<uint16_t>(number(1, 65535));
    } else if (arg == "--clients") {
      o.clients = static_cast<int>(number(1, 10000));
    } else if (arg == "--keys") {
      o.keys = static_cast<int>(number(1, 10000000));
    } else if (arg == "--pipeline") {
      o.pipeline = static_cast<int>(number(1, 10000));
    } else if (arg == "--seed") {
      o.seed = static_cast<uint64_t>(number(0, std::numeric_limits<long long>::max()));
    } else if (arg == "--duration") {
      o.duration = args.duration(value);
    } else {
      args.fail("unknown option " + arg);
    }
  });
  // Each round's PutIfMatch calls go to different keys.
  if (o.pipeline > o.keys) args.fail("--pipeline cannot exceed --keys");
  return o;
}

struct Keys {
  std::string value;
  std::string etag;
};

// With --hash-tags the two keys share a {tag}, so a sharded server can keep
// them on one shard.
Keys keys_of(int key, bool hash_tags) {
  std::string base =
      hash_tags ? "stress:{k" + std::to_string(key) + "}" : "stress:k" + std::to_string(key);
  return {base, base + ":etag"};
}

// The version an ETag or a value ("v<N>") names; nullopt when malformed.
std::optional<long long> version_in(const std::string& s, size_t from, size_t to) {
  return parse_int(s.substr(from, to == std::string::npos ? std::string::npos : to - from), 0,
                   std::numeric_limits<long long>::max());
}
std::optional<long long> etag_version(const std::string& etag) {
  return version_in(etag, 0, etag.find(':'));
}
std::optional<long long> value_version(const std::string& value) {
  if (value.empty() || value[0] != 'v') return std::nullopt;
  return version_in(value, 1, std::string::npos);
}

struct Success {
  int key;
  std::string expected_etag;
  long long version;  // the version written
  std::string new_etag;
};

struct ClientStats {
  uint64_t successes = 0;
  uint64_t mismatches = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::vector<uint32_t> latencies_us;  // one per PutIfMatch
  std::vector<Success> successes_log;

  void error(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
  // For a broken connection: records it and tells the caller to stop.
  bool fail(const std::string& what) {
    error(what);
    return false;
  }
};

struct Shared {
  const Options& options;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ops{0};
};

// Picks `n` distinct keys.
std::vector<int> pick_keys(std::mt19937_64& rng, int keys, int n) {
  std::uniform_int_distribution<int> dist(0, keys - 1);
  std::set<int> picked;
  while (static_cast<int>(picked.size()) < n) picked.insert(dist(rng));
  std::vector<int> out(picked.begin(), picked.end());
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

// One round: GET the ETags of a batch of keys (one round trip), then one
// PutIfMatch per key (one round trip). False when the connection broke.
bool run_round(redisContext* ctx, int client, uint64_t& seq, std::mt19937_64& rng, Shared& shared,
               ClientStats& stats) {
  const Options& o = shared.options;
  std::vector<int> batch = pick_keys(rng, o.keys, o.pipeline);
  for (int k : batch) test::append_command(ctx, {"GET", keys_of(k, o.hash_tags).etag});
  std::vector<std::string> expected;
  for (int k : batch) {
    ReplyPtr r = test::read_reply(ctx);
    if (!r) return stats.fail("GET: " + test::describe(ctx, nullptr));
    if (r->type != REDIS_REPLY_STRING || !etag_version(std::string(r->str, r->len))) {
      stats.error("GET " + keys_of(k, o.hash_tags).etag + ": " + test::render(r.get()));
      expected.emplace_back();
      continue;
    }
    expected.emplace_back(r->str, r->len);
  }

  struct Call {
    int key;
    Keys keys;
    std::string expected, value, new_etag;
  };
  std::vector<Call> calls;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (expected[i].empty()) continue;
    long long next = *etag_version(expected[i]) + 1;
    calls.push_back(
        {batch[i], keys_of(batch[i], o.hash_tags), expected[i], "v" + std::to_string(next),
         std::to_string(next) + ":c" + std::to_string(client) + ":" + std::to_string(++seq)});
  }
  for (const auto& c : calls) {
    test::append_put_if_match(ctx, c.keys.value, c.keys.etag, c.expected, c.value, c.new_etag);
  }
  auto sent = Clock::now();
  std::vector<ReplyPtr> replies;
  for (size_t i = 0; i < calls.size(); ++i) {
    replies.push_back(test::read_reply(ctx));
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
    stats.latencies_us.push_back(static_cast<uint32_t>(us.count()));
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call& c = calls[i];
    if (!replies[i]) return stats.fail("PutIfMatch: " + test::describe(ctx, nullptr));
    auto outcome = test::put_if_match_outcome(ctx, std::move(replies[i]), c.keys.value, c.keys.etag,
                                              c.expected, c.value, c.new_etag);
    ++shared.ops;
    if (outcome.status == StoreStatus::kOk) {
      ++stats.successes;
      stats.successes_log.push_back({c.key, c.expected, *etag_version(c.new_etag), c.new_etag});
    } else if (outcome.status == StoreStatus::kMismatch) {
      ++stats.mismatches;
    } else {
      stats.error("PutIfMatch " + c.keys.value + ": " +
                  std::string(test::to_string(outcome.status)) + " " + outcome.error);
    }
  }
  return true;
}

void run_client(int client, Shared& shared, ClientStats& stats) {
  const Options& o = shared.options;
  try {
    test::Client conn(o.host, o.port);
    std::mt19937_64 rng(o.seed + static_cast<uint64_t>(client));
    uint64_t seq = 0;
    while (!shared.stop && run_round(conn.context(), client, seq, rng, shared, stats)) {
    }
  } catch (const std::exception& e) {
    stats.error(e.what());
  }
}

// SET every value to "v0" and its ETag to the initial one.
bool init_keys(const Options& o) {
  test::Client conn(o.host, o.port);
  for (int k = 0; k < o.keys; ++k) {
    Keys keys = keys_of(k, o.hash_tags);
    test::append_command(conn.context(), {"SET", keys.value, "v0"});
    test::append_command(conn.context(), {"SET", keys.etag, kInitialEtag});
  }
  for (int i = 0; i < 2 * o.keys; ++i) {
    ReplyPtr r = test::read_reply(conn.context());
    if (!r || test::render(r.get()) != "+OK") {
      std::cerr << "shardis-stress: initialising the keys: "
                << test::describe(conn.context(), r.get()) << "\n";
      return false;
    }
  }
  return true;
}

// Collects invariant violations, printing the first few of each kind.
class Violations {
 public:
  void add(const std::string& invariant, const std::string& detail) {
    if (shown_[invariant]++ < kMaxReportedFailures) {
      std::cout << "invariant violated: " << invariant << ": " << detail << "\n";
    }
    ++count_;
  }
  size_t count() const { return count_; }

 private:
  std::map<std::string, size_t> shown_;
  size_t count_ = 0;
};

void verify_key(int key, const std::string& value, const std::string& etag,
                const std::vector<const Success*>& successes, Violations& v) {
  const std::string name = "key " + std::to_string(key);
  std::optional<long long> version = value_version(value);
  if (!version) return v.add("value format", name + " holds '" + value + "'");
  if (static_cast<size_t>(*version) != successes.size()) {
    v.add("successes == final version",
          name + ": " + std::to_string(successes.size()) + " successful CAS, value " + value);
  }
  std::set<std::string> expected;
  for (const Success* s : successes) {
    if (!expected.insert(s->expected_etag).second) {
      v.add("one success per expected ETag", name + ": ETag " + s->expected_etag);
    }
  }
  std::string want = kInitialEtag;
  for (const Success* s : successes) {
    if (s->version == *version) want = s->new_etag;
  }
  if (etag != want) {
    v.add("value and ETag agree", name + ": value " + value + " with ETag " + etag +
                                      ", the success that wrote it set " + want);
  }
}

size_t verify(const Options& o, const std::vector<ClientStats>& stats) {
  std::vector<std::vector<const Success*>> by_key(o.keys);
  for (const auto& s : stats) {
    for (const auto& success : s.successes_log) by_key[success.key].push_back(&success);
  }
  Violations violations;
  test::Client conn(o.host, o.port);
  for (int k = 0; k < o.keys; ++k) {
    Keys keys = keys_of(k, o.hash_tags);
    ReplyPtr r = test::command(conn.context(), {"MGET", keys.value, keys.etag});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
      violations.add("keys readable",
                     "MGET " + keys.value + ": " + test::describe(conn.context(), r.get()));
      continue;
    }
    verify_key(k, std::string(r->element[0]->str, r->element[0]->len),
               std::string(r->element[1]->str, r->element[1]->len), by_key[k], violations);
  }
  return violations.count();
}

uint32_t percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// Prints ops so far once a second until the clients stop.
void report_progress(Shared& shared, Clock::time_point start, Clock::time_point end) {
  uint64_t last_ops = 0;
  auto next = start + std::chrono::seconds(1);
  while (next <= end) {
    std::this_thread::sleep_until(next);
    uint64_t ops = shared.ops;
    double elapsed = std::chrono::duration<double>(next - start).count();
    std::printf("[%5.0fs] ops=%llu ops/s=%llu\n", elapsed, static_cast<unsigned long long>(ops),
                static_cast<unsigned long long>(ops - last_ops));
    std::fflush(stdout);
    last_ops = ops;
    next += std::chrono::seconds(1);
  }
  std::this_thread::sleep_until(end);
}

int run(const Options& o) {
  std::printf("shardis-stress: %s:%u clients=%d keys=%d duration=%.1fs pipeline=%d%s seed=%llu\n",
              o.host.c_str(), o.port, o.clients, o.keys,
              std::chrono::duration<double>(o.duration).count(), o.pipeline,
              o.hash_tags ? " hash-tags" : "", static_cast<unsigned long long>(o.seed));
  if (!init_keys(o)) return 1;

  Shared shared{o};
  std::vector<ClientStats> stats(o.clients);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] { run_client(c, shared, stats[c]); });
  }
  report_progress(shared, start, start + o.duration);
  shared.stop = true;
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  ClientStats total;
  for (const auto& s : stats) {
    total.successes += s.successes;
    total.mismatches += s.mismatches;
    total.errors += s.errors;
    if (total.first_error.empty()) total.first_error = s.first_error;
    total.latencies_us.insert(total.latencies_us.end(), s.latencies_us.begin(),
                              s.latencies_us.end());
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  uint64_t ops = total.successes + total.mismatches + total.errors;
  std::printf(
      "summary: ops=%llu ops/s=%.0f success=%llu mismatch=%llu errors=%llu success_ratio=%.3f "
      "p50=%uus p99=%uus p999=%uus\n",
      static_cast<unsigned long long>(ops), static_cast<double>(ops) / seconds,
      static_cast<unsigned long long>(total.successes),
      static_cast<unsigned long long>(total.mismatches),
      static_cast<unsigned long long>(total.errors),
      ops ? static_cast<double>(total.successes) / static_cast<double>(ops) : 0.0,
      percentile(total.latencies_us, 0.50), percentile(total.latencies_us, 0.99),
      percentile(total.latencies_us, 0.999));
  if (total.errors > 0)
    std::printf("errors: %llu, first: %s\n", static_cast<unsigned long long>(total.errors),
                total.first_error.c_str());

  size_t violations = verify(o, stats);
  if (violations > 0) {
    std::printf("invariants: FAILED (%zu violations)\n", violations);
    return 1;
  }
  std::printf("invariants: OK (%d keys, %llu successful CAS)\n", o.keys,
              static_cast<unsigned long long>(total.successes));
  return total.errors > 0 || total.successes == 0 ? 1 : 0;
}

}  // namespace
}  // namespace shardis::stress

int main(int argc, char** argv) {
  auto options = shardis::stress::parse_options(argc, argv);
  try {
    return shardis::stress::run(options);
  } catch (const std::exception& e) {
    std::cerr << "shardis-stress: " << e.what() << "\n";
    return 1;
  }
}
