#pragma once
// Byte-string helpers with Redis's exact rules, shared by the protocol layer
// (request counts, inline commands) and the engine (command arguments,
// config files). One definition each, so every number and every quoted
// argument is read the same way everywhere.

#include <cstdint>
#include <string>
#include <string_view>

namespace shardis {

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros
// (except "0" itself), at most 20 characters, must fit in int64_t.
bool string_to_ll(std::string_view s, int64_t* out);

// tolower() in the C locale, inline: only 'A'..'Z' change.
inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// strcasecmp() in the C locale: only ASCII letters fold.
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// isspace() in the C locale, which is what sdssplitargs() sees.
inline bool is_c_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

// Redis's sdssplitargs(): arguments are separated by C-locale whitespace;
// "double quotes" understand \n \r \t \b \a \xHH and \<any>; 'single
// quotes' only \'; a closing quote must be followed by whitespace or the end
// of the line. The end of the view plays the role of the terminating NUL.
// Each argument is appended to the string next_arg() returns (so callers can
// reuse buffers). Returns false on unbalanced quotes.
template <class NextArg>
bool split_args(std::string_view line, NextArg&& next_arg);

namespace detail {
inline bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
inline char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}
}  // namespace detail

template <class NextArg>
bool split_args(std::string_view line, NextArg&& next_arg) {
  const size_t n = line.size();
  auto at = [&](size_t k) -> char { return k < n ? line[k] : '\0'; };
  size_t i = 0;
  while (true) {
    while (i < n && is_c_space(line[i])) ++i;
    if (i == n) return true;
    std::string& cur = next_arg();
    bool in_dq = false;
    bool in_sq = false;
    while (true) {
      const char c = at(i);
      if (in_dq) {
        if (c == '\\' && at(i + 1) == 'x' && detail::is_hex_digit(at(i + 2)) &&
            detail::is_hex_digit(at(i + 3))) {
          cur.push_back(static_cast<char>(detail::hex_value(at(i + 2)) * 16 +
                                          detail::hex_value(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          cur.push_back(detail::unescape(line[++i]));
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !is_c_space(at(i + 1))) return false;
          ++i;
          break;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else if (in_sq) {
        if (c == '\\' && at(i + 1) == '\'') {
          cur.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !is_c_space(at(i + 1))) return false;
          ++i;
          break;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else {
        // As sdssplitargs: \v and \f end nothing here, though they are
        // skipped between arguments.
        if (c == '\0' || c == ' ' || c == '\n' || c == '\r' || c == '\t') break;
        if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          cur.push_back(c);
        }
      }
      ++i;
    }
  }
}

}  // namespace shardis
