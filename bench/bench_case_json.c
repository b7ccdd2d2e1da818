/*
 * bench_case_json.c - the case JSON encoder alone (vg_case_to_json).
 *
 *   bench_case_json [N]      encode N versions (default 2000000)
 *
 * A corpus of 4096 versions is built once and encoded round-robin into one
 * reused buffer, so the figure is the encoder's cost and nothing else (no
 * generation, no allocation after the first document).  The versions come
 * from bench_versions.c and look like FAERS reports (as in bench_store: ids,
 * two dates, patient, 3 products, 4 events); one in eight also carries what
 * the other sources bring: a Chinese narrative with line breaks, quotes and
 * a tab, dates of every precision, an action code, weight, causality rows.
 *
 * Prints CPU seconds, ns per document, documents and MB per second, and a
 * checksum of every byte written: two builds whose checksums match wrote
 * the same documents, which is how an encoder rewrite shows it is
 * byte-identical on the whole corpus (docs/PERFORMANCE.md "case JSON
 * encoder").
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "bench_versions.h"

enum { CORPUS = 4096 };

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	static struct vg_case_version *corpus[CORPUS];
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_buf doc = VG_BUF_INIT(0);
	uint64_t sum = 0, bytes = 0;
	double c;

	vg_arena_init(&a, 1 << 20);
	bench_corpus(&a, corpus, CORPUS);
	c = bench_cpu_now();
	for (unsigned long i = 0; i < n; i++) {
		vg_buf_reset(&doc);
		if (vg_case_to_json(corpus[i % CORPUS], &doc)) {
			fprintf(stderr, "bench_case_json: version %lu does not encode\n", i % CORPUS);
			return 1;
		}
		bytes += doc.len;
		if (i < CORPUS) /* the checksum covers each corpus document once */
			sum = sum * 1000003u ^ vg_hash64(doc.p, doc.len);
	}
	c = bench_cpu_now() - c;
	printf("encode %lu docs (%.0f bytes avg)  cpu %.3f s  %.0f ns/doc  %.0f docs/s  %.0f MB/s\n",
	       n, (double)bytes / (double)n, c, c * 1e9 / (double)n, (double)n / c,
	       (double)bytes / c / 1e6);
	printf("checksum %016llx\n", (unsigned long long)sum);
	vg_buf_release(&doc);
	vg_arena_release(&a);
	return 0;
}
