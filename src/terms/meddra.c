/*
 * meddra.c - the MedDRA hierarchy from the ASCII distribution.
 *
 * File layouts (FORMATS.md section 7; no header, '$' between fields and a
 * '$' closing every record, so a record of k columns splits into k + 1
 * fields, the last empty).  Columns used, 0-based:
 *
 *   soc.asc      0 soc_code   1 soc_name
 *   hlgt.asc     0 hlgt_code  1 hlgt_name
 *   hlt.asc      0 hlt_code   1 hlt_name
 *   pt.asc       0 pt_code    1 pt_name   3 pt_soc_code (primary SOC)
 *   llt.asc      0 llt_code   1 llt_name  2 pt_code
 *                (non-current LLTs are loaded too: old reports use them)
 *   mdhier.asc   0 pt 1 hlt 2 hlgt 3 soc  11 primary_soc_fg ('Y')
 *   hlt_pt.asc   0 hlt 1 pt;  hlgt_hlt.asc 0 hlgt 1 hlt;  soc_hlgt.asc 0 soc 1 hlgt
 *   intl_ord.asc 0 intl_ord_code 1 soc_code (optional: SOC display order)
 *
 * In memory, one table per level:
 *
 *   struct level { codes: vg_map (4-byte code -> row), names: vg_map
 *                  (lower-cased name -> first row with it), rows[] }
 *
 * Rows are in file order; LLT rows point at their PT row, PT rows hold the
 * primary SOC code and a slice [path_off, path_off + path_n) of paths[],
 * which is sorted by PT row with the primary path first.  Loading order is
 * SOC, HLGT, HLT, PT, LLT, then the paths, so every link is checked against
 * a loaded table at the line that makes it.
 *
 * Roll-up (LLT -> PT -> primary HLT/HLGT/SOC) is two hash look-ups and a
 * copy; the hierarchy is read-only after loading.
 *
 * The files come from a folder (vg_meddra_load) or from memory
 * (vg_meddra_load_mem, used by fuzz/fuzz_meddra.c and the tests): one
 * struct src hides which, so both go through the same line reader, caps
 * and checks; "absent" means no such file in the folder or no such name
 * in the array.
 */
#include "vg.h"
#include "terms/terms_int.h"

#include <ctype.h>

#define MAX_FIELDS 16

struct row {
	uint32_t code;
	const char *name;
	uint32_t link;      /* LLT: PT row; PT: primary SOC code; SOC: intl order */
	uint32_t path_off;  /* PT only */
	uint32_t path_n;
};

struct level {
	struct vg_map *codes, *names;
	uint32_t *name_row; /* names id -> row */
	struct row *rows;
	size_t n, cap, names_cap;
};

/* One row of smq_content.asc (active rows only are kept). */
struct smq_term {
	uint32_t smq;   /* row in the SMQ table */
	uint32_t code;  /* PT code, or the child SMQ's row for level 0 */
	uint8_t level;  /* 0 child SMQ, 4 PT (LLT rows are stored as their PT) */
	uint8_t scope;  /* 1 broad, 2 narrow, 0 not applicable */
};

struct vg_meddra {
	struct vg_arena arena;
	struct level lv[6]; /* by enum vg_meddra_level */
	struct vg_meddra_path *paths;
	size_t npaths, paths_cap;
	struct level smq;   /* smq_list.asc; rows[].path_off/path_n index smqt */
	struct smq_term *smqt;
	size_t nsmqt, smqt_cap;
};

static const char *const level_names[6] = {NULL, "llt", "pt", "hlt", "hlgt", "soc"};

const char *vg_meddra_level_name(int level)
{
	return level > 0 && level <= VG_MEDDRA_SOC ? level_names[level] : NULL;
}

int vg_meddra_level_parse(const char *s)
{
	for (int i = 1; s && i <= VG_MEDDRA_SOC; i++)
		if (vg_sv_ieq_cstr(vg_sv_trim(vg_sv_of(s)), level_names[i]))
			return i;
	return -1;
}

/* qsort, but not on fewer than two elements: an empty array may be NULL,
 * which qsort must not be given (UBSan; found by fuzz/fuzz_meddra.c). */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ---------------------------------------------------------------- tables */

static uint32_t find_code(const struct level *l, uint32_t code)
{
	unsigned char k[4] = {(unsigned char)code, (unsigned char)(code >> 8),
	                      (unsigned char)(code >> 16), (unsigned char)(code >> 24)};
	return l->codes ? vg_map_find(l->codes, (const char *)k, 4) : UINT32_MAX;
}

/* The lookup key of a name into out (VG_TERMS_LINE_MAX + 1 bytes): trimmed,
 * ASCII lower case, runs of spaces and tabs as one space ("Skin  RASH" ->
 * "skin rash").  Other bytes (Chinese MedDRA names) are kept as they are. */
static struct vg_sv name_key(const char *name, char *out)
{
	struct vg_sv s = vg_sv_trim(vg_sv_of(name));
	size_t n = 0;

	for (size_t i = 0; i < s.len && n < VG_TERMS_LINE_MAX; i++) {
		unsigned char c = (unsigned char)s.p[i];
		bool space = c == ' ' || c == '\t';
		if (space && n && out[n - 1] == ' ')
			continue;
		out[n++] = space ? ' ' : (char)tolower(c);
	}
	out[n] = '\0';
	return (struct vg_sv){out, n};
}

static uint32_t find_name(const struct level *l, const char *name)
{
	char key[VG_TERMS_LINE_MAX + 1];
	struct vg_sv k = name_key(name, key);
	uint32_t id = l->names ? vg_map_find(l->names, k.p, k.len) : UINT32_MAX;

	return id == UINT32_MAX ? UINT32_MAX : l->name_row[id];
}

/* Append a row; false when the code is already there. */
static bool add_row(struct vg_meddra *m, struct level *l, uint32_t code, struct vg_sv name,
                    uint32_t link)
{
	unsigned char k[4] = {(unsigned char)code, (unsigned char)(code >> 8),
	                      (unsigned char)(code >> 16), (unsigned char)(code >> 24)};
	char key[VG_TERMS_LINE_MAX + 1];
	bool added;

	vg_map_intern(l->codes, (const char *)k, 4, &added);
	if (!added)
		return false;
	VG_GROW(l->rows, l->cap, l->n + 1);
	char *nm = vg_arena_strndup(&m->arena, name.p, name.len);
	l->rows[l->n] = (struct row){code, nm, link, 0, 0};
	struct vg_sv nk = name_key(nm, key);
	uint32_t id = vg_map_intern(l->names, nk.p, nk.len, &added);
	if (added) {
		VG_GROW(l->name_row, l->names_cap, (size_t)id + 1);
		l->name_row[id] = (uint32_t)l->n;
	}
	l->n++;
	return true;
}

/* --------------------------------------------------------------- parsing */

struct asc {
	struct lines r;
	struct vg_sv f[MAX_FIELDS];
	int nf;
	char pos[VG_ERR_FIELD_MAX];
};

static int split(struct asc *a, struct vg_sv line)
{
	struct vg_sv rest = line;

	a->nf = 0;
	while (a->nf < MAX_FIELDS) {
		a->f[a->nf++] = vg_sv_cut(rest, '$', &rest);
		if (!rest.p)
			break;
	}
	return a->nf;
}

static int bad(struct asc *a, struct vg_err *err, const char *fmt, ...) VG_PRINTF(3, 4);
static int bad(struct asc *a, struct vg_err *err, const char *fmt, ...)
{
	char msg[VG_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lines_pos(&a->r, a->pos);
	return vg_err_set(err, VG_EPARSE, a->pos, "%s", msg);
}

/* Column col as a MedDRA code (1-8 digits). */
static int code_at(struct asc *a, int col, uint32_t *out, struct vg_err *err)
{
	struct vg_sv s = vg_sv_trim(a->f[col]);
	int64_t v;

	*out = 0;
	if (s.len == 0 || s.len > 8 || strspn(s.p, "0123456789") < s.len || vg_parse_i64(s, &v))
		return bad(a, err, "column %d \"%.*s\" is not a MedDRA code (1-8 digits)", col + 1,
		           (int)(s.len > 32 ? 32 : s.len), s.p);
	*out = (uint32_t)v;
	return 0;
}

/* Where the files come from: a folder (vg_meddra_load) or n in-memory
 * files (vg_meddra_load_mem). */
struct src {
	const char *dir;
	const struct vg_meddra_file *files;
	size_t n;
};

static const struct vg_meddra_file *mem_file(const struct src *s, const char *file)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->files[i].name && strcmp(s->files[i].name, file) == 0)
			return &s->files[i];
	return NULL;
}

static bool exists(struct vg_meddra *m, const struct src *s, const char *file)
{
	FILE *f;

	if (!s->dir)
		return mem_file(s, file) != NULL;
	f = fopen(vg_arena_printf(&m->arena, "%s/%s", s->dir, file), "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

static int open_asc(struct vg_meddra *m, const struct src *s, const char *file, struct lines *r,
                    struct vg_err *err)
{
	const struct vg_meddra_file *mf;

	if (s->dir)
		return lines_open(r, vg_arena_printf(&m->arena, "%s/%s", s->dir, file), file, err);
	mf = mem_file(s, file);
	if (!mf)
		return vg_err_set(err, VG_ENOTFOUND, file, "cannot open %s: not among the files given",
		                  file);
	lines_open_mem(r, mf->text, mf->len, file);
	return 0;
}

typedef int (*row_fn)(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err);

static int read_asc(struct vg_meddra *m, const struct src *s, const char *file, int need,
                    row_fn fn, void *ctx, struct vg_err *err)
{
	struct asc *a = vg_xcalloc(1, sizeof(*a));
	struct vg_sv line;
	int rc = open_asc(m, s, file, &a->r, err);

	while (!rc && (rc = lines_next(&a->r, &line, err)) == 1) {
		rc = 0;
		if (vg_sv_trim(line).len == 0)
			continue;
		if (split(a, line) < need) {
			rc = bad(a, err, "expected at least %d '$'-separated columns, found %d", need,
			         a->nf);
			break;
		}
		rc = fn(m, a, ctx, err);
	}
	lines_close(&a->r);
	free(a);
	return rc < 0 ? rc : 0;
}

/* soc.asc, hlgt.asc, hlt.asc: code, name. */
static int row_term(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	struct level *l = ctx;
	uint32_t code;
	int rc = code_at(a, 0, &code, err);

	if (rc)
		return rc;
	if (vg_sv_trim(a->f[1]).len == 0)
		return bad(a, err, "empty term name");
	if (!add_row(m, l, code, vg_sv_trim(a->f[1]), 0))
		return bad(a, err, "duplicate code %" PRIu32, code);
	return 0;
}

static int row_pt(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	uint32_t code, soc;
	int rc = code_at(a, 0, &code, err);

	if (!rc)
		rc = code_at(a, 3, &soc, err);
	if (rc)
		return rc;
	if (find_code(&m->lv[VG_MEDDRA_SOC], soc) == UINT32_MAX)
		return bad(a, err, "primary SOC %" PRIu32 " is not in soc.asc", soc);
	if (vg_sv_trim(a->f[1]).len == 0)
		return bad(a, err, "empty term name");
	if (!add_row(m, &m->lv[VG_MEDDRA_PT], code, vg_sv_trim(a->f[1]), soc))
		return bad(a, err, "duplicate code %" PRIu32, code);
	return 0;
}

static int row_llt(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	uint32_t code, pt, ptrow;
	int rc = code_at(a, 0, &code, err);

	if (!rc)
		rc = code_at(a, 2, &pt, err);
	if (rc)
		return rc;
	ptrow = find_code(&m->lv[VG_MEDDRA_PT], pt);
	if (ptrow == UINT32_MAX)
		return bad(a, err, "PT %" PRIu32 " is not in pt.asc", pt);
	if (vg_sv_trim(a->f[1]).len == 0)
		return bad(a, err, "empty term name");
	if (!add_row(m, &m->lv[VG_MEDDRA_LLT], code, vg_sv_trim(a->f[1]), ptrow))
		return bad(a, err, "duplicate code %" PRIu32, code);
	return 0;
}

/* ----------------------------------------------------------------- paths */

struct raw {
	uint32_t pt, hlt, hlgt, soc; /* rows */
	bool primary;
};

struct rawvec {
	struct raw *v;
	size_t n, cap;
};

static void raw_push(struct rawvec *rv, struct raw r)
{
	VG_GROW(rv->v, rv->cap, rv->n + 1);
	rv->v[rv->n++] = r;
}

/* Row of code at level, or a parse error naming the column. */
static int row_at(struct vg_meddra *m, struct asc *a, int col, int level, uint32_t *row,
                  struct vg_err *err)
{
	uint32_t code;
	int rc = code_at(a, col, &code, err);

	if (rc)
		return rc;
	*row = find_code(&m->lv[level], code);
	if (*row == UINT32_MAX)
		return bad(a, err, "%s %" PRIu32 " is not in %s.asc", level_names[level], code,
		           level_names[level]);
	return 0;
}

/* mdhier.asc: pt hlt hlgt soc ... primary_soc_fg at column 11. */
static int row_mdhier(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	struct raw r;
	int rc = row_at(m, a, 0, VG_MEDDRA_PT, &r.pt, err);

	if (!rc)
		rc = row_at(m, a, 1, VG_MEDDRA_HLT, &r.hlt, err);
	if (!rc)
		rc = row_at(m, a, 2, VG_MEDDRA_HLGT, &r.hlgt, err);
	if (!rc)
		rc = row_at(m, a, 3, VG_MEDDRA_SOC, &r.soc, err);
	if (rc)
		return rc;
	struct vg_sv fg = vg_sv_trim(a->f[11]);
	if (!vg_sv_eq_cstr(fg, "Y") && !vg_sv_eq_cstr(fg, "N"))
		return bad(a, err, "primary_soc_fg (column 12) must be Y or N");
	r.primary = fg.p[0] == 'Y';
	raw_push(ctx, r);
	return 0;
}

/* A parent -> child link file: (parent row, child row) pairs. */
struct links {
	int parent, child;
	uint32_t (*pairs)[2];
	size_t n, cap;
};

static int row_link(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	struct links *l = ctx;
	uint32_t p, c;
	int rc = row_at(m, a, 0, l->parent, &p, err);

	if (!rc)
		rc = row_at(m, a, 1, l->child, &c, err);
	if (rc)
		return rc;
	VG_GROW(l->pairs, l->cap, l->n + 1);
	l->pairs[l->n][0] = p;
	l->pairs[l->n][1] = c;
	l->n++;
	return 0;
}

static int by_child(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;
	return a[1] != b[1] ? (a[1] < b[1] ? -1 : 1) : (a[0] > b[0]) - (a[0] < b[0]);
}

/* First pair whose child is c (pairs sorted by child). */
static size_t lower(const struct links *l, uint32_t c)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->pairs[mid][1] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Paths from hlt_pt x hlgt_hlt x soc_hlgt; primary = the PT's pt_soc_code. */
static void join_links(struct vg_meddra *m, struct links *hp, struct links *gh,
                       struct links *sg, struct rawvec *rv)
{
	sort(gh->pairs, gh->n, sizeof(*gh->pairs), by_child);
	sort(sg->pairs, sg->n, sizeof(*sg->pairs), by_child);
	for (size_t i = 0; i < hp->n; i++) {
		uint32_t hlt = hp->pairs[i][0], pt = hp->pairs[i][1];
		for (size_t j = lower(gh, hlt); j < gh->n && gh->pairs[j][1] == hlt; j++) {
			uint32_t hlgt = gh->pairs[j][0];
			for (size_t k = lower(sg, hlgt); k < sg->n && sg->pairs[k][1] == hlgt; k++) {
				uint32_t soc = sg->pairs[k][0];
				bool prim = m->lv[VG_MEDDRA_SOC].rows[soc].code ==
				            m->lv[VG_MEDDRA_PT].rows[pt].link;
				raw_push(rv, (struct raw){pt, hlt, hlgt, soc, prim});
			}
		}
	}
}

static int by_pt_primary(const void *x, const void *y)
{
	const struct raw *a = x, *b = y;

	if (a->pt != b->pt)
		return a->pt < b->pt ? -1 : 1;
	if (a->primary != b->primary)
		return a->primary ? -1 : 1;
	if (a->hlt != b->hlt)
		return a->hlt < b->hlt ? -1 : 1;
	if (a->hlgt != b->hlgt)
		return a->hlgt < b->hlgt ? -1 : 1;
	return (a->soc > b->soc) - (a->soc < b->soc);
}

static struct vg_meddra_path make_path(const struct vg_meddra *m, const struct raw *r,
                                       bool primary)
{
	struct vg_meddra_path p;
	uint32_t rows[6] = {0, 0, r->pt, r->hlt, r->hlgt, r->soc};

	memset(&p, 0, sizeof(p));
	for (int lv = VG_MEDDRA_PT; lv <= VG_MEDDRA_SOC; lv++) {
		p.code[lv] = m->lv[lv].rows[rows[lv]].code;
		p.name[lv] = m->lv[lv].rows[rows[lv]].name;
	}
	p.primary = primary;
	return p;
}

/* Sort, check one primary path per PT (strict: several primaries are an
 * error in mdhier.asc; derived from links, the first wins), and index. */
static int finish_paths(struct vg_meddra *m, struct rawvec *rv, bool strict, const char *file,
                        struct vg_err *err)
{
	struct level *pt = &m->lv[VG_MEDDRA_PT];
	size_t i = 0;

	sort(rv->v, rv->n, sizeof(*rv->v), by_pt_primary);
	m->paths = vg_xreallocarray(NULL, rv->n ? rv->n : 1, sizeof(*m->paths));
	for (uint32_t row = 0; row < pt->n; row++) {
		size_t start = i;
		while (i < rv->n && rv->v[i].pt == row) {
			bool first = i == start;
			if (!first && rv->v[i].primary && strict)
				return vg_err_set(err, VG_EPARSE, file, "PT %" PRIu32 " (%s) has several primary paths",
				                  pt->rows[row].code, pt->rows[row].name);
			m->paths[i] = make_path(m, &rv->v[i], first && rv->v[i].primary);
			i++;
		}
		if (i == start || !rv->v[start].primary)
			return vg_err_set(err, VG_EPARSE, file, "PT %" PRIu32 " (%s) has %s",
			                  pt->rows[row].code, pt->rows[row].name,
			                  i == start ? "no path to a SOC" : "no primary SOC path");
		pt->rows[row].path_off = (uint32_t)start;
		pt->rows[row].path_n = (uint32_t)(i - start);
	}
	m->npaths = rv->n;
	return 0;
}

/* ------------------------------------------------------------------ load */

/* intl_ord.asc: the internationally agreed SOC order. */
static int row_intl(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	uint32_t ord, row;
	int rc = code_at(a, 0, &ord, err);

	if (!rc)
		rc = row_at(m, a, 1, VG_MEDDRA_SOC, &row, err);
	if (!rc)
		m->lv[VG_MEDDRA_SOC].rows[row].link = ord;
	return rc;
}

static int load_paths(struct vg_meddra *m, const struct src *s, struct vg_err *err)
{
	struct rawvec rv = {NULL, 0, 0};
	struct links hp = {VG_MEDDRA_HLT, VG_MEDDRA_PT, NULL, 0, 0};
	struct links gh = {VG_MEDDRA_HLGT, VG_MEDDRA_HLT, NULL, 0, 0};
	struct links sg = {VG_MEDDRA_SOC, VG_MEDDRA_HLGT, NULL, 0, 0};
	bool md = exists(m, s, "mdhier.asc");
	int rc;

	if (md) {
		rc = read_asc(m, s, "mdhier.asc", 12, row_mdhier, &rv, err);
	} else {
		rc = read_asc(m, s, "hlt_pt.asc", 2, row_link, &hp, err);
		if (!rc)
			rc = read_asc(m, s, "hlgt_hlt.asc", 2, row_link, &gh, err);
		if (!rc)
			rc = read_asc(m, s, "soc_hlgt.asc", 2, row_link, &sg, err);
		if (!rc)
			join_links(m, &hp, &gh, &sg, &rv);
	}
	if (!rc)
		rc = finish_paths(m, &rv, md, md ? "mdhier.asc" : "hlt_pt.asc", err);
	free(rv.v);
	free(hp.pairs);
	free(gh.pairs);
	free(sg.pairs);
	return rc;
}

/* ------------------------------------------------------------------ SMQs */

/*
 * Standardised MedDRA Queries, optional: smq_list.asc (0 smq_code 1 smq_name
 * 7 smq_status) and smq_content.asc (0 smq_code 1 term_code 2 term_level
 * 3 term_scope 6 term_status).  Term levels: 0 another SMQ (hierarchical
 * SMQs), 4 PT, 5 LLT (kept as its PT); scope 1 broad, 2 narrow.  Inactive
 * SMQs and terms (status 'I') are skipped: they may name codes a later
 * version no longer has.  Codes of active rows must exist.
 */
static int row_smq(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	uint32_t code;
	int rc = code_at(a, 0, &code, err);

	if (rc)
		return rc;
	if (vg_sv_trim(a->f[1]).len == 0)
		return bad(a, err, "empty SMQ name");
	if (!add_row(m, &m->smq, code, vg_sv_trim(a->f[1]), vg_sv_eq_cstr(vg_sv_trim(a->f[7]), "A")))
		return bad(a, err, "duplicate code %" PRIu32, code);
	return 0;
}

/* The stored form of one content row: PT code or child SMQ row. */
static int smq_target(struct vg_meddra *m, struct asc *a, uint32_t level, uint32_t code,
                      struct smq_term *t, struct vg_err *err)
{
	uint32_t row;

	switch (level) {
	case 0:
		row = find_code(&m->smq, code);
		t->code = row;
		return row == UINT32_MAX ? bad(a, err, "SMQ %" PRIu32 " is not in smq_list.asc", code) : 0;
	case 4:
		t->code = code;
		return find_code(&m->lv[VG_MEDDRA_PT], code) == UINT32_MAX
		       ? bad(a, err, "PT %" PRIu32 " is not in pt.asc", code) : 0;
	case 5:
		row = find_code(&m->lv[VG_MEDDRA_LLT], code);
		if (row == UINT32_MAX)
			return bad(a, err, "LLT %" PRIu32 " is not in llt.asc", code);
		t->code = m->lv[VG_MEDDRA_PT].rows[m->lv[VG_MEDDRA_LLT].rows[row].link].code;
		t->level = 4;
		return 0;
	}
	return bad(a, err, "term_level %" PRIu32 " is not 0, 4 or 5", level);
}

static int row_smq_content(struct vg_meddra *m, struct asc *a, void *ctx, struct vg_err *err)
{
	uint32_t smq, code, level, scope;
	struct smq_term t;
	int rc = code_at(a, 0, &smq, err);

	if (!rc)
		rc = code_at(a, 1, &code, err);
	if (!rc)
		rc = code_at(a, 2, &level, err);
	if (!rc)
		rc = code_at(a, 3, &scope, err);
	if (rc || !vg_sv_eq_cstr(vg_sv_trim(a->f[6]), "A"))
		return rc; /* inactive term */
	t.smq = find_code(&m->smq, smq);
	if (t.smq == UINT32_MAX)
		return bad(a, err, "SMQ %" PRIu32 " is not in smq_list.asc", smq);
	t.level = (uint8_t)level;
	t.scope = (uint8_t)(scope <= 2 ? scope : 0);
	rc = smq_target(m, a, level, code, &t, err);
	if (!rc) {
		VG_GROW(m->smqt, m->smqt_cap, m->nsmqt + 1);
		m->smqt[m->nsmqt++] = t;
	}
	return rc;
}

static int by_smq(const void *x, const void *y)
{
	const struct smq_term *a = x, *b = y;

	if (a->smq != b->smq)
		return a->smq < b->smq ? -1 : 1;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	return (a->code > b->code) - (a->code < b->code);
}

static int load_smqs(struct vg_meddra *m, const struct src *s, struct vg_err *err)
{
	int rc;

	m->smq.codes = vg_map_new(256);
	m->smq.names = vg_map_new(256);
	rc = read_asc(m, s, "smq_list.asc", 8, row_smq, NULL, err);
	if (!rc)
		rc = read_asc(m, s, "smq_content.asc", 7, row_smq_content, NULL, err);
	if (rc)
		return rc;
	sort(m->smqt, m->nsmqt, sizeof(*m->smqt), by_smq);
	for (size_t i = 0; i < m->nsmqt;) { /* each SMQ's slice of smqt */
		size_t j = i;
		while (j < m->nsmqt && m->smqt[j].smq == m->smqt[i].smq)
			j++;
		m->smq.rows[m->smqt[i].smq].path_off = (uint32_t)i;
		m->smq.rows[m->smqt[i].smq].path_n = (uint32_t)(j - i);
		i = j;
	}
	return 0;
}

void vg_meddra_free(struct vg_meddra *m)
{
	if (!m)
		return;
	for (int i = 1; i <= VG_MEDDRA_SOC; i++) {
		vg_map_free(m->lv[i].codes);
		vg_map_free(m->lv[i].names);
		free(m->lv[i].rows);
		free(m->lv[i].name_row);
	}
	free(m->paths);
	vg_map_free(m->smq.codes);
	vg_map_free(m->smq.names);
	free(m->smq.rows);
	free(m->smq.name_row);
	free(m->smqt);
	vg_arena_release(&m->arena);
	free(m);
}

static int load(const struct src *s, struct vg_meddra **out, struct vg_err *err)
{
	struct vg_meddra *m = vg_xcalloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	vg_arena_init(&m->arena, 256 * 1024);
	for (int i = 1; i <= VG_MEDDRA_SOC; i++) {
		m->lv[i].codes = vg_map_new(i == VG_MEDDRA_LLT ? 4096 : 1024);
		m->lv[i].names = vg_map_new(i == VG_MEDDRA_LLT ? 4096 : 1024);
	}
	rc = read_asc(m, s, "soc.asc", 2, row_term, &m->lv[VG_MEDDRA_SOC], err);
	if (!rc)
		rc = read_asc(m, s, "hlgt.asc", 2, row_term, &m->lv[VG_MEDDRA_HLGT], err);
	if (!rc)
		rc = read_asc(m, s, "hlt.asc", 2, row_term, &m->lv[VG_MEDDRA_HLT], err);
	if (!rc)
		rc = read_asc(m, s, "pt.asc", 4, row_pt, NULL, err);
	if (!rc)
		rc = read_asc(m, s, "llt.asc", 3, row_llt, NULL, err);
	if (!rc)
		rc = load_paths(m, s, err);
	if (!rc && exists(m, s, "intl_ord.asc"))
		rc = read_asc(m, s, "intl_ord.asc", 2, row_intl, NULL, err);
	if (!rc && exists(m, s, "smq_list.asc"))
		rc = load_smqs(m, s, err);
	if (rc) {
		vg_meddra_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int vg_meddra_load(const char *dir, struct vg_meddra **out, struct vg_err *err)
{
	struct src s = {dir, NULL, 0};

	if (!dir) {
		*out = NULL;
		return vg_err_set(err, VG_EINVAL, "", "no MedDRA folder given");
	}
	return load(&s, out, err);
}

int vg_meddra_load_mem(const struct vg_meddra_file *files, size_t n, struct vg_meddra **out,
                       struct vg_err *err)
{
	struct src s = {NULL, files, files ? n : 0};

	return load(&s, out, err);
}

/* ---------------------------------------------------------------- lookup */

size_t vg_meddra_count(const struct vg_meddra *m, int level)
{
	return level >= VG_MEDDRA_LLT && level <= VG_MEDDRA_SOC ? m->lv[level].n : 0;
}

uint32_t vg_meddra_code(const struct vg_meddra *m, int level, const char *name)
{
	if (level < VG_MEDDRA_LLT || level > VG_MEDDRA_SOC || !name)
		return 0;
	uint32_t row = find_name(&m->lv[level], name);
	return row == UINT32_MAX ? 0 : m->lv[level].rows[row].code;
}

const char *vg_meddra_name(const struct vg_meddra *m, int level, uint32_t code)
{
	if (level < VG_MEDDRA_LLT || level > VG_MEDDRA_SOC)
		return NULL;
	uint32_t row = find_code(&m->lv[level], code);
	return row == UINT32_MAX ? NULL : m->lv[level].rows[row].name;
}

uint32_t vg_meddra_soc_order(const struct vg_meddra *m, uint32_t soc_code)
{
	uint32_t row = find_code(&m->lv[VG_MEDDRA_SOC], soc_code);

	return row == UINT32_MAX ? 0 : m->lv[VG_MEDDRA_SOC].rows[row].link;
}

size_t vg_meddra_paths(const struct vg_meddra *m, uint32_t pt_code,
                       const struct vg_meddra_path **out)
{
	uint32_t row = find_code(&m->lv[VG_MEDDRA_PT], pt_code);

	*out = NULL;
	if (row == UINT32_MAX)
		return 0;
	*out = &m->paths[m->lv[VG_MEDDRA_PT].rows[row].path_off];
	return m->lv[VG_MEDDRA_PT].rows[row].path_n;
}

/* LLT and PT rows of a term given by code or name (llt UINT32_MAX if the
 * term was a PT known only as a PT). */
static bool resolve(const struct vg_meddra *m, const char *term, uint32_t *llt, uint32_t *pt)
{
	const struct level *L = &m->lv[VG_MEDDRA_LLT], *P = &m->lv[VG_MEDDRA_PT];
	struct vg_sv s = vg_sv_trim(vg_sv_of(term));
	int64_t code;

	*llt = *pt = UINT32_MAX;
	if (s.len == 0)
		return false;
	if (s.len <= 8 && strspn(s.p, "0123456789") >= s.len && !vg_parse_i64(s, &code)) {
		*llt = find_code(L, (uint32_t)code);
		*pt = *llt != UINT32_MAX ? L->rows[*llt].link : find_code(P, (uint32_t)code);
	} else {
		*llt = find_name(L, term);
		*pt = *llt != UINT32_MAX ? L->rows[*llt].link : find_name(P, term);
	}
	return *pt != UINT32_MAX;
}

int vg_meddra_rollup(const struct vg_meddra *m, const char *term, struct vg_meddra_path *out)
{
	uint32_t llt, pt;

	memset(out, 0, sizeof(*out));
	if (!term || !resolve(m, term, &llt, &pt))
		return VG_ENOTFOUND;
	*out = m->paths[m->lv[VG_MEDDRA_PT].rows[pt].path_off]; /* primary first */
	if (llt != UINT32_MAX) {
		out->code[VG_MEDDRA_LLT] = m->lv[VG_MEDDRA_LLT].rows[llt].code;
		out->name[VG_MEDDRA_LLT] = m->lv[VG_MEDDRA_LLT].rows[llt].name;
	}
	return 0;
}

const char *vg_meddra_term_at(const struct vg_meddra *m, const char *term, int level)
{
	struct vg_meddra_path p;

	if (level < VG_MEDDRA_LLT || level > VG_MEDDRA_SOC || vg_meddra_rollup(m, term, &p))
		return NULL;
	return p.name[level];
}

/* ------------------------------------------------------------ SMQ queries */

size_t vg_meddra_smq_count(const struct vg_meddra *m)
{
	return m->smq.n;
}

uint32_t vg_meddra_smq_code(const struct vg_meddra *m, const char *name)
{
	uint32_t row = name && m->smq.names ? find_name(&m->smq, name) : UINT32_MAX;

	return row == UINT32_MAX ? 0 : m->smq.rows[row].code;
}

const char *vg_meddra_smq_name(const struct vg_meddra *m, uint32_t smq_code)
{
	uint32_t row = find_code(&m->smq, smq_code);

	return row == UINT32_MAX ? NULL : m->smq.rows[row].name;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

/* Depth-first over the SMQ and its active sub-SMQs (each visited once). */
static size_t smq_collect(const struct vg_meddra *m, uint32_t root, int scope, uint32_t **pts)
{
	bool *seen = vg_xcalloc(m->smq.n, sizeof(*seen));
	uint32_t *stack = vg_xreallocarray(NULL, m->smq.n, sizeof(*stack));
	size_t sp = 0, n = 0, cap = 0;

	stack[sp++] = root;
	seen[root] = true;
	while (sp) {
		const struct row *r = &m->smq.rows[stack[--sp]];
		for (uint32_t k = r->path_off; k < r->path_off + r->path_n; k++) {
			const struct smq_term *t = &m->smqt[k];
			if (t->level == 0 && !seen[t->code] && m->smq.rows[t->code].link) {
				seen[t->code] = true;
				stack[sp++] = t->code;
			} else if (t->level == 4 && (t->scope == 2 || (scope == VG_MEDDRA_SMQ_BROAD &&
			                                               t->scope != 2))) {
				VG_GROW(*pts, cap, n + 1);
				(*pts)[n++] = t->code;
			}
		}
	}
	free(stack);
	free(seen);
	return n;
}

size_t vg_meddra_smq_pts(const struct vg_meddra *m, uint32_t smq_code, int scope,
                         struct vg_arena *a, const uint32_t **out)
{
	uint32_t row = find_code(&m->smq, smq_code), *pts = NULL;
	size_t n = 0, u = 0;

	*out = NULL;
	if (row == UINT32_MAX || (scope != VG_MEDDRA_SMQ_NARROW && scope != VG_MEDDRA_SMQ_BROAD))
		return 0;
	n = smq_collect(m, row, scope, &pts);
	sort(pts, n, sizeof(*pts), cmp_u32);
	uint32_t *res = vg_arena_calloc(a, n ? n : 1, sizeof(*res));
	for (size_t i = 0; i < n; i++)
		if (i == 0 || pts[i] != pts[i - 1])
			res[u++] = pts[i];
	free(pts);
	*out = res;
	return u;
}
