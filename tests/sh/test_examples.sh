#!/usr/bin/env bash
# The runnable examples work: the C examples (forward, tunnel server + gost_tunnel_t client), the
# Python example, and the `make run` demo script.
source "$(dirname "$0")/lib.sh"
B=$(dirname "$GOST")

echo "hello from an example backend" > "$WORK/index.html"
web=$(free_port); bg web python3 -m http.server "$web" --bind 127.0.0.1 --directory "$WORK"
wait_tcp "$web"

fwd=$(free_port)
bg example-forward "$B/example_forward" "127.0.0.1:$fwd" "127.0.0.1:$web"
wait_tcp "$fwd"
[ "$(retry 10 curl -fsS --max-time 3 "http://127.0.0.1:$fwd/")" = "hello from an example backend" ] || fail "example_forward"
pass "example_forward"

tun=$(free_port); entry=$(free_port); tid=4d21094e-b74c-4916-86c1-d9fa36ea677b
bg example-server "$B/example_tunnel_server" "127.0.0.1:$tun" "127.0.0.1:$entry" .example.com "$tid"
wait_tcp "$tun"
bg example-client "$B/example_tunnel_client" "tunnel://127.0.0.1:$tun" "$tid" "127.0.0.1:$web"
out=$(retry 25 curl -fsS --max-time 3 --resolve "app.example.com:$entry:127.0.0.1" "http://app.example.com:$entry/")
[ "$out" = "hello from an example backend" ] || fail "tunnel examples: '$out'"
grep -q 'registered a6265c6d9847a4be' "$WORK/example-client.log" || fail "client did not print its endpoint"
pass "example_tunnel_server + example_tunnel_client"

# remote forwarding through a relay server with bind=true, from C and from the YAML example
rs=$(free_port); rp=$(free_port)
bg example-relay "$GOST" -L "relay://127.0.0.1:$rs?bind=true"
wait_tcp "$rs"
bg example-remote "$B/example_remote_forward" "relay://127.0.0.1:$rs" "127.0.0.1:$rp" "127.0.0.1:$web"
out=$(retry 25 curl -fsS --max-time 3 "http://127.0.0.1:$rp/")
[ "$out" = "hello from an example backend" ] || fail "example_remote_forward: '$out'"
grep -q '^remote port listening' "$WORK/example-remote.log" || fail "example_remote_forward did not print its state"
pass "example_remote_forward"
yp=$(free_port)
sed -e "s/:2222/127.0.0.1:$yp/; s/127.0.0.1:22\b/127.0.0.1:$web/; s/server.example.com:8443/127.0.0.1:$rs/" \
  -e '/^- name: dns/,/^chains:/{/^chains:/!d}' "$SRC/examples/remote-forward.yaml" > "$WORK/remote-forward.yaml"
bg example-remote-yaml "$GOST" -C "$WORK/remote-forward.yaml"
out=$(retry 25 curl -fsS --max-time 3 "http://127.0.0.1:$yp/")
[ "$out" = "hello from an example backend" ] || fail "examples/remote-forward.yaml: '$out'"
pass "examples/remote-forward.yaml"

if [ -z "${GOST_NO_PYTHON:-}" ]; then
  out=$(GOST_LIBRARY="$B/libgost.so.0" PYTHONPATH="$SRC/bindings/python" timeout 30 python3 "$SRC/examples/python_tunnel.py")
  echo "$out" | grep -q 'GET through the entrypoint: 200' || fail "python example: $out"
  pass "examples/python_tunnel.py"
fi

# The demo stays up with stdin not a terminal: its printed curl line works after it printed it,
# and SIGTERM stops it with every process it started.
bash "$SRC/examples/run-demo.sh" "$B" </dev/null >"$WORK/demo.out" 2>&1 &
demo=$!
for _ in $(seq 1 150); do grep -q '^try it:' "$WORK/demo.out" && break; kill -0 $demo 2>/dev/null || break; sleep 0.2; done
grep -q '^response:   hello from the web backend behind the tunnel' "$WORK/demo.out" || fail "run-demo: $(cat "$WORK/demo.out")"
sleep 1
kill -0 $demo 2>/dev/null || fail "run-demo exited with stdin not a terminal: $(cat "$WORK/demo.out")"
line=$(sed -n 's/^try it:     //p' "$WORK/demo.out")
out=$($line -fsS --max-time 5) || fail "the printed curl line failed: $line"
[ "$out" = "hello from the web backend behind the tunnel" ] || fail "curl line answered: $out"
entry_port=$(echo "$line" | sed -E 's/.*:([0-9]+)\/$/\1/')
kill -TERM $demo
for _ in $(seq 1 50); do kill -0 $demo 2>/dev/null || break; sleep 0.1; done
kill -0 $demo 2>/dev/null && fail "run-demo ignored SIGTERM"
wait $demo || true
(exec 3<>/dev/tcp/127.0.0.1/"$entry_port") 2>/dev/null && fail "entrypoint $entry_port still listening after SIGTERM"
pass "make run demo: stays up without a terminal, curl line works, SIGTERM stops everything"

# examples/exposed-tunnel-server.yaml (docs/limits.md): loads under the strict schema and serves
sed -e 's/addr: :8443/addr: 127.0.0.1:0/; s/entrypoint: :80 /entrypoint: 127.0.0.1:0/' \
  "$SRC/examples/exposed-tunnel-server.yaml" > "$WORK/exposed.yaml"
bg exposed "$GOST" -C "$WORK/exposed.yaml"
wait_log exposed 'entrypoint listening' || fail "examples/exposed-tunnel-server.yaml did not start"
pass "examples/exposed-tunnel-server.yaml"

# examples/bypass.yaml: loads under the strict schema; the public proxy refuses a private target
bp=$(free_port)
sed -e "s/addr: :8080/addr: 127.0.0.1:$bp/; s/addr: 127.0.0.1:1080/addr: 127.0.0.1:0/" \
  "$SRC/examples/bypass.yaml" > "$WORK/bypass.yaml"
bg bypass "$GOST" -C "$WORK/bypass.yaml"
wait_tcp "$bp"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -x "http://127.0.0.1:$bp" "http://127.0.0.1:$web/")" = 403 ] ||
  fail "examples/bypass.yaml: a private target was not refused"
pass "examples/bypass.yaml"
