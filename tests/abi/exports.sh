#!/usr/bin/env bash
# The shared library exports exactly the symbols listed in the version script.
set -euo pipefail
lib=$1 map=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | sort -u)
listed=$(grep -oE '\bgost_[a-z0-9_]+;' "$map" | tr -d ';' | sort -u)
bad=$(echo "$exported" | grep -v '^gost_' || true)
[ -z "$bad" ] || { echo "non-gost exports: $bad"; exit 1; }
internal=$(echo "$exported" | grep '^gost__' || true)
[ -z "$internal" ] || { echo "internal symbols exported: $internal"; exit 1; }
diff <(echo "$exported") <(echo "$listed") || { echo "exports differ from $map"; exit 1; }
echo "exports match $map ($(echo "$exported" | wc -l) symbols)"
