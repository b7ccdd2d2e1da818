/*
 * commands.c - the top-level command table.
 *
 * The one place to edit when adding a command: declare its entry (defined
 * in cmd_<name>.c) and list it.  Order is the order of `vigil --help`.
 */
#include "vg.h"
#include "cli/cli.h"

extern const struct vg_cli_cmd vg_cmd_init;
extern const struct vg_cli_cmd vg_cmd_info;
extern const struct vg_cli_cmd vg_cmd_import;
extern const struct vg_cli_cmd vg_cmd_cases;
extern const struct vg_cli_cmd vg_cmd_export;
extern const struct vg_cli_cmd vg_cmd_dedup;
extern const struct vg_cli_cmd vg_cmd_signals;
extern const struct vg_cli_cmd vg_cmd_terms;
extern const struct vg_cli_cmd vg_cmd_units;
extern const struct vg_cli_cmd vg_cmd_unit;
extern const struct vg_cli_cmd vg_cmd_user;
extern const struct vg_cli_cmd vg_cmd_serve;
extern const struct vg_cli_cmd vg_cmd_version;

const struct vg_cli_cmd *const vg_cli_commands[] = {
	&vg_cmd_init,
	&vg_cmd_info,
	&vg_cmd_import,
	&vg_cmd_cases,
	&vg_cmd_export,
	&vg_cmd_dedup,
	&vg_cmd_signals,
	&vg_cmd_terms,
	&vg_cmd_units,
	&vg_cmd_unit,
	&vg_cmd_user,
	&vg_cmd_serve,
	&vg_cmd_version,
	NULL,
};
