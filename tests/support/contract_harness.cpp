#include "support/contract_harness.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
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

bool is_integer_reply(const std::string& r) {
  return r.size() > 1 && r[0] == ':';
}

// Runs a SCAN (or SSCAN, HSCAN, ZSCAN: cursor after the key) from cursor 0
// to the end and renders the elements seen as a sorted set "{a,b}"; HSCAN
// fields and ZSCAN members are rendered with their value or score, "f=v".
// Any reply that is not a scan page is returned as is, so errors are
// compared like any other reply.
std::string scan_all(Client& c, Args args) {
  std::string name = args[0];
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
  const size_t cursor_at = name == "scan" ? 1 : 2;
  const size_t width = name == "hscan" || name == "zscan" ? 2 : 1;
  std::set<std::string> keys;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    ReplyPtr reply = c.call(args);
    if (!reply) return "(io error: " + c.error() + ")";
    const redisReply* r = reply.get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return render(r);
    }
    const redisReply* page = r->element[1];
    for (size_t i = 0; i + width <= page->elements; i += width) {
      std::string item = render(page->element[i]);
      if (width == 2) item += "=" + render(page->element[i + 1]);
      keys.insert(item);
    }
    std::string cursor(r->element[0]->str, r->element[0]->len);
    if (cursor == "0") break;
    args[cursor_at] = cursor;
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

}  // namespace

// Both servers live for one test case (one family); each contract case gets
// fresh connections (so SELECT and QUIT do not leak) after a FLUSHALL.
void run_family(const std::vector<Case>& cases, std::string_view family) {
  RedisProcess redis_process;
  Config config;
  config.shards = 4;
  EmbeddedServer shardis_server(config);
  Client shardis_admin(shardis_server.host(), shardis_server.port());
  Client redis_admin(redis_process.host(), redis_process.port());

  int ran = 0;
  for (const Case& c : cases) {
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


}  // namespace shardis::test
