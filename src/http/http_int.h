/*
 * http_int.h - what the files of src/http/ share: the request object, the
 * route-table contract, the writer queue, sessions and metrics.
 *
 * Request lifetime (server.c):
 *
 *   headers in --> match route --> 404/405/503 | cap check (413) |
 *                  authenticate (401) | role check (403)
 *   body chunks --> r->body (capped; past the cap -> 413 at the end)
 *   body done  --> handler(r) --> 0: response in r->status / r->out
 *                             --> VG_HTTP_ASYNC: a writer job was queued and
 *                                the connection suspended; when the group
 *                                commit is on disk the writer resumes it and
 *                                r->on_done(r) builds the response
 *   completed  --> arena released, request freed
 *
 * Everything a handler allocates comes from r->arena (STYLE.md #8).
 */
#ifndef VG_HTTP_INT_H
#define VG_HTTP_INT_H

#include "vg.h"
#include "util/util.h"
#include "http/http.h"

#include <stdatomic.h>
#include <pthread.h>
#include <jansson.h>

struct MHD_Connection;
struct vg_store;

/* ------------------------------------------------------------ roles */

/* Role bits of a route: who may call it.  0 = public (no token needed). */
enum {
	VG_RP_PUBLIC = 0,
	VG_RP_REPORTER = 1u << 1, /* == 1 << VG_USER_REPORTER */
	VG_RP_REVIEWER = 1u << 2,
	VG_RP_ADMIN = 1u << 3,
	VG_RP_STAFF = VG_RP_REVIEWER | VG_RP_ADMIN,
	VG_RP_ANY = VG_RP_REPORTER | VG_RP_REVIEWER | VG_RP_ADMIN,
};

#define VG_HTTP_NAME_MAX 64
struct vg_http_user {
	int64_t id;
	int role; /* enum vg_user_role */
	char name[VG_HTTP_NAME_MAX];
	char unit[VG_HTTP_NAME_MAX]; /* "" unless a reporter */
};

/* ------------------------------------------------------------ routes */

struct vg_req;
typedef int (*vg_route_fn)(struct vg_req *r);
#define VG_HTTP_ASYNC 1 /* handler return: a writer job is pending */

/*
 * One entry of a resource's route table.  pattern segments "{name}" capture
 * one path segment (vg_req_param(r, "name")).  max_body 0 means the
 * configured JSON cap.  Each routes_*.c file exports a table ending with a
 * zeroed entry; routes.c lists the tables.
 */
struct vg_route {
	const char *method;
	const char *pattern;
	unsigned roles;
	vg_route_fn handler;
	size_t max_body; /* 0: cfg->max_body; VG_BODY_UPLOAD: cfg->max_upload */
};
#define VG_BODY_UPLOAD ((size_t)-1)

extern const struct vg_route vg_routes_auth[];
extern const struct vg_route vg_routes_cases[];
extern const struct vg_route vg_routes_review[];
extern const struct vg_route vg_routes_admin[];
extern const struct vg_route vg_routes_system[];
extern const struct vg_route vg_routes_openfda[];
extern const struct vg_route vg_routes_e2b[];
extern const struct vg_route *const vg_route_tables[];

#define VG_HTTP_MAX_PARAMS 4
/* Find the route for method + path.  Returns it and fills names/values of
 * the captures (values in a); NULL with *method_mismatch set when the path
 * exists under another method. */
const struct vg_route *vg_route_match(const char *method, const char *path,
                                      struct vg_arena *a, const char **names,
                                      const char **values, int *nparams,
                                      bool *method_mismatch);

/* ------------------------------------------------------------ writer */

/*
 * A unit of work for the writer thread.  run() executes inside the group's
 * transaction; it must make every check before its first write and return
 * a "clean" error (ENOTFOUND, EEXIST, ECONFLICT, EPERM, EINVAL) only then.
 * Any other error makes the writer roll the group back and rerun its jobs
 * one transaction each, so one bad job never takes others with it, and
 * never leaves part of itself behind.  run() may be called more than once.
 */
/* What a job's commit may have changed, for the caches. */
enum { VG_TOUCH_ALL = 0, VG_TOUCH_NONE = 1, VG_TOUCH_CASE = 2 };

struct vg_wjob {
	int (*run)(struct vg_store *st, struct vg_wjob *j, struct vg_err *err);
	void *ctx;
	int touch;            /* VG_TOUCH_*; ALL unless the handler says better */
	const char *touch_id; /* VG_TOUCH_CASE: the case id */
	int rc;
	struct vg_err err;
	struct vg_req *req;  /* resumed when done; NULL: detached (heap, freed) */
	struct vg_wjob *next;
	atomic_bool done;
};

struct vg_writer;
int vg_writer_start(struct vg_http_server *srv, struct vg_store *st, struct vg_writer **out,
                    struct vg_err *err);
/* Queue j.  With j->req set the request must already be suspended. */
void vg_writer_submit(struct vg_writer *w, struct vg_wjob *j);
/* Jobs queued or running. */
unsigned vg_writer_pending(struct vg_writer *w);
/* Finish the queue, stop the thread, free w (the store is not closed). */
void vg_writer_stop(struct vg_writer *w);
/* server.c: mark j done and resume its suspended request. */
void vg_http_job_finished(struct vg_wjob *j);
/* Incremented after every commit that may have changed cases (openFDA
 * snapshot). */
uint64_t vg_writer_generation(struct vg_writer *w);

/* pool.c: threads for CPU-heavy work (argon2id); jobs run with st NULL. */
struct vg_pool;
struct vg_pool *vg_pool_start(unsigned n);
void vg_pool_submit(struct vg_pool *p, struct vg_wjob *j);
unsigned vg_pool_pending(struct vg_pool *p);
void vg_pool_stop(struct vg_pool *p);

/* ------------------------------------------------------------ request */

struct vg_req {
	struct vg_http_server *srv;
	struct MHD_Connection *conn;
	struct vg_arena arena;
	const struct vg_route *route;
	const char *method, *path;
	const char *pnames[VG_HTTP_MAX_PARAMS], *pvalues[VG_HTTP_MAX_PARAMS];
	int nparams;
	struct vg_buf body;
	size_t body_cap, discarded;
	bool too_big, responded, suspended, close;
	bool authed;
	struct vg_http_user user;
	char token_hash[68];
	char addr[64];
	/* response */
	int status;
	struct vg_buf out;
	const char *content_type;
	const char *hdr_name[3], *hdr_value[3];
	int nhdr;
	/* async */
	int touch;            /* copied into the next job (VG_TOUCH_*) */
	const char *touch_id;
	struct vg_wjob job;
	int (*on_done)(struct vg_req *r);
	void *state; /* handler's own, arena-owned */
	double t0;
};

/* Path capture / query argument (NULL when absent). */
const char *vg_req_param(struct vg_req *r, const char *name);
const char *vg_req_query(struct vg_req *r, const char *name);
const char *vg_req_header(struct vg_req *r, const char *name);
void vg_req_add_header(struct vg_req *r, const char *name, const char *value);
/* The per-thread read store (opened lazily). */
struct vg_store *vg_req_store(struct vg_req *r, struct vg_err *err);
/* Queue r->job (run/ctx set by the caller) and suspend; on_done builds the
 * response.  Returns VG_HTTP_ASYNC for the handler to return. */
int vg_req_write(struct vg_req *r, int (*run)(struct vg_store *, struct vg_wjob *, struct vg_err *),
                 void *ctx, int (*on_done)(struct vg_req *));
/* Same, but run on the CPU pool (st is NULL in run); on_done may chain a
 * vg_req_write and return VG_HTTP_ASYNC. */
int vg_req_offload(struct vg_req *r, int (*run)(struct vg_store *, struct vg_wjob *, struct vg_err *),
                   void *ctx, int (*on_done)(struct vg_req *));
const struct vg_http_config *vg_req_cfg(struct vg_req *r);
struct vg_writer *vg_req_writer(struct vg_req *r);

/* ------------------------------------------------------------ shared by routes */

/* A case id as the API accepts it: 1-100 of [A-Za-z0-9._:-], not "." or "..". */
bool vg_http_id_ok(const char *id);
/* Latest version of case id if r's user may see it (reporters: own unit);
 * otherwise answers 404 (or 5xx) itself and returns NULL. */
struct vg_case_version;
struct vg_case_version *vg_http_case_visible(struct vg_req *r, const char *id);
/* {"name", "role", "unit"?} */
json_t *vg_http_user_json(const struct vg_http_user *u);
const char *vg_http_role_name(int role); /* "reporter", "reviewer", "admin" */
int vg_http_role_parse(const char *s);   /* -1 when unknown */

/* ------------------------------------------------------------ json.c */

/* Respond with j (stolen: decref'd here) and status. */
int vg_reply_json(struct vg_req *r, int status, json_t *j);
/* Respond {"error": {"code": code, "message": msg}}. */
int vg_reply_error(struct vg_req *r, int status, const char *code, const char *fmt, ...)
	VG_PRINTF(4, 5);
/* Respond from a vg_err: status chosen from err->code. */
int vg_reply_err(struct vg_req *r, const struct vg_err *err);
int vg_http_status_of(int code);
/* 4xx with every problem: {"error": {"code", "message", "problems": [{field, kind, message}]}} */
struct vg_problems;
int vg_reply_problems(struct vg_req *r, int status, const char *msg,
                      const struct vg_problems *p);
/* The problems of p as a JSON array: errors and minimum-element problems,
 * or (warnings true) only the warnings. */
json_t *vg_problems_json(const struct vg_problems *p, bool warnings);
/* Parse the body as one JSON object (strict UTF-8, no duplicate keys, no
 * NUL).  On failure responds 400 itself and returns NULL. */
json_t *vg_req_json_body(struct vg_req *r);
/* Strings of a JSON object (NULL when absent or not a string). */
const char *vg_json_str(const json_t *o, const char *key);
/* Parse a non-negative integer query parameter with default and cap. */
int vg_query_int(struct vg_req *r, const char *name, int64_t def, int64_t max, int64_t *out);

/* ------------------------------------------------------------ auth.c */

struct vg_auth;
struct vg_auth *vg_auth_new(const struct vg_http_config *cfg, struct vg_err *err);
void vg_auth_free(struct vg_auth *a);
/* Authenticate a bearer token: fills r->user and r->token_hash, or returns
 * VG_EAUTH. */
int vg_auth_check(struct vg_auth *a, struct vg_req *r, const char *token);
/* Forget cached sessions of user id (after disable / password change). */
void vg_auth_forget_user(struct vg_auth *a, int64_t user_id);
void vg_auth_forget_token(struct vg_auth *a, const char *token_hash);
/* Hex digest of a token (BLAKE2b-256), 64 chars + NUL. */
void vg_auth_token_hash(const char *token, char out[65]);
/* A fresh random token, 43 chars base64url + NUL. */
void vg_auth_token_new(char out[64]);
/* Login rate limiting: returns seconds to wait (0: go ahead). */
int64_t vg_auth_addr_blocked(struct vg_auth *a, const char *addr);
void vg_auth_addr_failed(struct vg_auth *a, const char *addr);
const char *vg_auth_dummy_hash(struct vg_auth *a);
struct vg_auth *vg_req_auth(struct vg_req *r);
/* Remember a freshly logged-in session. */
void vg_auth_remember(struct vg_auth *a, const char *token_hash, const struct vg_http_user *u,
                      int64_t expires);
int vg_auth_sessions(struct vg_auth *a);

/* ------------------------------------------------------------ rcache.c */

struct vg_rcache;
struct vg_rcache_ticket {
	uint64_t epoch, all;
	double at;
};
struct vg_rcache *vg_rcache_new(void);
void vg_rcache_free(struct vg_rcache *c);
/* Take before reading the database; put with it afterwards. */
void vg_rcache_ticket(struct vg_rcache *c, const char *id, struct vg_rcache_ticket *t);
/* Append the cached body of id to out, and its unit; false on a miss. */
bool vg_rcache_get(struct vg_rcache *c, const char *id, struct vg_buf *out,
                   char unit[VG_HTTP_NAME_MAX]);
void vg_rcache_put(struct vg_rcache *c, const char *id, const struct vg_rcache_ticket *t,
                   const char *unit, const char *text, size_t len);
/* After a commit that changed case id / possibly any case. */
void vg_rcache_invalidate(struct vg_rcache *c, const char *id);
void vg_rcache_invalidate_all(struct vg_rcache *c);
struct vg_rcache *vg_server_rcache(struct vg_http_server *s);
struct vg_rcache *vg_req_rcache(struct vg_req *r);

/* ------------------------------------------------------------ metrics.c */

struct vg_metrics {
	atomic_uint_fast64_t req_total[6];  /* by status class 1xx..5xx, [0] other */
	atomic_uint_fast64_t lat_bucket[12];/* latency histogram, see metrics.c */
	atomic_uint_fast64_t lat_sum_us;
	atomic_uint_fast64_t submissions;   /* versions stored through the API */
	atomic_uint_fast64_t late_submissions;
	atomic_uint_fast64_t rejected;      /* 4xx validation rejections */
	atomic_uint_fast64_t batches, batch_jobs, batch_retries;
	atomic_uint_fast64_t logins_ok, logins_failed, logins_limited;
	atomic_uint_fast64_t too_big;
	atomic_int active;
};
void vg_metrics_observe(struct vg_metrics *m, int status, double seconds);
int vg_metrics_render(struct vg_metrics *m, struct vg_http_server *srv, struct vg_buf *out);
struct vg_metrics *vg_req_metrics(struct vg_req *r);
struct vg_metrics *vg_server_metrics(struct vg_http_server *s);
unsigned vg_server_threads(struct vg_http_server *s);
double vg_server_uptime(struct vg_http_server *s);

/* ------------------------------------------------------------ deadline.c */

/* Chinese reporting deadlines (quality/'s rules, DOMAIN.md 2.1, 2.3, 2.4)
 * for one version, plus the cosmetics 3-day major-social-impact rule. */
struct vg_case_version;
struct vg_http_timeliness {
	bool known;          /* aware and submitted dates both known */
	int deadline_days;
	int days;            /* submitted - aware */
	bool late;
	const char *category;/* "death", "serious", "new", "other" */
	const char *rule;    /* citation */
};
void vg_deadline_check(const struct vg_case_version *v, bool major_social_impact,
                       struct vg_http_timeliness *out);
json_t *vg_timeliness_json(const struct vg_http_timeliness *t);

/* ------------------------------------------------------------ openfda.c */

struct vg_ofda_query;
/* Parse an openFDA search expression; NULL search = match everything. */
int vg_ofda_parse(const char *search, struct vg_arena *a, struct vg_ofda_query **out,
                  struct vg_err *err);
bool vg_ofda_match(const struct vg_ofda_query *q, const json_t *doc);
/* -1 and *bad = the first field of q unknown for klass, else 0. */
int vg_ofda_query_fields(const struct vg_ofda_query *q, int klass, const char **bad);
/* Is field (dotted, optional .exact) known for class? */
bool vg_ofda_field_known(int klass, const char *field);
/* The openFDA-shaped document of a version (new reference). */
json_t *vg_ofda_doc(const struct vg_case_version *v, int klass);
/* Values at a dotted path: cb per leaf string (numbers as text). */
void vg_ofda_values(const json_t *doc, const char *path, void (*cb)(const char *, void *),
                    void *ctx);
/* Lowercase word tokens of s (ASCII folded; non-ASCII kept). */
void vg_ofda_tokens(const char *s, void (*cb)(const char *tok, size_t n, void *), void *ctx);
bool vg_ofda_is_date_field(const char *field);

/* Snapshot of openFDA documents, rebuilt when the writer generation moves. */
struct vg_ofda_snap;
struct vg_ofda_cache;
struct vg_ofda_cache *vg_ofda_cache_new(void);
void vg_ofda_cache_free(struct vg_ofda_cache *c);
struct vg_ofda_cache *vg_req_ofda(struct vg_req *r);

#endif
