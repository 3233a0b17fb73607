// The parts of checkpoint handling that deal in processes and file names:
// verification in a child process, and quarantine.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "persistence/bytes.hpp"
#include "persistence/checkpoint.hpp"

namespace shardis {
namespace {

// The child's report: ok flag, then either the info or the error text.
std::string encode_result(bool ok, const CheckpointInfo& info, const std::string& error) {
  std::string out;
  put_u8(out, ok ? 1 : 0);
  if (!ok) {
    out.append(error);
    return out;
  }
  put_u32(out, info.format_version);
  put_u64(out, static_cast<uint64_t>(info.created_ms));
  put_u64(out, info.total_keys);
  put_u32(out, info.image_crc);
  put_u64(out, info.file_size);
  for (uint64_t n : info.keys_per_type) put_u64(out, n);
  put_u32(out, static_cast<uint32_t>(info.keys_per_db.size()));
  for (uint64_t n : info.keys_per_db) put_u64(out, n);
  return out;
}

bool decode_result(std::string_view bytes, CheckpointInfo* info, std::string* error) {
  ByteReader in(bytes);
  uint64_t ok, created;
  uint32_t dbs;
  if (!in.le(1, &ok)) {
    *error = "checkpoint verification ended without a result: treating the file as corrupt";
    return false;
  }
  if (ok == 0) {
    std::string_view text;
    in.bytes(in.remaining(), &text);
    *error = std::string(text);
    return false;
  }
  CheckpointInfo out;
  bool good = in.u32(&out.format_version) && in.u64(&created) && in.u64(&out.total_keys) &&
              in.u32(&out.image_crc) && in.u64(&out.file_size);
  for (uint64_t& n : out.keys_per_type) good = good && in.u64(&n);
  good = good && in.u32(&dbs) && dbs <= in.remaining() / 8;
  if (!good) {
    *error = "checkpoint verification sent a malformed result";
    return false;
  }
  out.created_ms = static_cast<int64_t>(created);
  out.keys_per_db.assign(dbs, 0);
  for (uint64_t& n : out.keys_per_db) in.u64(&n);
  *info = std::move(out);
  return true;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

[[noreturn]] void run_child(const std::string& path, int out_fd) {
  // A crash here must kill the child, which is how the parent learns of
  // it, not run the parent's handlers (a crash reporter, a test runner).
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE}) std::signal(sig, SIG_DFL);
  int status = 1;
  try {
    CheckpointInfo info;
    std::string error;
    const bool ok = verify_checkpoint(path, &info, &error);
    write_all(out_fd, encode_result(ok, info, error));
    status = 0;
  } catch (...) {
    // No report: the parent treats the file as corrupt.
  }
  // _exit: the child must not run the parent's atexit handlers or flush
  // its stdio buffers a second time.
  _exit(status);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "checkpoint verification crashed (signal " + std::to_string(sig) + ", " +
           strsignal(sig) + "): the file is corrupt";
  }
  return "checkpoint verification exited with status " + std::to_string(WEXITSTATUS(status)) +
         ": treating the file as corrupt";
}

}  // namespace

bool verify_checkpoint_isolated(const std::string& path, CheckpointInfo* info, std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(path, fds[1]);
  }
  ::close(fds[1]);
  std::string report;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = describe_status(status);
    return false;
  }
  return decode_result(report, info, error);
}

bool quarantine_checkpoint(const std::string& path, std::string* moved_to, std::string* error) {
  namespace fs = std::filesystem;
  const std::string base = path + ".corrupt-" + std::to_string(std::time(nullptr));
  std::string target = base;
  std::error_code ec;
  for (int i = 2; fs::exists(target, ec) || fs::exists(target + "-lock", ec); ++i) {
    target = base + "-" + std::to_string(i);
  }
  fs::rename(path, target, ec);
  if (ec) {
    *error = "cannot move " + path + " aside: " + ec.message();
    return false;
  }
  // LMDB names its lock file "<data file>-lock" with MDB_NOSUBDIR. shardis
  // opens the file with MDB_NOLOCK and makes none, but LMDB's own tools
  // (mdb_stat -n, mdb_dump -n) leave one, and it belongs with its file.
  if (fs::exists(path + "-lock", ec)) fs::rename(path + "-lock", target + "-lock", ec);
  if (ec) {
    *error = "moved " + path + " to " + target + " but not its lock file: " + ec.message();
    return false;
  }
  *moved_to = target;
  return true;
}

}  // namespace shardis
