#pragma once
// The value of a set key: distinct members, in two representations as in
// Redis 7.0.
//
// A set whose members are all the canonical text of a 64-bit integer ("12",
// "-3"; not "012", "+1" or "-0") is kept as an intset: a sorted array of the
// integers, which costs 8 bytes a member and answers membership by binary
// search. It becomes a hashtable (a Dict of member bytes) for good as soon
// as a member is not such an integer, or when an add makes it longer than
// set-max-intset-entries. Nothing converts back, as in Redis: a hashtable
// set that loses its strings stays a hashtable.
//
// The owning Entry reports the representation in OBJECT ENCODING, so code
// that adds members updates Entry::encoding from encoding() afterwards.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dict.hpp"
#include "engine/value.hpp"

namespace shardis {

class SetType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kSet;
  static constexpr Encoding kEncoding = Encoding::kIntset;  // an empty set
  static constexpr int64_t kDefaultMaxIntsetEntries = 512;  // Redis's default

  size_t size() const { return hashtable_ ? table_.size() : ints_.size(); }
  bool empty() const { return size() == 0; }
  Encoding encoding() const { return hashtable_ ? Encoding::kHashtable : Encoding::kIntset; }

  // Not const: a hashtable lookup moves a rehash step along, as Redis's
  // dictFind does.
  bool contains(std::string_view member);
  // Adds member; true when it was not there. An intset that would grow past
  // max_intset_entries members, or receive a non-integer, converts first.
  bool add(std::string_view member, int64_t max_intset_entries);
  bool remove(std::string_view member);
  // Makes the set a hashtable (no-op if it is one).
  void convert_to_hashtable();
  // Exchanges the members of two sets (SINTERSTORE builds its result aside,
  // then swaps it into the destination).
  void swap(SetType& other) noexcept {
    std::swap(hashtable_, other.hashtable_);
    ints_.swap(other.ints_);
    table_.swap(other.table_);
  }

  // f(std::string_view member) for every member: ascending for an intset,
  // table order for a hashtable. The view lives only during the call.
  template <class F>
  void for_each(F&& f) const {
    if (hashtable_) {
      table_.for_each([&](const Dict<Unit>::Node& n) { f(n.key()); });
      return;
    }
    char buf[kIntChars];
    for (int64_t v : ints_) f(int_text(v, buf));
  }

  // A uniformly enough chosen member (Redis's pick: random bucket, then
  // random chain node for a hashtable). The set must not be empty.
  std::string random_member(std::mt19937_64& rng);
  // Removes and returns a random member. The set must not be empty.
  std::string pop_random(std::mt19937_64& rng);

  // SSCAN's walk over a hashtable: f(member) for the bucket(s) at cursor;
  // returns the next cursor, 0 at the end. Only for a hashtable set.
  template <class F>
  uint64_t scan_buckets(uint64_t cursor, F&& f) {
    return table_.scan(cursor, [&](Dict<Unit>::Node& n) { f(n.key()); });
  }

  std::unique_ptr<Collection> clone() const override;
  void move_to(void* storage) noexcept override { move_collection(*this, storage); }

 private:
  struct Unit {};
  static constexpr size_t kIntChars = 21;  // "-9223372036854775808"

  static std::string_view int_text(int64_t v, char* buf);

  bool hashtable_ = false;
  std::vector<int64_t> ints_;  // sorted, unique; used while !hashtable_
  Dict<Unit> table_;           // used once hashtable_
};

}  // namespace shardis
