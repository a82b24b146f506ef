#!/usr/bin/env bash
# Shared tunnel registry (sd) in a real redis-server: a tunnel client's BIND appears as a
# sorted-set member with the node's address and a TTL'd score; it leaves on disconnect; a
# Redis restart (empty) is followed by re-registration; after kill -9 of the node its entry
# expires within the TTL. docs/cluster.md.
source "$(dirname "$0")/lib.sh"
# Our servers listen on 127.0.0.2: the random ports other tests pick and bind on 127.0.0.1
# cannot collide with ours between free_ports and our bind.
LO=127.0.0.2
wait_tcp() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/$LO/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $LO:$1" >&2; return 1
}
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { echo "skip: redis-server/redis-cli absent"; exit 0; }

TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r R T E < <(free_ports 3)
ZKEY="gost:test:tunnel:$TID"
rc() { redis-cli -h "$LO" -p "$R" "$@"; }
start_redis() { bg "redis$1" redis-server --port "$R" --bind $LO --save '' --appendonly no; REDIS_PID=${_pids[-1]}; wait_tcp "$R"; }
members() { rc zrangebyscore "$ZKEY" "$(($(date +%s%3N)))" +inf; }

start_redis 1
cat >"$WORK/node.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "$LO:$R", db: 0, key: "gost:test", ttl: 2s}
services:
- name: tunnel
  addr: $LO:$T
  handler:
    type: tunnel
    metadata: {entrypoint: "$LO:$E", tunnel: "app.test:$TID", sd: sd-0, node.id: node-a}
  listener: {type: tcp}
YAML
bg node "$GOST" -C "$WORK/node.yaml"; NODE_PID=${_pids[-1]}
wait_tcp "$T"
bg client "$GOST" -L rtcp://:0/$LO:9 -F "tunnel://$LO:$T?tunnel.id=$TID"; CLIENT_PID=${_pids[-1]}

has_member() { members | grep -q " node-a tcp 0 $LO:$T\$"; }
retry 50 has_member || fail "connector not registered: $(rc zrange "$ZKEY" 0 -1 withscores)"
[ "$(rc get gost:test:node:node-a)" = "$LO:$T" ] || fail "node key"
ttl=$(rc pttl "$ZKEY"); [ "$ttl" -gt 0 ] && [ "$ttl" -le 2000 ] || fail "key TTL $ttl"
pass "BIND registers connector, node and TTL ($ttl ms)"

# renewal keeps it alive past the TTL
sleep 2.5; has_member || fail "registration not renewed"
pass "renewed past the TTL"

# Redis restarted empty: the node re-registers
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
start_redis 2
retry 50 has_member || fail "not re-registered after the Redis restart"
grep -q '"redis sd sd-0 .*down' "$WORK/node.log" || fail "no down log line"
pass "re-registered after a Redis restart"

# client disconnect -> removed at once
kill "$CLIENT_PID"; wait "$CLIENT_PID" 2>/dev/null || true
gone() { [ -z "$(rc zrange "$ZKEY" 0 -1)" ]; }
retry 20 gone || fail "member not removed on disconnect"
pass "removed on disconnect"

# kill -9 of the node: the entry expires within the TTL
bg client2 "$GOST" -L rtcp://:0/$LO:9 -F "tunnel://$LO:$T?tunnel.id=$TID"
retry 50 has_member || fail "second client not registered"
kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
t0=$(date +%s%3N)
expired() { [ -z "$(members)" ]; }
retry 20 expired || fail "registration outlived the TTL"
pass "kill -9: registration expired $(( $(date +%s%3N) - t0 )) ms after the kill (ttl 2000)"

# bad config: a clear refusal naming the cause
printf 'sds:\n- name: x\n  redis: {addr: "nope"}\n' >"$WORK/bad.yaml"
out=$("$GOST" -C "$WORK/bad.yaml" 2>&1 || true)
grep -q 'sds\[0\]: .*not host:port' <<<"$out" || fail "bad addr not refused clearly: $out"
printf 'sds:\n- name: x\n  redis: {addr: "$LO:1", ttl: 10ms}\n' >"$WORK/bad2.yaml"
out=$("$GOST" -C "$WORK/bad2.yaml" 2>&1 || true)
grep -q 'ttl' <<<"$out" || fail "bad ttl not refused: $out"
pass "bad sd config refused"

# The C API example: two example_cluster_node processes, a client on the second, HTTP through
# the first's entrypoint.
B=$(dirname "$GOST")
read -r TA EA TB EB W < <(free_ports 5)
mkdir -p "$WORK/web"; echo "example web" > "$WORK/web/index.html"
bg web python3 -m http.server "$W" --bind $LO --directory "$WORK/web"
bg exA "$B/example_cluster_node" "$LO:$R" "$LO:$TA" "$LO:$EA" .example.com "$TID"
bg exB "$B/example_cluster_node" "$LO:$R" "$LO:$TB" "$LO:$EB" .example.com "$TID"
wait_tcp "$TA"; wait_tcp "$TB"; wait_tcp "$W"
bg exclient "$GOST" -L "rtcp://:0/$LO:$W" -F "tunnel://$LO:$TB?tunnel.id=$TID"
out=$(retry 50 curl -fsS --max-time 3 --resolve "app.example.com:$EA:$LO" "http://app.example.com:$EA/")
[ "$out" = "example web" ] || fail "example_cluster_node: '$out'"
pass "examples/cluster_node.c: client on node 2 reached through node 1"

# Authers from Redis: an HTTP proxy whose credentials are a Redis hash. Closed until a user
# exists; a user added (HSET + PUBLISH) can use it at once; removed, refused again.
read -r HP < <(free_ports 1)
cat >"$WORK/proxy.yaml" <<YAML
authers:
- name: auther-0
  redis: {addr: "$LO:$R", key: "gost:test:users"}
  reload: 30s
services:
- name: proxy
  addr: $LO:$HP
  handler: {type: http, auther: auther-0}
  listener: {type: tcp}
YAML
bg proxy "$GOST" -C "$WORK/proxy.yaml"
wait_tcp "$HP"
pcode() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 -x "http://$1@$LO:$HP" "http://$LO:$W/" || true; }
[ "$(pcode alice:secret)" = 407 ] || fail "proxy open before any user exists: $(pcode alice:secret)"
rc hset gost:test:users alice secret >/dev/null; rc publish gost:test:users:changed alice >/dev/null
alice_ok() { [ "$(pcode alice:secret)" = 200 ]; }
retry 25 alice_ok || fail "user added in Redis refused: $(pcode alice:secret)"
[ "$(pcode alice:wrong)" = 407 ] || fail "wrong password accepted"
pass "auther from Redis: closed while empty, a user added in Redis is accepted at once"
rc hdel gost:test:users alice >/dev/null; rc publish gost:test:users:changed alice >/dev/null
alice_gone() { [ "$(pcode alice:secret)" = 407 ]; }
retry 25 alice_gone || fail "removed user still accepted"
pass "auther from Redis: a removed user is refused again (never open when empty)"
