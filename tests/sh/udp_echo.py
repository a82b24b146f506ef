"""usage: udp_echo.py serve PORT | udp_echo.py check PORT N [SIZE_MAX]
serve: answers every datagram with b'echo:' + datagram, on 127.0.0.1:PORT.
check: sends datagrams of growing size to PORT until N echoes came back intact (exit 1 if not)."""
import socket, sys

if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(sys.argv[2])))
    while True:
        d, a = s.recvfrom(65535)
        s.sendto(b"echo:" + d, a)

port, n = int(sys.argv[2]), int(sys.argv[3])
size_max = int(sys.argv[4]) if len(sys.argv) > 4 else 1400
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
ok = 0
for i in range(n * 20):
    msg = bytes((i * 7 + k) % 256 for k in range(1 + (i * 97) % size_max))
    s.sendto(msg, ("127.0.0.1", port))
    try:
        while True:
            d, _ = s.recvfrom(65535)
            if d == b"echo:" + msg:
                ok += 1
                break
    except socket.timeout:
        pass
    if ok >= n:
        break
print("udp echoes: %d/%d" % (ok, n))
sys.exit(0 if ok >= n else 1)
