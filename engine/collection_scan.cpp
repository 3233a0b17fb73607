#include "engine/collection_scan.hpp"

#include "engine/glob.hpp"
#include "protocol/text.hpp"

namespace shardis {

bool parse_scan_cursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    if (++i == s.size()) return false;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? 0 - v : v;
  return true;
}

void ScanBatch::reply(ExecContext& ctx, uint64_t cursor, const std::string* pattern) const {
  std::vector<const std::string*> kept;
  kept.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); i += width_) {
    if (pattern && !glob_match(*pattern, items_[i])) continue;
    for (size_t j = i; j < i + width_; ++j) kept.push_back(&items_[j]);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(cursor));
  ctx.reply.array(kept.size());
  for (const std::string* s : kept) ctx.reply.bulk(*s);
}

bool read_scan_request(ExecContext& ctx, const Args& args, ValueType type, Entry** found,
                       ScanRequest* req) {
  if (!parse_scan_cursor(args[2], &req->cursor)) {
    ctx.reply.error(err::kCursor);
    return false;
  }
  Entry* e = ctx.db(args[1]).lookup_read(args[1], ctx.now_ms);
  if (!e) {
    ctx.reply.array(2);
    ctx.reply.bulk("0");
    ctx.reply.array(0);
    return false;
  }
  if (e->type != type) {
    ctx.reply.error(err::kWrongType);
    return false;
  }
  for (size_t i = 3; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (iequals(args[i], "count") && has_value) {
      if (!string_to_ll(args[i + 1], &req->count)) {
        ctx.reply.error(err::kNotInteger);
        return false;
      }
      if (req->count < 1) {
        ctx.reply.error(err::kSyntax);
        return false;
      }
    } else if (iequals(args[i], "match") && has_value) {
      req->pattern = args[i + 1] == "*" ? nullptr : &args[i + 1];
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  *found = e;
  return true;
}

}  // namespace shardis
