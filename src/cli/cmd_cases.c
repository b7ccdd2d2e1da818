/*
 * cmd_cases.c - `vigil cases list|show`: look at stored cases.
 *
 * list prints one row per case (filters on class, seriousness, unit, dates,
 * status; paging), show prints the latest version of one case as its
 * canonical JSON document (case.h), or every version with --versions.
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"

static int run_list(int argc, char **argv);
static int run_show(int argc, char **argv);

static const struct vg_cli_cmd cases_list = {
	.name = "list",
	.summary = "list cases, one line each",
	.usage = "vigil cases list --db PATH [--class C] [--serious yes|no] [--unit U]\n"
	         "                 [--from DATE] [--to DATE] [--valid-only] [--limit N]\n"
	         "                 [--offset N] [--format table|csv|tsv|json]",
	.help = "Columns: case_id, versions, class, serious, valid, nullified, status, unit,\n"
	        "received, latest, first product, first event.  Dates are YYYY[-MM[-DD]]\n"
	        "and filter on the received date.\n",
	.run = run_list,
};

static const struct vg_cli_cmd cases_show = {
	.name = "show",
	.summary = "print a case's latest version (or all versions) as JSON",
	.usage = "vigil cases show --db PATH [--versions] CASE_ID",
	.help = "",
	.run = run_show,
};

static const struct vg_cli_cmd *const cases_sub[] = {&cases_list, &cases_show, NULL};

const struct vg_cli_cmd vg_cmd_cases = {
	.name = "cases",
	.summary = "list and show stored cases",
	.usage = "vigil cases list|show ...",
	.help = "",
	.subcommands = cases_sub,
};

struct list_ctx {
	int fmt;
	int64_t n;
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

static void row_text(const struct vg_case_row *r, char sep, struct vg_buf *b)
{
	char rec[24], lat[24];
	const char *cells[] = {r->case_id, NULL, vg_class_name(r->klass),
	                       r->serious ? "yes" : "no", r->valid ? "yes" : "no",
	                       r->nullified ? "yes" : "no",
	                       r->status == VG_STATUS_ACCEPTED   ? "accepted"
	                       : r->status == VG_STATUS_RETURNED ? "returned"
	                                                         : "submitted",
	                       nz(r->unit), rec, lat, nz(r->first_product), nz(r->first_event)};
	char nver[16];

	snprintf(nver, sizeof(nver), "%d", r->versions);
	cells[1] = nver;
	vg_date_format_iso(&r->received, rec);
	vg_date_format_iso(&r->latest, lat);
	for (size_t i = 0; i < VG_ARRAY_LEN(cells); i++) {
		if (i)
			vg_buf_putc(b, sep);
		if (sep == ',')
			vg_buf_csv_str(b, cells[i]);
		else
			vg_buf_puts(b, cells[i]);
	}
}

static void row_json(const struct vg_case_row *r, struct vg_buf *b)
{
	char rec[24], lat[24];

	vg_date_format_iso(&r->received, rec);
	vg_date_format_iso(&r->latest, lat);
	vg_buf_puts(b, "{\"case_id\":");
	vg_buf_json_str(b, r->case_id);
	vg_buf_printf(b, ",\"versions\":%d,\"class\":\"%s\",\"serious\":%s,\"valid\":%s,"
	                 "\"nullified\":%s,\"status\":%d,\"unit\":",
	              r->versions, vg_class_name(r->klass), r->serious ? "true" : "false",
	              r->valid ? "true" : "false", r->nullified ? "true" : "false", r->status);
	vg_buf_json_str(b, nz(r->unit));
	vg_buf_printf(b, ",\"received\":\"%s\",\"latest\":\"%s\",\"product\":", rec, lat);
	vg_buf_json_str(b, nz(r->first_product));
	vg_buf_puts(b, ",\"event\":");
	vg_buf_json_str(b, nz(r->first_event));
	vg_buf_putc(b, '}');
}

static int print_row(const struct vg_case_row *r, void *vctx)
{
	struct list_ctx *ctx = vctx;
	struct vg_buf b = VG_BUF_INIT(1 << 20);

	if (ctx->fmt == VG_FMT_JSON) {
		vg_buf_puts(&b, ctx->n ? ",\n" : "[\n");
		row_json(r, &b);
	} else {
		row_text(r, ctx->fmt == VG_FMT_CSV ? ',' : '\t', &b);
		vg_buf_putc(&b, '\n');
	}
	fwrite(b.p, 1, b.len, stdout);
	vg_buf_release(&b);
	ctx->n++;
	return 0;
}

static int parse_filter(const char *klass, const char *serious, const char *from,
                        const char *to, struct vg_case_filter *f)
{
	if (klass && (f->klass = vg_class_parse(klass)) <= 0)
		return vg_cli_usage_error(&cases_list, "--class: unknown class '%s'", klass);
	if (serious) {
		if (strcmp(serious, "yes") && strcmp(serious, "no"))
			return vg_cli_usage_error(&cases_list, "--serious: say yes or no");
		f->serious = !strcmp(serious, "yes");
	}
	if (from && (vg_date_parse(vg_sv_of(from), &f->from) || !f->from.prec))
		return vg_cli_usage_error(&cases_list, "--from: bad date '%s'", from);
	if (to && (vg_date_parse(vg_sv_of(to), &f->to) || !f->to.prec))
		return vg_cli_usage_error(&cases_list, "--to: bad date '%s'", to);
	return 0;
}

static int run_list(int argc, char **argv)
{
	const char *db = NULL, *format = NULL, *klass = NULL, *serious = NULL, *from = NULL,
		   *to = NULL;
	struct vg_case_filter f = VG_CASE_FILTER_INIT;
	bool valid_only = false;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("class", &klass, "C", "drug, device, cosmetic, vaccine or food"),
		VG_OPT_STR("serious", &serious, "yes|no", "only serious / non-serious cases"),
		VG_OPT_STR("unit", &f.unit, "U", "reporting unit code"),
		VG_OPT_STR("from", &from, "DATE", "received on or after DATE"),
		VG_OPT_STR("to", &to, "DATE", "received on or before DATE"),
		VG_OPT_FLAG("valid-only", &valid_only, "hide invalid and nullified cases"),
		VG_OPT_INT("limit", &f.limit, "N", "at most N rows"),
		VG_OPT_INT("offset", &f.offset, "N", "skip the first N rows"),
		VG_OPT_STR("format", &format, "FMT", "table (default), csv, tsv or json"),
		VG_OPT_END,
	};
	struct list_ctx ctx = {0, 0};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0;
	int64_t total = 0;
	int rc = vg_cli_parse(&cases_list, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos)
		rc = vg_cli_usage_error(&cases_list, "unexpected argument '%s'", pos[0]);
	else if (f.limit < 0 || f.offset < 0)
		rc = vg_cli_usage_error(&cases_list, "--limit and --offset must be >= 0");
	else if ((ctx.fmt = vg_cli_format(&cases_list, format)) < 0)
		rc = VG_EXIT_USAGE;
	if (rc || (rc = parse_filter(klass, serious, from, to, &f)) ||
	    (rc = vg_cli_db(&cases_list, db, &db)))
		goto out;
	f.include_invalid = f.include_nullified = !valid_only;
	if (ctx.fmt == VG_FMT_CSV || ctx.fmt == VG_FMT_TSV || ctx.fmt == VG_FMT_TABLE) {
		const char *h = "case_id,versions,class,serious,valid,nullified,status,unit,"
		                "received,latest,product,event\n";
		for (const char *c = h; *c; c++)
			putchar(ctx.fmt != VG_FMT_CSV && *c == ',' ? '\t' : *c);
	}
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) ||
	    vg_store_case_list(st, &f, print_row, &ctx, &total, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	if (ctx.fmt == VG_FMT_JSON)
		puts(ctx.n ? "\n]" : "[]");
out:
	vg_store_close(st);
	free(pos);
	return rc;
}

static int show_versions(struct vg_store *st, const char *id, struct vg_arena *a,
                         struct vg_buf *b, struct vg_err *err)
{
	struct vg_case_version **vs = NULL;
	size_t n = 0;
	int rc = vg_store_case_versions(st, id, a, &vs, &n, err);

	if (rc)
		return rc;
	vg_buf_puts(b, "[\n");
	for (size_t i = 0; i < n && !rc; i++) {
		rc = vg_case_to_json(vs[i], b);
		vg_buf_puts(b, i + 1 < n ? ",\n" : "\n");
	}
	vg_buf_puts(b, "]");
	return rc ? vg_err_set(err, rc, id, "case too large to print") : 0;
}

static int run_show(int argc, char **argv)
{
	const char *db = NULL;
	bool versions = false;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_FLAG("versions", &versions, "print every version, oldest first"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_buf b = VG_BUF_INIT(256u << 20);
	struct vg_case_version *v = NULL;
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&cases_show, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos != 1) {
		rc = vg_cli_usage_error(&cases_show, "give exactly one CASE_ID");
		goto out;
	}
	if ((rc = vg_cli_db(&cases_show, db, &db)))
		goto out;
	vg_arena_init(&a, 0);
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) ||
	    (versions ? show_versions(st, pos[0], &a, &b, &err)
	              : (vg_store_case_latest(st, pos[0], &a, &v, &err) ||
	                 vg_case_to_json(v, &b)))) {
		rc = vg_cli_fail(pos[0], &err);
		goto out;
	}
	printf("%s\n", b.p);
out:
	vg_buf_release(&b);
	vg_arena_release(&a);
	vg_store_close(st);
	free(pos);
	return rc;
}
