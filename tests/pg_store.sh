#!/bin/sh
# pg_store.sh TEST_STORE - run the store's unit tests against PostgreSQL too
# (DESIGN.md: the same suite runs on both backends).  Starts a throw-away
# PostgreSQL 15 cluster in a temporary directory, listening only on a Unix
# socket, runs TEST_STORE with VIGIL_TEST_PG pointing at it, and removes the
# cluster.  Exits 77 (skipped) when PostgreSQL's server binaries are absent.
set -u
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
	echo "PostgreSQL server binaries not installed: skipped"
	exit 77
fi
T=$(mktemp -d /tmp/vigil-pg.XXXXXX)
chmod 755 "$T"
# initdb refuses to run as root: run the server as the postgres user then.
AS=""
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "no postgres user: skipped"; exit 77; }
	chown postgres "$T"
	AS="runuser -u postgres --"
fi
cleanup() {
	$AS "$BIN/pg_ctl" -D "$T/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
$AS "$BIN/initdb" -D "$T/data" -U postgres -A trust --no-sync >"$T/initdb.log" 2>&1 ||
	{ cat "$T/initdb.log"; exit 1; }
$AS "$BIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w \
	-o "-k $T -c listen_addresses='' -c fsync=off -p 5439" start >/dev/null ||
	{ cat "$T/server.log"; exit 1; }
VIGIL_TEST_PG="postgresql:///postgres?host=$T&port=5439&user=postgres" "$1"
