#include "protocol/reply_writer.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace shardis::protocol {
namespace {

constexpr char kCrlf[] = "\r\n";

// Two decimal digits per table lookup: replies carry a length or count in
// almost every frame, so this is the hottest formatting in the server.
constexpr char kDigitPairs[] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

// Writes the digits of v so that they end just before `end`; returns the
// first digit.
char* write_digits(char* end, uint64_t v) {
  while (v >= 100) {
    const unsigned pair = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--end = kDigitPairs[pair + 1];
    *--end = kDigitPairs[pair];
  }
  if (v >= 10) {
    const unsigned pair = static_cast<unsigned>(v) * 2;
    *--end = kDigitPairs[pair + 1];
    *--end = kDigitPairs[pair];
  } else {
    *--end = static_cast<char>('0' + v);
  }
  return end;
}

// Longest %.17g text is "-2.2250738585072014e-308" (24 bytes).
constexpr size_t kDoubleBufSize = 32;

size_t format_double_to(char* buf, double v) {
  // Redis spells infinities out because C libraries disagree on them. NaN
  // is always "nan": RESP3 has no "-nan", which glibc prints for a NaN
  // with its sign bit set.
  if (!std::isfinite(v)) {
    const std::string_view word = std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    return word.copy(buf, word.size());
  }
  // to_chars with general format and a precision is specified to print what
  // printf("%.17g") prints, without the locale and the format parsing.
  auto res = std::to_chars(buf, buf + kDoubleBufSize, v, std::chars_format::general, 17);
  return static_cast<size_t>(res.ptr - buf);
}

// Appends s with CR and LF turned into spaces: error and status lines end
// at the first CRLF, so user text inside them must not forge a frame end.
void append_line(std::string& out, std::string_view s) {
  const size_t start = out.size();
  out.append(s);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
}

}  // namespace

void ReplyWriter::header(char type, int64_t n) {
  // type, sign, 19 digits, CRLF
  char buf[24];
  char* const end = buf + sizeof(buf);
  end[-2] = '\r';
  end[-1] = '\n';
  // 'uint64_t' negation keeps INT64_MIN defined.
  const uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  char* p = write_digits(end - 2, magnitude);
  if (n < 0) *--p = '-';
  *--p = type;
  out_->append(p, static_cast<size_t>(end - p));
}

void ReplyWriter::simple(std::string_view s) {
  out_->push_back('+');
  append_line(*out_, s);
  out_->append(kCrlf, 2);
}

void ReplyWriter::error(std::string_view s) {
  out_->push_back('-');
  append_line(*out_, s);
  out_->append(kCrlf, 2);
}

void ReplyWriter::integer(int64_t v) {
  header(':', v);
}

void ReplyWriter::bulk(std::string_view s) {
  header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append(kCrlf, 2);
}

void ReplyWriter::null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::null_array() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::array(size_t n) {
  header('*', static_cast<int64_t>(n));
}

void ReplyWriter::map(size_t n) {
  if (resp_ >= 3) {
    header('%', static_cast<int64_t>(n));
  } else {
    header('*', static_cast<int64_t>(n * 2));
  }
}

void ReplyWriter::set(size_t n) {
  header(resp_ >= 3 ? '~' : '*', static_cast<int64_t>(n));
}

void ReplyWriter::push(size_t n) {
  header(resp_ >= 3 ? '>' : '*', static_cast<int64_t>(n));
}

void ReplyWriter::dbl(double v) {
  char buf[kDoubleBufSize];
  const size_t len = format_double_to(buf, v);
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(buf, len);
    out_->append(kCrlf, 2);
  } else {
    bulk(std::string_view(buf, len));
  }
}

void ReplyWriter::boolean(bool b) {
  if (resp_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::verbatim(std::string_view s, std::string_view fmt) {
  if (resp_ < 3) {
    bulk(s);
    return;
  }
  header('=', static_cast<int64_t>(fmt.size() + 1 + s.size()));
  out_->append(fmt);
  out_->push_back(':');
  out_->append(s);
  out_->append(kCrlf, 2);
}

void ReplyWriter::big_number(std::string_view digits) {
  if (resp_ < 3) {
    bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append(kCrlf, 2);
}

std::string format_double(double v) {
  char buf[kDoubleBufSize];
  return std::string(buf, format_double_to(buf, v));
}

}  // namespace shardis::protocol
