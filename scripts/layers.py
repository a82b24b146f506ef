#!/usr/bin/env python3
"""The layer graph of lib/, written once, and the check that holds the code to it.

Each lib/ directory may include (with #include "dir/...") only itself, the public headers
(gost/...) and the directories listed for it below. There is no exception list: an include that
is not allowed fails the check. Usage:
  layers.py [LIBDIR]          check; exit 1 and name every offending line
  layers.py --graph [LIBDIR]  print the graph as used (for docs/design.md)
"""
import os
import re
import sys

# Bottom to top. A directory lists exactly what it may include.
ALLOWED = {
    "core": [],
    "codec": ["core"],
    "io": ["core", "codec"],
    # limiters (stock limiters/climiters/rlimiters): buckets and counters, charged by the pipe
    "limit": ["core", "codec", "io"],
    "mux": ["core", "codec", "io"],
    "model": ["core", "codec", "io", "limit"],
    "ingress": ["core", "codec"],
    "cluster": ["core", "codec", "io"],
    "transport": ["core", "codec", "io", "model"],
    "chain": ["core", "codec", "io", "model"],
    "connector": ["core", "codec", "io", "mux", "model"],
    "tunnel": ["core", "codec", "io", "mux", "model", "ingress", "chain", "connector", "cluster",
               "limit"],
    "handler": ["core", "codec", "io", "mux", "model", "chain", "tunnel"],
    "service": ["core", "codec", "io", "mux", "model", "ingress", "transport", "chain",
                "connector", "tunnel", "handler"],
    "api": ["core", "codec", "io", "model", "ingress", "tunnel", "service", "cluster", "limit"],
    "config": ["core", "codec"],
    # the control plane sits on everything: it diffs configs (config), builds through the api,
    # and reads services, tunnels and ingresses for the API and metrics
    "admin": ["core", "codec", "io", "model", "ingress", "tunnel", "api", "config", "limit"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"')


def used_edges(libdir):
    """{dir: {included dir: [file:line, ...]}} for every quoted include across directories."""
    edges = {}
    for d in sorted(os.listdir(libdir)):
        path = os.path.join(libdir, d)
        if not os.path.isdir(path):
            continue
        edges.setdefault(d, {})
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in (d, "gost"):
                        edges[d].setdefault(m.group(1), []).append(f"lib/{d}/{name}:{no}")
    return edges


def check(libdir):
    bad = 0
    edges = used_edges(libdir)
    for d in edges:
        if d not in ALLOWED:
            print(f"layers: lib/{d}/ is not in the graph (scripts/layers.py ALLOWED)")
            bad += 1
            continue
        for inc, where in edges[d].items():
            if inc not in ALLOWED[d]:
                for w in where:
                    print(f"layers: {w}: lib/{d}/ may not include {inc}/")
                bad += len(where)
    for d, deps in ALLOWED.items():
        for dep in deps:
            if ALLOWED.get(dep) is None:
                print(f"layers: {d} lists unknown {dep}")
                bad += 1
            elif list(ALLOWED).index(dep) >= list(ALLOWED).index(d):
                print(f"layers: {d} lists {dep}, which is not below it (no cycles)")
                bad += 1
    print(f"layers: {'FAIL' if bad else 'ok'}: {len(edges)} directories, {bad} violation(s)")
    return 1 if bad else 0


def graph(libdir):
    edges = used_edges(libdir)
    for d in ALLOWED:
        used = sorted(edges.get(d, {}), key=list(ALLOWED).index)
        print(f"{d:<10} -> {' '.join(used) if used else '(nothing)'}")


if __name__ == "__main__":
    args = sys.argv[1:]
    want_graph = "--graph" in args
    args = [a for a in args if a != "--graph"]
    lib = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "lib")
    if want_graph:
        graph(lib)
        sys.exit(0)
    sys.exit(check(lib))
