#!/usr/bin/env bash
# Node links over mTLS (docs/cluster.md): two tunnel servers whose tunnel ports are mtls
# listeners; node.tls presents a client certificate and verifies the peer against the CA. A
# node with the wrong CA cannot link (503), a node without node.tls is refused by the mtls port.
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
read -r R TA EA TB EB TC EC TD ED W < <(free_ports 10)
cd "$WORK"
# one self-signed certificate is the CA, the servers' and the clients' certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=node.test" \
  -addext "subjectAltName=DNS:node.test" -keyout node.key -out node.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=other" \
  -addext "subjectAltName=DNS:node.test" -keyout other.key -out other.pem 2>/dev/null
bg redis redis-server --port "$R" --bind $LO --save '' --appendonly no
mkdir web; echo "backend web" > web/index.html
bg web python3 -m http.server "$W" --bind $LO --directory "$WORK/web"
wait_tcp "$R"; wait_tcp "$W"
node() { # NAME TUNNEL_PORT ENTRY_PORT NODE_TLS_METADATA
  cat >"node$1.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "$LO:$R", key: "gost:tls", ttl: 2s}
services:
- name: tunnel
  addr: $LO:$2
  handler:
    type: tunnel
    metadata: {entrypoint: "$LO:$3", tunnel: "web.test:$TID", sd: sd-0, node.id: "node-$1", $4}
  listener: {type: mtls, metadata: {certFile: $WORK/node.pem, keyFile: $WORK/node.key, caFile: $WORK/node.pem}}
YAML
  bg "node$1" "$GOST" -C "node$1.yaml"
}
GOOD="node.tls: true, node.tls.caFile: $WORK/node.pem, node.tls.certFile: $WORK/node.pem, node.tls.keyFile: $WORK/node.key, node.tls.serverName: node.test, node.tls.secure: true"
node A "$TA" "$EA" "$GOOD"
node B "$TB" "$EB" "$GOOD"
node C "$TC" "$EC" "node.tls: true, node.tls.caFile: $WORK/other.pem, node.tls.certFile: $WORK/node.pem, node.tls.keyFile: $WORK/node.key, node.tls.serverName: node.test, node.tls.secure: true"
node D "$TD" "$ED" "node.secret: x"
for p in $TA $TB $TC $TD; do wait_tcp "$p"; done
cat >client.yaml <<YAML
services:
- name: c
  addr: ":0"
  handler: {type: rtcp}
  listener: {type: rtcp, chain: chain-0}
  forwarder: {nodes: [{name: web, addr: "$LO:$W"}]}
chains:
- name: chain-0
  hops:
  - name: hop-0
    nodes:
    - name: B
      addr: $LO:$TB
      connector: {type: tunnel, metadata: {tunnel.id: "$TID"}}
      dialer: {type: tls, metadata: {certFile: $WORK/node.pem, keyFile: $WORK/node.key, caFile: $WORK/node.pem, serverName: node.test}}
YAML
bg client "$GOST" -C client.yaml
registered() { [ -n "$(redis-cli -h "$LO" -p "$R" zrange "gost:tls:tunnel:$TID" 0 -1)" ]; }
retry 50 registered || fail "client not registered on B"
get() { curl -s --max-time 3 --resolve "web.test:$1:$LO" "http://web.test:$1/" || true; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 --resolve "web.test:$1:$LO" "http://web.test:$1/" || true; }
[ "$(retry 20 get "$EA")" = "backend web" ] || fail "HTTP through A over an mTLS node link: $(get "$EA")"
grep -q "node link to $LO:$TB up" nodeA.log || fail "A's node link not up"
pass "HTTP through node A reaches the client on B over an mTLS node link"
[ "$(code "$EC")" = 503 ] || fail "node C with the wrong CA: $(code "$EC")"
grep -q "node link to $LO:$TB: TLS" nodeC.log || grep -q "node link to $LO:$TB refused" nodeC.log ||
  fail "C's failure not logged: $(grep 'node link' nodeC.log | tail -2)"
pass "node with an untrusted peer certificate: no link, 503"
[ "$(code "$ED")" = 503 ] || fail "node D without node.tls: $(code "$ED")"
pass "node without node.tls cannot link to an mtls tunnel port: 503"
