#!/usr/bin/env bash
# Installs the Debian packages libgost needs to build and test. Idempotent: does nothing when
# everything is present; names the missing packages when it cannot install them.
set -euo pipefail
build_pkgs="cmake make gcc g++ pkg-config libev-dev libssl-dev libjansson-dev libyaml-dev
  libc-ares-dev libhttp-parser-dev libwslay-dev libhiredis-dev zlib1g-dev check python3"
test_pkgs="curl dnsmasq-base bind9-dnsutils openssl nginx-light redis-server redis-tools
  openssh-server openssh-client iperf3 socat nodejs node-ws valgrind procps
  python3-pip python3-wheel python3-setuptools chromium chromium-driver python3-selenium"
bench_pkgs="wrk haproxy iperf3 socat nginx-light libnginx-mod-stream openssh-server openssh-client python3 procps"

want="$build_pkgs"
case "${1:-build}" in
  test) want="$build_pkgs $test_pkgs" ;;
  bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
esac

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
log=/tmp/libgost-apt.log
: > "$log"
# Runs an apt command; while another apt/dpkg holds its lock (unattended upgrades, a parallel
# run), waits and retries instead of failing: up to LIBGOST_APT_WAIT seconds (default 600).
apt_run() {
  local limit=${LIBGOST_APT_WAIT:-600} end=$((SECONDS + ${LIBGOST_APT_WAIT:-600})) said= out
  while :; do
    out=$("$@" 2>&1) && { printf '%s\n' "$out" >>"$log"; return 0; }
    printf '%s\n' "$out" >>"$log"
    printf '%s' "$out" | grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' || return 1
    [ "$SECONDS" -lt "$end" ] || { echo "error: the dpkg lock stayed busy for ${limit}s" >&2; return 1; }
    [ -n "$said" ] || { said=1; echo "waiting for the dpkg lock (another apt or dpkg is running)..."; }
    sleep "${LIBGOST_APT_POLL:-5}"
  done
}
if ! { apt_run $sudo apt-get -o DPkg::Lock::Timeout=60 update -qq &&
       apt_run env DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=60 install -y -qq \
         --no-install-recommends $missing; }; then
  echo "error: could not install these Debian packages:$missing" >&2
  echo "       (see $log; install them and re-run)" >&2
  exit 1
fi
