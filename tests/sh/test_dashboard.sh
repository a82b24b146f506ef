#!/usr/bin/env bash
# The dashboard in a real browser (headless Debian chromium driven by selenium) against a running
# tunnel server with two tunnels: connectors appear, a killed client disappears, a rule added from
# the page routes the next request, and the page fits a phone and a desktop viewport.
# DASHBOARD_SHOTS=<dir> keeps the screenshots (docs/dashboard.md uses them).
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! $PY -c 'import selenium' 2>/dev/null; then
  pass "SKIP: chromium, chromium-driver or python3-selenium is not installed"
  exit 0
fi
t1=11111111-2222-4333-8444-555555555555
t2=66666666-7777-4888-9999-aaaaaaaaaaaa
read -r tport eport aport wport < <(free_ports 4)
mkdir -p "$WORK/www"
echo "backend says hi" > "$WORK/www/index.html"
bg web python3 -m http.server "$wport" --bind 127.0.0.1 --directory "$WORK/www"
cat > "$WORK/gost.yaml" <<YAML
api:
  addr: 127.0.0.1:$aport
services:
- name: tunnel-server
  addr: 127.0.0.1:$tport
  handler:
    type: tunnel
    metadata: {entrypoint: "127.0.0.1:$eport", ingress: public, conns.max: 300, handshake.max: 77, mux.maxStreams: 500}
  listener: {type: tcp}
ingresses:
- name: public
  rules:
  - {hostname: one.example.com, endpoint: $t1}
  - {hostname: two.example.com, endpoint: $t2}
YAML
bg server "$GOST" -C "$WORK/gost.yaml"
wait_tcp "$aport"
wait_tcp "$tport"
bg client1 "$GOST" -L "rtcp://:0/127.0.0.1:$wport" -F "tunnel://127.0.0.1:$tport?tunnel.id=$t1"
bg client2 "$GOST" -L "rtcp://:0/127.0.0.1:$wport" -F "tunnel://127.0.0.1:$tport?tunnel.id=$t2"
client2_pid=${_pids[-1]}
wait_tcp "$wport"
timeout 150 $PY "$SRC/tests/sh/dashboard_browser.py" --url "http://127.0.0.1:$aport/" --entry "$eport" \
  --kill-pid "$client2_pid" --tunnel "$t1" --shots "${DASHBOARD_SHOTS:-$WORK/shots}" \
  --budgets "tunnel-server:conns=300,handshakes=77,streams=500" \
  || fail "dashboard browser test"
pass "dashboard in headless chromium: connectors listed, budgets shown against their limits, killed client removed, rule added from the page routes"
