/* gzpump.h - inflates a gzip stream on a second thread, so that reading a .scap decompresses ahead of parsing it. */
#ifndef KITE_GZPUMP_H
#define KITE_GZPUMP_H

#include <stddef.h>
#include <zlib.h>

/*
 * A producer thread calls gzread into a few fixed buffers while the caller
 * consumes the previous ones.  The gzFile belongs to the pump from start to
 * stop (the caller must not touch it in between) and stays open after stop.
 */
struct kite_gzpump;

/* NULL when the thread cannot be made (the caller then reads gz itself). */
struct kite_gzpump *kite_gzpump_start(gzFile gz);

/* Copies up to n inflated bytes into dst: the count, or 0 at the end of the stream. */
size_t kite_gzpump_read(struct kite_gzpump *p, void *dst, size_t n);

/*
 * zlib's error on the stream (Z_OK when none) and its message.  zlib may
 * report a cut stream while data decoded before it is still to be read, so the
 * error is kept and reading goes on until kite_gzpump_read returns 0.
 */
int kite_gzpump_error(struct kite_gzpump *p, const char **msg);

/* Stops and joins the thread; the gzFile is left open for the caller to close. */
void kite_gzpump_stop(struct kite_gzpump *p);

#endif
