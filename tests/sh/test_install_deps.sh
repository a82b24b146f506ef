#!/usr/bin/env bash
# scripts/install-deps.sh waits for a busy dpkg lock instead of failing (issue 9). apt-get and
# dpkg-query are stand-ins on PATH: one package "missing", apt-get reporting the lock as held
# for its first two calls; no real package is installed.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/bin"
cat > "$WORK/bin/dpkg-query" <<'STUB'
#!/bin/sh
[ "$3" = "check" ] && exit 1   # "check" is the missing package
printf 'install ok installed'
STUB
cat > "$WORK/bin/apt-get" <<STUB
#!/bin/sh
n=\$(cat "$WORK/calls" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > "$WORK/calls"
echo "apt-get \$*" >> "$WORK/apt-args"
if [ \$n -le 2 ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
  exit 100
fi
exit 0
STUB
chmod +x "$WORK/bin/"*
out=$(PATH="$WORK/bin:$PATH" LIBGOST_APT_WAIT=30 LIBGOST_APT_POLL=0.1 timeout 60 bash "$SRC/scripts/install-deps.sh" build 2>&1) ||
  fail "install-deps failed while the lock was busy: $out"
echo "$out" | grep -q 'waiting for the dpkg lock' || fail "no waiting message: $out"
[ "$(cat "$WORK/calls")" = 4 ] || fail "expected 2 refused + update + install, got $(cat "$WORK/calls") calls"
grep -q 'install .*check' "$WORK/apt-args" || fail "the missing package was not installed: $(cat "$WORK/apt-args")"
pass "busy dpkg lock: waited, then installed ($out)"

# A lock that never frees: gives up after LIBGOST_APT_WAIT with a clear message.
echo -100 > "$WORK/calls"
set +e
out=$(PATH="$WORK/bin:$PATH" LIBGOST_APT_WAIT=2 LIBGOST_APT_POLL=0.2 timeout 60 bash "$SRC/scripts/install-deps.sh" build 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "a lock held forever did not fail"
echo "$out" | grep -q 'stayed busy for 2s' || fail "no timeout message: $out"
pass "lock held forever: fails after the wait with a message"
