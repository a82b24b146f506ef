#!/usr/bin/env bash
# entrypoint.keepalive (wire-spec §5.2), on by default: idle tunnel streams are pooled per
# host:port (and client address) and reused by later requests from other public connections, so
# the tunnel client keeps ONE backend TCP connection; entrypoint.keepalive=false (stock's default)
# opens one per request; a backend answering Connection: close is not reused.
source "$(dirname "$0")/lib.sh"

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
TID2=ac74d9dd-3125-442a-a7c1-f9e49e05faca
read -r T E W T2 E2 W2 < <(free_ports 6)

cd "$WORK"
cat > backend.py <<'PY'
import sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        print("CONN", self.client_address[1], flush=True)
    def do_GET(self):
        body = ("hello %s\n" % self.path).encode()
        print("REQ", self.client_address[1], self.path, "conn=%s" % self.headers.get("Connection"), flush=True)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/close"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
bg web python3 -u backend.py "$W"
bg web2 python3 -u backend.py "$W2"
wait_tcp "$W"; wait_tcp "$W2"

bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=app.example.com:$TID"
bg server2 "$GOST" -L "tunnel://127.0.0.1:$T2?entrypoint=127.0.0.1:$E2&entrypoint.keepalive=false&tunnel=app.example.com:$TID2"
wait_tcp "$T"; wait_tcp "$E"; wait_tcp "$T2"; wait_tcp "$E2"
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
bg client2 "$GOST" -L "rtcp://:0/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T2?tunnel.id=$TID2"
retry 50 curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E/warm" >/dev/null || fail "keepalive entrypoint not ready"
retry 50 curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E2/warm" >/dev/null || fail "default entrypoint not ready"

conns() { grep -c '^CONN' "$WORK/$1.log"; }

echo "# default (keepalive on): 20 requests on 20 public connections share one backend connection"
base=$(conns web)
for i in $(seq 1 20); do
  out=$(curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E/r$i") || fail "request $i"
  [ "$out" = "hello /r$i" ] || fail "request $i body '$out'"
done
# curl sends no Connection header; check an explicit 'Connection: close' is not passed on either
out=$(curl -sf --max-time 5 -D "$WORK/c.head" -H 'Host: app.example.com' -H 'Connection: close' "http://127.0.0.1:$E/c") || fail "Connection: close request"
[ "$out" = "hello /c" ] || fail "Connection: close body '$out'"
# ...but the client is told we close: the relayed response carries Connection: close
grep -qi '^Connection: close' "$WORK/c.head" || fail "relayed response lacks Connection: close: $(cat "$WORK/c.head")"
[ "$(head -n 1 "$WORK/c.head" | tr -d '\r')" = "HTTP/1.1 200 OK" ] || fail "status line changed: $(head -n 1 "$WORK/c.head")"
n=$(( $(conns web) - base ))
[ "$n" = 0 ] || fail "keepalive: $n new backend connections for 21 requests (want 0: the warm-up one is reused)"
grep -q '^REQ .* /c conn=close' "$WORK/web.log" && fail "Connection: close reached the backend in keepalive mode"
[ "$(grep '^REQ' "$WORK/web.log" | awk '{print $2}' | sort -u | wc -l)" = 1 ] || fail "requests came over several backend connections"
pass "keepalive: 21 requests, 1 backend connection, Connection: close not forwarded but answered"

echo "# a client asking close gets Connection: close on a response split at every byte"
python3 - "$E" <<'PY' || fail "byte-split response to a Connection: close request"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"GET /split HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(1)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
lines = head.split(b"\r\n")
assert lines[0] == b"HTTP/1.1 200 OK", lines[0]
assert b"Connection: close" in lines[1:], lines
assert body == b"hello /split\n", body
PY
pass "Connection: close inserted after the status line, body intact, connection closed"

echo "# a backend that answers Connection: close is not reused"
base=$(conns web)
for i in 1 2 3; do
  out=$(curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E/close$i") || fail "close request $i"
  [ "$out" = "hello /close$i" ] || fail "close body '$out'"
done
out=$(curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E/after") || fail "request after close"
[ "$out" = "hello /after" ] || fail "after body '$out'"
n=$(( $(conns web) - base ))
# the pooled stream serves /close1 and dies; /close2, /close3 and /after each need a new one
[ "$n" = 3 ] || fail "Connection: close responses: $n new backend connections (want 3)"
pass "Connection: close responses are not pooled ($n new backend connections for 4 requests)"

echo "# entrypoint.keepalive=false: one backend connection per request"
base=$(conns web2)
for i in $(seq 1 20); do
  out=$(curl -sf --max-time 5 -H 'Host: app.example.com' "http://127.0.0.1:$E2/r$i") || fail "default request $i"
  [ "$out" = "hello /r$i" ] || fail "default request $i body '$out'"
done
n=$(( $(conns web2) - base ))
[ "$n" = 20 ] || fail "keepalive=false: $n backend connections for 20 requests (want 20)"
pass "keepalive=false: 20 requests, 20 backend connections"
! grep -l 'Sanitizer' "$WORK"/*.log || fail "sanitizer report in a log"
