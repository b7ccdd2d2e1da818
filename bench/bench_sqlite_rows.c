/*
 * bench_sqlite_rows.c - what the store's rows cost SQLite alone, without
 * vigil: the floor under `vigil import`, and the price of each index.
 *
 *   bench_sqlite_rows [--rows N] [--doc BYTES] [--children K] [--batch N]
 *                     [--cache-mib M] [--no-received-index] [--no-hash-index] FILE
 *
 * Writes N cases the way the SQLite store does (schema as of migration 4:
 * a cases row with its case-id, unit and received-day indexes, a versions
 * row holding a document of BYTES bytes with its (case_row, hash) unique
 * index; K product-like child rows per version when K > 0, as before
 * migration 3), in WAL mode with synchronous=NORMAL, 16 KiB pages and a
 * page cache of M MiB, committing every N rows; case ids in ascending
 * order, received days random, as in a FAERS import.  Prints wall and CPU
 * seconds and CPU microseconds per case.  Compare two runs that differ in
 * one option to price that option (docs/PERFORMANCE.md, "import").
 */
#include "vg.h"
#include "util/util.h"

#include <sqlite3.h>
#include <time.h>

struct opts {
	long rows, doc, children, batch, cache_mib;
	bool received_index, hash_index;
	const char *path;
};

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){1000000, 500, 0, 50000, 64, true, true, NULL};
	for (int i = 1; i < argc; i++) {
		long *v = !strcmp(argv[i], "--rows") ? &o->rows
		        : !strcmp(argv[i], "--doc") ? &o->doc
		        : !strcmp(argv[i], "--children") ? &o->children
		        : !strcmp(argv[i], "--batch") ? &o->batch
		        : !strcmp(argv[i], "--cache-mib") ? &o->cache_mib : NULL;
		if (v && i + 1 < argc)
			*v = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-received-index"))
			o->received_index = false;
		else if (!strcmp(argv[i], "--no-hash-index"))
			o->hash_index = false;
		else if (argv[i][0] != '-' && !o->path)
			o->path = argv[i];
		else
			return -1;
	}
	return o->path && o->rows > 0 && o->doc > 0 && o->batch > 0 ? 0 : -1;
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		vg_die("%s: %s", sql, sqlite3_errmsg(db));
}

static void schema(sqlite3 *db, const struct opts *o)
{
	char sql[256];

	snprintf(sql, sizeof sql, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
	         " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-%ld;", o->cache_mib * 1024);
	exec(db, sql);
	exec(db, "CREATE TABLE cases(id INTEGER PRIMARY KEY, case_id TEXT NOT NULL UNIQUE,"
	         " latest_version INTEGER, nversions INTEGER, valid INTEGER, nullified INTEGER,"
	         " klass INTEGER, serious INTEGER, unit TEXT, latest TEXT, created TEXT,"
	         " received TEXT, received_day INTEGER, first_product TEXT, first_event TEXT);"
	         "CREATE INDEX cases_unit ON cases(unit, case_id) WHERE unit IS NOT NULL;"
	         "CREATE TABLE products(version INTEGER NOT NULL, idx INTEGER NOT NULL,"
	         " name TEXT, PRIMARY KEY(version, idx)) WITHOUT ROWID;");
	if (o->received_index)
		exec(db, "CREATE INDEX cases_received ON cases(received_day);");
	exec(db, o->hash_index
	     ? "CREATE TABLE versions(id INTEGER PRIMARY KEY, case_row INTEGER NOT NULL,"
	       " hash BLOB NOT NULL, document BLOB NOT NULL, UNIQUE(case_row, hash));"
	     : "CREATE TABLE versions(id INTEGER PRIMARY KEY, case_row INTEGER NOT NULL,"
	       " hash BLOB NOT NULL, document BLOB NOT NULL);");
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		vg_die("%s: %s", sql, sqlite3_errmsg(db));
	return s;
}

static void step(sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		vg_die("insert: %s", sqlite3_errmsg(sqlite3_db_handle(s)));
	sqlite3_reset(s);
}

/* Case i: its row, its version, its children. */
static void put(sqlite3_stmt *const st[3], long i, uint64_t *x, unsigned char *doc,
                const struct opts *o)
{
	char id[32];
	unsigned char hash[16];

	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	snprintf(id, sizeof id, "FAERS-%ld", 10000000 + i * 3);
	sqlite3_bind_text(st[0], 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[0], 2, i + 1);
	sqlite3_bind_int(st[0], 3, 19000 + (int)(*x % 400));
	step(st[0]);
	memcpy(hash, x, 8);
	memcpy(hash + 8, &i, sizeof i < 8 ? sizeof i : 8);
	memcpy(doc, &i, sizeof i);
	sqlite3_bind_int64(st[1], 1, i + 1);
	sqlite3_bind_blob(st[1], 2, hash, sizeof hash, SQLITE_STATIC);
	sqlite3_bind_blob(st[1], 3, doc, (int)o->doc, SQLITE_STATIC);
	step(st[1]);
	for (long k = 0; k < o->children; k++) {
		sqlite3_bind_int64(st[2], 1, i + 1);
		sqlite3_bind_int64(st[2], 2, k);
		step(st[2]);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	sqlite3 *db = NULL;
	sqlite3_stmt *st[3];
	uint64_t x = 88172645463325252ULL;
	unsigned char *doc;
	double w0, c0, w1, c1;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: bench_sqlite_rows [--rows N] [--doc BYTES] [--children K]"
		        " [--batch N] [--cache-mib M] [--no-received-index] [--no-hash-index] FILE\n");
		return 2;
	}
	remove(o.path);
	if (sqlite3_open(o.path, &db) != SQLITE_OK)
		vg_die("%s: cannot open", o.path);
	schema(db, &o);
	st[0] = prep(db, "INSERT INTO cases(case_id, latest_version, nversions, valid, nullified,"
	                 " klass, serious, unit, latest, created, received, received_day,"
	                 " first_product, first_event) VALUES (?1, ?2, 1, 1, 0, 1, 0, 'PFIZER',"
	                 " '20230214', '20230214', '20220215', ?3, 'LAMFENPRA0000', 'Rash')"
	                 " ON CONFLICT(case_id) DO NOTHING");
	st[1] = prep(db, o.hash_index
	             ? "INSERT INTO versions(id, case_row, hash, document) VALUES (?1, ?1, ?2, ?3)"
	               " ON CONFLICT(case_row, hash) DO NOTHING"
	             : "INSERT INTO versions(id, case_row, hash, document) VALUES (?1, ?1, ?2, ?3)");
	st[2] = prep(db, "INSERT INTO products VALUES (?1, ?2, 'LAMFENPRA0000')");
	doc = vg_xcalloc((size_t)o.doc + 8, 1);
	w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	exec(db, "BEGIN");
	for (long i = 0; i < o.rows; i++) {
		put(st, i, &x, doc, &o);
		if ((i + 1) % o.batch == 0)
			exec(db, "COMMIT; BEGIN");
	}
	exec(db, "COMMIT");
	for (int k = 0; k < 3; k++)
		sqlite3_finalize(st[k]);
	sqlite3_close(db);
	w1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	printf("rows=%ld doc=%ld children=%ld batch=%ld cache=%ldMiB received_index=%d"
	       " hash_index=%d: wall %.2f s cpu %.2f s, %.2f us/case (cpu)\n", o.rows, o.doc,
	       o.children, o.batch, o.cache_mib, o.received_index, o.hash_index, w1 - w0, c1 - c0,
	       (c1 - c0) / (double)o.rows * 1e6);
	free(doc);
	return 0;
}
