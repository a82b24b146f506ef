#!/usr/bin/env python3
"""Test peer for multiplexed visitor sessions (tests/sh/test_visitor_mux.sh).
echo PORT: an echo server on 127.0.0.1:PORT (prints "listening", then "accept" per connection).
check PORT N SIZE [HOLD_FILE]: opens N connections to 127.0.0.1:PORT at once, sends SIZE random
bytes on each and reads them back byte-exact; prints "ok N". With HOLD_FILE, keeps them open,
prints "held", waits until HOLD_FILE exists, then reports how many saw EOF or a reset within
10 s ("eof K") -- the carrier-loss check -- and exits.
streams PORT USER PASS BADPASS TUNNEL_ID HOST: speaks the session protocol itself to a tunnel
server: asks for a session with USER:PASS, then on three smux streams sends a CONNECT with
BADPASS, a BIND, and a good CONNECT to HOST followed by bytes an echo backend returns; prints
one line per stream with what the server answered."""
import os, selectors, socket, struct, sys, threading, time, uuid

VMUX_ID = bytes([0xff] * 15 + [0xfe])

def feat(t, data): return struct.pack(">BH", t, len(data)) + data
def auth(u, p): return feat(1, bytes([len(u)]) + u.encode() + bytes([len(p)]) + p.encode())
def addr(host, port): return feat(2, bytes([3, len(host)]) + host.encode() + struct.pack(">H", port))
def tunnel(tid): return feat(3, tid + b"\0\0\0\0")
def request(cmd, feats): return struct.pack(">BBH", 1, cmd, len(feats)) + feats
def frame(cmd, sid, data=b""): return struct.pack("<BBHI", 2, cmd, len(data), sid) + data

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d: raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += d
    return b

def streams(port, user, pw, bad, tid, host):
    tid = uuid.UUID(tid).bytes
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(request(1, auth(user, pw) + addr("", 0) + addr("", 0) + tunnel(VMUX_ID)))
    ver, status, flen = struct.unpack(">BBH", recv_exact(s, 4))
    feats = recv_exact(s, flen)
    if status != 0 or VMUX_ID not in feats:
        print("session refused: status", status, flush=True); sys.exit(1)
    print("session OK", flush=True)
    reqs = {3: request(1, auth(user, bad) + addr("127.0.0.1", 1) + addr(host, 0) + tunnel(tid)),
            5: request(2, auth(user, pw) + addr("", 0) + tunnel(tid)),
            7: request(1, auth(user, pw) + addr("127.0.0.1", 1) + addr(host, 0) + tunnel(tid)) + b"hello"}
    for sid, r in reqs.items(): s.sendall(frame(0, sid) + frame(2, sid, r))
    got = {sid: b"" for sid in reqs}
    fin = set()
    names = {0: "OK", 1: "Bad Request", 2: "Unauthorized"}
    while len(fin) < 2 or len(got[7]) < 4 + 5:
        ver, cmd, n, sid = struct.unpack("<BBHI", recv_exact(s, 8))
        data = recv_exact(s, n)
        if sid in got and cmd == 2: got[sid] += data
        if sid in got and cmd == 1: fin.add(sid)
    for sid in sorted(reqs):
        st = names.get(got[sid][1], str(got[sid][1])) if len(got[sid]) >= 2 else "nothing"
        print("stream", sid, st, "fin" if sid in fin else "open", got[sid][4:].decode(errors="replace"), flush=True)

def echo(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port)); ls.listen(4096)
    print("listening", flush=True)
    def serve(c):
        try:
            while True:
                d = c.recv(65536)
                if not d: break
                c.sendall(d)
        except OSError: pass
        c.close()
    while True:
        c, _ = ls.accept()
        print("accept", flush=True)
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def check(port, n, size, hold):
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setblocking(False)
        data = os.urandom(size)
        st = {"s": s, "out": data, "sent": 0, "want": data, "got": bytearray()}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    left = n
    deadline = time.time() + 30
    while left and time.time() < deadline:
        for key, ev in sel.select(1):
            st = key.data
            s = st["s"]
            if ev & selectors.EVENT_WRITE and st["sent"] < len(st["out"]):
                try: st["sent"] += s.send(st["out"][st["sent"]:st["sent"] + 65536])
                except BlockingIOError: pass
                if st["sent"] == len(st["out"]): sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try: d = s.recv(65536)
                except BlockingIOError: continue
                if not d:
                    print("error: early EOF after", len(st["got"]), flush=True); sys.exit(1)
                st["got"] += d
                if len(st["got"]) >= len(st["want"]):
                    if bytes(st["got"]) != st["want"]:
                        print("error: bytes differ", flush=True); sys.exit(1)
                    sel.unregister(s); left -= 1
    if left:
        print("error: %d of %d unfinished" % (left, n), flush=True); sys.exit(1)
    print("ok", n, flush=True)
    if not hold: return
    print("held", flush=True)
    while not os.path.exists(hold): time.sleep(0.05)
    eof = 0
    deadline = time.time() + 10
    for st in conns:
        st["s"].setblocking(True)
        st["s"].settimeout(max(0.01, deadline - time.time()))
        try:
            if st["s"].recv(1) == b"": eof += 1
        except (ConnectionResetError, BrokenPipeError): eof += 1
        except OSError: pass
    print("eof", eof, flush=True)

if __name__ == "__main__":
    if sys.argv[1] == "echo": echo(int(sys.argv[2]))
    elif sys.argv[1] == "streams": streams(int(sys.argv[2]), *sys.argv[3:8])
    else: check(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
