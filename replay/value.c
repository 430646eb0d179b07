/* value.c - the per-event scratch arena (chained blocks, reused after reset) and value formatting helpers. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "value.h"

/* Blocks grow from 4 KiB up to 1 MiB; a bigger request gets a block of its own size. */
#define ARENA_MIN_BLOCK ((size_t)4096)
#define ARENA_MAX_BLOCK ((size_t)1 << 20)
#define ARENA_ALIGN     alignof(max_align_t)

struct kite_arena_block {
	struct kite_arena_block *next; /* in allocation order, from a->all */
	size_t size;                   /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

/* Appends a fresh block able to hold n bytes after the last one; it becomes the current block. */
static struct kite_arena_block *arena_grow(struct kite_arena *a, size_t n)
{
	struct kite_arena_block *last = a->all;
	while (last && last->next)
		last = last->next;
	size_t size = last ? last->size * 2 : ARENA_MIN_BLOCK;
	if (size > ARENA_MAX_BLOCK)
		size = ARENA_MAX_BLOCK;
	if (size < n)
		size = n;
	if (size > SIZE_MAX - sizeof(struct kite_arena_block))
		return NULL;
	struct kite_arena_block *b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	if (last)
		last->next = b;
	else
		a->all = b;
	a->head = b;
	return b;
}

void *kite_arena_alloc(struct kite_arena *a, size_t n)
{
	if (n > SIZE_MAX / 2)
		return NULL;
	n = align_up(n ? n : 1);
	struct kite_arena_block *b = a->head ? a->head : a->all;
	/* after a reset, the blocks already chained are reused in order before any new one */
	while (b && b->size - b->used < n)
		b = b->next;
	if (!b)
		b = arena_grow(a, n);
	if (!b)
		return NULL;
	a->head = b;
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *kite_arena_strndup(struct kite_arena *a, const char *s, size_t len)
{
	char *p = kite_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Decimal digits of v ending at `end`, two at a time (evt.num and friends are printed per event). */
static char *decimal_before(char *end, uint64_t v)
{
	static const char pairs[] = "000102030405060708091011121314151617181920212223242526272829303132333435"
	                            "363738394041424344454647484950515253545556575859606162636465666768697071"
	                            "72737475767778798081828384858687888990919293949596979899";
	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, pairs + 2 * r, 2);
	}
	uint32_t w = (uint32_t)v; /* the rest in 32 bits: cheaper divisions */
	while (w >= 100) {
		unsigned r = w % 100;
		w /= 100;
		end -= 2;
		memcpy(end, pairs + 2 * r, 2);
	}
	v = w;
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* Writes v's digits so that they end at `end`; returns where they start (value.h). */
char *kite_u64_digits(char *end, uint64_t v, unsigned base)
{
	if (base == 10)
		return decimal_before(end, v);
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

static char *arena_text(struct kite_arena *a, const char *s, size_t n, size_t *len)
{
	char *p = kite_arena_strndup(a, s, n);
	if (len)
		*len = p ? n : 0;
	return p;
}

/* v in decimal, or with hex "0x" and lowercase hex digits, ending at `end`. */
static char *u64_before(char *end, uint64_t v, int hex)
{
	char *p = kite_u64_digits(end, v, hex ? 16 : 10);
	if (hex) {
		*--p = 'x';
		*--p = '0';
	}
	return p;
}

char *kite_arena_u64(struct kite_arena *a, uint64_t v, int hex, size_t *len)
{
	char buf[24], *end = buf + sizeof(buf), *p = u64_before(end, v, hex);
	return arena_text(a, p, (size_t)(end - p), len);
}

/* A signed number's text ending at `end`; returns where it starts (value.h). */
char *kite_i64_digits(char *end, int64_t v)
{
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	char *p = kite_u64_digits(end, v < 0 ? -(uint64_t)v : (uint64_t)v, 10);
	if (v < 0)
		*--p = '-';
	return p;
}

char *kite_arena_i64(struct kite_arena *a, int64_t v, size_t *len)
{
	char buf[24], *end = buf + sizeof(buf), *p = kite_i64_digits(end, v);
	return arena_text(a, p, (size_t)(end - p), len);
}

char *kite_arena_printf(struct kite_arena *a, size_t *len, const char *fmt, ...)
{
	va_list ap;
	/* try the room left in the current block first: one vsnprintf in the common case */
	struct kite_arena_block *b = a->head ? a->head : a->all;
	size_t room = b ? b->size - b->used : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? (char *)b->data + b->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p;
	if ((size_t)n < room) {
		p = (char *)b->data + b->used;
		b->used += align_up((size_t)n + 1);
		if (b->used > b->size)
			b->used = b->size;
		a->head = b;
	} else {
		p = kite_arena_alloc(a, (size_t)n + 1);
		if (!p)
			return NULL;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (len)
		*len = (size_t)n;
	return p;
}

void kite_arena_reset(struct kite_arena *a)
{
	if (!a->head)
		return; /* nothing allocated since the last reset */
	for (struct kite_arena_block *b = a->all; b; b = b->next)
		b->used = 0;
	a->head = NULL;
}

void kite_arena_free(struct kite_arena *a)
{
	struct kite_arena_block *b = a->all;
	while (b) {
		struct kite_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->all = a->head = NULL;
}

/* Bytes as Falco prints a buffer: printable ASCII kept, everything else as '.'. */
static const char *bytes_text(struct kite_arena *a, const char *s, size_t n, size_t *len)
{
	char *p = kite_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		p[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
	}
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static const char *ip_text(struct kite_arena *a, const struct kite_ip *ip, size_t *len)
{
	char buf[INET6_ADDRSTRLEN];
	int fam = ip->fam == KITE_AF_INET6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(fam, ip->a, buf, sizeof(buf)))
		return kite_arena_printf(a, len, "<NA>");
	return kite_arena_printf(a, len, "%s", buf);
}

const char *kite_val_text(struct kite_arena *a, const struct kite_val *v, size_t *len)
{
	switch (v->type) {
	case KITE_VT_STR:
		if (len)
			*len = v->len;
		return kite_arena_strndup(a, v->s, v->len);
	case KITE_VT_BYTES: return bytes_text(a, v->s, v->len, len);
	case KITE_VT_INT: return kite_arena_i64(a, v->i, len);
	case KITE_VT_UINT:
	case KITE_VT_RELTIME:
	case KITE_VT_ABSTIME: return kite_arena_u64(a, v->u, 0, len);
	case KITE_VT_BOOL: return kite_arena_printf(a, len, "%s", v->u ? "true" : "false");
	case KITE_VT_IPADDR:
	case KITE_VT_IPNET: return ip_text(a, &v->ip, len);
	default: return kite_arena_printf(a, len, "<NA>");
	}
}

const char *kite_val_view(struct kite_arena *a, const struct kite_val *v, char tmp[KITE_VAL_TMP], size_t *len)
{
	char *end = tmp + KITE_VAL_TMP, *p;
	switch (v->type) {
	case KITE_VT_STR: *len = v->len; return v->len ? v->s : "";
	case KITE_VT_INT: p = kite_i64_digits(end, v->i); break;
	case KITE_VT_UINT:
	case KITE_VT_RELTIME:
	case KITE_VT_ABSTIME: p = kite_u64_digits(end, v->u, 10); break;
	default: return kite_val_text(a, v, len);
	}
	*len = (size_t)(end - p);
	return p;
}

const char *kite_vtype_name(unsigned t)
{
	static const char *const names[KITE_VT_COUNT] = {
	        [KITE_VT_NONE] = "none",       [KITE_VT_STR] = "string",  [KITE_VT_BYTES] = "bytebuf",
	        [KITE_VT_INT] = "int64",       [KITE_VT_UINT] = "uint64", [KITE_VT_BOOL] = "bool",
	        [KITE_VT_IPADDR] = "ipaddr",   [KITE_VT_IPNET] = "ipnet", [KITE_VT_RELTIME] = "reltime",
	        [KITE_VT_ABSTIME] = "abstime", [KITE_VT_ANY] = "any",
	};
	return t < KITE_VT_COUNT ? names[t] : "unknown";
}
