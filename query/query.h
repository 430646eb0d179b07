/* query.h - SQL over captures: the sqlite3 modules (kite_events, ...), the `kite sql` and `kite export` commands. */
#ifndef KITE_QUERY_H
#define KITE_QUERY_H

typedef struct sqlite3 sqlite3;

/* What every kite table of one database connection shares. */
struct kq_env {
	int damaged; /* a scan met a damaged capture: answers may be incomplete */
	int refs;
	unsigned long long chunks_read;    /* chunks the scans decompressed */
	unsigned long long chunks_skipped; /* chunks they passed over unread (pushdown) */
};

/*
 * Registers the module of every table on db: kite_events, kite_processes,
 * ... (see docs/SQL.md).  Each works as a table-valued function,
 * kite_events('x.kcap'[, 'rules.yaml']), and with CREATE VIRTUAL TABLE t
 * USING kite_events('a.kcap', 'b.kcap', rules='r.yaml').  env may be NULL.
 * Returns an SQLITE_ code.
 */
int kq_register(sqlite3 *db, struct kq_env *env);

int cmd_sql(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
