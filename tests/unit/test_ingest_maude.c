/*
 * test_ingest_maude.c - ingest/maude.c on the openFDA MAUDE fixtures (2014
 * and 2016), a header-less foitext excerpt of 2007, and hand-written files
 * in FDA's current upper-case layouts (tests/data/maude/PROVENANCE.md):
 * the join across files, both date styles, unbalanced quotes, keys written
 * " 1234567.0", split records, Change files, rejects with file and line.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest_got.h"

#define DATA "tests/data/maude/"

/* Run the maude format over the NULL-terminated list of files in DATA. */
#define load(g, err, ...) got_load(g, "maude", DATA, err, __VA_ARGS__)

/* openFDA 2014 fixtures: DD-MON-YY patient dates, "1,L;2,R;" outcomes,
 * an unbalanced quote in a brand name, three devices without a report. */
static void test_openfda_2014(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "mdrfoi_2014.txt", "foidev_2014.txt", "foitext_2014.txt",
	                      "patient_2014.txt", NULL), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.st.rows_read, 13);
	assert_int_equal(g.st.rows_rejected, 3);
	assert_int_equal(g.rj.count, 3);
	assert_non_null(strstr(g.rejects, "foidev_2014.txt\t4\tdevice: no mdrfoi record for "
	                                  "MDR_REPORT_KEY 1511543"));
	const struct vg_case_version *v = got_find(&g, "MAUDE-538836");
	assert_string_equal(v->report_id, "2248721-2004-00001");
	assert_string_equal(v->unit, "2248721");
	assert_string_equal(v->source, "maude");
	assert_true(v->redacted);
	assert_true(vg_case_is_valid(v));
	assert_int_equal(v->klass, VG_CLASS_DEVICE);
	assert_date(v->received, "2004-08-01");
	assert_date(v->created, "2004-06-18");
	assert_date(v->aware, "2004-06-10");
	assert_true(v->initial);
	assert_int_equal(v->qualification, VG_QUAL_OTHER_HCP); /* 000 + HEALTH_PROFESSIONAL Y */
	assert_int_equal(v->seriousness, VG_SER_LIFE_THREATENING | VG_SER_OTHER); /* 1,L;2,R; */
	assert_true(v->serious);
	assert_int_equal(v->nproducts, 1);
	const struct vg_product *p = &v->products[0];
	assert_int_equal(p->klass, VG_CLASS_DEVICE);
	assert_int_equal(p->role, VG_ROLE_SUSPECT);
	assert_string_equal(p->name, "HEMOCHRON COAGULATION SYSTEM");
	assert_string_equal(p->ingredient, "K-ACT CLOTTING TIME TEST");
	assert_string_equal(p->manufacturer, "INTERNATIONAL TECHNIDYNE CORP.");
	assert_string_equal(p->device_model, "401 / K-ACT");
	assert_string_equal(p->category, "JPA");
	assert_string_equal(p->batch, "UNK");
	assert_int_equal(v->nevents, 1);
	assert_string_equal(v->events[0].term, "Injury"); /* EVENT_TYPE IN */
	assert_non_null(strstr(v->narrative, "Event description: MFG RECEIVED REPORT FROM A "
	                                     "PERFUSIONIST"));
	assert_non_null(strstr(v->narrative, "\n\nAdditional manufacturer narrative: ETIOLOGY"));
	v = got_find(&g, "MAUDE-1511544");
	assert_string_equal(v->products[0].name, "\"TC 410, 20 GAUGE, 10MM DISPOS");
	assert_int_equal(v->seriousness, VG_SER_OTHER); /* 1,O; */
	assert_date(v->created, "2009-09-08");
	got_release(&g);
}

/* The 2016 foidev (28-field rows under a 45-field header, unsorted) given
 * after the 2014 one replaces its rows of the same device. */
static void test_openfda_2016_overrides(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "mdrfoi_2014.txt", "foidev_2014.txt", "foidev_2016.txt",
	                      "patient_2016.txt", NULL), 0);
	assert_int_equal(g.n, 2);
	const struct vg_case_version *v = got_find(&g, "MAUDE-1511544");
	assert_int_equal(v->nproducts, 1);
	assert_string_equal(v->products[0].name, "\"\"\"TC 410, 20 GAUGE, 10MM DISPOS\"");
	assert_int_equal(got_find(&g, "MAUDE-538836")->seriousness,
	                 VG_SER_LIFE_THREATENING | VG_SER_OTHER); /* "1. L; 2. R" */
	assert_int_equal(g.st.rows_rejected, 3 + 3 + 3); /* orphans of 3 keys in 3 files */
	got_release(&g);
}

/* FDA's current layouts: 86-column mdrfoi, 34-column DEVICE with UDI, the
 * 10-column patient file, problem-code files, a Change file. */
static void test_fda_layouts(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "mdrfoi_2024.txt", "DEVICE2024.txt", "patient_2024.txt",
	                      "foitext_2024.txt", "patientproblemcode_2024.txt",
	                      "foidevproblem_2024.txt", "mdrfoiChange_2024.txt", NULL), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.st.rows_rejected, 2);
	assert_non_null(strstr(g.rejects, "foidevproblem_2024.txt\t3\tdevice problem: line does "
	                                  "not start with an MDR_REPORT_KEY"));
	assert_non_null(strstr(g.rejects, "DEVICE2024.txt\t6\tdevice: no mdrfoi record"));

	const struct vg_case_version *v = got_find(&g, "MAUDE-20000001");
	assert_string_equal(v->unit, "3012345678");
	assert_date(v->submitted, "2024-03-10");
	assert_int_equal(v->qualification, VG_QUAL_PHYSICIAN);
	assert_string_equal(v->country, "US");
	assert_int_equal(v->sex, VG_SEX_FEMALE);
	assert_true(v->age_value == 67.0);
	assert_int_equal(v->age_group, VG_AGE_ELDERLY);
	assert_true(fabs(v->weight_kg - 176 * 0.45359237) < 1e-9);
	assert_int_equal(v->seriousness, VG_SER_HOSPITALISATION | VG_SER_OTHER);
	assert_int_equal(v->nproducts, 2); /* key " 20000001.0" joins */
	assert_string_equal(v->products[0].name, "\"FLOWMAX 3000 INFUSION PUMP");
	assert_string_equal(v->products[0].udi, "00812345000012");
	assert_string_equal(v->products[0].batch, "L2401");
	assert_string_equal(v->products[1].name, "SET, ADMINISTRATION, INTRAVASCULAR");
	assert_string_equal(v->products[1].device_model, "AS-20");
	assert_int_equal(v->nevents, 3); /* 2199, 1802 (once), device 2993 */
	assert_string_equal(v->events[0].code, "2199");
	assert_string_equal(v->events[1].term, "patient problem 1802");
	assert_string_equal(v->events[2].term, "device problem 2993");
	assert_string_equal(v->narrative,
	                    "Event description: IT WAS REPORTED THAT THE PUMP DELIVERED A BOLUS OF "
	                    "10 ML WITHIN ONE MINUTE. THE PATIENT WAS HOSPITALISED \"FOR "
	                    "OBSERVATION.\n\nAdditional manufacturer narrative: THE PUMP WAS "
	                    "RETURNED; EVALUATION FOUND A CRACKED VALVE | SEE ATTACHED.");

	v = got_find(&g, "MAUDE-20000002");
	assert_date(v->received, "2024-04-02"); /* YYYY/MM/DD hh:mm:ss */
	assert_false(v->initial);                /* TYPE_OF_REPORT I,F */
	assert_int_equal(v->qualification, VG_QUAL_CONSUMER);
	assert_int_equal(v->seriousness, VG_SER_DEATH);
	assert_string_equal(v->products[0].udi, "(01)00898765000015(17)260101");
	assert_non_null(strstr(v->narrative, "CAF\xc3\x89 NOTE garbage line")); /* Latin-1, joined */

	v = got_find(&g, "MAUDE-20000003"); /* the Change file's record wins */
	assert_true(v->serious);
	assert_false(v->initial);
	assert_date(v->received, "2024-04-05"); /* YYYYMMDD */
	assert_int_equal(v->qualification, VG_QUAL_PHARMACIST);
	assert_int_equal(v->nevents, 1);
	assert_string_equal(v->events[0].code, "1546");
	got_release(&g);
}

/* Problem-code dictionaries name the events; a bad dictionary line is a
 * reject. */
static void test_problem_dictionaries(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "patientproblemdata.txt", "mdrfoi_2024.txt",
	                      "patientproblemcode_2024.txt", "foidevproblem_2024.txt",
	                      "deviceproblemcodes.txt", NULL), 0);
	assert_int_equal(g.n, 3);
	const struct vg_case_version *v = got_find(&g, "MAUDE-20000001");
	assert_int_equal(v->nevents, 3);
	assert_string_equal(v->events[0].code, "2199");
	assert_string_equal(v->events[0].coded, "Burn (test text)");
	assert_string_equal(v->events[0].term, "Burn (test text)");
	assert_string_equal(v->events[2].coded, "Fluid leak (test text)");
	assert_string_equal(got_find(&g, "MAUDE-20000003")->events[0].coded,
	                    "Display error, blank (test text)");
	assert_non_null(strstr(g.rejects, "patientproblemdata.txt\t4\tproblem dictionary"));
	got_release(&g);
}

/* Header-less foitext (2007 excerpt): recognised, every row rejected for
 * want of its mdrfoi record, with its own line number. */
static void test_headerless_text(void **state)
{
	struct got g;
	struct vg_err err = VG_ERR_INIT;
	(void)state;
	assert_int_equal(load(&g, &err, "foitext2007_head200.txt", NULL), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.st.rows_read, 200);
	assert_int_equal(g.st.rows_rejected, 200);
	assert_non_null(strstr(g.rejects, "foitext2007_head200.txt\t1\tfoitext: no mdrfoi record "
	                                  "for MDR_REPORT_KEY 866131"));
	got_release(&g);
}

/* In-memory inputs: a file that is not MAUDE is an error naming it; an
 * empty file is nothing; a short master row is rejected. */
static void test_mem_edges(void **state)
{
	static const char bad[] = "A,B,C\n1,2,3\n";
	static const char master[] = "MDR_REPORT_KEY|REPORT_NUMBER|DATE_RECEIVED|EVENT_TYPE\r\n"
	                             "1|1-2020-1|01/02/2020|M\r\n2|x\r\n";
	struct got g;
	struct vg_ingest_sink sink = {got_collect, NULL, &g};
	struct vg_err err = VG_ERR_INIT;
	struct vg_ingest_mem in[2] = {{"bad.txt", bad, sizeof bad - 1}, {"empty.txt", "", 0}};
	(void)state;
	memset(&g, 0, sizeof g);
	vg_arena_init(&g.a, 0);
	assert_int_equal(vg_ingest_maude_mem(in, 2, NULL, &sink, &g.st, &err), VG_EPARSE);
	assert_string_equal(err.field, "bad.txt");
	vg_err_clear(&err);
	assert_int_equal(vg_ingest_maude_mem(in + 1, 1, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 0);
	in[0] = (struct vg_ingest_mem){"m.txt", master, sizeof master - 1};
	assert_int_equal(vg_ingest_maude_mem(in, 1, NULL, &sink, &g.st, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->case_id, "MAUDE-1");
	assert_date(g.v[0]->received, "2020-01-02");
	assert_string_equal(g.v[0]->events[0].term, "Malfunction");
	assert_int_equal(g.st.rows_rejected, 1);
	vg_arena_release(&g.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openfda_2014),
		cmocka_unit_test(test_openfda_2016_overrides),
		cmocka_unit_test(test_fda_layouts),
		cmocka_unit_test(test_problem_dictionaries),
		cmocka_unit_test(test_headerless_text),
		cmocka_unit_test(test_mem_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
