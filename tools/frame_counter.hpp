#pragma once
// Counts pub/sub message frames in a subscriber's RESP2 byte stream, for
// shardis-pubsub-bench's readers.
//
// The readers first parsed with hiredis, which allocates a reply object per
// frame and per element: half of their time went to malloc and free, more
// CPU per message than the server spent delivering it. The readers share
// the machine's cores with the server, so that cost was part of every
// result. This scanner allocates nothing per frame: it checks each frame's
// shape (an array of `elements` bulk strings, the first one `kind`) and
// reports the last element's length, the payload's.

#include <cstddef>
#include <string>
#include <string_view>

namespace shardis::tools {

class FrameCounter {
 public:
  FrameCounter(std::string_view kind, size_t elements) : kind_(kind), elements_(elements) {}

  // Appends bytes and consumes every complete frame, calling
  // on_frame(payload_length) for each. False, with error() set, at the
  // first frame of another shape; the counter is then unusable.
  template <class OnFrame>
  bool feed(const char* data, size_t len, OnFrame&& on_frame) {
    buf_.append(data, len);
    size_t pos = 0;
    for (;;) {
      size_t payload = 0;
      const Status s = scan(&pos, &payload);
      if (s == kIncomplete) break;
      if (s == kBad) return false;
      on_frame(payload);
    }
    buf_.erase(0, pos);
    return true;
  }

  const std::string& error() const { return error_; }
  // Bytes of a frame not yet complete.
  size_t buffered() const { return buf_.size(); }

 private:
  enum Status { kFrame, kIncomplete, kBad };
  static constexpr size_t kMaxDigits = 19;

  Status bad(std::string what) {
    error_ = std::move(what);
    return kBad;
  }

  // "<prefix><decimal>\r\n" at *pos: the number in *n, *pos past the line.
  Status header(size_t* pos, char prefix, size_t* n) {
    size_t p = *pos;
    if (p >= buf_.size()) return kIncomplete;
    if (buf_[p] != prefix)
      return bad(std::string("expected '") + prefix + "', got byte " +
                 std::to_string(static_cast<unsigned char>(buf_[p])));
    ++p;
    size_t value = 0, digits = 0;
    for (; p < buf_.size() && buf_[p] != '\r'; ++p, ++digits) {
      if (buf_[p] < '0' || buf_[p] > '9' || digits == kMaxDigits)
        return bad("bad length after '" + std::string(1, prefix) + "'");
      value = value * 10 + static_cast<size_t>(buf_[p] - '0');
    }
    if (p + 1 >= buf_.size()) return kIncomplete;
    if (digits == 0 || buf_[p + 1] != '\n')
      return bad("bad length after '" + std::string(1, prefix) + "'");
    *pos = p + 2;
    *n = value;
    return kFrame;
  }

  // One frame at *pos; on success *pos is past it.
  Status scan(size_t* pos, size_t* payload) {
    size_t p = *pos, n = 0;
    if (Status s = header(&p, '*', &n); s != kFrame) return s;
    if (n != elements_)
      return bad("expected " + std::to_string(elements_) + " elements, got " + std::to_string(n));
    for (size_t i = 0; i < n; ++i) {
      size_t len = 0;
      if (Status s = header(&p, '$', &len); s != kFrame) return s;
      if (buf_.size() - p < len + 2) return kIncomplete;
      if (buf_[p + len] != '\r' || buf_[p + len + 1] != '\n')
        return bad("bulk string not followed by CRLF");
      if (i == 0 && std::string_view(buf_).substr(p, len) != kind_)
        return bad("expected a '" + kind_ + "' frame, got '" + buf_.substr(p, len) + "'");
      if (i + 1 == n) *payload = len;
      p += len + 2;
    }
    *pos = p;
    return kFrame;
  }

  const std::string kind_;
  const size_t elements_;
  std::string buf_;
  std::string error_;
};

}  // namespace shardis::tools
