/*
 * test_ingest_vaers.c - ingest/vaers.c on real VAERS rows (a 44-id subset
 * of the 1999 files, the NonDomestic spreadsheet re-save, the head of the
 * 2025 VAX/SYMPTOMS files; tests/data/vaers/PROVENANCE.md): versions per
 * (VAERS_ID, ORDER), Windows-1252, quoted fields, follow-ups of old ids,
 * files without ORDER, orphans rejected with file and line.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest_got.h"

#define DATA "tests/data/vaers/"

/* Run the vaers format over the NULL-terminated list of files in DATA. */
#define load(g, err, ...) got_load(g, "vaers", DATA, err, __VA_ARGS__)

/* The version of case id with source_version order. */
static const struct vg_case_version *find(struct got *g, const char *id, const char *order)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i]->case_id, id) &&
		    (!order || (g->v[i]->source_version && !strcmp(g->v[i]->source_version, order))))
			return g->v[i];
	fail_msg("no version %s/%s", id, order ? order : "-");
	return NULL;
}

static void test_1999_subset(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	/* files in any order: the sorter joins them */
	assert_int_equal(load(&g, &err, "1999VAERSVAX.csv", "1999VAERSSYMPTOMS.csv",
	                      "1999VAERSDATA.csv", NULL), 0);
	assert_int_equal(g.n, 52);                  /* one per DATA row = (id, ORDER) */
	assert_int_equal(g.st.rows_read, 52 + 104 + 70);
	assert_int_equal(g.st.rows_rejected, 0);

	/* 0121007: five submissions (ORDER 1-5), each with its own rows */
	const struct vg_case_version *v = find(&g, "VAERS-0121007", "1");
	assert_true(v->initial);
	assert_date(v->received, "1999-04-07");
	assert_int_equal(v->nproducts, 4);
	assert_string_equal(v->products[0].name, "DTAP (INFANRIX)");
	assert_null(v->products[0].route);
	assert_int_equal(v->nevents, 5);
	assert_string_equal(v->events[4].coded, "Sudden infant death syndrome");
	v = find(&g, "VAERS-0121007", "2");
	assert_false(v->initial);
	assert_date(v->received, "1999-04-12");
	assert_string_equal(v->products[3].name, "POLIO VIRUS, INACT. (NO BRAND NAME)");
	assert_string_equal(v->products[3].manufacturer, "PASTEUR MERIEUX INST.");
	assert_string_equal(v->products[0].route, "IM");
	assert_int_equal(v->nevents, 2);
	v = find(&g, "VAERS-0121007", "5");
	assert_date(v->received, "1999-04-29");
	assert_date(v->created, "1999-04-26");
	assert_int_equal(v->seriousness, VG_SER_DEATH);
	assert_true(v->serious);
	assert_true(fabs(v->age_years - 0.3) < 1e-9);
	assert_int_equal(v->age_group, VG_AGE_INFANT);
	assert_int_equal(v->sex, VG_SEX_MALE);
	assert_string_equal(v->region, "MI");
	assert_string_equal(v->country, "US");
	assert_date(v->products[0].start, "1999-03-30");
	assert_date(v->events[0].onset, "1999-03-31");
	assert_int_equal(v->events[0].outcome, VG_OUTCOME_NOT_RECOVERED);

	/* 0030453: a 1991 report followed up in 1999 (only ORDER 3 here) */
	v = find(&g, "VAERS-0030453", "3");
	assert_false(v->initial);
	assert_int_equal(v->seriousness, VG_SER_DISABILITY);
	assert_date(v->products[0].start, "1991-03-04");
	assert_string_equal(v->products[0].batch, "629AY");
	assert_string_equal(v->products[0].dose, "dose 3");
	assert_string_equal(v->products[0].ingredient, "HEP");

	/* 0128360: Windows-1252 0x96 becomes U+2013; backslash in VAX_MANU */
	v = find(&g, "VAERS-0128360", "1");
	assert_non_null(strstr(v->narrative, "24 hrs after vaccine \xe2\x80\x93" "DT."));
	assert_string_equal(v->products[0].manufacturer, "PFIZER\\WYETH");
	assert_int_equal(v->events[0].outcome, VG_OUTCOME_RECOVERED);
	assert_false(v->serious);
	assert_true(v->redacted);
	assert_int_equal(v->klass, VG_CLASS_VACCINE);
	assert_int_equal(v->products[0].klass, VG_CLASS_VACCINE);
	assert_true(vg_case_is_valid(v));

	/* 0117862: quoted fields with commas; narrative sections */
	v = find(&g, "VAERS-0117862", "1");
	assert_non_null(strstr(v->narrative, "\n\nOther medications: Glucophage,Amaryl"));
	assert_non_null(strstr(v->narrative, "\n\nHistory: diabetes, HTN"));
	assert_int_equal(v->seriousness, VG_SER_HOSPITALISATION);
	got_release(&g);
}

/* Spreadsheet re-save without ORDER (ids without leading zeros, M/D/YYYY). */
static void test_nondomestic_no_order(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "NonDomesticVAERSDATA.csv", "NonDomesticVAERSVAX.csv",
	                      "NonDomesticVAERSSYMPTOMS.csv", NULL), 0);
	assert_int_equal(g.n, 3);
	const struct vg_case_version *v = find(&g, "VAERS-0874013", NULL);
	assert_null(v->source_version);
	assert_true(v->initial);
	assert_date(v->received, "2020-06-22");
	assert_null(v->country); /* STATE FR: foreign */
	assert_null(v->region);
	assert_string_equal(v->products[0].name, "INFLUENZA (SEASONAL) (NO BRAND NAME)");
	assert_int_equal(v->nevents, 3);
	assert_string_equal(v->events[2].term, "Type III immune complex mediated reaction");
	got_release(&g);
}

/* VAX and SYMPTOMS rows without their DATA file: every row rejected. */
static void test_orphans(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "2025VAERSVAX_head.csv", "2025VAERSSYMPTOMS_head.csv",
	                      NULL), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.st.rows_read, 31 + 30);
	assert_int_equal(g.st.rows_rejected, 31 + 30);
	assert_non_null(strstr(g.rejects, "2025VAERSVAX_head.csv\t2\tVAERSVAX: no VAERSDATA row "
	                                  "for VAERS_ID 0791393 ORDER 2"));
	got_release(&g);
}

/* Bad rows in memory: wrong field count, bad id, open quote at the end. */
static void test_bad_rows(void **state)
{
	static const char data[] =
		"VAERS_ID,RECVDATE,STATE,SEX,SYMPTOM_TEXT,DIED,ORDER\r\n"
		"0000001,01/02/2020,CA,F,\"ok, quoted\",Y,1\r\n"
		"0000002,01/02/2020,CA\r\n"
		"ABC,01/02/2020,CA,F,x,,1\r\n"
		"0000003,01/02/2020,CA,F,\"never closed,,1\r\n";
	static const char big[] = "VAERS_ID,RECVDATE,SYMPTOM_TEXT\n12345678,01/02/2031,x\n"
	                          "2345678,01/02/2031,y\n";
	struct vg_ingest_mem in[2] = {{"d.csv", data, sizeof data - 1}, {"empty.csv", "", 0}};
	struct got g;
	struct vg_ingest_sink sink = {got_collect, NULL, &g};
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	memset(&g, 0, sizeof g);
	vg_arena_init(&g.a, 0);
	assert_int_equal(vg_ingest_vaers_mem(in, 2, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->case_id, "VAERS-0000001");
	assert_string_equal(g.v[0]->narrative, "ok, quoted");
	assert_int_equal(g.v[0]->seriousness, VG_SER_DEATH);
	assert_int_equal(g.st.rows_rejected, 3);
	/* 8-digit ids (after 9,999,999) stay whole: no collision with 7 digits */
	in[0] = (struct vg_ingest_mem){"big.csv", big, sizeof big - 1};
	g.n = 0;
	assert_int_equal(vg_ingest_vaers_mem(in, 1, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[0]->case_id, "VAERS-2345678");
	assert_string_equal(g.v[1]->case_id, "VAERS-12345678");
	in[0] = (struct vg_ingest_mem){"x.csv", "A,B\n1,2\n", 8};
	assert_int_equal(vg_ingest_vaers_mem(in, 1, NULL, &sink, &g.st, &err), VG_EPARSE);
	vg_arena_release(&g.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_1999_subset),
		cmocka_unit_test(test_nondomestic_no_order),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
