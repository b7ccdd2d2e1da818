/*
 * store_int.h - what the files of the SQLite backend share.
 *
 *   sqlite.c           open/close, PRAGMAs, migrations runner, transactions,
 *                      the statement cache, error mapping, small helpers
 *   sqlite_cases.c     versions, latest-version selection, scans, listing
 *   sqlite_accounts.c  units, users, sessions, audit, import runs, settings
 *   migrations.c       the numbered schema migrations embedded in the binary
 *
 * The statement cache: every SQL text the backend runs is a string literal
 * at its call site, paired with a slot of enum stmt_id.  The first use on a
 * handle prepares it (SQLITE_PREPARE_PERSISTENT); later uses get the same
 * statement back, reset and with bindings cleared.  No SQL is ever built
 * from user text: values travel through sqlite3_bind_*.  The one exception
 * to "one literal per slot" is case listing, whose WHERE clause is put
 * together from fixed fragments chosen by a filter bit mask (each variant
 * cached in its own slot), never from values.
 */
#ifndef VG_STORE_INT_H
#define VG_STORE_INT_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"

#include <sqlite3.h>

struct vg_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct vg_migration vg_sqlite_migrations[];
extern const size_t vg_sqlite_nmigrations;

/* Products and events go in with multi-row INSERTs of up to this many rows
 * (one cached statement per row count). */
#define MULTI_ROWS 8

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
	/* cases */
	S_CASE_FIND, S_CASE_INSERT, S_VERSION_INSERT, S_NEXT_VERSION,
	S_PRODUCTS_1, S_PRODUCTS_LAST = S_PRODUCTS_1 + MULTI_ROWS - 1,
	S_EVENTS_1, S_EVENTS_LAST = S_EVENTS_1 + MULTI_ROWS - 1,
	S_CASE_SET_LATEST, S_CASE_BUMP, S_CASE_DELETE, S_CASE_ID_OF, S_CASE_DOCS,
	S_CASE_LATEST_DOC, S_CASE_STATUS_GET, S_CASE_STATUS_SET, S_CASE_DUP_SET,
	S_INFO,
	/* accounts and the rest */
	S_UNIT_PUT, S_UNIT_GET, S_UNIT_LIST, S_UNIT_COUNT,
	S_USER_ADD, S_USER_GET, S_USER_UPDATE, S_USER_LIST,
	S_SESSION_PUT, S_SESSION_GET, S_SESSION_DELETE, S_SESSION_PURGE,
	S_AUDIT_ADD, S_AUDIT_LIST, S_AUDIT_LIST_OBJ,
	S_IMPORT_BEGIN, S_IMPORT_FINISH,
	S_SETTING_PUT, S_SETTING_GET,
	S__COUNT
};

/* Case listing: one bit per optional WHERE fragment, two statements (rows,
 * count) per combination. */
#define LIST_NBITS 9
#define LIST_VARIANTS (1 << LIST_NBITS)

/* In-memory case cache: case id -> what put needs to place a new version
 * without a SELECT.  Valid while no other connection writes (checked with
 * PRAGMA data_version under the write lock) and flushed on rollback. */
struct case_slot {
	int64_t rowid;
	int nversions;
	struct vg_date latest, created; /* C.1.5 / C.1.2 of the case's latest version */
};

struct vg_store {
	sqlite3 *db;
	int flags;
	int schema_version, applied_now;
	bool in_tx;      /* inside vg_store_begin/commit */
	bool tx_failed;  /* a put failed half-way: only rollback is allowed */
	int64_t data_version;
	int64_t next_version; /* rowid the next version gets; 0: not known yet */
	sqlite3_stmt *stmts[S__COUNT];
	sqlite3_stmt *list_stmts[LIST_VARIANTS][2];
	/* the case cache */
	struct vg_map *cache;
	struct case_slot *slots;
	size_t nslots, slots_cap;
	/* scratch */
	struct vg_buf doc;       /* JSON document of the version being put */
	struct vg_arena scratch; /* decode problems, per-call temporaries */
};

/* sqlite.c */
sqlite3_stmt *vg_sq_stmt(struct vg_store *st, int id, const char *sql, struct vg_err *err);
int vg_sq_err(struct vg_store *st, struct vg_err *err, const char *what);
int vg_sq_exec_step(struct vg_store *st, sqlite3_stmt *s, struct vg_err *err, const char *what);
/* Open a write transaction unless one is open; *own says whether we did. */
int vg_sq_tx_enter(struct vg_store *st, bool *own, struct vg_err *err);
/* Close what tx_enter opened: commit when rc == 0, else roll back. */
int vg_sq_tx_leave(struct vg_store *st, bool own, int rc, struct vg_err *err);
void vg_sq_cache_flush(struct vg_store *st);

void vg_sq_bind_text(sqlite3_stmt *s, int i, const char *v);
void vg_sq_bind_date(sqlite3_stmt *s, int i, const struct vg_date *d);
/* Column text copied into a (NULL stays NULL). */
const char *vg_sq_col_str(sqlite3_stmt *s, int i, struct vg_arena *a);
struct vg_date vg_sq_col_date(sqlite3_stmt *s, int i);

#endif
