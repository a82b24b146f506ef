#!/usr/bin/env bash
# ThreadSanitizer run of the threaded paths (docs/threading.md): tests/integration/check_threads
# (gost_ctx_stop from another thread under traffic, contexts on parallel threads with TLS) and
# the Python bindings' run_in_thread/stop tests with libtsan preloaded into the interpreter.
# usage: scripts/tsan.sh BUILD_DIR   (a build configured with -DGOST_SANITIZE=thread)
set -euo pipefail
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export GOST_SOURCE_DIR="$SRC" GOST_BUILD_DIR="$B"
echo "tsan: check_threads"
"$B/tests/check_threads"
lib=$(gcc -print-file-name=libtsan.so)
if [ -z "${GOST_NO_PYTHON:-}" ] && [ -e "$lib" ]; then
  echo "tsan: python run_in_thread (libtsan preloaded)"
  # The interpreter itself is not instrumented; reports inside libgost still stop the run.
  (cd "$SRC/bindings/python" && LD_PRELOAD="$lib" GOST_LIBRARY="$B/libgost.so.0" PYTHONPATH=. \
    TSAN_OPTIONS="$TSAN_OPTIONS report_signal_unsafe=0" python3 -m unittest -q tests.test_context tests.test_tunnel)
else
  echo "tsan: skipped the Python part (GOST_NO_PYTHON set or no libtsan.so)"
fi
echo "tsan: clean"
