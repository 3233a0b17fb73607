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

# A TCP port on 127.0.0.1 nobody listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}
