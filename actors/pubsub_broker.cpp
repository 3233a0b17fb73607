#include "actors/pubsub_broker.hpp"

#include "caf/all.hpp"

namespace shardis {

namespace {

class ConnectionSubscriber final : public Subscriber {
 public:
  ConnectionSubscriber(uint64_t id, const caf::actor& connection, WakeHere wake_here)
      : Subscriber(id),
        connection_(caf::actor_cast<caf::weak_actor_ptr>(connection)),
        wake_here_(std::move(wake_here)) {}

 protected:
  // May run on any thread (a publisher's); an anonymous send, because the
  // publisher may not be an actor at all (a shard's cron expiring a key).
  void wake() override {
    if (wake_here_ && wake_here_()) return;
    if (caf::strong_actor_ptr conn = connection_.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(conn), pubsub_atom::value);
  }

 private:
  caf::weak_actor_ptr connection_;
  const WakeHere wake_here_;
};

}  // namespace

SubscriberPtr make_connection_subscriber(uint64_t client_id, const caf::actor& connection,
                                         WakeHere wake_here) {
  return std::make_shared<ConnectionSubscriber>(client_id, connection, std::move(wake_here));
}

}  // namespace shardis
