/*
 * bench_store.c - store throughput: bulk put, idempotent re-put, scan.
 *
 *   bench_store [N] [DB]     N versions (default 200000), DB a fresh file
 *                            (default /tmp/vg_bench_store.db, replaced)
 *
 * The versions look like FAERS reports (bench_versions.c): one version per
 * case (every tenth case gets a second, later follow-up), 3 products and 4
 * events each, names drawn with a skew (a few very frequent drugs and
 * reactions, a long tail); each durable thread draws its own names.
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
#include "bench_versions.h"

#include <pthread.h>
#include <unistd.h>

static double t0, c0;

static void start(void)
{
	t0 = vg_now_seconds();
	c0 = bench_cpu_now();
}

static void report(const char *phase, long n)
{
	double t = vg_now_seconds() - t0, c = bench_cpu_now() - c0;

	printf("%-7s %9ld  wall %7.3f s %9.0f /s   cpu %7.3f s %9.0f /s\n", phase, n, t, n / t, c,
	       n / c);
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
	struct bench_rng rng = BENCH_RNG_INIT;
	long puts = 0;

	vg_arena_init(&a, 16 * 1024);
	if (!dry && vg_store_begin(st, &err))
		die("begin", &err);
	for (unsigned i = 0, c = 0; i < n; i++) {
		bool fu = (i % 11) == 10;
		vg_arena_reset(&a);
		struct vg_case_version *v =
			bench_version(&a, &rng, fu ? c - 1 : c++, fu ? BENCH_FOLLOWUP : 0);
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
	struct bench_rng rng = BENCH_RNG_INIT;

	vg_arena_init(&a, 16 * 1024);
	if (vg_store_open(d->path, 0, &st, &err))
		die("open", &err);
	for (int i = 0; i < d->puts; i++) {
		double t = vg_now_seconds();
		vg_arena_reset(&a);
		unsigned id = 100000000u + (unsigned)(d->thread * d->puts + i);
		struct vg_case_version *v = bench_version(&a, &rng, id, 0);
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
