#include "actors/server_runtime.hpp"
#include "persistence/checkpoint_service.hpp"
#include "scripting/lua_runner.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <stdexcept>
#include <system_error>

#include "actors/blocking.hpp"
#include "actors/messages.hpp"
#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "engine/command.hpp"
#include "engine/connection_family.hpp"
#include "spdlog/spdlog.h"

namespace shardis {

namespace {

// The engine's view of the server around it.
class RuntimeHooks : public ServerHooks {
 public:
  RuntimeHooks(ServerRuntime* rt, ClientRegistry* clients, ServerState* state)
      : rt_(rt), clients_(clients), state_(state) {}

  std::vector<std::string> client_list(const Session& caller) override {
    std::vector<Session> sessions = clients_->sessions();
    for (Session& s : sessions)
      if (s.id == caller.id) s = caller;
    std::sort(sessions.begin(), sessions.end(),
              [](const Session& a, const Session& b) { return a.id < b.id; });
    std::vector<std::string> lines;
    lines.reserve(sessions.size());
    const int64_t now = state_->clock.now_ms();
    for (const Session& s : sessions) lines.push_back(client_info_line(s, now));
    return lines;
  }

  int client_kill(const KillFilter& f) override {
    auto victims = clients_->select([&](const Session& s) {
      if (f.skip_me && s.id == f.my_id) return false;
      if (f.id >= 0 && s.id != static_cast<uint64_t>(f.id)) return false;
      if (!f.addr.empty() && s.addr != f.addr) return false;
      if (!f.laddr.empty() && s.laddr != f.laddr) return false;
      if (!f.user.empty() && f.user != "default") return false;
      return true;
    });
    for (auto& a : victims) caf::anon_send(a, kill_atom::value);
    return static_cast<int>(victims.size());
  }

  bool client_unblock(uint64_t id, bool error) override {
    WaiterPtr w;
    auto conns = clients_->select([&](const Session& s) {
      if (s.id != id || !s.blocked) return false;
      w = s.blocked;
      return true;
    });
    // Claimed here, so the reply is exact: a client that a push or its
    // timeout already serves is no longer blocked.
    if (conns.empty() || !w->claim()) return false;
    caf::anon_send(conns.front(), block_atom::value, w,
                   error ? BlockEvent::kUnblockError : BlockEvent::kUnblockTimeout);
    return true;
  }

  void shutdown(bool save) override { rt_->request_stop(save); }

  void while_script_busy() override {
    if (poller_) poller_->poll();
  }
  void set_poller(ConnectionPoller* p) { poller_ = p; }

 private:
  ConnectionPoller* poller_ = nullptr;
  ServerRuntime* rt_;
  ClientRegistry* clients_;
  ServerState* state_;
};

std::string random_hex(size_t n) {
  std::random_device rd;
  std::string s;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) s.push_back(kHex[rd() % 16]);
  return s;
}

void apply(ConfigStore& store, std::string_view name, std::string_view value) {
  std::string error = store.set(name, value, true);
  if (!error.empty())
    throw std::runtime_error("invalid value for '" + std::string(name) + "': " + error);
}

}  // namespace

ServerRuntime::ServerRuntime(const Config& config, const std::string& config_file)
    : state_(std::make_unique<ServerState>(config.manual_clock)) {
  ConfigStore& store = state_->config;
  apply(store, "bind", config.bind);
  apply(store, "port", std::to_string(config.port));
  apply(store, "shards", std::to_string(config.shards));
  apply(store, "requirepass", config.requirepass);
  apply(store, "loglevel", config.loglevel);
  apply(store, "logfile", config.logfile);
  const Persistence& persist = config.persistence;
  apply(store, "save", persist.save);
  apply(store, "dbfilename", persist.dbfilename);
  apply(store, "checkpoint-restore", persist.restore ? "yes" : "no");
  apply(store, "checkpoint-corrupt", persist.quarantine_corrupt ? "quarantine" : "refuse");
  save_on_close_ = persist.save_on_close;
  bool save_set = false;
  for (const auto& [name, value] : config.options) {
    apply(store, name, value);
    save_set = save_set || name == "save";
  }
  state_->config_file = config_file;
  state_->run_id = random_hex(40);

  dir_ = config.dir;
  if (dir_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shardis-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary data dir");
    dir_ = tmpl;
    owns_dir_ = true;
    if (!save_set) apply(store, "save", "");
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("cannot create data dir '" + dir_ + "': " + ec.message());
  }
  apply(store, "dir", dir_);

  int shards = static_cast<int>(store.get_int("shards"));
  if (shards <= 0) shards = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  shards_ = std::make_unique<ShardSet>(shards, store.databases());
  install_keyspace_listener(*state_, *shards_);
  state_->command_stats = std::vector<CommandStats>(CommandTable::instance().id_count());
  // One Lua VM: scripts run one at a time, on the io thread (io placement)
  // or on the coordinator (pool placement).
  state_->scripts = make_lua_runner(*state_);
  state_->checkpoints = make_checkpoint_service(*state_);
  // Until the runner thread has restored the checkpoint, clients that
  // connect get -LOADING, as Redis's.
  state_->persistence.loading.store(true);
  hooks_ = std::make_unique<RuntimeHooks>(this, &clients_, state_.get());
  state_->hooks = hooks_.get();

  // SIGPIPE would kill the process on a write to a closed socket.
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);

  // CAF's actor_system must be destroyed on the thread that built it: that
  // thread holds a reference to CAF's logger, and ~actor_system waits for
  // the logger to go away. So one thread owns the system's whole life.
  std::promise<std::string> started;
  std::future<std::string> result = started.get_future();
  runner_ = std::thread([this, &started] { run(started); });
  std::string error = result.get();
  if (!error.empty()) {
    runner_.join();
    if (owns_dir_) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    throw std::runtime_error(error);
  }
}

void ServerRuntime::run(std::promise<std::string>& started) {
  std::string error = start_actors();
  // Listening already: a client that connects during a long restore learns
  // that the server is loading instead of waiting on a silent port.
  if (error.empty()) error = restore_checkpoint(*state_, *shards_);
  if (!error.empty()) {
    shutdown_actors();
    system_.reset();
    stopped_ = true;
    started.set_value(error);
    return;
  }
  spdlog::info("Ready to accept connections tcp");
  started.set_value("");
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stop_requested_; });
  }
  spdlog::info("shutting down");
  shutdown_actors();
  system_.reset();  // waits until every actor has terminated
  final_checkpoint();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

std::string ServerRuntime::start_actors() {
  ConfigStore& store = state_->config;
  const int shards = static_cast<int>(shards_->size());
  const bool on_io = store.get("shard-placement").value_or("io") == "io";
  caf_config_ = std::make_unique<caf::actor_system_config>();
  caf_config_->load<caf::io::middleman>();
  const size_t workers = on_io ? 1 : std::clamp<size_t>(static_cast<size_t>(shards), 1,
                                                        std::max(1u, std::thread::hardware_concurrency()));
  caf_config_->set("scheduler.max-threads", workers);
  // One read per readiness event, as Redis: epoll is level-triggered, so
  // data left in the socket is reported again; reading on until EAGAIN
  // costs a failed recvfrom per request.
  caf_config_->set("middleman.max-consecutive-reads", 1);
  system_ = std::make_unique<caf::actor_system>(*caf_config_);

  ctx_ = std::make_shared<ServerContext>();
  ctx_->state = state_.get();
  ctx_->shards = shards_.get();
  ctx_->clients = &clients_;
  ctx_->next_client_id = &next_client_id_;
  ctx_->same_thread = on_io;
  if (on_io) {
    poller_ = make_connection_poller();
    ctx_->poller = poller_.get();
    static_cast<RuntimeHooks*>(hooks_.get())->set_poller(poller_.get());
  }
  for (int i = 0; i < shards; ++i)
    ctx_->shard_actors.push_back(spawn_shard(*system_, ctx_, static_cast<size_t>(i), on_io));
  ctx_->coordinator = spawn_coordinator(*system_, ctx_, on_io);
  actors_ = ctx_->shard_actors;
  actors_.push_back(ctx_->coordinator);

  const std::string bind = store.get("bind").value_or("127.0.0.1");
  host_ = bind.substr(0, bind.find(' '));  // the first address, for address()
  port_ = static_cast<uint16_t>(store.get_int("port"));
  const uint16_t wanted = port_;
  std::string error;
  caf::actor acceptor = spawn_acceptor(*system_, ctx_, bind, &port_, &error);
  if (!acceptor) return "cannot listen on port " + std::to_string(wanted) + ": " + error;
  actors_.insert(actors_.begin(), acceptor);
  state_->tcp_port = port_;
  apply(store, "port", std::to_string(port_));
  spdlog::info("shardis {} (redis {} compatible) listening on {} port {}, {} shards ({})", "0.1.0",
               redis_version(), bind, port_, shards, on_io ? "io thread" : "worker pool");
  return "";
}

ServerRuntime::~ServerRuntime() {
  stop();
  if (owns_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void ServerRuntime::final_checkpoint() {
  // The shards stopped with the actors: a BGSAVE still streaming cannot end.
  state_->checkpoints->abort_background();
  bool save;
  {
    std::lock_guard<std::mutex> lock(mu_);
    save = save_on_stop_;
  }
  if (!save || owns_dir_ || state_->config.get("save").value_or("").empty()) return;
  // Every actor is gone: the shards are this thread's now.
  spdlog::info("Saving the final checkpoint before exiting.");
  std::string error;
  if (!state_->checkpoints->save(*shards_, state_->clock.now_ms(), &error))
    spdlog::error("Error trying to save the DB, can't exit cleanly: {}", error);
}

void ServerRuntime::fast_forward(std::chrono::milliseconds d) { state_->clock.advance(d); }

void ServerRuntime::request_stop(bool save) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stop_requested_) save_on_stop_ = save;
  stop_requested_ = true;
  cv_.notify_all();
}

void ServerRuntime::stop() {
  request_stop(save_on_close_);
  std::lock_guard<std::mutex> lock(join_mu_);
  if (runner_.joinable() && runner_.get_id() != std::this_thread::get_id()) runner_.join();
}

void ServerRuntime::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stopped_.load(); });
}

void ServerRuntime::shutdown_actors() {
  // The acceptor first, so no new connection appears; then every connection
  // (a fork racing with the acceptor's exit shows up in the registry on a
  // later round); then the shards and the coordinator.
  if (!actors_.empty()) caf::anon_send_exit(actors_.front(), caf::exit_reason::user_shutdown);
  for (int round = 0; round < 200; ++round) {
    auto conns = clients_.select([](const Session&) { return true; });
    if (conns.empty() && round > 0) break;
    for (auto& c : conns) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& a : actors_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors_.clear();
  ctx_.reset();
}

}  // namespace shardis
