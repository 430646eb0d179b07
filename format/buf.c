/* buf.c - growable byte buffer and bounds-checked cursor used by every block encoder and parser. */
#include "buf.h"

#include <stdlib.h>

/* kite only targets little-endian hosts; the file format is little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "kite needs a little-endian host");

int kbuf_reserve(struct kite_buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void kbuf_put(struct kite_buf *b, const void *data, size_t n)
{
	if (n == 0 || kbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void kbuf_put_u8(struct kite_buf *b, uint8_t v)
{
	kbuf_put(b, &v, 1);
}
void kbuf_put_u16(struct kite_buf *b, uint16_t v)
{
	kbuf_put(b, &v, 2);
}
void kbuf_put_u32(struct kite_buf *b, uint32_t v)
{
	kbuf_put(b, &v, 4);
}
void kbuf_put_u64(struct kite_buf *b, uint64_t v)
{
	kbuf_put(b, &v, 8);
}

void kbuf_put_zero(struct kite_buf *b, size_t n)
{
	if (n == 0 || kbuf_reserve(b, n))
		return;
	memset(b->p + b->len, 0, n);
	b->len += n;
}

void kbuf_put_str8(struct kite_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 255)
		n = 255;
	kbuf_put_u8(b, (uint8_t)n);
	kbuf_put(b, s, n);
}

void kbuf_free(struct kite_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const uint8_t *kcur_take(struct kite_cursor *c, size_t n)
{
	if (c->bad || n > c->len - c->off) {
		c->bad = 1;
		return NULL;
	}
	const uint8_t *p = c->p + c->off;
	c->off += n;
	return p;
}

uint8_t kcur_u8(struct kite_cursor *c)
{
	const uint8_t *p = kcur_take(c, 1);
	return p ? p[0] : 0;
}

uint16_t kcur_u16(struct kite_cursor *c)
{
	const uint8_t *p = kcur_take(c, 2);
	uint16_t v = 0;
	if (p)
		memcpy(&v, p, 2);
	return v;
}

uint32_t kcur_u32(struct kite_cursor *c)
{
	const uint8_t *p = kcur_take(c, 4);
	return p ? kite_le32(p) : 0;
}

uint64_t kcur_u64(struct kite_cursor *c)
{
	const uint8_t *p = kcur_take(c, 8);
	return p ? kite_le64(p) : 0;
}

char *kcur_str8(struct kite_cursor *c)
{
	uint8_t n = kcur_u8(c);
	const uint8_t *p = kcur_take(c, n);
	if (!p)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s) {
		c->bad = 1;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
