#pragma once
// Every connected client, for CLIENT LIST / KILL and INFO clients. Each
// connection publishes a snapshot of its Session after every command that
// may change it; readers copy under the lock.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "caf/actor.hpp"
#include "engine/session.hpp"

namespace shardis {

class ClientRegistry {
 public:
  void add(const Session& s, caf::actor conn);
  void update(const Session& s);
  void remove(uint64_t id);
  std::vector<Session> sessions() const;
  // Connections matching pred, for CLIENT KILL and shutdown.
  template <class Pred>
  std::vector<caf::actor> select(Pred&& pred) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<caf::actor> out;
    for (const auto& [id, c] : clients_)
      if (pred(c.session)) out.push_back(c.actor);
    return out;
  }
  size_t size() const;

 private:
  struct Client {
    Session session;
    caf::actor actor;
  };
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Client> clients_;
};

}  // namespace shardis
