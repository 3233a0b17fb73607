#pragma once
// Listpack: the compact form of a small hash or sorted set, as Redis's
// listpack. One heap block holds every element back to back, so a hash of
// ten short fields costs one allocation instead of a table and ten nodes,
// and a lookup is a linear scan of consecutive bytes (fast at the sizes a
// listpack is allowed to reach: hash-/zset-max-listpack-entries).
//
// Block layout: [u32 total bytes][u16 element count] then the elements, each
// a length and the bytes. A length below 255 is one byte; longer ones are
// 0xff then four bytes, so the common element (at most
// *-max-listpack-value = 64 bytes) pays one byte of overhead. An empty
// listpack holds no block at all.
//
// The collections give the elements their meaning (HashType: field, value,
// field, value ...; ZSetType: member, score, ... in score order) and address
// them by byte offset: begin() .. end(), each get() returning the offset of
// the next one. Any change invalidates offsets after it and views into it.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace shardis {

// When a collection leaves its listpack: more than `entries` members (or
// fields), or one longer than `value` bytes. Both are CONFIG parameters
// (hash-max-listpack-*, zset-max-listpack-*), read when a command writes.
struct ListpackLimits {
  int64_t entries;
  int64_t value;

  bool fits(std::string_view element) const {
    return static_cast<int64_t>(element.size()) <= value;
  }
};

class Listpack {
 public:
  // Redis refuses to grow a listpack past 1 GB (lpSafeToAdd); the owner
  // converts instead. It also keeps our u32 sizes far from overflow.
  static constexpr size_t kMaxSafeBytes = size_t{1} << 30;

  Listpack() = default;
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack&) = delete;
  Listpack(Listpack&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  Listpack& operator=(Listpack&& other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  ~Listpack();

  void swap(Listpack& other) noexcept { std::swap(data_, other.data_); }

  // Elements. The count saturates at kCountUnknown, as Redis's lpLength
  // does, and is then found by walking: only a listpack whose limits were
  // raised past 65534 entries pays that.
  size_t size() const {
    if (!data_) return 0;
    const uint16_t n = read_u16(data_ + 4);
    return n != kCountUnknown ? n : count_by_walking();
  }
  size_t bytes() const { return data_ ? header(0) : 0; }
  size_t begin() const { return kHeaderBytes; }
  size_t end() const { return data_ ? header(0) : kHeaderBytes; }

  // The element at off (begin() <= off < end()); *next receives the offset
  // of the following one.
  std::string_view get(size_t off, size_t* next) const {
    const auto* p = reinterpret_cast<const unsigned char*>(data_ + off);
    size_t len = p[0];
    size_t head = 1;
    if (len == kLongLength) {
      len = read_u32(data_ + off + 1);
      head = 5;
    }
    *next = off + head + len;
    return {data_ + off + head, len};
  }

  // Whether elements of `more` bytes in all can be added.
  bool safe_to_add(size_t more) const { return bytes() + more <= kMaxSafeBytes; }

  // Replaces the `removed` elements in bytes [from, to) by `added`, in
  // one move of the tail and one reallocation. from == to inserts. The
  // added views must not point into this listpack.
  void splice(size_t from, size_t to, size_t removed, std::initializer_list<std::string_view> added);
  void clear();

 private:
  static constexpr size_t kHeaderBytes = 6;
  static constexpr unsigned char kLongLength = 0xff;
  static constexpr uint16_t kCountUnknown = 0xffff;

  static uint32_t read_u32(const char* p);
  static uint16_t read_u16(const char* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  size_t count_by_walking() const;
  uint32_t header(size_t at) const { return read_u32(data_ + at); }

  char* data_ = nullptr;
};

}  // namespace shardis
