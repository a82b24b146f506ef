#!/usr/bin/env bash
# HTTP, SOCKS5 and auto proxy handlers and the http/socks5 connectors, driven by curl against a
# loopback python http.server; two-hop chains carry 16 MiB byte-identically.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/www"
head -c 4096 /dev/urandom > "$WORK/www/small.bin"
head -c $((16 << 20)) /dev/urandom > "$WORK/www/big.bin"
web=$(free_port)
bg web python3 -m http.server "$web" --bind 127.0.0.1 --directory "$WORK/www"
URL=http://127.0.0.1:$web

http=$(free_port); http_auth=$(free_port); s5=$(free_port); s5_auth=$(free_port); auto=$(free_port)
bg http "$GOST" -L "http://127.0.0.1:$http"
bg http-auth "$GOST" -L "http://hu:hp@127.0.0.1:$http_auth"
bg socks5 "$GOST" -L "socks5://127.0.0.1:$s5"
bg socks5-auth "$GOST" -L "socks5://su:sp@127.0.0.1:$s5_auth"
bg auto "$GOST" -L "auto://127.0.0.1:$auto"
for p in "$web" "$http" "$http_auth" "$s5" "$s5_auth" "$auto"; do wait_tcp "$p"; done

# get NAME FILE CURL-ARGS...: download FILE through a proxy and compare with the original.
get() {
  local name=$1 file=$2; shift 2
  curl -sS --max-time 60 -o "$WORK/out.bin" "$@" "$URL/$file" || fail "$name: curl failed"
  cmp -s "$WORK/out.bin" "$WORK/www/$file" || fail "$name: $file differs"
  pass "$name"
}
code() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$@" || true; }

get "http absolute-form" small.bin -x "http://127.0.0.1:$http"
get "http CONNECT tunnel" small.bin -p -x "http://127.0.0.1:$http"
[ "$(code -x "http://127.0.0.1:$http" http://127.0.0.1:1/)" = 502 ] || fail "dial failure is not 502"
pass "http 502 on dial failure"
[ "$(code -x "http://127.0.0.1:$http_auth" "$URL/small.bin")" = 407 ] || fail "no credentials: not 407"
[ "$(code -x "http://hu:bad@127.0.0.1:$http_auth" "$URL/small.bin")" = 407 ] || fail "bad password: not 407"
curl -s -D - -o /dev/null -x "http://127.0.0.1:$http_auth" "$URL/small.bin" | grep >/dev/null -i '^Proxy-Authenticate: Basic' \
  || fail "407 without Proxy-Authenticate"
get "http Basic auth" small.bin -x "http://hu:hp@127.0.0.1:$http_auth"
get "http Basic auth over CONNECT" small.bin -p -x "http://hu:hp@127.0.0.1:$http_auth"
pass "http 407 without or with wrong credentials"

get "socks5 no-auth, remote name" small.bin --socks5-hostname "127.0.0.1:$s5"
get "socks5 no-auth, local name" small.bin --socks5 "127.0.0.1:$s5"
get "socks5 user/pass" small.bin --socks5 "su:sp@127.0.0.1:$s5_auth"
if curl -s --max-time 10 -o /dev/null --socks5-hostname "su:bad@127.0.0.1:$s5_auth" "$URL/small.bin"; then
  fail "socks5 accepted a wrong password"
fi
if curl -s --max-time 10 -o /dev/null --socks5-hostname "127.0.0.1:$s5_auth" "$URL/small.bin"; then
  fail "socks5 accepted a client without credentials"
fi
pass "socks5 refuses wrong or missing credentials"

get "auto as socks5" small.bin --socks5-hostname "127.0.0.1:$auto"
get "auto as http" small.bin -x "http://127.0.0.1:$auto"
get "auto as http CONNECT" small.bin -p -x "http://127.0.0.1:$auto"

# Chains: http entry -> socks5 hop; tcp forward -> http hop -> socks5 hop (both with auth).
c1=$(free_port); c2=$(free_port)
bg chain1 "$GOST" -L "http://127.0.0.1:$c1" -F "socks5://127.0.0.1:$s5"
bg chain2 "$GOST" -L "tcp://127.0.0.1:$c2/127.0.0.1:$web" -F "http://hu:hp@127.0.0.1:$http_auth" \
  -F "socks5://su:sp@127.0.0.1:$s5_auth"
wait_tcp "$c1"; wait_tcp "$c2"
get "chain http -> socks5, 16 MiB" big.bin -x "http://127.0.0.1:$c1"
get "chain http CONNECT -> socks5, 16 MiB" big.bin -p -x "http://127.0.0.1:$c1"
curl -sS --max-time 60 -o "$WORK/out.bin" "http://127.0.0.1:$c2/big.bin" || fail "tcp -> http -> socks5 failed"
cmp -s "$WORK/out.bin" "$WORK/www/big.bin" || fail "tcp -> http -> socks5: big.bin differs"
pass "chain tcp -> http -> socks5 (auth on both hops), 16 MiB"

# A wrong hop password surfaces as a failed dial.
c3=$(free_port)
bg chain3 "$GOST" -L "http://127.0.0.1:$c3" -F "socks5://su:bad@127.0.0.1:$s5_auth"
wait_tcp "$c3"
[ "$(code -x "http://127.0.0.1:$c3" "$URL/small.bin")" = 502 ] || fail "bad hop credentials: not 502"
pass "chain with wrong hop credentials answers 502"

# Layering: hop 2's TLS (and then WebSocket) runs inside hop 1's HTTP CONNECT stream.
s5tls=$(free_port); s5wss=$(free_port); c4=$(free_port); c5=$(free_port)
bg s5tls "$GOST" -L "socks5+tls://127.0.0.1:$s5tls"
bg s5wss "$GOST" -L "socks5+wss://127.0.0.1:$s5wss"
wait_tcp "$s5tls"; wait_tcp "$s5wss"
bg chain4 "$GOST" -L "tcp://127.0.0.1:$c4/127.0.0.1:$web" -F "http://127.0.0.1:$http" -F "socks5+tls://127.0.0.1:$s5tls"
bg chain5 "$GOST" -L "tcp://127.0.0.1:$c5/127.0.0.1:$web" -F "http://127.0.0.1:$http" -F "socks5+wss://127.0.0.1:$s5wss"
wait_tcp "$c4"; wait_tcp "$c5"
for c in "$c4:tls" "$c5:wss"; do
  curl -sS --max-time 60 -o "$WORK/out.bin" "http://127.0.0.1:${c%%:*}/big.bin" || fail "tcp -> http -> socks5+${c##*:} failed"
  cmp -s "$WORK/out.bin" "$WORK/www/big.bin" || fail "tcp -> http -> socks5+${c##*:}: big.bin differs"
  pass "chain tcp -> http -> socks5+${c##*:} (TLS inside the first hop's stream), 16 MiB"
done

# Hop 1 is a private tunnel (visitor CONNECT); hop 2's TLS runs inside that tunnel stream to a
# socks5+tls server published by a tunnel client.
tid=aede1f6a-762b-45da-b937-b6632356555a
tun=$(free_port); c6=$(free_port)
bg tserver "$GOST" -L "tunnel://127.0.0.1:$tun?tunnel=proxy.srv.local:$tid"
wait_tcp "$tun"
bg tclient "$GOST" -L "rtcp://:0/127.0.0.1:$s5tls" -F "tunnel://127.0.0.1:$tun?tunnel.id=$tid"
bg chain6 "$GOST" -L "tcp://127.0.0.1:$c6/127.0.0.1:$web" -F "tunnel://127.0.0.1:$tun?tunnel.id=$tid" \
  -F "socks5+tls://proxy.srv.local:443"
wait_tcp "$c6"
retry 25 curl -sS --max-time 60 -o "$WORK/out.bin" "http://127.0.0.1:$c6/big.bin" || fail "tcp -> tunnel -> socks5+tls failed"
cmp -s "$WORK/out.bin" "$WORK/www/big.bin" || fail "tcp -> tunnel -> socks5+tls: big.bin differs"
pass "chain tcp -> tunnel visitor -> socks5+tls (TLS inside the tunnel stream), 16 MiB"
