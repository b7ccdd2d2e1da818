#!/bin/sh
# test_http_slow.sh - slow clients do not block others.
#
# With two polling threads and a 2 s idle timeout: 40 clients trickle a
# request body at 50 bytes/s and 10 clients hold idle connections; while
# they do, 30 ordinary requests must each answer within 2.5 s (in practice
# tens of milliseconds; the slow bodies take 6 s).  (That the
# server closes idle and half-sent connections after the timeout is
# checked byte by byte in tests/unit/test_http.c.)  Everything is bounded
# by curl --max-time.
set -eu
. "$(dirname "$0")/test_http_lib.sh"

http_setup
http_start --timeout 2
TOK=$(login rep1)
head -c 4000 /dev/zero | tr '\0' ' ' > "$T/slow_body"
printf '{' >> "$T/slow_body"

pids=
k=0
while [ $k -lt 40 ]; do
	curl -s -o /dev/null --max-time 6 --limit-rate 50 -X POST -H "Authorization: Bearer $TOK" \
		--data-binary "@$T/slow_body" "$BASE/api/v1/cases" &
	pids="$pids $!"
	k=$((k + 1))
done
k=0
while [ $k -lt 10 ]; do
	sleep 8 | curl -s -o /dev/null --max-time 8 "telnet://127.0.0.1:$PORT" &
	pids="$pids $!"
	k=$((k + 1))
done
sleep 0.5

worst=0
k=0
while [ $k -lt 30 ]; do
	t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 -H "Authorization: Bearer $TOK" \
		"$BASE/api/v1/cases?limit=5")
	worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
	k=$((k + 1))
done
echo "slowest of 30 requests during the slow clients: ${worst}s"
expect 1 "$(awk -v w="$worst" 'BEGIN { print (w < 2.5) ? 1 : 0 }')" "requests fast despite slow clients"

for p in $pids; do wait "$p" 2>/dev/null || true; done
expect 200 "$(req GET /health '')" "server healthy afterwards"
http_stop
finish
