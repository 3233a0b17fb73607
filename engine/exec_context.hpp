#pragma once
// What a command handler gets: the reply writer, the session, the shards it
// may touch and the server. A handler running on a shard (or inside a
// transaction holding several) reaches a key's Db through db(key), which
// routes by hash slot; routing guarantees the owning shard is held.

#include <cstdint>
#include <string_view>

#include "engine/server_state.hpp"
#include "engine/session.hpp"
#include "engine/shard.hpp"
#include "protocol/reply_writer.hpp"

namespace shardis {

struct BlockRequest;

struct ExecContext {
  ServerState& server;
  ShardSet& shards;
  Session& session;
  protocol::ReplyWriter& reply;
  int64_t now_ms;  // fixed for the whole command, as Redis caches mstime
  bool in_exec = false;  // running a transaction's queued commands
  // Set only for a client's blocking command that may block: never inside
  // EXEC or a script, where blocking commands answer at once
  // (engine/blocking.hpp).
  BlockRequest* block = nullptr;

  Db& db(std::string_view key) { return shards.shard_for(key).db(session.db); }
  Db& db(std::string_view key, int index) { return shards.shard_for(key).db(index); }
  Shard& shard_for(std::string_view key) { return shards.shard_for(key); }
  // Every write to a key reports it here, after the change: it counts for
  // checkpoint rules and invalidates the key's WATCHers (Redis's
  // signalModifiedKey).
  void modified(std::string_view key) { modified(key, session.db); }
  void modified(std::string_view key, int index) {
    Shard& shard = shard_for(key);
    shard.stats().dirty.add(1);
    shard.db(index).touch_watched(key);
  }
};

}  // namespace shardis
