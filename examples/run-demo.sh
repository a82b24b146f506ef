#!/usr/bin/env bash
# `make run`: a tunnel server with a public entrypoint, a tunnel client and a web backend, all on
# loopback with ports from the kernel. Prints the URL and a curl line, and proves it works.
set -euo pipefail
build=${1:-build}
gost="$build/gost"
tid=4d21094e-b74c-4916-86c1-d9fa36ea677b
host=demo.example.com
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# Three distinct ports below the kernel's ephemeral range, so other programs' outgoing
# connections cannot take them before we bind.
read -r tunnel_port entry_port web_port < <(python3 "$(dirname "$0")/../scripts/free-ports.py" 3)

echo "hello from the web backend behind the tunnel" > "$work/index.html"
python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 & pids+=($!)

# Server: tunnel handler on :tunnel_port, public entrypoint on :entry_port, one ingress rule.
"$gost" -L "tunnel://127.0.0.1:$tunnel_port?entrypoint=127.0.0.1:$entry_port&tunnel=.example.com:$tid" \
  2> "$work/server.log" & pids+=($!)
# Client behind "NAT": registers tunnel $tid and forwards its streams to the web backend.
"$gost" -L "rtcp://:0/127.0.0.1:$web_port" -F "tunnel://127.0.0.1:$tunnel_port?tunnel.id=$tid" \
  2> "$work/client.log" & pids+=($!)

url="http://$host:$entry_port/"
curl_line="curl --resolve $host:$entry_port:127.0.0.1 $url"
for _ in $(seq 1 50); do
  if out=$($curl_line -fsS --max-time 2 2>/dev/null); then
    echo "tunnel up:  $url"
    echo "try it:     $curl_line"
    echo "response:   $out"
    if [ -t 0 ]; then echo "(Ctrl-C to stop)"; wait; fi
    exit 0
  fi
  sleep 0.2
done
echo "the tunnel did not come up; logs:" >&2
cat "$work/server.log" "$work/client.log" >&2
exit 1
