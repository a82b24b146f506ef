#!/usr/bin/env bash
# Hot reload (docs/operations.md): SIGHUP under wrk load through the tunnel entrypoint applies a
# changed ingress (the very hostname wrk requests moves to another tunnel) and a new service with
# zero failed requests and without re-registering either tunnel client; an invalid file is refused and the running config kept; log: {output, format}
# writes to a file with time zones, and SIGUSR1 reopens it after logrotate moved it.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "SKIP: wrk not installed"; exit 0; }

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
TID2=ac74d9dd-3125-442a-a7c1-f9e49e05faca
read -r T E API W N1 < <(free_ports 5)
cd "$WORK"
cat > backend.py <<'PY'
import sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer.request_queue_size = 512  # the default backlog of 5 drops SYNs under wrk
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
bg web python3 -u backend.py "$W"
wait_tcp "$W"

# config RULES SERVICES [A_TUNNEL]: writes gost.yaml atomically (as an editor or a deploy tool
# would); a.example.com goes to A_TUNNEL (default $TID)
config() {
  {
    echo "log: {level: info, format: json, output: $WORK/gost.log}"
    echo "services:"
    echo "- name: tun"
    echo "  addr: 127.0.0.1:$T"
    echo "  handler: {type: tunnel, metadata: {entrypoint: \"127.0.0.1:$E\", ingress: ing, entrypoint.accesslog: true}}"
    echo "  listener: {type: tcp}"
    [ -z "$2" ] || echo "$2"
    echo "ingresses:"
    echo "- name: ing"
    echo "  rules:"
    echo "  - {hostname: a.example.com, endpoint: ${3:-$TID}}"
    [ -z "$1" ] || echo "$1"
    echo "api: {addr: \"127.0.0.1:$API\"}"
  } > gost.yaml.new
  mv gost.yaml.new gost.yaml
}
config "" ""
bg server "$GOST" -C gost.yaml
SPID=${_pids[-1]}
wait_tcp "$API"; wait_tcp "$E"
curl -sN --max-time 60 "http://127.0.0.1:$API/api/events" > events.log 2>/dev/null &
_pids+=($!)
retry 25 grep -q ': connected' events.log
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
bg client2 "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID2"
retry 50 sh -c "[ \$(grep -c 'event: connector_up' events.log) = 2 ]" || fail "clients did not register"
retry 25 curl -sf --max-time 2 -H "Host: a.example.com" "http://127.0.0.1:$E/" -o /dev/null

grep -qE '"time":"[0-9T:.-]+[+-][0-9]{2}:[0-9]{2}"' gost.log || fail "log time has no time zone: $(head -2 gost.log)"
pass "log.output file with RFC 3339 time zones"

wrk -t1 -c8 -d4s --timeout 10s -H "Host: a.example.com" "http://127.0.0.1:$E/" > wrk.txt 2>&1 &
wpid=$!
sleep 1
config "  - {hostname: b.example.com, endpoint: $TID}" \
  "- {name: extra, addr: \"127.0.0.1:$N1\", handler: {type: tcp}, listener: {type: tcp}, forwarder: {nodes: [{name: w, addr: \"127.0.0.1:$W\"}]}}" \
  "$TID2"
kill -HUP "$SPID"
retry 25 grep -q 'event: config_applied' events.log || fail "SIGHUP: no config_applied"
sleep 0.5
printf 'services: [{name: x, addr: ":1", handler: {type: nope}}]\n' > gost.yaml
kill -HUP "$SPID"
retry 25 grep -q 'event: config_failed' events.log || fail "invalid reload not reported"
wait "$wpid" || fail "wrk failed: $(cat wrk.txt)"
cat wrk.txt
reqs=$(awk '/requests in/ {print $1}' wrk.txt)
[ "${reqs:-0}" -gt 100 ] || fail "wrk made too few requests"
! grep -qE 'Non-2xx|Socket errors' wrk.txt || fail "requests failed across the reload: $(cat wrk.txt)"
# the hostname wrk was hammering moved to the second tunnel during the run: its totals count it
curl -sf --max-time 5 "http://127.0.0.1:$API/api/tunnels" > tunnels.json
python3 - tunnels.json "$TID" "$TID2" <<'PY' || fail "the changed rule did not take the load: $(cat tunnels.json)"
import json, sys
t = {x["tunnelId"]: x for x in json.load(open(sys.argv[1]))["tunnels"]}
a, b = t[sys.argv[2]], t[sys.argv[3]]
# the entrypoint reuses streams (entrypoint.keepalive, on by default): wrk's 8 connections need
# only a few per tunnel, so the load shows in the bytes each tunnel carried
total = a["bytesIn"] + b["bytesIn"]
assert a["streams"] >= 1 and b["streams"] >= 1, (a["streams"], b["streams"])
assert a["bytesIn"] > total / 10 and b["bytesIn"] > total / 10, (a["bytesIn"], b["bytesIn"])
assert [h["hostname"] for h in b["hostnames"]] == ["a.example.com"], b["hostnames"]
print("streams before/after the reload:", a["streams"], b["streams"])
PY
pass "SIGHUP under wrk load moved a.example.com to another tunnel: $reqs requests, none failed"

curl -sf --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/" | grep >/dev/null hello || fail "new rule does not route"
curl -sf --max-time 5 "http://127.0.0.1:$N1/" | grep >/dev/null hello || fail "added service does not forward"
curl -sf --max-time 5 -H "Host: a.example.com" "http://127.0.0.1:$E/" | grep >/dev/null hello ||
  fail "old rule lost after the refused reload"
kill -0 "$SPID" || fail "server died"
[ "$(grep -c 'event: connector_up' events.log)" = 2 ] || fail "a tunnel client re-registered"
grep -q 'config not applied' gost.log || fail "refused reload not logged"
grep -qE '"msg":"\| 200 \| 127.0.0.1:[0-9]+ \| GET a.example.com/ \| [0-9.]+ ms".*"code":"200"' gost.log ||
  fail "no entrypoint access log line: $(grep -m3 entrypoint gost.log)"
pass "reload applied the ingress and service; invalid file refused and old config kept"

mv gost.log gost.log.1
kill -USR1 "$SPID"
curl -s --max-time 5 -XPOST "http://127.0.0.1:$API/config/reload" > r.json || true
grep -q '"code":40001' r.json || fail "reload of the invalid file through the API: $(cat r.json)"
retry 25 grep -q 'config not applied' gost.log || fail "no log line in the reopened file"
pass "SIGUSR1 reopens the log file"

# POST /config writes the running config over the -C file; reading it back changes nothing
curl -sf --max-time 5 -XPOST "http://127.0.0.1:$API/config" | grep >/dev/null '"msg":"OK"' || fail "POST /config"
grep -q "b.example.com" gost.yaml || fail "saved config lacks the reloaded rule: $(cat gost.yaml)"
n=$(grep -c 'event: config_applied' events.log)
kill -HUP "$SPID"
retry 25 sh -c "[ \$(grep -c 'event: config_applied' events.log) -gt $n ]" || fail "reload of the saved file"
grep 'event: config_applied' -A1 events.log | tail -1 | grep -q '0 added, 0 changed, 0 removed, 2 unchanged' ||
  fail "saved file differs from the running config: $(tail -2 events.log)"
pass "POST /config saves the running config; reloading it is a no-op"

# a reload through the API that changes the api section itself restarts the listener that is
# serving the request: the answer still arrives, and the new listener serves the next one
sed -i '/^api:/a\  accesslog: true' gost.yaml
curl -sf --max-time 5 -XPOST "http://127.0.0.1:$API/config/reload" | grep >/dev/null '"msg":"OK"' ||
  fail "reload that restarts the API did not answer"
curl -sf --max-time 5 "http://127.0.0.1:$API/api/status" | grep >/dev/null '"version"' || fail "API gone after restarting itself"
retry 25 grep -q '"kind":"api".*"uri":"/api/status"' gost.log || fail "accesslog from the reloaded api section"
kill -0 "$SPID" || fail "server died"
pass "the API restarts itself through its own reload endpoint"
