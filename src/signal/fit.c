/*
 * fit.c - maximum likelihood MGPS hyperparameters.
 *
 * The optimiser is a projected BFGS with an active set, in transformed
 * coordinates x = (log a1, log b1, log a2, log b2, logit P) inside a box:
 *
 *   - the box keeps every shape and rate positive and P strictly inside
 *     (0, 1) (issue 6: unconstrained optimisers wander to P < 0);
 *   - a coordinate sitting on its bound with the gradient pushing outward
 *     is frozen (active); BFGS works on the rest; the inverse Hessian
 *     restarts whenever the active set changes;
 *   - Armijo backtracking along the projected path; analytic gradient
 *     (mgps.c); the objective is -loglik / sum(w) so tolerances do not
 *     depend on the size of the table.
 *
 * It ends in one of three reported states: CONVERGED (interior, projected
 * gradient below tolerance), BOUNDARY (the supremum is on an edge of the
 * box: on real FAERS data alpha1 -> 0, where the truncated component tends
 * to a logarithmic-series law and the likelihood rises to a finite
 * supremum), MAXITER.  Several starts run (openEBGM's three, DuMouchel's,
 * one more); the best wins and the number of starts that reached the same
 * log-likelihood (1e-3) is reported, like openEBGM's num_close.
 *
 * Big tables: the starts run on a squashed copy of the points (DuMouchel
 * & Pregibon 2001: consecutive points of equal N binned by E, weight = the
 * bin size, E = the weighted mean), then the best start is polished on the
 * full, exact point set, so the answer is the maximum of the exact
 * likelihood.  With opts->squash the whole fit uses squashed points.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>

#include "signal/signal_int.h"

#define NPAR 5
#define GTOL 1e-11        /* projected gradient of -loglik / W */
#define START_SQUASH 40000 /* above this many points, starts run squashed */

struct box {
	double lo[NPAR], hi[NPAR];
};

struct run {
	double x[NPAR], f, g[NPAR], pgn;
	unsigned iters, at_bound;
	int status;
	double H[NPAR][NPAR]; /* inverse Hessian at the end (warm start) */
	unsigned h_act;       /* active set H belongs to; ~0u: none */
};

static void theta_to_x(const struct vg_signal_theta *th, double x[NPAR])
{
	x[0] = log(th->alpha1), x[1] = log(th->beta1);
	x[2] = log(th->alpha2), x[3] = log(th->beta2);
	x[4] = log(th->p) - log1p(-th->p);
}

static void x_to_theta(const double x[NPAR], struct vg_signal_theta *th)
{
	th->alpha1 = exp(x[0]), th->beta1 = exp(x[1]);
	th->alpha2 = exp(x[2]), th->beta2 = exp(x[3]);
	th->p = 1.0 / (1.0 + exp(-x[4]));
}

static void make_box(const struct vg_signal_fit_opts *o, struct box *b)
{
	double smin = o && o->shape_min > 0 ? o->shape_min : 1e-5;
	double smax = o && o->shape_max > 0 ? o->shape_max : 1e4;
	double rmin = o && o->rate_min > 0 ? o->rate_min : 1e-6;
	double rmax = o && o->rate_max > 0 ? o->rate_max : 1e4;
	double pmin = o && o->p_min > 0 ? o->p_min : 1e-6;

	for (int k = 0; k < 4; k += 2) {
		b->lo[k] = log(smin), b->hi[k] = log(smax);
		b->lo[k + 1] = log(rmin), b->hi[k + 1] = log(rmax);
	}
	b->lo[4] = log(pmin) - log1p(-pmin);
	b->hi[4] = -b->lo[4];
}

static void clamp(const struct box *b, double x[NPAR])
{
	for (int i = 0; i < NPAR; i++)
		x[i] = x[i] < b->lo[i] ? b->lo[i] : x[i] > b->hi[i] ? b->hi[i] : x[i];
}

static double objective(const double x[NPAR], const struct vg_mgps_data *d, double W,
			double g[NPAR])
{
	struct vg_signal_theta th;
	x_to_theta(x, &th);
	double ll = vg_mgps_eval(&th, d, g);
	for (int i = 0; i < NPAR; i++)
		g[i] = -g[i] / W;
	double f = -ll / W;
	return isfinite(f) ? f : INFINITY;
}

static unsigned active_set(const struct box *b, const double x[NPAR], const double g[NPAR])
{
	unsigned act = 0;
	for (int i = 0; i < NPAR; i++)
		if ((x[i] <= b->lo[i] && g[i] > 0) || (x[i] >= b->hi[i] && g[i] < 0))
			act |= 1u << i;
	return act;
}

static double proj_gnorm(const double g[NPAR], unsigned act)
{
	double s = 0.0;
	for (int i = 0; i < NPAR; i++)
		if (!(act & (1u << i)))
			s += g[i] * g[i];
	return sqrt(s);
}

static void identity(double H[NPAR][NPAR])
{
	for (int i = 0; i < NPAR; i++)
		for (int j = 0; j < NPAR; j++)
			H[i][j] = i == j;
}

/* BFGS update of the inverse Hessian H with step s and gradient change y. */
static void bfgs_update(double H[NPAR][NPAR], const double s[NPAR], const double y[NPAR],
			bool first)
{
	double sy = 0, yy = 0, Hy[NPAR] = {0}, yHy = 0;
	for (int i = 0; i < NPAR; i++)
		sy += s[i] * y[i], yy += y[i] * y[i];
	if (!(sy > 1e-20 * yy) || yy == 0)
		return;
	if (first) {
		identity(H);
		for (int i = 0; i < NPAR; i++)
			H[i][i] = sy / yy;
	}
	for (int i = 0; i < NPAR; i++)
		for (int j = 0; j < NPAR; j++)
			Hy[i] += H[i][j] * y[j];
	for (int i = 0; i < NPAR; i++)
		yHy += y[i] * Hy[i];
	double r = 1.0 / sy;
	for (int i = 0; i < NPAR; i++)
		for (int j = 0; j < NPAR; j++)
			H[i][j] += (1.0 + yHy * r) * r * s[i] * s[j] - r * (Hy[i] * s[j] + s[i] * Hy[j]);
}

/* Direction -H g on the free coordinates; steepest descent if not downhill. */
static void direction(double H[NPAR][NPAR], const double g[NPAR], unsigned act, double d[NPAR],
		      bool *reset)
{
	double gd = 0.0;
	for (int i = 0; i < NPAR; i++) {
		d[i] = 0.0;
		if (act & (1u << i))
			continue;
		for (int j = 0; j < NPAR; j++)
			if (!(act & (1u << j)))
				d[i] -= H[i][j] * g[j];
		gd += g[i] * d[i];
	}
	if (!(gd < 0.0)) {
		identity(H);
		*reset = true;
		for (int i = 0; i < NPAR; i++)
			d[i] = act & (1u << i) ? 0.0 : -g[i];
	}
}

/* -g.d: the first-order decrease a full step along d promises. */
static double dir_decrease(const double g[NPAR], const double d[NPAR])
{
	double gd = 0.0;
	for (int i = 0; i < NPAR; i++)
		gd += g[i] * d[i];
	return -gd;
}

/* Armijo backtracking along the projected path; 0 when a step was taken. */
static int line_search(const struct vg_mgps_data *dat, double W, const struct box *b,
		       struct run *r, const double d[NPAR], bool cautious, double xn[NPAR],
		       double *fn, double gn[NPAR])
{
	double dmax = 0.0;
	for (int i = 0; i < NPAR; i++)
		dmax = fmax(dmax, fabs(d[i]));
	double t = dmax > (cautious ? 1.0 : 3.0) ? (cautious ? 1.0 : 3.0) / dmax : 1.0;

	for (int k = 0; k < 60; k++, t *= 0.5) {
		double dec = 0.0;
		for (int i = 0; i < NPAR; i++)
			xn[i] = r->x[i] + t * d[i];
		clamp(b, xn);
		for (int i = 0; i < NPAR; i++)
			dec += r->g[i] * (xn[i] - r->x[i]);
		*fn = objective(xn, dat, W, gn);
		if (*fn <= r->f + 1e-4 * dec && dec <= 0.0)
			return 0;
	}
	return -1;
}

static void bfgs(const struct vg_mgps_data *dat, double W, const struct box *b,
		 unsigned maxit, struct run *r)
{
	double H[NPAR][NPAR], xn[NPAR], gn[NPAR], d[NPAR], fn;
	unsigned prev_act = r->h_act, stall = 0;
	bool fresh = prev_act == ~0u;

	clamp(b, r->x);
	r->f = objective(r->x, dat, W, r->g);
	r->status = VG_FIT_MAXITER;
	if (fresh)
		identity(H);
	else
		memcpy(H, r->H, sizeof(H));
	for (r->iters = 0; r->iters < maxit; r->iters++) {
		unsigned act = active_set(b, r->x, r->g);
		if (act != prev_act)
			identity(H), fresh = true, prev_act = act;
		r->pgn = proj_gnorm(r->g, act);
		if (r->pgn < GTOL) {
			r->status = VG_FIT_CONVERGED;
			break;
		}
		direction(H, r->g, act, d, &fresh);
		if (!fresh && dir_decrease(r->g, d) <= 1e-15 * fmax(1.0, fabs(r->f))) {
			/* the quasi-Newton step would gain less than the objective's
			 * rounding: converged (saves line searches that must fail) */
			r->status = VG_FIT_CONVERGED;
			break;
		}
		if (line_search(dat, W, b, r, d, fresh, xn, &fn, gn) != 0) {
			if (!fresh) {
				identity(H), fresh = true;
				continue;
			}
			r->status = VG_FIT_CONVERGED; /* no descent left at double precision */
			break;
		}
		double s[NPAR], y[NPAR];
		for (int i = 0; i < NPAR; i++) {
			bool free_i = !(act & (1u << i));
			s[i] = free_i ? xn[i] - r->x[i] : 0.0;
			y[i] = free_i ? gn[i] - r->g[i] : 0.0;
		}
		bfgs_update(H, s, y, fresh);
		fresh = false;
		stall = r->f - fn <= 1e-15 * fmax(1.0, fabs(r->f)) ? stall + 1 : 0;
		memcpy(r->x, xn, sizeof(xn));
		memcpy(r->g, gn, sizeof(gn));
		r->f = fn;
		if (stall >= 4) {
			/* no progress left at double precision: a flat top or an edge */
			r->status = VG_FIT_CONVERGED;
			break;
		}
	}
	unsigned act = active_set(b, r->x, r->g);
	memcpy(r->H, H, sizeof(H));
	r->h_act = fresh ? ~0u : prev_act;
	r->pgn = proj_gnorm(r->g, act);
	r->at_bound = act;
	if (act && r->status == VG_FIT_CONVERGED)
		r->status = VG_FIT_BOUNDARY;
}

/* Squash sorted-by-(N, E) points into about target points (see the top). */
static size_t squash(const uint64_t *n, const double *e, const double *w, size_t m,
		     size_t target, uint64_t *sn, double *se, double *sw)
{
	size_t bin = (m + target - 1) / target, k = 0;
	if (bin < 1)
		bin = 1;
	for (size_t i = 0, j; i < m; i = j) {
		double ws = 0.0, es = 0.0;
		for (j = i; j < m && j < i + bin && n[j] == n[i]; j++) {
			double wi = w ? w[j] : 1.0;
			ws += wi, es += wi * e[j];
		}
		sn[k] = n[i], se[k] = es / ws, sw[k] = ws;
		k++;
	}
	return k;
}

/* Squash sorted points by relative width: a bin holds consecutive points of
 * equal N whose E lie within a factor 1 + delta of its first. */
static size_t squash_rel(const uint64_t *n, const double *e, const double *w, size_t m,
			 double delta, uint64_t *sn, double *se, double *sw)
{
	size_t k = 0;
	for (size_t i = 0, j; i < m; i = j) {
		double ws = 0.0, es = 0.0, lim = e[i] * (1.0 + delta);
		for (j = i; j < m && n[j] == n[i] && e[j] <= lim; j++) {
			double wi = w ? w[j] : 1.0;
			ws += wi, es += wi * e[j];
		}
		sn[k] = n[i], se[k] = es / ws, sw[k] = ws;
		k++;
	}
	return k;
}

static const struct vg_signal_theta default_starts[] = {
	{0.2, 0.1, 2.0, 4.0, 1.0 / 3.0},  /* openEBGM autoHyper */
	{0.1, 0.1, 10.0, 10.0, 0.2},      /* openEBGM autoHyper */
	{0.3, 0.5, 6.0, 6.0, 0.5},        /* openEBGM autoHyper */
	{0.2, 0.06, 1.4, 1.8, 0.1},       /* DuMouchel 1999; PhViD GPS */
	{2.0, 1.0, 0.5, 0.5, 0.5},
	{10.0, 1.0, 1.0, 1.0, 0.05},      /* a tight high component */
	{20.0, 2.0, 2.0, 2.0, 0.05},
};

/* A squashed copy of the points (owned arrays). */
struct level {
	struct vg_mgps_data d;
	uint64_t *n;
	double *e, *w, *le;
};

/* Squash the sorted points into lv: by relative width delta, or, when
 * delta is 0, into about target equal-count bins. */
static void level_make(struct level *lv, const struct vg_mgps_data *full, double delta,
		       size_t target)
{
	size_t m = full->m, k;
	lv->n = vg_xmalloc(m * sizeof(uint64_t));
	lv->e = vg_xmalloc(m * sizeof(double));
	lv->w = vg_xmalloc(m * sizeof(double));
	lv->le = vg_xmalloc(m * sizeof(double));
	if (delta > 0)
		k = squash_rel(full->n, full->e, full->w, m, delta, lv->n, lv->e, lv->w);
	else
		k = squash(full->n, full->e, full->w, m, target, lv->n, lv->e, lv->w);
	for (size_t i = 0; i < k; i++)
		lv->le[i] = log(lv->e[i]);
	lv->d = (struct vg_mgps_data){lv->n, lv->e, lv->le, lv->w, k, full->threads};
}

static void level_free(struct level *lv)
{
	free(lv->n);
	free(lv->e);
	free(lv->w);
	free(lv->le);
	memset(lv, 0, sizeof(*lv));
}

/*
 * The point sets a fit runs on.  Small tables (<= START_SQUASH points):
 * everything on the exact points.  Larger ones, in three levels: the
 * starts on coarse bins (relative width COARSE_DELTA, or START_SQUASH / 4
 * equal-count bins when that leaves more), the best start then refined on
 * fine bins (FINE_DELTA) and finished on the exact points, each level
 * warm-started with the previous one's inverse Hessian, so the exact set
 * costs a few evaluations.  The answer is the exact likelihood's maximum.
 */
#define COARSE_DELTA 0.1
#define FINE_DELTA 1e-3

struct fitctx {
	struct vg_mgps_data full, *start, *fine;
	double wfull;
	double *le_full; /* owned */
	struct level coarse, finelv;
};

static void ctx_init(struct fitctx *c, const uint64_t *n, const double *e, const double *w,
		     size_t m, const struct vg_signal_fit_opts *o)
{
	unsigned nt = vg_signal_threads(o ? o->threads : 0);
	memset(c, 0, sizeof(*c));
	c->le_full = vg_xmalloc((m ? m : 1) * sizeof(double));
	for (size_t k = 0; k < m; k++) {
		c->le_full[k] = log(e[k]);
		c->wfull += w ? w[k] : 1.0;
	}
	c->full = (struct vg_mgps_data){n, e, c->le_full, w, m, nt};
	c->start = &c->full;
	if (o && o->squash) { /* the whole fit on squashed points, as asked */
		level_make(&c->coarse, &c->full, 0, o->squash);
		c->start = &c->coarse.d;
	} else if (m > START_SQUASH) {
		level_make(&c->coarse, &c->full, COARSE_DELTA, 0);
		if (c->coarse.d.m > START_SQUASH / 4) {
			level_free(&c->coarse);
			level_make(&c->coarse, &c->full, 0, START_SQUASH / 4);
		}
		c->start = &c->coarse.d;
		level_make(&c->finelv, &c->full, FINE_DELTA, 0);
		if (c->finelv.d.m < m / 2)
			c->fine = &c->finelv.d;
	}
}

static void ctx_release(struct fitctx *c)
{
	free(c->le_full);
	level_free(&c->coarse);
	level_free(&c->finelv);
}

static bool points_sorted(const uint64_t *n, const double *e, size_t m)
{
	for (size_t k = 1; k < m; k++)
		if (n[k] < n[k - 1] || (n[k] == n[k - 1] && e[k] < e[k - 1]))
			return false;
	return true;
}

/* The component labels are arbitrary: report the one with P <= 1/2 first,
 * so that equal fits print equally. */
static void canonical(struct run *r)
{
	if (r->x[4] <= 0.0)
		return;
	double t0 = r->x[0], t1 = r->x[1], g0 = r->g[0], g1 = r->g[1];
	unsigned ab = r->at_bound;
	r->x[0] = r->x[2], r->x[1] = r->x[3], r->x[2] = t0, r->x[3] = t1, r->x[4] = -r->x[4];
	r->g[0] = r->g[2], r->g[1] = r->g[3], r->g[2] = g0, r->g[3] = g1, r->g[4] = -r->g[4];
	r->at_bound = (ab & 3u) << 2 | (ab & 12u) >> 2 | (ab & 16u);
}

/* ll: the log-likelihood at best on the exact points when known, else NAN. */
static void report(struct vg_signal_fit *fit, const struct run *best, const struct box *b,
		   const struct fitctx *c, double ll)
{
	static const char *names[NPAR] = {"alpha1", "beta1", "alpha2", "beta2", "p"};
	struct vg_signal_theta th;

	x_to_theta(best->x, &th);
	fit->theta = th;
	fit->loglik = isnan(ll) ? vg_mgps_eval(&th, &c->full, NULL) : ll;
	fit->grad_norm = best->pgn * c->wfull;
	fit->status = best->status;
	fit->at_bound = best->at_bound;
	fit->iterations = best->iters;
	fit->warning[0] = '\0';
	if (best->status == VG_FIT_BOUNDARY) {
		for (int i = 0; i < NPAR; i++) {
			if (!(best->at_bound & (1u << i)))
				continue;
			bool low = best->x[i] <= b->lo[i];
			double v = i == 4 ? 1.0 / (1.0 + exp(-best->x[i])) : exp(best->x[i]);
			snprintf(fit->warning, sizeof(fit->warning),
				 "likelihood supremum on the edge of the parameter space: %s at its %s "
				 "bound %.3g (scores are stable as the bound tightens; see "
				 "docs/SIGNALS.md)", names[i], low ? "lower" : "upper", v);
			break;
		}
	} else if (best->status == VG_FIT_MAXITER) {
		snprintf(fit->warning, sizeof(fit->warning),
			 "iteration limit reached; projected gradient %.3g", fit->grad_norm);
	}
}

int vg_signal_fit_points(const uint64_t *n, const double *e, const double *w, size_t m,
			 const struct vg_signal_fit_opts *o, struct vg_signal_fit *fit,
			 struct vg_err *err)
{
	struct fitctx c;
	struct box b;
	struct run best = {.f = INFINITY}, r;
	const struct vg_signal_theta *starts = o && o->starts ? o->starts : default_starts;
	size_t ns = o && o->starts ? o->nstarts : VG_ARRAY_LEN(default_starts);
	unsigned maxit = o && o->max_iter ? o->max_iter : 1000;
	double *fs = NULL;

	memset(fit, 0, sizeof(*fit));
	if (m == 0)
		return vg_err_set(err, VG_EINVAL, NULL, "no pair to fit");
	for (size_t k = 0; k < m; k++)
		if (n[k] == 0 || !(e[k] > 0) || !isfinite(e[k]))
			return vg_err_set(err, VG_EINVAL, NULL,
					  "point %zu: the fit needs N >= 1 and 0 < E < Inf", k);
	if (!points_sorted(n, e, m))
		return vg_err_set(err, VG_EINVAL, NULL, "points must be sorted by (N, E)");
	make_box(o, &b);
	ctx_init(&c, n, e, w, m, o);
	if (o && o->fixed) {
		int rc = 0;
		memset(&best, 0, sizeof(best));
		theta_to_x(o->fixed, best.x);
		best.status = VG_FIT_FIXED;
		report(fit, &best, &b, &c, vg_mgps_eval(o->fixed, &c.full, NULL));
		fit->theta = *o->fixed;
		fit->npoints = m;
		ctx_release(&c);
		return rc;
	}
	fs = vg_xmalloc(ns * sizeof(double));
	for (size_t s = 0; s < ns; s++) {
		memset(&r, 0, sizeof(r));
		r.h_act = ~0u;
		theta_to_x(&starts[s], r.x);
		bfgs(c.start, c.wfull, &b, maxit, &r);
		fs[s] = r.f * c.wfull;
		if (r.f < best.f)
			best = r;
	}
	fit->nstarts = (unsigned)ns;
	for (size_t s = 0; s < ns; s++)
		fit->nagree += fabs(fs[s] - best.f * c.wfull) < 1e-3;
	if (!(o && o->squash)) {
		/* polish the best start on the fine bins, then on the exact
		 * point set (warm: the inverse Hessian carries over) */
		struct run polish = best;
		if (c.fine)
			bfgs(c.fine, c.wfull, &b, maxit, &polish);
		bfgs(&c.full, c.wfull, &b, maxit, &polish);
		if (polish.f <= best.f || c.start != &c.full)
			best = polish;
	}
	unsigned nagree = fit->nagree;
	canonical(&best);
	/* the last evaluation of best was on the exact points unless squashed */
	report(fit, &best, &b, &c, o && o->squash ? NAN : -best.f * c.wfull);
	fit->nstarts = (unsigned)ns;
	fit->nagree = nagree;
	fit->npoints = o && o->squash ? c.start->m : m;
	free(fs);
	ctx_release(&c);
	return 0;
}

int vg_signal_fit(struct vg_signal_table *t, const struct vg_signal_fit_opts *o,
		  struct vg_signal_fit *fit, struct vg_err *err)
{
	if (!t->points)
		t->points = vg_signal_points_build(t);
	return vg_signal_fit_points(t->points->n, t->points->e, t->points->w, t->points->m, o,
				    fit, err);
}
