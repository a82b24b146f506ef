#!/usr/bin/env bash
# The libgost entrypoint's stream reuse (entrypoint.keepalive, on by default) with a stock or
# libgost tunnel client: requests from separate public connections share one backend
# connection, a client asking close is told so, a stream the backend dropped is replayed for a
# GET, and after the tunnel client reconnects no stream of its old session is used.
# usage: ep_reuse.sh CLIENT  (the server is libgost: stock's entrypoint has no default pool)
source "$(dirname "$0")/lib.sh"
C=$1; L="ep_reuse: $(combo lib "$C")"
read -r T E W < <(free_ports 3)
bg web python3 -u "$SRC/tests/sh/ep_reuse_backend.py" "$W"
wait_tcp "$W"
run server lib -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1"
wait_tcp "$T"; wait_tcp "$E"
run client "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
cpid=${_pids[-1]}
wait_bound client
req() { curl -s --max-time 10 -w ' %{http_code}' --resolve "web.test:$E:127.0.0.1" "$@" 2>/dev/null | tr -d '\n'; }
conns() { count_log web '^CONN'; }
retry 40 sh -c "curl -sf --max-time 5 --resolve web.test:$E:127.0.0.1 http://web.test:$E/ka >/dev/null" || fail "$L: not ready"
base=$(conns)
for i in $(seq 1 20); do
  got=$(req "http://web.test:$E/ka?$i")
  case $got in "ka /ka?$i "*" 200") ;; *) fail "$L: request $i: '$got'" ;; esac
done
[ "$(( $(conns) - base ))" = 0 ] || fail "$L: $(( $(conns) - base )) new backend connections for 20 requests (want 0)"
pass "$L: 20 requests on 20 public connections, one backend connection"
hdr=$(curl -s --max-time 10 -D - -o /dev/null -H 'Connection: close' --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/ka")
echo "$hdr" | grep -qi '^Connection: close' || fail "$L: no Connection: close for a client that asked: $hdr"
pass "$L: a client asking close is told so"
[ "$(req "http://web.test:$E/dropnext")" = "armed 200" ] || fail "$L: dropnext"
sleep 0.1
got=$(req "http://web.test:$E/ka")
case $got in "ka /ka "*" 200") ;; *) fail "$L: GET on a dropped stream: '$got'" ;; esac
pass "$L: a GET on a stream the backend dropped is replayed on a fresh one"
kill -9 "$cpid"
run client2 "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
wait_bound client2
for i in $(seq 1 10); do
  got=$(req "http://web.test:$E/ka")
  case $got in "ka /ka "*" 200") ;; *) fail "$L: request $i after the client reconnected: '$got'" ;; esac
done
pass "$L: after the tunnel client reconnected, every request answered"
