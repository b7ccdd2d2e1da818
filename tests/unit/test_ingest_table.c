/*
 * test_ingest_table.c - the id-product-event table reader, and the two
 * tools under every reader: the delimited record reader (csv.c) and the
 * external sorter (sort.c).
 *
 * Real data: tests/data/signal/openEBGM_caers.csv (shared with the signal
 * tests; provenance there): 20,156 rows, 3,356 distinct ids, per
 * shared/data/README.md.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

#define EBGM "tests/data/signal/openEBGM_caers.csv"

/* ------------------------------------------------------------ csv reader */

static void open_str(struct vg_csv *c, const char *s, char delim, bool quotes)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(delim);

	o.quotes = quotes;
	vg_csv_open_mem(c, "mem", s, strlen(s), &o);
}

static void expect(struct vg_csv *c, int64_t line, size_t nf, ...)
{
	struct vg_err err = VG_ERR_INIT;
	va_list ap;

	assert_int_equal(vg_csv_next(c, &err), 1);
	assert_int_equal(c->line, line);
	assert_int_equal(c->nf, nf);
	va_start(ap, nf);
	for (size_t i = 0; i < nf; i++) {
		const char *want = va_arg(ap, const char *);
		assert_int_equal(c->f[i].len, strlen(want));
		assert_string_equal(c->f[i].p, want); /* NUL-terminated */
	}
	va_end(ap);
}

static void expect_end(struct vg_csv *c)
{
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(vg_csv_next(c, &err), 0);
	assert_int_equal(vg_csv_next(c, &err), 0);
	vg_csv_close(c);
}

/* BOM, LF / CRLF / CR mixed, empty lines skipped, no final newline. */
static void test_csv_line_ends(void **state)
{
	struct vg_csv c;

	open_str(&c, "\xEF\xBB\xBF" "a$b\r\n1$2\n\n3$\r4$\"x\r\r\n5$6", '$', false);
	expect(&c, 1, 2, "a", "b");
	expect(&c, 2, 2, "1", "2");
	expect(&c, 4, 2, "3", "");
	expect(&c, 5, 2, "4", "\"x"); /* quote is data without quoting */
	expect(&c, 7, 2, "5", "6");
	expect_end(&c);
}

/* RFC 4180: delimiters, "" and line ends inside quotes; line numbers. */
static void test_csv_quotes(void **state)
{
	struct vg_csv c;

	open_str(&c, "id,text,n\n1,\"a,b\",2\n2,\"say \"\"hi\"\"\nnext\",3\r\n"
	             "3,x\"y,4\n4,\"q\"tail,5\n\"\",,\n", ',', true);
	expect(&c, 1, 3, "id", "text", "n");
	expect(&c, 2, 3, "1", "a,b", "2");
	expect(&c, 3, 3, "2", "say \"hi\"\nnext", "3");
	expect(&c, 5, 3, "3", "x\"y", "4");   /* quote inside an unquoted field */
	expect(&c, 6, 3, "4", "qtail", "5");   /* lenient after a closing quote */
	expect(&c, 7, 3, "", "", "");
	expect_end(&c);
}

/* A quote left open at end of input: VG_EPARSE with what was read. */
static void test_csv_unterminated(void **state)
{
	struct vg_csv c;
	struct vg_err err = VG_ERR_INIT;

	open_str(&c, "a,b\n1,\"never closed\n2,3\n", ',', true);
	expect(&c, 1, 2, "a", "b");
	assert_int_equal(vg_csv_next(&c, &err), VG_EPARSE);
	assert_int_equal(c.line, 2);
	assert_int_equal(c.nf, 2);
	assert_string_equal(c.f[1].p, "never closed\n2,3\n");
	expect_end(&c);
}

/* Records past the cap are reported once and skipped; reading goes on. */
static void test_csv_cap(void **state)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT('|');
	struct vg_csv c;
	struct vg_err err = VG_ERR_INIT;
	size_t n = 700000;
	char *big = vg_xmalloc(n + 64);

	o.max_record = 1000;
	memcpy(big, "a|b\n", 4);
	memset(big + 4, 'x', n);
	memcpy(big + 4 + n, "\nc|d\n", 6);
	vg_csv_open_mem(&c, "mem", big, strlen(big), &o);
	expect(&c, 1, 2, "a", "b");
	assert_int_equal(vg_csv_next(&c, &err), VG_ETOOBIG);
	assert_int_equal(c.line, 2);
	expect(&c, 3, 2, "c", "d");
	expect_end(&c);
	/* quoted mode: a quote that never closes runs into the cap */
	o.quotes = true;
	o.delim = ',';
	memcpy(big, "a,\"", 3);
	memset(big + 3, 'y', n);
	memcpy(big + 3 + n, "\nc,d\n", 6);
	vg_csv_open_mem(&c, "mem", big, strlen(big), &o);
	assert_int_equal(vg_csv_next(&c, &err), VG_ETOOBIG);
	expect(&c, 2, 2, "c", "d");
	expect_end(&c);
	free(big);
}

/* Windows-1252 conversion; AUTO keeps valid UTF-8 (Chinese) as it is. */
static void test_csv_encoding(void **state)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(',');
	struct vg_csv c;
	const char *in = "caf\xE9,\x93q\x94,\xE7\x9A\xAE\xE7\x96\xB9\n";

	o.encoding = VG_CSV_AUTO;
	vg_csv_open_mem(&c, "mem", in, strlen(in), &o);
	expect(&c, 1, 3, "caf\xC3\xA9", "\xE2\x80\x9Cq\xE2\x80\x9D", "皮疹");
	expect_end(&c);
	o.encoding = VG_CSV_CP1252; /* every high byte converted */
	vg_csv_open_mem(&c, "mem", "\x96", 1, &o);
	expect(&c, 1, 1, "\xE2\x80\x93");
	expect_end(&c);
}

static void test_csv_empty_and_header(void **state)
{
	struct vg_csv c;
	struct vg_csv_header h;
	struct vg_err err = VG_ERR_INIT;

	open_str(&c, "", ',', true);
	assert_int_equal(vg_csv_header_read(&c, &h, &err), VG_EPARSE);
	assert_non_null(strstr(err.msg, "empty file"));
	vg_csv_close(&c);
	open_str(&c, "\xEF\xBB\xBFPrimaryID$ rept_dt $GNDR_COD\n", '$', false);
	assert_int_equal(vg_csv_header_read(&c, &h, &err), 0);
	assert_string_equal(h.names[1], "rept_dt");
	assert_int_equal(vg_csv_header_find(&h, "primaryid", (const char *)NULL), 0);
	assert_int_equal(vg_csv_header_find(&h, "sex", "gndr_cod", (const char *)NULL), 2);
	assert_int_equal(vg_csv_header_find(&h, "nope", (const char *)NULL), -1);
	vg_csv_header_release(&h);
	expect_end(&c);
}

/* Reading in 1..13-byte pieces gives the same records as one read: records,
 * CRLF pairs, "" escapes and the BOM straddling refills. */
static void dump(const char *in, bool quotes, size_t piece, struct vg_buf *out)
{
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(',');
	struct vg_err err = VG_ERR_INIT;
	struct vg_csv c;
	int rc;

	o.quotes = quotes;
	o.read_size = piece;
	o.max_record = 40;
	vg_csv_open_mem(&c, "mem", in, strlen(in), &o);
	vg_buf_reset(out);
	while ((rc = vg_csv_next(&c, &err)) != 0) {
		vg_buf_printf(out, "%d@%" PRId64 ":", rc, c.line);
		for (size_t i = 0; i < c.nf; i++)
			vg_buf_printf(out, "[%s]", c.f[i].p);
		vg_buf_putc(out, '\n');
	}
	vg_csv_close(&c);
}

static void test_csv_refills(void **state)
{
	static const char *const inputs[] = {
		"\xEF\xBB\xBF" "a,b\r\n\"x\"\"y\",\"p\r\nq\"\r\r\n,\n1,2\r3,4\n\n",
		"long,long,long,long,long,long,long,long,long,long,long\nok,1\r\n\"open,2",
		"\"\"\"\",\"a\"\"\"\",\"\"\r\n\r\n\r\n$,\"\n\"\r",
	};
	struct vg_buf want = VG_BUF_INIT(0), got = VG_BUF_INIT(0);

	for (size_t i = 0; i < VG_ARRAY_LEN(inputs); i++) {
		for (int q = 0; q < 2; q++) {
			dump(inputs[i], q, 0, &want);
			for (size_t piece = 1; piece < 14; piece++) {
				dump(inputs[i], q, piece, &got);
				assert_string_equal(got.p, want.p);
			}
		}
	}
	vg_buf_release(&want);
	vg_buf_release(&got);
}

/*
 * Unquoted records are found and cut in one pass, sixteen bytes at a time
 * (SSE2) or eight (opts.portable); vg_csv_split cuts a record with memchr.
 * Both must agree on random records of delimiters, spaces, quotes and
 * high bytes (every encoding), with LF / CRLF / CR line ends and empty
 * lines at every offset, read in pieces of many sizes.
 */
struct plain_input {
	struct vg_buf text;
	size_t starts[400], lens[400];
	int64_t lines[400];
	size_t n;
};

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void make_plain_input(struct plain_input *in, uint64_t seed)
{
	static const char alphabet[] = "ab$$$ \t\"\xE9\x93\xC3\xA9x0";
	static const char *const ends[] = {"\n", "\r\n", "\r"};
	int64_t line = 1;
	bool cr = false; /* the text ends in CR: a LF next would pair with it */

	in->text = (struct vg_buf)VG_BUF_INIT(0);
	in->n = 0;
	for (size_t r = 0; r < VG_ARRAY_LEN(in->starts); r++) {
		size_t len = rnd(&seed) % 70;
		in->starts[in->n] = in->text.len;
		for (size_t i = 0; i < len; i++)
			vg_buf_putc(&in->text, alphabet[rnd(&seed) % (sizeof(alphabet) - 1)]);
		if (len) { /* empty lines are skipped, but counted */
			in->lens[in->n] = len;
			in->lines[in->n++] = line;
		}
		if (r + 1 < VG_ARRAY_LEN(in->starts) || rnd(&seed) % 2) {
			const char *end = cr && !len ? "\r" : ends[rnd(&seed) % 3];
			vg_buf_puts(&in->text, end);
			cr = strcmp(end, "\r") == 0;
			line++;
		}
	}
}

static void check_plain(const struct plain_input *in, const struct vg_csv_opts *o)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_csv c, ref;
	char copy[128];

	vg_csv_open_mem(&c, "mem", in->text.p, in->text.len, o);
	vg_csv_open_mem(&ref, "ref", "", 0, o);
	for (size_t r = 0; r < in->n; r++) {
		assert_int_equal(vg_csv_next(&c, &err), 1);
		assert_int_equal(c.line, in->lines[r]);
		memcpy(copy, in->text.p + in->starts[r], in->lens[r]);
		assert_int_equal(vg_csv_split(&ref, copy, in->lens[r]), 1);
		assert_int_equal(c.nf, ref.nf);
		for (size_t i = 0; i < c.nf; i++) {
			assert_int_equal(c.f[i].len, ref.f[i].len);
			assert_memory_equal(c.f[i].p, ref.f[i].p, c.f[i].len);
			assert_int_equal(c.f[i].p[c.f[i].len], '\0');
		}
	}
	assert_int_equal(vg_csv_next(&c, &err), 0);
	vg_csv_close(&c);
	vg_csv_close(&ref);
}

static void test_csv_plain_scan(void **state)
{
	static const size_t pieces[] = {0, 1, 3, 7, 8, 15, 16, 17, 100};
	struct plain_input in;

	for (uint64_t seed = 1; seed <= 6; seed++) {
		make_plain_input(&in, seed * 0x9E3779B97F4A7C15ull);
		for (int enc = VG_CSV_UTF8; enc <= VG_CSV_AUTO; enc++) {
			for (size_t k = 0; k < VG_ARRAY_LEN(pieces); k++) {
				struct vg_csv_opts o = VG_CSV_OPTS_INIT('$');
				o.encoding = enc;
				o.read_size = pieces[k];
				o.max_record = 100;
				check_plain(&in, &o);
				o.portable = true;
				check_plain(&in, &o);
			}
		}
		vg_buf_release(&in.text);
	}
}

/* Past max_fields a record is refused (VG_ETOOBIG) and reading goes on,
 * whether the extra delimiters come in the same sixteen bytes or later. */
static void test_csv_max_fields(void **state)
{
	static const char in[] = "a|b|c|d\n||||\nw|x\n1|2|3|4|5|6|7|8|9|10|11|12|13\n|||\n";
	struct vg_err err = VG_ERR_INIT;
	struct vg_csv c;

	for (int portable = 0; portable < 2; portable++) {
		struct vg_csv_opts o = VG_CSV_OPTS_INIT('|');
		o.max_fields = 4;
		o.portable = portable;
		vg_csv_open_mem(&c, "mem", in, strlen(in), &o);
		expect(&c, 1, 4, "a", "b", "c", "d");
		assert_int_equal(vg_csv_next(&c, &err), VG_ETOOBIG);
		assert_int_equal(c.nf, 0);
		expect(&c, 3, 2, "w", "x");
		assert_int_equal(vg_csv_next(&c, &err), VG_ETOOBIG);
		assert_int_equal(c.line, 4);
		expect(&c, 5, 4, "", "", "", "");
		expect_end(&c);
	}
}

/* ------------------------------------------------------------ sorter */

/* Many records through a tiny budget: several spilled runs, merged in key
 * order, equal keys in input order. */
static void test_sorter_spills(void **state)
{
	struct vg_sorter *s = vg_sorter_new(4096);
	struct vg_err err = VG_ERR_INIT;
	const void *k, *d;
	size_t kl, dl, n = 0;
	char key[16], prev[16] = "";
	int last_seq[100];

	for (int i = 0; i < 100; i++)
		last_seq[i] = -1;
	for (int i = 0; i < 5000; i++) {
		int kv = (i * 37) % 100;
		snprintf(key, sizeof(key), "k%03d", kv);
		assert_int_equal(vg_sorter_add(s, key, strlen(key), &i, sizeof(i), &err), 0);
	}
	assert_int_equal(vg_sorter_finish(s, &err), 0);
	assert_true(vg_sorter_runs(s) > 5);
	while (vg_sorter_next(s, &k, &kl, &d, &dl, &err) == 1) {
		int seq, kv;
		memcpy(key, k, kl);
		key[kl] = '\0';
		memcpy(&seq, d, sizeof(seq));
		assert_true(strcmp(prev, key) <= 0);
		kv = (int)strtol(key + 1, NULL, 10);
		assert_true(seq > last_seq[kv]); /* stable */
		last_seq[kv] = seq;
		memcpy(prev, key, kl + 1);
		n++;
	}
	assert_int_equal(n, 5000);
	vg_sorter_free(s);
}

/* ------------------------------------------------------------ table reader */

struct coll {
	struct vg_arena arena;
	struct vg_case_version **v;
	size_t n, cap;
};

static int on_version(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct coll *c = ctx;

	VG_GROW(c->v, c->cap, c->n + 1);
	c->v[c->n++] = vg_case_copy(v, &c->arena);
	return 0;
}

static int run(struct coll *c, struct vg_ingest_stats *st, struct vg_rejects *rj,
               const char *id, const char *pr, const char *ev, const char *strat,
               const char *file, struct vg_err *err)
{
	struct vg_ingest_opts o = {0};
	struct vg_ingest_sink sink = {on_version, NULL, c};
	char *files[] = {(char *)file};

	memset(c, 0, sizeof(*c));
	memset(st, 0, sizeof(*st));
	vg_arena_init(&c->arena, 1 << 20);
	o.id_col = id;
	o.product_col = pr;
	o.event_col = ev;
	o.stratum_col = strat;
	o.rejects = rj;
	return vg_ingest_find("table")->run(&o, files, 1, &sink, st, err);
}

static void coll_free(struct coll *c)
{
	free(c->v);
	vg_arena_release(&c->arena);
}

static const struct vg_case_version *find(const struct coll *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i]->case_id, id) == 0)
			return c->v[i];
	return NULL;
}

/* openEBGM_caers.csv: 20,156 rows, 3,356 reports.  Report 147289 (first
 * rows of the file): PREVAGEN with 11 events, strat1 Female. */
static void test_table_openebgm(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;
	size_t products = 0, events = 0;

	assert_int_equal(run(&c, &st, &rj, "ID", "var1", "var2", "strat1", EBGM, &err), 0);
	assert_int_equal(st.rows_read, 20156);
	assert_int_equal(st.rows_rejected, 0);
	assert_int_equal(c.n, 3356);
	v = find(&c, "147289");
	assert_non_null(v);
	assert_string_equal(v->source, "table");
	assert_string_equal(v->stratum, "Female");
	assert_int_equal(v->nproducts, 1);
	assert_string_equal(v->products[0].name, "PREVAGEN");
	assert_int_equal(v->products[0].role, VG_ROLE_SUSPECT);
	assert_int_equal(v->nevents, 11);
	assert_string_equal(v->events[0].term, "BRAIN NEOPLASM");
	/* distinct (id, product) and (id, event) pairs of the file, counted
	 * independently with Python's csv module: 5,209 and 11,312 */
	for (size_t i = 0; i < c.n; i++) {
		products += c.v[i]->nproducts;
		events += c.v[i]->nevents;
	}
	assert_int_equal(products, 5209);
	assert_int_equal(events, 11312);
	coll_free(&c);
}

static char tmpfile_path[256];

static const char *write_tmp(const char *data)
{
	const char *t = getenv("TMPDIR");
	int fd;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/vg-table-XXXXXX",
	         t && *t ? t : "/tmp");
	fd = mkstemp(tmpfile_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	return tmpfile_path;
}

/* TSV, ids not adjacent, rejects for empty fields and short rows,
 * conflicting stratum, duplicate pairs collapse. */
static void test_table_tsv_rejects(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;
	const struct vg_case_version *v;
	const char *p = write_tmp("report\tdrug\tae\tsex\n"
	                          "r2\tA\tx\tM\n"
	                          "r1\tA\tx\tF\n"
	                          "r2\tB\ty\tM\n"
	                          "r1\tA\tx\tF\n"     /* repeated triple */
	                          "r3\t\tx\tF\n"      /* empty product */
	                          "r4\tA\n"           /* short */
	                          "r2\tC\tz\tF\n"     /* stratum conflict */
	                          "\tA\tx\tF\n"       /* empty id */
	                          "r1\tA\ty\t\n");

	assert_int_equal(run(&c, &st, &rj, "report", "DRUG", "ae", "sex", p, &err), 0);
	assert_int_equal(st.rows_read, 9);
	assert_int_equal(st.rows_rejected, 4);
	assert_int_equal(c.n, 2);
	v = find(&c, "r2");
	assert_int_equal(v->nproducts, 2);
	assert_string_equal(v->products[1].name, "B");
	assert_int_equal(v->nevents, 2);
	assert_string_equal(v->stratum, "M");
	v = find(&c, "r1");
	assert_int_equal(v->nproducts, 1);
	assert_int_equal(v->nevents, 2);
	assert_string_equal(v->stratum, "F");
	coll_free(&c);
	unlink(p);
}

static void test_table_missing_column(void **state)
{
	struct coll c;
	struct vg_ingest_stats st;
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(run(&c, &st, &rj, "id", "var1", "nope", NULL, EBGM, &err), VG_EINVAL);
	assert_non_null(strstr(err.msg, "no column 'nope'"));
	coll_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_line_ends),
		cmocka_unit_test(test_csv_quotes),
		cmocka_unit_test(test_csv_unterminated),
		cmocka_unit_test(test_csv_cap),
		cmocka_unit_test(test_csv_encoding),
		cmocka_unit_test(test_csv_empty_and_header),
		cmocka_unit_test(test_csv_refills),
		cmocka_unit_test(test_csv_plain_scan),
		cmocka_unit_test(test_csv_max_fields),
		cmocka_unit_test(test_sorter_spills),
		cmocka_unit_test(test_table_openebgm),
		cmocka_unit_test(test_table_tsv_rejects),
		cmocka_unit_test(test_table_missing_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
