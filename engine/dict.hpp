#pragma once
// Dict<V>: the per-database hash table, string keys to V.
//
// Chained hashing over power-of-two tables, rehashed incrementally as Redis
// does: while a resize is in progress two tables coexist and every lookup or
// update moves a few buckets from the old one to the new one, and the shard's
// cron moves more in bounded time slices. No single operation ever walks the
// whole table, so inserting the 10,000,001st key costs what the first did.
//
// scan() is Redis's reverse-binary cursor: incrementing the cursor from the
// high bit means a bucket index stays valid across a grow or shrink, so every
// key present for the whole scan is returned at least once (possibly twice).
// Checkpoints stream entries with the same cursor.

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "engine/hash.hpp"

namespace shardis {

template <class V>
class Dict {
 public:
  // One allocation per key: the key's bytes follow key_len directly (in
  // the struct's tail padding when it has some), so a lookup compares the
  // key in the cache lines it already loaded, and no key costs a second
  // block. The hash is not stored: a chain is filtered by length before
  // bytes are compared, and a rehash recomputes it from the key, which it
  // has just loaded anyway. That keeps a string key with a short value at
  // one 80-byte block (memory per key is benchmarked against Redis).
  struct Node {
    Node* next;
    V value;
    uint32_t key_len;  // keys are at most proto-max-bulk-len (< 4 GiB)

    const char* key_data() const { return reinterpret_cast<const char*>(&key_len + 1); }
    std::string_view key() const { return {key_data(), key_len}; }
  };

  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept { swap(other); }
  Dict& operator=(Dict&& other) noexcept {
    if (this != &other) {
      clear();
      swap(other);
    }
    return *this;
  }
  ~Dict() { clear(); }

  void swap(Dict& other) noexcept {
    std::swap(t_[0], other.t_[0]);
    std::swap(t_[1], other.t_[1]);
    std::swap(rehash_idx_, other.rehash_idx_);
    std::swap(pause_rehash_, other.pause_rehash_);
  }

  size_t size() const { return t_[0].used + t_[1].used; }
  bool empty() const { return size() == 0; }
  bool rehashing() const { return rehash_idx_ >= 0; }
  size_t buckets() const { return t_[0].size + t_[1].size; }

  Node* find_node(std::string_view key) {
    if (size() == 0) return nullptr;
    if (rehashing()) rehash_step();
    const uint64_t h = hash_bytes(key);
    for (int t = 0; t <= 1; ++t) {
      const Table& tb = t_[t];
      if (tb.size == 0) continue;
      for (Node* n = tb.buckets[h & tb.mask]; n; n = n->next)
        if (n->key_len == key.size() && std::memcmp(n->key_data(), key.data(), key.size()) == 0)
          return n;
      if (!rehashing()) break;
    }
    return nullptr;
  }

  V* find(std::string_view key) {
    Node* n = find_node(key);
    return n ? &n->value : nullptr;
  }

  // Returns the node for key, creating it with a default V if absent;
  // second is true when it was created.
  std::pair<Node*, bool> insert(std::string_view key) {
    if (Node* n = find_node(key)) return {n, false};
    expand_if_needed();
    const uint64_t h = hash_bytes(key);
    Table& tb = rehashing() ? t_[1] : t_[0];
    Node* n = make_node(key, tb.buckets[h & tb.mask]);
    tb.buckets[h & tb.mask] = n;
    ++tb.used;
    return {n, true};
  }

  bool erase(std::string_view key) {
    if (size() == 0) return false;
    if (rehashing()) rehash_step();
    const uint64_t h = hash_bytes(key);
    for (int t = 0; t <= 1; ++t) {
      Table& tb = t_[t];
      if (tb.size == 0) continue;
      Node** link = &tb.buckets[h & tb.mask];
      for (Node* n = *link; n; link = &n->next, n = n->next) {
        if (n->key_len == key.size() && std::memcmp(n->key_data(), key.data(), key.size()) == 0) {
          *link = n->next;
          free_node(n);
          --tb.used;
          return true;
        }
      }
      if (!rehashing()) break;
    }
    return false;
  }

  // Makes room for n keys at once (a restore knows how many will come), so
  // that the table does not grow step by step while they are inserted.
  void reserve(size_t n) {
    if (!rehashing() && n > t_[0].size) resize(n);
  }

  void clear() {
    for (Table& tb : t_) {
      for (uint64_t i = 0; i < tb.size; ++i) {
        Node* n = tb.buckets[i];
        while (n) {
          Node* next = n->next;
          free_node(n);
          n = next;
        }
      }
      free_buckets(tb.buckets, tb.size);
      tb = Table{};
    }
    rehash_idx_ = -1;
  }

  // Moves up to n buckets from the old table to the new one. Returns false
  // when no resize is in progress any more.
  bool rehash(int n) {
    if (!rehashing() || pause_rehash_ > 0) return rehashing();
    int empty_visits = n * 10;  // bound the work on sparse tables too
    while (n-- > 0 && t_[0].used != 0) {
      while (t_[0].buckets[rehash_idx_] == nullptr) {
        ++rehash_idx_;
        if (--empty_visits == 0) return true;
      }
      Node* node = t_[0].buckets[rehash_idx_];
      while (node) {
        Node* next = node->next;
        uint64_t idx = hash_bytes(node->key()) & t_[1].mask;
        node->next = t_[1].buckets[idx];
        t_[1].buckets[idx] = node;
        --t_[0].used;
        ++t_[1].used;
        node = next;
      }
      t_[0].buckets[rehash_idx_] = nullptr;
      ++rehash_idx_;
    }
    if (t_[0].used == 0) {
      free_buckets(t_[0].buckets, t_[0].size);
      t_[0] = t_[1];
      t_[1] = Table{};
      rehash_idx_ = -1;
      return false;
    }
    return true;
  }

  // Shrinks a table that is less than 10% full (called from the cron, as
  // Redis's htNeedsResize); starts an incremental rehash into a smaller table.
  void maybe_shrink() {
    if (rehashing() || t_[0].size <= kInitialSize) return;
    if (t_[0].used * 100 / t_[0].size < 10) resize(t_[0].used);
  }

  // Calls fn(node) for the keys of the bucket(s) at cursor and returns the
  // next cursor (0 when the scan is complete). fn must not insert or erase.
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    if (size() == 0) return 0;
    ++pause_rehash_;
    if (!rehashing()) {
      const Table& tb = t_[0];
      for (Node* n = tb.buckets[cursor & tb.mask]; n; n = n->next) fn(*n);
      cursor = next_cursor(cursor, tb.mask);
    } else {
      const Table* small = &t_[0];
      const Table* large = &t_[1];
      if (small->size > large->size) std::swap(small, large);
      const uint64_t m0 = small->mask;
      const uint64_t m1 = large->mask;
      for (Node* n = small->buckets[cursor & m0]; n; n = n->next) fn(*n);
      // Every bucket of the larger table that expands the small one's index.
      do {
        for (Node* n = large->buckets[cursor & m1]; n; n = n->next) fn(*n);
        cursor = next_cursor(cursor, m1);
      } while (cursor & (m0 ^ m1));
    }
    --pause_rehash_;
    return cursor;
  }

  // Where a long walk with scan() will be a few cursors from now.
  struct ScanAhead {
    uint64_t mask = 0;    // of the table the positions below belong to; 0 = none
    uint64_t expect = 0;  // the cursor the next call should bring
    uint64_t near = 0, far = 0;
  };
  // A walk over a large table with scan() misses the cache twice per
  // bucket (the slot, then its first node), in bit-reversed order that no
  // hardware prefetcher follows. A long walk (a checkpoint streaming a
  // shard) calls this before each scan(cursor): it asks for the slot 16
  // cursors ahead and for the first node 8 ahead, whose slot was asked for
  // 8 calls earlier. A hint only: nothing changes.
  void prefetch_ahead(uint64_t cursor, ScanAhead& a) const {
    if (rehashing() || size() == 0) {
      a.mask = 0;
      return;
    }
    const Table& tb = t_[0];
    if (a.mask != tb.mask || a.expect != cursor) {
      a.mask = tb.mask;
      a.near = cursor;
      for (int i = 0; i < 8; ++i) a.near = next_cursor(a.near, tb.mask);
      a.far = a.near;
      for (int i = 0; i < 8; ++i) a.far = next_cursor(a.far, tb.mask);
    } else {
      a.near = next_cursor(a.near, tb.mask);
      a.far = next_cursor(a.far, tb.mask);
    }
    a.expect = next_cursor(cursor, tb.mask);
    __builtin_prefetch(&tb.buckets[a.far & tb.mask]);
    if (const Node* n = tb.buckets[a.near & tb.mask]) __builtin_prefetch(n);
  }

  // Visits every node (both tables). fn must not insert or erase. The slots
  // are read in order; the first node of the slot kPrefetchSlots ahead is
  // asked for in advance, as each is a cache miss in a large table (a SAVE
  // of 1.2M keys: 1.05 -> 0.94 s).
  template <class F>
  void for_each(F&& fn) {
    visit_all<Node>(t_, fn);
  }
  template <class F>
  void for_each(F&& fn) const {
    visit_all<const Node>(t_, fn);
  }

  // A random node, as Redis's dictGetRandomKey: a random non-empty bucket,
  // then a random node of its chain. nullptr when empty.
  template <class Rng>
  Node* random_node(Rng& rng) {
    if (size() == 0) return nullptr;
    if (rehashing()) rehash_step();
    Node* head = nullptr;
    if (rehashing()) {
      // Buckets below rehash_idx_ of the old table are empty.
      const uint64_t span = t_[0].size + t_[1].size - static_cast<uint64_t>(rehash_idx_);
      do {
        uint64_t i = static_cast<uint64_t>(rehash_idx_) + rng() % span;
        head = i >= t_[0].size ? t_[1].buckets[i - t_[0].size] : t_[0].buckets[i];
      } while (!head);
    } else {
      do {
        head = t_[0].buckets[rng() & t_[0].mask];
      } while (!head);
    }
    size_t len = 0;
    for (Node* n = head; n; n = n->next) ++len;
    size_t pick = rng() % len;
    while (pick--) head = head->next;
    return head;
  }

 private:
  static constexpr uint64_t kInitialSize = 4;
  static constexpr uint64_t kPrefetchSlots = 8;  // for_each's look-ahead

  // for_each's walk, for both constnesses (N is Node or const Node).
  template <class N, class Tables, class F>
  static void visit_all(Tables& tables, F& fn) {
    for (auto& tb : tables)
      for (uint64_t i = 0; i < tb.size; ++i) {
        if (i + kPrefetchSlots < tb.size)
          if (const Node* ahead = tb.buckets[i + kPrefetchSlots]) __builtin_prefetch(ahead);
        for (N* n = tb.buckets[i]; n; n = n->next) fn(*n);
      }
  }

  // Where key_data() is: members are laid out in order, each at the next
  // multiple of its alignment (offsetof is not usable on a Node whose V is
  // not standard-layout, such as Entry). make_node checks it.
  static constexpr size_t kKeyOffset =
      (sizeof(Node*) + sizeof(V) + alignof(uint32_t) - 1) / alignof(uint32_t) *
          alignof(uint32_t) +
      sizeof(uint32_t);
  static_assert(alignof(V) <= alignof(Node*), "value directly follows next");

  static Node* make_node(std::string_view key, Node* next) {
    // At least sizeof(Node), so the object itself is wholly allocated.
    void* mem = ::operator new(std::max(sizeof(Node), kKeyOffset + key.size()));
    Node* n = new (mem) Node{next, V{}, static_cast<uint32_t>(key.size())};
    assert(n->key_data() == reinterpret_cast<const char*>(n) + kKeyOffset);
    std::memcpy(const_cast<char*>(n->key_data()), key.data(), key.size());
    return n;
  }

  static void free_node(Node* n) {
    n->~Node();
    ::operator delete(n);
  }

  struct Table {
    Node** buckets = nullptr;
    uint64_t size = 0;
    uint64_t mask = 0;
    uint64_t used = 0;
  };

  static uint64_t next_cursor(uint64_t v, uint64_t mask) {
    // Set the unmasked bits so incrementing the reversed cursor carries
    // into the masked ones, then reverse back.
    v |= ~mask;
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
  }

  static uint64_t reverse_bits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }

  // A large table comes straight from mmap: zeroed pages the kernel maps
  // on first touch, which the incremental rehash spreads out. new[]() would
  // write every byte at once (16 MB for 2M buckets), and so would a calloc
  // served from the heap, which glibc does once its dynamic mmap threshold
  // has risen (shardis-server pins the threshold with mallopt, an
  // embedding process does not).
  static constexpr size_t kMmapBytes = 1 << 20;

  static Node** alloc_buckets(uint64_t size) {
    const size_t bytes = size * sizeof(Node*);
    void* p;
    if (bytes >= kMmapBytes) {
      p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
    } else {
      p = std::calloc(size, sizeof(Node*));
      if (!p) throw std::bad_alloc();
    }
    return static_cast<Node**>(p);
  }

  static void free_buckets(Node** buckets, uint64_t size) {
    if (!buckets) return;
    const size_t bytes = size * sizeof(Node*);
    if (bytes >= kMmapBytes) {
      munmap(buckets, bytes);
    } else {
      std::free(buckets);
    }
  }

  void rehash_step() {
    if (pause_rehash_ == 0) rehash(1);
  }

  void expand_if_needed() {
    if (rehashing()) return;
    if (t_[0].size == 0) {
      resize(kInitialSize);
    } else if (t_[0].used >= t_[0].size) {
      resize(t_[0].used + 1);
    }
  }

  // Starts a rehash into a table of the smallest power of two >= want (or
  // allocates the first table): a full table doubles, as Redis's does.
  void resize(uint64_t want) {
    uint64_t size = kInitialSize;
    while (size < want && size < (1ULL << 62)) size <<= 1;
    if (t_[0].size == size) return;
    Table tb;
    tb.buckets = alloc_buckets(size);
    tb.size = size;
    tb.mask = size - 1;
    if (t_[0].size == 0) {
      t_[0] = tb;
      return;
    }
    t_[1] = tb;
    rehash_idx_ = 0;
  }

  Table t_[2];
  int64_t rehash_idx_ = -1;
  int pause_rehash_ = 0;
};

}  // namespace shardis
