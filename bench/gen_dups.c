/*
 * gen_dups.c - precision and recall of duplicate detection (quality/dedup.c).
 *
 *   gen_dups [--n N] [--dup-rate R] [--seed S] [--threshold T] [--sweep]
 *   gen_dups --faers DIR [--threshold T] [--sweep]
 *
 * Generated mode: N original cases drawn from realistic distributions
 * (Zipf-distributed drug and event vocabularies, skewed country mix, ages,
 * onset dates over three years, partial dates, missing fields), of which
 * 5 % belong to "clusters" of 4-6 different patients sharing a rare drug and
 * an event (what a real signal looks like: the hard negatives), plus
 * N * R planted duplicates of distinct originals carrying the perturbations
 * seen in practice:
 *
 *   drug list re-ordered (always)       typo in one drug name    20 %
 *   one drug dropped / one added        15 % / 15 %
 *   one event dropped / one added       15 % / 10 %
 *   age missing / off by one year       10 % / 10 %
 *   sex missing                          5 %
 *   onset shifted 1-5 days / missing / known to the month only  20/10/5 %
 *   country missing                     10 %
 *   other reporter qualification        30 %    other organisation 50 %
 *   patient initials missing            30 %
 *
 * The truth is the set of (original, duplicate) pairs; a reported pair is a
 * true positive when it is one of them.  Recall = TP / planted, precision =
 * TP / reported.
 *
 * FAERS mode: reads a FAERS quarterly directory with the importer (ingest/)
 * and compares the probabilistic pairs with the rule FAERS analysts use
 * (DOMAIN.md 3.3, Yunuuuu/faers dedup.R): two cases are the same when drug
 * set and reaction set are equal and at most one of sex, age, reporter
 * country and event date differs (a missing value never matches).  There
 * the figures are agreement with that rule, not true precision and recall.
 *
 * Output: one line per threshold with --sweep, then the summary line for
 * --threshold (default VG_DEDUP_DEFAULT_THRESHOLD).
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "quality/quality.h"
#include "ingest/ingest.h"

#include <math.h>

#define MAX_P 12

static int64_t max_block; /* --max-block, 0: the library default */

struct gen {
	uint64_t s;
	char **drugs, **events, **orgs;
	size_t ndrugs, nevents, norgs;
	double *zd, *ze; /* Zipf cumulative */
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unif(struct gen *g)
{
	return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

static bool chance(struct gen *g, double p)
{
	return unif(g) < p;
}

static size_t below(struct gen *g, size_t n)
{
	return (size_t)(rnd(g) % n);
}

static char *word(struct gen *g, int syll)
{
	static const char *const cons = "bcdfghklmnprstvz", *vow = "aeiou";
	char buf[32];
	int o = 0;
	for (int i = 0; i < syll; i++) {
		buf[o++] = cons[below(g, 16)];
		buf[o++] = vow[below(g, 5)];
		if (chance(g, 0.4))
			buf[o++] = cons[below(g, 16)];
	}
	buf[o] = '\0';
	return vg_xstrdup(buf);
}

static double *zipf_cdf(size_t n, double s)
{
	double *c = vg_xmalloc(n * sizeof(*c)), acc = 0;
	for (size_t i = 0; i < n; i++)
		c[i] = acc += 1.0 / pow((double)(i + 1), s);
	for (size_t i = 0; i < n; i++)
		c[i] /= acc;
	return c;
}

static size_t zipf(struct gen *g, const double *cdf, size_t n)
{
	double u = unif(g);
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void gen_init(struct gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->s = seed;
	g->ndrugs = 3000, g->nevents = 1500, g->norgs = 400;
	g->drugs = vg_xmalloc(g->ndrugs * sizeof(char *));
	g->events = vg_xmalloc(g->nevents * sizeof(char *));
	g->orgs = vg_xmalloc(g->norgs * sizeof(char *));
	for (size_t i = 0; i < g->ndrugs; i++)
		g->drugs[i] = word(g, 3 + (int)below(g, 2));
	for (size_t i = 0; i < g->nevents; i++)
		g->events[i] = word(g, 2 + (int)below(g, 3));
	for (size_t i = 0; i < g->norgs; i++)
		g->orgs[i] = word(g, 4);
	g->zd = zipf_cdf(g->ndrugs, 1.05);
	g->ze = zipf_cdf(g->nevents, 1.0);
}

static void gen_release(struct gen *g)
{
	for (size_t i = 0; i < g->ndrugs; i++)
		free(g->drugs[i]);
	for (size_t i = 0; i < g->nevents; i++)
		free(g->events[i]);
	for (size_t i = 0; i < g->norgs; i++)
		free(g->orgs[i]);
	free(g->drugs), free(g->events), free(g->orgs), free(g->zd), free(g->ze);
}

/* One generated record; strings owned by the record (freed by rec_free). */
struct grec {
	char id[24];
	int sex, qual;
	double age;
	struct vg_date onset;
	const char *country, *org;
	char *patient;
	char *prod[MAX_P], *ev[MAX_P];
	size_t np, ne;
};

static void rec_free(struct grec *r)
{
	for (size_t i = 0; i < r->np; i++)
		free(r->prod[i]);
	for (size_t i = 0; i < r->ne; i++)
		free(r->ev[i]);
	free(r->patient);
}

static const char *country(struct gen *g)
{
	static const char *const other[] = {"US", "JP", "KR", "DE", "FR", "GB", "IN", "BR",
	                                    "IT", "ES", "CA", "AU"};
	return chance(g, 0.7) ? "CN" : other[below(g, VG_ARRAY_LEN(other))];
}

static void add_unique(char **v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i], s) == 0)
			return;
	if (*n < MAX_P)
		v[(*n)++] = vg_xstrdup(s);
}

static void gen_original(struct gen *g, struct grec *r, size_t i)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "O%07zu", i);
	r->sex = chance(g, 0.04) ? 0 : 1 + (int)below(g, 2);
	r->age = chance(g, 0.1) ? NAN : (double)(1 + below(g, 95));
	r->onset = (struct vg_date)VG_DATE_INIT;
	if (!chance(g, 0.1)) {
		r->onset = vg_date_from_days(19000 + (int32_t)below(g, 3 * 365));
		if (chance(g, 0.1))
			r->onset.prec = VG_DATE_MONTH;
	}
	r->country = country(g);
	r->qual = chance(g, 0.1) ? 0 : 1 + (int)below(g, 5);
	r->org = chance(g, 0.3) ? NULL : g->orgs[below(g, g->norgs)];
	if (chance(g, 0.5)) {
		char ini[3] = {(char)('A' + below(g, 26)), (char)('A' + below(g, 26)), 0};
		r->patient = vg_xstrdup(ini);
	}
	size_t np = 1 + (chance(g, 0.6) ? below(g, 4) : 0), ne = 1 + (chance(g, 0.5) ? below(g, 3) : 0);
	while (r->np < np)
		add_unique(r->prod, &r->np, g->drugs[zipf(g, g->zd, g->ndrugs)]);
	while (r->ne < ne)
		add_unique(r->ev, &r->ne, g->events[zipf(g, g->ze, g->nevents)]);
}

static void typo(struct gen *g, char *s)
{
	size_t n = strlen(s);
	if (n < 4)
		return;
	size_t k = 1 + below(g, n - 2);
	switch (below(g, 3)) {
	case 0: s[k] = (char)('a' + below(g, 26)); break;            /* substitute */
	case 1: memmove(s + k, s + k + 1, n - k); break;              /* delete */
	default: { char t = s[k]; s[k] = s[k + 1]; s[k + 1] = t; }    /* transpose */
	}
}

static void drop_one(struct gen *g, char **v, size_t *n)
{
	if (*n < 2)
		return;
	size_t k = below(g, *n);
	free(v[k]);
	v[k] = v[--*n];
}

static void shuffle(struct gen *g, char **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = below(g, i);
		char *t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void perturb_lists(struct gen *g, struct grec *d)
{
	if (chance(g, 0.15))
		drop_one(g, d->prod, &d->np);
	if (chance(g, 0.15))
		add_unique(d->prod, &d->np, g->drugs[zipf(g, g->zd, g->ndrugs)]);
	if (chance(g, 0.2))
		typo(g, d->prod[below(g, d->np)]);
	shuffle(g, d->prod, d->np);
	if (chance(g, 0.15))
		drop_one(g, d->ev, &d->ne);
	if (chance(g, 0.1))
		add_unique(d->ev, &d->ne, g->events[zipf(g, g->ze, g->nevents)]);
	shuffle(g, d->ev, d->ne);
}

static void gen_duplicate(struct gen *g, const struct grec *o, struct grec *d, size_t i)
{
	*d = *o;
	snprintf(d->id, sizeof(d->id), "D%07zu", i);
	d->patient = chance(g, 0.3) || !o->patient ? NULL : vg_xstrdup(o->patient);
	for (size_t k = 0; k < o->np; k++)
		d->prod[k] = vg_xstrdup(o->prod[k]);
	for (size_t k = 0; k < o->ne; k++)
		d->ev[k] = vg_xstrdup(o->ev[k]);
	perturb_lists(g, d);
	if (chance(g, 0.1))
		d->age = NAN;
	else if (chance(g, 0.1) && !isnan(d->age))
		d->age += chance(g, 0.5) ? 1 : -1;
	if (chance(g, 0.05))
		d->sex = 0;
	double u = unif(g);
	if (d->onset.prec >= VG_DATE_DAY && u < 0.2)
		d->onset = vg_date_from_days(vg_date_first_day(&d->onset) + 1 + (int32_t)below(g, 5));
	else if (u < 0.3)
		d->onset.prec = VG_DATE_NONE;
	else if (u < 0.35 && d->onset.prec >= VG_DATE_MONTH)
		d->onset.prec = VG_DATE_MONTH;
	if (chance(g, 0.1))
		d->country = NULL;
	if (chance(g, 0.3))
		d->qual = 1 + (int)below(g, 5);
	if (chance(g, 0.5))
		d->org = chance(g, 0.5) ? NULL : g->orgs[below(g, g->norgs)];
}

/* Hard negatives: another patient with the cluster's rare drug and event. */
static void gen_cluster_member(struct gen *g, const struct grec *seed, struct grec *r, size_t i)
{
	gen_original(g, r, i);
	free(r->prod[0]);
	free(r->ev[0]);
	r->prod[0] = vg_xstrdup(seed->prod[0]);
	r->ev[0] = vg_xstrdup(seed->ev[0]);
	if (seed->onset.prec >= VG_DATE_DAY && chance(g, 0.5)) /* same outbreak weeks */
		r->onset = vg_date_from_days(vg_date_first_day(&seed->onset) + (int32_t)below(g, 30));
}

static void to_input(const struct grec *r, struct vg_dedup_input *in)
{
	memset(in, 0, sizeof(*in));
	in->case_id = r->id;
	in->sex = r->sex;
	in->age_years = r->age;
	in->onset = r->onset;
	in->country = r->country;
	in->products = (const char *const *)r->prod;
	in->nproducts = r->np;
	in->events = (const char *const *)r->ev;
	in->nevents = r->ne;
	in->qualification = r->qual;
	in->reporter = r->org;
	in->patient_id = r->patient;
	in->completeness = NAN;
}

/* ---------------------------------------------------------- evaluation */

struct truth {
	uint64_t *keys; /* (min index << 32) | max index, sorted */
	size_t n, cap;
	const uint8_t *side; /* two-quarter mode: only pairs across sides count */
	const uint32_t *lit; /* literature mode: only pairs of two literature reports */
};

#define NO_LIT UINT32_MAX
#define LIT_KEY 60

static bool judged(const struct truth *t, size_t a, size_t b)
{
	if (t->side && t->side[a] == t->side[b])
		return false;
	return !t->lit || (t->lit[a] != NO_LIT && t->lit[b] != NO_LIT);
}

static uint64_t pair_key(size_t a, size_t b)
{
	return a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void truth_add(struct truth *t, size_t a, size_t b)
{
	VG_GROW(t->keys, t->cap, t->n + 1);
	t->keys[t->n++] = pair_key(a, b);
}

static bool truth_has(const struct truth *t, size_t a, size_t b)
{
	uint64_t k = pair_key(a, b);
	return t->n && bsearch(&k, t->keys, t->n, sizeof(k), cmp_u64) != NULL;
}

/* The ten best-scoring false positives with their reasons (debugging). */
static void show_fp(struct vg_dedup *d, const struct truth *t, double thr)
{
	char why[512];
	for (size_t i = 0, k = 0; i < vg_dedup_npairs(d) && k < 10; i++) {
		const struct vg_dedup_pair *p = vg_dedup_pair(d, i);
		if (p->score < thr)
			break;
		if (truth_has(t, p->a, p->b) || !judged(t, p->a, p->b))
			continue;
		vg_dedup_reasons(d, p, why, sizeof(why));
		printf("  fp %s %s %.1f: %s\n", vg_dedup_case_id(d, p->a), vg_dedup_case_id(d, p->b),
		       p->score, why);
		k++;
	}
}

/* Reference pairs scoring under the threshold (debugging). */
static void show_fn(struct vg_dedup *d, const struct truth *t, double thr)
{
	char why[512];
	for (size_t i = 0, k = 0; i < t->n && k < 10; i++) {
		struct vg_dedup_pair p;
		vg_dedup_score(d, t->keys[i] >> 32, t->keys[i] & 0xffffffffu, &p);
		if (p.score >= thr)
			continue;
		vg_dedup_reasons(d, &p, why, sizeof(why));
		printf("  fn %s %s %.1f: %s\n", vg_dedup_case_id(d, p.a), vg_dedup_case_id(d, p.b),
		       p.score, why);
		k++;
	}
}

static void report(struct vg_dedup *d, const struct truth *t, double thr, bool sweep,
                   const char *label, double secs)
{
	if (t->n > 1)
		qsort(t->keys, t->n, sizeof(*t->keys), cmp_u64);
	size_t np = vg_dedup_npairs(d);
	for (double x = sweep ? 0.0 : thr; x <= (sweep ? 30.0 : thr); x += 1.0) {
		size_t tp = 0, fp = 0;
		for (size_t i = 0; i < np; i++) {
			const struct vg_dedup_pair *p = vg_dedup_pair(d, i);
			if (p->score < x)
				break;
			if (!judged(t, p->a, p->b))
				continue;
			if (truth_has(t, p->a, p->b))
				tp++;
			else
				fp++;
		}
		double prec = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
		double rec = t->n ? (double)tp / (double)t->n : 1.0;
		printf("%s threshold %5.1f: precision %.4f recall %.4f  (tp %zu fp %zu fn %zu)\n",
		       sweep && x != thr ? "  sweep" : label, x, prec, rec, tp, fp, t->n - tp);
	}
	if (getenv("GEN_DUPS_SHOW_FP"))
		show_fp(d, t, thr);
	if (getenv("GEN_DUPS_SHOW_FN"))
		show_fn(d, t, thr);
	printf("%s records %zu, reference pairs %zu, compared pairs %" PRIu64 ", %.2f s\n", label,
	       vg_dedup_count(d), t->n, vg_dedup_compared(d), secs);
}

static int run_generated(size_t n, double rate, uint64_t seed, double thr, bool sweep)
{
	struct gen g;
	gen_init(&g, seed);
	size_t ndup = (size_t)((double)n * rate), total = n + ndup;
	struct grec *recs = vg_xcalloc(total, sizeof(*recs));
	struct truth t = {0};
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && chance(&g, 0.05)) /* a cluster of 4-6 */
			for (size_t k = 0, m = 3 + below(&g, 3); k < m && i < n; k++, i++)
				gen_cluster_member(&g, &recs[i - 1 - k], &recs[i], i);
		if (i < n)
			gen_original(&g, &recs[i], i);
	}
	bool *used = vg_xcalloc(n, 1);
	for (size_t k = 0; k < ndup; k++) {
		size_t o;
		do
			o = below(&g, n);
		while (used[o]);
		used[o] = true;
		gen_duplicate(&g, &recs[o], &recs[n + k], k);
		truth_add(&t, o, n + k);
	}
	/* interleave: shuffle the order records are added in */
	size_t *order = vg_xmalloc(total * sizeof(*order)), *pos = vg_xmalloc(total * sizeof(*pos));
	for (size_t i = 0; i < total; i++)
		order[i] = i;
	for (size_t i = total; i > 1; i--) {
		size_t j = below(&g, i), x = order[i - 1];
		order[i - 1] = order[j], order[j] = x;
	}
	struct vg_dedup *d = vg_dedup_new();
	for (size_t i = 0; i < total; i++) {
		struct vg_dedup_input in;
		to_input(&recs[order[i]], &in);
		pos[order[i]] = vg_dedup_add(d, &in);
	}
	for (size_t i = 0; i < t.n; i++)
		t.keys[i] = pair_key(pos[t.keys[i] >> 32], pos[t.keys[i] & 0xffffffffu]);
	struct vg_dedup_opts o = VG_DEDUP_OPTS_INIT;
	o.threshold = sweep ? 0.0 : thr;
	o.max_block = (size_t)max_block;
	struct vg_err err = VG_ERR_INIT;
	double t0 = vg_now_seconds();
	if (vg_dedup_run(d, &o, &err) < 0) {
		fprintf(stderr, "gen_dups: %s\n", err.msg);
		return 1;
	}
	report(d, &t, thr, sweep, "generated", vg_now_seconds() - t0);
	vg_dedup_free(d);
	for (size_t i = 0; i < total; i++)
		rec_free(&recs[i]);
	free(recs), free(used), free(order), free(pos), free(t.keys);
	gen_release(&g);
	return 0;
}

/* ----------------------------------------------------------------- FAERS */

struct fcase {
	char *id, *sig_drugs, *sig_events; /* sorted, joined lists */
	int sex;
	double age;
	char *country, *event_dt;
};

struct fctx {
	struct vg_dedup *d;
	struct fcase *c;
	size_t n, cap;
	uint8_t *side; /* per record: which directory it came from */
	uint8_t cur;
	/* --lit: DEMO lit_ref per case id */
	struct vg_map *case_map, *lit_map;
	uint32_t *case_lit; /* case_map id -> lit_map id */
	size_t ncase_lit;
	uint32_t *lit;      /* per record */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *signature(const char **names, size_t n)
{
	char norm[MAX_P * 4][128];
	const char *ptr[MAX_P * 4];
	size_t k = 0;
	for (size_t i = 0; i < n && k < VG_ARRAY_LEN(ptr); i++)
		ptr[k] = vg_dedup_normalise(names[i], norm[k], sizeof(norm[k])), k++;
	qsort(ptr, k, sizeof(*ptr), cmp_str);
	struct vg_buf b = VG_BUF_INIT(0);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || strcmp(ptr[i], ptr[i - 1]))
			vg_buf_printf(&b, "%s|", ptr[i]);
	return b.p ? vg_buf_detach(&b, NULL) : vg_xstrdup("");
}

static int faers_version(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct fctx *f = ctx;
	const char *dn[MAX_P * 4], *en[MAX_P * 4];
	size_t nd = 0, ne = 0;
	VG_UNUSED(err);
	if (v->nproducts == 0 || v->nevents == 0)
		return 0; /* not a valid case (the truncated samples lack rows) */
	for (size_t i = 0; i < v->nproducts && nd < VG_ARRAY_LEN(dn); i++)
		dn[nd++] = v->products[i].ingredient ? v->products[i].ingredient : v->products[i].name;
	for (size_t i = 0; i < v->nevents && ne < VG_ARRAY_LEN(en); i++)
		en[ne++] = v->events[i].coded ? v->events[i].coded : v->events[i].term;
	size_t cap = f->cap;
	VG_GROW(f->c, f->cap, f->n + 1);
	if (f->cap != cap) {
		f->side = vg_xrealloc(f->side, f->cap);
		f->lit = vg_xreallocarray(f->lit, f->cap, sizeof(*f->lit));
	}
	f->side[f->n] = f->cur;
	f->lit[f->n] = NO_LIT;
	if (f->case_map) {
		uint32_t k = vg_map_find(f->case_map, v->case_id, strlen(v->case_id));
		f->lit[f->n] = k == UINT32_MAX ? NO_LIT : f->case_lit[k];
	}
	struct fcase *c = &f->c[f->n++];
	char iso[24] = "";
	if (v->events && v->nevents && v->events[0].onset.prec)
		vg_date_format_iso(&v->events[0].onset, iso);
	*c = (struct fcase){vg_xstrdup(v->case_id), signature(dn, nd), signature(en, ne), v->sex,
	                    v->age_years, v->country ? vg_xstrdup(v->country) : NULL,
	                    iso[0] ? vg_xstrdup(iso) : NULL};
	vg_dedup_add_case(f->d, v);
	return 0;
}

/* FAERS rule: same drugs, same reactions, at most one other field differs
 * (missing never matches). */
static bool faers_same(const struct fcase *a, const struct fcase *b)
{
	if (!a->sig_drugs[0] || !a->sig_events[0] || strcmp(a->sig_drugs, b->sig_drugs) ||
	    strcmp(a->sig_events, b->sig_events))
		return false;
	int diff = 0;
	diff += !(a->sex && a->sex == b->sex);
	diff += !(!isnan(a->age) && a->age == b->age);
	diff += !(a->country && b->country && strcmp(a->country, b->country) == 0);
	diff += !(a->event_dt && b->event_dt && strcmp(a->event_dt, b->event_dt) == 0);
	return diff <= 1;
}

static int read_faers(struct fctx *f, const char *dir)
{
	struct vg_rejects rj = {NULL, 0};
	struct vg_ingest_opts io = {.rejects = &rj};
	struct vg_ingest_sink sink = {faers_version, NULL, f};
	struct vg_ingest_stats st = {0};
	struct vg_err err = VG_ERR_INIT;
	char *files[1] = {(char *)dir};
	const struct vg_ingest_format *fmt = vg_ingest_find("faers");
	if (!fmt || fmt->run(&io, files, 1, &sink, &st, &err) < 0) {
		fprintf(stderr, "gen_dups: %s: %s\n", dir, fmt ? err.msg : "no faers reader");
		return 1;
	}
	return 0;
}

/* Column index of name in a '$'-separated header, -1 when absent. */
static int column(struct vg_sv header, const char *name)
{
	struct vg_sv rest = header;
	for (int i = 0; rest.p; i++) {
		struct vg_sv f = vg_sv_trim(vg_sv_cut(rest, '$', &rest));
		if (vg_sv_eq_cstr(f, name))
			return i;
	}
	return -1;
}

static struct vg_sv field(struct vg_sv line, int k)
{
	struct vg_sv rest = line, f = {NULL, 0};
	for (int i = 0; i <= k && rest.p; i++)
		f = vg_sv_cut(rest, '$', &rest);
	return vg_sv_trim(f);
}

/* lit_ref of every case of the DEMO file of a FAERS quarter. */
static int load_lit(struct fctx *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ccase = -1, clit = -1;
	if (!in)
		return fprintf(stderr, "gen_dups: %s: %s\n", path, strerror(errno)), 1;
	f->case_map = vg_map_new(16384);
	f->lit_map = vg_map_new(1024);
	for (int n = 0; (len = getline(&line, &cap, in)) > 0; n++) {
		struct vg_sv l = {line, (size_t)len};
		if (n == 0) {
			ccase = column(l, "caseid"), clit = column(l, "lit_ref");
			continue;
		}
		struct vg_sv c = field(l, ccase), r = field(l, clit);
		if (ccase < 0 || clit < 0 || !c.len || !r.len || vg_sv_eq_cstr(r, "NA"))
			continue;
		char key[64];
		snprintf(key, sizeof(key), "FAERS-%.*s", (int)c.len, c.p);
		uint32_t k = vg_map_intern(f->case_map, key, strlen(key), NULL);
		VG_GROW(f->case_lit, f->ncase_lit, k + 1);
		/* the same paper is cited with varying punctuation and tails:
		 * compare the first LIT_KEY bytes of the normalised text */
		char raw[512], norm[512];
		snprintf(raw, sizeof(raw), "%.*s", (int)r.len, r.p);
		vg_dedup_normalise(raw, norm, sizeof(norm));
		f->case_lit[k] = vg_map_intern(f->lit_map, norm, strnlen(norm, LIT_KEY), NULL);
	}
	free(line);
	fclose(in);
	return ccase < 0 || clit < 0 ? (fprintf(stderr, "gen_dups: no lit_ref in %s\n", path), 1) : 0;
}

/*
 * One directory: the reference is the FAERS analysts' rule (faers_same).
 * Two directories (two quarters): a case present in both, as a later
 * version, is treated as if FDA had given the follow-up a new case id -
 * a real duplicate with real changes between versions; only pairs across
 * the two quarters are judged.
 */
static void faers_truth(const struct fctx *f, bool two, struct truth *t)
{
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = i + 1; j < f->n; j++) {
			bool same = f->case_map ? f->lit[i] != NO_LIT && f->lit[i] == f->lit[j]
			            : two ? f->side[i] != f->side[j] && !strcmp(f->c[i].id, f->c[j].id)
			                  : faers_same(&f->c[i], &f->c[j]);
			if (same)
				truth_add(t, i, j);
		}
	t->side = two ? f->side : NULL;
	t->lit = f->case_map ? f->lit : NULL;
}

static int run_faers(const char *dir, const char *dir2, const char *demo, double thr, bool sweep)
{
	struct fctx f = {vg_dedup_new(), NULL, 0, 0, NULL, 0, NULL, NULL, NULL, 0, NULL};
	struct vg_err err = VG_ERR_INIT;
	if ((demo && load_lit(&f, demo)) || read_faers(&f, dir) ||
	    (dir2 && (f.cur = 1, read_faers(&f, dir2))))
		return 1;
	struct truth t = {0};
	faers_truth(&f, dir2 != NULL, &t);
	struct vg_dedup_opts o = VG_DEDUP_OPTS_INIT;
	o.threshold = sweep ? 0.0 : thr;
	o.max_block = (size_t)max_block;
	double t0 = vg_now_seconds();
	if (vg_dedup_run(f.d, &o, &err) < 0)
		return 1;
	report(f.d, &t, thr, sweep, demo ? "faers-literature" : dir2 ? "faers-followups" : "faers-rule",
	       vg_now_seconds() - t0);
	for (size_t i = 0; i < f.n; i++) {
		struct fcase *c = &f.c[i];
		free(c->id), free(c->sig_drugs), free(c->sig_events), free(c->country);
		free(c->event_dt);
	}
	free(f.c), free(f.side), free(f.lit), free(f.case_lit), free(t.keys);
	vg_map_free(f.case_map);
	vg_map_free(f.lit_map);
	vg_dedup_free(f.d);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_dups [--n N] [--dup-rate R] [--seed S] [--threshold T] "
	                "[--sweep] [--max-block B]\n       gen_dups --faers DIR [--faers DIR2 | --lit DEMOFILE] "
	                "[--threshold T] [--sweep]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int64_t n = 20000, seed = 1;
	max_block = 0;
	double rate = 0.1, thr = VG_DEDUP_DEFAULT_THRESHOLD;
	bool sweep = false;
	const char *faers = NULL, *faers2 = NULL, *demo = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (strcmp(a, "--sweep") == 0)
			sweep = true;
		else if (!v)
			return usage();
		else if (strcmp(a, "--n") == 0 && ++i)
			rc = vg_parse_i64(vg_sv_of(v), &n);
		else if (strcmp(a, "--seed") == 0 && ++i)
			rc = vg_parse_i64(vg_sv_of(v), &seed);
		else if (strcmp(a, "--dup-rate") == 0 && ++i)
			rc = vg_parse_double(vg_sv_of(v), &rate);
		else if (strcmp(a, "--threshold") == 0 && ++i)
			rc = vg_parse_double(vg_sv_of(v), &thr);
		else if (strcmp(a, "--max-block") == 0 && ++i)
			rc = vg_parse_i64(vg_sv_of(v), &max_block);
		else if (strcmp(a, "--lit") == 0 && ++i)
			demo = v;
		else if (strcmp(a, "--faers") == 0 && ++i)
			faers2 = faers ? v : NULL, faers = faers ? faers : v;
		else
			return usage();
		if (rc < 0 || n < 2 || rate < 0 || rate > 1)
			return usage();
	}
	if (faers)
		return run_faers(faers, faers2, demo, thr, sweep);
	return run_generated((size_t)n, rate, (uint64_t)seed, thr, sweep);
}
