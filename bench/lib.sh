# Shared by the bench/*.sh scripts: `source "$(dirname "$0")/lib.sh"`.

# require_tools <tool...>: exits unless each is on PATH.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null ||
      { echo "missing $tool (apt-get install redis-server redis-tools)" >&2; exit 1; }
  done
}

# require_server <path>: exits unless shardis-server was built there.
require_server() {
  [ -x "$1" ] || { echo "no shardis-server at $1 (build first)" >&2; exit 1; }
}

# A TCP port on 127.0.0.1 nobody listens on, below the kernel's range of
# ephemeral ports: a port from that range may become the source port of a
# client's connection (redis-cli's, say) before the server binds it, and
# the server then fails with "Address already in use".
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 11024 ] || low=32768
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}

now_ms() { date +%s%3N; }

# PIN=1: the servers run on CPU 0 and the load generators on CPU 1, so the
# scheduler does not move them onto each other's core between runs (needs
# two CPUs). Prefix commands with "${SERVER_CPU[@]}" or "${CLIENT_CPU[@]}".
SERVER_CPU=()
CLIENT_CPU=()
if [ "${PIN:-0}" = 1 ]; then
  SERVER_CPU=(taskset -c 0)
  CLIENT_CPU=(taskset -c 1)
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# start_server <redis|shardis> <port> <dir> <log>: starts one server in the
# background, without checkpoints of its own (`--save ''`), writing into
# <dir>; sets SERVER_PID. shardis runs $SERVER_BIN with $SHARDS shards and
# any further options in $SHARDIS_ARGS (e.g. "--busy-poll-us 50").
start_server() {
  local name=$1 port=$2 dir=$3 log=$4
  if [ "$name" = redis ]; then
    "${SERVER_CPU[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --daemonize no >>"$log" 2>&1 &
  else
    "${SERVER_CPU[@]}" "$SERVER_BIN" --port "$port" --bind 127.0.0.1 --save '' --dir "$dir" --shards "${SHARDS:-2}" \
      --loglevel warning ${SHARDIS_ARGS:-} >>"$log" 2>&1 &
  fi
  SERVER_PID=$!
}

# start_both: starts redis-server and shardis (as start_server does) on
# free ports, writing into a fresh WORK dir, and waits until both answer
# PONG; on exit both are stopped and WORK is removed. Sets WORK, REDIS_PORT,
# REDIS_PID, SHARDIS_PORT and SHARDIS_PID.
start_both() {
  WORK=$(mktemp -d)
  REDIS_PORT=$(free_port)
  SHARDIS_PORT=$(free_port)
  start_server redis "$REDIS_PORT" "$WORK" "$WORK/redis.log"
  REDIS_PID=$SERVER_PID
  start_server shardis "$SHARDIS_PORT" "$WORK" "$WORK/shardis.log"
  SHARDIS_PID=$SERVER_PID
  trap stop_both EXIT
  wait_pong "$REDIS_PORT" "$REDIS_PID" "$WORK/redis.log" >/dev/null
  wait_pong "$SHARDIS_PORT" "$SHARDIS_PID" "$WORK/shardis.log" >/dev/null
}
stop_both() {
  SERVER_PID=$REDIS_PID stop_server "$REDIS_PORT"
  SERVER_PID=$SHARDIS_PID stop_server "$SHARDIS_PORT"
  rm -rf "$WORK"
}

# wait_pong <port> [<pid> <log>]: prints the milliseconds until the server
# answers PONG (not -LOADING); exits after 60 s, or as soon as <pid> is
# gone, printing the end of <log> (the scripts delete their logs on exit).
wait_pong() {
  local t0 reply
  t0=$(now_ms)
  for _ in $(seq 1 6000); do
    reply=$(redis-cli -p "$1" ping 2>/dev/null || true)
    [ "$reply" = PONG ] && { echo $(($(now_ms) - t0)); return 0; }
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
      echo "server on port $1 exited before answering" >&2
      break
    fi
    sleep 0.01
  done
  echo "server on port $1 did not start" >&2
  [ -n "${3:-}" ] && tail -n 20 "$3" >&2
  exit 1
}

# stop_server <port>: SHUTDOWN NOSAVE and wait for $SERVER_PID.
stop_server() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# Datasets as RESP on stdout, for `redis-cli --pipe`.
# gen_strings <n>: key:1..key:n -> 20-byte values.
gen_strings() {
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) {
      k = "key:" i; v = sprintf("%020d", i);
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$20\r\n%s\r\n", length(k), k, v } }'
}
# gen_hashes <n>: h:1..h:n, 10 fields "field<f>" -> "value<i>-<f>".
gen_hashes() {
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) {
      k = "h:" i; printf "*22\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", length(k), k;
      for (f = 0; f < 10; f++) { fv = "field" f; vv = "value" i "-" f;
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(fv), fv, length(vv), vv } } }'
}
# gen_zsets <n>: z:1..z:n, 10 members "member<f>" scored f * 1.5.
gen_zsets() {
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) {
      k = "z:" i; printf "*22\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n", length(k), k;
      for (f = 0; f < 10; f++) { sv = f * 1.5; mv = "member" f;
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(sv), sv, length(mv), mv } } }'
}
