#!/usr/bin/env bash
# One tunnel, two clients: one stock, one libgost. Both serve; when one goes away the other
# serves everything. usage: pool.sh SERVER
source "$(dirname "$0")/lib.sh"
S=$1; L="pool: server=$S clients=stock+lib"
read -r T E W1 W2 < <(free_ports 4)
web w1 "$W1" "backend stock"; web w2 "$W2" "backend lib"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1"
wait_tcp "$T"; wait_tcp "$E"
run cs stock -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
cs_pid=${_pids[-1]}
run cl lib -L "rtcp://:0/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
wait_bound cs; wait_bound cl
seen=
for _ in $(seq 1 60); do seen+="$(http "$E" web.test)"$'\n'; done
echo "$seen" | grep -q "backend stock 200" || fail "$L: the stock client never served"
echo "$seen" | grep -q "backend lib 200" || fail "$L: the libgost client never served"
[ "$(echo "$seen" | grep -vc ' 200$')" -le 1 ] || fail "$L: failures: $(echo "$seen" | sort | uniq -c)"
pass "$L: both clients serve ($(echo "$seen" | grep -c stock) stock, $(echo "$seen" | grep -c lib) lib of 60)"
kill "$cs_pid"
expect_http "$E" web.test "backend lib 200" "$L: stock client gone"
for _ in $(seq 1 20); do
  got=$(http "$E" web.test); [ "$got" = "backend lib 200" ] || fail "$L: after the stock client left: '$got'"
done
pass "$L: the remaining client serves every request"
