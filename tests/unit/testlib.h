/* testlib.h - synthetic captures for tests, fuzz seeds and benchmarks: a realistic event mix built from the table. */
#ifndef KITE_TESTLIB_H
#define KITE_TESTLIB_H

#include <stdint.h>

#include "record.h"
#include "schema.h"
#include "writer.h"

struct kt_synth {
	const struct kite_schema *s;
	uint64_t rng;
	uint64_t ts;
	uint32_t nmix;
	const struct kite_event_desc *mix[256]; /* event types, repeated by weight */
};

/* A generator over the built-in schema, deterministic for a seed. */
void kt_synth_init(struct kt_synth *g, uint64_t seed, uint64_t start_ts);
/* Builds the next event into buf (KITE_EVT_MAX_LEN bytes). */
const struct kite_evt *kt_synth_event(struct kt_synth *g, uint8_t *buf);
/* Builds a state record of the given type with plausible values. */
const struct kite_evt *kt_synth_record(struct kt_synth *g, const struct kite_event_desc *d, uint8_t *buf);

/*
 * Writes a complete capture to fd: a snapshot of nstate records, then
 * nevents events.  Returns 0, or -1 with the reason on stderr.
 */
int kt_write_capture(int fd, uint64_t nevents, uint32_t nstate, const struct kite_writer_opts *o,
                     uint64_t seed);
/* kt_hash of every record kt_write_capture writes for these arguments, in order (malloc'd). */
uint64_t *kt_expected_hashes(uint64_t nevents, uint32_t nstate, uint64_t seed);
/* A header as kite-record would write it, for tests. */
void kt_header(struct kite_header *h);

/* FNV-1a over a record's bytes: compares event sequences cheaply. */
uint64_t kt_hash(const void *p, uint32_t len);

#endif

/* Test plumbing shared by the unit tests. */
struct kite_reader;
/* A synthetic capture in a memfd, positioned at 0. */
int kt_memfd_capture(uint64_t nevents, uint32_t nstate, const struct kite_writer_opts *o, uint64_t seed);
/* An in-memory copy of a file descriptor's whole content. */
uint8_t *kt_slurp(int fd, size_t *len);
/* A memfd holding the given bytes, positioned at 0. */
int kt_memfd_bytes(const void *p, size_t len);
/* The read end of a pipe holding p (cut at the pipe's capacity: nothing else writes); -1 on failure. */
int kt_pipe_bytes(const void *p, size_t len);
/* Reads every record, storing kt_hash of each into *hashes (malloc'd); returns the count. */
uint64_t kt_read_all(struct kite_reader *r, uint64_t **hashes);
/* A warn callback that counts calls and keeps the last message (ctx: struct kt_warnings). */
struct kt_warnings {
	int count;
	char last[512];
};
void kt_warn(void *ctx, const char *msg);
