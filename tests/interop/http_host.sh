#!/usr/bin/env bash
# HTTP routed by Host through the public entrypoint: usage http_host.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L=$(combo "$S" "$C")
read -r T E W1 W2 < <(free_ports 4)
web w1 "$W1" "backend one"; web w2 "$W2" "backend two"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=.example.com:$ID1,example.org:$ID2"
wait_tcp "$T"; wait_tcp "$E"
run c1 "$C" -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
run c2 "$C" -L "rtcp://:0/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
wait_bound c1; wait_bound c2
expect_http "$E" example.com "backend one 200" "$L"
expect_http "$E" www.example.com "backend one 200" "$L"
expect_http "$E" example.org "backend two 200" "$L"
expect_http "$E" unknown.test " 502" "$L"
