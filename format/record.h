/* record.h - the layout of one event record, shared by drivers, writer, reader and replay. */
#ifndef KITE_RECORD_H
#define KITE_RECORD_H

#include <stdint.h>
#include <string.h>

#include "schema.h"

/*
 * An event record, as drivers produce it and as it lies in a decompressed
 * chunk:
 *
 *   struct kite_evt            24 bytes
 *   uint16_t plen[nparams]     nparams comes from the schema entry of `type`
 *   parameter bytes            concatenated, in table order
 *   zero padding               so that len is a multiple of 8
 *
 * All integers are little-endian.  Records start 8-byte aligned, so the
 * header may be read in place; parameter values may be unaligned and are
 * read with the accessors below.
 */
struct kite_evt {
	uint64_t ts;   /* nanoseconds since the Unix epoch (UTC) */
	uint32_t tid;  /* thread id (host pid namespace) */
	uint32_t pid;  /* thread group id */
	uint32_t len;  /* whole record in bytes, padding included; a multiple of 8 */
	uint16_t type; /* event id in the file's schema */
	uint16_t cpu;
};

/* The process a record belongs to: its pid, or its thread's id when it has none (pid 0). */
static inline uint32_t kite_evt_pid(const struct kite_evt *e)
{
	return e->pid ? e->pid : e->tid;
}

#define KITE_EVT_HDR_LEN 24u
#define KITE_EVT_ALIGN   8u
#define KITE_EVT_MAX_LEN (1u << 20) /* no record may be larger */

_Static_assert(sizeof(struct kite_evt) == KITE_EVT_HDR_LEN, "record header is 24 bytes");

static inline uint32_t kite_evt_padded(uint32_t n)
{
	return (n + KITE_EVT_ALIGN - 1) & ~(KITE_EVT_ALIGN - 1);
}

static inline const uint16_t *kite_evt_lens(const struct kite_evt *e)
{
	return (const uint16_t *)((const uint8_t *)e + KITE_EVT_HDR_LEN);
}

/* A decoded view of one record's parameters: pointers into the record. */
struct kite_params {
	uint32_t n;
	const uint8_t *val[KITE_MAX_PARAMS];
	uint16_t len[KITE_MAX_PARAMS];
};

/*
 * Check a record against its schema entry and split it into parameters.
 * `avail` is how many bytes are readable from e.  Returns 0, or -1 when the
 * record is malformed (lengths disagree, too many params, truncated).
 * d may be NULL (unknown type): then only the header and len are checked.
 */
int kite_evt_split(const struct kite_evt *e, uint32_t avail, const struct kite_event_desc *d,
                   struct kite_params *out);
/*
 * The same split without a check, for a record that is well formed by
 * construction: built in this process with kite's record builder for the
 * schema entry d (kite_reader_records_trusted).  Never for bytes read from a
 * file.
 */
void kite_evt_split_trusted(const struct kite_evt *e, const struct kite_event_desc *d,
                            struct kite_params *out);

/* Read an integer parameter of 1, 2, 4 or 8 bytes; 0 if the length is another. */
static inline uint64_t kite_get_u(const uint8_t *p, uint16_t len)
{
	switch (len) {
	case 1: return p[0];
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	case 8: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	default: return 0;
	}
}

static inline int64_t kite_get_i(const uint8_t *p, uint16_t len)
{
	switch (len) {
	case 1: return (int8_t)p[0];
	case 2: {
		int16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		int32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	case 8: {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	default: return 0;
	}
}

/*
 * Building records (writers of synthetic events, importers, tests, the
 * ptrace driver).  Usage: kite_evt_begin(), kite_evt_add_*() per parameter in
 * table order, kite_evt_end().  The buffer must hold KITE_EVT_MAX_LEN bytes.
 */
struct kite_evt_builder {
	uint8_t *buf;
	uint32_t nparams;
	uint32_t next; /* index of the next param */
	uint32_t off;  /* write offset of the next param's bytes */
	int overflow;
};

void kite_evt_begin(struct kite_evt_builder *b, void *buf, uint16_t type, uint32_t nparams, uint64_t ts,
                    uint32_t tid, uint32_t pid, uint16_t cpu);
void kite_evt_add(struct kite_evt_builder *b, const void *data, uint32_t len);
void kite_evt_add_u(struct kite_evt_builder *b, uint64_t v, uint32_t width);
void kite_evt_add_str(struct kite_evt_builder *b, const char *s);
/* Finish: pads, sets len; returns the record or NULL if params were missing or too big. */
struct kite_evt *kite_evt_end(struct kite_evt_builder *b);

/*
 * Inline variants for converters building millions of records (the .scap
 * importer): the same bytes as kite_evt_begin, kite_evt_add and kite_evt_end,
 * without a call per parameter.  The caller writes each value where
 * kite_evt_slot_fast says, and gives up on the record at the first NULL.
 */

/*
 * Copies n bytes that do not overlap; copies of up to 32 bytes (paths often
 * are 17 to 32) without a call into the C library: two moves of the largest
 * size that fits, overlapping in the middle.
 */
static inline void kite_copy_small(uint8_t *d, const uint8_t *s, uint32_t n)
{
	if (n <= 16) {
		if (n >= 8) {
			memcpy(d, s, 8);
			memcpy(d + n - 8, s + n - 8, 8);
		} else if (n >= 4) {
			memcpy(d, s, 4);
			memcpy(d + n - 4, s + n - 4, 4);
		} else if (n) {
			d[0] = s[0];
			d[n / 2] = s[n / 2];
			d[n - 1] = s[n - 1];
		}
	} else if (n <= 32) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else {
		memcpy(d, s, n);
	}
}

/* kite_evt_begin, inline. */
static inline void kite_evt_start(struct kite_evt_builder *b, void *buf, uint16_t type, uint32_t nparams,
                                  uint64_t ts, uint32_t tid, uint32_t pid, uint16_t cpu)
{
	struct kite_evt *e = (struct kite_evt *)buf;
	e->ts = ts;
	e->tid = tid;
	e->pid = pid;
	e->len = 0;
	e->type = type;
	e->cpu = cpu;
	b->buf = (uint8_t *)buf;
	b->nparams = nparams;
	b->next = 0;
	b->off = KITE_EVT_HDR_LEN + 2 * nparams;
	b->overflow = nparams > KITE_MAX_PARAMS;
}

/*
 * kite_evt_slot_fast for a caller that made sure beforehand that len fits 16
 * bits and that off + len + KITE_EVT_ALIGN stays within KITE_EVT_MAX_LEN (one
 * check for a whole record, where its values' sizes are bounded).
 */
static inline uint8_t *kite_evt_slot_unchecked(struct kite_evt_builder *b, uint32_t len)
{
	uint16_t l = (uint16_t)len;
	memcpy(b->buf + KITE_EVT_HDR_LEN + 2 * b->next, &l, 2);
	uint8_t *at = b->buf + b->off;
	b->off += len;
	b->next++;
	return at;
}

/*
 * kite_evt_slot for a record built in one go: the caller adds at most
 * nparams values and gives up at the first NULL.
 */
static inline uint8_t *kite_evt_slot_fast(struct kite_evt_builder *b, uint32_t len)
{
	/* both tested at once (| rather than ||): a wrapped sum only comes with len > 0xffff */
	if ((len > 0xffff) | (b->off + len + KITE_EVT_ALIGN > KITE_EVT_MAX_LEN)) {
		b->overflow = 1;
		return NULL;
	}
	return kite_evt_slot_unchecked(b, len);
}

/*
 * Makes room for the next parameter's len bytes and records their length:
 * where to write them, or NULL (the record is then too big or has too many
 * parameters, and kite_evt_end fails).
 */
static inline uint8_t *kite_evt_slot(struct kite_evt_builder *b, uint32_t len)
{
	if (b->overflow || b->next >= b->nparams) {
		b->overflow = 1;
		return NULL;
	}
	return kite_evt_slot_fast(b, len);
}

/*
 * kite_evt_end for a builder known to hold all its values, none failed
 * (which kite_evt_end checks), inline.  The padding is one 8-byte store of
 * zeros, which may write up to 7 bytes past the record (never past the
 * KITE_EVT_MAX_LEN bytes the buffer holds: each slot keeps off + 8 within them).
 */
static inline struct kite_evt *kite_evt_seal(struct kite_evt_builder *b)
{
	uint64_t zeros = 0;
	memcpy(b->buf + b->off, &zeros, sizeof(zeros));
	struct kite_evt *e = (struct kite_evt *)b->buf;
	e->len = kite_evt_padded(b->off);
	return e;
}

#endif
