#pragma once
// WATCH: optimistic locking for MULTI/EXEC, per key as in Redis.
//
// A connection that WATCHes keys owns one WatchState. Each Db keeps, for
// the keys someone watches, weak references to those states (WatchIndex);
// any write to a watched key (a command, an expiry, FLUSHDB/FLUSHALL,
// SWAPDB) marks them dirty, and EXEC then refuses to run. UNWATCH, EXEC and
// a closing connection just drop the state: the Dbs' weak references die
// with it and are pruned when next seen.
//
// Threads: a WatchState may be registered by several shards at once (WATCH
// of keys on several shards in pool placement), hence its mutex. It is read
// by EXEC while every shard it names is held, after the shards' last writes.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardis {

class Db;

struct WatchedKey {
  std::string key;
  int db = 0;
  size_t shard = 0;
  // The key was already logically expired when watched: its expiry (the
  // deletion of an already-dead key) is not a change, as in Redis 7.
  bool expired = false;
};

struct WatchState {
  std::atomic<bool> dirty{false};
  std::mutex mu;
  std::vector<WatchedKey> keys;
};
using WatchPtr = std::shared_ptr<WatchState>;

// The watchers of one Db's keys.
class WatchIndex {
 public:
  bool empty() const { return watchers_.empty(); }
  void add(std::string_view key, const WatchPtr& w);
  // A write to key: every live watcher becomes dirty. key_exists tells
  // whether the key exists after the write (for the already-expired rule).
  void touch(std::string_view key, int db, bool key_exists);
  // FLUSHDB/FLUSHALL/SWAPDB: every watcher of a key that exists in the
  // emptied db (or in the db swapped in) becomes dirty.
  template <class ExistsFn>
  void touch_all(int db, ExistsFn&& exists) {
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      if (exists(it->first)) touch_list(it->second, it->first, db, true);
      it = prune(it);
    }
  }
  size_t size() const { return watchers_.size(); }

 private:
  using List = std::vector<std::weak_ptr<WatchState>>;
  using Map = std::unordered_map<std::string, List>;
  void touch_list(List& list, std::string_view key, int db, bool key_exists);
  Map::iterator prune(Map::iterator it);
  Map watchers_;
};

}  // namespace shardis
