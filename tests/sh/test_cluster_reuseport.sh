#!/usr/bin/env bash
# N libgost processes on one machine (docs/cluster.md): two tunnel servers share the tunnel and
# entrypoint ports through so_reuseport and one sd; each has its own node-link port
# (node.listen). The kernel spreads public connections over both; requests that land on the
# process without the client are forwarded to the other one.
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
read -r R T E W < <(free_ports 4)
bg redis redis-server --port "$R" --bind $LO --save '' --appendonly no
mkdir -p "$WORK/web"; echo "backend web" > "$WORK/web/index.html"
bg web python3 -m http.server "$W" --bind $LO --directory "$WORK/web"
wait_tcp "$R"; wait_tcp "$W"
for n in 1 2; do
  cat >"$WORK/p$n.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "$LO:$R", key: "gost:rp", ttl: 2s}
services:
- name: tunnel
  addr: $LO:$T
  metadata: {so_reuseport: true}
  handler:
    type: tunnel
    metadata: {entrypoint: "$LO:$E", tunnel: "web.test:$TID", sd: sd-0, node.listen: "$LO:0", node.id: "proc-$n"}
  listener: {type: tcp}
YAML
  bg "p$n" "$GOST" -C "$WORK/p$n.yaml"
done
wait_tcp "$T"; wait_tcp "$E"
retry 50 grep -q 'node links listening' "$WORK/p2.log" || fail "second process did not start (so_reuseport)"
pass "two processes listen on one tunnel port and one entrypoint port"
bg client "$GOST" -L "rtcp://:0/$LO:$W" -F "tunnel://$LO:$T?tunnel.id=$TID"
registered() { [ -n "$(redis-cli -h "$LO" -p "$R" zrange "gost:rp:tunnel:$TID" 0 -1)" ]; }
retry 50 registered || fail "client not registered"
ok=0
for i in $(seq 1 30); do
  [ "$(curl -s --max-time 3 --resolve "web.test:$E:$LO" "http://web.test:$E/")" = "backend web" ] && ok=$((ok + 1))
done
[ "$ok" = 30 ] || fail "only $ok/30 requests served"
holder=$(redis-cli -h "$LO" -p "$R" zrange "gost:rp:tunnel:$TID" 0 -1 | awk '{print $2}'); holder=${holder#proc-}
other=$((3 - holder))
grep -q 'node link from' "$WORK/p$holder.log" || fail "no request crossed from process $other to $holder (the kernel sent all 30 to one process?)"
pass "30/30 requests through the shared entrypoint; process $other forwarded to process $holder"
