#!/usr/bin/env bash
# make bench-wan: single-stream TCP throughput over an emulated WAN link (two network namespaces
# joined by gost-linkemu), plain TCP vs the tunnel (visitor -> server ==link==> client -> iperf3)
# with libgost at both ends, stock GOST at both ends, and each mixed pair.
#   usage: bash bench/wan.sh [BUILD_DIR]
#   env: WAN_RTTS="20 100 200" (ms), WAN_LOSSES="0 0.5" (%), WAN_RATE=100 (Mbit/s),
#        WAN_DUR=10 (iperf3 seconds, after 2 omitted), WAN_ROWS="plain lg stock lg_stock stock_lg",
#        WAN_BASE=/path/to/an/older/gost adds a row "base" (A/B against another libgost build)
# Needs root, /dev/net/tun and `ip netns`; says why and exits 0 where it cannot run.
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(readlink -f "$ROOT/$BUILD/gost" 2>/dev/null || readlink -f "$BUILD/gost")
export GOST_BUILD_DIR=$(cd "$ROOT" && readlink -f "$BUILD")
RTTS=${WAN_RTTS:-20 100 200}
LOSSES=${WAN_LOSSES:-0 0.5}
RATE=${WAN_RATE:-100}
DUR=${WAN_DUR:-10}
ROWS=${WAN_ROWS:-plain lg stock lg_stock stock_lg}
BASE=${WAN_BASE:-}
[ -n "$BASE" ] && ROWS="$ROWS base"
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/libgost-wan.XXXXXX)
source "$ROOT/tests/sh/wanlink.sh"
source "$ROOT/bench/stock.sh"
R="$WORK/results.txt"
: >"$R"
PIDS=()
log() { echo "[wan $(date +%T)] $*" >&2; }

stop_procs() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  PIDS=()
}
cleanup() {
  stop_procs
  wan_teardown
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! why=$(wan_check); then
  echo "bench-wan skipped: $why"
  exit 0
fi
for t in "$GOST" iperf3 python3; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
STOCK=$(stock_gost "$WORK/stock")
[ -n "$STOCK" ] || ROWS=$(echo "$ROWS" | tr ' ' '\n' | grep -v stock | tr '\n' ' ')

ID=7a1c3c55-0c43-4d5e-9a0e-1f2a6c0b9e01
P_T=8421 P_V=9000 P_IPERF=5201 # fresh namespaces: nothing else listens there
inb() { # side name cmd...: background process in a namespace, logged
  local side=$1 name=$2; shift 2
  ip netns exec "$side" "$@" >>"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}

# iperf3 through the path until a 1 KiB transfer succeeds (the tunnel client has registered).
ready() { # port
  local i
  for i in $(seq 60); do
    wan_a timeout 5 iperf3 -c 127.0.0.1 -p "$1" -n 1K >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  return 1
}

measure() { # key host port: one retry when iperf3 fails (its error is logged)
  local key=$1 host=$2 port=$3 bps try
  for try in 1 2; do
    wan_a timeout $((DUR + 30)) iperf3 -c "$host" -p "$port" -t "$DUR" -O 2 -J >"$WORK/ip.json" 2>/dev/null
    bps=$(python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("fail no output"); sys.exit()
if "error" in j:
    print("fail " + j["error"].replace("\n", " "))
else:
    print("%.1f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6))' "$WORK/ip.json")
    case $bps in fail*) log "$key: iperf3 $bps (try $try)"; bps=fail ;; *) break ;; esac
  done
  printf '%s\t%s\n' "$key" "$bps" >>"$R"
  log "$key: $bps Mbit/s"
}

# tunnel row: server and visitor binaries (side a), client binary (side b)
tunnel_row() { # key server_bin client_bin
  local key=$1 sbin=$2 cbin=$3
  inb "$WAN_A" "$key.server" "$sbin" -L "tunnel://$WAN_IP_A:$P_T?tunnel=iperf.local:$ID"
  inb "$WAN_B" "$key.client" "$cbin" -L "rtcp://:0/$WAN_IP_B:$P_IPERF" -F "tunnel://$WAN_IP_A:$P_T?tunnel.id=$ID"
  inb "$WAN_A" "$key.visitor" "$sbin" -L "tcp://127.0.0.1:$P_V/iperf.local:0" -F "tunnel://$WAN_IP_A:$P_T?tunnel.id=$ID"
  if ready "$P_V"; then
    measure "$key" 127.0.0.1 "$P_V"
  else
    log "$key: tunnel did not come up"
    printf '%s\t%s\n' "$key" "fail" >>"$R"
  fi
  stop_procs
}

wan_setup || { echo "bench-wan skipped: cannot create namespaces"; exit 0; }
log "link ${RATE} Mbit/s; RTTs: $RTTS ms; loss: $LOSSES %; rows: $ROWS; stock: ${STOCK:-none}"
for rtt in $RTTS; do
  for loss in $LOSSES; do
    # queue: one BDP of the link at most (a router port), at least 20 ms
    q=$((rtt > 20 ? rtt : 20))
    wan_link -d "$(python3 -c "print($rtt/2)")" -l "$loss" -R "$RATE" -q "$q" -s 7 || { log "emulator failed"; exit 1; }
    ip netns exec "$WAN_B" iperf3 -s -p "$P_IPERF" -B "$WAN_IP_B" >"$WORK/iperf3.log" 2>&1 &
    IPERF_PID=$!
    sleep 0.3
    tag="rtt${rtt}_loss${loss}"
    for row in $ROWS; do
      case $row in
      plain) measure "plain.$tag" "$WAN_IP_B" "$P_IPERF" ;;
      lg) tunnel_row "lg.$tag" "$GOST" "$GOST" ;;
      stock) tunnel_row "stock.$tag" "$STOCK" "$STOCK" ;;
      lg_stock) tunnel_row "lg_stock.$tag" "$GOST" "$STOCK" ;;
      stock_lg) tunnel_row "stock_lg.$tag" "$STOCK" "$GOST" ;;
      base) tunnel_row "base.$tag" "$BASE" "$BASE" ;;
      esac
    done
    kill "$IPERF_PID" 2>/dev/null; wait "$IPERF_PID" 2>/dev/null
    wan_link_stop
    cat "$WORK/linkemu.log" >&2
  done
done

python3 - "$R" "$OUT" "$RATE" "$DUR" "$RTTS" "$LOSSES" <<'PYEOF'
import datetime, json, os, sys
res, out, rate, dur, rtts, losses = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(), sys.argv[6].split()
r = {}
for line in open(res):
    k, _, v = line.rstrip("\n").partition("\t")
    try:
        r[k] = float(v)
    except ValueError:
        r[k] = None
def f(v):
    return "-" if v is None else f"{v:.1f}"
def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"
names = [("plain", "plain TCP"), ("lg", "libgost"), ("stock", "stock"),
         ("lg_stock", "libgost srv / stock cli"), ("stock_lg", "stock srv / libgost cli"),
         ("base", "base libgost (WAN_BASE)")]
names = [x for x in names if any(k.startswith(x[0] + ".") for k in r)]  # rows this run measured
head = ["RTT ms", "loss %"] + [n for _, n in names] + ["libgost/plain", "stock/plain", "libgost/stock"]
rows = []
for rtt in rtts:
    for loss in losses:
        t = f"rtt{rtt}_loss{loss}"
        v = {k: r.get(f"{k}.{t}") for k, _ in names}
        rows.append([rtt, loss] + [f(v[k]) for k, _ in names] +
                    [ratio(v.get("lg"), v.get("plain")), ratio(v.get("stock"), v.get("plain")),
                     ratio(v.get("lg"), v.get("stock"))])
w = [max(len(str(x[i])) for x in [head] + rows) for i in range(len(head))]
line = lambda x: "| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(x)) + " |"
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
text = (f"bench-wan {stamp}: single TCP stream, Mbit/s at the receiver (iperf3 -t {dur} -O 2), "
        f"emulated link {rate} Mbit/s each way; tunnel = visitor -> server ==link==> client -> iperf3\n\n"
        + "\n".join([line(head), "|" + "|".join("-" * (n + 2) for n in w) + "|"] + [line(x) for x in rows]) + "\n")
print(text)
with open(os.path.join(out, "wan.md"), "w") as fh:
    fh.write("# bench-wan results\n\n" + text)
with open(os.path.join(out, "wan.json"), "w") as fh:
    json.dump({"time": stamp, "rate_mbit": float(rate), "duration_s": int(dur), "mbit_s": r}, fh, indent=1)
PYEOF
