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
KEYSPACE=${KEYSPACE:-100000}

for tool in redis-server redis-benchmark; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
[ -x "$SERVER_BIN" ] || { echo "no shardis-server at $SERVER_BIN (build first)" >&2; exit 1; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}

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
