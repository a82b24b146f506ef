#!/usr/bin/env bash
# Web API and metrics on a running server (docs/api.md): curl lists, adds, changes and deletes a
# service and an ingress rule while a transfer through an unchanged service stays byte-exact;
# the tunnel client stays registered; SSE reports connector up/down; disconnect works; the
# Prometheus text parses and counts what happened; bad input gets stock's {code,msg} errors.
source "$(dirname "$0")/lib.sh"

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
TID2=ac74d9dd-3125-442a-a7c1-f9e49e05faca
read -r T E API MET W F N1 < <(free_ports 7)
cd "$WORK"

head -c 8000000 /dev/urandom > big.bin
cat > backend.py <<'PY'
import sys
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
class H(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
ThreadingHTTPServer.request_queue_size = 512  # the default backlog of 5 drops SYNs under wrk
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
bg web python3 -u backend.py "$W"
wait_tcp "$W"

cat > gost.yaml <<EOF
services:
- name: tun
  addr: 127.0.0.1:$T
  handler: {type: tunnel, metadata: {entrypoint: "127.0.0.1:$E", ingress: ing}}
  listener: {type: tcp}
- name: fwd
  addr: 127.0.0.1:$F
  handler: {type: tcp}
  listener: {type: tcp}
  forwarder: {nodes: [{name: web, addr: "127.0.0.1:$W"}]}
ingresses:
- name: ing
  rules:
  - {hostname: a.example.com, endpoint: $TID}
api: {addr: "127.0.0.1:$API", auth: {username: admin, password: pw}}
metrics: {addr: "127.0.0.1:$MET"}
EOF
bg server "$GOST" -C gost.yaml
wait_tcp "$API"; wait_tcp "$MET"; wait_tcp "$E"
C=(curl -s --max-time 5 -u admin:pw)
B="http://127.0.0.1:$API"

# auth is required everywhere
code=$(curl -s -o /dev/null -w '%{http_code}' "$B/config")
[ "$code" = 401 ] || fail "no credentials: HTTP $code, want 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -u admin:wrong "$B/api/tunnels")
[ "$code" = 401 ] || fail "bad credentials: HTTP $code, want 401"

# live events, then a tunnel client for a.example.com
curl -sN --max-time 30 -u admin:pw "$B/api/events" > events.log 2>/dev/null &
_pids+=($!)
retry 25 grep -q ': connected' events.log || fail "no SSE stream"
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
retry 50 grep -q 'event: connector_up' events.log || fail "no connector_up event"
pass "SSE connector_up"

for i in 1 2 3; do
  curl -sf --max-time 5 -H "Host: a.example.com" "http://127.0.0.1:$E/big.bin" -o /dev/null || fail "public request $i"
done
"${C[@]}" "$B/api/services/tun/stats" > stats.json
python3 - stats.json <<'PY' || fail "tunnel service stats: $(cat stats.json)"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["totalConns"] >= 4, s           # the tunnel client + three public connections
assert s["outputBytes"] > 100 and s["inputBytes"] >= 3 * 8000000, s
PY
pass "gost_service_stat on a tunnel service counts public requests and bytes"

# budgets in use against their configured limits (docs/limits.md), as the dashboard shows them
"${C[@]}" "$B/api/status" > status.json
python3 - status.json <<'PY' || fail "budgets in /api/status: $(cat status.json)"
import json, sys
b = json.load(open(sys.argv[1]))["budgets"]
svc = {s["service"]: s for s in b["services"]}
tun, fwd = svc["tun"], svc["fwd"]
assert tun["conns"]["max"] == 50000 and tun["conns"]["open"] >= 1, tun  # the tunnel client
assert tun["handshakes"] == {"open": 0, "max": 1024}, tun
# open: 0, or the one stream the entrypoint parked for reuse (entrypoint.keepalive, on by default)
assert tun["muxStreams"]["maxPerSession"] == 16384 and tun["muxStreams"]["open"] in (0, 1), tun
assert tun["entrypointConns"] == {"open": 0, "max": 50000, "listeners": 1}, tun  # the requests ended
assert fwd["conns"] == {"open": 0, "max": 50000} and "muxStreams" not in fwd, fwd
assert b["limitsHit"]["conns_refused"] == 0 and set(b["limitsHit"]) >= {"handshakes_refused", "udp_flows_refused"}, b
PY
pass "/api/status: connection, handshake and stream counts against conns.max, handshake.max, mux.maxStreams"

# a transfer through the unchanged service 'fwd' runs across every change below
curl -sf --max-time 30 --limit-rate 3M "http://127.0.0.1:$F/big.bin" -o got.bin &
xfer=$!
sleep 0.3

# create, duplicate, update, delete a service
"${C[@]}" -XPOST "$B/config/services" -d "{\"name\":\"new1\",\"addr\":\"127.0.0.1:$N1\",\"handler\":{\"type\":\"tcp\"},\"listener\":{\"type\":\"tcp\"},\"forwarder\":{\"nodes\":[{\"name\":\"w\",\"addr\":\"127.0.0.1:$W\"}]}}" > r.json
grep -q '"msg":"OK"' r.json || fail "create: $(cat r.json)"
wait_tcp "$N1"
curl -sf --max-time 5 "http://127.0.0.1:$N1/backend.py" | grep >/dev/null ThreadingHTTPServer || fail "new service does not forward"
# list: GET /config carries stock's read-only per-service status (go-gost/x config.ServiceStatus)
# a connection's bytes are counted when it ends: curl's may still be closing (slow under ASan)
config_status_ok() {
"${C[@]}" "$B/config" > cfg.json
python3 - cfg.json <<'PY'
import json, sys, time
svcs = {s["name"]: s for s in json.load(open(sys.argv[1]))["services"]}
assert set(svcs) == {"tun", "fwd", "new1"}, list(svcs)
st = svcs["new1"]["status"]
assert st["state"] == "running" and abs(st["createTime"] - time.time()) < 60, st
assert any("listening" in e["msg"] and e["time"] >= st["createTime"] for e in st["events"]), st
assert st["stats"]["totalConns"] >= 1 and st["stats"]["outputBytes"] > 0, st
assert set(st["stats"]) == {"totalConns", "currentConns", "totalErrs", "inputBytes", "outputBytes"}, st
assert svcs["fwd"]["status"]["stats"]["totalConns"] >= 1, svcs["fwd"]  # the transfer running across the changes
PY
}
for _ in $(seq 40); do config_status_ok 2>/dev/null && break; sleep 0.25; done
config_status_ok || fail "GET /config status: $(head -c 2000 cfg.json)"
"${C[@]}" "$B/config?format=yaml" > cfg.yaml
grep -qE '^ +state: "running"' cfg.yaml || fail "YAML /config lacks status: $(head -40 cfg.yaml)"
# the item as GET /config shows it, status included, goes back unchanged (stock ignores status)
python3 -c 'import json,sys; print(json.dumps([s for s in json.load(open(sys.argv[1]))["services"] if s["name"] == "new1"][0]))' cfg.json > new1.json
"${C[@]}" -XPUT "$B/config/services/new1" --data-binary @new1.json > r.json
grep -q '"msg":"OK"' r.json || fail "PUT of a GET /config item with its status: $(cat r.json)"
grep -q "config applied: 0 added, 0 changed, 0 removed, 3 unchanged" server.log || fail "status sent back restarted new1"
"${C[@]}" -XPOST "$B/config/services" -d '{"name":"new1"}' > r.json
grep -q '"code":40002' r.json || fail "duplicate: $(cat r.json)"
"${C[@]}" -XPOST "$B/config/services" -d '{"name":"bad","addr":":1","handler":{"type":"nope"}}' > r.json
grep -q '"code":40003.*unknown handler' r.json || fail "invalid service: $(cat r.json)"
"${C[@]}" -XPOST "$B/config/services" -d '{"addr":":1"}' > r.json
grep -q '"code":40001' r.json || fail "nameless: $(cat r.json)"
"${C[@]}" -XPOST "$B/config/services" -d '{not json' > r.json
grep -q '"code":40001' r.json || fail "bad json: $(cat r.json)"
"${C[@]}" -XPUT "$B/config/services/new1" -d "{\"addr\":\"127.0.0.1:$N1\",\"handler\":{\"type\":\"tcp\"},\"listener\":{\"type\":\"tcp\"},\"forwarder\":{\"nodes\":[{\"name\":\"w\",\"addr\":\"127.0.0.1:$MET\"}]}}" > r.json
grep -q '"msg":"OK"' r.json || fail "update: $(cat r.json)"
retry 25 sh -c "curl -s --max-time 5 http://127.0.0.1:$N1/metrics | grep -q gost_services" || fail "updated service forwards to the old target"
"${C[@]}" -XDELETE "$B/config/services/nosuch" > r.json
grep -q '"code":40004' r.json || fail "delete unknown: $(cat r.json)"
"${C[@]}" -XDELETE "$B/config/services/new1" > r.json
grep -q '"msg":"OK"' r.json || fail "delete: $(cat r.json)"
! curl -s --max-time 2 "http://127.0.0.1:$N1/" >/dev/null 2>&1 || fail "deleted service still listens"
"${C[@]}" -XPOST "$B/config/routers" -d '{"name":"l"}' > r.json
grep -q '"code":40001.*not supported' r.json || fail "unsupported kind: $(cat r.json)"
pass "services: create, duplicate, invalid, update, delete"

# ingress rule: add through the API, the next request routes by it; remove it again
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/backend.py")
[ "$code" = 502 ] || fail "b.example.com before the rule: HTTP $code"
"${C[@]}" -XPUT "$B/api/ingresses/ing/rules/b.example.com" -d "{\"endpoint\":\"$TID\"}" > r.json
grep -q '"msg":"OK"' r.json || fail "add rule: $(cat r.json)"
curl -sf --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/backend.py" | grep >/dev/null ThreadingHTTPServer ||
  fail "rule added through the API does not route"
# change the rule: b.example.com now names a tunnel without a client
"${C[@]}" -XPUT "$B/api/ingresses/ing/rules/b.example.com" -d "{\"endpoint\":\"$TID2\"}" > r.json
grep -q '"msg":"OK"' r.json || fail "change rule: $(cat r.json)"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/backend.py")
[ "$code" != 200 ] || fail "b.example.com still routes to the old tunnel after the change"
"${C[@]}" "$B/config" | grep -A1 -F '"hostname": "b.example.com"' | grep -q "$TID2" || fail "GET /config lacks the changed rule"
"${C[@]}" "$B/config" | grep >/dev/null b.example.com || fail "GET /config does not show the new rule"
"${C[@]}" -XPUT "$B/api/ingresses/ing/rules/c.example.com" -d '{"endpoint":"not-a-uuid"}' > r.json
grep -q '"code":40001' r.json || fail "bad endpoint: $(cat r.json)"
"${C[@]}" -XDELETE "$B/api/ingresses/ing/rules/b.example.com" > r.json
grep -q '"msg":"OK"' r.json || fail "remove rule: $(cat r.json)"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/backend.py")
[ "$code" = 502 ] || fail "b.example.com after removal: HTTP $code"
# the stock way: replace the whole ingress
"${C[@]}" -XPUT "$B/config/ingresses/ing" -d "{\"rules\":[{\"hostname\":\"a.example.com\",\"endpoint\":\"$TID\"},{\"hostname\":\"d.example.com\",\"endpoint\":\"$TID2\"}]}" > r.json
grep -q '"msg":"OK"' r.json || fail "PUT ingress: $(cat r.json)"
"${C[@]}" "$B/api/errors" | grep >/dev/null '502 Bad Gateway (b.example.com:80)' || fail "recent errors: $("${C[@]}" "$B/api/errors")"
grep -q '^event: log' events.log || fail "no SSE log event"
pass "ingress rules: add, route, remove, replace; recent errors"

wait "$xfer" || fail "transfer across the changes failed"
cmp -s big.bin got.bin || fail "transfer across the changes is not byte-exact"
pass "an 8 MB transfer through an unchanged service stayed byte-exact across 10 changes"

# the tunnel client stayed registered through all of it
"${C[@]}" "$B/api/tunnels" > t.json
python3 - t.json "$TID" "$TID2" <<'PY' || fail "tunnels: $(cat t.json)"
import json, sys
t = {x["tunnelId"]: x for x in json.load(open(sys.argv[1]))["tunnels"]}
a = t[sys.argv[2]]
assert len(a["connectors"]) == 1 and a["connectors"][0]["client"].startswith("127.0.0.1:"), a
# three 8 MB downloads and the later requests: few streams, as the entrypoint reuses them
assert a["connectors"][0]["streams"] >= 1 and a["connectors"][0]["bytesIn"] >= 3 * 8000000, a
assert a["hostnames"][0]["hostname"] == "a.example.com", a
assert t[sys.argv[3]]["connectors"] == [] and t[sys.argv[3]]["hostnames"][0]["hostname"] == "d.example.com"
print(a["connectors"][0]["id"])
PY
grep -c 'event: connector_up' events.log | grep -qx 1 || fail "the tunnel client re-registered during the changes"
grep -q 'event: config_applied' events.log || fail "no config_applied event"
pass "tunnel client registered once, config_applied events seen"

# a chain through the stock endpoint, a service using it; its failed dial is counted
"${C[@]}" -XPOST "$B/config/chains" -d '{"name":"dead","hops":[{"name":"h","nodes":[{"name":"n","addr":"127.0.0.1:1","connector":{"type":"http"},"dialer":{"type":"tcp"}}]}]}' > r.json
grep -q '"msg":"OK"' r.json || fail "create chain: $(cat r.json)"
"${C[@]}" -XPOST "$B/config/services" -d "{\"name\":\"viachain\",\"addr\":\"127.0.0.1:$N1\",\"handler\":{\"type\":\"tcp\",\"chain\":\"dead\"},\"listener\":{\"type\":\"tcp\"},\"forwarder\":{\"nodes\":[{\"name\":\"w\",\"addr\":\"127.0.0.1:$W\"}]}}" > r.json
grep -q '"msg":"OK"' r.json || fail "service with chain: $(cat r.json)"
wait_tcp "$N1"
! curl -sf --max-time 5 "http://127.0.0.1:$N1/" >/dev/null 2>&1 || fail "a dead chain forwarded"
"${C[@]}" -XDELETE "$B/config/chains/dead" > r.json
grep -q '"code":40003' r.json || fail "deleting a chain in use must fail: $(cat r.json)"

# metrics: parse, stock names, tunnel counters
curl -sf --max-time 5 "http://127.0.0.1:$MET/metrics" > m.txt || fail "scrape"
python3 "$SRC/tests/sh/prom_check.py" < m.txt \
  'gost_services == 3' \
  'gost_chain_errors_total{chain="dead"} >= 1' \
  'gost_service_requests_total{service="tun"} >= 4' \
  'gost_service_transfer_output_bytes_total{service="fwd"} >= 8000000' \
  'gost_entrypoint_responses_total{code="200"} >= 4' \
  'gost_entrypoint_responses_total{code="502"} >= 2' \
  'gost_service_handler_errors_total{service="tun"} >= 2' \
  'gost_budget_limits_total{limit="conns_refused"} == 0' \
  "gost_tunnel_connectors{service=\"tun\",tunnel=\"$TID\"} == 1" \
  "gost_tunnel_streams_opened_total{service=\"tun\",tunnel=\"$TID\"} >= 1" \
  "gost_tunnel_bytes_total{service=\"tun\",tunnel=\"$TID\",direction=\"in\"} >= 24000000" \
  "gost_tunnel_connectors{service=\"tun\",tunnel=\"$TID2\"} == 0" || fail "metrics: $(head -c 3000 m.txt)"
grep -q "gost_tunnel_connector_up{.*tunnel=\"$TID\"" m.txt || fail "no per-tunnel connector metric"
grep -q "gost_tunnel_transfer_bytes_total{.*direction=\"out\"}" m.txt || fail "no tunnel bytes metric"
python3 - "$MET" <<'PY' || fail "HEAD /metrics sent a body"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
while data.count(b"HTTP/1.1 ") < 2 or not data.endswith(b"}"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
first, rest = data.split(b"\r\n\r\n", 1)
assert first.startswith(b"HTTP/1.1 200") and b"Content-Length: " in first, first
assert rest.startswith(b"HTTP/1.1 404"), rest[:80]  # the next response follows the head at once
PY
pass "metrics parse with stock names and tunnel counters; HEAD has no body"

# disconnect the connector; its client reconnects by itself
CID=$("${C[@]}" "$B/api/tunnels" | python3 -c "import json,sys; print([x for x in json.load(sys.stdin)['tunnels'] if x['connectors']][0]['connectors'][0]['id'])")
"${C[@]}" -XPOST "$B/api/services/tun/connectors/$CID/disconnect" > r.json
grep -q '"msg":"OK"' r.json || fail "disconnect: $(cat r.json)"
retry 25 grep -q 'event: connector_down' events.log || fail "no connector_down event"
"${C[@]}" -XPOST "$B/api/services/tun/connectors/$CID/disconnect" > r.json
grep -q '"code":40004' r.json || fail "second disconnect: $(cat r.json)"
retry 50 sh -c "grep -c 'event: connector_up' events.log | grep -qx 2" || fail "client did not come back"
pass "disconnect ends the session; the client reconnects"

# the tunnel's totals survived its connector leaving and the new one joining (issue 10)
streams_before=$(python3 -c 'import json,sys; print([t for t in json.load(open(sys.argv[1]))["tunnels"] if t["tunnelId"] == sys.argv[2]][0]["streams"])' t.json "$TID")
curl -sf --max-time 5 "http://127.0.0.1:$MET/metrics" > m2.txt || fail "scrape after the rejoin"
python3 "$SRC/tests/sh/prom_check.py" < m2.txt \
  "gost_tunnel_streams_opened_total{service=\"tun\",tunnel=\"$TID\"} >= $streams_before" \
  "gost_tunnel_bytes_total{service=\"tun\",tunnel=\"$TID\",direction=\"in\"} >= 24000000" \
  "gost_tunnel_connectors{service=\"tun\",tunnel=\"$TID\"} == 1" || fail "tunnel totals after the rejoin: $(grep 'tunnel=\"'$TID m2.txt)"
"${C[@]}" "$B/api/tunnels" > t2.json
python3 - t2.json "$TID" "$streams_before" <<'PY' || fail "tunnel totals in /api/tunnels after the rejoin: $(cat t2.json)"
import json, sys
t = [x for x in json.load(open(sys.argv[1]))["tunnels"] if x["tunnelId"] == sys.argv[2]][0]
assert t["connections"] == 2 and t["streams"] >= int(sys.argv[3]) and t["bytesIn"] >= 24000000, t
assert t["connectors"][0]["streams"] < t["streams"], t  # the new connector counts from zero, the tunnel does not
PY
pass "per-tunnel totals (API and metrics) survive the connector leaving and rejoining"

# hostile HTTP: oversize head, bad method target, slow client do not hurt the server
python3 - "$API" <<'PY' || fail "hostile requests"
import socket, sys
p = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", p)); s.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
assert b" 431 " in s.recv(1000)
s = socket.create_connection(("127.0.0.1", p)); s.sendall(b"POST /config/services HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
assert b" 411 " in s.recv(1000)
s = socket.create_connection(("127.0.0.1", p)); s.sendall(b"GARBAGE\r\n\r\n")
assert b" 400 " in s.recv(1000)
PY
"${C[@]}" "$B/api/status" | grep >/dev/null '"services":3' || fail "server unwell after hostile requests"
pass "hostile requests refused, server fine"

# pathPrefix and an auther (looked up per request), and stock's -api [user:pass@]addr flag
# ports picked now can be taken by another test before the bind: pick again on a collision
for attempt in 1 2 3; do
  read -r API2 API3 < <(free_ports 2)
  cat > prefix.yaml <<EOF2
services: []
authers: [{name: admins, auths: [{username: ops, password: pw1}, {username: dev, password: pw2}]}]
api: {addr: "127.0.0.1:$API2", pathPrefix: /gost, auther: admins}
EOF2
  bg prefixed$attempt "$GOST" -C prefix.yaml
  bg cliapi$attempt "$GOST" -api "root:toor@127.0.0.1:$API3"
  if wait_tcp "$API2" 2>/dev/null && wait_tcp "$API3" 2>/dev/null &&
     ! grep -q 'already in use' "$WORK/prefixed$attempt.log" "$WORK/cliapi$attempt.log"; then
    break
  fi
  [ "$attempt" -lt 3 ] || fail "could not start the API servers: $(cat "$WORK"/prefixed*.log "$WORK"/cliapi*.log)"
done
curl -sf --max-time 5 -u dev:pw2 "http://127.0.0.1:$API2/gost/api/status" | grep >/dev/null '"services":0' || fail "pathPrefix + auther"
code=$(curl -s -o /dev/null -w '%{http_code}' -u dev:pw2 "http://127.0.0.1:$API2/api/status")
[ "$code" = 404 ] || fail "path outside the prefix: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -u dev:pw1 "http://127.0.0.1:$API2/gost/config")
[ "$code" = 401 ] || fail "wrong auther password: HTTP $code"
curl -sf --max-time 5 -u root:toor "http://127.0.0.1:$API3/api/status" | grep >/dev/null '"version"' || fail "-api user:pass@addr"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API3/api/status")
[ "$code" = 401 ] || fail "-api credentials not enforced: HTTP $code"
pass "pathPrefix, auther, -api user:pass@addr"
