/*
 * cmd_version.c - `vigil version`: program, schema and library versions.
 */
#include "vg.h"
#include "cli/cli.h"

#include <sqlite3.h>

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1.0"
#endif

static int run_version(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_version = {
	.name = "version",
	.summary = "print the version of vigil and its libraries",
	.usage = "vigil version",
	.help = "",
	.run = run_version,
};

static int run_version(int argc, char **argv)
{
	struct vg_cli_opt opts[] = {VG_OPT_END};
	char **pos = NULL;
	int npos = 0, rc = vg_cli_parse(&vg_cmd_version, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	free(pos);
	if (npos)
		return vg_cli_usage_error(&vg_cmd_version, "unexpected argument '%s'", argv[1]);
	printf("vigil %s\nsqlite %s\n", VIGIL_VERSION, sqlite3_libversion());
	return VG_EXIT_OK;
}
