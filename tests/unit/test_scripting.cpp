// EVAL and friends through the engine with the Lua runner installed:
// script in, exact RESP out. Expected texts are redis-server 7.0's.

#include <catch2/catch.hpp>
#include <string>

#include "engine/connection_family.hpp"
#include "engine/engine.hpp"
#include "resp_cases.hpp"
#include "scripting/lua_runner.hpp"

namespace shardis::test {
namespace {

struct ScriptEngine {
  ScriptEngine() { e.server().scripts = make_lua_runner(e.server()); }
  std::string eval(const std::string& script, Args rest = {"0"}) {
    Args args{"eval", script};
    args.insert(args.end(), rest.begin(), rest.end());
    return e.run(args);
  }
  Engine e;
};

// Redis's suffix for an error raised at a line of a script.
std::string at(const std::string& script, int line = 1) {
  return " script: " + sha1_hex(script) + ", on @user_script:" + std::to_string(line) + ".";
}

struct ScriptCase {
  std::string script;
  std::string reply;
};

void run_scripts(ScriptEngine& s, const std::vector<ScriptCase>& cases) {
  for (const ScriptCase& c : cases) {
    INFO(c.script);
    CHECK(s.eval(c.script) == c.reply);
  }
}

}  // namespace

TEST_CASE("sha1_hex matches the FIPS 180 test vectors", "[scripting]") {
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // 55 and 56 bytes: the padding needs one block, then two.
  CHECK(sha1_hex(std::string(55, 'x')) != sha1_hex(std::string(56, 'x')));
  CHECK(sha1_hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_CASE("Lua values convert to RESP2 replies as in Redis", "[scripting]") {
  ScriptEngine s;
  run_scripts(s, {
      {"return 1", integer(1)},
      {"return 3.99", integer(3)},
      {"return -3.99", integer(-3)},
      {"return 'x'", bulk("x")},
      {"return true", integer(1)},
      {"return false", kNil},
      {"return nil", kNil},
      {"return {1, 'a', {2, {3}}, true, false}", "*5\r\n:1\r\n$1\r\na\r\n*2\r\n:2\r\n*1\r\n:3\r\n:1\r\n$-1\r\n"},
      {"return {1, 2, nil, 4}", "*2\r\n:1\r\n:2\r\n"},
      {"return {}", "*0\r\n"},
      {"return {ok='fine'}", simple("fine")},
      {"return {err='MY error'}", error("MY error")},
      {"return {err='x', ok='y'}", error("x")},
      {"return {ok='a\\r\\nb'}", simple("a  b")},
      {"return redis.status_reply('PONG')", simple("PONG")},
      {"return redis.error_reply('MY x')", error("MY x")},
      {"return redis.error_reply('x')", error("ERR x")},
      {"return redis.error_reply('-X y')", error("X y")},
      {"return {double=1.5}", bulk("1.5")},
      {"return {big_number='123'}", bulk("123")},
      {"return {map={a=1}}", "*2\r\n$1\r\na\r\n:1\r\n"},
      {"return {set={a=true}}", "*1\r\n$1\r\na\r\n"},
      {"return {a=1}", "*0\r\n"},
      {"", kNil},
  });
}

TEST_CASE("Lua values convert to RESP3 replies for a RESP3 caller", "[scripting]") {
  ScriptEngine s;
  s.e.session().resp = 3;
  run_scripts(s, {
      {"return nil", "_\r\n"},
      {"return false", "_\r\n"},
      {"return true", integer(1)},
      {"redis.setresp(3) return true", "#t\r\n"},
      {"redis.setresp(3) return false", "#f\r\n"},
      {"return {double=1.5}", ",1.5\r\n"},
      {"return {big_number='123'}", "(123\r\n"},
      {"return {map={a=1}}", "%1\r\n$1\r\na\r\n:1\r\n"},
      {"return {set={a=true}}", "~1\r\n$1\r\na\r\n"},
      {"return {verbatim_string={format='txt', string='hi'}}", "=6\r\ntxt:hi\r\n"},
  });
}

TEST_CASE("redis.call replies convert to Lua values, RESP2 and RESP3", "[scripting]") {
  ScriptEngine s;
  run_cases(s.e, {{{"set", "k", "v"}, kOk}});
  run_scripts(s, {
      {"return redis.call('get', 'k')", bulk("v")},
      {"return type(redis.call('get', 'nosuch'))", bulk("boolean")},
      {"return redis.call('get', 'nosuch') == false", integer(1)},
      {"local r = redis.call('set', 'a', '1') return r.ok", bulk("OK")},
      {"return redis.call('incr', 'a')", integer(2)},
      {"return redis.call('ping')", simple("PONG")},
      {"return redis.call('set', 'n', 1.5)", kOk},
      {"return redis.call('get', 'n')", bulk("1.5")},
      {"local r = redis.pcall('incr', 'k') return r.err", bulk("ERR value is not an integer or out of range")},
      {"redis.setresp(3) return type(redis.call('get', 'nosuch'))", bulk("nil")},
      {"redis.setresp(3) local r = redis.call('command', 'docs', 'get') return type(r.map.get.map)",
       bulk("table")},
      {"redis.setresp(3) return redis.call('command', 'docs', 'get').map.get.map.since", bulk("1.0.0")},
      {"return redis.call('command', 'docs', 'get')[1]", bulk("get")},
      {"return redis.call('hello')", error("ERR This Redis command is not allowed from script" +
                                           at("return redis.call('hello')"))},
  });
}

TEST_CASE("script errors reply as Redis 7.0 formats them", "[scripting]") {
  ScriptEngine s;
  run_cases(s.e, {{{"set", "s", "abc"}, kOk}});
  const std::vector<std::pair<std::string, std::string>> kErrors = {
      {"return foo", "ERR user_script:1: Script attempted to access nonexistent global variable 'foo'"},
      {"foo = 1", "ERR user_script:1: Attempt to modify a readonly table"},
      {"KEYS = 1", "ERR user_script:1: Attempt to modify a readonly table"},
      {"redis.call = 1", "ERR user_script:1: Attempt to modify a readonly table"},
      {"string.x = 1", "ERR user_script:1: Attempt to modify a readonly table"},
      {"local function f() y = 1 end f()", "ERR user_script:1: Attempt to modify a readonly table"},
      {"rawset(_G, 'z', 1)", "ERR Attempt to modify a readonly table"},
      {"error('boom')", "ERR user_script:1: boom"},
      {"error({err='MY boom'})", "MY boom"},
      {"return redis.call('incr', 's')", "ERR value is not an integer or out of range"},
      {"return redis.call('nosuch')", "ERR Unknown Redis command called from script"},
      {"return redis.call('client', 'nosuch')", "ERR Unknown Redis command called from script"},
      {"return redis.call('get')", "ERR Wrong number of args calling Redis command from script"},
      {"return redis.call('eval', 'return 1', 0)", "ERR This Redis command is not allowed from script"},
      {"return redis.call()", "ERR Please specify at least one argument for this redis lib call"},
      {"return redis.call({})", "ERR Lua redis lib command arguments must be strings or integers"},
      {"return redis.call('set', 'a', {})", "ERR Lua redis lib command arguments must be strings or integers"},
      {"return nil + 1", "ERR user_script:1: attempt to perform arithmetic on a nil value"},
      {"redis.setresp(4)", "ERR RESP version must be 2 or 3."},
      {"return type(dofile)", "ERR user_script:1: Script attempted to access nonexistent global variable 'dofile'"},
      {"return os.clock()", "ERR user_script:1: Script attempted to access nonexistent global variable 'os'"},
  };
  for (const auto& [script, text] : kErrors) {
    INFO(script);
    CHECK(s.eval(script) == error(text + at(script)));
  }
  const std::string two_lines = "local x = 1\nreturn redis.call('incr', 's')";
  CHECK(s.eval(two_lines) == error("ERR value is not an integer or out of range" + at(two_lines, 2)));
  CHECK(s.eval("return 1 +") ==
        error("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"));
  CHECK(s.eval("return (pcall(redis.call, 'incr', 's')) == false") == integer(1));
  CHECK(s.eval("local ok, e = pcall(redis.call, 'incr', 's') return e") ==
        bulk("ERR value is not an integer or out of range"));
  CHECK(s.eval("local ok, e = pcall(error, 'x') return e") == bulk("x"));
}

TEST_CASE("the sandbox exposes what Redis's does", "[scripting]") {
  ScriptEngine s;
  run_scripts(s, {
      {"return {type(loadstring), type(unpack), type(pcall), type(cjson), type(bit), "
       "type(string), type(table), type(math), type(coroutine), type(_G), type(redis)}",
       "*11\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$5\r\ntable\r\n$5\r\ntable\r\n"
       "$5\r\ntable\r\n$5\r\ntable\r\n$5\r\ntable\r\n$5\r\ntable\r\n$5\r\ntable\r\n$5\r\ntable\r\n"},
      {"return _VERSION", bulk("Lua 5.1")},
      {"return ('abc'):upper()", bulk("ABC")},
      {"local n = 0 for k, v in pairs(string) do n = n + 1 end return n > 10", integer(1)},
      {"local t = {} t.x = 1 return t.x", integer(1)},
      {"return redis.REDIS_VERSION", bulk(std::string(redis_version()))},
      {"return redis.replicate_commands()", integer(1)},
      {"redis.set_repl(redis.REPL_ALL) redis.breakpoint() redis.debug('x') return 1", integer(1)},
      {"redis.log(redis.LOG_NOTICE, 'from a test', 1) return 1", integer(1)},
      {"return redis.sha1hex('abc')", bulk("a9993e364706816aba3e25717850c26c9cd0d89d")},
      {"return tostring(math.random())", bulk("0.39646477363839")},
      {"return {math.random(100), math.random(5, 10)}", "*2\r\n:85\r\n:7\r\n"},
      {"math.randomseed(0) return tostring(math.random())", bulk("0.17082803611217")},
  });
  // A global cannot be created and leak into the next script.
  CHECK(s.eval("x = 1") != integer(1));
  const std::string read_x = "return x";
  CHECK(s.eval(read_x) ==
        error("ERR user_script:1: Script attempted to access nonexistent global variable 'x'" + at(read_x)));
}

TEST_CASE("KEYS and ARGV, numkeys errors", "[scripting]") {
  ScriptEngine s;
  CHECK(s.eval("return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", {"2", "a", "b", "c"}) ==
        "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n:1\r\n");
  CHECK(s.eval("return #KEYS", {"0"}) == integer(0));
  CHECK(s.eval("return 1", {"x"}) == error("ERR value is not an integer or out of range"));
  CHECK(s.eval("return 1", {"1.5"}) == error("ERR value is not an integer or out of range"));
  CHECK(s.eval("return 1", {"-1"}) == error("ERR Number of keys can't be negative"));
  CHECK(s.eval("return 1", {"2", "a"}) == error("ERR Number of keys can't be greater than number of args"));
  CHECK(s.e.run({"eval", "return 1"}) == error("ERR wrong number of arguments for 'eval' command"));
  CHECK(s.e.run({"command", "getkeys", "eval", "return 1", "2", "a", "b", "c"}) ==
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(s.e.run({"command", "getkeys", "eval", "return 1", "0", "a"}) == "*0\r\n");
}

TEST_CASE("SCRIPT LOAD, EXISTS, FLUSH and EVALSHA", "[scripting]") {
  ScriptEngine s;
  const std::string sha = sha1_hex("return ARGV[1]");
  run_cases(s.e, {
      {{"script", "exists", sha, "nosuch"}, "*2\r\n:0\r\n:0\r\n"},
      {{"evalsha", sha, "0", "x"}, error("NOSCRIPT No matching script. Please use EVAL.")},
      {{"evalsha", "abc", "0"}, error("NOSCRIPT No matching script. Please use EVAL.")},
      {{"script", "load", "return ARGV[1]"}, bulk(sha)},
      {{"script", "exists", sha, "nosuch"}, "*2\r\n:1\r\n:0\r\n"},
      {{"evalsha", sha, "0", "x"}, bulk("x")},
      {{"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"},
       error("NOSCRIPT No matching script. Please use EVAL.")},
      {{"eval", "return 1", "0"}, integer(1)},
      {{"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}, integer(1)},
      {{"evalsha_ro", sha, "0", "y"}, bulk("y")},
      {{"script", "load", "return +"},
       error("ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'")},
      {{"script", "exists", sha1_hex("return +")}, "*1\r\n:0\r\n"},
      {{"script", "flush", "foo"}, error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")},
      {{"script", "flush", "async"}, kOk},
      {{"script", "exists", sha}, "*1\r\n:0\r\n"},
      {{"evalsha", sha, "0", "x"}, error("NOSCRIPT No matching script. Please use EVAL.")},
      {{"script", "load", "return ARGV[1]"}, bulk(sha)},
      {{"evalsha", sha, "0", "z"}, bulk("z")},
      {{"script", "flush"}, kOk},
      {{"script", "kill"}, error("NOTBUSY No scripts in execution right now.")},
      {{"script", "foo"}, error("ERR unknown subcommand 'foo'. Try SCRIPT HELP.")},
  });
  CHECK(s.e.run({"script", "help"}).rfind("*15\r\n+SCRIPT <subcommand>", 0) == 0);
}

TEST_CASE("the script cache finds a cached body's sha until SCRIPT FLUSH", "[scripting]") {
  ScriptCache cache;
  std::string sha = "unchanged";
  CHECK_FALSE(cache.sha_of("return 1", &sha));
  CHECK(sha == "unchanged");
  CHECK(cache.add("return 1") == sha1_hex("return 1"));
  REQUIRE(cache.sha_of("return 1", &sha));
  CHECK(sha == sha1_hex("return 1"));
  CHECK_FALSE(cache.sha_of("return 2", &sha));
  CHECK_FALSE(cache.sha_of("return 1 ", &sha));
  cache.add("return 2");
  REQUIRE(cache.sha_of("return 2", &sha));
  CHECK(sha == sha1_hex("return 2"));
  cache.clear();
  CHECK_FALSE(cache.sha_of("return 1", &sha));
  CHECK_FALSE(cache.sha_of("return 2", &sha));

  // Through EVAL: after a flush the body is compiled and cached again.
  ScriptEngine s;
  const std::string ro = "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')";
  const std::string id = sha1_hex("return 7");
  run_cases(s.e, {
                     {{"eval", "return 7", "0"}, integer(7)},
                     {{"eval", "return 7", "0"}, integer(7)},
                     {{"script", "exists", id}, "*1\r\n:1\r\n"},
                     {{"script", "flush"}, kOk},
                     {{"script", "exists", id}, "*1\r\n:0\r\n"},
                     {{"eval", "return 7", "0"}, integer(7)},
                     {{"script", "exists", id}, "*1\r\n:1\r\n"},
                     {{"evalsha", id, "0"}, integer(7)},
                 });
  // A cached body's flags still apply on its later calls.
  const std::string first = s.e.run({"eval", ro, "0"});
  CHECK(first.rfind("-ERR Write commands are not allowed from read-only scripts", 0) == 0);
  CHECK(s.e.run({"eval", ro, "0"}) == first);
}

TEST_CASE("read-only scripts and shebang flags", "[scripting]") {
  ScriptEngine s;
  const std::string set = "return redis.call('set', 'a', 'b')";
  CHECK(s.e.run({"eval_ro", set, "0"}) ==
        error("ERR Write commands are not allowed from read-only scripts." + at(set)));
  CHECK(s.e.run({"eval_ro", "return redis.call('get', 'a')", "0"}) == kNil);
  const std::string no_writes = "#!lua flags=no-writes\n" + set;
  CHECK(s.eval(no_writes) == error("ERR Write commands are not allowed from read-only scripts." + at(no_writes, 2)));
  CHECK(s.eval("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 2") ==
        integer(2));
  CHECK(s.eval("#!lua\n" + set) == kOk);
  CHECK(s.eval("#!lua flags=foo\nreturn 1") == error("ERR Unexpected flag in script shebang: foo"));
  CHECK(s.eval("#!js\nreturn 1") == error("ERR Unexpected engine in script shebang: #!js"));
  CHECK(s.eval("#!lua name=x\nreturn 1") == error("ERR Unknown lua shebang option: name=x"));
  CHECK(s.eval("#!lua flags=no-writes") == error("ERR Invalid script shebang"));
}

TEST_CASE("SELECT inside a script changes only the script's database", "[scripting]") {
  ScriptEngine s;
  CHECK(s.eval("redis.call('select', 3) redis.call('set', 'k', 'in3') return redis.call('get', 'k')") ==
        bulk("in3"));
  run_cases(s.e, {{{"get", "k"}, kNil}, {{"select", "3"}, kOk}, {{"get", "k"}, bulk("in3")}});
  CHECK(s.e.session().db == 3);
}

TEST_CASE("lua-strict-keys rejects keys not declared in KEYS", "[scripting]") {
  ScriptEngine s;
  run_cases(s.e, {{{"config", "set", "lua-strict-keys", "yes"}, kOk}});
  const std::string script = "return redis.call('set', 'other', '1')";
  CHECK(s.eval(script, {"1", "declared"}) ==
        error("ERR Script attempted to access key 'other' that was not declared in KEYS "
              "(lua-strict-keys is yes)" + at(script)));
  CHECK(s.eval("return redis.call('set', KEYS[1], '1')", {"1", "declared"}) == kOk);
  CHECK(s.eval("return redis.call('ping')") == simple("PONG"));
  run_cases(s.e, {{{"config", "set", "lua-strict-keys", "no"}, kOk}});
  CHECK(s.eval(script, {"1", "declared"}) == kOk);
}

TEST_CASE("cjson encodes and decodes as Redis's", "[scripting]") {
  ScriptEngine s;
  run_scripts(s, {
      {"return cjson.encode({1, 2, 3})", bulk("[1,2,3]")},
      {"return cjson.encode({})", bulk("{}")},
      {"return cjson.encode({a=1})", bulk("{\"a\":1}")},
      {"return cjson.encode({1.5, 1e20, -0.1, 3.14159265358979})", bulk("[1.5,1e+20,-0.1,3.1415926535898]")},
      {"return cjson.encode('a/\"\\\\\\n\\1\\127')", bulk("\"a\\/\\\"\\\\\\n\\u0001\\u007f\"")},
      {"return cjson.encode({[1]=1, [3]=3})", bulk("[1,null,3]")},
      {"return cjson.encode({1, {a={}}})", bulk("[1,{\"a\":{}}]")},
      {"return cjson.encode({[1.5]=1})", bulk("{\"1.5\":1}")},
      {"return cjson.encode(cjson.null)", bulk("null")},
      {"return cjson.encode(cjson.decode('{\"a\":{\"b\":[true,false,null]}}'))",
       bulk("{\"a\":{\"b\":[true,false,null]}}")},
      {"return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')", bulk("\xc3\xa9\xf0\x9f\x98\x80")},
      {"return cjson.decode(' 12.5e1 ')", integer(125)},
      {"return cjson.decode('{\"a\":[1,2,{\"b\":null}]}').a[3].b == cjson.null", integer(1)},
      {"return cjson.decode('[1,2,[3]]')", "*3\r\n:1\r\n:2\r\n*1\r\n:3\r\n"},
  });
  const std::vector<std::pair<std::string, std::string>> kErrors = {
      {"return cjson.encode({[1]=1, [20]=3})", "Cannot serialise table: excessively sparse array"},
      {"return cjson.encode({[true]=1})", "Cannot serialise boolean: table key must be a number or string"},
      {"return cjson.encode(function() end)", "Cannot serialise function: type not supported"},
      {"return cjson.encode(0/0)", "Cannot serialise number: must not be NaN or Inf"},
      {"return cjson.decode('[1,2')", "Expected comma or array end but found T_END at character 5"},
      {"return cjson.decode('x')", "Expected value but found invalid token at character 1"},
      {"return cjson.decode('{\"a\":1,}')", "Expected object key string but found T_OBJ_END at character 8"},
      {"return cjson.decode('{1:2}')", "Expected object key string but found T_NUMBER at character 2"},
      {"return cjson.decode('[1 2]')", "Expected comma or array end but found T_NUMBER at character 4"},
      {"return cjson.decode('1 2')", "Expected the end but found T_NUMBER at character 3"},
      {"return cjson.decode('\"abc')", "Expected value but found unexpected end of string at character 5"},
      {"return cjson.decode('\"\\\\q\"')", "Expected value but found invalid escape code at character 2"},
      {"return cjson.decode('-')", "Expected value but found invalid number at character 1"},
  };
  for (const auto& [script, text] : kErrors) {
    INFO(script);
    CHECK(s.eval(script) == error("ERR user_script:1: " + text + at(script)));
  }
}

TEST_CASE("bit operations", "[scripting]") {
  ScriptEngine s;
  run_scripts(s, {
      {"return bit.band(0xff, 0x0f, 0x3)", integer(3)},
      {"return bit.bor(1, 2, 4)", integer(7)},
      {"return bit.bxor(5, 3)", integer(6)},
      {"return bit.bnot(0)", integer(-1)},
      {"return bit.lshift(1, 31)", integer(-2147483648LL)},
      {"return bit.rshift(-1, 28)", integer(15)},
      {"return bit.arshift(-16, 2)", integer(-4)},
      {"return bit.rol(0x80000001, 1)", integer(3)},
      {"return bit.ror(3, 1)", integer(-2147483647LL)},
      {"return bit.tobit(0xffffffff + 2)", integer(1)},
      {"return bit.tohex(255)", bulk("000000ff")},
      {"return bit.tohex(-1, -4)", bulk("FFFF")},
      {"return bit.bswap(0x12345678)", integer(0x78563412)},
  });
}

namespace {

// Kills the running script from the busy hook, as SCRIPT KILL from another
// client would.
class KillingHooks : public ServerHooks {
 public:
  explicit KillingHooks(ServerState& server) : server_(server) {}
  void while_script_busy() override {
    ++calls;
    busy_seen = server_.script_status.busy.load();
    server_.script_status.kill = true;
  }
  int calls = 0;
  bool busy_seen = false;

 private:
  ServerState& server_;
};

}  // namespace

TEST_CASE("a script past busy-reply-threshold can be killed", "[scripting]") {
  ScriptEngine s;
  KillingHooks hooks(s.e.server());
  s.e.server().hooks = &hooks;
  run_cases(s.e, {{{"config", "set", "busy-reply-threshold", "1"}, kOk}});
  const std::string loop = "local i = 0 while true do i = i + 1 end";
  CHECK(s.eval(loop) == error("ERR Script killed by user with SCRIPT KILL..." + at(loop)));
  CHECK(hooks.calls >= 1);
  CHECK(hooks.busy_seen);
  const ScriptStatus& st = s.e.server().script_status;
  CHECK_FALSE(st.running.load());
  CHECK_FALSE(st.busy.load());
  CHECK_FALSE(st.kill.load());
  // pcall cannot swallow the kill.
  const std::string guarded = "while true do pcall(function() while true do end end) end";
  CHECK(s.eval(guarded).rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
  // The VM is usable afterwards.
  CHECK(s.eval("return 7") == integer(7));
  s.e.server().hooks = &s.e.server().default_hooks;
}

TEST_CASE("EVAL without a runner answers an error", "[scripting]") {
  Engine e;
  CHECK(e.run({"eval", "return 1", "0"}) == error("ERR scripting is not available in this server"));
  CHECK(e.run({"script", "exists", "x"}) == "*1\r\n:0\r\n");
}

TEST_CASE("INFO memory counts the cached scripts", "[scripting]") {
  ScriptEngine s;
  auto has = [&](const std::string& line) {
    return s.e.run({"info", "memory"}).find(line + "\r\n") != std::string::npos;
  };
  CHECK(has("number_of_cached_scripts:0"));
  s.e.run({"script", "load", "return 1"});
  s.eval("return 22");
  CHECK(has("number_of_cached_scripts:2"));
  CHECK(has("used_memory_scripts_eval:" + std::to_string(std::string("return 1").size() +
                                                           std::string("return 22").size())));
  s.e.run({"script", "flush"});
  CHECK(has("number_of_cached_scripts:0"));
}

}  // namespace shardis::test
