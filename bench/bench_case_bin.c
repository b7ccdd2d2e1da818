/*
 * bench_case_bin.c - the binary case document (vg_case_to_bin /
 * vg_case_from_bin) against the JSON one, on FAERS-like versions.
 *
 *   bench_case_bin [N]       N documents per encode phase and for the
 *                            binary decode (default 1000000); the JSON
 *                            decode, ~10x slower, runs N/10
 *
 * The corpus is bench_case_json's, from bench_versions.c (4096 versions
 * looking like FAERS reports: ids, two dates, patient, 3 products, 4
 * events; one in eight also with a Chinese narrative, dates of every
 * precision, an action code, weight and a causality row), built once and
 * used round-robin.  Before
 * timing, every version is checked: the JSON of its decoded binary
 * document must be its own JSON, byte for byte.
 *
 * Prints the average document sizes and, per phase, CPU seconds and ns
 * per document (process CPU time: the machine is shared), then a checksum
 * of the binary documents (it changes exactly when the format or the
 * encoder's output does).  Decoding goes into an arena reset per document,
 * as a store scan does.  Results: docs/PERFORMANCE.md "case binary
 * documents".
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "bench_versions.h"

enum { CORPUS = 4096 };

static struct vg_case_version *corpus[CORPUS];
static struct vg_buf json[CORPUS], bin[CORPUS];

static void die(const char *what, unsigned i)
{
	fprintf(stderr, "bench_case_bin: version %u: %s\n", i, what);
	exit(1);
}

/* Both documents of every version, and the equivalence check. */
static void prepare(struct vg_arena *a, double *jbytes, double *bbytes)
{
	struct vg_arena tmp = VG_ARENA_INIT;
	struct vg_buf again = VG_BUF_INIT(0);
	struct vg_case_version *w;

	vg_arena_init(&tmp, 0);
	bench_corpus(a, corpus, CORPUS);
	for (unsigned i = 0; i < CORPUS; i++) {
		json[i] = (struct vg_buf)VG_BUF_INIT(0);
		bin[i] = (struct vg_buf)VG_BUF_INIT(0);
		if (vg_case_to_json(corpus[i], &json[i]) || vg_case_to_bin(corpus[i], &bin[i]))
			die("does not encode", i);
		if (vg_case_from_bin(bin[i].p, bin[i].len, &tmp, &w))
			die("binary document does not decode", i);
		vg_buf_reset(&again);
		if (vg_case_to_json(w, &again) || strcmp(again.p, json[i].p) != 0)
			die("JSON of the decoded binary document differs", i);
		*jbytes += (double)json[i].len;
		*bbytes += (double)bin[i].len;
		vg_arena_reset(&tmp);
	}
	*jbytes /= CORPUS;
	*bbytes /= CORPUS;
	vg_buf_release(&again);
	vg_arena_release(&tmp);
}

static void line(const char *phase, unsigned long n, double cpu)
{
	printf("%-12s %8lu docs  cpu %.3f s  %7.0f ns/doc\n", phase, n, cpu,
	       cpu * 1e9 / (double)n);
}

static double time_encode(unsigned long n, int (*enc)(const struct vg_case_version *,
                                                      struct vg_buf *))
{
	struct vg_buf doc = VG_BUF_INIT(0);
	double c = bench_cpu_now();

	for (unsigned long i = 0; i < n; i++) {
		vg_buf_reset(&doc);
		if (enc(corpus[i % CORPUS], &doc))
			die("does not encode", (unsigned)(i % CORPUS));
	}
	c = bench_cpu_now() - c;
	vg_buf_release(&doc);
	return c;
}

static double time_decode(unsigned long n, bool binary)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_case_version *v;
	struct vg_problems probs;
	double c;

	vg_arena_init(&a, 1 << 16);
	c = bench_cpu_now();
	for (unsigned long i = 0; i < n; i++) {
		const struct vg_buf *d = binary ? &bin[i % CORPUS] : &json[i % CORPUS];
		int rc;
		vg_arena_reset(&a);
		if (binary)
			rc = vg_case_from_bin(d->p, d->len, &a, &v);
		else {
			vg_problems_init(&probs, &a);
			rc = vg_case_from_json(d->p, d->len, &a, &v, &probs);
		}
		if (rc)
			die("does not decode", (unsigned)(i % CORPUS));
	}
	c = bench_cpu_now() - c;
	vg_arena_release(&a);
	return c;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct vg_arena a = VG_ARENA_INIT;
	double jb = 0, bb = 0, je, be, jd, bd;
	uint64_t sum = 0;

	if (n < 10)
		n = 10;
	vg_arena_init(&a, 1 << 20);
	prepare(&a, &jb, &bb);
	printf("size         json %.0f bytes avg  bin %.0f bytes avg  (%.1f %% of json)\n", jb, bb,
	       100 * bb / jb);
	je = time_encode(n, vg_case_to_json);
	be = time_encode(n, vg_case_to_bin);
	jd = time_decode(n / 10, false);
	bd = time_decode(n, true);
	line("json encode", n, je);
	line("bin encode", n, be);
	line("json decode", n / 10, jd);
	line("bin decode", n, bd);
	printf("bin encode %.1fx json encode, bin decode %.1fx json decode\n",
	       je / be, (jd / (double)(n / 10)) / (bd / (double)n));
	for (unsigned i = 0; i < CORPUS; i++) {
		sum = sum * 1000003u ^ vg_hash64(bin[i].p, bin[i].len);
		vg_buf_release(&json[i]);
		vg_buf_release(&bin[i]);
	}
	printf("checksum %016llx\n", (unsigned long long)sum);
	vg_arena_release(&a);
	return 0;
}
