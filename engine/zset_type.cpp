#include "engine/zset_type.hpp"

#include <new>
#include <random>
#include <utility>

namespace shardis {

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

int LexBound::compare(std::string_view member) const {
  switch (kind) {
    case Kind::kMinusInf: return -1;
    case Kind::kPlusInf: return 1;
    case Kind::kValue: break;
  }
  return value.compare(member);
}

bool LexRange::empty() const {
  // Infinite bounds compare by kind; "-" against "-" is an open point.
  int c;
  if (min.kind == LexBound::Kind::kValue && max.kind == LexBound::Kind::kValue) {
    c = min.value.compare(max.value);
  } else {
    c = static_cast<int>(min.kind) - static_cast<int>(max.kind);
  }
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

// ---------------------------------------------------------------------------
// SkipList
// ---------------------------------------------------------------------------

namespace {

// Orders nodes as the sorted set does: by score, then by member bytes.
bool less(double score_a, std::string_view a, double score_b, std::string_view b) {
  return score_a < score_b || (score_a == score_b && a < b);
}

}  // namespace

SkipList::SkipList() : header_(make_node(kMaxLevel, 0, {})) {}

SkipList::~SkipList() {
  Node* x = header_;
  while (x) {
    Node* next = x->next();
    ::operator delete(x);
    x = next;
  }
}

void SkipList::swap(SkipList& other) noexcept {
  std::swap(header_, other.header_);
  std::swap(tail_, other.tail_);
  std::swap(length_, other.length_);
  std::swap(level_, other.level_);
}

SkipList::Node* SkipList::make_node(int height, double score, std::string_view member) {
  void* mem = ::operator new(sizeof(Node) + static_cast<size_t>(height) * sizeof(Level));
  Node* n = new (mem) Node{score, member, nullptr};
  for (int i = 0; i < height; ++i) n->levels()[i] = Level{nullptr, 0};
  return n;
}

// Each further level with probability 1/4, as Redis's ZSKIPLIST_P.
int SkipList::random_level() {
  thread_local std::minstd_rand rng{0x5eed};
  int level = 1;
  while (level < kMaxLevel && (rng() & 3) == 0) ++level;
  return level;
}

SkipList::Node* SkipList::insert(double score, std::string_view member) {
  Node* update[kMaxLevel];
  uint64_t rank[kMaxLevel];  // rank of update[i]
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->levels()[i].forward &&
           less(x->levels()[i].forward->score, x->levels()[i].forward->member, score, member)) {
      rank[i] += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  const int height = random_level();
  if (height > level_) {
    for (int i = level_; i < height; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_->levels()[i].span = length_;
    }
    level_ = height;
  }
  x = make_node(height, score, member);
  for (int i = 0; i < height; ++i) {
    Level& prev = update[i]->levels()[i];
    x->levels()[i].forward = prev.forward;
    prev.forward = x;
    // prev's span splits around x: rank[0] - rank[i] steps reach x's
    // predecessor at level 0.
    x->levels()[i].span = prev.span - (rank[0] - rank[i]);
    prev.span = rank[0] - rank[i] + 1;
  }
  for (int i = height; i < level_; ++i) ++update[i]->levels()[i].span;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->next())
    x->next()->backward = x;
  else
    tail_ = x;
  ++length_;
  return x;
}

void SkipList::unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; ++i) {
    Level& prev = update[i]->levels()[i];
    if (prev.forward == x) {
      prev.span += x->levels()[i].span - 1;
      prev.forward = x->levels()[i].forward;
    } else {
      --prev.span;
    }
  }
  if (x->next())
    x->next()->backward = x->backward;
  else
    tail_ = x->backward;
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

bool SkipList::erase(double score, std::string_view member) {
  Node* update[kMaxLevel];
  Node* x = find_update([&](const Node& n) { return less(n.score, n.member, score, member); },
                        update);
  if (!x || x->score != score || x->member != member) return false;
  unlink(x, update);
  ::operator delete(x);
  return true;
}

uint64_t SkipList::rank(double score, std::string_view member) const {
  const Node* x = header_;
  uint64_t rank = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    // Advance while the next node is <= (score, member).
    while (x->levels()[i].forward &&
           !less(score, member, x->levels()[i].forward->score, x->levels()[i].forward->member)) {
      rank += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (x != header_ && x->score == score && x->member == member) return rank;
  }
  return 0;
}

SkipList::Node* SkipList::at_rank(uint64_t rank) const {
  Node* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= rank) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == rank) return x == header_ ? nullptr : x;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// ZSetType
// ---------------------------------------------------------------------------

bool ZSetType::set(std::string_view member, double score) {
  // Redis's compact encoding, which holds every small set, stores -0 as 0
  // (ZSCORE answers "0"); the skiplist keeps one zero for all sizes.
  if (score == 0) score = 0;
  auto [node, created] = scores_.insert(member);
  if (!created) {
    if (node->value == score) return false;
    index_.erase(node->value, node->key());
  }
  node->value = score;
  index_.insert(score, node->key());
  return created;
}

bool ZSetType::erase(std::string_view member) {
  Dict<double>::Node* node = scores_.find_node(member);
  if (!node) return false;
  index_.erase(node->value, node->key());
  scores_.erase(member);
  scores_.maybe_shrink();
  return true;
}

int64_t ZSetType::rank(std::string_view member, bool reverse) {
  Dict<double>::Node* node = scores_.find_node(member);
  if (!node) return -1;
  const uint64_t r = index_.rank(node->value, node->key());
  return static_cast<int64_t>(reverse ? index_.size() - r : r - 1);
}

size_t ZSetType::erase_rank_range(uint64_t start, uint64_t end) {
  const size_t n =
      index_.erase_rank_range(start + 1, end + 1, [&](std::string_view m) { scores_.erase(m); });
  scores_.maybe_shrink();
  return n;
}

std::unique_ptr<Collection> ZSetType::clone() const {
  auto copy = std::make_unique<ZSetType>();
  for (const SkipList::Node* n = index_.first(); n; n = n->next()) copy->set(n->member, n->score);
  return copy;
}

}  // namespace shardis
