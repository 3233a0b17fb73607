#include "engine/hash_type.hpp"

#include <string>
#include <utility>

namespace shardis {

size_t HashType::find_packed(std::string_view field) const {
  for (size_t off = pack_.begin(); off != pack_.end();) {
    const size_t at = off;
    if (pack_.get(off, &off) == field) return at;
    pack_.get(off, &off);  // its value
  }
  return pack_.end();
}

std::optional<std::string_view> HashType::find(std::string_view field) {
  if (table_) {
    const std::string* v = table_->find(field);
    if (!v) return std::nullopt;
    return std::string_view(*v);
  }
  size_t off = find_packed(field);
  if (off == pack_.end()) return std::nullopt;
  pack_.get(off, &off);
  return pack_.get(off, &off);
}

bool HashType::set(std::string_view field, std::string_view value, const ListpackLimits& limits) {
  if (!table_ && (!limits.fits(field) || !limits.fits(value) ||
                  !pack_.safe_to_add(field.size() + value.size() + 10)))
    convert_to_hashtable();
  if (table_) {
    auto [node, created] = table_->insert(field);
    node->value.assign(value);
    return created;
  }
  const size_t at = find_packed(field);
  const bool created = at == pack_.end();
  if (created) {
    pack_.splice(at, at, 0, {field, value});
  } else {
    size_t value_at, value_end;
    pack_.get(at, &value_at);
    pack_.get(value_at, &value_end);
    pack_.splice(value_at, value_end, 1, {value});
  }
  if (static_cast<int64_t>(size()) > limits.entries) convert_to_hashtable();
  return created;
}

bool HashType::erase(std::string_view field) {
  if (table_) {
    if (!table_->erase(field)) return false;
    // As Redis after every HDEL: a table left mostly empty starts
    // shrinking, since nested tables get no cron of their own.
    table_->maybe_shrink();
    return true;
  }
  const size_t at = find_packed(field);
  if (at == pack_.end()) return false;
  size_t end;
  pack_.get(at, &end);
  pack_.get(end, &end);
  pack_.splice(at, end, 2, {});
  return true;
}

std::unique_ptr<Dict<std::string>> HashType::to_table() const {
  auto table = std::make_unique<Dict<std::string>>();
  table->reserve(size());
  for_each([&](std::string_view field, std::string_view value) {
    table->insert(field).first->value.assign(value);
  });
  return table;
}

void HashType::convert_to_hashtable() {
  if (table_) return;
  table_ = to_table();
  pack_.clear();
}

std::string_view HashType::random_field(std::mt19937_64& rng) {
  if (table_) return table_->random_node(rng)->key();
  size_t skip = std::uniform_int_distribution<size_t>(0, size() - 1)(rng);
  size_t off = pack_.begin();
  for (; skip > 0; --skip) {
    pack_.get(off, &off);
    pack_.get(off, &off);
  }
  return pack_.get(off, &off);
}

std::unique_ptr<Collection> HashType::clone() const {
  // The copy keeps the representation, as Redis's COPY does.
  auto copy = std::make_unique<HashType>();
  if (table_) {
    copy->table_ = to_table();
  } else {
    copy->pack_ = Listpack(pack_);
  }
  return copy;
}

}  // namespace shardis
