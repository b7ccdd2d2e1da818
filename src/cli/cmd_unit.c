/*
 * cmd_unit.c - `vigil unit add|list`: the reporting units (报告单位).
 *
 * A unit is identified by its code; `add` on an existing code updates its
 * name, kind and region (the store audits before and after).
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"

static int run_add(int argc, char **argv);
static int run_list(int argc, char **argv);

static const struct vg_cli_cmd unit_add = {
	.name = "add",
	.summary = "add or update a reporting unit",
	.usage = "vigil unit add --db PATH CODE NAME [--kind KIND] [--region REGION]\n"
	         "                [--beds N] [--population N]\n"
	         "       vigil unit add --db PATH --code CODE --name NAME [...]",
	.help = "CODE: letters, digits and - _ . : (e.g. 440100-H001).  NAME may be Chinese.\n"
	        "KIND: hospital, clinic, pharmacy, manufacturer, distributor, ...\n"
	        "--beds and --population size the unit for `vigil units` (reports per\n"
	        "100 beds / per million population); 0 or absent: not configured.\n",
	.run = run_add,
};

static const struct vg_cli_cmd unit_list = {
	.name = "list",
	.summary = "list reporting units",
	.usage = "vigil unit list --db PATH [--format table|csv|tsv|json]",
	.help = "",
	.run = run_list,
};

static const struct vg_cli_cmd *const unit_sub[] = {&unit_add, &unit_list, NULL};

const struct vg_cli_cmd vg_cmd_unit = {
	.name = "unit",
	.summary = "manage reporting units",
	.usage = "vigil unit add|list ...",
	.help = "",
	.subcommands = unit_sub,
};

static bool code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("-_.:", s[i]))
			return false;
	return true;
}

static int run_add(int argc, char **argv)
{
	const char *db = NULL, *kind = NULL, *region = NULL, *code = NULL, *name = NULL;
	int64_t beds = 0;
	double population = 0;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_INT("beds", &beds, "N", "number of beds (hospitals)"),
		VG_OPT_DOUBLE("population", &population, "N", "population served"),
		VG_OPT_STR("code", &code, "CODE", "unit code (or the first argument)"),
		VG_OPT_STR("name", &name, "NAME", "unit name (or the second argument)"),
		VG_OPT_STR("kind", &kind, "KIND", "hospital, pharmacy, manufacturer, ..."),
		VG_OPT_STR("region", &region, "REGION", "region code"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&unit_add, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (!code && npos > 0)
		code = pos[0];
	if (!name && npos > (code == pos[0] ? 1 : 0))
		name = pos[npos - 1];
	if (npos > 2 || !code || !name || !code_ok(code) || !name[0]) {
		rc = vg_cli_usage_error(&unit_add, "expected CODE ([A-Za-z0-9._:-], <= 64) and NAME");
		goto out;
	}
	if (beds < 0 || !(population >= 0) || population > 1e10) {
		rc = vg_cli_usage_error(&unit_add, "--beds and --population must be >= 0");
		goto out;
	}
	if ((rc = vg_cli_db(&unit_add, db, &db)))
		goto out;
	struct vg_unit u = {code, name, kind, region, beds, population};
	if (vg_store_open(db, VG_STORE_CREATE, &st, &err) || vg_store_unit_put(st, &u, "cli", &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	printf("unit %s saved\n", code);
out:
	vg_store_close(st);
	free(pos);
	return rc;
}

struct list_ctx {
	int fmt;
	int n;
};

static int print_unit(const struct vg_unit *u, void *ctx)
{
	struct list_ctx *lc = ctx;
	int fmt = lc->fmt;
	const char *cells[] = {u->code, u->name ? u->name : "", u->kind ? u->kind : "",
	                       u->region ? u->region : ""};
	struct vg_buf b = VG_BUF_INIT(0);

	if (fmt == VG_FMT_JSON) {
		vg_buf_puts(&b, lc->n++ ? "," : "[");
		vg_buf_puts(&b, "{\"code\":");
		vg_buf_json_str(&b, cells[0]);
		vg_buf_puts(&b, ",\"name\":");
		vg_buf_json_str(&b, cells[1]);
		vg_buf_puts(&b, ",\"kind\":");
		vg_buf_json_str(&b, cells[2]);
		vg_buf_puts(&b, ",\"region\":");
		vg_buf_json_str(&b, cells[3]);
		vg_buf_printf(&b, ",\"beds\":%" PRId64 ",\"population\":%.15g}", u->beds,
		              u->population);
	} else {
		for (size_t i = 0; i < VG_ARRAY_LEN(cells); i++) {
			if (i)
				vg_buf_putc(&b, fmt == VG_FMT_CSV ? ',' : '\t');
			if (fmt == VG_FMT_CSV)
				vg_buf_csv_str(&b, cells[i]);
			else
				vg_buf_puts(&b, cells[i]);
		}
		vg_buf_printf(&b, "%c%" PRId64 "%c%.15g", fmt == VG_FMT_CSV ? ',' : '\t', u->beds,
		              fmt == VG_FMT_CSV ? ',' : '\t', u->population);
	}
	printf("%s\n", b.p ? b.p : "");
	vg_buf_release(&b);
	return 0;
}

static int run_list(int argc, char **argv)
{
	const char *db = NULL, *format = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("format", &format, "FMT", "table|csv|tsv|json"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0;
	struct list_ctx lc = {0, 0};
	int rc = vg_cli_parse(&unit_list, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if ((lc.fmt = vg_cli_format(&unit_list, format)) < 0 || (rc = vg_cli_db(&unit_list, db, &db))) {
		rc = rc ? rc : VG_EXIT_USAGE;
		goto out;
	}
	if (vg_store_open(db, 0, &st, &err) || vg_store_unit_list(st, print_unit, &lc, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	if (lc.fmt == VG_FMT_JSON)
		puts(lc.n ? "]" : "[]");
out:
	vg_store_close(st);
	free(pos);
	return rc;
}
