#include "actors/client_registry.hpp"

namespace shardis {

void ClientRegistry::add(const Session& s, caf::actor conn) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_[s.id] = Client{s, std::move(conn)};
}

void ClientRegistry::update(const Session& s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(s.id);
  if (it != clients_.end()) it->second.session = s;
}

void ClientRegistry::remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(id);
}

std::vector<Session> ClientRegistry::sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Session> out;
  out.reserve(clients_.size());
  for (const auto& [id, c] : clients_) out.push_back(c.session);
  return out;
}

size_t ClientRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

}  // namespace shardis
