#include <sys/stat.h>

#include <chrono>

#include "persistence/checkpoint.hpp"
#include "persistence/crc32c.hpp"
#include "persistence/meta.hpp"
#include "persistence/record.hpp"

namespace shardis {
namespace {

std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// A read transaction and cursor that clean up after themselves.
struct ReadTxn {
  MDB_txn* txn = nullptr;
  MDB_cursor* cursor = nullptr;
  ~ReadTxn() {
    if (cursor) mdb_cursor_close(cursor);
    if (txn) mdb_txn_abort(txn);
  }
};

// LMDB maps the file as long as its meta page says; pages past the end of
// a truncated file would fault on first touch, so compare before reading.
bool check_length(MDB_env* env, uint64_t* file_size, std::string* error) {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_filehandle_t fd;
  struct stat st;
  if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &stat) != 0 ||
      mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &st) != 0) {
    *error = "cannot stat checkpoint";
    return false;
  }
  *file_size = static_cast<uint64_t>(st.st_size);
  const uint64_t needed = (static_cast<uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  if (*file_size < needed) {
    *error = "checkpoint truncated: " + std::to_string(*file_size) + " bytes, LMDB needs " +
             std::to_string(needed);
    return false;
  }
  return true;
}

// Reads the image at path: meta first (CRC, version), then every record in
// key order, checking its key, CRC and structure, then the counts and the
// image checksum against the meta. on_record sees each decoded record.
bool read_image(const std::string& path, ImageMeta* meta, uint64_t* file_size,
                const RecordVisitor& on_record, std::string* error) {
  LmdbEnv env;
  if (!env.open(path, false, 0, error) || !check_length(env.get(), file_size, error)) return false;
  ReadTxn r;
  MDB_dbi records, meta_dbi;
  int rc = mdb_txn_begin(env.get(), nullptr, MDB_RDONLY, &r.txn);
  if (rc == 0) rc = mdb_dbi_open(r.txn, kMetaDbName, 0, &meta_dbi);
  if (rc == 0) rc = mdb_dbi_open(r.txn, kRecordsDbName, 0, &records);
  if (rc != 0) {
    *error = lmdb_error("not a shardis checkpoint", rc);
    return false;
  }
  MDB_val k{kMetaKey.size(), const_cast<char*>(kMetaKey.data())}, v;
  rc = mdb_get(r.txn, meta_dbi, &k, &v);
  if (rc != 0) {
    *error = lmdb_error("checkpoint has no meta record", rc);
    return false;
  }
  if (!decode_meta(as_view(v), meta, error)) return false;

  rc = mdb_cursor_open(r.txn, records, &r.cursor);
  if (rc != 0) {
    *error = lmdb_error("checkpoint records", rc);
    return false;
  }
  std::vector<uint64_t> per_db(meta->keys_per_db.size(), 0);
  uint32_t crc = 0;
  uint64_t n = 0;
  DecodedRecord rec;
  for (rc = mdb_cursor_get(r.cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(r.cursor, &k, &v, MDB_NEXT), ++n) {
    auto where = [n] { return "record " + std::to_string(n) + ": "; };
    // Keys 0, 1, 2 ... with no gap: a lost or repeated page shows here.
    if (as_view(k) != record_key(n)) {
      *error = where() + "out of sequence";
      return false;
    }
    if (!decode_record(as_view(v), &rec, error)) {
      *error = where() + *error;
      return false;
    }
    crc = crc32c_extend(crc, as_view(v));
    if (static_cast<size_t>(rec.db) >= per_db.size()) {
      *error = where() + "db " + std::to_string(rec.db) + " is not in the meta record";
      return false;
    }
    ++per_db[static_cast<size_t>(rec.db)];
    if (!on_record(rec, error)) {
      *error = where() + *error;
      return false;
    }
  }
  if (rc != MDB_NOTFOUND) {
    *error = lmdb_error("reading checkpoint records", rc);
    return false;
  }
  if (n != meta->total_keys || per_db != meta->keys_per_db) {
    *error = "checkpoint key counts do not match its meta record";
    return false;
  }
  if (crc != meta->image_crc) {
    *error = "checkpoint image checksum mismatch";
    return false;
  }
  return true;
}

}  // namespace

bool verify_checkpoint(const std::string& path, CheckpointInfo* info, std::string* error) {
  ImageMeta meta;
  CheckpointInfo out;
  auto count = [&](const DecodedRecord& rec, std::string*) {
    ++out.keys_per_type[static_cast<size_t>(rec.type)];
    return true;
  };
  if (!read_image(path, &meta, &out.file_size, count, error)) return false;
  out.format_version = meta.format_version;
  out.created_ms = meta.created_ms;
  out.total_keys = meta.total_keys;
  out.image_crc = meta.image_crc;
  out.keys_per_db = meta.keys_per_db;
  *info = std::move(out);
  return true;
}

bool for_each_record(const std::string& path, const RecordVisitor& fn, std::string* error) {
  ImageMeta meta;
  uint64_t file_size;
  return read_image(path, &meta, &file_size, fn, error);
}

bool load_checkpoint(const std::string& path, ShardSet& shards, int64_t now_ms, LoadStats* stats,
                     std::function<void(const LoadStats&)> progress, std::string* error,
                     uint64_t progress_every, const EncodingLimits& limits) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  LoadStats s;
  auto report = [&] {
    s.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    if (progress) progress(s);
  };
  auto load = [&](const DecodedRecord& rec, std::string* err) {
    if (rec.db >= shards.databases()) {
      *err = "db " + std::to_string(rec.db) + " is beyond the " +
             std::to_string(shards.databases()) + " databases configured";
      return false;
    }
    ++s.records;
    Db& db = shards.shard_for(rec.key).db(rec.db);
    if (restore_into(db, rec, now_ms, limits)) {
      ++s.loaded;
    } else {
      ++s.skipped;
    }
    if (progress_every != 0 && s.records % progress_every == 0) report();
    return true;
  };
  const bool ok = for_each_record(path, load, error);
  report();
  if (stats) *stats = s;
  return ok;
}

}  // namespace shardis
