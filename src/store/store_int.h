/*
 * store_int.h - what the files of the SQLite backend share.
 *
 *   sqlite.c           open/close, PRAGMAs, migrations runner, transactions,
 *                      the statement cache, error mapping, small helpers
 *   sqlite_cases.c     versions, latest-version selection, scans, listing
 *   sqlite_accounts.c  units, users, sessions, audit, import runs, settings
 *   migrations.c       the numbered schema migrations embedded in the binary
 *   loader.c           the bulk loader (backend-neutral; a writer thread
 *                      when the backend takes prepared versions)
 *
 * store.c dispatches every vg_store_* call through st->ops to the backend
 * (vg_sqlite_ops here, vg_pg_ops in pg.c); the sq_* functions below are the
 * SQLite entries.  Inside a backend, calls to vg_store_* (audit, begin ...)
 * simply come back to the same backend.
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

struct vg_put_prep; /* below */

struct vg_store_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(struct vg_store *st);
	int (*begin)(struct vg_store *st, struct vg_err *err);
	int (*commit)(struct vg_store *st, struct vg_err *err);
	int (*rollback)(struct vg_store *st);
	int (*put_version)(struct vg_store *st, const struct vg_case_version *v, const char *actor,
	     struct vg_put_result *res, struct vg_err *err);
	/* NULL: the bulk loader puts on the caller's thread (loader.c) */
	int (*put_prepared)(struct vg_store *st, const struct vg_put_prep *pp, const char *actor,
	     struct vg_put_result *res, struct vg_err *err);
	int (*delete_case)(struct vg_store *st, const char *case_id, bool *changed,
	     struct vg_err *err);
	int (*case_latest)(struct vg_store *st, const char *case_id, struct vg_arena *a,
	     struct vg_case_version **out, struct vg_err *err);
	int (*case_versions)(struct vg_store *st, const char *case_id, struct vg_arena *a,
	     struct vg_case_version ***out, size_t *n, struct vg_err *err);
	int (*case_list)(struct vg_store *st, const struct vg_case_filter *f, vg_case_row_cb cb,
	     void *ctx, int64_t *total, struct vg_err *err);
	int (*scan_latest)(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
	     struct vg_err *err);
	int (*scan_versions)(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err);
	int (*case_set_status)(struct vg_store *st, const char *case_id, int status,
	     const char *comment, const char *actor, struct vg_err *err);
	int (*case_set_duplicate)(struct vg_store *st, const char *case_id, const char *master,
	     const char *actor, struct vg_err *err);
	int (*info)(struct vg_store *st, struct vg_store_info *out, struct vg_err *err);
	int (*unit_put)(struct vg_store *st, const struct vg_unit *u, const char *actor,
	     struct vg_err *err);
	int (*unit_get)(struct vg_store *st, const char *code, struct vg_arena *a,
	     struct vg_unit *out, struct vg_err *err);
	int (*unit_list)(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err);
	int (*user_add)(struct vg_store *st, const struct vg_user *u, const char *actor,
	     struct vg_err *err);
	int (*user_get)(struct vg_store *st, const char *name, struct vg_arena *a,
	     struct vg_user *out, struct vg_err *err);
	int (*user_update)(struct vg_store *st, const struct vg_user *u, const char *actor,
	     struct vg_err *err);
	int (*user_list)(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err);
	int (*session_put)(struct vg_store *st, const char *token_hash, int64_t user_id,
	     int64_t expires, struct vg_err *err);
	int (*session_get)(struct vg_store *st, const char *token_hash, int64_t now,
	     int64_t *user_id, struct vg_err *err);
	int (*session_delete)(struct vg_store *st, const char *token_hash, struct vg_err *err);
	int (*audit)(struct vg_store *st, const char *actor, const char *action, const char *object,
	     const char *before, const char *after, struct vg_err *err);
	int (*audit_list)(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
	     vg_audit_cb cb, void *ctx, struct vg_err *err);
	int (*import_begin)(struct vg_store *st, const char *format, const char *files,
	     int64_t *run_id, struct vg_err *err);
	int (*import_finish)(struct vg_store *st, int64_t run_id, const struct vg_import_stats *s,
	     const char *status, struct vg_err *err);
	int (*setting_put)(struct vg_store *st, const char *key, const char *value,
	     struct vg_err *err);
	int (*setting_get)(struct vg_store *st, const char *key, struct vg_arena *a,
	     const char **value, struct vg_err *err);
};

extern const struct vg_store_ops vg_sqlite_ops;
int vg_sq_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err);
/* pg.c */
extern const struct vg_store_ops vg_pg_ops;
int vg_pg_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err);

/* The SQLite entries of vg_sqlite_ops (sqlite.c, sqlite_cases.c,
 * sqlite_accounts.c). */
void sq_close(struct vg_store *st);
int sq_begin(struct vg_store *st, struct vg_err *err);
int sq_commit(struct vg_store *st, struct vg_err *err);
int sq_rollback(struct vg_store *st);
int sq_put_version(struct vg_store *st, const struct vg_case_version *v, const char *actor,
                   struct vg_put_result *res, struct vg_err *err);
int sq_put_prepared(struct vg_store *st, const struct vg_put_prep *pp, const char *actor,
                    struct vg_put_result *res, struct vg_err *err);
int sq_delete_case(struct vg_store *st, const char *case_id, bool *changed, struct vg_err *err);
int sq_case_latest(struct vg_store *st, const char *case_id, struct vg_arena *a,
                   struct vg_case_version **out, struct vg_err *err);
int sq_case_versions(struct vg_store *st, const char *case_id, struct vg_arena *a,
                     struct vg_case_version ***out, size_t *n, struct vg_err *err);
int sq_case_list(struct vg_store *st, const struct vg_case_filter *f, vg_case_row_cb cb, void *ctx,
                 int64_t *total, struct vg_err *err);
int sq_scan_latest(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
                   struct vg_err *err);
int sq_scan_versions(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err);
int sq_case_set_status(struct vg_store *st, const char *case_id, int status, const char *comment,
                       const char *actor, struct vg_err *err);
int sq_case_set_duplicate(struct vg_store *st, const char *case_id, const char *master,
                          const char *actor, struct vg_err *err);
int sq_info(struct vg_store *st, struct vg_store_info *out, struct vg_err *err);
int sq_unit_put(struct vg_store *st, const struct vg_unit *u, const char *actor,
                struct vg_err *err);
int sq_unit_get(struct vg_store *st, const char *code, struct vg_arena *a, struct vg_unit *out,
                struct vg_err *err);
int sq_unit_list(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err);
int sq_user_add(struct vg_store *st, const struct vg_user *u, const char *actor,
                struct vg_err *err);
int sq_user_get(struct vg_store *st, const char *name, struct vg_arena *a, struct vg_user *out,
                struct vg_err *err);
int sq_user_update(struct vg_store *st, const struct vg_user *u, const char *actor,
                   struct vg_err *err);
int sq_user_list(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err);
int sq_session_put(struct vg_store *st, const char *token_hash, int64_t user_id, int64_t expires,
                   struct vg_err *err);
int sq_session_get(struct vg_store *st, const char *token_hash, int64_t now, int64_t *user_id,
                   struct vg_err *err);
int sq_session_delete(struct vg_store *st, const char *token_hash, struct vg_err *err);
int sq_audit(struct vg_store *st, const char *actor, const char *action, const char *object,
             const char *before, const char *after, struct vg_err *err);
int sq_audit_list(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
                  vg_audit_cb cb, void *ctx, struct vg_err *err);
int sq_import_begin(struct vg_store *st, const char *format, const char *files, int64_t *run_id,
                    struct vg_err *err);
int sq_import_finish(struct vg_store *st, int64_t run_id, const struct vg_import_stats *s,
                     const char *status, struct vg_err *err);
int sq_setting_put(struct vg_store *st, const char *key, const char *value, struct vg_err *err);
int sq_setting_get(struct vg_store *st, const char *key, struct vg_arena *a, const char **value,
                   struct vg_err *err);

/* A version ready to be written: its document and hash, and the fields the
 * version and case rows need, computed without the database (so the bulk
 * loader prepares them on the caller's thread while another writes). */
struct vg_put_prep {
	const char *case_id, *report_id, *source, *unit, *first_product, *first_event;
	size_t case_id_len;
	uint64_t case_hash; /* vg_hash64 of case_id, for the case cache */
	const void *doc; /* the binary document (case.h: vg_case_to_bin) */
	size_t doc_len;
	const char *json; /* canonical JSON, for the audit; NULL when not asked */
	unsigned char hash[16];
	struct vg_date latest, created, received;
	bool nullified, amendment, valid, serious;
	int klass;
	int64_t nproducts, nevents, arrived;
};

/* common.c: shared by both backends. */
/* Encode v (binary into bin: stored and hashed; with json non-NULL, also
 * its canonical JSON there, for the audit) and fill pp.  With an arena,
 * pp's strings and document are copies in it; without, they point into v,
 * json and bin. */
int vg_st_prepare(const struct vg_case_version *v, struct vg_arena *a, struct vg_buf *json,
                  struct vg_buf *bin, struct vg_put_prep *pp, struct vg_err *err);
/* The binary document of a JSON one, and its hash (migration 4). */
int vg_st_rebin(const char *json, size_t len, struct vg_arena *a, struct vg_buf *bin,
                unsigned char hash[16], struct vg_err *err);
unsigned vg_st_list_mask(const struct vg_case_filter *f);
bool vg_st_dates_newer(const struct vg_date *latest, const struct vg_date *created,
                       const struct vg_date *cur_latest, const struct vg_date *cur_created);
int vg_st_encode(const struct vg_case_version *v, struct vg_buf *doc, unsigned char hash[16],
                 struct vg_err *err);
int vg_st_decode(const char *doc, size_t len, struct vg_arena *a, struct vg_arena *scratch,
                 struct vg_case_version **out, struct vg_err *err);
bool vg_st_is_newer(const struct vg_case_version *v, const struct vg_date *latest,
                    const struct vg_date *created);
const char *vg_st_first_product(const struct vg_case_version *v);
const char *vg_st_first_event(const struct vg_case_version *v);
void vg_st_status_json(struct vg_buf *b, int status, const char *comment);
void vg_st_dup_json(struct vg_buf *b, const char *master);
void vg_st_unit_json(struct vg_buf *b, const struct vg_unit *u);
void vg_st_user_json(struct vg_buf *b, const struct vg_user *u, bool pw_changed);
int vg_st_user_check(const struct vg_user *u, struct vg_err *err);

struct vg_migration {
	int version;
	const char *name;
	const char *sql;
	/* then, in the same transaction (NULL: none) */
	int (*run)(struct vg_store *st, struct vg_err *err);
};
extern const struct vg_migration vg_sqlite_migrations[];
int vg_sq_m4_binary_documents(struct vg_store *st, struct vg_err *err); /* sqlite_cases.c */
extern const size_t vg_sqlite_nmigrations;

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
	/* cases */
	S_CASE_FIND, S_CASE_INSERT, S_VERSION_INSERT, S_NEXT_VERSION,
	S_TOTALS_ADD,
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

struct pg_conn_state; /* pg.c */

struct vg_store {
	const struct vg_store_ops *ops;
	struct pg_conn_state *pg; /* PostgreSQL backend state; NULL for SQLite */
	sqlite3 *db;
	int flags;
	int schema_version, applied_now;
	bool in_tx;      /* inside vg_store_begin/commit */
	bool tx_failed;  /* a write failed half-way: only rollback is allowed */
	int op_depth;        /* store operations running inside the caller's tx */
	int64_t op_changes;  /* sqlite3_total_changes64 when the outermost began */
	int64_t data_version;
	int64_t next_version; /* rowid the next version gets; 0: not known yet */
	int64_t pend_products, pend_events; /* this transaction's additions to totals */
	sqlite3_stmt *stmts[S__COUNT];
	sqlite3_stmt *list_stmts[LIST_VARIANTS][2];
	/* the case cache */
	struct vg_map *cache;
	struct case_slot *slots;
	size_t nslots, slots_cap;
	/* scratch */
	struct vg_buf doc;       /* JSON document of the version being put */
	struct vg_buf bin;       /* its binary form (SQLite stores this) */
	struct vg_arena scratch; /* decode problems, per-call temporaries */
};

/* sqlite.c */
sqlite3_stmt *vg_sq_stmt(struct vg_store *st, int id, const char *sql, struct vg_err *err);
int vg_sq_err(struct vg_store *st, struct vg_err *err, const char *what);
int vg_sq_exec_step(struct vg_store *st, sqlite3_stmt *s, struct vg_err *err, const char *what);
/* Step s to its end, calling row(s, a, arg) for each row, with a (if not
 * NULL) reset before each; a non-zero return stops the walk and is
 * returned, a database error is reported as "what: ...".  Resets s. */
int vg_sq_each_row(struct vg_store *st, sqlite3_stmt *s, struct vg_arena *a,
                   int (*row)(sqlite3_stmt *s, struct vg_arena *a, void *arg), void *arg,
                   const char *what, struct vg_err *err);
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
