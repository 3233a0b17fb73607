#!/usr/bin/env bash
# Checkpoints side by side with redis-server's RDB, on this machine, in one
# run (docs/persistence.md reports the numbers):
#   1. writer impact: 50 clients run SET and GET (redis-benchmark) on a
#      dataset of KEYS strings, once alone and once with a BGSAVE sent
#      0.3 s into the run; p50/p99/max latency and requests/s for each;
#   2. SAVE time and restore time (start to the first PONG) for KEYS
#      strings and for a mixed dataset (strings, hashes of 10 fields,
#      sorted sets of 10 members).
#
#   bench/checkpoint_compare.sh [build-dir]        (default: build)
#   KEYS=200000 SHARDS=2 bench/checkpoint_compare.sh build
set -euo pipefail

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/shardis-server}
KEYS=${KEYS:-1000000}
MIXED=${MIXED:-100000}  # hashes and sorted sets in the mixed dataset, each
REQUESTS=${REQUESTS:-400000}
SHARDS=${SHARDS:-2}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-benchmark redis-cli
require_server "$SERVER_BIN"

WORK=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$WORK"' EXIT

load_strings() { gen_strings "$KEYS" | redis-cli -p "$1" --pipe >/dev/null; }
# The mixed dataset: the strings plus MIXED hashes of 10 fields and MIXED
# sorted sets of 10 members.
load_mixed() {
  load_strings "$1"
  { gen_hashes "$MIXED"; gen_zsets "$MIXED"; } | redis-cli -p "$1" --pipe >/dev/null
}

# SET and GET from 50 clients; prints "test rps p50 p99 max" per test.
writers() {
  "${CLIENT_CPU[@]}" redis-benchmark -p "$1" -c 50 -n "$REQUESTS" -r "$KEYS" -d 20 -t set,get --csv 2>/dev/null |
    tail -n +2 | tr -d '"' | awk -F, '{ printf "%s %.0f %s %s %s\n", $1, $2, $5, $7, $8 }'
}

# Waits for the BGSAVE to finish: one redis-cli asks every 20 ms (starting
# a redis-cli 50 times a second took CPU from both servers' runs).
wait_bgsave() {
  redis-cli -p "$1" -r 1000000 -i 0.02 info persistence | grep -q -m1 '^rdb_bgsave_in_progress:0' || true
}

declare -A IMPACT SAVE_MS BGSAVE_MS RESTORE_MS
for name in redis shardis; do
  port=$(free_port)
  dir="$WORK/$name"
  mkdir -p "$dir"
  start_server "$name" "$port" "$dir" "$WORK/$name.log"
  wait_pong "$port" "$SERVER_PID" "$WORK/$name.log" >/dev/null
  load_strings "$port"
  IMPACT[$name,base]=$(writers "$port")
  writers "$port" >"$WORK/with-bgsave" &
  bench=$!
  sleep 0.3
  t0=$(now_ms)
  redis-cli -p "$port" bgsave >/dev/null
  wait_bgsave "$port"
  BGSAVE_MS[$name]=$(($(now_ms) - t0))
  wait $bench
  IMPACT[$name,bgsave]=$(cat "$WORK/with-bgsave")
  stop_server "$port"

  for set in strings mixed; do
    rm -f "$dir"/dump.*
    start_server "$name" "$port" "$dir" "$WORK/$name.log"
    wait_pong "$port" "$SERVER_PID" "$WORK/$name.log" >/dev/null
    "load_$set" "$port"
    t0=$(now_ms)
    redis-cli -p "$port" save >/dev/null
    SAVE_MS[$name,$set]=$(($(now_ms) - t0))
    stop_server "$port"
    start_server "$name" "$port" "$dir" "$WORK/$name.log"
    RESTORE_MS[$name,$set]=$(wait_pong "$port" "$SERVER_PID" "$WORK/$name.log")
    stop_server "$port"
  done
done

echo "Writer impact: $KEYS keys, redis-benchmark -c 50 -n $REQUESTS -r $KEYS -d 20 -t set,get"
printf "%-22s %-4s %10s %9s %9s %9s\n" server test rps "p50 ms" "p99 ms" "max ms"
for name in redis shardis; do
  for when in base bgsave; do
    while read -r test rps p50 p99 max; do
      label=$name
      [ "$when" = bgsave ] && label="$name + BGSAVE"
      printf "%-22s %-4s %10s %9s %9s %9s\n" "$label" "$test" "$rps" "$p50" "$p99" "$max"
    done <<<"${IMPACT[$name,$when]}"
  done
done
echo "BGSAVE duration: redis ${BGSAVE_MS[redis]} ms, shardis ${BGSAVE_MS[shardis]} ms"
echo
echo "SAVE and restore (start to first PONG), ms; shardis with $SHARDS shards"
printf "%-8s %10s %10s %7s %12s %12s %7s\n" dataset "redis save" "shardis" ratio "redis load" "shardis" ratio
for set in strings mixed; do
  printf "%-8s %10s %10s %7.2f %12s %12s %7.2f\n" "$set" "${SAVE_MS[redis,$set]}" "${SAVE_MS[shardis,$set]}" \
    "$(ratio "${SAVE_MS[shardis,$set]}" "${SAVE_MS[redis,$set]}")" \
    "${RESTORE_MS[redis,$set]}" "${RESTORE_MS[shardis,$set]}" \
    "$(ratio "${RESTORE_MS[shardis,$set]}" "${RESTORE_MS[redis,$set]}")"
done
