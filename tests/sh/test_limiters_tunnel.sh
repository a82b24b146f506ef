#!/usr/bin/env bash
# A tunnel server caps each tenant's tunnel (docs/limiters.md, "Per tunnel"): the handler's
# limiter keys rows by tunnel ID (all streams of a tunnel share them) and `$$` gives every tunnel
# its own; an unlimited tenant runs at full speed beside a limited one; the public entrypoint
# obeys the service's climiter; a change through the API applies without a restart; a service
# `limiter` shapes the tunnel clients' sessions as stock's does.
source "$(dirname "$0")/lib.sh"
P() { python3 "$SRC/tests/sh/limit_peer.py" "$@"; }
between() { python3 -c "import sys; v=float('$1'); sys.exit(0 if $2 <= v < $3 else 1)"; }
TID1=4d21094e-b74c-4916-86c1-d9fa36ea677b
TID2=ac74d9dd-3125-442a-a7c1-f9e49e05faca
cd "$WORK"

bg web python3 "$SRC/tests/sh/limit_peer.py" serve 0
wait_log web "^[0-9]+$"; B=$(head -n 1 web.log); wait_tcp "$B"
read -r T E API T2 E2 < <(free_ports 5)

cat > gost.yaml <<EOF
services:
- name: tun
  addr: "127.0.0.1:$T"
  climiter: public
  handler: {type: tunnel, limiter: tenants, metadata: {entrypoint: "127.0.0.1:$E", ingress: ing}}
  listener: {type: tcp}
- name: whole
  addr: "127.0.0.1:$T2"
  limiter: server-bw
  handler: {type: tunnel, metadata: {entrypoint: "127.0.0.1:$E2", ingress: ing}}
  listener: {type: tcp}
ingresses:
- name: ing
  rules:
  - {hostname: a.example.com, endpoint: $TID1}
  - {hostname: b.example.com, endpoint: $TID2}
limiters:
- {name: tenants, limits: ["$TID1 1MB 1MB"]}
- {name: server-bw, limits: ["\$ 1MB 1MB"]}
climiters:
- {name: public, limits: ["\$\$ 4"]}
api: {addr: "127.0.0.1:$API"}
EOF
bg server "$GOST" -C gost.yaml
wait_tcp "$API"; wait_tcp "$E"
bg c1 "$GOST" -L "rtcp://:0/127.0.0.1:$B" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID1"
bg c2 "$GOST" -L "rtcp://:0/127.0.0.1:$B" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID2"
retry 50 P get "$E" 10 a.example.com > /dev/null 2>&1 || fail "tunnel a.example.com not up"
retry 50 P get "$E" 10 b.example.com > /dev/null 2>&1 || fail "tunnel b.example.com not up"
bg c3 "$GOST" -L "rtcp://:0/127.0.0.1:$B" -F "tunnel://127.0.0.1:$T2?tunnel.id=$TID2"
retry 50 P get "$E2" 10 b.example.com > /dev/null 2>&1 || fail "tunnel b.example.com on the second server not up"

# tenant 1 is held to 1 MB/s while tenant 2 moves 16 MB at full speed
P get "$E" 2097152 a.example.com > a.t & ap=$!
sleep 0.2
P get "$E" 16777216 b.example.com > b.t
wait $ap
between "$(cat a.t)" 1.75 4 || fail "tunnel 1 at 1 MB/s: 2 MB took $(cat a.t) s"
between "$(cat b.t)" 0 3 || fail "unlimited tunnel 2: 16 MB took $(cat b.t) s"
pass "per tunnel: limited tenant 2 MB in $(cat a.t) s, its neighbour 16 MB in $(cat b.t) s"

# the tunnel's limit is shared by all its streams: two 1 MB downloads together take 2 s
P get "$E" 1048576 a.example.com > a1.t & p1=$!
P get "$E" 1048576 a.example.com > a2.t
wait $p1
late=$(python3 -c "print(max(float(open('a1.t').read()), float(open('a2.t').read())))")
# each alone would take 0.95 s; the later one started up to ~0.3 s after the first
between "$late" 1.4 4 || fail "two streams of tunnel 1 finished within $late s (limit not shared)"
pass "streams of one tunnel share its limit: 2 x 1 MB done after $late s"

# live: `$$` gives every tunnel 512 KB/s, tenant 2 included
code=$(curl -s -o put.json -w '%{http_code}' -X PUT "http://127.0.0.1:$API/config/limiters/tenants" \
  -d '{"limits": ["$$ 512KB 512KB"]}')
[ "$code" = 200 ] || fail "PUT /config/limiters/tenants: HTTP $code $(cat put.json)"
t=$(P get "$E" 1048576 b.example.com); between "$t" 1.75 4 || fail "tunnel 2 under \$\$ 512KB: 1 MB in $t s"
pass "\$\$ 512KB applied live: tunnel 2 now 1 MB in $t s"

# the public entrypoint obeys the service's climiter ($$ 4 per host): one service, so the two
# tunnel clients' connections from 127.0.0.1 hold 2 of the 4
r=$(P hold "$E" 6 0.5)
n=$(echo "$r" | tr ' ' '\n' | grep -c open || true)
[ "$n" = 2 ] || fail "entrypoint under climiter \$\$ 4 with 2 tunnel clients and 6 visitors: $r"
wait_log server 'climiter public refused' || fail "no climiter log line"
pass "entrypoint climiter \$\$ 4: $r"

# a service `limiter` on a tunnel server shapes what its tunnel clients' sessions carry (stock
# wraps every accepted connection): 2 MB through the second server's entrypoint at 1 MB/s
t=$(P get "$E2" 2097152 b.example.com); between "$t" 1.75 4 || fail "service limiter \$ 1MB on a tunnel server: 2 MB in $t s"
t2=$(P put "$E2" 2097152 b.example.com); between "$t2" 1.75 4 || fail "service limiter \$ 1MB on a tunnel server: 2 MB up in $t2 s"
pass "service limiter on a tunnel server: 2 MB through its tunnel in $t s down, $t2 s up"
