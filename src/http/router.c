/*
 * router.c - dispatch by table (STYLE.md #13).
 *
 * Each resource file (routes_*.c) exports one constant table of
 * {method, pattern, roles, handler, max_body}; vg_route_tables lists the
 * tables, and the matcher walks them in order.  Adding a route never edits
 * this file; adding a resource adds one line below.
 *
 * Patterns are literal segments and "{name}" captures, split on '/'.  A
 * capture never matches an empty segment.  MHD has already percent-decoded
 * the path, so a capture may hold any byte but '/' and NUL; handlers treat
 * captures as opaque identifiers looked up through prepared statements.
 */
#include "vg.h"
#include "util/util.h"
#include "http/http_int.h"

const struct vg_route *const vg_route_tables[] = {
	vg_routes_system, vg_routes_auth,    vg_routes_cases, vg_routes_review,
	vg_routes_admin,  vg_routes_openfda, vg_routes_e2b,   NULL,
};

/* Next segment of *p (after skipping one '/'); false at the end. */
static bool next_seg(const char **p, struct vg_sv *seg)
{
	const char *s = *p, *e;

	if (*s != '/')
		return false;
	s++;
	e = strchr(s, '/');
	if (!e)
		e = s + strlen(s);
	seg->p = s;
	seg->len = (size_t)(e - s);
	*p = e;
	return true;
}

static bool match_path(const char *pattern, const char *path, struct vg_arena *a,
                       const char **names, const char **values, int *n)
{
	const char *pp = pattern, *up = path;
	struct vg_sv ps, us;

	*n = 0;
	for (;;) {
		bool more_p = next_seg(&pp, &ps), more_u = next_seg(&up, &us);
		if (!more_p || !more_u)
			return more_p == more_u && *pp == '\0' && *up == '\0';
		if (ps.len >= 2 && ps.p[0] == '{' && ps.p[ps.len - 1] == '}') {
			if (us.len == 0 || *n >= VG_HTTP_MAX_PARAMS)
				return false;
			names[*n] = vg_arena_strndup(a, ps.p + 1, ps.len - 2);
			values[*n] = vg_arena_strndup(a, us.p, us.len);
			(*n)++;
		} else if (!vg_sv_eq(ps, us)) {
			return false;
		}
	}
}

const struct vg_route *vg_route_match(const char *method, const char *path,
                                      struct vg_arena *a, const char **names,
                                      const char **values, int *nparams,
                                      bool *method_mismatch)
{
	*method_mismatch = false;
	for (size_t t = 0; vg_route_tables[t]; t++) {
		for (const struct vg_route *rt = vg_route_tables[t]; rt->method; rt++) {
			if (!match_path(rt->pattern, path, a, names, values, nparams))
				continue;
			if (strcmp(rt->method, method) == 0)
				return rt;
			*method_mismatch = true;
		}
	}
	*nparams = 0;
	return NULL;
}
