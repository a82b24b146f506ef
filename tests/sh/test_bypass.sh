#!/usr/bin/env bash
# Bypass lists (docs/bypass.md) with curl: a service refuses held-back targets (HTTP 403, SOCKS5
# 0x02), a whitelist lets only its list through, and a chain node's bypass makes the route end
# before that hop (the target is reached directly).
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/www"; echo hello > "$WORK/www/index.txt"
web=$(free_port)
bg web1 python3 -m http.server "$web" --bind 127.0.0.1 --directory "$WORK/www"
bg web3 python3 -m http.server "$web" --bind 127.0.0.3 --directory "$WORK/www"
code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@" || true; }

# command line: ?bypass= on -L (blacklist) and on -F (node)
p1=$(free_port); s5=$(free_port); p3=$(free_port); p4=$(free_port)
bg http-bl "$GOST" -L "http://127.0.0.1:$p1?bypass=127.0.0.3,*.blocked.test"
bg s5-bl "$GOST" -L "socks5://127.0.0.1:$s5?bypass=127.0.0.3"
bg chain-bp "$GOST" -L "http://127.0.0.1:$p3" -F "socks5://127.0.0.1:$s5?bypass=127.0.0.0/30"
bg chain-plain "$GOST" -L "http://127.0.0.1:$p4" -F "socks5://127.0.0.1:$s5"
for p in "$p1" "$s5" "$p3" "$p4"; do wait_tcp "$p"; done
wait_tcp "$web"

[ "$(code -x "http://127.0.0.1:$p1" "http://127.0.0.1:$web/index.txt")" = 200 ] || fail "http: allowed target refused"
[ "$(code -x "http://127.0.0.1:$p1" "http://127.0.0.3:$web/index.txt")" = 403 ] || fail "http: bypassed IP not 403"
[ "$(code -x "http://127.0.0.1:$p1" "http://x.blocked.test:$web/")" = 403 ] || fail "http: glob not 403"
[ "$(code -p -x "http://127.0.0.1:$p1" "http://127.0.0.3:$web/index.txt")" = 000 ] || fail "http CONNECT: bypassed target connected"
grep -q "127.0.0.3:$web refused by the service's bypass" "$WORK/http-bl.log" || fail "no log line names the bypass"
pass "http: blacklist by IP and glob answers 403 and logs why"

out=$(curl -sS --max-time 10 -o /dev/null --socks5 "127.0.0.1:$s5" "http://127.0.0.3:$web/index.txt" 2>&1 || true)
echo "$out" | grep -q "(2)" || fail "socks5: bypassed target not refused with 0x02: $out"
[ "$(code --socks5 "127.0.0.1:$s5" "http://127.0.0.1:$web/index.txt")" = 200 ] || fail "socks5: allowed target refused"
pass "socks5: bypassed target gets 0x02 (not allowed)"

# the s5 hop refuses 127.0.0.3; a node bypass covering it sends that target around the hop
[ "$(code -x "http://127.0.0.1:$p4" "http://127.0.0.3:$web/index.txt")" = 502 ] || fail "chain without bypass: hop did not refuse"
[ "$(code -x "http://127.0.0.1:$p3" "http://127.0.0.3:$web/index.txt")" = 200 ] || fail "node bypass: not reached directly"
[ "$(code -x "http://127.0.0.1:$p3" "http://127.0.0.1:$web/index.txt")" = 200 ] || fail "node bypass: in-list target failed"
pass "chain: a node's bypass ends the route before its hop"

# config file: a named whitelist on a socks5 service; `reverse` is stock's older name
p5=$(free_port)
cat >"$WORK/bp.yaml" <<YAML
bypasses:
- name: only-local-one
  reverse: true
  matchers: ["127.0.0.1", ".allowed.test:1-1000"]
services:
- name: s5
  addr: 127.0.0.1:$p5
  bypass: only-local-one
  handler: {type: socks5}
  listener: {type: tcp}
YAML
bg s5-wl "$GOST" -C "$WORK/bp.yaml"
wait_tcp "$p5"
[ "$(code --socks5 "127.0.0.1:$p5" "http://127.0.0.1:$web/index.txt")" = 200 ] || fail "whitelist: listed IP refused"
out=$(curl -sS --max-time 10 -o /dev/null --socks5 "127.0.0.1:$p5" "http://127.0.0.3:$web/index.txt" 2>&1 || true)
echo "$out" | grep -q "(2)" || fail "whitelist: unlisted target not refused: $out"
out=$(curl -sS --max-time 10 -o /dev/null --socks5-hostname "127.0.0.1:$p5" "http://a.allowed.test:2000/" 2>&1 || true)
echo "$out" | grep -q "(2)" || fail "whitelist: port outside the listed range not refused: $out"
pass "config: named whitelist (reverse: true) lets only its list through"

# the web API changes a bypass on a running server: the service using it is rebuilt
p6=$(free_port); api=$(free_port)
cat >"$WORK/api.yaml" <<YAML
api: {addr: "127.0.0.1:$api"}
bypasses: [{name: b, matchers: ["127.0.0.3"]}]
services: [{name: h, addr: "127.0.0.1:$p6", bypass: b, handler: {type: http}, listener: {type: tcp}}]
YAML
bg api "$GOST" -C "$WORK/api.yaml"
wait_tcp "$p6"; wait_tcp "$api"
[ "$(code -x "http://127.0.0.1:$p6" "http://127.0.0.3:$web/index.txt")" = 403 ] || fail "api: initial bypass not applied"
r=$(curl -s --max-time 5 -XPUT "http://127.0.0.1:$api/config/bypasses/b" -d '{"name":"b","matchers":["127.0.0.1"]}')
[ "$r" = '{"msg":"OK"}' ] || fail "api: PUT /config/bypasses/b: $r"
wait_tcp "$p6"
[ "$(code -x "http://127.0.0.1:$p6" "http://127.0.0.3:$web/index.txt")" = 200 ] || fail "api: old matcher still applied"
[ "$(code -x "http://127.0.0.1:$p6" "http://127.0.0.1:$web/index.txt")" = 403 ] || fail "api: new matcher not applied"
r=$(curl -s --max-time 5 -XPOST "http://127.0.0.1:$api/config/bypasses" -d '{"name":"c","matchers":["1.2.3.4/40"]}')
echo "$r" | grep -q 'invalid bypass matcher' || fail "api: a bad matcher was accepted: $r"
pass "api: PUT /config/bypasses/b applies live; a bad matcher is refused"

# a typo in a matcher is refused at load, naming where
cat >"$WORK/bad.yaml" <<YAML
bypasses: [{name: b, matchers: ["10.0.0.0/33"]}]
services: [{name: s, addr: 127.0.0.1:0, bypass: b, handler: {type: http}}]
YAML
err=$("$GOST" -C "$WORK/bad.yaml" 2>&1 </dev/null & pid=$!; sleep 2; kill $pid 2>/dev/null; wait $pid 2>/dev/null) || true
echo "$err" | grep -q 'bypasses\[0\].matchers\[0\]: invalid bypass matcher "10.0.0.0/33"' || fail "bad matcher not refused: $err"
cat >"$WORK/bad2.yaml" <<YAML
services: [{name: s, addr: 127.0.0.1:0, bypass: nope, handler: {type: http}}]
YAML
err=$("$GOST" -C "$WORK/bad2.yaml" 2>&1 </dev/null & pid=$!; sleep 2; kill $pid 2>/dev/null; wait $pid 2>/dev/null) || true
echo "$err" | grep -q 'services\[0\].bypass: unknown bypass "nope"' || fail "unknown bypass name not refused: $err"
pass "config: bad matcher and unknown bypass name refused with their paths"
