#pragma once
// The value of a sorted-set key: member -> score, plus the members ordered
// by (score, member). Two representations, as in Redis 7.0.
//
// A new sorted set is a listpack (engine/listpack.hpp): member, score,
// member, score ... kept in order, searched linearly. A score that is an
// integer of at most 53 bits is stored as its zigzag bytes (0 to 7 of
// them, never 4: that length takes a fifth, zero byte), one that a float
// holds exactly (1.5, 0.25, -3.75 ...) as the 4 bytes of the float, any
// other as the 8 bytes of the double. So the common small integer scores
// cost 2 bytes and short fractions 5, where a double would cost 9. Adding
// a member converts the set to a skiplist for good when it would hold more
// than zset-max-listpack-entries members or the member is longer than
// zset-max-listpack-value bytes; updates of a score never convert, and
// nothing converts back, as in Redis.
//
// The skiplist form has two structures holding the same members, as in
// Redis: a Dict answers "what is the score of m" in O(1), and a skiplist
// keeps the order. The skiplist is Pugh's, with Redis's two additions:
// every forward link records its span (how many level-0 steps it jumps), so
// the rank of a member and the member at a rank are found in O(log n) by
// summing spans along the search path; and level 0 is doubly linked, so a
// range is walked in either direction once its first node is found. ZRANGE
// by rank, score or lex is therefore O(log n + m).
//
// A member's bytes are stored once: the Dict node holds them inline, and the
// skiplist node views them. Dict nodes never move (rehashing relinks them),
// so the view stays valid until the member is erased, and erasing removes
// the skiplist node before the Dict node.
//
// Commands see one interface whatever the form: members are addressed by
// 0-based rank (rank_span() and range_start() turn a score or lex range
// into ranks, walk() visits ranks in either direction). The owning Entry
// reports the representation in OBJECT ENCODING, so code that adds members
// updates Entry::encoding from encoding() afterwards.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/dict.hpp"
#include "engine/listpack.hpp"
#include "engine/value.hpp"

namespace shardis {

struct ExecContext;

// A score interval as ZRANGEBYSCORE reads it: "(" makes a bound exclusive.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;

  bool above_min(double v) const { return min_exclusive ? v > min : v >= min; }
  bool below_max(double v) const { return max_exclusive ? v < max : v <= max; }
  // True when no score can be inside (min > max, or an open point).
  bool empty() const { return min > max || (min == max && (min_exclusive || max_exclusive)); }
};

// One end of a lex interval: "-" (below every member), "+" (above every
// member), "[m" or "(m".
struct LexBound {
  enum class Kind : uint8_t { kMinusInf, kValue, kPlusInf };
  Kind kind = Kind::kValue;
  std::string value;
  bool exclusive = false;

  // <0, 0, >0 as the bound is below, at or above member.
  int compare(std::string_view member) const;
};

struct LexRange {
  LexBound min;
  LexBound max;

  bool above_min(std::string_view m) const {
    const int c = min.compare(m);
    return min.exclusive ? c < 0 : c <= 0;
  }
  bool below_max(std::string_view m) const {
    const int c = max.compare(m);
    return max.exclusive ? c > 0 : c >= 0;
  }
  bool empty() const;
};

class SkipList {
 public:
  struct Node;
  struct Level {
    Node* forward;
    uint64_t span;  // level-0 steps this link jumps
  };
  struct Node {
    double score;
    // The member's bytes, owned by the Dict node whose key they are (see
    // the file comment); the Dict stores the length in the 4 bytes before
    // them, so the node keeps one pointer where a view would take two.
    const char* member_data;
    Node* backward;  // level 0 only; nullptr for the first node
    // Reading the member touches the Dict node's memory, a cache miss of
    // its own: searches compare scores first and ask for the member only
    // on a tie (before(), range_key()).
    std::string_view member() const {
      if (!member_data) return {};
      uint32_t len;
      std::memcpy(&len, member_data - sizeof len, sizeof len);
      return {member_data, len};
    }
    // Whether this node orders before (score, member): by score, then bytes.
    bool before(double s, std::string_view m) const {
      return score < s || (score == s && member() < m);
    }
    bool after(double s, std::string_view m) const {
      return score > s || (score == s && member() > m);
    }
    Level* levels() { return reinterpret_cast<Level*>(this + 1); }
    const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
    Node* next() const { return levels()[0].forward; }
    Node* prev() const { return backward; }
  };

  SkipList();
  ~SkipList();
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  size_t size() const { return length_; }
  void swap(SkipList& other) noexcept;
  Node* first() const { return header_->levels()[0].forward; }
  Node* last() const { return tail_; }

  // Adds (score, member), which must not be present; member must be the
  // key() of a Dict node that outlives the skiplist node.
  Node* insert(double score, std::string_view member);
  // Moves (old, member), which must be present, to score: in place when its
  // neighbours still order around it, as Redis's zslUpdateScore.
  void update_score(double old, std::string_view member, double score);
  bool erase(double score, std::string_view member);

  // 1-based rank of (score, member), 0 when absent.
  uint64_t rank(double score, std::string_view member) const;
  // The node at a 1-based rank, nullptr when out of range.
  Node* at_rank(uint64_t rank) const;

  // First / last node inside a ScoreRange or LexRange, nullptr when none is.
  template <class Range>
  Node* first_in(const Range& r) const;
  template <class Range>
  Node* last_in(const Range& r) const;

  // Remove every node in a range, calling on_erase(member) for each after
  // unlinking it and before freeing it. Ranks are 1-based and inclusive.
  template <class Range, class F>
  size_t erase_range(const Range& r, F&& on_erase);
  template <class F>
  size_t erase_rank_range(uint64_t start, uint64_t end, F&& on_erase);

 private:
  static constexpr int kMaxLevel = 32;  // enough for 2^64 elements at p = 1/4

  static Node* make_node(int height, double score, std::string_view member);
  static int random_level();
  // Finds, at every level, the last node for which before(node) holds
  // (update[]), and returns the level-0 successor of the last one.
  template <class Before>
  Node* find_update(Before&& before, Node** update) const;
  void unlink(Node* x, Node** update);
  // Unlinks and frees nodes from `from` on while keep(node) holds.
  template <class Keep, class F>
  size_t erase_while(Node* from, Node** update, Keep&& keep, F&& on_erase);

  Node* header_;
  Node* tail_ = nullptr;
  uint64_t length_ = 0;
  int level_ = 1;
};

// A member and its score as a command collects them for a reply or a
// store. member views bytes that live at least until the command ends.
struct ScoredMember {
  std::string_view member;
  double score;
};

// What a range bounds in a member: its score, or its bytes for a lex range.
inline double range_key(const ScoreRange&, std::string_view, double score) {
  return score;
}
inline std::string_view range_key(const LexRange&, std::string_view member, double) {
  return member;
}
// The same for a skiplist node, reading only what the range needs.
inline double range_key(const ScoreRange&, const SkipList::Node& n) { return n.score; }
inline std::string_view range_key(const LexRange&, const SkipList::Node& n) { return n.member(); }

class ZSetType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kZSet;
  static constexpr Encoding kEncoding = Encoding::kListpack;  // a new, empty set
  static constexpr ListpackLimits kDefaultLimits{128, 64};    // Redis's defaults

  Encoding encoding() const { return table_ ? Encoding::kSkiplist : Encoding::kListpack; }
  size_t size() const { return table_ ? table_->scores.size() : pack_.size() / 2; }
  bool empty() const { return size() == 0; }
  // Exchanges the members of two sets: skiplist nodes stay where they are,
  // so views of member bytes stay valid (ZUNIONSTORE builds its result
  // aside, then swaps it into the destination).
  void swap(ZSetType& other) noexcept {
    pack_.swap(other.pack_);
    table_.swap(other.table_);
  }

  // The score of member. Not const: a table lookup moves a rehash step.
  std::optional<double> score(std::string_view member) {
    const std::optional<Found> f = find(member);
    return f ? std::optional<double>(f->score) : std::nullopt;
  }
  // A member's score and where it is, so that ZADD's read-compare-write
  // searches once (update()).
  struct Found {
    double score;
    size_t packed_at;             // listpack: the member's offset
    Dict<double>::Node* node;     // skiplist: its Dict node
  };
  std::optional<Found> find(std::string_view member);
  // Moves the member find() returned (the set unchanged since) to score.
  void update(const Found& at, double score);
  // Adds member with score or moves it to score; true when it was added.
  // Adding converts a listpack that would pass limits first.
  bool set(std::string_view member, double score, const ListpackLimits& limits = kDefaultLimits);
  bool erase(std::string_view member);
  // 0-based rank counted from the lowest (or, reverse, the highest) score;
  // -1 when member is absent.
  int64_t rank(std::string_view member, bool reverse);
  // Makes the set a skiplist (no-op if it is one).
  void convert_to_skiplist();

  // The ranks [first, second) of the members inside a ScoreRange or
  // LexRange; first == second when there are none.
  template <class Range>
  std::pair<uint64_t, uint64_t> rank_span(const Range& r) const;
  // The rank of the first member inside a ScoreRange or LexRange (reverse:
  // the last); false when there is none. A listpack is searched as Redis's
  // zzlFirstInRange / zzlLastInLexRange ... do, so a lex range over
  // members of different scores, where Redis leaves the result undefined,
  // finds what Redis's listpack finds: nothing when the first member is
  // above the range or the last below it, else from the front (reverse:
  // the back) the first member on the near side of the far end, if it is
  // on the far side of the near one.
  template <class Range>
  bool range_start(const Range& r, bool reverse, uint64_t* rank) const;
  // fn(member, score) for up to count members from rank `from` on, towards
  // higher ranks or (reverse) lower ones, while fn returns true. The views
  // live until the set changes.
  template <class F>
  void walk(uint64_t from, uint64_t count, bool reverse, F&& fn) const;

  // ZSCAN's walk: fn(member, score) for the bucket(s) at cursor of the
  // member index, returning the next cursor (see Dict::scan); a listpack
  // is walked whole and answers 0, as Redis does.
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    if (!table_) {
      walk(0, size(), false, [&](std::string_view m, double s) {
        fn(m, s);
        return true;
      });
      return 0;
    }
    return table_->scores.scan(cursor, [&](Dict<double>::Node& n) { fn(n.key(), n.value); });
  }

  // Removes the members in a ScoreRange or LexRange; returns how many.
  template <class Range>
  size_t erase_range(const Range& r) {
    if (!table_) {
      auto [first, end] = rank_span(r);
      return first == end ? 0 : erase_rank_range(first, end - 1);
    }
    const size_t n = table_->index.erase_range(
        r, [&](std::string_view m) { table_->scores.erase(m); });
    table_->scores.maybe_shrink();
    return n;
  }
  // 0-based inclusive ranks, already clamped to the set.
  size_t erase_rank_range(uint64_t start, uint64_t end);

  std::unique_ptr<Collection> clone() const override;
  void move_to(void* storage) noexcept override { move_collection(*this, storage); }

 private:
  struct Table {
    Dict<double> scores;
    SkipList index;
    // Adds a member that is not present.
    void add(std::string_view member, double score);
  };

  // fn(member, score, offset of the member) over the listpack in order,
  // while fn returns true.
  template <class F>
  void for_each_packed(F&& fn) const {
    for (size_t off = pack_.begin(); off != pack_.end();) {
      const size_t at = off;
      const std::string_view member = pack_.get(off, &off);
      if (!fn(member, decode_score(pack_.get(off, &off)), at)) return;
    }
  }
  // Offset of member's element in the listpack, or pack_.end().
  size_t find_packed(std::string_view member, double* score) const;
  // The listpack members at ranks [from, from + count) in rank order.
  std::vector<ScoredMember> packed_ranks(uint64_t from, uint64_t count) const;
  void insert_packed(std::string_view member, double score);
  void erase_packed(size_t at);

  static double decode_score(std::string_view bytes);

  Listpack pack_;                 // members while a listpack
  std::unique_ptr<Table> table_;  // members once a skiplist
};

template <class Range>
bool ZSetType::range_start(const Range& r, bool reverse, uint64_t* rank) const {
  if (r.empty() || empty()) return false;
  if (table_) {
    const SkipList& list = table_->index;
    const SkipList::Node* n = reverse ? list.last_in(r) : list.first_in(r);
    if (!n) return false;
    *rank = list.rank(n->score, n->member()) - 1;
    return true;
  }
  // A listpack is in score order, so a score range's search can stop at
  // the first member that settles it, and the first and last members
  // cannot contradict what it found.
  constexpr bool kKeyOrder = std::is_same_v<Range, ScoreRange>;
  uint64_t at = 0;
  bool first_not_above = false, last_not_below = false, found = false, inside = false;
  for_each_packed([&](std::string_view m, double s, size_t) {
    const auto key = range_key(r, m, s);
    if (at == 0) first_not_above = r.below_max(key);
    last_not_below = r.above_min(key);
    if (reverse ? r.below_max(key) : !found && r.above_min(key)) {
      found = true;
      inside = reverse ? r.above_min(key) : r.below_max(key);
      *rank = at;
    }
    ++at;
    if constexpr (kKeyOrder) return reverse ? r.below_max(key) : !found;
    return true;
  });
  if constexpr (kKeyOrder) return found && inside;
  return first_not_above && last_not_below && found && inside;
}

template <class Range>
std::pair<uint64_t, uint64_t> ZSetType::rank_span(const Range& r) const {
  if (table_) {
    if (r.empty()) return {0, 0};
    const SkipList& list = table_->index;
    const SkipList::Node* first = list.first_in(r);
    if (!first) return {0, 0};
    const SkipList::Node* last = list.last_in(r);
    const uint64_t begin = list.rank(first->score, first->member()) - 1;
    // A lex range over members of different scores may find its last node
    // before its first: the span then holds the first, which is in range.
    return {begin, std::max(begin + 1, list.rank(last->score, last->member()))};
  }
  // As Redis's listpack: from the first member in range on, while members
  // stay below max.
  uint64_t first = 0;
  if (!range_start(r, false, &first)) return {0, 0};
  uint64_t end = first;
  walk(first, size() - first, false, [&](std::string_view m, double s) {
    if (!r.below_max(range_key(r, m, s))) return false;
    ++end;
    return true;
  });
  return {first, end};
}

template <class F>
void ZSetType::walk(uint64_t from, uint64_t count, bool reverse, F&& fn) const {
  if (table_) {
    const SkipList::Node* n = table_->index.at_rank(from + 1);
    for (; n && count > 0; --count) {
      if (!fn(n->member(), n->score)) return;
      n = reverse ? n->prev() : n->next();
    }
    return;
  }
  if (count == 0 || from >= size()) return;
  if (reverse) {
    const uint64_t low = count > from ? 0 : from + 1 - count;
    const std::vector<ScoredMember> items = packed_ranks(low, from + 1 - low);
    for (auto it = items.rbegin(); it != items.rend(); ++it)
      if (!fn(it->member, it->score)) return;
    return;
  }
  uint64_t rank = 0;
  for_each_packed([&](std::string_view m, double s, size_t) {
    if (rank++ < from) return true;
    return count-- > 0 && fn(m, s);
  });
}

// ---------------------------------------------------------------------------
// Shared by the sorted-set command files (zset_family.cpp, zset_algebra.cpp)
// ---------------------------------------------------------------------------

// A score argument as Redis's getDoubleFromObject reads it (ZADD scores,
// ZUNION weights): the whole string a double, no leading space, no NaN, no
// overflow.
bool parse_score(const std::string& s, double* out);

// Writes members with their scores when asked: flat (member, score, ...)
// or, when `pairs`, one [member, score] array each (RESP3 WITHSCORES).
void reply_scored(ExecContext& ctx, const std::vector<ScoredMember>& items, bool with_scores,
                  bool pairs);

// The zset-max-listpack-* limits a write obeys now.
ListpackLimits zset_limits(const ExecContext& ctx);

// Stores result at dst as Redis's setKey does (any old value and its TTL
// go), or deletes dst when result is empty, and reports the change. Returns
// how many members were stored; result is left empty.
size_t store_zset(ExecContext& ctx, const std::string& dst, ZSetType& result, std::string_view event);

// ---------------------------------------------------------------------------
// SkipList templates
// ---------------------------------------------------------------------------

template <class Before>
SkipList::Node* SkipList::find_update(Before&& before, Node** update) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && before(*x->levels()[i].forward)) x = x->levels()[i].forward;
    update[i] = x;
  }
  return x->levels()[0].forward;
}

template <class Keep, class F>
size_t SkipList::erase_while(Node* x, Node** update, Keep&& keep, F&& on_erase) {
  size_t removed = 0;
  while (x && keep(*x)) {
    Node* next = x->next();
    unlink(x, update);
    on_erase(x->member());
    ::operator delete(x);
    ++removed;
    x = next;
  }
  return removed;
}

template <class Range>
SkipList::Node* SkipList::first_in(const Range& r) const {
  if (r.empty()) return nullptr;
  Node* update[kMaxLevel];
  Node* x = find_update([&](const Node& n) { return !r.above_min(range_key(r, n)); }, update);
  return x && r.below_max(range_key(r, *x)) ? x : nullptr;
}

template <class Range>
SkipList::Node* SkipList::last_in(const Range& r) const {
  if (r.empty()) return nullptr;
  // find_update always sets update[0]; GCC's -O2 cannot see that and warns.
  Node* update[kMaxLevel] = {};
  find_update([&](const Node& n) { return r.below_max(range_key(r, n)); }, update);
  Node* x = update[0];
  return x != header_ && r.above_min(range_key(r, *x)) ? x : nullptr;
}

template <class Range, class F>
size_t SkipList::erase_range(const Range& r, F&& on_erase) {
  Node* update[kMaxLevel];
  Node* x = find_update([&](const Node& n) { return !r.above_min(range_key(r, n)); }, update);
  return erase_while(x, update, [&](const Node& n) { return r.below_max(range_key(r, n)); },
                     on_erase);
}

template <class F>
size_t SkipList::erase_rank_range(uint64_t start, uint64_t end, F&& on_erase) {
  Node* update[kMaxLevel];
  Node* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span < start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  uint64_t rank = traversed + 1;
  return erase_while(x->levels()[0].forward, update, [&](const Node&) { return rank++ <= end; },
                     on_erase);
}

}  // namespace shardis
