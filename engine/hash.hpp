#pragma once
// Hash functions used by the keyspace. No CAF, no engine state.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace shardis {

// 64-bit multiply-xorshift hash over 8-byte words; good spread for the
// power-of-two tables of Dict and cheap for the short keys Redis users have.
inline uint64_t hash_bytes(std::string_view s, uint64_t seed = 0x243F6A8885A308D3ULL) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (n * kMul);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w *= 0xC2B2AE3D27D4EB4FULL;
    w ^= w >> 31;
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ (tail * 0x165667B19E3779F9ULL)) * kMul;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h;
}

// CRC16-CCITT (XModem), the checksum Redis Cluster uses for key slots.
uint16_t crc16(std::string_view s);

// Redis Cluster's slot of a key, honouring {hash tags}: if the key holds a
// '{' followed later by a '}' with at least one byte between them, only the
// bytes between the first '{' and the next '}' are hashed.
uint16_t key_hash_slot(std::string_view key);

constexpr int kClusterSlots = 16384;

}  // namespace shardis
