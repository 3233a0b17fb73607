#include "shardis/embedded_server.hpp"

#include "actors/server_runtime.hpp"

namespace shardis {

EmbeddedServer::EmbeddedServer(Config config) : runtime_(std::make_unique<ServerRuntime>(config)) {}

EmbeddedServer::~EmbeddedServer() { close(); }

std::string EmbeddedServer::address() const { return host() + ":" + std::to_string(port()); }
std::string EmbeddedServer::host() const { return runtime_->host(); }
uint16_t EmbeddedServer::port() const { return runtime_->port(); }
const std::string& EmbeddedServer::dir() const { return runtime_->dir(); }

void EmbeddedServer::fast_forward(std::chrono::milliseconds d) { runtime_->fast_forward(d); }

void EmbeddedServer::close() { runtime_->stop(); }
bool EmbeddedServer::closed() const { return runtime_->stopped(); }
void EmbeddedServer::wait() { runtime_->wait(); }

}  // namespace shardis
