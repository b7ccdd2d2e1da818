/*
 * routes_admin.c - the audit log, reporting units, user accounts.
 *
 *   GET  /api/v1/audit?object=&limit=&offset=   reviewer, admin (read only:
 *                                               no route writes the log)
 *   GET  /api/v1/units                          any role
 *   POST /api/v1/units  {"code","name","kind"?,"region"?}      admin
 *   GET  /api/v1/users                          admin
 *   POST /api/v1/users  {"name","role","unit"?,"password"}    admin
 *   POST /api/v1/users/{name}/disable | /enable                admin
 *
 * Account changes purge the session cache of the user at once.  Password
 * hashes never leave the server.
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "http/http_int.h"

/* ------------------------------------------------------------ audit */

static json_t *maybe_json(const char *s)
{
	json_t *j;

	if (!s)
		return json_null();
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(s);
}

static int audit_cb(const struct vg_audit_row *row, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:o,s:o}", "id",
	                                     (json_int_t)row->id, "at", row->at, "actor",
	                                     row->actor, "action", row->action, "object",
	                                     row->object, "before", maybe_json(row->before),
	                                     "after", maybe_json(row->after)));
	return 0;
}

static int h_audit(struct vg_req *r)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	int64_t limit, offset;
	json_t *arr;

	if (!st)
		return vg_reply_err(r, &err);
	if (vg_query_int(r, "limit", 100, 1000, &limit) || vg_query_int(r, "offset", 0, INT64_MAX / 2, &offset))
		return 0;
	arr = json_array();
	if (vg_store_audit_list(st, vg_req_query(r, "object"), limit ? limit : 100, offset, audit_cb,
	                        arr, &err) != 0) {
		json_decref(arr);
		return vg_reply_err(r, &err);
	}
	return vg_reply_json(r, 200, json_pack("{s:I,s:I,s:o}", "limit", (json_int_t)limit,
	                                       "offset", (json_int_t)offset, "results", arr));
}

/* ------------------------------------------------------------ units */

static int unit_cb(const struct vg_unit *u, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s?,s:s?,s:s?}", "code", u->code, "name",
	                                     u->name, "kind", u->kind, "region", u->region));
	return 0;
}

/* {"results": arr} when the listing (rc) succeeded, else the error. */
static int reply_results(struct vg_req *r, json_t *arr, int rc, struct vg_err *err)
{
	if (rc != 0) {
		json_decref(arr);
		return vg_reply_err(r, err);
	}
	return vg_reply_json(r, 200, json_pack("{s:o}", "results", arr));
}

static int h_units(struct vg_req *r)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	json_t *arr = json_array();

	return reply_results(r, arr, st ? vg_store_unit_list(st, unit_cb, arr, &err) : VG_EDB,
	                     &err);
}

struct acct {
	struct vg_unit unit;
	struct vg_user user;
	const char *actor;
	bool disable;
};

static int unit_add_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct acct *a = j->ctx;

	return vg_store_unit_put(st, &a->unit, a->actor, err);
}

static int ok_done(struct vg_req *r)
{
	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	return vg_reply_json(r, r->status == 201 ? 201 : 200, json_pack("{s:b}", "ok", 1));
}

static const char *str_field(struct vg_req *r, json_t *b, const char *k, size_t max, bool *bad)
{
	const char *s = vg_json_str(b, k);

	if (s && (!*s || strlen(s) > max))
		*bad = true;
	return s ? vg_arena_strdup(&r->arena, s) : NULL;
}

static int h_unit_add(struct vg_req *r)
{
	json_t *b = vg_req_json_body(r);
	struct acct *a;
	bool bad = false;

	if (!b)
		return 0;
	a = vg_arena_calloc(&r->arena, 1, sizeof(*a));
	a->unit.code = str_field(r, b, "code", 64, &bad);
	a->unit.name = str_field(r, b, "name", 200, &bad);
	a->unit.kind = str_field(r, b, "kind", 64, &bad);
	a->unit.region = str_field(r, b, "region", 64, &bad);
	/* "" rather than NULL: the store's audit JSON needs strings. */
	a->unit.kind = a->unit.kind ? a->unit.kind : "";
	a->unit.region = a->unit.region ? a->unit.region : "";
	json_decref(b);
	if (bad || !a->unit.code || !a->unit.name || !vg_http_id_ok(a->unit.code))
		return vg_reply_error(r, 422, "invalid",
		                      "code ([A-Za-z0-9._:-], <= 64) and name (<= 200 bytes) required");
	a->actor = vg_arena_strdup(&r->arena, r->user.name);
	r->status = 201;
	r->touch = VG_TOUCH_NONE;
	return vg_req_write(r, unit_add_run, a, ok_done);
}

/* ------------------------------------------------------------ users */

static int user_cb(const struct vg_user *u, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s?,s:b,s:i}", "id", (json_int_t)u->id,
	                                     "name", u->name, "role", vg_http_role_name(u->role),
	                                     "unit", u->unit, "disabled", u->disabled,
	                                     "failed_logins", u->failed_logins));
	return 0;
}

static int h_users(struct vg_req *r)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	json_t *arr = json_array();

	return reply_results(r, arr, st ? vg_store_user_list(st, user_cb, arr, &err) : VG_EDB,
	                     &err);
}

static int user_add_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct acct *a = j->ctx;
	struct vg_arena ar = VG_ARENA_INIT;
	struct vg_unit u;
	int rc = 0;

	vg_arena_init(&ar, 1024);
	if (a->user.unit)
		rc = vg_store_unit_get(st, a->user.unit, &ar, &u, err);
	vg_arena_release(&ar);
	if (rc == VG_ENOTFOUND)
		rc = vg_err_set(err, VG_EINVAL, "unit", "no unit %s", a->user.unit);
	return rc ? rc : vg_store_user_add(st, &a->user, a->actor, err);
}

static int h_user_add(struct vg_req *r)
{
	json_t *b = vg_req_json_body(r);
	struct vg_err err = VG_ERR_INIT;
	char hash[VG_HTTP_PWHASH_MAX];
	struct acct *a;
	bool bad = false;
	const char *role, *pw;

	if (!b)
		return 0;
	a = vg_arena_calloc(&r->arena, 1, sizeof(*a));
	a->user.name = str_field(r, b, "name", VG_HTTP_NAME_MAX - 1, &bad);
	a->user.unit = str_field(r, b, "unit", VG_HTTP_NAME_MAX - 1, &bad);
	role = vg_json_str(b, "role");
	a->user.role = vg_http_role_parse(role);
	pw = vg_json_str(b, "password");
	if (bad || !a->user.name || a->user.role < 0 || !pw ||
	    (a->user.role == VG_USER_REPORTER) != (a->user.unit != NULL) ||
	    vg_http_pwhash(pw, vg_req_cfg(r)->pwcost, hash, &err) != 0) {
		json_decref(b);
		return vg_reply_error(r, 422, "invalid",
		                      "name, role (reporter|reviewer|admin), password (1-1024 bytes) "
		                      "required; unit for reporters only");
	}
	json_decref(b);
	a->user.pwhash = vg_arena_strdup(&r->arena, hash);
	a->actor = vg_arena_strdup(&r->arena, r->user.name);
	r->status = 201;
	r->touch = VG_TOUCH_NONE;
	return vg_req_write(r, user_add_run, a, ok_done);
}

static int user_flag_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct acct *a = j->ctx;
	struct vg_arena ar = VG_ARENA_INIT;
	struct vg_user u;
	int rc;

	vg_arena_init(&ar, 1024);
	rc = vg_store_user_get(st, a->user.name, &ar, &u, err);
	if (rc == 0) {
		u.disabled = a->disable;
		if (!a->disable)
			u.failed_logins = 0, u.locked_until = 0;
		a->user.id = u.id;
		rc = vg_store_user_update(st, &u, a->actor, err);
	}
	vg_arena_release(&ar);
	return rc;
}

static int flag_done(struct vg_req *r)
{
	struct acct *a = r->state;

	if (r->job.rc == 0)
		vg_auth_forget_user(vg_req_auth(r), a->user.id);
	return ok_done(r);
}

static int user_flag(struct vg_req *r, bool disable)
{
	struct acct *a = vg_arena_calloc(&r->arena, 1, sizeof(*a));

	a->user.name = vg_req_param(r, "name");
	a->disable = disable;
	a->actor = vg_arena_strdup(&r->arena, r->user.name);
	r->state = a;
	r->touch = VG_TOUCH_NONE;
	return vg_req_write(r, user_flag_run, a, flag_done);
}

static int h_disable(struct vg_req *r) { return user_flag(r, true); }
static int h_enable(struct vg_req *r) { return user_flag(r, false); }

const struct vg_route vg_routes_admin[] = {
	{"GET", "/api/v1/audit", VG_RP_STAFF, h_audit, 0},
	{"GET", "/api/v1/units", VG_RP_ANY, h_units, 0},
	{"POST", "/api/v1/units", VG_RP_ADMIN, h_unit_add, 8192},
	{"GET", "/api/v1/users", VG_RP_ADMIN, h_users, 0},
	{"POST", "/api/v1/users", VG_RP_ADMIN, h_user_add, 8192},
	{"POST", "/api/v1/users/{name}/disable", VG_RP_ADMIN, h_disable, 1024},
	{"POST", "/api/v1/users/{name}/enable", VG_RP_ADMIN, h_enable, 1024},
	{NULL, NULL, 0, NULL, 0},
};
