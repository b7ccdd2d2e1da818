/*
 * points.c - the distinct (N, E) points of a pair table.
 *
 * The MGPS likelihood, the posterior of a pair and its IC bounds depend on
 * (N, E) alone.  On real and generated data many pairs share both (rare
 * products and events have small, equal margins), so grouping them first
 * is exact and saves most of the work: weight w = the number of pairs.
 * Grouping sorts (N, bits of E, pair index) records; E values are equal
 * only when their bits are, so nothing is approximated.
 */
#include "vg.h"
#include "util/util.h"

#include "signal/signal_int.h"

struct rec {
	uint64_t n;
	double e;
	uint32_t i;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

struct vg_signal_points *vg_signal_points_build(const struct vg_signal_table *t)
{
	struct vg_signal_points *pts = vg_xcalloc(1, sizeof(*pts));
	size_t np = t->npairs, cap = np ? np : 1;
	struct rec *r = vg_xmalloc(cap * sizeof(*r));

	for (size_t i = 0; i < np; i++)
		r[i] = (struct rec){t->pairs[i].n, t->pairs[i].e, (uint32_t)i};
	qsort(r, np, sizeof(*r), cmp_rec);
	pts->n = vg_xmalloc(cap * sizeof(*pts->n));
	pts->e = vg_xmalloc(cap * sizeof(*pts->e));
	pts->w = vg_xmalloc(cap * sizeof(*pts->w));
	pts->of_pair = vg_xmalloc(cap * sizeof(*pts->of_pair));
	for (size_t i = 0; i < np; i++) {
		if (i == 0 || r[i].n != r[i - 1].n || r[i].e != r[i - 1].e) {
			pts->n[pts->m] = r[i].n;
			pts->e[pts->m] = r[i].e;
			pts->w[pts->m] = 0.0;
			pts->m++;
		}
		pts->w[pts->m - 1] += 1.0;
		pts->of_pair[r[i].i] = (uint32_t)(pts->m - 1);
	}
	free(r);
	return pts;
}

void vg_signal_points_free(struct vg_signal_points *pts)
{
	if (!pts)
		return;
	free(pts->n);
	free(pts->e);
	free(pts->w);
	free(pts->of_pair);
	free(pts);
}
