/*
 * test_case.c - the case model: minimum criteria (ICH E2D 5.1.1), every
 * problem at once with paths, version order (E2B(R3) C.1.5 then C.1.2),
 * the JSON codec (round trip, Chinese text, exact bytes of escapes, dates
 * and numbers, malformed input), code names and age conversion (E2B(R3)
 * D.2.2b, D.2.3).
 */
#include "vg.h"
#include "case/case.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static struct vg_arena A;

static int setup(void **state)
{
	(void)state;
	vg_arena_init(&A, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vg_arena_release(&A);
	return 0;
}

static struct vg_date D(const char *s)
{
	struct vg_date d;
	assert_int_equal(vg_date_parse(vg_sv_of(s), &d), 0);
	return d;
}

/* A complete, valid version. */
static struct vg_case_version *full_case(void)
{
	struct vg_case_version *v = vg_case_new(&A);
	v->case_id = "CN-GDADR-2024-000123";
	v->report_id = "CN-GDADR-2024-000123";
	v->source = "api";
	v->report_type = VG_RT_SPONTANEOUS;
	v->initial = true;
	v->created = D("2024-03-01");
	v->received = D("2024-02-28");
	v->latest = D("2024-02-28");
	v->aware = D("2024-02-28");
	v->submitted = D("2024-03-01");
	v->unit = "U001";
	v->country = "CN";
	v->qualification = VG_QUAL_PHYSICIAN;
	v->reporter_name = "李医生";
	v->patient_id = "张某";
	v->sex = VG_SEX_FEMALE;
	v->age_value = 34;
	v->age_unit = "a";
	v->age_years = 34;
	v->weight_kg = 60.5;
	v->serious = true;
	v->seriousness = VG_SER_HOSPITALISATION;
	v->klass = VG_CLASS_DRUG;
	v->stratum = "门诊";
	v->narrative = "患者用药后出现皮疹，停药后好转。\n\"quoted\" \\ tab\t";
	struct vg_product *p = vg_case_add_product(v, &A);
	p->role = VG_ROLE_SUSPECT;
	p->klass = VG_CLASS_DRUG;
	p->name = "阿莫西林胶囊";
	p->ingredient = "amoxicillin";
	p->batch = "B123";
	p->start = D("2024-02-25");
	p->end = D("2024-02-27");
	p->action = 1;
	p = vg_case_add_product(v, &A);
	p->role = VG_ROLE_CONCOMITANT;
	p->name = "Paracetamol 500 mg";
	struct vg_event *e = vg_case_add_event(v, &A);
	e->term = "皮疹";
	e->coded = "Rash";
	e->code = "10037844";
	e->onset = D("2024-02-27");
	e->end = D("2024-03");
	e->outcome = VG_OUTCOME_RECOVERING;
	e->seriousness = VG_SER_HOSPITALISATION;
	struct vg_causality *c = vg_case_add_causality(v, &A);
	c->product = 0;
	c->event = 0;
	c->source = "reporter";
	c->method = "国家中心评价";
	c->result = "很可能";
	return v;
}

static const struct vg_problem *find(const struct vg_problems *p, int kind, const char *field)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].kind == kind && strcmp(p->items[i].field, field) == 0)
			return &p->items[i];
	return NULL;
}

/* ------------------------------------------------------- minimum criteria */

static void test_full_case_valid(void **state)
{
	(void)state;
	struct vg_problems pr;
	vg_problems_init(&pr, &A);
	assert_true(vg_case_validate(full_case(), &pr));
	for (size_t i = 0; i < pr.n; i++)
		print_message("unexpected: %s: %s\n", pr.items[i].field, pr.items[i].msg);
	assert_int_equal(pr.n, 0);
	assert_true(vg_case_is_valid(full_case()));
}

/* ICH E2D 5.1.1: each of the four elements missing alone. */
static void expect_only_minimum(struct vg_case_version *v, const char *field)
{
	struct vg_problems pr;
	vg_problems_init(&pr, &A);
	assert_false(vg_case_validate(v, &pr));
	assert_false(vg_case_is_valid(v));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_MINIMUM), 1);
	assert_non_null(find(&pr, VG_PROBLEM_MINIMUM, field));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_ERROR), 0);
}

static void test_missing_patient(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	v->patient_id = NULL;
	v->sex = VG_SEX_UNKNOWN;
	v->age_value = v->age_years = NAN;
	v->age_unit = NULL;
	v->weight_kg = NAN;
	expect_only_minimum(v, "patient");
	assert_false(vg_case_has_patient(v));
	/* any one element is enough */
	v->sex = VG_SEX_MALE;
	assert_true(vg_case_has_patient(v));
	v->sex = VG_SEX_UNKNOWN;
	v->age_group = VG_AGE_ELDERLY;
	assert_true(vg_case_has_patient(v));
	v->age_group = VG_AGE_UNKNOWN;
	v->birth = D("1990");
	assert_true(vg_case_has_patient(v));
	v->birth = (struct vg_date)VG_DATE_INIT;
	v->patient_id = ""; /* "" is not an identifier */
	assert_false(vg_case_has_patient(v));
}

static void test_missing_reporter(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	v->qualification = VG_QUAL_UNKNOWN;
	v->reporter_name = NULL;
	v->unit = NULL;
	expect_only_minimum(v, "reporter");
	v->reporter_org = "某医院";
	assert_true(vg_case_has_reporter(v));
	v->reporter_org = NULL;
	v->qualification = VG_QUAL_CONSUMER;
	assert_true(vg_case_has_reporter(v));
}

/* docs/DECISIONS.md: a redacted public-release case keeps the patient and
 * reporter elements its agency screened, but still needs product and event. */
static void test_redacted_public_release(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	v->qualification = VG_QUAL_UNKNOWN;
	v->reporter_name = NULL;
	v->reporter_org = NULL;
	v->unit = NULL;
	v->patient_id = NULL;
	v->sex = VG_SEX_UNKNOWN;
	v->age_value = v->age_years = v->weight_kg = NAN;
	v->age_group = VG_AGE_UNKNOWN;
	v->birth.prec = VG_DATE_NONE;
	assert_false(vg_case_is_valid(v));
	v->redacted = true;
	assert_true(vg_case_is_valid(v));
	v->products[0].role = VG_ROLE_CONCOMITANT;
	assert_false(vg_case_is_valid(v));
}

static void test_missing_suspect(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	v->products[0].role = VG_ROLE_CONCOMITANT;
	expect_only_minimum(v, "products");
	/* an interacting product counts as suspect (E2B(R3) G.k.1) */
	v->products[0].role = VG_ROLE_INTERACTING;
	assert_true(vg_case_is_valid(v));
	/* a suspect without a name does not */
	v->products[0].role = VG_ROLE_SUSPECT;
	v->products[0].name = NULL;
	v->products[0].ingredient = NULL;
	assert_false(vg_case_is_valid(v));
}

static void test_missing_event(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	v->events[0].term = NULL;
	v->events[0].coded = NULL;
	v->events[0].code = NULL;
	struct vg_problems pr;
	vg_problems_init(&pr, &A);
	assert_false(vg_case_validate(v, &pr));
	assert_non_null(find(&pr, VG_PROBLEM_MINIMUM, "events"));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_MINIMUM), 1);
	/* no events at all */
	v->nevents = 0;
	v->ncausality = 0;
	expect_only_minimum(v, "events");
	/* a coded term alone is enough */
	vg_case_add_event(v, &A)->coded = "Rash";
	assert_true(vg_case_is_valid(v));
}

/* Every problem at once, each with its path. */
static void test_all_problems(void **state)
{
	(void)state;
	struct vg_case_version *v = vg_case_new(&A);
	v->nullified = true;
	v->submitted = D("2024-01-10");
	v->age_value = 200;
	v->age_unit = "a";
	v->age_years = 200;
	v->weight_kg = 0;
	struct vg_product *p = vg_case_add_product(v, &A);
	p->role = VG_ROLE_CONCOMITANT;
	p->start = D("2023-05-02");
	p->end = D("2023-05-01");
	struct vg_event *e = vg_case_add_event(v, &A);
	e->onset = D("2024-02-01");
	e->end = D("2024-01-31");
	struct vg_causality *c = vg_case_add_causality(v, &A);
	c->product = 1;
	c->event = -1;

	struct vg_problems pr;
	vg_problems_init(&pr, &A);
	assert_false(vg_case_validate(v, &pr));
	/* patient is identified by the (impossible) age and weight */
	assert_null(find(&pr, VG_PROBLEM_MINIMUM, "patient"));
	assert_non_null(find(&pr, VG_PROBLEM_MINIMUM, "reporter"));
	assert_non_null(find(&pr, VG_PROBLEM_MINIMUM, "products"));
	assert_non_null(find(&pr, VG_PROBLEM_MINIMUM, "events"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "case_id"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "patient.age"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "patient.weight_kg"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "products[0].end"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "events[0].onset"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "events[0].end"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "causality[0].product"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "causality[0].event"));
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "nullify_reason"));
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "products[0].name"));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_MINIMUM), 3);
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_ERROR), 8);
	assert_int_equal(vg_problems_count(&pr, 0), pr.n);
}

static void test_partial_dates_not_after(void **state)
{
	(void)state;
	struct vg_case_version *v = full_case();
	struct vg_problems pr;
	/* onset "2024" may be before submission on 2024-03-01: not an error */
	v->events[0].onset = D("2024");
	v->events[0].end = (struct vg_date)VG_DATE_INIT;
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_ERROR), 0);
	/* unknown unit, negative age, future date */
	v->age_unit = "parsecs";
	v->received = D("2999-01-01");
	v->latest = D("2999-01-01");
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "patient.age.unit"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "received"));
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "latest"));
	/* the age range is checked on value + unit when years were not derived */
	v = full_case();
	v->age_years = NAN;
	v->age_value = 20;
	v->age_unit = "{decade}";
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "patient.age"));
	/* age group that contradicts the age */
	v = full_case();
	v->age_group = VG_AGE_ELDERLY;
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "patient.age_group"));
	/* soft issues: country, MedDRA code, onset before the suspect's start */
	v = full_case();
	v->country = "China";
	v->events[0].code = "1003784";
	v->products[0].start = D("2024-02-28");
	v->products[0].end = (struct vg_date)VG_DATE_INIT;
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "country"));
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "events[0].code"));
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "events[0].onset"));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_ERROR), 0);
	/* administrative date order */
	v = full_case();
	v->received = D("2024-03-05");
	v->latest = D("2024-03-05");
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "submitted"));
	assert_non_null(find(&pr, VG_PROBLEM_WARNING, "created"));
	/* C.1.11.1: one value */
	v = full_case();
	v->nullified = v->amendment = true;
	v->nullify_reason = "duplicate";
	vg_problems_init(&pr, &A);
	vg_case_validate(v, &pr);
	assert_non_null(find(&pr, VG_PROBLEM_ERROR, "amendment"));
	assert_int_equal(vg_problems_count(&pr, VG_PROBLEM_WARNING), 0);
}

/* -------------------------------------------------------- version order */

static struct vg_case_version *ver(const char *latest, const char *created)
{
	struct vg_case_version *v = vg_case_new(&A);
	if (latest)
		v->latest = D(latest);
	if (created)
		v->created = D(created);
	return v;
}

/* E2B(R3) C.1.5 first, then C.1.2. */
static void test_version_order(void **state)
{
	(void)state;
	struct vg_case_version *initial = ver("2024-01-10", "2024-01-11");
	struct vg_case_version *followup = ver("2024-02-01", "2024-02-02");
	/* an amendment keeps C.1.5 and has a later C.1.2 */
	struct vg_case_version *amend = ver("2024-02-01", "2024-03-15");
	amend->amendment = true;
	/* exact tie: equal, the store keeps arrival order */
	struct vg_case_version *tie = ver("2024-02-01", "2024-03-15");
	/* a follow-up created before an amendment but with newer info wins */
	struct vg_case_version *late = ver("2024-03-01", "2024-03-02");

	assert_true(vg_case_version_cmp(initial, followup) < 0);
	assert_true(vg_case_version_cmp(followup, initial) > 0);
	assert_true(vg_case_version_cmp(followup, amend) < 0);
	assert_int_equal(vg_case_version_cmp(amend, tie), 0);
	assert_true(vg_case_version_cmp(amend, late) < 0);
	assert_int_equal(vg_case_version_cmp(initial, initial), 0);
	/* C.1.2 with time of day breaks a same-day tie */
	assert_true(vg_case_version_cmp(ver("2024-02-01", "2024-02-02T10:00"),
	                                ver("2024-02-01", "2024-02-02T11:30")) < 0);
	/* unknown C.1.5 sorts first */
	assert_true(vg_case_version_cmp(ver(NULL, "2030-01-01"), initial) < 0);
	assert_int_equal(vg_case_version_cmp(ver(NULL, NULL), ver(NULL, NULL)), 0);
	/* sign is normalised to -1/0/1 */
	assert_int_equal(vg_case_version_cmp(ver("2020", NULL), ver("2024", NULL)), -1);
}

/* ----------------------------------------------------------------- JSON */

static char *to_json(const struct vg_case_version *v)
{
	struct vg_buf b = VG_BUF_INIT(0);
	assert_int_equal(vg_case_to_json(v, &b), 0);
	char *s = vg_arena_strdup(&A, b.p);
	vg_buf_release(&b);
	return s;
}

static struct vg_case_version *from_json(const char *s, struct vg_problems *pr, int want_rc)
{
	struct vg_case_version *v = NULL;
	vg_problems_init(pr, &A);
	int rc = vg_case_from_json(s, strlen(s), &A, &v, pr);
	for (size_t i = 0; want_rc == 0 && i < pr->n; i++)
		print_message("unexpected: %s: %s\n", pr->items[i].field, pr->items[i].msg);
	assert_int_equal(rc, want_rc);
	assert_non_null(v);
	return v;
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct vg_problems pr;
	struct vg_case_version *v = full_case();
	char *j1 = to_json(v);
	struct vg_case_version *w = from_json(j1, &pr, 0);
	char *j2 = to_json(w);
	assert_string_equal(j1, j2);
	/* Chinese text byte-identical */
	assert_string_equal(w->patient_id, "张某");
	assert_string_equal(w->products[0].name, "阿莫西林胶囊");
	assert_string_equal(w->events[0].term, "皮疹");
	assert_string_equal(w->causality[0].result, "很可能");
	assert_string_equal(w->narrative, v->narrative);
	assert_string_equal(w->stratum, "门诊");
	assert_non_null(strstr(j1, "\"term\":\"皮疹\""));
	/* fields */
	assert_int_equal(w->nproducts, 2);
	assert_int_equal(w->products[1].role, VG_ROLE_CONCOMITANT);
	assert_int_equal(w->products[0].action, 1);
	assert_true(w->weight_kg == 60.5);
	assert_true(w->age_years == 34);
	assert_int_equal(w->events[0].end.prec, VG_DATE_MONTH);
	assert_int_equal(w->seriousness, VG_SER_HOSPITALISATION);
	assert_true(w->initial && w->serious && !w->nullified);
	/* fixed key order: the document starts with the id */
	assert_true(strncmp(j1, "{\"case_id\":\"CN-GDADR-2024-000123\",\"report_id\"", 45) == 0);
	/* deep copy encodes the same */
	struct vg_case_version *c = vg_case_copy(v, &A);
	assert_string_equal(to_json(c), j1);
	assert_ptr_not_equal(c->products, v->products);
}

static void test_json_numbers_and_empty(void **state)
{
	(void)state;
	struct vg_problems pr;
	struct vg_case_version *v = vg_case_new(&A);
	assert_string_equal(to_json(v),
	                    "{\"nullified\":false,\"amendment\":false,\"initial\":false,"
	                    "\"serious\":false,\"unexpected\":false,\"redacted\":false}");
	v->weight_kg = 0.1;
	v->age_years = 0.5; /* no value/unit: written in years */
	char *j = to_json(v);
	assert_non_null(strstr(j, "\"weight_kg\":0.1"));
	assert_non_null(strstr(j, "\"age\":{\"value\":0.5,\"unit\":\"a\"}"));
	struct vg_case_version *w = from_json(j, &pr, 0);
	assert_true(w->weight_kg == 0.1);
	assert_true(w->age_years == 0.5);
	assert_string_equal(to_json(w), j);
	/* integers, nulls, "" as unknown, month age */
	w = from_json("{\"case_id\":\"X\",\"country\":\"\",\"region\":null,"
	              "\"patient\":{\"age\":{\"value\":18,\"unit\":\"月\"},\"sex\":\"女\"}}",
	              &pr, 0);
	assert_null(w->country);
	assert_null(w->region);
	assert_true(fabs(w->age_years - 1.5) < 1e-12);
	assert_int_equal(w->sex, VG_SEX_FEMALE);
}

/* Every key of the layout, given out of order, encodes in the fixed order. */
static void test_json_all_keys_canonical(void **state)
{
	(void)state;
	static const char canonical[] =
		"{\"case_id\":\"C1\",\"report_id\":\"R1\",\"source\":\"api\",\"source_version\":\"2\","
		"\"report_type\":\"study\",\"nullified\":true,\"amendment\":false,\"initial\":false,"
		"\"nullify_reason\":\"重复报告\",\"created\":\"2024-03-01T10:15:00\",\"received\":\"2024-02\","
		"\"latest\":\"2024-02-28\",\"aware\":\"2024-02-27\",\"submitted\":\"2024-03-01\","
		"\"unit\":\"U9\",\"country\":\"CN\",\"region\":\"440100\","
		"\"reporter\":{\"qualification\":\"pharmacist\",\"name\":\"王\",\"org\":\"某院\",\"phone\":\"123\"},"
		"\"patient\":{\"id\":\"LM\",\"sex\":\"male\",\"age\":{\"value\":3,\"unit\":\"mo\"},"
		"\"age_group\":\"infant\",\"weight_kg\":6.25,\"birth\":\"2023-11\"},"
		"\"serious\":true,\"unexpected\":true,\"redacted\":false,\"seriousness\":[\"death\",\"other\"],"
		"\"class\":\"device\",\"narrative\":\"line1\\nline2\",\"stratum\":\"s\","
		"\"products\":[{\"role\":\"interacting\",\"class\":\"device\",\"name\":\"输液泵\","
		"\"ingredient\":\"infusion pump\",\"manufacturer\":\"M\",\"batch\":\"L1\",\"route\":\"iv\","
		"\"dose\":\"n/a\",\"indication\":\"I\",\"approval_no\":\"国械注准20203140001\","
		"\"device_model\":\"X-1\",\"udi\":\"(01)0123\",\"category\":\"14-02\",\"start\":\"2024-02-20\","
		"\"end\":\"2024-02-21\",\"action\":9}],"
		"\"events\":[{\"term\":\"过敏\",\"coded\":\"Hypersensitivity\",\"code\":\"10020751\","
		"\"onset\":\"2024-02-21\",\"end\":\"2024-02-22\",\"outcome\":\"fatal\","
		"\"seriousness\":[\"death\"]}],"
		"\"causality\":[{\"product\":0,\"event\":0,\"source\":\"reporter\",\"method\":\"WHO-UMC\","
		"\"result\":\"possible\"}]}";
	struct vg_problems pr;
	struct vg_case_version *v = from_json(canonical, &pr, 0);
	assert_string_equal(to_json(v), canonical);
	assert_true(v->nullified && v->unexpected);
	assert_int_equal(v->created.prec, VG_DATE_SECOND);
	assert_true(fabs(v->age_years - 0.25) < 1e-12);
	assert_int_equal(v->seriousness, VG_SER_DEATH | VG_SER_OTHER);
	assert_int_equal(v->products[0].action, 9);
	assert_string_equal(v->products[0].approval_no, "国械注准20203140001");

	/* the same document with keys in another order and synonyms */
	static const char shuffled[] =
		"{\"causality\":[{\"result\":\"possible\",\"method\":\"WHO-UMC\",\"source\":\"reporter\","
		"\"event\":0,\"product\":0}],\"stratum\":\"s\",\"narrative\":\"line1\\nline2\","
		"\"class\":\"医疗器械\",\"seriousness\":[\"other\",\"Results in death\"],\"unexpected\":true,"
		"\"serious\":true,\"patient\":{\"birth\":\"202311\",\"weight_kg\":6.25,\"age_group\":\"婴儿\","
		"\"age\":{\"unit\":\"mo\",\"value\":3.0},\"sex\":\"M\",\"id\":\"LM\"},"
		"\"reporter\":{\"phone\":\"123\",\"org\":\"某院\",\"name\":\"王\",\"qualification\":\"药师\"},"
		"\"region\":\"440100\",\"country\":\"CN\",\"unit\":\"U9\",\"submitted\":\"20240301\","
		"\"aware\":\"2024-02-27\",\"latest\":\"2024-02-28\",\"received\":\"2024-02\","
		"\"created\":\"20240301101500+0800\",\"nullify_reason\":\"重复报告\",\"initial\":false,"
		"\"amendment\":false,\"nullified\":true,\"report_type\":\"2\",\"source_version\":\"2\","
		"\"source\":\"api\",\"report_id\":\"R1\",\"case_id\":\"C1\","
		"\"events\":[{\"seriousness\":[\"fatal\"],\"outcome\":\"死亡\",\"end\":\"2024-02-22\","
		"\"onset\":\"2024-02-21\",\"code\":\"10020751\",\"coded\":\"Hypersensitivity\",\"term\":\"过敏\"}],"
		"\"products\":[{\"action\":9,\"end\":\"2024-02-21\",\"start\":\"2024-02-20\",\"category\":\"14-02\","
		"\"udi\":\"(01)0123\",\"device_model\":\"X-1\",\"approval_no\":\"国械注准20203140001\","
		"\"indication\":\"I\",\"dose\":\"n/a\",\"route\":\"iv\",\"batch\":\"L1\",\"manufacturer\":\"M\","
		"\"ingredient\":\"infusion pump\",\"name\":\"输液泵\",\"class\":\"device\",\"role\":\"interacting\"}]}";
	v = from_json(shuffled, &pr, 0);
	assert_string_equal(to_json(v), canonical);

	/* the jansson entry point used by the HTTP API */
	json_error_t jerr;
	json_t *j = json_loads(canonical, 0, &jerr);
	assert_non_null(j);
	vg_problems_init(&pr, &A);
	assert_int_equal(vg_case_from_jansson(j, &A, &v, &pr), 0);
	assert_string_equal(to_json(v), canonical);
	json_decref(j);
}

/* The exact bytes of a document whose values are the encoder's hard cases:
 * control characters, quotes, backslashes, Chinese text, U+2028/U+2029
 * (copied, not escaped), a date of every precision, integers at the ends of
 * int, numbers that are and are not integral.  The store hashes these
 * bytes, so any change to them re-hashes every stored version. */
static void test_json_exact_bytes(void **state)
{
	(void)state;
	static const char want[] =
		"{\"case_id\":\"CN\\u0001\\u001f-\\\"q\\\"\\\\\",\"report_id\":\"报告\xe2\x80\xa8行\xe2\x80\xa9\","
		"\"source\":\"api\",\"report_type\":\"spontaneous\",\"nullified\":false,"
		"\"amendment\":false,\"initial\":true,\"created\":\"2024-03-01T10:15:07\","
		"\"received\":\"2024-02-28\",\"latest\":\"2024-02-28T09\",\"aware\":\"2024-02\","
		"\"submitted\":\"2024\",\"reporter\":{\"qualification\":\"physician\"},"
		"\"patient\":{\"age\":{\"value\":34,\"unit\":\"a\"},\"weight_kg\":1e+15,"
		"\"birth\":\"1990-05-06T07:08\"},\"serious\":true,\"unexpected\":false,\"redacted\":false,"
		"\"seriousness\":[\"death\",\"life_threatening\",\"hospitalisation\",\"disability\","
		"\"congenital\",\"other\"],"
		"\"narrative\":\"第一行\\n\\t\\\"引用\\\" back\\\\slash\\r\x7f\\u0008end\","
		"\"products\":[{\"role\":\"suspect\",\"name\":\"阿莫西林\",\"start\":\"0999-01-02\","
		"\"action\":-2147483648},{\"role\":\"concomitant\",\"action\":2147483647},"
		"{\"action\":-1}],"
		"\"events\":[{\"term\":\"皮疹\",\"onset\":\"2024-02-27T08:05:00\",\"outcome\":\"fatal\","
		"\"seriousness\":[\"other\"]}],"
		"\"causality\":[{\"product\":0,\"event\":-7},{\"product\":2147483647,\"event\":0}]}";
	struct vg_case_version *v = vg_case_new(&A);
	struct vg_product *p;
	struct vg_event *e;
	struct vg_causality *c;

	v->case_id = "CN\x01\x1f-\"q\"\\";
	v->report_id = "报告\xe2\x80\xa8行\xe2\x80\xa9";
	v->source = "api";
	v->report_type = VG_RT_SPONTANEOUS;
	v->initial = true;
	v->created = D("2024-03-01T10:15:07");
	v->received = D("20240228");
	v->latest = D("2024022809");
	v->aware = D("2024-02");
	v->submitted = D("2024");
	v->qualification = VG_QUAL_PHYSICIAN;
	v->age_value = 34;
	v->age_unit = "a";
	v->weight_kg = 1e15;
	v->birth = D("1990-05-06T07:08");
	v->serious = true;
	v->seriousness = VG_SER_ALL;
	v->narrative = "第一行\n\t\"引用\" back\\slash\r\x7f\bend";
	p = vg_case_add_product(v, &A);
	p->role = VG_ROLE_SUSPECT;
	p->name = "阿莫西林";
	p->start = D("09990102");
	p->action = INT_MIN;
	p = vg_case_add_product(v, &A);
	p->role = VG_ROLE_CONCOMITANT;
	p->action = INT_MAX;
	vg_case_add_product(v, &A)->action = -1;
	e = vg_case_add_event(v, &A);
	e->term = "皮疹";
	e->onset = D("20240227080500");
	e->outcome = VG_OUTCOME_FATAL;
	e->seriousness = VG_SER_OTHER;
	c = vg_case_add_causality(v, &A);
	c->event = -7;
	vg_case_add_causality(v, &A)->product = INT_MAX;
	assert_string_equal(to_json(v), want);
}

/* Numbers: integral values as their digits, others in the shortest %g form
 * that reads back to the same double (15, 16 or 17 digits). */
static void test_json_exact_numbers(void **state)
{
	(void)state;
	static const struct {
		double x;
		const char *want;
	} cases[] = {
		{0, "0"}, {-0.0, "-0"}, {1, "1"}, {-1, "-1"}, {60.5, "60.5"}, {0.1, "0.1"},
		{-2.25, "-2.25"}, {100000, "100000"}, {999999999999999, "999999999999999"},
		{-999999999999999, "-999999999999999"}, {1e15, "1e+15"}, {-1e15, "-1e+15"},
		{123456789012345678.0, "1.2345678901234568e+17"}, {1e-7, "1e-07"},
		{1.0 / 3, "0.3333333333333333"}, {0.1 + 0.2, "0.30000000000000004"},
		{4503599627370497.0, "4503599627370497"}, {1e300, "1e+300"},
	};

	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		struct vg_case_version *v = vg_case_new(&A);
		char want[256];
		v->weight_kg = cases[i].x;
		snprintf(want, sizeof(want),
		         "{\"nullified\":false,\"amendment\":false,\"initial\":false,"
		         "\"patient\":{\"weight_kg\":%s},"
		         "\"serious\":false,\"unexpected\":false,\"redacted\":false}",
		         cases[i].want);
		assert_string_equal(to_json(v), want);
	}
}

static void test_json_errors(void **state)
{
	(void)state;
	struct vg_problems pr;
	from_json("{\"case_id\": \"X\",", &pr, VG_EPARSE);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.items[0].field, "");
	assert_non_null(strstr(pr.items[0].msg, "line 1"));
	from_json("[1,2]", &pr, VG_EPARSE);
	from_json("{\"case_id\":\"a\",\"case_id\":\"b\"}", &pr, VG_EPARSE);
	from_json("{\"case_id\":\"\xff\xfe\"}", &pr, VG_EPARSE);
	from_json("{\"case_id\":\"a\\u0000b\"}", &pr, VG_EPARSE);

	struct vg_case_version *v = from_json(
		"{\"case_id\": 12, \"bogus\": 1, \"latest\": \"2024-02-30\", \"created\": 20240101,"
		" \"nullified\": \"yes\", \"report_type\": \"gossip\","
		" \"patient\": {\"sex\": \"x\", \"age\": {\"value\": \"34\", \"units\": \"a\"}},"
		" \"reporter\": [],"
		" \"seriousness\": [\"death\", \"sneezing\", 3],"
		" \"products\": [{\"role\": \"suspect\", \"name\": \"A\"}, {\"role\": \"PS\", \"colour\": 1},"
		"               7],"
		" \"events\": {\"term\": \"x\"},"
		" \"causality\": [{\"product\": 0.5, \"event\": \"0\"}]}",
		&pr, VG_EPARSE);
	static const char *const paths[] = {
		"case_id", "bogus", "latest", "created", "nullified", "report_type",
		"patient.sex", "patient.age.value", "patient.age.units", "reporter",
		"seriousness[1]", "seriousness[2]", "products[1].role", "products[1].colour",
		"products[2]", "events", "causality[0].product", "causality[0].event"};
	for (size_t i = 0; i < VG_ARRAY_LEN(paths); i++) {
		if (!find(&pr, VG_PROBLEM_ERROR, paths[i]))
			print_message("missing problem at %s\n", paths[i]);
		assert_non_null(find(&pr, VG_PROBLEM_ERROR, paths[i]));
	}
	assert_int_equal(pr.n, VG_ARRAY_LEN(paths));
	/* what was fine was still read, indices stay aligned */
	assert_int_equal(v->nproducts, 3);
	assert_string_equal(v->products[0].name, "A");
	assert_int_equal(v->seriousness, VG_SER_DEATH);
}

static void test_json_buffer_cap(void **state)
{
	(void)state;
	struct vg_buf b = VG_BUF_INIT(32);
	assert_int_equal(vg_case_to_json(full_case(), &b), VG_ETOOBIG);
	assert_int_equal(b.len, 0);
	vg_buf_release(&b);
	/* a code outside its list cannot be encoded */
	struct vg_case_version *v = vg_case_new(&A);
	v->sex = 7;
	struct vg_buf b2 = VG_BUF_INIT(0);
	assert_int_equal(vg_case_to_json(v, &b2), VG_EINVAL);
	vg_buf_release(&b2);
}

/* ---------------------------------------------------------------- codes */

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(vg_sex_parse("F"), VG_SEX_FEMALE);
	assert_int_equal(vg_sex_parse(" female "), VG_SEX_FEMALE);
	assert_int_equal(vg_sex_parse("男"), VG_SEX_MALE);
	assert_int_equal(vg_sex_parse("女"), VG_SEX_FEMALE);
	assert_int_equal(vg_sex_parse("2"), VG_SEX_FEMALE);
	assert_int_equal(vg_sex_parse("3"), -1);
	assert_int_equal(vg_sex_parse(""), -1);
	assert_int_equal(vg_sex_parse(NULL), -1);
	assert_int_equal(vg_role_parse("Suspect"), VG_ROLE_SUSPECT);
	assert_int_equal(vg_role_parse("怀疑"), VG_ROLE_SUSPECT);
	assert_int_equal(vg_role_parse("Drug not administered"), VG_ROLE_NOT_ADMINISTERED);
	assert_int_equal(vg_role_parse("PS"), -1); /* FAERS codes belong to ingest */
	assert_int_equal(vg_outcome_parse("好转"), VG_OUTCOME_RECOVERING);
	assert_int_equal(vg_outcome_parse("Recovered/Resolved with sequelae"), VG_OUTCOME_SEQUELAE);
	assert_int_equal(vg_outcome_parse("5"), VG_OUTCOME_FATAL);
	assert_int_equal(vg_class_parse("医疗器械"), VG_CLASS_DEVICE);
	assert_int_equal(vg_class_parse("COSMETIC"), VG_CLASS_COSMETIC);
	assert_int_equal(vg_qualification_parse("护士"), VG_QUAL_OTHER_HCP);
	assert_int_equal(vg_qualification_parse("Other health professional"), VG_QUAL_OTHER_HCP);
	assert_int_equal(vg_report_type_parse("Report from study"), VG_RT_STUDY);
	assert_int_equal(vg_age_group_parse("Fetus"), VG_AGE_FOETUS);
	assert_int_equal(vg_age_group_from_e2b(0), VG_AGE_FOETUS);
	assert_int_equal(vg_age_group_from_e2b(6), VG_AGE_ELDERLY);
	assert_int_equal(vg_age_group_from_e2b(7), -1);
	assert_int_equal(vg_serious_parse("Life-threatening"), VG_SER_LIFE_THREATENING);
	assert_int_equal(vg_serious_parse("hospitalization"), VG_SER_HOSPITALISATION);
	assert_int_equal(vg_serious_parse("危及生命"), VG_SER_LIFE_THREATENING);
	assert_int_equal(vg_serious_parse("sneeze"), -1);
	assert_null(vg_sex_name(3));
	assert_null(vg_class_name(-1));
	/* every canonical name parses back to itself */
	for (int i = 0; i < VG_CLASS_COUNT; i++)
		assert_int_equal(vg_class_parse(vg_class_name(i)), i);
	for (int i = 0; i < VG_ROLE_COUNT; i++)
		assert_int_equal(vg_role_parse(vg_role_name(i)), i);
	for (int i = 0; i < VG_OUTCOME_COUNT; i++)
		assert_int_equal(vg_outcome_parse(vg_outcome_name(i)), i);
	for (int i = 0; i < VG_RT_COUNT; i++)
		assert_int_equal(vg_report_type_parse(vg_report_type_name(i)), i);
	for (int i = 0; i < VG_QUAL_COUNT; i++)
		assert_int_equal(vg_qualification_parse(vg_qualification_name(i)), i);
	for (int i = 0; i < VG_AGE_COUNT; i++)
		assert_int_equal(vg_age_group_parse(vg_age_group_name(i)), i);
	for (int i = 0; i < 6; i++)
		assert_int_equal(vg_serious_parse(vg_serious_names[i]), 1 << i);
}

/* ------------------------------------------------------------------ age */

/* E2B(R3) D.2.2b units, words, Chinese; D.2.3 groups. */
static void test_age(void **state)
{
	(void)state;
	assert_true(vg_case_age_years(34, "a") == 34);
	assert_true(vg_case_age_years(34, "Years") == 34);
	assert_true(vg_case_age_years(34, "岁") == 34);
	assert_true(vg_case_age_years(34, "Year(s)") == 34);
	assert_true(vg_case_age_years(6, " Month(s)") == 0.5);
	assert_true(vg_case_age_years(6, "mo") == 0.5);
	assert_true(vg_case_age_years(18, "Months") == 1.5);
	assert_true(vg_case_age_years(3, "{decade}") == 30);
	assert_true(vg_case_age_years(3, "Decades") == 30);
	assert_true(fabs(vg_case_age_years(365.2425, "d") - 1) < 1e-12);
	assert_true(fabs(vg_case_age_years(2, "天") - 2 / 365.2425) < 1e-12);
	assert_true(fabs(vg_case_age_years(52, "周") - 52 * 7 / 365.2425) < 1e-12);
	assert_true(fabs(vg_case_age_years(24, "小时") - 1 / 365.2425) < 1e-12);
	assert_true(fabs(vg_case_age_years(1440, "min") - 1 / 365.2425) < 1e-12);
	assert_true(fabs(vg_case_age_years(1, "Week") - 7 / 365.2425) < 1e-12);
	assert_true(vg_case_age_years(6, "802") == 0.5); /* E2B(R2) B.1.2.2.1b */
	assert_true(vg_case_age_years(4, "800") == 40);
	assert_true(vg_case_age_years(70, "YR") == 70);   /* FAERS AGE_COD */
	assert_true(isnan(vg_case_age_years(3, "fortnights")));
	assert_true(isnan(vg_case_age_years(3, "806")));
	assert_true(isnan(vg_case_age_years(3, NULL)));
	assert_true(isnan(vg_case_age_years(NAN, "a")));

	assert_int_equal(vg_case_age_group_of(NAN), VG_AGE_UNKNOWN);
	assert_int_equal(vg_case_age_group_of(-1), VG_AGE_UNKNOWN);
	assert_int_equal(vg_case_age_group_of(vg_case_age_years(27, "d")), VG_AGE_NEONATE);
	assert_int_equal(vg_case_age_group_of(vg_case_age_years(28, "d")), VG_AGE_INFANT);
	assert_int_equal(vg_case_age_group_of(vg_case_age_years(23, "mo")), VG_AGE_INFANT);
	assert_int_equal(vg_case_age_group_of(2), VG_AGE_CHILD);
	assert_int_equal(vg_case_age_group_of(11.9), VG_AGE_CHILD);
	assert_int_equal(vg_case_age_group_of(12), VG_AGE_ADOLESCENT);
	assert_int_equal(vg_case_age_group_of(18), VG_AGE_ADULT);
	assert_int_equal(vg_case_age_group_of(64.99), VG_AGE_ADULT);
	assert_int_equal(vg_case_age_group_of(65), VG_AGE_ELDERLY);
}

static void test_arrays_grow_and_clear(void **state)
{
	(void)state;
	struct vg_case_version *v = vg_case_new(&A);
	for (int i = 0; i < 100; i++) {
		struct vg_product *p = vg_case_add_product(v, &A);
		p->name = vg_arena_printf(&A, "p%d", i);
		vg_case_add_event(v, &A)->code = "1";
		vg_case_add_causality(v, &A)->product = i;
	}
	assert_int_equal(v->nproducts, 100);
	assert_string_equal(v->products[0].name, "p0");
	assert_string_equal(v->products[99].name, "p99");
	assert_int_equal(v->causality[57].product, 57);
	vg_case_clear(v);
	assert_int_equal(v->nproducts, 0);
	assert_true(isnan(v->age_years) && isnan(v->weight_kg));
	assert_int_equal(vg_case_add_product(v, &A)->role, 0);
	assert_null(v->products[0].name);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(test_full_case_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_patient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_reporter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_suspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redacted_public_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_dates_not_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_numbers_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_all_keys_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_exact_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_exact_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_buffer_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrays_grow_and_clear, setup, teardown),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
