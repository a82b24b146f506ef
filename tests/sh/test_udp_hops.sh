#!/usr/bin/env bash
# UDP through proxy hops, as stock GOST does it:
#   gost -L udp://:P/echo -F relay://hop    (relay CONNECT|UDP, framing (A) on the connection)
#   gost -L udp://:P/echo -F socks5://hop   (GOST's UDP-over-TCP 0xF3, framing (B); hop udp=true)
# and RFC 1928 UDP ASSOCIATE on the socks5 handler (udp=true), driven by a plain Python client.
# libgost against libgost; against stock GOST: tests/interop/remote_forward.sh.
source "$(dirname "$0")/lib.sh"

read -r ECHO < <(free_port udp)
bg echo python3 "$SRC/tests/sh/udp_echo.py" serve "$ECHO"

case_pids=()
start() { bg "$@"; case_pids+=("${_pids[-1]}"); }
stop_case() {
  for p in "${case_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${case_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  case_pids=()
}

# hop_case LABEL SERVER_BIN SERVER_URL(with @S@) CLIENT_BIN "HOP..." (space-separated -F urls, @S@)
hop_case() {
  local label=$1 sbin=$2 surl=$3 cbin=$4 chop=$5 S P
  read -r S < <(free_ports 1)
  read -r P < <(free_port udp)
  start "srv-$label" "$sbin" -L "${surl//@S@/$S}"
  wait_listening "srv-$label" "$S"
  local args=() h
  for h in ${chop//@S@/$S}; do args+=(-F "$h"); done
  start "cli-$label" "$cbin" -L "udp://127.0.0.1:$P/127.0.0.1:$ECHO" "${args[@]}"
  python3 "$SRC/tests/sh/udp_echo.py" check "$P" 5 1400 || fail "$label"
  pass "$label"
  stop_case
}

hop_case relay-hop "$GOST" "relay://127.0.0.1:@S@" "$GOST" "relay://127.0.0.1:@S@"
hop_case socks5-hop "$GOST" "socks5://127.0.0.1:@S@?udp=true" "$GOST" "socks5://127.0.0.1:@S@"
# two hops: socks5 then relay
read -r H1 < <(free_ports 1)
start hop1 "$GOST" -L "socks5://127.0.0.1:$H1"
wait_listening "hop1" "$H1"
hop_case relay-behind-socks5 "$GOST" "relay://127.0.0.1:@S@" "$GOST" "socks5://127.0.0.1:$H1 relay://127.0.0.1:@S@"

# UDP ASSOCIATE
read -r S < <(free_ports 1)
start srv-assoc "$GOST" -L "socks5://127.0.0.1:$S?udp=true"
wait_listening "srv-assoc" "$S"
python3 "$SRC/tests/sh/udp_echo.py" socks5 "$S" "$ECHO" 5 || fail "UDP ASSOCIATE"
stop_case
pass "socks5 UDP ASSOCIATE"
start srv-noudp "$GOST" -L "socks5://127.0.0.1:$S"
wait_listening "srv-noudp" "$S"
python3 "$SRC/tests/sh/udp_echo.py" socks5 "$S" "$ECHO" 1 2>/dev/null && fail "UDP ASSOCIATE without udp=true was accepted"
grep -q "UDP relay is disabled" "$WORK/srv-noudp.log" || fail "UDP ASSOCIATE refusal not logged"
stop_case
pass "socks5 UDP ASSOCIATE refused without udp=true"

# Against stock GOST in both roles: tests/interop/remote_forward.sh (make test-interop).
