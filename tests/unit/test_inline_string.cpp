// InlineString against std::string as the model: every operation on both,
// the bytes compared after each, across the 31-byte inline boundary.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <utility>

#include "engine/inline_string.hpp"
#include "engine/value.hpp"

using shardis::InlineString;

TEST_CASE("InlineString keeps up to 31 bytes inline and longer ones on the heap", "[inline_string]") {
  InlineString s(std::string(31, 'a'));
  CHECK_FALSE(s.on_heap());
  CHECK(s == std::string(31, 'a'));
  s.append("b");
  CHECK(s.on_heap());
  CHECK(s == std::string(31, 'a') + "b");
  s.assign("short");
  CHECK_FALSE(s.on_heap());
  CHECK(s == "short");
  s.clear();
  CHECK(s.empty());
  CHECK_FALSE(s.on_heap());
}

TEST_CASE("InlineString is binary safe", "[inline_string]") {
  const std::string bin("\0\r\n\xff\0", 5);
  InlineString s(bin);
  CHECK(s.size() == 5);
  CHECK(s == bin);
  s.resize(40);
  CHECK(s.view().substr(0, 5) == bin);
  CHECK(s.view().substr(5) == std::string(35, '\0'));
}

TEST_CASE("InlineString appends and assigns views of itself", "[inline_string]") {
  InlineString s("abcdefghij");
  for (int i = 0; i < 6; ++i) s.append(s.view());  // crosses inline -> heap, then regrows
  std::string model = "abcdefghij";
  for (int i = 0; i < 6; ++i) model += model;
  CHECK(s == model);
  s.assign(s.view().substr(3, 20));  // a view of its own heap block, to inline
  CHECK(s == model.substr(3, 20));
  s.assign(std::string(100, 'x'));
  s.assign(s.view().substr(10, 50));  // a view of its own heap block, kept on the heap
  CHECK(s == std::string(50, 'x'));
}

TEST_CASE("InlineString copies and moves leave both sides valid", "[inline_string]") {
  for (size_t len : {0, 5, 31, 32, 1000}) {
    const std::string text(len, 'q');
    InlineString a(text);
    InlineString b(a);
    CHECK(b == text);
    InlineString c(std::move(a));
    CHECK(c == text);
    CHECK(a.empty());  // NOLINT: a moved-from string is empty and reusable
    a.assign("again");
    CHECK(a == "again");
    b = std::move(c);
    CHECK(b == text);
    c = b;
    CHECK(c == text);
  }
}

TEST_CASE("InlineString matches std::string under random edits", "[inline_string]") {
  std::mt19937_64 rng(7);
  InlineString s;
  std::string model;
  for (int step = 0; step < 5000; ++step) {
    const size_t n = rng() % 48;
    const std::string piece(n, static_cast<char>('a' + rng() % 26));
    switch (rng() % 4) {
      case 0: s.assign(piece), model = piece; break;
      case 1: s.append(piece), model += piece; break;
      case 2: {
        const size_t to = rng() % (model.size() + 40);
        s.resize(to);
        model.resize(to, '\0');
        break;
      }
      default:
        if (model.size() > 4000) s.clear(), model.clear();
    }
    REQUIRE(s == model);
  }
}

TEST_CASE("An Entry holds a 31-byte string value without a heap block", "[inline_string]") {
  shardis::Entry e;
  e.set_string(std::string(31, 'v'));
  CHECK_FALSE(e.str.on_heap());
  shardis::Entry moved(std::move(e));
  CHECK(moved.str == std::string(31, 'v'));
  CHECK(sizeof(shardis::Entry) == 48);
}
