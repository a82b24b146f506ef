#!/usr/bin/env bash
# Keepalive: an idle tunnel outlives the 30 s smux keepalive timeout on both sides (each side's
# NOPs satisfy the other, no reconnect), and a frozen client is dropped by the server's
# keepalive timeout, after which the entrypoint answers 503. usage: keepalive.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="keepalive: $(combo "$S" "$C")"
read -r T E W < <(free_ports 3)
web w "$W" "backend web"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1"
wait_tcp "$T"; wait_tcp "$E"
run client "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
cpid=${_pids[-1]}
wait_bound client
expect_http "$E" web.test "backend web 200" "$L: before idling"
sleep 36 # the idle period under test (> the 30 s keepalive timeout)
got=$(http "$E" web.test)
[ "$got" = "backend web 200" ] || fail "$L: after 36 s idle: '$got'"
[ "$(count_log client 'create tunnel .*OK')" = 1 ] || fail "$L: the client reconnected while idle"
pass "$L: idle 36 s, same session still serves"
kill -STOP "$cpid"
t0=$(date +%s)
for _ in $(seq 1 60); do
  got=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/" || true)
  [ "$got" = 503 ] && break
  sleep 1
done
kill -CONT "$cpid"
[ "$got" = 503 ] || fail "$L: a frozen client still counts after $(( $(date +%s) - t0 )) s (last status $got)"
pass "$L: frozen client dropped after $(( $(date +%s) - t0 )) s, entrypoint answers 503"
