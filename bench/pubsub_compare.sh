#!/usr/bin/env bash
# Pub/sub delivery throughput of shardis and redis-server on this machine:
# shardis-pubsub-bench runs each case against redis-server and shardis-server
# in turn, and a table prints delivered messages/s and the ratio.
#
#   bench/pubsub_compare.sh [build-dir]      (default: build; a Release build)
#   DURATION=3s ROUNDS=3 SHARDS=2 bench/pubsub_compare.sh build
#   PIN=1: servers on CPU 0, the benchmark's threads on CPU 1 (bench/lib.sh)
set -euo pipefail

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/shardis-server}
BENCH_BIN=${BENCH_BIN:-$BUILD_DIR/shardis-pubsub-bench}
DURATION=${DURATION:-3s}
ROUNDS=${ROUNDS:-3}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-cli
require_server "$SERVER_BIN"
[ -x "$BENCH_BIN" ] || { echo "no shardis-pubsub-bench at $BENCH_BIN (build first)" >&2; exit 1; }

# name|tool arguments: the fan-out of one channel to many subscribers, and
# the fan-in of many publishers to one pattern subscriber.
CASES=(
  "1 pub -> 100 sub, 64 B|--publishers 1 --subscribers 100 --size 64"
  "1 pub -> 100 sub, 4 KB|--publishers 1 --subscribers 100 --size 4096"
  "50 pub -> 1 psub, 64 B|--publishers 50 --subscribers 1 --pattern --size 64"
  "50 pub -> 1 psub, 4 KB|--publishers 50 --subscribers 1 --pattern --size 4096"
)

start_both

# delivered <port> <tool arguments...>: the run's delivered messages/s.
delivered() {
  local port=$1 out
  shift
  out=$("${CLIENT_CPU[@]}" "$BENCH_BIN" --port "$port" --duration "$DURATION" "$@") ||
    { echo "$out" >&2; exit 1; }
  sed -n 's/.* delivered\/s=\([0-9]*\) .*/\1/p' <<<"$out"
}
max() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# Each case runs ROUNDS times on each server, alternating, and keeps each
# server's best: on a shared machine, load from elsewhere only ever lowers a
# rate, and alternating exposes both servers to the same spells of it.
printf '%-26s %14s %14s %8s\n' case "redis msg/s" "shardis msg/s" ratio
for c in "${CASES[@]}"; do
  read -ra args <<<"${c#*|}"
  best_redis=0
  best_shardis=0
  for _ in $(seq 1 "$ROUNDS"); do
    # Plain assignments, so that set -e stops the script when a run fails.
    r=$(delivered "$REDIS_PORT" "${args[@]}")
    s=$(delivered "$SHARDIS_PORT" "${args[@]}")
    best_redis=$(max "$best_redis" "$r")
    best_shardis=$(max "$best_shardis" "$s")
  done
  printf '%-26s %14s %14s %8s\n' "${c%%|*}" "$best_redis" "$best_shardis" \
    "$(ratio "$best_shardis" "$best_redis")"
done
