#include "engine/list_type.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace shardis {

namespace {

// Node caps for list-max-listpack-size -1 .. -5, as Redis's quicklist.
constexpr size_t kNodeBytes[] = {4096, 8192, 16384, 32768, 65536};
// A count-limited node (positive fill) still stops at this many bytes.
constexpr size_t kSafetyBytes = 8192;
constexpr int kMaxFill = (1 << 15) - 1;

// ---------------------------------------------------------------------------
// Element encoding: varint(len) bytes backlen(len)
// ---------------------------------------------------------------------------

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t entry_size(size_t len) {
  return len + 2 * varint_size(len);
}

// LEB128: low seven bits first, the high bit set on every byte but the last.
char* put_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// The same bytes in reverse order, so that a reader walking backwards from
// the end of an element meets them in LEB128 order.
char* put_backlen(char* p, uint64_t v) {
  char* end = p + varint_size(v);
  char* q = end;
  while (v >= 0x80) {
    *--q = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *--q = static_cast<char>(v);
  return end;
}

uint64_t get_varint(const char* p, size_t* n) {
  uint64_t v = 0;
  size_t i = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(p[i++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *n = i;
  return v;
}

// Reads the backlen that ends just before `end`.
uint64_t get_backlen(const char* end, size_t* n) {
  uint64_t v = 0;
  size_t i = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(end[-static_cast<ptrdiff_t>(++i)]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *n = i;
  return v;
}

void write_entry(char* p, std::string_view value) {
  p = put_varint(p, value.size());
  std::memcpy(p, value.data(), value.size());
  put_backlen(p + value.size(), value.size());
}

}  // namespace

// ---------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------

ListType::Node::Node(const Node& other) : bytes_(other.bytes_), count_(other.count_) {
  if (bytes_ == 0) return;
  data_ = static_cast<char*>(std::malloc(bytes_));
  if (!data_) throw std::bad_alloc();
  std::memcpy(data_, other.data_, bytes_);
  cap_ = bytes_;
}

ListType::Node::Node(Node&& other) noexcept
    : data_(other.data_), bytes_(other.bytes_), cap_(other.cap_), count_(other.count_) {
  other.data_ = nullptr;
  other.bytes_ = other.cap_ = other.count_ = 0;
}

ListType::Node& ListType::Node::operator=(Node&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    bytes_ = other.bytes_;
    cap_ = other.cap_;
    count_ = other.count_;
    other.data_ = nullptr;
    other.bytes_ = other.cap_ = other.count_ = 0;
  }
  return *this;
}

ListType::Node::~Node() {
  std::free(data_);
}

std::string_view ListType::Node::value_at(size_t off) const {
  size_t h;
  const uint64_t len = get_varint(data_ + off, &h);
  return {data_ + off + h, static_cast<size_t>(len)};
}

size_t ListType::Node::next(size_t off) const {
  size_t h;
  const uint64_t len = get_varint(data_ + off, &h);
  return off + h + len + h;  // the backlen takes as many bytes as the header
}

size_t ListType::Node::prev(size_t off) const {
  size_t b;
  const uint64_t len = get_backlen(data_ + off, &b);
  return off - b - len - b;
}

size_t ListType::Node::offset_of(size_t i) const {
  if (i <= count_ / 2) {
    size_t off = 0;
    while (i-- > 0) off = next(off);
    return off;
  }
  size_t off = bytes_;
  for (size_t back = count_ - i; back > 0; --back) off = prev(off);
  return off;
}

void ListType::Node::reserve(size_t need) {
  if (need <= cap_) return;
  if (need > std::numeric_limits<uint32_t>::max())
    throw std::length_error("list node larger than 4 GiB");
  // Growing by a quarter keeps the copies amortised while wasting far less
  // than doubling would; a full node gives its slack back in shrink().
  size_t cap = std::max<size_t>(need, cap_ + cap_ / 4);
  cap = std::min<size_t>((cap + 15) & ~size_t{15}, std::numeric_limits<uint32_t>::max());
  auto* grown = static_cast<char*>(std::realloc(data_, cap));
  if (!grown) throw std::bad_alloc();
  data_ = grown;
  cap_ = static_cast<uint32_t>(cap);
}

void ListType::Node::insert(size_t off, std::string_view value) {
  const size_t n = entry_size(value.size());
  reserve(bytes_ + n);
  std::memmove(data_ + off + n, data_ + off, bytes_ - off);
  write_entry(data_ + off, value);
  bytes_ += static_cast<uint32_t>(n);
  ++count_;
}

void ListType::Node::erase(size_t from, size_t to, uint32_t n) {
  std::memmove(data_ + from, data_ + to, bytes_ - to);
  bytes_ -= static_cast<uint32_t>(to - from);
  count_ -= n;
}

void ListType::Node::append(const char* p, size_t len, uint32_t n) {
  reserve(bytes_ + len);
  std::memcpy(data_ + bytes_, p, len);
  bytes_ += static_cast<uint32_t>(len);
  count_ += n;
}

uint32_t ListType::Node::remove_matching(std::string_view value, size_t* skip, size_t* left) {
  size_t kept = 0;
  uint32_t removed = 0;
  for (size_t off = 0; off < bytes_;) {
    const size_t end = next(off);
    bool drop = false;
    if (*left > 0 && value_at(off) == value) {
      if (*skip > 0) {
        --*skip;
      } else {
        drop = true;
        --*left;
      }
    }
    if (drop) {
      ++removed;
    } else {
      if (kept != off) std::memmove(data_ + kept, data_ + off, end - off);
      kept += end - off;
    }
    off = end;
  }
  bytes_ = static_cast<uint32_t>(kept);
  count_ -= removed;
  return removed;
}

void ListType::Node::shrink() {
  if (cap_ == bytes_ || bytes_ == 0) return;
  if (auto* p = static_cast<char*>(std::realloc(data_, bytes_))) {
    data_ = p;
    cap_ = bytes_;
  }
}

// ---------------------------------------------------------------------------
// Iterator
// ---------------------------------------------------------------------------

void ListType::Iterator::next() {
  const Node& n = list_->nodes_[node_];
  off_ = n.next(off_);
  if (off_ >= n.bytes()) {
    ++node_;
    off_ = 0;
  }
}

void ListType::Iterator::prev() {
  if (off_ > 0) {
    off_ = list_->nodes_[node_].prev(off_);
    return;
  }
  if (node_ == 0) {
    node_ = std::numeric_limits<size_t>::max();
    return;
  }
  --node_;
  const Node& n = list_->nodes_[node_];
  off_ = n.prev(n.bytes());
}

// ---------------------------------------------------------------------------
// ListType
// ---------------------------------------------------------------------------

void ListType::set_fill(int fill) {
  fill_ = std::clamp(fill, -5, kMaxFill);
}

bool ListType::within_limit(size_t bytes, size_t count) const {
  if (fill_ < 0) return bytes <= kNodeBytes[-fill_ - 1];
  return count <= static_cast<size_t>(fill_) && bytes <= kSafetyBytes;
}

bool ListType::has_room(const Node& n, size_t value_len) const {
  return n.count() == 0 || within_limit(n.bytes() + entry_size(value_len), n.count() + 1);
}

bool ListType::fit_together(size_t i) const {
  return within_limit(size_t{nodes_[i].bytes()} + nodes_[i + 1].bytes(),
                      size_t{nodes_[i].count()} + nodes_[i + 1].count());
}

std::pair<size_t, size_t> ListType::locate(size_t index) const {
  if (index < size_ / 2) {
    for (size_t i = 0;; ++i) {
      if (index < nodes_[i].count()) return {i, index};
      index -= nodes_[i].count();
    }
  }
  size_t after = size_ - 1 - index;  // elements behind the one we want
  for (size_t i = nodes_.size() - 1;; --i) {
    if (after < nodes_[i].count()) return {i, nodes_[i].count() - 1 - after};
    after -= nodes_[i].count();
  }
}

void ListType::push(End end, std::string_view value) {
  // A node that stops growing gives back its slack before the next starts.
  if (end == End::kTail) {
    if (nodes_.empty() || !has_room(nodes_.back(), value.size())) {
      if (!nodes_.empty()) nodes_.back().shrink();
      nodes_.emplace_back();
    }
    nodes_.back().insert(nodes_.back().bytes(), value);
  } else {
    if (nodes_.empty() || !has_room(nodes_.front(), value.size())) {
      if (!nodes_.empty()) nodes_.front().shrink();
      nodes_.emplace(nodes_.begin());
    }
    nodes_.front().insert(0, value);
  }
  ++size_;
}

std::string ListType::pop(End end) {
  const bool tail = end == End::kTail;
  Node& n = tail ? nodes_.back() : nodes_.front();
  const size_t from = tail ? n.prev(n.bytes()) : 0;
  const size_t to = tail ? n.bytes() : n.next(0);
  std::string out(n.value_at(from));
  n.erase(from, to, 1);
  if (n.count() == 0) nodes_.erase(tail ? nodes_.end() - 1 : nodes_.begin());
  --size_;
  return out;
}

std::string_view ListType::at(size_t index) const {
  const auto [n, i] = locate(index);
  return nodes_[n].value_at(nodes_[n].offset_of(i));
}

ListType::Iterator ListType::iterator_at(size_t index) const {
  const auto [n, i] = locate(index);
  return {this, n, nodes_[n].offset_of(i)};
}

void ListType::set(size_t index, std::string_view value) {
  const auto [n, i] = locate(index);
  Node& node = nodes_[n];
  const size_t off = node.offset_of(i);
  node.erase(off, node.next(off), 1);
  node.insert(off, value);
  rebalance(n);
}

void ListType::insert(size_t index, std::string_view value) {
  if (index == 0) return push(End::kHead, value);
  if (index == size_) return push(End::kTail, value);
  const auto [n, i] = locate(index);
  nodes_[n].insert(nodes_[n].offset_of(i), value);
  ++size_;
  rebalance(n);
}

void ListType::erase(size_t first, size_t count) {
  if (count == 0) return;
  auto [n, i] = locate(first);
  size_ -= count;
  auto erase_front = [&](Node& node, size_t from_index, size_t k) {
    const size_t from = node.offset_of(from_index);
    size_t to = from;
    for (size_t j = 0; j < k; ++j) to = node.next(to);
    node.erase(from, to, static_cast<uint32_t>(k));
    count -= k;
  };
  if (i > 0) {
    erase_front(nodes_[n], i, std::min<size_t>(count, nodes_[n].count() - i));
    ++n;
  }
  size_t whole = n;
  while (whole < nodes_.size() && count > 0 && count >= nodes_[whole].count())
    count -= nodes_[whole++].count();
  nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(n),
               nodes_.begin() + static_cast<ptrdiff_t>(whole));
  if (count > 0) erase_front(nodes_[n], 0, count);
  // The nodes either side of the cut may now fit together, or with theirs.
  merge_range(n >= 2 ? n - 2 : 0, n + 1);
}

size_t ListType::remove(std::string_view value, int64_t count) {
  // count < 0 removes the last -count matches: the same as removing from
  // the head after skipping all but that many. (Negated unsigned, so that
  // INT64_MIN does not overflow.)
  size_t left = count == 0 ? std::numeric_limits<size_t>::max()
                           : (count > 0 ? static_cast<size_t>(count)
                                        : static_cast<size_t>(0 - static_cast<uint64_t>(count)));
  size_t skip = 0;
  if (count < 0) {
    size_t matches = 0;
    for (Iterator it = begin(); !it.done(); it.next()) matches += it.value() == value;
    skip = matches > left ? matches - left : 0;
  }
  size_t removed = 0;
  for (Node& n : nodes_) {
    if (left == 0) break;
    removed += n.remove_matching(value, &skip, &left);
  }
  if (removed == 0) return 0;
  size_ -= removed;
  std::erase_if(nodes_, [](const Node& n) { return n.count() == 0; });
  merge_range(0, nodes_.size());
  return removed;
}

void ListType::rebalance(size_t i) {
  if (split_to_fit(i) == 1) merge_range(i > 0 ? i - 1 : 0, i + 1);
}

size_t ListType::split_to_fit(size_t i) {
  Node& n = nodes_[i];
  if (n.count() <= 1 || within_limit(n.bytes(), n.count())) return 1;
  const uint32_t half = n.count() / 2;
  const size_t off = n.offset_of(half);
  Node right;
  right.append(n.data() + off, n.bytes() - off, n.count() - half);
  n.erase(off, n.bytes(), n.count() - half);
  n.shrink();
  nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(i) + 1, std::move(right));
  const size_t left_parts = split_to_fit(i);
  return left_parts + split_to_fit(i + left_parts);
}

void ListType::merge_range(size_t lo, size_t hi) {
  for (size_t i = lo; i < hi && i + 1 < nodes_.size();) {
    if (!fit_together(i)) {
      ++i;
      continue;
    }
    const Node& next = nodes_[i + 1];
    nodes_[i].append(next.data(), next.bytes(), next.count());
    nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(i) + 1);
    --hi;
  }
}

bool ListType::invariants_hold() const {
  size_t total = 0;
  for (const Node& n : nodes_) {
    if (n.count() == 0) return false;
    if (n.count() > 1 && !within_limit(n.bytes(), n.count())) return false;
    size_t off = 0;
    for (uint32_t i = 0; i < n.count(); ++i) off = n.next(off);
    if (off != n.bytes()) return false;
    total += n.count();
  }
  return total == size_;
}

std::unique_ptr<Collection> ListType::clone() const {
  auto copy = std::make_unique<ListType>(fill_);
  copy->nodes_ = std::vector<Node>(nodes_);  // Node is copy-constructible only
  copy->size_ = size_;
  return copy;
}

}  // namespace shardis
