#!/usr/bin/env bash
# entrypoint.id: a visitor using the entrypoint's ID is routed by host like the public
# entrypoint (ingress rule, private rules refused). usage: entrypoint_id.sh S C V
source "$(dirname "$0")/lib.sh"
S=$1 C=$2 V=$3; L="entrypoint.id: $(combo "$S" "$C" "$V")"
EPID=22f43305-42f7-4232-bbbc-aa6c042e3bc3
read -r T E W V1 < <(free_ports 4)
web w "$W" "backend web"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&entrypoint.id=$EPID&tunnel=web.test:$ID1"
wait_tcp "$T"; wait_tcp "$E"
run client "$C" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
wait_bound client
run visitor "$V" -L "tcp://127.0.0.1:$V1/web.test:80" -F "tunnel://127.0.0.1:$T?tunnel.id=$EPID"
wait_tcp "$V1"
expect_http "$V1" web.test "backend web 200" "$L"
