// The hash family: HSET and its variants, field reads (HGET, HMGET,
// HGETALL, HKEYS, HVALS, HEXISTS, HLEN, HSTRLEN), HDEL and the counters
// HINCRBY and HINCRBYFLOAT, HRANDFIELD and HSCAN, as in Redis's t_hash.c.
//
// Ops hold the shard-local logic and return a status; handlers parse
// arguments, call them and write replies. Arguments are validated before
// the key is looked up, as Redis does, so "HINCRBY str f x" is a number
// error, not WRONGTYPE. A hash whose last field goes is deleted, so no
// command ever sees an empty hash.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/text.hpp"
#include "engine/notify.hpp"
#include "engine/collection_scan.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/hash_type.hpp"
#include "engine/numbers.hpp"
#include "engine/random_pick.hpp"

namespace shardis {

namespace {

// ---------------------------------------------------------------------------
// Op results
// ---------------------------------------------------------------------------

enum class OpStatus {
  kOk,
  kWrongType,
  kNotInteger,  // HINCRBY: the stored value is not an integer
  kNotFloat,    // HINCRBYFLOAT: the stored value is not a float
  kOverflow,
  kNanOrInf,
};

template <class T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  T value{};
};

void reply_error(ExecContext& ctx, OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType: return ctx.reply.error(err::kWrongType);
    case OpStatus::kNotInteger: return ctx.reply.error("ERR hash value is not an integer");
    case OpStatus::kNotFloat: return ctx.reply.error("ERR hash value is not a float");
    case OpStatus::kOverflow: return ctx.reply.error(err::kOverflow);
    case OpStatus::kNanOrInf: return ctx.reply.error(err::kIncrFloatNaN);
    case OpStatus::kOk: return;
  }
}

// ---------------------------------------------------------------------------
// Ops: shard-local logic, no replies
// ---------------------------------------------------------------------------

// A hash a command writes to. The key is created with the first field set,
// so no empty hash is left behind by a failed command, and the entry's
// encoding follows the hash's after every write.
class HashWriter {
 public:
  HashWriter(Db& db, std::string_view key, const ListpackLimits& limits)
      : db_(db), key_(key), limits_(limits) {}

  // Looks the key up: false for a key of another type.
  bool open(int64_t now_ms) {
    entry_ = db_.lookup_write(key_, now_ms);
    Typed<HashType> t = typed<HashType>(entry_);
    hash_ = t.value;
    return !t.wrong_type;
  }
  HashType* hash() const { return hash_; }  // null while the key is absent
  std::optional<std::string_view> find(std::string_view field) const {
    return hash_ ? hash_->find(field) : std::nullopt;
  }
  // HashType::set; true when the field is new.
  bool set(std::string_view field, std::string_view value) {
    if (!hash_) {
      entry_ = db_.insert(key_).first;
      hash_ = &entry_->make_object<HashType>();
    }
    const bool created = hash_->set(field, value, limits_);
    entry_->encoding = hash_->encoding();
    return created;
  }

 private:
  Db& db_;
  std::string_view key_;
  ListpackLimits limits_;
  Entry* entry_ = nullptr;
  HashType* hash_ = nullptr;
};

// HSET / HMSET: pairs of field and value from args[first]; returns how
// many fields were new.
OpResult<int64_t> op_set(HashWriter& h, const Args& args, size_t first, int64_t now_ms) {
  if (!h.open(now_ms)) return {OpStatus::kWrongType, 0};
  int64_t created = 0;
  for (size_t i = first; i + 1 < args.size(); i += 2) created += h.set(args[i], args[i + 1]);
  return {OpStatus::kOk, created};
}

// HSETNX: true when the field was set.
OpResult<bool> op_set_nx(HashWriter& h, std::string_view field, std::string_view value,
                         int64_t now_ms) {
  if (!h.open(now_ms)) return {OpStatus::kWrongType, false};
  if (h.find(field)) return {OpStatus::kOk, false};
  h.set(field, value);
  return {OpStatus::kOk, true};
}

// HDEL: how many of the fields existed. The key goes with its last field.
OpResult<int64_t> op_delete(Db& db, std::string_view key, const Args& args, int64_t now_ms) {
  Typed<HashType> h = typed<HashType>(db.lookup_write(key, now_ms));
  if (h.wrong_type) return {OpStatus::kWrongType, 0};
  if (!h.value) return {OpStatus::kOk, 0};
  int64_t deleted = 0;
  for (size_t i = 2; i < args.size() && !h.value->empty(); ++i) deleted += h.value->erase(args[i]);
  if (h.value->empty()) db.erase(key);
  return {OpStatus::kOk, deleted};
}

// HINCRBY: the new value. A missing field counts as 0.
OpResult<int64_t> op_incr_by(HashWriter& h, std::string_view field, int64_t incr, int64_t now_ms) {
  if (!h.open(now_ms)) return {OpStatus::kWrongType, 0};
  int64_t value = 0;
  if (std::optional<std::string_view> old = h.find(field)) {
    if (!string_to_ll(*old, &value)) return {OpStatus::kNotInteger, 0};
  }
  if ((incr < 0 && value < 0 && incr < std::numeric_limits<int64_t>::min() - value) ||
      (incr > 0 && value > 0 && incr > std::numeric_limits<int64_t>::max() - value))
    return {OpStatus::kOverflow, 0};
  value += incr;
  h.set(field, std::to_string(value));
  return {OpStatus::kOk, value};
}

// HINCRBYFLOAT: the new value as Redis prints it (computed in long double).
OpResult<std::string> op_incr_by_float(HashWriter& h, std::string_view field, long double incr,
                                       int64_t now_ms) {
  if (!h.open(now_ms)) return {OpStatus::kWrongType, {}};
  long double value = 0;
  if (std::optional<std::string_view> old = h.find(field)) {
    if (!parse_long_double(*old, &value)) return {OpStatus::kNotFloat, {}};
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return {OpStatus::kNanOrInf, {}};
  std::string text = format_long_double(value);
  h.set(field, text);
  return {OpStatus::kOk, std::move(text)};
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

// The listpack limits a write obeys (cached config: no lock per command).
ListpackLimits hash_limits(const ExecContext& ctx) {
  return ctx.server.config.hash_limits();
}

// The hash at key for a read-only command: false (and the error written)
// for a key of another type; *out is null for a missing key.
bool read_hash(ExecContext& ctx, const std::string& key, HashType** out) {
  Typed<HashType> t = typed<HashType>(ctx.db(key).lookup_read(key, ctx.now_ms));
  if (t.wrong_type) {
    ctx.reply.error(err::kWrongType);
    return false;
  }
  *out = t.value;
  return true;
}

// HSET and HMSET take field/value pairs: an odd count is an arity error
// the table cannot express.
void set_generic(ExecContext& ctx, Args& args, std::string_view name, bool reply_count) {
  if (args.size() % 2 != 0) return ctx.reply.error(err::wrong_arity(name));
  const std::string& key = args[1];
  HashWriter h(ctx.db(key), key, hash_limits(ctx));
  OpResult<int64_t> r = op_set(h, args, 2, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyHash, "hset", key);
  if (reply_count) return ctx.reply.integer(r.value);
  ctx.reply.ok();
}

void hset_command(ExecContext& ctx, Args& args) {
  set_generic(ctx, args, "hset", true);
}
void hmset_command(ExecContext& ctx, Args& args) {
  set_generic(ctx, args, "hmset", false);
}

void hsetnx_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  HashWriter h(ctx.db(key), key, hash_limits(ctx));
  OpResult<bool> r = op_set_nx(h, args[2], args[3], ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status);
  if (r.value) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyHash, "hset", key);
  }
  ctx.reply.integer(r.value);
}

void hget_command(ExecContext& ctx, Args& args) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  const std::optional<std::string_view> v = h ? h->find(args[2]) : std::nullopt;
  if (!v) return ctx.reply.null();
  ctx.reply.bulk(*v);
}

void hmget_command(ExecContext& ctx, Args& args) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  ctx.reply.array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const std::optional<std::string_view> v = h ? h->find(args[i]) : std::nullopt;
    if (v) {
      ctx.reply.bulk(*v);
    } else {
      ctx.reply.null();
    }
  }
}

// HGETALL (a map in RESP3), HKEYS, HVALS.
void read_all(ExecContext& ctx, Args& args, bool fields, bool values) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  const size_t n = h ? h->size() : 0;
  if (fields && values) {
    ctx.reply.map(n);
  } else {
    ctx.reply.array(n);
  }
  if (!h) return;
  h->for_each([&](std::string_view field, std::string_view value) {
    if (fields) ctx.reply.bulk(field);
    if (values) ctx.reply.bulk(value);
  });
}

void hgetall_command(ExecContext& ctx, Args& args) {
  read_all(ctx, args, true, true);
}
void hkeys_command(ExecContext& ctx, Args& args) {
  read_all(ctx, args, true, false);
}
void hvals_command(ExecContext& ctx, Args& args) {
  read_all(ctx, args, false, true);
}

void hdel_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<int64_t> r = op_delete(ctx.db(key), key, args, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status);
  if (r.value > 0) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifyHash, "hdel", key);
    notify_if_deleted(ctx, key);
  }
  ctx.reply.integer(r.value);
}

void hexists_command(ExecContext& ctx, Args& args) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  ctx.reply.integer(h && h->find(args[2]) ? 1 : 0);
}

void hlen_command(ExecContext& ctx, Args& args) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  ctx.reply.integer(h ? static_cast<int64_t>(h->size()) : 0);
}

void hstrlen_command(ExecContext& ctx, Args& args) {
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  const std::optional<std::string_view> v = h ? h->find(args[2]) : std::nullopt;
  ctx.reply.integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void hincrby_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  int64_t incr;
  if (!string_to_ll(args[3], &incr)) return ctx.reply.error(err::kNotInteger);
  HashWriter h(ctx.db(key), key, hash_limits(ctx));
  OpResult<int64_t> r = op_incr_by(h, args[2], incr, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyHash, "hincrby", key);
  ctx.reply.integer(r.value);
}

void hincrbyfloat_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  long double incr;
  if (!parse_long_double(args[3], &incr)) return ctx.reply.error(err::kNotFloat);
  // Unlike INCRBYFLOAT, an infinite increment is refused before the key
  // is looked at.
  if (std::isinf(incr)) return ctx.reply.error("ERR value is NaN or Infinity");
  HashWriter h(ctx.db(key), key, hash_limits(ctx));
  OpResult<std::string> r = op_incr_by_float(h, args[2], incr, ctx.now_ms);
  if (r.status != OpStatus::kOk) return reply_error(ctx, r.status);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyHash, "hincrbyfloat", key);
  ctx.reply.bulk(r.value);
}

// HRANDFIELD key [count [WITHVALUES]]: see engine/random_pick.hpp for how
// a count chooses. With values, RESP3 gets one [field, value] array each.
void hrandfield_command(ExecContext& ctx, Args& args) {
  int64_t count = 0;
  const bool with_values = args.size() == 4;
  if (args.size() >= 3) {
    if (!parse_random_count(ctx, args[2], &count)) return;
    if (args.size() > 4 || (with_values && !iequals(args[3], "withvalues")))
      return ctx.reply.error(err::kSyntax);
    // Redis bounds the count so that twice it (fields and values) fits.
    if (with_values && (count < -INT64_MAX / 2 || count > INT64_MAX / 2))
      return ctx.reply.error("ERR value is out of range");
  }
  HashType* h;
  if (!read_hash(ctx, args[1], &h)) return;
  std::mt19937_64& rng = ctx.shard_for(args[1]).rng();
  if (args.size() == 2) {
    if (!h) return ctx.reply.null();
    return ctx.reply.bulk(h->random_field(rng));
  }
  if (!h || count == 0) return ctx.reply.array(0);
  const bool pairs = with_values && ctx.reply.resp() >= 3;
  const uint64_t n = random_pick_length(count, h->size());
  ctx.reply.array(with_values && !pairs ? n * 2 : n);
  auto all_fields = [&] {
    std::vector<std::string_view> fields;
    fields.reserve(h->size());
    h->for_each([&](std::string_view field, std::string_view) { fields.push_back(field); });
    return fields;
  };
  random_pick(
      count, h->size(), rng, [&] { return h->random_field(rng); }, all_fields,
      [&](std::string_view field) {
        if (pairs) ctx.reply.array(2);
        ctx.reply.bulk(field);
        if (with_values) ctx.reply.bulk(*h->find(field));
      });
}

void hscan_command(ExecContext& ctx, Args& args) {
  scan_collection<HashType>(
      ctx, args, 2, [](HashType& h, uint64_t cursor, int64_t count, ScanBatch& batch) {
        return walk_buckets(cursor, count, batch, [&](uint64_t c) {
          return h.scan(c, [&](std::string_view f, std::string_view v) { batch.add(f, v); });
        });
      });
}

}  // namespace

void add_hash_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kWF = kCmdWrite | kCmdFast;
  constexpr uint32_t kWMF = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kRF = kCmdReadonly | kCmdFast;

  out.push_back({"hset", -4, kWMF, 1, 1, 1, hset_command, "hash", "2.0.0",
                 "Sets fields of a hash, creating the hash if needed; returns how many fields are new.",
                 "key field value [field value ...]"});
  out.push_back({"hmset", -4, kWMF, 1, 1, 1, hmset_command, "hash", "2.0.0",
                 "Sets fields of a hash (the older form of HSET, replying OK).", "key field value [field value ...]"});
  out.push_back({"hsetnx", 4, kWMF, 1, 1, 1, hsetnx_command, "hash", "2.0.0",
                 "Sets a field of a hash only when the field is absent.",
                 "key field value"});
  out.push_back({"hget", 3, kRF, 1, 1, 1, hget_command, "hash", "2.0.0",
                 "Returns the value stored in a field of a hash.", "key field"});
  out.push_back({"hmget", -3, kRF, 1, 1, 1, hmget_command, "hash", "2.0.0",
                 "Returns the values stored in the given fields of a hash.", "key field [field ...]"});
  out.push_back({"hgetall", 2, kR, 1, 1, 1, hgetall_command, "hash", "2.0.0",
                 "Returns every field of a hash with its value.", "key"});
  out.push_back({"hkeys", 2, kR, 1, 1, 1, hkeys_command, "hash", "2.0.0",
                 "Returns every field name of a hash.", "key"});
  out.push_back({"hvals", 2, kR, 1, 1, 1, hvals_command, "hash", "2.0.0",
                 "Returns every value of a hash.", "key"});
  out.push_back({"hdel", -3, kWF, 1, 1, 1, hdel_command, "hash", "2.0.0",
                 "Removes fields from a hash; the key goes with its last field.",
                 "key field [field ...]"});
  out.push_back({"hexists", 3, kRF, 1, 1, 1, hexists_command, "hash", "2.0.0",
                 "Tells whether a hash has a field.", "key field"});
  out.push_back({"hlen", 2, kRF, 1, 1, 1, hlen_command, "hash", "2.0.0",
                 "Returns how many fields a hash has.", "key"});
  out.push_back({"hstrlen", 3, kRF, 1, 1, 1, hstrlen_command, "hash", "3.2.0",
                 "Returns the length in bytes of the value of a hash field.", "key field"});
  out.push_back({"hincrby", 4, kWMF, 1, 1, 1, hincrby_command, "hash", "2.0.0",
                 "Adds an integer to the integer value of a hash field (a missing field is 0).",
                 "key field increment"});
  out.push_back({"hincrbyfloat", 4, kWMF, 1, 1, 1, hincrbyfloat_command, "hash", "2.6.0",
                 "Adds a number to the floating point value of a hash field (a missing field is 0).",
                 "key field increment"});
  out.push_back({"hrandfield", -2, kR, 1, 1, 1, hrandfield_command, "hash", "6.2.0",
                 "Returns random fields of a hash, with their values if asked; a negative count "
                 "allows repeats.",
                 "key [count [WITHVALUES]]"});
  out.push_back({"hscan", -3, kR, 1, 1, 1, hscan_command, "hash", "2.8.0",
                 "Iterates over the fields and values of a hash.",
                 "key cursor [MATCH pattern] [COUNT count]"});
}

}  // namespace shardis
