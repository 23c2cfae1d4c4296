#!/usr/bin/env python3
"""tests/shape/code_shape.py - the shape the code keeps (doc/ARCHITECTURE.md, "Rooms and
contexts"): in each directory given, no cycle in the graph of modules that include each
other's headers (a module is a file name without .c/.h), no .c file over MAX_LINES lines and
no function over MAX_FN lines (column-0 brace to column-0 brace). Prints one TAP line per
directory and rule; exits 0. Usage: code_shape.py SRCDIR DIR..."""
import os
import re
import sys

MAX_LINES = 800
MAX_FN = 60


def include_graph(d):
    files = [f for f in os.listdir(d) if f.endswith(('.c', '.h'))]
    names = {f.rsplit('.', 1)[0] for f in files}
    edges = {n: set() for n in names}
    for f in files:
        mod = f.rsplit('.', 1)[0]
        with open(os.path.join(d, f), encoding='utf-8', errors='replace') as fh:
            for line in fh:
                m = re.match(r'#include "([^"/]+)\.h"', line)
                if m and m.group(1) in names and m.group(1) != mod:
                    edges[mod].add(m.group(1))
    return edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def long_things(d):
    big, fns = [], []
    for f in sorted(os.listdir(d)):
        if not f.endswith('.c'):
            continue
        with open(os.path.join(d, f), encoding='utf-8', errors='replace') as fh:
            lines = fh.read().split('\n')
        if len(lines) - 1 > MAX_LINES:
            big.append('%s (%d lines)' % (f, len(lines) - 1))
        name, start = '', None
        for i, line in enumerate(lines):
            if re.match(r'[A-Za-z_].*\(', line):
                name = line.split('(')[0]
            elif line.startswith('{'):
                start = i
            elif line.startswith('}') and start is not None:
                if i - start + 1 > MAX_FN:
                    fns.append('%s:%s (%d lines)' % (f, name, i - start + 1))
                start = None
    return big, fns


def main():
    src, dirs = sys.argv[1], sys.argv[2:]
    n = 0
    for d in dirs:
        path = os.path.join(src, d)
        found = cycles(include_graph(path))
        big, fns = long_things(path)
        for what, bad in (('no include cycle', [' '.join(c) for c in found]),
                          ('no file over %d lines' % MAX_LINES, big),
                          ('no function over %d lines' % MAX_FN, fns)):
            n += 1
            print('%s %d - %s: %s' % ('not ok' if bad else 'ok', n, d, what))
            for b in bad:
                print('# %s' % b)
    print('1..%d' % n)


if __name__ == '__main__':
    main()
