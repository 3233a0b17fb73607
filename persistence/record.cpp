#include "persistence/record.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/hash_type.hpp"
#include "engine/list_type.hpp"
#include "engine/set_type.hpp"
#include "engine/zset_type.hpp"
#include "persistence/bytes.hpp"
#include "persistence/crc32c.hpp"

namespace shardis {
namespace {

uint32_t checked_u32(size_t n) {
  if (n > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("checkpoint record: length or count does not fit 32 bits");
  }
  return static_cast<uint32_t>(n);
}

void put_sized(std::string& out, std::string_view bytes) {
  put_u32(out, checked_u32(bytes.size()));
  out.append(bytes);
}

void encode_value(std::string& out, const Entry& e) {
  switch (e.type) {
    case ValueType::kHash: {
      const auto& hash = e.object<HashType>();
      put_u32(out, checked_u32(hash.size()));
      hash.for_each([&](std::string_view field, std::string_view value) {
        put_sized(out, field);
        put_sized(out, value);
      });
      return;
    }
    case ValueType::kZSet: {
      const auto& zset = e.object<ZSetType>();
      put_u32(out, checked_u32(zset.size()));
      zset.walk(0, zset.size(), false, [&](std::string_view member, double score) {
        put_sized(out, member);
        put_u64(out, double_bits(score));
        return true;
      });
      return;
    }
    case ValueType::kList: {
      const auto& list = e.object<ListType>();
      put_u32(out, checked_u32(list.size()));
      for (ListType::Iterator it = list.begin(); !it.done(); it.next()) put_sized(out, it.value());
      return;
    }
    case ValueType::kSet: {
      const auto& set = e.object<SetType>();
      put_u32(out, checked_u32(set.size()));
      set.for_each([&](std::string_view member) { put_sized(out, member); });
      return;
    }
    default:
      put_sized(out, e.str);
      return;
  }
}

bool fail(std::string* error, std::string why) {
  *error = std::move(why);
  return false;
}

bool decode_value(ByteReader& in, DecodedRecord* out) {
  std::string_view a, b;
  if (out->type == ValueType::kString) return in.sized(&out->str);
  uint32_t count;
  if (!in.u32(&count)) return false;
  // Each element takes at least 8 bytes (a list element or set member 4),
  // so a count the record cannot hold is rejected before it sizes an
  // allocation.
  const bool items = out->type == ValueType::kList || out->type == ValueType::kSet;
  if (count > in.remaining() / (items ? 4 : 8)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    if (out->type == ValueType::kHash) {
      if (!in.sized(&a) || !in.sized(&b)) return false;
      out->fields.emplace_back(a, b);
    } else if (items) {
      if (!in.sized(&a)) return false;
      out->items.emplace_back(a);
    } else {
      uint64_t bits;
      // A sorted set never holds NaN (ZADD refuses it), and one would break
      // the skiplist's order.
      if (!in.sized(&a) || !in.u64(&bits) || std::isnan(bits_double(bits))) return false;
      out->members.emplace_back(a, bits_double(bits));
    }
  }
  return true;
}

bool known_type(uint8_t tag) {
  return tag == static_cast<uint8_t>(ValueType::kString) ||
         tag == static_cast<uint8_t>(ValueType::kHash) ||
         tag == static_cast<uint8_t>(ValueType::kList) ||
         tag == static_cast<uint8_t>(ValueType::kSet) ||
         tag == static_cast<uint8_t>(ValueType::kZSet);
}

}  // namespace

void append_record(std::string& out, int db, std::string_view key, const Entry& e) {
  const size_t start = out.size();
  put_u8(out, static_cast<uint8_t>(e.type));
  put_u32(out, static_cast<uint32_t>(db));
  put_u64(out, static_cast<uint64_t>(e.expire_at_ms));
  put_sized(out, key);
  encode_value(out, e);
  put_u32(out, crc32c(std::string_view(out).substr(start)));
}

std::string encode_record(int db, std::string_view key, const Entry& e) {
  std::string out;
  out.reserve(kRecordHeaderSize + key.size() + (e.holds_object() ? 64 : e.str.size() + 4) +
              kRecordCrcSize);
  append_record(out, db, key, e);
  return out;
}

bool peek_record_db(std::string_view bytes, int* db) {
  ByteReader in(bytes);
  uint64_t tag, index;
  if (!in.le(1, &tag) || !in.le(4, &index)) return false;
  *db = static_cast<int>(index);
  return true;
}

bool decode_record(std::string_view bytes, DecodedRecord* out, std::string* error) {
  if (bytes.size() < kRecordHeaderSize + kRecordCrcSize) return fail(error, "record too short");
  const std::string_view body = bytes.substr(0, bytes.size() - kRecordCrcSize);
  uint32_t stored_crc = 0;
  ByteReader crc_in(bytes.substr(body.size()));
  crc_in.u32(&stored_crc);
  if (crc32c(body) != stored_crc) return fail(error, "record CRC mismatch");

  ByteReader in(body);
  uint64_t tag, db, expiry;
  in.le(1, &tag);
  in.le(4, &db);
  in.u64(&expiry);
  if (!known_type(static_cast<uint8_t>(tag))) {
    return fail(error, "unknown type tag " + std::to_string(tag));
  }
  if (db > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return fail(error, "db index out of range");
  }
  out->type = static_cast<ValueType>(tag);
  out->db = static_cast<int>(db);
  out->expire_at_ms = static_cast<int64_t>(expiry);
  out->str = {};
  out->fields.clear();
  out->members.clear();
  out->items.clear();
  if (!in.sized(&out->key) || !decode_value(in, out)) return fail(error, "malformed record body");
  if (in.remaining() != 0) return fail(error, "trailing bytes in record");
  return true;
}

bool restore_into(Db& db, const DecodedRecord& rec, int64_t now_ms, const EncodingLimits& limits) {
  if (deadline_passed(rec.expire_at_ms, now_ms)) return false;
  if (rec.type != ValueType::kString && rec.fields.empty() && rec.members.empty() &&
      rec.items.empty())
    return false;
  // One lookup per key (a start-up restore meets each key once, in a large
  // table: the lookup is a cache miss); a key that exists starts from a
  // clean slate, its old TTL (if any) being in the db's TTL index. A load
  // announces no keys, as Redis's.
  Entry* e;
  if (rec.type == ValueType::kString) {
    e = &db.set_string_loaded(rec.key, rec.str);
  } else {
    auto [entry, created] = db.insert_loaded(rec.key);
    if (!created) {
      db.erase(rec.key);
      entry = db.insert_loaded(rec.key).first;
    }
    e = entry;
    // A listpack (or intset) when the limits allow, a table straight away
    // when the size alone rules it out.
    if (rec.type == ValueType::kHash) {
      auto& hash = e->make_object<HashType>();
      if (static_cast<int64_t>(rec.fields.size()) > limits.hash.entries) hash.convert_to_hashtable();
      for (const auto& [field, value] : rec.fields) hash.set(field, value, limits.hash);
      e->encoding = hash.encoding();
    } else if (rec.type == ValueType::kList) {
      auto& list = e->make_object<ListType>();
      for (std::string_view item : rec.items) list.push(ListType::End::kTail, item);
    } else if (rec.type == ValueType::kSet) {
      auto& set = e->make_object<SetType>();
      for (std::string_view member : rec.items) set.add(member, limits.set_max_intset_entries);
      e->encoding = set.encoding();
    } else {
      auto& zset = e->make_object<ZSetType>();
      if (static_cast<int64_t>(rec.members.size()) > limits.zset.entries) zset.convert_to_skiplist();
      for (const auto& [member, score] : rec.members) zset.set(member, score, limits.zset);
      e->encoding = zset.encoding();
    }
  }
  if (rec.expire_at_ms != kNoExpiry) db.set_expire(rec.key, *e, rec.expire_at_ms);
  return true;
}

}  // namespace shardis
