/*
 * test_ingest_e2b.c - ingest/e2b.c and e2b_export.c on FDA's E2B(R3)
 * example instances and FAERS E2B(R2) XML (tests/data/e2b, PROVENANCE.md):
 * exact report counts and field values of named reports, rejects with
 * line numbers, hostile input (entities, truncation, invalid UTF-8), and
 * export -> re-import round trips compared through vg_case_to_json.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest_got.h"

#define DATA "tests/data/e2b/"

static int load_file(struct got *g, const char *path)
{
	struct vg_err err = VG_ERR_INIT;
	int rc = vg_ingest_e2b_file(path, &g->sink, &g->st, &g->rj, &err);
	fflush(g->rf);
	return rc;
}

static int load_mem(struct got *g, const char *xml, size_t len)
{
	struct vg_err err = VG_ERR_INIT;
	int rc = vg_ingest_e2b_buffer(xml, len, "mem.xml", &g->sink, &g->st, &g->rj, &err);
	fflush(g->rf);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct vg_buf b = VG_BUF_INIT(0);
	char chunk[65536];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(vg_buf_append(&b, chunk, n), 0);
	fclose(f);
	return vg_buf_detach(&b, len);
}

/* E2B(R3) C.1, C.2, D, E.i, G.k, G.k.9.i of FDA Scenario 1. */
static void test_r3_scenario1(void **state)
{
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_file(&g, DATA "FAERS2022Scenario1.xml"), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.st.rows_read, 1);
	assert_int_equal(g.st.rows_rejected, 0);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->case_id, "US-APHARMA-8744554B");   /* C.1.8.1 */
	assert_string_equal(v->report_id, "US-APHARMA-8744554B"); /* C.1.1 */
	assert_string_equal(v->source, "e2b");
	assert_string_equal(v->unit, "4567AB89012"); /* N.2.r.2 */
	assert_int_equal(v->report_type, VG_RT_SPONTANEOUS); /* C.1.3 */
	assert_date(v->created, "2014-07-14T15:16:17");     /* C.1.2 */
	assert_date(v->received, "2022-06-14T10:10:10");    /* C.1.4 */
	assert_date(v->latest, "2022-06-14T10:10:10");      /* C.1.5 */
	assert_false(v->nullified);
	assert_int_equal(v->qualification, VG_QUAL_PHYSICIAN); /* C.2.r.4 */
	assert_string_equal(v->country, "US");
	assert_string_equal(v->reporter_name, "Doctor Roger Robertson");
	assert_string_equal(v->reporter_phone, "6102227777");
	assert_string_equal(v->patient_id, "JD"); /* D.1 */
	assert_int_equal(v->sex, VG_SEX_MALE);
	assert_true(v->age_value == 48.0);
	assert_string_equal(v->age_unit, "a");
	assert_true(fabs(v->age_years - 48.0) < 1e-9);
	assert_int_equal(v->age_group, VG_AGE_ADULT);
	assert_date(v->birth, "2001-06-15");
	assert_true(isnan(v->weight_kg));
	assert_int_equal(v->nproducts, 3);
	assert_int_equal(v->products[0].role, VG_ROLE_SUSPECT); /* G.k.1 */
	assert_int_equal(v->products[1].role, VG_ROLE_SUSPECT);
	assert_int_equal(v->products[2].role, VG_ROLE_CONCOMITANT);
	assert_string_equal(v->products[0].name, "Drug A");
	assert_string_equal(v->products[0].ingredient, "Ingredient A");
	assert_string_equal(v->products[0].manufacturer, "Big Pharma A Drug");
	assert_string_equal(v->products[0].approval_no, "NDA012345");
	assert_string_equal(v->products[0].route, "Oral");
	assert_string_equal(v->products[0].batch, "UNKNOWN");
	assert_string_equal(v->products[0].indication, "Embolism venous");
	assert_string_equal(v->products[2].name, "Drug C");
	assert_int_equal(v->nevents, 2);
	assert_string_equal(v->events[0].code, "10027940"); /* E.i.2.1b */
	assert_string_equal(v->events[0].term, "THROMBOSE VEINEUSE PROFONDE");
	assert_date(v->events[0].onset, "2014-10-10");
	assert_int_equal(v->events[0].outcome, VG_OUTCOME_NOT_RECOVERED); /* E.i.7 */
	assert_int_equal(v->events[0].seriousness, VG_SER_DISABILITY | VG_SER_OTHER);
	assert_int_equal(v->events[1].outcome, VG_OUTCOME_RECOVERED);
	assert_int_equal(v->events[1].seriousness, VG_SER_OTHER);
	assert_int_equal(v->seriousness, VG_SER_DISABILITY | VG_SER_OTHER);
	assert_true(v->serious);
	assert_int_equal(v->ncausality, 4); /* G.k.9.i.2.r */
	assert_int_equal(v->causality[1].product, 0);
	assert_int_equal(v->causality[1].event, 1);
	assert_string_equal(v->causality[1].source, "PRIMARY SOURCE REPORTER");
	assert_string_equal(v->causality[1].method, "Global Introspection");
	assert_string_equal(v->causality[1].result, "Suspected");
	assert_int_equal(v->causality[2].product, 1);
	assert_string_equal(v->causality[2].result, "Not Suspected");
	assert_true(vg_case_is_valid(v));
	assert_false(v->redacted);
	got_release(&g);
}

/* Every FDA scenario: one report each, with its own specifics. */
static void test_r3_all_scenarios(void **state)
{
	static const struct {
		const char *file, *case_id, *first_product;
		int rt;
		size_t np, ne;
	} want[] = {
		{"FAERS2022Scenario2.xml", "US-APHARMA-8744554B", "Drug A", 1, 3, 2},
		{"FAERS2022Scenario3.xml", "US-APHARMA-8744554B", "MK-001", 2, 3, 2},
		{"FAERS2022Scenario4.xml", "US-APHARMA-222222222", "AA-001", 2, 1, 2},
		{"FAERS2022Scenario5-1.xml", "US-APHARMA-234545656", "TEST", 2, 3, 2},
		{"FAERS2022Scenario5-2.xml", "US-APHARMA-234545656",
		 "Vehicle Patch for Buprenorphine Transdermal System", 2, 3, 2},
		{"FAERS2022Scenario5-3.xml", "US-APHARMA-234545656", "Drug Z (No drug exposure)", 2, 3, 2},
		{"FAERS2022Scenario6.xml", "US-APHARMA-8744554B", "Drug A", 1, 2, 2},
		{"FAERS2022Scenario7.xml", "US-APHARMA-8744554B", "Drug A", 1, 2, 1},
		{"FAERS2022Scenario8.xml", "US-APHARMA-8744554B", "MK-001", 1, 3, 2},
	};
	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(want); i++) {
		struct got g;
		char path[256];
		got_init(&g);
		snprintf(path, sizeof path, DATA "%s", want[i].file);
		assert_int_equal(load_file(&g, path), 0);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.v[0]->case_id, want[i].case_id);
		assert_string_equal(g.v[0]->products[0].name, want[i].first_product);
		assert_int_equal(g.v[0]->report_type, want[i].rt);
		assert_int_equal(g.v[0]->nproducts, want[i].np);
		assert_int_equal(g.v[0]->nevents, want[i].ne);
		got_release(&g);
	}
}

/* Scenario 6 ("mega" instance, bare CR line ends, 2 MB of base64 in
 * attachments): UTF-8 survives; the organisation and several substances. */
static void test_r3_scenario6(void **state)
{
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_file(&g, DATA "FAERS2022Scenario6.xml"), 0);
	assert_int_equal(g.n, 1);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->events[0].term, "consci\xc3\xaancia alterada");
	assert_string_equal(v->reporter_name, "Dr. Jerome James Jacobs");
	assert_string_equal(v->reporter_org, "Pharma Company");
	assert_string_equal(v->region, "NJ"); /* C.2.r.2.4 */
	assert_string_equal(v->reporter_phone, "3334445555");
	assert_string_equal(v->products[0].ingredient,
	                    "TERBINAFINE HYDROCHLORIDE\\ARGEMONE MEXICANA SEED OIL");
	assert_string_equal(v->products[0].batch, "4577BN2");
	assert_string_equal(v->products[0].route, "Free text route content");
	assert_string_equal(v->products[0].dose,
	                    "unstructured dosing information, e.g. take by mouth 2 times a day "
	                    "with food");
	assert_date(v->products[0].start, "2009-01-01");
	got_release(&g);
}

/* E2B(R2) FAERS XML 2022Q1: DOCTYPE with an unshipped DTD, 7 reports. */
static void test_r2_adr22q1(void **state)
{
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_file(&g, DATA "faers_xml_ADR22Q1_subset.xml"), 0);
	assert_int_equal(g.n, 7);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->case_id, "FAERS-19454107"); /* A.1.0.1, named as faers.c */
	assert_string_equal(v->report_id, "194541073");    /* caseid + caseversion */
	assert_string_equal(v->source_version, "3");
	assert_true(v->redacted); /* sender "FDA-Public Use": a public release */
	assert_date(v->received, "2021-06-23"); /* A.1.6 */
	assert_date(v->latest, "2022-01-04");   /* A.1.7 */
	assert_int_equal(v->qualification, VG_QUAL_OTHER_HCP);
	assert_false(v->serious);
	assert_int_equal(v->nproducts, 1);
	const struct vg_product *p = &v->products[0];
	assert_string_equal(p->name, "NOURIANZ");
	assert_string_equal(p->ingredient, "ISTRADEFYLLINE");
	assert_string_equal(p->batch, "CDNCX");
	assert_string_equal(p->approval_no, "22075");
	assert_string_equal(p->dose, "20 MG, ONE TABLET ONCE DAILY");
	assert_string_equal(p->route, "048");
	assert_string_equal(p->indication, "Parkinson^s disease");
	assert_date(p->start, "2020-11-13");
	assert_int_equal(p->action, 4);
	assert_int_equal(v->nevents, 2);
	assert_string_equal(v->events[0].coded, "Constipation");
	assert_int_equal(v->events[0].outcome, VG_OUTCOME_NOT_RECOVERED);
	v = g.v[1];
	assert_string_equal(v->case_id, "FAERS-20270107");
	assert_true(v->serious);
	assert_int_equal(v->seriousness, VG_SER_DISABILITY | VG_SER_OTHER); /* A.1.5.2 */
	assert_int_equal(v->sex, VG_SEX_MALE);
	assert_int_equal(v->nproducts, 3);
	assert_string_equal(g.v[6]->case_id, "FAERS-20368848");
	got_release(&g);
}

/* E2B(R2) 2012Q4 (no XML declaration, CRLF, messagetype ICSR) and the
 * openFDA SGML fixture. */
static void test_r2_adr12q4_and_sgm(void **state)
{
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_file(&g, DATA "faers_xml_ADR12Q4_subset.xml"), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.v[0]->case_id, "FAERS-7795712");
	assert_int_equal(g.v[0]->nproducts, 23);
	assert_int_equal(g.v[0]->nevents, 17);
	assert_true(fabs(g.v[0]->weight_kg - 87.09) < 1e-9);
	assert_string_equal(g.v[0]->events[0].coded, "Tardive dyskinesia");
	assert_int_equal(g.v[1]->report_type, VG_RT_STUDY);
	assert_string_equal(g.v[4]->case_id, "FAERS-7735661");
	got_release(&g);

	got_init(&g);
	assert_int_equal(load_file(&g, DATA "openfda_faers_event.sgm"), 0);
	assert_int_equal(g.n, 1);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->case_id, "4562564-7");
	assert_int_equal(v->nevents, 86);
	assert_int_equal(v->nproducts, 23);
	assert_true(v->age_value == 62.0);
	assert_string_equal(v->age_unit, "a"); /* B.1.2.2b 801 */
	assert_int_equal(v->sex, VG_SEX_FEMALE);
	assert_int_equal(v->seriousness,
	                 VG_SER_HOSPITALISATION | VG_SER_DISABILITY | VG_SER_OTHER);
	got_release(&g);
}

/* A batch of two messages (N.1 with two N.2.r): two versions in order. */
static void test_r3_batch_of_two(void **state)
{
	size_t l1, l4;
	char *s1 = slurp(DATA "FAERS2022Scenario1.xml", &l1);
	char *s4 = slurp(DATA "FAERS2022Scenario4.xml", &l4);
	char *m4 = strstr(s4, "<PORR_IN049016UV>"), *e4 = strstr(s4, "</PORR_IN049016UV>");
	char *e1 = strstr(s1, "</PORR_IN049016UV>");
	struct vg_buf b = VG_BUF_INIT(0);
	struct got g;
	(void)state;
	assert_non_null(m4);
	assert_non_null(e4);
	assert_non_null(e1);
	e1 += strlen("</PORR_IN049016UV>");
	e4 += strlen("</PORR_IN049016UV>");
	vg_buf_append(&b, s1, (size_t)(e1 - s1));
	vg_buf_append(&b, m4, (size_t)(e4 - m4));
	vg_buf_append(&b, e1, l1 - (size_t)(e1 - s1));
	got_init(&g);
	assert_int_equal(load_mem(&g, b.p, b.len), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[0]->case_id, "US-APHARMA-8744554B");
	assert_string_equal(g.v[1]->case_id, "US-APHARMA-222222222");
	assert_int_equal(g.v[1]->nproducts, 1);
	got_release(&g);
	/* the same as PORR_IN049018UV (same payload in the schema) */
	for (char *p = b.p; (p = strstr(p, "PORR_IN049016UV")) != NULL; p++)
		p[12] = '8';
	got_init(&g);
	assert_int_equal(load_mem(&g, b.p, b.len), 0);
	assert_int_equal(g.n, 2);
	got_release(&g);
	vg_buf_release(&b);
	free(s1);
	free(s4);
}

/* E2B(R2) as other senders write it: numeric MedDRA codes, a reaction as
 * reported, B.4.k.18 relatedness naming the reaction, A.1.13 nullification,
 * R2 age unit 802 (month) and R2 action 5 (unknown -> R3 0). */
static void test_r2_codes_causality_nullification(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?><ichicsr lang=\"en\"><safetyreport>"
		"<safetyreportid>DE-ACME-2020-1</safetyreportid><reporttype>1</reporttype>"
		"<casenullification>1</casenullification><nullificationreason>duplicate"
		"</nullificationreason><primarysource><reportergivename>Anna</reportergivename>"
		"<reporterfamilyname>Muster</reporterfamilyname><qualification>1</qualification>"
		"<reporterstate>Bayern</reporterstate><reportercountry>DE</reportercountry></primarysource>"
		"<sender><senderorganization>ACME</senderorganization></sender><patient>"
		"<patientinitial>AM</patientinitial><patientonsetage>18</patientonsetage>"
		"<patientonsetageunit>802</patientonsetageunit><patientsex>2</patientsex>"
		"<reaction><primarysourcereaction>Hautausschlag</primarysourcereaction>"
		"<reactionmeddraversionllt>24.0</reactionmeddraversionllt>"
		"<reactionmeddrallt>10037844</reactionmeddrallt><reactionmeddrapt>10037844"
		"</reactionmeddrapt><reactionoutcome>6</reactionoutcome></reaction>"
		"<drug><drugcharacterization>3</drugcharacterization><medicinalproduct>X</medicinalproduct>"
		"<actiondrug>5</actiondrug><drugreactionrelatedness><drugreactionasses>10037844"
		"</drugreactionasses><drugassessmentsource>Reporter</drugassessmentsource>"
		"<drugassessmentmethod>Global introspection</drugassessmentmethod>"
		"<drugresult>Possible</drugresult></drugreactionrelatedness></drug>"
		"</patient></safetyreport></ichicsr>";
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, xml, sizeof xml - 1), 0);
	assert_int_equal(g.n, 1);
	const struct vg_case_version *v = g.v[0];
	assert_string_equal(v->case_id, "DE-ACME-2020-1"); /* not FDA: kept as given */
	assert_false(v->redacted);
	assert_true(v->nullified);                        /* A.1.13 */
	assert_string_equal(v->nullify_reason, "duplicate");
	assert_string_equal(v->reporter_name, "Anna Muster");
	assert_string_equal(v->country, "DE");
	assert_string_equal(v->region, "Bayern");
	assert_string_equal(v->age_unit, "mo");
	assert_true(fabs(v->age_years - 1.5) < 0.01);
	assert_string_equal(v->events[0].term, "Hautausschlag");
	assert_string_equal(v->events[0].code, "10037844");
	assert_null(v->events[0].coded);
	assert_int_equal(v->events[0].outcome, VG_OUTCOME_UNKNOWN);
	assert_int_equal(v->products[0].role, VG_ROLE_INTERACTING);
	assert_int_equal(v->products[0].action, 0);
	assert_int_equal(v->ncausality, 1);
	assert_int_equal(v->causality[0].event, 0);
	assert_string_equal(v->causality[0].result, "Possible");
	assert_string_equal(v->causality[0].method, "Global introspection");
	got_release(&g);
}

/* The buffer API gives the same as the file API. */
static void test_buffer_api(void **state)
{
	struct got g;
	size_t len;
	char *xml = slurp(DATA "faers_xml_ADR22Q1_subset.xml", &len);
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, xml, len), 0);
	assert_int_equal(g.n, 7);
	assert_string_equal(g.v[3]->case_id, "FAERS-19264942");
	got_release(&g);
	free(xml);
}

/* A truncated file: the reports before the cut are kept, the rest is one
 * reject with the line, and the call says VG_EPARSE. */
static void test_truncated(void **state)
{
	struct got g;
	size_t len;
	char *xml = slurp(DATA "faers_xml_ADR22Q1_subset.xml", &len);
	char *cut = strstr(xml, "<safetyreportid>19264942");
	(void)state;
	assert_non_null(cut);
	got_init(&g);
	assert_int_equal(load_mem(&g, xml, (size_t)(cut - xml) + 20), VG_EPARSE);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.rj.count, 1);
	assert_non_null(strstr(g.rejects, "mem.xml\t"));
	assert_non_null(strstr(g.rejects, "XML error"));
	got_release(&g);
	free(xml);
}

/* Entity declarations (billion laughs, external entities) are refused
 * before any content is read. */
static void test_entities_refused(void **state)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE ichicsr [\n"
		"<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
		"<ichicsr><safetyreport><safetyreportid>1</safetyreportid>"
		"<patient><reaction><reactionmeddrapt>&c;</reactionmeddrapt></reaction></patient>"
		"</safetyreport></ichicsr>\n";
	static const char xxe[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE ichicsr [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
		"<ichicsr><safetyreport><safetyreportid>&x;</safetyreportid></safetyreport></ichicsr>\n";
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, laughs, sizeof laughs - 1), VG_EPARSE);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rj.count, 1); /* libxml2's amplification guard or ours */
	got_release(&g);
	got_init(&g);
	assert_int_equal(load_mem(&g, xxe, sizeof xxe - 1), VG_EPARSE);
	assert_int_equal(g.n, 0);
	assert_non_null(strstr(g.rejects, "entity declarations are not allowed"));
	got_release(&g);
}

/* Invalid UTF-8 (FAERS quarters) becomes U+FFFD; C0 controls a space. */
static void test_invalid_utf8_repaired(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ichicsr><safetyreport>"
		"<safetyreportid>42</safetyreportid><patient><reaction>"
		"<reactionmeddrapt>Rash \xff\x01x</reactionmeddrapt></reaction></patient>"
		"</safetyreport></ichicsr>\n";
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, xml, sizeof xml - 1), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->events[0].coded, "Rash \xef\xbf\xbd x");
	got_release(&g);
}

/* A report without an id or with a bad date is rejected with its line;
 * the next report still arrives. */
static void test_report_rejects(void **state)
{
	static const char xml[] =
		"<ichicsr>\n<safetyreport><safetyreportversion>1</safetyreportversion></safetyreport>\n"
		"<safetyreport><safetyreportid>7</safetyreportid><receivedate>20211345</receivedate>\n"
		"</safetyreport>\n<safetyreport><safetyreportid>8</safetyreportid></safetyreport>\n"
		"</ichicsr>\n";
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, xml, sizeof xml - 1), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->case_id, "8");
	assert_int_equal(g.st.rows_read, 3);
	assert_int_equal(g.st.rows_rejected, 2);
	assert_non_null(strstr(g.rejects, "mem.xml\t2\tA.1.0.1: report has no case identifier"));
	assert_non_null(strstr(g.rejects, "mem.xml\t3\tA.1.6: bad date '20211345'"));
	got_release(&g);
}

/* Not XML at all, and an empty input. */
static void test_garbage(void **state)
{
	struct got g;
	(void)state;
	got_init(&g);
	assert_int_equal(load_mem(&g, "MDR_REPORT_KEY|X\n1|2\n", 20), VG_EPARSE);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rj.count, 1);
	got_release(&g);
	got_init(&g);
	assert_int_equal(load_mem(&g, "", 0), VG_EPARSE);
	got_release(&g);
	/* well-formed XML without an ICSR (a VICH animal message, say) */
	got_init(&g);
	static const char vich[] = "<MCCI_IN200100UV01><PORR_IN049006UV/></MCCI_IN200100UV01>";
	assert_int_equal(load_mem(&g, vich, sizeof vich - 1), VG_EPARSE);
	assert_int_equal(g.rj.count, 1);
	assert_non_null(strstr(g.rejects, "mem.xml\t1\tno ICSR found (document element "
	                                  "<MCCI_IN200100UV01>)"));
	got_release(&g);
}

/* ------------------------------------------------------------ export */

static char *json_of(const struct vg_case_version *v)
{
	struct vg_buf b = VG_BUF_INIT(0);
	assert_int_equal(vg_case_to_json(v, &b), 0);
	return vg_buf_detach(&b, NULL);
}

/* Export, re-import, compare JSON (source and initial excepted: not
 * carried / derived, see e2b_export.c). */
static void roundtrip(const struct vg_case_version *orig)
{
	struct vg_buf x = VG_BUF_INIT(0);
	struct vg_err err = VG_ERR_INIT;
	struct got g;
	struct vg_arena a = VG_ARENA_INIT;

	assert_int_equal(vg_e2b_export(orig, &x, &err), 0);
	got_init(&g);
	assert_int_equal(load_mem(&g, x.p, x.len), 0);
	assert_int_equal(g.n, 1);
	vg_arena_init(&a, 0);
	struct vg_case_version *want = vg_case_copy(orig, &a);
	want->source = "e2b";
	want->source_version = NULL;
	want->initial = g.v[0]->initial;
	want->redacted = false;
	char *j1 = json_of(want), *j2 = json_of(g.v[0]);
	assert_string_equal(j1, j2);
	free(j1);
	free(j2);
	vg_arena_release(&a);
	got_release(&g);
	vg_buf_release(&x);
}

static void test_export_roundtrip_r3(void **state)
{
	static const char *const files[] = {
		"FAERS2022Scenario1.xml", "FAERS2022Scenario2.xml", "FAERS2022Scenario3.xml",
		"FAERS2022Scenario4.xml", "FAERS2022Scenario5-1.xml", "FAERS2022Scenario5-2.xml",
		"FAERS2022Scenario5-3.xml", "FAERS2022Scenario6.xml", "FAERS2022Scenario7.xml",
		"FAERS2022Scenario8.xml",
	};
	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(files); i++) {
		struct got g;
		char path[256];
		got_init(&g);
		snprintf(path, sizeof path, DATA "%s", files[i]);
		assert_int_equal(load_file(&g, path), 0);
		roundtrip(g.v[0]);
		got_release(&g);
	}
}

/* A hand-built Chinese case with the fields E2B carries, including
 * nullification, amendment text, escaping and partial dates. */
static void test_export_roundtrip_built(void **state)
{
	struct vg_arena a = VG_ARENA_INIT;
	(void)state;
	vg_arena_init(&a, 0);
	struct vg_case_version *v = vg_case_new(&a);
	v->case_id = "CN-HOSP1-2024-0001";
	v->report_id = "CN-HOSP1-2024-0001-F1";
	v->source = "e2b";
	v->unit = "U440100";
	v->report_type = VG_RT_SPONTANEOUS;
	v->nullified = true;
	v->nullify_reason = "重复报告 <dup> & \"quoted\"";
	assert_int_equal(vg_date_parse(vg_sv_of("20240301"), &v->created), 0);
	assert_int_equal(vg_date_parse(vg_sv_of("202402"), &v->received), 0);
	assert_int_equal(vg_date_parse(vg_sv_of("20240301"), &v->latest), 0);
	v->country = "CN";
	v->region = "440100";
	v->qualification = VG_QUAL_PHARMACIST;
	v->reporter_name = "王 药师";
	v->reporter_org = "某市人民医院";
	v->patient_id = "张某";
	v->sex = VG_SEX_FEMALE;
	v->age_value = 34;
	v->age_unit = "a";
	v->age_years = vg_case_age_years(34, "a");
	v->age_group = VG_AGE_ADULT;
	v->weight_kg = 58.5;
	v->narrative = "line one\nline two\twith tab";
	struct vg_product *p = vg_case_add_product(v, &a);
	p->role = VG_ROLE_SUSPECT;
	p->klass = VG_CLASS_DRUG;
	p->name = "头孢曲松钠注射液";
	p->ingredient = "头孢曲松钠";
	p->batch = "B2024-01";
	p->route = "静脉滴注";
	p->dose = "2 g qd";
	p->indication = "肺炎";
	p->approval_no = "国药准字H20000000";
	p->manufacturer = "某制药有限公司";
	p->action = 1;
	assert_int_equal(vg_date_parse(vg_sv_of("20240226"), &p->start), 0);
	struct vg_event *e = vg_case_add_event(v, &a);
	e->term = "皮疹";
	e->coded = "Rash";
	e->code = "10037844";
	e->outcome = VG_OUTCOME_RECOVERED;
	e->seriousness = VG_SER_HOSPITALISATION;
	assert_int_equal(vg_date_parse(vg_sv_of("20240227"), &e->onset), 0);
	v->seriousness = VG_SER_HOSPITALISATION;
	v->serious = true;
	v->klass = VG_CLASS_DRUG;
	struct vg_causality *k = vg_case_add_causality(v, &a);
	k->product = 0;
	k->event = 0;
	k->source = "reporter";
	k->method = "WHO-UMC";
	k->result = "很可能";
	roundtrip(v);
	vg_arena_release(&a);
}

/* Case-level criteria without an event (E2B(R2) cases) travel on every
 * event; no case id is an error. */
static void test_export_edges(void **state)
{
	struct got g;
	struct vg_buf x = VG_BUF_INIT(0);
	struct vg_err err = VG_ERR_INIT;
	struct vg_arena a = VG_ARENA_INIT;
	(void)state;
	got_init(&g);
	assert_int_equal(load_file(&g, DATA "faers_xml_ADR22Q1_subset.xml"), 0);
	assert_int_equal(vg_e2b_export(g.v[1], &x, &err), 0);
	got_release(&g);
	got_init(&g);
	assert_int_equal(load_mem(&g, x.p, x.len), 0);
	assert_int_equal(g.v[0]->seriousness, VG_SER_DISABILITY | VG_SER_OTHER);
	assert_int_equal(g.v[0]->events[0].seriousness, VG_SER_DISABILITY | VG_SER_OTHER);
	got_release(&g);
	vg_arena_init(&a, 0);
	struct vg_case_version *v = vg_case_new(&a);
	assert_int_equal(vg_e2b_export(v, &x, &err), VG_EINVAL);
	/* a stray non-UTF-8 byte and a C0 control must not break the XML */
	v->case_id = "X-1";
	v->narrative = "caf\xe9 \x01 ok \xef\xbf\xbe";
	vg_buf_reset(&x);
	assert_int_equal(vg_e2b_export(v, &x, &err), 0);
	got_init(&g);
	assert_int_equal(load_mem(&g, x.p, x.len), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0]->narrative, "caf\xef\xbf\xbd   ok \xef\xbf\xbd");
	got_release(&g);
	vg_arena_release(&a);
	vg_buf_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r3_scenario1),
		cmocka_unit_test(test_r3_all_scenarios),
		cmocka_unit_test(test_r3_scenario6),
		cmocka_unit_test(test_r2_adr22q1),
		cmocka_unit_test(test_r2_adr12q4_and_sgm),
		cmocka_unit_test(test_r3_batch_of_two),
		cmocka_unit_test(test_r2_codes_causality_nullification),
		cmocka_unit_test(test_buffer_api),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_entities_refused),
		cmocka_unit_test(test_invalid_utf8_repaired),
		cmocka_unit_test(test_report_rejects),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_export_roundtrip_r3),
		cmocka_unit_test(test_export_roundtrip_built),
		cmocka_unit_test(test_export_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
