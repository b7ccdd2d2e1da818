/*
 * output.c - how the CLI reports errors and picks output formats.
 *
 * Errors go to stderr as one line "vigil: context: field: message"; the
 * exit code follows from the error code so scripts can tell a missing case
 * (3) from bad usage (2) from a rejected input (4) from anything else (1).
 */
#include "vg.h"
#include "cli/cli.h"

int vg_cli_fail(const char *context, const struct vg_err *err)
{
	char msg[VG_ERR_MSG_MAX + VG_ERR_FIELD_MAX + 8];

	vg_err_str(err, msg, sizeof(msg));
	if (context && context[0])
		fprintf(stderr, "vigil: %s: %s\n", context, msg);
	else
		fprintf(stderr, "vigil: %s\n", msg);
	switch (err->code) {
	case VG_ENOTFOUND: return VG_EXIT_NOTFOUND;
	case VG_EUSAGE: return VG_EXIT_USAGE;
	case VG_EPARSE: return VG_EXIT_REJECTED;
	default: return VG_EXIT_FAIL;
	}
}

int vg_cli_usage_error(const struct vg_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("vigil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\nusage: %s\n", cmd->usage);
	else
		fputc('\n', stderr);
	return VG_EXIT_USAGE;
}

int vg_cli_format(const struct vg_cli_cmd *cmd, const char *s)
{
	static const char *const names[] = {"table", "csv", "tsv", "json"};

	if (!s)
		return VG_FMT_TABLE;
	for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	vg_cli_usage_error(cmd, "--format: unknown format '%s' (table, csv, tsv or json)", s);
	return -1;
}

int vg_cli_db(const struct vg_cli_cmd *cmd, const char *opt, const char **out)
{
	const char *env = getenv("VIGIL_DB");

	*out = opt && opt[0] ? opt : (env && env[0] ? env : NULL);
	if (!*out)
		return vg_cli_usage_error(cmd, "--db PATH is required (or set VIGIL_DB)");
	return 0;
}
