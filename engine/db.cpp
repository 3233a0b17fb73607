#include "engine/db.hpp"

#include <algorithm>

#include "engine/clock.hpp"

namespace shardis {

Entry* Db::lookup(std::string_view key, int64_t now_ms, bool touch) {
  last_now_ms_ = now_ms;
  Node* n = keys_.find_node(key);
  if (!n) return nullptr;
  if (expired(n->value, now_ms)) {
    delete_expired(key);
    return nullptr;
  }
  if (touch) n->value.lru_s = static_cast<uint32_t>(now_ms / 1000);
  return &n->value;
}

Entry* Db::lookup_read(std::string_view key, int64_t now_ms, int flags) {
  Entry* e = lookup(key, now_ms, !(flags & kLookupNoTouch));
  if (!stats_) return e;
  if (e) {
    ++stats_->keyspace_hits;
  } else {
    ++stats_->keyspace_misses;
    if (stats_->keyspace && !(flags & kLookupNoNotify)) stats_->keyspace->missed(index_, key);
  }
  return e;
}

Entry* Db::lookup_write(std::string_view key, int64_t now_ms) { return lookup(key, now_ms, true); }

std::pair<Entry*, bool> Db::insert(std::string_view key) {
  auto [e, created] = insert_loaded(key);
  if (created) {
    announce_created(key);
    if (!waiters_.empty()) waiters_.wake_first(key, *this);
  }
  return {e, created};
}

std::pair<Entry*, bool> Db::insert_loaded(std::string_view key) {
  auto [n, created] = keys_.insert(key);
  if (created) n->value.lru_s = static_cast<uint32_t>(last_now_ms_ / 1000);
  return {&n->value, created};
}

Entry& Db::set_string(std::string_view key, std::string_view value, bool keep_ttl) {
  return store_string(key, value, keep_ttl, true);
}

Entry& Db::set_string_loaded(std::string_view key, std::string_view value) {
  return store_string(key, value, false, false);
}

Entry& Db::set_string_at(std::string_view key, std::string_view value, int64_t now_ms,
                         bool keep_ttl) {
  last_now_ms_ = now_ms;
  return store_string(key, value, keep_ttl, true);
}

Entry& Db::store_string(std::string_view key, std::string_view value, bool keep_ttl,
                        bool announce) {
  auto [n, created] = keys_.insert(key);
  if (!created && announce && expired(n->value, last_now_ms_)) {
    delete_expired(key);
    n = keys_.insert(key).first;
    created = true;
  }
  if (created && announce) announce_created(key);
  Entry& e = n->value;
  e.lru_s = static_cast<uint32_t>(last_now_ms_ / 1000);
  if (!created && !keep_ttl && e.expire_at_ms != kNoExpiry) {
    expires_.erase(key);
    e.expire_at_ms = kNoExpiry;
  }
  e.type = ValueType::kString;
  e.encoding = string_encoding_for(value);
  e.set_string(value);
  return e;
}

bool Db::erase(std::string_view key) {
  Node* n = keys_.find_node(key);
  if (!n) return false;
  if (n->value.expire_at_ms != kNoExpiry) expires_.erase(key);
  return keys_.erase(key);
}

void Db::set_expire(std::string_view key, Entry& e, int64_t at_ms) {
  e.expire_at_ms = at_ms;
  expires_.insert(key).first->value = at_ms;
}

bool Db::persist(std::string_view key, Entry& e) {
  if (e.expire_at_ms == kNoExpiry) return false;
  e.expire_at_ms = kNoExpiry;
  expires_.erase(key);
  return true;
}

bool Db::random_key(std::mt19937_64& rng, int64_t now_ms, std::string* out) {
  // Each expired pick is deleted, so the loop ends: found, or the db emptied.
  while (Node* n = keys_.random_node(rng)) {
    if (!expired(n->value, now_ms)) {
      *out = std::string(n->key());
      return true;
    }
    delete_expired(n->key());
  }
  return false;
}

void Db::clear() {
  keys_.clear();
  expires_.clear();
  expire_cursor_ = 0;
}

void Db::swap(Db& other) {
  keys_.swap(other.keys_);
  expires_.swap(other.expires_);
  std::swap(expire_cursor_, other.expire_cursor_);
  // As Redis's SWAPDB: keys swapped in are ready for the clients blocked on
  // them in this db index.
  for (Db* db : {this, &other}) {
    if (!db->waiters_.empty())
      db->waiters_.wake_present(
          *db, [db](const std::string& key) { return db->keys_.find_node(key) != nullptr; });
  }
}

void Db::delete_expired(std::string_view key) {
  std::string k(key);  // key may point into the node being freed
  expires_.erase(k);
  keys_.erase(k);
  if (stats_) ++stats_->expired_keys;
  touch_watched(k);
  if (stats_ && stats_->keyspace) stats_->keyspace->expired(index_, k);
}

void Db::touch_all_watched(Db* other) {
  if (watchers_.empty()) return;
  watchers_.touch_all(index_, [&](const std::string& key) {
    return keys_.find_node(key) != nullptr || (other && other->keys_.find_node(key) != nullptr);
  });
}

size_t Db::active_expire(int64_t now_ms, int64_t deadline_us) {
  size_t deleted = 0;
  std::vector<std::string> dead;
  // Walk the TTL index bucket by bucket from where the last slice stopped;
  // check the clock every few buckets so one slice stays within budget.
  int buckets = 0;
  do {
    expire_cursor_ = expires_.scan(expire_cursor_, [&](Dict<int64_t>::Node& n) {
      if (deadline_passed(n.value, now_ms)) dead.emplace_back(n.key());
    });
    for (const std::string& k : dead) {
      if (Node* n = keys_.find_node(k); n && expired(n->value, now_ms)) {
        delete_expired(k);
        ++deleted;
      }
    }
    dead.clear();
    if (expire_cursor_ == 0) break;
  } while ((++buckets & 15) != 0 || Clock::monotonic_us() < deadline_us);
  return deleted;
}

void Db::cron(int64_t deadline_us) {
  if (!waiters_.empty()) waiters_.sweep();
  keys_.maybe_shrink();
  expires_.maybe_shrink();
  // At most 1 ms of rehashing per db and tick, as Redis's
  // incrementallyRehash: the whole slice (25 ms at hz 10) went to it once,
  // and a table doubling under a SET benchmark stalled every client 45 ms.
  deadline_us = std::min(deadline_us, Clock::monotonic_us() + kCronRehashUs);
  while ((keys_.rehashing() || expires_.rehashing()) && Clock::monotonic_us() < deadline_us) {
    keys_.rehash(100);
    expires_.rehash(100);
  }
}

}  // namespace shardis
