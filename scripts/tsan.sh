#!/usr/bin/env bash
# ThreadSanitizer run of the threaded paths (docs/threading.md): tests/integration/check_threads
# (gost_ctx_stop from another thread under traffic, contexts on parallel threads with TLS, the
# Python binding's run_in_thread/stop/inspect pattern).
# usage: scripts/tsan.sh BUILD_DIR   (a build configured with -DGOST_SANITIZE=thread)
set -euo pipefail
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export GOST_SOURCE_DIR="$SRC" GOST_BUILD_DIR="$B"
echo "tsan: check_threads"
"$B/tests/check_threads"
# The Python bindings' run_in_thread/stop pattern is the python_pattern case of check_threads:
# python3 itself cannot run with libtsan preloaded (it crashes at start-up, before any libgost
# code), so the pattern is exercised from C with the same calls and threads.
echo "tsan: clean"
