#!/usr/bin/env bash
# Issue 9 finding 5: credentials are compared as (length, bytes), not as C strings. With
# user:pass configured, "user\0" / "pass" and "user" / "pass\0junk" must be refused through the
# relay handler, SOCKS5 (RFC 1929) and the tunnel port; "user" / "pass" accepted. HTTP Basic
# with a NUL is refused as well.
source "$(dirname "$0")/lib.sh"

read -r R S H T < <(free_ports 4)
bg relay "$GOST" -L "relay://user:pass@127.0.0.1:$R"
bg socks "$GOST" -L "socks5://user:pass@127.0.0.1:$S"
bg http "$GOST" -L "http://user:pass@127.0.0.1:$H"
bg tunnel "$GOST" -L "tunnel://user:pass@127.0.0.1:$T"
wait_tcp "$R"; wait_tcp "$S"; wait_tcp "$H"; wait_tcp "$T"

python3 - "$R" "$S" "$H" "$T" <<'PY'
import base64, socket, struct, sys, uuid
R, S, H, T = map(int, sys.argv[1:5])
fails = []
def feat(t, d): return bytes([t]) + struct.pack(">H", len(d)) + d
def relay_status(port, user, pw, tunnel=False):
    auth = feat(1, bytes([len(user)]) + user + bytes([len(pw)]) + pw)
    # CONNECT to 127.0.0.1:1 (nothing listens): a good login gets past auth to a dial error
    dst = feat(2, b"\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", 1))
    feats = auth + dst + (feat(3, uuid.uuid4().bytes + b"\0\0\0\0") if tunnel else b"")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(bytes([1, 1]) + struct.pack(">H", len(feats)) + feats)
    r = s.recv(4); s.close()
    return r[1] if len(r) >= 2 else None
def socks_status(user, pw):
    s = socket.create_connection(("127.0.0.1", S), timeout=5)
    s.sendall(b"\x05\x01\x02")
    if s.recv(2) != b"\x05\x02": return "no userpass method"
    s.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(pw)]) + pw)
    r = s.recv(2); s.close()
    return r[1] if len(r) == 2 else None
def http_status(user, pw):
    s = socket.create_connection(("127.0.0.1", H), timeout=5)
    cred = base64.b64encode(user + b":" + pw).decode()
    s.sendall(f"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nProxy-Authorization: Basic {cred}\r\n\r\n".encode())
    r = s.recv(64); s.close()
    return int(r.split()[1]) if r.startswith(b"HTTP/") else None

bad = [(b"user\0", b"pass"), (b"user", b"pass\0junk"), (b"user\0x", b"pass"), (b"use", b"pass"),
       (b"user", b"pas"), (b"", b"")]
for u, p in bad:
    st = relay_status(R, u, p)
    if st != 2: fails.append(f"relay {u!r}/{p!r}: status {st}, want 2 (Unauthorized)")
    st = relay_status(T, u, p, tunnel=True)
    if st != 2: fails.append(f"tunnel {u!r}/{p!r}: status {st}, want 2 (Unauthorized)")
    st = socks_status(u, p)
    if st == 0: fails.append(f"socks5 {u!r}/{p!r}: accepted")
    st = http_status(u, p)
    if st != 407: fails.append(f"http {u!r}/{p!r}: status {st}, want 407")
st = relay_status(R, b"user", b"pass")
if st in (None, 2): fails.append(f"relay user/pass: status {st}, want past auth")
st = relay_status(T, b"user", b"pass", tunnel=True)
if st in (None, 2): fails.append(f"tunnel user/pass: status {st}, want past auth")
if socks_status(b"user", b"pass") != 0: fails.append("socks5 user/pass refused")
st = http_status(b"user", b"pass")
if st == 407: fails.append("http user/pass refused")
for f in fails: print("FAIL:", f)
if fails: sys.exit(1)
print(f"ok - {len(bad)} near-miss credentials (embedded NUL, prefixes) refused by relay, tunnel, SOCKS5 and HTTP; user/pass accepted")
PY
