/*
 * routes_review.c - what the monitoring centre does to a case.
 *
 *   POST /api/v1/cases/{id}/accept     {"comment"?}                   reviewer
 *   POST /api/v1/cases/{id}/return     {"comment"}  back to the unit  reviewer
 *   POST /api/v1/cases/{id}/code       {"event", "coded", "code"?}    reviewer
 *   POST /api/v1/cases/{id}/causality  {"product", "event", "result",
 *                                       "method"?}                    reviewer
 *
 * Accept and return change the case status (store audit: before/after).
 * Coding a term and recording causality change the case's content, so they
 * store a new version made by the centre: a copy of the latest with the
 * change, marked as an amendment (E2B(R3) C.1.11.1 = 2), created now, with
 * C.1.5 at least today so it becomes the latest.  The store audits the new
 * document and this file adds an audit row with the field's before and
 * after.  Every check that depends on the case (event index in range, case
 * not nullified) runs in the writer job against the latest version there.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "http/http_int.h"

/* G.k.9.i.2.r.3: the Chinese form's six levels and WHO-UMC's names. */
static const char *const causality_results[] = {
	"肯定", "很可能", "可能", "可能无关", "待评价", "无法评价",
	"certain", "probable", "possible", "unlikely", "conditional", "unassessable",
};

struct review {
	const char *id, *actor, *comment;
	int status;
	json_int_t event, product;
	const char *coded, *code, *result, *method;
	struct vg_put_result res;
};

/* ------------------------------------------------------------ status */

static int status_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct review *rv = j->ctx;

	return vg_store_case_set_status(st, rv->id, rv->status, rv->comment, rv->actor, err);
}

static int status_done(struct vg_req *r)
{
	struct review *rv = r->state;

	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	return vg_reply_json(r, 200, json_pack("{s:s,s:s}", "case_id", rv->id, "status",
	                                       rv->status == VG_STATUS_ACCEPTED ? "accepted"
	                                                                        : "returned"));
}

static struct review *review_new(struct vg_req *r, json_t **body)
{
	const char *id = vg_req_param(r, "id");
	struct review *rv;

	if (!vg_http_id_ok(id)) {
		vg_reply_error(r, 404, "not_found", "no such case");
		return NULL;
	}
	if (!(*body = vg_req_json_body(r)))
		return NULL;
	rv = vg_arena_calloc(&r->arena, 1, sizeof(*rv));
	rv->id = id;
	rv->actor = vg_arena_strdup(&r->arena, r->user.name);
	r->state = rv;
	r->touch = VG_TOUCH_CASE;
	r->touch_id = id;
	return rv;
}

static int set_status(struct vg_req *r, int status, bool need_comment)
{
	json_t *body = NULL;
	struct review *rv = review_new(r, &body);
	const char *c;

	if (!rv)
		return 0;
	c = vg_json_str(body, "comment");
	if ((need_comment && (!c || !*c)) || (c && strlen(c) > 4000)) {
		json_decref(body);
		return vg_reply_error(r, 422, "invalid", "comment: %s, at most 4000 bytes",
		                      need_comment ? "required" : "optional");
	}
	rv->comment = c ? vg_arena_strdup(&r->arena, c) : NULL;
	rv->status = status;
	json_decref(body);
	return vg_req_write(r, status_run, rv, status_done);
}

static int h_accept(struct vg_req *r) { return set_status(r, VG_STATUS_ACCEPTED, false); }
static int h_return(struct vg_req *r) { return set_status(r, VG_STATUS_RETURNED, true); }

/* ------------------------------------------------------------ amendments */

/* The latest version, copied for the centre's amendment. */
static int amend_base(struct vg_store *st, const char *id, struct vg_arena *a,
                      struct vg_case_version **out, struct vg_err *err)
{
	struct vg_case_version *cur = NULL;
	int rc = vg_store_case_latest(st, id, a, &cur, err);

	if (rc)
		return rc;
	if (cur->nullified)
		return vg_err_set(err, VG_ECONFLICT, "case_id", "case %s is nullified", id);
	*out = vg_case_copy(cur, a);
	(*out)->amendment = true; /* E2B(R3) C.1.11.1 = 2 */
	(*out)->initial = false;
	(*out)->source = "centre";
	(*out)->created = vg_date_now();
	struct vg_date d = vg_date_now();
	d.prec = VG_DATE_DAY;
	if (vg_date_cmp(&(*out)->latest, &d) < 0)
		(*out)->latest = d;
	return 0;
}

static char *field_json(struct vg_arena *a, const char *k1, json_int_t i, const char *k2,
                        const char *v2, const char *k3, const char *v3)
{
	json_t *j = json_pack("{s:I,s:s?,s:s?}", k1, i, k2, v2, k3, v3);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	char *out = vg_arena_strdup(a, s);

	free(s);
	json_decref(j);
	return out;
}

static int code_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct review *rv = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *v = NULL;
	struct vg_event *e;
	char *before, *after;
	int rc;

	vg_arena_init(&a, 8192);
	if ((rc = amend_base(st, rv->id, &a, &v, err)) != 0)
		goto out;
	if (rv->event < 0 || (size_t)rv->event >= v->nevents) {
		rc = vg_err_set(err, VG_EINVAL, "event", "the case has %zu events", v->nevents);
		goto out;
	}
	e = &v->events[rv->event];
	before = field_json(&a, "event", rv->event, "coded", e->coded, "code", e->code);
	e->coded = rv->coded;
	e->code = rv->code;
	after = field_json(&a, "event", rv->event, "coded", e->coded, "code", e->code);
	rc = vg_store_put_version(st, v, rv->actor, &rv->res, err);
	if (rc == 0)
		rc = vg_store_audit(st, rv->actor, "case.code", rv->id, before, after, err);
out:
	vg_arena_release(&a);
	return rc;
}

static int amend_done(struct vg_req *r)
{
	struct review *rv = r->state;

	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	return vg_reply_json(r, 200, json_pack("{s:s,s:i,s:b}", "case_id", rv->id, "version",
	                                       rv->res.version_no, "latest", rv->res.became_latest));
}

static int h_code(struct vg_req *r)
{
	json_t *body = NULL;
	struct review *rv = review_new(r, &body);
	json_t *ev;
	const char *coded, *code;

	if (!rv)
		return 0;
	ev = json_object_get(body, "event");
	coded = vg_json_str(body, "coded");
	code = vg_json_str(body, "code");
	if (!json_is_integer(ev) || !coded || !*coded || strlen(coded) > 500 ||
	    (code && strlen(code) > 32)) {
		json_decref(body);
		return vg_reply_error(r, 422, "invalid",
		                      "expected {\"event\": index, \"coded\": term, \"code\": MedDRA code?}");
	}
	rv->event = json_integer_value(ev);
	rv->coded = vg_arena_strdup(&r->arena, coded);
	rv->code = code ? vg_arena_strdup(&r->arena, code) : NULL;
	json_decref(body);
	return vg_req_write(r, code_run, rv, amend_done);
}

static int causality_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct review *rv = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *v = NULL;
	struct vg_causality *c;
	char *after;
	int rc;

	vg_arena_init(&a, 8192);
	if ((rc = amend_base(st, rv->id, &a, &v, err)) != 0)
		goto out;
	if (rv->event < 0 || (size_t)rv->event >= v->nevents || rv->product < 0 ||
	    (size_t)rv->product >= v->nproducts) {
		rc = vg_err_set(err, VG_EINVAL, "product", "the case has %zu products and %zu events",
		                v->nproducts, v->nevents);
		goto out;
	}
	c = vg_case_add_causality(v, &a); /* G.k.9.i.2 */
	c->product = (int)rv->product;
	c->event = (int)rv->event;
	c->source = "centre";
	c->method = rv->method;
	c->result = rv->result;
	after = field_json(&a, "product", rv->product, "method", rv->method, "result", rv->result);
	rc = vg_store_put_version(st, v, rv->actor, &rv->res, err);
	if (rc == 0)
		rc = vg_store_audit(st, rv->actor, "case.causality", rv->id, NULL, after, err);
out:
	vg_arena_release(&a);
	return rc;
}

static bool result_ok(const char *s)
{
	for (size_t i = 0; s && i < VG_ARRAY_LEN(causality_results); i++)
		if (strcmp(s, causality_results[i]) == 0)
			return true;
	return false;
}

static int h_causality(struct vg_req *r)
{
	json_t *body = NULL;
	struct review *rv = review_new(r, &body);
	json_t *ev, *pr;
	const char *res, *method;

	if (!rv)
		return 0;
	ev = json_object_get(body, "event");
	pr = json_object_get(body, "product");
	res = vg_json_str(body, "result");
	method = vg_json_str(body, "method");
	if (!json_is_integer(ev) || !json_is_integer(pr) || !result_ok(res) ||
	    (method && strlen(method) > 100)) {
		json_decref(body);
		return vg_reply_error(r, 422, "invalid",
		                      "expected {\"product\": index, \"event\": index, \"result\": "
		                      "肯定|很可能|可能|可能无关|待评价|无法评价 or certain|probable|possible|"
		                      "unlikely|conditional|unassessable, \"method\"?}");
	}
	rv->event = json_integer_value(ev);
	rv->product = json_integer_value(pr);
	rv->result = vg_arena_strdup(&r->arena, res);
	rv->method = vg_arena_strdup(&r->arena, method ? method : "WHO-UMC");
	json_decref(body);
	return vg_req_write(r, causality_run, rv, amend_done);
}

const struct vg_route vg_routes_review[] = {
	{"POST", "/api/v1/cases/{id}/accept", VG_RP_REVIEWER, h_accept, 8192},
	{"POST", "/api/v1/cases/{id}/return", VG_RP_REVIEWER, h_return, 8192},
	{"POST", "/api/v1/cases/{id}/code", VG_RP_REVIEWER, h_code, 4096},
	{"POST", "/api/v1/cases/{id}/causality", VG_RP_REVIEWER, h_causality, 4096},
	{NULL, NULL, 0, NULL, 0},
};
