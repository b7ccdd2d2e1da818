/*
 * bench_store.c - store throughput: bulk put, idempotent re-put, scan.
 *
 *   bench_store [N] [DB]     N versions (default 200000), DB a fresh file
 *                            (default /tmp/vg_bench_store.db, replaced)
 *
 * The versions look like FAERS reports: one version per case (every tenth
 * case gets a second, later follow-up), 3 products and 4 events each, names
 * drawn with a skew (a few very frequent drugs and reactions, a long tail).
 * Phases, each timed with the monotonic clock:
 *   gen      building the versions only (subtract it from the rest)
 *   encode   building + vg_case_to_json (the store's share is put - encode)
 *   put      N versions in one transaction, VG_STORE_BULK, cached statements
 *   reput    the same N versions again (all no-ops: the idempotent path),
 *            from a new handle, so the case cache starts cold
 *   scan     vg_store_scan_latest over every case (decode included)
 *   durable  2000 single puts from 4 threads, each put its own transaction
 *            with synchronous=FULL and an audit row (the HTTP API's path)
 * Prints one line per phase: count, then wall and process CPU seconds and
 * rates (the CPU figure is the one to compare on a shared machine).
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* CPU seconds of this process: the machine is shared, wall time is noisy. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double t0, c0;

static void start(void)
{
	t0 = vg_now_seconds();
	c0 = cpu_now();
}

static void report(const char *phase, long n)
{
	double t = vg_now_seconds() - t0, c = cpu_now() - c0;

	printf("%-7s %9ld  wall %7.3f s %9.0f /s   cpu %7.3f s %9.0f /s\n", phase, n, t, n / t, c,
	       n / c);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Skewed pick in [0, n): squaring a uniform favours small ids. */
static unsigned skew(unsigned n)
{
	double u = (double)(next() >> 11) / 9007199254740992.0;
	return (unsigned)(u * u * u * n);
}

static char names[2][2000][24];

static void make_names(void)
{
	for (int i = 0; i < 2000; i++) {
		snprintf(names[0][i], sizeof(names[0][i]), "DRUG%04d", i);
		snprintf(names[1][i], sizeof(names[1][i]), "Reaction %04d", i);
	}
}

static struct vg_case_version *gen(struct vg_arena *a, unsigned i, bool followup)
{
	struct vg_case_version *v = vg_case_new(a);
	char id[24];

	snprintf(id, sizeof(id), "US-%09u", i);
	v->case_id = vg_arena_strdup(a, id);
	v->report_id = v->case_id;
	v->source = "faers";
	v->latest = vg_date_from_days(19000 + (int32_t)(i % 700) + (followup ? 30 : 0));
	v->received = v->latest;
	v->sex = 1 + (int)(i % 2);
	v->age_value = 20 + i % 60;
	v->age_unit = "a";
	v->age_years = v->age_value;
	v->qualification = VG_QUAL_PHYSICIAN;
	v->country = "US";
	v->klass = VG_CLASS_DRUG;
	v->serious = i % 3 == 0;
	for (int k = 0; k < 3; k++) {
		struct vg_product *p = vg_case_add_product(v, a);
		p->role = k == 0 ? VG_ROLE_SUSPECT : VG_ROLE_CONCOMITANT;
		p->klass = VG_CLASS_DRUG;
		p->name = names[0][skew(2000)];
		p->ingredient = p->name;
	}
	for (int k = 0; k < 4; k++) {
		struct vg_event *e = vg_case_add_event(v, a);
		e->term = names[1][skew(2000)];
		e->coded = e->term;
	}
	return v;
}

static void die(const char *what, const struct vg_err *err)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, err->msg);
	exit(1);
}

enum { DRY_GEN = 1, DRY_ENCODE = 2 };

/* Put versions 0..n-1 (plus follow-ups of every tenth case); returns puts.
 * dry: only build them (DRY_GEN), or build and encode them (DRY_ENCODE). */
static long put_all(struct vg_store *st, unsigned n, int dry)
{
	struct vg_buf doc = VG_BUF_INIT(0);
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_err err = VG_ERR_INIT;
	struct vg_put_result r;
	long puts = 0;

	vg_arena_init(&a, 16 * 1024);
	rng = 88172645463325252ull;
	if (!dry && vg_store_begin(st, &err))
		die("begin", &err);
	for (unsigned i = 0, c = 0; i < n; i++) {
		bool fu = (i % 11) == 10;
		vg_arena_reset(&a);
		struct vg_case_version *v = gen(&a, fu ? c - 1 : c++, fu);
		if (dry == DRY_ENCODE && vg_case_to_json(v, &doc) == 0)
			vg_buf_reset(&doc);
		if (!dry && vg_store_put_version(st, v, NULL, &r, &err))
			die("put", &err);
		puts++;
	}
	vg_buf_release(&doc);
	if (!dry && vg_store_commit(st, &err))
		die("commit", &err);
	vg_arena_release(&a);
	return puts;
}

/* Durable single puts (each its own synchronous=FULL transaction, as the
 * HTTP API does) from several threads, each with its own handle. */
struct durable {
	const char *path;
	int thread, puts;
	double max_latency;
};

static void *durable_thread(void *arg)
{
	struct durable *d = arg;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_put_result r;

	vg_arena_init(&a, 16 * 1024);
	if (vg_store_open(d->path, 0, &st, &err))
		die("open", &err);
	for (int i = 0; i < d->puts; i++) {
		double t = vg_now_seconds();
		vg_arena_reset(&a);
		struct vg_case_version *v = gen(&a, 100000000u + (unsigned)(d->thread * d->puts + i), false);
		if (vg_store_put_version(st, v, "bench", &r, &err))
			die("durable put", &err);
		t = vg_now_seconds() - t;
		if (t > d->max_latency)
			d->max_latency = t;
	}
	vg_store_close(st);
	vg_arena_release(&a);
	return NULL;
}

static void durable_phase(const char *path, int threads, int per_thread)
{
	pthread_t tid[16];
	struct durable d[16];
	double worst = 0;

	start();
	for (int i = 0; i < threads; i++) {
		d[i] = (struct durable){path, i, per_thread, 0};
		pthread_create(&tid[i], NULL, durable_thread, &d[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		worst = d[i].max_latency > worst ? d[i].max_latency : worst;
	}
	report("durable", (long)threads * per_thread);
	printf("        %d threads, slowest put %.1f ms\n", threads, worst * 1000);
}

static int scan_cb(const struct vg_case_version *v, int flags, void *ctx)
{
	*(long *)ctx += (long)v->nproducts;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200000;
	const char *path = argc > 2 ? argv[2] : "/tmp/vg_bench_store.db";
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char side[512];
	long puts, prods = 0;

	make_names();
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);

	start();
	puts = put_all(NULL, n, DRY_GEN);
	report("gen", puts);
	start();
	puts = put_all(NULL, n, DRY_ENCODE);
	report("encode", puts);

	if (vg_store_open(path, VG_STORE_CREATE | VG_STORE_BULK, &st, &err))
		die("open", &err);
	start();
	puts = put_all(st, n, 0);
	report("put", puts);
	vg_store_close(st);

	if (vg_store_open(path, VG_STORE_BULK, &st, &err))
		die("open", &err);
	start();
	puts = put_all(st, n, 0);
	report("reput", puts);

	start();
	if (vg_store_scan_latest(st, true, scan_cb, &prods, &err))
		die("scan", &err);
	report("scan", prods / 3);
	vg_store_close(st);

	durable_phase(path, 4, 500);
	return 0;
}
