#!/usr/bin/env python3
"""Fails when an internal (gost__) function defined in lib/ is never used: no call, no address
taken, anywhere in lib/, cli/, tests/ or bench/ besides its definition and its prototypes.

A definition is a line at column 0 that is not `static` and names gost__x( and is not a
prototype (it does not end with ';'). A column-0, non-macro line whose first '(' follows the name
declares or defines it; every other occurrence of the name is a use (a call, a function pointer
in a table, a macro body). Usage: unused.py [ROOT]
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
NAME = re.compile(r"\b(gost__\w+)\s*\(")


def files(*dirs):
    for d in dirs:
        for base, _, names in os.walk(os.path.join(root, d)):
            for n in names:
                if n.endswith((".c", ".h")):
                    yield os.path.join(base, n)


defs = {}
for path in files("lib"):
    if not path.endswith(".c"):
        continue
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if line[:1].isspace() or line.startswith(("static", "#", "/", "}")) or not line.strip():
                continue
            m = NAME.search(line)
            if m and not line.rstrip().endswith(";") and "=" not in line.split("(")[0]:
                defs.setdefault(m.group(1), f"{os.path.relpath(path, root)}:{no}")

uses = {name: 0 for name in defs}
word = re.compile(r"\bgost__\w+\b")
for path in files("lib", "cli", "tests", "bench"):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            # Only the first name of a column-0 line that is not a macro can be a prototype or
            # a definition; `static size_t f(x) { return gost__y(x); }` uses gost__y.
            head = line[:1] not in (" ", "\t", "#")
            for m in word.finditer(line):
                name = m.group(0)
                if name not in uses:
                    continue
                after = line[m.end():].lstrip()
                own = head and after.startswith("(") and not any(c in line[:m.start()] for c in "(=")
                if not own:
                    uses[name] += 1

unused = sorted(n for n, k in uses.items() if k == 0)
for n in unused:
    print(f"unused: {n} defined at {defs[n]} is never called")
print(f"unused: {'FAIL' if unused else 'ok'}: {len(defs)} internal functions, {len(unused)} never used")
sys.exit(1 if unused else 0)
