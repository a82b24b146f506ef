# Finds the stock GOST 3.2.6 binary for the benchmarks: $STOCK_GOST, else unpacked from the shared
# peers folder (../shared/peers beside the repository, or $GOST_PEERS) into $1. Prints the path,
# or nothing (and a note on stderr) when there is none. Source it, then: STOCK=$(stock_gost DIR)
stock_gost() {
  local dir=$1 root peers
  if [ -n "${STOCK_GOST:-}" ]; then
    [ -x "$STOCK_GOST" ] && { echo "$STOCK_GOST"; return; }
    echo "STOCK_GOST=$STOCK_GOST is not executable: stock rows skipped" >&2
    return
  fi
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for peers in "${GOST_PEERS:-}" "$root/../shared/peers" "$root/../../shared/peers" /work/shared/peers; do
    [ -n "$peers" ] && [ -f "$peers/unpack.sh" ] || continue
    if sh "$peers/unpack.sh" "$dir" >/dev/null 2>&1 && [ -x "$dir/gost-3.2.6" ]; then
      echo "$dir/gost-3.2.6"
      return
    fi
  done
  echo "no stock GOST (set STOCK_GOST or provide ../shared/peers): stock rows skipped" >&2
}
