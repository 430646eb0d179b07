/* cache.h - the rows of a table's last complete scan, kept in memory and hashed by a column for lookups. */
#ifndef KITE_QUERY_CACHE_H
#define KITE_QUERY_CACHE_H

#include <stddef.h>

#include "collect.h"
#include "value.h"

/* At most this much per cached scan: 64 MiB, or $KITE_SQL_CACHE_BYTES (tests make it tiny). */
size_t kq_cache_max(void);

/* A value looked up (the right side of `col = ?`), as a cell compares it. */
struct kq_key {
	int t; /* KQ_NULL (matches nothing), KQ_VINT or KQ_VTEXT */
	int64_t i;
	const char *s;
	size_t len;
};

struct kq_cache {
	char *key; /* the arguments of the scan that filled it */
	unsigned ncols;
	struct kq_cell *cells;
	size_t nrows, cap, bytes, max;
	struct kite_arena arena; /* the rows' text */
	int valid, readers;
	int hash_col;         /* the column the hash is on, -1 when none */
	size_t *heads, *next; /* chains of row numbers + 1 per bucket */
	size_t nbuckets;
};

/* Empties the cache (its readers count stays: they hold the slot, not the rows). */
void kq_cache_clear(struct kq_cache *ca);
/* Copies a row (its text too); -1 when that would pass kq_cache_max() or memory ran out. */
int kq_cache_add(struct kq_cache *ca, unsigned ncols, const struct kq_cell *cells);
/* 1 when a cell equals the key (as sqlite's = would find them equal, for the types kite stores). */
int kq_cell_matches(const struct kq_cell *cell, const struct kq_key *k);
/*
 * The rows whose column col equals k, in row order, into *sel (malloc'd,
 * *nsel of them), hashing the column on first use.  -1 when out of memory.
 */
int kq_cache_lookup(struct kq_cache *ca, int col, const struct kq_key *k, size_t **sel, size_t *nsel);

#endif
