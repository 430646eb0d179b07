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

#endif
