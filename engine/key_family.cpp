// The keyspace family: commands that work on keys whatever their type
// (DEL, EXISTS, TYPE, RENAME, COPY, MOVE, the EXPIRE and TTL groups,
// PERSIST, TOUCH, OBJECT) and on whole databases (KEYS, SCAN, RANDOMKEY,
// DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), as in Redis's db.c, expire.c and
// object.c.
//
// Routing: a command that names its keys reaches each key's Db through
// ctx.db(key); the router has already given it the shards owning them, so a
// RENAME or COPY between keys of two shards simply uses both Dbs. Commands
// that see the whole keyspace carry kCmdAllShards and walk every shard's Db
// of the selected database.
//
// Expiry is lazy as everywhere: lookups delete a key past its deadline and
// report it absent, and the walks (KEYS, SCAN, RANDOMKEY) skip such keys, so
// no reply ever shows an expired key.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/text.hpp"
#include "engine/notify.hpp"
#include "engine/collection_scan.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/glob.hpp"

namespace shardis {

namespace {

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

// Redis's getIntFromObjectOrReply without a custom message: writes the error
// and returns false when s is not an integer or does not fit in an int.
bool parse_int_or_reply(ExecContext& ctx, std::string_view s, int* out) {
  int64_t v;
  if (!string_to_ll(s, &v)) {
    ctx.reply.error(err::kNotInteger);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.reply.error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

uint32_t clock_seconds(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 1000);
}

bool db_index_ok(ExecContext& ctx, int index) {
  return index >= 0 && index < ctx.shards.databases();
}

Db& shard_db(ExecContext& ctx, size_t shard) {
  return ctx.shards.shard(shard).db(ctx.session.db);
}

// Stores value under key in db (absent there), with its deadline. The
// deadline is applied through Db so the TTL index stays in step.
void add_entry(Db& db, std::string_view key, Entry value, int64_t expire_at_ms) {
  value.expire_at_ms = kNoExpiry;
  Entry* e = db.insert(key).first;
  *e = std::move(value);
  if (expire_at_ms != kNoExpiry) db.set_expire(key, *e, expire_at_ms);
}

// Takes the value of key out of db (present there as e), leaving the key
// deleted. Returns the value with its deadline cleared, the deadline going
// to *expire_at_ms.
Entry take_entry(Db& db, std::string_view key, Entry& e, int64_t* expire_at_ms) {
  *expire_at_ms = e.expire_at_ms;
  db.persist(key, e);
  Entry value = std::move(e);
  db.erase(key);
  return value;
}

// ---------------------------------------------------------------------------
// Ops: keyspace logic, no replies
// ---------------------------------------------------------------------------

enum class RenameStatus { kNoSuchKey, kTargetExists, kDone };

// RENAME / RENAMENX. The value keeps its TTL and its access time (Redis moves
// the object itself). Renaming a key to itself changes nothing, but the key
// must exist.
RenameStatus op_rename(ExecContext& ctx, const std::string& src, const std::string& dst, bool nx) {
  Db& from = ctx.db(src);
  Entry* e = from.lookup_write(src, ctx.now_ms);
  if (!e) return RenameStatus::kNoSuchKey;
  if (src == dst) return nx ? RenameStatus::kTargetExists : RenameStatus::kDone;
  Db& to = ctx.db(dst);
  if (to.lookup_write(dst, ctx.now_ms)) {
    if (nx) return RenameStatus::kTargetExists;
    to.erase(dst);
  }
  int64_t expire_at_ms;
  Entry value = take_entry(from, src, *e, &expire_at_ms);
  add_entry(to, dst, std::move(value), expire_at_ms);
  return RenameStatus::kDone;
}

struct ExpireFlags {
  bool nx = false, xx = false, gt = false, lt = false;
};

// Whether a new deadline may replace current (kNoExpiry = no TTL) under
// NX, XX, GT and LT, as expire.c decides. A key without TTL counts as one
// that never expires: GT always refuses it, LT always accepts it.
bool expire_allowed(const ExpireFlags& f, int64_t current, int64_t when) {
  const bool has_ttl = current != kNoExpiry;
  if (f.nx && has_ttl) return false;
  if (f.xx && !has_ttl) return false;
  if (f.gt && (!has_ttl || when <= current)) return false;
  if (f.lt && has_ttl && when >= current) return false;
  return true;
}

// Returns 1 when the deadline was set (or the key deleted because the
// deadline has passed), 0 when the key is missing or the condition refused.
int op_expire(ExecContext& ctx, const std::string& key, int64_t when, const ExpireFlags& flags) {
  Db& db = ctx.db(key);
  Entry* e = db.lookup_write(key, ctx.now_ms);
  if (!e || !expire_allowed(flags, e->expire_at_ms, when)) return 0;
  const bool past = when <= ctx.now_ms;
  if (past) {
    db.erase(key);
  } else {
    db.set_expire(key, *e, when);
  }
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyGeneric, past ? "del" : "expire", key);
  return 1;
}

// ---------------------------------------------------------------------------
// Commands on named keys
// ---------------------------------------------------------------------------

// DEL and UNLINK: values are freed in place (no value is large enough yet to
// be worth a background free), so the two are the same command.
void del_command(ExecContext& ctx, Args& args) {
  int64_t deleted = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Db& db = ctx.db(args[i]);
    if (db.lookup_write(args[i], ctx.now_ms) && db.erase(args[i])) {
      ++deleted;
      ctx.modified(args[i]);
      notify_keyspace_event(ctx, kNotifyGeneric, "del", args[i]);
    }
  }
  ctx.reply.integer(deleted);
}

// Counts every argument that names an existing key: "EXISTS k k" is 2.
void exists_command(ExecContext& ctx, Args& args) {
  int64_t found = 0;
  for (size_t i = 1; i < args.size(); ++i)
    if (ctx.db(args[i]).lookup_read(args[i], ctx.now_ms, kLookupNoTouch)) ++found;
  ctx.reply.integer(found);
}

void touch_command(ExecContext& ctx, Args& args) {
  int64_t found = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    if (Entry* e = ctx.db(args[i]).lookup_read(args[i], ctx.now_ms)) {
      e->lru_s = clock_seconds(ctx.now_ms);
      ++found;
    }
  }
  ctx.reply.integer(found);
}

void type_command(ExecContext& ctx, Args& args) {
  const Entry* e = ctx.db(args[1]).lookup_read(args[1], ctx.now_ms, kLookupNoTouch);
  ctx.reply.simple(e ? type_name(e->type) : "none");
}

void rename_reply(ExecContext& ctx, Args& args, bool nx) {
  switch (op_rename(ctx, args[1], args[2], nx)) {
    case RenameStatus::kNoSuchKey:
      ctx.reply.error(err::kNoSuchKey);
      return;
    case RenameStatus::kTargetExists:
      ctx.reply.integer(0);
      return;
    case RenameStatus::kDone:
      // RENAME k k changes nothing and, as in Redis, says nothing.
      if (args[1] != args[2]) {
        ctx.modified(args[1]);
        ctx.modified(args[2]);
        notify_keyspace_event(ctx, kNotifyGeneric, "rename_from", args[1]);
        notify_keyspace_event(ctx, kNotifyGeneric, "rename_to", args[2]);
      }
      if (nx) {
        ctx.reply.integer(1);
      } else {
        ctx.reply.ok();
      }
      return;
  }
}

void rename_command(ExecContext& ctx, Args& args) {
  rename_reply(ctx, args, false);
}
void renamenx_command(ExecContext& ctx, Args& args) {
  rename_reply(ctx, args, true);
}

// COPY source destination [DB index] [REPLACE]
void copy_command(ExecContext& ctx, Args& args) {
  int dst_index = ctx.session.db;
  bool replace = false;
  for (size_t j = 3; j < args.size(); ++j) {
    const size_t more = args.size() - j - 1;
    if (iequals(args[j], "replace")) {
      replace = true;
    } else if (iequals(args[j], "db") && more >= 1) {
      if (!parse_int_or_reply(ctx, args[j + 1], &dst_index)) return;
      if (!db_index_ok(ctx, dst_index)) {
        ctx.reply.error(err::kDbIndex);
        return;
      }
      ++j;
    } else {
      ctx.reply.error(err::kSyntax);
      return;
    }
  }
  const std::string& src = args[1];
  const std::string& dst = args[2];
  if (dst_index == ctx.session.db && src == dst) {
    ctx.reply.error(err::kSameObject);
    return;
  }
  const Entry* e = ctx.db(src).lookup_read(src, ctx.now_ms);
  if (!e) {
    ctx.reply.integer(0);
    return;
  }
  Db& to = ctx.db(dst, dst_index);
  if (to.lookup_write(dst, ctx.now_ms)) {
    if (!replace) {
      ctx.reply.integer(0);
      return;
    }
    to.erase(dst);  // another node than e's: the same-object check ran above
  }
  // The copy is a new value: fresh access time, same deadline.
  Entry value = *e;
  value.lru_s = clock_seconds(ctx.now_ms);
  const int64_t expire_at_ms = e->expire_at_ms;
  add_entry(to, dst, std::move(value), expire_at_ms);
  ctx.modified(dst, dst_index);
  notify_keyspace_event(ctx, kNotifyGeneric, "copy_to", dst, dst_index);
  ctx.reply.integer(1);
}

// MOVE key db: the key stays on its shard (same name, same slot), only the
// database changes.
void move_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  int dst_index;
  if (!parse_int_or_reply(ctx, args[2], &dst_index)) return;
  if (!db_index_ok(ctx, dst_index)) {
    ctx.reply.error(err::kDbIndex);
    return;
  }
  if (dst_index == ctx.session.db) {
    ctx.reply.error(err::kSameObject);
    return;
  }
  Db& from = ctx.db(key);
  Entry* e = from.lookup_write(key, ctx.now_ms);
  if (!e) {
    ctx.reply.integer(0);
    return;
  }
  Db& to = ctx.db(key, dst_index);
  if (to.lookup_write(key, ctx.now_ms)) {
    ctx.reply.integer(0);
    return;
  }
  int64_t expire_at_ms;
  Entry value = take_entry(from, key, *e, &expire_at_ms);
  add_entry(to, key, std::move(value), expire_at_ms);
  ctx.modified(key);
  ctx.modified(key, dst_index);
  notify_keyspace_event(ctx, kNotifyGeneric, "move_from", key);
  notify_keyspace_event(ctx, kNotifyGeneric, "move_to", key, dst_index);
  ctx.reply.integer(1);
}

// ---------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX | XX | GT | LT].
// basetime_ms is added to the (unit-converted) argument; name is the
// command's name for the overflow error.
void expire_generic(ExecContext& ctx, Args& args, int64_t basetime_ms, bool seconds,
                    std::string_view name) {
  ExpireFlags f;
  for (size_t j = 3; j < args.size(); ++j) {
    if (iequals(args[j], "nx")) {
      f.nx = true;
    } else if (iequals(args[j], "xx")) {
      f.xx = true;
    } else if (iequals(args[j], "gt")) {
      f.gt = true;
    } else if (iequals(args[j], "lt")) {
      f.lt = true;
    } else {
      ctx.reply.error("ERR Unsupported option " + args[j]);
      return;
    }
  }
  if (f.nx && (f.xx || f.gt || f.lt)) {
    ctx.reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (f.gt && f.lt) {
    ctx.reply.error("ERR GT and LT options at the same time are not compatible");
    return;
  }

  int64_t when;
  if (!string_to_ll(args[2], &when)) {
    ctx.reply.error(err::kNotInteger);
    return;
  }
  // Negative times are allowed (they delete the key), but overflow of the
  // unit conversion or of adding the base time is an error.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ctx.reply.error(err::invalid_expire(name));
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime_ms) {
    ctx.reply.error(err::invalid_expire(name));
    return;
  }
  when += basetime_ms;
  ctx.reply.integer(op_expire(ctx, args[1], when, f));
}

void expire_command(ExecContext& ctx, Args& args) {
  expire_generic(ctx, args, ctx.now_ms, true, "expire");
}
void pexpire_command(ExecContext& ctx, Args& args) {
  expire_generic(ctx, args, ctx.now_ms, false, "pexpire");
}
void expireat_command(ExecContext& ctx, Args& args) {
  expire_generic(ctx, args, 0, true, "expireat");
}
void pexpireat_command(ExecContext& ctx, Args& args) {
  expire_generic(ctx, args, 0, false, "pexpireat");
}

// TTL family: -2 for a missing key, -1 for a key without TTL. Relative
// values never go below 0; seconds are rounded to the nearest.
void ttl_generic(ExecContext& ctx, Args& args, bool ms, bool absolute) {
  const Entry* e = ctx.db(args[1]).lookup_read(args[1], ctx.now_ms, kLookupNoTouch);
  if (!e) {
    ctx.reply.integer(-2);
    return;
  }
  if (e->expire_at_ms == kNoExpiry) {
    ctx.reply.integer(-1);
    return;
  }
  int64_t t = absolute ? e->expire_at_ms : e->expire_at_ms - ctx.now_ms;
  if (t < 0) t = 0;
  ctx.reply.integer(ms ? t : (t + 500) / 1000);
}

void ttl_command(ExecContext& ctx, Args& args) {
  ttl_generic(ctx, args, false, false);
}
void pttl_command(ExecContext& ctx, Args& args) {
  ttl_generic(ctx, args, true, false);
}
void expiretime_command(ExecContext& ctx, Args& args) {
  ttl_generic(ctx, args, false, true);
}
void pexpiretime_command(ExecContext& ctx, Args& args) {
  ttl_generic(ctx, args, true, true);
}

void persist_command(ExecContext& ctx, Args& args) {
  Db& db = ctx.db(args[1]);
  Entry* e = db.lookup_write(args[1], ctx.now_ms);
  if (e && db.persist(args[1], *e)) {
    ctx.modified(args[1]);
    notify_keyspace_event(ctx, kNotifyGeneric, "persist", args[1]);
    ctx.reply.integer(1);
  } else {
    ctx.reply.integer(0);
  }
}

// ---------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------

bool lfu_policy(ExecContext& ctx) {
  const auto policy = ctx.server.config.get("maxmemory-policy");
  return policy && policy->find("lfu") != std::string::npos;
}

// The LFU counter Redis would report for a value not read since lru_s: it
// starts at LFU_INIT_VAL (5) and loses one per lfu-decay-time minutes idle.
// Entries carry no access counter, so reads do not raise it.
int64_t lfu_counter(ExecContext& ctx, const Entry& e) {
  constexpr int64_t kLfuInitVal = 5;
  const int64_t decay_minutes = ctx.server.config.get_int("lfu-decay-time");
  if (decay_minutes <= 0) return kLfuInitVal;
  const int64_t idle_s = std::max<int64_t>(0, ctx.now_ms / 1000 - e.lru_s);
  return std::max<int64_t>(0, kLfuInitVal - idle_s / 60 / decay_minutes);
}

// Redis shares one object for each integer 0..9999 unless an LRU or LFU
// maxmemory policy needs per-value access times; shared objects report
// INT_MAX references.
int64_t refcount(ExecContext& ctx, const Entry& e) {
  constexpr int64_t kSharedIntegers = 10000;
  if (e.type != ValueType::kString || e.encoding != Encoding::kInt) return 1;
  int64_t v;
  if (!string_to_ll(e.str, &v) || v < 0 || v >= kSharedIntegers) return 1;
  const auto policy = ctx.server.config.get("maxmemory-policy");
  const bool lru_or_lfu = policy && (policy->find("lru") != std::string::npos ||
                                     policy->find("lfu") != std::string::npos);
  if (ctx.server.config.get_int("maxmemory") != 0 && lru_or_lfu) return 1;
  return INT_MAX;
}

// OBJECT subcommands look the key up without touching its access time or
// reporting a miss, and reply null for a missing key.
const Entry* object_lookup(ExecContext& ctx, const std::string& key) {
  const Entry* e = ctx.db(key).lookup_read(key, ctx.now_ms, kLookupNoTouch | kLookupNoNotify);
  if (!e) ctx.reply.null();
  return e;
}

void object_encoding_command(ExecContext& ctx, Args& args) {
  if (const Entry* e = object_lookup(ctx, args[2])) ctx.reply.bulk(encoding_name(*e));
}

void object_refcount_command(ExecContext& ctx, Args& args) {
  if (const Entry* e = object_lookup(ctx, args[2])) ctx.reply.integer(refcount(ctx, *e));
}

void object_idletime_command(ExecContext& ctx, Args& args) {
  const Entry* e = object_lookup(ctx, args[2]);
  if (!e) return;
  if (lfu_policy(ctx)) {
    ctx.reply.error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  ctx.reply.integer(std::max<int64_t>(0, ctx.now_ms / 1000 - e->lru_s));
}

void object_freq_command(ExecContext& ctx, Args& args) {
  const Entry* e = object_lookup(ctx, args[2]);
  if (!e) return;
  if (!lfu_policy(ctx)) {
    ctx.reply.error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
    return;
  }
  ctx.reply.integer(lfu_counter(ctx, *e));
}

void object_help_command(ExecContext& ctx, Args&) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.array(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.simple(line);
}

// ---------------------------------------------------------------------------
// Whole-keyspace commands (kCmdAllShards)
// ---------------------------------------------------------------------------

void keys_command(ExecContext& ctx, Args& args) {
  const std::string& pattern = args[1];
  const bool all = pattern == "*";
  std::vector<std::string_view> found;  // into the nodes: nothing changes them meanwhile
  for (size_t i = 0; i < ctx.shards.size(); ++i) {
    Db& db = shard_db(ctx, i);
    db.keys().for_each([&](Db::Node& n) {
      if (db.expired(n.value, ctx.now_ms)) return;
      if (all || glob_match(pattern, n.key())) found.push_back(n.key());
    });
  }
  ctx.reply.array(found.size());
  for (std::string_view k : found) ctx.reply.bulk(k);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor walks the shards one after another. Each shard's Db has its
// own reverse-binary cursor (see Dict::scan); the client sees
//     cursor = shard_cursor * nshards + shard_index
// so cursor 0 starts shard 0 at its beginning, and when a shard's walk ends
// the walk goes on at the following shard (cursor = its bare index), or the
// reply's cursor is 0 after the last shard. Each
// shard keeps Redis's guarantee (a key present for the whole scan is
// returned at least once), so the whole scan does too. The shard count is
// fixed for the life of a server, so cursors stay valid between calls.
void scan_command(ExecContext& ctx, Args& args) {
  uint64_t cursor;
  if (!parse_scan_cursor(args[1], &cursor)) {
    ctx.reply.error(err::kCursor);
    return;
  }
  int64_t count = 10;
  const std::string* pattern = nullptr;
  const std::string* type = nullptr;
  for (size_t i = 2; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (iequals(args[i], "count") && has_value) {
      if (!string_to_ll(args[i + 1], &count)) {
        ctx.reply.error(err::kNotInteger);
        return;
      }
      if (count < 1) {
        ctx.reply.error(err::kSyntax);
        return;
      }
    } else if (iequals(args[i], "match") && has_value) {
      pattern = args[i + 1] == "*" ? nullptr : &args[i + 1];
    } else if (iequals(args[i], "type") && has_value) {
      type = &args[i + 1];
    } else {
      ctx.reply.error(err::kSyntax);
      return;
    }
  }

  const uint64_t nshards = ctx.shards.size();
  size_t shard = static_cast<size_t>(cursor % nshards);
  uint64_t shard_cursor = cursor / nshards;

  // As Redis: visit buckets until count keys are collected, at most
  // count * 10 buckets so a sparse table still answers quickly. A shard
  // whose walk ends hands over to the next one within the same call, so an
  // empty keyspace answers cursor 0 at once, as Redis does.
  std::vector<std::pair<std::string, size_t>> keys;
  int64_t budget = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  bool finished = false;  // the last shard's walk has ended
  while (true) {
    Db& db = shard_db(ctx, shard);
    shard_cursor = db.scan(shard_cursor, [&](std::string_view k, Entry&) { keys.emplace_back(k, shard); });
    if (shard_cursor == 0) {
      if (shard + 1 == nshards) {
        finished = true;
        break;
      }
      ++shard;
    }
    if (budget-- <= 0 || static_cast<int64_t>(keys.size()) >= count) break;
  }

  // Filter after the walk: expired keys are deleted, which the walk itself
  // must not do.
  std::vector<std::string> out;
  for (auto& [k, from] : keys) {
    if (pattern && !glob_match(*pattern, k)) continue;
    const Entry* e = shard_db(ctx, from).lookup_write(k, ctx.now_ms);
    if (!e) continue;
    if (type && !iequals(*type, type_name(e->type))) continue;
    out.push_back(std::move(k));
  }

  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(finished ? 0 : shard_cursor * nshards + shard));
  ctx.reply.array(out.size());
  for (const std::string& k : out) ctx.reply.bulk(k);
}

// A key chosen uniformly enough: a shard with probability proportional to
// its size, then Redis's random pick within it. A shard whose picks are all
// expired deletes them and the draw is repeated over what is left.
void randomkey_command(ExecContext& ctx, Args&) {
  std::mt19937_64& rng = ctx.shards.shard(0).rng();
  while (true) {
    uint64_t total = 0;
    for (size_t i = 0; i < ctx.shards.size(); ++i) total += shard_db(ctx, i).size();
    if (total == 0) break;
    uint64_t pick = rng() % total;
    size_t i = 0;
    while (pick >= shard_db(ctx, i).size()) pick -= shard_db(ctx, i++).size();
    std::string key;
    if (shard_db(ctx, i).random_key(ctx.shards.shard(i).rng(), ctx.now_ms, &key)) {
      ctx.reply.bulk(key);
      return;
    }
  }
  ctx.reply.null();
}

void dbsize_command(ExecContext& ctx, Args&) {
  uint64_t total = 0;
  for (size_t i = 0; i < ctx.shards.size(); ++i) total += shard_db(ctx, i).size();
  ctx.reply.integer(static_cast<int64_t>(total));
}

// FLUSHDB / FLUSHALL take an optional ASYNC or SYNC; both free in place.
bool flush_args_ok(ExecContext& ctx, Args& args) {
  if (args.size() == 1 ||
      (args.size() == 2 && (iequals(args[1], "sync") || iequals(args[1], "async"))))
    return true;
  ctx.reply.error(err::kSyntax);
  return false;
}

void flush_db(Shard& shard, int index) {
  Db& db = shard.db(index);
  shard.stats().dirty.add(db.size());
  db.touch_all_watched();
  db.clear();
}

void flushdb_command(ExecContext& ctx, Args& args) {
  if (!flush_args_ok(ctx, args)) return;
  for (size_t i = 0; i < ctx.shards.size(); ++i) flush_db(ctx.shards.shard(i), ctx.session.db);
  ctx.reply.ok();
}

void flushall_command(ExecContext& ctx, Args& args) {
  if (!flush_args_ok(ctx, args)) return;
  for (size_t i = 0; i < ctx.shards.size(); ++i) {
    Shard& shard = ctx.shards.shard(i);
    for (int d = 0; d < shard.databases(); ++d) flush_db(shard, d);
  }
  ctx.reply.ok();
}

void swapdb_command(ExecContext& ctx, Args& args) {
  int64_t a, b;
  if (!string_to_ll(args[1], &a) || a < INT_MIN || a > INT_MAX) {
    ctx.reply.error("ERR invalid first DB index");
    return;
  }
  if (!string_to_ll(args[2], &b) || b < INT_MIN || b > INT_MAX) {
    ctx.reply.error("ERR invalid second DB index");
    return;
  }
  if (!db_index_ok(ctx, static_cast<int>(a)) || !db_index_ok(ctx, static_cast<int>(b))) {
    ctx.reply.error(err::kDbIndex);
    return;
  }
  if (a != b) {
    for (size_t i = 0; i < ctx.shards.size(); ++i) {
      Shard& shard = ctx.shards.shard(i);
      Db& da = shard.db(static_cast<int>(a));
      Db& db = shard.db(static_cast<int>(b));
      da.touch_all_watched(&db);
      db.touch_all_watched(&da);
      da.swap(db);
      shard.stats().dirty.add(1);
    }
  }
  ctx.reply.ok();
}

}  // namespace

void add_key_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kWF = kCmdWrite | kCmdFast;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kRF = kCmdReadonly | kCmdFast;
  constexpr uint32_t kAll = kCmdAllShards;

  out.push_back({"del", -2, kW, 1, -1, 1, del_command, "generic", "1.0.0",
                 "Deletes one or more keys.", "key [key ...]"});
  out.push_back({"unlink", -2, kWF, 1, -1, 1, del_command, "generic", "4.0.0",
                 "Deletes one or more keys; on Redis the memory is reclaimed in the background.",
                 "key [key ...]"});
  out.push_back({"exists", -2, kRF, 1, -1, 1, exists_command, "generic", "1.0.0",
                 "Counts how many of the given keys exist.", "key [key ...]"});
  out.push_back({"touch", -2, kRF, 1, -1, 1, touch_command, "generic", "3.2.1",
                 "Updates the last access time of keys; returns how many exist.", "key [key ...]"});
  out.push_back({"type", 2, kRF, 1, 1, 1, type_command, "generic", "1.0.0",
                 "Returns the type of the value stored at a key.", "key"});
  out.push_back({"rename", 3, kW, 1, 2, 1, rename_command, "generic", "1.0.0",
                 "Renames a key, overwriting the destination.", "key newkey"});
  out.push_back({"renamenx", 3, kWF, 1, 2, 1, renamenx_command, "generic", "1.0.0",
                 "Renames a key only when the new name does not exist.", "key newkey"});
  out.push_back({"copy", -3, kW | kCmdDenyOom, 1, 2, 1, copy_command, "generic", "6.2.0",
                 "Copies the value of a key to a new key.",
                 "source destination [DB destination-db] [REPLACE]"});
  out.push_back({"move", 3, kWF, 1, 1, 1, move_command, "generic", "1.0.0",
                 "Moves a key to another database.", "key db"});

  out.push_back({"expire", -3, kWF, 1, 1, 1, expire_command, "generic", "1.0.0",
                 "Sets a key's time to live in seconds.", "key seconds [NX | XX | GT | LT]"});
  out.push_back({"pexpire", -3, kWF, 1, 1, 1, pexpire_command, "generic", "2.6.0",
                 "Sets a key's time to live in milliseconds.",
                 "key milliseconds [NX | XX | GT | LT]"});
  out.push_back({"expireat", -3, kWF, 1, 1, 1, expireat_command, "generic", "1.2.0",
                 "Sets a key's expiry to a Unix time in seconds.",
                 "key unix-time-seconds [NX | XX | GT | LT]"});
  out.push_back({"pexpireat", -3, kWF, 1, 1, 1, pexpireat_command, "generic", "2.6.0",
                 "Sets a key's expiry to a Unix time in milliseconds.",
                 "key unix-time-milliseconds [NX | XX | GT | LT]"});
  out.push_back({"ttl", 2, kRF, 1, 1, 1, ttl_command, "generic", "1.0.0",
                 "Returns a key's time to live in seconds.", "key"});
  out.push_back({"pttl", 2, kRF, 1, 1, 1, pttl_command, "generic", "2.6.0",
                 "Returns a key's time to live in milliseconds.", "key"});
  out.push_back({"expiretime", 2, kRF, 1, 1, 1, expiretime_command, "generic", "7.0.0",
                 "Returns a key's expiry as a Unix time in seconds.", "key"});
  out.push_back({"pexpiretime", 2, kRF, 1, 1, 1, pexpiretime_command, "generic", "7.0.0",
                 "Returns a key's expiry as a Unix time in milliseconds.", "key"});
  out.push_back({"persist", 2, kWF, 1, 1, 1, persist_command, "generic", "2.2.0",
                 "Removes a key's time to live.", "key"});

  CommandSpec object{"object",
                     -2,
                     0,
                     0,
                     0,
                     0,
                     nullptr,
                     "generic",
                     "2.2.3",
                     "A container for object introspection commands.",
                     "<subcommand>"};
  object.subcommands = {
      {"object|encoding", 3, kR, 2, 2, 1, object_encoding_command, "generic", "2.2.3",
       "Returns the internal encoding of a value.", "key"},
      {"object|freq", 3, kR, 2, 2, 1, object_freq_command, "generic", "4.0.0",
       "Returns the logarithmic access frequency counter of a value.", "key"},
      {"object|idletime", 3, kR, 2, 2, 1, object_idletime_command, "generic", "2.2.3",
       "Returns the seconds since a value was last accessed.", "key"},
      {"object|refcount", 3, kR, 2, 2, 1, object_refcount_command, "generic", "2.2.3",
       "Returns the reference count of a value.", "key"},
      {"object|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, object_help_command, "generic", "6.2.0",
       "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(object));

  out.push_back({"keys", 2, kR | kAll, 0, 0, 0, keys_command, "generic", "1.0.0",
                 "Returns all key names that match a pattern.", "pattern"});
  out.push_back({"scan", -2, kR | kAll, 0, 0, 0, scan_command, "generic", "2.8.0",
                 "Iterates over the key names in the database.",
                 "cursor [MATCH pattern] [COUNT count] [TYPE type]"});
  out.push_back({"randomkey", 1, kR | kAll, 0, 0, 0, randomkey_command, "generic", "1.0.0",
                 "Returns a random key name from the database.", ""});
  out.push_back({"dbsize", 1, kRF | kAll, 0, 0, 0, dbsize_command, "server", "1.0.0",
                 "Returns the number of keys in the database.", ""});
  out.push_back({"flushdb", -1, kW | kAll, 0, 0, 0, flushdb_command, "server", "1.0.0",
                 "Removes all keys from the current database.", "[ASYNC | SYNC]"});
  out.push_back({"flushall", -1, kW | kAll, 0, 0, 0, flushall_command, "server", "1.0.0",
                 "Removes all keys from all databases.", "[ASYNC | SYNC]"});
  out.push_back({"swapdb", 3, kWF | kAll, 0, 0, 0, swapdb_command, "server", "4.0.0",
                 "Swaps two databases.", "index1 index2"});
}

}  // namespace shardis
