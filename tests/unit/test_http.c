/*
 * test_http.c - the pieces of http/ that need no client, and the socket
 * behaviour that curl cannot show: the openFDA query language and its
 * matching (tokens, phrases, .exact, ranges, AND/OR/NOT, _exists_), the
 * route matcher, the Chinese deadlines (Order 81 art. 21; NMPA 2022
 * No. 16), and an in-process server on 127.0.0.1 probed with raw sockets:
 * idle and half-sent connections closed after the timeout, oversized
 * headers and bodies refused, pipelined requests answered in order,
 * truncated bodies dropped without effect.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "http/http_int.h"

#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ openFDA */

static json_t *doc(void)
{
	return json_loads("{\"safetyreportid\":\"CN-1\",\"receivedate\":\"20240315\","
	                  "\"serious\":\"1\",\"patient\":{\"patientsex\":\"2\",\"drug\":["
	                  "{\"medicinalproduct\":\"Aspirin 100 MG Tablets\",\"drugcharacterization\":\"1\"},"
	                  "{\"medicinalproduct\":\"头孢曲松钠\",\"drugcharacterization\":\"2\"}],"
	                  "\"reaction\":[{\"reactionmeddrapt\":\"Rash\"},{\"reactionmeddrapt\":\"药物性皮疹\"}]}}",
	                  0, NULL);
}

static bool q(const char *search, const json_t *d)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_err err = VG_ERR_INIT;
	struct vg_ofda_query *qq = NULL;
	bool hit;

	vg_arena_init(&a, 0);
	assert_int_equal(vg_ofda_parse(search, &a, &qq, &err), 0);
	hit = vg_ofda_match(qq, d);
	vg_arena_release(&a);
	return hit;
}

static int parse_rc(const char *search)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_err err = VG_ERR_INIT;
	struct vg_ofda_query *qq = NULL;
	int rc;

	vg_arena_init(&a, 0);
	rc = vg_ofda_parse(search, &a, &qq, &err);
	vg_arena_release(&a);
	return rc;
}

static void test_ofda_terms(void **state)
{
	json_t *d = doc();

	VG_UNUSED(state);
	assert_true(q("patient.drug.medicinalproduct:aspirin", d));      /* word, any case */
	assert_true(q("patient.drug.medicinalproduct:ASPIRIN", d));
	assert_false(q("patient.drug.medicinalproduct:asp", d));         /* not a substring */
	assert_true(q("patient.drug.medicinalproduct:asp*", d));         /* prefix */
	assert_true(q("patient.drug.medicinalproduct:\"100 mg\"", d));   /* phrase */
	assert_false(q("patient.drug.medicinalproduct:\"mg 100\"", d));
	assert_true(q("patient.drug.medicinalproduct:\"100+mg\"", d));   /* '+' is a space */
	assert_true(q("patient.reaction.reactionmeddrapt:皮疹", d));      /* CJK by character */
	assert_false(q("patient.reaction.reactionmeddrapt:湿疹", d));
	assert_true(q("patient.drug.medicinalproduct.exact:头孢曲松钠", d));
	assert_false(q("patient.drug.medicinalproduct.exact:aspirin", d)); /* whole value */
	assert_true(q("patient.drug.medicinalproduct.exact:\"Aspirin 100 MG Tablets\"", d));
	json_decref(d);
}

static void test_ofda_logic(void **state)
{
	json_t *d = doc();

	VG_UNUSED(state);
	assert_true(q("receivedate:[20240101 TO 20241231]", d));
	assert_true(q("receivedate:[20240101+TO+20240315]", d));         /* inclusive */
	assert_false(q("receivedate:[20240316 TO 20241231]", d));
	assert_true(q("receivedate:[* TO 20240315]", d));
	assert_true(q("serious:1 AND patient.patientsex:2", d));
	assert_false(q("serious:1 AND patient.patientsex:1", d));
	assert_true(q("patient.patientsex:1 patient.patientsex:2", d));  /* adjacency = OR */
	assert_true(q("patient.patientsex:1 OR serious:1", d));
	assert_true(q("NOT patient.patientsex:1", d));
	assert_true(q("(patient.patientsex:1 OR serious:1) AND receivedate:[2024 TO 2025]", d));
	assert_true(q("_exists_:patient.drug.drugcharacterization", d));
	assert_true(q("_missing_:occurcountry", d));
	assert_true(q(NULL, d));
	assert_true(q("", d));
	json_decref(d);
}

static void test_ofda_errors(void **state)
{
	VG_UNUSED(state);
	assert_int_equal(parse_rc("patient.drug"), VG_EINVAL);           /* no colon */
	assert_int_equal(parse_rc("a:\"open"), VG_EINVAL);
	assert_int_equal(parse_rc("a:[1 2]"), VG_EINVAL);
	assert_int_equal(parse_rc("(a:1"), VG_EINVAL);
	assert_int_equal(parse_rc("a:1)"), VG_EINVAL);
	assert_int_equal(parse_rc("a:"), VG_EINVAL);
	assert_int_equal(parse_rc("' OR 1=1 --"), VG_EINVAL);
	char deep[200];
	memset(deep, '(', 100);
	memcpy(deep + 100, "a:1", 4);
	assert_int_equal(parse_rc(deep), VG_EINVAL);                     /* nesting cap */
	assert_true(vg_ofda_field_known(VG_CLASS_DRUG, "patient.reaction.reactionmeddrapt"));
	assert_false(vg_ofda_field_known(VG_CLASS_DRUG, "device.brand_name"));
	assert_true(vg_ofda_field_known(VG_CLASS_DEVICE, "device.brand_name"));
	assert_true(vg_ofda_field_known(VG_CLASS_COSMETIC, "vigil.unit"));
}

/* ------------------------------------------------------------ router */

static void test_router(void **state)
{
	struct vg_arena a = VG_ARENA_INIT;
	const char *names[VG_HTTP_MAX_PARAMS], *values[VG_HTTP_MAX_PARAMS];
	const struct vg_route *rt;
	bool mismatch;
	int n;

	VG_UNUSED(state);
	vg_arena_init(&a, 0);
	rt = vg_route_match("GET", "/api/v1/cases/CN-1/versions", &a, names, values, &n, &mismatch);
	assert_non_null(rt);
	assert_string_equal(rt->pattern, "/api/v1/cases/{id}/versions");
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "id");
	assert_string_equal(values[0], "CN-1");
	assert_null(vg_route_match("PUT", "/api/v1/cases", &a, names, values, &n, &mismatch));
	assert_true(mismatch);
	assert_null(vg_route_match("GET", "/api/v1/nothing/here", &a, names, values, &n, &mismatch));
	assert_false(mismatch);
	assert_null(vg_route_match("GET", "/api/v1/cases//versions", &a, names, values, &n, &mismatch));
	assert_non_null(vg_route_match("GET", "/api/v1/cases", &a, names, values, &n, &mismatch));
	assert_null(vg_route_match("GET", "/api/v1/cases/", &a, names, values, &n, &mismatch));
	vg_arena_release(&a);
	assert_true(vg_http_id_ok("CN-H001-0a1b"));
	assert_false(vg_http_id_ok(".."));
	assert_false(vg_http_id_ok("a/b"));
	assert_false(vg_http_id_ok("x' OR '1'='1"));
	assert_false(vg_http_id_ok(""));
}

/* ------------------------------------------------------------ deadlines */

static struct vg_case_version *mk(struct vg_arena *a, int klass, const char *aware,
                                  const char *submitted, unsigned ser)
{
	struct vg_case_version *v = vg_case_new(a);
	struct vg_event *e = vg_case_add_event(v, a);

	v->klass = klass;
	v->initial = true;
	vg_date_parse(vg_sv_of(aware), &v->aware);
	vg_date_parse(vg_sv_of(submitted), &v->submitted);
	e->seriousness = ser;
	v->seriousness = ser;
	v->serious = ser != 0;
	return v;
}

static void test_deadlines(void **state)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_http_timeliness t;

	VG_UNUSED(state);
	vg_arena_init(&a, 0);
	/* Order 81 art. 21: deaths immediately, serious 15 days, others 30. */
	vg_deadline_check(mk(&a, VG_CLASS_DRUG, "2024-03-01", "2024-03-01", VG_SER_DEATH), false, &t);
	assert_false(t.late);
	assert_int_equal(t.deadline_days, 0);
	vg_deadline_check(mk(&a, VG_CLASS_DRUG, "2024-03-01", "2024-03-02", VG_SER_DEATH), false, &t);
	assert_true(t.late);
	vg_deadline_check(mk(&a, VG_CLASS_DRUG, "2024-03-01", "2024-03-16", VG_SER_HOSPITALISATION),
	                  false, &t);
	assert_false(t.late);
	assert_int_equal(t.days, 15);
	vg_deadline_check(mk(&a, VG_CLASS_DRUG, "2024-03-01", "2024-03-17", VG_SER_HOSPITALISATION),
	                  false, &t);
	assert_true(t.late);
	vg_deadline_check(mk(&a, VG_CLASS_DRUG, "2024-03-01", "2024-03-31", 0), false, &t);
	assert_false(t.late);
	assert_int_equal(t.deadline_days, 30);
	/* NMPA 2022 No. 16: major social impact, 3 days. */
	vg_deadline_check(mk(&a, VG_CLASS_COSMETIC, "2024-03-01", "2024-03-05", 0), true, &t);
	assert_true(t.late);
	assert_int_equal(t.deadline_days, 3);
	vg_deadline_check(mk(&a, VG_CLASS_COSMETIC, "2024-03-01", "2024-03-05", 0), false, &t);
	assert_false(t.late);
	/* SAMR Order 1: device death 7 days. */
	vg_deadline_check(mk(&a, VG_CLASS_DEVICE, "2024-03-01", "2024-03-09", VG_SER_DEATH), false, &t);
	assert_true(t.late);
	assert_int_equal(t.deadline_days, 7);
	/* follow-ups: promptly, no fixed limit */
	struct vg_case_version *fu = mk(&a, VG_CLASS_DRUG, "2024-01-01", "2024-06-01", VG_SER_DEATH);
	fu->initial = false;
	vg_deadline_check(fu, false, &t);
	assert_false(t.late);
	assert_int_equal(t.deadline_days, -1);
	vg_arena_release(&a);
}

/* ------------------------------------------------------------ sockets */

struct fixture {
	char dir[64], db[96];
	struct vg_http_server *srv;
	unsigned port;
};

static int start_with(void **state, unsigned per_ip)
{
	struct fixture *f = vg_xcalloc(1, sizeof(*f));
	struct vg_http_config cfg = VG_HTTP_CONFIG_INIT;
	struct vg_err err = VG_ERR_INIT;

	vg_strlcpy(f->dir, "/tmp/vigil-test-http-XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	cfg.db = f->db;
	cfg.listen = "127.0.0.1:0";
	cfg.threads = 2;
	cfg.timeout_s = 1;
	cfg.max_body = 4096;
	cfg.max_header = 8192;
	cfg.drain_s = 5;
	cfg.pwcost = VG_PWCOST_MIN;
	cfg.max_per_ip = per_ip;
	assert_int_equal(vg_http_start(&cfg, &f->srv, &err), 0);
	f->port = vg_http_port(f->srv);
	*state = f;
	return 0;
}

static int srv_setup(void **state) { return start_with(state, 0); }
static int srv_setup_per_ip(void **state) { return start_with(state, 2); }

static int srv_teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	vg_http_stop(f->srv);
	const char *ext[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, ext[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int dial(unsigned port)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Read until the peer closes or ms pass; returns bytes read into buf
 * (NUL-terminated) and sets *closed. */
static size_t drain_fd(int fd, char *buf, size_t cap, int ms, bool *closed)
{
	size_t n = 0;
	double end = vg_now_seconds() + ms / 1000.0;

	*closed = false;
	while (vg_now_seconds() < end && n + 1 < cap) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)((end - vg_now_seconds()) * 1000) + 1;
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0) {
			*closed = true;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static void sendall(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void test_idle_and_partial_closed(void **state)
{
	struct fixture *f = *state;
	char buf[4096];
	bool closed;
	double t0 = vg_now_seconds();
	int idle = dial(f->port), partial = dial(f->port);

	sendall(partial, "GET /health HTTP/1.1\r\nHost: x\r\n"); /* never finished */
	drain_fd(idle, buf, sizeof(buf), 4000, &closed);
	assert_true(closed);
	drain_fd(partial, buf, sizeof(buf), 4000, &closed);
	assert_true(closed);
	assert_true(vg_now_seconds() - t0 < 4.0); /* timeout is 1 s */
	close(idle);
	close(partial);
}

static void test_caps(void **state)
{
	struct fixture *f = *state;
	char buf[8192], *big = vg_xmalloc(20000);
	bool closed;
	int fd;

	/* header over the 8 KiB connection memory */
	memset(big, 'a', 19999);
	big[19999] = '\0';
	fd = dial(f->port);
	sendall(fd, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ");
	sendall(fd, big);
	sendall(fd, "\r\n\r\n");
	drain_fd(fd, buf, sizeof(buf), 3000, &closed);
	assert_true(strstr(buf, " 431 ") || strstr(buf, " 413 ") || strstr(buf, " 414 "));
	close(fd);
	/* body over max_body, refused from Content-Length before it is sent */
	fd = dial(f->port);
	sendall(fd, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
	drain_fd(fd, buf, sizeof(buf), 3000, &closed);
	assert_non_null(strstr(buf, " 413 "));
	close(fd);
	free(big);
}

static void test_pipelined(void **state)
{
	struct fixture *f = *state;
	char buf[8192];
	bool closed;
	int fd = dial(f->port);
	const char *p;
	int n = 0;

	sendall(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
	            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
	            "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	drain_fd(fd, buf, sizeof(buf), 3000, &closed);
	p = strstr(buf, "HTTP/1.1 200");
	assert_non_null(p);
	p = strstr(p, "HTTP/1.1 404");
	assert_non_null(p);
	p = strstr(p, "HTTP/1.1 401");
	assert_non_null(p);
	for (p = buf; (p = strstr(p, "HTTP/1.1 ")); p++)
		n++;
	assert_int_equal(n, 3);
	close(fd);
}

static void test_truncated_body(void **state)
{
	struct fixture *f = *state;
	char buf[4096];
	bool closed;
	int fd = dial(f->port);

	/* promises 500 bytes, sends 20, hangs up: nothing happens, server fine */
	sendall(fd, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"
	            "{\"username\": \"adm");
	close(fd);
	/* promises 500, sends 20, stays: closed after the 1 s timeout */
	fd = dial(f->port);
	sendall(fd, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"
	            "{\"username\": \"adm");
	drain_fd(fd, buf, sizeof(buf), 4000, &closed);
	assert_true(closed);
	assert_null(strstr(buf, "200 OK"));
	close(fd);
	fd = dial(f->port);
	sendall(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	drain_fd(fd, buf, sizeof(buf), 3000, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	close(fd);
}

static void test_per_ip_limit(void **state)
{
	struct fixture *f = *state;
	char buf[1024];
	bool closed;
	int fd[3];

	for (int i = 0; i < 3; i++) {
		fd[i] = dial(f->port);
		sendall(fd[i], "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
	}
	for (int i = 0; i < 3; i++) {
		drain_fd(fd[i], buf, sizeof(buf), 1500, &closed);
		if (i < 2)
			assert_non_null(strstr(buf, "HTTP/1.1 200"));
		else
			assert_true(closed && buf[0] == '\0'); /* third one refused */
		close(fd[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofda_terms),
		cmocka_unit_test(test_ofda_logic),
		cmocka_unit_test(test_ofda_errors),
		cmocka_unit_test(test_router),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test_setup_teardown(test_idle_and_partial_closed, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_caps, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_body, srv_setup, srv_teardown),
		cmocka_unit_test_setup_teardown(test_per_ip_limit, srv_setup_per_ip, srv_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
