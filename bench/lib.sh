# Shared by the bench scripts: `bench_workdir NAME` makes the work folder $W and the list PIDS of
# background processes; on exit they are killed (and an nginx started with pid $W/nginx.pid),
# and $W is removed unless KEEP is set.
bench_workdir() {
  W=$(mktemp -d "/tmp/libgost-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
