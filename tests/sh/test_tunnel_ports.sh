#!/usr/bin/env bash
# Raw public ports on a tunnel server, routed by port instead of Host/SNI: ssh (real sshd),
# iperf3 (TCP, prints the bitrate) and UDP echoes reach the client's services through one tunnel.
# The server maps ports from the CLI (entrypoint.ports) and from YAML (entrypoints items with
# `tunnel`); the client picks the node by the port's `host`, as for any tunnel stream.
source "$(dirname "$0")/lib.sh"

TID=6f5a0f5e-3c7b-4e0e-9d3a-2a9f1b0c7d11
read -r T SSH IPERF PS PI < <(free_ports 5)
read -r ECHO PU < <(free_ports 2 udp)

start_sshd "$SSH"
bg iperf iperf3 -s -p "$IPERF" -B 127.0.0.1
bg echo python3 "$SRC/tests/sh/udp_echo.py" serve "$ECHO"
wait_tcp "$SSH"; wait_tcp "$IPERF"

cat > "$WORK/client.yaml" <<YAML
services:
- name: tcp-side
  addr: :0
  handler: {type: rtcp}
  listener: {type: rtcp, chain: to-server}
  forwarder:
    nodes:
    - {name: sshd, addr: "127.0.0.1:$SSH", filter: {host: ssh.local}}
    - {name: iperf, addr: "127.0.0.1:$IPERF", filter: {host: iperf.local}}
- name: udp-side
  addr: :0
  handler: {type: rudp}
  listener: {type: rudp, chain: to-server}
  forwarder:
    nodes:
    - {name: echo, addr: "127.0.0.1:$ECHO", filter: {host: echo.local}}
chains:
- name: to-server
  hops:
  - name: hop-0
    nodes:
    - name: server
      addr: "127.0.0.1:$T"
      connector: {type: tunnel, metadata: {tunnel.id: $TID}}
YAML

ssh_ok() {
  [ "$(timeout 10 ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
      -i "$WORK/userkey" -p "$PS" root@127.0.0.1 echo via-raw-port 2>/dev/null)" = via-raw-port ]
}

check_all() { # LABEL
  retry 50 ssh_ok || fail "$1: ssh through the raw port"
  pass "$1: ssh"
  python3 "$SRC/tests/sh/udp_echo.py" check "$PU" 5 1200 || fail "$1: UDP echoes through the raw port"
  pass "$1: udp"
  out=$(timeout 30 iperf3 -c 127.0.0.1 -p "$PI" -t 2 -f m 2>&1) || fail "$1: iperf3: $out"
  echo "# $1: iperf3 TCP through a raw port: $(echo "$out" | awk '/receiver/ {print $(NF-2), $(NF-1)}')"
  pass "$1: iperf3"
}

# 1. CLI form
bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint.ports=127.0.0.1:$PS/$TID/ssh.local,127.0.0.1:$PI/$TID/iperf.local,udp/127.0.0.1:$PU/$TID/echo.local"
SERVER=${_pids[-1]}
wait_listening "server" "$T"; wait_tcp "$PS" # (the probe itself is a public connection without a client)
# before any client: the public connection is closed, the log says why
(exec 3<>/dev/tcp/127.0.0.1/"$PS"; timeout 5 cat <&3 >/dev/null) 2>/dev/null || true
retry 50 grep -q "port 127.0.0.1:$PS/tcp: tunnel $TID" "$WORK/server.log" || fail "no log line for a port without a client"
pass "raw port without a client: closed, logged"
bg client "$GOST" -C "$WORK/client.yaml"
CLIENT=${_pids[-1]}
check_all cli
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

# 2. YAML form (entrypoints items with a tunnel), same client (it reconnects)
cat > "$WORK/server.yaml" <<YAML
services:
- name: tunnel
  addr: "127.0.0.1:$T"
  handler:
    type: tunnel
    metadata:
      entrypoints:
      - {addr: "127.0.0.1:$PS", tunnel: $TID, host: ssh.local}
      - {addr: "127.0.0.1:$PI", tunnel: $TID, host: iperf.local}
      - {addr: "127.0.0.1:$PU", tunnel: $TID, host: echo.local, network: udp}
  listener: {type: tcp}
YAML
bg server-yaml "$GOST" -C "$WORK/server.yaml"
wait_listening "server-yaml" "$T"
check_all yaml

# 3. examples/tunnel-ports.yaml as shipped, ports moved to this test's
kill "${_pids[-1]}"; wait "${_pids[-1]}" 2>/dev/null || true
sed -e "s/addr: :8443/addr: \"127.0.0.1:$T\"/; s/entrypoint: :80/entrypoint: 127.0.0.1:0/" \
    -e "s/\":2222\"/\"127.0.0.1:$PS\"/; s/\":5353\"/\"127.0.0.1:$PU\"/; s/dns.local/echo.local/" \
    "$SRC/examples/tunnel-ports.yaml" > "$WORK/example.yaml"
bg server-example "$GOST" -C "$WORK/example.yaml"
wait_listening "server-example" "$T"
retry 50 ssh_ok || fail "examples/tunnel-ports.yaml: ssh"
python3 "$SRC/tests/sh/udp_echo.py" check "$PU" 3 1200 || fail "examples/tunnel-ports.yaml: udp"
pass "examples/tunnel-ports.yaml"

# Bad input: refused at start with the cause named.
out=$("$GOST" -L "tunnel://127.0.0.1:0?entrypoint.ports=127.0.0.1:0/not-a-uuid" 2>&1) && fail "bad tunnel ID accepted"
echo "$out" | grep -q "invalid tunnel ID 'not-a-uuid'" || fail "bad tunnel ID: '$out'"
out=$("$GOST" -L "tunnel://127.0.0.1:0?entrypoint.ports=127.0.0.1:0" 2>&1) && fail "port without tunnel accepted"
echo "$out" | grep -q "is not \[udp/\]ADDR/TUNNEL_ID" || fail "port without tunnel: '$out'"
pass "bad entrypoint.ports refused with the cause"
