#!/usr/bin/env bash
# Half-close and abort through a visitor and the tunnel. usage: halfclose.sh S C V
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L="half-close/abort: $(combo "$S" "$C" "$V")"
read -r T EOFR RST V1 V2 < <(free_ports 5)
bg eofreply python3 "$SRC/tests/interop/peer.py" eofreply "$EOFR"
bg reset python3 "$SRC/tests/interop/peer.py" reset "$RST"
run server "$S" -L "tunnel://127.0.0.1:$T?tunnel=eof.test:$ID1,rst.test:$ID2"
wait_tcp "$T"; wait_tcp "$EOFR"; wait_tcp "$RST"
run c1 "$C" -L "rtcp://:0/127.0.0.1:$EOFR" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run c2 "$C" -L "rtcp://:0/127.0.0.1:$RST" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_bound c1; wait_bound c2
run v1 "$V" -L "tcp://127.0.0.1:$V1/eof.test:0" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run v2 "$V" -L "tcp://127.0.0.1:$V2/rst.test:0" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_tcp "$V1"; wait_tcp "$V2"
# smux streams have no half-close: stock ends the whole stream at the client's EOF, so a
# reply the backend sends after reading EOF never arrives; the connection must end, not hang.
got=$(timeout 12 python3 "$SRC/tests/interop/peer.py" halfclose "$V1" hello) || fail "$L: half-closed connection hangs"
[ -z "$got" ] || fail "$L: after half-close got '$got' (stock: the stream ends, nothing comes back)"
pass "$L: half-close ends the stream as stock does"
# A backend that resets: the visitor's client sees the connection end (EOF), as with stock.
got=$(timeout 12 python3 "$SRC/tests/interop/peer.py" abort "$V2") || fail "$L: aborted connection hangs"
[ "$got" = eof ] || fail "$L: backend reset seen as '$got' (stock: eof)"
pass "$L: backend abort ends the visitor's connection"
