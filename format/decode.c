/* decode.c - text rendering of parameter values by kind: numbers, flags, paths, addresses, tuples. */
#include "decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "record.h"

/* A small bounded string builder: appends never overflow, `need` counts the full length. */
struct sb {
	char *out;
	size_t cap, need;
};

static void sb_putc(struct sb *b, char c)
{
	if (b->need + 1 < b->cap) {
		b->out[b->need] = c;
		b->out[b->need + 1] = '\0';
	}
	b->need++;
}

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	for (int i = 0; i < n && i < (int)sizeof(tmp) - 1; i++)
		sb_putc(b, tmp[i]);
}

/* Printable ASCII as is; backslash, quotes and the rest as C escapes. */
static void sb_escaped(struct sb *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\\')
			sb_printf(b, "\\\\");
		else if (c == '\n')
			sb_printf(b, "\\n");
		else if (c == '\t')
			sb_printf(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(b, "\\x%02x", c);
		else
			sb_putc(b, (char)c);
	}
}

static const char *const errno_names[] = {
        [EPERM] = "EPERM",
        [ENOENT] = "ENOENT",
        [ESRCH] = "ESRCH",
        [EINTR] = "EINTR",
        [EIO] = "EIO",
        [ENXIO] = "ENXIO",
        [E2BIG] = "E2BIG",
        [ENOEXEC] = "ENOEXEC",
        [EBADF] = "EBADF",
        [ECHILD] = "ECHILD",
        [EAGAIN] = "EAGAIN",
        [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES",
        [EFAULT] = "EFAULT",
        [EBUSY] = "EBUSY",
        [EEXIST] = "EEXIST",
        [EXDEV] = "EXDEV",
        [ENODEV] = "ENODEV",
        [ENOTDIR] = "ENOTDIR",
        [EISDIR] = "EISDIR",
        [EINVAL] = "EINVAL",
        [ENFILE] = "ENFILE",
        [EMFILE] = "EMFILE",
        [ENOTTY] = "ENOTTY",
        [ETXTBSY] = "ETXTBSY",
        [EFBIG] = "EFBIG",
        [ENOSPC] = "ENOSPC",
        [ESPIPE] = "ESPIPE",
        [EROFS] = "EROFS",
        [EMLINK] = "EMLINK",
        [EPIPE] = "EPIPE",
        [ERANGE] = "ERANGE",
        [EDEADLK] = "EDEADLK",
        [ENAMETOOLONG] = "ENAMETOOLONG",
        [ENOSYS] = "ENOSYS",
        [ENOTEMPTY] = "ENOTEMPTY",
        [ELOOP] = "ELOOP",
        [ENOTSOCK] = "ENOTSOCK",
        [EDESTADDRREQ] = "EDESTADDRREQ",
        [EMSGSIZE] = "EMSGSIZE",
        [EPROTOTYPE] = "EPROTOTYPE",
        [ENOPROTOOPT] = "ENOPROTOOPT",
        [EPROTONOSUPPORT] = "EPROTONOSUPPORT",
        [EOPNOTSUPP] = "EOPNOTSUPP",
        [EAFNOSUPPORT] = "EAFNOSUPPORT",
        [EADDRINUSE] = "EADDRINUSE",
        [EADDRNOTAVAIL] = "EADDRNOTAVAIL",
        [ENETDOWN] = "ENETDOWN",
        [ENETUNREACH] = "ENETUNREACH",
        [ECONNABORTED] = "ECONNABORTED",
        [ECONNRESET] = "ECONNRESET",
        [ENOBUFS] = "ENOBUFS",
        [EISCONN] = "EISCONN",
        [ENOTCONN] = "ENOTCONN",
        [ETIMEDOUT] = "ETIMEDOUT",
        [ECONNREFUSED] = "ECONNREFUSED",
        [EHOSTUNREACH] = "EHOSTUNREACH",
        [EALREADY] = "EALREADY",
        [EINPROGRESS] = "EINPROGRESS",
        [ECANCELED] = "ECANCELED",
        [EOWNERDEAD] = "EOWNERDEAD",
};

const char *kite_errno_name(int e)
{
	if (e > 0 && (size_t)e < sizeof(errno_names) / sizeof(errno_names[0]))
		return errno_names[e];
	return NULL;
}

size_t kite_format_time(uint64_t ns, char *out, size_t outlen)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char date[40];
	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	return (size_t)snprintf(out, outlen, "%s.%09" PRIu64 "Z", date, (uint64_t)(ns % 1000000000ull));
}

static void put_ipv4(struct sb *b, const uint8_t *a, uint16_t port)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, a, ip, sizeof(ip));
	sb_printf(b, "%s:%u", ip, port);
}

static void put_ipv6(struct sb *b, const uint8_t *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, ip, sizeof(ip));
	sb_printf(b, "[%s]:%u", ip, port);
}

static void put_unix_path(struct sb *b, const uint8_t *p, size_t n)
{
	if (n > 0 && p[0] == '\0') { /* abstract socket: shown as @name, like ss(8) */
		sb_putc(b, '@');
		p++;
		n--;
	}
	sb_escaped(b, p, strnlen((const char *)p, n));
}

/* One socket address: u8 family, then the address (see docs/FORMAT.md). */
static void put_sockaddr(struct sb *b, const uint8_t *v, uint16_t len)
{
	struct kite_cursor c;
	kcur_init(&c, v, len);
	uint8_t fam = kcur_u8(&c);
	if (fam == KITE_AF_INET && len >= 7) {
		const uint8_t *a = kcur_take(&c, 4);
		put_ipv4(b, a, kcur_u16(&c));
	} else if (fam == KITE_AF_INET6 && len >= 19) {
		const uint8_t *a = kcur_take(&c, 16);
		put_ipv6(b, a, kcur_u16(&c));
	} else if (fam == KITE_AF_UNIX) {
		put_unix_path(b, v + 1, len - 1u);
	} else if (len) {
		sb_printf(b, "family %u (%u bytes)", fam, len);
	}
}

/* Both ends: u8 family, then source address and port, destination address and port. */
static void put_tuple(struct sb *b, const uint8_t *v, uint16_t len)
{
	struct kite_cursor c;
	kcur_init(&c, v, len);
	uint8_t fam = kcur_u8(&c);
	if (fam == KITE_AF_INET && len >= 13) {
		const uint8_t *sa = kcur_take(&c, 4);
		uint16_t sp = kcur_u16(&c);
		const uint8_t *da = kcur_take(&c, 4);
		uint16_t dp = kcur_u16(&c);
		put_ipv4(b, sa, sp);
		sb_printf(b, "->");
		put_ipv4(b, da, dp);
	} else if (fam == KITE_AF_INET6 && len >= 37) {
		const uint8_t *sa = kcur_take(&c, 16);
		uint16_t sp = kcur_u16(&c);
		const uint8_t *da = kcur_take(&c, 16);
		uint16_t dp = kcur_u16(&c);
		put_ipv6(b, sa, sp);
		sb_printf(b, "->");
		put_ipv6(b, da, dp);
	} else if (fam == KITE_AF_UNIX && len >= 17) {
		uint64_t src = kcur_u64(&c), dst = kcur_u64(&c);
		sb_printf(b, "%" PRIx64 "->%" PRIx64 " ", src, dst);
		put_unix_path(b, v + 17, len - 17u);
	} else if (len) {
		sb_printf(b, "family %u (%u bytes)", fam, len);
	}
}

static void put_strlist(struct sb *b, const uint8_t *v, uint16_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = strnlen((const char *)v + i, len - i);
		if (i)
			sb_putc(b, ' ');
		sb_escaped(b, v + i, n);
		i += n + 1;
	}
}

static void put_table_value(struct sb *b, const struct kite_schema *s, const struct kite_param_desc *p,
                            uint64_t u)
{
	char names[512];
	const struct kite_flag_table *t = kite_schema_table(s, p->table);
	kite_flags_format(t, u, names, sizeof(names));
	if (p->kind == KITE_K_FLAGS)
		sb_printf(b, "0x%" PRIx64 "(%s)", u, names);
	else
		sb_printf(b, "%" PRIu64 "(%s)", u, names);
}

static void put_int(struct sb *b, const struct kite_param_desc *p, const uint8_t *v, uint16_t len)
{
	uint64_t u = kite_get_u(v, len);
	int64_t i = kite_get_i(v, len);
	switch (p->kind) {
	case KITE_K_INT:
	case KITE_K_FD:
	case KITE_K_PID: sb_printf(b, "%" PRId64, i); break;
	case KITE_K_ERRNO: {
		/* errno values are 1..4095; anything below is just a negative number */
		const char *name = i < 0 && i >= -4095 ? kite_errno_name((int)-i) : NULL;
		if (name)
			sb_printf(b, "%" PRId64 "(%s)", i, name);
		else if (i >= 0 && p->fmt == KITE_FMT_HEX) /* an address returned (mmap) */
			sb_printf(b, "0x%" PRIx64, u);
		else
			sb_printf(b, "%" PRId64, i);
		break;
	}
	case KITE_K_MODE: sb_printf(b, "0%" PRIo64, u); break;
	case KITE_K_ADDR:
	case KITE_K_DEV: sb_printf(b, "0x%" PRIx64, u); break;
	default:
		if (p->fmt == KITE_FMT_HEX)
			sb_printf(b, "0x%" PRIx64, u);
		else if (p->fmt == KITE_FMT_OCT)
			sb_printf(b, "0%" PRIo64, u);
		else
			sb_printf(b, "%" PRIu64, u);
	}
}

size_t kite_param_format(const struct kite_schema *s, const struct kite_param_desc *p, const uint8_t *v,
                         uint16_t len, char *out, size_t outlen)
{
	struct sb b = {out, outlen, 0};
	if (outlen)
		out[0] = '\0';
	int is_int = len == 1 || len == 2 || len == 4 || len == 8;
	switch (p->kind) {
	case KITE_K_PATH:
	case KITE_K_RELPATH:
	case KITE_K_STRING: sb_escaped(&b, v, len); break;
	case KITE_K_BYTES: sb_escaped(&b, v, len); break;
	case KITE_K_SOCKADDR: put_sockaddr(&b, v, len); break;
	case KITE_K_TUPLE: put_tuple(&b, v, len); break;
	case KITE_K_STRLIST: put_strlist(&b, v, len); break;
	case KITE_K_FLAGS:
	case KITE_K_ENUM:
	case KITE_K_SIGNAL:
		if (is_int)
			put_table_value(&b, s, p, kite_get_u(v, len));
		break;
	case KITE_K_ABSTIME:
		if (len == 8) {
			char t[64];
			kite_format_time(kite_get_u(v, len), t, sizeof(t));
			sb_printf(&b, "%s", t);
		}
		break;
	case KITE_K_RELTIME:
		if (is_int)
			sb_printf(&b, "%" PRIu64 "ns", kite_get_u(v, len));
		break;
	default:
		if (is_int && p->kind <= KITE_K_KIND_MAX)
			put_int(&b, p, v, len);
		else if (len) /* a kind this kite does not know: show the bytes */
			sb_escaped(&b, v, len);
	}
	return b.need;
}
