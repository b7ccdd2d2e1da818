/*
 * metrics.c - counters and the Prometheus text exposition (format 0.0.4).
 *
 * Everything is a relaxed atomic bumped on the request path; rendering
 * reads them without a lock (a scrape may see counters a few requests
 * apart, which Prometheus tolerates).  Latency is a histogram with fixed
 * bucket bounds (seconds) below; the bucket counters are per bucket and
 * made cumulative when rendered.
 */
#include "vg.h"
#include "util/util.h"
#include "http/http_int.h"

static const double bounds[11] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                  0.05,   0.1,   0.25,   0.5,   1.0};

void vg_metrics_observe(struct vg_metrics *m, int status, double seconds)
{
	int cls = status / 100;
	size_t b = 0;

	atomic_fetch_add_explicit(&m->req_total[cls >= 1 && cls <= 5 ? cls : 0], 1,
	                          memory_order_relaxed);
	while (b < VG_ARRAY_LEN(bounds) && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->lat_bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lat_sum_us, (uint64_t)(seconds * 1e6), memory_order_relaxed);
}

static void counter(struct vg_buf *o, const char *name, const char *help, uint64_t v)
{
	vg_buf_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name,
	              name, v);
}

static void gauge(struct vg_buf *o, const char *name, const char *help, double v)
{
	vg_buf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n%s %.6g\n", name, help, name, name, v);
}

static void histogram(struct vg_metrics *m, struct vg_buf *o)
{
	const char *n = "vigil_http_request_duration_seconds";
	uint64_t cum = 0;

	vg_buf_printf(o, "# HELP %s Time from request headers to response queued.\n"
	                 "# TYPE %s histogram\n", n, n);
	for (size_t b = 0; b < VG_ARRAY_LEN(bounds); b++) {
		cum += atomic_load(&m->lat_bucket[b]);
		vg_buf_printf(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", n, bounds[b], cum);
	}
	cum += atomic_load(&m->lat_bucket[VG_ARRAY_LEN(bounds)]);
	vg_buf_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.6f\n%s_count %" PRIu64 "\n",
	              n, cum, n, (double)atomic_load(&m->lat_sum_us) / 1e6, n, cum);
}

int vg_metrics_render(struct vg_metrics *m, struct vg_http_server *srv, struct vg_buf *o)
{
	static const char *const cls[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

	vg_buf_puts(o, "# HELP vigil_http_requests_total Requests answered, by status class.\n"
	               "# TYPE vigil_http_requests_total counter\n");
	for (int i = 0; i < 6; i++)
		vg_buf_printf(o, "vigil_http_requests_total{code=\"%s\"} %" PRIu64 "\n", cls[i],
		              (uint64_t)atomic_load(&m->req_total[i]));
	histogram(m, o);
	counter(o, "vigil_submissions_total", "Case versions stored through the API.",
	        atomic_load(&m->submissions));
	counter(o, "vigil_late_submissions_total", "Submissions past their Chinese deadline.",
	        atomic_load(&m->late_submissions));
	counter(o, "vigil_rejected_total", "Submissions refused by validation.",
	        atomic_load(&m->rejected));
	counter(o, "vigil_writer_commits_total", "Group commits by the writer.",
	        atomic_load(&m->batches));
	counter(o, "vigil_writer_jobs_total", "Write jobs run by the writer.",
	        atomic_load(&m->batch_jobs));
	counter(o, "vigil_writer_retries_total", "Groups rolled back and rerun one by one.",
	        atomic_load(&m->batch_retries));
	counter(o, "vigil_logins_total", "Successful logins.", atomic_load(&m->logins_ok));
	counter(o, "vigil_login_failures_total", "Failed logins.", atomic_load(&m->logins_failed));
	counter(o, "vigil_login_throttled_total", "Logins refused by rate limits.",
	        atomic_load(&m->logins_limited));
	counter(o, "vigil_http_too_large_total", "Requests refused with 413.",
	        atomic_load(&m->too_big));
	gauge(o, "vigil_http_active_requests", "Requests in flight.", atomic_load(&m->active));
	gauge(o, "vigil_http_threads", "Polling threads.", vg_server_threads(srv));
	gauge(o, "vigil_uptime_seconds", "Seconds since start.", vg_server_uptime(srv));
	return 0;
}
