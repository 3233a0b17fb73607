#include "engine/listpack.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace shardis {

namespace {

size_t element_bytes(std::string_view e) {
  return (e.size() < 0xff ? 1 : 5) + e.size();
}

void write_u32(char* p, uint32_t v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace

uint32_t Listpack::read_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

Listpack::Listpack(const Listpack& other) {
  if (!other.data_) return;
  const size_t n = other.bytes();
  data_ = static_cast<char*>(std::malloc(n));
  if (!data_) throw std::bad_alloc();
  std::memcpy(data_, other.data_, n);
}

Listpack::~Listpack() {
  std::free(data_);
}

void Listpack::clear() {
  std::free(data_);
  data_ = nullptr;
}

void Listpack::splice(size_t from, size_t to, size_t removed,
                      std::initializer_list<std::string_view> added) {
  size_t added_bytes = 0;
  for (std::string_view e : added) added_bytes += element_bytes(e);
  const size_t old_bytes = end();
  const size_t new_bytes = old_bytes - (to - from) + added_bytes;
  const size_t count = size() - removed + added.size();
  if (count == 0) return clear();
  // Exactly the bytes needed, as Redis's lpInsert: a small collection is
  // written far less often than it is held, so slack would cost more.
  if (new_bytes > old_bytes || !data_) {
    char* grown = static_cast<char*>(std::realloc(data_, new_bytes));
    if (!grown) throw std::bad_alloc();
    data_ = grown;
  }
  if (to != old_bytes) std::memmove(data_ + from + added_bytes, data_ + to, old_bytes - to);
  char* p = data_ + from;
  for (std::string_view e : added) {
    if (e.size() < kLongLength) {
      *p++ = static_cast<char>(e.size());
    } else {
      *p++ = static_cast<char>(kLongLength);
      write_u32(p, static_cast<uint32_t>(e.size()));
      p += 4;
    }
    if (!e.empty()) std::memcpy(p, e.data(), e.size());
    p += e.size();
  }
  if (new_bytes < old_bytes) {
    // Shrinking in place cannot fail in glibc; keep the block if it does.
    if (char* shrunk = static_cast<char*>(std::realloc(data_, new_bytes))) data_ = shrunk;
  }
  write_u32(data_, static_cast<uint32_t>(new_bytes));
  const uint16_t stored = count < kCountUnknown ? static_cast<uint16_t>(count) : kCountUnknown;
  std::memcpy(data_ + 4, &stored, sizeof stored);
}

size_t Listpack::count_by_walking() const {
  size_t n = 0;
  for (size_t off = begin(); off != end(); ++n) get(off, &off);
  return n;
}

}  // namespace shardis
