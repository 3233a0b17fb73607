#pragma once
// Long doubles read and written exactly as Redis does for INCRBYFLOAT and
// HINCRBYFLOAT (string2ld, ld2string in human-friendly mode).

#include <string>
#include <string_view>

namespace shardis {

// strtold over the whole string, rejecting leading space, trailing bytes,
// overflow, underflow to zero and NaN. "inf" and hex floats pass, as they
// do in Redis.
bool parse_long_double(std::string_view s, long double* out);

// 17 decimals, then trailing zeros (and a bare '.') removed, and "-0"
// printed as "0".
std::string format_long_double(long double v);

}  // namespace shardis
