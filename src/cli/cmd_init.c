/*
 * cmd_init.c - `vigil init`: create a database (or bring one up to the
 * newest schema) and say what was done.
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"

static int run_init(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_init = {
	.name = "init",
	.summary = "create a case database or migrate it to the newest schema",
	.usage = "vigil init --db PATH",
	.help = "PATH is a SQLite file (created if missing) or a postgresql:// URI.\n"
	        "Running init on an existing database applies pending migrations only.\n",
	.run = run_init,
};

static int run_init(int argc, char **argv)
{
	const char *db = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0, version = 0, applied = 0;
	int rc = vg_cli_parse(&vg_cmd_init, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos) {
		rc = vg_cli_usage_error(&vg_cmd_init, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if ((rc = vg_cli_db(&vg_cmd_init, db, &db)))
		goto out;
	if (vg_store_open(db, VG_STORE_CREATE, &st, &err) ||
	    vg_store_schema_version(st, &version, &applied, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	printf("%s: schema version %d (%d migration%s applied)\n", db, version, applied,
	       applied == 1 ? "" : "s");
out:
	vg_store_close(st);
	free(pos);
	return rc;
}
