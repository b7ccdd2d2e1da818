/*
 * fuzz_meddra.c - libFuzzer harness for terms/meddra.c, the MedDRA ASCII
 * distribution loader, and the roll-up look-ups over what it loaded.
 *
 * The input is cut at form feeds (0x0C) into up to twelve in-memory files
 * in the order of files[] below (the last part keeps any further form
 * feeds); an empty part is an absent file, so one input chooses between
 * mdhier.asc and the three link files and whether intl_ord.asc and the
 * SMQ files exist.  A file that is there but holds no record is written as
 * a blank line.  vg_meddra_load_mem reads them through the same line
 * reader and checks as the folder loader.
 *
 * A failed load must return NULL and a negative code.  After a successful
 * load every file is read again, line by line with the loader's own line
 * reader, and each record is looked up:
 *
 *   - counts per level equal the records of soc/hlgt/hlt/pt/llt.asc and
 *     smq_list.asc (a duplicate code fails the load);
 *   - every LLT code rolls up to its pt_code on a primary path with names
 *     at every level; every PT has its paths, primary first and only
 *     first, each naming the PT, the names being those of the codes;
 *   - every name of every record is found again by code, and by name
 *     unless it reads as a code;
 *   - an SMQ's PT lists are sorted, unique, made of PTs, narrow within
 *     broad;
 *   - the first fields and every whole line are also tried as free-text
 *     terms at every level and as a level name, and their leading digits
 *     as a code of every level, a PT, a SOC and an SMQ, valid or not.
 *
 * Seeds: the fixture distribution of tests/data/terms/meddra joined once
 * with mdhier.asc and once with the link files (meddra_seeds in run.sh).
 */
#include "vg.h"
#include "util/util.h"
#include "terms/terms_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SOC, HLGT, HLT, PT, LLT, MDHIER, HLT_PT, HLGT_HLT, SOC_HLGT, INTL, SMQ_LIST, SMQ_CONTENT,
       NFILES };

static const char *const files[NFILES] = {
	"soc.asc",    "hlgt.asc",     "hlt.asc",      "pt.asc",       "llt.asc",      "mdhier.asc",
	"hlt_pt.asc", "hlgt_hlt.asc", "soc_hlgt.asc", "intl_ord.asc", "smq_list.asc",
	"smq_content.asc"};

/* The level of the terms a file lists, 0 for the other files. */
static const int file_level[NFILES] = {VG_MEDDRA_SOC, VG_MEDDRA_HLGT, VG_MEDDRA_HLT,
                                       VG_MEDDRA_PT, VG_MEDDRA_LLT};

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_meddra: %s\n", what);
		abort();
	}
}

/* Field i of a '$'-separated record ({NULL, 0} past the last one). */
static struct vg_sv field(struct vg_sv line, int i)
{
	struct vg_sv rest = line;

	for (int k = 0;; k++) {
		struct vg_sv f = vg_sv_cut(rest, '$', &rest);
		if (k == i)
			return vg_sv_trim(f);
		if (!rest.p)
			return (struct vg_sv){NULL, 0};
	}
}

/* A MedDRA code field of a record the loader accepted. */
static uint32_t code_of(struct vg_sv s)
{
	uint32_t v = 0;

	for (size_t i = 0; i < s.len; i++)
		v = v * 10 + (uint32_t)(s.p[i] - '0');
	return v;
}

static bool reads_as_code(struct vg_sv s)
{
	size_t i = 0;

	while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9')
		i++;
	return s.len && s.len <= 8 && i == s.len;
}

static bool same(const char *name, struct vg_sv want)
{
	return name && strlen(name) == want.len && memcmp(name, want.p, want.len) == 0;
}

/* The leading digits of text as a code (wrapping past 32 bits) at every
 * level, as a PT, a SOC and an SMQ. */
static void probe_code(const struct vg_meddra *m, struct vg_sv text)
{
	const struct vg_meddra_path *ps;
	const uint32_t *pts;
	uint32_t code = 0;
	struct vg_arena a;

	for (size_t i = 0; i < text.len && text.p[i] >= '0' && text.p[i] <= '9'; i++)
		code = code * 10 + (uint32_t)(text.p[i] - '0');
	for (int lv = VG_MEDDRA_NONE; lv <= VG_MEDDRA_SOC + 1; lv++)
		vg_meddra_name(m, lv, code);
	size_t n = vg_meddra_paths(m, code, &ps);
	must(n == 0 ? ps == NULL : ps[0].primary, "paths of a code");
	vg_meddra_soc_order(m, code);
	vg_meddra_smq_name(m, code);
	vg_arena_init(&a, 0);
	vg_meddra_smq_pts(m, code, VG_MEDDRA_SMQ_BROAD, &a, &pts);
	vg_arena_release(&a);
}

/* Any text as a term at every level: must not crash, and agree with itself. */
static void probe(const struct vg_meddra *m, struct vg_sv text)
{
	char s[VG_TERMS_LINE_MAX + 1];
	struct vg_meddra_path p;

	memcpy(s, text.p, text.len);
	s[text.len] = '\0';
	probe_code(m, text);
	must(vg_meddra_level_name(vg_meddra_level_parse(s)) || vg_meddra_level_parse(s) == -1,
	     "level name");
	int rc = vg_meddra_rollup(m, s, &p);
	must(rc == 0 || rc == VG_ENOTFOUND, "rollup code");
	for (int lv = VG_MEDDRA_NONE; lv <= VG_MEDDRA_SOC + 1; lv++) {
		const char *at = vg_meddra_term_at(m, s, lv);
		bool in = lv >= VG_MEDDRA_LLT && lv <= VG_MEDDRA_SOC;
		must(at == (rc == 0 && in ? p.name[lv] : NULL), "term_at is not the rollup's name");
		vg_meddra_code(m, lv, s);
	}
	vg_meddra_smq_code(m, s);
}

/* One PT: its paths, primary first, each naming it and known codes. */
static void check_pt(const struct vg_meddra *m, uint32_t pt)
{
	const struct vg_meddra_path *ps;
	size_t n = vg_meddra_paths(m, pt, &ps);

	must(n > 0 && ps[0].primary, "PT without a primary path");
	for (size_t i = 0; i < n; i++) {
		must(i == 0 || !ps[i].primary, "second primary path");
		must(ps[i].code[VG_MEDDRA_PT] == pt && ps[i].code[VG_MEDDRA_LLT] == 0 &&
		             !ps[i].name[VG_MEDDRA_LLT],
		     "path of another PT");
		for (int lv = VG_MEDDRA_PT; lv <= VG_MEDDRA_SOC; lv++)
			must(ps[i].name[lv] && vg_meddra_name(m, lv, ps[i].code[lv]) == ps[i].name[lv],
			     "path name is not the name of its code");
		vg_meddra_soc_order(m, ps[i].code[VG_MEDDRA_SOC]);
	}
}

/* One LLT record: its code rolls up to its PT on the primary path. */
static void check_llt(const struct vg_meddra *m, struct vg_sv line)
{
	char s[16];
	struct vg_meddra_path p;
	struct vg_sv code = field(line, 0);

	memcpy(s, code.p, code.len);
	s[code.len] = '\0';
	must(vg_meddra_rollup(m, s, &p) == 0, "LLT code not found");
	must(p.code[VG_MEDDRA_LLT] == code_of(code), "LLT code rolls up to another LLT");
	must(p.code[VG_MEDDRA_PT] == code_of(field(line, 2)), "LLT rolls up to another PT");
	must(p.primary, "LLT rolls up to a secondary path");
	for (int lv = VG_MEDDRA_LLT; lv <= VG_MEDDRA_SOC; lv++)
		must(p.name[lv] != NULL, "rollup without a name");
}

/* A record of soc/hlgt/hlt/pt/llt.asc: code -> name, name -> some code. */
static void check_term(const struct vg_meddra *m, int level, struct vg_sv line)
{
	char s[VG_TERMS_LINE_MAX + 1];
	struct vg_sv code = field(line, 0), name = field(line, 1);
	struct vg_meddra_path p;

	must(same(vg_meddra_name(m, level, code_of(code)), name), "name of a code");
	memcpy(s, name.p, name.len);
	s[name.len] = '\0';
	if (level <= VG_MEDDRA_PT && !reads_as_code(name))
		must(vg_meddra_rollup(m, s, &p) == 0, "LLT or PT name not found");
	if (level == VG_MEDDRA_PT)
		check_pt(m, code_of(code));
	if (level == VG_MEDDRA_LLT)
		check_llt(m, line);
}

/* An SMQ: both scopes sorted, unique, PTs, narrow within broad. */
static void check_smq(const struct vg_meddra *m, struct vg_sv line)
{
	uint32_t code = code_of(field(line, 0));
	const uint32_t *nar, *brd, *none;
	const struct vg_meddra_path *ps;
	struct vg_arena a;

	must(same(vg_meddra_smq_name(m, code), field(line, 1)), "SMQ name of a code");
	vg_arena_init(&a, 0);
	size_t nn = vg_meddra_smq_pts(m, code, VG_MEDDRA_SMQ_NARROW, &a, &nar);
	size_t nb = vg_meddra_smq_pts(m, code, VG_MEDDRA_SMQ_BROAD, &a, &brd);
	must(nar && brd && nn <= nb, "narrow larger than broad");
	for (size_t i = 0, j = 0; i < nb; i++) {
		must(i == 0 || brd[i - 1] < brd[i], "SMQ PTs not sorted and unique");
		must(vg_meddra_paths(m, brd[i], &ps) > 0, "SMQ PT is not a PT");
		if (j < nn && nar[j] == brd[i])
			j++;
		must(i + 1 < nb || j == nn, "narrow PT not in broad");
	}
	must(vg_meddra_smq_pts(m, code, 0, &a, &none) == 0, "scope 0");
	vg_arena_release(&a);
}

/* Every record of one file, read with the loader's line reader. */
static void check_file(const struct vg_meddra *m, int f, const struct vg_meddra_file *mf)
{
	struct lines r;
	struct vg_sv line;
	struct vg_err err = VG_ERR_INIT;
	size_t records = 0;

	lines_open_mem(&r, mf->text, mf->len, mf->name);
	while (lines_next(&r, &line, &err) == 1) {
		if (vg_sv_trim(line).len == 0)
			continue;
		records++;
		if (f < MDHIER)
			check_term(m, file_level[f], line);
		if (f == SMQ_LIST)
			check_smq(m, line);
		probe(m, line);
		for (int i = 0; i < 3 && field(line, i).p; i++)
			probe(m, field(line, i));
	}
	lines_close(&r);
	if (f < MDHIER)
		must(records == vg_meddra_count(m, file_level[f]), "count is not the records");
	if (f == SMQ_LIST)
		must(records == vg_meddra_smq_count(m), "SMQ count is not the records");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_meddra_file in[NFILES];
	int idx[NFILES], n = 0, part = 0;
	size_t start = 0;
	struct vg_meddra *m = (struct vg_meddra *)1;
	struct vg_err err = VG_ERR_INIT;

	for (size_t i = 0; i <= size && part < NFILES; i++) {
		if (i < size && (data[i] != 0x0C || part == NFILES - 1))
			continue;
		if (i > start) {
			in[n] = (struct vg_meddra_file){files[part], (const char *)data + start, i - start};
			idx[n++] = part;
		}
		part++;
		start = i + 1;
	}
	int rc = vg_meddra_load_mem(in, (size_t)n, &m, &err);
	must(rc == 0 ? m != NULL : rc < 0 && m == NULL, "load result");
	for (int i = 0; m && i < n; i++)
		check_file(m, idx[i], &in[i]);
	vg_meddra_free(m);
	return 0;
}
