// busy-poll-us: after a run of reads the I/O thread keeps polling for at
// most that long, then sleeps; polling, the server answers exactly as
// sleeping.
// The embedded server shares this process, so the CPU time of this process
// while the test thread sleeps is the server's.

#include <sys/resource.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/placement.hpp"

namespace shardis::test {
namespace {

// User + system CPU time of this process, in milliseconds.
double process_cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

// CPU milliseconds the process spends while this thread sleeps `wall`.
double cpu_during(std::chrono::milliseconds wall) {
  const double before = process_cpu_ms();
  std::this_thread::sleep_for(wall);
  return process_cpu_ms() - before;
}

}  // namespace

TEST_CASE("busy-poll-us is a CONFIG parameter with a range", "[busy-poll][config]") {
  EmbeddedServer server{Config{}};
  Client c(server.host(), server.port());
  CHECK(c.raw({"CONFIG", "GET", "busy-poll-us"}) == "[$busy-poll-us,$50]");
  CHECK(c.raw({"CONFIG", "SET", "busy-poll-us", "250"}) == "+OK");
  CHECK(c.raw({"CONFIG", "GET", "busy-poll-us"}) == "[$busy-poll-us,$250]");
  CHECK(c.raw({"CONFIG", "SET", "busy-poll-us", "-1"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'busy-poll-us') - argument must be "
        "between 0 and 1000000 inclusive");
  CHECK(c.raw({"CONFIG", "SET", "busy-poll-us", "1000001"}).rfind("-ERR CONFIG SET failed", 0) ==
        0);
  CHECK(c.raw({"CONFIG", "GET", "busy-poll-us"}) == "[$busy-poll-us,$250]");
}

namespace {

// Keeps `clients` clients sending PINGs, each waiting for its reply, for
// `wall`: the I/O thread finds reads one after another.
void keep_reading(const EmbeddedServer& server, int clients, std::chrono::milliseconds wall) {
  const auto until = std::chrono::steady_clock::now() + wall;
  std::atomic<int> wrong{0};  // Catch2's assertions are not for other threads
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      try {
        Client c(server.host(), server.port());
        while (std::chrono::steady_clock::now() < until) {
          if (c.raw({"PING"}) != "+PONG") ++wrong;
        }
      } catch (const std::exception&) {
        ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(wrong.load() == 0);
}

}  // namespace

// Serial: a test busy on the other core would take the polling thread's
// CPU and blur the measurement.
TEST_CASE("the I/O thread polls for busy-poll-us after a run of reads, then sleeps",
          "[busy-poll][serial]") {
  using namespace std::chrono_literals;
  EmbeddedServer server{Config{}};
  Client c(server.host(), server.port());
  // The default budget (50 us) ends long before the measurement starts.
  keep_reading(server, 8, 200ms);
  CHECK(cpu_during(300ms) < 60);
  // Off: after a run of reads the server sleeps at once.
  REQUIRE(c.raw({"CONFIG", "SET", "busy-poll-us", "0"}) == "+OK");
  keep_reading(server, 8, 200ms);
  CHECK(cpu_during(300ms) < 60);

  // On, with a budget longer than the measurement: the thread polls on
  // after the run (for as long as the run lasted, at most the budget) and
  // takes most of a core.
  REQUIRE(c.raw({"CONFIG", "SET", "busy-poll-us", "1000000"}) == "+OK");
  keep_reading(server, 8, 600ms);
  CHECK(cpu_during(300ms) > 200);
  // The budget counts from the last read: once it has passed without one,
  // the thread sleeps again.
  std::this_thread::sleep_for(1000ms);
  CHECK(cpu_during(300ms) < 60);

  // A lone read after an idle spell is not followed by a poll: the poll
  // lasts at most as long as the reads before it.
  REQUIRE(c.raw({"PING"}) == "+PONG");
  CHECK(cpu_during(300ms) < 60);

  // A CONFIG SET to 0 stops a poll in progress at its next turn.
  keep_reading(server, 8, 200ms);
  REQUIRE(c.raw({"CONFIG", "SET", "busy-poll-us", "0"}) == "+OK");
  std::this_thread::sleep_for(50ms);
  CHECK(cpu_during(300ms) < 60);
}

TEST_CASE("with busy-poll-us, concurrent clients and blocked pops get every reply",
          "[busy-poll][concurrency]") {
  constexpr int kClients = 20;
  constexpr int kItems = 2000;
  const std::string placement = GENERATE("io", "pool");
  INFO("shard-placement " << placement);
  EmbeddedServer server = start_placed_server(4, placement, {{"busy-poll-us", "200"}});

  // Producers push kItems each onto one queue; as many consumers pop with
  // BLPOP. Each item arrives once; each producer's INCRs end exact.
  std::mutex mu;
  std::multiset<std::string> popped;
  std::vector<std::string> failures;
  std::atomic<int> left{kClients * kItems};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      try {
        Client client(server.host(), server.port());
        for (int i = 0; i < kItems; i += 10) {
          std::vector<Args> batch;
          for (int k = i; k < i + 10; ++k) {
            batch.push_back({"RPUSH", "queue", std::to_string(t) + ":" + std::to_string(k)});
            batch.push_back({"INCR", "count:" + std::to_string(t)});
          }
          const std::vector<std::string> replies = client.pipeline(batch);
          for (size_t k = 1; k < replies.size(); k += 2) {
            if (replies[k] != ":" + std::to_string(i + k / 2 + 1))
              throw std::runtime_error("INCR " + replies[k]);
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(std::string("producer: ") + e.what());
      }
    });
    threads.emplace_back([&] {
      try {
        Client client(server.host(), server.port());
        while (left.load() > 0) {
          const std::string reply = client.raw({"BLPOP", "queue", "0.05"});
          if (reply == "(nil)") continue;
          if (reply.rfind("[$queue,$", 0) != 0) throw std::runtime_error("BLPOP " + reply);
          --left;
          std::lock_guard<std::mutex> lock(mu);
          popped.insert(reply.substr(9, reply.size() - 10));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(std::string("consumer: ") + e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) FAIL_CHECK(f);
  REQUIRE(failures.empty());
  REQUIRE(popped.size() == static_cast<size_t>(kClients * kItems));
  for (int t = 0; t < kClients; ++t) {
    for (int i = 0; i < kItems; ++i) {
      const std::string item = std::to_string(t) + ":" + std::to_string(i);
      if (popped.count(item) != 1) FAIL_CHECK(item << " popped " << popped.count(item) << " times");
    }
  }
  Client check(server.host(), server.port());
  CHECK(check.integer({"LLEN", "queue"}) == 0);
  for (int t = 0; t < kClients; ++t)
    CHECK(check.raw({"GET", "count:" + std::to_string(t)}) == "$" + std::to_string(kItems));
}

TEST_CASE("a server polling when it stops shuts down", "[busy-poll]") {
  using namespace std::chrono_literals;
  // After 1.5 s of reads the poll would go on for the whole budget, a
  // second; the server's destructor must not wait for it.
  Config config;
  config.options.emplace_back("busy-poll-us", "1000000");
  auto server = std::make_unique<EmbeddedServer>(config);
  keep_reading(*server, 4, 1500ms);
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - start < 800ms);
}

}  // namespace shardis::test
