/* rings.c - a zero-copy consumer for BPF ring buffers and the k-way timestamp merge over one ring per CPU. */
#include "rings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The kernel's ring buffer record header (include/uapi/linux/bpf.h): u32 len with two flag bits, u32 pg_off. */
#define RB_BUSY    (1u << 31)
#define RB_DISCARD (1u << 30)
#define RB_HDR     8u

int kb_ring_map(struct kb_ring *r, int fd, size_t size, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->size = size;
	r->consumer = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->consumer == MAP_FAILED) {
		snprintf(err, errlen, "mmap of a ring buffer's consumer page: %s", strerror(errno));
		return -1;
	}
	r->producer = mmap(NULL, (size_t)page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (r->producer == MAP_FAILED) {
		munmap(r->consumer, (size_t)page);
		snprintf(err, errlen, "mmap of a ring buffer's data: %s", strerror(errno));
		return -1;
	}
	r->data = (uint8_t *)r->producer + page;
	r->pos = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	return 0;
}

void kb_ring_unmap(struct kb_ring *r)
{
	long page = sysconf(_SC_PAGESIZE);
	if (r->consumer && r->consumer != MAP_FAILED)
		munmap(r->consumer, (size_t)page);
	if (r->producer && r->producer != MAP_FAILED)
		munmap(r->producer, (size_t)page + 2 * r->size);
	r->consumer = NULL;
	r->producer = NULL;
}

/* The next committed record of r (discarded ones are skipped), or NULL. */
static const struct kite_evt *peek(struct kb_ring *r, uint64_t *next)
{
	uint64_t prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	while (r->pos < prod) {
		const uint8_t *hdr = r->data + (r->pos & (r->size - 1));
		uint32_t len = __atomic_load_n((const uint32_t *)hdr, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY)
			return NULL; /* reserved, not yet submitted */
		uint64_t step = ((len & ~(RB_BUSY | RB_DISCARD)) + RB_HDR + 7) & ~7ull;
		const struct kite_evt *e = (const struct kite_evt *)(hdr + RB_HDR);
		uint32_t n = len & ~(RB_BUSY | RB_DISCARD);
		if (!(len & RB_DISCARD) && n >= KITE_EVT_HDR_LEN && e->len == n) {
			*next = r->pos + step;
			return e;
		}
		r->pos += step; /* discarded, or not a kite record: skip it */
	}
	return NULL;
}

static void publish(struct kb_ring *r)
{
	__atomic_store_n(r->consumer, r->pos, __ATOMIC_RELEASE);
}

long kb_rings_merge(struct kb_ring *rings, unsigned n, uint64_t horizon, kite_sink_fn sink, void *ctx)
{
	long count = 0;
	for (;;) {
		/* a linear scan for the oldest head: n is the CPU count, small next to the work per event */
		const struct kite_evt *best = NULL;
		uint64_t best_next = 0;
		unsigned bi = 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t next;
			const struct kite_evt *e = peek(&rings[i], &next);
			if (e && e->ts < horizon && (!best || e->ts < best->ts)) {
				best = e;
				best_next = next;
				bi = i;
			}
		}
		if (!best)
			break;
		int rc = sink(ctx, best);
		rings[bi].pos = best_next;
		count++;
		if ((count & 255) == 0) /* give space back to the producers now and then */
			publish(&rings[bi]);
		if (rc < 0) {
			count = -1;
			break;
		}
	}
	for (unsigned i = 0; i < n; i++)
		publish(&rings[i]);
	return count;
}
