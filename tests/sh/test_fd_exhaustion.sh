#!/usr/bin/env bash
# Issue 9 finding 2: out of descriptors, the accept loop must back off (not spin), log the
# episode once with a count (not once per attempt), keep serving the connections it already
# has, and accept again once descriptors are free.
source "$(dirname "$0")/lib.sh"

FLOOD=${FLOOD_N:-400}
read -r P T < <(free_ports 2)
cat > "$WORK/echo.py" <<'PY'
import socket, sys, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(512)
print(srv.getsockname()[1], flush=True)
def serve(c):
    while True:
        b = c.recv(65536)
        if not b: break
        c.sendall(b)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg echo python3 -u "$WORK/echo.py"
ECHO=$(log_port "$WORK/echo.log" '^\K[0-9]+')
# the server alone runs with 64 descriptors: a forward to the echo server (P) and a tunnel
# server (T), whose accepted connections hold their descriptor while waiting for a request
bg server bash -c "ulimit -n 64; exec \"$GOST\" -L \"tcp://127.0.0.1:$P/127.0.0.1:$ECHO\" -L \"tunnel://127.0.0.1:$T\""
SPID=${_pids[-1]}
wait_tcp "$P"; wait_tcp "$T"

python3 - "$P" "$FLOOD" "$SPID" "$WORK" "$T" <<'PY' || fail "see above"
import os, socket, sys, time
port, flood, spid, work, tport = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
hz = os.sysconf("SC_CLK_TCK")
def ticks():
    f = open(f"/proc/{spid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
def echo(s, msg):
    s.sendall(msg); got = b""
    while len(got) < len(msg):
        b = s.recv(65536)
        if not b: raise RuntimeError("closed")
        got += b
    return got == msg
old = socket.create_connection(("127.0.0.1", port), timeout=5)
assert echo(old, b"before"), "echo before the flood failed"
t0 = ticks()
socks = []
for _ in range(flood):  # connects succeed through the backlog even when accept cannot
    s = socket.socket(); s.settimeout(5)
    s.connect(("127.0.0.1", tport)); socks.append(s)
time.sleep(4)
used = (ticks() - t0) / hz
ok_old = echo(old, b"during the flood")
log = open(f"{work}/server.log").read()
pauses = log.count("pausing accepts")
print(f"ok - {flood} connections to the tunnel port against ulimit -n 64: server CPU {used:.2f} s in 4 s, "
      f"{pauses} 'pausing' log line(s), {len(log)} log bytes, old connection echoes: {ok_old}")
if used > 0.5: sys.exit(f"FAIL: accept loop spins: {used:.2f} s CPU in 4 s")
if pauses > 2: sys.exit(f"FAIL: expected one 'pausing accepts' line per episode and listener, got {pauses}")
if len(log) > 64 * 1024: sys.exit(f"FAIL: {len(log)} bytes of log")
if not ok_old: sys.exit("FAIL: an accepted connection stopped working")
for s in socks: s.close()
# descriptors free again: within the back-off a new connection is served
deadline = time.time() + 10
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        if echo(s, b"after"): break
    except (OSError, RuntimeError):
        pass
    if time.time() > deadline: sys.exit("FAIL: no new connection served after the flood")
    time.sleep(0.2)
deadline = time.time() + 5
while "accepting again" not in open(f"{work}/server.log").read():
    if time.time() > deadline: sys.exit("FAIL: the end of the episode was not logged")
    time.sleep(0.1)
line = [l for l in open(f"{work}/server.log") if "accepting again" in l][0].strip()
print(f"ok - served again after the flood; logged: {line[:120]}")
PY
kill -0 "$SPID" || fail "server died"
