/*
 * timeliness.c - reporting deadlines and the on-time verdict of a version.
 *
 * A rules table maps (rules class, report category) to a deadline in days
 * counted from the date the reporting unit learned of the event (aware) to
 * the date it submitted the report (submitted).  Defaults, from DOMAIN.md
 * section 2:
 *
 *            death   serious  new   other
 *   drug       0       15     15     30     Order 81 art. 21 (MoH 2011)
 *   device     7       20     30     30     SAMR Order 1 (2018)
 *   cosmetic  15       15     30     30     NMPA announcement 2022 No. 16
 *
 * "Immediately" (立即, drug deaths) is taken as 0 days: the report is on
 * time only when submitted on the day the unit learned of the death.
 * Devices have no "new" notion: a new, non-serious event is "other".
 * Cosmetics have no separate death rule: a death is serious (15 days).
 * The cosmetics 3-day rule for events "that may cause major social impact"
 * needs a flag no report carries yet; it is not modelled.
 * Vaccines, foods and unknown classes use the drug table.
 *
 * Every entry can be overridden from configuration ("deadline.drug.serious
 * = 15"), so a revision of Order 81 is a configuration change.
 */
#include "vg.h"
#include "quality/quality.h"

static const char *const cat_names[VG_TL_COUNT] = {"death", "serious", "new", "other"};
static const char *const class_names[VG_TL_NCLASS] = {"drug", "device", "cosmetic"};

#define MAX_DEADLINE 3650

const char *vg_tl_cat_name(int cat)
{
	return cat >= 0 && cat < VG_TL_COUNT ? cat_names[cat] : NULL;
}

const char *vg_tl_class_name(int tlclass)
{
	return tlclass >= 0 && tlclass < VG_TL_NCLASS ? class_names[tlclass] : NULL;
}

int vg_tl_class_of(int klass)
{
	switch (klass) {
	case VG_CLASS_DEVICE:
		return VG_TL_DEVICE;
	case VG_CLASS_COSMETIC:
		return VG_TL_COSMETIC;
	default:
		return VG_TL_DRUG; /* drugs, vaccines, foods, unknown */
	}
}

void vg_tl_rules_default(struct vg_tl_rules *r)
{
	/* Order 81 art. 21: deaths immediately (0 days), new or serious 15 days,
	 * others 30 days. */
	r->deadline[VG_TL_DRUG][VG_TL_DEATH] = 0;
	r->deadline[VG_TL_DRUG][VG_TL_SERIOUS] = 15;
	r->deadline[VG_TL_DRUG][VG_TL_NEW] = 15;
	r->deadline[VG_TL_DRUG][VG_TL_OTHER] = 30;
	/* SAMR Order 1 (device AE monitoring): death 7 days, serious injury
	 * 20 days; other events 30 days. */
	r->deadline[VG_TL_DEVICE][VG_TL_DEATH] = 7;
	r->deadline[VG_TL_DEVICE][VG_TL_SERIOUS] = 20;
	r->deadline[VG_TL_DEVICE][VG_TL_NEW] = 30;
	r->deadline[VG_TL_DEVICE][VG_TL_OTHER] = 30;
	/* NMPA 2022 No. 16 (cosmetic ADR monitoring): serious 15 days, general
	 * 30 days. */
	r->deadline[VG_TL_COSMETIC][VG_TL_DEATH] = 15;
	r->deadline[VG_TL_COSMETIC][VG_TL_SERIOUS] = 15;
	r->deadline[VG_TL_COSMETIC][VG_TL_NEW] = 30;
	r->deadline[VG_TL_COSMETIC][VG_TL_OTHER] = 30;
}

static int index_of(const char *const *names, int n, struct vg_sv s)
{
	for (int i = 0; i < n; i++)
		if (vg_sv_eq_cstr(s, names[i]))
			return i;
	return -1;
}

int vg_tl_rules_set(struct vg_tl_rules *r, const char *key, const char *value,
                    struct vg_err *err)
{
	struct vg_sv rest, k = vg_sv_of(key);
	struct vg_sv head = vg_sv_cut(k, '.', &rest);
	if (!vg_sv_eq_cstr(head, "deadline") || !rest.p)
		return VG_ENOTFOUND;
	struct vg_sv cat_sv, cls_sv = vg_sv_cut(rest, '.', &cat_sv);
	int cls = index_of(class_names, VG_TL_NCLASS, cls_sv);
	int cat = cat_sv.p ? index_of(cat_names, VG_TL_COUNT, cat_sv) : -1;
	if (cls < 0 || cat < 0)
		return vg_err_set(err, VG_EINVAL, key,
		                  "unknown deadline key (deadline.drug|device|cosmetic."
		                  "death|serious|new|other)");
	int64_t days;
	if (vg_parse_i64(vg_sv_trim(vg_sv_of(value)), &days) < 0 || days < 0 ||
	    days > MAX_DEADLINE)
		return vg_err_set(err, VG_EINVAL, key, "deadline must be 0..%d days, not '%s'",
		                  MAX_DEADLINE, value ? value : "");
	r->deadline[cls][cat] = (int)days;
	return 0;
}

int vg_tl_category(const struct vg_case_version *v)
{
	bool death = (v->seriousness & VG_SER_DEATH) != 0;
	for (size_t i = 0; i < v->nevents && !death; i++)
		death = v->events[i].outcome == VG_OUTCOME_FATAL ||
		        (v->events[i].seriousness & VG_SER_DEATH);
	if (death)
		return VG_TL_DEATH;
	bool serious = v->serious || (v->seriousness & VG_SER_ALL);
	for (size_t i = 0; i < v->nevents && !serious; i++)
		serious = (v->events[i].seriousness & VG_SER_ALL) != 0;
	if (serious)
		return VG_TL_SERIOUS;
	return v->unexpected ? VG_TL_NEW : VG_TL_OTHER;
}

void vg_quality_timeliness(const struct vg_tl_rules *r, const struct vg_case_version *v,
                           struct vg_timeliness *out)
{
	memset(out, 0, sizeof(*out));
	out->category = vg_tl_category(v);
	out->deadline = r->deadline[vg_tl_class_of(v->klass)][out->category];
	if (v->aware.prec < VG_DATE_YEAR || v->submitted.prec < VG_DATE_YEAR)
		return;
	/* benefit of the doubt on partial dates: latest awareness, earliest
	 * submission */
	int32_t taken = vg_date_first_day(&v->submitted) - vg_date_last_day(&v->aware);
	out->known = true;
	out->days_taken = taken < 0 ? 0 : taken;
	out->days_late = out->days_taken > out->deadline ? out->days_taken - out->deadline : 0;
	out->on_time = out->days_late == 0;
}
