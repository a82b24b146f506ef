#!/usr/bin/env bash
# The legacy relay tunnel of GOST 3.0.0-rc (seeds 000 and 003, their command lines with loopback
# addresses): usage relay.sh SERVER CLIENT VISITOR, each lib or rc5.
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L="relay: $(combo "$S" "$C" "$V")"
read -r T E W1 W2 V1 V2 ECHO V3 < <(free_ports 8)
read -r UECHO V4 < <(free_ports 2 udp)
web w1 "$W1" "backend one"; web w2 "$W2" "backend two"
bg echo python3 "$SRC/tests/interop/peer.py" echo tcp "$ECHO"
bg uecho python3 "$SRC/tests/interop/peer.py" echo udp "$UECHO"
# seed 000 server: the command line (rc.5 predates the `tunnel` option: its config file instead)
if [ "$S" = rc5 ]; then
  cat > "$WORK/server.yaml" <<YAML
services:
- name: service-0
  addr: 127.0.0.1:$T
  handler:
    type: relay
    metadata:
      entryPoint: "127.0.0.1:$E"
      ingress: ingress-0
  listener:
    type: tcp
ingresses:
- name: ingress-0
  rules:
  - hostname: ".example.com"
    endpoint: $ID1
  - hostname: "example.org"
    endpoint: $ID2
  - hostname: "echo.example.org"
    endpoint: $ID3
YAML
  run server "$S" -C "$WORK/server.yaml"
else
  run server "$S" -L "relay://127.0.0.1:$T?entryPoint=127.0.0.1:$E&tunnel=.example.com:$ID1,example.org:$ID2,echo.example.org:$ID3"
fi
wait_tcp "$T"; wait_tcp "$E"
# seed 000 client (tunnel.id), seed 003 client (tunnelID); rc.5 knows only tunnelID
K=tunnel.id; [ "$C" = rc5 ] && K=tunnelID
KV=tunnel.id; [ "$V" = rc5 ] && KV=tunnelID
# rc.5 logs its binds at debug level only; it wants a port on visitor targets (seed 003's ":0")
D=(); [ "$C" = rc5 ] && D=(-D)
P=; [ "$V" = rc5 ] && P=:0
run c1 "$C" "${D[@]}" -L "rtcp://:0/127.0.0.1:$W1" -F "relay://127.0.0.1:$T?$K=$ID1"
run c2 "$C" "${D[@]}" -L "rtcp://:0/127.0.0.1:$W2" -F "relay://127.0.0.1:$T?tunnelID=$ID2"
run c3 "$C" "${D[@]}" -L "rtcp://:0/127.0.0.1:$ECHO" -L "rudp://:0/127.0.0.1:$UECHO" -F "relay://127.0.0.1:$T?$K=$ID3"
wait_bound c1; wait_bound c2; wait_bound c3
expect_http "$E" example.com "backend one 200" "$L"
expect_http "$E" www.example.com "backend one 200" "$L"
expect_http "$E" example.org "backend two 200" "$L"
# seed 000/003 visitors: by host name (with and without :0) and by sniffing
run v1 "$V" -L "tcp://127.0.0.1:$V1/example.org$P" -F "relay://127.0.0.1:$T?$KV=$ID2"
run v2 "$V" -L "tcp://127.0.0.1:$V2?sniffing=true" -F "relay://127.0.0.1:$T?tunnelID=$ID2"
run v3 "$V" -L "tcp://127.0.0.1:$V3/echo.example.org:0" -L "udp://127.0.0.1:$V4/echo.example.org:0" \
  -F "relay://127.0.0.1:$T?tunnelID=$ID3"
wait_tcp "$V1"; wait_tcp "$V2"; wait_tcp "$V3"
expect_http "$V1" example.org "backend two 200" "$L: visitor by host"
expect_http "$V2" example.org "backend two 200" "$L: visitor by sniffing"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip tcp "$V3" 3000 || fail "$L: tcp echo through the visitor"
pass "$L: tcp visitor, 3000 bytes echoed"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "$V4" 1200 || fail "$L: udp echo through the visitor"
pass "$L: udp visitor, 1200-byte datagram echoed"
