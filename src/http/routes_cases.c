/*
 * routes_cases.c - submit, follow up, nullify, list and read cases.
 *
 *   POST /api/v1/cases                     new case (initial report)      201
 *   POST /api/v1/cases/{id}/versions       follow-up version              201
 *   POST /api/v1/cases/{id}/nullify        {"reason"} (E2B C.1.11)        200
 *   GET  /api/v1/cases                     list, paged, filtered
 *   GET  /api/v1/cases/{id}                latest version + timeliness
 *   GET  /api/v1/cases/{id}/versions       every version, oldest first
 *
 * A submission body is the case JSON of case.h (vg_case_from_jansson), plus
 * one optional extension key, "major_social_impact" (cosmetics, 3-day
 * rule).  Decoding, the server's own checks and the four minimum elements
 * are all collected before anything is answered, so a 422 lists every
 * problem at once with its field path.  The server sets: source "api",
 * submitted = today (UTC), received/latest/created when absent, the case id
 * when absent ("CN-<unit>-<16 hex>"), and for reporters the unit (a body
 * naming another unit is refused).
 *
 * Unit isolation: a reporter sees and changes only cases of its unit.  A
 * case of another unit answers 404, exactly like a case that does not
 * exist, so ids of other units cannot be probed.  The check runs again in
 * the writer job, against the writer's view, so there is no window between
 * check and write.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "http/http_int.h"

#include <sodium.h>

#define ID_MAX 100

struct submit {
	struct vg_case_version *v;
	struct vg_http_timeliness t;
	struct vg_problems probs;
	struct vg_put_result res;
	const char *actor;
	const char *restrict_unit; /* reporters: the case must belong to it */
	bool must_be_new;          /* POST /cases: the id must be unused */
	const char *reason;        /* nullify */
};

bool vg_http_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '-' && c != '_' && c != '.' && c != ':')
			return false;
	}
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static struct vg_date today(void)
{
	struct vg_date d = vg_date_now();

	d.prec = VG_DATE_DAY;
	d.hour = d.minute = d.second = 0;
	return d;
}

/* Fill what the server owns; add problems for what the client got wrong. */
static void server_fields(struct vg_req *r, struct submit *s, const char *path_id)
{
	struct vg_case_version *v = s->v;
	struct vg_problems *p = &s->probs;

	v->source = "api";
	v->submitted = today();
	if (v->received.prec == VG_DATE_NONE)
		v->received = v->submitted;
	if (v->latest.prec == VG_DATE_NONE)
		v->latest = v->submitted;
	if (v->created.prec == VG_DATE_NONE)
		v->created = vg_date_now();
	if (r->user.role == VG_USER_REPORTER) {
		if (v->unit && strcmp(v->unit, r->user.unit) != 0)
			vg_problems_add(p, VG_PROBLEM_ERROR, "unit", "you report for unit %s only",
			                r->user.unit);
		v->unit = vg_arena_strdup(&r->arena, r->user.unit);
		s->restrict_unit = v->unit;
	} else if (!v->unit) {
		vg_problems_add(p, VG_PROBLEM_ERROR, "unit", "required: the reporting unit's code");
	}
	if (path_id) {
		if (v->case_id && strcmp(v->case_id, path_id) != 0)
			vg_problems_add(p, VG_PROBLEM_ERROR, "case_id", "does not match the URL");
		v->case_id = path_id;
		v->initial = false;
	} else if (!v->case_id && v->unit) {
		unsigned char rnd[8];
		char hex[17];
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
		v->case_id = vg_arena_printf(&r->arena, "CN-%s-%s", v->unit, hex);
		v->initial = true;
	} else {
		v->initial = true;
	}
	if (v->case_id && !vg_http_id_ok(v->case_id))
		vg_problems_add(p, VG_PROBLEM_ERROR, "case_id",
		                "1-%d characters of A-Z a-z 0-9 - _ . : expected", ID_MAX);
	if (!v->report_id)
		v->report_id = v->case_id;
}

static void domain_checks(struct submit *s)
{
	struct vg_case_version *v = s->v;
	struct vg_problems *p = &s->probs;

	if (v->klass != VG_CLASS_DRUG && v->klass != VG_CLASS_DEVICE &&
	    v->klass != VG_CLASS_COSMETIC && v->klass != VG_CLASS_VACCINE)
		vg_problems_add(p, VG_PROBLEM_ERROR, "class", "required: drug, device or cosmetic");
	if (v->aware.prec == VG_DATE_NONE)
		vg_problems_add(p, VG_PROBLEM_ERROR, "aware",
		                "required: the date the unit learned of the event (deadlines run from it)");
	else if (vg_date_cmp(&v->aware, &v->submitted) > 0)
		vg_problems_add(p, VG_PROBLEM_ERROR, "aware", "lies in the future");
	if (v->nullified)
		vg_problems_add(p, VG_PROBLEM_ERROR, "nullified",
		                "use POST /api/v1/cases/{id}/nullify to nullify a case");
	vg_case_validate(v, p);
}

static bool has_errors(const struct vg_problems *p)
{
	return vg_problems_count(p, VG_PROBLEM_ERROR) + vg_problems_count(p, VG_PROBLEM_MINIMUM) > 0;
}

/* Decode and check a submission; NULL after answering 400/422 itself. */
static struct submit *decode(struct vg_req *r, const char *path_id)
{
	struct submit *s = vg_arena_calloc(&r->arena, 1, sizeof(*s));
	json_t *body = vg_req_json_body(r), *ext;
	bool social = false;

	if (!body)
		return NULL;
	vg_problems_init(&s->probs, &r->arena);
	ext = json_object_get(body, "major_social_impact");
	if (ext) {
		if (!json_is_boolean(ext))
			vg_problems_add(&s->probs, VG_PROBLEM_ERROR, "major_social_impact",
			                "expected true or false");
		social = json_is_true(ext);
		json_object_del(body, "major_social_impact");
	}
	vg_case_from_jansson(body, &r->arena, &s->v, &s->probs);
	json_decref(body);
	if (!s->v)
		s->v = vg_case_new(&r->arena);
	server_fields(r, s, path_id);
	domain_checks(s);
	if (has_errors(&s->probs)) {
		vg_reply_problems(r, 422, "the report was not accepted; nothing was stored", &s->probs);
		return NULL;
	}
	vg_deadline_check(s->v, social, &s->t);
	s->actor = vg_arena_strdup(&r->arena, r->user.name);
	return s;
}

/* Writer side: is the case there, visible to this actor, still open? */
static int case_gate(struct vg_store *st, struct submit *s, struct vg_arena *a,
                     struct vg_case_version **cur, struct vg_err *err)
{
	int rc = vg_store_case_latest(st, s->v ? s->v->case_id : NULL, a, cur, err);

	if (rc)
		return rc;
	if (s->restrict_unit && (!(*cur)->unit || strcmp((*cur)->unit, s->restrict_unit) != 0))
		return vg_err_set(err, VG_ENOTFOUND, "case_id", "no case %s", s->v->case_id);
	if ((*cur)->nullified)
		return vg_err_set(err, VG_ECONFLICT, "case_id", "case %s is nullified", s->v->case_id);
	return 0;
}

static int submit_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct submit *s = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *cur = NULL;
	int rc;

	vg_arena_init(&a, 8192);
	if (s->must_be_new) {
		rc = vg_store_case_latest(st, s->v->case_id, &a, &cur, err);
		if (rc == 0)
			rc = vg_err_set(err, VG_EEXIST, "case_id",
			                "case %s exists; send a follow-up to .../versions", s->v->case_id);
		else if (rc == VG_ENOTFOUND)
			rc = 0;
	} else {
		rc = case_gate(st, s, &a, &cur, err);
		if (rc == 0 && s->restrict_unit == NULL && cur->unit && s->v->unit &&
		    strcmp(cur->unit, s->v->unit) != 0)
			rc = vg_err_set(err, VG_EINVAL, "unit", "the case belongs to unit %s", cur->unit);
	}
	vg_arena_release(&a);
	if (rc == 0)
		rc = vg_store_put_version(st, s->v, s->actor, &s->res, err);
	return rc;
}

static int submit_done(struct vg_req *r)
{
	struct submit *s = r->state;
	json_t *j;

	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	atomic_fetch_add(&vg_req_metrics(r)->submissions, 1);
	if (s->t.late)
		atomic_fetch_add(&vg_req_metrics(r)->late_submissions, 1);
	j = json_pack("{s:s,s:i,s:b,s:b,s:b,s:s,s:o,s:o}", "case_id", s->v->case_id, "version",
	              s->res.version_no, "stored", s->res.version_added, "latest",
	              s->res.became_latest, "valid", s->res.valid, "status", "submitted",
	              "timeliness", vg_timeliness_json(&s->t), "warnings",
	              vg_problems_json(&s->probs, true));
	vg_req_add_header(r, "Location",
	                  vg_arena_printf(&r->arena, "/api/v1/cases/%s", s->v->case_id));
	return vg_reply_json(r, 201, j);
}

static int h_submit(struct vg_req *r)
{
	struct submit *s = decode(r, NULL);

	if (!s)
		return 0;
	s->must_be_new = true;
	r->state = s;
	r->touch = VG_TOUCH_CASE;
	r->touch_id = s->v->case_id;
	return vg_req_write(r, submit_run, s, submit_done);
}

static int h_followup(struct vg_req *r)
{
	const char *id = vg_req_param(r, "id");
	struct submit *s;

	if (!vg_http_id_ok(id))
		return vg_reply_error(r, 404, "not_found", "no such case");
	if (!(s = decode(r, id)))
		return 0;
	r->state = s;
	r->touch = VG_TOUCH_CASE;
	r->touch_id = id;
	return vg_req_write(r, submit_run, s, submit_done);
}

/* ------------------------------------------------------------ nullify */

static int nullify_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct submit *s = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *cur = NULL, *v;
	int rc;

	vg_arena_init(&a, 8192);
	if ((rc = case_gate(st, s, &a, &cur, err)) != 0)
		goto out;
	v = vg_case_copy(cur, &a);
	v->nullified = true; /* E2B(R3) C.1.11.1 = 1 */
	v->amendment = false;
	v->initial = false;
	v->nullify_reason = s->reason; /* C.1.11.2 */
	v->source = "api";
	v->submitted = today();
	v->created = vg_date_now();
	if (vg_date_cmp(&v->latest, &v->submitted) < 0)
		v->latest = v->submitted;
	rc = vg_store_put_version(st, v, s->actor, &s->res, err);
out:
	vg_arena_release(&a);
	return rc;
}

static int nullify_done(struct vg_req *r)
{
	struct submit *s = r->state;

	if (r->job.rc != 0)
		return vg_reply_err(r, &r->job.err);
	return vg_reply_json(r, 200, json_pack("{s:s,s:b,s:i}", "case_id", s->v->case_id,
	                                       "nullified", 1, "version", s->res.version_no));
}

static int h_nullify(struct vg_req *r)
{
	const char *id = vg_req_param(r, "id");
	struct submit *s = vg_arena_calloc(&r->arena, 1, sizeof(*s));
	json_t *body;
	const char *reason;

	if (!vg_http_id_ok(id))
		return vg_reply_error(r, 404, "not_found", "no such case");
	if (!(body = vg_req_json_body(r)))
		return 0;
	reason = vg_json_str(body, "reason");
	if (!reason || !*reason || strlen(reason) > 2000) {
		json_decref(body);
		return vg_reply_error(r, 422, "invalid", "reason: required, 1-2000 bytes (E2B C.1.11.2)");
	}
	s->reason = vg_arena_strdup(&r->arena, reason);
	json_decref(body);
	s->v = vg_case_new(&r->arena);
	s->v->case_id = id;
	s->actor = vg_arena_strdup(&r->arena, r->user.name);
	if (r->user.role == VG_USER_REPORTER)
		s->restrict_unit = vg_arena_strdup(&r->arena, r->user.unit);
	r->state = s;
	r->touch = VG_TOUCH_CASE;
	r->touch_id = id;
	return vg_req_write(r, nullify_run, s, nullify_done);
}

/* ------------------------------------------------------------ reads */

/* Latest version of id as this user may see it; answers 404 itself. */
struct vg_case_version *vg_http_case_visible(struct vg_req *r, const char *id)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	struct vg_case_version *v = NULL;
	int rc;

	if (!st) {
		vg_reply_err(r, &err);
		return NULL;
	}
	if (!vg_http_id_ok(id)) {
		vg_reply_error(r, 404, "not_found", "no such case");
		return NULL;
	}
	rc = vg_store_case_latest(st, id, &r->arena, &v, &err);
	if (rc == 0 && r->user.role == VG_USER_REPORTER &&
	    (!v->unit || strcmp(v->unit, r->user.unit) != 0))
		rc = VG_ENOTFOUND;
	if (rc == VG_ENOTFOUND) {
		vg_reply_error(r, 404, "not_found", "no such case");
		return NULL;
	}
	if (rc) {
		vg_reply_err(r, &err);
		return NULL;
	}
	return v;
}

/* Served from rcache.c when nothing was committed to the case since it was
 * rendered (and for at most a few seconds: other processes' writes). */
static int h_get(struct vg_req *r)
{
	const char *id = vg_req_param(r, "id");
	struct vg_rcache_ticket ticket;
	char unit[VG_HTTP_NAME_MAX];
	struct vg_case_version *v;
	struct vg_http_timeliness t;
	json_t *tj;
	char *ts;
	int rc;

	if (vg_rcache_get(vg_req_rcache(r), id, &r->out, unit)) {
		if (r->user.role != VG_USER_REPORTER || strcmp(unit, r->user.unit) == 0)
			return 0;
		vg_buf_reset(&r->out);
		return vg_reply_error(r, 404, "not_found", "no such case");
	}
	vg_rcache_ticket(vg_req_rcache(r), id, &ticket);
	if (!(v = vg_http_case_visible(r, id)))
		return 0;
	vg_deadline_check(v, false, &t);
	tj = vg_timeliness_json(&t);
	ts = json_dumps(tj, JSON_COMPACT);
	json_decref(tj);
	vg_buf_puts(&r->out, "{\"case_id\":");
	vg_buf_json_str(&r->out, v->case_id);
	vg_buf_printf(&r->out, ",\"timeliness\":%s,\"version\":", ts ? ts : "null");
	free(ts);
	rc = vg_case_to_json(v, &r->out);
	vg_buf_putc(&r->out, '}');
	if (rc == 0)
		vg_rcache_put(vg_req_rcache(r), id, &ticket, v->unit, r->out.p, r->out.len);
	return rc;
}

static int h_versions(struct vg_req *r)
{
	const char *id = vg_req_param(r, "id");
	struct vg_err err = VG_ERR_INIT;
	struct vg_case_version **vs = NULL;
	size_t n = 0;
	int rc;

	if (!vg_http_case_visible(r, id))
		return 0;
	rc = vg_store_case_versions(vg_req_store(r, &err), id, &r->arena, &vs, &n, &err);
	if (rc)
		return vg_reply_err(r, &err);
	vg_buf_puts(&r->out, "{\"case_id\":");
	vg_buf_json_str(&r->out, id);
	vg_buf_puts(&r->out, ",\"versions\":[");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i)
			vg_buf_putc(&r->out, ',');
		rc = vg_case_to_json(vs[i], &r->out);
	}
	vg_buf_puts(&r->out, "]}");
	r->status = 200;
	return rc;
}

static const char *const status_names[] = {"submitted", "accepted", "returned"};

static int row_cb(const struct vg_case_row *row, void *ctx)
{
	json_t *arr = ctx, *o;
	char latest[24], received[24];

	vg_date_format_iso(&row->latest, latest);
	vg_date_format_iso(&row->received, received);
	o = json_pack("{s:s,s:i,s:b,s:b,s:b,s:s,s:s,s:b,s:s?,s:s,s:s,s:s?,s:s?,s:s?}",
	              "case_id", row->case_id, "versions", row->versions, "valid", row->valid,
	              "nullified", row->nullified, "deleted", row->deleted, "status",
	              status_names[row->status >= 0 && row->status <= 2 ? row->status : 0],
	              "class", vg_class_name(row->klass), "serious", row->serious, "unit",
	              row->unit, "latest", latest, "received", received, "duplicate_of",
	              row->duplicate_of, "first_product", row->first_product, "first_event",
	              row->first_event);
	json_array_append_new(arr, o);
	return 0;
}

static int parse_status(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -2;
}

/* Query string -> filter; answers 400 itself on a bad value. */
static int list_filter(struct vg_req *r, struct vg_case_filter *f)
{
	const char *q;

	if ((q = vg_req_query(r, "class")) && (f->klass = vg_class_parse(q)) <= 0)
		return vg_reply_error(r, 400, "bad_request", "class: drug, device or cosmetic"), -1;
	if ((q = vg_req_query(r, "serious"))) {
		if (strcmp(q, "true") && strcmp(q, "false"))
			return vg_reply_error(r, 400, "bad_request", "serious: true or false"), -1;
		f->serious = strcmp(q, "true") == 0;
	}
	if ((q = vg_req_query(r, "status")) && (f->status = parse_status(q)) < 0)
		return vg_reply_error(r, 400, "bad_request", "status: submitted, accepted or returned"), -1;
	if ((q = vg_req_query(r, "from")) && vg_date_parse(vg_sv_of(q), &f->from) != 0)
		return vg_reply_error(r, 400, "bad_request", "from: a date YYYY[-MM[-DD]]"), -1;
	if ((q = vg_req_query(r, "to")) && vg_date_parse(vg_sv_of(q), &f->to) != 0)
		return vg_reply_error(r, 400, "bad_request", "to: a date YYYY[-MM[-DD]]"), -1;
	if ((q = vg_req_query(r, "nullified")))
		f->include_nullified = strcmp(q, "false") != 0;
	f->unit = vg_req_query(r, "unit");
	if (r->user.role == VG_USER_REPORTER) {
		if (f->unit && strcmp(f->unit, r->user.unit) != 0)
			return vg_reply_error(r, 403, "forbidden", "reporters see their own unit only"), -1;
		f->unit = r->user.unit;
	}
	if (vg_query_int(r, "limit", 50, 1000, &f->limit) || vg_query_int(r, "offset", 0, 10000000, &f->offset))
		return -1;
	if (f->limit == 0)
		f->limit = 50;
	return 0;
}

static int h_list(struct vg_req *r)
{
	struct vg_case_filter f = VG_CASE_FILTER_INIT;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st;
	json_t *arr;
	int64_t total = 0;

	if (list_filter(r, &f) != 0)
		return 0;
	if (!(st = vg_req_store(r, &err)))
		return vg_reply_err(r, &err);
	arr = json_array();
	if (vg_store_case_list(st, &f, row_cb, arr, &total, &err) != 0) {
		json_decref(arr);
		return vg_reply_err(r, &err);
	}
	return vg_reply_json(r, 200, json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total,
	                                       "limit", (json_int_t)f.limit, "offset",
	                                       (json_int_t)f.offset, "results", arr));
}

const struct vg_route vg_routes_cases[] = {
	{"POST", "/api/v1/cases", VG_RP_REPORTER | VG_RP_REVIEWER, h_submit, 0},
	{"GET", "/api/v1/cases", VG_RP_ANY, h_list, 0},
	{"GET", "/api/v1/cases/{id}", VG_RP_ANY, h_get, 0},
	{"POST", "/api/v1/cases/{id}/versions", VG_RP_REPORTER | VG_RP_REVIEWER, h_followup, 0},
	{"GET", "/api/v1/cases/{id}/versions", VG_RP_ANY, h_versions, 0},
	{"POST", "/api/v1/cases/{id}/nullify", VG_RP_REPORTER | VG_RP_REVIEWER, h_nullify, 4096},
	{NULL, NULL, 0, NULL, 0},
};
