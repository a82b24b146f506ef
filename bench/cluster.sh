#!/usr/bin/env bash
# Scale-out benchmark (docs/cluster.md): two libgost tunnel servers sharing an sd in a local
# redis-server, an nginx backend behind a tunnel client registered on node B.
#   local:      wrk -> B's entrypoint -> B's pool -> client -> nginx
#   cross-node: wrk -> A's entrypoint -> sd lookup -> node link A->B -> B's pool -> client -> nginx
# Then the recovery time after kill -9 of B (the client's hop lists B then A).
#   usage: bash bench/cluster.sh [BUILD_DIR]     (env: DUR=3 wrk seconds, ROUNDS=3 kills)
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(cd "$ROOT" && readlink -f "$BUILD/gost")
DUR=${DUR:-3}
ROUNDS=${ROUNDS:-3}
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
source "$(dirname "$0")/lib.sh"
bench_workdir cluster-bench
for t in "$GOST" wrk nginx redis-server python3 curl; do
  command -v "$t" >/dev/null || { echo "missing: $t (run: bash scripts/install-deps.sh bench)" >&2; exit 1; }
done
log() { echo "[cluster-bench $(date +%T)] $*" >&2; }
bg() { "$@" >>"$W/bg.log" 2>&1 & PIDS+=($!); }
now_ms() { date +%s%3N; }
wait_port() {
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "port $1 did not come up"; return 1
}
read -r P_R P_HTTP P_TA P_EA P_TB P_EB P_TR P_ER < <(python3 "$ROOT/scripts/free-ports.py" 8)
TID=4d21094e-b74c-4916-86c1-d9fa36ea677b

mkdir -p "$W/www" "$W/ngx-tmp"; chmod 755 "$W" "$W/www"
head -c 612 /dev/zero | tr '\0' 'x' >"$W/www/index.html"
cat >"$W/nginx.conf" <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $W/ngx-tmp; proxy_temp_path $W/ngx-tmp; fastcgi_temp_path $W/ngx-tmp;
  uwsgi_temp_path $W/ngx-tmp; scgi_temp_path $W/ngx-tmp;
  server { listen 127.0.0.1:$P_HTTP; root $W/www; }
}
NGX
nginx -c "$W/nginx.conf" -g 'daemon on;' 2>>"$W/bg.log"
bg redis-server --port "$P_R" --bind 127.0.0.1 --save '' --appendonly no
wait_port "$P_R"; wait_port "$P_HTTP"

node() { # NAME TUNNEL_PORT ENTRY_PORT
  cat >"$W/node$1.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "127.0.0.1:$P_R", key: "gost:bench", ttl: 3s}
log: {level: warn}
services:
- name: tunnel
  addr: 127.0.0.1:$2
  handler:
    type: tunnel
    metadata: {entrypoint: "127.0.0.1:$3", tunnel: "bench.local:$TID", sd: sd-0, node.id: "node-$1",
               mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 1500ms}
  listener: {type: tcp}
YAML
  bg "$GOST" -C "$W/node$1.yaml"
}
node A "$P_TA" "$P_EA"; PID_A=${PIDS[-1]}
node B "$P_TB" "$P_EB"; PID_B=${PIDS[-1]}
wait_port "$P_TA"; wait_port "$P_TB"
cat >"$W/client.yaml" <<YAML
log: {level: warn}
services:
- name: c
  addr: ":0"
  handler: {type: rtcp}
  listener: {type: rtcp, chain: chain-0}
  forwarder: {nodes: [{name: web, addr: "127.0.0.1:$P_HTTP"}]}
chains:
- name: chain-0
  hops:
  - name: hop-0
    nodes:
    - {name: B, addr: "127.0.0.1:$P_TB", connector: {type: tunnel, metadata: {tunnel.id: "$TID", mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 1500ms}}, dialer: {type: tcp}}
    - {name: A, addr: "127.0.0.1:$P_TA", connector: {type: tunnel, metadata: {tunnel.id: "$TID", mux.keepaliveInterval: 500ms, mux.keepaliveTimeout: 1500ms}}, dialer: {type: tcp}}
YAML
bg "$GOST" -C "$W/client.yaml"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 --resolve "bench.local:$1:127.0.0.1" "http://bench.local:$1/" 2>/dev/null; }
for _ in $(seq 100); do [ "$(code "$P_EA")" = 200 ] && break; sleep 0.1; done
[ "$(code "$P_EA")" = 200 ] || { log "cross-node path not up"; exit 1; }

declare -A RPS P99
wrk_row() { # name port
  local o
  o=$(timeout $((DUR + 20)) wrk -t1 -c50 -d"${DUR}s" --latency --timeout 5s -H "Host: bench.local" "http://127.0.0.1:$2/" 2>&1)
  RPS[$1]=$(echo "$o" | awk '/^Requests\/sec/ {print $2}')
  P99[$1]=$(echo "$o" | awk '$1=="99%" {print $2}')
  local errs; errs=$(echo "$o" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')
  log "wrk $1: ${RPS[$1]:-0} req/s p99 ${P99[$1]:-?} $errs"
}
wrk_row local "$P_EB"
wrk_row cross "$P_EA"

# One machine, two processes: so_reuseport on one tunnel port and one entrypoint port, each
# process with its own node-link port; the client is on one of them, so about half of the
# requests cross between the processes.
for n in 1 2; do
  cat >"$W/rp$n.yaml" <<YAML
sds:
- name: sd-0
  redis: {addr: "127.0.0.1:$P_R", key: "gost:bench-rp", ttl: 3s}
log: {level: warn}
services:
- name: tunnel
  addr: 127.0.0.1:$P_TR
  metadata: {so_reuseport: true}
  handler:
    type: tunnel
    metadata: {entrypoint: "127.0.0.1:$P_ER", tunnel: "bench.local:$TID", sd: sd-0, node.listen: "127.0.0.1:0"}
  listener: {type: tcp}
YAML
  bg "$GOST" -C "$W/rp$n.yaml"
done
wait_port "$P_TR"; wait_port "$P_ER"
bg "$GOST" -L "rtcp://:0/127.0.0.1:$P_HTTP" -F "tunnel://127.0.0.1:$P_TR?tunnel.id=$TID"
for _ in $(seq 100); do [ "$(code "$P_ER")" = 200 ] && break; sleep 0.1; done
wrk_row reuseport "$P_ER"

# Recovery: kill -9 the node holding the client, time until the other node serves again.
# Rounds alternate: the client moves B -> A, then the killed node is restarted and the next
# kill hits the holder again.
declare -a GAPS
holder=B; other=A
declare -A TP=([A]=$P_TA [B]=$P_TB) EP=([A]=$P_EA [B]=$P_EB)
for r in $(seq "$ROUNDS"); do
  pid_var=PID_$holder
  t0=$(now_ms)
  kill -9 "${!pid_var}"; wait "${!pid_var}" 2>/dev/null
  until [ "$(code "${EP[$other]}")" = 200 ]; do
    [ $(( $(now_ms) - t0 )) -gt 30000 ] && { log "no recovery within 30 s"; break; }
    sleep 0.02
  done
  GAPS+=($(( $(now_ms) - t0 )))
  log "round $r: kill -9 node $holder -> node $other serves after ${GAPS[-1]} ms"
  node "$holder" "${TP[$holder]}" "${EP[$holder]}"; eval "PID_$holder=\${PIDS[-1]}"
  wait_port "${TP[$holder]}"
  t=$holder; holder=$other; other=$t
done

python3 - "$OUT/cluster.json" "${RPS[local]:-0}" "${P99[local]:-}" "${RPS[cross]:-0}" "${P99[cross]:-}" \
  "${RPS[reuseport]:-0}" "${P99[reuseport]:-}" "${GAPS[@]}" <<'PY'
import json, sys
out, lr, lp, cr, cp, rr, rp, *gaps = sys.argv[1:]
def ms(s):
    if not s: return None
    for suf, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if s.endswith(suf): return float(s[: -len(suf)]) * f
    return None
lr, cr = float(lr or 0), float(cr or 0)
res = {"local_rps": lr, "local_p99_ms": ms(lp), "cross_rps": cr, "cross_p99_ms": ms(cp),
       "cross_vs_local": round(cr / lr, 3) if lr else None,
       "added_p99_ms": round(ms(cp) - ms(lp), 3) if ms(cp) is not None and ms(lp) is not None else None,
       "reuseport_rps": float(rr or 0), "reuseport_p99_ms": ms(rp),
       "recovery_ms": [int(g) for g in gaps]}
json.dump(res, open(out, "w"), indent=1)
print("\n### Scale-out (two nodes, one Redis; wrk -t1 -c50, a new tunnel stream per request)\n")
print("| path | req/s | p99 |")
print("|---|---:|---:|")
print("| local (entrypoint of the node holding the client) | %.0f | %s |" % (lr, lp or "?"))
print("| cross-node (other node's entrypoint, node link) | %.0f | %s |" % (cr, cp or "?"))
print("| one machine, 2 processes, so_reuseport (about half cross-process) | %.0f | %s |" % (float(rr or 0), rp or "?"))
print("\ncross-node / local req/s: %s (target >= 0.7); added p99: %s ms (target < 1 ms)" % (res["cross_vs_local"], res["added_p99_ms"]))
print("recovery after kill -9 of the client's node: %s ms (ttl 3 s, client keepalive timeout 1.5 s, back-off 1 s)" % ", ".join(gaps))
PY
