// RESP <-> Lua conversions, following Redis's script_lua.c rules value for
// value (see lua_internal.hpp). Both directions recurse on nested
// aggregates; lua_checkstack bounds the depth as in Redis, so a table that
// contains itself ends in an error reply, not a crash.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scripting/lua_internal.hpp"

namespace shardis::lua {

namespace {

// The text of the line at *pos (after the type byte), advancing past CRLF.
std::string_view read_line(std::string_view resp, size_t* pos) {
  const size_t start = *pos + 1;
  const size_t end = resp.find("\r\n", start);
  *pos = end + 2;
  return resp.substr(start, end - start);
}

int64_t to_int(std::string_view s) { return std::strtoll(std::string(s).c_str(), nullptr, 10); }

// Reads a bulk payload of len bytes at *pos and skips its CRLF.
std::string_view read_payload(std::string_view resp, size_t* pos, int64_t len) {
  std::string_view out = resp.substr(*pos, static_cast<size_t>(len));
  *pos += static_cast<size_t>(len) + 2;
  return out;
}

void push_field_table(lua_State* L, const char* field, std::string_view value) {
  lua_newtable(L);
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, field);
}

void push_aggregate(lua_State* L, std::string_view resp, size_t* pos, char type, int64_t n) {
  lua_checkstack(L, 4);
  lua_newtable(L);
  if (type == '*' || type == '>') {
    for (int64_t i = 1; i <= n; ++i) {
      push_reply(L, resp, pos);
      lua_rawseti(L, -2, static_cast<int>(i));
    }
    return;
  }
  // Map and set: the elements go in an inner table under "map" / "set".
  lua_newtable(L);
  for (int64_t i = 0; i < n; ++i) {
    push_reply(L, resp, pos);
    if (type == '%') {
      push_reply(L, resp, pos);
    } else {
      lua_pushboolean(L, 1);
    }
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);  // a nil key cannot be stored (Redis drops it too)
    } else {
      lua_rawset(L, -3);
    }
  }
  lua_setfield(L, -2, type == '%' ? "map" : "set");
}

// Redis's (long long) cast of a Lua number, without C++'s undefined
// behaviour: out of range and NaN give what x86 gives, INT64_MIN.
int64_t number_to_int(lua_Number n) {
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(n);
}

// Copies s with CR and LF replaced by spaces, as Redis does for status and
// error replies written from a script.
std::string one_line(const char* s, size_t len) {
  std::string out(s, len);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

// Looks field up in the table at idx (default: on top) without
// metamethods; leaves the value pushed and returns its type.
int raw_field(lua_State* L, const char* field, int idx = -1) {
  lua_pushstring(L, field);
  lua_rawget(L, idx - 1);
  return lua_type(L, -1);
}

bool write_special_table(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  size_t len = 0;
  if (raw_field(L, "err") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &len);
    while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n')) --len;  // as addReplyErrorFormat
    w.error(one_line(s, len));
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (raw_field(L, "ok") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &len);
    w.simple(one_line(s, len));
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (raw_field(L, "double") == LUA_TNUMBER) {
    w.dbl(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (raw_field(L, "big_number") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &len);
    w.big_number(one_line(s, len));
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (raw_field(L, "verbatim_string") == LUA_TTABLE) {
    if (raw_field(L, "format") == LUA_TSTRING) {
      if (raw_field(L, "string", -2) == LUA_TSTRING) {
        const char* s = lua_tolstring(L, -1, &len);
        w.verbatim(std::string_view(s, len), lua_tostring(L, -2));
        lua_pop(L, 3);
        return true;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  for (const char* kind : {"map", "set"}) {
    if (raw_field(L, kind) == LUA_TTABLE) {
      size_t n = 0;
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        lua_pop(L, 1);
        ++n;
      }
      const bool is_map = kind[0] == 'm';
      if (is_map) {
        w.map(n);
      } else {
        w.set(n);
      }
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        if (is_map) {
          lua_pushvalue(L, -2);            // table, key, value, key
          write_value(L, w, script_resp);  // the key copy
          write_value(L, w, script_resp);  // the value
        } else {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          write_value(L, w, script_resp);
        }
      }
      lua_pop(L, 1);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

}  // namespace

void push_reply(lua_State* L, std::string_view resp, size_t* pos) {
  lua_checkstack(L, 4);
  const char type = resp[*pos];
  const std::string_view line = read_line(resp, pos);
  switch (type) {
    case '+':
      push_field_table(L, "ok", line);
      return;
    case '-':
      push_field_table(L, "err", line);
      return;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(to_int(line)));
      return;
    case '$':
    case '=': {
      const int64_t len = to_int(line);
      if (len < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      const std::string_view payload = read_payload(resp, pos, len);
      if (type == '$') {
        lua_pushlstring(L, payload.data(), payload.size());
        return;
      }
      lua_newtable(L);
      push_field_table(L, "string", payload.substr(4));
      lua_pushlstring(L, payload.data(), 3);
      lua_setfield(L, -2, "format");
      lua_setfield(L, -2, "verbatim_string");
      return;
    }
    case '*':
    case '>':
    case '%':
    case '~': {
      const int64_t n = to_int(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      push_aggregate(L, resp, pos, type, n);
      return;
    }
    case '_':
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, line == "t");
      return;
    case ',':
      lua_newtable(L);
      lua_pushnumber(L, std::strtod(std::string(line).c_str(), nullptr));
      lua_setfield(L, -2, "double");
      return;
    case '(':
      push_field_table(L, "big_number", line);
      return;
    case '|': {
      // An attribute annotates the reply that follows: skip it.
      const int64_t n = to_int(line);
      for (int64_t i = 0; i < 2 * n; ++i) {
        push_reply(L, resp, pos);
        lua_pop(L, 1);
      }
      push_reply(L, resp, pos);
      return;
    }
    default:
      lua_pushnil(L);
  }
}

void write_value(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    w.error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.integer(1);
        } else {
          w.null();
        }
      } else {
        w.boolean(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w.integer(number_to_int(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (write_special_table(L, w, script_resp)) break;
      // An array: elements 1, 2, ... up to the first nil.
      size_t n = 0;
      for (;; ++n) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        const bool end = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (end) break;
      }
      w.array(n);
      for (size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        write_value(L, w, script_resp);
      }
      break;
    }
    default:
      w.null();
  }
  lua_pop(L, 1);
}

void push_error_table(lua_State* L, std::string_view text) {
  std::string_view code = "ERR";
  std::string_view msg = text;
  if (!text.empty() && text[0] == '-') {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, space - 1);
      msg = text.substr(space + 1);
    }
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  lua_newtable(L);
  lua_pushlstring(L, code.data(), code.size());
  lua_pushlstring(L, " ", 1);
  lua_pushlstring(L, msg.data(), msg.size());
  lua_concat(L, 3);
  lua_setfield(L, -2, "err");
}

}  // namespace shardis::lua
