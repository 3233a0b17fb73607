#include "engine/pubsub.hpp"

#include "engine/glob.hpp"
#include "protocol/reply_writer.hpp"

namespace shardis {

// ---------------------------------------------------------------------------
// Frames

void format_message(std::string* out, int resp, std::string_view kind, std::string_view channel,
                    std::string_view message) {
  protocol::ReplyWriter w(*out, resp);
  w.push(3);
  w.bulk(kind);
  w.bulk(channel);
  w.bulk(message);
}

void format_pmessage(std::string* out, int resp, std::string_view pattern, std::string_view channel,
                     std::string_view message) {
  protocol::ReplyWriter w(*out, resp);
  w.push(4);
  w.bulk("pmessage");
  w.bulk(pattern);
  w.bulk(channel);
  w.bulk(message);
}

// ---------------------------------------------------------------------------
// Subscriber

template <class Append>
bool Subscriber::deliver_with(Append&& append, const OutputLimit& limit, int64_t now_ms) {
  bool wake_now = false;
  bool kept = true;
  {
    std::lock_guard lock(mu_);
    if (overflowed_) return false;
    append(outbox_);
    const int64_t used = static_cast<int64_t>(outbox_.size() + unsent_.load(std::memory_order_relaxed));
    bool over = limit.hard > 0 && used > limit.hard;
    // As Redis: the soft limit counts once it has held for more than
    // soft_seconds; dropping back under it restarts the clock.
    if (limit.soft > 0 && used > limit.soft) {
      if (soft_since_ms_ == 0) {
        soft_since_ms_ = now_ms;
      } else if (now_ms - soft_since_ms_ > limit.soft_seconds * 1000) {
        over = true;
      }
    } else {
      soft_since_ms_ = 0;
    }
    if (over) {
      overflowed_ = true;
      kept = false;
      std::string().swap(outbox_);
    }
    // An overflow always wakes: the owner may be holding back a pending
    // wake until its socket drains, which a stalled reader never does.
    wake_now = !wake_pending_ || over;
    wake_pending_ = true;
  }
  if (wake_now) wake();
  return kept;
}

bool Subscriber::deliver(std::string_view frame, const OutputLimit& limit, int64_t now_ms) {
  return deliver_with([frame](std::string& outbox) { outbox.append(frame); }, limit, now_ms);
}

bool Subscriber::take(std::string* out) {
  std::lock_guard lock(mu_);
  wake_pending_ = false;
  if (overflowed_) return false;
  if (out->empty()) {
    out->swap(outbox_);
  } else {
    out->append(outbox_);
    outbox_.clear();
  }
  return true;
}

void Subscriber::release_capacity(size_t keep) {
  std::lock_guard lock(mu_);
  if (outbox_.empty() && outbox_.capacity() > keep) std::string().swap(outbox_);
}

bool Subscriber::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

bool Subscriber::has_pending() const {
  std::lock_guard lock(mu_);
  return !outbox_.empty() || overflowed_;
}

size_t Subscriber::outbox_bytes() const {
  std::lock_guard lock(mu_);
  return outbox_.size();
}

// ---------------------------------------------------------------------------
// PubSub

PubSub::Table& PubSub::table(PubSubKind kind) {
  return kind == PubSubKind::kChannel ? channels_ : kind == PubSubKind::kPattern ? patterns_ : shard_channels_;
}

const PubSub::Table& PubSub::table(PubSubKind kind) const {
  return const_cast<PubSub*>(this)->table(kind);
}

std::set<std::string, std::less<>>& PubSub::names(Subscriber& s, PubSubKind kind) {
  return kind == PubSubKind::kChannel ? s.channels : kind == PubSubKind::kPattern ? s.patterns : s.shard_channels;
}

void PubSub::count_names(Subscriber& s, PubSubKind kind) {
  s.listed_[static_cast<size_t>(kind)].store(names(s, kind).size(), std::memory_order_relaxed);
}

bool PubSub::subscribe(Subscriber& s, PubSubKind kind, std::string_view name) {
  if (!names(s, kind).emplace(name).second) return false;
  count_names(s, kind);
  Table& t = table(kind);
  std::unique_lock lock(t.mu);
  auto it = t.map.find(name);
  if (it == t.map.end()) it = t.map.emplace(std::string(name), Subscribers{}).first;
  it->second.insert(&s);
  return true;
}

bool PubSub::unsubscribe(Subscriber& s, PubSubKind kind, std::string_view name) {
  auto& mine = names(s, kind);
  auto held = mine.find(name);
  if (held == mine.end()) return false;
  mine.erase(held);
  count_names(s, kind);
  Table& t = table(kind);
  std::unique_lock lock(t.mu);
  auto it = t.map.find(name);
  if (it != t.map.end()) {
    it->second.erase(&s);
    // An empty channel leaves the table, as Redis's: PUBSUB CHANNELS and
    // NUMPAT only count names somebody listens to.
    if (it->second.empty()) t.map.erase(it);
  }
  return true;
}

void PubSub::unsubscribe_all(Subscriber& s) {
  for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShard}) {
    while (!names(s, kind).empty()) {
      const std::string name = *names(s, kind).begin();
      unsubscribe(s, kind, name);
    }
  }
}

// One message to every subscriber of a channel or pattern. A lone
// subscriber (the usual pattern subscriber) gets the frame formatted
// straight into its outbox; several share one formatted copy per protocol.
template <class Format, class Frame>
void PubSub::deliver_all(const Subscribers& subs, const Format& format, const Frame& frame,
                         const OutputLimit& limit, int64_t now_ms) {
  if (subs.size() == 1) {
    Subscriber* s = *subs.begin();
    const int resp = s->resp();
    s->deliver_with([&](std::string& outbox) { format(&outbox, resp); }, limit, now_ms);
    return;
  }
  for (Subscriber* s : subs) s->deliver(frame(s->resp(), format), limit, now_ms);
}

size_t PubSub::publish(PubSubKind kind, std::string_view channel, std::string_view message,
                       const OutputLimit& limit, int64_t now_ms) {
  size_t receivers = 0;
  // Frames are formatted once per protocol and shared by every subscriber.
  std::string frames[2];
  auto frame = [&](int resp, auto&& format) -> const std::string& {
    std::string& f = frames[resp == 3 ? 1 : 0];
    if (f.empty()) format(&f, resp);
    return f;
  };
  {
    const Table& t = table(kind);
    std::shared_lock lock(t.mu);
    if (auto it = t.map.find(channel); it != t.map.end()) {
      const std::string_view word = kind == PubSubKind::kShard ? "smessage" : "message";
      auto format = [&](std::string* out, int resp) { format_message(out, resp, word, channel, message); };
      deliver_all(it->second, format, frame, limit, now_ms);
      receivers += it->second.size();
    }
  }
  if (kind != PubSubKind::kChannel) return receivers;
  std::shared_lock lock(patterns_.mu);
  for (const auto& [pattern, subs] : patterns_.map) {
    if (!glob_match(pattern, channel)) continue;
    frames[0].clear();
    frames[1].clear();
    auto format = [&](std::string* out, int resp) { format_pmessage(out, resp, pattern, channel, message); };
    deliver_all(subs, format, frame, limit, now_ms);
    receivers += subs.size();
  }
  return receivers;
}

std::vector<std::string> PubSub::channels(PubSubKind kind, std::string_view pattern) const {
  const Table& t = table(kind);
  std::shared_lock lock(t.mu);
  std::vector<std::string> out;
  for (const auto& [name, subs] : t.map)
    if (pattern.empty() || glob_match(pattern, name)) out.push_back(name);
  return out;
}

size_t PubSub::numsub(PubSubKind kind, std::string_view channel) const {
  const Table& t = table(kind);
  std::shared_lock lock(t.mu);
  auto it = t.map.find(channel);
  return it == t.map.end() ? 0 : it->second.size();
}

size_t PubSub::numpat() const {
  std::shared_lock lock(patterns_.mu);
  return patterns_.map.size();
}

}  // namespace shardis
