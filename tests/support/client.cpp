#include "support/client.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace shardis::test {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000),
                 static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

std::string join(const Args& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

long long to_ll(std::string_view s) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::runtime_error("bad RESP number: '" + std::string(s) + "'");
  }
  return v;
}

}  // namespace

void ReplyDeleter::operator()(redisReply* r) const {
  freeReplyObject(r);
}

std::string render(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STATUS:
      return "+" + std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR:
      return "-" + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return ":" + std::to_string(reply->integer);
    case REDIS_REPLY_STRING:
      return "$" + std::string(reply->str, reply->len);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) out += ',';
        out += render(reply->element[i]);
      }
      return out + "]";
    }
    default:
      return "(unknown reply type " + std::to_string(reply->type) + ")";
  }
}

Args split_args(std::string_view line) {
  Args args;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    std::string arg;
    if (line[i] != '"') {
      while (i < line.size() && line[i] != ' ') arg += line[i++];
      args.push_back(std::move(arg));
      continue;
    }
    ++i;
    for (;;) {
      if (i >= line.size()) {
        throw std::invalid_argument("unbalanced quotes in: " + std::string(line));
      }
      char ch = line[i++];
      if (ch == '"') break;
      if (ch != '\\' || i >= line.size()) {
        arg += ch;
        continue;
      }
      char esc = line[i++];
      switch (esc) {
        case 'n':
          arg += '\n';
          break;
        case 'r':
          arg += '\r';
          break;
        case 't':
          arg += '\t';
          break;
        case 'x':
          if (i + 2 > line.size())
            throw std::invalid_argument("bad \\x escape in: " + std::string(line));
          arg += static_cast<char>(std::stoi(std::string(line.substr(i, 2)), nullptr, 16));
          i += 2;
          break;
        default:
          arg += esc;
          break;
      }
    }
    args.push_back(std::move(arg));
  }
  return args;
}

// ---------------------------------------------------------------------------
// Client

Client::Client(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  ctx_ = redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout));
  if (ctx_ == nullptr) throw std::runtime_error("hiredis: cannot allocate a context");
  if (ctx_->err != 0 || redisSetTimeout(ctx_, to_timeval(timeout)) != REDIS_OK) {
    std::string msg =
        "cannot connect to " + host + ":" + std::to_string(port) + ": " + ctx_->errstr;
    redisFree(ctx_);
    throw std::runtime_error(msg);
  }
}

Client::~Client() {
  redisFree(ctx_);
}

bool Client::ok() const {
  return ctx_->err == 0;
}

std::string Client::error() const {
  return ctx_->errstr;
}

ReplyPtr Client::call(const Args& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

std::string Client::raw(const Args& args) {
  ReplyPtr reply = call(args);
  if (!reply) return "(io error: " + error() + ")";
  return render(reply.get());
}

long long Client::integer(const Args& args) {
  ReplyPtr reply = call(args);
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    throw std::runtime_error("expected an integer reply to '" + join(args) + "', got " +
                             (reply ? render(reply.get()) : "(io error: " + error() + ")"));
  }
  return reply->integer;
}

void Client::append(const Args& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
      REDIS_OK) {
    throw std::runtime_error("hiredis: cannot queue '" + join(args) + "': " + error());
  }
}

std::string Client::read_reply() {
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) return "(io error: " + error() + ")";
  ReplyPtr reply(static_cast<redisReply*>(r));
  return render(reply.get());
}

std::vector<std::string> Client::pipeline(const std::vector<Args>& commands) {
  for (const auto& c : commands) append(c);
  std::vector<std::string> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply());
  return replies;
}

// ---------------------------------------------------------------------------
// RESP decoding

std::optional<std::pair<RespValue, size_t>> parse_resp(std::string_view buf) {
  if (buf.empty()) return std::nullopt;
  size_t eol = buf.find("\r\n");
  if (eol == std::string_view::npos) return std::nullopt;
  RespValue v;
  v.type = buf[0];
  std::string_view line = buf.substr(1, eol - 1);
  size_t pos = eol + 2;
  switch (v.type) {
    case '+':
    case '-':
    case ',':
    case '(':
      v.str = line;
      return std::pair{std::move(v), pos};
    case ':':
      v.integer = to_ll(line);
      return std::pair{std::move(v), pos};
    case '#':
      v.integer = line == "t" ? 1 : 0;
      return std::pair{std::move(v), pos};
    case '_':
      v.null = true;
      return std::pair{std::move(v), pos};
    case '$':
    case '=':
    case '!': {
      long long len = to_ll(line);
      if (len < 0) {
        v.null = true;
        return std::pair{std::move(v), pos};
      }
      if (buf.size() < pos + len + 2) return std::nullopt;
      v.str = buf.substr(pos, len);
      return std::pair{std::move(v), pos + len + 2};
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      long long n = to_ll(line);
      if (n < 0) {
        v.null = true;
        return std::pair{std::move(v), pos};
      }
      if (v.type == '%' || v.type == '|') n *= 2;
      for (long long i = 0; i < n; ++i) {
        auto item = parse_resp(buf.substr(pos));
        if (!item) return std::nullopt;
        v.items.push_back(std::move(item->first));
        pos += item->second;
      }
      return std::pair{std::move(v), pos};
    }
    default:
      throw std::runtime_error("not a RESP frame: '" + std::string(buf.substr(0, eol)) + "'");
  }
}

// ---------------------------------------------------------------------------
// RawSocket

RawSocket::RawSocket(const std::string& host, uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd_);
    throw std::runtime_error("not an IPv4 address: " + host);
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " +
                             std::strerror(e));
  }
}

RawSocket::~RawSocket() {
  ::close(fd_);
}

void RawSocket::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The server may close first (that is what some tests provoke); the
      // reads that follow report it.
      if (errno == EPIPE || errno == ECONNRESET) return;
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

bool RawSocket::fill(std::chrono::steady_clock::time_point deadline) {
  if (closed_) return true;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
  if (rc == 0) return false;
  if (rc < 0) {
    if (errno == EINTR) return true;
    throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
  }
  char chunk[16384];
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n > 0) {
    buffer_.append(chunk, static_cast<size_t>(n));
  } else if (n == 0 || errno == ECONNRESET) {
    closed_ = true;
  } else if (errno != EINTR && errno != EAGAIN) {
    throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
  }
  return true;
}

std::string RawSocket::read_exact(size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer_.size() < n && !closed_ && fill(deadline)) {
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, out.size());
  return out;
}

std::string RawSocket::read_frame(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto frame = parse_resp(buffer_)) {
      std::string out = buffer_.substr(0, frame->second);
      buffer_.erase(0, frame->second);
      return out;
    }
    if (closed_) {
      throw std::runtime_error("connection closed before a complete reply; got '" + buffer_ + "'");
    }
    if (!fill(deadline)) {
      throw std::runtime_error("no complete reply within the timeout; got '" + buffer_ + "'");
    }
  }
}

std::string RawSocket::read_until_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    if (!fill(deadline)) {
      throw std::runtime_error("connection still open after the timeout; got '" + buffer_ + "'");
    }
  }
  return std::exchange(buffer_, {});
}

bool RawSocket::silent_for(std::chrono::milliseconds quiet) {
  if (!buffer_.empty() || closed_) return false;
  return !fill(std::chrono::steady_clock::now() + quiet);
}

}  // namespace shardis::test
