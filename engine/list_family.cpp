// The list family: pushes (LPUSH, RPUSH and their X forms), pops (LPOP and
// RPOP with a count, LMPOP), moves (LMOVE, RPOPLPUSH), reads (LLEN, LINDEX,
// LRANGE, LPOS) and edits in place (LSET, LINSERT, LREM, LTRIM), as in
// Redis's t_list.c.
//
// Argument checks run in the order Redis runs them, which differs between
// commands and shows in the replies: LRANGE, LTRIM, LREM and LPOS parse
// their numbers before they look the key up, LINDEX and LSET after it (so
// "LINDEX missing x" is a nil, "LRANGE missing x 1" an error). A list whose
// last element goes is deleted, so no command ever sees an empty list.
//
// A key starts to hold a list in one place, new_list (pushes and LMOVE's
// destination), through Db::insert, which wakes the clients blocked on the
// key as Redis's dbAdd does (engine/blocking.hpp).

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/notify.hpp"
#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/list_type.hpp"
#include "engine/zset_type.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

using End = ListType::End;

constexpr std::string_view kIndexOutOfRange = "ERR index out of range";

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

// LEFT | RIGHT (LMOVE, LMPOP); false for anything else.
bool parse_end(std::string_view s, End* out) {
  if (iequals(s, "left")) {
    *out = End::kHead;
  } else if (iequals(s, "right")) {
    *out = End::kTail;
  } else {
    return false;
  }
  return true;
}

// A list index, negative counting from the tail, made absolute; false when
// it falls outside the list.
bool absolute_index(int64_t index, size_t len, size_t* out) {
  const auto n = static_cast<int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

// LRANGE / LTRIM bounds made absolute as Redis clamps them; false when the
// range is empty.
bool clamp_range(int64_t start, int64_t stop, size_t len, size_t* first, size_t* count) {
  const auto n = static_cast<int64_t>(len);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return false;
  if (stop >= n) stop = n - 1;
  *first = static_cast<size_t>(start);
  *count = static_cast<size_t>(stop - start + 1);
  return true;
}

// LMPOP's keys: numkeys at args[1], the keys after it.
void lmpop_keys(const Args& args, std::vector<size_t>* keys) {
  keys_after_numkeys(args, 1, keys);
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

// The list at key: false (and WRONGTYPE written) for another type; *out is
// null for a missing key.
bool find_list(ExecContext& ctx, const std::string& key, bool write, ListType** out) {
  Db& db = ctx.db(key);
  Typed<ListType> t =
      typed<ListType>(write ? db.lookup_write(key, ctx.now_ms) : db.lookup_read(key, ctx.now_ms));
  if (t.wrong_type) {
    ctx.reply.error(err::kWrongType);
    return false;
  }
  *out = t.value;
  return true;
}

// A new empty list under key, which the caller found absent, with the node
// limit configured now (Redis fixes it when a list is created).
ListType* new_list(ExecContext& ctx, const std::string& key) {
  auto& list = ctx.db(key).insert(key).first->make_object<ListType>();
  list.set_fill(static_cast<int>(ctx.server.config.list_max_listpack_size()));
  return &list;
}

// After elements left the list at key: the key goes with its last element,
// and the change is reported.
void removed_from(ExecContext& ctx, const std::string& key, const ListType& list) {
  const bool gone = list.empty();
  if (gone) ctx.db(key).erase(key);
  ctx.modified(key);
  if (gone) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
}

// Writes the n elements at `end` in the order a pop meets them, as bulk
// strings, and removes them.
void pop_to_reply(ExecContext& ctx, ListType& list, End end, size_t n) {
  const size_t len = list.size();
  if (end == End::kHead) {
    ListType::Iterator it = list.begin();
    for (size_t i = 0; i < n; ++i, it.next()) ctx.reply.bulk(it.value());
    list.erase(0, n);
  } else {
    ListType::Iterator it = list.iterator_at(len - 1);
    for (size_t i = 0; i < n; ++i, it.prev()) ctx.reply.bulk(it.value());
    list.erase(len - n, n);
  }
}

// ---------------------------------------------------------------------------
// Pushes and pops
// ---------------------------------------------------------------------------

// LPUSH, RPUSH; LPUSHX and RPUSHX (only_existing) leave a missing key alone.
void push_generic(ExecContext& ctx, Args& args, End end, bool only_existing) {
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) {
    if (only_existing) return ctx.reply.integer(0);
    list = new_list(ctx, key);
  }
  for (size_t i = 2; i < args.size(); ++i) list->push(end, args[i]);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyList, end == End::kHead ? "lpush" : "rpush", key);
  ctx.reply.integer(static_cast<int64_t>(list->size()));
}

void lpush_command(ExecContext& ctx, Args& args) {
  push_generic(ctx, args, End::kHead, false);
}
void rpush_command(ExecContext& ctx, Args& args) {
  push_generic(ctx, args, End::kTail, false);
}
void lpushx_command(ExecContext& ctx, Args& args) {
  push_generic(ctx, args, End::kHead, true);
}
void rpushx_command(ExecContext& ctx, Args& args) {
  push_generic(ctx, args, End::kTail, true);
}

// LPOP / RPOP key [count]: a bulk string without a count, an array with
// one (empty for count 0). A missing key is a null of the matching kind.
void pop_generic(ExecContext& ctx, Args& args, End end, std::string_view name) {
  if (args.size() > 3) return ctx.reply.error(err::wrong_arity(name));
  const bool has_count = args.size() == 3;
  int64_t count = 0;
  if (has_count && (!string_to_ll(args[2], &count) || count < 0))
    return ctx.reply.error(err::kPositive);
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) return has_count ? ctx.reply.null_array() : ctx.reply.null();
  if (has_count) {
    if (count == 0) return ctx.reply.array(0);
    const size_t n = std::min(static_cast<size_t>(count), list->size());
    ctx.reply.array(n);
    pop_to_reply(ctx, *list, end, n);
  } else {
    pop_to_reply(ctx, *list, end, 1);
  }
  notify_keyspace_event(ctx, kNotifyList, end == End::kHead ? "lpop" : "rpop", key);
  removed_from(ctx, key, *list);
}

void lpop_command(ExecContext& ctx, Args& args) {
  pop_generic(ctx, args, End::kHead, "lpop");
}
void rpop_command(ExecContext& ctx, Args& args) {
  pop_generic(ctx, args, End::kTail, "rpop");
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the
// first key that holds a list; [key, [elements]] or a null array.
void lmpop_command(ExecContext& ctx, Args& args) {
  MpopArgs parsed;
  if (std::string_view error = parse_mpop(args, 1, "left", "right", &parsed); !error.empty())
    return ctx.reply.error(error);
  const size_t where = parsed.where;
  const End end = parsed.second ? End::kTail : End::kHead;
  const int64_t count = parsed.count;
  for (size_t k = 2; k < where; ++k) {
    ListType* list;
    if (!find_list(ctx, args[k], true, &list)) return;
    if (!list) continue;
    const size_t n = std::min(static_cast<size_t>(count), list->size());
    ctx.reply.array(2);
    ctx.reply.bulk(args[k]);
    ctx.reply.array(n);
    pop_to_reply(ctx, *list, end, n);
    notify_keyspace_event(ctx, kNotifyList, end == End::kHead ? "lpop" : "rpop", args[k]);
    removed_from(ctx, args[k], *list);
    return;
  }
  ctx.reply.null_array();
}

// LMOVE / RPOPLPUSH: pops from src and pushes to dst, which may be the
// same key (a rotation) or keys on different shards. dst's type is checked
// only once src is known to hold an element, as Redis does.
void move_generic(ExecContext& ctx, const std::string& src, const std::string& dst, End from,
                  End to) {
  ListType* source;
  if (!find_list(ctx, src, true, &source)) return;
  if (!source) return ctx.reply.null();
  ListType* target;
  if (!find_list(ctx, dst, true, &target)) return;
  if (!target) target = new_list(ctx, dst);
  const std::string value = source->pop(from);
  target->push(to, value);
  ctx.modified(dst);
  notify_keyspace_event(ctx, kNotifyList, to == End::kHead ? "lpush" : "rpush", dst);
  notify_keyspace_event(ctx, kNotifyList, from == End::kHead ? "lpop" : "rpop", src);
  removed_from(ctx, src, *source);
  ctx.reply.bulk(value);
}

void lmove_command(ExecContext& ctx, Args& args) {
  End from, to;
  if (!parse_end(args[3], &from) || !parse_end(args[4], &to)) return ctx.reply.error(err::kSyntax);
  move_generic(ctx, args[1], args[2], from, to);
}

void rpoplpush_command(ExecContext& ctx, Args& args) {
  move_generic(ctx, args[1], args[2], End::kTail, End::kHead);
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

void llen_command(ExecContext& ctx, Args& args) {
  ListType* list;
  if (!find_list(ctx, args[1], false, &list)) return;
  ctx.reply.integer(list ? static_cast<int64_t>(list->size()) : 0);
}

void lindex_command(ExecContext& ctx, Args& args) {
  ListType* list;
  if (!find_list(ctx, args[1], false, &list)) return;
  if (!list) return ctx.reply.null();
  int64_t index;
  if (!string_to_ll(args[2], &index)) return ctx.reply.error(err::kNotInteger);
  size_t at;
  if (!absolute_index(index, list->size(), &at)) return ctx.reply.null();
  ctx.reply.bulk(list->at(at));
}

void lrange_command(ExecContext& ctx, Args& args) {
  int64_t start, stop;
  if (!string_to_ll(args[2], &start) || !string_to_ll(args[3], &stop))
    return ctx.reply.error(err::kNotInteger);
  ListType* list;
  if (!find_list(ctx, args[1], false, &list)) return;
  size_t first, count;
  if (!list || !clamp_range(start, stop, list->size(), &first, &count)) return ctx.reply.array(0);
  ctx.reply.array(count);
  ListType::Iterator it = list->iterator_at(first);
  for (size_t i = 0; i < count; ++i, it.next()) ctx.reply.bulk(it.value());
}

// LPOS options: RANK r (not 0; negative scans from the tail), COUNT n
// (0 = every match; -1 here means not given), MAXLEN m (0 = no limit).
struct PosOptions {
  int64_t rank = 1;
  int64_t count = -1;
  int64_t maxlen = 0;
};

bool parse_pos_options(ExecContext& ctx, const Args& args, PosOptions* o) {
  for (size_t i = 3; i < args.size(); ++i) {
    const bool more = i + 1 < args.size();
    if (more && iequals(args[i], "rank")) {
      if (!string_to_ll(args[++i], &o->rank)) {
        ctx.reply.error(err::kNotInteger);
        return false;
      }
      if (o->rank == 0) {
        ctx.reply.error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return false;
      }
    } else if (more && iequals(args[i], "count")) {
      if (!string_to_ll(args[++i], &o->count) || o->count < 0) {
        ctx.reply.error("ERR COUNT can't be negative");
        return false;
      }
    } else if (more && iequals(args[i], "maxlen")) {
      if (!string_to_ll(args[++i], &o->maxlen) || o->maxlen < 0) {
        ctx.reply.error("ERR MAXLEN can't be negative");
        return false;
      }
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The indexes of the matches LPOS reports, scanning as Redis's lposCommand
// does. Rank and match arithmetic wrap as Redis's longs do in practice, so
// RANK -9223372036854775808 behaves as it does there: from the tail, every
// match reported.
std::vector<int64_t> find_positions(const ListType& list, std::string_view value,
                                    const PosOptions& o) {
  std::vector<int64_t> found;
  const bool from_tail = o.rank < 0;
  const auto rank = static_cast<int64_t>(from_tail ? 0 - static_cast<uint64_t>(o.rank)
                                                   : static_cast<uint64_t>(o.rank));
  const auto len = static_cast<int64_t>(list.size());
  int64_t matches = 0;
  ListType::Iterator it = from_tail ? list.iterator_at(list.size() - 1) : list.begin();
  for (int64_t index = 0; !it.done() && (o.maxlen == 0 || index < o.maxlen); ++index) {
    if (it.value() == value && ++matches >= rank) {
      found.push_back(from_tail ? len - index - 1 : index);
      if (o.count == -1) break;
      const auto reached =
          static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
      if (o.count != 0 && reached >= o.count) break;
    }
    if (from_tail) {
      it.prev();
    } else {
      it.next();
    }
  }
  return found;
}

void lpos_command(ExecContext& ctx, Args& args) {
  PosOptions o;
  if (!parse_pos_options(ctx, args, &o)) return;
  ListType* list;
  if (!find_list(ctx, args[1], false, &list)) return;
  const std::vector<int64_t> found =
      list ? find_positions(*list, args[2], o) : std::vector<int64_t>{};
  if (o.count == -1) {
    if (found.empty()) return ctx.reply.null();
    return ctx.reply.integer(found.front());
  }
  ctx.reply.array(found.size());
  for (int64_t pos : found) ctx.reply.integer(pos);
}

// ---------------------------------------------------------------------------
// Edits in place
// ---------------------------------------------------------------------------

void lset_command(ExecContext& ctx, Args& args) {
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) return ctx.reply.error(err::kNoSuchKey);
  int64_t index;
  if (!string_to_ll(args[2], &index)) return ctx.reply.error(err::kNotInteger);
  size_t at;
  if (!absolute_index(index, list->size(), &at)) return ctx.reply.error(kIndexOutOfRange);
  list->set(at, args[3]);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyList, "lset", key);
  ctx.reply.ok();
}

void linsert_command(ExecContext& ctx, Args& args) {
  bool after;
  if (iequals(args[2], "after")) {
    after = true;
  } else if (iequals(args[2], "before")) {
    after = false;
  } else {
    return ctx.reply.error(err::kSyntax);
  }
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) return ctx.reply.integer(0);
  size_t index = 0;
  ListType::Iterator it = list->begin();
  while (!it.done() && it.value() != args[3]) {
    it.next();
    ++index;
  }
  if (it.done()) return ctx.reply.integer(-1);
  list->insert(after ? index + 1 : index, args[4]);
  ctx.modified(key);
  notify_keyspace_event(ctx, kNotifyList, "linsert", key);
  ctx.reply.integer(static_cast<int64_t>(list->size()));
}

void lrem_command(ExecContext& ctx, Args& args) {
  int64_t count;
  if (!string_to_ll(args[2], &count)) return ctx.reply.error(err::kNotInteger);
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) return ctx.reply.integer(0);
  const size_t removed = list->remove(args[3], count);
  if (removed > 0) {
    notify_keyspace_event(ctx, kNotifyList, "lrem", key);
    removed_from(ctx, key, *list);
  }
  ctx.reply.integer(static_cast<int64_t>(removed));
}

void ltrim_command(ExecContext& ctx, Args& args) {
  int64_t start, stop;
  if (!string_to_ll(args[2], &start) || !string_to_ll(args[3], &stop))
    return ctx.reply.error(err::kNotInteger);
  const std::string& key = args[1];
  ListType* list;
  if (!find_list(ctx, key, true, &list)) return;
  if (!list) return ctx.reply.ok();
  size_t first = 0, count = 0;
  if (!clamp_range(start, stop, list->size(), &first, &count)) first = count = 0;
  list->erase(first + count, list->size() - first - count);
  list->erase(0, first);
  // Redis reports the key modified even when nothing was trimmed.
  notify_keyspace_event(ctx, kNotifyList, "ltrim", key);
  removed_from(ctx, key, *list);
  ctx.reply.ok();
}

}  // namespace

void add_list_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kWF = kCmdWrite | kCmdFast;
  constexpr uint32_t kWM = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kWMF = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadonly;
  constexpr uint32_t kRF = kCmdReadonly | kCmdFast;

  out.push_back({"lpush", -3, kWMF, 1, 1, 1, lpush_command, "list", "1.0.0",
                 "Prepends elements to a list, creating it if needed; returns the new length.",
                 "key element [element ...]"});
  out.push_back({"rpush", -3, kWMF, 1, 1, 1, rpush_command, "list", "1.0.0",
                 "Appends elements to a list, creating it if needed; returns the new length.",
                 "key element [element ...]"});
  out.push_back({"lpushx", -3, kWMF, 1, 1, 1, lpushx_command, "list", "2.2.0",
                 "Prepends elements to a list only when the list exists.",
                 "key element [element ...]"});
  out.push_back({"rpushx", -3, kWMF, 1, 1, 1, rpushx_command, "list", "2.2.0",
                 "Appends elements to a list only when the list exists.",
                 "key element [element ...]"});
  out.push_back({"lpop", -2, kWF, 1, 1, 1, lpop_command, "list", "1.0.0",
                 "Removes and returns the first elements of a list; the key goes with its last "
                 "element.",
                 "key [count]"});
  out.push_back({"rpop", -2, kWF, 1, 1, 1, rpop_command, "list", "1.0.0",
                 "Removes and returns the last elements of a list; the key goes with its last "
                 "element.",
                 "key [count]"});
  CommandSpec lmpop{"lmpop",
                    -4,
                    kW | kCmdMovableKeys,
                    0,
                    0,
                    0,
                    lmpop_command,
                    "list",
                    "7.0.0",
                    "Pops elements from the first of several keys that holds a list.",
                    "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]"};
  lmpop.find_keys = lmpop_keys;
  out.push_back(std::move(lmpop));
  out.push_back({"lmove", 5, kWM, 1, 2, 1, lmove_command, "list", "6.2.0",
                 "Pops an element from one end of a list and pushes it to an end of another (or "
                 "the same) list.",
                 "source destination <LEFT | RIGHT> <LEFT | RIGHT>"});
  out.push_back({"rpoplpush", 3, kWM, 1, 2, 1, rpoplpush_command, "list", "1.2.0",
                 "Pops the last element of a list and pushes it to the head of another (or the "
                 "same) list.",
                 "source destination"});
  out.push_back({"llen", 2, kRF, 1, 1, 1, llen_command, "list", "1.0.0",
                 "Returns the length of a list.", "key"});
  out.push_back({"lindex", 3, kR, 1, 1, 1, lindex_command, "list", "1.0.0",
                 "Returns the element at an index of a list (negative counts from the tail).",
                 "key index"});
  out.push_back({"lrange", 4, kR, 1, 1, 1, lrange_command, "list", "1.0.0",
                 "Returns the elements between two indexes of a list, both included.",
                 "key start stop"});
  out.push_back({"lpos", -3, kR, 1, 1, 1, lpos_command, "list", "6.0.6",
                 "Returns the indexes of the elements of a list that equal a value.",
                 "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"});
  out.push_back({"lset", 4, kWM, 1, 1, 1, lset_command, "list", "1.0.0",
                 "Replaces the element at an index of a list.", "key index element"});
  out.push_back({"linsert", 5, kWM, 1, 1, 1, linsert_command, "list", "2.2.0",
                 "Inserts an element before or after the first occurrence of another in a list.",
                 "key <BEFORE | AFTER> pivot element"});
  out.push_back({"lrem", 4, kW, 1, 1, 1, lrem_command, "list", "1.0.0",
                 "Removes occurrences of an element from a list; the key goes with its last "
                 "element.",
                 "key count element"});
  out.push_back({"ltrim", 4, kW, 1, 1, 1, ltrim_command, "list", "1.0.0",
                 "Keeps only the elements between two indexes of a list, both included.",
                 "key start stop"});
}

}  // namespace shardis
