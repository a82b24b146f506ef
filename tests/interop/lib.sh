# Interop helpers: one role (server, client, visitor) is played by either "lib" (our gost) or
# "stock" (STOCK_GOST, GOST 3.2.6) or "rc5" (STOCK_GOST_RC5, 3.0.0-rc.5). Each case runs in its own
# temporary folder with its own ports (tests/sh/lib.sh), so cases can run in parallel.
source "$(dirname "${BASH_SOURCE[0]}")/../sh/lib.sh"

bin() { # bin ROLE-IMPL -> path of the binary
  case "$1" in
    lib) echo "$GOST" ;;
    stock) echo "${STOCK_GOST:?STOCK_GOST not set}" ;;
    rc5) echo "${STOCK_GOST_RC5:?STOCK_GOST_RC5 not set}" ;;
    *) fail "unknown implementation $1" ;;
  esac
}

# run NAME IMPL ARGS...: start a gost (ours or stock) in the background, log in $WORK/NAME.log.
run() {
  local name=$1 impl=$2; shift 2
  bg "$name" "$(bin "$impl")" "$@"
}

# wait_log NAME REGEX [SECONDS]: until the process log matches (default 15 s; a loaded machine).
wait_log() {
  local i n=$(( ${3:-15} * 10 ))
  for ((i = 0; i < n; i++)); do
    grep -Eq -- "$2" "$WORK/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$1: no log line matching '$2' within ${3:-15}s"
}

# wait_bound NAME: a tunnel client (rtcp/rudp) registered with its server.
wait_bound() { wait_log "$1" 'create tunnel .*OK'; }

# count_log NAME REGEX: number of matching lines
count_log() { grep -Ec -- "$2" "$WORK/$1.log" 2>/dev/null || true; }

# web NAME PORT TEXT: a tagged HTTP backend (index.html = TEXT).
web() {
  mkdir -p "$WORK/www-$1"; echo "$3" > "$WORK/www-$1/index.html"
  bg "$1" python3 -m http.server "$2" --bind 127.0.0.1 --directory "$WORK/www-$1"
  wait_tcp "$2"
}

# http PORT HOST [PATH] -> "BODY STATUS" (one line, body stripped of newlines), never fails.
http() {
  curl -s --max-time 10 -w ' %{http_code}' --resolve "$2:$1:127.0.0.1" "http://$2:$1/${3:-}" 2>/dev/null | tr -d '\n' || true
}

# expect_http PORT HOST WANT LABEL: retries (the tunnel may still be settling) until `http`
# prints WANT exactly.
expect_http() {
  local got
  for _ in $(seq 1 40); do
    got=$(http "$1" "$2")
    [ "$got" = "$3" ] && { pass "$4: $2 -> '$3'"; return 0; }
    sleep 0.25
  done
  fail "$4: $2: expected '$3', got '$got'"
}

combo() { echo "server=$1 client=$2${3:+ visitor=$3}"; }

ID1=4d21094e-b74c-4916-86c1-d9fa36ea677b
ID2=ac74d9dd-3125-442a-a7c1-f9e49e05faca
ID3=aede1f6a-762b-45da-b937-b6632356555a

# mkcerts: a CA and certificates in $WORK (ca.pem; NAME.pem/NAME.key for each "NAME CN").
mkcerts() {
  (cd "$WORK" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=ca" \
    -keyout ca.key -out ca.pem 2>/dev/null)
  while [ $# -ge 2 ]; do
    (cd "$WORK" && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" \
      -out "$1.csr" 2>/dev/null && printf 'subjectAltName=DNS:%s,IP:127.0.0.1\n' "$2" > "$1.ext" &&
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile "$1.ext" \
      -out "$1.pem" 2>/dev/null)
    shift 2
  done
}

# relocate SEEDYAML OUT NAME=PORT...: a seed config from examples/seeds on loopback ports.
relocate() {
  local src=$1 dst=$2; shift 2
  python3 "$SRC/tests/sh/seedrun.py" "$SRC/examples/seeds/$src" "$dst" "$@"
}
