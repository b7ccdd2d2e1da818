#!/bin/sh
# demo.sh VIGIL DB LISTEN - the main job on the real sample data in
# data/sample/: a fresh database, every importer that has a sample, the
# summary, signals, the unit evaluation, then the server.  Steps whose
# command does not exist in this build are skipped with a note.
set -eu
VIGIL=$1
DB=$2
LISTEN=$3
DIR=$(dirname "$DB")

has() { "$VIGIL" --help | grep -q "^  $1 "; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$DIR"
rm -f "$DB" "$DB-wal" "$DB-shm"
step "vigil init --db $DB"
"$VIGIL" init --db "$DB"

if has import; then
	for fmt in faers maude vaers e2b caers; do
		d=data/sample/$fmt
		[ -d "$d" ] || continue
		files=$(find "$d" -type f ! -name '*.md' | sort)
		[ -n "$files" ] || continue
		step "vigil import $fmt --db $DB $d"
		# shellcheck disable=SC2086
		"$VIGIL" import "$fmt" --db "$DB" --rejects "$DIR/rejects-$fmt.tsv" $files
	done
	if [ -f data/sample/table/openEBGM_caers.csv ]; then
		step "vigil import table (CAERS supplement reports, openEBGM's example)"
		"$VIGIL" import table --db "$DIR/caers.db" --id id --product var1 --event var2 \
			--stratum strat1 data/sample/table/openEBGM_caers.csv
	fi
else
	echo "(import not built yet)"
fi

step "vigil info --db $DB"
"$VIGIL" info --db "$DB"

if has signals; then
	step "vigil signals: top signals by EB05 across the imported samples"
	"$VIGIL" signals --db "$DB" --sort EB05 --limit 15 || true
	if [ -f "$DIR/caers.db" ]; then
		step "vigil signals: CAERS, stratified by sex, top 15 by EB05"
		"$VIGIL" signals --db "$DIR/caers.db" --strata stratum --sort EB05 --limit 15 || true
	fi
fi

if has dedup; then
	step "vigil dedup: probable duplicate cases"
	"$VIGIL" dedup --db "$DB" --limit 10 || true
fi

if has units; then
	step "vigil units: yearly evaluation of reporting units"
	"$VIGIL" units --db "$DB" --year "${DEMO_YEAR:-2022}" || true
	"$VIGIL" units --db "$DB" --year "${DEMO_YEAR:-2022}" --format html -o "$DIR/units.html" \
		&& echo "report written to $DIR/units.html" || true
fi

if has serve; then
	if has user; then
		"$VIGIL" unit add --db "$DB" --code DEMO-H001 --name "示例医院 Demo Hospital" \
			--kind hospital >/dev/null 2>&1 || true
		printf 'demo-reporter-pw\n' | "$VIGIL" user add --db "$DB" --name reporter \
			--role reporter --unit DEMO-H001 >/dev/null 2>&1 || true
		printf 'demo-reviewer-pw\n' | "$VIGIL" user add --db "$DB" --name reviewer \
			--role reviewer >/dev/null 2>&1 || true
	fi
	step "vigil serve --db $DB --listen $LISTEN"
	echo "open http://$LISTEN/   logins: reporter / demo-reporter-pw, reviewer / demo-reviewer-pw"
	echo "(Ctrl-C stops the server)"
	exec "$VIGIL" serve --db "$DB" --listen "$LISTEN"
fi
