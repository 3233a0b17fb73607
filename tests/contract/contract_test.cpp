// Contract tests: every case below runs against an embedded shardis (four
// shards) and against a real redis-server, and each reply must be the same,
// error texts included. The reference is the Debian redis-server 7.0.x, so
// commands newer than 7.0 (CLIENT SETINFO and CLIENT NO-TOUCH came in 7.2)
// are left out of this table.
//
// Replies whose order Redis leaves unspecified (KEYS, SCAN) are compared as
// sorted sets, and replies that depend on the moment a command ran (TTL,
// PTTL, TIME) are compared within a tolerance or by shape.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

namespace shardis::test {
namespace {

enum class Check {
  kExact,
  kSorted,  // an array in unspecified order: compare the sorted elements
  kNear,    // an integer that may drift by `tolerance` (negative values exact)
  kScan,    // a SCAN started at cursor 0, iterated to the end: compare key sets
  kTime,    // TIME: two bulk strings of digits, seconds within `tolerance`
};

struct Step {
  Step(const char* line) : line(line) {}  // NOLINT(google-explicit-constructor): table syntax
  Step(const char* line, Check check, long long tolerance = 0)
      : line(line), check(check), tolerance(tolerance) {}
  std::string line;
  Check check = Check::kExact;
  long long tolerance = 0;
};

struct Case {
  std::string_view family;
  std::string_view name;
  std::vector<Step> steps;
};

// Absolute expiry times use 4102444800 (2100-01-01) so that EXPIRETIME and
// PEXPIRETIME replies are exact on both servers.
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // ---------------------------------------------------------------- strings
      {"strings",
       "set and get",
       {"SET k1 v1", "GET k1", "GET nosuch", "SET k1 v2", "GET k1", "SET \"\" empty", "GET \"\"",
        "SET k2 \"\"", "GET k2", "STRLEN k2", "SET \"with space\" \"a b\"", "GET \"with space\"",
        "set k3 lower", "GeT k3"}},
      {"strings",
       "set nx xx",
       {"SET k1 a NX", "SET k1 b NX", "GET k1", "SET k2 a XX", "EXISTS k2", "SET k1 c XX", "GET k1",
        "SET k1 d NX XX", "SET k1 d XX NX", "SET k1 e nx", "GET k1"}},
      {"strings",
       "set get option",
       {"SET k1 a GET", "SET k1 b GET", "SET k1 c NX GET", "GET k1", "SET k2 x XX GET", "EXISTS k2",
        "SET k1 d XX GET", "GET k1", "SET k1 e GET GET"}},
      {"strings",
       "set expire options",
       {"SET k1 v EX 100",
        {"TTL k1", Check::kNear, 1},
        "SET k1 v PX 100000",
        {"PTTL k1", Check::kNear, 1000},
        "SET k1 w KEEPTTL",
        {"TTL k1", Check::kNear, 1},
        "GET k1",
        "SET k1 v",
        "TTL k1",
        "SET k2 v EXAT 4102444800",
        "EXPIRETIME k2",
        "PEXPIRETIME k2",
        "SET k3 v PXAT 4102444800123",
        "PEXPIRETIME k3",
        "SET k4 v ex 100 nx",
        {"TTL k4", Check::kNear, 1},
        "SET k4 v px 100 xx keepttl"}},
      {"strings",
       "set expire errors",
       {"SET k v EX 0", "SET k v EX -5", "SET k v EX abc", "SET k v PX 0", "SET k v EX 1.5",
        "SET k v EX 10 PX 10", "SET k v EX 10 KEEPTTL", "SET k v KEEPTTL PX 10", "SET k v EX",
        "SET k v EXAT 0", "SET k v PXAT -1", "SET k v EX 10 EX 20",
        "SET k v EX 9223372036854775807", "SET k v PX 9223372036854775807",
        "SET k v EXAT 9223372036854775807", "SET k v FOO", "SET k v PERSIST", "EXISTS k"}},
      {"strings",
       "setnx setex psetex",
       {"SETNX k1 a",
        "SETNX k1 b",
        "GET k1",
        "SETEX k2 100 v",
        {"TTL k2", Check::kNear, 1},
        "GET k2",
        "SETEX k2 0 v",
        "SETEX k2 -1 v",
        "SETEX k2 abc v",
        "SETEX k2 10",
        "PSETEX k3 100000 v",
        {"PTTL k3", Check::kNear, 1000},
        "PSETEX k3 0 v",
        "PSETEX k3 9223372036854775807 v",
        "SETNX k1"}},
      {"strings",
       "getset getdel",
       {"GETSET k1 a", "GETSET k1 b", "GETDEL k1", "GETDEL k1", "EXISTS k1", "SET k2 v EX 100",
        "GETSET k2 w", "TTL k2", "GETDEL nosuch", "GETDEL k1 k2"}},
      {"strings",
       "getex",
       {"SET k1 v",
        "GETEX k1",
        "GETEX k1 EX 100",
        {"TTL k1", Check::kNear, 1},
        "GETEX k1 PX 200000",
        {"PTTL k1", Check::kNear, 1000},
        "GETEX k1 EXAT 4102444800",
        "EXPIRETIME k1",
        "GETEX k1 PXAT 4102444800500",
        "PEXPIRETIME k1",
        "GETEX k1 PERSIST",
        "TTL k1",
        "GETEX nosuch",
        "GETEX nosuch EX 10",
        "GETEX k1 EX 0",
        "GETEX k1 EX -1",
        "GETEX k1 EX",
        "GETEX k1 EX abc",
        "GETEX k1 EX 10 PX 10",
        "GETEX k1 PERSIST EX 10",
        "GETEX k1 KEEPTTL",
        "GETEX k1 FOO",
        "GETEX k1 EX 9223372036854775807",
        "TTL k1",
        "GETEX k1 EXAT 1",
        "EXISTS k1"}},
      {"strings",
       "mget mset msetnx",
       {"MSET a 1 b 2 c 3 d 4", "MGET a b c d nosuch", "MSET a", "MSET a 1 b", "MSETNX a 9 e 5",
        "MGET a e", "MSETNX e 5 f 6", "MGET e f", "MSET a x a y", "GET a", "MSETNX g 1 g 2",
        "GET g", "MSETNX h", "MGET", "MGET a"}},
      {"strings",
       "append strlen",
       {"APPEND k1 hello", "APPEND k1 \" world\"", "GET k1", "STRLEN k1", "STRLEN nosuch",
        "SET n 123", "APPEND n 45", "GET n", "STRLEN n", "SET i 12345", "STRLEN i", "APPEND e \"\"",
        "EXISTS e", "GET e"}},
      {"strings",
       "incr decr",
       {"INCR c",
        "INCRBY c 10",
        "DECR c",
        "DECRBY c 5",
        "INCRBY c -3",
        "DECRBY c -3",
        "GET c",
        "SET c 9223372036854775806",
        "INCR c",
        "INCR c",
        "GET c",
        "SET c -9223372036854775807",
        "DECR c",
        "DECR c",
        "DECRBY c 1",
        "SET c 5",
        "INCRBY c 9223372036854775807",
        "DECRBY c -9223372036854775808",
        "INCRBY c -9223372036854775808",
        "INCRBY c 9223372036854775808",
        "INCRBY c abc",
        "INCRBY c 1.0",
        "SET s abc",
        "INCR s",
        "SET s \" 1\"",
        "INCR s",
        "SET s 1.5",
        "INCR s",
        "SET s 010",
        "INCR s",
        "SET s +1",
        "INCR s",
        "SET s 99999999999999999999",
        "INCR s",
        "SET s -0",
        "INCR s",
        "SET s \"\"",
        "INCR s",
        "DECR newkey",
        "INCR"}},
      {"strings",
       "incrbyfloat",
       {"INCRBYFLOAT f 10.5",
        "INCRBYFLOAT f 0.1",
        "INCRBYFLOAT f -5",
        "SET f 5.0e3",
        "INCRBYFLOAT f 2.0e2",
        "INCRBYFLOAT g 0.1",
        "INCRBYFLOAT g 0.2",
        "INCRBYFLOAT g 3e-5",
        "INCRBYFLOAT h 1e20",
        "INCRBYFLOAT h -1e20",
        "INCRBYFLOAT j 1.5e300",
        "SET d 1.7976931348623157e308",
        "INCRBYFLOAT d 1.7976931348623157e308",
        "INCRBYFLOAT f abc",
        "INCRBYFLOAT f \" 1\"",
        "INCRBYFLOAT f inf",
        "INCRBYFLOAT f nan",
        "INCRBYFLOAT f 1e400",
        "INCRBYFLOAT f \"\"",
        "SET s abc",
        "INCRBYFLOAT s 1",
        "SET i 10",
        "INCRBYFLOAT i 1",
        "GET i",
        "INCRBYFLOAT i -11",
        "INCRBYFLOAT i 0.0",
        "INCRBYFLOAT z 1.0",
        "INCRBYFLOAT z 0.25",
        "INCRBYFLOAT z -3.125",
        "INCRBYFLOAT f"}},
      {"strings",
       "getrange setrange substr",
       {"SET k1 \"Hello World\"",
        "GETRANGE k1 0 4",
        "GETRANGE k1 -5 -1",
        "GETRANGE k1 5 2",
        "GETRANGE k1 0 100",
        "GETRANGE k1 -100 -50",
        "GETRANGE k1 -100 2",
        "GETRANGE k1 -1 -5",
        "GETRANGE k1 0 -1",
        "GETRANGE nosuch 0 10",
        "GETRANGE k1 a b",
        "SUBSTR k1 0 4",
        "SUBSTR k1 -3 -1",
        "SETRANGE k1 6 Redis",
        "GET k1",
        "SETRANGE k2 5 x",
        "GET k2",
        "STRLEN k2",
        "SETRANGE k3 0 \"\"",
        "EXISTS k3",
        "SETRANGE k3 10 \"\"",
        "EXISTS k3",
        "SETRANGE k1 -1 x",
        "SETRANGE k1 536870912 x",
        "SETRANGE k1 0 \"\"",
        "SETRANGE k1 abc x",
        "SET n 12345",
        "GETRANGE n 1 3",
        "SETRANGE n 1 x",
        "GET n",
        "GETRANGE k1 0"}},
      {"strings",
       "object encoding",
       {"SET a 12345",
        "OBJECT ENCODING a",
        "SET b hello",
        "OBJECT ENCODING b",
        "SET c 123456789012345678901234567890123456789012345",
        "OBJECT ENCODING c",
        "SET d 12345678901234567890123456789012345678901234",
        "OBJECT ENCODING d",
        "SET d2 abcdefghijabcdefghijabcdefghijabcdefghijabcd",
        "OBJECT ENCODING d2",
        "SET d3 abcdefghijabcdefghijabcdefghijabcdefghijabcde",
        "OBJECT ENCODING d3",
        "APPEND b x",
        "OBJECT ENCODING b",
        "SET e 9223372036854775807",
        "OBJECT ENCODING e",
        "SET f 9223372036854775808",
        "OBJECT ENCODING f",
        "SET g -1",
        "OBJECT ENCODING g",
        "SET h 007",
        "OBJECT ENCODING h",
        "SET x \" 12\"",
        "OBJECT ENCODING x",
        "INCR a",
        "OBJECT ENCODING a",
        "SETRANGE a 0 9",
        "OBJECT ENCODING a",
        "INCRBYFLOAT y 1.5",
        "OBJECT ENCODING y",
        "OBJECT ENCODING nosuch",
        "OBJECT FOO a",
        "OBJECT"}},
      // ------------------------------------------------------------------- keys
      {"keys",
       "del unlink exists",
       {"MSET a 1 b 2 c 3 d 4 user:1 x user:2 y", "DEL a b nosuch", "EXISTS a b c d",
        "EXISTS c c c", "UNLINK c d e", "DEL user:1 user:2", "DBSIZE", "DEL nosuch", "EXISTS",
        "DEL"}},
      // TYPE and WRONGTYPE of lists, hashes, sets and sorted sets join this
      // table with those data types.
      {"keys", "type", {"SET s v", "TYPE s", "TYPE nosuch"}},
      {"keys",
       "rename",
       {"SET a 1",
        "RENAME a b",
        "GET a",
        "GET b",
        "RENAME nosuch x",
        "SET c 3",
        "RENAME b c",
        "GET c",
        "RENAMENX c d",
        "SET e 5",
        "RENAMENX d e",
        "GET d",
        "RENAME d d",
        "RENAMENX d d",
        "RENAME nosuch nosuch",
        "RENAMENX nosuch x",
        "SET t v EX 100",
        "RENAME t t2",
        {"TTL t2", Check::kNear, 1},
        "EXISTS t",
        "RENAME a"}},
      {"keys", "copy", {"SET a 1",         "COPY a b",
                        "GET b",           "COPY a b",
                        "SET a 2",         "COPY a b REPLACE",
                        "GET b",           "COPY a a",
                        "COPY nosuch x",   "COPY a b DB 1",
                        "SELECT 1",        "GET b",
                        "SELECT 0",        "COPY a a DB 1",
                        "COPY a b DB 16",  "COPY a b DB -1",
                        "COPY a b DB abc", "COPY a b FOO",
                        "COPY a b DB",     "SET t v EX 100",
                        "COPY t t2",       {"TTL t2", Check::kNear, 1},
                        "COPY a"}},
      {"keys",
       "keys glob",
       {"MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 foo 7 k1 8 k2 9 k10 10 h^llo 11",
        {"KEYS *", Check::kSorted},
        {"KEYS h?llo", Check::kSorted},
        {"KEYS h*llo", Check::kSorted},
        {"KEYS h[ae]llo", Check::kSorted},
        {"KEYS h[^e]llo", Check::kSorted},
        {"KEYS h[a-b]llo", Check::kSorted},
        {"KEYS h[b-a]llo", Check::kSorted},
        {"KEYS \"h\\\\*llo\"", Check::kSorted},
        {"KEYS k?", Check::kSorted},
        {"KEYS k[0-9]*", Check::kSorted},
        {"KEYS nomatch", Check::kSorted},
        {"KEYS [", Check::kSorted},
        {"KEYS \"\"", Check::kSorted},
        {"KEYS *o", Check::kSorted},
        {"KEYS k*1", Check::kSorted},
        {"KEYS H*", Check::kSorted},
        {"KEYS ***", Check::kSorted},
        "KEYS"}},
      {"keys",
       "scan",
       {"MSET k1 1 k2 2 k3 3 k4 4 k5 5 k6 6 k7 7 k8 8 k9 9 k10 10 k11 11 k12 12 a1 1 a2 2 "
        "a3 3 a4 4 a5 5 b1 1 b2 2 b3 3",
        {"SCAN 0", Check::kScan},
        {"SCAN 0 MATCH k1*", Check::kScan},
        {"SCAN 0 MATCH a? COUNT 2", Check::kScan},
        {"SCAN 0 COUNT 5", Check::kScan},
        {"SCAN 0 TYPE string", Check::kScan},
        {"SCAN 0 TYPE list", Check::kScan},
        {"SCAN 0 MATCH nomatch", Check::kScan},
        "SCAN abc",
        "SCAN 0 COUNT 0",
        "SCAN 0 COUNT -1",
        "SCAN 0 COUNT abc",
        "SCAN 0 FOO",
        "SCAN 0 MATCH",
        "SCAN"}},
      {"keys", "scan empty", {{"SCAN 0", Check::kScan}, "SCAN 0"}},
      {"keys",
       "randomkey",
       {"RANDOMKEY", "SET only 1", "RANDOMKEY", "DEL only", "RANDOMKEY", "RANDOMKEY x"}},
      {"keys", "touch", {"MSET a 1 b 2", "TOUCH a b c", "TOUCH a a", "TOUCH"}},
      {"keys",
       "ttl and persist",
       {"TTL nosuch", "PTTL nosuch", "SET k v", "TTL k", "PTTL k", "PERSIST k", "PERSIST nosuch",
        "EXPIRETIME k", "PEXPIRETIME k", "EXPIRETIME nosuch", "PEXPIRETIME nosuch", "TTL"}},
      {"keys",
       "expire options",
       {"SET k v",
        "EXPIRE k 100",
        {"TTL k", Check::kNear, 1},
        "EXPIRE k 200 NX",
        "EXPIRE k 200 XX",
        "EXPIRE k 100 GT",
        "EXPIRE k 300 GT",
        "EXPIRE k 400 LT",
        "EXPIRE k 50 LT",
        {"TTL k", Check::kNear, 1},
        "PERSIST k",
        "PERSIST k",
        "EXPIRE k 100 XX",
        "EXPIRE k 100 GT",
        "EXPIRE k 100 LT",
        {"TTL k", Check::kNear, 1},
        "EXPIRE k 100 NX XX",
        "EXPIRE k 100 GT LT",
        "EXPIRE k 100 NX GT",
        // Not "100 XX GT": whether 100 s from now exceeds the deadline set a
        // moment ago by "100" depends on a millisecond passing in between.
        "EXPIRE k 50 XX GT",
        "EXPIRE k 200 XX GT",
        "EXPIRE k 100 FOO",
        "EXPIRE k abc",
        "EXPIRE k 1.5",
        "EXPIRE nosuch 100",
        "EXPIRE k 9223372036854775807",
        "PEXPIRE k 9223372036854775807",
        "EXPIRE k 9223372036854775",
        "PEXPIRE k 100000",
        {"PTTL k", Check::kNear, 1000},
        "PEXPIRE k 100000 nx",
        "PEXPIRE k 200000 gt",
        {"PTTL k", Check::kNear, 1000},
        "EXPIRE k -1",
        "EXISTS k",
        "SET k v",
        "PEXPIRE k 0",
        "EXISTS k",
        "EXPIRE k"}},
      {"keys",
       "expireat pexpireat",
       {"SET k v",
        "EXPIREAT k 4102444800",
        "EXPIRETIME k",
        "PEXPIRETIME k",
        {"TTL k", Check::kNear, 1},
        "PEXPIREAT k 4102444800999",
        "PEXPIRETIME k",
        "EXPIRETIME k",
        "EXPIREAT k 4102444801 NX",
        "EXPIREAT k 4102444801 GT",
        "EXPIRETIME k",
        "EXPIREAT k 4102444700 GT",
        "EXPIREAT k 4102444700 LT",
        "EXPIRETIME k",
        "EXPIREAT k abc",
        "EXPIREAT k 9223372036854775807",
        "PEXPIREAT k 9223372036854775807",
        "EXPIREAT k 1",
        "EXISTS k",
        "SET p v",
        "PEXPIREAT p 100",
        "EXISTS p",
        "EXPIREAT nosuch 4102444800",
        "SET q v EX 100",
        "EXPIREAT q 0 LT",
        "EXISTS q"}},
      {"keys",
       "move",
       {"SET a 1",
        "MOVE a 1",
        "EXISTS a",
        "SELECT 1",
        "GET a",
        "SET b 2",
        "SELECT 0",
        "SET b 3",
        "MOVE b 1",
        "GET b",
        "MOVE b 0",
        "MOVE b 16",
        "MOVE b -1",
        "MOVE b abc",
        "MOVE nosuch 1",
        "SET t v EX 100",
        "MOVE t 2",
        "SELECT 2",
        {"TTL t", Check::kNear, 1},
        "MOVE b"}},
      {"keys",
       "swapdb",
       {"SET a zero", "SELECT 1", "SET a one", "SET b only1", "SELECT 0", "SWAPDB 0 1", "GET a",
        "GET b", "DBSIZE", "SELECT 1", "GET a", "DBSIZE", "SWAPDB 0 16", "SWAPDB abc 1",
        "SWAPDB 0 abc", "SWAPDB 0 0", "SWAPDB -1 0", "SWAPDB 0"}},
      {"keys",
       "select dbsize flushdb",
       {"DBSIZE",    "MSET a 1 b 2 c 3", "DBSIZE",       "SELECT 2",   "DBSIZE",
        "SET x 1",   "DBSIZE",           "FLUSHDB",      "DBSIZE",     "SELECT 0",
        "DBSIZE",    "FLUSHDB ASYNC",    "DBSIZE",       "SET y 1",    "FLUSHDB SYNC",
        "DBSIZE",    "FLUSHDB FOO",      "FLUSHALL FOO", "FLUSHALL",   "SELECT 15",
        "SELECT 16", "SELECT -1",        "SELECT abc",   "SELECT 1.5", "SELECT"}},
      {"keys",
       "many keys over all shards",
       {"MSET u1 a u2 b u3 c u4 d u5 e u6 f u7 g u8 h u9 i u10 j u11 k u12 l",
        "MGET u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 nosuch",
        "DBSIZE",
        "DEL u1 u3 u5 u7 u9 u11",
        "DBSIZE",
        "EXISTS u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12",
        {"KEYS u*", Check::kSorted},
        "UNLINK u2 u4 u6 u8 u10 u12",
        "DBSIZE"}},
      // ------------------------------------------------------------- connection
      {"connection",
       "ping echo",
       {"PING", "PING hello", "PING \"\"", "PING a b", "ECHO hi", "ECHO \"\"", "ECHO", "ECHO a b",
        "ping", "echo \"a\\r\\nb\""}},
      {"connection",
       "unknown command and arity",
       {"FOO", "FOO a b", "foo \"a b\"",
        "FOO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb "
        "cccccccccccccccccccccccccccccccccccccccccccccccccc",
        "GET", "get", "SET k", "set k", "GETRANGE k 0", "CONFIG", "CONFIG FOO", "OBJECT"}},
      {"connection",
       "auth without password",
       {"AUTH foo", "AUTH default foo", "AUTH someone pass", "AUTH a b c", "AUTH", "PING"}},
      {"connection", "quit", {"PING", "QUIT"}},
      // ----------------------------------------------------------------- server
      {"server",
       "config get and set",
       {"CONFIG GET maxmemory", "CONFIG GET maxmemory-policy", "CONFIG GET databases",
        "CONFIG GET hz", "CONFIG GET timeout", "CONFIG GET proto-max-bulk-len",
        "CONFIG GET notify-keyspace-events", "CONFIG GET requirepass",
        "CONFIG GET busy-reply-threshold", "CONFIG GET lua-time-limit",
        "CONFIG GET slowlog-max-len", "CONFIG GET slowlog-log-slower-than",
        "CONFIG GET tcp-keepalive", "CONFIG GET appendonly", "CONFIG GET nosuchparam",
        "CONFIG GET HZ", "CONFIG SET nosuchparam 1", "CONFIG SET", "CONFIG GET"}},
      {"server", "time", {{"TIME", Check::kTime, 2}, "TIME x"}},
      {"server",
       "flushall",
       {"MSET a 1 b 2", "SELECT 3", "SET c 3", "FLUSHALL", "DBSIZE", "SELECT 0", "DBSIZE",
        "FLUSHALL ASYNC", "FLUSHALL SYNC"}},
  };
  return kCases;
}

bool is_integer_reply(const std::string& r) {
  return r.size() > 1 && r[0] == ':';
}

// Runs a SCAN from cursor 0 to the end and renders the keys seen as a sorted
// set "{a,b}". Any reply that is not a scan page is returned as is, so
// errors are compared like any other reply.
std::string scan_all(Client& c, Args args) {
  std::set<std::string> keys;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    ReplyPtr reply = c.call(args);
    if (!reply) return "(io error: " + c.error() + ")";
    const redisReply* r = reply.get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return render(r);
    }
    for (size_t i = 0; i < r->element[1]->elements; ++i)
      keys.insert(render(r->element[1]->element[i]));
    std::string cursor(r->element[0]->str, r->element[0]->len);
    if (cursor == "0") break;
    args[1] = cursor;
  }
  std::string out = "{";
  for (const auto& k : keys) out += (out.size() > 1 ? "," : "") + k;
  return out + "}";
}

// TIME's reply rendered as "(time)" when it has the right shape, else as is.
// `seconds` receives the unix time it reported.
std::string time_shape(Client& c, const Args& args, long long& seconds) {
  ReplyPtr reply = c.call(args);
  if (!reply) return "(io error: " + c.error() + ")";
  const redisReply* r = reply.get();
  auto digits = [](const redisReply* e) {
    return e->type == REDIS_REPLY_STRING && e->len > 0 &&
           std::all_of(e->str, e->str + e->len, [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !digits(r->element[0]) ||
      !digits(r->element[1]) || std::stoll(r->element[1]->str) >= 1000000) {
    return render(r);
  }
  seconds = std::stoll(r->element[0]->str);
  return "(time)";
}

// Sorts the elements of a rendered array reply. Keys with commas would be
// split wrongly, so the contract cases use none.
std::string sorted_array(const std::string& rendered) {
  if (rendered.size() < 2 || rendered.front() != '[' || rendered.back() != ']') return rendered;
  std::vector<std::string> items;
  std::string inner = rendered.substr(1, rendered.size() - 2);
  size_t start = 0;
  while (!inner.empty() && start <= inner.size()) {
    size_t comma = inner.find(',', start);
    if (comma == std::string::npos) comma = inner.size();
    items.push_back(inner.substr(start, comma - start));
    start = comma + 1;
  }
  std::sort(items.begin(), items.end());
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

// Runs one step on both servers; returns {shardis reply, redis reply} in the
// form they must be equal in.
std::pair<std::string, std::string> run_step(const Step& step, Client& shardis, Client& redis) {
  Args args = split_args(step.line);
  switch (step.check) {
    case Check::kExact:
      return {shardis.raw(args), redis.raw(args)};
    case Check::kSorted:
      return {sorted_array(shardis.raw(args)), sorted_array(redis.raw(args))};
    case Check::kNear: {
      std::string a = shardis.raw(args);
      std::string b = redis.raw(args);
      if (is_integer_reply(a) && is_integer_reply(b)) {
        long long x = std::stoll(a.substr(1));
        long long y = std::stoll(b.substr(1));
        if (x >= 0 && y >= 0 && std::llabs(x - y) <= step.tolerance) return {b, b};
      }
      return {a, b};
    }
    case Check::kScan:
      return {scan_all(shardis, args), scan_all(redis, args)};
    case Check::kTime: {
      long long s1 = 0;
      long long s2 = 0;
      std::string a = time_shape(shardis, args, s1);
      std::string b = time_shape(redis, args, s2);
      if (a == b && std::llabs(s1 - s2) > step.tolerance) {
        a += " at " + std::to_string(s1);
        b += " at " + std::to_string(s2);
      }
      return {a, b};
    }
  }
  return {};
}

// Both servers live for one test case (one family); each contract case gets
// fresh connections (so SELECT and QUIT do not leak) after a FLUSHALL.
void run_family(std::string_view family) {
  RedisProcess redis_process;
  Config config;
  config.shards = 4;
  EmbeddedServer shardis_server(config);
  Client shardis_admin(shardis_server.host(), shardis_server.port());
  Client redis_admin(redis_process.host(), redis_process.port());

  int ran = 0;
  for (const Case& c : cases()) {
    if (c.family != family) continue;
    ++ran;
    REQUIRE(shardis_admin.raw({"FLUSHALL"}) == "+OK");
    REQUIRE(redis_admin.raw({"FLUSHALL"}) == "+OK");
    Client shardis(shardis_server.host(), shardis_server.port());
    Client redis(redis_process.host(), redis_process.port());
    for (size_t i = 0; i < c.steps.size(); ++i) {
      INFO("case '" << c.name << "', step " << i + 1 << ": " << c.steps[i].line);
      auto [got, expected] = run_step(c.steps[i], shardis, redis);
      CHECK(got == expected);
    }
  }
  REQUIRE(ran > 0);
}

}  // namespace

TEST_CASE("strings reply as on redis-server", "[contract]") {
  run_family("strings");
}
TEST_CASE("keys and databases reply as on redis-server", "[contract]") {
  run_family("keys");
}
TEST_CASE("connection commands reply as on redis-server", "[contract]") {
  run_family("connection");
}
TEST_CASE("server commands reply as on redis-server", "[contract]") {
  run_family("server");
}

}  // namespace shardis::test
