/* decode.h - renders a parameter's bytes as text, according to its kind (used by dump, show and SQL). */
#ifndef KITE_DECODE_H
#define KITE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

/* Address families as encoded in SOCKADDR and TUPLE params (Linux AF_* values). */
#define KITE_AF_UNIX  1
#define KITE_AF_INET  2
#define KITE_AF_INET6 10

/*
 * Writes the text form of one parameter into out (always NUL-terminated when
 * outlen > 0) and returns the length the full text needs, like snprintf.
 * Strings and data are escaped so the output is one printable line.
 */
size_t kite_param_format(const struct kite_schema *s, const struct kite_param_desc *p, const uint8_t *v,
                         uint16_t len, char *out, size_t outlen);

/* "ENOENT" for 2; NULL when unknown. */
const char *kite_errno_name(int e);

/* Formats ns since the epoch as 2026-11-22T04:47:00.123456789Z. */
size_t kite_format_time(uint64_t ns, char *out, size_t outlen);

#endif
