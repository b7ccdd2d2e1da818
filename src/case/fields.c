/*
 * fields.c - the field tables of a case version, shared by the JSON codec
 * (json.c) and the binary codec (bin.c); case_int.h describes the entries.
 *
 * Order is the JSON key order (case.h) and the binary member order.  The
 * tags are part of the binary format (bin.c): a field keeps its tag for
 * good; changing a tag, or the order, is a new format and needs a new
 * VG_CASE_BIN_MAGIC.  A field added later takes a tag above the others of
 * its table (the arrays' tags, 40-42, leave room below them).
 *
 *   version    1 case_id ... 17 region, 18-21 reporter.*, 22-28 patient.*
 *              (24-25 patient.age.*), 29 serious ... 35 stratum
 *   arrays     40 products, 41 events, 42 causality
 *   product    1 role ... 16 action
 *   event      1 term ... 7 seriousness
 *   causality  1 product ... 5 result
 */
#include "vg.h"
#include "case/case_int.h"

#include <math.h>

static const struct vg_case_codec c_class = {vg_class_name, vg_class_parse};
static const struct vg_case_codec c_role = {vg_role_name, vg_role_parse};
static const struct vg_case_codec c_sex = {vg_sex_name, vg_sex_parse};
static const struct vg_case_codec c_outcome = {vg_outcome_name, vg_outcome_parse};
static const struct vg_case_codec c_rt = {vg_report_type_name, vg_report_type_parse};
static const struct vg_case_codec c_qual = {vg_qualification_name, vg_qualification_parse};
static const struct vg_case_codec c_agegroup = {vg_age_group_name, vg_age_group_parse};

#define V(f) offsetof(struct vg_case_version, f)
#define P(f) offsetof(struct vg_product, f)
#define E(f) offsetof(struct vg_event, f)
#define C(f) offsetof(struct vg_causality, f)
#define F(k, tag, kind, off, sub) {k, ",\"" k "\":", sizeof(k) + 3, tag, kind, off, sub}
#define END {NULL, NULL, 0, 0, 0, 0, NULL}

static const struct vg_case_field reporter_fields[] = {
	F("qualification", 18, VG_CF_CODE, V(qualification), &c_qual),
	F("name", 19, VG_CF_STR, V(reporter_name), NULL),
	F("org", 20, VG_CF_STR, V(reporter_org), NULL),
	F("phone", 21, VG_CF_STR, V(reporter_phone), NULL),
	END};

static const struct vg_case_field age_fields[] = {
	F("value", 24, VG_CF_NUM, V(age_value), NULL),
	F("unit", 25, VG_CF_STR, V(age_unit), NULL),
	END};

static const struct vg_case_field patient_fields[] = {
	F("id", 22, VG_CF_STR, V(patient_id), NULL),
	F("sex", 23, VG_CF_CODE, V(sex), &c_sex),
	F("age", 0, VG_CF_OBJ, 0, age_fields),
	F("age_group", 26, VG_CF_CODE, V(age_group), &c_agegroup),
	F("weight_kg", 27, VG_CF_NUM, V(weight_kg), NULL),
	F("birth", 28, VG_CF_DATE, V(birth), NULL),
	END};

/* Top level up to "stratum"; the arrays follow (vg_case_arrays). */
const struct vg_case_field vg_case_version_fields[] = {
	F("case_id", 1, VG_CF_STR, V(case_id), NULL),
	F("report_id", 2, VG_CF_STR, V(report_id), NULL),
	F("source", 3, VG_CF_STR, V(source), NULL),
	F("source_version", 4, VG_CF_STR, V(source_version), NULL),
	F("report_type", 5, VG_CF_CODE, V(report_type), &c_rt),
	F("nullified", 6, VG_CF_BOOL, V(nullified), NULL),
	F("amendment", 7, VG_CF_BOOL, V(amendment), NULL),
	F("initial", 8, VG_CF_BOOL, V(initial), NULL),
	F("nullify_reason", 9, VG_CF_STR, V(nullify_reason), NULL),
	F("created", 10, VG_CF_DATE, V(created), NULL),
	F("received", 11, VG_CF_DATE, V(received), NULL),
	F("latest", 12, VG_CF_DATE, V(latest), NULL),
	F("aware", 13, VG_CF_DATE, V(aware), NULL),
	F("submitted", 14, VG_CF_DATE, V(submitted), NULL),
	F("unit", 15, VG_CF_STR, V(unit), NULL),
	F("country", 16, VG_CF_STR, V(country), NULL),
	F("region", 17, VG_CF_STR, V(region), NULL),
	F("reporter", 0, VG_CF_OBJ, 0, reporter_fields),
	F("patient", 0, VG_CF_OBJ, 0, patient_fields),
	F("serious", 29, VG_CF_BOOL, V(serious), NULL),
	F("unexpected", 30, VG_CF_BOOL, V(unexpected), NULL),
	F("redacted", 31, VG_CF_BOOL, V(redacted), NULL),
	F("seriousness", 32, VG_CF_SER, V(seriousness), NULL),
	F("class", 33, VG_CF_CODE, V(klass), &c_class),
	F("narrative", 34, VG_CF_STR, V(narrative), NULL),
	F("stratum", 35, VG_CF_STR, V(stratum), NULL),
	END};

const struct vg_case_field vg_case_product_fields[] = {
	F("role", 1, VG_CF_CODE, P(role), &c_role),
	F("class", 2, VG_CF_CODE, P(klass), &c_class),
	F("name", 3, VG_CF_STR, P(name), NULL),
	F("ingredient", 4, VG_CF_STR, P(ingredient), NULL),
	F("manufacturer", 5, VG_CF_STR, P(manufacturer), NULL),
	F("batch", 6, VG_CF_STR, P(batch), NULL),
	F("route", 7, VG_CF_STR, P(route), NULL),
	F("dose", 8, VG_CF_STR, P(dose), NULL),
	F("indication", 9, VG_CF_STR, P(indication), NULL),
	F("approval_no", 10, VG_CF_STR, P(approval_no), NULL),
	F("device_model", 11, VG_CF_STR, P(device_model), NULL),
	F("udi", 12, VG_CF_STR, P(udi), NULL),
	F("category", 13, VG_CF_STR, P(category), NULL),
	F("start", 14, VG_CF_DATE, P(start), NULL),
	F("end", 15, VG_CF_DATE, P(end), NULL),
	F("action", 16, VG_CF_INT, P(action), NULL),
	END};

const struct vg_case_field vg_case_event_fields[] = {
	F("term", 1, VG_CF_STR, E(term), NULL),
	F("coded", 2, VG_CF_STR, E(coded), NULL),
	F("code", 3, VG_CF_STR, E(code), NULL),
	F("onset", 4, VG_CF_DATE, E(onset), NULL),
	F("end", 5, VG_CF_DATE, E(end), NULL),
	F("outcome", 6, VG_CF_CODE, E(outcome), &c_outcome),
	F("seriousness", 7, VG_CF_SER, E(seriousness), NULL),
	END};

const struct vg_case_field vg_case_causality_fields[] = {
	F("product", 1, VG_CF_IDX, C(product), NULL),
	F("event", 2, VG_CF_IDX, C(event), NULL),
	F("source", 3, VG_CF_STR, C(source), NULL),
	F("method", 4, VG_CF_STR, C(method), NULL),
	F("result", 5, VG_CF_STR, C(result), NULL),
	END};

#undef F
#undef END
#undef P
#undef E
#undef C

static void *add_p(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_product(v, a); }
static void *add_e(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_event(v, a); }
static void *add_c(struct vg_case_version *v, struct vg_arena *a) { return vg_case_add_causality(v, a); }

#define A(k, tag, arr, n, cap, type, fs, add) \
	{k, ",\"" k "\":", tag, V(arr), V(n), V(cap), sizeof(type), fs, add}

const struct vg_case_array vg_case_arrays[VG_CASE_NARRAYS] = {
	A("products", 40, products, nproducts, products_cap, struct vg_product,
	  vg_case_product_fields, add_p),
	A("events", 41, events, nevents, events_cap, struct vg_event, vg_case_event_fields, add_e),
	A("causality", 42, causality, ncausality, causality_cap, struct vg_causality,
	  vg_case_causality_fields, add_c),
};

#undef A
#undef V

const struct vg_case_version *vg_case_enc_view(const struct vg_case_version *v,
                                               struct vg_case_version *tmp)
{
	if (!isnan(v->age_value) || !isfinite(v->age_years))
		return v;
	*tmp = *v; /* shallow: only the age changes */
	tmp->age_value = v->age_years;
	tmp->age_unit = "a";
	return tmp;
}
