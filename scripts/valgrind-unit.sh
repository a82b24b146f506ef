#!/usr/bin/env bash
# Runs every unit test binary under valgrind memcheck in Check's no-fork mode: any error or
# leak fails the run.
set -euo pipefail
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
for t in "$src"/tests/unit/check_*.c; do
  bin="$build/tests/$(basename "$t" .c)"
  [ -x "$bin" ] || { echo "missing $bin" >&2; status=1; continue; }
  if CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      "$bin" >/tmp/valgrind-$$.log 2>&1; then
    echo "valgrind ok   $(basename "$bin")"
  else
    echo "valgrind FAIL $(basename "$bin")"; tail -n 30 /tmp/valgrind-$$.log; status=1
  fi
done
rm -f /tmp/valgrind-$$.log
exit $status
