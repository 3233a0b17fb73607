#include "engine/set_type.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/text.hpp"

namespace shardis {

std::string_view SetType::int_text(int64_t v, char* buf) {
  auto [end, ec] = std::to_chars(buf, buf + kIntChars, v);
  return {buf, static_cast<size_t>(end - buf)};
}

bool SetType::contains(std::string_view member) {
  if (hashtable_) return table_.find_node(member) != nullptr;
  int64_t v;
  return string_to_ll(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
}

bool SetType::add(std::string_view member, int64_t max_intset_entries) {
  int64_t v;
  if (!hashtable_ && string_to_ll(member, &v)) {
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it != ints_.end() && *it == v) return false;
    ints_.insert(it, v);
    if (static_cast<int64_t>(ints_.size()) > max_intset_entries) convert_to_hashtable();
    return true;
  }
  convert_to_hashtable();
  return table_.insert(member).second;
}

bool SetType::remove(std::string_view member) {
  if (hashtable_) {
    if (!table_.erase(member)) return false;
    // As Redis's SREM: a table left mostly empty starts shrinking.
    table_.maybe_shrink();
    return true;
  }
  int64_t v;
  if (!string_to_ll(member, &v)) return false;
  auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
  if (it == ints_.end() || *it != v) return false;
  ints_.erase(it);
  return true;
}

void SetType::convert_to_hashtable() {
  if (hashtable_) return;
  char buf[kIntChars];
  for (int64_t v : ints_) table_.insert(int_text(v, buf));
  ints_.clear();
  ints_.shrink_to_fit();
  hashtable_ = true;
}

std::string SetType::random_member(std::mt19937_64& rng) {
  if (hashtable_) return std::string(table_.random_node(rng)->key());
  return std::to_string(ints_[rng() % ints_.size()]);
}

std::string SetType::pop_random(std::mt19937_64& rng) {
  std::string member = random_member(rng);
  remove(member);
  return member;
}

std::unique_ptr<Collection> SetType::clone() const {
  auto copy = std::make_unique<SetType>();
  copy->hashtable_ = hashtable_;
  copy->ints_ = ints_;
  table_.for_each([&](const Dict<Unit>::Node& n) { copy->table_.insert(n.key()); });
  return copy;
}

}  // namespace shardis
