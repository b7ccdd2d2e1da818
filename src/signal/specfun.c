/*
 * specfun.c - the special functions the signal statistics stand on.
 *
 * The project keeps a permissive licence, so nothing comes from GSL or R;
 * every function here is written from the textbook formula it cites and is
 * tested against 60-digit mpmath values (tests/unit/test_specfun.c,
 * tests/data/signal/specfun_refs.py).  Domain: x > 0 throughout; the
 * callers never need the reflection formula.
 *
 *   vg_sf_lgamma         log Gamma(x): Taylor series about 1 and 2 (A&S
 *                        6.1.33, with zeta(k) - 1 so it converges fast),
 *                        the recurrence in between, Stirling above 10.
 *                        The series keep full *relative* accuracy next to
 *                        the zeros at 1 and 2.
 *   vg_sf_digamma,       recurrence up to x >= 10, then the asymptotic
 *   vg_sf_trigamma       series (A&S 6.3.18, 6.4.12).
 *   vg_sf_gamma_p/_q     regularised incomplete gamma: the power series
 *                        for x < a + 1, Legendre's continued fraction
 *                        (modified Lentz) otherwise (Numerical Recipes
 *                        6.2 describes both).  The prefactor
 *                        x^a e^-x / Gamma(a) is computed as
 *                        a * log1pmx((x - a) / a) + log(a / 2pi) / 2 - c(a)
 *                        with c the Stirling correction (Temme's form), so
 *                        a shape of 500,000 loses no digits to the
 *                        cancellation of a log x against lgamma(a).
 *   vg_sf_gamma_quantile inverse of P(a, .) by safeguarded Halley steps
 *                        from a Wilson-Hilferty start, kept inside a
 *                        bracket that every evaluation narrows.
 *   vg_sf_norm_quantile  Halley steps on erfc from A&S 26.2.23.
 */
#include "vg.h"

#include <math.h>

#include "signal/signal_int.h"

#define LOG_SQRT_2PI 0.91893853320467274178
#define EULER_GAMMA 0.57721566490153286061
#define SF_EPS 1e-16

/* zeta(k) - 1 for k = 2..30 (mpmath, 40 digits). */
static const double zeta_m1[] = {
	6.4493406684822644e-1, 2.0205690315959429e-1, 8.2323233711138192e-2,
	3.6927755143369926e-2, 1.734306198444914e-2,  8.3492773819228268e-3,
	4.0773561979443394e-3, 2.0083928260822144e-3, 9.9457512781808534e-4,
	4.9418860411946456e-4, 2.460865533080483e-4,  1.2271334757848915e-4,
	6.1248135058704829e-5, 3.0588236307020494e-5, 1.5282259408651872e-5,
	7.6371976378997623e-6, 3.8172932649998399e-6, 1.9082127165539389e-6,
	9.5396203387279611e-7, 4.7693298678780646e-7, 2.3845050272773299e-7,
	1.1921992596531107e-7, 5.960818905125948e-8,  2.980350351465228e-8,
	1.4901554828365041e-8, 7.4507117898354295e-9, 3.7253340247884571e-9,
	1.862659723513049e-9,  9.3132743241966818e-10,
};

/*
 * log Gamma(1 + z) for |z| <= 0.5 (A&S 6.1.33):
 *   -log1p(z) + z (1 - gamma) + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k.
 */
static double lgamma1p_series(double z)
{
	double s = 0.0, zk = z;
	for (size_t i = 0; i < VG_ARRAY_LEN(zeta_m1); i++) {
		zk *= -z; /* (-z)^(k) with k = i + 2, sign folded in */
		s += zeta_m1[i] * zk / (double)(i + 2);
	}
	/* zk above carries (-1)^(k-1) z^k; the series wants (-1)^k z^k. */
	return -log1p(z) + z * (1.0 - EULER_GAMMA) - s;
}

/* Stirling correction c(x) = lgamma(x) - [(x - 1/2) log x - x + log sqrt(2pi)],
 * x >= 10 (B_2k / (2k (2k - 1) x^(2k - 1))). */
double vg_sf_lgamma_corr(double x)
{
	double r = 1.0 / x, r2 = r * r;
	return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680
		+ r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156
		+ r2 * (-3617.0 / 122400))))))));
}

double vg_sf_lgamma(double x)
{
	if (isnan(x) || x < 0.0)
		return NAN;
	if (x == 0.0)
		return INFINITY;
	if (x < 0.5)
		return lgamma1p_series(x) - log(x);
	if (x <= 1.5)
		return lgamma1p_series(x - 1.0);
	if (x <= 2.5)
		return log1p(x - 2.0) + lgamma1p_series(x - 2.0);
	if (x < 10.0) {
		double prod = 1.0;
		while (x > 2.5) {
			x -= 1.0;
			prod *= x;
		}
		return log(prod) + log1p(x - 2.0) + lgamma1p_series(x - 2.0);
	}
	if (isinf(x))
		return INFINITY;
	return (x - 0.5) * log(x) - x + LOG_SQRT_2PI + vg_sf_lgamma_corr(x);
}

double vg_sf_digamma(double x)
{
	double acc = 0.0;
	if (isnan(x) || x <= 0.0)
		return NAN;
	while (x < 10.0) {
		acc -= 1.0 / x;
		x += 1.0;
	}
	double r2 = 1.0 / (x * x);
	double tail = r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240
		- r2 * (1.0 / 132 - r2 * (691.0 / 32760 - r2 * (1.0 / 12)))))));
	return acc + log(x) - 0.5 / x - tail;
}

double vg_sf_trigamma(double x)
{
	double acc = 0.0;
	if (isnan(x) || x <= 0.0)
		return NAN;
	while (x < 10.0) {
		acc += 1.0 / (x * x);
		x += 1.0;
	}
	double r = 1.0 / x, r2 = r * r;
	double tail = r * (1.0 + r * (0.5 + r * (1.0 / 6 - r2 * (1.0 / 30 - r2 * (1.0 / 42
		- r2 * (1.0 / 30 - r2 * (5.0 / 66 - r2 * (691.0 / 2730 - r2 * (7.0 / 6)))))))));
	return acc + tail;
}

/* log(1 + u) - u without cancellation for small |u|:
 * with r = u / (2 + u), it is -u r + 2 sum_{k>=1} r^(2k+1) / (2k + 1). */
double vg_sf_log1pmx(double u)
{
	if (fabs(u) > 0.5)
		return log1p(u) - u;
	double r = u / (2.0 + u), r2 = r * r, t = r, s = 0.0;
	for (int k = 3; k < 80; k += 2) {
		t *= r2;
		double d = t / k;
		s += d;
		if (fabs(d) <= SF_EPS * fabs(s))
			break;
	}
	return -u * r + 2.0 * s;
}

void vg_sf_gshape_init(struct vg_sf_gshape *g, double a)
{
	g->a = a;
	g->k = a < 10.0 ? vg_sf_lgamma(a) : 0.5 * log(a / (2.0 * M_PI)) - vg_sf_lgamma_corr(a);
}

static double lpref_g(const struct vg_sf_gshape *g, double x)
{
	double a = g->a;
	if (a < 10.0)
		return a * log(x) - x - g->k;
	return a * vg_sf_log1pmx((x - a) / a) + g->k;
}

/* log(x^a e^-x / Gamma(a)), accurate for large a near x = a. */
double vg_sf_gamma_lpref(double a, double x)
{
	struct vg_sf_gshape g;
	vg_sf_gshape_init(&g, a);
	return lpref_g(&g, x);
}

/* sum_n x^n / ((a+1)...(a+n)), for x < a + 1. */
static double p_series(double a, double x)
{
	double term = 1.0, sum = 1.0;
	for (double ap = a + 1.0; ; ap += 1.0) {
		term *= x / ap;
		sum += term;
		if (term <= SF_EPS * sum * 0.25)
			break;
	}
	return sum;
}

/* Continued fraction for Q(a, x) / prefactor, x >= a + 1 (modified Lentz). */
static double q_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
	for (double i = 1.0; i < 1e8; i += 1.0) {
		double an = -i * (i - a);
		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) <= SF_EPS * 0.25)
			break;
	}
	return h;
}

/* Both tails at once for a prepared shape; the one computed directly is
 * accurate to the last digits, the other is 1 minus it.  Returns the
 * density x^(a-1) e^-x / Gamma(a) at x as a by-product. */
double vg_sf_gamma_pq_g(const struct vg_sf_gshape *g, double x, double *p, double *q)
{
	double a = g->a;
	if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0) {
		*p = *q = NAN;
		return NAN;
	}
	if (x == 0.0) {
		*p = 0.0, *q = 1.0;
		return a < 1.0 ? INFINITY : a == 1.0 ? 1.0 : 0.0;
	}
	if (isinf(x)) {
		*p = 1.0, *q = 0.0;
		return 0.0;
	}
	double pref = exp(lpref_g(g, x));
	if (x < a + 1.0) {
		*p = pref / a * p_series(a, x);
		*q = 1.0 - *p;
	} else {
		*q = pref * q_fraction(a, x);
		*p = 1.0 - *q;
	}
	return pref / x;
}

void vg_sf_gamma_pq(double a, double x, double *p, double *q)
{
	struct vg_sf_gshape g;
	vg_sf_gshape_init(&g, a);
	vg_sf_gamma_pq_g(&g, x, p, q);
}

double vg_sf_gamma_p(double a, double x)
{
	double p, q;
	vg_sf_gamma_pq(a, x, &p, &q);
	return p;
}

double vg_sf_gamma_q(double a, double x)
{
	double p, q;
	vg_sf_gamma_pq(a, x, &p, &q);
	return q;
}

/* Density of Gamma(a, 1) at x. */
double vg_sf_gamma_pdf(double a, double x)
{
	if (x <= 0.0)
		return 0.0;
	return exp(vg_sf_gamma_lpref(a, x)) / x;
}

double vg_sf_norm_quantile(double p)
{
	if (isnan(p) || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	if (p > 0.5)
		return -vg_sf_norm_quantile(1.0 - p);
	if (p == 0.5)
		return 0.0;
	/* A&S 26.2.23, |error| < 4.5e-4, then Halley on Phi(z) - p. */
	double t = sqrt(-2.0 * log(p));
	double z = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
		      (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
	for (int i = 0; i < 4; i++) {
		double cdf = 0.5 * erfc(-z / M_SQRT2);
		double pdf = exp(-0.5 * z * z - LOG_SQRT_2PI);
		if (pdf <= 0.0)
			break;
		double u = (cdf - p) / pdf;
		z -= u / (1.0 + 0.5 * z * u);
	}
	return z;
}

/* Starting point for the gamma quantile: Wilson-Hilferty when it is
 * usable, the small-x and large-x tails otherwise. */
static double gamma_quantile_start(double a, double p)
{
	double z = vg_sf_norm_quantile(p);
	double c = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * sqrt(a));
	if (a >= 1.0 && c > 0.2)
		return a * c * c * c;
	/* P(a, x) ~ x^a / Gamma(a + 1) for small x */
	double lx = (log(p) + vg_sf_lgamma(a + 1.0)) / a;
	if (lx < log(a + 1.0))
		return exp(lx);
	/* Q(a, x) ~ x^(a-1) e^-x / Gamma(a) for large x */
	double x = -log1p(-p) + vg_sf_lgamma(a);
	return x > a ? x + (a - 1.0) * log(x) : a;
}

double vg_sf_gamma_quantile_guess(double a, double p)
{
	return gamma_quantile_start(a, p);
}

/*
 * Newton on the log of the smaller tail as a function of t = log x:
 * g(t) = log P(a, e^t) - log p (or log Q - log(1 - p)), which is close to
 * linear in both tails (P ~ x^a / Gamma(a + 1) near 0, log Q ~ -x far out),
 * so a handful of steps reach full precision even for a = 0.01 or 5e5.
 * Every evaluation narrows a bracket [lo, hi] on t; a step leaving it
 * bisects instead.
 */
double vg_sf_gamma_quantile(double a, double p)
{
	if (isnan(a) || isnan(p) || a <= 0.0 || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return 0.0;
	if (p == 1.0)
		return INFINITY;
	bool lower = p <= 0.5;
	double target = lower ? log(p) : log1p(-p);
	double lo = -INFINITY, hi = INFINITY, x = gamma_quantile_start(a, p);
	if (!(x > 0.0) || isinf(x))
		x = a;
	double t = log(x);
	struct vg_sf_gshape gs;
	vg_sf_gshape_init(&gs, a);
	for (int it = 0; it < 200; it++) {
		double P, Q;
		x = exp(t);
		if (x == 0.0)
			return 0.0; /* the quantile underflows a double */
		double dens = vg_sf_gamma_pq_g(&gs, x, &P, &Q) * x;
		double tail = lower ? P : Q;
		double g = log(tail) - target; /* > 0: x too big (lower), too small (upper) */
		bool too_big = lower ? g > 0.0 : g < 0.0;
		if (g == 0.0)
			return x;
		if (too_big)
			hi = t;
		else
			lo = t;
		/* d log P / dt = x pdf / P; d log Q / dt = -x pdf / Q */
		double dg = (lower ? dens / P : -dens / Q);
		double nt = t - g / dg;
		if (!isfinite(nt) || !(nt > lo && nt < hi)) {
			if (isinf(lo))
				nt = hi - 2.0;
			else if (isinf(hi))
				nt = lo + 1.0;
			else
				nt = 0.5 * (lo + hi);
		}
		if (fabs(nt - t) <= 1e-15 * fmax(1.0, fabs(t)) * 0.5)
			return exp(nt);
		t = nt;
	}
	return exp(t);
}
