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
