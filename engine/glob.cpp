#include "engine/glob.hpp"

#include <cstddef>
#include <utility>

namespace shardis {
namespace {

constexpr int kMaxNesting = 1000;

// Redis compares bytes as C chars (signed on the platforms it runs on) and
// folds case with tolower() in the C locale, which only maps 'A'..'Z'.
int byte(char c) {
  return static_cast<signed char>(c);
}
int fold(int c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view str, bool nocase)
      : pat_(pattern), str_(str), nocase_(nocase) {}

  bool match(size_t p, size_t s, int nesting) {
    if (nesting > kMaxNesting) return false;
    const size_t pn = pat_.size();
    const size_t sn = str_.size();
    while (p < pn && s < sn) {
      switch (pat_[p]) {
        case '*':
          while (at(p + 1) == '*') ++p;
          if (pn - p == 1) return true;
          for (; s < sn; ++s) {
            if (match(p + 1, s, nesting + 1)) return true;
            if (skip_longer_) return false;
          }
          // The rest of the pattern matched nowhere in the rest of the
          // string. An enclosing '*' that consumed more would only make the
          // rest start later, which cannot succeed either: give up now.
          skip_longer_ = true;
          return false;
        case '?':
          ++s;
          break;
        case '[':
          if (!match_class(&p, str_[s])) return false;
          ++s;
          break;
        case '\\':
          if (pn - p >= 2) ++p;
          [[fallthrough]];
        default:
          if (!same(byte(pat_[p]), byte(str_[s]))) return false;
          ++s;
          break;
      }
      ++p;
      if (s == sn) {
        while (at(p) == '*') ++p;
        break;
      }
    }
    return p == pn && s == sn;
  }

 private:
  // The pattern byte at i; past the end it reads as NUL, as Redis's
  // NUL-terminated patterns do (the quirks below depend on it).
  char at(size_t i) const { return i < pat_.size() ? pat_[i] : '\0'; }

  bool same(int a, int b) const { return nocase_ ? fold(a) == fold(b) : a == b; }

  // *p is at '['; leaves *p at the closing ']' (or the last pattern byte
  // when the class is unterminated). Returns whether c is in the class.
  bool match_class(size_t* p, char c) const {
    const size_t pn = pat_.size();
    size_t i = *p + 1;
    const bool negate = at(i) == '^';
    if (negate) ++i;
    bool matched = false;
    while (true) {
      if (at(i) == '\\' && pn - i >= 2) {
        ++i;
        if (pat_[i] == c) matched = true;
      } else if (at(i) == ']') {
        break;
      } else if (i == pn) {
        --i;
        break;
      } else if (pn - i >= 3 && pat_[i + 1] == '-') {
        int start = byte(pat_[i]);
        int end = byte(pat_[i + 2]);
        int ch = byte(c);
        if (start > end) std::swap(start, end);
        if (nocase_) {
          start = fold(start);
          end = fold(end);
          ch = fold(ch);
        }
        i += 2;
        if (ch >= start && ch <= end) matched = true;
      } else if (same(byte(pat_[i]), byte(c))) {
        matched = true;
      }
      ++i;
    }
    *p = i;
    return negate ? !matched : matched;
  }

  std::string_view pat_;
  std::string_view str_;
  bool nocase_;
  bool skip_longer_ = false;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view str, bool nocase) {
  return Matcher(pattern, str, nocase).match(0, 0, 0);
}

}  // namespace shardis
