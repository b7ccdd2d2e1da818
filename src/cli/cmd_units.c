/*
 * cmd_units.c - `vigil units`: the yearly evaluation of reporting units.
 *
 * Reads the store in two passes, both in case-id order, and hands units/
 * an array of compact per-case records (units.h struct vg_unit_report):
 *
 *   scan_versions   the first version of each case: unit, submission date,
 *                   timeliness (deadlines judge the initial report)
 *   scan_latest     the latest version and the case flags: validity,
 *                   nullified, confirmed duplicate, seriousness, completeness
 *                   (deleted cases are left out)
 *
 * The registered units (beds, population) come from the store; --sizes FILE
 * (CSV: code,beds,population) overrides them.  The configuration is the
 * embedded config/units.conf, then --config FILE on top.
 *
 * `vigil units cases` lists the per-report values behind the indicators
 * (state, timeliness category, deadline, days taken and late, completeness
 * and its missing dimensions), so that every rank can be traced to reports.
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"
#include "units/units.h"

#define CONFIG_MAX ((size_t)1 << 20)

static int run_units(int argc, char **argv);
static int run_cases(int argc, char **argv);

static const struct vg_cli_cmd units_cases = {
	.name = "cases",
	.summary = "list the reports behind the indicators, one line each",
	.usage = "vigil units cases --db PATH --year YYYY [--class CLASS] [--unit CODE]\n"
	         "       [--config FILE] [--format table|csv|tsv|json]",
	.help = "Columns: case, unit, class, month, state (effective, invalid, nullified,\n"
	        "duplicate), category (death, serious, new, other), deadline, days taken,\n"
	        "days late, on_time (yes, no, unknown), completeness, missing vigiGrade\n"
	        "dimensions, missing items by the Chinese 缺项 rules.\n",
	.run = run_cases,
};

static const struct vg_cli_cmd *const units_sub[] = {&units_cases, NULL};

const struct vg_cli_cmd vg_cmd_units = {
	.name = "units",
	.summary = "evaluate and rank reporting units for a year",
	.usage = "vigil units --db PATH --year YYYY [--class drug|device|cosmetic] [--config FILE]\n"
	         "       [--sizes FILE] [--format table|csv|json|html] [--lang zh|en|both]\n"
	         "       [-o FILE] [--top K]",
	.help = "Per reporting unit: reports, valid share, share new and serious, on-time\n"
	        "rate, mean completeness, duplicate share, reports per 100 beds and per\n"
	        "million population (when sizes are known), a composite score, the rank\n"
	        "and the commendation list (docs/UNITS.md).  Weights, deadlines and list\n"
	        "sizes come from config/units.conf (built in); --config FILE overrides\n"
	        "keys.  --sizes FILE: CSV 'code,beds,population' (header optional).\n"
	        "Example: vigil units --db v.db --year 2024 --format html --lang both -o r.html\n"
	        "`vigil units cases ...` lists the reports behind the figures.\n",
	.run = run_units,
	.subcommands = units_sub,
};

struct ctx {
	struct vg_arena arena;
	struct vg_map *index; /* case id -> reps[] */
	struct vg_unit_report *reps;
	size_t n, cap;
	struct vg_units_unit *units;
	size_t nunits, ucap;
	const struct vg_tl_rules *rules;
};

static int on_first(const struct vg_case_version *v, int flags, void *arg)
{
	struct ctx *c = arg;
	bool added;
	VG_UNUSED(flags);
	if (!v->case_id)
		return 0;
	uint32_t id = vg_map_intern(c->index, v->case_id, strlen(v->case_id), &added);
	if (!added)
		return 0; /* a later version: the first one decides */
	VG_GROW(c->reps, c->cap, c->n + 1);
	struct vg_unit_report *r = &c->reps[c->n++];
	vg_units_report_first(v, c->rules, r);
	r->case_id = vg_map_key(c->index, id, NULL);
	r->unit = vg_arena_strdup(&c->arena, r->unit);
	return 0;
}

static int on_latest(const struct vg_case_version *v, int flags, void *arg)
{
	struct ctx *c = arg;
	uint32_t id = v->case_id ? vg_map_find(c->index, v->case_id, strlen(v->case_id))
	                         : UINT32_MAX;
	if (id == UINT32_MAX || id >= c->n)
		return 0;
	struct vg_unit_report *r = &c->reps[id];
	if (flags & VG_SCAN_DELETED) {
		r->when.prec = VG_DATE_NONE; /* out of every year */
		return 0;
	}
	const char *unit = r->unit;
	vg_units_report_latest(v, flags, r);
	if (r->unit != unit)
		r->unit = vg_arena_strdup(&c->arena, r->unit);
	return 0;
}

static int on_unit(const struct vg_unit *u, void *arg)
{
	struct ctx *c = arg;
	VG_GROW(c->units, c->ucap, c->nunits + 1);
	c->units[c->nunits++] = (struct vg_units_unit){
		vg_arena_strdup(&c->arena, u->code), vg_arena_strdup(&c->arena, u->name), u->beds,
		u->population};
	return 0;
}

static int read_file(const char *path, struct vg_buf *b, struct vg_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;
	if (!f)
		return vg_err_set(err, VG_ENOTFOUND, path, "cannot open: %s", strerror(errno));
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (vg_buf_append(b, chunk, n) < 0)
			rc = vg_err_set(err, VG_ETOOBIG, path, "larger than %zu bytes", b->max);
	if (rc == 0 && ferror(f))
		rc = vg_err_set(err, VG_EIO, path, "read error");
	fclose(f);
	return rc;
}

static int load_config(const char *path, struct vg_units_config *cfg, struct vg_err *err)
{
	size_t len;
	const char *text = vg_units_default_config(&len);
	vg_units_config_init(cfg);
	int rc = vg_units_config_parse(cfg, text, len, "config/units.conf", err);
	if (rc == 0 && path) {
		struct vg_buf b = VG_BUF_INIT(CONFIG_MAX);
		rc = read_file(path, &b, err);
		if (rc == 0)
			rc = vg_units_config_parse(cfg, b.p ? b.p : "", b.len, path, err);
		vg_buf_release(&b);
	}
	return rc ? rc : vg_units_config_check(cfg, err);
}

/* One "code,beds,population" line of --sizes onto the units list. */
static int apply_size(struct ctx *c, struct vg_sv line, const char *where, struct vg_err *err)
{
	struct vg_sv rest, code = vg_sv_trim(vg_sv_cut(line, ',', &rest));
	struct vg_sv pop, beds = vg_sv_trim(vg_sv_cut(rest, ',', &pop));
	int64_t nbeds = 0;
	double npop = 0;
	if (code.len == 0 || vg_sv_eq_cstr(code, "code"))
		return 0; /* blank line or header */
	if ((beds.len && vg_parse_i64(beds, &nbeds) < 0) || nbeds < 0 ||
	    (pop.p && vg_sv_trim(pop).len && vg_parse_double(vg_sv_trim(pop), &npop) < 0) ||
	    npop < 0)
		return vg_err_set(err, VG_EINVAL, where, "expected code,beds,population");
	for (size_t i = 0; i < c->nunits; i++)
		if (vg_sv_eq_cstr(code, c->units[i].code)) {
			c->units[i].beds = nbeds, c->units[i].population = npop;
			return 0;
		}
	VG_GROW(c->units, c->ucap, c->nunits + 1);
	c->units[c->nunits++] = (struct vg_units_unit){
		vg_arena_strndup(&c->arena, code.p, code.len), NULL, nbeds, npop};
	return 0;
}

static int load_sizes(struct ctx *c, const char *path, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(CONFIG_MAX);
	int rc = read_file(path, &b, err);
	struct vg_sv rest = {b.p, b.len};
	char where[VG_ERR_FIELD_MAX];
	for (int line = 1; rc == 0 && rest.p && rest.len; line++) {
		struct vg_sv l = vg_sv_cut(rest, '\n', &rest);
		snprintf(where, sizeof(where), "%s:%d", path, line);
		rc = apply_size(c, l, where, err);
	}
	vg_buf_release(&b);
	return rc;
}

struct opts {
	const char *db, *klass, *config, *sizes, *format, *lang, *output;
	int64_t year, top;
	int tlclass, fmt, lng;
};

static int check_opts(struct opts *o)
{
	static const char *const fmts[] = {"table", "csv", "json", "html"};
	static const char *const langs[] = {"en", "zh", "both"};
	o->fmt = o->lng = -1;
	for (int i = 0; i < 4; i++)
		o->fmt = strcmp(o->format ? o->format : "table", fmts[i]) ? o->fmt : i;
	for (int i = 0; i < 3; i++)
		o->lng = strcmp(o->lang ? o->lang : "both", langs[i]) ? o->lng : i + 1;
	o->tlclass = -1;
	for (int i = 0; o->klass && i < VG_TL_NCLASS; i++)
		o->tlclass = strcmp(o->klass, vg_tl_class_name(i)) ? o->tlclass : i;
	if (o->year < 1900 || o->year > 9999)
		return vg_cli_usage_error(&vg_cmd_units, "--year YYYY is required");
	if (o->fmt < 0)
		return vg_cli_usage_error(&vg_cmd_units, "--format: table, csv, json or html");
	if (o->lng < 0)
		return vg_cli_usage_error(&vg_cmd_units, "--lang: zh, en or both");
	if (o->klass && o->tlclass < 0)
		return vg_cli_usage_error(&vg_cmd_units, "--class: drug, device or cosmetic");
	if (o->top < 0)
		return vg_cli_usage_error(&vg_cmd_units, "--top: K >= 0");
	return vg_cli_db(&vg_cmd_units, o->db, &o->db);
}

static int write_out(const char *path, const struct vg_buf *b, struct vg_err *err)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f)
		return vg_err_set(err, VG_EIO, path, "cannot create: %s", strerror(errno));
	size_t n = b->len ? fwrite(b->p, 1, b->len, f) : 0;
	int bad = n != b->len || fflush(f) != 0;
	if (path && fclose(f) != 0)
		bad = 1;
	return bad ? vg_err_set(err, VG_EIO, path ? path : "stdout", "write failed") : 0;
}

/* Scan the store into c (units, first versions, latest versions). */
static int gather(struct ctx *c, const char *db, const char *sizes, struct vg_err *err)
{
	struct vg_store *st = NULL;
	int rc = vg_store_open(db, VG_STORE_READONLY, &st, err);
	if (rc == 0)
		rc = vg_store_unit_list(st, on_unit, c, err);
	if (rc == 0)
		rc = vg_store_scan_versions(st, on_first, c, err);
	if (rc == 0)
		rc = vg_store_scan_latest(st, true, on_latest, c, err);
	vg_store_close(st);
	if (rc == 0 && sizes)
		rc = load_sizes(c, sizes, err);
	return rc;
}

static int evaluate_and_write(struct ctx *c, const struct opts *o,
                              const struct vg_units_config *cfg, struct vg_err *err)
{
	struct vg_units_eval *ev = NULL;
	struct vg_buf b = VG_BUF_INIT(0);
	int rc = vg_units_evaluate(cfg, c->units, c->nunits, c->reps, c->n, (int)o->year,
	                           o->tlclass, &ev, err);
	if (rc == 0)
		rc = vg_units_write(ev, o->fmt, o->lng, (int)o->top, &b, err);
	if (rc == 0)
		rc = write_out(o->output, &b, err);
	vg_buf_release(&b);
	vg_units_eval_free(ev);
	return rc;
}

static int run_units(int argc, char **argv)
{
	struct opts o = {0};
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &o.db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_INT("year", &o.year, "YYYY", "the year evaluated (first submission date)"),
		VG_OPT_STR("class", &o.klass, "CLASS", "drug|device|cosmetic (default: all three)"),
		VG_OPT_STR("config", &o.config, "FILE", "configuration read over the defaults"),
		VG_OPT_STR("sizes", &o.sizes, "FILE", "CSV code,beds,population"),
		VG_OPT_STR("format", &o.format, "FMT", "table|csv|json|html"),
		VG_OPT_STR("lang", &o.lang, "LANG", "zh|en|both (default both)"),
		VG_OPT_STR("output", &o.output, "FILE", "write there instead of stdout (also -o)"),
		VG_OPT_INT("top", &o.top, "K", "show the first K units of each class"),
		VG_OPT_END,
	};
	if (argc > 1 && strcmp(argv[1], "cases") == 0)
		return run_cases(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-o") == 0)
			argv[i] = (char *)"--output";
	struct vg_err err = VG_ERR_INIT;
	struct vg_units_config cfg;
	struct ctx c = {VG_ARENA_INIT, vg_map_new(1024), NULL, 0, 0, NULL, 0, 0, &cfg.rules};
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&vg_cmd_units, opts, argc, argv, &pos, &npos);
	if (rc) {
		rc = rc == 1 ? VG_EXIT_OK : rc;
		goto out;
	}
	if (npos || (rc = check_opts(&o))) {
		rc = rc ? rc : vg_cli_usage_error(&vg_cmd_units, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if (load_config(o.config, &cfg, &err) ||
	    gather(&c, o.db, o.sizes, &err) || evaluate_and_write(&c, &o, &cfg, &err))
		rc = vg_cli_fail("units", &err);
out:
	free(pos);
	free(c.reps);
	free(c.units);
	vg_map_free(c.index);
	vg_arena_release(&c.arena);
	return rc;
}

/* ------------------------------------------------------------ units cases */

static const char *state_of(const struct vg_unit_report *r)
{
	return r->nullified ? "nullified" : r->duplicate ? "duplicate" : !r->valid ? "invalid"
	                                                                          : "effective";
}

/* Names of the 缺项 bits joined by ';'. */
static void cn_names(unsigned bits, char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	for (int k = 0; k < VG_CN_COUNT; k++)
		if (bits & (1u << k) && o < outsz)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? ";" : "", vg_cn_item_name(k));
}

static void case_line(const struct vg_unit_report *r, int fmt, int n, struct vg_buf *b)
{
	char miss[160], cn[160];
	struct vg_completeness c = {r->completeness, r->cmp_missing, 0, false};
	const char *ot = !r->tl.known ? "unknown" : r->tl.on_time ? "yes" : "no";
	const char *cells[] = {r->case_id, r->unit ? r->unit : "", vg_class_name(r->klass),
	                       state_of(r), vg_tl_cat_name(r->tl.category), ot};
	vg_completeness_missing_str(&c, ";", miss, sizeof(miss));
	cn_names(r->cn_missing, cn, sizeof(cn));
	vg_buf_reset(b);
	if (fmt == VG_FMT_JSON) {
		static const char *const keys[] = {"case", "unit", "class", "state", "category",
		                                   "on_time"};
		vg_buf_puts(b, n ? ",{" : "[{");
		for (size_t i = 0; i < VG_ARRAY_LEN(cells); i++) {
			vg_buf_printf(b, "%s\"%s\":", i ? "," : "", keys[i]);
			vg_buf_json_str(b, cells[i] ? cells[i] : "");
		}
		vg_buf_printf(b, ",\"month\":%d,\"deadline\":%d", r->when.month, r->tl.deadline);
		if (r->tl.known)
			vg_buf_printf(b, ",\"days_taken\":%d,\"days_late\":%d", r->tl.days_taken,
			              r->tl.days_late);
		vg_buf_printf(b, ",\"completeness\":%.6f,\"missing\":", r->completeness);
		vg_buf_json_str(b, miss);
		vg_buf_puts(b, ",\"missing_cn\":");
		vg_buf_json_str(b, cn);
		vg_buf_puts(b, "}\n");
	} else {
		char sep = fmt == VG_FMT_CSV ? ',' : fmt == VG_FMT_TSV ? '\t' : ' ';
		for (size_t i = 0; i < VG_ARRAY_LEN(cells); i++) {
			if (i)
				vg_buf_putc(b, sep);
			if (fmt == VG_FMT_CSV)
				vg_buf_csv_str(b, cells[i] ? cells[i] : "");
			else
				vg_buf_printf(b, fmt == VG_FMT_TABLE ? "%-14s" : "%s", cells[i] ? cells[i] : "");
		}
		vg_buf_printf(b, "%c%d%c%d%c", sep, r->when.month, sep, r->tl.deadline, sep);
		if (r->tl.known)
			vg_buf_printf(b, "%d%c%d", r->tl.days_taken, sep, r->tl.days_late);
		else
			vg_buf_putc(b, sep);
		vg_buf_printf(b, "%c%.3f%c%s%c%s\n", sep, r->completeness, sep, miss, sep, cn);
	}
	fputs(b->p ? b->p : "", stdout);
}

static int list_cases(const struct ctx *c, const struct opts *o, const char *unit)
{
	struct vg_buf b = VG_BUF_INIT(0);
	int n = 0;
	if (o->fmt == VG_FMT_CSV || o->fmt == VG_FMT_TSV || o->fmt == VG_FMT_TABLE) {
		const char *h[] = {"case", "unit", "class", "state", "category", "on_time", "month",
		                   "deadline", "days_taken", "days_late", "completeness", "missing",
		                   "missing_cn"};
		for (size_t i = 0; i < VG_ARRAY_LEN(h); i++)
			printf(o->fmt == VG_FMT_TABLE && i < 6 ? "%s%-14s" : "%s%s",
			       i ? (o->fmt == VG_FMT_CSV ? "," : o->fmt == VG_FMT_TSV ? "\t" : " ") : "",
			       h[i]);
		putchar('\n');
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct vg_unit_report *r = &c->reps[i];
		if (r->when.prec < VG_DATE_YEAR || r->when.year != o->year ||
		    (o->tlclass >= 0 && vg_tl_class_of(r->klass) != o->tlclass) ||
		    (unit && (!r->unit || strcmp(r->unit, unit))))
			continue;
		case_line(r, o->fmt, n++, &b);
	}
	if (o->fmt == VG_FMT_JSON)
		puts(n ? "]" : "[]");
	vg_buf_release(&b);
	return 0;
}

static int run_cases(int argc, char **argv)
{
	struct opts o = {0};
	const char *unit = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &o.db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_INT("year", &o.year, "YYYY", "the year (first submission date)"),
		VG_OPT_STR("class", &o.klass, "CLASS", "drug|device|cosmetic"),
		VG_OPT_STR("unit", &unit, "CODE", "one reporting unit"),
		VG_OPT_STR("config", &o.config, "FILE", "configuration (deadlines)"),
		VG_OPT_STR("format", &o.format, "FMT", "table|csv|tsv|json"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_units_config cfg;
	struct ctx c = {VG_ARENA_INIT, vg_map_new(1024), NULL, 0, 0, NULL, 0, 0, &cfg.rules};
	char **pos = NULL;
	int npos = 0, fmt = 0;
	int rc = vg_cli_parse(&units_cases, opts, argc, argv, &pos, &npos);
	if (rc) {
		rc = rc == 1 ? VG_EXIT_OK : rc;
		goto out;
	}
	fmt = vg_cli_format(&units_cases, o.format);
	o.format = NULL; /* check_opts knows the report formats only */
	if (fmt < 0 || npos || (rc = check_opts(&o))) {
		rc = rc ? rc : VG_EXIT_USAGE;
		goto out;
	}
	o.fmt = fmt;
	if (load_config(o.config, &cfg, &err) ||
	    gather(&c, o.db, NULL, &err))
		rc = vg_cli_fail("units cases", &err);
	else
		rc = list_cases(&c, &o, unit);
out:
	free(pos);
	free(c.reps);
	free(c.units);
	vg_map_free(c.index);
	vg_arena_release(&c.arena);
	return rc;
}
