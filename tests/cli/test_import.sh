#!/bin/sh
# test_import.sh - `vigil import` end to end on real samples:
#   FAERS 2022Q4 subset (counts checked independently: see
#   tests/unit/test_ingest_faers.c), the rejects file, idempotent re-import,
#   DELETE lists marking stored cases deleted, the openEBGM table with its
#   stratum, usage errors, and a process killed with -9 mid-import then run
#   again, which must end with the same counts as a clean import.
set -eu

: "${VIGIL:?}" "${SRCDIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vg-import-XXXXXX")
trap 'rm -rf "$T"' EXIT
FAERS="$SRCDIR/tests/data/faers"
fail() { echo "FAIL: $*" >&2; exit 1; }
# key VALUE JSON: the integer value of "key" in a one-line JSON object
jget() { printf '%s' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
expect_key() { # KEY WANT JSON WHAT
	got=$(jget "$1" "$3")
	[ "$got" = "$2" ] || fail "$4: $1 = '$got', want $2 ($3)"
}

# ---- FAERS quarter directory (ASCII/ + Deleted/)
out=$("$VIGIL" import faers --db "$T/f.db" --rejects "$T/rej.tsv" --format json "$FAERS/2022q4")
expect_key rows_read 15747 "$out" "faers"
expect_key rows_rejected 2145 "$out" "faers"
expect_key cases_added 258 "$out" "faers"
expect_key versions_added 258 "$out" "faers"
expect_key versions_superseded 0 "$out" "faers"
expect_key cases_deleted 0 "$out" "faers"
[ "$(wc -l < "$T/rej.tsv")" -eq 2145 ] || fail "rejects file has $(wc -l < "$T/rej.tsv") lines"
grep -qF 'THER22Q4.txt	105	THER: no DRUG row with this drug_seq	1016133054$10161330$1$2012' "$T/rej.tsv" ||
	fail "THER line 105 not in the rejects file"
info1=$("$VIGIL" info --db "$T/f.db" --format json)
expect_key cases 258 "$info1" "info"
expect_key versions 258 "$info1" "info"
expect_key products 209 "$info1" "info"
expect_key events 974 "$info1" "info"

# ---- same input again: nothing added, store unchanged
out=$("$VIGIL" import faers --db "$T/f.db" --format json "$FAERS/2022q4")
expect_key versions_added 0 "$out" "re-import"
expect_key cases_added 0 "$out" "re-import"
expect_key rows_rejected 2145 "$out" "re-import"
[ "$("$VIGIL" info --db "$T/f.db" --format json)" = "$info1" ] || fail "info changed on re-import"

# ---- a later DELETE list marks a stored case deleted (once)
printf ' \n10011573\n99999999\n' > "$T/DELETE23Q1.txt"
out=$("$VIGIL" import faers --db "$T/f.db" --format json "$T/DELETE23Q1.txt")
expect_key cases_deleted 1 "$out" "delete"
expect_key rows_read 2 "$out" "delete"
expect_key deleted_cases 1 "$("$VIGIL" info --db "$T/f.db" --format json)" "delete"
out=$("$VIGIL" import faers --db "$T/f.db" --format json "$T/DELETE23Q1.txt")
expect_key cases_deleted 0 "$out" "delete again"

# ---- FAERS files named one by one, 2012Q4 layout (lower-case names, BOM)
out=$("$VIGIL" import faers --db "$T/g.db" --format json "$FAERS"/2012q4/*.txt)
expect_key versions_added 9 "$out" "2012q4"
"$VIGIL" cases show --db "$T/g.db" FAERS-3448328 > "$T/show.txt" 2>&1 ||
	fail "cases show FAERS-3448328"
grep -q "SUSTIVA" "$T/show.txt" || fail "SUSTIVA not shown for FAERS-3448328"

# ---- table: openEBGM CAERS long format with a stratum column
EBGM="$SRCDIR/tests/data/signal/openEBGM_caers.csv"
out=$("$VIGIL" import table --db "$T/t.db" --id id --product var1 --event var2 \
	--stratum strat1 --format json "$EBGM")
expect_key rows_read 20156 "$out" "table"
expect_key rows_rejected 0 "$out" "table"
expect_key cases_added 3356 "$out" "table"
out=$("$VIGIL" import table --db "$T/t.db" --id id --product var1 --event var2 \
	--stratum strat1 --format json "$EBGM")
expect_key versions_added 0 "$out" "table re-import"

# ---- the pvLRT FAERS 2022Q3 table (17 MB, not copied into tests/data): only
# when the team's data folder is given, e.g. VIGIL_SHARED_DATA=../shared/data
PV="${VIGIL_SHARED_DATA:-}/pvLRT_faers22q3raw.csv"
if [ -n "${VIGIL_SHARED_DATA:-}" ] && [ -f "$PV" ]; then
	out=$("$VIGIL" import table --db "$T/pv.db" --id CASEID --product DRUG --event AE \
		--format json "$PV")
	expect_key rows_read 496312 "$out" "pvLRT"
	expect_key rows_rejected 0 "$out" "pvLRT"
	expect_key cases_added 215867 "$out" "pvLRT"
fi

# ---- usage errors
set +e
"$VIGIL" import nosuch --db "$T/x.db" "$EBGM" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown format 'nosuch'" "$T/err" || fail "unknown format: rc $rc"
"$VIGIL" import table --db "$T/x.db" --id id --product var1 --event nope "$EBGM" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "no column 'nope'" "$T/err" || fail "missing column: rc $rc"
"$VIGIL" import faers --db "$T/x.db" "$T/nothere" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] || fail "missing file: rc $rc"
set -e

# ---- kill -9 mid-import, run again: same counts as a clean import
GEN="$(dirname "$(dirname "$(dirname "$VIGIL")")")/bench/gen_faers"
if [ ! -x "$GEN" ]; then
	echo "test_import.sh: $GEN not built, kill test skipped"
	exit 0
fi
"$GEN" --reports 40000 --quarters 2 --out "$T/gen" --seed 7
clean=$("$VIGIL" import faers --db "$T/clean.db" --format json "$T/gen")
total=$(jget versions_added "$clean")
[ "$total" -gt 70000 ] || fail "clean import added $total versions"
"$VIGIL" import faers --db "$T/k.db" --batch 1000 --format json "$T/gen" > /dev/null 2>&1 &
pid=$!
killed=no
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	sleep 0.2
	v=$("$VIGIL" info --db "$T/k.db" --format json 2>/dev/null || true)
	if [ -n "$v" ] && [ "$(jget versions "$v")" -gt 2000 ] 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null && killed=yes
		break
	fi
done
wait "$pid" 2>/dev/null || true
# Without the kill this part would prove nothing: fail rather than pass.
[ "$killed" = yes ] || fail "the import finished before it could be killed (make it bigger)"
mid=$("$VIGIL" info --db "$T/k.db" --format json) # consistent: opens and counts
n=$(jget versions "$mid")
echo "killed after $n versions"
again=$("$VIGIL" import faers --db "$T/k.db" --format json "$T/gen")
[ "$("$VIGIL" info --db "$T/k.db" --format json)" = "$("$VIGIL" info --db "$T/clean.db" --format json)" ] ||
	fail "after kill and re-run: $("$VIGIL" info --db "$T/k.db" --format json) vs clean"
expect_key versions_added $((total - n)) "$again" "re-run after kill"

# ---- the same quarters with DRUG and REAC out of primaryid order (the reader
# sorts them externally, spilling past 16 MiB): the same store
"$GEN" --reports 40000 --quarters 2 --out "$T/genu" --seed 7 --unsorted
"$VIGIL" import faers --db "$T/u.db" --format json "$T/genu" > /dev/null
[ "$("$VIGIL" info --db "$T/u.db" --format json)" = "$("$VIGIL" info --db "$T/clean.db" --format json)" ] ||
	fail "unsorted input: $("$VIGIL" info --db "$T/u.db" --format json) vs sorted"
"$VIGIL" cases show --db "$T/u.db" FAERS-10000000 > "$T/u.txt"
"$VIGIL" cases show --db "$T/clean.db" FAERS-10000000 > "$T/c.txt"
cmp -s "$T/u.txt" "$T/c.txt" || fail "case FAERS-10000000 differs between sorted and unsorted input"
echo "test_import.sh: ok"
