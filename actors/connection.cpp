// The acceptor and the connection actors.
//
// Each TCP connection is a CAF broker. It parses as many commands as a read
// holds, runs the generic command check once per command, and routes it:
//   - connection commands (PING, SELECT, HELLO, CLIENT ...) and keyless ones
//     (TIME, CONFIG, COMMAND) run right here;
//   - commands whose keys all live on one shard go to that shard; consecutive
//     ones for the same shard travel as one Batch;
//   - commands spanning shards, or needing all of them, go to the coordinator.
// Every command takes a reply slot in request order; slots are written to
// the socket strictly in order as they complete, however shards interleave.
//
// Fast path: with shard-placement io, shards and coordinator run on this
// same thread, so a message to them would be a hop to ourselves. When the
// connection has nothing in flight, it executes the command directly on the
// owning shard's data (or, for multi-shard work, on all of them: nothing
// else can run meanwhile, so it is atomic). That is Redis's model: parse,
// execute, reply, in one turn of the event loop.
//
// Order of execution: a connection's single-shard batches may run on
// different shards in parallel (each shard keeps the connection's order).
// A multi-shard command is a barrier: it is sent only when every earlier
// batch of the connection has completed, and nothing after it is dispatched
// until it has completed. So a client always observes its own commands in
// the order it sent them, as with Redis.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <sstream>
#include <thread>

#include "actors/blocking.hpp"
#include "actors/messages.hpp"
#include "actors/pubsub_broker.hpp"
#include "actors/server_runtime.hpp"
#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "engine/engine.hpp"
#include "engine/errors.hpp"
#include "engine/transaction.hpp"
#include "protocol/request_parser.hpp"
#include "spdlog/spdlog.h"

namespace shardis {
struct Guest;
}
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<shardis::Guest>)

namespace shardis {

// A client that connects while a script is busy (io placement). The
// acceptor cannot run until the script ends, yet Redis users open a new
// redis-cli to send SCRIPT KILL; so the busy poll accepts the socket itself
// and serves it as Redis serves any client then (allow-busy commands run,
// the rest get -BUSY). The acceptor adopts it as a normal connection once
// the script is over, session and unparsed bytes included.
struct Guest {
  int fd = -1;
  Session session;
  protocol::RequestParser parser;
  std::string unsent;  // replies the socket did not take yet
  bool quit = false;
};
using GuestPtr = std::shared_ptr<Guest>;

namespace {

// Redis reads 16 KB at a time too; CAF zero-fills its read buffer past
// what the last read brought, so a larger chunk costs memset time on small
// requests. A read that fills the chunk doubles the next one, up to
// kReadChunkMax (adapt_read).
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kReadChunkMax = 64 * 1024;
constexpr size_t kNoShard = SIZE_MAX;
// A subscriber's buffers keep more capacity than this only while messages
// stream; the connection's once-a-second tick gives the rest back.
constexpr size_t kKeptPubsubCapacity = 64 * 1024;

struct Slot {
  bool done = false;
  bool close_after = false;
  std::string bytes;
};

struct ConnectionState : std::enable_shared_from_this<ConnectionState> {
  caf::io::broker* self = nullptr;
  ContextPtr ctx;
  caf::io::connection_handle hdl;
  protocol::RequestParser parser;
  Session session;
  std::deque<Slot> slots;
  uint64_t first_seq = 0;  // seq of slots.front()
  BatchPtr open;           // batch being filled, not yet sent
  size_t open_shard = kNoShard;
  std::vector<size_t> key_idx;
  size_t inflight = 0;          // batches sent, not yet done
  bool barrier = false;         // a multi-shard batch is in flight
  std::deque<Args> waiting;     // parsed, held back behind a barrier
  // Per turn of the event loop (a read, or a completed batch): the time
  // every command of the turn sees, and the timer of what runs here.
  int64_t now_ms = 0;
  RunTimer* timer = nullptr;
  std::vector<CommandStats*> ran;
  std::string out;              // replies of this turn, written at its end
  bool caf_writing = false;     // CAF's write buffer still holds our bytes
  bool closing = false;  // no more commands are read
  bool closed = false;   // the socket is closed and the actor done
  bool in_turn = false;  // a handler of this connection is on the stack
  bool peer_gone = false;  // the busy poll read EOF; CAF reports the close
  BlockedCommand blocking;  // BLPOP & co. (actors/blocking.hpp)
  // write_pubsub's buffer. take() swaps it with the subscriber's outbox, so
  // the two trade their capacity back and forth and a steady stream of
  // messages allocates nothing, even while a slow reader lets megabytes
  // queue: releasing a large buffer after each write had the next burst
  // grow a fresh one, an mmap and a page fault per 4 KB (10% of the
  // server's time at 50 -> 1 pattern subscriber, 4 KB messages).
  std::string pubsub_buf;
  size_t pubsub_sent = 0;  // bytes of pubsub_buf sent or handed to CAF
  // What a take() brought and the socket has not taken yet; it counts
  // towards the output limit.
  size_t pubsub_unsent() const { return pubsub_buf.size() - pubsub_sent; }
  size_t read_chunk = kReadChunk;  // what the next read may bring
  bool write_posted = false;  // in the round's pending writes (defer_write)
  bool pubsub_posted = false;  // ... for its pub/sub messages (wake_here)
  bool write_now = false;     // this read published: answer it at once
  // The session while EXEC or a script has it (actors/messages.hpp).
  SessionLoanPtr loan = std::make_shared<SessionLoan>();
};

// The check every client's command passes: the generic one, then, while a
// script runs past busy-reply-threshold, -BUSY for all but Redis's
// allow-busy commands (rejected like a failed check, so MULTI is doomed).
const CommandSpec* check_client_command(const ServerState& state, const Args& args,
                                        const Session& session, std::string* error) {
  const CommandSpec* spec = check_command(args, session, error);
  // While the start-up restore fills the shards, only commands that touch
  // no data run (Redis's "loading" flag).
  if (spec && !(spec->flags & kCmdLoading) && state.persistence.loading.load(std::memory_order_acquire)) {
    *error = std::string(err::kLoading);
    return nullptr;
  }
  if (spec && !(spec->flags & kCmdAllowBusy) && state.script_status.busy.load(std::memory_order_acquire)) {
    *error = std::string(err::kBusyScript);
    return nullptr;
  }
  return spec;
}

using adopt_atom = caf::atom_constant<caf::atom("adopt")>;

// The io thread's live connections and listening sockets, for the
// busy-script poll.
class LivePoller final : public ConnectionPoller {
 public:
  void add(ConnectionState* st) { live_.push_back(st); }
  void remove(ConnectionState* st) { live_.erase(std::remove(live_.begin(), live_.end(), st), live_.end()); }
  void listen(ContextPtr ctx, caf::actor acceptor, std::vector<int> fds) {
    ctx_ = std::move(ctx);
    acceptor_ = std::move(acceptor);
    listeners_ = std::move(fds);
  }
  void adopted(const GuestPtr& g) { guests_.erase(std::remove(guests_.begin(), guests_.end(), g), guests_.end()); }
  void poll() override;

 private:
  void accept_guests();
  void serve_guest(Guest& g);
  std::vector<ConnectionState*> live_;
  ContextPtr ctx_;
  caf::actor acceptor_;
  std::vector<int> listeners_;
  std::vector<GuestPtr> guests_;
  int64_t last_poll_us_ = 0;
};

using Self = caf::io::broker;

// The slot for the next reply; consecutive replies that are ready at once
// share one slot.
Slot& ready_slot(ConnectionState& st) {
  if (st.slots.empty() || !st.slots.back().done || st.slots.back().close_after) {
    st.slots.emplace_back();
    st.slots.back().done = true;
  }
  return st.slots.back();
}

uint64_t pending_slot(ConnectionState& st) {
  st.slots.emplace_back();
  return st.first_seq + st.slots.size() - 1;
}

void send_open(Self* self, ConnectionState& st) {
  if (!st.open) return;
  ++st.inflight;
  self->send(st.ctx->shard_actors[st.open_shard], exec_atom::value, std::move(st.open));
  st.open.reset();
  st.open_shard = kNoShard;
}

BatchPtr new_batch(Self* self, ConnectionState& st) {
  auto b = std::make_shared<Batch>();
  b->reply_to = caf::actor_cast<caf::actor>(self);
  b->seq = pending_slot(st);
  b->db = st.session.db;
  b->resp = st.session.resp;
  return b;
}

// True while the busy-script poll serves connections from inside another
// connection's handler: CAF calls on a broker are then unsafe, so closing
// waits for the broker's own turn.
thread_local bool t_in_busy_poll = false;

bool write_done_slots(Self* self, ConnectionState& st);

void close_connection(Self* self, ConnectionState& st) {
  if (st.closed) return;
  if (t_in_busy_poll) {
    st.closing = true;
    caf::anon_send(caf::actor_cast<caf::actor>(self), kill_atom::value);
    return;
  }
  // Replies produced but still waiting for the round's write (defer_write)
  // go out first, as they would have before the close.
  if (st.write_posted) {
    st.write_posted = false;
    write_done_slots(self, st);
  }
  st.closed = st.closing = true;
  if (st.ctx->poller) static_cast<LivePoller*>(st.ctx->poller)->remove(&st);
  st.blocking.close(*st.ctx, st.session);
  st.ctx->clients->remove(st.session.id);
  if (st.session.subscriber) {
    st.loan->close([pubsub = &st.ctx->state->pubsub, sub = st.session.subscriber] {
      pubsub->unsubscribe_all(*sub);
    });
  }
  st.ctx->state->counters.connected_clients.fetch_sub(1, std::memory_order_relaxed);
  self->flush(st.hdl);
  self->close(st.hdl);
  self->quit();
}

// What send_up_to did with the bytes: sent, or copied to CAF's buffer.
struct Sent {
  size_t sent = 0;
  size_t buffered = 0;
  size_t taken() const { return sent + buffered; }
};

// Writes to the socket. While CAF's write buffer is empty, bytes go straight
// to the socket: CAF's own path arms EPOLLOUT with an epoll_ctl on every
// flush and disarms it with another after writing, two syscalls per reply
// that Redis does not make. What the socket does not take at once goes
// through CAF's buffer, at most `buffer_max` bytes of it (the caller keeps
// what is beyond Sent::taken()), and so does everything after it until CAF
// reports the buffer empty (data_transferred_msg), so bytes never overtake.
Sent send_up_to(Self* self, ConnectionState& st, const char* data, size_t len, size_t buffer_max) {
  Sent r;
  if (!st.caf_writing) {
    const ssize_t n = ::send(static_cast<int>(st.hdl.id()), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(len)) return {len, 0};
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      // The peer is gone; CAF's read side reports the close.
      return {len, 0};
    }
    if (n > 0) r.sent = static_cast<size_t>(n);
  }
  r.buffered = std::min(len - r.sent, buffer_max);
  auto& buf = self->wr_buf(st.hdl);
  buf.insert(buf.end(), data + r.sent, data + r.sent + r.buffered);
  self->flush(st.hdl);
  st.caf_writing = true;
  return r;
}

void send_bytes(Self* self, ConnectionState& st, const char* data, size_t len) {
  send_up_to(self, st, data, len, len);
}

// Writes the finished replies at the front, in order; true when one of them
// asked for the connection to close after it (QUIT, CLIENT KILL of itself).
bool write_done_slots(Self* self, ConnectionState& st) {
  st.out.clear();
  bool close_after = false;
  while (!st.slots.empty() && st.slots.front().done) {
    Slot& s = st.slots.front();
    st.out.append(s.bytes);
    close_after = s.close_after;
    st.slots.pop_front();
    ++st.first_seq;
    if (close_after) break;
  }
  if (!st.out.empty()) {
    st.ctx->state->counters.net_output_bytes.fetch_add(st.out.size(), std::memory_order_relaxed);
    send_bytes(self, st, st.out.data(), st.out.size());
  }
  return close_after;
}

void write_ready(Self* self, ConnectionState& st) {
  if (st.closed) return;
  if (write_done_slots(self, st)) close_connection(self, st);
}

// The replies of what a read brought are written once the multiplexer has
// handled every socket its poll reported, as Redis writes in beforeSleep.
// Written at once, each reply woke its client's thread while the server
// went on to the next socket, and under load the client was asleep again
// by the next reply: a wake-up per reply (16% of the server's time at
// redis-benchmark ZADD -P 16, 2% for redis). The connections with replies
// waiting are listed per I/O thread, and one task posted to the
// multiplexer's own queue (which it runs before its next poll, without a
// syscall) writes them all. Some reads are still answered at once (see the
// end of on_data): in a busy script's poll (the multiplexer does not turn
// until the script ends; the poll also writes what waited when the script
// began), on a close, and after a pub/sub command.
void write_pubsub(Self* self, ConnectionState& st);

struct PendingWrites {
  std::vector<std::shared_ptr<ConnectionState>> conns;
  bool posted = false;
};
thread_local PendingWrites t_pending;

void write_pending() {
  std::vector<std::shared_ptr<ConnectionState>> conns;
  conns.swap(t_pending.conns);
  t_pending.posted = false;
  for (const auto& st : conns) {
    if (st->write_posted) {
      st->write_posted = false;
      write_ready(st->self, *st);
    }
    if (st->pubsub_posted) {
      st->pubsub_posted = false;
      write_pubsub(st->self, *st);
    }
  }
  conns.clear();
  if (t_pending.conns.empty()) conns.swap(t_pending.conns);  // keep the capacity
}

void post_pending(Self* self, ConnectionState& st) {
  t_pending.conns.push_back(st.shared_from_this());
  if (!t_pending.posted) {
    t_pending.posted = true;
    self->backend().post([] { write_pending(); });
  }
}

// busy-poll-us: after a read, the I/O thread may keep polling its sockets
// (epoll_wait without a timeout, through a task that re-posts itself on the
// multiplexer's own queue, which CAF runs before a non-blocking poll)
// instead of going to sleep. Under a steady load it then never sleeps, and
// a client's send does not have to wake it: that wake-up is paid by the
// client, which at redis-benchmark -c 50 -P 1 is the bottleneck
// (docs/architecture.md, "What the client pays").
//
// The poll is adaptive: it lasts at most as long as the thread has been
// reading since it last woke, and at most busy-poll-us past the last read.
// So polling never costs more CPU than the reads around it: a lone request
// after an idle spell is not followed by a poll at all, evenly spaced
// requests slower than the work they bring are not either, and only a
// thread that keeps finding reads polls for the whole budget.
struct BusyPoll {
  int64_t awake_since_us = 0;  // first read since the thread last slept
  int64_t last_read_us = 0;
  bool posted = false;  // a keep_polling task is queued
};
thread_local BusyPoll t_busy_poll;

void keep_polling(caf::io::network::multiplexer* mpx, const ConfigStore* config) {
  BusyPoll& bp = t_busy_poll;
  const int64_t budget_us = std::min(config->busy_poll_us(), bp.last_read_us - bp.awake_since_us);
  if (Clock::monotonic_us() - bp.last_read_us >= budget_us) {
    bp.posted = false;  // the next poll may sleep
    return;
  }
  mpx->post([mpx, config] { keep_polling(mpx, config); });
}

void note_read(Self* self, const ConfigStore& config) {
  if (config.busy_poll_us() <= 0) return;
  BusyPoll& bp = t_busy_poll;
  bp.last_read_us = Clock::monotonic_us();
  if (bp.posted || t_in_busy_poll) return;
  bp.awake_since_us = bp.last_read_us;
  bp.posted = true;
  caf::io::network::multiplexer* mpx = &self->backend();
  mpx->post([mpx, config = &config] { keep_polling(mpx, config); });
}

// A read joins the list before its commands run, so what they wake (a
// PUBLISH's subscribers) is written after its own replies.
void defer_write(Self* self, ConnectionState& st) {
  if (t_in_busy_poll || st.write_posted) return;
  st.write_posted = true;
  post_pending(self, st);
}

// A subscriber woken by a publisher on its own I/O thread joins the same
// list instead of receiving a pubsub_atom: no message to allocate, queue
// and dispatch per subscriber and burst. Its messages are then written with
// the round's replies, after those of the publisher, whose read joined the
// list first.
bool wake_here(const std::weak_ptr<ConnectionState>& weak, std::thread::id home) {
  if (t_in_busy_poll || std::this_thread::get_id() != home) return false;
  std::shared_ptr<ConnectionState> st = weak.lock();
  if (!st || st->closed) return true;
  if (!st->pubsub_posted) {
    st->pubsub_posted = true;
    post_pending(st->self, *st);
  }
  return true;
}

// Pub/sub messages queued for this client (engine/pubsub.hpp): they follow
// every reply already produced, and wait in the outbox, where the output
// limit sees them, while the socket has not taken earlier bytes.
void write_pubsub(Self* self, ConnectionState& st) {
  Subscriber& sub = *st.session.subscriber;
  std::string& bytes = st.pubsub_buf;
  // A fresh take() fully sent ends the loop: whatever arrives later wakes
  // the connection again. A remainder of an earlier take() sent to the end
  // goes on to the outbox, which filled without waking anyone meanwhile.
  while (!st.closed && (!st.caf_writing || sub.overflowed())) {
    const bool fresh = st.pubsub_unsent() == 0;  // nothing left of the last take()
    if (fresh) {
      bytes.clear();
      st.pubsub_sent = 0;
    }
    // take() refuses once the subscriber overflowed; with a remainder in
    // hand the flag is read directly.
    if (fresh ? !sub.take(&bytes) : sub.overflowed()) {
      spdlog::warn("Client id={} addr={} closed for overcoming of output buffer limits.", st.session.id,
                   st.session.addr);
      close_connection(self, st);
      return;
    }
    if (bytes.empty()) return;
    const std::string_view rest = std::string_view(bytes).substr(st.pubsub_sent);
    if (!st.slots.empty()) {
      ready_slot(st).bytes.append(rest);
      st.pubsub_sent = bytes.size();
      if (fresh) return;
      continue;
    }
    // Behind a slow reader a take() may bring megabytes. CAF's write buffer
    // gets at most kKeptPubsubCapacity of what the socket refuses (its
    // buffers keep their capacity for the connection's life); the rest
    // waits here, counted by the output limit, until the socket drains.
    const Sent r = send_up_to(self, st, rest.data(), rest.size(), kKeptPubsubCapacity);
    st.ctx->state->counters.net_output_bytes.fetch_add(r.taken(), std::memory_order_relaxed);
    st.pubsub_sent += r.taken();
    sub.set_unsent(r.buffered + st.pubsub_unsent());
    if (fresh) return;
  }
}

void run_here(Self* self, ConnectionState& st, const CommandSpec& spec, Args& args) {
  send_open(self, st);
  Slot& slot = ready_slot(st);
  protocol::ReplyWriter w(slot.bytes, st.session.resp);
  ExecContext ctx{*st.ctx->state, *st.ctx->shards, st.session, w, st.now_ms};
  st.timer->run(ctx, spec, args);
  if (spec.flags & kCmdPubsub) st.write_now = true;
  if (spec.flags & kCmdConnection) {
    st.parser.set_auth_required(!st.session.authenticated);
    st.ctx->clients->update(st.session);
  }
  if (st.session.close_after_reply) {
    slot.close_after = true;
    st.closing = true;
  }
}

void send_barrier(Self* self, ConnectionState& st, BatchPtr b) {
  ++st.inflight;
  st.barrier = true;
  self->send(st.ctx->coordinator, exec_atom::value, std::move(b));
}

// A blocking command is a barrier even on one shard: nothing after it runs
// until it answers, however long it blocks (actors/blocking.hpp).
bool start_blocking(Self* self, ConnectionState& st, BatchPtr b) {
  ++st.inflight;
  st.barrier = true;
  st.blocking.start(*st.ctx, caf::actor_cast<caf::actor>(self), std::move(b));
  return true;
}

bool route(Self* self, ConnectionState& st, Args& args);

// EXEC and scripts away from the io thread (pool placement): the
// coordinator runs them with the live session and holds exactly the shards
// they may touch: a transaction's queued and watched keys; for a script,
// every shard, or only its declared keys' under lua-strict-keys (where the
// runner refuses the others). A barrier, like any multi-shard command.
bool route_with_session(Self* self, ConnectionState& st, const CommandSpec& spec, Args& args) {
  send_open(self, st);
  if (st.inflight > 0) return false;
  BatchPtr b = new_batch(self, st);
  const ShardSet& shards = *st.ctx->shards;
  if (spec.name == "exec") {
    b->shards = transaction_shards(st.session, shards);
  } else if (!spec.find_keys) {
    // SCRIPT LOAD: only the VM, no data.
  } else if (st.ctx->state->config.lua_strict_keys()) {
    CommandTable::key_indexes(spec, args, &st.key_idx);
    for (size_t k : st.key_idx) b->shards.push_back(shards.shard_of(args[k]));
    std::sort(b->shards.begin(), b->shards.end());
    b->shards.erase(std::unique(b->shards.begin(), b->shards.end()), b->shards.end());
  } else {
    for (size_t s = 0; s < shards.size(); ++s) b->shards.push_back(s);
  }
  b->session = &st.session;
  b->keep_alive = st.shared_from_this();
  st.loan->lend();
  b->loan = st.loan;
  b->specs.push_back(&spec);
  b->commands.push_back(std::move(args));
  send_barrier(self, st, std::move(b));
  return true;
}

// Runs or dispatches one command. Returns false, consuming nothing, when the
// command must wait for the connection's in-flight batches (a barrier).
bool route(Self* self, ConnectionState& st, Args& args) {
  std::string error;
  const CommandSpec* spec = check_client_command(*st.ctx->state, args, st.session, &error);
  if (!spec || st.session.multi) {
    send_open(self, st);
    protocol::ReplyWriter w(ready_slot(st).bytes, st.session.resp);
    if (!spec) {
      if (!queue_in_multi(st.session, spec, error, args, w)) w.error(error);
      st.ctx->state->counters.total_error_replies.fetch_add(1, std::memory_order_relaxed);
      if (const CommandSpec* known = CommandTable::instance().find(args[0]); known && known->id >= 0)
        st.ctx->state->command_stats[static_cast<size_t>(known->id)].rejected_calls.fetch_add(
            1, std::memory_order_relaxed);
      return true;
    }
    if (queue_in_multi(st.session, spec, error, args, w)) return true;
  }
  st.session.last_command = spec->name;
  const bool blocking = (spec->flags & kCmdBlocking) != 0;
  const bool here = st.ctx->same_thread && st.inflight == 0 && !st.open && !blocking;
  // WATCH inside MULTI only answers an error, with the live session.
  if ((spec->flags & kCmdConnection) || here || (st.session.multi && spec->name == "watch")) {
    run_here(self, st, *spec, args);
    return true;
  }
  if (spec->name == "exec" || (spec->flags & kCmdScript)) return route_with_session(self, st, *spec, args);
  if (spec->name == "watch" && !st.session.watch) st.session.watch = std::make_shared<WatchState>();
  CommandTable::key_indexes(*spec, args, &st.key_idx);
  if (st.key_idx.empty() && !(spec->flags & kCmdAllShards)) {
    run_here(self, st, *spec, args);
    return true;
  }
  size_t shard = kNoShard;
  bool multi = (spec->flags & kCmdAllShards) != 0;
  for (size_t k : st.key_idx) {
    const size_t s = st.ctx->shards->shard_of(args[k]);
    if (shard != kNoShard && s != shard) multi = true;
    shard = s;
  }
  if (multi || blocking) {
    send_open(self, st);
    if (st.inflight > 0) return false;
    BatchPtr b = new_batch(self, st);
    b->specs.push_back(spec);
    b->commands.push_back(std::move(args));
    if (spec->name == "watch") b->watch = st.session.watch;
    if (blocking) return start_blocking(self, st, std::move(b));
    send_barrier(self, st, std::move(b));
    return true;
  }
  if (!st.open || st.open_shard != shard) {
    send_open(self, st);
    st.open = new_batch(self, st);
    st.open_shard = shard;
  }
  st.open->specs.push_back(spec);
  st.open->commands.push_back(std::move(args));
  if (spec->name == "watch") st.open->watch = st.session.watch;
  return true;
}

void handle_command(Self* self, ConnectionState& st, Args& args) {
  st.session.last_interaction_ms = st.now_ms;
  if (st.barrier || !st.waiting.empty() || !route(self, st, args)) st.waiting.push_back(std::move(args));
}

// Dispatches what waited behind a barrier, until the next barrier.
void drain_waiting(Self* self, ConnectionState& st) {
  while (!st.barrier && !st.waiting.empty() && !st.closing) {
    if (!route(self, st, st.waiting.front())) break;
    st.waiting.pop_front();
  }
  send_open(self, st);
}

// Sets up the per-turn time and timer while the turn runs.
class Turn {
 public:
  explicit Turn(ConnectionState& st) : st_(st), timer_(*st.ctx->state, st.ran) {
    st.now_ms = st.ctx->state->clock.now_ms();
    st.timer = &timer_;
    st.in_turn = true;
  }
  ~Turn() {
    st_.timer = nullptr;
    st_.in_turn = false;
  }

 private:
  ConnectionState& st_;
  RunTimer timer_;
};

void on_data(Self* self, ConnectionState& st, const char* data, size_t len) {
  Turn turn(st);
  note_read(self, st.ctx->state->config);
  defer_write(self, st);
  // Messages queued for this client earlier in the poll round precede the
  // replies of what it sent, as in Redis, which appends a message to its
  // receivers' output when it is published. A publisher on this thread
  // leaves pubsub_posted; one on another thread sends a pubsub_atom, which
  // may be handled after this read. Behind a full socket the messages wait
  // (write_pubsub), so there a reply may still pass them.
  if (std::exchange(st.pubsub_posted, false)) write_pubsub(self, st);
  st.ctx->state->counters.net_input_bytes.fetch_add(len, std::memory_order_relaxed);
  size_t off = 0;
  while (off < len && !st.closing) {
    size_t used = 0;
    protocol::ParseStatus status = st.parser.feed(data + off, len - off, &used);
    off += used;
    if (status == protocol::ParseStatus::kNeedMore) break;
    if (status == protocol::ParseStatus::kError) {
      send_open(self, st);
      Slot& slot = ready_slot(st);
      protocol::ReplyWriter(slot.bytes, st.session.resp).error("ERR " + st.parser.error());
      slot.close_after = true;
      st.closing = true;
      spdlog::info("Protocol error ({}) from client: id={} addr={}", st.parser.error(), st.session.id,
                   st.session.addr);
      break;
    }
    handle_command(self, st, st.parser.command());
  }
  send_open(self, st);
  const int64_t limit = st.ctx->state->config.client_query_buffer_limit();
  if (static_cast<int64_t>(st.parser.pending_bytes()) > limit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={}", st.session.id,
                 st.session.addr);
    close_connection(self, st);
    return;
  }
  // A busy script's poll cannot wait for the multiplexer, nor can a close.
  // A read that ran a pub/sub command (PUBLISH, SUBSCRIBE ...) is answered
  // at once too: its publisher then sends on while the server fans its
  // messages out. Deferred, 1 publisher -> 100 subscribers lost a quarter
  // of its rate (shardis-pubsub-bench, 64 B).
  if (t_in_busy_poll || st.closing || std::exchange(st.write_now, false)) write_ready(self, st);
}

// As Redis does for every client socket: no Nagle delay on replies, and
// keepalive probes (tcp-keepalive seconds; 0 = off) so dead peers go away.
void tune_socket(int fd, int64_t keepalive_s) {
  const int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  if (keepalive_s <= 0) {
    const int no = 0;  // CAF turns keepalive on for accepted sockets
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &no, sizeof no);
    return;
  }
  const int idle = static_cast<int>(std::min<int64_t>(keepalive_s, INT32_MAX));
  const int interval = std::max(1, idle / 3);
  const int count = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// A client streaming more than a chunk per poll round (a PUBLISH pipeline of
// 4 KB messages, a bulk load) gets up to 64 KB per read: a larger batch of
// commands per round, so each subscriber's send carries more messages. At
// 1 -> 100 subscribers of 4 KB messages, 16 KB reads brought 3.3 PUBLISH per
// round against 4 for redis (whose writes then came out larger), and shardis
// reached 0.85-1.23x redis; 64 KB reads gave 1.31-1.37x. Any shorter read
// returns to 16 KB. CAF applies the policy to the next read, and its buffer
// keeps the larger capacity (64 KB at most per connection).
void adapt_read(Self* self, ConnectionState& st, size_t got) {
  const size_t want = got == st.read_chunk ? std::min(st.read_chunk * 2, kReadChunkMax) : kReadChunk;
  if (want == st.read_chunk) return;
  st.read_chunk = want;
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(want));
}

caf::behavior connection_behavior(Self* self, caf::io::connection_handle hdl, ContextPtr ctx, GuestPtr guest) {
  auto st = std::make_shared<ConnectionState>();
  st->self = self;
  st->ctx = std::move(ctx);
  if (st->ctx->poller) static_cast<LivePoller*>(st->ctx->poller)->add(st.get());
  st->hdl = hdl;
  const ServerState& state = *st->ctx->state;
  st->parser.set_max_bulk_len(state.config.proto_max_bulk_len());
  Session& s = st->session;
  s.id = st->ctx->next_client_id->fetch_add(1);
  s.fd = static_cast<int>(hdl.id());
  s.addr = self->remote_addr(hdl) + ":" + std::to_string(self->remote_port(hdl));
  s.laddr = "127.0.0.1:" + std::to_string(state.tcp_port);
  s.created_ms = s.last_interaction_ms = state.clock.now_ms();
  s.authenticated = state.config.requirepass().empty();
  if (guest) {
    // Served during a busy script: keep what it did (AUTH, HELLO, MULTI ...).
    std::string addr = std::move(s.addr), laddr = std::move(s.laddr);
    s = std::move(guest->session);
    s.addr = std::move(addr);
    s.laddr = std::move(laddr);
    st->parser = std::move(guest->parser);
  }
  st->parser.set_auth_required(!s.authenticated);
  tune_socket(s.fd, state.config.get_int("tcp-keepalive"));
  if (!s.subscriber) {
    s.subscriber = make_connection_subscriber(
        s.id, caf::actor_cast<caf::actor>(self),
        [weak = std::weak_ptr<ConnectionState>(st), home = std::this_thread::get_id()] {
          return wake_here(weak, home);
        });
  }
  st->ctx->clients->add(s, caf::actor_cast<caf::actor>(self));
  self->configure_read(hdl, caf::io::receive_policy::at_most(kReadChunk));
  self->ack_writes(hdl, true);
  if (guest && !guest->unsent.empty()) send_bytes(self, *st, guest->unsent.data(), guest->unsent.size());
  self->set_exit_handler([self, st](caf::exit_msg&) { close_connection(self, *st); });
  // Ticks carry no sender. CAF 0.17 leaves a broker's mailbox open after it
  // quits, so a tick due after the close stays in it; were the broker its
  // sender, the broker would hold a reference to itself and never be freed.
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), std::chrono::seconds(1),
                         tick_atom::value);
  return {
      [self, st](const caf::io::new_data_msg& msg) {
        adapt_read(self, *st, msg.buf.size());
        on_data(self, *st, msg.buf.data(), msg.buf.size());
      },
      [self, st](done_atom, BatchPtr& b) {
        --st->inflight;
        if (st->closed) return;
        if (st->blocking.blocked(*st->ctx, st->session, *b)) return;  // its slot stays open
        Turn turn(*st);
        Slot& slot = st->slots[b->seq - st->first_seq];
        slot.bytes = std::move(b->out);
        slot.done = true;
        if (b->session) {
          // The transaction may have run AUTH, HELLO, SELECT ...
          st->parser.set_auth_required(!st->session.authenticated);
          st->ctx->clients->update(st->session);
        }
        if (st->inflight == 0) st->barrier = false;
        drain_waiting(self, *st);
        write_ready(self, *st);
      },
      [self, st](const caf::io::data_transferred_msg& msg) {
        if (msg.remaining == 0) st->caf_writing = false;
        st->session.subscriber->set_unsent(msg.remaining + st->pubsub_unsent());
        if (msg.remaining == 0) write_pubsub(self, *st);
      },
      [self, st](const caf::io::connection_closed_msg&) { close_connection(self, *st); },
      [self, st](kill_atom) { close_connection(self, *st); },
      [self, st](block_atom, WaiterPtr& w, BlockEvent e) {
        if (st->blocking.on_event(*st->ctx, st->session, w, e)) ++st->inflight;
      },
      [self, st](block_atom, WaiterPtr& w, std::string& reply) {
        if (st->blocking.on_served(*st->ctx, st->session, w, reply)) ++st->inflight;
      },
      [self, st](pubsub_atom) { write_pubsub(self, *st); },
      [self, st](tick_atom) {
        // A burst of large messages leaves no large buffer behind for long.
        if (st->pubsub_unsent() == 0 && st->pubsub_buf.capacity() > kKeptPubsubCapacity) {
          std::string().swap(st->pubsub_buf);
          st->pubsub_sent = 0;
        }
        st->session.subscriber->release_capacity(kKeptPubsubCapacity);
        // `timeout`: close a client idle for longer, as Redis's clientsCron;
        // one waiting for its own replies is not idle.
        // (The session may be out with an EXEC batch while inflight > 0.)
        const int64_t timeout_s = st->ctx->state->config.get_int("timeout");
        if (timeout_s > 0 && st->inflight == 0 && !st->blocking.active() &&
            st->ctx->state->clock.now_ms() - st->session.last_interaction_ms > timeout_s * 1000) {
          spdlog::info("Closing idle client id={} addr={}", st->session.id, st->session.addr);
          close_connection(self, *st);
          return;
        }
        caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), std::chrono::seconds(1),
                               tick_atom::value);
      },
  };
}

void LivePoller::accept_guests() {
  for (int lfd : listeners_) {
    for (int i = 0; i < 16; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      auto g = std::make_shared<Guest>();
      g->fd = fd;
      g->session.id = ctx_->next_client_id->fetch_add(1);
      g->session.fd = fd;
      g->session.authenticated = ctx_->state->config.requirepass().empty();
      g->session.created_ms = g->session.last_interaction_ms = ctx_->state->clock.now_ms();
      g->parser.set_auth_required(!g->session.authenticated);
      g->parser.set_max_bulk_len(ctx_->state->config.proto_max_bulk_len());
      ctx_->state->counters.total_connections_received.fetch_add(1, std::memory_order_relaxed);
      guests_.push_back(g);
      // Delivered when the io thread is free again, i.e. after the script.
      caf::anon_send(acceptor_, adopt_atom::value, g);
    }
  }
}

void LivePoller::serve_guest(Guest& g) {
  char buf[kReadChunk];
  const ssize_t n = ::recv(g.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) g.quit = true;
  if (n <= 0) return;
  std::string out;
  protocol::ReplyWriter w(out, g.session.resp);
  size_t off = 0;
  while (off < static_cast<size_t>(n) && !g.quit) {
    size_t used = 0;
    const protocol::ParseStatus status = g.parser.feed(buf + off, static_cast<size_t>(n) - off, &used);
    off += used;
    if (status == protocol::ParseStatus::kNeedMore) break;
    if (status == protocol::ParseStatus::kError) {
      w.error("ERR " + g.parser.error());
      g.quit = true;
      break;
    }
    Args& args = g.parser.command();
    std::string error;
    const CommandSpec* spec = check_client_command(*ctx_->state, args, g.session, &error);
    if (queue_in_multi(g.session, spec, error, args, w)) continue;
    if (!spec) {
      w.error(error);
      continue;
    }
    ExecContext ectx{*ctx_->state, *ctx_->shards, g.session, w, ctx_->state->clock.now_ms()};
    dispatch(ectx, *spec, args);
    w.set_resp(g.session.resp);  // HELLO may have switched
    g.parser.set_auth_required(!g.session.authenticated);
    if (g.session.close_after_reply) g.quit = true;
  }
  g.unsent += out;
  const ssize_t sent = ::send(g.fd, g.unsent.data(), g.unsent.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent > 0) g.unsent.erase(0, static_cast<size_t>(sent));
}

void LivePoller::poll() {
  // The script's hook calls this every 100k Lua instructions; a few polls
  // per millisecond keep a killer's wait short without flooding syscalls.
  const int64_t now = Clock::monotonic_us();
  if (now - last_poll_us_ < 1000) return;
  last_poll_us_ = now;
  accept_guests();
  for (const GuestPtr& g : guests_)
    if (!g->quit) serve_guest(*g);
  char buf[kReadChunk];
  // A copy: a connection may close (and leave the list) while we serve it.
  std::vector<ConnectionState*> live = live_;
  t_in_busy_poll = true;
  for (ConnectionState* st : live) {
    if (std::find(live_.begin(), live_.end(), st) == live_.end()) continue;
    if (st->in_turn || st->closing || st->peer_gone) continue;
    if (st->write_posted) {
      // The round's pending writes cannot run before the script ends. (A
      // close here only marks the connection: it stays in live_.)
      st->write_posted = false;
      write_ready(st->self, *st);
    }
    const ssize_t n = ::recv(static_cast<int>(st->hdl.id()), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) st->peer_gone = true;
    if (n > 0) on_data(st->self, *st, buf, static_cast<size_t>(n));
  }
  t_in_busy_poll = false;
}

}  // namespace

std::unique_ptr<ConnectionPoller> make_connection_poller() { return std::make_unique<LivePoller>(); }

caf::actor spawn_acceptor(caf::actor_system& sys, ContextPtr ctx, const std::string& bind,
                          uint16_t* port, std::string* error) {
  // `bind` lists addresses separated by spaces, as in redis.conf; all share
  // one port (the first one's, when port 0 asked for any free port).
  std::vector<caf::io::doorman_ptr> doormen;
  std::istringstream addresses(bind);
  for (std::string address; addresses >> address;) {
    auto doorman = sys.middleman().backend().new_tcp_doorman(*port, address.c_str(), true);
    if (!doorman) {
      *error = address + ": " + sys.render(doorman.error());
      return {};
    }
    *port = (*doorman)->port();
    doormen.push_back(std::move(*doorman));
  }
  if (doormen.empty()) {
    *error = "no address to bind";
    return {};
  }
  std::vector<int> fds;
  for (auto& d : doormen) fds.push_back(static_cast<int>(d->hdl().id()));
  caf::actor acceptor = sys.middleman().spawn_broker([doormen, ctx](Self* self) mutable -> caf::behavior {
    for (auto& d : doormen) self->add_doorman(std::move(d));
    return {
        [self, ctx](const caf::io::new_connection_msg& msg) {
          ServerState& state = *ctx->state;
          state.counters.total_connections_received.fetch_add(1, std::memory_order_relaxed);
          if (static_cast<int64_t>(ctx->clients->size()) >= state.config.maxclients()) {
            static constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
            self->write(msg.handle, kFull.size(), kFull.data());
            self->flush(msg.handle);
            self->close(msg.handle);
            state.counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          state.counters.connected_clients.fetch_add(1, std::memory_order_relaxed);
          self->fork(connection_behavior, msg.handle, ctx, GuestPtr{});
        },
        [self, ctx](adopt_atom, GuestPtr& g) {
          auto* poller = static_cast<LivePoller*>(ctx->poller);
          poller->adopted(g);
          if (g->quit) {
            ::close(g->fd);
            return;
          }
          ctx->state->counters.connected_clients.fetch_add(1, std::memory_order_relaxed);
          self->fork(connection_behavior, self->add_scribe(g->fd), ctx, g);
        },
    };
  });
  if (ctx->poller) static_cast<LivePoller*>(ctx->poller)->listen(ctx, acceptor, std::move(fds));
  return acceptor;
}

}  // namespace shardis
