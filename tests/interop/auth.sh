#!/usr/bin/env bash
# Server with a user: the right password registers and serves, a wrong one is refused and its
# tunnel stays empty (503 at the entrypoint). usage: auth.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="auth: $(combo "$S" "$C")"
read -r T E W1 W2 < <(free_ports 4)
web w1 "$W1" "backend one"; web w2 "$W2" "backend two"
run server "$S" -L "tunnel://user:pass@127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=good.test:$ID1,bad.test:$ID2"
wait_tcp "$T"; wait_tcp "$E"
run good "$C" -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://user:pass@127.0.0.1:$T?tunnel.id=$ID1"
run bad "$C" -L "rtcp://:0/127.0.0.1:$W2" -F "tunnel://user:wrong@127.0.0.1:$T?tunnel.id=$ID2"
wait_bound good
expect_http "$E" good.test "backend one 200" "$L: right password"
wait_log bad 'nauthorized|create tunnel .* failed'
expect_http "$E" bad.test " 503" "$L: wrong password, nothing registered"
[ "$(count_log bad 'create tunnel .*OK')" = 0 ] || fail "$L: the wrong password registered"
pass "$L: wrong password refused"
