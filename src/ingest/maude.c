/*
 * maude.c - FDA MAUDE medical-device reports (FORMATS.md section 2).
 *
 * Input: any mix of the '|'-delimited MAUDE files, each recognised by its
 * header (names matched case-insensitively, so FDA's upper case and the
 * openFDA fixtures' lower case both work):
 *
 *   kind       recognised by                        rows per report
 *   master     event_type or report_number          1 (mdrfoi*, Add, Change)
 *   device     device_event_key or brand_name       1 per device (foidev*, DEVICE*)
 *   patient    sequence_number_outcome              1 per patient
 *   text       mdr_text_key                         1 per text (foitext*)
 *   pproblem   problem_code + patient_sequence_no   1 per patient problem
 *   dproblem   problem_code, or no header, 2 fields 1 per device problem
 *
 * plus header-less old patient files (5 fields, first one a key).
 *
 * The join.  The files are not sorted alike (the 2016 fixture's foidev is
 * not sorted at all) and a report's rows live in up to six files, so every
 * usable row goes into the external sorter (sort.c, 64 MiB budget, spills
 * to temporary files past it) under the key
 *
 *     20-digit zero-padded MDR_REPORT_KEY  +  kind digit
 *
 * with the columns the mapping needs as data.  Reading the sorter back
 * gives each report's rows together, master first; one report is mapped at
 * a time in an arena that is reset after the sink has it.  Memory is the
 * csv buffers, the sort budget and one report: flat in the input size.
 * Rows of a kind with the same sub-key (device sequence, patient sequence,
 * text key; the master row itself) keep the LAST one added, so files given
 * in FDA's update order (thru, yearly, current, Add, Change) apply Change
 * records over the originals.  Rows without a master row are rejected.
 *
 * Physical quirks: no quoting ('"' is data, even unbalanced); keys written
 * " 1234567.0"; a physical line that does not start with a key continues
 * the previous record (embedded CR/LF: joined with a space); surplus '|'
 * in a text row belong to FOI_TEXT; device rows may have the old 28-field
 * layout under a 45-field header (missing columns are empty); one empty
 * trailing field is tolerated; text in ISO-8859-1 is converted (csv AUTO).
 * Dates: MM/DD/YYYY, DD-MON-YY, YYYY/MM/DD[ hh:mm:ss], YYYYMMDD; "*" and
 * unparsable dates are unknown.
 *
 * Mapping to the case model (FORMATS.md 2.3-2.6):
 *   case "MAUDE-<MDR_REPORT_KEY>", report_id REPORT_NUMBER, class device,
 *   unit = the registration number heading REPORT_NUMBER (nnnn-YYYY-nnnnn)
 *   DATE_RECEIVED -> received and latest; DATE_REPORT -> created;
 *   DATE_MANUFACTURER_RECEIVED else DATE_FACILITY_AWARE -> aware;
 *   DATE_REPORT_TO_FDA -> submitted; TYPE_OF_REPORT without F -> initial;
 *   SOURCE_TYPE 02 -> study report, else spontaneous;
 *   REPORTER_OCCUPATION_CODE 001 physician, 109 pharmacist, 002/0HP/1xx
 *     other HCP, 0LP/3xx consumer, 600 lawyer; else HEALTH_PROFESSIONAL Y
 *     -> other HCP;
 *   EVENT_TYPE D -> death; D/IN/IL/IJ -> serious;
 *   SEQUENCE_NUMBER_OUTCOME codes D L H S C -> the E2B criteria, R and O
 *     -> other medically important;
 *   products: one per device, suspect: BRAND_NAME (else GENERIC_NAME),
 *     GENERIC_NAME -> ingredient, DEVICE_REPORT_PRODUCT_CODE -> category,
 *     MODEL_NUMBER (else CATALOG_NUMBER) -> device_model, LOT_NUMBER ->
 *     batch, MANUFACTURER_D_NAME -> manufacturer, UDI-DI/UDI-PUBLIC -> udi;
 *   events: patient problem codes, then device problem codes (code NNNN,
 *     term and coded term the code's text when a dictionary file -
 *     patientproblemdata.txt, deviceproblemcodes.txt, comma-separated,
 *     recognised by name - is among the inputs, else "patient problem
 *     NNNN" / "device problem NNNN"); with neither, one event named after
 *     EVENT_TYPE (Death, Injury, Malfunction, Other);
 *   narrative: the texts, description (D) first, then E, N, others, each
 *     headed by its type, joined by blank lines (capped at 1 MiB);
 *   patient: first patient's PATIENT_SEX, PATIENT_AGE ("65 YR"),
 *     PATIENT_WEIGHT ("80 KG", "176 LB").
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

#define SORT_BUDGET ((size_t)64 << 20)
#define KEY_DIGITS 20
#define ITEMS_MAX 1000
#define NARRATIVE_MAX ((size_t)1 << 20)
#define FS '\x1f' /* field separator inside sorter records */

enum kind { K_MASTER, K_DEVICE, K_PATIENT, K_TEXT, K_PPROB, K_DPROB, K_N };
static const char *const kind_names[K_N] = {"mdrfoi", "device", "patient",
                                            "foitext", "patient problem", "device problem"};

/* The columns kept for each kind, in sorter-record order. */
enum { M_KEY, M_REPNUM, M_SRC, M_RECV, M_DREPORT, M_ETYPE, M_OCC, M_HP, M_TYPE, M_STYPE,
       M_COUNTRY, M_MFR_RECV, M_FAC_AWARE, M_TO_FDA, M_N };
enum { D_KEY, D_SEQ, D_BRAND, D_GENERIC, D_MFR, D_MODEL, D_CATALOG, D_LOT, D_PCODE, D_UDI_DI,
       D_UDI_PUB, D_N };
enum { P_KEY, P_SEQ, P_OUTCOME, P_AGE, P_SEX, P_WEIGHT, P_N };
enum { T_KEY, T_TEXTKEY, T_TYPE, T_TEXT, T_N };
enum { Q_KEY, Q_SEQ, Q_CODE, Q_N };
#define COLS_MAX 14

struct colspec {
	int n;
	const char *names[COLS_MAX][3];
};

static const struct colspec specs[K_N] = {
	[K_MASTER] = {M_N, {{"mdr_report_key"}, {"report_number"}, {"report_source_code"},
	                    {"date_received"}, {"date_report"}, {"event_type"},
	                    {"reporter_occupation_code"}, {"health_professional"},
	                    {"type_of_report"}, {"source_type"}, {"reporter_country_code"},
	                    {"date_manufacturer_received"}, {"date_facility_aware"},
	                    {"date_report_to_fda"}}},
	[K_DEVICE] = {D_N, {{"mdr_report_key"}, {"device_sequence_no", "device_sequence_number"},
	                    {"brand_name"}, {"generic_name"}, {"manufacturer_d_name"},
	                    {"model_number"}, {"catalog_number"}, {"lot_number"},
	                    {"device_report_product_code"}, {"udi-di", "udi_di"},
	                    {"udi-public", "udi_public"}}},
	[K_PATIENT] = {P_N, {{"mdr_report_key"}, {"patient_sequence_number", "patient_sequence_no"},
	                     {"sequence_number_outcome"}, {"patient_age"}, {"patient_sex"},
	                     {"patient_weight"}}},
	[K_TEXT] = {T_N, {{"mdr_report_key"}, {"mdr_text_key"}, {"text_type_code"},
	                  {"foi_text", "text"}}},
	[K_PPROB] = {Q_N, {{"mdr_report_key"}, {"patient_sequence_no", "patient_sequence_number"},
	                   {"problem_code", "patient_problem_code"}}},
	[K_DPROB] = {Q_N, {{"mdr_report_key"}, {"device_sequence_no"},
	                   {"problem_code", "device_problem_code"}}},
};

/* One input file being read. */
struct file {
	int idx;          /* position on the command line */
	const char *name;
	int kind;
	int col[COLS_MAX]; /* field index of each kept column, -1 absent */
	size_t nfields;   /* header width (headerless: the layout's) */
	size_t minfields; /* rows shorter than this are rejected */
	/* the record being assembled (continuation lines join it) */
	struct vg_buf pend;  /* fields, FS-separated */
	size_t pend_nf;
	int64_t pend_line;
	bool have_pend;
};

struct run {
	const struct vg_ingest_opts *opts;
	const struct vg_ingest_sink *sink;
	struct vg_ingest_stats *st;
	struct vg_err *err;
	struct vg_sorter *sorter;
	size_t nadded; /* records given to the sorter */
	const char *const *names; /* file names by index, for rejects */
	struct vg_arena arena;
	struct vg_ingest_meter meter; /* progress over the input bytes */
	/* problem-code dictionaries: [0] patient, [1] device; code -> text */
	struct vg_map *dict[2];
	char **desc[2];
	size_t ndesc[2], desc_cap[2];
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

/* ------------------------------------------------------------ keys */

/* "1234567", " 1234567.0" -> 20 zero-padded digits; false if not a key. */
static bool key_of(struct vg_sv s, char out[KEY_DIGITS + 1])
{
	s = vg_sv_trim(s);
	size_t n = 0;
	while (n < s.len && isdigit((unsigned char)s.p[n]))
		n++;
	if (n == 0 || n > KEY_DIGITS)
		return false;
	for (size_t i = n; i < s.len; i++) /* ".0", ".00" */
		if (!(i == n ? s.p[i] == '.' : s.p[i] == '0'))
			return false;
	memset(out, '0', KEY_DIGITS - n);
	memcpy(out + KEY_DIGITS - n, s.p, n);
	out[KEY_DIGITS] = 0;
	return true;
}

/* ------------------------------------------------------------ headers */

static bool has(const struct vg_csv_header *h, const char *name)
{
	return vg_csv_header_find(h, name, NULL) >= 0;
}

static int kind_of_header(const struct vg_csv_header *h)
{
	if (has(h, "event_type") || has(h, "report_number"))
		return K_MASTER;
	if (has(h, "device_event_key") || has(h, "brand_name"))
		return K_DEVICE;
	if (has(h, "sequence_number_outcome"))
		return K_PATIENT;
	if (has(h, "mdr_text_key"))
		return K_TEXT;
	if (has(h, "problem_code") || has(h, "patient_problem_code") ||
	    has(h, "device_problem_code"))
		return has(h, "patient_sequence_no") || has(h, "patient_sequence_number") ? K_PPROB
		                                                                          : K_DPROB;
	return -1;
}

/* Map the kept columns of f->kind from header h. */
static void map_columns(struct file *f, const struct vg_csv_header *h)
{
	const struct colspec *cs = &specs[f->kind];
	int last = 0;

	for (int i = 0; i < COLS_MAX; i++)
		f->col[i] = -1;
	for (int i = 0; i < cs->n; i++) {
		f->col[i] = vg_csv_header_find(h, cs->names[i][0], cs->names[i][1], cs->names[i][2],
		                               NULL);
		if (f->col[i] > last && !(f->kind == K_DEVICE && (i == D_UDI_DI || i == D_UDI_PUB)))
			last = f->col[i];
	}
	f->nfields = h->n;
	/* old 28-field device rows under a 45-field header: only need the
	 * kept columns (UDI columns, at the end of 2024 rows, are optional) */
	f->minfields = f->kind == K_DEVICE ? (size_t)last + 1 : h->n;
}

/* Header from the current record (trimmed, lower-cased). */
static void header_of(const struct vg_csv *c, struct vg_csv_header *h)
{
	h->n = c->nf;
	h->names = vg_xcalloc(c->nf ? c->nf : 1, sizeof *h->names);
	for (size_t i = 0; i < c->nf; i++) {
		struct vg_sv s = vg_sv_trim(c->f[i]);
		h->names[i] = vg_xstrndup(s.p, s.len);
		for (char *p = h->names[i]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
}

/* Header-less layouts: foidevproblem (2 fields), old patient (5), foitext
 * (6, third field a one-letter TEXT_TYPE_CODE). */
static bool headerless(struct file *f, size_t nf, bool text_type)
{
	for (int i = 0; i < COLS_MAX; i++)
		f->col[i] = -1;
	f->col[0] = 0;
	if (nf == 2) {
		f->kind = K_DPROB;
		f->col[Q_CODE] = 1;
	} else if (nf == 5) {
		f->kind = K_PATIENT;
		f->col[P_SEQ] = 1;
		f->col[P_OUTCOME] = 4;
	} else if (nf >= 6 && text_type) { /* foitext: key|text key|type|seq|date|text */
		f->kind = K_TEXT;
		f->col[T_TEXTKEY] = 1;
		f->col[T_TYPE] = 2;
		f->col[T_TEXT] = 5;
		nf = 6;
	} else
		return false;
	f->nfields = f->minfields = nf;
	return true;
}

/* ------------------------------------------------------------ rows */

/* Start a pending record from the csv record's fields. */
static void pend_start(struct file *f, const struct vg_csv *c)
{
	vg_buf_reset(&f->pend);
	for (size_t i = 0; i < c->nf; i++) {
		if (i)
			vg_buf_putc(&f->pend, FS);
		vg_buf_append(&f->pend, c->f[i].p, c->f[i].len);
	}
	f->pend_nf = c->nf;
	f->pend_line = c->line;
	f->have_pend = true;
}

/* A continuation line: its first field extends the pending last field. */
static int pend_join(struct file *f, const struct vg_csv *c)
{
	int rc = vg_buf_putc(&f->pend, ' ');
	for (size_t i = 0; i < c->nf && !rc; i++) {
		if (i)
			rc = vg_buf_putc(&f->pend, FS);
		if (!rc)
			rc = vg_buf_append(&f->pend, c->f[i].p, c->f[i].len);
	}
	f->pend_nf += c->nf - 1;
	return rc;
}

/* Split the pending record into views (in place: FS -> NUL). */
static size_t pend_fields(struct file *f, struct vg_sv *fv, size_t max)
{
	size_t n = 0;
	char *p = f->pend.p ? f->pend.p : (char *)"", *end = p + f->pend.len;

	while (n < max) {
		char *q = memchr(p, FS, (size_t)(end - p));
		fv[n++] = (struct vg_sv){p, (size_t)((q ? q : end) - p)};
		if (!q)
			break;
		*q = 0;
		p = q + 1;
	}
	return n;
}

/* Serialise the kept columns of a finished record into the sorter. */
static int emit(struct run *r, struct file *f, struct vg_sv *fv, size_t nf)
{
	char key[KEY_DIGITS + 2];
	struct vg_buf d = VG_BUF_INIT(0);
	int rc = 0;

	if (!key_of(fv[0], key)) {
		reject(r, f->name, f->pend_line, "%s: '%.*s' is not an MDR_REPORT_KEY",
		       kind_names[f->kind], (int)(fv[0].len > 40 ? 40 : fv[0].len), fv[0].p);
		return 0;
	}
	key[KEY_DIGITS] = (char)('0' + f->kind);
	vg_buf_printf(&d, "%d%c%" PRId64, f->idx, FS, f->pend_line);
	for (int i = 0; i < specs[f->kind].n; i++) {
		struct vg_sv v = f->col[i] >= 0 && (size_t)f->col[i] < nf ? vg_sv_trim(fv[f->col[i]])
		                                                           : (struct vg_sv){"", 0};
		vg_buf_putc(&d, FS);
		vg_buf_append(&d, v.p, v.len);
	}
	rc = vg_sorter_add(r->sorter, key, KEY_DIGITS + 1, d.p, d.len, r->err);
	vg_buf_release(&d);
	r->nadded++;
	return rc;
}

/* The pending record is complete: check its width and emit it. */
static int finish(struct run *r, struct file *f)
{
	struct vg_sv fv[4096];
	size_t nf;

	if (!f->have_pend)
		return 0;
	f->have_pend = false;
	nf = pend_fields(f, fv, VG_ARRAY_LEN(fv));
	if (nf > f->nfields && f->kind == K_TEXT && f->col[T_TEXT] == (int)f->nfields - 1) {
		/* surplus '|' are part of FOI_TEXT: undo the split */
		for (size_t i = f->nfields; i < nf; i++)
			f->pend.p[fv[i - 1].p + fv[i - 1].len - f->pend.p] = '|';
		fv[f->nfields - 1].len = (size_t)(fv[nf - 1].p + fv[nf - 1].len - fv[f->nfields - 1].p);
		nf = f->nfields;
	}
	if (nf == f->nfields + 1 && vg_sv_trim(fv[nf - 1]).len == 0)
		nf--; /* one empty trailing field */
	if (nf > f->nfields || nf < f->minfields) {
		reject(r, f->name, f->pend_line, "%s: %zu fields, the header has %zu",
		       kind_names[f->kind], nf, f->nfields);
		return 0;
	}
	return emit(r, f, fv, nf);
}

/* One csv record: a new row (starts with a key) or a continuation. */
static int feed(struct run *r, struct file *f, const struct vg_csv *c)
{
	char key[KEY_DIGITS + 1];
	int rc = 0;

	r->st->rows_read++;
	vg_ingest_meter_tick(&r->meter, r->st->rows_read, c);
	if (c->nf && key_of(c->f[0], key)) {
		rc = finish(r, f);
		pend_start(f, c);
		return rc;
	}
	/* continuation of a split record: only of a short one, or of a text
	 * (FOI_TEXT, the last column, may hold line ends) */
	if (!f->have_pend || (f->pend_nf >= f->nfields && f->kind != K_TEXT)) {
		reject(r, f->name, c->line, "%s: line does not start with an MDR_REPORT_KEY",
		       kind_names[f->kind]);
		return 0;
	}
	if (pend_join(f, c) < 0) {
		reject(r, f->name, f->pend_line, "%s: record too long", kind_names[f->kind]);
		f->have_pend = false;
	}
	return 0;
}

/* Decide the file's kind from its first record; true when that record
 * was data (header-less file) and must be fed. */
static int first_record(struct run *r, struct file *f, const struct vg_csv *c, bool *data)
{
	struct vg_csv_header h = {NULL, 0};
	char key[KEY_DIGITS + 1];

	*data = c->nf && key_of(c->f[0], key);
	if (*data) {
		struct vg_sv t = c->nf > 2 ? vg_sv_trim(c->f[2]) : (struct vg_sv){"", 0};
		if (!headerless(f, c->nf, t.len == 1 && isalpha((unsigned char)*t.p)))
			return vg_err_set(r->err, VG_EPARSE, f->name,
			                  "no header and %zu fields: not a MAUDE layout", c->nf);
		return 0;
	}
	header_of(c, &h);
	f->kind = kind_of_header(&h);
	if (f->kind >= 0)
		map_columns(f, &h);
	vg_csv_header_release(&h);
	if (f->kind < 0)
		return vg_err_set(r->err, VG_EPARSE, f->name, "header names no MAUDE file");
	if (f->col[0] != 0) /* records are found by the key at the line start */
		return vg_err_set(r->err, VG_EPARSE, f->name, "MDR_REPORT_KEY is not the first column");
	return 0;
}

/* Read one file into the sorter. */
static int read_file(struct run *r, struct file *f, struct vg_csv *c)
{
	bool started = false, data;
	int rc;

	while ((rc = vg_csv_next(c, r->err)) != 0) {
		if (rc == VG_EIO)
			return rc;
		if (rc < 0) {
			r->st->rows_read++;
			reject(r, f->name, c->line, "record too long or malformed");
			continue;
		}
		if (!started) {
			started = true;
			if ((rc = first_record(r, f, c, &data)) < 0)
				return rc;
			if (!data)
				continue;
		}
		if ((rc = feed(r, f, c)) < 0)
			return rc;
	}
	if (!started)
		return 0; /* empty file: nothing to do */
	return finish(r, f);
}

/* ------------------------------------------------------------ mapping */

/* MAUDE dates (section comment); unknown when empty, '*' or unparsable. */
static struct vg_date mdate(struct vg_sv s)
{
	static const char months[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
	struct vg_date d = VG_DATE_INIT;
	char iso[48];
	int y = 0, m = 0, day = 0;

	s = vg_sv_trim(s);
	if (s.len >= 10 && s.p[2] == '/' && s.p[5] == '/') /* MM/DD/YYYY */
		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s.p + 6, s.p, s.p + 3);
	else if (s.len >= 10 && s.p[4] == '/' && s.p[7] == '/') /* YYYY/MM/DD[ time] */
		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s.p, s.p + 5, s.p + 8);
	else if (s.len == 9 && s.p[2] == '-' && s.p[6] == '-') { /* DD-MON-YY */
		const char *mp = strcasestr(months, (char[4]){s.p[3], s.p[4], s.p[5], 0});
		if (!mp || (mp - months) % 3 || sscanf(s.p, "%2d", &day) != 1 ||
		    sscanf(s.p + 7, "%2d", &y) != 1)
			return d;
		m = (int)(mp - months) / 3 + 1;
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y < 70 ? 2000 + y : 1900 + y, m, day);
	} else if (s.len == 8)
		snprintf(iso, sizeof iso, "%.8s", s.p);
	else
		return d;
	if (vg_date_parse(vg_sv_of(iso), &d) < 0)
		d = (struct vg_date)VG_DATE_INIT;
	return d;
}

static const char *dup(struct run *r, struct vg_sv s)
{
	s = vg_sv_trim(s);
	return s.len ? vg_arena_strndup(&r->arena, s.p, s.len) : NULL;
}

static int qualification(struct vg_sv occ, struct vg_sv hp)
{
	if (vg_sv_eq_cstr(occ, "001"))
		return VG_QUAL_PHYSICIAN;
	if (vg_sv_eq_cstr(occ, "109"))
		return VG_QUAL_PHARMACIST;
	if (vg_sv_eq_cstr(occ, "600"))
		return VG_QUAL_LAWYER;
	if (vg_sv_eq_cstr(occ, "002") || vg_sv_eq_cstr(occ, "0HP") ||
	    (occ.len == 3 && occ.p[0] == '1'))
		return VG_QUAL_OTHER_HCP;
	if (vg_sv_eq_cstr(occ, "0LP") || (occ.len == 3 && occ.p[0] == '3'))
		return VG_QUAL_CONSUMER;
	return vg_sv_ieq_cstr(hp, "Y") ? VG_QUAL_OTHER_HCP : VG_QUAL_UNKNOWN;
}

/* SEQUENCE_NUMBER_OUTCOME "1,L;2,R;" or "1. L; 2. R" -> seriousness bits. */
static unsigned outcome_bits(struct vg_sv s)
{
	unsigned bits = 0;

	while (s.len) {
		struct vg_sv rest, part = vg_sv_trim(vg_sv_cut(s, ';', &rest));
		while (part.len && (isdigit((unsigned char)*part.p) || *part.p == '.' ||
		                    *part.p == ',' || *part.p == ' '))
			part.p++, part.len--;
		if (part.len == 1) {
			switch (toupper((unsigned char)*part.p)) {
			case 'D': bits |= VG_SER_DEATH; break;
			case 'L': bits |= VG_SER_LIFE_THREATENING; break;
			case 'H': bits |= VG_SER_HOSPITALISATION; break;
			case 'S': bits |= VG_SER_DISABILITY; break;
			case 'C': bits |= VG_SER_CONGENITAL; break;
			case 'R': case 'O': bits |= VG_SER_OTHER; break;
			default: break;
			}
		}
		if (!rest.p)
			break;
		s = rest;
	}
	return bits;
}

/* "65 YR", "7 MO", "80 KG", "176 LB" -> value and unit word. */
static double num_unit(struct vg_sv s, struct vg_sv *unit)
{
	double v;
	struct vg_sv rest, n = vg_sv_cut(vg_sv_trim(s), ' ', &rest);

	*unit = vg_sv_trim(rest.p ? rest : (struct vg_sv){"", 0});
	if (vg_parse_double(n, &v) < 0 || !isfinite(v) || v < 0)
		return NAN;
	return v;
}

/* A report's rows, split into field views, by kind. */
struct row {
	struct vg_sv f[COLS_MAX];
	int file;
	int64_t line;
};

struct group {
	struct row *rows[K_N];
	size_t n[K_N], cap[K_N];
};

/* Keep the last row of each sub-key (column sub, -1: the only row). */
static size_t last_of_each(struct row *rows, size_t n, int sub)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		bool later = false;
		for (size_t j = i + 1; j < n && sub >= 0 && !later; j++)
			later = vg_sv_eq(rows[i].f[sub], rows[j].f[sub]);
		if (sub < 0 ? i + 1 == n : !later)
			rows[out++] = rows[i];
	}
	return out;
}

static void map_master(struct run *r, struct vg_case_version *v, const struct row *m)
{
	struct vg_sv repnum = m->f[M_REPNUM], rest, frac;
	struct vg_sv reg = vg_sv_cut(repnum, '-', &rest);
	struct vg_sv key = vg_sv_cut(vg_sv_trim(m->f[M_KEY]), '.', &frac); /* " 123.0" */

	v->case_id = vg_arena_printf(&r->arena, "MAUDE-%.*s", (int)key.len, key.p);
	v->report_id = dup(r, repnum);
	if (!v->report_id)
		v->report_id = dup(r, key);
	if (rest.p && reg.len && strspn(reg.p, "0123456789") >= reg.len)
		v->unit = dup(r, reg);
	v->source = "maude";
	v->redacted = true; /* public release (DECISIONS.md) */
	v->klass = VG_CLASS_DEVICE;
	v->report_type = vg_sv_eq_cstr(m->f[M_STYPE], "02") ? VG_RT_STUDY : VG_RT_SPONTANEOUS;
	v->received = v->latest = mdate(m->f[M_RECV]);
	v->created = mdate(m->f[M_DREPORT]);
	v->aware = mdate(m->f[M_MFR_RECV]);
	if (!v->aware.prec)
		v->aware = mdate(m->f[M_FAC_AWARE]);
	v->submitted = mdate(m->f[M_TO_FDA]);
	v->initial = m->f[M_TYPE].len && !memchr(m->f[M_TYPE].p, 'F', m->f[M_TYPE].len);
	v->qualification = qualification(m->f[M_OCC], m->f[M_HP]);
	v->country = dup(r, m->f[M_COUNTRY]);
	struct vg_sv et = m->f[M_ETYPE];
	if (vg_sv_eq_cstr(et, "D"))
		v->seriousness |= VG_SER_DEATH;
	v->serious = vg_sv_eq_cstr(et, "D") || vg_sv_eq_cstr(et, "IN") || vg_sv_eq_cstr(et, "IL") ||
	             vg_sv_eq_cstr(et, "IJ");
}

static void map_device(struct run *r, struct vg_case_version *v, const struct row *d)
{
	struct vg_product *p = vg_case_add_product(v, &r->arena);

	p->role = VG_ROLE_SUSPECT;
	p->klass = VG_CLASS_DEVICE;
	p->name = dup(r, d->f[D_BRAND]);
	p->ingredient = dup(r, d->f[D_GENERIC]);
	if (!p->name)
		p->name = p->ingredient;
	p->manufacturer = dup(r, d->f[D_MFR]);
	p->device_model = dup(r, d->f[D_MODEL]);
	if (!p->device_model)
		p->device_model = dup(r, d->f[D_CATALOG]);
	p->batch = dup(r, d->f[D_LOT]);
	p->category = dup(r, d->f[D_PCODE]);
	p->udi = dup(r, d->f[D_UDI_DI]);
	if (!p->udi)
		p->udi = dup(r, d->f[D_UDI_PUB]);
}

static void map_patients(struct run *r, struct vg_case_version *v, struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v->seriousness |= outcome_bits(rows[i].f[P_OUTCOME]);
		if (i)
			continue;
		struct vg_sv sex = rows[i].f[P_SEX], unit;
		v->sex = vg_sv_ieq_cstr(sex, "F") || vg_sv_ieq_cstr(sex, "Female") ? VG_SEX_FEMALE
		         : vg_sv_ieq_cstr(sex, "M") || vg_sv_ieq_cstr(sex, "Male") ? VG_SEX_MALE
		                                                                   : VG_SEX_UNKNOWN;
		v->age_value = num_unit(rows[i].f[P_AGE], &unit);
		if (!isnan(v->age_value)) {
			v->age_unit = unit.len ? dup(r, unit) : "a";
			v->age_years = vg_case_age_years(v->age_value, v->age_unit);
			v->age_group = vg_case_age_group_of(v->age_years);
		}
		double w = num_unit(rows[i].f[P_WEIGHT], &unit);
		v->weight_kg = vg_sv_ieq_cstr(unit, "LB") || vg_sv_ieq_cstr(unit, "LBS") ? w * 0.45359237 : w;
	}
	if (v->seriousness)
		v->serious = true;
}

/* The dictionary text of a problem code, or NULL. */
static const char *problem_text(struct run *r, int which, struct vg_sv code)
{
	uint32_t id = r->dict[which] ? vg_map_find(r->dict[which], code.p, code.len) : UINT32_MAX;
	return id == UINT32_MAX ? NULL : r->desc[which][id];
}

static void add_problem_events(struct run *r, struct vg_case_version *v, struct row *rows,
                               size_t n, const char *what)
{
	int which = what[0] == 'd';

	for (size_t i = 0; i < n && v->nevents < ITEMS_MAX; i++) {
		struct vg_sv code = rows[i].f[Q_CODE];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = vg_sv_eq(rows[j].f[Q_CODE], code);
		if (seen || !code.len)
			continue;
		struct vg_event *e = vg_case_add_event(v, &r->arena);
		e->code = dup(r, code);
		e->coded = problem_text(r, which, vg_sv_trim(code));
		e->term = e->coded ? e->coded
		                   : vg_arena_printf(&r->arena, "%s problem %s", what, e->code);
	}
}

static void fallback_event(struct run *r, struct vg_case_version *v, struct vg_sv et)
{
	static const struct { const char *code, *term; } types[] = {
		{"D", "Death"}, {"IN", "Injury"}, {"IL", "Injury"}, {"IJ", "Injury"},
		{"M", "Malfunction"}, {"O", "Other"},
	};
	for (size_t i = 0; i < VG_ARRAY_LEN(types); i++)
		if (vg_sv_eq_cstr(et, types[i].code)) {
			struct vg_event *e = vg_case_add_event(v, &r->arena);
			e->term = e->coded = types[i].term;
			e->seriousness = v->seriousness;
			return;
		}
}

static int text_rank(struct vg_sv type)
{
	return vg_sv_eq_cstr(type, "D") ? 0 : vg_sv_eq_cstr(type, "E") ? 1
	       : vg_sv_eq_cstr(type, "N") ? 2 : 3;
}

static void map_texts(struct run *r, struct vg_case_version *v, struct row *rows, size_t n)
{
	static const char *const heads[4] = {"Event description", "Manufacturer evaluation",
	                                     "Additional manufacturer narrative", "Text"};
	struct vg_buf b = VG_BUF_INIT(NARRATIVE_MAX);

	for (int rank = 0; rank < 4; rank++)
		for (size_t i = 0; i < n; i++) {
			if (text_rank(rows[i].f[T_TYPE]) != rank || !rows[i].f[T_TEXT].len)
				continue;
			if (vg_buf_printf(&b, "%s%s: %.*s", b.len ? "\n\n" : "", heads[rank],
			                  (int)rows[i].f[T_TEXT].len, rows[i].f[T_TEXT].p) < 0)
				reject(r, r->names[rows[i].file], rows[i].line,
				       "foitext: narrative over %zu bytes, text %.*s not kept", NARRATIVE_MAX,
				       (int)rows[i].f[T_TEXTKEY].len, rows[i].f[T_TEXTKEY].p);
		}
	if (b.len)
		v->narrative = vg_arena_strndup(&r->arena, b.p, b.len);
	vg_buf_release(&b);
}

/* Map one report's rows and hand the version to the sink. */
static int deliver(struct run *r, struct group *g)
{
	if (!g->n[K_MASTER]) {
		for (int k = 0; k < K_N; k++)
			for (size_t i = 0; i < g->n[k]; i++)
				reject(r, r->names[g->rows[k][i].file], g->rows[k][i].line,
				       "%s: no mdrfoi record for MDR_REPORT_KEY %.*s", kind_names[k],
				       (int)g->rows[k][i].f[0].len, g->rows[k][i].f[0].p);
		return 0;
	}
	struct vg_case_version *v = vg_case_new(&r->arena);
	size_t nd = last_of_each(g->rows[K_DEVICE], g->n[K_DEVICE], D_SEQ);
	size_t np = last_of_each(g->rows[K_PATIENT], g->n[K_PATIENT], P_SEQ);
	size_t nt = last_of_each(g->rows[K_TEXT], g->n[K_TEXT], T_TEXTKEY);
	const struct row *m = &g->rows[K_MASTER][last_of_each(g->rows[K_MASTER], g->n[K_MASTER], -1) - 1];

	map_master(r, v, m);
	for (size_t i = 0; i < nd && i < ITEMS_MAX; i++)
		map_device(r, v, &g->rows[K_DEVICE][i]);
	map_patients(r, v, g->rows[K_PATIENT], np);
	add_problem_events(r, v, g->rows[K_PPROB], g->n[K_PPROB], "patient");
	add_problem_events(r, v, g->rows[K_DPROB], g->n[K_DPROB], "device");
	if (!v->nevents)
		fallback_event(r, v, m->f[M_ETYPE]);
	map_texts(r, v, g->rows[K_TEXT], nt);
	int rc = r->sink->version(r->sink->ctx, v, r->err);
	if (rc == 0)
		r->st->versions++;
	return rc;
}

/* Parse a sorter record into a row of group g. */
static void group_add(struct run *r, struct group *g, int kind, const char *data, size_t len)
{
	struct row *row;
	char *p = vg_arena_strndup(&r->arena, data, len), *end = p + len;
	int64_t v;

	VG_GROW(g->rows[kind], g->cap[kind], g->n[kind] + 1);
	row = &g->rows[kind][g->n[kind]++];
	memset(row, 0, sizeof *row);
	struct vg_sv parts[COLS_MAX + 2];
	size_t n = 0;
	while (n < VG_ARRAY_LEN(parts)) {
		char *q = memchr(p, FS, (size_t)(end - p));
		parts[n++] = (struct vg_sv){p, (size_t)((q ? q : end) - p)};
		if (!q)
			break;
		*q = 0;
		p = q + 1;
	}
	row->file = n > 0 && vg_parse_i64(parts[0], &v) == 0 ? (int)v : 0;
	row->line = n > 1 && vg_parse_i64(parts[1], &v) == 0 ? v : 0;
	for (size_t i = 2; i < n && i - 2 < COLS_MAX; i++)
		row->f[i - 2] = parts[i];
}

/* Walk the sorted records report by report. */
static int join(struct run *r)
{
	struct group g;
	char cur[KEY_DIGITS];
	bool have = false;
	const void *key, *data;
	size_t klen, dlen;
	int rc;

	memset(&g, 0, sizeof g);
	while ((rc = vg_sorter_next(r->sorter, &key, &klen, &data, &dlen, r->err)) == 1) {
		if (klen != KEY_DIGITS + 1)
			continue;
		if (have && memcmp(cur, key, KEY_DIGITS) != 0) {
			if ((rc = deliver(r, &g)) != 0)
				break;
			for (int k = 0; k < K_N; k++)
				g.n[k] = 0;
			vg_arena_reset(&r->arena);
		}
		memcpy(cur, key, KEY_DIGITS);
		have = true;
		int kind = ((const char *)key)[KEY_DIGITS] - '0';
		if (kind < 0 || kind >= K_N)
			continue;
		if (g.n[kind] < ITEMS_MAX * 4)
			group_add(r, &g, kind, data, dlen);
		else
			reject(r, "", 0, "%s: more than %d rows for MDR_REPORT_KEY %.*s",
			       kind_names[kind], ITEMS_MAX * 4, KEY_DIGITS, (const char *)key);
	}
	if (rc == 0 && have)
		rc = deliver(r, &g);
	for (int k = 0; k < K_N; k++)
		free(g.rows[k]);
	return rc;
}

/* ------------------------------------------------------------ driver */

/* Is this a problem-code dictionary (FORMATS.md 2.1: deviceproblemcodes.txt,
 * patientproblemdata.txt; comma-separated, quoted)?  -1 no, 0 patient, 1
 * device. */
static int dict_kind(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strncasecmp(base, "deviceproblemcode", 17) == 0)
		return 1;
	if (strncasecmp(base, "patientproblemdata", 18) == 0)
		return 0;
	return -1;
}

/* Load a dictionary: code (digits) and text per record; a first record
 * that is not a code is a header. */
static int read_dict(struct run *r, int which, const char *name, struct vg_csv *c)
{
	int rc;

	if (!r->dict[which])
		r->dict[which] = vg_map_new(4096);
	while ((rc = vg_csv_next(c, r->err)) != 0) {
		if (rc == VG_EIO)
			return rc;
		r->st->rows_read++;
		struct vg_sv code = vg_csv_field(c, 0), text = vg_csv_field(c, 1);
		if (rc > 0 && c->line == 1 && strspn(code.p, "0123456789") < code.len)
			continue; /* header */
		if (rc < 0 || !code.len || strspn(code.p, "0123456789") < code.len || !text.len ||
		    vg_map_count(r->dict[which]) >= 1000000) {
			reject(r, name, c->line, "problem dictionary: not a code and a text");
			continue;
		}
		bool added;
		uint32_t id = vg_map_intern(r->dict[which], code.p, code.len, &added);
		VG_GROW(r->desc[which], r->desc_cap[which], (size_t)id + 1);
		if (!added)
			free(r->desc[which][id]); /* a later definition wins */
		r->desc[which][id] = vg_xstrndup(text.p, text.len);
		r->ndesc[which] = vg_map_count(r->dict[which]);
	}
	return 0;
}

static void dict_free(struct run *r)
{
	for (int w = 0; w < 2; w++) {
		for (size_t i = 0; i < r->ndesc[w]; i++)
			free(r->desc[w][i]);
		free(r->desc[w]);
		if (r->dict[w])
			vg_map_free(r->dict[w]);
	}
}

static int run_inputs(struct run *r, const struct vg_ingest_mem *mem, char **paths, int n)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT('|');
	int rc = 0;

	o.encoding = VG_CSV_AUTO;
	o.max_record = r->opts && r->opts->max_line ? r->opts->max_line : 0;
	r->sorter = vg_sorter_new(SORT_BUDGET);
	vg_ingest_meter_start(&r->meter, r->opts, "maude", mem, paths, n);
	vg_arena_init(&r->arena, 0);
	for (int i = 0; i < n && rc == 0; i++) {
		struct file f;
		struct vg_csv c;
		memset(&f, 0, sizeof f);
		f.idx = i;
		f.name = r->names[i];
		f.kind = -1;
		f.pend = (struct vg_buf)VG_BUF_INIT(o.max_record ? o.max_record * 4 : (4u << 20));
		int dk = dict_kind(r->names[i]);
		struct vg_csv_opts dopts = o;
		dopts.delim = ',';
		dopts.quotes = true;
		if ((rc = vg_ingest_open_input(&c, mem, paths, i, dk < 0 ? &o : &dopts, r->err)) < 0)
			break;
		rc = dk < 0 ? read_file(r, &f, &c) : read_dict(r, dk, r->names[i], &c);
		vg_ingest_meter_done(&r->meter, &c);
		vg_csv_close(&c);
		vg_buf_release(&f.pend);
	}
	if (rc == 0 && r->nadded && (rc = vg_sorter_finish(r->sorter, r->err)) == 0)
		rc = join(r);
	vg_ingest_meter_finish(&r->meter);
	vg_sorter_free(r->sorter);
	vg_arena_release(&r->arena);
	dict_free(r);
	return rc;
}

/* vg_ingest_job_run's callback: this reader's state over the job's inputs. */
static int run_job(const struct vg_ingest_job *j)
{
	struct run r = {.opts = j->opts, .sink = j->sink, .st = j->stats, .err = j->err,
	                .names = j->names};

	return run_inputs(&r, j->in, j->paths, j->n);
}

int vg_ingest_maude_mem(const struct vg_ingest_mem *in, int n, const struct vg_ingest_opts *opts,
                        const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                        struct vg_err *err)
{
	return vg_ingest_job_run(run_job, in, NULL, n, opts, sink, stats, err);
}

static int run_maude(const struct vg_ingest_opts *opts, char **files, int nfiles,
                     const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
                     struct vg_err *err)
{
	return vg_ingest_job_run(run_job, NULL, files, nfiles, opts, sink, stats, err);
}

const struct vg_ingest_format vg_ingest_maude = {
	.name = "maude",
	.summary = "FDA MAUDE device reports: mdrfoi, foidev/DEVICE, patient, foitext, "
	           "problem-code files ('|'), any order; give Add/Change files last",
	.run = run_maude,
};
