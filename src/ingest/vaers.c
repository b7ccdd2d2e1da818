/*
 * vaers.c - CDC/FDA VAERS vaccine reports (FORMATS.md section 4).
 *
 * Input: any number of <YYYY>VAERSDATA.csv, <YYYY>VAERSVAX.csv and
 * <YYYY>VAERSSYMPTOMS.csv files (and the NonDomestic ones), recognised by
 * their header: SYMPTOM_TEXT or RECVDATE -> DATA, VAX_TYPE -> VAX, SYMPTOM1
 * -> SYMPTOMS.  RFC 4180 quoting with "" escapes; Windows-1252 text is
 * converted to UTF-8 (csv AUTO: a field that is valid UTF-8 passes).
 *
 * Versions.  Recent downloads add ORDER to all three files: (VAERS_ID,
 * ORDER) is one submission of the report - the initial one and its
 * follow-ups, which may sit in a later year's file than ORDER 1.  Each
 * (VAERS_ID, ORDER) becomes one version of case "VAERS-<7-digit id>"
 * (source_version = ORDER, initial when ORDER is 1 or absent); the store
 * keeps them all and picks the latest by RECVDATE (C.1.5), then arrival
 * order, which is ORDER order within one import.  Files without ORDER give
 * one version per id (ORDER taken as absent).
 *
 * The join.  DATA is not sorted by id (the three files of a year are
 * sorted differently), so every row goes to the external sorter (sort.c,
 * 64 MiB budget, spills past it) under the key
 *
 *     10-digit zero-padded VAERS_ID + 6-digit ORDER + kind digit
 *
 * (zero padding makes "0117862" and a spreadsheet's "117862" one id) and
 * comes back one submission at a time, DATA first.  Memory is the csv
 * buffers, the sort budget and one version.  A later DATA row for the same
 * id and ORDER replaces an earlier one; VAX and SYMPTOMS rows of a
 * submission are taken from the last file that has any (so one file given
 * twice does not double them).  VAX or SYMPTOMS rows without their DATA
 * row are rejected, as are rows without a numeric VAERS_ID or with a field
 * count other than the header's.
 *
 * Mapping:
 *   RECVDATE -> received and latest; TODAYS_DATE else RPT_DATE -> created
 *   STATE -> region, country US unless STATE is FR (foreign)
 *   AGE_YRS (else CAGE_YR + CAGE_MO) -> age in years; SEX F/M
 *   DIED, L_THREAT, HOSPITAL|X_STAY, DISABLE, BIRTH_DEFECT -> seriousness
 *     (ER_VISIT, OFC_VISIT, ER_ED_VISIT alone are not serious)
 *   VAX rows -> vaccine products, suspect: VAX_NAME, VAX_TYPE as the
 *     ingredient, VAX_MANU, VAX_LOT, VAX_ROUTE, "dose <VAX_DOSE_SERIES>",
 *     VAX_DATE as start
 *   SYMPTOMn -> events (MedDRA PT names; version not kept), ONSET_DATE as
 *     onset, RECOVD Y/N -> recovered / not recovered
 *   SYMPTOM_TEXT, then LAB_DATA, OTHER_MEDS, CUR_ILL, HISTORY, PRIOR_VAX,
 *     ALLERGIES under headings -> narrative
 * Dates are MM/DD/YYYY (also M/D/YYYY from spreadsheet re-saves); an
 * unparsable date is unknown.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <ctype.h>
#include <math.h>

#define SORT_BUDGET ((size_t)64 << 20)
#define ID_DIGITS 10
#define ORD_DIGITS 6
#define KEY_LEN (ID_DIGITS + ORD_DIGITS + 1)
#define ITEMS_MAX 1000
#define FS '\x1f'

enum kind { K_DATA, K_VAX, K_SYM, K_N };
static const char *const kind_names[K_N] = {"VAERSDATA", "VAERSVAX", "VAERSSYMPTOMS"};

enum { A_ID, A_ORDER, A_RECV, A_STATE, A_AGE, A_CAGE_YR, A_CAGE_MO, A_SEX, A_RPT, A_TEXT,
       A_DIED, A_LT, A_HOSP, A_XSTAY, A_DISABLE, A_RECOVD, A_VAXDATE, A_ONSET, A_LAB,
       A_MEDS, A_ILL, A_HISTORY, A_PRIOR, A_SPLT, A_TODAY, A_BIRTH, A_ALLERGY, A_N };
enum { V_ID, V_ORDER, V_TYPE, V_MANU, V_LOT, V_DOSE, V_ROUTE, V_NAME, V_N };
#define COLS_MAX 27

static const char *const cols[K_N][COLS_MAX] = {
	[K_DATA] = {"vaers_id", "order", "recvdate", "state", "age_yrs", "cage_yr", "cage_mo",
	            "sex", "rpt_date", "symptom_text", "died", "l_threat", "hospital", "x_stay",
	            "disable", "recovd", "vax_date", "onset_date", "lab_data", "other_meds",
	            "cur_ill", "history", "prior_vax", "splttype", "todays_date", "birth_defect",
	            "allergies"},
	[K_VAX] = {"vaers_id", "order", "vax_type", "vax_manu", "vax_lot", "vax_dose_series",
	           "vax_route", "vax_name"},
	/* SYMPTOMS: vaers_id, order, then symptom1..5 (found by name) */
	[K_SYM] = {"vaers_id", "order", "symptom1", "symptom2", "symptom3", "symptom4",
	           "symptom5"},
};
static const int ncols[K_N] = {A_N, V_N, 7};

struct file {
	int idx;
	const char *name;
	int kind;
	int col[COLS_MAX];
	size_t nfields;
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

/* Digits only (leading zeros optional) -> n zero-padded digits. */
static bool padded(struct vg_sv s, size_t n, char *out)
{
	s = vg_sv_trim(s);
	while (s.len > 1 && s.p[0] == '0')
		s.p++, s.len--;
	if (!s.len || s.len > n || strspn(s.p, "0123456789") < s.len)
		return false;
	memset(out, '0', n - s.len);
	memcpy(out + n - s.len, s.p, s.len);
	return true;
}

/* ------------------------------------------------------------ reading */

static int kind_of_header(const struct vg_csv_header *h)
{
	if (vg_csv_header_find(h, "symptom_text", "recvdate", NULL) >= 0)
		return K_DATA;
	if (vg_csv_header_find(h, "vax_type", NULL) >= 0)
		return K_VAX;
	if (vg_csv_header_find(h, "symptom1", NULL) >= 0)
		return K_SYM;
	return -1;
}

static int open_file(struct run *r, struct file *f, struct vg_csv *c)
{
	struct vg_csv_header h = {NULL, 0};
	int rc = vg_csv_header_read(c, &h, r->err);

	if (rc == VG_EPARSE && h.n == 0) {
		vg_err_clear(r->err); /* an empty file holds nothing to import */
		return 1;
	}
	if (rc < 0)
		return rc;
	f->kind = kind_of_header(&h);
	for (int i = 0; f->kind >= 0 && i < ncols[f->kind]; i++)
		f->col[i] = vg_csv_header_find(&h, cols[f->kind][i], NULL);
	f->nfields = h.n;
	vg_csv_header_release(&h);
	if (f->kind < 0)
		return vg_err_set(r->err, VG_EPARSE, f->name, "header names no VAERS file");
	if (f->col[0] < 0)
		return vg_err_set(r->err, VG_EPARSE, f->name, "no VAERS_ID column");
	return 0;
}

/* One data row into the sorter. */
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

static int add_row(struct run *r, struct file *f, const struct vg_csv *c)
{
	char key[KEY_LEN];
	struct vg_buf d = VG_BUF_INIT(0);
	struct vg_sv order = vg_csv_field(c, f->col[1]);
	int rc;

	if (c->nf != f->nfields) {
		reject(r, f->name, c->line, "%s: %zu fields, the header has %zu", kind_names[f->kind],
		       c->nf, f->nfields);
		return 0;
	}
	if (!padded(vg_csv_field(c, f->col[0]), ID_DIGITS, key) ||
	    (order.len && !padded(order, ORD_DIGITS, key + ID_DIGITS))) {
		reject(r, f->name, c->line, "%s: bad VAERS_ID or ORDER", kind_names[f->kind]);
		return 0;
	}
	if (!order.len)
		memset(key + ID_DIGITS, '0', ORD_DIGITS);
	key[KEY_LEN - 1] = (char)('0' + f->kind);
	char pre[48];
	int np = snprintf(pre, sizeof pre, "%d%c%" PRId64, f->idx, FS, c->line);
	vg_buf_append(&d, pre, (size_t)np);
	for (int i = 0; i < ncols[f->kind]; i++) {
		vg_buf_putc(&d, FS);
		put_field(&d, vg_csv_field(c, f->col[i]));
	}
	rc = vg_sorter_add(r->sorter, key, KEY_LEN, d.p, d.len, r->err);
	vg_buf_release(&d);
	r->nadded++;
	return rc;
}

static int read_file(struct run *r, struct file *f, struct vg_csv *c)
{
	int rc = open_file(r, f, c);

	if (rc)
		return rc > 0 ? 0 : rc;
	while ((rc = vg_csv_next(c, r->err)) != 0) {
		if (rc == VG_EIO)
			return rc;
		r->st->rows_read++;
		vg_ingest_meter_tick(&r->meter, r->st->rows_read, c);
		if (rc < 0) {
			reject(r, f->name, c->line, "%s: %s", kind_names[f->kind],
			       rc == VG_ETOOBIG ? "record too long" : "quoted field not closed");
			continue;
		}
		if ((rc = add_row(r, f, c)) < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ mapping */

struct row {
	struct vg_sv f[COLS_MAX];
	int file;
	int64_t line;
};

struct group {
	struct row *rows[K_N];
	size_t n[K_N], cap[K_N];
};

/* Read 1 to max digits at *p (advanced) into *out. */
static bool digits(const char **p, const char *end, int max, int *out)
{
	int n = 0, v = 0;

	while (*p < end && n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0;
}

/* MM/DD/YYYY or M/D/YYYY (hand-parsed: it runs once per row). */
static struct vg_date vdate(struct vg_sv s)
{
	struct vg_date d = VG_DATE_INIT;
	const char *p, *end;
	int m, day, y;

	s = vg_sv_trim(s);
	p = s.p;
	end = s.p + s.len;
	if (!digits(&p, end, 2, &m) || p >= end || *p++ != '/' || !digits(&p, end, 2, &day) ||
	    p >= end || *p++ != '/' || !digits(&p, end, 4, &y) || p != end || y < 1000)
		return d;
	if (m < 1 || m > 12 || day < 1 || day > vg_date_days_in_month(y, m))
		return d;
	d.year = (int16_t)y;
	d.month = (int8_t)m;
	d.day = (int8_t)day;
	d.prec = VG_DATE_DAY;
	return d;
}

static const char *dup(struct run *r, struct vg_sv s)
{
	s = vg_sv_trim(s);
	return s.len ? vg_arena_strndup(&r->arena, s.p, s.len) : NULL;
}

static bool yes(struct vg_sv s)
{
	return vg_sv_ieq_cstr(vg_sv_trim(s), "Y");
}

static double num(struct vg_sv s)
{
	double v;
	s = vg_sv_trim(s);
	return s.len && vg_parse_double(s, &v) == 0 && isfinite(v) && v >= 0 ? v : NAN;
}

static void map_patient(struct vg_case_version *v, const struct row *a)
{
	double age = num(a->f[A_AGE]);

	if (isnan(age)) {
		double y = num(a->f[A_CAGE_YR]), mo = num(a->f[A_CAGE_MO]);
		if (!isnan(y))
			age = y + (isnan(mo) ? 0 : mo); /* CAGE_MO is a fraction of a year */
	}
	if (!isnan(age)) {
		v->age_value = age;
		v->age_unit = "a";
		v->age_years = age;
		v->age_group = vg_case_age_group_of(age);
	}
	struct vg_sv sex = vg_sv_trim(a->f[A_SEX]);
	v->sex = vg_sv_eq_cstr(sex, "F") ? VG_SEX_FEMALE : vg_sv_eq_cstr(sex, "M") ? VG_SEX_MALE
	                                                                          : VG_SEX_UNKNOWN;
}

static void map_narrative(struct run *r, struct vg_case_version *v, const struct row *a)
{
	static const struct { int col; const char *head; } parts[] = {
		{A_TEXT, NULL}, {A_LAB, "Lab data"}, {A_MEDS, "Other medications"},
		{A_ILL, "Current illness"}, {A_HISTORY, "History"}, {A_PRIOR, "Prior vaccinations"},
		{A_ALLERGY, "Allergies"},
	};
	struct vg_buf b = VG_BUF_INIT(0);

	for (size_t i = 0; i < VG_ARRAY_LEN(parts); i++) {
		struct vg_sv s = vg_sv_trim(a->f[parts[i].col]);
		if (!s.len)
			continue;
		if (b.len)
			vg_buf_puts(&b, "\n\n");
		if (parts[i].head)
			vg_buf_printf(&b, "%s: ", parts[i].head);
		vg_buf_append(&b, s.p, s.len);
	}
	if (b.len)
		v->narrative = vg_arena_strndup(&r->arena, b.p, b.len);
	vg_buf_release(&b);
}

static void map_data(struct run *r, struct vg_case_version *v, const struct row *a)
{
	char id[ID_DIGITS];
	struct vg_sv state = vg_sv_trim(a->f[A_STATE]), ord = vg_sv_trim(a->f[A_ORDER]);

	padded(a->f[A_ID], ID_DIGITS, id);
	size_t lead = 0; /* VAERS writes 7 digits, zero-padded; longer ids stay whole */
	while (lead < ID_DIGITS - 7 && id[lead] == '0')
		lead++;
	v->report_id = vg_arena_strndup(&r->arena, id + lead, ID_DIGITS - lead);
	v->case_id = vg_arena_printf(&r->arena, "VAERS-%s", v->report_id);
	v->source = "vaers";
	v->source_version = dup(r, ord);
	v->redacted = true; /* public release (DECISIONS.md) */
	v->initial = !ord.len || vg_sv_eq_cstr(ord, "1");
	v->report_type = VG_RT_SPONTANEOUS;
	v->klass = VG_CLASS_VACCINE;
	v->received = v->latest = vdate(a->f[A_RECV]);
	v->created = vdate(a->f[A_TODAY]);
	if (!v->created.prec)
		v->created = vdate(a->f[A_RPT]);
	v->region = vg_sv_eq_cstr(state, "FR") ? NULL : dup(r, state);
	v->country = vg_sv_eq_cstr(state, "FR") ? NULL : "US";
	map_patient(v, a);
	v->seriousness = (yes(a->f[A_DIED]) ? VG_SER_DEATH : 0) |
	                 (yes(a->f[A_LT]) ? VG_SER_LIFE_THREATENING : 0) |
	                 (yes(a->f[A_HOSP]) || yes(a->f[A_XSTAY]) ? VG_SER_HOSPITALISATION : 0) |
	                 (yes(a->f[A_DISABLE]) ? VG_SER_DISABILITY : 0) |
	                 (yes(a->f[A_BIRTH]) ? VG_SER_CONGENITAL : 0);
	v->serious = v->seriousness != 0;
	map_narrative(r, v, a);
}

/* Rows of kind k from the last file that has any. */
static void last_file_rows(struct group *g, int k, size_t *from)
{
	int last = -1;
	for (size_t i = 0; i < g->n[k]; i++)
		if (g->rows[k][i].file > last)
			last = g->rows[k][i].file;
	*from = 0;
	while (*from < g->n[k] && g->rows[k][*from].file != last)
		(*from)++;
}

static void map_vax(struct run *r, struct vg_case_version *v, struct group *g,
                    struct vg_date start)
{
	size_t i;

	for (last_file_rows(g, K_VAX, &i); i < g->n[K_VAX] && v->nproducts < ITEMS_MAX; i++) {
		const struct row *x = &g->rows[K_VAX][i];
		if (x->file != g->rows[K_VAX][g->n[K_VAX] - 1].file)
			continue;
		struct vg_product *p = vg_case_add_product(v, &r->arena);
		struct vg_sv dose = vg_sv_trim(x->f[V_DOSE]);
		p->role = VG_ROLE_SUSPECT;
		p->klass = VG_CLASS_VACCINE;
		p->name = dup(r, x->f[V_NAME]);
		p->ingredient = dup(r, x->f[V_TYPE]);
		if (!p->name)
			p->name = p->ingredient;
		p->manufacturer = dup(r, x->f[V_MANU]);
		p->batch = dup(r, x->f[V_LOT]);
		p->route = dup(r, x->f[V_ROUTE]);
		if (dose.len)
			p->dose = vg_arena_printf(&r->arena, "dose %.*s", (int)dose.len, dose.p);
		p->start = start;
	}
}

static void map_symptoms(struct run *r, struct vg_case_version *v, struct group *g,
                         const struct row *a)
{
	struct vg_sv rec = vg_sv_trim(a->f[A_RECOVD]);
	int outcome = vg_sv_eq_cstr(rec, "Y") ? VG_OUTCOME_RECOVERED
	              : vg_sv_eq_cstr(rec, "N") ? VG_OUTCOME_NOT_RECOVERED : VG_OUTCOME_UNKNOWN;
	struct vg_date onset = vdate(a->f[A_ONSET]);
	size_t i;

	for (last_file_rows(g, K_SYM, &i); i < g->n[K_SYM]; i++) {
		const struct row *s = &g->rows[K_SYM][i];
		if (s->file != g->rows[K_SYM][g->n[K_SYM] - 1].file)
			continue;
		for (int k = 2; k < 7 && v->nevents < ITEMS_MAX; k++) {
			const char *term = dup(r, s->f[k]);
			if (!term)
				continue;
			struct vg_event *e = vg_case_add_event(v, &r->arena);
			e->term = e->coded = term;
			e->onset = onset;
			e->outcome = outcome;
		}
	}
}

static int deliver(struct run *r, struct group *g)
{
	if (!g->n[K_DATA]) {
		for (int k = 0; k < K_N; k++)
			for (size_t i = 0; i < g->n[k]; i++)
				reject(r, r->names[g->rows[k][i].file], g->rows[k][i].line,
				       "%s: no VAERSDATA row for VAERS_ID %.*s ORDER %.*s", kind_names[k],
				       (int)g->rows[k][i].f[0].len, g->rows[k][i].f[0].p,
				       (int)g->rows[k][i].f[1].len, g->rows[k][i].f[1].p);
		return 0;
	}
	const struct row *a = &g->rows[K_DATA][g->n[K_DATA] - 1]; /* the last one wins */
	struct vg_case_version *v = vg_case_new(&r->arena);
	map_data(r, v, a);
	map_vax(r, v, g, vdate(a->f[A_VAXDATE]));
	map_symptoms(r, v, g, a);
	int rc = r->sink->version(r->sink->ctx, v, r->err);
	if (rc == 0)
		r->st->versions++;
	return rc;
}

static void group_add(struct run *r, struct group *g, int kind, const char *data, size_t len)
{
	char *p = vg_arena_strndup(&r->arena, data, len), *end = p + len;
	struct vg_sv parts[COLS_MAX + 2];
	size_t n = 0;
	int64_t x;

	VG_GROW(g->rows[kind], g->cap[kind], g->n[kind] + 1);
	struct row *row = &g->rows[kind][g->n[kind]++];
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
	for (size_t i = 2; i < n && i - 2 < COLS_MAX; i++)
		row->f[i - 2] = parts[i];
}

static int join(struct run *r)
{
	struct group g;
	char cur[KEY_LEN - 1];
	bool have = false;
	const void *key, *data;
	size_t klen, dlen;
	int rc;

	memset(&g, 0, sizeof g);
	while ((rc = vg_sorter_next(r->sorter, &key, &klen, &data, &dlen, r->err)) == 1) {
		if (klen != KEY_LEN)
			continue;
		if (have && memcmp(cur, key, KEY_LEN - 1) != 0) {
			if ((rc = deliver(r, &g)) != 0)
				break;
			memset(g.n, 0, sizeof g.n);
			vg_arena_reset(&r->arena);
		}
		memcpy(cur, key, KEY_LEN - 1);
		have = true;
		int kind = ((const char *)key)[KEY_LEN - 1] - '0';
		if (kind < 0 || kind >= K_N)
			continue;
		if (g.n[kind] < ITEMS_MAX)
			group_add(r, &g, kind, data, dlen);
		else
			reject(r, "", 0, "%s: more than %d rows for one VAERS_ID and ORDER",
			       kind_names[kind], ITEMS_MAX);
	}
	if (rc == 0 && have)
		rc = deliver(r, &g);
	for (int k = 0; k < K_N; k++)
		free(g.rows[k]);
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
	vg_ingest_meter_start(&r->meter, r->opts, "vaers", mem, paths, n);
	vg_arena_init(&r->arena, 0);
	for (int i = 0; i < n && rc == 0; i++) {
		struct file f;
		struct vg_csv c;
		memset(&f, 0, sizeof f);
		f.idx = i;
		f.name = r->names[i];
		if ((rc = vg_ingest_open_input(&c, mem, paths, i, &o, r->err)) < 0)
			break;
		rc = read_file(r, &f, &c);
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

int vg_ingest_vaers_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err)
{
	return vg_ingest_job_run(run_job, in, NULL, n, opts, sink, stats, err);
}

static int run_vaers(const struct vg_ingest_opts *opts, char **files, int nfiles,
                     const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                     struct vg_err *err)
{
	return vg_ingest_job_run(run_job, NULL, files, nfiles, opts, sink, stats, err);
}

const struct vg_ingest_format vg_ingest_vaers = {
	.name = "vaers",
	.summary = "CDC/FDA VAERS: <YYYY>VAERSDATA, VAERSVAX, VAERSSYMPTOMS .csv (any years, "
	           "one import)",
	.run = run_vaers,
};
