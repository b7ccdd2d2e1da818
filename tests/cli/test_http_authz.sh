#!/bin/sh
# test_http_authz.sh - the authorization matrix (every route x role x own /
# other unit), then SQL injection and path traversal attempts in every
# parameter.  Roles: anon (no token), rep1 (reporter of H001, owns case
# C1), rep2 (reporter of H002), rev (reviewer), adm (admin).  A case of
# another unit answers 404, exactly like a missing one.
set -eu
. "$(dirname "$0")/test_http_lib.sh"

TODAY=$(date -u +%Y-%m-%d)
http_setup
http_start
sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$TODAY\"/" "$SRCDIR/tests/data/http/case_drug.json" > "$T/case.json"
sed 's/^{/{"unit": "H001", /' "$T/case.json" > "$T/case_rev.json"
printf '{}' > "$T/empty.json"
printf '{"comment":"补充"}' > "$T/comment.json"
printf '{"event":0,"coded":"Rash"}' > "$T/code.json"
printf '{"product":0,"event":0,"result":"possible"}' > "$T/caus.json"
printf '{"reason":"test"}' > "$T/reason.json"
printf '{"code":"H009","name":"新单位"}' > "$T/unit.json"
printf '{"name":"newrev","role":"reviewer","password":"pw-newrev"}' > "$T/user.json"
printf '<x/>' > "$T/bad.xml"

R1=$(login rep1)
R2=$(login rep2)
REV=$(login rev)
ADM=$(login adm)
req POST /api/v1/cases "$R1" "$T/case.json" > /dev/null
C1=$(json_get "$T/body" case_id)
req POST /api/v1/cases "$R1" "$T/case.json" > /dev/null
C2=$(json_get "$T/body" case_id)
[ -n "$C1" ] && [ -n "$C2" ] || { echo "setup failed" >&2; exit 1; }

# METHOD PATH BODY   anon rep1 rep2 rev adm     (- : no body)
# A reviewer's submission must name the unit (case.json has none: 422);
# rep2 naming unit H001 is refused (422); rep2 on H001's case: 404.
cat > "$T/matrix" <<EOF
GET  /health                       -             200 200 200 200 200
GET  /metrics                      -             200 200 200 200 200
GET  /api/v1/me                    -             401 200 200 200 200
POST /api/v1/cases                 case.json     401 201 201 422 403
POST /api/v1/cases                 case_rev.json 401 201 422 201 403
GET  /api/v1/cases                 -             401 200 200 200 200
GET  /api/v1/cases/$C1             -             401 200 404 200 200
GET  /api/v1/cases/$C1/versions    -             401 200 404 200 200
GET  /api/v1/cases/$C1/e2b         -             401 200 404 200 200
POST /api/v1/cases/$C1/versions    case.json     401 201 404 422 403
POST /api/v1/cases/$C1/versions    case_rev.json 401 201 422 201 403
POST /api/v1/cases/$C1/accept      empty.json    401 403 403 200 403
POST /api/v1/cases/$C1/return      comment.json  401 403 403 200 403
POST /api/v1/cases/$C1/code        code.json     401 403 403 200 403
POST /api/v1/cases/$C1/causality   caus.json     401 403 403 200 403
GET  /api/v1/audit                 -             401 403 403 200 200
GET  /api/v1/units                 -             401 200 200 200 200
POST /api/v1/units                 unit.json     401 403 403 403 201
GET  /api/v1/users                 -             401 403 403 403 200
POST /api/v1/users                 user.json     401 403 403 403 201
POST /api/v1/users/spare/disable   empty.json    401 403 403 403 200
GET  /api/v1/drug/event.json       -             401 200 200 200 200
GET  /api/v1/device/event.json     -             401 404 404 404 404
GET  /api/v1/cosmetic/event.json   -             401 404 404 404 404
POST /api/v1/e2b                   bad.xml       401 422 422 422 403
POST /api/v1/cases/$C2/nullify     reason.json   401 200 404 409 403
POST /api/v1/cases/$C1/nullify     reason.json   401 200 404 409 403
POST /api/v1/logout                -             401 200 200 200 200
EOF

n=0
while read -r m p b e_anon e_r1 e_r2 e_rev e_adm; do
	n=$((n + 1))
	body=
	[ "$b" != - ] && body="$T/$b"
	for pair in "anon: $e_anon" "rep1:$R1 $e_r1" "rep2:$R2 $e_r2" "rev:$REV $e_rev" "adm:$ADM $e_adm"; do
		who=${pair%%:*}
		rest=${pair#*:}
		tok=${rest% *}
		want=${rest##* }
		[ "$who" = anon ] && tok=
		got=$(req "$m" "$p" "$tok" $body)
		expect "$want" "$got" "$m $p as $who"
	done
done < "$T/matrix"
echo "matrix: $n routes x 5 roles"

# logout ran last for everyone: log in again
R1=$(login rep1)
R2=$(login rep2)
REV=$(login rev)
ADM=$(login adm)

# ---- unit isolation in listings and openFDA (C1 is nullified now: C4)
req POST /api/v1/cases "$R1" "$T/case.json" > /dev/null
C4=$(json_get "$T/body" case_id)
req GET "/api/v1/cases?limit=1000" "$R2" > /dev/null
expect_not_in "$C1" "$T/body" "rep2 list hides H001 cases"
expect 403 "$(req GET "/api/v1/cases?unit=H001" "$R2")" "rep2 cannot ask for H001"
expect 200 "$(req_until 200 "$C4" GET "/api/v1/drug/event.json?search=safetyreportid.exact:$C4" "$R1")" "openFDA shows own unit"
expect 404 "$(req GET "/api/v1/drug/event.json?search=safetyreportid.exact:$C4" "$R2")" "openFDA hides other units"
expect 200 "$(req GET "/api/v1/drug/event.json?search=safetyreportid.exact:$C4" "$REV")" "openFDA shows all to reviewers"

# ---- disabled account: its live session dies at once
SP=$(login newrev)
expect 200 "$(req GET /api/v1/me "$SP")" "new reviewer works"
printf '{}' > "$T/e.json"
expect 200 "$(req POST /api/v1/users/newrev/disable "$ADM" "$T/e.json")" "disable"
expect 401 "$(req GET /api/v1/me "$SP")" "disabled user's token refused"

# ---- SQL injection in every parameter
INJ="x' OR '1'='1"
ENC="x%27%20OR%20%271%27%3D%271"
for p in "/api/v1/cases/$ENC" "/api/v1/cases/$ENC/versions" "/api/v1/cases/$ENC/e2b" \
         "/api/v1/cases/1%3BDROP%20TABLE%20cases%3B--"; do
	expect 404 "$(req GET "$p" "$REV")" "injection in path: $p"
done
for a in accept return code causality nullify; do
	expect 404 "$(req POST "/api/v1/cases/$ENC/$a" "$REV" "$T/comment.json")" "injection in path: $a"
done
for q in "class=$ENC" "status=$ENC" "serious=$ENC" "from=$ENC" "to=$ENC" "limit=$ENC" "offset=$ENC"; do
	expect 400 "$(req GET "/api/v1/cases?$q" "$REV")" "injection in query: $q"
done
expect 200 "$(req GET "/api/v1/cases?unit=$ENC" "$REV")" "injection in unit filter"
expect_in '"total":0' "$T/body" "injected unit matches nothing"
expect 200 "$(req GET "/api/v1/audit?object=$ENC" "$REV")" "injection in audit object"
expect_in '"results":[]' "$T/body" "injected object matches nothing"
for q in "search=safetyreportid:$ENC" "search=$ENC" "count=$ENC" "limit=$ENC" "skip=$ENC"; do
	code=$(req GET "/api/v1/drug/event.json?$q" "$REV")
	case $code in 400|404) expect ok ok "openFDA $q";; *) expect 400/404 "$code" "openFDA $q";; esac
done
printf '{"username":"%s","password":"%s"}' "$INJ" "$INJ" > "$T/inj.json"
expect 401 "$(req POST /api/v1/login '' "$T/inj.json")" "injection in login"
printf '{"username":"adm%s--","password":"x"}' "'" > "$T/inj2.json"
expect 401 "$(req POST /api/v1/login '' "$T/inj2.json")" "injection in login (comment)"
sed "s/^{/{\"case_id\": \"$INJ\", /" "$T/case.json" > "$T/inj_case.json"
expect 422 "$(req POST /api/v1/cases "$R1" "$T/inj_case.json")" "injection in case_id"
sed "s/\"id\": \"张某\"/\"id\": \"Robert'); DROP TABLE cases;--\"/" "$T/case.json" > "$T/inj_pat.json"
expect 201 "$(req POST /api/v1/cases "$R1" "$T/inj_pat.json")" "SQL text in a field is data"
C3=$(json_get "$T/body" case_id)
expect 200 "$(req GET "/api/v1/cases/$C3" "$R1")" "stored verbatim"
expect_in "Robert'); DROP TABLE cases;--" "$T/body" "text intact"
expect 200 "$(req GET "/api/v1/cases/$C2" "$R1")" "tables intact after injections"
[ -n "$(login adm)" ] && expect ok ok "users intact" || expect ok fail "users intact"

# ---- path traversal
for p in "/../../../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "/..%2f..%2f..%2fetc%2fpasswd" \
         "/app.js/../../../etc/passwd" "/api/v1/cases/..%2f..%2f..%2fetc%2fpasswd" \
         "/api/v1/cases/../../../etc/passwd" "/%252e%252e%252fetc%252fpasswd" "/.%00./etc/passwd"; do
	code=$(curl -s -g --path-as-is -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $REV" "$BASE$p")
	case $code in 400|404) expect ok ok "traversal $p";; *) expect 404 "$code" "traversal $p";; esac
	expect_not_in "root:" "$T/body" "no file content for $p"
done
http_stop
finish
