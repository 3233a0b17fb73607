#pragma once
// The load tools' command lines (shardis-stress, shardis-pubsub-bench),
// parsed one way for all of them: `--name value` options and bare flags,
// exit status 2 with the usage text for anything wrong.

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace shardis::tools {

// A whole decimal in [min, max]; nullopt for anything else, trailing bytes
// included.
inline std::optional<long long> parse_int(const std::string& s, long long min, long long max) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used != s.size() || v < min || v > max) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A number with s, ms or m (10s, 500ms, 1m); a bare number is seconds.
inline std::optional<std::chrono::milliseconds> parse_duration(const std::string& s) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  // 12 digits keep the count far from overflowing milliseconds.
  if (digits == 0 || digits > 12) return std::nullopt;
  long long n = std::stoll(s.substr(0, digits));
  std::string unit = s.substr(digits);
  if (unit.empty() || unit == "s") return std::chrono::seconds(n);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  return std::nullopt;
}

class ArgParser {
 public:
  using Usage = void (*)(std::ostream&);
  // Called once per option: a flag's value is empty.
  using OnOption = std::function<void(const std::string& name, const std::string& value)>;

  ArgParser(std::string tool, Usage usage) : tool_(std::move(tool)), usage_(usage) {}

  // --help or -h prints the usage and exits 0; a name in `flags` takes no
  // value, every other name takes the next argument.
  void parse(int argc, char** argv, const std::set<std::string>& flags,
             const OnOption& on_option) const {
    for (int i = 1; i < argc; ++i) {
      std::string name = argv[i];
      if (name == "--help" || name == "-h") {
        usage_(std::cout);
        std::exit(0);
      }
      if (flags.count(name)) {
        on_option(name, "");
        continue;
      }
      if (i + 1 >= argc) fail("missing value for " + name);
      on_option(name, argv[++i]);
    }
  }

  [[noreturn]] void fail(const std::string& why) const {
    std::cerr << tool_ << ": " << why << "\n";
    usage_(std::cerr);
    std::exit(2);
  }

  long long number(const std::string& name, const std::string& value, long long min,
                   long long max) const {
    auto v = parse_int(value, min, max);
    if (!v) fail("bad value for " + name + ": " + value);
    return *v;
  }

  std::chrono::milliseconds duration(const std::string& value) const {
    auto d = parse_duration(value);
    if (!d || d->count() <= 0) fail("bad duration: " + value);
    return *d;
  }

 private:
  std::string tool_;
  Usage usage_;
};

}  // namespace shardis::tools
