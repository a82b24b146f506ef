#!/usr/bin/env bash
# examples/control.c: a config's api: section starts the API, events are printed, a rule set
# from the stdin thread through gost_ctx_call routes the next request, SIGHUP reloads the file,
# "quit" ends ev_run on the borrowed loop.
source "$(dirname "$0")/lib.sh"
B=$(dirname "$GOST")
TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r T E API W < <(free_ports 4)
cd "$WORK"
echo "hello from the control example backend" > index.html
bg web python3 -m http.server "$W" --bind 127.0.0.1 --directory "$WORK"
wait_tcp "$W"
cat > gost.yaml <<EOF
services:
- name: tun
  addr: 127.0.0.1:$T
  handler: {type: tunnel, metadata: {entrypoint: "127.0.0.1:$E", ingress: ing}}
  listener: {type: tcp}
ingresses:
- name: ing
  rules: [{hostname: a.example.com, endpoint: $TID}]
api: {addr: "127.0.0.1:$API"}
EOF
mkfifo cmds
"$B/example_control" gost.yaml < cmds > example.log 2>&1 &
ex=$!
_pids+=($ex)
exec 7>cmds # keep the fifo open for writing
wait_tcp "$API"
grep -q "api port $API" example.log || fail "no port line: $(cat example.log)"
bg client "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
retry 50 grep -q "event connector_up service=tun tunnel=$TID client=127.0.0.1:" example.log || fail "no event line"
pass "api from the config, connector_up event"

echo "rule ing b.example.com $TID" >&7
retry 25 grep -q '^rule: ok' example.log || fail "rule command: $(cat example.log)"
out=$(curl -fsS --max-time 5 -H "Host: b.example.com" "http://127.0.0.1:$E/index.html")
[ "$out" = "hello from the control example backend" ] || fail "rule from the stdin thread does not route: $out"
echo "rule nosuch c.example.com $TID" >&7
retry 25 grep -q '^rule: no such ingress' example.log || fail "bad ingress not reported"
pass "gost_ctx_call from another thread sets a rule that routes"

echo "stats tun" >&7
retry 25 grep -qE "^tunnel $TID connectors=1 connections=1 streams=[1-9][0-9]* in=[1-9]" example.log ||
  fail "per-tunnel totals: $(cat example.log)"
pass "gost_service_tunnel_stats prints the tunnel's totals"

sed -i "s/rules: \[{hostname: a.example.com/rules: [{hostname: c.example.com, endpoint: $TID}, {hostname: a.example.com/" gost.yaml
kill -HUP "$ex"
retry 25 grep -q 'event config_applied' example.log || fail "SIGHUP: $(cat example.log)"
out=$(curl -fsS --max-time 5 -H "Host: c.example.com" "http://127.0.0.1:$E/index.html")
[ "$out" = "hello from the control example backend" ] || fail "reloaded rule does not route"
[ "$(grep -c 'event connector_up' example.log)" = 1 ] || fail "client re-registered on reload"
pass "SIGHUP reload keeps the tunnel client"

echo quit >&7
for _ in $(seq 1 50); do kill -0 "$ex" 2>/dev/null || break; sleep 0.1; done
kill -0 "$ex" 2>/dev/null && fail "quit did not end the example (ev_run on the borrowed loop)"
wait "$ex" || fail "example exit status"
pass "quit ends ev_run on a borrowed loop with the API running"
