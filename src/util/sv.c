/*
 * sv.c - string views, strict number parsing, integer formatting.
 *
 * A view is a pointer and a length into someone else's bytes; it is never
 * assumed to be NUL-terminated.  The parsers accept the whole view or fail:
 * "12abc", "", " 1" and out-of-range values are errors, unlike atoi.
 *
 * vg_fmt_i64 is the other direction, for the hot encoders (case JSON,
 * dates): the bytes printf's "%0*lld" would write, without printf's format
 * parsing and stream machinery (about 4 times cheaper than snprintf "%d").
 * The magnitude is taken as unsigned, so INT64_MIN needs no special case.
 */
#include "vg.h"
#include "util/util.h"

#include <ctype.h>
#include <math.h>

bool vg_sv_eq(struct vg_sv a, struct vg_sv b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool vg_sv_eq_cstr(struct vg_sv a, const char *s)
{
	return vg_sv_eq(a, vg_sv_of(s));
}

bool vg_sv_ieq_cstr(struct vg_sv a, const char *s)
{
	size_t n = strlen(s);

	if (n != a.len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)s[i]))
			return false;
	return true;
}

struct vg_sv vg_sv_trim(struct vg_sv s)
{
	while (s.len && isspace((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && isspace((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

struct vg_sv vg_sv_cut(struct vg_sv s, char sep, struct vg_sv *rest)
{
	const char *hit = s.len ? memchr(s.p, sep, s.len) : NULL;
	struct vg_sv head = s;

	if (!hit) {
		if (rest)
			*rest = (struct vg_sv){NULL, 0};
		return head;
	}
	head.len = (size_t)(hit - s.p);
	if (rest)
		*rest = (struct vg_sv){hit + 1, s.len - head.len - 1};
	return head;
}

int vg_parse_i64(struct vg_sv s, int64_t *out)
{
	char tmp[32];
	char *end;
	long long v;

	if (s.len == 0 || s.len >= sizeof(tmp))
		return VG_EINVAL;
	if (!(isdigit((unsigned char)s.p[0]) || s.p[0] == '-' || s.p[0] == '+'))
		return VG_EINVAL;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno == ERANGE)
		return VG_ERANGE;
	if (*end != '\0' || end == tmp)
		return VG_EINVAL;
	*out = (int64_t)v;
	return 0;
}

int vg_parse_double(struct vg_sv s, double *out)
{
	char tmp[64];
	char *end;
	double v;

	if (s.len == 0 || s.len >= sizeof(tmp))
		return VG_EINVAL;
	if (isspace((unsigned char)s.p[0]))
		return VG_EINVAL;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (*end != '\0' || end == tmp)
		return VG_EINVAL;
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
		return VG_ERANGE;
	*out = v;
	return 0;
}

size_t vg_fmt_i64(char *out, int64_t v, int width)
{
	char digits[20];
	uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
	size_t nd = 0, n = 0;

	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[n++] = '-';
	while (n + nd < (size_t)(width > 0 ? width : 0))
		out[n++] = '0';
	while (nd)
		out[n++] = digits[--nd];
	return n;
}
