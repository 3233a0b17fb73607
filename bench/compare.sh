#!/usr/bin/env bash
# Side-by-side throughput of shardis and redis-server on this machine, in one
# run: both servers start on free ports, redis-benchmark runs each case
# against redis then shardis, and a table prints requests/s and the ratio.
#
#   bench/compare.sh [build-dir]      (default: build)
#   REQUESTS=200000 SHARDS=2 bench/compare.sh build
set -euo pipefail

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/shardis-server}
REQUESTS=${REQUESTS:-200000}
C1_REQUESTS=${C1_REQUESTS:-40000}
SHARDS=${SHARDS:-0}
TESTS=${TESTS:-set,get,incr,mset}
# redis-benchmark's data-type tests (lists, sets, hashes, sorted sets).
TYPE_TESTS=${TYPE_TESTS:-lpush,lpop,sadd,hset,zadd,zpopmin,lrange_100}
KEYSPACE=${KEYSPACE:-100000}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-benchmark
require_server "$SERVER_BIN"

wait_ready() {
  for _ in $(seq 1 100); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

WORK=$(mktemp -d)
REDIS_PORT=$(free_port)
SHARDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK" --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
"$SERVER_BIN" --port "$SHARDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --shards "$SHARDS" \
  --loglevel warning >"$WORK/shardis.log" 2>&1 &
SHARDIS_PID=$!
trap 'kill $REDIS_PID $SHARDIS_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
wait_ready "$REDIS_PORT"
wait_ready "$SHARDIS_PORT"

# rps <port> <redis-benchmark args...>: prints "TEST rps" lines.
rps() {
  local port=$1
  shift
  redis-benchmark -p "$port" --csv "$@" 2>/dev/null | tail -n +2 | tr -d '"' | awk -F, '{gsub(/ /, "_", $1); print $1, $2}'
}

printf "%-24s %-8s %14s %14s %8s\n" "case" "test" "redis rps" "shardis rps" "ratio"
run_case() {
  local label=$1
  shift
  local r s
  r=$(rps "$REDIS_PORT" "$@")
  s=$(rps "$SHARDIS_PORT" "$@")
  join <(echo "$r" | sort) <(echo "$s" | sort) |
    awk -v label="$label" '{printf "%-24s %-8s %14.0f %14.0f %8.2f\n", label, $1, $2, $3, $3 / $2}'
}

run_case "-c 50 -P 1" -c 50 -P 1 -n "$REQUESTS" -r "$KEYSPACE" -t "$TESTS"
run_case "-c 50 -P 16" -c 50 -P 16 -n "$((REQUESTS * 4))" -r "$KEYSPACE" -t "$TESTS"
run_case "-c 1" -c 1 -P 1 -n "$C1_REQUESTS" -r "$KEYSPACE" -t "$TESTS"
run_case "types -c 50 -P 1" -c 50 -P 1 -n "$REQUESTS" -r "$KEYSPACE" -t "$TYPE_TESTS"
run_case "types -c 50 -P 16" -c 50 -P 16 -n "$((REQUESTS * 4))" -r "$KEYSPACE" -t "$TYPE_TESTS"

# PutIfMatch by EVALSHA: an ETag store's compare-and-set over two keys (the
# value and its etag, usually on different shards). The etag written equals
# the one expected, so every call takes the full path: GET, compare, two SETs.
PUT_IF_MATCH="local e = redis.call('get', KEYS[2])
if e and e ~= ARGV[1] then return {err='MISMATCH'} end
redis.call('set', KEYS[1], ARGV[2])
redis.call('set', KEYS[2], ARGV[1])
return ARGV[1]"
SHA=$(redis-cli -p "$REDIS_PORT" script load "$PUT_IF_MATCH")
[ "$(redis-cli -p "$SHARDIS_PORT" script load "$PUT_IF_MATCH")" = "$SHA" ] || { echo "script sha differs" >&2; exit 1; }
for p in 1 16; do
  run_case "EVALSHA -c 50 -P $p" -c 50 -P "$p" -n "$REQUESTS" -r "$KEYSPACE" \
    evalsha "$SHA" 2 "res:p:t:__rand_int__" "res:p:t:__rand_int__:etag" etag-1 value-1
done

# shardis-stress: concurrent PutIfMatch with its invariants checked, on both
# servers (50 clients; 100 keys, then 1 hot key; with and without hash tags).
STRESS_BIN=${STRESS_BIN:-$BUILD_DIR/shardis-stress}
STRESS_SECONDS=${STRESS_SECONDS:-5}
if [ -x "$STRESS_BIN" ]; then
  printf "\n%-34s %14s %14s %8s\n" "shardis-stress (50 clients)" "redis ops/s" "shardis ops/s" "ratio"
  stress_ops() {
    local out
    out=$("$STRESS_BIN" --host 127.0.0.1 --port "$1" --clients 50 --duration "${STRESS_SECONDS}s" "${@:2}" 2>&1) ||
      { echo "shardis-stress failed on port $1:" >&2; echo "$out" >&2; echo 0; return; }
    echo "$out" | grep -q '^invariants: OK' || { echo "invariants failed on port $1:" >&2; echo "$out" >&2; }
    echo "$out" | sed -n 's/^summary: .*ops\/s=\([0-9.]*\).*/\1/p' | tail -n 1
  }
  for keys in 100 1; do
    for tags in "" "--hash-tags"; do
      label="keys=$keys${tags:+ hash-tags}"
      r=$(stress_ops "$REDIS_PORT" --keys "$keys" $tags)
      s=$(stress_ops "$SHARDIS_PORT" --keys "$keys" $tags)
      awk -v l="$label" -v r="$r" -v s="$s" 'BEGIN {printf "%-34s %14.0f %14.0f %8.2f\n", l, r, s, (r > 0 ? s / r : 0)}'
    done
  done
fi
