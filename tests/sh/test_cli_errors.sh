#!/usr/bin/env bash
# Bad command lines and bad configs exit non-zero with one line naming the problem.
source "$(dirname "$0")/lib.sh"

expect_error() { # expect_error PATTERN ARGS...
  local pat=$1; shift
  set +e
  out=$("$GOST" "$@" 2>&1 >/dev/null)
  rc=$?
  set -e
  [ $rc -ne 0 ] || fail "gost $* exited 0"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "gost $*: expected one line, got: $out"
  printf '%s' "$out" | grep -q -- "$pat" || fail "gost $*: '$out' does not mention '$pat'"
  pass "gost $* -> $out"
}

expect_error 'unknown option' --nope
expect_error 'needs a value' -L
expect_error 'unknown handler "foo"' -L "foo://:0"
expect_error 'services\[0\].handler.type: unknown handler "foo"' -C <(echo '{"services":[{"name":"a","addr":":0","handler":{"type":"foo"},"listener":{"type":"tcp"}}]}')
printf 'services:\n- name: a\n  addr: ":0"\n  handler: {type: tcp}\n  listener: {type: nosuch}\n' > "$WORK/bad.yaml"
expect_error 'services\[0\].listener.type' -C "$WORK/bad.yaml"
expect_error 'No such file\|cannot open\|not found' -C "$WORK/missing.yaml"

"$GOST" -V | grep -q '^gost ' || fail "-V"
pass "-V prints the version"

# A port already taken: start fails and nothing is left running.
port=$(free_port)
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
_pids+=($!)
wait_tcp "$port"
expect_error 'address\|in use' -L "tcp://127.0.0.1:$port/127.0.0.1:9"

# Start-up errors name the service, the key and the address (issue 11), and an OpenSSL error
# stack appears once (the log line that repeated it is gone).
expect_error "^gost: services\[0\].addr: listen 127.0.0.1:$port: Address already in use\$" -L "tcp://127.0.0.1:$port/127.0.0.1:9"
expect_error "^gost: services\[0\].handler.metadata.entrypoint: listen 127.0.0.1:$port: Address already in use\$" \
  -L "tunnel://127.0.0.1:0?entrypoint=127.0.0.1:$port"
printf 'log: {level: warn}\nservices:\n- addr: 127.0.0.1:0\n  handler: {type: tunnel, metadata: {entrypoints: [{addr: "127.0.0.1:0"}, {addr: "127.0.0.1:%s"}]}}\n' "$port" > "$WORK/ep.yaml"
expect_error "^gost: services\[0\].handler.metadata.entrypoints\[1\]: listen 127.0.0.1:$port: Address already in use\$" -C "$WORK/ep.yaml"
set +e
out=$("$GOST" -L "tls://127.0.0.1:0?certFile=$WORK/none.pem&keyFile=$WORK/none.pem" 2>&1)
set -e
[ "$(printf '%s\n' "$out" | grep -c 'SSL routines')" -eq 1 ] || fail "OpenSSL stack not exactly once: $out"
printf '%s' "$out" | grep -q "^gost: services\[0\].listener: tls: cannot load certFile $WORK/none.pem" || fail "tls error: $out"
pass "bad certFile: one line, OpenSSL stack once"

# Strict config from the command line and files (issue 9, finding 4)
expect_error 'entrypiont: unknown key, did you mean `entrypoint`?' -L "tunnel://:0?entrypiont=:80"
printf 'services:\n- name: a\n  addr: ":0"\n  hanlder: {type: tunnel}\n' > "$WORK/typo.yaml"
expect_error '^gost: services\[0\].hanlder: unknown key, did you mean `handler`?$' -C "$WORK/typo.yaml"
