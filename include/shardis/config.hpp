#pragma once
// Configuration of a shardis server, for embedding. Every field maps to a
// redis.conf-style parameter (see docs/configuration.md); `options` passes
// any other supported parameter by name.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shardis {

struct Config {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;            // 0 = pick a free port
  int shards = 0;               // 0 = one per hardware thread
  std::string dir;              // data dir; empty = a fresh temporary dir
  std::string requirepass;      // empty = no password
  std::string loglevel = "warning";
  std::string logfile;          // empty = stderr
  bool manual_clock = false;    // freeze time; only fast_forward() moves it
  std::vector<std::pair<std::string, std::string>> options;  // {"hz", "50"}, ...
};

}  // namespace shardis
