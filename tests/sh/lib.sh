# Shared helpers for shell tests: kernel-assigned loopback ports, background processes that are
# always stopped, and bounded waits. Source it; it sets `set -euo pipefail`.
set -euo pipefail
GOST=$(realpath "${GOST_BIN:-${GOST_BUILD_DIR:-build}/gost}")
SRC=${GOST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK=$(mktemp -d)
_pids=()

cleanup() {
  local rc=$?
  for p in "${_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "${1:-tcp}"
}

# free_ports N [udp]: N distinct ports (all held at once while choosing, so that separate calls
# of free_port cannot return the same number twice). Usage: read -r A B C < <(free_ports 3)
free_ports() {
  python3 -c 'import socket,sys
t = socket.SOCK_DGRAM if sys.argv[2] == "udp" else socket.SOCK_STREAM
ss = [socket.socket(socket.AF_INET, t) for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1" "${2:-tcp}"
}

# bg NAME CMD...: runs CMD in the background with its output in $WORK/NAME.log.
bg() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  _pids+=($!)
}

# wait_tcp PORT: until something listens on 127.0.0.1:PORT (10 s).
wait_tcp() {
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

# retry N CMD...: runs CMD until it succeeds, N times at most, 0.2 s apart.
retry() {
  local n=$1; shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
  "$@"
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
