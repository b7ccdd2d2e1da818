/*
 * test_util.c - util/: errors, arena, capped buffer and its JSON escaping,
 * views, parsing and integer formatting, the interning map, partial dates,
 * their formatting and their arithmetic.
 */
#include "vg.h"
#include "util/util.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static struct vg_date D(const char *s)
{
	struct vg_date d;

	assert_int_equal(vg_date_parse(vg_sv_of(s), &d), 0);
	return d;
}

static void test_err_first_wins(void **state)
{
	struct vg_err err = VG_ERR_INIT;
	char out[800];

	(void)state;
	assert_int_equal(vg_err_set(&err, VG_EPARSE, "patient.age", "not a number: %s", "x"),
	                 VG_EPARSE);
	vg_err_set(&err, VG_EIO, NULL, "later");
	assert_int_equal(err.code, VG_EPARSE);
	assert_string_equal(vg_err_str(&err, out, sizeof(out)), "patient.age: not a number: x");
	assert_string_equal(vg_strerror(VG_ENOTFOUND), "not found");
	assert_string_equal(vg_strerror(-999), "unknown error");
	vg_err_clear(&err);
	assert_int_equal(err.code, 0);
}

static void test_arena(void **state)
{
	struct vg_arena a = VG_ARENA_INIT;
	char *big, *s;

	(void)state;
	vg_arena_init(&a, 128);
	for (int i = 0; i < 1000; i++) {
		int *p = vg_arena_alloc(&a, sizeof(int) * 3);
		assert_int_equal(((uintptr_t)p) % 16, 0);
		p[0] = p[1] = p[2] = i;
	}
	big = vg_arena_calloc(&a, 10000, 1); /* larger than a block */
	assert_int_equal(big[9999], 0);
	s = vg_arena_printf(&a, "%s-%d", "case", 42);
	assert_string_equal(s, "case-42");
	assert_null(vg_arena_strdup(&a, NULL));
	assert_string_equal(vg_arena_strndup(&a, "abcdef", 3), "abc");
	vg_arena_reset(&a);
	assert_int_equal(a.total, 0);
	assert_non_null(vg_arena_alloc(&a, 10));
	vg_arena_release(&a);
	assert_null(a.head);
}

static void test_buf_cap(void **state)
{
	struct vg_buf b = VG_BUF_INIT(10);

	(void)state;
	assert_int_equal(vg_buf_puts(&b, "0123456789"), 0);
	assert_int_equal(b.len, 10);
	/* one byte past the cap is refused and changes nothing */
	assert_int_equal(vg_buf_putc(&b, 'x'), VG_ETOOBIG);
	assert_int_equal(vg_buf_printf(&b, "%d", 7), VG_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	vg_buf_reset(&b);
	assert_int_equal(vg_buf_json_str(&b, "a\"b"), 0);
	assert_string_equal(b.p, "\"a\\\"b\"");
	vg_buf_reset(&b);
	assert_int_equal(vg_buf_json_str(&b, NULL), 0); /* unknown -> null */
	assert_string_equal(b.p, "null");
	vg_buf_reset(&b);
	assert_int_equal(vg_buf_json_str(&b, "\x01\n"), 0);
	assert_string_equal(b.p, "\"\\u0001\\n\""); /* 10 bytes: at the cap */
	vg_buf_reset(&b);
	assert_int_equal(vg_buf_json_str(&b, "a\"b"), 0);
	/* a JSON string that would cross the cap leaves the buffer as it was */
	assert_int_equal(vg_buf_json_str(&b, "0123456789"), VG_ETOOBIG);
	assert_string_equal(b.p, "\"a\\\"b\"");
	vg_buf_release(&b);

	struct vg_buf c = VG_BUF_INIT(0);
	assert_int_equal(vg_buf_csv_str(&c, "plain"), 0);
	assert_int_equal(vg_buf_putc(&c, ','), 0);
	assert_int_equal(vg_buf_csv_str(&c, "a,\"b\""), 0);
	assert_string_equal(c.p, "plain,\"a,\"\"b\"\"\"");
	size_t len;
	char *s = vg_buf_detach(&c, &len);
	assert_int_equal(len, strlen(s));
	assert_null(c.p);
	free(s);
}

/* The bytes vg_buf_json_str writes, pinned: only '"', '\\' and the controls
 * are escaped (\n \r \t short, the rest \u00XX in lower case); DEL, UTF-8
 * (Chinese, U+2028, U+2029) and every other byte are copied as they are. */
static void expect_json(const char *in, const char *want)
{
	struct vg_buf b = VG_BUF_INIT(0);

	assert_int_equal(vg_buf_json_str(&b, in), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(b.len, strlen(want));
	vg_buf_release(&b);
}

static void test_buf_json_escapes(void **state)
{
	(void)state;
	expect_json("", "\"\"");
	expect_json(NULL, "null");
	expect_json("plain ascii 123", "\"plain ascii 123\"");
	expect_json("\x01\x02\x07\b\f\v\x1b\x1f", "\"\\u0001\\u0002\\u0007\\u0008\\u000c\\u000b\\u001b\\u001f\"");
	expect_json("\t\n\r", "\"\\t\\n\\r\"");
	expect_json("\x7f ~ \x20", "\"\x7f ~  \"");
	expect_json("\"", "\"\\\"\"");
	expect_json("\\", "\"\\\\\"");
	expect_json("say \"hi\" \\o/ \\\"", "\"say \\\"hi\\\" \\\\o/ \\\\\\\"\"");
	expect_json("阿莫西林胶囊", "\"阿莫西林胶囊\"");
	expect_json("患者\"皮疹\"\n好转\\", "\"患者\\\"皮疹\\\"\\n好转\\\\\"");
	expect_json("a\xe2\x80\xa8z\xe2\x80\xa9", "\"a\xe2\x80\xa8z\xe2\x80\xa9\""); /* U+2028, U+2029 */
	expect_json("\xff\xfe\x80", "\"\xff\xfe\x80\""); /* not UTF-8: still copied */
	expect_json("end\x01", "\"end\\u0001\"");
	expect_json("\x01start", "\"\\u0001start\"");
	/* a long run after an escape */
	expect_json("\n0123456789012345678901234567890123456789",
	            "\"\\n0123456789012345678901234567890123456789\"");

	/* the cap counts the escaped form: all of it fits or nothing is written */
	struct vg_buf b = VG_BUF_INIT(12);
	assert_int_equal(vg_buf_puts(&b, "ab"), 0);
	assert_int_equal(vg_buf_json_str(&b, "\x01\"\\"), VG_ETOOBIG); /* needs 2 + 12 */
	assert_string_equal(b.p, "ab");
	assert_int_equal(vg_buf_json_str(&b, "\x01\\"), 0); /* 2 + 10 = 12: at the cap */
	assert_string_equal(b.p, "ab\"\\u0001\\\\\"");
	assert_int_equal(vg_buf_json_str(&b, ""), VG_ETOOBIG);
	assert_int_equal(b.len, 12);
	vg_buf_release(&b);

	/* vg_buf_add: the inline append keeps the same cap */
	struct vg_buf c = VG_BUF_INIT(5);
	assert_int_equal(vg_buf_add(&c, "abc", 3), 0);
	assert_int_equal(vg_buf_add(&c, "de", 2), 0);
	assert_int_equal(vg_buf_add(&c, "f", 1), VG_ETOOBIG);
	assert_string_equal(c.p, "abcde");
	vg_buf_release(&c);
}

/* vg_fmt_i64 writes what printf's "%0*lld" writes. */
static void expect_fmt(int64_t v, int width, const char *want)
{
	char out[32];
	size_t n = vg_fmt_i64(out, v, width);

	out[n] = '\0';
	assert_string_equal(out, want);
}

static void test_fmt_i64(void **state)
{
	(void)state;
	expect_fmt(0, 0, "0");
	expect_fmt(7, 0, "7");
	expect_fmt(-1, 0, "-1");
	expect_fmt(1234567890, 0, "1234567890");
	expect_fmt(INT_MAX, 0, "2147483647");
	expect_fmt(INT_MIN, 0, "-2147483648");
	expect_fmt(INT64_MAX, 0, "9223372036854775807");
	expect_fmt(INT64_MIN, 0, "-9223372036854775808");
	expect_fmt(7, 4, "0007");
	expect_fmt(0, 2, "00");
	expect_fmt(-7, 4, "-007"); /* the sign counts in the width */
	expect_fmt(-7, 2, "-7");
	expect_fmt(12345, 4, "12345"); /* never cut */
	expect_fmt(5, 12, "000000000005");
}

static void test_sv_and_parse(void **state)
{
	struct vg_sv rest, head;
	int64_t v;
	double d;

	(void)state;
	head = vg_sv_cut(vg_sv_of("a$b$c"), '$', &rest);
	assert_true(vg_sv_eq_cstr(head, "a"));
	assert_true(vg_sv_eq_cstr(rest, "b$c"));
	head = vg_sv_cut(vg_sv_of("abc"), '$', &rest);
	assert_true(vg_sv_eq_cstr(head, "abc"));
	assert_null(rest.p);
	assert_true(vg_sv_eq_cstr(vg_sv_trim(vg_sv_of("  x y\t\r\n")), "x y"));
	assert_true(vg_sv_ieq_cstr(vg_sv_of("Female"), "FEMALE"));
	assert_int_equal(vg_parse_i64(vg_sv_of("-42"), &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(vg_parse_i64(vg_sv_of("12abc"), &v), VG_EINVAL);
	assert_int_equal(vg_parse_i64(vg_sv_of(""), &v), VG_EINVAL);
	assert_int_equal(vg_parse_i64(vg_sv_of(" 1"), &v), VG_EINVAL);
	assert_int_equal(vg_parse_i64(vg_sv_of("99999999999999999999"), &v), VG_ERANGE);
	assert_int_equal(vg_parse_double(vg_sv_of("2.5e3"), &d), 0);
	assert_true(d == 2500.0);
	assert_int_equal(vg_parse_double(vg_sv_of("2.5kg"), &d), VG_EINVAL);
}

static void test_map_interning(void **state)
{
	struct vg_map *m = vg_map_new(4);
	char key[32];
	bool added;
	size_t len;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(key, sizeof(key), "drug-%d", i);
		assert_int_equal(vg_map_intern(m, key, (size_t)n, &added), (uint32_t)i);
		assert_true(added);
	}
	assert_int_equal(vg_map_intern(m, "drug-77", 7, &added), 77);
	assert_false(added);
	assert_int_equal(vg_map_find(m, "drug-9999", 9), 9999);
	assert_int_equal(vg_map_find(m, "drug-10000", 10), UINT32_MAX);
	assert_string_equal(vg_map_key(m, 123, &len), "drug-123");
	assert_int_equal(len, 8);
	/* keys may contain NUL bytes and UTF-8 */
	assert_int_equal(vg_map_intern(m, "a\0b", 3, NULL), 10000);
	assert_int_equal(vg_map_find(m, "a\0c", 3), UINT32_MAX);
	assert_int_equal(vg_map_intern(m, "阿莫西林", strlen("阿莫西林"), NULL), 10001);
	assert_int_equal(vg_map_count(m), 10002);
	/* the hash computed elsewhere (the store's loader thread) gives the
	 * same ids as interning by key, both ways round */
	assert_int_equal(vg_map_intern_hashed(m, "drug-5", 6, vg_hash64("drug-5", 6), &added), 5);
	assert_false(added);
	assert_int_equal(vg_map_intern_hashed(m, "new", 3, vg_hash64("new", 3), &added), 10002);
	assert_true(added);
	assert_int_equal(vg_map_find(m, "new", 3), 10002);
	assert_int_equal(vg_map_intern(m, "new", 3, &added), 10002);
	assert_false(added);
	vg_map_free(m);
}

/* E2B(R3) partial dates: YYYY, YYYYMM, YYYYMMDD, with times. */
static void test_date_partial(void **state)
{
	struct vg_date d;
	char out[24];

	(void)state;
	d = D("2024");
	assert_int_equal(d.prec, VG_DATE_YEAR);
	d = D("202402");
	assert_int_equal(d.prec, VG_DATE_MONTH);
	assert_int_equal(d.month, 2);
	d = D("20240229");
	assert_int_equal(d.prec, VG_DATE_DAY);
	d = D("20240229103015+0800");
	assert_int_equal(d.prec, VG_DATE_SECOND);
	assert_int_equal(d.second, 15);
	d = D("2024-03-01T10:15");
	assert_int_equal(d.prec, VG_DATE_MINUTE);
	vg_date_format(&d, out);
	assert_string_equal(out, "202403011015");
	vg_date_format_iso(&d, out);
	assert_string_equal(out, "2024-03-01T10:15");
	d = D("");
	assert_int_equal(d.prec, VG_DATE_NONE);
	assert_int_equal(vg_date_parse(vg_sv_of("20230229"), &d), VG_ERANGE); /* not leap */
	assert_int_equal(vg_date_parse(vg_sv_of("20241301"), &d), VG_ERANGE);
	assert_int_equal(vg_date_parse(vg_sv_of("2024x"), &d), VG_EINVAL);
	assert_int_equal(vg_date_parse(vg_sv_of("202"), &d), VG_EINVAL);
	assert_int_equal(vg_date_parse(vg_sv_of("2024-3-1"), &d), VG_EINVAL);
}

/* Every precision, compact and ISO, byte for byte (the JSON and the store's
 * index columns carry these strings). */
static void test_date_format_every_precision(void **state)
{
	static const char *const compact[] = {"", "0987", "098701", "09870102", "0987010203",
	                                      "098701020304", "09870102030405"};
	static const char *const iso[] = {"", "0987", "0987-01", "0987-01-02", "0987-01-02T03",
	                                  "0987-01-02T03:04", "0987-01-02T03:04:05"};
	struct vg_date d = {987, 1, 2, 3, 4, 5, VG_DATE_NONE};
	char c[16], i[24];

	(void)state;
	for (int p = VG_DATE_NONE; p <= VG_DATE_SECOND; p++) {
		d.prec = (uint8_t)p;
		vg_date_format(&d, c);
		vg_date_format_iso(&d, i);
		assert_string_equal(c, compact[p]);
		assert_string_equal(i, iso[p]);
	}
	d = (struct vg_date){9999, 12, 31, 23, 59, 60, VG_DATE_SECOND}; /* leap second */
	vg_date_format_iso(&d, i);
	assert_string_equal(i, "9999-12-31T23:59:60");
	d = (struct vg_date){1, 1, 1, 0, 0, 0, VG_DATE_SECOND};
	vg_date_format(&d, c);
	assert_string_equal(c, "00010101000000");
	/* fields never set by the parser print as printf would ... */
	d = (struct vg_date){-5, 100, -3, 0, 0, 0, VG_DATE_DAY};
	vg_date_format_iso(&d, i);
	assert_string_equal(i, "-005-100--3");
	/* ... cut to the output's size, as snprintf cuts */
	d = (struct vg_date){-32768, -128, -128, -128, -128, -128, VG_DATE_SECOND};
	vg_date_format(&d, c);
	assert_string_equal(c, "-32768-128-128-");
	vg_date_format_iso(&d, i);
	assert_string_equal(i, "-32768--128--128T-128:-");
}

static void test_date_arithmetic(void **state)
{
	struct vg_date a, b;

	(void)state;
	a = D("19700101");
	assert_int_equal(vg_date_first_day(&a), 0);
	a = D("20240101");
	b = D("20240301");
	assert_int_equal(vg_date_first_day(&b) - vg_date_first_day(&a), 60); /* leap year */
	a = D("2023");
	assert_int_equal(vg_date_last_day(&a) - vg_date_first_day(&a), 364);
	a = D("202402");
	assert_int_equal(vg_date_last_day(&a) - vg_date_first_day(&a), 28);
	a = D("190002"); /* 1900 is not a leap year */
	assert_int_equal(vg_date_last_day(&a) - vg_date_first_day(&a), 27);
	a = D("200002"); /* 2000 is */
	assert_int_equal(vg_date_last_day(&a) - vg_date_first_day(&a), 28);
	for (int32_t z = -800000; z < 800000; z += 997) {
		struct vg_date r = vg_date_from_days(z);
		assert_int_equal(vg_date_first_day(&r), z);
	}
	/* comparison uses what both dates know */
	a = D("2024");
	b = D("20240615");
	assert_true(vg_date_cmp(&a, &b) < 0);
	a = D("20240616");
	assert_true(vg_date_cmp(&a, &b) > 0);
	a = D("");
	assert_true(vg_date_cmp(&a, &b) < 0);
}

static void test_alloc_and_strlcpy(void **state)
{
	(void)state;
	/* the aborting paths (overflow, out of memory) are not forked here */
	void *p = vg_xreallocarray(NULL, 4, 8);
	assert_non_null(p);
	free(p);
	char dst[4];
	assert_int_equal(vg_strlcpy(dst, "abcdef", sizeof(dst)), 6);
	assert_string_equal(dst, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_first_wins),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_json_escapes),
		cmocka_unit_test(test_fmt_i64),
		cmocka_unit_test(test_sv_and_parse),
		cmocka_unit_test(test_map_interning),
		cmocka_unit_test(test_date_partial),
		cmocka_unit_test(test_date_format_every_precision),
		cmocka_unit_test(test_date_arithmetic),
		cmocka_unit_test(test_alloc_and_strlcpy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
