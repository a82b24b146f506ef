#!/usr/bin/env bash
# tunnel.direct: no ingress, the visitor names the tunnel by its ID. usage: direct.sh S C V
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L="tunnel.direct: $(combo "$S" "$C" "$V")"
read -r T ECHO V1 V2 < <(free_ports 4)
bg echo python3 "$SRC/tests/interop/peer.py" echo tcp "$ECHO"
run server "$S" -L "tunnel://127.0.0.1:$T?tunnel.direct=true"
wait_tcp "$T"; wait_tcp "$ECHO"
run client "$C" -L "rtcp://:0/127.0.0.1:$ECHO" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
wait_bound client
run visitor "$V" -L "tcp://127.0.0.1:$V1/anything.test:0" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run other "$V" -L "tcp://127.0.0.1:$V2/anything.test:0" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_tcp "$V1"; wait_tcp "$V2"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip tcp "$V1" 2000 || fail "$L: echo by tunnel ID"
pass "$L: visitor reaches the tunnel by its ID"
python3 "$SRC/tests/interop/peer.py" roundtrip tcp "$V2" 10 && fail "$L: a tunnel with no client answered"
pass "$L: an ID with no client gets nothing"
