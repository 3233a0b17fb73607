#include "engine/watch.hpp"

#include <algorithm>

namespace shardis {

namespace {

// Drops the states that died (UNWATCH, EXEC, closed connections).
template <class List>
void drop_dead(List& list) {
  list.erase(std::remove_if(list.begin(), list.end(), [](const auto& p) { return p.expired(); }),
             list.end());
}

}  // namespace

void WatchIndex::add(std::string_view key, const WatchPtr& w) {
  auto it = watchers_.find(std::string(key));
  if (it == watchers_.end()) it = watchers_.emplace(std::string(key), List{}).first;
  List& list = it->second;
  drop_dead(list);
  for (const auto& p : list)
    if (p.lock() == w) return;
  list.push_back(w);
}

void WatchIndex::touch_list(List& list, std::string_view key, int db, bool key_exists) {
  for (const auto& weak : list) {
    WatchPtr w = weak.lock();
    if (!w) continue;
    std::lock_guard<std::mutex> lock(w->mu);
    bool changed = true;
    for (WatchedKey& wk : w->keys) {
      if (wk.db != db || wk.key != key || !wk.expired) continue;
      // Watched while already expired: deleting it changes nothing (and it
      // now counts as absent, so a later write is a change).
      if (!key_exists) {
        wk.expired = false;
        changed = false;
      }
    }
    if (changed) w->dirty.store(true, std::memory_order_relaxed);
  }
}

WatchIndex::Map::iterator WatchIndex::prune(Map::iterator it) {
  List& list = it->second;
  drop_dead(list);
  return list.empty() ? watchers_.erase(it) : std::next(it);
}

void WatchIndex::touch(std::string_view key, int db, bool key_exists) {
  auto it = watchers_.find(std::string(key));
  if (it == watchers_.end()) return;
  touch_list(it->second, key, db, key_exists);
  prune(it);
}

}  // namespace shardis
