// The task store (tests/support/task_store.hpp) against an embedded shardis
// and a real redis-server. Its scripts touch a task's hash and its owner's
// index, two keys that shardis usually keeps on different shards.

#include <catch2/catch.hpp>
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "contract/store_fixture.hpp"
#include "support/task_store.hpp"

namespace shardis::test {

// For Catch2's messages.
std::ostream& operator<<(std::ostream& os, const Task& t) {
  os << "{" << t.id << ", v" << t.version << ", " << t.data;
  if (t.expires_at) os << ", expires " << *t.expires_at;
  return os << "}";
}

namespace {

using namespace std::chrono_literals;

std::string new_prefix() {
  return "ts" + random_hex(10);
}

std::string reply(redisContext* ctx, const Args& args) {
  return describe(ctx, command(ctx, args).get());
}

}  // namespace

TEST_CASE("task store: a missing task", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());

  auto got = store.get("alice", "nope");
  CHECK(got.status == StoreStatus::kNotFound);
  auto listed = store.list_by_prefix("alice");
  CHECK(listed.status == StoreStatus::kOk);
  CHECK(listed.value.empty());
}

TEST_CASE("task store: put numbers versions from 1 and overwrites", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());

  auto first = store.put("alice", "t1", "draft");
  CHECK(first.status == StoreStatus::kOk);
  CHECK(first.value == 1);
  CHECK(store.get("alice", "t1").value == Task{"t1", 1, "draft", std::nullopt});

  auto second = store.put("alice", "t1", "final");
  CHECK(second.status == StoreStatus::kOk);
  CHECK(second.value == 2);
  CHECK(store.get("alice", "t1").value == Task{"t1", 2, "final", std::nullopt});

  // The documented layout, readable by any client.
  CHECK(reply(conn->context(), {"HGET", store.task_key("alice", "t1"), "version"}) == "$2");
  CHECK(reply(conn->context(), {"ZSCORE", store.index_key("alice"), "t1"}) == "$0");
}

TEST_CASE("task store: put_if_version", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());
  REQUIRE(store.put("alice", "t1", "a").value == 1);
  REQUIRE(store.put("alice", "t1", "b").value == 2);

  SECTION("matching version writes") {
    auto cas = store.put_if_version("alice", "t1", 2, "c");
    CHECK(cas.status == StoreStatus::kOk);
    CHECK(cas.value == 3);
    CHECK(store.get("alice", "t1").value == Task{"t1", 3, "c", std::nullopt});
  }
  SECTION("another version reports the stored one and writes nothing") {
    auto cas = store.put_if_version("alice", "t1", 1, "c");
    CHECK(cas.status == StoreStatus::kMismatch);
    CHECK(cas.value == 2);
    CHECK(store.get("alice", "t1").value == Task{"t1", 2, "b", std::nullopt});
  }
  SECTION("a missing task is not created") {
    auto cas = store.put_if_version("alice", "t2", 1, "c");
    CHECK(cas.status == StoreStatus::kNotFound);
    CHECK(store.get("alice", "t2").status == StoreStatus::kNotFound);
    CHECK(reply(conn->context(), {"ZRANGE", store.index_key("alice"), "0", "-1"}) == "[$t1]");
  }
}

TEST_CASE("task store: delete", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());
  REQUIRE(store.put("alice", "t1", "a").ok());
  REQUIRE(store.put("alice", "t2", "b").ok());

  CHECK(store.remove("alice", "t1").status == StoreStatus::kOk);
  CHECK(store.get("alice", "t1").status == StoreStatus::kNotFound);
  CHECK(store.remove("alice", "t1").status == StoreStatus::kNotFound);
  CHECK(store.remove("alice", "never").status == StoreStatus::kNotFound);
  CHECK(reply(conn->context(), {"ZRANGE", store.index_key("alice"), "0", "-1"}) == "[$t2]");
  CHECK(store.get("alice", "t2").value == Task{"t2", 1, "b", std::nullopt});

  // A task written again after a delete starts over at version 1.
  CHECK(store.put("alice", "t1", "again").value == 1);
}

TEST_CASE("task store: listing is scoped to one owner", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());
  for (const char* id : {"t2", "x1", "t1"})
    REQUIRE(store.put("alice", id, "a-" + std::string(id)).ok());
  REQUIRE(store.put("alice", "t2", "a-t2-new").ok());
  for (const char* id : {"t3", "t1"}) REQUIRE(store.put("bob", id, "b-" + std::string(id)).ok());

  auto alice = store.list_by_prefix("alice");
  REQUIRE(alice.status == StoreStatus::kOk);
  CHECK(alice.value == std::vector<Task>{{"t1", 1, "a-t1", std::nullopt},
                                         {"t2", 2, "a-t2-new", std::nullopt},
                                         {"x1", 1, "a-x1", std::nullopt}});
  auto alice_t = store.list_by_prefix("alice", "t");
  REQUIRE(alice_t.status == StoreStatus::kOk);
  CHECK(alice_t.value ==
        std::vector<Task>{{"t1", 1, "a-t1", std::nullopt}, {"t2", 2, "a-t2-new", std::nullopt}});
  auto bob = store.list_by_prefix("bob");
  REQUIRE(bob.status == StoreStatus::kOk);
  CHECK(bob.value ==
        std::vector<Task>{{"t1", 1, "b-t1", std::nullopt}, {"t3", 1, "b-t3", std::nullopt}});

  REQUIRE(store.remove("alice", "t2").ok());
  auto after = store.list_by_prefix("alice");
  REQUIRE(after.status == StoreStatus::kOk);
  CHECK(after.value ==
        std::vector<Task>{{"t1", 1, "a-t1", std::nullopt}, {"x1", 1, "a-x1", std::nullopt}});
  CHECK(store.list_by_prefix("carol").value.empty());
}

TEST_CASE("task store: expires_at sets EXPIREAT, a put without it persists", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());
  const long long expires = TaskStore::system_now() + 1000;
  const std::string key = store.task_key("alice", "t1");

  REQUIRE(store.put("alice", "t1", "a", expires).value == 1);
  CHECK(store.get("alice", "t1").value == Task{"t1", 1, "a", expires});
  CHECK(reply(conn->context(), {"HGET", key, "expires_at"}) == "$" + std::to_string(expires));
  CHECK(reply(conn->context(), {"EXPIRETIME", key}) == ":" + std::to_string(expires));

  REQUIRE(store.put("alice", "t1", "b").value == 2);
  CHECK(store.get("alice", "t1").value == Task{"t1", 2, "b", std::nullopt});
  CHECK(reply(conn->context(), {"HEXISTS", key, "expires_at"}) == ":0");
  CHECK(reply(conn->context(), {"TTL", key}) == ":-1");

  auto cas = store.put_if_version("alice", "t1", 2, "c", expires + 5);
  REQUIRE(cas.status == StoreStatus::kOk);
  CHECK(reply(conn->context(), {"EXPIRETIME", key}) == ":" + std::to_string(expires + 5));
}

TEST_CASE("task store: a task is gone past its EXPIREAT", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  TaskStore store(conn->context(), new_prefix());
  // Two seconds ahead: at least one whole second after the put, so the
  // first get cannot already be past it.
  const long long expires = TaskStore::system_now() + 2;
  REQUIRE(store.put("alice", "short", "a", expires).ok());
  REQUIRE(store.put("alice", "long", "b").ok());
  REQUIRE(store.get("alice", "short").status == StoreStatus::kOk);

  server.let_time_pass(2100ms);
  CHECK(reply(conn->context(), {"EXISTS", store.task_key("alice", "short")}) == ":0");
  CHECK(store.get("alice", "short").status == StoreStatus::kNotFound);
  auto listed = store.list_by_prefix("alice");
  REQUIRE(listed.status == StoreStatus::kOk);
  CHECK(listed.value == std::vector<Task>{{"long", 1, "b", std::nullopt}});
  CHECK(store.put_if_version("alice", "short", 1, "c").status == StoreStatus::kNotFound);
  // Delete still cleans the stale index entry.
  CHECK(store.remove("alice", "short").status == StoreStatus::kNotFound);
  CHECK(reply(conn->context(), {"ZRANGE", store.index_key("alice"), "0", "-1"}) == "[$long]");
}

TEST_CASE("task store: readers filter tasks their clock says expired", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  const std::string prefix = new_prefix();
  TaskStore writer(conn->context(), prefix);
  TaskStore ahead(conn->context(), prefix, [] { return TaskStore::system_now() + 500; });
  const long long expires = TaskStore::system_now() + 100;

  REQUIRE(writer.put("alice", "t1", "a", expires).ok());
  CHECK(writer.get("alice", "t1").status == StoreStatus::kOk);
  CHECK(ahead.get("alice", "t1").status == StoreStatus::kNotFound);
  auto listed = ahead.list_by_prefix("alice");
  REQUIRE(listed.status == StoreStatus::kOk);
  CHECK(listed.value.empty());
  CHECK(reply(conn->context(), {"EXISTS", writer.task_key("alice", "t1")}) == ":1");
}

}  // namespace shardis::test
