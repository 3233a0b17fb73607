// shardis-pubsub-bench: pub/sub throughput against any Redis-compatible
// server; see docs/tools.md.
//
// N subscriber connections SUBSCRIBE to one channel (or PSUBSCRIBE to a
// pattern that matches it); M publisher connections PUBLISH messages of S
// bytes to it, each keeping a pipeline of P commands in flight, for a time
// or a number of messages. The sum of PUBLISH's replies is how many
// deliveries the server promised; subscribers count (and size-check) what
// arrives, and the run passes when the two agree.
//
// Publishers pause while the deliveries promised but not yet read exceed
// --max-backlog bytes: otherwise they outrun the subscribers, the server's
// output buffers grow to their limit and the run measures disconnections
// rather than sustained throughput. A paused publisher sleeps until a reader
// brings the backlog under the bound; polling for it every 50 us instead
// had 50 publisher threads waking a million times a second, CPU the
// readers then lacked.

#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/redis_calls.hpp"
#include "tools/cli_options.hpp"
#include "tools/frame_counter.hpp"

namespace shardis::pubsub_bench {
namespace {

using test::ReplyPtr;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kChannel = "bench:channel";
constexpr const char* kPattern = "bench:*";
// What a subscriber's read may bring at once.
constexpr size_t kReadBytes = 64 * 1024;
// How long the subscribers may go without a message, once the publishers
// stopped, before the run gives up on the missing ones.
constexpr auto kDrainTimeout = 3s;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int subscribers = 100;
  int publishers = 1;
  long long size = 64;
  int pipeline = 32;
  std::chrono::milliseconds duration = 5s;
  long long messages = 0;  // 0: run for `duration`
  bool pattern = false;
  int reader_threads = 2;
  long long max_backlog = 8 << 20;
};

void usage(std::ostream& out) {
  out << "usage: shardis-pubsub-bench [--host H] [--port P] [--subscribers N] [--publishers M]\n"
         "                            [--size S] [--pipeline P] [--duration D | --messages K]\n"
         "                            [--pattern] [--reader-threads T] [--max-backlog B]\n"
         "  D is a number with s, ms or m (10s, 500ms, 1m); a bare number is seconds.\n"
         "  Defaults: 127.0.0.1 6379, 100 subscribers, 1 publisher, 64 bytes, pipeline 32,\n"
         "  5s, 2 reader threads, backlog 8388608 bytes.\n";
}

// Exits with status 2 on a bad command line.
Options parse_options(int argc, char** argv) {
  Options o;
  const tools::ArgParser args("shardis-pubsub-bench", usage);
  args.parse(argc, argv, {"--pattern"}, [&](const std::string& arg, const std::string& value) {
    auto number = [&](long long min, long long max) { return args.number(arg, value, min, max); };
    if (arg == "--pattern") {
      o.pattern = true;
    } else if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      o.port = static_cast<uint16_t>(number(1, 65535));
    } else if (arg == "--subscribers") {
      o.subscribers = static_cast<int>(number(1, 10000));
    } else if (arg == "--publishers") {
      o.publishers = static_cast<int>(number(1, 1000));
    } else if (arg == "--size") {
      o.size = number(1, 512LL << 20);
    } else if (arg == "--pipeline") {
      o.pipeline = static_cast<int>(number(1, 10000));
    } else if (arg == "--messages") {
      o.messages = number(1, 1LL << 50);
    } else if (arg == "--reader-threads") {
      o.reader_threads = static_cast<int>(number(1, 64));
    } else if (arg == "--max-backlog") {
      o.max_backlog = number(1, 1LL << 40);
    } else if (arg == "--duration") {
      o.duration = args.duration(value);
    } else {
      args.fail("unknown option " + arg);
    }
  });
  return o;
}

struct Shared {
  const Options& options;
  std::atomic<bool> stop_publishing{false};
  std::atomic<bool> stop_reading{false};
  std::atomic<long long> unclaimed;  // messages left to publish with --messages
  std::atomic<uint64_t> published{0};
  std::atomic<uint64_t> promised{0};  // the sum of PUBLISH's replies
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> bad_size{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> pauses{0};  // times a publisher waited on the backlog
  std::mutex mu;
  std::string first_error;

  explicit Shared(const Options& o) : options(o), unclaimed(o.messages) {}
  void error(const std::string& what) {
    std::lock_guard lock(mu);
    if (errors++ == 0) first_error = what;
  }
  uint64_t backlog_bytes() const {
    uint64_t p = promised, d = delivered;
    return p > d ? (p - d) * static_cast<uint64_t>(options.size) : 0;
  }
  bool over_backlog() const { return backlog_bytes() > static_cast<uint64_t>(options.max_backlog); }

  // Publishers: returns when the backlog is under the bound, publishing
  // stops, or 10 ms pass (the caller checks again).
  void wait_for_backlog() {
    std::unique_lock lock(throttle_mu);
    ++throttled;  // before the predicate reads `delivered`; see release_publishers
    throttle_cv.wait_for(lock, 10ms, [&] { return !over_backlog() || stop_publishing; });
    --throttled;
  }
  // Readers, after adding to `delivered`: a publisher that counted itself
  // in `throttled` before this read either saw the new count or is asleep
  // and is woken here.
  void release_publishers() {
    if (throttled.load() == 0 || over_backlog()) return;
    std::lock_guard lock(throttle_mu);
    throttle_cv.notify_all();
  }

 private:
  std::mutex throttle_mu;
  std::condition_variable throttle_cv;
  std::atomic<int> throttled{0};
};

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

ContextPtr connect(const Options& o) {
  timeval tv{5, 0};
  ContextPtr c(redisConnectWithTimeout(o.host.c_str(), o.port, tv));
  if (!c || c->err)
    throw std::runtime_error("connect: " + std::string(c ? c->errstr : "out of memory"));
  redisSetTimeout(c.get(), tv);
  return c;
}

// How many messages the next batch may send: the pipeline, or what is left
// of --messages.
int claim(Shared& shared) {
  const Options& o = shared.options;
  if (o.messages == 0) return o.pipeline;
  long long left = shared.unclaimed.load();
  long long n;
  do {
    n = std::min<long long>(left, o.pipeline);
    if (n <= 0) return 0;
  } while (!shared.unclaimed.compare_exchange_weak(left, left - n));
  return static_cast<int>(n);
}

void run_publisher(Shared& shared) {
  const Options& o = shared.options;
  const std::string payload(static_cast<size_t>(o.size), 'x');
  try {
    ContextPtr ctx = connect(o);
    while (!shared.stop_publishing) {
      if (shared.over_backlog() && !shared.stop_publishing) {
        ++shared.pauses;
        while (shared.over_backlog() && !shared.stop_publishing) shared.wait_for_backlog();
      }
      int n = claim(shared);
      if (n == 0) return;
      for (int i = 0; i < n; ++i) test::append_command(ctx.get(), {"PUBLISH", kChannel, payload});
      // The shared counters move once per batch.
      uint64_t promised = 0;
      std::string failed;
      int replies = 0;
      for (; replies < n; ++replies) {
        ReplyPtr r = test::read_reply(ctx.get());
        if (!r || r->type != REDIS_REPLY_INTEGER) {
          failed = "PUBLISH: " + test::describe(ctx.get(), r.get());
          break;
        }
        promised += static_cast<uint64_t>(r->integer);
      }
      shared.promised += promised;
      shared.published += static_cast<uint64_t>(replies);
      if (!failed.empty()) return shared.error(failed);
    }
  } catch (const std::exception& e) {
    shared.error(e.what());
  }
}

// Reads a group of subscriber connections until told to stop: each
// connection's bytes go through its FrameCounter, and the shared counters
// move once per read, not once per message.
void run_reader(Shared& shared, std::vector<ContextPtr>& conns) {
  const Options& o = shared.options;
  std::vector<pollfd> fds;
  std::vector<tools::FrameCounter> counters;
  for (const ContextPtr& c : conns) {
    fds.push_back({c->fd, POLLIN, 0});
    counters.emplace_back(o.pattern ? "pmessage" : "message", o.pattern ? 4 : 3);
  }
  std::vector<char> buf(kReadBytes);
  while (!shared.stop_reading) {
    if (poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        shared.error(std::string("subscriber: ") +
                     (n == 0 ? "connection closed" : std::strerror(errno)));
        fds[i].fd = -1;  // poll skips it from now on
        continue;
      }
      uint64_t frames = 0, bad_size = 0;
      const bool ok = counters[i].feed(buf.data(), static_cast<size_t>(n), [&](size_t payload) {
        ++frames;
        if (payload != static_cast<size_t>(o.size)) ++bad_size;
      });
      shared.delivered += frames;
      if (bad_size > 0) shared.bad_size += bad_size;
      shared.release_publishers();
      if (!ok) {
        shared.error("subscriber: " + counters[i].error());
        fds[i].fd = -1;
      }
    }
  }
}

// Connects and subscribes every subscriber, spread over the reader groups.
std::vector<std::vector<ContextPtr>> subscribe_all(const Options& o) {
  std::vector<std::vector<ContextPtr>> groups(
      static_cast<size_t>(std::min(o.reader_threads, o.subscribers)));
  for (int s = 0; s < o.subscribers; ++s) {
    ContextPtr ctx = connect(o);
    const char* verb = o.pattern ? "PSUBSCRIBE" : "SUBSCRIBE";
    ReplyPtr r = test::command(ctx.get(), {verb, o.pattern ? kPattern : kChannel});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
      throw std::runtime_error(std::string(verb) + ": " + test::describe(ctx.get(), r.get()));
    groups[static_cast<size_t>(s) % groups.size()].push_back(std::move(ctx));
  }
  return groups;
}

// Waits until every promised delivery arrived, or none did for a while.
void drain(Shared& shared) {
  uint64_t last = shared.delivered;
  auto progress = Clock::now();
  while (shared.delivered < shared.promised && Clock::now() - progress < kDrainTimeout) {
    std::this_thread::sleep_for(1ms);
    if (shared.delivered != last) {
      last = shared.delivered;
      progress = Clock::now();
    }
  }
}

double per_second(uint64_t n, Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  return s > 0 ? static_cast<double>(n) / s : 0.0;
}

int run(const Options& o) {
  std::string limit = o.messages ? "messages=" + std::to_string(o.messages)
                                 : "duration=" + std::to_string(o.duration.count()) + "ms";
  std::printf(
      "shardis-pubsub-bench: %s:%u subscribers=%d publishers=%d size=%lld pipeline=%d %s "
      "mode=%s\n",
      o.host.c_str(), o.port, o.subscribers, o.publishers, o.size, o.pipeline, limit.c_str(),
      o.pattern ? "psubscribe" : "subscribe");
  std::fflush(stdout);
  Shared shared(o);
  auto groups = subscribe_all(o);
  std::vector<std::thread> readers, publishers;
  for (auto& g : groups) readers.emplace_back([&shared, &g] { run_reader(shared, g); });

  auto start = Clock::now();
  for (int p = 0; p < o.publishers; ++p)
    publishers.emplace_back([&shared] { run_publisher(shared); });
  if (o.messages == 0) {
    std::this_thread::sleep_for(o.duration);
    shared.stop_publishing = true;
  }
  for (auto& t : publishers) t.join();
  auto published_at = Clock::now();
  drain(shared);
  auto drained_at = Clock::now();
  shared.stop_reading = true;
  for (auto& t : readers) t.join();

  uint64_t published = shared.published, promised = shared.promised;
  uint64_t delivered = shared.delivered, bad_size = shared.bad_size, errors = shared.errors;
  std::printf(
      "summary: published=%llu published/s=%.0f delivered=%llu delivered/s=%.0f promised=%llu "
      "bad_size=%llu errors=%llu pauses=%llu\n",
      static_cast<unsigned long long>(published), per_second(published, published_at - start),
      static_cast<unsigned long long>(delivered), per_second(delivered, drained_at - start),
      static_cast<unsigned long long>(promised), static_cast<unsigned long long>(bad_size),
      static_cast<unsigned long long>(errors), static_cast<unsigned long long>(shared.pauses));
  if (errors > 0) std::printf("first error: %s\n", shared.first_error.c_str());
  bool ok = errors == 0 && bad_size == 0 && published > 0 && delivered == promised;
  std::printf("%s\n", ok ? "result: OK" : "result: FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace shardis::pubsub_bench

int main(int argc, char** argv) {
  auto options = shardis::pubsub_bench::parse_options(argc, argv);
  try {
    return shardis::pubsub_bench::run(options);
  } catch (const std::exception& e) {
    std::cerr << "shardis-pubsub-bench: " << e.what() << "\n";
    return 1;
  }
}
