/*
 * test_ingest_faers.c - the FAERS / AERS quarterly reader on real samples
 * (tests/data/faers/, see PROVENANCE.md there).
 *
 * Counts were checked independently of the reader (shell join of the
 * primaryid columns: 1232 child rows of the 2022Q4 subset have no DEMO
 * row; 397 THER and 516 INDI rows point at a drug_seq with no DRUG row).
 * Field values are copied from the sample lines quoted beside each check.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA "tests/data/faers"

struct coll {
	struct vg_arena arena;
	struct vg_case_version **v;
	size_t n, cap;
	char **deleted;
	size_t ndel, delcap;
};

static int on_version(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct coll *c = ctx;

	VG_GROW(c->v, c->cap, c->n + 1);
	c->v[c->n++] = vg_case_copy(v, &c->arena);
	return 0;
}

static int on_delete(void *ctx, const char *id, struct vg_err *err)
{
	struct coll *c = ctx;

	VG_GROW(c->deleted, c->delcap, c->ndel + 1);
	c->deleted[c->ndel++] = vg_arena_strdup(&c->arena, id);
	return 0;
}

static void coll_free(struct coll *c)
{
	free(c->v);
	free(c->deleted);
	vg_arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

static int run(struct coll *c, struct vg_ingest_stats *st, struct vg_rejects *rj,
               struct vg_err *err, int nfiles, ...)
{
	const struct vg_ingest_format *f = vg_ingest_find("faers");
	struct vg_ingest_opts o = {0};
	struct vg_ingest_sink sink = {on_version, on_delete, c};
	char *files[16];
	va_list ap;

	memset(c, 0, sizeof(*c));
	vg_arena_init(&c->arena, 1 << 20);
	memset(st, 0, sizeof(*st));
	o.rejects = rj;
	va_start(ap, nfiles);
	for (int i = 0; i < nfiles; i++)
		files[i] = va_arg(ap, char *);
	va_end(ap);
	assert_non_null(f);
	return f->run(&o, files, nfiles, &sink, st, err);
}

static const struct vg_case_version *find(const struct coll *c, const char *case_id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i]->case_id, case_id) == 0)
			return c->v[i];
	return NULL;
}

static char *json_of(const struct vg_case_version *v)
{
	struct vg_buf b = VG_BUF_INIT(0);

	assert_int_equal(vg_case_to_json(v, &b), 0);
	return vg_buf_detach(&b, NULL);
}

static void expect_date(struct vg_date d, const char *iso)
{
	char out[24];

	vg_date_format_iso(&d, out);
	assert_string_equal(out, iso);
}

/* A product as a test expects it: the role, and every string given (NULL:
 * not checked), the dates as vg_date_format_iso writes them. */
struct want_product {
	int role;
	const char *name, *ingredient, *route, *dose, *approval_no, *start, *end;
};

static void expect_str(const char *got, const char *want)
{
	if (want)
		assert_string_equal(got, want);
}

static void expect_product(const struct vg_product *p, struct want_product w)
{
	assert_int_equal(p->role, w.role);
	expect_str(p->name, w.name);
	expect_str(p->ingredient, w.ingredient);
	expect_str(p->route, w.route);
	expect_str(p->dose, w.dose);
	expect_str(p->approval_no, w.approval_no);
	if (w.start)
		expect_date(p->start, w.start);
	if (w.end)
		expect_date(p->end, w.end);
}

/* 2022Q4 subset as FDA ships it: ASCII/ + Deleted/, LF, text-sorted keys. */
static void test_2022q4_counts(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/2022q4"), 0);
	assert_int_equal(c.n, 258);         /* DEMO22Q4.txt: 258 rows */
	assert_int_equal(st.versions, 258);
	/* 258+209+974+1206+386+500+607 data rows + 3624+7983 caseids */
	assert_int_equal(st.rows_read, 4140 + 11607);
	assert_int_equal(st.rows_rejected, 1232 + 397 + 516);
	assert_int_equal(rj.count, st.rows_rejected);
	assert_int_equal(st.deletions, 11607); /* DELETE22Q4 + DELETE21Q4, disjoint */
	assert_int_equal(c.ndel, 11607);
	coll_free(&c);
}

/*
 * DEMO 100115733$10011573$3$F$20130801$20221118$20140314$20221123$EXP$$
 *      CA-MERCK-1403CAN005674$MERCK$$75$YR$$M$Y$58.05$KG$20221123$$HP$CA$CA
 * DRUG 100115733$10011573$1$PS$JANUVIA$SITAGLIPTIN PHOSPHATE$1$Oral$100 mg
 *      1 every 1 day$6300$MG$$$$$21995$100$MG$Film-coated tablet$QD
 * OUTC LT, OT; THER drug 1 20120407-20120409; INDI drug 4 Type 2 diabetes
 */
static void test_2022q4_case(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/2022q4"), 0);
	v = find(&c, "FAERS-10011573");
	assert_non_null(v);
	assert_string_equal(v->report_id, "100115733");
	assert_string_equal(v->source, "faers");
	assert_string_equal(v->source_version, "3");
	assert_false(v->initial);
	expect_date(v->received, "2014-03-14");
	expect_date(v->latest, "2022-11-23");
	assert_string_equal(v->unit, "MERCK");
	assert_string_equal(v->country, "CA");
	assert_int_equal(v->qualification, VG_QUAL_OTHER_HCP); /* HP */
	assert_int_equal(v->sex, VG_SEX_MALE);
	assert_true(fabs(v->age_years - 75) < 1e-9);
	assert_string_equal(v->age_unit, "a");
	assert_true(fabs(v->weight_kg - 58.05) < 1e-9);
	assert_int_equal(v->seriousness, VG_SER_LIFE_THREATENING | VG_SER_OTHER);
	assert_true(v->serious);
	assert_int_equal(v->nproducts, 4);
	expect_product(&v->products[0], (struct want_product){
		.role = VG_ROLE_SUSPECT, .name = "JANUVIA", .ingredient = "SITAGLIPTIN PHOSPHATE",
		.route = "Oral", .dose = "100 mg 1 every 1 day", .approval_no = "21995",
		.start = "2012-04-07", .end = "2012-04-09"});
	assert_int_equal(v->products[1].role, VG_ROLE_CONCOMITANT);
	assert_string_equal(v->products[3].indication, "Type 2 diabetes mellitus");
	assert_int_equal(v->nevents, 2);
	assert_string_equal(v->events[0].coded, "Pancreatitis chronic");
	expect_date(v->events[1].onset, "2013-08-01");
	assert_true(vg_case_is_valid(v));
	coll_free(&c);
}

/* 2012Q4: lower-case names, BOM before the DRUG header, " rept_dt",
 * gndr_cod, lot_nbr, outc_code, no prod_ai.
 * DEMO 34483284$3448328$4$F$$20121116$20000321$20121128$EXP$2000SUS0218$
 *      BRISTOL MYERS SQUIBB$$$F$Y$2$KG$20121128$$CN$US$US */
static void test_2012q4_layout(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/2012q4"), 0);
	assert_int_equal(c.n, 9);
	assert_int_equal(st.rows_read, 69);
	assert_int_equal(st.rows_rejected, 22);
	v = find(&c, "FAERS-3448328");
	assert_non_null(v);
	assert_int_equal(v->sex, VG_SEX_FEMALE);         /* gndr_cod */
	expect_date(v->created, "2012-11-28");           /* " rept_dt" */
	assert_int_equal(v->qualification, VG_QUAL_CONSUMER);
	assert_int_equal(v->seriousness, VG_SER_CONGENITAL | VG_SER_OTHER); /* outc_code */
	assert_int_equal(v->nproducts, 5);               /* DRUG file starts with a BOM */
	assert_string_equal(v->products[0].name, "SUSTIVA");
	assert_string_equal(v->products[0].ingredient, "SUSTIVA"); /* no prod_ai: cleaned name */
	assert_string_equal(v->products[0].approval_no, "020972");  /* leading zero kept */
	assert_string_equal(v->events[0].coded, "Laryngomalacia");
	assert_null(v->events[0].term); /* FAERS has no verbatim reaction text */
	coll_free(&c);
}

/* Legacy AERS 2004Q1: isr/case keys, trailing-$ artefact column, upper case
 * DEMO04Q1.TXT names.  4263742$4061110$I$$4263742-7$20031115$20031218$
 * 20040102$EXP$DSA_23619_2003$BIOVAIL PHARMACEUTICALS INC.$42$YR$F$N$$$
 * 20031231$OT$$$$ */
static void test_legacy_aers(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/aers2004q1"), 0);
	assert_int_equal(c.n, 100);
	assert_int_equal(st.rows_read, 100 + 386 + 124 + 93 + 416 + 119 + 145);
	assert_int_equal(st.rows_rejected, 0);
	v = find(&c, "FAERS-4061110");
	assert_non_null(v);
	assert_string_equal(v->report_id, "4263742");
	assert_null(v->source_version);
	assert_true(v->initial);
	expect_date(v->received, "2004-01-02"); /* no init_fda_dt: FDA_DT of an initial */
	assert_int_equal(v->nproducts, 4);
	assert_string_equal(v->products[0].name, "TAVOR");
	assert_int_equal(v->products[1].role, VG_ROLE_SUSPECT); /* SS */
	assert_int_equal(v->nevents, 8);
	assert_string_equal(v->events[0].coded, "DIARRHOEA");
	assert_int_equal(v->seriousness, VG_SER_HOSPITALISATION);
	/* no prod_ai: the trailing parenthetical is the ingredient (terms.h) */
	v = find(&c, "FAERS-4075208");
	assert_non_null(v);
	assert_string_equal(v->products[1].name, "METALYSE (TENECTEPLASE)");
	assert_string_equal(v->products[1].ingredient, "TENECTEPLASE");
	assert_string_equal(v->products[2].ingredient, "ENOXAPARIN"); /* salt removed */
	coll_free(&c);
}

/* DEMO with CRLF and no newline after the last row (2020Q3 sample head). */
static void test_crlf_no_final_newline(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/2020q3_crlf"), 0);
	assert_int_equal(c.n, 40);
	assert_int_equal(st.rows_rejected, 0);
	/* the last line: 100192426$10019242$6$F$20131223$...$MD$US$US */
	v = find(&c, "FAERS-10019242");
	assert_non_null(v);
	assert_string_equal(v->country, "US"); /* no CR left on the last field */
	assert_int_equal(v->qualification, VG_QUAL_PHYSICIAN);
	v = find(&c, "FAERS-10004694");
	assert_non_null(v);
	assert_string_equal(v->products[0].name, "LIPITOR");
	coll_free(&c);
}

/* ------------------------------------------------------------ temp dirs */

static char tmpdir[256];

static void make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/vg-faers-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = vg_xmalloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void spit(const char *name, const char *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

struct line {
	const char *p;
	size_t len, idx;
	int64_t key;
};

static int by_key_desc(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : 1;
}

/* Copy a table with its data lines in descending key order (rows of one
 * key keep their order). */
static void copy_reordered(const char *src, const char *name)
{
	size_t n, nl = 0;
	char *data = slurp(src, &n), *p = data, *hdr_end = strchr(data, '\n');
	struct line *lines = vg_xcalloc(n + 1, sizeof(*lines));
	struct vg_buf out = VG_BUF_INIT(0);

	vg_buf_append(&out, data, (size_t)(hdr_end - data) + 1);
	for (p = hdr_end + 1; p < data + n;) {
		char *e = memchr(p, '\n', (size_t)(data + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(data + n - p);
		lines[nl] = (struct line){p, len, nl, strtoll(p, NULL, 10)};
		nl++;
		p += len + 1;
	}
	qsort(lines, nl, sizeof(*lines), by_key_desc);
	for (size_t i = 0; i < nl; i++) {
		vg_buf_append(&out, lines[i].p, lines[i].len);
		vg_buf_putc(&out, '\n');
	}
	spit(name, out.p, out.len);
	vg_buf_release(&out);
	free(lines);
	free(data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted JSON texts of every version, one string. */
static char *all_json(const struct coll *c)
{
	char **j = vg_xcalloc(c->n + 1, sizeof(*j));
	struct vg_buf b = VG_BUF_INIT(0);
	char *s;

	for (size_t i = 0; i < c->n; i++)
		j[i] = json_of(c->v[i]);
	qsort(j, c->n, sizeof(*j), cmp_str);
	for (size_t i = 0; i < c->n; i++) {
		vg_buf_puts(&b, j[i]);
		vg_buf_putc(&b, '\n');
		free(j[i]);
	}
	free(j);
	s = vg_buf_detach(&b, NULL);
	return s;
}

/* Files out of primaryid order give the same versions (external sort). */
static void test_unsorted_same_result(void **state)
{
	static const char *const t[] = {"DEMO", "DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI"};
	struct coll a, b;
	struct vg_ingest_stats sa, sb;
	struct vg_rejects ra = {NULL, 0}, rb = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	char src[512], name[64];
	char *ja, *jb;

	make_tmpdir();
	for (size_t i = 0; i < VG_ARRAY_LEN(t); i++) {
		snprintf(src, sizeof(src), DATA "/2022q4/ASCII/%s22Q4.txt", t[i]);
		snprintf(name, sizeof(name), "%s22q4.TXT", t[i]); /* name case varies */
		copy_reordered(src, name);
	}
	spit("ASC_NTS.pdf", "%PDF", 4);        /* other files of a quarter dir: ignored */
	spit("STAT22Q4.txt", "counts\n", 7);
	assert_int_equal(run(&a, &sa, &ra, &err, 1, DATA "/2022q4/ASCII"), 0);
	assert_int_equal(run(&b, &sb, &rb, &err, 1, tmpdir), 0);
	assert_int_equal(a.n, 258);
	assert_int_equal(b.n, 258);
	assert_int_equal(sa.rows_read, sb.rows_read);
	assert_int_equal(sa.rows_rejected, sb.rows_rejected);
	ja = all_json(&a);
	jb = all_json(&b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	coll_free(&a);
	coll_free(&b);
	rm_tmpdir();
}

/* A case in a DELETE list is not emitted, and delete_case is called. */
static void test_delete_list(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	char demo[512], path[512];

	make_tmpdir();
	spit("DELETE22Q4.txt", " \n10011573\n", 11);
	snprintf(demo, sizeof(demo), DATA "/2022q4/ASCII/DEMO22Q4.txt");
	snprintf(path, sizeof(path), "%s/DELETE22Q4.txt", tmpdir);
	assert_int_equal(run(&c, &st, &rj, &err, 2, demo, path), 0);
	assert_int_equal(c.n, 257);
	assert_null(find(&c, "FAERS-10011573"));
	assert_int_equal(c.ndel, 1);
	assert_string_equal(c.deleted[0], "FAERS-10011573");
	assert_int_equal(st.rows_read, 258 + 1);
	coll_free(&c);
	rm_tmpdir();
}

/* Broken lines: too few / too many fields, no key, truncated last line;
 * an empty child file. */
static void test_bad_lines(void **state)
{
	static const char demo[] =
		"primaryid$caseid$caseversion$i_f_code$mfr_sndr\n"
		"11$1$1$I$F\n"
		"12$1$2$F\n"             /* 4 fields */
		"x$2$1$I$M\n"            /* no key */
		"1000000000000000000$9$1$I$M\n" /* 19 digits: no key */
		"963000000000000000$x$1$I$M\n"  /* 18 digits, no caseid; the pre-scan's
		                                   text order of the two overflowed once */
		"31$3$1$I$M$\n"          /* trailing empty field: accepted */
		"41$4$1$I$M$extra\n"     /* 6 fields */
		"51$5$1$I$M\n"
		"51$5$1$I$M\n"           /* duplicate primaryid */
		"71$7$1$I$\x96\n"        /* Windows-1252 byte: converted, not rejected */
		"61$6$1";                /* truncated */
	static const char reac[] = "primaryid$caseid$pt\n11$1$Rash\n12$1$Nausea\n51$5$Pyrexia\n";
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	char p1[512], p2[512], p3[512];

	make_tmpdir();
	spit("DEMO24Q1.txt", demo, sizeof(demo) - 1);
	spit("REAC24Q1.txt", reac, sizeof(reac) - 1);
	spit("DRUG24Q1.txt", "", 0);
	snprintf(p1, sizeof(p1), "%s/DEMO24Q1.txt", tmpdir);
	snprintf(p2, sizeof(p2), "%s/REAC24Q1.txt", tmpdir);
	snprintf(p3, sizeof(p3), "%s/DRUG24Q1.txt", tmpdir);
	assert_int_equal(run(&c, &st, &rj, &err, 3, p1, p2, p3), 0);
	assert_int_equal(c.n, 4); /* 11, 31, 51, 71 */
	assert_non_null(find(&c, "FAERS-1"));
	assert_string_equal(find(&c, "FAERS-7")->unit, "\xE2\x80\x93"); /* cp1252 0x96: en dash */
	assert_non_null(find(&c, "FAERS-3"));
	assert_int_equal(find(&c, "FAERS-5")->nevents, 1);
	assert_int_equal(st.rows_read, 11 + 3);
	assert_int_equal(st.rows_rejected, 8); /* 12 41 x 10.. 963.. dup 61 + REAC of 12 */
	coll_free(&c);
	rm_tmpdir();
}

/*
 * Field conversions on the reader's fast paths (FORMATS.md 1.3/1.6): dates
 * of 8, 6 and 4 digits with 00 parts, invalid days and a 10-digit date
 * (general parser); ages and weights as strtod reads them; codes in any
 * case; the dose made of amount, unit and frequency; prod_ai cleaned; an
 * 18-digit key taken and a 19-digit one refused; a DELETE-listed case left
 * out whatever other caseids share its filter bits.
 */
static void test_field_conversions(void **state)
{
	static const char demo[] =
		"primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$"
		"mfr_sndr$age$age_cod$sex$wt$wt_cod$rept_dt$occp_cod$reporter_country$occr_country\n"
		"1001$100$1$i$20200229$20210229$20200200$20200000$ PFIZER $45.25$yr$f$150$LBS$"
		"2020010112$md$us$JP\n"
		"1002$102$1$I$$$$$$$$$$$$$$\n"
		"123456789012345678$101$2$F$00000101$2O20$2020013$99991231$$.06$DEC$M$x$KG$$$US$\n"
		"1000000000000000001$103$1$I$$$$$$$$$$$$$$\n";
	static const char drug[] =
		"primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$route$dose_vbm$lot_num$"
		"nda_num$dose_amt$dose_unit$dose_freq\n"
		"1001$100$1$ps$Januvia$ sitagliptin  phosphate .$Oral$$LOT1$020702$10$$QD\n"
		"1001$100$2$c$TYLENOL (ACETAMINOPHEN)$$$$$$2.5$MG$\n"
		"123456789012345678$101$1$I$X$$$10 MG QD$$$5$MG$BID\n";
	static const char ther[] = "primaryid$caseid$dsg_drug_seq$start_dt$end_dt\n"
	                           "1001$100$1$20200301$20200302\n1001$100$1$20200201$2020\n";
	static const char reac[] = "primaryid$caseid$pt$drug_rec_act\n1001$100$Rash$\n";
	static const char outc[] = "primaryid$caseid$outc_cod\n1001$100$ot\n";
	static const char del[] = " \n102\n999\n";
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;

	make_tmpdir();
	spit("DEMO24Q1.txt", demo, sizeof(demo) - 1);
	spit("DRUG24Q1.txt", drug, sizeof(drug) - 1);
	spit("THER24Q1.txt", ther, sizeof(ther) - 1);
	spit("REAC24Q1.txt", reac, sizeof(reac) - 1);
	spit("OUTC24Q1.txt", outc, sizeof(outc) - 1);
	spit("DELETE24Q1.txt", del, sizeof(del) - 1);
	assert_int_equal(run(&c, &st, &rj, &err, 1, tmpdir), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(rj.count, 1); /* the 19-digit key */
	assert_int_equal(c.ndel, 2);
	assert_null(find(&c, "FAERS-102"));

	v = find(&c, "FAERS-100");
	assert_non_null(v);
	assert_string_equal(v->report_id, "1001");
	assert_true(v->initial);
	expect_date(v->events[0].onset, "2020-02-29");
	expect_date(v->aware, "");          /* 2021-02-29 does not exist */
	expect_date(v->received, "2020-02"); /* 00 day */
	expect_date(v->latest, "2020");      /* 00 month */
	expect_date(v->created, "2020-01-01T12");
	assert_string_equal(v->unit, "PFIZER");
	assert_true(v->age_value == 45.25);
	assert_string_equal(v->age_unit, "a");
	assert_int_equal(v->sex, VG_SEX_FEMALE);
	assert_true(v->weight_kg == 150 * 0.45359237);
	assert_int_equal(v->qualification, VG_QUAL_PHYSICIAN);
	assert_string_equal(v->country, "JP");
	assert_int_equal(v->seriousness, VG_SER_OTHER);
	assert_int_equal(v->nproducts, 2);
	expect_product(&v->products[0], (struct want_product){
		.role = VG_ROLE_SUSPECT, .ingredient = "SITAGLIPTIN PHOSPHATE", .dose = "10 QD",
		.approval_no = "020702", .start = "2020-02-01", .end = "2020-03-02"});
	expect_product(&v->products[1], (struct want_product){
		.role = VG_ROLE_CONCOMITANT, .ingredient = "ACETAMINOPHEN", .dose = "2.5 MG"});

	v = find(&c, "FAERS-101");
	assert_non_null(v);
	assert_string_equal(v->report_id, "123456789012345678");
	assert_false(v->initial);
	expect_date(v->aware, "");
	expect_date(v->received, "");
	expect_date(v->latest, "9999-12-31");
	assert_true(v->age_value == 0.06);
	assert_string_equal(v->age_unit, "{decade}");
	assert_true(isnan(v->weight_kg));
	assert_string_equal(v->country, "US");
	expect_product(&v->products[0],
	               (struct want_product){.role = VG_ROLE_INTERACTING, .dose = "10 MG QD"});
	coll_free(&c);
	rm_tmpdir();
}

static void test_bad_input_names(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/PROVENANCE.md"), VG_EINVAL);
	assert_non_null(strstr(err.msg, "not a FAERS file name"));
	coll_free(&c);
	vg_err_clear(&err);
	assert_int_equal(run(&c, &st, &rj, &err, 1, DATA "/2022q4/ASCII/DRUG22Q4.txt"), VG_EINVAL);
	assert_non_null(strstr(err.msg, "no DEMO file for 2022Q4"));
	coll_free(&c);
}

/* A sink error stops the import and comes back. */
static int failing(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	int *n = ctx;

	if (++*n == 5)
		return vg_err_set(err, VG_EDB, NULL, "disk full");
	return 0;
}

static void test_sink_error(void **state)
{
	struct vg_ingest_opts o = {0};
	int n = 0;
	struct vg_ingest_sink sink = {failing, NULL, &n};
	struct vg_ingest_stats st = {0};
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	char *files[] = {(char *)DATA "/2022q4"};

	o.rejects = &rj;
	assert_int_equal(vg_ingest_find("faers")->run(&o, files, 1, &sink, &st, &err), VG_EDB);
	assert_int_equal(st.versions, 4);
	assert_string_equal(err.msg, "disk full");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2022q4_counts),
		cmocka_unit_test(test_2022q4_case),
		cmocka_unit_test(test_2012q4_layout),
		cmocka_unit_test(test_legacy_aers),
		cmocka_unit_test(test_crlf_no_final_newline),
		cmocka_unit_test(test_unsorted_same_result),
		cmocka_unit_test(test_delete_list),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_field_conversions),
		cmocka_unit_test(test_bad_input_names),
		cmocka_unit_test(test_sink_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
