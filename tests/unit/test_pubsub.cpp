// Pub/sub through the engine: the commands as one client sees them (exact
// RESP out), and the registry with a second, bare Subscriber as the other
// party.

#include <catch2/catch.hpp>
#include <string>

#include "engine/engine.hpp"
#include "engine/notify.hpp"
#include "engine/pubsub.hpp"
#include "persistence/record.hpp"
#include "unit/resp_cases.hpp"

using shardis::Engine;
using shardis::OutputLimit;
using shardis::PubSubKind;
using shardis::Subscriber;
using namespace shardis::test;

namespace {

// "*3 / >3 <word> <name> :<count>"
std::string confirm(char head, const std::string& word, const std::string& name, long long count) {
  return std::string(1, head) + "3\r\n" + bulk(word) + bulk(name) + integer(count);
}
std::string message(char head, const std::string& channel, const std::string& payload) {
  return std::string(1, head) + "3\r\n" + bulk("message") + bulk(channel) + bulk(payload);
}
std::string pmessage(char head, const std::string& pattern, const std::string& channel,
                     const std::string& payload) {
  return std::string(1, head) + "4\r\n" + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(payload);
}

std::string drain(Subscriber& s) {
  std::string out;
  REQUIRE(s.take(&out));
  return out;
}

// A message of a "__keyevent@*__:*" pattern subscription.
std::string keyevent(const std::string& name, const std::string& key, int db = 0) {
  const std::string channel = "__keyevent@" + std::to_string(db) + "__:" + name;
  return pmessage('*', "__keyevent@*__:*", channel, key);
}

const std::string kNotAllowed =
    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

}  // namespace

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE confirm each channel with the count after it") {
  Engine e;
  run_cases(e, {
                   {{"subscribe", "a", "b", "a"},
                    confirm('*', "subscribe", "a", 1) + confirm('*', "subscribe", "b", 2) +
                        confirm('*', "subscribe", "a", 2)},
                   {{"psubscribe", "p*"}, confirm('*', "psubscribe", "p*", 3)},
                   {{"unsubscribe", "a", "zz"},
                    confirm('*', "unsubscribe", "a", 2) + confirm('*', "unsubscribe", "zz", 2)},
                   {{"punsubscribe"}, confirm('*', "punsubscribe", "p*", 1)},
                   {{"unsubscribe"}, confirm('*', "unsubscribe", "b", 0)},
                   {{"unsubscribe"}, "*3\r\n" + bulk("unsubscribe") + kNil + integer(0)},
                   {{"sunsubscribe"}, "*3\r\n" + bulk("sunsubscribe") + kNil + integer(0)},
                   {{"ssubscribe", "s1"}, confirm('*', "ssubscribe", "s1", 1)},
                   // Shard channels count apart from the others.
                   {{"subscribe", "c"}, confirm('*', "subscribe", "c", 1)},
                   {{"sunsubscribe", "s1"}, confirm('*', "sunsubscribe", "s1", 0)},
               });
}

TEST_CASE("a subscribed RESP2 client may only (un)subscribe, PING, QUIT and RESET") {
  Engine e;
  CHECK(e.run({"subscribe", "a"}) == confirm('*', "subscribe", "a", 1));
  run_cases(e, {
                   {{"get", "k"}, error("ERR Can't execute 'get" + kNotAllowed)},
                   {{"client", "id"}, error("ERR Can't execute 'client|id" + kNotAllowed)},
                   {{"ping"}, array_of({bulk("pong"), bulk("")})},
                   {{"ping", "hi"}, array_of({bulk("pong"), bulk("hi")})},
                   {{"unsubscribe"}, confirm('*', "unsubscribe", "a", 0)},
                   {{"ping"}, "+PONG\r\n"},
                   {{"get", "k"}, kNil},
               });
  CHECK(e.run({"ssubscribe", "s"}) == confirm('*', "ssubscribe", "s", 1));
  CHECK(e.run({"set", "k", "v"}) == error("ERR Can't execute 'set" + kNotAllowed));
  CHECK(e.run({"reset"}) == "+RESET\r\n");
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(e.server().pubsub.numsub(PubSubKind::kShard, "s") == 0);
}

TEST_CASE("RESP3 clients get push frames and keep running commands") {
  Engine e;
  e.run({"hello", "3"});
  CHECK(e.run({"subscribe", "a"}) == confirm('>', "subscribe", "a", 1));
  CHECK(e.run({"get", "k"}) == "_\r\n");
  CHECK(e.run({"ping"}) == "+PONG\r\n");
  // Its own message follows PUBLISH's reply, as Redis 7.2 writes it.
  CHECK(e.run({"publish", "a", "hi"}) == integer(1) + message('>', "a", "hi"));
  CHECK(e.run({"psubscribe", "a*"}) == confirm('>', "psubscribe", "a*", 2));
  CHECK(e.run({"publish", "a", "x"}) == integer(2) + message('>', "a", "x") + pmessage('>', "a*", "a", "x"));
  CHECK(e.run({"unsubscribe"}) == confirm('>', "unsubscribe", "a", 1));
  CHECK(e.run({"unsubscribe"}) == ">3\r\n" + bulk("unsubscribe") + "_\r\n" + integer(1));
}

TEST_CASE("PUBLISH counts receivers: channel and pattern subscriptions each get a copy") {
  Engine e;
  shardis::PubSub& ps = e.server().pubsub;
  Subscriber other(99);
  CHECK(e.run({"publish", "workflow:1", "m"}) == integer(0));
  ps.subscribe(other, PubSubKind::kChannel, "workflow:1");
  ps.subscribe(other, PubSubKind::kPattern, "workflow:*");
  ps.subscribe(other, PubSubKind::kPattern, "task:*");
  CHECK(e.run({"publish", "workflow:1", "started"}) == integer(2));
  CHECK(e.run({"publish", "task:7", "done"}) == integer(1));
  CHECK(e.run({"publish", "other", "x"}) == integer(0));
  CHECK(drain(other) == message('*', "workflow:1", "started") + pmessage('*', "workflow:*", "workflow:1", "started") +
                            pmessage('*', "task:*", "task:7", "done"));
  // SPUBLISH reaches only shard channel subscribers.
  ps.subscribe(other, PubSubKind::kShard, "workflow:1");
  CHECK(e.run({"spublish", "workflow:1", "s"}) == integer(1));
  CHECK(drain(other) == "*3\r\n" + bulk("smessage") + bulk("workflow:1") + bulk("s"));
  ps.unsubscribe_all(other);
  CHECK(e.run({"publish", "workflow:1", "m"}) == integer(0));
  CHECK(e.run({"pubsub", "numpat"}) == integer(0));
}

TEST_CASE("PUBSUB introspection") {
  Engine e;
  shardis::PubSub& ps = e.server().pubsub;
  Subscriber a(1), b(2);
  ps.subscribe(a, PubSubKind::kChannel, "news");
  ps.subscribe(b, PubSubKind::kChannel, "news");
  ps.subscribe(b, PubSubKind::kChannel, "sport");
  ps.subscribe(a, PubSubKind::kPattern, "n*");
  ps.subscribe(b, PubSubKind::kPattern, "n*");
  ps.subscribe(a, PubSubKind::kShard, "orders");
  run_cases(e, {
                   {{"pubsub", "channels", "n*"}, bulks({"news"})},
                   {{"pubsub", "numsub", "news", "sport", "none"},
                    array_of({bulk("news"), integer(2), bulk("sport"), integer(1), bulk("none"), integer(0)})},
                   {{"pubsub", "numsub"}, "*0\r\n"},
                   {{"pubsub", "numpat"}, integer(1)},
                   {{"pubsub", "shardchannels"}, bulks({"orders"})},
                   {{"pubsub", "shardnumsub", "orders"}, array_of({bulk("orders"), integer(1)})},
                   {{"pubsub", "channels", "a", "b"},
                    error("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.")},
                   {{"pubsub", "numpat", "x"}, error("ERR wrong number of arguments for 'pubsub|numpat' command")},
                   {{"pubsub", "nosuch"}, error("ERR unknown subcommand 'nosuch'. Try PUBSUB HELP.")},
                   {{"subscribe"}, error("ERR wrong number of arguments for 'subscribe' command")},
               });
  ps.unsubscribe_all(a);
  ps.unsubscribe_all(b);
  CHECK(e.run({"pubsub", "channels"}) == "*0\r\n");
}

TEST_CASE("PUBLISH inside MULTI/EXEC and from a script") {
  Engine e;
  Subscriber other(7);
  e.server().pubsub.subscribe(other, PubSubKind::kChannel, "c");
  CHECK(e.run({"multi"}) == kOk);
  CHECK(e.run({"publish", "c", "one"}) == simple("QUEUED"));
  CHECK(e.run({"publish", "c", "two"}) == simple("QUEUED"));
  CHECK(e.run({"exec"}) == array_of({integer(1), integer(1)}));
  CHECK(drain(other) == message('*', "c", "one") + message('*', "c", "two"));
  e.server().pubsub.unsubscribe_all(other);
}

TEST_CASE("the output limit drops a subscriber past hard, or past soft for longer than its seconds") {
  Subscriber s(1);
  const std::string frame(100, 'x');
  SECTION("hard") {
    const OutputLimit limit{250, 0, 0};
    CHECK(s.deliver(frame, limit, 0));
    CHECK(s.deliver(frame, limit, 0));
    CHECK_FALSE(s.deliver(frame, limit, 0));  // 300 > 250
    CHECK(s.overflowed());
    CHECK(s.outbox_bytes() == 0);  // memory is released at once
    CHECK_FALSE(s.deliver(frame, limit, 0));
    std::string out;
    CHECK_FALSE(s.take(&out));
  }
  SECTION("bytes the connection could not write count too") {
    s.set_unsent(200);
    CHECK(s.deliver(frame, {250, 0, 0}, 0) == false);
  }
  SECTION("soft") {
    const OutputLimit limit{0, 150, 2};
    CHECK(s.deliver(frame, limit, 1000));
    CHECK(s.deliver(frame, limit, 1000));  // over soft since 1000
    CHECK(s.deliver(frame, limit, 3000));  // 2 s: not more than 2
    CHECK_FALSE(s.overflowed());
    CHECK_FALSE(s.deliver(frame, limit, 3001));
    CHECK(s.overflowed());
  }
  SECTION("draining under soft restarts its clock") {
    const OutputLimit limit{0, 150, 2};
    CHECK(s.deliver(frame, limit, 1000));
    CHECK(s.deliver(frame, limit, 1000));
    drain(s);
    CHECK(s.deliver(frame, limit, 5000));
    CHECK(s.deliver(frame, limit, 5000));
    CHECK(s.deliver(frame, limit, 7000));
    CHECK_FALSE(s.overflowed());
  }
}

TEST_CASE("keyspace notifications follow notify-keyspace-events") {
  Engine e;
  shardis::PubSub& ps = e.server().pubsub;
  Subscriber s(5);
  ps.subscribe(s, PubSubKind::kPattern, "__key*__:*");
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(drain(s).empty());  // off by default
  CHECK(e.run({"config", "set", "notify-keyspace-events", "KEA"}) == kOk);
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(drain(s) == pmessage('*', "__key*__:*", "__keyspace@0__:k", "set") +
                        pmessage('*', "__key*__:*", "__keyevent@0__:set", "k"));
  CHECK(e.run({"config", "set", "notify-keyspace-events", "Eg"}) == kOk);
  CHECK(e.run({"set", "k", "v"}) == kOk);  // '$' is off
  CHECK(e.run({"del", "k"}) == integer(1));
  CHECK(drain(s) == pmessage('*', "__key*__:*", "__keyevent@0__:del", "k"));
  ps.unsubscribe_all(s);
}

TEST_CASE("notify flag letters") {
  using namespace shardis;
  CHECK(parse_notify_flags("") == 0);
  CHECK(parse_notify_flags("KEA") ==
        (kNotifyKeyspace | kNotifyKeyevent | kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet |
         kNotifyHash | kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule));
  CHECK(parse_notify_flags("Kx") == (kNotifyKeyspace | kNotifyExpired));
  CHECK(parse_notify_flags("Enm") == (kNotifyKeyevent | kNotifyNew | kNotifyKeyMiss));
}

TEST_CASE("CLIENT INFO counts subscriptions of each kind and flags a subscriber P") {
  Engine e;
  e.run({"hello", "3"});
  auto counts = [&] {
    std::string info = e.run({"client", "info"});
    size_t from = info.find("flags=");
    return info.substr(from, info.find(" multi=") - from);
  };
  CHECK(counts() == "flags=N db=0 sub=0 psub=0 ssub=0");
  e.run({"subscribe", "a", "b"});
  e.run({"psubscribe", "x*"});
  e.run({"ssubscribe", "s"});
  CHECK(counts() == "flags=P db=0 sub=2 psub=1 ssub=1");
  e.run({"unsubscribe"});
  e.run({"punsubscribe"});
  CHECK(counts() == "flags=P db=0 sub=0 psub=0 ssub=1");
  e.run({"sunsubscribe"});
  CHECK(counts() == "flags=N db=0 sub=0 psub=0 ssub=0");
}

TEST_CASE("list edits and COPY publish their keyspace events") {
  Engine e;
  shardis::PubSub& ps = e.server().pubsub;
  Subscriber s(6);
  ps.subscribe(s, PubSubKind::kPattern, "__keyevent@*__:*");
  CHECK(e.run({"config", "set", "notify-keyspace-events", "Elg"}) == kOk);
  auto event = [](const std::string& name, const std::string& key, int db = 0) {
    return keyevent(name, key, db);
  };
  e.run({"rpush", "l", "a", "b", "c"});
  drain(s);
  CHECK(e.run({"lset", "l", "0", "x"}) == kOk);
  CHECK(e.run({"linsert", "l", "before", "nope", "y"}) == integer(-1));  // no event
  CHECK(e.run({"linsert", "l", "after", "x", "y"}) == integer(4));
  CHECK(e.run({"lrem", "l", "0", "nope"}) == integer(0));  // no event
  CHECK(e.run({"lrem", "l", "0", "y"}) == integer(1));
  CHECK(drain(s) == event("lset", "l") + event("linsert", "l") + event("lrem", "l"));
  CHECK(e.run({"copy", "l", "l2", "db", "1"}) == integer(1));
  CHECK(drain(s) == event("copy_to", "l2", 1));
  CHECK(e.run({"ltrim", "l", "0", "0"}) == kOk);
  CHECK(e.run({"ltrim", "l", "5", "10"}) == kOk);  // empties it: ltrim, then del
  CHECK(drain(s) == event("ltrim", "l") + event("ltrim", "l") + event("del", "l"));
  ps.unsubscribe_all(s);
}

// An Engine whose subscriber sees every keyevent, with classes set.
struct KeyeventFixture {
  explicit KeyeventFixture(const std::string& classes) {
    e.server().pubsub.subscribe(s, PubSubKind::kPattern, "__keyevent@*__:*");
    REQUIRE(e.run({"config", "set", "notify-keyspace-events", classes}) == kOk);
  }
  ~KeyeventFixture() { e.server().pubsub.unsubscribe_all(s); }
  Engine e{1, true};
  Subscriber s{8};
};

TEST_CASE("GETEX publishes expire, persist, or del for a deadline already past") {
  KeyeventFixture f("Eg$");
  f.e.run({"set", "k", "v"});
  drain(f.s);
  CHECK(f.e.run({"getex", "k", "ex", "100"}) == bulk("v"));
  CHECK(f.e.run({"getex", "k", "pxat", "99999999999999"}) == bulk("v"));
  CHECK(f.e.run({"getex", "k", "persist"}) == bulk("v"));
  CHECK(f.e.run({"getex", "k", "persist"}) == bulk("v"));  // no TTL left: no event
  CHECK(f.e.run({"getex", "k"}) == bulk("v"));
  CHECK(f.e.run({"getex", "k", "exat", "1"}) == bulk("v"));
  CHECK(f.e.run({"getex", "k", "ex", "10"}) == kNil);
  CHECK(drain(f.s) == keyevent("expire", "k") + keyevent("expire", "k") + keyevent("persist", "k") +
                          keyevent("del", "k"));
}

TEST_CASE("SET with a deadline already past expires the key when next looked up") {
  KeyeventFixture f("Egx$");
  CHECK(f.e.run({"set", "k", "v", "exat", "1"}) == kOk);
  CHECK(drain(f.s) == keyevent("set", "k") + keyevent("expire", "k"));
  CHECK(f.e.run({"exists", "k"}) == integer(0));
  CHECK(drain(f.s) == keyevent("expired", "k"));
}

TEST_CASE("RENAME of a key to itself publishes nothing") {
  KeyeventFixture f("Eg");
  f.e.run({"set", "k", "v"});
  CHECK(f.e.run({"rename", "k", "k"}) == kOk);
  CHECK(f.e.run({"renamenx", "k", "k"}) == integer(0));
  CHECK(f.e.run({"get", "k"}) == bulk("v"));
  CHECK(drain(f.s).empty());
}

TEST_CASE("'new' comes when a key is created, before the command's own event") {
  KeyeventFixture f("EAn");
  CHECK(f.e.run({"set", "k", "v"}) == kOk);
  CHECK(f.e.run({"set", "k", "w"}) == kOk);  // overwritten: not new
  CHECK(f.e.run({"rpush", "l", "a"}) == integer(1));
  CHECK(f.e.run({"rename", "k", "k2"}) == kOk);
  CHECK(drain(f.s) == keyevent("new", "k") + keyevent("set", "k") + keyevent("set", "k") +
                          keyevent("new", "l") + keyevent("rpush", "l") + keyevent("new", "k2") +
                          keyevent("rename_from", "k") + keyevent("rename_to", "k2"));
  CHECK(f.e.run({"move", "k2", "3"}) == integer(1));
  CHECK(drain(f.s) ==
        keyevent("new", "k2", 3) + keyevent("move_from", "k2") + keyevent("move_to", "k2", 3));
  SECTION("a STORE over an existing key overwrites it") {
    f.e.run({"sadd", "s", "a"});
    f.e.run({"zadd", "zs", "1", "a"});
    f.e.run({"sadd", "d", "b"});
    f.e.run({"expire", "d", "100"});
    drain(f.s);
    CHECK(f.e.run({"sunionstore", "d", "s"}) == integer(1));
    CHECK(f.e.run({"ttl", "d"}) == integer(-1));
    CHECK(f.e.run({"zunionstore", "z", "1", "zs"}) == integer(1));
    CHECK(f.e.run({"zunionstore", "z", "1", "zs"}) == integer(1));
    CHECK(drain(f.s) == keyevent("sunionstore", "d") + keyevent("new", "z") +
                            keyevent("zunionstore", "z") + keyevent("zunionstore", "z"));
  }
  SECTION("'n' alone, and 'n' beside 'A' though CONFIG GET prints only AKE") {
    CHECK(f.e.run({"config", "set", "notify-keyspace-events", "En"}) == kOk);
    CHECK(f.e.run({"set", "a", "1"}) == kOk);
    CHECK(drain(f.s) == keyevent("new", "a"));
    CHECK(f.e.run({"config", "set", "notify-keyspace-events", "KEAn"}) == kOk);
    CHECK(f.e.run({"config", "get", "notify-keyspace-events"}) ==
          array_of({bulk("notify-keyspace-events"), bulk("AKE")}));
    CHECK(f.e.run({"set", "b", "1"}) == kOk);
    CHECK(drain(f.s) == keyevent("new", "b") + keyevent("set", "b"));
  }
}

TEST_CASE("a checkpoint load creates keys without 'new'") {
  using namespace shardis;
  KeyeventFixture f("En");
  Entry value;
  value.set_string("v");
  DecodedRecord rec;
  std::string error;
  const std::string record = encode_record(0, "k", value);
  REQUIRE(decode_record(record, &rec, &error));
  REQUIRE(restore_into(f.e.shards().shard_for("k").db(0), rec, 0));
  CHECK(f.e.run({"get", "k"}) == bulk("v"));
  CHECK(drain(f.s).empty());
  CHECK(f.e.run({"set", "k2", "v"}) == kOk);  // the control: a command's key is new
  CHECK(drain(f.s) == keyevent("new", "k2"));
}

// The STORE commands read their sources: a missing one is a keymiss.
TEST_CASE("'keymiss' for read lookups that miss, not for writes or OBJECT") {
  KeyeventFixture f("Em");
  for (const shardis::Args& cmd : std::vector<shardis::Args>{{"get", "a"},
                                                             {"mget", "b", "c"},
                                                             {"exists", "d"},
                                                             {"type", "e"},
                                                             {"ttl", "f"},
                                                             {"object", "encoding", "g"},
                                                             {"hget", "h", "x"},
                                                             {"lrange", "i", "0", "-1"},
                                                             {"incr", "j"},
                                                             {"del", "k"},
                                                             {"lpop", "l"},
                                                             {"sunionstore", "d2", "m"},
                                                             {"zunionstore", "d3", "1", "n"},
                                                             {"set", "o", "v", "get"}})
    f.e.run(cmd);
  CHECK(drain(f.s) ==
        keyevent("keymiss", "a") + keyevent("keymiss", "b") + keyevent("keymiss", "c") +
            keyevent("keymiss", "d") + keyevent("keymiss", "e") + keyevent("keymiss", "f") +
            keyevent("keymiss", "h") + keyevent("keymiss", "i") + keyevent("keymiss", "m") +
            keyevent("keymiss", "n") + keyevent("keymiss", "o"));
  CHECK(f.e.run({"get", "j"}) == bulk("1"));  // a hit: nothing
  CHECK(drain(f.s).empty());
}
