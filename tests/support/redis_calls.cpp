#include "support/redis_calls.hpp"

#include <random>

#include "engine/scripting_api.hpp"

namespace shardis::test {
namespace {

// hiredis wants parallel arrays of pointers and lengths.
struct ArgvView {
  explicit ArgvView(const Args& args) {
    for (const auto& a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

}  // namespace

std::string_view to_string(StoreStatus status) {
  switch (status) {
    case StoreStatus::kOk:
      return "ok";
    case StoreStatus::kNotFound:
      return "not found";
    case StoreStatus::kMismatch:
      return "mismatch";
    case StoreStatus::kAlreadyExists:
      return "already exists";
    case StoreStatus::kError:
      return "error";
  }
  return "?";
}

ReplyPtr command(redisContext* ctx, const Args& args) {
  ArgvView v(args);
  return ReplyPtr(
      static_cast<redisReply*>(redisCommandArgv(ctx, v.argc(), v.ptrs.data(), v.lens.data())));
}

bool append_command(redisContext* ctx, const Args& args) {
  ArgvView v(args);
  return redisAppendCommandArgv(ctx, v.argc(), v.ptrs.data(), v.lens.data()) == REDIS_OK;
}

ReplyPtr read_reply(redisContext* ctx) {
  void* r = nullptr;
  if (redisGetReply(ctx, &r) != REDIS_OK) return nullptr;
  return ReplyPtr(static_cast<redisReply*>(r));
}

std::string describe(redisContext* ctx, const redisReply* reply) {
  if (reply == nullptr) return std::string("(io error: ") + ctx->errstr + ")";
  return render(reply);
}

bool is_error_code(const redisReply* reply, std::string_view code) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ERROR) return false;
  std::string_view text(reply->str, reply->len);
  return text.substr(0, code.size()) == code &&
         (text.size() == code.size() || text[code.size()] == ' ');
}

std::string random_hex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string out;
  for (size_t i = 0; i < digits; ++i) out += kHex[rng() % 16];
  return out;
}

// ---------------------------------------------------------------------------
// LuaScript

LuaScript::LuaScript(std::string source) : source_(std::move(source)), sha_(sha1_hex(source_)) {}

Args LuaScript::call_args(std::string_view verb, const std::string& body, const Args& keys,
                          const Args& argv) const {
  Args args{std::string(verb), body, std::to_string(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

ReplyPtr LuaScript::run(redisContext* ctx, const Args& keys, const Args& argv) const {
  return retry_if_noscript(ctx, command(ctx, call_args("EVALSHA", sha_, keys, argv)), keys, argv);
}

bool LuaScript::append(redisContext* ctx, const Args& keys, const Args& argv) const {
  return append_command(ctx, call_args("EVALSHA", sha_, keys, argv));
}

ReplyPtr LuaScript::retry_if_noscript(redisContext* ctx, ReplyPtr reply, const Args& keys,
                                      const Args& argv) const {
  if (!is_error_code(reply.get(), "NOSCRIPT")) return reply;
  return command(ctx, call_args("EVAL", source_, keys, argv));
}

}  // namespace shardis::test
