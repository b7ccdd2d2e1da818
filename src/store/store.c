/*
 * store.c - the backend-neutral face of store.h.
 *
 * vg_store_open picks the backend by URI ("postgresql://..." or
 * "postgres://..." -> pg.c; "sqlite:PATH", "sqlite://PATH" or a plain path
 * -> sqlite.c) and the backend sets st->ops; every other call goes through
 * that table.  Nothing here knows SQL.
 */
#include "vg.h"
#include "store/store_int.h"

static bool is_pg(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

int vg_store_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err)
{
	*out = NULL;
	if (!uri || !*uri)
		return vg_err_set(err, VG_EINVAL, NULL, "no database given");
	return is_pg(uri) ? vg_pg_open(uri, flags, out, err) : vg_sq_open(uri, flags, out, err);
}

int vg_store_schema_version(struct vg_store *st, int *version, int *applied_now,
                            struct vg_err *err)
{
	if (version)
		*version = st->schema_version;
	if (applied_now)
		*applied_now = st->applied_now;
	return 0;
}

const char *vg_store_backend(const struct vg_store *st)
{
	return st->ops->name;
}

void vg_store_close(struct vg_store *st)
{
	if (st)
		st->ops->close(st);
}

int vg_store_begin(struct vg_store *st, struct vg_err *err)
{
	return st->ops->begin(st, err);
}

int vg_store_commit(struct vg_store *st, struct vg_err *err)
{
	return st->ops->commit(st, err);
}

int vg_store_rollback(struct vg_store *st)
{
	return st->ops->rollback(st);
}

int vg_store_put_version(struct vg_store *st, const struct vg_case_version *v, const char *actor,
                         struct vg_put_result *res, struct vg_err *err)
{
	return st->ops->put_version(st, v, actor, res, err);
}

int vg_store_delete_case(struct vg_store *st, const char *case_id, bool *changed,
                         struct vg_err *err)
{
	return st->ops->delete_case(st, case_id, changed, err);
}

int vg_store_case_latest(struct vg_store *st, const char *case_id, struct vg_arena *a,
                         struct vg_case_version **out, struct vg_err *err)
{
	return st->ops->case_latest(st, case_id, a, out, err);
}

int vg_store_case_versions(struct vg_store *st, const char *case_id, struct vg_arena *a,
                           struct vg_case_version ***out, size_t *n, struct vg_err *err)
{
	return st->ops->case_versions(st, case_id, a, out, n, err);
}

int vg_store_case_list(struct vg_store *st, const struct vg_case_filter *f, vg_case_row_cb cb,
                       void *ctx, int64_t *total, struct vg_err *err)
{
	return st->ops->case_list(st, f, cb, ctx, total, err);
}

int vg_store_scan_latest(struct vg_store *st, bool all_cases, vg_version_cb cb, void *ctx,
                         struct vg_err *err)
{
	return st->ops->scan_latest(st, all_cases, cb, ctx, err);
}

int vg_store_scan_versions(struct vg_store *st, vg_version_cb cb, void *ctx, struct vg_err *err)
{
	return st->ops->scan_versions(st, cb, ctx, err);
}

int vg_store_case_set_status(struct vg_store *st, const char *case_id, int status,
                             const char *comment, const char *actor, struct vg_err *err)
{
	return st->ops->case_set_status(st, case_id, status, comment, actor, err);
}

int vg_store_case_set_duplicate(struct vg_store *st, const char *case_id, const char *master,
                                const char *actor, struct vg_err *err)
{
	return st->ops->case_set_duplicate(st, case_id, master, actor, err);
}

int vg_store_info(struct vg_store *st, struct vg_store_info *out, struct vg_err *err)
{
	return st->ops->info(st, out, err);
}

int vg_store_unit_put(struct vg_store *st, const struct vg_unit *u, const char *actor,
                      struct vg_err *err)
{
	/* checked here, before either backend */
	if (!u->code || !*u->code)
		return vg_err_set(err, VG_EINVAL, "code", "a unit needs a code");
	return st->ops->unit_put(st, u, actor, err);
}

int vg_store_unit_get(struct vg_store *st, const char *code, struct vg_arena *a,
                      struct vg_unit *out, struct vg_err *err)
{
	return st->ops->unit_get(st, code, a, out, err);
}

int vg_store_unit_list(struct vg_store *st, vg_unit_cb cb, void *ctx, struct vg_err *err)
{
	return st->ops->unit_list(st, cb, ctx, err);
}

int vg_store_user_add(struct vg_store *st, const struct vg_user *u, const char *actor,
                      struct vg_err *err)
{
	return st->ops->user_add(st, u, actor, err);
}

int vg_store_user_get(struct vg_store *st, const char *name, struct vg_arena *a,
                      struct vg_user *out, struct vg_err *err)
{
	return st->ops->user_get(st, name, a, out, err);
}

int vg_store_user_update(struct vg_store *st, const struct vg_user *u, const char *actor,
                         struct vg_err *err)
{
	return st->ops->user_update(st, u, actor, err);
}

int vg_store_user_list(struct vg_store *st, vg_user_cb cb, void *ctx, struct vg_err *err)
{
	return st->ops->user_list(st, cb, ctx, err);
}

int vg_store_session_put(struct vg_store *st, const char *token_hash, int64_t user_id,
                         int64_t expires, struct vg_err *err)
{
	return st->ops->session_put(st, token_hash, user_id, expires, err);
}

int vg_store_session_get(struct vg_store *st, const char *token_hash, int64_t now, int64_t *user_id,
                         struct vg_err *err)
{
	return st->ops->session_get(st, token_hash, now, user_id, err);
}

int vg_store_session_delete(struct vg_store *st, const char *token_hash, struct vg_err *err)
{
	return st->ops->session_delete(st, token_hash, err);
}

int vg_store_audit(struct vg_store *st, const char *actor, const char *action, const char *object,
                   const char *before, const char *after, struct vg_err *err)
{
	return st->ops->audit(st, actor, action, object, before, after, err);
}

int vg_store_audit_list(struct vg_store *st, const char *object, int64_t limit, int64_t offset,
                        vg_audit_cb cb, void *ctx, struct vg_err *err)
{
	return st->ops->audit_list(st, object, limit, offset, cb, ctx, err);
}

int vg_store_import_begin(struct vg_store *st, const char *format, const char *files,
                          int64_t *run_id, struct vg_err *err)
{
	return st->ops->import_begin(st, format, files, run_id, err);
}

int vg_store_import_finish(struct vg_store *st, int64_t run_id, const struct vg_import_stats *s,
                           const char *status, struct vg_err *err)
{
	return st->ops->import_finish(st, run_id, s, status, err);
}

int vg_store_setting_put(struct vg_store *st, const char *key, const char *value,
                         struct vg_err *err)
{
	return st->ops->setting_put(st, key, value, err);
}

int vg_store_setting_get(struct vg_store *st, const char *key, struct vg_arena *a,
                         const char **value, struct vg_err *err)
{
	return st->ops->setting_get(st, key, a, value, err);
}
