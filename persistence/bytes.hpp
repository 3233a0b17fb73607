#pragma once
// Little-endian fixed-width integers in and out of byte strings: the
// encoding of every number in checkpoint records and the meta record
// (docs/persistence.md). Written byte by byte so the format does not
// depend on the host's endianness.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace shardis {

inline void put_le(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
inline void put_u8(std::string& out, uint8_t v) {
  put_le(out, v, 1);
}
inline void put_u32(std::string& out, uint32_t v) {
  put_le(out, v, 4);
}
inline void put_u64(std::string& out, uint64_t v) {
  put_le(out, v, 8);
}
// Overwrites 4 bytes at `at` (a length known only after what follows it).
inline void set_u32(std::string& out, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}

inline uint64_t double_bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}
inline double bits_double(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Reads from a byte string front to back; every read fails (returns false)
// rather than run past the end, so a truncated or lying length is an
// error, never an out-of-bounds read.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : rest_(bytes) {}

  size_t remaining() const { return rest_.size(); }

  bool le(int width, uint64_t* v) {
    if (rest_.size() < static_cast<size_t>(width)) return false;
    uint64_t r = 0;
    for (int i = 0; i < width; ++i) r |= uint64_t{static_cast<unsigned char>(rest_[i])} << (8 * i);
    rest_.remove_prefix(static_cast<size_t>(width));
    *v = r;
    return true;
  }
  bool u32(uint32_t* v) {
    uint64_t r;
    if (!le(4, &r)) return false;
    *v = static_cast<uint32_t>(r);
    return true;
  }
  bool u64(uint64_t* v) { return le(8, v); }
  bool bytes(size_t n, std::string_view* out) {
    if (rest_.size() < n) return false;
    *out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  // A u32 length followed by that many bytes.
  bool sized(std::string_view* out) {
    uint32_t n;
    return u32(&n) && bytes(n, out);
  }

 private:
  std::string_view rest_;
};

}  // namespace shardis
