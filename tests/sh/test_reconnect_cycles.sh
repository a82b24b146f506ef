#!/usr/bin/env bash
# Tunnel client reconnect cycles: start a client, serve a request through the entrypoint while
# a download is in flight, kill -9 the client, repeat. The server's descriptors and memory must
# stay flat. RECONNECT_CYCLES (default 20 here; `make soak` runs 1000).
source "$(dirname "$0")/lib.sh"

CYCLES=${RECONNECT_CYCLES:-20}
TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r W T < <(free_ports 2)
mkdir -p "$WORK/web"
echo "small" > "$WORK/web/small"
head -c $((2 * 1024 * 1024)) /dev/urandom > "$WORK/web/big"
bg web python3 -m http.server "$W" --bind 127.0.0.1 --directory "$WORK/web"
bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:0&tunnel=web.test:$TID&writeTimeout=2s"
SPID=${_pids[-1]}
wait_tcp "$W"; wait_tcp "$T"
E=$(log_port "$WORK/server.log" 'entrypoint listening on 127\.0\.0\.1:0 \(port \K[0-9]+')

fds() { ls "/proc/$SPID/fd" | wc -l; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status"; }
healthy() { [ "$(curl -s --max-time 3 --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/small")" = small ]; }
# settle: the server needs a moment to see the killed client's carrier close
settle_fds() {
  local n
  for _ in $(seq 1 50); do n=$(fds); [ "$n" -le "$1" ] && break; sleep 0.1; done
  echo "$n"
}

base_fds="" base_rss=""
t0=$SECONDS
for c in $(seq 1 "$CYCLES"); do
  "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID" >"$WORK/client.log" 2>&1 &
  CPID=$!
  retry 50 healthy || fail "cycle $c: tunnel never came up"
  # a download in flight when the client dies (a slow reader), every other cycle
  if [ $((c % 2)) = 0 ]; then
    curl -s --max-time 3 --limit-rate 200k -o /dev/null --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/big" &
    DL=$!
    sleep 0.2
  fi
  kill -9 "$CPID"; wait "$CPID" 2>/dev/null || true
  [ $((c % 2)) = 0 ] && { wait "$DL" 2>/dev/null || true; }
  if [ "$c" = 5 ]; then # warmed up: pools and allocator arenas have their working size
    base_fds=$(settle_fds 0); base_rss=$(rss)
  fi
done
n=$(settle_fds "${base_fds:-0}")
r=$(rss)
echo "# $CYCLES cycles in $((SECONDS - t0)) s: fds ${base_fds} -> $n, RSS ${base_rss} -> $r KiB"
[ "$n" -le $((base_fds + 2)) ] || fail "fds grew over $CYCLES reconnect cycles: $base_fds -> $n"
[ "$r" -le $((base_rss + 4096)) ] || fail "RSS grew over $CYCLES reconnect cycles: $base_rss -> $r KiB"
kill -0 "$SPID" || fail "server died"
pass "$CYCLES kill -9 reconnect cycles (half with a download in flight): fds $base_fds -> $n, RSS $base_rss -> $r KiB"
