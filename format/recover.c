/* recover.c - rebuilds a complete capture from the intact chunks of a damaged one. */
#include "recover.h"

int kite_recover_copy(kite_reader *r, kite_writer *w, struct kite_recover_stats *st)
{
	struct kite_block b;
	int rc;
	while ((rc = kite_reader_next_block(r, &b)) > 0) {
		if (b.type != KITE_BLK_CHUNK && b.type != KITE_BLK_SNAPSHOT)
			continue;
		const struct kite_evt *e;
		while ((e = kite_reader_block_record(r))) {
			if (b.type == KITE_BLK_CHUNK)
				kite_writer_count(w, e);
			st->records++;
		}
		if (kite_writer_copy_chunk(w, b.type, b.content, b.content_len, &b.chunk))
			return -1;
		st->chunks++;
	}
	return rc;
}
