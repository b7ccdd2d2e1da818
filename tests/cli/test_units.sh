#!/bin/sh
# test_units.sh - `vigil dedup` and `vigil units` end to end: reports
# submitted through the HTTP API by two units (on time, late, a duplicate
# across units, a nullified one), a third unit with no reports; then the
# duplicate listing, reject and confirm (audited), and the unit evaluation in
# JSON, CSV, table and HTML with exact values.
# Cites: Order 81 art. 21 (drug deadlines: serious 15 days, others 30).
set -eu
. "$(dirname "$0")/test_http_lib.sh"

YEAR=$(date -u +%Y)
TODAY=$(date -u +%Y-%m-%d)
OLD=$(date -u -d '60 days ago' +%Y-%m-%d)
D=$SRCDIR/tests/data/units
mkcase() { # OUT TEMPLATE AWARE
	sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$3\"/" "$D/$2" > "$1"
}
submit() { # TOKEN FILE -> case id
	code=$(req POST /api/v1/cases "$1" "$2")
	expect 201 "$code" "submit $2"
	json_get "$T/body" case_id
}

http_setup
"$VIGIL" unit add --db "$DB" H003 "无报告诊所" --kind clinic >/dev/null
http_start
R1=$(login rep1)
R2=$(login rep2)
mkcase "$T/a_now.json" case_a.json "$TODAY"
mkcase "$T/b_old.json" case_b.json "$OLD"
mkcase "$T/b_now.json" case_b.json "$TODAY"
A1=$(submit "$R1" "$T/a_now.json")   # H001: serious, on time, complete
B1=$(submit "$R1" "$T/b_old.json")   # H001: other, 60 days: 30 days late, 0.49
A2=$(submit "$R2" "$T/a_now.json")   # H002: the same patient again: duplicate
N2=$(submit "$R2" "$T/b_now.json")   # H002: nullified below
printf '{"reason":"entered twice"}' > "$T/reason.json"
expect 200 "$(req POST "/api/v1/cases/$N2/nullify" "$R2" "$T/reason.json")" "nullify"
http_stop

# ---- dedup: the planted pair is the best pair
"$VIGIL" dedup --db "$DB" --threshold 0 --format csv > "$T/pairs.csv"
expect "score,case_a,case_b,reasons" "$(head -1 "$T/pairs.csv")" "csv header"
pair=$(sed -n 2p "$T/pairs.csv" | cut -d, -f2,3 | tr ',' '\n' | sort | tr '\n' ' ')
want=$(printf '%s\n%s\n' "$A1" "$A2" | sort | tr '\n' ' ')
expect "$want" "$pair" "best pair is the planted duplicate"
expect_in "products+" "$T/pairs.csv" "reasons name the products"
"$VIGIL" dedup --db "$DB" --threshold 0 --format json > "$T/pairs.json"
expect_in '"shared_products":1' "$T/pairs.json" "json pair"
expect 2 "$("$VIGIL" dedup --db "$DB" --format xml >/dev/null 2>&1 || echo $?)" "bad format"
expect 3 "$("$VIGIL" dedup confirm --db "$DB" "$A1" NOPE >/dev/null 2>&1 || echo $?)" \
	"confirm an unknown case"

"$VIGIL" dedup --db "$DB" --threshold 0 --since 2099-01-01 --format json > "$T/since.json"
expect "[]" "$(cat "$T/since.json")" "--since: nothing received after 2099"
"$VIGIL" dedup --db "$DB" --threshold 0 --since "$TODAY" --format json > "$T/since.json"
expect_in "\"$A2\"" "$T/since.json" "--since today keeps the pair"
expect 2 "$("$VIGIL" dedup --db "$DB" --since junk >/dev/null 2>&1 || echo $?)" "--since junk"
"$VIGIL" dedup --db "$DB" --threshold 0 --groups --format csv > "$T/groups.csv"
expect "group,master,members,size,weakest,best" "$(head -1 "$T/groups.csv")" "groups header"
expect_in "$A1" "$T/groups.csv" "group holds A1"
expect_in "$A2" "$T/groups.csv" "group holds A2"

# reject: the pair is no longer listed; audited
"$VIGIL" dedup reject --db "$DB" "$A1" "$A2" > /dev/null
"$VIGIL" dedup --db "$DB" --threshold 0 --format json > "$T/after.json"
expect_not_in "\"$A2\"" "$T/after.json" "rejected pair not listed"
# confirm: A2 becomes a duplicate of A1 and leaves statistics
"$VIGIL" dedup confirm --db "$DB" "$A1" "$A2" > "$T/out.txt"
expect_in "$A2 linked as a duplicate of $A1" "$T/out.txt" "confirm message"
"$VIGIL" cases list --db "$DB" --format json > "$T/cases.json"

# ---- units: exact indicators
"$VIGIL" units --db "$DB" --year "$YEAR" --class drug --format json > "$T/u.json"
tr '{' '\n' < "$T/u.json" > "$T/u.lines"
h1=$(grep '"unit":"H001"' "$T/u.lines")
h2=$(grep '"unit":"H002"' "$T/u.lines")
h3=$(grep '"unit":"H003"' "$T/u.lines")
for kv in '"rank":1,' '"reports":2,' '"effective":2,' '"new_serious":1,' '"on_time":1,' \
          '"late":1,' '"days_late_total":30,' '"valid_share":1,' '"new_serious_share":0.5,' \
          '"on_time_rate":0.5,' '"mean_completeness":0.745,' '"duplicate_share":0,'; do
	case $h1 in *"$kv"*) PASS=$((PASS + 1)) ;; *) FAIL=$((FAIL + 1)); echo "FAIL: H001 $kv: $h1" >&2 ;; esac
done
# score = 25*1 + 10*1 + 25*0.5 + 20*0.5 + 15*0.745 + 5*1 = 73.675
expect_in '"score":73.675,"commended":true' "$T/u.json" "H001 score and commendation"
for kv in '"reports":2,' '"nullified":1,' '"duplicates":1,' '"effective":0,' \
          '"duplicate_share":0.5,'; do
	case $h2 in *"$kv"*) PASS=$((PASS + 1)) ;; *) FAIL=$((FAIL + 1)); echo "FAIL: H002 $kv: $h2" >&2 ;; esac
done
case $h3 in *'"reports":0,'*'"rank":'*|*'"rank":'*'"reports":0,'*) PASS=$((PASS + 1)) ;;
	*) FAIL=$((FAIL + 1)); echo "FAIL: H003 row: $h3" >&2 ;; esac
expect_in '"commended":["H001"]' "$T/u.json" "commendation list"

# CSV, table, HTML (bilingual, inline SVG), -o, --top, config override
"$VIGIL" units --db "$DB" --year "$YEAR" --format csv > "$T/u.csv"
expect_in "drug,1,H001,第一人民医院,2,0,0,0,2,1,1,1,0," "$T/u.csv" "csv row"
"$VIGIL" units --db "$DB" --year "$YEAR" --class drug --lang zh > "$T/u.txt"
expect_in "综合得分" "$T/u.txt" "table in Chinese"
"$VIGIL" units --db "$DB" --year "$YEAR" --format html --lang both -o "$T/u.html"
expect_in "<svg class=\"chart\"" "$T/u.html" "html charts"
expect_in "拟表扬单位 <span class=\"en\">Commended</span>" "$T/u.html" "bilingual"
"$VIGIL" units --db "$DB" --year "$YEAR" --class drug --top 1 --format csv > "$T/top.csv"
expect 2 "$(wc -l < "$T/top.csv" | tr -d ' ')" "--top 1"
printf 'weight.volume = 0\n' > "$T/site.conf"
"$VIGIL" units --db "$DB" --year "$YEAR" --class drug --config "$T/site.conf" \
	--format json > "$T/u2.json"
# (10 + 12.5 + 10 + 11.175 + 5) / 75 * 100 = 64.9
expect_in '"score":64.9,' "$T/u2.json" "config override"
# a revised deadline is configuration: 'other' drug reports within 90 days
printf 'deadline.drug.other = 90\n' > "$T/dl.conf"
"$VIGIL" units --db "$DB" --year "$YEAR" --class drug --config "$T/dl.conf" \
	--format json > "$T/u3.json"
expect_in '"on_time":2,"late":0' "$T/u3.json" "deadline override"
printf 'weight.colour = 1\n' > "$T/bad.conf"
expect 1 "$("$VIGIL" units --db "$DB" --year "$YEAR" --config "$T/bad.conf" 2>"$T/err2" \
	>/dev/null || echo $?)" "bad config key"
expect_in "bad.conf:1" "$T/err2" "error names file and line"
expect 2 "$("$VIGIL" units --db "$DB" >/dev/null 2>&1 || echo $?)" "--year required"
# units cases: the reports behind the figures
"$VIGIL" units cases --db "$DB" --year "$YEAR" --unit H001 --format csv > "$T/cases.csv"
expect 3 "$(wc -l < "$T/cases.csv" | tr -d ' ')" "units cases: header + 2 reports of H001"
expect_in "$B1,H001,drug,effective,other,no," "$T/cases.csv" "late report listed"
expect_in ",30,60,30,0.490,sex;age,drug_dates;causality" "$T/cases.csv" \
	"deadline, days, completeness, missing dimensions, 缺项"
"$VIGIL" units cases --db "$DB" --year "$YEAR" --format json > "$T/cases.json"
expect_in "\"case\":\"$A2\",\"unit\":\"H002\",\"class\":\"drug\",\"state\":\"duplicate\"" \
	"$T/cases.json" "duplicate state"
expect_in '"state":"nullified"' "$T/cases.json" "nullified state"
"$VIGIL" units --db "$DB" --year 1999 --format json > "$T/empty.json"
expect_in '"reports":0' "$T/empty.json" "an empty year"
finish
