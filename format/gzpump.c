/* gzpump.c - reads and inflates a gzip stream (ISA-L) on a second thread, so that reading a .scap decompresses ahead of parsing it. */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzpump.h"

/*
 * A ring of NSLOT buffers: the thread inflates straight into slot `head` while
 * the reader drains slot `tail`.  A slot is either free or full; `count` says
 * how many are full.  The thread stops at the end of the stream, on stop, or on
 * an error (kept for the reader, who sees it once the slots are drained).
 */
#define NSLOT     4
#define SLOT_SIZE (1u << 20)
#define IN_SIZE   (256u << 10) /* compressed bytes per read() */

struct slot {
	unsigned char *data;
	size_t len, pos;
};

/* The producer's side: only the thread (or, without one, the reader) touches it. */
struct inflater {
	int fd;
	struct inflate_state st;
	uint8_t *in;      /* IN_SIZE bytes; st.next_in/avail_in point into it */
	uint64_t in_off;  /* compressed bytes read from fd so far */
	int in_eof, done; /* fd gave everything; nothing more will be produced */
	int err;
	char msg[160];
};

struct kite_gzpump {
	struct inflater z;
	int threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, drained;
	struct slot slots[NSLOT];
	unsigned head, tail, count;
	int ended, stopping;
	int err; /* published from z when the thread ends */
	char msg[160];
};

/* ---- the inflater ---- */

static void inflater_fail(struct inflater *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void inflater_fail(struct inflater *z, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(z->msg, sizeof(z->msg), fmt, ap);
	va_end(ap);
	z->err = -1;
	z->done = 1;
}

/* The offset in the compressed file of the next byte isal_inflate will take. */
static uint64_t compressed_pos(const struct inflater *z)
{
	return z->in_off - z->st.avail_in;
}

/* ISA-L's error code in words. */
static const char *isal_what(int r, const struct inflate_state *st)
{
	switch (r) {
	case ISAL_INVALID_BLOCK: return "invalid compressed data (bad block)";
	case ISAL_INVALID_SYMBOL: return "invalid compressed data (bad symbol)";
	case ISAL_INVALID_LOOKBACK: return "invalid compressed data (distance too far back)";
	case ISAL_INVALID_WRAPPER: return "bad gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "gzip header: unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		/* the trailer is only checked once the member's data is all out */
		return st->block_state == ISAL_BLOCK_FINISH ? "gzip trailer: CRC or length mismatch"
		                                            : "gzip header: CRC mismatch";
	}
	return "inflate failed";
}

/*
 * Reads more compressed bytes, keeping the avail_in not yet taken (moved to the
 * start of the buffer).  Sets in_eof at the end of the file; a read error ends
 * the stream with its message.
 */
static void refill(struct inflater *z)
{
	size_t keep = z->st.avail_in;
	if (keep && z->st.next_in != z->in)
		memmove(z->in, z->st.next_in, keep);
	z->st.next_in = z->in;
	for (;;) {
		ssize_t n = read(z->fd, z->in + keep, IN_SIZE - keep);
		if (n > 0) {
			z->in_off += (uint64_t)n;
			z->st.avail_in = (uint32_t)(keep + (size_t)n);
			return;
		}
		if (n == 0) {
			z->in_eof = 1;
			return;
		}
		if (errno != EINTR) {
			inflater_fail(z, "read error at compressed offset %llu: %s",
			              (unsigned long long)z->in_off, strerror(errno));
			return;
		}
	}
}

/*
 * A member ended: starts the next one if the input goes on with the gzip magic
 * (1 when it did).  Anything else after a member is ignored, as gzread does.
 */
static int next_member(struct inflater *z)
{
	while (z->st.avail_in < 2 && !z->in_eof && !z->done)
		refill(z);
	if (z->done || z->st.avail_in < 2 || z->st.next_in[0] != 0x1f || z->st.next_in[1] != 0x8b) {
		z->done = 1;
		return 0;
	}
	isal_inflate_reset(&z->st); /* keeps next_in, avail_in and crc_flag */
	return 1;
}

/*
 * Inflates up to n bytes into dst: fewer only at the end of the stream, which
 * sets done (with err when the stream is cut, damaged or unreadable).  Bytes
 * decoded before a problem are counted: the error comes after them.
 */
static size_t produce(struct inflater *z, uint8_t *dst, size_t n)
{
	size_t out = 0;
	while (out < n && !z->done) {
		if (z->st.block_state == ISAL_BLOCK_FINISH && !next_member(z))
			break;
		if (z->st.avail_in == 0 && !z->in_eof) {
			refill(z);
			continue;
		}
		size_t room = n - out < UINT32_MAX ? n - out : UINT32_MAX;
		uint32_t in_before = z->st.avail_in;
		z->st.next_out = dst + out;
		z->st.avail_out = (uint32_t)room;
		int r = isal_inflate(&z->st);
		size_t got = room - z->st.avail_out;
		out += got;
		if (r < 0) {
			inflater_fail(z, "%s near compressed offset %llu", isal_what(r, &z->st),
			              (unsigned long long)compressed_pos(z));
		} else if (!got && z->st.avail_in == in_before && z->st.block_state != ISAL_BLOCK_FINISH) {
			/* no progress: the member wants bytes the file does not have */
			if (z->in_eof)
				inflater_fail(z, "unexpected end of file");
			else
				refill(z);
		}
	}
	return out;
}

/* ---- the thread and the ring ---- */

/* The thread's end: what went wrong (if anything) becomes visible to the reader. */
static void publish_end(struct kite_gzpump *p)
{
	p->ended = 1;
	if (p->z.err) {
		p->err = p->z.err;
		memcpy(p->msg, p->z.msg, sizeof(p->msg));
	}
}

static void *pump(void *arg)
{
	struct kite_gzpump *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->count == NSLOT && !p->stopping)
			pthread_cond_wait(&p->drained, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		struct slot *s = &p->slots[p->head];
		pthread_mutex_unlock(&p->lock);

		size_t n = produce(&p->z, s->data, SLOT_SIZE); /* outside the lock: this is the work */

		pthread_mutex_lock(&p->lock);
		if (n) {
			s->len = n;
			s->pos = 0;
			p->head = (p->head + 1) % NSLOT;
			p->count++;
		}
		if (p->z.done)
			publish_end(p);
		pthread_cond_signal(&p->filled);
		int done = p->ended;
		pthread_mutex_unlock(&p->lock);
		if (done)
			break;
	}
	return NULL;
}

static void free_pump(struct kite_gzpump *p)
{
	for (unsigned i = 0; i < NSLOT; i++)
		free(p->slots[i].data);
	free(p->z.in);
	if (p->z.fd >= 0)
		close(p->z.fd);
	free(p);
}

/* The ring and the thread; 0 when either cannot be had (the caller's thread inflates then). */
static int start_thread(struct kite_gzpump *p)
{
	for (unsigned i = 0; i < NSLOT; i++)
		if (!(p->slots[i].data = malloc(SLOT_SIZE)))
			return 0;
	if (pthread_mutex_init(&p->lock, NULL))
		return 0;
	if (pthread_cond_init(&p->filled, NULL) == 0) {
		if (pthread_cond_init(&p->drained, NULL) == 0) {
			if (pthread_create(&p->thread, NULL, pump, p) == 0)
				return 1;
			pthread_cond_destroy(&p->drained);
		}
		pthread_cond_destroy(&p->filled);
	}
	pthread_mutex_destroy(&p->lock);
	return 0;
}

struct kite_gzpump *kite_gzpump_start(int fd, const void *head, size_t nhead, int thread)
{
	struct kite_gzpump *p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return NULL;
	}
	p->z.fd = fd;
	if (nhead > IN_SIZE || !(p->z.in = malloc(IN_SIZE))) {
		free_pump(p);
		return NULL;
	}
	isal_inflate_init(&p->z.st);
	p->z.st.crc_flag = ISAL_GZIP; /* ISA-L parses the header and checks the CRC32 and size trailer */
	if (nhead)
		memcpy(p->z.in, head, nhead);
	p->z.st.next_in = p->z.in;
	p->z.st.avail_in = (uint32_t)nhead;
	p->z.in_off = nhead;
	p->threaded = thread && start_thread(p);
	return p;
}

/* Without a thread: inflates straight into dst on the caller's thread. */
static size_t read_inline(struct kite_gzpump *p, void *dst, size_t n)
{
	size_t got = produce(&p->z, dst, n);
	if (p->z.done && !p->ended)
		publish_end(p);
	return got;
}

/* Waits for a full slot (the caller holds the lock): the oldest one, or NULL at the end. */
static struct slot *full_slot(struct kite_gzpump *p)
{
	while (p->count == 0 && !p->ended)
		pthread_cond_wait(&p->filled, &p->lock);
	return p->count ? &p->slots[p->tail] : NULL;
}

/* The oldest slot has been read to its end (the caller holds the lock): the thread may refill it. */
static void drained(struct kite_gzpump *p)
{
	p->tail = (p->tail + 1) % NSLOT;
	p->count--;
	pthread_cond_signal(&p->drained);
}

size_t kite_gzpump_read(struct kite_gzpump *p, void *dst, size_t n)
{
	if (!p->threaded)
		return read_inline(p, dst, n);
	size_t got = 0;
	pthread_mutex_lock(&p->lock);
	while (got < n) {
		struct slot *s = full_slot(p);
		if (!s)
			break; /* the end, and everything before it was read */
		size_t k = s->len - s->pos < n - got ? s->len - s->pos : n - got;
		memcpy((unsigned char *)dst + got, s->data + s->pos, k);
		s->pos += k;
		got += k;
		if (s->pos == s->len)
			drained(p);
		if (got && p->count == 0)
			break; /* hand over what there is rather than wait for more */
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

int kite_gzpump_lends(const struct kite_gzpump *p)
{
	return p->threaded;
}

const void *kite_gzpump_lend(struct kite_gzpump *p, size_t *n)
{
	pthread_mutex_lock(&p->lock);
	struct slot *s = full_slot(p);
	*n = s ? s->len - s->pos : 0; /* a full slot always has bytes left: read drains it at its end */
	const void *data = s ? s->data + s->pos : NULL;
	pthread_mutex_unlock(&p->lock);
	return data;
}

void kite_gzpump_give_back(struct kite_gzpump *p)
{
	pthread_mutex_lock(&p->lock);
	p->slots[p->tail].pos = p->slots[p->tail].len;
	drained(p);
	pthread_mutex_unlock(&p->lock);
}

int kite_gzpump_error(struct kite_gzpump *p, const char **msg)
{
	if (p->threaded)
		pthread_mutex_lock(&p->lock);
	int e = p->err;
	if (p->threaded)
		pthread_mutex_unlock(&p->lock);
	if (msg)
		*msg = e ? p->msg : "";
	return e;
}

void kite_gzpump_stop(struct kite_gzpump *p)
{
	if (!p)
		return;
	if (p->threaded) {
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_signal(&p->drained);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->filled);
		pthread_cond_destroy(&p->drained);
		pthread_mutex_destroy(&p->lock);
	}
	free_pump(p);
}
