/* tidset.c - a set of thread ids: which threads a reader has handed out an event of. */
#include "tidset.h"

#include <stdlib.h>
#include <string.h>

#define FREE_SLOT UINT64_MAX /* no real tid is all ones */

static size_t slot_hash(uint64_t tid)
{
	tid ^= tid >> 33;
	tid *= 0xff51afd7ed558ccdull;
	tid ^= tid >> 33;
	return (size_t)tid;
}

/* The slot of tid, or the free slot where it would go (cap must be non-zero). */
static size_t find(const struct kite_tidset *s, uint64_t tid)
{
	size_t j = slot_hash(tid) & (s->cap - 1);
	while (s->tid[j] != FREE_SLOT && s->tid[j] != tid)
		j = (j + 1) & (s->cap - 1);
	return j;
}

static int grow(struct kite_tidset *s)
{
	struct kite_tidset n = {.cap = s->cap ? s->cap * 2 : 256, .cur = s->cur};
	n.tid = malloc(n.cap * sizeof(*n.tid));
	n.gen = calloc(n.cap, sizeof(*n.gen));
	if (!n.tid || !n.gen) {
		free(n.tid);
		free(n.gen);
		return -1;
	}
	memset(n.tid, 0xff, n.cap * sizeof(*n.tid));
	for (size_t i = 0; i < s->cap; i++)
		if (s->tid[i] != FREE_SLOT && s->gen[i] == s->cur) { /* slots no longer in are dropped */
			size_t j = find(&n, s->tid[i]);
			n.tid[j] = s->tid[i];
			n.gen[j] = s->cur;
			n.used++;
		}
	free(s->tid);
	free(s->gen);
	*s = n;
	return 0;
}

int kite_tidset_add_slow(struct kite_tidset *s, uint64_t tid)
{
	if (tid == FREE_SLOT)
		return 1;
	if (!s->cur)
		s->cur = 1;
	if ((s->used + 1) * 2 > s->cap && grow(s) < 0)
		return 1; /* out of memory: treated as new, which only costs a pass-over */
	size_t j = find(s, tid);
	if (s->tid[j] == FREE_SLOT) {
		s->tid[j] = tid;
		s->used++;
	}
	int fresh = s->gen[j] != s->cur;
	s->gen[j] = s->cur;
	s->last_tid = tid; /* never the all-ones tid, which returned above */
	s->last_gen = &s->gen[j];
	return fresh;
}

int kite_tidset_has_slow(const struct kite_tidset *s, uint64_t tid)
{
	if (!s->cap || tid == FREE_SLOT)
		return 0;
	size_t j = find(s, tid);
	return s->tid[j] == tid && s->gen[j] == s->cur;
}

void kite_tidset_clear(struct kite_tidset *s)
{
	if (++s->cur == 0) { /* wrapped: no slot may look current */
		memset(s->gen, 0, s->cap * sizeof(*s->gen));
		s->cur = 1;
	}
}

void kite_tidset_free(struct kite_tidset *s)
{
	free(s->tid);
	free(s->gen);
	memset(s, 0, sizeof(*s));
}
