/* reader.h - the capture reader: streams blocks from a file or pipe, verifies and decompresses chunks, seeks by time. */
#ifndef KITE_READER_H
#define KITE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "pcapng.h"
#include "record.h"
#include "schema.h"

typedef struct kite_reader kite_reader;

/* Receives warnings ("FILE: offset N: what happened"); the reader never prints. */
typedef void (*kite_warn_fn)(void *ctx, const char *msg);

struct kite_reader_opts {
	kite_warn_fn warn;
	void *warn_ctx;
	int ignore_index; /* read sequentially even if a footer and index exist */
	int one_thread;   /* a .scap: convert it on the caller's thread, not on a second one */
};

struct kite_reader_stats {
	uint64_t blocks;           /* blocks read */
	uint64_t chunks;           /* CHUNK and SNAPSHOT blocks decompressed and decoded */
	uint64_t records;          /* records handed out (events and state records) */
	uint64_t bad_chunks;       /* chunks skipped: checksum, decompression or framing errors */
	uint64_t bad_blocks;       /* other blocks that failed their checks */
	uint64_t lost_events;      /* events in skipped chunks, where the index tells */
	uint64_t skipped_bytes;    /* bytes passed over while resynchronising */
	int has_footer;            /* footer and index found and valid */
	int missing_footer;        /* the data ended without a footer (writer did not finish) */
	int truncated;             /* the file ends inside a block */
	uint64_t truncated_at;     /* offset of that incomplete block */
	uint64_t keyframes_passed; /* keyframe blocks met in order, their records not handed out */
	uint64_t keyframe_seeks;   /* kite_reader_seek_keyframe moves */
	uint64_t chunks_skipped;   /* CHUNK blocks passed over unread: their summary has nothing wanted */
	uint64_t events_skipped;   /* the events in them, and those kite_reader_set_record_want passed over */
	uint64_t skipped_last_ts;  /* the time of the last event passed over that way (0: unknown) */
};

/* The SHB as read. */
struct kite_shb_info {
	uint16_t major, minor;
	char *hardware, *os, *userappl;
};

/* One block, as kite_reader_next_block() returns it (pointers valid until the next call). */
struct kite_block {
	uint32_t type;
	uint32_t total_len;
	uint64_t offset;
	const uint8_t *content; /* kite blocks: the checked content; others: the body */
	uint32_t content_len;
	struct kite_chunk_ref chunk; /* CHUNK/SNAPSHOT: its header */
	uint8_t codec;
};

/*
 * Opens a capture: a path, or "-" for standard input.  Reads the section
 * header, the HEADER and SCHEMA blocks, and (on a seekable file) the footer
 * and index.  Returns NULL with a message in err when the input is not a
 * readable kite capture.
 */
kite_reader *kite_reader_open(const char *path, const struct kite_reader_opts *opts, char *err,
                              size_t errlen);
/* The same on an open descriptor, which the reader then owns. */
kite_reader *kite_reader_open_fd(int fd, const char *name, const struct kite_reader_opts *opts, char *err,
                                 size_t errlen);
void kite_reader_close(kite_reader *r);

/*
 * The next record, events and state records alike, in file order: 1 with
 * *e set (valid until the next call), 0 at the end, -1 on a fatal error
 * (kite_reader_error()).  Damaged chunks are skipped with a warning.  A
 * record's parameters must still be checked with kite_evt_split().
 */
int kite_reader_next(kite_reader *r, const struct kite_evt **e);
/* The chunk the last record came from. */
const struct kite_chunk_ref *kite_reader_chunk(const kite_reader *r);

/*
 * Positions the reader so that the next event is the first with ts >= t:
 * with an index, by jumping to the right chunk; otherwise by skipping.
 * Snapshot records before t are skipped too.
 */
int kite_reader_seek_time(kite_reader *r, uint64_t t);
/*
 * Moves to the last keyframe (a SNAPSHOT run after the first events) that
 * starts no later than t, using the index: its state records come next, then
 * every event after it, so the state at t is exact without reading what came
 * before.  1 when it moved, 0 when there is no such keyframe (or no index),
 * -1 on error.  Keyframes met while reading in order are passed over.
 * *events_before: the events in the chunks passed over (numbering goes on from there).
 */
int kite_reader_seek_keyframe(kite_reader *r, uint64_t t, uint64_t *events_before);

/*
 * From now on, kite_reader_next() passes over every CHUNK block the index
 * rules out (older than w->from, or its summary shows none of the wanted types
 * or pids: kite_index_chunk_wanted), without reading or decompressing it; the events
 * it held are counted in stats.events_skipped, so a caller can number the
 * events that follow as a full read would.  w is copied; NULL wants all.
 * 1 when chunks can be skipped (an index, with summaries unless only w->from
 * is given), 0 when not, -1 out of memory.
 */
int kite_reader_set_chunk_want(kite_reader *r, const struct kite_chunk_want *w);

/*
 * From now on, kite_reader_next() passes over the events whose type id has
 * types[id] == 0 (ids at or past ntypes are kept; state records always are),
 * counting them in stats.events_skipped.  It still hands out:
 *   - a thread's first event: any wanted event marks its tid as seen, except
 *     types[id] == 3 (a record about no thread); types[id] == 2 marks a type
 *     after which threads may have ended (every thread's next event is a
 *     first again);
 *   - any event later than until (0: no bound), where a caller stops reading;
 *   - a .kcap record whose parameters do not parse (the caller counts it).
 * A .scap capture passes them over before converting them, which saves most
 * of its reading.  types is copied; NULL wants all.  Call it before the first
 * kite_reader_next.  1, 0 (all wanted) or -1 (out of memory, or too late for
 * a .scap: kite_reader_error).
 */
int kite_reader_set_record_want(kite_reader *r, const uint8_t *types, uint32_t ntypes, uint64_t until);

/* Block-level access (kite dump, kite recover).  1, 0 at end, -1 on fatal error. */
int kite_reader_next_block(kite_reader *r, struct kite_block *b);
/* After a CHUNK/SNAPSHOT block: its records one by one, NULL at the end. */
const struct kite_evt *kite_reader_block_record(kite_reader *r);

const struct kite_header *kite_reader_header(const kite_reader *r);
const struct kite_shb_info *kite_reader_shb(const kite_reader *r);
const struct kite_schema *kite_reader_schema(const kite_reader *r);
/* The index from the footer, or NULL when the file has none (or it is damaged). */
const struct kite_index *kite_reader_index(const kite_reader *r);
const struct kite_reader_stats *kite_reader_stats(const kite_reader *r);
const char *kite_reader_error(const kite_reader *r);
const char *kite_reader_name(const kite_reader *r);
/* Offsets of the blocks read while opening (SHB, IDB, HEADER, SCHEMA). */
size_t kite_reader_prologue(const kite_reader *r, const struct kite_block **blocks);

const char *kite_block_name(uint32_t type);
/* 1 when the file is a sysdig/Falco .scap capture (converted while read; no blocks, no index). */
int kite_reader_is_scap(const kite_reader *r);
/*
 * 1 when the records handed out are well formed by construction, so that
 * kite_evt_split_trusted may split them: a .scap's, built in this process by
 * its importer with kite's record builder, each for its own entry of
 * kite_reader_schema.  A kite capture's records are bytes from a file: 0.
 */
int kite_reader_records_trusted(const kite_reader *r);
/* For a .scap: sysdig's number (evt.num) of the event the last record came from; 0 otherwise. */
uint64_t kite_reader_scap_ordinal(const kite_reader *r);

#endif
