#!/usr/bin/env bash
# The tunnel over tunnel+tls and tunnel+wss: web by Host. usage: transports.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2
read -r T1 E1 T2 E2 W < <(free_ports 5)
mkcerts server tunnel.local
web w "$W" "backend web"
CERT="certFile=$WORK/server.pem&keyFile=$WORK/server.key"
for tr in tls wss; do
  if [ $tr = tls ]; then T=$T1 E=$E1; else T=$T2 E=$E2; fi
  run "server-$tr" "$S" -L "tunnel+$tr://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=web.test:$ID1&$CERT"
  wait_tcp "$T"; wait_tcp "$E"
  run "client-$tr" "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel+$tr://127.0.0.1:$T?tunnel.id=$ID1"
  wait_bound "client-$tr"
  expect_http "$E" web.test "backend web 200" "tunnel+$tr: $(combo "$S" "$C")"
done
