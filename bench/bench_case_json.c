/*
 * bench_case_json.c - the case JSON encoder alone (vg_case_to_json).
 *
 *   bench_case_json [N]      encode N versions (default 2000000)
 *
 * A corpus of 4096 versions is built once and encoded round-robin into one
 * reused buffer, so the figure is the encoder's cost and nothing else (no
 * generation, no allocation after the first document).  The versions look
 * like FAERS reports (as in bench_store: ids, two dates, patient, 3
 * products, 4 events) and one in eight also carries what the other sources
 * bring: a Chinese narrative with line breaks, quotes and a tab, dates of
 * every precision, an action code, weight, causality rows.
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

#include <time.h>

enum { CORPUS = 4096 };

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *pick_name(struct vg_arena *a, const char *prefix)
{
	double u = (double)(next() >> 11) / 9007199254740992.0;

	return vg_arena_printf(a, "%s%04u", prefix, (unsigned)(u * u * u * 2000));
}

static void add_extras(struct vg_case_version *v, struct vg_arena *a, unsigned i)
{
	struct vg_causality *c = vg_case_add_causality(v, a);

	v->narrative = "患者用药后出现皮疹，停药后好转。\n\"rash\" resolved\t(day 3) \\ see notes";
	v->created = vg_date_from_days(19000 + (int32_t)(i % 500));
	v->created.hour = (int8_t)(i % 24);
	v->created.minute = (int8_t)(i % 60);
	v->created.second = (int8_t)(i % 61);
	v->created.prec = VG_DATE_SECOND;
	v->birth = (struct vg_date){(int16_t)(1930 + i % 90), (int8_t)(1 + i % 12), 0, 0, 0, 0,
	                            VG_DATE_MONTH};
	v->weight_kg = 40 + (double)(i % 700) / 10;
	v->reporter_name = "李医生";
	v->products[0].action = 1 + (int)(i % 4);
	v->products[0].start = (struct vg_date){2023, 0, 0, 0, 0, 0, VG_DATE_YEAR};
	v->events[0].onset = vg_date_from_days(19100 + (int32_t)(i % 300));
	c->product = 0;
	c->event = 0;
	c->result = "很可能";
}

static struct vg_case_version *gen(struct vg_arena *a, unsigned i)
{
	struct vg_case_version *v = vg_case_new(a);

	v->case_id = vg_arena_printf(a, "US-%09u", i);
	v->report_id = v->case_id;
	v->source = "faers";
	v->latest = vg_date_from_days(19000 + (int32_t)(i % 700));
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
		p->name = pick_name(a, "DRUG");
		p->ingredient = p->name;
	}
	for (int k = 0; k < 4; k++) {
		struct vg_event *e = vg_case_add_event(v, a);
		e->term = pick_name(a, "Reaction ");
		e->coded = e->term;
	}
	if (i % 8 == 7)
		add_extras(v, a, i);
	return v;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	static struct vg_case_version *corpus[CORPUS];
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_buf doc = VG_BUF_INIT(0);
	uint64_t sum = 0, bytes = 0;
	double c;

	vg_arena_init(&a, 1 << 20);
	for (unsigned i = 0; i < CORPUS; i++)
		corpus[i] = gen(&a, i);
	c = cpu_now();
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
	c = cpu_now() - c;
	printf("encode %lu docs (%.0f bytes avg)  cpu %.3f s  %.0f ns/doc  %.0f docs/s  %.0f MB/s\n",
	       n, (double)bytes / (double)n, c, c * 1e9 / (double)n, (double)n / c,
	       (double)bytes / c / 1e6);
	printf("checksum %016llx\n", (unsigned long long)sum);
	vg_buf_release(&doc);
	vg_arena_release(&a);
	return 0;
}
