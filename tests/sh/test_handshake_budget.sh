#!/usr/bin/env bash
# Issue 9 finding 3: a connection to the tunnel port that has not sent its relay request holds
# no request buffer (it held 68 KiB), and handshake.max bounds how many are pending at once:
# the excess is closed at once, logged at most once a second, and counted. conns.max bounds the
# connections a listener keeps open the same way.
source "$(dirname "$0")/lib.sh"

N=${IDLE_HS_N:-3000}
read -r T1 T2 T3 < <(free_ports 3)
bg big "$GOST" -L "tunnel://127.0.0.1:$T1?handshake.max=$((N + 1000))&readTimeout=60s"
BPID=${_pids[-1]}
bg small "$GOST" -L "tunnel://127.0.0.1:$T2?handshake.max=100&readTimeout=60s"
bg capped "$GOST" -L "tunnel://127.0.0.1:$T3?conns.max=50&readTimeout=60s"
wait_tcp "$T1"; wait_tcp "$T2"; wait_tcp "$T3"

python3 - "$T1" "$T2" "$N" "$BPID" "$WORK" "$T3" <<'PY'
import os, resource, socket, struct, sys, time, uuid
t1, t2, n, pid, work, t3 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
def rss_kib():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1])
def fds(): return len(os.listdir(f"/proc/{pid}/fd"))
base = rss_kib()
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", t1), timeout=5)
    s.send(b"\x01")  # one byte of a request: the handshake has started and waits for more
    socks.append(s)
deadline = time.time() + 10
while fds() < n and time.time() < deadline: time.sleep(0.1)
time.sleep(0.5)
grown = rss_kib() - base
per = grown * 1024 / n
print(f"ok - {n} idle handshakes: server RSS +{grown} KiB ({per:.0f} bytes each), {fds()} fds")
if per > 4096: sys.exit(f"FAIL: {per:.0f} bytes per idle handshake (bound 4096)")
for s in socks: s.close()

def refused(port, count, key, logname, limit):
    """count idle connections; the ones beyond limit must be closed by the server at once"""
    socks, closed = [], 0
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except ConnectionResetError:  # reset by the server before connect() returned
            closed += 1
    time.sleep(1.0)
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"": closed += 1
        except BlockingIOError: pass
        except OSError: closed += 1
    print(f"ok - {key}={limit}: {closed} of {count} idle connections closed by the server at once")
    if closed < count - limit - 10: sys.exit(f"FAIL: only {closed} refused above {key}={limit}")
    lines = open(f"{work}/{logname}.log").read().count(f"({key})")
    if not 1 <= lines <= 3: sys.exit(f"FAIL: {lines} '{key}' log lines (want once a second)")
    for s in socks: s.close()
    return lines
lines = refused(t2, 300, "handshake.max", "small", 100)
refused(t3, 120, "conns.max", "capped", 50)
# the slots are free again: a well-formed request is answered (unknown tunnel -> an error status)
def feat(t, d): return bytes([t]) + struct.pack(">H", len(d)) + d
f = feat(2, b"\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", 80)) + feat(3, uuid.uuid4().bytes + b"\0\0\0\0")
deadline = time.time() + 5  # the server sees the 300 closes on its own time
while True:
    try:
        s = socket.create_connection(("127.0.0.1", t2), timeout=5)
        s.sendall(bytes([1, 1]) + struct.pack(">H", len(f)) + f)
        r = s.recv(4)
    except OSError as e:
        r = repr(e).encode()
    if len(r) >= 2 and r[0] == 1: break
    if time.time() > deadline: sys.exit(f"FAIL: no relay answer after the flood: {r!r}")
    time.sleep(0.2)
print(f"ok - after the flood a relay request is answered (status {r[1]}); {lines} log line(s)")
PY
