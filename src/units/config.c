/*
 * config.c - the unit-evaluation configuration file.
 *
 * Format (config/units.conf is the documented default):
 *
 *   # comment                      blank lines ignored
 *   weight.volume = 30             one key = value per line, blanks around
 *   volume.basis = per_million     '=' ignored, '#' starts a comment
 *
 * Keys:
 *   weight.<component>       component: volume, valid, new_serious,
 *                            on_time, completeness, duplicate; >= 0
 *   volume.basis             reports | per_bed | per_million
 *   commend.<class>          drug | device | cosmetic: list size, 0..1000
 *   commend.min_reports      effective reports needed to be commended
 *   timeliness.unknown       late | excluded
 *   deadline.<class>.<cat>   quality.h vg_tl_rules_set
 *
 * Required (vg_units_config_check): every weight, volume.basis and the
 * three commend.<class> sizes.  The design rule (DESIGN.md: units/ never
 * hard-codes weights) is kept by having no default for them here at all.
 */
#include "vg.h"
#include "units/units.h"

#define LINE_MAX_BYTES 1024

static const char *const comp_names[VG_UC_COUNT] = {
	"volume", "valid", "new_serious", "on_time", "completeness", "duplicate"};

/* bits of c->set */
#define SET_WEIGHT(k) (1u << (k))
#define SET_BASIS (1u << VG_UC_COUNT)
#define SET_COMMEND(k) (1u << (VG_UC_COUNT + 1 + (k)))

const char *vg_ucomp_name(int comp)
{
	return comp >= 0 && comp < VG_UC_COUNT ? comp_names[comp] : NULL;
}

void vg_units_config_init(struct vg_units_config *c)
{
	memset(c, 0, sizeof(*c));
	c->commend_min_reports = 1;
	c->unknown_timeliness_is_late = true;
	vg_tl_rules_default(&c->rules);
}

static int parse_number(const char *v, double lo, double hi, double *out)
{
	double x;
	if (vg_parse_double(vg_sv_of(v), &x) < 0 || !(x >= lo && x <= hi))
		return VG_EINVAL;
	*out = x;
	return 0;
}

static int find_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* weight.* and commend.*; VG_ENOTFOUND when the key is neither. */
static int set_listed(struct vg_units_config *c, const char *key, const char *val)
{
	double x;
	if (strncmp(key, "weight.", 7) == 0) {
		int k = find_name(comp_names, VG_UC_COUNT, key + 7);
		if (k < 0 || parse_number(val, 0, 1e6, &x) < 0)
			return VG_EINVAL;
		c->weight[k] = x;
		c->set |= SET_WEIGHT(k);
		return 0;
	}
	if (strcmp(key, "commend.min_reports") == 0) {
		if (parse_number(val, 0, 1e9, &x) < 0 || x != (double)(int64_t)x)
			return VG_EINVAL;
		c->commend_min_reports = (int64_t)x;
		return 0;
	}
	if (strncmp(key, "commend.", 8) == 0) {
		int k = -1;
		for (int i = 0; i < VG_TL_NCLASS && k < 0; i++)
			k = strcmp(key + 8, vg_tl_class_name(i)) == 0 ? i : -1;
		if (k < 0 || parse_number(val, 0, 1000, &x) < 0 || x != (double)(int)x)
			return VG_EINVAL;
		c->commend[k] = (int)x;
		c->set |= SET_COMMEND(k);
		return 0;
	}
	return VG_ENOTFOUND;
}

static int set_key(struct vg_units_config *c, const char *key, const char *val)
{
	static const char *const bases[] = {"reports", "per_bed", "per_million"};
	int rc = set_listed(c, key, val);
	if (rc != VG_ENOTFOUND)
		return rc;
	if (strcmp(key, "volume.basis") == 0) {
		int k = find_name(bases, 3, val);
		if (k < 0)
			return VG_EINVAL;
		c->volume_basis = k;
		c->set |= SET_BASIS;
		return 0;
	}
	if (strcmp(key, "timeliness.unknown") == 0) {
		if (strcmp(val, "late") && strcmp(val, "excluded"))
			return VG_EINVAL;
		c->unknown_timeliness_is_late = strcmp(val, "late") == 0;
		return 0;
	}
	struct vg_err ignored = VG_ERR_INIT; /* the caller names file and line */
	return vg_tl_rules_set(&c->rules, key, val, &ignored);
}

/* Split one line into key and value (both trimmed, NUL-terminated in buf). */
static int split_line(struct vg_sv line, char *buf, size_t bufsz, const char **key,
                      const char **val)
{
	struct vg_sv rest, content = vg_sv_cut(line, '#', &rest);
	content = vg_sv_trim(content);
	if (content.len == 0)
		return 1; /* blank or comment */
	if (content.len >= bufsz)
		return VG_ETOOBIG;
	struct vg_sv v, k = vg_sv_cut(content, '=', &v);
	if (!v.p)
		return VG_EPARSE;
	k = vg_sv_trim(k);
	v = vg_sv_trim(v);
	memcpy(buf, k.p, k.len);
	buf[k.len] = '\0';
	memcpy(buf + k.len + 1, v.p, v.len);
	buf[k.len + 1 + v.len] = '\0';
	*key = buf;
	*val = buf + k.len + 1;
	return 0;
}

int vg_units_config_parse(struct vg_units_config *c, const char *text, size_t len,
                          const char *origin, struct vg_err *err)
{
	struct vg_sv rest = {text, len};
	char buf[LINE_MAX_BYTES + 2], where[VG_ERR_FIELD_MAX];
	for (int lineno = 1; rest.p && rest.len; lineno++) {
		struct vg_sv line = vg_sv_cut(rest, '\n', &rest);
		const char *key, *val;
		snprintf(where, sizeof(where), "%s:%d", origin ? origin : "config", lineno);
		int rc = split_line(line, buf, LINE_MAX_BYTES, &key, &val);
		if (rc == 1)
			continue;
		if (rc == VG_ETOOBIG)
			return vg_err_set(err, rc, where, "line longer than %d bytes", LINE_MAX_BYTES);
		if (rc < 0)
			return vg_err_set(err, VG_EPARSE, where, "expected 'key = value'");
		rc = set_key(c, key, val);
		if (rc == VG_ENOTFOUND)
			return vg_err_set(err, VG_EINVAL, where, "unknown key '%s'", key);
		if (rc < 0)
			return vg_err_set(err, VG_EINVAL, where, "bad value '%s' for '%s'", val, key);
	}
	return 0;
}

int vg_units_config_check(const struct vg_units_config *c, struct vg_err *err)
{
	double sum = 0;
	for (int k = 0; k < VG_UC_COUNT; k++) {
		if (!(c->set & SET_WEIGHT(k)))
			return vg_err_set(err, VG_EINVAL, "config", "weight.%s is not set",
			                  comp_names[k]);
		sum += c->weight[k];
	}
	if (!(c->set & SET_BASIS))
		return vg_err_set(err, VG_EINVAL, "config", "volume.basis is not set");
	for (int k = 0; k < VG_TL_NCLASS; k++)
		if (!(c->set & SET_COMMEND(k)))
			return vg_err_set(err, VG_EINVAL, "config", "commend.%s is not set",
			                  vg_tl_class_name(k));
	if (sum <= 0)
		return vg_err_set(err, VG_EINVAL, "config", "the weights add up to zero");
	return 0;
}
