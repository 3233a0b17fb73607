#pragma once
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// checkpoint records and images. With SSE4.2 (every x86-64 server of the
// last decade) the CPU's crc32 instruction, 8 bytes at a time; otherwise a
// table, a byte at a time. Measured: the table took 42% of a restore's CPU
// time (the verification reads every byte, then the load again).

#include <cstdint>
#include <string_view>

namespace shardis {

// The CRC32C of the bytes that gave `crc` followed by `data`: chaining
// calls over pieces gives the CRC of their concatenation. Start from 0.
uint32_t crc32c_extend(uint32_t crc, std::string_view data);
// The table version, whatever the CPU: the reference the unit tests
// compare the fast one with.
uint32_t crc32c_extend_portable(uint32_t crc, std::string_view data);

inline uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data);
}

}  // namespace shardis
