/*
 * evaluate.c - indicators, composite score, ranking and commendation list.
 *
 * No official formula for ranking units is published (DOMAIN.md 2.5), so
 * the model is a transparent weighted sum of the public indicators, with
 * every component kept so that a rank can be explained:
 *
 *   reports      cases whose first version was submitted in the year
 *   valid share  reports with the four minimum elements / reports
 *   duplicates   reports confirmed as duplicates / reports
 *   effective    valid, not nullified, not duplicate: the base of
 *   new-serious  share of effective reports that are new (新的) or serious
 *                (严重, deaths included) - NMPA's quality indicator
 *   on time      effective reports submitted within the deadline
 *                (quality.h timeliness of the first version) / effective
 *                reports with a verdict (+ those without, when the
 *                configuration counts unknown as late)
 *   completeness mean vigiGrade score of the effective reports' latest
 *                versions (and, shown but not scored, the share of them with
 *                a Chinese 缺项, quality.h vg_quality_missing_cn)
 *   volume       effective reports, per 100 beds or per million served
 *                population (volume.basis)
 *
 * Components in [0, 1]: volume / the largest volume of the class, valid
 * share, new-serious share, on-time rate, mean completeness, 1 - duplicate
 * share.  A unit without effective reports has every component 0.
 *
 *   score = 100 * sum(w_k * c_k) / sum(w_k)        (weights: configuration)
 *
 * Ranking: score descending, then effective reports descending, then unit
 * code; equal scores (within 1e-9) share a rank.  The commendation list is
 * the first commend.<class> units in that order having at least
 * max(1, commend.min_reports) effective reports.
 *
 * Evaluation happens per rules class (drug - with vaccines and foods -,
 * device, cosmetic): every registered unit gets a row in each evaluated
 * class, and unregistered unit codes met in the reports are added.
 */
#include "vg.h"
#include "units/units.h"

#include <math.h>

#define SCORE_EPS 1e-9

void vg_units_report_first(const struct vg_case_version *first, const struct vg_tl_rules *rules,
                           struct vg_unit_report *out)
{
	memset(out, 0, sizeof(*out));
	out->case_id = first->case_id;
	out->unit = first->unit;
	out->when = first->submitted.prec >= VG_DATE_YEAR ? first->submitted : first->received;
	vg_quality_timeliness(rules, first, &out->tl);
	vg_units_report_latest(first, 0, out);
}

void vg_units_report_latest(const struct vg_case_version *latest, int scan_flags,
                            struct vg_unit_report *out)
{
	struct vg_completeness c;
	if (!out->unit)
		out->unit = latest->unit;
	if (out->when.prec < VG_DATE_YEAR)
		out->when = latest->received;
	out->klass = latest->klass;
	if (out->klass == VG_CLASS_UNKNOWN && latest->nproducts)
		out->klass = latest->products[0].klass;
	out->valid = !(scan_flags & 1);  /* VG_SCAN_INVALID */
	out->nullified = scan_flags & 2; /* VG_SCAN_NULLIFIED */
	out->duplicate = scan_flags & 4; /* VG_SCAN_DUPLICATE */
	out->serious = vg_tl_category(latest) <= VG_TL_SERIOUS;
	out->unexpected = latest->unexpected;
	vg_quality_completeness(latest, &c);
	out->completeness = c.score;
	out->cmp_missing = c.missing;
	out->cn_missing = vg_quality_missing_cn(latest);
}

void vg_units_report_from_case(const struct vg_case_version *first,
                               const struct vg_case_version *latest, int scan_flags,
                               const struct vg_tl_rules *rules, struct vg_unit_report *out)
{
	vg_units_report_first(first, rules, out);
	vg_units_report_latest(latest, scan_flags, out);
}

void vg_units_eval_free(struct vg_units_eval *ev)
{
	if (!ev)
		return;
	for (int k = 0; k < VG_TL_NCLASS; k++)
		free(ev->cls[k].rows);
	vg_arena_release(&ev->arena);
	free(ev);
}

/* ------------------------------------------------------------- counting */

struct rowset {
	struct vg_units_class_result *cr;
	size_t cap;
	struct vg_map *index; /* unit code -> row */
	struct vg_arena *arena;
};

static struct vg_unit_stats *row_for(struct rowset *rs, const char *code, const char *name)
{
	uint32_t id = vg_map_intern(rs->index, code, strlen(code), NULL);
	if (id < rs->cr->nrows)
		return &rs->cr->rows[id];
	VG_GROW(rs->cr->rows, rs->cap, rs->cr->nrows + 1);
	struct vg_unit_stats *s = &rs->cr->rows[rs->cr->nrows++];
	memset(s, 0, sizeof(*s));
	s->code = vg_arena_strdup(rs->arena, code);
	s->name = name ? vg_arena_strdup(rs->arena, name) : NULL;
	return s;
}

static void count_effective(struct vg_unit_stats *s, const struct vg_unit_report *r)
{
	s->effective++;
	s->new_serious += r->serious || r->unexpected;
	s->serious += r->serious;
	s->mean_completeness += r->completeness; /* a sum until finish_row */
	s->well_documented += r->completeness >= VG_CMP_WELL_DOCUMENTED - 1e-12;
	s->with_missing += r->cn_missing != 0;
	if (!r->tl.known) {
		s->tl_unknown++;
		return;
	}
	s->tl_known++;
	if (r->tl.on_time)
		s->on_time++;
	else
		s->late++, s->days_late_sum += r->tl.days_late;
}

static void count_report(struct vg_units_class_result *cr, struct vg_unit_stats *s,
                         const struct vg_unit_report *r)
{
	s->reports++;
	cr->reports++;
	if (r->when.prec >= VG_DATE_MONTH && r->when.month >= 1 && r->when.month <= 12) {
		s->monthly[r->when.month - 1]++;
		cr->monthly[r->when.month - 1]++;
	}
	s->invalid += !r->valid;
	s->nullified += r->nullified;
	s->duplicates += r->duplicate;
	if (r->valid && !r->nullified && !r->duplicate) {
		count_effective(s, r);
		cr->effective++;
	}
}

static double ratio(int64_t num, int64_t den)
{
	return den > 0 ? (double)num / (double)den : 0.0;
}

static void finish_row(const struct vg_units_config *cfg, struct vg_unit_stats *s)
{
	s->valid_share = ratio(s->reports - s->invalid, s->reports);
	s->duplicate_share = ratio(s->duplicates, s->reports);
	s->new_serious_share = ratio(s->new_serious, s->effective);
	s->missing_share = ratio(s->with_missing, s->effective);
	s->on_time_rate = ratio(s->on_time, s->tl_known +
	                                        (cfg->unknown_timeliness_is_late ? s->tl_unknown : 0));
	s->mean_completeness = s->effective ? s->mean_completeness / (double)s->effective : 0.0;
	s->per_100_beds = s->beds > 0 ? 100.0 * (double)s->effective / (double)s->beds : NAN;
	s->per_million = s->population > 0 ? 1e6 * (double)s->effective / s->population : NAN;
	double v = cfg->volume_basis == VG_VOL_PER_BED      ? s->per_100_beds
	           : cfg->volume_basis == VG_VOL_PER_MILLION ? s->per_million
	                                                     : (double)s->effective;
	s->volume = isnan(v) ? 0.0 : v;
}

static void score_rows(const struct vg_units_config *cfg, struct vg_units_class_result *cr)
{
	double vmax = 0, wsum = 0;
	for (size_t i = 0; i < cr->nrows; i++)
		vmax = cr->rows[i].volume > vmax ? cr->rows[i].volume : vmax;
	for (int k = 0; k < VG_UC_COUNT; k++)
		wsum += cfg->weight[k];
	for (size_t i = 0; i < cr->nrows; i++) {
		struct vg_unit_stats *s = &cr->rows[i];
		if (s->effective == 0)
			continue; /* every component 0 */
		s->component[VG_UC_VOLUME] = vmax > 0 ? s->volume / vmax : 0.0;
		s->component[VG_UC_VALID] = s->valid_share;
		s->component[VG_UC_NEW_SERIOUS] = s->new_serious_share;
		s->component[VG_UC_ON_TIME] = s->on_time_rate;
		s->component[VG_UC_COMPLETENESS] = s->mean_completeness;
		s->component[VG_UC_DUPLICATE] = 1.0 - s->duplicate_share;
		double acc = 0;
		for (int k = 0; k < VG_UC_COUNT; k++)
			acc += cfg->weight[k] * s->component[k];
		s->score = 100.0 * acc / wsum;
	}
}

/* ------------------------------------------------------------- ranking */

static int cmp_rows(const void *x, const void *y)
{
	const struct vg_unit_stats *a = x, *b = y;
	if (fabs(a->score - b->score) > SCORE_EPS)
		return a->score > b->score ? -1 : 1;
	if (a->effective != b->effective)
		return a->effective > b->effective ? -1 : 1;
	return strcmp(a->code, b->code);
}

static void rank_rows(const struct vg_units_config *cfg, struct vg_units_class_result *cr)
{
	if (cr->nrows > 1)
		qsort(cr->rows, cr->nrows, sizeof(*cr->rows), cmp_rows);
	int commended = 0;
	int64_t need = cfg->commend_min_reports > 1 ? cfg->commend_min_reports : 1;
	for (size_t i = 0; i < cr->nrows; i++) {
		struct vg_unit_stats *s = &cr->rows[i];
		bool tie = i > 0 && fabs(cr->rows[i - 1].score - s->score) <= SCORE_EPS;
		s->rank = tie ? cr->rows[i - 1].rank : (int)i + 1;
		if (commended < cfg->commend[cr->tlclass] && s->effective >= need) {
			s->commended = true;
			commended++;
		}
	}
}

static bool in_scope(const struct vg_unit_report *r, int year, int tlclass)
{
	return r->when.prec >= VG_DATE_YEAR && r->when.year == year &&
	       vg_tl_class_of(r->klass) == tlclass;
}

static void evaluate_class(struct vg_units_eval *ev, const struct vg_units_unit *units,
                           size_t nunits, const struct vg_unit_report *reps, size_t nreps,
                           int tlclass)
{
	struct vg_units_class_result *cr = &ev->cls[tlclass];
	struct rowset rs = {cr, 0, vg_map_new(nunits + 16), &ev->arena};
	cr->tlclass = tlclass;
	for (size_t i = 0; i < nunits; i++) {
		struct vg_unit_stats *s = row_for(&rs, units[i].code, units[i].name);
		s->beds = units[i].beds;
		s->population = units[i].population;
	}
	for (size_t i = 0; i < nreps; i++)
		if (reps[i].unit && in_scope(&reps[i], ev->year, tlclass))
			count_report(cr, row_for(&rs, reps[i].unit, NULL), &reps[i]);
	for (size_t i = 0; i < cr->nrows; i++)
		finish_row(&ev->cfg, &cr->rows[i]);
	score_rows(&ev->cfg, cr);
	rank_rows(&ev->cfg, cr);
	vg_map_free(rs.index);
	ev->evaluated[tlclass] = true;
}

int vg_units_evaluate(const struct vg_units_config *cfg, const struct vg_units_unit *units,
                      size_t nunits, const struct vg_unit_report *reps, size_t nreps, int year,
                      int tlclass, struct vg_units_eval **out, struct vg_err *err)
{
	*out = NULL;
	int rc = vg_units_config_check(cfg, err);
	if (rc < 0)
		return rc;
	if (tlclass >= VG_TL_NCLASS)
		return vg_err_set(err, VG_EINVAL, "class", "unknown class %d", tlclass);
	for (size_t i = 0; i < nunits; i++)
		if (!units[i].code || !units[i].code[0])
			return vg_err_set(err, VG_EINVAL, "units", "unit %zu has no code", i);
	struct vg_units_eval *ev = vg_xcalloc(1, sizeof(*ev));
	vg_arena_init(&ev->arena, 64 * 1024);
	ev->year = year;
	ev->cfg = *cfg;
	for (int k = 0; k < VG_TL_NCLASS; k++)
		if (tlclass < 0 || tlclass == k)
			evaluate_class(ev, units, nunits, reps, nreps, k);
	for (size_t i = 0; i < nreps; i++)
		ev->unattributed += !reps[i].unit && reps[i].when.prec >= VG_DATE_YEAR &&
		                    reps[i].when.year == year &&
		                    (tlclass < 0 || vg_tl_class_of(reps[i].klass) == tlclass);
	*out = ev;
	return 0;
}
