/*
 * signal.h - disproportionality analysis: the snapshot, pair counting,
 * PRR / chi-square / ROR / BCPNN IC, MGPS (EBGM, EB05, EB95) with its
 * hyperparameter fit, and the likelihood-ratio test.  Methods and their
 * sources: DOMAIN.md section 4 and docs/SIGNALS.md.
 *
 * The pipeline, each step one call:
 *
 *   vg_snap_builder_new            intern names, add reports (or rows)
 *   vg_snap_build                  -> struct vg_snap (immutable, CSR)
 *   vg_signal_count                -> struct vg_signal_table: every pair
 *                                     with N >= 1, its margins and E
 *   vg_signal_disprop              PRR, chi2, ROR, IC on every pair
 *   vg_signal_fit                  MGPS hyperparameters (or fix them)
 *   vg_signal_eb                   EBGM, EB05, EB95, Qn on every pair
 *   vg_signal_lrt                  LRT statistic and Monte Carlo p-value
 *   vg_signal_sort / _write_*      order and print
 *
 * Counting rules (openEBGM's, see shared/refs/README.md): every count is of
 * distinct reports: N per pair, the product and event margins, the total.
 * A report counts in the total and in its margins even when it has no
 * product or no event.  Nothing here touches the store or prints.
 *
 * Non-finite results are values, not errors: a statistic whose formula
 * divides by zero is +Inf (positive numerator), or NaN (0/0); lower bounds
 * of an infinite ratio are NaN.  docs/SIGNALS.md lists every case.
 */
#ifndef VG_SIGNAL_H
#define VG_SIGNAL_H

#include "vg.h"
#include "util/util.h"

/* --------------------------------------------------------------- snapshot */

struct vg_snap;         /* immutable analysis snapshot, opaque */
struct vg_snap_builder; /* accumulates reports, opaque */

struct vg_snap_builder *vg_snap_builder_new(void);
/* Frees a builder that was not handed to vg_snap_build (NULL is fine). */
void vg_snap_builder_free(struct vg_snap_builder *b);

/* Intern a name and return its dense id (0, 1, 2, ... in first-seen order). */
uint32_t vg_snap_builder_product(struct vg_snap_builder *b, const char *name, size_t len);
uint32_t vg_snap_builder_event(struct vg_snap_builder *b, const char *name, size_t len);
uint32_t vg_snap_builder_stratum(struct vg_snap_builder *b, const char *name, size_t len);

/*
 * Add one whole report: its stratum id, a period id (report quarter for
 * trends; -1 when unknown), and its product and event ids (duplicates are
 * allowed and removed).  Every product pairs with every event.  The caller
 * adds each report once.  Ids must come from the interning calls above.
 */
int vg_snap_builder_add(struct vg_snap_builder *b, uint32_t stratum, int32_t period,
			const uint32_t *products, size_t nproducts,
			const uint32_t *events, size_t nevents, struct vg_err *err);

/*
 * Add one (report, product, event, stratum) row, as in openEBGM's long
 * table.  Rows of one report may come in any order; repeated triples count
 * once; only the (product, event) combinations seen in rows are pairs of the
 * report.  stratum may be empty (one stratum).  A report whose rows disagree
 * on the stratum is an error (VG_EINVAL).
 */
int vg_snap_builder_add_row(struct vg_snap_builder *b, struct vg_sv report,
			    struct vg_sv product, struct vg_sv event, struct vg_sv stratum,
			    struct vg_err *err);

/* Turn the builder into a snapshot.  The builder is consumed (freed) in
 * every case; on success *out owns everything (vg_snap_free). */
int vg_snap_build(struct vg_snap_builder *b, struct vg_snap **out, struct vg_err *err);
void vg_snap_free(struct vg_snap *s);

struct vg_snap_info {
	uint64_t nreports;
	uint32_t nproducts, nevents, nstrata;
	uint64_t nproduct_links, nevent_links; /* sum over reports */
};
void vg_snap_info(const struct vg_snap *s, struct vg_snap_info *out);
/* Names by id (NUL-terminated, owned by the snapshot); NULL when out of range. */
const char *vg_snap_product_name(const struct vg_snap *s, uint32_t id);
const char *vg_snap_event_name(const struct vg_snap *s, uint32_t id);
const char *vg_snap_stratum_name(const struct vg_snap *s, uint32_t id);
/* Id of a name or UINT32_MAX. */
uint32_t vg_snap_find_product(const struct vg_snap *s, const char *name);
uint32_t vg_snap_find_event(const struct vg_snap *s, const char *name);

/* ------------------------------------------------------- pairs and counts */

/* One product-event pair.  Counts are distinct reports; 2x2 cells:
 * a = n, b = n_product - n, c = n_event - n, d = ntotal - a - b - c. */
struct vg_signal_pair {
	uint32_t product, event;
	uint64_t n, n_product, n_event;
	double e;                /* expected count (stratified when asked) */
	double prr, prr025;      /* PRR and lower 95% bound */
	double chi2, chi2_yates; /* Pearson chi-square, 1 df, plain and Yates */
	double ror, ror025, ror975;
	double ic, ic025, ic975; /* BCPNN information component, log2 */
	double qn, ebgm, eb05, eb95;
	double lrt_llr, lrt_p;   /* NaN until vg_signal_lrt */
	bool evans;              /* PRR >= 2, chi2 >= 4, N >= 3 (Evans 2001) */
};

struct vg_signal_points; /* distinct (N, E) points, built on demand */

struct vg_signal_table {
	struct vg_signal_pair *pairs; /* sorted by (product, event) after counting */
	size_t npairs;
	uint64_t ntotal;  /* reports in the snapshot */
	uint32_t nstrata; /* strata E was summed over (1 = unstratified) */
	struct vg_signal_points *points; /* cache, owned */
};
#define VG_SIGNAL_TABLE_INIT {NULL, 0, 0, 0, NULL}
void vg_signal_table_release(struct vg_signal_table *t);

struct vg_signal_opts {
	bool stratified; /* E summed over the snapshot's strata */
	unsigned threads; /* 0 = one per core (at most 8) */
	bool period_cut;  /* count only reports with 0 <= period <= period_max */
	int32_t period_max; /* (trends: the database as it stood at a quarter) */
};
#define VG_SIGNAL_OPTS_INIT {false, 0, false, 0}

/* Count every pair with N >= 1, its margins and E.  t must be released or
 * fresh; it is overwritten.  VG_EINVAL when no report is counted. */
int vg_signal_count(const struct vg_snap *s, const struct vg_signal_opts *o,
		    struct vg_signal_table *t, struct vg_err *err);

/* PRR, chi2, ROR, IC and the Evans flag for one pair (n, n_product, n_event
 * and e set) in a database of ntotal reports; and for every pair. */
void vg_signal_disprop_pair(struct vg_signal_pair *p, uint64_t ntotal);
void vg_signal_disprop(struct vg_signal_table *t);

/* ---------------------------------------------------------------- MGPS */

/* Prior: lambda ~ p Gamma(alpha1, beta1) + (1 - p) Gamma(alpha2, beta2). */
struct vg_signal_theta {
	double alpha1, beta1, alpha2, beta2, p;
};

enum vg_signal_fit_status {
	VG_FIT_CONVERGED = 0, /* interior maximum, projected gradient ~ 0 */
	VG_FIT_BOUNDARY = 1,  /* supremum on a bound of the parameter box */
	VG_FIT_MAXITER = 2,   /* stopped by the iteration limit */
	VG_FIT_FIXED = 3,     /* theta given, not fitted */
};

struct vg_signal_fit_opts {
	double shape_min, shape_max; /* box for alpha1, alpha2 (0: 1e-5, 1e4) */
	double rate_min, rate_max;   /* box for beta1, beta2 (0: 1e-6, 1e4) */
	double p_min;                /* p in [p_min, 1 - p_min] (0: 1e-6) */
	size_t squash;   /* >0: fit on at most ~this many squashed points */
	unsigned threads;
	const struct vg_signal_theta *starts; /* NULL: built-in starts */
	size_t nstarts;
	const struct vg_signal_theta *fixed; /* not NULL: no fit, status FIXED */
	unsigned max_iter; /* per start (0: 1000) */
};
#define VG_SIGNAL_FIT_OPTS_INIT {0, 0, 0, 0, 0, 0, 0, NULL, 0, NULL, 0}

struct vg_signal_fit {
	struct vg_signal_theta theta;
	double loglik;        /* truncated (N* = 1) log-likelihood at theta */
	double grad_norm;     /* projected gradient, transformed coordinates */
	int status;           /* enum vg_signal_fit_status */
	unsigned at_bound;    /* bit i set: parameter i (alpha1..p) at a bound */
	unsigned nstarts, nagree; /* starts run; starts within 1e-4 of the best */
	unsigned iterations;  /* of the best start */
	size_t npoints;       /* distinct (N, E) points the likelihood ran over */
	char warning[256];    /* "" or a sentence for the user */
};

/*
 * Maximum likelihood hyperparameters over all pairs of t (N >= 1), the
 * likelihood truncated at N* = 1 per component (openEBGM, DuMouchel 1999).
 * Returns 0 with fit->status saying how it ended; VG_EINVAL on an empty
 * table.
 */
int vg_signal_fit(struct vg_signal_table *t, const struct vg_signal_fit_opts *o,
		  struct vg_signal_fit *fit, struct vg_err *err);
/* The same on raw points (weights may be NULL = 1). */
int vg_signal_fit_points(const uint64_t *n, const double *e, const double *w, size_t m,
			 const struct vg_signal_fit_opts *o, struct vg_signal_fit *fit,
			 struct vg_err *err);
/* Truncated log-likelihood of theta on points (weights may be NULL). */
double vg_signal_loglik(const struct vg_signal_theta *th, const uint64_t *n,
			const double *e, const double *w, size_t m);
/* Parse "a1,b1,a2,b2,p" (all > 0, 0 < p < 1). */
int vg_signal_theta_parse(const char *s, struct vg_signal_theta *th, struct vg_err *err);

struct vg_signal_post {
	double qn, ebgm, eb05, eb95;
};
/* Posterior summaries of one pair (DuMouchel 1999). */
void vg_signal_posterior(const struct vg_signal_theta *th, uint64_t n, double e,
			 struct vg_signal_post *out);
/* Qn, EBGM, EB05, EB95 on every pair of t. */
int vg_signal_eb(struct vg_signal_table *t, const struct vg_signal_theta *th,
		 unsigned threads, struct vg_err *err);

/* ----------------------------------------------------------------- LRT */

struct vg_signal_lrt_opts {
	uint32_t reps;  /* Monte Carlo replicates (0: 999) */
	uint64_t seed;  /* same seed, same p-values */
};
#define VG_SIGNAL_LRT_OPTS_INIT {999, 1}
/* Per product: log LR of each of its events and the Monte Carlo p-value of
 * that value against the null distribution of the product's maximum
 * (Huang, Zalkikar & Tiwari 2011).  Fills lrt_llr and lrt_p. */
int vg_signal_lrt(struct vg_signal_table *t, const struct vg_signal_lrt_opts *o,
		  struct vg_err *err);

/* ---------------------------------------------------------- thresholds */

/*
 * A signal criterion: every listed condition holds.  Text form, comma-
 * separated, ASCII case ignored: "evans" (the Evans flag), or STAT:X with
 * STAT a column name ("EB05", "IC025", "ROR025", "PRR025", "N", ...), true
 * when STAT >= X (NaN never is).  Examples: "eb05:2", "ic025:0",
 * "ror025:1,n:3", "evans".
 */
#define VG_SIGNAL_RULE_MAX 8
struct vg_signal_rule {
	bool evans;
	unsigned n;
	int col[VG_SIGNAL_RULE_MAX]; /* statistic index (vg_signal_stat_index) */
	double min[VG_SIGNAL_RULE_MAX];
};
int vg_signal_rule_parse(const char *s, struct vg_signal_rule *r, struct vg_err *err);
bool vg_signal_rule_met(const struct vg_signal_rule *r, const struct vg_signal_pair *p);
/* Index of a statistic by its column name (ASCII case ignored), or -1;
 * its value for a pair ("N" as a double). */
int vg_signal_stat_index(const char *name);
double vg_signal_stat_value(const struct vg_signal_pair *p, int idx);

/* -------------------------------------------------------------- output */

/* Sort by a statistic named as in the CSV header ("EB05", "N", "IC025", ...,
 * "LRT_p"), descending unless ascending; ties by (product, event).
 * NaN sorts last.  VG_EINVAL on an unknown name. */
int vg_signal_sort(struct vg_signal_table *t, const char *stat, bool ascending,
		   struct vg_err *err);

#define VG_SIGNAL_CSV_HEADER \
	"product,event,N,E,PRR,PRR025,chi2,chi2_yates,ROR,ROR025,ROR975,IC,IC025,IC975," \
	"EBGM,EB05,EB95"

enum vg_signal_format { VG_SIGNAL_CSV, VG_SIGNAL_TSV, VG_SIGNAL_JSON, VG_SIGNAL_TABLE };
struct vg_signal_write_opts {
	int format;   /* enum vg_signal_format */
	bool lrt;     /* add LRT_llr, LRT_p columns */
	size_t limit; /* rows at most (0 = all) */
	uint64_t min_n; /* skip pairs with N below (0 = none) */
	const struct vg_signal_rule *flag; /* not NULL: a last column "signal" */
	const char *quarter; /* not NULL: a first column "quarter" with this value */
	/* One output in several pieces (trends: a table per quarter): no_head
	 * skips the header (CSV, TSV, table) or "[" (JSON), no_tail the "]";
	 * *rows counts rows written so far across pieces (may be NULL). */
	bool no_head, no_tail;
	size_t *rows;
};
#define VG_SIGNAL_WRITE_OPTS_INIT {VG_SIGNAL_CSV, false, 0, 0, NULL, NULL, false, false, NULL}
/* Write the table (names from s).  VG_EIO when f fails.  Table format: the
 * main columns aligned for a terminal (product, event, N, E, PRR, ROR025,
 * IC025, EBGM, EB05, EB95, and the LRT p-value when asked). */
int vg_signal_write(const struct vg_signal_table *t, const struct vg_snap *s,
		    const struct vg_signal_write_opts *o, FILE *f, struct vg_err *err);
/* {"alpha1":..,"beta1":..,"alpha2":..,"beta2":..,"p":..,"loglik":..} plus
 * status fields ("status", "at_bound", "warning", ...). */
int vg_signal_fit_json(const struct vg_signal_fit *fit, struct vg_buf *b);

#endif
