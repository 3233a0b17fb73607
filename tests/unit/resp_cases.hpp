#pragma once
// Table-driven engine tests: commands in, exact RESP bytes out.
//
//   Engine e;
//   run_cases(e, {{{"set", "k", "v"}, kOk}, {{"get", "k"}, bulk("v")}});

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace shardis::test {

struct Case {
  Args cmd;
  std::string reply;
};

// Moves the engine's clock forward (TTLs, OBJECT IDLETIME ...).
inline void advance_ms(Engine& e, int64_t ms) {
  e.server().clock.advance(std::chrono::milliseconds(ms));
}

// Moves the clock one millisecond past a deadline ms from now: a key lives
// through the millisecond of its deadline, as in Redis, and is gone after.
inline void advance_past_ms(Engine& e, int64_t ms) {
  advance_ms(e, ms + 1);
}

// Writes counted by every shard (what rdb_changes_since_last_save reads).
inline uint64_t dirty(Engine& e) { return total_dirty(e.shards()); }

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";

inline std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
inline std::string integer(long long n) { return ":" + std::to_string(n) + "\r\n"; }
inline std::string error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
inline std::string simple(std::string_view text) { return "+" + std::string(text) + "\r\n"; }
// An array of already encoded replies: array_of({integer(1), kNil}).
inline std::string array_of(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& i : items) out += i;
  return out;
}
// An array of bulk strings: bulks({"a", "b"}).
inline std::string bulks(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& i : items) out += bulk(i);
  return out;
}

inline std::string invalid_expire(const std::string& command) {
  return error("ERR invalid expire time in '" + command + "' command");
}

// "'set' 'k' 'v' ", for the INFO of a failing case.
inline std::string describe(const Args& cmd) {
  std::string s;
  for (const std::string& a : cmd) s += "'" + a + "' ";
  return s;
}

inline void run_cases(Engine& e, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO(describe(c.cmd));
    CHECK(e.run(c.cmd) == c.reply);
  }
}

}  // namespace shardis::test
