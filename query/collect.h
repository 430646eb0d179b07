/* collect.h - turns a replay of captures into rows of the SQL tables, one event at a time. */
#ifndef KITE_QUERY_COLLECT_H
#define KITE_QUERY_COLLECT_H

#include <stdint.h>

#include "tables.h"

struct kite_rules;

/* One value of a row: NULL, an integer, or text (valid until the next kq_collect_step). */
enum { KQ_NULL = 0, KQ_VINT, KQ_VTEXT };
struct kq_cell {
	uint8_t t;
	uint32_t len;
	union {
		int64_t i;
		const char *s;
	};
};

/* What the vtab pushes down (see docs/SQL.md, "Pushdown"). */
struct kq_filter {
	uint64_t from, to; /* inclusive time range; to = 0 means no upper bound */
	int has_pid;
	int64_t pid;
	const char **types; /* allowed event type names; NULL: all */
	unsigned ntypes;
	int empty; /* the constraints cannot all hold: no rows */
};

/* Receives each row of each table asked for; cells has the table's ncols entries. */
typedef void (*kq_emit_fn)(void *ctx, int table, const struct kq_cell *cells);

struct kq_collect_opts {
	char **files;
	unsigned nfiles;
	struct kite_rules *rules;       /* compiled; NULL: no alerts */
	unsigned tables;                /* bit per enum kq_table_id */
	uint64_t used[KQ_NTABLES];      /* per table, a bit per column that is needed (bit 63: 63 and up) */
	const struct kq_filter *filter; /* applies to every table asked for; NULL: none */
	kq_emit_fn emit;
	void *ctx;
};

struct kq_collect;

/* Opens the captures; NULL with a message in err (file and reason). */
struct kq_collect *kq_collect_open(const struct kq_collect_opts *o, char *err, size_t errlen);
/*
 * Replays one event (emitting the rows it makes), or at the end the rows of
 * what is still alive: 1 while there is more, 0 when done, -1 on a fatal read
 * error (message in err).
 */
int kq_collect_step(struct kq_collect *k, char *err, size_t errlen);
/* Adds the chunks the scan decompressed, and those it passed over unread (pushdown), to the counts. */
void kq_collect_chunks(const struct kq_collect *k, uint64_t *read, uint64_t *skipped);
/* 1 when a capture was damaged (truncated, corrupt chunks): answers may be incomplete. */
int kq_collect_damaged(const struct kq_collect *k);
void kq_collect_close(struct kq_collect *k);

/*
 * Loads and compiles rules files (or directories of *.yaml) as kite replay
 * does; NULL with the diagnostics in *err (malloc'd) when they do not load.
 */
struct kite_rules *kq_rules_load(char **paths, unsigned n, char **err);

#endif
