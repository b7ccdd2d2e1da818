/*
 * lrt.c - the likelihood-ratio test of Huang, Zalkikar & Tiwari (JASA 2011,
 * 106:1230-1241), drug-based: for each product i, its events j form the
 * family.  On the table of pair counts n_ij (row totals n_i., column totals
 * n_.j, grand total n..; all sums of pair counts, as in HZT and R pvLRT):
 *
 *   log LR_ij = x log(x / n_.j) + (n_i. - x) log((n_i. - x) / (n.. - n_.j))
 *               - n_i. log(n_i. / n..),      x = n_ij,
 *   and 0 when x / n_.j <= (n_i. - x) / (n.. - n_.j) (no excess).
 *
 * Under the null the n_i. reports of product i fall on the events
 * multinomially with probabilities n_.j / n..; the p-value of LR_ij is the
 * share of simulated maxima (over the family) at least as large:
 * (1 + #{max* >= LR_ij}) / (R + 1).  The null law depends on n_i. alone,
 * so one simulation serves every product with the same n_i.; each is seeded
 * from (seed, n_i.), so results do not depend on the order of work.
 * Sampling: Walker's alias table over events, O(1) per report.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>

#include "signal/signal_int.h"

/* splitmix64 (Steele, Lea & Flood 2014): small, fast, good enough here */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

struct alias {
	uint32_t n;
	double *prob;
	uint32_t *alias;
};

/* Vose's construction of Walker's alias table for weights w[0..n). */
static void alias_build(struct alias *a, const double *w, uint32_t n, double total)
{
	uint32_t *small = vg_xmalloc((size_t)n * sizeof(uint32_t));
	uint32_t *large = vg_xmalloc((size_t)n * sizeof(uint32_t));
	double *p = vg_xmalloc((size_t)n * sizeof(double));
	uint32_t ns = 0, nl = 0;

	a->n = n;
	a->prob = vg_xmalloc((size_t)n * sizeof(double));
	a->alias = vg_xcalloc(n, sizeof(uint32_t));
	for (uint32_t j = 0; j < n; j++) {
		p[j] = w[j] * n / total;
		if (p[j] < 1.0)
			small[ns++] = j;
		else
			large[nl++] = j;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[--nl];
		a->prob[s] = p[s], a->alias[s] = l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0)
			small[ns++] = l;
		else
			large[nl++] = l;
	}
	while (nl)
		a->prob[large[--nl]] = 1.0;
	while (ns)
		a->prob[small[--ns]] = 1.0;
	free(small);
	free(large);
	free(p);
}

static uint32_t alias_draw(const struct alias *a, uint64_t *s)
{
	double u = rng_unit(s) * a->n;
	uint32_t j = (uint32_t)u;
	if (j >= a->n)
		j = a->n - 1;
	return u - j < a->prob[j] ? j : a->alias[j];
}

static double llr(double x, double ni, double nj, double n)
{
	double rest = n - nj;
	if (x <= 0.0 || x / nj <= (ni - x) / rest)
		return 0.0;
	double v = x * log(x / nj) - ni * log(ni / n);
	if (ni - x > 0.0)
		v += (ni - x) * log((ni - x) / rest);
	return v;
}

struct lrt_ctx {
	const double *col; /* n_.j */
	double total;      /* n.. */
	struct alias al;
	uint32_t *cnt, *touched;
};

/* Sorted maxima of reps simulated families of size ni. */
static double *simulate(struct lrt_ctx *c, uint64_t ni, uint32_t reps, uint64_t seed)
{
	double *mx = vg_xmalloc((size_t)reps * sizeof(double));
	uint64_t s = seed ^ (ni * UINT64_C(0xD1B54A32D192ED03));

	for (uint32_t r = 0; r < reps; r++) {
		uint32_t nt = 0;
		double best = 0.0;
		for (uint64_t k = 0; k < ni; k++) {
			uint32_t j = alias_draw(&c->al, &s);
			if (c->cnt[j]++ == 0)
				c->touched[nt++] = j;
		}
		for (uint32_t k = 0; k < nt; k++) {
			uint32_t j = c->touched[k];
			best = fmax(best, llr(c->cnt[j], (double)ni, c->col[j], c->total));
			c->cnt[j] = 0;
		}
		mx[r] = best;
	}
	return mx;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* (1 + #{mx >= v}) / (reps + 1) on sorted mx. */
static double p_value(const double *mx, uint32_t reps, double v)
{
	uint32_t lo = 0, hi = reps;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (mx[mid] < v * (1.0 - 1e-12))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (1.0 + (double)(reps - lo)) / ((double)reps + 1.0);
}

struct run {
	size_t i0, i1;
	uint64_t ni;
};

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	if (x->ni != y->ni)
		return x->ni < y->ni ? -1 : 1;
	return (x->i0 > y->i0) - (x->i0 < y->i0);
}

int vg_signal_lrt(struct vg_signal_table *t, const struct vg_signal_lrt_opts *o,
		  struct vg_err *err)
{
	uint32_t reps = o && o->reps ? o->reps : 999, ne = 0;
	uint64_t seed = o ? o->seed : 1;

	if (t->npairs == 0)
		return vg_err_set(err, VG_EINVAL, NULL, "no pair to test");
	for (size_t i = 0; i < t->npairs; i++)
		if (t->pairs[i].event + 1 > ne)
			ne = t->pairs[i].event + 1;
	struct lrt_ctx c = {0};
	double *col = vg_xcalloc(ne, sizeof(double));
	for (size_t i = 0; i < t->npairs; i++) {
		col[t->pairs[i].event] += (double)t->pairs[i].n;
		c.total += (double)t->pairs[i].n;
	}
	c.col = col;
	alias_build(&c.al, col, ne, c.total);
	c.cnt = vg_xcalloc(ne, sizeof(uint32_t));
	c.touched = vg_xmalloc((size_t)ne * sizeof(uint32_t));

	/* products: runs of equal product id (pairs sorted by product) */
	struct run *runs = NULL;
	size_t nruns = 0, rcap = 0;
	for (size_t i = 0, j; i < t->npairs; i = j) {
		uint64_t ni = 0;
		for (j = i; j < t->npairs && t->pairs[j].product == t->pairs[i].product; j++)
			ni += t->pairs[j].n;
		VG_GROW(runs, rcap, nruns + 1);
		runs[nruns++] = (struct run){i, j, ni};
	}
	/* one simulation per distinct n_i. */
	qsort(runs, nruns, sizeof(*runs), cmp_run);
	for (size_t a = 0, b; a < nruns; a = b) {
		uint64_t ni = runs[a].ni;
		double *mx = simulate(&c, ni, reps, seed);
		qsort(mx, reps, sizeof(double), cmp_double);
		for (b = a; b < nruns && runs[b].ni == ni; b++) {
			for (size_t i = runs[b].i0; i < runs[b].i1; i++) {
				struct vg_signal_pair *p = &t->pairs[i];
				p->lrt_llr = llr((double)p->n, (double)ni, col[p->event], c.total);
				p->lrt_p = p_value(mx, reps, p->lrt_llr);
			}
		}
		free(mx);
	}
	free(runs);
	free(col);
	free(c.cnt);
	free(c.touched);
	free(c.al.prob);
	free(c.al.alias);
	return 0;
}
