/* cmd_export.c - `kite export --sqlite OUT.db FILE...`: the SQL tables of captures as a real, indexed sqlite database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "collect.h"
#include "export.h"
#include "query.h"
#include "rules.h"

static const char usage[] =
        "usage: kite export --sqlite OUT.db [-r RULES]... FILE...\n"
        "\n"
        "Replays one or more captures (.kcap or .scap, merged by time) once and writes\n"
        "every table of 'kite sql' (events, processes, threads, fds, files,\n"
        "connections, execs, drops, captures, and alerts with -r) into a new sqlite\n"
        "database, as ordinary tables with indexes on their time, pid, process id,\n"
        "type and path columns (see docs/SQL.md).  Any sqlite client can then query it,\n"
        "many times, without kite:\n"
        "\n"
        "  kite export --sqlite run.db run.kcap\n"
        "  sqlite3 run.db 'SELECT parent_comm, count(*) FROM execs GROUP BY 1'\n"
        "\n"
        "OUT.db is replaced if it exists; it is written under a temporary name and\n"
        "renamed when complete, so a failed export leaves no half-written database.\n"
        "\n"
        "Options:\n"
        "      --sqlite OUT.db  the database to write (required)\n"
        "  -r, --rules PATH     Falco rules file (or directory of *.yaml): adds the alerts\n"
        "                       table; repeat for more files\n"
        "  -h, --help           this text\n"
        "\n"
        "Exit status: 0 success; 1 error (unreadable capture, cannot write OUT.db, rules\n"
        "that do not load); 2 bad command line; 3 written, but a capture was damaged.\n";

#define MAX_RULES 64

int cmd_export(int argc, char **argv)
{
	enum { O_SQLITE = 256 };
	static const struct option longopts[] = {{"sqlite", required_argument, NULL, O_SQLITE},
	                                         {"rules", required_argument, NULL, 'r'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	char *rules[MAX_RULES];
	unsigned nrules = 0;
	const char *out = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_SQLITE: out = optarg; break;
		case 'r':
			if (nrules == MAX_RULES) {
				cli_error("too many -r (at most %d)", MAX_RULES);
				return KITE_EXIT_USAGE;
			}
			rules[nrules++] = optarg;
			break;
		case 'h': return cli_usage(usage, 1);
		default: return cli_usage(usage, 0);
		}
	}
	if (!out || optind >= argc) {
		if (!out)
			cli_error("export needs --sqlite OUT.db");
		return cli_usage(usage, 0);
	}
	struct kite_rules *compiled = NULL;
	if (nrules) {
		char *err = NULL;
		if (!(compiled = kq_rules_load(rules, nrules, &err))) {
			cli_error("rules do not load:\n%s", err ? err : "out of memory");
			free(err);
			return KITE_EXIT_USAGE;
		}
	}
	int rc = kq_export(out, argv + optind, (unsigned)(argc - optind), compiled);
	if (compiled)
		kite_rules_free(compiled);
	return rc;
}
