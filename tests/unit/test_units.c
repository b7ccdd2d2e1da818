/*
 * test_units.c - units/: configuration, indicators, composite score,
 * ranking, commendation and the four outputs, on a small hand-built year.
 *
 * The year 2024 (dates are first submissions):
 *
 *   case unit class    what                                        month
 *   r1   H1   drug     serious, on time (10 d of 15); its follow-up   1
 *                      is late but deadlines judge the first version;
 *                      completeness from the follow-up: 1.0
 *   r2   H1   drug     other, late: 43 d of 30 -> 13 days late;       3
 *                      no sex, no age: completeness 0.49
 *   r3   H1   drug     new (not serious), on time                     3
 *   r4   H1   drug     confirmed duplicate (serious)                  4
 *   r5   H2   drug     death, submitted the same day: on time         5
 *   r6   H2   drug     nullified                                      6
 *   r7   H2   drug     invalid (a minimum element missing)            6
 *   r8   H2   drug     other, no awareness date: no verdict;          7
 *                      no narrative: completeness 0.9; no causality
 *                      assessment: one 缺项
 *   r9   P1   drug     serious, on time                               8
 *   r10  P1   drug     submitted in 2023: not in the year
 *   r11  X9   drug     other, on time; X9 is not a registered unit    9
 *   r12  H1   device   serious injury, 24 d of 20 -> 4 days late     10
 *   r13  P1   cosmetic other, on time                                11
 *   r14  -    drug     no unit: unattributed                         12
 *   Z1 is registered and reported nothing.
 *
 * Expected values are worked out in the comments beside each assertion,
 * with the default weights of config/units.conf (25 10 25 20 15 5).
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "quality/quality.h"
#include "units/units.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#define EPS 1e-9

struct slot {
	struct vg_case_version v;
	struct vg_product p;
	struct vg_event e;
	struct vg_causality c;
};
static struct slot pool[40];
static size_t npool;

static struct vg_date D(const char *s)
{
	struct vg_date d = VG_DATE_INIT;
	if (s)
		assert_int_equal(vg_date_parse(vg_sv_of(s), &d), 0);
	return d;
}

/* A complete version (vigiGrade 1.0) of case id, by unit, of class klass. */
static struct vg_case_version *mk(const char *id, const char *unit, int klass,
                                  const char *aware, const char *submitted)
{
	struct slot *s = &pool[npool++];
	memset(s, 0, sizeof(*s));
	s->p = (struct vg_product){.role = VG_ROLE_SUSPECT, .klass = klass, .name = "X",
	                           .dose = "1 tab", .indication = "pain",
	                           .start = D("2024-01-01"), .end = D("2024-01-03")};
	s->c = (struct vg_causality){0, 0, "reporter", "WHO-UMC", "很可能"};
	s->e = (struct vg_event){.term = "rash", .onset = D("2024-01-02"),
	                         .outcome = VG_OUTCOME_RECOVERED};
	struct vg_case_version *v = &s->v;
	v->case_id = id;
	v->unit = unit;
	v->klass = klass;
	v->aware = D(aware);
	v->submitted = D(submitted);
	v->sex = VG_SEX_MALE;
	v->age_years = 50;
	v->age_value = v->weight_kg = NAN;
	v->country = "CN";
	v->qualification = VG_QUAL_PHYSICIAN;
	v->report_type = VG_RT_SPONTANEOUS;
	v->narrative = "A complete narrative of the reaction.";
	v->products = &s->p;
	v->nproducts = 1;
	v->events = &s->e;
	v->nevents = 1;
	v->causality = &s->c;
	v->ncausality = 1;
	return v;
}

static struct vg_unit_report reps[20];
static size_t nreps;

static void add(const struct vg_case_version *first, const struct vg_case_version *latest,
                int flags)
{
	struct vg_tl_rules r;
	vg_tl_rules_default(&r);
	vg_units_report_from_case(first, latest ? latest : first, flags, &r, &reps[nreps++]);
}

static const struct vg_units_unit units[] = {
	{"H1", "市第一人民医院", 500, 0},
	{"H2", "County Hospital", 200, 2e6},
	{"P1", "A&B <Pharmacy>", 0, 0},
	{"Z1", "无报告诊所", 100, 0},
};

static void build_year(void)
{
	struct vg_case_version *v, *f;
	npool = nreps = 0;
	v = mk("r1", "H1", VG_CLASS_DRUG, "2024-01-10", "2024-01-20");
	v->serious = true;
	v->seriousness = VG_SER_HOSPITALISATION;
	v->narrative = NULL;
	f = mk("r1", "H1", VG_CLASS_DRUG, "2024-01-10", "2024-02-25");
	f->serious = true;
	add(v, f, 0);
	v = mk("r2", "H1", VG_CLASS_DRUG, "2024-02-01", "2024-03-15");
	v->sex = VG_SEX_UNKNOWN;
	v->age_years = NAN;
	add(v, NULL, 0);
	v = mk("r3", "H1", VG_CLASS_DRUG, "2024-03-01", "2024-03-10");
	v->unexpected = true;
	add(v, NULL, 0);
	v = mk("r4", "H1", VG_CLASS_DRUG, "2024-04-01", "2024-04-02");
	v->serious = true;
	add(v, NULL, 4 /* VG_SCAN_DUPLICATE */);
	v = mk("r5", "H2", VG_CLASS_DRUG, "2024-05-01", "2024-05-01");
	v->seriousness = VG_SER_DEATH;
	add(v, NULL, 0);
	add(mk("r6", "H2", VG_CLASS_DRUG, "2024-06-01", "2024-06-02"), NULL, 2 /* NULLIFIED */);
	add(mk("r7", "H2", VG_CLASS_DRUG, "2024-06-01", "2024-06-02"), NULL, 1 /* INVALID */);
	v = mk("r8", "H2", VG_CLASS_DRUG, NULL, "2024-07-05");
	v->narrative = NULL;
	v->ncausality = 0; /* 缺项: no causality assessment */
	add(v, NULL, 0);
	v = mk("r9", "P1", VG_CLASS_DRUG, "2024-08-01", "2024-08-10");
	v->serious = true;
	add(v, NULL, 0);
	add(mk("r10", "P1", VG_CLASS_DRUG, "2023-12-01", "2023-12-02"), NULL, 0);
	add(mk("r11", "X9", VG_CLASS_DRUG, "2024-09-01", "2024-09-02"), NULL, 0);
	v = mk("r12", "H1", VG_CLASS_DEVICE, "2024-10-01", "2024-10-25");
	v->seriousness = VG_SER_DISABILITY;
	add(v, NULL, 0);
	add(mk("r13", "P1", VG_CLASS_COSMETIC, "2024-11-01", "2024-11-20"), NULL, 0);
	add(mk("r14", NULL, VG_CLASS_DRUG, "2024-12-01", "2024-12-02"), NULL, 0);
}

static void config_with(struct vg_units_config *c, const char *extra)
{
	struct vg_err err = VG_ERR_INIT;
	size_t len;
	const char *text = vg_units_default_config(&len);
	vg_units_config_init(c);
	assert_int_equal(vg_units_config_parse(c, text, len, "units.conf", &err), 0);
	if (extra)
		assert_int_equal(vg_units_config_parse(c, extra, strlen(extra), "site", &err), 0);
	assert_int_equal(vg_units_config_check(c, &err), 0);
}

static struct vg_units_eval *evaluate(const char *extra, int tlclass)
{
	struct vg_units_config c;
	struct vg_units_eval *ev = NULL;
	struct vg_err err = VG_ERR_INIT;
	build_year();
	config_with(&c, extra);
	assert_int_equal(vg_units_evaluate(&c, units, VG_ARRAY_LEN(units), reps, nreps, 2024,
	                                   tlclass, &ev, &err),
	                 0);
	return ev;
}

static const struct vg_unit_stats *row(const struct vg_units_eval *ev, int cls,
                                       const char *code)
{
	for (size_t i = 0; i < ev->cls[cls].nrows; i++)
		if (strcmp(ev->cls[cls].rows[i].code, code) == 0)
			return &ev->cls[cls].rows[i];
	fail_msg("no row %s", code);
	return NULL;
}

/* ------------------------------------------------------------ config */

static void test_config_defaults(void **state)
{
	(void)state;
	struct vg_units_config c;
	config_with(&c, NULL);
	assert_float_equal(c.weight[VG_UC_VOLUME], 25, 0);
	assert_float_equal(c.weight[VG_UC_VALID], 10, 0);
	assert_float_equal(c.weight[VG_UC_NEW_SERIOUS], 25, 0);
	assert_float_equal(c.weight[VG_UC_ON_TIME], 20, 0);
	assert_float_equal(c.weight[VG_UC_COMPLETENESS], 15, 0);
	assert_float_equal(c.weight[VG_UC_DUPLICATE], 5, 0);
	assert_int_equal(c.volume_basis, VG_VOL_REPORTS);
	assert_int_equal(c.commend[VG_TL_DRUG], 6);
	assert_int_equal(c.commend[VG_TL_DEVICE], 6);
	assert_int_equal(c.commend[VG_TL_COSMETIC], 3);
	assert_true(c.unknown_timeliness_is_late);
	/* Order 81 art. 21 in the file, equal to the built-in legal table */
	struct vg_tl_rules r;
	vg_tl_rules_default(&r);
	assert_memory_equal(&r, &c.rules, sizeof(r));
}

static void test_config_errors(void **state)
{
	(void)state;
	struct vg_units_config c;
	struct vg_err err = VG_ERR_INIT;
	vg_units_config_init(&c);
	/* no weight is built in: an empty configuration is refused */
	assert_int_equal(vg_units_config_check(&c, &err), VG_EINVAL);
	assert_string_equal(err.msg, "weight.volume is not set");
	vg_err_clear(&err);
	const char *bad = "# comment\n\nweight.volume = 3\nweight.colour = 1\n";
	assert_int_equal(vg_units_config_parse(&c, bad, strlen(bad), "site.conf", &err),
	                 VG_EINVAL);
	assert_string_equal(err.field, "site.conf:4");
	vg_err_clear(&err);
	const char *neg = "weight.valid = -1\n";
	assert_int_equal(vg_units_config_parse(&c, neg, strlen(neg), "x", &err), VG_EINVAL);
	vg_err_clear(&err);
	const char *noeq = "volume.basis per_bed\n";
	assert_int_equal(vg_units_config_parse(&c, noeq, strlen(noeq), "x", &err), VG_EPARSE);
	vg_err_clear(&err);
	const char *dl = "deadline.drug.death = soon\n";
	assert_int_equal(vg_units_config_parse(&c, dl, strlen(dl), "x", &err), VG_EINVAL);
	assert_string_equal(err.field, "x:1");
	vg_err_clear(&err);
	const char *zero = "weight.volume=0\nweight.valid=0\nweight.new_serious=0\n"
	                   "weight.on_time=0\nweight.completeness=0\nweight.duplicate=0\n"
	                   "volume.basis=reports\ncommend.drug=1\ncommend.device=1\n"
	                   "commend.cosmetic=1";
	assert_int_equal(vg_units_config_parse(&c, zero, strlen(zero), "x", &err), 0);
	assert_int_equal(vg_units_config_check(&c, &err), VG_EINVAL);
	assert_string_equal(err.msg, "the weights add up to zero");
}

/* --------------------------------------------------------- indicators */

static void test_indicators_h1(void **state)
{
	(void)state;
	struct vg_units_eval *ev = evaluate(NULL, -1);
	const struct vg_unit_stats *s = row(ev, VG_TL_DRUG, "H1");
	assert_int_equal(s->reports, 4);    /* r1 r2 r3 r4 */
	assert_int_equal(s->invalid, 0);
	assert_int_equal(s->nullified, 0);
	assert_int_equal(s->duplicates, 1); /* r4 */
	assert_int_equal(s->effective, 3);  /* r1 r2 r3 */
	assert_int_equal(s->new_serious, 2);/* r1 serious, r3 new */
	assert_int_equal(s->serious, 1);
	assert_int_equal(s->on_time, 2);    /* r1 (first version), r3 */
	assert_int_equal(s->late, 1);       /* r2 */
	assert_int_equal(s->days_late_sum, 13); /* 43 - 30 */
	assert_int_equal(s->tl_unknown, 0);
	assert_int_equal(s->well_documented, 2); /* r2 = 0.49 */
	assert_int_equal(s->with_missing, 0);
	assert_float_equal(s->missing_share, 0.0, 0);
	assert_float_equal(s->valid_share, 1.0, EPS);
	assert_float_equal(s->duplicate_share, 0.25, EPS);
	assert_float_equal(s->new_serious_share, 2.0 / 3, EPS);
	assert_float_equal(s->on_time_rate, 2.0 / 3, EPS);
	assert_float_equal(s->mean_completeness, (1 + 0.49 + 1) / 3, EPS); /* 0.83 */
	assert_float_equal(s->per_100_beds, 0.6, EPS);                      /* 3 / 500 beds */
	assert_true(isnan(s->per_million));
	static const int64_t months[12] = {1, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_memory_equal(s->monthly, months, sizeof(months));
	/* 25*1 + 10*1 + 25*2/3 + 20*2/3 + 15*0.83 + 5*0.75 = 81.2 */
	assert_float_equal(s->score, 81.2, EPS);
	assert_int_equal(s->rank, 2);
	assert_true(s->commended);
	vg_units_eval_free(ev);
}

static void test_indicators_h2_p1_x9_z1(void **state)
{
	(void)state;
	struct vg_units_eval *ev = evaluate(NULL, -1);
	const struct vg_unit_stats *s = row(ev, VG_TL_DRUG, "H2");
	assert_int_equal(s->reports, 4);   /* r5 r6 r7 r8 */
	assert_int_equal(s->invalid, 1);   /* r7 */
	assert_int_equal(s->nullified, 1); /* r6 */
	assert_int_equal(s->effective, 2); /* r5 r8 */
	assert_int_equal(s->new_serious, 1); /* the death */
	assert_int_equal(s->tl_unknown, 1);  /* r8 */
	assert_float_equal(s->valid_share, 0.75, EPS);
	assert_float_equal(s->on_time_rate, 0.5, EPS); /* unknown counts as late */
	assert_float_equal(s->mean_completeness, 0.95, EPS);
	assert_int_equal(s->with_missing, 1); /* r8 */
	assert_float_equal(s->missing_share, 0.5, EPS);
	assert_float_equal(s->per_100_beds, 1.0, EPS);
	assert_float_equal(s->per_million, 1.0, EPS);
	/* 25*2/3 + 10*0.75 + 25*0.5 + 20*0.5 + 15*0.95 + 5*1 */
	assert_float_equal(s->score, 65.0 + 11.0 / 12, EPS);
	assert_int_equal(s->rank, 3);
	s = row(ev, VG_TL_DRUG, "P1");
	assert_int_equal(s->reports, 1); /* r10 is 2023 */
	assert_float_equal(s->score, 75.0 + 25.0 / 3, EPS); /* 25/3 + 10 + 25 + 20 + 15 + 5 */
	assert_int_equal(s->rank, 1);
	s = row(ev, VG_TL_DRUG, "X9"); /* unregistered, added from the reports */
	assert_null(s->name);
	assert_float_equal(s->score, 50.0 + 25.0 / 3, EPS);
	assert_int_equal(s->rank, 4);
	s = row(ev, VG_TL_DRUG, "Z1");
	assert_int_equal(s->reports, 0);
	assert_float_equal(s->score, 0.0, 0);
	assert_float_equal(s->per_100_beds, 0.0, 0);
	assert_float_equal(s->component[VG_UC_DUPLICATE], 0.0, 0); /* no free points */
	assert_int_equal(s->rank, 5);
	assert_false(s->commended);
	assert_int_equal(ev->unattributed, 1); /* r14 */
	const struct vg_units_class_result *cr = &ev->cls[VG_TL_DRUG];
	assert_int_equal(cr->reports, 10);
	assert_int_equal(cr->effective, 7);
	static const int64_t months[12] = {1, 0, 2, 1, 1, 2, 1, 1, 1, 0, 0, 0};
	assert_memory_equal(cr->monthly, months, sizeof(months));
	vg_units_eval_free(ev);
}

static void test_device_cosmetic(void **state)
{
	(void)state;
	struct vg_units_eval *ev = evaluate(NULL, -1);
	const struct vg_unit_stats *s = row(ev, VG_TL_DEVICE, "H1");
	assert_int_equal(s->late, 1);
	assert_int_equal(s->days_late_sum, 4); /* SAMR Order 1: 20 days; took 24 */
	assert_float_equal(s->score, 80.0, EPS); /* 25 + 10 + 25 + 0 + 15 + 5 */
	assert_int_equal(ev->cls[VG_TL_DEVICE].rows[0].rank, 1);
	assert_int_equal(ev->cls[VG_TL_DEVICE].nrows, 4); /* registered units only */
	s = row(ev, VG_TL_COSMETIC, "P1");
	assert_float_equal(s->score, 75.0, EPS); /* 25 + 10 + 0 + 20 + 15 + 5 */
	assert_true(s->commended);
	vg_units_eval_free(ev);
	/* one class only */
	ev = evaluate(NULL, VG_TL_COSMETIC);
	assert_false(ev->evaluated[VG_TL_DRUG]);
	assert_true(ev->evaluated[VG_TL_COSMETIC]);
	assert_int_equal(ev->unattributed, 0);
	vg_units_eval_free(ev);
}

static void test_ranking_and_commendation(void **state)
{
	(void)state;
	struct vg_units_eval *ev = evaluate(NULL, -1);
	const struct vg_units_class_result *cr = &ev->cls[VG_TL_DRUG];
	const char *order[] = {"P1", "H1", "H2", "X9", "Z1"};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(cr->rows[i].code, order[i]);
		assert_int_equal(cr->rows[i].commended, i < 4); /* Z1 has no reports */
	}
	vg_units_eval_free(ev);
	ev = evaluate("commend.drug = 2\n", -1);
	cr = &ev->cls[VG_TL_DRUG];
	assert_true(cr->rows[0].commended && cr->rows[1].commended);
	assert_false(cr->rows[2].commended);
	vg_units_eval_free(ev);
}

static void test_per_bed_and_unknown_excluded(void **state)
{
	(void)state;
	struct vg_units_eval *ev = evaluate("volume.basis = per_bed\n", VG_TL_DRUG);
	/* volumes 0.6, 1.0, 0 (no beds), 0, 0: H2 leads */
	assert_float_equal(row(ev, VG_TL_DRUG, "H1")->score, 71.2, EPS);
	assert_float_equal(row(ev, VG_TL_DRUG, "H2")->score, 74.25, EPS);
	assert_float_equal(row(ev, VG_TL_DRUG, "P1")->score, 75.0, EPS);
	assert_float_equal(row(ev, VG_TL_DRUG, "X9")->score, 50.0, EPS);
	assert_string_equal(ev->cls[VG_TL_DRUG].rows[1].code, "H2");
	vg_units_eval_free(ev);
	ev = evaluate("timeliness.unknown = excluded\n", VG_TL_DRUG);
	assert_float_equal(row(ev, VG_TL_DRUG, "H2")->on_time_rate, 1.0, EPS);
	vg_units_eval_free(ev);
	/* equal scores share a rank */
	ev = evaluate("weight.volume = 0\nweight.valid=0\nweight.new_serious=0\n"
	              "weight.completeness=0\nweight.duplicate=0\n", VG_TL_DRUG);
	assert_int_equal(row(ev, VG_TL_DRUG, "P1")->rank, 1);
	assert_int_equal(row(ev, VG_TL_DRUG, "X9")->rank, 1);
	vg_units_eval_free(ev);
}

/* ------------------------------------------------------------ outputs */

static char *write_fmt(int fmt, int lang, int top_k)
{
	struct vg_units_eval *ev = evaluate(NULL, -1);
	struct vg_buf b = VG_BUF_INIT(0);
	struct vg_err err = VG_ERR_INIT;
	assert_int_equal(vg_units_write(ev, fmt, lang, top_k, &b, &err), 0);
	vg_units_eval_free(ev);
	return vg_buf_detach(&b, NULL);
}

static void test_outputs(void **state)
{
	(void)state;
	char *s = write_fmt(VG_UF_JSON, VG_LANG_EN, 0);
	assert_non_null(strstr(s, "\"commended\":[\"P1\",\"H1\",\"H2\",\"X9\"]"));
	assert_non_null(strstr(s, "\"unattributed\":1"));
	assert_non_null(strstr(s, "\"monthly\":[1,0,2,1,1,2,1,1,1,0,0,0]"));
	assert_non_null(strstr(s, "\"per_million\":null"));
	free(s);
	s = write_fmt(VG_UF_CSV, VG_LANG_ZH, 2);
	assert_true(strncmp(s, "class,rank,unit,name,reports,", 29) == 0);
	assert_non_null(strstr(s, "\ndrug,1,P1,A&B <Pharmacy>,1,0,0,0,1,1,1,0,0,"));
	assert_non_null(strstr(s, "\ndrug,2,H1,市第一人民医院,4,0,0,1,3,2,2,1,0,"));
	assert_null(strstr(s, "\ndrug,3,")); /* --top 2 */
	free(s);
	s = write_fmt(VG_UF_TABLE, VG_LANG_ZH, 0);
	assert_non_null(strstr(s, "市第一人民医院"));
	assert_non_null(strstr(s, "综合得分"));
	free(s);
	s = write_fmt(VG_UF_HTML, VG_LANG_BOTH, 0);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s, "拟表扬单位 <span class=\"en\">Commended</span>"));
	assert_non_null(strstr(s, "A&amp;B &lt;Pharmacy&gt;"));
	assert_null(strstr(s, "<Pharmacy>"));
	size_t svgs = 0;
	for (const char *p = s; (p = strstr(p, "<svg class=\"chart\"")); p++)
		svgs++;
	assert_int_equal(svgs, 9); /* 3 charts x 3 classes */
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_indicators_h1),
		cmocka_unit_test(test_indicators_h2_p1_x9_z1),
		cmocka_unit_test(test_device_cosmetic),
		cmocka_unit_test(test_ranking_and_commendation),
		cmocka_unit_test(test_per_bed_and_unknown_excluded),
		cmocka_unit_test(test_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
