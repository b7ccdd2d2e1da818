#!/bin/sh
# fuzz/run.sh NAME [SECONDS] - build fuzz/fuzz_NAME.c with clang's libFuzzer,
# ASan and UBSan, seed a corpus from the harness's real samples and run it.
#
#   sh fuzz/run.sh e2b 300        # five minutes on the E2B reader
#   sh fuzz/run.sh all 120        # every harness, two minutes each
#
# Work files go to build-fuzz/ (binaries, corpus/NAME, crash-* files), never
# into the source tree.  A crash leaves its input in build-fuzz/NAME/; replay
# it with build-fuzz/fuzz_NAME build-fuzz/NAME/crash-...
# Harnesses and the sources each one links are listed in harness_srcs below;
# docs/FUZZING.md records run lengths and findings.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_OUT:-$ROOT/build-fuzz}
CC=${CC:-clang-14}
NAME=${1:?usage: fuzz/run.sh NAME|all [SECONDS]}
SECS=${2:-60}

UTIL="$ROOT/src/util/*.c"
CASE="$ROOT/src/case/*.c"
ING="$ROOT/src/ingest"

# Sources (besides util/ and case/) and seed folders of each harness.
harness_srcs() {
	case "$1" in
	e2b) echo "$ING/e2b.c $ING/e2b_export.c $ING/rejects.c" ;;
	maude | vaers | caers) echo "$ING/$1.c $ING/csv.c $ING/sort.c $ING/rejects.c" ;;
	case_bin) echo "" ;;
	meddra) echo "$ROOT/src/terms/lines.c $ROOT/src/terms/meddra.c" ;;
	*) ls "$ING"/*.c "$ROOT"/src/terms/*.c 2>/dev/null | tr '\n' ' ' ;;
	esac
}
harness_seeds() {
	case "$1" in
	e2b) echo "$ROOT/tests/data/e2b" ;;
	case | case_bin) echo "$ROOT/tests/data/http" ;;
	*) echo "$ROOT/tests/data/$1" ;;
	esac
}

# One seed holding several files of a release, cut at form feeds (0x0C),
# for the harnesses that join files (fuzz_maude.c, fuzz_vaers.c).
joined_seed() {
	case "$1" in
	maude) set -- "$2/mdrfoi_2014.txt" "$2/foidev_2014.txt" "$2/patient_2014.txt" \
		"$2/foitext_2014.txt" ;;
	vaers) set -- "$2/1999VAERSDATA.csv" "$2/1999VAERSVAX.csv" "$2/1999VAERSSYMPTOMS.csv" ;;
	*) return 0 ;;
	esac
	first=1
	for f in "$@"; do
		[ "$first" = 1 ] || printf '\f'
		first=0
		head -c 16000 "$f"
	done
}

# fuzz_case_bin's binary seeds: real versions (FAERS quarters and E2B files
# read by the ingest readers, the API's example cases) written as binary
# documents by the harness built with -DVG_FUZZ_SEEDS.
case_bin_seeds() {
	tool="$OUT/seeds_case_bin"
	d="$ROOT/tests/data"
	# shellcheck disable=SC2046
	$CC -O1 -std=c11 -D_GNU_SOURCE -DVG_FUZZ_SEEDS -I"$ROOT/src" \
		$(pkg-config --cflags libxml-2.0 jansson libxxhash) \
		"$ROOT/fuzz/fuzz_case_bin.c" $(ls "$ING"/*.c "$ROOT"/src/terms/*.c) $UTIL $CASE \
		-o "$tool" $(pkg-config --libs libxml-2.0 jansson libxxhash) -lm -lpthread
	set -- faers "$d/faers/2022q4" faers "$d/faers/faers2017q2" faers "$d/faers/aers2004q1"
	for f in "$d"/e2b/*.xml; do set -- "$@" e2b "$f"; done
	for f in "$d"/http/*.json; do set -- "$@" json "$f"; done
	"$tool" "$OUT/corpus/case_bin" "$@"
}

# fuzz_meddra's seeds: the fixture distribution as one input, its files cut
# at form feeds in fuzz_meddra.c's order (an empty part is an absent file),
# once with mdhier.asc and once with the three link files instead.
meddra_seeds() {
	d="$ROOT/tests/data/terms/meddra"
	for set in mdhier links; do
		first=1
		for f in soc hlgt hlt pt llt mdhier hlt_pt hlgt_hlt soc_hlgt intl_ord smq_list \
			smq_content; do
			[ "$first" = 1 ] || printf '\f'
			first=0
			case "$set:$f" in
			mdhier:hlt_pt | mdhier:hlgt_hlt | mdhier:soc_hlgt | links:mdhier) ;;
			*) cat "$d/$f.asc" ;;
			esac
		done >"$OUT/corpus/meddra/seed-$set"
	done
}

run_one() {
	name=$1
	src="$ROOT/fuzz/fuzz_$name.c"
	[ -f "$src" ] || { echo "fuzz/run.sh: no harness $src" >&2; exit 2; }
	mkdir -p "$OUT/$name" "$OUT/corpus/$name"
	bin="$OUT/fuzz_$name"
	# shellcheck disable=SC2046
	$CC -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I"$ROOT/src" \
		$(pkg-config --cflags libxml-2.0 jansson libxxhash) \
		"$src" $(harness_srcs "$name") $UTIL $CASE -o "$bin" \
		$(pkg-config --libs libxml-2.0 jansson libxxhash) -lm
	seeds=$(harness_seeds "$name")
	if [ -d "$seeds" ]; then
		# small real files only: libFuzzer's -max_len cuts the rest
		find "$seeds" -type f ! -name '*.md' ! -name '*.xsd' -size -200k \
			-exec cp {} "$OUT/corpus/$name/" \;
	fi
	joined_seed "$name" "$seeds" >"$OUT/corpus/$name/joined-seed"
	[ "$name" != case_bin ] || case_bin_seeds
	[ "$name" != meddra ] || meddra_seeds
	echo "fuzz/run.sh: $name for ${SECS}s, corpus $OUT/corpus/$name"
	(cd "$OUT/$name" && "$bin" -max_total_time="$SECS" -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$OUT/corpus/$name")
}

if [ "$NAME" = all ]; then
	for f in "$ROOT"/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		run_one "${n#fuzz_}"
	done
else
	run_one "$NAME"
fi
