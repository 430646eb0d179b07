/* gzpump.h - reads and inflates a gzip stream (ISA-L) on a second thread, so that reading a .scap decompresses ahead of parsing it. */
#ifndef KITE_GZPUMP_H
#define KITE_GZPUMP_H

#include <stddef.h>

/*
 * The pump owns a file descriptor: a producer thread read()s compressed bytes
 * from it and inflates them into a few fixed buffers while the caller consumes
 * the previous ones.  Concatenated gzip members are read one after another and
 * anything after the last member that is not a gzip header is ignored, as
 * zlib's gzread does.  Without a thread the same work is done on the caller's.
 */
struct kite_gzpump;

/*
 * Starts inflating fd, which is owned from then on (closed by stop, or here on
 * failure).  head holds the nhead bytes the caller already read from fd (the
 * gzip magic it looked at): they come first.  thread 0 inflates on the
 * caller's thread, as happens when a thread cannot be made.  NULL when out of
 * memory.
 */
struct kite_gzpump *kite_gzpump_start(int fd, const void *head, size_t nhead, int thread);

/* Copies up to n inflated bytes into dst: the count, or 0 at the end of the stream (or after an error). */
size_t kite_gzpump_read(struct kite_gzpump *p, void *dst, size_t n);

/*
 * Lending: the inflated bytes in place, without kite_gzpump_read's copy.  Only
 * a pump with a thread lends (kite_gzpump_lends).  kite_gzpump_lend points at
 * the next n > 0 bytes not read yet (those of one buffer), or returns NULL at
 * the end of the stream (or after an error).  They stay valid, and nothing
 * else may be read, until kite_gzpump_give_back, which takes them all as read
 * and lets the thread inflate into their buffer again.
 */
int kite_gzpump_lends(const struct kite_gzpump *p);
const void *kite_gzpump_lend(struct kite_gzpump *p, size_t *n);
void kite_gzpump_give_back(struct kite_gzpump *p);

/*
 * 0, or -1 when the stream is cut short, damaged or unreadable, with what went
 * wrong in *msg ("unexpected end of file", "gzip trailer: CRC mismatch"...).
 * The bytes decoded before the problem are handed out first, so the error may
 * be set while reading still gives data: read until kite_gzpump_read returns 0.
 */
int kite_gzpump_error(struct kite_gzpump *p, const char **msg);

/* Stops and joins the thread, closes the fd and frees the pump (NULL: nothing). */
void kite_gzpump_stop(struct kite_gzpump *p);

#endif
