#pragma once
// Clients for tests over TCP.
//
// Client wraps hiredis (RESP2) and renders every reply to one canonical
// string, so a test compares replies with ==:
//   +OK        status          -ERR ...   error (full text)
//   :1         integer         $value     bulk string (raw bytes after '$')
//   (nil)      null bulk or null array
//   [a,b]      array, elements rendered recursively: [$k1,(nil),:3]
//
// RawSocket sends and reads bytes as they are, for protocol-level tests
// (malformed input, inline commands) and for RESP3, which hiredis 0.14
// cannot parse. parse_resp() decodes RESP2 and RESP3 frames.

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shardis::test {

using namespace std::chrono_literals;

using Args = std::vector<std::string>;

struct ReplyDeleter {
  void operator()(redisReply* r) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// The canonical rendering described above.
std::string render(const redisReply* reply);

// Splits a command line into arguments as redis-cli does: words separated by
// spaces; "double quotes" keep spaces and allow \" \\ \n \r \t \xHH;
// "" is an empty argument. Throws std::invalid_argument on unbalanced quotes.
Args split_args(std::string_view line);

class Client {
 public:
  // Connects or throws std::runtime_error. `timeout` bounds the connect and
  // every later read/write.
  Client(const std::string& host, uint16_t port, std::chrono::milliseconds timeout = 5s);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one command, returns its rendered reply. A broken connection
  // renders as "(io error: <reason>)" so comparisons fail with a reason.
  std::string raw(const Args& args);
  // Sends one command, returns hiredis's reply (null on a broken connection).
  ReplyPtr call(const Args& args);
  // Sends a command whose reply must be an integer; throws otherwise.
  long long integer(const Args& args);

  // Pipelining: queue commands locally, then read their replies in order.
  void append(const Args& args);
  std::string read_reply();
  // Sends all commands in one write and returns the rendered replies.
  std::vector<std::string> pipeline(const std::vector<Args>& commands);

  // The hiredis context, for code that speaks hiredis itself (the store
  // layers). Owned by the Client.
  redisContext* context() const { return ctx_; }

  // False once hiredis saw an I/O error or EOF.
  bool ok() const;
  std::string error() const;

 private:
  redisContext* ctx_ = nullptr;
};

// A decoded RESP2/RESP3 value. Maps ('%') and attribute frames keep their
// entries flattened as key, value, key, value... in `items`.
struct RespValue {
  char type = 0;      // the frame's type byte: + - : $ * % ~ > _ , # ( = |
  bool null = false;  // $-1, *-1 or _
  std::string str;    // simple string, error, bulk, verbatim, double, big number
  long long integer = 0;
  std::vector<RespValue> items;
};

// Decodes one frame from the front of `buf`. Returns the value and the number
// of bytes it took, or std::nullopt when the frame is not complete yet.
// Throws std::runtime_error on bytes that are not RESP.
std::optional<std::pair<RespValue, size_t>> parse_resp(std::string_view buf);

class RawSocket {
 public:
  RawSocket(const std::string& host, uint16_t port);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  void send(std::string_view bytes);
  // Returns the bytes that arrive until `n` are buffered, the peer closes or
  // `timeout` passes; at most n bytes are consumed.
  std::string read_exact(size_t n, std::chrono::milliseconds timeout = 2s);
  // Reads one complete RESP frame and returns its raw bytes; throws on a
  // timeout or when the peer closes first.
  std::string read_frame(std::chrono::milliseconds timeout = 2s);
  // Everything that arrives until the peer closes; throws if it is still open
  // after `timeout`.
  std::string read_until_closed(std::chrono::milliseconds timeout = 2s);
  // True if nothing arrives and the connection stays open for `quiet`.
  bool silent_for(std::chrono::milliseconds quiet);
  bool closed() const { return closed_; }

 private:
  // Reads once into buffer_, waiting at most until `deadline`. Returns false
  // on a timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace shardis::test
