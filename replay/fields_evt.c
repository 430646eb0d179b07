/* fields_evt.c - evt.* fields: time, type, result, arguments (resolved as Falco shows them), open modes, I/O. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "events.h"
#include "fields_int.h"
#include "path.h"
#include "replay.h"

#define AT_FDCWD_VALUE (-100)

/* Per field reference: where its named argument sits, per event id, for the schema last seen. */
#define CACHE_IDS 512
struct kite_field_cache {
	const struct kite_schema *schema;
	int8_t idx[CACHE_IDS]; /* -2 not looked up yet, -1 absent */
};

/* Position of param `name` in this event (cached per field reference), or -1. */
static int named_param(const struct kite_field *f, const struct kite_ctx *c, const char *name)
{
	const struct kite_event_desc *d = c->map->d;
	if (!d)
		return -1;
	struct kite_field_cache *k = f->cache;
	if (!k) {
		/* first use: the cache is owned by the field reference (released with it) */
		k = malloc(sizeof(*k));
		if (!k)
			return kite_param_index(d, name);
		((struct kite_field *)f)->cache = k;
		k->schema = NULL;
	}
	if (k->schema != c->schema) {
		memset(k->idx, -2, sizeof(k->idx));
		k->schema = c->schema;
	}
	if (d->id >= CACHE_IDS)
		return kite_param_index(d, name);
	if (k->idx[d->id] == -2)
		k->idx[d->id] = (int8_t)kite_param_index(d, name);
	return k->idx[d->id];
}

static int param_present(const struct kite_ctx *c, int i)
{
	return i >= 0 && (uint32_t)i < c->p.n && c->p.len[i] > 0;
}

static int is_int_len(uint16_t len)
{
	return len == 1 || len == 2 || len == 4 || len == 8;
}

static int kind_is_signed(unsigned kind)
{
	return kind == KITE_K_INT || kind == KITE_K_FD || kind == KITE_K_PID || kind == KITE_K_ERRNO;
}

/* The event's result as a signed number; 0 when the event has none. */
int kite_evt_res(const struct kite_ctx *c, int64_t *res)
{
	int i = c->map->res;
	if (!param_present(c, i) || !is_int_len(c->p.len[i]))
		return 0;
	*res = kite_get_i(c->p.val[i], c->p.len[i]);
	return 1;
}

/* ---- text of one argument, with values resolved ---- */

/* A path param made absolute against the cwd or its dirfd's directory; NULL if it is absolute already. */
static const char *resolved_path(struct kite_ctx *c, const struct kite_param_desc *p, int i, size_t *len)
{
	const char *v = (const char *)c->p.val[i];
	size_t n = strnlen(v, c->p.len[i]);
	if (n > 0 && v[0] == '/')
		return NULL;
	const char *base = c->proc && c->proc->cwd ? c->proc->cwd : NULL;
	if (p->kind == KITE_K_RELPATH && p->ref != KITE_NOREF && param_present(c, p->ref)) {
		int64_t dirfd = kite_get_i(c->p.val[p->ref], c->p.len[p->ref]);
		if (dirfd != AT_FDCWD_VALUE) {
			const struct kite_fd *d = c->proc ? kite_proc_fd(c->proc, dirfd) : NULL;
			base = d ? d->name : NULL;
		}
	}
	if (!base)
		return NULL;
	size_t cap = strlen(base) + n + 2;
	char *out = kite_arena_alloc(&c->arena, cap);
	*len = kite_path_join(base, strlen(base), v, n, out, cap);
	return out;
}

const char *kite_evt_path(struct kite_ctx *c, int i, size_t *len)
{
	if (!param_present(c, i))
		return NULL;
	const struct kite_param_desc *p = &c->map->d->params[i];
	const char *s = resolved_path(c, p, i, len);
	if (!s) {
		s = (const char *)c->p.val[i];
		*len = strnlen(s, c->p.len[i]);
	}
	return s;
}

/* A copy of a NUL-terminated string in the event's arena. */
static const char *arena_cstr(struct kite_ctx *c, const char *s, size_t *len)
{
	*len = strlen(s);
	return kite_arena_strndup(&c->arena, s, *len);
}

static const char *fd_resolved(struct kite_ctx *c, int64_t fd, size_t *len)
{
	if (fd == AT_FDCWD_VALUE)
		return arena_cstr(c, "AT_FDCWD", len);
	if (fd < 0) { /* a failed call's result: libsinsp shows the errno's name, "fd=-2(ENOENT)" */
		const char *e = fd >= -4095 ? kite_errno_name((int)-fd) : NULL;
		return e ? arena_cstr(c, e, len) : NULL;
	}
	const struct kite_fd *f = c->proc ? kite_proc_fd(c->proc, fd) : NULL;
	if (fd == c->fdnum && c->fd)
		f = c->fd;
	if (!f)
		return NULL;
	size_t n = f->name ? strlen(f->name) : 0;
	char *s = kite_arena_alloc(&c->arena, n + 4);
	if (!s)
		return NULL;
	s[0] = '<';
	s[1] = kite_fd_typechar(f->type);
	s[2] = '>';
	memcpy(s + 3, f->name ? f->name : "", n + 1);
	*len = n + 3;
	return s;
}

static const char *table_text(struct kite_ctx *c, const struct kite_param_desc *p, uint64_t v, size_t *len)
{
	const struct kite_flag_table *t = kite_schema_table(c->schema, p->table);
	char names[512];
	size_t n = kite_flags_format(t, v, names, sizeof(names));
	if (n == 0 || n >= sizeof(names))
		return NULL;
	*len = n;
	return kite_arena_strndup(&c->arena, names, n);
}

/* Falco's "resolved" form of an argument (flag names, user names, absolute paths), NULL when none. */
static const char *arg_resolved(struct kite_ctx *c, const struct kite_param_desc *p, int i, size_t *len)
{
	const uint8_t *v = c->p.val[i];
	uint16_t n = c->p.len[i];
	switch (p->kind) {
	case KITE_K_PATH:
	case KITE_K_RELPATH: return resolved_path(c, p, i, len);
	case KITE_K_FD: return is_int_len(n) ? fd_resolved(c, kite_get_i(v, n), len) : NULL;
	case KITE_K_ERRNO: {
		int64_t r = is_int_len(n) ? kite_get_i(v, n) : 0;
		const char *e = r < 0 && r >= -4095 ? kite_errno_name((int)-r) : NULL;
		return e ? arena_cstr(c, e, len) : NULL;
	}
	case KITE_K_FLAGS:
	case KITE_K_ENUM:
	case KITE_K_SIGNAL: return is_int_len(n) ? table_text(c, p, kite_get_u(v, n), len) : NULL;
	case KITE_K_MODE: /* named bits where the table gives names (chmod), as libsinsp's PT_MODE */
		return p->table && is_int_len(n) ? table_text(c, p, kite_get_u(v, n), len) : NULL;
	case KITE_K_UID: {
		const struct kite_user *u =
		        is_int_len(n) ? kite_state_user(c->state, (uint32_t)kite_get_u(v, n)) : NULL;
		return u && u->name ? arena_cstr(c, u->name, len) : NULL;
	}
	case KITE_K_GID: {
		const struct kite_group *g =
		        is_int_len(n) ? kite_state_group(c->state, (uint32_t)kite_get_u(v, n)) : NULL;
		return g && g->name ? arena_cstr(c, g->name, len) : NULL;
	}
	case KITE_K_PID: { /* a thread the state knows: its name, as libsinsp shows "ptid=3200(bash)" */
		int64_t id = is_int_len(n) ? kite_get_i(v, n) : 0;
		const struct kite_thread *t = id > 0 ? kite_state_thread(c->state, id) : NULL;
		return t && t->proc && t->proc->comm[0] ? arena_cstr(c, t->proc->comm, len) : NULL;
	}
	default: return NULL;
	}
}

/*
 * The plain text of an argument: numbers as numbers, strings as they are.  A
 * number's text is written in tmp (KITE_VAL_TMP bytes), which must live as
 * long as the text is used.
 */
static const char *arg_plain(struct kite_ctx *c, const struct kite_param_desc *p, int i, size_t *len,
                             char *tmp)
{
	const uint8_t *v = c->p.val[i];
	uint16_t n = c->p.len[i];
	char *end = tmp + KITE_VAL_TMP, *d;
	switch (p->kind) {
	case KITE_K_PATH:
	case KITE_K_RELPATH:
	case KITE_K_STRING: *len = strnlen((const char *)v, n); return (const char *)v;
	case KITE_K_MODE: /* "0" and the octal digits, as printf's "0%o" */
		d = kite_u64_digits(end, kite_get_u(v, n), 8);
		*--d = '0';
		*len = (size_t)(end - d);
		return d;
	default:
		if (is_int_len(n) && p->kind != KITE_K_BYTES && p->kind != KITE_K_SOCKADDR &&
		    p->kind != KITE_K_TUPLE && p->kind != KITE_K_STRLIST && p->kind != KITE_K_ABSTIME) {
			if (kind_is_signed(p->kind)) {
				d = kite_i64_digits(end, kite_get_i(v, n));
			} else if (p->fmt == KITE_FMT_HEX) {
				d = kite_u64_digits(end, kite_get_u(v, n), 16);
				*--d = 'x';
				*--d = '0';
			} else {
				d = kite_u64_digits(end, kite_get_u(v, n), 10);
			}
			*len = (size_t)(end - d);
			return d;
		}
		size_t need = kite_param_format(c->schema, p, v, n, NULL, 0) + 1;
		char *s = kite_arena_alloc(&c->arena, need);
		*len = kite_param_format(c->schema, p, v, n, s, need);
		return s;
	}
}

/* evt.arg.NAME: the resolved form when there is one, else the plain one (as libsinsp). */
static unsigned arg_value(struct kite_ctx *c, int i, struct kite_val *o)
{
	if (!param_present(c, i))
		return 0;
	const struct kite_param_desc *p = &c->map->d->params[i];
	size_t len = 0;
	const char *s = arg_resolved(c, p, i, &len);
	char *tmp = s ? NULL : kite_arena_alloc(&c->arena, KITE_VAL_TMP);
	if (!s && !tmp)
		return 0;
	if (!s)
		s = arg_plain(c, p, i, &len, tmp);
	return put_str(o, s, len);
}

/* evt.rawarg.NAME: integers as integers, everything else as its plain text. */
static unsigned rawarg_value(struct kite_ctx *c, int i, struct kite_val *o)
{
	if (!param_present(c, i))
		return 0;
	const struct kite_param_desc *p = &c->map->d->params[i];
	uint16_t n = c->p.len[i];
	int textual = p->kind == KITE_K_PATH || p->kind == KITE_K_RELPATH || p->kind == KITE_K_STRING ||
	              p->kind == KITE_K_BYTES || p->kind == KITE_K_SOCKADDR || p->kind == KITE_K_TUPLE ||
	              p->kind == KITE_K_STRLIST;
	if (!textual && is_int_len(n)) {
		if (kind_is_signed(p->kind))
			return put_i(o, kite_get_i(c->p.val[i], n));
		return put_u(o, kite_get_u(c->p.val[i], n));
	}
	size_t len = 0;
	char *tmp = kite_arena_alloc(&c->arena, KITE_VAL_TMP);
	const char *s = tmp ? arg_plain(c, p, i, &len, tmp) : NULL;
	return s ? put_str(o, s, len) : 0;
}

/* One "name=value" of evt.args, sysdig style: fds as 3(<f>/path), resolved values in parentheses. */
static void append_arg(struct kite_ctx *c, char **buf, size_t *n, size_t *cap, int i)
{
	const struct kite_param_desc *p = &c->map->d->params[i];
	size_t plen = 0, rlen = 0;
	char tmp[KITE_VAL_TMP]; /* a number's text, copied below */
	const char *plain = c->p.len[i] ? arg_plain(c, p, i, &plen, tmp) : "";
	const char *res = c->p.len[i] ? arg_resolved(c, p, i, &rlen) : NULL;
	if (!plain) { /* the arena is out of memory */
		plain = "";
		plen = 0;
	}
	size_t nlen = strlen(p->name);
	size_t need = nlen + plen + rlen + 5; /* ' ' name '=' plain '(' res ')' NUL */
	if (*n + need > *cap) {
		size_t ncap = (*cap + need) * 2;
		char *nb = kite_arena_alloc(&c->arena, ncap);
		if (!nb)
			return;
		memcpy(nb, *buf, *n);
		*buf = nb;
		*cap = ncap;
	}
	char *o = *buf + *n;
	if (*n)
		*o++ = ' ';
	/* names and values are mostly short: copied inline, not by calls into the C library */
	kite_copy_small((uint8_t *)o, (const uint8_t *)p->name, (uint32_t)nlen);
	o += nlen;
	*o++ = '=';
	kite_copy_small((uint8_t *)o, (const uint8_t *)plain, (uint32_t)plen);
	o += plen;
	if (res) {
		*o++ = '(';
		kite_copy_small((uint8_t *)o, (const uint8_t *)res, (uint32_t)rlen);
		o += rlen;
		*o++ = ')';
	}
	*o = '\0';
	*n = (size_t)(o - *buf);
}

static unsigned args_text(struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	if (!d)
		return 0;
	size_t cap = 256, n = 0;
	char *buf = kite_arena_alloc(&c->arena, cap);
	buf[0] = '\0';
	for (uint32_t i = 0; i < c->p.n && i < d->nparams; i++)
		append_arg(c, &buf, &n, &cap, (int)i);
	return put_str(o, buf, n);
}

/* ---- time ---- */

/*
 * The local time of second s ("%H:%M:%S", or with the date), remembered for the next call:
 * events come thousands to a second, and localtime_r with strftime cost more than the rest
 * of an output line.  Per thread, as the extension may run queries on several.
 */
static const char *second_text(time_t s, int date, size_t *n)
{
	static _Thread_local struct {
		time_t s;
		int date, valid;
		size_t n;
		char b[48];
	} last;
	if (!last.valid || last.s != s || last.date != date) {
		struct tm tm;
		localtime_r(&s, &tm);
		last.n = strftime(last.b, sizeof(last.b), date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
		last.s = s;
		last.date = date;
		last.valid = 1;
	}
	*n = last.n;
	return last.b;
}

static const char *time_text(struct kite_ctx *c, uint64_t ts, int date, int frac, size_t *len)
{
	size_t n;
	const char *sec = second_text((time_t)(ts / 1000000000ull), date, &n);
	char *out = kite_arena_alloc(&c->arena, n + 11);
	if (!out)
		return NULL;
	memcpy(out, sec, n);
	if (frac) { /* ".%09u", the nanoseconds */
		char *d = kite_u64_digits(out + n + 10, ts % UINT64_C(1000000000), 10);
		while (d > out + n + 1)
			*--d = '0';
		out[n] = '.';
		n += 10;
	}
	out[n] = '\0';
	*len = n;
	return out;
}

static const char *iso_text(struct kite_ctx *c, uint64_t ts, size_t *len)
{
	time_t s = (time_t)(ts / 1000000000ull);
	struct tm tm;
	localtime_r(&s, &tm);
	char b[64], z[16];
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	return kite_arena_printf(&c->arena, len, "%s.%09" PRIu64 "%s", b, ts % UINT64_C(1000000000), z);
}

/* ---- open modes ---- */

static int is_open_event(const struct kite_ctx *c)
{
	unsigned id = c->map->d ? c->map->d->id : 0;
	return id == KITE_EVT_OPEN || id == KITE_EVT_OPENAT || id == KITE_EVT_OPENAT2 || id == KITE_EVT_CREAT;
}

static int open_flags(const struct kite_ctx *c, uint64_t *flags)
{
	if (c->map->d && c->map->d->id == KITE_EVT_CREAT) {
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		return 1;
	}
	int i = c->map->flags;
	if (!param_present(c, i) || !is_int_len(c->p.len[i]))
		return 0;
	*flags = kite_get_u(c->p.val[i], c->p.len[i]);
	return 1;
}

static unsigned open_mode_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	uint64_t fl;
	if (!is_open_event(c) || !open_flags(c, &fl))
		return put_bool(o, 0);
	unsigned acc = (unsigned)(fl & O_ACCMODE);
	switch (f->def->id) {
	case EF_IS_OPEN_READ: return put_bool(o, acc == O_RDONLY || acc == O_RDWR);
	case EF_IS_OPEN_WRITE: return put_bool(o, acc == O_WRONLY || acc == O_RDWR);
	case EF_IS_OPEN_CREATE: return put_bool(o, (fl & O_CREAT) != 0);
	default: { /* EF_IS_OPEN_EXEC: creates a file with an execute bit */
		int mi = kite_param_index(c->map->d, "mode");
		uint64_t mode = param_present(c, mi) ? kite_get_u(c->p.val[mi], c->p.len[mi]) : 0;
		return put_bool(o, (fl & O_CREAT) && (mode & 0111));
	}
	}
}

/* ---- paths named by the event ---- */

static unsigned path_param(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, const char *a,
                           const char *b)
{
	int i = named_param(f, c, a);
	if (i < 0 && b) {
		/* a second name: evt.abspath.src is oldpath or target; one cache holds one name, so look up */
		i = c->map->d ? kite_param_index(c->map->d, b) : -1;
	}
	size_t len = 0;
	const char *s = kite_evt_path(c, i, &len);
	return s ? put_str(o, s, len) : 0;
}

/* evt.abspath: the first path parameter, absolute. */
static unsigned first_path(struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	for (uint32_t i = 0; d && i < d->nparams && i < c->p.n; i++) {
		unsigned kind = d->params[i].kind;
		size_t len = 0;
		const char *s =
		        kind == KITE_K_PATH || kind == KITE_K_RELPATH ? kite_evt_path(c, (int)i, &len) : NULL;
		if (s)
			return put_str(o, s, len);
	}
	return 0;
}

static unsigned io_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	unsigned cat = c->map->d ? c->map->d->category : 0;
	int rd = cat == KITE_CAT_IO_READ, wr = cat == KITE_CAT_IO_WRITE;
	switch (f->def->id) {
	case EF_IS_IO: return put_bool(o, rd || wr);
	case EF_IS_IO_READ: return put_bool(o, rd);
	case EF_IS_IO_WRITE: return put_bool(o, wr);
	default: return rd ? put_str(o, "r", 1) : wr ? put_str(o, "w", 1) : 0; /* EF_IO_DIR */
	}
}

static unsigned result_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	int64_t r;
	if (!kite_evt_res(c, &r))
		return 0;
	const struct kite_param_desc *p = &c->map->d->params[c->map->res];
	int failed = r < 0 && r >= -4095 && !(p->fmt == KITE_FMT_HEX && r < -4095);
	switch (f->def->id) {
	case EF_RAWRES: return put_i(o, r);
	case EF_FAILED: return put_bool(o, failed);
	default: { /* EF_RES */
		if (!failed)
			return put_str(o, "SUCCESS", 7);
		const char *e = kite_errno_name((int)-r);
		size_t len;
		return e ? put_cstr(o, e) : put_cstr(o, kite_arena_printf(&c->arena, &len, "%" PRId64, r));
	}
	}
}

static unsigned buffer_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	int i = named_param(f, c, "data");
	if (i < 0 || (uint32_t)i >= c->p.n)
		return 0;
	if (f->def->id == EF_BUFFER) {
		o->type = KITE_VT_BYTES;
		o->s = (const char *)c->p.val[i];
		o->len = c->p.len[i];
		return 1;
	}
	int64_t r;
	if (kite_evt_res(c, &r) && r >= 0)
		return put_u(o, (uint64_t)r);
	return 0;
}

static unsigned argument_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	if (!c->map->d)
		return 0;
	int i = f->argstr ? named_param(f, c, f->argstr) : (int)f->argn;
	if (i < 0 || (uint32_t)i >= c->map->d->nparams)
		return 0;
	return f->def->id == EF_RAWARG ? rawarg_value(c, i, o) : arg_value(c, i, o);
}

static unsigned time_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	uint64_t ts = c->e->ts;
	size_t len = 0;
	const char *s;
	switch (f->def->id) {
	case EF_TIME:
	case EF_OUTPUTTIME: s = time_text(c, ts, 0, 1, &len); break;
	case EF_TIME_S: s = time_text(c, ts, 0, 0, &len); break;
	case EF_DATETIME: s = time_text(c, ts, 1, 1, &len); break;
	case EF_DATETIME_S: s = time_text(c, ts, 1, 0, &len); break;
	default: s = iso_text(c, ts, &len); break; /* EF_TIME_ISO */
	}
	return put_str(o, s, len);
}

/*
 * evt.is_syslog: a write on the syslog socket.  libsinsp looks for "/dev/log"
 * in the fd's name (on the write's enter event, which an exit-only capture
 * folds into the exit).
 */
static unsigned syslog_field(struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	int is_write = d && !strcmp(d->name, "write");
	return put_bool(o, is_write && c->fd && c->fd->name && strstr(c->fd->name, "/dev/log"));
}

static int is_socket_type(unsigned t)
{
	return t == KITE_FD_IPV4_SOCK || t == KITE_FD_IPV6_SOCK || t == KITE_FD_UNIX_SOCK;
}

/* Which evt.count.error.* family a failed event belongs to: by its fd's type, else by what the call does. */
static unsigned error_family(const struct kite_ctx *c)
{
	const struct kite_event_desc *d = c->map->d;
	unsigned cat = d ? d->category : 0;
	if (c->fd) {
		if (c->fd->type == KITE_FD_FILE || c->fd->type == KITE_FD_DIRECTORY)
			return EF_COUNT_ERROR_FILE;
		if (is_socket_type(c->fd->type))
			return EF_COUNT_ERROR_NET;
	} else if (d && (d->flags & KITE_EF_CREATES_FD) &&
	           (!strncmp(d->name, "open", 4) || !strcmp(d->name, "creat"))) {
		return EF_COUNT_ERROR_FILE; /* a failed open has no fd */
	} else if (cat == KITE_CAT_NET) {
		return EF_COUNT_ERROR_NET;
	}
	return cat == KITE_CAT_MEMORY ? EF_COUNT_ERROR_MEMORY : EF_COUNT_ERROR_OTHER;
}

/* evt.count.error[.file|.net|.memory|.other]: 1 for a failed call of that family, else missing (as libsinsp). */
static unsigned error_count(unsigned id, struct kite_ctx *c, struct kite_val *o)
{
	int64_t r;
	if (!kite_evt_res(c, &r) || r >= 0)
		return 0;
	return id == EF_COUNT_ERROR || id == error_family(c) ? put_u(o, 1) : 0;
}

/*
 * fs.path.*: which argument is the path, the source and the target of each
 * file system call, as libsinsp's fspath checks map them ("fd": the fd's
 * name).  Note link's source is newpath and its target oldpath, as there.
 */
struct fspath_row {
	const char *evt, *name, *source, *target;
};

static const struct fspath_row fspath_rows[] = {
        {"mkdir", "path", NULL, NULL},
        {"mkdirat", "path", NULL, NULL},
        {"rmdir", "path", NULL, NULL},
        {"unlink", "path", NULL, NULL},
        {"unlinkat", "name", NULL, NULL},
        {"open", "name", NULL, NULL},
        {"openat", "name", NULL, NULL},
        {"openat2", "name", NULL, NULL},
        {"fchmodat", "filename", NULL, NULL},
        {"chmod", "filename", NULL, NULL},
        {"fchmod", "fd", NULL, NULL},
        {"chown", "path", NULL, NULL},
        {"lchown", "path", NULL, NULL},
        {"fchown", "fd", NULL, NULL},
        {"fchownat", "pathname", NULL, NULL},
        {"quotactl", "special", NULL, NULL},
        {"umount", "name", NULL, NULL},
        {"umount2", "name", NULL, NULL},
        {"rename", NULL, "oldpath", "newpath"},
        {"renameat", NULL, "oldpath", "newpath"},
        {"renameat2", NULL, "oldpath", "newpath"},
        {"link", NULL, "newpath", "oldpath"},
        {"linkat", NULL, "newpath", "oldpath"},
        {"symlink", NULL, "linkpath", "target"},
        {"symlinkat", NULL, "linkpath", "target"},
        {"mount", NULL, "dev", "dir"},
};

static const struct fspath_row *fspath_row(const struct kite_event_desc *d)
{
	for (size_t i = 0; d && i < sizeof(fspath_rows) / sizeof(fspath_rows[0]); i++)
		if (!strcmp(fspath_rows[i].evt, d->name))
			return &fspath_rows[i];
	return NULL;
}

/* The argument as the call gave it: "fd" is the fd's name. */
static const char *fspath_raw(struct kite_ctx *c, const char *param, size_t *len)
{
	if (!strcmp(param, "fd")) {
		if (!c->fd || !c->fd->name)
			return NULL;
		*len = strlen(c->fd->name);
		return c->fd->name;
	}
	int i = kite_param_index(c->map->d, param);
	if (!param_present(c, i))
		return NULL;
	const char *s = (const char *)c->p.val[i];
	*len = strnlen(s, c->p.len[i]);
	return s;
}

/*
 * Only for successful calls (opens: a valid fd; the rest: 0).  The non-raw
 * forms make a relative path absolute against the cwd, as libsinsp does
 * (not against the dirfd).
 */
static unsigned fspath_field(unsigned id, struct kite_ctx *c, struct kite_val *o)
{
	const struct fspath_row *row = fspath_row(c->map->d);
	int64_t r;
	if (!row || !kite_evt_res(c, &r))
		return 0;
	int opens = (c->map->d->flags & KITE_EF_CREATES_FD) != 0;
	if (opens ? r < 0 : r != 0)
		return 0;
	const char *param = id == FS_NAME || id == FS_NAMERAW       ? row->name
	                    : id == FS_SOURCE || id == FS_SOURCERAW ? row->source
	                                                            : row->target;
	size_t len = 0;
	const char *s = param ? fspath_raw(c, param, &len) : NULL;
	if (!s)
		return 0;
	int raw = id == FS_NAMERAW || id == FS_SOURCERAW || id == FS_TARGETRAW;
	if (raw || (len && s[0] == '/') || !c->proc || !c->proc->cwd)
		return raw || (len && s[0] == '/') ? put_str(o, s, len) : 0;
	size_t cap = strlen(c->proc->cwd) + len + 2;
	char *out = kite_arena_alloc(&c->arena, cap);
	size_t n = kite_path_join(c->proc->cwd, strlen(c->proc->cwd), s, len, out, cap);
	return put_str(o, out, n);
}

/* The capture's start for evt.reltime: the header's, or the event's own time when the header has none (or a later one). */
static uint64_t capture_start(const struct kite_ctx *c)
{
	const struct kite_source *src = c->src;
	return src && src->start_ts && src->start_ts <= c->e->ts ? src->start_ts : c->e->ts;
}

int kite_field_by_type(const struct kite_field *f)
{
	if (!f->def || f->def->extract != kite_evt_fields)
		return 0;
	switch (f->def->id) {
	case EF_DIR:
	case EF_TYPE:
	case EF_TYPE_IS:
	case EF_CATEGORY:
	case EF_SYSCALL_TYPE: return 1; /* kite_evt_fields reads c->map->d alone for these */
	default: return 0;
	}
}

/* kite_evt_fields but for the fields read straight from the ctx: a call of its own, with its large frame. */
__attribute__((noinline)) static unsigned evt_fields(const struct kite_field *f, struct kite_ctx *c,
                                                     struct kite_val *o)
{
	const struct kite_source *src = c->src;
	const struct kite_event_desc *d = c->map->d;
	switch (f->def->id) {
	case EF_TIME:
	case EF_TIME_S:
	case EF_TIME_ISO:
	case EF_DATETIME:
	case EF_DATETIME_S:
	case EF_OUTPUTTIME: return time_field(f, c, o);
	case EF_RELTIME: return put_typed_u(o, KITE_VT_RELTIME, c->e->ts - capture_start(c));
	case EF_RELTIME_S: return put_u(o, (c->e->ts - capture_start(c)) / 1000000000ull);
	case EF_RELTIME_NS: return put_u(o, (c->e->ts - capture_start(c)) % 1000000000ull);
	case EF_DIR: /* events Falco has only as enter events (procexit, container, useradded...): '>' */
		return put_str(o, d && (d->id == KITE_EVT_PROCEXIT || (d->flags & KITE_EF_ENTER)) ? ">" : "<",
		               1);
	case EF_TYPE: return d ? put_cstr(o, d->name) : put_str(o, "unknown", 7);
	case EF_TYPE_IS: return put_bool(o, d && !strcmp(d->name, f->argstr));
	case EF_ARGS:
	case EF_INFO: return args_text(c, o);
	case EF_ARG:
	case EF_RAWARG: return argument_field(f, c, o);
	case EF_RES:
	case EF_RAWRES:
	case EF_FAILED: return result_field(f, c, o);
	case EF_IS_IO:
	case EF_IS_IO_READ:
	case EF_IS_IO_WRITE:
	case EF_IO_DIR: return io_field(f, c, o);
	case EF_CATEGORY: return put_cstr(o, kite_category_name(d ? d->category : 0));
	case EF_COUNT: return put_u(o, 1);
	case EF_HOSTNAME: return src ? put_cstr(o, src->hostname) : 0;
	case EF_IS_OPEN_READ:
	case EF_IS_OPEN_WRITE:
	case EF_IS_OPEN_EXEC:
	case EF_IS_OPEN_CREATE: return open_mode_field(f, c, o);
	case EF_BUFFER:
	case EF_BUFLEN: return buffer_field(f, c, o);
	case EF_ABSPATH: return first_path(c, o);
	case EF_ABSPATH_SRC: return path_param(f, c, o, "oldpath", "target");
	case EF_ABSPATH_DST: return path_param(f, c, o, "newpath", "linkpath");
	case EF_SOURCE: return put_str(o, "syscall", 7);
	case EF_IS_ASYNC: return put_bool(o, 0);
	case EF_SYSCALL_TYPE: return d && (d->flags & KITE_EF_SYSCALL) ? put_cstr(o, d->name) : 0;
	case EF_IS_SYSLOG: return syslog_field(c, o);
	case EF_COUNT_ERROR:
	case EF_COUNT_ERROR_FILE:
	case EF_COUNT_ERROR_NET:
	case EF_COUNT_ERROR_MEMORY:
	case EF_COUNT_ERROR_OTHER: return error_count(f->def->id, c, o);
	case EF_COUNT_EXIT: /* every kite event is an exit, but those Falco has only as enter events */
		return d && (d->id == KITE_EVT_PROCEXIT || (d->flags & KITE_EF_ENTER)) ? 0 : put_u(o, 1);
	case FS_NAME:
	case FS_NAMERAW:
	case FS_SOURCE:
	case FS_SOURCERAW:
	case FS_TARGET:
	case FS_TARGETRAW: return fspath_field(f->def->id, c, o);
	default: return 0; /* evt.latency, evt.pluginname: nothing in an exit-only syscall capture */
	}
}

unsigned kite_evt_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max)
{
	(void)max;
	/* the numbers of the record and the ctx: asked for at every line printed, they need no frame */
	switch (f->def->id) {
	case EF_NUM: return put_u(o, c->num);
	case EF_RAWTIME: return put_typed_u(o, KITE_VT_ABSTIME, c->e->ts);
	case EF_RAWTIME_S: return put_u(o, c->e->ts / 1000000000ull);
	case EF_RAWTIME_NS: return put_u(o, c->e->ts % UINT64_C(1000000000));
	case EF_DELTATIME: return put_typed_u(o, KITE_VT_RELTIME, kite_ctx_delta(c));
	case EF_DELTATIME_S: return put_typed_u(o, KITE_VT_RELTIME, kite_ctx_delta(c) / 1000000000ull);
	case EF_DELTATIME_NS: return put_typed_u(o, KITE_VT_RELTIME, kite_ctx_delta(c) % 1000000000ull);
	case EF_CPU: return put_u(o, c->e->cpu);
	default: return evt_fields(f, c, o);
	}
}
