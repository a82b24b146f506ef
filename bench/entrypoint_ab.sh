#!/usr/bin/env bash
# Interleaved A/B of the tunnel entrypoint against nginx's reverse proxy: the same nginx backend,
# one tunnel server + rtcp client per gost binary (no option set, i.e. the default entrypoint),
# wrk -t1 -c50 keep-alive (req/s) and with 'Connection: close' (new conn/s), ROUNDS rounds with
# the paths in turn so that load from other users of the machine hits all of them alike.
#   usage: bash bench/entrypoint_ab.sh GOST_A [GOST_B ...]
#   env: DUR=3 ROUNDS=3 EP_OPTS='' (extra tunnel URL options, e.g. '&entrypoint.keepalive=false')
#        PERF=1: perf record the first binary's tunnel server during its first keep-alive run
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${DUR:-3}
ROUNDS=${ROUNDS:-3}
source "$(dirname "$0")/lib.sh"
bench_workdir epab
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ $# -ge 1 ] || { echo "usage: $0 GOST_A [GOST_B ...]" >&2; exit 2; }
for t in wrk nginx python3; do command -v $t >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
wait_port() {
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 did not come up" >&2; return 1
}
ID=4d21094e-b74c-4916-86c1-d9fa36ea677b
read -r P_HTTP P_RP < <(python3 "$ROOT/scripts/free-ports.py" 2)
mkdir -p "$W/www"; chmod 755 "$W" "$W/www"
head -c 612 /dev/zero | tr '\0' 'x' >"$W/www/index.html"
cat >"$W/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $W/t; proxy_temp_path $W/t; fastcgi_temp_path $W/t; uwsgi_temp_path $W/t; scgi_temp_path $W/t;
  server { listen 127.0.0.1:$P_HTTP; root $W/www; }
  upstream be { server 127.0.0.1:$P_HTTP; keepalive 64; }
  server { listen 127.0.0.1:$P_RP;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
EOF
nginx -c "$W/nginx.conf" -p "$W" -g 'daemon on;' || { cat "$W/nginx.err"; exit 1; }
EPS=() SRVS=() NAMES=()
i=0
for bin in "$@"; do
  read -r p_t p_e < <(python3 "$ROOT/scripts/free-ports.py" 2)
  "$bin" -L "tunnel://127.0.0.1:$p_t?entrypoint=127.0.0.1:$p_e&tunnel=bench.local:$ID${EP_OPTS:-}" >"$W/srv$i.log" 2>&1 &
  PIDS+=($!); SRVS+=($!)
  wait_port "$p_t" || exit 1
  "$bin" -L "rtcp://:0/127.0.0.1:$P_HTTP" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID" >"$W/cli$i.log" 2>&1 &
  PIDS+=($!)
  wait_port "$p_e" || exit 1
  for _ in $(seq 50); do
    curl -sf -o /dev/null -H 'Host: bench.local' "http://127.0.0.1:$p_e/" && break
    sleep 0.1
  done
  EPS+=("$p_e"); NAMES+=("$bin")
  i=$((i + 1))
done
run() { # url [header...] -> req/s
  local url=$1; shift
  local a=(-t1 -c50 -d"${DUR}s" --timeout 5s -H 'Host: bench.local')
  for h in "$@"; do a+=(-H "$h"); done
  local o
  o=$(wrk "${a[@]}" "$url" 2>&1)
  local e
  e=$(echo "$o" | awk '/Non-2xx|Socket errors/' | tr -s ' ' | tr '\n' ' ')
  echo "$(echo "$o" | awk '/Requests\/sec/ {printf "%.0f", $2}')${e:+ [$e]}"
}
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  echo "round $r (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "  nginx       req/s $(run "http://127.0.0.1:$P_RP/")  conn/s $(run "http://127.0.0.1:$P_RP/" 'Connection: close')"
  for j in "${!EPS[@]}"; do
    if [ "$r" = 1 ] && [ "$j" = 0 ] && [ -n "${PERF:-}" ]; then
      perf record -F ${PERF_F:-999} ${PERF_G--g} -o "${PERF_OUT:-/tmp/ep.perf.data}" -p "${SRVS[0]}" -- sleep "$DUR" >/dev/null 2>&1 &
      PERF_PID=$!
    fi
    echo "  ${NAMES[$j]}  req/s $(run "http://127.0.0.1:${EPS[$j]}/")  conn/s $(run "http://127.0.0.1:${EPS[$j]}/" 'Connection: close')"
    [ -n "${PERF_PID:-}" ] && { wait "$PERF_PID"; PERF_PID=; }
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
