// Dict: the per-database hash table (engine/dict.hpp). Incremental rehash is
// checked through what the table exposes (rehashing(), buckets()), never
// through wall-clock time.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/dict.hpp"

using shardis::Dict;

namespace {

std::string key(uint64_t i) {
  return "key:" + std::to_string(i);
}

// One rehash step moves at most one non-empty bucket and skips at most ten
// empty ones (Dict::rehash), so the old table's index advances by at most
// this much per operation.
constexpr uint64_t kMaxBucketsPerOp = 11;

// Runs a full scan, calling between(cursor) after every scan call, and
// returns how often each key was visited.
template <class Between>
std::map<std::string, int> full_scan(Dict<int>& d, Between&& between) {
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = d.scan(cursor, [&](Dict<int>::Node& n) { ++seen[std::string(n.key())]; });
    between(cursor);
  } while (cursor != 0);
  return seen;
}

}  // namespace

TEST_CASE("Dict insert, find, erase", "[dict]") {
  Dict<int> d;
  CHECK(d.empty());
  CHECK(d.find("a") == nullptr);
  CHECK_FALSE(d.erase("a"));

  auto [n, created] = d.insert("a");
  CHECK(created);
  CHECK(n->key() == "a");
  CHECK(n->value == 0);  // value-initialised
  n->value = 7;
  auto [again, created_again] = d.insert("a");
  CHECK_FALSE(created_again);
  CHECK(again == n);
  CHECK(again->value == 7);
  CHECK(d.size() == 1);
  REQUIRE(d.find("a") != nullptr);
  CHECK(*d.find("a") == 7);

  // Keys are byte strings: embedded NULs and the empty key are keys.
  d.insert(std::string("a\0b", 3)).first->value = 1;
  d.insert("").first->value = 2;
  CHECK(d.size() == 3);
  CHECK(*d.find(std::string("a\0b", 3)) == 1);
  CHECK(*d.find("") == 2);
  CHECK(d.find(std::string("a\0c", 3)) == nullptr);

  CHECK(d.erase("a"));
  CHECK_FALSE(d.erase("a"));
  CHECK(d.find("a") == nullptr);
  CHECK(d.size() == 2);

  d.clear();
  CHECK(d.empty());
  CHECK(d.buckets() == 0);
  d.insert("after-clear");
  CHECK(d.size() == 1);
}

TEST_CASE("Dict keeps every key through many resizes", "[dict]") {
  Dict<uint64_t> d;
  constexpr uint64_t kN = 50000;
  for (uint64_t i = 0; i < kN; ++i) d.insert(key(i)).first->value = i;
  CHECK(d.size() == kN);
  for (uint64_t i = 0; i < kN; ++i) {
    const uint64_t* v = d.find(key(i));
    REQUIRE(v != nullptr);
    CHECK(*v == i);
  }
  // for_each visits each key exactly once, whichever table holds it.
  std::set<std::string> seen;
  size_t visits = 0;
  d.for_each([&](Dict<uint64_t>::Node& n) {
    seen.insert(std::string(n.key()));
    ++visits;
  });
  CHECK(visits == kN);
  CHECK(seen.size() == kN);

  for (uint64_t i = 0; i < kN; i += 2) CHECK(d.erase(key(i)));
  CHECK(d.size() == kN / 2);
  for (uint64_t i = 0; i < kN; ++i) CHECK((d.find(key(i)) != nullptr) == (i % 2 == 1));
}

TEST_CASE("Dict move and swap", "[dict]") {
  Dict<int> a;
  for (int i = 0; i < 100; ++i) a.insert(key(i)).first->value = i;
  Dict<int> b(std::move(a));
  CHECK(a.empty());
  CHECK(b.size() == 100);
  Dict<int> c;
  c.insert("only");
  c = std::move(b);
  CHECK(c.size() == 100);
  CHECK(c.find("only") == nullptr);
  REQUIRE(c.find(key(42)) != nullptr);
  CHECK(*c.find(key(42)) == 42);
  Dict<int> d;
  d.insert("x");
  c.swap(d);
  CHECK(c.size() == 1);
  CHECK(d.size() == 100);
}

TEST_CASE("Dict rehashes incrementally: bounded work per insert", "[dict][slow]") {
  // Insert 2M keys. Each time a resize starts, the old table (of old_buckets
  // buckets) must be drained over many later operations: at most
  // kMaxBucketsPerOp of its buckets per operation (a lower bound on the
  // operations a rehash spans) and at least one (an upper bound: a resize
  // always finishes before the table needs the next one).
  Dict<int> d;
  constexpr uint64_t kN = 2'000'000;
  bool was_rehashing = false;
  uint64_t old_buckets = 0;  // size of the table being drained
  uint64_t ops = 0;          // operations since the resize started
  uint64_t last_buckets = 0;
  int resizes = 0;
  uint64_t largest_drained = 0;
  for (uint64_t i = 0; i < kN; ++i) {
    d.insert(key(i));
    const bool now_rehashing = d.rehashing();
    if (!was_rehashing && now_rehashing) {
      // This insert started a resize: old table = buckets before it.
      old_buckets = last_buckets;
      ops = 0;
      ++resizes;
      // Both tables coexist while the old one drains.
      CHECK(d.buckets() > old_buckets);
    } else if (was_rehashing) {
      ++ops;
      if (!now_rehashing) {
        INFO("old table of " << old_buckets << " buckets drained in " << ops << " inserts");
        CHECK(ops * kMaxBucketsPerOp + kMaxBucketsPerOp >= old_buckets - old_buckets / 64);
        CHECK(ops <= old_buckets);
        largest_drained = std::max(largest_drained, old_buckets);
      }
    }
    was_rehashing = now_rehashing;
    last_buckets = d.buckets();
  }
  CHECK(d.size() == kN);
  CHECK(resizes >= 8);
  CHECK(largest_drained >= (1u << 19));
}

TEST_CASE("Dict lookups and erases also advance a rehash", "[dict]") {
  Dict<int> d;
  uint64_t i = 0;
  // Fill until a resize of a sizeable table starts.
  while (!(d.rehashing() && d.size() > 4000)) d.insert(key(i++));
  const uint64_t n = i;
  const uint64_t buckets_during = d.buckets();
  uint64_t finds = 0;
  while (d.rehashing()) {
    REQUIRE(d.find(key(finds % n)) != nullptr);
    ++finds;
    REQUIRE(finds <= buckets_during);
  }
  CHECK(finds * kMaxBucketsPerOp >= n / 2);
  CHECK(d.buckets() < buckets_during);  // only the new table is left

  // The same for erases, on the next resize.
  while (!d.rehashing()) d.insert(key(i++));
  uint64_t erases = 0;
  while (d.rehashing()) {
    REQUIRE(d.erase(key(erases)));
    ++erases;
  }
  CHECK(erases > 1);
  for (uint64_t k = erases; k < i; ++k) REQUIRE(d.find(key(k)) != nullptr);
}

TEST_CASE("Dict shrinks a sparse table incrementally", "[dict]") {
  Dict<int> d;
  constexpr uint64_t kN = 20000;
  for (uint64_t i = 0; i < kN; ++i) d.insert(key(i));
  while (d.rehashing()) d.rehash(100);
  const uint64_t big = d.buckets();

  d.maybe_shrink();
  CHECK_FALSE(d.rehashing());  // full enough: nothing to do

  for (uint64_t i = 100; i < kN; ++i) d.erase(key(i));
  while (d.rehashing()) d.rehash(100);
  CHECK(d.buckets() == big);  // erasing alone never shrinks
  d.maybe_shrink();
  REQUIRE(d.rehashing());
  // While both tables exist every key stays reachable.
  for (uint64_t i = 0; i < 100; ++i) REQUIRE(d.find(key(i)) != nullptr);
  while (d.rehashing()) d.rehash(1);
  CHECK(d.buckets() < big / 64);
  CHECK(d.buckets() >= 100);
  CHECK(d.size() == 100);
  for (uint64_t i = 0; i < 100; ++i) CHECK(d.find(key(i)) != nullptr);

  // Emptied entirely, the table shrinks to its minimum.
  for (uint64_t i = 0; i < 100; ++i) d.erase(key(i));
  d.maybe_shrink();
  while (d.rehashing()) d.rehash(1);
  CHECK(d.buckets() <= 4);
  CHECK(d.empty());
}

TEST_CASE("Dict scan returns every key exactly once on a stable table", "[dict]") {
  Dict<int> d;
  for (uint64_t i = 0; i < 3000; ++i) d.insert(key(i));
  while (d.rehashing()) d.rehash(100);
  auto seen = full_scan(d, [](uint64_t) {});
  CHECK(seen.size() == 3000);
  for (const auto& [k, times] : seen) CHECK(times == 1);

  Dict<int> empty;
  CHECK(empty.scan(0, [](Dict<int>::Node&) {}) == 0);
}

TEST_CASE("Dict scan guarantee holds while the table grows between calls", "[dict]") {
  Dict<int> d;
  constexpr uint64_t kStable = 2000;
  for (uint64_t i = 0; i < kStable; ++i) d.insert(key(i));
  uint64_t next = kStable;
  bool saw_rehashing = false;
  auto seen = full_scan(d, [&](uint64_t) {
    // Grow by a lot between calls, up to a cap so the scan can finish:
    // several resizes happen mid-scan, some calls see one half done.
    for (int j = 0; j < 60 && next < 40 * kStable; ++j) d.insert("new:" + std::to_string(next++));
    saw_rehashing |= d.rehashing();
  });
  CHECK(saw_rehashing);
  for (uint64_t i = 0; i < kStable; ++i) {
    INFO(key(i));
    CHECK(seen.count(key(i)) == 1);
  }
}

TEST_CASE("Dict scan guarantee holds while the table shrinks between calls", "[dict]") {
  Dict<int> d;
  constexpr uint64_t kStable = 300;
  constexpr uint64_t kVolatile = 30000;
  for (uint64_t i = 0; i < kStable; ++i) d.insert(key(i));
  for (uint64_t i = 0; i < kVolatile; ++i) d.insert("vol:" + std::to_string(i));
  while (d.rehashing()) d.rehash(100);
  const uint64_t big = d.buckets();
  uint64_t erased = 0;
  bool saw_rehashing = false;
  auto seen = full_scan(d, [&](uint64_t) {
    for (int j = 0; j < 400 && erased < kVolatile; ++j) d.erase("vol:" + std::to_string(erased++));
    d.maybe_shrink();
    d.rehash(3);  // leave shrinks half done between calls
    saw_rehashing |= d.rehashing();
  });
  CHECK(saw_rehashing);
  CHECK(d.buckets() < big);
  for (uint64_t i = 0; i < kStable; ++i) {
    INFO(key(i));
    CHECK(seen.count(key(i)) == 1);
  }
}

TEST_CASE("Dict scan guarantee holds under random growth and shrinkage", "[dict]") {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20; ++round) {
    Dict<int> d;
    const uint64_t stable = 50 + rng() % 500;
    for (uint64_t i = 0; i < stable; ++i) d.insert(key(i));
    std::vector<std::string> volatile_keys;
    uint64_t next = 0;
    auto seen = full_scan(d, [&](uint64_t) {
      switch (rng() % 4) {
        case 0:  // grow
          for (uint64_t j = rng() % 500; j > 0 && volatile_keys.size() < 5000; --j) {
            volatile_keys.push_back("v" + std::to_string(next++));
            d.insert(volatile_keys.back());
          }
          break;
        case 1:  // shrink
          for (uint64_t j = rng() % 500; j > 0 && !volatile_keys.empty(); --j) {
            d.erase(volatile_keys.back());
            volatile_keys.pop_back();
          }
          d.maybe_shrink();
          break;
        case 2:
          d.rehash(static_cast<int>(rng() % 8));
          break;
        default:
          break;
      }
    });
    for (uint64_t i = 0; i < stable; ++i) {
      INFO("round " << round << " " << key(i));
      CHECK(seen.count(key(i)) == 1);
    }
  }
}

TEST_CASE("Dict random_node picks existing nodes, all of them eventually", "[dict]") {
  std::mt19937_64 rng(7);
  Dict<int> d;
  CHECK(d.random_node(rng) == nullptr);

  d.insert("solo");
  for (int i = 0; i < 10; ++i) CHECK(d.random_node(rng)->key() == "solo");

  for (uint64_t i = 0; i < 64; ++i) d.insert(key(i));
  std::set<std::string> picked;
  for (int i = 0; i < 5000; ++i) {
    Dict<int>::Node* n = d.random_node(rng);
    REQUIRE(n != nullptr);
    REQUIRE(d.find(n->key()) == &n->value);
    picked.insert(std::string(n->key()));
  }
  CHECK(picked.size() == 65);

  // Mid-rehash both tables are candidates.
  uint64_t i = 64;
  while (!(d.rehashing() && d.size() > 1000)) d.insert(key(i++));
  std::set<std::string> during;
  for (int k = 0; k < 200 && d.rehashing(); ++k) {
    Dict<int>::Node* n = d.random_node(rng);
    REQUIRE(n != nullptr);
    REQUIRE(d.find(n->key()) != nullptr);
    during.insert(std::string(n->key()));
  }
  CHECK(during.size() > 100);
}
