/*
 * sqlite.c - the SQLite backend: opening, migrations, transactions and the
 * statement cache.  The case and account code lives in sqlite_cases.c and
 * sqlite_accounts.c (see store_int.h for the map).
 *
 * Opening a store:
 *   1. sqlite3_open_v2 in multi-thread mode (one handle per thread, as
 *      store.h requires), read-write (+create) or read-only;
 *   2. PRAGMAs: journal_mode=WAL (readers never block the writer),
 *      synchronous=FULL (a commit is on disk when it returns; BULK lowers
 *      it to NORMAL: still atomic and consistent after a crash, the last
 *      commits may be lost on power failure), foreign_keys=ON, and a busy
 *      handler with short sleeps (several server threads share the file);
 *      a new file gets 16 KiB pages (the JSON documents make rows large:
 *      bulk puts run about 30 % faster than with 4 KiB pages, see
 *      docs/PERFORMANCE.md);
 *   3. migrations (migrations.c), each in its own IMMEDIATE transaction that
 *      re-reads the schema version under the lock, so two processes opening
 *      a fresh file at once do not both apply migration 1.
 *
 * Transactions: vg_store_begin is BEGIN IMMEDIATE, taking the write lock
 * at once so a transaction never fails half-way on a lock upgrade.  Inside
 * the caller's transaction, an operation that fails before changing any row
 * (sqlite3_total_changes64 unchanged: SQLite undoes a failed statement by
 * itself) leaves the transaction usable; one that fails half-way poisons it
 * (tx_failed) until the caller rolls back.  Writes outside begin/commit
 * open and commit their own transaction (tx_enter / tx_leave).  After the
 * lock is taken, PRAGMA data_version tells whether another connection
 * committed since we last looked; if so the in-memory case cache is dropped
 * (it is only a cache of what the tables hold).  Rollback also drops it,
 * since it may describe rows that no longer exist.
 */
#include "vg.h"
#include "store/store_int.h"

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 10000
#define NEW_FILE_PAGE_SIZE "16384"
/* Bulk imports keep the index pages they touch (case ids, received days,
 * version hashes: ~50 MB per million cases) in memory rather than reading
 * them back from the OS cache: -25 % import time at 1M cases. */
#define BULK_CACHE_KIB "-65536"
#define DOC_MAX ((size_t)16 << 20) /* largest JSON document of one version */

int vg_sq_err(struct vg_store *st, struct vg_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);
	int code = VG_EDB;

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		code = VG_EEXIST;
	else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		code = VG_EINVAL; /* refers to a unit, user or case that does not exist */
	return vg_err_set(err, code, NULL, "%s: %s", what, sqlite3_errmsg(st->db));
}

sqlite3_stmt *vg_sq_stmt(struct vg_store *st, int id, const char *sql, struct vg_err *err)
{
	sqlite3_stmt *s = st->stmts[id];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		vg_sq_err(st, err, "prepare");
		return NULL;
	}
	st->stmts[id] = s;
	return s;
}

/* Step a statement that returns no rows, then reset it. */
int vg_sq_exec_step(struct vg_store *st, sqlite3_stmt *s, struct vg_err *err, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = vg_sq_err(st, err, what);
		sqlite3_reset(s);
		return rc;
	}
	sqlite3_reset(s);
	return 0;
}

int vg_sq_each_row(struct vg_store *st, sqlite3_stmt *s, struct vg_arena *a,
                   int (*row)(sqlite3_stmt *s, struct vg_arena *a, void *arg), void *arg,
                   const char *what, struct vg_err *err)
{
	int rc = 0, step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (a)
			vg_arena_reset(a);
		if ((rc = row(s, a, arg)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = vg_sq_err(st, err, what);
	sqlite3_reset(s);
	return rc;
}

void vg_sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void vg_sq_bind_date(sqlite3_stmt *s, int i, const struct vg_date *d)
{
	char buf[16];

	if (d->prec == VG_DATE_NONE) {
		sqlite3_bind_null(s, i);
		return;
	}
	vg_date_format(d, buf);
	sqlite3_bind_text(s, i, buf, -1, SQLITE_TRANSIENT);
}

const char *vg_sq_col_str(sqlite3_stmt *s, int i, struct vg_arena *a)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	if (!t)
		return NULL;
	return vg_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, i));
}

struct vg_date vg_sq_col_date(sqlite3_stmt *s, int i)
{
	struct vg_date d = VG_DATE_INIT;
	const char *t = (const char *)sqlite3_column_text(s, i);

	if (t && vg_date_parse(vg_sv_of(t), &d) != 0)
		d = (struct vg_date)VG_DATE_INIT;
	return d;
}

/* ------------------------------------------------------------ case cache */

void vg_sq_cache_flush(struct vg_store *st)
{
	if (st->cache)
		vg_map_free(st->cache);
	st->cache = NULL;
	st->nslots = 0;
	st->next_version = 0;
}

static int check_data_version(struct vg_store *st, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_DATA_VERSION, "PRAGMA data_version", err);
	int64_t v;

	if (!s)
		return err->code;
	if (sqlite3_step(s) != SQLITE_ROW) {
		int rc = vg_sq_err(st, err, "data_version");
		sqlite3_reset(s);
		return rc;
	}
	v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (v != st->data_version)
		vg_sq_cache_flush(st);
	st->data_version = v;
	return 0;
}

/* ---------------------------------------------------------- transactions */

static int tx_exec(struct vg_store *st, int id, const char *sql, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, id, sql, err);

	if (!s)
		return err->code;
	return vg_sq_exec_step(st, s, err, sql);
}

int sq_begin(struct vg_store *st, struct vg_err *err)
{
	int rc;

	if (st->in_tx)
		return vg_err_set(err, VG_EINVAL, NULL, "a transaction is already open");
	if (st->flags & VG_STORE_READONLY)
		return vg_err_set(err, VG_EINVAL, NULL, "the store is open read-only");
	rc = tx_exec(st, S_BEGIN, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	rc = check_data_version(st, err);
	if (rc) {
		tx_exec(st, S_ROLLBACK, "ROLLBACK", &(struct vg_err)VG_ERR_INIT);
		return rc;
	}
	st->in_tx = true;
	st->tx_failed = false;
	st->op_depth = 0;
	return 0;
}

/* The transaction's product and event counts join the totals row: one
 * UPDATE per commit instead of one per version (migration 3). */
static int totals_flush(struct vg_store *st, struct vg_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (st->pend_products == 0 && st->pend_events == 0)
		return 0;
	s = vg_sq_stmt(st, S_TOTALS_ADD,
	               "UPDATE totals SET products = products + ?1, events = events + ?2", err);
	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, st->pend_products);
	sqlite3_bind_int64(s, 2, st->pend_events);
	rc = vg_sq_exec_step(st, s, err, "updating totals");
	if (rc == 0)
		st->pend_products = st->pend_events = 0;
	return rc;
}

int sq_commit(struct vg_store *st, struct vg_err *err)
{
	int rc;

	if (!st->in_tx)
		return vg_err_set(err, VG_EINVAL, NULL, "no transaction is open");
	if (st->tx_failed) {
		sq_rollback(st);
		return vg_err_set(err, VG_EDB, NULL,
		                  "a write failed inside the transaction; it was rolled back");
	}
	rc = totals_flush(st, err);
	if (rc == 0)
		rc = tx_exec(st, S_COMMIT, "COMMIT", err);
	if (rc) {
		sq_rollback(st);
		return rc;
	}
	st->in_tx = false;
	return 0;
}

int sq_rollback(struct vg_store *st)
{
	struct vg_err ignored = VG_ERR_INIT;

	if (!sqlite3_get_autocommit(st->db))
		tx_exec(st, S_ROLLBACK, "ROLLBACK", &ignored);
	st->in_tx = false;
	st->tx_failed = false;
	st->op_depth = 0;
	st->pend_products = st->pend_events = 0;
	vg_sq_cache_flush(st);
	return 0;
}

int vg_sq_tx_enter(struct vg_store *st, bool *own, struct vg_err *err)
{
	int rc;

	*own = false;
	if (st->in_tx) {
		if (st->tx_failed)
			return vg_err_set(err, VG_EDB, NULL, "the transaction failed; roll it back");
		if (st->op_depth++ == 0)
			st->op_changes = sqlite3_total_changes64(st->db);
		return 0;
	}
	rc = sq_begin(st, err);
	if (rc == 0)
		*own = true;
	return rc;
}

int vg_sq_tx_leave(struct vg_store *st, bool own, int rc, struct vg_err *err)
{
	if (!own) {
		/* A failed statement is undone by SQLite itself; only an operation
		 * that failed after changing rows leaves the transaction unusable. */
		if (st->in_tx && --st->op_depth == 0 && rc &&
		    sqlite3_total_changes64(st->db) != st->op_changes)
			st->tx_failed = true;
		return rc;
	}
	if (rc) {
		sq_rollback(st);
		return rc;
	}
	return sq_commit(st, err);
}

/* ------------------------------------------------------------ migrations */

static int schema_version_now(struct vg_store *st, int *version, struct vg_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) FROM schema_migrations",
	                       -1, &s, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "reading schema_migrations");
	if (sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	else
		rc = vg_sq_err(st, err, "reading schema_migrations");
	sqlite3_finalize(s);
	return rc;
}

static int record_migration(struct vg_store *st, const struct vg_migration *m,
                            struct vg_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO schema_migrations(version, name) VALUES (?1, ?2)", -1,
	                       &s, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "recording migration");
	sqlite3_bind_int(s, 1, m->version);
	sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
	rc = vg_sq_exec_step(st, s, err, "recording migration");
	sqlite3_finalize(s);
	return rc;
}

/* Apply one migration in its own transaction, unless someone else did. */
static int apply_migration(struct vg_store *st, const struct vg_migration *m,
                           struct vg_err *err)
{
	int rc, have = 0;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "migration: begin");
	rc = schema_version_now(st, &have, err);
	if (rc || have >= m->version)
		goto out;
	if (sqlite3_exec(st->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = vg_err_set(err, VG_EDB, NULL, "migration %d (%s): %s", m->version, m->name,
		                sqlite3_errmsg(st->db));
		goto out;
	}
	if (m->run && (rc = m->run(st, err)) != 0)
		goto out;
	rc = record_migration(st, m, err);
	if (rc == 0)
		st->applied_now++;
out:
	if (rc == 0 && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = vg_sq_err(st, err, "migration: commit");
	if (rc)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int migrate(struct vg_store *st, struct vg_err *err)
{
	int rc, newest = vg_sqlite_migrations[vg_sqlite_nmigrations - 1].version;

	if (sqlite3_exec(st->db,
	                 "CREATE TABLE IF NOT EXISTS schema_migrations("
	                 " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	                 " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "creating schema_migrations");
	rc = schema_version_now(st, &st->schema_version, err);
	if (rc)
		return rc;
	if (st->schema_version > newest)
		return vg_err_set(err, VG_EDB, NULL,
		                  "database schema version %d is newer than this program's (%d)",
		                  st->schema_version, newest);
	for (size_t i = 0; i < vg_sqlite_nmigrations; i++) {
		if (vg_sqlite_migrations[i].version <= st->schema_version)
			continue;
		rc = apply_migration(st, &vg_sqlite_migrations[i], err);
		if (rc)
			return rc;
	}
	return schema_version_now(st, &st->schema_version, err);
}

/* ------------------------------------------------------------ open/close */

/*
 * Waiting for the write lock.  SQLite's own busy_timeout sleeps 1, 2, 5 ...
 * up to 100 ms between tries, so under many concurrent writers (server
 * threads each with a handle) a commit of a millisecond can wait 100 ms.
 * Here: short sleeps that double from 20 us up to 1 ms, about
 * BUSY_TIMEOUT_MS in all, then SQLITE_BUSY.
 */
static int busy_wait(void *ctx, int n)
{
	long us = n < 6 ? 20L << n : 1000;
	struct timespec ts = {0, us * 1000};
	long spent = n < 6 ? (20L << n) - 20 : 1260 + (long)(n - 6) * 1000;

	(void)ctx;
	if (spent / 1000 >= BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static int set_pragmas(struct vg_store *st, struct vg_err *err)
{
	/* page_size only takes effect on a new, empty file; it must come first. */
	const char *rw = (st->flags & VG_STORE_BULK)
		? "PRAGMA page_size=" NEW_FILE_PAGE_SIZE "; PRAGMA journal_mode=WAL;"
		  " PRAGMA synchronous=NORMAL; PRAGMA cache_size=" BULK_CACHE_KIB ";"
		: "PRAGMA page_size=" NEW_FILE_PAGE_SIZE "; PRAGMA journal_mode=WAL;"
		  " PRAGMA synchronous=FULL;";

	sqlite3_busy_handler(st->db, busy_wait, NULL);
	/* journal_size_limit: after a big import the WAL shrinks back to 64 MiB
	 * at the next checkpoint instead of keeping its peak size on disk. */
	if (sqlite3_exec(st->db, "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
	                         " PRAGMA journal_size_limit=67108864;",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "pragmas");
	if (st->flags & VG_STORE_READONLY)
		return 0;
	if (sqlite3_exec(st->db, rw, NULL, NULL, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "pragmas");
	return 0;
}

/* "sqlite:PATH", "sqlite://PATH" or a plain path. */
static const char *sqlite_path(const char *uri)
{
	if (strncmp(uri, "sqlite://", 9) == 0)
		return uri + 9;
	if (strncmp(uri, "sqlite:", 7) == 0)
		return uri + 7;
	return uri;
}

static int open_db(struct vg_store *st, const char *path, struct vg_err *err)
{
	int oflags = SQLITE_OPEN_NOMUTEX;
	struct stat sb;

	if (st->flags & VG_STORE_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | ((st->flags & VG_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (!(oflags & SQLITE_OPEN_CREATE) && stat(path, &sb) != 0)
		return vg_err_set(err, VG_ENOTFOUND, NULL, "no such database file");
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK)
		return vg_err_set(err, VG_EIO, NULL, "cannot open the database: %s",
		                  st->db ? sqlite3_errmsg(st->db) : "out of memory");
	sqlite3_extended_result_codes(st->db, 1);
	return 0;
}

/* SQLite counts its allocations for sqlite3_status() under a global mutex
 * taken on every malloc and free; nothing here reads those counters, and
 * the lock was 2 % of an import's writer thread.  Must precede the
 * library's initialisation (a no-op if something else initialised it). */
static void sqlite_once(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * A read-only open of a file written by an older vigil: upgrade it first
 * with a short read-write open (each migration is atomic), since a reader
 * of the old schema would fail on the first query naming a new table
 * (`vigil info` and the totals of migration 3).  A file that cannot be
 * written gets an error that says what to do.
 */
static int upgrade_first(const char *uri, int flags, int have, struct vg_err *err)
{
	int newest = vg_sqlite_migrations[vg_sqlite_nmigrations - 1].version;
	struct vg_store *rw = NULL;
	struct vg_err in = VG_ERR_INIT;
	int rc = vg_sq_open(uri, flags & ~(VG_STORE_READONLY | VG_STORE_CREATE), &rw, &in);

	if (rc == 0) {
		sq_close(rw);
		return 0;
	}
	return vg_err_set(err, rc, NULL,
	                  "the database's schema (version %d) is older than this program's (%d)"
	                  " and could not be upgraded (open it once with write access): %s",
	                  have, newest, in.msg);
}

int vg_sq_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	struct vg_store *st;
	int rc;

	pthread_once(&once, sqlite_once);
	*out = NULL;
	st = vg_xcalloc(1, sizeof(*st));
	st->ops = &vg_sqlite_ops;
	st->flags = flags;
	st->doc = (struct vg_buf)VG_BUF_INIT(DOC_MAX);
	st->bin = (struct vg_buf)VG_BUF_INIT(DOC_MAX);
	vg_arena_init(&st->scratch, 64 * 1024);
	rc = open_db(st, sqlite_path(uri), err);
	if (rc == 0)
		rc = set_pragmas(st, err);
	if (rc == 0 && !(flags & VG_STORE_READONLY))
		rc = migrate(st, err);
	else if (rc == 0)
		rc = schema_version_now(st, &st->schema_version, err);
	if (rc) {
		sq_close(st);
		return rc;
	}
	if ((flags & VG_STORE_READONLY) &&
	    st->schema_version < vg_sqlite_migrations[vg_sqlite_nmigrations - 1].version) {
		int have = st->schema_version;
		sq_close(st);
		rc = upgrade_first(uri, flags, have, err);
		return rc ? rc : vg_sq_open(uri, flags, out, err);
	}
	*out = st;
	return 0;
}

void sq_close(struct vg_store *st)
{
	if (!st)
		return;
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	for (size_t i = 0; i < LIST_VARIANTS; i++) {
		sqlite3_finalize(st->list_stmts[i][0]);
		sqlite3_finalize(st->list_stmts[i][1]);
	}
	sqlite3_close_v2(st->db);
	vg_sq_cache_flush(st);
	free(st->slots);
	vg_buf_release(&st->doc);
	vg_buf_release(&st->bin);
	vg_arena_release(&st->scratch);
	free(st);
}

const struct vg_store_ops vg_sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.put_version = sq_put_version,
	.put_prepared = sq_put_prepared,
	.delete_case = sq_delete_case,
	.case_latest = sq_case_latest,
	.case_versions = sq_case_versions,
	.case_list = sq_case_list,
	.scan_latest = sq_scan_latest,
	.scan_versions = sq_scan_versions,
	.case_set_status = sq_case_set_status,
	.case_set_duplicate = sq_case_set_duplicate,
	.info = sq_info,
	.unit_put = sq_unit_put,
	.unit_get = sq_unit_get,
	.unit_list = sq_unit_list,
	.user_add = sq_user_add,
	.user_get = sq_user_get,
	.user_update = sq_user_update,
	.user_list = sq_user_list,
	.session_put = sq_session_put,
	.session_get = sq_session_get,
	.session_delete = sq_session_delete,
	.audit = sq_audit,
	.audit_list = sq_audit_list,
	.import_begin = sq_import_begin,
	.import_finish = sq_import_finish,
	.setting_put = sq_setting_put,
	.setting_get = sq_setting_get,
};
