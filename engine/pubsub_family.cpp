// Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
// PUBSUB. Subscriptions belong to the connection's Session (they run in the
// connection, kCmdConnection); the server-wide PubSub (engine/pubsub.hpp)
// delivers. Confirmations are push frames: '>' for RESP3 clients, '*' for
// RESP2 ones, which ReplyWriter::push already decides.

#include <string>

#include "engine/command.hpp"
#include "engine/errors.hpp"
#include "engine/pubsub.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

Subscriber& subscriber(ExecContext& ctx) {
  // Servers install one per connection (it wakes the connection); a bare
  // Engine gets a plain one whose outbox the caller reads.
  if (!ctx.session.subscriber) ctx.session.subscriber = std::make_shared<Subscriber>(ctx.session.id);
  ctx.session.subscriber->set_resp(ctx.session.resp);
  return *ctx.session.subscriber;
}

size_t count_for(const Subscriber& s, PubSubKind kind) {
  return kind == PubSubKind::kShard ? s.shard_count() : s.count();
}

void confirm(ExecContext& ctx, std::string_view word, const std::string* name, size_t count) {
  ctx.reply.push(3);
  ctx.reply.bulk(word);
  if (name) {
    ctx.reply.bulk(*name);
  } else {
    ctx.reply.null();
  }
  ctx.reply.integer(static_cast<int64_t>(count));
}

void subscribe_generic(ExecContext& ctx, Args& args, PubSubKind kind, std::string_view word) {
  Subscriber& s = subscriber(ctx);
  for (size_t j = 1; j < args.size(); ++j) {
    ctx.server.pubsub.subscribe(s, kind, args[j]);
    confirm(ctx, word, &args[j], count_for(s, kind));
  }
}

// With no names: every subscription of the kind, or one confirmation with
// a null name when there is none, as Redis.
void unsubscribe_generic(ExecContext& ctx, Args& args, PubSubKind kind, std::string_view word) {
  Subscriber& s = subscriber(ctx);
  write_own_messages(ctx);
  if (args.size() == 1) {
    const auto& held = kind == PubSubKind::kChannel   ? s.channels
                       : kind == PubSubKind::kPattern ? s.patterns
                                                      : s.shard_channels;
    if (held.empty()) confirm(ctx, word, nullptr, count_for(s, kind));
    while (!held.empty()) {
      const std::string name = *held.begin();
      ctx.server.pubsub.unsubscribe(s, kind, name);
      confirm(ctx, word, &name, count_for(s, kind));
    }
    return;
  }
  for (size_t j = 1; j < args.size(); ++j) {
    ctx.server.pubsub.unsubscribe(s, kind, args[j]);
    confirm(ctx, word, &args[j], count_for(s, kind));
  }
}

// What others published before comes first, the client's own message after
// the reply (see write_own_messages).
void publish_generic(ExecContext& ctx, Args& args, PubSubKind kind) {
  write_own_messages(ctx);
  const size_t n = ctx.server.pubsub.publish(kind, args[1], args[2], ctx.server.config.pubsub_limit(), ctx.now_ms);
  ctx.reply.integer(static_cast<int64_t>(n));
  write_own_messages(ctx);
}

// PUBSUB CHANNELS / SHARDCHANNELS take at most a pattern; Redis checks that
// in the handler, with its subcommand syntax error.
void channels_generic(ExecContext& ctx, Args& args, PubSubKind kind) {
  if (args.size() > 3) {
    ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" + args[1] +
                    "'. Try PUBSUB HELP.");
    return;
  }
  const std::vector<std::string> names = ctx.server.pubsub.channels(kind, args.size() == 3 ? args[2] : "");
  ctx.reply.array(names.size());
  for (const std::string& n : names) ctx.reply.bulk(n);
}

void numsub_generic(ExecContext& ctx, Args& args, PubSubKind kind) {
  ctx.reply.array((args.size() - 2) * 2);
  for (size_t j = 2; j < args.size(); ++j) {
    ctx.reply.bulk(args[j]);
    ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub.numsub(kind, args[j])));
  }
}

// ---------------------------------------------------------------------------
// Commands

void subscribe_command(ExecContext& ctx, Args& args) { subscribe_generic(ctx, args, PubSubKind::kChannel, "subscribe"); }
void psubscribe_command(ExecContext& ctx, Args& args) { subscribe_generic(ctx, args, PubSubKind::kPattern, "psubscribe"); }
void ssubscribe_command(ExecContext& ctx, Args& args) { subscribe_generic(ctx, args, PubSubKind::kShard, "ssubscribe"); }
void unsubscribe_command(ExecContext& ctx, Args& args) {
  unsubscribe_generic(ctx, args, PubSubKind::kChannel, "unsubscribe");
}
void punsubscribe_command(ExecContext& ctx, Args& args) {
  unsubscribe_generic(ctx, args, PubSubKind::kPattern, "punsubscribe");
}
void sunsubscribe_command(ExecContext& ctx, Args& args) {
  unsubscribe_generic(ctx, args, PubSubKind::kShard, "sunsubscribe");
}
void publish_command(ExecContext& ctx, Args& args) { publish_generic(ctx, args, PubSubKind::kChannel); }
void spublish_command(ExecContext& ctx, Args& args) { publish_generic(ctx, args, PubSubKind::kShard); }

void pubsub_channels_command(ExecContext& ctx, Args& args) { channels_generic(ctx, args, PubSubKind::kChannel); }
void pubsub_shardchannels_command(ExecContext& ctx, Args& args) { channels_generic(ctx, args, PubSubKind::kShard); }
void pubsub_numsub_command(ExecContext& ctx, Args& args) { numsub_generic(ctx, args, PubSubKind::kChannel); }
void pubsub_shardnumsub_command(ExecContext& ctx, Args& args) { numsub_generic(ctx, args, PubSubKind::kShard); }
void pubsub_numpat_command(ExecContext& ctx, Args&) {
  ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub.numpat()));
}

void pubsub_help_command(ExecContext& ctx, Args&) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.array(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply.simple(l);
}

}  // namespace

// Redis writes a message into the receiver's output when it is published,
// so what reached a client before one of its commands comes before that
// command's reply (an UNSUBSCRIBE's confirmation included). A message the
// command itself published to its own client comes after the reply, as in
// Redis 7.2 (redis/redis#12326); 7.0 wrote it first, and inside EXEC in the
// middle of EXEC's array, which no RESP3 client can parse. Inside EXEC or a
// script the replies are still being assembled, so nothing is written here:
// the messages follow the whole reply, on the connection's next write.
void write_own_messages(ExecContext& ctx) {
  Subscriber* own = ctx.session.subscriber.get();
  if (!own || ctx.in_exec || ctx.server.script_status.running.load(std::memory_order_relaxed)) return;
  std::string bytes;
  if (own->take(&bytes)) ctx.reply.raw(bytes);
}

std::string subscribed_context_error(const Session& session, std::string_view command) {
  // Redis's RESP2 clients in subscribed state can only read pushes, so any
  // other reply would be mistaken for one; RESP3 ones tell them apart.
  if (session.resp != 2 || !session.subscriber || !session.subscriber->subscribed()) return {};
  static constexpr std::string_view kAllowed[] = {"ping",        "subscribe",  "ssubscribe", "unsubscribe",
                                                  "sunsubscribe", "psubscribe", "punsubscribe", "quit",
                                                  "reset"};
  for (std::string_view a : kAllowed)
    if (a == command) return {};
  return "ERR Can't execute '" + std::string(command) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
}

void add_pubsub_commands(std::vector<CommandSpec>& out) {
  constexpr uint32_t kSub = kCmdPubsub | kCmdNoscript | kCmdLoading | kCmdStale | kCmdConnection;
  constexpr uint32_t kPub = kCmdPubsub | kCmdLoading | kCmdStale | kCmdFast;
  constexpr uint32_t kInfo = kCmdPubsub | kCmdLoading | kCmdStale;
  out.push_back({"subscribe", -2, kSub, 0, 0, 0, subscribe_command, "pubsub", "2.0.0",
                 "Listens for messages published to channels.", "channel [channel ...]"});
  out.push_back({"unsubscribe", -1, kSub, 0, 0, 0, unsubscribe_command, "pubsub", "2.0.0",
                 "Stops listening to messages posted to channels.", "[channel [channel ...]]"});
  out.push_back({"psubscribe", -2, kSub, 0, 0, 0, psubscribe_command, "pubsub", "2.0.0",
                 "Listens for messages published to channels that match one or more patterns.",
                 "pattern [pattern ...]"});
  out.push_back({"punsubscribe", -1, kSub, 0, 0, 0, punsubscribe_command, "pubsub", "2.0.0",
                 "Stops listening to messages published to channels that match one or more patterns.",
                 "[pattern [pattern ...]]"});
  out.push_back({"ssubscribe", -2, kSub, 1, -1, 1, ssubscribe_command, "pubsub", "7.0.0",
                 "Listens for messages published to shard channels.", "shardchannel [shardchannel ...]"});
  out.push_back({"sunsubscribe", -1, kSub, 1, -1, 1, sunsubscribe_command, "pubsub", "7.0.0",
                 "Stops listening to messages posted to shard channels.",
                 "[shardchannel [shardchannel ...]]"});
  out.push_back({"publish", 3, kPub, 0, 0, 0, publish_command, "pubsub", "2.0.0",
                 "Posts a message to a channel.", "channel message"});
  out.push_back({"spublish", 3, kPub, 1, 1, 1, spublish_command, "pubsub", "7.0.0",
                 "Post a message to a shard channel", "shardchannel message"});

  CommandSpec pubsub{"pubsub", -2, 0, 0, 0, 0, nullptr, "pubsub", "2.8.0",
                     "A container for Pub/Sub commands.", "<subcommand>"};
  pubsub.subcommands = {
      {"pubsub|channels", -2, kInfo, 0, 0, 0, pubsub_channels_command, "pubsub", "2.8.0",
       "Returns the active channels.", "[pattern]"},
      {"pubsub|numpat", 2, kInfo, 0, 0, 0, pubsub_numpat_command, "pubsub", "2.8.0",
       "Returns a count of unique pattern subscriptions.", ""},
      {"pubsub|numsub", -2, kInfo, 0, 0, 0, pubsub_numsub_command, "pubsub", "2.8.0",
       "Returns a count of subscribers to channels.", "[channel [channel ...]]"},
      {"pubsub|shardchannels", -2, kInfo, 0, 0, 0, pubsub_shardchannels_command, "pubsub", "7.0.0",
       "Returns the active shard channels.", "[pattern]"},
      {"pubsub|shardnumsub", -2, kInfo, 0, 0, 0, pubsub_shardnumsub_command, "pubsub", "7.0.0",
       "Returns the count of subscribers of shard channels.", "[shardchannel [shardchannel ...]]"},
      {"pubsub|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, pubsub_help_command, "pubsub", "6.2.0",
       "Returns helpful text about the different subcommands.", ""},
  };
  out.push_back(std::move(pubsub));
}

}  // namespace shardis
