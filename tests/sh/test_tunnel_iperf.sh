#!/usr/bin/env bash
# iperf3 TCP and UDP at the same time over one tunnel (seed 001 "iperf" scenario): one client
# process with an rtcp and an rudp service on the same tunnel ID, routing by host to two iperf3
# servers; a visitor process with a TCP visitor for the TCP test and a TCP + UDP visitor pair on
# one port for the UDP test (iperf3 needs its TCP control channel too).
source "$(dirname "$0")/lib.sh"

TID=22f43305-42f7-4232-bbbc-aa6c042e3bc3
read -r T IT IU VT VU < <(free_ports 5)
# VU carries both a TCP and a UDP visitor: it must be free for UDP as well.
while ! python3 -c "import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',int(sys.argv[1])))" "$VU" 2>/dev/null; do
  read -r VU < <(free_ports 1)
  while [ "$VU" = "$T" ] || [ "$VU" = "$IT" ] || [ "$VU" = "$IU" ] || [ "$VU" = "$VT" ]; do read -r VU < <(free_ports 1); done
done

bg iperf-tcp iperf3 -s -p "$IT" -B 127.0.0.1
bg iperf-udp iperf3 -s -p "$IU" -B 127.0.0.1
wait_tcp "$IT"; wait_tcp "$IU"

bg server "$GOST" -L "tunnel://127.0.0.1:$T?tunnel=iperf-t.local:\$$TID,iperf-u.local:\$$TID"
SERVER_PID=${_pids[-1]}
wait_tcp "$T"

cat > "$WORK/client.yaml" <<YAML
services:
- name: iperf-tcp
  addr: :0
  handler: {type: rtcp}
  listener: {type: rtcp, chain: chain-0}
  forwarder:
    nodes:
    - {name: iperf-t, addr: "127.0.0.1:$IT", filter: {host: iperf-t.local}}
    - {name: iperf-u, addr: "127.0.0.1:$IU", filter: {host: iperf-u.local}}
- name: iperf-udp
  addr: :0
  handler: {type: rudp}
  listener: {type: rudp, chain: chain-0}
  forwarder:
    nodes:
    - {name: iperf-u, addr: "127.0.0.1:$IU", filter: {host: iperf-u.local}}
chains:
- name: chain-0
  hops:
  - name: hop-0
    nodes:
    - name: node-0
      addr: "127.0.0.1:$T"
      connector: {type: tunnel, metadata: {tunnel.id: $TID}}
      dialer: {type: tcp}
YAML
cat > "$WORK/visitor.yaml" <<YAML
services:
- name: iperf-tcp
  addr: "127.0.0.1:$VT"
  handler: {type: tcp, chain: chain-0}
  listener: {type: tcp}
  forwarder: {nodes: [{name: iperf-t, addr: iperf-t.local}]}
- name: iperf-udp-ctl
  addr: "127.0.0.1:$VU"
  handler: {type: tcp, chain: chain-0}
  listener: {type: tcp}
  forwarder: {nodes: [{name: iperf-u, addr: iperf-u.local}]}
- name: iperf-udp
  addr: "127.0.0.1:$VU"
  handler: {type: udp, chain: chain-0}
  listener: {type: udp, metadata: {keepalive: true}}
  forwarder: {nodes: [{name: iperf-u, addr: iperf-u.local}]}
chains:
- name: chain-0
  hops:
  - name: hop-0
    nodes:
    - name: node-0
      addr: "127.0.0.1:$T"
      connector: {type: tunnel, metadata: {tunnel.id: $TID}}
      dialer: {type: tcp}
YAML
bg client "$GOST" -C "$WORK/client.yaml"
bg visitor "$GOST" -C "$WORK/visitor.yaml"
wait_tcp "$VT"; wait_tcp "$VU"
# Both connectors (tcp + udp) registered.
retry 50 bash -c "[ \$(grep -c 'create tunnel on' '$WORK/server.log') -ge 2 ]" || fail "rtcp + rudp did not both register"
grep -q 'network=udp' "$WORK/server.log" || fail "no udp connector registered"
pass "rtcp and rudp registered on tunnel $TID"

# Warm-up: a short TCP run through the visitor proves the path.
retry 10 timeout 10 iperf3 -c 127.0.0.1 -p "$VT" -t 1 >/dev/null 2>&1 || fail "iperf3 TCP warm-up through the tunnel"

timeout 30 iperf3 -c 127.0.0.1 -p "$VT" -t 2 --json >"$WORK/tcp.json" 2>"$WORK/tcp.err" &
TCPC=$!
timeout 30 iperf3 -c 127.0.0.1 -p "$VU" -u -b 20M -l 1200 -t 2 --json >"$WORK/udp.json" 2>"$WORK/udp.err" &
UDPC=$!
rc_t=0; rc_u=0
wait $TCPC || rc_t=$?
wait $UDPC || rc_u=$?
[ $rc_t -eq 0 ] || fail "iperf3 TCP exited $rc_t: $(head -c 600 "$WORK/tcp.json") $(cat "$WORK/tcp.err")"
[ $rc_u -eq 0 ] || fail "iperf3 UDP exited $rc_u: $(head -c 600 "$WORK/udp.json") $(cat "$WORK/udp.err")"

read -r tcp_mbps tcp_bytes < <(python3 - "$WORK/tcp.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["end"]["sum_received"]
print(f'{r["bits_per_second"]/1e6:.1f} {r["bytes"]}')
PY
)
read -r udp_mbps udp_bytes udp_lost udp_total < <(python3 - "$WORK/udp.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["end"]["sum"]
# iperf3 >= 3.11 reports the receiver side separately; fall back to "sum".
r = j["end"].get("sum_received", s)
print(f'{r["bits_per_second"]/1e6:.1f} {r["bytes"]} {s.get("lost_packets", 0)} {s.get("packets", 0)}')
PY
)
python3 -c "import sys; sys.exit(0 if float('$tcp_mbps') > 0 and $tcp_bytes > 0 else 1)" || fail "TCP throughput $tcp_mbps Mbit/s"
python3 -c "import sys; sys.exit(0 if float('$udp_mbps') > 0 and $udp_bytes > 0 else 1)" || fail "UDP throughput $udp_mbps Mbit/s"
pass "iperf3 TCP through the tunnel (concurrent with UDP): $tcp_mbps Mbit/s received ($tcp_bytes bytes)"
pass "iperf3 UDP -b 20M through the tunnel (concurrent with TCP): $udp_mbps Mbit/s received, lost $udp_lost/$udp_total"
kill -0 "$SERVER_PID" || fail "server died"
pass "server alive"
