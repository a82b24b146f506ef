#!/usr/bin/env bash
# Remote port forwarding without a tunnel server, as stock GOST does it:
#   server: gost -L relay://:S?bind=true    or    gost -L socks5://:S?bind=true
#   client: gost -L rtcp://:P/backend -F relay://server:S   (rudp likewise, socks5 likewise)
# TCP: a 1 MiB file fetched through the public port, byte-exact; UDP: echoes of datagrams up
# to 1400 bytes. libgost against libgost always, over a chain too; against stock GOST: tests/interop/remote_forward.sh.
source "$(dirname "$0")/lib.sh"

read -r HTTP UECHO < <(free_ports 2)
head -c 1048576 /dev/urandom > "$WORK/blob"
WANT=$(sha256sum < "$WORK/blob")
bg http python3 -m http.server "$HTTP" --bind 127.0.0.1 --directory "$WORK"
bg uecho python3 "$SRC/tests/sh/udp_echo.py" serve "$UECHO"
wait_tcp "$HTTP"

case_pids=()
start() { # start NAME CMD...: like bg, remembered for stop_case
  bg "$@"
  case_pids+=("${_pids[-1]}")
}
stop_case() {
  for p in "${case_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${case_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  case_pids=()
}

wait_tcp() { # lib.sh's, saying who holds the port when it fails
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1"; ss -tanup | grep ":$1\b" >&2
  return 1
}

fetch_ok() { [ "$(curl -s -m 5 "http://127.0.0.1:$1/blob" | sha256sum)" = "$WANT" ]; }

# tcp_case LABEL SERVER_BIN SERVER_SCHEME CLIENT_BIN [extra -F hops before the bind node...]
tcp_case() {
  local label=$1 sbin=$2 scheme=$3 cbin=$4; shift 4
  local S P; read -r S P < <(free_ports 2)
  start "srv-$label" "$sbin" -L "$scheme://127.0.0.1:$S?bind=true"
  wait_listening "srv-$label" "$S"
  start "cli-$label" "$cbin" -L "rtcp://127.0.0.1:$P/127.0.0.1:$HTTP" "$@" -F "$scheme://127.0.0.1:$S"
  retry 50 fetch_ok "$P" || fail "$label: 1 MiB through the remote port"
  fetch_ok "$P" || fail "$label: second fetch"
  pass "$label"
  stop_case
}

udp_case() {
  local label=$1 sbin=$2 scheme=$3 cbin=$4; shift 4
  local S P; read -r S < <(free_ports 1); read -r P < <(free_ports 1 udp)
  start "srv-$label" "$sbin" -L "$scheme://127.0.0.1:$S?bind=true"
  wait_listening "srv-$label" "$S"
  start "cli-$label" "$cbin" -L "rudp://127.0.0.1:$P/127.0.0.1:$UECHO" "$@" -F "$scheme://127.0.0.1:$S"
  python3 "$SRC/tests/sh/udp_echo.py" check "$P" 5 1400 || fail "$label: UDP echoes through the remote port"
  pass "$label"
  stop_case
}

for scheme in relay socks5; do
  tcp_case "$scheme-tcp" "$GOST" "$scheme" "$GOST"
  udp_case "$scheme-udp" "$GOST" "$scheme" "$GOST"
done

# Over a chain: the bind node is reached through a SOCKS5 proxy hop.
read -r HOP < <(free_ports 1)
start hop "$GOST" -L "socks5://127.0.0.1:$HOP"
wait_listening "hop" "$HOP"
tcp_case "relay-tcp-via-socks5-hop" "$GOST" relay "$GOST" -F "socks5://127.0.0.1:$HOP"
start hop "$GOST" -L "socks5://127.0.0.1:$HOP"
wait_listening "hop" "$HOP"
udp_case "socks5-udp-via-socks5-hop" "$GOST" socks5 "$GOST" -F "socks5://127.0.0.1:$HOP"

# Without bind=true the server refuses, saying why, and the client keeps retrying.
read -r S P < <(free_ports 2)
start srv-nobind "$GOST" -L "relay://127.0.0.1:$S"
wait_listening "srv-nobind" "$S"
start cli-nobind "$GOST" -L "rtcp://127.0.0.1:$P/127.0.0.1:$HTTP" -F "relay://127.0.0.1:$S"
retry 50 grep -q "bind disabled" "$WORK/srv-nobind.log" || fail "relay without bind=true: no refusal logged"
retry 50 grep -q "tunnel retrying" "$WORK/cli-nobind.log" || fail "relay without bind=true: client does not retry"
curl -s -m 2 "http://127.0.0.1:$P/blob" >/dev/null && fail "relay without bind=true: the port opened"
stop_case
start srv-nobind5 "$GOST" -L "socks5://127.0.0.1:$S"
wait_listening "srv-nobind5" "$S"
start cli-nobind5 "$GOST" -L "rtcp://127.0.0.1:$P/127.0.0.1:$HTTP" -F "socks5://127.0.0.1:$S"
retry 50 grep -q "BIND is disabled" "$WORK/srv-nobind5.log" || fail "socks5 without bind=true: no refusal logged"
stop_case
pass "bind=false refuses (relay and socks5)"

# Credentials: the relay server checks them before binding.
read -r S P < <(free_ports 2)
start srv-auth "$GOST" -L "relay://u1:p1@127.0.0.1:$S?bind=true"
wait_listening "srv-auth" "$S"
start cli-auth-bad "$GOST" -L "rtcp://127.0.0.1:$P/127.0.0.1:$HTTP" -F "relay://u1:wrong@127.0.0.1:$S"
retry 50 grep -q "authentication failed" "$WORK/srv-auth.log" || fail "relay bind: wrong password not refused"
kill "${case_pids[-1]}"
start cli-auth "$GOST" -L "rtcp://127.0.0.1:$P/127.0.0.1:$HTTP" -F "relay://u1:p1@127.0.0.1:$S"
retry 50 fetch_ok "$P" || fail "relay bind with the right credentials"
stop_case
pass "relay bind credentials"

# Against stock GOST in both roles: tests/interop/remote_forward.sh (make test-interop).
