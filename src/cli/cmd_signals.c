/*
 * cmd_signals.c - `vigil signals`: disproportionality statistics for every
 * product-event pair in the store (PRR, chi2, ROR, IC, MGPS EBGM/EB05/EB95,
 * optionally the LRT), stratified, filtered, sorted, or per quarter.
 *
 * The command only reads and feeds: one vg_store_scan_latest pass (latest
 * valid, non-nullified, non-deleted, non-duplicate versions) turns each
 * report that passes the filters into one snapshot report:
 *
 *   products  of the chosen roles (suspect + interacting by default), keyed
 *             by the ingredient the importer normalised, else the name
 *             (--by product: the verbatim name), byte for byte: names that
 *             differ only in spacing stay apart, as in openEBGM;
 *             (--dict FILE: the dictionary's ingredient when the name matches);
 *   events    keyed by the coded term as stored, else the verbatim term with
 *             its white space trimmed and collapsed (--meddra DIR --level L:
 *             that term's L on its primary MedDRA path; unknown terms kept);
 *   stratum   the chosen dimensions joined by '|' ("female|adult");
 *   period    the quarter of the received date, else of the latest
 *             information date (E2B(R3) C.1.4, C.1.5); -1 when unknown.
 *
 * Everything after the scan is signal/ (count, disprop, fit, eb, lrt, sort,
 * write); docs/SIGNALS.md describes the methods and the output.
 *
 * Trends (--trend quarter): the pipeline runs once per quarter on the
 * reports dated up to the end of that quarter (cumulative), each quarter
 * with its own fit unless --theta fixes it.  With --first-met the output is
 * instead one row per pair with the first quarter in which it met each
 * threshold (evans, EB05 >= 2, IC025 >= 0, ROR025 >= 1, and --signal).
 */
#include "vg.h"
#include "cli/cli.h"
#include "case/case.h"
#include "ingest/ingest.h"
#include "signal/signal.h"
#include "store/store.h"
#include "terms/terms.h"

#include <math.h>

static int run_signals(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_signals = {
	.name = "signals",
	.summary = "disproportionality statistics (PRR, ROR, IC, EBGM, LRT) for every pair",
	.usage = "vigil signals --db PATH [--roles R,...] [--by ingredient|product]\n"
	         "       vigil signals --table FILE --id COL --product COL --event COL [--stratum COL]\n"
	         "              [--strata sex,agegroup,year,class,stratum] [filters]\n"
	         "              [--theta a1,b1,a2,b2,p | --fit-only] [--lrt [--lrt-sims N] [--seed S]]\n"
	         "              [--trend quarter [--first-met]] [--sort STAT [--ascending]]\n"
	         "              [--limit N] [--min-n N] [--signal RULE] [--format table|csv|tsv|json]\n"
	         "              [--dict FILE] [--meddra DIR [--level pt|hlt|hlgt|soc]]",
	.help = "--table reads a case-product-event CSV/TSV directly (the table importer's\n"
	        "reader, no database): the analyst's shortest path from a file to signals.\n"
	        "Counts are of distinct reports among the latest valid, non-nullified,\n"
	        "non-deleted, non-duplicate versions.  Products: suspect and interacting by\n"
	        "default, keyed by the normalised ingredient (else the name).  Events: the\n"
	        "coded term, else the verbatim term.\n"
	        "\n"
	        "CSV columns: product,event,N,E,PRR,PRR025,chi2,chi2_yates,ROR,ROR025,ROR975,\n"
	        "IC,IC025,IC975,EBGM,EB05,EB95 (+ LRT_llr,LRT_p with --lrt; + signal with\n"
	        "--signal; a first column quarter with --trend).  Inf/NaN mark zero cells\n"
	        "(null in JSON).  --fit-only prints the MGPS hyperparameters as\n"
	        "{\"alpha1\":..,\"beta1\":..,\"alpha2\":..,\"beta2\":..,\"p\":..,\"loglik\":..,...}.\n"
	        "A fit that ends on an edge of the parameter space is reported with a\n"
	        "warning on stderr (docs/SIGNALS.md explains when and why).\n"
	        "\n"
	        "--dict FILE: product key = the ingredient of the dictionary CSV\n"
	        "(name,ingredient; see `vigil terms`) when the name matches, else as above.\n"
	        "--meddra DIR --level L: event key = the term at level L (pt by default)\n"
	        "on the primary path of the coded LLT/PT; terms not in MedDRA are kept\n"
	        "as they are and counted in a warning.  Counts stay distinct reports.\n"
	        "\n"
	        "RULE: evans, or STAT:X (STAT >= X), comma-separated, all must hold,\n"
	        "e.g. eb05:2  ic025:0  ror025:1,n:3.\n"
	        "\n"
	        "Examples:\n"
	        "  vigil signals --db v.db --limit 20\n"
	        "  vigil signals --db v.db --strata sex,agegroup --format csv > signals.csv\n"
	        "  vigil signals --db v.db --fit-only --format json\n"
	        "  vigil signals --db v.db --trend quarter --first-met --signal eb05:2\n",
	.run = run_signals,
};

enum { DIM_SEX = 1, DIM_AGE = 2, DIM_YEAR = 4, DIM_CLASS = 8, DIM_STRATUM = 16 };

struct sig_opts {
	/* selection */
	unsigned roles;     /* bit per enum vg_role */
	bool by_product;
	unsigned dims;      /* DIM_* */
	int klass, sex, age_group, serious;
	const char *unit, *region;
	int32_t from_day, to_day; /* INT32_MIN / INT32_MAX: open */
	/* statistics */
	bool fixed, fit_only, lrt, trend, first_met, ascending;
	struct vg_signal_theta theta;
	struct vg_signal_rule rule;
	bool have_rule;
	const char *sort;
	int64_t limit, min_n, lrt_sims, seed, threads;
	double shape_min;
	int fmt; /* enum vg_fmt */
	/* coding (terms/): NULL when not asked for */
	const struct vg_terms_dict *dict;
	const struct vg_meddra *meddra;
	int level; /* enum vg_meddra_level */
};

struct scan_ctx {
	const struct sig_opts *o;
	struct vg_snap_builder *b;
	struct vg_buf key, strat;
	uint32_t *prod, *ev;
	size_t prod_cap, ev_cap;
	uint8_t *periods; /* seen[period] for trends */
	size_t periods_cap;
	int32_t pmax;
	uint64_t seen, undated;
	uint64_t unrolled; /* event terms --meddra did not find */
	struct vg_arena arena; /* dictionary lookups, reset per report */
	struct vg_progress prog;
};

/* ------------------------------------------------------------ options */

static int parse_roles(const char *s, unsigned *out)
{
	struct vg_sv rest = vg_sv_of(s);
	char nm[32];

	*out = 0;
	while (rest.p) {
		struct vg_sv tok = vg_sv_trim(vg_sv_cut(rest, ',', &rest));
		int r;
		if (tok.len == 0 || tok.len >= sizeof(nm))
			return -1;
		memcpy(nm, tok.p, tok.len);
		nm[tok.len] = '\0';
		if ((r = vg_role_parse(nm)) <= 0)
			return -1;
		*out |= 1u << r;
	}
	return 0;
}

static int parse_dims(const char *s, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } dims[] = {
		{"sex", DIM_SEX}, {"agegroup", DIM_AGE}, {"age_group", DIM_AGE},
		{"year", DIM_YEAR}, {"class", DIM_CLASS}, {"stratum", DIM_STRATUM},
	};
	struct vg_sv rest = vg_sv_of(s);

	*out = 0;
	while (rest.p) {
		struct vg_sv tok = vg_sv_trim(vg_sv_cut(rest, ',', &rest));
		unsigned bit = 0;
		for (size_t i = 0; i < VG_ARRAY_LEN(dims); i++)
			if (vg_sv_ieq_cstr(tok, dims[i].name))
				bit = dims[i].bit;
		if (!bit)
			return -1;
		*out |= bit;
	}
	return 0;
}

static int parse_day(const char *s, bool last, int32_t *out)
{
	struct vg_date d;
	if (vg_date_parse(vg_sv_of(s), &d) || d.prec < VG_DATE_YEAR)
		return -1;
	*out = last ? vg_date_last_day(&d) : vg_date_first_day(&d);
	return 0;
}

struct raw_opts {
	const char *roles, *by, *strata, *klass, *sex, *age, *serious, *from, *to, *theta,
		*format, *signal, *trend, *dict, *meddra, *level;
};

static int check_opts(const struct raw_opts *r, struct sig_opts *o)
{
	const struct vg_cli_cmd *c = &vg_cmd_signals;
	struct vg_err err = VG_ERR_INIT;

	if (r->roles && parse_roles(r->roles, &o->roles))
		return vg_cli_usage_error(c, "--roles: expected suspect,interacting,concomitant,...");
	if (r->by && strcmp(r->by, "ingredient") && strcmp(r->by, "product"))
		return vg_cli_usage_error(c, "--by: ingredient or product, not '%s'", r->by);
	o->by_product = r->by && !strcmp(r->by, "product");
	if (r->strata && parse_dims(r->strata, &o->dims))
		return vg_cli_usage_error(c, "--strata: from sex,agegroup,year,class,stratum");
	if (r->klass && (o->klass = vg_class_parse(r->klass)) <= 0)
		return vg_cli_usage_error(c, "--class: unknown class '%s'", r->klass);
	if (r->sex && (o->sex = vg_sex_parse(r->sex)) < 0)
		return vg_cli_usage_error(c, "--sex: unknown sex '%s'", r->sex);
	if (r->age && (o->age_group = vg_age_group_parse(r->age)) < 0)
		return vg_cli_usage_error(c, "--age-group: unknown age group '%s'", r->age);
	if (r->serious && strcmp(r->serious, "yes") && strcmp(r->serious, "no"))
		return vg_cli_usage_error(c, "--serious: say yes or no");
	o->serious = r->serious ? !strcmp(r->serious, "yes") : -1;
	if (r->from && parse_day(r->from, false, &o->from_day))
		return vg_cli_usage_error(c, "--from: bad date '%s'", r->from);
	if (r->to && parse_day(r->to, true, &o->to_day))
		return vg_cli_usage_error(c, "--to: bad date '%s'", r->to);
	if (r->theta && vg_signal_theta_parse(r->theta, &o->theta, &err))
		return vg_cli_usage_error(c, "--theta: %s", err.msg);
	o->fixed = r->theta != NULL;
	if (r->signal && vg_signal_rule_parse(r->signal, &o->rule, &err))
		return vg_cli_usage_error(c, "--signal: %s", err.msg);
	o->have_rule = r->signal != NULL;
	if (vg_signal_stat_index(o->sort) < 0)
		return vg_cli_usage_error(c, "--sort: unknown statistic '%s'", o->sort);
	if (r->trend && strcmp(r->trend, "quarter"))
		return vg_cli_usage_error(c, "--trend: only 'quarter' is supported");
	o->trend = r->trend != NULL;
	if (o->first_met && !o->trend)
		return vg_cli_usage_error(c, "--first-met goes with --trend quarter");
	if (o->limit < 0 || o->min_n < 0 || o->lrt_sims < 1 || o->lrt_sims > 1000000 ||
	    o->threads < 0 || o->threads > 64 || o->seed < 0)
		return vg_cli_usage_error(c, "--limit, --min-n, --seed >= 0; --lrt-sims 1..1000000; "
		                             "--threads 0..64");
	if (!(o->shape_min >= 0 && o->shape_min < 1))
		return vg_cli_usage_error(c, "--shape-min: in [0, 1)");
	if ((o->fmt = vg_cli_format(c, r->format)) < 0)
		return VG_EXIT_USAGE;
	if (o->fit_only && (o->trend || o->lrt))
		return vg_cli_usage_error(c, "--fit-only goes with neither --trend nor --lrt");
	if (r->dict && o->by_product)
		return vg_cli_usage_error(c, "--dict goes with --by ingredient, not --by product");
	if (r->level && !r->meddra)
		return vg_cli_usage_error(c, "--level goes with --meddra DIR");
	o->level = r->level ? vg_meddra_level_parse(r->level) : VG_MEDDRA_PT;
	if (o->level < VG_MEDDRA_PT)
		return vg_cli_usage_error(c, "--level: pt, hlt, hlgt or soc, not '%s'", r->level);
	return 0;
}

/* ---------------------------------------------------------------- scan */

static bool date_known(const struct vg_date *d)
{
	return d->prec >= VG_DATE_YEAR;
}

/* The report's date for periods and --from/--to: received, else latest. */
static const struct vg_date *report_date(const struct vg_case_version *v)
{
	if (date_known(&v->received))
		return &v->received;
	return date_known(&v->latest) ? &v->latest : NULL;
}

static int32_t quarter_of(const struct vg_date *d)
{
	if (!d || d->prec < VG_DATE_MONTH)
		return -1;
	return (int32_t)d->year * 4 + (d->month - 1) / 3;
}

static bool product_class_ok(const struct sig_opts *o, const struct vg_case_version *v,
                             const struct vg_product *p)
{
	return !o->klass || (p->klass ? p->klass : v->klass) == o->klass;
}

static bool report_passes(const struct sig_opts *o, const struct vg_case_version *v)
{
	const struct vg_date *d = report_date(v);

	if (o->sex && v->sex != o->sex)
		return false;
	if (o->age_group && v->age_group != o->age_group)
		return false;
	if (o->serious >= 0 && (int)v->serious != o->serious)
		return false;
	if (o->unit && (!v->unit || strcmp(v->unit, o->unit)))
		return false;
	if (o->region && (!v->region || strncmp(v->region, o->region, strlen(o->region))))
		return false;
	if (o->from_day != INT32_MIN || o->to_day != INT32_MAX) {
		if (!d)
			return false;
		int32_t day = vg_date_first_day(d);
		if (day < o->from_day || day > o->to_day)
			return false;
	}
	if (o->klass) {
		bool any = v->klass == o->klass;
		for (size_t i = 0; i < v->nproducts && !any; i++)
			any = product_class_ok(o, v, &v->products[i]);
		if (!any)
			return false;
	}
	return true;
}

/* s trimmed with inner white space runs collapsed to one space, into b. */
static void clean_into(struct vg_buf *b, const char *s)
{
	struct vg_sv t = vg_sv_trim(vg_sv_of(s));
	bool space = false;

	vg_buf_reset(b);
	for (size_t i = 0; i < t.len; i++) {
		char c = t.p[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true;
			continue;
		}
		if (space)
			vg_buf_putc(b, ' ');
		space = false;
		vg_buf_putc(b, c);
	}
	if (!b->p)
		vg_buf_puts(b, "");
}

static const char *nonempty(const char *s)
{
	return s && vg_sv_trim(vg_sv_of(s)).len ? s : NULL;
}

static uint32_t stratum_of(struct scan_ctx *c, const struct vg_case_version *v)
{
	unsigned dims = c->o->dims;
	const struct vg_date *d = report_date(v);
	struct vg_buf *b = &c->strat;
	const char *nm;

	vg_buf_reset(b);
	vg_buf_puts(b, "");
	if (dims & DIM_SEX)
		vg_buf_printf(b, "%s|", (nm = vg_sex_name(v->sex)) ? nm : "unknown");
	if (dims & DIM_AGE)
		vg_buf_printf(b, "%s|", (nm = vg_age_group_name(v->age_group)) ? nm : "unknown");
	if (dims & DIM_YEAR) {
		if (d)
			vg_buf_printf(b, "%d|", d->year);
		else
			vg_buf_puts(b, "unknown|");
	}
	if (dims & DIM_CLASS)
		vg_buf_printf(b, "%s|", (nm = vg_class_name(v->klass)) ? nm : "unknown");
	if (dims & DIM_STRATUM)
		vg_buf_printf(b, "%s|", v->stratum ? v->stratum : "");
	return vg_snap_builder_stratum(c->b, b->p, b->len ? b->len - 1 : 0);
}

static void note_period(struct scan_ctx *c, int32_t q)
{
	if (q < 0) {
		c->undated++;
		return;
	}
	size_t old = c->periods_cap;
	VG_GROW(c->periods, c->periods_cap, (size_t)q + 1);
	if (c->periods_cap > old)
		memset(c->periods + old, 0, c->periods_cap - old);
	c->periods[q] = 1;
	if (q > c->pmax)
		c->pmax = q;
}

/* The product's key: the dictionary's ingredient when --dict matches the
 * name (else the importer's ingredient), otherwise as without --dict. */
static const char *product_key(struct scan_ctx *c, const struct vg_product *p)
{
	const struct sig_opts *o = c->o;
	struct vg_terms_result r;

	if (o->by_product)
		return nonempty(p->name);
	if (o->dict) {
		const char *nm[2] = {nonempty(p->name), nonempty(p->ingredient)};
		for (size_t i = 0; i < 2; i++)
			if (nm[i] && strlen(nm[i]) <= VG_TERMS_NAME_MAX &&
			    vg_terms_match(o->dict, nm[i], &c->arena, &r) == 0 && r.ingredient)
				return r.ingredient;
	}
	return nonempty(p->ingredient) ? p->ingredient : nonempty(p->name);
}

/* Intern an event key, rolled up to --level on the primary path with
 * --meddra (a term MedDRA does not know is kept and counted). */
static uint32_t event_id(struct scan_ctx *c, const char *k, size_t len)
{
	const char *up;

	if (c->o->meddra) {
		if ((up = vg_meddra_term_at(c->o->meddra, k, c->o->level)))
			return vg_snap_builder_event(c->b, up, strlen(up));
		c->unrolled++;
	}
	return vg_snap_builder_event(c->b, k, len);
}

static int on_version(const struct vg_case_version *v, int flags, void *vctx)
{
	struct scan_ctx *c = vctx;
	const struct sig_opts *o = c->o;
	size_t np = 0, ne = 0;
	struct vg_err err = VG_ERR_INIT;

	VG_UNUSED(flags);
	if ((++c->seen & 1023) == 0)
		vg_progress_update(&c->prog, c->seen);
	if (!report_passes(o, v))
		return 0;
	VG_GROW(c->prod, c->prod_cap, v->nproducts + 1);
	VG_GROW(c->ev, c->ev_cap, v->nevents + 1);
	for (size_t i = 0; i < v->nproducts; i++) {
		const struct vg_product *p = &v->products[i];
		const char *k = product_key(c, p);
		if (!(o->roles & (1u << p->role)) || !k || !product_class_ok(o, v, p))
			continue;
		c->prod[np++] = vg_snap_builder_product(c->b, k, strlen(k));
	}
	for (size_t i = 0; i < v->nevents; i++) {
		const struct vg_event *e = &v->events[i];
		if (nonempty(e->coded)) {
			c->ev[ne++] = event_id(c, e->coded, strlen(e->coded));
		} else if (nonempty(e->term)) {
			clean_into(&c->key, e->term);
			c->ev[ne++] = event_id(c, c->key.p, c->key.len);
		}
	}
	vg_arena_reset(&c->arena);
	int32_t q = quarter_of(report_date(v));
	note_period(c, q);
	if (vg_snap_builder_add(c->b, stratum_of(c, v), q, c->prod, np, c->ev, ne, &err)) {
		fprintf(stderr, "vigil: %s: %s\n", v->case_id, err.msg);
		return VG_EINTERNAL;
	}
	return 0;
}

static int build_snapshot(const char *db, struct scan_ctx *c, struct vg_snap **snap)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_store_info info;
	int rc = 0;

	c->b = vg_snap_builder_new();
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) || vg_store_info(st, &info, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	vg_progress_start(&c->prog, "reading reports", (uint64_t)info.valid_cases);
	if (vg_store_scan_latest(st, false, on_version, c, &err)) {
		rc = err.code ? vg_cli_fail(db, &err) : VG_EXIT_FAIL;
		goto out;
	}
	vg_progress_finish(&c->prog);
	struct vg_snap_builder *b = c->b;
	c->b = NULL;
	if (vg_snap_build(b, snap, &err))
		rc = vg_cli_fail(db, &err);
out:
	vg_snap_builder_free(c->b);
	c->b = NULL;
	vg_store_close(st);
	return rc;
}

/* The table reader's sink: each report goes to the same path as a stored one. */
static int table_version(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	VG_UNUSED(err);
	return on_version(v, 0, ctx);
}

/* --table: stream FILE through ingest/'s table reader straight into the
 * snapshot builder, bypassing the store. */
static int build_from_table(struct vg_ingest_opts *io, char *file, struct scan_ctx *c,
                            struct vg_snap **snap)
{
	const struct vg_ingest_format *f = vg_ingest_find("table");
	struct vg_ingest_sink sink = {table_version, NULL, c};
	struct vg_ingest_stats st = {0};
	struct vg_err err = VG_ERR_INIT;
	struct vg_snap_builder *b;
	int rc = 0;

	c->b = vg_snap_builder_new();
	vg_progress_start(&c->prog, "reading reports", 0);
	if (f->run(io, &file, 1, &sink, &st, &err)) {
		rc = err.code ? vg_cli_fail(file, &err) : VG_EXIT_FAIL;
		goto out;
	}
	vg_progress_finish(&c->prog);
	if (io->rejects->count)
		fprintf(stderr, "vigil: warning: %s: %" PRId64 " rows rejected (vigil import table "
		        "--rejects FILE lists them)\n", file, io->rejects->count);
	b = c->b;
	c->b = NULL;
	if (vg_snap_build(b, snap, &err))
		rc = vg_cli_fail(file, &err);
out:
	vg_snap_builder_free(c->b);
	c->b = NULL;
	return rc;
}

/* ------------------------------------------------------------ pipeline */

static void quarter_name(int32_t q, char out[16])
{
	snprintf(out, 16, "%dQ%d", (int)(q / 4), (int)(q % 4) + 1);
}

static void warn_fit(const struct vg_signal_fit *fit, const char *quarter)
{
	if (fit->warning[0])
		fprintf(stderr, "vigil: warning: %s%s%s\n", quarter ? quarter : "",
		        quarter ? ": " : "", fit->warning);
}

/* Count, statistics, fit (or fixed theta), posteriors, LRT, sort: t filled. */
static int compute(const struct vg_snap *s, const struct sig_opts *o, bool cut, int32_t pmax,
                   struct vg_signal_table *t, struct vg_signal_fit *fit, struct vg_err *err)
{
	struct vg_signal_opts so = VG_SIGNAL_OPTS_INIT;
	struct vg_signal_fit_opts fo = VG_SIGNAL_FIT_OPTS_INIT;
	struct vg_signal_lrt_opts lo = VG_SIGNAL_LRT_OPTS_INIT;
	int rc;

	so.stratified = o->dims != 0;
	so.threads = (unsigned)o->threads;
	so.period_cut = cut;
	so.period_max = pmax;
	fo.threads = (unsigned)o->threads;
	fo.shape_min = o->shape_min;
	fo.fixed = o->fixed ? &o->theta : NULL;
	memset(fit, 0, sizeof(*fit));
	if ((rc = vg_signal_count(s, &so, t, err)))
		return rc;
	if (cut && t->npairs == 0)
		return 0; /* a quarter whose reports pair nothing yet: no rows */
	if (!o->fit_only)
		vg_signal_disprop(t);
	if ((rc = vg_signal_fit(t, &fo, fit, err)))
		return rc;
	if (o->fit_only)
		return 0;
	if ((rc = vg_signal_eb(t, &fit->theta, (unsigned)o->threads, err)))
		return rc;
	lo.reps = (uint32_t)o->lrt_sims;
	lo.seed = (uint64_t)o->seed;
	if (o->lrt && (rc = vg_signal_lrt(t, &lo, err)))
		return rc;
	return vg_signal_sort(t, o->sort, o->ascending, err);
}

static int write_fit(const struct vg_signal_fit *fit, int fmt)
{
	struct vg_buf b = VG_BUF_INIT(0);
	const struct vg_signal_theta *th = &fit->theta;

	if (fmt == VG_FMT_JSON) {
		vg_signal_fit_json(fit, &b);
		printf("%s\n", b.p);
	} else {
		char sep = fmt == VG_FMT_CSV ? ',' : fmt == VG_FMT_TSV ? '\t' : ' ';
		const char *st = fit->status == 0 ? "converged" : fit->status == 1 ? "boundary"
		                 : fit->status == 2 ? "maxiter" : "fixed";
		printf("alpha1%cbeta1%calpha2%cbeta2%cp%cloglik%cstatus\n", sep, sep, sep, sep, sep,
		       sep);
		printf("%.10g%c%.10g%c%.10g%c%.10g%c%.10g%c%.10f%c%s\n", th->alpha1, sep, th->beta1,
		       sep, th->alpha2, sep, th->beta2, sep, th->p, sep, fit->loglik, sep, st);
	}
	vg_buf_release(&b);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : VG_EXIT_FAIL;
}

static int signal_format(int fmt)
{
	return fmt == VG_FMT_CSV ? VG_SIGNAL_CSV : fmt == VG_FMT_TSV ? VG_SIGNAL_TSV
	       : fmt == VG_FMT_JSON ? VG_SIGNAL_JSON : VG_SIGNAL_TABLE;
}

static void write_opts(const struct sig_opts *o, struct vg_signal_write_opts *wo)
{
	*wo = (struct vg_signal_write_opts)VG_SIGNAL_WRITE_OPTS_INIT;
	wo->format = signal_format(o->fmt);
	wo->lrt = o->lrt;
	wo->limit = (size_t)o->limit;
	wo->min_n = (uint64_t)o->min_n;
	wo->flag = o->have_rule ? &o->rule : NULL;
}

static int run_plain(const struct vg_snap *s, const struct sig_opts *o)
{
	struct vg_signal_table t = VG_SIGNAL_TABLE_INIT;
	struct vg_signal_fit fit;
	struct vg_signal_write_opts wo;
	struct vg_err err = VG_ERR_INIT;
	int rc = compute(s, o, false, 0, &t, &fit, &err);

	if (rc) {
		rc = vg_cli_fail("signals", &err);
		goto out;
	}
	warn_fit(&fit, NULL);
	if (o->fit_only) {
		rc = write_fit(&fit, o->fmt);
		goto out;
	}
	write_opts(o, &wo);
	if (vg_signal_write(&t, s, &wo, stdout, &err))
		rc = vg_cli_fail("signals", &err);
out:
	vg_signal_table_release(&t);
	return rc;
}

/* -------------------------------------------------------------- trends */

#define NRULES 5
static const char *const rule_names[NRULES] = {"evans", "EB05", "IC025", "ROR025", "signal"};

struct first_met {
	struct vg_signal_table fin; /* all dated reports, sorted by (product, event) */
	int32_t *first;             /* [pair * NRULES + k], -1: never */
	struct vg_signal_rule rules[NRULES];
	unsigned nrules;
};

static size_t find_pair(const struct vg_signal_table *t, uint32_t p, uint32_t e)
{
	size_t lo = 0, hi = t->npairs;
	uint64_t key = (uint64_t)p << 32 | e;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k = (uint64_t)t->pairs[mid].product << 32 | t->pairs[mid].event;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void first_mark(struct first_met *fm, const struct vg_signal_table *t, int32_t q)
{
	for (size_t i = 0; i < t->npairs; i++) {
		const struct vg_signal_pair *p = &t->pairs[i];
		size_t j = find_pair(&fm->fin, p->product, p->event);
		if (j >= fm->fin.npairs)
			continue; /* cannot happen: the last quarter holds every pair */
		for (unsigned k = 0; k < fm->nrules; k++)
			if (fm->first[j * NRULES + k] < 0 && vg_signal_rule_met(&fm->rules[k], p))
				fm->first[j * NRULES + k] = q;
	}
}

static int first_write(const struct first_met *fm, const struct vg_snap *s,
                       const struct sig_opts *o)
{
	struct vg_buf b = VG_BUF_INIT(0);
	char sep = o->fmt == VG_FMT_CSV ? ',' : '\t', qn[16];
	size_t rows = 0;

	if (o->fmt == VG_FMT_JSON)
		fputs("[", stdout);
	else {
		printf("product%cevent%cN", sep, sep);
		for (unsigned k = 0; k < fm->nrules; k++)
			printf("%cfirst_%s", sep, rule_names[k]);
		putchar('\n');
	}
	for (size_t i = 0; i < fm->fin.npairs && (!o->limit || rows < (size_t)o->limit); i++) {
		const struct vg_signal_pair *p = &fm->fin.pairs[i];
		if (p->n < (uint64_t)o->min_n)
			continue;
		vg_buf_reset(&b);
		const char *pn = vg_snap_product_name(s, p->product), *en = vg_snap_event_name(s, p->event);
		if (o->fmt == VG_FMT_JSON) {
			vg_buf_puts(&b, rows ? ",\n{\"product\":" : "\n{\"product\":");
			vg_buf_json_str(&b, pn);
			vg_buf_puts(&b, ",\"event\":");
			vg_buf_json_str(&b, en);
			vg_buf_printf(&b, ",\"N\":%" PRIu64, p->n);
		} else {
			if (o->fmt == VG_FMT_CSV)
				vg_buf_csv_str(&b, pn), vg_buf_putc(&b, sep), vg_buf_csv_str(&b, en);
			else
				vg_buf_printf(&b, "%s%c%s", pn, sep, en);
			vg_buf_printf(&b, "%c%" PRIu64, sep, p->n);
		}
		for (unsigned k = 0; k < fm->nrules; k++) {
			int32_t q = fm->first[i * NRULES + k];
			quarter_name(q, qn);
			if (o->fmt == VG_FMT_JSON)
				vg_buf_printf(&b, ",\"first_%s\":%s%s%s", rule_names[k], q < 0 ? "null" : "\"",
				              q < 0 ? "" : qn, q < 0 ? "" : "\"");
			else
				vg_buf_printf(&b, "%c%s", sep, q < 0 ? "" : qn);
		}
		if (o->fmt == VG_FMT_JSON)
			vg_buf_putc(&b, '}');
		else
			vg_buf_putc(&b, '\n');
		fwrite(b.p, 1, b.len, stdout);
		rows++;
	}
	if (o->fmt == VG_FMT_JSON)
		puts(rows ? "\n]" : "]");
	vg_buf_release(&b);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : VG_EXIT_FAIL;
}

static int first_init(struct first_met *fm, const struct vg_snap *s, const struct sig_opts *o,
                      int32_t pmax, struct vg_err *err)
{
	struct vg_signal_opts so = VG_SIGNAL_OPTS_INIT;
	static const char *const rule_text[NRULES - 1] = {"evans", "eb05:2", "ic025:0",
	                                                  "ror025:1"};
	int rc;

	so.stratified = o->dims != 0;
	so.threads = (unsigned)o->threads;
	so.period_cut = true;
	so.period_max = pmax;
	if ((rc = vg_signal_count(s, &so, &fm->fin, err)))
		return rc;
	for (unsigned k = 0; k < NRULES - 1; k++)
		vg_signal_rule_parse(rule_text[k], &fm->rules[k], err);
	fm->nrules = NRULES - 1;
	if (o->have_rule)
		fm->rules[fm->nrules++] = o->rule;
	fm->first = vg_xmalloc((fm->fin.npairs ? fm->fin.npairs : 1) * NRULES * sizeof(int32_t));
	for (size_t i = 0; i < fm->fin.npairs * NRULES; i++)
		fm->first[i] = -1;
	return 0;
}

static int run_trend(const struct vg_snap *s, const struct sig_opts *o, const struct scan_ctx *c)
{
	struct first_met fm = {VG_SIGNAL_TABLE_INIT, NULL, {{0}}, 0};
	struct vg_signal_write_opts wo;
	struct vg_err err = VG_ERR_INIT;
	size_t rows = 0;
	char qn[16];
	int rc = 0;

	if (c->pmax < 0) {
		fprintf(stderr, "vigil: signals: no report has a received or latest date by month\n");
		return VG_EXIT_FAIL;
	}
	if (o->first_met && (rc = first_init(&fm, s, o, c->pmax, &err))) {
		rc = vg_cli_fail("signals", &err);
		goto out;
	}
	write_opts(o, &wo);
	wo.rows = &rows;
	for (int32_t q = 0; q <= c->pmax && !rc; q++) {
		struct vg_signal_table t = VG_SIGNAL_TABLE_INIT;
		struct vg_signal_fit fit;
		if (q >= (int32_t)c->periods_cap || !c->periods[q])
			continue;
		quarter_name(q, qn);
		if ((rc = compute(s, o, true, q, &t, &fit, &err)))
			rc = vg_cli_fail(qn, &err);
		if (!rc)
			warn_fit(&fit, qn);
		if (!rc && o->first_met) {
			first_mark(&fm, &t, q);
		} else if (!rc) {
			wo.quarter = qn;
			wo.no_tail = q < c->pmax;
			if (vg_signal_write(&t, s, &wo, stdout, &err))
				rc = vg_cli_fail("signals", &err);
			wo.no_head = true;
		}
		vg_signal_table_release(&t);
	}
	if (!rc && o->first_met)
		rc = first_write(&fm, s, o);
out:
	vg_signal_table_release(&fm.fin);
	free(fm.first);
	return rc;
}

/* ----------------------------------------------------------------- run */

/* Either a database (--db or VIGIL_DB) or --table with its columns. */
static int check_source(const char *table, const struct vg_ingest_opts *io, const char **db)
{
	if (table && (*db || !io->id_col || !io->product_col || !io->event_col))
		return vg_cli_usage_error(&vg_cmd_signals, "--table needs --id, --product and "
		                          "--event, and no --db");
	if (!table && (io->id_col || io->product_col || io->event_col || io->stratum_col))
		return vg_cli_usage_error(&vg_cmd_signals, "--id/--product/--event/--stratum go "
		                          "with --table");
	return table ? 0 : vg_cli_db(&vg_cmd_signals, *db, db);
}

static int run_signals(int argc, char **argv)
{
	const char *db = NULL, *table = NULL;
	struct vg_rejects rejects = {NULL, 0};
	struct vg_ingest_opts io = {NULL, NULL, NULL, NULL, NULL, true, &rejects, 0};
	struct raw_opts r = {0};
	struct sig_opts o = {.roles = 1u << VG_ROLE_SUSPECT | 1u << VG_ROLE_INTERACTING,
	                     .serious = -1, .from_day = INT32_MIN, .to_day = INT32_MAX,
	                     .sort = "EB05", .lrt_sims = 999, .seed = 1};
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("table", &table, "FILE", "read a case-product-event CSV instead"),
		VG_OPT_STR("id", &io.id_col, "COL", "with --table: report id column"),
		VG_OPT_STR("product", &io.product_col, "COL", "with --table: product column"),
		VG_OPT_STR("event", &io.event_col, "COL", "with --table: event column"),
		VG_OPT_STR("stratum", &io.stratum_col, "COL", "with --table: stratum column"),
		VG_OPT_STR("roles", &r.roles, "R,...", "product roles (suspect,interacting)"),
		VG_OPT_STR("by", &r.by, "KEY", "ingredient (default) or product (verbatim name)"),
		VG_OPT_STR("strata", &r.strata, "D,...", "stratify E by sex,agegroup,year,class,stratum"),
		VG_OPT_STR("class", &r.klass, "C", "only products of class C (drug, device, ...)"),
		VG_OPT_STR("from", &r.from, "DATE", "reports received on or after DATE"),
		VG_OPT_STR("to", &r.to, "DATE", "reports received on or before DATE"),
		VG_OPT_STR("sex", &r.sex, "S", "only patients of sex S (male, female)"),
		VG_OPT_STR("age-group", &r.age, "G", "only age group G (child, adult, elderly, ...)"),
		VG_OPT_STR("serious", &r.serious, "yes|no", "only serious / non-serious reports"),
		VG_OPT_STR("unit", &o.unit, "U", "only reports of reporting unit U"),
		VG_OPT_STR("region", &o.region, "R", "only reports whose region code starts with R"),
		VG_OPT_STR("theta", &r.theta, "a1,b1,a2,b2,p", "fix the MGPS hyperparameters"),
		VG_OPT_FLAG("fit-only", &o.fit_only, "print the fitted hyperparameters only"),
		VG_OPT_DOUBLE("shape-min", &o.shape_min, "X", "lower bound of the prior shapes (1e-5)"),
		VG_OPT_FLAG("lrt", &o.lrt, "add the likelihood-ratio test (LRT_llr, LRT_p)"),
		VG_OPT_INT("lrt-sims", &o.lrt_sims, "N", "Monte Carlo replicates (999)"),
		VG_OPT_INT("seed", &o.seed, "S", "seed of the LRT simulation (1)"),
		VG_OPT_STR("trend", &r.trend, "quarter", "statistics per cumulative quarter"),
		VG_OPT_FLAG("first-met", &o.first_met, "with --trend: quarter each threshold was met"),
		VG_OPT_STR("sort", &o.sort, "STAT", "order by a column (EB05; descending)"),
		VG_OPT_FLAG("ascending", &o.ascending, "sort ascending"),
		VG_OPT_INT("limit", &o.limit, "N", "at most N rows (per quarter with --trend)"),
		VG_OPT_INT("min-n", &o.min_n, "N", "only pairs with N >= this"),
		VG_OPT_STR("signal", &r.signal, "RULE", "add a signal column: evans, eb05:2, ..."),
		VG_OPT_INT("threads", &o.threads, "N", "worker threads (0: one per core)"),
		VG_OPT_STR("format", &r.format, "FMT", "table (default), csv, tsv or json"),
		VG_OPT_STR("dict", &r.dict, "FILE", "product dictionary CSV: name -> ingredient"),
		VG_OPT_STR("meddra", &r.meddra, "DIR", "MedDRA ASCII folder: roll events up"),
		VG_OPT_STR("level", &r.level, "L", "with --meddra: pt (default), hlt, hlgt, soc"),
		VG_OPT_END,
	};
	struct scan_ctx c = {.pmax = -1};
	struct vg_snap *snap = NULL;
	struct vg_terms_dict *dict = NULL;
	struct vg_meddra *meddra = NULL;
	struct vg_err err = VG_ERR_INIT;
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&vg_cmd_signals, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	vg_arena_init(&c.arena, 0);
	if (npos) {
		rc = vg_cli_usage_error(&vg_cmd_signals, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if ((rc = check_opts(&r, &o)))
		goto out;
	if ((rc = check_source(table, &io, &db)))
		goto out;
	if (r.dict && (dict = vg_terms_dict_new()) && vg_terms_dict_load(dict, r.dict, NULL, &err)) {
		rc = vg_cli_fail(r.dict, &err);
		goto out;
	}
	if (r.meddra && vg_meddra_load(r.meddra, &meddra, &err)) {
		rc = vg_cli_fail(r.meddra, &err);
		goto out;
	}
	o.dict = dict;
	o.meddra = meddra;
	c.o = &o;
	c.key = (struct vg_buf)VG_BUF_INIT(1 << 20);
	c.strat = (struct vg_buf)VG_BUF_INIT(1 << 20);
	if ((rc = table ? build_from_table(&io, (char *)table, &c, &snap)
	                : build_snapshot(db, &c, &snap)))
		goto out;
	if (c.unrolled)
		fprintf(stderr, "vigil: warning: %" PRIu64 " event terms not found in %s were kept "
		        "as they are\n", c.unrolled, r.meddra);
	rc = o.trend ? run_trend(snap, &o, &c) : run_plain(snap, &o);
out:
	vg_snap_free(snap);
	vg_terms_dict_free(dict);
	vg_meddra_free(meddra);
	vg_arena_release(&c.arena);
	vg_buf_release(&c.key);
	vg_buf_release(&c.strat);
	free(c.prod);
	free(c.ev);
	free(c.periods);
	free(pos);
	return rc;
}
