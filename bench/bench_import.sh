#!/bin/sh
# bench_import.sh - FAERS import throughput at several sizes.
#
#   sh bench/bench_import.sh [BUILD_DIR] [SIZES]
#   sh bench/bench_import.sh build-dev "100000 1000000 5000000"
#
# For each size N (reports in one generated quarter, bench/gen_faers.c):
#   1. generate the quarter once into $BENCH_DIR/faers-N (kept between runs);
#   2. `cat FILES >/dev/null` twice, timing the second (warm page cache):
#      the cost of merely reading the bytes;
#   3. `vigil import faers --dry-run` (reader only, no store);
#   4. `vigil import faers` into a fresh SQLite file (the real thing);
# each under /usr/bin/time, printing wall and CPU seconds, input rows per
# second (wall and per CPU second) and peak RSS.  Results are lines of
# "key=value" for docs/PERFORMANCE.md.  $BENCH_DIR defaults to
# ${TMPDIR:-/tmp}/vigil-bench; it needs ~0.7 GB per million reports.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-dev}
SIZES=${2:-"100000 1000000"}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/vigil-bench}
VIGIL="$BUILD/src/cli/vigil"
GEN="$BUILD/bench/gen_faers"
[ -x "$VIGIL" ] && [ -x "$GEN" ] || { echo "build $BUILD first (vigil, gen_faers)" >&2; exit 2; }
mkdir -p "$DIR"
export VIGIL_NO_PROGRESS=1

# measure NAME CMD...: run under /usr/bin/time; sets W (wall), C (cpu), R (KB)
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" "$@" > "$DIR/out.txt"
	read -r W U S R < "$DIR/time.txt"
	C=$(echo "$U + $S" | bc)
}

rate() { echo "scale=0; $1 / $2" | bc; }

echo "machine: $(nproc) cpu, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
	"load $(cut -d' ' -f1-3 /proc/loadavg), sqlite $(pkg-config --modversion sqlite3)"
for n in $SIZES; do
	q="$DIR/faers-$n"
	[ -f "$q/.done" ] || { rm -rf "$q"; "$GEN" --reports "$n" --out "$q" && touch "$q/.done"; }
	files=$(find "$q" -name '*.txt' | sort | tr '\n' ' ')
	bytes=$(cat $files | wc -c)
	rows=$(cat $files | wc -l)
	cat $files > /dev/null
	measure cat sh -c "cat $files > /dev/null"
	cat_w=$W
	measure dry "$VIGIL" import faers --dry-run --db "$DIR/unused.db" --format json "$q"
	dry_w=$W dry_c=$C dry_r=$R
	read_rows=$(grep -o '"rows_read":[0-9]*' "$DIR/out.txt" | cut -d: -f2)
	rm -f "$DIR/b.db" "$DIR/b.db-wal" "$DIR/b.db-shm"
	measure import "$VIGIL" import faers --db "$DIR/b.db" --format json "$q"
	echo "reports=$n files_bytes=$bytes lines=$rows rows_read=$read_rows"
	echo "  cat:      wall=${cat_w}s"
	echo "  dry-run:  wall=${dry_w}s cpu=${dry_c}s rows/s=$(rate "$read_rows" "$dry_w") rows/cpu-s=$(rate "$read_rows" "$dry_c") rss=${dry_r}KB"
	echo "  import:   wall=${W}s cpu=${C}s rows/s=$(rate "$read_rows" "$W") rows/cpu-s=$(rate "$read_rows" "$C") rss=${R}KB db=$(du -k "$DIR/b.db" | cut -f1)KB"
	echo "  ratio import/cat wall: $(echo "scale=1; $W / $cat_w" | bc)"
	echo "  summary: $(cat "$DIR/out.txt")"
done
