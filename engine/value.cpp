#include "engine/value.hpp"

#include <charconv>
#include <cstdint>
#include <new>
#include <utility>

namespace shardis {

Entry::Entry(const Entry& other) {
  switch (other.storage_) {
    case Storage::kString: new (&str) InlineString(other.str); break;
    case Storage::kHeap: obj = other.obj->clone().release(); break;
    case Storage::kInline: other.collection()->clone()->move_to(inline_obj); break;
  }
  storage_ = other.storage_;
  copy_meta(other);
}

Entry::Entry(Entry&& other) noexcept {
  copy_meta(other);
  steal_value(other);
}

Entry& Entry::operator=(const Entry& other) {
  if (this != &other) *this = Entry(other);
  return *this;
}

Entry& Entry::operator=(Entry&& other) noexcept {
  if (this != &other) {
    destroy_value();
    copy_meta(other);
    steal_value(other);
  }
  return *this;
}

void Entry::set_string(std::string_view value) {
  if (storage_ != Storage::kString) destroy_value();
  str.assign(value);
}

void Entry::destroy_value() noexcept {
  switch (storage_) {
    case Storage::kString: str.~InlineString(); break;
    case Storage::kHeap: delete obj; break;
    case Storage::kInline: collection()->~Collection(); break;
  }
  // The union holds no live member now; an empty string is the state the
  // other members (and the destructor) expect, and it costs no allocation.
  new (&str) InlineString();
  storage_ = Storage::kString;
}

void Entry::steal_value(Entry& other) noexcept {
  switch (other.storage_) {
    case Storage::kString: new (&str) InlineString(std::move(other.str)); break;
    case Storage::kHeap: obj = other.obj; break;
    case Storage::kInline: other.collection()->move_to(inline_obj); break;
  }
  storage_ = other.storage_;
  if (other.storage_ == Storage::kString) return;
  // other keeps a valid (empty string) value so its destructor and any
  // later assignment work as for any moved-from entry.
  if (other.storage_ == Storage::kInline) other.collection()->~Collection();
  new (&other.str) InlineString();
  other.storage_ = Storage::kString;
  other.type = ValueType::kString;
  other.encoding = Encoding::kRaw;
}

void Entry::copy_meta(const Entry& other) {
  expire_at_ms = other.expire_at_ms;
  lru_s = other.lru_s;
  type = other.type;
  encoding = other.encoding;
}

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
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kSkiplist: return "skiplist";
    case Encoding::kIntset: return "intset";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kListpack: return "listpack";
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
