/* index.h - the INDEX block: where every chunk is, its time range, event counts per type and process, per-chunk summaries. */
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

/*
 * Per-chunk summaries (the INDEX's "CSUM" section, FORMAT.md 10.1): for each
 * chunk, a bitmap of the event types its records have (bit min(type,
 * type_bits - 1): the last bit stands for every higher id) and a Bloom
 * filter of their pids.  Enough to skip a chunk without decompressing it.
 */
#define KITE_SUM_TYPE_BITS  256u
#define KITE_SUM_PID_BITS   512u
#define KITE_SUM_PID_HASHES 2u
#define KITE_SUM_MAX_BYTES  ((KITE_SUM_TYPE_BITS + KITE_SUM_PID_BITS) / 8)

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
	/* per-chunk summaries, nchunks x sum_len bytes (types, then pids); NULL in older files */
	uint8_t *sums;
	uint32_t sum_type_bits, sum_pid_bits, sum_hashes, sum_len;
};

/* Which chunks a reader needs (kite_index_chunk_wanted); a NULL list means any. */
struct kite_chunk_want {
	const uint8_t *types; /* types[id] != 0: an event type wanted, by schema id */
	uint32_t ntypes;
	const uint32_t *pids; /* the record pids wanted */
	unsigned npids;
	uint64_t from; /* chunks whose records are all older are not wanted; 0: none */
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
	size_t pid_cap, pid_used;            /* pid_cap is a power of two */
	int drop_type;                       /* schema id of "drop" records, -1 if none */
	int drop_param;                      /* index of their "nevents" param */
	uint8_t *sums;                       /* one summary per chunk, KITE_SUM_MAX_BYTES each */
	uint8_t cur_sum[KITE_SUM_MAX_BYTES]; /* of the events counted since the last chunk */
	int oom;
};

int kite_ib_init(struct kite_index_builder *b);
/* Counts one event record; drop records also add their lost-event count to idx.drops. */
struct kite_schema;
struct kite_evt;
void kite_ib_set_schema(struct kite_index_builder *b, const struct kite_schema *s);
void kite_ib_count(struct kite_index_builder *b, const struct kite_schema *s, const struct kite_evt *e);
/* Adds a chunk; its summary is that of the events counted since the previous chunk (count them first). */
void kite_ib_chunk(struct kite_index_builder *b, const struct kite_chunk_ref *c);
/* Freezes the counts into b->idx (sorted by type and by pid). */
int kite_ib_finish(struct kite_index_builder *b);
void kite_ib_free(struct kite_index_builder *b);

void kite_index_encode(const struct kite_index *idx, struct kite_buf *out);
int kite_index_parse(const uint8_t *p, size_t len, struct kite_index *idx, char *err, size_t errlen);
void kite_index_free(struct kite_index *idx);
/* First chunk (of either kind) whose last_ts >= ts; nchunks if none. */
uint32_t kite_index_find_time(const struct kite_index *idx, uint64_t ts);
/*
 * 0 when event chunk i can be skipped: all its records are older than
 * w->from, or its summary shows no wanted type or no wanted pid.  1 when it
 * may hold something wanted (a SNAPSHOT, or no summary to tell).
 */
int kite_index_chunk_wanted(const struct kite_index *idx, uint32_t i, const struct kite_chunk_want *w);

#endif
