#!/usr/bin/env bash
# The tunnel over TLS and WSS transports with real peers: web through the public entrypoint
# (tunnel+tls, tunnel+wss), a TCP visitor over wss, and TLS passthrough through the entrypoint
# routed by SNI to an `openssl s_server` backend, checked by curl against our own CA.
source "$(dirname "$0")/lib.sh"

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=ca" \
  -keyout ca.key -out ca.pem 2>/dev/null
mkcert() { # mkcert NAME CN [SAN]
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "${3:-DNS:$2}" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkcert server tunnel.local "DNS:tunnel.local,IP:127.0.0.1"
mkcert backend secure.test

WEB_ID=4d21094e-b74c-4916-86c1-d9fa36ea677b
TLS_ID=ac74d9dd-3125-442a-a7c1-f9e49e05faca
PRIV_ID=aede1f6a-762b-45da-b937-b6632356555a
read -r T1 E1 T2 E2 W S ECHO V T3 E3 N < <(free_ports 11)

mkdir web; echo "backend web" > web/index.html
bg web python3 -m http.server "$W" --bind 127.0.0.1 --directory "$WORK/web"
bg echo socat TCP-LISTEN:"$ECHO",bind=127.0.0.1,reuseaddr,fork EXEC:cat
bg s_server openssl s_server -accept "$S" -cert backend.pem -key backend.key -www -quiet
wait_tcp "$W"; wait_tcp "$ECHO"; wait_tcp "$S"

RULES="tunnel=web.test:$WEB_ID,secure.test:$TLS_ID,echo.test:\$$PRIV_ID"
CERT="certFile=$WORK/server.pem&keyFile=$WORK/server.key"

get() { # get PORT HOST -> "status body"
  curl -s --max-time 5 -w ' %{http_code}' --resolve "$2:$1:127.0.0.1" "http://$2:$1/" 2>/dev/null || true
}
expect_web() { # expect_web PORT LABEL
  local out
  out=$(retry 50 bash -c "r=\$(curl -s --max-time 5 -w ' %{http_code}' --resolve 'web.test:$1:127.0.0.1' 'http://web.test:$1/'); [ \"\$r\" = 'backend web
 200' ] && echo \"\$r\"") || fail "$2: web.test through the entrypoint: '$(get "$1" web.test)'"
  pass "$2: curl web.test through the entrypoint -> 200 'backend web'"
}

echo "# tunnel+tls"
bg server-tls "$GOST" -L "tunnel+tls://127.0.0.1:$T1?entrypoint=127.0.0.1:$E1&$RULES&$CERT"
wait_tcp "$T1"; wait_tcp "$E1"
# The tunnel port speaks TLS with our certificate.
# (output captured first: `grep -q` in a pipe under pipefail races with SIGPIPE to openssl)
probe=$(timeout 5 openssl s_client -connect "127.0.0.1:$T1" -CAfile ca.pem -verify_return_error 2>/dev/null </dev/null || true)
[[ "$probe" == *'Verify return code: 0 (ok)'* ]] || fail "tunnel port does not present the configured certificate"
pass "tunnel+tls port presents the configured certificate (verified with the CA)"
# The web client verifies the server (secure=true, caFile, serverName).
bg client-tls "$GOST" -L "rtcp://:0/127.0.0.1:$W" \
  -F "tunnel+tls://127.0.0.1:$T1?tunnel.id=$WEB_ID&secure=true&caFile=$WORK/ca.pem&serverName=tunnel.local"
expect_web "$E1" "tunnel+tls (client with secure=true)"
# A client that insists on verification against the wrong name must not register.
bg client-badname "$GOST" -L "rtcp://:0/127.0.0.1:$W" \
  -F "tunnel+tls://127.0.0.1:$T1?tunnel.id=$PRIV_ID&secure=true&caFile=$WORK/ca.pem&serverName=wrong.name"

echo "# TLS passthrough by SNI"
bg client-sni "$GOST" -L "rtcp://:0/127.0.0.1:$S" -F "tunnel+tls://127.0.0.1:$T1?tunnel.id=$TLS_ID"
out=$(retry 50 bash -c "curl -sS --max-time 5 --resolve secure.test:$E1:127.0.0.1 --cacert '$WORK/ca.pem' https://secure.test:$E1/ 2>&1 | grep -m1 -o 's_server'") ||
  fail "https://secure.test through the entrypoint: $(curl -sS --max-time 5 --resolve secure.test:$E1:127.0.0.1 --cacert ca.pem https://secure.test:$E1/ 2>&1 | head -3)"
code=$(curl -s --retry 3 --retry-all-errors --retry-delay 0 -o /dev/null -w '%{http_code}' --max-time 5 --resolve "secure.test:$E1:127.0.0.1" --cacert ca.pem "https://secure.test:$E1/")
[ "$code" = 200 ] || fail "TLS passthrough status $code"
pass "curl --cacert https://secure.test via the entrypoint reaches openssl s_server by SNI (200, end-to-end TLS)"
# The certificate seen through the entrypoint is the backend's, not the tunnel server's.
subj=$(timeout 5 openssl s_client -connect "127.0.0.1:$E1" -servername secure.test 2>/dev/null </dev/null |
  openssl x509 -noout -subject 2>/dev/null || true)
[[ "$subj" == *secure.test* ]] || fail "certificate through the entrypoint: '$subj'"
pass "TLS is not terminated by the entrypoint (backend certificate: $subj)"
# Unknown SNI: the connection is closed, no certificate.
out=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --resolve "nope.test:$E1:127.0.0.1" -k "https://nope.test:$E1/" || true)
[ "$out" = "000" ] || fail "unknown SNI got '$out'"
pass "unknown SNI is closed"
# The client that verifies against a wrong name never registers.
retry 25 grep -q 'certificate verify failed' "$WORK/client-badname.log" || fail "client with a wrong serverName logged nothing"
pass "client with secure=true and a wrong serverName is refused by its own verification"

echo "# tunnel+wss"
bg server-wss "$GOST" -L "tunnel+wss://127.0.0.1:$T2?entrypoint=127.0.0.1:$E2&$RULES&$CERT&path=/tun"
wait_tcp "$T2"; wait_tcp "$E2"
bg client-wss "$GOST" -L "rtcp://:0/127.0.0.1:$W" -F "tunnel+wss://127.0.0.1:$T2?tunnel.id=$WEB_ID&path=/tun"
expect_web "$E2" "tunnel+wss"
# A websocket upgrade on the wrong path does not reach the tunnel handler.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -k -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "https://127.0.0.1:$T2/other" || true)
[ "$code" != 101 ] || fail "upgrade on the wrong path accepted"
pass "websocket upgrade on a wrong path refused ($code)"

echo "# private tunnel + TCP visitor over wss"
bg client-echo "$GOST" -L "rtcp://:0/127.0.0.1:$ECHO" -F "tunnel+wss://127.0.0.1:$T2?tunnel.id=$PRIV_ID&path=/tun"
bg visitor "$GOST" -L "tcp://127.0.0.1:$V/echo.test" -F "tunnel+wss://127.0.0.1:$T2?tunnel.id=$PRIV_ID&path=/tun"
wait_tcp "$V"
echo_once() {
  python3 - "$V" <<'PY'
import socket, sys, os
data = os.urandom(200000)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(data)
got = b""
while len(got) < len(data):
    b = s.recv(65536)
    if not b: break
    got += b
sys.exit(0 if got == data else 1)
PY
}
retry 50 echo_once || fail "200 KB echo through the wss visitor"
pass "200 KB echoed through a private tunnel by a TCP visitor over wss"
[ "$(get "$E2" echo.test)" = " 502" ] || fail "private host through the public entrypoint: '$(get "$E2" echo.test)'"
pass "the private host is not reachable through the public entrypoint (502)"

echo "# tunnel+ws behind a TLS-terminating nginx (the docs/transports.md recipe)"
if ! command -v nginx >/dev/null; then echo "skip: no nginx"; exit 0; fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=tunnel.example.com" \
  -addext "subjectAltName=DNS:tunnel.example.com,DNS:*.tunnel.example.com" -keyout front.key -out front.pem 2>/dev/null
mkdir -p ng
cat > ng/nginx.conf <<NG
daemon off; pid $WORK/ng/nginx.pid; error_log $WORK/nginx.log;
events {}
http {
  access_log off; client_body_temp_path $WORK/ng; proxy_temp_path $WORK/ng;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$N ssl;
    server_name tunnel.example.com *.tunnel.example.com;
    ssl_certificate $WORK/front.pem; ssl_certificate_key $WORK/front.key;
    location = /ws { proxy_pass http://127.0.0.1:$T3; proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 1h; proxy_buffering off; }
    location / { proxy_pass http://127.0.0.1:$E3; proxy_http_version 1.1;
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$connection_upgrade; }
  }
}
NG
bg nginx nginx -p "$WORK/ng" -c "$WORK/ng/nginx.conf"
bg server-ws "$GOST" -L "tunnel+ws://127.0.0.1:$T3?entrypoint=127.0.0.1:$E3&path=/ws&tunnel=.tunnel.example.com:$WEB_ID"
wait_tcp "$N"; wait_tcp "$T3"
bg client-front "$GOST" -L "rtcp://:0/127.0.0.1:$W" \
  -F "tunnel+wss://127.0.0.1:$N?tunnel.id=$WEB_ID&path=/ws&caFile=$WORK/front.pem&serverName=tunnel.example.com&host=tunnel.example.com"
out=$(retry 50 curl -sf --max-time 5 --cacert front.pem --resolve "app.tunnel.example.com:$N:127.0.0.1" "https://app.tunnel.example.com:$N/") ||
  fail "https through nginx -> entrypoint -> tunnel"
[ "$out" = "backend web" ] || fail "front proxy body '$out'"
pass "client over wss through nginx (TLS terminated in front), public https through nginx -> entrypoint -> tunnel"
