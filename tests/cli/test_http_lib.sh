# test_http_lib.sh - shared by the test_http_*.sh scripts (sourced, not a
# test itself).  Everything runs on 127.0.0.1 with a port the kernel picks,
# in a temporary directory removed on exit; every wait loop is bounded.
#
#   http_setup             database with units H001, H002 and users
#                          rep1 (H001), rep2 (H002), rev (reviewer), adm
#   http_start [OPTS...]   start `vigil serve` ($PID, $PORT, $BASE)
#   http_stop              SIGTERM and wait (fails the test if exit != 0)
#   login USER             prints a token
#   req METHOD PATH TOKEN [BODYFILE] [EXTRA CURL ARGS...]
#                          prints the status; body in $T/body
#   expect WHAT GOT LABEL  count a pass or print a failure

VIGIL=${VIGIL:?VIGIL must name the vigil binary}
SRCDIR=${SRCDIR:?SRCDIR must name the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-http.XXXXXX")
DB=$T/vigil.db
PID=
PASS=0
FAIL=0

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -9 "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

expect() {
	if [ "$1" = "$2" ]; then
		PASS=$((PASS + 1))
	else
		FAIL=$((FAIL + 1))
		echo "FAIL: $3: expected $1, got $2" >&2
		if [ -f "$T/body" ]; then head -c 600 "$T/body" >&2; echo >&2; fi
	fi
}

# expect_in SUBSTRING FILE LABEL
expect_in() {
	if grep -qF -- "$1" "$2"; then
		PASS=$((PASS + 1))
	else
		FAIL=$((FAIL + 1))
		echo "FAIL: $3: '$1' not in $(head -c 600 "$2")" >&2
	fi
}

expect_not_in() {
	if grep -qF -- "$1" "$2"; then
		FAIL=$((FAIL + 1))
		echo "FAIL: $3: '$1' found in $(head -c 600 "$2")" >&2
	else
		PASS=$((PASS + 1))
	fi
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

http_setup() {
	"$VIGIL" init --db "$DB" >/dev/null
	"$VIGIL" unit add --db "$DB" H001 "第一人民医院" --kind hospital >/dev/null
	"$VIGIL" unit add --db "$DB" H002 "Second Hospital" --kind hospital >/dev/null
	for u in "rep1 reporter --unit H001" "rep2 reporter --unit H002" "rev reviewer" \
	         "adm admin" "spare reviewer"; do
		set -- $u
		name=$1
		shift
		printf 'pw-%s\n' "$name" > "$T/pw"
		"$VIGIL" user add --db "$DB" "$name" --role "$@" --password-file "$T/pw" \
			--pwhash-cost min >/dev/null
	done
}

http_start() {
	: > "$T/out"
	"$VIGIL" serve --db "$DB" --listen 127.0.0.1:0 --threads 2 --pwhash-cost min \
		--quiet "$@" > "$T/out" 2> "$T/err" &
	PID=$!
	_w=0
	while [ $_w -lt 200 ] && ! grep -q serving "$T/out" 2>/dev/null; do
		sleep 0.05
		_w=$((_w + 1))
	done
	PORT=$(sed -n 's/.*:\([0-9]*\)\/$/\1/p' "$T/out")
	if [ -z "$PORT" ]; then
		echo "server did not start:" >&2
		cat "$T/err" >&2
		exit 1
	fi
	BASE=http://127.0.0.1:$PORT
}

http_stop() {
	kill -TERM "$PID"
	_rc=0
	wait "$PID" || _rc=$?
	PID=
	expect 0 "$_rc" "server exits 0 on SIGTERM"
}

req() {
	_m=$1 _p=$2 _tok=$3
	shift 3
	_body=
	if [ $# -gt 0 ]; then _body=$1; shift; fi
	set -- -s -g -o "$T/body" -w '%{http_code}' -X "$_m" --max-time 20 "$@"
	if [ -n "$_tok" ]; then set -- "$@" -H "Authorization: Bearer $_tok"; fi
	if [ -n "$_body" ]; then set -- "$@" -H 'Content-Type: application/json' --data-binary "@$_body"; fi
	curl "$@" "$BASE$_p"
}

# req_until WANT GREP METHOD PATH TOKEN: repeat req (at most 6 s) until the
# status is WANT and the body holds GREP (openFDA data may lag writes).
req_until() {
	_want=$1 _grep=$2
	shift 2
	_n=0
	while :; do
		_got=$(req "$@")
		if [ "$_got" = "$_want" ] && grep -qF -- "$_grep" "$T/body"; then break; fi
		_n=$((_n + 1))
		[ $_n -ge 30 ] && break
		sleep 0.2
	done
	echo "$_got"
}

login() {
	printf '{"username":"%s","password":"pw-%s"}' "$1" "$1" > "$T/login.json"
	curl -s -X POST --data-binary "@$T/login.json" "$BASE/api/v1/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# json_get FILE KEY: the first string or number value of "KEY" in FILE.
json_get() {
	sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$1" | head -1
}
