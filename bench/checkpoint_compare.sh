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

now_ms() { date +%s%3N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT

# start <name> <port> <dir>: starts redis or shardis; sets PID. Both write
# their checkpoint into <dir> and take none on their own.
start() {
  local name=$1 port=$2 dir=$3
  if [ "$name" = redis ]; then
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --dbfilename dump.rdb --daemonize no >>"$WORK/$name.log" 2>&1 &
  else
    "$SERVER_BIN" --port "$port" --bind 127.0.0.1 --save '' --dir "$dir" --shards "$SHARDS" \
      --loglevel warning >>"$WORK/$name.log" 2>&1 &
  fi
  PID=$!
}

# Milliseconds until the server on <port> answers PONG (not -LOADING).
wait_pong() {
  local t0 reply
  t0=$(now_ms)
  for _ in $(seq 1 6000); do
    reply=$(redis-cli -p "$1" ping 2>/dev/null || true)
    [ "$reply" = PONG ] && { echo $(($(now_ms) - t0)); return 0; }
    sleep 0.01
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

stop() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  wait "$PID" 2>/dev/null || true
  PID=
}

# Loads the strings dataset (key:1..key:N, 20-byte values) through a pipe.
load_strings() {
  awk -v n="$KEYS" 'BEGIN { for (i = 1; i <= n; i++) {
      k = "key:" i; v = sprintf("%020d", i);
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$20\r\n%s\r\n", length(k), k, v } }' |
    redis-cli -p "$1" --pipe >/dev/null
}

# The mixed dataset: the strings plus MIXED hashes of 10 fields and MIXED
# sorted sets of 10 members.
load_mixed() {
  load_strings "$1"
  awk -v n="$MIXED" 'BEGIN { for (i = 1; i <= n; i++) {
      k = "h:" i; printf "*22\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", length(k), k;
      for (f = 0; f < 10; f++) { fv = "field" f; vv = "value" i "-" f;
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(fv), fv, length(vv), vv }
      k = "z:" i; printf "*22\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n", length(k), k;
      for (f = 0; f < 10; f++) { sv = f * 1.5; mv = "member" f;
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(sv), sv, length(mv), mv } } }' |
    redis-cli -p "$1" --pipe >/dev/null
}

# SET and GET from 50 clients; prints "test rps p50 p99 max" per test.
writers() {
  redis-benchmark -p "$1" -c 50 -n "$REQUESTS" -r "$KEYS" -d 20 -t set,get --csv 2>/dev/null |
    tail -n +2 | tr -d '"' | awk -F, '{ printf "%s %.0f %s %s %s\n", $1, $2, $5, $7, $8 }'
}

bgsave_done() {
  redis-cli -p "$1" info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:0'
}

declare -A IMPACT SAVE_MS BGSAVE_MS RESTORE_MS
for name in redis shardis; do
  port=$(free_port)
  dir="$WORK/$name"
  mkdir -p "$dir"
  start "$name" "$port" "$dir"
  wait_pong "$port" >/dev/null
  load_strings "$port"
  IMPACT[$name,base]=$(writers "$port")
  writers "$port" >"$WORK/with-bgsave" &
  bench=$!
  sleep 0.3
  t0=$(now_ms)
  redis-cli -p "$port" bgsave >/dev/null
  until bgsave_done "$port"; do sleep 0.02; done
  BGSAVE_MS[$name]=$(($(now_ms) - t0))
  wait $bench
  IMPACT[$name,bgsave]=$(cat "$WORK/with-bgsave")
  stop "$port"

  for set in strings mixed; do
    rm -f "$dir"/dump.*
    start "$name" "$port" "$dir"
    wait_pong "$port" >/dev/null
    "load_$set" "$port"
    t0=$(now_ms)
    redis-cli -p "$port" save >/dev/null
    SAVE_MS[$name,$set]=$(($(now_ms) - t0))
    stop "$port"
    start "$name" "$port" "$dir"
    RESTORE_MS[$name,$set]=$(wait_pong "$port")
    stop "$port"
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
