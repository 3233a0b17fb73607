#!/usr/bin/env bash
# One redis-benchmark test, many alternating rounds against redis-server and
# shardis, to tell a small difference from noise: prints the mean of the
# per-round ratios (shardis/redis) with its standard deviation and a 95%
# confidence interval (Student's t), and every round's ratio. Rounds swap
# which server goes first, so a drift of the machine cancels out.
#
#   bench/series.sh [build-dir] -- <redis-benchmark args>
#   ROUNDS=10 SHARDS=2 PIN=1 bench/series.sh build-rel -- -n 300000 -c 50 -P 1 -r 100000 -t lrange_100
#
# Give one test (-t with one name); with several, the last one's requests/s
# counts. FLUSHALL runs before every round. LOAD_SCRIPT=<body> loads a
# script into both servers first, for an EVALSHA test.
set -euo pipefail

BUILD_DIR=build
if [ $# -gt 0 ] && [ "$1" != -- ]; then BUILD_DIR=$1; shift; fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: bench/series.sh [build-dir] -- <redis-benchmark args>" >&2; exit 1; }
SERVER_BIN=$BUILD_DIR/shardis-server
ROUNDS=${ROUNDS:-10}
SHARDS=${SHARDS:-2}

source "$(dirname "$0")/lib.sh"
require_tools redis-server redis-benchmark redis-cli
require_server "$SERVER_BIN"

start_both
# LOAD_SCRIPT=<body>: SCRIPT LOAD it into both servers first, for EVALSHA
# tests (its sha is printed; FLUSHALL keeps scripts).
if [ -n "${LOAD_SCRIPT:-}" ]; then
  redis-cli -p "$REDIS_PORT" script load "$LOAD_SCRIPT" >/dev/null
  echo "script sha $(redis-cli -p "$SHARDIS_PORT" script load "$LOAD_SCRIPT")" >&2
fi

# rps <port> <redis-benchmark args...>: requests/s of the last test of one run.
rps() {
  local port=$1
  shift
  redis-cli -p "$port" flushall >/dev/null
  # Fields are quoted: a command's name (an EVAL's script) may hold commas.
  "${CLIENT_CPU[@]}" redis-benchmark -p "$port" --csv "$@" 2>/dev/null | tail -n 1 | awk -F'","' '{ print $2 }'
}

ratios=()
for ((round = 0; round < ROUNDS; round++)); do
  if ((round % 2 == 0)); then
    r=$(rps "$REDIS_PORT" "${@}")
    s=$(rps "$SHARDIS_PORT" "${@}")
  else
    s=$(rps "$SHARDIS_PORT" "${@}")
    r=$(rps "$REDIS_PORT" "${@}")
  fi
  ratios+=("$(awk -v s="$s" -v r="$r" 'BEGIN { printf "%.4f", (r > 0 ? s / r : 0) }')")
  echo "round $((round + 1)): redis $r shardis $s" >&2
done

echo "$*"
awk -v list="${ratios[*]}" 'BEGIN {
  n = split(list, x, " "); sum = 0
  for (i = 1; i <= n; i++) sum += x[i]
  mean = sum / n; ss = 0
  for (i = 1; i <= n; i++) ss += (x[i] - mean) ^ 2
  sd = (n > 1 ? sqrt(ss / (n - 1)) : 0); se = sd / sqrt(n)
  # Student t, two-sided 95%, for n - 1 degrees of freedom (2.0 beyond 30).
  split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 " \
        "2.12 2.11 2.10 2.09 2.09 2.08 2.07 2.07 2.06 2.06 2.06 2.05 2.05 2.05", t, " ")
  tv = (n - 1 >= 1 && n - 1 <= 29 ? t[n - 1] : 2.0)
  printf "ratio shardis/redis: mean %.3f, sd %.3f, 95%% CI [%.3f, %.3f], %d rounds\n", \
    mean, sd, mean - tv * se, mean + tv * se, n
  printf "per round:"; for (i = 1; i <= n; i++) printf " %.2f", x[i]; printf "\n"
}'
