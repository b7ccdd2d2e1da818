#!/bin/sh
# test_http_api.sh - the reporting service through real HTTP on loopback:
# login, submit (valid, late, invalid, malformed, oversized), read back
# with Chinese text intact, follow-up, nullify, reviewer actions, audit,
# openFDA queries, E2B out and in, logout, expired and forged tokens,
# login throttling, graceful stop.  Cites: Order 81 art. 21 (deadlines),
# E2B(R3) C.1.11 (nullification).
set -eu
. "$(dirname "$0")/test_http_lib.sh"

TODAY=$(date -u +%Y-%m-%d)
OLD=$(date -u -d '60 days ago' +%Y-%m-%d)
mkcase() { # OUT AWARE
	sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$2\"/" "$SRCDIR/tests/data/http/case_drug.json" > "$1"
}

http_setup
http_start --max-body 65536
mkcase "$T/case.json" "$TODAY"
mkcase "$T/late.json" "$OLD"

# ---- health, metrics, web page
expect 200 "$(req GET /health '')" "health"
expect 200 "$(req GET /metrics '')" "metrics"
expect_in 'vigil_http_requests_total{code="2xx"}' "$T/body" "metrics text"
expect 200 "$(req GET / '')" "web page"
expect_in '<html' "$T/body" "index.html served"

# ---- login
printf '{"username":"rep1","password":"wrong"}' > "$T/bad.json"
expect 401 "$(req POST /api/v1/login '' "$T/bad.json")" "wrong password"
R1=$(login rep1)
REV=$(login rev)
ADM=$(login adm)
[ -n "$R1" ] && [ -n "$REV" ] && [ -n "$ADM" ] || { echo "login failed" >&2; exit 1; }
expect 200 "$(req GET /api/v1/me "$R1")" "me"
expect_in '"unit":"H001"' "$T/body" "reporter bound to its unit"

# ---- submit: on time, late (Order 81 art. 21: serious 15 days)
expect 201 "$(req POST /api/v1/cases "$R1" "$T/case.json")" "submit"
C1=$(json_get "$T/body" case_id)
expect_in '"late":false' "$T/body" "on time"
expect_in '"deadline_days":15' "$T/body" "serious drug report: 15 days"
expect 201 "$(req POST /api/v1/cases "$R1" "$T/late.json")" "late report accepted"
expect_in '"late":true' "$T/body" "late report flagged"
expect_in '"days":60' "$T/body" "days counted from awareness"

# ---- read back: Chinese text survives
expect 200 "$(req GET "/api/v1/cases/$C1" "$R1")" "get"
expect_in '患者用药后出现皮疹，停药后好转。' "$T/body" "narrative intact"
expect_in '"name":"头孢曲松钠注射液"' "$T/body" "product name intact"
expect 200 "$(req GET "/api/v1/cases?limit=10" "$R1")" "list"
expect_in '"total":2' "$T/body" "list total"

# ---- validation: every problem listed, nothing stored
cat > "$T/invalid.json" <<'EOF'
{"class": "drug", "aware": "2024-13-45", "patient": {"sex": "robot"},
 "products": [{"role": "boss", "name": "x"}], "bogus": 1}
EOF
expect 422 "$(req POST /api/v1/cases "$R1" "$T/invalid.json")" "invalid case"
for f in '"aware' 'patient.sex' 'products[0].role' '"bogus' ; do
	expect_in "$f" "$T/body" "problem listed: $f"
done
req GET "/api/v1/cases" "$R1" > /dev/null
expect_in '"total":2' "$T/body" "nothing stored after 422"

# no awareness date: deadlines cannot be checked
sed 's/"aware": "[0-9-]*", //' "$T/case.json" > "$T/noaware.json"
expect 422 "$(req POST /api/v1/cases "$R1" "$T/noaware.json")" "aware required"
expect_in '"field":"aware"' "$T/body" "aware problem"

# ---- malformed bodies
printf '{"class": "drug", ' > "$T/trunc.json"
expect 400 "$(req POST /api/v1/cases "$R1" "$T/trunc.json")" "truncated JSON"
expect_in '"line"' "$T/body" "parse position reported"
printf '{"class": "drug\377\376"}' > "$T/utf8.json"
expect 400 "$(req POST /api/v1/cases "$R1" "$T/utf8.json")" "invalid UTF-8"
printf '[1,2]' > "$T/arr.json"
expect 400 "$(req POST /api/v1/cases "$R1" "$T/arr.json")" "not an object"
printf '{"class":"drug","class":"device"}' > "$T/dup.json"
expect 400 "$(req POST /api/v1/cases "$R1" "$T/dup.json")" "duplicate keys"
printf '{"narrative":"a\\u0000b"}' > "$T/nul.json"
expect 400 "$(req POST /api/v1/cases "$R1" "$T/nul.json")" "NUL escape"
: > "$T/empty.json"
expect 400 "$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $R1" "$BASE/api/v1/cases")" "empty body"

# ---- oversized (--max-body 65536): by Content-Length and chunked
head -c 100000 /dev/zero | tr '\0' 'a' > "$T/big.json"
expect 413 "$(req POST /api/v1/cases "$R1" "$T/big.json")" "oversized body"
expect 413 "$(req POST /api/v1/cases "$R1" "$T/big.json" -H 'Transfer-Encoding: chunked')" "oversized chunked body"
head -c 20000 /dev/zero | tr '\0' 'h' > "$T/hdr"
expect_code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(cat "$T/hdr")" "$BASE/health")
case $expect_code in 413|414|431) expect ok ok "oversized header refused";;
	*) expect "413/431" "$expect_code" "oversized header refused";; esac
expect 200 "$(req GET /health '')" "server fine after oversized input"

# ---- follow-up, versions
expect 201 "$(req POST "/api/v1/cases/$C1/versions" "$R1" "$T/case.json")" "follow-up"
expect_in '"version":2' "$T/body" "version 2"
expect_in '"category":"follow-up"' "$T/body" "follow-ups have no fixed deadline (Order 81 art. 21)"
expect 200 "$(req GET "/api/v1/cases/$C1/versions" "$R1")" "versions"
expect 2 "$(grep -o '"case_id"' "$T/body" | wc -l | tr -d ' ' | awk '{print $1-1}')" "two versions listed"
expect 409 "$(req POST /api/v1/cases "$R1" "$T/case.json" >/dev/null; sed "s/^{/{\"case_id\":\"$C1\",/" "$T/case.json" > "$T/dupid.json"; req POST /api/v1/cases "$R1" "$T/dupid.json")" "new case with an existing id"

# ---- the same new case id sent 8 times at once: exactly one 201
sed 's/^{/{"case_id":"RACE-1",/' "$T/case.json" > "$T/race.json"
k=0
pids=
while [ $k -lt 8 ]; do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $R1" \
		--data-binary "@$T/race.json" "$BASE/api/v1/cases" >> "$T/race.codes" &
	pids="$pids $!"
	k=$((k + 1))
done
for p in $pids; do wait "$p"; done
expect 1 "$(grep -c 201 "$T/race.codes")" "one 201 among concurrent duplicates"
expect 7 "$(grep -c 409 "$T/race.codes")" "the others 409"

# ---- reviewer actions
printf '{}' > "$T/empty_obj.json"
printf '{"comment":"请补充批号"}' > "$T/comment.json"
expect 200 "$(req POST "/api/v1/cases/$C1/accept" "$REV" "$T/empty_obj.json")" "accept"
expect 422 "$(req POST "/api/v1/cases/$C1/return" "$REV" "$T/empty_obj.json")" "return needs a comment"
expect 200 "$(req POST "/api/v1/cases/$C1/return" "$REV" "$T/comment.json")" "return"
expect 200 "$(req GET "/api/v1/cases?status=returned" "$REV")" "list returned"
expect_in "$C1" "$T/body" "returned case listed"
printf '{"event":0,"coded":"Rash","code":"10037844"}' > "$T/code.json"
expect 200 "$(req POST "/api/v1/cases/$C1/code" "$REV" "$T/code.json")" "code term"
printf '{"event":5,"coded":"Rash"}' > "$T/code_bad.json"
expect 400 "$(req POST "/api/v1/cases/$C1/code" "$REV" "$T/code_bad.json")" "code: event out of range"
printf '{"product":0,"event":0,"result":"很可能","method":"国家中心评价"}' > "$T/caus.json"
expect 200 "$(req POST "/api/v1/cases/$C1/causality" "$REV" "$T/caus.json")" "causality"
expect 200 "$(req GET "/api/v1/cases/$C1" "$REV")" "get after review"
expect_in '"coded":"Rash"' "$T/body" "coded term stored"
expect_in '"result":"很可能"' "$T/body" "causality stored"
expect_in '"term":"皮疹"' "$T/body" "verbatim term kept"

# ---- audit: who, when, what, before/after; read-only
expect 200 "$(req GET "/api/v1/audit?object=$C1" "$REV")" "audit for reviewer"
expect_in '"action":"case.status"' "$T/body" "status change audited"
expect_in '"before":{"status":"accepted"}' "$T/body" "audit before"
expect_in '"actor":"rev"' "$T/body" "audit actor"
expect_in '"action":"case.code"' "$T/body" "coding audited"
expect 200 "$(req GET "/api/v1/audit" "$ADM")" "audit for admin"
expect 403 "$(req GET "/api/v1/audit" "$R1")" "audit hidden from reporters"
expect 405 "$(req DELETE "/api/v1/audit" "$ADM")" "audit cannot be deleted"

# ---- nullify (E2B(R3) C.1.11)
expect 422 "$(req POST "/api/v1/cases/$C1/nullify" "$R1" "$T/empty_obj.json")" "nullify needs a reason"
printf '{"reason":"重复报告"}' > "$T/reason.json"
expect 200 "$(req POST "/api/v1/cases/$C1/nullify" "$R1" "$T/reason.json")" "nullify"
expect 409 "$(req POST "/api/v1/cases/$C1/versions" "$R1" "$T/case.json")" "no follow-up after nullification"
expect 409 "$(req POST "/api/v1/cases/$C1/nullify" "$R1" "$T/reason.json")" "nullify twice"
expect 200 "$(req GET "/api/v1/cases/$C1" "$R1")" "nullified case readable"
expect_in '"nullified":true' "$T/body" "nullified flag"

# ---- openFDA-compatible queries (the late case is still counted)
expect 200 "$(req_until 200 '"total":3' GET '/api/v1/drug/event.json?search=patient.reaction.reactionverbatim:皮疹' "$REV")" "openFDA search"
expect_in '"meta"' "$T/body" "openFDA meta"
expect_in '"total":3' "$T/body" "openFDA total (nullified one excluded)"
expect_in '"safetyreportid"' "$T/body" "openFDA drug shape"
expect 200 "$(req GET '/api/v1/drug/event.json?search=serious:1+AND+receivedate:[20000101+TO+29991231]&count=patient.drug.medicinalproduct.exact' "$REV")" "openFDA count"
expect_in '"term":"头孢曲松钠注射液","count":3' "$T/body" "openFDA count result"
expect 404 "$(req GET '/api/v1/drug/event.json?search=patient.drug.medicinalproduct:aspirin' "$REV")" "openFDA no match"
expect_in '"NOT_FOUND"' "$T/body" "openFDA 404 shape"
expect 400 "$(req GET '/api/v1/drug/event.json?search=nosuchfield:x' "$REV")" "openFDA unknown field"
expect 400 "$(req GET '/api/v1/drug/event.json?limit=5000' "$REV")" "openFDA limit cap"
expect 200 "$(req GET "/api/v1/drug/event.json?search=serious:1&api_key=$REV" '')" "openFDA api_key"
expect 404 "$(req GET '/api/v1/device/event.json' "$REV")" "no device reports yet"
sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$TODAY\"/" "$SRCDIR/tests/data/http/case_device.json" > "$T/dev.json"
sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$TODAY\"/" "$SRCDIR/tests/data/http/case_cosmetic.json" > "$T/cos.json"
expect 201 "$(req POST /api/v1/cases "$R1" "$T/dev.json")" "device report"
expect_in '"deadline_days":20' "$T/body" "serious device event: 20 days (SAMR Order 1)"
expect 201 "$(req POST /api/v1/cases "$R1" "$T/cos.json")" "cosmetic report"
expect_in '"deadline_days":30' "$T/body" "general cosmetic reaction: 30 days (NMPA 2022 No. 16)"
sed 's/^{/{"major_social_impact": true, /' "$T/cos.json" > "$T/cos3.json"
expect 201 "$(req POST /api/v1/cases "$R1" "$T/cos3.json")" "cosmetic report, major social impact"
expect_in '"deadline_days":3' "$T/body" "major social impact: 3 days"
expect 200 "$(req_until 200 SY-200 GET '/api/v1/device/event.json?search=device.model_number.exact:SY-200' "$REV")" "openFDA device search"
expect_in '"report_number"' "$T/body" "MAUDE shape"
expect_in '"event_type":"Injury"' "$T/body" "device event type"
expect 200 "$(req GET '/api/v1/device/event.json?count=date_received' "$REV")" "openFDA device count by date"
expect_in '"time":"' "$T/body" "date counts are times"
expect 200 "$(req GET '/api/v1/cosmetic/event.json?search=reactions:红斑&count=products.industry_name.exact' "$REV")" "openFDA cosmetic count"
expect_in '"term":"美白类","count":2' "$T/body" "cosmetic count by category"

# ---- E2B(R3) out, and back in as an upload
C2=$(req POST /api/v1/cases "$R1" "$T/case.json" >/dev/null; json_get "$T/body" case_id)
code=$(req GET "/api/v1/cases/$C2/e2b" "$R1")
expect 200 "$code" "E2B export"
if [ "$code" = 200 ]; then
	expect_in 'MCCI_IN200100UV01' "$T/body" "E2B batch"
	sed "s/$C2/$C2-X/g" "$T/body" > "$T/up.xml"
	code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $R1" \
		-H 'Content-Type: application/xml' --data-binary "@$T/up.xml" "$BASE/api/v1/e2b")
	expect 201 "$code" "E2B upload"
	expect 200 "$(req GET "/api/v1/cases/$C2-X" "$R1")" "uploaded case readable"
	expect_in '皮疹' "$T/body" "uploaded Chinese term intact"
fi
printf '<not xml' > "$T/bad.xml"
expect 422 "$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $R1" --data-binary "@$T/bad.xml" "$BASE/api/v1/e2b")" "malformed XML refused"

# ---- tokens: logout, forged
expect 200 "$(req POST /api/v1/logout "$R1")" "logout"
expect 401 "$(req GET /api/v1/me "$R1")" "token dead after logout"
expect 401 "$(req GET /api/v1/me "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" "forged token"
expect 401 "$(req GET /api/v1/me "$REV'--")" "tampered token"
expect 401 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $REV" "$BASE/api/v1/me")" "wrong scheme"
http_stop

# ---- expired tokens, login throttling (small limits for the test)
http_start --session-ttl 1 --login-fail-account 3 --login-fail-addr 6
R2=$(login rep2)
expect 200 "$(req GET /api/v1/me "$R2")" "fresh token"
sleep 2.2
expect 401 "$(req GET /api/v1/me "$R2")" "expired token"
printf '{"username":"rep2","password":"nope"}' > "$T/bad2.json"
for i in 1 2 3; do req POST /api/v1/login '' "$T/bad2.json" > /dev/null; done
printf '{"username":"rep2","password":"pw-rep2"}' > "$T/good2.json"
expect 429 "$(req POST /api/v1/login '' "$T/good2.json")" "account locked after 3 failures"
printf '{"username":"nobody","password":"x"}' > "$T/bad3.json"
for i in 1 2 3; do req POST /api/v1/login '' "$T/bad3.json" > /dev/null; done
printf '{"username":"rev","password":"pw-rev"}' > "$T/good3.json"
expect 429 "$(req POST /api/v1/login '' "$T/good3.json")" "address throttled after 6 failures"
"$VIGIL" user enable --db "$DB" rep2 > /dev/null
http_stop

finish
