/*
 * args.c - command dispatch and the declarative option parser.
 *
 * Dispatch walks a NULL-terminated table of struct vg_cli_cmd; a command
 * with subcommands and no run function dispatches one level further, so
 * `vigil cases show ...` costs the dispatcher nothing new.  The option
 * parser fills typed out-parameters from a table of struct vg_cli_opt and
 * collects positionals; it names the offending option in every error.
 */
#include "vg.h"
#include "cli/cli.h"

static const char exit_codes_help[] =
	"Exit codes: 0 success, 1 failure, 2 usage error, 3 not found,\n"
	"            4 input rejected (nothing written).\n";

static void print_table(const char *prog, const struct vg_cli_cmd *const *table)
{
	printf("usage: %s COMMAND [ARGS...]\n\ncommands:\n", prog);
	for (size_t i = 0; table[i]; i++)
		printf("  %-10s %s\n", table[i]->name, table[i]->summary);
	printf("\n'%s COMMAND --help' describes a command.\n%s", prog, exit_codes_help);
}

void vg_cli_print_help(const struct vg_cli_cmd *cmd)
{
	printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->help && cmd->help[0])
		printf("\n%s", cmd->help);
	if (cmd->subcommands) {
		printf("\nsubcommands:\n");
		for (size_t i = 0; cmd->subcommands[i]; i++)
			printf("  %-10s %s\n", cmd->subcommands[i]->name, cmd->subcommands[i]->summary);
	}
	printf("\n%s", exit_codes_help);
}

static bool is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help");
}

int vg_cli_dispatch(const char *prog, const struct vg_cli_cmd *const *table, int argc,
                    char **argv)
{
	if (argc < 1 || is_help(argv[0])) {
		print_table(prog, table);
		return argc < 1 ? VG_EXIT_USAGE : VG_EXIT_OK;
	}
	if (!strcmp(argv[0], "--version"))
		argv[0] = "version";
	for (size_t i = 0; table[i]; i++) {
		const struct vg_cli_cmd *cmd = table[i];
		if (strcmp(cmd->name, argv[0]) != 0)
			continue;
		if (cmd->run)
			return cmd->run(argc, argv);
		if (argc < 2 || is_help(argv[1])) {
			vg_cli_print_help(cmd);
			return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
		}
		return vg_cli_dispatch(cmd->usage, cmd->subcommands, argc - 1, argv + 1);
	}
	fprintf(stderr, "vigil: unknown command '%s' (%s --help lists them)\n", argv[0], prog);
	return VG_EXIT_USAGE;
}

static const struct vg_cli_opt *find_opt(const struct vg_cli_opt *opts, const char *name,
                                         size_t len)
{
	for (const struct vg_cli_opt *o = opts; o->kind != VG_OPT_KIND_END; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static int set_opt(const struct vg_cli_cmd *cmd, const struct vg_cli_opt *o, const char *val)
{
	switch (o->kind) {
	case VG_OPT_KIND_STR:
		*(const char **)o->out = val;
		return 0;
	case VG_OPT_KIND_INT:
		if (vg_parse_i64(vg_sv_of(val), (int64_t *)o->out))
			return vg_cli_usage_error(cmd, "--%s: '%s' is not an integer", o->name, val);
		return 0;
	case VG_OPT_KIND_DOUBLE:
		if (vg_parse_double(vg_sv_of(val), (double *)o->out))
			return vg_cli_usage_error(cmd, "--%s: '%s' is not a number", o->name, val);
		return 0;
	default:
		return vg_cli_usage_error(cmd, "--%s takes no value", o->name);
	}
}

/* Handle argv[*i], an option; may consume the next argument. */
static int parse_one(const struct vg_cli_cmd *cmd, const struct vg_cli_opt *opts, int argc,
                     char **argv, int *i)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct vg_cli_opt *o = find_opt(opts, arg, len);

	if (!o)
		return vg_cli_usage_error(cmd, "unknown option '--%.*s'", (int)len, arg);
	if (o->kind == VG_OPT_KIND_FLAG) {
		if (eq)
			return vg_cli_usage_error(cmd, "--%s takes no value", o->name);
		*(bool *)o->out = true;
		return 0;
	}
	if (eq)
		return set_opt(cmd, o, eq + 1);
	if (*i + 1 >= argc)
		return vg_cli_usage_error(cmd, "--%s needs a value (%s)", o->name,
		                          o->metavar ? o->metavar : "VALUE");
	return set_opt(cmd, o, argv[++*i]);
}

static void print_opts(const struct vg_cli_opt *opts)
{
	printf("\noptions:\n");
	for (const struct vg_cli_opt *o = opts; o->kind != VG_OPT_KIND_END; o++) {
		char lhs[64];
		snprintf(lhs, sizeof(lhs), "--%s%s%s", o->name, o->metavar ? " " : "",
		         o->metavar ? o->metavar : "");
		printf("  %-24s %s\n", lhs, o->help ? o->help : "");
	}
	printf("  %-24s %s\n", "--help", "show this help");
}

int vg_cli_parse(const struct vg_cli_cmd *cmd, const struct vg_cli_opt *opts, int argc,
                 char **argv, char ***pos, int *npos)
{
	char **p = vg_xcalloc((size_t)argc + 1, sizeof(*p));
	int n = 0, rc = 0;
	bool only_pos = false;

	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];
		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
		} else if (!only_pos && (is_help(a) && strcmp(a, "help"))) {
			vg_cli_print_help(cmd);
			print_opts(opts);
			rc = 1;
		} else if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
			rc = parse_one(cmd, opts, argc, argv, &i);
		} else if (!only_pos && a[0] == '-' && a[1]) {
			rc = vg_cli_usage_error(cmd, "unknown option '%s'", a);
		} else {
			p[n++] = argv[i];
		}
	}
	if (rc) {
		free(p);
		p = NULL;
		n = 0;
	}
	*pos = p;
	*npos = n;
	return rc;
}
