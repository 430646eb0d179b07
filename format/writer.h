/* writer.h - the chunked capture writer: header, schema, snapshots, compressed event chunks, index, footer. */
#ifndef KITE_WRITER_H
#define KITE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "pcapng.h"
#include "record.h"
#include "schema.h"

/* Content header of CHUNK and SNAPSHOT blocks; the compressed payload follows. */
#define KITE_CHUNK_HDR_LEN 40u
#define KITE_CHUNK_VERSION 1
enum kite_codec { KITE_CODEC_NONE = 0, KITE_CODEC_ZSTD = 1 };

struct kite_writer_opts {
	uint32_t chunk_bytes; /* close a chunk at this many raw bytes (default 1 MiB) */
	uint64_t flush_ns;    /* ... or when its events span this long (default 1 s) */
	int level;            /* zstd level (default 3); 0 = store uncompressed */
};

struct kite_writer_stats {
	uint64_t events; /* event records appended */
	uint64_t state_records;
	uint64_t chunks;
	uint64_t raw_bytes;  /* records before compression */
	uint64_t file_bytes; /* written so far */
	uint64_t drops;
};

typedef struct kite_writer kite_writer;

/*
 * Starts a capture on fd (a file or a pipe; the writer never seeks) and writes
 * SHB, IDB, HEADER and SCHEMA at once.  The writer does not close fd.  On
 * failure returns NULL with a message in err.
 */
kite_writer *kite_writer_open(int fd, const char *name, const struct kite_header *hdr,
                              const struct kite_schema *schema, const struct kite_writer_opts *opts,
                              char *err, size_t errlen);

/*
 * Appends one record (copied once, into the chunk buffer).  The record must
 * be valid for the writer's schema; kite_writer_append checks its framing.
 * Returns 0, or -1 on a write error (see kite_writer_error()); after an error
 * every call fails.
 */
int kite_writer_append(kite_writer *w, const struct kite_evt *e);

/*
 * Zero-copy path for drivers: reserve len bytes (a multiple of 8) in the
 * chunk buffer, build the record there, then commit it.  NULL on error.
 */
void *kite_writer_reserve(kite_writer *w, uint32_t len);
int kite_writer_commit(kite_writer *w);

/* Records between begin and end go to one SNAPSHOT block (state records). */
int kite_writer_snapshot_begin(kite_writer *w);
int kite_writer_snapshot_end(kite_writer *w);

/* Closes the current chunk if it has events older than flush_ns at time now_ns. */
int kite_writer_tick(kite_writer *w, uint64_t now_ns);
/* Closes the current chunk now. */
int kite_writer_flush(kite_writer *w);

/*
 * Copies an already-compressed chunk (kite recover): `content` is the block
 * content, its records have been counted with kite_writer_count().
 */
int kite_writer_copy_chunk(kite_writer *w, uint32_t block_type, const uint8_t *content, uint32_t len,
                           const struct kite_chunk_ref *ref);
void kite_writer_count(kite_writer *w, const struct kite_evt *e);

/* Flushes, writes INDEX and FOOTER, frees w.  Returns 0 or -1 (message in err). */
int kite_writer_close(kite_writer *w, char *err, size_t errlen);
/* Frees w without writing index and footer (the file stays recoverable). */
void kite_writer_abort(kite_writer *w);

const char *kite_writer_error(const kite_writer *w);
void kite_writer_get_stats(const kite_writer *w, struct kite_writer_stats *st);

#endif
