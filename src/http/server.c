/*
 * server.c - libmicrohttpd glue: request lifecycle, caps, dispatch, stop.
 *
 * Threading.  MHD runs cfg->threads polling threads (epoll, one listen
 * socket shared through the kernel).  A slow client only holds a socket,
 * never a thread: reads and writes are non-blocking and an idle connection
 * is closed after cfg->timeout_s.  Handlers that read open a per-thread
 * store, read-only (thread-local, registered so that stop can close them
 * all): only the writer thread's connection can change the database.
 * Handlers that write queue a job for the writer thread (writer.c) and
 * suspend the connection; the writer resumes it once the group commit is
 * on disk.
 *
 * Caps (STYLE.md #9).  Request line + headers: MHD's per-connection memory
 * pool (cfg->max_header; MHD answers 431/414 past it).  Body: the route's
 * cap; a Content-Length above it is refused with 413 before the body is
 * read; a chunked body that crosses it is discarded and answered 413, and a
 * client that keeps sending past four times the cap is disconnected.
 *
 * Graceful stop.  SIGTERM -> vg_http_stop: quiesce (close the listen
 * socket), answer any new request on a kept-alive connection with 503 +
 * "Connection: close", wait for in-flight requests and writer jobs (at most
 * cfg->drain_s), then stop MHD and the writer and close the stores.
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "http/http_int.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct store_slot {
	struct vg_store *st;
	struct store_slot *next;
};

struct vg_http_server {
	struct vg_http_config cfg;
	char *db, *listen;
	struct MHD_Daemon *mhd;
	struct vg_store *wstore; /* the writer's */
	struct vg_writer *writer;
	struct vg_pool *pool;
	struct vg_auth *auth;
	struct vg_ofda_cache *ofda;
	struct vg_rcache *rcache;
	struct vg_metrics metrics;
	atomic_bool draining;
	unsigned port;
	double started;
	pthread_mutex_t slots_mu;
	struct store_slot *slots;
};

static _Thread_local struct vg_store *tls_store;
static _Thread_local struct vg_http_server *tls_owner;

static void slog(struct vg_http_server *s, const char *fmt, ...) VG_PRINTF(2, 3);
static void slog(struct vg_http_server *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_ctx, msg);
}

/* ------------------------------------------------------------ accessors */

const struct vg_http_config *vg_req_cfg(struct vg_req *r) { return &r->srv->cfg; }
struct vg_writer *vg_req_writer(struct vg_req *r) { return r->srv->writer; }
struct vg_auth *vg_req_auth(struct vg_req *r) { return r->srv->auth; }
struct vg_metrics *vg_req_metrics(struct vg_req *r) { return &r->srv->metrics; }
struct vg_ofda_cache *vg_req_ofda(struct vg_req *r) { return r->srv->ofda; }
struct vg_rcache *vg_req_rcache(struct vg_req *r) { return r->srv->rcache; }
struct vg_rcache *vg_server_rcache(struct vg_http_server *s) { return s->rcache; }
struct vg_metrics *vg_server_metrics(struct vg_http_server *s) { return &s->metrics; }
unsigned vg_server_threads(struct vg_http_server *s) { return s->cfg.threads; }
double vg_server_uptime(struct vg_http_server *s) { return vg_now_seconds() - s->started; }
unsigned vg_http_port(const struct vg_http_server *s) { return s->port; }

const char *vg_req_param(struct vg_req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->pnames[i], name) == 0)
			return r->pvalues[i];
	return NULL;
}

const char *vg_req_query(struct vg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *vg_req_header(struct vg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void vg_req_add_header(struct vg_req *r, const char *name, const char *value)
{
	if (r->nhdr >= (int)VG_ARRAY_LEN(r->hdr_name))
		return;
	r->hdr_name[r->nhdr] = vg_arena_strdup(&r->arena, name);
	r->hdr_value[r->nhdr] = vg_arena_strdup(&r->arena, value);
	r->nhdr++;
}

/* The calling thread's read store, opened on first use. */
struct vg_store *vg_req_store(struct vg_req *r, struct vg_err *err)
{
	struct vg_http_server *s = r->srv;
	struct store_slot *slot;

	if (tls_store && tls_owner == s)
		return tls_store;
	if (vg_store_open(s->db, VG_STORE_READONLY, &tls_store, err) != 0)
		return NULL;
	tls_owner = s;
	slot = vg_xcalloc(1, sizeof(*slot));
	slot->st = tls_store;
	pthread_mutex_lock(&s->slots_mu);
	slot->next = s->slots;
	s->slots = slot;
	pthread_mutex_unlock(&s->slots_mu);
	return tls_store;
}

static void prepare_job(struct vg_req *r,
                        int (*run)(struct vg_store *, struct vg_wjob *, struct vg_err *),
                        void *ctx, int (*on_done)(struct vg_req *))
{
	memset(&r->job, 0, sizeof(r->job));
	r->job.run = run;
	r->job.ctx = ctx;
	r->job.req = r;
	r->job.touch = r->touch;
	r->job.touch_id = r->touch_id;
	atomic_store(&r->job.done, false);
	r->on_done = on_done;
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

int vg_req_write(struct vg_req *r, int (*run)(struct vg_store *, struct vg_wjob *, struct vg_err *),
                 void *ctx, int (*on_done)(struct vg_req *))
{
	prepare_job(r, run, ctx, on_done);
	vg_writer_submit(r->srv->writer, &r->job);
	return VG_HTTP_ASYNC;
}

int vg_req_offload(struct vg_req *r, int (*run)(struct vg_store *, struct vg_wjob *, struct vg_err *),
                   void *ctx, int (*on_done)(struct vg_req *))
{
	prepare_job(r, run, ctx, on_done);
	vg_pool_submit(r->srv->pool, &r->job);
	return VG_HTTP_ASYNC;
}

/* Called by the writer thread when r's job is on disk (or failed). */
void vg_http_job_finished(struct vg_wjob *j)
{
	struct vg_req *r = j->req;

	atomic_store(&j->done, true);
	MHD_resume_connection(r->conn);
}

/* ------------------------------------------------------------ responses */

static enum MHD_Result send_reply(struct vg_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = 0;
	char *body = vg_buf_detach(&r->out, &len);

	if (body)
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        r->content_type ? r->content_type : "application/json; charset=utf-8");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (int i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	if (r->close || atomic_load(&r->srv->draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	r->responded = true;
	return ret;
}

/* ------------------------------------------------------------ lifecycle */

static struct vg_req *req_new(struct vg_http_server *s, struct MHD_Connection *c,
                              const char *url, const char *method)
{
	struct vg_req *r = vg_xcalloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *ci;

	r->srv = s;
	r->conn = c;
	r->t0 = vg_now_seconds();
	vg_arena_init(&r->arena, 16 * 1024);
	r->method = vg_arena_strdup(&r->arena, method);
	r->path = vg_arena_strdup(&r->arena, url);
	r->out = (struct vg_buf)VG_BUF_INIT((size_t)256 << 20);
	r->status = 200;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			          r->addr, sizeof(r->addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			          r->addr, sizeof(r->addr));
	}
	atomic_fetch_add(&s->metrics.active, 1);
	return r;
}

static void req_free(struct vg_req *r)
{
	atomic_fetch_sub(&r->srv->metrics.active, 1);
	vg_buf_release(&r->body);
	vg_buf_release(&r->out);
	vg_arena_release(&r->arena);
	free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct vg_req *r = *con_cls;

	VG_UNUSED(cls);
	VG_UNUSED(c);
	VG_UNUSED(toe);
	if (!r)
		return;
	vg_metrics_observe(&r->srv->metrics, r->responded ? r->status : 499,
	                   vg_now_seconds() - r->t0);
	req_free(r);
	*con_cls = NULL;
}

/* The bearer token: "Authorization: Bearer T", else ?api_key=T (openFDA). */
static const char *req_token(struct vg_req *r)
{
	const char *h = vg_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		h += 7;
		while (*h == ' ')
			h++;
		return h;
	}
	return vg_req_query(r, "api_key");
}

/* These return true when they have prepared an error reply. */
static bool check_auth(struct vg_req *r)
{
	const char *tok;

	if (r->route->roles == VG_RP_PUBLIC)
		return false;
	tok = req_token(r);
	if (!tok || !*tok || vg_auth_check(r->srv->auth, r, tok) != 0) {
		vg_req_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		vg_reply_error(r, 401, "unauthenticated",
		               tok && *tok ? "token invalid or expired" : "login required");
		return true;
	}
	r->authed = true;
	if (!(r->route->roles & (1u << r->user.role))) {
		vg_reply_error(r, 403, "forbidden", "your role may not do this");
		return true;
	}
	return false;
}

static bool check_length(struct vg_req *r)
{
	const char *cl = vg_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t n = 0;

	r->body_cap = r->route->max_body == VG_BODY_UPLOAD ? r->srv->cfg.max_upload
	            : r->route->max_body ? r->route->max_body : r->srv->cfg.max_body;
	r->body = (struct vg_buf)VG_BUF_INIT(r->body_cap);
	if (cl && (vg_parse_i64(vg_sv_of(cl), &n) != 0 || n < 0)) {
		r->close = true;
		vg_reply_error(r, 400, "bad_request", "bad Content-Length");
		return true;
	}
	if (n > (int64_t)r->body_cap) {
		atomic_fetch_add(&r->srv->metrics.too_big, 1);
		r->close = true;
		vg_reply_error(r, 413, "too_large", "body over %zu bytes", r->body_cap);
		return true;
	}
	return false;
}

/* Headers are in: route, cap, authenticate.  true: an error reply is
 * ready and ends the request early (the body, if any, is not read). */
static bool begin(struct vg_req *r)
{
	bool mismatch = false;

	if (atomic_load(&r->srv->draining)) {
		r->close = true;
		vg_req_add_header(r, "Retry-After", "1");
		vg_reply_error(r, 503, "shutting_down", "server is stopping");
		return true;
	}
	r->route = vg_route_match(r->method, r->path, &r->arena, r->pnames, r->pvalues,
	                          &r->nparams, &mismatch);
	if (!r->route) {
		if (mismatch)
			vg_reply_error(r, 405, "method_not_allowed", "%s not allowed here", r->method);
		else
			vg_reply_error(r, 404, "not_found", "no such resource");
		return true;
	}
	return check_length(r) || check_auth(r);
}

static int dispatch(struct vg_req *r)
{
	int rc;

	if (r->too_big) {
		atomic_fetch_add(&r->srv->metrics.too_big, 1);
		r->close = true;
		return vg_reply_error(r, 413, "too_large", "body over %zu bytes", r->body_cap);
	}
	rc = r->route->handler(r);
	if (rc == VG_HTTP_ASYNC)
		return rc;
	if (rc < 0 && !r->responded) {
		vg_buf_reset(&r->out);
		r->content_type = NULL;
		return vg_reply_error(r, 500, "internal", "%s", vg_strerror(rc));
	}
	return 0;
}

static enum MHD_Result body_chunk(struct vg_req *r, const char *data, size_t *size)
{
	if (!r->too_big && vg_buf_append(&r->body, data, *size) != 0)
		r->too_big = true;
	if (r->too_big) {
		r->discarded += *size;
		if (r->discarded > 4 * r->body_cap)
			return MHD_NO;
	}
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct vg_req *r = *con_cls;
	int rc;

	VG_UNUSED(version);
	if (!r) {
		r = req_new(cls, c, url, method);
		*con_cls = r;
		if (!begin(r))
			return MHD_YES;
		/* An unread body must not be taken for the next request. */
		if (vg_req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
		    (vg_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
		     strcmp(vg_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH), "0") != 0))
			r->close = true;
		return send_reply(r);
	}
	if (r->responded) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return body_chunk(r, upload_data, upload_data_size);
	if (r->suspended) {
		if (!atomic_load(&r->job.done))
			return MHD_YES;
		r->suspended = false;
		rc = r->on_done(r);
		if (rc == VG_HTTP_ASYNC) /* chained another job */
			return MHD_YES;
		if (rc < 0)
			vg_reply_error(r, 500, "internal", "internal error");
		return send_reply(r);
	}
	if (dispatch(r) == VG_HTTP_ASYNC)
		return MHD_YES;
	return send_reply(r);
}

/* ------------------------------------------------------------ start/stop */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct vg_http_server *s = cls;
	char msg[512];

	if (!s->cfg.log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	s->cfg.log(s->cfg.log_ctx, msg);
}

/* "host:port", "[v6]:port", ":port" -> sockaddr. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, bool *v6,
                        struct vg_err *err)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	int64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon || vg_parse_i64(vg_sv_of(colon + 1), &port) != 0 || port < 0 || port > 65535)
		return vg_err_set(err, VG_EINVAL, "listen", "expected HOST:PORT, got '%s'", spec);
	hl = (size_t)(colon - spec);
	if (hl >= sizeof(host))
		return vg_err_set(err, VG_EINVAL, "listen", "host too long");
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return vg_err_set(err, VG_EINVAL, "listen", "bad IPv6 address '%s'", host + 1);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*v6 = false;
	if (hl == 0)
		vg_strlcpy(host, "127.0.0.1", sizeof(host));
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return vg_err_set(err, VG_EINVAL, "listen", "bad IPv4 address '%s'", host);
	return 0;
}

static int start_mhd(struct vg_http_server *s, struct vg_err *err)
{
	struct sockaddr_storage ss;
	bool v6 = false;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	                 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	int rc = parse_listen(s->listen, &ss, &v6, err);

	if (rc)
		return rc;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->cfg.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s->cfg.timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s->cfg.max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)s->cfg.max_per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->cfg.max_header,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_END);
	if (!s->mhd)
		return vg_err_set(err, VG_EIO, "listen", "cannot listen on %s: %s", s->listen,
		                  strerror(errno));
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	return 0;
}

int vg_http_start(const struct vg_http_config *cfg, struct vg_http_server **out,
                  struct vg_err *err)
{
	struct vg_http_server *s = vg_xcalloc(1, sizeof(*s));
	int rc;

	s->cfg = *cfg;
	s->db = vg_xstrdup(cfg->db ? cfg->db : "");
	s->listen = vg_xstrdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
	if (!s->cfg.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->cfg.threads = n > 0 ? (unsigned)n : 2;
	}
	s->started = vg_now_seconds();
	pthread_mutex_init(&s->slots_mu, NULL);
	if ((rc = vg_store_open(s->db, VG_STORE_CREATE, &s->wstore, err)) != 0)
		goto fail;
	if (!(s->auth = vg_auth_new(&s->cfg, err))) {
		rc = err->code ? err->code : VG_EINTERNAL;
		goto fail;
	}
	s->ofda = vg_ofda_cache_new();
	s->rcache = vg_rcache_new();
	if ((rc = vg_writer_start(s, s->wstore, &s->writer, err)) != 0)
		goto fail;
	s->pool = vg_pool_start(2);
	if ((rc = start_mhd(s, err)) != 0)
		goto fail;
	slog(s, "listening on %s port %u with %u threads", s->listen, s->port, s->cfg.threads);
	*out = s;
	return 0;
fail:
	vg_http_stop(s);
	return rc;
}

static void drain(struct vg_http_server *s)
{
	double deadline = vg_now_seconds() + s->cfg.drain_s;
	struct timespec ts = {0, 5 * 1000 * 1000};

	atomic_store(&s->draining, true);
	if (s->mhd)
		MHD_quiesce_daemon(s->mhd);
	while (vg_now_seconds() < deadline) {
		if (atomic_load(&s->metrics.active) == 0 &&
		    (!s->writer || vg_writer_pending(s->writer) == 0) &&
		    (!s->pool || vg_pool_pending(s->pool) == 0))
			break;
		nanosleep(&ts, NULL);
	}
	/* Requests still suspended would make MHD_stop_daemon abort: let the
	 * writer finish every queued job so each one is resumed. */
	while ((s->writer && vg_writer_pending(s->writer) > 0) ||
	       (s->pool && vg_pool_pending(s->pool) > 0))
		nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
}

void vg_http_stop(struct vg_http_server *s)
{
	struct store_slot *slot, *next;
	bool started;

	if (!s)
		return;
	started = s->mhd != NULL;
	if (s->mhd) {
		drain(s);
		MHD_stop_daemon(s->mhd);
	}
	vg_pool_stop(s->pool);
	if (s->writer)
		vg_writer_stop(s->writer);
	for (slot = s->slots; slot; slot = next) {
		next = slot->next;
		vg_store_close(slot->st);
		free(slot);
	}
	if (s->wstore)
		vg_store_close(s->wstore);
	vg_auth_free(s->auth);
	vg_ofda_cache_free(s->ofda);
	vg_rcache_free(s->rcache);
	if (started)
		slog(s, "stopped");
	pthread_mutex_destroy(&s->slots_mu);
	free(s->db);
	free(s->listen);
	free(s);
}
