#!/usr/bin/env bash
# log.rotation.compress (docs/operations.md, "Logs"): once the log file passes maxSize it is
# rotated and the backup gzipped off the loop; the .gz holds the records that were written
# (gunzipped and searched here), no plain backup stays behind, and maxBackups counts the .gz files.
# The log is access.txt, not *.log, so that a failure does not dump megabytes of it.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "SKIP: wrk not installed"; exit 0; }

read -r API < <(free_ports 1)
cd "$WORK"
cat > gost.yaml <<YAML
log: {level: info, output: $WORK/access.txt, rotation: {maxSize: 1, maxBackups: 2, compress: true}}
api: {addr: "127.0.0.1:$API", accesslog: true}
YAML
bg server "$GOST" -C gost.yaml
SPID=${_pids[-1]}
wait_tcp "$API"

# one access log line (~250 bytes) per request: a few seconds of wrk write several MB
wrk -t1 -c4 -d3s "http://127.0.0.1:$API/api/status?marker=compressme" > wrk.txt 2>&1 || fail "wrk: $(cat wrk.txt)"
retry 50 sh -c 'ls access.txt.*.gz >/dev/null 2>&1' || fail "no compressed backup: $(ls)"
retry 50 sh -c '! ls access.txt.*-*[0-9] >/dev/null 2>&1 && ! ls access.txt.*.tmp >/dev/null 2>&1' ||
  fail "plain backups or temporaries left: $(ls)"
n=$(ls access.txt.*.gz | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "maxBackups 2 not kept: $n .gz files: $(ls)"
for f in access.txt.*.gz; do
  gzip -t "$f" || fail "$f is not a valid gzip file"
  hits=$(zcat "$f" | grep -c '"uri":"/api/status"' || true)
  [ "$hits" -gt 1000 ] || fail "$f holds $hits access log lines: $(zcat "$f" | head -c 600)"
  lines=$(zcat "$f" | wc -l)
  [ "$lines" -gt 1000 ] || fail "$f holds only $lines lines"
  bytes=$(zcat "$f" | wc -c)
  [ "$bytes" -le $((1024 * 1024)) ] || fail "$f holds $bytes bytes, over maxSize"
done
kill -0 "$SPID" || fail "server died"
pass "rotated logs gzipped: $n backups, $(zcat access.txt.*.gz | wc -l) lines recovered with zcat"
