#pragma once
// Table-driven engine tests: commands in, exact RESP bytes out.
//
//   Engine e;
//   run_cases(e, {{{"set", "k", "v"}, kOk}, {{"get", "k"}, bulk("v")}});

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace shardis::test {

struct Case {
  Args cmd;
  std::string reply;
};

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";

inline std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
inline std::string integer(long long n) { return ":" + std::to_string(n) + "\r\n"; }
inline std::string error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
inline std::string simple(std::string_view text) { return "+" + std::string(text) + "\r\n"; }

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
