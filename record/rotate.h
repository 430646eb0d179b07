/* rotate.h - output file naming and rotation for kite-record (-C size, -G time, -W count), tcpdump style. */
#ifndef KITE_ROTATE_H
#define KITE_ROTATE_H

#include <stddef.h>
#include <stdint.h>

struct rotation {
	const char *base;   /* -w FILE; may hold strftime(3) patterns with -G */
	uint64_t max_bytes; /* -C: rotate when a file reaches this size (0: never) */
	uint64_t period_ns; /* -G: rotate this often (0: never) */
	uint32_t count;     /* -W: keep at most this many files, reusing their names */
	uint32_t seq;       /* files opened so far */
	char **mine;        /* names this run created, oldest first (for -W reuse) */
	uint32_t nmine;
};

static inline int rotation_on(const struct rotation *r)
{
	return r->max_bytes || r->period_ns;
}

/*
 * Opens the next output file (mode 0600) and puts its name in name.  Without
 * rotation, FILE is created or truncated, as tcpdump -w does.  With rotation,
 * a name is only ever reused if this run created it: any other existing file
 * is an error, never overwritten.  Returns the fd, or -1 with a message.
 */
int rotation_open_next(struct rotation *r, char *name, size_t namelen, char *err, size_t errlen);
void rotation_free(struct rotation *r);

#endif
