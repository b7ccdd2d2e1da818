/*
 * cmd_info.c - `vigil info`: what a database holds.
 *
 * Counts of cases, versions, valid and nullified cases, products, events
 * and units; --format json gives an object with exactly those keys (plus
 * schema and backend) for scripts and tests.
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"

static int run_info(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_info = {
	.name = "info",
	.summary = "show counts of cases, versions, products, events and units",
	.usage = "vigil info --db PATH [--format table|json]",
	.help = "JSON keys: cases, versions, valid_cases, nullified_cases, deleted_cases,\n"
	        "products, events, units, schema_version, backend.\n",
	.run = run_info,
};

static void print_info(const struct vg_store_info *in, int fmt, int schema, const char *backend)
{
	const struct { const char *key; int64_t v; } rows[] = {
		{"cases", in->cases},           {"versions", in->versions},
		{"valid_cases", in->valid_cases}, {"nullified_cases", in->nullified_cases},
		{"deleted_cases", in->deleted_cases}, {"products", in->products},
		{"events", in->events},         {"units", in->units},
	};

	if (fmt == VG_FMT_JSON) {
		printf("{");
		for (size_t i = 0; i < VG_ARRAY_LEN(rows); i++)
			printf("\"%s\":%" PRId64 ",", rows[i].key, rows[i].v);
		printf("\"schema_version\":%d,\"backend\":\"%s\"}\n", schema, backend);
		return;
	}
	for (size_t i = 0; i < VG_ARRAY_LEN(rows); i++)
		printf(fmt == VG_FMT_TABLE ? "%-16s %" PRId64 "\n" : "%s,%" PRId64 "\n",
		       rows[i].key, rows[i].v);
}

static int run_info(int argc, char **argv)
{
	const char *db = NULL, *format = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("format", &format, "FMT", "table (default), csv or json"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_store_info info;
	char **pos = NULL;
	int npos = 0, fmt, schema = 0, applied = 0;
	int rc = vg_cli_parse(&vg_cmd_info, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos) {
		rc = vg_cli_usage_error(&vg_cmd_info, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if ((fmt = vg_cli_format(&vg_cmd_info, format)) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if ((rc = vg_cli_db(&vg_cmd_info, db, &db)))
		goto out;
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) || vg_store_info(st, &info, &err) ||
	    vg_store_schema_version(st, &schema, &applied, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	print_info(&info, fmt, schema, vg_store_backend(st));
out:
	vg_store_close(st);
	free(pos);
	return rc;
}
