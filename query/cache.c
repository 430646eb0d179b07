/* cache.c - keeps a small table's rows after a complete scan (joins re-scan the inner table per outer row) and looks them up by a column. */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

size_t kq_cache_max(void)
{
	const char *e = getenv("KITE_SQL_CACHE_BYTES");
	size_t max = e && *e ? strtoull(e, NULL, 10) : 64u << 20;
	return max ? max : 1;
}

void kq_cache_clear(struct kq_cache *ca)
{
	free(ca->key);
	free(ca->cells);
	free(ca->heads);
	free(ca->next);
	kite_arena_free(&ca->arena);
	int readers = ca->readers; /* the cursors holding the slot still hold it */
	memset(ca, 0, sizeof(*ca));
	ca->readers = readers;
	ca->hash_col = -1;
	ca->max = kq_cache_max(); /* read once per fill, not per row */
}

int kq_cache_add(struct kq_cache *ca, unsigned ncols, const struct kq_cell *cells)
{
	if (ca->nrows == ca->cap) {
		size_t cap = ca->cap ? ca->cap * 2 : 64;
		ca->bytes += (cap - ca->cap) * ncols * sizeof(*cells);
		struct kq_cell *nw =
		        ca->bytes > ca->max ? NULL : realloc(ca->cells, cap * ncols * sizeof(*nw));
		if (!nw)
			return -1;
		ca->cells = nw;
		ca->cap = cap;
	}
	ca->ncols = ncols;
	struct kq_cell *row = ca->cells + ca->nrows * ncols;
	memcpy(row, cells, ncols * sizeof(*cells));
	for (unsigned i = 0; i < ncols; i++) {
		if (row[i].t != KQ_VTEXT)
			continue;
		ca->bytes += row[i].len + 1;
		if (ca->bytes > ca->max || !(row[i].s = kite_arena_strndup(&ca->arena, row[i].s, row[i].len)))
			return -1;
	}
	ca->nrows++;
	return 0;
}

int kq_cell_matches(const struct kq_cell *cell, const struct kq_key *k)
{
	if (cell->t != k->t || k->t == KQ_NULL)
		return 0;
	if (k->t == KQ_VINT)
		return cell->i == k->i;
	return cell->len == k->len && !memcmp(cell->s, k->s, k->len);
}

static uint64_t hash_int(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull; /* splitmix64's finaliser */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash_text(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t hash_of(int t, int64_t i, const char *s, size_t len)
{
	return t == KQ_VINT ? hash_int((uint64_t)i) : t == KQ_VTEXT ? hash_text(s, len) : 0;
}

/* Chains every row into the bucket of its value in column col. */
static int build_hash(struct kq_cache *ca, int col)
{
	free(ca->heads);
	free(ca->next);
	size_t nb = 64;
	while (nb < ca->nrows * 2)
		nb *= 2;
	ca->heads = calloc(nb, sizeof(*ca->heads));
	ca->next = calloc(ca->nrows ? ca->nrows : 1, sizeof(*ca->next));
	if (!ca->heads || !ca->next) {
		ca->hash_col = -1;
		return -1;
	}
	ca->nbuckets = nb;
	/* backwards, so that each chain lists its rows in row order */
	for (size_t r = ca->nrows; r-- > 0;) {
		const struct kq_cell *c = &ca->cells[r * ca->ncols + (size_t)col];
		size_t b = hash_of(c->t, c->i, c->s, c->len) & (nb - 1);
		ca->next[r] = ca->heads[b];
		ca->heads[b] = r + 1;
	}
	ca->hash_col = col;
	return 0;
}

int kq_cache_lookup(struct kq_cache *ca, int col, const struct kq_key *k, size_t **sel, size_t *nsel)
{
	*nsel = 0;
	if (ca->hash_col != col && build_hash(ca, col) < 0)
		return -1;
	size_t cap = 0;
	size_t b = hash_of(k->t, k->i, k->s, k->len) & (ca->nbuckets - 1);
	for (size_t r = ca->heads[b]; r; r = ca->next[r - 1]) {
		if (!kq_cell_matches(&ca->cells[(r - 1) * ca->ncols + (size_t)col], k))
			continue;
		if (*nsel == cap) {
			cap = cap ? cap * 2 : 8;
			size_t *n = realloc(*sel, cap * sizeof(*n));
			if (!n)
				return -1;
			*sel = n;
		}
		(*sel)[(*nsel)++] = r - 1;
	}
	return 0;
}
