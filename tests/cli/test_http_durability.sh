#!/bin/sh
# test_http_durability.sh - a 201 means the case is on disk.
#
# Rounds of: start the server, let bench_http submit concurrently (16
# connections, each 201's case id appended to an ack list), SIGKILL the
# server at a random moment, restart it and check that every acknowledged
# case of every round so far is there and intact (its Chinese narrative
# and its own id in the body).  A last round stops the server with SIGTERM
# instead: it must exit 0 after finishing the requests in flight, and the
# same check must hold.  Needs bench/bench_http (built by `ninja`); skips
# (77) when it is missing.
set -eu
. "$(dirname "$0")/test_http_lib.sh"

LG=$(dirname "$VIGIL")/../../bench/bench_http
[ -x "$LG" ] || { echo "bench_http not built: skipping"; exit 77; }
ROUNDS=${VIGIL_DURABILITY_ROUNDS:-3}

TODAY=$(date -u +%Y-%m-%d)
http_setup
sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$TODAY\"/" "$SRCDIR/tests/data/http/case_drug.json" > "$T/case.json"
: > "$T/all_acks"

verify_all() { # LABEL
	http_start
	tok=$(login rev)
	out=$("$LG" --port "$PORT" --token "$tok" --mode verify --ids "$T/all_acks" --expect '患者用药后出现皮疹，停药后好转。' \
		--conns 4 --seconds 120) && rc=0 || rc=$?
	echo "$out" | tail -n 3
	expect 0 "$rc" "$1: every acknowledged case present and intact"
}

round() { # N SIGNAL
	http_start
	tok=$(login rep1)
	"$LG" --port "$PORT" --token "$tok" --mode submit --conns 16 --seconds 3 \
		--body "$T/case.json" --ack "$T/ack$1" --prefix "D$1" > "$T/lg$1" &
	lg=$!
	# a random moment between 0.5 and 2.0 s into the load
	delay=$(awk -v s="$$$1" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() * 1.5 }')
	sleep "$delay"
	if [ "$2" = KILL ]; then
		kill -9 "$PID"
		wait "$PID" 2>/dev/null || true
		PID=
	else
		http_stop
	fi
	wait "$lg"
	cat "$T/lg$1"
	n=$(wc -l < "$T/ack$1" | tr -d ' ')
	echo "round $1: SIG$2 after ${delay}s, $n acknowledged"
	[ "$n" -gt 0 ] && expect ok ok "round $1 acknowledged some" || expect ok none "round $1 acknowledged some"
	cat "$T/ack$1" >> "$T/all_acks"
	verify_all "round $1 (SIG$2)"
	kill -9 "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
}

i=1
while [ "$i" -le "$ROUNDS" ]; do
	round "$i" KILL
	i=$((i + 1))
done
round "$i" TERM

# The store agrees offline, too: at least as many cases as acknowledgements.
total=$("$VIGIL" cases list --db "$DB" --format csv --limit 1000000 | tail -n +2 | wc -l | tr -d ' ')
acked=$(wc -l < "$T/all_acks" | tr -d ' ')
echo "acknowledged $acked, stored $total"
[ "$total" -ge "$acked" ] && expect ok ok "store holds every acknowledged case" ||
	expect "$acked" "$total" "store holds every acknowledged case"
finish
