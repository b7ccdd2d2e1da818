/*
 * json.c - JSON in and out of requests.
 *
 * In: a body is parsed with jansson in strict mode: invalid UTF-8, a NUL
 * escape (\u0000), duplicate keys, trailing data and a top level that is
 * not an object are all refused with 400 and the line/column of the fault.
 *
 * Out: every error has one shape,
 *
 *   {"error": {"code": "invalid", "message": "...",
 *              "problems": [{"field": "patient.sex", "kind": "error",
 *                            "message": "..."}]}}
 *
 * "problems" only where there are several (validation lists them all).
 * openFDA clients read error.code and error.message, which this shape
 * shares with openFDA's.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "http/http_int.h"

int vg_reply_json(struct vg_req *r, int status, json_t *j)
{
	char *s;

	r->status = status;
	vg_buf_reset(&r->out);
	r->content_type = NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return VG_ENOMEM;
	if (vg_buf_puts(&r->out, s) != 0) {
		free(s);
		return VG_ETOOBIG;
	}
	free(s);
	return 0;
}

static json_t *error_obj(const char *code, const char *msg)
{
	return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
}

int vg_reply_error(struct vg_req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vg_reply_json(r, status, error_obj(code, msg));
}

int vg_http_status_of(int code)
{
	switch (code) {
	case VG_EINVAL: case VG_EPARSE: case VG_ERANGE: return 400;
	case VG_EAUTH: return 401;
	case VG_EPERM: return 403;
	case VG_ENOTFOUND: return 404;
	case VG_EEXIST: case VG_ECONFLICT: return 409;
	case VG_ETOOBIG: return 413;
	case VG_EDB: case VG_EIO: return 503;
	default: return 500;
	}
}

static const char *code_name(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthenticated";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 409: return "conflict";
	case 413: return "too_large";
	case 503: return "unavailable";
	default: return "internal";
	}
}

int vg_reply_err(struct vg_req *r, const struct vg_err *err)
{
	int status = vg_http_status_of(err->code ? err->code : VG_EINTERNAL);
	char msg[VG_ERR_MSG_MAX + VG_ERR_FIELD_MAX + 8];

	/* Internal details (SQL text, file paths) stay in the server. */
	if (status >= 500)
		return vg_reply_error(r, status, code_name(status), "%s",
		                      vg_strerror(err->code ? err->code : VG_EINTERNAL));
	vg_err_str(err, msg, sizeof(msg));
	return vg_reply_error(r, status, code_name(status), "%s", msg);
}

static const char *kind_name(int kind)
{
	return kind == VG_PROBLEM_ERROR ? "error"
	     : kind == VG_PROBLEM_MINIMUM ? "minimum" : "warning";
}

json_t *vg_problems_json(const struct vg_problems *p, bool warnings)
{
	json_t *arr = json_array();

	for (size_t i = 0; p && i < p->n; i++) {
		const struct vg_problem *pr = &p->items[i];
		if ((pr->kind == VG_PROBLEM_WARNING) != warnings)
			continue;
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "field",
		                                     pr->field ? pr->field : "", "kind",
		                                     kind_name(pr->kind), "message",
		                                     pr->msg ? pr->msg : ""));
	}
	return arr;
}

int vg_reply_problems(struct vg_req *r, int status, const char *msg,
                      const struct vg_problems *p)
{
	json_t *e = error_obj("invalid", msg);

	json_object_set_new(json_object_get(e, "error"), "problems", vg_problems_json(p, false));
	atomic_fetch_add(&vg_req_metrics(r)->rejected, 1);
	return vg_reply_json(r, status, e);
}

json_t *vg_req_json_body(struct vg_req *r)
{
	json_error_t je;
	json_t *j;

	if (r->body.len == 0) {
		vg_reply_error(r, 400, "bad_json", "request body is empty; a JSON object is expected");
		return NULL;
	}
	j = json_loadb(r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		json_t *e = error_obj("bad_json", je.text);
		json_t *pr = json_pack("{s:s,s:s,s:s,s:i,s:i}", "field", "", "kind", "error",
		                       "message", je.text, "line", je.line, "column", je.column);
		json_object_set_new(json_object_get(e, "error"), "problems", json_pack("[o]", pr));
		vg_reply_json(r, 400, e);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		vg_reply_error(r, 400, "bad_json", "a JSON object is expected");
		return NULL;
	}
	return j;
}

const char *vg_json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int vg_query_int(struct vg_req *r, const char *name, int64_t def, int64_t max, int64_t *out)
{
	const char *s = vg_req_query(r, name);
	int64_t v;

	*out = def;
	if (!s)
		return 0;
	if (vg_parse_i64(vg_sv_of(s), &v) != 0 || v < 0) {
		vg_reply_error(r, 400, "bad_request", "%s: expected a non-negative integer", name);
		return VG_EINVAL;
	}
	if (v > max) {
		vg_reply_error(r, 400, "bad_request", "%s: at most %" PRId64, name, max);
		return VG_EINVAL;
	}
	*out = v;
	return 0;
}
