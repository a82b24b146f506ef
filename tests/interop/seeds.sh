#!/usr/bin/env bash
# The seed configurations not covered by the tunnel cases, run as written (addresses moved to
# loopback by seedrun.py) by one implementation: usage seeds.sh lib|stock [PART], PART one of
# proxy, tunnel, forward (default: all). The suite runs it with both, so every expectation here
# is also what stock GOST 3.2.6 does.
source "$(dirname "$0")/lib.sh"
I=$1; L="seeds ($I)"; PART=${2:-all}
part() { [ "$PART" = all ] || [ "$PART" = "$1" ]; }
declare -A P
names=(tunnel entry web-a web-b front hop1 hop2); read -r -a ports < <(free_ports ${#names[@]})
for i in "${!names[@]}"; do P[${names[$i]}]=${ports[$i]}; done
read -r U1 U2 < <(free_ports 2 udp); P[front-udp]=$U1; P[dns]=$U2
portargs() { for k in "${!P[@]}"; do printf '%s=%s ' "$k" "${P[$k]}"; done; }
seed() { relocate "$2" "$WORK/$1.yaml" $(portargs); run "$1" "$I" -C "$WORK/$1.yaml"; }
stop() { local p; for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
web a "${P[web-a]}" "backend a"; web b "${P[web-b]}" "backend b"
bg uecho python3 "$SRC/tests/interop/peer.py" echo udp "${P[dns]}"

if part proxy; then
echo "# seed 002: the sniffing reverse proxy (tcp service, sniffing, nodes by host)"
seed rp blog-reverse-proxy.yaml; rp=${_pids[-1]}
wait_tcp "${P[entry]}"
expect_http "${P[entry]}" example.com "backend a 200" "$L: seed 002 reverse proxy"
expect_http "${P[entry]}" example.org "backend b 200" "$L: seed 002 reverse proxy"
expect_http "${P[entry]}" other.test " 502" "$L: seed 002 reverse proxy, no node for the host"
stop "$rp"
fi

if part tunnel; then

echo "# seed 002: tunnel server and client with client-side sniffing"
seed server blog-server.yaml; srv=${_pids[-1]}
wait_tcp "${P[tunnel]}"; wait_tcp "${P[entry]}"
seed client blog-client.yaml; cl=${_pids[-1]}
wait_bound client
expect_http "${P[entry]}" srv-0.local "backend a 200" "$L: seed 002 tunnel"
expect_http "${P[entry]}" srv-1.local "backend b 200" "$L: seed 002 tunnel"
expect_http "${P[entry]}" srv-2.local " 503" "$L: seed 002 tunnel, rule without a client"
expect_http "${P[entry]}" other.test " 502" "$L: seed 002 tunnel, no rule"
echo "# seed 002: rtcp with sniffing over a tunnel connector without tunnel.id (random ID)"
seed rtcp blog-rtcp-sniffing.yaml; rt=${_pids[-1]}
wait_bound rtcp
pass "$L: seed 002 rtcp sniffing client registers under a random tunnel ID"
stop "$cl" "$rt" "$srv"
fi

if part forward; then

echo "# seed 004: port forwarding, TCP and UDP, direct and through chains"
seed fwd quickstart-forward-tcp.yaml; p=${_pids[-1]}
wait_tcp "${P[front]}"
expect_http "${P[front]}" x "backend a 200" "$L: seed 004 tcp forward"
stop "$p"
seed fwdu quickstart-forward-udp.yaml; p=${_pids[-1]}
retry 25 python3 "$SRC/tests/interop/peer.py" roundtrip udp "${P[front-udp]}" 512 || fail "$L: seed 004 udp forward"
pass "$L: seed 004 udp forward echoes"
stop "$p"
run hop1 "$I" -L "http://127.0.0.1:${P[hop1]}"
run hop2 "$I" -L "socks5://127.0.0.1:${P[hop2]}"
wait_tcp "${P[hop1]}"; wait_tcp "${P[hop2]}"
seed fwdc quickstart-forward-tcp-chain.yaml; p=${_pids[-1]}
wait_tcp "${P[front]}"
expect_http "${P[front]}" x "backend a 200" "$L: seed 004 tcp forward through a socks5 hop"
stop "$p"
for s in quickstart-http-chain.yaml quickstart-multi-hop.yaml; do
  seed proxy "$s"; p=${_pids[-1]}
  wait_tcp "${P[front]}"
  got=
  for _ in $(seq 1 40); do
    got=$(curl -s --max-time 5 -x "http://127.0.0.1:${P[front]}" -w ' %{http_code}' "http://127.0.0.1:${P[web-a]}/" | tr -d '\n' || true)
    [ "$got" = "backend a 200" ] && break; sleep 0.25
  done
  [ "$got" = "backend a 200" ] || fail "$L: $s: proxy through the chain: '$got'"
  pass "$L: seed 004 $s: HTTP proxy through the chain"
  stop "$p"
done
fi
