#!/usr/bin/env bash
# Per-user tunnel ownership (issue 9, "Beyond stock"): auther entries with bind/visit lists.
# A user may BIND only its own tunnel IDs and CONNECT (visit) only those it is given; refusals
# are Unauthorized and logged with user and tunnel. Real sockets, libgost clients and visitors,
# curl through the public entrypoint; stock gost 3.2.6 as a client when STOCK_GOST names it.
source "$(dirname "$0")/lib.sh"

T1=11111111-2222-4333-8444-555555555555 # alice's public tunnel
T2=66666666-7777-4888-9999-aaaaaaaaaaaa # bob's tunnel (public name bob.test, visitors by ID)
T3=0bd0b7b5-0d5b-4c39-9a4b-0b9e6a3c1d01 # carol's (CLI server)
read -r T E WA WB VG VGA VAB T9 E9 < <(free_ports 9)

cd "$WORK"
mkdir wa wb; echo "backend alice" > wa/index.html; echo "backend bob" > wb/index.html
bg web-a python3 -m http.server "$WA" --bind 127.0.0.1 --directory "$WORK/wa"
bg web-b python3 -m http.server "$WB" --bind 127.0.0.1 --directory "$WORK/wb"
wait_tcp "$WA"; wait_tcp "$WB"

cat > server.yaml <<EOF
services:
- name: tunnel
  addr: 127.0.0.1:$T
  handler:
    type: tunnel
    auther: owners
    metadata: {entrypoint: "127.0.0.1:$E", ingress: ing}
  listener: {type: tcp}
ingresses:
- name: ing
  rules:
  - {hostname: alice.test, endpoint: $T1}
  - {hostname: bob.test, endpoint: $T2}
authers:
- name: owners
  auths:
  - {username: alice, password: apass, bind: [$T1]}
  - {username: bob,   password: bpass, bind: [$T2], visit: [$T2]}
  - {username: guest, password: gpass, visit: [$T2]}
EOF
bg server "$GOST" -C server.yaml
wait_tcp "$T"; wait_tcp "$E"

get() { curl -s --max-time 5 --resolve "$1:$E:127.0.0.1" "http://$1:$E/" || true; }
refused() { # refused LOG USER VERB ID: the server logged the ownership refusal
  retry 50 grep -qF "user \\\"$2\\\" may not $3 tunnel $4" "$WORK/$1.log" ||
    fail "server did not log that $2 may not $3 $4"
}

echo "# alice binds her own tunnel; her attempt on bob's ID is refused"
bg alice "$GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://alice:apass@127.0.0.1:$T?tunnel.id=$T1"
bg alice-steal "$GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://alice:apass@127.0.0.1:$T?tunnel.id=$T2"
out=$(retry 50 bash -c "curl -sf --max-time 5 --resolve alice.test:$E:127.0.0.1 http://alice.test:$E/") ||
  fail "alice.test through alice's tunnel"
[ "$out" = "backend alice" ] || fail "alice.test body '$out'"
pass "alice binds $T1: alice.test -> $out"
refused server alice bind "$T2"
retry 50 grep -q 'Unauthorized' "$WORK/alice-steal.log" || fail "alice's client did not see Unauthorized"
pass "alice binding bob's $T2 refused (Unauthorized, logged with user and tunnel)"
out=$(get bob.test)
[ "$out" != "backend alice" ] || fail "bob.test reached alice's backend"
pass "bob.test does not reach alice's backend"

echo "# bob binds his tunnel: every request for bob.test reaches bob, none alice"
bg bob "$GOST" -L "rtcp://:0/127.0.0.1:$WB" -F "tunnel://bob:bpass@127.0.0.1:$T?tunnel.id=$T2"
retry 50 bash -c "curl -sf --max-time 5 --resolve bob.test:$E:127.0.0.1 http://bob.test:$E/ | grep -qx 'backend bob'" ||
  fail "bob.test through bob's tunnel"
for _ in $(seq 1 10); do
  out=$(get bob.test)
  [ "$out" = "backend bob" ] || fail "bob.test gave '$out' while alice retries binding $T2"
done
pass "10/10 bob.test requests reach bob while alice keeps trying to bind $T2"

echo "# visitors: guest may visit bob's tunnel only; alice (bind list only) may not visit"
bg guest "$GOST" -L "tcp://127.0.0.1:$VG/bob.test:80" -F "tunnel://guest:gpass@127.0.0.1:$T?tunnel.id=$T2"
bg guest-a "$GOST" -L "tcp://127.0.0.1:$VGA/alice.test:80" -F "tunnel://guest:gpass@127.0.0.1:$T?tunnel.id=$T1"
bg alice-visit "$GOST" -L "tcp://127.0.0.1:$VAB/bob.test:80" -F "tunnel://alice:apass@127.0.0.1:$T?tunnel.id=$T2"
wait_tcp "$VG"; wait_tcp "$VGA"; wait_tcp "$VAB"
out=$(retry 50 curl -sf --max-time 5 "http://127.0.0.1:$VG/") || fail "guest visitor into bob's tunnel"
[ "$out" = "backend bob" ] || fail "guest visitor body '$out'"
pass "guest visits $T2 -> $out"
out=$(curl -s --max-time 5 "http://127.0.0.1:$VGA/" || true)
[ -z "$out" ] || fail "guest reached alice's tunnel: '$out'"
refused server guest visit "$T1"
pass "guest visiting alice's $T1 refused"
out=$(curl -s --max-time 5 "http://127.0.0.1:$VAB/" || true)
[ -z "$out" ] || fail "alice visited bob's tunnel: '$out'"
refused server alice visit "$T2"
pass "alice (bind list only) visiting bob's $T2 refused"
bg guest-bind "$GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://guest:gpass@127.0.0.1:$T?tunnel.id=$T2"
refused server guest bind "$T2"
pass "guest (visit list only) binding $T2 refused"

echo "# a wrong password is refused before any list is consulted"
bg mallory "$GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://alice:wrong@127.0.0.1:$T?tunnel.id=$T1"
retry 50 grep -q 'refused: Unauthorized (authentication failed)' "$WORK/server.log" || fail "wrong password not refused"
pass "alice with a wrong password refused (Unauthorized)"

echo "# the same from the command line: -L ...?auth.bind=ID for the URL's user"
bg server9 "$GOST" -L "tunnel://carol:cpass@127.0.0.1:$T9?entrypoint=127.0.0.1:$E9&tunnel=carol.test:$T3&auth.bind=$T3"
wait_tcp "$T9"; wait_tcp "$E9"
bg carol "$GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://carol:cpass@127.0.0.1:$T9?tunnel.id=$T3"
bg carol-other "$GOST" -L "rtcp://:0/127.0.0.1:$WB" -F "tunnel://carol:cpass@127.0.0.1:$T9?tunnel.id=$T1"
retry 50 bash -c "curl -sf --max-time 5 --resolve carol.test:$E9:127.0.0.1 http://carol.test:$E9/ | grep -qx 'backend alice'" ||
  fail "carol.test through carol's tunnel"
refused server9 carol bind "$T1"
pass "CLI auth.bind: carol binds $T3, not $T1"

if [ -n "${STOCK_GOST:-}" ] && [ -x "$STOCK_GOST" ]; then
  echo "# stock gost 3.2.6 as the tunnel client"
  bg stock-steal "$STOCK_GOST" -L "rtcp://:0/127.0.0.1:$WA" -F "tunnel://guest:gpass@127.0.0.1:$T?tunnel.id=$T2"
  refused server guest bind "$T2"
  # stock logs the relay status as a number: 2 = Unauthorized
  retry 50 grep -q "2: create tunnel $T2 failed" "$WORK/stock-steal.log" || fail "stock client did not see status 2"
  pass "stock client as guest binding $T2 refused with status 2 (Unauthorized)"
else
  echo "# skipped: stock gost client (set STOCK_GOST to a gost 3.2.6 binary)"
fi
