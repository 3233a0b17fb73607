// The "cjson" library Redis bundles, reimplemented with lua-cjson 2.1's
// observable behaviour: encode/decode, cjson.null, its number format
// (%.14g), its escapes ("/" becomes "\/"), its array detection (positive
// integer keys; an empty table is an object; "excessively sparse" arrays
// fail) and its error texts. The encoder builds the text in a Lua buffer
// (see OutBuf), so nothing leaks when it raises.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "scripting/lua_internal.hpp"

namespace shardis::lua {

namespace {

constexpr int kMaxDepth = 1000;

// ------------------------------------------------------------------ encode

// The output text. It lives in a Lua userdata whose __gc frees the bytes,
// so an error raised half-way (longjmp) leaks nothing; luaL_Buffer cannot
// be used because the encoder pushes and pops values between appends.
struct OutBuf {
  char* data;
  size_t len;
  size_t cap;
};

int outbuf_gc(lua_State* L) {
  auto* b = static_cast<OutBuf*>(lua_touserdata(L, 1));
  std::free(b->data);
  b->data = nullptr;
  return 0;
}

void add(lua_State* L, OutBuf* b, const char* s, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n) cap *= 2;
    char* grown = static_cast<char*>(std::realloc(b->data, cap));
    if (!grown) luaL_error(L, "not enough memory");
    b->data = grown;
    b->cap = cap;
  }
  std::memcpy(b->data + b->len, s, n);
  b->len += n;
}
void add(lua_State* L, OutBuf* b, const char* s) { add(L, b, s, std::strlen(s)); }
void add(lua_State* L, OutBuf* b, char c) { add(L, b, &c, 1); }

void encode_value(lua_State* L, OutBuf* b, int depth);

void add_number(lua_State* L, OutBuf* b, lua_Number n) {
  if (std::isnan(n) || std::isinf(n)) luaL_error(L, "Cannot serialise number: must not be NaN or Inf");
  char buf[32];
  const int len = std::snprintf(buf, sizeof(buf), "%.14g", static_cast<double>(n));
  add(L, b, buf, static_cast<size_t>(len));
}

void add_string(lua_State* L, OutBuf* b, const char* s, size_t len) {
  add(L, b, '"');
  for (size_t i = 0; i < len; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': add(L, b, "\\\""); break;
      case '\\': add(L, b, "\\\\"); break;
      case '/': add(L, b, "\\/"); break;
      case '\b': add(L, b, "\\b"); break;
      case '\f': add(L, b, "\\f"); break;
      case '\n': add(L, b, "\\n"); break;
      case '\r': add(L, b, "\\r"); break;
      case '\t': add(L, b, "\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof(esc), "\\u%04x", c);
          add(L, b, esc);
        } else {
          add(L, b, static_cast<char>(c));
        }
    }
  }
  add(L, b, '"');
}

// The table on top as an array: its largest key, 0 when it is not one
// (or is empty), and an error when it is too sparse (lua-cjson's default
// ratio 2 and safe size 10).
int array_length(lua_State* L) {
  lua_Number max = 0;
  int items = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    lua_Number k = 0;
    if (lua_type(L, -1) != LUA_TNUMBER || (k = lua_tonumber(L, -1)) < 1 || std::floor(k) != k) {
      lua_pop(L, 1);
      return 0;
    }
    if (k > max) max = k;
    ++items;
  }
  if (max > 10 && max > items * 2) luaL_error(L, "Cannot serialise table: excessively sparse array");
  return static_cast<int>(max);
}

void encode_table(lua_State* L, OutBuf* b, int depth) {
  if (depth > kMaxDepth) luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
  luaL_checkstack(L, 6, "too deep");
  const int len = array_length(L);
  if (len > 0) {
    add(L, b, '[');
    for (int i = 1; i <= len; ++i) {
      if (i > 1) add(L, b, ',');
      lua_rawgeti(L, -1, i);
      encode_value(L, b, depth);
    }
    add(L, b, ']');
    return;
  }
  add(L, b, '{');
  bool first = true;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (!first) add(L, b, ',');
    first = false;
    const int kt = lua_type(L, -2);
    if (kt == LUA_TSTRING) {
      size_t klen = 0;
      const char* k = lua_tolstring(L, -2, &klen);
      add_string(L, b, k, klen);
    } else if (kt == LUA_TNUMBER) {
      add(L, b, '"');
      add_number(L, b, lua_tonumber(L, -2));
      add(L, b, '"');
    } else {
      luaL_error(L, "Cannot serialise %s: table key must be a number or string",
                 lua_typename(L, kt));
    }
    add(L, b, ':');
    encode_value(L, b, depth);  // pops the value, leaves the key for lua_next
  }
  add(L, b, '}');
}

// Encodes and pops the value on top of the stack.
void encode_value(lua_State* L, OutBuf* b, int depth) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      add_string(L, b, s, len);
      break;
    }
    case LUA_TNUMBER: add_number(L, b, lua_tonumber(L, -1)); break;
    case LUA_TBOOLEAN: add(L, b, lua_toboolean(L, -1) ? "true" : "false"); break;
    case LUA_TNIL: add(L, b, "null"); break;
    case LUA_TTABLE: encode_table(L, b, depth + 1); break;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, -1) == nullptr) {  // cjson.null
        add(L, b, "null");
        break;
      }
      [[fallthrough]];
    default:
      luaL_error(L, "Cannot serialise %s: type not supported", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

int cjson_encode(lua_State* L) {
  luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
  auto* b = static_cast<OutBuf*>(lua_newuserdata(L, sizeof(OutBuf)));
  *b = OutBuf{nullptr, 0, 0};
  lua_getfield(L, LUA_REGISTRYINDEX, "shardis.cjson.buf");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, 1);
  encode_value(L, b, 0);
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  return 1;
}

// ------------------------------------------------------------------ decode

struct Decoder {
  lua_State* L;
  const char* data;
  size_t len;
  size_t pos;
};

enum class Tok { kObjBegin, kObjEnd, kArrBegin, kArrEnd, kString, kNumber, kBoolean, kNull, kColon, kComma, kEnd, kError };

constexpr const char* kTokNames[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
                                     "T_STRING",    "T_NUMBER",  "T_BOOLEAN",   "T_NULL",
                                     "T_COLON",     "T_COMMA",   "T_END",       "T_ERROR"};

struct Token {
  Tok type;
  size_t index;             // where it starts (or where the error is)
  const char* error = "";   // for kError
};

[[noreturn]] void fail(Decoder& d, const char* expected, const Token& t) {
  const char* found = t.type == Tok::kError ? t.error : kTokNames[static_cast<int>(t.type)];
  luaL_error(d.L, "Expected %s but found %s at character %d", expected, found,
             static_cast<int>(t.index + 1));
  std::abort();  // not reached: luaL_error does not return
}

void add_utf8(luaL_Buffer* b, unsigned cp) {
  if (cp < 0x80) {
    luaL_addchar(b, static_cast<char>(cp));
  } else if (cp < 0x800) {
    luaL_addchar(b, static_cast<char>(0xc0 | (cp >> 6)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    luaL_addchar(b, static_cast<char>(0xe0 | (cp >> 12)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    luaL_addchar(b, static_cast<char>(0xf0 | (cp >> 18)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

int hex4(const char* p, size_t left) {
  if (left < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

// Reads a string token at d.pos (on '"'); pushes it. Returns an error token
// type on failure.
bool read_string(Decoder& d, Token* t) {
  luaL_Buffer b;
  luaL_buffinit(d.L, &b);
  ++d.pos;
  while (true) {
    if (d.pos >= d.len) {
      t->type = Tok::kError;
      t->error = "unexpected end of string";
      t->index = d.pos;
      return false;
    }
    const char c = d.data[d.pos];
    if (c == '"') break;
    if (c != '\\') {
      luaL_addchar(&b, c);
      ++d.pos;
      continue;
    }
    const size_t esc_at = d.pos;
    const char e = d.pos + 1 < d.len ? d.data[d.pos + 1] : '\0';
    d.pos += 2;
    switch (e) {
      case '"': luaL_addchar(&b, '"'); break;
      case '\\': luaL_addchar(&b, '\\'); break;
      case '/': luaL_addchar(&b, '/'); break;
      case 'b': luaL_addchar(&b, '\b'); break;
      case 'f': luaL_addchar(&b, '\f'); break;
      case 'n': luaL_addchar(&b, '\n'); break;
      case 'r': luaL_addchar(&b, '\r'); break;
      case 't': luaL_addchar(&b, '\t'); break;
      case 'u': {
        int cp = hex4(d.data + d.pos, d.len - d.pos);
        bool ok = cp >= 0;
        if (ok) d.pos += 4;
        if (ok && cp >= 0xd800 && cp <= 0xdbff) {
          // A high surrogate must be followed by "\u" and a low one.
          const int lo = (d.pos + 1 < d.len && d.data[d.pos] == '\\' && d.data[d.pos + 1] == 'u')
                             ? hex4(d.data + d.pos + 2, d.len - d.pos - 2)
                             : -1;
          ok = lo >= 0xdc00 && lo <= 0xdfff;
          if (ok) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            d.pos += 6;
          }
        } else if (ok && cp >= 0xdc00 && cp <= 0xdfff) {
          ok = false;
        }
        if (!ok) {
          t->type = Tok::kError;
          t->error = "invalid unicode escape code";
          t->index = esc_at;
          return false;
        }
        add_utf8(&b, static_cast<unsigned>(cp));
        break;
      }
      default:
        t->type = Tok::kError;
        t->error = "invalid escape code";
        t->index = esc_at;
        return false;
    }
  }
  ++d.pos;
  luaL_pushresult(&b);
  t->type = Tok::kString;
  return true;
}

// Reads the next token; a string or number token leaves its value pushed.
Token next_token(Decoder& d) {
  while (d.pos < d.len && (d.data[d.pos] == ' ' || d.data[d.pos] == '\t' || d.data[d.pos] == '\n' ||
                           d.data[d.pos] == '\r'))
    ++d.pos;
  Token t{Tok::kEnd, d.pos};
  if (d.pos >= d.len) return t;
  const char c = d.data[d.pos];
  auto single = [&](Tok type) {
    ++d.pos;
    t.type = type;
    return t;
  };
  switch (c) {
    case '{': return single(Tok::kObjBegin);
    case '}': return single(Tok::kObjEnd);
    case '[': return single(Tok::kArrBegin);
    case ']': return single(Tok::kArrEnd);
    case ':': return single(Tok::kColon);
    case ',': return single(Tok::kComma);
    case '"':
      read_string(d, &t);  // on failure the caller raises at once
      return t;
    default: break;
  }
  auto word = [&](const char* w, Tok type) {
    const size_t n = std::strlen(w);
    if (d.len - d.pos >= n && std::memcmp(d.data + d.pos, w, n) == 0) {
      d.pos += n;
      t.type = type;
      return true;
    }
    return false;
  };
  if (word("true", Tok::kBoolean)) {
    lua_pushboolean(d.L, 1);
    return t;
  }
  if (word("false", Tok::kBoolean)) {
    lua_pushboolean(d.L, 0);
    return t;
  }
  if (word("null", Tok::kNull)) {
    lua_pushlightuserdata(d.L, nullptr);
    return t;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    // strtod needs a terminated string; numbers are short, copy at most 64.
    char buf[64];
    size_t n = 0;
    while (d.pos + n < d.len && n < sizeof(buf) - 1 && std::strchr("+-0123456789.eE", d.data[d.pos + n]))
      ++n;
    std::memcpy(buf, d.data + d.pos, n);
    buf[n] = '\0';
    char* end = nullptr;
    const double v = std::strtod(buf, &end);
    if (end == buf) {
      t.type = Tok::kError;
      t.error = "invalid number";
      return t;
    }
    d.pos += static_cast<size_t>(end - buf);
    lua_pushnumber(d.L, v);
    t.type = Tok::kNumber;
    return t;
  }
  t.type = Tok::kError;
  t.error = "invalid token";
  return t;
}

void decode_value(Decoder& d, const Token& t, int depth);

void decode_object(Decoder& d, int depth) {
  lua_newtable(d.L);
  Token t = next_token(d);
  if (t.type == Tok::kObjEnd) return;
  while (true) {
    if (t.type != Tok::kString) fail(d, "object key string", t);
    t = next_token(d);
    if (t.type != Tok::kColon) fail(d, "colon", t);
    decode_value(d, next_token(d), depth);
    lua_rawset(d.L, -3);
    t = next_token(d);
    if (t.type == Tok::kObjEnd) return;
    if (t.type != Tok::kComma) fail(d, "comma or object end", t);
    t = next_token(d);
  }
}

void decode_array(Decoder& d, int depth) {
  lua_newtable(d.L);
  Token t = next_token(d);
  if (t.type == Tok::kArrEnd) return;
  for (int i = 1;; ++i) {
    decode_value(d, t, depth);
    lua_rawseti(d.L, -2, i);
    t = next_token(d);
    if (t.type == Tok::kArrEnd) return;
    if (t.type != Tok::kComma) fail(d, "comma or array end", t);
    t = next_token(d);
  }
}

void decode_value(Decoder& d, const Token& t, int depth) {
  luaL_checkstack(d.L, 4, "too deep");
  switch (t.type) {
    case Tok::kString:
    case Tok::kNumber:
    case Tok::kBoolean:
    case Tok::kNull:
      return;  // already pushed by next_token
    case Tok::kObjBegin:
    case Tok::kArrBegin:
      if (depth >= kMaxDepth)
        luaL_error(d.L, "Found too many nested data structures (%d) at character %d", depth + 1,
                   static_cast<int>(t.index + 1));
      if (t.type == Tok::kObjBegin) decode_object(d, depth + 1);
      else decode_array(d, depth + 1);
      return;
    default:
      fail(d, "value", t);
  }
}

int cjson_decode(lua_State* L) {
  luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  Decoder d{L, s, len, 0};
  decode_value(d, next_token(d), 0);
  const Token end = next_token(d);
  if (end.type != Tok::kEnd) fail(d, "the end", end);
  return 1;
}

}  // namespace

int open_cjson(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, outbuf_gc);
  lua_setfield(L, -2, "__gc");
  lua_setfield(L, LUA_REGISTRYINDEX, "shardis.cjson.buf");
  static const luaL_Reg kFuncs[] = {{"encode", cjson_encode}, {"decode", cjson_decode}, {nullptr, nullptr}};
  luaL_register(L, "cjson", kFuncs);
  lua_pushlightuserdata(L, nullptr);
  lua_setfield(L, -2, "null");
  lua_pushliteral(L, "cjson");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "2.1.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace shardis::lua
