#pragma once
// What a key maps to. The type tags are part of the on-disk checkpoint
// format and of OBJECT/TYPE replies: never renumber them.

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <string>
#include <string_view>

#include "engine/inline_string.hpp"

namespace shardis {

enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };

// Encodings as Redis reports them in OBJECT ENCODING: three for strings,
// then one per collection representation.
enum class Encoding : uint8_t {
  kRaw = 0,
  kInt = 1,
  kEmbstr = 2,
  kHashtable = 3,
  kSkiplist = 4,
  kIntset = 5,
  kQuicklist = 6,
  kListpack = 7,
};

constexpr int64_t kNoExpiry = -1;

// Whether a key with this deadline is gone at now_ms. As in Redis, a key
// lives through the millisecond of its deadline (PTTL 0) and is gone after.
constexpr bool deadline_passed(int64_t expire_at_ms, int64_t now_ms) {
  return expire_at_ms != kNoExpiry && expire_at_ms < now_ms;
}

// The value of a hash, sorted set ... key (engine/hash_type.hpp,
// engine/zset_type.hpp). Entry owns it, inline when it fits its 32 bytes
// (see Entry), else through a pointer, and copies it with clone() (COPY).
class Collection {
 public:
  virtual ~Collection() = default;
  virtual std::unique_ptr<Collection> clone() const = 0;
  // Move-constructs the concrete type at storage (an Entry's inline slot);
  // *this stays a valid, moved-from object to be destroyed by its owner.
  virtual void move_to(void* storage) noexcept = 0;
};

// Collection::move_to for a concrete T: `void move_to(void* s) noexcept
// override { move_collection(*this, s); }`.
template <class T>
void move_collection(T& from, void* storage) noexcept {
  static_assert(std::is_nothrow_move_constructible_v<T>);
  new (storage) T(std::move(from));
}

// A key's value and metadata: 48 bytes, fields ordered largest first.
//
// Most keys hold strings, and memory per key is what shardis is compared
// with Redis on, so a collection does not widen the entry: the string, the
// owning Collection pointer and a small collection itself share storage in
// a union, and storage_ says which one is alive. The special members below
// are the only code that switches between them; everything else reads `str`
// after checking `type` (a string key never holds an object) or calls
// object<T>(). An inline collection moves with its Entry: a reference from
// object<T>() is valid until the Entry is moved or its value replaced.
struct Entry {
  Entry() noexcept : str() {}
  Entry(const Entry& other);  // deep: a collection is cloned
  Entry(Entry&& other) noexcept;
  Entry& operator=(const Entry& other);
  Entry& operator=(Entry&& other) noexcept;
  ~Entry() { destroy_value(); }

  // The value. A collection whose object fits 32 bytes (a hash or sorted
  // set: a listpack pointer and a table pointer) lives in inline_obj, so a
  // small hash costs its listpack block and nothing more; larger ones
  // (lists, sets) are held through obj.
  union {
    InlineString str;                    // kString storage
    Collection* obj;                     // kHeap storage
    alignas(8) unsigned char inline_obj[32];  // kInline storage
  };
  int64_t expire_at_ms = kNoExpiry;  // absolute unix milliseconds
  uint32_t lru_s = 0;                // last access (seconds clock) for OBJECT IDLETIME
  ValueType type = ValueType::kString;
  Encoding encoding = Encoding::kRaw;
  // Background checkpoints: the generation of the snapshot that already
  // holds this entry (engine/snapshot.hpp); 0 = none. Not copied.
  uint8_t snap_gen = 0;

  bool holds_object() const { return storage_ != Storage::kString; }
  // The collection, as its concrete type; only after checking `type`.
  template <class T>
  T& object() {
    return static_cast<T&>(*collection());
  }
  template <class T>
  const T& object() const {
    return static_cast<const T&>(*collection());
  }
  // Replaces the value (whatever it was) by a string; the caller sets the
  // type and encoding.
  void set_string(std::string_view value);
  // Replaces the value by a new empty T (HashType, ZSetType ...) and sets
  // the type and encoding T declares.
  template <class T>
  T& make_object() {
    destroy_value();
    T* made;
    if constexpr (kFitsInline<T>) {
      made = new (inline_obj) T();
      storage_ = Storage::kInline;
    } else {
      made = new T();
      obj = made;
      storage_ = Storage::kHeap;
    }
    type = T::kType;
    encoding = T::kEncoding;
    return *made;
  }

 private:
  enum class Storage : uint8_t { kString, kHeap, kInline };
  template <class T>
  static constexpr bool kFitsInline = sizeof(T) <= sizeof(inline_obj) && alignof(T) <= 8;

  // An inline T's Collection base is at its start (single inheritance).
  Collection* collection() {
    return storage_ == Storage::kInline ? std::launder(reinterpret_cast<Collection*>(inline_obj))
                                        : obj;
  }
  const Collection* collection() const { return const_cast<Entry*>(this)->collection(); }
  void destroy_value() noexcept;
  // Constructs this (destroyed) value from other's, leaving other an empty string.
  void steal_value(Entry& other) noexcept;
  void copy_meta(const Entry& other);

  Storage storage_ = Storage::kString;
};

// What a command on collections of type T (HashType, ZSetType ...) finds at
// a key: the collection, nothing (value null, the key is absent), or a key
// of another type.
template <class T>
struct Typed {
  T* value = nullptr;
  bool wrong_type = false;
};

template <class T>
Typed<T> typed(Entry* e) {
  if (!e) return {};
  if (e->type != T::kType) return {nullptr, true};
  return {&e->object<T>(), false};
}

static_assert(sizeof(Entry) == 48, "memory per key is benchmarked: keep Entry at 48 bytes");

std::string_view type_name(ValueType t);
std::string_view encoding_name(const Entry& e);

// Redis stores a string as "int" when it is the canonical text of a 64-bit
// integer of at most 20 characters, "embstr" up to 44 bytes, else "raw".
Encoding string_encoding_for(std::string_view s);

}  // namespace shardis
