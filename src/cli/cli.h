/*
 * cli.h - the vigil program's command table and shared helpers.
 *
 * Every subcommand lives in src/cli/cmd_<name>.c and exports one constant
 *
 *     const struct vg_cli_cmd vg_cmd_<name> = {
 *         .name = "import", .summary = "import public data files",
 *         .usage = "vigil import FORMAT --db PATH FILE...",
 *         .help = "...long help...",
 *         .run = run_import,
 *     };
 *
 * listed once in commands.c.  main.c finds the entry by name and calls run
 * with the arguments after the command name (argv[0] is the command name).
 * Commands with subcommands (cases list|show, unit add|list) dispatch again
 * with vg_cli_dispatch over their own table of struct vg_cli_cmd.
 *
 * Exit codes (documented in `vigil --help` and the README):
 *   0 success, 1 failure (data or database error), 2 usage error,
 *   3 not found, 4 input rejected (validation failed, nothing written).
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include "vg.h"
#include "util/util.h"

enum {
	VG_EXIT_OK = 0,
	VG_EXIT_FAIL = 1,
	VG_EXIT_USAGE = 2,
	VG_EXIT_NOTFOUND = 3,
	VG_EXIT_REJECTED = 4,
};

struct vg_cli_cmd {
	const char *name;
	const char *summary; /* one line for the command list */
	const char *usage;   /* "vigil cases show --db PATH CASE_ID" */
	const char *help;    /* options and examples, printed by --help */
	int (*run)(int argc, char **argv);
	const struct vg_cli_cmd *const *subcommands; /* NULL-terminated, or NULL */
};

/* The top-level table (commands.c), NULL-terminated. */
extern const struct vg_cli_cmd *const vg_cli_commands[];

/*
 * Dispatch argv[0] over a NULL-terminated table: `--help`/`-h`/`help`
 * print the table; an unknown name is a usage error naming it.  A command
 * with subcommands and no run is dispatched one level further.
 */
int vg_cli_dispatch(const char *prog, const struct vg_cli_cmd *const *table, int argc,
                    char **argv);
/* Print "usage: ...\n\nhelp" of cmd to stdout. */
void vg_cli_print_help(const struct vg_cli_cmd *cmd);

/* ------------------------------------------------------------ arguments */

/*
 * A small declarative option parser (no getopt globals):
 *
 *   const char *db = NULL, *format = "table"; bool all = false;
 *   struct vg_cli_opt opts[] = {
 *       VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
 *       VG_OPT_STR("format", &format, "FMT", "table|csv|json"),
 *       VG_OPT_FLAG("all", &all, "include invalid cases"),
 *       VG_OPT_END
 *   };
 *   rc = vg_cli_parse(cmd, opts, argc, argv, &pos, &npos);
 *
 * Accepts "--name value" and "--name=value", "--" ends options; other
 * arguments are collected as positionals (pos points into argv).  "--help"
 * prints the command's help and returns 1 (caller exits 0).  Errors print a
 * message naming the option to stderr and return VG_EXIT_USAGE.
 * Repeated VG_OPT_LIST options are collected into a char ** (arena-free:
 * pointers into argv, array malloc'd, free with free()).
 */
enum vg_opt_kind { VG_OPT_KIND_END = 0, VG_OPT_KIND_STR, VG_OPT_KIND_FLAG, VG_OPT_KIND_INT,
                   VG_OPT_KIND_DOUBLE };
struct vg_cli_opt {
	int kind;
	const char *name;
	void *out;          /* const char **, bool *, int64_t *, double * */
	const char *metavar;
	const char *help;
};
#define VG_OPT_STR(n, p, m, h) {VG_OPT_KIND_STR, (n), (p), (m), (h)}
#define VG_OPT_FLAG(n, p, h) {VG_OPT_KIND_FLAG, (n), (p), NULL, (h)}
#define VG_OPT_INT(n, p, m, h) {VG_OPT_KIND_INT, (n), (p), (m), (h)}
#define VG_OPT_DOUBLE(n, p, m, h) {VG_OPT_KIND_DOUBLE, (n), (p), (m), (h)}
#define VG_OPT_END {VG_OPT_KIND_END, NULL, NULL, NULL, NULL}

/* Returns 0 to go on, 1 when --help was printed, VG_EXIT_USAGE on error.
 * *pos is malloc'd (free it), holding *npos positional arguments. */
int vg_cli_parse(const struct vg_cli_cmd *cmd, const struct vg_cli_opt *opts, int argc,
                 char **argv, char ***pos, int *npos);

/* ------------------------------------------------------------ output */

/* Print "vigil: <context>: <err>" to stderr and return the exit code that
 * fits err->code (ENOTFOUND -> 3, EUSAGE/EINVAL from args -> 2, else 1). */
int vg_cli_fail(const char *context, const struct vg_err *err);
/* Print "vigil: <msg>" to stderr; return VG_EXIT_USAGE. */
int vg_cli_usage_error(const struct vg_cli_cmd *cmd, const char *fmt, ...) VG_PRINTF(2, 3);
/* Output format from --format: "table" (default), "csv", "tsv", "json";
 * -1 and a usage message for anything else. */
enum vg_fmt { VG_FMT_TABLE = 0, VG_FMT_CSV, VG_FMT_TSV, VG_FMT_JSON };
int vg_cli_format(const struct vg_cli_cmd *cmd, const char *s);
/* The database path: --db, else $VIGIL_DB, else a usage error. */
int vg_cli_db(const struct vg_cli_cmd *cmd, const char *opt, const char **out);

#endif
