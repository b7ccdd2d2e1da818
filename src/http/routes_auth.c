/*
 * routes_auth.c - login, logout, who am I.
 *
 *   POST /api/v1/login   {"username", "password"} -> 200 {"token", "expires", "user"}
 *   POST /api/v1/logout  (token) -> 200, the session row is deleted
 *   GET  /api/v1/me      (token) -> the user behind the token
 *
 * Login order of checks: the address's failure window (429), the account
 * (unknown, disabled and wrong password all answer the same 401 after the
 * same argon2id work), the account lock (429 with Retry-After).  The
 * argon2id verification runs on the CPU pool (pool.c), never on a polling
 * thread.  A failure
 * increments the account's failed_logins through the writer before the
 * 401 goes out, so concurrent guesses cannot race past the limit; after
 * cfg->login_fail_account consecutive failures the account is locked for
 * 60 s, doubling with each further failure, at most one hour.  A success
 * resets the counter.
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "http/http_int.h"

#include <sodium.h>
#include <time.h>

const char *vg_http_role_name(int role)
{
	return role == VG_USER_REPORTER ? "reporter"
	     : role == VG_USER_REVIEWER ? "reviewer"
	     : role == VG_USER_ADMIN ? "admin" : "unknown";
}

json_t *vg_http_user_json(const struct vg_http_user *u)
{
	json_t *j = json_pack("{s:s,s:s}", "name", u->name, "role", vg_http_role_name(u->role));

	if (u->unit[0])
		json_object_set_new(j, "unit", json_string(u->unit));
	return j;
}

struct login {
	char name[VG_HTTP_NAME_MAX];
	char *pw;              /* arena copy, wiped after verification */
	const char *pwhash;    /* the account's, or the dummy */
	bool unknown;          /* no such account, or disabled */
	char token[64], hash[65];
	int64_t expires;
	struct vg_http_user user;
	bool ok;
	unsigned fail_limit;
	int64_t locked_for;
};

static int64_t lock_seconds(int failures, unsigned limit)
{
	int over = failures - (int)limit;
	int64_t s = 60;

	while (over-- > 0 && s < 3600)
		s *= 2;
	return s > 3600 ? 3600 : s;
}

/* Writer job: record the outcome on the account, open the session. */
static int login_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct login *l = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_user u;
	int rc;

	vg_arena_init(&a, 4096);
	rc = vg_store_user_get(st, l->name, &a, &u, err);
	if (rc != 0)
		goto out;
	if (l->ok) {
		if (u.failed_logins || u.locked_until) {
			u.failed_logins = 0;
			u.locked_until = 0;
			if ((rc = vg_store_user_update(st, &u, NULL, err)) != 0)
				goto out;
		}
		rc = vg_store_session_put(st, l->hash, u.id, l->expires, err);
		goto out;
	}
	u.failed_logins++;
	if ((unsigned)u.failed_logins >= l->fail_limit) {
		l->locked_for = lock_seconds(u.failed_logins, l->fail_limit);
		u.locked_until = (int64_t)time(NULL) + l->locked_for;
	}
	rc = vg_store_user_update(st, &u, NULL, err);
out:
	vg_arena_release(&a);
	return rc;
}

static int login_done(struct vg_req *r)
{
	struct login *l = r->state;

	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	if (!l->ok) {
		atomic_fetch_add(&vg_req_metrics(r)->logins_failed, 1);
		return vg_reply_error(r, 401, "bad_credentials", "wrong user name or password");
	}
	atomic_fetch_add(&vg_req_metrics(r)->logins_ok, 1);
	vg_auth_remember(vg_req_auth(r), l->hash, &l->user, l->expires);
	return vg_reply_json(r, 200, json_pack("{s:s,s:I,s:o}", "token", l->token, "expires",
	                                       (json_int_t)l->expires, "user",
	                                       vg_http_user_json(&l->user)));
}

static int too_many(struct vg_req *r, int64_t wait)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, wait);
	vg_req_add_header(r, "Retry-After", s);
	atomic_fetch_add(&vg_req_metrics(r)->logins_limited, 1);
	return vg_reply_error(r, 429, "too_many_attempts",
	                      "too many failed logins; try again in %" PRId64 " s", wait);
}

/* Pool job: argon2id off the polling threads (pool.c). */
static int verify_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct login *l = j->ctx;

	VG_UNUSED(st);
	VG_UNUSED(err);
	l->ok = vg_http_pwverify(l->pwhash, l->pw) && !l->unknown;
	sodium_memzero(l->pw, strlen(l->pw));
	return 0;
}

static int verify_done(struct vg_req *r)
{
	struct login *l = r->state;

	if (!l->ok)
		vg_auth_addr_failed(vg_req_auth(r), r->addr);
	if (l->unknown) {
		atomic_fetch_add(&vg_req_metrics(r)->logins_failed, 1);
		return vg_reply_error(r, 401, "bad_credentials", "wrong user name or password");
	}
	if (l->ok) {
		vg_auth_token_new(l->token);
		vg_auth_token_hash(l->token, l->hash);
		l->expires = (int64_t)time(NULL) + vg_req_cfg(r)->session_ttl;
	}
	r->touch = VG_TOUCH_NONE;
	return vg_req_write(r, login_run, l, login_done);
}

/* Look the account up, then verify the password (or the dummy hash, for
 * an unknown or disabled account) on the pool. */
static int login_check(struct vg_req *r, struct login *l)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	struct vg_user u;
	int rc;

	if (!st)
		return vg_reply_err(r, &err);
	rc = vg_store_user_get(st, l->name, &r->arena, &u, &err);
	if (rc != 0 && rc != VG_ENOTFOUND)
		return vg_reply_err(r, &err);
	l->unknown = rc == VG_ENOTFOUND || u.disabled;
	l->pwhash = l->unknown ? vg_auth_dummy_hash(vg_req_auth(r)) : u.pwhash;
	if (!l->unknown && u.locked_until > (int64_t)time(NULL))
		return too_many(r, u.locked_until - (int64_t)time(NULL));
	if (!l->unknown) {
		l->user.id = u.id;
		l->user.role = u.role;
		vg_strlcpy(l->user.name, u.name, sizeof(l->user.name));
		vg_strlcpy(l->user.unit, u.unit ? u.unit : "", sizeof(l->user.unit));
	}
	return vg_req_offload(r, verify_run, l, verify_done);
}

static int h_login(struct vg_req *r)
{
	json_t *body = vg_req_json_body(r);
	const char *name, *pw;
	struct login *l;
	int64_t wait;

	if (!body)
		return 0;
	name = vg_json_str(body, "username");
	pw = vg_json_str(body, "password");
	if (!name || !pw || !*name || strlen(name) >= VG_HTTP_NAME_MAX || strlen(pw) > 1024) {
		json_decref(body);
		return vg_reply_error(r, 400, "invalid", "username (1-63 bytes) and password required");
	}
	if ((wait = vg_auth_addr_blocked(vg_req_auth(r), r->addr)) > 0) {
		json_decref(body);
		return too_many(r, wait);
	}
	l = vg_arena_calloc(&r->arena, 1, sizeof(*l));
	vg_strlcpy(l->name, name, sizeof(l->name));
	l->fail_limit = vg_req_cfg(r)->login_fail_account ? vg_req_cfg(r)->login_fail_account : 5;
	r->state = l;
	l->pw = vg_arena_strdup(&r->arena, pw);
	json_decref(body);
	return login_check(r, l);
}

static int logout_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct vg_req *r = j->req;

	return vg_store_session_delete(st, r->token_hash, err);
}

static int logout_done(struct vg_req *r)
{
	vg_auth_forget_token(vg_req_auth(r), r->token_hash);
	if (r->job.rc != 0 && r->job.rc != VG_ENOTFOUND)
		return vg_reply_err(r, &r->job.err);
	return vg_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static int h_logout(struct vg_req *r)
{
	r->touch = VG_TOUCH_NONE;
	return vg_req_write(r, logout_run, NULL, logout_done);
}

static int h_me(struct vg_req *r)
{
	return vg_reply_json(r, 200, vg_http_user_json(&r->user));
}

const struct vg_route vg_routes_auth[] = {
	{"POST", "/api/v1/login", VG_RP_PUBLIC, h_login, 4096},
	{"POST", "/api/v1/logout", VG_RP_ANY, h_logout, 4096},
	{"GET", "/api/v1/me", VG_RP_ANY, h_me, 0},
	{NULL, NULL, 0, NULL, 0},
};

int vg_http_role_parse(const char *s)
{
	for (int role = VG_USER_REPORTER; role <= VG_USER_ADMIN; role++)
		if (s && strcmp(s, vg_http_role_name(role)) == 0)
			return role;
	return -1;
}
