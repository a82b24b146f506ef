#!/usr/bin/env bash
# `make run`: a tunnel server with a public entrypoint, a tunnel client and a web backend, all on
# loopback. Prints the URL and a curl line, proves they work, then stays up until Ctrl-C or
# SIGTERM (whether or not standard input is a terminal). GOST_DEMO_ONCE=1 exits after the proof.
set -euo pipefail
build=${1:-build}
gost="$build/gost"
tid=4d21094e-b74c-4916-86c1-d9fa36ea677b
host=demo.example.com
work=$(mktemp -d)
pids=()
stop_all() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 0' INT TERM

echo "hello from the web backend behind the tunnel" > "$work/index.html"

# start_demo: one attempt on three fresh ports; fails when a port was taken meanwhile.
start_demo() {
  # Ports below the kernel's ephemeral range, so other programs' outgoing connections cannot
  # take them before we bind.
  read -r tunnel_port entry_port web_port < <(python3 "$(dirname "$0")/../scripts/free-ports.py" 3)
  python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$work" >"$work/web.log" 2>&1 & pids+=($!)
  # Server: tunnel handler on :tunnel_port, public entrypoint on :entry_port, one ingress rule.
  "$gost" -L "tunnel://127.0.0.1:$tunnel_port?entrypoint=127.0.0.1:$entry_port&tunnel=.example.com:$tid" \
    2> "$work/server.log" & pids+=($!)
  # Client behind "NAT": registers tunnel $tid and forwards its streams to the web backend.
  "$gost" -L "rtcp://:0/127.0.0.1:$web_port" -F "tunnel://127.0.0.1:$tunnel_port?tunnel.id=$tid" \
    2> "$work/client.log" & pids+=($!)
  url="http://$host:$entry_port/"
  curl_line="curl --resolve $host:$entry_port:127.0.0.1 $url"
  for _ in $(seq 1 50); do
    if out=$($curl_line -fsS --max-time 2 2>/dev/null); then return 0; fi
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done # a port was taken
    sleep 0.2
  done
  return 1
}

for attempt in 1 2 3; do
  if start_demo; then
    echo "tunnel up:  $url"
    echo "try it:     $curl_line"
    echo "response:   $out"
    [ -n "${GOST_DEMO_ONCE:-}" ] && exit 0
    echo "(running until Ctrl-C or SIGTERM)"
    # Stay up while all three run; if one dies, say which log explains it.
    wait -n "${pids[@]}" || true
    echo "a demo process exited; logs:" >&2
    tail -n 20 "$work/server.log" "$work/client.log" "$work/web.log" >&2
    exit 1
  fi
  stop_all
  echo "attempt $attempt: the demo did not come up on ports $tunnel_port/$entry_port/$web_port; retrying" >&2
done
echo "the tunnel did not come up; logs:" >&2
cat "$work/server.log" "$work/client.log" "$work/web.log" >&2
exit 1
