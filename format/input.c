/* input.c - buffered reading that works the same on files and pipes. */
#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_STEP (1u << 20)

int kin_init(struct kite_input *in, int fd)
{
	struct stat st;
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		in->seekable = 1;
		in->size = (uint64_t)st.st_size;
		in->pos = (uint64_t)lseek(fd, 0, SEEK_CUR);
	}
	in->cap = READ_STEP;
	in->buf = malloc(in->cap);
	return in->buf ? 0 : -1;
}

void kin_free(struct kite_input *in)
{
	free(in->buf);
	in->buf = NULL;
}

size_t kin_ensure(struct kite_input *in, size_t n)
{
	while (in->end - in->start < n && !in->eof && !in->err) {
		if (in->start > 0 && in->start + n > in->cap) { /* slide what is left to the front */
			memmove(in->buf, in->buf + in->start, in->end - in->start);
			in->end -= in->start;
			in->start = 0;
		}
		if (in->start + n > in->cap) {
			size_t cap = in->cap;
			while (cap < in->start + n)
				cap *= 2;
			uint8_t *b = realloc(in->buf, cap);
			if (!b) {
				in->err = ENOMEM;
				break;
			}
			in->buf = b;
			in->cap = cap;
		}
		size_t want = in->cap - in->end;
		ssize_t k = read(in->fd, in->buf + in->end, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			in->err = errno;
		else if (k == 0)
			in->eof = 1;
		else
			in->end += (size_t)k;
	}
	size_t have = in->end - in->start;
	return have < n ? have : n;
}

void kin_consume(struct kite_input *in, size_t n)
{
	in->start += n;
	in->pos += n;
}

int kin_seek(struct kite_input *in, uint64_t off)
{
	if (!in->seekable)
		return -1;
	/* a seek within the buffered window costs nothing */
	uint64_t lo = in->pos - in->start, hi = in->pos + (in->end - in->start);
	if (off >= lo && off <= hi) {
		in->start = (size_t)(off - lo);
		in->pos = off;
		return 0;
	}
	if (lseek(in->fd, (off_t)off, SEEK_SET) < 0)
		return -1;
	in->start = in->end = 0;
	in->pos = off;
	in->eof = 0;
	return 0;
}

int kin_pread(struct kite_input *in, uint64_t off, void *dst, size_t n)
{
	uint8_t *p = dst;
	while (n > 0) {
		ssize_t k = pread(in->fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}
