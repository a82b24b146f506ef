#!/usr/bin/env bash
# Limiter benchmark (docs/limiters.md, docs/performance.md): a 10 MB/s traffic limit measured
# over ~5 s with iperf3 through a limited forward service, and the throughput of an unlimited
# neighbour service alone and while the limited flow runs. Loopback only, kernel-assigned
# ports; prints numbers, asserts nothing (make bench-limits).
#   usage: bash bench/limits.sh [BUILD_DIR]        (env: DUR=5 seconds per run, RATE=10MB)
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(cd "$ROOT" && readlink -f "$BUILD/gost")
DUR=${DUR:-5}
RATE=${RATE:-10MB}
source "$(dirname "$0")/lib.sh"
bench_workdir bench-limits
for t in "$GOST" iperf3 python3; do
  command -v "$t" >/dev/null || { echo "missing: $t (run: bash scripts/install-deps.sh bench)" >&2; exit 1; }
done
bg() { "$@" >>"$W/bg.log" 2>&1 & PIDS+=($!); }
wait_port() {
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2; exit 1
}
read -r P1 P2 P3 PL PD PF < <(python3 "$ROOT/scripts/free-ports.py" 6)
bg iperf3 -s -p "$P1" # one iperf3 server per flow: a server finishing a run refuses the next
bg iperf3 -s -p "$P2"
bg iperf3 -s -p "$P3"
cat >"$W/gost.yaml" <<EOF
services:
- {name: limited, addr: "127.0.0.1:$PL", limiter: cap, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: a, addr: "127.0.0.1:$P1"}]}}
- {name: limited-down, addr: "127.0.0.1:$PD", limiter: cap, handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: a, addr: "127.0.0.1:$P3"}]}}
- {name: free, addr: "127.0.0.1:$PF", handler: {type: tcp}, listener: {type: tcp},
   forwarder: {nodes: [{name: b, addr: "127.0.0.1:$P2"}]}}
limiters:
- {name: cap, limits: ["\$ $RATE $RATE"]}
EOF
bg "$GOST" -C "$W/gost.yaml"
wait_port "$P1"; wait_port "$P2"; wait_port "$P3"; wait_port "$PL"; wait_port "$PD"; wait_port "$PF"

# received bytes/s of one iperf3 run (JSON): the receiver's count, not what sits in buffers
rx() { python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['end']['sum_received']; print(e['bytes']/e['seconds'])" "$1"; }
limit_bps=$(python3 -c "
u={'B':1,'KB':1024,'MB':1<<20,'GB':1<<30}; import re; m=re.fullmatch(r'([0-9.]+)([A-Z]*)','$RATE'); print(float(m[1])*u[m[2] or 'B'])")

ROUNDS=${ROUNDS:-3}
# Rounds alternate the neighbour alone and beside the limited flow (up, down, up, ...), so that
# load from outside the benchmark hits both alike; each run is a separate iperf3 test.
for r in $(seq "$ROUNDS"); do
  dir=up port=$PL flag=""
  [ $((r % 2)) = 0 ] && dir=down port=$PD flag="-R"
  echo "[bench-limits] round $r: neighbour alone, then beside the limited flow ($RATE, $dir)" >&2
  iperf3 -c 127.0.0.1 -p "$PF" -t "$((DUR - 1))" -J >"$W/alone_$r.json" || exit 1
  sleep 1 # the neighbour's server is ready for the next run
  iperf3 -c 127.0.0.1 -p "$port" -t "$DUR" $flag -J >"$W/lim_${r}_$dir.json" &
  lp=$!
  sleep 0.5 # the limited flow is running before the neighbour starts
  iperf3 -c 127.0.0.1 -p "$PF" -t "$((DUR - 1))" -J >"$W/beside_$r.json" || exit 1
  wait $lp || exit 1
  sleep 1
done
python3 - "$W" "$limit_bps" "$DUR" "$RATE" <<'PY'
import glob, json, statistics, sys
w, limit, dur, rate = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
def rx(f):
    e = json.load(open(f))["end"]["sum_received"]
    return e["bytes"] / e["seconds"]
lim = {d: [rx(f) for f in sorted(glob.glob(f"{w}/lim_*_{d}.json"))] for d in ("up", "down")}
alone = [rx(f) for f in sorted(glob.glob(f"{w}/alone_*.json"))]
beside = [rx(f) for f in sorted(glob.glob(f"{w}/beside_*.json"))]
g = lambda v: f"{v * 8 / 1e9:.2f}"
print(f"| measurement (iperf3 through `gost -L tcp`, loopback, {len(alone)} rounds of {dur} s) | value |")
print("| --- | --- |")
for d, name in (("up", "up (client sends)"), ("down", "down (-R, client receives)")):
    if lim[d]:
        vals = ", ".join(f"{v / 1048576:.2f}" for v in lim[d])
        worst = max(abs(v / limit - 1) for v in lim[d]) * 100
        print(f"| limited flow `$ {rate} {rate}`, {name} | {vals} MiB/s (worst {worst:.1f} % off the limit) |")
print(f"| unlimited neighbour alone: median (best) | {g(statistics.median(alone))} ({g(max(alone))}) Gbit/s |")
print(f"| unlimited neighbour beside the limited flow: median (best) | {g(statistics.median(beside))} ({g(max(beside))}) Gbit/s |")
PY
