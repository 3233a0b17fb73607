#pragma once
// SSCAN, HSCAN and ZSCAN: one implementation of Redis's scanGenericCommand
// for a key's collection.
//
// A compact collection (an intset) is returned whole in one call with
// cursor 0, as Redis does for intsets and listpacks. A hashtable is walked
// with its Dict's reverse-binary cursor (see Dict::scan): bucket after
// bucket until COUNT elements are collected, the walk ends, or 10 * COUNT
// buckets were visited, so a sparse table still answers quickly. As in
// Redis the collected elements include HSCAN's values and ZSCAN's scores,
// so COUNT 10 stops after about 5 fields. MATCH filters after the walk and
// drops a field's value with it.
//
// The order of checks is Redis's: the cursor, then the key (a missing key
// is an empty page, a key of another type WRONGTYPE), then the options.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/value.hpp"

namespace shardis {

// A cursor read with strtoul() as Redis does: a leading '+' or '-' is
// accepted ("-1" wraps to the largest cursor), an empty string is 0, and
// spaces, trailing bytes and overflow are invalid.
bool parse_scan_cursor(std::string_view s, uint64_t* out);

// The elements one call collected: every member, followed by its value or
// score when the collection has them (width 2).
class ScanBatch {
 public:
  explicit ScanBatch(size_t width) : width_(width) {}
  void add(std::string_view member) { items_.emplace_back(member); }
  void add(std::string_view member, std::string_view value) {
    items_.emplace_back(member);
    items_.emplace_back(value);
  }
  size_t elements() const { return items_.size(); }

  // Writes [cursor, [elements]] keeping only members that match pattern
  // (nullptr = all).
  void reply(ExecContext& ctx, uint64_t cursor, const std::string* pattern) const;

 private:
  size_t width_;
  std::vector<std::string> items_;
};

// Visits buckets of a hashtable from cursor with step(cursor) -> next
// cursor (which adds the bucket's elements to batch) under the bounds in
// the file comment. Returns the cursor to reply.
template <class Step>
uint64_t walk_buckets(uint64_t cursor, int64_t count, const ScanBatch& batch, Step&& step) {
  int64_t budget = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  do {
    cursor = step(cursor);
  } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(batch.elements()) < count);
  return cursor;
}

struct ScanRequest {
  uint64_t cursor = 0;
  int64_t count = 10;
  const std::string* pattern = nullptr;  // nullptr: no MATCH, or MATCH *
};

// Reads KEY CURSOR [MATCH pattern] [COUNT count] around the key lookup;
// false when the reply (an error or the empty page of a missing key) is
// already written. On true, *found is the key's entry, of type `type`.
bool read_scan_request(ExecContext& ctx, const Args& args, ValueType type, Entry** found,
                       ScanRequest* req);

// The whole XSCAN command for collection type T: walk(T&, cursor, count,
// batch) collects a page and returns the next cursor.
template <class T, class Walk>
void scan_collection(ExecContext& ctx, const Args& args, size_t width, Walk&& walk) {
  Entry* e = nullptr;
  ScanRequest req;
  if (!read_scan_request(ctx, args, T::kType, &e, &req)) return;
  ScanBatch batch(width);
  const uint64_t next = walk(e->object<T>(), req.cursor, req.count, batch);
  batch.reply(ctx, next, req.pattern);
}

}  // namespace shardis
