/* export.h - writes every SQL table of some captures into a sqlite database, with indexes. */
#ifndef KITE_QUERY_EXPORT_H
#define KITE_QUERY_EXPORT_H

struct kite_rules;

/*
 * One replay of the files fills every table (alerts with rules) of a new
 * database at out (replaced if it exists, written under a temporary name
 * first).  Returns a KITE_EXIT_ status, with messages on stderr.
 */
int kq_export(const char *out, char **files, unsigned nfiles, struct kite_rules *rules);

#endif
