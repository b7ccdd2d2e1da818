#!/bin/sh
# test_terms.sh - `vigil terms` and the coding options of `vigil signals`
# end to end (issue 5, "Coding"), on the invented fixtures of tests/data/terms:
#   - terms clean: cleaned names, and the dictionary's ingredient;
#   - terms unmatched: the review CSV of a small table import, which loads
#     back as a dictionary once filled in;
#   - terms rollup: LLT / PT / code to PT, HLT, HLGT and the primary SOC;
#   - signals --meddra --level: two PTs of one SOC in one report count once;
#     --dict: two brand names of one ingredient add up;
#   - bad arguments: exit 2 with a message.
set -eu
: "${VIGIL:?}" "${SRCDIR:?}"
D=$SRCDIR/tests/data/terms
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
TH=1,1,2,2,0.5 # fixed theta: no fit needed on six reports

# ---- terms clean
"$VIGIL" terms clean 'LIPITOR 10 MG TABLETS' 'ACYCLOVIR  /00587301/' > "$T/c1.txt"
printf 'name\tcleaned\nLIPITOR 10 MG TABLETS\tlipitor\nACYCLOVIR  /00587301/\tacyclovir\n' > "$T/c1.exp"
cmp -s "$T/c1.txt" "$T/c1.exp" || fail "clean: $(cat "$T/c1.txt")"
"$VIGIL" terms clean --dict "$D/products.csv" --format csv 'Tylenol 500mg' Frobnix \
	'Foo (ATORVASTATIN CALCIUM)' > "$T/c2.csv"
printf 'name,cleaned,ingredient\nTylenol 500mg,tylenol,paracetamol\nFrobnix,frobnix,\nFoo (ATORVASTATIN CALCIUM),foo,atorvastatin\n' > "$T/c2.exp"
cmp -s "$T/c2.csv" "$T/c2.exp" || fail "clean --dict: $(cat "$T/c2.csv")"

# ---- a small table: report, product, event (fixture LLT/PT names)
cat > "$T/t.csv" <<'EOF'
id,drug,event
r1,LIPITOR,Headache
r1,LIPITOR,Migraine
r2,Atorvastatin calcium 10 mg,Head ache
r2,Atorvastatin calcium 10 mg,Rash
r3,Tylenol,Migraine
r4,ACETAMINOPHEN,Headache
r4,ACETAMINOPHEN,Itching
r5,Zocor 40mg,Shingles
r6,Frobnix,Rash
EOF
"$VIGIL" import table --db "$T/t.db" --id id --product drug --event event "$T/t.csv" > "$T/import.out"
grep -q '^cases_added *6$' "$T/import.out" || fail "import: $(cat "$T/import.out")"

# ---- terms unmatched: the review file, ties by key
"$VIGIL" terms unmatched --db "$T/t.db" --dict "$D/products.csv" > "$T/u.csv" 2> "$T/u.err"
printf 'name,ingredient,count,example\nfrobnix,,1,Frobnix\nzocor,,1,Zocor 40mg\n' > "$T/u.exp"
cmp -s "$T/u.csv" "$T/u.exp" || fail "unmatched: $(cat "$T/u.csv")"
grep -q '4 of 6 product names matched' "$T/u.err" || fail "unmatched summary: $(cat "$T/u.err")"
"$VIGIL" terms unmatched --db "$T/t.db" --dict "$D/products.csv" --format table > "$T/u.txt" 2>/dev/null
[ "$(sed -n 3p "$T/u.txt")" = "$(printf '1\tzocor\tZocor 40mg')" ] || fail "unmatched table: $(cat "$T/u.txt")"
# filled in by a reviewer, it loads back as a dictionary
sed 's/^zocor,,/zocor,simvastatin,/' "$T/u.csv" > "$T/filled.csv"
"$VIGIL" terms clean --dict "$T/filled.csv" --format csv 'ZOCOR 20 MG' | tail -n 1 |
	grep -qx 'ZOCOR 20 MG,zocor,simvastatin' || fail "filled review file does not load back"

# ---- terms rollup: LLT name, PT name, code; the multi-axial PT on its primary SOC
"$VIGIL" terms rollup --meddra "$D/meddra" --format csv Shingles 'skin rash' 93000003 > "$T/r.csv"
cat > "$T/r.exp" <<'EOF'
term,pt,hlt,hlgt,soc
Shingles,Herpes zoster,Herpes viral infections,Viral infections,Infections
skin rash,Rash,Rashes NEC,Epidermal conditions,Skin disorders
93000003,Migraine,Migraine headaches,Headaches,Nervous system disorders
EOF
cmp -s "$T/r.csv" "$T/r.exp" || fail "rollup: $(cat "$T/r.csv")"
set +e
"$VIGIL" terms rollup --meddra "$D/meddra" Nosuchterm > /dev/null 2> "$T/r.err"
rc=$?
set -e
[ $rc -eq 3 ] && grep -q "Nosuchterm" "$T/r.err" || fail "rollup of an unknown term: rc $rc"

# ---- signals: N of one pair in a CSV ("product,event" -> N)
n_of() { # FILE PRODUCT EVENT
	awk -F, -v p="$2" -v e="$3" 'NR > 1 && $1 == p && $2 == e { print $3; f = 1 }
		END { if (!f) print "none" }' "$1"
}
expect_n() { # FILE PRODUCT EVENT N
	got=$(n_of "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1: N($2, $3) = $got, expected $4"
}
"$VIGIL" signals --db "$T/t.db" --theta $TH --meddra "$D/meddra" --level soc --format csv \
	> "$T/soc.csv" 2> "$T/soc.err"
expect_n "$T/soc.csv" LIPITOR "Nervous system disorders" 1 # Headache + Migraine: one report
expect_n "$T/soc.csv" "Zocor 40mg" Infections 1             # Shingles: primary SOC
expect_n "$T/soc.csv" ACETAMINOPHEN Itching 1                # not in MedDRA: kept
expect_n "$T/soc.csv" LIPITOR Headache none
grep -q 'warning: 1 event terms not found' "$T/soc.err" || fail "warning: $(cat "$T/soc.err")"
[ "$(grep -c 'Nervous system disorders' "$T/soc.csv")" -eq 4 ] || fail "SOC rows: $(cat "$T/soc.csv")"

"$VIGIL" signals --db "$T/t.db" --theta $TH --dict "$D/products.csv" --format csv > "$T/d.csv"
expect_n "$T/d.csv" paracetamol Migraine 1
expect_n "$T/d.csv" paracetamol Headache 1
expect_n "$T/d.csv" Tylenol Migraine none
expect_n "$T/d.csv" "Zocor 40mg" Shingles 1 # unmatched: as without --dict

"$VIGIL" signals --db "$T/t.db" --theta $TH --dict "$D/products.csv" --meddra "$D/meddra" \
	--level soc --format csv > "$T/ds.csv" 2>/dev/null
expect_n "$T/ds.csv" paracetamol "Nervous system disorders" 2  # Tylenol + ACETAMINOPHEN
expect_n "$T/ds.csv" atorvastatin "Nervous system disorders" 2 # LIPITOR + its ingredient name
expect_n "$T/ds.csv" atorvastatin "Skin disorders" 1
"$VIGIL" signals --db "$T/t.db" --theta $TH --dict "$D/products.csv" --meddra "$D/meddra" \
	--format csv > "$T/dp.csv" 2>/dev/null # --level pt by default: LLT Head ache -> Headache
expect_n "$T/dp.csv" atorvastatin Headache 2
expect_n "$T/dp.csv" atorvastatin Migraine 1
"$VIGIL" signals --db "$T/t.db" --theta $TH --meddra "$D/meddra" --level hlgt --format csv \
	> "$T/hg.csv" 2>/dev/null
expect_n "$T/hg.csv" LIPITOR Headaches 1

# ---- bad arguments: exit 2 with a message
usage() { # ARGS... : expect exit 2 and a message (bare `terms` prints its usage to stdout)
	set +e
	"$VIGIL" "$@" > "$T/err" 2>&1
	rc=$?
	set -e
	[ $rc -eq 2 ] && [ -s "$T/err" ] || fail "'$*': exit $rc, $(cat "$T/err")"
}
usage terms
usage terms nosuch
usage terms clean
usage terms clean --format json x
usage terms rollup Rash
usage terms rollup --meddra "$D/meddra"
usage terms unmatched --db "$T/t.db" --format xml
usage terms unmatched --db "$T/t.db" extra
usage signals --db "$T/t.db" --level soc
usage signals --db "$T/t.db" --meddra "$D/meddra" --level llt
usage signals --db "$T/t.db" --meddra "$D/meddra" --level organ
usage signals --db "$T/t.db" --by product --dict "$D/products.csv"
echo "test_terms: ok"
