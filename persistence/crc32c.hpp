#pragma once
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// checkpoint records and images. Table-driven, one byte per step: a
// checkpoint is bounded by disk speed, not by this loop.

#include <cstdint>
#include <string_view>

namespace shardis {

// The CRC32C of the bytes that gave `crc` followed by `data`: chaining
// calls over pieces gives the CRC of their concatenation. Start from 0.
uint32_t crc32c_extend(uint32_t crc, std::string_view data);

inline uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data);
}

}  // namespace shardis
