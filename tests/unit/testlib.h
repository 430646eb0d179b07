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
	const struct kite_event_desc *mix[256];  /* event types, repeated by weight */
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
/* A header as kite-record would write it, for tests. */
void kt_header(struct kite_header *h);

/* FNV-1a over a record's bytes: compares event sequences cheaply. */
uint64_t kt_hash(const void *p, uint32_t len);

#endif
