#!/usr/bin/env bash
# TLS passthrough routed by SNI at the entrypoint to a TLS backend behind the tunnel; curl
# verifies the backend's certificate end to end. usage: tls_sni.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="tls by SNI: $(combo "$S" "$C")"
read -r T E B < <(free_ports 3)
mkcerts backend secure.test
bg backend openssl s_server -accept "$B" -cert "$WORK/backend.pem" -key "$WORK/backend.key" -www -quiet
wait_tcp "$B"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=secure.test:$ID1"
wait_tcp "$T"; wait_tcp "$E"
run client "$C" -L "rtcp://:0/127.0.0.1:$B" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
wait_bound client
got=
for _ in $(seq 1 40); do
  got=$(curl -sS --max-time 5 --cacert "$WORK/ca.pem" --resolve "secure.test:$E:127.0.0.1" "https://secure.test:$E/" 2>&1 | grep -m1 -o 's_server' || true)
  [ "$got" = s_server ] && break; sleep 0.25
done
[ "$got" = s_server ] || fail "$L: https://secure.test through the entrypoint"
pass "$L: https://secure.test verified end to end"
