#pragma once
// The value of a list key: strings pushed and popped at both ends, read by
// index and by range.
//
// Stored as Redis's quicklist is, for the same reasons: a vector of nodes,
// each one malloc'd buffer holding up to list-max-listpack-size of
// elements packed back to back (8 KB by default). An element costs its
// bytes plus a length before and after it, not a heap string of its own, so
// a long list of small elements takes little more than its payload, and
// LRANGE reads consecutive memory. The length after the element lets a
// node be walked from its tail, so both ends are O(1).
//
// Pushes fill the end node and start a new one when it is full; inserts
// and replacements in the middle may overfill a node, which is then split
// in halves; deletions merge neighbours that fit together again. Which
// node holds an element is invisible to commands: only memory and speed
// depend on it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/value.hpp"

namespace shardis {

class ListType final : public Collection {
 public:
  static constexpr ValueType kType = ValueType::kList;
  static constexpr Encoding kEncoding = Encoding::kQuicklist;
  // list-max-listpack-size: negative -1..-5 caps a node at 4, 8, 16, 32 or
  // 64 KB; positive caps it at that many elements (and 8 KB).
  static constexpr int kDefaultFill = -2;

  enum class End : uint8_t { kHead, kTail };

 private:
  // One packed node. Each element is varint(len), its bytes, then len
  // again as a varint written backwards, which is what lets a walk step
  // from the end of an element to its start.
  class Node {
   public:
    Node() = default;
    Node(const Node& other);
    Node(Node&& other) noexcept;
    Node& operator=(Node&& other) noexcept;
    Node& operator=(const Node&) = delete;
    ~Node();

    uint32_t bytes() const { return bytes_; }
    uint32_t count() const { return count_; }
    const char* data() const { return data_; }

    // The element starting at byte off, and where the next one starts.
    std::string_view value_at(size_t off) const;
    size_t next(size_t off) const;
    size_t prev(size_t off) const;  // off > 0
    // The byte offset of element i (i <= count), walked from the nearer end.
    size_t offset_of(size_t i) const;

    // Writes value as a new element at byte off (an element boundary).
    void insert(size_t off, std::string_view value);
    // Removes the n elements in bytes [from, to).
    void erase(size_t from, size_t to, uint32_t n);
    // Appends n elements packed in bytes [p, p + len).
    void append(const char* p, size_t len, uint32_t n);
    // LREM within this node: removes elements equal to value while *left
    // > 0, after letting *skip of them stay; both count down.
    uint32_t remove_matching(std::string_view value, size_t* skip, size_t* left);
    // Releases unused capacity (a node that will not grow soon).
    void shrink();

   private:
    void reserve(size_t need);
    char* data_ = nullptr;
    uint32_t bytes_ = 0;
    uint32_t cap_ = 0;
    uint32_t count_ = 0;
  };

 public:
  explicit ListType(int fill = kDefaultFill) { set_fill(fill); }
  // The node limit (list-max-listpack-size) this list uses from now on;
  // Redis fixes it when the list is created.
  void set_fill(int fill);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // How many nodes the elements occupy (tests check splits and merges).
  size_t node_count() const { return nodes_.size(); }
  // Every node within the fill limit unless it holds a single element, no
  // empty node, counts adding up: what the operations keep true.
  bool invariants_hold() const;

  void push(End end, std::string_view value);
  // Removes and returns the element at end; the list must not be empty.
  std::string pop(End end);
  // The element at index (< size()), valid until the list changes.
  std::string_view at(size_t index) const;
  // Replaces the element at index (< size()).
  void set(size_t index, std::string_view value);
  // Inserts value before the element at index; index == size() appends.
  void insert(size_t index, std::string_view value);
  // Removes count elements from index first on (first + count <= size()).
  void erase(size_t first, size_t count);
  // LREM: removes elements equal to value, the first `count` from the
  // head (count > 0), the last -count (count < 0) or all (0). Returns how
  // many went.
  size_t remove(std::string_view value, int64_t count);

  // A position in the list for walking it either way; any change to the
  // list invalidates it.
  class Iterator {
   public:
    bool done() const { return node_ >= list_->nodes_.size(); }
    std::string_view value() const { return list_->nodes_[node_].value_at(off_); }
    void next();
    void prev();

   private:
    friend class ListType;
    Iterator(const ListType* list, size_t node, size_t off) : list_(list), node_(node), off_(off) {}
    const ListType* list_;
    size_t node_;  // nodes_.size() or more: past either end
    size_t off_;
  };
  // An iterator on the head element (done() when the list is empty).
  Iterator begin() const { return {this, 0, 0}; }
  // An iterator on the element at index (< size()).
  Iterator iterator_at(size_t index) const;

  std::unique_ptr<Collection> clone() const override;
  void move_to(void* storage) noexcept override { move_collection(*this, storage); }

 private:
  // Node and element index within it of list index (< size()).
  std::pair<size_t, size_t> locate(size_t index) const;
  bool within_limit(size_t bytes, size_t count) const;
  // Whether node n can take one more element of `value_len` bytes.
  bool has_room(const Node& n, size_t value_len) const;
  bool fit_together(size_t i) const;  // nodes i and i + 1
  // After a change inside node i (not emptied): splits it while it is too
  // big, else merges it with neighbours it fits with.
  void rebalance(size_t i);
  // Splits node i in halves until every part fits; returns the parts.
  size_t split_to_fit(size_t i);
  // Merges neighbours that fit together among nodes lo..hi.
  void merge_range(size_t lo, size_t hi);

  std::vector<Node> nodes_;
  size_t size_ = 0;
  int fill_;
};

}  // namespace shardis
