#!/usr/bin/env bash
# Remote forwarding without a tunnel server (docs/remote-forwarding.md): the server binds a port
# for the client over relay (bind=true) and SOCKS5 (bind=true), TCP (1 MiB echoed, checked by
# sha256) and UDP (datagrams echoed); then UDP through a relay and a SOCKS5 hop (udp=true), and a
# UDP ASSOCIATE client (stock `relay=udp`). usage: remote_forward.sh S C
source "$(dirname "$0")/lib.sh"
S=$1 C=$2; L="remote forwarding: $(combo "$S" "$C")"
read -r ECHO < <(free_ports 1)
read -r UECHO < <(free_ports 1 udp)
bg echo python3 "$SRC/tests/interop/peer.py" echo tcp "$ECHO"
bg uecho python3 "$SRC/tests/interop/peer.py" echo udp "$UECHO"
wait_tcp "$ECHO"
for scheme in relay socks5; do
  read -r P SP < <(free_ports 2)
  read -r UP UL < <(free_ports 2 udp)
  run "server-$scheme" "$S" -L "$scheme://127.0.0.1:$SP?bind=true&udp=true"
  wait_listening "server-$scheme" "$SP"
  run "client-$scheme" "$C" -L "rtcp://127.0.0.1:$P/127.0.0.1:$ECHO" -L "rudp://127.0.0.1:$UP/127.0.0.1:$UECHO" \
    -F "$scheme://127.0.0.1:$SP"
  retry 50 python3 "$SRC/tests/interop/peer.py" bulk "$P" 1048576 || fail "$L: $scheme TCP bind"
  pass "$L: $scheme TCP bind (1 MiB echoed)"
  retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "$UP" 1200 || fail "$L: $scheme UDP bind"
  pass "$L: $scheme UDP bind"
  # UDP through the same server as a proxy hop
  run "hop-$scheme" "$C" -L "udp://127.0.0.1:$UL/127.0.0.1:$UECHO" -F "$scheme://127.0.0.1:$SP"
  retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "$UL" 1200 || fail "$L: UDP through a $scheme hop"
  pass "$L: UDP through a $scheme hop"
  if [ "$scheme" = socks5 ]; then # plain BIND 0x02: the same two replies and relay from both servers
    out=$(python3 "$SRC/tests/interop/peer.py" socks5bind "$SP" 2>&1)
    [ "$out" = "$(printf 'first reply rep=0 host=127.0.0.1 port>0=True\nsecond reply rep=0 names the peer=True\nrelayed True True')" ] ||
      fail "$L: SOCKS5 plain BIND: $out"
    pass "$L: SOCKS5 plain BIND (0x02)"
  fi
done
if [ "$C" = stock ]; then # only stock's connector speaks plain UDP ASSOCIATE (relay=udp)
  read -r AL < <(free_ports 1 udp)
  run assoc "$C" -L "udp://127.0.0.1:$AL/127.0.0.1:$UECHO" -F "socks5://127.0.0.1:$SP?relay=udp"
  retry 20 python3 "$SRC/tests/interop/peer.py" roundtrip udp "$AL" 1200 || fail "$L: UDP ASSOCIATE"
  pass "$L: SOCKS5 UDP ASSOCIATE"
fi
