// ReplyWriter: every method's exact bytes for RESP2 and RESP3 clients.
// Expected bytes were checked against redis-server 7.0 where Redis has the
// reply (ZSCORE for doubles, HGETALL/SMEMBERS/GET on missing keys ...).

#include <catch2/catch.hpp>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "protocol/reply_writer.hpp"

using shardis::protocol::format_double;
using shardis::protocol::ReplyWriter;
using namespace std::string_literals;

namespace {

std::string written(int resp, const std::function<void(ReplyWriter&)>& write) {
  std::string out;
  ReplyWriter w(out, resp);
  write(w);
  return out;
}

struct Case {
  const char* name;
  std::function<void(ReplyWriter&)> write;
  std::string resp2;
  std::string resp3;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("writer: every method's bytes for RESP2 and RESP3", "[writer]") {
  const std::vector<Case> cases = {
      {"simple", [](ReplyWriter& w) { w.simple("PONG"); }, "+PONG\r\n", "+PONG\r\n"},
      {"ok", [](ReplyWriter& w) { w.ok(); }, "+OK\r\n", "+OK\r\n"},
      {"error", [](ReplyWriter& w) { w.error("ERR syntax error"); }, "-ERR syntax error\r\n",
       "-ERR syntax error\r\n"},
      {"error keeps its code", [](ReplyWriter& w) { w.error("WRONGTYPE Operation"); },
       "-WRONGTYPE Operation\r\n", "-WRONGTYPE Operation\r\n"},
      {"error with newlines", [](ReplyWriter& w) { w.error("ERR a\r\nb\nc"); }, "-ERR a  b c\r\n",
       "-ERR a  b c\r\n"},
      {"simple with newlines", [](ReplyWriter& w) { w.simple("a\r\n+b"); }, "+a  +b\r\n",
       "+a  +b\r\n"},
      {"integer", [](ReplyWriter& w) { w.integer(42); }, ":42\r\n", ":42\r\n"},
      {"bulk", [](ReplyWriter& w) { w.bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
      {"empty bulk", [](ReplyWriter& w) { w.bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n"},
      {"binary bulk", [](ReplyWriter& w) { w.bulk("a\r\n\0b"s); }, "$5\r\na\r\n\0b\r\n"s,
       "$5\r\na\r\n\0b\r\n"s},
      {"null", [](ReplyWriter& w) { w.null(); }, "$-1\r\n", "_\r\n"},
      {"null_array", [](ReplyWriter& w) { w.null_array(); }, "*-1\r\n", "_\r\n"},
      {"array", [](ReplyWriter& w) { w.array(3); }, "*3\r\n", "*3\r\n"},
      {"empty array", [](ReplyWriter& w) { w.array(0); }, "*0\r\n", "*0\r\n"},
      {"map", [](ReplyWriter& w) { w.map(2); }, "*4\r\n", "%2\r\n"},
      {"empty map", [](ReplyWriter& w) { w.map(0); }, "*0\r\n", "%0\r\n"},
      {"set", [](ReplyWriter& w) { w.set(2); }, "*2\r\n", "~2\r\n"},
      {"empty set", [](ReplyWriter& w) { w.set(0); }, "*0\r\n", "~0\r\n"},
      {"push", [](ReplyWriter& w) { w.push(3); }, "*3\r\n", ">3\r\n"},
      {"true", [](ReplyWriter& w) { w.boolean(true); }, ":1\r\n", "#t\r\n"},
      {"false", [](ReplyWriter& w) { w.boolean(false); }, ":0\r\n", "#f\r\n"},
      {"verbatim", [](ReplyWriter& w) { w.verbatim("# Server\r\nx:1"); },
       "$13\r\n# Server\r\nx:1\r\n", "=17\r\ntxt:# Server\r\nx:1\r\n"},
      {"verbatim markdown", [](ReplyWriter& w) { w.verbatim("*hi*", "mkd"); }, "$4\r\n*hi*\r\n",
       "=8\r\nmkd:*hi*\r\n"},
      {"empty verbatim", [](ReplyWriter& w) { w.verbatim(""); }, "$0\r\n\r\n", "=4\r\ntxt:\r\n"},
      {"big number",
       [](ReplyWriter& w) { w.big_number("3492890328409238509324850943850943825024385"); },
       "$43\r\n3492890328409238509324850943850943825024385\r\n",
       "(3492890328409238509324850943850943825024385\r\n"},
      {"negative big number", [](ReplyWriter& w) { w.big_number("-12345678901234567890"); },
       "$21\r\n-12345678901234567890\r\n", "(-12345678901234567890\r\n"},
      {"raw", [](ReplyWriter& w) { w.raw("+X\r\n"); }, "+X\r\n", "+X\r\n"},
      {"double 1.5", [](ReplyWriter& w) { w.dbl(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n"},
      {"double 3.0", [](ReplyWriter& w) { w.dbl(3.0); }, "$1\r\n3\r\n", ",3\r\n"},
      {"double 0", [](ReplyWriter& w) { w.dbl(0.0); }, "$1\r\n0\r\n", ",0\r\n"},
      {"double -0", [](ReplyWriter& w) { w.dbl(-0.0); }, "$2\r\n-0\r\n", ",-0\r\n"},
      {"double 0.1", [](ReplyWriter& w) { w.dbl(0.1); }, "$19\r\n0.10000000000000001\r\n",
       ",0.10000000000000001\r\n"},
      {"double -2.5", [](ReplyWriter& w) { w.dbl(-2.5); }, "$4\r\n-2.5\r\n", ",-2.5\r\n"},
      {"double 1e300", [](ReplyWriter& w) { w.dbl(1e300); }, "$23\r\n1.0000000000000001e+300\r\n",
       ",1.0000000000000001e+300\r\n"},
      {"double 1e-5", [](ReplyWriter& w) { w.dbl(1e-5); }, "$22\r\n1.0000000000000001e-05\r\n",
       ",1.0000000000000001e-05\r\n"},
      {"double 123456789012345678", [](ReplyWriter& w) { w.dbl(123456789012345678.0); },
       "$22\r\n1.2345678901234568e+17\r\n", ",1.2345678901234568e+17\r\n"},
      {"double 1e16", [](ReplyWriter& w) { w.dbl(1e16); }, "$17\r\n10000000000000000\r\n",
       ",10000000000000000\r\n"},
      {"double 1e17", [](ReplyWriter& w) { w.dbl(1e17); }, "$5\r\n1e+17\r\n", ",1e+17\r\n"},
      {"double inf", [](ReplyWriter& w) { w.dbl(kInf); }, "$3\r\ninf\r\n", ",inf\r\n"},
      {"double -inf", [](ReplyWriter& w) { w.dbl(-kInf); }, "$4\r\n-inf\r\n", ",-inf\r\n"},
      {"double nan", [](ReplyWriter& w) { w.dbl(std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n"},
      {"double -nan", [](ReplyWriter& w) { w.dbl(-std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(written(2, c.write) == c.resp2);
    CHECK(written(3, c.write) == c.resp3);
  }
}

TEST_CASE("writer: integers", "[writer]") {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {0, ":0\r\n"},
      {1, ":1\r\n"},
      {-1, ":-1\r\n"},
      {9, ":9\r\n"},
      {10, ":10\r\n"},
      {-10, ":-10\r\n"},
      {99, ":99\r\n"},
      {100, ":100\r\n"},
      {101, ":101\r\n"},
      {999, ":999\r\n"},
      {1000, ":1000\r\n"},
      {12345, ":12345\r\n"},
      {-123456, ":-123456\r\n"},
      {INT64_MAX, ":9223372036854775807\r\n"},
      {INT64_MIN, ":-9223372036854775808\r\n"},
      {INT64_MIN + 1, ":-9223372036854775807\r\n"},
  };
  for (const auto& [v, want] : cases) {
    INFO(v);
    CHECK(written(2, [v = v](ReplyWriter& w) { w.integer(v); }) == want);
    CHECK(written(3, [v = v](ReplyWriter& w) { w.integer(v); }) == want);
  }
  // Every power of ten and its neighbours, against printf.
  std::mt19937_64 rng(7);
  std::vector<int64_t> values;
  for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, -p + 1, -p, -p - 1}) values.push_back(v);
  }
  for (int i = 0; i < 10000; ++i) values.push_back(static_cast<int64_t>(rng() >> (rng() % 64)));
  for (int64_t v : values) {
    char want[32];
    std::snprintf(want, sizeof(want), ":%" PRId64 "\r\n", v);
    REQUIRE(written(2, [v](ReplyWriter& w) { w.integer(v); }) == want);
  }
}

TEST_CASE("writer: header counts", "[writer]") {
  CHECK(written(2, [](ReplyWriter& w) { w.array(1234567); }) == "*1234567\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.map(500); }) == "%500\r\n");
  CHECK(written(2, [](ReplyWriter& w) { w.map(500); }) == "*1000\r\n");
  CHECK(written(2, [](ReplyWriter& w) { w.bulk(std::string(100000, 'x')); }) ==
        "$100000\r\n" + std::string(100000, 'x') + "\r\n");
}

TEST_CASE("writer: nested replies append in order", "[writer]") {
  const auto write = [](ReplyWriter& w) {
    w.map(2);
    w.bulk("a");
    w.dbl(1.5);
    w.bulk("s");
    w.set(2);
    w.integer(1);
    w.null();
  };
  CHECK(written(2, write) == "*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\ns\r\n*2\r\n:1\r\n$-1\r\n");
  CHECK(written(3, write) == "%2\r\n$1\r\na\r\n,1.5\r\n$1\r\ns\r\n~2\r\n:1\r\n_\r\n");
}

TEST_CASE("writer: appends to what the buffer holds and switches protocol", "[writer]") {
  std::string out = "prefix";
  ReplyWriter w(out);
  CHECK(w.resp() == 2);
  CHECK(&w.buffer() == &out);
  w.null();
  w.set_resp(3);
  CHECK(w.resp() == 3);
  w.null();
  CHECK(out == "prefix$-1\r\n_\r\n");
}

TEST_CASE("writer: format_double prints what %.17g prints", "[writer]") {
  CHECK(format_double(1.5) == "1.5");
  CHECK(format_double(3.0) == "3");
  CHECK(format_double(0.1) == "0.10000000000000001");
  CHECK(format_double(1e300) == "1.0000000000000001e+300");
  CHECK(format_double(kInf) == "inf");
  CHECK(format_double(-kInf) == "-inf");
  CHECK(format_double(std::nan("")) == "nan");
  CHECK(format_double(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  CHECK(format_double(std::numeric_limits<double>::denorm_min()) == "4.9406564584124654e-324");
  CHECK(format_double(-std::numeric_limits<double>::min()) == "-2.2250738585072014e-308");

  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> small(-1e6, 1e6);
  for (int i = 0; i < 100000; ++i) {
    double v;
    if (i % 3 == 0) {
      v = small(rng);
    } else if (i % 3 == 1) {
      v = std::round(small(rng));
    } else {
      const uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof(v));
      if (!std::isfinite(v)) continue;
    }
    char want[64];
    std::snprintf(want, sizeof(want), "%.17g", v);
    REQUIRE(format_double(v) == want);
  }
}
