#include "engine/notify.hpp"

#include <string>

#include "engine/exec_context.hpp"
#include "engine/pubsub.hpp"
#include "engine/server_state.hpp"

namespace shardis {

int parse_notify_flags(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A': flags |= kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                         kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule;
        break;
      case 'K': flags |= kNotifyKeyspace; break;
      case 'E': flags |= kNotifyKeyevent; break;
      case 'g': flags |= kNotifyGeneric; break;
      case '$': flags |= kNotifyString; break;
      case 'l': flags |= kNotifyList; break;
      case 's': flags |= kNotifySet; break;
      case 'h': flags |= kNotifyHash; break;
      case 'z': flags |= kNotifyZset; break;
      case 'x': flags |= kNotifyExpired; break;
      case 'e': flags |= kNotifyEvicted; break;
      case 't': flags |= kNotifyStream; break;
      case 'm': flags |= kNotifyKeyMiss; break;
      case 'd': flags |= kNotifyModule; break;
      case 'n': flags |= kNotifyNew; break;
      default: break;
    }
  }
  return flags;
}

void notify_keyspace_event(ServerState& server, int type, std::string_view event,
                           std::string_view key, int db, int64_t now_ms) {
  const int flags = server.config.notify_flags();
  if (!(flags & type) || !(flags & (kNotifyKeyspace | kNotifyKeyevent))) return;
  const OutputLimit limit = server.config.pubsub_limit();
  const std::string prefix = "@" + std::to_string(db) + "__:";
  std::string channel;
  if (flags & kNotifyKeyspace) {
    channel.append("__keyspace").append(prefix).append(key);
    server.pubsub.publish(PubSubKind::kChannel, channel, event, limit, now_ms);
  }
  if (flags & kNotifyKeyevent) {
    channel.assign("__keyevent").append(prefix).append(event);
    server.pubsub.publish(PubSubKind::kChannel, channel, key, limit, now_ms);
  }
}

void notify_keyspace_event(ExecContext& ctx, int type, std::string_view event, std::string_view key,
                           int db) {
  notify_keyspace_event(ctx.server, type, event, key, db, ctx.now_ms);
}

void notify_keyspace_event(ExecContext& ctx, int type, std::string_view event, std::string_view key) {
  notify_keyspace_event(ctx.server, type, event, key, ctx.session.db, ctx.now_ms);
}

void notify_if_deleted(ExecContext& ctx, std::string_view key) {
  if (!ctx.db(key).keys().find_node(key)) notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
}

// Tests the class before reading the clock: "keymiss" is on GET's path.
void KeyspaceEvents::publish(int type, std::string_view event, int db, std::string_view key) {
  if (server_.config.notify_flags() & type)
    notify_keyspace_event(server_, type, event, key, db, server_.clock.now_ms());
}

void KeyspaceEvents::created(int db, std::string_view key) {
  publish(kNotifyNew, "new", db, key);
}

void KeyspaceEvents::missed(int db, std::string_view key) {
  publish(kNotifyKeyMiss, "keymiss", db, key);
}

void KeyspaceEvents::expired(int db, std::string_view key) {
  publish(kNotifyExpired, "expired", db, key);
}

void install_keyspace_listener(ServerState& server, ShardSet& shards) {
  for (size_t i = 0; i < shards.size(); ++i)
    shards.shard(i).stats().keyspace = &server.keyspace_events;
}

}  // namespace shardis
