/*
 * sqlite_cases.c - case versions in SQLite: put, latest-version selection,
 * reads, scans and listing.
 *
 * Putting a version (the import hot path, one transaction per batch):
 *
 *   1. encode the version to its binary document (case.h: vg_case_to_bin,
 *      about half the bytes of the canonical JSON, and decoded many times
 *      faster) and hash it (XXH3-128): the hash is the version's identity
 *      within its case (files written with JSON documents were converted
 *      by migration 4, hashes included; reads accept both forms, told
 *      apart by the first byte);
 *   2. find the case: the in-memory cache (case id -> rowid, number of
 *      versions, C.1.5 and C.1.2 of the latest version); a case not in it
 *      is tried as new: its complete row in one INSERT ... ON CONFLICT DO
 *      NOTHING, pointing at the version about to be written (versions get
 *      rowid max + 1, which the handle tracks in next_version while it
 *      holds the write lock), and only when that inserts nothing, one
 *      indexed SELECT (one b-tree search per new case instead of two);
 *   3. INSERT the version ... ON CONFLICT(case_row, hash) DO NOTHING: no row
 *      changed means an identical version is already stored, and nothing
 *      else is written (re-imports are idempotent);
 *   4. for an existing case, compare with its latest (E2B(R3) C.1.5, then
 *      C.1.2, by vg_case_version_cmp; a tie goes to the later arrival) and
 *      UPDATE the case row: either the latest pointer and its denormalised
 *      listing fields (valid, nullified, class, seriousness, unit, dates,
 *      first product and event), or just the version count.
 *
 * So a new case costs two statements, both cached, and no SELECT once the
 * case cache is warm.  Products and events live in the document only; the
 * version row counts them and the totals row (updated once per transaction
 * by sqlite.c) sums them for `vigil info` (migration 3).  docs/PERFORMANCE.md
 * ("store") has the figures and where the time goes.
 *
 * Latest version and nullification (E2B(R3) C.1.11.1): the case is
 * nullified exactly when its latest version is a nullification.  A
 * follow-up dated after the nullification (which E2B forbids: a re-submitted
 * case gets a new C.1.8.1) therefore becomes latest and the case is live
 * again; one dated before it, arriving late, leaves the case nullified.
 * The result depends only on the set of versions, except for exact ties,
 * where arrival order decides.  Amendments (C.1.11.1 = 2) are versions like
 * any other: they keep C.1.5 and win by C.1.2 or, on a tie, by arriving
 * later.  The valid flag is vg_case_is_valid of the latest version.
 *
 * Reads decode the stored documents (vg_st_decode); the scans
 * run one statement of their own (so callbacks may use the store) and
 * decode each row into an arena reset per row.
 */
#include "vg.h"
#include "store/store_int.h"

#include <time.h>

/* Past this many cases the cache starts over: it costs ~120 bytes a case,
 * so an import's memory stays flat (~130 MB at most) whatever its size. */
#define CACHE_MAX_CASES ((size_t)1 << 20)

/* ------------------------------------------------------------ the cache */

/* The case's slot, made if new (all zero: rowid 0 means "not known yet";
 * a put that fails leaves it so).  Past the cap the cache starts over,
 * which invalidates every slot pointer: call this before holding any. */
static struct case_slot *cache_slot(struct vg_store *st, const char *id, size_t len,
                                    uint64_t hash)
{
	uint32_t i;
	bool added = false;

	if (st->cache && st->nslots >= CACHE_MAX_CASES)
		vg_sq_cache_flush(st);
	if (!st->cache)
		st->cache = vg_map_new(1024);
	i = vg_map_intern_hashed(st->cache, id, len, hash, &added);
	if (i >= st->nslots) {
		VG_GROW(st->slots, st->slots_cap, (size_t)i + 1);
		st->nslots = (size_t)i + 1;
	}
	if (added)
		memset(&st->slots[i], 0, sizeof(st->slots[i]));
	return &st->slots[i];
}

/* Fill c from the table: 1 when the case exists, 0 when not. */
static int case_lookup(struct vg_store *st, const char *id, size_t len, struct case_slot *c,
                       struct vg_err *err)
{
	sqlite3_stmt *s;
	int rc;

	s = vg_sq_stmt(st, S_CASE_FIND,
	               "SELECT id, nversions, latest, created FROM cases WHERE case_id = ?1", err);
	if (!s)
		return err->code;
	sqlite3_bind_text(s, 1, id, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->rowid = sqlite3_column_int64(s, 0);
		c->nversions = sqlite3_column_int(s, 1);
		c->latest = vg_sq_col_date(s, 2);
		c->created = vg_sq_col_date(s, 3);
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : vg_sq_err(st, err, "finding case");
	}
	sqlite3_reset(s);
	return rc;
}

/* ------------------------------------------------------------ put parts */

struct put {
	const struct vg_put_prep *pp;
	int64_t case_row, version_row;
	int version_no;
};

/* 1 when added, 0 when an identical version was already there. */
static int version_insert(struct vg_store *st, struct put *p, struct vg_err *err)
{
	const struct vg_put_prep *pp = p->pp;
	sqlite3_stmt *s = vg_sq_stmt(st, S_VERSION_INSERT,
		"INSERT INTO versions(case_row, version_no, hash, report_id, source, latest,"
		" created, nullified, amendment, valid, arrived, document, id, nproducts, nevents)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
		" ON CONFLICT(case_row, hash) DO NOTHING", err);
	int rc;

	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, p->case_row);
	sqlite3_bind_int(s, 2, p->version_no);
	sqlite3_bind_blob(s, 3, pp->hash, sizeof(pp->hash), SQLITE_STATIC);
	vg_sq_bind_text(s, 4, pp->report_id);
	vg_sq_bind_text(s, 5, pp->source);
	vg_sq_bind_date(s, 6, &pp->latest);
	vg_sq_bind_date(s, 7, &pp->created);
	sqlite3_bind_int(s, 8, pp->nullified);
	sqlite3_bind_int(s, 9, pp->amendment);
	sqlite3_bind_int(s, 10, pp->valid);
	sqlite3_bind_int64(s, 11, pp->arrived);
	sqlite3_bind_blob(s, 12, pp->doc, (int)pp->doc_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 13, p->version_row);
	sqlite3_bind_int64(s, 14, pp->nproducts);
	sqlite3_bind_int64(s, 15, pp->nevents);
	rc = vg_sq_exec_step(st, s, err, "adding version");
	if (rc)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	st->next_version++;
	/* totals: written once, at commit (sqlite.c) */
	st->pend_products += pp->nproducts;
	st->pend_events += pp->nevents;
	return 1;
}

/* ?2..?14 of the case row from its latest version (INSERT and UPDATE). */
static void bind_latest(sqlite3_stmt *s, const struct put *p)
{
	const struct vg_put_prep *pp = p->pp;

	sqlite3_bind_int64(s, 2, p->version_row);
	sqlite3_bind_int(s, 3, p->version_no);
	sqlite3_bind_int(s, 4, pp->valid);
	sqlite3_bind_int(s, 5, pp->nullified);
	sqlite3_bind_int(s, 6, pp->klass);
	sqlite3_bind_int(s, 7, pp->serious);
	vg_sq_bind_text(s, 8, pp->unit);
	vg_sq_bind_date(s, 9, &pp->latest);
	vg_sq_bind_date(s, 10, &pp->created);
	vg_sq_bind_date(s, 11, &pp->received);
	if (pp->received.prec >= VG_DATE_YEAR)
		sqlite3_bind_int(s, 12, vg_date_first_day(&pp->received));
	vg_sq_bind_text(s, 13, pp->first_product);
	vg_sq_bind_text(s, 14, pp->first_event);
}

/* A new case: its row, complete, pointing at the version about to be added
 * (whose rowid we know: next_version).  1: the case exists after all (it
 * was not in the cache), nothing written. */
static int case_insert(struct vg_store *st, struct put *p, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_INSERT,
		"INSERT INTO cases(case_id, latest_version, nversions, valid, nullified, klass,"
		" serious, unit, latest, created, received, received_day, first_product, first_event)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
		" ON CONFLICT(case_id) DO NOTHING", err);
	int rc;

	if (!s)
		return err->code;
	sqlite3_bind_text(s, 1, p->pp->case_id, (int)p->pp->case_id_len, SQLITE_STATIC);
	bind_latest(s, p);
	rc = vg_sq_exec_step(st, s, err, "adding case");
	if (rc || sqlite3_changes(st->db) == 0)
		return rc ? rc : 1;
	p->case_row = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* The version is the case's new latest: point at it, refresh listing fields. */
static int case_set_latest(struct vg_store *st, const struct put *p, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_SET_LATEST,
		"UPDATE cases SET latest_version = ?2, nversions = ?3, valid = ?4, nullified = ?5,"
		" klass = ?6, serious = ?7, unit = ?8, latest = ?9, created = ?10, received = ?11,"
		" received_day = ?12, first_product = ?13, first_event = ?14 WHERE id = ?1", err);

	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, p->case_row);
	bind_latest(s, p);
	return vg_sq_exec_step(st, s, err, "updating case");
}

/* The rowid the next version will get (rowids are max + 1; we hold the
 * write lock, and the cache flush forgets it whenever that may change). */
static int next_version_load(struct vg_store *st, struct vg_err *err)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (st->next_version)
		return 0;
	s = vg_sq_stmt(st, S_NEXT_VERSION, "SELECT coalesce(max(id), 0) + 1 FROM versions", err);
	if (!s)
		return err->code;
	if (sqlite3_step(s) == SQLITE_ROW)
		st->next_version = sqlite3_column_int64(s, 0);
	else
		rc = vg_sq_err(st, err, "reading versions");
	sqlite3_reset(s);
	return rc;
}

static int case_bump(struct vg_store *st, const struct put *p, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_BUMP,
	                             "UPDATE cases SET nversions = ?2 WHERE id = ?1", err);

	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, p->case_row);
	sqlite3_bind_int(s, 2, p->version_no);
	return vg_sq_exec_step(st, s, err, "updating case");
}

static int audit_put(struct vg_store *st, const struct put *p, const char *actor,
                     struct vg_err *err)
{
	return vg_store_audit(st, actor, p->version_no == 1 ? "case.create" : "case.version",
	                      p->pp->case_id, NULL, p->pp->json, err);
}

/* After a successful put: the cache learns the case's new state. */
static void cache_note(const struct put *p, struct case_slot *c, bool became_latest)
{
	c->rowid = p->case_row;
	c->nversions = p->version_no;
	if (became_latest) {
		c->latest = p->pp->latest;
		c->created = p->pp->created;
	}
}

/* Steps 2-4 of the essay, inside a write transaction. */
static int put_locked(struct vg_store *st, struct put *p, const char *actor,
                      struct vg_put_result *res, struct vg_err *err)
{
	const struct vg_put_prep *pp = p->pp;
	struct case_slot *slot = cache_slot(st, pp->case_id, pp->case_id_len, pp->case_hash);
	struct case_slot *c = slot->rowid ? slot : NULL; /* known to exist */
	int rc = next_version_load(st, err);

	if (rc)
		return rc;
	p->version_row = st->next_version;
	p->version_no = 1;
	/* Not cached: most likely new (an import), so try the INSERT first and
	 * look the case up only when it turns out to exist. */
	if (!c && (rc = case_insert(st, p, err)) == 1) {
		rc = case_lookup(st, pp->case_id, pp->case_id_len, slot, err);
		if (rc == 0)
			rc = vg_err_set(err, VG_EDB, NULL, "case %s: neither new nor found", pp->case_id);
		else if (rc == 1) {
			c = slot;
			rc = 0;
		}
	}
	if (rc)
		return rc;
	if (c) {
		p->version_no = c->nversions + 1;
		p->case_row = c->rowid;
	}
	res->case_added = !c;
	res->case_rowid = p->case_row;
	rc = version_insert(st, p, err);
	if (rc <= 0)
		return rc; /* error, or an identical version is already stored */
	rc = 0;
	res->version_added = true;
	res->version_rowid = p->version_row;
	res->version_no = p->version_no;
	res->became_latest = !c || vg_st_dates_newer(&pp->latest, &pp->created, &c->latest,
	                                              &c->created);
	res->superseded = res->became_latest && c;
	if (c)
		rc = res->became_latest ? case_set_latest(st, p, err) : case_bump(st, p, err);
	if (rc == 0 && actor)
		rc = audit_put(st, p, actor, err);
	if (rc == 0)
		cache_note(p, slot, res->became_latest);
	return rc;
}

int sq_put_prepared(struct vg_store *st, const struct vg_put_prep *pp, const char *actor,
                    struct vg_put_result *res, struct vg_err *err)
{
	struct put p;
	bool own = false;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.pp = pp;
	res->valid = pp->valid;
	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = put_locked(st, &p, actor, res, err);
	rc = vg_sq_tx_leave(st, own, rc, err);
	if (rc) {
		memset(res, 0, sizeof(*res));
		res->valid = pp->valid;
	}
	return rc;
}

int sq_put_version(struct vg_store *st, const struct vg_case_version *v,
                   const char *actor, struct vg_put_result *res, struct vg_err *err)
{
	struct vg_put_prep pp;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = vg_st_prepare(v, NULL, actor ? &st->doc : NULL, &st->bin, &pp, err);
	if (rc)
		return rc;
	return sq_put_prepared(st, &pp, actor, res, err);
}

/* ------------------------------------------------------------ migration 4 */

/* The next JSON document after rowid *after: 1 with it in *id / json
 * (valid until the statement is stepped again), 0 when none is left. */
static int next_json_doc(struct vg_store *st, sqlite3_stmt *s, int64_t *id, struct vg_err *err)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, *id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return vg_sq_err(st, err, "migration 4: reading versions");
	*id = sqlite3_column_int64(s, 0);
	return 1;
}

static int rebin_one(struct vg_store *st, sqlite3_stmt *sel, sqlite3_stmt *upd, int64_t id,
                     struct vg_err *err)
{
	unsigned char hash[16];
	int rc;

	vg_arena_reset(&st->scratch);
	rc = vg_st_rebin((const char *)sqlite3_column_blob(sel, 1),
	                 (size_t)sqlite3_column_bytes(sel, 1), &st->scratch, &st->bin, hash, err);
	if (rc) {
		struct vg_err in = *err;
		*err = (struct vg_err)VG_ERR_INIT; /* vg_err_set keeps a first error */
		return vg_err_set(err, VG_EDB, NULL, "migration 4: version %" PRId64 ": %s", id,
		                  in.msg);
	}
	sqlite3_reset(upd);
	sqlite3_bind_blob(upd, 1, st->bin.p, (int)st->bin.len, SQLITE_STATIC);
	sqlite3_bind_blob(upd, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(upd, 3, id);
	return vg_sq_exec_step(st, upd, err, "migration 4: rewriting a version");
}

/*
 * Migration 4: documents stored as canonical JSON (schemas 1-3) become
 * binary ones, and their hashes those of the binary bytes, so that a
 * re-import still recognises them.  One version at a time, in rowid order
 * (the SELECT restarts after each rewrite instead of reading the table it
 * changes).  Two JSON versions of a case that meant the same thing would
 * now collide on (case_row, hash): UPDATE OR IGNORE keeps the second as it
 * was (still readable: reads take either form).
 */
int vg_sq_m4_binary_documents(struct vg_store *st, struct vg_err *err)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int64_t id = 0;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, document FROM versions WHERE id > ?1"
	                       " AND substr(document, 1, 1) = '{' ORDER BY id LIMIT 1",
	                       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE OR IGNORE versions SET document = ?1, hash = ?2"
	                       " WHERE id = ?3", -1, &upd, NULL) != SQLITE_OK) {
		rc = vg_sq_err(st, err, "migration 4");
		goto out;
	}
	while (rc == 0 && (rc = next_json_doc(st, sel, &id, err)) == 1)
		rc = rebin_one(st, sel, upd, id, err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

/* ------------------------------------------------------------ delete, status */

int sq_delete_case(struct vg_store *st, const char *case_id, bool *changed,
                   struct vg_err *err)
{
	sqlite3_stmt *s;
	bool own = false;
	int rc;

	if (changed)
		*changed = false;
	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	s = vg_sq_stmt(st, S_CASE_DELETE,
	               "UPDATE cases SET deleted = 1 WHERE case_id = ?1 AND deleted = 0", err);
	if (!s) {
		rc = err->code;
	} else {
		vg_sq_bind_text(s, 1, case_id);
		rc = vg_sq_exec_step(st, s, err, "deleting case");
		if (rc == 0 && changed)
			*changed = sqlite3_changes(st->db) > 0;
	}
	return vg_sq_tx_leave(st, own, rc, err);
}

/* The case's rowid; with master_only, VG_ECONFLICT when the case is itself
 * a duplicate (linking to it could close a cycle). */
static int case_rowid(struct vg_store *st, const char *case_id, const char *field,
                      bool master_only, int64_t *rowid, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_ID_OF,
	                             "SELECT id, duplicate_of FROM cases WHERE case_id = ?1", err);
	int rc;

	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && master_only && sqlite3_column_type(s, 1) != SQLITE_NULL) {
		rc = vg_err_set(err, VG_ECONFLICT, field, "%s is itself a duplicate of %s; link to that",
		                case_id, (const char *)sqlite3_column_text(s, 1));
	} else if (rc == SQLITE_ROW) {
		*rowid = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = vg_err_set(err, VG_ENOTFOUND, field, "no case %s", case_id);
	} else {
		rc = vg_sq_err(st, err, "finding case");
	}
	sqlite3_reset(s);
	return rc;
}

/* The status as audit JSON, in the scratch arena. */
static char *status_json(struct vg_store *st, int status, const char *comment)
{
	struct vg_buf b = VG_BUF_INIT(0);
	char *out;

	vg_st_status_json(&b, status, comment);
	out = vg_arena_strdup(&st->scratch, b.p);
	vg_buf_release(&b);
	return out;
}

static int status_get(struct vg_store *st, const char *case_id, char **before,
                      struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_STATUS_GET,
	                             "SELECT status, status_comment FROM cases WHERE case_id = ?1", err);
	int rc;

	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int old = sqlite3_column_int(s, 0);
		*before = status_json(st, old >= 0 && old <= 2 ? old : 0,
		                      (const char *)sqlite3_column_text(s, 1));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id)
		                       : vg_sq_err(st, err, "reading case status");
	}
	sqlite3_reset(s);
	return rc;
}

static int status_set_locked(struct vg_store *st, const char *case_id, int status,
                             const char *comment, const char *actor, struct vg_err *err)
{
	char *before = NULL;
	sqlite3_stmt *s;
	int rc = status_get(st, case_id, &before, err);

	if (rc)
		return rc;
	s = vg_sq_stmt(st, S_CASE_STATUS_SET,
	               "UPDATE cases SET status = ?2, status_comment = ?3 WHERE case_id = ?1", err);
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, case_id);
	sqlite3_bind_int(s, 2, status);
	vg_sq_bind_text(s, 3, comment);
	rc = vg_sq_exec_step(st, s, err, "setting case status");
	if (rc == 0 && actor)
		rc = vg_store_audit(st, actor, "case.status", case_id, before,
		                    status_json(st, status, comment), err);
	return rc;
}

int sq_case_set_status(struct vg_store *st, const char *case_id, int status,
                       const char *comment, const char *actor, struct vg_err *err)
{
	bool own = false;
	int rc;

	if (status < VG_STATUS_SUBMITTED || status > VG_STATUS_RETURNED)
		return vg_err_set(err, VG_EINVAL, "status", "unknown case status %d", status);
	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	vg_arena_reset(&st->scratch);
	rc = status_set_locked(st, case_id, status, comment, actor, err);
	return vg_sq_tx_leave(st, own, rc, err);
}

static int dup_set_locked(struct vg_store *st, const char *case_id, const char *master,
                          const char *actor, struct vg_err *err)
{
	int64_t row = 0, mrow = 0;
	sqlite3_stmt *s;
	int rc = case_rowid(st, case_id, "case_id", false, &row, err);

	if (rc == 0 && master)
		rc = case_rowid(st, master, "master", true, &mrow, err);
	if (rc)
		return rc;
	s = vg_sq_stmt(st, S_CASE_DUP_SET, "UPDATE cases SET duplicate_of = ?2 WHERE id = ?1", err);
	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, row);
	vg_sq_bind_text(s, 2, master);
	rc = vg_sq_exec_step(st, s, err, "linking duplicate");
	if (rc == 0 && actor) {
		struct vg_buf b = VG_BUF_INIT(0);
		vg_st_dup_json(&b, master);
		rc = vg_store_audit(st, actor, "case.duplicate", case_id, NULL, b.p, err);
		vg_buf_release(&b);
	}
	return rc;
}

int sq_case_set_duplicate(struct vg_store *st, const char *case_id, const char *master,
                          const char *actor, struct vg_err *err)
{
	bool own = false;
	int rc;

	if (master && strcmp(master, case_id) == 0)
		return vg_err_set(err, VG_EINVAL, "master", "a case cannot duplicate itself");
	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = dup_set_locked(st, case_id, master, actor, err);
	return vg_sq_tx_leave(st, own, rc, err);
}

/* ------------------------------------------------------------ reading */

static int decode(struct vg_store *st, sqlite3_stmt *s, int col, struct vg_arena *a,
                  struct vg_case_version **out, struct vg_err *err)
{
	return vg_st_decode((const char *)sqlite3_column_blob(s, col),
	                    (size_t)sqlite3_column_bytes(s, col), a, &st->scratch, out, err);
}

int sq_case_latest(struct vg_store *st, const char *case_id, struct vg_arena *a,
                   struct vg_case_version **out, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_LATEST_DOC,
		"SELECT v.document FROM cases c JOIN versions v ON v.id = c.latest_version"
		" WHERE c.case_id = ?1", err);
	int rc;

	*out = NULL;
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, case_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = decode(st, s, 0, a, out, err);
	else if (rc == SQLITE_DONE)
		rc = vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id);
	else
		rc = vg_sq_err(st, err, "reading case");
	sqlite3_reset(s);
	return rc;
}

int sq_case_versions(struct vg_store *st, const char *case_id, struct vg_arena *a,
                     struct vg_case_version ***out, size_t *n, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_CASE_DOCS,
		"SELECT v.document FROM cases c JOIN versions v ON v.case_row = c.id"
		" WHERE c.case_id = ?1 ORDER BY v.id", err);
	struct vg_case_version **arr = NULL, *v;
	size_t cnt = 0, cap = 0;
	int rc = 0, step = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, case_id);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = decode(st, s, 0, a, &v, err);
		if (rc)
			break;
		VG_GROW(arr, cap, cnt + 1);
		arr[cnt++] = v;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = vg_sq_err(st, err, "reading versions");
	sqlite3_reset(s);
	if (rc == 0 && cnt == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", case_id);
	if (rc == 0) {
		*out = vg_arena_alloc(a, cnt * sizeof(*arr));
		memcpy(*out, arr, cnt * sizeof(*arr));
		*n = cnt;
	}
	free(arr);
	return rc;
}

/* ------------------------------------------------------------ scans */

#define SCAN_COLS                                                                   \
	"SELECT v.document, (1 - c.valid) | (c.nullified << 1)"                         \
	" | ((c.duplicate_of IS NOT NULL) << 2) | (c.deleted << 3)"

struct scan_walk {
	struct vg_store *st;
	vg_version_cb cb;
	void *ctx;
	struct vg_err *err;
};

static int scan_each(sqlite3_stmt *s, struct vg_arena *a, void *arg)
{
	struct scan_walk *w = arg;
	struct vg_case_version *v = NULL;
	int rc = decode(w->st, s, 0, a, &v, w->err);

	return rc ? rc : w->cb(v, sqlite3_column_int(s, 1), w->ctx);
}

/* One private statement, row by row, each decoded into an arena reset per row. */
static int scan(struct vg_store *st, const char *sql, vg_version_cb cb, void *ctx,
                struct vg_err *err)
{
	struct scan_walk w = {st, cb, ctx, err};
	struct vg_arena a;
	sqlite3_stmt *s = NULL;
	int rc;

	vg_arena_init(&a, 64 * 1024);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		rc = vg_sq_err(st, err, "preparing scan");
	else
		rc = vg_sq_each_row(st, s, &a, scan_each, &w, "scanning", err);
	sqlite3_finalize(s);
	vg_arena_release(&a);
	return rc;
}

int sq_scan_latest(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
                   struct vg_err *err)
{
	static const char all[] = SCAN_COLS
		" FROM cases c JOIN versions v ON v.id = c.latest_version ORDER BY c.case_id";
	static const char counted[] = SCAN_COLS
		" FROM cases c JOIN versions v ON v.id = c.latest_version"
		" WHERE c.valid = 1 AND c.nullified = 0 AND c.deleted = 0 AND c.duplicate_of IS NULL"
		" ORDER BY c.case_id";

	return scan(st, all_cases ? all : counted, cb, ctx, err);
}

int sq_scan_versions(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err)
{
	/* Per-version flags: the version's own validity and nullification, the
	 * case's duplicate and deleted marks. */
	static const char sql[] =
		"SELECT v.document, (1 - v.valid) | (v.nullified << 1)"
		" | ((c.duplicate_of IS NOT NULL) << 2) | (c.deleted << 3)"
		" FROM cases c JOIN versions v ON v.case_row = c.id ORDER BY c.case_id, v.id";

	return scan(st, sql, cb, ctx, err);
}

/* ------------------------------------------------------------ listing */

/* WHERE fragments by filter bit; parameters ?1..?6, limit ?7, offset ?8. */
static const char *const list_where[LIST_NBITS] = {
	"klass = ?1", "serious = ?2", "status = ?3", "unit = ?4",
	"received_day >= ?5", "received_day <= ?6",
	"valid = 1", "nullified = 0", "deleted = 0",
};

/* The cached statement for (mask, count?); its SQL holds fixed text only. */
static sqlite3_stmt *list_stmt(struct vg_store *st, unsigned mask, int count, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(0);
	sqlite3_stmt **slot = &st->list_stmts[mask][count];
	int n = 0;

	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return *slot;
	}
	vg_buf_puts(&b, count ? "SELECT count(*) FROM cases"
	                      : "SELECT case_id, nversions, valid, nullified, deleted, duplicate_of,"
	                        " status, klass, serious, unit, latest, received, first_product,"
	                        " first_event FROM cases");
	for (int i = 0; i < LIST_NBITS; i++)
		if (mask & (1u << i))
			vg_buf_printf(&b, "%s%s", n++ ? " AND " : " WHERE ", list_where[i]);
	if (!count)
		vg_buf_puts(&b, " ORDER BY case_id LIMIT ?7 OFFSET ?8");
	if (sqlite3_prepare_v3(st->db, b.p, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		vg_sq_err(st, err, "preparing case list");
		*slot = NULL;
	}
	vg_buf_release(&b);
	return *slot;
}

static void list_bind(sqlite3_stmt *s, const struct vg_case_filter *f, bool rows)
{
	sqlite3_bind_int(s, 1, f->klass);
	sqlite3_bind_int(s, 2, f->serious);
	sqlite3_bind_int(s, 3, f->status);
	vg_sq_bind_text(s, 4, f->unit);
	if (f->from.prec != VG_DATE_NONE)
		sqlite3_bind_int(s, 5, vg_date_first_day(&f->from));
	if (f->to.prec != VG_DATE_NONE)
		sqlite3_bind_int(s, 6, vg_date_last_day(&f->to));
	if (rows) {
		sqlite3_bind_int64(s, 7, f->limit > 0 ? f->limit : -1);
		sqlite3_bind_int64(s, 8, f->offset > 0 ? f->offset : 0);
	}
}

static void list_row(sqlite3_stmt *s, struct vg_case_row *r)
{
	memset(r, 0, sizeof(*r));
	r->case_id = (const char *)sqlite3_column_text(s, 0);
	r->versions = sqlite3_column_int(s, 1);
	r->valid = sqlite3_column_int(s, 2);
	r->nullified = sqlite3_column_int(s, 3);
	r->deleted = sqlite3_column_int(s, 4);
	r->duplicate_of = (const char *)sqlite3_column_text(s, 5);
	r->status = sqlite3_column_int(s, 6);
	r->klass = sqlite3_column_int(s, 7);
	r->serious = sqlite3_column_int(s, 8);
	r->unit = (const char *)sqlite3_column_text(s, 9);
	r->latest = vg_sq_col_date(s, 10);
	r->received = vg_sq_col_date(s, 11);
	r->first_product = (const char *)sqlite3_column_text(s, 12);
	r->first_event = (const char *)sqlite3_column_text(s, 13);
}

static int list_total(struct vg_store *st, unsigned mask, const struct vg_case_filter *f,
                      int64_t *total, struct vg_err *err)
{
	sqlite3_stmt *s = list_stmt(st, mask, 1, err);
	int rc = 0;

	if (!s)
		return err->code;
	list_bind(s, f, false);
	if (sqlite3_step(s) == SQLITE_ROW)
		*total = sqlite3_column_int64(s, 0);
	else
		rc = vg_sq_err(st, err, "counting cases");
	sqlite3_reset(s);
	return rc;
}

struct list_walk {
	vg_case_row_cb cb;
	void *ctx;
};

static int list_each(sqlite3_stmt *s, struct vg_arena *a, void *arg)
{
	struct list_walk *w = arg;
	struct vg_case_row r;

	(void)a;
	list_row(s, &r);
	return w->cb ? w->cb(&r, w->ctx) : 0;
}

int sq_case_list(struct vg_store *st, const struct vg_case_filter *f,
                 vg_case_row_cb cb, void *ctx, int64_t *total, struct vg_err *err)
{
	struct vg_case_filter none = VG_CASE_FILTER_INIT;
	struct list_walk w = {cb, ctx};
	unsigned mask;
	sqlite3_stmt *s;
	int rc;

	if (!f)
		f = &none;
	mask = vg_st_list_mask(f);
	if (total) {
		rc = list_total(st, mask, f, total, err);
		if (rc)
			return rc;
	}
	s = list_stmt(st, mask, 0, err);
	if (!s)
		return err->code;
	list_bind(s, f, true);
	return vg_sq_each_row(st, s, NULL, list_each, &w, "listing cases", err);
}

/* ------------------------------------------------------------ info */

int sq_info(struct vg_store *st, struct vg_store_info *out, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_INFO,
		"SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM versions),"
		" (SELECT count(*) FROM cases WHERE valid = 1),"
		" (SELECT count(*) FROM cases WHERE nullified = 1),"
		" (SELECT count(*) FROM cases WHERE deleted = 1),"
		" (SELECT products FROM totals), (SELECT events FROM totals),"
		" (SELECT count(*) FROM units), (SELECT count(*) FROM users),"
		" (SELECT count(*) FROM audit), (SELECT count(*) FROM import_runs)", err);
	int64_t *f[] = {&out->cases, &out->versions, &out->valid_cases, &out->nullified_cases,
	                &out->deleted_cases, &out->products, &out->events, &out->units,
	                &out->users, &out->audit_rows, &out->import_runs};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!s)
		return err->code;
	if (sqlite3_step(s) == SQLITE_ROW) {
		for (size_t i = 0; i < VG_ARRAY_LEN(f); i++)
			*f[i] = sqlite3_column_int64(s, (int)i);
	} else {
		rc = vg_sq_err(st, err, "counting");
	}
	sqlite3_reset(s);
	return rc;
}
