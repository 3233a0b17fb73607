#include "engine/command.hpp"

#include <algorithm>

#include "engine/errors.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

bool arity_ok(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

CommandTable::CommandTable() {
  add_connection_commands(specs_);
  add_transaction_commands(specs_);
  add_persistence_commands(specs_);
  add_string_commands(specs_);
  add_key_commands(specs_);
  add_hash_commands(specs_);
  add_set_commands(specs_);
  add_list_commands(specs_);
  add_zset_commands(specs_);
  add_blocking_commands(specs_);
  add_server_commands(specs_);
  add_script_commands(specs_);
  add_pubsub_commands(specs_);
  std::sort(specs_.begin(), specs_.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  int next_id = 0;
  for (CommandSpec& spec : specs_) {
    spec.id = next_id++;
    for (CommandSpec& sub : spec.subcommands) sub.id = next_id++;
    std::sort(spec.subcommands.begin(), spec.subcommands.end(),
              [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
    by_name_.emplace(std::string(spec.name), &spec);
    all_.push_back(&spec);
  }
  id_count_ = static_cast<size_t>(next_id);
}

const CommandTable& CommandTable::instance() {
  static const CommandTable table;
  return table;
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  // Command names are short: lower-case into a stack buffer, no allocation.
  char buf[32];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) buf[i] = ascii_lower(name[i]);
  auto it = by_name_.find(std::string(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::find_sub(const CommandSpec& parent, std::string_view sub) const {
  std::string full(parent.name);
  full.push_back('|');
  full.append(to_lower(sub));
  for (const CommandSpec& s : parent.subcommands)
    if (s.name == full) return &s;
  return nullptr;
}

const CommandSpec* CommandTable::resolve(const Args& args, std::string* error) const {
  const CommandSpec* spec = find(args[0]);
  if (!spec) {
    *error = err::unknown_command(args[0], args.data() + 1, args.size() - 1);
    return nullptr;
  }
  // A container named alone runs as itself (COMMAND) or fails its arity
  // check (CLIENT, arity -2).
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = find_sub(*spec, args[1]);
    if (!sub) {
      *error = err::unknown_subcommand(args[1], spec->name);
      return nullptr;
    }
    spec = sub;
  }
  if (!arity_ok(spec->arity, args.size())) {
    *error = err::wrong_arity(spec->name);
    return nullptr;
  }
  return spec;
}

void CommandTable::key_indexes(const CommandSpec& spec, const Args& args, std::vector<size_t>* keys) {
  if (spec.find_keys) {
    spec.find_keys(args, keys);
    return;
  }
  keys->clear();
  if (spec.first_key <= 0) return;
  const int argc = static_cast<int>(args.size());
  int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  if (last >= argc) last = argc - 1;
  const int step = spec.key_step > 0 ? spec.key_step : 1;
  for (int i = spec.first_key; i <= last; i += step) keys->push_back(static_cast<size_t>(i));
}

void keys_after_numkeys(const Args& args, size_t at, std::vector<size_t>* keys) {
  keys->clear();
  int64_t numkeys = 0;
  if (!string_to_ll(args[at], &numkeys) || numkeys < 1 ||
      static_cast<uint64_t>(numkeys) > args.size() - at - 1)
    return;
  for (size_t i = 1; i <= static_cast<size_t>(numkeys); ++i) keys->push_back(at + i);
}

std::string_view parse_mpop(const Args& args, size_t at, std::string_view first,
                            std::string_view second, MpopArgs* out) {
  constexpr std::string_view kCountNotPositive = "ERR count should be greater than 0";
  int64_t numkeys;
  if (!string_to_ll(args[at], &numkeys) || numkeys < 1)
    return "ERR numkeys should be greater than 0";
  // numkeys is at least 1 here, so the cast is exact.
  if (static_cast<uint64_t>(numkeys) >= args.size() - at - 1) return err::kSyntax;
  out->where = at + 1 + static_cast<size_t>(numkeys);
  out->second = iequals(args[out->where], second);
  if (!out->second && !iequals(args[out->where], first)) return err::kSyntax;
  bool counted = false;
  for (size_t i = out->where + 1; i < args.size(); ++i) {
    if (counted || !iequals(args[i], "count") || i + 1 == args.size()) return err::kSyntax;
    if (!string_to_ll(args[++i], &out->count) || out->count < 1) return kCountNotPositive;
    counted = true;
  }
  if (!counted) out->count = 1;
  return {};
}

std::string_view flag_name(CommandFlag f) {
  switch (f) {
    case kCmdWrite: return "write";
    case kCmdReadonly: return "readonly";
    case kCmdDenyOom: return "denyoom";
    case kCmdAdmin: return "admin";
    case kCmdPubsub: return "pubsub";
    case kCmdNoscript: return "noscript";
    case kCmdLoading: return "loading";
    case kCmdStale: return "stale";
    case kCmdFast: return "fast";
    case kCmdNoAuth: return "no_auth";
    case kCmdBlocking: return "blocking";
    case kCmdNoMulti: return "no_multi";
    case kCmdAllowBusy: return "allow_busy";
    case kCmdMayReplicate: return "may_replicate";
    case kCmdSkipMonitor: return "skip_monitor";
    case kCmdSkipSlowlog: return "skip_slowlog";
    case kCmdMovableKeys: return "movablekeys";
    case kCmdNoMandatoryKeys: return "no_mandatory_keys";
    default: return "";
  }
}

}  // namespace shardis
