// MULTI/EXEC/DISCARD/WATCH/UNWATCH through the engine: queueing, errors,
// and every way a watched key can change. Replies checked against
// redis-server 7.0.
#include <set>
#include <utility>

#include "resp_cases.hpp"

using namespace shardis;
using namespace shardis::test;

namespace {

const std::string kQueued = simple("QUEUED");
const std::string kNullArray = "*-1\r\n";
const std::string kExecAbort = error("EXECABORT Transaction discarded because of previous errors.");

// Runs cmd as another client of the same server.
std::string run_as_other(Engine& e, Session& other, Args cmd) {
  std::swap(e.session(), other);
  std::string reply = e.run(std::move(cmd));
  std::swap(e.session(), other);
  return reply;
}

}  // namespace

TEST_CASE("MULTI queues commands and EXEC runs them in order", "[transaction]") {
  Engine e;
  run_cases(e, {
                   {{"multi"}, kOk},
                   {{"set", "a", "1"}, kQueued},
                   {{"incr", "a"}, kQueued},
                   {{"get", "a"}, kQueued},
                   {{"get", "a"}, kQueued},
               });
  CHECK(e.run({"get", "a"}) == kQueued);  // still queued, nothing ran
  CHECK(e.run({"exec"}) == "*5\r\n+OK\r\n:2\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n2\r\n");
  CHECK(e.run({"get", "a"}) == bulk("2"));
}

TEST_CASE("Transaction errors are Redis's", "[transaction]") {
  Engine e;
  run_cases(e, {
                   {{"exec"}, error("ERR EXEC without MULTI")},
                   {{"discard"}, error("ERR DISCARD without MULTI")},
                   {{"multi"}, kOk},
                   {{"multi"}, error("ERR MULTI calls can not be nested")},
                   {{"watch", "a"}, error("ERR WATCH inside MULTI is not allowed")},
                   {{"set", "a", "1"}, kQueued},
                   {{"exec"}, "*1\r\n+OK\r\n"},
               });
}

TEST_CASE("A queue-time error aborts EXEC, runtime errors do not stop the others", "[transaction]") {
  Engine e;
  SECTION("unknown command") {
    run_cases(e, {{{"multi"}, kOk},
                  {{"set", "a", "1"}, kQueued},
                  {{"nosuch", "x"}, error("ERR unknown command 'nosuch', with args beginning with: 'x' ")},
                  {{"exec"}, kExecAbort},
                  {{"get", "a"}, kNil},
                  {{"exec"}, error("ERR EXEC without MULTI")}});
  }
  SECTION("wrong arity") {
    run_cases(e, {{{"multi"}, kOk},
                  {{"set", "a"}, error("ERR wrong number of arguments for 'set' command")},
                  {{"exec"}, kExecAbort}});
  }
  SECTION("EXEC itself rejected: the transaction ends there") {
    run_cases(e, {{{"multi"}, kOk},
                  {{"set", "a", "1"}, kQueued},
                  {{"exec", "now"},
                   error("EXECABORT Transaction discarded because of: wrong number of arguments for "
                         "'exec' command")},
                  {{"get", "a"}, kNil},
                  {{"exec"}, error("ERR EXEC without MULTI")},
                  // outside MULTI too, as Redis
                  {{"exec", "now"},
                   error("EXECABORT Transaction discarded because of: wrong number of arguments for "
                         "'exec' command")}});
  }
  SECTION("a command not allowed in a transaction") {
    run_cases(e, {{{"multi"}, kOk},
                  {{"shutdown"}, error("ERR Command not allowed inside a transaction")},
                  {{"exec"}, kExecAbort}});
  }
  SECTION("runtime errors") {
    run_cases(e, {{{"set", "s", "abc"}, kOk},
                  {{"multi"}, kOk},
                  {{"incr", "s"}, kQueued},
                  {{"set", "b", "2"}, kQueued},
                  {{"exec"}, "*2\r\n" + error("ERR value is not an integer or out of range") + kOk},
                  {{"get", "b"}, bulk("2")}});
  }
}

TEST_CASE("DISCARD drops the queue and the watches", "[transaction]") {
  Engine e;
  Session other;
  run_cases(e, {{{"watch", "a"}, kOk}, {{"multi"}, kOk}, {{"set", "a", "1"}, kQueued}, {{"discard"}, kOk}});
  CHECK(e.run({"get", "a"}) == kNil);
  // The watch is gone with the transaction: a change no longer matters.
  CHECK(run_as_other(e, other, {"set", "a", "x"}) == kOk);
  run_cases(e, {{{"multi"}, kOk}, {{"get", "a"}, kQueued}, {{"exec"}, "*1\r\n" + bulk("x")}});
}

TEST_CASE("SELECT inside MULTI changes the db of later queued commands", "[transaction]") {
  Engine e;
  run_cases(e, {{{"multi"}, kOk},
                {{"select", "2"}, kQueued},
                {{"set", "b", "1"}, kQueued},
                {{"exec"}, "*2\r\n+OK\r\n+OK\r\n"},
                {{"get", "b"}, bulk("1")},
                {{"select", "0"}, kOk},
                {{"get", "b"}, kNil}});
}

TEST_CASE("RESET leaves MULTI and forgets watches", "[transaction]") {
  Engine e;
  Session other;
  run_cases(e, {{{"set", "a", "1"}, kOk}, {{"watch", "a"}, kOk}, {{"multi"}, kOk}, {{"reset"}, simple("RESET")}});
  CHECK(run_as_other(e, other, {"set", "a", "2"}) == kOk);
  run_cases(e, {{{"exec"}, error("ERR EXEC without MULTI")}, {{"multi"}, kOk}, {{"exec"}, "*0\r\n"}});
}

TEST_CASE("WATCH fails EXEC after any change to a watched key", "[transaction][watch]") {
  Engine e(4);
  Session other;
  run_cases(e, {{{"set", "k", "1"}, kOk}, {{"set", "k2", "1"}, kOk}});
  // Every way another client can change a watched key.
  const std::vector<Args> changes = {
      {"set", "k", "2"},         {"del", "k"},           {"incr", "k"},
      {"expire", "k", "100"},    {"rename", "k", "k3"},  {"rename", "k2", "k"},
      {"flushdb"},               {"flushall"},           {"swapdb", "0", "1"},
      {"append", "k", "x"},      {"persist", "k"},       {"move", "k", "1"},
      {"copy", "k2", "k", "replace"},
  };
  for (const Args& change : changes) {
    INFO(describe(change));
    e.run({"flushall"});
    e.run({"set", "k", "1"});
    e.run({"set", "k2", "1"});
    e.run({"expire", "k2", "1000"});
    if (change[0] == "persist") e.run({"expire", "k", "100"});
    CHECK(e.run({"watch", "k"}) == kOk);
    run_as_other(e, other, change);
    CHECK(e.run({"multi"}) == kOk);
    CHECK(e.run({"set", "done", "1"}) == kQueued);
    CHECK(e.run({"exec"}) == kNullArray);
    CHECK(e.run({"get", "done"}) == kNil);
  }
}

TEST_CASE("WATCH passes when nothing changed, or only other keys", "[transaction][watch]") {
  Engine e(4);
  Session other;
  run_cases(e, {{{"set", "k", "1"}, kOk}, {{"watch", "k", "nokey"}, kOk}});
  CHECK(run_as_other(e, other, {"set", "unrelated", "1"}) == kOk);
  CHECK(run_as_other(e, other, {"get", "k"}) == bulk("1"));
  // A write that fails changes nothing.
  CHECK(run_as_other(e, other, {"set", "k", "2", "nx"}) == kNil);
  run_cases(e, {{{"multi"}, kOk}, {{"incr", "k"}, kQueued}, {{"exec"}, "*1\r\n:2\r\n"}});
  // EXEC forgot the watches: a change now does not affect the next EXEC.
  CHECK(run_as_other(e, other, {"set", "k", "9"}) == kOk);
  run_cases(e, {{{"multi"}, kOk}, {{"get", "k"}, kQueued}, {{"exec"}, "*1\r\n" + bulk("9")}});
}

TEST_CASE("The client's own writes to a watched key also fail EXEC", "[transaction][watch]") {
  Engine e;
  run_cases(e, {{{"watch", "a"}, kOk}, {{"set", "a", "2"}, kOk}, {{"multi"}, kOk}, {{"get", "a"}, kQueued},
                {{"exec"}, kNullArray}});
}

TEST_CASE("UNWATCH forgets the watched keys", "[transaction][watch]") {
  Engine e;
  Session other;
  run_cases(e, {{{"watch", "a"}, kOk}, {{"unwatch"}, kOk}});
  CHECK(run_as_other(e, other, {"set", "a", "2"}) == kOk);
  run_cases(e, {{{"multi"}, kOk}, {{"get", "a"}, kQueued}, {{"exec"}, "*1\r\n" + bulk("2")}});
}

TEST_CASE("WATCH and expiry", "[transaction][watch]") {
  Engine e;
  Session other;
  SECTION("a key that expires after WATCH fails EXEC, deleted or not") {
    run_cases(e, {{{"set", "t", "1", "px", "100"}, kOk}, {{"watch", "t"}, kOk}});
    e.server().clock.advance(std::chrono::milliseconds(200));
    run_cases(e, {{{"multi"}, kOk}, {{"ping"}, kQueued}, {{"exec"}, kNullArray}});
  }
  SECTION("a key lazily deleted by another client's read fails EXEC") {
    run_cases(e, {{{"set", "t", "1", "px", "100"}, kOk}, {{"watch", "t"}, kOk}});
    e.server().clock.advance(std::chrono::milliseconds(200));
    CHECK(run_as_other(e, other, {"get", "t"}) == kNil);
    run_cases(e, {{{"multi"}, kOk}, {{"ping"}, kQueued}, {{"exec"}, kNullArray}});
  }
  SECTION("a key already expired when watched does not fail EXEC by being deleted") {
    run_cases(e, {{{"set", "t", "1", "px", "100"}, kOk}});
    e.server().clock.advance(std::chrono::milliseconds(200));
    CHECK(e.run({"watch", "t"}) == kOk);
    CHECK(run_as_other(e, other, {"get", "t"}) == kNil);
    run_cases(e, {{{"multi"}, kOk}, {{"ping"}, kQueued}, {{"exec"}, "*1\r\n+PONG\r\n"}});
  }
}

TEST_CASE("WATCH of keys on several shards", "[transaction][watch]") {
  Engine e(4);
  Session other;
  // Keys spread over the shards: a change to any one of them counts.
  std::vector<std::string> keys;
  for (int i = 0; i < 16; ++i) keys.push_back("key:" + std::to_string(i));
  for (size_t changed = 0; changed < keys.size(); changed += 5) {
    Args watch = {"watch"};
    watch.insert(watch.end(), keys.begin(), keys.end());
    CHECK(e.run(watch) == kOk);
    CHECK(run_as_other(e, other, {"set", keys[changed], "x"}) == kOk);
    run_cases(e, {{{"multi"}, kOk}, {{"mset", keys[0], "a", keys[15], "b"}, kQueued}, {{"exec"}, kNullArray}});
  }
  std::set<size_t> shards;
  for (const std::string& k : keys) shards.insert(e.shards().shard_of(k));
  CHECK(shards.size() > 1);
}

TEST_CASE("EXEC replies a RESP3 null when a watch failed", "[transaction][watch]") {
  Engine e;
  e.session().resp = 3;
  run_cases(e, {{{"watch", "a"}, kOk}, {{"set", "a", "1"}, kOk}, {{"multi"}, kOk}, {{"exec"}, "_\r\n"}});
}
