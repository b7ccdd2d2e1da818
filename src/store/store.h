/*
 * store.h - the only door to the database.
 *
 * A backend-neutral interface: sqlite.c implements it on an embedded SQLite
 * file (the default), pg.c on PostgreSQL (a URI "postgresql://..." or
 * "postgres://..." selects it).  No backend type crosses this header.
 *
 * What is stored:
 *   cases       one row per worldwide case id (E2B(R3) C.1.8.1), pointing at
 *               its latest version; nullified / deleted / valid / duplicate_of
 *   versions    every version ever received, with its canonical JSON document
 *               (case.h) and a content hash: putting an identical version of
 *               the same case again is a no-op (imports are idempotent)
 *               (products and events live in the documents; SQLite keeps
 *               their counts per version and in a totals row, PostgreSQL
 *               also as rows of products and events tables)
 *   units, users, sessions, audit (append-only), import_runs, settings
 *               (rejected input rows go to the importers' rejects files)
 *
 * Latest version (E2B(R3) C.1.5 then C.1.2, arrival order on ties): put
 * compares the new version with the case's current latest and moves the
 * pointer only when the new one is newer (or ties: the later arrival wins).
 * A nullification (C.1.11.1 = 1) that is latest marks the case nullified;
 * a follow-up dated after it (E2B forbids that: a re-submission gets a new
 * C.1.8.1) becomes latest and the case is live again, so callers that must
 * refuse follow-ups of nullified cases (the HTTP API) check first.
 * Statistics read only latest, valid, non-nullified, non-deleted,
 * non-duplicate versions.
 *
 * Concurrency: one struct vg_store per thread.  SQLite runs in WAL mode with
 * synchronous=FULL and foreign keys on; every statement is prepared.  Writes
 * inside vg_store_begin/commit are atomic; outside a transaction each write
 * is its own transaction and is on disk when it returns.  begin takes the
 * write lock at once (BEGIN IMMEDIATE; other writers wait up to 10 s).  A
 * write that fails inside begin/commit stores nothing of itself, and when it
 * was refused before changing anything (unknown case, name taken, dangling
 * unit, bad argument) the transaction goes on.  With SQLite, one that failed
 * half-way (a database error after some rows were written) poisons the
 * transaction: later writes and commit fail, and the caller must
 * vg_store_rollback.  PostgreSQL undoes such a write alone (a savepoint).
 *
 * Callbacks (case_list, scans, audit_list, unit/user lists) may read the
 * store, but must not start another walk of the same kind.
 */
#ifndef VG_STORE_H
#define VG_STORE_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"

struct vg_store;

enum {
	VG_STORE_CREATE = 1 << 0,   /* create the database if missing */
	VG_STORE_READONLY = 1 << 1, /* open read-only (no migrations run) */
	VG_STORE_BULK = 1 << 2,     /* import mode: synchronous=NORMAL: a crash
	                               of the process loses nothing committed, a
	                               power failure may lose the last commits;
	                               the file is consistent either way */
};

/* Open (and migrate to the newest schema unless READONLY).  *out owned by
 * the caller: vg_store_close.  A path that does not exist without CREATE
 * is VG_ENOTFOUND. */
int vg_store_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err);
void vg_store_close(struct vg_store *st);
/* Schema version now in force, and how many migrations the open applied. */
int vg_store_schema_version(struct vg_store *st, int *version, int *applied_now,
                            struct vg_err *err);
const char *vg_store_backend(const struct vg_store *st); /* "sqlite" / "postgresql" */

int vg_store_begin(struct vg_store *st, struct vg_err *err);
int vg_store_commit(struct vg_store *st, struct vg_err *err);
int vg_store_rollback(struct vg_store *st); /* never fails visibly */

/* ------------------------------------------------------------- versions */

struct vg_put_result {
	int64_t case_rowid;
	int64_t version_rowid;
	bool case_added;      /* first version of a new case */
	bool version_added;   /* false: an identical version was already stored */
	bool became_latest;   /* this version is now the case's latest */
	bool superseded;      /* a previous latest version was superseded */
	bool valid;           /* four minimum elements present */
	int version_no;       /* 1-based arrival number within the case */
};

/* Store one version (validated here for the valid flag).  `actor` names who
 * did it for the audit log (NULL: no audit row, as for bulk imports, which
 * are recorded as import runs instead). */
int vg_store_put_version(struct vg_store *st, const struct vg_case_version *v,
                         const char *actor, struct vg_put_result *res, struct vg_err *err);

/* Mark a case deleted (FAERS DELETE lists); deleted cases keep their
 * versions but leave statistics.  *changed tells whether anything changed
 * (false for an unknown case id or one already deleted: both return 0). */
int vg_store_delete_case(struct vg_store *st, const char *case_id, bool *changed,
                         struct vg_err *err);

/* Load versions of a case into a (arena-owned).  get_latest: the latest
 * version; get_versions: all, oldest first.  VG_ENOTFOUND if no such case. */
int vg_store_case_latest(struct vg_store *st, const char *case_id, struct vg_arena *a,
                         struct vg_case_version **out, struct vg_err *err);
int vg_store_case_versions(struct vg_store *st, const char *case_id, struct vg_arena *a,
                           struct vg_case_version ***out, size_t *n, struct vg_err *err);

/* Status of a case beyond its versions. */
enum vg_case_status {
	VG_STATUS_SUBMITTED = 0, /* waiting for the centre */
	VG_STATUS_ACCEPTED = 1,
	VG_STATUS_RETURNED = 2,  /* returned to the unit with a comment */
};

struct vg_case_row {
	const char *case_id;
	int versions;
	bool valid, nullified, deleted;
	const char *duplicate_of; /* NULL unless confirmed duplicate */
	int status;               /* enum vg_case_status */
	int klass;
	bool serious;
	const char *unit;
	struct vg_date latest, received;
	const char *first_product, *first_event; /* for listings */
};

struct vg_case_filter {
	int klass;               /* 0: any */
	int serious;             /* -1 any, 0 non-serious, 1 serious */
	int status;              /* -1 any */
	const char *unit;        /* NULL: any */
	struct vg_date from, to; /* by received date; prec NONE: open */
	bool include_invalid, include_nullified, include_deleted;
	int64_t limit, offset;   /* limit 0: no limit */
};
#define VG_CASE_FILTER_INIT {0, -1, -1, NULL, VG_DATE_INIT, VG_DATE_INIT, true, true, false, 0, 0}

/* Rows of cases matching f, ordered by case id; cb returning non-zero stops
 * the walk and becomes the return value.  Row strings live until cb returns. */
typedef int (*vg_case_row_cb)(const struct vg_case_row *row, void *ctx);
int vg_store_case_list(struct vg_store *st, const struct vg_case_filter *f,
                       vg_case_row_cb cb, void *ctx, int64_t *total, struct vg_err *err);

/*
 * Walk the latest version of every case that counts for statistics (valid,
 * not nullified, not deleted, not a confirmed duplicate), fully loaded, in
 * case-id order.  The version passed to cb lives until cb returns.  This is
 * how signal/, quality/ and units/ get their input: they never query.
 * With all_cases, invalid/nullified/duplicate ones are included too (for
 * unit evaluation, which counts them) and flags says which: see below.
 */
enum { VG_SCAN_INVALID = 1, VG_SCAN_NULLIFIED = 2, VG_SCAN_DUPLICATE = 4, VG_SCAN_DELETED = 8 };
typedef int (*vg_version_cb)(const struct vg_case_version *v, int scan_flags, void *ctx);
int vg_store_scan_latest(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
                         struct vg_err *err);
/* Walk every version of every case (oldest first within a case). */
int vg_store_scan_versions(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err);

/* Reviewer actions. */
int vg_store_case_set_status(struct vg_store *st, const char *case_id, int status,
                             const char *comment, const char *actor, struct vg_err *err);
/* Link case_id as a duplicate of master (NULL: unlink).  VG_ENOTFOUND for
 * an unknown case or master; VG_ECONFLICT when master is itself a
 * duplicate (link to its master instead: no chains closing into cycles). */
int vg_store_case_set_duplicate(struct vg_store *st, const char *case_id, const char *master,
                                const char *actor, struct vg_err *err);

/* Plain counts: cases, versions, products and events (of all versions);
 * valid_cases / nullified_cases / deleted_cases count cases by each flag
 * alone (a nullified case may be valid too). */
struct vg_store_info {
	int64_t cases, versions, valid_cases, nullified_cases, deleted_cases;
	int64_t products, events, units, users, audit_rows, import_runs;
};
int vg_store_info(struct vg_store *st, struct vg_store_info *out, struct vg_err *err);

/* ---------------------------------------------------------------- units */

struct vg_unit {
	const char *code;    /* unique, e.g. "440100-H001" */
	const char *name;    /* UTF-8, Chinese welcome */
	const char *kind;    /* "hospital", "clinic", "pharmacy", "manufacturer", ... */
	const char *region;
	int64_t beds;        /* 0: not configured */
	double population;   /* served population, 0: not configured */
};
int vg_store_unit_put(struct vg_store *st, const struct vg_unit *u, const char *actor,
                      struct vg_err *err);
int vg_store_unit_get(struct vg_store *st, const char *code, struct vg_arena *a,
                      struct vg_unit *out, struct vg_err *err);
typedef int (*vg_unit_cb)(const struct vg_unit *u, void *ctx);
int vg_store_unit_list(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err);

/* ---------------------------------------------------------------- users */

enum vg_user_role { VG_USER_REPORTER = 1, VG_USER_REVIEWER = 2, VG_USER_ADMIN = 3 };

struct vg_user {
	int64_t id;
	const char *name;
	int role;               /* enum vg_user_role */
	const char *unit;       /* reporters: their unit's code */
	const char *pwhash;     /* argon2id encoded string (libsodium) */
	bool disabled;
	int failed_logins;
	int64_t locked_until;   /* unix seconds */
};
int vg_store_user_add(struct vg_store *st, const struct vg_user *u, const char *actor,
                      struct vg_err *err);
int vg_store_user_get(struct vg_store *st, const char *name, struct vg_arena *a,
                      struct vg_user *out, struct vg_err *err);
int vg_store_user_update(struct vg_store *st, const struct vg_user *u, const char *actor,
                         struct vg_err *err);
typedef int (*vg_user_cb)(const struct vg_user *u, void *ctx);
int vg_store_user_list(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err);

/* Sessions: only a hash of the token is stored.  get: VG_ENOTFOUND when
 * there is no such session, it expired (expires <= now) or its user is
 * disabled.  put also purges expired sessions. */
int vg_store_session_put(struct vg_store *st, const char *token_hash, int64_t user_id,
                         int64_t expires, struct vg_err *err);
int vg_store_session_get(struct vg_store *st, const char *token_hash, int64_t now,
                         int64_t *user_id, struct vg_err *err);
int vg_store_session_delete(struct vg_store *st, const char *token_hash, struct vg_err *err);

/* ---------------------------------------------------------------- audit */

/* Append-only: there is no update or delete (and the SQLite schema refuses
 * UPDATE, DELETE and REPLACE on audit rows).  before/after are JSON texts
 * (NULL allowed).  The writes above that take an actor add their audit row
 * in the same transaction: case.create / case.version (after: the version
 * document), case.status, case.duplicate, unit.put, user.add, user.update
 * (never the password hash).  audit_list: object NULL lists all, oldest
 * first; limit 0: no limit. */
int vg_store_audit(struct vg_store *st, const char *actor, const char *action,
                   const char *object, const char *before, const char *after,
                   struct vg_err *err);
struct vg_audit_row {
	int64_t id;
	const char *at;     /* ISO timestamp UTC */
	const char *actor, *action, *object, *before, *after;
};
typedef int (*vg_audit_cb)(const struct vg_audit_row *row, void *ctx);
int vg_store_audit_list(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
                        vg_audit_cb cb, void *ctx, struct vg_err *err);

/* ---------------------------------------------------------------- imports */

struct vg_import_stats {
	int64_t rows_read, rows_rejected, cases_added, versions_added, versions_superseded,
		cases_deleted;
};
/* An import run row: begun, then finished with its stats (status "done"),
 * or left "running" by a crash. */
int vg_store_import_begin(struct vg_store *st, const char *format, const char *files,
                          int64_t *run_id, struct vg_err *err);
int vg_store_import_finish(struct vg_store *st, int64_t run_id, const struct vg_import_stats *s,
                           const char *status, struct vg_err *err);

/*
 * The bulk loader: an import's versions, written on a second thread.
 *
 * vg_store_loader_put encodes and hashes the version on the caller's thread
 * (the part that needs no database) and queues it; a writer thread owns st
 * from start to finish, puts the queued versions in transactions of
 * `batch` versions and commits each.  The queue holds a few chunks of a few
 * thousand versions, so memory stays bounded and the reader blocks when the
 * writer falls behind.  Deletions travel in the same queue, in order.
 * Semantics are those of put/delete in batched transactions: a process
 * killed mid-load leaves whole batches; a failure rolls back the open batch
 * and is returned by the next loader call (and by finish); committed
 * batches stay.  Between start and finish the caller must not use st.  A
 * backend without prepared puts (PostgreSQL) runs everything on the
 * caller's thread, with the same results.
 */
struct vg_store_loader;
int vg_store_loader_start(struct vg_store *st, int64_t batch, struct vg_store_loader **out,
                          struct vg_err *err);
int vg_store_loader_put(struct vg_store_loader *l, const struct vg_case_version *v,
                        struct vg_err *err);
/* An unknown case id is not an error (nothing to delete). */
int vg_store_loader_delete(struct vg_store_loader *l, const char *case_id, struct vg_err *err);
/* keep: commit what is left (false: the caller gives up; the open batch is
 * rolled back).  Stops the writer, frees l, and adds the counts
 * (cases_added, versions_added, versions_superseded, cases_deleted) to *s.
 * Returns the first error of the load, if any (then nothing past the last
 * commit is kept). */
int vg_store_loader_finish(struct vg_store_loader *l, bool keep, struct vg_import_stats *s,
                           struct vg_err *err);

/* ---------------------------------------------------------------- raw access */

/*
 * Key-value settings (schema-independent configuration kept with the data,
 * e.g. the unit-evaluation weights).  get: VG_ENOTFOUND when absent.
 */
int vg_store_setting_put(struct vg_store *st, const char *key, const char *value,
                         struct vg_err *err);
int vg_store_setting_get(struct vg_store *st, const char *key, struct vg_arena *a,
                         const char **value, struct vg_err *err);

#endif
