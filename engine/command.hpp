#pragma once
// Commands as data. Every command is a CommandSpec: name, arity (negative =
// at least |arity|, the name included), flags, key positions and a handler.
// One generic check (CommandTable::check) runs before any handler: unknown
// command, arity, subcommands, auth. Handlers never re-check arity and never
// look at their own name.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/exec_context.hpp"

namespace shardis {

using Args = std::vector<std::string>;
using Handler = void (*)(ExecContext& ctx, Args& args);

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadonly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubsub = 1u << 4,
  kCmdNoscript = 1u << 5,
  kCmdLoading = 1u << 6,
  kCmdStale = 1u << 7,
  kCmdFast = 1u << 8,
  kCmdNoAuth = 1u << 9,        // allowed before AUTH
  kCmdBlocking = 1u << 10,
  kCmdNoMulti = 1u << 11,
  kCmdAllowBusy = 1u << 12,
  kCmdMayReplicate = 1u << 13,
  kCmdSkipMonitor = 1u << 14,
  kCmdSkipSlowlog = 1u << 15,
  kCmdMovableKeys = 1u << 16,
  kCmdNoMandatoryKeys = 1u << 17,  // may run with no key at all (EVAL with numkeys 0)
  // Where it runs (shardis-specific, not reported by COMMAND):
  kCmdConnection = 1u << 24,   // in the connection, with its Session (PING, SELECT ...)
  kCmdAllShards = 1u << 25,    // needs every shard held (FLUSHALL, DBSIZE, KEYS, SCAN ...)
  kCmdTxControl = 1u << 26,    // runs at once inside MULTI, never queued (EXEC, DISCARD ...)
  kCmdScript = 1u << 27,       // EVAL family: may touch keys it did not declare
};

struct CommandSpec {
  std::string_view name;  // lower case; "client|setname" for subcommands
  int arity;
  uint32_t flags;
  int first_key;  // 0 = no keys
  int last_key;   // negative counts from the end (-1 = last argument)
  int key_step;
  Handler handler;
  std::string_view group;    // "string", "keyspace", "connection", "server" ...
  std::string_view since;    // Redis version that introduced it
  std::string_view summary;  // one line, for COMMAND DOCS and docs/commands.md
  std::string_view syntax;   // arguments after the name, e.g. "key value [NX | XX]"
  std::vector<CommandSpec> subcommands = {};
  int id = -1;               // assigned by the table; indexes CommandStats
  // Movable keys (EVAL's numkeys): finds the key indexes in args; when set
  // it replaces first_key/last_key/key_step.
  void (*find_keys)(const Args& args, std::vector<size_t>* keys) = nullptr;
};

class CommandTable {
 public:
  // The table of every command shardis supports (built once).
  static const CommandTable& instance();

  // Case-insensitive lookup of a command (not subcommand).
  const CommandSpec* find(std::string_view name) const;
  // Resolves a container's subcommand from args[1]; nullptr if unknown.
  const CommandSpec* find_sub(const CommandSpec& parent, std::string_view sub) const;

  // The generic pre-handler check. Returns the spec to run (a subcommand
  // where the command has them) or nullptr with *error set to Redis's text.
  const CommandSpec* resolve(const Args& args, std::string* error) const;

  // Fills keys with the indexes into args of the key arguments of spec.
  static void key_indexes(const CommandSpec& spec, const Args& args, std::vector<size_t>* keys);

  const std::vector<const CommandSpec*>& all() const { return all_; }
  size_t id_count() const { return id_count_; }  // commands + subcommands

 private:
  CommandTable();
  std::vector<CommandSpec> specs_;
  std::unordered_map<std::string, const CommandSpec*> by_name_;
  std::vector<const CommandSpec*> all_;
  size_t id_count_ = 0;
};

// Movable keys after a numkeys argument at args[at] (ZUNION, ZMPOP,
// SINTERCARD ...): numkeys keys from args[at + 1], or none when numkeys is
// not a positive count of the arguments that follow; the command then fails
// before it reads a key, and COMMAND GETKEYS reports invalid arguments.
void keys_after_numkeys(const Args& args, size_t at, std::vector<size_t>* keys);

// The arguments of LMPOP / ZMPOP from numkeys at args[at] on: numkeys key
// [key ...] <first | second> [COUNT count], the ends being LEFT / RIGHT or
// MIN / MAX. Returns the error Redis replies first, or "" with *out filled.
// BLMPOP and BZMPOP check them before their timeout, as Redis does.
struct MpopArgs {
  size_t where = 0;     // index of the end word; the keys lie between at and it
  bool second = false;  // RIGHT / MAX
  int64_t count = 1;
};
std::string_view parse_mpop(const Args& args, size_t at, std::string_view first,
                            std::string_view second, MpopArgs* out);

// Each family file contributes its commands here (engine/*_family.cpp).
void add_string_commands(std::vector<CommandSpec>& out);
void add_key_commands(std::vector<CommandSpec>& out);
void add_hash_commands(std::vector<CommandSpec>& out);
void add_set_commands(std::vector<CommandSpec>& out);
void add_list_commands(std::vector<CommandSpec>& out);
void add_zset_commands(std::vector<CommandSpec>& out);
// ZUNION, ZINTER, ZDIFF and their relatives (zset_algebra.cpp), added by
// add_zset_commands.
void add_zset_algebra_commands(std::vector<CommandSpec>& out);
// BLPOP, BZPOPMIN and the other blocking pops (blocking_family.cpp).
void add_blocking_commands(std::vector<CommandSpec>& out);
void add_server_commands(std::vector<CommandSpec>& out);
void add_connection_commands(std::vector<CommandSpec>& out);
void add_script_commands(std::vector<CommandSpec>& out);
void add_transaction_commands(std::vector<CommandSpec>& out);
void add_persistence_commands(std::vector<CommandSpec>& out);
void add_pubsub_commands(std::vector<CommandSpec>& out);

std::string_view flag_name(CommandFlag f);

}  // namespace shardis
