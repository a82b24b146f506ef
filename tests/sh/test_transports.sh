#!/usr/bin/env bash
# Real peers against the tls, mtls, ws and wss listeners: openssl s_client, curl --cacert and the
# node `ws` package. Certificates are generated here with the openssl CLI.
source "$(dirname "$0")/lib.sh"

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=ca" \
  -keyout ca.key -out ca.pem 2>/dev/null
mkcert() { # mkcert NAME CN [SAN]
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "${3:-DNS:$2}" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkcert server localhost "DNS:localhost,IP:127.0.0.1"
mkcert client client

# An HTTP backend and an echo backend.
echo "hello over tls" > index.html
web=$(free_port); bg web python3 -m http.server "$web" --bind 127.0.0.1 --directory "$WORK"
echo_port=$(free_port); bg echo socat TCP-LISTEN:"$echo_port",bind=127.0.0.1,reuseaddr,fork EXEC:cat
wait_tcp "$web"; wait_tcp "$echo_port"

# tls listener + tcp handler in front of the web backend, checked by curl with our CA.
tls=$(free_port)
bg gost-tls "$GOST" -L "tcp+tls://127.0.0.1:$tls/127.0.0.1:$web?certFile=$WORK/server.pem&keyFile=$WORK/server.key"
wait_tcp "$tls"
out=$(retry 10 curl -fsS --max-time 5 --cacert ca.pem "https://localhost:$tls/index.html")
[ "$out" = "hello over tls" ] || fail "curl --cacert through tls listener: '$out'"
pass "curl --cacert through the tls listener"

# openssl s_client through a tls listener in front of the echo backend.
tls2=$(free_port)
bg gost-tls2 "$GOST" -L "tcp+tls://127.0.0.1:$tls2/127.0.0.1:$echo_port"
wait_tcp "$tls2"
out=$( (echo "ping-s_client"; sleep 2) | timeout 4 openssl s_client -connect "127.0.0.1:$tls2" -quiet 2>/dev/null | head -n 1 || true)
[ "$out" = "ping-s_client" ] || fail "s_client echo through self-signed tls listener: '$out'"
pass "openssl s_client echo through a self-signed tls listener"
grep -qi 'self-signed\|selfsigned\|generated' "$WORK/gost-tls2.log" || fail "no log line about the generated certificate"
pass "self-signed certificate generation is logged"

# mtls: a client certificate signed by caFile is required.
mtls=$(free_port)
bg gost-mtls "$GOST" -L "tcp+mtls://127.0.0.1:$mtls/127.0.0.1:$echo_port?certFile=$WORK/server.pem&keyFile=$WORK/server.key&caFile=$WORK/ca.pem"
wait_tcp "$mtls"
out=$( (echo "with-cert"; sleep 2) | timeout 4 openssl s_client -connect "127.0.0.1:$mtls" -cert client.pem -key client.key -CAfile ca.pem -quiet 2>/dev/null | head -n 1 || true)
[ "$out" = "with-cert" ] || fail "mtls with a client certificate: '$out'"
pass "mtls with a client certificate"
out=$( (echo "no-cert"; sleep 2) | timeout 4 openssl s_client -connect "127.0.0.1:$mtls" -CAfile ca.pem -quiet 2>/dev/null | head -n 1 || true)
[ -z "$out" ] || fail "mtls without a client certificate was served: '$out'"
pass "mtls without a client certificate is refused"

# Plain text into the TLS port: clean close, the listener keeps serving.
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 socat - TCP:127.0.0.1:"$tls2" >/dev/null 2>&1 || true
out=$( (echo "still-alive"; sleep 2) | timeout 4 openssl s_client -connect "127.0.0.1:$tls2" -quiet 2>/dev/null | head -n 1 || true)
[ "$out" = "still-alive" ] || fail "tls listener did not survive plain text"
pass "plain text into a tls port is refused and the listener keeps serving"

# ws and wss listeners with the node `ws` client (an independent RFC 6455 implementation).
export NODE_PATH=/usr/share/nodejs
ws=$(free_port); bg gost-ws "$GOST" -L "tcp+ws://127.0.0.1:$ws/127.0.0.1:$echo_port"
wss=$(free_port); bg gost-wss "$GOST" -L "tcp+wss://127.0.0.1:$wss/127.0.0.1:$echo_port"
wait_tcp "$ws"; wait_tcp "$wss"
timeout 20 node "$SRC/tests/sh/ws_client.js" "ws://127.0.0.1:$ws/ws" || fail "node ws client through ws listener"
pass "node ws client echo through the ws listener"
NODE_TLS_REJECT_UNAUTHORIZED=0 timeout 20 node "$SRC/tests/sh/ws_client.js" "wss://127.0.0.1:$wss/ws" || fail "node ws client through wss listener"
pass "node ws client echo through the wss listener"
