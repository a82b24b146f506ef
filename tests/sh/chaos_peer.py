#!/usr/bin/env python3
"""Both ends of the chaos test's transfers (tests/sh/test_wan_chaos.sh).
  serve HOST PORT FILE   backend: per connection one command byte:
                         'U' + 8-byte length + data -> replies the data's sha256 (hex)
                         'D' -> sends FILE, then closes
                         'P' -> replies b"pong"
  up HOST PORT FILE      uploads FILE, checks the backend's digest
  down HOST PORT FILE    downloads, checks the digest against FILE
  ping HOST PORT         one P round trip
Exit 0 when byte-exact, 1 (with the reason on stderr) otherwise. The tunnel has no half-close,
so uploads carry their length instead of ending with a shutdown."""
import hashlib, socket, struct, sys, threading

TIMEOUT = 120


def read_exact(c, n):
    buf = bytearray()
    while len(buf) < n:
        b = c.recv(min(1 << 20, n - len(buf)))
        if not b:
            raise ConnectionError(f"EOF after {len(buf)} of {n} bytes")
        buf += b
    return bytes(buf)


def handle(c, data):
    with c:
        c.settimeout(TIMEOUT)
        cmd = read_exact(c, 1)
        if cmd == b"U":
            (n,) = struct.unpack("!Q", read_exact(c, 8))
            h = hashlib.sha256()
            left = n
            while left:
                b = c.recv(min(1 << 20, left))
                if not b:
                    return
                h.update(b)
                left -= len(b)
            c.sendall(h.hexdigest().encode())
        elif cmd == b"D":
            c.sendall(data)
        elif cmd == b"P":
            c.sendall(b"pong")


def serve(host, port, path):
    data = open(path, "rb").read()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(128)
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c, data), daemon=True).start()


def main():
    op, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if op == "serve":
        return serve(host, port, sys.argv[4])
    c = socket.create_connection((host, port), 10)
    c.settimeout(TIMEOUT if op != "ping" else 5)
    try:
        if op == "ping":
            c.sendall(b"P")
            ok = read_exact(c, 4) == b"pong"
            return 0 if ok else 1
        data = open(sys.argv[4], "rb").read()
        want = hashlib.sha256(data).hexdigest()
        if op == "up":
            c.sendall(b"U" + struct.pack("!Q", len(data)) + data)
            got = read_exact(c, 64).decode()
        else:
            c.sendall(b"D")
            got = hashlib.sha256(read_exact(c, len(data))).hexdigest()
        if got != want:
            print(f"{op}: sha256 mismatch: {got} != {want}", file=sys.stderr)
            return 1
        return 0
    except (OSError, ConnectionError) as e:
        print(f"{op}: {e}", file=sys.stderr)
        return 1
    finally:
        c.close()


if __name__ == "__main__":
    sys.exit(main())
