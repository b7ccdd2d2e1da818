/*
 * dedup.c - probable duplicates across cases by probabilistic record linkage.
 *
 * Versions of one case are never duplicates of each other (same C.1.8.1);
 * this file looks for *different* cases describing the same patient and
 * reaction: a hospital and a manufacturer both reporting it, a follow-up
 * filed as a new case.  Method: Fellegi-Sunter (1969) as used by vigiMatch
 * (Norén et al. 2007, DOMAIN.md 3.2): every compared field contributes a
 * log2 likelihood ratio
 *
 *     agree:     log2(m / u)        m = P(agree | same case)
 *     disagree:  log2((1-m)/(1-u))  u = P(agree | different cases)
 *     missing:   0
 *
 * and a pair's score is the sum.  The u-probabilities come from the data:
 *
 *   sex, country, reporter qualification   value-specific: u = share of the
 *        value among records (agreeing on a rare value weighs more)
 *   age, onset date   banded distances (same / near / far); u per band
 *        estimated from random pairs of the data set (vg_dedup_opts.seed)
 *   products, events  per shared item log2(m / f) with f the share of
 *        records holding the item, so that two reports sharing a rare drug
 *        weigh far more than two sharing paracetamol; items one report has
 *        and the other lacks cost a fixed penalty each (capped per field);
 *        names that differ by a typo (Jaro-Winkler >= 0.92) count as shared
 *        at a discount
 *   reporter organisation, patient initials   value-specific, capped
 *
 * The m-probabilities are fixed constants below, chosen with the perturbation
 * rates seen in practice (typos, missing fields, shifted dates) and checked
 * with bench/gen_dups (docs/QUALITY.md).
 *
 * Blocking (so that it scales): records are compared only when they share a
 * product or an event whose inverted list holds at most max_block records,
 * or a (product, event) pair of two items over that size (paracetamol with
 * nausea: a block far smaller than either), or the same exact onset day,
 * and their sexes do not contradict.  For each
 * record i the lists of its items are walked for j < i and a stamp array
 * avoids comparing a pair twice, so the cost is the sum of the squared
 * block sizes, never N^2.
 *
 * Layout:
 *   recs[]            one struct rec per input, item ids sorted ascending
 *   prod_map/ev_map   interned normalised names -> dense ids; df[] counts
 *   lists             per item id, the records holding it (ascending)
 *   pairs[]           result of the last run, best first
 */
#include "vg.h"
#include "quality/quality.h"

#include <math.h>

#define NO_ID UINT32_MAX
#define DAY_UNKNOWN INT32_MIN
#define MAX_ITEMS 64            /* products/events kept per record */
#define NAME_MAX_BYTES 128      /* normalised name cap */
#define RANDOM_PAIRS 20000      /* to estimate u for age and onset */
#define REASON_NAMES 5          /* shared names spelled out in reasons */
#define DEFAULT_MAX_BLOCK 2000

/* m-probabilities (see the essay) */
#define M_SEX 0.97
#define M_COUNTRY 0.95
#define M_QUAL 0.80
#define M_ITEM_PRODUCT 0.90
#define M_ITEM_EVENT 0.85
#define MISS_ITEM (-1.5)        /* per unmatched item */
#define MISS_CAP (-6.0)         /* per field */
#define ITEM_DECAY 0.6          /* weight of each further shared item */
#define ITEM_FIELD_CAP 40.0     /* long shared lists: independence no longer
                                   credible, and 40 bits decide anyway */
#define FUZZY_SHARE 0.7         /* weight of a typo-matched item */
#define FUZZY_JW 0.92
#define FUZZY_MAX_WORK 64       /* unmatched x unmatched names tried at most */
#define M_TEXT 0.70             /* reporter org, patient initials agree */
#define TEXT_CAP 6.0
#define REPORTER_DIFF (-0.5)
#define PATIENT_DIFF (-2.0)

/* age bands: |diff| <= 0.5 y, <= 2 y, more */
static const double m_age[3] = {0.85, 0.12, 0.03};
/* onset bands: same day (intervals overlap), <= 7 d, <= 31 d, more */
static const double m_onset[4] = {0.75, 0.17, 0.05, 0.03};

struct rec {
	const char *case_id;
	int8_t sex, qual;
	float age;
	int32_t on_lo, on_hi; /* onset day interval, DAY_UNKNOWN */
	bool on_day;          /* onset known to the day */
	uint32_t country, reporter, patient;
	uint32_t *prod, *ev;
	uint16_t nprod, nev;
	double completeness;
	int32_t received;
};

struct idlist {
	uint32_t *v;
	size_t n, cap;
};

struct vg_dedup {
	struct rec *recs;
	size_t n, cap;
	struct vg_arena arena;
	struct vg_map *prod_map, *ev_map, *text_map; /* text: countries, orgs, initials */
	/* per run */
	uint32_t *prod_df, *ev_df, *text_df;
	uint64_t *co_keys;  /* (product << 32 | event) + 1, 0 = empty slot */
	uint32_t *co_vals;  /* records holding both */
	size_t co_cap;      /* power of two */
	double u_age[3], u_on_day[4], u_on_part[4];
	double sex_p[3], qual_p[VG_QUAL_COUNT], sex_u, qual_u, country_u;
	struct vg_dedup_pair *pairs;
	size_t npairs, pairs_cap;
	uint64_t compared;
	size_t prepared_n; /* records counted by the last prepare (0: none) */
};

static const char *const field_names[VG_DD_NFIELDS] = {
	"sex", "age", "onset", "country", "products", "events", "reporter", "patient"};

const char *vg_dd_field_name(int f)
{
	return f >= 0 && f < VG_DD_NFIELDS ? field_names[f] : NULL;
}

/* ------------------------------------------------------------ records */

char *vg_dedup_normalise(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	bool space = false;
	if (!outsz)
		return out;
	for (; s && *s && o + 1 < outsz; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		            (c >= 'A' && c <= 'Z');
		if (!keep) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < outsz)
			out[o++] = ' ';
		space = false;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[o] = '\0';
	return out;
}

struct vg_dedup *vg_dedup_new(void)
{
	struct vg_dedup *d = vg_xcalloc(1, sizeof(*d));
	vg_arena_init(&d->arena, 1 << 20);
	d->prod_map = vg_map_new(1024);
	d->ev_map = vg_map_new(1024);
	d->text_map = vg_map_new(1024);
	return d;
}

void vg_dedup_free(struct vg_dedup *d)
{
	if (!d)
		return;
	free(d->recs);
	vg_arena_release(&d->arena);
	vg_map_free(d->prod_map);
	vg_map_free(d->ev_map);
	vg_map_free(d->text_map);
	free(d->prod_df);
	free(d->ev_df);
	free(d->text_df);
	free(d->co_keys);
	free(d->co_vals);
	free(d->pairs);
	free(d);
}

static uint32_t intern(struct vg_map *m, const char *s)
{
	char buf[NAME_MAX_BYTES];
	vg_dedup_normalise(s, buf, sizeof(buf));
	if (!buf[0])
		return NO_ID;
	return vg_map_intern(m, buf, strlen(buf), NULL);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Interned, sorted, unique ids of names into the arena. */
static uint32_t *intern_set(struct vg_dedup *d, struct vg_map *m, const char *const *names,
                            size_t n, uint16_t *nout)
{
	uint32_t tmp[MAX_ITEMS];
	size_t k = 0;
	for (size_t i = 0; i < n && k < MAX_ITEMS; i++) {
		uint32_t id = intern(m, names[i]);
		if (id != NO_ID)
			tmp[k++] = id;
	}
	qsort(tmp, k, sizeof(*tmp), cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || tmp[u - 1] != tmp[i])
			tmp[u++] = tmp[i];
	uint32_t *out = vg_arena_alloc(&d->arena, (u ? u : 1) * sizeof(*out));
	memcpy(out, tmp, u * sizeof(*out));
	*nout = (uint16_t)u;
	return out;
}

static uint32_t intern_text(struct vg_dedup *d, const char *prefix, const char *s)
{
	char buf[NAME_MAX_BYTES], key[NAME_MAX_BYTES + 8];
	vg_dedup_normalise(s, buf, sizeof(buf));
	if (!buf[0])
		return NO_ID;
	int len = snprintf(key, sizeof(key), "%s:%s", prefix, buf);
	return vg_map_intern(d->text_map, key, (size_t)len, NULL);
}

size_t vg_dedup_add(struct vg_dedup *d, const struct vg_dedup_input *in)
{
	VG_GROW(d->recs, d->cap, d->n + 1);
	struct rec *r = &d->recs[d->n];
	memset(r, 0, sizeof(*r));
	r->case_id = vg_arena_strdup(&d->arena, in->case_id ? in->case_id : "");
	r->sex = (int8_t)(in->sex == VG_SEX_MALE || in->sex == VG_SEX_FEMALE ? in->sex : 0);
	r->qual = (int8_t)(in->qualification > 0 && in->qualification < VG_QUAL_COUNT
	                       ? in->qualification : 0);
	r->age = (float)in->age_years;
	r->on_lo = r->on_hi = DAY_UNKNOWN;
	if (in->onset.prec >= VG_DATE_YEAR) {
		r->on_lo = vg_date_first_day(&in->onset);
		r->on_hi = vg_date_last_day(&in->onset);
		r->on_day = in->onset.prec >= VG_DATE_DAY;
	}
	r->country = intern_text(d, "c", in->country);
	r->reporter = intern_text(d, "r", in->reporter);
	r->patient = intern_text(d, "p", in->patient_id);
	r->prod = intern_set(d, d->prod_map, in->products, in->nproducts, &r->nprod);
	r->ev = intern_set(d, d->ev_map, in->events, in->nevents, &r->nev);
	r->completeness = in->completeness;
	r->received = in->received.prec >= VG_DATE_YEAR ? vg_date_first_day(&in->received)
	                                                : DAY_UNKNOWN;
	return d->n++;
}

static struct vg_date earliest_onset(const struct vg_case_version *v)
{
	struct vg_date best = VG_DATE_INIT;
	for (size_t i = 0; i < v->nevents; i++) {
		const struct vg_date *o = &v->events[i].onset;
		if (o->prec >= VG_DATE_YEAR &&
		    (best.prec == VG_DATE_NONE || vg_date_first_day(o) < vg_date_first_day(&best)))
			best = *o;
	}
	return best;
}

size_t vg_dedup_add_case(struct vg_dedup *d, const struct vg_case_version *v)
{
	const char *prods[MAX_ITEMS], *evs[MAX_ITEMS];
	size_t np = 0, ne = 0;
	for (size_t pass = 0; pass < 2 && np == 0; pass++)
		for (size_t i = 0; i < v->nproducts && np < MAX_ITEMS; i++) {
			const struct vg_product *p = &v->products[i];
			bool si = p->role == VG_ROLE_SUSPECT || p->role == VG_ROLE_INTERACTING;
			if (pass == 0 ? si : p->role != VG_ROLE_NOT_ADMINISTERED)
				prods[np++] = p->ingredient ? p->ingredient : p->name;
		}
	for (size_t i = 0; i < v->nevents && ne < MAX_ITEMS; i++)
		evs[ne++] = v->events[i].coded ? v->events[i].coded : v->events[i].term;
	struct vg_completeness c;
	vg_quality_completeness(v, &c);
	struct vg_dedup_input in = {
		.case_id = v->case_id, .sex = v->sex, .age_years = v->age_years,
		.onset = earliest_onset(v), .country = v->country, .products = prods,
		.nproducts = np, .events = evs, .nevents = ne, .qualification = v->qualification,
		.reporter = v->reporter_org ? v->reporter_org : v->reporter_name,
		.patient_id = v->patient_id, .unit = v->unit, .completeness = c.score,
		.received = v->received.prec ? v->received : v->submitted,
	};
	return vg_dedup_add(d, &in);
}

size_t vg_dedup_count(const struct vg_dedup *d)
{
	return d->n;
}

const char *vg_dedup_case_id(const struct vg_dedup *d, size_t i)
{
	return i < d->n ? d->recs[i].case_id : NULL;
}

int32_t vg_dedup_received_day(const struct vg_dedup *d, size_t i)
{
	return i < d->n ? d->recs[i].received : DAY_UNKNOWN;
}

/* ------------------------------------------------------- field weights */

static double lr(double m, double u)
{
	if (u < 1e-6)
		u = 1e-6;
	if (u > 1 - 1e-6)
		u = 1 - 1e-6;
	return log2(m / u);
}

static int age_band(float a, float b)
{
	float dd = fabsf(a - b);
	return dd <= 0.5f ? 0 : dd <= 2.0f ? 1 : 2;
}

static int onset_band(const struct rec *a, const struct rec *b)
{
	int32_t gap = 0;
	if (a->on_hi < b->on_lo)
		gap = b->on_lo - a->on_hi;
	else if (b->on_hi < a->on_lo)
		gap = a->on_lo - b->on_hi;
	return gap == 0 ? 0 : gap <= 7 ? 1 : gap <= 31 ? 2 : 3;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* u for the age and onset bands from random pairs, Laplace-smoothed. */
static void estimate_bands(struct vg_dedup *d, uint64_t seed)
{
	double age[3] = {1, 1, 1}, day[4] = {1, 1, 1, 1}, part[4] = {1, 1, 1, 1};
	uint64_t s = seed ? seed : 1;
	for (size_t k = 0; d->n > 1 && k < RANDOM_PAIRS; k++) {
		const struct rec *a = &d->recs[rng_next(&s) % d->n];
		const struct rec *b = &d->recs[rng_next(&s) % d->n];
		if (a == b)
			continue;
		if (!isnan(a->age) && !isnan(b->age))
			age[age_band(a->age, b->age)] += 1;
		if (a->on_lo != DAY_UNKNOWN && b->on_lo != DAY_UNKNOWN)
			(a->on_day && b->on_day ? day : part)[onset_band(a, b)] += 1;
	}
	double ta = age[0] + age[1] + age[2];
	double td = day[0] + day[1] + day[2] + day[3], tp = part[0] + part[1] + part[2] + part[3];
	for (int i = 0; i < 3; i++)
		d->u_age[i] = age[i] / ta;
	for (int i = 0; i < 4; i++) {
		d->u_on_day[i] = day[i] / td;
		d->u_on_part[i] = part[i] / tp;
	}
}

/* ------------------------------------------- product-event co-occurrence */

static size_t co_slot(const struct vg_dedup *d, uint64_t key)
{
	size_t mask = d->co_cap - 1, i = (size_t)vg_hash64(&key, sizeof(key)) & mask;
	while (d->co_keys[i] && d->co_keys[i] != key + 1)
		i = (i + 1) & mask;
	return i;
}

/* Count, for every (product, event) held together by a record, the records
 * holding both: the events' u-probabilities are conditioned on it. */
static void co_build(struct vg_dedup *d)
{
	size_t need = 0;
	for (size_t i = 0; i < d->n; i++)
		need += (size_t)d->recs[i].nprod * d->recs[i].nev;
	free(d->co_keys);
	free(d->co_vals);
	for (d->co_cap = 64; d->co_cap < need * 2; d->co_cap *= 2)
		;
	d->co_keys = vg_xcalloc(d->co_cap, sizeof(*d->co_keys));
	d->co_vals = vg_xcalloc(d->co_cap, sizeof(*d->co_vals));
	for (size_t i = 0; i < d->n; i++) {
		const struct rec *r = &d->recs[i];
		for (size_t p = 0; p < r->nprod; p++)
			for (size_t e = 0; e < r->nev; e++) {
				uint64_t key = (uint64_t)r->prod[p] << 32 | r->ev[e];
				size_t k = co_slot(d, key);
				d->co_keys[k] = key + 1;
				d->co_vals[k]++;
			}
	}
}

static uint32_t co_count(const struct vg_dedup *d, uint32_t prod, uint32_t ev)
{
	size_t k = co_slot(d, (uint64_t)prod << 32 | ev);
	return d->co_keys[k] ? d->co_vals[k] : 0;
}

/* Value shares of sex, qualification; item and text document counts. */
static void count_values(struct vg_dedup *d)
{
	uint32_t np = vg_map_count(d->prod_map), ne = vg_map_count(d->ev_map);
	uint32_t nt = vg_map_count(d->text_map);
	double sex[3] = {0}, qual[VG_QUAL_COUNT] = {0}, nsex = 0, nqual = 0;
	free(d->prod_df);
	free(d->ev_df);
	free(d->text_df);
	d->prod_df = vg_xcalloc(np + 1, sizeof(uint32_t));
	d->ev_df = vg_xcalloc(ne + 1, sizeof(uint32_t));
	d->text_df = vg_xcalloc(nt + 1, sizeof(uint32_t));
	for (size_t i = 0; i < d->n; i++) {
		const struct rec *r = &d->recs[i];
		for (size_t k = 0; k < r->nprod; k++)
			d->prod_df[r->prod[k]]++;
		for (size_t k = 0; k < r->nev; k++)
			d->ev_df[r->ev[k]]++;
		uint32_t t[3] = {r->country, r->reporter, r->patient};
		for (int k = 0; k < 3; k++)
			if (t[k] != NO_ID)
				d->text_df[t[k]]++;
		if (r->sex)
			sex[(int)r->sex]++, nsex++;
		if (r->qual)
			qual[(int)r->qual]++, nqual++;
	}
	d->sex_u = d->qual_u = 0;
	for (int k = 1; k < 3; k++)
		d->sex_p[k] = nsex ? sex[k] / nsex : 0.5, d->sex_u += d->sex_p[k] * d->sex_p[k];
	for (int k = 1; k < VG_QUAL_COUNT; k++)
		d->qual_p[k] = nqual ? qual[k] / nqual : 0.2, d->qual_u += d->qual_p[k] * d->qual_p[k];
}

/* Share of records that hold a text value (country, org, initials). */
static double text_share(const struct vg_dedup *d, uint32_t id)
{
	double n = d->n ? (double)d->n : 1.0;
	return ((double)d->text_df[id] + 1.0) / (n + 1.0);
}

static double country_u(const struct vg_dedup *d)
{
	/* u of "agree on some country": sum of squared shares */
	double u = 0, n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->recs[i].country != NO_ID;
	if (n == 0)
		return 0.5;
	uint32_t nt = vg_map_count(d->text_map);
	for (uint32_t id = 0; id < nt; id++) {
		size_t len;
		const char *k = vg_map_key(d->text_map, id, &len);
		if (k[0] == 'c') {
			double p = d->text_df[id] / n;
			u += p * p;
		}
	}
	return u;
}

/* ------------------------------------------------------------ item sets */

/* Jaro-Winkler similarity of two byte strings. */
static double jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
	if (la == 0 || lb == 0 || la > NAME_MAX_BYTES || lb > NAME_MAX_BYTES)
		return 0.0;
	bool ma[NAME_MAX_BYTES] = {0}, mb[NAME_MAX_BYTES] = {0};
	size_t win = (la > lb ? la : lb) / 2, m = 0, t = 0, k = 0;
	win = win ? win - 1 : 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;
		for (size_t j = lo; j < hi; j++)
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = true, m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	for (size_t i = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		t += a[i] != b[k++];
	}
	double dm = (double)m;
	double jaro = (dm / la + dm / lb + (dm - t / 2.0) / dm) / 3.0;
	size_t l = 0;
	while (l < 4 && l < la && l < lb && a[l] == b[l])
		l++;
	return jaro + l * 0.1 * (1.0 - jaro);
}

/* Cheap filter before Jaro-Winkler: a typo keeps the length within 2 and
 * one of the first two bytes (JW >= 0.92 needs a long common prefix or
 * nearly all characters in place anyway). */
static bool fuzzy_candidate(const char *a, size_t la, const char *b, size_t lb)
{
	size_t dl = la > lb ? la - lb : lb - la;
	return dl <= 2 && la >= 4 && lb >= 4 && (a[0] == b[0] || a[1] == b[1]);
}

static double item_weight(const uint32_t *df, size_t n, uint32_t id, double m)
{
	double f = ((double)df[id] + 1.0) / ((double)n + 1.0);
	return lr(m, f);
}

struct setcmp {
	int shared, fuzzy, unmatched;
	double w;
	uint32_t ids[MAX_ITEMS]; /* the exactly shared items */
};

/*
 * Weight of a shared event given the products the pair shares: events are
 * not independent of drugs (a drug's known reaction comes with it), so u
 * is the larger of the event's share and its share among the other records
 * holding a shared product, leaving the pair itself out:
 *     u = max(f(e), (n(d,e) - 2 + f(e)) / (n(d) - 2 + 1)).
 * Two patients of one signal cluster (same rare drug, same reaction) then
 * earn the drug once, not twice; a lone duplicate pair keeps both.
 */
static double event_weight(const struct vg_dedup *d, uint32_t ev, const struct setcmp *given)
{
	double f = ((double)d->ev_df[ev] + 1.0) / ((double)d->n + 1.0), u = f;
	for (int i = 0; given && i < given->shared; i++) {
		uint32_t p = given->ids[i];
		double c = (double)co_count(d, p, ev) - 2.0, n = (double)d->prod_df[p] - 2.0;
		double cond = ((c > 0 ? c : 0) + f) / ((n > 0 ? n : 0) + 1.0);
		u = cond > u ? cond : u;
	}
	return lr(M_ITEM_EVENT, u);
}

static int cmp_desc(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a > b ? -1 : a < b;
}

/*
 * Shared items are not independent evidence (a patient-support programme's
 * reports share ten common events; "blood pressure increased" comes with
 * "blood pressure systolic increased"), so the k-th best item (0-based)
 * counts ITEM_DECAY^k of its weight; negative weights count fully.
 */
static double decayed_sum(double *w, size_t n)
{
	double sum = 0, f = 1;
	qsort(w, n, sizeof(*w), cmp_desc);
	for (size_t k = 0; k < n; k++) {
		sum += w[k] > 0 ? f * w[k] : w[k];
		f *= w[k] > 0 ? ITEM_DECAY : 1;
	}
	return sum;
}

/* Compare two sorted id sets (the essay's item rule); given: the products'
 * comparison when these are events. */
static struct setcmp compare_sets(const struct vg_dedup *d, const struct vg_map *map,
                                  const uint32_t *df, double m, const uint32_t *a, size_t na,
                                  const uint32_t *b, size_t nb, const struct setcmp *given)
{
	struct setcmp r = {0, 0, 0, 0.0, {0}};
	double sw[MAX_ITEMS];
	if (na == 0 || nb == 0)
		return r;
	uint32_t ua[MAX_ITEMS], ub[MAX_ITEMS];
	size_t nua = 0, nub = 0, i = 0, j = 0;
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i] < b[j]))
			ua[nua++] = a[i++];
		else if (i >= na || b[j] < a[i])
			ub[nub++] = b[j++];
		else {
			sw[r.shared] = given ? event_weight(d, a[i], given)
			                     : item_weight(df, d->n, a[i], m);
			r.ids[r.shared++] = a[i];
			i++, j++;
		}
	}
	r.w = decayed_sum(sw, (size_t)r.shared);
	bool used[MAX_ITEMS] = {0};
	for (i = 0; i < nua && nua * nub <= FUZZY_MAX_WORK; i++) {
		size_t la, lb;
		const char *sa = vg_map_key(map, ua[i], &la);
		for (j = 0; j < nub; j++) {
			const char *sb = vg_map_key(map, ub[j], &lb);
			if (used[j] || !fuzzy_candidate(sa, la, sb, lb) ||
			    jaro_winkler(sa, la, sb, lb) < FUZZY_JW)
				continue;
			uint32_t common = df[ua[i]] > df[ub[j]] ? ua[i] : ub[j];
			r.w += FUZZY_SHARE * item_weight(df, d->n, common, m);
			used[j] = true, r.fuzzy++;
			break;
		}
	}
	r.unmatched = (int)(nua + nub) - 2 * r.fuzzy;
	double miss = MISS_ITEM * r.unmatched;
	r.w += miss < MISS_CAP ? MISS_CAP : miss;
	if (r.w > ITEM_FIELD_CAP)
		r.w = ITEM_FIELD_CAP;
	return r;
}

/* ------------------------------------------------------------- scoring */

static double w_sex(const struct vg_dedup *d, const struct rec *a, const struct rec *b)
{
	if (!a->sex || !b->sex)
		return 0.0;
	if (a->sex == b->sex)
		return lr(M_SEX, d->sex_p[(int)a->sex]);
	return log2((1 - M_SEX) / (1 - d->sex_u));
}

static double w_age(const struct vg_dedup *d, const struct rec *a, const struct rec *b)
{
	if (isnan(a->age) || isnan(b->age))
		return 0.0;
	int band = age_band(a->age, b->age);
	return lr(m_age[band], d->u_age[band]);
}

static double w_onset(const struct vg_dedup *d, const struct rec *a, const struct rec *b)
{
	if (a->on_lo == DAY_UNKNOWN || b->on_lo == DAY_UNKNOWN)
		return 0.0;
	int band = onset_band(a, b);
	return lr(m_onset[band], (a->on_day && b->on_day ? d->u_on_day : d->u_on_part)[band]);
}

static double w_country(const struct vg_dedup *d, const struct rec *a, const struct rec *b)
{
	if (a->country == NO_ID || b->country == NO_ID)
		return 0.0;
	if (a->country == b->country)
		return lr(M_COUNTRY, text_share(d, a->country));
	return log2((1 - M_COUNTRY) / (1 - (d->country_u < 0.99 ? d->country_u : 0.99)));
}

static double w_text(const struct vg_dedup *d, uint32_t x, uint32_t y, double diff)
{
	if (x == NO_ID || y == NO_ID)
		return 0.0;
	if (x != y)
		return diff;
	double w = lr(M_TEXT, text_share(d, x));
	return w > TEXT_CAP ? TEXT_CAP : w;
}

static double w_reporter(const struct vg_dedup *d, const struct rec *a, const struct rec *b)
{
	double w = w_text(d, a->reporter, b->reporter, REPORTER_DIFF);
	if (a->qual && b->qual)
		w += a->qual == b->qual ? lr(M_QUAL, d->qual_p[(int)a->qual])
		                        : log2((1 - M_QUAL) / (1 - d->qual_u));
	return w;
}

static void score_pair(const struct vg_dedup *d, size_t ia, size_t ib, struct vg_dedup_pair *p)
{
	const struct rec *a = &d->recs[ia], *b = &d->recs[ib];
	memset(p, 0, sizeof(*p));
	p->weight[VG_DD_SEX] = w_sex(d, a, b);
	p->weight[VG_DD_AGE] = w_age(d, a, b);
	p->weight[VG_DD_ONSET] = w_onset(d, a, b);
	p->weight[VG_DD_COUNTRY] = w_country(d, a, b);
	struct setcmp sp = compare_sets(d, d->prod_map, d->prod_df, M_ITEM_PRODUCT, a->prod,
	                                a->nprod, b->prod, b->nprod, NULL);
	struct setcmp se = compare_sets(d, d->ev_map, d->ev_df, M_ITEM_EVENT, a->ev, a->nev,
	                                b->ev, b->nev, &sp);
	p->weight[VG_DD_PRODUCTS] = sp.w;
	p->weight[VG_DD_EVENTS] = se.w;
	p->weight[VG_DD_REPORTER] = w_reporter(d, a, b);
	p->weight[VG_DD_PATIENT] = w_text(d, a->patient, b->patient, PATIENT_DIFF);
	p->shared_products = sp.shared + sp.fuzzy;
	p->shared_events = se.shared + se.fuzzy;
	for (int f = 0; f < VG_DD_NFIELDS; f++)
		p->score += p->weight[f];
	/* the master: better documented, then earlier received, then older */
	bool swap = b->completeness > a->completeness + 1e-9 ||
	            (fabs(b->completeness - a->completeness) <= 1e-9 && b->received != DAY_UNKNOWN &&
	             (a->received == DAY_UNKNOWN || b->received < a->received));
	p->a = swap ? ib : ia;
	p->b = swap ? ia : ib;
}

static void prepare(struct vg_dedup *d, uint64_t seed)
{
	count_values(d);
	co_build(d);
	estimate_bands(d, seed);
	d->country_u = country_u(d);
	d->prepared_n = d->n;
}

void vg_dedup_score(struct vg_dedup *d, size_t a, size_t b, struct vg_dedup_pair *out)
{
	if (d->prepared_n != d->n) /* records added since: counts are stale */
		prepare(d, 1);
	if (a >= d->n || b >= d->n) {
		memset(out, 0, sizeof(*out));
		return;
	}
	score_pair(d, a, b, out);
}

/* -------------------------------------------------------------- blocking */

struct blocks {
	struct idlist *prod, *ev; /* per item id */
	struct idlist *day;       /* per onset-day bucket (hash) */
	size_t nday;
	size_t max_block;
	/* (product, event) pairs of two over-size items: key + 1 -> list */
	uint64_t *pkeys;
	uint32_t *pidx;
	size_t pcap;
	struct idlist *plists;
	size_t nplists, plcap;
};

static void list_push(struct idlist *l, uint32_t v)
{
	VG_GROW(l->v, l->cap, l->n + 1);
	l->v[l->n++] = v;
}

static size_t day_bucket(const struct blocks *bl, int32_t day)
{
	return (size_t)vg_hash64(&day, sizeof(day)) % bl->nday;
}

/* Call fn for every (product, event) pair of record r whose two items
 * both have lists over the cap: such pairs become blocks of their own, so
 * that duplicates sharing only common items are still compared. */
#define FOR_BIG_PAIRS(bl, r, key)                                                  \
	for (size_t p_ = 0; p_ < (r)->nprod; p_++)                                     \
		if ((bl)->prod[(r)->prod[p_]].n > (bl)->max_block)                         \
			for (size_t e_ = 0; e_ < (r)->nev; e_++)                               \
				if ((bl)->ev[(r)->ev[e_]].n > (bl)->max_block &&                   \
				    ((key) = (uint64_t)(r)->prod[p_] << 32 | (r)->ev[e_], true))

static struct idlist *pair_list(struct blocks *bl, uint64_t key)
{
	size_t mask = bl->pcap - 1, i = (size_t)vg_hash64(&key, sizeof(key)) & mask;
	while (bl->pkeys[i] && bl->pkeys[i] != key + 1)
		i = (i + 1) & mask;
	if (!bl->pkeys[i]) {
		bl->pkeys[i] = key + 1;
		VG_GROW(bl->plists, bl->plcap, bl->nplists + 1);
		memset(&bl->plists[bl->nplists], 0, sizeof(*bl->plists));
		bl->pidx[i] = (uint32_t)bl->nplists++;
	}
	return &bl->plists[bl->pidx[i]];
}

static void pair_blocks_build(const struct vg_dedup *d, struct blocks *bl)
{
	size_t need = 0;
	uint64_t key;
	for (size_t i = 0; i < d->n; i++)
		FOR_BIG_PAIRS(bl, &d->recs[i], key) need++;
	for (bl->pcap = 64; bl->pcap < need * 2; bl->pcap *= 2)
		;
	bl->pkeys = vg_xcalloc(bl->pcap, sizeof(*bl->pkeys));
	bl->pidx = vg_xcalloc(bl->pcap, sizeof(*bl->pidx));
	for (size_t i = 0; i < d->n; i++)
		FOR_BIG_PAIRS(bl, &d->recs[i], key) list_push(pair_list(bl, key), (uint32_t)i);
}

static void blocks_build(const struct vg_dedup *d, struct blocks *bl, size_t max_block)
{
	memset(bl, 0, sizeof(*bl));
	bl->max_block = max_block;
	bl->prod = vg_xcalloc(vg_map_count(d->prod_map) + 1, sizeof(struct idlist));
	bl->ev = vg_xcalloc(vg_map_count(d->ev_map) + 1, sizeof(struct idlist));
	bl->nday = d->n / 4 + 1;
	bl->day = vg_xcalloc(bl->nday, sizeof(struct idlist));
	for (size_t i = 0; i < d->n; i++) {
		const struct rec *r = &d->recs[i];
		for (size_t k = 0; k < r->nprod; k++)
			list_push(&bl->prod[r->prod[k]], (uint32_t)i);
		for (size_t k = 0; k < r->nev; k++)
			list_push(&bl->ev[r->ev[k]], (uint32_t)i);
		if (r->on_day)
			list_push(&bl->day[day_bucket(bl, r->on_lo)], (uint32_t)i);
	}
	pair_blocks_build(d, bl);
}

static void lists_free(struct idlist *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].v);
	free(l);
}

static void blocks_release(const struct vg_dedup *d, struct blocks *bl)
{
	lists_free(bl->prod, vg_map_count(d->prod_map) + 1);
	lists_free(bl->ev, vg_map_count(d->ev_map) + 1);
	lists_free(bl->day, bl->nday);
	lists_free(bl->plists, bl->nplists);
	free(bl->pkeys);
	free(bl->pidx);
}

struct runner {
	struct vg_dedup *d;
	uint32_t *stamp; /* stamp[j] == i + 1: pair (i, j) already seen */
	double threshold;
	size_t max_block;
};

/* Compare record i with the earlier records of list l; day: l is an onset
 * bucket (hashed), only records of i's very day belong to the block. */
static void consider(struct runner *rn, size_t i, const struct idlist *l, bool day)
{
	struct vg_dedup *d = rn->d;
	if (l->n > rn->max_block)
		return;
	for (size_t k = 0; k < l->n && l->v[k] < i; k++) {
		uint32_t j = l->v[k];
		if (rn->stamp[j] == i + 1 || (day && d->recs[j].on_lo != d->recs[i].on_lo))
			continue;
		rn->stamp[j] = (uint32_t)i + 1;
		const struct rec *a = &d->recs[i], *b = &d->recs[j];
		if (a->sex && b->sex && a->sex != b->sex)
			continue; /* blocking on compatible sex */
		struct vg_dedup_pair p;
		d->compared++;
		score_pair(d, j, i, &p);
		if (p.score < rn->threshold)
			continue;
		VG_GROW(d->pairs, d->pairs_cap, d->npairs + 1);
		d->pairs[d->npairs++] = p;
	}
}

static int cmp_pair(const void *x, const void *y)
{
	const struct vg_dedup_pair *a = x, *b = y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	size_t la = a->a < a->b ? a->a : a->b, lb = b->a < b->b ? b->a : b->b;
	if (la != lb)
		return la < lb ? -1 : 1;
	size_t ha = a->a < a->b ? a->b : a->a, hb = b->a < b->b ? b->b : b->a;
	return ha < hb ? -1 : ha > hb;
}

int vg_dedup_run(struct vg_dedup *d, const struct vg_dedup_opts *opts, struct vg_err *err)
{
	struct vg_dedup_opts o = opts ? *opts : (struct vg_dedup_opts)VG_DEDUP_OPTS_INIT;
	if (isnan(o.threshold))
		return vg_err_set(err, VG_EINVAL, "threshold", "threshold is not a number");
	if (d->n >= UINT32_MAX - 1)
		return vg_err_set(err, VG_ETOOBIG, NULL, "too many records for dedup");
	prepare(d, o.seed);
	d->npairs = 0;
	d->compared = 0;
	struct blocks bl;
	struct runner rn = {d, vg_xcalloc(d->n + 1, sizeof(uint32_t)), o.threshold,
	                    o.max_block ? o.max_block : DEFAULT_MAX_BLOCK};
	blocks_build(d, &bl, rn.max_block);
	for (size_t i = 0; i < d->n; i++) {
		const struct rec *r = &d->recs[i];
		uint64_t key;
		for (size_t k = 0; k < r->nprod; k++)
			consider(&rn, i, &bl.prod[r->prod[k]], false);
		for (size_t k = 0; k < r->nev; k++)
			consider(&rn, i, &bl.ev[r->ev[k]], false);
		if (r->on_day)
			consider(&rn, i, &bl.day[day_bucket(&bl, r->on_lo)], true);
		FOR_BIG_PAIRS(&bl, r, key) consider(&rn, i, pair_list(&bl, key), false);
	}
	free(rn.stamp);
	blocks_release(d, &bl);
	if (d->npairs > 1)
		qsort(d->pairs, d->npairs, sizeof(*d->pairs), cmp_pair);
	return 0;
}

size_t vg_dedup_npairs(const struct vg_dedup *d)
{
	return d->npairs;
}

const struct vg_dedup_pair *vg_dedup_pair(const struct vg_dedup *d, size_t i)
{
	return i < d->npairs ? &d->pairs[i] : NULL;
}

uint64_t vg_dedup_compared(const struct vg_dedup *d)
{
	return d->compared;
}

/* -------------------------------------------------------------- groups */

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

size_t vg_dedup_groups(const struct vg_dedup *d, const bool *keep, uint32_t *group)
{
	uint32_t *parent = vg_xmalloc((d->n ? d->n : 1) * sizeof(*parent));
	size_t ngroups = 0;
	for (size_t i = 0; i < d->n; i++) {
		parent[i] = (uint32_t)i;
		group[i] = UINT32_MAX;
	}
	for (size_t k = 0; k < d->npairs; k++) {
		if (keep && !keep[k])
			continue;
		uint32_t a = uf_find(parent, (uint32_t)d->pairs[k].a);
		uint32_t b = uf_find(parent, (uint32_t)d->pairs[k].b);
		if (a != b)
			parent[b] = a;
	}
	/* number the roots in the order of their best pair (pairs are sorted) */
	for (size_t k = 0; k < d->npairs; k++) {
		if (keep && !keep[k])
			continue;
		uint32_t r = uf_find(parent, (uint32_t)d->pairs[k].a);
		if (group[r] == UINT32_MAX)
			group[r] = (uint32_t)ngroups++;
	}
	for (size_t k = 0; k < d->npairs; k++) {
		const struct vg_dedup_pair *p = &d->pairs[k];
		if (keep && !keep[k])
			continue;
		group[p->a] = group[uf_find(parent, (uint32_t)p->a)];
		group[p->b] = group[uf_find(parent, (uint32_t)p->b)];
	}
	free(parent);
	return ngroups;
}

size_t vg_dedup_master(const struct vg_dedup *d, const uint32_t *group, uint32_t g)
{
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < d->n; i++) {
		if (group[i] != g)
			continue;
		const struct rec *r = &d->recs[i], *m = best == SIZE_MAX ? NULL : &d->recs[best];
		if (!m || r->completeness > m->completeness + 1e-9 ||
		    (fabs(r->completeness - m->completeness) <= 1e-9 && r->received != DAY_UNKNOWN &&
		     (m->received == DAY_UNKNOWN || r->received < m->received)))
			best = i;
	}
	return best;
}

/* ------------------------------------------------------------- reasons */

/* Names of the items both records hold, comma-separated, into b. */
static void shared_names(const struct vg_map *m, const uint32_t *a, size_t na,
                         const uint32_t *b, size_t nb, struct vg_buf *out)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j]) {
			i++;
		} else if (b[j] < a[i]) {
			j++;
		} else {
			size_t len;
			const char *s = vg_map_key(m, a[i], &len);
			if (k < REASON_NAMES)
				vg_buf_printf(out, "%s%.*s", k ? "," : "", (int)len, s);
			k++, i++, j++;
		}
	}
	if (k > REASON_NAMES)
		vg_buf_printf(out, ",+%zu more", k - REASON_NAMES);
}

void vg_dedup_reasons(const struct vg_dedup *d, const struct vg_dedup_pair *p, char *out,
                      size_t outsz)
{
	const struct rec *a = &d->recs[p->a], *b = &d->recs[p->b];
	struct vg_buf bf = VG_BUF_INIT(outsz > 1 ? outsz - 1 : 1);
	for (int f = 0; f < VG_DD_NFIELDS; f++) {
		if (p->weight[f] == 0.0)
			continue;
		vg_buf_printf(&bf, "%s%s%+.1f", bf.len ? " " : "", field_names[f], p->weight[f]);
		if (f == VG_DD_PRODUCTS && p->shared_products) {
			vg_buf_puts(&bf, "(");
			shared_names(d->prod_map, a->prod, a->nprod, b->prod, b->nprod, &bf);
			vg_buf_puts(&bf, ")");
		} else if (f == VG_DD_EVENTS && p->shared_events) {
			vg_buf_puts(&bf, "(");
			shared_names(d->ev_map, a->ev, a->nev, b->ev, b->nev, &bf);
			vg_buf_puts(&bf, ")");
		}
	}
	if (outsz)
		vg_strlcpy(out, bf.p ? bf.p : "", outsz);
	vg_buf_release(&bf);
}
