#pragma once
// The server's notion of "now" for expiry and TIME. Real time normally; the
// embedding API can freeze it and move it forward (fast_forward), so TTL
// tests need no sleeps. Thread-safe: read by every shard.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace shardis {

class Clock {
 public:
  explicit Clock(bool manual = false)
      : manual_(manual), frozen_us_(manual ? real_us() : 0) {}

  int64_t now_us() const {
    int64_t base = manual_ ? frozen_us_.load(std::memory_order_relaxed) : real_us();
    return base + offset_us_.load(std::memory_order_relaxed);
  }
  int64_t now_ms() const { return now_us() / 1000; }
  bool manual() const { return manual_; }

  void advance(std::chrono::microseconds d) {
    offset_us_.fetch_add(d.count(), std::memory_order_relaxed);
  }

  static int64_t real_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
  static int64_t monotonic_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  }

 private:
  bool manual_;
  std::atomic<int64_t> frozen_us_;
  std::atomic<int64_t> offset_us_{0};
};

}  // namespace shardis
