#!/bin/sh
# test_basic.sh - the foundation commands end to end on a temporary database:
# init (fresh and again), info counts in table and JSON, cases list/show on
# real FAERS data with Chinese text round-tripping through the store, and bad
# arguments: a clear message naming the problem, a non-zero exit of the
# documented kind, and nothing written.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
DB=$T/a.db

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect CODE PATTERN ARGS... : exit code and a stderr+stdout pattern
expect() {
	code=$1 pat=$2
	shift 2
	"$VIGIL" "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$code" ] || fail "vigil $*: exit $got, want $code ($(head -c 300 "$T/err"))"
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$T/out" "$T/err"; then
		fail "vigil $*: output lacks '$pat': $(head -c 300 "$T/out" "$T/err")"
	fi
}
json() { python3 -c "import json,sys; print(json.load(open('$T/out'))$1)"; }

# --- help and usage errors, nothing written --------------------------------
expect 0 "commands:" --help
expect 0 "usage: vigil cases list" cases list --help
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "--db PATH is required" info
expect 2 "unknown option '--dbb'" init --dbb "$DB"
expect 2 "unknown format 'yaml'" info --db "$DB" --format yaml
expect 2 "give exactly one CASE_ID" cases show --db "$DB"
expect 2 "'x' is not an integer" cases list --db "$DB" --limit x
expect 2 "bad date" cases list --db "$DB" --from 2024-13-01
[ -e "$DB" ] && fail "a usage error created the database"
expect 3 "" info --db "$T/missing.db"
[ -e "$T/missing.db" ] && fail "info created a database"

# --- init twice: migrations applied once ----------------------------------
expect 0 "migrations\{0,1\} applied" init --db "$DB"
grep -q "(0 migrations applied)" "$T/out" && fail "fresh init applied nothing"
expect 0 "(0 migrations applied)" init --db "$DB"
expect 0 "" info --db "$DB" --format json
[ "$(json "['cases']")" = 0 ] || fail "fresh database has cases"

# --- real data: FAERS 2012Q4 sample ---------------------------------------
Q=$SRCDIR/tests/data/faers/2012q4
if [ -d "$Q" ]; then
	expect 0 "" import faers --db "$DB" --format json "$Q"
	expect 0 "" info --db "$DB" --format json
	cases=$(json "['cases']")
	[ "$cases" -gt 0 ] || fail "import gave no cases"
	for k in cases versions valid_cases nullified_cases products events units; do
		json "['$k']" >/dev/null 2>&1 || fail "info JSON lacks key $k"
	done
	expect 0 "" cases list --db "$DB" --format csv
	rows=$(($(wc -l <"$T/out") - 1))
	[ "$rows" -eq "$cases" ] || fail "cases list gave $rows rows for $cases cases"
	expect 0 "" cases list --db "$DB" --format json --limit 2 --offset 1
	n=$(python3 -c "import json; print(len(json.load(open('$T/out'))))")
	[ "$n" -eq 2 ] || fail "--limit 2 gave $n rows"
	id=$("$VIGIL" cases list --db "$DB" --format csv --limit 1 | sed -n 2p | cut -d, -f1)
	expect 0 "\"case_id\":\"$id\"" cases show --db "$DB" "$id"
	expect 0 "" cases show --db "$DB" --versions "$id"
	python3 -c "import json; v=json.load(open('$T/out')); assert len(v)>=1" ||
		fail "--versions is not a JSON list"
fi
expect 3 "no case" cases show --db "$DB" NO-SUCH-CASE

# --- Chinese text through the store, byte-identical -----------------------
if "$VIGIL" --help | grep -q '^  import '; then
	printf 'id,product,event\nR1,阿莫西林胶囊,皮疹\nR1,头孢曲松钠,过敏性休克\n' >"$T/zh.csv"
	expect 0 "" import table --db "$T/zh.db" --id id --product product --event event "$T/zh.csv"
	expect 0 "" cases show --db "$T/zh.db" R1
	for w in 阿莫西林胶囊 皮疹 头孢曲松钠 过敏性休克; do
		grep -q "$w" "$T/out" || fail "Chinese text '$w' did not come back"
	done
fi

# --- reporting units with their size ------------------------------------
if "$VIGIL" --help | grep -q '^  unit '; then
	expect 0 "saved" unit add --db "$DB" H001 "第一人民医院" --kind hospital --beds 800 \
		--population 1500000
	expect 2 "must be >= 0" unit add --db "$DB" H002 x --beds -5
	expect 0 "" unit list --db "$DB" --format json
	python3 - "$T/out" <<'PY' || fail "unit list JSON is wrong: $(cat "$T/out")"
import json, sys
u = [x for x in json.load(open(sys.argv[1])) if x["code"] == "H001"]
assert len(u) == 1 and u[0]["name"] == "第一人民医院" and u[0]["beds"] == 800
assert u[0]["population"] == 1500000
assert not [x for x in json.load(open(sys.argv[1])) if x["code"] == "H002"]
PY
fi

echo "test_basic: $fails failure(s)"
[ "$fails" -eq 0 ]
