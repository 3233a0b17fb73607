#pragma once
// The meta record of a checkpoint image and the LMDB names the format uses
// (docs/persistence.md has the layout byte by byte). Internal to
// persistence/ and its tests.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardis {

// Bumped whenever the record or meta layout changes; a reader refuses any
// version it does not know rather than guess.
constexpr uint32_t kFormatVersion = 1;

// The two named LMDB databases of the file, and the one key of "meta".
constexpr const char* kRecordsDbName = "records";
constexpr const char* kMetaDbName = "meta";
constexpr std::string_view kMetaKey = "checkpoint";

struct ImageMeta {
  uint32_t format_version = kFormatVersion;
  int64_t created_ms = 0;
  uint64_t total_keys = 0;
  uint32_t image_crc = 0;  // CRC32C of every record's bytes, in key order
  std::vector<uint64_t> keys_per_db;
};

std::string encode_meta(const ImageMeta& meta);
// Checks the meta's own CRC, then the version (a version this build does
// not know is an error), then the layout.
bool decode_meta(std::string_view bytes, ImageMeta* out, std::string* error);

// Record i's LMDB key: i as 8 big-endian bytes, so LMDB's byte order is
// the write order and appends go to the end of the tree.
std::string record_key(uint64_t index);

}  // namespace shardis
