#!/usr/bin/env python3
"""HTTP/1.1 backend with exact control of the framing, for test_entrypoint_reuse.sh.
usage: ep_reuse_backend.py PORT.  Logs "CONN <id>" per accepted connection and
"REQ <id> <method> <path> body=<n>" per request. Paths:
  /ka        200, Content-Length                 /http10  HTTP/1.0 200, Content-Length, then close
  /eof       200 without length, body until close /upgrade 101, then echoes raw bytes upper-cased
  /head      (HEAD) 200 with Content-Length: 1000 and no body
  /204 /304  no body                              /big     4 MiB body (Content-Length)
  /post      echoes "got <n>" for the (possibly chunked) request body
  /dropnext  200; the next request on this connection is read and dropped with a close (the
             backend closed an idle connection just as it was reused)
  /extra     200 with Content-Length 3 but 5 body bytes (a broken backend)
  /slow      200 after 0.5 s (many requests in flight at once)
"GONE <id>" is logged when a connection ends."""
import socket, sys, threading, itertools, time

ids = itertools.count(1)
lock = threading.Lock()


def log(*a):
    with lock:
        print(*a, flush=True)


def read_head(f):
    line = f.readline()
    if not line:
        return None
    hdrs = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode().partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return line.decode().split(), hdrs


def read_body(f, hdrs):
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return body
            body += f.read(n)
            f.readline()
    return f.read(int(hdrs.get("content-length", "0")))


def resp(code, body=b"", extra=b"", length=True):
    r = b"HTTP/1.1 %d X\r\n" % code + extra
    if length:
        r += b"Content-Length: %d\r\n" % len(body)
    return r + b"\r\n" + body


def serve(c):
    cid = next(ids)
    log("CONN", cid)
    f = c.makefile("rb")
    drop = False
    try:
        while True:
            got = read_head(f)
            if not got:
                return
            (method, path, _ver), hdrs = got
            body = read_body(f, hdrs)
            log("REQ", cid, method, path, "body=%d" % len(body))
            if drop:
                return
            if path == "/ka" or path.startswith("/ka?"):
                c.sendall(resp(200, b"ka %s %d\n" % (path.encode(), cid)))
            elif path == "/http10":
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\nhttp10\n")
                return
            elif path == "/eof":
                c.sendall(resp(200, b"until close\n", length=False))
                return
            elif path == "/upgrade":
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
                while True:
                    b = c.recv(65536)
                    if not b:
                        return
                    c.sendall(b.upper())
            elif path == "/head":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            elif path == "/204":
                c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif path == "/304":
                c.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n')
            elif path == "/big":
                c.sendall(resp(200, b"b" * (4 << 20)))
            elif path == "/post":
                c.sendall(resp(200, b"got %d" % len(body)))
            elif path == "/dropnext":
                c.sendall(resp(200, b"armed\n"))
                drop = True
            elif path == "/slow":
                time.sleep(0.5)
                c.sendall(resp(200, b"slow\n"))
            elif path == "/extra":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcXY")
            else:
                c.sendall(resp(404))
    except (OSError, ValueError):
        pass
    finally:
        c.close()
        log("GONE", cid)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(64)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
