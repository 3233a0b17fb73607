#include "engine/blocking.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace shardis {

void WaiterIndex::add(std::string_view key, const WaiterPtr& w, bool front) {
  auto it = queues_.find(std::string(key));
  if (it == queues_.end()) it = queues_.emplace(std::string(key), Queue{}).first;
  if (front) {
    it->second.push_front(w);
  } else {
    it->second.push_back(w);
  }
  ++records_;
}

namespace {

// The keys made ready on this thread whose first waiter is served here,
// until serve_ready() takes them. A command and the serve_ready() after it
// run on one thread, on the shards that thread holds then.
thread_local std::vector<std::pair<Db*, std::string>> t_ready;

}  // namespace

bool WaiterIndex::wake_queue(Queue& q, std::string_view key, Db& db) {
  while (!q.empty()) {
    if (!q.front()->live()) {
      q.pop_front();
      --records_;
      continue;
    }
    if (q.front()->call) {
      // Served after the command, by serve_ready(); noted once.
      for (const auto& [d, k] : t_ready)
        if (d == &db && k == key) return true;
      t_ready.emplace_back(&db, std::string(key));
      return true;
    }
    WaiterPtr w = std::move(q.front());
    q.pop_front();
    --records_;
    if (w->claim()) {
      w->wake(w);
      return true;
    }
  }
  return false;
}

bool WaiterIndex::wake_first(std::string_view key, Db& db) {
  auto it = queues_.find(std::string(key));
  if (it == queues_.end()) return false;
  const bool woke = wake_queue(it->second, key, db);
  if (it->second.empty()) queues_.erase(it);
  return woke;
}

std::vector<WaiterPtr> WaiterIndex::live(std::string_view key) const {
  std::vector<WaiterPtr> out;
  auto it = queues_.find(std::string(key));
  if (it == queues_.end()) return out;
  for (const WaiterPtr& w : it->second)
    if (w->live()) out.push_back(w);
  return out;
}

std::vector<std::pair<Db*, std::string>> take_ready_keys() {
  std::vector<std::pair<Db*, std::string>> out;
  out.swap(t_ready);
  return out;
}

void WaiterIndex::sweep() {
  for (auto it = queues_.begin(); it != queues_.end();) {
    Queue& q = it->second;
    const size_t before = q.size();
    q.erase(std::remove_if(q.begin(), q.end(), [](const WaiterPtr& w) { return !w->live(); }),
            q.end());
    records_ -= before - q.size();
    it = q.empty() ? queues_.erase(it) : std::next(it);
  }
}

}  // namespace shardis
