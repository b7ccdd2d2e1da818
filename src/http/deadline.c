/*
 * deadline.c - Chinese reporting deadlines, checked at submission.
 *
 * The rules are quality/'s (vg_quality_timeliness with the default table
 * of DOMAIN.md 2.1, 2.3, 2.4: drug death 0 days, serious/new 15, other
 * 30; device death 7, serious 20, other 30; cosmetic serious 15, general
 * 30).  This file only adds what a submission knows and a stored version
 * does not: the cosmetics 3-day rule for reactions that may cause a major
 * social impact (NMPA 2022 No. 16), flagged by the submitter with
 * "major_social_impact": true.
 *
 * A late report is accepted and flagged: the 201 body and GET carry
 * "timeliness": {"category", "deadline_days", "days", "late", "rule"}.
 * Deadlines apply to initial reports; a follow-up, nullification or centre
 * amendment has none (deadline_days null, category "follow-up").
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "quality/quality.h"
#include "http/http_int.h"

static const char *cite(int tlclass, bool social)
{
	if (social)
		return "NMPA 2022 No. 16: may cause major social impact, 3 days";
	switch (tlclass) {
	case VG_TL_DEVICE: return "SAMR Order 1";
	case VG_TL_COSMETIC: return "NMPA 2022 No. 16";
	default: return "Order 81 art. 21";
	}
}

void vg_deadline_check(const struct vg_case_version *v, bool major_social_impact,
                       struct vg_http_timeliness *out)
{
	struct vg_tl_rules rules;
	struct vg_timeliness t;
	int tlclass = vg_tl_class_of(v->klass);
	bool social = major_social_impact && tlclass == VG_TL_COSMETIC;

	memset(out, 0, sizeof(*out));
	if (!v->initial) {
		/* Order 81 art. 21: follow-up information "及时", no fixed number. */
		out->deadline_days = -1;
		out->category = "follow-up";
		out->rule = "Order 81 art. 21: follow-up information promptly, no fixed limit";
		return;
	}
	vg_tl_rules_default(&rules);
	if (social) /* NMPA 2022 No. 16: 3 days */
		rules.deadline[VG_TL_COSMETIC][vg_tl_category(v)] = 3;
	vg_quality_timeliness(&rules, v, &t);
	out->known = t.known;
	out->deadline_days = t.deadline;
	out->days = t.days_taken;
	out->late = t.known && !t.on_time;
	out->category = vg_tl_cat_name(t.category);
	out->rule = cite(tlclass, social);
}

json_t *vg_timeliness_json(const struct vg_http_timeliness *t)
{
	json_t *j = json_object();

	json_object_set_new(j, "category", json_string(t->category ? t->category : "other"));
	json_object_set_new(j, "deadline_days",
	                    t->deadline_days >= 0 ? json_integer(t->deadline_days) : json_null());
	json_object_set_new(j, "days", t->known ? json_integer(t->days) : json_null());
	json_object_set_new(j, "late", json_boolean(t->late));
	json_object_set_new(j, "rule", json_string(t->rule));
	return j;
}
