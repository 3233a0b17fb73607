#pragma once
// The value of a sorted-set key: member -> score, plus the members ordered
// by (score, member).
//
// Two structures hold the same members, as in Redis: a Dict answers "what
// is the score of m" in O(1), and a skiplist keeps the order. The skiplist
// is Pugh's, with Redis's two additions: every forward link records its
// span (how many level-0 steps it jumps), so the rank of a member and the
// member at a rank are found in O(log n) by summing spans along the search
// path; and level 0 is doubly linked, so a range is walked in either
// direction once its first node is found. ZRANGE by rank, score or lex is
// therefore O(log n + m).
//
// A member's bytes are stored once: the Dict node holds them inline, and the
// skiplist node views them. Dict nodes never move (rehashing relinks them),
// so the view stays valid until the member is erased, and erasing removes
// the skiplist node before the Dict node.
//
// The compact listpack form Redis uses for small sets is not implemented
// yet: every sorted set is a "skiplist".

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dict.hpp"
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
    std::string_view member;  // bytes owned by the caller (see the file comment)
    Node* backward;           // level 0 only; nullptr for the first node
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

  // Adds (score, member), which must not be present; member's bytes must
  // outlive the node.
  Node* insert(double score, std::string_view member);
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

class ZSetType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kZSet;
  static constexpr Encoding kEncoding = Encoding::kSkiplist;

  size_t size() const { return scores_.size(); }
  bool empty() const { return scores_.empty(); }
  // Exchanges the members of two sets: nodes stay where they are, so views
  // of member bytes stay valid (ZUNIONSTORE builds its result aside, then
  // swaps it into the destination).
  void swap(ZSetType& other) noexcept {
    scores_.swap(other.scores_);
    index_.swap(other.index_);
  }

  // The score of member, nullptr when absent.
  const double* score(std::string_view member) { return scores_.find(member); }
  // Adds member with score or moves it to score; true when it was added.
  bool set(std::string_view member, double score);
  bool erase(std::string_view member);
  // 0-based rank counted from the lowest (or, reverse, the highest) score;
  // -1 when member is absent.
  int64_t rank(std::string_view member, bool reverse);

  const SkipList& index() const { return index_; }
  // ZSCAN's walk: fn(member, score) for the bucket(s) at cursor of the
  // member index; returns the next cursor (see Dict::scan).
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    return scores_.scan(cursor, [&](Dict<double>::Node& n) { fn(n.key(), n.value); });
  }

  // Removes the members in a ScoreRange or LexRange; returns how many.
  template <class Range>
  size_t erase_range(const Range& r) {
    const size_t n = index_.erase_range(r, [&](std::string_view m) { scores_.erase(m); });
    scores_.maybe_shrink();
    return n;
  }
  // 0-based inclusive ranks, already clamped to the set.
  size_t erase_rank_range(uint64_t start, uint64_t end);

  std::unique_ptr<Collection> clone() const override;

 private:
  Dict<double> scores_;
  SkipList index_;
};

// ---------------------------------------------------------------------------
// Shared by the sorted-set command files (zset_family.cpp, zset_algebra.cpp)
// ---------------------------------------------------------------------------

// A member and its score as a command collects them for a reply or a
// store. member views bytes that live at least until the command ends.
struct ScoredMember {
  std::string_view member;
  double score;
};

// A score argument as Redis's getDoubleFromObject reads it (ZADD scores,
// ZUNION weights): the whole string a double, no leading space, no NaN, no
// overflow.
bool parse_score(const std::string& s, double* out);

// Writes members with their scores when asked: flat (member, score, ...)
// or, when `pairs`, one [member, score] array each (RESP3 WITHSCORES).
void reply_scored(ExecContext& ctx, const std::vector<ScoredMember>& items, bool with_scores,
                  bool pairs);

// Stores result at dst as Redis's setKey does (any old value and its TTL
// go), or deletes dst when result is empty, and reports the change. Returns
// how many members were stored; result is left empty.
size_t store_zset(ExecContext& ctx, const std::string& dst, ZSetType& result);

// What a range bounds in a node: its score, or its member for a lex range.
inline double range_key(const ScoreRange&, const SkipList::Node& n) {
  return n.score;
}
inline std::string_view range_key(const LexRange&, const SkipList::Node& n) {
  return n.member;
}

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
    on_erase(x->member);
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
  Node* update[kMaxLevel];
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
