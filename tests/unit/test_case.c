/*
 * test_case.c - the case model: minimum criteria (ICH E2D 5.1.1), every
 * problem at once with paths, version order (E2B(R3) C.1.5 then C.1.2),
 * the JSON codec (round trip, Chinese text, exact bytes of escapes, dates
 * and numbers, malformed input), the binary form (round trip to the same
 * JSON and the same struct, exact bytes, truncated, trailing and malformed
 * bytes, the cap), code names and age conversion (E2B(R3) D.2.2b, D.2.3).
 */
#include "vg.h"
#include "case/case.h"
#include "case/case_int.h"

#include <jansson.h>
#include <float.h>
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

/* An initial spontaneous report sent through the API. */
static struct vg_case_version *api_report(const char *case_id, const char *report_id)
{
	struct vg_case_version *v = vg_case_new(&A);
	v->case_id = case_id;
	v->report_id = report_id;
	v->source = "api";
	v->report_type = VG_RT_SPONTANEOUS;
	v->initial = true;
	return v;
}

/* The version's five dates, in the order the JSON form writes them. */
static void set_dates(struct vg_case_version *v, const char *created, const char *received,
                      const char *latest, const char *aware, const char *submitted)
{
	v->created = D(created);
	v->received = D(received);
	v->latest = D(latest);
	v->aware = D(aware);
	v->submitted = D(submitted);
}

/* The patient: a woman of 34 years (34 "a"), 60.5 kg. */
static void set_woman_of_34(struct vg_case_version *v)
{
	v->sex = VG_SEX_FEMALE;
	v->age_value = 34;
	v->age_unit = "a";
	v->age_years = 34;
	v->weight_kg = 60.5;
}

/* A complete, valid version. */
static struct vg_case_version *full_case(void)
{
	struct vg_case_version *v = api_report("CN-GDADR-2024-000123", "CN-GDADR-2024-000123");
	set_dates(v, "2024-03-01", "2024-02-28", "2024-02-28", "2024-02-28", "2024-03-01");
	v->unit = "U001";
	v->country = "CN";
	v->qualification = VG_QUAL_PHYSICIAN;
	v->reporter_name = "李医生";
	v->patient_id = "张某";
	set_woman_of_34(v);
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
	struct vg_case_version *v = api_report("CN\x01\x1f-\"q\"\\", "报告\xe2\x80\xa8行\xe2\x80\xa9");
	struct vg_product *p;
	struct vg_event *e;
	struct vg_causality *c;

	set_dates(v, "2024-03-01T10:15:07", "20240228", "2024022809", "2024-02", "2024");
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

/* ----------------------------------------------------------- binary form */

static struct vg_buf to_bin(const struct vg_case_version *v)
{
	struct vg_buf b = VG_BUF_INIT(0);
	assert_int_equal(vg_case_to_bin(v, &b), 0);
	return b;
}

static struct vg_case_version *from_bin(const struct vg_buf *b)
{
	struct vg_case_version *v = NULL;
	assert_int_equal(vg_case_from_bin(b->p, b->len, &A, &v), 0);
	assert_non_null(v);
	return v;
}

/* Rejected, and *out NULL. */
static void bin_bad(const void *p, size_t len)
{
	struct vg_case_version *v = (struct vg_case_version *)&v;
	assert_int_equal(vg_case_from_bin(p, len, &A, &v), VG_EPARSE);
	assert_null(v);
}

static void same_str(const char *a, const char *b, const char *what)
{
	if (!a || !b) {
		if (a != b)
			print_message("%s: %s vs %s\n", what, a ? a : "NULL", b ? b : "NULL");
		assert_true(a == b);
	} else {
		assert_string_equal(a, b);
	}
}

static void same_date(struct vg_date a, struct vg_date b)
{
	assert_int_equal(a.prec, b.prec);
	assert_int_equal(a.year, b.year);
	assert_int_equal(a.month, b.month);
	assert_int_equal(a.day, b.day);
	assert_int_equal(a.hour, b.hour);
	assert_int_equal(a.minute, b.minute);
	assert_int_equal(a.second, b.second);
}

/* Bitwise, so NaN equals NaN and -0 differs from 0. */
static void same_num(double a, double b)
{
	assert_memory_equal(&a, &b, sizeof(a));
}

#define SS(f) same_str(a->f, b->f, #f)

static void same_product(const struct vg_product *a, const struct vg_product *b)
{
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->klass, b->klass);
	SS(name); SS(ingredient); SS(manufacturer); SS(batch); SS(route); SS(dose);
	SS(indication); SS(approval_no); SS(device_model); SS(udi); SS(category);
	same_date(a->start, b->start);
	same_date(a->end, b->end);
	assert_int_equal(a->action, b->action);
}

static void same_event(const struct vg_event *a, const struct vg_event *b)
{
	SS(term); SS(coded); SS(code);
	same_date(a->onset, b->onset);
	same_date(a->end, b->end);
	assert_int_equal(a->outcome, b->outcome);
	assert_int_equal(a->seriousness, b->seriousness);
}

static void same_causality(const struct vg_causality *a, const struct vg_causality *b)
{
	assert_int_equal(a->product, b->product);
	assert_int_equal(a->event, b->event);
	SS(source); SS(method); SS(result);
}

static void same_head(const struct vg_case_version *a, const struct vg_case_version *b)
{
	SS(case_id); SS(report_id); SS(source); SS(source_version); SS(nullify_reason);
	SS(unit); SS(country); SS(region); SS(reporter_name); SS(reporter_org);
	SS(reporter_phone); SS(patient_id); SS(age_unit); SS(narrative); SS(stratum);
	assert_int_equal(a->report_type, b->report_type);
	assert_true(a->nullified == b->nullified && a->amendment == b->amendment);
	assert_true(a->initial == b->initial && a->serious == b->serious);
	assert_true(a->unexpected == b->unexpected && a->redacted == b->redacted);
	same_date(a->created, b->created);
	same_date(a->received, b->received);
	same_date(a->latest, b->latest);
	same_date(a->aware, b->aware);
	same_date(a->submitted, b->submitted);
	same_date(a->birth, b->birth);
	assert_int_equal(a->qualification, b->qualification);
	assert_int_equal(a->sex, b->sex);
	assert_int_equal(a->age_group, b->age_group);
	assert_int_equal(a->seriousness, b->seriousness);
	assert_int_equal(a->klass, b->klass);
	same_num(a->age_years, b->age_years);
	same_num(a->age_value, b->age_value);
	same_num(a->weight_kg, b->weight_kg);
}

#undef SS

/* Every field of the two versions, arrays included (not the arrays' caps). */
static void same_version(const struct vg_case_version *a, const struct vg_case_version *b)
{
	same_head(a, b);
	assert_int_equal(a->nproducts, b->nproducts);
	assert_int_equal(a->nevents, b->nevents);
	assert_int_equal(a->ncausality, b->ncausality);
	for (size_t i = 0; i < a->nproducts; i++)
		same_product(&a->products[i], &b->products[i]);
	for (size_t i = 0; i < a->nevents; i++)
		same_event(&a->events[i], &b->events[i]);
	for (size_t i = 0; i < a->ncausality; i++)
		same_causality(&a->causality[i], &b->causality[i]);
}

/* decode(encode(v)): same JSON as v, same struct as want (v when NULL),
 * and re-encoding gives the same bytes. */
static struct vg_case_version *bin_trip(const struct vg_case_version *v,
                                        const struct vg_case_version *want)
{
	struct vg_buf b = to_bin(v), b2;
	struct vg_case_version *w = from_bin(&b);

	assert_int_equal((unsigned char)b.p[0], VG_CASE_BIN_MAGIC);
	assert_string_equal(to_json(w), to_json(v));
	same_version(w, want ? want : v);
	b2 = to_bin(w);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.p, b.p, b.len);
	vg_buf_release(&b);
	vg_buf_release(&b2);
	return w;
}

/* Every field set, every kind at its edges: dates of every precision,
 * codes at the end of their lists, INT_MIN/INT_MAX, doubles in each of the
 * three number forms, Chinese text, a string longer than the encoder's
 * staging area. */
static struct vg_case_version *rich_case(void)
{
	struct vg_case_version *v = full_case();
	char *big = vg_arena_alloc(&A, 5001);

	for (int i = 0; i < 5000; i++)
		big[i] = "患者用药后出现皮疹"[i % 27];
	big[4999 - 4999 % 27] = '\0';
	v->source_version = "3";
	v->report_type = VG_RT_NOT_AVAILABLE;
	v->nullified = v->amendment = v->unexpected = v->redacted = true;
	v->nullify_reason = "重复报告";
	set_dates(v, "2024-03-01T10:15:07", "2024-02-28T23:59", "2024022809", "9999-12-31", "0001");
	v->region = "440100";
	v->qualification = VG_QUAL_CONSUMER;
	v->reporter_org = "某医院";
	v->reporter_phone = "+86 20 1234 5678";
	v->age_group = VG_AGE_ELDERLY;
	v->weight_kg = 1.0 / 3; /* the 8-byte form */
	v->birth = D("1950-02");
	v->seriousness = VG_SER_ALL;
	v->klass = VG_CLASS_FOOD;
	v->narrative = big;
	v->products[1].klass = VG_CLASS_COSMETIC;
	v->products[1].manufacturer = "制造商";
	v->products[1].route = "口服";
	v->products[1].dose = "10 mg qd";
	v->products[1].indication = "发热";
	v->products[1].approval_no = "国药准字H20000001";
	v->products[1].device_model = "X-1";
	v->products[1].udi = "(01)0123";
	v->products[1].category = "14-02";
	v->products[1].action = INT_MIN;
	v->products[0].action = INT_MAX;
	v->products[1].start = D("2024");
	v->events[0].outcome = VG_OUTCOME_FATAL;
	v->causality[0].product = INT_MAX;
	v->causality[0].event = INT_MIN;
	return v;
}

static void test_bin_round_trip(void **state)
{
	(void)state;
	struct vg_problems pr;
	struct vg_case_version *v = rich_case(), *w;

	w = bin_trip(v, NULL);
	assert_string_equal(w->products[0].name, "阿莫西林胶囊");
	assert_true(w->age_years == 34);
	assert_int_equal(w->products_cap, 2); /* arrays as long as their counts */
	/* the struct the JSON decoder gives, field by field (no "" and no -0
	 * here: those the JSON decoder does not keep) */
	same_version(bin_trip(v, NULL), from_json(to_json(v), &pr, 0));
	/* a decoded version grows like any other */
	vg_case_add_product(w, &A)->name = "more";
	vg_case_add_event(w, &A);
	assert_int_equal(w->nproducts, 3);
	assert_string_equal(w->products[0].name, "阿莫西林胶囊");
	/* the empty version, and one with empty arrays */
	bin_trip(vg_case_new(&A), NULL);
	v = full_case();
	v->nproducts = v->nevents = v->ncausality = 0;
	bin_trip(v, NULL);
}

/* Many elements, each with something different. */
static void test_bin_many_elements(void **state)
{
	(void)state;
	struct vg_case_version *v = vg_case_new(&A);

	for (int i = 0; i < 1000; i++) {
		struct vg_product *p = vg_case_add_product(v, &A);
		p->role = i % VG_ROLE_COUNT;
		p->name = i % 3 ? vg_arena_printf(&A, "药品%d", i) : NULL;
		p->action = i - 500;
		struct vg_event *e = vg_case_add_event(v, &A);
		e->code = vg_arena_printf(&A, "%d", 10000000 + i);
		e->seriousness = (unsigned)i & VG_SER_ALL;
		e->onset = vg_date_from_days(i * 37 - 20000);
		struct vg_causality *c = vg_case_add_causality(v, &A);
		c->product = i;
		c->event = 999 - i;
	}
	bin_trip(v, NULL);
}

/* Where the JSON form and the JSON decoder differ, the binary form keeps
 * what the JSON encoder writes; what the JSON form drops, it drops. */
static void test_bin_json_equivalence(void **state)
{
	(void)state;
	struct vg_case_version *v = vg_case_new(&A), *want;

	v->case_id = "";          /* "" is written as "", not omitted */
	v->weight_kg = -0.0;      /* "-0" */
	v->age_years = 0.5;       /* only years: {"value":0.5,"unit":"a"} */
	v->seriousness = 0x1C0 | VG_SER_DEATH; /* bits past VG_SER_ALL dropped */
	v->created = D("2024-03-01T10:15:07");
	v->created.prec = 9;      /* above seconds: written as seconds */
	v->latest = (struct vg_date){2024, 3, 1, 7, 0, 0, VG_DATE_MONTH}; /* day, hour dropped */
	v->products = NULL;
	vg_case_add_event(v, &A)->end = (struct vg_date){-32768, -128, 127, 24, 60, 61,
	                                                  VG_DATE_SECOND}; /* the raw form */
	vg_case_add_event(v, &A)->onset = (struct vg_date){32767, 15, 31, 31, 63, 63,
	                                                    VG_DATE_SECOND}; /* packed, just */
	want = vg_case_copy(v, &A);
	want->age_value = 0.5;
	want->age_unit = "a";
	want->seriousness = VG_SER_DEATH;
	want->created.prec = VG_DATE_SECOND;
	want->latest = (struct vg_date){2024, 3, 0, 0, 0, 0, VG_DATE_MONTH};
	bin_trip(v, want);
	/* age value with a unit the age table does not know: years unknown */
	v = vg_case_new(&A);
	v->age_value = 7;
	v->age_unit = "fortnights";
	v->age_years = 99; /* stale: the decoders derive it */
	want = vg_case_copy(v, &A);
	want->age_years = NAN;
	bin_trip(v, want);
	/* unit alone, value alone, not finite numbers omitted */
	v = vg_case_new(&A);
	v->age_unit = "mo";
	v->weight_kg = INFINITY;
	want = vg_case_copy(v, &A);
	want->weight_kg = NAN;
	bin_trip(v, want);
	v = vg_case_new(&A);
	v->age_value = -1e300;
	bin_trip(v, NULL);
}

/* Numbers in each form, at the edges between them. */
static void test_bin_numbers(void **state)
{
	(void)state;
	static const double xs[] = {
		0, -0.0, 1, -1, 60.5, -60.5, 0.1, -0.1, 72.3, 1.0 / 3, 0.05, 1e-7, 1e300, -1e300,
		9007199254740991.0, 9007199254740992.0, -9007199254740991.0,
		112589990684262.3, 112589990684262.5, 4503599627370497.0, 1e15, DBL_MIN,
		DBL_MAX, 5e-324, 0.30000000000000004,
	};

	for (size_t i = 0; i < VG_ARRAY_LEN(xs); i++) {
		struct vg_case_version *v = vg_case_new(&A);
		v->weight_kg = xs[i];
		v->age_value = -xs[i];
		v->age_unit = "a";
		v->age_years = -xs[i];
		bin_trip(v, NULL);
	}
}

/* The exact bytes of two small documents (bin.c documents the layout), so
 * the format cannot drift: the store hashes these bytes. */
static void test_bin_exact_bytes(void **state)
{
	(void)state;
	static const char want1[] =
		"\xb1"                         /* magic */
		"\x01\x02" "C1"                /* case_id */
		"\x03\x03" "api"               /* source */
		"\x0c\x8b\x86\x0c"             /* latest 2024-03-01 */
		"\x17\x02"                     /* sex female */
		"\x18\x90\x02"                 /* age value 34 */
		"\x19\x01" "a"                 /* age unit */
		"\x1b\xe9\x25"                 /* weight 60.5 (605 tenths) */
		"\x1d"                         /* serious */
		"\x20\x05"                     /* seriousness death + hospitalisation */
		"\x28\x01"                     /* products, 1 */
		"\x01\x01" "\x03\x01" "X" "\x10\x01" "\x00" /* suspect, name, action -1 */
		"\x29\x01"                     /* events, 1 */
		"\x01\x01" "E" "\x07\x20" "\x00" /* term, seriousness other */
		"\x2a\x01" "\x00"              /* causality, 1: product 0, event 0 */
		"\x00";
	static const char want2[] =
		"\xb1"
		"\x0a\xbe\xbc\xd4\xb0\x60"     /* created 2024-03-01T10:15:07 */
		"\x0e\x99\x01"                 /* submitted 1990 */
		"\x1b\x02\x00\x00\x00\x00\x00\x00\x00\x80" /* weight -0: 8 bytes */
		"\x1c\x87\x03\x02\xff"         /* birth 2024-(-1): raw form, prec 2 */
		"\x00";
	struct vg_case_version *v = vg_case_new(&A);
	struct vg_buf b;

	v->case_id = "C1";
	v->source = "api";
	v->latest = D("2024-03-01");
	set_woman_of_34(v); /* sex, age value and unit, weight */
	v->serious = true;
	v->seriousness = VG_SER_DEATH | VG_SER_HOSPITALISATION;
	vg_case_add_product(v, &A)->role = VG_ROLE_SUSPECT;
	v->products[0].name = "X";
	v->products[0].action = -1;
	vg_case_add_event(v, &A)->term = "E";
	v->events[0].seriousness = VG_SER_OTHER;
	vg_case_add_causality(v, &A);
	b = to_bin(v);
	assert_int_equal(b.len, sizeof(want1) - 1);
	assert_memory_equal(b.p, want1, b.len);
	bin_trip(v, NULL);
	vg_buf_release(&b);

	v = vg_case_new(&A);
	v->created = D("2024-03-01T10:15:07");
	v->submitted = D("1990");
	v->weight_kg = -0.0;
	v->birth = (struct vg_date){2024, -1, 0, 0, 0, 0, VG_DATE_MONTH};
	b = to_bin(v);
	assert_int_equal(b.len, sizeof(want2) - 1);
	assert_memory_equal(b.p, want2, b.len);
	bin_trip(v, NULL);
	vg_buf_release(&b);
}

/* Truncated at every length, trailing bytes, another first byte. */
static void test_bin_truncated_and_trailing(void **state)
{
	(void)state;
	struct vg_buf b = to_bin(rich_case());
	struct vg_case_version *v;
	char *copy;

	for (size_t n = 0; n < b.len; n++) {
		copy = vg_xmalloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
		if (n)
			memcpy(copy, b.p, n);
		bin_bad(copy, n);
		free(copy);
	}
	bin_bad(NULL, 0);
	copy = vg_xmalloc(b.len + 1);
	memcpy(copy, b.p, b.len);
	for (int c = 0; c < 256; c++) {
		copy[b.len] = (char)c;
		bin_bad(copy, b.len + 1);
	}
	assert_int_equal(vg_case_from_bin(copy, b.len, &A, &v), 0);
	copy[0] = '{';
	bin_bad(copy, b.len);
	copy[0] = (char)(VG_CASE_BIN_MAGIC + 1);
	bin_bad(copy, b.len);
	free(copy);
	bin_bad("{\"case_id\":\"X\"}", 15);
	vg_buf_release(&b);
}

/* Bytes the encoder never writes are refused: the form is canonical. */
static void test_bin_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		size_t len;
	} bad[] = {
#define B(s) {s, sizeof(s) - 1}
		B("\xb1"),                          /* no end */
		B("\xb1\x01\x01" "a" "\x00\x00"),   /* trailing byte */
		B("\xb1\x01\x81\x00" "a" "\x00"),   /* length with a redundant group */
		B("\xb1\x01\x02" "a"),              /* string past the end */
		B("\xb1\x01\x03" "a\0b" "\x00"),    /* NUL inside a string */
		B("\xb1\x02\x01" "a" "\x01\x01" "b" "\x00"), /* tags out of order */
		B("\xb1\x01\x01" "a" "\x01\x01" "b" "\x00"), /* a tag twice */
		B("\xb1\x7f\x00"),                  /* unknown tag */
		B("\xb1\x05\x00\x00"),              /* code 0 */
		B("\xb1\x05\x05\x00"),              /* report type outside its list */
		B("\xb1\x05\xff\xff\xff\xff\x0f\x00"), /* code past INT_MAX */
		B("\xb1\x20\x00\x00"),              /* seriousness 0 */
		B("\xb1\x20\x40\x00"),              /* seriousness bit past VG_SER_ALL */
		B("\xb1\x0c\x00\x00"),              /* date of precision NONE */
		B("\xb1\x0c\x87\x03\x02\x05\x00"),  /* raw date that packs */
		B("\xb1\x0c\x87\x03\x07\xff\x00"),  /* raw date of precision 7 */
		B("\xb1\x0c\x87\x03\x03\xff"),      /* raw date cut short */
		B("\xb1\x0c\xf9\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00"), /* year past int16 */
		B("\xb1\x1b\x02\x00\x00\x00\x00\x00\x00\x4e\x40\x00"), /* 60 in 8 bytes */
		B("\xb1\x1b\x02\x00\x00\x00\x00\x00\x00\xf8\x7f\x00"), /* NaN */
		B("\xb1\x1b\x02\x00\x00\x00\x00\x00\x00\xf0\x7f\x00"), /* infinity */
		B("\xb1\x1b\x02\x00\x00\x00\x00"),  /* 8 bytes cut short */
		B("\xb1\x1b\x51\x00"),              /* tenths that are an integer (10/10) */
		B("\xb1\x1b\x03\x00"),              /* number form 3 */
		B("\xb1\x1b\x06\x00"),              /* form 2 with bits above */
		B("\xb1\x28\x00\x00"),              /* products, 0 */
		B("\xb1\x28\x05\x00\x00"),          /* more elements than bytes */
		B("\xb1\x28\x01\x10\x00\x00\x00"),  /* action 0 */
		B("\xb1\x28\x01\x10\xff\xff\xff\xff\x1f\x00\x00"), /* action past int */
		B("\xb1\x2a\x01\x01\x00\x00\x00"),  /* causality product 0 written */
		B("\xb1\x28\x01\x00\x28\x01\x00\x00"), /* products twice */
		B("\xb1\x29\x01\x00\x28\x01\x00\x00"), /* arrays out of order */
		B("\xb1\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), /* varint past 64 bits */
		B("\xb1\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), /* 13 bytes */
#undef B
	};

	for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
		struct vg_case_version *v = NULL;
		int rc = vg_case_from_bin(bad[i].doc, bad[i].len, &A, &v);
		if (rc != VG_EPARSE)
			print_message("malformed document %zu decoded\n", i);
		assert_int_equal(rc, VG_EPARSE);
		assert_null(v);
	}
	/* and the good neighbours of some of them */
	struct vg_case_version *v = NULL;
	assert_int_equal(vg_case_from_bin("\xb1\x01\x00\x00", 4, &A, &v), 0); /* "" */
	assert_string_equal(v->case_id, "");
	assert_int_equal(vg_case_from_bin("\xb1\x1b\x55\x00", 4, &A, &v), 0); /* -11 tenths */
	assert_true(v->weight_kg == -1.1);
	assert_int_equal(vg_case_from_bin("\xb1\x0c\x87\x03\x02\xff\x00", 7, &A, &v), 0);
	assert_int_equal(v->latest.month, -1);
}

/* The cap: all or nothing, after what the buffer held; codes checked. */
static void test_bin_buffer_cap(void **state)
{
	(void)state;
	struct vg_case_version *v = rich_case();
	struct vg_buf full = to_bin(v);
	struct vg_buf b = VG_BUF_INIT(full.len + 2);

	assert_int_equal(vg_buf_append(&b, "ab", 2), 0);
	assert_int_equal(vg_case_to_bin(v, &b), 0); /* exactly at the cap */
	assert_int_equal(b.len, full.len + 2);
	assert_memory_equal(b.p + 2, full.p, full.len);
	b.len = 2;
	b.max = full.len + 1;
	assert_int_equal(vg_case_to_bin(v, &b), VG_ETOOBIG);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.p, "ab");
	for (size_t cap = 1; cap < 64; cap++) { /* small caps, fresh buffers */
		struct vg_buf s = VG_BUF_INIT(cap);
		assert_int_equal(vg_case_to_bin(v, &s), VG_ETOOBIG);
		assert_int_equal(s.len, 0);
		vg_buf_release(&s);
	}
	/* a code outside its list */
	v = full_case();
	v->products[1].role = VG_ROLE_COUNT;
	assert_int_equal(vg_case_to_bin(v, &b), VG_EINVAL);
	assert_string_equal(b.p, "ab");
	v->products[1].role = -1;
	assert_int_equal(vg_case_to_bin(v, &b), VG_EINVAL);
	v = vg_case_new(&A);
	v->sex = 7;
	assert_int_equal(vg_case_to_bin(v, &b), VG_EINVAL);
	assert_int_equal(b.len, 2);
	vg_buf_release(&b);
	vg_buf_release(&full);
}

/* The tables' tags (case_int.h): non-zero, below 128, increasing in walk
 * order, the arrays' above the version's. */
static uint8_t walk_tags(const struct vg_case_field *fs, uint8_t last)
{
	for (; fs->key; fs++) {
		if (fs->kind == VG_CF_OBJ) {
			assert_int_equal(fs->tag, 0);
			last = walk_tags(fs->sub, last);
			continue;
		}
		assert_true(fs->tag > last && fs->tag < 128);
		last = fs->tag;
	}
	return last;
}

static void test_bin_tags(void **state)
{
	(void)state;
	uint8_t last = walk_tags(vg_case_version_fields, 0);

	for (int i = 0; i < VG_CASE_NARRAYS; i++) {
		assert_true(vg_case_arrays[i].tag > last && vg_case_arrays[i].tag < 128);
		last = vg_case_arrays[i].tag;
		walk_tags(vg_case_arrays[i].fields, 0);
	}
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
		cmocka_unit_test_setup_teardown(test_bin_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_many_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_json_equivalence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_exact_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_truncated_and_trailing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_buffer_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bin_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrays_grow_and_clear, setup, teardown),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
