/*
 * pg.c - the PostgreSQL backend (libpq), for several `vigil serve`
 * processes on several machines sharing one database.
 *
 * Same tables, same meanings as the SQLite schema (migrations.c), in
 * PostgreSQL's dialect (pg_migrations below: identity keys, bytea, a
 * PL/pgSQL trigger function keeping the audit log append-only, also
 * against TRUNCATE).  Migrations run under a transaction-scoped advisory
 * lock, so concurrent openers apply each one once.
 *
 * Statements: every SQL text is a literal here, prepared once per
 * connection (PQprepare, named "vg<slot>") with explicit parameter types,
 * executed with PQexecPrepared and text parameters; values never enter
 * SQL text.  Case listing composes its WHERE clause from fixed fragments
 * by filter mask, as sqlite_cases.c does.
 *
 * Differences from the SQLite backend, by design:
 *   - no in-memory case cache: other processes write too.  put locks the
 *     case row (INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR
 *     UPDATE), so concurrent puts of one case serialise and the latest
 *     version is chosen exactly as in SQLite;
 *   - any failed statement aborts a PostgreSQL transaction, so inside the
 *     caller's vg_store_begin/commit every operation runs under SAVEPOINT
 *     vg_op: a failed one is rolled back to it whole and the transaction
 *     stays usable;
 *   - scans read through a cursor in batches of SCAN_BATCH rows inside a
 *     transaction (opened for the scan when none is, and committed at its
 *     end), so callbacks may run other store calls between rows; their
 *     writes join that transaction;
 *   - case_list and audit_list fetch their page in one result: use limit.
 * Durability: synchronous_commit is the server's (on by default): a commit
 * that returned is on disk.
 */
#include "vg.h"
#include "store/store_int.h"

#include <libpq-fe.h>
#include <time.h>

#define SCAN_BATCH 1000
#define PG_MAX_PARAMS 16

/* Parameter type OIDs (pg_type.h). */
#define T_INT4 23
#define T_INT8 20
#define T_TEXT 25
#define T_BYTEA 17
#define T_FLOAT8 701
#define T_BOOL 16

enum pg_slot {
	P_CASE_UPSERT, P_CASE_LOCK, P_VERSION_INSERT, P_PRODUCT_INSERT, P_EVENT_INSERT,
	P_CASE_SET_LATEST, P_CASE_BUMP, P_CASE_DELETE, P_CASE_ID_OF, P_CASE_LATEST_DOC,
	P_CASE_DOCS, P_STATUS_GET, P_STATUS_SET, P_DUP_SET, P_INFO,
	P_UNIT_PUT, P_UNIT_GET, P_UNIT_LIST, P_USER_ADD, P_USER_GET, P_USER_BY_ID,
	P_USER_UPDATE, P_USER_LIST, P_SESSION_PURGE, P_SESSION_PUT, P_SESSION_GET,
	P_SESSION_DELETE, P_AUDIT_ADD, P_AUDIT_LIST, P_AUDIT_LIST_OBJ, P_IMPORT_BEGIN,
	P_IMPORT_FINISH, P_SETTING_PUT, P_SETTING_GET,
	P__COUNT
};

struct pg_conn_state {
	PGconn *conn;
	bool prepared[P__COUNT];
	bool list_prepared[LIST_VARIANTS][2];
	int cursor_no;
};

/* Text parameters of one statement. */
struct pgp {
	int n;
	const char *v[PG_MAX_PARAMS];
	char buf[PG_MAX_PARAMS][40];
};

static void p_text(struct pgp *p, const char *s)
{
	p->v[p->n++] = s;
}

static void p_i64(struct pgp *p, int64_t x)
{
	snprintf(p->buf[p->n], sizeof(p->buf[0]), "%" PRId64, x);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void p_f64(struct pgp *p, double x)
{
	snprintf(p->buf[p->n], sizeof(p->buf[0]), "%.17g", x);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void p_date(struct pgp *p, const struct vg_date *d)
{
	if (d->prec == VG_DATE_NONE) {
		p->v[p->n++] = NULL;
		return;
	}
	vg_date_format(d, p->buf[p->n]);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

/* ------------------------------------------------------------ errors, exec */

static int pg_fail(struct vg_store *st, const PGresult *r, struct vg_err *err, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(st->pg->conn);
	int code = VG_EDB;

	if (state && strcmp(state, "23505") == 0)
		code = VG_EEXIST;
	else if (state && strcmp(state, "23503") == 0)
		code = VG_EINVAL; /* refers to a unit, user or case that does not exist */
	int len = msg ? (int)strcspn(msg, "\n") : 0;

	if (st->in_tx)
		st->tx_failed = true;
	return vg_err_set(err, code, NULL, "%s: %.*s", what, len ? len : 6, len ? msg : "failed");
}

static bool res_ok(const PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Prepare (first use on this connection) and run; NULL on error (err set). */
static PGresult *pq_run(struct vg_store *st, bool *prepared, const char *name, const char *sql,
                        const Oid *types, int ntypes, const struct pgp *p, struct vg_err *err)
{
	PGconn *c = st->pg->conn;
	PGresult *r;

	if (!*prepared) {
		r = PQprepare(c, name, sql, ntypes, types);
		if (!res_ok(r)) {
			pg_fail(st, r, err, "prepare");
			PQclear(r);
			return NULL;
		}
		PQclear(r);
		*prepared = true;
	}
	r = PQexecPrepared(c, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
	if (!res_ok(r)) {
		pg_fail(st, r, err, sql);
		PQclear(r);
		return NULL;
	}
	return r;
}

static PGresult *pq(struct vg_store *st, int slot, const char *sql, const Oid *types, int ntypes,
                    const struct pgp *p, struct vg_err *err)
{
	char name[16];

	snprintf(name, sizeof(name), "vg%d", slot);
	return pq_run(st, &st->pg->prepared[slot], name, sql, types, ntypes, p, err);
}

#define TYPES(...) (const Oid[]){__VA_ARGS__}, (int)(sizeof((Oid[]){__VA_ARGS__}) / sizeof(Oid))
#define NOTYPES NULL, 0

static int pq_exec(struct vg_store *st, const char *sql, struct vg_err *err)
{
	PGresult *r = PQexec(st->pg->conn, sql);
	int rc = res_ok(r) ? 0 : pg_fail(st, r, err, sql);

	PQclear(r);
	return rc;
}

static const char *val(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int64_t ival(const PGresult *r, int row, int col)
{
	int64_t x = 0;

	if (!PQgetisnull(r, row, col))
		vg_parse_i64(vg_sv_of(PQgetvalue(r, row, col)), &x);
	return x;
}

static const char *sval(const PGresult *r, int row, int col, struct vg_arena *a)
{
	return vg_arena_strdup(a, val(r, row, col));
}

static struct vg_date dval(const PGresult *r, int row, int col)
{
	struct vg_date d = VG_DATE_INIT;
	const char *t = val(r, row, col);

	if (t && vg_date_parse(vg_sv_of(t), &d) != 0)
		d = (struct vg_date)VG_DATE_INIT;
	return d;
}

/* ------------------------------------------------------------ transactions */

static int pg_begin(struct vg_store *st, struct vg_err *err)
{
	int rc;

	if (st->in_tx)
		return vg_err_set(err, VG_EINVAL, NULL, "a transaction is already open");
	if (st->flags & VG_STORE_READONLY)
		return vg_err_set(err, VG_EINVAL, NULL, "the store is open read-only");
	rc = pq_exec(st, "BEGIN", err);
	if (rc == 0) {
		st->in_tx = true;
		st->tx_failed = false;
		st->op_depth = 0;
	}
	return rc;
}

static int pg_rollback(struct vg_store *st)
{
	struct vg_err ignored = VG_ERR_INIT;

	if (PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE)
		pq_exec(st, "ROLLBACK", &ignored);
	st->in_tx = false;
	st->tx_failed = false;
	st->op_depth = 0;
	return 0;
}

static int pg_commit(struct vg_store *st, struct vg_err *err)
{
	int rc;

	if (!st->in_tx)
		return vg_err_set(err, VG_EINVAL, NULL, "no transaction is open");
	if (st->tx_failed) {
		pg_rollback(st);
		return vg_err_set(err, VG_EDB, NULL,
		                  "a write failed inside the transaction; it was rolled back");
	}
	rc = pq_exec(st, "COMMIT", err);
	st->in_tx = false;
	if (rc)
		pg_rollback(st);
	return rc;
}

static int tx_enter(struct vg_store *st, bool *own, struct vg_err *err)
{
	int rc;

	*own = false;
	if (st->in_tx) {
		if (st->tx_failed)
			return vg_err_set(err, VG_EDB, NULL, "the transaction failed; roll it back");
		if (st->op_depth++ == 0)
			return pq_exec(st, "SAVEPOINT vg_op", err);
		return 0;
	}
	rc = pg_begin(st, err);
	*own = rc == 0;
	return rc;
}

static int tx_leave(struct vg_store *st, bool own, int rc, struct vg_err *err)
{
	if (!own) {
		/* Inside the caller's transaction each operation runs under a
		 * savepoint: a failed one is undone whole, the transaction goes on. */
		struct vg_err ignored = VG_ERR_INIT;
		if (!st->in_tx || --st->op_depth > 0)
			return rc;
		if (rc) {
			st->tx_failed = pq_exec(st, "ROLLBACK TO SAVEPOINT vg_op", &ignored) != 0;
			return rc;
		}
		return pq_exec(st, "RELEASE SAVEPOINT vg_op", err);
	}
	if (rc) {
		pg_rollback(st);
		return rc;
	}
	return pg_commit(st, err);
}

/* Run one write statement in its own (or the caller's) transaction. */
static int one_write(struct vg_store *st, int slot, const char *sql, const Oid *types, int nt,
                     const struct pgp *p, int64_t *affected, struct vg_err *err)
{
	bool own = false;
	PGresult *r;
	int rc = tx_enter(st, &own, err);

	if (rc)
		return rc;
	r = pq(st, slot, sql, types, nt, p, err);
	if (!r)
		rc = err->code;
	else if (affected)
		*affected = PQntuples(r) ? ival(r, 0, 0) : (int64_t)strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return tx_leave(st, own, rc, err);
}

/* ------------------------------------------------------------ versions */

struct pput {
	const struct vg_case_version *v;
	unsigned char hash[16];
	char hash_hex[40];
	bool valid;
	int64_t case_row, version_row;
	int version_no;
	bool have_latest;
	struct vg_date latest, created;
};

/* Find and lock the case row, creating it when new (*added). */
static int pg_case_lock(struct vg_store *st, struct pput *p, bool *added, struct vg_err *err)
{
	struct pgp a = {0};
	PGresult *r;

	p_text(&a, p->v->case_id);
	r = pq(st, P_CASE_UPSERT,
	       "INSERT INTO cases(case_id) VALUES ($1) ON CONFLICT (case_id) DO NOTHING RETURNING id",
	       TYPES(T_TEXT), &a, err);
	if (!r)
		return err->code;
	*added = PQntuples(r) == 1;
	if (*added)
		p->case_row = ival(r, 0, 0);
	PQclear(r);
	if (*added)
		return 0;
	r = pq(st, P_CASE_LOCK,
	       "SELECT id, nversions, latest, created FROM cases WHERE case_id = $1 FOR UPDATE",
	       TYPES(T_TEXT), &a, err);
	if (!r)
		return err->code;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return vg_err_set(err, VG_EINTERNAL, NULL, "case %s vanished", p->v->case_id);
	}
	p->case_row = ival(r, 0, 0);
	p->version_no = (int)ival(r, 0, 1);
	p->latest = dval(r, 0, 2);
	p->created = dval(r, 0, 3);
	p->have_latest = true;
	PQclear(r);
	return 0;
}

/* 1 when added, 0 when an identical version is already stored. */
static int pg_version_insert(struct vg_store *st, struct pput *p, struct vg_buf *doc,
                             struct vg_err *err)
{
	const struct vg_case_version *v = p->v;
	struct pgp a = {0};
	PGresult *r;
	int added;

	p_i64(&a, p->case_row);
	p_i64(&a, p->version_no);
	p_text(&a, p->hash_hex);
	p_text(&a, v->report_id);
	p_text(&a, v->source);
	p_date(&a, &v->latest);
	p_date(&a, &v->created);
	p_i64(&a, v->nullified);
	p_i64(&a, v->amendment);
	p_i64(&a, p->valid);
	p_i64(&a, (int64_t)time(NULL));
	p_text(&a, doc->p);
	r = pq(st, P_VERSION_INSERT,
	       "INSERT INTO versions(case_row, version_no, hash, report_id, source, latest, created,"
	       " nullified, amendment, valid, arrived, document)"
	       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	       " ON CONFLICT (case_row, hash) DO NOTHING RETURNING id",
	       TYPES(T_INT8, T_INT4, T_BYTEA, T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_INT4, T_INT4, T_INT4,
	             T_INT8, T_TEXT), &a, err);
	if (!r)
		return err->code;
	added = PQntuples(r) == 1;
	if (added)
		p->version_row = ival(r, 0, 0);
	PQclear(r);
	return added;
}

static int pg_children(struct vg_store *st, const struct pput *p, struct vg_err *err)
{
	for (size_t i = 0; i < p->v->nproducts; i++) {
		const struct vg_product *pr = &p->v->products[i];
		struct pgp a = {0};
		PGresult *r;
		p_i64(&a, p->version_row);
		p_i64(&a, (int64_t)i);
		p_i64(&a, pr->role);
		p_i64(&a, pr->klass);
		p_text(&a, pr->name);
		p_text(&a, pr->ingredient);
		p_text(&a, pr->category);
		r = pq(st, P_PRODUCT_INSERT,
		       "INSERT INTO products(version, idx, role, klass, name, ingredient, category)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7)",
		       TYPES(T_INT8, T_INT4, T_INT4, T_INT4, T_TEXT, T_TEXT, T_TEXT), &a, err);
		if (!r)
			return err->code;
		PQclear(r);
	}
	for (size_t i = 0; i < p->v->nevents; i++) {
		const struct vg_event *ev = &p->v->events[i];
		struct pgp a = {0};
		PGresult *r;
		p_i64(&a, p->version_row);
		p_i64(&a, (int64_t)i);
		p_text(&a, ev->term);
		p_text(&a, ev->coded);
		p_text(&a, ev->code);
		p_i64(&a, ev->outcome);
		p_i64(&a, (int64_t)ev->seriousness);
		r = pq(st, P_EVENT_INSERT,
		       "INSERT INTO events(version, idx, term, coded, code, outcome, seriousness)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7)",
		       TYPES(T_INT8, T_INT4, T_TEXT, T_TEXT, T_TEXT, T_INT4, T_INT4), &a, err);
		if (!r)
			return err->code;
		PQclear(r);
	}
	return 0;
}

static int pg_case_set_latest(struct vg_store *st, const struct pput *p, struct vg_err *err)
{
	const struct vg_case_version *v = p->v;
	struct pgp a = {0};
	PGresult *r;

	p_i64(&a, p->case_row);
	p_i64(&a, p->version_row);
	p_i64(&a, p->version_no);
	p_i64(&a, p->valid);
	p_i64(&a, v->nullified);
	p_i64(&a, v->klass);
	p_i64(&a, v->serious || v->seriousness != 0);
	p_text(&a, v->unit);
	p_date(&a, &v->latest);
	p_date(&a, &v->created);
	p_date(&a, &v->received);
	if (v->received.prec >= VG_DATE_YEAR)
		p_i64(&a, vg_date_first_day(&v->received));
	else
		p_text(&a, NULL);
	p_text(&a, vg_st_first_product(v));
	p_text(&a, vg_st_first_event(v));
	r = pq(st, P_CASE_SET_LATEST,
	       "UPDATE cases SET latest_version = $2, nversions = $3, valid = $4, nullified = $5,"
	       " klass = $6, serious = $7, unit = $8, latest = $9, created = $10, received = $11,"
	       " received_day = $12, first_product = $13, first_event = $14 WHERE id = $1",
	       TYPES(T_INT8, T_INT8, T_INT4, T_INT4, T_INT4, T_INT4, T_INT4, T_TEXT, T_TEXT, T_TEXT,
	             T_TEXT, T_INT4, T_TEXT, T_TEXT), &a, err);
	if (!r)
		return err->code;
	PQclear(r);
	return 0;
}

static int pg_case_bump(struct vg_store *st, const struct pput *p, struct vg_err *err)
{
	struct pgp a = {0};
	PGresult *r;

	p_i64(&a, p->case_row);
	p_i64(&a, p->version_no);
	r = pq(st, P_CASE_BUMP, "UPDATE cases SET nversions = $2 WHERE id = $1",
	       TYPES(T_INT8, T_INT4), &a, err);
	if (!r)
		return err->code;
	PQclear(r);
	return 0;
}

static int pg_put_locked(struct vg_store *st, struct pput *p, struct vg_buf *doc,
                         const char *actor, struct vg_put_result *res, struct vg_err *err)
{
	bool added = false;
	int rc = pg_case_lock(st, p, &added, err);

	if (rc)
		return rc;
	p->version_no++;
	res->case_added = added;
	res->case_rowid = p->case_row;
	rc = pg_version_insert(st, p, doc, err);
	if (rc <= 0)
		return rc;
	res->version_added = true;
	res->version_rowid = p->version_row;
	res->version_no = p->version_no;
	rc = pg_children(st, p, err);
	if (rc)
		return rc;
	res->became_latest = !p->have_latest || vg_st_is_newer(p->v, &p->latest, &p->created);
	res->superseded = res->became_latest && p->have_latest;
	rc = res->became_latest ? pg_case_set_latest(st, p, err) : pg_case_bump(st, p, err);
	if (rc == 0 && actor)
		rc = vg_store_audit(st, actor, p->version_no == 1 ? "case.create" : "case.version",
		                    p->v->case_id, NULL, doc->p, err);
	return rc;
}

static int pg_put_version(struct vg_store *st, const struct vg_case_version *v,
                          const char *actor, struct vg_put_result *res, struct vg_err *err)
{
	struct pput p;
	bool own = false;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.v = v;
	if (!v->case_id || !*v->case_id)
		return vg_err_set(err, VG_EINVAL, "case_id",
		                  "a version needs its worldwide case id (E2B C.1.8.1)");
	rc = vg_st_encode(v, &st->doc, p.hash, err);
	if (rc)
		return rc;
	memcpy(p.hash_hex, "\\x", 2);
	for (int i = 0; i < 16; i++)
		snprintf(p.hash_hex + 2 + 2 * i, 3, "%02x", p.hash[i]);
	p.valid = vg_case_is_valid(v);
	rc = tx_enter(st, &own, err);
	if (rc == 0)
		rc = tx_leave(st, own, pg_put_locked(st, &p, &st->doc, actor, res, err), err);
	if (rc)
		memset(res, 0, sizeof(*res));
	res->valid = p.valid;
	return rc;
}

/* ------------------------------------------------------------ delete, status */

static int pg_delete_case(struct vg_store *st, const char *case_id, bool *changed,
                          struct vg_err *err)
{
	struct pgp a = {0};
	int64_t n = 0;
	int rc;

	p_text(&a, case_id);
	rc = one_write(st, P_CASE_DELETE,
	               "UPDATE cases SET deleted = 1 WHERE case_id = $1 AND deleted = 0",
	               TYPES(T_TEXT), &a, &n, err);
	if (changed)
		*changed = rc == 0 && n > 0;
	return rc;
}

static int pg_status_set_locked(struct vg_store *st, const char *case_id, int status,
                                const char *comment, const char *actor, struct vg_err *err)
{
	struct vg_buf before = VG_BUF_INIT(0), after = VG_BUF_INIT(0);
	struct pgp a = {0};
	PGresult *r;
	int rc = 0;

	p_text(&a, case_id);
	r = pq(st, P_STATUS_GET,
	       "SELECT status, status_comment FROM cases WHERE case_id = $1 FOR UPDATE",
	       TYPES(T_TEXT), &a, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id);
	else
		vg_st_status_json(&before, (int)ival(r, 0, 0), val(r, 0, 1));
	PQclear(r);
	if (rc == 0) {
		p_i64(&a, status);
		p_text(&a, comment);
		r = pq(st, P_STATUS_SET,
		       "UPDATE cases SET status = $2, status_comment = $3 WHERE case_id = $1",
		       TYPES(T_TEXT, T_INT4, T_TEXT), &a, err);
		rc = r ? 0 : err->code;
		PQclear(r);
	}
	if (rc == 0 && actor) {
		vg_st_status_json(&after, status, comment);
		rc = vg_store_audit(st, actor, "case.status", case_id, before.p, after.p, err);
	}
	vg_buf_release(&before);
	vg_buf_release(&after);
	return rc;
}

static int pg_case_set_status(struct vg_store *st, const char *case_id, int status,
                              const char *comment, const char *actor, struct vg_err *err)
{
	bool own = false;
	int rc;

	if (status < VG_STATUS_SUBMITTED || status > VG_STATUS_RETURNED)
		return vg_err_set(err, VG_EINVAL, "status", "unknown case status %d", status);
	rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = pg_status_set_locked(st, case_id, status, comment, actor, err);
	return tx_leave(st, own, rc, err);
}

/* With master_only, VG_ECONFLICT when the case is itself a duplicate. */
static int pg_case_exists(struct vg_store *st, const char *case_id, const char *field,
                          bool master_only, struct vg_err *err)
{
	struct pgp a = {0};
	PGresult *r;
	int rc = 0;

	p_text(&a, case_id);
	r = pq(st, P_CASE_ID_OF, "SELECT id, duplicate_of FROM cases WHERE case_id = $1 FOR UPDATE",
	       TYPES(T_TEXT), &a, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, field, "no case %s", case_id);
	else if (master_only && val(r, 0, 1))
		rc = vg_err_set(err, VG_ECONFLICT, field, "%s is itself a duplicate of %s; link to that",
		                case_id, val(r, 0, 1));
	PQclear(r);
	return rc;
}

static int pg_dup_locked(struct vg_store *st, const char *case_id, const char *master,
                         const char *actor, struct vg_err *err)
{
	struct pgp a = {0};
	PGresult *r;
	int rc = pg_case_exists(st, case_id, "case_id", false, err);

	if (rc == 0 && master)
		rc = pg_case_exists(st, master, "master", true, err);
	if (rc)
		return rc;
	p_text(&a, case_id);
	p_text(&a, master);
	r = pq(st, P_DUP_SET, "UPDATE cases SET duplicate_of = $2 WHERE case_id = $1",
	       TYPES(T_TEXT, T_TEXT), &a, err);
	if (!r)
		return err->code;
	PQclear(r);
	if (actor) {
		struct vg_buf b = VG_BUF_INIT(0);
		vg_st_dup_json(&b, master);
		rc = vg_store_audit(st, actor, "case.duplicate", case_id, NULL, b.p, err);
		vg_buf_release(&b);
	}
	return rc;
}

static int pg_case_set_duplicate(struct vg_store *st, const char *case_id, const char *master,
                                 const char *actor, struct vg_err *err)
{
	bool own = false;
	int rc;

	if (master && strcmp(master, case_id) == 0)
		return vg_err_set(err, VG_EINVAL, "master", "a case cannot duplicate itself");
	rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = pg_dup_locked(st, case_id, master, actor, err);
	return tx_leave(st, own, rc, err);
}

/* ------------------------------------------------------------ reading */

static int pg_case_latest(struct vg_store *st, const char *case_id, struct vg_arena *a,
                          struct vg_case_version **out, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc;

	*out = NULL;
	p_text(&p, case_id);
	r = pq(st, P_CASE_LATEST_DOC,
	       "SELECT v.document FROM cases c JOIN versions v ON v.id = c.latest_version"
	       " WHERE c.case_id = $1", TYPES(T_TEXT), &p, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id);
	else
		rc = vg_st_decode(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), a, &st->scratch,
		                  out, err);
	PQclear(r);
	return rc;
}

static int pg_case_versions(struct vg_store *st, const char *case_id, struct vg_arena *a,
                            struct vg_case_version ***out, size_t *n, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0, rows;

	*out = NULL;
	*n = 0;
	p_text(&p, case_id);
	r = pq(st, P_CASE_DOCS,
	       "SELECT v.document FROM cases c JOIN versions v ON v.case_row = c.id"
	       " WHERE c.case_id = $1 ORDER BY v.id", TYPES(T_TEXT), &p, err);
	if (!r)
		return err->code;
	rows = PQntuples(r);
	if (rows == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id);
	else
		*out = vg_arena_calloc(a, (size_t)rows, sizeof(**out));
	for (int i = 0; rc == 0 && i < rows; i++)
		rc = vg_st_decode(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), a, &st->scratch,
		                  &(*out)[i], err);
	PQclear(r);
	if (rc == 0)
		*n = (size_t)rows;
	else
		*out = NULL;
	return rc;
}

/* Walk a query through a cursor, SCAN_BATCH rows at a time. */
static int pg_scan_rows(struct vg_store *st, const char *cur, vg_version_cb cb, void *ctx,
                        struct vg_err *err)
{
	struct vg_arena a;
	char fetch[64];
	int rc = 0;

	vg_arena_init(&a, 64 * 1024);
	snprintf(fetch, sizeof(fetch), "FETCH %d FROM %s", SCAN_BATCH, cur);
	for (;;) {
		PGresult *r = PQexec(st->pg->conn, fetch);
		int rows = PQntuples(r);
		if (!res_ok(r)) {
			rc = pg_fail(st, r, err, "scanning");
			PQclear(r);
			break;
		}
		for (int i = 0; rc == 0 && i < rows; i++) {
			struct vg_case_version *v = NULL;
			vg_arena_reset(&a);
			rc = vg_st_decode(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), &a,
			                  &st->scratch, &v, err);
			if (rc == 0)
				rc = cb(v, (int)ival(r, i, 1), ctx);
		}
		PQclear(r);
		if (rc || rows < SCAN_BATCH)
			break;
	}
	vg_arena_release(&a);
	return rc;
}

static int pg_scan(struct vg_store *st, const char *select, vg_version_cb cb, void *ctx,
                   struct vg_err *err)
{
	struct vg_buf sql = VG_BUF_INIT(0);
	char cur[32], close_sql[48];
	bool own = false;
	int rc;

	/* The cursor needs a transaction: the caller's, or one of our own that
	 * the callbacks' writes (if any) join, committed at the end. */
	if (st->in_tx) {
		rc = st->tx_failed ? vg_err_set(err, VG_EDB, NULL, "the transaction failed") : 0;
	} else {
		rc = pq_exec(st, "BEGIN", err);
		own = rc == 0;
		st->in_tx = own;
	}
	if (rc)
		return rc;
	snprintf(cur, sizeof(cur), "vg_scan_%d", st->pg->cursor_no++);
	vg_buf_printf(&sql, "DECLARE %s NO SCROLL CURSOR FOR %s", cur, select);
	rc = pq_exec(st, sql.p, err);
	if (rc == 0)
		rc = pg_scan_rows(st, cur, cb, ctx, err);
	snprintf(close_sql, sizeof(close_sql), "CLOSE %s", cur);
	if (!st->tx_failed)
		pq_exec(st, close_sql, &(struct vg_err)VG_ERR_INIT);
	if (own) {
		rc = rc || st->tx_failed ? (pg_rollback(st), rc) : pg_commit(st, err);
		st->in_tx = false;
	}
	vg_buf_release(&sql);
	return rc;
}

#define PG_SCAN_COLS                                                                \
	"SELECT v.document, (1 - c.valid) | (c.nullified << 1)"                         \
	" | ((c.duplicate_of IS NOT NULL)::int << 2) | (c.deleted << 3)"

static int pg_scan_latest(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
                          struct vg_err *err)
{
	static const char all[] = PG_SCAN_COLS
		" FROM cases c JOIN versions v ON v.id = c.latest_version ORDER BY c.case_id";
	static const char counted[] = PG_SCAN_COLS
		" FROM cases c JOIN versions v ON v.id = c.latest_version"
		" WHERE c.valid = 1 AND c.nullified = 0 AND c.deleted = 0 AND c.duplicate_of IS NULL"
		" ORDER BY c.case_id";

	return pg_scan(st, all_cases ? all : counted, cb, ctx, err);
}

static int pg_scan_versions(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err)
{
	static const char sql[] =
		"SELECT v.document, (1 - v.valid) | (v.nullified << 1)"
		" | ((c.duplicate_of IS NOT NULL)::int << 2) | (c.deleted << 3)"
		" FROM cases c JOIN versions v ON v.case_row = c.id ORDER BY c.case_id, v.id";

	return pg_scan(st, sql, cb, ctx, err);
}

/* ------------------------------------------------------------ listing */

static const char *const pg_list_where[LIST_NBITS] = {
	"klass = $1", "serious = $2", "status = $3", "unit = $4",
	"received_day >= $5", "received_day <= $6",
	"valid = 1", "nullified = 0", "deleted = 0",
};

static PGresult *pg_list_query(struct vg_store *st, unsigned mask, int count,
                               const struct vg_case_filter *f, struct vg_err *err)
{
	static const Oid types[8] = {T_INT4, T_INT4, T_INT4, T_TEXT, T_INT4, T_INT4, T_INT8, T_INT8};
	struct vg_buf sql = VG_BUF_INIT(0);
	struct pgp a = {0};
	char name[24];
	PGresult *r;
	int n = 0;

	vg_buf_puts(&sql, count ? "SELECT count(*) FROM cases"
	                        : "SELECT case_id, nversions, valid, nullified, deleted, duplicate_of,"
	                          " status, klass, serious, unit, latest, received, first_product,"
	                          " first_event FROM cases");
	for (int i = 0; i < LIST_NBITS; i++)
		if (mask & (1u << i))
			vg_buf_printf(&sql, "%s%s", n++ ? " AND " : " WHERE ", pg_list_where[i]);
	if (!count)
		vg_buf_puts(&sql, " ORDER BY case_id LIMIT $7 OFFSET $8");
	p_i64(&a, f->klass);
	p_i64(&a, f->serious);
	p_i64(&a, f->status);
	p_text(&a, f->unit);
	if (f->from.prec != VG_DATE_NONE)
		p_i64(&a, vg_date_first_day(&f->from));
	else
		p_text(&a, NULL);
	if (f->to.prec != VG_DATE_NONE)
		p_i64(&a, vg_date_last_day(&f->to));
	else
		p_text(&a, NULL);
	if (f->limit > 0)
		p_i64(&a, f->limit);
	else
		p_text(&a, NULL);
	p_i64(&a, f->offset > 0 ? f->offset : 0);
	a.n = count ? 6 : 8;
	snprintf(name, sizeof(name), "vgl%u_%d", mask, count);
	r = pq_run(st, &st->pg->list_prepared[mask][count], name, sql.p, types, a.n, &a, err);
	vg_buf_release(&sql);
	return r;
}

static int pg_case_list(struct vg_store *st, const struct vg_case_filter *f, vg_case_row_cb cb,
                        void *ctx, int64_t *total, struct vg_err *err)
{
	struct vg_case_filter none = VG_CASE_FILTER_INIT;
	unsigned mask;
	PGresult *r;
	int rc = 0;

	if (!f)
		f = &none;
	mask = vg_st_list_mask(f);
	if (total) {
		r = pg_list_query(st, mask, 1, f, err);
		if (!r)
			return err->code;
		*total = ival(r, 0, 0);
		PQclear(r);
	}
	r = pg_list_query(st, mask, 0, f, err);
	if (!r)
		return err->code;
	for (int i = 0; rc == 0 && cb && i < PQntuples(r); i++) {
		struct vg_case_row row = {
			.case_id = val(r, i, 0), .versions = (int)ival(r, i, 1),
			.valid = ival(r, i, 2), .nullified = ival(r, i, 3), .deleted = ival(r, i, 4),
			.duplicate_of = val(r, i, 5), .status = (int)ival(r, i, 6),
			.klass = (int)ival(r, i, 7), .serious = ival(r, i, 8), .unit = val(r, i, 9),
			.latest = dval(r, i, 10), .received = dval(r, i, 11),
			.first_product = val(r, i, 12), .first_event = val(r, i, 13),
		};
		rc = cb(&row, ctx);
	}
	PQclear(r);
	return rc;
}

static int pg_info(struct vg_store *st, struct vg_store_info *out, struct vg_err *err)
{
	int64_t *f[] = {&out->cases, &out->versions, &out->valid_cases, &out->nullified_cases,
	                &out->deleted_cases, &out->products, &out->events, &out->units,
	                &out->users, &out->audit_rows, &out->import_runs};
	PGresult *r;

	memset(out, 0, sizeof(*out));
	r = pq(st, P_INFO,
	       "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM versions),"
	       " (SELECT count(*) FROM cases WHERE valid = 1),"
	       " (SELECT count(*) FROM cases WHERE nullified = 1),"
	       " (SELECT count(*) FROM cases WHERE deleted = 1),"
	       " (SELECT count(*) FROM products), (SELECT count(*) FROM events),"
	       " (SELECT count(*) FROM units), (SELECT count(*) FROM users),"
	       " (SELECT count(*) FROM audit), (SELECT count(*) FROM import_runs)",
	       NOTYPES, NULL, err);
	if (!r)
		return err->code;
	for (size_t i = 0; i < VG_ARRAY_LEN(f); i++)
		*f[i] = ival(r, 0, (int)i);
	PQclear(r);
	return 0;
}

/* ---------------------------------------------------------------- units */

#define PG_UNIT_COLS "SELECT code, name, kind, region, beds, population FROM units"

static void pg_unit_row(const PGresult *r, int i, struct vg_unit *u, struct vg_arena *a)
{
	double pop = 0;

	u->code = sval(r, i, 0, a);
	u->name = sval(r, i, 1, a);
	u->kind = sval(r, i, 2, a);
	u->region = sval(r, i, 3, a);
	u->beds = ival(r, i, 4);
	if (val(r, i, 5))
		vg_parse_double(vg_sv_of(val(r, i, 5)), &pop);
	u->population = pop;
}

static int pg_unit_get(struct vg_store *st, const char *code, struct vg_arena *a,
                       struct vg_unit *out, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	p_text(&p, code);
	r = pq(st, P_UNIT_GET, PG_UNIT_COLS " WHERE code = $1", TYPES(T_TEXT), &p, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "unit", "no unit %s", code);
	else
		pg_unit_row(r, 0, out, a);
	PQclear(r);
	return rc;
}

static int pg_unit_put_locked(struct vg_store *st, const struct vg_unit *u, const char *actor,
                              struct vg_err *err)
{
	struct vg_buf before = VG_BUF_INIT(0), after = VG_BUF_INIT(0);
	struct vg_err ignore = VG_ERR_INIT;
	struct vg_unit old;
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	vg_arena_reset(&st->scratch);
	if (actor && pg_unit_get(st, u->code, &st->scratch, &old, &ignore) == 0)
		vg_st_unit_json(&before, &old);
	p_text(&p, u->code);
	p_text(&p, u->name);
	p_text(&p, u->kind);
	p_text(&p, u->region);
	p_i64(&p, u->beds);
	p_f64(&p, u->population);
	r = pq(st, P_UNIT_PUT,
	       "INSERT INTO units(code, name, kind, region, beds, population)"
	       " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET"
	       " name = excluded.name, kind = excluded.kind, region = excluded.region,"
	       " beds = excluded.beds, population = excluded.population",
	       TYPES(T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_INT8, T_FLOAT8), &p, err);
	rc = r ? 0 : err->code;
	PQclear(r);
	if (rc == 0 && actor) {
		vg_st_unit_json(&after, u);
		rc = vg_store_audit(st, actor, "unit.put", u->code, before.p, after.p, err);
	}
	vg_buf_release(&before);
	vg_buf_release(&after);
	return rc;
}

static int pg_unit_put(struct vg_store *st, const struct vg_unit *u, const char *actor,
                       struct vg_err *err)
{
	bool own = false;
	int rc;

	rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = pg_unit_put_locked(st, u, actor, err);
	return tx_leave(st, own, rc, err);
}

static int pg_unit_list(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err)
{
	struct vg_arena a;
	PGresult *r = pq(st, P_UNIT_LIST, PG_UNIT_COLS " ORDER BY code", NOTYPES, NULL, err);
	int rc = 0;

	if (!r)
		return err->code;
	vg_arena_init(&a, 4096);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		struct vg_unit u;
		vg_arena_reset(&a);
		pg_unit_row(r, i, &u, &a);
		rc = cb(&u, ctx);
	}
	vg_arena_release(&a);
	PQclear(r);
	return rc;
}

/* ---------------------------------------------------------------- users */

#define PG_USER_COLS \
	"SELECT id, name, role, unit, pwhash, disabled, failed_logins, locked_until FROM users"

static void pg_user_row(const PGresult *r, int i, struct vg_user *u, struct vg_arena *a)
{
	u->id = ival(r, i, 0);
	u->name = sval(r, i, 1, a);
	u->role = (int)ival(r, i, 2);
	u->unit = sval(r, i, 3, a);
	u->pwhash = sval(r, i, 4, a);
	u->disabled = ival(r, i, 5);
	u->failed_logins = (int)ival(r, i, 6);
	u->locked_until = ival(r, i, 7);
}

static void pg_user_params(struct pgp *p, const struct vg_user *u)
{
	p_text(p, u->name);
	p_i64(p, u->role);
	p_text(p, u->unit);
	p_text(p, u->pwhash);
	p_i64(p, u->disabled);
	p_i64(p, u->failed_logins);
	p_i64(p, u->locked_until);
}

static int pg_user_add_locked(struct vg_store *st, const struct vg_user *u, const char *actor,
                              struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	pg_user_params(&p, u);
	r = pq(st, P_USER_ADD,
	       "INSERT INTO users(name, role, unit, pwhash, disabled, failed_logins, locked_until)"
	       " VALUES ($1, $2, $3, $4, $5, $6, $7)",
	       TYPES(T_TEXT, T_INT4, T_TEXT, T_TEXT, T_INT4, T_INT4, T_INT8), &p, err);
	if (!r)
		rc = err->code == VG_EEXIST
			? vg_err_set(err, VG_EEXIST, "name", "user %s already exists", u->name) : err->code;
	PQclear(r);
	if (rc == 0 && actor) {
		struct vg_buf b = VG_BUF_INIT(0);
		vg_st_user_json(&b, u, false);
		rc = vg_store_audit(st, actor, "user.add", u->name, NULL, b.p, err);
		vg_buf_release(&b);
	}
	return rc;
}

static int pg_user_add(struct vg_store *st, const struct vg_user *u, const char *actor,
                       struct vg_err *err)
{
	bool own = false;
	int rc = vg_st_user_check(u, err);

	if (rc == 0)
		rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = pg_user_add_locked(st, u, actor, err);
	return tx_leave(st, own, rc, err);
}

static int pg_user_get(struct vg_store *st, const char *name, struct vg_arena *a,
                       struct vg_user *out, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	p_text(&p, name);
	r = pq(st, P_USER_GET, PG_USER_COLS " WHERE name = $1", TYPES(T_TEXT), &p, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "name", "no user %s", name);
	else
		pg_user_row(r, 0, out, a);
	PQclear(r);
	return rc;
}

static int pg_user_update_locked(struct vg_store *st, const struct vg_user *u,
                                 const char *actor, struct vg_err *err)
{
	struct vg_buf before = VG_BUF_INIT(0), after = VG_BUF_INIT(0);
	struct pgp p = {0};
	struct vg_user old;
	PGresult *r;
	int rc = 0;

	vg_arena_reset(&st->scratch);
	p_i64(&p, u->id);
	r = pq(st, P_USER_BY_ID, PG_USER_COLS " WHERE id = $1 FOR UPDATE", TYPES(T_INT8), &p, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "id", "no user %" PRId64, u->id);
	else
		pg_user_row(r, 0, &old, &st->scratch);
	PQclear(r);
	if (rc)
		return rc;
	p.n = 0;
	pg_user_params(&p, u);
	p_i64(&p, u->id);
	r = pq(st, P_USER_UPDATE,
	       "UPDATE users SET name = $1, role = $2, unit = $3, pwhash = $4, disabled = $5,"
	       " failed_logins = $6, locked_until = $7 WHERE id = $8",
	       TYPES(T_TEXT, T_INT4, T_TEXT, T_TEXT, T_INT4, T_INT4, T_INT8, T_INT8), &p, err);
	rc = r ? 0 : err->code;
	PQclear(r);
	if (rc == 0 && actor) {
		vg_st_user_json(&before, &old, false);
		vg_st_user_json(&after, u, strcmp(old.pwhash, u->pwhash) != 0);
		rc = vg_store_audit(st, actor, "user.update", u->name, before.p, after.p, err);
	}
	vg_buf_release(&before);
	vg_buf_release(&after);
	return rc;
}

static int pg_user_update(struct vg_store *st, const struct vg_user *u, const char *actor,
                          struct vg_err *err)
{
	bool own = false;
	int rc = vg_st_user_check(u, err);

	if (rc == 0)
		rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = pg_user_update_locked(st, u, actor, err);
	return tx_leave(st, own, rc, err);
}

static int pg_user_list(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err)
{
	struct vg_arena a;
	PGresult *r = pq(st, P_USER_LIST, PG_USER_COLS " ORDER BY name", NOTYPES, NULL, err);
	int rc = 0;

	if (!r)
		return err->code;
	vg_arena_init(&a, 4096);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		struct vg_user u;
		vg_arena_reset(&a);
		pg_user_row(r, i, &u, &a);
		rc = cb(&u, ctx);
	}
	vg_arena_release(&a);
	PQclear(r);
	return rc;
}

/* ------------------------------------------------------------- sessions */

static int pg_session_put(struct vg_store *st, const char *token_hash, int64_t user_id,
                          int64_t expires, struct vg_err *err)
{
	struct pgp p = {0};
	bool own = false;
	PGresult *r;
	int rc;

	if (!token_hash || !*token_hash)
		return vg_err_set(err, VG_EINVAL, "token", "no token hash");
	rc = tx_enter(st, &own, err);
	if (rc)
		return rc;
	p_i64(&p, (int64_t)time(NULL));
	r = pq(st, P_SESSION_PURGE, "DELETE FROM sessions WHERE expires <= $1", TYPES(T_INT8), &p,
	       err);
	rc = r ? 0 : err->code;
	PQclear(r);
	if (rc == 0) {
		p.n = 0;
		p_text(&p, token_hash);
		p_i64(&p, user_id);
		p_i64(&p, expires);
		r = pq(st, P_SESSION_PUT,
		       "INSERT INTO sessions(token_hash, user_id, expires) VALUES ($1, $2, $3)",
		       TYPES(T_TEXT, T_INT8, T_INT8), &p, err);
		rc = r ? 0 : err->code;
		PQclear(r);
	}
	return tx_leave(st, own, rc, err);
}

static int pg_session_get(struct vg_store *st, const char *token_hash, int64_t now,
                          int64_t *user_id, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	*user_id = 0;
	p_text(&p, token_hash);
	p_i64(&p, now);
	r = pq(st, P_SESSION_GET,
	       "SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id"
	       " WHERE s.token_hash = $1 AND s.expires > $2 AND u.disabled = 0",
	       TYPES(T_TEXT, T_INT8), &p, err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "token", "no such session, or it has expired");
	else
		*user_id = ival(r, 0, 0);
	PQclear(r);
	return rc;
}

static int pg_session_delete(struct vg_store *st, const char *token_hash, struct vg_err *err)
{
	struct pgp p = {0};

	p_text(&p, token_hash);
	return one_write(st, P_SESSION_DELETE, "DELETE FROM sessions WHERE token_hash = $1",
	                 TYPES(T_TEXT), &p, NULL, err);
}

/* ---------------------------------------------------------------- audit */

static int pg_audit(struct vg_store *st, const char *actor, const char *action,
                    const char *object, const char *before, const char *after,
                    struct vg_err *err)
{
	struct pgp p = {0};

	if (!actor || !action)
		return vg_err_set(err, VG_EINVAL, "actor", "an audit row needs an actor and an action");
	p_text(&p, actor);
	p_text(&p, action);
	p_text(&p, object);
	p_text(&p, before);
	p_text(&p, after);
	return one_write(st, P_AUDIT_ADD,
	                 "INSERT INTO audit(actor, action, object, before, after)"
	                 " VALUES ($1, $2, $3, $4, $5)",
	                 TYPES(T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_TEXT), &p, NULL, err);
}

static int pg_audit_list(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
                         vg_audit_cb cb, void *ctx, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	p_text(&p, object);
	if (limit > 0)
		p_i64(&p, limit);
	else
		p_text(&p, NULL);
	p_i64(&p, offset > 0 ? offset : 0);
	r = object ? pq(st, P_AUDIT_LIST_OBJ,
	                "SELECT id, at, actor, action, object, before, after FROM audit"
	                " WHERE object = $1 ORDER BY id LIMIT $2 OFFSET $3",
	                TYPES(T_TEXT, T_INT8, T_INT8), &p, err)
	           : pq(st, P_AUDIT_LIST,
	                "SELECT id, at, actor, action, object, before, after FROM audit"
	                " WHERE $1::text IS NULL ORDER BY id LIMIT $2 OFFSET $3",
	                TYPES(T_TEXT, T_INT8, T_INT8), &p, err);
	if (!r)
		return err->code;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		struct vg_audit_row row = {
			.id = ival(r, i, 0), .at = val(r, i, 1), .actor = val(r, i, 2),
			.action = val(r, i, 3), .object = val(r, i, 4), .before = val(r, i, 5),
			.after = val(r, i, 6),
		};
		rc = cb(&row, ctx);
	}
	PQclear(r);
	return rc;
}

/* -------------------------------------------------------------- imports */

static int pg_import_begin(struct vg_store *st, const char *format, const char *files,
                           int64_t *run_id, struct vg_err *err)
{
	struct pgp p = {0};

	*run_id = 0;
	if (!format)
		return vg_err_set(err, VG_EINVAL, "format", "an import run needs a format");
	p_text(&p, format);
	p_text(&p, files);
	return one_write(st, P_IMPORT_BEGIN,
	                 "INSERT INTO import_runs(format, files) VALUES ($1, $2) RETURNING id",
	                 TYPES(T_TEXT, T_TEXT), &p, run_id, err);
}

static int pg_import_finish(struct vg_store *st, int64_t run_id, const struct vg_import_stats *x,
                            const char *status, struct vg_err *err)
{
	struct pgp p = {0};
	int64_t n = 0;
	int rc;

	p_i64(&p, run_id);
	p_text(&p, status ? status : "done");
	p_i64(&p, x->rows_read);
	p_i64(&p, x->rows_rejected);
	p_i64(&p, x->cases_added);
	p_i64(&p, x->versions_added);
	p_i64(&p, x->versions_superseded);
	p_i64(&p, x->cases_deleted);
	rc = one_write(st, P_IMPORT_FINISH,
	               "UPDATE import_runs SET finished = " "to_char(now() AT TIME ZONE 'UTC',"
	               " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
	               " status = $2, rows_read = $3, rows_rejected = $4, cases_added = $5,"
	               " versions_added = $6, versions_superseded = $7, cases_deleted = $8"
	               " WHERE id = $1",
	               TYPES(T_INT8, T_TEXT, T_INT8, T_INT8, T_INT8, T_INT8, T_INT8, T_INT8), &p, &n,
	               err);
	if (rc == 0 && n == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "run_id", "no import run %" PRId64, run_id);
	return rc;
}

/* ------------------------------------------------------------- settings */

static int pg_setting_put(struct vg_store *st, const char *key, const char *value,
                          struct vg_err *err)
{
	struct pgp p = {0};

	if (!key || !value)
		return vg_err_set(err, VG_EINVAL, "key", "a setting needs a key and a value");
	p_text(&p, key);
	p_text(&p, value);
	return one_write(st, P_SETTING_PUT,
	                 "INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE"
	                 " SET value = excluded.value, updated = to_char(now() AT TIME ZONE 'UTC',"
	                 " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
	                 TYPES(T_TEXT, T_TEXT), &p, NULL, err);
}

static int pg_setting_get(struct vg_store *st, const char *key, struct vg_arena *a,
                          const char **value, struct vg_err *err)
{
	struct pgp p = {0};
	PGresult *r;
	int rc = 0;

	*value = NULL;
	p_text(&p, key);
	r = pq(st, P_SETTING_GET, "SELECT value FROM settings WHERE key = $1", TYPES(T_TEXT), &p,
	       err);
	if (!r)
		return err->code;
	if (PQntuples(r) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "key", "no setting %s", key);
	else
		*value = sval(r, 0, 0, a);
	PQclear(r);
	return rc;
}

/* ------------------------------------------------------------ migrations */

#define PG_NOW "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"

static const char pg_m1[] =
	"CREATE TABLE cases("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" case_id TEXT NOT NULL UNIQUE,"
	" latest_version BIGINT,"
	" nversions INTEGER NOT NULL DEFAULT 0,"
	" valid INTEGER NOT NULL DEFAULT 0,"
	" nullified INTEGER NOT NULL DEFAULT 0,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" duplicate_of TEXT REFERENCES cases(case_id),"
	" status INTEGER NOT NULL DEFAULT 0,"
	" status_comment TEXT,"
	" klass INTEGER NOT NULL DEFAULT 0,"
	" serious INTEGER NOT NULL DEFAULT 0,"
	" unit TEXT,"
	" latest TEXT, created TEXT, received TEXT, received_day INTEGER,"
	" first_product TEXT, first_event TEXT);"
	"CREATE INDEX cases_unit ON cases(unit, case_id) WHERE unit IS NOT NULL;"
	"CREATE INDEX cases_received ON cases(received_day);"
	"CREATE TABLE versions("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" case_row BIGINT NOT NULL REFERENCES cases(id),"
	" version_no INTEGER NOT NULL,"
	" hash BYTEA NOT NULL,"
	" report_id TEXT, source TEXT,"
	" latest TEXT, created TEXT,"
	" nullified INTEGER NOT NULL, amendment INTEGER NOT NULL, valid INTEGER NOT NULL,"
	" arrived BIGINT NOT NULL,"
	" document TEXT NOT NULL,"
	" UNIQUE(case_row, hash));"
	"CREATE TABLE products("
	" version BIGINT NOT NULL REFERENCES versions(id),"
	" idx INTEGER NOT NULL,"
	" role INTEGER NOT NULL, klass INTEGER NOT NULL,"
	" name TEXT, ingredient TEXT, category TEXT,"
	" PRIMARY KEY(version, idx));"
	"CREATE TABLE events("
	" version BIGINT NOT NULL REFERENCES versions(id),"
	" idx INTEGER NOT NULL,"
	" term TEXT, coded TEXT, code TEXT,"
	" outcome INTEGER NOT NULL, seriousness INTEGER NOT NULL,"
	" PRIMARY KEY(version, idx));";

static const char pg_m2[] =
	"CREATE TABLE units("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" code TEXT NOT NULL UNIQUE,"
	" name TEXT, kind TEXT, region TEXT,"
	" beds BIGINT NOT NULL DEFAULT 0,"
	" population DOUBLE PRECISION NOT NULL DEFAULT 0);"
	"CREATE TABLE users("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
	" unit TEXT REFERENCES units(code),"
	" pwhash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" failed_logins INTEGER NOT NULL DEFAULT 0,"
	" locked_until BIGINT NOT NULL DEFAULT 0,"
	" created TEXT NOT NULL DEFAULT " PG_NOW ");"
	"CREATE TABLE sessions("
	" token_hash TEXT PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id),"
	" expires BIGINT NOT NULL);"
	"CREATE INDEX sessions_expires ON sessions(expires);"
	"CREATE TABLE audit("
	" id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" at TEXT NOT NULL DEFAULT " PG_NOW ","
	" actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT,"
	" before TEXT, after TEXT);"
	"CREATE INDEX audit_object ON audit(object, id);"
	"CREATE FUNCTION vg_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION 'audit log is append-only'; END$$;"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
	" FOR EACH ROW EXECUTE FUNCTION vg_audit_append_only();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION vg_audit_append_only();"
	"CREATE TABLE import_runs("
	" id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" format TEXT NOT NULL, files TEXT,"
	" started TEXT NOT NULL DEFAULT " PG_NOW ","
	" finished TEXT,"
	" status TEXT NOT NULL DEFAULT 'running',"
	" rows_read BIGINT NOT NULL DEFAULT 0, rows_rejected BIGINT NOT NULL DEFAULT 0,"
	" cases_added BIGINT NOT NULL DEFAULT 0, versions_added BIGINT NOT NULL DEFAULT 0,"
	" versions_superseded BIGINT NOT NULL DEFAULT 0,"
	" cases_deleted BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE settings("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL,"
	" updated TEXT NOT NULL DEFAULT " PG_NOW ");";

/* Same numbers and names as the SQLite migrations (migrations.c). */
static const struct vg_migration pg_migrations[] = {
	{1, "cases, versions, products, events", pg_m1, NULL},
	{2, "units, users, sessions, audit, import runs, settings", pg_m2, NULL},
};

static int pg_version_now(struct vg_store *st, int *version, struct vg_err *err)
{
	PGresult *r = PQexec(st->pg->conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int rc = 0;

	if (!res_ok(r))
		rc = pg_fail(st, r, err, "reading schema_migrations");
	else
		*version = (int)ival(r, 0, 0);
	PQclear(r);
	return rc;
}

static int pg_apply(struct vg_store *st, const struct vg_migration *m, struct vg_err *err)
{
	char num[16];
	int rc, have = 0;

	rc = pq_exec(st, "BEGIN", err);
	if (rc)
		return rc;
	rc = pq_exec(st, "SELECT pg_advisory_xact_lock(7423001)", err);
	if (rc == 0)
		rc = pg_version_now(st, &have, err);
	if (rc == 0 && have < m->version) {
		const char *params[2] = {num, m->name};
		PGresult *r;
		rc = pq_exec(st, m->sql, err);
		snprintf(num, sizeof(num), "%d", m->version);
		r = rc ? NULL : PQexecParams(st->pg->conn,
		                             "INSERT INTO schema_migrations(version, name) VALUES ($1, $2)",
		                             2, NULL, params, NULL, NULL, 0);
		if (rc == 0 && !res_ok(r))
			rc = pg_fail(st, r, err, "recording migration");
		PQclear(r);
		if (rc == 0)
			st->applied_now++;
	}
	rc = rc ? rc : pq_exec(st, "COMMIT", err);
	if (rc)
		pq_exec(st, "ROLLBACK", &(struct vg_err)VG_ERR_INIT);
	return rc;
}

static int pg_migrate(struct vg_store *st, struct vg_err *err)
{
	int rc = pq_exec(st, "SET client_min_messages = warning;"
	                     "CREATE TABLE IF NOT EXISTS schema_migrations("
	                     " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	                     " applied_at TEXT NOT NULL DEFAULT " PG_NOW ")", err);

	if (rc == 0)
		rc = pg_version_now(st, &st->schema_version, err);
	if (rc)
		return rc;
	if (st->schema_version > pg_migrations[VG_ARRAY_LEN(pg_migrations) - 1].version)
		return vg_err_set(err, VG_EDB, NULL, "database schema version %d is newer than this"
		                  " program's", st->schema_version);
	for (size_t i = 0; rc == 0 && i < VG_ARRAY_LEN(pg_migrations); i++)
		if (pg_migrations[i].version > st->schema_version)
			rc = pg_apply(st, &pg_migrations[i], err);
	return rc ? rc : pg_version_now(st, &st->schema_version, err);
}

/* ------------------------------------------------------------ open/close */

static void pg_close(struct vg_store *st)
{
	if (st->pg) {
		if (st->pg->conn)
			PQfinish(st->pg->conn);
		free(st->pg);
	}
	vg_buf_release(&st->doc);
	vg_arena_release(&st->scratch);
	free(st);
}

const struct vg_store_ops vg_pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.put_version = pg_put_version,
	.delete_case = pg_delete_case,
	.case_latest = pg_case_latest,
	.case_versions = pg_case_versions,
	.case_list = pg_case_list,
	.scan_latest = pg_scan_latest,
	.scan_versions = pg_scan_versions,
	.case_set_status = pg_case_set_status,
	.case_set_duplicate = pg_case_set_duplicate,
	.info = pg_info,
	.unit_put = pg_unit_put,
	.unit_get = pg_unit_get,
	.unit_list = pg_unit_list,
	.user_add = pg_user_add,
	.user_get = pg_user_get,
	.user_update = pg_user_update,
	.user_list = pg_user_list,
	.session_put = pg_session_put,
	.session_get = pg_session_get,
	.session_delete = pg_session_delete,
	.audit = pg_audit,
	.audit_list = pg_audit_list,
	.import_begin = pg_import_begin,
	.import_finish = pg_import_finish,
	.setting_put = pg_setting_put,
	.setting_get = pg_setting_get,
};

int vg_pg_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err)
{
	struct vg_store *st = vg_xcalloc(1, sizeof(*st));
	int rc = 0;

	*out = NULL;
	st->ops = &vg_pg_ops;
	st->flags = flags;
	st->pg = vg_xcalloc(1, sizeof(*st->pg));
	st->doc = (struct vg_buf)VG_BUF_INIT((size_t)16 << 20);
	vg_arena_init(&st->scratch, 64 * 1024);
	st->pg->conn = PQconnectdb(uri);
	if (PQstatus(st->pg->conn) != CONNECTION_OK)
		rc = vg_err_set(err, VG_EIO, NULL, "cannot connect to PostgreSQL: %s",
		                PQerrorMessage(st->pg->conn));
	if (rc == 0 && (flags & VG_STORE_READONLY))
		rc = pq_exec(st, "SET default_transaction_read_only = on", err);
	if (rc == 0 && (flags & VG_STORE_BULK))
		rc = pq_exec(st, "SET synchronous_commit = off", err);
	if (rc == 0)
		rc = (flags & VG_STORE_READONLY) ? pg_version_now(st, &st->schema_version, err)
		                                 : pg_migrate(st, err);
	if (rc) {
		pg_close(st);
		return rc;
	}
	*out = st;
	return 0;
}
