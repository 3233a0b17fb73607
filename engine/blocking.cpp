#include "engine/blocking.hpp"

#include <algorithm>

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

bool WaiterIndex::wake_queue(Queue& q) {
  while (!q.empty()) {
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

bool WaiterIndex::wake_first(std::string_view key) {
  auto it = queues_.find(std::string(key));
  if (it == queues_.end()) return false;
  const bool woke = wake_queue(it->second);
  if (it->second.empty()) queues_.erase(it);
  return woke;
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
