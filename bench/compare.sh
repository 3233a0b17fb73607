#!/usr/bin/env bash
# Side-by-side throughput of shardis and redis-server on this machine, in one
# run: both servers start on free ports; each test of each case runs ROUNDS
# times, alternating redis and shardis, and a table prints the mean
# requests/s of each, their ratio, each round's ratio, and each server's CPU
# time per request (user + system, from /proc; for LRANGE_100 it includes
# the LPUSH that fills the list). Where redis-benchmark itself is the
# bottleneck (fifty clients at -P 1 on two cores), requests/s measures the
# client and the CPU columns show what the servers spend.
#
#   bench/compare.sh [build-dir]      (default: build)
#   REQUESTS=200000 SHARDS=2 ROUNDS=3 bench/compare.sh build
#   PIN=1: servers on CPU 0, redis-benchmark on CPU 1 (bench/lib.sh)
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
ROUNDS=${ROUNDS:-3}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-benchmark redis-cli
require_server "$SERVER_BIN"

# Both servers run without checkpoints (start_server's `--save ''`).
start_both

# rps <port> <redis-benchmark args...>: prints "TEST rps" lines.
# cpu_ticks <pid>: user + system time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# measure <port> <pid> <redis-benchmark args...>: one run; prints
# "test rps" per line, then "cpu <microseconds of server CPU>".
measure() {
  local port=$1 pid=$2 before
  shift 2
  before=$(cpu_ticks "$pid")
  "${CLIENT_CPU[@]}" redis-benchmark -p "$port" --csv "$@" 2>/dev/null | tail -n +2 | tr -d '"' |
    awk -F, '{gsub(/ /, "_", $1); print $1, $2}'
  echo "cpu $((($(cpu_ticks "$pid") - before) * TICK_US))"
}

printf "%-24s %-12s %12s %12s %6s  %-18s %9s %9s\n" "case" "test" "redis rps" "shardis rps" "ratio" \
  "per round" "redis us" "shardis us"
# run_case <label> <requests> <redis-benchmark args...>: each test of the
# args' -t list (or the one command given) ROUNDS times per server.
run_case() {
  local label=$1 requests=$2
  shift 2
  local args=("$@") tests=() t i
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = -t ]; then
      IFS=, read -r -a tests <<<"${args[$((i + 1))]}"
      unset 'args[i]' 'args[i+1]'
    fi
  done
  [ ${#tests[@]} -gt 0 ] || tests=(-)
  for t in "${tests[@]}"; do
    local targs=("${args[@]}")
    [ "$t" = - ] || targs+=(-t "$t")
    for ((i = 1; i <= ROUNDS; i++)); do
      for server in redis shardis; do
        if [ $server = redis ]; then
          measure "$REDIS_PORT" "$REDIS_PID" -n "$requests" "${targs[@]}"
        else
          measure "$SHARDIS_PORT" "$SHARDIS_PID" -n "$requests" "${targs[@]}"
        fi | awk -v s=$server -v r=$i '{ print s, r, $1, $2 }'
      done
    done | awk -v label="$label" -v rounds="$ROUNDS" -v requests="$requests" '
      $3 == "cpu" { cpu[$1] += $4; next }
      { rps[$1, $3] += $4; round[$1, $3, $2] = $4; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
      END {
        # the CPU of a run is spread over every request it made
        for (k = 1; k <= n; k++) {
          name = order[k]; per = ""
          for (r = 1; r <= rounds; r++)
            per = per sprintf("%s%.2f", r > 1 ? " " : "", round["shardis", name, r] / round["redis", name, r])
          printf "%-24s %-12s %12.0f %12.0f %6.2f  %-18s %9.2f %9.2f\n", label, substr(name, 1, 12),
            rps["redis", name] / rounds, rps["shardis", name] / rounds, rps["shardis", name] / rps["redis", name],
            per, cpu["redis"] / (rounds * requests * n), cpu["shardis"] / (rounds * requests * n)
        }
      }'
  done
}

run_case "-c 50 -P 1" "$REQUESTS" -c 50 -P 1 -r "$KEYSPACE" -t "$TESTS"
run_case "-c 50 -P 16" "$((REQUESTS * 4))" -c 50 -P 16 -r "$KEYSPACE" -t "$TESTS"
run_case "-c 1" "$C1_REQUESTS" -c 1 -P 1 -r "$KEYSPACE" -t "$TESTS"
run_case "types -c 50 -P 1" "$REQUESTS" -c 50 -P 1 -r "$KEYSPACE" -t "$TYPE_TESTS"
run_case "types -c 50 -P 16" "$((REQUESTS * 4))" -c 50 -P 16 -r "$KEYSPACE" -t "$TYPE_TESTS"

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
  run_case "EVALSHA -c 50 -P $p" "$REQUESTS" -c 50 -P "$p" -r "$KEYSPACE" \
    evalsha "$SHA" 2 "res:p:t:__rand_int__" "res:p:t:__rand_int__:etag" etag-1 value-1
done

# shardis-stress: concurrent PutIfMatch with its invariants checked, on both
# servers (50 clients; 100 keys, then 1 hot key; with and without hash tags).
# Like redis-benchmark, the tool runs on the client CPU with PIN=1 (sharing
# the servers' CPU, its 50 threads would measure the scheduler), ROUNDS
# times per server, alternating; the table shows the means.
STRESS_BIN=${STRESS_BIN:-$BUILD_DIR/shardis-stress}
STRESS_SECONDS=${STRESS_SECONDS:-5}
if [ -x "$STRESS_BIN" ]; then
  printf "\n%-34s %14s %14s %8s  %s\n" "shardis-stress (50 clients)" "redis ops/s" "shardis ops/s" "ratio" \
    "per round"
  stress_ops() {
    local out
    out=$("${CLIENT_CPU[@]}" "$STRESS_BIN" --host 127.0.0.1 --port "$1" --clients 50 \
      --duration "${STRESS_SECONDS}s" "${@:2}" 2>&1) ||
      { echo "shardis-stress failed on port $1:" >&2; echo "$out" >&2; echo 0; return; }
    echo "$out" | grep -q '^invariants: OK' || { echo "invariants failed on port $1:" >&2; echo "$out" >&2; }
    echo "$out" | sed -n 's/^summary: .*ops\/s=\([0-9.]*\).*/\1/p' | tail -n 1
  }
  for keys in 100 1; do
    for tags in "" "--hash-tags"; do
      label="keys=$keys${tags:+ hash-tags}"
      rs=() ss=()
      for ((round = 0; round < ROUNDS; round++)); do
        rs+=("$(stress_ops "$REDIS_PORT" --keys "$keys" $tags)")
        ss+=("$(stress_ops "$SHARDIS_PORT" --keys "$keys" $tags)")
      done
      awk -v l="$label" -v r="${rs[*]}" -v s="${ss[*]}" 'BEGIN {
        n = split(r, rv, " "); split(s, sv, " "); rt = 0; st = 0; rounds = ""
        for (i = 1; i <= n; i++) {
          rt += rv[i]; st += sv[i]
          rounds = rounds sprintf(" %.2f", rv[i] > 0 ? sv[i] / rv[i] : 0)
        }
        printf "%-34s %14.0f %14.0f %8.2f %s\n", l, rt / n, st / n, (rt > 0 ? st / rt : 0), rounds
      }'
    done
  done
fi
