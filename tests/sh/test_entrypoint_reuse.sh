#!/usr/bin/env bash
# The entrypoint reuses tunnel streams (and so the tunnel client's backend connections) between
# HTTP requests by default (entrypoint.keepalive): every response shape that must NOT leave a
# stream reusable, and every failure that must not leak one response into another request.
# Real sockets end to end: client -> entrypoint -> tunnel server -> tunnel client -> backend
# (tests/sh/ep_reuse_backend.py, which logs each backend connection and request).
source "$(dirname "$0")/lib.sh"

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r T E W < <(free_ports 3)
cd "$WORK"
bg web python3 -u "$SRC/tests/sh/ep_reuse_backend.py" "$W"
wait_tcp "$W"
bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=app.test:$TID,other.test:$TID"
wait_tcp "$T"; wait_tcp "$E"
start_client() { bg "client$1" "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"; }
start_client 1
retry 50 curl -sf --max-time 5 -H 'Host: app.test' "http://127.0.0.1:$E/ka" >/dev/null || fail "entrypoint not ready"

cat >client.py <<'PY'
import http.client, socket, sys, time
E, LOG = int(sys.argv[1]), sys.argv[2]
H = {"Host": "app.test"}

def conns():
    return sum(1 for l in open(LOG) if l.startswith("CONN"))

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)
    print("ok -", what, flush=True)

def get(c, path, method="GET", body=None, headers=None, chunked=False):
    c.request(method, path, body=body, headers=dict(H, **(headers or {})), encode_chunked=chunked)
    r = c.getresponse()
    return r.status, r.read(), r

def fresh(src="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", E, timeout=10, source_address=(src, 0))
    return c

def settle():  # the stream of the previous response reaches the pool after it was relayed
    time.sleep(0.05)

c = fresh()
s, b, _ = get(c, "/ka"); settle()
base = conns()
for i in range(5):
    s, b, _ = get(c, "/ka")
    check(s == 200 and b.startswith(b"ka /ka"), "keep-alive request %d answered" % i)
settle()
check(conns() == base, "5 requests on a warm pool: no new backend connection (%d)" % (conns() - base))

# HTTP/1.0 response without keep-alive: the backend closes; the stream must not be reused.
c = fresh(); s, b, _ = get(c, "/http10"); settle()
check(s == 200 and b == b"http10\n", "HTTP/1.0 response relayed")
n0 = conns(); c = fresh(); s, b, _ = get(c, "/ka"); settle()
check(s == 200 and b.startswith(b"ka /ka"), "request after an HTTP/1.0 response answered")

# Body delimited by the close of the connection: complete, and not reused.
c = fresh(); s, b, _ = get(c, "/eof")
check(s == 200 and b == b"until close\n", "read-until-close body complete")
settle()
pool_before = conns()
c = fresh(); s, b, _ = get(c, "/ka")
check(s == 200 and b.startswith(b"ka /ka"), "request after a read-until-close response answered")

# HEAD with a Content-Length, 204 and 304: no body read, stream reused, next answer intact.
c = fresh(); settle(); n0 = conns()
s, b, r = get(c, "/head", method="HEAD")
check(s == 200 and b == b"" and r.getheader("Content-Length") == "1000", "HEAD: length header, no body")
s, b, _ = get(c, "/204"); check(s == 204 and b == b"", "204 without body")
s, b, _ = get(c, "/304"); check(s == 304 and b == b"", "304 without body")
s, b, _ = get(c, "/ka"); check(s == 200 and b.startswith(b"ka /ka"), "answer after HEAD/204/304 intact")
settle()
check(conns() == n0, "HEAD/204/304 kept the backend connection (%d new)" % (conns() - n0))

# Chunked request body: forwarded whole, stream reused after.
c = fresh(); n0 = conns()
s, b, _ = get(c, "/post", method="POST", body=iter([b"a" * 1000, b"b" * 70000, b"c"]), chunked=True)
check(s == 200 and b == b"got 71001", "chunked request body forwarded whole (%r)" % b)
s, b, _ = get(c, "/post", method="POST", body=b"x" * 300000)
check(s == 200 and b == b"got 300000", "300 KB Content-Length body forwarded whole")
s, b, _ = get(c, "/ka"); check(s == 200 and b.startswith(b"ka /ka"), "answer after request bodies intact")

# 101 Switching Protocols: raw relay after it, and that stream never goes back to the pool.
sk = socket.create_connection(("127.0.0.1", E), 10)
sk.sendall(b"GET /upgrade HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += sk.recv(4096)
check(buf.startswith(b"HTTP/1.1 101"), "101 relayed")
rest = buf.split(b"\r\n\r\n", 1)[1]
sk.sendall(b"hello raw")
while len(rest) < 9:
    rest += sk.recv(4096)
check(rest == b"HELLO RAW", "raw bytes relayed after the upgrade (%r)" % rest)
sk.close()
for i in range(5):
    c = fresh(); s, b, _ = get(c, "/ka")
    check(s == 200 and b.startswith(b"ka /ka"), "request %d after an upgrade answered by HTTP" % i)

# A client that dies in the middle of a 4 MiB response: its stream is closed, never reused, and
# no byte of that response reaches a later request.
sk = socket.create_connection(("127.0.0.1", E), 10)
sk.sendall(b"GET /big HTTP/1.1\r\nHost: app.test\r\n\r\n")
got = sk.recv(65536)
check(got.startswith(b"HTTP/1.1 200"), "big response started")
sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
sk.close()  # reset
time.sleep(0.2)
for i in range(10):
    c = fresh(); s, b, _ = get(c, "/ka")
    check(s == 200 and b.startswith(b"ka /ka"), "request %d after a client died mid-response: own answer" % i)

# A backend sending bytes past its Content-Length: the extra bytes never become the next answer.
c = fresh(); s, b, _ = get(c, "/extra")
check(s == 200 and b == b"abc", "response cut at its length")
for i in range(5):
    c = fresh(); s, b, _ = get(c, "/ka")
    check(s == 200 and b.startswith(b"ka /ka"), "request %d after extra bytes: own answer" % i)

# The backend closes an idle connection just as it is reused: an idempotent request is sent
# again on a fresh stream; a POST is not (503).
c = fresh(); s, b, _ = get(c, "/dropnext"); check(b == b"armed\n", "dropnext armed")
settle()
c = fresh(); s, b, _ = get(c, "/ka")
check(s == 200 and b.startswith(b"ka /ka"), "GET on a stream the backend dropped: retried, answered (%d)" % s)
c = fresh(); s, b, _ = get(c, "/dropnext"); settle()
c = fresh(); s, b, _ = get(c, "/post", method="POST", body=b"once")
check(s == 503, "POST on a stream the backend dropped: 503, not replayed (%d %r)" % (s, b))

# Each host:port has its own streams (the tunnel client dialled the backend for that name).
def conn_of(body):  # "ka /ka <backend connection id>"
    return body.split()[-1]
c = fresh(); _, b1, _ = get(c, "/ka"); settle()
c = fresh(); _, b2, _ = get(c, "/ka", headers={"Host": "other.test"}); settle()
check(b2.startswith(b"ka /ka") and conn_of(b1) != conn_of(b2), "other.test did not take app.test's stream")
for i in range(3):
    c = fresh(); _, x1, _ = get(c, "/ka"); settle()
    c = fresh(); _, x2, _ = get(c, "/ka", headers={"Host": "other.test"}); settle()
    check((conn_of(x1), conn_of(x2)) == (conn_of(b1), conn_of(b2)), "round %d: each host reuses its own stream" % i)

# More parked streams than the per-key bound (64): 70 requests at once, then the pool keeps 64
# and closes the other 6 (the backend sees their connections end); later requests reuse.
import threading
def gone():
    return sum(1 for l in open(LOG) if l.startswith("GONE"))
n0, g0 = conns(), gone()
def one():
    cc = fresh(); cc.request("GET", "/slow", headers=H); cc.getresponse().read(); cc.close()
ts = [threading.Thread(target=one) for _ in range(70)]
[t.start() for t in ts]; [t.join() for t in ts]
for _ in range(50):
    if gone() - g0 >= 6: break
    time.sleep(0.1)
check(conns() - n0 >= 64, "70 concurrent requests: %d new backend connections" % (conns() - n0))
check(gone() - g0 == 6, "the pool kept 64 and closed %d (want 6)" % (gone() - g0))
n1 = conns()
for i in range(5):
    c = fresh(); s, b, _ = get(c, "/ka"); check(s == 200, "request %d after the burst" % i)
check(conns() == n1, "requests after the burst reuse parked streams (%d new)" % (conns() - n1))

# Clients from different addresses never share a stream (the backend may learn the client
# address from it: PROXY header written by the tunnel client).
c = fresh("127.0.0.1"); get(c, "/ka"); settle()
n0 = conns()
c2 = fresh("127.0.0.2"); s, b, _ = get(c2, "/ka")
check(s == 200, "request from 127.0.0.2 answered")
settle()
check(conns() == n0 + 1, "127.0.0.2 got its own backend connection (%d new)" % (conns() - n0))
PY
python3 client.py "$E" "$WORK/web.log" || fail "reuse cases (see above)"
pass "reuse cases"

echo "# the tunnel client reconnects: streams pooled on its old session are never used"
python3 - "$E" <<'PY' || fail "warming the pool"
import http.client, sys
for _ in range(3):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
    c.request("GET", "/ka", headers={"Host": "app.test"}); assert c.getresponse().status == 200
PY
kill -9 "${_pids[-1]}"
start_client 2
retry 50 curl -sf --max-time 5 -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$E/ka" || fail "no answer after the client reconnected"
for i in $(seq 1 20); do
  code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H 'Host: app.test' "http://127.0.0.1:$E/ka")
  [ "$code" = 200 ] || fail "request $i after the reconnect: $code"
done
pass "20 requests after the tunnel client reconnected: all 200"
! grep -l 'Sanitizer' "$WORK"/*.log || fail "sanitizer report in a log"
