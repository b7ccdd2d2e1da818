/*
 * cmd_terms.c - `vigil terms clean|unmatched|rollup`: the coding tools of
 * terms/ at the command line (issue 5, "Coding").
 *
 *   clean      shows what the rule-based cleaning (vg_terms_clean) makes of
 *              verbatim product names, and with --dict the ingredient the
 *              dictionary gives (vg_terms_match: the cleaned name, then the
 *              cleaned trailing parenthetical);
 *   unmatched  walks the products of the latest versions in the store (one
 *              vg_store_scan_latest pass, every role) through the dictionary
 *              and prints the names it does not match, most frequent first.
 *              --format csv is exactly vg_terms_unmatched_csv, the review
 *              file that loads back as a dictionary once a reviewer fills in
 *              the ingredient column;
 *   rollup     resolves LLT/PT names or codes in a MedDRA ASCII distribution
 *              and prints the primary path PT, HLT, HLGT, SOC.
 *
 * Output is tab-separated with a header (table, tsv) or CSV.  Terms that
 * rollup cannot find are named on stderr and make the exit code 3.
 */
#include "vg.h"
#include "cli/cli.h"
#include "case/case.h"
#include "store/store.h"
#include "terms/terms.h"

static int run_clean(int argc, char **argv);
static int run_unmatched(int argc, char **argv);
static int run_rollup(int argc, char **argv);

static const struct vg_cli_cmd terms_clean = {
	.name = "clean",
	.summary = "show the cleaned form of product names",
	.usage = "vigil terms clean [--dict FILE] [--format table|csv|tsv] NAME...",
	.help = "Columns: name, cleaned (+ ingredient with --dict; empty when the\n"
	        "dictionary does not match).  FILE: CSV name,ingredient.\n"
	        "  vigil terms clean 'LIPITOR 10 MG TABLETS' 'ACYCLOVIR  /00587301/'\n",
	.run = run_clean,
};

static const struct vg_cli_cmd terms_unmatched = {
	.name = "unmatched",
	.summary = "list product names of the store the dictionary does not match",
	.usage = "vigil terms unmatched --db PATH [--dict FILE] [--format csv|table|tsv]",
	.help = "Products of every role in the latest valid versions.  --format csv\n"
	        "prints the review file name,ingredient,count,example: fill in the\n"
	        "ingredient column and append the rows to the dictionary (or pass the\n"
	        "file as a dictionary of its own); rows left empty are skipped.\n"
	        "Without --dict every name is listed.\n",
	.run = run_unmatched,
};

static const struct vg_cli_cmd terms_rollup = {
	.name = "rollup",
	.summary = "roll MedDRA LLT/PT terms up to PT, HLT, HLGT and SOC",
	.usage = "vigil terms rollup --meddra DIR [--format table|csv|tsv] TERM...",
	.help = "DIR: the MedAscii folder of a MedDRA distribution (llt.asc, pt.asc, ...).\n"
	        "TERM: an LLT or PT name (case-insensitive) or 8-digit code.  The path\n"
	        "printed is the primary one (primary SOC).  Unknown terms are named on\n"
	        "stderr; the exit code is then 3.\n",
	.run = run_rollup,
};

static const struct vg_cli_cmd *const terms_sub[] = {&terms_clean, &terms_unmatched,
                                                      &terms_rollup, NULL};

const struct vg_cli_cmd vg_cmd_terms = {
	.name = "terms",
	.summary = "product-name cleaning, dictionary review, MedDRA roll-up",
	.usage = "vigil terms clean|unmatched|rollup ...",
	.help = "",
	.subcommands = terms_sub,
};

/* ------------------------------------------------------------ helpers */

/* One row: tab-separated (table, tsv) or CSV; NULL cells print empty. */
static void print_row(int fmt, const char *const *cells, size_t n)
{
	struct vg_buf b = VG_BUF_INIT(0);

	vg_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(&b, fmt == VG_FMT_CSV ? ',' : '\t');
		if (fmt == VG_FMT_CSV)
			vg_buf_csv_str(&b, cells[i] ? cells[i] : "");
		else
			vg_buf_puts(&b, cells[i] ? cells[i] : "");
	}
	printf("%s\n", b.p);
	vg_buf_release(&b);
}

/* --format for these commands: table, csv or tsv (no JSON); -1 on error. */
static int parse_fmt(const struct vg_cli_cmd *cmd, const char *s)
{
	int fmt = vg_cli_format(cmd, s);

	if (fmt == VG_FMT_JSON) {
		vg_cli_usage_error(cmd, "--format: table, csv or tsv");
		return -1;
	}
	return fmt;
}

static int load_dict(const char *path, struct vg_terms_dict **out)
{
	struct vg_err err = VG_ERR_INIT;

	*out = vg_terms_dict_new();
	if (vg_terms_dict_load(*out, path, NULL, &err))
		return vg_cli_fail(path, &err);
	return 0;
}

/* -------------------------------------------------------------- clean */

static int clean_one(const struct vg_terms_dict *d, const char *name, int fmt, struct vg_arena *a)
{
	struct vg_buf b = VG_BUF_INIT(VG_TERMS_NAME_MAX * 4);
	struct vg_terms_result r = {NULL, "", 0};
	struct vg_err err = VG_ERR_INIT;
	int rc = 0;

	if (d && vg_terms_match(d, name, a, &r) == 0) {
		const char *cells[] = {name, r.cleaned, r.ingredient};
		print_row(fmt, cells, 3);
	} else if (!d && vg_terms_clean(name, &b) == 0) {
		const char *cells[] = {name, b.p ? b.p : ""};
		print_row(fmt, cells, 2);
	} else {
		vg_err_set(&err, VG_EINVAL, NULL, "cannot clean this name (empty or too long)");
		rc = vg_cli_fail(name, &err);
	}
	vg_buf_release(&b);
	return rc;
}

static int run_clean(int argc, char **argv)
{
	const char *dict = NULL, *format = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("dict", &dict, "FILE", "product dictionary CSV (name,ingredient)"),
		VG_OPT_STR("format", &format, "FMT", "table (default), csv or tsv"),
		VG_OPT_END,
	};
	struct vg_terms_dict *d = NULL;
	struct vg_arena a;
	char **pos = NULL;
	int npos = 0, fmt;
	int rc = vg_cli_parse(&terms_clean, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	vg_arena_init(&a, 0);
	if ((fmt = parse_fmt(&terms_clean, format)) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (npos == 0) {
		rc = vg_cli_usage_error(&terms_clean, "no product name given");
		goto out;
	}
	if (dict && (rc = load_dict(dict, &d)))
		goto out;
	const char *head[] = {"name", "cleaned", "ingredient"};
	print_row(fmt, head, d ? 3 : 2);
	for (int i = 0; i < npos; i++) {
		int r1 = clean_one(d, pos[i], fmt, &a);
		rc = rc ? rc : r1;
	}
out:
	vg_terms_dict_free(d);
	vg_arena_release(&a);
	free(pos);
	return rc;
}

/* ---------------------------------------------------------- unmatched */

struct unmatched_ctx {
	struct vg_terms_dict *d;
	struct vg_arena a;
	uint64_t products, matched;
};

static int on_version(const struct vg_case_version *v, int flags, void *vctx)
{
	struct unmatched_ctx *c = vctx;
	struct vg_terms_result r;

	VG_UNUSED(flags);
	for (size_t i = 0; i < v->nproducts; i++) {
		const char *nm = v->products[i].name;
		if (!nm || !*nm || strlen(nm) > VG_TERMS_NAME_MAX)
			continue;
		c->products++;
		if (vg_terms_normalise(c->d, nm, &c->a, &r) == 0 && r.ingredient)
			c->matched++;
	}
	vg_arena_reset(&c->a);
	return 0;
}

static int print_unmatched(const struct unmatched_ctx *c, int fmt)
{
	struct vg_buf b = VG_BUF_INIT(0);
	struct vg_arena a;
	struct vg_terms_unmatched *u;
	char cnt[24];
	size_t n;
	int rc = 0;

	if (fmt == VG_FMT_CSV) {
		if (vg_terms_unmatched_csv(c->d, &b) == 0)
			fputs(b.p ? b.p : "", stdout);
		else
			rc = VG_EXIT_FAIL;
		vg_buf_release(&b);
		return rc;
	}
	vg_arena_init(&a, 0);
	n = vg_terms_unmatched(c->d, &a, &u);
	const char *head[] = {"count", "cleaned", "example"};
	print_row(fmt, head, 3);
	for (size_t i = 0; i < n; i++) {
		snprintf(cnt, sizeof(cnt), "%" PRIu64, u[i].count);
		const char *cells[] = {cnt, u[i].cleaned, u[i].example};
		print_row(fmt, cells, 3);
	}
	vg_arena_release(&a);
	return 0;
}

static int run_unmatched(int argc, char **argv)
{
	const char *db = NULL, *dict = NULL, *format = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("dict", &dict, "FILE", "product dictionary CSV (name,ingredient)"),
		VG_OPT_STR("format", &format, "FMT", "csv (default: the review file), table or tsv"),
		VG_OPT_END,
	};
	struct unmatched_ctx c = {NULL, {0}, 0, 0};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0, fmt;
	int rc = vg_cli_parse(&terms_unmatched, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	vg_arena_init(&c.a, 0);
	if ((fmt = parse_fmt(&terms_unmatched, format ? format : "csv")) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (npos) {
		rc = vg_cli_usage_error(&terms_unmatched, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if ((rc = vg_cli_db(&terms_unmatched, db, &db)))
		goto out;
	if (dict ? (rc = load_dict(dict, &c.d)) : !(c.d = vg_terms_dict_new()))
		goto out;
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) ||
	    vg_store_scan_latest(st, false, on_version, &c, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	rc = print_unmatched(&c, fmt);
	fprintf(stderr, "vigil: terms unmatched: %" PRIu64 " of %" PRIu64
	        " product names matched the dictionary\n", c.matched, c.products);
out:
	vg_store_close(st);
	vg_terms_dict_free(c.d);
	vg_arena_release(&c.a);
	free(pos);
	return rc;
}

/* ------------------------------------------------------------- rollup */

static int run_rollup(int argc, char **argv)
{
	const char *dir = NULL, *format = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("meddra", &dir, "DIR", "MedDRA ASCII distribution folder"),
		VG_OPT_STR("format", &format, "FMT", "table (default), csv or tsv"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_meddra *m = NULL;
	char **pos = NULL;
	int npos = 0, fmt;
	int rc = vg_cli_parse(&terms_rollup, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if ((fmt = parse_fmt(&terms_rollup, format)) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (!dir || !*dir) {
		rc = vg_cli_usage_error(&terms_rollup, "--meddra DIR is required");
		goto out;
	}
	if (npos == 0) {
		rc = vg_cli_usage_error(&terms_rollup, "no term given");
		goto out;
	}
	if (vg_meddra_load(dir, &m, &err)) {
		rc = vg_cli_fail(dir, &err);
		goto out;
	}
	const char *head[] = {"term", "pt", "hlt", "hlgt", "soc"};
	print_row(fmt, head, 5);
	for (int i = 0; i < npos; i++) {
		struct vg_meddra_path p;
		if (vg_meddra_rollup(m, pos[i], &p)) {
			fprintf(stderr, "vigil: terms rollup: '%s' is not an LLT or PT of %s\n", pos[i],
			        dir);
			rc = VG_EXIT_NOTFOUND;
			continue;
		}
		const char *cells[] = {pos[i], p.name[VG_MEDDRA_PT], p.name[VG_MEDDRA_HLT],
		                       p.name[VG_MEDDRA_HLGT], p.name[VG_MEDDRA_SOC]};
		print_row(fmt, cells, 5);
	}
out:
	vg_meddra_free(m);
	free(pos);
	return rc;
}
