#pragma once
// Random elements of a collection, as SRANDMEMBER, HRANDFIELD and
// ZRANDMEMBER choose them (Redis's srandmemberWithCountCommand and its two
// copies). One count argument decides the shape:
//   - negative: |count| independent picks, repeats allowed (the reply may
//     be longer than the collection);
//   - at least the size: every element once;
//   - more than a third of the size: every element, then random ones
//     dropped until count remain (cheaper than drawing when most are
//     wanted);
//   - otherwise: random draws until count distinct elements are found.
// The collection is not changed, and the order of the reply is itself
// random as far as clients may assume.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace shardis {

struct ExecContext;

// Reads a count argument as Redis does (-LONG_MAX..LONG_MAX); false with
// the error written.
bool parse_random_count(ExecContext& ctx, const std::string& arg, int64_t* count);

// How many elements random_pick emits for count from size elements.
inline uint64_t random_pick_length(int64_t count, size_t size) {
  if (count < 0) return static_cast<uint64_t>(-count);  // count > INT64_MIN: parsed so
  return std::min<uint64_t>(static_cast<uint64_t>(count), size);
}

// Calls emit(element) random_pick_length(count, size) times, for a count
// other than 0 and a collection of size > 0 elements.
//   random_one() -> T   one element chosen at random
//   all() -> std::vector<T>   every element
// T identifies an element (a member string, a view of a field ...): it
// must be hashable and stay valid while the call runs.
template <class RandomOne, class All, class Emit>
void random_pick(int64_t count, size_t size, std::mt19937_64& rng, RandomOne&& random_one,
                 All&& all, Emit&& emit) {
  using T = decltype(random_one());
  if (count < 0) {
    // Streamed: a count far larger than the collection must not be held.
    for (uint64_t n = random_pick_length(count, size); n > 0; --n) emit(random_one());
    return;
  }
  const auto want = static_cast<uint64_t>(count);
  if (want >= size || want * 3 > size) {
    std::vector<T> items = all();
    while (items.size() > want) {
      std::swap(items[rng() % items.size()], items.back());
      items.pop_back();
    }
    for (const T& item : items) emit(item);
    return;
  }
  std::unordered_set<T> seen;
  while (seen.size() < want) {
    T item = random_one();
    if (seen.insert(item).second) emit(item);
  }
}

}  // namespace shardis
