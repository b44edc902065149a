#!/usr/bin/env python3
"""The guide's size rules for product code: no file over 600 lines, no
function over 80 (signature to closing brace). Checks the C, header and
assembly sources under hv/, boot/, guest-loader/ and tools/hvstat/.
Prints every breach and exits 1 if there is one; --report lists the
largest files and functions too.
usage: tools/check_sizes.py [ROOT] [--report]"""
import os
import re
import sys

FILE_MAX = 600
FUNCTION_MAX = 80
DIRS = ("hv", "boot", "guest-loader", "tools/hvstat")
EXTS = (".c", ".h", ".asm")

# A definition starts at column 0 with a name and "(" and no ";" before
# the body's "{" (on the same line or the next one at column 0).
START = re.compile(r"^(?!static_assert|_Static_assert|#|typedef|struct\s+\w+\s*\{|enum|union)[A-Za-z_][\w\s\*,()\[\]]*?\b(\w+)\s*\(")


def functions(lines):
    """(name, first line, length) of each function definition."""
    out = []
    i = 0
    while i < len(lines):
        m = START.match(lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            # the signature may run over lines; the body opens with "{"
            j = i
            while j < len(lines) and "{" not in lines[j] and not lines[j].rstrip().endswith(";"):
                j += 1
            if j < len(lines) and "{" in lines[j] and not lines[j].rstrip().endswith(";"):
                if lines[j].rstrip().endswith("}"):  # one-line body
                    out.append((m.group(1), i + 1, j - i + 1))
                    i = j + 1
                    continue
                k = j + 1
                while k < len(lines) and lines[k].rstrip() != "}":
                    k += 1
                out.append((m.group(1), i + 1, k - i + 1))
                i = k + 1
                continue
        i += 1
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    breaches, files, funcs = [], [], []
    for d in DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, d)):
            for n in sorted(names):
                if not n.endswith(EXTS):
                    continue
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().split("\n")
                count = len(lines) - (1 if lines and lines[-1] == "" else 0)
                files.append((count, rel))
                if count > FILE_MAX:
                    breaches.append(f"{rel}: {count} lines (limit {FILE_MAX})")
                if n.endswith(".c"):
                    for name, first, length in functions(lines):
                        funcs.append((length, f"{rel}:{first} {name}"))
                        if length > FUNCTION_MAX:
                            breaches.append(f"{rel}:{first}: function {name} is {length} lines (limit {FUNCTION_MAX})")
    for b in breaches:
        print(b)
    if "--report" in sys.argv:
        for c, r in sorted(files, reverse=True)[:5]:
            print(f"file {c:5d} {r}")
        for c, r in sorted(funcs, reverse=True)[:10]:
            print(f"function {c:4d} {r}")
    print(f"{len(files)} files, {len(funcs)} functions checked: {len(breaches)} over the limits")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
