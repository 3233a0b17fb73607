// shardis-server: the standalone server.
//
//   shardis-server [config-file] [--port N] [--bind ADDR] [--<parameter> value ...]
//
// Options are the parameters of the config file (redis.conf syntax); the
// command line overrides the file. SIGINT/SIGTERM and SHUTDOWN stop the
// server cleanly.

#include <malloc.h>
#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "actors/server_runtime.hpp"
#include "engine/config.hpp"
#include "engine/connection_family.hpp"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/spdlog.h"

namespace {

void usage(std::ostream& out) {
  out << "Usage: shardis-server [config-file] [--<parameter> <value> ...]\n"
         "       shardis-server --help | --version\n\n"
         "Every parameter can be given in the config file (redis.conf syntax) or on the\n"
         "command line; the command line wins.\n\n"
      << shardis::config_help_text();
}

}  // namespace

int main(int argc, char** argv) {
  // The I/O thread allocates from a non-main glibc arena, which by default
  // grows and shrinks with an mprotect per step under a request load
  // (thousands per second). Grow in large steps and trim rarely.
  mallopt(M_TOP_PAD, 16 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  using shardis::ConfigStore;
  ConfigStore store;
  std::string config_file;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    config_file = argv[i++];
    std::string error = store.load_file(config_file);
    if (!error.empty()) {
      std::cerr << error << "\n";
      return 1;
    }
  }
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    }
    if (arg == "--version" || arg == "-v") {
      std::cout << "shardis-server 0.1.0 (redis " << shardis::redis_version() << " compatible)\n";
      return 0;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      std::cerr << "shardis-server: unexpected argument '" << arg << "' (try --help)\n";
      return 1;
    }
    const std::string name = arg.substr(2);
    if (!ConfigStore::find(name)) {
      std::cerr << "shardis-server: unknown option '--" << name << "' (try --help)\n";
      return 1;
    }
    // A value may span several words until the next --option, as Redis
    // allows for `--save 900 1 300 10`; an empty value is written "".
    std::string value;
    bool has_value = false;
    while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      if (has_value) value.push_back(' ');
      value += argv[++i];
      has_value = true;
    }
    if (!has_value) {
      std::cerr << "shardis-server: option '--" << name << "' needs a value\n";
      return 1;
    }
    std::string error = store.set(name, value, true);
    if (!error.empty()) {
      std::cerr << "shardis-server: invalid value for '--" << name << "': " << error << "\n";
      return 1;
    }
  }

  const std::string logfile = store.get("logfile").value_or("");
  if (!logfile.empty()) {
    try {
      spdlog::set_default_logger(spdlog::basic_logger_mt("shardis", logfile));
    } catch (const spdlog::spdlog_ex& e) {
      std::cerr << "shardis-server: cannot open log file '" << logfile << "': " << e.what() << "\n";
      return 1;
    }
  }
  spdlog::set_level(shardis::spdlog_level(store.get("loglevel").value_or("notice")));
  spdlog::flush_on(spdlog::level::info);

  shardis::Config cfg;
  cfg.bind = store.get("bind").value_or("127.0.0.1");
  cfg.port = static_cast<uint16_t>(store.get_int("port"));
  cfg.shards = static_cast<int>(store.get_int("shards"));
  cfg.dir = store.get("dir").value_or(".");
  cfg.requirepass = store.requirepass();
  cfg.loglevel = store.get("loglevel").value_or("notice");
  cfg.logfile = logfile;
  cfg.persistence.save = store.get("save").value_or("");
  cfg.persistence.dbfilename = store.get("dbfilename").value_or("dump.shardis");
  cfg.persistence.restore = store.get("checkpoint-restore") == "yes";
  cfg.persistence.quarantine_corrupt = store.get("checkpoint-corrupt") == "quarantine";
  for (const shardis::ConfigParam& p : ConfigStore::params()) {
    static const std::string_view kFields[] = {
        "bind", "port", "shards", "dir", "requirepass", "loglevel", "logfile", "save", "dbfilename",
        "checkpoint-restore", "checkpoint-corrupt"};
    if (std::find(std::begin(kFields), std::end(kFields), p.name) != std::end(kFields)) continue;
    if (auto v = store.get(p.name); v && *v != p.default_value) cfg.options.emplace_back(p.name, *v);
  }

  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<shardis::ServerRuntime> server;
  try {
    server = std::make_unique<shardis::ServerRuntime>(cfg, config_file);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::cerr << "shardis-server: " << e.what() << "\n";
    return 1;
  }
  std::thread([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("Received {}, scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server->request_stop();
  }).detach();
  server->wait();
  server->stop();
  spdlog::info("shardis is now ready to exit, bye bye...");
  std::fflush(nullptr);
  std::_Exit(0);  // the signal thread may still sit in sigwait
}
