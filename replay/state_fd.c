/* state_fd.c - fd tables, and the events that open, duplicate and close fds (files, pipes, memfds, ...). */
#include "state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "events.h"
#include "path.h"

#define AT_FDCWD_ (-100) /* the same number on every Linux architecture */
#define ACCMODE   3u     /* O_ACCMODE */

/* ---- tables ---- */

struct kite_fdtable *fdt_new(void)
{
	struct kite_fdtable *t = state_alloc(sizeof(*t));
	t->refs = 1;
	return t;
}

struct kite_fd *fdt_get(const struct kite_fdtable *t, int64_t num)
{
	if (num < 0)
		return NULL;
	if (num < t->cap)
		return t->dense[num];
	if (num < KITE_FD_DENSE)
		return NULL;
	for (uint32_t i = 0; i < t->nfar; i++)
		if (t->far[i]->num == num)
			return t->far[i];
	return NULL;
}

/* Takes fd num out of the table: the fd itself is left to the caller. */
static inline struct kite_fd *fdt_take(struct kite_fdtable *t, int64_t num)
{
	struct kite_fd *f = NULL;
	if (num < 0)
		return NULL;
	if (num < t->cap) {
		f = t->dense[num];
		t->dense[num] = NULL;
	} else if (num >= KITE_FD_DENSE) {
		for (uint32_t i = 0; i < t->nfar && !f; i++)
			if (t->far[i]->num == num) {
				f = t->far[i];
				t->far[i] = t->far[--t->nfar];
			}
	}
	if (f)
		t->count--;
	return f;
}

/* An array of fd pointers grown to cap: the used ones moved over, the rest NULL (the old array freed). */
static struct kite_fd **fds_grow(struct kite_fd **old, uint32_t used, uint32_t cap)
{
	struct kite_fd **d = state_alloc(cap * sizeof(*d));
	if (used)
		memcpy(d, old, used * sizeof(*d));
	free(old);
	return d;
}

/* Puts f at its number; the slot must be free. */
static void fdt_set(struct kite_fdtable *t, struct kite_fd *f)
{
	int64_t num = f->num;
	if (num < KITE_FD_DENSE) {
		if (num >= t->cap) {
			uint32_t cap = t->cap ? t->cap : 16;
			while (cap <= num)
				cap *= 2;
			if (cap > KITE_FD_DENSE)
				cap = KITE_FD_DENSE;
			t->dense = fds_grow(t->dense, t->cap, cap);
			t->cap = cap;
		}
		t->dense[num] = f;
	} else {
		if (t->nfar == t->farcap) {
			uint32_t cap = t->farcap ? t->farcap * 2 : 8;
			t->far = fds_grow(t->far, t->nfar, cap);
			t->farcap = cap;
		}
		t->far[t->nfar++] = f;
	}
	t->count++;
}

/* Calls fn on every fd; fn may take the fd it is given out of the table. */
static void fdt_each(struct kite_fdtable *t, void (*fn)(void *ctx, struct kite_fd *f), void *ctx)
{
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->dense[i])
			fn(ctx, t->dense[i]);
	for (uint32_t i = t->nfar; i-- > 0;)
		if (i < t->nfar)
			fn(ctx, t->far[i]);
}

struct kite_fd *fd_alloc(struct kite_state *s, int64_t num, uint8_t type, uint64_t ts)
{
	/* copied from a blank one: gcc turns zeroing the struct in place into a slow `rep stos` */
	static const struct kite_fd blank;
	struct kite_fd *f = s->nspare_fds ? s->spare_fds[--s->nspare_fds] : state_alloc(sizeof(*f));
	*f = blank;
	f->num = num;
	f->type = type;
	f->open_ts = ts;
	return f;
}

struct kite_fd *fd_dup(struct kite_state *s, const struct kite_fd *o, int64_t num)
{
	struct kite_fd *f = fd_alloc(s, num, o->type, o->open_ts);
	*f = *o;
	f->num = num;
	f->name = kstr_ref(o->name);
	f->nameraw = kstr_ref(o->nameraw);
	f->name_changed = 0;
	return f;
}

static void stats_fds(struct kite_state *s, int64_t delta)
{
	s->st.fds += (uint64_t)delta;
	if (s->st.fds > s->st.max_fds)
		s->st.max_fds = s->st.fds;
}

struct kite_fdtable *fdt_copy(struct kite_state *s, const struct kite_fdtable *t)
{
	struct kite_fdtable *n = fdt_new();
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->dense[i])
			fdt_set(n, fd_dup(s, t->dense[i], i));
	for (uint32_t i = 0; i < t->nfar; i++)
		fdt_set(n, fd_dup(s, t->far[i], t->far[i]->num));
	stats_fds(s, n->count);
	return n;
}

void fdt_release(struct kite_state *s, struct kite_fdtable *t)
{
	if (--t->refs)
		return;
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->dense[i])
			fd_free(s, t->dense[i]);
	for (uint32_t i = 0; i < t->nfar; i++)
		fd_free(s, t->far[i]);
	stats_fds(s, -(int64_t)t->count);
	free(t->dense);
	free(t->far);
	free(t);
}

/* ---- opening and closing ---- */

/* Room for more fds in the list freed at settle. */
__attribute__((noinline)) static void dead_fds_grow(struct kite_state *s)
{
	uint32_t cap = s->dead_fds_cap ? s->dead_fds_cap * 2 : 16;
	s->dead_fds = fds_grow(s->dead_fds, s->ndead_fds, cap);
	s->dead_fds_cap = cap;
}

/*
 * f has left p's table: the hook sees it, and it lives on until settle (ctx->fd
 * of a close).  Inline: once per close.
 */
static inline void fd_retire(struct kite_state *s, struct proc *p, struct kite_fd *f,
                             const struct kite_ctx *c)
{
	stats_fds(s, -1);
	if (s->hooks.fd_close)
		s->hooks.fd_close(s->hooks.ctx, &p->pub, f, c);
	if (s->ndead_fds == s->dead_fds_cap)
		dead_fds_grow(s);
	s->dead_fds[s->ndead_fds++] = f;
	s->pending = 1;
}

/* fd_install when f's slot is taken or not in the dense array yet. */
__attribute__((noinline)) static void install_slow(struct kite_state *s, struct proc *p, struct kite_fd *f,
                                                   const struct kite_ctx *c)
{
	struct kite_fdtable *t = p->pub.fdt;
	struct kite_fd *old = fdt_take(t, f->num);
	if (old)
		fd_retire(s, p, old, c); /* dup2 over it, or a close we did not see */
	fdt_set(t, f);
}

/* fd_install, inline for the opens of this file (one per open event). */
static inline void install(struct kite_state *s, struct proc *p, struct kite_fd *f, const struct kite_ctx *c)
{
	struct kite_fdtable *t = p->pub.fdt;
	if (f->num >= 0 && f->num < t->cap && !t->dense[f->num]) { /* the common case: a free dense slot */
		t->dense[f->num] = f;
		t->count++;
	} else {
		install_slow(s, p, f, c);
	}
	stats_fds(s, 1);
}

int fd_install(struct kite_state *s, struct proc *p, struct kite_fd *f, const struct kite_ctx *c)
{
	install(s, p, f, c);
	return 0;
}

/* fd_close, inline for the close events (fd_apply). */
static inline struct kite_fd *close_fd(struct kite_state *s, struct proc *p, int64_t num,
                                       const struct kite_ctx *c)
{
	struct kite_fd *f = fdt_take(p->pub.fdt, num);
	if (f)
		fd_retire(s, p, f, c);
	return f;
}

struct kite_fd *fd_close(struct kite_state *s, struct proc *p, int64_t num, const struct kite_ctx *c)
{
	return close_fd(s, p, num, c);
}

struct each_ctx {
	struct kite_state *s;
	struct proc *p;
	const struct kite_ctx *c;
	uint64_t first, last; /* close_range */
	uint64_t cloexec;
	int mark;
};

static void close_if_cloexec(void *ctx, struct kite_fd *f)
{
	struct each_ctx *e = ctx;
	if (f->flags & e->cloexec)
		fd_close(e->s, e->p, f->num, e->c);
}

void fd_close_cloexec(struct kite_state *s, struct proc *p, const struct kite_ctx *c)
{
	struct each_ctx e = {.s = s, .p = p, .c = c, .cloexec = state_consts(s)->o_cloexec};
	fdt_each(p->pub.fdt, close_if_cloexec, &e);
}

static void hook_close(void *ctx, struct kite_fd *f)
{
	struct each_ctx *e = ctx;
	e->s->hooks.fd_close(e->s->hooks.ctx, &e->p->pub, f, e->c);
}

void fd_close_all(struct kite_state *s, struct proc *p, const struct kite_ctx *c)
{
	struct each_ctx e = {.s = s, .p = p, .c = c};
	if (s->hooks.fd_close)
		fdt_each(p->pub.fdt, hook_close, &e);
}

void proc_unshare_files(struct kite_state *s, struct proc *p)
{
	struct kite_fdtable *t = p->pub.fdt;
	if (t->refs <= 1)
		return;
	p->pub.fdt = fdt_copy(s, t);
	t->refs--;
}

/* ---- paths ---- */

char *resolve_path(struct kite_state *s, const char *dir, const char *path, size_t len, int slash)
{
	len = strnlen(path, len);
	if (!len)
		return NULL;
	static const char unknown[] = "<UNKNOWN>";
	const size_t ulen = sizeof(unknown) - 1;
	int rel = path[0] != '/',
	    lost = rel && (!dir || dir[0] != '/'); /* against a directory we do not know */
	if (!rel || lost)
		dir = NULL;
	char *out = s->path + ulen;
	size_t n = kite_path_join(dir, dir ? strlen(dir) : 0, path, len, out, sizeof(s->path) - ulen - 1);
	if (lost) {
		out = s->path;
		memcpy(out, unknown, ulen); /* Falco's "<UNKNOWN>" directory */
		n += ulen;
	}
	if (slash && out[n - 1] != '/')
		out[n++] = '/';
	return kstr_new(out, n);
}

/* The directory a relative name of this event is relative to: the cwd, or the dirfd's path. */
static const char *event_dir(const struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t dfd;
	if (!ei->relpath)
		return c->proc->cwd;
	if (!pget_i(c, ei->pos[P_DIRFD], &dfd))
		return NULL;
	if (dfd == AT_FDCWD_)
		return c->proc->cwd;
	const struct kite_fd *d = fdt_get(c->proc->fdt, dfd);
	return d ? d->name : NULL;
}

/* ---- names of opened files ---- */

/* The slot of a path param (n bytes as recorded) and the directory it is relative to (NULL when absolute). */
static struct name_slot *name_slot(struct kite_state *s, const char *dir, const char *p, size_t n)
{
	const uint64_t mul = 0x9e3779b97f4a7c15ull;
	uint64_t h = (uint64_t)(uintptr_t)dir ^ n, w = 0;
	if (n >= 8) { /* 8 bytes at a time; the last word overlaps the one before */
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, p + i, 8);
			h = (h ^ w) * mul;
			h ^= h >> 32;
		}
		memcpy(&w, p + n - 8, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			w = w << 8 | (uint8_t)p[i];
	}
	h = (h ^ w) * mul;
	return &s->names[h >> (64 - KITE_NAME_SLOTS_BITS)];
}

static void name_slot_clear(struct name_slot *e)
{
	kstr_put(e->raw);
	kstr_put(e->dir);
	kstr_put(e->name);
	e->raw = e->dir = e->name = NULL;
	e->plen = 0;
}

void fd_names_free(struct kite_state *s)
{
	for (size_t i = 0; i < sizeof(s->names) / sizeof(s->names[0]); i++)
		name_slot_clear(&s->names[i]);
}

/*
 * fd.name and fd.nameraw of a file opened by the path param p (n bytes, the
 * path up to a NUL) relative to dir (NULL for an absolute p).  They depend
 * on the param's bytes and, for a relative path, on the directory: a slot
 * holds a reference to that directory's string, so that while it is cached
 * no other string can take its address, and the address alone identifies it.
 * A slot keeps params that are the path or the path and a NUL (as recorded),
 * so that the path's kstr holds every byte to compare.
 */
static void open_names(struct kite_state *s, struct kite_fd *f, const char *dir, const char *p, size_t n)
{
	struct name_slot *e = NULL;
	if (KITE_REUSE_FDS && n <= KITE_NAME_MAX && (!dir || dir[0] == '/')) {
		e = name_slot(s, dir, p, n);
		if (e->plen == n && e->dir == dir && kite_bytes_eq(e->raw, p, n)) {
			f->name = kstr_ref(e->name);
			f->nameraw = kstr_ref(e->raw);
			return;
		}
	}
	size_t len = strnlen(p, n);
	f->name = resolve_path(s, dir, p, len, 0);
	/* a clean absolute path resolves to itself: one string for both (kstrs are shared, never changed) */
	if (f->name && kstr_len(f->name) == len && !memcmp(f->name, p, len))
		f->nameraw = kstr_ref(f->name);
	else
		f->nameraw = kstr_new(p, len);
	if (!e || !f->name || n > len + 1 || kstr_len(f->name) > KITE_NAME_MAX ||
	    kstr_len(dir) > KITE_NAME_MAX)
		return;
	name_slot_clear(e);
	e->raw = kstr_ref(f->nameraw);
	e->plen = (uint32_t)n;
	e->dir = kstr_ref((char *)dir);
	e->name = kstr_ref(f->name);
}

/* ---- files ---- */

static struct proc *P(const struct kite_ctx *c)
{
	return (struct proc *)c->proc;
}

static void on_open(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	if (c->fdnum < 0)
		return;
	const char *path;
	uint16_t n = pget_s(c, ei->pos[P_NAME], &path);
	uint64_t flags = 0, dev = 0, ino = 0;
	if (ei->creat)
		flags = k->o_creat | k->o_wronly | k->o_trunc;
	else
		pget_u(c, ei->pos[P_FLAGS], &flags);
	pget_u(c, ei->pos[P_DEV], &dev);
	pget_u(c, ei->pos[P_INO], &ino);
	struct kite_fd *f =
	        fd_alloc(s, c->fdnum, (flags & k->o_directory) ? KITE_FD_DIRECTORY : KITE_FD_FILE, c->e->ts);
	f->flags = (uint32_t)flags;
	f->dev = dev;
	f->ino = ino;
	if (n) /* the directory of an absolute path does not matter */
		open_names(s, f, path[0] == '/' ? NULL : event_dir(c, ei), path, n);
	install(s, P(c), f, c);
	c->fd = f;
}

static void on_close(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t res;
	/* a failed close leaves the table as it was (Falco's rule) */
	if (c->fdnum >= 0 && pget_i(c, ei->pos[P_RES], &res) && res >= 0)
		c->fd = close_fd(s, P(c), c->fdnum, c);
}

static void range_one(void *ctx, struct kite_fd *f)
{
	struct each_ctx *e = ctx;
	if ((uint64_t)f->num < e->first || (uint64_t)f->num > e->last)
		return;
	if (e->mark)
		f->flags |= (uint32_t)e->cloexec;
	else
		fd_close(e->s, e->p, f->num, e->c);
}

static void on_close_range(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	int64_t res;
	uint64_t first, last, flags = 0;
	if (!pget_i(c, ei->pos[P_RES], &res) || res != 0 || !pget_u(c, ei->pos[P_FIRST], &first) ||
	    !pget_u(c, ei->pos[P_LAST], &last))
		return;
	pget_u(c, ei->pos[P_FLAGS], &flags);
	if (flags & k->close_range_unshare)
		proc_unshare_files(s, P(c));
	struct each_ctx e = {
	        .s = s, .p = P(c), .c = c, .first = first, .last = last, .cloexec = k->o_cloexec};
	e.mark = (flags & k->close_range_cloexec) != 0;
	fdt_each(P(c)->pub.fdt, range_one, &e);
}

/* newfd becomes a copy of oldfd (dup*, fcntl F_DUPFD*): cloexec is the new fd's own. */
static struct kite_fd *dup_to(struct kite_state *s, struct kite_ctx *c, int64_t oldfd, int64_t newfd,
                              int cloexec)
{
	const struct kconsts *k = state_consts(s);
	struct kite_fd *o = fdt_get(c->proc->fdt, oldfd);
	if (oldfd == newfd)
		return o;
	if (!o) { /* whatever newfd was, it is something we do not know now */
		fd_close(s, P(c), newfd, c);
		return NULL;
	}
	struct kite_fd *f = fd_dup(s, o, newfd);
	f->open_ts = c->e->ts;
	f->flags = (uint32_t)((f->flags & ~k->o_cloexec) | (cloexec ? k->o_cloexec : 0));
	fd_install(s, P(c), f, c);
	return f;
}

static void on_dup(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t oldfd;
	uint64_t flags = 0;
	if (c->fdnum < 0 || !pget_i(c, ei->pos[P_OLDFD], &oldfd))
		return;
	pget_u(c, ei->pos[P_FLAGS], &flags); /* dup3 */
	c->fd = dup_to(s, c, oldfd, c->fdnum, (flags & state_consts(s)->o_cloexec) != 0);
}

static void on_fcntl(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	int64_t res;
	uint64_t cmd;
	/* F_SETFD would change FD_CLOEXEC, but its argument is not recorded: the flags stay */
	if (c->fdnum < 0 || !pget_i(c, ei->pos[P_RES], &res) || res < 0 || !pget_u(c, ei->pos[P_CMD], &cmd))
		return;
	if (cmd != k->f_dupfd && cmd != k->f_dupfd_cloexec)
		return;
	/* the event is about the new fd from now on, as for dup: libsinsp's fd.num is the result */
	c->fd = dup_to(s, c, c->fdnum, res, cmd == k->f_dupfd_cloexec);
	c->fdnum = res;
}

static void on_pipe(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	int64_t fd1, fd2;
	uint64_t ino = 0, flags = 0;
	if (c->fdnum < 0 || !pget_i(c, ei->pos[P_FD1], &fd1) || !pget_i(c, ei->pos[P_FD2], &fd2) || fd1 < 0 ||
	    fd2 < 0 || fd1 == fd2)
		return;
	pget_u(c, ei->pos[P_INO], &ino);
	pget_u(c, ei->pos[P_FLAGS], &flags);
	/* Falco names pipes by nothing: fd.name is empty, the inode tells two ends apart */
	struct kite_fd *r = fd_alloc(s, fd1, KITE_FD_PIPE, c->e->ts),
	               *w = fd_alloc(s, fd2, KITE_FD_PIPE, c->e->ts);
	r->ino = w->ino = ino;
	r->name = kstr_new("", 0);
	w->name = kstr_ref(r->name);
	r->flags = (uint32_t)(flags & ~(uint64_t)ACCMODE);
	w->flags = (uint32_t)((flags & ~(uint64_t)ACCMODE) | k->o_wronly);
	fd_install(s, P(c), r, c);
	fd_install(s, P(c), w, c);
	c->fd = w;
}

/* memfd_create, userfaultfd, io_uring_setup, bpf: a new fd of a fixed type. */
static void on_typed_fd(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	uint64_t flags = 0, cmd = 0;
	uint8_t type = KITE_FD_UNKNOWN;
	char *name = NULL;
	switch (ei->handler) {
	case H_MEMFD: {
		const char *v = "";
		uint16_t n = pget_s(c, ei->pos[P_NAME], &v);
		pget_u(c, ei->pos[P_FLAGS], &flags);
		type = KITE_FD_MEMFD;
		/* as /proc shows it */
		n = (uint16_t)strnlen(v, n);
		char buf[7 + 256];
		int len = snprintf(buf, sizeof(buf), "memfd:%.*s", n > 249 ? 249 : (int)n, v);
		name = kstr_new(buf, (size_t)len);
		flags = (flags & k->mfd_cloexec ? k->o_cloexec : 0) | k->o_rdwr;
		break;
	}
	case H_USERFAULTFD:
		pget_u(c, ei->pos[P_FLAGS], &flags);
		type = KITE_FD_USERFAULTFD;
		break;
	case H_IO_URING:
		type = KITE_FD_IO_URING;
		flags = k->o_cloexec | k->o_rdwr; /* the kernel makes these cloexec */
		break;
	case H_BPF: {
		/* the result is an fd for these commands only (enum bpf_cmd is the same everywhere) */
		const uint64_t fd_cmds = 1ull << 0 | 1ull << 5 | 1ull << 7 | 1ull << 13 | 1ull << 14 |
		                         1ull << 17 | 1ull << 18 | 1ull << 19 | 1ull << 28 | 1ull << 30 |
		                         1ull << 32 | 1ull << 33 | 1ull << 36;
		if (!pget_u(c, ei->pos[P_CMD], &cmd) || cmd >= 64 || !(fd_cmds >> cmd & 1)) {
			c->fdnum = -1;
			return;
		}
		type = KITE_FD_BPF;
		flags = k->o_cloexec | k->o_rdwr;
		break;
	}
	}
	if (c->fdnum < 0) {
		kstr_put(name);
		return;
	}
	struct kite_fd *f = fd_alloc(s, c->fdnum, type, c->e->ts);
	f->name = name ? name : kstr_new("", 0);
	f->flags = (uint32_t)flags;
	fd_install(s, P(c), f, c);
	c->fd = f;
}

int fd_apply(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	switch (ei->handler) {
	case H_OPEN: on_open(s, c, ei); break;
	case H_CLOSE: on_close(s, c, ei); break;
	case H_CLOSE_RANGE: on_close_range(s, c, ei); break;
	case H_DUP: on_dup(s, c, ei); break;
	case H_FCNTL: on_fcntl(s, c, ei); break;
	case H_PIPE: on_pipe(s, c, ei); break;
	case H_MEMFD:
	case H_USERFAULTFD:
	case H_IO_URING:
	case H_BPF: on_typed_fd(s, c, ei); break;
	case H_SOCKET:
	case H_SOCKETPAIR:
	case H_CONNECT:
	case H_ACCEPT:
	case H_BIND:
	case H_SEND:
	case H_RECV: sock_apply(s, c, ei); break;
	default: return 0;
	}
	return 1;
}

/* ---- snapshot ---- */

static int family_of(uint8_t type)
{
	switch (type) {
	case KITE_FD_IPV4_SOCK: return AF_INET;
	case KITE_FD_IPV6_SOCK: return AF_INET6;
	case KITE_FD_UNIX_SOCK: return AF_UNIX;
	case KITE_FD_NETLINK: return AF_NETLINK;
	default: return 0;
	}
}

/* The process of a per-process snapshot record, and a thread of it for ctx->thr. */
static struct thr *snapshot_owner(struct kite_state *s, struct kite_ctx *c, int64_t pid)
{
	struct proc *p = kmap_get(&s->procs, pid);
	if (!p || p->dead) {
		p = proc_new(s, pid, NULL, c);
		hook_proc_new(s, p, c);
	}
	return p->threads ? p->threads : thread_new(s, p, pid, 0, c);
}

void state_fd_record(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t pid, num;
	uint64_t type = 0, flags = 0, ino = 0, dev = 0;
	c->thr = &s->none_thr.pub;
	c->proc = c->thr->proc;
	if (!pget_i(c, ei->pos[P_PID], &pid) || pid <= 0 || !pget_i(c, ei->pos[P_FD], &num) || num < 0)
		return;
	struct thr *t = snapshot_owner(s, c, pid);
	c->thr = &t->pub;
	c->proc = t->pub.proc;
	pget_u(c, ei->pos[P_TYPE], &type);
	pget_u(c, ei->pos[P_FLAGS], &flags);
	pget_u(c, ei->pos[P_INO], &ino);
	pget_u(c, ei->pos[P_DEV], &dev);
	struct kite_fd *f = fd_alloc(s, num, type <= KITE_FD_OTHER_SOCK ? (uint8_t)type : KITE_FD_UNKNOWN, 0);
	f->flags = (uint32_t)flags;
	f->ino = ino;
	f->dev = dev;
	f->family = family_of(f->type);
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_NAME], &v);
	/* the name as the snapshot wrote it (the link text, or the socket's name) */
	f->name = kstr_new(n ? v : "", n ? strnlen(v, n) : 0);
	sock_from_snapshot(f, c, ei->pos[P_TUPLE]);
	fd_install(s, P(c), f, c);
	c->fd = f;
	c->fdnum = num;
}

int kite_proc_foreach_fd(const struct kite_proc *p, int (*fn)(void *ctx, struct kite_fd *fd), void *ctx)
{
	const struct kite_fdtable *t = p->fdt;
	for (uint32_t i = 0; i < t->cap; i++) {
		int rc = t->dense[i] ? fn(ctx, t->dense[i]) : 0;
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < t->nfar; i++) {
		int rc = fn(ctx, t->far[i]);
		if (rc)
			return rc;
	}
	return 0;
}

struct kite_fd *kite_proc_fd(const struct kite_proc *p, int64_t fd)
{
	return p && p->fdt ? fdt_get(p->fdt, fd) : NULL;
}

size_t kite_fd_name_len(const struct kite_fd *f)
{
	return kstr_clen(f->name);
}
