// The "bit" library Redis bundles (LuaBitOp's API): 32-bit operations on
// Lua numbers. A number becomes an int32 by wrapping modulo 2^32 after
// rounding, and results come back as signed 32-bit values.

#include <cmath>
#include <cstdint>
#include <cstring>

#include "scripting/lua_internal.hpp"

namespace shardis::lua {

namespace {

uint32_t arg_bits(lua_State* L, int i) {
  // Adding 2^52 + 2^51 puts the rounded integer part in the low mantissa
  // bits, which is LuaBitOp's wrap-around conversion.
  const double d = luaL_checknumber(L, i) + 6755399441055744.0;
  uint64_t raw = 0;
  std::memcpy(&raw, &d, sizeof(raw));
  return static_cast<uint32_t>(raw);
}

int push_bits(lua_State* L, uint32_t v) {
  lua_pushnumber(L, static_cast<lua_Number>(static_cast<int32_t>(v)));
  return 1;
}

int bit_tobit(lua_State* L) { return push_bits(L, arg_bits(L, 1)); }
int bit_bnot(lua_State* L) { return push_bits(L, ~arg_bits(L, 1)); }

template <class Op>
int fold(lua_State* L, Op op) {
  uint32_t v = arg_bits(L, 1);
  for (int i = lua_gettop(L); i > 1; --i) v = op(v, arg_bits(L, i));
  return push_bits(L, v);
}

int bit_band(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a & b; }); }
int bit_bor(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a | b; }); }
int bit_bxor(lua_State* L) { return fold(L, [](uint32_t a, uint32_t b) { return a ^ b; }); }

int shift_count(lua_State* L) { return static_cast<int>(arg_bits(L, 2) & 31); }

int bit_lshift(lua_State* L) { return push_bits(L, arg_bits(L, 1) << shift_count(L)); }
int bit_rshift(lua_State* L) { return push_bits(L, arg_bits(L, 1) >> shift_count(L)); }
int bit_arshift(lua_State* L) {
  const int n = shift_count(L);
  const int32_t v = static_cast<int32_t>(arg_bits(L, 1));
  return push_bits(L, static_cast<uint32_t>(v >> n));
}
int bit_rol(lua_State* L) {
  const uint32_t v = arg_bits(L, 1);
  const int n = shift_count(L);
  return push_bits(L, n == 0 ? v : (v << n) | (v >> (32 - n)));
}
int bit_ror(lua_State* L) {
  const uint32_t v = arg_bits(L, 1);
  const int n = shift_count(L);
  return push_bits(L, n == 0 ? v : (v >> n) | (v << (32 - n)));
}
int bit_bswap(lua_State* L) {
  const uint32_t v = arg_bits(L, 1);
  return push_bits(L, (v >> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24));
}

// tohex(x [, n]): n hex digits (default 8, at most 8), upper case when n < 0.
int bit_tohex(lua_State* L) {
  uint32_t v = arg_bits(L, 1);
  int32_t n = lua_isnoneornil(L, 2) ? 8 : static_cast<int32_t>(arg_bits(L, 2));
  const char* digits = "0123456789abcdef";
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  char buf[8];
  for (int i = n - 1; i >= 0; --i) {
    buf[i] = digits[v & 15];
    v >>= 4;
  }
  lua_pushlstring(L, buf, static_cast<size_t>(n));
  return 1;
}

}  // namespace

int open_bit(lua_State* L) {
  static const luaL_Reg kFuncs[] = {
      {"tobit", bit_tobit},   {"bnot", bit_bnot},     {"band", bit_band},
      {"bor", bit_bor},       {"bxor", bit_bxor},     {"lshift", bit_lshift},
      {"rshift", bit_rshift}, {"arshift", bit_arshift}, {"rol", bit_rol},
      {"ror", bit_ror},       {"bswap", bit_bswap},   {"tohex", bit_tohex},
      {nullptr, nullptr}};
  luaL_register(L, "bit", kFuncs);
  return 1;
}

}  // namespace shardis::lua
