#!/usr/bin/env bash
# Bypass lists from the command line (docs/bypass.md), stock and libgost answering the same
# requests the same way: SOCKS5 0x02 for a blacklisted IP and glob, HTTP 403 outside a `~`
# whitelist, and a chain node's bypass sending a target around the hop. usage: bypass.sh S
source "$(dirname "$0")/lib.sh"
S=$1; L="bypass: server=$S"
mkdir -p "$WORK/www"; echo hello > "$WORK/www/i.txt"
read -r web s5 hp ch < <(free_ports 4)
bg web1 python3 -m http.server "$web" --bind 127.0.0.1 --directory "$WORK/www"
bg web3 python3 -m http.server "$web" --bind 127.0.0.3 --directory "$WORK/www"
run s5 "$S" -L "socks5://127.0.0.1:$s5?bypass=127.0.0.3,*.blocked.test"
run hp "$S" -L "http://127.0.0.1:$hp?bypass=~127.0.0.1"
run ch "$S" -L "http://127.0.0.1:$ch" -F "socks5://127.0.0.1:$s5?bypass=127.0.0.3"
for p in "$web" "$s5" "$hp" "$ch"; do wait_tcp "$p"; done
s5err() { curl -sS --max-time 5 -o /dev/null "$@" 2>&1 | grep -o '([0-9])$' || true; }
code() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" || true; }
[ "$(s5err --socks5 "127.0.0.1:$s5" "http://127.0.0.3:$web/i.txt")" = "(2)" ] || fail "$L: socks5 IP not 0x02"
[ "$(s5err --socks5-hostname "127.0.0.1:$s5" "http://a.blocked.test:$web/")" = "(2)" ] || fail "$L: socks5 glob not 0x02"
[ "$(code --socks5 "127.0.0.1:$s5" "http://127.0.0.1:$web/i.txt")" = 200 ] || fail "$L: socks5 allowed target"
pass "$L: socks5 blacklist (IP, glob) answers 0x02"
[ "$(code -x "http://127.0.0.1:$hp" "http://127.0.0.3:$web/i.txt")" = 403 ] || fail "$L: http whitelist not 403"
[ "$(code -x "http://127.0.0.1:$hp" "http://127.0.0.1:$web/i.txt")" = 200 ] || fail "$L: http whitelisted target"
pass "$L: http ~whitelist answers 403 outside it"
[ "$(code -x "http://127.0.0.1:$ch" "http://127.0.0.3:$web/i.txt")" = 200 ] || fail "$L: node bypass did not go around the hop"
pass "$L: a -F node's bypass sends the target around the hop"
