"""usage: udp_echo.py serve PORT | udp_echo.py check PORT N [SIZE_MAX]
       | udp_echo.py socks5 PROXY_PORT ECHO_PORT N
serve: answers every datagram with b'echo:' + datagram, on 127.0.0.1:PORT.
check: sends datagrams of growing size to PORT until N echoes came back intact (exit 1 if not).
socks5: the same through a SOCKS5 UDP ASSOCIATE (RFC 1928 §7) on 127.0.0.1:PROXY_PORT."""
import socket, struct, sys


def exchange(send, n, size_max, prefix=b""):
    """Sends datagrams (prefix + payload) until n came back as prefix + b'echo:' + payload."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    ok = 0
    for i in range(n * 20):
        msg = bytes((i * 7 + k) % 256 for k in range(1 + (i * 97) % size_max))
        s.sendto(prefix + msg, send)
        try:
            while True:
                d, _ = s.recvfrom(65535)
                if d == prefix + b"echo:" + msg:
                    ok += 1
                    break
        except socket.timeout:
            pass
        if ok >= n:
            break
    return ok


mode = sys.argv[1]
if mode == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(sys.argv[2])))
    while True:
        d, a = s.recvfrom(65535)
        s.sendto(b"echo:" + d, a)
elif mode == "socks5":
    proxy, echo, n = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    c = socket.create_connection(("127.0.0.1", proxy), timeout=5)
    c.sendall(b"\x05\x01\x00")
    assert c.recv(2) == b"\x05\x00", "method"
    c.sendall(b"\x05\x03\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
    rep = c.recv(10)
    assert rep[:2] == b"\x05\x00" and rep[3] == 1, "associate refused: %r" % rep
    relay = (socket.inet_ntoa(rep[4:8]), struct.unpack(">H", rep[8:10])[0])
    hdr = b"\x00\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", echo)
    ok = exchange(relay, n, 1200, hdr)
    print("socks5 udp associate echoes: %d/%d" % (ok, n))
    sys.exit(0 if ok >= n else 1)
else:
    port, n = int(sys.argv[2]), int(sys.argv[3])
    ok = exchange(("127.0.0.1", port), n, int(sys.argv[4]) if len(sys.argv) > 4 else 1400)
    print("udp echoes: %d/%d" % (ok, n))
    sys.exit(0 if ok >= n else 1)
