#!/usr/bin/env bash
# Chaos on an emulated WAN (issue 9): a tunnel whose carrier crosses a lossy, delaying,
# reordering, rate-capped link between two network namespaces (tests/support/linkemu.c).
# Transfers both ways stay byte-exact (sha256) through loss, reordering and a short link cut;
# after an outage longer than the keepalive timeout the client reconnects and the tunnel serves
# again within its back-off (at most 6 s) plus a few round trips.
# Fast by default (about 25 s); CHAOS_LONG=1 (make chaos) runs the 1-5 % / 50-200 ms matrix.
# Skips, saying why, where namespaces or TUN are not available (not root, no /dev/net/tun).
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/sh/wanlink.sh"
WAN_EMU=${GOST_BUILD_DIR:-build}/gost-linkemu
if ! why=$(wan_check); then echo "skip: $why"; exit 0; fi
trap 'rc=$?; wan_teardown; (exit $rc); cleanup' EXIT

ID=c4a05000-0000-4000-8000-00000000c4a0
PEER="$SRC/tests/sh/chaos_peer.py"
KA="mux.keepaliveInterval=1s&mux.keepaliveTimeout=4s" # an outage of 6 s must kill the session
head -c $((${CHAOS_MB:-2} << 20)) /dev/urandom >"$WORK/blob"
wan_setup || fail "cannot create namespaces"

start_tunnel() {
  ip netns exec "$WAN_B" python3 "$PEER" serve 127.0.0.1 7000 "$WORK/blob" >"$WORK/backend.log" 2>&1 &
  _pids+=($!)
  bg server ip netns exec "$WAN_A" "$GOST" -L "tunnel://$WAN_IP_A:8421?tunnel=chaos.local:$ID&$KA"
  bg client ip netns exec "$WAN_B" "$GOST" -L "rtcp://:0/127.0.0.1:7000" -F "tunnel://$WAN_IP_A:8421?tunnel.id=$ID&$KA"
  bg visitor ip netns exec "$WAN_A" "$GOST" -L "tcp://127.0.0.1:9000/chaos.local:0" -F "tunnel://$WAN_IP_A:8421?tunnel.id=$ID"
}
ping_ok() { wan_a python3 "$PEER" ping 127.0.0.1 9000 2>/dev/null; }
wait_tunnel() { # seconds: until a round trip through the tunnel works
  local t0=$SECONDS
  while ! ping_ok; do
    [ $((SECONDS - t0)) -lt "$1" ] || return 1
    sleep 0.3
  done
}
transfers() { # both directions at once, byte-exact
  local rc=0
  wan_a python3 "$PEER" up 127.0.0.1 9000 "$WORK/blob" &
  local up=$!
  wan_a python3 "$PEER" down 127.0.0.1 9000 "$WORK/blob" || rc=1
  wait $up || rc=1
  return $rc
}

run_case() { # "emulator options" label
  wan_link $1 || fail "link emulator did not start"
  start_tunnel
  wait_tunnel 20 || { for f in "$WORK"/*.log; do echo "== $f"; tail -n 5 "$f"; done; fail "$2: tunnel did not come up"; }
  transfers || fail "$2: transfer not byte-exact"
  pass "$2: ${CHAOS_MB:-2} MiB each way byte-exact"

  # a short cut (under the keepalive timeout) during transfers: TCP recovers, bytes intact
  transfers &
  local tr=$!
  sleep 0.5
  wan_down
  sleep 1.5
  wan_up
  wait $tr || fail "$2: transfer across a 1.5 s link cut not byte-exact"
  pass "$2: transfers across a 1.5 s link cut byte-exact"

  # an outage past the keepalive timeout: both ends drop the session, the client retries
  wan_down
  sleep 6
  ping_ok && fail "$2: tunnel answered through a cut link"
  wan_up
  local t0=$SECONDS
  wait_tunnel 20 || fail "$2: tunnel did not come back within 20 s of the link coming up"
  local took=$((SECONDS - t0))
  [ "$took" -le 12 ] || fail "$2: tunnel came back after ${took} s (back-off is at most 6 s)"
  grep -q "tunnel lost" "$WORK/client.log" || fail "$2: the client never saw the session die"
  transfers || fail "$2: transfer after the outage not byte-exact"
  pass "$2: tunnel back ${took} s after the link, transfers byte-exact"

  for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  _pids=()
  wan_link_stop # its TUN devices go with it
}

if [ -n "${CHAOS_LONG:-}" ]; then
  CHAOS_MB=${CHAOS_MB:-8}
  for c in "-d 25 -l 1 -r 5 -R 50" "-d 50 -l 3 -r 5 -R 50" "-d 100 -l 5 -r 10 -R 20" "-d 100 -l 1 -r 20 -j 30 -R 100"; do
    run_case "$c -q 100 -s 11" "link [$c]"
  done
else
  run_case "-d 25 -l 2 -r 5 -j 10 -R 50 -q 50 -s 3" "50 ms RTT, 2% loss, 5% reordered"
fi
