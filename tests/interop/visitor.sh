#!/usr/bin/env bash
# Private tunnel reached by TCP and UDP visitors: usage visitor.sh SERVER CLIENT VISITOR
# The rule is private ($): the public entrypoint refuses it (502), visitors with the ID reach it.
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L=$(combo "$S" "$C" "$V")
read -r T E ECHO V1 < <(free_ports 4)
read -r UECHO V2 < <(free_ports 2 udp)
bg echo python3 "$SRC/tests/interop/peer.py" echo tcp "$ECHO"
bg uecho python3 "$SRC/tests/interop/peer.py" echo udp "$UECHO"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=echo.local:\$$ID3"
wait_tcp "$T"; wait_tcp "$E"; wait_tcp "$ECHO"
run ct "$C" -L "rtcp://:0/127.0.0.1:$ECHO" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
run cu "$C" -L "rudp://:0/127.0.0.1:$UECHO" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
wait_bound ct; wait_bound cu
run visitor "$V" -L "tcp://127.0.0.1:$V1/echo.local" -L "udp://127.0.0.1:$V2/echo.local" \
  -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
wait_tcp "$V1"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip tcp "$V1" 3000 || fail "$L: tcp echo through the visitor"
pass "$L: tcp visitor, 3000 bytes echoed"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "$V2" 1200 || fail "$L: udp echo through the visitor"
pass "$L: udp visitor, 1200-byte datagram echoed"
expect_http "$E" echo.local " 502" "$L: private rule at the public entrypoint"
