/*
 * caers.c - FDA CAERS (CFSAN Adverse Event Reporting System): foods,
 * dietary supplements and cosmetics (FORMATS.md section 3).
 *
 * One comma-separated file (RFC 4180 quoting, UTF-8 BOM on 2020+ files,
 * Windows-1252 tolerated) with ONE ROW PER (REPORT, PRODUCT): the report's
 * age, sex, outcomes and symptoms are repeated on each of its product rows.
 * There is no product key and no version: a report is one version of case
 * "CAERS-<report id>".
 *
 * Headers.  Four header sets are known (A 2004-2017Q2, B 2018, C 2020-2025,
 * D 2026 HFCS), plus R's read.csv mangling of A ("RA_Report..",
 * "PRI_Reported.Brand.Product.Name").  Names are normalised before lookup
 * - lower case, every run of non-alphanumerics one '_', none at the ends -
 * so "RA_Report #", "RA_Report.." and "ra report" all read "ra_report";
 * the columns are then found through one alias list per concept (table
 * `concepts` below).  Only the report id column is required.
 *
 * The join.  Rows of a report are usually adjacent but nothing promises
 * it, so rows go to the external sorter (sort.c, 64 MiB budget) keyed by
 * the report id and come back one report at a time: bounded memory, one
 * report mapped at a time.
 *
 * Several files may be given (releases are cumulative): a report found in
 * more than one is taken from the last file that has it.
 *
 * Mapping:
 *   created date -> created, received and latest (CAERS has one date)
 *   event start date -> every event's onset
 *   each row -> a product: name as reported (REDACTED / EXEMPTION 4 kept),
 *     role Suspect/Concomitant (any case), category "<code> <industry
 *     name>"; class cosmetic when the industry code is 53 or its name says
 *     Cosmetic, else food.  The case's class is its first suspect's.
 *   symptoms (MedDRA PT names joined by ", ") -> events, once each
 *   outcomes (joined by ", ") -> seriousness: death, life threatening,
 *     hospitalization, disability, congenital anomaly; required
 *     intervention, other serious / medically important, "serious
 *     injuries/illness" -> other; non-serious ones, ER and doctor visits
 *     -> none.  The union over the report's rows.
 *   age + unit (Year(s), Month(s) ... -> a, mo, wk, d, h, 10.a; an age with
 *     "Not Available" or no unit is unknown), sex Female/Male/F/M
 * Dates: M/D/YYYY, MM/DD/YYYY, DD-Mon-YY, YYYYMMDD; "NA" (read.csv) and
 * unparsable values are unknown.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

#define SORT_BUDGET ((size_t)64 << 20)
#define ITEMS_MAX 1000
#define ID_MAX 64
#define FS '\x1f'

enum { C_ID, C_CREATED, C_START, C_ROLE, C_PRODUCT, C_ICODE, C_INAME, C_AGE, C_AGE_UNIT,
       C_SEX, C_OUTCOMES, C_SYMPTOMS, C_N };

/* Normalised header aliases of each concept, layouts A, B, C, D. */
static const char *const concepts[C_N][6] = {
	[C_ID] = {"ra_report", "report", "report_id", NULL},
	[C_CREATED] = {"ra_caers_created_date", "created_date", "caers_created_date",
	               "date_fda_first_received_report", NULL},
	[C_START] = {"aec_event_start_date", "event_start_date", "date_of_event", "date_event",
	             NULL},
	[C_ROLE] = {"pri_product_role", "product_role", "product_type", NULL},
	[C_PRODUCT] = {"pri_reported_brand_product_name", "reported_brand_product_name",
	               "product", NULL},
	[C_ICODE] = {"pri_fda_industry_code", "industry_code", "product_code", NULL},
	[C_INAME] = {"pri_fda_industry_name", "industry_name", "description", NULL},
	[C_AGE] = {"ci_age_at_adverse_event", "age_at_adverse_event", "patient_age", NULL},
	[C_AGE_UNIT] = {"ci_age_unit", "age_unit", "age_units", NULL},
	[C_SEX] = {"ci_gender", "sex", "gender", NULL},
	[C_OUTCOMES] = {"aec_one_row_outcomes", "one_row_outcomes", "outcomes", "case_outcome",
	                NULL},
	[C_SYMPTOMS] = {"sym_one_row_coded_symptoms", "one_row_symptoms", "one_row_coded_symptoms",
	                "meddra_preferred_terms", "medra_preferred_terms",
	                "case_meddra_preferred_terms"},
};

struct run {
	const struct vg_ingest_opts *opts;
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *st;
	struct vg_err *err;
	struct vg_sorter *sorter;
	size_t nadded;
	const char *const *names;
	struct vg_arena arena;
	struct vg_ingest_meter meter; /* progress over the input bytes */
};


static void reject(struct run *r, const char *file, int64_t line, const char *fmt, ...)
	VG_PRINTF(4, 5);
static void reject(struct run *r, const char *file, int64_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	vg_rejects_add(r->opts ? r->opts->rejects : NULL, file, line, "%s", msg);
	r->st->rows_rejected++;
}

/* ------------------------------------------------------------ reading */

/* "RA_Report #" -> "ra_report", "PRI_Reported.Brand.Product.Name" ->
 * "pri_reported_brand_product_name". */
static char *normalise(struct vg_sv s)
{
	char *out = vg_xmalloc(s.len + 1), *o = out;
	bool sep = false;

	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if (isalnum(ch)) {
			if (sep && o > out)
				*o++ = '_';
			*o++ = (char)tolower(ch);
			sep = false;
		} else
			sep = true;
	}
	*o = 0;
	return out;
}

/* Read the header; col[] gets each concept's field index or -1. */
static int read_header(struct run *r, const char *name, struct vg_csv *c, int col[C_N],
                       size_t *nfields)
{
	struct vg_csv_header h = {NULL, 0};
	int rc = vg_csv_next(c, r->err);

	if (rc == 0)
		return 1; /* empty file */
	if (rc < 0)
		return rc == VG_EIO ? rc : vg_err_set(r->err, VG_EPARSE, name, "unreadable header");
	h.n = c->nf;
	h.names = vg_xcalloc(c->nf ? c->nf : 1, sizeof *h.names);
	for (size_t i = 0; i < c->nf; i++)
		h.names[i] = normalise(c->f[i]);
	for (int k = 0; k < C_N; k++) {
		col[k] = -1;
		for (int a = 0; a < 6 && concepts[k][a] && col[k] < 0; a++)
			col[k] = vg_csv_header_find(&h, concepts[k][a], NULL);
	}
	*nfields = h.n;
	vg_csv_header_release(&h);
	if (col[C_ID] < 0)
		return vg_err_set(r->err, VG_EPARSE, name, "no report id column: not a CAERS file");
	return 0;
}

/* Append v to d with any FS byte (it would split the record) as a space. */
static void put_field(struct vg_buf *d, struct vg_sv v)
{
	const char *p = v.p, *end = v.p + v.len, *q;

	while ((q = memchr(p, FS, (size_t)(end - p))) != NULL) {
		vg_buf_append(d, p, (size_t)(q - p));
		vg_buf_putc(d, ' ');
		p = q + 1;
	}
	vg_buf_append(d, p, (size_t)(end - p));
}

static int add_row(struct run *r, int file, const struct vg_csv *c, const int col[C_N])
{
	struct vg_sv id = vg_csv_field(c, col[C_ID]);
	struct vg_buf d = VG_BUF_INIT(0);
	int rc;

	if (!id.len || id.len > ID_MAX || vg_sv_eq_cstr(id, "NA")) {
		reject(r, r->names[file], c->line, "CAERS: no usable report id");
		return 0;
	}
	vg_buf_printf(&d, "%d%c%" PRId64, file, FS, c->line);
	for (int k = 0; k < C_N; k++) {
		vg_buf_putc(&d, FS);
		put_field(&d, vg_csv_field(c, col[k]));
	}
	rc = vg_sorter_add(r->sorter, id.p, id.len, d.p, d.len, r->err);
	vg_buf_release(&d);
	r->nadded++;
	return rc;
}

static int read_file(struct run *r, int file, struct vg_csv *c)
{
	int col[C_N];
	size_t nfields = 0;
	int rc = read_header(r, r->names[file], c, col, &nfields);

	if (rc)
		return rc > 0 ? 0 : rc;
	while ((rc = vg_csv_next(c, r->err)) != 0) {
		if (rc == VG_EIO)
			return rc;
		r->st->rows_read++;
		vg_ingest_meter_tick(&r->meter, r->st->rows_read, c);
		if (rc < 0)
			reject(r, r->names[file], c->line, "CAERS: %s",
			       rc == VG_ETOOBIG ? "record too long" : "quoted field not closed");
		else if (c->nf != nfields)
			reject(r, r->names[file], c->line, "CAERS: %zu fields, the header has %zu",
			       c->nf, nfields);
		else if ((rc = add_row(r, file, c, col)) < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ mapping */

struct row {
	struct vg_sv f[C_N];
	int file;
	int64_t line;
};

static bool na(struct vg_sv s)
{
	s = vg_sv_trim(s);
	return !s.len || vg_sv_eq_cstr(s, "NA") || vg_sv_ieq_cstr(s, "Not Available");
}

static const char *dup(struct run *r, struct vg_sv s)
{
	s = vg_sv_trim(s);
	return s.len ? vg_arena_strndup(&r->arena, s.p, s.len) : NULL;
}

/* M/D/YYYY, DD-Mon-YY, YYYYMMDD. */
static struct vg_date cdate(struct vg_sv s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	struct vg_date d = VG_DATE_INIT;
	char buf[32], mon[4], tail;
	int m, day, y;

	s = vg_sv_trim(s);
	if (na(s) || s.len >= sizeof buf)
		return d;
	memcpy(buf, s.p, s.len);
	buf[s.len] = 0;
	if (sscanf(buf, "%2d-%3[A-Za-z]-%2d%c", &day, mon, &y, &tail) == 3) { /* 02-Jan-17 */
		for (char *p = mon; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *hit = strstr(months, mon);
		if (!hit || strlen(mon) != 3 || (hit - months) % 3)
			return d;
		m = (int)(hit - months) / 3 + 1;
		y += y < 70 ? 2000 : 1900;
	} else if (sscanf(buf, "%2d/%2d/%4d%c", &m, &day, &y, &tail) != 3) {
		if (vg_date_parse(s, &d) < 0) /* YYYYMMDD, ISO */
			d = (struct vg_date)VG_DATE_INIT;
		return d;
	}
	snprintf(buf, sizeof buf, "%04d%02d%02d", y % 10000, m % 100, day % 100);
	if (vg_date_parse(vg_sv_of(buf), &d) < 0)
		d = (struct vg_date)VG_DATE_INIT;
	return d;
}

/* One outcome text -> seriousness bit (0: not serious / unknown). */
static unsigned outcome_bit(struct vg_sv o)
{
	static const struct { const char *word; unsigned bit; } map[] = {
		{"non-serious", 0}, {"non serious", 0}, {"death", VG_SER_DEATH},
		{"life threat", VG_SER_LIFE_THREATENING}, {"hospitali", VG_SER_HOSPITALISATION},
		{"disab", VG_SER_DISABILITY}, {"congenital", VG_SER_CONGENITAL},
		{"intervention", VG_SER_OTHER}, {"other serious", VG_SER_OTHER},
		{"medically important", VG_SER_OTHER}, {"serious injur", VG_SER_OTHER},
	};
	char buf[128];

	o = vg_sv_trim(o);
	if (!o.len || o.len >= sizeof buf)
		return 0;
	memcpy(buf, o.p, o.len);
	buf[o.len] = 0;
	for (size_t i = 0; i < VG_ARRAY_LEN(map); i++)
		if (strcasestr(buf, map[i].word))
			return map[i].bit;
	return 0;
}

static unsigned outcomes(struct vg_sv s)
{
	unsigned bits = 0;
	struct vg_sv rest;

	while (s.len) {
		bits |= outcome_bit(vg_sv_cut(s, ',', &rest));
		if (!rest.p)
			break;
		s = rest;
	}
	return bits;
}

static void add_symptoms(struct run *r, struct vg_case_version *v, struct vg_sv s,
                         struct vg_date onset)
{
	struct vg_sv rest;

	while (s.len && v->nevents < ITEMS_MAX) {
		struct vg_sv t = vg_sv_trim(vg_sv_cut(s, ',', &rest));
		bool seen = false;
		for (size_t i = 0; i < v->nevents && !seen && t.len; i++)
			seen = vg_sv_eq_cstr(t, v->events[i].term);
		if (t.len && !seen && !na(t)) {
			struct vg_event *e = vg_case_add_event(v, &r->arena);
			e->term = e->coded = dup(r, t);
			e->onset = onset;
		}
		if (!rest.p)
			break;
		s = rest;
	}
}

static bool is_cosmetic(struct vg_sv code, struct vg_sv name)
{
	char buf[128];
	name = vg_sv_trim(name);
	if (vg_sv_eq_cstr(vg_sv_trim(code), "53"))
		return true;
	if (name.len >= sizeof buf)
		return false;
	memcpy(buf, name.p, name.len);
	buf[name.len] = 0;
	return strcasestr(buf, "cosmetic") != NULL;
}

static void add_product(struct run *r, struct vg_case_version *v, const struct row *w)
{
	struct vg_product *p = vg_case_add_product(v, &r->arena);
	struct vg_sv role = vg_sv_trim(w->f[C_ROLE]), code = vg_sv_trim(w->f[C_ICODE]);
	struct vg_sv iname = vg_sv_trim(w->f[C_INAME]);

	p->role = vg_sv_ieq_cstr(role, "Suspect") ? VG_ROLE_SUSPECT
	          : vg_sv_ieq_cstr(role, "Concomitant") ? VG_ROLE_CONCOMITANT
	          : role.len ? VG_ROLE_UNKNOWN : VG_ROLE_SUSPECT; /* no role column: suspect */
	p->klass = is_cosmetic(code, iname) ? VG_CLASS_COSMETIC : VG_CLASS_FOOD;
	p->name = dup(r, w->f[C_PRODUCT]);
	if (code.len || iname.len)
		p->category = vg_arena_printf(&r->arena, "%.*s%s%.*s", (int)code.len, code.p,
		                              code.len && iname.len ? " " : "", (int)iname.len, iname.p);
}

/* CAERS age units (Year(s), Month(s), Week(s), Day(s), Decade(s), any case)
 * -> E2B D.2.2b UCUM units; NULL when not one of them. */
static const char *ucum_unit(struct vg_sv u)
{
	static const struct { const char *word, *ucum; } map[] = {
		{"year", "a"}, {"month", "mo"}, {"week", "wk"}, {"day", "d"}, {"hour", "h"},
		{"decade", "10.a"},
	};
	for (size_t i = 0; i < VG_ARRAY_LEN(map); i++) {
		size_t n = strlen(map[i].word);
		if (u.len >= n && strncasecmp(u.p, map[i].word, n) == 0)
			return map[i].ucum;
	}
	return NULL;
}

static void map_report(struct run *r, struct vg_case_version *v, struct row *rows, size_t n)
{
	const struct row *w = &rows[0];
	struct vg_sv id = vg_sv_trim(w->f[C_ID]), unit = vg_sv_trim(w->f[C_AGE_UNIT]);
	struct vg_sv sex = vg_sv_trim(w->f[C_SEX]);
	double age;

	v->case_id = vg_arena_printf(&r->arena, "CAERS-%.*s", (int)id.len, id.p);
	v->report_id = dup(r, id);
	v->source = "caers";
	v->redacted = true; /* public release (DECISIONS.md) */
	v->initial = true;
	v->report_type = VG_RT_SPONTANEOUS;
	v->created = v->received = v->latest = cdate(w->f[C_CREATED]);
	v->sex = vg_sv_ieq_cstr(sex, "Female") || vg_sv_ieq_cstr(sex, "F") ? VG_SEX_FEMALE
	         : vg_sv_ieq_cstr(sex, "Male") || vg_sv_ieq_cstr(sex, "M") ? VG_SEX_MALE
	                                                                 : VG_SEX_UNKNOWN;
	if (!na(w->f[C_AGE]) && vg_parse_double(vg_sv_trim(w->f[C_AGE]), &age) == 0 &&
	    isfinite(age) && age >= 0 && ucum_unit(unit)) {
		v->age_value = age;
		v->age_unit = ucum_unit(unit);
		v->age_years = vg_case_age_years(age, v->age_unit);
		v->age_group = vg_case_age_group_of(v->age_years);
	}
	for (size_t i = 0; i < n && v->nproducts < ITEMS_MAX; i++)
		add_product(r, v, &rows[i]);
	for (size_t i = 0; i < n; i++) {
		v->seriousness |= outcomes(rows[i].f[C_OUTCOMES]);
		add_symptoms(r, v, rows[i].f[C_SYMPTOMS], cdate(rows[i].f[C_START]));
	}
	v->serious = v->seriousness != 0;
	v->klass = v->nproducts ? v->products[0].klass : VG_CLASS_FOOD;
	for (size_t i = 0; i < v->nproducts; i++)
		if (v->products[i].role == VG_ROLE_SUSPECT) {
			v->klass = v->products[i].klass;
			break;
		}
}

static void row_parse(struct run *r, struct row *row, const char *data, size_t len)
{
	char *p = vg_arena_strndup(&r->arena, data, len), *end = p + len;
	struct vg_sv parts[C_N + 2];
	size_t n = 0;
	int64_t x;

	memset(row, 0, sizeof *row);
	while (n < VG_ARRAY_LEN(parts)) {
		char *q = memchr(p, FS, (size_t)(end - p));
		parts[n++] = (struct vg_sv){p, (size_t)((q ? q : end) - p)};
		if (!q)
			break;
		*q = 0;
		p = q + 1;
	}
	row->file = n > 0 && vg_parse_i64(parts[0], &x) == 0 ? (int)x : 0;
	row->line = n > 1 && vg_parse_i64(parts[1], &x) == 0 ? x : 0;
	for (size_t i = 2; i < n && i - 2 < C_N; i++)
		row->f[i - 2] = parts[i];
}

static int deliver(struct run *r, struct row *rows, size_t n)
{
	struct vg_case_version *v = vg_case_new(&r->arena);
	size_t from = 0;

	/* CAERS releases are cumulative: when several files hold the report,
	 * the last file's rows are the report (rows arrive in file order) */
	while (from < n && rows[from].file != rows[n - 1].file)
		from++;
	map_report(r, v, rows + from, n - from);
	int rc = r->sink->version(r->sink->ctx, v, r->err);
	if (rc == 0)
		r->st->versions++;
	return rc;
}

static int join(struct run *r)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	char cur[ID_MAX];
	size_t curlen = 0;
	const void *key, *data;
	size_t klen, dlen;
	int rc;

	while ((rc = vg_sorter_next(r->sorter, &key, &klen, &data, &dlen, r->err)) == 1) {
		if (n && (klen != curlen || memcmp(cur, key, klen) != 0)) {
			if ((rc = deliver(r, rows, n)) != 0)
				break;
			n = 0;
			vg_arena_reset(&r->arena);
		}
		memcpy(cur, key, klen < ID_MAX ? klen : ID_MAX);
		curlen = klen;
		if (n >= ITEMS_MAX) {
			reject(r, "", 0, "CAERS: report %.*s has more than %d rows", (int)klen,
			       (const char *)key, ITEMS_MAX);
			continue;
		}
		VG_GROW(rows, cap, n + 1);
		row_parse(r, &rows[n++], data, dlen);
	}
	if (rc == 0 && n)
		rc = deliver(r, rows, n);
	free(rows);
	return rc;
}

/* ------------------------------------------------------------ driver */

static int run_inputs(struct run *r, const struct vg_ingest_mem *mem, char **paths, int n)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(',');
	int rc = 0;

	o.quotes = true;
	o.encoding = VG_CSV_AUTO;
	o.max_record = r->opts && r->opts->max_line ? r->opts->max_line : 0;
	r->sorter = vg_sorter_new(SORT_BUDGET);
	vg_ingest_meter_start(&r->meter, r->opts, "caers", mem, paths, n);
	vg_arena_init(&r->arena, 0);
	for (int i = 0; i < n && rc == 0; i++) {
		struct vg_csv c;
		if ((rc = vg_ingest_open_input(&c, mem, paths, i, &o, r->err)) < 0)
			break;
		rc = read_file(r, i, &c);
		vg_ingest_meter_done(&r->meter, &c);
		vg_csv_close(&c);
	}
	if (rc == 0 && r->nadded && (rc = vg_sorter_finish(r->sorter, r->err)) == 0)
		rc = join(r);
	vg_ingest_meter_finish(&r->meter);
	vg_sorter_free(r->sorter);
	vg_arena_release(&r->arena);
	return rc;
}

/* vg_ingest_job_run's callback: this reader's state over the job's inputs. */
static int run_job(const struct vg_ingest_job *j)
{
	struct run r = {.opts = j->opts, .sink = j->sink, .st = j->stats, .err = j->err,
	                .names = j->names};

	return run_inputs(&r, j->in, j->paths, j->n);
}

int vg_ingest_caers_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err)
{
	return vg_ingest_job_run(run_job, in, NULL, n, opts, sink, stats, err);
}

static int run_caers(const struct vg_ingest_opts *opts, char **files, int nfiles,
                     const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                     struct vg_err *err)
{
	return vg_ingest_job_run(run_job, NULL, files, nfiles, opts, sink, stats, err);
}

const struct vg_ingest_format vg_ingest_caers = {
	.name = "caers",
	.summary = "FDA CAERS food/supplement/cosmetic reports (.csv, one row per product; "
	           "2004-2026 header sets)",
	.run = run_caers,
};
