/*
 * openfda_doc.c - a case version in openFDA's shapes.
 *
 *   drug/event      FAERS as openFDA serves it: safetyreportid, receivedate,
 *                   serious + seriousness*, patient.{patientsex, ...,
 *                   drug[], reaction[]}; codes as openFDA's strings
 *   device/event    MAUDE: report_number, date_received, event_type,
 *                   device[], patient[], mdr_text[]
 *   cosmetic/event  openFDA's CAERS layout: report_number, date_created,
 *                   products[], reactions[], outcomes[], consumer
 *
 * Every document also carries "vigil": {"unit", "region", "class"} so the
 * centre can search by reporting unit.  Dates are YYYYMMDD strings (partial
 * dates keep what is known: "2024", "202403").  The field tables below are
 * the supported search/count fields, listed in docs/API.md.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "http/http_int.h"

#include <math.h>

static const char *const drug_fields[] = {
	"safetyreportid", "receivedate", "receiptdate", "transmissiondate", "reporttype",
	"serious", "seriousnessdeath", "seriousnesslifethreatening", "seriousnesshospitalization",
	"seriousnessdisabling", "seriousnesscongenitalanomali", "seriousnessother",
	"occurcountry", "primarysource.qualification", "primarysource.reportercountry",
	"sender.senderorganization", "patient.patientsex", "patient.patientonsetage",
	"patient.patientonsetageunit", "patient.patientagegroup", "patient.patientweight",
	"patient.drug.medicinalproduct", "patient.drug.drugcharacterization",
	"patient.drug.drugbatchnumb", "patient.drug.drugdosagetext",
	"patient.drug.drugadministrationroute", "patient.drug.drugindication",
	"patient.drug.drugstartdate", "patient.drug.drugenddate",
	"patient.drug.drugauthorizationnumb", "patient.drug.actiondrug",
	"patient.drug.activesubstance.activesubstancename", "patient.drug.openfda.generic_name",
	"patient.drug.openfda.manufacturer_name", "patient.reaction.reactionmeddrapt",
	"patient.reaction.reactionverbatim", "patient.reaction.reactionoutcome",
	"patient.summary.narrativeincludeclinical", NULL,
};

static const char *const device_fields[] = {
	"report_number", "mdr_report_key", "date_received", "date_of_event", "date_report",
	"event_type", "adverse_event_flag", "device.brand_name", "device.generic_name",
	"device.model_number", "device.lot_number", "device.manufacturer_d_name", "device.udi_di",
	"device.device_report_product_code", "patient.patient_sex", "patient.patient_age",
	"patient.patient_weight", "patient.sequence_number_outcome", "patient.patient_problems",
	"mdr_text.text", "mdr_text.text_type_code", NULL,
};

static const char *const cosmetic_fields[] = {
	"report_number", "date_created", "date_started", "products.name_brand",
	"products.industry_name", "products.role", "reactions", "outcomes", "consumer.gender",
	"consumer.age", "consumer.age_unit", NULL,
};

static const char *const common_fields[] = {"vigil.unit", "vigil.region", "vigil.class", NULL};

static const char *const date_fields[] = {
	"receivedate", "receiptdate", "transmissiondate", "patient.drug.drugstartdate",
	"patient.drug.drugenddate", "date_received", "date_of_event", "date_report",
	"date_created", "date_started", NULL,
};

static bool in_list(const char *const *l, const char *f)
{
	for (; *l; l++)
		if (strcmp(*l, f) == 0)
			return true;
	return false;
}

bool vg_ofda_field_known(int klass, const char *field)
{
	if (in_list(common_fields, field))
		return true;
	switch (klass) {
	case VG_CLASS_DEVICE: return in_list(device_fields, field);
	case VG_CLASS_COSMETIC: return in_list(cosmetic_fields, field);
	default: return in_list(drug_fields, field);
	}
}

bool vg_ofda_is_date_field(const char *field) { return in_list(date_fields, field); }

/* ------------------------------------------------------------ helpers */

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static void set_date(json_t *o, const char *k, const struct vg_date *d)
{
	char buf[16];

	if (d->prec < VG_DATE_YEAR)
		return;
	vg_date_format(d, buf);
	buf[8] = '\0';
	json_object_set_new(o, k, json_string(buf));
}

static void set_int(json_t *o, const char *k, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	json_object_set_new(o, k, json_string(buf));
}

static void set_num(json_t *o, const char *k, double v)
{
	char buf[32];

	if (isnan(v))
		return;
	snprintf(buf, sizeof(buf), "%g", v);
	json_object_set_new(o, k, json_string(buf));
}

static unsigned all_seriousness(const struct vg_case_version *v)
{
	unsigned s = v->seriousness;

	for (size_t i = 0; i < v->nevents; i++)
		s |= v->events[i].seriousness;
	return s;
}

static bool is_serious(const struct vg_case_version *v)
{
	return v->serious || all_seriousness(v) != 0;
}

/* ------------------------------------------------------------ drug */

/* openFDA patientonsetageunit: 800 decade, 801 year, 802 month, 803 week,
 * 804 day, 805 hour (E2B(R2) B.1.2.2b codes). */
static const char *age_unit_code(const char *u)
{
	static const char *const map[][2] = {
		{"{decade}", "800"}, {"a", "801"}, {"mo", "802"}, {"wk", "803"}, {"d", "804"},
		{"h", "805"},
	};

	for (size_t i = 0; u && i < VG_ARRAY_LEN(map); i++)
		if (strcmp(u, map[i][0]) == 0)
			return map[i][1];
	return "801";
}

static json_t *drug_product(const struct vg_product *p)
{
	json_t *d = json_object();
	static const char *const character[] = {"", "1", "2", "3", "4"};

	set_str(d, "medicinalproduct", p->name);
	if (p->role > 0 && p->role < VG_ROLE_COUNT)
		set_str(d, "drugcharacterization", character[p->role]);
	set_str(d, "drugbatchnumb", p->batch);
	set_str(d, "drugdosagetext", p->dose);
	set_str(d, "drugadministrationroute", p->route);
	set_str(d, "drugindication", p->indication);
	set_date(d, "drugstartdate", &p->start);
	set_date(d, "drugenddate", &p->end);
	set_str(d, "drugauthorizationnumb", p->approval_no);
	if (p->action)
		set_int(d, "actiondrug", p->action);
	if (p->ingredient) {
		json_object_set_new(d, "activesubstance",
		                    json_pack("{s:s}", "activesubstancename", p->ingredient));
		json_object_set_new(d, "openfda", json_pack("{s:[s]}", "generic_name", p->ingredient));
	}
	if (p->manufacturer) {
		json_t *of = json_object_get(d, "openfda");
		if (!of)
			json_object_set_new(d, "openfda", of = json_object());
		json_object_set_new(of, "manufacturer_name", json_pack("[s]", p->manufacturer));
	}
	return d;
}

static json_t *drug_reaction(const struct vg_event *e)
{
	json_t *r = json_object();
	/* openFDA reactionoutcome: 1 recovered, 2 recovering, 3 not recovered,
	 * 4 recovered with sequelae, 5 fatal, 6 unknown. */
	static const char *const outcome[] = {"6", "1", "2", "3", "4", "5"};

	set_str(r, "reactionmeddrapt", e->coded ? e->coded : e->term);
	set_str(r, "reactionverbatim", e->term);
	set_str(r, "reactionoutcome", outcome[e->outcome >= 0 && e->outcome < 6 ? e->outcome : 0]);
	return r;
}

static void drug_seriousness(json_t *d, const struct vg_case_version *v)
{
	static const char *const names[6] = {
		"seriousnessdeath", "seriousnesslifethreatening", "seriousnesshospitalization",
		"seriousnessdisabling", "seriousnesscongenitalanomali", "seriousnessother",
	};
	unsigned s = all_seriousness(v);

	set_str(d, "serious", is_serious(v) ? "1" : "2");
	for (int i = 0; i < 6; i++)
		if (s & (1u << i))
			set_str(d, names[i], "1");
}

static json_t *drug_patient(const struct vg_case_version *v)
{
	json_t *p = json_object(), *drugs = json_array(), *reactions = json_array();

	set_int(p, "patientsex", v->sex);
	if (!isnan(v->age_value)) {
		set_num(p, "patientonsetage", v->age_value);
		set_str(p, "patientonsetageunit", age_unit_code(v->age_unit));
	}
	if (v->age_group >= VG_AGE_NEONATE)
		set_int(p, "patientagegroup", v->age_group - 1);
	set_num(p, "patientweight", v->weight_kg);
	for (size_t i = 0; i < v->nproducts; i++)
		json_array_append_new(drugs, drug_product(&v->products[i]));
	for (size_t i = 0; i < v->nevents; i++)
		json_array_append_new(reactions, drug_reaction(&v->events[i]));
	json_object_set_new(p, "drug", drugs);
	json_object_set_new(p, "reaction", reactions);
	if (v->narrative)
		json_object_set_new(p, "summary",
		                    json_pack("{s:s}", "narrativeincludeclinical", v->narrative));
	return p;
}

static json_t *drug_doc(const struct vg_case_version *v)
{
	json_t *d = json_object();

	set_str(d, "safetyreportid", v->case_id);
	set_date(d, "receivedate", &v->received);
	set_date(d, "receiptdate", &v->latest);
	set_date(d, "transmissiondate", &v->submitted);
	if (v->report_type)
		set_int(d, "reporttype", v->report_type);
	drug_seriousness(d, v);
	set_str(d, "occurcountry", v->country);
	json_object_set_new(d, "primarysource", json_object());
	if (v->qualification)
		set_int(json_object_get(d, "primarysource"), "qualification", v->qualification);
	set_str(json_object_get(d, "primarysource"), "reportercountry", v->country);
	json_object_set_new(d, "sender", json_object());
	set_str(json_object_get(d, "sender"), "senderorganization", v->unit);
	json_object_set_new(d, "patient", drug_patient(v));
	return d;
}

/* ------------------------------------------------------------ device */

static const char *sex_word(int sex)
{
	return sex == VG_SEX_MALE ? "Male" : sex == VG_SEX_FEMALE ? "Female" : "Unknown";
}

static json_t *device_patient(const struct vg_case_version *v)
{
	json_t *p = json_pack("{s:s,s:s}", "patient_sequence_number", "1", "patient_sex",
	                      sex_word(v->sex));
	json_t *outcomes = json_array(), *problems = json_array();
	static const char *const words[6] = {"Death", "Life Threatening", "Hospitalization",
	                                     "Disability", "Congenital Anomaly", "Other"};
	unsigned s = all_seriousness(v);
	char age[48];

	if (!isnan(v->age_value)) {
		snprintf(age, sizeof(age), "%g %s", v->age_value, v->age_unit ? v->age_unit : "a");
		set_str(p, "patient_age", age);
	}
	set_num(p, "patient_weight", v->weight_kg);
	for (int i = 0; i < 6; i++)
		if (s & (1u << i))
			json_array_append_new(outcomes, json_string(words[i]));
	for (size_t i = 0; i < v->nevents; i++) {
		const char *t = v->events[i].coded ? v->events[i].coded : v->events[i].term;
		if (t)
			json_array_append_new(problems, json_string(t));
	}
	json_object_set_new(p, "sequence_number_outcome", outcomes);
	json_object_set_new(p, "patient_problems", problems);
	return json_pack("[o]", p);
}

static json_t *device_doc(const struct vg_case_version *v)
{
	json_t *d = json_object(), *devs = json_array();
	unsigned s = all_seriousness(v);

	set_str(d, "report_number", v->case_id);
	set_str(d, "mdr_report_key", v->case_id);
	set_date(d, "date_received", &v->received);
	if (v->nevents)
		set_date(d, "date_of_event", &v->events[0].onset);
	set_date(d, "date_report", &v->submitted);
	set_str(d, "event_type", (s & VG_SER_DEATH) ? "Death" : is_serious(v) ? "Injury" : "Other");
	set_str(d, "adverse_event_flag", "Y");
	for (size_t i = 0; i < v->nproducts; i++) {
		const struct vg_product *p = &v->products[i];
		json_t *o = json_object();
		set_str(o, "brand_name", p->name);
		set_str(o, "generic_name", p->ingredient ? p->ingredient : p->category);
		set_str(o, "model_number", p->device_model);
		set_str(o, "lot_number", p->batch);
		set_str(o, "manufacturer_d_name", p->manufacturer);
		set_str(o, "udi_di", p->udi);
		set_str(o, "device_report_product_code", p->category);
		set_int(o, "device_sequence_number", (long)i + 1);
		json_array_append_new(devs, o);
	}
	json_object_set_new(d, "device", devs);
	json_object_set_new(d, "patient", device_patient(v));
	if (v->narrative)
		json_object_set_new(d, "mdr_text",
		                    json_pack("[{s:s,s:s}]", "text_type_code",
		                              "Description of Event or Problem", "text", v->narrative));
	return d;
}

/* ------------------------------------------------------------ cosmetic */

static json_t *cosmetic_doc(const struct vg_case_version *v)
{
	json_t *d = json_object(), *prods = json_array(), *rx = json_array(), *out = json_array();
	static const char *const words[6] = {"Death", "Life Threatening", "Hospitalization",
	                                     "Disability", "Congenital Anomaly",
	                                     "Other Serious or Important Medical Event"};
	unsigned s = all_seriousness(v);
	json_t *consumer = json_pack("{s:s}", "gender", sex_word(v->sex));

	set_str(d, "report_number", v->case_id);
	set_date(d, "date_created", &v->received);
	if (v->nevents)
		set_date(d, "date_started", &v->events[0].onset);
	for (size_t i = 0; i < v->nproducts; i++) {
		const struct vg_product *p = &v->products[i];
		json_t *o = json_object();
		set_str(o, "name_brand", p->name);
		set_str(o, "industry_name", p->category ? p->category : p->ingredient);
		set_str(o, "role", p->role == VG_ROLE_SUSPECT ? "Suspect" : "Concomitant");
		json_array_append_new(prods, o);
	}
	for (size_t i = 0; i < v->nevents; i++) {
		const char *t = v->events[i].coded ? v->events[i].coded : v->events[i].term;
		if (t)
			json_array_append_new(rx, json_string(t));
	}
	for (int i = 0; i < 6; i++)
		if (s & (1u << i))
			json_array_append_new(out, json_string(words[i]));
	if (!is_serious(v))
		json_array_append_new(out, json_string("Non-serious"));
	if (!isnan(v->age_value)) {
		set_num(consumer, "age", v->age_value);
		set_str(consumer, "age_unit", v->age_unit ? v->age_unit : "a");
	}
	json_object_set_new(d, "products", prods);
	json_object_set_new(d, "reactions", rx);
	json_object_set_new(d, "outcomes", out);
	json_object_set_new(d, "consumer", consumer);
	return d;
}

json_t *vg_ofda_doc(const struct vg_case_version *v, int klass)
{
	json_t *d;

	switch (klass) {
	case VG_CLASS_DEVICE: d = device_doc(v); break;
	case VG_CLASS_COSMETIC: d = cosmetic_doc(v); break;
	default: d = drug_doc(v); break;
	}
	json_object_set_new(d, "vigil", json_pack("{s:s?,s:s?,s:s}", "unit", v->unit, "region",
	                                          v->region, "class", vg_class_name(v->klass)));
	return d;
}
