/*
 * test_terms.c - product-name cleaning and the dictionary (names seen in
 * the public FAERS samples, Chinese names), and the MedDRA loader (from a
 * folder and from memory) and roll-up on invented fixtures in the ASCII
 * distribution layout (tests/data/terms/PROVENANCE.md), with what
 * fuzz/fuzz_meddra.c found as regression cases.  Run from the source root.
 */
#include "vg.h"
#include "terms/terms.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#define FIX "tests/data/terms/"

static const char *clean(const char *s)
{
	static char out[VG_TERMS_NAME_MAX + 1];
	struct vg_buf b = VG_BUF_INIT(0);

	assert_int_equal(vg_terms_clean(s, &b), 0);
	vg_strlcpy(out, b.p, sizeof(out));
	vg_buf_release(&b);
	return out;
}

static const struct {
	const char *in, *out;
} cases[] = {
	/* FAERS / AERS verbatim spellings (shared/data/faers/) */
	{"ACYCLOVIR                          /00587301/", "acyclovir"},
	{"ACETAMINOPHEN.", "acetaminophen"},
	{"Simvastatin 40mg", "simvastatin"},
	{"ATORVASTATIN CALCIUM", "atorvastatin"},
	{"BUPROPION HYDROCHLORIDE SR", "bupropion"},
	{"AMIODARONE HCL", "amiodarone"},
	{"ADVAIR DISKUS 100/50", "advair diskus"},
	{"ADDERALL 10", "adderall"},
	{"PRISTIQ EXTENDED-RELEASE", "pristiq"},
	{"DORZOLAMIDE EYE DROPS", "dorzolamide"},
	{"(OXALIPLATIN) - SOLUTION- 85 MG/M2", "oxaliplatin"},
	{"ACETYLSALICYLIC ACID({=100 mg)", "acetylsalicylic acid"},
	{"LIPITOR (ATORVASTATIN CALCIUM)", "lipitor"},
	{"ACECLOFENAC (ACECLOFENAC)", "aceclofenac"},
	{"BACTRIM CONTINUING (SULFAMETOXAZOLE/TRIMETHOPRIM)", "bactrim"},
	{"FLUTICASONE PROPIONATE\\SALMETEROL XINAFOATE", "fluticasone/salmeterol"},
	{"BUDESONIDE\\FORMOTEROL FUMARATE DIHYDRATE", "budesonide/formoterol"},
	{"CILASTATIN SODIUM AND IMIPENEM", "cilastatin/imipenem"},
	{"GEMCITABINE\\GEMCITABINE HYDROCHLORIDE", "gemcitabine"},
	{"Trimethoprim/sulfamethoxazole", "trimethoprim/sulfamethoxazole"},
	{"PROCYCLIDINE HYDROCHLORIDE 2MG TAB", "procyclidine"},
	{"CALCIUM WITH VITAMIN D (ERGOCALCIFEROL, CALCIUM PHOSPHATE, CALCIUM SOD",
	 "calcium/vitamin d"},
	/* salts that are the drug stay */
	{"CALCIUM", "calcium"},
	{"CALCIUM CARBONATE", "calcium carbonate"},
	{"POTASSIUM CHLORIDE.", "potassium chloride"},
	{"MAGNESIUM OXIDE", "magnesium oxide"},
	{"FERROUS SULFATE TAB", "ferrous sulfate"},
	{"ISOTONIC SODIUM CHLORIDE", "isotonic sodium chloride"},
	{"MAGNESIUM CHLORIDE ANHYDROUS", "magnesium chloride"},
	/* strengths, forms */
	{"Amoxicillin 500 mg / Clavulanate 125 mg", "amoxicillin/clavulanate"},
	{"Insulin Glargine 100 units/mL", "insulin glargine"},
	{"Fentanyl 25 mcg/hr patch", "fentanyl"},
	{"Lipitor\xc2\xae 10 mg film-coated tablets", "lipitor"},
	{"Tablet", "tablet"},
	/* Chinese, full-width */
	{"ＡＳＰＩＲＩＮ　１００ｍｇ", "aspirin"},
	{"阿莫西林胶囊（阿莫仙）", "阿莫西林"},
	{"盐酸二甲双胍缓释片", "二甲双胍"},
	{"注射用头孢曲松钠", "头孢曲松"},
	{"苯磺酸氨氯地平片 5mg*7片", "氨氯地平"},
	{"双氯芬酸钠缓释胶囊", "双氯芬酸"},
	{"感冒灵颗粒", "感冒灵"},
	{"复方甘草口服溶液", "复方甘草"},
	{"0.9%氯化钠注射液", "氯化钠"},
	{"葡萄糖酸钙注射液", "葡萄糖酸钙"},
	{"硫酸镁注射液", "硫酸镁"},
	{"维生素C片", "维生素 c"},
	{"片", "片"},
};

static void test_clean_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		const char *got = clean(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			print_error("clean(\"%s\") = \"%s\", want \"%s\"\n", cases[i].in, got,
			            cases[i].out);
		assert_string_equal(got, cases[i].out);
		/* idempotent: a cleaned key cleans to itself (review files rely on it) */
		char again[VG_TERMS_NAME_MAX + 1];
		vg_strlcpy(again, got, sizeof(again));
		assert_string_equal(clean(again), again);
	}
}

static void test_clean_alt_and_limits(void **state)
{
	(void)state;
	struct vg_buf b = VG_BUF_INIT(0);
	assert_int_equal(vg_terms_clean_alt("LIPITOR (ATORVASTATIN CALCIUM)", &b), 0);
	assert_string_equal(b.p, "atorvastatin");
	assert_int_equal(vg_terms_clean_alt("KALETRA CONTINUING (LOPINAVIR/RITONAVIR)", &b), 0);
	assert_string_equal(b.p, "lopinavir/ritonavir");
	assert_int_equal(vg_terms_clean_alt("ASPIRIN", &b), 0);
	assert_string_equal(b.p, "");
	assert_int_equal(vg_terms_clean(NULL, &b), VG_EINVAL);
	char *big = vg_xmalloc(VG_TERMS_NAME_MAX + 2);
	memset(big, 'a', VG_TERMS_NAME_MAX + 1);
	big[VG_TERMS_NAME_MAX + 1] = '\0';
	assert_int_equal(vg_terms_clean(big, &b), VG_ETOOBIG);
	big[VG_TERMS_NAME_MAX] = '\0';
	assert_int_equal(vg_terms_clean(big, &b), 0);
	/* as many tokens as bytes: every one is kept (and repeats collapse) */
	for (size_t i = 0; i < VG_TERMS_NAME_MAX; i += 2)
		memcpy(big + i, "a/", 2);
	big[VG_TERMS_NAME_MAX] = '\0';
	assert_int_equal(vg_terms_clean(big, &b), 0);
	assert_string_equal(b.p, "a");
	memset(big, '%', VG_TERMS_NAME_MAX); /* 1024 one-byte tokens, none dropped */
	assert_int_equal(vg_terms_clean(big, &b), 0);
	assert_int_equal(b.len, 2 * VG_TERMS_NAME_MAX - 1);
	/* invalid UTF-8 passes through as bytes, no crash */
	assert_int_equal(vg_terms_clean("abc\xff\xfe def", &b), 0);
	free(big);
	vg_buf_release(&b);
}

/* ------------------------------------------------------------ dictionary */

static struct vg_terms_dict *load_fixture(void)
{
	struct vg_terms_dict *d = vg_terms_dict_new();
	struct vg_err err = VG_ERR_INIT;
	size_t n = 0;

	assert_int_equal(vg_terms_dict_load(d, FIX "products.csv", &n, &err), 0);
	assert_int_equal(n, 11);
	return d;
}

static void expect_match(struct vg_terms_dict *d, const char *name, const char *ingr, int how)
{
	struct vg_arena a;
	struct vg_terms_result r;

	vg_arena_init(&a, 0);
	assert_int_equal(vg_terms_normalise(d, name, &a, &r), 0);
	if (r.how != how || (ingr && (!r.ingredient || strcmp(r.ingredient, ingr))))
		print_error("%s -> [%s] %s how %d\n", name, r.cleaned,
		            r.ingredient ? r.ingredient : "(none)", r.how);
	assert_int_equal(r.how, how);
	if (ingr)
		assert_string_equal(r.ingredient, ingr);
	else
		assert_null(r.ingredient);
	vg_arena_release(&a);
}

static void test_dict_match(void **state)
{
	(void)state;
	struct vg_terms_dict *d = load_fixture();

	expect_match(d, "LIPITOR (ATORVASTATIN CALCIUM)", "atorvastatin", VG_TERMS_DICT);
	expect_match(d, "Lipitor 20 mg tablets", "atorvastatin", VG_TERMS_DICT);
	/* the ingredient names itself */
	expect_match(d, "ATORVASTATIN CALCIUM 10 MG", "atorvastatin", VG_TERMS_DICT);
	expect_match(d, "BACTRIM CONTINUING (SULFAMETOXAZOLE/TRIMETHOPRIM)",
	             "sulfamethoxazole/trimethoprim", VG_TERMS_DICT);
	expect_match(d, "AUGMENTIN", "amoxicillin/clavulanate", VG_TERMS_DICT);
	/* combinations match in any order */
	expect_match(d, "Trimethoprim/Sulfamethoxazole 160/800 mg", "sulfamethoxazole/trimethoprim",
	             VG_TERMS_DICT);
	expect_match(d, "CLAVULANATE POTASSIUM\\AMOXICILLIN", "amoxicillin/clavulanate",
	             VG_TERMS_DICT);
	expect_match(d, "Generic pill (CRESTOR)", "rosuvastatin", VG_TERMS_DICT_ALT);
	expect_match(d, "阿莫西林胶囊（阿莫仙）", "amoxicillin", VG_TERMS_DICT);
	expect_match(d, "注射用阿莫仙", "amoxicillin", VG_TERMS_DICT);
	expect_match(d, "盐酸二甲双胍缓释片", "metformin", VG_TERMS_DICT);
	expect_match(d, "立普妥 10mg", "atorvastatin", VG_TERMS_DICT);
	expect_match(d, "SLO-MAG SR", "magnesium", VG_TERMS_DICT);
	expect_match(d, "KALETRA CONTINUING (LOPINAVIR/RITONAVIR)", NULL, VG_TERMS_UNMATCHED);
	expect_match(d, "Cyclophosphemide", NULL, VG_TERMS_UNMATCHED);
	expect_match(d, "CYCLOPHOSPHEMIDE.", NULL, VG_TERMS_UNMATCHED);

	/* unmatched names for review, most frequent first */
	struct vg_arena a;
	struct vg_terms_unmatched *u;
	vg_arena_init(&a, 0);
	assert_int_equal(vg_terms_unmatched(d, &a, &u), 2);
	assert_string_equal(u[0].cleaned, "cyclophosphemide");
	assert_int_equal(u[0].count, 2);
	assert_string_equal(u[0].example, "Cyclophosphemide");
	assert_string_equal(u[1].cleaned, "kaletra");
	/* vg_terms_match neither records nor needs a mutable dictionary */
	struct vg_terms_result r;
	assert_int_equal(vg_terms_match(d, "Unheard-of", &a, &r), 0);
	assert_int_equal(vg_terms_unmatched(d, &a, &u), 2);
	assert_int_equal(vg_terms_match(d, "", &a, &r), VG_EINVAL);

	/* the review file, filled in, loads back */
	struct vg_buf csv = VG_BUF_INIT(0);
	assert_int_equal(vg_terms_unmatched_csv(d, &csv), 0);
	assert_string_equal(csv.p, "name,ingredient,count,example\n"
	                           "cyclophosphemide,,2,Cyclophosphemide\n"
	                           "kaletra,,1,KALETRA CONTINUING (LOPINAVIR/RITONAVIR)\n");
	const char *filled = "name,ingredient,count,example\n"
	                     "cyclophosphemide,cyclophosphamide,2,Cyclophosphemide\n"
	                     "kaletra,,1,KALETRA CONTINUING (LOPINAVIR/RITONAVIR)\n";
	struct vg_err err = VG_ERR_INIT;
	size_t n;
	assert_int_equal(vg_terms_dict_load_mem(d, filled, strlen(filled), "review.csv", &n, &err), 0);
	assert_int_equal(n, 1);
	expect_match(d, "Cyclophosphemide 50 mg", "cyclophosphamide", VG_TERMS_DICT);
	vg_buf_release(&csv);
	vg_arena_release(&a);
	vg_terms_dict_free(d);
}

static void test_dict_errors(void **state)
{
	(void)state;
	struct vg_terms_dict *d = vg_terms_dict_new();
	struct vg_err err = VG_ERR_INIT;
	const char *conflict = "name,ingredient\nZocor,simvastatin\nLipitor,atorvastatin\n"
	                       "ZOCOR 20 MG,atorvastatin\n";

	assert_int_equal(vg_terms_dict_load_mem(d, conflict, strlen(conflict), "c.csv", NULL, &err),
	                 VG_EEXIST);
	assert_string_equal(err.field, "c.csv:4");
	assert_non_null(strstr(err.msg, "c.csv:2"));
	/* the same pair again is fine; an explicit row beats a self-entry */
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_add(d, "zocor", "simvastatin", &err), 0);
	assert_int_equal(vg_terms_dict_add(d, "atorvastatin", "atorvastatin calcium", &err), 0);

	const char *quotes = "a,b\n\"unterminated,x\n";
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_load_mem(d, quotes, strlen(quotes), "q.csv", NULL, &err),
	                 VG_EPARSE);
	assert_string_equal(err.field, "q.csv:2");
	const char *onecol = "aspirin\n";
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_load_mem(d, onecol, strlen(onecol), "o.csv", NULL, &err),
	                 VG_EPARSE);
	assert_string_equal(err.field, "o.csv:1");
	const char *noise = "100 mg,x\n";
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_load_mem(d, noise, strlen(noise), "n.csv", NULL, &err), 0);
	/* a line over the cap */
	size_t len = VG_TERMS_LINE_MAX + 10;
	char *big = vg_xmalloc(len);
	memset(big, 'x', len);
	memcpy(big, "ok,fine\n", 8);
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_load_mem(d, big, len, "big.csv", NULL, &err), VG_ETOOBIG);
	assert_string_equal(err.field, "big.csv:2");
	free(big);
	vg_err_clear(&err);
	assert_int_equal(vg_terms_dict_load(d, FIX "no-such.csv", NULL, &err), VG_ENOTFOUND);
	vg_terms_dict_free(d);
}

/* ---------------------------------------------------------------- MedDRA */

static struct vg_meddra *load_meddra(const char *dir)
{
	struct vg_meddra *m = NULL;
	struct vg_err err = VG_ERR_INIT;
	int rc = vg_meddra_load(dir, &m, &err);

	if (rc)
		print_error("%s: %s\n", err.field, err.msg);
	assert_int_equal(rc, 0);
	return m;
}

static void expect_pts(const struct vg_meddra *m, uint32_t smq, int scope, const uint32_t *want,
                       size_t nwant)
{
	struct vg_arena a;
	const uint32_t *got;

	vg_arena_init(&a, 0);
	assert_int_equal(vg_meddra_smq_pts(m, smq, scope, &a, &got), nwant);
	for (size_t i = 0; i < nwant; i++)
		assert_int_equal(got[i], want[i]);
	vg_arena_release(&a);
}

/* SMQs: scopes, LLT rows as their PT, inactive terms and sub-SMQs skipped,
 * sub-SMQs followed (a cycle in the fixture is visited once). */
static void check_smqs(const struct vg_meddra *m)
{
	static const uint32_t skin_narrow[] = {93000001};
	static const uint32_t skin_broad[] = {93000001, 93000004};
	static const uint32_t parent_narrow[] = {93000004};
	static const uint32_t parent_broad[] = {93000002, 93000004};

	assert_int_equal(vg_meddra_smq_count(m), 4);
	assert_int_equal(vg_meddra_smq_code(m, "skin reactions (smq)"), 95000001);
	assert_string_equal(vg_meddra_smq_name(m, 95000002), "Herpes events (SMQ)");
	expect_pts(m, 95000001, VG_MEDDRA_SMQ_NARROW, skin_narrow, 1);
	expect_pts(m, 95000001, VG_MEDDRA_SMQ_BROAD, skin_broad, 2);
	expect_pts(m, 95000003, VG_MEDDRA_SMQ_NARROW, parent_narrow, 1);
	expect_pts(m, 95000003, VG_MEDDRA_SMQ_BROAD, parent_broad, 2);
	expect_pts(m, 95000002, VG_MEDDRA_SMQ_BROAD, parent_broad, 2);
	expect_pts(m, 95000009, VG_MEDDRA_SMQ_BROAD, NULL, 0);
	expect_pts(m, 95000001, 7, NULL, 0);
}

static void check_hierarchy(struct vg_meddra *m)
{
	struct vg_meddra_path p;

	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_LLT), 8);
	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_PT), 4);
	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_SOC), 3);
	/* LLT name -> PT -> primary path */
	assert_int_equal(vg_meddra_rollup(m, "Shingles", &p), 0);
	assert_int_equal(p.code[VG_MEDDRA_LLT], 94000004);
	assert_int_equal(p.code[VG_MEDDRA_PT], 93000004);
	assert_string_equal(p.name[VG_MEDDRA_PT], "Herpes zoster");
	assert_string_equal(p.name[VG_MEDDRA_HLT], "Herpes viral infections");
	assert_string_equal(p.name[VG_MEDDRA_HLGT], "Viral infections");
	assert_string_equal(p.name[VG_MEDDRA_SOC], "Infections");
	assert_true(p.primary);
	/* codes, case, spaces, non-current LLTs */
	assert_int_equal(vg_meddra_rollup(m, " 94000001 ", &p), 0);
	assert_string_equal(p.name[VG_MEDDRA_PT], "Rash");
	assert_int_equal(vg_meddra_rollup(m, "RASH   GENERALISED\t", &p), 0);
	assert_string_equal(p.name[VG_MEDDRA_SOC], "Skin disorders");
	assert_int_equal(vg_meddra_rollup(m, "93000003", &p), 0);
	assert_string_equal(p.name[VG_MEDDRA_HLT], "Migraine headaches");
	assert_int_equal(vg_meddra_rollup(m, "Sneezing", &p), VG_ENOTFOUND);
	assert_int_equal(vg_meddra_rollup(m, "99999999", &p), VG_ENOTFOUND);
	assert_int_equal(vg_meddra_rollup(m, "", &p), VG_ENOTFOUND);
	/* --level */
	assert_string_equal(vg_meddra_term_at(m, "head ache", VG_MEDDRA_PT), "Headache");
	assert_string_equal(vg_meddra_term_at(m, "head ache", VG_MEDDRA_HLGT), "Headaches");
	assert_string_equal(vg_meddra_term_at(m, "Skin rash", VG_MEDDRA_SOC), "Skin disorders");
	assert_string_equal(vg_meddra_term_at(m, "Skin rash", VG_MEDDRA_LLT), "Skin rash");
	assert_null(vg_meddra_term_at(m, "Skin rash", 9));
	/* multi-axial: every path, primary first */
	const struct vg_meddra_path *ps;
	assert_int_equal(vg_meddra_paths(m, 93000004, &ps), 2);
	assert_true(ps[0].primary && !ps[1].primary);
	assert_int_equal(ps[0].code[VG_MEDDRA_SOC], 90000003);
	assert_int_equal(ps[1].code[VG_MEDDRA_SOC], 90000001);
	assert_int_equal(ps[1].code[VG_MEDDRA_LLT], 0);
	assert_int_equal(vg_meddra_paths(m, 94000004, &ps), 0); /* an LLT is not a PT */
	/* names and codes by level */
	assert_int_equal(vg_meddra_code(m, VG_MEDDRA_HLT, "rashes nec"), 92000001);
	assert_int_equal(vg_meddra_code(m, VG_MEDDRA_SOC, "Rash"), 0);
	assert_string_equal(vg_meddra_name(m, VG_MEDDRA_SOC, 90000002), "Nervous system disorders");
	assert_null(vg_meddra_name(m, VG_MEDDRA_PT, 90000002));
	assert_int_equal(vg_meddra_level_parse("HLGT"), VG_MEDDRA_HLGT);
	assert_string_equal(vg_meddra_level_name(VG_MEDDRA_PT), "pt");
	assert_int_equal(vg_meddra_level_parse("smq"), -1);
	/* intl_ord.asc */
	assert_int_equal(vg_meddra_soc_order(m, 90000003), 1);
	assert_int_equal(vg_meddra_soc_order(m, 90000001), 3);
	assert_int_equal(vg_meddra_soc_order(m, 93000001), 0);
	check_smqs(m);
}

static void test_meddra_mdhier(void **state)
{
	(void)state;
	struct vg_meddra *m = load_meddra(FIX "meddra");
	check_hierarchy(m);
	vg_meddra_free(m);
}

/* A scratch copy of the fixture with one file replaced (or left out). */
static const char *const asc_files[] = {"soc.asc", "hlgt.asc", "hlt.asc", "pt.asc", "llt.asc",
                                        "hlt_pt.asc", "hlgt_hlt.asc", "soc_hlgt.asc",
                                        "mdhier.asc", "intl_ord.asc", "smq_list.asc",
                                        "smq_content.asc"};

static void copy_file(const char *from, const char *to)
{
	char buf[4096];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

static void scratch(char *dir, const char *file, const char *content)
{
	char from[256], to[512];

	vg_strlcpy(dir, "/tmp/vg_terms_XXXXXX", 32);
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < VG_ARRAY_LEN(asc_files); i++) {
		snprintf(to, sizeof(to), "%s/%s", dir, asc_files[i]);
		if (file && strcmp(file, asc_files[i]) == 0) {
			if (content) {
				FILE *f = fopen(to, "wb");
				assert_non_null(f);
				fputs(content, f);
				fclose(f);
			}
			continue;
		}
		snprintf(from, sizeof(from), FIX "meddra/%s", asc_files[i]);
		copy_file(from, to);
	}
}

static void unscratch(const char *dir)
{
	char p[512];

	for (size_t i = 0; i < VG_ARRAY_LEN(asc_files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, asc_files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Without mdhier.asc the paths come from the three link files. */
static void test_meddra_links(void **state)
{
	(void)state;
	char dir[32];
	scratch(dir, "mdhier.asc", NULL);
	struct vg_meddra *m = load_meddra(dir);
	check_hierarchy(m);
	vg_meddra_free(m);
	unscratch(dir);
}

static void expect_load_error(const char *file, const char *content, int code,
                              const char *field, const char *msg_part)
{
	char dir[32];
	struct vg_meddra *m = (struct vg_meddra *)1;
	struct vg_err err = VG_ERR_INIT;

	scratch(dir, file, content);
	assert_int_equal(vg_meddra_load(dir, &m, &err), code);
	assert_null(m);
	if (strcmp(err.field, field) || !strstr(err.msg, msg_part))
		print_error("got %s: %s\n", err.field, err.msg);
	assert_string_equal(err.field, field);
	assert_non_null(strstr(err.msg, msg_part));
	unscratch(dir);
}

static void test_meddra_errors(void **state)
{
	(void)state;
	expect_load_error("llt.asc", "93000001$Rash$93000001$$$$$$$Y$$\n9400x001$Bad$93000001$\n",
	                  VG_EPARSE, "llt.asc:2", "not a MedDRA code");
	expect_load_error("llt.asc", "94000009$Orphan$93000099$$$$$$$Y$$\n", VG_EPARSE,
	                  "llt.asc:1", "PT 93000099 is not in pt.asc");
	expect_load_error("soc.asc", "90000001$Skin$Skin$\n90000001$Again$X$\n", VG_EPARSE,
	                  "soc.asc:2", "duplicate code 90000001");
	expect_load_error("pt.asc", "93000001$Rash$\n", VG_EPARSE, "pt.asc:1",
	                  "expected at least 4");
	expect_load_error("soc.asc", NULL, VG_ENOTFOUND, "soc.asc", "cannot open");
	/* a PT left without a primary path */
	expect_load_error("mdhier.asc",
	                  "93000001$92000001$91000001$90000001$Rash$$$$$$90000001$Y$\n"
	                  "93000002$92000003$91000002$90000002$Headache$$$$$$90000002$Y$\n"
	                  "93000003$92000002$91000002$90000002$Migraine$$$$$$90000002$Y$\n"
	                  "93000004$92000005$91000004$90000001$Herpes zoster$$$$$$90000003$N$\n",
	                  VG_EPARSE, "mdhier.asc", "93000004 (Herpes zoster) has no primary");
	expect_load_error("mdhier.asc", "93000001$92000001$91000001$90000001$Rash$$$$$$90000001$X$\n",
	                  VG_EPARSE, "mdhier.asc:1", "must be Y or N");
	expect_load_error("smq_content.asc", "95000001$93000001$4$2$A$1$A$\n95000001$93000001$7$2$A$1$A$\n",
	                  VG_EPARSE, "smq_content.asc:2", "term_level 7 is not 0, 4 or 5");
	expect_load_error("smq_content.asc", "95000001$94009999$5$2$A$1$A$\n", VG_EPARSE,
	                  "smq_content.asc:1", "LLT 94009999 is not in llt.asc");
	expect_load_error("intl_ord.asc", "1$90000003$\n2$99999999$\n", VG_EPARSE, "intl_ord.asc:2",
	                  "soc 99999999 is not in soc.asc");
	/* a line over the cap */
	char *big = vg_xmalloc(VG_TERMS_LINE_MAX + 100);
	memset(big, 'a', VG_TERMS_LINE_MAX + 99);
	big[VG_TERMS_LINE_MAX + 99] = '\0';
	expect_load_error("hlt.asc", big, VG_ETOOBIG, "hlt.asc:1", "too long");
	free(big);
}

/* ------------------------------------------------- MedDRA from memory */

/* The fixture distribution read into memory, one file replaced by content
 * or left out (content NULL), for vg_meddra_load_mem. */
struct mem_dist {
	struct vg_meddra_file f[VG_ARRAY_LEN(asc_files)];
	char *text[VG_ARRAY_LEN(asc_files)];
	size_t n;
};

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = vg_xmalloc(65536);

	assert_non_null(f);
	*len = fread(p, 1, 65536, f);
	assert_true(feof(f));
	fclose(f);
	return p;
}

static void mem_dist(struct mem_dist *d, const char *file, const char *content)
{
	char path[256];

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < VG_ARRAY_LEN(asc_files); i++) {
		struct vg_meddra_file *f = &d->f[d->n];
		f->name = asc_files[i];
		if (file && strcmp(file, asc_files[i]) == 0) {
			if (!content)
				continue;
			f->text = d->text[d->n] = vg_xstrdup(content);
			f->len = strlen(content);
		} else {
			snprintf(path, sizeof(path), FIX "meddra/%s", asc_files[i]);
			f->text = d->text[d->n] = read_all(path, &f->len);
		}
		d->n++;
	}
}

static void mem_dist_free(struct mem_dist *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->text[i]);
}

/* Load the fixture with one file replaced or left out; 0 or the error. */
static int load_mem(const char *file, const char *content, struct vg_meddra **m,
                    struct vg_err *err)
{
	struct mem_dist d;
	int rc;

	mem_dist(&d, file, content);
	rc = vg_meddra_load_mem(d.f, d.n, m, err);
	mem_dist_free(&d); /* the hierarchy keeps copies */
	return rc;
}

/* The in-memory loader gives the folder loader's hierarchy, with either
 * set of path files, and the same errors. */
static void test_meddra_mem(void **state)
{
	(void)state;
	struct vg_meddra *m = NULL;
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(load_mem(NULL, NULL, &m, &err), 0);
	check_hierarchy(m);
	vg_meddra_free(m);
	assert_int_equal(load_mem("mdhier.asc", NULL, &m, &err), 0);
	check_hierarchy(m);
	vg_meddra_free(m);
	assert_int_equal(load_mem("hlt.asc", NULL, &m, &err), VG_ENOTFOUND);
	assert_null(m);
	assert_string_equal(err.field, "hlt.asc");
	vg_err_clear(&err);
	assert_int_equal(load_mem("soc.asc", "90000001$Skin$\n9000x$Bad$\n", &m, &err), VG_EPARSE);
	assert_string_equal(err.field, "soc.asc:2");
	vg_err_clear(&err);
	assert_int_equal(vg_meddra_load_mem(NULL, 0, &m, &err), VG_ENOTFOUND);
	assert_string_equal(err.field, "soc.asc");
}

/*
 * Found by fuzz/fuzz_meddra.c: files with no record (a blank line) and an
 * SMQ with no PT in the asked scope handed qsort a NULL array (UBSan:
 * "null pointer passed as argument 1").  A hierarchy without a PT loads;
 * an SMQ whose terms are all broad has no narrow PT.
 */
static void test_meddra_empty(void **state)
{
	(void)state;
	static const uint32_t broad[] = {93000002, 93000004};
	struct vg_meddra *m = NULL;
	struct vg_err err = VG_ERR_INIT;
	struct mem_dist d;

	assert_int_equal(load_mem("smq_content.asc",
	                          "95000003$93000002$4$1$A$1$A$\n95000003$93000004$4$1$A$1$A$\n",
	                          &m, &err), 0);
	expect_pts(m, 95000003, VG_MEDDRA_SMQ_NARROW, NULL, 0);
	expect_pts(m, 95000003, VG_MEDDRA_SMQ_BROAD, broad, 2);
	expect_pts(m, 95000001, VG_MEDDRA_SMQ_BROAD, NULL, 0);
	vg_meddra_free(m);
	assert_int_equal(load_mem("smq_content.asc", "\n", &m, &err), 0);
	expect_pts(m, 95000001, VG_MEDDRA_SMQ_BROAD, NULL, 0);
	vg_meddra_free(m);
	/* no PT, LLT, path or SMQ term: an empty hierarchy, from mdhier.asc
	 * and from the three link files */
	mem_dist(&d, NULL, NULL);
	for (size_t i = 0; i < d.n; i++)
		if (strcmp(d.f[i].name, "soc.asc") && strcmp(d.f[i].name, "hlgt.asc") &&
		    strcmp(d.f[i].name, "hlt.asc") && strcmp(d.f[i].name, "intl_ord.asc") &&
		    strcmp(d.f[i].name, "smq_list.asc"))
			d.f[i].len = 0; /* there, without a record */
	assert_int_equal(vg_meddra_load_mem(d.f, d.n, &m, &err), 0);
	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_PT), 0);
	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_SOC), 3);
	expect_pts(m, 95000001, VG_MEDDRA_SMQ_BROAD, NULL, 0);
	vg_meddra_free(m);
	for (size_t i = 0; i < d.n; i++)
		if (!strcmp(d.f[i].name, "mdhier.asc"))
			d.f[i].name = "absent.asc";
	assert_int_equal(vg_meddra_load_mem(d.f, d.n, &m, &err), 0);
	assert_int_equal(vg_meddra_count(m, VG_MEDDRA_HLT), 5);
	vg_meddra_free(m);
	mem_dist_free(&d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_clean_rules),
		cmocka_unit_test(test_clean_alt_and_limits),
		cmocka_unit_test(test_dict_match),
		cmocka_unit_test(test_dict_errors),
		cmocka_unit_test(test_meddra_mdhier),
		cmocka_unit_test(test_meddra_links),
		cmocka_unit_test(test_meddra_errors),
		cmocka_unit_test(test_meddra_mem),
		cmocka_unit_test(test_meddra_empty),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
