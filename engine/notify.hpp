#pragma once
// Keyspace notifications, as Redis's notify.c: after a write, the shard that
// made it publishes the event on __keyspace@<db>__:<key> (message: the
// event) and/or __keyevent@<db>__:<event> (message: the key), when
// notify-keyspace-events selects the event's class and at least one of K
// and E. What a Db does by itself is reported by the Db, through
// KeyspaceListener, at the moment it happens: keys it creates ("new", class
// n), read lookups that miss ("keymiss", class m) and keys it expires,
// lazily or by the cron ("expired"). A disabled class costs one flag test:
// nothing is built or allocated before it.

#include <string_view>

#include "engine/db.hpp"

namespace shardis {

struct ExecContext;
struct ServerState;
class ShardSet;

// The classes of notify-keyspace-events, one bit per letter.
enum NotifyFlag : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g: DEL, EXPIRE, RENAME ...
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not in A)
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n (not in A)
};

// The bits of a notify-keyspace-events value (already validated).
int parse_notify_flags(std::string_view classes);

// Publishes event for key in db (default: the session's) if its class is
// enabled. Call after the write, once per write site, as Redis does.
void notify_keyspace_event(ExecContext& ctx, int type, std::string_view event, std::string_view key);
void notify_keyspace_event(ExecContext& ctx, int type, std::string_view event, std::string_view key,
                           int db);
void notify_keyspace_event(ServerState& server, int type, std::string_view event,
                           std::string_view key, int db, int64_t now_ms);
// After elements were removed from key: "del" if that emptied it away.
void notify_if_deleted(ExecContext& ctx, std::string_view key);

// Points every shard of shards at server's KeyspaceEvents.
void install_keyspace_listener(ServerState& server, ShardSet& shards);

// The server's KeyspaceListener: the "new", "keymiss" and "expired" events
// of every Db.
class KeyspaceEvents final : public KeyspaceListener {
 public:
  explicit KeyspaceEvents(ServerState& server) : server_(server) {}
  void created(int db, std::string_view key) override;
  void missed(int db, std::string_view key) override;
  void expired(int db, std::string_view key) override;

 private:
  void publish(int type, std::string_view event, int db, std::string_view key);
  ServerState& server_;
};

}  // namespace shardis
