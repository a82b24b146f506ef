#!/usr/bin/env bash
# Stock limiters over real sockets (docs/limiters.md): a traffic limit holds its rate both ways
# while an unlimited neighbour runs at full speed; `$$` limits each connection; climiter and
# rlimiter refuse the excess with one log line per episode; the CLI form
# (?limiter.in=..&climiter=..) works; a limiter changed through the API applies at once, to a
# transfer already running too; metrics count the hits; bad lines are refused by name.
source "$(dirname "$0")/lib.sh"
P() { python3 "$SRC/tests/sh/limit_peer.py" "$@"; }
# between VALUE LO HI: LO <= VALUE < HI
between() { python3 -c "import sys; v=float('$1'); sys.exit(0 if $2 <= v < $3 else 1)"; }
count() { echo "$1" | tr ' ' '\n' | grep -c "$2" || true; }
cd "$WORK"

bg web python3 "$SRC/tests/sh/limit_peer.py" serve 0
wait_log web "^[0-9]+$"; B=$(head -n 1 web.log); wait_tcp "$B"
read -r API MET < <(free_ports 2)

cat > gost.yaml <<EOF
services:
- {name: slow, addr: "127.0.0.1:0", limiter: lim, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$B"}]}}
- {name: free, addr: "127.0.0.1:0", handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$B"}]}}
- {name: each, addr: "127.0.0.1:0", limiter: per-conn, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$B"}]}}
- {name: conns, addr: "127.0.0.1:0", climiter: two, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$B"}]}}
- {name: rate, addr: "127.0.0.1:0", rlimiter: slowly, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$B"}]}}
limiters:
- {name: lim, limits: ["\$ 1MB 1MB", "10.0.0.0/8 1KB"]}
- {name: per-conn, limits: ["\$\$ 512KB 512KB"]}
climiters:
- {name: two, limits: ["\$\$ 2"]}
rlimiters:
- {name: slowly, limits: ["\$ 1"]}
api: {addr: "127.0.0.1:$API"}
metrics: {addr: "127.0.0.1:$MET", path: /metrics}
EOF
bg server "$GOST" -C gost.yaml
wait_tcp "$API"
port() { grep -oE "service $1 listening on .*bound port [0-9]+" server.log | grep -oE '[0-9]+$'; }
retry 25 port rate > /dev/null
SLOW=$(port slow) FREE=$(port free) EACH=$(port each) CONNS=$(port conns) RATE=$(port rate)

# 2 MB down at 1 MB/s while 32 MB go through the unlimited neighbour
P get "$SLOW" 2097152 > slow.t & sp=$!
sleep 0.2
P get "$FREE" 33554432 > free.t
wait $sp
between "$(cat slow.t)" 1.75 4 || fail "2 MB at 1 MB/s took $(cat slow.t) s"
between "$(cat free.t)" 0 3 || fail "the unlimited neighbour took $(cat free.t) s for 32 MB"
pass "limit \$ 1MB: 2 MB down in $(cat slow.t) s; unlimited neighbour 32 MB in $(cat free.t) s"
t=$(P put "$SLOW" 2097152); between "$t" 1.75 4 || fail "2 MB up at 1 MB/s took $t s"
pass "limit \$ 1MB in: 2 MB up in $t s"

# `$$`: each connection has its own 512 KB/s, so two in parallel take as long as one
P get "$EACH" 1048576 > e1.t & e1=$!
P get "$EACH" 1048576 > e2.t
wait $e1
for f in e1.t e2.t; do between "$(cat $f)" 1.75 3.5 || fail "\$\$ 512KB: 1 MB took $(cat $f) s"; done
pass "\$\$ 512KB: two connections of 1 MB in $(cat e1.t) s and $(cat e2.t) s"

# live change through the API: 8 MB/s for lim; a transfer started before speeds up too
LIMIT_PEER_MARK=started P get "$SLOW" 4194304 > live.t & lp=$!
retry 50 test -e started
sleep 0.5
code=$(curl -s -o put.json -w '%{http_code}' -X PUT "http://127.0.0.1:$API/config/limiters/lim" \
  -d '{"limits": ["$ 8MB 8MB"]}')
[ "$code" = 200 ] || fail "PUT /config/limiters/lim: HTTP $code $(cat put.json)"
wait $lp
# 0.5 s at 1 MB/s, the rest (3.5 MB) at 8 MB/s: about 0.95 s; 4 s if the change were not live
between "$(cat live.t)" 0.8 2.5 || fail "4 MB with the limit raised after 0.5 s took $(cat live.t) s"
# 4 MiB less the 100 ms burst (0.8 MiB) at 8 MiB/s: 0.4 s, measured from the first byte
t=$(P get "$SLOW" 4194304); between "$t" 0.33 1.5 || fail "4 MB at 8 MB/s took $t s"
curl -s "http://127.0.0.1:$API/config" | grep >/dev/null '"\$ 8MB 8MB"' || fail "GET /config lacks the new limit"
pass "limit raised live: 4 MB in $(cat live.t) s (running), $t s (new)"

# climiter $$ 2: the third connection of a host is closed at once, a freed slot admits again
r=$(P hold "$CONNS" 3 1)
[ "$(count "$r" closed)" = 1 ] && [ "$(count "$r" open)" = 2 ] || fail "climiter \$\$ 2 with 3 connections: $r"
r2=$(P hold "$CONNS" 2 0.5); [ "$r2" = "open open" ] || fail "slots not given back: $r2"
wait_log server 'climiter two refused a connection from 127\.0\.0\.1: 2 connections open from this host' \
  || fail "no log line naming the climiter"
pass "climiter \$\$ 2: $r, then $r2"

# rlimiter $ 1: a burst of 6 connections, the first 2 (stock's burst: int(1)+1) get through
r=$(P hold "$RATE" 6 0.5)
[ "$(count "$r" open)" = 2 ] || fail "rlimiter \$ 1 with 6 at once: $r"
wait_log server 'rlimiter slowly refused' || fail "no log line naming the rlimiter"
n=$(grep -c 'rlimiter slowly refused' server.log)
[ "$n" = 1 ] || fail "4 refusals in one episode logged $n lines, want 1"
wait_log server 'rlimiter slowly: 3 more connections refused' 8 || fail "no episode count line"
pass "rlimiter \$ 1: $r; one line for the episode plus a count"

m=$(curl -s "http://127.0.0.1:$MET/metrics")
echo "$m" | grep -qE 'gost_limiter_hits_total\{host="[^"]*",limiter="two",kind="conn"\} [1-9]' \
  || fail "no climiter hits in the metrics"
echo "$m" | grep -qE 'gost_limiter_hits_total\{host="[^"]*",limiter="lim",kind="traffic"\} [1-9]' \
  || fail "no traffic limiter hits in the metrics"
pass "gost_limiter_hits_total counts"

# the API refuses a bad line by name and keeps the running limiter; create/delete; a limiter a
# service uses cannot go
code=$(curl -s -o bad.json -w '%{http_code}' -X PUT "http://127.0.0.1:$API/config/limiters/lim" \
  -d '{"limits": ["$ 8MB 8MB", "example.com 1MB"]}')
[ "$code" = 409 ] && grep -q 'limits\[1\]' bad.json || fail "bad line: HTTP $code $(cat bad.json)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$API/config/climiters" \
  -d '{"name": "c2", "limits": ["$ 100"]}')
[ "$code" = 200 ] || fail "POST /config/climiters: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$API/config/climiters/c2")
[ "$code" = 200 ] || fail "DELETE /config/climiters/c2: HTTP $code"
code=$(curl -s -o del.json -w '%{http_code}' -X DELETE "http://127.0.0.1:$API/config/climiters/two")
[ "$code" = 409 ] && grep -q 'unknown climiter' del.json || fail "deleting a used climiter: HTTP $code $(cat del.json)"
pass "API: bad lines and used limiters refused, create/delete work"

# the CLI form (stock's cmd/config.go): limiter.in/out, limiter.conn.in/out, climiter, rlimiter
bg cli "$GOST" -L "tcp://127.0.0.1:0/127.0.0.1:$B?limiter.in=1MB&limiter.conn.out=512KB&climiter=1"
CP=$(bound_port cli)
t=$(P put "$CP" 2097152); between "$t" 1.75 4 || fail "-L ?limiter.in=1MB: 2 MB up in $t s"
t2=$(P get "$CP" 1048576); between "$t2" 1.75 3.5 || fail "-L ?limiter.conn.out=512KB: 1 MB down in $t2 s"
r=$(P hold "$CP" 2 0.5); [ "$(count "$r" closed)" = 1 ] || fail "-L ?climiter=1: $r"
pass "-L ?limiter.in=1MB&limiter.conn.out=512KB&climiter=1: up $t s, down $t2 s, $r"

out=$("$GOST" -L "tcp://127.0.0.1:0/127.0.0.1:$B?limiter.in=fast" 2>&1) && fail "bad size accepted"
echo "$out" | grep -q '"fast"' || fail "bad size not named: $out"
pass "bad size refused: $(echo "$out" | grep -o 'limiters.*' | head -n 1)"

# examples/limiters.yaml loads and limits (ports moved to loopback port 0, files -> our backend)
sed -e 's/addr: :8443/addr: "127.0.0.1:0"/; s/entrypoint: :8080/entrypoint: "127.0.0.1:0"/' \
  -e 's/addr: :9000/addr: "127.0.0.1:0"/; s/127.0.0.1:8000/127.0.0.1:'"$B"'/' \
  -e 's|"0.0.0.0/0 2MB 2MB"|"127.0.0.0/8 512KB 512KB"|' "$SRC/examples/limiters.yaml" > example.yaml
bg example "$GOST" -C example.yaml
wait_log example 'service downloads listening on .*bound port' || fail "examples/limiters.yaml did not start"
DP=$(grep -oE 'service downloads listening on .*bound port [0-9]+' example.log | grep -oE '[0-9]+$')
t=$(P get "$DP" 1048576); between "$t" 1.75 3.5 || fail "examples/limiters.yaml: 1 MB at 512 KB/s in $t s"
pass "examples/limiters.yaml: 1 MB down in $t s under its per-host rule"
