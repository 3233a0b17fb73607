#include "engine/value.hpp"

#include <charconv>
#include <cstdint>

namespace shardis {

std::string_view type_name(ValueType t) {
  switch (t) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
  }
  return "none";
}

std::string_view encoding_name(const Entry& e) {
  switch (e.encoding) {
    case Encoding::kInt: return "int";
    case Encoding::kEmbstr: return "embstr";
    case Encoding::kRaw: return "raw";
  }
  return "raw";
}

Encoding string_encoding_for(std::string_view s) {
  // Only the canonical text of a long converts: "12" yes, "012", "+1", " 1" no.
  if (!s.empty() && s.size() <= 20) {
    int64_t v;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) {
      bool canonical = !(s[0] == '0' && s.size() > 1) && !(s[0] == '-' && (s.size() == 1 || s[1] == '0'));
      if (canonical) return Encoding::kInt;
    }
  }
  return s.size() <= 44 ? Encoding::kEmbstr : Encoding::kRaw;
}

}  // namespace shardis
