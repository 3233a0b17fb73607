#include "engine/random_pick.hpp"

#include <cstdint>

#include "engine/errors.hpp"
#include "engine/exec_context.hpp"
#include "protocol/text.hpp"

namespace shardis {

bool parse_random_count(ExecContext& ctx, const std::string& arg, int64_t* count) {
  if (!string_to_ll(arg, count)) {
    ctx.reply.error(err::kNotInteger);
    return false;
  }
  // -LONG_MIN would not fit: Redis reads the count in -LONG_MAX..LONG_MAX.
  if (*count == INT64_MIN) {
    ctx.reply.error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return false;
  }
  return true;
}

}  // namespace shardis
