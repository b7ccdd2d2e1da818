/*
 * routes_e2b.c - E2B(R3) XML in and out (ingest/'s reader and exporter).
 *
 *   POST /api/v1/e2b[?unit=CODE]   one or many ICSRs (E2B(R3) batch or R2)
 *   GET  /api/v1/cases/{id}/e2b    latest version as an E2B(R3) ICSR
 *
 * Upload is all or nothing: the XML is read into memory versions (capped
 * by --max-upload; parsed on the CPU pool, not on a polling thread), every report is checked like a JSON submission (the
 * reader's rejects and each version's problems are listed together, with
 * "reports[i]." field paths), and only when all pass does one writer job
 * store them in one transaction.  A reporter's reports are put under its
 * unit; a reviewer names the unit with ?unit= unless the XML carries one.
 * Reports already stored identically are no-ops (the store's idempotency),
 * and a report whose case exists becomes a follow-up version of it.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "ingest/ingest.h"
#include "http/http_int.h"

#define UPLOAD_MAX_REPORTS 10000

struct upload {
	struct vg_req *r;
	struct vg_case_version **vs;
	size_t n, cap;
	struct vg_put_result *res;
	const char *actor, *restrict_unit, *unit;
	bool ok;
};

static int collect(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct upload *u = ctx;

	if (u->n >= UPLOAD_MAX_REPORTS)
		return vg_err_set(err, VG_ETOOBIG, NULL, "more than %d reports", UPLOAD_MAX_REPORTS);
	VG_GROW(u->vs, u->cap, u->n + 1);
	u->vs[u->n++] = vg_case_copy(v, &u->r->arena);
	return 0;
}

/* Server fields and checks of report i; problems get "reports[i]." paths. */
static void check_one(struct vg_req *r, struct upload *u, size_t i, struct vg_problems *all)
{
	struct vg_case_version *v = u->vs[i];
	struct vg_problems p;
	const char *unit = u->unit;
	struct vg_date today = vg_date_now();

	vg_problems_init(&p, &r->arena);
	today.prec = VG_DATE_DAY;
	v->submitted = today;
	if (v->received.prec == VG_DATE_NONE)
		v->received = today;
	if (r->user.role == VG_USER_REPORTER) {
		if (v->unit && strcmp(v->unit, r->user.unit) != 0)
			vg_problems_add(&p, VG_PROBLEM_ERROR, "unit", "you report for unit %s only",
			                r->user.unit);
		v->unit = u->restrict_unit;
	} else if (!v->unit && unit) {
		v->unit = vg_arena_strdup(&r->arena, unit);
	}
	if (!v->unit)
		vg_problems_add(&p, VG_PROBLEM_ERROR, "unit", "required: ?unit=CODE");
	if (!vg_http_id_ok(v->case_id))
		vg_problems_add(&p, VG_PROBLEM_ERROR, "case_id", "missing or not a usable id");
	vg_case_validate(v, &p);
	for (size_t k = 0; k < p.n; k++)
		vg_problems_add(all, p.items[k].kind, vg_arena_printf(&r->arena, "reports[%zu].%s", i,
		                p.items[k].field ? p.items[k].field : ""), "%s", p.items[k].msg);
}

static int upload_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *err)
{
	struct upload *u = j->ctx;
	struct vg_arena a = VG_ARENA_INIT;
	int rc = 0;

	vg_arena_init(&a, 8192);
	for (size_t i = 0; i < u->n && rc == 0; i++) {
		struct vg_case_version *cur = NULL;
		vg_arena_reset(&a);
		rc = vg_store_case_latest(st, u->vs[i]->case_id, &a, &cur, err);
		if (rc == VG_ENOTFOUND)
			rc = 0;
		else if (rc == 0 && u->restrict_unit && (!cur->unit || strcmp(cur->unit, u->restrict_unit)))
			rc = vg_err_set(err, VG_EPERM, vg_arena_printf(&a, "reports[%zu].case_id", i),
			                "case belongs to another unit");
	}
	vg_arena_release(&a);
	for (size_t i = 0; i < u->n && rc == 0; i++)
		rc = vg_store_put_version(st, u->vs[i], u->actor, &u->res[i], err);
	return rc;
}

static int upload_done(struct vg_req *r)
{
	struct upload *u = r->state;
	json_t *arr;

	if (r->job.rc != 0) {
		free(u->vs);
		return vg_reply_err(r, &r->job.err);
	}
	arr = json_array();
	for (size_t i = 0; i < u->n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:i,s:b}", "case_id", u->vs[i]->case_id,
		                                     "version", u->res[i].version_no, "stored",
		                                     u->res[i].version_added));
	atomic_fetch_add(&vg_req_metrics(r)->submissions, u->n);
	free(u->vs);
	return vg_reply_json(r, 201, json_pack("{s:I,s:o}", "reports", (json_int_t)u->n, "results",
	                                       arr));
}

/* Reader rejects, captured as TSV lines, as problems. */
static void add_rejects(struct vg_req *r, char *text, struct vg_problems *p)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		vg_problems_add(p, VG_PROBLEM_ERROR, "xml", "%s", line);
	VG_UNUSED(r);
}

/* Pool job: parse and check the XML off the polling threads.  Sets
 * u->ok when every report passed; otherwise the 422 is already built. */
static int parse_run(struct vg_store *st, struct vg_wjob *j, struct vg_err *jerr)
{
	struct upload *u = j->ctx;
	struct vg_req *r = u->r;
	struct vg_ingest_sink sink = {collect, NULL, u};
	struct vg_ingest_stats stats = {0};
	struct vg_err err = VG_ERR_INIT;
	struct vg_problems probs;
	char *rtext = NULL;
	size_t rlen = 0;
	struct vg_rejects rj = {open_memstream(&rtext, &rlen), 0};

	VG_UNUSED(st);
	VG_UNUSED(jerr);
	vg_problems_init(&probs, &r->arena);
	if (vg_ingest_e2b_buffer(r->body.p ? r->body.p : "", r->body.len, "upload.xml", &sink,
	                         &stats, &rj, &err) != 0)
		vg_problems_add(&probs, VG_PROBLEM_ERROR, err.field, "%s", err.msg);
	if (rj.out)
		fclose(rj.out);
	if (rtext)
		add_rejects(r, rtext, &probs);
	free(rtext);
	for (size_t i = 0; i < u->n; i++)
		check_one(r, u, i, &probs);
	if (u->n == 0 && probs.n == 0)
		vg_problems_add(&probs, VG_PROBLEM_ERROR, "xml", "no report found");
	u->ok = vg_problems_count(&probs, VG_PROBLEM_ERROR) +
	        vg_problems_count(&probs, VG_PROBLEM_MINIMUM) == 0;
	if (!u->ok)
		vg_reply_problems(r, 422, "the upload was not accepted; nothing was stored", &probs);
	return 0;
}

static int parse_done(struct vg_req *r)
{
	struct upload *u = r->state;

	if (!u->ok) {
		free(u->vs);
		u->vs = NULL;
		return 0;
	}
	u->res = vg_arena_calloc(&r->arena, u->n, sizeof(*u->res));
	return vg_req_write(r, upload_run, u, upload_done);
}

static int h_upload(struct vg_req *r)
{
	struct upload *u = vg_arena_calloc(&r->arena, 1, sizeof(*u));
	const char *unit = vg_req_query(r, "unit");

	u->r = r;
	r->state = u;
	u->actor = vg_arena_strdup(&r->arena, r->user.name);
	u->unit = unit ? vg_arena_strdup(&r->arena, unit) : NULL;
	if (r->user.role == VG_USER_REPORTER)
		u->restrict_unit = vg_arena_strdup(&r->arena, r->user.unit);
	return vg_req_offload(r, parse_run, u, parse_done);
}

static int h_download(struct vg_req *r)
{
	struct vg_case_version *v = vg_http_case_visible(r, vg_req_param(r, "id"));
	struct vg_err err = VG_ERR_INIT;

	if (!v)
		return 0;
	if (vg_e2b_export(v, &r->out, &err) != 0) {
		vg_buf_reset(&r->out);
		return vg_reply_err(r, &err);
	}
	r->content_type = "application/xml; charset=utf-8";
	r->status = 200;
	return 0;
}

const struct vg_route vg_routes_e2b[] = {
	{"POST", "/api/v1/e2b", VG_RP_REPORTER | VG_RP_REVIEWER, h_upload, VG_BODY_UPLOAD},
	{"GET", "/api/v1/cases/{id}/e2b", VG_RP_ANY, h_download, 0},
	{NULL, NULL, 0, NULL, 0},
};
