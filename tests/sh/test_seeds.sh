#!/usr/bin/env bash
# Every seed scenario (GOST docs: seeds 000-004) run with the configs from examples/seeds/,
# unchanged except that addresses move to loopback ports from the kernel. Real peers: curl,
# redis-server/redis-cli, sshd/ssh, dnsmasq/dig.
source "$(dirname "$0")/lib.sh"
SEEDS="$SRC/examples/seeds"

declare -A P
# All ports of a kind chosen at once (distinct); separate free_port calls may repeat a port.
names=(tunnel entry web-a web-b web-f ssh redis v-ssh v-redis); read -r -a ports < <(free_ports ${#names[@]})
for i in "${!names[@]}"; do P[${names[$i]}]=${ports[$i]}; done
names=(dns v-dns1 v-dns2); read -r -a ports < <(free_ports ${#names[@]} udp)
for i in "${!names[@]}"; do P[${names[$i]}]=${ports[$i]}; done
portargs() { for k in "${!P[@]}"; do printf '%s=%s ' "$k" "${P[$k]}"; done; }

# run NAME SEEDFILE: relocate and start `gost -C`.
run() {
  python3 "$SRC/tests/sh/seedrun.py" "$SEEDS/$2" "$WORK/$1.yaml" $(portargs)
  bg "$1" "$GOST" -C "$WORK/$1.yaml"
}
stop_all_gost() {
  pkill -f "$GOST -C $WORK/" 2>/dev/null || true
  for _ in $(seq 1 100); do pgrep -f "$GOST -C $WORK/" >/dev/null || return 0; sleep 0.05; done
}

# Backends: three tagged web servers, redis, dnsmasq, sshd.
for w in web-a web-b web-f; do
  mkdir -p "$WORK/$w"; echo "backend $w" > "$WORK/$w/index.html"
  bg "$w" python3 -m http.server "${P[$w]}" --bind 127.0.0.1 --directory "$WORK/$w"
done
bg redis redis-server --port "${P[redis]}" --bind 127.0.0.1 --save '' --appendonly no
bg dnsmasq /usr/sbin/dnsmasq --no-daemon --port="${P[dns]}" --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --conf-file=/dev/null --pid-file= --address=/srv.test/10.9.8.7 --user=root
start_sshd "${P[ssh]}"
wait_tcp "${P[web-a]}"; wait_tcp "${P[redis]}"; wait_tcp "${P[ssh]}"

get() { curl -sS --max-time 5 -o - -w '%{http_code}' --resolve "$1:${P[entry]}:127.0.0.1" "http://$1:${P[entry]}/" 2>/dev/null || true; }
expect() { # expect HOST STATUS [BODY]
  local out; out=$(retry 25 bash -c "r=\$(curl -sS --max-time 5 -w ' %{http_code}' --resolve '$1:${P[entry]}:127.0.0.1' 'http://$1:${P[entry]}/' 2>/dev/null); echo \"\$r\" | grep -q ' $2\$' && echo \"\$r\"") || fail "$1: expected $2, got '$(get "$1")'"
  [ -z "${3:-}" ] || echo "$out" | grep -q "$3" || fail "$1: body '$out' lacks '$3'"
  pass "curl $1 -> $2 ${3:-}"
}

echo "# seed 001: public web tunnel with ingress (.example.com, example.org)"
run server server-ingress.yaml; run client-a client-rtcp.yaml; run client-f client-private.yaml
wait_tcp "${P[entry]}"
expect example.com 200 "backend web-a"
expect www.example.com 200 "backend web-a"
expect example.org 200 "backend web-f"
expect unknown.test 502
stop_all_gost

echo "# seed 001: client-side routing by host with a fallback node (sniffing)"
run server server-ingress.yaml; run client client-routing.yaml
wait_tcp "${P[entry]}"
expect example.com 200 "backend web-a"
expect sub.example.com 200 "backend web-b"
expect other.example.com 200 "backend web-f"
stop_all_gost

echo "# seed 001: private tunnels, TCP and UDP visitors"
run server server-private.yaml; run client-web client-private.yaml; run client-tcp client-tcp.yaml
run client-udp client-udp.yaml; run visitor-tcp visitor-tcp.yaml; run visitor-udp visitor-udp.yaml
wait_tcp "${P[entry]}"; wait_tcp "${P[v-ssh]}"
expect srv-2.local 502
expect srv-3.local 200 "backend web-f"
out=$(retry 25 timeout 10 ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
  -i "$WORK/userkey" -p "${P[v-ssh]}" root@127.0.0.1 echo through-the-tunnel 2>/dev/null) || fail "ssh through visitor"
[ "$out" = "through-the-tunnel" ] || fail "ssh output '$out'"
pass "ssh through the private TCP tunnel"
bg visitor-redis "$GOST" -L "tcp://127.0.0.1:${P[v-redis]}/redis.srv-3.local" -F "tunnel://127.0.0.1:${P[tunnel]}?tunnel.id=aede1f6a-762b-45da-b937-b6632356555a"
wait_tcp "${P[v-redis]}"
[ "$(retry 25 redis-cli -p "${P[v-redis]}" ping)" = "PONG" ] || fail "redis-cli through visitor"
redis-cli -p "${P[v-redis]}" set k tunnelled >/dev/null
[ "$(redis-cli -p "${P[v-redis]}" get k)" = "tunnelled" ] || fail "redis get"
pass "redis-cli through the private TCP tunnel"
ans=$(retry 25 dig +short +time=2 +tries=1 @127.0.0.1 -p "${P[v-dns1]}" host.srv.test A)
[ "$ans" = "10.9.8.7" ] || fail "dig through UDP visitor: '$ans'"
pass "dig through the private UDP tunnel"
stop_all_gost

echo "# seeds 000/003: the legacy relay tunnel (handler relay, entryPoint, relay connector)"
run server relay-server-ingress.yaml; run client relay-client-rtcp.yaml
wait_tcp "${P[entry]}"
expect example.com 200 "backend web-a"
stop_all_gost
