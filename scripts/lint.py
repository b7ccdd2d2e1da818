#!/usr/bin/env python3
"""lint.py SRCDIR - mechanical checks of STYLE.md that the compiler cannot make.

1. Function-length budget (STYLE.md #14): no function body over 100 lines
   unless a comment "/* long: <reason> */" sits within the three lines above
   its definition; the share of functions over 40 lines is reported.
2. Every .c file under src/ includes "vg.h" first.
3. No absolute path of a developer machine in tracked sources.
Exit 1 on any violation, naming file and line.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
bad = []
total = over40 = 0
func_re = re.compile(r"^[A-Za-z_][\w \*]*\b(\w+)\s*\([^;]*\)\s*$")

for dirpath, _, files in os.walk(os.path.join(root, "src")):
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        if not name.endswith((".c", ".h")):
            continue
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
        rel = os.path.relpath(path, root)
        if re.search(r"/(work|farm|root)/", "\n".join(lines)):
            bad.append(f"{rel}: names a machine path")
        if name.endswith(".c"):
            first = next((l for l in lines if l.startswith("#include")), "")
            if first.strip() != '#include "vg.h"':
                bad.append(f'{rel}: first include must be "vg.h", is {first.strip()!r}')
        i = 0
        while i < len(lines):
            if lines[i] == "{" and i > 0 and "(" in "".join(lines[max(0, i - 4):i]) \
                    and not lines[i - 1].rstrip().endswith(("=", ";")):
                start = i
                j = i + 1
                while j < len(lines) and lines[j] != "}" and not lines[j].startswith("};"):
                    j += 1
                n = j - start - 1
                total += 1
                if n > 40:
                    over40 += 1
                head = "\n".join(lines[max(0, start - 8):start])
                if n > 100 and "long:" not in head:
                    bad.append(f"{rel}:{start + 1}: function body of {n} lines "
                               f"(budget 100; justify with /* long: reason */)")
                i = j
            i += 1

for b in bad:
    print(b)
share = 100.0 * (total - over40) / total if total else 100.0
print(f"lint: {total} functions, {share:.0f}% within 40 lines, {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
