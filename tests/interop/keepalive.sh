#!/usr/bin/env bash
# Keepalive: an idle tunnel outlives the default 30 s smux keepalive timeout on both sides
# (each side's NOPs satisfy the other, no reconnect); meanwhile, on a second tunnel whose server
# has mux.keepaliveTimeout=3s, a frozen (SIGSTOP) client is dropped and the entrypoint answers
# 503. usage: keepalive.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="keepalive: $(combo "$S" "$C")"
read -r T E T2 E2 W < <(free_ports 5)
web w "$W" "backend web"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1"
run server2 "$S" -L "tunnel://127.0.0.1:$T2?entrypoint=127.0.0.1:$E2&tunnel=web.test:$ID1&mux.keepaliveInterval=1s&mux.keepaliveTimeout=3s"
wait_tcp "$T"; wait_tcp "$E"; wait_tcp "$T2"; wait_tcp "$E2"
run client "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run client2 "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T2?tunnel.id=$ID1&mux.keepaliveInterval=1s"
c2pid=${_pids[-1]}
wait_bound client; wait_bound client2
expect_http "$E" web.test "backend web 200" "$L: before idling"
t_idle=$(date +%s)
expect_http "$E2" web.test "backend web 200" "$L: short keepalive tunnel"
kill -STOP "$c2pid"
t0=$(date +%s)
for _ in $(seq 1 40); do
  got=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' --resolve "web.test:$E2:127.0.0.1" "http://web.test:$E2/" || true)
  [ "$got" = 503 ] && break
  sleep 0.5
done
kill -CONT "$c2pid"
[ "$got" = 503 ] || fail "$L: a frozen client still counts after $(( $(date +%s) - t0 )) s (last status $got)"
pass "$L: frozen client dropped after $(( $(date +%s) - t0 )) s (keepaliveTimeout 3s), entrypoint answers 503"
left=$(( 36 - ($(date +%s) - t_idle) ))
[ "$left" -le 0 ] || sleep "$left" # the idle period under test (> the default 30 s timeout)
got=$(http "$E" web.test)
[ "$got" = "backend web 200" ] || fail "$L: after 36 s idle: '$got'"
[ "$(count_log client 'create tunnel .*OK')" = 1 ] || fail "$L: the client reconnected while idle"
pass "$L: idle 36 s with default keepalives, same session still serves"
