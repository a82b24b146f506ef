#!/usr/bin/env python3
"""Soak test of a libgost tunnel server (make soak; not in CI).

usage: soak.py GOST_BINARY [SECONDS]   (default 3600; SOAK_S in the environment also works)

Runs a tunnel server with an entrypoint, a tunnel client exposing an HTTP backend, a TCP echo
("ssh-like") and a UDP echo, and a visitor for the TCP and UDP echo. Load, all at once:
HTTP GETs through the entrypoint (small and 1 MiB bodies, checked), TCP echo sessions through
the visitor (checked byte for byte), UDP echo through the visitor, abandoned downloads (tiny
receive buffer, closed unread), slow readers. The tunnel client is killed (-9) and restarted
every few seconds; the server is restarted once at the half. Every minute (or every tenth of a
short run) it prints the server's RSS, fd count and error counts. It fails when the server's
fds or RSS grow between the first and the last sample of a server lifetime (beyond a small
slack), when the server dies, or when successful requests stop.
"""
import os, random, socket, subprocess, sys, tempfile, threading, time, uuid
import http.server, socketserver

GOST = sys.argv[1]
DURATION = float(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SOAK_S", "3600"))
TID = "4d21094e-b74c-4916-86c1-d9fa36ea677b"
EID = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"  # the echo tunnel (TCP + UDP)
WORK = tempfile.mkdtemp(prefix="gost-soak-")
stop = threading.Event()
lock = threading.Lock()
stats = {"http_ok": 0, "http_err": 0, "tcp_ok": 0, "tcp_err": 0, "udp_ok": 0, "udp_lost": 0,
         "abandoned": 0, "slow": 0, "client_restarts": 0}


def bump(k, n=1):
    with lock:
        stats[k] += n


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---- backends (in this process) ----
os.makedirs(f"{WORK}/web")
open(f"{WORK}/web/small", "w").write("small\n")
BIG = os.urandom(1 << 20)
open(f"{WORK}/web/big", "wb").write(BIG)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k): super().__init__(*a, directory=f"{WORK}/web", **k)
    def log_message(self, *a): pass
    def handle(self):
        try: super().handle()
        except OSError: pass


web = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Quiet)
web.daemon_threads = True
threading.Thread(target=web.serve_forever, daemon=True).start()


def tcp_echo_server():
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0)); srv.listen(256)
    def serve(c):
        try:
            while True:
                b = c.recv(65536)
                if not b: break
                c.sendall(b)
        except OSError: pass
        c.close()
    def loop():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return srv.getsockname()[1]


def udp_echo_server():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    def loop():
        while True:
            d, a = u.recvfrom(65536); u.sendto(d, a)
    threading.Thread(target=loop, daemon=True).start()
    return u.getsockname()[1]


ECHO, UECHO = tcp_echo_server(), udp_echo_server()
T, E, V = free_port(), free_port(), free_port()
UV = free_port(socket.SOCK_DGRAM)
WEBP = web.server_address[1]


def spawn(name, *args):
    return subprocess.Popen([GOST, *args], stdout=open(f"{WORK}/{name}.log", "ab"), stderr=subprocess.STDOUT)


def start_server():
    return spawn("server", "-L", f"tunnel://127.0.0.1:{T}?entrypoint=127.0.0.1:{E}"
                 f"&tunnel=web.test:{TID},echo.test:${EID}&writeTimeout=5s&mux.keepaliveInterval=2s&mux.keepaliveTimeout=6s")


KA = "mux.keepaliveInterval=2s&mux.keepaliveTimeout=6s"


def start_client():  # the web tunnel: killed and restarted every few seconds
    return spawn("client", "-L", f"rtcp://:0/127.0.0.1:{WEBP}", "-F", f"tunnel://127.0.0.1:{T}?tunnel.id={TID}&{KA}")


def start_echo_client():  # the echo tunnel (TCP + UDP): restarted every 30 s
    return spawn("echo-client", "-L", f"rtcp://:0/127.0.0.1:{ECHO}", "-L", f"rudp://:0/127.0.0.1:{UECHO}",
                 "-F", f"tunnel://127.0.0.1:{T}?tunnel.id={EID}&{KA}")


def start_visitor():
    return spawn("visitor", "-L", f"tcp://127.0.0.1:{V}/echo.test:22", "-L", f"udp://127.0.0.1:{UV}/echo.test:53?keepalive=true",
                 "-F", f"tunnel://127.0.0.1:{T}?tunnel.id={EID}")


def proc_stat(pid):
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
        return fds, rss
    except (OSError, StopIteration):
        return None, None


# ---- load ----
def http_get(path, rcvbuf=None, read=True, slow=False):
    s = socket.socket()
    if rcvbuf: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", E))
    s.sendall(f"GET /{path} HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n".encode())
    if not read:
        time.sleep(random.uniform(0.1, 0.5)); s.close(); return None
    out = b""
    while True:
        b = s.recv(16384 if not slow else 1024)
        if not b: break
        out += b
        if slow: time.sleep(0.01)
    s.close()
    return out


def http_worker():
    while not stop.is_set():
        try:
            big = random.random() < 0.2
            r = http_get("big" if big else "small")
            ok = r.startswith(b"HTTP/1.") and b" 200 " in r[:16] and r.endswith(BIG if big else b"small\n")
            bump("http_ok" if ok else "http_err")
        except OSError:
            bump("http_err")
        time.sleep(0.02)


def hostile_worker():
    while not stop.is_set():
        try:
            if random.random() < 0.5:
                http_get("big", rcvbuf=4096, read=False); bump("abandoned")
            else:
                http_get("big", rcvbuf=4096, slow=True); bump("slow")
        except OSError:
            pass
        time.sleep(0.2)


def tcp_worker():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", V), timeout=10)
            for _ in range(random.randint(1, 20)):
                m = os.urandom(random.randint(1, 32768))
                s.sendall(m)
                got = b""
                while len(got) < len(m):
                    b = s.recv(65536)
                    if not b: raise OSError("closed")
                    got += b
                bump("tcp_ok" if got == m else "tcp_err")
            s.close()
        except OSError:
            bump("tcp_err")
        time.sleep(0.05)


def udp_worker():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
    while not stop.is_set():
        m = os.urandom(random.randint(1, 1200))
        try:
            u.sendto(m, ("127.0.0.1", UV))
            d, _ = u.recvfrom(65536)
            bump("udp_ok" if d == m else "udp_lost")
        except OSError:
            bump("udp_lost")
        time.sleep(0.05)


def wait_port(p, t=10):
    end = time.time() + t
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", p), timeout=1).close(); return True
        except OSError:
            time.sleep(0.1)
    return False


def main():
    print(f"# soak: {DURATION:.0f} s, work dir {WORK}", flush=True)
    server = start_server()
    if not (wait_port(T) and wait_port(E)): sys.exit("FAIL: server did not start")
    client, echo, visitor = start_client(), start_echo_client(), start_visitor()
    next_echo_kill = time.time() + 30
    time.sleep(1)
    workers = [http_worker] * 4 + [hostile_worker] * 2 + [tcp_worker] * 2 + [udp_worker]
    for w in workers: threading.Thread(target=w, daemon=True).start()
    t0 = time.time()
    period = min(60.0, max(5.0, DURATION / 10))
    next_sample, next_kill, restarted = t0 + period, t0 + random.uniform(3, 6), False
    lifetimes, samples, last = [[]], [], dict(stats)
    failed = None
    while time.time() - t0 < DURATION:
        time.sleep(0.2)
        now = time.time()
        if server.poll() is not None:
            failed = f"server exited with {server.returncode}"; break
        if now >= next_kill:  # client kill -9 / restart every few seconds
            client.kill(); client.wait(); client = start_client(); bump("client_restarts")
            next_kill = now + random.uniform(3, 6)
        if now >= next_echo_kill:
            echo.kill(); echo.wait(); echo = start_echo_client(); next_echo_kill = now + 30
        if not restarted and now - t0 >= DURATION / 2:  # one server restart at the half
            server.terminate(); server.wait(); server = start_server()
            if not wait_port(T): failed = "server did not restart"; break
            lifetimes.append([]); restarted = True
            print(f"# {now - t0:6.0f} s server restarted", flush=True)
        if now >= next_sample:
            fds, rss = proc_stat(server.pid)
            with lock: cur = dict(stats)
            d = {k: cur[k] - last[k] for k in cur}
            last = cur
            lifetimes[-1].append((fds, rss))
            print(f"# {now - t0:6.0f} s server fds {fds} RSS {rss} KiB | http ok {d['http_ok']} err {d['http_err']}"
                  f" | tcp ok {d['tcp_ok']} err {d['tcp_err']} | udp ok {d['udp_ok']} lost {d['udp_lost']}"
                  f" | abandoned {d['abandoned']} slow {d['slow']} | client restarts {d['client_restarts']}", flush=True)
            if d["http_ok"] == 0: failed = "no successful HTTP request in the last period"; break
            next_sample = now + period
    stop.set()
    # quiesce: let timers (writeTimeout 5 s, keepalive 6 s) release what the load left behind
    for p in (client, echo, visitor): p.kill(); p.wait()
    time.sleep(8)
    fds, rss = proc_stat(server.pid)
    lifetimes[-1].append((fds, rss))
    print(f"# quiet: server fds {fds} RSS {rss} KiB; totals {stats}", flush=True)
    server.terminate(); server.wait()
    if not failed:
        for life in lifetimes:
            if len(life) < 2: continue
            (f0, r0), (f1, r1) = life[0], life[-1]
            if f1 is None or f0 is None: continue
            if f1 > f0 + 4: failed = f"server fds grew {f0} -> {f1}"
            if r1 > r0 + max(16384, r0 // 4): failed = f"server RSS grew {r0} -> {r1} KiB"
    if not failed and stats["tcp_err"] > stats["tcp_ok"] // 4:
        failed = f"too many TCP echo errors ({stats['tcp_err']} of {stats['tcp_ok']})"
    if failed:
        print(f"FAIL: {failed} (logs in {WORK})"); sys.exit(1)
    print("ok - soak clean")
    subprocess.run(["rm", "-rf", WORK])


main()
