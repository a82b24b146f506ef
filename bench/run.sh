#!/usr/bin/env bash
# libgost benchmark: compares libgost's forward and tunnel paths with direct, haproxy, nginx
# (stream relay and HTTP reverse proxy) and an `ssh -R` reverse tunnel. Loopback only, kernel-
# assigned ports, short bounded runs; everything started here is killed on exit.
#   usage: bash bench/run.sh [BUILD_DIR]        (env: DUR=3 wrk/iperf3 seconds, IDLE_N=1000)
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOST=$(cd "$ROOT" && readlink -f "$BUILD/gost")
DUR=${DUR:-3}
IDLE_N=${IDLE_N:-1000}
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
W=$(mktemp -d /tmp/libgost-bench.XXXXXX)
R="$W/results.txt" # key<TAB>value lines, turned into JSON/markdown at the end
: >"$R"
PIDS=()
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
  [ -f "$W/sshd.pid" ] && kill "$(cat "$W/sshd.pid")" 2>/dev/null
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for t in "$GOST" iperf3 wrk haproxy nginx /usr/sbin/sshd ssh ssh-keygen python3; do
  command -v "$t" >/dev/null || { echo "missing: $t (run: bash scripts/install-deps.sh bench)" >&2; exit 1; }
done

log() { echo "[bench $(date +%T)] $*" >&2; }
put() { printf '%s\t%s\n' "$1" "$2" >>"$R"; }
bg() { "$@" >>"$W/bg.log" 2>&1 & PIDS+=($!); }

# Free ports from the kernel (bound then released; used immediately).
ports() { # N free loopback ports below the ephemeral range (outgoing connections cannot take them)
  python3 "$ROOT/scripts/free-ports.py" "$1"
}
read -r P_IPERF P_HTTP P_RP P_NS P_HAP P_HAPH P_SSHD P_SSHR P_SSHRH P_GF P_GFH P_TK P_EK < <(ports 13)
source "$ROOT/bench/stock.sh"
STOCK=$(stock_gost "$W/stock")

wait_port() { # port [proto]: until something listens (max 5 s)
  for _ in $(seq 50); do
    python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  log "port $1 did not come up"; return 1
}

ID_HTTP=4d21094e-b74c-4916-86c1-d9fa36ea677b
ID_IPERF=7a1c3c55-0c43-4d5e-9a0e-1f2a6c0b9e01
ID_MEM=0e8f6f3a-5b7d-4c42-8f0e-3d1b2a9c7e55

# ---------------- peers ----------------
log "starting peers in $W"
bg iperf3 -s -p "$P_IPERF" -B 127.0.0.1
mkdir -p "$W/www"
chmod 755 "$W" "$W/www" # nginx workers run as an unprivileged user
head -c 612 /dev/zero | tr '\0' 'x' >"$W/www/index.html"
cat >"$W/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $W/ngx-tmp; proxy_temp_path $W/ngx-tmp; fastcgi_temp_path $W/ngx-tmp;
  uwsgi_temp_path $W/ngx-tmp; scgi_temp_path $W/ngx-tmp;
  server { listen 127.0.0.1:$P_HTTP; root $W/www; }
  upstream be { server 127.0.0.1:$P_HTTP; keepalive 64; }
  server { listen 127.0.0.1:$P_RP;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
stream { server { listen 127.0.0.1:$P_NS; proxy_pass 127.0.0.1:$P_IPERF; } }
EOF
nginx -c "$W/nginx.conf" -p "$W" -g 'daemon on;' || { log "nginx failed"; cat "$W/nginx.err"; exit 1; }
cat >"$W/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen iperf
  bind 127.0.0.1:$P_HAP
  server s1 127.0.0.1:$P_IPERF
listen http
  bind 127.0.0.1:$P_HAPH
  server s1 127.0.0.1:$P_HTTP
EOF
bg haproxy -f "$W/haproxy.cfg" -db
HAP_PID=${PIDS[-1]}
# sshd with a generated host key, key auth as the current user.
ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$W/userkey"
cp "$W/userkey.pub" "$W/authorized_keys"
chmod 600 "$W/authorized_keys"
mkdir -p /run/sshd 2>/dev/null || true
cat >"$W/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $P_SSHD
HostKey $W/hostkey
PidFile $W/sshd.pid
AuthorizedKeysFile $W/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowTcpForwarding yes
GatewayPorts no
MaxSessions 100
MaxStartups 1000:30:2000
EOF
/usr/sbin/sshd -f "$W/sshd_config" -E "$W/sshd.log" || { log "sshd failed"; exit 1; }
wait_port "$P_SSHD"
bg ssh -N -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o ExitOnForwardFailure=yes -i "$W/userkey" -p "$P_SSHD" \
  -R "127.0.0.1:$P_SSHR:127.0.0.1:$P_IPERF" -R "127.0.0.1:$P_SSHRH:127.0.0.1:$P_HTTP" "$(id -un)@127.0.0.1"
SSH_PID=${PIDS[-1]}

# ---------------- libgost ----------------
bg "$GOST" -L "tcp://127.0.0.1:$P_GF/127.0.0.1:$P_IPERF" -L "udp://127.0.0.1:$P_GF/127.0.0.1:$P_IPERF" \
  -L "tcp://127.0.0.1:$P_GFH/127.0.0.1:$P_HTTP"
G_FWD=${PIDS[-1]}
# One tunnel stack of a gost binary (libgost, or stock GOST for the comparison rows): a tunnel
# server with a public entrypoint, its HTTP and iperf3 clients, visitors for both, and tunnel+tls /
# tunnel+wss servers each with a client and a visitor. Identical command lines for both binaries.
# Sets PORTS_<tag> (ports to wait for), P_E_/P_V_/P_VH_/P_VT_/P_VW_<tag> and T_/TLS_/WSS_<tag> (the
# pids of the relay processes of each path, for CPU accounting).
tunnel_stack() { # bin tag
  local bin=$1 tag=$2 p_t p_e p_v p_vh p_tt p_vt p_tw p_vw srv cli vis
  read -r p_t p_e p_v p_vh p_tt p_vt p_tw p_vw < <(ports 8)
  bg "$bin" -L "tunnel://127.0.0.1:$p_t?entrypoint=127.0.0.1:$p_e&tunnel=bench.local:$ID_HTTP,iperf.local:$ID_IPERF"
  srv=${PIDS[-1]}
  wait_port "$p_t"
  bg "$bin" -L "rtcp://:0/127.0.0.1:$P_HTTP" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID_HTTP"
  bg "$bin" -L "rtcp://:0/127.0.0.1:$P_IPERF" -L "rudp://:0/127.0.0.1:$P_IPERF" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID_IPERF"
  cli=${PIDS[-1]}
  bg "$bin" -L "tcp://127.0.0.1:$p_v/iperf.local:0" -L "udp://127.0.0.1:$p_v/iperf.local:0" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID_IPERF"
  vis=${PIDS[-1]}
  bg "$bin" -L "tcp://127.0.0.1:$p_vh/bench.local:0" -F "tunnel://127.0.0.1:$p_t?tunnel.id=$ID_HTTP"
  declare -g "T_$tag=$srv $cli $vis"
  local kind p_srv p_vis
  for kind in tls wss; do
    if [ $kind = tls ]; then p_srv=$p_tt p_vis=$p_vt; else p_srv=$p_tw p_vis=$p_vw; fi
    bg "$bin" -L "tunnel+$kind://127.0.0.1:$p_srv?tunnel=iperf.local:$ID_IPERF"
    srv=${PIDS[-1]}
    wait_port "$p_srv"
    bg "$bin" -L "rtcp://:0/127.0.0.1:$P_IPERF" -F "tunnel+$kind://127.0.0.1:$p_srv?tunnel.id=$ID_IPERF"
    cli=${PIDS[-1]}
    bg "$bin" -L "tcp://127.0.0.1:$p_vis/iperf.local:0" -F "tunnel+$kind://127.0.0.1:$p_srv?tunnel.id=$ID_IPERF"
    declare -g "${kind^^}_$tag=$srv $cli ${PIDS[-1]}"
  done
  declare -g "P_T_$tag=$p_t" "P_E_$tag=$p_e" "P_V_$tag=$p_v" "P_VH_$tag=$p_vh" "P_VT_$tag=$p_vt" "P_VW_$tag=$p_vw"
  declare -g "PORTS_$tag=$p_e $p_v $p_vh $p_vt $p_vw"
  for p_srv in $p_e $p_v $p_vh $p_vt $p_vw; do wait_port "$p_srv"; done # before more are drawn
}
# the libgost entrypoint with entrypoint.keepalive=true (pooled tunnel streams)
bg "$GOST" -L "tunnel://127.0.0.1:$P_TK?entrypoint=127.0.0.1:$P_EK&entrypoint.keepalive=true&tunnel=bench.local:$ID_HTTP"
wait_port "$P_TK"
bg "$GOST" -L "rtcp://:0/127.0.0.1:$P_HTTP" -F "tunnel://127.0.0.1:$P_TK?tunnel.id=$ID_HTTP"
wait_port "$P_EK" # every port drawn above is bound before tunnel_stack draws more
tunnel_stack "$GOST" gost
# the HTTP visitor again with tunnel.mux=true: every connection a stream of one carrier
read -r P_VHM < <(ports 1)
bg "$GOST" -L "tcp://127.0.0.1:$P_VHM/bench.local:0" -F "tunnel://127.0.0.1:$P_T_gost?tunnel.id=$ID_HTTP&tunnel.mux=true"
wait_port "$P_VHM"
TAGS=gost
if [ -n "$STOCK" ]; then
  tunnel_stack "$STOCK" stock
  TAGS="gost stock"
fi

for p in $P_IPERF $P_HTTP $P_RP $P_NS $P_HAP $P_HAPH $P_SSHR $P_SSHRH $P_GF $P_GFH $P_EK $PORTS_gost ${PORTS_stock:-}; do
  wait_port "$p" || exit 1
done
sleep 1 # tunnel clients register

# ---------------- helpers ----------------
descendants() { # all descendants of a pid (ours only: other users of the machine are not counted)
  local c
  for c in $(pgrep -P "$1"); do echo -n "$c "; descendants "$c"; done
}
sshd_pids() { descendants "$(cat "$W/sshd.pid")"; }
ngx_pids() { pgrep -P "$(cat "$W/nginx.pid")" | tr '\n' ' '; }
cpu_ticks() { # sum utime+stime (ticks) of the given pids
  local s=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    s=$((s + $(awk '{sub(/.*\) /,""); print $12 + $13}' "/proc/$p/stat")))
  done
  echo "$s"
}
HZ=$(getconf CLK_TCK)

iperf_tcp() { # name port streams "pids for CPU"
  local name=$1 port=$2 par=$3 pids=$4 c0 c1
  c0=$(cpu_ticks $pids)
  timeout $((DUR + 15)) iperf3 -c 127.0.0.1 -p "$port" -t "$DUR" -P "$par" -J >"$W/ip.json" 2>/dev/null
  c1=$(cpu_ticks $pids)
  python3 - "$name" "$par" "$c0" "$c1" "$HZ" "$R" <<PYEOF
import json, sys
name, par, c0, c1, hz, out = sys.argv[1:]
try:
    j = json.load(open("$W/ip.json"))
    e = j["end"]["sum_received"]
    gbps = e["bits_per_second"] / 1e9
    gb = e["bytes"] / 1e9
except Exception:
    gbps, gb = 0.0, 0.0
with open(out, "a") as f:
    f.write(f"tcp_p{par}_gbps.{name}\t{gbps:.3f}\n")
    if par == "1" and gb > 0:
        cpu = (int(c1) - int(c0)) / int(hz)
        f.write(f"cpu_s_per_gb.{name}\t{cpu / gb:.3f}\n")
PYEOF
  log "iperf3 tcp -P$par $name: $(grep -P "^tcp_p${par}_gbps.$name\t" "$R" | cut -f2) Gbit/s"
}

iperf_udp() { # name port rate
  local name=$1 port=$2 rate=$3
  timeout $((DUR + 15)) iperf3 -c 127.0.0.1 -p "$port" -u -b "$rate" -l 1400 -t "$DUR" -J >"$W/ip.json" 2>/dev/null
  python3 - "$name" "$rate" "$R" <<PYEOF
import json, sys
name, rate, out = sys.argv[1:]
try:
    j = json.load(open("$W/ip.json"))
    e = j["end"]["sum"]
    v = f"{e['lost_percent']:.2f}"
    with open(out, "a") as f:
        f.write(f"udp_mbps_{rate}.{name}\t{e['bits_per_second'] / 1e6:.1f}\n")
except Exception:
    v = "fail"
with open(out, "a") as f:
    f.write(f"udp_loss_pct_{rate}.{name}\t{v}\n")
PYEOF
  log "iperf3 udp $rate $name: loss $(grep -P "^udp_loss_pct_$rate.$name\t" "$R" | cut -f2)%"
}

wrk_run() { # key name url [extra header]
  local key=$1 name=$2 url=$3 hdr=${4:-} o rps p99
  local args=(-t1 -c50 -d"${DUR}s" --latency --timeout 5s)
  case $name in entrypoint* | visitor*) args+=(-H 'Host: bench.local') ;; esac
  [ -n "$hdr" ] && args+=(-H "$hdr")
  o=$(timeout $((DUR + 20)) wrk "${args[@]}" "$url" 2>&1)
  rps=$(echo "$o" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$o" | awk '$1=="99%" {print $2}')
  errs=$(echo "$o" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  [ -n "$errs" ] && put "${key}_errors.$name" "$errs"
  put "${key}_rps.$name" "${rps:-0}"
  [ -n "$p99" ] && put "${key}_p99.$name" "$p99"
  log "wrk $key $name: ${rps:-0} req/s p99 ${p99:-?} $errs"
}

# ---------------- measurements ----------------
GF="$G_FWD"
log "TCP throughput (iperf3 -t $DUR)"
for par in 1 8; do
  iperf_tcp direct "$P_IPERF" $par ""
  iperf_tcp haproxy "$P_HAP" $par "$HAP_PID $(descendants "$HAP_PID")"
  iperf_tcp nginx_stream "$P_NS" $par "$(ngx_pids)"
  iperf_tcp ssh_r "$P_SSHR" $par "$SSH_PID $(sshd_pids)"
  iperf_tcp gost_forward "$P_GF" $par "$GF"
  for tag in $TAGS; do # keys gost_tunnel_* and stock_tunnel_*
    v=P_V_$tag vt=P_VT_$tag vw=P_VW_$tag t=T_$tag tls=TLS_$tag wss=WSS_$tag
    iperf_tcp ${tag}_tunnel_visitor "${!v}" $par "${!t}"
    iperf_tcp ${tag}_tunnel_tls "${!vt}" $par "${!tls}"
    iperf_tcp ${tag}_tunnel_wss "${!vw}" $par "${!wss}"
  done
done

log "UDP loss (iperf3 -u)"
for rate in 100M 1G; do
  iperf_udp direct "$P_IPERF" $rate
  iperf_udp gost_forward "$P_GF" $rate
  iperf_udp gost_tunnel_visitor "$P_V_gost" $rate
done

log "HTTP keep-alive (wrk -c50 -d${DUR}s)"
wrk_run http direct "http://127.0.0.1:$P_HTTP/"
wrk_run http nginx_rp "http://127.0.0.1:$P_RP/"
wrk_run http haproxy "http://127.0.0.1:$P_HAPH/"
wrk_run http ssh_r "http://127.0.0.1:$P_SSHRH/"
wrk_run http gost_forward "http://127.0.0.1:$P_GFH/"
wrk_run http entrypoint "http://127.0.0.1:$P_E_gost/"
wrk_run http entrypoint_ka "http://127.0.0.1:$P_EK/"
wrk_run http visitor "http://127.0.0.1:$P_VH_gost/"
wrk_run http visitor_mux "http://127.0.0.1:$P_VHM/"
[ -n "$STOCK" ] && wrk_run http entrypoint_stock "http://127.0.0.1:$P_E_stock/"
[ -n "$STOCK" ] && wrk_run http visitor_stock "http://127.0.0.1:$P_VH_stock/"

log "new connections/s (Connection: close)"
wrk_run conn direct "http://127.0.0.1:$P_HTTP/" 'Connection: close'
wrk_run conn nginx_rp "http://127.0.0.1:$P_RP/" 'Connection: close'
wrk_run conn haproxy "http://127.0.0.1:$P_HAPH/" 'Connection: close'
wrk_run conn ssh_r "http://127.0.0.1:$P_SSHRH/" 'Connection: close'
wrk_run conn gost_forward "http://127.0.0.1:$P_GFH/" 'Connection: close'
wrk_run conn entrypoint "http://127.0.0.1:$P_E_gost/" 'Connection: close'
wrk_run conn entrypoint_ka "http://127.0.0.1:$P_EK/" 'Connection: close'
wrk_run conn visitor "http://127.0.0.1:$P_VH_gost/" 'Connection: close'
wrk_run conn visitor_mux "http://127.0.0.1:$P_VHM/" 'Connection: close'
[ -n "$STOCK" ] && wrk_run conn entrypoint_stock "http://127.0.0.1:$P_E_stock/" 'Connection: close'
[ -n "$STOCK" ] && wrk_run conn visitor_stock "http://127.0.0.1:$P_VH_stock/" 'Connection: close'

# ---------------- memory per idle tunnelled connection ----------------
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
idle_mem() { # bin suffix [scheme [visitor query]]: a fresh tunnel (server, client, visitor) holding
  # IDLE_N idle connections; scheme tunnel (default) or tunnel+tls, query e.g. &tunnel.mux=true
  local bin=$1 sfx=$2 sch=${3:-tunnel} vq=${4:-} p_tm p_vm p_hold srv cli vis py b_s b_c b_v a_s a_c a_v held
  log "memory: $IDLE_N idle connections through a $sch visitor$vq ($bin)"
  read -r p_tm p_vm p_hold < <(ports 3)
  rm -f "$W"/idle.*
  bg "$bin" -L "$sch://127.0.0.1:$p_tm?tunnel=mem.local:$ID_MEM"
  srv=${PIDS[-1]}
  wait_port "$p_tm"
  bg "$bin" -L "rtcp://:0/127.0.0.1:$p_hold" -F "$sch://127.0.0.1:$p_tm?tunnel.id=$ID_MEM"
  cli=${PIDS[-1]}
  bg "$bin" -L "tcp://127.0.0.1:$p_vm/mem.local:0" -F "$sch://127.0.0.1:$p_tm?tunnel.id=$ID_MEM$vq"
  vis=${PIDS[-1]}
  wait_port "$p_vm"
  sleep 1
  python3 "$ROOT/bench/idle_conns.py" "$p_vm" "$p_hold" "$IDLE_N" "$W/idle.fifo" >"$W/idle.out" 2>&1 &
  py=$!
  PIDS+=($py)
  for _ in $(seq 100); do grep -q baseline "$W/idle.out" 2>/dev/null && break; sleep 0.1; done
  b_s=$(pss $srv); b_c=$(pss $cli); b_v=$(pss $vis)
  touch "$W/idle.go"
  for _ in $(seq 300); do grep -q -e ready -e error "$W/idle.out" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  a_s=$(pss $srv); a_c=$(pss $cli); a_v=$(pss $vis)
  held=$(awk '/ready/ {print $2}' "$W/idle.out")
  log "idle: $(tr '\n' ' ' <"$W/idle.out") PSS KiB server $b_s->$a_s client $b_c->$a_c visitor $b_v->$a_v"
  touch "$W/idle.stop"
  wait "$py" 2>/dev/null
  kill "$srv" "$cli" "$vis" 2>/dev/null
  python3 - "$R" "$sfx" "${held:-0}" "$b_s" "$a_s" "$b_c" "$a_c" "$b_v" "$a_v" <<'PYEOF'
import sys
out, sfx, (n, bs, as_, bc, ac, bv, av) = sys.argv[1], sys.argv[2], map(int, sys.argv[3:])
with open(out, "a") as f:
    f.write(f"idle_conns{sfx}\t{n}\n")
    if n:
        f.write(f"idle_kib_per_conn.server_client{sfx}\t{((as_-bs)+(ac-bc))/n:.2f}\n")
        f.write(f"idle_kib_per_conn.all{sfx}\t{((as_-bs)+(ac-bc)+(av-bv))/n:.2f}\n")
        f.write(f"idle_kib_per_conn.server{sfx}\t{(as_-bs)/n:.2f}\n")
        f.write(f"idle_kib_per_conn.client{sfx}\t{(ac-bc)/n:.2f}\n")
        f.write(f"idle_kib_per_conn.visitor{sfx}\t{(av-bv)/n:.2f}\n")
PYEOF
}
idle_mem "$GOST" ""
idle_mem "$GOST" _mux tunnel "&tunnel.mux=true"
idle_mem "$GOST" _tls tunnel+tls
idle_mem "$GOST" _tls_mux tunnel+tls "&tunnel.mux=true"
[ -n "$STOCK" ] && idle_mem "$STOCK" _stock
[ -n "$STOCK" ] && idle_mem "$STOCK" _tls_stock tunnel+tls

# ---------------- report ----------------
python3 "$ROOT/bench/report.py" "$R" "$OUT" "$DUR" "$IDLE_N"
