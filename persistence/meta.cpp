#include "persistence/meta.hpp"

#include "persistence/bytes.hpp"
#include "persistence/crc32c.hpp"

namespace shardis {

std::string encode_meta(const ImageMeta& meta) {
  std::string out;
  put_u32(out, meta.format_version);
  put_u64(out, static_cast<uint64_t>(meta.created_ms));
  put_u64(out, meta.total_keys);
  put_u32(out, meta.image_crc);
  put_u32(out, static_cast<uint32_t>(meta.keys_per_db.size()));
  for (uint64_t n : meta.keys_per_db) put_u64(out, n);
  put_u32(out, crc32c(out));
  return out;
}

bool decode_meta(std::string_view bytes, ImageMeta* out, std::string* error) {
  // Every version starts with the version and ends with the CRC of the
  // bytes before it; only what lies between may change.
  if (bytes.size() < 8) {
    *error = "meta record too short";
    return false;
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  uint32_t stored_crc = 0;
  ByteReader(bytes.substr(body.size())).u32(&stored_crc);
  if (crc32c(body) != stored_crc) {
    *error = "meta record CRC mismatch";
    return false;
  }
  ByteReader in(body);
  in.u32(&out->format_version);
  if (out->format_version != kFormatVersion) {
    *error = "unknown checkpoint format version " + std::to_string(out->format_version) +
             " (this build reads version " + std::to_string(kFormatVersion) + ")";
    return false;
  }
  uint64_t created;
  uint32_t dbs;
  if (!in.u64(&created) || !in.u64(&out->total_keys) || !in.u32(&out->image_crc) || !in.u32(&dbs) ||
      dbs > in.remaining() / 8) {
    *error = "malformed meta record";
    return false;
  }
  out->created_ms = static_cast<int64_t>(created);
  out->keys_per_db.assign(dbs, 0);
  for (uint64_t& n : out->keys_per_db) in.u64(&n);
  if (in.remaining() != 0) {
    *error = "malformed meta record";
    return false;
  }
  return true;
}

std::string record_key(uint64_t index) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, index >>= 8)
    key[static_cast<size_t>(i)] = static_cast<char>(index & 0xFFu);
  return key;
}

}  // namespace shardis
