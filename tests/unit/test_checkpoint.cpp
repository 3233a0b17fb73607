// Checkpoints: the record format (pinned bytes, CRC32C), and real LMDB
// files written, verified, corrupted, loaded and quarantined in temp dirs.

#include <lmdb.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/hash_type.hpp"
#include "engine/list_type.hpp"
#include "engine/set_type.hpp"
#include "engine/shard.hpp"
#include "engine/value.hpp"
#include "engine/zset_type.hpp"
#include "persistence/checkpoint.hpp"
#include "persistence/crc32c.hpp"
#include "persistence/meta.hpp"
#include "persistence/record.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace shardis;
using shardis::test::TempDir;

constexpr int64_t kNow = 1700000000000;
constexpr int kDbs = 16;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Building and comparing keyspaces
// ---------------------------------------------------------------------------

void expire_at(Db& d, std::string_view key, Entry& e, int64_t at) {
  if (at != kNoExpiry) d.set_expire(key, e, at);
}

void put_string(ShardSet& s, int db, const std::string& key, std::string value,
                int64_t at = kNoExpiry) {
  Db& d = s.shard_for(key).db(db);
  expire_at(d, key, d.set_string(key, std::move(value)), at);
}

void put_hash(ShardSet& s, int db, const std::string& key,
              const std::vector<std::pair<std::string, std::string>>& fields,
              int64_t at = kNoExpiry) {
  Db& d = s.shard_for(key).db(db);
  Entry& e = *d.insert(key).first;
  auto& h = e.make_object<HashType>();
  for (const auto& [f, v] : fields) h.set(f, v);
  expire_at(d, key, e, at);
}

void put_zset(ShardSet& s, int db, const std::string& key,
              const std::vector<std::pair<std::string, double>>& members, int64_t at = kNoExpiry) {
  Db& d = s.shard_for(key).db(db);
  Entry& e = *d.insert(key).first;
  auto& z = e.make_object<ZSetType>();
  for (const auto& [m, score] : members) z.set(m, score);
  expire_at(d, key, e, at);
}

void put_set(ShardSet& s, int db, const std::string& key, const std::vector<std::string>& members,
             int64_t at = kNoExpiry) {
  Db& d = s.shard_for(key).db(db);
  Entry& e = *d.insert(key).first;
  auto& set = e.make_object<SetType>();
  for (const std::string& m : members) set.add(m, SetType::kDefaultMaxIntsetEntries);
  e.encoding = set.encoding();
  expire_at(d, key, e, at);
}

void put_list(ShardSet& s, int db, const std::string& key, const std::vector<std::string>& items,
              int64_t at = kNoExpiry) {
  Db& d = s.shard_for(key).db(db);
  Entry& e = *d.insert(key).first;
  auto& l = e.make_object<ListType>();
  for (const std::string& item : items) l.push(ListType::End::kTail, item);
  expire_at(d, key, e, at);
}

// Every key of every db as "db|key" -> its type, expiry and value, written
// straight from the entries (not through the record code under test);
// scores as their bit patterns so -0 and 0 differ.
std::map<std::string, std::string> contents(ShardSet& s) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < s.size(); ++i) {
    for (int db = 0; db < s.databases(); ++db) {
      s.shard(i).db(db).keys().for_each([&](Db::Node& n) {
        const Entry& e = n.value;
        std::string v = std::to_string(static_cast<int>(e.type)) +
                        " exp=" + std::to_string(e.expire_at_ms) + " ";
        if (e.type == ValueType::kString) {
          v += e.str;
        } else if (e.type == ValueType::kHash) {
          std::map<std::string, std::string> sorted;
          e.object<HashType>().for_each(
              [&](std::string_view f, std::string_view val) { sorted[std::string(f)] = val; });
          for (const auto& [f, val] : sorted) v += f + "=" + val + ";";
        } else if (e.type == ValueType::kSet) {
          std::set<std::string> sorted;
          e.object<SetType>().for_each(
              [&](std::string_view m) { sorted.emplace(m); });
          v += std::string(encoding_name(e)) + " ";
          for (const std::string& m : sorted) v += std::to_string(m.size()) + ":" + m + ";";
        } else if (e.type == ValueType::kList) {
          const auto& l = e.object<ListType>();
          for (ListType::Iterator it = l.begin(); !it.done(); it.next())
            v += std::to_string(it.value().size()) + ":" + std::string(it.value()) + ";";
        } else {
          const auto& z = e.object<ZSetType>();
          z.walk(0, z.size(), false, [&](std::string_view member, double score) {
            uint64_t bits;
            std::memcpy(&bits, &score, sizeof bits);
            v += std::string(member) + "@" + std::to_string(bits) + ";";
            return true;
          });
        }
        out[std::to_string(db) + "|" + std::string(n.key())] = v;
      });
    }
  }
  return out;
}

// Writes every key of s (expired ones too: the loader must drop them).
bool save(ShardSet& s, const std::string& path, std::string* error,
          size_t initial_map = CheckpointWriter::kDefaultInitialMapSize, size_t max_map = 0) {
  auto w = CheckpointWriter::open(path, initial_map, error);
  if (!w) return false;
  w->set_max_map_size(max_map);
  bool ok = true;
  for (size_t i = 0; i < s.size(); ++i) {
    for (int db = 0; db < s.databases(); ++db) {
      s.shard(i).db(db).keys().for_each(
          [&](Db::Node& n) { ok = ok && w->put(encode_record(db, n.key(), n.value), error); });
    }
  }
  return ok && w->commit({kNow, s.databases()}, error);
}

// Every type, binary keys and values, special scores, TTLs in the future,
// already past, and past by the time the test loads.
void populate_all_types(ShardSet& s) {
  put_string(s, 0, "plain", "value");
  put_string(s, 0, "int", "12345");
  put_string(s, 0, std::string("bin\0key\xff", 8), std::string("\0\r\n\xfe", 4));
  put_string(s, 0, "", "empty key");
  put_string(s, 0, "empty-value", "");
  put_string(s, 1, "ttl", "soon", kNow + 60000);
  put_string(s, 1, "gone", "expired", kNow - 1);
  put_string(s, 1, "dies-before-load", "x", kNow + 10);
  put_hash(s, 2, "h", {{"f1", "v1"}, {"f2", ""}, {std::string("\0", 1), "nul"}});
  put_hash(s, 2, "h-ttl", {{"a", "b"}}, kNow + 5000);
  put_hash(s, 2, "h-gone", {{"a", "b"}}, kNow - 5000);
  put_zset(s, 3, "z",
           {{"neg-inf", -kInf},
            {"zero", 0.0},
            {"pi", 3.141592653589793},
            {"tiny", 5e-324},
            {"inf", kInf},
            {"big", 1.7976931348623157e308}});
  put_zset(s, 15, "z-ttl", {{"m", 1}}, kNow + 1);
  put_list(s, 4, "l", {"head", "", std::string("\0\r\n", 3), "head", "tail"});
  put_list(s, 4, "l-ttl", {"x"}, kNow + 5000);
  put_list(s, 4, "l-gone", {"x"}, kNow - 5000);
  std::vector<std::string> many;  // several nodes, elements of many sizes
  for (int i = 0; i < 3000; ++i) many.push_back(std::string(static_cast<size_t>(i % 97), 'a' + i % 26));
  put_list(s, 5, "l-big", many);
}

uint64_t file_size(const std::string& path) {
  return fs::file_size(path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A record body closed with its correct CRC.
std::string resealed(std::string body) {
  const uint32_t crc = crc32c(body);
  for (int i = 0; i < 4; ++i) body += static_cast<char>((crc >> (8 * i)) & 0xFF);
  return body;
}

// The record of a one-member sorted set, with the score's 8 bytes replaced
// by score: the engine keeps one zero, so -0 and NaN are written by hand.
std::string zset_record_with_score(double score) {
  Entry z;
  z.make_object<ZSetType>().set("m", 1.0);
  std::string body = encode_record(0, "z", z);
  body.resize(body.size() - kRecordCrcSize);
  std::memcpy(&body[body.size() - 8], &score, 8);
  return resealed(body);
}

// A fresh temp dir, the checkpoint's path in it, and an error slot.
struct Scratch {
  TempDir dir{"shardis-ckpt"};
  std::string path = (dir.path() / "dump.lmdb").string();
  std::string error;
};

// ---------------------------------------------------------------------------
// Format: tags, CRC32C, records
// ---------------------------------------------------------------------------

TEST_CASE("checkpoint: type tags are fixed forever", "[checkpoint]") {
  CHECK(static_cast<int>(ValueType::kString) == 0);
  CHECK(static_cast<int>(ValueType::kList) == 1);
  CHECK(static_cast<int>(ValueType::kSet) == 2);
  CHECK(static_cast<int>(ValueType::kZSet) == 3);
  CHECK(static_cast<int>(ValueType::kHash) == 4);
  CHECK(kFormatVersion == 1);
}

TEST_CASE("checkpoint: encoded records are pinned byte for byte", "[checkpoint]") {
  Entry s;
  s.set_string("v");
  s.expire_at_ms = 1700000000123;
  CHECK(hex(encode_record(2, "k", s)) == "00020000007b68e5cf8b010000010000006b01000000764cd83803");

  Entry z;
  z.make_object<ZSetType>().set("m", -2.5);
  CHECK(hex(encode_record(0, "z", z)) ==
        "0300000000ffffffffffffffff010000007a01000000010000006d00000000000004c071006bd6");

  Entry h;
  h.make_object<HashType>().set("f", "vv");
  CHECK(hex(encode_record(1, "h", h)) ==
        "0401000000ffffffffffffffff010000006801000000010000006602000000767635d166ea");

  Entry l;  // elements head first
  l.make_object<ListType>().push(ListType::End::kTail, "a");
  l.object<ListType>().push(ListType::End::kTail, "bc");
  CHECK(hex(encode_record(3, "l", l)) ==
        "0103000000ffffffffffffffff010000006c0200000001000000610200000062638ed98881");
}

TEST_CASE("checkpoint: the CPU's CRC32C equals the table's, in pieces too", "[checkpoint]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string data(rng() % 300, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const size_t cut = data.empty() ? 0 : rng() % data.size();
    const uint32_t whole = crc32c_extend_portable(0, data);
    CHECK(crc32c(data) == whole);
    const std::string_view v(data);
    CHECK(crc32c_extend(crc32c_extend(0, v.substr(0, cut)), v.substr(cut)) == whole);
  }
}

TEST_CASE("checkpoint: CRC32C matches the RFC 3720 vectors", "[checkpoint]") {
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up += static_cast<char>(i);
    down += static_cast<char>(31 - i);
  }
  CHECK(crc32c(up) == 0x46DD794Eu);
  CHECK(crc32c(down) == 0x113FDB5Cu);
  // Chaining pieces gives the CRC of the whole: the image checksum relies on it.
  CHECK(crc32c_extend(crc32c("1234"), "56789") == 0xE3069283u);
}

TEST_CASE("checkpoint: records decode to what was encoded", "[checkpoint]") {
  ShardSet s(1, kDbs);
  populate_all_types(s);
  Db& d = s.shard(0).db(3);
  DecodedRecord rec;
  std::string error;
  const std::string z = encode_record(3, "z", *d.keys().find("z"));
  REQUIRE(decode_record(z, &rec, &error));
  CHECK(rec.db == 3);
  CHECK(rec.key == "z");
  CHECK(rec.type == ValueType::kZSet);
  CHECK(rec.expire_at_ms == kNoExpiry);
  REQUIRE(rec.members.size() == 6);
  CHECK(rec.members[0] == std::make_pair(std::string_view("neg-inf"), -kInf));
  CHECK(rec.members[1].first == "zero");
  CHECK(rec.members[3].first == "pi");
  CHECK(rec.members[3].second == 3.141592653589793);
  CHECK(rec.members[2].second == 5e-324);
  CHECK(rec.members[5] == std::make_pair(std::string_view("inf"), kInf));

  const std::string bin_key("bin\0key\xff", 8);
  Db& d0 = s.shard(0).db(0);
  const std::string bin = encode_record(0, bin_key, *d0.keys().find(bin_key));
  REQUIRE(decode_record(bin, &rec, &error));
  CHECK(rec.key == bin_key);
  CHECK(rec.str == std::string("\0\r\n\xfe", 4));

  Db& d1 = s.shard(0).db(1);
  const std::string ttl = encode_record(1, "ttl", *d1.keys().find("ttl"));
  REQUIRE(decode_record(ttl, &rec, &error));
  CHECK(rec.expire_at_ms == kNow + 60000);

  // Scores are their IEEE-754 bits: even the sign of zero survives.
  const std::string negative_zero = zset_record_with_score(-0.0);
  REQUIRE(decode_record(negative_zero, &rec, &error));
  REQUIRE(rec.members.size() == 1);
  CHECK(rec.members[0].second == 0.0);
  CHECK(std::signbit(rec.members[0].second));
}

TEST_CASE("checkpoint: damaged records are rejected with a reason", "[checkpoint]") {
  Entry h;
  h.make_object<HashType>().set("field", "value");
  const std::string good = encode_record(0, "key", h);
  DecodedRecord rec;
  std::string error;

  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    CHECK_FALSE(decode_record(bad, &rec, &error));
  }
  CHECK_FALSE(decode_record(good.substr(0, good.size() - 1), &rec, &error));
  CHECK(error == "record CRC mismatch");
  CHECK_FALSE(decode_record("", &rec, &error));
  CHECK(error == "record too short");

  // Well-formed CRCs around wrong content: only the structure checks can
  // catch these.
  const std::string body = good.substr(0, good.size() - kRecordCrcSize);
  std::string list = body;
  list[0] = 9;
  CHECK_FALSE(decode_record(resealed(list), &rec, &error));
  CHECK(error == "unknown type tag 9");
  CHECK_FALSE(decode_record(resealed(body + "x"), &rec, &error));
  CHECK(error == "trailing bytes in record");
  CHECK_FALSE(decode_record(resealed(body.substr(0, body.size() - 2)), &rec, &error));
  CHECK(error == "malformed record body");

  CHECK(decode_record(zset_record_with_score(kInf), &rec, &error));
  CHECK_FALSE(decode_record(zset_record_with_score(std::nan("")), &rec, &error));
  CHECK(error == "malformed record body");
}

TEST_CASE("checkpoint: restore_into skips expired keys and replaces old values", "[checkpoint]") {
  Db db;
  Entry e;
  e.set_string("new");
  DecodedRecord rec;
  std::string error;

  const std::string k = encode_record(0, "k", e);
  REQUIRE(decode_record(k, &rec, &error));
  Entry& old = db.set_string("k", "old");
  db.set_expire("k", old, kNow + 1000);
  CHECK(restore_into(db, rec, kNow));
  REQUIRE(db.keys().find("k"));
  CHECK(db.keys().find("k")->str == "new");
  CHECK(db.keys().find("k")->expire_at_ms == kNoExpiry);
  CHECK(db.expires_size() == 0);

  e.expire_at_ms = kNow - 1;  // due a millisecond ago: already expired
  const std::string due_before = encode_record(0, "x", e);
  REQUIRE(decode_record(due_before, &rec, &error));
  CHECK_FALSE(restore_into(db, rec, kNow));
  CHECK_FALSE(db.keys().find("x"));

  e.expire_at_ms = kNow;  // due exactly now: alive through this millisecond, as in Redis
  const std::string due_now = encode_record(0, "x", e);
  REQUIRE(decode_record(due_now, &rec, &error));
  CHECK(restore_into(db, rec, kNow));
  CHECK(db.expires_size() == 1);
}

// ---------------------------------------------------------------------------
// Files: write, verify, load
// ---------------------------------------------------------------------------

TEST_CASE_METHOD(Scratch, "checkpoint: every type round-trips through a file", "[checkpoint]") {
  ShardSet src(4, kDbs);
  populate_all_types(src);
  REQUIRE(save(src, path, &error));
  CHECK_FALSE(fs::exists(path + "-lock"));

  CheckpointInfo info;
  REQUIRE(verify_checkpoint(path, &info, &error));
  CHECK(info.format_version == 1);
  CHECK(info.created_ms == kNow);
  CHECK(info.total_keys == 17);
  REQUIRE(info.keys_per_db.size() == kDbs);
  CHECK(info.keys_per_db[0] == 5);
  CHECK(info.keys_per_db[1] == 3);
  CHECK(info.keys_per_db[2] == 3);
  CHECK(info.keys_per_db[3] == 1);
  CHECK(info.keys_per_db[4] == 3);
  CHECK(info.keys_per_db[5] == 1);
  CHECK(info.keys_per_db[15] == 1);
  CHECK(info.keys_per_type[0] == 8);
  CHECK(info.keys_per_type[1] == 4);
  CHECK(info.keys_per_type[3] == 2);
  CHECK(info.keys_per_type[4] == 3);
  CHECK(info.file_size == file_size(path));

  CheckpointInfo isolated;
  REQUIRE(verify_checkpoint_isolated(path, &isolated, &error));
  CHECK(isolated.total_keys == info.total_keys);
  CHECK(isolated.keys_per_db == info.keys_per_db);
  CHECK(isolated.keys_per_type == info.keys_per_type);
  CHECK(isolated.image_crc == info.image_crc);

  // A different shard count: keys land where the new ShardSet routes them.
  ShardSet dst(3, kDbs);
  LoadStats stats;
  const int64_t load_now = kNow + 1000;
  REQUIRE(load_checkpoint(path, dst, load_now, &stats, nullptr, &error));
  CHECK(stats.records == 17);
  CHECK(stats.skipped == 5);  // gone, h-gone, dies-before-load, z-ttl, l-gone
  CHECK(stats.loaded == 12);

  auto expected = contents(src);
  for (const char* dead : {"1|gone", "2|h-gone", "1|dies-before-load", "15|z-ttl", "4|l-gone"}) {
    REQUIRE(expected.erase(dead) == 1);
  }
  CHECK(contents(dst) == expected);
  for (size_t i = 0; i < dst.size(); ++i) {
    dst.shard(i).db(0).keys().for_each([&](Db::Node& n) { CHECK(dst.shard_of(n.key()) == i); });
  }
  // The TTL index is rebuilt, not just the entries' fields.
  Db& ttl_db = dst.shard_for("ttl").db(1);
  CHECK(ttl_db.expires_size() == 1);
  CHECK(ttl_db.lookup_read("ttl", kNow + 60000) != nullptr);  // its last millisecond
  CHECK(ttl_db.lookup_read("ttl", kNow + 60001) == nullptr);
}

TEST_CASE_METHOD(Scratch, "checkpoint: sets round-trip in the representation SADD chooses",
                 "[checkpoint][set]") {
  ShardSet src(4, kDbs);
  put_set(src, 0, "ints", {"3", "-7", "9223372036854775807", "-9223372036854775808"});
  put_set(src, 0, "strs", {"a", "1", "", std::string("\0\r\n", 3), "007"});
  std::vector<std::string> many;  // integers, but past set-max-intset-entries
  for (int i = 0; i < 600; ++i) many.push_back(std::to_string(i * 3 - 900));
  put_set(src, 6, "many", many);
  put_set(src, 6, "s-ttl", {"1"}, kNow + 5000);
  put_set(src, 6, "s-gone", {"1"}, kNow - 5000);
  REQUIRE(save(src, path, &error));

  ShardSet dst(3, kDbs);
  LoadStats stats;
  REQUIRE(load_checkpoint(path, dst, kNow + 1000, &stats, nullptr, &error));
  CHECK(stats.loaded == 4);
  CHECK(stats.skipped == 1);
  auto expected = contents(src);
  REQUIRE(expected.erase("6|s-gone") == 1);
  CHECK(contents(dst) == expected);  // members and encoding names
  auto encoding = [&](int db, const std::string& key) {
    return std::string(encoding_name(*dst.shard_for(key).db(db).keys().find(key)));
  };
  CHECK(encoding(0, "ints") == "intset");
  CHECK(encoding(0, "strs") == "hashtable");
  CHECK(encoding(6, "many") == "hashtable");
  CHECK(encoding(6, "s-ttl") == "intset");
}

TEST_CASE_METHOD(Scratch, "checkpoint: a load encodes collections under the limits it is given",
                 "[checkpoint][encoding]") {
  ShardSet src(2, kDbs);
  put_hash(src, 0, "h", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  put_zset(src, 0, "z", {{"a", 1}, {"b", 2}, {"c", 3}});
  put_set(src, 0, "s", {"1", "2", "3"});
  REQUIRE(save(src, path, &error));
  auto encodings = [&](const EncodingLimits& limits) {
    ShardSet dst(2, kDbs);
    REQUIRE(load_checkpoint(path, dst, kNow, nullptr, nullptr, &error, kLoadProgressEvery, limits));
    std::string out;
    for (const char* key : {"h", "z", "s"})
      out += std::string(encoding_name(*dst.shard_for(key).db(0).keys().find(key))) + " ";
    return out;
  };
  CHECK(encodings({}) == "listpack listpack intset ");
  // Three elements are past a limit of 2, as CONFIG SET would make it.
  EncodingLimits small;
  small.hash = {2, 64};
  small.zset = {2, 64};
  small.set_max_intset_entries = 2;
  CHECK(encodings(small) == "hashtable skiplist hashtable ");
  // A value past the length limit alone converts too.
  EncodingLimits short_values;
  short_values.hash = {512, 0};
  short_values.zset = {128, 0};
  CHECK(encodings(short_values) == "hashtable skiplist intset ");
}

TEST_CASE_METHOD(Scratch, "checkpoint: thousands of keys load with progress reports",
                 "[checkpoint]") {
  ShardSet src(4, kDbs);
  for (int i = 0; i < 5000; ++i) {
    const std::string k = "key:" + std::to_string(i);
    if (i % 3 == 0)
      put_hash(src, i % 4, k, {{"f", k}, {"g", std::to_string(i)}});
    else if (i % 3 == 1)
      put_zset(src, i % 4, k, {{k, i * 0.5}, {"x", -i}});
    else
      put_string(src, i % 4, k, std::string(static_cast<size_t>(i % 300), 'v'), kNow + i);
  }
  REQUIRE(save(src, path, &error));
  CheckpointInfo info;
  REQUIRE(verify_checkpoint_isolated(path, &info, &error));
  CHECK(info.total_keys == 5000);

  ShardSet dst(4, kDbs);
  std::vector<uint64_t> reports;
  LoadStats stats;
  REQUIRE(load_checkpoint(
      path, dst, kNow, &stats, [&](const LoadStats& s) { reports.push_back(s.records); }, &error,
      1000));
  CHECK(reports == std::vector<uint64_t>{1000, 2000, 3000, 4000, 5000, 5000});
  CHECK(stats.loaded == 5000);
  CHECK(contents(dst) == contents(src));
}

TEST_CASE_METHOD(Scratch,
                 "checkpoint: a new checkpoint replaces the old one without growing the file",
                 "[checkpoint]") {
  std::vector<uint64_t> sizes;
  ShardSet src(2, kDbs);
  for (int round = 0; round < 5; ++round) {
    src.shard(0).db(0).clear();
    src.shard(1).db(0).clear();
    for (int i = 0; i < 2000; ++i) {
      put_string(src, 0, "r" + std::to_string(round) + ":" + std::to_string(i),
                 std::string(200, static_cast<char>('a' + round)));
    }
    REQUIRE(save(src, path, &error));
    sizes.push_back(file_size(path));
    ShardSet dst(2, kDbs);
    REQUIRE(load_checkpoint(path, dst, kNow, nullptr, nullptr, &error));
    CHECK(contents(dst) == contents(src));  // only this round's keys
  }
  // LMDB reuses the pages of the image two commits back, so the file
  // settles near three images; without the drop it would grow by one
  // image per checkpoint (5x by now).
  INFO("sizes: " << sizes[0] << " " << sizes[1] << " " << sizes[2] << " " << sizes[3] << " "
                 << sizes[4]);
  CHECK(sizes[4] <= sizes[0] * 7 / 2);
  CHECK(sizes[4] <= sizes[3] + sizes[0] / 4);
}

TEST_CASE_METHOD(Scratch, "checkpoint: a full map grows and the image is written again",
                 "[checkpoint]") {
  ShardSet src(1, kDbs);
  // About 4 MB against a 1 MiB map (LMDB's smallest default): grows twice.
  for (int i = 0; i < 8000; ++i) put_string(src, 0, "k" + std::to_string(i), std::string(500, 'x'));
  auto w = CheckpointWriter::open(path, 64 << 10, &error);
  REQUIRE(w);
  const size_t initial = w->map_size();
  src.shard(0).db(0).keys().for_each(
      [&](Db::Node& n) { REQUIRE(w->put(encode_record(0, n.key(), n.value), &error)); });
  REQUIRE(w->commit({kNow, kDbs}, &error));
  const size_t grown = w->map_size();
  CHECK(grown >= initial * 4);
  w.reset();
  // The next save starts from the size this one reached.
  w = CheckpointWriter::open(path, 64 << 10, &error);
  REQUIRE(w);
  CHECK(w->map_size() == grown);
  w.reset();

  ShardSet dst(1, kDbs);
  REQUIRE(load_checkpoint(path, dst, kNow, nullptr, nullptr, &error));
  CHECK(contents(dst) == contents(src));
}

TEST_CASE_METHOD(Scratch,
                 "checkpoint: a map full at the maximum fails cleanly and keeps the old image",
                 "[checkpoint]") {
  ShardSet small(1, kDbs);
  populate_all_types(small);
  REQUIRE(save(small, path, &error, 64 << 10, 2 << 20));

  ShardSet big(1, kDbs);
  for (int i = 0; i < 4000; ++i)
    put_string(big, 0, "k" + std::to_string(i), std::string(1000, 'x'));
  CHECK_FALSE(save(big, path, &error, 64 << 10, 2 << 20));
  CHECK_THAT(error, Catch::Contains("map full at the maximum map size"));

  CheckpointInfo info;
  REQUIRE(verify_checkpoint_isolated(path, &info, &error));
  CHECK(info.total_keys == 17);
  ShardSet dst(1, kDbs);
  REQUIRE(load_checkpoint(path, dst, kNow - 10000, nullptr, nullptr, &error));
  CHECK(contents(dst) == contents(small));
}

TEST_CASE_METHOD(Scratch, "checkpoint: an uncommitted writer leaves the previous image",
                 "[checkpoint]") {
  ShardSet first(1, kDbs);
  put_string(first, 0, "first", "1");
  REQUIRE(save(first, path, &error));
  {
    auto w = CheckpointWriter::open(path, 1 << 20, &error);
    REQUIRE(w);
    Entry e;
    e.set_string("2");
    REQUIRE(w->put(encode_record(0, "second", e), &error));
    // A second writer (another server on the same file) is refused.
    CHECK_FALSE(CheckpointWriter::open(path, 1 << 20, &error));
    CHECK_THAT(error, Catch::Contains("in use"));
  }
  ShardSet dst(1, kDbs);
  REQUIRE(load_checkpoint(path, dst, kNow, nullptr, nullptr, &error));
  CHECK(contents(dst) == contents(first));
}

// ---------------------------------------------------------------------------
// Corruption
// ---------------------------------------------------------------------------

// A checkpoint with a few hundred keys, one of them large enough for LMDB
// overflow pages, as bytes.
std::string good_image(const TempDir& dir) {
  const std::string path = (dir.path() / "good.lmdb").string();
  ShardSet src(1, kDbs);
  for (int i = 0; i < 300; ++i)
    put_string(src, i % 3, "key" + std::to_string(i), "VALUE-" + std::to_string(i));
  put_string(src, 0, "large", std::string(20000, 'L'));
  std::string error;
  REQUIRE(save(src, path, &error));
  return read_file(path);
}

// The error verification gave (after checking that it failed).
std::string expect_corrupt(const std::string& path, const std::string& what) {
  CheckpointInfo info;
  std::string error;
  INFO(what);
  CHECK_FALSE(verify_checkpoint_isolated(path, &info, &error));
  CHECK_FALSE(error.empty());
  return error;
}

TEST_CASE("checkpoint: truncated files are reported corrupt", "[checkpoint]") {
  TempDir dir("shardis-ckpt");
  const std::string image = good_image(dir);
  const std::string path = (dir.path() / "cut.lmdb").string();
  for (size_t len : {size_t{0}, size_t{100}, size_t{4096}, size_t{8192 + 17}, image.size() / 2,
                     image.size() - 4096, image.size() - 1}) {
    write_file(path, image.substr(0, len));
    expect_corrupt(path, "truncated to " + std::to_string(len));
  }
}

TEST_CASE("checkpoint: flipped bytes are reported corrupt", "[checkpoint]") {
  TempDir dir("shardis-ckpt");
  const std::string image = good_image(dir);
  const std::string path = (dir.path() / "flipped.lmdb").string();
  const size_t page = 4096;
  int crashes = 0;
  auto flipped = [&](size_t offset, const std::string& what) {
    std::string bad = image;
    REQUIRE(offset < bad.size());
    bad[offset] = static_cast<char>(bad[offset] ^ 0xFF);
    write_file(path, bad);
    const std::string error = expect_corrupt(path, what + " at offset " + std::to_string(offset));
    if (error.find("crashed (signal") != std::string::npos) ++crashes;
  };
  // Record bytes: in a leaf page, and in the overflow pages of "large".
  flipped(image.find("VALUE-42"), "small record");
  flipped(image.find(std::string(100, 'L')) + 5000, "overflow record");
  // LMDB's meta pages (0 and 1): both magics, and in the newer one (the
  // higher txnid, at offset 144 of the page) the main tree's root and the
  // last page number.
  flipped(16, "meta page 0 magic");
  flipped(page + 16, "meta page 1 magic");
  uint64_t txn0, txn1;
  std::memcpy(&txn0, image.data() + 144, 8);
  std::memcpy(&txn1, image.data() + page + 144, 8);
  const size_t current = txn0 > txn1 ? 0 : page;
  flipped(current + 128, "main tree root");
  flipped(current + 136 + 3, "last page number");
  // The header flags of every tree page, each in its own copy. (LMDB
  // never reads the flags of an overflow page: a flip there leaves every
  // record intact, and the flip in "large" above covers its data.)
  const uint16_t kOverflow = 0x04;
  for (size_t p = 2 * page; p < image.size(); p += page) {
    uint16_t flags;
    std::memcpy(&flags, image.data() + p + 10, 2);
    if (flags != kOverflow) flipped(p + 10, "page flags");
  }
  // Some of these make LMDB assert or fault: the parent saw a dead child.
  CHECK(crashes > 0);
}

TEST_CASE_METHOD(Scratch, "checkpoint: a record with a bad CRC is reported corrupt",
                 "[checkpoint]") {
  auto w = CheckpointWriter::open(path, 1 << 20, &error);
  REQUIRE(w);
  Entry e;
  e.set_string("v");
  std::string rec = encode_record(0, "k", e);
  rec.back() = static_cast<char>(rec.back() ^ 1);
  REQUIRE(w->put(encode_record(0, "ok", e), &error));
  REQUIRE(w->put(rec, &error));  // the writer trusts its caller's bytes
  REQUIRE(w->commit({kNow, kDbs}, &error));
  w.reset();

  CheckpointInfo info;
  CHECK_FALSE(verify_checkpoint_isolated(path, &info, &error));
  CHECK(error == "record 1: record CRC mismatch");
}

TEST_CASE_METHOD(Scratch, "checkpoint: an unknown format version is refused", "[checkpoint]") {
  ShardSet src(1, kDbs);
  populate_all_types(src);
  REQUIRE(save(src, path, &error));

  // Rewrite the meta record as a future version would, with a valid CRC.
  ImageMeta meta;
  meta.format_version = 2;
  const std::string bytes = encode_meta(meta);
  MDB_env* env;
  MDB_txn* txn;
  MDB_dbi dbi;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_maxdbs(env, 2) == 0);
  REQUIRE(mdb_env_open(env, path.c_str(), MDB_NOSUBDIR | MDB_NOLOCK, 0644) == 0);
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, kMetaDbName, 0, &dbi) == 0);
  MDB_val k{kMetaKey.size(), const_cast<char*>(kMetaKey.data())};
  MDB_val v{bytes.size(), const_cast<char*>(bytes.data())};
  REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);

  CheckpointInfo info;
  CHECK_FALSE(verify_checkpoint_isolated(path, &info, &error));
  CHECK(error == "unknown checkpoint format version 2 (this build reads version 1)");
  ShardSet dst(1, kDbs);
  CHECK_FALSE(load_checkpoint(path, dst, kNow, nullptr, nullptr, &error));
  CHECK(contents(dst).empty());
}

TEST_CASE_METHOD(Scratch, "checkpoint: a file that is not a checkpoint is refused",
                 "[checkpoint]") {
  CheckpointInfo info;
  CHECK_FALSE(verify_checkpoint_isolated(path, &info, &error));  // missing
  CHECK_THAT(error, Catch::Contains("No such file"));
  write_file(path, std::string(3 * 4096, 'x'));
  CHECK_FALSE(verify_checkpoint_isolated(path, &info, &error));
}

TEST_CASE_METHOD(Scratch, "checkpoint: quarantine moves the file aside and deletes nothing",
                 "[checkpoint]") {
  write_file(path, "bad bytes");
  write_file(path + "-lock", "lock");
  std::string moved, error;
  REQUIRE(quarantine_checkpoint(path, &moved, &error));
  CHECK(moved.rfind(path + ".corrupt-", 0) == 0);
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + "-lock"));
  CHECK(read_file(moved) == "bad bytes");
  CHECK(read_file(moved + "-lock") == "lock");

  // A second one in the same second does not overwrite the first.
  write_file(path, "worse bytes");
  std::string moved2;
  REQUIRE(quarantine_checkpoint(path, &moved2, &error));
  CHECK(moved2 != moved);
  CHECK(read_file(moved) == "bad bytes");
  CHECK(read_file(moved2) == "worse bytes");

  CHECK_FALSE(quarantine_checkpoint(path, &moved, &error));  // nothing left to move
}

// ---------------------------------------------------------------------------
// The offline tool
// ---------------------------------------------------------------------------

struct ToolRun {
  int status;
  std::string out;
};

ToolRun run_tool(const std::string& args) {
  const std::string cmd = std::string(SHARDIS_CHECKPOINT_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_CASE_METHOD(Scratch, "checkpoint: shardis-checkpoint verify, info and dump", "[checkpoint]") {
  ShardSet src(1, kDbs);
  put_string(src, 0, "k", "v\n");
  put_string(src, 1, "t", "x", kNow + 5);
  put_hash(src, 2, "h", {{"f", "\xff"}});
  put_zset(src, 3, "z", {{"a", -kInf}, {"b", 2.5}});
  put_set(src, 4, "s", {"7"});
  put_list(src, 5, "l", {"x", "", "y\r"});
  REQUIRE(save(src, path, &error));

  ToolRun r = run_tool("verify " + path);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("OK (format version 1, 6 keys)"));

  r = run_tool("info " + path);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("keys: 6\n"));
  CHECK_THAT(r.out, Catch::Contains("db3: keys=1\n"));
  CHECK_THAT(r.out, Catch::Contains("type hash: 1\n"));

  r = run_tool("dump " + path);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("db0 string \"k\" \"v\\n\"\n"));
  CHECK_THAT(r.out, Catch::Contains(
                        "db1 string \"t\" \"x\" expire_at_ms=" + std::to_string(kNow + 5) + "\n"));
  CHECK_THAT(r.out, Catch::Contains("db2 hash \"h\" \"f\" \"\\xff\"\n"));
  CHECK_THAT(r.out, Catch::Contains("db3 zset \"z\" \"a\" -inf \"b\" 2.5\n"));
  CHECK_THAT(r.out, Catch::Contains("db4 set \"s\" \"7\"\n"));
  CHECK_THAT(r.out, Catch::Contains("db5 list \"l\" \"x\" \"\" \"y\\r\"\n"));

  r = run_tool("dump " + path + " --json");
  CHECK(r.status == 0);
  CHECK_THAT(r.out,
             Catch::Contains(
                 R"({"db":2,"type":"hash","key":"h","expire_at_ms":-1,"value":[["f","\u00ff"]]})"));
  CHECK_THAT(r.out, Catch::Contains(R"("value":[["a","-inf"],["b",2.5]]})"));
  CHECK_THAT(r.out, Catch::Contains(R"({"db":5,"type":"list","key":"l","expire_at_ms":-1,"value":["x","","y\u000d"]})"));

  std::string bad = read_file(path);
  bad[bad.find("v\n")] ^= 1;
  write_file(path, bad);
  r = run_tool("verify " + path);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Contains("CORRUPT: record 0: record CRC mismatch"));
  CHECK(run_tool("dump " + path).status == 1);
  CHECK(run_tool("verify " + (dir.path() / "missing").string()).status == 1);
  CHECK(run_tool("frobnicate " + path).status == 2);
}

}  // namespace
