// Contract tests for scripting: each script runs on an embedded shardis
// and on a real redis-server 7.0, and the raw replies must be equal, error
// texts (with their "script: <sha>, on @user_script:N." suffix) included.
// Each case is one EVAL line, split as redis-cli would split it.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shardis/embedded_server.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

namespace shardis::test {
namespace {

const std::vector<std::string>& script_lines() {
  static const std::vector<std::string> kLines = {
      // Conversions, Lua -> reply.
      "EVAL \"return 1\" 0", "EVAL \"return 3.99\" 0", "EVAL \"return 'x'\" 0",
      "EVAL \"return true\" 0", "EVAL \"return false\" 0", "EVAL \"return nil\" 0",
      "EVAL \"return {1, 'a', {2, {3}}, true, false}\" 0", "EVAL \"return {1, 2, nil, 4}\" 0",
      "EVAL \"return {ok='fine'}\" 0", "EVAL \"return {err='MY error'}\" 0",
      "EVAL \"return {err='x', ok='y'}\" 0", "EVAL \"return redis.error_reply('x')\" 0",
      "EVAL \"return redis.error_reply('MY x')\" 0", "EVAL \"return redis.status_reply('S')\" 0",
      "EVAL \"return {double=1.5}\" 0", "EVAL \"return {map={a=1}}\" 0", "EVAL \"\" 0",
      // Reply -> Lua.
      "SET k v", "EVAL \"return redis.call('get', KEYS[1])\" 1 k",
      "EVAL \"return redis.call('get', 'nosuch')\" 0", "EVAL \"return redis.call('set', 'n', 1.5)\" 0",
      "EVAL \"return redis.call('get', 'n')\" 0", "EVAL \"return redis.pcall('incr', 'k')\" 0",
      "EVAL \"return redis.call('incr', 'k')\" 0", "EVAL \"return {ARGV[1], #KEYS}\" 2 a b c",
      "EVAL \"redis.setresp(3) return redis.call('command', 'docs', 'get').map.get.map.since\" 0",
      // A deadline of the script's own millisecond has not passed yet.
      "EVAL \"local t = redis.call('time') redis.call('set', KEYS[1], 'v', 'pxat', t[1] * 1000 + "
      "math.floor(t[2] / 1000)) return {redis.call('exists', KEYS[1]), redis.call('get', KEYS[1])}\" "
      "1 due",
      // Errors.
      "EVAL \"return foo\" 0", "EVAL \"foo = 1\" 0", "EVAL \"error('boom')\" 0",
      "EVAL \"error({err='MY boom'})\" 0", "EVAL \"return redis.call('nosuch')\" 0",
      "EVAL \"return redis.call('get')\" 0", "EVAL \"return redis.call('eval', 'return 1', 0)\" 0",
      "EVAL \"return redis.call()\" 0", "EVAL \"return redis.call({})\" 0", "EVAL \"return 1 +\" 0",
      "EVAL \"return nil + 1\" 0", "EVAL \"rawset(_G, 'z', 1)\" 0",
      "EVAL \"return 1\" x", "EVAL \"return 1\" -1", "EVAL \"return 1\" 2 a",
      "EVAL_RO \"return redis.call('set', 'a', 'b')\" 0",
      "EVAL \"#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')\" 0",
      "EVAL \"#!lua flags=foo\nreturn 1\" 0", "EVAL \"#!js\nreturn 1\" 0",
      // Sandbox and libraries.
      "EVAL \"return type(dofile)\" 0", "EVAL \"return {type(cjson), type(bit), _VERSION}\" 0",
      "EVAL \"return cjson.encode({1, {a={}}, 'x/y', 1.5})\" 0",
      "EVAL \"return cjson.decode('[1,2')\" 0", "EVAL \"return bit.tohex(bit.bxor(5, 3))\" 0",
      "EVAL \"return tostring(math.random())\" 0",
      // The cache.
      "SCRIPT LOAD \"return 'loaded'\"", "EVALSHA b534286061d4b9e4026607613b95c06c06015ae8 0",
      "EVALSHA nosuch 0", "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db nosuch",
      "SCRIPT FLUSH foo", "SCRIPT FLUSH ASYNC", "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
      "SCRIPT KILL", "SCRIPT FOO", "COMMAND GETKEYS EVAL \"return 1\" 2 a b c",
  };
  return kLines;
}

}  // namespace

TEST_CASE("scripts reply as on redis-server", "[contract]") {
  RedisProcess redis_process;
  Config config;
  config.shards = 4;
  EmbeddedServer shardis_server(config);
  Client shardis(shardis_server.host(), shardis_server.port());
  Client redis(redis_process.host(), redis_process.port());
  for (const std::string& line : script_lines()) {
    INFO(line);
    const Args args = split_args(line);
    CHECK(shardis.raw(args) == redis.raw(args));
  }
}

}  // namespace shardis::test
