#!/bin/sh
# bench_http.sh - load on `vigil serve` over loopback (docs/PERFORMANCE.md "http").
#
#   sh bench/bench_http.sh [BUILD_DIR] [SECONDS]      (default: build, 5)
#
# Sets up a fresh database in a temporary directory (two units, a reporter;
# argon2id at MIN cost since logins are not what is measured), starts the
# server with 2 polling threads, then:
#   1. durable submissions (POST /api/v1/cases, 201 = committed with
#      synchronous=FULL) at 1, 4, 16, 32, 64 and 128 concurrent connections;
#   2. authenticated reads (GET /api/v1/cases/{id}, round robin over the
#      20,000 newest cases) at 1, 8, 32 and 64 connections, then over every
#      case submitted (more than the render cache holds: the cold path);
#   3. the same reads with wrk (one case, keep-alive), when wrk is installed.
# Prints the machine, its load average, and one line per run.
set -eu
BUILD=${1:-build}
SECS=${2:-5}
VIGIL=$BUILD/src/cli/vigil
LG=$BUILD/bench/bench_http
[ -x "$VIGIL" ] && [ -x "$LG" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
DB=$T/bench.db
"$VIGIL" init --db "$DB" > /dev/null
"$VIGIL" unit add --db "$DB" H001 "Bench Hospital" > /dev/null
echo bench-pw | "$VIGIL" user add --db "$DB" bench --role reporter --unit H001 --pwhash-cost min > /dev/null
sed "s/\"aware\": \"[0-9-]*\"/\"aware\": \"$(date -u +%Y-%m-%d)\"/" tests/data/http/case_drug.json > "$T/case.json"

"$VIGIL" serve --db "$DB" --listen 127.0.0.1:0 --threads 2 --quiet > "$T/out" 2>&1 &
PID=$!
n=0
while [ $n -lt 100 ] && ! grep -q serving "$T/out"; do sleep 0.05; n=$((n + 1)); done
PORT=$(sed -n 's/.*:\([0-9]*\)\/$/\1/p' "$T/out")
TOK=$(curl -s -X POST -d '{"username":"bench","password":"bench-pw"}' \
	"http://127.0.0.1:$PORT/api/v1/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')

# The server's CPU time (utime + stime, clock ticks) around each run gives
# its CPU per request, which other load on the machine does not inflate.
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
run() {
	a=$(ticks)
	"$LG" --port "$PORT" --token "$TOK" "$@" > "$T/run"
	b=$(ticks)
	n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$T/run")
	printf '%s server_cpu=%sus/req\n' "$(cat "$T/run")" \
		"$(awk -v t=$((b - a)) -v n="$n" -v hz="$HZ" 'BEGIN { printf "%.0f", n ? t / hz / n * 1e6 : 0 }')"
}
echo "== durable submissions (POST /api/v1/cases)"
: > "$T/ids"
for c in 1 4 16 32 64 128; do
	run --mode submit --conns $c --seconds "$SECS" --body "$T/case.json" --ack "$T/ack$c" --prefix "B$c"
	cat "$T/ack$c" >> "$T/ids"
done
tail -n 20000 "$T/ids" > "$T/hot"
echo "== authenticated reads (GET /api/v1/cases/{id}), the 20,000 newest cases"
for c in 1 8 32 64; do
	run --mode read --ids "$T/hot" --conns $c --seconds "$SECS"
done
echo "== authenticated reads over every case ($(wc -l < "$T/ids") > the 32,768-entry render cache)"
run --mode read --ids "$T/ids" --conns 32 --seconds "$SECS"
if command -v wrk > /dev/null; then
	echo "== wrk, one case, keep-alive"
	wrk -t1 -c32 -d"${SECS}s" --latency -H "Authorization: Bearer $TOK" \
		"http://127.0.0.1:$PORT/api/v1/cases/$(head -1 "$T/ids")" | sed -n '/Latency/,/Transfer/p'
fi
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^vigil_writer_(commits|jobs)_total'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
