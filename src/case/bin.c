/*
 * bin.c - the binary form of a case version, the store's document format.
 *
 * The store hashes a version's document for idempotent re-imports and
 * decodes it for every read and scan, so the form is written and read
 * without text: the field tables of fields.c (case_int.h) give each field
 * a tag byte, values are varints or raw bytes, and a field that is unknown
 * is simply absent.  It carries exactly what the JSON form carries (case.h),
 * no more: decoding a document and writing its JSON gives the JSON of the
 * version that was encoded.
 *
 * Layout (format 1, first byte 0xB1):
 *
 *   document = 0xB1  member*  array*  0x00
 *   member   = tag value                       tags of vg_case_version_fields
 *   array    = tag count element{count}        40 products, 41 events, 42 causality
 *   element  = member* 0x00                    tags of the element's table
 *
 * Members and arrays appear in table order (the tags increase), each at
 * most once.  The nested JSON objects (reporter, patient, patient.age)
 * have no tag: their fields are members of the version like the others.
 * uv is an unsigned LEB128 varint (7 bits a byte, low group first, at most
 * 10 bytes, no redundant 0x00 group); zz(x) maps a signed x to unsigned as
 * 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
 *
 *   kind   value                                     absent when
 *   STR    uv length, then the bytes (no NUL)        NULL ("" is a value)
 *   BOOL   nothing: the tag means true               false
 *   CODE   uv code (1..in its list)                  0
 *   INT    uv zz(value)   (product action)           0
 *   IDX    uv zz(value)   (causality indices)        0
 *   SER    uv bits (1..63, VG_SER_ALL bits only)     no bit
 *   NUM    uv zz(i) << 2         integral, |x| < 2^53, not -0
 *          uv zz(k) << 2 | 1     x == k / 10.0, k not a multiple of 10, |k| < 2^50
 *          0x02, 8 bytes         any other finite double, IEEE 754 little-endian
 *                                                    not finite (NaN = unknown)
 *   DATE   uv (packed << 3 | prec), prec 1-6 (year ... second), packed =
 *          zz(year - 2000), then month:4 day:5 hour:5 minute:6 second:6
 *          bits appended for each part the precision has
 *          (2024-03-01 = 3 bytes); a date whose parts do not fit those
 *          bits (only out-of-calendar values do) is written raw:
 *          uv (zz(year - 2000) << 3 | 7), a prec byte, then the
 *          prec - 1 parts month ... as int8 bytes    prec NONE
 *
 * Dates keep the parts their precision covers (a precision above seconds
 * is written as seconds, as the JSON writes it).  A version that knows only
 * age_years is written with {age_years, "a"} (vg_case_enc_view, as in JSON)
 * and the decoder derives age_years from age_value + age_unit, as the JSON
 * decoder does, so both decoders hand readers the same struct.
 *
 * Canonical: the decoder accepts only what the encoder writes (tags in
 * order, no redundant varint bytes, no explicit default: a code, integer
 * or count of 0, an empty seriousness; no NUL inside a string; a number or
 * date in the short form whenever it fits), so every document that decodes
 * re-encodes to the same bytes.  A change to the layout (a tag, an
 * encoding, the order) is a new format: a new VG_CASE_BIN_MAGIC, and the
 * decoder of the old one kept for stored documents.
 *
 * Hostile bytes: every read is checked against the end; a count or length
 * must fit in what is left (an element takes at least one byte), so memory
 * allocated is bounded by a small multiple of the input: the version
 * struct, arrays of at most len elements, and one block of len bytes that
 * holds every string (a string of n bytes takes at least n + 2 input bytes
 * and n + 1 in the block).
 *
 * Writing walks the tables and goes through a stack staging area flushed
 * into the vg_buf in large pieces; on any error the vg_buf is cut back to
 * where it was.  Reading does not walk the tables (most fields are absent):
 * it looks each tag up in an index built once from them (tag -> field, one
 * per table) and requires it above the previous tag, which is the table
 * order (test_case.c checks that the tags increase along the walk).
 */
#include "vg.h"
#include "case/case_int.h"

#include <math.h>
#include <pthread.h>

#define AT VG_CF_AT
#define CAT VG_CF_CAT

#define YEAR_BASE 2000
#define DATE_RAW 7
#define NUM_INT 0
#define NUM_TENTHS 1
#define NUM_RAW 2
#define TWO_53 9007199254740992.0
#define TWO_50 1125899906842624.0

/* Bits of month, day, hour, minute, second in a packed date (index = part). */
static const uint8_t date_bits[6] = {0, 4, 5, 5, 6, 6};

static uint64_t zz(int64_t x)
{
	return x < 0 ? ~((uint64_t)x << 1) : (uint64_t)x << 1;
}

static int64_t unzz(uint64_t u)
{
	return u & 1 ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
}

/* The form a finite double takes and its integer (i or k, see above). */
static int num_class(double x, int64_t *k)
{
	if (fabs(x) < TWO_53 && x == (double)(int64_t)x && !(x == 0 && signbit(x))) {
		*k = (int64_t)x;
		return NUM_INT;
	}
	double y = x * 10;
	if (x != 0 && fabs(y) < TWO_50) {
		int64_t t = (int64_t)(y < 0 ? y - 0.5 : y + 0.5);
		if ((double)t / 10 == x && t % 10 != 0) {
			*k = t;
			return NUM_TENTHS;
		}
	}
	return NUM_RAW;
}

/* The parts of d up to prec: year, month, day, hour, minute, second. */
static void date_parts(const struct vg_date *d, int v[6])
{
	v[0] = d->year;
	v[1] = d->month;
	v[2] = d->day;
	v[3] = d->hour;
	v[4] = d->minute;
	v[5] = d->second;
}

static bool date_packable(const int v[6], int prec)
{
	for (int i = 1; i < prec; i++)
		if (v[i] < 0 || v[i] >= 1 << date_bits[i])
			return false;
	return true;
}

/* ============================================================== encoding */

enum { STAGE = 1024, SCALAR_MAX = 24 }; /* a tag and the longest non-string value */

struct wr {
	struct vg_buf *b;
	size_t n; /* bytes staged in s */
	int rc;
	uint8_t s[STAGE];
};

static void flush(struct wr *w)
{
	if (w->n && !w->rc)
		w->rc = vg_buf_add(w->b, w->s, w->n);
	w->n = 0;
}

/* Room for k more staged bytes (k <= SCALAR_MAX, or any k that fits). */
static uint8_t *room(struct wr *w, size_t k)
{
	if (w->n + k > STAGE)
		flush(w);
	return w->s + w->n;
}

static void put_byte(struct wr *w, uint8_t c)
{
	*room(w, 1) = c;
	w->n++;
}

static size_t put_uv(uint8_t *o, uint64_t x)
{
	size_t n = 0;

	while (x >= 0x80) {
		o[n++] = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	o[n++] = (uint8_t)x;
	return n;
}

/* tag, then uv x. */
static void put_tag_uv(struct wr *w, uint8_t tag, uint64_t x)
{
	uint8_t *o = room(w, SCALAR_MAX);

	o[0] = tag;
	w->n += 1 + put_uv(o + 1, x);
}

static void put_str(struct wr *w, uint8_t tag, const char *s)
{
	size_t len = strlen(s);

	put_tag_uv(w, tag, len);
	if (len <= STAGE - w->n) {
		if (len)
			memcpy(w->s + w->n, s, len);
		w->n += len;
		return;
	}
	flush(w);
	if (!w->rc)
		w->rc = vg_buf_add(w->b, s, len);
}

static void put_num(struct wr *w, uint8_t tag, double x)
{
	int64_t k = 0;
	int cls = num_class(x, &k);
	uint64_t bits;
	uint8_t *o;

	if (cls != NUM_RAW) {
		put_tag_uv(w, tag, zz(k) << 2 | (uint64_t)cls);
		return;
	}
	o = room(w, SCALAR_MAX);
	o[0] = tag;
	o[1] = NUM_RAW;
	memcpy(&bits, &x, sizeof(bits));
	for (int i = 0; i < 8; i++)
		o[2 + i] = (uint8_t)(bits >> (8 * i));
	w->n += 10;
}

static void put_date(struct wr *w, uint8_t tag, const struct vg_date *d)
{
	int prec = d->prec > VG_DATE_SECOND ? VG_DATE_SECOND : d->prec;
	int v[6];
	uint64_t x = zz(d->year - YEAR_BASE);
	uint8_t *o;

	date_parts(d, v);
	if (date_packable(v, prec)) {
		for (int i = 1; i < prec; i++)
			x = x << date_bits[i] | (uint64_t)v[i];
		put_tag_uv(w, tag, x << 3 | (uint64_t)prec);
		return;
	}
	put_tag_uv(w, tag, x << 3 | DATE_RAW);
	o = room(w, 8);
	o[0] = (uint8_t)prec;
	for (int i = 1; i < prec; i++)
		o[i] = (uint8_t)v[i];
	w->n += (size_t)prec;
}

static void put_code(struct wr *w, const void *base, const struct vg_case_field *f)
{
	const struct vg_case_codec *c = f->sub;
	int code = *CAT(base, f->off, int);

	if (code == 0)
		return;
	if (!c->name(code)) {
		w->rc = VG_EINVAL; /* a code outside its list: validate first */
		return;
	}
	put_tag_uv(w, f->tag, (uint64_t)code);
}

/* One field of base: nothing when it is unknown (or false, or 0). */
static void put_field(struct wr *w, const void *base, const struct vg_case_field *f)
{
	switch (f->kind) {
	case VG_CF_STR: {
		const char *s = *CAT(base, f->off, const char *);
		if (s)
			put_str(w, f->tag, s);
		break;
	}
	case VG_CF_DATE:
		if (CAT(base, f->off, struct vg_date)->prec != VG_DATE_NONE)
			put_date(w, f->tag, CAT(base, f->off, struct vg_date));
		break;
	case VG_CF_BOOL:
		if (*CAT(base, f->off, bool))
			put_byte(w, f->tag);
		break;
	case VG_CF_CODE: put_code(w, base, f); break;
	case VG_CF_NUM:
		if (isfinite(*CAT(base, f->off, double)))
			put_num(w, f->tag, *CAT(base, f->off, double));
		break;
	case VG_CF_INT:
	case VG_CF_IDX:
		if (*CAT(base, f->off, int))
			put_tag_uv(w, f->tag, zz(*CAT(base, f->off, int)));
		break;
	case VG_CF_SER:
		if (*CAT(base, f->off, unsigned) & VG_SER_ALL)
			put_tag_uv(w, f->tag, *CAT(base, f->off, unsigned) & VG_SER_ALL);
		break;
	}
}

static void put_fields(struct wr *w, const void *base, const struct vg_case_field *fs)
{
	for (; fs->key && !w->rc; fs++) {
		if (fs->kind == VG_CF_OBJ)
			put_fields(w, base, fs->sub);
		else
			put_field(w, base, fs);
	}
}

static void put_array(struct wr *w, const struct vg_case_version *v,
                      const struct vg_case_array *arr)
{
	size_t n;
	const char *items;

	memcpy(&n, CAT(v, arr->off_n, size_t), sizeof(n));
	memcpy(&items, CAT(v, arr->off_items, char *), sizeof(items));
	if (n == 0)
		return;
	put_tag_uv(w, arr->tag, n);
	for (size_t i = 0; i < n && !w->rc; i++) {
		put_fields(w, items + i * arr->size, arr->fields);
		put_byte(w, 0);
	}
}

int vg_case_to_bin(const struct vg_case_version *v, struct vg_buf *b)
{
	struct vg_case_version tmp;
	struct wr w;
	size_t start = b->len;

	w.b = b;
	w.n = 0;
	w.rc = 0;
	v = vg_case_enc_view(v, &tmp);
	w.s[w.n++] = VG_CASE_BIN_MAGIC;
	put_fields(&w, v, vg_case_version_fields);
	for (int i = 0; i < VG_CASE_NARRAYS; i++)
		put_array(&w, v, &vg_case_arrays[i]);
	put_byte(&w, 0);
	flush(&w);
	if (w.rc) {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
	return w.rc;
}

/* ============================================================== decoding */

struct rd {
	const uint8_t *p, *end;
	char *str; /* next free byte of the strings block */
	struct vg_arena *a;
};

static int get_uv(struct rd *r, uint64_t *out)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end)
			return VG_EPARSE;
		uint8_t c = *r->p++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (c < 0x80) {
			if ((c == 0 && shift) || (shift == 63 && c > 1))
				return VG_EPARSE; /* a redundant group, or past 64 bits */
			*out = x;
			return 0;
		}
	}
	return VG_EPARSE;
}

static int get_str(struct rd *r, const char **out)
{
	uint64_t n;

	if (get_uv(r, &n) || n > (uint64_t)(r->end - r->p) || memchr(r->p, 0, n))
		return VG_EPARSE;
	*out = r->str;
	if (n)
		memcpy(r->str, r->p, n);
	r->str[n] = '\0';
	r->str += n + 1;
	r->p += n;
	return 0;
}

static int get_num(struct rd *r, double *out)
{
	uint64_t u, bits = 0;
	int64_t k = 0, k2 = 0;
	double x;
	int cls;

	if (get_uv(r, &u))
		return VG_EPARSE;
	cls = (int)(u & 3);
	if (u == NUM_RAW && r->end - r->p >= 8) {
		for (int i = 0; i < 8; i++)
			bits |= (uint64_t)r->p[i] << (8 * i);
		r->p += 8;
		memcpy(&x, &bits, sizeof(x));
	} else if (cls == NUM_INT || cls == NUM_TENTHS) {
		k = unzz(u >> 2);
		x = cls == NUM_INT ? (double)k : (double)k / 10;
	} else {
		return VG_EPARSE;
	}
	if (!isfinite(x) || num_class(x, &k2) != cls || k2 != k)
		return VG_EPARSE; /* not the form the encoder writes for x */
	*out = x;
	return 0;
}

/* The raw form's prec byte and parts (the year came with the varint). */
static int get_raw_date(struct rd *r, int v[6], int *prec)
{
	if (r->p == r->end || *r->p < VG_DATE_YEAR || *r->p > VG_DATE_SECOND ||
	    *r->p > r->end - r->p)
		return VG_EPARSE;
	*prec = *r->p;
	for (int i = 1; i < *prec; i++)
		v[i] = (int8_t)r->p[i];
	r->p += *prec;
	return date_packable(v, *prec) ? VG_EPARSE : 0; /* would have been packed */
}

static int get_date(struct rd *r, struct vg_date *out)
{
	uint64_t x;
	int v[6] = {0, 0, 0, 0, 0, 0}, prec;
	int64_t year;

	if (get_uv(r, &x) || (x & 7) == VG_DATE_NONE)
		return VG_EPARSE;
	prec = (int)(x & 7);
	x >>= 3;
	if (prec == DATE_RAW) {
		if (get_raw_date(r, v, &prec))
			return VG_EPARSE;
	} else {
		for (int i = prec - 1; i >= 1; i--) {
			v[i] = (int)(x & ((1u << date_bits[i]) - 1));
			x >>= date_bits[i];
		}
	}
	if (x > UINT32_MAX)
		return VG_EPARSE;
	year = unzz(x) + YEAR_BASE;
	if (year < INT16_MIN || year > INT16_MAX)
		return VG_EPARSE;
	*out = (struct vg_date){(int16_t)year, (int8_t)v[1], (int8_t)v[2], (int8_t)v[3],
	                        (int8_t)v[4], (int8_t)v[5], (uint8_t)prec};
	return 0;
}

/* A varint in [lo, hi]. */
static int get_range(struct rd *r, int64_t lo, int64_t hi, bool zigzag, int64_t *out)
{
	uint64_t u;

	if (get_uv(r, &u))
		return VG_EPARSE;
	if (!zigzag && u > (uint64_t)hi)
		return VG_EPARSE;
	*out = zigzag ? unzz(u) : (int64_t)u;
	return *out < lo || *out > hi ? VG_EPARSE : 0;
}

static int get_field(struct rd *r, void *base, const struct vg_case_field *f)
{
	int64_t x;

	switch (f->kind) {
	case VG_CF_STR: return get_str(r, AT(base, f->off, const char *));
	case VG_CF_DATE: return get_date(r, AT(base, f->off, struct vg_date));
	case VG_CF_NUM: return get_num(r, AT(base, f->off, double));
	case VG_CF_BOOL: *AT(base, f->off, bool) = true; return 0;
	case VG_CF_SER:
		if (get_range(r, 1, VG_SER_ALL, false, &x))
			return VG_EPARSE;
		*AT(base, f->off, unsigned) = (unsigned)x;
		return 0;
	case VG_CF_CODE:
		if (get_range(r, 1, INT_MAX, false, &x) ||
		    !((const struct vg_case_codec *)f->sub)->name((int)x))
			return VG_EPARSE;
		*AT(base, f->off, int) = (int)x;
		return 0;
	case VG_CF_INT:
	case VG_CF_IDX:
		if (get_range(r, INT_MIN, INT_MAX, true, &x) || x == 0)
			return VG_EPARSE;
		*AT(base, f->off, int) = (int)x;
		return 0;
	}
	return VG_EPARSE;
}

struct tag_index {
	const struct vg_case_field *by_tag[128];
};
static struct tag_index ix_version, ix_elem[VG_CASE_NARRAYS];
static pthread_once_t ix_once = PTHREAD_ONCE_INIT;

static void index_fields(struct tag_index *ix, const struct vg_case_field *fs)
{
	for (; fs->key; fs++)
		if (fs->kind == VG_CF_OBJ)
			index_fields(ix, fs->sub);
		else
			ix->by_tag[fs->tag] = fs;
}

static void index_all(void)
{
	index_fields(&ix_version, vg_case_version_fields);
	for (int i = 0; i < VG_CASE_NARRAYS; i++)
		index_fields(&ix_elem[i], vg_case_arrays[i].fields);
}

/* Members while the next byte is a tag of ix above the last one. */
static int get_fields(struct rd *r, void *base, const struct tag_index *ix)
{
	unsigned last = 0;

	while (r->p < r->end) {
		unsigned t = *r->p;
		const struct vg_case_field *f = t < 128 ? ix->by_tag[t] : NULL;
		int rc;
		if (!f || t <= last)
			break;
		r->p++;
		last = t;
		rc = f->kind == VG_CF_STR ? get_str(r, AT(base, f->off, const char *))
		                          : get_field(r, base, f); /* strings: most members */
		if (rc)
			return rc;
	}
	return 0;
}

static int get_end(struct rd *r)
{
	if (r->p == r->end || *r->p != 0)
		return VG_EPARSE;
	r->p++;
	return 0;
}

static int get_array(struct rd *r, struct vg_case_version *v, const struct vg_case_array *arr)
{
	uint64_t n;
	char *items;

	r->p++; /* the tag */
	if (get_uv(r, &n) || n == 0 || n > (uint64_t)(r->end - r->p))
		return VG_EPARSE; /* each element takes at least its 0x00 */
	items = vg_arena_calloc(r->a, n, arr->size);
	for (size_t i = 0; i < n; i++)
		if (get_fields(r, items + i * arr->size, &ix_elem[arr - vg_case_arrays]) || get_end(r))
			return VG_EPARSE;
	memcpy(AT(v, arr->off_items, char *), &items, sizeof(items));
	memcpy(AT(v, arr->off_n, size_t), &n, sizeof(size_t));
	memcpy(AT(v, arr->off_cap, size_t), &n, sizeof(size_t));
	return 0;
}

int vg_case_from_bin(const void *p, size_t len, struct vg_arena *a,
                     struct vg_case_version **out)
{
	struct rd r;
	struct vg_case_version *v;
	int rc;

	*out = NULL;
	if (len < 2 || *(const uint8_t *)p != VG_CASE_BIN_MAGIC)
		return VG_EPARSE;
	r.p = (const uint8_t *)p + 1;
	r.end = (const uint8_t *)p + len;
	r.str = vg_arena_alloc(a, len);
	r.a = a;
	v = vg_case_new(a);
	pthread_once(&ix_once, index_all);
	rc = get_fields(&r, v, &ix_version);
	for (int i = 0; i < VG_CASE_NARRAYS && !rc; i++)
		if (r.p < r.end && *r.p == vg_case_arrays[i].tag)
			rc = get_array(&r, v, &vg_case_arrays[i]);
	if (rc || get_end(&r) || r.p != r.end)
		return VG_EPARSE;
	v->age_years = vg_case_age_years(v->age_value, v->age_unit); /* as the JSON decoder */
	*out = v;
	return 0;
}
