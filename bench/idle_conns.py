#!/usr/bin/env python3
"""Holds N idle TCP connections through a proxy: listens on HOLD (the tunnel's backend), waits
for <fifo>.go, opens N connections to ENTRY, waits until N arrived at HOLD, prints "ready N",
then holds everything until <fifo>.stop appears (max 120 s)."""
import os, selectors, socket, sys, time

entry, hold, n, base = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
go, stop = base.replace("idle.fifo", "idle.go"), base.replace("idle.fifo", "idle.stop")
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", hold))
ls.listen(4096)
ls.setblocking(False)
print("baseline", flush=True)
t0 = time.time()
while not os.path.exists(go):
    if time.time() - t0 > 30:
        print("error: no go", flush=True); sys.exit(1)
    time.sleep(0.05)
out, inn = [], []
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ)

def drain(timeout):
    for _ in sel.select(timeout):
        while True:
            try:
                c, _ = ls.accept()
            except BlockingIOError:
                break
            inn.append(c)

for i in range(n):
    out.append(socket.create_connection(("127.0.0.1", entry), 5))
    if i % 50 == 49:
        drain(0)
deadline = time.time() + 60
while len(inn) < n and time.time() < deadline:
    drain(0.2)
print("ready", len(inn), "opened", len(out), flush=True)
deadline = time.time() + 120
while not os.path.exists(stop) and time.time() < deadline:
    time.sleep(0.05)
for s in out + inn:
    s.close()
