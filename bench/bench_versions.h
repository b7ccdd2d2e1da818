/*
 * bench_versions.h - the FAERS-like case versions the benchmarks build
 * (bench_store, bench_case_json, bench_case_bin) and the CPU clock they
 * time with.  Bench-local: nothing under src/ uses it.
 */
#ifndef BENCH_VERSIONS_H
#define BENCH_VERSIONS_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"

/* CPU seconds of this process: the machine is shared, wall time is noisy. */
double bench_cpu_now(void);

/* The stream product and event names are drawn from (xorshift64); a run
 * that starts from BENCH_RNG_INIT builds the same versions every time. */
struct bench_rng {
	uint64_t s;
};

#define BENCH_RNG_INIT {88172645463325252ull}

/* bench_version's flags. */
enum {
	BENCH_FOLLOWUP = 1,  /* the case's later follow-up: 30 days on */
	BENCH_OWN_NAMES = 2, /* names copied into the arena beside the version, as
	                        a decoded version has them, not shared from a table */
};

/* Case "US-<i>" as FAERS sends it: ids, two dates, patient, 3 products and
 * 4 events with skewed names. */
struct vg_case_version *bench_version(struct vg_arena *a, struct bench_rng *r, unsigned i,
                                      unsigned flags);

/* What the other sources bring, added to version i: a Chinese narrative with
 * line breaks, quotes and a tab, dates of every precision, an action code,
 * weight, a causality row. */
void bench_version_extras(struct vg_case_version *v, struct vg_arena *a, unsigned i);

/* The case benchmarks' corpus: versions 0..n-1 from BENCH_RNG_INIT with
 * their own names, one in eight with the extras, built in a. */
void bench_corpus(struct vg_arena *a, struct vg_case_version **corpus, unsigned n);

#endif
