// RequestParser: bytes in, commands or Redis's exact protocol error out.
// Expected behaviour, quirks included, was checked against redis-server 7.0.

#include <catch2/catch.hpp>
#include <climits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.hpp"

using shardis::protocol::ParserLimits;
using shardis::protocol::ParseStatus;
using shardis::protocol::RequestParser;
using namespace std::string_literals;

namespace {

using Command = std::vector<std::string>;

struct Outcome {
  std::vector<Command> commands;
  std::string error;   // empty unless the input hit a protocol error
  size_t pending = 0;  // pending_bytes() after the last chunk
  bool operator==(const Outcome& o) const {
    return commands == o.commands && error == o.error && pending == o.pending;
  }
};

// Feeds every chunk to one parser, collecting commands until the input runs
// out or a protocol error stops it. Checks the feed() contract on the way.
Outcome parse_chunks(RequestParser& parser, const std::vector<std::string_view>& chunks) {
  Outcome out;
  for (std::string_view chunk : chunks) {
    size_t off = 0;
    while (true) {
      size_t used = 0;
      const ParseStatus st = parser.feed(chunk.data() + off, chunk.size() - off, &used);
      REQUIRE(used <= chunk.size() - off);
      off += used;
      if (st == ParseStatus::kCommand) {
        out.commands.push_back(parser.command());
        continue;
      }
      if (st == ParseStatus::kError) {
        out.error = parser.error();
        return out;
      }
      REQUIRE(off == chunk.size());
      break;
    }
  }
  out.pending = parser.pending_bytes();
  return out;
}

Outcome parse_chunks(const std::vector<std::string_view>& chunks, ParserLimits limits = {},
                     bool auth_required = false) {
  RequestParser parser(limits);
  parser.set_auth_required(auth_required);
  return parse_chunks(parser, chunks);
}

Outcome parse(std::string_view input, ParserLimits limits = {}, bool auth_required = false) {
  return parse_chunks(std::vector<std::string_view>{input}, limits, auth_required);
}

Outcome parse_bytewise(std::string_view input) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < input.size(); ++i) chunks.push_back(input.substr(i, 1));
  return parse_chunks(chunks);
}

std::string multibulk(const Command& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// A pipeline mixing every framing the parser knows: multibulk with empty,
// binary and CRLF-containing arguments, empty multibulks, inline commands
// with quotes and both line ends, and blank lines.
const std::string kBinary = "a\r\nb\0c\n\r"s;
const std::vector<Command> kPipelineCommands = {
    {"SET", "key", "value"},
    {"GET", "key"},
    {"SET", "bin", kBinary},
    {"ECHO", ""},
    {"PING"},
    {"SET", "k y", "v \"q\" 'x'"},
    {"ECHO", "tab\tnl\n"},
    {"MSET", "a", "1", "b", "2", "c", "3"},
};
const std::string kPipeline = multibulk(kPipelineCommands[0]) + multibulk(kPipelineCommands[1]) +
                              "*0\r\n" + multibulk(kPipelineCommands[2]) + "*-1\r\n" +
                              multibulk(kPipelineCommands[3]) + "\r\n\n   \r\n" + "PING\n" +
                              "SET \"k y\" 'v \"q\" \\'x\\''\r\n" + "ECHO \"tab\\tnl\\n\"\r\n" +
                              multibulk(kPipelineCommands[7]);

}  // namespace

TEST_CASE("parser: a pipeline parses whole into its commands", "[parser]") {
  const Outcome whole = parse(kPipeline);
  CHECK(whole.error.empty());
  CHECK(whole.commands == kPipelineCommands);
  CHECK(whole.pending == 0);
}

TEST_CASE("parser: a pipeline split at any position parses the same", "[parser]") {
  const Outcome whole = parse(kPipeline);
  for (size_t cut = 0; cut <= kPipeline.size(); ++cut) {
    INFO("cut at " << cut);
    const std::string_view in(kPipeline);
    CHECK(parse_chunks({in.substr(0, cut), in.substr(cut)}) == whole);
  }
}

TEST_CASE("parser: a pipeline split at any two positions parses the same", "[parser]") {
  const Outcome whole = parse(kPipeline);
  const std::string_view in(kPipeline);
  // Every first cut with every third second cut keeps the run short while
  // still putting both cuts in every kind of position.
  for (size_t a = 0; a <= in.size(); ++a) {
    for (size_t b = a; b <= in.size(); b += 3) {
      const Outcome got = parse_chunks({in.substr(0, a), in.substr(a, b - a), in.substr(b)});
      if (!(got == whole)) FAIL("cuts at " << a << " and " << b);
    }
  }
}

TEST_CASE("parser: a pipeline fed one byte at a time parses the same", "[parser]") {
  CHECK(parse_bytewise(kPipeline) == parse(kPipeline));
}

TEST_CASE("parser: a pipeline fed in random chunks parses the same", "[parser]") {
  const Outcome whole = parse(kPipeline);
  std::mt19937 rng(20240601);
  for (int round = 0; round < 2000; ++round) {
    std::uniform_int_distribution<size_t> size(1, round % 2 ? 4 : 40);
    std::vector<std::string_view> chunks;
    for (size_t off = 0; off < kPipeline.size();) {
      const size_t n = std::min(size(rng), kPipeline.size() - off);
      chunks.push_back(std::string_view(kPipeline).substr(off, n));
      off += n;
    }
    INFO("round " << round);
    REQUIRE(parse_chunks(chunks) == whole);
  }
}

TEST_CASE("parser: kCommand leaves the following bytes unconsumed", "[parser]") {
  RequestParser parser;
  const std::string first = multibulk({"GET", "a"});
  const std::string input = first + "PING\r\n" + "*1\r\n$4\r\nPI";
  size_t used = 0;
  REQUIRE(parser.feed(input.data(), input.size(), &used) == ParseStatus::kCommand);
  CHECK(used == first.size());
  CHECK(parser.command() == Command{"GET", "a"});
  size_t off = used;
  REQUIRE(parser.feed(input.data() + off, input.size() - off, &used) == ParseStatus::kCommand);
  CHECK(used == 6);
  CHECK(parser.command() == Command{"PING"});
  off += used;
  REQUIRE(parser.feed(input.data() + off, input.size() - off, &used) == ParseStatus::kNeedMore);
  CHECK(used == input.size() - off);
  CHECK(parser.pending_bytes() == 2);
  REQUIRE(parser.feed("NG\r\n", 4, &used) == ParseStatus::kCommand);
  CHECK(used == 4);
  CHECK(parser.command() == Command{"PING"});
  REQUIRE(parser.feed(nullptr, 0, &used) == ParseStatus::kNeedMore);
  CHECK(used == 0);
}

TEST_CASE("parser: the caller may move from each command", "[parser]") {
  RequestParser parser;
  const std::string input = multibulk({"SET", "k", std::string(100, 'v')}) +
                            multibulk({"SET", "k2", "v2"}) + multibulk({"GET", "k"}) +
                            multibulk({"MSET", "a", "1", "b", "2"});
  std::vector<Command> got;
  size_t off = 0;
  int n = 0;
  while (off < input.size()) {
    size_t used = 0;
    REQUIRE(parser.feed(input.data() + off, input.size() - off, &used) == ParseStatus::kCommand);
    off += used;
    // Alternate between moving the whole vector and moving single strings.
    if (n++ % 2 == 0) {
      got.push_back(std::move(parser.command()));
    } else {
      Command c;
      for (auto& arg : parser.command()) c.push_back(std::move(arg));
      got.push_back(std::move(c));
    }
  }
  CHECK(got == std::vector<Command>{{"SET", "k", std::string(100, 'v')},
                                    {"SET", "k2", "v2"},
                                    {"GET", "k"},
                                    {"MSET", "a", "1", "b", "2"}});
}

TEST_CASE("parser: header and bulk terminators follow Redis", "[parser]") {
  // Redis skips the byte after a header's '\r' and the two bytes after a
  // bulk without looking at them.
  CHECK(parse("*1\rx$4\r\nPING\r\n").commands == std::vector<Command>{{"PING"}});
  CHECK(parse("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n").commands ==
        std::vector<Command>{{"PING"}, {"PING"}});
  // Until both bytes after the bulk arrive the command is incomplete.
  CHECK(parse("*1\r\n$4\r\nPING").commands.empty());
  CHECK(parse("*1\r\n$4\r\nPING\r").commands.empty());
  // Empty and negative multibulks are skipped.
  CHECK(parse("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n").commands ==
        std::vector<Command>{{"PING"}});
  // A NUL in bulk data is data.
  CHECK(parse("*1\r\n$4\r\nPI\0G\r\n"s).commands == std::vector<Command>{{"PI\0G"s}});
}

TEST_CASE("parser: inline commands split like sdssplitargs", "[parser]") {
  struct Case {
    std::string in;
    Command want;
  };
  const std::vector<Case> cases = {
      {"PING\r\n", {"PING"}},
      {"PING\n", {"PING"}},
      {"  echo   x  \r\n", {"echo", "x"}},
      {"echo\tx\r\n", {"echo", "x"}},
      {"echo a\rb\r\n", {"echo", "a", "b"}},
      {"echo x\r\r\n", {"echo", "x"}},
      {"echo a\vb\r\n", {"echo", "a\vb"}},
      {"\vecho\fx\r\n", {"echo\fx"}},
      {"echo foo\"bar\"\r\n", {"echo", "foobar"}},
      {"set k \"a b\"\r\n", {"set", "k", "a b"}},
      {"echo \"a\\x41\\n\\q\"\r\n", {"echo", "aA\nq"}},
      {"echo \"\\r\\t\\b\\a\\\\\\\"\"\r\n", {"echo", "\r\t\b\a\\\""}},
      {"echo \"\\xZZ\" \"\\x4\" \"\\x4a\\x4A\"\r\n", {"echo", "xZZ", "x4", "JJ"}},
      {"echo \"\\x00\"\r\n", {"echo", "\0"s}},
      {"echo 'it\\'s' 'a\\nb'\r\n", {"echo", "it's", "a\\nb"}},
      {"echo '' \"\"\r\n", {"echo", "", ""}},
      {"echo \"a\"\v\r\n", {"echo", "a"}},
      {"echo \"a\"\r\n", {"echo", "a"}},
      {"echo \"a\"", {}},  // no newline yet
  };
  for (const auto& c : cases) {
    INFO(c.in);
    const Outcome got = parse(c.in);
    CHECK(got.error.empty());
    if (c.want.empty()) {
      CHECK(got.commands.empty());
    } else {
      CHECK(got.commands == std::vector<Command>{c.want});
    }
    CHECK(parse_bytewise(c.in) == got);
  }
}

TEST_CASE("parser: blank inline lines are skipped", "[parser]") {
  CHECK(parse("\r\n\n  \r\n\t\nPING\r\n").commands == std::vector<Command>{{"PING"}});
  CHECK(parse("\r\n\r\n").commands.empty());
}

TEST_CASE("parser: unbalanced quotes in inline commands", "[parser]") {
  for (const char* in : {"echo \"foo\"bar\r\n", "echo 'foo'bar\r\n", "echo \"abc\r\n",
                         "echo 'abc\r\n", "echo \"a\\\"\r\n", "echo \"a\\\r\n"}) {
    INFO(in);
    CHECK(parse(in).error == "Protocol error: unbalanced quotes in request");
  }
}

TEST_CASE("parser: protocol errors carry Redis's texts", "[parser]") {
  struct Case {
    std::string in;
    std::string error;
  };
  const std::string kInvalidMbulk = "Protocol error: invalid multibulk length";
  const std::string kInvalidBulk = "Protocol error: invalid bulk length";
  const std::vector<Case> cases = {
      {"*\r\n", kInvalidMbulk},
      {"*01\r\n", kInvalidMbulk},
      {"*+1\r\n", kInvalidMbulk},
      {"*-\r\n", kInvalidMbulk},
      {"*-0\r\n", kInvalidMbulk},
      {"*1x\r\n", kInvalidMbulk},
      {"* 1\r\n", kInvalidMbulk},
      {"*1 \r\n", kInvalidMbulk},
      {"*1\n$1\r\n", kInvalidMbulk},
      {"*99999999999999999999\r\n", kInvalidMbulk},
      {"*1\r\n$\r\n", kInvalidBulk},
      {"*1\r\n$-1\r\n", kInvalidBulk},
      {"*1\r\n$04\r\n", kInvalidBulk},
      {"*1\r\n$4x\r\n", kInvalidBulk},
      {"*1\r\n$536870913\r\n", kInvalidBulk},
      {"*1\r\n$9223372036854775808\r\n", kInvalidBulk},
      {"*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'"},
      {"*2\r\n$1\r\na\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
      // Redis's error formatter turns CR and LF into spaces.
      {"*1\r\n\r\n", "Protocol error: expected '$', got ' '"},
      {"*1\r\n\n\r\n", "Protocol error: expected '$', got ' '"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(parse(c.in).error == c.error);
    CHECK(parse_bytewise(c.in).error == c.error);
  }
}

TEST_CASE("parser: counts up to the limits are accepted", "[parser]") {
  CHECK(parse("*1073741823\r\n").error.empty());
  CHECK(parse("*1\r\n$536870912\r\n").error.empty());
  ParserLimits limits;
  limits.max_multibulk = INT_MAX;
  CHECK(parse("*2147483647\r\n", limits).error.empty());
  CHECK(parse("*2147483648\r\n", limits).error == "Protocol error: invalid multibulk length");
}

TEST_CASE("parser: set_max_bulk_len bounds bulks", "[parser]") {
  RequestParser parser;
  parser.set_max_bulk_len(10);
  CHECK(parse_chunks(parser, {"*1\r\n$10\r\n0123456789\r\n"}).commands ==
        std::vector<Command>{{"0123456789"}});
  CHECK(parse_chunks(parser, {"*1\r\n$11\r\n"}).error == "Protocol error: invalid bulk length");
}

TEST_CASE("parser: unauthenticated clients get tighter limits", "[parser]") {
  const std::string kMbulk = "Protocol error: unauthenticated multibulk length";
  const std::string kBulk = "Protocol error: unauthenticated bulk length";
  CHECK(parse("*11\r\n", {}, true).error == kMbulk);
  CHECK(parse("*10\r\n", {}, true).error.empty());
  CHECK(parse("*1\r\n$16385\r\n", {}, true).error == kBulk);
  CHECK(parse("*1\r\n$16384\r\n", {}, true).error.empty());
  // The general limits are checked first.
  CHECK(parse("*1\r\n$536870913\r\n", {}, true).error == "Protocol error: invalid bulk length");
  // Empty multibulks and inline commands are not limited.
  CHECK(parse("*-100\r\nPING a b c d e f g h i j k l\r\n", {}, true).commands.size() == 1);
  CHECK(parse("*11\r\n").error.empty());
  CHECK(parse("*1\r\n$16385\r\n").error.empty());

  // Authenticating mid-pipeline lifts the limits for what follows.
  RequestParser parser;
  parser.set_auth_required(true);
  const std::string auth = multibulk({"AUTH", "pw"});
  const std::string big = multibulk(Command(11, std::string(16385, 'x')));
  const std::string input = auth + big;
  size_t used = 0;
  REQUIRE(parser.feed(input.data(), input.size(), &used) == ParseStatus::kCommand);
  parser.set_auth_required(false);
  size_t used2 = 0;
  REQUIRE(parser.feed(input.data() + used, input.size() - used, &used2) == ParseStatus::kCommand);
  CHECK(parser.command().size() == 11);
}

TEST_CASE("parser: over-long lines without their end are refused", "[parser]") {
  // The limit counts the line from its first byte and applies while its end
  // has not been seen (Redis checks the unparsed query buffer).
  CHECK(parse("*" + std::string(65535, '1')).error.empty());
  CHECK(parse("*" + std::string(65536, '1')).error == "Protocol error: too big mbulk count string");
  CHECK(parse("*1\r\n$" + std::string(65535, '1')).error.empty());
  CHECK(parse("*1\r\n$" + std::string(65536, '1')).error ==
        "Protocol error: too big bulk count string");
  CHECK(parse(std::string(65536, 'A')).error.empty());
  CHECK(parse(std::string(65537, 'A')).error == "Protocol error: too big inline request");
  // A long inline command whose end is in the same input is accepted.
  CHECK(parse("ECHO " + std::string(70000, 'A') + "\r\n").commands ==
        std::vector<Command>{{"ECHO", std::string(70000, 'A')}});
  // Split input reaches the same verdicts.
  const std::string in(70000, 'A');
  std::vector<std::string_view> chunks;
  for (size_t off = 0; off < in.size(); off += 1000) {
    chunks.push_back(std::string_view(in).substr(off, 1000));
  }
  CHECK(parse_chunks(chunks).error == "Protocol error: too big inline request");
  // The commands before the error are still delivered.
  const Outcome got = parse("PING\r\n" + std::string(65537, 'A'));
  CHECK(got.commands == std::vector<Command>{{"PING"}});
  CHECK(got.error == "Protocol error: too big inline request");

  ParserLimits limits;
  limits.max_inline = 8;
  CHECK(parse("*1\r\n$12345678", limits).error == "Protocol error: too big bulk count string");
  CHECK(parse("*1\r\n$1234567", limits).error.empty());
}

TEST_CASE("parser: a NUL hides the end of a line, as from Redis's strchr", "[parser]") {
  ParserLimits limits;
  limits.max_inline = 100;
  for (const auto& [prefix, error] : std::vector<std::pair<std::string, std::string>>{
           {"PING\0\r\n"s, "Protocol error: too big inline request"},
           {"\0PING\r\n"s, "Protocol error: too big inline request"},
           {"*1\0\r\n$4\r\nPING\r\n"s, "Protocol error: too big mbulk count string"},
           {"*1\r\n$4\0\r\nPING\r\n"s, "Protocol error: too big bulk count string"},
       }) {
    INFO(prefix);
    const Outcome waiting = parse(prefix, limits);
    CHECK(waiting.commands.empty());
    CHECK(waiting.error.empty());
    // The end of the line arriving later is hidden as well.
    const Outcome later = parse_chunks({prefix, "\r\nPING\r\n"}, limits);
    CHECK(later.commands.empty());
    CHECK(later.error.empty());
    const std::string more = prefix + std::string(200, 'x') + "\r\n";
    CHECK(parse(more, limits).error == error);
    CHECK(parse_chunks({prefix, std::string(200, 'x')}, limits).error == error);
  }
  // A NUL after a complete command starts an inline line that never ends.
  CHECK(parse("*1\r\n$4\r\nPING\r\n\0PING\r\n"s).commands == std::vector<Command>{{"PING"}});
}

TEST_CASE("parser: huge declared counts allocate nothing up front", "[parser]") {
  RequestParser parser;
  const std::string head = "*1000000000\r\n";
  size_t used = 0;
  REQUIRE(parser.feed(head.data(), head.size(), &used) == ParseStatus::kNeedMore);
  CHECK(parser.command().capacity() <= 1024);
  CHECK(parser.pending_bytes() == 0);

  const std::string bulk = "$536870912\r\n" + std::string(1000, 'x');
  REQUIRE(parser.feed(bulk.data(), bulk.size(), &used) == ParseStatus::kNeedMore);
  CHECK(parser.pending_bytes() == 1000);
  size_t held = 0;
  for (const auto& arg : parser.command()) held += arg.capacity();
  CHECK(held < 256 * 1024);
}

TEST_CASE("parser: a big bulk arriving in pieces grows with its data", "[parser]") {
  const size_t kLen = 4 * 1024 * 1024;
  std::string value(kLen, '\0');
  for (size_t i = 0; i < kLen; ++i) value[i] = static_cast<char>(i * 7);
  const std::string input = multibulk({"SET", "big", value});
  RequestParser parser;
  size_t fed = 0;
  std::string_view in(input);
  const size_t kChunk = 64 * 1024;
  while (fed + kChunk < input.size()) {
    size_t used = 0;
    REQUIRE(parser.feed(in.data() + fed, kChunk, &used) == ParseStatus::kNeedMore);
    fed += used;
    // What is held is data that arrived; capacity stays within about twice it.
    size_t held = 0;
    for (const auto& arg : parser.command()) held += arg.capacity();
    REQUIRE(held <= 2 * parser.pending_bytes() + 2 * kChunk + 64);
  }
  CHECK(parser.pending_bytes() > kLen - kChunk);
  size_t used = 0;
  REQUIRE(parser.feed(in.data() + fed, in.size() - fed, &used) == ParseStatus::kCommand);
  CHECK(used == in.size() - fed);
  CHECK(parser.pending_bytes() == 0);
  REQUIRE(parser.command().size() == 3);
  CHECK(parser.command()[2] == value);
}

TEST_CASE("parser: pending_bytes counts the command in progress", "[parser]") {
  RequestParser parser;
  size_t used = 0;
  const std::string part1 = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\nabc";
  REQUIRE(parser.feed(part1.data(), part1.size(), &used) == ParseStatus::kNeedMore);
  CHECK(parser.pending_bytes() == 9);
  const std::string part2 = "defghij\r\n$";
  REQUIRE(parser.feed(part2.data(), 9, &used) == ParseStatus::kCommand);
  CHECK(parser.pending_bytes() == 0);
  REQUIRE(parser.feed(part2.data() + 9, 1, &used) == ParseStatus::kNeedMore);
  CHECK(parser.pending_bytes() == 1);

  RequestParser inline_parser;
  REQUIRE(inline_parser.feed("SET a b", 7, &used) == ParseStatus::kNeedMore);
  CHECK(inline_parser.pending_bytes() == 7);
}

TEST_CASE("parser: after an error feed keeps failing", "[parser]") {
  RequestParser parser;
  size_t used = 0;
  REQUIRE(parser.feed("*x\r\n", 4, &used) == ParseStatus::kError);
  CHECK(parser.error() == "Protocol error: invalid multibulk length");
  CHECK(parser.feed("PING\r\n", 6, &used) == ParseStatus::kError);
  CHECK(parser.error() == "Protocol error: invalid multibulk length");
}
