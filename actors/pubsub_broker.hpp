#pragma once
// The actor side of pub/sub (the model is in engine/pubsub.hpp).
//
// Every connection gets a Subscriber at connect time. Publishers append to
// its outbox on their own thread and wake the connection once per batch of
// messages: directly when the publisher runs on the connection's own I/O
// thread (wake_here), else with a pubsub_atom; the connection actor then
// writes the outbox to its socket (connection.cpp). The subscriber holds
// only weak references to its connection: a strong one would keep the actor
// alive through its own session.

#include <cstdint>
#include <functional>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "engine/pubsub.hpp"

namespace shardis {

using pubsub_atom = caf::atom_constant<caf::atom("pubsub")>;

// `wake_here`, if set, is tried before the message: it wakes the
// connection directly and returns true when the publisher runs on the
// connection's own I/O thread, false elsewhere.
using WakeHere = std::function<bool()>;
SubscriberPtr make_connection_subscriber(uint64_t client_id, const caf::actor& connection,
                                         WakeHere wake_here = {});

}  // namespace shardis
