#!/usr/bin/env python3
"""usage: free-ports.py N [udp] -> N distinct free loopback ports on one line (see tests/sh/lib.sh)."""
import random, socket, sys
n, udp = int(sys.argv[1]), len(sys.argv) > 2 and sys.argv[2] == "udp"
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    lo = 0
held, out = [], []
for _ in range(20 * n + 100):
    if len(out) == n: break
    port = random.randrange(10000, lo) if lo > 12000 else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close(); continue
    held.append(s); out.append(s.getsockname()[1])
# release before printing: the caller binds as soon as it reads the line, maybe before this
# interpreter has exited (and its sockets would still hold the ports)
for s in held: s.close()
print(" ".join(map(str, out)), flush=True)
