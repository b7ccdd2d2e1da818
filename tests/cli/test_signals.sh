#!/bin/sh
# test_signals.sh - `vigil signals` end to end against openEBGM (issue 6).
#
# openEBGM's CAERS extract imported with the table importer, then:
#   - per pair with openEBGM's own hyperparameters fixed (--theta), plain and
#     stratified by strat1, and with a fixed theta from openEBGM's tests:
#     N exactly, E / RR / PRR to 1e-9 relative, EBGM to the reference's six
#     decimals, QUANT_05 / QUANT_95 within 1e-6 (docs/SIGNALS.md says why);
#   - vigil's own fit (--fit-only --format json): log-likelihood equal to or
#     better than openEBGM's within 1e-6 (-4162.45571, -4025.85973 stratified), and
#     the stratified scores with vigil's own fit within 1e-5 relative;
#   - bad options: exit 2 with a message;
#   - --trend quarter on a hand-made FAERS quarter with received dates in
#     three quarters: cumulative counts per quarter and the quarter in which
#     each threshold was first met.
# Cites: MGPS: DuMouchel 1999; Evans 2001.
set -eu
: "${VIGIL:?}" "${SRCDIR:?}"
D=$SRCDIR/tests/data/signal
CMP="python3 $SRCDIR/tests/cli/test_signals_compare.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$VIGIL" import table --db "$T/c.db" --id id --product var1 --event var2 --stratum strat1 \
	"$D/openEBGM_caers.csv" > "$T/import.out"
grep -q '^cases_added *3356$' "$T/import.out" || fail "import: $(cat "$T/import.out")"

# ---- per-pair scores with the reference hyperparameters fixed
TU=3.25596853093836,0.39999072070292,2.02375194826588,1.90613421722414,0.0653075972344165
TS=24.3090415024633,2.33687727894169,3.51049626752258,2.91166304376457,0.0318318496577821
TF=3.25280367,0.39983376,2.02490400,1.90726819,0.06536416
"$VIGIL" signals --db "$T/c.db" --theta "$TU" --format csv > "$T/u.csv"
head -n 1 "$T/u.csv" | grep -qx 'product,event,N,E,PRR,PRR025,chi2,chi2_yates,ROR,ROR025,ROR975,IC,IC025,IC975,EBGM,EB05,EB95' ||
	fail "CSV header: $(head -n 1 "$T/u.csv")"
$CMP "$T/u.csv" "$D/openEBGM_caers_ebscores_unstrat_hyperUnsquashed.csv" 1e-6 0.5e-6 ||
	fail "unstratified scores"
"$VIGIL" signals --db "$T/c.db" --theta "$TF" --format csv > "$T/f.csv"
$CMP "$T/f.csv" "$D/openEBGM_caers_ebscores_fixedTheta_fromTests.csv" 1e-6 0.5e-6 ||
	fail "fixed-theta scores"
"$VIGIL" signals --db "$T/c.db" --strata stratum --theta "$TS" --format csv > "$T/s.csv"
$CMP "$T/s.csv" "$D/openEBGM_caers_ebscores_strat_hyperUnsquashed.csv" 1e-6 0.5e-6 ||
	fail "stratified scores"

# ---- vigil's own fit: as good as openEBGM's or better
loglik_at_least() { # JSON MIN
	python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
keys = list(f)[:6]
assert keys == ["alpha1", "beta1", "alpha2", "beta2", "p", "loglik"], keys
assert f["loglik"] >= float(sys.argv[2]) - 1e-6, f
assert f["status"] == "converged", f
' "$1" "$2" || fail "fit $1: $(cat "$1")"
}
"$VIGIL" signals --db "$T/c.db" --fit-only --format json > "$T/fu.json"
loglik_at_least "$T/fu.json" -4162.45571037959
"$VIGIL" signals --db "$T/c.db" --strata stratum --fit-only --format json > "$T/fs.json"
loglik_at_least "$T/fs.json" -4025.85972512554
"$VIGIL" signals --db "$T/c.db" --strata stratum --format csv > "$T/s2.csv"
$CMP "$T/s2.csv" "$D/openEBGM_caers_ebscores_strat_hyperUnsquashed.csv" 1e-5r 1e-5r ||
	fail "stratified scores with vigil's own fit"

# ---- other formats, sort, limit, flag, LRT
"$VIGIL" signals --db "$T/c.db" --limit 3 > "$T/top.txt"
[ "$(wc -l < "$T/top.txt")" -eq 4 ] || fail "table --limit 3: $(cat "$T/top.txt")"
grep -q '^REUMOFAN PLUS  *WEIGHT INCREASED  *16 ' "$T/top.txt" || fail "top by EB05: $(cat "$T/top.txt")"
"$VIGIL" signals --db "$T/c.db" --sort N --limit 1 --format json --signal eb05:2,n:3 \
	--lrt --lrt-sims 99 --seed 7 > "$T/n.json"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1 and r[0]["N"] == max(1, r[0]["N"]), r
assert "LRT_p" in r[0] and 0 < r[0]["LRT_p"] <= 1 and r[0]["signal"] in (True, False), r
' "$T/n.json" || fail "json/lrt: $(cat "$T/n.json")"
"$VIGIL" signals --db "$T/c.db" --format tsv --min-n 20 > "$T/m.tsv"
awk -F'\t' 'NR > 1 && $3 < 20 { exit 1 }' "$T/m.tsv" || fail "--min-n"
"$VIGIL" signals --db "$T/c.db" --lrt --lrt-sims 99 --format csv --limit 2 > "$T/l1.csv"
"$VIGIL" signals --db "$T/c.db" --lrt --lrt-sims 99 --format csv --limit 2 --threads 1 > "$T/l2.csv"
cmp -s "$T/l1.csv" "$T/l2.csv" || fail "LRT not reproducible"
head -n 1 "$T/l1.csv" | grep -q ',EB95,LRT_llr,LRT_p$' || fail "LRT header"

# ---- usage errors: exit 2 with a message
usage() { # ARGS...
	set +e
	"$VIGIL" signals "$@" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "signals $*: exit $rc, want 2"
	grep -q 'vigil: ' "$T/err" || fail "signals $*: no message"
}
usage --db "$T/c.db" --theta 1,2,3
usage --db "$T/c.db" --theta 1,2,3,4,1.5
usage --db "$T/c.db" --sort NOPE
usage --db "$T/c.db" --strata colour
usage --db "$T/c.db" --format xml
usage --db "$T/c.db" --signal eb05
usage --db "$T/c.db" --trend month
usage --db "$T/c.db" --first-met
usage --db "$T/c.db" --roles suspect,sometimes
usage --db "$T/c.db" --from 2020-13-01
usage --db "$T/c.db" --limit -1
usage --db "$T/c.db" extra
usage --theta 1,1,1,1,0.5

# ---- trends: a hand-made FAERS quarter, received dates in three quarters
# A/X: 1 report in 2020Q1, 3 by 2020Q2 (Evans met: PRR Inf, Yates 6.5,
# N 3), 4 by 2020Q3.  R12 has no date: it counts in no quarter.  R15
# (2019Q4) has only an interacting product: with --roles suspect, a quarter
# with a report and no pair, which prints no rows (and no fit).
F=$T/faers
mkdir "$F"
{
	echo 'primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$mfr_num$mfr_sndr$age$age_cod$gndr_cod$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country$occr_country'
	for r in 1:20200115 2:20200210 3:20200301 4:20200320 5:20200401 6:20200415 7:20200501 \
		8:20200510 9:20200601 10:20200620 11:20200630 12: 13:20200801 14:20200901 \
		15:20191115; do
		i=${r%%:*} d=${r#*:}
		echo "${i}1\$${i}\$1\$I\$\$\$$d\$$d\$EXP\$\$\$40\$YR\$F\$Y\$\$\$$d\$\$MD\$US\$US"
	done
} > "$F/DEMO20Q3.txt"
DRUG='1:A 2:B 3:C 4:B 5:A 6:A 7:B 8:C 9:C 10:B 11:C 12:A 13:A 14:B'
REAC='1:X 2:Y 3:Z 4:Z 5:X 6:X 7:Y 8:Y 9:Z 10:Z 11:Y 12:X 13:X 14:Y 15:Z'
{
	echo 'primaryid$caseid$drug_seq$role_cod$drugname$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit$dechal$rechal$lot_nbr$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq'
	for r in $DRUG; do echo "${r%%:*}1\$${r%%:*}\$1\$PS\$DRUG${r#*:}\$1\$\$\$\$\$\$\$\$\$\$\$\$\$"; done
	echo '151$15$1$I$DRUGD$1$$$$$$$$$$$$$'   # interacting: no pair with --roles suspect
} > "$F/DRUG20Q3.txt"
{
	echo 'primaryid$caseid$pt'
	for r in $REAC; do echo "${r%%:*}1\$${r%%:*}\$Event ${r#*:}"; done
} > "$F/REAC20Q3.txt"
"$VIGIL" import faers --db "$T/t.db" "$F" > "$T/fimport.out" 2>&1 || fail "faers import: $(cat "$T/fimport.out")"
"$VIGIL" signals --db "$T/t.db" --theta 0.2,0.1,2,4,0.3333 --format csv > "$T/all.csv"
grep -q '^DRUGA,Event X,5,' "$T/all.csv" || fail "undated report missing from the whole: $(cat "$T/all.csv")"
"$VIGIL" signals --db "$T/t.db" --roles suspect --theta 0.2,0.1,2,4,0.3333 \
	--format csv > "$T/roles.csv"
grep -q '^DRUGD,Event Z,1,' "$T/all.csv" || fail "interacting product missing by default"
! grep -q '^DRUGD,' "$T/roles.csv" || fail "--roles suspect kept an interacting product"
"$VIGIL" signals --db "$T/t.db" --roles suspect --trend quarter --theta 0.2,0.1,2,4,0.3333 \
	--format csv > "$T/trend_s.csv" || fail "trend with an empty quarter"
! grep -q '^2019Q4' "$T/trend_s.csv" || fail "rows for a quarter without pairs"
grep -q '^2020Q1,DRUGA,Event X,1,' "$T/trend_s.csv" || fail "trend after an empty quarter"
"$VIGIL" signals --db "$T/t.db" --trend quarter --theta 0.2,0.1,2,4,0.3333 --format csv \
	--sort N > "$T/trend.csv"
head -n 1 "$T/trend.csv" | grep -q '^quarter,product,event,N,E,' || fail "trend header"
for want in '2020Q1,DRUGA,Event X,1,' '2020Q2,DRUGA,Event X,3,' '2020Q3,DRUGA,Event X,4,' \
	'2020Q2,DRUGC,Event Y,2,'; do
	grep -q "^$want" "$T/trend.csv" || fail "trend row $want: $(cat "$T/trend.csv")"
done
[ "$(cut -d, -f1 "$T/trend.csv" | sort -u | tr '\n' ' ')" = "2019Q4 2020Q1 2020Q2 2020Q3 quarter " ] ||
	fail "trend quarters"
"$VIGIL" signals --db "$T/t.db" --trend quarter --first-met --theta 0.2,0.1,2,4,0.3333 \
	--signal n:2 --format csv > "$T/first.csv"
head -n 1 "$T/first.csv" | grep -qx 'product,event,N,first_evans,first_EB05,first_IC025,first_ROR025,first_signal' ||
	fail "first-met header: $(head -n 1 "$T/first.csv")"
grep -q '^DRUGA,Event X,4,2020Q2,' "$T/first.csv" || fail "A/X first Evans: $(cat "$T/first.csv")"
grep -q '^DRUGA,Event X,4,.*,2020Q2$' "$T/first.csv" || fail "A/X first n>=2: $(cat "$T/first.csv")"
grep -q '^DRUGB,Event Y,3,,.*,2020Q2$' "$T/first.csv" || fail "B/Y: $(cat "$T/first.csv")"
# ---- filters and strata on the same reports
"$VIGIL" signals --db "$T/t.db" --from 2020-04 --to 2020-06-30 --theta 0.2,0.1,2,4,0.3333 \
	--format csv > "$T/q2.csv"
grep -q '^DRUGA,Event X,2,' "$T/q2.csv" || fail "--from/--to: $(cat "$T/q2.csv")"
! grep -q '^DRUGD,' "$T/q2.csv" || fail "--from/--to kept a 2019 report"
"$VIGIL" signals --db "$T/t.db" --sex female --serious no --theta 0.2,0.1,2,4,0.3333 \
	--format csv > "$T/f.csv"
grep -q '^DRUGA,Event X,5,' "$T/f.csv" || fail "--sex female: $(cat "$T/f.csv")"
set +e
"$VIGIL" signals --db "$T/t.db" --sex male > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'no report' "$T/err" || fail "--sex male: exit $rc, $(cat "$T/err")"
"$VIGIL" signals --db "$T/t.db" --strata year,sex,agegroup,class --theta 0.2,0.1,2,4,0.3333 \
	--format csv > "$T/st.csv"
grep -q '^DRUGA,Event X,5,' "$T/st.csv" || fail "--strata year,sex,agegroup,class"
# ---- --table: the same statistics straight from the CSV, no database
"$VIGIL" signals --table "$D/openEBGM_caers.csv" --id id --product var1 --event var2 \
	--stratum strat1 --strata stratum --theta "$TS" --format csv > "$T/tab.csv"
"$VIGIL" signals --db "$T/c.db" --strata stratum --theta "$TS" --format csv > "$T/db.csv"
cmp -s "$T/tab.csv" "$T/db.csv" || fail "--table differs from the stored table"
[ "$(wc -l < "$T/tab.csv")" -eq 17190 ] || fail "--table: $(wc -l < "$T/tab.csv") lines"
usage --table "$D/openEBGM_caers.csv" --id id --product var1
usage --table "$D/openEBGM_caers.csv" --db "$T/c.db" --id id --product var1 --event var2
usage --db "$T/c.db" --id id
echo "test_signals: ok"
