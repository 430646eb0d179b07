/* cmd_sql.c - `kite sql`: SQL over captures through the kite_* virtual tables, one query or an interactive prompt. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "print.h"
#include "collect.h"
#include "query.h"
#include "rules.h"
#include "sqlite_api.h"
#include "tables.h"

static const char usage[] =
        "usage: kite sql [options] FILE... [QUERY]\n"
        "\n"
        "Runs SQL (sqlite3's) over one or more captures (.kcap or .scap, merged by\n"
        "time).  The tables are events, processes, threads, fds, files, connections,\n"
        "execs, drops, captures and, with -r, alerts: every row carries the state the\n"
        "replay engine rebuilt (process, fd, container), and constraints on ts, type\n"
        "and pid are pushed down into the replay (see docs/SQL.md).\n"
        "\n"
        "  kite sql run.kcap \"SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC\"\n"
        "  kite sql -r rules.yaml run.kcap 'SELECT rule, count(*) FROM alerts GROUP BY rule'\n"
        "  kite sql --format csv a.kcap b.kcap 'SELECT * FROM execs'\n"
        "  kite sql run.kcap                  (an interactive prompt: statements end with ';')\n"
        "\n"
        "QUERY may hold several statements separated by ';'.  The words after the last\n"
        "file are joined into the query, so quoting the whole of it is optional.\n"
        "Options may come anywhere (kite sql run.kcap -r rules.yaml 'SELECT ...'); after\n"
        "'--', nothing is an option.\n"
        "Without a QUERY, statements are read from standard input (with a 'kite> '\n"
        "prompt when it is a terminal), and these commands work on a line of their own:\n"
        "  .tables           list the tables\n"
        "  .schema [TABLE]   their columns\n"
        "  .mode FORMAT      change the output format\n"
        "  .quit             leave (so does end of input)\n"
        "\n"
        "Options:\n"
        "  -r, --rules PATH     Falco rules file (or directory of *.yaml): adds the alerts\n"
        "                       table; repeat for more files\n"
        "  -f, --format FORMAT  table (aligned columns; the default), csv (RFC 4180, with a\n"
        "                       header line), json (one array of objects per statement),\n"
        "                       jsonl (one object per line), markdown\n"
        "      --docs           print the tables and their columns as Markdown, and exit\n"
        "  -h, --help           this text\n"
        "\n"
        "The same tables are available in the sqlite3 shell as a loadable extension:\n"
        "  sqlite3 :memory: '.load kite_sqlite' \"SELECT count(*) FROM kite_events('x.kcap')\"\n"
        "\n"
        "Exit status: 0 success; 1 an SQL error (sqlite's message on stderr) or an\n"
        "unreadable capture; 2 bad command line; 3 done, but a capture was damaged.\n";

#define MAX_RULES 64

struct sql_opts {
	const char *rules[MAX_RULES];
	unsigned nrules;
	int format, docs;
};

static int parse_opts(int argc, char **argv, struct sql_opts *o)
{
	enum { O_DOCS = 256 };
	static const struct option longopts[] = {{"rules", required_argument, NULL, 'r'},
	                                         {"format", required_argument, NULL, 'f'},
	                                         {"docs", no_argument, NULL, O_DOCS},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->nrules == MAX_RULES) {
				cli_error("too many -r (at most %d)", MAX_RULES);
				return -1;
			}
			o->rules[o->nrules++] = optarg;
			break;
		case 'f':
			if ((o->format = kq_format_parse(optarg)) < 0) {
				cli_error("--format: '%s' is not one of table, csv, json, jsonl, markdown",
				          optarg);
				return -1;
			}
			break;
		case O_DOCS: o->docs = 1; break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return 0;
}

/* Leading arguments that name files are captures; the rest is the query (NULL when none). */
static char *split_args(int argc, char **argv, int *nfiles)
{
	char *q = cli_split_files(argc, argv, nfiles);
	if (*nfiles == argc) {
		free(q);
		return NULL;
	}
	return q;
}

/* CREATE VIRTUAL TABLE for each table over the files (alerts only with rules). */
static int create_tables(sqlite3 *db, char **files, int nfiles, const struct sql_opts *o)
{
	for (unsigned t = 0; t < KQ_NTABLES; t++) {
		if (t == KQ_ALERTS && !o->nrules)
			continue;
		char *args = sqlite3_mprintf("%s", "");
		for (int i = 0; args && i < nfiles; i++) {
			char *a = sqlite3_mprintf("%s%s%Q", args, i ? ", " : "", files[i]);
			sqlite3_free(args);
			args = a;
		}
		for (unsigned i = 0; args && t == KQ_ALERTS && i < o->nrules; i++) {
			char *a = sqlite3_mprintf("%s, rules=%Q", args, o->rules[i]);
			sqlite3_free(args);
			args = a;
		}
		char *sql = args ? sqlite3_mprintf("CREATE VIRTUAL TABLE main.%s USING kite_%s(%s)",
		                                   kq_tables[t].name, kq_tables[t].name, args)
		                 : NULL;
		sqlite3_free(args);
		char *err = NULL;
		int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, &err) : SQLITE_NOMEM;
		sqlite3_free(sql);
		if (rc != SQLITE_OK) {
			cli_error("%s", err ? err : sqlite3_errstr(rc));
			sqlite3_free(err);
			return -1;
		}
	}
	return 0;
}

/* Runs every statement of sql, printing rows; -1 after printing sqlite's message. */
static int run_sql(sqlite3 *db, const char *sql, int format)
{
	const char *tail = sql;
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
			cli_error("sql: %s", sqlite3_errmsg(db));
			return -1;
		}
		if (!st)
			continue; /* whitespace or a comment */
		int rc = sqlite3_column_count(st) ? kq_print_rows(stdout, st, format) : sqlite3_step(st);
		if (rc != SQLITE_OK && rc != SQLITE_DONE) {
			fflush(stdout);
			cli_error("sql: %s", sqlite3_errmsg(db));
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
	}
	return 0;
}

/* ---- the prompt ---- */

static void dot_tables(sqlite3 *db)
{
	(void)db;
	for (unsigned t = 0; t < KQ_NTABLES; t++)
		printf("%s%s", t ? " " : "", kq_tables[t].name);
	putchar('\n');
}

static void dot_schema(const char *only)
{
	for (unsigned t = 0; t < KQ_NTABLES; t++) {
		if (only && *only && strcmp(only, kq_tables[t].name))
			continue;
		char *cols = kq_table_columns_sql(&kq_tables[t], 0);
		printf("CREATE TABLE %s(%s);\n", kq_tables[t].name, cols ? cols : "");
		free(cols);
	}
}

/* A line starting with '.': 1 to quit, 0 otherwise. */
static int dot_command(sqlite3 *db, char *line, int *format)
{
	char *arg = line + strcspn(line, " \t");
	if (*arg)
		*arg++ = 0;
	arg[strcspn(arg, " \t\r\n")] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!strcmp(line, ".quit") || !strcmp(line, ".exit") || !strcmp(line, ".q"))
		return 1;
	if (!strcmp(line, ".tables"))
		dot_tables(db);
	else if (!strcmp(line, ".schema"))
		dot_schema(arg);
	else if (!strcmp(line, ".mode") && kq_format_parse(arg) >= 0)
		*format = kq_format_parse(arg);
	else
		fprintf(stderr, "kite: commands: .tables, .schema [TABLE], .mode "
		                "table|csv|json|jsonl|markdown, .quit\n");
	return 0;
}

/* Reads statements until end of input; returns the number of failed ones. */
static int interactive(sqlite3 *db, int format)
{
	int tty = isatty(STDIN_FILENO), failed = 0;
	char *line = NULL, *stmt = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (tty) {
			fputs(len ? "  ...> " : "kite> ", stdout);
			fflush(stdout);
		}
		if (getline(&line, &cap, stdin) < 0)
			break;
		if (!len && line[0] == '.') {
			if (dot_command(db, line, &format))
				break;
			continue;
		}
		size_t l = strlen(line);
		char *ns = realloc(stmt, len + l + 1);
		if (!ns)
			break;
		stmt = ns;
		memcpy(stmt + len, line, l + 1);
		len += l;
		if (sqlite3_complete(stmt)) {
			failed += run_sql(db, stmt, format) < 0;
			fflush(stdout);
			len = 0;
		}
	}
	if (len && strspn(stmt, " \t\r\n") < len) /* the last statement may lack its ';' */
		failed += run_sql(db, stmt, format) < 0;
	free(line);
	free(stmt);
	return failed;
}

static int run(char **files, int nfiles, const char *query, const struct sql_opts *o)
{
	sqlite3 *db = NULL;
	struct kq_env env = {0};
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || kq_register(db, &env) != SQLITE_OK) {
		cli_error("sqlite: %s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return KITE_EXIT_ERROR;
	}
	int rc = KITE_EXIT_ERROR;
	if (create_tables(db, files, nfiles, o) == 0) {
		int failed = query ? run_sql(db, query, o->format) < 0 : interactive(db, o->format);
		rc = failed ? KITE_EXIT_ERROR : env.damaged ? KITE_EXIT_DAMAGED : KITE_EXIT_OK;
	}
	sqlite3_close(db);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("writing the output failed");
		rc = KITE_EXIT_ERROR;
	}
	return rc;
}

/* A capture that cannot be opened is reported before any SQL runs, even SQL that would not read it. */
static int check_capture(const char *path)
{
	char err[512];
	kite_reader *r = kite_reader_open(path, NULL, err, sizeof(err));
	if (!r) {
		cli_error("%s", err);
		return -1;
	}
	kite_reader_close(r);
	return 0;
}

/* Rules that do not load are a usage error, reported before any SQL runs (the alerts table loads them again). */
static int check_rules(const struct sql_opts *o)
{
	char *err = NULL;
	kite_rules *r = kq_rules_load((char **)o->rules, o->nrules, &err);
	if (!r)
		cli_error("rules do not load:\n%s", err ? err : "out of memory");
	free(err);
	if (r)
		kite_rules_free(r);
	return r ? 0 : -1;
}

/* Captures and rules are checked before any SQL runs: a bad one is reported even if no query reads it. */
static int check_inputs(char **files, int nfiles, const struct sql_opts *o)
{
	for (int i = 0; i < nfiles; i++) {
		if (!strcmp(files[i], "-")) {
			cli_error("kite sql reads a capture again for every table scan, so not from standard "
			          "input ('-'): save it to a file first");
			return KITE_EXIT_USAGE;
		}
		if (check_capture(files[i]) < 0)
			return KITE_EXIT_ERROR;
	}
	return o->nrules && check_rules(o) < 0 ? KITE_EXIT_USAGE : KITE_EXIT_OK;
}

int cmd_sql(int argc, char **argv)
{
	struct sql_opts o = {0};
	int p = parse_opts(argc, argv, &o);
	if (p)
		return cli_usage(usage, p > 0);
	if (o.docs) {
		kq_tables_markdown(stdout);
		return KITE_EXIT_OK;
	}
	int nfiles;
	char *query = split_args(argc - optind, argv + optind, &nfiles);
	if (nfiles == 0) {
		free(query);
		return cli_usage(usage, 0);
	}
	int rc = check_inputs(argv + optind, nfiles, &o);
	if (rc == KITE_EXIT_OK)
		rc = run(argv + optind, nfiles, query, &o);
	free(query);
	return rc;
}
