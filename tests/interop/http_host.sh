#!/usr/bin/env bash
# HTTP routed by Host through the public entrypoint: usage http_host.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L=$(combo "$S" "$C")
read -r T E W1 W2 W3 < <(free_ports 5)
web w1 "$W1" "backend one"; web w2 "$W2" "backend two"
bg w3 python3 "$SRC/tests/interop/peer.py" headers "$W3"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=.example.com:$ID1,example.org:$ID2,headers.test:$ID3"
wait_tcp "$T"; wait_tcp "$E"
run c1 "$C" -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run c2 "$C" -L "rtcp://:0/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
run c3 "$C" -L "rtcp://:0/127.0.0.1:$W3" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
wait_bound c1; wait_bound c2; wait_bound c3
expect_http "$E" example.com "backend one 200" "$L"
expect_http "$E" www.example.com "backend one 200" "$L"
expect_http "$E" example.org "backend two 200" "$L"
expect_http "$E" unknown.test " 502" "$L"
# The request headers stock's entrypoint adds for the backend: its node ID and a request ID.
wait_tcp "$W3"
got=$(retry 20 curl -sf --max-time 10 --resolve "headers.test:$E:127.0.0.1" "http://headers.test:$E/") || fail "$L: headers.test"
echo "$got" | grep -Eq '^Gost-Forwarded-Node: [0-9a-f-]{36}' || fail "$L: no Gost-Forwarded-Node in '$got'"
echo "$got" | grep -Eq '^Gost-Sid: [0-9a-v]{20}' || fail "$L: no Gost-Sid in '$got'"
pass "$L: the backend sees Gost-Forwarded-Node and Gost-Sid"
