#pragma once
// RESP2/RESP3 reply encoder. Appends to a caller-owned byte buffer; the
// protocol version decides how RESP3-only types degrade for RESP2 clients
// (maps become flat arrays, doubles become bulk strings, null is $-1 ...).
// No allocation beyond the buffer's own growth.

#include <cstdint>
#include <string>
#include <string_view>

namespace shardis::protocol {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string& out, int resp = 2) : out_(&out), resp_(resp) {}

  int resp() const { return resp_; }
  void set_resp(int resp) { resp_ = resp; }
  std::string& buffer() { return *out_; }

  void simple(std::string_view s);          // +OK
  void error(std::string_view s);           // -ERR ... (s includes the prefix, e.g. "ERR x")
  void integer(int64_t v);                  // :1
  void bulk(std::string_view s);            // $3\r\nabc
  void null();                              // RESP2 $-1, RESP3 _
  void null_array();                        // RESP2 *-1, RESP3 _
  void array(size_t n);                     // *n header
  void map(size_t n);                       // RESP3 %n, RESP2 *2n
  void set(size_t n);                       // RESP3 ~n, RESP2 *n
  void push(size_t n);                      // RESP3 >n, RESP2 *n
  void dbl(double v);                       // RESP3 ,v  RESP2 bulk (Redis's %.17g form)
  void boolean(bool b);                     // RESP3 #t/#f, RESP2 :1/:0
  void verbatim(std::string_view s, std::string_view fmt = "txt");  // RESP3 =, RESP2 bulk
  void big_number(std::string_view digits); // RESP3 (, RESP2 bulk
  void ok() { simple("OK"); }
  void raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void header(char type, int64_t n);
  std::string* out_;
  int resp_;
};

// Formats a double the way Redis replies with it (inf, -inf, nan, %.17g).
std::string format_double(double v);

}  // namespace shardis::protocol
