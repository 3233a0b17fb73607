// shardis-checkpoint: verify, describe and dump a checkpoint file offline
// (docs/tools.md). Every command verifies the file in a child process
// first (verify_checkpoint_isolated), so a damaged file makes the tool
// report corruption instead of crashing it.

#include <sys/stat.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

#include "engine/value.hpp"
#include "persistence/checkpoint.hpp"

namespace {

using shardis::CheckpointInfo;
using shardis::DecodedRecord;
using shardis::ValueType;

constexpr int kOk = 0;
constexpr int kCorrupt = 1;
constexpr int kUsage = 2;

int usage() {
  std::fputs(
      "usage: shardis-checkpoint verify <file>\n"
      "       shardis-checkpoint info <file>\n"
      "       shardis-checkpoint dump <file> [--json]\n",
      stderr);
  return kUsage;
}

// A quoted string. Text (redis-cli's quoting): printable ASCII as is, the
// usual escapes, \xHH for other bytes. JSON: a byte outside printable ASCII
// becomes \u0000-\u00ff, so taking each code point of the decoded string
// as one byte gives the bytes back exactly.
std::string quoted(std::string_view s, bool json) {
  static constexpr std::string_view kNamed = "\n\r\t\a\b";
  static constexpr std::string_view kLetters = "nrtab";
  std::string out = "\"";
  for (unsigned char c : s) {
    const size_t named = json ? std::string_view::npos : kNamed.find(static_cast<char>(c));
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (named != std::string_view::npos) {
      out += '\\';
      out += kLetters[named];
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, json ? "\\u%04x" : "\\x%02x", c);
      out += esc;
    }
  }
  return out + "\"";
}

// %.17g round-trips every double; infinities as Redis prints them.
std::string score_text(double d) {
  if (d == std::numeric_limits<double>::infinity()) return "inf";
  if (d == -std::numeric_limits<double>::infinity()) return "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string time_text(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string text_line(const DecodedRecord& r) {
  std::string line = "db" + std::to_string(r.db) + " " + std::string(shardis::type_name(r.type)) +
                     " " + quoted(r.key, false);
  for (const auto& [f, v] : r.fields) line += " " + quoted(f, false) + " " + quoted(v, false);
  for (const auto& [m, score] : r.members) line += " " + quoted(m, false) + " " + score_text(score);
  for (std::string_view item : r.items) line += " " + quoted(item, false);  // set, list
  if (r.type == ValueType::kString) line += " " + quoted(r.str, false);
  if (r.expire_at_ms != shardis::kNoExpiry)
    line += " expire_at_ms=" + std::to_string(r.expire_at_ms);
  return line;
}

std::string json_line(const DecodedRecord& r) {
  std::string line = "{\"db\":" + std::to_string(r.db) + ",\"type\":\"" +
                     std::string(shardis::type_name(r.type)) + "\",\"key\":" + quoted(r.key, true) +
                     ",\"expire_at_ms\":" + std::to_string(r.expire_at_ms) + ",\"value\":";
  if (r.type == ValueType::kString) return line + quoted(r.str, true) + "}";
  std::string items;
  for (const auto& [f, v] : r.fields) items += ",[" + quoted(f, true) + "," + quoted(v, true) + "]";
  for (const auto& [m, score] : r.members) {
    const std::string s = score_text(score);
    // JSON has no infinity: those two scores go as strings.
    items += ",[" + quoted(m, true) + "," + (std::isinf(score) ? "\"" + s + "\"" : s) + "]";
  }
  for (std::string_view item : r.items) items += "," + quoted(item, true);  // set, list
  if (!items.empty()) items.erase(0, 1);
  return line + "[" + items + "]}";
}

bool verify(const std::string& path, CheckpointInfo* info) {
  std::string error;
  if (shardis::verify_checkpoint_isolated(path, info, &error)) return true;
  std::fprintf(stderr, "%s: CORRUPT: %s\n", path.c_str(), error.c_str());
  return false;
}

int run_verify(const std::string& path) {
  CheckpointInfo info;
  if (!verify(path, &info)) return kCorrupt;
  std::printf("%s: OK (format version %" PRIu32 ", %" PRIu64 " keys)\n", path.c_str(),
              info.format_version, info.total_keys);
  return kOk;
}

int run_info(const std::string& path) {
  CheckpointInfo info;
  if (!verify(path, &info)) return kCorrupt;
  std::printf("format_version: %" PRIu32 "\n", info.format_version);
  std::printf("created: %s (%" PRId64 " ms)\n", time_text(info.created_ms).c_str(),
              info.created_ms);
  std::printf("file_size: %" PRIu64 "\n", info.file_size);
  std::printf("image_crc32c: %08" PRIx32 "\n", info.image_crc);
  std::printf("keys: %" PRIu64 "\n", info.total_keys);
  for (size_t db = 0; db < info.keys_per_db.size(); ++db) {
    if (info.keys_per_db[db] != 0)
      std::printf("db%zu: keys=%" PRIu64 "\n", db, info.keys_per_db[db]);
  }
  for (size_t t = 0; t < info.keys_per_type.size(); ++t) {
    const auto name = shardis::type_name(static_cast<ValueType>(t));
    std::printf("type %.*s: %" PRIu64 "\n", static_cast<int>(name.size()), name.data(),
                info.keys_per_type[t]);
  }
  return kOk;
}

int run_dump(const std::string& path, bool json) {
  CheckpointInfo info;
  if (!verify(path, &info)) return kCorrupt;
  std::string error;
  const bool ok = shardis::for_each_record(
      path,
      [&](const DecodedRecord& r, std::string*) {
        std::puts((json ? json_line(r) : text_line(r)).c_str());
        return true;
      },
      &error);
  if (ok) return kOk;
  std::fprintf(stderr, "%s: CORRUPT: %s\n", path.c_str(), error.c_str());
  return kCorrupt;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string_view cmd = argv[1];
  const std::string path = argv[2];
  if (cmd == "verify" && argc == 3) return run_verify(path);
  if (cmd == "info" && argc == 3) return run_info(path);
  if (cmd == "dump" && argc == 3) return run_dump(path, false);
  if (cmd == "dump" && argc == 4 && std::string_view(argv[3]) == "--json")
    return run_dump(path, true);
  return usage();
}
