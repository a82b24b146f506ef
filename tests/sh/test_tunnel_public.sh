#!/usr/bin/env bash
# The public tunnel service (tunnel.public.*): every registering client gets <endpoint>.<domain>
# with no ingress rule, a custom name (rtcp://hello/...) gets hello.<domain> while free, names
# survive a restart (state file) and are released `expire` after their tunnel left, HTTPS for
# *.<domain> is terminated with the wildcard certificate, new names are rate-limited per IP.
source "$(dirname "$0")/lib.sh"

D=pub.test
read -r T E W1 W2 W3 < <(free_ports 5)
for w in 1 2 3; do mkdir -p "$WORK/w$w"; echo "backend $w" > "$WORK/w$w/index.html"; done
bg w1 python3 -m http.server "$W1" --bind 127.0.0.1 --directory "$WORK/w1"
bg w2 python3 -m http.server "$W2" --bind 127.0.0.1 --directory "$WORK/w2"
bg w3 python3 -m http.server "$W3" --bind 127.0.0.1 --directory "$WORK/w3"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 1 -subj "/CN=*.$D" -addext "subjectAltName=DNS:*.$D" 2>/dev/null
wait_tcp "$W1"; wait_tcp "$W2"; wait_tcp "$W3"

ID1=11111111-2222-4333-8444-555555555551
ID2=11111111-2222-4333-8444-555555555552
ID3=11111111-2222-4333-8444-555555555553
EP1=$(python3 -c "import hashlib,sys;print(hashlib.md5(sys.argv[1].encode()).hexdigest()[:16])" "$ID1")
EP3=$(python3 -c "import hashlib,sys;print(hashlib.md5(sys.argv[1].encode()).hexdigest()[:16])" "$ID3")
SERVER_URL="tunnel://127.0.0.1:$T?entrypoint=127.0.0.1:$E&tunnel.public.domain=$D&tunnel.public.names=true&tunnel.public.expire=2s&tunnel.public.state=$WORK/names.json&tunnel.public.certFile=$WORK/cert.pem&tunnel.public.keyFile=$WORK/key.pem"

get() { curl -s --max-time 3 -H "Host: $1" "http://127.0.0.1:$E/"; }
code() { curl -s --max-time 3 -o /dev/null -w "%{http_code}" -H "Host: $1" "http://127.0.0.1:$E/"; }
is() { [ "$(get "$1")" = "$2" ]; }

bg server "$GOST" -L "$SERVER_URL"
SERVER=${_pids[-1]}
wait_listening "server" "$T"
bg c1 "$GOST" -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID1"
bg c2 "$GOST" -L "rtcp://hello/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID2"
C2=${_pids[-1]}
retry 50 is "$EP1.$D" "backend 1" || fail "endpoint name $EP1.$D not routed"
retry 50 is "hello.$D" "backend 2" || fail "custom name hello.$D not routed"
grep -q "public URL: http://$EP1.$D/" "$WORK/c1.log" || fail "client 1 did not print its public URL"
grep -q "public URL: http://hello.$D/" "$WORK/c2.log" || fail "client 2 did not print its public URL"
[ "$(code "nope.$D")" = 502 ] || fail "an unregistered name is not 502"
pass "endpoint and custom names routed with no ingress rule; clients print their URL"

out=$(curl -s --max-time 3 --cacert "$WORK/cert.pem" --resolve "hello.$D:$E:127.0.0.1" "https://hello.$D:$E/")
[ "$out" = "backend 2" ] || fail "HTTPS with the wildcard certificate: '$out'"
pass "HTTPS for *.$D terminated with the wildcard certificate (verified)"

bg c3 "$GOST" -L "rtcp://hello/127.0.0.1:$W3" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
C3=${_pids[-1]}
retry 50 is "$EP3.$D" "backend 3" || fail "a taken name must fall back to the endpoint name"
is "hello.$D" "backend 2" || fail "hello.$D changed hands while held"
grep -q "hello.$D is taken" "$WORK/server.log" || fail "no log line for a taken name"
kill "$C3"
pass "a held name is not taken over"

# restart: the names come back from the state file; client 1 reconnects to the same name
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
grep -q "\"name\":\"hello\"" "$WORK/names.json" || fail "state file lacks hello: $(cat "$WORK/names.json")"
bg server2 "$GOST" -L "$SERVER_URL"
SERVER=${_pids[-1]}
wait_listening "server2" "$T"
grep -q "names loaded from" "$WORK/server2.log" || fail "state not loaded"
retry 50 is "$EP1.$D" "backend 1" || fail "$EP1.$D after a restart"
retry 50 is "hello.$D" "backend 2" || fail "hello.$D after a restart"
pass "names survive a restart"

# expiry: client 2 leaves; after 2 s hello is released and goes to the next client asking
kill "$C2"
held_503() { [ "$(code "hello.$D")" = 503 ]; }
retry 10 held_503 || fail "hello.$D without a connector should be 503 while held"
sleep 3.5 # expire is 2 s, counted in whole seconds
bg c4 "$GOST" -L "rtcp://hello/127.0.0.1:$W3" -F "tunnel://127.0.0.1:$T?tunnel.id=$ID3"
retry 50 is "hello.$D" "backend 3" || fail "hello.$D not released after expire"
pass "a name is released after expire without a connector"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

# rate: 2 new names per minute per client IP
read -r T2 < <(free_ports 1)
bg server-rate "$GOST" -L "tunnel://127.0.0.1:$T2?tunnel.public.domain=$D&tunnel.public.rate=2"
wait_listening "server-rate" "$T2"
for i in 1 2 3; do
  bg "r$i" "$GOST" -L "rtcp://:0/127.0.0.1:$W1" -F "tunnel://127.0.0.1:$T2?tunnel.id=22222222-2222-4333-8444-55555555555$i"
done
retry 50 grep -q "too many new names from this client" "$WORK/server-rate.log" || fail "rate limit not applied"
n=$(grep -c "public URL" "$WORK"/r?.log | awk -F: '{s+=$2} END {print s}')
[ "$n" = 2 ] || fail "rate 2: $n clients got a name"
pass "new names rate-limited per client IP (2/min: third refused)"

# examples/tunnel-public.yaml as shipped (YAML object form), ports and state moved here
read -r T3 E3 < <(free_ports 2)
sed -e "s/addr: :8443/addr: \"127.0.0.1:$T3\"/; s/entrypoint: :80/entrypoint: \"127.0.0.1:$E3\"/" \
    -e "s#/var/lib/gost/names.json#$WORK/example-names.json#" "$SRC/examples/tunnel-public.yaml" > "$WORK/example.yaml"
bg server-example "$GOST" -C "$WORK/example.yaml"
wait_listening "server-example" "$T3"
bg c-example "$GOST" -L "rtcp://hello/127.0.0.1:$W2" -F "tunnel://127.0.0.1:$T3?tunnel.id=$ID2"
# a function, so that every try runs curl again (the client may register after the first one)
hello_answers() { [ "$(curl -s --max-time 3 -H "Host: hello.tunnel.example.net" "http://127.0.0.1:$E3/")" = "backend 2" ]; }
retry 50 hello_answers ||
  fail "examples/tunnel-public.yaml"
grep -q "custom names on, names expire after 86400s" "$WORK/server-example.log" || fail "example options not read"
pass "examples/tunnel-public.yaml"

# bad input is refused at start, naming the cause
out=$("$GOST" -L "tunnel://127.0.0.1:0?tunnel.public.domain=$D&tunnel.public.expire=soon" 2>&1) && fail "bad expire accepted"
echo "$out" | grep -q "tunnel.public.expire" || fail "bad expire: '$out'"
pass "bad tunnel.public options refused"
