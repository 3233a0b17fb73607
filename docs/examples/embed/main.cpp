// Embeds a shardis server, talks RESP to it over a plain TCP socket and moves
// its clock forward to expire a key. Exits 0 when every reply is as
// expected, 1 with a message otherwise.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "shardis/embedded_server.hpp"

namespace {

// A blocking TCP connection that sends commands and reads one reply each.
// Understands the reply types this example meets: simple strings, errors,
// integers and bulk strings.
class Connection {
 public:
  Connection(const std::string& host, uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
      throw std::runtime_error("not an IPv4 address: " + host);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      const int err = errno;
      ::close(fd_);
      throw std::runtime_error("connect: " + std::string(std::strerror(err)));
    }
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends args as a RESP array of bulk strings; returns the reply's bytes.
  std::string call(std::initializer_list<std::string_view> args) {
    std::string request = "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view arg : args)
      request += "$" + std::to_string(arg.size()) + "\r\n" + std::string(arg) + "\r\n";
    send_all(request);
    return read_reply();
  }

 private:
  void send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until buffer_ holds at least n bytes.
  void fill(size_t n) {
    char chunk[4096];
    while (buffer_.size() < n) {
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
      if (got == 0) throw std::runtime_error("the server closed the connection");
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }

  std::string read_reply() {
    size_t eol;
    while ((eol = buffer_.find("\r\n")) == std::string::npos) fill(buffer_.size() + 1);
    size_t end = eol + 2;
    // A bulk string "$<len>\r\n" is followed by len bytes and "\r\n";
    // "$-1\r\n" (null) is not.
    if (buffer_[0] == '$') {
      const long len = std::stol(buffer_.substr(1, eol - 1));
      if (len >= 0) end += static_cast<size_t>(len) + 2;
    }
    fill(end);
    std::string reply = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return reply;
  }

  int fd_ = -1;
  std::string buffer_;
};

// "\r\n" made visible, for messages.
std::string printable(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

void expect(std::string_view what, std::string_view got, std::string_view want) {
  if (got != want)
    throw std::runtime_error(std::string(what) + ": expected \"" + printable(want) + "\", got \"" +
                             printable(got) + "\"");
}

}  // namespace

int main() {
  try {
    shardis::Config config;
    config.port = 0;              // any free port; port() tells which
    config.manual_clock = true;   // time stands still until fast_forward()
    shardis::EmbeddedServer server(config);
    std::cout << "shardis listening on " << server.address() << ", data in " << server.dir() << "\n";

    {
      Connection conn(server.host(), server.port());
      expect("SET greeting hello EX 10", conn.call({"SET", "greeting", "hello", "EX", "10"}), "+OK\r\n");
      expect("GET greeting", conn.call({"GET", "greeting"}), "$5\r\nhello\r\n");
      expect("TTL greeting", conn.call({"TTL", "greeting"}), ":10\r\n");

      server.fast_forward(std::chrono::seconds(11));
      expect("GET greeting after fast_forward(11s)", conn.call({"GET", "greeting"}), "$-1\r\n");
    }

    server.close();
    if (!server.closed()) throw std::runtime_error("closed() is false after close()");
    std::cout << "ok\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "embed_example: " << e.what() << "\n";
    return 1;
  }
}
