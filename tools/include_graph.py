#!/usr/bin/env python3
"""The include graph of hv/ and boot/ (quoted includes only): prints the
edges that cross directories and every cycle, and exits 1 when there is a
cycle or a forbidden edge (hv/vmx including from hv/exits, outside the
allowed list below). Run: tools/include_graph.py [ROOT] [--edges]."""
import os
import re
import sys

# Edges hv/vmx -> hv/exits that are allowed for now, and why.
ALLOWED_VMX_TO_EXITS = {
    ("hv/vmx/vcpu.h", "hv/exits/io_policy.h"),  # struct hv embeds the I/O policy: same cure as stats.h
}

# Call cycles that are one module split in two files, or work in flight.
ALLOWED_CALL_CYCLES = {
    ("hv/vmx/entry_checks.c", "hv/vmx/entry_checks_guest.c"),  # one checker, guest-state rules apart (size)
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def graph(root):
    nodes = {}
    for top in ("hv", "boot"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    p = os.path.relpath(os.path.join(d, f), root)
                    with open(os.path.join(root, p), encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                    deps = []
                    for inc in INCLUDE.findall(text):
                        t = os.path.normpath(os.path.join(os.path.dirname(p), inc))
                        if os.path.exists(os.path.join(root, t)):
                            deps.append(t)
                    nodes[p] = deps
    return nodes


def unit(p):
    """A .c and its .h are one module for cycle purposes."""
    return os.path.splitext(p)[0]


def module_graph(nodes):
    g = {}
    for p, deps in nodes.items():
        g.setdefault(unit(p), set()).update(unit(d) for d in deps if unit(d) != unit(p))
    return g


def cycles(g):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
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

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


DEFINITION = re.compile(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{]*\)\s*\{", re.M)
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def call_graph(root, nodes):
    """Source file -> source files whose external functions it names: the
    link-level dependencies that headers shared by several .c files hide."""
    text = {}
    for p in nodes:
        if p.endswith(".c"):
            with open(os.path.join(root, p), encoding="utf-8", errors="replace") as fh:
                text[p] = COMMENT.sub(" ", fh.read())
    defined = {}
    for p, t in text.items():
        for name in DEFINITION.findall(t):
            defined.setdefault(name, p)
    g = {}
    for p, t in text.items():
        g[p] = {defined[i] for i in set(IDENT.findall(t)) if i in defined and defined[i] != p}
    return g


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    nodes = graph(root)
    bad = 0
    forbidden = [(p, d) for p, deps in sorted(nodes.items()) for d in deps
                 if p.startswith("hv/vmx/") and d.startswith("hv/exits/") and (p, d) not in ALLOWED_VMX_TO_EXITS]
    for p, d in forbidden:
        print(f"forbidden: {p} includes {d} (hv/vmx must not depend on hv/exits)")
        bad = 1
    for c in cycles(module_graph(nodes)):
        print("cycle: " + " <-> ".join(c))
        bad = 1
    calls = call_graph(root, nodes)
    call_cycles = cycles(calls)
    for c in call_cycles:
        allowed = tuple(c) in ALLOWED_CALL_CYCLES
        print(("allowed " if allowed else "") + "call cycle: " + " <-> ".join(c))
        bad |= not allowed
    if "--edges" in sys.argv:
        for p, deps in sorted(nodes.items()):
            for d in deps:
                if os.path.dirname(p) != os.path.dirname(d):
                    print(f"edge: {p} -> {d}")
    edges = sum(len(d) for d in nodes.values())
    print(f"{len(nodes)} files, {edges} include edges, "
          f"{len(forbidden)} forbidden, {len(cycles(module_graph(nodes)))} include cycles, "
          f"{len(call_cycles)} call cycles")
    return bad


if __name__ == "__main__":
    sys.exit(main())
