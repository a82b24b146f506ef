#!/usr/bin/env bash
# The interop suite: every case against every mix of stock GOST and libgost, in parallel.
# usage: STOCK_GOST=… STOCK_GOST_RC5=… GOST_BIN=build/gost tests/interop/run.sh [PATTERN]
# Skips (exit 0, saying so) when a stock binary is not given. INTEROP_JOBS: parallel cases (6).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export GOST_SOURCE_DIR=${GOST_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
export GOST_BIN=$(realpath "${GOST_BIN:-build/gost}")
missing=()
[ -x "${STOCK_GOST:-}" ] || missing+=("STOCK_GOST (gost 3.2.6)")
[ -x "${STOCK_GOST_RC5:-}" ] || missing+=("STOCK_GOST_RC5 (gost 3.0.0-rc.5)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "interop: skipped, no stock binary: ${missing[*]} (unpack ../shared/peers with its unpack.sh)"
  exit 0
fi
export STOCK_GOST=$(realpath "$STOCK_GOST") STOCK_GOST_RC5=$(realpath "$STOCK_GOST_RC5")

# One line per job: case script and its roles.
# The long, mostly idle keepalive cases go first so they overlap with everything else.
jobs() {
  local s c v
  for s in lib stock; do for c in lib stock; do echo "keepalive.sh $s $c"; done; done
  for s in lib stock; do for c in lib stock; do
    echo "http_host.sh $s $c"; echo "tls_sni.sh $s $c"; echo "transports.sh $s $c"
    echo "auth.sh $s $c"; echo "routing.sh $s $c"
    for v in lib stock; do
      echo "visitor.sh $s $c $v"; echo "direct.sh $s $c $v"; echo "big.sh $s $c $v"
      echo "halfclose.sh $s $c $v"; echo "entrypoint_id.sh $s $c $v"
    done
  done; echo "pool.sh $s"; for p in proxy tunnel forward; do echo "seeds.sh $s $p"; done; done
  # remote forwarding over relay/SOCKS5 binds, UDP through hops (docs/remote-forwarding.md)
  for s in lib stock; do for c in lib stock; do echo "remote_forward.sh $s $c"; done; done
  for s in lib stock; do echo "bypass.sh $s"; done
  for s in lib rc5; do for c in lib rc5; do for v in lib rc5; do echo "relay.sh $s $c $v"; done; done; done
  echo "seeds_relay.sh lib relay"; echo "seeds_relay.sh lib relayid"; echo "seeds_relay.sh rc5 relayid"
  # multiplexed visitor sessions (tunnel.mux): stock servers refuse them, the visitor falls back
  for s in stock rc5; do echo "visitor_mux.sh $s"; done
}

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
list=$(jobs | grep -E -- "${1:-.}")
total=$(echo "$list" | wc -l)
start=$(date +%s)
echo "$list" | xargs -P "${INTEROP_JOBS:-6}" -I{} bash -c '
  f="$1/$(echo "$2" | tr " /" "__").out"
  # A port drawn by a neighbour between our free_ports and our bind: run the case once more.
  t0=$(date +%s)
  for try in 1 2; do
    timeout 150 bash "$0"/$2 >"$f" 2>&1 && { echo "ok   $2 ($(( $(date +%s) - t0 )) s)"; exit 0; }
    grep -q "already in use" "$f" || break
  done
  echo "FAIL $2"; mv "$f" "$f.failed"
' "$HERE" "$OUT" {}
failed=$(ls "$OUT"/*.failed 2>/dev/null | wc -l)
for f in "$OUT"/*.failed; do [ -f "$f" ] && { echo "=== ${f##*/}"; tail -n 60 "$f"; }; done
echo "interop: $((total - failed))/$total cases passed in $(( $(date +%s) - start )) s"
[ "$failed" -eq 0 ]
