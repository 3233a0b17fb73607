#pragma once
// Pieces of the Lua VM wrapper shared between scripting/*.cpp. Not an API:
// only lua_runner.hpp is.
//
// Lua 5.1 raises errors with longjmp. Every function here that may raise
// (the lua_CFunctions) keeps no C++ object with a destructor alive across a
// Lua call that can raise; C++ work is done in helpers that return before
// the error is raised.

#include <lua.hpp>

#include <string_view>

#include "protocol/reply_writer.hpp"

namespace shardis::lua {

// Pushes the Lua value of one well-formed RESP reply starting at *pos and
// advances *pos past it, as Redis converts redis.call replies: RESP2 and
// RESP3 types both (status -> {ok=}, error -> {err=}, null -> false in
// RESP2 / nil in RESP3, map -> {map={}}, set -> {set={}}, double ->
// {double=}, big number -> {big_number=}, verbatim -> {verbatim_string=}).
void push_reply(lua_State* L, std::string_view resp, size_t* pos);

// Pops the value on top of the stack and writes it as a reply, as Redis's
// luaReplyToRedisReply. script_resp is the protocol the script chose with
// redis.setresp (it decides how booleans convert).
void write_value(lua_State* L, protocol::ReplyWriter& w, int script_resp);

// Pushes {err="CODE message"} from an error text in either form Redis
// accepts: "-CODE message" or "message" (which gets the code ERR).
void push_error_table(lua_State* L, std::string_view text);

// Libraries Redis adds to its Lua: cjson and bit. Each leaves its table on
// the stack.
int open_cjson(lua_State* L);
int open_bit(lua_State* L);

// Makes the globals and every library table read-only for scripts and
// reading an undefined global an error; done once after the VM is set up.
// The real globals table (where the runner stores KEYS and ARGV before each
// run) stays reachable as the registry's "shardis.globals".
void protect_globals(lua_State* L);

}  // namespace shardis::lua
