/* buf.h - a growable byte buffer and little-endian put/get helpers for block encoding. */
#ifndef KITE_BUF_H
#define KITE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct kite_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int oom; /* an allocation failed: contents are incomplete */
};

int kbuf_reserve(struct kite_buf *b, size_t extra);
void kbuf_put(struct kite_buf *b, const void *data, size_t n);
void kbuf_put_u8(struct kite_buf *b, uint8_t v);
void kbuf_put_u16(struct kite_buf *b, uint16_t v);
void kbuf_put_u32(struct kite_buf *b, uint32_t v);
void kbuf_put_u64(struct kite_buf *b, uint64_t v);
void kbuf_put_zero(struct kite_buf *b, size_t n);
/* A string prefixed by its length as u8 (names in the schema); longer ones are cut. */
void kbuf_put_str8(struct kite_buf *b, const char *s);
void kbuf_free(struct kite_buf *b);

/* A bounds-checked reader over a byte range: every get fails softly past the end. */
struct kite_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	int bad; /* a read went past the end */
};

static inline void kcur_init(struct kite_cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->bad = 0;
}

const uint8_t *kcur_take(struct kite_cursor *c, size_t n); /* NULL past the end */
uint8_t kcur_u8(struct kite_cursor *c);
uint16_t kcur_u16(struct kite_cursor *c);
uint32_t kcur_u32(struct kite_cursor *c);
uint64_t kcur_u64(struct kite_cursor *c);
/* A u8-length-prefixed string, copied NUL-terminated into a malloc'd string; NULL if bad. */
char *kcur_str8(struct kite_cursor *c);

static inline uint32_t kite_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t kite_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/*
 * !memcmp(a, b, n) for the short byte strings compared per event (paths,
 * filter constants), without a call: 8 bytes at a time, the last word
 * overlapping the one before.
 */
static inline int kite_bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	if (n >= 8) {
		uint64_t u, v;
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&u, x + i, 8);
			memcpy(&v, y + i, 8);
			if (u != v)
				return 0;
		}
		memcpy(&u, x + n - 8, 8);
		memcpy(&v, y + n - 8, 8);
		return u == v;
	}
	if (n >= 4) { /* two words that overlap in the middle */
		uint32_t p, q, p2, q2;
		memcpy(&p, x, 4), memcpy(&q, y, 4), memcpy(&p2, x + n - 4, 4), memcpy(&q2, y + n - 4, 4);
		return p == q && p2 == q2;
	}
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

#endif
