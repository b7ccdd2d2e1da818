/*
 * disprop.c - the frequentist disproportionality statistics of one pair,
 * from its 2x2 table of distinct reports:
 *
 *                 event     no event
 *   product         a          b         a + b = n_product
 *   no product      c          d
 *                a + c = n_event        a + b + c + d = ntotal
 *
 *   PRR   = [a/(a+b)] / [c/(c+d)], var ln PRR = 1/a - 1/(a+b) + 1/c - 1/(c+d)
 *           (Evans 2001; PhViD PRR.R)
 *   chi2  = n (ad - bc)^2 / [(a+b)(c+d)(a+c)(b+d)]; Yates subtracts n/2 from
 *           |ad - bc|, never below 0 (the same as R's chisq.test)
 *   Evans = PRR >= 2, Yates chi2 >= 4, a >= 3 (Evans, Waller & Davis 2001)
 *   ROR   = ad / bc, SE ln ROR = sqrt(1/a + 1/b + 1/c + 1/d) (PhViD ROR.R)
 *   IC    = log2((a + 0.5)/(E + 0.5)), IC025/IC975 = log2 of the gamma
 *           quantiles (shape a + 0.5, rate E + 0.5) (Noren 2013; vigicaen)
 *
 * Confidence bounds use z = the exact 0.975 normal quantile (1.95996...).
 * Zero cells are not corrected: a zero denominator gives +Inf, 0/0 gives
 * NaN, and a bound is NaN unless its ratio is finite and positive and its
 * standard error finite (docs/SIGNALS.md lists the cases).
 * ad - bc is computed exactly in 128-bit integers as a n - (a+b)(a+c), so
 * margins above 2^31 (or 2^53) lose nothing to cancellation.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>

#include "signal/signal_int.h"

__extension__ typedef __int128 i128;

#define Z975 1.959963984540054

/* ad - bc exactly: a(a+b+c+d) - (a+b)(a+c). */
static double cross_diff(uint64_t a, uint64_t ab, uint64_t ac, uint64_t n)
{
	i128 v = (i128)a * (i128)n - (i128)ab * (i128)ac;
	return (double)v;
}

/* exp(ln ratio + delta): NaN unless the ratio is finite and positive and
 * its standard error finite (a zero cell makes the interval meaningless). */
static double bound(double ratio, double delta)
{
	if (!(ratio > 0.0) || !isfinite(ratio) || !isfinite(delta))
		return NAN;
	return exp(log(ratio) + delta);
}

static void prr_chi2(struct vg_signal_pair *p, uint64_t ntotal)
{
	double a = (double)p->n, ab = (double)p->n_product, ac = (double)p->n_event;
	double n = (double)ntotal, c = ac - a, cd = n - ab, bd = n - ac;
	double diff = cross_diff(p->n, p->n_product, p->n_event, ntotal);

	p->prr = (a / ab) / (c / cd);
	double v = 1.0 / a - 1.0 / ab + 1.0 / c - 1.0 / cd;
	p->prr025 = bound(p->prr, -Z975 * sqrt(v));
	double den = ab * cd * ac * bd;
	p->chi2 = n * (diff * diff) / den;
	double y = fabs(diff) - n / 2.0;
	if (y < 0.0)
		y = 0.0;
	p->chi2_yates = n * (y * y) / den;
	p->evans = p->prr >= 2.0 && p->chi2_yates >= 4.0 && p->n >= 3;
}

static void ror(struct vg_signal_pair *p, uint64_t ntotal)
{
	double a = (double)p->n, b = (double)(p->n_product - p->n);
	double c = (double)(p->n_event - p->n);
	double d = (double)(ntotal - p->n_product - p->n_event + p->n);

	p->ror = (a * d) / (b * c);
	double se = sqrt(1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d);
	p->ror025 = bound(p->ror, -Z975 * se);
	p->ror975 = bound(p->ror, Z975 * se);
}

/* BCPNN IC with exact gamma-quantile credibility bounds. */
static void ic(double n, double e, double out[3])
{
	double shape = n + 0.5, rate = e + 0.5;
	out[0] = log2(shape / rate);
	out[1] = log2(vg_sf_gamma_quantile(shape, 0.025) / rate);
	out[2] = log2(vg_sf_gamma_quantile(shape, 0.975) / rate);
}

void vg_signal_disprop_pair(struct vg_signal_pair *p, uint64_t ntotal)
{
	double v[3];

	prr_chi2(p, ntotal);
	ror(p, ntotal);
	ic((double)p->n, p->e, v);
	p->ic = v[0], p->ic025 = v[1], p->ic975 = v[2];
}

struct ic_job {
	const struct vg_signal_points *pts;
	double *icv;
	size_t k0, k1;
};

/* The quantiles of Gamma(N + .5, E + .5) are those of Gamma(N + .5, 1)
 * divided by E + .5: solved once per distinct N (points come sorted by N). */
static void *ic_run(void *arg)
{
	struct ic_job *j = arg;
	uint64_t cur = UINT64_MAX;
	double q025 = 0, q975 = 0;
	for (size_t k = j->k0; k < j->k1; k++) {
		double n = (double)j->pts->n[k], rate = j->pts->e[k] + 0.5, *out = j->icv + 3 * k;
		if (j->pts->n[k] != cur) {
			cur = j->pts->n[k];
			q025 = vg_sf_gamma_quantile(n + 0.5, 0.025);
			q975 = vg_sf_gamma_quantile(n + 0.5, 0.975);
		}
		out[0] = log2((n + 0.5) / rate);
		out[1] = log2(q025 / rate);
		out[2] = log2(q975 / rate);
	}
	return NULL;
}

/* IC depends on (N, E) only: once per point, in threads. */
static void ic_points(const struct vg_signal_points *pts, double *icv)
{
	struct ic_job jobs[8];
	pthread_t tid[8];
	unsigned nt = vg_signal_threads(0);

	if (nt > 8)
		nt = 8;
	if (pts->m < 4096)
		nt = 1;
	for (unsigned k = 0; k < nt; k++)
		jobs[k] = (struct ic_job){pts, icv, pts->m * k / nt, pts->m * (k + 1) / nt};
	for (unsigned k = 1; k < nt; k++)
		if (pthread_create(&tid[k], NULL, ic_run, &jobs[k]) != 0)
			tid[k] = 0, ic_run(&jobs[k]);
	ic_run(&jobs[0]);
	for (unsigned k = 1; k < nt; k++)
		if (tid[k])
			pthread_join(tid[k], NULL);
}

struct pair_job {
	struct vg_signal_table *t;
	const double *icv;
	size_t i0, i1;
};

static void *pair_run(void *arg)
{
	struct pair_job *j = arg;
	const struct vg_signal_points *pts = j->t->points;
	for (size_t i = j->i0; i < j->i1; i++) {
		struct vg_signal_pair *p = &j->t->pairs[i];
		const double *v = j->icv + 3 * (size_t)pts->of_pair[i];
		prr_chi2(p, j->t->ntotal);
		ror(p, j->t->ntotal);
		p->ic = v[0], p->ic025 = v[1], p->ic975 = v[2];
	}
	return NULL;
}

void vg_signal_disprop(struct vg_signal_table *t)
{
	struct pair_job jobs[8];
	pthread_t tid[8];
	unsigned nt = vg_signal_threads(0);

	if (!t->points)
		t->points = vg_signal_points_build(t);
	double *icv = vg_xmalloc((t->points->m ? t->points->m : 1) * 3 * sizeof(double));
	ic_points(t->points, icv);
	if (nt > 8)
		nt = 8;
	if (t->npairs < 65536)
		nt = 1;
	for (unsigned k = 0; k < nt; k++)
		jobs[k] = (struct pair_job){t, icv, t->npairs * k / nt, t->npairs * (k + 1) / nt};
	for (unsigned k = 1; k < nt; k++)
		if (pthread_create(&tid[k], NULL, pair_run, &jobs[k]) != 0)
			tid[k] = 0, pair_run(&jobs[k]);
	pair_run(&jobs[0]);
	for (unsigned k = 1; k < nt; k++)
		if (tid[k])
			pthread_join(tid[k], NULL);
	free(icv);
}
