#!/bin/sh
# bench_dedup.sh [BUILD_DIR] - the duplicate-detection figures of
# docs/QUALITY.md: precision and recall of quality/dedup.c on generated data
# with planted duplicates (several seeds and sizes, then a threshold sweep),
# and on the real FAERS samples of the team's data folder.
#   BUILD_DIR  a meson build with bench/gen_dups (default: build)
#   DATA       the team's data folder (default: ../shared/data, i.e.
#              shared/data beside the repository)
set -eu
B=${1:-build}
G=$B/bench/gen_dups
DATA=${DATA:-../shared/data}
[ -x "$G" ] || { echo "bench_dedup: build $G first (ninja -C $B bench/gen_dups)" >&2; exit 2; }

echo "== generated: default threshold, five data sets"
"$G" --n 20000 --dup-rate 0.1 --seed 1
"$G" --n 20000 --dup-rate 0.1 --seed 2
"$G" --n 20000 --dup-rate 0.05 --seed 3
"$G" --n 50000 --dup-rate 0.1 --seed 4
"$G" --n 5000 --dup-rate 0.1 --seed 5
echo "== generated: threshold sweep (seed 1)"
"$G" --n 20000 --dup-rate 0.1 --seed 1 --sweep

F=$DATA/faers/ubesp_faers.db_2020q3
if [ -d "$F" ]; then
	echo "== FAERS 2020Q3 (10 000 rows): same literature reference = same case"
	"$G" --faers "$F" --lit "$F/DEMO20Q3-10000.txt" --sweep
	echo "== FAERS 2020Q3: agreement with the FAERS analysts' rule"
	"$G" --faers "$F" --sweep
	if [ -d "$DATA/faers/faersquarterlydata_2022q4" ]; then
		echo "== FAERS 2020Q3 + 2022Q4: later versions as if given new case ids"
		"$G" --faers "$F" --faers "$DATA/faers/faersquarterlydata_2022q4" --sweep
	fi
else
	echo "(no FAERS sample under $DATA/faers: skipped)"
fi
