#!/usr/bin/env bash
# 8 MiB byte-exact: an HTTP download through the entrypoint and a TCP echo both ways through a
# visitor. usage: big.sh SERVER CLIENT VISITOR
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L="8 MiB: $(combo "$S" "$C" "$V")"
read -r T E W ECHO V1 < <(free_ports 5)
web w "$W" "x"; head -c 8388608 /dev/urandom > "$WORK/www-w/big.bin"
bg echo python3 "$SRC/tests/interop/peer.py" echo tcp "$ECHO"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1,echo.test:$ID2"
wait_tcp "$T"; wait_tcp "$E"
run cw "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run ce "$C" -L "rtcp://:0/127.0.0.1:$ECHO" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_bound cw; wait_bound ce
want=$(sha256sum < "$WORK/www-w/big.bin")
got=
for _ in $(seq 1 20); do
  got=$(curl -s --max-time 30 --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/big.bin" | sha256sum)
  [ "$got" = "$want" ] && break; sleep 0.25
done
[ "$got" = "$want" ] || fail "$L: download differs"
pass "$L: HTTP download through the entrypoint is byte-exact"
run visitor "$V" -L "tcp://127.0.0.1:$V1/echo.test:0" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_tcp "$V1"
retry 5 python3 "$SRC/tests/interop/peer.py" bulk "$V1" 8388608 || fail "$L: echo through the visitor"
pass "$L: echo through the visitor is byte-exact both ways"
