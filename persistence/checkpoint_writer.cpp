#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "persistence/checkpoint.hpp"
#include "persistence/crc32c.hpp"
#include "persistence/meta.hpp"
#include "persistence/record.hpp"

namespace shardis {
namespace {

MDB_val as_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

// A new file's directory entry is durable only once its directory is
// synced; without this the first checkpoint could vanish in a power loss
// after commit returned.
void sync_parent_dir(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::unique_ptr<CheckpointWriter> CheckpointWriter::open(const std::string& path,
                                                         size_t initial_map_size,
                                                         std::string* error) {
  std::unique_ptr<CheckpointWriter> w(new CheckpointWriter());
  w->path_ = path;
  if (!w->env_.open(path, true, initial_map_size, error)) return nullptr;
  MDB_envinfo info;
  mdb_env_info(w->env_.get(), &info);
  w->map_size_ = info.me_mapsize;
  if (!w->begin_image(error)) return nullptr;
  return w;
}

CheckpointWriter::~CheckpointWriter() {
  if (txn_) mdb_txn_abort(txn_);
}

bool CheckpointWriter::fail(std::string* error, std::string why) {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
  dead_ = true;
  replay_.clear();
  replay_.shrink_to_fit();
  ends_ = {};
  *error = std::move(why);
  return false;
}

bool CheckpointWriter::usable(std::string* error) const {
  if (!dead_ && !committed_) return true;
  *error = committed_ ? "checkpoint already committed" : "checkpoint writer failed earlier";
  return false;
}

// Opens the image's transaction with the records database emptied: the old
// records go in the same transaction that writes the new ones.
bool CheckpointWriter::begin_image(std::string* error) {
  int rc = mdb_txn_begin(env_.get(), nullptr, 0, &txn_);
  if (rc == 0) rc = mdb_dbi_open(txn_, kRecordsDbName, MDB_CREATE, &records_dbi_);
  if (rc == 0) rc = mdb_dbi_open(txn_, kMetaDbName, MDB_CREATE, &meta_dbi_);
  if (rc == 0) rc = mdb_drop(txn_, records_dbi_, 0);
  if (rc != 0) return fail(error, lmdb_error("checkpoint " + path_ + ": begin", rc));
  return true;
}

int CheckpointWriter::put_record(size_t index) {
  const size_t begin = index == 0 ? 0 : ends_[index - 1];
  const std::string key = record_key(index);
  MDB_val k = as_val(key);
  MDB_val v = as_val(std::string_view(replay_).substr(begin, ends_[index] - begin));
  return mdb_put(txn_, records_dbi_, &k, &v, MDB_APPEND);
}

bool CheckpointWriter::grow_and_replay(std::string* error) {
  for (;;) {
    if (txn_) mdb_txn_abort(txn_);
    txn_ = nullptr;
    if (max_map_size_ != 0 && map_size_ >= max_map_size_) {
      return fail(error, "checkpoint " + path_ + ": map full at the maximum map size (" +
                             std::to_string(max_map_size_) + " bytes)");
    }
    size_t next = map_size_ * 2;
    if (max_map_size_ != 0 && next > max_map_size_) next = max_map_size_;
    int rc = mdb_env_set_mapsize(env_.get(), next);
    if (rc != 0) return fail(error, lmdb_error("checkpoint " + path_ + ": growing the map", rc));
    map_size_ = next;
    if (!begin_image(error)) return false;
    rc = 0;
    for (size_t i = 0; i < ends_.size() && rc == 0; ++i) rc = put_record(i);
    if (rc == 0) return true;
    if (rc != MDB_MAP_FULL) return fail(error, lmdb_error("checkpoint " + path_ + ": put", rc));
  }
}

bool CheckpointWriter::put(std::string_view record, std::string* error) {
  if (!usable(error)) return false;
  int db;
  if (!peek_record_db(record, &db) || db < 0) return fail(error, "checkpoint: malformed record");
  if (static_cast<size_t>(db) >= keys_per_db_.size())
    keys_per_db_.resize(static_cast<size_t>(db) + 1);
  ++keys_per_db_[static_cast<size_t>(db)];
  image_crc_ = crc32c_extend(image_crc_, record);
  replay_.append(record);
  ends_.push_back(replay_.size());

  const int rc = put_record(ends_.size() - 1);
  if (rc == MDB_MAP_FULL) return grow_and_replay(error);
  if (rc != 0) return fail(error, lmdb_error("checkpoint " + path_ + ": put", rc));
  return true;
}

bool CheckpointWriter::commit(const CheckpointMeta& meta, std::string* error) {
  if (!usable(error)) return false;
  ImageMeta image;
  image.created_ms = meta.created_ms;
  image.total_keys = ends_.size();
  image.image_crc = image_crc_;
  image.keys_per_db = keys_per_db_;
  if (image.keys_per_db.size() < static_cast<size_t>(meta.databases)) {
    image.keys_per_db.resize(static_cast<size_t>(meta.databases));
  }
  const std::string bytes = encode_meta(image);
  for (;;) {
    MDB_val k = as_val(kMetaKey);
    MDB_val v = as_val(bytes);
    int rc = mdb_put(txn_, meta_dbi_, &k, &v, 0);
    if (rc == 0) {
      rc = mdb_txn_commit(txn_);
      txn_ = nullptr;  // freed by commit, whatever it returned
    }
    if (rc == 0) break;
    if (rc != MDB_MAP_FULL) return fail(error, lmdb_error("checkpoint " + path_ + ": commit", rc));
    if (!grow_and_replay(error)) return false;
  }
  committed_ = true;
  replay_.clear();
  replay_.shrink_to_fit();
  ends_ = {};
  sync_parent_dir(path_);
  return true;
}

}  // namespace shardis
