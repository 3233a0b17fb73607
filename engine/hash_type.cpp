#include "engine/hash_type.hpp"

namespace shardis {

bool HashType::set(std::string_view field, std::string value) {
  auto [slot, created] = insert(field);
  *slot = std::move(value);
  return created;
}

bool HashType::erase(std::string_view field) {
  if (!fields_.erase(field)) return false;
  // As Redis after every HDEL: a table left mostly empty starts shrinking,
  // since nested tables get no cron of their own.
  fields_.maybe_shrink();
  return true;
}

std::unique_ptr<Collection> HashType::clone() const {
  auto copy = std::make_unique<HashType>();
  for_each([&](std::string_view field, const std::string& value) { copy->set(field, value); });
  return copy;
}

}  // namespace shardis
