#!/usr/bin/env python3
"""Small loopback peers for the interop suite (standard library only).
  peer.py echo tcp|udp PORT            echo server (tcp: echoes until EOF, then half-closes back)
  peer.py eofreply PORT                tcp: reads to EOF, then answers "got N bytes" and closes
  peer.py reset PORT                   tcp: reads 1 byte, then aborts the connection (RST)
  peer.py headers PORT                 HTTP server answering every GET with the request's header lines
  peer.py roundtrip tcp|udp PORT N     sends N random bytes (udp: one datagram), expects them back
  peer.py bulk PORT N                  tcp: sends N random bytes while reading the echo, checks sha256
  peer.py halfclose PORT DATA          tcp: sends DATA, shuts down writing, prints what comes back
  peer.py abort PORT                   tcp: sends a byte, prints how the connection ended
  peer.py socks5bind PORT              SOCKS5 plain BIND (0x02): prints both replies, relays a line each way
"""
import hashlib, os, select, socket, struct, sys, threading, time

def serve_tcp(port, handler):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port)); ls.listen(64)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()

def echo_conn(c):
    with c:
        while True:
            b = c.recv(65536)
            if not b: break
            c.sendall(b)
        try: c.shutdown(socket.SHUT_WR)
        except OSError: pass
        time.sleep(0.5)

def eofreply_conn(c):
    with c:
        n = 0
        while True:
            b = c.recv(65536)
            if not b: break
            n += len(b)
        c.sendall(b"got %d bytes\n" % n)

def reset_conn(c):
    c.recv(1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()

def headers_server(port):
    import http.server
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            b = str(self.headers).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers()
            self.wfile.write(b)
        def log_message(self, *a): pass
    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()

def main():
    cmd = sys.argv[1]
    if cmd == "echo" and sys.argv[2] == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[3])))
        while True:
            d, a = s.recvfrom(65536); s.sendto(d, a)
    if cmd == "echo": serve_tcp(int(sys.argv[3]), echo_conn)
    if cmd == "eofreply": serve_tcp(int(sys.argv[2]), eofreply_conn)
    if cmd == "reset": serve_tcp(int(sys.argv[2]), reset_conn)
    if cmd == "headers": headers_server(int(sys.argv[2]))
    if cmd == "roundtrip":
        port, n = int(sys.argv[3]), int(sys.argv[4]); data = os.urandom(n)
        if sys.argv[2] == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
            s.sendto(data, ("127.0.0.1", port)); got = s.recv(65536)
        else:
            s = socket.create_connection(("127.0.0.1", port), timeout=10); s.sendall(data); got = b""
            while len(got) < n:
                b = s.recv(65536)
                if not b: break
                got += b
        sys.exit(0 if got == data else 1)
    if cmd == "bulk":
        port, n = int(sys.argv[2]), int(sys.argv[3]); data = os.urandom(n)
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        t = threading.Thread(target=s.sendall, args=(data,)); t.start()
        h, got = hashlib.sha256(), 0
        while got < n:
            b = s.recv(1 << 20)
            if not b: break
            h.update(b); got += len(b)
        t.join()
        ok = got == n and h.digest() == hashlib.sha256(data).digest()
        print("bulk %d/%d bytes %s" % (got, n, "match" if ok else "MISMATCH")); sys.exit(0 if ok else 1)
    if cmd == "halfclose":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10)
        s.sendall(sys.argv[3].encode()); s.shutdown(socket.SHUT_WR); got = b""
        try:
            while True:
                b = s.recv(65536)
                if not b: break
                got += b
        except OSError as e: got += b"<%s>" % type(e).__name__.encode()
        print(got.decode(errors="replace").strip())
    if cmd == "abort":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10); s.sendall(b"x")
        try:
            b = s.recv(1); print("eof" if not b else "data")
        except ConnectionResetError: print("reset")
        except socket.timeout: print("timeout")
    if cmd == "socks5bind": socks5_bind(int(sys.argv[2]))

def read_exact(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k: raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += k
    return b

def socks5_bind(port):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"\x05\x01\x00" + b"\x05\x02\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
    assert read_exact(c, 2) == b"\x05\x00"
    r1 = read_exact(c, 10)
    bport = struct.unpack("!H", r1[8:10])[0]
    print("first reply rep=%d host=%s port>0=%s" % (r1[1], socket.inet_ntoa(r1[4:8]), bport > 0))
    p = socket.create_connection(("127.0.0.1", bport), timeout=5)
    r2 = read_exact(c, 10)
    peer_ok = (socket.inet_ntoa(r2[4:8]), struct.unpack("!H", r2[8:10])[0]) == p.getsockname()
    print("second reply rep=%d names the peer=%s" % (r2[1], peer_ok))
    p.sendall(b"to-client\n"); c.sendall(b"to-peer\n")
    print("relayed %s %s" % (read_exact(c, 10) == b"to-client\n", read_exact(p, 8) == b"to-peer\n"))

main()
