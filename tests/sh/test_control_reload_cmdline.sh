#!/usr/bin/env bash
# Hot reload keeps the command line (docs/operations.md, "Hot reload"): services given with -L
# (and the -F chain) next to a -C file survive SIGHUP and POST /config/reload, as stock GOST's
# reload re-reads the file and merges the command line in again; an open connection through
# the -L service carries on across both reloads, and the file's own change is applied.
source "$(dirname "$0")/lib.sh"

read -r L F1 F2 API ECHO < <(free_ports 5)
cd "$WORK"
cat > echo.py <<'PY'
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg echo python3 -u echo.py "$ECHO"
wait_tcp "$ECHO"

config() { # the file's services: fwd1, and fwd2 when $1 is set
  {
    echo "services:"
    echo "- {name: fwd1, addr: \"127.0.0.1:$F1\", handler: {type: tcp}, listener: {type: tcp}, forwarder: {nodes: [{name: e, addr: \"127.0.0.1:$ECHO\"}]}}"
    [ -z "${1:-}" ] || echo "- {name: fwd2, addr: \"127.0.0.1:$F2\", handler: {type: tcp}, listener: {type: tcp}, forwarder: {nodes: [{name: e, addr: \"127.0.0.1:$ECHO\"}]}}"
    echo "api: {addr: \"127.0.0.1:$API\"}"
  } > gost.yaml.new
  mv gost.yaml.new gost.yaml
}
config
bg server "$GOST" -C gost.yaml -L "tcp://127.0.0.1:$L/127.0.0.1:$ECHO"
SPID=${_pids[-1]}
wait_tcp "$API"; wait_tcp "$L"; wait_tcp "$F1"

echo_once() { # echo_once FD WORD: the word comes back through the open connection
  printf '%s\n' "$2" >&"$1"
  local line
  IFS= read -r -t 5 line <&"$1" && [ "$line" = "$2" ]
}
exec 3<>/dev/tcp/127.0.0.1/"$L"
echo_once 3 before || fail "no echo through the -L service"
curl -sf --max-time 5 "http://127.0.0.1:$API/config" | grep >/dev/null -E '"name": ?"service-0"' ||
  fail "GET /config lacks the -L service"

config with-fwd2
kill -HUP "$SPID"
retry 50 bash -c "exec 4<>/dev/tcp/127.0.0.1/$F2" 2>/dev/null || fail "SIGHUP did not add fwd2: $(tail -3 "$WORK/server.log")"
grep -q '1 added, 0 changed, 0 removed, 2 unchanged services' server.log ||
  fail "SIGHUP summary: $(grep 'config applied' server.log)"
echo_once 3 after-sighup || fail "the connection through the -L service did not survive SIGHUP"
(exec 5<>/dev/tcp/127.0.0.1/"$L") 2>/dev/null || fail "the -L service stopped listening on SIGHUP"
pass "SIGHUP keeps the -L service (and its open connection) and applies the file"

config
curl -sf --max-time 5 -XPOST "http://127.0.0.1:$API/config/reload" | grep >/dev/null '"msg":"OK"' || fail "POST /config/reload"
grep -q '0 added, 0 changed, 1 removed, 2 unchanged services' server.log ||
  fail "reload summary: $(grep 'config applied' server.log)"
echo_once 3 after-api-reload || fail "the connection through the -L service did not survive POST /config/reload"
curl -sf --max-time 5 "http://127.0.0.1:$API/api/services" | grep >/dev/null '"name":"service-0"' ||
  fail "the -L service is gone from /api/services"
! (exec 6<>/dev/tcp/127.0.0.1/"$F2") 2>/dev/null || fail "fwd2 still listens after its removal"
exec 3>&-
pass "POST /config/reload keeps the -L service and removes what the file dropped"
