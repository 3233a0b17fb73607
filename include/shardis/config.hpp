#pragma once
// Configuration of a shardis server, for embedding. Every field maps to a
// redis.conf-style parameter (see docs/configuration.md); `options` passes
// any other supported parameter by name.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shardis {

// Checkpoints (docs/persistence.md). They apply to a server with a `dir`:
// one running in a fresh temporary dir never writes a checkpoint by itself
// (its `save` rules are off unless `options` sets them), as nothing could
// restart from it.
struct Persistence {
  // `save` rules, "<seconds> <changes> ...": a background checkpoint when
  // at least <changes> writes happened and the last one is more than
  // <seconds> old. "" = only SAVE and BGSAVE write one.
  std::string save = "3600 1 300 100 60 10000";
  std::string dbfilename = "dump.shardis";
  bool restore = true;              // load dir/dbfilename at start
  bool quarantine_corrupt = false;  // a bad checkpoint: moved aside, start empty; false = refuse to start
  bool save_on_close = true;        // close() writes a final checkpoint when `save` has rules
};

struct Config {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;            // 0 = pick a free port
  int shards = 0;               // 0 = one per hardware thread
  std::string dir;              // data dir; empty = a fresh temporary dir
  std::string requirepass;      // empty = no password
  std::string loglevel = "warning";
  std::string logfile;          // empty = stderr
  bool manual_clock = false;    // freeze time; only fast_forward() moves it
  Persistence persistence;
  std::vector<std::pair<std::string, std::string>> options;  // {"hz", "50"}, ...
};

}  // namespace shardis
