#pragma once
// MULTI/EXEC/DISCARD/WATCH/UNWATCH (engine/transaction_family.cpp).
//
// Between MULTI and EXEC a client's commands are checked and queued, not
// run: whoever receives commands (the connection actor, Engine) calls
// queue_in_multi first. EXEC then runs the queue as one command, so it is
// as atomic as any multi-key command: the transport gives it every shard
// the queue and the watched keys touch (transaction_shards).

#include <string>
#include <vector>

#include "engine/command.hpp"

namespace shardis {

struct MultiState {
  bool aborted = false;  // a command was rejected while queueing: EXECABORT
  std::vector<Args> commands;
  std::vector<const CommandSpec*> specs;
};

// For a client in MULTI: queues a checked command (spec) and replies
// +QUEUED, or, for a command the check rejected (spec == nullptr, error =
// its reply), replies the error and dooms the transaction. Returns false,
// doing nothing, when the client is not in MULTI or the command runs at
// once (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET). A rejected EXEC is
// answered here in MULTI or not: EXECABORT, the transaction discarded.
bool queue_in_multi(Session& session, const CommandSpec* spec, const std::string& error, Args& args,
                    protocol::ReplyWriter& reply);

// The shards an EXEC of session's transaction needs held: those of its
// queued commands' keys and of its watched keys, or all of them when a
// queued command needs all (or is a script, whose keys are not final).
// Sorted, unique.
std::vector<size_t> transaction_shards(const Session& session, const ShardSet& shards);

}  // namespace shardis
