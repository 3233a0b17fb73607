#pragma once
// The value of a hash key: field -> value, in two representations as in
// Redis 7.0.
//
// A new hash is a listpack (engine/listpack.hpp): field, value, field,
// value ... in insertion order, found by a linear scan. It becomes a
// hashtable for good when a write leaves it with more than
// hash-max-listpack-entries fields or would store a field or value longer
// than hash-max-listpack-value bytes; nothing converts back, as in Redis.
// The hashtable is a Dict, so a large hash rehashes incrementally like the
// keyspace does and is walked with the same SCAN cursor.
//
// The owning Entry reports the representation in OBJECT ENCODING, so code
// that sets fields updates Entry::encoding from encoding() afterwards.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "engine/dict.hpp"
#include "engine/listpack.hpp"
#include "engine/value.hpp"

namespace shardis {

class HashType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kHash;
  static constexpr Encoding kEncoding = Encoding::kListpack;  // a new, empty hash
  static constexpr ListpackLimits kDefaultLimits{512, 64};    // Redis's defaults

  Encoding encoding() const { return table_ ? Encoding::kHashtable : Encoding::kListpack; }
  size_t size() const { return table_ ? table_->size() : pack_.size() / 2; }
  bool empty() const { return size() == 0; }

  // The value of field; the view lives until the hash changes. Not const:
  // a hashtable lookup moves a rehash step along, as Redis's dictFind.
  std::optional<std::string_view> find(std::string_view field);
  // Sets field to value; true when the field is new. A listpack converts
  // when the field or value is too long for it, or when the hash ends up
  // with more fields than limits allow (checked on updates too, as Redis
  // does, so a lowered limit takes effect on the next write).
  bool set(std::string_view field, std::string_view value,
           const ListpackLimits& limits = kDefaultLimits);
  bool erase(std::string_view field);
  // Makes the hash a hashtable (no-op if it is one).
  void convert_to_hashtable();

  // fn(field, value) for every field: insertion order for a listpack,
  // table order for a hashtable.
  template <class F>
  void for_each(F&& fn) const {
    if (table_) {
      table_->for_each([&](const Dict<std::string>::Node& n) { fn(n.key(), n.value); });
      return;
    }
    for (size_t off = pack_.begin(); off != pack_.end();) {
      const std::string_view field = pack_.get(off, &off);
      fn(field, pack_.get(off, &off));
    }
  }

  // HSCAN's walk: fn(field, value) for the bucket(s) at cursor, returning
  // the next cursor (see Dict::scan); a listpack is walked whole and
  // answers 0, as Redis does.
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    if (!table_) {
      for_each(fn);
      return 0;
    }
    return table_->scan(cursor, [&](Dict<std::string>::Node& n) { fn(n.key(), n.value); });
  }
  // A random field (a listpack: uniform; a hashtable: Redis's
  // dictGetRandomKey). The view lives until the hash changes. The hash
  // must not be empty.
  std::string_view random_field(std::mt19937_64& rng);

  std::unique_ptr<Collection> clone() const override;
  void move_to(void* storage) noexcept override { move_collection(*this, storage); }

 private:
  // Offset of field's element in the listpack, or pack_.end().
  size_t find_packed(std::string_view field) const;
  // A hashtable holding the fields.
  std::unique_ptr<Dict<std::string>> to_table() const;

  Listpack pack_;                             // fields while a listpack
  std::unique_ptr<Dict<std::string>> table_;  // fields once a hashtable
};

}  // namespace shardis
