#pragma once
// The value of a hash key: field -> value.
//
// Stored as a Dict, so a large hash rehashes incrementally like the
// keyspace does (one bucket per access) and can be walked with the same
// SCAN cursor. The compact listpack form Redis uses for small hashes is not
// implemented yet: every hash is a "hashtable".

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "engine/dict.hpp"
#include "engine/value.hpp"

namespace shardis {

class HashType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kHash;
  static constexpr Encoding kEncoding = Encoding::kHashtable;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

  std::string* find(std::string_view field) { return fields_.find(field); }
  // The value of field, created empty when absent; second is true then.
  std::pair<std::string*, bool> insert(std::string_view field) {
    auto [node, created] = fields_.insert(field);
    return {&node->value, created};
  }
  // Sets field to value; true when the field is new.
  bool set(std::string_view field, std::string value);
  bool erase(std::string_view field);

  // fn(field, value) for every field, in table order.
  template <class F>
  void for_each(F&& fn) const {
    fields_.for_each([&](const Dict<std::string>::Node& n) { fn(n.key(), n.value); });
  }

  // HSCAN's walk: fn(field, value) for the bucket(s) at cursor; returns
  // the next cursor (see Dict::scan).
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    return fields_.scan(cursor, [&](Dict<std::string>::Node& n) { fn(n.key(), n.value); });
  }
  // A random field, as Redis's dictGetRandomKey picks it. The view lives
  // until the field is erased. The hash must not be empty.
  std::string_view random_field(std::mt19937_64& rng) { return fields_.random_node(rng)->key(); }

  std::unique_ptr<Collection> clone() const override;

 private:
  Dict<std::string> fields_;
};

}  // namespace shardis
