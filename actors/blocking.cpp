#include "actors/blocking.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "engine/clock.hpp"

namespace shardis {

namespace {

constexpr std::string_view kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// A waiter whose wake posts kWake to the connection, and, given the call
// (a shard may serve the command), whose answer posts the reply the shard
// served it. The connection is held weakly: records of ended waits outlive
// it until the shards drop them.
WaiterPtr new_waiter(const caf::actor_addr& conn, std::shared_ptr<const BlockedCall> call) {
  auto w = std::make_shared<Waiter>();
  w->wake = [addr = conn](const WaiterPtr& woken) {
    if (auto a = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(a, block_atom::value, woken, BlockEvent::kWake);
  };
  if (call) {
    w->call = std::move(call);
    w->answer = [addr = conn](const WaiterPtr& served, std::string reply) {
      if (auto a = caf::actor_cast<caf::actor>(addr))
        caf::anon_send(a, block_atom::value, served, std::move(reply));
    };
  }
  return w;
}

// The keys of the command in b, and their shards, sorted and unique.
std::vector<size_t> key_shards(const ServerContext& ctx, const Batch& b,
                               std::vector<std::string>* keys) {
  std::vector<size_t> idx;
  CommandTable::key_indexes(*b.specs.front(), b.commands.front(), &idx);
  std::vector<size_t> shards;
  for (size_t k : idx) {
    const std::string& key = b.commands.front()[k];
    if (keys) keys->push_back(key);
    shards.push_back(ctx.shards->shard_of(key));
  }
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

}  // namespace

void BlockedCommand::start(const ServerContext& ctx, caf::actor self, BatchPtr b) {
  self_ = caf::actor_cast<caf::actor_addr>(self);
  batch_ = std::move(b);
  counted_ = false;
  start_us_ = Clock::monotonic_us();
  deadline_us_ = 0;
  const std::vector<size_t> shards = key_shards(ctx, *batch_, nullptr);
  dest_ = shards.size() == 1 ? ctx.shard_actors[shards.front()] : ctx.coordinator;
  // Served where a key becomes ready when that touches no other shard's
  // data from another thread: a pop takes from the ready key alone; a move
  // needs its destination too, which with shard-placement io is on the
  // same thread (as for the commands a connection runs in place).
  call_.reset();
  if (shards.size() == 1 || ctx.same_thread || !blocking_moves(*batch_->specs.front())) {
    auto call = std::make_shared<BlockedCall>();
    call->args = batch_->commands.front();
    call->spec = batch_->specs.front();
    call->db = batch_->db;
    call->resp = batch_->resp;
    call_ = std::move(call);
  }
  send(false);
}

void BlockedCommand::send(bool retry) {
  waiter_ = new_waiter(self_, call_);
  batch_->block = BlockRequest{};
  batch_->block.waiter = waiter_;
  batch_->block.retry = retry;
  batch_->out.clear();
  batch_->reply_to = caf::actor_cast<caf::actor>(self_);  // send_done took it
  caf::anon_send(dest_, exec_atom::value, batch_);
}

bool BlockedCommand::blocked(const ServerContext& ctx, Session& session, Batch& b) {
  if (&b != batch_.get()) return false;
  if (!b.block.blocked) {
    finish(ctx, session);
    batch_.reset();
    return false;
  }
  if (!counted_) {
    counted_ = true;
    ctx.state->counters.blocked_clients.fetch_add(1, std::memory_order_relaxed);
    const int64_t t = b.block.timeout_ms;
    // A deadline past what the clock holds is no deadline, as in Redis.
    if (t > 0 && t <= (std::numeric_limits<int64_t>::max() - start_us_) / 1000)
      deadline_us_ = start_us_ + t * 1000;
  }
  session.blocked = waiter_;
  ctx.clients->update(session);
  if (deadline_us_ == 0 || arm_timer()) return true;
  // The deadline passed already (a timeout of a millisecond, a retry back
  // late). A Db that woke us since wins: the retry it starts decides.
  if (!waiter_->claim()) return true;
  answer_null(ctx, session, false);
  batch_.reset();
  return false;
}

bool BlockedCommand::arm_timer() {
  const int64_t left_us = deadline_us_ - Clock::monotonic_us();
  if (left_us <= 0) return false;
  // Without a sender, as every timer of a broker (see connection.cpp).
  caf::delayed_anon_send(self(), std::chrono::microseconds(left_us), block_atom::value, waiter_,
                         BlockEvent::kTimeout);
  return true;
}

bool BlockedCommand::on_event(const ServerContext& ctx, Session& session, const WaiterPtr& w,
                              BlockEvent e) {
  if (!active() || w != waiter_) return false;  // a timer of an earlier wait
  switch (e) {
    case BlockEvent::kWake:
      send(true);
      return true;
    case BlockEvent::kTimeout:
      if (arm_timer()) return false;  // early
      if (!w->claim()) return false;  // a Db woke us first
      answer_null(ctx, session, false);
      break;
    case BlockEvent::kUnblockTimeout:
    case BlockEvent::kUnblockError:
      // CLIENT UNBLOCK claimed the waiter before it sent this.
      answer_null(ctx, session, e == BlockEvent::kUnblockError);
      break;
  }
  hand_back();
  return true;
}

bool BlockedCommand::on_served(const ServerContext& ctx, Session& session, const WaiterPtr& w,
                               std::string& reply) {
  // The shard claimed w, so nothing else ended this wait.
  if (!active() || w != waiter_) return false;
  batch_->out = std::move(reply);
  batch_->block.blocked = false;
  finish(ctx, session);
  hand_back();
  return true;
}

void BlockedCommand::hand_back() {
  BatchPtr b = std::move(batch_);
  caf::anon_send(self(), done_atom::value, std::move(b));
}

void BlockedCommand::answer_null(const ServerContext& ctx, Session& session, bool error) {
  protocol::ReplyWriter w(batch_->out, batch_->resp);
  if (error) {
    w.error(kUnblocked);
    ctx.state->counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
  } else if (batch_->block.null_bulk) {
    w.null();
  } else {
    w.null_array();
  }
  batch_->block.blocked = false;
  finish(ctx, session);
}

void BlockedCommand::finish(const ServerContext& ctx, Session& session) {
  if (counted_) ctx.state->counters.blocked_clients.fetch_sub(1, std::memory_order_relaxed);
  counted_ = false;
  waiter_.reset();
  if (session.blocked) {
    session.blocked.reset();
    ctx.clients->update(session);
  }
}

void BlockedCommand::close(const ServerContext& ctx, Session& session) {
  if (!active()) return;
  if (!waiter_->claim()) kick(ctx);
  finish(ctx, session);
  batch_.reset();
}

void BlockedCommand::kick(const ServerContext& ctx) const {
  auto task = std::make_shared<Batch>();
  std::vector<std::string> keys;
  task->shards = key_shards(ctx, *batch_, &keys);
  task->task = [keys = std::move(keys), db = batch_->db](const ServerContext& c) {
    for (const std::string& key : keys) c.shards->shard_for(key).db(db).wake_waiters(key);
  };
  caf::anon_send(ctx.coordinator, exec_atom::value, std::move(task));
}

}  // namespace shardis
