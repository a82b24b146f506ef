#!/usr/bin/env bash
# make bench-scale: SCALE_N (100 000) concurrent tunnelled TCP streams held by ONE tunnel server
# process. The visitors, tunnel clients and the load are split into SCALE_SHARDS shards (each
# with its own tunnel ID, visitor, client and bench/idle_conns.py process) so that no process
# needs more file descriptors than the sandbox allows (20 000); the server holds every stream
# on its few mux carriers. Prints the server's RSS per stream, the others' totals and the time
# to open all streams. Bounded: gives up after SCALE_TIMEOUT (240) s.
# The visitors use multiplexed visitor sessions (tunnel.mux=true, docs/tunnel.md §10): one carrier
# per visitor, so the server's fd count does not grow with the streams. SCALE_MUX=0 measures the
# stock-style visitor instead (one server fd per stream: capped at the fd limit).
#   usage: bash bench/scale.sh [BUILD_DIR]      env: SCALE_N=100000 SCALE_SHARDS=12 SCALE_MUX=1
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(cd "$ROOT" && readlink -f "$BUILD/gost")
N=${SCALE_N:-100000}
W=$(mktemp -d /tmp/libgost-scale.XXXXXX)
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
PIDS=()
ulimit -n "$(ulimit -Hn)" 2>/dev/null
LIMIT=$(ulimit -n)
log() { echo "[scale $(date +%T)] $*" >&2; }
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Without tunnel.mux a visitor opens one TCP connection to the server per tunnelled connection
# (as stock does), so the server holds one fd per stream: N is capped by its fd limit.
MUX=${SCALE_MUX:-1}
VQ=""; [ "$MUX" = 1 ] && VQ="&tunnel.mux=true"
NOTE=""
if [ "$MUX" != 1 ] && [ $((N + 256)) -gt "$LIMIT" ]; then
  NOTE="capped at the server's fd limit ($LIMIT, hard limit $(ulimit -Hn)): one fd per visitor stream"
  N=$((LIMIT - 256))
  log "$N streams: $NOTE"
fi
SHARDS=${SCALE_SHARDS:-$(((2 * N + LIMIT - 129) / (LIMIT - 128)))} # each load process holds 2 fds a stream
PER=$((N / SHARDS)) EXTRA=$((N % SHARDS)) # the first EXTRA shards take one stream more
bg() { local name=$1; shift; "$@" >"$W/$name.log" 2>&1 & PIDS+=($!); }
ports() { # N free loopback ports below the ephemeral range (outgoing connections cannot take them)
  python3 "$ROOT/scripts/free-ports.py" "$1"
}
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "port $1 did not come up"
  return 1
}
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
sum_kib() { local s=0 p; for p in "$@"; do s=$((s + $(kib "$p" VmRSS))); done; echo $s; }

read -r -a SP < <(ports $((2 * SHARDS + 1))) # all at once: none is bound before the last is drawn
P_T=${SP[-1]}
shard_id() { python3 -c "import uuid; print(uuid.UUID(int=0x5ca1e000000040008000000000000000 + $1))"; }
RULES=""
for i in $(seq 1 "$SHARDS"); do RULES="$RULES${RULES:+,}s$i.scale.local:$(shard_id "$i")"; done
# visitors are routed by host (the server's tunnel= rules), one tunnel ID per shard
bg server "$GOST" -L "tunnel://127.0.0.1:$P_T?tunnel=$RULES"
SRV=${PIDS[-1]}
wait_port "$P_T" || exit 1
CLI=() VIS=() PYS=()
for i in $(seq 1 "$SHARDS"); do
  id=$(shard_id "$i")
  pv=${SP[$((2 * i - 2))]} ph=${SP[$((2 * i - 1))]}
  bg "client$i" "$GOST" -L "rtcp://:0/127.0.0.1:$ph" -F "tunnel://127.0.0.1:$P_T?tunnel.id=$id"
  CLI+=(${PIDS[-1]})
  bg "visitor$i" "$GOST" -L "tcp://127.0.0.1:$pv/s$i.scale.local:0" -F "tunnel://127.0.0.1:$P_T?tunnel.id=$id$VQ"
  VIS+=(${PIDS[-1]})
  echo "$pv $ph" >"$W/shard$i"
done
for i in $(seq 1 "$SHARDS"); do read -r pv ph <"$W/shard$i"; wait_port "$pv" || exit 1; done
sleep 1 # clients register
base_srv=$(kib "$SRV" VmRSS) base_cli=$(sum_kib "${CLI[@]}") base_vis=$(sum_kib "${VIS[@]}")
for i in $(seq 1 "$SHARDS"); do
  read -r pv ph <"$W/shard$i"
  mkdir -p "$W/s$i"
  python3 "$ROOT/bench/idle_conns.py" "$pv" "$ph" "$((PER + (i <= EXTRA)))" "$W/s$i/idle.fifo" >"$W/load$i.out" 2>&1 &
  PYS+=($!)
  PIDS+=($!)
done
for i in $(seq 1 "$SHARDS"); do
  for _ in $(seq 100); do grep -q baseline "$W/load$i.out" 2>/dev/null && break; sleep 0.1; done
done
log "opening $N streams: $SHARDS shards of $PER-$((PER + (EXTRA > 0))) through one server (pid $SRV)"
t0=$(date +%s.%N)
for i in $(seq 1 "$SHARDS"); do touch "$W/s$i/idle.go"; done
deadline=$((SECONDS + ${SCALE_TIMEOUT:-240})) # one bound for all shards
for i in $(seq 1 "$SHARDS"); do
  until grep -q -e ready -e error "$W/load$i.out" 2>/dev/null || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
done
t1=$(date +%s.%N)
sleep 2 # let the last frames settle before reading memory
held=0 errors=0
for i in $(seq 1 "$SHARDS"); do
  h=$(awk '/ready/ {print $2}' "$W/load$i.out")
  held=$((held + ${h:-0}))
  grep -q error "$W/load$i.out" && errors=$((errors + 1))
done
srv_fds=$(ls "/proc/$SRV/fd" 2>/dev/null | wc -l)
srv=$(kib "$SRV" VmRSS) srv_hwm=$(kib "$SRV" VmHWM) cli=$(sum_kib "${CLI[@]}") vis=$(sum_kib "${VIS[@]}")
alive=$(kill -0 "$SRV" 2>/dev/null && echo yes || echo no)
for i in $(seq 1 "$SHARDS"); do touch "$W/s$i/idle.stop"; done
for p in "${PYS[@]}"; do wait "$p" 2>/dev/null; done
python3 - "$OUT" "$N" "$NOTE" "$held" "$errors" "$alive" "$t0" "$t1" "$base_srv" "$srv" "$srv_hwm" "$base_cli" "$cli" \
  "$base_vis" "$vis" "$SHARDS" "$srv_fds" "$MUX" <<'PYEOF'
import datetime, json, os, sys
out = sys.argv[1]
n, note, held, errors = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
alive = sys.argv[6]
t0, t1 = float(sys.argv[7]), float(sys.argv[8])
b_s, s, hwm, b_c, c, b_v, v, shards, fds, mux = map(int, sys.argv[9:])
per = lambda a, b: (b - a) / held if held else 0.0
r = {"streams_wanted": n, "note": note, "visitor_mux": bool(mux), "server_fds": fds, "streams_held": held, "shards": shards, "shard_errors": errors,
     "server_alive": alive == "yes", "open_s": round(t1 - t0, 2),
     "streams_per_s": round(held / (t1 - t0), 0) if t1 > t0 else 0,
     "server_rss_kib": s, "server_hwm_kib": hwm, "server_kib_per_stream": round(per(b_s, s), 2),
     "clients_kib_per_stream": round(per(b_c, c), 2), "visitors_kib_per_stream": round(per(b_v, v), 2)}
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
text = (f"bench-scale {stamp}: {held} of {n} tunnelled streams held at once by one tunnel server "
        f"({shards} visitor/client pairs, {'multiplexed visitor sessions' if mux else 'one visitor connection per stream'}); "
        f"opened in {r['open_s']} s ({r['streams_per_s']:.0f}/s); server fds {fds}\n"
        + (f"note: {note}\n" if note else "") +
        f"server RSS {b_s} -> {s} KiB (peak {hwm}): {r['server_kib_per_stream']} KiB per stream; "
        f"tunnel clients {r['clients_kib_per_stream']} KiB, visitors {r['visitors_kib_per_stream']} KiB per stream "
        f"(RSS growth summed over the processes)\n"
        f"result: {'OK' if held == n and not errors and alive == 'yes' else 'INCOMPLETE'}"
        f"{'' if alive == 'yes' else ' (server died)'}{f' ({errors} shards reported errors)' if errors else ''}\n")
print(text)
with open(os.path.join(out, "scale.md"), "w") as fh:
    fh.write("# bench-scale results\n\n" + text)
with open(os.path.join(out, "scale.json"), "w") as fh:
    json.dump({"time": stamp, **r}, fh, indent=1)
sys.exit(0 if held == n and not errors and alive == "yes" else 1)
PYEOF
