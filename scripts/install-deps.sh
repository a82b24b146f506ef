#!/usr/bin/env bash
# Installs the Debian packages libgost needs to build and test. Idempotent: does nothing when
# everything is present; names the missing packages when it cannot install them.
set -euo pipefail
build_pkgs="cmake make gcc g++ pkg-config libev-dev libssl-dev libjansson-dev libyaml-dev
  libc-ares-dev libhttp-parser-dev libwslay-dev check python3"
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
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing; } >/tmp/libgost-apt.log 2>&1; then
  echo "error: could not install these Debian packages:$missing" >&2
  echo "       (see /tmp/libgost-apt.log; install them and re-run)" >&2
  exit 1
fi
