/* cli.h - what every kite subcommand shares: exit codes, warnings, opening captures, help text. */
#ifndef KITE_CLI_H
#define KITE_CLI_H

#include <stdio.h>

#include "reader.h"

/* Exit statuses of every kite command (documented in --help and the README). */
enum {
	KITE_EXIT_OK = 0,
	KITE_EXIT_ERROR = 1,   /* could not do the job: unreadable file, bad arguments' values */
	KITE_EXIT_USAGE = 2,   /* wrong command line */
	KITE_EXIT_DAMAGED = 3, /* done, but the capture was damaged: answers may be incomplete */
};

/* Opens a capture; warnings go to stderr prefixed "kite: warning: ".  NULL after printing why. */
kite_reader *cli_open(const char *path, int ignore_index);
/* KITE_EXIT_DAMAGED if the reader met damage (truncation, missing footer, bad blocks), else OK. */
int cli_damage_status(const kite_reader *r);
/* Prints "kite: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a help text to stdout and returns KITE_EXIT_OK, or to stderr with USAGE. */
int cli_usage(const char *text, int ok);
/*
 * Splits positional arguments: the leading ones that name a capture ("-" or
 * an existing non-directory) are files, at least one (so a wrong name is
 * reported as a missing file, not used as text); the rest, joined with
 * spaces, is returned (malloc'd, "" when none; NULL when out of memory).
 */
char *cli_split_files(int argc, char **argv, int *nfiles);
/* Human-readable sizes and durations. */
const char *cli_bytes(unsigned long long n, char *buf, size_t len);
const char *cli_duration(unsigned long long ns, char *buf, size_t len);

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_fields(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_convert(int argc, char **argv);

#endif
