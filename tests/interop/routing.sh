#!/usr/bin/env bash
# Client-side routing (seed 001 config): the client sniffs the Host and picks its node, with a
# fallback node. usage: routing.sh SERVER CLIENT
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="client routing: $(combo "$S" "$C")"
read -r T E WA WB WF < <(free_ports 5)
web a "$WA" "backend a"; web b "$WB" "backend b"; web f "$WF" "backend f"
run server "$S" -L "tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel=.example.com:$ID1"
wait_tcp "$T"; wait_tcp "$E"
relocate client-routing.yaml "$WORK/client.yaml" tunnel="$T" web-a="$WA" web-b="$WB" web-f="$WF"
run client "$C" -C "$WORK/client.yaml"
wait_bound client
expect_http "$E" example.com "backend a 200" "$L"
expect_http "$E" sub.example.com "backend b 200" "$L"
expect_http "$E" other.example.com "backend f 200" "$L"
