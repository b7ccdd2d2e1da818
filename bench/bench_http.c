/*
 * bench_http.c - HTTP load generator and checker for `vigil serve`.
 *
 *   bench_http --port P --token T --mode submit --conns N --seconds S
 *              [--body FILE] [--ack FILE] [--prefix ID]
 *   bench_http --port P --token T --mode read --ids FILE --conns N --seconds S
 *   bench_http --port P --token T --mode verify --ids FILE --expect TEXT
 *
 * One thread, epoll, N keep-alive connections to 127.0.0.1:P, one request
 * in flight per connection (closed-loop load: N is the concurrency).
 * submit POSTs /api/v1/cases with the body template and a unique case_id
 * ("<prefix>-<n>") per request; each 201's id is appended to --ack (the
 * durability test's list of acknowledged cases).  read GETs
 * /api/v1/cases/{id} round-robin over the ids in --ids.  verify GETs each
 * id once and checks a 200 whose body contains --expect (a string from the
 * template, e.g. a Chinese term), printing every id that fails.
 *
 * A connection error (the server was killed) is counted, the connection
 * re-opened after 50 ms; the run ends at --seconds regardless.  Prints one
 * line: requests, ok, errors, throughput, p50/p90/p99/max latency in ms.
 * Loopback only, bounded by --seconds (and --max-requests).
 */
#include "vg.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	struct vg_buf req, resp;
	double t0, retry_at;
	char id[128];
	size_t hdr_end, want;
	int status;
	bool busy, out_armed;
};

struct opts {
	int port, conns;
	double seconds;
	int64_t max_requests;
	const char *token, *mode, *body_file, *ack_file, *ids_file, *prefix, *expect;
};

static struct opts o = {8080, 8, 5, 0, "", "read", NULL, NULL, NULL, "LG", NULL};
static char *body_text, *body_tail; /* template; after its opening '{' */
static char *ids_text;
static char **ids;
static size_t nids, next_id;
static int64_t seq, sent, ok, errors, bad_status;
static double *lat;
static size_t nlat, lat_cap;
static FILE *ack;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct vg_buf b = VG_BUF_INIT(0);
	char chunk[8192];
	size_t n;

	if (!f)
		vg_die("bench_http: %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vg_buf_append(&b, chunk, n);
	fclose(f);
	return vg_buf_detach(&b, &n);
}

static void load_ids(void)
{
	char *text = ids_text = slurp(o.ids_file), *save = NULL;
	size_t cap = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		VG_GROW(ids, cap, nids + 1);
		ids[nids++] = l;
	}
	if (!nids)
		vg_die("bench_http: no ids in %s", o.ids_file);
}

static int dial(void)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)o.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void build_request(struct conn *c)
{
	vg_buf_reset(&c->req);
	if (strcmp(o.mode, "submit") == 0) {
		struct vg_buf body = VG_BUF_INIT(0);
		snprintf(c->id, sizeof(c->id), "%s-%" PRId64, o.prefix, seq++);
		vg_buf_printf(&body, "{\"case_id\":\"%s\",%s", c->id, body_tail);
		vg_buf_printf(&c->req, "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		              "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		              "Content-Length: %zu\r\n\r\n", o.token, body.len);
		vg_buf_append(&c->req, body.p, body.len);
		vg_buf_release(&body);
		return;
	}
	vg_strlcpy(c->id, ids[next_id++ % nids], sizeof(c->id));
	vg_buf_printf(&c->req, "GET /api/v1/cases/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	              "Authorization: Bearer %s\r\n\r\n", c->id, o.token);
}

static bool done_sending(void)
{
	if (o.max_requests && sent >= o.max_requests)
		return true;
	return strcmp(o.mode, "verify") == 0 && next_id >= nids;
}

static void on_event(int ep, struct conn *c, uint32_t evs, double now);

/* Send the next request at once; EPOLLOUT only when the socket is full. */
static void start(int ep, struct conn *c, double now)
{
	struct epoll_event ev = {EPOLLIN, {.ptr = c}};

	if (done_sending())
		return;
	if (c->fd < 0) {
		if ((c->fd = dial()) < 0) {
			errors++;
			c->retry_at = now + 0.05;
			return;
		}
		ev.events = EPOLLIN | EPOLLOUT;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	build_request(c);
	vg_buf_reset(&c->resp);
	c->hdr_end = c->want = 0;
	c->t0 = now;
	c->busy = true;
	sent++;
	on_event(ep, c, EPOLLOUT, now);
}

static void fail(int ep, struct conn *c, double now)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->busy = false;
	c->retry_at = now + 0.05;
	errors++;
}

static void finished(struct conn *c, double now)
{
	const char *body = c->resp.p + c->hdr_end;

	VG_GROW(lat, lat_cap, nlat + 1);
	lat[nlat++] = now - c->t0;
	c->busy = false;
	if (strcmp(o.mode, "submit") == 0 && c->status == 201) {
		ok++;
		if (ack)
			fprintf(ack, "%s\n", c->id);
	} else if (strcmp(o.mode, "verify") == 0) {
		if (c->status == 200 && strstr(body, c->id) && (!o.expect || strstr(body, o.expect)))
			ok++;
		else
			printf("MISSING %s (status %d)\n", c->id, c->status), bad_status++;
	} else if (c->status == 200) {
		ok++;
	} else {
		bad_status++;
	}
}

/* Parse what has arrived; true when the response is complete. */
static bool parse(struct conn *c)
{
	char *end, *cl;

	if (!c->hdr_end) {
		end = strstr(c->resp.p, "\r\n\r\n");
		if (!end)
			return false;
		c->hdr_end = (size_t)(end - c->resp.p) + 4;
		c->status = (int)strtol(c->resp.p + 9, NULL, 10);
		cl = strcasestr(c->resp.p, "\r\nContent-Length:");
		c->want = c->hdr_end + (cl && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0);
	}
	return c->resp.len >= c->want;
}

static void on_event(int ep, struct conn *c, uint32_t evs, double now)
{
	char buf[65536];
	ssize_t n;

	if (evs & (EPOLLERR | EPOLLHUP)) {
		fail(ep, c, now);
		return;
	}
	if ((evs & EPOLLOUT) && c->req.len) {
		n = send(c->fd, c->req.p, c->req.len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != ENOTCONN) {
			fail(ep, c, now);
			return;
		}
		if (n > 0) {
			memmove(c->req.p, c->req.p + n, c->req.len - (size_t)n);
			c->req.len -= (size_t)n;
		}
		struct epoll_event ev = {c->req.len ? EPOLLIN | EPOLLOUT : EPOLLIN, {.ptr = c}};
		if (c->req.len || c->out_armed)
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->out_armed = c->req.len != 0;
	}
	if (!(evs & EPOLLIN))
		return;
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			vg_buf_append(&c->resp, buf, (size_t)n);
			if (parse(c)) {
				finished(c, now);
				start(ep, c, now);
				return;
			}
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			fail(ep, c, now);
		return;
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(double elapsed)
{
	double p50 = 0, p90 = 0, p99 = 0, mx = 0;

	qsort(lat, nlat, sizeof(*lat), cmp_d);
	if (nlat) {
		p50 = lat[nlat / 2];
		p90 = lat[(size_t)(nlat * 0.90)];
		p99 = lat[(size_t)(nlat * 0.99)];
		mx = lat[nlat - 1];
	}
	printf("mode=%s conns=%d seconds=%.2f requests=%zu ok=%" PRId64 " errors=%" PRId64
	       " other_status=%" PRId64 " rate=%.0f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
	       o.mode, o.conns, elapsed, nlat, ok, errors, bad_status, (double)ok / elapsed,
	       p50 * 1e3, p90 * 1e3, p99 * 1e3, mx * 1e3);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		int64_t n = 0;
		if (!strcmp(k, "--port") && !vg_parse_i64(vg_sv_of(v), &n)) o.port = (int)n;
		else if (!strcmp(k, "--conns") && !vg_parse_i64(vg_sv_of(v), &n)) o.conns = (int)n;
		else if (!strcmp(k, "--seconds")) vg_parse_double(vg_sv_of(v), &o.seconds);
		else if (!strcmp(k, "--max-requests")) vg_parse_i64(vg_sv_of(v), &o.max_requests);
		else if (!strcmp(k, "--token")) o.token = v;
		else if (!strcmp(k, "--mode")) o.mode = v;
		else if (!strcmp(k, "--body")) o.body_file = v;
		else if (!strcmp(k, "--ack")) o.ack_file = v;
		else if (!strcmp(k, "--ids")) o.ids_file = v;
		else if (!strcmp(k, "--prefix")) o.prefix = v;
		else if (!strcmp(k, "--expect")) o.expect = v;
		else vg_die("bench_http: unknown or bad option %s", k);
	}
	if (o.conns < 1 || o.conns > 4096 || o.seconds <= 0 || o.seconds > 3600)
		vg_die("bench_http: --conns 1..4096, --seconds 0..3600");
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct conn *cs;
	double t0, now;
	int ep;

	parse_args(argc, argv);
	if (strcmp(o.mode, "submit") == 0) {
		char *t = body_text = slurp(o.body_file ? o.body_file : "tests/data/http/case_drug.json");
		body_tail = strchr(t, '{');
		if (!body_tail)
			vg_die("bench_http: body template is not a JSON object");
		body_tail++;
		if (o.ack_file && !(ack = fopen(o.ack_file, "w")))
			vg_die("bench_http: %s: %s", o.ack_file, strerror(errno));
	} else {
		if (!o.ids_file)
			vg_die("bench_http: --ids FILE needed for %s", o.mode);
		load_ids();
	}
	ep = epoll_create1(0);
	cs = vg_xcalloc((size_t)o.conns, sizeof(*cs));
	t0 = now = vg_now_seconds();
	for (int i = 0; i < o.conns; i++) {
		cs[i].fd = -1;
		cs[i].req = (struct vg_buf)VG_BUF_INIT(0);
		cs[i].resp = (struct vg_buf)VG_BUF_INIT(0);
		start(ep, &cs[i], now);
	}
	while ((now = vg_now_seconds()) - t0 < o.seconds) {
		int n = epoll_wait(ep, evs, 256, 10), busy = 0;
		now = vg_now_seconds();
		for (int i = 0; i < n; i++)
			on_event(ep, evs[i].data.ptr, evs[i].events, now);
		for (int i = 0; i < o.conns; i++) {
			if (!cs[i].busy && cs[i].retry_at <= now)
				start(ep, &cs[i], now);
			busy += cs[i].busy;
		}
		if (!busy && done_sending())
			break;
	}
	report(now - t0);
	if (ack)
		fclose(ack);
	for (int i = 0; i < o.conns; i++) {
		if (cs[i].fd >= 0)
			close(cs[i].fd);
		vg_buf_release(&cs[i].req);
		vg_buf_release(&cs[i].resp);
	}
	free(cs);
	free(lat);
	free(body_text);
	free(ids_text);
	free(ids);
	close(ep);
	return bad_status && strcmp(o.mode, "verify") == 0 ? 1 : 0;
}
