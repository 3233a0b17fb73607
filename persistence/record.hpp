#pragma once
// One key of a checkpoint as bytes: its db, key, type tag, absolute expiry
// and value, closed by a CRC32C over everything before it. The byte layout
// is in docs/persistence.md; it is part of the on-disk format, so change
// it only with a new format version (checkpoint.hpp kFormatVersion).
//
// Encoding is separate from writing: a shard can encode its keys while it
// keeps serving writes and hand the bytes to the CheckpointWriter on
// another thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/db.hpp"
#include "engine/hash_type.hpp"
#include "engine/set_type.hpp"
#include "engine/value.hpp"
#include "engine/zset_type.hpp"

namespace shardis {

// Bytes before the key in every record, and the CRC after the value.
constexpr size_t kRecordHeaderSize = 1 + 4 + 8 + 4;  // type, db, expiry, key length
constexpr size_t kRecordCrcSize = 4;

// A record's contents as views into its encoded bytes: valid while those
// bytes are (a load reads them in LMDB's map, inside its read transaction).
// Decoding into the same DecodedRecord again reuses its vectors' storage,
// so a load allocates nothing per record but the values it stores.
struct DecodedRecord {
  int db = 0;
  std::string_view key;
  ValueType type = ValueType::kString;
  int64_t expire_at_ms = kNoExpiry;
  std::string_view str;                                               // kString
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // kHash: field, value
  std::vector<std::pair<std::string_view, double>> members;           // kZSet: member, score (ascending)
  std::vector<std::string_view> items;  // kSet: members; kList: elements, head first
};

// The record of key in db. Throws std::length_error when a length or count
// does not fit the format's 32 bits (a value of 4 GiB or more), which the
// server's limits never let a key reach.
std::string encode_record(int db, std::string_view key, const Entry& e);
// The same record, appended to out (a batch of records).
void append_record(std::string& out, int db, std::string_view key, const Entry& e);

// Checks the CRC and the structure (every length inside the record, no
// byte left over, a type tag this version knows). On failure says why in
// *error and leaves *out unspecified. *out views bytes.
bool decode_record(std::string_view bytes, DecodedRecord* out, std::string* error);

// The db index of an encoded record without decoding it (the writer counts
// keys per db); false when the record is too short to hold a header.
bool peek_record_db(std::string_view bytes, int* db);

// The encoding limits a restore applies (CONFIG's hash-max-listpack-*,
// zset-max-listpack-*, set-max-intset-entries); Redis's defaults unless the
// caller passes the configured ones.
struct EncodingLimits {
  ListpackLimits hash = HashType::kDefaultLimits;
  ListpackLimits zset = ZSetType::kDefaultLimits;
  int64_t set_max_intset_entries = SetType::kDefaultMaxIntsetEntries;
};

// Stores the record's key in db, replacing any value it had. Skips (and
// returns false for) a key whose expiry is at or before now_ms, so a
// restore never resurrects an expired key, and an empty collection, which
// Redis never keeps. Collections choose their encoding afresh under limits,
// as Redis's RDB load does.
bool restore_into(Db& db, const DecodedRecord& rec, int64_t now_ms, const EncodingLimits& limits = {});

}  // namespace shardis
