/*
 * codes.c - names of the coded fields, and parsing them back.
 *
 * Each code list is a table of canonical names indexed by enum value (the
 * name JSON, CSV and the CLI print) and a table of synonyms (what people
 * and sources write: E2B words, English variants, the Chinese form's
 * check-box labels of 《药品不良反应/事件报告表》).  Parsing:
 *
 *   1. trim ASCII whitespace; fold ASCII case; ' ', '-' and '/' read as '_'
 *      ("Life-threatening" == "life threatening" == "life_threatening");
 *   2. a canonical name or a synonym gives its value;
 *   3. a decimal number in range gives that enum value.  For class, role,
 *      sex, outcome, report type and qualification the enum values are the
 *      E2B(R3) codes; for age group they are not (vg_age_group_from_e2b).
 *
 * Source-specific codes (FAERS role PS/SS/C/I, outcome DE/LT/HO...) are not
 * here: each reader in ingest/ maps its own format.
 */
#include "vg.h"
#include "case/case.h"

#include <ctype.h>

struct syn {
	const char *name; /* normalised form (see norm()) */
	int value;
};

struct codelist {
	const char *const *names; /* canonical, by value */
	int count;
	const struct syn *syns;
	size_t nsyns;
};

#define NAME_MAX_LEN 96

/* Normalise s into out; false when it does not fit or is empty. */
static bool norm(const char *s, char out[NAME_MAX_LEN])
{
	struct vg_sv v;
	size_t n = 0;

	if (!s)
		return false;
	v = vg_sv_trim(vg_sv_of(s));
	if (v.len == 0 || v.len >= NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == ' ' || c == '-' || c == '/')
			c = '_';
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
	return true;
}

static int parse_number(const char *s, int count)
{
	int64_t x;

	if (vg_parse_i64(vg_sv_trim(vg_sv_of(s)), &x) || x < 0 || x >= count)
		return -1;
	return (int)x;
}

static int lookup(const struct codelist *cl, const char *s)
{
	char n[NAME_MAX_LEN];

	if (!norm(s, n))
		return -1;
	for (int i = 0; i < cl->count; i++)
		if (strcmp(n, cl->names[i]) == 0)
			return i;
	for (size_t i = 0; i < cl->nsyns; i++)
		if (strcmp(n, cl->syns[i].name) == 0)
			return cl->syns[i].value;
	return parse_number(s, cl->count);
}

static const char *name_of(const struct codelist *cl, int v)
{
	return v >= 0 && v < cl->count ? cl->names[v] : NULL;
}

#define CODELIST(tag, names_, syns_)                                                  \
	static const struct codelist tag = {names_, (int)VG_ARRAY_LEN(names_), syns_,     \
	                                     VG_ARRAY_LEN(syns_)}

/* ----------------------------------------------------------------- class */

static const char *const class_names[VG_CLASS_COUNT] = {
	"unknown", "drug", "device", "cosmetic", "vaccine", "food"};
static const struct syn class_syns[] = {
	{"medicine", VG_CLASS_DRUG}, {"medicinal_product", VG_CLASS_DRUG},
	{"药品", VG_CLASS_DRUG}, {"药", VG_CLASS_DRUG},
	{"medical_device", VG_CLASS_DEVICE}, {"医疗器械", VG_CLASS_DEVICE}, {"器械", VG_CLASS_DEVICE},
	{"化妆品", VG_CLASS_COSMETIC},
	{"疫苗", VG_CLASS_VACCINE},
	{"食品", VG_CLASS_FOOD}, {"dietary_supplement", VG_CLASS_FOOD}, {"supplement", VG_CLASS_FOOD},
};
CODELIST(class_cl, class_names, class_syns);

const char *vg_class_name(int k) { return name_of(&class_cl, k); }
int vg_class_parse(const char *s) { return lookup(&class_cl, s); }

/* ------------------------------------------------------------------ role */

/* E2B(R3) G.k.1: 1 suspect, 2 concomitant, 3 interacting, 4 not administered. */
static const char *const role_names[VG_ROLE_COUNT] = {
	"unknown", "suspect", "concomitant", "interacting", "not_administered"};
static const struct syn role_syns[] = {
	{"suspect_drug", VG_ROLE_SUSPECT}, {"怀疑", VG_ROLE_SUSPECT}, {"怀疑药品", VG_ROLE_SUSPECT},
	{"可疑", VG_ROLE_SUSPECT}, {"可疑药品", VG_ROLE_SUSPECT},
	{"concomitant_drug", VG_ROLE_CONCOMITANT}, {"并用", VG_ROLE_CONCOMITANT},
	{"并用药品", VG_ROLE_CONCOMITANT}, {"合并用药", VG_ROLE_CONCOMITANT},
	{"interacting_drug", VG_ROLE_INTERACTING}, {"interaction", VG_ROLE_INTERACTING},
	{"相互作用", VG_ROLE_INTERACTING},
	{"drug_not_administered", VG_ROLE_NOT_ADMINISTERED}, {"未用药", VG_ROLE_NOT_ADMINISTERED},
};
CODELIST(role_cl, role_names, role_syns);

const char *vg_role_name(int r) { return name_of(&role_cl, r); }
int vg_role_parse(const char *s) { return lookup(&role_cl, s); }

/* ------------------------------------------------------------------- sex */

/* E2B(R3) D.5: 1 male, 2 female; nullFlavors read as unknown. */
static const char *const sex_names[] = {"unknown", "male", "female"};
static const struct syn sex_syns[] = {
	{"m", VG_SEX_MALE}, {"man", VG_SEX_MALE}, {"男", VG_SEX_MALE}, {"男性", VG_SEX_MALE},
	{"f", VG_SEX_FEMALE}, {"woman", VG_SEX_FEMALE}, {"女", VG_SEX_FEMALE},
	{"女性", VG_SEX_FEMALE},
	{"u", VG_SEX_UNKNOWN}, {"unk", VG_SEX_UNKNOWN}, {"ns", VG_SEX_UNKNOWN},
	{"asku", VG_SEX_UNKNOWN}, {"nask", VG_SEX_UNKNOWN}, {"msk", VG_SEX_UNKNOWN},
	{"不详", VG_SEX_UNKNOWN}, {"未知", VG_SEX_UNKNOWN},
};
CODELIST(sex_cl, sex_names, sex_syns);

const char *vg_sex_name(int s) { return name_of(&sex_cl, s); }
int vg_sex_parse(const char *s) { return lookup(&sex_cl, s); }

/* --------------------------------------------------------------- outcome */

/* E2B(R3) E.i.7; Chinese labels per the 2011 form (DOMAIN.md 2.2). */
static const char *const outcome_names[VG_OUTCOME_COUNT] = {
	"unknown", "recovered", "recovering", "not_recovered", "sequelae", "fatal"};
static const struct syn outcome_syns[] = {
	{"recovered_resolved", VG_OUTCOME_RECOVERED}, {"resolved", VG_OUTCOME_RECOVERED},
	{"痊愈", VG_OUTCOME_RECOVERED},
	{"recovering_resolving", VG_OUTCOME_RECOVERING}, {"resolving", VG_OUTCOME_RECOVERING},
	{"好转", VG_OUTCOME_RECOVERING},
	{"not_recovered_not_resolved_ongoing", VG_OUTCOME_NOT_RECOVERED},
	{"not_recovered_not_resolved", VG_OUTCOME_NOT_RECOVERED},
	{"not_resolved", VG_OUTCOME_NOT_RECOVERED}, {"ongoing", VG_OUTCOME_NOT_RECOVERED},
	{"未好转", VG_OUTCOME_NOT_RECOVERED},
	{"recovered_with_sequelae", VG_OUTCOME_SEQUELAE},
	{"recovered_resolved_with_sequelae", VG_OUTCOME_SEQUELAE},
	{"有后遗症", VG_OUTCOME_SEQUELAE}, {"后遗症", VG_OUTCOME_SEQUELAE},
	{"death", VG_OUTCOME_FATAL}, {"died", VG_OUTCOME_FATAL}, {"死亡", VG_OUTCOME_FATAL},
	{"不详", VG_OUTCOME_UNKNOWN}, {"不明", VG_OUTCOME_UNKNOWN},
};
CODELIST(outcome_cl, outcome_names, outcome_syns);

const char *vg_outcome_name(int o) { return name_of(&outcome_cl, o); }
int vg_outcome_parse(const char *s) { return lookup(&outcome_cl, s); }

/* ----------------------------------------------------------- report type */

/* E2B(R3) C.1.3. */
static const char *const rt_names[VG_RT_COUNT] = {
	"unknown", "spontaneous", "study", "other", "not_available"};
static const struct syn rt_syns[] = {
	{"spontaneous_report", VG_RT_SPONTANEOUS}, {"自发报告", VG_RT_SPONTANEOUS},
	{"report_from_study", VG_RT_STUDY}, {"研究", VG_RT_STUDY}, {"上市后研究", VG_RT_STUDY},
	{"其他", VG_RT_OTHER},
	{"not_available_to_sender", VG_RT_NOT_AVAILABLE},
	{"not_available_to_sender_(unknown)", VG_RT_NOT_AVAILABLE},
};
CODELIST(rt_cl, rt_names, rt_syns);

const char *vg_report_type_name(int rt) { return name_of(&rt_cl, rt); }
int vg_report_type_parse(const char *s) { return lookup(&rt_cl, s); }

/* --------------------------------------------------------- qualification */

/* E2B(R3) C.2.r.4; 职业 医生/药师/护士 of the Chinese form. */
static const char *const qual_names[VG_QUAL_COUNT] = {
	"unknown", "physician", "pharmacist", "other_hcp", "lawyer", "consumer"};
static const struct syn qual_syns[] = {
	{"doctor", VG_QUAL_PHYSICIAN}, {"md", VG_QUAL_PHYSICIAN}, {"医生", VG_QUAL_PHYSICIAN},
	{"医师", VG_QUAL_PHYSICIAN},
	{"药师", VG_QUAL_PHARMACIST},
	{"other_health_professional", VG_QUAL_OTHER_HCP}, {"health_professional", VG_QUAL_OTHER_HCP},
	{"nurse", VG_QUAL_OTHER_HCP}, {"护士", VG_QUAL_OTHER_HCP},
	{"律师", VG_QUAL_LAWYER},
	{"consumer_or_other_non_health_professional", VG_QUAL_CONSUMER},
	{"patient", VG_QUAL_CONSUMER}, {"消费者", VG_QUAL_CONSUMER}, {"患者", VG_QUAL_CONSUMER},
	{"个人", VG_QUAL_CONSUMER},
};
CODELIST(qual_cl, qual_names, qual_syns);

const char *vg_qualification_name(int q) { return name_of(&qual_cl, q); }
int vg_qualification_parse(const char *s) { return lookup(&qual_cl, s); }

/* ------------------------------------------------------------- age group */

static const char *const agegroup_names[VG_AGE_COUNT] = {
	"unknown", "foetus", "neonate", "infant", "child", "adolescent", "adult", "elderly"};
static const struct syn agegroup_syns[] = {
	{"fetus", VG_AGE_FOETUS}, {"胎儿", VG_AGE_FOETUS},
	{"newborn", VG_AGE_NEONATE}, {"新生儿", VG_AGE_NEONATE},
	{"婴儿", VG_AGE_INFANT}, {"儿童", VG_AGE_CHILD}, {"青少年", VG_AGE_ADOLESCENT},
	{"成人", VG_AGE_ADULT}, {"成年人", VG_AGE_ADULT},
	{"老年", VG_AGE_ELDERLY}, {"老年人", VG_AGE_ELDERLY}, {"elder", VG_AGE_ELDERLY},
};
CODELIST(agegroup_cl, agegroup_names, agegroup_syns);

const char *vg_age_group_name(int g) { return name_of(&agegroup_cl, g); }
int vg_age_group_parse(const char *s) { return lookup(&agegroup_cl, s); }

/* E2B(R3) D.2.3: 0 foetus, 1 neonate, ... 6 elderly (one below our enum). */
int vg_age_group_from_e2b(int code)
{
	return code >= 0 && code <= 6 ? code + 1 : -1;
}

/* ----------------------------------------------------------- seriousness */

/* E2B(R3) E.i.3.2a-f in bit order. */
const char *const vg_serious_names[6] = {
	"death", "life_threatening", "hospitalisation", "disability", "congenital", "other"};
static const struct syn serious_syns[] = {
	{"results_in_death", VG_SER_DEATH}, {"fatal", VG_SER_DEATH}, {"死亡", VG_SER_DEATH},
	{"导致死亡", VG_SER_DEATH},
	{"危及生命", VG_SER_LIFE_THREATENING},
	{"hospitalization", VG_SER_HOSPITALISATION},
	{"caused_prolonged_hospitalisation", VG_SER_HOSPITALISATION},
	{"caused_prolonged_hospitalization", VG_SER_HOSPITALISATION},
	{"住院", VG_SER_HOSPITALISATION}, {"导致住院或住院时间延长", VG_SER_HOSPITALISATION},
	{"disabling", VG_SER_DISABILITY}, {"disabling_incapacitating", VG_SER_DISABILITY},
	{"残疾", VG_SER_DISABILITY},
	{"congenital_anomaly", VG_SER_CONGENITAL},
	{"congenital_anomaly_birth_defect", VG_SER_CONGENITAL}, {"birth_defect", VG_SER_CONGENITAL},
	{"先天异常", VG_SER_CONGENITAL}, {"致畸", VG_SER_CONGENITAL},
	{"other_medically_important", VG_SER_OTHER},
	{"other_medically_important_condition", VG_SER_OTHER},
	{"其他重要医学事件", VG_SER_OTHER},
};

int vg_serious_parse(const char *s)
{
	char n[NAME_MAX_LEN];

	if (!norm(s, n))
		return -1;
	for (int i = 0; i < 6; i++)
		if (strcmp(n, vg_serious_names[i]) == 0)
			return 1 << i;
	for (size_t i = 0; i < VG_ARRAY_LEN(serious_syns); i++)
		if (strcmp(n, serious_syns[i].name) == 0)
			return serious_syns[i].value;
	return -1;
}
