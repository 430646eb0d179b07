/* rings.h - reading BPF ring buffers in place (mmap) and merging several of them by timestamp. */
#ifndef KITE_EBPF_RINGS_H
#define KITE_EBPF_RINGS_H

#include <stddef.h>
#include <stdint.h>

#include "driver.h"

struct kb_ring {
	int fd;
	size_t size;             /* data bytes, a power of two */
	unsigned long *consumer; /* consumer position page (read-write) */
	unsigned long *producer; /* producer position page (read-only), data follows */
	uint8_t *data;           /* mapped twice in a row, so records never wrap */
	uint64_t pos;            /* our consumer position, published lazily */
};

int kb_ring_map(struct kb_ring *r, int fd, size_t size, char *err, size_t errlen);
void kb_ring_unmap(struct kb_ring *r);

/*
 * Delivers, across all rings, every record with ts < horizon in timestamp
 * order (each ring is in order already; this is a k-way merge).  Stops early
 * if the sink returns -1.  Returns the count delivered, or -1.
 */
long kb_rings_merge(struct kb_ring *rings, unsigned n, uint64_t horizon, kite_sink_fn sink, void *ctx);

#endif
