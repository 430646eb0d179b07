/* recover.h - copying the intact chunks of a damaged capture into a new, complete one. */
#ifndef KITE_RECOVER_H
#define KITE_RECOVER_H

#include <stdint.h>

#include "reader.h"
#include "writer.h"

struct kite_recover_stats {
	uint64_t chunks;  /* CHUNK and SNAPSHOT blocks kept */
	uint64_t records; /* records in them */
};

/*
 * Copies every chunk of r that passes its checks into w, without
 * recompressing, counting events for w's index.  The caller then closes w
 * (index and footer).  Returns 0, or -1 with the reason in the reader's or
 * writer's error.
 */
int kite_recover_copy(kite_reader *r, kite_writer *w, struct kite_recover_stats *st);

#endif
