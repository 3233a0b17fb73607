// The set family: SADD, SREM, SMOVE, SPOP, membership (SISMEMBER,
// SMISMEMBER, SCARD), SMEMBERS and SRANDMEMBER, the algebra (SINTER,
// SINTERCARD, SUNION, SDIFF and the STORE forms) and SSCAN, as in Redis
// 7.0's t_set.c.
//
// Ops hold the shard-local logic and return a status; handlers parse
// arguments, call them and write replies. Arguments are validated before
// any key is looked up, as Redis does. A set whose last member goes is
// deleted, so no command ever sees an empty set. A write that adds members
// may change the set's representation (engine/set_type.hpp), which the key's
// Entry then reports. Commands over several keys check every key's type
// before they compute anything, so a missing key among them does not hide
// a WRONGTYPE.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/notify.hpp"
#include "engine/collection_scan.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/random_pick.hpp"
#include "engine/set_type.hpp"
#include "engine/zset_type.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

// ---------------------------------------------------------------------------
// Key access
// ---------------------------------------------------------------------------

// A key as set commands find it: its entry and set (both null when the key
// is absent), or a key of another type.
struct SetRef {
  Entry* entry = nullptr;
  SetType* set = nullptr;
  bool wrong_type = false;
};

SetRef find_set(Db& db, std::string_view key, int64_t now_ms, bool write) {
  Entry* e = write ? db.lookup_write(key, now_ms) : db.lookup_read(key, now_ms);
  Typed<SetType> t = typed<SetType>(e);
  return {e, t.value, t.wrong_type};
}

// A new empty set under key, which find_set found absent. Ops create it only
// when they are about to add a member, so a failed command leaves none.
SetRef create_set(Db& db, std::string_view key) {
  Entry* e = db.insert(key).first;
  return {e, &e->make_object<SetType>(), false};
}

// After members were added or removed: an emptied set goes with its key,
// and the entry reports the representation the set now has.
void settle(Db& db, std::string_view key, const SetRef& s) {
  if (s.set->empty()) {
    db.erase(key);
  } else {
    s.entry->encoding = s.set->encoding();
  }
}

int64_t max_intset_entries(ExecContext& ctx) {
  return ctx.server.config.set_max_intset_entries();
}

// The set at key for a reply: false (and WRONGTYPE written) for a key of
// another type; *out is null for a missing key.
bool read_set(ExecContext& ctx, const std::string& key, SetType** out) {
  SetRef s = find_set(ctx.db(key), key, ctx.now_ms, false);
  if (s.wrong_type) {
    ctx.reply.error(err::kWrongType);
    return false;
  }
  *out = s.set;
  return true;
}

// Every member of a set, in its iteration order.
std::vector<std::string> members_of(const SetType& set) {
  std::vector<std::string> out;
  out.reserve(set.size());
  set.for_each([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

// SMEMBERS, SINTER ... reply with a RESP3 set.
void reply_members(ExecContext& ctx, const std::vector<std::string>& members) {
  ctx.reply.set(members.size());
  for (const std::string& m : members) ctx.reply.bulk(m);
}

// ---------------------------------------------------------------------------
// Ops: shard-local logic, no replies
// ---------------------------------------------------------------------------

enum class OpStatus { kOk, kWrongType };

template <class T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  T value{};
};

// SADD: how many members were new.
OpResult<int64_t> op_add(Db& db, std::string_view key, const Args& args, int64_t max_intset,
                         int64_t now_ms) {
  SetRef s = find_set(db, key, now_ms, true);
  if (s.wrong_type) return {OpStatus::kWrongType, 0};
  if (!s.set) s = create_set(db, key);
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); ++i) added += s.set->add(args[i], max_intset);
  settle(db, key, s);
  return {OpStatus::kOk, added};
}

// SREM: how many of the members were there.
OpResult<int64_t> op_remove(Db& db, std::string_view key, const Args& args, int64_t now_ms) {
  SetRef s = find_set(db, key, now_ms, true);
  if (s.wrong_type || !s.set) return {s.wrong_type ? OpStatus::kWrongType : OpStatus::kOk, 0};
  int64_t removed = 0;
  for (size_t i = 2; i < args.size() && !s.set->empty(); ++i) removed += s.set->remove(args[i]);
  settle(db, key, s);
  return {OpStatus::kOk, removed};
}

// SPOP: up to count random members, removed. The whole set when count
// reaches its size (the key then goes).
OpResult<std::vector<std::string>> op_pop(Db& db, std::string_view key, uint64_t count,
                                          std::mt19937_64& rng, int64_t now_ms) {
  SetRef s = find_set(db, key, now_ms, true);
  if (s.wrong_type) return {OpStatus::kWrongType, {}};
  if (!s.set || count == 0) return {};
  if (count >= s.set->size()) {
    std::vector<std::string> all = members_of(*s.set);
    db.erase(key);
    return {OpStatus::kOk, std::move(all)};
  }
  std::vector<std::string> popped;
  popped.reserve(count);
  while (popped.size() < count) popped.push_back(s.set->pop_random(rng));
  settle(db, key, s);
  return {OpStatus::kOk, std::move(popped)};
}

// The sets named by args[first, first + n): null for a missing key. False
// when one of them holds another type. They are read lookups even for the
// STORE forms, as Redis's (a missing one counts a miss and is a "keymiss").
bool gather_sets(ExecContext& ctx, const Args& args, size_t first, size_t n,
                 std::vector<SetType*>* out) {
  out->clear();
  for (size_t i = first; i < first + n; ++i) {
    SetRef s = find_set(ctx.db(args[i]), args[i], ctx.now_ms, false);
    if (s.wrong_type) return false;
    out->push_back(s.set);
  }
  return true;
}

// SINTER: the members every set holds, in the order of the smallest set (the
// first of the smallest, as Redis's stable sort leaves them), at most limit
// of them (0 = no limit). A missing key makes the result empty.
std::vector<std::string> op_intersect(std::vector<SetType*> sets, uint64_t limit) {
  std::vector<std::string> out;
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return out;
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetType* a, const SetType* b) { return a->size() < b->size(); });
  sets.front()->for_each([&](std::string_view m) {
    if (limit != 0 && out.size() >= limit) return;
    for (size_t j = 1; j < sets.size(); ++j)
      if (sets[j] != sets.front() && !sets[j]->contains(m)) return;
    out.emplace_back(m);
  });
  return out;
}

enum class Combine { kUnion, kDiff };

// SUNION, SDIFF: the result as a set built with Redis's representation rule.
void op_combine(const std::vector<SetType*>& sets, Combine op, int64_t max_intset,
                SetType* out) {
  if (op == Combine::kUnion) {
    for (SetType* s : sets)
      if (s) s->for_each([&](std::string_view m) { out->add(m, max_intset); });
    return;
  }
  if (!sets.front()) return;
  sets.front()->for_each([&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j)
      if (sets[j] && sets[j]->contains(m)) return;
    out->add(m, max_intset);
  });
}

// Stores result at dst as Redis's setKey does (any old value and its TTL
// go), or deletes dst when result is empty; reports the change (the
// keyspace event `event`, or "del" for a deleted dst). Returns how many
// members were stored.
size_t store_set(ExecContext& ctx, const std::string& dst, SetType& result, std::string_view event) {
  Db& db = ctx.db(dst);
  Entry* old = db.lookup_write(dst, ctx.now_ms);
  const bool existed = old != nullptr;
  const size_t stored = result.size();
  if (stored > 0) {
    // An existing key is overwritten in place (its TTL cleared), as Redis's
    // setKey: it is not a "new" key.
    Entry* e = existed ? old : db.insert(dst).first;
    if (existed) db.persist(dst, *e);
    SetRef s{e, &e->make_object<SetType>(), false};
    s.set->swap(result);
    settle(db, dst, s);
  } else if (existed) {
    db.erase(dst);
  }
  if (existed || stored > 0) ctx.modified(dst);
  if (stored > 0) {
    notify_keyspace_event(ctx, kNotifySet, event, dst);
  } else if (existed) {
    notify_keyspace_event(ctx, kNotifyGeneric, "del", dst);
  }
  return stored;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

void sadd_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<int64_t> r = op_add(ctx.db(key), key, args, max_intset_entries(ctx), ctx.now_ms);
  if (r.status != OpStatus::kOk) return ctx.reply.error(err::kWrongType);
  if (r.value > 0) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifySet, "sadd", key);
  }
  ctx.reply.integer(r.value);
}

void srem_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  OpResult<int64_t> r = op_remove(ctx.db(key), key, args, ctx.now_ms);
  if (r.status != OpStatus::kOk) return ctx.reply.error(err::kWrongType);
  if (r.value > 0) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifySet, "srem", key);
    notify_if_deleted(ctx, key);
  }
  ctx.reply.integer(r.value);
}

// SMOVE source destination member. A missing source answers 0 before the
// destination's type is looked at, as in Redis; moving within one key
// answers whether the member is there.
void smove_command(ExecContext& ctx, Args& args) {
  const std::string& src_key = args[1];
  const std::string& dst_key = args[2];
  Db& src_db = ctx.db(src_key);
  Db& dst_db = ctx.db(dst_key);
  SetRef src = find_set(src_db, src_key, ctx.now_ms, true);
  SetRef dst = find_set(dst_db, dst_key, ctx.now_ms, true);
  if (!src.entry) return ctx.reply.integer(0);
  if (src.wrong_type || dst.wrong_type) return ctx.reply.error(err::kWrongType);
  if (src.set == dst.set) return ctx.reply.integer(src.set->contains(args[3]) ? 1 : 0);
  if (!src.set->remove(args[3])) return ctx.reply.integer(0);
  settle(src_db, src_key, src);
  ctx.modified(src_key);
  notify_keyspace_event(ctx, kNotifySet, "srem", src_key);
  notify_if_deleted(ctx, src_key);
  if (!dst.set) dst = create_set(dst_db, dst_key);
  // As in Redis, the destination counts as changed only when it gained the
  // member.
  const bool added = dst.set->add(args[3], max_intset_entries(ctx));
  settle(dst_db, dst_key, dst);
  if (added) {
    ctx.modified(dst_key);
    notify_keyspace_event(ctx, kNotifySet, "sadd", dst_key);
  }
  ctx.reply.integer(1);
}

// SPOP key [count]: one member as a bulk string, or with a count a RESP3 set.
void spop_command(ExecContext& ctx, Args& args) {
  if (args.size() > 3) return ctx.reply.error(err::kSyntax);
  const std::string& key = args[1];
  int64_t count = 1;
  if (args.size() == 3 && (!string_to_ll(args[2], &count) || count < 0))
    return ctx.reply.error(err::kPositive);
  OpResult<std::vector<std::string>> r = op_pop(ctx.db(key), key, static_cast<uint64_t>(count),
                                                ctx.shard_for(key).rng(), ctx.now_ms);
  if (r.status != OpStatus::kOk) return ctx.reply.error(err::kWrongType);
  if (!r.value.empty()) {
    ctx.modified(key);
    notify_keyspace_event(ctx, kNotifySet, "spop", key);
    notify_if_deleted(ctx, key);
  }
  if (args.size() == 3) return reply_members(ctx, r.value);
  if (r.value.empty()) return ctx.reply.null();
  ctx.reply.bulk(r.value.front());
}

// SRANDMEMBER key [count]: see engine/random_pick.hpp for how a count
// chooses.
void srandmember_command(ExecContext& ctx, Args& args) {
  if (args.size() > 3) return ctx.reply.error(err::kSyntax);
  int64_t count = 0;
  if (args.size() == 3 && !parse_random_count(ctx, args[2], &count)) return;
  SetType* s;
  if (!read_set(ctx, args[1], &s)) return;
  std::mt19937_64& rng = ctx.shard_for(args[1]).rng();
  if (args.size() == 2) {
    if (!s) return ctx.reply.null();
    return ctx.reply.bulk(s->random_member(rng));
  }
  if (!s || count == 0) return ctx.reply.array(0);
  ctx.reply.array(random_pick_length(count, s->size()));
  random_pick(
      count, s->size(), rng, [&] { return s->random_member(rng); }, [&] { return members_of(*s); },
      [&](const std::string& m) { ctx.reply.bulk(m); });
}

void sismember_command(ExecContext& ctx, Args& args) {
  SetType* s;
  if (!read_set(ctx, args[1], &s)) return;
  ctx.reply.integer(s && s->contains(args[2]) ? 1 : 0);
}

void smismember_command(ExecContext& ctx, Args& args) {
  SetType* s;
  if (!read_set(ctx, args[1], &s)) return;
  ctx.reply.array(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.reply.integer(s && s->contains(args[i]) ? 1 : 0);
}

void scard_command(ExecContext& ctx, Args& args) {
  SetType* s;
  if (!read_set(ctx, args[1], &s)) return;
  ctx.reply.integer(s ? static_cast<int64_t>(s->size()) : 0);
}

// SINTER and SMEMBERS (Redis runs SMEMBERS as a one-key SINTER).
void sinter_command(ExecContext& ctx, Args& args) {
  std::vector<SetType*> sets;
  if (!gather_sets(ctx, args, 1, args.size() - 1, &sets)) return ctx.reply.error(err::kWrongType);
  reply_members(ctx, op_intersect(std::move(sets), 0));
}

void sinterstore_command(ExecContext& ctx, Args& args) {
  std::vector<SetType*> sets;
  if (!gather_sets(ctx, args, 2, args.size() - 2, &sets)) return ctx.reply.error(err::kWrongType);
  SetType result;
  const int64_t max_intset = max_intset_entries(ctx);
  for (const std::string& m : op_intersect(std::move(sets), 0)) result.add(m, max_intset);
  ctx.reply.integer(static_cast<int64_t>(store_set(ctx, args[1], result, "sinterstore")));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void sintercard_command(ExecContext& ctx, Args& args) {
  int64_t numkeys;
  if (!string_to_ll(args[1], &numkeys) || numkeys < 1)
    return ctx.reply.error("ERR numkeys should be greater than 0");
  if (static_cast<uint64_t>(numkeys) > args.size() - 2)
    return ctx.reply.error("ERR Number of keys can't be greater than number of args");
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < args.size(); i += 2) {
    if (!iequals(args[i], "limit") || i + 1 == args.size()) return ctx.reply.error(err::kSyntax);
    if (!string_to_ll(args[i + 1], &limit) || limit < 0)
      return ctx.reply.error("ERR LIMIT can't be negative");
  }
  std::vector<SetType*> sets;
  if (!gather_sets(ctx, args, 2, static_cast<size_t>(numkeys), &sets))
    return ctx.reply.error(err::kWrongType);
  const auto found = op_intersect(std::move(sets), static_cast<uint64_t>(limit)).size();
  ctx.reply.integer(static_cast<int64_t>(found));
}

// SUNION, SDIFF and their STORE forms: keys from args[first]; a store
// writes args[1].
void combine_generic(ExecContext& ctx, Args& args, Combine op, bool store) {
  const size_t first = store ? 2 : 1;
  std::vector<SetType*> sets;
  if (!gather_sets(ctx, args, first, args.size() - first, &sets))
    return ctx.reply.error(err::kWrongType);
  SetType result;
  op_combine(sets, op, max_intset_entries(ctx), &result);
  if (store) {
    const std::string_view event = op == Combine::kUnion ? "sunionstore" : "sdiffstore";
    return ctx.reply.integer(static_cast<int64_t>(store_set(ctx, args[1], result, event)));
  }
  reply_members(ctx, members_of(result));
}

void sunion_command(ExecContext& ctx, Args& args) {
  combine_generic(ctx, args, Combine::kUnion, false);
}
void sunionstore_command(ExecContext& ctx, Args& args) {
  combine_generic(ctx, args, Combine::kUnion, true);
}
void sdiff_command(ExecContext& ctx, Args& args) {
  combine_generic(ctx, args, Combine::kDiff, false);
}
void sdiffstore_command(ExecContext& ctx, Args& args) {
  combine_generic(ctx, args, Combine::kDiff, true);
}

void sscan_command(ExecContext& ctx, Args& args) {
  scan_collection<SetType>(
      ctx, args, 1, [](SetType& s, uint64_t cursor, int64_t count, ScanBatch& batch) {
        auto add = [&](std::string_view m) { batch.add(m); };
        if (s.encoding() == Encoding::kIntset) {
          s.for_each(add);
          return uint64_t{0};
        }
        return walk_buckets(cursor, count, batch,
                            [&](uint64_t c) { return s.scan_buckets(c, add); });
      });
}

void sintercard_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 1, keys);
}

}  // namespace

void add_set_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kWF = kCmdWrite | kCmdFast;
  constexpr uint32_t kWM = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kWMF = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kRF = kCmdReadonly | kCmdFast;
  constexpr std::string_view kGroup = "set";

  out.push_back({"sadd", -3, kWMF, 1, 1, 1, sadd_command, kGroup, "1.0.0",
                 "Adds members to a set, creating it if needed; returns how many are new.",
                 "key member [member ...]"});
  out.push_back({"srem", -3, kWF, 1, 1, 1, srem_command, kGroup, "1.0.0",
                 "Removes members from a set; the key goes with its last member.",
                 "key member [member ...]"});
  out.push_back({"smove", 4, kWF, 1, 2, 1, smove_command, kGroup, "1.0.0",
                 "Moves a member from one set to another.", "source destination member"});
  out.push_back({"spop", -2, kWF, 1, 1, 1, spop_command, kGroup, "1.0.0",
                 "Removes and returns random members of a set.", "key [count]"});
  out.push_back({"srandmember", -2, kR, 1, 1, 1, srandmember_command, kGroup, "1.0.0",
                 "Returns random members of a set; a negative count allows repeats.",
                 "key [count]"});
  out.push_back({"sismember", 3, kRF, 1, 1, 1, sismember_command, kGroup, "1.0.0",
                 "Tells whether a member belongs to a set.", "key member"});
  out.push_back({"smismember", -3, kRF, 1, 1, 1, smismember_command, kGroup, "6.2.0",
                 "Tells for each member whether it belongs to a set.", "key member [member ...]"});
  out.push_back({"scard", 2, kRF, 1, 1, 1, scard_command, kGroup, "1.0.0",
                 "Returns how many members a set has.", "key"});
  out.push_back({"smembers", 2, kR, 1, 1, 1, sinter_command, kGroup, "1.0.0",
                 "Returns every member of a set.", "key"});
  out.push_back({"sinter", -2, kR, 1, -1, 1, sinter_command, kGroup, "1.0.0",
                 "Returns the members every given set holds.", "key [key ...]"});
  out.push_back({"sinterstore", -3, kWM, 1, -1, 1, sinterstore_command, kGroup, "1.0.0",
                 "Stores the intersection of sets in a key; returns its size.",
                 "destination key [key ...]"});
  CommandSpec sintercard{"sintercard", -3, kR | kCmdMovableKeys, 0, 0, 0, sintercard_command,
                         kGroup, "7.0.0",
                         "Returns the size of the intersection of sets, counting up to a limit.",
                         "numkeys key [key ...] [LIMIT limit]"};
  sintercard.find_keys = sintercard_keys;
  out.push_back(std::move(sintercard));
  out.push_back({"sunion", -2, kR, 1, -1, 1, sunion_command, kGroup, "1.0.0",
                 "Returns the members any given set holds.", "key [key ...]"});
  out.push_back({"sunionstore", -3, kWM, 1, -1, 1, sunionstore_command, kGroup, "1.0.0",
                 "Stores the union of sets in a key; returns its size.",
                 "destination key [key ...]"});
  out.push_back({"sdiff", -2, kR, 1, -1, 1, sdiff_command, kGroup, "1.0.0",
                 "Returns the members of the first set that no other given set holds.",
                 "key [key ...]"});
  out.push_back({"sdiffstore", -3, kWM, 1, -1, 1, sdiffstore_command, kGroup, "1.0.0",
                 "Stores the difference of sets in a key; returns its size.",
                 "destination key [key ...]"});
  out.push_back({"sscan", -3, kR, 1, 1, 1, sscan_command, kGroup, "2.8.0",
                 "Iterates over the members of a set.",
                 "key cursor [MATCH pattern] [COUNT count]"});
}

}  // namespace shardis
