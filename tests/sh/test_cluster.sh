#!/usr/bin/env bash
# Three libgost tunnel servers (A, B, C) sharing one sd and one ingress (a Redis hash) in a
# real redis-server (docs/cluster.md). Tunnel clients connect to B only; their services are reached through
# the entrypoints and tunnel ports of A, B and C: HTTP by Host, TLS by SNI, visitor TCP and
# UDP. Then kill -9 of B (clients move to A/C, gap printed), and a Redis restart (local
# tunnels keep working, cross-node requests fail fast with 503, then recover).
source "$(dirname "$0")/lib.sh"
# Our servers listen on 127.0.0.2: the random ports other tests pick and bind on 127.0.0.1
# cannot collide with ours between free_ports and our bind.
LO=127.0.0.2
wait_tcp() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/$LO/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $LO:$1" >&2; return 1
}
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { echo "skip: redis-server/redis-cli absent"; exit 0; }

WEB=4d21094e-b74c-4916-86c1-d9fa36ea677b
TLS=aede1f6a-762b-45da-b937-b6632356555a
UDP=ac74d9dd-3125-442a-a7c1-f9e49e05faca
GHOST=11111111-2222-4333-8444-555555555555  # registered by hand, served by nobody
ALL=5b0c6c2e-8d0a-4f7e-9d55-3c1f0a2b4e6d    # client with tunnel.connections.all: on every node
WGT=6c1d7d3f-9e1b-4a8f-8e66-4d2f1b3c5f7e    # weight 1 on A, 255 on C
EQ=7d2e8e4a-af2c-4b9a-9f77-5e3a2c4d6a8f     # weight 5 on A and on C
read -r R TA TB TC EA EB EC W S U VT VU WA WC < <(free_ports 14)
declare -A T=([A]=$TA [B]=$TB [C]=$TC) E=([A]=$EA [B]=$EB [C]=$EC)
now_ms() { date +%s%3N; }
# poll_ms LIMIT_MS CMD...: runs CMD every 50 ms until it succeeds or LIMIT_MS pass
poll_ms() {
  local limit=$1 t0; shift; t0=$(now_ms)
  until "$@"; do [ $(( $(now_ms) - t0 )) -lt "$limit" ] || return 1; sleep 0.05; done
}

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=tls.test" \
  -addext "subjectAltName=DNS:tls.test" -keyout tls.key -out tls.pem 2>/dev/null
mkdir web webA webC; echo "backend web" > web/index.html; echo "near A" > webA/index.html; echo "near C" > webC/index.html
bg web python3 -m http.server "$W" --bind $LO --directory "$WORK/web"
bg webA python3 -m http.server "$WA" --bind $LO --directory "$WORK/webA"
bg webC python3 -m http.server "$WC" --bind $LO --directory "$WORK/webC"
bg s_server openssl s_server -accept "$LO:$S" -cert tls.pem -key tls.key -www -quiet
cat >udp_echo.py <<PY
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("$LO", $U))
while True:
    d, a = s.recvfrom(65535); s.sendto(b"echo " + d, a)
PY
bg udp-echo python3 udp_echo.py
start_redis() { bg "redis$1" redis-server --port "$R" --bind $LO --save '' --appendonly no; REDIS_PID=${_pids[-1]}; wait_tcp "$R"; }
rules() { # the shared ingress: hostname -> tunnel ID
  redis-cli -h "$LO" -p "$R" hset gost:ing web.test "$WEB" tls.test "$TLS" udp.test "$UDP" ghost.test "$GHOST" all.test "$ALL" wgt.test "$WGT" eq.test "$EQ" >/dev/null
  redis-cli -h "$LO" -p "$R" publish gost:ing:changed '*' >/dev/null
}
start_redis 1
rules
wait_tcp "$W"; wait_tcp "$S"

for n in A B C; do
  cat >"node$n.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "$LO:$R", key: "gost:cluster", ttl: 2s}
ingresses:
- name: ingress-0
  redis: {addr: "$LO:$R", key: "gost:ing", type: hash}
  reload: 30s
services:
- name: tunnel
  addr: $LO:${T[$n]}
  handler:
    type: tunnel
    metadata:
      entrypoint: "$LO:${E[$n]}"
      ingress: ingress-0
      sd: sd-0
      node.id: node-$n
      node.secret: s3cret
      mux.keepaliveInterval: 500ms
      mux.keepaliveTimeout: 2s
  listener: {type: tcp}
YAML
  bg "node$n" "$GOST" -C "node$n.yaml"; eval "PID_$n=\${_pids[-1]}"
done
for n in A B C; do wait_tcp "${T[$n]}"; wait_tcp "${E[$n]}"; done

# Clients: one hop with B first, then A and C (each reconnect attempt takes the next node).
client_cfg() { # NAME LISTENER HANDLER TARGET TID [LISTENER_METADATA]
  cat >"$1.yaml" <<YAML
services:
- name: $1
  addr: ":0"
  handler: {type: $3}
  listener: {type: $2, chain: chain-0, metadata: {${6:-}}}
  forwarder: {nodes: [{name: t, addr: "$4"}]}
chains:
- name: chain-0
  hops:
  - name: hop-0
    nodes:
    - {name: B, addr: "$LO:$TB", connector: {type: tunnel, metadata: {tunnel.id: "$5", mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 2s}}, dialer: {type: tcp}}
    - {name: A, addr: "$LO:$TA", connector: {type: tunnel, metadata: {tunnel.id: "$5", mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 2s}}, dialer: {type: tcp}}
    - {name: C, addr: "$LO:$TC", connector: {type: tunnel, metadata: {tunnel.id: "$5", mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 2s}}, dialer: {type: tcp}}
YAML
  bg "$1" "$GOST" -C "$1.yaml"
}
client_cfg cweb rtcp rtcp "$LO:$W" "$WEB"
client_cfg ctls rtcp rtcp "$LO:$S" "$TLS"
client_cfg cudp rudp rudp "$LO:$U" "$UDP"
client_cfg call rtcp rtcp "$LO:$W" "$ALL" "tunnel.connections.all: true"

members() { redis-cli -h "$LO" -p "$R" zrangebyscore "gost:cluster:tunnel:$1" "$(now_ms)" +inf; }
on_node() { members "$1" | grep -q " node-$2 "; }
for t in $WEB $TLS $UDP; do retry 50 on_node "$t" B || fail "tunnel $t not registered on B: $(members "$t")"; done
pass "three clients registered on node B"
for n in A B C; do retry 50 on_node "$ALL" "$n" || fail "tunnel.connections.all client not on node $n: $(members "$ALL")"; done
pass "tunnel.connections.all: one client registered on A, B and C at once"

http() { curl -s --max-time 5 --resolve "web.test:$1:$LO" "http://web.test:$1/" || true; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 --resolve "web.test:$1:$LO" "http://web.test:$1/" || true; }
for n in A B C; do
  [ "$(http "${E[$n]}")" = "backend web" ] || fail "HTTP through node $n: $(http "${E[$n]}")"
done
pass "HTTP by Host through the entrypoints of A, B and C"
grep -q 'node link from' "$WORK/nodeB.log" || fail "no node link accepted by B"
for n in A C; do
  out=$(curl -s -k --max-time 5 --resolve "tls.test:${E[$n]}:$LO" "https://tls.test:${E[$n]}/" | grep -m1 -o s_server || true)
  [ "$out" = s_server ] || fail "TLS SNI through node $n"
done
pass "TLS by SNI through the entrypoints of A and C"

bg vtcp "$GOST" -L "tcp://$LO:$VT/web.test:80" -F "tunnel://$LO:$TA?tunnel.id=$WEB"
bg vudp "$GOST" -L "udp://$LO:$VU/udp.test:53" -F "tunnel://$LO:$TC?tunnel.id=$UDP"
wait_tcp "$VT"
[ "$(retry 20 curl -s --max-time 5 "http://$LO:$VT/")" = "backend web" ] || fail "visitor TCP through A"
pass "visitor TCP through node A's tunnel port"
udp_ask() {
  python3 - "$VU" "$LO" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
for _ in range(5):
    s.sendto(b"ping", (sys.argv[2], int(sys.argv[1])))
    try:
        print(s.recvfrom(100)[0].decode()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
PY
}
[ "$(retry 10 udp_ask)" = "echo ping" ] || fail "visitor UDP through C"
pass "visitor UDP through node C's tunnel port"

# Weights across nodes: A's own weight-1 connector loses to C's weight 255 (once A's sd cache
# knows it: the first requests may stay local while the cache fills); equal weights stay local.
wait_tcp "$WA"; wait_tcp "$WC"
bg wA "$GOST" -L "rtcp://:0/$LO:$WA" -F "tunnel://$LO:$TA?tunnel.id=$WGT&tunnel.weight=1&mux.keepaliveInterval=500ms"
bg wC "$GOST" -L "rtcp://:0/$LO:$WC" -F "tunnel://$LO:$TC?tunnel.id=$WGT&tunnel.weight=255&mux.keepaliveInterval=500ms"
bg eA "$GOST" -L "rtcp://:0/$LO:$WA" -F "tunnel://$LO:$TA?tunnel.id=$EQ&tunnel.weight=5&mux.keepaliveInterval=500ms"
bg eC "$GOST" -L "rtcp://:0/$LO:$WC" -F "tunnel://$LO:$TC?tunnel.id=$EQ&tunnel.weight=5&mux.keepaliveInterval=500ms"
for t in $WGT $EQ; do for n in A C; do retry 50 on_node "$t" "$n" || fail "tunnel $t not on $n"; done; done
get() { curl -s --max-time 3 --resolve "$1:$EA:$LO" "http://$1:$EA/" || true; }
near_c() { [ "$(get wgt.test)" = "near C" ]; }
retry 25 near_c || fail "weight 255 on C did not win over weight 1 on A"
for i in 1 2 3 4 5 6 7 8; do [ "$(get wgt.test)" = "near C" ] || fail "request $i through A went to A's weight-1 connector"; done
pass "weights across nodes: a request at A goes to C's weight-255 connector, not A's weight-1 one"
for i in 1 2 3 4 5 6 7 8 9 10; do r=$(get eq.test); [ "$r" = "near A" ] || fail "equal weights: request $i through A answered '$r'"; done
pass "equal weights: the local connector is preferred"

# Loop prevention: stale entries claim A and C serve GHOST. C forwards to A; A has no
# connector and answers 503 from its local pool instead of forwarding back to C.
for n in A C; do
  redis-cli -h "$LO" -p "$R" zadd "gost:cluster:tunnel:$GHOST" "$(( $(now_ms) + 60000 ))" \
    "$GHOST node-$n tcp 0 $LO:${T[$n]}" >/dev/null
done
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --resolve "ghost.test:$EC:$LO" "http://ghost.test:$EC/" || true)
[ "$c" = 503 ] || fail "ghost tunnel through C: $c"
grep -q "node link: forwarded request for tunnel $GHOST" "$WORK/nodeA.log" || fail "A did not refuse the forwarded request"
! grep -q "node link: forwarded request for tunnel $GHOST" "$WORK/nodeC.log" || fail "the request came back to C"
pass "stale registration: forwarded once (C -> A), answered 503, never forwarded back"

# A rule added to the shared ingress routes on every node within a second: announced on the
# channel, then through keyspace notifications alone; removal the same way.
t0=$(now_ms)
redis-cli -h "$LO" -p "$R" hset gost:ing added.test "$WEB" >/dev/null
redis-cli -h "$LO" -p "$R" publish gost:ing:changed added.test >/dev/null
new_ok() { [ "$(curl -s --max-time 2 --resolve "added.test:$EC:$LO" "http://added.test:$EC/")" = "backend web" ]; }
poll_ms 5000 new_ok || fail "rule added to Redis does not route on C"
dt=$(( $(now_ms) - t0 )); [ "$dt" -lt 1000 ] || fail "propagation took $dt ms"
pass "rule added in Redis (HSET + PUBLISH) routes on node C after ${dt} ms"
redis-cli -h "$LO" -p "$R" config set notify-keyspace-events Kh >/dev/null
t0=$(now_ms)
redis-cli -h "$LO" -p "$R" hset gost:ing ks.test "$WEB" >/dev/null
ks_ok() { [ "$(curl -s --max-time 2 --resolve "ks.test:$EA:$LO" "http://ks.test:$EA/")" = "backend web" ]; }
poll_ms 5000 ks_ok || fail "rule added with keyspace notifications does not route on A"
pass "rule added by a plain HSET (keyspace notifications) routes on node A after $(( $(now_ms) - t0 )) ms"
redis-cli -h "$LO" -p "$R" hdel gost:ing ks.test >/dev/null
ks_gone() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --resolve "ks.test:$EA:$LO" "http://ks.test:$EA/")" = 502 ]; }
retry 25 ks_gone || fail "removed rule still routes"
pass "rule removed from Redis stops routing"

echo "# kill -9 of node B"
t0=$(now_ms)
kill -9 "$PID_B"; wait "$PID_B" 2>/dev/null || true
for n in A C; do
  c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --resolve "all.test:${E[$n]}:$LO" "http://all.test:${E[$n]}/" || true)
  [ "$c" = 200 ] || fail "tunnel.connections.all client through $n right after the kill: $c"
done
pass "tunnel.connections.all: no gap through A and C right after B died"
moved() { [ "$(code "$EA")" = 200 ] && [ "$(code "$EC")" = 200 ]; }
retry 75 moved || fail "clients did not move off B: A=$(code "$EA") C=$(code "$EC")"
gap=$(( $(now_ms) - t0 ))
members "$WEB" | grep -q " node-[AC] " || fail "web tunnel not re-registered on A/C"
pass "kill -9 B: HTTP through A and C again after ${gap} ms"
expired() { ! members "$WEB" | grep -q " node-B "; }
retry 25 expired || fail "B's registration outlived its TTL"
pass "B's registrations expired"

echo "# Redis down"
holder=$(members "$WEB" | awk '{print $2}' | head -1); holder=${holder#node-}
other=A; [ "$holder" = A ] && other=C
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
[ "$(code "${E[$holder]}")" = 200 ] || fail "local tunnel on $holder broken while Redis is down"
pass "local tunnel on node $holder keeps working without Redis"
# (a lookup answered in the last ttl/3 may still be used from the cache: wait it out)
is_503() { [ "$(code "${E[$other]}")" = 503 ]; }
retry 10 is_503 || fail "cross-node request on $other while Redis is down: $(code "${E[$other]}")"
t1=$(now_ms); c=$(code "${E[$other]}"); dt=$(( $(now_ms) - t1 ))
[ "$c" = 503 ] || fail "cross-node request on $other while Redis is down: $c"
[ "$(curl -s --max-time 2 --resolve "added.test:${E[$holder]}:$LO" "http://added.test:${E[$holder]}/")" = "backend web" ] ||
  fail "ingress copy lost while Redis is down"
[ "$dt" -lt 1500 ] || fail "503 took $dt ms"
pass "cross-node request through $other fails fast while Redis is down (503 in ${dt} ms)"
start_redis 2
rules # the restarted Redis is empty (no persistence here): the operator's rules come back
t2=$(now_ms)
back() { [ "$(code "${E[$other]}")" = 200 ]; }
retry 50 back || fail "cross-node path not back after the Redis restart"
pass "Redis restarted: re-registered, cross-node HTTP through $other again after $(( $(now_ms) - t2 )) ms"
for n in A C; do kill -0 "$(eval echo \$PID_$n)" || fail "node $n died"; done
