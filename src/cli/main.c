/*
 * main.c - entry point of the vigil program.
 *
 * All it does is dispatch argv[1] over the command table (commands.c);
 * `vigil --help` lists the commands and the exit codes.
 */
#include "vg.h"
#include "cli/cli.h"

#include <locale.h>

int main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc < 2) {
		fputs("usage: vigil COMMAND [ARGS...]   (vigil --help lists the commands)\n", stderr);
		return VG_EXIT_USAGE;
	}
	return vg_cli_dispatch("vigil", vg_cli_commands, argc - 1, argv + 1);
}
