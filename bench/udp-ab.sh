#!/usr/bin/env bash
# UDP at 1 Gbit/s, A/B: `iperf3 -u -b RATE -l 1400` through a UDP forward and through a tunnel
# (UDP visitor -> tunnel server -> rudp client -> iperf3) for each gost binary given, rounds
# interleaved (A B A B ...) so that the machine's load hits both alike. Per run it prints iperf3's
# loss, where datagrams were dropped (on gost's own sockets and on the iperf3 receiver's socket,
# both from /proc/net/udp; inside the relays: libgost's udp_dgrams_dropped counter, from each
# process's metrics endpoint, "-" for a build without it)
# and the relay processes' system calls and CPU time per datagram (perf stat, when allowed): the
# figures a busy shared machine does not distort much.
#   usage: bash bench/udp-ab.sh LABEL=PATH/TO/gost [LABEL=PATH ...]
#   env: ROUNDS=3 DUR=3 RATE=1G IPERF_ARGS= (extra iperf3 client arguments, e.g. -w 4M)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-3}
RATE=${RATE:-1G}
[ $# -ge 1 ] || { echo "usage: $0 LABEL=PATH/TO/gost ..." >&2; exit 2; }
source "$(dirname "$0")/lib.sh"
bench_workdir udpab
log() { echo "[udp-ab $(date +%T)] $*" >&2; }
bg() { "$@" >>"$W/bg.log" 2>&1 & PIDS+=($!); }
ports() { python3 "$ROOT/scripts/free-ports.py" "$1"; }
wait_port() {
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  log "port $1 did not come up"; return 1
}
HAVE_PERF=0
perf stat -e raw_syscalls:sys_enter -o /dev/null -- true 2>/dev/null && HAVE_PERF=1

# Drops counted on the UDP sockets of the given pids (the last column of /proc/net/udp{,6}).
sock_drops() {
  python3 - "$@" <<'EOF'
import os, sys
inodes = set()
for pid in sys.argv[1:]:
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                l = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if l.startswith("socket:["):
                inodes.add(l[8:-1])
    except OSError:
        pass
total = 0
for f in ("/proc/net/udp", "/proc/net/udp6"):
    for line in open(f).read().splitlines()[1:]:
        c = line.split()
        if c[9] in inodes:
            total += int(c[-1])
print(total)
EOF
}
# The iperf3 server opens a UDP socket per test and closes it at the end: its drops are sampled
# while the test runs (the largest count seen).
sample_receiver() { # outfile
  local max=0 d
  echo 0 >"$1"
  while [ -e "$W/running" ]; do
    d=$(sock_drops "$IPERF_PID")
    [ "$d" -gt "$max" ] && max=$d && echo "$max" >"$1"
    sleep 0.2
  done
}

read -r P_IPERF < <(ports 1)
bg iperf3 -s -p "$P_IPERF"
IPERF_PID=${PIDS[-1]}
wait_port "$P_IPERF" || exit 1
ID=7a1c3c55-0c43-4d5e-9a0e-1f2a6c0b9e01
LABELS=()
PIDS_RTCP=()
declare -A METRICS FWD_PORT VIS_PORT FWD_PIDS TUN_PIDS
for arg in "$@"; do
  label=${arg%%=*} bin=$(readlink -f "${arg#*=}")
  [ -x "$bin" ] || { log "$bin: not executable"; exit 1; }
  LABELS+=("$label")
  read -r p_f p_t p_v m_f m_c m_v < <(ports 6)
  METRICS[$label]="$m_f $m_c $m_v"
  # iperf3 opens a TCP control connection on the same port: each path relays TCP as well
  bg "$bin" -L "tcp://127.0.0.1:$p_f/127.0.0.1:$P_IPERF" -L "udp://127.0.0.1:$p_f/127.0.0.1:$P_IPERF?keepalive=true" \
    -metrics "127.0.0.1:$m_f"
  fwd=${PIDS[-1]}
  bg "$bin" -L "tunnel://127.0.0.1:$p_t?tunnel=iperf.local:$ID"
  srv=${PIDS[-1]}
  wait_port "$p_t" || exit 1
  bg "$bin" -L "rudp://:0/127.0.0.1:$P_IPERF" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID" -metrics "127.0.0.1:$m_c"
  cli=${PIDS[-1]}
  bg "$bin" -L "rtcp://:0/127.0.0.1:$P_IPERF" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID"
  PIDS_RTCP+=("${PIDS[-1]}")
  bg "$bin" -L "tcp://127.0.0.1:$p_v/iperf.local:0" -L "udp://127.0.0.1:$p_v/iperf.local:0?keepalive=true" \
    -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID" -metrics "127.0.0.1:$m_v"
  vis=${PIDS[-1]}
  FWD_PORT[$label]=$p_f VIS_PORT[$label]=$p_v FWD_PIDS[$label]=$fwd TUN_PIDS[$label]="$vis $srv $cli"
done
sleep 1 # the rudp clients register with their servers

# Datagrams libgost dropped inside the relays (udp_dgrams_dropped: full flow queues, full send
# buffers), summed over the metrics ports given; "-" when no process exports the counter.
relay_drops() {
  python3 - "$@" <<'EOF'
import sys, urllib.request
tot, seen = 0, False
for port in sys.argv[1:]:
    try:
        t = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except Exception:
        continue
    for line in t.splitlines():
        if line.startswith("gost_budget_limits_total") and 'limit="udp_dgrams_dropped"' in line:
            tot += int(float(line.split()[-1]))
            seen = True
print(tot if seen else "-")
EOF
}

# One iperf3 run: prints "loss% datagrams gost_drops receiver_drops syscalls/dg cpu_us/dg relay_drops".
run_one() { # metrics-ports port pids...
  local mports=$1 port=$2
  shift 2
  local r0 r1
  # shellcheck disable=SC2086
  r0=$(relay_drops $mports)
  local g0 g1 perf_pid=
  rm -f "$W/perf.txt"
  g0=$(sock_drops "$@")
  touch "$W/running"
  sample_receiver "$W/recv.txt" &
  local sampler=$!
  if [ $HAVE_PERF = 1 ] && [ $# -gt 0 ]; then
    # counts for the run's duration (+1 s: iperf3's start and end)
    perf stat -x, -e raw_syscalls:sys_enter,task-clock -o "$W/perf.txt" -p "$(echo "$@" | tr ' ' ,)" -- sleep $((DUR + 1)) &
    local perf_pid=$!
  fi
  # shellcheck disable=SC2086
  timeout $((DUR + 15)) iperf3 -c 127.0.0.1 -p "$port" -u -b "$RATE" -l 1400 -t "$DUR" ${IPERF_ARGS:-} -J >"$W/ip.json" 2>/dev/null
  if [ -n "${perf_pid:-}" ]; then
    wait "$perf_pid" 2>/dev/null
  fi
  g1=$(sock_drops "$@")
  # shellcheck disable=SC2086
  r1=$(relay_drops $mports)
  rm -f "$W/running"
  wait "$sampler"
  local rd=-
  [ "$r0" != - ] && [ "$r1" != - ] && rd=$((r1 - r0))
  python3 - "$W/ip.json" "$W/perf.txt" $((g1 - g0)) "$(cat "$W/recv.txt")" "$rd" <<'EOF'
import json, sys
ipf, perff, gd, od, rd = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
try:
    s = json.load(open(ipf))["end"]["sum"]
    loss, pk = f"{s['lost_percent']:.2f}", s["packets"]
except Exception:
    print("fail - - - - - -")
    sys.exit()
sc = cpu = "-"
try:
    for line in open(perff):
        f = line.split(",")
        if len(f) > 2 and "raw_syscalls" in f[2] and pk:
            sc = f"{int(f[0]) / pk:.2f}"
        if len(f) > 2 and "task-clock" in f[2] and pk:
            cpu = f"{float(f[0]) * 1000 / pk:.2f}"  # msec -> us per datagram
except (OSError, ValueError):
    pass
print(loss, pk, gd, od, sc, cpu, rd)
EOF
}

# Warm-up: a slow run through every path, so that flows and tunnels exist before measuring.
for l in "${LABELS[@]}"; do
  for p in "${FWD_PORT[$l]}" "${VIS_PORT[$l]}"; do
    iperf3 -c 127.0.0.1 -p "$p" -u -b 1M -l 1400 -t 1 >/dev/null 2>&1 || log "$l: warm-up through $p failed"
  done
done

log "load average: $(cut -d' ' -f1-3 /proc/loadavg); rate $RATE, $DUR s a run, $ROUNDS rounds, perf=$HAVE_PERF"
printf '%-8s %-8s %5s %8s %10s %10s %11s %12s %10s %11s\n' build path round loss% datagrams gost_drops recv_drops syscalls/dg cpu_us/dg relay_drops
for r in $(seq "$ROUNDS"); do
  # no relay: what the iperf3 pair itself loses at this rate and load
  read -r a b c d e f g < <(run_one "" "$P_IPERF")
  printf '%-8s %-8s %5s %8s %10s %10s %11s %12s %10s %11s\n' - direct "$r" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
  for l in "${LABELS[@]}"; do
    # shellcheck disable=SC2086
    read -r a b c d e f g < <(run_one "${METRICS[$l]%% *}" "${FWD_PORT[$l]}" ${FWD_PIDS[$l]})
    printf '%-8s %-8s %5s %8s %10s %10s %11s %12s %10s %11s\n' "$l" forward "$r" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
    # shellcheck disable=SC2086
    read -r a b c d e f g < <(run_one "${METRICS[$l]#* }" "${VIS_PORT[$l]}" ${TUN_PIDS[$l]})
    printf '%-8s %-8s %5s %8s %10s %10s %11s %12s %10s %11s\n' "$l" tunnel "$r" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
  done
done
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
