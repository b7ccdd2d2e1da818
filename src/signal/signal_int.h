/*
 * signal_int.h - what the files of src/signal/ share and nobody else uses:
 * the special functions, the snapshot layout, the (N, E) point set.
 * Unit tests include it to test the special functions directly.
 */
#ifndef VG_SIGNAL_INT_H
#define VG_SIGNAL_INT_H

#include "signal/signal.h"

/* ------------------------------------------------ special functions (x > 0) */

double vg_sf_lgamma(double x);
double vg_sf_lgamma_corr(double x); /* Stirling remainder, x >= 10 */
double vg_sf_digamma(double x);
double vg_sf_trigamma(double x);
double vg_sf_log1pmx(double u);     /* log(1 + u) - u */
double vg_sf_gamma_lpref(double a, double x); /* log(x^a e^-x / Gamma(a)) */
void vg_sf_gamma_pq(double a, double x, double *p, double *q);
double vg_sf_gamma_p(double a, double x);  /* regularised lower */
double vg_sf_gamma_q(double a, double x);  /* regularised upper */
double vg_sf_gamma_pdf(double a, double x);
/* A shape prepared once for many evaluations (its lgamma computed once). */
struct vg_sf_gshape {
	double a, k;
};
void vg_sf_gshape_init(struct vg_sf_gshape *g, double a);
/* P and Q at x; returns the density at x. */
double vg_sf_gamma_pq_g(const struct vg_sf_gshape *g, double x, double *p, double *q);
/* Wilson-Hilferty (or tail) approximation of the quantile, rate 1. */
double vg_sf_gamma_quantile_guess(double a, double p);
double vg_sf_gamma_quantile(double a, double p); /* rate 1 */
double vg_sf_norm_quantile(double p);

/* ------------------------------------------------------------- snapshot */

/*
 * Report r has products prod[prod_off[r] .. prod_off[r+1]) and events
 * ev[ev_off[r] .. ev_off[r+1]), each sorted and distinct.  Its pairs are
 * the cross product, unless pair_off[r] < pair_off[r+1]: then exactly the
 * packed (product << 32 | event) values pair[pair_off[r] ..) (row input
 * whose rows do not cover the cross product).
 */
struct vg_snap {
	uint64_t nreports;
	uint64_t *prod_off, *ev_off, *pair_off;
	uint32_t *prod, *ev;
	uint64_t *pair;
	uint32_t *stratum;
	int32_t *period;
	struct vg_map *products, *events, *strata;
};

/* --------------------------------------------------- distinct (N, E) points */

/* Pairs grouped by identical (N, E): the likelihood and the posteriors
 * depend on nothing else, so each is computed once per point. */
struct vg_signal_points {
	size_t m;
	uint64_t *n;
	double *e, *w;
	uint32_t *of_pair; /* point index of pair i */
};
struct vg_signal_points *vg_signal_points_build(const struct vg_signal_table *t);
void vg_signal_points_free(struct vg_signal_points *pts);

/* v as printf's "%.12g" (finite v), fast; returns the length. */
int vg_signal_fmt_g12(char out[32], double v);

/* Threads to use: asked, or one per core up to 8 when 0. */
unsigned vg_signal_threads(unsigned asked);

/* ------------------------------------------------------------ MGPS fit */

/* Points the likelihood runs over; le[k] = log e[k]; w may be NULL. */
struct vg_mgps_data {
	const uint64_t *n;
	const double *e, *le, *w;
	size_t m;
	unsigned threads;
};
/* Log-likelihood (truncated at N* = 1) and, when grad != NULL, its gradient
 * in (log a1, log b1, log a2, log b2, logit p). */
double vg_mgps_eval(const struct vg_signal_theta *th, const struct vg_mgps_data *d,
		    double grad[5]);

#endif
