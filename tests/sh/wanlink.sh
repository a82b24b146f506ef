# Two network namespaces joined by gost-linkemu (tests/support/linkemu.c), for bench-wan and the
# chaos test. Source after lib.sh (or alone with WORK set). Side a is 198.18.0.1, side b
# 198.18.0.2 (RFC 2544's benchmarking range, inside namespaces this script creates).
#   wan_check            -> 0 when namespaces and TUN work here, else prints why and returns 1
#   wan_setup            creates the namespaces ($WAN_A, $WAN_B); wan_teardown removes them
#   wan_link ARGS...     (re)starts the emulator with gost-linkemu options (-d -l -r -R -q ...)
#   wan_down / wan_up    cuts / restores the link; wan_a CMD / wan_b CMD run CMD in a side
WAN_IP_A=198.18.0.1
WAN_IP_B=198.18.0.2
WAN_EMU=${WAN_EMU:-${GOST_BUILD_DIR:-build}/gost-linkemu}
WAN_A="" WAN_B="" WAN_EMU_PID="" WAN_SEQ=0

wan_check() {
  if [ "$(id -u)" != 0 ]; then echo "needs root (network namespaces)"; return 1; fi
  if [ ! -c /dev/net/tun ]; then echo "no /dev/net/tun"; return 1; fi
  if [ ! -x "$WAN_EMU" ]; then echo "no link emulator at $WAN_EMU (build the gost_linkemu target)"; return 1; fi
  local probe="gostprobe$$"
  if ! ip netns add "$probe" 2>/dev/null; then echo "ip netns add is not permitted here"; return 1; fi
  ip netns del "$probe"
}

wan_setup() {
  local tag="g$$$RANDOM"
  WAN_A="${tag}a" WAN_B="${tag}b"
  ip netns add "$WAN_A" && ip netns add "$WAN_B" || return 1
  local ns
  for ns in "$WAN_A" "$WAN_B"; do
    ip -n "$ns" link set lo up
    # room for a 200 ms x 100 Mbit/s window on both plain TCP and the tunnel carrier
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 131072 16777216" net.ipv4.tcp_wmem="4096 16384 16777216" \
      net.core.rmem_max=16777216 net.core.wmem_max=16777216 2>/dev/null || true
  done
}

wan_link() {
  wan_link_stop
  # fresh device names each time: the kernel may still be removing the previous emulator's
  # devices, and TUNSETIFF on a dying device of the same name attaches to it
  WAN_SEQ=$((WAN_SEQ + 1))
  local ifa="wan${WAN_SEQ}a" ifb="wan${WAN_SEQ}b"
  "$WAN_EMU" -A "/run/netns/$WAN_A" -B "/run/netns/$WAN_B" -a "$ifa" -b "$ifb" "$@" >"$WORK/linkemu.out" 2>"$WORK/linkemu.log" &
  WAN_EMU_PID=$!
  local i
  for i in $(seq 50); do grep -q ready "$WORK/linkemu.out" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$WORK/linkemu.out" || { cat "$WORK/linkemu.log" >&2; return 1; }
  ip -n "$WAN_A" addr add "$WAN_IP_A/24" dev "$ifa" && ip -n "$WAN_A" link set "$ifa" up mtu 1500 txqueuelen 1000 &&
    ip -n "$WAN_B" addr add "$WAN_IP_B/24" dev "$ifb" && ip -n "$WAN_B" link set "$ifb" up mtu 1500 txqueuelen 1000
}

wan_link_stop() {
  [ -n "$WAN_EMU_PID" ] || return 0
  kill "$WAN_EMU_PID" 2>/dev/null
  wait "$WAN_EMU_PID" 2>/dev/null || true
  WAN_EMU_PID=""
}

wan_down() { kill -USR1 "$WAN_EMU_PID"; }
wan_up() { kill -USR2 "$WAN_EMU_PID"; }
wan_a() { ip netns exec "$WAN_A" "$@"; }
wan_b() { ip netns exec "$WAN_B" "$@"; }

wan_teardown() {
  wan_link_stop
  local ns p
  for ns in "$WAN_A" "$WAN_B"; do # whatever still runs inside our namespaces
    [ -n "$ns" ] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  [ -n "$WAN_A" ] && ip netns del "$WAN_A" 2>/dev/null
  [ -n "$WAN_B" ] && ip netns del "$WAN_B" 2>/dev/null
  WAN_A="" WAN_B=""
}
