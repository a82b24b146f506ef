#!/usr/bin/env bash
# The link emulator itself (tests/support/linkemu.c), which bench-wan and the chaos test trust:
# the one-way delay shows in the round trip, 100 % loss carries nothing, the rate cap holds,
# and the link-down switch cuts and restores. Skips where namespaces or TUN are not available.
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/sh/wanlink.sh"
WAN_EMU=${GOST_BUILD_DIR:-build}/gost-linkemu
if ! why=$(wan_check); then echo "skip: $why"; exit 0; fi
trap 'rc=$?; wan_teardown; (exit $rc); cleanup' EXIT
wan_setup || fail "cannot create namespaces"

# connect_ms [TRIES TIMEOUT]: best TCP connect round trip (SYN, SYN-ACK) in ms, -1 if none
connect_ms() {
  wan_a python3 - "$WAN_IP_B" "${1:-5}" "${2:-3}" <<'EOF'
import socket, sys, time
best = 1e9
for _ in range(int(sys.argv[2])):
    t = time.monotonic()
    try:
        s = socket.create_connection((sys.argv[1], 7001), float(sys.argv[3]))
        s.close()
    except OSError:
        continue
    best = min(best, time.monotonic() - t)
print(int(best * 1000) if best < 1e9 else -1)
EOF
}
ip netns exec "$WAN_B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7001)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' &
_pids+=($!)

wan_link -d 40
ms=$(connect_ms)
[ "$ms" -ge 78 ] && [ "$ms" -le 200 ] || fail "40 ms each way: connect took $ms ms"
pass "40 ms each way: TCP connect round trip $ms ms"

wan_down
[ "$(connect_ms 1 1)" = -1 ] || fail "link down: a connection went through"
wan_up
ms=$(connect_ms)
[ "$ms" -ge 78 ] || fail "link up again: connect $ms ms"
pass "link down cuts, link up restores"

wan_link -d 1 -l 100
[ "$(connect_ms 1 1)" = -1 ] || fail "100 % loss: a connection went through"
pass "100 % loss carries nothing"

# rate cap: 2 MB at 20 Mbit/s takes at least 0.8 s (a tight floor: queueing only adds)
wan_link -d 1 -R 20 -q 100
ip netns exec "$WAN_B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7002)); s.listen(1)
c, _ = s.accept()
while c.recv(65536): pass
c.sendall(b"k"); c.close()' &
_pids+=($!)
secs=$(wan_a python3 - "$WAN_IP_B" <<'EOF'
import socket, sys, time
for _ in range(30):
    try:
        s = socket.create_connection((sys.argv[1], 7002), 3)
        break
    except OSError:
        time.sleep(0.1)
t = time.monotonic()
s.sendall(b"x" * 2000000)
s.shutdown(socket.SHUT_WR)
s.recv(1)
print("%.2f" % (time.monotonic() - t))
EOF
)
python3 -c "import sys; sys.exit(0 if 0.8 <= float('$secs') <= 10 else 1)" || fail "2 MB at 20 Mbit/s took $secs s"
pass "20 Mbit/s cap: 2 MB in $secs s"
