/*
 * output.c - ordering and printing a pair table, and the fit as JSON.
 *
 * Rows are formatted into a capped vg_buf and flushed to the caller's FILE
 * every 64 KiB (CSV and TSV: every 16,384 rows per thread, a few MiB), so a
 * table of millions of pairs never sits in memory twice.
 * Numbers print with %.12g (E, RR and PRR keep 1e-12 relative); CSV and TSV write non-finite values as Inf,
 * -Inf and NaN (R's spelling, which openEBGM's files use); JSON has no such
 * values and writes null.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <strings.h>

#include "signal/signal_int.h"

struct stat_col {
	const char *name;
	size_t off; /* offset of a double in struct vg_signal_pair, or SIZE_MAX for N */
};

#define COL(name, field) {name, offsetof(struct vg_signal_pair, field)}
static const struct stat_col cols[] = {
	{"N", SIZE_MAX},       COL("E", e),          COL("PRR", prr),
	COL("PRR025", prr025), COL("chi2", chi2),    COL("chi2_yates", chi2_yates),
	COL("ROR", ror),       COL("ROR025", ror025), COL("ROR975", ror975),
	COL("IC", ic),         COL("IC025", ic025),  COL("IC975", ic975),
	COL("EBGM", ebgm),     COL("EB05", eb05),    COL("EB95", eb95),
	COL("Qn", qn),         COL("LRT_llr", lrt_llr), COL("LRT_p", lrt_p),
};

static double col_value(const struct vg_signal_pair *p, const struct stat_col *c)
{
	if (c->off == SIZE_MAX)
		return (double)p->n;
	double v;
	memcpy(&v, (const char *)p + c->off, sizeof(v));
	return v;
}

/*
 * Sorting: a record of 24 bytes per pair - the statistic as an unsigned
 * key that orders like the double (NaN last either way), then (product,
 * event) - is sorted, and the pairs are permuted in place along the
 * permutation's cycles.  Moving 176-byte pairs inside qsort cost 5x more.
 */
struct skey {
	uint64_t k, pe;
	uint32_t idx;
};

static uint64_t order_bits(double v, bool asc)
{
	uint64_t b;
	if (isnan(v))
		return UINT64_MAX;
	if (v == 0.0)
		v = 0.0; /* -0 sorts with +0 */
	memcpy(&b, &v, sizeof(b));
	b = b >> 63 ? ~b : b | UINT64_C(1) << 63; /* monotone in v */
	return asc ? b : (UINT64_MAX - 1) - b;    /* keeps UINT64_MAX for NaN */
}

static int cmp_skey(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return (x->pe > y->pe) - (x->pe < y->pe);
}

/*
 * Pairs leave counting sorted by (product, event): then a stable LSD radix
 * sort on the key alone (6 passes of 11 bits) gives the order qsort with
 * the (product, event) tie-break gives, at a fraction of the time.  Any
 * other input takes qsort.
 */
struct rkey {
	uint64_t k;
	uint32_t idx;
};

#define RADIX_BITS 11
#define RADIX_N (1u << RADIX_BITS)

static bool by_pair(const struct vg_signal_pair *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if ((p[i - 1].product != p[i].product) ? p[i - 1].product > p[i].product
						       : p[i - 1].event >= p[i].event)
			return false;
	return true;
}

static void radix_sort(struct rkey *a, size_t n, uint32_t *perm)
{
	struct rkey *b = vg_xmalloc(n * sizeof(*b)), *src = a, *dst = b;
	size_t *cnt = vg_xmalloc(RADIX_N * sizeof(*cnt));

	for (unsigned sh = 0; sh < 64; sh += RADIX_BITS) {
		memset(cnt, 0, RADIX_N * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(src[i].k >> sh) & (RADIX_N - 1)]++;
		if (cnt[(src[0].k >> sh) & (RADIX_N - 1)] == n)
			continue; /* one digit value: the pass would not move anything */
		size_t sum = 0;
		for (unsigned d = 0; d < RADIX_N; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i].k >> sh) & (RADIX_N - 1)]++] = src[i];
		struct rkey *t = src;
		src = dst, dst = t;
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = src[i].idx;
	free(cnt);
	free(b);
}

static void prefetch_pair(const struct vg_signal_pair *p)
{
	const char *c = (const char *)p;
	for (size_t o = 0; o < sizeof(*p); o += 64)
		__builtin_prefetch(c + o, 1);
	__builtin_prefetch(c + sizeof(*p) - 1, 1);
}

/*
 * p[j] = old p[to[j]] for all j, in place along the permutation's cycles.
 * Each step's read of a far pair misses the cache; a scout walks the cycle
 * 8 steps ahead in to[] (4 bytes a pair, mostly cached) and prefetches.
 */
#define SCOUT 8
static void permute(struct vg_signal_pair *p, uint32_t *to, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (to[i] == i)
			continue;
		struct vg_signal_pair tmp = p[i];
		size_t j = i, s = i;
		for (int d = 0; d < SCOUT && (s = to[s]) != i; d++)
			prefetch_pair(&p[s]);
		for (;;) {
			size_t k = to[j];
			to[j] = (uint32_t)j;
			if (k == i) {
				p[j] = tmp;
				break;
			}
			if (s != i && (s = to[s]) != i)
				prefetch_pair(&p[s]);
			p[j] = p[k];
			j = k;
		}
	}
}

static void sort_pairs(struct vg_signal_pair *pairs, size_t n, int idx, bool ascending)
{
	uint32_t *perm = vg_xmalloc(n * sizeof(*perm));
	if (by_pair(pairs, n)) {
		struct rkey *r = vg_xmalloc(n * sizeof(*r));
		for (size_t i = 0; i < n; i++)
			r[i] = (struct rkey){order_bits(col_value(&pairs[i], &cols[idx]), ascending),
					     (uint32_t)i};
		radix_sort(r, n, perm);
		free(r);
	} else {
		struct skey *o = vg_xmalloc(n * sizeof(*o));
		for (size_t i = 0; i < n; i++) {
			const struct vg_signal_pair *p = &pairs[i];
			o[i] = (struct skey){order_bits(col_value(p, &cols[idx]), ascending),
					     (uint64_t)p->product << 32 | p->event, (uint32_t)i};
		}
		qsort(o, n, sizeof(*o), cmp_skey);
		for (size_t i = 0; i < n; i++)
			perm[i] = o[i].idx;
		free(o);
	}
	permute(pairs, perm, n);
	free(perm);
}

int vg_signal_sort(struct vg_signal_table *t, const char *stat, bool ascending,
		   struct vg_err *err)
{
	int idx = vg_signal_stat_index(stat);
	if (idx < 0)
		return vg_err_set(err, VG_EINVAL, "sort", "unknown statistic \"%s\"", stat);
	if (t->npairs > 1)
		sort_pairs(t->pairs, t->npairs, idx, ascending);
	/* the point cache maps pair indices: it is stale now */
	vg_signal_points_free(t->points);
	t->points = NULL;
	return 0;
}

int vg_signal_stat_index(const char *name)
{
	for (size_t i = 0; name && i < VG_ARRAY_LEN(cols); i++)
		if (strcasecmp(cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

double vg_signal_stat_value(const struct vg_signal_pair *p, int idx)
{
	if (idx < 0 || (size_t)idx >= VG_ARRAY_LEN(cols))
		return NAN;
	return col_value(p, &cols[idx]);
}

int vg_signal_rule_parse(const char *s, struct vg_signal_rule *r, struct vg_err *err)
{
	struct vg_sv rest = vg_sv_of(s);

	memset(r, 0, sizeof(*r));
	while (rest.p) {
		struct vg_sv tok = vg_sv_trim(vg_sv_cut(rest, ',', &rest)), val;
		struct vg_sv name = vg_sv_trim(vg_sv_cut(tok, ':', &val));
		char nm[32];
		if (vg_sv_ieq_cstr(tok, "evans")) {
			r->evans = true;
			continue;
		}
		if (!val.p || name.len == 0 || name.len >= sizeof(nm) || r->n >= VG_SIGNAL_RULE_MAX)
			return vg_err_set(err, VG_EINVAL, "signal",
					  "expected evans or STAT:X (e.g. eb05:2), got \"%.*s\"",
					  (int)tok.len, tok.p ? tok.p : "");
		memcpy(nm, name.p, name.len);
		nm[name.len] = '\0';
		int idx = vg_signal_stat_index(nm);
		if (idx < 0)
			return vg_err_set(err, VG_EINVAL, "signal", "unknown statistic \"%s\"", nm);
		if (vg_parse_double(vg_sv_trim(val), &r->min[r->n]) || !isfinite(r->min[r->n]))
			return vg_err_set(err, VG_EINVAL, "signal", "%s: not a number \"%.*s\"", nm,
					  (int)val.len, val.p);
		r->col[r->n++] = idx;
	}
	if (!r->evans && r->n == 0)
		return vg_err_set(err, VG_EINVAL, "signal", "empty criterion");
	return 0;
}

bool vg_signal_rule_met(const struct vg_signal_rule *r, const struct vg_signal_pair *p)
{
	if (r->evans && !p->evans)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		if (!(vg_signal_stat_value(p, r->col[i]) >= r->min[i]))
			return false;
	return true;
}

/*
 * %.12g without printf: glibc's exact binary-to-decimal conversion is most
 * of the time of writing a table of millions of pairs.  The value is
 * scaled by an exact power of ten (10^0 .. 10^27 are exact in x87 long
 * double's 64-bit mantissa) with one rounding at 2^-64 relative, then
 * rounded to 12 digits half to even as printf does; outside 1e-15 .. 1e37
 * printf itself is used.  Output is byte-identical to printf except where
 * a value lies within ~1e-19 relative of a 12-digit rounding tie (tested
 * on a million values in tests/unit/test_signal.c).
 */
/* 10^0 .. 10^27: exact in long double (5^27 < 2^64), so the literals are. */
static const long double p10[28] = {
	1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
	1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
	1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

static long double scale10(double a, int k)
{
	return k >= 0 ? (long double)a * p10[k] : (long double)a / p10[-k];
}

/* 10^-15 .. 10^38 as doubles: only to find the decimal exponent, whose
 * last step is checked by the rounding below anyway. */
static const double p10d[54] = {
	1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4,
	1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,   1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
	1e9,   1e10,  1e11,  1e12,  1e13,  1e14,  1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
	1e21,  1e22,  1e23,  1e24,  1e25,  1e26,  1e27, 1e28, 1e29, 1e30, 1e31, 1e32,
	1e33,  1e34,  1e35,  1e36,  1e37,  1e38,
};

/* floor(log10(a)) for 1e-15 <= a < 1e37, without log10: from the binary
 * exponent (floor(e2 * log10 2), the decimal exponent or one less), then
 * one comparison. */
static int dec_exp(double a)
{
	uint64_t bits;
	memcpy(&bits, &a, sizeof(bits));
	int e2 = (int)((bits >> 52) & 0x7ff) - 1023;
	int e = (int)(((unsigned)(e2 + 4096) * 1233u) >> 12) - 1233; /* 1233/4096 ~ log10 2 */
	if (e < -15)
		e = -15;
	if (a >= p10d[e + 1 + 15])
		e++;
	return e;
}

static const char digits2[201] = "0001020304050607080910111213141516171819"
				 "2021222324252627282930313233343536373839"
				 "4041424344454647484950515253545556575859"
				 "6061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";

/* n < 10^12 as 12 digits. */
static void digits12(char d[12], uint64_t n)
{
	uint32_t hi = (uint32_t)(n / 1000000), lo = (uint32_t)(n % 1000000);
	for (int i = 4; i >= 0; i -= 2) {
		memcpy(d + i, digits2 + 2 * (hi % 100), 2);
		memcpy(d + 6 + i, digits2 + 2 * (lo % 100), 2);
		hi /= 100, lo /= 100;
	}
}

int vg_signal_fmt_g12(char out[32], double v)
{
	double a = fabs(v);
	if (!(a >= 1e-15 && a < 1e37))
		return snprintf(out, 32, "%.12g", v);
	int e = dec_exp(a);
	uint64_t n = (uint64_t)llrintl(scale10(a, 11 - e));
	if (n < UINT64_C(100000000000))
		e--, n = (uint64_t)llrintl(scale10(a, 11 - e));
	else if (n >= UINT64_C(1000000000000))
		e++, n = (uint64_t)llrintl(scale10(a, 11 - e));
	if (n >= UINT64_C(1000000000000))
		n /= 10, e++; /* 9.99999999999951 -> 10.0000000000 */
	char d[12], *o = out;
	int nd = 12;
	digits12(d, n);
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	if (v < 0)
		*o++ = '-';
	if (e < -4 || e >= 12) {
		*o++ = d[0];
		if (nd > 1)
			*o++ = '.', memcpy(o, d + 1, (size_t)nd - 1), o += nd - 1;
		o += snprintf(o, 8, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
		return (int)(o - out);
	}
	if (e < 0) {
		*o++ = '0', *o++ = '.';
		for (int i = -1; i > e; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)nd), o += nd;
	} else {
		for (int i = 0; i <= e; i++)
			*o++ = i < nd ? d[i] : '0';
		if (nd > e + 1)
			*o++ = '.', memcpy(o, d + e + 1, (size_t)(nd - e - 1)), o += nd - e - 1;
	}
	*o = '\0';
	return (int)(o - out);
}

static int put_num(struct vg_buf *b, double v, int format)
{
	char tmp[32];
	if (isfinite(v))
		return vg_buf_append(b, tmp, (size_t)vg_signal_fmt_g12(tmp, v));
	if (format == VG_SIGNAL_JSON)
		return vg_buf_puts(b, "null");
	return vg_buf_puts(b, isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf");
}

static int put_u64(struct vg_buf *b, uint64_t v)
{
	char tmp[24], *o = tmp + sizeof(tmp);
	do
		*--o = (char)('0' + v % 10);
	while (v /= 10);
	return vg_buf_append(b, o, (size_t)(tmp + sizeof(tmp) - o));
}

static int put_str(struct vg_buf *b, const char *s, int format)
{
	switch (format) {
	case VG_SIGNAL_JSON:
		return vg_buf_json_str(b, s);
	case VG_SIGNAL_CSV:
		return vg_buf_csv_str(b, s);
	default: /* TSV and table: tabs and newlines would break the row */
		for (; *s; s++)
			if (vg_buf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s))
				return VG_ETOOBIG;
		return 0;
	}
}

static const char *const csv_names[] = {"N", "E", "PRR", "PRR025", "chi2", "chi2_yates",
					"ROR", "ROR025", "ROR975", "IC", "IC025", "IC975",
					"EBGM", "EB05", "EB95", "LRT_llr", "LRT_p"};

/* ---- table format: a terminal view of the main columns */

static const char *const tab_names[] = {"N", "E", "PRR", "ROR025", "IC025", "EBGM", "EB05",
					"EB95", "LRT_p"};
#define TAB_NAME_W 28

/* s padded or cut to w characters (UTF-8 code points, cut on a boundary). */
static int put_padded(struct vg_buf *b, const char *s, size_t w)
{
	size_t chars = 0, i = 0;
	int rc = 0;
	for (; s[i] && chars < w; chars++) {
		size_t k = 1;
		while (s[i + k] && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k++;
		if (chars == w - 1 && s[i + k]) {
			rc |= vg_buf_puts(b, "~");
			chars++;
			break;
		}
		for (size_t j = 0; j < k; j++)
			rc |= vg_buf_putc(b, s[i + j] == '\t' || s[i + j] == '\n' ? ' ' : s[i + j]);
		i += k;
	}
	for (; chars < w; chars++)
		rc |= vg_buf_putc(b, ' ');
	return rc;
}

static int table_head(struct vg_buf *b, const struct vg_signal_write_opts *o)
{
	int rc = 0;
	if (o->quarter)
		rc |= vg_buf_printf(b, "%-8s ", "quarter");
	rc |= put_padded(b, "product", TAB_NAME_W) | vg_buf_putc(b, ' ');
	rc |= put_padded(b, "event", TAB_NAME_W);
	for (size_t i = 0; i < VG_ARRAY_LEN(tab_names); i++)
		if (i + 1 < VG_ARRAY_LEN(tab_names) || o->lrt)
			rc |= vg_buf_printf(b, " %*s", i == 0 ? 7 : 9, tab_names[i]);
	if (o->flag)
		rc |= vg_buf_puts(b, " signal");
	return rc | vg_buf_putc(b, '\n');
}

static int table_row(struct vg_buf *b, const struct vg_signal_pair *p, const struct vg_snap *s,
		     const struct vg_signal_write_opts *o)
{
	int rc = 0;
	if (o->quarter)
		rc |= vg_buf_printf(b, "%-8s ", o->quarter);
	rc |= put_padded(b, vg_snap_product_name(s, p->product), TAB_NAME_W) | vg_buf_putc(b, ' ');
	rc |= put_padded(b, vg_snap_event_name(s, p->event), TAB_NAME_W);
	rc |= vg_buf_printf(b, " %7" PRIu64, p->n);
	for (size_t i = 1; i < VG_ARRAY_LEN(tab_names); i++) {
		if (i + 1 == VG_ARRAY_LEN(tab_names) && !o->lrt)
			break;
		double v = vg_signal_stat_value(p, vg_signal_stat_index(tab_names[i]));
		rc |= isfinite(v) ? vg_buf_printf(b, " %9.4g", v)
				  : vg_buf_printf(b, " %9s", isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf");
	}
	if (o->flag)
		rc |= vg_buf_puts(b, vg_signal_rule_met(o->flag, p) ? " *" : "");
	return rc | vg_buf_putc(b, '\n');
}

static int put_row(struct vg_buf *b, const struct vg_signal_pair *p, const struct vg_snap *s,
		   const struct vg_signal_write_opts *o, bool first)
{
	size_t ncol = o->lrt ? VG_ARRAY_LEN(csv_names) : VG_ARRAY_LEN(csv_names) - 2;
	char sep = o->format == VG_SIGNAL_CSV ? ',' : '\t';
	int rc = 0;

	if (o->format == VG_SIGNAL_TABLE)
		return table_row(b, p, s, o) ? VG_ETOOBIG : 0;
	if (o->format == VG_SIGNAL_JSON) {
		rc |= vg_buf_puts(b, first ? "\n{" : ",\n{");
		if (o->quarter) {
			rc |= vg_buf_puts(b, "\"quarter\":");
			rc |= put_str(b, o->quarter, o->format);
			rc |= vg_buf_putc(b, ',');
		}
		rc |= vg_buf_puts(b, "\"product\":");
		rc |= put_str(b, vg_snap_product_name(s, p->product), o->format);
		rc |= vg_buf_puts(b, ",\"event\":");
		rc |= put_str(b, vg_snap_event_name(s, p->event), o->format);
		for (size_t i = 0; i < ncol; i++) {
			size_t ci = i < 15 ? i : i + 1; /* cols[] has Qn after EB95 */
			rc |= vg_buf_printf(b, ",\"%s\":", csv_names[i]);
			rc |= i == 0 ? put_u64(b, p->n)
				     : put_num(b, col_value(p, &cols[ci]), o->format);
		}
		rc |= vg_buf_printf(b, ",\"evans\":%s", p->evans ? "true" : "false");
		if (o->flag)
			rc |= vg_buf_printf(b, ",\"signal\":%s",
					    vg_signal_rule_met(o->flag, p) ? "true" : "false");
		rc |= vg_buf_putc(b, '}');
		return rc ? VG_ETOOBIG : 0;
	}
	if (o->quarter) {
		rc |= put_str(b, o->quarter, o->format);
		rc |= vg_buf_putc(b, sep);
	}
	rc |= put_str(b, vg_snap_product_name(s, p->product), o->format);
	rc |= vg_buf_putc(b, sep);
	rc |= put_str(b, vg_snap_event_name(s, p->event), o->format);
	for (size_t i = 0; i < ncol; i++) {
		rc |= vg_buf_putc(b, sep);
		size_t ci = i < 15 ? i : i + 1; /* cols[] has Qn between EB95 and LRT */
		rc |= i == 0 ? put_u64(b, p->n)
			     : put_num(b, col_value(p, &cols[ci]), o->format);
	}
	if (o->flag)
		rc |= vg_buf_printf(b, "%c%d", sep, vg_signal_rule_met(o->flag, p) ? 1 : 0);
	rc |= vg_buf_putc(b, '\n');
	return rc ? VG_ETOOBIG : 0;
}

static int flush(struct vg_buf *b, FILE *f, struct vg_err *err)
{
	if (b->len && fwrite(b->p, 1, b->len, f) != b->len)
		return vg_err_set(err, VG_EIO, NULL, "write failed: %s", strerror(errno));
	vg_buf_reset(b);
	return 0;
}

static int put_head(struct vg_buf *b, const struct vg_signal_write_opts *o)
{
	char sep = o->format == VG_SIGNAL_CSV ? ',' : '\t';
	int rc = 0;

	if (o->format == VG_SIGNAL_JSON)
		return vg_buf_puts(b, "[");
	if (o->format == VG_SIGNAL_TABLE)
		return table_head(b, o);
	if (o->quarter)
		rc |= vg_buf_printf(b, "quarter%c", sep);
	for (const char *c = VG_SIGNAL_CSV_HEADER; *c; c++)
		rc |= vg_buf_putc(b, *c == ',' ? sep : *c);
	if (o->lrt)
		rc |= vg_buf_printf(b, "%cLRT_llr%cLRT_p", sep, sep);
	if (o->flag)
		rc |= vg_buf_printf(b, "%csignal", sep);
	return rc | vg_buf_putc(b, '\n');
}

/*
 * CSV and TSV rows, the bulk of a large table, go a faster way: each
 * name's length and whether it needs quoting (CSV) or blanking (TSV) are
 * looked up once per name, not per row, and the numbers of a row are put
 * in a local line appended once.  Ranges of rows are formatted on
 * vg_signal_threads(0) threads into one buffer each, written in order, so
 * the bytes are those of the one-thread loop.
 */
struct name_tab {
	const char **p;
	uint32_t *len;
	uint8_t *plain; /* written as is: no quoting or blanking needed */
};

struct fast_ctx {
	const struct vg_signal_table *t;
	const struct vg_snap *s;
	const struct vg_signal_write_opts *o;
	struct name_tab prod, ev;
};

static void names_init(struct name_tab *nt, const struct vg_map *m, int format)
{
	uint32_t n = vg_map_count(m);
	const char *bad = format == VG_SIGNAL_CSV ? ",\"\r\n" : "\t\r\n";
	nt->p = vg_xmalloc(((size_t)n + 1) * sizeof(*nt->p));
	nt->len = vg_xmalloc(((size_t)n + 1) * sizeof(*nt->len));
	nt->plain = vg_xmalloc((size_t)n + 1);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = 0;
		nt->p[i] = vg_map_key(m, i, &len);
		nt->len[i] = (uint32_t)len;
		nt->plain[i] = nt->p[i] && len < UINT32_MAX && !strpbrk(nt->p[i], bad);
	}
}

static void names_free(struct name_tab *nt)
{
	free(nt->p);
	free(nt->len);
	free(nt->plain);
}

static int put_name(struct vg_buf *b, const struct name_tab *nt, uint32_t id, int format)
{
	if (nt->plain[id])
		return vg_buf_append(b, nt->p[id], nt->len[id]);
	return nt->p[id] ? put_str(b, nt->p[id], format) : VG_EINVAL;
}

static size_t put_num_raw(char *o, double v)
{
	if (isfinite(v))
		return (size_t)vg_signal_fmt_g12(o, v);
	const char *s = isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
	size_t n = strlen(s);
	memcpy(o, s, n);
	return n;
}

/* put_row for CSV and TSV, the same bytes. */
static int fast_row(struct vg_buf *b, const struct vg_signal_pair *p, const struct fast_ctx *c)
{
	const struct vg_signal_write_opts *o = c->o;
	size_t ncol = o->lrt ? VG_ARRAY_LEN(csv_names) : VG_ARRAY_LEN(csv_names) - 2;
	char sep = o->format == VG_SIGNAL_CSV ? ',' : '\t';
	char line[VG_ARRAY_LEN(csv_names) * 33 + 8], *l = line;
	int rc = 0;

	if (p->product >= vg_map_count(c->s->products) || p->event >= vg_map_count(c->s->events))
		return put_row(b, p, c->s, o, false);
	if (o->quarter) {
		rc |= put_str(b, o->quarter, o->format);
		rc |= vg_buf_putc(b, sep);
	}
	rc |= put_name(b, &c->prod, p->product, o->format);
	rc |= vg_buf_putc(b, sep);
	rc |= put_name(b, &c->ev, p->event, o->format);
	*l++ = sep;
	{
		char tmp[24], *d = tmp + sizeof(tmp);
		uint64_t v = p->n;
		do
			*--d = (char)('0' + v % 10);
		while (v /= 10);
		memcpy(l, d, (size_t)(tmp + sizeof(tmp) - d));
		l += tmp + sizeof(tmp) - d;
	}
	for (size_t i = 1; i < ncol; i++) {
		size_t ci = i < 15 ? i : i + 1; /* cols[] has Qn between EB95 and LRT */
		*l++ = sep;
		l += put_num_raw(l, col_value(p, &cols[ci]));
	}
	if (o->flag)
		*l++ = sep, *l++ = vg_signal_rule_met(o->flag, p) ? '1' : '0';
	*l++ = '\n';
	rc |= vg_buf_append(b, line, (size_t)(l - line));
	return rc ? VG_ETOOBIG : 0;
}

#define PAR_CHUNK 16384 /* rows per thread and round */
#define PAR_MAX 8

struct par_job {
	const struct fast_ctx *c;
	size_t from, to, rows;
	struct vg_buf b;
	int rc;
};

static void *par_run(void *arg)
{
	struct par_job *j = arg;
	const struct vg_signal_pair *pairs = j->c->t->pairs;
	j->rows = 0;
	j->rc = 0;
	for (size_t i = j->from; !j->rc && i < j->to; i++) {
		if (pairs[i].n < j->c->o->min_n)
			continue;
		j->rc = fast_row(&j->b, &pairs[i], j->c);
		j->rows++;
	}
	return NULL;
}

/* Rows of CSV or TSV without a limit, on nt threads, in order. */
static int par_rows(const struct fast_ctx *c, unsigned nt, FILE *f, size_t *rows,
		    struct vg_err *err)
{
	struct par_job jobs[PAR_MAX];
	pthread_t tid[PAR_MAX];
	int rc = 0;

	for (unsigned k = 0; k < nt; k++)
		jobs[k] = (struct par_job){c, 0, 0, 0, VG_BUF_INIT(VG_BUF_DEFAULT_MAX), 0};
	for (size_t at = 0; !rc && at < c->t->npairs;) {
		for (unsigned k = 0; k < nt; k++) {
			jobs[k].from = at;
			at = c->t->npairs - at > PAR_CHUNK ? at + PAR_CHUNK : c->t->npairs;
			jobs[k].to = at;
		}
		for (unsigned k = 1; k < nt; k++)
			if (pthread_create(&tid[k], NULL, par_run, &jobs[k]) != 0)
				tid[k] = 0, par_run(&jobs[k]);
		par_run(&jobs[0]);
		for (unsigned k = 1; k < nt; k++)
			if (tid[k])
				pthread_join(tid[k], NULL);
		for (unsigned k = 0; !rc && k < nt; k++) {
			rc = jobs[k].rc;
			*rows += jobs[k].rows;
			if (!rc)
				rc = flush(&jobs[k].b, f, err);
		}
	}
	for (unsigned k = 0; k < nt; k++)
		vg_buf_release(&jobs[k].b);
	return rc;
}

int vg_signal_write(const struct vg_signal_table *t, const struct vg_snap *s,
		    const struct vg_signal_write_opts *o, FILE *f, struct vg_err *err)
{
	struct vg_signal_write_opts def = VG_SIGNAL_WRITE_OPTS_INIT;
	struct vg_buf b = VG_BUF_INIT(1 << 20);
	struct fast_ctx fc = {0};
	size_t rows = 0, before;
	bool fast, par;
	unsigned nt;
	int rc = 0;

	if (!o)
		o = &def;
	fast = o->format == VG_SIGNAL_CSV || o->format == VG_SIGNAL_TSV;
	if (fast) {
		fc = (struct fast_ctx){t, s, o, {0}, {0}};
		names_init(&fc.prod, s->products, o->format);
		names_init(&fc.ev, s->events, o->format);
	}
	nt = vg_signal_threads(0);
	nt = nt > PAR_MAX ? PAR_MAX : nt;
	before = o->rows ? *o->rows : 0;
	if (!o->no_head)
		rc = put_head(&b, o);
	par = fast && !o->limit && nt > 1 && t->npairs > 2 * PAR_CHUNK;
	if (!rc && par) {
		rc = flush(&b, f, err);
		if (!rc)
			rc = par_rows(&fc, nt, f, &rows, err);
	}
	for (size_t i = 0; !rc && !par && i < t->npairs; i++) {
		if (t->pairs[i].n < o->min_n)
			continue;
		if (o->limit && rows >= o->limit)
			break;
		rc = fast ? fast_row(&b, &t->pairs[i], &fc)
			  : put_row(&b, &t->pairs[i], s, o, rows + before == 0);
		rows++;
		if (!rc && b.len > 64 * 1024)
			rc = flush(&b, f, err);
	}
	if (!rc && o->format == VG_SIGNAL_JSON && !o->no_tail)
		rc = vg_buf_puts(&b, rows + before ? "\n]\n" : "]\n");
	if (!rc)
		rc = flush(&b, f, err);
	if (rc && !err->code)
		vg_err_set(err, rc, NULL, "output row too long");
	if (o->rows)
		*o->rows += rows;
	if (fast) {
		names_free(&fc.prod);
		names_free(&fc.ev);
	}
	vg_buf_release(&b);
	return rc;
}

static const char *status_name(int st)
{
	switch (st) {
	case VG_FIT_CONVERGED:
		return "converged";
	case VG_FIT_BOUNDARY:
		return "boundary";
	case VG_FIT_MAXITER:
		return "maxiter";
	default:
		return "fixed";
	}
}

int vg_signal_fit_json(const struct vg_signal_fit *fit, struct vg_buf *b)
{
	const struct vg_signal_theta *t = &fit->theta;
	int rc = vg_buf_printf(b, "{\"alpha1\":%.10g,\"beta1\":%.10g,\"alpha2\":%.10g,"
				  "\"beta2\":%.10g,\"p\":%.10g,\"loglik\":%.10f",
			       t->alpha1, t->beta1, t->alpha2, t->beta2, t->p, fit->loglik);
	rc |= vg_buf_printf(b, ",\"status\":\"%s\",\"at_bound\":%u,\"gradient_norm\":%.3g,"
			       "\"starts\":%u,\"starts_agreeing\":%u,\"points\":%zu,\"warning\":",
			    status_name(fit->status), fit->at_bound, fit->grad_norm, fit->nstarts,
			    fit->nagree, fit->npoints);
	rc |= fit->warning[0] ? vg_buf_json_str(b, fit->warning) : vg_buf_puts(b, "null");
	rc |= vg_buf_puts(b, "}");
	return rc ? VG_ETOOBIG : 0;
}
