/*
 * dict.c - the product dictionary (cleaned name -> ingredient) and the log
 * of names it could not match.
 *
 * Layout:
 *
 *   keys    vg_map: cleaned name -> entry id (dense, insertion order)
 *   ents[]  {ingredient, origin "file:line" or NULL, implicit}
 *   miss    vg_map: cleaned name -> unmatched id
 *   mcount[], mexample[]  per unmatched id
 *
 * Strings live in the dictionary's arena and are freed with it.  Explicit
 * rows win over the implicit "ingredient is a name of itself" rows; two
 * explicit rows that disagree are a conflict the centre must resolve.
 */
#include "vg.h"
#include "terms/terms_int.h"

struct ent {
	const char *ingredient;
	const char *origin;
	bool implicit;
};

struct vg_terms_dict {
	struct vg_arena arena;
	struct vg_map *keys;
	struct ent *ents;
	size_t nents, ents_cap;
	struct vg_map *miss;
	uint64_t *mcount;
	const char **mexample;
	size_t nmiss, mcount_cap, mexample_cap;
};

struct vg_terms_dict *vg_terms_dict_new(void)
{
	struct vg_terms_dict *d = vg_xcalloc(1, sizeof(*d));

	vg_arena_init(&d->arena, 64 * 1024);
	d->keys = vg_map_new(1024);
	d->miss = vg_map_new(256);
	return d;
}

void vg_terms_dict_free(struct vg_terms_dict *d)
{
	if (!d)
		return;
	vg_map_free(d->keys);
	vg_map_free(d->miss);
	free(d->ents);
	free(d->mcount);
	free(d->mexample);
	vg_arena_release(&d->arena);
	free(d);
}

size_t vg_terms_dict_count(const struct vg_terms_dict *d)
{
	return d->nents;
}

static int cmp_sv(const void *x, const void *y)
{
	const struct vg_sv *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/*
 * The matching key: the cleaned name with its components in byte order, so
 * "trimethoprim/sulfamethoxazole" and "sulfamethoxazole/trimethoprim" are
 * one entry.  Rewrites b in place (a cleaned name has no empty component).
 */
static void sort_components(struct vg_buf *b)
{
	size_t n = 1, k = 0;
	struct vg_sv *parts, rest;
	char *copy;

	for (size_t i = 0; i < b->len; i++)
		n += b->p[i] == '/';
	if (n == 1)
		return;
	copy = vg_xstrndup(b->p, b->len);
	parts = vg_xreallocarray(NULL, n, sizeof(*parts));
	rest = (struct vg_sv){copy, b->len};
	while (rest.p && k < n)
		parts[k++] = vg_sv_cut(rest, '/', &rest);
	qsort(parts, k, sizeof(*parts), cmp_sv);
	vg_buf_reset(b);
	for (size_t i = 0; i < k; i++) { /* never longer than before: cannot fail */
		if (i)
			vg_buf_putc(b, '/');
		vg_buf_append(b, parts[i].p, parts[i].len);
	}
	free(parts);
	free(copy);
}

static int put(struct vg_terms_dict *d, const char *key, size_t klen, const char *ingr,
               const char *origin, bool implicit, struct vg_err *err)
{
	bool added;
	uint32_t id = vg_map_intern(d->keys, key, klen, &added);

	if (added) {
		VG_GROW(d->ents, d->ents_cap, d->nents + 1);
		d->ents[d->nents++] = (struct ent){vg_arena_strdup(&d->arena, ingr),
		                                   vg_arena_strdup(&d->arena, origin), implicit};
		return 0;
	}
	struct ent *e = &d->ents[id];
	if (implicit || strcmp(e->ingredient, ingr) == 0)
		return 0;
	if (e->implicit) { /* an explicit row overrides an ingredient's self-entry */
		*e = (struct ent){vg_arena_strdup(&d->arena, ingr), vg_arena_strdup(&d->arena, origin),
		                  false};
		return 0;
	}
	return vg_err_set(err, VG_EEXIST, origin, "\"%.*s\" maps to \"%s\" here but to \"%s\"%s%s",
	                  (int)klen, key, ingr, e->ingredient, e->origin ? " at " : "",
	                  e->origin ? e->origin : "");
}

static int add_at(struct vg_terms_dict *d, const char *name, const char *ingredient,
                  const char *origin, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(VG_TERMS_NAME_MAX * 2);
	struct vg_sv ing = vg_sv_trim(vg_sv_of(ingredient));
	char *ingr = NULL;
	int rc;

	if (!name || !ingredient || ing.len == 0)
		return vg_err_set(err, VG_EINVAL, origin, "empty name or ingredient");
	ingr = vg_xstrndup(ing.p, ing.len);
	rc = vg_terms_clean(name, &b);
	if (rc) {
		vg_err_set(err, rc, origin, "name cannot be cleaned: %s", vg_strerror(rc));
		goto out;
	}
	if (b.len == 0) {
		rc = vg_err_set(err, VG_EINVAL, origin, "name \"%.64s\" is empty after cleaning", name);
		goto out;
	}
	sort_components(&b);
	rc = put(d, b.p, b.len, ingr, origin, false, err);
	if (rc)
		goto out;
	rc = vg_terms_clean(ingr, &b); /* the ingredient names itself */
	if (!rc && b.len) {
		sort_components(&b);
		rc = put(d, b.p, b.len, ingr, origin, true, err);
	}
out:
	free(ingr);
	vg_buf_release(&b);
	return rc;
}

int vg_terms_dict_add(struct vg_terms_dict *d, const char *name, const char *ingredient,
                      struct vg_err *err)
{
	return add_at(d, name, ingredient, NULL, err);
}

/* ------------------------------------------------------------------- CSV */

/* Split one CSV line (RFC 4180 quoting) into at most max fields, written
 * NUL-terminated into buf (as large as the line + max).  Returns the field
 * count or -1 on a broken quote. */
static int csv_split(struct vg_sv line, char *buf, const char **f, int max)
{
	size_t i = 0, o = 0;
	int n = 0;

	for (;;) {
		if (n == max)
			return n;
		f[n++] = buf + o;
		if (i < line.len && line.p[i] == '"') {
			for (i++;; i++) {
				if (i >= line.len)
					return -1;
				if (line.p[i] == '"' && i + 1 < line.len && line.p[i + 1] == '"')
					buf[o++] = line.p[i++];
				else if (line.p[i] == '"')
					break;
				else
					buf[o++] = line.p[i];
			}
			i++;
			if (i < line.len && line.p[i] != ',')
				return -1;
		} else {
			while (i < line.len && line.p[i] != ',')
				buf[o++] = line.p[i++];
		}
		buf[o++] = '\0';
		if (i >= line.len)
			return n;
		i++; /* the comma */
	}
}

static bool is_header(const char **f, int n)
{
	return n >= 2 && vg_sv_ieq_cstr(vg_sv_trim(vg_sv_of(f[0])), "name") &&
	       vg_sv_ieq_cstr(vg_sv_trim(vg_sv_of(f[1])), "ingredient");
}

static int load_lines(struct vg_terms_dict *d, struct lines *r, size_t *nadded,
                      struct vg_err *err)
{
	char *buf = vg_xmalloc(VG_TERMS_LINE_MAX + 8);
	struct vg_sv line;
	const char *f[2];
	char pos[VG_ERR_FIELD_MAX];
	bool first = true;
	int rc;

	while ((rc = lines_next(r, &line, err)) == 1) {
		struct vg_sv t = vg_sv_trim(line);
		if (t.len == 0 || t.p[0] == '#')
			continue;
		int n = csv_split(line, buf, f, 2);
		lines_pos(r, pos);
		if (n < 0) {
			rc = vg_err_set(err, VG_EPARSE, pos, "unbalanced quotes");
			break;
		}
		bool header = first && is_header(f, n);
		first = false;
		if (header)
			continue;
		if (n < 2) {
			rc = vg_err_set(err, VG_EPARSE, pos, "expected \"name,ingredient\"");
			break;
		}
		if (vg_sv_trim(vg_sv_of(f[1])).len == 0) /* review row not filled in yet */
			continue;
		rc = add_at(d, f[0], f[1], pos, err);
		if (rc)
			break;
		if (nadded)
			(*nadded)++;
	}
	free(buf);
	return rc < 0 ? rc : 0;
}

int vg_terms_dict_load_mem(struct vg_terms_dict *d, const char *text, size_t len,
                           const char *name, size_t *nadded, struct vg_err *err)
{
	struct lines r;
	int rc;

	if (nadded)
		*nadded = 0;
	lines_open_mem(&r, text, len, name ? name : "dictionary");
	rc = load_lines(d, &r, nadded, err);
	lines_close(&r);
	return rc;
}

int vg_terms_dict_load(struct vg_terms_dict *d, const char *path, size_t *nadded,
                       struct vg_err *err)
{
	struct lines r;
	int rc;

	if (nadded)
		*nadded = 0;
	rc = lines_open(&r, path, path, err);
	if (rc)
		return rc;
	rc = load_lines(d, &r, nadded, err);
	lines_close(&r);
	return rc;
}

/* ---------------------------------------------------------------- lookup */

/* Look the cleaned name in key up (key is reordered in the process). */
static const char *find(const struct vg_terms_dict *d, struct vg_buf *key)
{
	uint32_t id;

	if (key->len == 0)
		return NULL;
	sort_components(key);
	id = vg_map_find(d->keys, key->p, key->len);
	return id == UINT32_MAX ? NULL : d->ents[id].ingredient;
}

int vg_terms_match(const struct vg_terms_dict *d, const char *name, struct vg_arena *a,
                   struct vg_terms_result *out)
{
	struct vg_buf b = VG_BUF_INIT(VG_TERMS_NAME_MAX * 2);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		return VG_EINVAL;
	rc = vg_terms_clean(name, &b);
	if (rc)
		goto out;
	out->cleaned = vg_arena_strndup(a, b.p, b.len);
	out->ingredient = find(d, &b);
	out->how = out->ingredient ? VG_TERMS_DICT : VG_TERMS_UNMATCHED;
	if (!out->ingredient) {
		rc = vg_terms_clean_alt(name, &b);
		out->ingredient = rc ? NULL : find(d, &b);
		out->how = out->ingredient ? VG_TERMS_DICT_ALT : VG_TERMS_UNMATCHED;
		rc = 0;
	}
out:
	vg_buf_release(&b);
	return rc;
}

static void record_miss(struct vg_terms_dict *d, const char *cleaned, const char *verbatim)
{
	bool added;
	uint32_t id = vg_map_intern(d->miss, cleaned, strlen(cleaned), &added);

	if (added) {
		VG_GROW(d->mcount, d->mcount_cap, d->nmiss + 1);
		VG_GROW(d->mexample, d->mexample_cap, d->nmiss + 1);
		d->mcount[d->nmiss] = 0;
		d->mexample[d->nmiss] = vg_arena_strdup(&d->arena, verbatim);
		d->nmiss++;
	}
	d->mcount[id]++;
}

int vg_terms_normalise(struct vg_terms_dict *d, const char *name, struct vg_arena *a,
                       struct vg_terms_result *out)
{
	int rc = vg_terms_match(d, name, a, out);

	if (!rc && out->how == VG_TERMS_UNMATCHED && out->cleaned[0])
		record_miss(d, out->cleaned, name);
	return rc;
}

/* -------------------------------------------------------------- review */

static int by_count(const void *x, const void *y)
{
	const struct vg_terms_unmatched *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->cleaned, b->cleaned);
}

size_t vg_terms_unmatched(const struct vg_terms_dict *d, struct vg_arena *a,
                          struct vg_terms_unmatched **out)
{
	struct vg_terms_unmatched *u = vg_arena_calloc(a, d->nmiss ? d->nmiss : 1, sizeof(*u));

	for (size_t i = 0; i < d->nmiss; i++) {
		u[i].cleaned = vg_map_key(d->miss, (uint32_t)i, NULL);
		u[i].example = d->mexample[i];
		u[i].count = d->mcount[i];
	}
	qsort(u, d->nmiss, sizeof(*u), by_count);
	*out = u;
	return d->nmiss;
}

int vg_terms_unmatched_csv(const struct vg_terms_dict *d, struct vg_buf *out)
{
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_terms_unmatched *u;
	size_t n;
	int rc;

	vg_arena_init(&a, 0);
	n = vg_terms_unmatched(d, &a, &u);
	rc = vg_buf_puts(out, "name,ingredient,count,example\n");
	for (size_t i = 0; i < n && !rc; i++) {
		rc = vg_buf_csv_str(out, u[i].cleaned);
		if (!rc)
			rc = vg_buf_printf(out, ",,%" PRIu64 ",", u[i].count);
		if (!rc)
			rc = vg_buf_csv_str(out, u[i].example);
		if (!rc)
			rc = vg_buf_putc(out, '\n');
	}
	vg_arena_release(&a);
	return rc;
}
