#include "persistence/lmdb_env.hpp"

#include <sys/file.h>

#include <cerrno>

namespace shardis {

std::string lmdb_error(const std::string& what, int rc) {
  return what + ": " + mdb_strerror(rc);
}

bool LmdbEnv::open(const std::string& path, bool writable, size_t map_size, std::string* error) {
  int rc = mdb_env_create(&env_);
  if (rc == 0) rc = mdb_env_set_maxdbs(env_, 2);
  const unsigned flags = MDB_NOSUBDIR | MDB_NOLOCK | (writable ? 0u : MDB_RDONLY);
  if (rc == 0) rc = mdb_env_open(env_, path.c_str(), flags, 0644);
  // Opened without a size, LMDB takes the one recorded in the file (the
  // size an earlier save grew to); only a smaller one is raised here.
  MDB_envinfo info;
  if (rc == 0 && writable) rc = mdb_env_info(env_, &info);
  if (rc == 0 && writable && info.me_mapsize < map_size) rc = mdb_env_set_mapsize(env_, map_size);
  if (rc != 0) {
    *error = lmdb_error("cannot open checkpoint " + path, rc);
    return false;
  }
  mdb_filehandle_t fd;
  rc = mdb_env_get_fd(env_, &fd);
  if (rc != 0) {
    *error = lmdb_error("checkpoint " + path, rc);
    return false;
  }
  if (flock(fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    *error = errno == EWOULDBLOCK
                 ? "checkpoint " + path + " is in use (being written or read elsewhere)"
                 : "cannot lock checkpoint " + path;
    return false;
  }
  return true;
}

}  // namespace shardis
