/* main.c - the kite command: dispatches to subcommands, git-style. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "query.h"

static const char usage[] =
        "usage: kite <command> [options] [args]\n"
        "\n"
        "kite reads system-call captures: .kcap written by kite-record, and the\n"
        "sysdig/Falco .scap captures (detected by content).\n"
        "\n"
        "Commands:\n"
        "  info FILE       what a capture holds: host, time span, events per type, size\n"
        "  dump FILE       every block and record, decoded through the file's own schema\n"
        "  recover FILE    rebuild the index and footer of a capture whose writer was killed\n"
        "  show FILE...    events with their process and fd, filtered (Falco conditions)\n"
        "  tree FILE...    the process tree: lineage, command lines, lifetimes\n"
        "  replay FILE...  run Falco rules over captures: alerts, a summary, a CI exit status\n"
        "  fields          the fields filters and formats can use\n"
        "  convert IN OUT  a capture (.scap or .kcap) into a .kcap\n"
        "  sql FILE...     SQL over captures: events, processes, fds, files, connections,\n"
        "                  execs, alerts...; an interactive prompt without a query\n"
        "  export FILE...  the same tables into an indexed sqlite database (--sqlite OUT.db)\n"
        "\n"
        "Run 'kite <command> --help' for a command's options.\n"
        "\n"
        "Exit status: 0 success; 1 error; 2 bad command line; 3 done, but the capture\n"
        "was damaged (truncated, missing footer, or corrupt chunks skipped with a warning).\n";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
        {"info", cmd_info}, {"dump", cmd_dump},     {"recover", cmd_recover}, {"show", cmd_show},
        {"tree", cmd_tree}, {"fields", cmd_fields}, {"replay", cmd_replay},   {"convert", cmd_convert},
        {"sql", cmd_sql},   {"export", cmd_export},
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(usage, 0);
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
		return cli_usage(usage, 1);
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("kite %s\n", KITE_VERSION);
		return KITE_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("'%s' is not a kite command; see 'kite --help'", name);
	return KITE_EXIT_USAGE;
}
