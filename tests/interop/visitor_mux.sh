#!/usr/bin/env bash
# A libgost visitor with tunnel.mux=true (multiplexed visitor session, docs/tunnel.md) against a
# server that does not offer sessions: usage visitor_mux.sh SERVER, stock (3.2.6, tunnel
# handler, with and without tunnel.direct) or rc5 (3.0.0-rc.5, relay handler, relay connector).
# The server must refuse the session request cleanly (an error Response, nothing dialled), the
# visitor must fall back to one connection per visitor connection, byte-exact, and the tunnel
# client must see only the real connections (no stream opened for the session request).
source "$(dirname "$0")/lib.sh"
S=$1; L="visitor_mux: server=$S client=lib visitor=lib"
read -r T T2 ECHO V1 V2 < <(free_ports 5)
bg echo python3 "$SRC/tests/sh/mux_peer.py" echo "$ECHO"
if [ "$S" = rc5 ]; then # rc.5 predates the `tunnel` option: a config file (as relay.sh)
  for t in "$T" "$T2"; do
    cat > "$WORK/server-$t.yaml" <<YAML
services:
- name: service-0
  addr: 127.0.0.1:$t
  handler:
    type: relay
    metadata: {ingress: ingress-0$([ "$t" = "$T2" ] && echo ', tunnel.direct: true')}
  listener: {type: tcp}
ingresses:
- name: ingress-0
  rules:
  - {hostname: echo.local, endpoint: $ID3}
YAML
  done
  run server "$S" -C "$WORK/server-$T.yaml"
  run server2 "$S" -C "$WORK/server-$T2.yaml"
  SCHEME=relay K=tunnelID
else
  run server "$S" -L "tunnel://127.0.0.1:$T?tunnel=echo.local:$ID3"
  run server2 "$S" -L "tunnel://127.0.0.1:$T2?tunnel=echo.local:$ID3&tunnel.direct=true"
  SCHEME=tunnel K=tunnel.id
fi
wait_tcp "$T"; wait_tcp "$T2"; wait_log echo '^listening' # no probe: the backend counts connections
run c1 lib -L "rtcp://:0/127.0.0.1:$ECHO" -F "$SCHEME://127.0.0.1:$T?$K=$ID3"
run c2 lib -L "rtcp://:0/127.0.0.1:$ECHO" -F "$SCHEME://127.0.0.1:$T2?$K=$ID3"
wait_bound c1; wait_bound c2
run v1 lib -L "tcp://127.0.0.1:$V1/echo.local:0" -F "$SCHEME://127.0.0.1:$T?$K=$ID3&tunnel.mux=true"
run v2 lib -L "tcp://127.0.0.1:$V2/echo.local:0" -F "$SCHEME://127.0.0.1:$T2?$K=$ID3&tunnel.mux=true"
wait_listening v1 "$V1"; wait_listening v2 "$V2"
for v in v1 v2; do
  p=$V1; [ $v = v2 ] && p=$V2
  out=$(python3 "$SRC/tests/sh/mux_peer.py" check "$p" 20 40000) || fail "$L ($v): $out"
  wait_log "$v" 'visitor session to .* not offered by the server'
  why=$(grep -oE 'not offered by the server \([^)]*\)' "$WORK/$v.log" | head -n 1)
  grep -q 'visitor session to .* up' "$WORK/$v.log" && fail "$L ($v): the visitor thinks a session is up"
  pass "$L ($v$([ $v = v2 ] && echo ', tunnel.direct')): 20 connections byte-exact after the server refused the session: $why"
done
# the session requests reached no tunnel client: the backend saw the 40 connections and no more
n=$(grep -c '^accept' "$WORK/echo.log")
[ "$n" = 40 ] || fail "$L: the backend saw $n connections for 40 visitor connections"
pass "$L: the backend saw exactly the 40 visitor connections"
