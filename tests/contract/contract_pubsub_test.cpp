// Pub/sub against an embedded shardis (four shards) and a real
// redis-server: the same scenarios, the same expectations. Subscribers are
// RESP2 hiredis clients: a message is the array [message, channel, payload]
// read with read_reply().

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "contract/store_fixture.hpp"
#include "support/resource_store.hpp"

namespace shardis::test {

namespace {

std::string msg(const std::string& channel, const std::string& payload) {
  return "[$message,$" + channel + ",$" + payload + "]";
}
std::string pmsg(const std::string& pattern, const std::string& channel, const std::string& payload) {
  return "[$pmessage,$" + pattern + ",$" + channel + ",$" + payload + "]";
}

// Subscribes c to every channel, reading each confirmation.
void subscribe(Client& c, const std::string& command, const std::vector<std::string>& names) {
  Args args{command};
  args.insert(args.end(), names.begin(), names.end());
  c.append(args);
  for (size_t i = 0; i < names.size(); ++i)
    REQUIRE(c.read_reply() == "[$" + command + ",$" + names[i] + ",:" + std::to_string(i + 1) + "]");
}

// NUMSUB of one channel once it settles on `want` (a closed subscriber
// leaves when the server has seen the close), or the last value seen.
long long numsub_settled(Client& c, const std::string& channel, long long want) {
  long long n = -1;
  for (int i = 0; i < 200; ++i) {
    auto r = c.call({"PUBSUB", "NUMSUB", channel});
    n = r && r->elements == 2 ? r->element[1]->integer : -1;
    if (n == want) break;
    std::this_thread::sleep_for(10ms);
  }
  return n;
}

// A message of the "__keyevent@*__:*" pattern: event on key in db.
std::string keyevent(const std::string& event, const std::string& key, int db = 0) {
  return pmsg("__keyevent@*__:*", "__keyevent@" + std::to_string(db) + "__:" + event, key);
}

// Sets notify-keyspace-events on c, subscribes sub to every keyevent, runs
// the commands on c and checks that sub receives exactly want, in order
// (the closing PING's reply shows that nothing else came first). Commands
// are command lines; each of want is "<event> <key>" in db 0 or "<event>
// <key> <db>".
void check_keyevents(Client& c, Client& sub, const std::string& classes,
                     const std::vector<std::string>& commands,
                     const std::vector<std::string>& want) {
  REQUIRE(c.raw({"CONFIG", "SET", "notify-keyspace-events", classes}) == "+OK");
  subscribe(sub, "psubscribe", {"__keyevent@*__:*"});
  for (const std::string& cmd : commands) c.raw(split_args(cmd));
  for (const std::string& w : want) {
    const Args f = split_args(w);
    REQUIRE(f.size() >= 2);
    CHECK(sub.read_reply() == keyevent(f[0], f[1], f.size() > 2 ? std::stoi(f[2]) : 0));
  }
  sub.append({"PING", "end"});
  CHECK(sub.read_reply() == "[$pong,$end]");
}

}  // namespace

TEST_CASE("pubsub: messages arrive intact and in sequence, binary and 1 MB payloads", "[pubsub]") {
  STORE_SERVER(server);
  auto sub = server.connect();
  auto pub = server.connect();
  subscribe(*sub, "subscribe", {"events"});
  const std::string binary("a\0b\r\n\xff\x01", 7);
  const std::string big(1 << 20, 'x');
  std::string varied = big;
  for (size_t i = 0; i < varied.size(); i += 4093) varied[i] = static_cast<char>(i % 251);
  for (const std::string& payload : {std::string("first"), binary, big, varied, std::string("last")})
    CHECK(pub->integer({"PUBLISH", "events", payload}) == 1);
  CHECK(sub->read_reply() == msg("events", "first"));
  CHECK(sub->read_reply() == msg("events", binary));
  CHECK(sub->read_reply() == msg("events", big));
  CHECK(sub->read_reply() == msg("events", varied));
  CHECK(sub->read_reply() == msg("events", "last"));
  CHECK(pub->integer({"PUBLISH", "nobody", "x"}) == 0);
}

TEST_CASE("pubsub: patterns, and a channel plus a pattern deliver twice", "[pubsub]") {
  STORE_SERVER(server);
  auto sub = server.connect();
  auto pub = server.connect();
  subscribe(*sub, "psubscribe", {"workflow:*", "task:*"});
  CHECK(pub->integer({"PUBLISH", "workflow:42", "started"}) == 1);
  CHECK(pub->integer({"PUBLISH", "task:7", "done"}) == 1);
  CHECK(pub->integer({"PUBLISH", "other:1", "x"}) == 0);
  CHECK(sub->read_reply() == pmsg("workflow:*", "workflow:42", "started"));
  CHECK(sub->read_reply() == pmsg("task:*", "task:7", "done"));
  sub->append({"SUBSCRIBE", "task:7"});
  CHECK(sub->read_reply() == "[$subscribe,$task:7,:3]");
  CHECK(pub->integer({"PUBLISH", "task:7", "again"}) == 2);
  CHECK(sub->read_reply() == msg("task:7", "again"));
  CHECK(sub->read_reply() == pmsg("task:*", "task:7", "again"));
  CHECK(pub->raw({"PUBSUB", "NUMPAT"}) == ":2");
  CHECK(pub->raw({"PUBSUB", "CHANNELS", "task:*"}) == "[$task:7]");
  // The subscribed state allows only pub/sub commands and PING.
  sub->append({"GET", "k"});
  CHECK(sub->read_reply() ==
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
        "allowed in this context");
  sub->append({"PING"});
  CHECK(sub->read_reply() == "[$pong,$]");
}

TEST_CASE("pubsub: every one of several subscribers receives every event", "[pubsub]") {
  STORE_SERVER(server);
  constexpr int kSubscribers = 6;
  constexpr int kEvents = 200;
  std::vector<std::unique_ptr<Client>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(server.connect());
    subscribe(*subs.back(), "subscribe", {"fanout"});
  }
  auto pub = server.connect();
  for (int e = 0; e < kEvents; ++e)
    REQUIRE(pub->integer({"PUBLISH", "fanout", "event-" + std::to_string(e)}) == kSubscribers);
  for (int i = 0; i < kSubscribers; ++i) {
    INFO("subscriber " << i);
    for (int e = 0; e < kEvents; ++e) REQUIRE(subs[i]->read_reply() == msg("fanout", "event-" + std::to_string(e)));
  }
}

TEST_CASE("pubsub: 10k pipelined events all arrive, in order", "[pubsub]") {
  STORE_SERVER(server);
  constexpr int kEvents = 10000;
  auto sub = server.connect();
  subscribe(*sub, "subscribe", {"stream"});
  auto pub = server.connect();
  std::string failure;
  // The subscriber reads while the publisher writes, as a live consumer.
  std::thread reader([&] {
    for (int e = 0; e < kEvents && failure.empty(); ++e) {
      const std::string got = sub->read_reply();
      if (got != msg("stream", std::to_string(e))) failure = "event " + std::to_string(e) + ": " + got;
    }
  });
  for (int batch = 0; batch < kEvents; batch += 1000) {
    std::vector<Args> commands;
    for (int e = batch; e < batch + 1000; ++e) commands.push_back({"PUBLISH", "stream", std::to_string(e)});
    for (const std::string& r : pub->pipeline(commands)) REQUIRE(r == ":1");
  }
  reader.join();
  CHECK(failure.empty());
}

TEST_CASE("pubsub: subscribe, receive, unsubscribe, close, resubscribe, cleanup on disconnect", "[pubsub]") {
  STORE_SERVER(server);
  auto pub = server.connect();
  CHECK(pub->integer({"PUBLISH", "life", "before"}) == 0);
  {
    auto sub = server.connect();
    subscribe(*sub, "subscribe", {"life"});
    CHECK(pub->integer({"PUBLISH", "life", "one"}) == 1);
    CHECK(sub->read_reply() == msg("life", "one"));
    sub->append({"UNSUBSCRIBE"});
    CHECK(sub->read_reply() == "[$unsubscribe,$life,:0]");
    CHECK(pub->integer({"PUBLISH", "life", "unheard"}) == 0);
    CHECK(sub->raw({"GET", "k"}) == "(nil)");  // a normal client again
  }
  auto again = server.connect();
  subscribe(*again, "subscribe", {"life"});
  CHECK(pub->integer({"PUBLISH", "life", "two"}) == 1);
  CHECK(again->read_reply() == msg("life", "two"));
  {
    auto leaver = server.connect();
    subscribe(*leaver, "subscribe", {"life"});
    CHECK(numsub_settled(*pub, "life", 2) == 2);
  }
  CHECK(numsub_settled(*pub, "life", 1) == 1);
  again.reset();
  CHECK(numsub_settled(*pub, "life", 0) == 0);
  CHECK(pub->raw({"PUBSUB", "CHANNELS"}) == "[]");
}

TEST_CASE("pubsub: resource store writes followed by an event reach watchers", "[pubsub]") {
  STORE_SERVER(server);
  auto watcher = server.connect();
  const std::string channel = "res:{proj}:widget:events";
  subscribe(*watcher, "subscribe", {channel});
  auto writer = server.connect();
  ResourceStore store(writer->context(), "proj", "widget");
  auto put = store.put("w1", "{\"size\":1}");
  REQUIRE(put.ok());
  const std::string put_event = "{\"op\":\"put\",\"id\":\"w1\",\"etag\":\"" + put.value + "\"}";
  CHECK(writer->integer({"PUBLISH", channel, put_event}) == 1);
  auto cas = store.put_if_match("w1", put.value, "{\"size\":2}");
  REQUIRE(cas.ok());
  const std::string cas_event = "{\"op\":\"put_if_match\",\"id\":\"w1\",\"etag\":\"" + cas.value + "\"}";
  CHECK(writer->integer({"PUBLISH", channel, cas_event}) == 1);
  CHECK(watcher->read_reply() == msg(channel, put_event));
  CHECK(watcher->read_reply() == msg(channel, cas_event));
}

TEST_CASE("pubsub: keyspace notifications for the STORE commands and LMPOP", "[pubsub]") {
  STORE_SERVER(server);
  auto c = server.connect();
  REQUIRE(c->raw({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == "+OK");
  auto sub = server.connect();
  const std::string p = "__keyevent@0__:*";
  subscribe(*sub, "psubscribe", {p});
  for (const Args& cmd : std::vector<Args>{{"SADD", "{t}a", "1", "2"},
                                           {"SADD", "{t}b", "2", "3"},
                                           {"SINTERSTORE", "{t}d", "{t}a", "{t}b"},
                                           {"SUNIONSTORE", "{t}d", "{t}a", "{t}b"},
                                           {"SDIFFSTORE", "{t}d", "{t}a", "{t}a"},
                                           {"SDIFFSTORE", "{t}d", "{t}a", "{t}a"},
                                           {"ZADD", "{t}z", "1", "m"},
                                           {"ZUNIONSTORE", "{t}zd", "1", "{t}z"},
                                           {"ZINTERSTORE", "{t}zd", "2", "{t}z", "{t}a"},
                                           {"ZRANGESTORE", "{t}zd", "{t}z", "0", "-1"},
                                           {"ZDIFFSTORE", "{t}zd", "1", "{t}z"},
                                           {"RPUSH", "{t}l", "x", "y"},
                                           {"LMPOP", "1", "{t}l", "LEFT", "COUNT", "1"},
                                           {"LMPOP", "1", "{t}l", "RIGHT", "COUNT", "5"}})
    c->raw(cmd);
  auto ev = [&](const std::string& event, const std::string& key) {
    return pmsg(p, "__keyevent@0__:" + event, key);
  };
  // An empty result deletes the destination ("del") only when it existed.
  for (const std::string& want :
       {ev("sadd", "{t}a"), ev("sadd", "{t}b"), ev("sinterstore", "{t}d"), ev("sunionstore", "{t}d"),
        ev("del", "{t}d"), ev("zadd", "{t}z"), ev("zunionstore", "{t}zd"), ev("del", "{t}zd"),
        ev("zrangestore", "{t}zd"), ev("zdiffstore", "{t}zd"), ev("rpush", "{t}l"), ev("lpop", "{t}l"),
        ev("rpop", "{t}l"), ev("del", "{t}l")})
    CHECK(sub->read_reply() == want);
}

TEST_CASE("pubsub: keyspace notifications for set, del, expire, hset, zadd and expiry", "[pubsub]") {
  STORE_SERVER(server);
  auto c = server.connect();
  REQUIRE(c->raw({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == "+OK");
  auto sub = server.connect();
  subscribe(*sub, "psubscribe", {"__keyevent@0__:*"});
  auto keyspace = server.connect();
  subscribe(*keyspace, "subscribe", {"__keyspace@0__:k"});
  for (const Args& cmd : std::vector<Args>{{"SET", "k", "v"},
                                           {"EXPIRE", "k", "100"},
                                           {"DEL", "k"},
                                           {"HSET", "h", "f", "v"},
                                           {"HDEL", "h", "f"},
                                           {"ZADD", "z", "1", "m"},
                                           {"ZREM", "z", "m"},
                                           {"LPUSH", "l", "a", "b"},
                                           {"RPOP", "l"},
                                           {"SADD", "s", "a"},
                                           {"SREM", "s", "a"},
                                           {"INCRBY", "n", "5"},
                                           {"RENAME", "n", "n2"},
                                           {"SET", "k", "v", "PX", "50"}})
    c->raw(cmd);
  const std::string p = "__keyevent@0__:*";
  auto ev = [&](const std::string& event, const std::string& key) {
    return pmsg(p, "__keyevent@0__:" + event, key);
  };
  for (const std::string& want :
       {ev("set", "k"), ev("expire", "k"), ev("del", "k"), ev("hset", "h"), ev("hdel", "h"), ev("del", "h"),
        ev("zadd", "z"), ev("zrem", "z"), ev("del", "z"), ev("lpush", "l"), ev("rpop", "l"), ev("sadd", "s"),
        ev("srem", "s"), ev("del", "s"), ev("incrby", "n"), ev("rename_from", "n"), ev("rename_to", "n2"),
        ev("set", "k"), ev("expire", "k")})
    CHECK(sub->read_reply() == want);
  server.let_time_pass(200ms);
  CHECK(c->raw({"GET", "k"}) == "(nil)");
  CHECK(sub->read_reply() == ev("expired", "k"));
  for (const char* event : {"set", "expire", "del", "set", "expire", "expired"})
    CHECK(keyspace->read_reply() == msg("__keyspace@0__:k", event));
}

TEST_CASE("pubsub: keyspace notifications for GETEX, the GET and SET forms, RENAME, COPY, MOVE",
          "[pubsub]") {
  STORE_SERVER(server);
  auto c = server.connect();
  auto sub = server.connect();
  // GETEX PERSIST of a key without TTL, a plain GETEX, a failed GETDEL,
  // SETNX or MSETNX and RENAME k k publish nothing; a deadline already past
  // deletes ("del").
  check_keyevents(
      *c, *sub, "KEA", {"SET k v",         "GETEX k EX 100",  "GETEX k PXAT 9999999999000",
                        "GETEX k PERSIST", "GETEX k PERSIST", "GETEX k",
                        "GETEX k EXAT 1",  "GETEX k EX 10",   "SET a 1",
                        "GETDEL a",        "GETDEL a",        "GETSET a 2",
                        "SET a 3 GET",     "SETEX c 100 v",   "PSETEX d 100000 v",
                        "SETNX e v",       "SETNX e v",       "MSETNX f 1 g 2",
                        "MSETNX f 1 h 2",  "EXPIRE a -1",     "PEXPIREAT c 1",
                        "RENAME d d2",     "RENAME d2 d2",    "COPY e e2",
                        "COPY e e2 DB 2",  "MOVE e 3",        "SET p v EX 100",
                        "PERSIST p",       "PERSIST p",       "DEL p f g zz"},
      {"set k",         "expire k",     "expire k",   "persist k",    "del k",       "set a",
       "del a",         "set a",        "set a",      "set c",        "expire c",    "set d",
       "expire d",      "set e",        "set f",      "set g",        "del a",       "del c",
       "rename_from d", "rename_to d2", "copy_to e2", "copy_to e2 2", "move_from e", "move_to e 3",
       "set p",         "expire p",     "persist p",  "del p",        "del f",       "del g"});
}

TEST_CASE("pubsub: 'new' when a key is created, 'keymiss' when a read misses", "[pubsub]") {
  STORE_SERVER(server);
  auto c = server.connect();
  auto sub = server.connect();
  // OBJECT and writes (LPOP) report no miss; a STORE over an existing key
  // overwrites it (not new); SET with a past deadline expires the key when
  // it is next read.
  check_keyevents(*c, *sub, "KEAnm",
                  {"GET m", "SET k v", "SET k w", "EXISTS m2", "OBJECT ENCODING m3", "LPOP m4",
                   "RPUSH l a", "LPOP l", "SADD s a", "SUNIONSTORE s2 s m5", "SUNIONSTORE s2 s",
                   "RENAME k k2", "SET x v EXAT 1", "GET x", "SET y v EXAT 1", "SET y w",
                   "SET y2 v EXAT 1", "MSET y2 w"},
                  {"keymiss m", "new k",         "set k",        "set k",          "keymiss m2",
                   "new l",     "rpush l",       "lpop l",       "del l",          "new s",
                   "sadd s",    "keymiss m5",    "new s2",       "sunionstore s2", "sunionstore s2",
                   "new k2",    "rename_from k", "rename_to k2", "new x",          "set x",
                   "expire x",  "expired x",     "keymiss x",
                   // A plain SET or MSET over a key past its deadline expires it first.
                   "new y", "set y", "expire y", "expired y", "new y", "set y",
                   "new y2", "set y2", "expire y2", "expired y2", "new y2", "set y2"});
}

TEST_CASE("pubsub: CONFIG GET notify-keyspace-events prints the classes as Redis does",
          "[pubsub]") {
  STORE_SERVER(server);
  auto c = server.connect();
  for (const auto& [set, printed] :
       std::vector<std::pair<std::string, std::string>>{{"KEA", "AKE"},
                                                        {"KEAnm", "AKEm"},
                                                        {"Km", "Km"},
                                                        {"En", "nE"},
                                                        {"gn", "gn"},
                                                        {"nA", "A"}}) {
    REQUIRE(c->raw({"CONFIG", "SET", "notify-keyspace-events", set}) == "+OK");
    CHECK(c->raw({"CONFIG", "GET", "notify-keyspace-events"}) ==
          "[$notify-keyspace-events,$" + printed + "]");
  }
}

}  // namespace shardis::test
