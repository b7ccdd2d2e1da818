/*
 * test_ingest_caers.c - ingest/caers.c on openEBGM's read.csv-mangled
 * CAERS subset (real rows) and on fixtures written in the four published
 * CAERS header sets (tests/data/caers/PROVENANCE.md): one case per report
 * id with one product per row, symptoms and outcomes unpacked, industry
 * code 53 / "Cosmetics" -> cosmetic class, rejects with file and line.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest_got.h"

#define DATA "tests/data/caers/"

static int load(struct got *g, const char *file)
{
	struct vg_err err = VG_ERR_INIT;

	return got_run(g, "caers", DATA, &file, 1, &err);
}

/* openEBGM's caers_raw: 117 rows, 114 reports, 290 (report, symptom). */
static void test_openebgm_raw(void **state)
{
	struct got g;
	size_t events = 0, products = 0;
	(void)state;
	assert_int_equal(load(&g, "openEBGM_caers_raw.csv"), 0);
	assert_int_equal(g.st.rows_read, 117);
	assert_int_equal(g.st.rows_rejected, 0);
	assert_int_equal(g.n, 114);
	for (size_t i = 0; i < g.n; i++) {
		events += g.v[i]->nevents;
		products += g.v[i]->nproducts;
		assert_true(vg_case_is_valid(g.v[i]));
	}
	assert_int_equal(events, 290);
	assert_int_equal(products, 117);
	const struct vg_case_version *v = got_find(&g, "CAERS-75693"); /* two product rows */
	assert_int_equal(v->nproducts, 2);
	assert_string_equal(v->products[0].name, "LEMON TART");
	assert_string_equal(v->products[1].name, "ROLL");
	assert_int_equal(v->products[0].role, VG_ROLE_SUSPECT); /* no role column */
	assert_int_equal(v->nevents, 3);
	assert_string_equal(v->events[2].coded, "VOMITING");
	assert_int_equal(v->sex, VG_SEX_FEMALE);
	assert_true(isnan(v->age_value)); /* NA, Not Available */
	v = got_find(&g, "CAERS-75863");
	assert_true(v->age_value == 1.0);
	assert_string_equal(v->age_unit, "a");
	assert_int_equal(v->klass, VG_CLASS_FOOD);
	assert_true(v->redacted);
	got_release(&g);
}

/* Layout A (2004-2017Q2): FDA's example report 65325, a cosmetic with a
 * concomitant supplement on non-adjacent rows, rejects. */
static void test_layout_a(void **state)
{
	struct got g;
	(void)state;
	assert_int_equal(load(&g, "caers_layoutA.csv"), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.st.rows_rejected, 2);
	assert_non_null(strstr(g.rejects, "caers_layoutA.csv\t6\tCAERS: 11 fields, the header has 12"));
	assert_non_null(strstr(g.rejects, "caers_layoutA.csv\t7\tCAERS: no usable report id"));
	const struct vg_case_version *v = got_find(&g, "CAERS-65325");
	assert_date(v->created, "2004-01-01");
	assert_date(v->received, "2004-01-01");
	assert_date(v->events[0].onset, "2003-08-04");
	assert_int_equal(v->nevents, 6);
	assert_string_equal(v->events[4].term, "HOSPITALISATION");
	assert_int_equal(v->seriousness, VG_SER_HOSPITALISATION | VG_SER_OTHER);
	assert_string_equal(v->products[0].category, "3 Bakery Prod/Dough/Mix/Icing");
	assert_int_equal(v->age_group, VG_AGE_CHILD);
	v = got_find(&g, "CAERS-70001");
	assert_int_equal(v->klass, VG_CLASS_COSMETIC);
	assert_int_equal(v->nproducts, 2);
	assert_string_equal(v->products[0].name, "GLOW SERUM, NIGHT REPAIR");
	assert_int_equal(v->products[0].klass, VG_CLASS_COSMETIC);
	assert_int_equal(v->products[1].role, VG_ROLE_CONCOMITANT);
	assert_int_equal(v->products[1].klass, VG_CLASS_FOOD);
	assert_int_equal(v->nevents, 2); /* repeated on both rows, kept once */
	assert_false(v->serious);        /* NON-SERIOUS INJURIES/ ILLNESS */
	v = got_find(&g, "CAERS-70002");
	assert_string_equal(v->products[0].name, "REDACTED");
	assert_int_equal(v->seriousness, VG_SER_LIFE_THREATENING | VG_SER_OTHER);
	assert_string_equal(v->age_unit, "mo");
	assert_int_equal(v->age_group, VG_AGE_INFANT);
	v = got_find(&g, "CAERS-70004");
	assert_int_equal(v->seriousness, VG_SER_DEATH);
	assert_true(fabs(v->age_years - 30.0) < 1e-9); /* 3 Decade(s) */
	got_release(&g);
}

/* Layouts B (2018, DD-Mon-YY), C (2020-2025, BOM, CRLF, SUSPECT, leading
 * spaces, "Medically Important, ") and D (2026 HFCS, Windows-1252). */
static void test_layouts_bcd(void **state)
{
	struct got g;
	(void)state;
	assert_int_equal(load(&g, "caers_layoutB.csv"), 0);
	assert_int_equal(g.n, 1);
	assert_date(g.v[0]->created, "2017-01-02");
	assert_date(g.v[0]->events[0].onset, "2016-12-28");
	assert_int_equal(g.v[0]->klass, VG_CLASS_COSMETIC);
	assert_int_equal(g.v[0]->seriousness, VG_SER_HOSPITALISATION | VG_SER_DISABILITY);
	got_release(&g);

	assert_int_equal(load(&g, "caers_layoutC.csv"), 0);
	assert_int_equal(g.n, 1);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->case_id, "CAERS-2020-CFS-000123");
	assert_date(v->created, "2021-01-05");
	assert_int_equal(v->nproducts, 2);
	assert_string_equal(v->products[0].name, "EXEMPTION 4");
	assert_string_equal(v->products[0].category, "41G Dietary Conv Food/Meal Replacements");
	assert_string_equal(v->products[1].category, "23 Nuts/Edible Seed");
	assert_int_equal(v->products[1].role, VG_ROLE_CONCOMITANT);
	assert_int_equal(v->seriousness, VG_SER_OTHER);
	assert_int_equal(v->sex, VG_SEX_FEMALE);
	assert_string_equal(v->age_unit, "a");
	got_release(&g);

	assert_int_equal(load(&g, "caers_layoutD.csv"), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->products[0].name, "CR\xc3\x88ME BR\xc3\x9bL\xc3\x89" "E POWDER");
	assert_false(g.v[0]->serious); /* Other Outcome */
	got_release(&g);
}

/* Two cumulative releases holding the same report: the later one wins,
 * its products are not doubled. */
static void test_two_releases(void **state)
{
	static const char a[] = "RA_Report #,PRI_Reported Brand/Product Name,SYM_One Row Coded Symptoms\n"
	                        "1,OLD NAME,RASH\n2,OTHER,NAUSEA\n";
	static const char b[] = "Report ID,Product,MedDRA Preferred Terms\n"
	                        "1,NEW NAME,\"RASH, PRURITUS\"\n1,SECOND,\"RASH, PRURITUS\"\n";
	struct vg_ingest_mem in[2] = {{"a.csv", a, sizeof a - 1}, {"b.csv", b, sizeof b - 1}};
	struct got g;
	struct vg_ingest_sink sink = {got_collect, NULL, &g};
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	memset(&g, 0, sizeof g);
	vg_arena_init(&g.a, 0);
	assert_int_equal(vg_ingest_caers_mem(in, 2, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 2);
	const struct vg_case_version *v = got_find(&g, "CAERS-1");
	assert_int_equal(v->nproducts, 2);
	assert_string_equal(v->products[0].name, "NEW NAME");
	assert_int_equal(v->nevents, 2);
	assert_string_equal(got_find(&g, "CAERS-2")->products[0].name, "OTHER");
	vg_arena_release(&g.a);
}

static void test_not_caers(void **state)
{
	struct got g;
	struct vg_ingest_sink sink = {got_collect, NULL, &g};
	struct vg_err err = VG_ERR_INIT;
	struct vg_ingest_mem in[1] = {{"x.csv", "a,b\n1,2\n", 8}};
	(void)state;
	memset(&g, 0, sizeof g);
	vg_arena_init(&g.a, 0);
	assert_int_equal(vg_ingest_caers_mem(in, 1, NULL, &sink, &g.st, &err), VG_EPARSE);
	assert_string_equal(err.field, "x.csv");
	in[0] = (struct vg_ingest_mem){"e.csv", "", 0};
	vg_err_clear(&err);
	assert_int_equal(vg_ingest_caers_mem(in, 1, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 0);
	vg_arena_release(&g.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openebgm_raw),
		cmocka_unit_test(test_layout_a),
		cmocka_unit_test(test_layouts_bcd),
		cmocka_unit_test(test_two_releases),
		cmocka_unit_test(test_not_caers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
