/*
 * snap.c - the analysis snapshot and its builder.
 *
 * A snapshot is what the counting code reads, and nothing else: per report
 * the sorted distinct product ids and event ids in two CSR arrays, a
 * stratum id and a period id; names are interned once (vg_map) and every
 * later step works on dense uint32 ids.
 *
 *   prod_off[r] .. prod_off[r+1]   -> prod[]   (sorted, distinct)
 *   ev_off[r]   .. ev_off[r+1]     -> ev[]     (sorted, distinct)
 *   pair_off (NULL unless needed)  -> pair[]   explicit (p << 32 | e) pairs
 *   stratum[r], period[r]
 *
 * Two ways in.  vg_snap_builder_add takes a whole report (the store knows
 * its cases) and writes straight into the CSR arrays.  vg_snap_builder_add_row
 * takes openEBGM's long rows (report, product, event, stratum) in any order:
 * they are buffered as id triples and grouped by report in vg_snap_build,
 * repeated triples dropped.  Such a report's pairs are the (product, event)
 * combinations its rows name; when they are the whole cross product (the
 * usual case: every report of the CAERS extract) no pair list is stored.
 *
 * Ownership: the builder owns its maps until vg_snap_build moves them into
 * the snapshot; vg_snap_build consumes the builder on every path.
 */
#include "vg.h"
#include "util/util.h"

#include "signal/signal_int.h"

struct row {
	uint32_t r, p, e;
};

struct vg_snap_builder {
	struct vg_map *products, *events, *strata, *reports;
	/* whole reports, already in CSR form */
	uint64_t nrep;
	size_t rep_cap, prod_cap, ev_cap, nprod, nev;
	uint64_t *prod_off, *ev_off;
	uint32_t *prod, *ev, *stratum;
	int32_t *period;
	/* long rows, grouped at build time */
	struct row *rows;
	size_t nrows, rows_cap;
	uint32_t *row_stratum; /* by row-report id */
	size_t row_stratum_cap;
	/* scratch for one report */
	uint32_t *tmp;
	size_t tmp_cap;
};

struct vg_snap_builder *vg_snap_builder_new(void)
{
	struct vg_snap_builder *b = vg_xcalloc(1, sizeof(*b));

	b->products = vg_map_new(1024);
	b->events = vg_map_new(1024);
	b->strata = vg_map_new(16);
	b->reports = vg_map_new(1024);
	b->prod_off = vg_xcalloc(1, sizeof(uint64_t));
	b->ev_off = vg_xcalloc(1, sizeof(uint64_t));
	b->rep_cap = 1;
	return b;
}

void vg_snap_builder_free(struct vg_snap_builder *b)
{
	if (!b)
		return;
	vg_map_free(b->products);
	vg_map_free(b->events);
	vg_map_free(b->strata);
	vg_map_free(b->reports);
	free(b->prod_off);
	free(b->ev_off);
	free(b->prod);
	free(b->ev);
	free(b->stratum);
	free(b->period);
	free(b->rows);
	free(b->row_stratum);
	free(b->tmp);
	free(b);
}

uint32_t vg_snap_builder_product(struct vg_snap_builder *b, const char *name, size_t len)
{
	return vg_map_intern(b->products, name, len, NULL);
}

uint32_t vg_snap_builder_event(struct vg_snap_builder *b, const char *name, size_t len)
{
	return vg_map_intern(b->events, name, len, NULL);
}

uint32_t vg_snap_builder_stratum(struct vg_snap_builder *b, const char *name, size_t len)
{
	return vg_map_intern(b->strata, name, len, NULL);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Sort ids[0..n) and drop repeats; returns the new length. */
static size_t sort_unique(uint32_t *ids, size_t n)
{
	size_t k = 0;

	if (n > 1) {
		/* short lists are the rule: insertion sort beats qsort there */
		if (n <= 16) {
			for (size_t i = 1; i < n; i++) {
				uint32_t v = ids[i];
				size_t j = i;
				while (j > 0 && ids[j - 1] > v) {
					ids[j] = ids[j - 1];
					j--;
				}
				ids[j] = v;
			}
		} else {
			qsort(ids, n, sizeof(*ids), cmp_u32);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	return k;
}

/* Append ids (copied, sorted, unique) to a CSR column. */
static void append_ids(uint32_t **col, size_t *len, size_t *cap, const uint32_t *ids,
		       size_t n, uint32_t **tmp, size_t *tmp_cap)
{
	VG_GROW(*tmp, *tmp_cap, n);
	if (n)
		memcpy(*tmp, ids, n * sizeof(*ids));
	n = sort_unique(*tmp, n);
	VG_GROW(*col, *cap, *len + n);
	if (n)
		memcpy(*col + *len, *tmp, n * sizeof(**col));
	*len += n;
}

static int check_ids(const struct vg_map *m, const uint32_t *ids, size_t n,
		     const char *what, struct vg_err *err)
{
	uint32_t count = vg_map_count(m);
	for (size_t i = 0; i < n; i++)
		if (ids[i] >= count)
			return vg_err_set(err, VG_EINVAL, what, "id %" PRIu32 " was never interned",
					  ids[i]);
	return 0;
}

/* Stratum 0 with no stratum interned means "one stratum": name it "". */
static int check_stratum(struct vg_snap_builder *b, uint32_t stratum, struct vg_err *err)
{
	if (stratum == 0 && vg_map_count(b->strata) == 0)
		vg_map_intern(b->strata, "", 0, NULL);
	return check_ids(b->strata, &stratum, 1, "stratum", err);
}

int vg_snap_builder_add(struct vg_snap_builder *b, uint32_t stratum, int32_t period,
			const uint32_t *products, size_t nproducts,
			const uint32_t *events, size_t nevents, struct vg_err *err)
{
	int rc;

	if ((rc = check_stratum(b, stratum, err)) ||
	    (rc = check_ids(b->products, products, nproducts, "product", err)) ||
	    (rc = check_ids(b->events, events, nevents, "event", err)))
		return rc;
	if (b->nrep + 2 > b->rep_cap) {
		size_t cap = b->rep_cap;
		VG_GROW(b->prod_off, cap, b->nrep + 2);
		cap = b->rep_cap;
		VG_GROW(b->ev_off, cap, b->nrep + 2);
		b->stratum = vg_xreallocarray(b->stratum, cap, sizeof(*b->stratum));
		b->period = vg_xreallocarray(b->period, cap, sizeof(*b->period));
		b->rep_cap = cap;
	}
	append_ids(&b->prod, &b->nprod, &b->prod_cap, products, nproducts, &b->tmp, &b->tmp_cap);
	append_ids(&b->ev, &b->nev, &b->ev_cap, events, nevents, &b->tmp, &b->tmp_cap);
	b->stratum[b->nrep] = stratum;
	b->period[b->nrep] = period;
	b->nrep++;
	b->prod_off[b->nrep] = b->nprod;
	b->ev_off[b->nrep] = b->nev;
	return 0;
}

int vg_snap_builder_add_row(struct vg_snap_builder *b, struct vg_sv report,
			    struct vg_sv product, struct vg_sv event, struct vg_sv stratum,
			    struct vg_err *err)
{
	bool added;
	uint32_t r = vg_map_intern(b->reports, report.p ? report.p : "", report.len, &added);
	uint32_t s = vg_map_intern(b->strata, stratum.p ? stratum.p : "", stratum.len, NULL);

	if (added) {
		VG_GROW(b->row_stratum, b->row_stratum_cap, (size_t)r + 1);
		b->row_stratum[r] = s;
	} else if (b->row_stratum[r] != s) {
		size_t l1;
		const char *s1 = vg_map_key(b->strata, b->row_stratum[r], &l1);
		return vg_err_set(err, VG_EINVAL, "stratum",
				  "report %.*s has rows in two strata (%.*s, %.*s)",
				  (int)report.len, report.p, (int)l1, s1, (int)stratum.len,
				  stratum.p ? stratum.p : "");
	}
	VG_GROW(b->rows, b->rows_cap, b->nrows + 1);
	b->rows[b->nrows++] = (struct row){
		r, vg_map_intern(b->products, product.p ? product.p : "", product.len, NULL),
		vg_map_intern(b->events, event.p ? event.p : "", event.len, NULL)};
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return (x->e > y->e) - (x->e < y->e);
}

/* Group the buffered rows by report and append them as reports; rows of one
 * report become an explicit pair list unless they cover the cross product. */
static void flush_rows(struct vg_snap_builder *b, uint64_t **pair_off, uint64_t **pair,
		       size_t *npair)
{
	size_t pair_cap = 0, nrowrep = vg_map_count(b->reports);
	uint64_t first = b->nrep;

	if (b->nrows > 1)
		qsort(b->rows, b->nrows, sizeof(*b->rows), cmp_row);
	for (size_t i = 0, j; i < b->nrows; i = j) {
		size_t np = 0, ne = 0, nd = 0;
		uint32_t r = b->rows[i].r;

		for (j = i; j < b->nrows && b->rows[j].r == r; j++) {
			if (j == i || b->rows[j].p != b->rows[j - 1].p || b->rows[j].e != b->rows[j - 1].e)
				nd++;
		}
		/* products: already sorted; events: collect and sort */
		VG_GROW(b->tmp, b->tmp_cap, 2 * (j - i));
		for (size_t k = i; k < j; k++) {
			if (np == 0 || b->tmp[np - 1] != b->rows[k].p)
				b->tmp[np++] = b->rows[k].p;
		}
		for (size_t k = i; k < j; k++)
			b->tmp[np + ne++] = b->rows[k].e;
		ne = sort_unique(b->tmp + np, ne);
		uint32_t *ids = vg_xmalloc((np + ne) * sizeof(*ids));
		memcpy(ids, b->tmp, (np + ne) * sizeof(*ids));
		struct vg_err e2 = VG_ERR_INIT;
		(void)vg_snap_builder_add(b, b->row_stratum[r], -1, ids, np, ids + np, ne, &e2);
		free(ids);
		if (nd != np * ne) {
			if (!*pair_off)
				*pair_off = vg_xcalloc(first + nrowrep + 1, sizeof(uint64_t));
			for (size_t k = i; k < j; k++) {
				if (k > i && b->rows[k].p == b->rows[k - 1].p &&
				    b->rows[k].e == b->rows[k - 1].e)
					continue;
				VG_GROW(*pair, pair_cap, *npair + 1);
				(*pair)[(*npair)++] = (uint64_t)b->rows[k].p << 32 | b->rows[k].e;
			}
		}
		if (*pair_off)
			(*pair_off)[b->nrep] = *npair;
	}
}

int vg_snap_build(struct vg_snap_builder *b, struct vg_snap **out, struct vg_err *err)
{
	struct vg_snap *s = vg_xcalloc(1, sizeof(*s));
	uint64_t *pair_off = NULL, *pair = NULL;
	size_t npair = 0;
	uint64_t nwhole = b->nrep;

	flush_rows(b, &pair_off, &pair, &npair);
	if (pair_off) {
		/* reports before the first explicit list keep offset 0; fill the
		 * gaps left by cross-product reports with the running end */
		for (uint64_t r = nwhole + 1; r <= b->nrep; r++)
			if (pair_off[r] < pair_off[r - 1])
				pair_off[r] = pair_off[r - 1];
	}
	if (vg_map_count(b->strata) == 0)
		vg_map_intern(b->strata, "", 0, NULL);
	s->nreports = b->nrep;
	s->prod_off = b->prod_off, s->prod = b->prod;
	s->ev_off = b->ev_off, s->ev = b->ev;
	s->stratum = b->stratum, s->period = b->period;
	s->pair_off = pair_off, s->pair = pair;
	s->products = b->products, s->events = b->events, s->strata = b->strata;
	b->prod_off = b->ev_off = NULL;
	b->prod = b->ev = b->stratum = NULL;
	b->period = NULL;
	b->products = b->events = b->strata = NULL;
	vg_snap_builder_free(b);
	*out = s;
	VG_UNUSED(err);
	return 0;
}

void vg_snap_free(struct vg_snap *s)
{
	if (!s)
		return;
	free(s->prod_off);
	free(s->ev_off);
	free(s->pair_off);
	free(s->prod);
	free(s->ev);
	free(s->pair);
	free(s->stratum);
	free(s->period);
	vg_map_free(s->products);
	vg_map_free(s->events);
	vg_map_free(s->strata);
	free(s);
}

void vg_snap_info(const struct vg_snap *s, struct vg_snap_info *out)
{
	out->nreports = s->nreports;
	out->nproducts = vg_map_count(s->products);
	out->nevents = vg_map_count(s->events);
	out->nstrata = vg_map_count(s->strata);
	out->nproduct_links = s->prod_off[s->nreports];
	out->nevent_links = s->ev_off[s->nreports];
}

const char *vg_snap_product_name(const struct vg_snap *s, uint32_t id)
{
	return vg_map_key(s->products, id, NULL);
}

const char *vg_snap_event_name(const struct vg_snap *s, uint32_t id)
{
	return vg_map_key(s->events, id, NULL);
}

const char *vg_snap_stratum_name(const struct vg_snap *s, uint32_t id)
{
	return vg_map_key(s->strata, id, NULL);
}

uint32_t vg_snap_find_product(const struct vg_snap *s, const char *name)
{
	return vg_map_find(s->products, name, strlen(name));
}

uint32_t vg_snap_find_event(const struct vg_snap *s, const char *name)
{
	return vg_map_find(s->events, name, strlen(name));
}
