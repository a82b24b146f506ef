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
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n "${GOST_LOG_TAIL:-40}" "$f"; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# free_ports N [udp]: N distinct free loopback ports, bindable right now. They are drawn at random
# below the kernel's ephemeral range (ip_local_port_range), so the outgoing connections of
# concurrently running tests cannot take them between this call and the bind; all N are held
# while choosing, so they are distinct. Usage: read -r A B C < <(free_ports 3)
free_ports() {
  # printed only once the picker has exited: it holds the ports until then, and a caller reading
  # them through < <(free_ports N) would otherwise race it to bind
  local out
  out=$(python3 "$SRC/scripts/free-ports.py" "$@")
  echo "$out"
}
free_port() { free_ports 1 "${1:-tcp}"; }

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

# log_port FILE PCRE: the port a service wrote to its log on start (it listened on port 0);
# PCRE uses \K before the port digits. Waits 10 s at most.
log_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(grep -oP "$2" "$1" 2>/dev/null | head -n 1) && [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.1
  done
  echo "no port matching '$2' in $1" >&2
  return 1
}

# wait_log NAME REGEX [SECS]: until $WORK/NAME.log has a line matching REGEX (extended regex;
# 10 s by default). A readiness check for what cannot be probed with wait_tcp (UDP, tunnels).
wait_log() {
  local n=$(( ${3:-10} * 20 ))
  for _ in $(seq 1 "$n"); do
    grep -qE "$2" "$WORK/$1.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no line matching '$2' in $1.log" >&2
  return 1
}

# bound_port NAME: the port the kernel gave a ":0" listener of the gost process NAME, read from
# its log ("service ... bound port N") once it listens. Listening on port 0 cannot race with
# other tests for a port. Usage: bg fwd "$GOST" -L udp://127.0.0.1:0/...; p=$(bound_port fwd)
bound_port() {
  wait_log "$1" 'bound port [0-9]+' || return 1
  grep -oE 'bound port [0-9]+' "$WORK/$1.log" | head -n 1 | cut -d' ' -f3
}

# retry N CMD...: runs CMD until it succeeds, N times at most, 0.2 s apart.
retry() {
  local n=$1; shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
  "$@"
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# start_sshd PORT: a throwaway sshd on 127.0.0.1:PORT (log sshd.log) accepting root with the
# key $WORK/userkey; waits until it listens. Clients: ssh -i "$WORK/userkey" -p PORT root@127.0.0.1
start_sshd() {
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"; ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey"
  cp "$WORK/userkey.pub" "$WORK/authorized_keys"; chmod 600 "$WORK/authorized_keys"
  mkdir -p /run/sshd
  printf '%s\n' "Port $1" "ListenAddress 127.0.0.1" "HostKey $WORK/hostkey" \
    "AuthorizedKeysFile $WORK/authorized_keys" "PermitRootLogin yes" "PasswordAuthentication no" \
    "StrictModes no" "UsePAM no" "PidFile $WORK/sshd.pid" > "$WORK/sshd_config"
  bg sshd /usr/sbin/sshd -D -e -f "$WORK/sshd_config"
  wait_tcp "$1"
}

# wait_listening NAME PORT: until the log of NAME (a gost, ours or stock) says it listens on
# 127.0.0.1:PORT (10 s). Unlike wait_tcp, a port a neighbouring test took first fails here with
# the cause, instead of passing on the neighbour's listener.
wait_listening() {
  for _ in $(seq 1 100); do
    grep -Eq "listening on 127\.0\.0\.1:$2([^0-9]|$)" "$WORK/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$1 does not listen on 127.0.0.1:$2:" >&2; tail -n 3 "$WORK/$1.log" >&2
  return 1
}
