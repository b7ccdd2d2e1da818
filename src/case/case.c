/*
 * case.c - building, copying and ordering case versions.
 *
 * A version is one flat struct plus three arrays (products, events,
 * causality).  Everything lives in the arena the caller passes: the arrays
 * grow by doubling into a fresh arena block and copying (the old block is
 * simply abandoned until the arena is freed), so there is never a free of
 * a single object and never a pointer into the heap outside the arena.
 *
 * Pointers handed out by vg_case_add_* are valid until the next add of the
 * same kind (growth may move the array); fill the element before adding
 * the next one.
 *
 * Age: E2B(R3) D.2.2a/b carries the age as a number and a UCUM unit
 * ("a", "mo", "wk", "d", "h", "min", "{decade}" or "10.a").  Sources speak
 * more dialects, so English words and the Chinese units 岁/月/周/天/小时 are
 * understood too.  Years are the common currency (age_years).
 */
#include "vg.h"
#include "case/case.h"

#include <math.h>

/* Days per mean Gregorian year: the conversion E2B leaves to the receiver. */
#define DAYS_PER_YEAR 365.2425

static void set_unknown(struct vg_case_version *v)
{
	v->age_years = NAN;
	v->age_value = NAN;
	v->weight_kg = NAN;
}

struct vg_case_version *vg_case_new(struct vg_arena *a)
{
	struct vg_case_version *v = vg_arena_calloc(a, 1, sizeof(*v));

	set_unknown(v);
	return v;
}

void vg_case_clear(struct vg_case_version *v)
{
	struct vg_product *p = v->products;
	struct vg_event *e = v->events;
	struct vg_causality *c = v->causality;
	size_t pc = v->products_cap, ec = v->events_cap, cc = v->causality_cap;

	memset(v, 0, sizeof(*v));
	set_unknown(v);
	v->products = p;
	v->products_cap = pc;
	v->events = e;
	v->events_cap = ec;
	v->causality = c;
	v->causality_cap = cc;
}

/* Make room for one more element of size sz in an arena-held array. */
static void *grow(struct vg_arena *a, void *arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *fresh = vg_arena_calloc(a, ncap, sz);
	if (n)
		memcpy(fresh, arr, n * sz);
	*cap = ncap;
	return fresh;
}

struct vg_product *vg_case_add_product(struct vg_case_version *v, struct vg_arena *a)
{
	v->products = grow(a, v->products, v->nproducts, &v->products_cap, sizeof(*v->products));
	struct vg_product *p = &v->products[v->nproducts++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct vg_event *vg_case_add_event(struct vg_case_version *v, struct vg_arena *a)
{
	v->events = grow(a, v->events, v->nevents, &v->events_cap, sizeof(*v->events));
	struct vg_event *e = &v->events[v->nevents++];
	memset(e, 0, sizeof(*e));
	return e;
}

struct vg_causality *vg_case_add_causality(struct vg_case_version *v, struct vg_arena *a)
{
	v->causality = grow(a, v->causality, v->ncausality, &v->causality_cap, sizeof(*v->causality));
	struct vg_causality *c = &v->causality[v->ncausality++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* ------------------------------------------------------------------ copy */

#define DUP(field) (d->field = vg_arena_strdup(a, s->field))

static void copy_product(struct vg_product *d, const struct vg_product *s, struct vg_arena *a)
{
	*d = *s;
	DUP(name); DUP(ingredient); DUP(manufacturer); DUP(batch); DUP(route);
	DUP(dose); DUP(indication); DUP(approval_no); DUP(device_model); DUP(udi);
	DUP(category);
}

static void copy_event(struct vg_event *d, const struct vg_event *s, struct vg_arena *a)
{
	*d = *s;
	DUP(term); DUP(coded); DUP(code);
}

static void copy_causality(struct vg_causality *d, const struct vg_causality *s, struct vg_arena *a)
{
	*d = *s;
	DUP(source); DUP(method); DUP(result);
}

static void copy_scalars(struct vg_case_version *d, const struct vg_case_version *s,
                         struct vg_arena *a)
{
	*d = *s;
	DUP(case_id); DUP(report_id); DUP(source); DUP(source_version);
	DUP(nullify_reason); DUP(unit); DUP(country); DUP(region);
	DUP(reporter_name); DUP(reporter_org); DUP(reporter_phone);
	DUP(patient_id); DUP(age_unit); DUP(narrative); DUP(stratum);
	d->products = NULL;
	d->events = NULL;
	d->causality = NULL;
	d->nproducts = d->products_cap = 0;
	d->nevents = d->events_cap = 0;
	d->ncausality = d->causality_cap = 0;
}

#undef DUP

struct vg_case_version *vg_case_copy(const struct vg_case_version *s, struct vg_arena *a)
{
	struct vg_case_version *d = vg_arena_alloc(a, sizeof(*d));

	copy_scalars(d, s, a);
	for (size_t i = 0; i < s->nproducts; i++)
		copy_product(vg_case_add_product(d, a), &s->products[i], a);
	for (size_t i = 0; i < s->nevents; i++)
		copy_event(vg_case_add_event(d, a), &s->events[i], a);
	for (size_t i = 0; i < s->ncausality; i++)
		copy_causality(vg_case_add_causality(d, a), &s->causality[i], a);
	return d;
}

/* ------------------------------------------------------------------- age */

/* E2B(R3) D.2.2b UCUM units, E2B(R2) B.1.2.2.1b codes 800-805 (FAERS XML),
 * FAERS AGE_COD, English words, Chinese units.  Matched after trimming,
 * ASCII case-insensitively. */
static const struct {
	const char *unit;
	double years; /* years per unit */
} age_units[] = {
	{"a", 1}, {"yr", 1}, {"yrs", 1}, {"y", 1}, {"year", 1}, {"years", 1},
	{"岁", 1}, {"周岁", 1}, {"年", 1},
	{"mo", 1.0 / 12}, {"mon", 1.0 / 12}, {"month", 1.0 / 12}, {"months", 1.0 / 12},
	{"月", 1.0 / 12}, {"个月", 1.0 / 12},
	{"wk", 7 / DAYS_PER_YEAR}, {"week", 7 / DAYS_PER_YEAR}, {"weeks", 7 / DAYS_PER_YEAR},
	{"周", 7 / DAYS_PER_YEAR}, {"星期", 7 / DAYS_PER_YEAR},
	{"d", 1 / DAYS_PER_YEAR}, {"dy", 1 / DAYS_PER_YEAR}, {"day", 1 / DAYS_PER_YEAR},
	{"days", 1 / DAYS_PER_YEAR}, {"天", 1 / DAYS_PER_YEAR}, {"日", 1 / DAYS_PER_YEAR},
	{"h", 1 / (24 * DAYS_PER_YEAR)}, {"hr", 1 / (24 * DAYS_PER_YEAR)},
	{"hour", 1 / (24 * DAYS_PER_YEAR)}, {"hours", 1 / (24 * DAYS_PER_YEAR)},
	{"小时", 1 / (24 * DAYS_PER_YEAR)},
	{"min", 1 / (1440 * DAYS_PER_YEAR)}, {"minute", 1 / (1440 * DAYS_PER_YEAR)},
	{"minutes", 1 / (1440 * DAYS_PER_YEAR)}, {"分钟", 1 / (1440 * DAYS_PER_YEAR)},
	{"{decade}", 10}, {"10.a", 10}, {"dec", 10}, {"decade", 10}, {"decades", 10},
	{"mos", 1.0 / 12}, {"wks", 7 / DAYS_PER_YEAR},
	/* E2B(R2) B.1.2.2.1b */
	{"800", 10}, {"801", 1}, {"802", 1.0 / 12}, {"803", 7 / DAYS_PER_YEAR},
	{"804", 1 / DAYS_PER_YEAR}, {"805", 1 / (24 * DAYS_PER_YEAR)},
};

double vg_case_age_years(double value, const char *unit)
{
	if (!unit || isnan(value) || isinf(value))
		return NAN;
	struct vg_sv u = vg_sv_trim(vg_sv_of(unit));
	if (u.len > 3 && !memcmp(u.p + u.len - 3, "(s)", 3)) /* CAERS "Year(s)" */
		u.len -= 3;
	for (size_t i = 0; i < VG_ARRAY_LEN(age_units); i++)
		if (vg_sv_ieq_cstr(u, age_units[i].unit))
			return value * age_units[i].years;
	return NAN;
}

/* E2B(R3) D.2.3 / ICH E11 bands: neonate 0-27 days, infant 28 days to
 * 23 months, child 2-11 years, adolescent 12-17, adult 18-64, elderly 65+.
 * Foetus cannot be derived from an age. */
int vg_case_age_group_of(double years)
{
	if (isnan(years) || years < 0)
		return VG_AGE_UNKNOWN;
	if (years < 28 / DAYS_PER_YEAR)
		return VG_AGE_NEONATE;
	if (years < 2)
		return VG_AGE_INFANT;
	if (years < 12)
		return VG_AGE_CHILD;
	if (years < 18)
		return VG_AGE_ADOLESCENT;
	if (years < 65)
		return VG_AGE_ADULT;
	return VG_AGE_ELDERLY;
}

/* --------------------------------------------------------------- ordering */

/*
 * E2B(R3) C.1.5: the version with the later date of most recent information
 * is the newer one.  Amendments (C.1.11.1 = 2) keep C.1.5 unchanged, and
 * when several versions share C.1.5 the one with the later C.1.2 (date of
 * creation) is the most recent (ICH E2B(R3) IG, C.1.1 / C.1.8.1 notes).
 * Unknown dates sort first; a less precise date that agrees on what it
 * knows sorts before the more precise one (vg_date_cmp).
 */
int vg_case_version_cmp(const struct vg_case_version *a, const struct vg_case_version *b)
{
	int c = vg_date_cmp(&a->latest, &b->latest); /* E2B(R3) C.1.5 */

	if (c)
		return c < 0 ? -1 : 1;
	c = vg_date_cmp(&a->created, &b->created);   /* E2B(R3) C.1.2 */
	return c < 0 ? -1 : c > 0;
}
