#pragma once
// InlineString: the bytes of a string value, in the 32 bytes an Entry
// gives them. Up to 31 bytes live inside those 32 bytes, so a string key
// with a typical short value (a counter, a flag, an ETag, a 20-byte token)
// costs one allocation, its Dict node, instead of two. std::string keeps
// only 15 bytes inline in the same space, which is what made every value of
// 16 to 31 bytes cost a separate heap block.
//
// Longer values live in one malloc'd block that grows as Redis's sds does
// (doubling up to 1 MB, then by 1 MB), so APPEND stays amortised O(1).
//
// Layout: raw_[31] is the tag: the length (0..31) while inline, kHeapTag
// once on the heap; then raw_[0..23] hold {pointer, size, capacity}. The
// fields are read and written with memcpy, so there is no union punning.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace shardis {

class InlineString {
 public:
  static constexpr size_t kInlineCapacity = 31;

  InlineString() noexcept { raw_[kTagAt] = 0; }
  explicit InlineString(std::string_view s) {
    raw_[kTagAt] = 0;
    assign(s);
  }
  InlineString(const InlineString& other) : InlineString(other.view()) {}
  InlineString(InlineString&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    other.raw_[kTagAt] = 0;
  }
  InlineString& operator=(const InlineString& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  InlineString& operator=(InlineString&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(raw_, other.raw_, sizeof raw_);
      other.raw_[kTagAt] = 0;
    }
    return *this;
  }
  InlineString& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  ~InlineString() { release(); }

  size_t size() const { return on_heap() ? heap().size : raw_[kTagAt]; }
  bool empty() const { return size() == 0; }
  const char* data() const { return on_heap() ? heap().ptr : reinterpret_cast<const char*>(raw_); }
  char* data() { return on_heap() ? heap().ptr : reinterpret_cast<char*>(raw_); }
  std::string_view view() const { return {data(), size()}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like std::string
  std::string str() const { return std::string(view()); }
  bool on_heap() const { return raw_[kTagAt] == kHeapTag; }

  void assign(std::string_view s);
  void append(std::string_view s);
  // Grows with zero bytes or cuts to n bytes.
  void resize(size_t n);
  void clear() {
    release();
    raw_[kTagAt] = 0;
  }

  friend bool operator==(const InlineString& a, std::string_view b) { return a.view() == b; }

 private:
  struct Heap {
    char* ptr;
    uint64_t size;
    uint64_t cap;
  };
  static constexpr size_t kTagAt = 31;
  static constexpr unsigned char kHeapTag = 0xff;

  Heap heap() const {
    Heap h;
    std::memcpy(&h, raw_, sizeof h);
    return h;
  }
  void set_heap(const Heap& h) {
    std::memcpy(raw_, &h, sizeof h);
    raw_[kTagAt] = kHeapTag;
  }
  // Makes room for n bytes, keeping the current ones; returns the buffer.
  char* reserve(size_t n);
  void release() noexcept;

  alignas(8) unsigned char raw_[32];
};

static_assert(sizeof(InlineString) == 32, "Entry keeps its value in 32 bytes");

}  // namespace shardis
