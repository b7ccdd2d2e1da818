/*
 * routes_system.c - liveness, metrics and the embedded web page.
 *
 *   GET /health, /api/v1/health   {"status":"ok"} when the store answers
 *   GET /metrics                  Prometheus text (public, like most
 *                                 exporters: bind to loopback or filter it)
 *   GET /, /{asset}               web/ files compiled into the binary
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "web/web.h"
#include "http/http_int.h"

static int h_health(struct vg_req *r)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	int version = 0, applied = 0;

	if (!st || vg_store_schema_version(st, &version, &applied, &err) != 0)
		return vg_reply_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
	return vg_reply_json(r, 200, json_pack("{s:s,s:s,s:i,s:f}", "status", "ok", "backend",
	                                       vg_store_backend(st), "schema", version,
	                                       "uptime_s", vg_server_uptime(r->srv)));
}

static int h_metrics(struct vg_req *r)
{
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return vg_metrics_render(vg_req_metrics(r), r->srv, &r->out);
}

static int serve_asset(struct vg_req *r, const char *path)
{
	const struct vg_web_asset *a = vg_web_find(path);

	if (!a)
		return vg_reply_error(r, 404, "not_found", "no such resource");
	vg_buf_append(&r->out, a->data, a->len);
	r->content_type = a->type;
	r->status = 200;
	vg_req_add_header(r, "Content-Security-Policy",
	                  "default-src 'self'; style-src 'self'; script-src 'self'; "
	                  "frame-ancestors 'none'");
	return 0;
}

static int h_index(struct vg_req *r) { return serve_asset(r, "index.html"); }
static int h_asset(struct vg_req *r) { return serve_asset(r, vg_req_param(r, "asset")); }

const struct vg_route vg_routes_system[] = {
	{"GET", "/health", VG_RP_PUBLIC, h_health, 0},
	{"GET", "/api/v1/health", VG_RP_PUBLIC, h_health, 0},
	{"GET", "/metrics", VG_RP_PUBLIC, h_metrics, 0},
	{"GET", "/", VG_RP_PUBLIC, h_index, 0},
	{"GET", "/{asset}", VG_RP_PUBLIC, h_asset, 0},
	{NULL, NULL, 0, NULL, 0},
};
