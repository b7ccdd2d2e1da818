/*
 * routes_openfda.c - /api/v1/{drug,device,cosmetic}/event.json
 *
 * openFDA's parameters and response shape over the local database, so that
 * scripts written for api.fda.gov run against a centre's own data:
 *
 *   search=  openfda.c's query language       (absent: every report)
 *   count=   FIELD or FIELD.exact: {"term", "count"} (or {"time", "count"}
 *            for date fields, ascending by time), most frequent first
 *   limit=   results (default 1, at most 1000; with count= default 100)
 *   skip=    at most 25000
 *   api_key= the session token, for clients that cannot set headers
 *
 *   200 {"meta": {"disclaimer", "terms", "license", "last_updated",
 *                 "results": {"skip", "limit", "total"}}, "results": [...]}
 *   404 {"error": {"code": "NOT_FOUND", "message": "No matches found!"}}
 *   400 {"error": {"code": "BAD_REQUEST", "message": "..."}}
 *
 * Data: a snapshot of every counted case (latest version, valid, not
 * nullified, not a duplicate) as openFDA documents (jansson trees, dumped
 * when returned).  It is rebuilt on demand when the writer has committed
 * since it was built and it is older than SNAP_MAX_AGE seconds (or five
 * times its build time, for large databases: see max_age), so under a
 * stream of submissions a query sees data at most that old.  Requests hold
 * a reference, so a rebuild never pulls a snapshot from under a reader;
 * one request rebuilds while the others use the previous snapshot.  The
 * scan runs on the CPU pool, never on a polling thread.  Reporters see only
 * their unit's reports.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "http/http_int.h"

#include <time.h>

#define SNAP_MAX_AGE 1.0

struct doc {
	json_t *j;   /* read-only once built; jansson >= 2.11 dumps it from
	                several threads at once safely */
	int klass;
	char *unit;
};

struct vg_ofda_snap {
	atomic_int refs;
	uint64_t gen;
	double built, cost;  /* when, and how long the build took (s) */
	struct doc *docs;
	size_t n, cap;
	char updated[16];
};

struct vg_ofda_cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* signalled when a build ends */
	struct vg_ofda_snap *cur;
	bool building;
};

struct vg_ofda_cache *vg_ofda_cache_new(void)
{
	struct vg_ofda_cache *c = vg_xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

static void snap_unref(struct vg_ofda_snap *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t i = 0; i < s->n; i++) {
		json_decref(s->docs[i].j);
		free(s->docs[i].unit);
	}
	free(s->docs);
	free(s);
}

void vg_ofda_cache_free(struct vg_ofda_cache *c)
{
	if (!c)
		return;
	snap_unref(c->cur);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static int snap_add(const struct vg_case_version *v, int flags, void *ctx)
{
	struct vg_ofda_snap *s = ctx;
	int klass = v->klass == VG_CLASS_VACCINE ? VG_CLASS_DRUG : v->klass;
	struct doc *d;

	VG_UNUSED(flags);
	if (klass != VG_CLASS_DRUG && klass != VG_CLASS_DEVICE && klass != VG_CLASS_COSMETIC)
		return 0;
	VG_GROW(s->docs, s->cap, s->n + 1);
	d = &s->docs[s->n++];
	d->klass = klass;
	d->j = vg_ofda_doc(v, klass);
	d->unit = vg_xstrdup(v->unit ? v->unit : "");
	return 0;
}

static struct vg_ofda_snap *snap_build(struct vg_store *st, uint64_t gen, struct vg_err *err)
{
	struct vg_ofda_snap *s = vg_xcalloc(1, sizeof(*s));
	char iso[24];
	struct vg_date today = vg_date_now();

	atomic_store(&s->refs, 1);
	s->gen = gen;
	s->built = vg_now_seconds();
	today.prec = VG_DATE_DAY;
	vg_date_format_iso(&today, iso);
	vg_strlcpy(s->updated, iso, sizeof(s->updated));
	if (vg_store_scan_latest(st, false, snap_add, s, err) != 0) {
		snap_unref(s);
		return NULL;
	}
	s->cost = vg_now_seconds() - s->built;
	return s;
}

/* A snapshot that took long to build is kept longer: staleness is bounded
 * by SNAP_MAX_AGE or five times the build time, whichever is larger, so
 * rebuilding never takes more than a sixth of the CPU it serves. */
static double max_age(const struct vg_ofda_snap *s)
{
	return s->cost * 5 > SNAP_MAX_AGE ? s->cost * 5 : SNAP_MAX_AGE;
}

/* A referenced snapshot, fresh enough; NULL with err on a store failure.
 * One request rebuilds, outside the lock; meanwhile the others keep using
 * the previous snapshot (only the very first build makes them wait). */
static struct vg_ofda_snap *snap_get(struct vg_req *r, struct vg_err *err)
{
	struct vg_ofda_cache *c = vg_req_ofda(r);
	uint64_t gen = vg_writer_generation(vg_req_writer(r));
	struct vg_ofda_snap *s, *fresh;
	struct vg_store *st;
	bool build;

	pthread_mutex_lock(&c->mu);
	s = c->cur;
	build = (!s || (s->gen != gen && vg_now_seconds() - s->built > max_age(s))) &&
	        !c->building;
	while (!build && !c->cur && c->building)
		pthread_cond_wait(&c->cv, &c->mu);
	if (!build) {
		s = c->cur;
		if (s)
			atomic_fetch_add(&s->refs, 1);
		else
			vg_err_set(err, VG_EDB, NULL, "no snapshot");
		pthread_mutex_unlock(&c->mu);
		return s;
	}
	c->building = true;
	pthread_mutex_unlock(&c->mu);
	st = vg_req_store(r, err);
	fresh = st ? snap_build(st, gen, err) : NULL;
	pthread_mutex_lock(&c->mu);
	c->building = false;
	if (fresh) {
		snap_unref(c->cur);
		c->cur = fresh;
	}
	s = fresh;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return s;
}

/* ------------------------------------------------------------ responses */

static int ofda_error(struct vg_req *r, int status, const char *code, const char *msg)
{
	return vg_reply_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code,
	                                          "message", msg));
}

static void meta_open(struct vg_buf *o, const struct vg_ofda_snap *s)
{
	vg_buf_puts(o, "{\"meta\":{\"disclaimer\":\"Reports held by this monitoring centre; "
	               "not validated for clinical decisions.\",\"terms\":\"local\","
	               "\"license\":\"local\",\"last_updated\":");
	vg_buf_json_str(o, s->updated);
}

static bool visible(struct vg_req *r, const struct doc *d, int klass)
{
	if (d->klass != klass)
		return false;
	return r->user.role != VG_USER_REPORTER || strcmp(d->unit, r->user.unit) == 0;
}

static int search(struct vg_req *r, struct vg_ofda_snap *s, int klass,
                  const struct vg_ofda_query *q, int64_t limit, int64_t skip)
{
	int64_t total = 0, shown = 0;
	struct vg_buf items = VG_BUF_INIT((size_t)256 << 20);

	for (size_t i = 0; i < s->n; i++) {
		const struct doc *d = &s->docs[i];
		if (!visible(r, d, klass) || !vg_ofda_match(q, d->j))
			continue;
		if (total++ >= skip && shown < limit) {
			char *text = json_dumps(d->j, JSON_COMPACT);
			if (shown++)
				vg_buf_putc(&items, ',');
			vg_buf_puts(&items, text ? text : "{}");
			free(text);
		}
	}
	if (total == 0 || shown == 0) {
		vg_buf_release(&items);
		return ofda_error(r, 404, "NOT_FOUND", "No matches found!");
	}
	meta_open(&r->out, s);
	vg_buf_printf(&r->out, ",\"results\":{\"skip\":%" PRId64 ",\"limit\":%" PRId64
	                       ",\"total\":%" PRId64 "}},\"results\":[", skip, limit, total);
	vg_buf_append(&r->out, items.p, items.len);
	vg_buf_puts(&r->out, "]}");
	vg_buf_release(&items);
	r->status = 200;
	return 0;
}

/* ------------------------------------------------------------ count */

struct counter {
	struct vg_map *terms;
	int64_t *counts;
	uint32_t *last_doc;
	size_t cap;
	uint32_t doc;
	bool exact;
};

static void count_term(struct counter *c, const char *t, size_t n)
{
	bool added;
	uint32_t id = vg_map_intern(c->terms, t, n, &added);

	if (id >= c->cap) {
		size_t old = c->cap;
		VG_GROW(c->counts, c->cap, id + 1);
		c->last_doc = vg_xreallocarray(c->last_doc, c->cap, sizeof(*c->last_doc));
		memset(c->counts + old, 0, (c->cap - old) * sizeof(*c->counts));
		memset(c->last_doc + old, 0xff, (c->cap - old) * sizeof(*c->last_doc));
	}
	if (c->last_doc[id] == c->doc) /* one count per report per term */
		return;
	c->last_doc[id] = c->doc;
	c->counts[id]++;
}

static void count_tok(const char *tok, size_t n, void *ctx) { count_term(ctx, tok, n); }

static void count_value(const char *v, void *ctx)
{
	struct counter *c = ctx;

	if (c->exact)
		count_term(c, v, strlen(v));
	else
		vg_ofda_tokens(v, count_tok, c);
}

struct ranked {
	const char *term;
	int64_t count;
};

static int by_count(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->term, y->term);
}

static int by_time(const void *a, const void *b)
{
	return strcmp(((const struct ranked *)a)->term, ((const struct ranked *)b)->term);
}

static void count_reply(struct vg_req *r, struct vg_ofda_snap *s, struct counter *c,
                        bool is_date, int64_t limit)
{
	uint32_t n = vg_map_count(c->terms);
	struct ranked *rk = vg_xcalloc(n ? n : 1, sizeof(*rk));

	for (uint32_t i = 0; i < n; i++)
		rk[i] = (struct ranked){vg_map_key(c->terms, i, NULL), c->counts[i]};
	qsort(rk, n, sizeof(*rk), is_date ? by_time : by_count);
	meta_open(&r->out, s);
	vg_buf_puts(&r->out, "},\"results\":[");
	for (uint32_t i = 0; i < n && (is_date || (int64_t)i < limit); i++) {
		vg_buf_puts(&r->out, i ? ",{" : "{");
		vg_buf_puts(&r->out, is_date ? "\"time\":" : "\"term\":");
		vg_buf_json_str(&r->out, rk[i].term);
		vg_buf_printf(&r->out, ",\"count\":%" PRId64 "}", rk[i].count);
	}
	vg_buf_puts(&r->out, "]}");
	free(rk);
	r->status = 200;
}

static int count(struct vg_req *r, struct vg_ofda_snap *s, int klass,
                 const struct vg_ofda_query *q, const char *field, int64_t limit)
{
	struct counter c = {vg_map_new(64), NULL, NULL, 0, 0, false};
	size_t n = strlen(field);
	char *f = vg_arena_strdup(&r->arena, field);
	bool is_date;

	if (n > 6 && strcmp(f + n - 6, ".exact") == 0) {
		f[n - 6] = '\0';
		c.exact = true;
	}
	if (!vg_ofda_field_known(klass, f)) {
		vg_map_free(c.terms);
		return ofda_error(r, 400, "BAD_REQUEST", "count: field not supported (see docs/API.md)");
	}
	is_date = vg_ofda_is_date_field(f);
	c.exact = c.exact || is_date;
	for (size_t i = 0; i < s->n; i++) {
		if (!visible(r, &s->docs[i], klass) || !vg_ofda_match(q, s->docs[i].j))
			continue;
		vg_ofda_values(s->docs[i].j, f, count_value, &c);
		c.doc++;
	}
	if (vg_map_count(c.terms) == 0)
		ofda_error(r, 404, "NOT_FOUND", "No matches found!");
	else
		count_reply(r, s, &c, is_date, limit);
	vg_map_free(c.terms);
	free(c.counts);
	free(c.last_doc);
	return 0;
}

/* ------------------------------------------------------------ handler */

static int ofda_int(struct vg_req *r, const char *name, int64_t def, int64_t max, int64_t *out)
{
	const char *s = vg_req_query(r, name);
	char msg[96];

	*out = def;
	if (!s)
		return 0;
	if (vg_parse_i64(vg_sv_of(s), out) != 0 || *out < 0 || *out > max) {
		snprintf(msg, sizeof(msg), "%s must be an integer from 0 to %" PRId64, name, max);
		ofda_error(r, 400, "BAD_REQUEST", msg);
		return -1;
	}
	return 0;
}

/* A parsed request, run on the CPU pool (pool.c) so that scanning the
 * documents - or rebuilding them - never holds a polling thread. */
struct ofda_req {
	int klass;
	const char *count;
	struct vg_ofda_query *q;
	int64_t limit, skip;
};

static int event_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct vg_req *r = j->req;
	struct ofda_req *o = j->ctx;
	struct vg_ofda_snap *s;
	int rc;

	VG_UNUSED(st);
	if (!(s = snap_get(r, err)))
		return vg_reply_err(r, err), 0;
	rc = o->count ? count(r, s, o->klass, o->q, o->count, o->limit)
	              : search(r, s, o->klass, o->q, o->limit, o->skip);
	snap_unref(s);
	return rc;
}

static int event_done(struct vg_req *r)
{
	return r->job.rc;
}

static int h_event(struct vg_req *r, int klass)
{
	struct ofda_req *o = vg_arena_calloc(&r->arena, 1, sizeof(*o));
	struct vg_err err = VG_ERR_INIT;
	const char *bad = NULL, *cnt = vg_req_query(r, "count");
	char msg[VG_ERR_MSG_MAX + 32];

	o->klass = klass;
	o->count = cnt ? vg_arena_strdup(&r->arena, cnt) : NULL;
	if (ofda_int(r, "limit", cnt ? 100 : 1, 1000, &o->limit) ||
	    ofda_int(r, "skip", 0, 25000, &o->skip))
		return 0;
	if (vg_ofda_parse(vg_req_query(r, "search"), &r->arena, &o->q, &err) != 0) {
		vg_err_str(&err, msg, sizeof(msg));
		return ofda_error(r, 400, "BAD_REQUEST", msg);
	}
	if (vg_ofda_query_fields(o->q, klass, &bad) != 0) {
		snprintf(msg, sizeof(msg), "search: field %.100s not supported (see docs/API.md)", bad);
		return ofda_error(r, 400, "BAD_REQUEST", msg);
	}
	return vg_req_offload(r, event_run, o, event_done);
}

static int h_drug(struct vg_req *r) { return h_event(r, VG_CLASS_DRUG); }
static int h_device(struct vg_req *r) { return h_event(r, VG_CLASS_DEVICE); }
static int h_cosmetic(struct vg_req *r) { return h_event(r, VG_CLASS_COSMETIC); }

const struct vg_route vg_routes_openfda[] = {
	{"GET", "/api/v1/drug/event.json", VG_RP_ANY, h_drug, 0},
	{"GET", "/api/v1/device/event.json", VG_RP_ANY, h_device, 0},
	{"GET", "/api/v1/cosmetic/event.json", VG_RP_ANY, h_cosmetic, 0},
	{NULL, NULL, 0, NULL, 0},
};
