#!/usr/bin/env python3
"""Moves a seed config's addresses to loopback and writes the result; nothing else changes.
usage: seedrun.py SRC DST NAME=PORT...   e.g. tunnel=40001 entry=40002 web-a=40003
Known seed addresses and the names that replace them:
  :8443 SERVER_IP:8443 server.example:8443 -> tunnel     entrypoint ":80" -> entry
  192.168.1.1:80 -> web-a   192.168.1.2:80 -> web-b   192.168.2.1:80 -> web-f
  192.168.2.1:22 -> ssh     192.168.2.2:6379 -> redis 192.168.2.1:53 192.168.2.2:53 192.168.1.1:53 -> dns
  :2222 -> v-ssh  :1053 -> v-dns1  :2053 -> v-dns2  :6379 -> v-redis  :5201 -> iperf  :15201 -> v-iperf
  seed 002: service :80 -> entry   example.com:80 -> web-a   example.org:80 -> web-b
  :8000 -> v-web   seed 004: :8080 -> front  :10053 -> front-udp  192.168.1.1:8080 -> hop1  192.168.1.2:1080 -> hop2
"""
import re
import sys

ADDRS = {
    r"(?:SERVER_IP|server\.example)?:8443": "tunnel",
    r"192\.168\.1\.1:80": "web-a", r"192\.168\.1\.2:80": "web-b", r"192\.168\.2\.1:80": "web-f",
    r"192\.168\.2\.1:22": "ssh", r"192\.168\.2\.2:6379": "redis",
    r"192\.168\.(?:2\.1|2\.2|1\.1):53": "dns",
    r":80": "entry", r"example\.com:80": "web-a", r"example\.org:80": "web-b",
    r":8080": "front", r":10053": "front-udp", r"192\.168\.1\.1:8080": "hop1", r"192\.168\.1\.2:1080": "hop2",
    r":8000": "v-web", r":2222": "v-ssh", r":1053": "v-dns1", r":2053": "v-dns2", r":15201": "v-iperf", r":5201": "iperf",
}

src, dst = sys.argv[1], sys.argv[2]
ports = dict(a.split("=", 1) for a in sys.argv[3:])
text = open(src).read()
# The entrypoint option value ":80" (entrypoint / entryPoint keys only).
if "entry" in ports:
    text = re.sub(r'(entry[pP]oint:\s*)"?:80"?', r'\g<1>"127.0.0.1:%s"' % ports["entry"], text)
for pat, name in ADDRS.items():
    if name in ports:
        # whole-value matches only: after "addr: " (quoted or not)
        text = re.sub(r'(addr:\s*"?)' + pat + r'("?\s*(?:#.*)?$)', r"\g<1>127.0.0.1:%s\g<2>" % ports[name], text, flags=re.M)
open(dst, "w").write(text)
