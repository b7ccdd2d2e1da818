/*
 * test_quality.c - quality/: vigiGrade completeness, timeliness rules and
 * verdicts, Fellegi-Sunter duplicate detection.
 *
 * Versions are built on the stack (no arena, no case_lib calls) so the
 * expected values can be checked by hand against the rules' tables.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "quality/quality.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static struct vg_date D(const char *s)
{
	struct vg_date d;
	assert_int_equal(vg_date_parse(vg_sv_of(s), &d), 0);
	return d;
}

/* A version with every vigiGrade dimension present: score 1. */
static struct vg_product g_prod[4];
static struct vg_event g_ev[4];

static struct vg_case_version full(void)
{
	struct vg_case_version v;
	memset(&v, 0, sizeof(v));
	memset(g_prod, 0, sizeof(g_prod));
	memset(g_ev, 0, sizeof(g_ev));
	v.case_id = "C1";
	v.sex = VG_SEX_FEMALE;
	v.age_years = 34;
	v.age_value = NAN;
	v.weight_kg = NAN;
	v.country = "CN";
	v.qualification = VG_QUAL_PHYSICIAN;
	v.report_type = VG_RT_SPONTANEOUS;
	v.narrative = "Rash two days after the first dose; recovered.";
	g_prod[0] = (struct vg_product){.role = VG_ROLE_SUSPECT, .klass = VG_CLASS_DRUG,
	                                .name = "Amoxicillin", .dose = "500 mg tid",
	                                .indication = "otitis", .start = D("2024-03-01")};
	g_ev[0] = (struct vg_event){.term = "皮疹", .coded = "Rash", .onset = D("2024-03-03"),
	                            .outcome = VG_OUTCOME_RECOVERED};
	v.products = g_prod;
	v.nproducts = 1;
	v.events = g_ev;
	v.nevents = 1;
	v.klass = VG_CLASS_DRUG;
	return v;
}

/* ---------------------------------------------------------- completeness */

/* vigiGrade: Bergvall 2014 */
static void test_cmp_full(void **state)
{
	(void)state;
	struct vg_case_version v = full();
	struct vg_completeness c;
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 1.0, 1e-12);
	assert_int_equal(c.missing, 0);
	assert_true(c.well_documented);
}

static void test_cmp_sex_age(void **state)
{
	(void)state;
	struct vg_case_version v = full();
	char s[128];
	v.sex = VG_SEX_UNKNOWN;
	v.age_years = NAN;
	struct vg_completeness c;
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 0.49, 1e-12); /* 0.7 x 0.7, DOMAIN.md 3.1 */
	assert_false(c.well_documented);
	vg_completeness_missing_str(&c, ";", s, sizeof(s));
	assert_string_equal(s, "sex;age");
	v.age_group = VG_AGE_ADULT; /* age group only: 10 % */
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 0.7 * 0.9, 1e-12);
	assert_int_equal(c.partial, 1u << VG_CMP_AGE);
}

static void test_cmp_vague_tto(void **state)
{
	(void)state;
	struct vg_case_version v = full();
	struct vg_completeness c;
	g_prod[0].start = D("2024-03"); /* doubt 30 days: 10 % */
	g_ev[0].onset = D("2024-03-10");
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 0.9, 1e-12);
	assert_true(c.well_documented); /* 0.9 >= 0.8 */
	g_prod[0].start = D("2024"); /* doubt over a month: 30 % */
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 0.7, 1e-12);
	g_prod[0].start = (struct vg_date)VG_DATE_INIT; /* missing: 50 % */
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, 0.5, 1e-12);
	assert_int_equal(c.missing, 1u << VG_CMP_TTO);
	assert_int_equal(c.partial, 0);
}

static void test_cmp_pairs_mean(void **state)
{
	(void)state;
	struct vg_case_version v = full();
	struct vg_completeness c;
	g_prod[1] = g_prod[0];
	g_prod[1].dose = NULL;       /* 10 % */
	g_prod[1].indication = "  "; /* blank: 30 % */
	g_prod[2] = g_prod[0];
	g_prod[2].role = VG_ROLE_CONCOMITANT; /* not scored */
	g_prod[2].dose = NULL;
	v.nproducts = 3;
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, (1.0 + 0.9 * 0.7) / 2, 1e-12); /* 0.815 */
	assert_true(c.well_documented);
	/* two events: the second has no outcome and no onset */
	g_ev[1] = (struct vg_event){.term = "itch"};
	v.nproducts = 1;
	v.nevents = 2;
	vg_quality_completeness(&v, &c);
	assert_float_equal(c.score, (1.0 + 0.5 * 0.7) / 2, 1e-12);
}

static void test_cmp_empty(void **state)
{
	(void)state;
	struct vg_case_version v;
	struct vg_completeness c;
	char s[256];
	memset(&v, 0, sizeof(v));
	v.age_years = NAN;
	v.narrative = "  short  "; /* uninformative snippet */
	vg_quality_completeness(&v, &c);
	double want = 0.5 * 0.7 * 0.7 * 0.7 * 0.7 * 0.9 * 0.9 * 0.9 * 0.9 * 0.9;
	assert_float_equal(c.score, want, 1e-12);
	vg_completeness_missing_str(&c, ",", s, sizeof(s));
	assert_string_equal(s, "tto,indication,outcome,sex,age,dose,country,reporter,"
	                       "report_type,comments");
	assert_string_equal(vg_cmp_dim_name(VG_CMP_DOSE), "dose");
	assert_null(vg_cmp_dim_name(VG_CMP_COUNT));
	assert_float_equal(vg_cmp_dim_penalty(VG_CMP_TTO), 0.5, 0);
}

/* 缺项: provincial notice, DOMAIN.md 2.5 */
static void test_missing_cn(void **state)
{
	(void)state;
	struct vg_case_version v = full();
	struct vg_causality caus = {0, 0, "reporter", "WHO-UMC", "很可能"};
	g_prod[0].end = D("2024-03-05");
	v.causality = &caus;
	v.ncausality = 1;
	assert_int_equal(vg_quality_missing_cn(&v), 0);
	caus.result = "待评价"; /* pending: no conclusion */
	g_prod[0].dose = "不详";
	g_prod[0].end = (struct vg_date)VG_DATE_INIT;
	assert_int_equal(vg_quality_missing_cn(&v),
	                 1u << VG_CN_DOSE | 1u << VG_CN_DRUG_DATES | 1u << VG_CN_CAUSALITY);
	g_prod[0].dose = "2 g";
	g_prod[0].end = D("2024-03-05");
	g_prod[0].indication = " Unknown ";
	g_ev[0].onset = (struct vg_date)VG_DATE_INIT;
	v.ncausality = 0; /* none at all */
	assert_int_equal(vg_quality_missing_cn(&v),
	                 1u << VG_CN_INDICATION | 1u << VG_CN_ONSET | 1u << VG_CN_CAUSALITY);
	g_prod[0].role = VG_ROLE_CONCOMITANT; /* no suspect drug: its items are missing */
	assert_int_equal(vg_quality_missing_cn(&v) & 0xf, 0xf);
	assert_string_equal(vg_cn_item_name(VG_CN_DRUG_DATES), "drug_dates");
	assert_null(vg_cn_item_name(VG_CN_COUNT));
}

/* ------------------------------------------------------------ timeliness */

static struct vg_timeliness judge(int klass, unsigned ser, bool serious, bool unexpected,
                                  const char *aware, const char *submitted)
{
	struct vg_tl_rules r;
	struct vg_case_version v = full();
	struct vg_timeliness t;
	vg_tl_rules_default(&r);
	v.klass = klass;
	v.seriousness = ser;
	v.serious = serious;
	v.unexpected = unexpected;
	v.aware = aware ? D(aware) : (struct vg_date)VG_DATE_INIT;
	v.submitted = submitted ? D(submitted) : (struct vg_date)VG_DATE_INIT;
	vg_quality_timeliness(&r, &v, &t);
	return t;
}

/* Order 81 art. 21: deaths immediately (0 days) */
static void test_tl_drug_death(void **state)
{
	(void)state;
	struct vg_timeliness t = judge(VG_CLASS_DRUG, VG_SER_DEATH, true, false, "2024-03-01",
	                               "2024-03-01");
	assert_int_equal(t.category, VG_TL_DEATH);
	assert_int_equal(t.deadline, 0);
	assert_true(t.known && t.on_time);
	t = judge(VG_CLASS_DRUG, VG_SER_DEATH, true, false, "2024-03-01", "2024-03-02");
	assert_false(t.on_time);
	assert_int_equal(t.days_late, 1);
	/* a fatal outcome makes it a death without the seriousness bit */
	struct vg_case_version v = full();
	g_ev[0].outcome = VG_OUTCOME_FATAL;
	assert_int_equal(vg_tl_category(&v), VG_TL_DEATH);
}

/* Order 81 art. 21: new or serious 15 days, others 30 */
static void test_tl_drug(void **state)
{
	(void)state;
	struct vg_timeliness t = judge(VG_CLASS_DRUG, VG_SER_HOSPITALISATION, true, false,
	                               "2024-03-01", "2024-03-16");
	assert_int_equal(t.category, VG_TL_SERIOUS);
	assert_int_equal(t.days_taken, 15);
	assert_true(t.on_time);
	t = judge(VG_CLASS_DRUG, 0, true, false, "2024-03-01", "2024-03-17");
	assert_int_equal(t.days_late, 1);
	t = judge(VG_CLASS_DRUG, 0, false, true, "2024-03-01", "2024-03-20");
	assert_int_equal(t.category, VG_TL_NEW);
	assert_int_equal(t.days_late, 4);
	t = judge(VG_CLASS_DRUG, 0, false, false, "2024-03-01", "2024-03-31");
	assert_int_equal(t.category, VG_TL_OTHER);
	assert_true(t.on_time);
	t = judge(VG_CLASS_VACCINE, 0, false, false, "2024-03-01", "2024-04-10");
	assert_int_equal(t.deadline, 30);
	assert_int_equal(t.days_late, 10);
}

/* SAMR Order 1: device death 7 days, serious injury 20, others 30;
 * NMPA 2022 No. 16: cosmetics serious 15, others 30 */
static void test_tl_device_cosmetic(void **state)
{
	(void)state;
	struct vg_timeliness t = judge(VG_CLASS_DEVICE, VG_SER_DEATH, true, false, "2024-03-01",
	                               "2024-03-09");
	assert_int_equal(t.deadline, 7);
	assert_int_equal(t.days_late, 1);
	t = judge(VG_CLASS_DEVICE, VG_SER_DISABILITY, true, false, "2024-03-01", "2024-03-21");
	assert_int_equal(t.deadline, 20);
	assert_true(t.on_time);
	t = judge(VG_CLASS_DEVICE, 0, false, true, "2024-03-01", "2024-03-21");
	assert_int_equal(t.deadline, 30);
	t = judge(VG_CLASS_COSMETIC, VG_SER_OTHER, true, false, "2024-03-01", "2024-03-20");
	assert_int_equal(t.deadline, 15);
	assert_int_equal(t.days_late, 4);
	t = judge(VG_CLASS_COSMETIC, 0, false, false, "2024-03-01", "2024-03-20");
	assert_int_equal(t.deadline, 30);
	assert_true(t.on_time);
}

static void test_tl_partial_and_unknown(void **state)
{
	(void)state;
	/* aware known to the month: the last day (03-31) is used */
	struct vg_timeliness t = judge(VG_CLASS_DRUG, 0, true, false, "2024-03", "2024-04-15");
	assert_int_equal(t.days_taken, 15);
	assert_true(t.on_time);
	t = judge(VG_CLASS_DRUG, 0, true, false, NULL, "2024-04-15");
	assert_false(t.known);
	assert_false(t.on_time);
	t = judge(VG_CLASS_DRUG, 0, true, false, "2024-04-20", "2024-04-15");
	assert_int_equal(t.days_taken, 0); /* submitted before aware: never negative */
}

static void test_tl_rules_set(void **state)
{
	(void)state;
	struct vg_tl_rules r;
	struct vg_err err = VG_ERR_INIT;
	vg_tl_rules_default(&r);
	assert_int_equal(vg_tl_rules_set(&r, "deadline.drug.other", " 20 ", &err), 0);
	assert_int_equal(r.deadline[VG_TL_DRUG][VG_TL_OTHER], 20);
	assert_int_equal(vg_tl_rules_set(&r, "weight.volume", "1", &err), VG_ENOTFOUND);
	assert_int_equal(vg_tl_rules_set(&r, "deadline.food.other", "1", &err), VG_EINVAL);
	vg_err_clear(&err);
	assert_int_equal(vg_tl_rules_set(&r, "deadline.device.death", "-1", &err), VG_EINVAL);
	assert_string_equal(err.field, "deadline.device.death");
	assert_string_equal(vg_tl_cat_name(VG_TL_NEW), "new");
	assert_string_equal(vg_tl_class_name(VG_TL_COSMETIC), "cosmetic");
	assert_int_equal(vg_tl_class_of(VG_CLASS_FOOD), VG_TL_DRUG);
}

/* ------------------------------------------------------------------ dedup */

static void test_dd_normalise(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(vg_dedup_normalise("  Warfarin-Sodium (5MG)!", out, sizeof(out)),
	                    "warfarin sodium 5mg");
	assert_string_equal(vg_dedup_normalise("阿莫西林 胶囊", out, sizeof(out)), "阿莫西林 胶囊");
	assert_string_equal(vg_dedup_normalise("..", out, sizeof(out)), "");
	assert_string_equal(vg_dedup_normalise("abcdef", out, 4), "abc");
}

static const char *drugs[] = {"paracetamol", "ibuprofen", "aspirin", "amoxicillin",
                              "metformin", "warfarin", "atorvastatin", "omeprazole"};
static const char *events[] = {"rash", "nausea", "headache", "dizziness", "vomiting",
                               "pruritus", "diarrhoea", "fatigue"};

/* 40 background records plus one planted duplicate of record 7. */
static struct vg_dedup *small_set(void)
{
	struct vg_dedup *d = vg_dedup_new();
	for (int i = 0; i < 40; i++) {
		const char *p[2] = {drugs[i % 8], drugs[(i * 3 + 1) % 8]};
		const char *e[2] = {events[(i * 5) % 8], events[(i + 3) % 8]};
		char id[16];
		snprintf(id, sizeof(id), "B%02d", i);
		struct vg_dedup_input in = {
			.case_id = id, .sex = 1 + i % 2, .age_years = 20 + (i * 7) % 60,
			.onset = vg_date_from_days(19000 + i * 11), .country = i % 4 ? "CN" : "US",
			.products = p, .nproducts = 2, .events = e, .nevents = 2,
			.qualification = 1 + i % 5, .completeness = 0.5,
		};
		vg_dedup_add(d, &in);
	}
	/* record 7 (omeprazole + atorvastatin; dizziness + headache; female)
	 * copied with perturbations: a typo in one drug, age missing, onset
	 * shifted by 2 days, re-ordered drugs, one event dropped */
	const char *p[2] = {"atorvastatin", "omeprazol"};
	const char *e[1] = {"headache"};
	struct vg_dedup_input dup = {
		.case_id = "DUP7", .sex = 2, .age_years = NAN,
		.onset = vg_date_from_days(19000 + 7 * 11 + 2), .country = "CN",
		.products = p, .nproducts = 2, .events = e, .nevents = 1,
		.qualification = 3, .completeness = 0.9,
	};
	vg_dedup_add(d, &dup);
	return d;
}

static void test_dd_planted(void **state)
{
	(void)state;
	struct vg_dedup *d = small_set();
	struct vg_err err = VG_ERR_INIT;
	struct vg_dedup_opts o = VG_DEDUP_OPTS_INIT;
	o.threshold = -1000; /* every compared pair */
	assert_int_equal(vg_dedup_run(d, &o, &err), 0);
	assert_true(vg_dedup_npairs(d) >= 1);
	const struct vg_dedup_pair *p = vg_dedup_pair(d, 0);
	assert_string_equal(vg_dedup_case_id(d, p->a), "DUP7"); /* better documented: master */
	assert_string_equal(vg_dedup_case_id(d, p->b), "B07");
	assert_int_equal(p->shared_products, 2); /* one exact, one through the typo */
	assert_int_equal(p->shared_events, 1);
	assert_true(p->weight[VG_DD_AGE] == 0.0); /* missing: no evidence */
	assert_true(p->weight[VG_DD_ONSET] > 0.0);
	char why[256];
	vg_dedup_reasons(d, p, why, sizeof(why));
	assert_non_null(strstr(why, "products+"));
	assert_non_null(strstr(why, "(atorvastatin)"));
	/* headache comes with atorvastatin in the background (records 2, 10,
	 * 18, ...): given the shared drug it is no evidence (event_weight) */
	assert_non_null(strstr(why, "events"));
	assert_true(p->weight[VG_DD_EVENTS] < 0.5);
	double second = vg_dedup_npairs(d) > 1 ? vg_dedup_pair(d, 1)->score : -1e9;
	assert_true(p->score > second + 2.0);
	/* between the two, only the planted pair is reported (in so small a set
	 * the weights are small; the default threshold is for real sizes) */
	o.threshold = (p->score + second) / 2;
	assert_int_equal(vg_dedup_run(d, &o, &err), 0);
	assert_int_equal(vg_dedup_npairs(d), 1);
	assert_true(vg_dedup_compared(d) < 41 * 40 / 2);
	vg_dedup_free(d);
}

static void test_dd_rare_weighs_more(void **state)
{
	(void)state;
	struct vg_dedup *d = vg_dedup_new();
	const char *common[1] = {"paracetamol"}, *rare[1] = {"natalizumab"};
	for (int i = 0; i < 50; i++) {
		struct vg_dedup_input in = {.case_id = "X", .age_years = NAN, .products = common,
		                            .nproducts = 1};
		vg_dedup_add(d, &in);
	}
	struct vg_dedup_input r = {.case_id = "R1", .age_years = NAN, .products = rare,
	                           .nproducts = 1};
	size_t r1 = vg_dedup_add(d, &r);
	r.case_id = "R2";
	size_t r2 = vg_dedup_add(d, &r);
	struct vg_dedup_pair pc, pr;
	vg_dedup_score(d, 0, 1, &pc);
	vg_dedup_score(d, r1, r2, &pr);
	/* log2(0.9 / f): f = 51/53 for the common drug, 3/53 for the rare one */
	assert_float_equal(pc.weight[VG_DD_PRODUCTS], log2(0.9 / (51.0 / 53.0)), 1e-9);
	assert_float_equal(pr.weight[VG_DD_PRODUCTS], log2(0.9 / (3.0 / 53.0)), 1e-9);
	/* a record added later is counted before the next score */
	r.case_id = "R3";
	vg_dedup_add(d, &r);
	vg_dedup_score(d, r1, r2, &pr);
	assert_float_equal(pr.weight[VG_DD_PRODUCTS], log2(0.9 / (4.0 / 54.0)), 1e-9);
	vg_dedup_free(d);
}

/* Three reports of one literature case and an unrelated pair: two groups. */
static void test_dd_groups(void **state)
{
	(void)state;
	struct vg_dedup *d = vg_dedup_new();
	struct vg_err err = VG_ERR_INIT;
	const char *lit[3] = {"etoricoxib", "tramadol", "escitalopram"};
	const char *lev[2] = {"aphasia", "hemianopia"};
	const char *oth[1] = {"natalizumab"}, *oev[1] = {"pml"};
	const char *ids[6] = {"L1", "L2", "L3", "P1", "P2", "X"};
	for (int i = 0; i < 6; i++) {
		bool l = i < 3, x = i == 5;
		struct vg_dedup_input in = {
			.case_id = ids[i], .sex = x ? 1 : 2, .age_years = x ? 20 : l ? 71 : 45,
			.onset = vg_date_from_days(l ? 17000 : 18000), .country = "ES",
			.products = l ? lit : x ? lit + 1 : oth, .nproducts = l ? 3 : 1,
			.events = l ? lev : oev, .nevents = l ? 2 : 1,
			.completeness = i == 1 ? 0.9 : 0.5,
		};
		vg_dedup_add(d, &in);
	}
	struct vg_dedup_opts o = VG_DEDUP_OPTS_INIT;
	o.threshold = -1000; /* every compared pair; X's sex keeps it apart */
	assert_int_equal(vg_dedup_run(d, &o, &err), 0);
	assert_int_equal(vg_dedup_npairs(d), 4); /* L1-L2, L1-L3, L2-L3, P1-P2 */
	uint32_t group[6];
	assert_int_equal(vg_dedup_groups(d, NULL, group), 2);
	assert_int_equal(group[0], group[1]);
	assert_int_equal(group[1], group[2]);
	assert_int_equal(group[3], group[4]);
	assert_true(group[0] != group[3]);
	assert_int_equal(group[5], UINT32_MAX);
	assert_int_equal(vg_dedup_master(d, group, group[0]), 1); /* best documented */
	bool keep[4]; /* P1-P2 rejected by a reviewer */
	for (size_t k = 0; k < 4; k++)
		keep[k] = vg_dedup_case_id(d, vg_dedup_pair(d, k)->a)[0] != 'P';
	assert_int_equal(vg_dedup_groups(d, keep, group), 1);
	assert_int_equal(group[3], UINT32_MAX);
	vg_dedup_free(d);
}

static void test_dd_sex_blocks(void **state)
{
	(void)state;
	struct vg_dedup *d = vg_dedup_new();
	struct vg_err err = VG_ERR_INIT;
	const char *p[1] = {"natalizumab"};
	struct vg_dedup_input a = {.case_id = "A", .sex = 1, .age_years = 40, .products = p,
	                           .nproducts = 1};
	vg_dedup_add(d, &a);
	a.case_id = "B";
	a.sex = 2; /* contradicting sex: never compared */
	vg_dedup_add(d, &a);
	struct vg_dedup_opts o = VG_DEDUP_OPTS_INIT;
	o.threshold = -1000;
	assert_int_equal(vg_dedup_run(d, &o, &err), 0);
	assert_int_equal(vg_dedup_compared(d), 0);
	assert_int_equal(vg_dedup_npairs(d), 0);
	o.threshold = NAN;
	assert_int_equal(vg_dedup_run(d, &o, &err), VG_EINVAL);
	vg_dedup_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmp_full),
		cmocka_unit_test(test_cmp_sex_age),
		cmocka_unit_test(test_cmp_vague_tto),
		cmocka_unit_test(test_cmp_pairs_mean),
		cmocka_unit_test(test_cmp_empty),
		cmocka_unit_test(test_missing_cn),
		cmocka_unit_test(test_tl_drug_death),
		cmocka_unit_test(test_tl_drug),
		cmocka_unit_test(test_tl_device_cosmetic),
		cmocka_unit_test(test_tl_partial_and_unknown),
		cmocka_unit_test(test_tl_rules_set),
		cmocka_unit_test(test_dd_normalise),
		cmocka_unit_test(test_dd_planted),
		cmocka_unit_test(test_dd_rare_weighs_more),
		cmocka_unit_test(test_dd_groups),
		cmocka_unit_test(test_dd_sex_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
