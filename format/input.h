/* input.h - buffered input over a file or a pipe: look ahead, consume, and seek when the file allows. */
#ifndef KITE_INPUT_H
#define KITE_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct kite_input {
	int fd;
	int seekable;
	uint64_t size; /* file size when seekable */
	uint8_t *buf;
	size_t cap;
	size_t start, end; /* valid bytes are buf[start..end) */
	uint64_t pos;      /* file offset of buf[start] */
	int eof;
	int err; /* errno of a failed read */
};

int kin_init(struct kite_input *in, int fd);
void kin_free(struct kite_input *in);
/*
 * Makes n bytes at the current position available; returns how many are
 * (fewer than n only at end of input or on error).  Pointers from kin_peek()
 * stay valid until the next kin_ensure() or kin_seek().
 */
size_t kin_ensure(struct kite_input *in, size_t n);
static inline const uint8_t *kin_peek(const struct kite_input *in)
{
	return in->buf + in->start;
}
/* Moves the position forward by n bytes, which must be available. */
void kin_consume(struct kite_input *in, size_t n);
/* Absolute seek (seekable inputs only). */
int kin_seek(struct kite_input *in, uint64_t off);
/* Reads n bytes at an absolute offset without moving the position (seekable only). */
int kin_pread(struct kite_input *in, uint64_t off, void *dst, size_t n);

#endif
