#!/bin/sh
# test_e2b_export.sh - `vigil import e2b` and `vigil export e2b` end to end:
# FDA's E2B(R3) example instances and FAERS E2B(R2) XML are imported, cases
# are exported, each export validates against the ICH E2B(R3) schemas
# (xmllint --schema, tests/data/e2b/xsd) and imports back to the same case
# (compared as `vigil cases show` JSON; "initial" is derived on import, see
# src/ingest/e2b_export.c).  Re-importing an export into the original
# database adds nothing.  Exit codes for a missing case and bad usage.
set -eu

: "${VIGIL:?}" "${SRCDIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vg-e2b-XXXXXX")
trap 'rm -rf "$T"' EXIT
E2B="$SRCDIR/tests/data/e2b"
XSD="$E2B/xsd/multicacheschemas/MCCI_IN200100UV01.xsd"
fail() { echo "FAIL: $*" >&2; exit 1; }
jget() { printf '%s' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
expect_key() { # KEY WANT JSON WHAT
	got=$(jget "$1" "$3")
	[ "$got" = "$2" ] || fail "$4: $1 = '$got', want $2 ($3)"
}
# canon FILE [r2]: the case JSON without the fields an E2B round trip does
# not keep (initial is derived; source/redacted differ for FAERS R2 cases,
# whose case-level seriousness E2B(R3) can only carry on the events)
canon() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in ("initial","source","source_version","redacted"): d.pop(k,None)
if len(sys.argv) > 2:
    for e in d.get("events",[]): e.pop("seriousness",None)
print(json.dumps(d,sort_keys=True,ensure_ascii=False))' "$@"
}
command -v xmllint >/dev/null || fail "xmllint not found"

# ---- import: ten FDA R3 instances (six share case US-APHARMA-8744554B) + R2
out=$("$VIGIL" import e2b --db "$T/a.db" --rejects "$T/rej.tsv" --format json \
	"$E2B"/FAERS2022Scenario*.xml "$E2B/faers_xml_ADR22Q1_subset.xml" "$E2B/openfda_faers_event.sgm")
expect_key rows_read 18 "$out" "import"
expect_key rows_rejected 0 "$out" "import"
expect_key versions_added 18 "$out" "import"
expect_key cases_added 11 "$out" "import"
[ ! -s "$T/rej.tsv" ] || fail "unexpected rejects: $(cat "$T/rej.tsv")"

# ---- export each kind of case, validate, re-import into a fresh database
for id in US-APHARMA-8744554B US-APHARMA-222222222 US-APHARMA-234545656 FAERS-20270107 4562564-7; do
	"$VIGIL" export e2b --db "$T/a.db" -o "$T/$id.xml" "$id" || fail "export $id"
	xmllint --noout --nonet --schema "$XSD" "$T/$id.xml" 2>"$T/xmllint.txt" ||
		fail "$id export does not validate: $(tail -3 "$T/xmllint.txt")"
	out=$("$VIGIL" import e2b --db "$T/b.db" --format json "$T/$id.xml")
	expect_key versions_added 1 "$out" "re-import $id"
	"$VIGIL" cases show --db "$T/a.db" "$id" > "$T/a.json"
	"$VIGIL" cases show --db "$T/b.db" "$id" > "$T/b.json"
	case $id in US-*) r2= ;; *) r2=r2 ;; esac
	[ "$(canon "$T/a.json" $r2)" = "$(canon "$T/b.json" $r2)" ] ||
		fail "$id differs after export and re-import:
$(canon "$T/a.json" $r2)
$(canon "$T/b.json" $r2)"
done

# ---- a Chinese nullified case written by the exporter: valid, and stable
xmllint --noout --nonet --schema "$XSD" "$E2B/vigil_export_cn_nullified.xml" 2>/dev/null ||
	fail "vigil_export_cn_nullified.xml does not validate"
"$VIGIL" import e2b --db "$T/cn.db" "$E2B/vigil_export_cn_nullified.xml" >/dev/null
"$VIGIL" cases show --db "$T/cn.db" CN-HOSP1-2024-0001 > "$T/cn1.json"
grep -q '"nullified":true' "$T/cn1.json" || fail "CN case not nullified"
grep -q '头孢曲松钠注射液' "$T/cn1.json" || fail "Chinese product name lost"
grep -q '"region":"440100"' "$T/cn1.json" || fail "region (C.2.r.2.4) lost"
"$VIGIL" export e2b --db "$T/cn.db" -o "$T/cn.xml" CN-HOSP1-2024-0001
xmllint --noout --nonet --schema "$XSD" "$T/cn.xml" 2>/dev/null || fail "CN re-export invalid"
"$VIGIL" import e2b --db "$T/cn2.db" "$T/cn.xml" >/dev/null
"$VIGIL" cases show --db "$T/cn2.db" CN-HOSP1-2024-0001 > "$T/cn2.json"
[ "$(canon "$T/cn1.json")" = "$(canon "$T/cn2.json")" ] || fail "CN case changed on round trip"

# ---- stdout and --version N: the first version received of the shared case
"$VIGIL" export e2b --db "$T/a.db" --version 1 US-APHARMA-8744554B > "$T/v1.xml"
xmllint --noout --nonet --schema "$XSD" "$T/v1.xml" 2>/dev/null || fail "v1 does not validate"
grep -q '<name>Drug A</name>' "$T/v1.xml" || fail "version 1 lacks Drug A"

# ---- an R3 export imported into its own database adds nothing
out=$("$VIGIL" import e2b --db "$T/a.db" --format json "$T/US-APHARMA-222222222.xml")
expect_key versions_added 0 "$out" "idempotent re-import"

# ---- errors: unknown case (3), usage (2), unwritable output (1, no file left)
set +e
"$VIGIL" export e2b --db "$T/a.db" NO-SUCH-CASE >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "unknown case: exit $rc, want 3"
"$VIGIL" export e2b --db "$T/a.db" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no CASE_ID: exit $rc, want 2"
"$VIGIL" export e2b --db "$T/a.db" --version 99 FAERS-20270107 >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "--version 99: exit $rc, want 3"
"$VIGIL" export e2b --db "$T/a.db" -o "$T/no/such/dir/x.xml" FAERS-20270107 2>/dev/null; rc=$?
[ $rc -eq 1 ] || fail "unwritable output: exit $rc, want 1"
set -e
[ ! -e "$T/no/such/dir/x.xml" ] || fail "partial output left"

# ---- a truncated file: earlier reports kept, the rest rejected with its line
head -c 12000 "$E2B/faers_xml_ADR22Q1_subset.xml" > "$T/cut.xml"
out=$("$VIGIL" import e2b --db "$T/c.db" --rejects "$T/rej2.tsv" --format json "$T/cut.xml")
expect_key versions_added 2 "$out" "truncated"
expect_key rows_rejected 1 "$out" "truncated"
grep -q 'cut.xml	[0-9]*	XML error' "$T/rej2.tsv" || fail "no XML error reject: $(cat "$T/rej2.tsv")"
echo "ok"
