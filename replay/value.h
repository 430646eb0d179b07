/* value.h - one extracted field value (what fields produce and filters compare) and the per-event scratch arena. */
#ifndef KITE_VALUE_H
#define KITE_VALUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Value types.  A field declares the type of its values; a comparison is
 * type-checked against it once, when a filter is compiled.
 */
enum kite_vtype {
	KITE_VT_NONE = 0,
	KITE_VT_STR,     /* text: s, len (not NUL-terminated in general) */
	KITE_VT_BYTES,   /* raw data: s, len (bcontains, bstartswith) */
	KITE_VT_INT,     /* signed integer: i */
	KITE_VT_UINT,    /* unsigned integer: u (ports, uids, counts) */
	KITE_VT_BOOL,    /* u is 0 or 1; compared with true/false */
	KITE_VT_IPADDR,  /* ip (fd.sip, fd.ip, ...) */
	KITE_VT_IPNET,   /* a field whose values are addresses but whose constants are networks (fd.net) */
	KITE_VT_RELTIME, /* u: a duration in ns */
	KITE_VT_ABSTIME, /* u: ns since the epoch */
	KITE_VT_ANY,     /* declared type only: decided per event (evt.rawarg.NAME) */
	KITE_VT_COUNT
};

/* An IPv4 or IPv6 address (network byte order); prefix is used by networks only. */
struct kite_ip {
	uint8_t fam; /* KITE_AF_INET or KITE_AF_INET6 (decode.h) */
	uint8_t prefix;
	uint8_t a[16];
};

struct kite_val {
	uint8_t type; /* enum kite_vtype, never NONE or ANY in an extracted value */
	uint32_t len; /* STR and BYTES */
	union {
		const char *s;
		int64_t i;
		uint64_t u;
		struct kite_ip ip;
	};
};

/*
 * A bump allocator reset once per event: extractors that must build text
 * (proc.cmdline, fd.name of a socket, evt.arg.flags) put it here, so an event
 * costs no malloc once the arena has grown to the largest event's needs.
 * Blocks are chained, never moved, so earlier pointers stay valid until the
 * next reset.
 */
struct kite_arena_block;
struct kite_arena {
	/* current block; NULL when nothing was allocated since the last reset (then: the first) */
	struct kite_arena_block *head;
	struct kite_arena_block *all; /* every block, for reset and free */
};

void *kite_arena_alloc(struct kite_arena *a, size_t n);
/* A NUL-terminated copy in the arena; len bytes of s. */
char *kite_arena_strndup(struct kite_arena *a, const char *s, size_t len);
/*
 * Integers as text in the arena, without printf: evt.args prints several per event, and
 * vsnprintf was the largest cost of `kite show`.  hex: "0x" then lowercase digits.
 */
char *kite_arena_u64(struct kite_arena *a, uint64_t v, int hex, size_t *len);
/*
 * The same without the arena: the digits of v (base 8, 10 or 16, lowercase,
 * no prefix; signed: decimal with '-') written so that they end just before
 * `end`, which needs at most 22 bytes before it.  Returns where they start.
 */
char *kite_u64_digits(char *end, uint64_t v, unsigned base);
char *kite_i64_digits(char *end, int64_t v);
char *kite_arena_i64(struct kite_arena *a, int64_t v, size_t *len);
/* printf into the arena; returns the string (its length in *len when len is not NULL). */
char *kite_arena_printf(struct kite_arena *a, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void kite_arena_reset(struct kite_arena *a);
void kite_arena_free(struct kite_arena *a);

/* Text of a value as Falco prints it in outputs (ip addresses dotted, bools true/false), in the arena. */
const char *kite_val_text(struct kite_arena *a, const struct kite_val *v, size_t *len);
/*
 * The same text without copying when it can: a string's own bytes, a number's
 * digits in tmp; other types as kite_val_text.  Not NUL-terminated; valid as
 * long as v's bytes, tmp and the arena.
 */
#define KITE_VAL_TMP 24
const char *kite_val_view(struct kite_arena *a, const struct kite_val *v, char tmp[KITE_VAL_TMP],
                          size_t *len);
/* "string", "uint64", "ipaddr", ... for kite fields and error messages. */
const char *kite_vtype_name(unsigned t);

#endif
