#!/usr/bin/env bash
# Hostile peers against a running tunnel server with one healthy tunnel: garbage, truncated and
# malformed relay requests, a CONNECT for an unknown tunnel, slow request heads and 10 000 idle
# connections on the entrypoint. Between every step curl through the healthy tunnel must still
# get 200, and the server must be alive at the end.
source "$(dirname "$0")/lib.sh"

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r T E W < <(free_ports 3)
RT=2 # entrypoint.readTimeout / readTimeout in seconds (stock default 15 s); bounds allow RT + 5 s
# so that a loaded machine (ASan, parallel builds) does not fail them, and still tell RT from 15 s
mkdir -p "$WORK/web"; echo "backend web" > "$WORK/web/index.html"
bg web python3 -m http.server "$W" --bind 127.0.0.1 --directory "$WORK/web"
bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$TID&entrypoint.readTimeout=${RT}s&readTimeout=${RT}s"
SERVER_PID=${_pids[-1]}
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
wait_tcp "$W"; wait_tcp "$T"; wait_tcp "$E"

healthy() { [ "$(curl -s --max-time 5 --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/")" = "backend web" ]; }
check() { # check STEP: the healthy tunnel still serves and the server lives
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server died after: $1"
  healthy || fail "healthy tunnel broken after: $1"
  pass "$1; tunnel still serves 200"
}
retry 50 healthy || fail "healthy tunnel never came up"
pass "healthy tunnel up"

# py PORT SCRIPT [ARGS]: runs python with `s` = a socket connected to 127.0.0.1:PORT and helpers.
py() {
  local port=$1 script=$2; shift 2
  python3 - "$port" "$@" <<PY
import socket, sys, time, uuid, os, struct
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
def recv_all(limit=4096):
    out = b""
    try:
        while len(out) < limit:
            b = s.recv(limit - len(out))
            if not b: break
            out += b
    except socket.timeout:
        out += b"<timeout>"
    except ConnectionResetError:
        out += b"<reset>"
    return out
def feat(t, data): return bytes([t]) + struct.pack(">H", len(data)) + data
def addr(host, port):
    h = host.encode(); return feat(2, b"\x03" + bytes([len(h)]) + h + struct.pack(">H", port))
def tunnel(tid): return feat(3, uuid.UUID(tid).bytes + b"\0\0\0\0")
def request(cmd, feats, ver=1): return bytes([ver, cmd]) + struct.pack(">H", len(feats)) + feats
$script
PY
}

echo "# garbage"
out=$(py "$T" 's.sendall(os.urandom(3000)); print(recv_all().hex())')
pass "3000 random bytes to the tunnel port -> reply '${out:0:32}'"
check "garbage to the tunnel port"
out=$(py "$E" 's.sendall(b"\x00\xff" + os.urandom(3000) + b"\r\n\r\n"); print(recv_all()[:40])')
pass "3000 random bytes to the entrypoint -> reply ${out}"
check "garbage to the entrypoint"
out=$(py "$E" 's.sendall(b"\x16\x03\x01\x00\x05hello" + os.urandom(500)); print(recv_all().hex())')
pass "garbage TLS record to the entrypoint -> reply '${out:0:32}'"
check "garbage TLS record to the entrypoint"

echo "# truncated relay request"
t0=$(date +%s.%N)
out=$(py "$T" 'r = request(1, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel(sys.argv[2])); s.sendall(r[:len(r)-7]); print(recv_all())' "$TID")
t1=$(date +%s.%N)
el=$(python3 -c "print(f'{$t1-$t0:.1f}')")
[ "$out" = "b''" ] || fail "truncated request: reply $out"
python3 -c "import sys; sys.exit(0 if $t1-$t0 < $RT + 5 else 1)" || fail "truncated request held ${el} s"
pass "truncated relay request closed silently after ${el} s (readTimeout ${RT}s)"
check "truncated relay request"

echo "# bad version"
out=$(py "$T" 's.sendall(request(1, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel(sys.argv[2]), ver=2)); print(recv_all().hex())' "$TID")
[ "$out" = "01010000" ] || fail "bad version: reply '$out', expected 01010000"
pass "relay request with VER=2 -> BadRequest 01 01 00 00"
check "bad version"
out=$(py "$T" 's.sendall(request(1, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel("00000000-0000-0000-0000-000000000000"))); print(recv_all().hex())')
[ "$out" = "01010000" ] || fail "zero tunnel ID: reply '$out', expected 01010000"
pass "relay CONNECT with a zero tunnel ID -> BadRequest 01 01 00 00"
out=$(py "$T" 's.sendall(request(7, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel(sys.argv[2]))); print(recv_all().hex())' "$TID")
[ "$out" = "01010000" ] || fail "unknown command: reply '$out', expected 01010000"
pass "relay request with command 7 -> BadRequest 01 01 00 00"

echo "# CONNECT for an unknown tunnel"
UNK=11111111-2222-4333-8444-555555555555
out=$(py "$T" 's.sendall(request(1, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel(sys.argv[2]))); print(recv_all().hex())' "$UNK")
[ "${out:0:2}" = 01 ] && [ "${out:2:2}" != 00 ] || fail "CONNECT unknown tunnel: reply '$out'"
pass "relay CONNECT for an unknown tunnel ID -> status 0x${out:2:2} (reply $out)"
out=$(py "$T" 's.sendall(request(1, addr("1.2.3.4", 1) + addr("other.test", 80) + tunnel(sys.argv[2]))); print(recv_all().hex())' "$UNK")
[ "${out:0:2}" = 01 ] && [ "${out:2:2}" != 00 ] || fail "CONNECT unknown tunnel/host: reply '$out'"
pass "relay CONNECT for an unknown tunnel and host -> status 0x${out:2:2}"
out=$(py "$E" 's.sendall(request(1, addr("1.2.3.4", 1) + addr("web.test", 80) + tunnel(sys.argv[2]))); print(recv_all().hex())' "$UNK")
[ "${out:2:2}" != 00 ] || fail "entrypoint CONNECT for an unknown tunnel: reply '$out'"
pass "relay CONNECT on the entrypoint for an unknown tunnel -> reply '${out:0:8}'"
check "CONNECT for unknown tunnels"

echo "# slow request heads on the entrypoint"
out=$(py "$E" '
t0 = time.time(); res = "open"
try:
    for c in b"GET / HTTP/1.1\r\nHost: web.test\r\nX-Slow: ":
        s.sendall(bytes([c])); time.sleep(0.25)
        if time.time() - t0 > 20: break
    res = repr(recv_all())
except (BrokenPipeError, ConnectionResetError) as e:
    res = type(e).__name__
print(f"{time.time() - t0:.1f} {res}")')
el=${out%% *}
python3 -c "import sys; sys.exit(0 if $el <= $RT + 5 else 1)" || fail "slow head held for $out"
pass "slow request head (1 byte / 250 ms) ended after ${el} s: ${out#* } (entrypoint.readTimeout=${RT}s)"
check "slow headers"
out=$(py "$E" 's.sendall(b"GET / HTTP/1.1\r\nHost: web.test\r\n"); t0 = time.time(); r = recv_all(); print(f"{time.time() - t0:.1f}", r[:30])')
el=${out%% *}
python3 -c "import sys; sys.exit(0 if $el <= $RT + 5 else 1)" || fail "incomplete head held for $out"
pass "incomplete head with no more bytes closed after ${el} s: ${out#* }"
out=$(py "$T" 's.sendall(b"\x01"); t0 = time.time(); r = recv_all(); print(f"{time.time() - t0:.1f}", r)')
el=${out%% *}
python3 -c "import sys; sys.exit(0 if $el <= $RT + 5 else 1)" || fail "1-byte relay request held for $out"
pass "1-byte relay request on the tunnel port closed after ${el} s (readTimeout=${RT}s)"

IDLE_N=${IDLE_N:-10000}
echo "# $IDLE_N idle connections on the entrypoint"
python3 - "$E" "$WORK/idle.ready" "$WORK/idle.done" "$IDLE_N" >"$WORK/idle.log" 2>&1 <<'PY' &
import socket, sys, time, resource, os
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, int(sys.argv[4]) + 1000), hard))
socks = []
for i in range(int(sys.argv[4])):
    s = socket.socket(); s.settimeout(5)
    s.connect(("127.0.0.1", int(sys.argv[1])))
    socks.append(s)
open(sys.argv[2], "w").write(str(len(socks)))
t0 = time.time()
while not os.path.exists(sys.argv[3]) and time.time() - t0 < 20:
    time.sleep(0.1)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b"": closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(f"held {len(socks)} closed-by-server {closed} after {time.time() - t0:.1f} s")
PY
IDLE=$!
_pids+=($IDLE)
for _ in $(seq 1 900); do [ -f "$WORK/idle.ready" ] && break; sleep 0.05; done
[ -f "$WORK/idle.ready" ] || fail "$IDLE_N connections not opened: $(cat "$WORK/idle.log")"
ok=0
for _ in $(seq 1 20); do healthy && ok=$((ok + 1)); done
[ $ok -eq 20 ] || fail "with $IDLE_N idle connections only $ok/20 requests succeeded"
pass "$IDLE_N idle connections open on the entrypoint; 20/20 requests through the tunnel -> 200"
sleep $((RT + 2))
touch "$WORK/idle.done"; wait $IDLE || true
pass "idle connections: $(cat "$WORK/idle.log")"
grep -q "closed-by-server $IDLE_N" "$WORK/idle.log" || fail "idle connections not all closed by the server after ${RT}s"
check "$IDLE_N idle connections"
fds=$(ls /proc/"$SERVER_PID"/fd | wc -l)
[ "$fds" -lt 100 ] || fail "server holds $fds descriptors after the idle connections went away"
pass "server descriptors back to $fds"

kill -0 "$SERVER_PID" || fail "server died"
pass "server alive at the end"
