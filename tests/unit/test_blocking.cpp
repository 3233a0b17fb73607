// The blocking pops through the engine: their replies when something is
// there to pop, their argument checks and error texts, the nulls they answer
// where they may not block (Engine, MULTI), and how a client that may block
// registers on its keys and is woken (engine/blocking.hpp).

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/blocking.hpp"
#include "engine/command.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "unit/resp_cases.hpp"

namespace {

using shardis::Args;
using shardis::BlockRequest;
using shardis::Engine;
using shardis::WaiterPtr;
using namespace shardis::test;

const std::string kWrongType = error(shardis::err::kWrongType);
const std::string kSyntax = error(shardis::err::kSyntax);
const std::string kNullArray = "*-1\r\n";
const std::string kTimeoutNotFloat = error("ERR timeout is not a float or out of range");
const std::string kTimeoutNegative = error("ERR timeout is negative");

TEST_CASE("BLPOP and BRPOP pop like LPOP and RPOP when a list is there", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"rpush", "b", "1", "2", "3"}, integer(3)},
                   {{"blpop", "a", "b", "0"}, bulks({"b", "1"})},
                   {{"brpop", "a", "b", "0"}, bulks({"b", "3"})},
                   {{"brpop", "b", "1.5"}, bulks({"b", "2"})},
                   {{"exists", "b"}, integer(0)},
                   {{"blpop", "a", "b", "0"}, kNullArray},
                   {{"brpop", "b", "0.01"}, kNullArray},
               });
}

TEST_CASE("BLPOP checks the timeout first, then the keys in order", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"set", "s", "x"}, kOk},
                   {{"rpush", "l", "v"}, integer(1)},
                   {{"blpop", "s", "x"}, kTimeoutNotFloat},
                   {{"blpop", "s", "0"}, kWrongType},
                   {{"blpop", "missing", "s", "l", "0"}, kWrongType},
                   {{"blpop", "l", "s", "0"}, bulks({"l", "v"})},
                   {{"blpop", "k"}, error("ERR wrong number of arguments for 'blpop' command")},
               });
}

TEST_CASE("Timeouts are read as Redis 7.0 reads them", "[blocking]") {
  Engine e;
  // Answers of redis-server 7.0.15 for BLPOP on a missing key outside of a
  // blocking context: the value is a long double of seconds, scaled to
  // milliseconds and rounded up; what overflows a long long is "negative".
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", kTimeoutNotFloat},
      {" 1", kTimeoutNotFloat},
      {"1 ", kTimeoutNotFloat},
      {"", kTimeoutNotFloat},
      {"nan", kTimeoutNotFloat},
      {"1e-5000", kTimeoutNotFloat},
      {"1e5000", kTimeoutNotFloat},
      {"-1", kTimeoutNegative},
      {"-0.0015", kTimeoutNegative},
      {"inf", kTimeoutNegative},
      {"-inf", kTimeoutNegative},
      {"1e17", kTimeoutNegative},
      {"9223372036854776", kTimeoutNegative},
      {"-0.0001", kNullArray},
      {"0", kNullArray},
      {"0.1", kNullArray},
      {"1e-400", kNullArray},
      {"0x10", kNullArray},
      {"+1", kNullArray},
      {"-0", kNullArray},
      {"9223372036854775", kNullArray},
  };
  for (const auto& [timeout, reply] : cases) {
    INFO(timeout);
    CHECK(e.run({"blpop", "k", timeout}) == reply);
  }
}

TEST_CASE("BLMOVE and BRPOPLPUSH move like LMOVE and RPOPLPUSH", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"rpush", "src", "a", "b"}, integer(2)},
                   {{"blmove", "src", "dst", "left", "right", "0"}, bulk("a")},
                   {{"brpoplpush", "src", "dst", "0"}, bulk("b")},
                   {{"lrange", "dst", "0", "-1"}, bulks({"b", "a"})},
                   {{"blmove", "src", "dst", "left", "right", "0"}, kNil},
                   {{"brpoplpush", "src", "dst", "0"}, kNil},
                   // LEFT/RIGHT come before the timeout, WRONGTYPE after it.
                   {{"blmove", "src", "dst", "up", "right", "x"}, kSyntax},
                   {{"blmove", "src", "dst", "left", "down", "0"}, kSyntax},
                   {{"blmove", "src", "dst", "LEFT", "RIGHT", "x"}, kTimeoutNotFloat},
                   {{"brpoplpush", "src", "dst", "-1"}, kTimeoutNegative},
                   {{"set", "s", "x"}, kOk},
                   {{"blmove", "s", "dst", "left", "left", "0"}, kWrongType},
                   // A missing source blocks before the destination's type
                   // matters; an existing one moves into a wrong type: error.
                   {{"blmove", "src", "s", "left", "left", "0"}, kNil},
                   {{"rpush", "src", "c"}, integer(1)},
                   {{"brpoplpush", "src", "s", "0"}, kWrongType},
                   {{"llen", "src"}, integer(1)},
               });
}

TEST_CASE("BLMPOP and BZMPOP check their arguments as LMPOP and ZMPOP do", "[blocking]") {
  Engine e;
  run_cases(e,
            {
                {{"blmpop", "x", "1", "k", "left"}, kTimeoutNotFloat},
                {{"blmpop", "0", "0", "k", "left"}, error("ERR numkeys should be greater than 0")},
                {{"blmpop", "0", "2", "k", "left"}, kSyntax},
                {{"blmpop", "0", "1", "k", "up"}, kSyntax},
                {{"blmpop", "0", "1", "k", "left", "count", "0"},
                 error("ERR count should be greater than 0")},
                {{"blmpop", "0", "1", "k", "left", "count"}, kSyntax},
                {{"blmpop", "0", "1", "k", "left"}, kNullArray},
                {{"bzmpop", "-1", "1", "z", "min"}, kTimeoutNegative},
                {{"bzmpop", "0", "2", "z", "min"}, kSyntax},
                {{"bzmpop", "0", "1", "z", "middle"}, kSyntax},
                {{"bzmpop", "0", "1", "z", "max"}, kNullArray},
                {{"set", "s", "x"}, kOk},
                {{"blmpop", "0", "2", "k", "s", "right"}, kWrongType},
                {{"bzmpop", "0", "1", "s", "min"}, kWrongType},
            });
}

TEST_CASE("BLMPOP and BZMPOP check their arguments before the timeout, as Redis does",
          "[blocking]") {
  Engine e;
  const std::string count_error = error("ERR count should be greater than 0");
  run_cases(e,
            {
                {{"blmpop", "x", "0", "k", "left"}, error("ERR numkeys should be greater than 0")},
                {{"blmpop", "x", "1", "k", "up"}, kSyntax},
                {{"blmpop", "-1", "1", "k", "left", "count", "0"}, count_error},
                {{"blmpop", "x", "1", "k", "left", "count"}, kSyntax},
                {{"blmpop", "x", "1", "k", "left", "count", "1", "count", "1"}, kSyntax},
                {{"bzmpop", "x", "2", "z", "min"}, kSyntax},
                {{"bzmpop", "-1", "1", "z", "min", "count", "x"}, count_error},
                {{"set", "s", "x"}, kOk},
                {{"blmpop", "x", "1", "s", "left"}, kTimeoutNotFloat},
                {{"bzmpop", "-1", "1", "s", "max"}, kTimeoutNegative},
            });
}

TEST_CASE("BLMPOP and BZMPOP pop from the first non-empty key", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"rpush", "l2", "a", "b", "c"}, integer(3)},
                   {{"blmpop", "0", "2", "l1", "l2", "right", "count", "2"},
                    array_of({bulk("l2"), bulks({"c", "b"})})},
                   {{"blmpop", "0", "2", "l1", "l2", "left"}, array_of({bulk("l2"), bulks({"a"})})},
                   {{"zadd", "z", "1", "a", "2", "b", "3", "c"}, integer(3)},
                   {{"bzmpop", "0", "2", "none", "z", "max", "count", "2"},
                    array_of({bulk("z"), array_of({bulks({"c", "3"}), bulks({"b", "2"})})})},
                   {{"bzmpop", "0", "1", "z", "min", "count", "5"},
                    array_of({bulk("z"), array_of({bulks({"a", "1"})})})},
                   {{"exists", "z", "l2"}, integer(0)},
               });
}

TEST_CASE("BZPOPMIN and BZPOPMAX reply key, member, score", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"zadd", "z", "1.5", "a", "2", "b", "3", "c"}, integer(3)},
                   {{"bzpopmin", "none", "z", "0"}, bulks({"z", "a", "1.5"})},
                   {{"bzpopmax", "z", "0"}, bulks({"z", "c", "3"})},
                   {{"bzpopmin", "z", "x"}, kTimeoutNotFloat},
                   {{"set", "s", "x"}, kOk},
                   {{"bzpopmax", "s", "z", "0"}, kWrongType},
                   {{"bzpopmax", "z", "s", "0"}, bulks({"z", "b", "2"})},
                   {{"bzpopmin", "z", "0"}, kNullArray},
               });
  e.session().resp = 3;
  run_cases(e, {
                   {{"zadd", "z", "1.5", "a"}, integer(1)},
                   {{"bzpopmin", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n"},
                   {{"bzpopmin", "z", "0"}, "_\r\n"},
                   {{"blpop", "l", "0"}, "_\r\n"},
                   {{"blmove", "l", "m", "left", "left", "0"}, "_\r\n"},
               });
}

TEST_CASE("Inside MULTI the blocking pops answer at once", "[blocking]") {
  Engine e;
  run_cases(e, {
                   {{"multi"}, kOk},
                   {{"blpop", "k", "0"}, simple("QUEUED")},
                   {{"blmove", "a", "b", "left", "left", "0"}, simple("QUEUED")},
                   {{"bzpopmin", "z", "0"}, simple("QUEUED")},
                   {{"blmpop", "0", "1", "k", "left"}, simple("QUEUED")},
                   {{"blpop", "k", "abc"}, simple("QUEUED")},
                   {{"rpush", "k", "v"}, simple("QUEUED")},
                   {{"brpop", "k", "0"}, simple("QUEUED")},
                   {{"exec"},
                    array_of({kNullArray, kNil, kNullArray, kNullArray, kTimeoutNotFloat,
                              integer(1), bulks({"k", "v"})})},
               });
}

// ---------------------------------------------------------------------------
// Blocking: registration and wake-ups, as a connection drives them
// ---------------------------------------------------------------------------

// A client that may block: its waiter counts the wake-ups it gets.
struct Client {
  std::shared_ptr<int> wakes = std::make_shared<int>(0);
  BlockRequest req;

  explicit Client(bool retry = false) {
    req.waiter = std::make_shared<shardis::Waiter>();
    req.waiter->wake = [wakes = wakes](const WaiterPtr&) { ++*wakes; };
    req.retry = retry;
  }
  // Runs args as this client, with ctx.block set; returns the reply.
  std::string run(Engine& e, Args args) {
    std::string out;
    shardis::protocol::ReplyWriter w(out, e.session().resp);
    shardis::ExecContext ctx{e.server(), e.shards(), e.session(), w, e.server().clock.now_ms()};
    ctx.block = &req;
    std::string error;
    const shardis::CommandSpec* spec = shardis::check_command(args, e.session(), &error);
    REQUIRE(spec);
    shardis::dispatch(ctx, *spec, args);
    return out;
  }
};

// The waiter records db 0 holds on every shard.
size_t records(Engine& e) {
  size_t n = 0;
  for (size_t s = 0; s < e.shards().size(); ++s) n += e.shards().shard(s).db(0).waiters().records();
  return n;
}

TEST_CASE("A client with nothing to pop registers on each key and replies nothing", "[blocking]") {
  Engine e;
  Client c;
  CHECK(c.run(e, {"blpop", "a", "b", "2.5"}).empty());
  CHECK(c.req.blocked);
  CHECK(c.req.timeout_ms == 2500);
  CHECK_FALSE(c.req.null_bulk);
  CHECK(records(e) == 2);
  CHECK(*c.wakes == 0);
  // The first push onto either key wakes it, once: the push itself runs on.
  CHECK(e.run({"rpush", "b", "x"}) == integer(1));
  CHECK(*c.wakes == 1);
  CHECK_FALSE(c.req.waiter->live());
  CHECK(e.run({"rpush", "a", "y"}) == integer(1));
  CHECK(*c.wakes == 1);
  // An argument error never blocks; nor does a key that holds something.
  Client d;
  CHECK(d.run(e, {"blpop", "a", "-1"}) == kTimeoutNegative);
  CHECK(d.run(e, {"blpop", "a", "0"}) == bulks({"a", "y"}));
  CHECK_FALSE(d.req.blocked);
}

TEST_CASE("Waiters are woken first come, first served, one per created key", "[blocking]") {
  Engine e;
  Client first, second, third;
  for (Client* c : {&first, &second, &third}) CHECK(c->run(e, {"brpop", "q", "0"}).empty());
  CHECK(records(e) == 3);
  CHECK(e.run({"lpush", "q", "1", "2"}) == integer(2));
  CHECK(*first.wakes == 1);
  CHECK(*second.wakes == 0);
  // The woken client's pop leaves an element: the next client's turn.
  Client retry(true);
  CHECK(retry.run(e, {"brpop", "q", "0"}) == bulks({"q", "1"}));
  CHECK(*second.wakes == 1);
  CHECK(*third.wakes == 0);
  CHECK(retry.run(e, {"brpop", "q", "0"}) == bulks({"q", "2"}));
  CHECK(*third.wakes == 0);
  CHECK(records(e) == 1);
}

TEST_CASE("A retry that finds nothing goes back to the front of the queue", "[blocking]") {
  Engine e;
  Client waiting;
  CHECK(waiting.run(e, {"blpop", "q", "0"}).empty());
  Client retry(true);
  CHECK(retry.run(e, {"blpop", "q", "0"}).empty());
  CHECK(retry.req.blocked);
  CHECK(e.run({"rpush", "q", "v"}) == integer(1));
  CHECK(*retry.wakes == 1);
  CHECK(*waiting.wakes == 0);
}

TEST_CASE("Ended waits are skipped, and swept by the cron", "[blocking]") {
  Engine e;
  Client gone, timed_out, live;
  for (Client* c : {&gone, &timed_out, &live})
    CHECK(c->run(e, {"blpop", "q", "other", "0"}).empty());
  CHECK(gone.req.waiter->claim());       // disconnected
  CHECK(timed_out.req.waiter->claim());  // its timeout won
  CHECK(e.run({"rpush", "q", "v"}) == integer(1));
  CHECK(*live.wakes == 1);
  CHECK(*gone.wakes == 0);
  CHECK(*timed_out.wakes == 0);
  // Every wait has ended; "other" still holds their three records.
  CHECK(records(e) == 3);
  for (size_t s = 0; s < e.shards().size(); ++s)
    e.shards().shard(s).cron(e.server().clock.now_ms(), INT64_MAX);
  CHECK(records(e) == 0);
}

TEST_CASE("A woken retry pops from the ready key, whatever the others hold", "[blocking]") {
  Engine e;
  run_cases(e, {{{"set", "s", "x"}, kOk}, {{"rpush", "l", "v", "w"}, integer(2)}});
  // Redis 7.0 serves a blocked client from the key that became ready; a
  // first attempt meets the wrong type in argument order.
  CHECK(e.run({"blpop", "s", "l", "0"}) == kWrongType);
  Client retry(true);
  CHECK(retry.run(e, {"blpop", "s", "l", "0"}) == bulks({"l", "v"}));
  CHECK(retry.run(e, {"blmpop", "0", "2", "s", "l", "left"}) ==
        array_of({bulk("l"), bulks({"w"})}));
  CHECK(retry.run(e, {"bzmpop", "0", "1", "s", "min"}).empty());
  CHECK(retry.req.blocked);
}

TEST_CASE("Keys created by other commands wake their waiters too", "[blocking]") {
  Engine e;
  Client by_zadd, by_move, by_swap;
  CHECK(by_zadd.run(e, {"bzpopmin", "z", "0"}).empty());
  CHECK(by_move.run(e, {"blmove", "dst", "x", "left", "left", "0"}).empty());
  CHECK(by_move.req.null_bulk);
  CHECK(e.run({"zadd", "z", "1", "m"}) == integer(1));
  CHECK(*by_zadd.wakes == 1);
  CHECK(e.run({"rpush", "src", "v"}) == integer(1));
  CHECK(e.run({"lmove", "src", "dst", "left", "left"}) == bulk("v"));
  CHECK(*by_move.wakes == 1);
  // SWAPDB brings db 1's keys into db 0, where the client waits.
  CHECK(by_swap.run(e, {"blpop", "other", "0"}).empty());
  e.session().db = 1;
  CHECK(e.run({"rpush", "other", "v"}) == integer(1));
  CHECK(*by_swap.wakes == 0);
  CHECK(e.run({"swapdb", "0", "1"}) == kOk);
  CHECK(*by_swap.wakes == 1);
}

}  // namespace

// A client that blocks with its command attached: the engine serves it
// after the command that made a key ready; `reply` receives what it was
// served.
struct ServedClient : Client {
  std::shared_ptr<std::string> reply = std::make_shared<std::string>();

  ServedClient(Engine& e, const Args& args) {
    auto call = std::make_shared<shardis::BlockedCall>();
    call->args = args;
    call->spec = shardis::CommandTable::instance().find(args[0]);
    REQUIRE(call->spec);
    req.waiter->call = call;
    req.waiter->answer = [reply = reply](const WaiterPtr&, std::string r) {
      *reply = std::move(r);
    };
    REQUIRE(run(e, args).empty());
    REQUIRE(req.blocked);
  }
};

TEST_CASE("Clients blocked on one shard are served before the next command", "[blocking]") {
  Engine e;
  ServedClient first(e, {"blpop", "q", "0"});
  ServedClient second(e, {"brpop", "q", "0"});
  ServedClient third(e, {"blpop", "q", "0"});
  CHECK(e.run({"rpush", "q", "a", "b"}) == integer(2));
  // Served in the order they blocked, each from the list as the one before
  // left it, and before anything else runs.
  CHECK(*first.reply == bulks({"q", "a"}));
  CHECK(*second.reply == bulks({"q", "b"}));
  CHECK(third.reply->empty());
  CHECK(third.req.waiter->live());
  CHECK(e.run({"llen", "q"}) == integer(0));
  CHECK(*first.wakes + *second.wakes + *third.wakes == 0);
}

TEST_CASE("A transaction's pushes serve the waiters once EXEC is done", "[blocking]") {
  Engine e;
  ServedClient c(e, {"blmpop", "0", "2", "a", "b", "left", "count", "2"});
  CHECK(e.run({"multi"}) == kOk);
  CHECK(e.run({"rpush", "b", "1", "2", "3"}) == "+QUEUED\r\n");
  CHECK(e.run({"rpush", "a", "9"}) == "+QUEUED\r\n");
  CHECK(e.run({"llen", "b"}) == "+QUEUED\r\n");
  // Inside EXEC nobody is served yet: LLEN sees all three.
  CHECK(e.run({"exec"}) == array_of({integer(3), integer(1), integer(3)}));
  // Then from the key made ready first, as Redis's ready-key list has it.
  CHECK(*c.reply == array_of({bulk("b"), bulks({"1", "2"})}));
  CHECK(e.run({"lrange", "a", "0", "-1"}) == bulks({"9"}));
}

TEST_CASE("A ready key serves the waiters that pop its type", "[blocking]") {
  Engine e;
  ServedClient zset(e, {"bzpopmin", "k", "0"});
  ServedClient list(e, {"blpop", "k", "0"});
  CHECK(e.run({"lpush", "k", "x"}) == integer(1));
  CHECK(*list.reply == bulks({"k", "x"}));
  CHECK(zset.reply->empty());
  CHECK(zset.req.waiter->live());
  // A key of neither type serves nobody.
  ServedClient other(e, {"blpop", "k", "0"});
  CHECK(e.run({"set", "k", "v"}) == kOk);
  CHECK(other.reply->empty());
  CHECK(e.run({"del", "k"}) == integer(1));
  CHECK(e.run({"zadd", "k", "1", "m"}) == integer(1));
  CHECK(*zset.reply == array_of({bulk("k"), bulk("m"), bulk("1")}));
  CHECK(other.reply->empty());
  CHECK(other.req.waiter->live());
}
