#!/usr/bin/env bash
# Memory per dataset, shardis next to redis-server, on this machine (the
# README and docs/architecture.md report the numbers). For each dataset a
# fresh server of each kind is started, its empty baseline read, the data
# loaded through redis-cli --pipe, and INFO memory read again:
#   strings   KEYS keys key:N -> a 20-byte value
#   hashes    SMALL hashes of 10 fields (listpacks)
#   zsets     SMALL sorted sets of 10 members (listpacks)
#   bigzset   one sorted set of BIG members (a skiplist)
# Printed: used_memory and the resident set over the baseline, for both
# servers, and the ratio shardis / redis. Each server counts used_memory
# with its own allocator (redis-server: jemalloc; shardis: glibc malloc,
# mallinfo2). The resident set is read from /proc/<pid>/status (VmRSS),
# not from INFO: redis-server refreshes its used_memory_rss in serverCron,
# so right after a load INFO still shows the value of up to 100 ms (and a
# few MB of data) earlier.
#
#   bench/memory_compare.sh [build-dir]          (default: build)
#   KEYS=200000 SMALL=20000 bench/memory_compare.sh build-rel
set -euo pipefail

BUILD_DIR=${1:-build}
SERVER_BIN=${SERVER_BIN:-$BUILD_DIR/shardis-server}
KEYS=${KEYS:-1000000}
SMALL=${SMALL:-100000}
BIG=${BIG:-1000000}
SHARDS=${SHARDS:-2}
DATASETS=${DATASETS:-strings hashes zsets bigzset}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-cli
require_server "$SERVER_BIN"

WORK=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$WORK"' EXIT

# "used_memory rss": INFO's used_memory of the server on <port>, and the
# resident bytes of process <pid>.
memory() {
  local used rss_kb
  used=$(redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
  rss_kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$2/status")
  echo "$used" $((rss_kb * 1024))
}

load_strings() { gen_strings "$KEYS"; }
load_hashes() { gen_hashes "$SMALL"; }
load_zsets() { gen_zsets "$SMALL"; }

# One set: "m:<i>" scored i, 100 members per ZADD.
load_bigzset() {
  awk -v n="$BIG" 'BEGIN { for (i = 1; i <= n; i += 100) {
      c = (n - i + 1 < 100) ? n - i + 1 : 100;
      printf "*%d\r\n$4\r\nZADD\r\n$6\r\nbigzet\r\n", 2 + 2 * c;
      for (j = i; j < i + c; j++) { sv = "" j; mv = "m:" j;
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(sv), sv, length(mv), mv } } }'
}

declare -A USED RSS
for set in $DATASETS; do
  for name in redis shardis; do
    port=$(free_port)
    start_server "$name" "$port" "$WORK" "$WORK/$name.log"
    wait_pong "$port" "$SERVER_PID" "$WORK/$name.log" >/dev/null
    read -r used0 rss0 <<<"$(memory "$port" "$SERVER_PID")"
    "load_$set" | redis-cli -p "$port" --pipe >/dev/null
    read -r used1 rss1 <<<"$(memory "$port" "$SERVER_PID")"
    USED[$name,$set]=$((used1 - used0))
    RSS[$name,$set]=$((rss1 - rss0))
    stop_server "$port"
  done
done

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "Memory over the empty server, MB (shardis with $SHARDS shards)"
printf "%-8s %11s %11s %6s %11s %11s %6s\n" dataset "redis used" shardis ratio "redis rss" shardis ratio
for set in $DATASETS; do
  printf "%-8s %11s %11s %6s %11s %11s %6s\n" "$set" \
    "$(mb "${USED[redis,$set]}")" "$(mb "${USED[shardis,$set]}")" \
    "$(ratio "${USED[shardis,$set]}" "${USED[redis,$set]}")" \
    "$(mb "${RSS[redis,$set]}")" "$(mb "${RSS[shardis,$set]}")" \
    "$(ratio "${RSS[shardis,$set]}" "${RSS[redis,$set]}")"
done
