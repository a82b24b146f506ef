#!/usr/bin/env python3
"""Peers for the limiter tests (tests/sh/test_limiters*.sh), loopback only.

  serve PORT                 HTTP/1.1 backend: GET /N answers N bytes, PUT/POST reads the body
                             and answers its length; port 0 prints the bound port first
  get PORT N [HOST]          downloads N bytes from /N, prints the seconds it took (with
                             LIMIT_PEER_MARK=FILE set, creates FILE when the first bytes arrive)
  put PORT N [HOST]          uploads N bytes, prints the seconds it took
  hold PORT COUNT SECS       opens COUNT connections at once and prints, for each, "open" if it
                             stayed open SECS seconds or "closed" if the server closed it
"""
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        n = int(self.path.strip("/") or 0)
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        chunk = b"x" * 65536
        while n > 0:
            self.wfile.write(chunk[:min(n, len(chunk))])
            n -= min(n, len(chunk))

    def do_PUT(self):
        n, left = int(self.headers.get("Content-Length", 0)), int(self.headers.get("Content-Length", 0))
        while left > 0:
            b = self.rfile.read(min(left, 65536))
            if not b:
                break
            left -= len(b)
        body = str(n - left).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT


def http(port, head, body_len, host):
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(head.replace(b"HOST", host.encode()))
    chunk = b"y" * 65536
    while body_len > 0:
        s.sendall(chunk[:min(body_len, len(chunk))])
        body_len -= min(body_len, len(chunk))
    f = s.makefile("rb")
    status = f.readline()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    got = 0
    while got < length:
        b = f.read1(min(65536, length - got))
        if not b:
            break
        if not got and os.environ.get("LIMIT_PEER_MARK"):
            open(os.environ["LIMIT_PEER_MARK"], "w").close()
        got += len(b)
    s.close()
    if b" 200 " not in status or got != length:
        sys.exit(f"bad answer: {status!r}, {got}/{length} bytes")
    return time.monotonic() - t, got


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "serve":
        srv = ThreadingHTTPServer(("127.0.0.1", port), H)
        print(srv.server_address[1], flush=True)
        srv.serve_forever()
    elif cmd == "get":
        n, host = int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
        secs, got = http(port, b"GET /%d HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n" % n, 0, host)
        if got != n:
            sys.exit(f"got {got} of {n} bytes")
        print(f"{secs:.3f}")
    elif cmd == "put":
        n, host = int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
        head = b"PUT /up HTTP/1.1\r\nHost: HOST\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % n
        secs, _ = http(port, head, n, host)
        print(f"{secs:.3f}")
    elif cmd == "hold":
        count, secs = int(sys.argv[3]), float(sys.argv[4])
        socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        res = [None] * count

        def watch(i, s):
            s.settimeout(secs)
            try:
                res[i] = "closed" if s.recv(1) == b"" else "data"
            except socket.timeout:
                res[i] = "open"
            except OSError:
                res[i] = "closed"
        ts = [threading.Thread(target=watch, args=(i, s)) for i, s in enumerate(socks)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print(" ".join(res))
        for s in socks:
            s.close()


if __name__ == "__main__":
    main()
