#!/usr/bin/env bash
# The legacy relay tunnel's private/TCP/UDP/web configs of seeds 000 (relay-*.yaml, tunnel.id) and
# 003 (relayid-*.yaml, tunnelID) as written, every role played by one implementation:
# usage seeds_relay.sh lib|rc5 relay|relayid (rc.5 predates the tunnel.id spelling: relayid only).
source "$(dirname "$0")/lib.sh"
I=$1 F=$2; L="seeds ($I, $F-*.yaml)"
declare -A P
names=(tunnel entry web-f ssh redis v-ssh v-web); read -r -a ports < <(free_ports ${#names[@]})
for i in "${!names[@]}"; do P[${names[$i]}]=${ports[$i]}; done
read -r U1 U2 < <(free_ports 2 udp); P[dns]=$U1; P[v-dns1]=$U2
portargs() { for k in "${!P[@]}"; do printf '%s=%s ' "$k" "${P[$k]}"; done; }
D=(); [ "$I" = rc5 ] && D=(-D) # rc.5 logs its binds at debug level only
seed() { relocate "$F-$2" "$WORK/$1.yaml" $(portargs); run "$1" "$I" "${D[@]}" -C "$WORK/$1.yaml"; }
web f "${P[web-f]}" "backend f"
bg ssh python3 "$SRC/tests/interop/peer.py" echo tcp "${P[ssh]}"
bg redis python3 "$SRC/tests/interop/peer.py" echo tcp "${P[redis]}"
bg dns python3 "$SRC/tests/interop/peer.py" echo udp "${P[dns]}"
seed server server-private.yaml
wait_tcp "${P[tunnel]}"; wait_tcp "${P[entry]}"
seed cweb client-private.yaml; seed ctcp client-tcp.yaml; seed cudp client-udp.yaml
wait_bound cweb; wait_bound ctcp; wait_bound cudp
expect_http "${P[entry]}" srv-3.local "backend f 200" "$L: public rule"
# A private rule is never served from the entrypoint: rc.5 closes the connection, libgost answers
# 502 as 3.2.6 does (docs/compatibility.md).
if [ "$I" = rc5 ]; then
  got=$(http "${P[entry]}" srv-2.local); [ "$got" = " 000" ] || fail "$L: private rule at the entrypoint: '$got'"
  pass "$L: private rule at the entrypoint: connection closed"
else
  expect_http "${P[entry]}" srv-2.local " 502" "$L: private rule at the entrypoint"
fi
seed vweb visitor-web.yaml; seed vtcp visitor-tcp.yaml; seed vudp visitor-udp.yaml
wait_tcp "${P[v-web]}"; wait_tcp "${P[v-ssh]}"
expect_http "${P[v-web]}" srv-2.local "backend f 200" "$L: private tunnel through the sniffing visitor"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip tcp "${P[v-ssh]}" 3000 || fail "$L: tcp visitor"
pass "$L: tcp visitor (ssh.srv-2.local) echoes"
retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "${P[v-dns1]}" 600 || fail "$L: udp visitor"
pass "$L: udp visitor (dns.srv-2.local) echoes"
