// shardis-pubsub-bench's frame scanner (tools/frame_counter.hpp): frames
// counted and sized however the bytes are split, and every other shape
// refused.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tools/frame_counter.hpp"

namespace shardis::tools {
namespace {

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::string message(const std::string& channel, const std::string& payload) {
  return "*3\r\n" + bulk("message") + bulk(channel) + bulk(payload);
}

// Feeds `bytes` in pieces of `step`; the payload sizes seen, or "error: ...".
std::vector<std::string> run(FrameCounter& counter, const std::string& bytes, size_t step) {
  std::vector<std::string> seen;
  for (size_t at = 0; at < bytes.size(); at += step) {
    const std::string piece = bytes.substr(at, step);
    if (!counter.feed(piece.data(), piece.size(),
                      [&](size_t payload) { seen.push_back(std::to_string(payload)); })) {
      seen.push_back("error: " + counter.error());
      break;
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("frame counter: messages however the bytes are split", "[tools]") {
  // A payload holding CRLF and '*' is cut by its length, not its bytes.
  const std::string bytes = message("ch", "hello") + message("ch", std::string(300, 'x')) +
                            message("chan", "a\r\n*3\r\nb") + message("ch", "");
  const std::vector<std::string> expected = {"5", "300", "8", "0"};
  for (size_t step : {bytes.size(), size_t{1}, size_t{2}, size_t{7}, size_t{64}}) {
    FrameCounter counter("message", 3);
    INFO("step " << step);
    CHECK(run(counter, bytes, step) == expected);
    CHECK(counter.buffered() == 0);
  }
}

TEST_CASE("frame counter: a partial frame waits for its rest", "[tools]") {
  FrameCounter counter("message", 3);
  const std::string frame = message("ch", "payload");
  CHECK(run(counter, frame.substr(0, frame.size() - 1), 1000).empty());
  CHECK(counter.buffered() == frame.size() - 1);
  CHECK(run(counter, frame.substr(frame.size() - 1), 1000) == std::vector<std::string>{"7"});
  CHECK(counter.buffered() == 0);
}

TEST_CASE("frame counter: pattern messages have four elements", "[tools]") {
  FrameCounter counter("pmessage", 4);
  const std::string frame =
      "*4\r\n" + bulk("pmessage") + bulk("bench:*") + bulk("bench:1") + bulk("1234");
  CHECK(run(counter, frame + frame, 3) == std::vector<std::string>{"4", "4"});
}

TEST_CASE("frame counter: other shapes are errors", "[tools]") {
  FrameCounter counter("message", 3);
  SECTION("a pattern message where messages are expected") {
    CHECK(run(counter, "*4\r\n" + bulk("pmessage") + bulk("p") + bulk("c") + bulk("m"), 1) ==
          std::vector<std::string>{"error: expected 3 elements, got 4"});
  }
  SECTION("another kind of frame") {
    CHECK(run(counter, "*3\r\n" + bulk("subscribe") + bulk("ch") + ":1\r\n", 100) ==
          std::vector<std::string>{"error: expected a 'message' frame, got 'subscribe'"});
  }
  SECTION("an error reply") {
    CHECK(run(counter, "-ERR no\r\n", 100) ==
          std::vector<std::string>{"error: expected '*', got byte 45"});
  }
  SECTION("a length that is not a number") {
    CHECK(run(counter, "*3\r\n$x\r\n", 100) ==
          std::vector<std::string>{"error: bad length after '$'"});
  }
  SECTION("a bulk string longer than its length") {
    CHECK(run(counter, "*3\r\n$7\r\nmessages\r\n", 100) ==
          std::vector<std::string>{"error: bulk string not followed by CRLF"});
  }
}

}  // namespace shardis::tools
