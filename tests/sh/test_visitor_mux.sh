#!/usr/bin/env bash
# Multiplexed visitor sessions (tunnel.mux, docs/tunnel.md): many visitor connections over one
# carrier byte-exact (TCP and UDP), one carrier on the server however many connections; carrier
# loss ends its streams and the next connection opens a new carrier; fall-back to one
# connection per visitor connection against a server with tunnel.mux=false; credentials and
# ownership checked per stream (a hand-made session whose streams carry a bad password, a BIND
# and a good CONNECT; a visitor whose user may not visit the tunnel). Stock servers: tests/interop.
source "$(dirname "$0")/lib.sh"
PEER="$SRC/tests/sh/mux_peer.py"
ID=3f7c9a52-41d8-4b6e-9c2a-7d1e5b0a9f31
ID2=8e2b6d14-9a3c-4f57-b1e8-0c6d2a4f7e95
read -r T T2 F ECHO V1 V2 V3 V4 MET < <(free_ports 9)
read -r UECHO VU < <(free_ports 2 udp)
cd "$WORK"

bg echo python3 "$PEER" echo "$ECHO"
bg uecho python3 "$SRC/tests/sh/udp_echo.py" serve "$UECHO"
cat > server.yaml <<EOF
metrics: {addr: "127.0.0.1:$MET"}
services:
- name: tunnel
  addr: 127.0.0.1:$T
  handler:
    type: tunnel
    auther: users
    metadata: {tunnel: "echo.local:$ID"}
  listener: {type: tcp}
authers:
- name: users
  auths:
  - {username: alice, password: apass, bind: [$ID], visit: [$ID]}
  - {username: mallory, password: mpass, visit: [$ID2]}
EOF
bg server "$GOST" -C server.yaml
bg server2 "$GOST" -L "tunnel://127.0.0.1:$T2?tunnel=echo.local:$ID&tunnel.mux=false"
wait_listening server "$T"; wait_listening server2 "$T2"
# the visitors' carrier to the first server passes a forwarder that can be killed (carrier loss)
bg fwd "$GOST" -L "tcp://127.0.0.1:$F/127.0.0.1:$T"
FWD=${_pids[-1]}
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$ECHO" -L "rudp://:0/127.0.0.1:$UECHO" -F "tunnel://alice:apass@127.0.0.1:$T?tunnel.id=$ID"
bg client2 "$GOST" -L "rtcp://:0/127.0.0.1:$ECHO" -F "tunnel://127.0.0.1:$T2?tunnel.id=$ID"
MUX="tunnel.id=$ID&tunnel.mux=true"
bg vis "$GOST" -L "tcp://127.0.0.1:$V1/echo.local:0" -L "udp://127.0.0.1:$VU/echo.local:0" -F "tunnel://alice:apass@127.0.0.1:$F?$MUX"
bg vis2 "$GOST" -L "tcp://127.0.0.1:$V2/echo.local:0" -F "tunnel://127.0.0.1:$T2?$MUX"
bg vis-mallory "$GOST" -L "tcp://127.0.0.1:$V3/echo.local:0" -F "tunnel://mallory:mpass@127.0.0.1:$T?$MUX"
bg vis-badpass "$GOST" -L "tcp://127.0.0.1:$V4/echo.local:0" -F "tunnel://alice:wrong@127.0.0.1:$T?$MUX"
wait_listening fwd "$F"; wait_listening vis "$V1"; wait_listening vis2 "$V2"
wait_listening vis-mallory "$V3"; wait_listening vis-badpass "$V4"
wait_log server 'create tunnel .*network=udp'; wait_log server 'create tunnel .*network=tcp'
wait_log server2 'create tunnel'

established() { ss -Htn state established "( sport = :$1 )" | wc -l; }
hold() { # hold NAME PORT N SIZE: N connections checked byte-exact, then held open
  rm -f "$WORK/$1.release"
  python3 "$PEER" check "$2" "$3" "$4" "$WORK/$1.release" > "$WORK/$1.out" 2>&1 &
  _pids+=($!)
  for _ in $(seq 1 600); do grep -qE 'held|error' "$WORK/$1.out" && break; sleep 0.05; done
  grep -q held "$WORK/$1.out" || fail "$1: $(cat "$WORK/$1.out")"
}

echo "# 300 connections through one visitor session, 32 KiB each way, byte-exact"
hold h1 "$V1" 300 32768
[ "$(grep -c 'visitor session from' "$WORK/server.log")" = 1 ] || fail "server accepted more than one session"
n=$(established "$T")
[ "$n" = 3 ] || fail "server holds $n connections for 300 streams (want 3: the client's tcp and udp carriers and the visitor's)"
pass "300 connections byte-exact over 1 visitor carrier; the server holds 3 TCP connections (2 of them the tunnel client's)"
# grep reads the whole body (no -q): an early exit would give curl EPIPE, failing the pipeline
curl -sf --max-time 5 "http://127.0.0.1:$MET/metrics" | grep -E '^gost_service_visitor_sessions\{host="[^"]*",service="tunnel"\} 1$' >/dev/null ||
  fail "metrics: gost_service_visitor_sessions of the tunnel service is not 1"
pass "metrics: gost_service_visitor_sessions 1"
python3 "$SRC/tests/sh/udp_echo.py" check "$VU" 20 1400 || fail "UDP through the visitor session"
pass "UDP datagrams through the same visitor session"

echo "# carrier loss: the forwarder dies; every stream on that carrier ends"
kill "$FWD"
touch "$WORK/h1.release"
for _ in $(seq 1 300); do grep -q '^eof' "$WORK/h1.out" && break; sleep 0.05; done
grep -q '^eof 300$' "$WORK/h1.out" || fail "streams after carrier loss: $(tail -n 1 "$WORK/h1.out")"
wait_log vis 'visitor session to .* closed'
pass "all 300 held connections closed when the carrier went"
retry 25 sh -c "curl -sf --max-time 5 http://127.0.0.1:$MET/metrics | grep -E '^gost_service_visitor_sessions.*service=\"tunnel\"\} 0$' >/dev/null" ||
  fail "metrics: the lost session is still counted"
bg fwd-again "$GOST" -L "tcp://127.0.0.1:$F/127.0.0.1:$T"
wait_listening fwd-again "$F"
retry 20 python3 "$PEER" check "$V1" 50 20000 >/dev/null || fail "connections after the carrier came back"
[ "$(grep -c 'visitor session to .* up' "$WORK/vis.log")" = 2 ] || fail "the visitor did not open a second carrier"
pass "the visitor opened a new carrier for the next connections (50 byte-exact)"

echo "# fall-back: a server with tunnel.mux=false"
hold h2 "$V2" 40 20000
grep -q 'not offered by the server (Service Unavailable)' "$WORK/vis2.log" || fail "vis2 did not log the refusal"
grep -q 'visitor sessions disabled (tunnel.mux=false)' "$WORK/server2.log" || fail "server2 did not log the refusal"
n=$(established "$T2")
[ "$n" -ge 41 ] || fail "server2 holds $n connections for 40 visitor connections (per-connection mode wants 41)"
touch "$WORK/h2.release"
pass "40 connections byte-exact, one carrier each ($n on server2), after the session was refused"

echo "# credentials and ownership per stream"
out=$(python3 "$PEER" streams "$T" alice apass wrong "$ID" echo.local) || fail "session by hand: $out"
echo "$out" | grep -qx 'stream 3 Unauthorized fin ' || fail "bad password on a stream: $out"
echo "$out" | grep -qx 'stream 5 Bad Request fin ' || fail "BIND on a stream: $out"
echo "$out" | grep -qx 'stream 7 OK open hello' || fail "good CONNECT on the same session: $out"
grep -q 'visitor session stream takes tunnel CONNECT only' "$WORK/server.log" || fail "BIND refusal not logged"
pass "one session: bad password -> Unauthorized, BIND -> Bad Request, good CONNECT -> echo"
got=$(python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $V3), timeout=5); s.sendall(b'x'*10)
try: print(len(s.recv(100)))
except OSError: print(0)")
[ "$got" = 0 ] || fail "mallory got $got bytes from a tunnel she may not visit"
retry 25 grep -qF "user \\\"mallory\\\" may not visit tunnel $ID" "$WORK/server.log" || fail "ownership refusal not logged"
grep -q 'visitor session to .* up' "$WORK/vis-mallory.log" || fail "mallory's session was not accepted"
grep -q 'Unauthorized' "$WORK/vis-mallory.log" || fail "mallory's visitor did not log Unauthorized"
pass "mallory's session accepted, her stream to a tunnel she may not visit refused (Unauthorized)"
python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $V4), timeout=5); s.sendall(b'x')
try: s.recv(1)
except OSError: pass" || true
retry 25 grep -q 'not offered by the server (Unauthorized)' "$WORK/vis-badpass.log" || fail "wrong password: session not refused"
pass "a session with a wrong password is refused (Unauthorized)"

echo "# examples/visitor-mux.yaml: TCP and UDP over one TLS carrier"
EID=aede1f6a-762b-45da-b937-b6632356555a
read -r TT XS < <(free_ports 2)
XD=$(free_port udp)
bg server-tls "$GOST" -L "tunnel+tls://127.0.0.1:$TT?tunnel=ssh.srv-2.local:$EID,dns.srv-2.local:$EID"
wait_listening server-tls "$TT"
bg client-tls "$GOST" -L "rtcp://:0/127.0.0.1:$ECHO" -L "rudp://:0/127.0.0.1:$UECHO" -F "tunnel+tls://127.0.0.1:$TT?tunnel.id=$EID"
wait_log server-tls 'create tunnel .*network=udp'; wait_log server-tls 'create tunnel .*network=tcp'
sed -e "s/addr: :2222/addr: 127.0.0.1:$XS/; s/addr: :1053/addr: 127.0.0.1:$XD/; s/server.example.com:8443/127.0.0.1:$TT/" \
  "$SRC/examples/visitor-mux.yaml" > example.yaml
bg example "$GOST" -C example.yaml
wait_listening example "$XS"
python3 "$PEER" check "$XS" 100 10000 >/dev/null || fail "TCP through the example visitor"
python3 "$SRC/tests/sh/udp_echo.py" check "$XD" 10 1400 >/dev/null || fail "UDP through the example visitor"
[ "$(grep -c 'visitor session from' "$WORK/server-tls.log")" = 1 ] || fail "the TLS server accepted more than one session"
pass "examples/visitor-mux.yaml: 100 TCP connections and UDP datagrams over one TLS session"

echo "# other carriers: tunnel+wss, and the legacy relay handler/connector"
for sch in tunnel+wss relay; do
  read -r TS VS < <(free_ports 2)
  n=${sch//+/-}
  bg "srv-$n" "$GOST" -L "$sch://127.0.0.1:$TS?tunnel=echo.local:$ID"
  wait_listening "srv-$n" "$TS"
  bg "cli-$n" "$GOST" -L "rtcp://:0/127.0.0.1:$ECHO" -F "$sch://127.0.0.1:$TS?tunnel.id=$ID"
  bg "vis-$n" "$GOST" -L "tcp://127.0.0.1:$VS/echo.local:0" -F "$sch://127.0.0.1:$TS?$MUX"
  wait_log "srv-$n" 'create tunnel'; wait_listening "vis-$n" "$VS"
  python3 "$PEER" check "$VS" 100 20000 >/dev/null || fail "$sch: connections through the session"
  [ "$(grep -c 'visitor session from' "$WORK/srv-$n.log")" = 1 ] || fail "$sch: not one session"
  c=$(established "$TS")
  [ "$c" = 2 ] || fail "$sch: the server holds $c connections (want 2)"
  pass "$sch: 100 connections byte-exact over one session"
done
