/* index.h - the INDEX block: where every chunk is, its time range, and event counts per type and process. */
#ifndef KITE_INDEX_H
#define KITE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum kite_chunk_kind { KITE_CHUNK_EVENTS = 0, KITE_CHUNK_SNAPSHOT = 1 };

/* One CHUNK or SNAPSHOT block as the index (and the reader) sees it. */
struct kite_chunk_ref {
	uint64_t offset;   /* of the block in the file */
	uint64_t first_ts; /* smallest and largest record timestamps */
	uint64_t last_ts;
	uint64_t seq; /* chunk sequence number, from 0, in write order */
	uint32_t nevents;
	uint32_t raw_len;  /* bytes of records after decompression */
	uint32_t comp_len; /* bytes of the compressed payload */
	uint32_t kind;     /* enum kite_chunk_kind */
};

struct kite_type_count {
	uint16_t type;
	uint64_t count;
};

struct kite_pid_count {
	uint32_t pid;
	uint64_t count;
};

struct kite_index {
	uint64_t nevents;    /* event records (snapshot records not included) */
	uint64_t raw_bytes;  /* of all chunks, uncompressed */
	uint64_t comp_bytes; /* of all chunk payloads, compressed */
	uint64_t first_ts, last_ts;
	uint64_t drops; /* events the driver lost, summed from drop records */
	uint32_t nchunks;
	struct kite_chunk_ref *chunks;
	uint32_t ntypes;
	struct kite_type_count *types;
	uint32_t npids;
	struct kite_pid_count *pids;
};

/*
 * Accumulates an index while a file is written or scanned.  Counting an event
 * is O(1): a per-type array and an open-addressing table of pids.
 */
struct kite_index_builder {
	struct kite_index idx;
	size_t chunks_cap;
	uint64_t *type_counts; /* [65536] */
	struct kite_pid_count *pid_slots;
	size_t pid_cap, pid_used; /* pid_cap is a power of two */
	int drop_type;            /* schema id of "drop" records, -1 if none */
	int drop_param;           /* index of their "nevents" param */
	int oom;
};

int kite_ib_init(struct kite_index_builder *b);
/* Counts one event record; drop records also add their lost-event count to idx.drops. */
struct kite_schema;
struct kite_evt;
void kite_ib_set_schema(struct kite_index_builder *b, const struct kite_schema *s);
void kite_ib_count(struct kite_index_builder *b, const struct kite_schema *s, const struct kite_evt *e);
void kite_ib_chunk(struct kite_index_builder *b, const struct kite_chunk_ref *c);
/* Freezes the counts into b->idx (sorted by type and by pid). */
int kite_ib_finish(struct kite_index_builder *b);
void kite_ib_free(struct kite_index_builder *b);

void kite_index_encode(const struct kite_index *idx, struct kite_buf *out);
int kite_index_parse(const uint8_t *p, size_t len, struct kite_index *idx, char *err, size_t errlen);
void kite_index_free(struct kite_index *idx);
/* First chunk (of either kind) whose last_ts >= ts; nchunks if none. */
uint32_t kite_index_find_time(const struct kite_index *idx, uint64_t ts);

#endif
