#!/usr/bin/env bash
# Seed 001 "external public entrypoints" (entrypoint.id), custom endpoint names (rtcp://hello)
# and tunnel.direct, with curl and openssl s_server as real peers.
source "$(dirname "$0")/lib.sh"

EPID=9fd6c586-86f9-49c1-a03a-d4876851695a
TID=4d21094e-b74c-4916-86c1-d9fa36ea677b
PRIV=ac74d9dd-3125-442a-a7c1-f9e49e05faca
read -r T X W S T2 V < <(free_ports 6)

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=secure.example.com" \
  -addext "subjectAltName=DNS:secure.example.com" -keyout tls.key -out tls.pem 2>/dev/null
mkdir web; echo "backend web" > web/index.html
bg web python3 -m http.server "$W" --bind 127.0.0.1 --directory "$WORK/web"
bg s_server openssl s_server -accept "$S" -cert tls.pem -key tls.key -www -quiet
wait_tcp "$W"; wait_tcp "$S"

echo "# external public entrypoint: a sniffing tcp service whose tunnel.id is the entrypoint.id"
bg server "$GOST" -L "tunnel://127.0.0.1:$T?entrypoint.id=$EPID&tunnel=.example.com:$TID,private.example.org:\$$PRIV"
wait_tcp "$T"
bg client "$GOST" -L "rtcp://hello/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
bg client-tls "$GOST" -L "rtcp://:0/127.0.0.1:$S" -F "tunnel://127.0.0.1:$T?tunnel.id=$TID"
bg client-priv "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T?tunnel.id=$PRIV"
bg external "$GOST" -L "tcp://127.0.0.1:$X?sniffing=true" -F "tunnel://127.0.0.1:$T?tunnel.id=$EPID"
wait_tcp "$X"
retry 50 grep -q 'create tunnel on hello:0/tcp OK' "$WORK/client.log" || fail "custom name 'hello' not granted"
pass "rtcp://hello registered with the custom endpoint name 'hello'"
# Two clients on one tunnel (web + TLS): sniffed HTTP goes to whichever the pool picks, so the
# HTTP check retries until it lands on the web client; TLS the same way.
out=$(retry 50 bash -c "curl -s --max-time 5 -H 'Host: www.example.com' http://127.0.0.1:$X/ | grep -x 'backend web'") ||
  fail "HTTP through the external entrypoint"
pass "HTTP Host www.example.com through the external entrypoint -> $out"
out=$(retry 50 bash -c "curl -s -k --max-time 5 --resolve secure.example.com:$X:127.0.0.1 https://secure.example.com:$X/ | grep -m1 -o s_server") ||
  fail "TLS through the external entrypoint"
pass "TLS SNI secure.example.com through the external entrypoint reaches openssl s_server"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: private.example.org' "http://127.0.0.1:$X/" || true)
[ "$code" = 000 ] || fail "private host through the external entrypoint: $code"
pass "private rule refused to the external entrypoint (closed)"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: unknown.test' "http://127.0.0.1:$X/" || true)
[ "$code" = 000 ] || fail "unknown host through the external entrypoint: $code"
pass "unknown host refused to the external entrypoint (closed)"
grep -q 'sniffing found no host' "$WORK/external.log" && fail "unexpected sniff failure"
printf 'xyzzy\r\n\r\n' | timeout 5 socat - TCP:127.0.0.1:"$X" >/dev/null 2>&1 || true
retry 25 grep -q 'sniffing found no host' "$WORK/external.log" || fail "non-HTTP bytes were forwarded somewhere"
pass "bytes with no Host/SNI are not forwarded"

echo "# tunnel.direct: visitors reach their tunnel by ID alone"
bg server-direct "$GOST" -L "tunnel://127.0.0.1:$T2?tunnel.direct=true"
wait_tcp "$T2"
bg client-direct "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel://127.0.0.1:$T2?tunnel.id=$TID"
bg visitor-direct "$GOST" -L "tcp://127.0.0.1:$V/any.name:80" -F "tunnel://127.0.0.1:$T2?tunnel.id=$TID"
wait_tcp "$V"
out=$(retry 50 curl -sf --max-time 5 "http://127.0.0.1:$V/") || fail "visitor with tunnel.direct"
[ "$out" = "backend web" ] || fail "tunnel.direct body '$out'"
pass "tunnel.direct visitor -> $out"
