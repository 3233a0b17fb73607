#pragma once
// What a key maps to. The type tags are part of the on-disk checkpoint
// format and of OBJECT/TYPE replies: never renumber them.

#include <cstdint>
#include <string>
#include <string_view>

namespace shardis {

enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };

// String encodings as Redis reports them in OBJECT ENCODING.
enum class Encoding : uint8_t { kRaw = 0, kInt = 1, kEmbstr = 2 };

constexpr int64_t kNoExpiry = -1;

// Fields ordered largest first: 48 bytes, no padding holes.
struct Entry {
  std::string str;                   // string value
  int64_t expire_at_ms = kNoExpiry;  // absolute unix milliseconds
  uint32_t lru_s = 0;                // last access (seconds clock) for OBJECT IDLETIME
  ValueType type = ValueType::kString;
  Encoding encoding = Encoding::kRaw;
};

std::string_view type_name(ValueType t);
std::string_view encoding_name(const Entry& e);

// Redis stores a string as "int" when it is the canonical text of a 64-bit
// integer of at most 20 characters, "embstr" up to 44 bytes, else "raw".
Encoding string_encoding_for(std::string_view s);

}  // namespace shardis
