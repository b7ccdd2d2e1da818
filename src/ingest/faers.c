/*
 * faers.c - FDA FAERS (2012Q4+) and legacy AERS (2004-2012Q3) quarterly
 * ASCII extracts.  Layouts, codes and quirks: FORMATS.md section 1.
 *
 * Input.  Directories (walked three levels deep: a quarter unzipped as
 * ASCII/ and Deleted/) and files, recognised by name, ASCII case-
 * insensitively: <TABLE><yy>Q<q><anything>.txt with TABLE one of DEMO DRUG
 * REAC OUTC RPSR THER INDI (so DEMO22Q4.txt, demo12q4.txt, DEMO18Q1_new.txt,
 * DEMO20Q3-10000.txt), and DELETE<yy>Q<q><anything>.txt.  Other files in a
 * directory are ignored; a named file that is not recognised is an error.
 * Quarters are read oldest first; a quarter needs its DEMO file, the other
 * tables are optional.
 *
 * Columns are found by header name (case-insensitive, trimmed), with the
 * aliases of every era: primaryid|isr, caseid|case, sex|gndr_cod,
 * lot_num|lot_nbr, outc_cod|outc_code, dsg_drug_seq|drug_seq ...  A data
 * line must have as many fields as the header, or one more that is empty
 * (the legacy trailing '$'); anything else is rejected with its line.
 *
 * The join.  Every table is keyed by primaryid (legacy: ISR).  Real files
 * are sorted by it, so the reader normally merge-joins the seven streams in
 * one pass, DEMO driving:
 *
 *     DEMO   p1 ........ p2 ........ p3
 *     DRUG   p1 p1 p1    p2          p3 p3      rows with key < current
 *     REAC   p1 p1       p2 p2 p2    p3         DEMO key have no report:
 *     ...                                        rejected ("no DEMO row")
 *
 * Sorted order is not guaranteed, so before the join each file is scanned
 * once for its keys (memchr over lines, digits at line start: a fraction
 * of the parse cost).  A file found out of order is read into the external
 * sorter (sort.c: 16 MiB per table, then sorted runs in temporary files) and
 * joined from there; its rejects keep the original line numbers.  Memory
 * is therefore bounded by the read buffers, the sort budget, one version
 * and the DELETE set, whatever the quarter's size.
 *
 * Cost.  Every row passes through the key parse and most DEMO fields
 * through a date, number or code conversion, so those avoid the general
 * tools where the usual FAERS form allows: eight digits of a key or a
 * YYYYMMDD date are checked and converted at once (digits8), an age like
 * "62.5" needs no strtod (simple_decimal gives the same double), codes are
 * compared in ASCII without strlen or the locale, ids and doses are joined
 * without printf, and a 16 KiB bit filter answers "not deleted" for most
 * caseids before the DELETE set is probed.  Other forms take the general
 * path, so the versions are the same either way.
 *
 * Versions.  Each DEMO row is one version of case "FAERS-<caseid>"
 * (report_id = primaryid, source "faers", source_version = caseversion;
 * legacy: "FAERS-<CASE>", report_id = ISR, no source_version: legacy case
 * numbers continue as FAERS caseids, FORMATS.md 1.7).  Every version is
 * handed to the sink; the store keeps all and points at the latest.  So
 * that its order (C.1.5, then C.1.2, then arrival) is FDA's order (latest
 * fda_dt, then primaryid: FORMATS.md 1.8), latest = fda_dt and quarters
 * and rows arrive oldest first.  Cases listed in any DELETE file of the
 * input are not emitted, and delete_case is called for each of them after
 * the versions (they may exist from earlier imports).
 *
 * Mapping (FORMATS.md 1.3/1.6):
 *   i_f_code I -> initial          init_fda_dt -> received (C.1.4)
 *   fda_dt -> latest (C.1.5)       rept_dt -> created (C.1.2), submitted
 *   mfr_dt -> aware                event_dt -> every event's onset
 *   mfr_sndr -> unit (the sender)  occr_country, else a 2-letter
 *   occp_cod MD PH OT|HP LW CN       reporter_country -> country
 *     -> qualification             age + age_cod -> age value/unit/years
 *   age_grp N I C T A E -> group   sex|gndr_cod F M -> sex
 *   wt + wt_cod KG LBS GMS -> kg   outc_cod DE LT HO DS CA RI|OT -> bits
 *   rpsr_cod SDY -> study report, else spontaneous
 *   role_cod PS SS -> suspect, I -> interacting, C -> concomitant
 *   prod_ai -> ingredient (upper case, single spaces); without prod_ai the
 *     drugname's trailing parenthetical, else the drugname cleaned by
 *     vg_terms_clean (terms.h), upper-cased
 *   drugname, route, dose_vbm (else dose_amt dose_unit dose_freq), lot,
 *   nda_num -> product; THER start/end (earliest/latest) and the first
 *   INDI indi_pt -> the product with that drug_seq; REAC pt -> the event's
 *   coded term (E.i.2.1b; FAERS publishes no verbatim reaction text, so
 *   term stays NULL).
 * Dates may be YYYY, YYYYMM or YYYYMMDD; a 00 day or month lowers the
 * precision; an unparsable date (or "NA") is left unknown.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"
#include "terms/terms.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Memory of the external sorter per out-of-order table: at most seven at
 * once, so the reader stays under ~120 MiB whatever the input order. */
#define SORT_BUDGET ((size_t)16 << 20)

/* Bits of the filter in front of the DELETE set: a caseid whose bit is
 * clear is not in it, and most caseids are not (the lookup of every DEMO
 * row otherwise costs a hash table probe). */
#define DEL_BITS ((size_t)1 << 17)

enum tab { T_DEMO, T_DRUG, T_REAC, T_OUTC, T_RPSR, T_THER, T_INDI, T_NTAB, T_DELETE = T_NTAB };
static const char *const tab_names[T_NTAB + 1] = {"DEMO", "DRUG", "REAC", "OUTC",
                                                  "RPSR", "THER", "INDI", "DELETE"};

/* Columns the reader uses, with their names across eras. */
enum col {
	C_KEY, C_CASEID, C_CASEVERSION, C_I_F, C_EVENT_DT, C_MFR_DT, C_INIT_FDA_DT, C_FDA_DT,
	C_MFR_SNDR, C_AGE, C_AGE_COD, C_AGE_GRP, C_SEX, C_WT, C_WT_COD, C_REPT_DT, C_OCCP,
	C_REP_COUNTRY, C_OCCR_COUNTRY,
	C_DRUG_SEQ, C_ROLE, C_DRUGNAME, C_PROD_AI, C_ROUTE, C_DOSE_VBM, C_LOT, C_NDA,
	C_DOSE_AMT, C_DOSE_UNIT, C_DOSE_FREQ,
	C_PT, C_OUTC, C_RPSR, C_START_DT, C_END_DT, C_INDI_PT,
	C_N
};

static const struct {
	int tab, col;
	bool required;
	const char *names[3];
} columns[] = {
	{-1, C_KEY, true, {"primaryid", "isr", NULL}},
	{T_DEMO, C_CASEID, true, {"caseid", "case", NULL}},
	{T_DEMO, C_CASEVERSION, false, {"caseversion", NULL, NULL}},
	{T_DEMO, C_I_F, false, {"i_f_code", "i_f_cod", NULL}},
	{T_DEMO, C_EVENT_DT, false, {"event_dt", NULL, NULL}},
	{T_DEMO, C_MFR_DT, false, {"mfr_dt", NULL, NULL}},
	{T_DEMO, C_INIT_FDA_DT, false, {"init_fda_dt", NULL, NULL}},
	{T_DEMO, C_FDA_DT, false, {"fda_dt", NULL, NULL}},
	{T_DEMO, C_MFR_SNDR, false, {"mfr_sndr", NULL, NULL}},
	{T_DEMO, C_AGE, false, {"age", NULL, NULL}},
	{T_DEMO, C_AGE_COD, false, {"age_cod", NULL, NULL}},
	{T_DEMO, C_AGE_GRP, false, {"age_grp", NULL, NULL}},
	{T_DEMO, C_SEX, false, {"sex", "gndr_cod", NULL}},
	{T_DEMO, C_WT, false, {"wt", NULL, NULL}},
	{T_DEMO, C_WT_COD, false, {"wt_cod", NULL, NULL}},
	{T_DEMO, C_REPT_DT, false, {"rept_dt", NULL, NULL}},
	{T_DEMO, C_OCCP, false, {"occp_cod", NULL, NULL}},
	{T_DEMO, C_REP_COUNTRY, false, {"reporter_country", NULL, NULL}},
	{T_DEMO, C_OCCR_COUNTRY, false, {"occr_country", NULL, NULL}},
	{T_DRUG, C_DRUG_SEQ, false, {"drug_seq", NULL, NULL}},
	{T_DRUG, C_ROLE, false, {"role_cod", NULL, NULL}},
	{T_DRUG, C_DRUGNAME, true, {"drugname", NULL, NULL}},
	{T_DRUG, C_PROD_AI, false, {"prod_ai", NULL, NULL}},
	{T_DRUG, C_ROUTE, false, {"route", NULL, NULL}},
	{T_DRUG, C_DOSE_VBM, false, {"dose_vbm", NULL, NULL}},
	{T_DRUG, C_LOT, false, {"lot_num", "lot_nbr", NULL}},
	{T_DRUG, C_NDA, false, {"nda_num", NULL, NULL}},
	{T_DRUG, C_DOSE_AMT, false, {"dose_amt", NULL, NULL}},
	{T_DRUG, C_DOSE_UNIT, false, {"dose_unit", NULL, NULL}},
	{T_DRUG, C_DOSE_FREQ, false, {"dose_freq", NULL, NULL}},
	{T_REAC, C_PT, true, {"pt", NULL, NULL}},
	{T_OUTC, C_OUTC, true, {"outc_cod", "outc_code", NULL}},
	{T_RPSR, C_RPSR, true, {"rpsr_cod", NULL, NULL}},
	{T_THER, C_DRUG_SEQ, true, {"dsg_drug_seq", "drug_seq", NULL}},
	{T_THER, C_START_DT, false, {"start_dt", NULL, NULL}},
	{T_THER, C_END_DT, false, {"end_dt", NULL, NULL}},
	{T_INDI, C_DRUG_SEQ, true, {"indi_drug_seq", "drug_seq", NULL}},
	{T_INDI, C_INDI_PT, true, {"indi_pt", NULL, NULL}},
};

struct quarter {
	int yq; /* year * 10 + quarter, for ordering */
	char *files[T_NTAB];
};

struct stream {
	int tab;
	const char *path;
	struct vg_csv csv;
	struct vg_csv_header hdr;
	bool opened;
	int col[C_N];
	struct vg_sorter *sorter; /* the file was out of order */
	char *sbuf;
	size_t sbufcap;
	bool have;    /* a current row */
	int64_t key;  /* its primaryid */
	int64_t line; /* its line */
	int64_t prev; /* previous key, for the order check */
};

struct reader {
	const struct vg_ingest_opts *opts;
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *stats;
	struct vg_err *err;
	struct quarter *qs;
	size_t nq, qcap;
	char **deletes;
	size_t ndel, delcap;
	struct vg_map *deleted; /* caseids of the DELETE lists */
	uint64_t *delbits;      /* DEL_BITS bits, one per caseid hash (del_hash) */
	struct stream st[T_NTAB];
	struct vg_arena arena;  /* one version */
	int64_t *seqs;          /* drug_seq of each product of the version */
	size_t seqcap;
	struct vg_progress prog;
	struct vg_buf clean;    /* vg_terms_clean output */
	uint64_t total_bytes, done_bytes;
	bool lex;               /* this quarter's files are sorted as text */
};

/* ------------------------------------------------------------ small parsers */

static bool digits_only(struct vg_sv s)
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* Eight bytes at p, the first in the low byte (compiled: one load). */
static inline uint64_t le64(const char *p)
{
	const unsigned char *b = (const unsigned char *)p;

	return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
	       (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
	       (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}

/* Are the eight bytes of w ASCII digits?  Each 0x30..0x39: high nibble 3,
 * and the low nibble plus 6 stays below 16. */
static inline bool all_digits(uint64_t w)
{
	return (w & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull &&
	       ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull;
}

/* Eight ASCII digits at p as their value, or -1 when a byte is not a
 * digit: the eight are converted at once (SWAR, after Lemire's
 * parse_eight_digits_unrolled). */
static inline int64_t digits8(const char *p)
{
	uint64_t w = le64(p);

	if (!all_digits(w))
		return -1;
	w -= 0x3030303030303030ull;
	w = w * 10 + (w >> 8); /* pairs of digits */
	w = ((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
	     ((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
	return (int64_t)w;
}

/* A key: 1 to 18 digits (so it fits in int64 and lex_cmp can scale it).
 * Every row's key comes through here: the last eight digits at once. */
static int parse_key(struct vg_sv s, int64_t *out)
{
	size_t head = s.len >= 8 ? s.len - 8 : s.len;
	int64_t v = 0;

	if (s.len == 0 || s.len > 18)
		return VG_EINVAL;
	for (size_t i = 0; i < head; i++) {
		unsigned d = (unsigned char)s.p[i] - (unsigned)'0';
		if (d > 9)
			return VG_EINVAL;
		v = v * 10 + (int64_t)d;
	}
	if (s.len >= 8) {
		int64_t tail = digits8(s.p + head);
		if (tail < 0)
			return VG_EINVAL;
		v = v * 100000000 + tail;
	}
	*out = v;
	return 0;
}

/* Two digits at p (checked by the caller) as a number. */
static int two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* A date of prec from its parts, checked as vg_date_parse checks them
 * (year 1-9999, month 1-12, day within the month); VG_DATE_NONE when
 * invalid. */
static struct vg_date date_of(int year, int month, int day, int prec)
{
	struct vg_date d = VG_DATE_INIT;

	if (year < 1 || (prec >= VG_DATE_MONTH && (month < 1 || month > 12)) ||
	    (prec == VG_DATE_DAY &&
	     (day < 1 || (day > 28 && day > vg_date_days_in_month(year, month)))))
		return d; /* (28 days: in every month) */
	d.year = (int16_t)year;
	d.month = (int8_t)(prec >= VG_DATE_MONTH ? month : 0);
	d.day = (int8_t)(prec == VG_DATE_DAY ? day : 0);
	d.prec = (uint8_t)prec;
	return d;
}

/* FAERS date: YYYYMMDD / YYYYMM / YYYY; a 00 day or month lowers precision.
 * Those three are converted here; other digit strings (YYYYMMDDhh...) go to
 * vg_date_parse. */
static struct vg_date faers_date(struct vg_sv s)
{
	struct vg_date d = VG_DATE_INIT;
	int64_t v;

	if (s.len == 8 && s.p[6] == '0' && s.p[7] == '0')
		s.len = 6;
	if (s.len == 6 && s.p[4] == '0' && s.p[5] == '0')
		s.len = 4;
	if (s.len == 8)
		return (v = digits8(s.p)) < 0 ? d
		                              : date_of((int)(v / 10000), (int)(v / 100 % 100),
		                                        (int)(v % 100), VG_DATE_DAY);
	if (!digits_only(s))
		return d;
	if (s.len == 4 || s.len == 6)
		return date_of(two(s.p) * 100 + two(s.p + 2), s.len == 6 ? two(s.p + 4) : 0, 0,
		               s.len == 6 ? VG_DATE_MONTH : VG_DATE_YEAR);
	if (vg_date_parse(s, &d) < 0)
		return (struct vg_date)VG_DATE_INIT;
	return d;
}

/*
 * The usual age or weight ("82", "62.5", ".06"): digits with at most one
 * '.', whose digits as an integer m are at most 2^53, so that m and 10^k
 * are exact doubles and m / 10^k is the correctly rounded value - the
 * double strtod returns (Clinger's fast path).  False: use strtod.
 */
static bool simple_decimal(struct vg_sv s, double *out)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	                               1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
	uint64_t m = 0;
	size_t nd = 0, k = 0;
	bool dot = false;

	if (s.len > 18) /* so m cannot overflow, and k < 19 */
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		m = m * 10 + (uint64_t)(s.p[i] - '0');
		nd++;
		k += dot;
	}
	if (nd == 0 || m > ((uint64_t)1 << 53))
		return false;
	*out = (double)m / pow10[k];
	return true;
}

static double number(struct vg_sv s)
{
	double v;

	if (s.len == 0)
		return NAN;
	if (simple_decimal(s, &v))
		return v;
	if (vg_parse_double(s, &v) < 0 || !isfinite(v))
		return NAN;
	return v;
}

/* NULL when empty. */
static const char *dup_sv(struct vg_arena *a, struct vg_sv s)
{
	return s.len ? vg_arena_strndup(a, s.p, s.len) : NULL;
}

/* toupper / tolower of the C locale (and of C.UTF-8, which the CLI sets:
 * bytes >= 0x80 are not letters there), without the locale lookups. */
static char upper(char ch)
{
	return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Upper case, single spaces, trimmed, no trailing dots: "Januvia  ." -> "JANUVIA". */
static const char *clean_name(struct vg_arena *a, struct vg_sv s)
{
	char *out = vg_arena_alloc(a, s.len + 1);
	size_t n = 0;
	bool space = false;

	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];
		if (vg_csv_space(ch)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = upper(ch);
	}
	while (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return n ? out : NULL;
}

/* vg_sv_ieq_cstr without strlen and the locale (fields come trimmed). */
static bool eq(struct vg_sv s, const char *lit)
{
	size_t i = 0;

	for (; i < s.len; i++)
		if (!lit[i] || lower(s.p[i]) != lower(lit[i]))
			return false;
	return lit[i] == '\0';
}

/* The bytes of s up to its first NUL, as "%.*s" takes them. */
static size_t text_len(struct vg_sv s)
{
	const char *nul = memchr(s.p, '\0', s.len);

	return nul ? (size_t)(nul - s.p) : s.len;
}

/* The parts (a list ended by a NULL view) joined by sep, leaving out
 * empty ones after the first: the string "%.*s%s%.*s..." made of them. */
static char *join(struct vg_arena *a, const char *sep, const struct vg_sv *parts)
{
	size_t n = 0, seplen = strlen(sep), k = 0;
	char *out;

	for (const struct vg_sv *p = parts; p->p; p++)
		n += text_len(*p) + seplen;
	out = vg_arena_alloc(a, n + 1);
	for (const struct vg_sv *p = parts; p->p; p++) {
		size_t len = text_len(*p);
		if (p != parts && p->len == 0)
			continue;
		if (p != parts) {
			memcpy(out + k, sep, seplen);
			k += seplen;
		}
		memcpy(out + k, p->p, len);
		k += len;
	}
	out[k] = '\0';
	return out;
}

/* ------------------------------------------------------------ input files */

/* "DEMO22Q4.txt" -> T_DEMO, 2022*10+4.  -1 when not a FAERS file name. */
static int classify(const char *path, int *yq)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n < 4 || strcasecmp(base + n - 4, ".txt") != 0)
		return -1;
	for (int t = 0; t <= T_DELETE; t++) {
		size_t k = strlen(tab_names[t]);
		const char *p = base + k;
		if (strncasecmp(base, tab_names[t], k) != 0 || n < k + 4 + 4)
			continue;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
		    (p[2] != 'q' && p[2] != 'Q') || p[3] < '1' || p[3] > '4')
			return -1;
		*yq = (2000 + (p[0] - '0') * 10 + (p[1] - '0')) * 10 + (p[3] - '0');
		return t;
	}
	return -1;
}

static struct quarter *quarter_of(struct reader *r, int yq)
{
	for (size_t i = 0; i < r->nq; i++)
		if (r->qs[i].yq == yq)
			return &r->qs[i];
	VG_GROW(r->qs, r->qcap, r->nq + 1);
	memset(&r->qs[r->nq], 0, sizeof(r->qs[0]));
	r->qs[r->nq].yq = yq;
	return &r->qs[r->nq++];
}

static int add_file(struct reader *r, const char *path, bool named)
{
	int yq = 0, t = classify(path, &yq);
	struct quarter *q;

	if (t < 0)
		return named ? vg_err_set(r->err, VG_EINVAL, path,
		                          "not a FAERS file name (DEMO22Q4.txt, DRUG22Q4.txt, "
		                          "... DELETE22Q4.txt)")
		             : 0;
	if (t == T_DELETE) {
		VG_GROW(r->deletes, r->delcap, r->ndel + 1);
		r->deletes[r->ndel++] = vg_xstrdup(path);
		return 0;
	}
	q = quarter_of(r, yq);
	if (q->files[t])
		return vg_err_set(r->err, VG_EINVAL, path, "a second %s file for %dQ%d (first: %s)",
		                  tab_names[t], yq / 10, yq % 10, q->files[t]);
	q->files[t] = vg_xstrdup(path);
	return 0;
}

static int walk(struct reader *r, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return vg_err_set(r->err, VG_EIO, dir, "cannot open directory: %s", strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat sb;
		char *path;
		if (e->d_name[0] == '.')
			continue;
		path = vg_xmalloc(strlen(dir) + strlen(e->d_name) + 2);
		memcpy(path, dir, strlen(dir));
		path[strlen(dir)] = '/';
		memcpy(path + strlen(dir) + 1, e->d_name, strlen(e->d_name) + 1);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 3)
			rc = walk(r, path, depth + 1);
		else if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = add_file(r, path, false);
		free(path);
	}
	closedir(d);
	return rc;
}

static int cmp_quarter(const void *a, const void *b)
{
	const struct quarter *qa = a, *qb = b;

	return (qa->yq > qb->yq) - (qa->yq < qb->yq);
}

static int collect(struct reader *r, char **files, int nfiles)
{
	int rc;

	for (int i = 0; i < nfiles; i++) {
		struct stat sb;
		if (stat(files[i], &sb) != 0)
			return vg_err_set(r->err, VG_ENOTFOUND, files[i], "%s", strerror(errno));
		rc = S_ISDIR(sb.st_mode) ? walk(r, files[i], 0) : add_file(r, files[i], true);
		if (rc < 0)
			return rc;
	}
	if (r->nq > 1)
		qsort(r->qs, r->nq, sizeof(*r->qs), cmp_quarter);
	for (size_t i = 0; i < r->nq; i++) {
		if (!r->qs[i].files[T_DEMO])
			return vg_err_set(r->err, VG_EINVAL, NULL, "no DEMO file for %dQ%d",
			                  r->qs[i].yq / 10, r->qs[i].yq % 10);
		for (int t = 0; t < T_NTAB; t++) {
			struct stat sb;
			if (r->qs[i].files[t] && stat(r->qs[i].files[t], &sb) == 0)
				r->total_bytes += (uint64_t)sb.st_size;
		}
	}
	if (r->nq == 0 && r->ndel == 0)
		return vg_err_set(r->err, VG_EINVAL, NULL, "no FAERS files found in the input");
	return 0;
}

/* ------------------------------------------------------------ DELETE lists */

/* The filter bit of a caseid (a multiplicative hash of its bytes). */
static size_t del_hash(struct vg_sv id)
{
	uint64_t h = id.len;

	for (size_t i = 0; i < id.len; i++)
		h = (h ^ (unsigned char)id.p[i]) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 47); /* 17 bits */
}

static void del_mark(struct reader *r, struct vg_sv id)
{
	size_t b = del_hash(id);

	r->delbits[b / 64] |= (uint64_t)1 << (b % 64);
}

static bool is_deleted(const struct reader *r, struct vg_sv id)
{
	size_t b = del_hash(id);

	if (!(r->delbits[b / 64] >> (b % 64) & 1))
		return false;
	return vg_map_find(r->deleted, id.p, id.len) != UINT32_MAX;
}

static int read_deletes(struct reader *r, const char *path)
{
	struct vg_csv c;
	struct vg_csv_opts o = VG_CSV_OPTS_INIT('$');
	int rc;

	if ((rc = vg_csv_open(&c, path, &o, r->err)) < 0)
		return rc;
	while ((rc = vg_csv_next(&c, r->err)) != 0) {
		if (rc == VG_EIO)
			break;
		struct vg_sv id = rc == 1 ? vg_csv_field(&c, 0) : (struct vg_sv){"", 0};
		if (rc == 1 && id.len == 0 && c.nf == 1)
			continue; /* the " " first line */
		r->stats->rows_read++;
		if (rc != 1 || c.nf != 1 || !digits_only(id)) {
			vg_rejects_add(r->opts->rejects, path, c.line, "DELETE: not a caseid");
			continue;
		}
		vg_map_intern(r->deleted, id.p, id.len, NULL);
		del_mark(r, id);
	}
	vg_csv_close(&c);
	return rc;
}

static int send_deletes(struct reader *r)
{
	char id[64];
	int rc;

	if (!r->sink->delete_case)
		return 0;
	for (uint32_t i = 0; i < vg_map_count(r->deleted); i++) {
		size_t len;
		const char *k = vg_map_key(r->deleted, i, &len);
		snprintf(id, sizeof(id), "FAERS-%.*s", (int)len, k);
		if ((rc = r->sink->delete_case(r->sink->ctx, id, r->err)) != 0)
			return rc;
		r->stats->deletions++;
	}
	return 0;
}

/* ------------------------------------------------------------ streams */

static int ndigits(int64_t v)
{
	static const int64_t pow10[] = {10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL,
		10000000LL, 100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
		1000000000000LL, 10000000000000LL, 100000000000000LL, 1000000000000000LL,
		10000000000000000LL, 100000000000000000LL, 1000000000000000000LL};
	int n = 1;

	while (n <= 18 && v >= pow10[n - 1])
		n++;
	return n;
}

/* Compare the decimal texts of a and b (>= 0, at most 18 digits): some
 * extracts are sorted as text ("100115733" < "1002130537" < "100234223"). */
static int lex_cmp(int64_t a, int64_t b)
{
	int da = ndigits(a), db = ndigits(b);
	int64_t sa = a, sb = b;

	for (int i = da; i < db; i++)
		sa *= 10;
	for (int i = db; i < da; i++)
		sb *= 10;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return (da > db) - (da < db);
}

/* Key order of the quarter being joined; INT64_MAX is "past the end". */
static int kcmp(const struct reader *r, int64_t a, int64_t b)
{
	if (a == b)
		return 0;
	if (a == INT64_MAX || b == INT64_MAX)
		return a == INT64_MAX ? 1 : -1;
	if (r->lex)
		return lex_cmp(a, b);
	return a < b ? -1 : 1;
}

/*
 * Are the keys of the data lines nondecreasing?  A quick pass: memchr to
 * each line start, the digits there, the '$' after them.  Lines that do
 * not start with a key are skipped (the join rejects them).  Files without
 * LF line ends are treated as unsorted (the sorter path reads any).
 *
 * The keys are compared as text, without converting them: with leading
 * zeros dropped, numeric order is (number of digits, then text) and
 * lex_cmp's order is the text's (shorter first on a common prefix).  The
 * text is held as three big-endian words padded with zero bytes, so both
 * orders come from comparing words (a digit is never a zero byte, so the
 * padding sorts a prefix first, as the text order wants).
 */
struct keyscan {
	uint64_t w[3]; /* the previous key's digits, leading zeros dropped */
	size_t plen;   /* its number of digits; 0: none yet */
	bool header, num, lex;
};

/* The first v (0..8) bytes at p as a big-endian word padded with zero
 * bytes.  Reads eight bytes at p when v > 0 (the scan buffer has room). */
static uint64_t be_prefix(const char *p, size_t v)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t w;

	if (v == 0)
		return 0;
	w = (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	    (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	    (uint64_t)b[6] << 8 | (uint64_t)b[7]; /* compiled: a load and a byte swap */
	return v >= 8 ? w : w & ~(~(uint64_t)0 >> (8 * v));
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Note key k (n <= 18 digits, no leading zero unless it is "0") in both
 * orders. */
static void key_order(struct keyscan *ks, const char *k, size_t n)
{
	uint64_t w[3] = {be_prefix(k, n < 8 ? n : 8),
	                 be_prefix(k + 8, n <= 8 ? 0 : n < 16 ? n - 8 : 8),
	                 be_prefix(k + 16, n <= 16 ? 0 : n - 16)};

	if (ks->plen) {
		int c = cmp_u64(w[0], ks->w[0]);
		c = c ? c : cmp_u64(w[1], ks->w[1]);
		c = c ? c : cmp_u64(w[2], ks->w[2]);
		int longer = (n > ks->plen) - (n < ks->plen);
		if ((longer ? longer : c) < 0)
			ks->num = false;
		if (c < 0)
			ks->lex = false;
	}
	memcpy(ks->w, w, sizeof(w));
	ks->plen = n;
}

/* The keys of the complete lines in [p, end) (and of the last, unterminated
 * one when final); returns where the unconsumed rest starts. */
static char *scan_keys(struct keyscan *ks, char *p, char *end, bool final)
{
	char *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL || (final && p < end)) {
		char *stop = nl ? nl : end, *q = p, *k = p;
		char *lim = stop - p > 18 ? p + 18 : stop;
		while (lim - q >= 8 && all_digits(le64(q)))
			q += 8;
		while (q < lim && (unsigned char)(*q - '0') < 10)
			q++;
		/* keys as parse_key takes them: 1 to 18 digits, then '$' (a 19th
		 * digit is not '$', so longer runs are skipped) */
		if (!ks->header && q > p && q < stop && *q == '$') {
			while (q - k > 1 && *k == '0')
				k++;
			key_order(ks, k, (size_t)(q - k));
		}
		ks->header = false;
		p = nl ? nl + 1 : end;
	}
	return p;
}

static int keys_sorted(const char *path, bool *num_sorted, bool *lex_sorted, struct vg_err *err)
{
	enum { BUFSZ = 1 << 20 };
	struct keyscan ks = {{0, 0, 0}, 0, true, true, true};
	char *buf = vg_xcalloc(BUFSZ + 8, 1); /* be_prefix reads up to 7 bytes past a key */
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		free(buf);
		return vg_err_set(err, VG_EIO, path, "cannot open: %s", strerror(errno));
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, BUFSZ - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vg_err_set(err, VG_EIO, path, "read failed: %s", strerror(errno));
			break;
		}
		have += (size_t)n;
		char *rest = scan_keys(&ks, buf, buf + have, n == 0);
		if ((!ks.num && !ks.lex) || n == 0)
			break;
		if (rest == buf && have == BUFSZ) { /* a 1 MiB line: no LF ends */
			ks.num = ks.lex = false;
			break;
		}
		have = (size_t)(buf + have - rest);
		memmove(buf, rest, have);
	}
	*num_sorted = ks.num;
	*lex_sorted = ks.lex;
	close(fd);
	free(buf);
	return rc;
}

static void reject_row(struct reader *r, struct stream *s, const char *fmt, const char *detail)
{
	char ex[256];

	vg_csv_excerpt(&s->csv, ex, sizeof(ex));
	vg_rejects_add_excerpt(r->opts->rejects, s->path, s->line, ex, fmt, detail);
}

/* Check the field count of the current record; reject on mismatch. */
static bool fields_ok(struct reader *r, struct stream *s)
{
	char why[96];
	size_t nf = s->csv.nf, nh = s->hdr.n;

	if (nf == nh || (nf == nh + 1 && s->csv.f[nh].len == 0))
		return true;
	snprintf(why, sizeof(why), "%zu fields, header has %zu", nf, nh);
	reject_row(r, s, "%s", why);
	return false;
}

/* Read the next raw record of s (from the file or the sorter): 1, 0 at end. */
static int raw_next(struct reader *r, struct stream *s)
{
	const void *k, *d;
	size_t kl, dl;
	int rc;

	if (!s->sorter) {
		for (;;) {
			rc = vg_csv_next(&s->csv, r->err);
			if (rc == 0 || rc == VG_EIO)
				return rc;
			r->stats->rows_read++;
			s->line = s->csv.line;
			if (rc == 1)
				return 1;
			vg_rejects_add(r->opts->rejects, s->path, s->line,
			               rc == VG_ETOOBIG ? "line longer than the cap" : "unreadable line");
		}
	}
	if ((rc = vg_sorter_next(s->sorter, &k, &kl, &d, &dl, r->err)) <= 0)
		return rc;
	if (dl + 1 > s->sbufcap) {
		free(s->sbuf);
		s->sbufcap = dl + 1;
		s->sbuf = vg_xmalloc(s->sbufcap);
	}
	memcpy(&s->line, d, sizeof(s->line));
	memcpy(s->sbuf, (const char *)d + sizeof(int64_t), dl - sizeof(int64_t));
	if (vg_csv_split(&s->csv, s->sbuf, dl - sizeof(int64_t)) < 0)
		return vg_err_set(r->err, VG_EINTERNAL, s->path, "sorted record does not split");
	return 1;
}

/* Advance s to its next usable row (fields and key checked). */
static int stream_next(struct reader *r, struct stream *s)
{
	int rc;
	int64_t key;

	s->have = false;
	s->key = INT64_MAX;
	while ((rc = raw_next(r, s)) == 1) {
		if (!fields_ok(r, s))
			continue;
		if (parse_key(vg_csv_field(&s->csv, s->col[C_KEY]), &key) < 0) {
			reject_row(r, s, "%s", "no primaryid");
			continue;
		}
		if (s->prev >= 0 && kcmp(r, key, s->prev) < 0) {
			reject_row(r, s, "%s", "primaryid out of order");
			continue;
		}
		s->prev = key;
		s->key = key;
		s->have = true;
		return 1;
	}
	return rc;
}

/* Feed an out-of-order file to the sorter: key = big-endian primaryid,
 * data = line number + the record re-joined. */
static int sort_stream(struct reader *r, struct stream *s)
{
	char *rec = vg_xmalloc(s->csv.o.max_record + 16);
	int rc;

	s->sorter = vg_sorter_new(SORT_BUDGET);
	while ((rc = vg_csv_next(&s->csv, r->err)) != 0 && rc != VG_EIO) {
		unsigned char kb[24];
		size_t kl = 8;
		int64_t key, line = s->csv.line;
		r->stats->rows_read++;
		s->line = line;
		if (rc != 1) {
			vg_rejects_add(r->opts->rejects, s->path, line,
			               rc == VG_ETOOBIG ? "line longer than the cap" : "unreadable line");
			continue;
		}
		if (!fields_ok(r, s))
			continue;
		if (parse_key(vg_csv_field(&s->csv, s->col[C_KEY]), &key) < 0) {
			reject_row(r, s, "%s", "no primaryid");
			continue;
		}
		if (r->lex)
			kl = (size_t)snprintf((char *)kb, sizeof(kb), "%" PRId64, key);
		else
			for (int i = 0; i < 8; i++)
				kb[i] = (unsigned char)((uint64_t)key >> (56 - 8 * i));
		memcpy(rec, &line, sizeof(line));
		vg_csv_excerpt(&s->csv, rec + sizeof(line), s->csv.o.max_record + 8);
		if ((rc = vg_sorter_add(s->sorter, kb, kl, rec,
		                        sizeof(line) + strlen(rec + sizeof(line)), r->err)) < 0)
			break;
	}
	free(rec);
	if (rc < 0)
		return rc;
	return vg_sorter_finish(s->sorter, r->err);
}

static int resolve_columns(struct reader *r, struct stream *s)
{
	for (int c = 0; c < C_N; c++)
		s->col[c] = -1;
	for (size_t i = 0; i < VG_ARRAY_LEN(columns); i++) {
		if (columns[i].tab != -1 && columns[i].tab != s->tab)
			continue;
		s->col[columns[i].col] = vg_csv_header_find(&s->hdr, columns[i].names[0],
		                                            columns[i].names[1], columns[i].names[2],
		                                            (const char *)NULL);
		if (s->col[columns[i].col] < 0 && columns[i].required)
			return vg_err_set(r->err, VG_EPARSE, s->path, "no column %s in the %s header",
			                  columns[i].names[0], tab_names[s->tab]);
	}
	return 0;
}

static int stream_open(struct reader *r, struct stream *s, int tab, const char *path)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT('$');
	bool num = true, lex = true, sorted;
	struct vg_err herr = VG_ERR_INIT;
	int rc;

	memset(s, 0, sizeof(*s));
	s->tab = tab;
	s->path = path;
	s->prev = -1;
	o.encoding = VG_CSV_AUTO;
	o.max_record = r->opts->max_line;
	if ((rc = keys_sorted(path, &num, &lex, r->err)) < 0)
		return rc;
	if (tab == T_DEMO) /* DEMO's order is the join's: numeric, else text */
		r->lex = !num && lex;
	sorted = r->lex ? lex : num;
	if ((rc = vg_csv_open(&s->csv, path, &o, r->err)) < 0)
		return rc;
	s->opened = true;
	if ((rc = vg_csv_header_read(&s->csv, &s->hdr, &herr)) < 0) {
		if (herr.code == VG_EPARSE && s->csv.nf == 0) /* an empty file: no rows */
			return 0;
		return vg_err_set(r->err, herr.code, herr.field, "%s", herr.msg);
	}
	if ((rc = resolve_columns(r, s)) < 0)
		return rc;
	if (!sorted && (rc = sort_stream(r, s)) < 0)
		return rc;
	return stream_next(r, s);
}

static void stream_close(struct stream *s)
{
	if (!s->opened)
		return;
	vg_csv_close(&s->csv);
	vg_csv_header_release(&s->hdr);
	vg_sorter_free(s->sorter);
	free(s->sbuf);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ versions */

#define FLD(s, c) vg_csv_field(&(s)->csv, (s)->col[c])

static const struct {
	const char *code, *unit;
} age_units[] = {{"DEC", "{decade}"}, {"YR", "a"}, {"MON", "mo"},
                 {"WK", "wk"},        {"DY", "d"}, {"HR", "h"}};

struct code {
	const char *code;
	int value;
};

static const struct code qual_codes[] = {{"MD", VG_QUAL_PHYSICIAN}, {"PH", VG_QUAL_PHARMACIST},
                  {"OT", VG_QUAL_OTHER_HCP}, {"HP", VG_QUAL_OTHER_HCP},
                  {"LW", VG_QUAL_LAWYER},    {"CN", VG_QUAL_CONSUMER}},
  group_codes[] = {{"N", VG_AGE_NEONATE}, {"I", VG_AGE_INFANT},     {"C", VG_AGE_CHILD},
                   {"T", VG_AGE_ADOLESCENT}, {"A", VG_AGE_ADULT}, {"E", VG_AGE_ELDERLY}},
  outc_codes[] = {{"DE", VG_SER_DEATH},      {"LT", VG_SER_LIFE_THREATENING},
                  {"HO", VG_SER_HOSPITALISATION}, {"DS", VG_SER_DISABILITY},
                  {"CA", VG_SER_CONGENITAL}, {"RI", VG_SER_OTHER}, {"OT", VG_SER_OTHER}},
  role_codes[] = {{"PS", VG_ROLE_SUSPECT}, {"SS", VG_ROLE_SUSPECT},
                  {"I", VG_ROLE_INTERACTING}, {"C", VG_ROLE_CONCOMITANT}};

#define LOOKUP(table, s, dflt) lookup_code(table, VG_ARRAY_LEN(table), s, dflt)
static int lookup_code(const struct code *t, size_t n, struct vg_sv s, int dflt)
{
	for (size_t i = 0; i < n; i++)
		if (eq(s, t[i].code))
			return t[i].value;
	return dflt;
}

static const char *country(struct vg_arena *a, struct vg_sv s)
{
	if (s.len != 2 || !isalpha((unsigned char)s.p[0]) || !isalpha((unsigned char)s.p[1]))
		return NULL;
	return vg_arena_strndup(a, s.p, 2);
}

/* age, age_cod, age_grp (FORMATS.md 1.6) */
static void demo_age(struct vg_case_version *v, struct stream *s)
{
	struct vg_sv cod = FLD(s, C_AGE_COD);

	v->age_value = number(FLD(s, C_AGE));
	for (size_t i = 0; i < VG_ARRAY_LEN(age_units); i++)
		if (eq(cod, age_units[i].code))
			v->age_unit = age_units[i].unit;
	if (isnan(v->age_value))
		v->age_unit = NULL;
	v->age_years = vg_case_age_years(v->age_value, v->age_unit);
	v->age_group = LOOKUP(group_codes, FLD(s, C_AGE_GRP), VG_AGE_UNKNOWN);
	if (v->age_group == VG_AGE_UNKNOWN)
		v->age_group = vg_case_age_group_of(v->age_years);
}

static void demo_patient(struct vg_case_version *v, struct stream *s)
{
	struct vg_sv sex = FLD(s, C_SEX), wcod = FLD(s, C_WT_COD);
	double wt = number(FLD(s, C_WT));

	v->sex = eq(sex, "F") ? VG_SEX_FEMALE : eq(sex, "M") ? VG_SEX_MALE : VG_SEX_UNKNOWN;
	demo_age(v, s);
	if (eq(wcod, "KG"))
		v->weight_kg = wt;
	else if (eq(wcod, "LBS"))
		v->weight_kg = wt * 0.45359237;
	else if (eq(wcod, "GMS"))
		v->weight_kg = wt / 1000;
}

/* One DEMO row -> the version's header.  *onset gets event_dt. */
static void build_demo(struct reader *r, struct vg_case_version *v, struct vg_date *onset)
{
	struct stream *s = &r->st[T_DEMO];
	struct vg_arena *a = &r->arena;
	struct vg_sv caseid = FLD(s, C_CASEID);

	v->case_id = join(a, "", (struct vg_sv[]){{"FAERS-", 6}, caseid, {NULL, 0}});
	v->report_id = dup_sv(a, FLD(s, C_KEY));
	v->source = "faers";
	v->redacted = true; /* FDA public release, identifiers removed (docs/DECISIONS.md) */
	v->source_version = dup_sv(a, FLD(s, C_CASEVERSION));
	v->report_type = VG_RT_SPONTANEOUS;
	v->initial = eq(FLD(s, C_I_F), "I");
	v->klass = VG_CLASS_DRUG;
	v->received = faers_date(FLD(s, C_INIT_FDA_DT)); /* C.1.4 */
	v->latest = faers_date(FLD(s, C_FDA_DT));        /* C.1.5: FDA's order */
	if (s->col[C_INIT_FDA_DT] < 0 && v->initial)     /* AERS: an initial's FDA_DT */
		v->received = v->latest;
	v->created = faers_date(FLD(s, C_REPT_DT));      /* C.1.2 */
	v->submitted = v->created;
	v->aware = faers_date(FLD(s, C_MFR_DT));
	*onset = faers_date(FLD(s, C_EVENT_DT));
	v->unit = dup_sv(a, FLD(s, C_MFR_SNDR));
	v->country = country(a, FLD(s, C_OCCR_COUNTRY));
	if (!v->country)
		v->country = country(a, FLD(s, C_REP_COUNTRY));
	v->qualification = LOOKUP(qual_codes, FLD(s, C_OCCP), VG_QUAL_UNKNOWN);
	demo_patient(v, s);
}

/* No prod_ai (AERS, 2012Q4-2014Q2): the ingredient in a trailing
 * parenthetical ("TYLENOL (ACETAMINOPHEN)"), else the cleaned name (terms.h
 * rules: strengths, dose forms, salts removed), upper-cased like prod_ai. */
static const char *ingredient_of(struct reader *r, const char *name)
{
	struct vg_sv s;
	char *out;

	if (!name)
		return NULL;
	if (vg_terms_clean_alt(name, &r->clean) < 0 || r->clean.len == 0)
		if (vg_terms_clean(name, &r->clean) < 0 || r->clean.len == 0)
			return clean_name(&r->arena, vg_sv_of(name));
	s = (struct vg_sv){r->clean.p, r->clean.len};
	out = vg_arena_strndup(&r->arena, s.p, s.len);
	for (char *q = out; *q; q++)
		*q = upper(*q);
	return out;
}

static void add_drug(struct reader *r, struct vg_case_version *v, struct stream *s)
{
	struct vg_arena *a = &r->arena;
	struct vg_product *p = vg_case_add_product(v, a);
	struct vg_sv name = FLD(s, C_DRUGNAME), ai = FLD(s, C_PROD_AI);
	int64_t seq = -1;

	p->role = LOOKUP(role_codes, FLD(s, C_ROLE), VG_ROLE_UNKNOWN);
	p->klass = VG_CLASS_DRUG;
	p->name = dup_sv(a, name);
	p->ingredient = ai.len ? clean_name(a, ai) : ingredient_of(r, p->name);
	p->route = dup_sv(a, FLD(s, C_ROUTE));
	p->dose = dup_sv(a, FLD(s, C_DOSE_VBM));
	if (!p->dose && FLD(s, C_DOSE_AMT).len) /* "amt unit freq", empty ones left out */
		p->dose = join(a, " ", (struct vg_sv[]){FLD(s, C_DOSE_AMT), FLD(s, C_DOSE_UNIT),
		                                        FLD(s, C_DOSE_FREQ), {NULL, 0}});
	p->batch = dup_sv(a, FLD(s, C_LOT));
	p->approval_no = dup_sv(a, FLD(s, C_NDA));
	if (parse_key(FLD(s, C_DRUG_SEQ), &seq) < 0)
		seq = -1;
	VG_GROW(r->seqs, r->seqcap, v->nproducts);
	r->seqs[v->nproducts - 1] = seq;
}

/* The product with this drug_seq, or NULL. */
static struct vg_product *product_of(struct reader *r, struct vg_case_version *v,
                                     struct stream *s)
{
	int64_t seq;

	if (parse_key(FLD(s, C_DRUG_SEQ), &seq) < 0)
		return NULL;
	for (size_t i = 0; i < v->nproducts; i++)
		if (r->seqs[i] == seq)
			return &v->products[i];
	return NULL;
}

static void add_ther(struct reader *r, struct vg_case_version *v, struct stream *s)
{
	struct vg_product *p = product_of(r, v, s);
	struct vg_date st = faers_date(FLD(s, C_START_DT)), en = faers_date(FLD(s, C_END_DT));

	if (!p) {
		reject_row(r, s, "%s", "THER: no DRUG row with this drug_seq");
		return;
	}
	if (st.prec && (!p->start.prec || vg_date_cmp(&st, &p->start) < 0))
		p->start = st;
	if (en.prec && (!p->end.prec || vg_date_cmp(&en, &p->end) > 0))
		p->end = en;
}

static void add_indi(struct reader *r, struct vg_case_version *v, struct stream *s)
{
	struct vg_product *p = product_of(r, v, s);

	if (!p) {
		reject_row(r, s, "%s", "INDI: no DRUG row with this drug_seq");
		return;
	}
	if (!p->indication)
		p->indication = dup_sv(&r->arena, FLD(s, C_INDI_PT));
}

static void add_row(struct reader *r, struct vg_case_version *v, int t,
                    const struct vg_date *onset)
{
	struct stream *s = &r->st[t];
	struct vg_event *e;
	int bit;

	switch (t) {
	case T_DRUG:
		add_drug(r, v, s);
		break;
	case T_REAC:
		e = vg_case_add_event(v, &r->arena);
		e->coded = dup_sv(&r->arena, FLD(s, C_PT)); /* a MedDRA PT: no verbatim */
		e->onset = *onset;
		break;
	case T_OUTC:
		if ((bit = LOOKUP(outc_codes, FLD(s, C_OUTC), 0)) == 0) {
			reject_row(r, s, "%s", "OUTC: unknown outc_cod");
			break;
		}
		v->seriousness |= (unsigned)bit;
		v->serious = true;
		break;
	case T_RPSR:
		if (eq(FLD(s, C_RPSR), "SDY"))
			v->report_type = VG_RT_STUDY;
		break;
	case T_THER:
		add_ther(r, v, s);
		break;
	case T_INDI:
		add_indi(r, v, s);
		break;
	}
}

/* ------------------------------------------------------------ the join */

static void progress(struct reader *r)
{
	uint64_t done = r->done_bytes;

	for (int t = 0; t < T_NTAB; t++)
		if (r->st[t].opened)
			done += r->st[t].csv.bytes;
	vg_progress_update(&r->prog, done);
}

/* Reject child rows before key, then gather those at key into v.  Tables
 * are taken in enum order, so DRUG rows precede the THER/INDI ones that
 * point at them. */
static int gather(struct reader *r, struct vg_case_version *v, int64_t key,
                  const struct vg_date *onset, const char *drop_reason)
{
	int rc;

	for (int t = T_DRUG; t < T_NTAB; t++) {
		struct stream *s = &r->st[t];
		if (!s->opened)
			continue;
		while (s->have && kcmp(r, s->key, key) < 0) {
			reject_row(r, s, "%s", "no DEMO row for this primaryid");
			if ((rc = stream_next(r, s)) < 0)
				return rc;
		}
		while (s->have && s->key == key) {
			if (v)
				add_row(r, v, t, onset);
			else if (drop_reason)
				reject_row(r, s, "%s", drop_reason);
			if ((rc = stream_next(r, s)) < 0)
				return rc;
		}
	}
	return 0;
}

/* The current DEMO row and its children -> one version to the sink. */
static int one_report(struct reader *r, int64_t *last)
{
	struct stream *d = &r->st[T_DEMO];
	struct vg_case_version *v;
	struct vg_date onset;
	struct vg_sv caseid = FLD(d, C_CASEID);
	bool deleted;
	int rc;

	if (d->key == *last) {
		reject_row(r, d, "%s", "duplicate primaryid in DEMO");
		return 0;
	}
	*last = d->key;
	if (!digits_only(caseid)) {
		reject_row(r, d, "%s", "no caseid");
		return gather(r, NULL, d->key, NULL, "its DEMO row was rejected (no caseid)");
	}
	deleted = is_deleted(r, caseid);
	vg_arena_reset(&r->arena);
	v = vg_case_new(&r->arena);
	build_demo(r, v, &onset);
	if ((rc = gather(r, deleted ? NULL : v, d->key, &onset, NULL)) < 0 || deleted)
		return rc;
	if ((rc = r->sink->version(r->sink->ctx, v, r->err)) != 0)
		return rc < 0 ? rc : VG_EINTERNAL;
	r->stats->versions++;
	if ((r->stats->versions & 4095) == 0)
		progress(r);
	return 0;
}

static int read_quarter(struct reader *r, const struct quarter *q)
{
	int64_t last = -1;
	int rc = 0;

	for (int t = 0; t < T_NTAB && rc >= 0; t++)
		if (q->files[t])
			rc = stream_open(r, &r->st[t], t, q->files[t]);
	while (rc >= 0 && r->st[T_DEMO].have) {
		if ((rc = one_report(r, &last)) < 0)
			break;
		rc = stream_next(r, &r->st[T_DEMO]);
	}
	if (rc >= 0)
		rc = gather(r, NULL, INT64_MAX, NULL, NULL);
	for (int t = 0; t < T_NTAB; t++) {
		if (r->st[t].opened)
			r->done_bytes += r->st[t].csv.bytes;
		stream_close(&r->st[t]);
	}
	return rc < 0 ? rc : 0;
}

static void reader_release(struct reader *r)
{
	for (size_t i = 0; i < r->nq; i++)
		for (int t = 0; t < T_NTAB; t++)
			free(r->qs[i].files[t]);
	free(r->qs);
	for (size_t i = 0; i < r->ndel; i++)
		free(r->deletes[i]);
	free(r->deletes);
	vg_map_free(r->deleted);
	free(r->delbits);
	for (int t = 0; t < T_NTAB; t++)
		stream_close(&r->st[t]);
	vg_arena_release(&r->arena);
	vg_buf_release(&r->clean);
	free(r->seqs);
}

static int run_faers(const struct vg_ingest_opts *opts, char **files, int nfiles,
                     const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                     struct vg_err *err)
{
	struct reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.opts = opts;
	r.sink = sink;
	r.stats = stats;
	r.err = err;
	r.deleted = vg_map_new(1024);
	r.delbits = vg_xcalloc(DEL_BITS / 64, sizeof(*r.delbits));
	r.clean = (struct vg_buf)VG_BUF_INIT(1 << 16);
	vg_arena_init(&r.arena, 64 * 1024);
	if ((rc = collect(&r, files, nfiles)) < 0)
		goto out;
	for (size_t i = 0; i < r.ndel; i++)
		if ((rc = read_deletes(&r, r.deletes[i])) < 0)
			goto out;
	if (opts->progress)
		vg_progress_start(&r.prog, "faers", r.total_bytes);
	for (size_t i = 0; i < r.nq; i++)
		if ((rc = read_quarter(&r, &r.qs[i])) < 0)
			goto out;
	rc = send_deletes(&r);
	if (opts->progress) {
		progress(&r);
		vg_progress_finish(&r.prog);
	}
out:
	stats->rows_rejected = opts->rejects ? opts->rejects->count : 0;
	reader_release(&r);
	return rc;
}

const struct vg_ingest_format vg_ingest_faers = {
	.name = "faers",
	.summary = "FDA FAERS / legacy AERS quarterly ASCII ($-delimited DEMO DRUG REAC ...)",
	.run = run_faers,
};
