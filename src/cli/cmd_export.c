/*
 * cmd_export.c - `vigil export e2b`: a stored case as E2B(R3) XML.
 *
 * Loads the case's latest version (or version N in arrival order with
 * --version N) and writes it through vg_e2b_export (ingest/e2b_export.c) to
 * stdout or to -o/--output FILE.  The file is written to FILE.tmp and
 * renamed, so a failed export never leaves half a file under FILE.
 */
#include "vg.h"
#include "cli/cli.h"
#include "ingest/ingest.h"
#include "store/store.h"

static int run_e2b(int argc, char **argv);

static const struct vg_cli_cmd export_e2b = {
	.name = "e2b",
	.summary = "write a case as ICH E2B(R3) XML",
	.usage = "vigil export e2b --db PATH [--version N] [-o FILE] CASE_ID",
	.help = "Writes one MCCI_IN200100UV01 batch holding one PORR_IN049016UV message.\n"
	        "It validates against the ICH E2B(R3) schemas and `vigil import e2b` reads\n"
	        "it back to the same case (fields E2B cannot carry: aware and submitted\n"
	        "dates, the unexpected flag, device model/UDI/category).\n"
	        "-o is short for --output.\n",
	.run = run_e2b,
};

static const struct vg_cli_cmd *const export_sub[] = {&export_e2b, NULL};

const struct vg_cli_cmd vg_cmd_export = {
	.name = "export",
	.summary = "export cases (e2b)",
	.usage = "vigil export e2b ...",
	.help = "",
	.subcommands = export_sub,
};

/* The chosen version of id into *out (arena-owned). */
static int load(struct vg_store *st, const char *id, int64_t version, struct vg_arena *a,
                struct vg_case_version **out, struct vg_err *err)
{
	struct vg_case_version **vs = NULL;
	size_t n = 0;
	int rc;

	if (version <= 0)
		return vg_store_case_latest(st, id, a, out, err);
	if ((rc = vg_store_case_versions(st, id, a, &vs, &n, err)))
		return rc;
	if ((uint64_t)version > n)
		return vg_err_set(err, VG_ENOTFOUND, id, "case has %zu version(s), not %" PRId64, n,
		                  version);
	*out = vs[version - 1];
	return 0;
}

/* Write b to path atomically (path.tmp, then rename), or to stdout. */
static int emit(const char *path, const struct vg_buf *b, struct vg_err *err)
{
	char tmp[4096];
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return fwrite(b->p, 1, b->len, stdout) == b->len ? 0
		       : vg_err_set(err, VG_EIO, "stdout", "write failed");
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return vg_err_set(err, VG_EINVAL, path, "path too long");
	if (!(f = fopen(tmp, "wb")))
		return vg_err_set(err, VG_EIO, tmp, "cannot create: %s", strerror(errno));
	bool ok = fwrite(b->p, 1, b->len, f) == b->len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		return vg_err_set(err, VG_EIO, path, "cannot write: %s", strerror(errno));
	}
	return 0;
}

static int run_e2b(int argc, char **argv)
{
	const char *db = NULL, *output = NULL;
	int64_t version = 0;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("output", &output, "FILE", "write to FILE instead of stdout (-o)"),
		VG_OPT_INT("version", &version, "N", "the N-th version received (default: latest)"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_buf b = VG_BUF_INIT(256u << 20);
	struct vg_case_version *v = NULL;
	char **args = vg_xcalloc((size_t)argc + 1, sizeof *args), **pos = NULL;
	int npos = 0, rc;

	for (int i = 0; i < argc; i++) /* the parser knows long options only */
		args[i] = strcmp(argv[i], "-o") ? argv[i] : (char *)"--output";
	rc = vg_cli_parse(&export_e2b, opts, argc, args, &pos, &npos);
	if (rc) {
		rc = rc == 1 ? VG_EXIT_OK : rc;
		goto out;
	}
	if (npos != 1) {
		rc = vg_cli_usage_error(&export_e2b, "give exactly one CASE_ID");
		goto out;
	}
	if (version < 0) {
		rc = vg_cli_usage_error(&export_e2b, "--version must be >= 1");
		goto out;
	}
	if ((rc = vg_cli_db(&export_e2b, db, &db)))
		goto out;
	vg_arena_init(&a, 0);
	if (vg_store_open(db, VG_STORE_READONLY, &st, &err) ||
	    load(st, pos[0], version, &a, &v, &err) || vg_e2b_export(v, &b, &err) ||
	    emit(output, &b, &err))
		rc = vg_cli_fail(pos[0], &err);
out:
	vg_buf_release(&b);
	vg_arena_release(&a);
	vg_store_close(st);
	free(pos);
	free(args);
	return rc;
}
