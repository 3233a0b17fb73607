// CRC16 and cluster slots must equal Redis Cluster's: shardis routes keys by
// slot so that {hash tags} colocate keys exactly as a cluster would. The
// slots below were read from CLUSTER KEYSLOT on redis-server 7.

#include <catch2/catch.hpp>
#include <string>

#include "engine/hash.hpp"

using shardis::crc16;
using shardis::key_hash_slot;

TEST_CASE("crc16 is CRC16-CCITT XModem", "[hash]") {
  CHECK(crc16("123456789") == 0x31C3);
  CHECK(crc16("") == 0);
  CHECK(crc16(std::string(1, '\0')) == 0);
  CHECK(crc16("A") == 0x58E5);
}

TEST_CASE("key_hash_slot matches CLUSTER KEYSLOT", "[hash]") {
  struct SlotCase {
    const char* key;
    uint16_t slot;
  };
  const SlotCase cases[] = {
      {"foo", 12182},
      {"bar", 5061},
      {"123456789", 12739},
      {"", 0},
      {"a", 15495},
      // The tag is what lies between the first '{' and the next '}'.
      {"{user1000}.following", 3443},
      {"{user1000}.followers", 3443},
      {"{a}", 15495},
      {"}{a}", 15495},
      {"foo{bar}{zap}", 5061},
      {"foo{{bar}}zap", 4015},  // tag "{bar"
      // An empty tag or no closing brace: the whole key is hashed.
      {"foo{}{bar}", 8363},
      {"{}", 15257},
      {"{", 4092},
      {"a{b", 13340},
  };
  for (const SlotCase& c : cases) {
    INFO("key '" << c.key << "'");
    CHECK(key_hash_slot(c.key) == c.slot);
  }
  CHECK(key_hash_slot("foo{{bar}}zap") == (crc16("{bar") & 0x3FFF));
  CHECK(key_hash_slot("foo{}{bar}") == (crc16("foo{}{bar}") & 0x3FFF));
}
