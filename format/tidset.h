/* tidset.h - a set of thread ids: which threads a reader has handed out an event of. */
#ifndef KITE_TIDSET_H
#define KITE_TIDSET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open addressing on the tid.  A slot is in the set while its generation is
 * the set's: emptying the whole set is one increment, and a tid taken out
 * keeps its slot, so lookups need no tombstones.  Zeroed memory is an empty set.
 */
struct kite_tidset {
	uint64_t *tid;
	uint32_t *gen;
	uint32_t cur; /* 0 until the first add */
	size_t cap, used;
	/*
	 * The last tid added and its slot's generation (NULL: none), tried first:
	 * events come in runs of one thread.  A slot keeps its tid until the
	 * table grows, which resets this.
	 */
	uint64_t last_tid;
	uint32_t *last_gen;
};

int kite_tidset_add_slow(struct kite_tidset *s, uint64_t tid);
int kite_tidset_has_slow(const struct kite_tidset *s, uint64_t tid);

/* Puts tid in; 1 when it was not in before, 0 when it was (out of memory: 1, as if new). */
static inline int kite_tidset_add(struct kite_tidset *s, uint64_t tid)
{
	if (!s->last_gen || s->last_tid != tid)
		return kite_tidset_add_slow(s, tid);
	int fresh = *s->last_gen != s->cur;
	*s->last_gen = s->cur;
	return fresh;
}

/* Whether tid is in. */
static inline int kite_tidset_has(const struct kite_tidset *s, uint64_t tid)
{
	if (!s->last_gen || s->last_tid != tid)
		return kite_tidset_has_slow(s, tid);
	return *s->last_gen == s->cur;
}

/* Takes every tid out. */
void kite_tidset_clear(struct kite_tidset *s);
/*
 * Notes a wanted record handed out for tid, by its want value
 * (kite_reader_set_record_want): 1 puts tid in, 2 takes every tid out (threads
 * may have ended there), 3 (a record about no thread) changes nothing.
 */
static inline void kite_tidset_note(struct kite_tidset *s, uint8_t want, uint64_t tid)
{
	if (want == 2)
		kite_tidset_clear(s);
	else if (want == 1)
		kite_tidset_add(s, tid);
}
void kite_tidset_free(struct kite_tidset *s);

#endif
