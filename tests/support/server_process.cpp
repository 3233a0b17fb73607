#include "support/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace shardis::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 10s;
constexpr int kPortAttempts = 5;
constexpr std::string_view kReadyLine = "Ready to accept connections";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// True when a server on host:port answers PING with any reply (an error such
// as NOAUTH counts: the server is up).
bool answers_ping(uint16_t port) {
  timeval tv{0, 200 * 1000};
  redisContext* ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (ctx == nullptr) return false;
  bool ok = false;
  if (ctx->err == 0 && redisSetTimeout(ctx, tv) == REDIS_OK) {
    auto* reply = static_cast<redisReply*>(redisCommand(ctx, "PING"));
    ok = reply != nullptr;
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(ctx);
  return ok;
}

}  // namespace

uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind to port 0: ") + std::strerror(e));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string find_redis_server() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      auto candidate = std::filesystem::path(dir) / "redis-server";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  return {};
}

// ---------------------------------------------------------------------------
// ChildProcess

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::filesystem::path& log_file) {
  // Everything the child needs is prepared before fork(): between fork() and
  // exec() a multithreaded parent's child may only make async-signal-safe calls.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log_path = log_file.string();
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // A test that crashes or times out must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    // Without this the child inherits the test's sockets (an embedded
    // server's listener, for one) and keeps their ports busy.
    ::close_range(3, ~0U, 0);
    ::execve(program.c_str(), argv.data(), environ);
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  kill_and_reap();
}

bool ChildProcess::poll_exit() {
  if (exit_code_) return true;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return true;
}

bool ChildProcess::running() {
  return !poll_exit();
}

void ChildProcess::signal(int sig) {
  if (!poll_exit()) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll_exit()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
  return exit_code_;
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0 || exit_code_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = -SIGKILL;
}

// ---------------------------------------------------------------------------
// ServerProcess

std::string ServerProcess::log() const {
  return read_file(dir() / "server.log");
}

void ServerProcess::start(const std::string& program, const std::vector<std::string>& base_args,
                          const std::vector<std::string>& extra_args) {
  std::string last_log;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    std::filesystem::remove(dir() / "server.log");
    port_ = pick_free_port();
    std::vector<std::string> args = base_args;
    args.insert(args.end(), {"--port", std::to_string(port_)});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ChildProcess>(program, args, dir() / "server.log");

    // Waiting for the ready line before pinging makes sure the PING reaches
    // this child and not some other process that grabbed the port first.
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      if (log().find(kReadyLine) != std::string::npos && answers_ping(port_)) return;
      std::this_thread::sleep_for(10ms);
    }
    last_log = log();
    bool exited = !process_->running();
    process_->kill_and_reap();
    // A child that died at once most likely lost the race for the port;
    // anything else (a hang) will not get better with another port.
    if (!exited) break;
  }
  throw std::runtime_error("could not start " + program + "; its output:\n" + last_log);
}

RedisProcess::RedisProcess(const std::vector<std::string>& extra_args) {
  std::string bin = find_redis_server();
  if (bin.empty()) {
    FAIL(
        "redis-server is missing (not on PATH nor at /usr/bin/redis-server); "
        "`make test` installs it (Debian package redis-server)");
  }
  start(bin,
        {"--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--daemonize", "no", "--dir",
         dir().string()},
        extra_args);
}

ShardisProcess::ShardisProcess(const std::vector<std::string>& extra_args,
                               const std::string& config_file) {
  // notice is the level that prints the ready line the start-up waits for.
  std::vector<std::string> base = {"--bind", "127.0.0.1", "--dir", dir().string(), "--loglevel",
                                   "notice"};
  // The config file, when there is one, must come first, as for redis-server.
  if (!config_file.empty()) base.insert(base.begin(), config_file);
  start(SHARDIS_SERVER_BIN, base, extra_args);
}

}  // namespace shardis::test
