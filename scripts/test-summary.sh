#!/bin/sh
# test-summary.sh BUILDDIR... - print "N passed, N failed, N skipped" summed
# over the Meson test logs of the given build directories: the closing line
# CI reads.  Exit 1 when anything failed, a log is missing, or no test ran.
set -eu
python3 - "$@" <<'PY'
import json, os, sys
ok = fail = skip = 0
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        print(f"test-summary: no test log in {d}", file=sys.stderr)
        fail += 1
        continue
    for line in open(log, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line).get("result", "ERROR")
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r == "SKIP":
            skip += 1
        else:
            fail += 1
print(f"{ok} passed, {fail} failed, {skip} skipped")
sys.exit(1 if fail or ok == 0 else 0)
PY
