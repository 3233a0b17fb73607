#pragma once
// Incremental, bounded RESP request parser (multibulk and inline commands).
//
// The parser is resumable: feed() consumes as many bytes as it can and keeps
// the state of a half-received command between calls, so a 500 MB bulk that
// arrives in 64 KB reads is copied once, never re-scanned. Like Redis, it
// never trusts a client's counts: argument vectors grow as arguments arrive,
// not to the size a header claims.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardis::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk = 2147483647;          // INT_MAX: Redis rejects larger counts
  size_t max_inline = 64 * 1024;               // PROTO_INLINE_MAX_SIZE
  int64_t unauth_max_multibulk = 10;           // before AUTH when requirepass is set
  int64_t unauth_max_bulk = 16384;
};

enum class ParseStatus {
  kNeedMore,  // all input consumed (or kept for later), no complete command yet
  kCommand,   // a complete command is in command(); call feed() again for more
  kError,     // protocol error: error() holds Redis's reply text; close after replying
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses from data[0, len) and sets *consumed to the bytes used. On
  // kNeedMore every byte was consumed (partial input is kept inside the
  // parser); on kCommand the bytes after the command are left for the next
  // call. Empty multibulks (*0, *-1) and blank inline lines are skipped.
  ParseStatus feed(const char* data, size_t len, size_t* consumed);

  // The last complete command; the caller may move from it.
  std::vector<std::string>& command() { return args_; }
  // "Protocol error: ..." text for kError (without the leading '-ERR ').
  const std::string& error() const { return error_; }

  // Tighter limits apply while the client must still authenticate.
  void set_auth_required(bool required) { auth_required_ = required; }
  void set_max_bulk_len(int64_t n) { limits_.max_bulk_len = n; }
  // Bytes buffered inside the parser for the command in progress.
  size_t pending_bytes() const;

 private:
  enum class State : uint8_t {
    kStart,           // between commands; the next byte picks inline or multibulk
    kInline,          // reading an inline line up to '\n'
    kMultibulkCount,  // reading "*<count>\r\n"
    kBulkHeader,      // reading "$<len>\r\n"
    kBulkData,        // copying bulk_len_ bytes into the current argument
    kBulkEnd,         // skipping the two bytes that close a bulk
    kFailed,          // a protocol error was reported; feed() keeps failing
  };
  enum class LineStatus : uint8_t { kDone, kMore, kTooBig };

  LineStatus read_line(const char*& p, const char* end, char term, bool skip_after,
                       std::string_view* line);
  void end_line();
  std::string& next_arg();
  bool split_inline(std::string_view line);
  void grow_bulk(std::string& arg, size_t incoming) const;
  ParseStatus fail(std::string_view message);

  ParserLimits limits_;
  bool auth_required_ = false;
  State state_ = State::kStart;
  std::vector<std::string> args_;
  size_t argc_ = 0;        // arguments of the command in progress held in args_
  size_t args_bytes_ = 0;  // their bytes, for pending_bytes()
  std::string error_;
  int64_t multibulk_left_ = 0;  // arguments still to read
  int64_t bulk_len_ = 0;        // length of the bulk being read
  size_t bulk_end_left_ = 0;    // bytes of the bulk's trailing CRLF still to skip
  std::string line_;            // bytes of a line whose terminator has not arrived
  size_t line_size_ = 0;        // bytes seen of that line (line_ stops growing after a NUL)
  bool line_cr_ = false;        // header line's '\r' seen, the byte after it has not
  bool line_nul_ = false;       // a NUL hides the terminator, as it does from Redis's strchr()
};

}  // namespace shardis::protocol
