#pragma once
// Opening a checkpoint file as an LMDB environment, shared by the writer
// and the reader. Internal to persistence/.
//
// The file is opened MDB_NOSUBDIR | MDB_NOLOCK: the checkpoint is one file,
// with no "-lock" file beside it to go stale, be forgotten when copying a
// backup, or be quarantined separately. LMDB's lock file coordinates
// readers and writers across processes; a checkpoint has one writer (the
// server, during SAVE) and readers only when nobody writes (start-up, the
// offline tool), so instead of it the environment takes a flock on the
// data file: exclusive for the writer, shared for a reader, never waiting.
// A second server saving into the same file, or the tool reading a file
// that is being rewritten, gets a clean "in use" error instead of racing.

#include <lmdb.h>

#include <cstddef>
#include <string>

namespace shardis {

// An MDB_env that closes itself.
class LmdbEnv {
 public:
  LmdbEnv() = default;
  ~LmdbEnv() {
    if (env_) mdb_env_close(env_);
  }
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // writable: creates the file when absent; the map is the size recorded
  // in the file, raised to map_size if smaller. Read-only ignores map_size.
  bool open(const std::string& path, bool writable, size_t map_size, std::string* error);
  MDB_env* get() const { return env_; }

 private:
  MDB_env* env_ = nullptr;
};

// "<what>: <LMDB's message>".
std::string lmdb_error(const std::string& what, int rc);

}  // namespace shardis
