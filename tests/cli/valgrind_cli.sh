#!/bin/sh
# valgrind_cli.sh - run a representative sequence of vigil commands under
# valgrind (memcheck): every run must be free of memory errors and of
# definite or indirect leaks.  Commands that do not exist in this build are
# skipped.  Needs VIGIL (a binary built without sanitizers) and SRCDIR.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
runs=0
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --error-exitcode=97"

has() { "$VIGIL" --help | grep -q "^  $1 "; }

# vg EXPECTED_EXIT ARGS... : run under valgrind, check exit code
vg() {
	want=$1
	shift
	runs=$((runs + 1))
	$VG "$VIGIL" "$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL (exit $got, want $want): vigil $*"
		sed 's/^/    /' "$T/err" | head -40
		fails=$((fails + 1))
	fi
}

DB=$T/v.db
vg 0 --help
vg 2 no-such-command
vg 0 version
vg 0 init --db "$DB"
vg 0 init --db "$DB"
vg 2 info
vg 0 info --db "$DB" --format json
vg 2 info --db "$DB" --format yaml
vg 0 cases list --db "$DB"
vg 3 cases show --db "$DB" NO-SUCH-CASE
if has import; then
	[ -d "$SRCDIR/tests/data/faers/small" ] &&
		vg 0 import faers --db "$DB" "$SRCDIR"/tests/data/faers/small/*
	[ -d "$SRCDIR/tests/data/e2b" ] &&
		vg 0 import e2b --db "$DB" "$SRCDIR"/tests/data/e2b/FAERS2022Scenario1.xml
	[ -f "$SRCDIR/tests/data/signal/openEBGM_caers_raw.csv" ] || true
	vg 0 info --db "$DB" --format json
	vg 0 cases list --db "$DB" --format csv --limit 20
	id=$("$VIGIL" cases list --db "$DB" --format csv --limit 1 | sed -n 2p | cut -d, -f1)
	[ -n "$id" ] && vg 0 cases show --db "$DB" --versions "$id"
fi
if has signals && [ -f "$SRCDIR/tests/data/signal/openEBGM_caers.csv" ]; then
	vg 0 import table --db "$T/t.db" --id id --product var1 --event var2 --stratum strat1 \
		"$SRCDIR/tests/data/signal/openEBGM_caers.csv"
	vg 0 signals --db "$T/t.db" --format csv
fi
if has units; then
	vg 0 units --db "$DB" --year 2022 --format json
fi
echo "valgrind: $runs runs, $fails failed"
[ "$fails" -eq 0 ]
