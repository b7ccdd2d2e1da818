/*
 * cmd_import.c - `vigil import FORMAT --db PATH FILE...`: public data files
 * into the case store.
 *
 * The reader (ingest/, found by name in the format table) streams versions
 * into a sink that hands them to the store's bulk loader (store.h), which
 * encodes them on this thread and writes them on its own, inside batched
 * transactions:
 *
 *   import_begin (run row "running")
 *   BEGIN; put x batch; COMMIT; BEGIN; put x batch; COMMIT; ...; COMMIT
 *   delete_case for the source's deletion lists (same transactions)
 *   import_finish (stats, "done" | "failed")
 *
 * Each commit is atomic, so a process killed mid-import leaves the store
 * with whole batches only (consistent), and running the same command again
 * completes it: the store recognises the versions it already holds by
 * their content hash and adds nothing for them.  For the same reason a
 * second import of the same input adds nothing (versions_added 0).  The
 * store is opened in BULK mode (synchronous=NORMAL inside transactions,
 * still durable at commit in WAL mode).
 *
 * Output: a summary on stdout, or with --format json one object with keys
 * rows_read, rows_rejected, cases_added, versions_added,
 * versions_superseded, cases_deleted (plus versions_read, run_id).
 * Rejected rows go to --rejects FILE (TSV: file, line, reason, excerpt;
 * see ingest.h); without it they are counted only.  A progress bar is
 * drawn on stderr when it is a terminal.  Exit 0 when the import completed
 * (even with rejected rows), 1 on a read or database failure.
 *
 * --dry-run reads and checks the input (rows, rejects, versions) without
 * opening the store: to validate files, and to measure the readers alone
 * (bench/bench_import.sh).
 */
#include "vg.h"
#include "cli/cli.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define DEFAULT_BATCH 50000

static int run_import(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_import = {
	.name = "import",
	.summary = "import public data files (faers, table, e2b, ...)",
	.usage = "vigil import FORMAT --db PATH [--rejects FILE] [--format table|json] [--dry-run]\n"
	         "       [--batch N] FILE...",
	.help = "Formats: see the list below.  A FAERS quarter may be given as its\n"
	        "directory (ASCII/ and Deleted/ inside) or as files.\n"
	        "table: --id COL --product COL --event COL [--stratum COL] [--delimiter D]\n"
	        "  e.g. vigil import table --db x.db --id id --product var1 --event var2 \\\n"
	        "       --stratum strat1 openEBGM_caers.csv\n"
	        "Re-importing the same files adds nothing; an interrupted import is\n"
	        "completed by running it again.  JSON keys: rows_read, rows_rejected,\n"
	        "cases_added, versions_added, versions_superseded, cases_deleted.\n",
	.run = run_import,
};

struct import {
	struct vg_store *st;
	struct vg_store_loader *loader;
	struct vg_import_stats s;
	int64_t batch, versions_read, run_id;
};

/* --dry-run: count what would be stored. */
static int count_only(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct import *im = ctx;

	im->versions_read++;
	return 0;
}

static int dry_run(struct import *im, const struct vg_ingest_format *f,
                   const struct vg_ingest_opts *o, char **files, int nfiles, struct vg_err *err)
{
	struct vg_ingest_sink sink = {count_only, NULL, im};
	struct vg_ingest_stats st = {0};
	int rc = f->run(o, files, nfiles, &sink, &st, err);

	im->s.rows_read = st.rows_read;
	im->s.rows_rejected = st.rows_rejected;
	return rc;
}

static int put(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct import *im = ctx;

	im->versions_read++;
	return vg_store_loader_put(im->loader, v, err);
}

static int del(void *ctx, const char *case_id, struct vg_err *err)
{
	struct import *im = ctx;

	return vg_store_loader_delete(im->loader, case_id, err);
}

static void print_summary(const struct import *im, int fmt)
{
	const struct { const char *key; int64_t v; } rows[] = {
		{"rows_read", im->s.rows_read},
		{"rows_rejected", im->s.rows_rejected},
		{"cases_added", im->s.cases_added},
		{"versions_added", im->s.versions_added},
		{"versions_superseded", im->s.versions_superseded},
		{"cases_deleted", im->s.cases_deleted},
		{"versions_read", im->versions_read},
		{"run_id", im->run_id},
	};

	if (fmt == VG_FMT_JSON)
		putchar('{');
	for (size_t i = 0; i < VG_ARRAY_LEN(rows); i++) {
		if (fmt == VG_FMT_JSON)
			printf("%s\"%s\":%" PRId64, i ? "," : "", rows[i].key, rows[i].v);
		else
			printf(fmt == VG_FMT_TABLE ? "%-20s %" PRId64 "\n" : "%s,%" PRId64 "\n",
			       rows[i].key, rows[i].v);
	}
	if (fmt == VG_FMT_JSON)
		puts("}");
}

/* "a b c" of the files, for the import run row. */
static char *join_files(char **files, int n)
{
	struct vg_buf b = VG_BUF_INIT(0);

	for (int i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(&b, ' ');
		if (vg_buf_puts(&b, files[i]) < 0)
			break;
	}
	return b.p ? vg_buf_detach(&b, NULL) : vg_xstrdup("");
}

/* Run the reader into the store; the run row records how it ended. */
static int import_run(struct import *im, const struct vg_ingest_format *f,
                      const struct vg_ingest_opts *o, char **files, int nfiles,
                      struct vg_err *err)
{
	struct vg_ingest_sink sink = {put, del, im};
	struct vg_ingest_stats st = {0};
	struct vg_err ferr = VG_ERR_INIT;
	char *names = join_files(files, nfiles);
	int rc;

	rc = vg_store_import_begin(im->st, f->name, names, &im->run_id, err);
	free(names);
	if (rc)
		return rc;
	rc = vg_store_loader_start(im->st, im->batch, &im->loader, err);
	if (rc == 0) {
		struct vg_err lerr = VG_ERR_INIT;
		rc = f->run(o, files, nfiles, &sink, &st, err);
		/* the writer's own error, if it failed first, explains best */
		if (vg_store_loader_finish(im->loader, rc == 0, &im->s, &lerr) && rc == 0) {
			*err = lerr;
			rc = lerr.code;
		}
	}
	im->s.rows_read = st.rows_read;
	im->s.rows_rejected = st.rows_rejected;
	if (vg_store_import_finish(im->st, im->run_id, &im->s, rc ? "failed" : "done", &ferr) &&
	    rc == 0) {
		*err = ferr;
		rc = ferr.code;
	}
	return rc;
}

static int usage_formats(FILE *out)
{
	fprintf(out, "formats:\n");
	for (size_t i = 0; vg_ingest_formats[i]; i++)
		fprintf(out, "  %-8s %s\n", vg_ingest_formats[i]->name,
		        vg_ingest_formats[i]->summary);
	return VG_EXIT_USAGE;
}

/* FORMAT FILE..., --format, --batch; 0 or an exit code (message printed). */
static int check_args(char **pos, int npos, const char *format, int64_t batch,
                      const struct vg_ingest_format **f, int *fmt)
{
	if (npos < 2) {
		vg_cli_usage_error(&vg_cmd_import, "give a FORMAT and at least one FILE");
		return usage_formats(stderr);
	}
	if (!(*f = vg_ingest_find(pos[0]))) {
		vg_cli_usage_error(&vg_cmd_import, "unknown format '%s'", pos[0]);
		return usage_formats(stderr);
	}
	if ((*fmt = vg_cli_format(&vg_cmd_import, format)) < 0)
		return VG_EXIT_USAGE;
	if (batch < 1)
		return vg_cli_usage_error(&vg_cmd_import, "--batch must be >= 1");
	return 0;
}

static int run_import(int argc, char **argv)
{
	const char *db = NULL, *format = NULL, *rejects = NULL;
	int64_t batch = DEFAULT_BATCH;
	bool dry = false;
	struct vg_ingest_opts o = {0};
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file (created if missing)"),
		VG_OPT_STR("rejects", &rejects, "FILE", "write rejected rows to FILE (TSV)"),
		VG_OPT_STR("format", &format, "FMT", "summary as table (default), csv or json"),
		VG_OPT_STR("id", &o.id_col, "COL", "table: report id column"),
		VG_OPT_STR("product", &o.product_col, "COL", "table: product column"),
		VG_OPT_STR("event", &o.event_col, "COL", "table: event column"),
		VG_OPT_STR("stratum", &o.stratum_col, "COL", "table: stratum column (optional)"),
		VG_OPT_STR("delimiter", &o.delimiter, "D", "table: , ; | or tab (default: guess)"),
		VG_OPT_INT("batch", &batch, "N", "versions per transaction (default 50000)"),
		VG_OPT_FLAG("dry-run", &dry, "read and check only; the store is not opened"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_rejects rj = {NULL, 0};
	struct import im;
	const struct vg_ingest_format *f = NULL;
	char **pos = NULL;
	int npos = 0, fmt = 0;
	int rc = vg_cli_parse(&vg_cmd_import, opts, argc, argv, &pos, &npos);

	memset(&im, 0, sizeof(im));
	if (rc) {
		if (rc == 1)
			usage_formats(stdout);
		rc = rc == 1 ? VG_EXIT_OK : rc;
		goto out;
	}
	if ((rc = check_args(pos, npos, format, batch, &f, &fmt)) != 0 ||
	    (!dry && (rc = vg_cli_db(&vg_cmd_import, db, &db)) != 0))
		goto out;
	if (rejects && !(rj.out = fopen(rejects, "w"))) {
		vg_err_set(&err, VG_EIO, rejects, "cannot create: %s", strerror(errno));
		rc = vg_cli_fail("--rejects", &err);
		goto out;
	}
	o.rejects = &rj;
	o.progress = true;
	im.batch = batch;
	if (dry ? dry_run(&im, f, &o, pos + 1, npos - 1, &err)
	        : (vg_store_open(db, VG_STORE_CREATE | VG_STORE_BULK, &im.st, &err) ||
	           import_run(&im, f, &o, pos + 1, npos - 1, &err))) {
		rc = vg_cli_fail(f->name, &err);
		goto out;
	}
	print_summary(&im, fmt);
out:
	if (rj.out && fclose(rj.out) != 0 && rc == 0)
		rc = VG_EXIT_FAIL;
	vg_store_close(im.st);
	free(pos);
	return rc;
}
