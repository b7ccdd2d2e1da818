/*
 * validate.c - the four minimum elements and plausibility checks.
 *
 * Validation never stops at the first problem: a reporting unit fixing a
 * rejected report wants the whole list at once.  Each problem carries the
 * field path in the JSON layout of case.h ("patient.age", "events[1].end").
 *
 *   VG_PROBLEM_MINIMUM  one of the four minimum elements is missing
 *                       (ICH E2D 5.1.1; E2B(R3) IG "minimum information";
 *                       Chinese MAH form: 可识别的患者、可识别的报告者、
 *                       怀疑药品、不良反应).  The case is kept but is not
 *                       valid for statistics.
 *   VG_PROBLEM_ERROR    impossible content: an end before its start, an
 *                       onset after the report was sent, an age of 200,
 *                       an index that points nowhere, a code out of range.
 *   VG_PROBLEM_WARNING  allowed but suspicious or incomplete.
 *
 * Partial dates compare safely: "A is after B" only when the first day A
 * allows is after the last day B allows, so "2024" is never after
 * "2024-03-05".
 *
 * Strings "" count as absent everywhere here (case.h forbids them for
 * unknown, but not every producer is careful).
 */
#include "vg.h"
#include "case/case.h"

#include <math.h>

#define AGE_MAX_YEARS 150.0
#define WEIGHT_MAX_KG 650.0   /* heaviest recorded human ~635 kg */

void vg_problems_init(struct vg_problems *p, struct vg_arena *a)
{
	p->items = NULL;
	p->n = p->cap = 0;
	p->arena = a;
}

/* Format into the arena: a stack buffer first, the exact size if longer. */
static char *arena_vprintf(struct vg_arena *a, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;

	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return vg_arena_strdup(a, fmt);
	if ((size_t)n < sizeof(small))
		return vg_arena_strndup(a, small, (size_t)n);
	char *s = vg_arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void vg_problems_add(struct vg_problems *p, int kind, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		struct vg_problem *fresh = vg_arena_calloc(p->arena, ncap, sizeof(*fresh));
		if (p->n)
			memcpy(fresh, p->items, p->n * sizeof(*fresh));
		p->items = fresh;
		p->cap = ncap;
	}
	struct vg_problem *it = &p->items[p->n++];
	it->kind = kind;
	it->field = vg_arena_strdup(p->arena, field ? field : "");
	va_start(ap, fmt);
	it->msg = arena_vprintf(p->arena, fmt, ap);
	va_end(ap);
}

size_t vg_problems_count(const struct vg_problems *p, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		if (kind == 0 || p->items[i].kind == kind)
			n++;
	return n;
}

/* ------------------------------------------------------- minimum criteria */

static bool has(const char *s)
{
	return s && *s;
}

static bool known(const struct vg_date *d)
{
	return d->prec != VG_DATE_NONE;
}

/* ICH E2D 5.1.1 / E2B(R3) D: any one element identifies the patient. */
bool vg_case_has_patient(const struct vg_case_version *v)
{
	return v->redacted || has(v->patient_id) || v->sex == VG_SEX_MALE || v->sex == VG_SEX_FEMALE ||
	       !isnan(v->age_years) || !isnan(v->age_value) ||
	       (v->age_group > VG_AGE_UNKNOWN && v->age_group < VG_AGE_COUNT) ||
	       known(&v->birth) || !isnan(v->weight_kg);
}

/* ICH E2D 5.1.1 / E2B(R3) C.2.r: name, qualification, organisation, or the
 * reporting unit (报告单位) that filed it. */
bool vg_case_has_reporter(const struct vg_case_version *v)
{
	return v->redacted || has(v->reporter_name) || has(v->reporter_org) || has(v->unit) ||
	       (v->qualification > VG_QUAL_UNKNOWN && v->qualification < VG_QUAL_COUNT);
}

/* E2B(R3) G.k.1: a suspect or interacting product (interacting counts as
 * suspect for evaluation) with a name (G.k.2.2 "always give it"). */
static bool has_suspect(const struct vg_case_version *v)
{
	for (size_t i = 0; i < v->nproducts; i++) {
		const struct vg_product *p = &v->products[i];
		if ((p->role == VG_ROLE_SUSPECT || p->role == VG_ROLE_INTERACTING) &&
		    (has(p->name) || has(p->ingredient)))
			return true;
	}
	return false;
}

/* E2B(R3) E.i.1.1a / E.i.2.1b: a reaction as reported or coded. */
static bool has_event(const struct vg_case_version *v)
{
	for (size_t i = 0; i < v->nevents; i++) {
		const struct vg_event *e = &v->events[i];
		if (has(e->term) || has(e->coded) || has(e->code))
			return true;
	}
	return false;
}

bool vg_case_is_valid(const struct vg_case_version *v)
{
	return vg_case_has_patient(v) && vg_case_has_reporter(v) && has_suspect(v) && has_event(v);
}

static bool check_minimum(const struct vg_case_version *v, struct vg_problems *out)
{
	bool ok = true;

	if (!vg_case_has_patient(v)) {
		vg_problems_add(out, VG_PROBLEM_MINIMUM, "patient",
		                "no identifiable patient (id/initials, sex, age, age group, birth date or weight)");
		ok = false;
	}
	if (!vg_case_has_reporter(v)) {
		vg_problems_add(out, VG_PROBLEM_MINIMUM, "reporter",
		                "no identifiable reporter (name, qualification, organisation or reporting unit)");
		ok = false;
	}
	if (!has_suspect(v)) {
		vg_problems_add(out, VG_PROBLEM_MINIMUM, "products",
		                "no suspect or interacting product with a name");
		ok = false;
	}
	if (!has_event(v)) {
		vg_problems_add(out, VG_PROBLEM_MINIMUM, "events",
		                "no adverse event with a reported or coded term");
		ok = false;
	}
	return ok;
}

/* ------------------------------------------------------------ dates */

/* Definitely after: every day a may denote is after every day b may. */
static bool after(const struct vg_date *a, const struct vg_date *b)
{
	return known(a) && known(b) && vg_date_first_day(a) > vg_date_last_day(b);
}

static void check_future(const struct vg_date *d, const char *field, const struct vg_date *today,
                         struct vg_problems *out)
{
	if (after(d, today))
		vg_problems_add(out, VG_PROBLEM_ERROR, field, "date is in the future");
}

static void check_admin_dates(const struct vg_case_version *v, struct vg_problems *out)
{
	struct vg_date today = vg_date_now();

	check_future(&v->created, "created", &today, out);
	check_future(&v->received, "received", &today, out);
	check_future(&v->latest, "latest", &today, out);
	check_future(&v->aware, "aware", &today, out);
	check_future(&v->submitted, "submitted", &today, out);
	check_future(&v->birth, "patient.birth", &today, out);
	/* E2B(R3) C.1.5 is never before C.1.4 */
	if (after(&v->received, &v->latest))
		vg_problems_add(out, VG_PROBLEM_ERROR, "latest",
		                "most recent information (C.1.5) is before first receipt (C.1.4)");
	if (after(&v->aware, &v->submitted) || after(&v->received, &v->submitted))
		vg_problems_add(out, VG_PROBLEM_ERROR, "submitted",
		                "submitted before the report was received or the unit became aware");
	if (after(&v->latest, &v->created)) /* C.1.5 <= C.1.2 */
		vg_problems_add(out, VG_PROBLEM_WARNING, "created",
		                "created (C.1.2) before the most recent information (C.1.5)");
	if (!known(&v->latest))
		vg_problems_add(out, VG_PROBLEM_WARNING, "latest",
		                "no date of most recent information (C.1.5): version order is uncertain");
}

/* ----------------------------------------------------------- patient */

/* Years as given, else as derived from value + unit (NAN when neither). */
static double effective_years(const struct vg_case_version *v)
{
	return isnan(v->age_years) ? vg_case_age_years(v->age_value, v->age_unit) : v->age_years;
}

static void check_age_value(const struct vg_case_version *v, struct vg_problems *out)
{
	double y = vg_case_age_years(v->age_value, v->age_unit);

	if (v->age_value < 0)
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.age.value", "age is negative");
	if (!has(v->age_unit))
		vg_problems_add(out, VG_PROBLEM_WARNING, "patient.age.unit",
		                "age without a unit (E2B(R3) D.2.2b)");
	else if (isnan(y))
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.age.unit",
		                "unknown age unit \"%.32s\"", v->age_unit);
	else if (!isnan(v->age_years) && fabs(y - v->age_years) > 1e-6 * (1 + fabs(y)))
		vg_problems_add(out, VG_PROBLEM_WARNING, "patient.age",
		                "age in years %g does not match %g %.32s", v->age_years,
		                v->age_value, v->age_unit);
}

static void check_age(const struct vg_case_version *v, struct vg_problems *out)
{
	double years = effective_years(v);

	if (!isnan(v->age_value))
		check_age_value(v, out);
	if (!isnan(years) && (years < 0 || years > AGE_MAX_YEARS))
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.age",
		                "age %g years is outside 0..%g", years, AGE_MAX_YEARS);
	else if (!isnan(years) && v->age_group > VG_AGE_FOETUS && v->age_group < VG_AGE_COUNT &&
	         vg_case_age_group_of(years) != v->age_group)
		vg_problems_add(out, VG_PROBLEM_WARNING, "patient.age_group",
		                "age group %s does not match age %g years",
		                vg_age_group_name(v->age_group), years);
}

static void check_patient(const struct vg_case_version *v, struct vg_problems *out)
{
	check_age(v, out);
	if (!isnan(v->weight_kg) && (v->weight_kg <= 0 || v->weight_kg > WEIGHT_MAX_KG))
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.weight_kg",
		                "weight %g kg is outside (0, %g]", v->weight_kg, WEIGHT_MAX_KG);
	if (v->sex < 0 || v->sex > VG_SEX_FEMALE)
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.sex", "sex code %d out of range", v->sex);
	if (v->age_group < 0 || v->age_group >= VG_AGE_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, "patient.age_group",
		                "age group code %d out of range", v->age_group);
}

/* -------------------------------------------------------- the report */

static bool country_ok(const char *c)
{
	return strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

static void check_header(const struct vg_case_version *v, struct vg_problems *out)
{
	if (!has(v->case_id)) /* E2B(R3) C.1.8.1 must always be populated */
		vg_problems_add(out, VG_PROBLEM_ERROR, "case_id", "missing case id (C.1.8.1)");
	if (v->report_type < 0 || v->report_type >= VG_RT_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, "report_type", "report type %d out of range",
		                v->report_type);
	else if (v->report_type == VG_RT_UNKNOWN)
		vg_problems_add(out, VG_PROBLEM_WARNING, "report_type", "no report type (C.1.3)");
	if (v->qualification < 0 || v->qualification >= VG_QUAL_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, "reporter.qualification",
		                "qualification %d out of range", v->qualification);
	if (v->klass < 0 || v->klass >= VG_CLASS_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, "class", "class %d out of range", v->klass);
	if (has(v->country) && !country_ok(v->country)) /* ISO 3166-1 alpha-2 */
		vg_problems_add(out, VG_PROBLEM_WARNING, "country",
		                "\"%.16s\" is not an ISO 3166 two-letter country code", v->country);
	if (v->nullified && v->amendment) /* C.1.11.1 is one value */
		vg_problems_add(out, VG_PROBLEM_ERROR, "amendment",
		                "a version cannot be both a nullification and an amendment (C.1.11.1)");
	if (v->nullified && !has(v->nullify_reason))
		vg_problems_add(out, VG_PROBLEM_WARNING, "nullify_reason",
		                "nullification without a reason (C.1.11.2)");
	if (v->seriousness & ~(unsigned)VG_SER_ALL)
		vg_problems_add(out, VG_PROBLEM_ERROR, "seriousness", "unknown seriousness bits");
	if (v->seriousness && !v->serious)
		vg_problems_add(out, VG_PROBLEM_WARNING, "serious",
		                "seriousness criteria given but the report is not marked serious");
}

static void check_product(const struct vg_case_version *v, size_t i, struct vg_problems *out)
{
	const struct vg_product *p = &v->products[i];
	char f[64];

	snprintf(f, sizeof(f), "products[%zu].role", i);
	if (p->role < 0 || p->role >= VG_ROLE_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "role %d out of range", p->role);
	else if (p->role == VG_ROLE_UNKNOWN)
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "no role (G.k.1)");
	snprintf(f, sizeof(f), "products[%zu].class", i);
	if (p->klass < 0 || p->klass >= VG_CLASS_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "class %d out of range", p->klass);
	snprintf(f, sizeof(f), "products[%zu].name", i);
	if (!has(p->name))
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "product without a name (G.k.2.2)");
	snprintf(f, sizeof(f), "products[%zu].end", i);
	if (after(&p->start, &p->end))
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "end of administration before its start");
	snprintf(f, sizeof(f), "products[%zu].start", i);
	if (after(&p->start, &v->submitted) || after(&p->start, &v->latest))
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "administration starts after the report");
	snprintf(f, sizeof(f), "products[%zu].action", i);
	if (p->action < 0 || (p->action > 4 && p->action != 9)) /* E2B(R3) G.k.8 */
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "action %d is not a G.k.8 code", p->action);
}

/* Every suspect or interacting product has a start date after the onset
 * (WHO-UMC's time relationship cannot hold); false without suspects. */
static bool onset_before_all_suspects(const struct vg_case_version *v, const struct vg_date *onset)
{
	size_t n = 0;

	for (size_t k = 0; k < v->nproducts; k++) {
		const struct vg_product *p = &v->products[k];
		if (p->role != VG_ROLE_SUSPECT && p->role != VG_ROLE_INTERACTING)
			continue;
		if (!after(&p->start, onset))
			return false;
		n++;
	}
	return n > 0;
}

static void check_event_dates(const struct vg_case_version *v, size_t i, struct vg_problems *out)
{
	const struct vg_event *e = &v->events[i];
	char f[64];

	snprintf(f, sizeof(f), "events[%zu].onset", i);
	if (after(&e->onset, &v->submitted) || after(&e->onset, &v->received) ||
	    after(&e->onset, &v->latest))
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "onset after the report was received or submitted");
	if (after(&v->birth, &e->onset))
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "onset before the patient's birth");
	if (onset_before_all_suspects(v, &e->onset))
		vg_problems_add(out, VG_PROBLEM_WARNING, f,
		                "onset before every suspect product was started");
	snprintf(f, sizeof(f), "events[%zu].end", i);
	if (after(&e->onset, &e->end))
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "event ends before it starts");
}

/* MedDRA codes are 8 digits (E2B(R3) E.i.2.1b). */
static bool meddra_code_ok(const char *c)
{
	return strlen(c) == 8 && strspn(c, "0123456789") == 8;
}

static void check_event(const struct vg_case_version *v, size_t i, struct vg_problems *out)
{
	const struct vg_event *e = &v->events[i];
	char f[64];

	snprintf(f, sizeof(f), "events[%zu].term", i);
	if (!has(e->term) && !has(e->coded) && !has(e->code))
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "event without a term");
	snprintf(f, sizeof(f), "events[%zu].code", i);
	if (has(e->code) && !meddra_code_ok(e->code))
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "\"%.32s\" is not an 8-digit MedDRA code",
		                e->code);
	check_event_dates(v, i, out);
	snprintf(f, sizeof(f), "events[%zu].outcome", i);
	if (e->outcome < 0 || e->outcome >= VG_OUTCOME_COUNT)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "outcome %d out of range", e->outcome);
	else if (e->outcome == VG_OUTCOME_FATAL && !((e->seriousness | v->seriousness) & VG_SER_DEATH))
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "fatal outcome without the death criterion");
	snprintf(f, sizeof(f), "events[%zu].seriousness", i);
	if (e->seriousness & ~(unsigned)VG_SER_ALL)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "unknown seriousness bits");
	else if (e->seriousness && !v->serious)
		vg_problems_add(out, VG_PROBLEM_WARNING, f,
		                "serious event but the report is not marked serious");
}

static void check_causality(const struct vg_case_version *v, size_t i, struct vg_problems *out)
{
	const struct vg_causality *c = &v->causality[i];
	char f[64];

	snprintf(f, sizeof(f), "causality[%zu].product", i);
	if (c->product < 0 || (size_t)c->product >= v->nproducts)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "product index %d out of range (%zu products)",
		                c->product, v->nproducts);
	snprintf(f, sizeof(f), "causality[%zu].event", i);
	if (c->event < 0 || (size_t)c->event >= v->nevents)
		vg_problems_add(out, VG_PROBLEM_ERROR, f, "event index %d out of range (%zu events)",
		                c->event, v->nevents);
	snprintf(f, sizeof(f), "causality[%zu].result", i);
	if (!has(c->result))
		vg_problems_add(out, VG_PROBLEM_WARNING, f, "assessment without a result (G.k.9.i.2.r.3)");
}

bool vg_case_validate(const struct vg_case_version *v, struct vg_problems *out)
{
	bool ok = check_minimum(v, out);

	check_header(v, out);
	check_admin_dates(v, out);
	check_patient(v, out);
	for (size_t i = 0; i < v->nproducts; i++)
		check_product(v, i, out);
	for (size_t i = 0; i < v->nevents; i++)
		check_event(v, i, out);
	for (size_t i = 0; i < v->ncausality; i++)
		check_causality(v, i, out);
	return ok;
}
