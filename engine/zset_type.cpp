#include "engine/zset_type.hpp"

#include <cassert>
#include <cmath>
#include <cstring>
#include <new>
#include <random>
#include <string>
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
  Node* n = new (mem) Node{score, member.data(), nullptr};
  assert(n->member() == member);
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
           x->levels()[i].forward->before(score, member)) {
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

void SkipList::update_score(double old, std::string_view member, double score) {
  Node* update[kMaxLevel];
  Node* x = find_update([&](const Node& n) { return n.before(old, member); }, update);
  assert(x && x->score == old && x->member() == member);
  const Node* next = x->next();
  if ((!x->backward || x->backward->before(score, member)) &&
      (!next || next->after(score, member))) {
    x->score = score;
    return;
  }
  unlink(x, update);
  ::operator delete(x);
  insert(score, member);
}

bool SkipList::erase(double score, std::string_view member) {
  Node* update[kMaxLevel];
  Node* x = find_update([&](const Node& n) { return n.before(score, member); },
                        update);
  if (!x || x->score != score || x->member() != member) return false;
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
           !x->levels()[i].forward->after(score, member)) {
      rank += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (x != header_ && x->score == score && x->member() == member) return rank;
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

void ZSetType::Table::add(std::string_view member, double score) {
  Dict<double>::Node* node = scores.insert(member).first;
  node->value = score;
  index.insert(score, node->key());
}

namespace {

constexpr double kMaxPackedInt = 9007199254740992.0;  // 2^53: every integer below is exact

// A score as the listpack stores it (see the file comment of the header);
// buf holds at least 8 bytes.
std::string_view encode_score(double score, char* buf) {
  if (std::trunc(score) == score && std::fabs(score) <= kMaxPackedInt) {
    const auto v = static_cast<int64_t>(score);
    uint64_t zigzag = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    size_t n = 0;
    for (; zigzag != 0; zigzag >>= 8) buf[n++] = static_cast<char>(zigzag & 0xff);
    // Four bytes mean a float: such an integer takes a fifth, zero byte.
    if (n == sizeof(float)) buf[n++] = 0;
    return {buf, n};
  }
  const auto narrow = static_cast<float>(score);
  if (static_cast<double>(narrow) == score) {
    std::memcpy(buf, &narrow, sizeof narrow);
    return {buf, sizeof narrow};
  }
  std::memcpy(buf, &score, sizeof score);
  return {buf, sizeof score};
}

}  // namespace

double ZSetType::decode_score(std::string_view bytes) {
  if (bytes.size() == sizeof(double)) {
    double score;
    std::memcpy(&score, bytes.data(), sizeof score);
    return score;
  }
  if (bytes.size() == sizeof(float)) {
    float score;
    std::memcpy(&score, bytes.data(), sizeof score);
    return score;
  }
  uint64_t zigzag = 0;
  for (size_t i = bytes.size(); i-- > 0;)
    zigzag = (zigzag << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<double>(static_cast<int64_t>(zigzag >> 1) ^ -static_cast<int64_t>(zigzag & 1));
}

size_t ZSetType::find_packed(std::string_view member, double* score) const {
  size_t found = pack_.end();
  for_each_packed([&](std::string_view m, double s, size_t at) {
    if (m != member) return true;
    *score = s;
    found = at;
    return false;
  });
  return found;
}

void ZSetType::insert_packed(std::string_view member, double score) {
  size_t at = pack_.end();
  for_each_packed([&](std::string_view m, double s, size_t off) {
    if (!less(s, m, score, member)) {
      at = off;
      return false;
    }
    return true;
  });
  char buf[sizeof(double)];
  pack_.splice(at, at, 0, {member, encode_score(score, buf)});
}

void ZSetType::erase_packed(size_t at) {
  size_t end;
  pack_.get(at, &end);
  pack_.get(end, &end);
  pack_.splice(at, end, 2, {});
}

std::vector<ScoredMember> ZSetType::packed_ranks(uint64_t from, uint64_t count) const {
  std::vector<ScoredMember> out;
  out.reserve(count);
  walk(from, count, false, [&](std::string_view m, double s) {
    out.push_back({m, s});
    return true;
  });
  return out;
}

std::optional<ZSetType::Found> ZSetType::find(std::string_view member) {
  if (table_) {
    Dict<double>::Node* n = table_->scores.find_node(member);
    if (!n) return std::nullopt;
    return Found{n->value, 0, n};
  }
  double s;
  const size_t at = find_packed(member, &s);
  if (at == pack_.end()) return std::nullopt;
  return Found{s, at, nullptr};
}

void ZSetType::update(const Found& at, double score) {
  // Redis's listpack, which holds every small set, stores -0 as 0 (ZSCORE
  // answers "0"); the skiplist keeps one zero for all sizes.
  if (score == 0) score = 0;
  if (at.score == score) return;
  if (!table_) {
    size_t next = at.packed_at;
    // Re-inserted from a copy: the member's bytes live in the pack.
    const std::string copy(pack_.get(at.packed_at, &next));
    erase_packed(at.packed_at);
    insert_packed(copy, score);
    return;
  }
  table_->index.update_score(at.node->value, at.node->key(), score);
  at.node->value = score;
}

bool ZSetType::set(std::string_view member, double score, const ListpackLimits& limits) {
  if (score == 0) score = 0;  // one zero, as update() keeps it
  if (!table_) {
    double old;
    const size_t at = find_packed(member, &old);
    if (at != pack_.end()) {
      update(Found{old, at, nullptr}, score);
      return false;
    }
    if (static_cast<int64_t>(size()) + 1 > limits.entries || !limits.fits(member) ||
        !pack_.safe_to_add(member.size() + 2 * sizeof(double))) {
      convert_to_skiplist();
    } else {
      insert_packed(member, score);
      return true;
    }
  }
  auto [node, created] = table_->scores.insert(member);
  if (!created) {
    update(Found{node->value, 0, node}, score);
    return false;
  }
  node->value = score;
  table_->index.insert(score, node->key());
  return true;
}

bool ZSetType::erase(std::string_view member) {
  if (!table_) {
    double ignored;
    const size_t at = find_packed(member, &ignored);
    if (at == pack_.end()) return false;
    erase_packed(at);
    return true;
  }
  Dict<double>::Node* node = table_->scores.find_node(member);
  if (!node) return false;
  table_->index.erase(node->value, node->key());
  table_->scores.erase(member);
  table_->scores.maybe_shrink();
  return true;
}

int64_t ZSetType::rank(std::string_view member, bool reverse) {
  int64_t r = -1;
  if (table_) {
    Dict<double>::Node* node = table_->scores.find_node(member);
    if (!node) return -1;
    r = static_cast<int64_t>(table_->index.rank(node->value, node->key())) - 1;
  } else {
    int64_t i = 0;
    for_each_packed([&](std::string_view m, double, size_t) {
      if (m == member) r = i;
      ++i;
      return r < 0;
    });
    if (r < 0) return -1;
  }
  return reverse ? static_cast<int64_t>(size()) - 1 - r : r;
}

void ZSetType::convert_to_skiplist() {
  if (table_) return;
  auto table = std::make_unique<Table>();
  table->scores.reserve(size());
  for_each_packed([&](std::string_view m, double s, size_t) {
    table->add(m, s);
    return true;
  });
  table_ = std::move(table);
  pack_.clear();
}

size_t ZSetType::erase_rank_range(uint64_t start, uint64_t end) {
  if (!table_) {
    size_t from = pack_.end(), to = pack_.end();
    uint64_t rank = 0;
    for_each_packed([&](std::string_view, double, size_t at) {
      if (rank == start) from = at;
      if (rank == end + 1) {
        to = at;
        return false;
      }
      ++rank;
      return true;
    });
    pack_.splice(from, to, 2 * (end - start + 1), {});
    return end - start + 1;
  }
  const size_t n = table_->index.erase_rank_range(
      start + 1, end + 1, [&](std::string_view m) { table_->scores.erase(m); });
  table_->scores.maybe_shrink();
  return n;
}

std::unique_ptr<Collection> ZSetType::clone() const {
  // The copy keeps the representation, as Redis's COPY does.
  auto copy = std::make_unique<ZSetType>();
  if (!table_) {
    copy->pack_ = Listpack(pack_);
    return copy;
  }
  copy->table_ = std::make_unique<Table>();
  copy->table_->scores.reserve(size());
  for (const SkipList::Node* n = table_->index.first(); n; n = n->next())
    copy->table_->add(n->member(), n->score);
  return copy;
}

}  // namespace shardis
