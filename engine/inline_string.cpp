#include "engine/inline_string.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace shardis {

namespace {

// sds's growth rule: double while small, then grow by 1 MB at a time, so a
// value built by many APPENDs is copied O(log n) times without ever
// reserving more than 1 MB of slack.
constexpr size_t kMaxPrealloc = size_t{1} << 20;

size_t grown_capacity(size_t needed) {
  return needed < kMaxPrealloc ? needed * 2 : needed + kMaxPrealloc;
}

}  // namespace

void InlineString::release() noexcept {
  if (on_heap()) std::free(heap().ptr);
}

void InlineString::assign(std::string_view s) {
  if (s.size() <= kInlineCapacity) {
    // s may view this string's own heap block: copy before freeing it.
    unsigned char tmp[kInlineCapacity];
    std::memcpy(tmp, s.data(), s.size());
    release();
    std::memcpy(raw_, tmp, s.size());
    raw_[kTagAt] = static_cast<unsigned char>(s.size());
    return;
  }
  if (on_heap() && heap().cap >= s.size()) {
    Heap h = heap();
    std::memmove(h.ptr, s.data(), s.size());
    h.size = s.size();
    set_heap(h);
    return;
  }
  // An exact fit: most values are written once and never grown.
  char* p = static_cast<char*>(std::malloc(s.size()));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  release();
  set_heap({p, s.size(), s.size()});
}

char* InlineString::reserve(size_t n) {
  if (n <= kInlineCapacity && !on_heap()) return reinterpret_cast<char*>(raw_);
  if (on_heap() && heap().cap >= n) return heap().ptr;
  const size_t cap = grown_capacity(n);
  const size_t len = size();
  char* p = static_cast<char*>(std::malloc(cap));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, data(), len);
  release();
  set_heap({p, len, cap});
  return p;
}

void InlineString::append(std::string_view s) {
  const size_t len = size();
  // s may view this string: remember where it sits before moving storage.
  const char* old = data();
  const bool self = s.data() >= old && s.data() < old + len;
  const size_t self_at = self ? static_cast<size_t>(s.data() - old) : 0;
  char* p = reserve(len + s.size());
  std::memmove(p + len, self ? p + self_at : s.data(), s.size());
  if (on_heap()) {
    Heap h = heap();
    h.size = len + s.size();
    set_heap(h);
  } else {
    raw_[kTagAt] = static_cast<unsigned char>(len + s.size());
  }
}

void InlineString::resize(size_t n) {
  const size_t len = size();
  if (n > len) {
    char* p = reserve(n);
    std::memset(p + len, 0, n - len);
  }
  if (on_heap()) {
    Heap h = heap();
    h.size = n;
    set_heap(h);
  } else {
    raw_[kTagAt] = static_cast<unsigned char>(n);
  }
}

}  // namespace shardis
