#!/usr/bin/env python3
"""Strict parser for the Prometheus text exposition format (0.0.4), enough to catch what a
scraper would reject: every sample belongs to a family declared by # TYPE before it, names and
label names match the grammar, label values are properly escaped, values are floats, no series
repeats. Reads the scrape on stdin; each argument is an assertion `name{k="v",...} OP number`
(OP one of == >= > <=) on the sample with exactly those labels (a missing `host` label is
ignored). Exit status 1 with a message on the first failure."""
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')


def fail(msg):
    print("prom_check: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_labels(s):
    out, pos = {}, 0
    while pos < len(s):
        m = LABEL.match(s, pos)
        if not m:
            fail("bad labels: {%s}" % s)
        if m.group(1) in out:
            fail("duplicate label %s" % m.group(1))
        out[m.group(1)] = m.group(2)
        pos = m.end()
    return out


def parse(text):
    types, samples = {}, {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == 'TYPE':
                if not NAME.match(parts[2]) or len(parts) != 4 or parts[3] not in (
                        'counter', 'gauge', 'histogram', 'summary', 'untyped'):
                    fail("line %d: bad TYPE: %s" % (n, line))
                if parts[2] in types:
                    fail("line %d: family declared twice: %s" % (n, parts[2]))
                types[parts[2]] = parts[3]
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$', line)
        if not m:
            fail("line %d: bad sample: %s" % (n, line))
        name, labels = m.group(1), parse_labels(m.group(3) or '')
        base = re.sub(r'_(bucket|sum|count)$', '', name)
        if name not in types and base not in types:
            fail("line %d: sample before its # TYPE: %s" % (n, name))
        try:
            value = float(m.group(4))
        except ValueError:
            fail("line %d: bad value %r" % (n, m.group(4)))
        if types.get(name) == 'counter' and value < 0:
            fail("line %d: negative counter" % n)
        key = (name, tuple(sorted(labels.items())))
        if key in samples:
            fail("line %d: repeated series %s" % (n, line))
        samples[key] = value
    return types, samples


def check(samples, expr):
    m = re.match(r'\s*([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s*(==|>=|<=|>)\s*(\S+)\s*$', expr)
    if not m:
        fail("bad assertion %r" % expr)
    want = parse_labels(m.group(3) or '')
    found = [v for (name, labels), v in samples.items()
             if name == m.group(1) and {k: x for k, x in labels if k != 'host'} == want]
    if len(found) != 1:
        fail("%s: %d matching series" % (expr, len(found)))
    v, op, ref = found[0], m.group(4), float(m.group(5))
    ok = {'==': v == ref, '>=': v >= ref, '<=': v <= ref, '>': v > ref}[op]
    if not ok:
        fail("%s: value is %g" % (expr, v))


if __name__ == '__main__':
    types, samples = parse(sys.stdin.read())
    if not samples:
        fail("no samples")
    for a in sys.argv[1:]:
        check(samples, a)
    print("prom_check: %d families, %d series ok" % (len(types), len(samples)))
