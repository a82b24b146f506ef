#!/usr/bin/env bash
# dig through a UDP port forward to dnsmasq answers; a TCP forward carries a 64 MiB transfer
# byte-identically through socat.
source "$(dirname "$0")/lib.sh"

dns_port=$(free_port udp)
bg dnsmasq /usr/sbin/dnsmasq --no-daemon --port="$dns_port" --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --conf-file=/dev/null --pid-file= --address=/test.local/10.1.2.3 --user=root
bg gost-udp "$GOST" -L "udp://127.0.0.1:0/127.0.0.1:$dns_port"
fwd_port=$(bound_port gost-udp)
ans=$(retry 20 dig +short +time=1 +tries=1 @127.0.0.1 -p "$fwd_port" test.local A)
[ "$ans" = "10.1.2.3" ] || fail "dig through the UDP forward answered '$ans'"
pass "dig through udp forward -> $ans"
# Several queries on one source port (keepalive off: one flow per query and reply).
for i in 1 2 3; do
  [ "$(dig +short +time=3 +tries=2 @127.0.0.1 -p "$fwd_port" "h$i.test.local" A)" = "10.1.2.3" ] || fail "query $i"
done
pass "repeated queries"

# TCP: 64 MiB through the forward to a socat echo.
echo_port=$(free_port)
bg echo socat TCP-LISTEN:"$echo_port",bind=127.0.0.1,reuseaddr,fork EXEC:cat
tcp_port=$(free_port)
bg gost-tcp "$GOST" -L "tcp://127.0.0.1:$tcp_port/127.0.0.1:$echo_port"
wait_tcp "$echo_port"; wait_tcp "$tcp_port"
head -c $((64 << 20)) /dev/urandom > "$WORK/in.bin"
python3 - "$tcp_port" "$WORK/in.bin" "$WORK/out.bin" <<'PY'
import socket, sys, threading
port, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
def send():
    with open(src, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b: break
            s.sendall(b)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
with open(dst, "wb") as f:
    while True:
        b = s.recv(1 << 16)
        if not b: break
        f.write(b)
t.join()
PY
cmp "$WORK/in.bin" "$WORK/out.bin" || fail "64 MiB differs after the TCP forward"
pass "64 MiB echo through tcp forward is identical"
