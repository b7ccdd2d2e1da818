/*
 * bench_versions.c - FAERS-like case versions for the benchmarks.
 *
 * One generator, so that bench_store's store and bench_case_json's and
 * bench_case_bin's corpus hold the same kind of version: one suspect and two
 * concomitant drugs, four reactions, names drawn with a skew (a few very
 * frequent drugs and reactions, a long tail: a uniform cubed).  The names
 * come from one table of "DRUG0000".."DRUG1999" and "Reaction 0000".. built
 * on first use (in the main thread, before bench_store starts its threads):
 * bench_store shares them, so building a version costs no formatting beyond
 * its id (its "gen" phase); the case benchmarks copy them into the arena
 * beside each version (BENCH_OWN_NAMES), as a decoded version has them (the
 * encoder runs some 5 % faster on shared names: not what it meets).
 *
 * The output is part of the benchmarks' results: bench_case_json's and
 * bench_case_bin's checksums cover these versions, so any change here
 * changes them (docs/PERFORMANCE.md).
 */
#include "bench_versions.h"

#include <time.h>

enum { NAMES = 2000 };

double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next(struct bench_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

/* Skewed pick in [0, NAMES): cubing a uniform favours small ids. */
static unsigned skew(struct bench_rng *r)
{
	double u = (double)(next(r) >> 11) / 9007199254740992.0;

	return (unsigned)(u * u * u * NAMES);
}

static char names[2][NAMES][24];

/* A skewed drug (kind 0) or reaction (kind 1) name. */
static const char *name(struct vg_arena *a, struct bench_rng *r, int kind, unsigned flags)
{
	const char *s;

	if (!names[0][0][0])
		for (int i = 0; i < NAMES; i++) {
			snprintf(names[0][i], sizeof(names[0][i]), "DRUG%04d", i);
			snprintf(names[1][i], sizeof(names[1][i]), "Reaction %04d", i);
		}
	s = names[kind][skew(r)];
	return flags & BENCH_OWN_NAMES ? vg_arena_strdup(a, s) : s;
}

struct vg_case_version *bench_version(struct vg_arena *a, struct bench_rng *r, unsigned i,
                                      unsigned flags)
{
	struct vg_case_version *v = vg_case_new(a);

	v->case_id = vg_arena_printf(a, "US-%09u", i);
	v->report_id = v->case_id;
	v->source = "faers";
	v->latest = vg_date_from_days(19000 + (int32_t)(i % 700) + (flags & BENCH_FOLLOWUP ? 30 : 0));
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
		p->name = name(a, r, 0, flags);
		p->ingredient = p->name;
	}
	for (int k = 0; k < 4; k++) {
		struct vg_event *e = vg_case_add_event(v, a);
		e->term = name(a, r, 1, flags);
		e->coded = e->term;
	}
	return v;
}

void bench_version_extras(struct vg_case_version *v, struct vg_arena *a, unsigned i)
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

void bench_corpus(struct vg_arena *a, struct vg_case_version **corpus, unsigned n)
{
	struct bench_rng r = BENCH_RNG_INIT;

	for (unsigned i = 0; i < n; i++) {
		corpus[i] = bench_version(a, &r, i, BENCH_OWN_NAMES);
		if (i % 8 == 7)
			bench_version_extras(corpus[i], a, i);
	}
}
