#include "engine/numbers.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shardis {

namespace {

// Redis's buffer for long doubles as text (MAX_LONG_DOUBLE_CHARS): big
// enough for "%.17Lf" of the largest finite long double.
constexpr size_t kLongDoubleChars = 5 * 1024;

}  // namespace

bool parse_long_double(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kLongDoubleChars) return false;
  char buf[kLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double v = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      static_cast<size_t>(end - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) || errno == EINVAL ||
      std::isnan(v))
    return false;
  *out = v;
  return true;
}

std::string format_long_double(long double v) {
  char buf[kLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) return {};
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

}  // namespace shardis
