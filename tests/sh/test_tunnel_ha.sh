#!/usr/bin/env bash
# Tunnel HA with real programs: two rtcp clients on one tunnel (backends tagged A and B),
# weighted selection (1:3 and 255), failover after kill -9 of a client, reconnect after a
# server restart on the same ports, 503 for a rule without a client, 502 for unknown/private.
source "$(dirname "$0")/lib.sh"

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b     # web.test -> two clients
EMPTY=ac74d9dd-3125-442a-a7c1-f9e49e05faca   # empty.test -> rule, no client
PRIV=aede1f6a-762b-45da-b937-b6632356555a    # priv.test -> private rule ($)
read -r T E WA WB < <(free_ports 4)

for w in A B; do
  mkdir -p "$WORK/web$w"; echo "backend $w" > "$WORK/web$w/index.html"
done
bg webA python3 -m http.server "$WA" --bind 127.0.0.1 --directory "$WORK/webA"
bg webB python3 -m http.server "$WB" --bind 127.0.0.1 --directory "$WORK/webB"
wait_tcp "$WA"; wait_tcp "$WB"

KA="mux.keepaliveInterval=500ms&mux.keepaliveTimeout=2s"
SERVER_URL="tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&$KA&tunnel=web.test:$TID,empty.test:$EMPTY,priv.test:\$$PRIV"
start_server() { bg server "$GOST" -L "$SERVER_URL"; SERVER_PID=${_pids[-1]}; wait_tcp "$T"; wait_tcp "$E"; }
# start_client NAME BACKEND_PORT WEIGHT -> sets LAST_PID
start_client() {
  bg "$1" "$GOST" -L "rtcp://:0/127.0.0.1:$2" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID&tunnel.weight=$3&$KA"
  LAST_PID=${_pids[-1]}
}
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 --resolve "$1:$E:127.0.0.1" "http://$1:$E/" || true; }
body() { curl -s --max-time 5 --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/" || true; }
# count N: N requests (curl URL globbing, one process) -> "A B other" counts of tagged bodies
count() {
  local out
  out=$(curl -s --max-time 60 --resolve "web.test:$E:127.0.0.1" "http://web.test:$E/?n=[1-$1]" || true)
  echo "$(grep -c '^backend A$' <<<"$out") $(grep -c '^backend B$' <<<"$out")"
}
# wait until both clients are registered: both tags seen in a short burst
both_up() { local c; c=$(count 40); [ "${c% *}" -gt 0 ] && [ "${c#* }" -gt 0 ]; }

start_server
start_client clientA "$WA" 1; PA=$LAST_PID
start_client clientB "$WB" 3; PB=$LAST_PID
retry 50 both_up || fail "both clients never served (got $(count 40))"
pass "two clients registered on tunnel $TID"

echo "# weights 1:3"
read -r a b < <(count 400)
[ $((a + b)) -eq 400 ] || fail "400 requests: only $((a + b)) answered (A=$a B=$b)"
share=$(python3 -c "print(f'{$b/400:.3f}')")
python3 -c "import sys; sys.exit(0 if 0.65 <= $b/400 <= 0.85 else 1)" || fail "B share $share (A=$a B=$b) outside 0.65..0.85"
pass "weight 1:3 -> A=$a B=$b (B share $share)"

echo "# weight 255 takes everything"
kill "$PB"; wait "$PB" 2>/dev/null || true
start_client clientB255 "$WB" 255; PB=$LAST_PID
retry 50 bash -c "[ \"\$(curl -s --max-time 5 --resolve web.test:$E:127.0.0.1 http://web.test:$E/)\" = 'backend B' ]" >/dev/null ||
  fail "weight-255 client never served"
sleep 0.3
read -r a b < <(count 200)
[ "$a" -eq 0 ] && [ "$b" -eq 200 ] || fail "weight 255: A=$a B=$b (expected 0/200)"
pass "weight 255 -> A=$a B=$b"

echo "# failover: kill -9 the weight-255 client"
kill -9 "$PB"; wait "$PB" 2>/dev/null || true
t0=$(date +%s.%N)
# until the first success on A; then every following request must succeed on A
retry 150 bash -c "[ \"\$(curl -s --max-time 5 --resolve web.test:$E:127.0.0.1 http://web.test:$E/)\" = 'backend A' ]" >/dev/null ||
  fail "no failover to A"
t1=$(date +%s.%N)
read -r a b < <(count 100)
[ "$a" -eq 100 ] || fail "after failover: A=$a B=$b of 100"
pass "failover after kill -9 in $(python3 -c "print(f'{$t1-$t0:.2f}')") s; then 100/100 on A"

echo "# server restart: clients re-register (back-off <= 5 s)"
start_client clientB2 "$WB" 3; PB=$LAST_PID
retry 50 both_up || fail "client B did not come back"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
[ "$(code web.test)" = "000" ] || fail "server still answering after kill"
sleep 1
t0=$(date +%s.%N)
start_server
retry 60 both_up || fail "clients did not re-register after server restart (got $(count 40))"
t1=$(date +%s.%N)
pass "after server restart both clients serve again in $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
read -r a b < <(count 100)
[ $((a + b)) -eq 100 ] || fail "after restart: A=$a B=$b of 100"
pass "after restart 100/100 answered (A=$a B=$b)"

echo "# failover by keepalive: SIGSTOP client B (TCP stays open)"
kill -STOP "$PB"
t0=$(date +%s.%N)
retry 50 grep -q "keepalive timeout" "$WORK/server.log" || fail "server never noticed the stopped client"
t1=$(date +%s.%N)
read -r a b < <(count 100)
[ "$a" -eq 100 ] || fail "after keepalive failover: A=$a B=$b of 100"
pass "stopped client dropped by keepalive after $(python3 -c "print(f'{$t1-$t0:.2f}')") s (timeout 2 s); then 100/100 on A"
kill -9 "$PB"; kill -CONT "$PB" 2>/dev/null || true; wait "$PB" 2>/dev/null || true

echo "# error statuses"
[ "$(code empty.test)" = 503 ] || fail "rule without client: $(code empty.test), expected 503"
pass "rule without client -> 503"
[ "$(code unknown.test)" = 502 ] || fail "unknown host: $(code unknown.test), expected 502"
pass "unknown host -> 502"
[ "$(code priv.test)" = 502 ] || fail "private host: $(code priv.test), expected 502"
pass "private host -> 502"
kill -0 "$SERVER_PID" || fail "server died"
pass "server alive"
