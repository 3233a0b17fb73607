#include "engine/scripting_api.hpp"
#include "protocol/text.hpp"

namespace shardis {

namespace {

// Script ids are compared in lower case, as Redis (EVALSHA accepts either):
// lower-cases a 40-digit sha into buf.
std::string_view lower_sha(std::string_view sha, char (&buf)[40]) {
  for (size_t i = 0; i < 40; ++i) buf[i] = ascii_lower(sha[i]);
  return {buf, 40};
}

}  // namespace

std::string ScriptCache::add(std::string_view body) {
  std::string sha = sha1_hex(body);
  std::lock_guard<std::mutex> lock(mu_);
  if (scripts_.find(sha) == scripts_.end()) {
    auto script = std::make_shared<const CachedScript>(CachedScript{sha, std::string(body)});
    by_body_.emplace(script->body, script->sha);
    scripts_.emplace(script->sha, std::move(script));
    bytes_ += body.size();
  }
  return sha;
}

bool ScriptCache::sha_of(std::string_view body, std::string* sha) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_body_.find(body);
  if (it == by_body_.end()) return false;
  sha->assign(it->second);
  return true;
}

bool ScriptCache::get(std::string_view sha, std::shared_ptr<const CachedScript>* script) const {
  if (sha.size() != 40) return false;
  char buf[40];
  const std::string_view key = lower_sha(sha, buf);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(key);
  if (it == scripts_.end()) return false;
  *script = it->second;
  return true;
}

bool ScriptCache::exists(std::string_view sha) const {
  if (sha.size() != 40) return false;
  char buf[40];
  const std::string_view key = lower_sha(sha, buf);
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.find(key) != scripts_.end();
}

void ScriptCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  by_body_.clear();
  scripts_.clear();
  bytes_ = 0;
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

size_t ScriptCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.size();
}

size_t ScriptCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace shardis
