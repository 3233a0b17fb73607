// The resource store (tests/support/resource_store.hpp) against an embedded
// shardis and a real redis-server: the same cases, the same expectations.
// MULTI/EXEC and Lua scripts must keep a value and its ETag in step even
// though shardis keeps them on different shards.
//
// Worker threads never call Catch2 (its assertions are not thread-safe):
// they count outcomes, and the test thread checks the counts.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <latch>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "contract/store_fixture.hpp"
#include "support/resource_store.hpp"

namespace shardis::test {

// For Catch2's messages.
std::ostream& operator<<(std::ostream& os, const Resource& r) {
  return os << "{" << r.id << ", " << r.value << ", " << r.etag << "}";
}

namespace {

using namespace std::chrono_literals;

// Collects the first unexpected outcome any worker thread met.
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (count_++ == 0) first_ = what;
  }
  int count() const { return count_; }
  std::string first() const { return first_; }

 private:
  std::mutex mutex_;
  int count_ = 0;
  std::string first_;
};

std::string status_text(const StoreResult<std::string>& r) {
  return std::string(to_string(r.status)) + (r.error.empty() ? "" : ": " + r.error);
}

std::string new_project() {
  return "p" + random_hex(10);
}

}  // namespace

TEST_CASE("resource store: readers never see a value with another write's ETag",
          "[contract][store]") {
  STORE_SERVER(server);
  const std::string project = new_project();
  constexpr int kWrites = 1500;
  constexpr int kReaders = 4;

  auto writer_conn = server.connect();
  ResourceStore writer(writer_conn->context(), project, "widget");
  REQUIRE(writer.put("42", "v0", "e0").ok());

  std::atomic<bool> done = false;
  std::atomic<int> reads = 0;
  std::atomic<int> pairs_seen = 0;  // reads that saw a pair other than v0/e0
  Failures torn;
  Failures errors;
  std::latch start(kReaders + 1);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      auto conn = server.connect();
      ResourceStore store(conn->context(), project, "widget");
      start.arrive_and_wait();
      while (!done) {
        auto got = store.get("42");
        ++reads;
        if (!got.ok()) {
          errors.add(std::string(to_string(got.status)) + ": " + got.error);
        } else if (got.value.value.substr(1) != got.value.etag.substr(1)) {
          torn.add(got.value.value + " with " + got.value.etag);
        } else if (got.value.value != "v0") {
          ++pairs_seen;
        }
      }
    });
  }
  start.arrive_and_wait();
  // At least kWrites, and on until the readers have seen some of them (a
  // loaded machine may start them late), within a bound.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  int written = 0;
  while (written < kWrites ||
         (pairs_seen < kReaders && std::chrono::steady_clock::now() < deadline)) {
    ++written;
    auto put = writer.put("42", "v" + std::to_string(written), "e" + std::to_string(written));
    if (!put.ok()) errors.add("put: " + status_text(put));
  }
  done = true;
  for (auto& t : readers) t.join();

  INFO("first torn read: " << torn.first() << "; first error: " << errors.first());
  CHECK(errors.count() == 0);
  CHECK(torn.count() == 0);
  CHECK(pairs_seen > 0);
  CHECK(reads >= kReaders);
  auto last = writer.get("42");
  CHECK(last.status == StoreStatus::kOk);
  CHECK(last.value == Resource{"42", "v" + std::to_string(written), "e" + std::to_string(written)});
}

TEST_CASE("resource store: PutIfMatch writes only on a matching ETag", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");

  auto first = store.put("a", "one");
  REQUIRE(first.ok());

  SECTION("success") {
    auto cas = store.put_if_match("a", first.value, "two");
    REQUIRE(cas.status == StoreStatus::kOk);
    CHECK(cas.value != first.value);
    auto got = store.get("a");
    CHECK(got.status == StoreStatus::kOk);
    CHECK(got.value == Resource{"a", "two", cas.value});
    // The old ETag is spent.
    CHECK(store.put_if_match("a", first.value, "three").status == StoreStatus::kMismatch);
  }
  SECTION("mismatch leaves the resource as it was") {
    auto cas = store.put_if_match("a", "not-" + first.value, "two");
    CHECK(cas.status == StoreStatus::kMismatch);
    CHECK(store.get("a").value == Resource{"a", "one", first.value});
  }
  SECTION("not found creates nothing") {
    auto cas = store.put_if_match("missing", first.value, "two");
    CHECK(cas.status == StoreStatus::kNotFound);
    CHECK(store.get("missing").status == StoreStatus::kNotFound);
  }
  SECTION("a caller-chosen new ETag is stored as given") {
    auto cas = store.put_if_match("a", first.value, "two", "etag-two");
    CHECK(cas.status == StoreStatus::kOk);
    CHECK(cas.value == "etag-two");
    CHECK(store.get("a").value == Resource{"a", "two", "etag-two"});
  }
}

TEST_CASE("resource store: scripts go by the SHA-1 the server names them by", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");
  const LuaScript& script = put_if_match_script();
  auto run = [&](const Args& args) {
    return describe(conn->context(), command(conn->context(), args).get());
  };

  CHECK(run({"SCRIPT", "EXISTS", script.sha()}) == "[:0]");
  auto first = store.put("a", "one");
  REQUIRE(first.ok());
  // EVALSHA misses, EVAL runs the script and caches it under its SHA-1.
  auto second = store.put_if_match("a", first.value, "two");
  CHECK(second.status == StoreStatus::kOk);
  CHECK(run({"SCRIPT", "EXISTS", script.sha()}) == "[:1]");
  CHECK(run({"SCRIPT", "LOAD", script.source()}) == "$" + script.sha());

  // After SCRIPT FLUSH the fallback brings it back.
  CHECK(run({"SCRIPT", "FLUSH"}) == "+OK");
  CHECK(store.put_if_match("a", second.value, "three").status == StoreStatus::kOk);
  CHECK(store.get("a").value.value == "three");
}

TEST_CASE("resource store: the ETag changes on every update", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");

  std::vector<std::string> etags;
  auto record = [&](const StoreResult<std::string>& r) {
    INFO(status_text(r));
    REQUIRE(r.ok());
    etags.push_back(r.value);
    auto got = store.get("x");
    CHECK(got.status == StoreStatus::kOk);
    CHECK(got.value.etag == r.value);
  };
  record(store.create("x", "a"));
  record(store.put("x", "b"));
  record(store.put("x", "b"));  // the same value still gets a new ETag
  for (int i = 0; i < 5; ++i) record(store.put_if_match("x", etags.back(), "c"));
  REQUIRE(store.remove("x").ok());
  record(store.create("x", "d"));

  CHECK(std::set<std::string>(etags.begin(), etags.end()).size() == etags.size());
}

TEST_CASE("resource store: of concurrent PutIfMatch with one ETag exactly one wins",
          "[contract][store]") {
  STORE_SERVER(server);
  const std::string project = new_project();
  constexpr int kClients = 24;
  constexpr int kRounds = 5;

  std::vector<std::unique_ptr<Client>> conns;
  std::vector<std::unique_ptr<ResourceStore>> stores;
  for (int i = 0; i < kClients; ++i) {
    conns.push_back(server.connect());
    stores.push_back(std::make_unique<ResourceStore>(conns.back()->context(), project, "widget"));
  }
  auto initial = stores[0]->put("contended", "initial");
  REQUIRE(initial.ok());
  std::string etag = initial.value;

  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    std::vector<StoreResult<std::string>> results(kClients);
    std::latch start(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        results[i] = stores[i]->put_if_match("contended", etag, "client-" + std::to_string(i));
      });
    }
    for (auto& t : threads) t.join();

    int winner = -1;
    int wins = 0;
    int mismatches = 0;
    for (int i = 0; i < kClients; ++i) {
      INFO("client " << i << ": " << status_text(results[i]));
      CHECK((results[i].status == StoreStatus::kOk || results[i].status == StoreStatus::kMismatch));
      if (results[i].status == StoreStatus::kOk) {
        ++wins;
        winner = i;
      }
      if (results[i].status == StoreStatus::kMismatch) ++mismatches;
    }
    REQUIRE(wins == 1);
    CHECK(mismatches == kClients - 1);
    auto got = stores[0]->get("contended");
    CHECK(got.value ==
          Resource{"contended", "client-" + std::to_string(winner), results[winner].value});
    etag = results[winner].value;
  }
}

TEST_CASE("resource store: concurrent read-modify-write loses no update", "[contract][store]") {
  STORE_SERVER(server);
  const std::string project = new_project();
  constexpr int kClients = 8;
  constexpr int kIncrements = 30;
  constexpr int kMaxAttempts = 100000;  // bounds a run against a broken server

  auto conn = server.connect();
  ResourceStore store(conn->context(), project, "counter");
  REQUIRE(store.put("n", "0").ok());

  std::atomic<int> successes = 0;
  std::atomic<int> mismatches = 0;
  Failures errors;
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      auto my_conn = server.connect();
      ResourceStore mine(my_conn->context(), project, "counter");
      start.arrive_and_wait();
      int done = 0;
      for (int attempt = 0; done < kIncrements && attempt < kMaxAttempts; ++attempt) {
        auto current = mine.get("n");
        if (!current.ok()) {
          errors.add("get: " + std::string(to_string(current.status)) + " " + current.error);
          return;
        }
        int n = std::stoi(current.value.value);
        auto cas = mine.put_if_match("n", current.value.etag, std::to_string(n + 1));
        if (cas.ok()) {
          ++done;
          ++successes;
        } else if (cas.status == StoreStatus::kMismatch) {
          ++mismatches;
        } else {
          errors.add("PutIfMatch: " + status_text(cas));
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  INFO("first error: " << errors.first() << "; mismatches: " << mismatches.load());
  CHECK(errors.count() == 0);
  CHECK(successes == kClients * kIncrements);
  auto final_value = store.get("n");
  CHECK(final_value.status == StoreStatus::kOk);
  CHECK(final_value.value.value == std::to_string(kClients * kIncrements));
}

TEST_CASE("resource store: a missing resource reports not found", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");

  CHECK(store.get("nope").status == StoreStatus::kNotFound);
  CHECK(store.put_if_match("nope", "any", "v").status == StoreStatus::kNotFound);
  CHECK(store.remove("nope").status == StoreStatus::kNotFound);
  CHECK(store.remove("nope", std::string("any")).status == StoreStatus::kNotFound);
  auto listed = store.list();
  CHECK(listed.status == StoreStatus::kOk);
  CHECK(listed.value.empty());
  // None of these created a key.
  CHECK(render(command(conn->context(), {"DBSIZE"}).get()) == ":0");
}

TEST_CASE("resource store: create only when absent", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");

  auto created = store.create("c", "first");
  REQUIRE(created.status == StoreStatus::kOk);
  CHECK(store.get("c").value == Resource{"c", "first", created.value});

  CHECK(store.create("c", "second").status == StoreStatus::kAlreadyExists);
  CHECK(store.get("c").value == Resource{"c", "first", created.value});

  // Keys are the documented layout, readable by any client.
  CHECK(render(command(conn->context(), {"GET", store.value_key("c")}).get()) == "$first");
  CHECK(render(command(conn->context(), {"GET", store.etag_key("c")}).get()) ==
        "$" + created.value);
}

TEST_CASE("resource store: delete, with and without an expected ETag", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  ResourceStore store(conn->context(), new_project(), "widget");

  auto a = store.put("a", "1");
  auto b = store.put("b", "2");
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  CHECK(store.remove("a", "wrong-" + a.value).status == StoreStatus::kMismatch);
  CHECK(store.get("a").value == Resource{"a", "1", a.value});
  CHECK(store.remove("a", a.value).status == StoreStatus::kOk);
  CHECK(store.get("a").status == StoreStatus::kNotFound);
  CHECK(store.remove("a").status == StoreStatus::kNotFound);

  CHECK(store.remove("b").status == StoreStatus::kOk);
  CHECK(store.get("b").status == StoreStatus::kNotFound);
  // Both keys of each resource are gone.
  CHECK(render(command(conn->context(), {"DBSIZE"}).get()) == ":0");
}

TEST_CASE("resource store: list one project's resources of one type", "[contract][store]") {
  STORE_SERVER(server);
  auto conn = server.connect();
  const std::string project = new_project();
  ResourceStore widgets(conn->context(), project, "widget");
  ResourceStore gadgets(conn->context(), project, "gadget");
  ResourceStore other_project(conn->context(), project + "x", "widget");
  // Glob characters in a type are matched literally.
  ResourceStore starred(conn->context(), project, "w*");

  // More than one SCAN COUNT's worth, so List must follow the cursor.
  constexpr int kWidgets = 300;
  std::vector<Resource> expected;
  for (int i = 0; i < kWidgets; ++i) {
    std::string id = "id" + std::to_string(1000 + i);
    auto put = widgets.put(id, "value-" + std::to_string(i));
    REQUIRE(put.ok());
    expected.push_back(Resource{id, "value-" + std::to_string(i), put.value});
  }
  REQUIRE(gadgets.put("g1", "gadget").ok());
  REQUIRE(other_project.put("o1", "other").ok());
  auto star = starred.put("s1", "star");
  REQUIRE(star.ok());

  auto listed = widgets.list();
  REQUIRE(listed.status == StoreStatus::kOk);
  CHECK(listed.value.size() == expected.size());
  CHECK(listed.value == expected);

  auto star_list = starred.list();
  REQUIRE(star_list.status == StoreStatus::kOk);
  CHECK(star_list.value == std::vector<Resource>{Resource{"s1", "star", star.value}});

  REQUIRE(widgets.remove("id1000").ok());
  auto after = widgets.list();
  REQUIRE(after.status == StoreStatus::kOk);
  CHECK(after.value.size() == expected.size() - 1);
  CHECK(after.value.front().id == "id1001");
}

}  // namespace shardis::test
