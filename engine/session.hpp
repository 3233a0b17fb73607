#pragma once
// Per-connection state that commands read or change (SELECT, HELLO, AUTH,
// CLIENT SETNAME ...). Owned by the connection; shards see a copy of the
// fields they need (db, resp) in each request.

#include <cstdint>
#include <memory>
#include <string>

#include "engine/watch.hpp"

namespace shardis {

struct Session {
  uint64_t id = 0;
  int db = 0;
  int resp = 2;
  bool authenticated = true;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string addr;   // peer "ip:port"
  std::string laddr;  // local "ip:port"
  int fd = -1;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command;
  bool no_evict = false;
  bool no_touch = false;
  bool close_after_reply = false;  // QUIT, protocol errors, CLIENT KILL
  // MULTI/EXEC: the queued transaction (null outside MULTI) and the WATCHed
  // keys (null when none). Shared pointers keep copies of a Session cheap.
  std::shared_ptr<struct MultiState> multi;
  WatchPtr watch;
  // Pub/sub subscriptions and the outbox of messages (engine/pubsub.hpp);
  // null until the first subscription in Engine, set at connect time by
  // the server, which wakes the connection to write the outbox.
  std::shared_ptr<class Subscriber> subscriber;
  // The wait of a client blocked in BLPOP & co. (null otherwise): CLIENT
  // LIST's flag b, and what CLIENT UNBLOCK claims.
  std::shared_ptr<struct Waiter> blocked;
};

}  // namespace shardis
