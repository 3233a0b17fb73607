#pragma once
// The Lua 5.1 VM behind EVAL/EVALSHA (engine/scripting_api.hpp's
// ScriptRunner). One runner owns one lua_State and runs one script at a
// time; it is not thread-safe: the server calls it from one thread.

#include <memory>

#include "engine/scripting_api.hpp"
#include "engine/server_state.hpp"

namespace shardis {

std::unique_ptr<ScriptRunner> make_lua_runner(ServerState& server);

}  // namespace shardis
