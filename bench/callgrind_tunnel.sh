#!/usr/bin/env bash
# Instruction count of the tunnel SERVER process for a fixed transfer through a visitor
# (visitor -> server -> client -> sink), under valgrind --tool=callgrind. Stable on a shared
# machine, unlike wall-clock throughput.   usage: bash bench/callgrind_tunnel.sh [BUILD] [MiB]
set -uo pipefail
BUILD=${1:-build}
MIB=${2:-64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(cd "$ROOT" && readlink -f "$BUILD/gost")
W=$(mktemp -d /tmp/libgost-cg.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
read -r P_SINK P_T P_V < <(python3 -c '
import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1",0))
print(*[s.getsockname()[1] for s in ss])')
wait_port() { for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
ID=7a1c3c55-0c43-4d5e-9a0e-1f2a6c0b9e01
socat -u TCP-LISTEN:$P_SINK,bind=127.0.0.1,reuseaddr - 2>"$W/sink.err" | wc -c >"$W/sink.count" &
SINK=$!
valgrind --tool=callgrind --callgrind-out-file="$W/cg.%p" "$GOST" -L "tunnel://127.0.0.1:$P_T?tunnel=cg.local:$ID" >"$W/srv.log" 2>&1 &
SRV=$!; PIDS+=($SRV)
wait_port "$P_T" || { echo "server did not start"; cat "$W/srv.log"; exit 1; }
"$GOST" -L "rtcp://:0/127.0.0.1:$P_SINK" -F "tunnel://127.0.0.1:$P_T?tunnel.id=$ID" >>"$W/cli.log" 2>&1 & PIDS+=($!)
"$GOST" -L "tcp://127.0.0.1:$P_V/cg.local:0" -F "tunnel://127.0.0.1:$P_T?tunnel.id=$ID" >>"$W/cli.log" 2>&1 & PIDS+=($!)
# no connect probe on the visitor: it would open a tunnelled connection to the one-shot sink
for _ in $(seq 100); do ss -ltn | grep -q "127.0.0.1:$P_V " && break; sleep 0.1; done; sleep 2
callgrind_control -z "$SRV" >/dev/null 2>&1
T0=$(date +%s.%N)
head -c $((MIB * 1024 * 1024)) /dev/zero | socat -u - TCP:127.0.0.1:$P_V
wait $SINK
T1=$(date +%s.%N)
callgrind_control -d "$SRV" >/dev/null 2>&1
sleep 1
F=$(ls -t "$W"/cg.* | head -1)
IR=$(awk '/^summary:|^totals:/ {print $2; exit}' "$F")
BYTES=$(cat "$W/sink.count")
python3 -c "
ir=$IR; b=$BYTES
print(f'bytes={b} server_Ir={ir} Ir_per_MiB={ir/(b/1048576):.0f} wall={$T1-$T0:.1f}s')"
[ "$BYTES" -gt 0 ] || { cat "$W/sink.err" "$W/srv.log" "$W/cli.log" | tail -30; }
if [ -n "${ANNOTATE:-}" ]; then callgrind_annotate --threshold=100 "$F" 2>/dev/null | grep -A25 "file:function"; fi
