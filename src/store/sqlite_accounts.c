/*
 * sqlite_accounts.c - reporting units, users, sessions, the audit log,
 * import runs and settings in SQLite.
 *
 * Every write runs in a transaction (the caller's, or its own), together
 * with its audit row when an actor is named, so a change and its audit
 * entry are committed or lost together.  Audit texts are JSON; a user's
 * password hash never enters the audit log (only "password_changed").
 *
 * The audit table is append-only three times over: this file has no UPDATE
 * or DELETE statement for it, and triggers (migration 2) make SQLite refuse
 * UPDATE, DELETE and INSERT OR REPLACE on it from any connection.
 *
 * Sessions: the table holds only the hash of a token (the caller hashes);
 * a lookup after the expiry time, or for a disabled user, finds nothing.
 * Expired rows are purged whenever a new session is stored.
 */
#include "vg.h"
#include "store/store_int.h"

#include <time.h>

/* ---------------------------------------------------------------- units */

static void unit_row(sqlite3_stmt *s, struct vg_unit *u, struct vg_arena *a)
{
	u->code = vg_sq_col_str(s, 0, a);
	u->name = vg_sq_col_str(s, 1, a);
	u->kind = vg_sq_col_str(s, 2, a);
	u->region = vg_sq_col_str(s, 3, a);
	u->beds = sqlite3_column_int64(s, 4);
	u->population = sqlite3_column_double(s, 5);
}

#define UNIT_COLS "SELECT code, name, kind, region, beds, population FROM units"

int sq_unit_get(struct vg_store *st, const char *code, struct vg_arena *a,
                struct vg_unit *out, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_UNIT_GET, UNIT_COLS " WHERE code = ?1", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, code);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		unit_row(s, out, a);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? vg_err_set(err, VG_ENOTFOUND, "unit", "no unit %s", code)
		                       : vg_sq_err(st, err, "reading unit");
	}
	sqlite3_reset(s);
	return rc;
}

static int unit_put_locked(struct vg_store *st, const struct vg_unit *u, const char *actor,
                           struct vg_err *err)
{
	struct vg_buf before = VG_BUF_INIT(0), after = VG_BUF_INIT(0);
	struct vg_err ignore = VG_ERR_INIT;
	struct vg_unit old;
	sqlite3_stmt *s;
	int rc = 0;

	vg_arena_reset(&st->scratch);
	if (actor && vg_store_unit_get(st, u->code, &st->scratch, &old, &ignore) == 0)
		vg_st_unit_json(&before, &old);
	s = vg_sq_stmt(st, S_UNIT_PUT,
		"INSERT INTO units(code, name, kind, region, beds, population)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(code) DO UPDATE SET"
		" name = excluded.name, kind = excluded.kind, region = excluded.region,"
		" beds = excluded.beds, population = excluded.population", err);
	if (!s) {
		rc = err->code;
		goto out;
	}
	vg_sq_bind_text(s, 1, u->code);
	vg_sq_bind_text(s, 2, u->name);
	vg_sq_bind_text(s, 3, u->kind);
	vg_sq_bind_text(s, 4, u->region);
	sqlite3_bind_int64(s, 5, u->beds);
	sqlite3_bind_double(s, 6, u->population);
	rc = vg_sq_exec_step(st, s, err, "storing unit");
	if (rc == 0 && actor) {
		vg_st_unit_json(&after, u);
		rc = vg_store_audit(st, actor, "unit.put", u->code, before.p, after.p, err);
	}
out:
	vg_buf_release(&before);
	vg_buf_release(&after);
	return rc;
}

int sq_unit_put(struct vg_store *st, const struct vg_unit *u, const char *actor,
                struct vg_err *err)
{
	bool own = false;
	int rc;

	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = unit_put_locked(st, u, actor, err);
	return vg_sq_tx_leave(st, own, rc, err);
}

/* A listing's callback and its context, for the row walkers below. */
struct walk {
	union {
		vg_unit_cb unit;
		vg_user_cb user;
		vg_audit_cb audit;
	} cb;
	void *ctx;
};

static int unit_each(sqlite3_stmt *s, struct vg_arena *a, void *arg)
{
	struct walk *w = arg;
	struct vg_unit u;

	unit_row(s, &u, a);
	return w->cb.unit(&u, w->ctx);
}

int sq_unit_list(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_UNIT_LIST, UNIT_COLS " ORDER BY code", err);
	struct walk w = {.cb.unit = cb, .ctx = ctx};
	struct vg_arena a;
	int rc;

	if (!s)
		return err->code;
	vg_arena_init(&a, 4096);
	rc = vg_sq_each_row(st, s, &a, unit_each, &w, "listing units", err);
	vg_arena_release(&a);
	return rc;
}

/* ---------------------------------------------------------------- users */

static void user_bind(sqlite3_stmt *s, const struct vg_user *u)
{
	vg_sq_bind_text(s, 1, u->name);
	sqlite3_bind_int(s, 2, u->role);
	vg_sq_bind_text(s, 3, u->unit);
	vg_sq_bind_text(s, 4, u->pwhash);
	sqlite3_bind_int(s, 5, u->disabled);
	sqlite3_bind_int(s, 6, u->failed_logins);
	sqlite3_bind_int64(s, 7, u->locked_until);
}

static int user_add_locked(struct vg_store *st, const struct vg_user *u, const char *actor,
                           struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_USER_ADD,
		"INSERT INTO users(name, role, unit, pwhash, disabled, failed_logins, locked_until)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	int rc;

	if (!s)
		return err->code;
	user_bind(s, u);
	rc = vg_sq_exec_step(st, s, err, "adding user");
	if (rc == VG_EEXIST)
		return vg_err_set(err, VG_EEXIST, "name", "user %s already exists", u->name);
	if (rc == 0 && actor) {
		struct vg_buf b = VG_BUF_INIT(0);
		vg_st_user_json(&b, u, false);
		rc = vg_store_audit(st, actor, "user.add", u->name, NULL, b.p, err);
		vg_buf_release(&b);
	}
	return rc;
}

int sq_user_add(struct vg_store *st, const struct vg_user *u, const char *actor,
                struct vg_err *err)
{
	bool own = false;
	int rc = vg_st_user_check(u, err);

	if (rc == 0)
		rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = user_add_locked(st, u, actor, err);
	return vg_sq_tx_leave(st, own, rc, err);
}

#define USER_COLS \
	"SELECT id, name, role, unit, pwhash, disabled, failed_logins, locked_until FROM users"

static void user_row(sqlite3_stmt *s, struct vg_user *u, struct vg_arena *a)
{
	u->id = sqlite3_column_int64(s, 0);
	u->name = vg_sq_col_str(s, 1, a);
	u->role = sqlite3_column_int(s, 2);
	u->unit = vg_sq_col_str(s, 3, a);
	u->pwhash = vg_sq_col_str(s, 4, a);
	u->disabled = sqlite3_column_int(s, 5);
	u->failed_logins = sqlite3_column_int(s, 6);
	u->locked_until = sqlite3_column_int64(s, 7);
}

int sq_user_get(struct vg_store *st, const char *name, struct vg_arena *a,
                struct vg_user *out, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_USER_GET, USER_COLS " WHERE name = ?1", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		user_row(s, out, a);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? vg_err_set(err, VG_ENOTFOUND, "name", "no user %s", name)
		                       : vg_sq_err(st, err, "reading user");
	}
	sqlite3_reset(s);
	return rc;
}

/* The stored row of user id (for the audit "before"). */
static int user_by_id(struct vg_store *st, int64_t id, struct vg_user *out, struct vg_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, USER_COLS " WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return vg_sq_err(st, err, "reading user");
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		user_row(s, out, &st->scratch);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? vg_err_set(err, VG_ENOTFOUND, "id", "no user %" PRId64, id)
		                       : vg_sq_err(st, err, "reading user");
	}
	sqlite3_finalize(s);
	return rc;
}

static int user_audit(struct vg_store *st, const struct vg_user *old, const struct vg_user *u,
                      const char *actor, struct vg_err *err)
{
	struct vg_buf before = VG_BUF_INIT(0), after = VG_BUF_INIT(0);
	int rc;

	vg_st_user_json(&before, old, false);
	vg_st_user_json(&after, u, strcmp(old->pwhash, u->pwhash) != 0);
	rc = vg_store_audit(st, actor, "user.update", u->name, before.p, after.p, err);
	vg_buf_release(&before);
	vg_buf_release(&after);
	return rc;
}

static int user_update_locked(struct vg_store *st, const struct vg_user *u, const char *actor,
                              struct vg_err *err)
{
	struct vg_user old;
	sqlite3_stmt *s;
	int rc;

	vg_arena_reset(&st->scratch);
	rc = user_by_id(st, u->id, &old, err);
	if (rc)
		return rc;
	s = vg_sq_stmt(st, S_USER_UPDATE,
		"UPDATE users SET name = ?1, role = ?2, unit = ?3, pwhash = ?4, disabled = ?5,"
		" failed_logins = ?6, locked_until = ?7 WHERE id = ?8", err);
	if (!s)
		return err->code;
	user_bind(s, u);
	sqlite3_bind_int64(s, 8, u->id);
	rc = vg_sq_exec_step(st, s, err, "updating user");
	if (rc == 0 && actor)
		rc = user_audit(st, &old, u, actor, err);
	return rc;
}

int sq_user_update(struct vg_store *st, const struct vg_user *u, const char *actor,
                   struct vg_err *err)
{
	bool own = false;
	int rc = vg_st_user_check(u, err);

	if (rc == 0)
		rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = user_update_locked(st, u, actor, err);
	return vg_sq_tx_leave(st, own, rc, err);
}

static int user_each(sqlite3_stmt *s, struct vg_arena *a, void *arg)
{
	struct walk *w = arg;
	struct vg_user u;

	user_row(s, &u, a);
	return w->cb.user(&u, w->ctx);
}

int sq_user_list(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_USER_LIST, USER_COLS " ORDER BY name", err);
	struct walk w = {.cb.user = cb, .ctx = ctx};
	struct vg_arena a;
	int rc;

	if (!s)
		return err->code;
	vg_arena_init(&a, 4096);
	rc = vg_sq_each_row(st, s, &a, user_each, &w, "listing users", err);
	vg_arena_release(&a);
	return rc;
}

/* ------------------------------------------------------------- sessions */

static int one_write(struct vg_store *st, sqlite3_stmt *s, const char *what, struct vg_err *err)
{
	bool own = false;
	int rc = vg_sq_tx_enter(st, &own, err);

	if (rc) {
		sqlite3_reset(s);
		return rc;
	}
	rc = vg_sq_exec_step(st, s, err, what);
	return vg_sq_tx_leave(st, own, rc, err);
}

static int sessions_purge(struct vg_store *st, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_SESSION_PURGE,
	                             "DELETE FROM sessions WHERE expires <= ?1", err);

	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	return vg_sq_exec_step(st, s, err, "purging sessions");
}

int sq_session_put(struct vg_store *st, const char *token_hash, int64_t user_id,
                   int64_t expires, struct vg_err *err)
{
	bool own = false;
	sqlite3_stmt *s;
	int rc;

	if (!token_hash || !*token_hash)
		return vg_err_set(err, VG_EINVAL, "token", "no token hash");
	rc = vg_sq_tx_enter(st, &own, err);
	if (rc)
		return rc;
	rc = sessions_purge(st, err);
	s = rc ? NULL : vg_sq_stmt(st, S_SESSION_PUT,
		"INSERT INTO sessions(token_hash, user_id, expires) VALUES (?1, ?2, ?3)", err);
	if (rc == 0 && !s)
		rc = err->code;
	if (rc == 0) {
		vg_sq_bind_text(s, 1, token_hash);
		sqlite3_bind_int64(s, 2, user_id);
		sqlite3_bind_int64(s, 3, expires);
		rc = vg_sq_exec_step(st, s, err, "storing session");
	}
	return vg_sq_tx_leave(st, own, rc, err);
}

int sq_session_get(struct vg_store *st, const char *token_hash, int64_t now,
                   int64_t *user_id, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_SESSION_GET,
		"SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id"
		" WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.disabled = 0", err);
	int rc;

	*user_id = 0;
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, token_hash);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*user_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE
			? vg_err_set(err, VG_ENOTFOUND, "token", "no such session, or it has expired")
			: vg_sq_err(st, err, "reading session");
	}
	sqlite3_reset(s);
	return rc;
}

int sq_session_delete(struct vg_store *st, const char *token_hash, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_SESSION_DELETE,
	                             "DELETE FROM sessions WHERE token_hash = ?1", err);

	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, token_hash);
	return one_write(st, s, "deleting session", err);
}

/* ---------------------------------------------------------------- audit */

int sq_audit(struct vg_store *st, const char *actor, const char *action,
             const char *object, const char *before, const char *after,
             struct vg_err *err)
{
	sqlite3_stmt *s;

	if (!actor || !action)
		return vg_err_set(err, VG_EINVAL, "actor", "an audit row needs an actor and an action");
	s = vg_sq_stmt(st, S_AUDIT_ADD,
		"INSERT INTO audit(actor, action, object, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
		err);
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, actor);
	vg_sq_bind_text(s, 2, action);
	vg_sq_bind_text(s, 3, object);
	vg_sq_bind_text(s, 4, before);
	vg_sq_bind_text(s, 5, after);
	return one_write(st, s, "writing audit row", err);
}

static int audit_each(sqlite3_stmt *s, struct vg_arena *a, void *arg)
{
	struct walk *w = arg;
	struct vg_audit_row r = {
		.id = sqlite3_column_int64(s, 0),
		.at = (const char *)sqlite3_column_text(s, 1),
		.actor = (const char *)sqlite3_column_text(s, 2),
		.action = (const char *)sqlite3_column_text(s, 3),
		.object = (const char *)sqlite3_column_text(s, 4),
		.before = (const char *)sqlite3_column_text(s, 5),
		.after = (const char *)sqlite3_column_text(s, 6),
	};

	(void)a;
	return w->cb.audit(&r, w->ctx);
}

int sq_audit_list(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
                  vg_audit_cb cb, void *ctx, struct vg_err *err)
{
	sqlite3_stmt *s = object
		? vg_sq_stmt(st, S_AUDIT_LIST_OBJ,
		             "SELECT id, at, actor, action, object, before, after FROM audit"
		             " WHERE object = ?1 ORDER BY id LIMIT ?2 OFFSET ?3", err)
		: vg_sq_stmt(st, S_AUDIT_LIST,
		             "SELECT id, at, actor, action, object, before, after FROM audit"
		             " ORDER BY id LIMIT ?2 OFFSET ?3", err);
	struct walk w = {.cb.audit = cb, .ctx = ctx};

	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, object);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
	sqlite3_bind_int64(s, 3, offset > 0 ? offset : 0);
	return vg_sq_each_row(st, s, NULL, audit_each, &w, "listing audit rows", err);
}

/* -------------------------------------------------------------- imports */

int sq_import_begin(struct vg_store *st, const char *format, const char *files,
                    int64_t *run_id, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_IMPORT_BEGIN,
	                             "INSERT INTO import_runs(format, files) VALUES (?1, ?2)", err);
	int rc;

	*run_id = 0;
	if (!format)
		return vg_err_set(err, VG_EINVAL, "format", "an import run needs a format");
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, format);
	vg_sq_bind_text(s, 2, files);
	rc = one_write(st, s, "starting import run", err);
	if (rc == 0)
		*run_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int sq_import_finish(struct vg_store *st, int64_t run_id, const struct vg_import_stats *x,
                     const char *status, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_IMPORT_FINISH,
		"UPDATE import_runs SET finished = strftime('%Y-%m-%dT%H:%M:%fZ','now'),"
		" status = ?2, rows_read = ?3, rows_rejected = ?4, cases_added = ?5,"
		" versions_added = ?6, versions_superseded = ?7, cases_deleted = ?8 WHERE id = ?1",
		err);
	int rc;

	if (!s)
		return err->code;
	sqlite3_bind_int64(s, 1, run_id);
	vg_sq_bind_text(s, 2, status ? status : "done");
	sqlite3_bind_int64(s, 3, x->rows_read);
	sqlite3_bind_int64(s, 4, x->rows_rejected);
	sqlite3_bind_int64(s, 5, x->cases_added);
	sqlite3_bind_int64(s, 6, x->versions_added);
	sqlite3_bind_int64(s, 7, x->versions_superseded);
	sqlite3_bind_int64(s, 8, x->cases_deleted);
	rc = one_write(st, s, "finishing import run", err);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = vg_err_set(err, VG_ENOTFOUND, "run_id", "no import run %" PRId64, run_id);
	return rc;
}

/* ------------------------------------------------------------- settings */

int sq_setting_put(struct vg_store *st, const char *key, const char *value,
                   struct vg_err *err)
{
	sqlite3_stmt *s;

	if (!key || !value)
		return vg_err_set(err, VG_EINVAL, "key", "a setting needs a key and a value");
	s = vg_sq_stmt(st, S_SETTING_PUT,
		"INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET"
		" value = excluded.value, updated = strftime('%Y-%m-%dT%H:%M:%fZ','now')", err);
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, key);
	vg_sq_bind_text(s, 2, value);
	return one_write(st, s, "storing setting", err);
}

int sq_setting_get(struct vg_store *st, const char *key, struct vg_arena *a,
                   const char **value, struct vg_err *err)
{
	sqlite3_stmt *s = vg_sq_stmt(st, S_SETTING_GET, "SELECT value FROM settings WHERE key = ?1",
	                             err);
	int rc;

	*value = NULL;
	if (!s)
		return err->code;
	vg_sq_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = vg_sq_col_str(s, 0, a);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? vg_err_set(err, VG_ENOTFOUND, "key", "no setting %s", key)
		                       : vg_sq_err(st, err, "reading setting");
	}
	sqlite3_reset(s);
	return rc;
}
