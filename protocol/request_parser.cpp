// The parser follows Redis 7.0's processInputBuffer() state by state, error
// text by error text, with one difference in shape: Redis keeps unparsed
// bytes in a query buffer and re-runs its line search on every read, while
// this parser consumes each input chunk completely and remembers where it
// stopped. A command that arrives whole is parsed straight from the caller's
// bytes, so every argument is copied exactly once, into its std::string. A
// bulk that arrives in pieces is appended to its argument as it comes, and
// that buffer grows with the data received, never to a length a header
// merely claims.
//
// Quirks kept on purpose because clients observe them:
// - header lines end at the first '\r' and the byte after it, whatever that
//   byte is; the two bytes after a bulk are skipped unchecked;
// - Redis finds line ends with strchr(), so a NUL byte before the end of a
//   line hides it: the line then only ends by outgrowing the inline limit;
// - the "too big" limits apply only while a line's end has not been seen.

#include "protocol/request_parser.hpp"

#include "protocol/text.hpp"

#include <algorithm>
#include <cstring>

namespace shardis::protocol {
namespace {

// Redis starts argv at min(count, 1024) entries and grows it as arguments
// arrive, so a huge declared count costs nothing until its data comes.
constexpr size_t kMaxArgvReserve = 1024;
// A bulk whose bytes are still arriving is grown ahead of the data by at most
// this much (or by its own size, whichever is more), never to its declared
// length at once: a header alone must not make the server allocate.
constexpr size_t kBulkReserveAhead = size_t{64} * 1024;
// An argument buffer kept for reuse by the next command is released instead
// when it is this large, so later commands do not keep one big value's
// memory alive.
constexpr size_t kMaxReusedArgCapacity = size_t{64} * 1024;
// Likewise for the buffer of lines split across inputs, which an idle
// connection would otherwise keep at its largest size.
constexpr size_t kMaxReusedLineCapacity = size_t{4} * 1024;

// The common case of a header line: "<type><digits>\r" and one more byte, all
// in the input, with a positive count that cannot overflow. Parses it in one
// pass and advances p; anything else is left to the general path, which
// gives the same answer for these lines.
bool fast_header(const char*& p, const char* end, char type, int64_t* value) {
  constexpr int kSafeDigits = 18;
  if (p == end || *p != type) return false;
  const char* q = p + 1;
  if (q == end || *q < '1' || *q > '9') return false;
  int64_t v = 0;
  for (int digits = 0; q != end && *q >= '0' && *q <= '9'; ++q) {
    if (++digits > kSafeDigits) return false;
    v = v * 10 + (*q - '0');
  }
  if (end - q < 2 || *q != '\r') return false;
  *value = v;
  p = q + 2;
  return true;
}

}  // namespace

size_t RequestParser::pending_bytes() const {
  if (state_ == State::kStart || state_ == State::kFailed) return 0;
  return args_bytes_ + line_size_;
}

ParseStatus RequestParser::fail(std::string_view message) {
  error_.assign(message);
  state_ = State::kFailed;
  return ParseStatus::kError;
}

// Finds the end of the current line in [p, end). Header lines end with '\r'
// plus any one byte (skip_after), inline lines with '\n'. On kDone *line is
// the line without its terminator, pointing into the input when the line
// arrived in one piece, else into line_; the caller must call end_line()
// once done with it. kMore and kTooBig consume all input.
RequestParser::LineStatus RequestParser::read_line(const char*& p, const char* end, char term,
                                                   bool skip_after, std::string_view* line) {
  if (line_cr_) {
    if (p == end) return LineStatus::kMore;
    ++p;
    *line = line_;
    return LineStatus::kDone;
  }
  const auto avail = static_cast<size_t>(end - p);
  if (!line_nul_) {
    const char* t = static_cast<const char*>(std::memchr(p, term, avail));
    const char* stop = t ? t : end;
    if (std::memchr(p, '\0', static_cast<size_t>(stop - p))) {
      line_nul_ = true;
      line_.clear();
    } else if (t && skip_after && t + 1 == end) {
      line_.append(p, t);
      line_size_ += avail;
      line_cr_ = true;
      p = end;
      return LineStatus::kMore;
    } else if (t) {
      if (line_size_ == 0) {
        *line = std::string_view(p, static_cast<size_t>(t - p));
      } else {
        line_.append(p, t);
        *line = line_;
      }
      p = t + 1 + (skip_after ? 1 : 0);
      return LineStatus::kDone;
    } else {
      line_.append(p, end);
    }
  }
  line_size_ += avail;
  p = end;
  return line_size_ > limits_.max_inline ? LineStatus::kTooBig : LineStatus::kMore;
}

void RequestParser::end_line() {
  if (line_.capacity() > kMaxReusedLineCapacity) {
    std::string().swap(line_);
  } else {
    line_.clear();
  }
  line_size_ = 0;
  line_cr_ = false;
}

// The slot for the next argument. Slots of the previous command are reused
// (assigning into a string keeps its buffer), unless the caller moved them out.
std::string& RequestParser::next_arg() {
  if (argc_ == args_.size()) {
    ++argc_;
    return args_.emplace_back();
  }
  std::string& arg = args_[argc_];
  if (arg.capacity() > kMaxReusedArgCapacity) {
    std::string().swap(arg);
  } else {
    arg.clear();
  }
  ++argc_;
  return arg;
}

void RequestParser::grow_bulk(std::string& arg, size_t incoming) const {
  const size_t want = arg.size() + incoming;
  if (want <= arg.capacity()) return;
  const size_t ahead = std::max(want, kBulkReserveAhead);
  arg.reserve(std::min(static_cast<size_t>(bulk_len_), want + ahead));
}

ParseStatus RequestParser::feed(const char* data, size_t len, size_t* consumed) {
  const char* p = data;
  const char* const end = data + len;
  auto need_more = [&] {
    *consumed = len;
    return ParseStatus::kNeedMore;
  };
  auto command_done = [&] {
    args_.resize(argc_);
    state_ = State::kStart;
    *consumed = static_cast<size_t>(p - data);
    return ParseStatus::kCommand;
  };
  auto failed = [&](std::string_view message) {
    *consumed = static_cast<size_t>(p - data);
    return fail(message);
  };

  while (true) {
    switch (state_) {
      case State::kStart:
        if (p == end) return need_more();
        argc_ = 0;
        args_bytes_ = 0;
        state_ = *p == '*' ? State::kMultibulkCount : State::kInline;
        break;

      case State::kInline: {
        std::string_view line;
        switch (read_line(p, end, '\n', false, &line)) {
          case LineStatus::kMore:
            return need_more();
          case LineStatus::kTooBig:
            return failed("Protocol error: too big inline request");
          case LineStatus::kDone:
            break;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const bool balanced = split_inline(line);
        end_line();
        if (!balanced) return failed("Protocol error: unbalanced quotes in request");
        if (argc_ == 0) {
          state_ = State::kStart;
          break;
        }
        return command_done();
      }

      case State::kMultibulkCount: {
        int64_t count = 0;
        bool ok = true;
        if (line_size_ > 0 || !fast_header(p, end, '*', &count)) {
          std::string_view line;
          switch (read_line(p, end, '\r', true, &line)) {
            case LineStatus::kMore:
              return need_more();
            case LineStatus::kTooBig:
              return failed("Protocol error: too big mbulk count string");
            case LineStatus::kDone:
              break;
          }
          ok = string_to_ll(line.substr(1), &count);
          end_line();
        }
        if (!ok || count > limits_.max_multibulk) {
          return failed("Protocol error: invalid multibulk length");
        }
        if (count > limits_.unauth_max_multibulk && auth_required_) {
          return failed("Protocol error: unauthenticated multibulk length");
        }
        if (count <= 0) {
          state_ = State::kStart;
          break;
        }
        multibulk_left_ = count;
        args_.reserve(std::min(static_cast<size_t>(count), kMaxArgvReserve));
        state_ = State::kBulkHeader;
        break;
      }

      case State::kBulkHeader: {
        int64_t bulk_len = 0;
        bool ok = true;
        if (line_size_ > 0 || !fast_header(p, end, '$', &bulk_len)) {
          std::string_view line;
          switch (read_line(p, end, '\r', true, &line)) {
            case LineStatus::kMore:
              return need_more();
            case LineStatus::kTooBig:
              return failed("Protocol error: too big bulk count string");
            case LineStatus::kDone:
              break;
          }
          if (line.empty() || line[0] != '$') {
            // An empty line means Redis saw the '\r' itself; its error
            // formatter turns CR and LF into spaces.
            const char got = line.empty() || line[0] == '\n' ? ' ' : line[0];
            end_line();
            std::string message = "Protocol error: expected '$', got ' '";
            message[message.size() - 2] = got;
            return failed(message);
          }
          ok = string_to_ll(line.substr(1), &bulk_len);
          end_line();
        }
        if (!ok || bulk_len < 0 || bulk_len > limits_.max_bulk_len) {
          return failed("Protocol error: invalid bulk length");
        }
        if (bulk_len > limits_.unauth_max_bulk && auth_required_) {
          return failed("Protocol error: unauthenticated bulk length");
        }
        bulk_len_ = bulk_len;
        next_arg();
        state_ = State::kBulkData;
        break;
      }

      case State::kBulkData: {
        std::string& arg = args_[argc_ - 1];
        const size_t missing = static_cast<size_t>(bulk_len_) - arg.size();
        const auto avail = static_cast<size_t>(end - p);
        if (avail < missing) {
          grow_bulk(arg, avail);
          arg.append(p, avail);
          args_bytes_ += avail;
          return need_more();
        }
        arg.append(p, missing);
        args_bytes_ += missing;
        p += missing;
        bulk_end_left_ = 2;
        state_ = State::kBulkEnd;
        break;
      }

      case State::kBulkEnd: {
        const size_t skip = std::min(bulk_end_left_, static_cast<size_t>(end - p));
        p += skip;
        bulk_end_left_ -= skip;
        if (bulk_end_left_ > 0) return need_more();
        if (--multibulk_left_ == 0) return command_done();
        state_ = State::kBulkHeader;
        break;
      }

      case State::kFailed:
        *consumed = 0;
        return ParseStatus::kError;
    }
  }
}

bool RequestParser::split_inline(std::string_view line) {
  const bool balanced = split_args(line, [this]() -> std::string& { return next_arg(); });
  args_bytes_ = 0;
  for (size_t i = 0; i < argc_; ++i) args_bytes_ += args_[i].size();
  return balanced;
}

}  // namespace shardis::protocol
