/*
 * completeness.c - vigiGrade-style completeness of one case version.
 *
 * vigiGrade (Bergvall, Norén, Lindquist, Drug Saf 2014;37:65-77; DOMAIN.md
 * 3.1) starts a score at 1 and multiplies it by (1 - penalty) for every
 * dimension a report leaves empty:
 *
 *   dimension      penalty  field read here
 *   time to onset   50 %    events[j].onset and products[i].start
 *                           (30 % when the partial dates leave more than a
 *                           month of doubt, 10 % when less)
 *   indication      30 %    products[i].indication
 *   outcome         30 %    events[j].outcome (unknown = missing)
 *   sex             30 %    sex (unknown = missing)
 *   age             30 %    age_years (10 % when only age_group is given)
 *   dose            10 %    products[i].dose
 *   country         10 %    country
 *   reporter        10 %    qualification
 *   report type     10 %    report_type
 *   comments        10 %    narrative of at least VG_CMP_MIN_COMMENT bytes
 *
 * Only structured data count, as in the paper.  The drug- and event-
 * specific dimensions are scored per (suspect/interacting product x event)
 * pair, and the version's score is the mean over the pairs (vigiGrade rates
 * drug-reaction pairs; how it aggregates them is not published, DOMAIN.md
 * marks it [U], so the mean is our documented choice).  Products with an
 * unknown role are used when there is no suspect or interacting one.
 *
 * The file also counts the Chinese "缺项" (missing items) of a provincial
 * notice (DOMAIN.md 2.5): a checklist, not a score - suspect drug name, dose,
 * reason for use (blank or an "unknown" word), drug start/stop dates, event
 * onsets, and a conclusive causality assessment.
 */
#include "vg.h"
#include "quality/quality.h"

#include <math.h>

/* A narrative shorter than this (after trimming blanks) is an
 * "uninformative snippet" and earns nothing (vigiGrade: comments). */
#define VG_CMP_MIN_COMMENT 10

/* vigiGrade: Bergvall 2014, table 2 */
static const struct {
	const char *name;
	double penalty;
} dims[VG_CMP_COUNT] = {
	[VG_CMP_TTO] = {"tto", 0.5},
	[VG_CMP_INDICATION] = {"indication", 0.3},
	[VG_CMP_OUTCOME] = {"outcome", 0.3},
	[VG_CMP_SEX] = {"sex", 0.3},
	[VG_CMP_AGE] = {"age", 0.3},
	[VG_CMP_DOSE] = {"dose", 0.1},
	[VG_CMP_COUNTRY] = {"country", 0.1},
	[VG_CMP_REPORTER] = {"reporter", 0.1},
	[VG_CMP_REPORT_TYPE] = {"report_type", 0.1},
	[VG_CMP_COMMENTS] = {"comments", 0.1},
};
#define TTO_VAGUE_LONG 0.3  /* vigiGrade: TTO doubt over one month */
#define TTO_VAGUE_SHORT 0.1 /* vigiGrade: TTO doubt within one month */
#define AGE_GROUP_ONLY 0.1  /* vigiGrade: age group without age */

const char *vg_cmp_dim_name(int dim)
{
	return dim >= 0 && dim < VG_CMP_COUNT ? dims[dim].name : NULL;
}

double vg_cmp_dim_penalty(int dim)
{
	return dim >= 0 && dim < VG_CMP_COUNT ? dims[dim].penalty : 0.0;
}

static bool text_given(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return true;
	return false;
}

static bool comment_given(const char *s)
{
	struct vg_sv t = vg_sv_trim(vg_sv_of(s));
	return t.len >= VG_CMP_MIN_COMMENT;
}

/* Penalty for time to onset from a start and an onset date. */
static double tto_penalty(const struct vg_date *start, const struct vg_date *onset)
{
	if (!start || start->prec < VG_DATE_YEAR || onset->prec < VG_DATE_YEAR)
		return dims[VG_CMP_TTO].penalty;
	int32_t lo = vg_date_first_day(onset) - vg_date_last_day(start);
	int32_t hi = vg_date_last_day(onset) - vg_date_first_day(start);
	int32_t doubt = hi - lo;
	if (doubt == 0)
		return 0.0;
	return doubt > 31 ? TTO_VAGUE_LONG : TTO_VAGUE_SHORT;
}

/* Record the penalty p for dimension d: multiply the score and set bits. */
static void apply(double *score, struct vg_completeness *c, int d, double p)
{
	if (p <= 0.0)
		return;
	*score *= 1.0 - p;
	c->missing |= 1u << d;
	if (p < dims[d].penalty)
		c->partial |= 1u << d;
}

/* Score of one pair (product may be NULL, event may be NULL). */
static double pair_score(const struct vg_product *p, const struct vg_event *e,
                         struct vg_completeness *c)
{
	static const struct vg_date none = VG_DATE_INIT;
	double s = 1.0;
	apply(&s, c, VG_CMP_TTO, tto_penalty(p ? &p->start : NULL, e ? &e->onset : &none));
	apply(&s, c, VG_CMP_INDICATION,
	      p && text_given(p->indication) ? 0.0 : dims[VG_CMP_INDICATION].penalty);
	apply(&s, c, VG_CMP_OUTCOME,
	      e && e->outcome != VG_OUTCOME_UNKNOWN ? 0.0 : dims[VG_CMP_OUTCOME].penalty);
	apply(&s, c, VG_CMP_DOSE, p && text_given(p->dose) ? 0.0 : dims[VG_CMP_DOSE].penalty);
	return s;
}

/* Case-level factor: the dimensions that do not depend on the pair. */
static double case_factor(const struct vg_case_version *v, struct vg_completeness *c)
{
	double s = 1.0, age = 0.0;
	apply(&s, c, VG_CMP_SEX, v->sex == VG_SEX_UNKNOWN ? dims[VG_CMP_SEX].penalty : 0.0);
	if (isnan(v->age_years))
		age = v->age_group != VG_AGE_UNKNOWN ? AGE_GROUP_ONLY : dims[VG_CMP_AGE].penalty;
	apply(&s, c, VG_CMP_AGE, age);
	apply(&s, c, VG_CMP_COUNTRY, text_given(v->country) ? 0.0 : dims[VG_CMP_COUNTRY].penalty);
	apply(&s, c, VG_CMP_REPORTER,
	      v->qualification != VG_QUAL_UNKNOWN ? 0.0 : dims[VG_CMP_REPORTER].penalty);
	apply(&s, c, VG_CMP_REPORT_TYPE,
	      v->report_type != VG_RT_UNKNOWN ? 0.0 : dims[VG_CMP_REPORT_TYPE].penalty);
	apply(&s, c, VG_CMP_COMMENTS,
	      comment_given(v->narrative) ? 0.0 : dims[VG_CMP_COMMENTS].penalty);
	return s;
}

static bool scored_role(const struct vg_product *p, bool fallback)
{
	if (fallback)
		return p->role == VG_ROLE_UNKNOWN;
	return p->role == VG_ROLE_SUSPECT || p->role == VG_ROLE_INTERACTING;
}

void vg_quality_completeness(const struct vg_case_version *v, struct vg_completeness *out)
{
	memset(out, 0, sizeof(*out));
	double f = case_factor(v, out);
	double sum = 0.0;
	size_t npairs = 0;
	for (int pass = 0; pass < 2 && npairs == 0; pass++) {
		for (size_t i = 0; i < v->nproducts; i++) {
			if (!scored_role(&v->products[i], pass == 1))
				continue;
			for (size_t j = 0; j < v->nevents; j++, npairs++)
				sum += pair_score(&v->products[i], &v->events[j], out);
			if (v->nevents == 0 && ++npairs)
				sum += pair_score(&v->products[i], NULL, out);
		}
	}
	if (npairs == 0) {
		for (size_t j = 0; j < v->nevents; j++, npairs++)
			sum += pair_score(NULL, &v->events[j], out);
		if (npairs == 0 && ++npairs)
			sum += pair_score(NULL, NULL, out);
	}
	out->score = f * sum / (double)npairs;
	out->well_documented = out->score >= VG_CMP_WELL_DOCUMENTED - 1e-12;
}

void vg_completeness_missing_str(const struct vg_completeness *c, const char *sep, char *out,
                                 size_t outsz)
{
	struct vg_buf b = VG_BUF_INIT(outsz ? outsz : 1);
	for (int d = 0; d < VG_CMP_COUNT; d++) {
		if (!(c->missing & (1u << d)))
			continue;
		if (b.len)
			vg_buf_puts(&b, sep);
		vg_buf_puts(&b, dims[d].name);
	}
	if (outsz)
		vg_strlcpy(out, b.p ? b.p : "", outsz);
	vg_buf_release(&b);
}

/* ------------------------------------------------------------- 缺项 */

/* The provincial notice's "missing items" (DOMAIN.md 2.5); the words that
 * count as blank are its list plus their English equivalents. */
static const char *const cn_items[VG_CN_COUNT] = {
	[VG_CN_DRUG_NAME] = "drug_name", [VG_CN_DOSE] = "dose", [VG_CN_INDICATION] = "indication",
	[VG_CN_DRUG_DATES] = "drug_dates", [VG_CN_ONSET] = "onset", [VG_CN_CAUSALITY] = "causality",
};

const char *vg_cn_item_name(int item)
{
	return item >= 0 && item < VG_CN_COUNT ? cn_items[item] : NULL;
}

static bool blank_or_unknown(const char *s)
{
	static const char *const words[] = {"不详", "不知道", "不清楚", "不清", "不明",
	                                    "unknown", "unk", "n/a", "na"};
	struct vg_sv t = vg_sv_trim(vg_sv_of(s));
	if (!text_given(s))
		return true;
	for (size_t i = 0; i < VG_ARRAY_LEN(words); i++)
		if (vg_sv_ieq_cstr(t, words[i]))
			return true;
	return false;
}

/* No assessment reached a conclusion: none, or only pending/unassessable. */
static bool causality_missing(const struct vg_case_version *v)
{
	static const char *const open[] = {"待评价", "无法评价", "unassessable", "unclassifiable",
	                                   "conditional", "pending"};
	for (size_t i = 0; i < v->ncausality; i++) {
		const char *r = v->causality[i].result;
		bool open_result = blank_or_unknown(r);
		for (size_t k = 0; k < VG_ARRAY_LEN(open) && !open_result; k++)
			open_result = vg_sv_ieq_cstr(vg_sv_trim(vg_sv_of(r)), open[k]);
		if (!open_result)
			return false;
	}
	return true;
}

unsigned vg_quality_missing_cn(const struct vg_case_version *v)
{
	unsigned m = 0;
	size_t suspects = 0;
	for (size_t i = 0; i < v->nproducts; i++) {
		const struct vg_product *p = &v->products[i];
		if (p->role != VG_ROLE_SUSPECT && p->role != VG_ROLE_INTERACTING)
			continue;
		suspects++;
		m |= blank_or_unknown(p->name) ? 1u << VG_CN_DRUG_NAME : 0;
		m |= blank_or_unknown(p->dose) ? 1u << VG_CN_DOSE : 0;
		m |= blank_or_unknown(p->indication) ? 1u << VG_CN_INDICATION : 0;
		m |= p->start.prec == VG_DATE_NONE || p->end.prec == VG_DATE_NONE
		         ? 1u << VG_CN_DRUG_DATES : 0;
	}
	if (suspects == 0)
		m |= 1u << VG_CN_DRUG_NAME | 1u << VG_CN_DOSE | 1u << VG_CN_INDICATION |
		     1u << VG_CN_DRUG_DATES;
	for (size_t j = 0; j < v->nevents; j++)
		m |= v->events[j].onset.prec == VG_DATE_NONE ? 1u << VG_CN_ONSET : 0;
	if (v->nevents == 0)
		m |= 1u << VG_CN_ONSET;
	if (causality_missing(v))
		m |= 1u << VG_CN_CAUSALITY;
	return m;
}
