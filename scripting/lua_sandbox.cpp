// The script sandbox, as Redis 7.0 sets it up: the globals and the library
// tables are read-only, and reading a global that does not exist is an
// error. Redis patches its Lua with read-only tables; stock Lua 5.1 has
// none, so each protected table is replaced by an empty proxy whose
// metatable reads through to the real table (__index) and refuses every
// write (__newindex). Writing an existing key goes through __newindex too,
// because the proxy itself never holds a key. next/pairs and rawset are
// replaced by versions that know the proxies, so iterating a library still
// works and rawset cannot bypass the protection.

#include "scripting/lua_internal.hpp"

namespace shardis::lua {

namespace {

constexpr const char* kProxies = "shardis.proxies";  // registry: weak proxy -> real table
constexpr const char* kRealGlobals = "shardis.globals";
constexpr const char* kReadonly = "Attempt to modify a readonly table";

int readonly_newindex(lua_State* L) { return luaL_error(L, kReadonly); }

// __index of the globals proxy: upvalue 1 is the real globals table.
int global_index(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name ? name : "?");
}

// Replaces the proxy at idx by its real table (no-op for other values).
void unproxy(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) lua_replace(L, idx);
  else lua_pop(L, 1);
  lua_pop(L, 1);
}

bool is_proxy(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  const bool found = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return found;
}

int sandbox_next(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  unproxy(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int sandbox_pairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // next
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int sandbox_rawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (is_proxy(L, 1)) {
    lua_pushstring(L, kReadonly);  // raised without a position, as Redis's
    return lua_error(L);
  }
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// Pushes a proxy of the table at idx whose __index is index_fn (with the
// real table as upvalue) or the real table itself.
void push_proxy(lua_State* L, int idx, lua_CFunction index_fn) {
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  if (index_fn) {
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, index_fn, 1);
  } else {
    lua_pushvalue(L, idx);
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // getmetatable() hides it, setmetatable() fails
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, idx);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

}  // namespace

void protect_globals(lua_State* L) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxies);

  lua_pushvalue(L, LUA_GLOBALSINDEX);
  const int real = lua_gettop(L);
  lua_pushcfunction(L, sandbox_next);
  lua_pushvalue(L, -1);
  lua_setfield(L, real, "next");
  lua_pushcclosure(L, sandbox_pairs, 1);
  lua_setfield(L, real, "pairs");
  lua_pushcfunction(L, sandbox_rawset);
  lua_setfield(L, real, "rawset");

  // Every library table (a table-valued global) gets a proxy in its place.
  lua_pushnil(L);
  while (lua_next(L, real)) {
    if (lua_istable(L, -1) && !lua_rawequal(L, -1, real)) {
      push_proxy(L, -1, nullptr);
      lua_pushvalue(L, -3);  // key
      lua_insert(L, -2);
      lua_rawset(L, real);  // replacing an existing key keeps lua_next valid
    }
    lua_pop(L, 1);
  }
  // Strings' methods ("x"):upper() read through the proxy as well.
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_getfield(L, real, "string");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);

  lua_pushvalue(L, real);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  push_proxy(L, real, global_index);
  lua_pushvalue(L, -1);
  lua_setfield(L, real, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

}  // namespace shardis::lua
