/* scap_read.c - streaming reader of sysdig/Falco .scap captures: gzip, block framing, metadata lists, events. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzpump.h"
#include "scap.h"

/*
 * How it works: the gzip pump (ISA-L, on a second thread) or plain read()s
 * feed an input window.  A block is only interpreted once all of it is in the
 * window and its trailer matches its length; the current block's items are
 * then parsed one per scap_file_next call, straight from the window, with
 * strings copied into a small arena to NUL-terminate them.  Facts about the layouts
 * are in docs/dev/scap-notes.md (sections 1 and 2).
 */

#define READ_STEP     (1u << 20) /* the window grows by what was read, so a bogus length costs no memory */
#define WINDOW_MIN    (64u << 10)
#define SHB_BODY_MIN  16u  /* byte order, major, minor, section length */
#define MI_BODY_LEN   180u /* scap_machine_info, packed */
#define EVT_HDR_V1    22u
#define EVT_HDR_V2    26u
#define PPME_NOTIF_E  280u /* v1 captures stored these two 3 bytes too long */
#define PPME_INFRA_E  286u
#define PL_V9_OLD_CUT 29u /* a V9 tail this short predates pidns_init_start_ts and tty */

enum { ENTRY_END = 0, ENTRY_ITEM = 1, ENTRY_SKIPPED = 2 };

struct scap_file {
	int fd;                   /* plain input (-1 for gzip: the pump owns the fd) */
	struct kite_gzpump *pump; /* gzip input, inflated ahead of the parser */
	char name[128];
	scap_warn_fn warn;
	void *warn_ctx;
	/*
	 * input window: buf[pos..len) is not consumed yet; base is the file offset
	 * of buf[0].  buf is own (the reader's buffer, cap bytes) or, with lent,
	 * the bytes of one buffer the gzip pump lends in place (lends: it can).
	 */
	const uint8_t *buf;
	uint8_t *own;
	size_t cap, pos, len;
	uint64_t base;
	int lends, lent;
	int eof, in_err;
	char in_why[224]; /* with in_err: "the gzip stream ends early (...)", "read error (...)" */
	/* the block whose items are being handed out (its bytes stay in the window until the next load) */
	int active;
	int is_event;  /* the current block is an event block (the common case, tested first) */
	uint32_t type; /* canonical SCAP_BLK_* */
	uint64_t offset;
	const uint8_t *body;
	size_t blen, cur;
	uint32_t nentry;
	uint64_t fdl_tid;
	/* NUL-terminated copies of the current item's strings */
	char *arena;
	size_t arena_cap;
	uint16_t major, minor;
	int truncated, failed, done;
	int fast; /* !active && !done && !failed, kept by next_item: scap_file_next tests one flag */
	uint64_t skipped;
	scap_move_fn on_move; /* told before the window moves (scap_file_on_move) */
	void *move_ctx;
	char err[320];
	/*
	 * bytes per parameter length of each event code (4 for large payloads, 2
	 * beyond scap_event_max), or-ed with LSZ_LAZY for codes scap_file_set_lazy
	 * named: one for every 16-bit code, so that len_code needs no bound test
	 * (only the codes met are ever read: a few cache lines)
	 */
	uint8_t lsz[UINT16_MAX + 1];
};

/* ---- little-endian helpers and a bounds-checked cursor ---- */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Reads past n set bad and return zeros: parsers read a whole entry, then check bad once. */
struct cur {
	const uint8_t *p;
	size_t i, n;
	int bad;
};

struct span {
	const uint8_t *p;
	size_t n;
};

static const uint8_t *take(struct cur *c, size_t len)
{
	if (c->bad || c->n - c->i < len) {
		c->bad = 1;
		c->i = c->n;
		return NULL;
	}
	c->i += len;
	return c->p + c->i - len;
}

static uint8_t get8(struct cur *c)
{
	const uint8_t *p = take(c, 1);
	return p ? p[0] : 0;
}

static uint16_t get16(struct cur *c)
{
	const uint8_t *p = take(c, 2);
	return p ? rd16(p) : 0;
}

static uint32_t get32(struct cur *c)
{
	const uint8_t *p = take(c, 4);
	return p ? rd32(p) : 0;
}

static uint64_t get64(struct cur *c)
{
	const uint8_t *p = take(c, 8);
	return p ? rd64(p) : 0;
}

static void getbytes(struct cur *c, uint8_t *out, size_t len)
{
	const uint8_t *p = take(c, len);
	if (p)
		memcpy(out, p, len);
}

/* str16: u16 length, then the bytes (no NUL on disk). */
static struct span get_str16(struct cur *c)
{
	struct span s = {NULL, get16(c)};
	s.p = take(c, s.n);
	if (!s.p)
		s.n = 0;
	return s;
}

static size_t left(const struct cur *c)
{
	return c->n - c->i;
}

/* ---- messages ---- */

static void warnf(scap_file *f, uint64_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warnf(scap_file *f, uint64_t off, const char *fmt, ...)
{
	if (!f->warn)
		return;
	char what[256], msg[448];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: offset %llu: %s", f->name, (unsigned long long)off, what);
	f->warn(f->warn_ctx, msg);
}

static int fail(scap_file *f, uint64_t off, const char *what)
{
	snprintf(f->err, sizeof(f->err), "%s: offset %llu: %s", f->name, (unsigned long long)off, what);
	f->failed = 1;
	return -1;
}

/* ---- the input window ---- */

static size_t avail(const scap_file *f)
{
	return f->len - f->pos;
}

/* Room for want more bytes in the own buffer (which is the window: nothing is lent). */
static int grow_window(scap_file *f, size_t want)
{
	if (f->cap - f->len >= want)
		return 0;
	size_t cap = f->cap * 2 > f->len + want ? f->cap * 2 : f->len + want;
	if (cap < WINDOW_MIN)
		cap = WINDOW_MIN;
	if (cap > SCAP_MAX_BLOCK + READ_STEP && f->len + want <= SCAP_MAX_BLOCK + READ_STEP)
		cap = SCAP_MAX_BLOCK + READ_STEP;
	uint8_t *p = realloc(f->own, cap);
	if (!p)
		return -1;
	f->buf = f->own = p;
	f->cap = cap;
	return 0;
}

/*
 * Notes a cut, damaged or unreadable gzip stream.  The pump hands out the data
 * decoded before the problem first, so reading goes on until it gives nothing;
 * the error is only remembered for the warning.
 */
static void note_gz_error(scap_file *f)
{
	const char *msg;
	if (f->in_err || !f->pump || !kite_gzpump_error(f->pump, &msg))
		return;
	f->in_err = 1;
	snprintf(f->in_why, sizeof(f->in_why), "the gzip stream %s (%s)",
	         strcmp(msg, "unexpected end of file") ? "is damaged" : "ends early", msg);
}

/* Plain input: what one read() gives, 0 at the end or on an error (noted for the warning). */
static size_t read_plain(scap_file *f, uint8_t *dst, size_t n)
{
	for (;;) {
		ssize_t k = read(f->fd, dst, n);
		if (k >= 0)
			return (size_t)k;
		if (errno != EINTR) {
			f->in_err = 1;
			snprintf(f->in_why, sizeof(f->in_why), "read error (%s)", strerror(errno));
			return 0;
		}
	}
}

/* The own window is all consumed: the pump's next inflated bytes become the window, in place. */
static void lend(scap_file *f)
{
	size_t n;
	const uint8_t *p = kite_gzpump_lend(f->pump, &n);
	f->base += f->len;
	f->pos = f->len = 0;
	if (p) {
		f->buf = p;
		f->len = n;
		f->lent = 1;
	} else {
		f->eof = 1;
	}
	note_gz_error(f);
}

/*
 * The lent bytes run out inside a block: the ones not consumed yet move to the
 * own buffer, and the pump gets its buffer back.  -1: no memory (they are lost).
 */
static int unlend(scap_file *f)
{
	const uint8_t *rest = f->buf + f->pos;
	size_t n = avail(f);
	f->base += f->pos;
	f->buf = f->own;
	f->pos = f->len = 0;
	f->lent = 0;
	int r = grow_window(f, n);
	if (!r && n) {
		memcpy(f->own, rest, n);
		f->len = n;
	}
	kite_gzpump_give_back(f->pump);
	return r;
}

/*
 * Makes at least need unconsumed bytes available if the input has them; returns how many are (-1: no memory).
 * A pump that lends is read in place; its bytes are only copied to complete a block that runs past them.
 */
static long long fill(scap_file *f, size_t need)
{
	/* what follows may move or give back the bytes earlier items point to */
	if (avail(f) < need && !f->eof && f->on_move)
		f->on_move(f->move_ctx);
	while (avail(f) < need && !f->eof) {
		if (f->lent) {
			if (unlend(f))
				return -1;
			continue;
		}
		if (f->lends && !avail(f)) {
			lend(f);
			continue;
		}
		if (f->pos) {
			memmove(f->own, f->own + f->pos, avail(f));
			f->base += f->pos;
			f->len -= f->pos;
			f->pos = 0;
		}
		size_t want = need - avail(f);
		want = want < WINDOW_MIN ? WINDOW_MIN : want > READ_STEP ? READ_STEP : want;
		if (grow_window(f, want))
			return -1;
		size_t room = f->cap - f->len;
		size_t step = room > READ_STEP ? READ_STEP : room;
		if (f->lends && step > need - avail(f))
			step = need - avail(f); /* the rest is lent once this block is consumed */
		size_t n = f->pump ? kite_gzpump_read(f->pump, f->own + f->len, step)
		                   : read_plain(f, f->own + f->len, step);
		if (n > 0)
			f->len += n;
		else
			f->eof = 1;
		note_gz_error(f);
	}
	return (long long)avail(f);
}

/* ---- block types ---- */

static uint32_t canonical(uint32_t type)
{
	switch (type) {
	case SCAP_BLK_MI_INT: return SCAP_BLK_MI;
	case SCAP_BLK_PL_V1_INT: return SCAP_BLK_PL_V1;
	case SCAP_BLK_PL_V2_INT: return SCAP_BLK_PL_V2;
	case SCAP_BLK_PL_V3_INT: return SCAP_BLK_PL_V3;
	case SCAP_BLK_FDL_INT: return SCAP_BLK_FDL;
	case SCAP_BLK_EV_INT: return SCAP_BLK_EV;
	case SCAP_BLK_IL_INT: return SCAP_BLK_IL;
	case SCAP_BLK_UL_INT: return SCAP_BLK_UL;
	}
	return type;
}

/* The process list version of a block type, 0 if it is not one. */
static int pl_version(uint32_t t)
{
	switch (t) {
	case SCAP_BLK_PL_V1: return 1;
	case SCAP_BLK_PL_V2: return 2;
	case SCAP_BLK_PL_V3: return 3;
	case SCAP_BLK_PL_V4: return 4;
	case SCAP_BLK_PL_V5: return 5;
	case SCAP_BLK_PL_V6: return 6;
	case SCAP_BLK_PL_V7: return 7;
	case SCAP_BLK_PL_V8: return 8;
	case SCAP_BLK_PL_V9: return 9;
	}
	return 0;
}

/*
 * How the body of an event block starts, -1 for other blocks: v2 events have
 * their parameter count in their header, EVF blocks flags before it.
 */
enum { EVT_V2 = 1, EVT_FLAGS = 2 };
static int evt_form(uint32_t t)
{
	switch (t) {
	case SCAP_BLK_EV: return 0;
	case SCAP_BLK_EVF: return EVT_FLAGS;
	case SCAP_BLK_EV_V2:
	case SCAP_BLK_EV_V2_LARGE: return EVT_V2;
	case SCAP_BLK_EVF_V2:
	case SCAP_BLK_EVF_V2_LARGE: return EVT_V2 | EVT_FLAGS;
	}
	return -1;
}

static int is_event_block(uint32_t t)
{
	return evt_form(t) >= 0;
}

/* Every block type scap defines (legacy ids included), SHB excepted. */
static int is_scap_block(uint32_t type)
{
	uint32_t t = canonical(type);
	switch (t) {
	case SCAP_BLK_MI:
	case SCAP_BLK_FDL:
	case SCAP_BLK_FDL_V2:
	case SCAP_BLK_IL:
	case SCAP_BLK_IL_V2:
	case SCAP_BLK_UL:
	case SCAP_BLK_UL_V2: return 1;
	}
	return pl_version(t) || is_event_block(t);
}

/* ---- the string arena: sized per entry, so earlier copies never move while an item is built ---- */

static int copy_strs(scap_file *f, const struct span *s, const char **out, int n)
{
	size_t need = 0;
	for (int i = 0; i < n; i++)
		need += s[i].n + 1;
	if (f->arena_cap < need) {
		char *p = realloc(f->arena, need);
		if (!p)
			return -1;
		f->arena = p;
		f->arena_cap = need;
	}
	char *d = f->arena;
	for (int i = 0; i < n; i++) {
		if (s[i].n)
			memcpy(d, s[i].p, s[i].n);
		d[s[i].n] = 0;
		out[i] = d;
		d += s[i].n + 1;
	}
	return 0;
}

/* ---- the section header ---- */

/* Checks an SHB body; 0 and the version, or -1 with the reason in why. */
static int parse_shb(const uint8_t *body, size_t blen, uint16_t *major, uint16_t *minor, char *why,
                     size_t whylen)
{
	if (blen < SHB_BODY_MIN) {
		snprintf(why, whylen, "section header body of %zu bytes is too short", blen);
		return -1;
	}
	uint32_t bom = rd32(body);
	if (bom != 0x1A2B3C4Du) {
		snprintf(why, whylen, "section header byte order magic 0x%08x is not 0x1a2b3c4d%s", bom,
		         bom == 0x4D3C2B1Au ? " (big-endian captures are not supported)" : "");
		return -1;
	}
	*major = rd16(body + 4);
	*minor = rd16(body + 6);
	if (*major != 1) {
		snprintf(why, whylen, "section header version %u.%u is not 1.x", *major, *minor);
		return -1;
	}
	/* options (pcapng's opt_comment, shb_userappl...) follow: libscap writes none, editcap does; skipped */
	return 0;
}

/* ---- entries of each block type (ENTRY_END, ENTRY_ITEM or ENTRY_SKIPPED) ---- */

static struct cur block_cur(const scap_file *f)
{
	struct cur c = {f->body, f->cur, f->blen, 0};
	return c;
}

static uint64_t entry_off(const scap_file *f, size_t at)
{
	return f->offset + 8 + at;
}

/*
 * A malformed list entry: with a length prefix, only it is skipped (next_at);
 * without one, nothing after it can be framed, so the rest of the block goes.
 */
static int bad_entry(scap_file *f, size_t at, size_t next_at, const char *kind, const char *why)
{
	warnf(f, entry_off(f, at), "%s entry %u of the block at offset %llu: %s: %s", kind, f->nentry,
	      (unsigned long long)f->offset, why, next_at ? "entry skipped" : "rest of the block skipped");
	f->cur = next_at ? next_at : f->blen;
	f->nentry++;
	return ENTRY_SKIPPED;
}

/* A malformed block holding a single item (machine info, event, section header). */
static int bad_block(scap_file *f, const char *kind, const char *why)
{
	warnf(f, f->offset, "%s block skipped: %s", kind, why);
	f->skipped++;
	return ENTRY_SKIPPED;
}

/* Single-item blocks: the first call hands the item out, the second ends the block. */
static int single_done(scap_file *f)
{
	return f->nentry++ > 0;
}

#define RUN_PAST "its fields run past the entry"

/*
 * A u32 length prefix (PL_V9, FDL_V2, UL_V2 count it in, IL_V2 does not):
 * bounds c to the entry, sets where the next one starts; -1 if it does not fit.
 */
static int sub_len_entry(struct cur *c, int includes_self, size_t *next_at)
{
	size_t at = c->i;
	uint32_t sub = get32(c);
	size_t end = includes_self ? at + sub : c->i + sub;
	if (c->bad || (includes_self && sub < 4) || sub > c->n - at || end > c->n)
		return -1;
	c->n = end;
	*next_at = end;
	return 0;
}
#define BAD_PREFIX "its length prefix does not fit the block"

static void pl_v9_tail(struct cur *c, struct scap_proc *p)
{
	/* each field only if it still fits the entry: writers append fields, sub_len tells which */
	if (left(c) > PL_V9_OLD_CUT) {
		p->pidns_init_start_ts = get64(c);
		p->tty = get32(c);
	}
	if (left(c) >= 4)
		p->loginuid = get32(c);
	if (left(c) >= 1)
		p->exe_writable = get8(c);
	if (left(c) >= 24) {
		p->cap_inheritable = get64(c);
		p->cap_permitted = get64(c);
		p->cap_effective = get64(c);
	}
	if (left(c) >= 1)
		p->exe_upper_layer = get8(c);
	if (left(c) >= 24) {
		p->exe_ino = get64(c);
		p->exe_ino_ctime = get64(c);
		p->exe_ino_mtime = get64(c);
	}
	if (left(c) >= 1)
		p->exe_from_memfd = get8(c);
}

static void pl_fields(struct cur *c, int v, struct scap_proc *p, struct span s[5], struct span l[3])
{
	p->tid = get64(c);
	p->pid = get64(c);
	p->ptid = get64(c);
	if (v >= 6)
		p->sid = get64(c);
	if (v >= 8)
		p->vpgid = get64(c);
	s[0] = get_str16(c); /* comm */
	s[1] = get_str16(c); /* exe */
	if (v >= 7)
		s[2] = get_str16(c); /* exepath */
	l[0] = get_str16(c);         /* args */
	s[3] = get_str16(c);         /* cwd */
	p->fdlimit = get64(c);
	p->flags = get32(c);
	p->uid = get32(c);
	p->gid = get32(c);
	if (v >= 2) {
		p->vmsize_kb = get32(c);
		p->vmrss_kb = get32(c);
		p->vmswap_kb = get32(c);
		p->pfmajor = get64(c);
		p->pfminor = get64(c);
	}
	if (v >= 3)
		l[1] = get_str16(c); /* env */
	if (v >= 4) {
		p->vtid = (int64_t)get64(c);
		p->vpid = (int64_t)get64(c);
		l[2] = get_str16(c); /* cgroups */
	}
	if (v >= 5)
		s[4] = get_str16(c); /* root */
}

static int pl_entry(scap_file *f, struct scap_item *it)
{
	struct cur c = block_cur(f);
	if (left(&c) < 4)
		return ENTRY_END;
	int v = pl_version(f->type);
	size_t at = c.i, next_at = 0;
	if (v == 9 && sub_len_entry(&c, 1, &next_at))
		return bad_entry(f, at, 0, "process", BAD_PREFIX);
	struct scap_proc *p = &it->u.proc;
	memset(p, 0, sizeof(*p));
	p->loginuid = 0xffffffffu;
	struct span s[5] = {{0}}, l[3] = {{0}};
	pl_fields(&c, v, p, s, l);
	if (c.bad)
		return bad_entry(f, at, next_at, "process", RUN_PAST);
	if (v == 9)
		pl_v9_tail(&c, p);
	const char *str[5];
	if (copy_strs(f, s, str, 5))
		return -1;
	p->comm = str[0], p->exe = str[1], p->exepath = str[2], p->cwd = str[3], p->root = str[4];
	p->args = l[0].p, p->args_len = (uint32_t)l[0].n;
	p->env = l[1].p, p->env_len = (uint32_t)l[1].n;
	p->cgroups = l[2].p, p->cgroups_len = (uint32_t)l[2].n;
	it->kind = SCAP_ITEM_PROC;
	f->cur = next_at ? next_at : c.i;
	f->nentry++;
	return ENTRY_ITEM;
}

/* The type-specific part of an fd entry; the name span stays empty for sockets. */
static void fd_data(struct cur *c, int v2, struct scap_fdinfo *d, struct span *name)
{
	switch (d->type) {
	case SCAP_FD_IPV4_SOCK:
		getbytes(c, d->sip, 4);
		getbytes(c, d->dip, 4);
		d->sport = get16(c);
		d->dport = get16(c);
		d->l4proto = get8(c);
		break;
	case SCAP_FD_IPV6_SOCK:
		getbytes(c, d->sip, 16);
		getbytes(c, d->dip, 16);
		d->sport = get16(c);
		d->dport = get16(c);
		d->l4proto = get8(c);
		break;
	case SCAP_FD_IPV4_SERVSOCK:
	case SCAP_FD_IPV6_SERVSOCK:
		getbytes(c, d->dip, d->type == SCAP_FD_IPV4_SERVSOCK ? 4 : 16);
		d->dport = get16(c);
		d->l4proto = get8(c);
		break;
	case SCAP_FD_UNIX_SOCK:
		d->unix_src = get64(c);
		d->unix_dst = get64(c);
		*name = get_str16(c);
		break;
	case SCAP_FD_FILE_V2:
		d->open_flags = get32(c);
		*name = get_str16(c);
		if (v2 && left(c) >= 4) /* dev was appended later: present only if the entry has room */
			d->dev = get32(c);
		break;
	default: *name = get_str16(c);
	}
}

static int fd_known_type(uint8_t t)
{
	return t >= SCAP_FD_FILE && t <= SCAP_FD_PIDFD;
}

static int fdl_entry(scap_file *f, struct scap_item *it)
{
	struct cur c = block_cur(f);
	if (left(&c) < 4)
		return ENTRY_END;
	int v2 = f->type == SCAP_BLK_FDL_V2;
	size_t at = c.i, next_at = 0;
	if (v2 && sub_len_entry(&c, 1, &next_at))
		return bad_entry(f, at, 0, "fd", BAD_PREFIX);
	struct scap_fdinfo *d = &it->u.fd;
	memset(d, 0, sizeof(*d));
	d->tid = f->fdl_tid;
	d->fd = (int64_t)get64(&c);
	d->ino = get64(&c);
	d->type = get8(&c);
	struct span name = {0};
	char unknown[32];
	if (fd_known_type(d->type)) {
		fd_data(&c, v2, d, &name);
	} else if (!c.bad) { /* as libscap: no data is read for it, and it is named after its type */
		snprintf(unknown, sizeof(unknown), "unknown-type:[%u]", d->type);
		name.p = (const uint8_t *)unknown;
		name.n = strlen(unknown);
		d->type = SCAP_FD_UNSUPPORTED;
	}
	if (c.bad)
		return bad_entry(f, at, next_at, "fd", RUN_PAST);
	if (copy_strs(f, &name, &d->name, 1))
		return -1;
	it->kind = SCAP_ITEM_FD;
	f->cur = next_at ? next_at : c.i;
	f->nentry++;
	return ENTRY_ITEM;
}

static int il_fields(struct cur *c, struct scap_iface *i, struct span *name)
{
	i->type = get16(c);
	uint16_t namelen = get16(c);
	size_t alen = i->type == 1 || i->type == 3 ? 4 : 16;
	if (i->type < 1 || i->type > 4)
		return -1;
	getbytes(c, i->addr, alen);
	getbytes(c, i->netmask, alen);
	getbytes(c, i->bcast, alen);
	if (i->type <= 2)
		i->linkspeed = get64(c);
	name->n = namelen;
	name->p = take(c, namelen);
	if (!name->p)
		name->n = 0;
	return 0;
}

static int il_entry(scap_file *f, struct scap_item *it)
{
	struct cur c = block_cur(f);
	if (left(&c) < 4)
		return ENTRY_END;
	size_t at = c.i, next_at = 0;
	/* IL_V2's prefix excludes itself, unlike the PL/FDL/UL ones */
	if (f->type == SCAP_BLK_IL_V2 && sub_len_entry(&c, 0, &next_at))
		return bad_entry(f, at, 0, "interface", BAD_PREFIX);
	struct scap_iface *i = &it->u.iface;
	memset(i, 0, sizeof(*i));
	struct span name = {0};
	if (il_fields(&c, i, &name))
		return bad_entry(f, at, next_at, "interface", "unknown interface type");
	if (c.bad)
		return bad_entry(f, at, next_at, "interface", RUN_PAST);
	if (copy_strs(f, &name, &i->name, 1))
		return -1;
	it->kind = SCAP_ITEM_IFACE;
	f->cur = next_at ? next_at : c.i;
	f->nentry++;
	return ENTRY_ITEM;
}

static int ul_entry(scap_file *f, struct scap_item *it)
{
	struct cur c = block_cur(f);
	if (left(&c) < 4)
		return ENTRY_END;
	size_t at = c.i, next_at = 0;
	if (f->type == SCAP_BLK_UL_V2 && sub_len_entry(&c, 1, &next_at))
		return bad_entry(f, at, 0, "user", BAD_PREFIX);
	uint8_t type = get8(&c);
	struct span s[3] = {{0}};
	const char *str[3];
	if (type == 0) { /* USERBLOCK_TYPE_USER */
		struct scap_user *u = &it->u.user;
		u->uid = get32(&c);
		u->gid = get32(&c);
		for (int k = 0; k < 3; k++)
			s[k] = get_str16(&c);
		if (c.bad)
			return bad_entry(f, at, next_at, "user", RUN_PAST);
		if (copy_strs(f, s, str, 3))
			return -1;
		u->name = str[0], u->home = str[1], u->shell = str[2];
		it->kind = SCAP_ITEM_USER;
	} else if (type == 1) { /* USERBLOCK_TYPE_GROUP */
		it->u.group.gid = get32(&c);
		s[0] = get_str16(&c);
		if (c.bad)
			return bad_entry(f, at, next_at, "group", RUN_PAST);
		if (copy_strs(f, s, &it->u.group.name, 1))
			return -1;
		it->kind = SCAP_ITEM_GROUP;
	} else {
		return bad_entry(f, at, next_at, "user list", "unknown entry type");
	}
	f->cur = next_at ? next_at : c.i;
	f->nentry++;
	return ENTRY_ITEM;
}

static int mi_entry(scap_file *f, struct scap_item *it)
{
	if (single_done(f))
		return ENTRY_END;
	if (f->blen < MI_BODY_LEN)
		return bad_block(f, "machine info", "shorter than 180 bytes");
	struct scap_machine *m = &it->u.machine;
	m->ncpus = rd32(f->body);
	m->memory = rd64(f->body + 4);
	m->max_pid = rd64(f->body + 12);
	memcpy(m->hostname, f->body + 20, 128);
	m->hostname[128] = 0;
	m->boot_ts = rd64(f->body + 148);
	it->kind = SCAP_ITEM_MACHINE;
	return ENTRY_ITEM;
}

static int section_entry(scap_file *f, struct scap_item *it)
{
	if (single_done(f))
		return ENTRY_END;
	char why[160];
	uint16_t major, minor;
	if (parse_shb(f->body, f->blen, &major, &minor, why, sizeof(why)))
		return bad_block(f, "section header", why);
	f->major = major, f->minor = minor;
	it->u.section.major = major;
	it->u.section.minor = minor;
	it->kind = SCAP_ITEM_SECTION;
	return ENTRY_ITEM;
}

/* ---- events ---- */

static int large_payload(uint16_t type)
{
	const struct scap_event_info *e = scap_event_info(type);
	return e && (e->flags & SCAP_EF_LARGE_PAYLOAD);
}

#define LSZ_LAZY 0x80u

/* The size of an event's parameter lengths, or-ed with LSZ_LAZY if it is split lazily. */
static unsigned len_code(const scap_file *f, uint16_t type)
{
	return f->lsz[type];
}

/* Sum of the first n parameter lengths (lsz bytes each) at lens; UINT64_MAX past end. */
static uint64_t lens_sum(const uint8_t *lens, uint32_t n, size_t lsz, const uint8_t *end)
{
	if ((size_t)(end - lens) < n * lsz)
		return UINT64_MAX;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += lsz == 4 ? rd32(lens + 4 * i) : rd16(lens + 2 * i);
	return sum;
}

/*
 * v1 headers have no nparams: as libscap, try the table's count, then fewer,
 * until the lengths add up to the event's length (old captures wrote fewer
 * parameters for the same code).  -1 if none does.
 */
static int infer_nparams(uint16_t type, const uint8_t *e, uint32_t len, size_t lsz)
{
	const struct scap_event_info *info = scap_event_info(type);
	int n = info ? info->nparams : 0;
	if (n > SCAP_MAX_PARAMS)
		n = SCAP_MAX_PARAMS;
	for (; n >= 0; n--) {
		uint64_t sum = lens_sum(e + EVT_HDR_V1, (uint32_t)n, lsz, e + len);
		if (sum != UINT64_MAX && EVT_HDR_V1 + n * lsz + sum == len)
			return n;
	}
	return -1;
}

/*
 * Sets the parameters' lengths and values from the nparams lengths (lsz bytes
 * each) at lens, in one pass; room is what the event has from lens on.  -1
 * when the lengths, or the values they add up to, run past it.  Inlined with
 * lsz a constant (split_params), so each length size gets its own loop.
 */
static inline int split_lens(struct scap_evt *ev, const uint8_t *lens, size_t lsz, size_t room)
{
	size_t n = ev->nparams;
	if (room < n * lsz)
		return -1;
	room -= n * lsz; /* now what the values have */
	const uint8_t *v = lens + n * lsz;
#pragma GCC unroll 2 /* most events have a few parameters: half the loop's tests */
	for (size_t i = 0; i < n; i++) {
		uint32_t l = lsz == 4 ? rd32(lens + 4 * i) : rd16(lens + 2 * i);
		if (l > room)
			return -1;
		room -= l;
		ev->len[i] = l;
		ev->param[i] = v;
		v += l;
	}
	return 0;
}

/*
 * split_lens' checks without its stores (2-byte lengths): the lengths are not
 * negative, so some value runs past the event exactly when their sum does.
 */
static inline int check_lens16(const struct scap_evt *ev, const uint8_t *lens, size_t room)
{
	size_t n = ev->nparams;
	if (room < 2 * n)
		return -1;
	uint32_t sum = 0; /* at most SCAP_MAX_PARAMS 16-bit lengths: no overflow */
#pragma GCC unroll 2      /* the same */
	for (size_t i = 0; i < n; i++)
		sum += rd16(lens + 2 * i);
	return sum > room - 2 * n ? -1 : 0;
}

/*
 * Checks the lengths at lens, of the size len_code says, and splits the
 * values unless it says lazy (a loop for each length size, inlined).
 */
static inline int split_params(struct scap_evt *ev, const uint8_t *lens, unsigned code, size_t room)
{
	ev->lens = lens;
	if (code & LSZ_LAZY) { /* set for 2-byte lengths only */
		ev->split = 0;
		return check_lens16(ev, lens, room);
	}
	ev->split = 1;
	return code == 4 ? split_lens(ev, lens, 4, room) : split_lens(ev, lens, 2, room);
}

void scap_file_split(const scap_file *f, struct scap_evt *ev)
{
	if (!ev->split)
		split_lens(ev, ev->lens, len_code(f, ev->type) & ~LSZ_LAZY, SIZE_MAX); /* checked: fits */
	ev->split = 1;
}

void scap_file_set_lazy(scap_file *f, uint16_t code, int lazy)
{
	if (code < scap_event_max && (f->lsz[code] & ~LSZ_LAZY) == 2)
		f->lsz[code] = (uint8_t)(lazy ? 2 | LSZ_LAZY : 2);
}

/*
 * Parses the event in the body of an event block of form evt_form(its type)
 * into ev (lazily split if its code says and lazy_ok): NULL, or why the block
 * is malformed.  Every field is read at a fixed offset after one check that
 * the block holds the whole header.  Always inlined, so that next_event_fast
 * (its other caller) makes no call at all.
 */
static inline __attribute__((always_inline)) const char *
parse_event(const scap_file *f, int form, const uint8_t *body, size_t blen, struct scap_evt *ev, int lazy_ok)
{
	int v2 = form & EVT_V2, evf = form & EVT_FLAGS;
	size_t pre = evf ? 6 : 2; /* cpu, and the flags of EVF blocks */
	size_t hdr = v2 ? EVT_HDR_V2 : EVT_HDR_V1;
	if (blen < pre + hdr)
		return "the block is too short for an event header";
	const uint8_t *e = body + pre;
	ev->cpu = rd16(body);
	ev->flags = evf ? rd32(body + 2) : 0;
	ev->ts = rd64(e);
	ev->tid = rd64(e + 8);
	uint32_t len = rd32(e + 16);
	ev->type = rd16(e + 20);
	ev->nparams = v2 ? rd32(e + 22) : 0;
	if (!v2 && (ev->type == PPME_NOTIF_E || ev->type == PPME_INFRA_E) && len >= hdr + 3)
		len -= 3;
	if ((size_t)len - hdr > blen - pre - hdr) /* len < hdr wraps: one compare for both ends */
		return "the event length does not fit the block";
	ev->size = len;
	unsigned code = len_code(f, ev->type) & (lazy_ok ? ~0u : ~LSZ_LAZY);
	size_t lsz = code & ~LSZ_LAZY;
	if (!v2) {
		int n = infer_nparams(ev->type, e, len, lsz);
		if (n < 0 && scap_event_info(ev->type))
			return "cannot infer the parameter count of a v1 event";
		ev->nparams = n < 0 ? 0 : (uint32_t)n;
	}
	if (ev->nparams > SCAP_MAX_PARAMS)
		return "more parameters than any event has";
	if (split_params(ev, e + hdr, code, len - hdr))
		return "the parameter lengths run past the event";
	return NULL;
}

static int evt_entry(scap_file *f, struct scap_item *it)
{
	if (single_done(f))
		return ENTRY_END;
	const char *why = parse_event(f, evt_form(f->type), f->body, f->blen, &it->u.evt, 0);
	if (why)
		return bad_block(f, "event", why);
	it->kind = SCAP_ITEM_EVENT;
	f->active = 0; /* an event block holds one event: the next call loads the next block */
	return ENTRY_ITEM;
}

/* ---- blocks ---- */

static int block_entry(scap_file *f, struct scap_item *it)
{
	uint32_t t = f->type;
	if (f->is_event)
		return evt_entry(f, it);
	if (t == SCAP_BLK_SHB)
		return section_entry(f, it);
	if (t == SCAP_BLK_MI)
		return mi_entry(f, it);
	if (pl_version(t))
		return pl_entry(f, it);
	if (t == SCAP_BLK_FDL || t == SCAP_BLK_FDL_V2)
		return fdl_entry(f, it);
	if (t == SCAP_BLK_IL || t == SCAP_BLK_IL_V2)
		return il_entry(f, it);
	if (t == SCAP_BLK_UL || t == SCAP_BLK_UL_V2)
		return ul_entry(f, it);
	return ENTRY_END;
}

/* Makes the well-framed block at the start of the window current (and consumes it). */
static void start_block(scap_file *f, uint32_t type, uint32_t total)
{
	f->offset = f->base + f->pos;
	f->type = canonical(type);
	f->body = f->buf + f->pos + 8;
	f->blen = total - 12;
	f->cur = 0;
	f->nentry = 0;
	f->pos += total;
	f->active = 1;
	f->is_event = is_event_block(f->type);
	if (f->is_event)
		return;
	if (f->type != SCAP_BLK_SHB && !is_scap_block(f->type)) {
		f->active = 0; /* unknown: skipped silently, as pcapng readers do */
		f->skipped++;
	} else if (f->type == SCAP_BLK_FDL || f->type == SCAP_BLK_FDL_V2) {
		if (f->blen < 8) {
			warnf(f, f->offset, "fd list block too short for its thread id: skipped");
			f->skipped++;
			f->active = 0;
		} else {
			f->fdl_tid = rd64(f->body);
			f->cur = 8;
		}
	}
}

/* A block's framing at the window start: 1 well-framed, 0 not (yet) complete or wrong. */
static int well_framed(scap_file *f, int scap_only)
{
	if (fill(f, 8) < 8)
		return 0;
	const uint8_t *p = f->buf + f->pos;
	uint32_t type = rd32(p), total = rd32(p + 4);
	if (scap_only && type != SCAP_BLK_SHB && !is_scap_block(type))
		return 0;
	if (total < 12 || total % 4 || total > SCAP_MAX_BLOCK)
		return 0;
	if (fill(f, total) < (long long)total)
		return 0;
	return rd32(f->buf + f->pos + total - 4) == total;
}

/*
 * After a framing error: steps 4 bytes at a time to the next well-framed scap
 * block (blocks are 4-aligned).  1 found, 0 the input ended first.  Every step
 * consumes input, so this ends.
 */
static int resync(scap_file *f)
{
	for (;;) {
		if (fill(f, 4) < 4) {
			f->pos = f->len;
			return 0;
		}
		f->pos += 4;
		if (well_framed(f, 1))
			return 1;
	}
}

static void resync_warn(scap_file *f, uint64_t off, const char *what, uint32_t type, uint32_t total)
{
	f->skipped++;
	int found = resync(f);
	if (found)
		warnf(f, off, "%s (block type 0x%x, length %u): resuming at offset %llu", what, type, total,
		      (unsigned long long)(f->base + f->pos));
	else
		warnf(f, off, "%s (block type 0x%x, length %u): no block after it", what, type, total);
}

/* The input ended at a block boundary (or after a resync): a cut gzip stream is a truncation. */
static int input_ended(scap_file *f, uint64_t off)
{
	if (f->in_err) {
		warnf(f, off, "%s: capture truncated", f->in_why);
		f->truncated = 1;
	}
	f->done = 1;
	return 0;
}

/* The data ends inside a block (total 0: inside its 8-byte header). */
static int truncated(scap_file *f, uint64_t off, size_t have, uint32_t total)
{
	const char *sep = f->in_err ? ": " : "", *why = f->in_err ? f->in_why : "";
	if (total)
		warnf(f, off, "capture truncated: %zu bytes left of a block of %u bytes%s%s", have, total,
		      sep, why);
	else
		warnf(f, off, "capture truncated: %zu bytes left of a block header%s%s", have, sep, why);
	f->truncated = 1;
	f->done = 1;
	f->pos = f->len;
	return 0;
}

/*
 * The data ends before the block at off does.  A corrupt length is told apart
 * from a cut file by a well-framed block after it: 1 resumed there, 0 the end.
 */
static int short_block(scap_file *f, uint64_t off, uint32_t total)
{
	size_t got = avail(f);
	if (!resync(f))
		return truncated(f, off, got, total);
	warnf(f, off, "block length %u runs past the end of the data: resuming at offset %llu", total,
	      (unsigned long long)(f->base + f->pos));
	f->skipped++;
	return 1;
}

/* Frames the next block: 1 a block is current, 0 the end, -1 an error. */
static int load_block(scap_file *f)
{
	for (;;) {
		uint64_t off = f->base + f->pos;
		long long have = fill(f, 8);
		if (have < 0)
			return fail(f, off, "out of memory");
		if (have == 0)
			return input_ended(f, off);
		if (have < 8)
			return truncated(f, off, (size_t)have, 0);
		uint32_t type = rd32(f->buf + f->pos), total = rd32(f->buf + f->pos + 4);
		if (total > SCAP_MAX_BLOCK)
			return fail(f, off, "block length over the 256 MiB limit");
		if (total < 12 || total % 4) {
			resync_warn(f, off, "bad block length", type, total);
			continue;
		}
		have = fill(f, total);
		if (have < 0)
			return fail(f, off, "out of memory");
		if (have < (long long)total) {
			if (!short_block(f, off, total))
				return 0;
			continue;
		}
		if (rd32(f->buf + f->pos + total - 4) != total) {
			resync_warn(f, off, "block trailer does not match its length", type, total);
			continue;
		}
		start_block(f, type, total);
		if (f->active)
			return 1;
	}
}

/*
 * The common case in short: the next block is a v2 event block, wholly in the
 * window, well framed and well formed.  It is handed out as load_block and
 * evt_entry would; 0 (nothing consumed) leaves every other case to them, so
 * that damage is reported exactly as they do.
 */
static inline __attribute__((always_inline)) int next_event_fast(scap_file *f, struct scap_item *it)
{
	size_t have = avail(f);
	/* no block that holds a v2 event header is shorter (parse_event need not test it for EV_V2) */
	const size_t least = 12 + 2 + EVT_HDR_V2;
	if (have < least)
		return 0;
	const uint8_t *b = f->buf + f->pos;
	/*
	 * The v2 event block types lie within 16 of SCAP_BLK_EV_V2: their forms
	 * by their distance from it (evt_form's switch cost a compare per case),
	 * 0 for the other types.  A type below it wraps to a large distance.
	 */
	static const uint8_t v2_form[16] = {
	        [SCAP_BLK_EV_V2 - SCAP_BLK_EV_V2] = EVT_V2,
	        [SCAP_BLK_EVF_V2 - SCAP_BLK_EV_V2] = EVT_V2 | EVT_FLAGS,
	        [SCAP_BLK_EV_V2_LARGE - SCAP_BLK_EV_V2] = EVT_V2,
	        [SCAP_BLK_EVF_V2_LARGE - SCAP_BLK_EV_V2] = EVT_V2 | EVT_FLAGS,
	};
	uint32_t dist = rd32(b) - SCAP_BLK_EV_V2;
	if (dist >= sizeof(v2_form))
		return 0;
	unsigned form = v2_form[dist];
	uint32_t total = rd32(b + 4);
	/*
	 * A v2 form; least <= total <= have (one unsigned compare: a smaller total
	 * wraps); total a multiple of 4 and below SCAP_MAX_BLOCK (a power of two:
	 * one mask for both; a block of exactly that size is left to load_block):
	 * all tested at once (| rather than ||) before the trailer is read.
	 */
	_Static_assert((SCAP_MAX_BLOCK & (SCAP_MAX_BLOCK - 1)) == 0, "SCAP_MAX_BLOCK is a power of two");
	const uint32_t too_big_or_unaligned = ~(uint32_t)(SCAP_MAX_BLOCK - 1) | 3u;
	if (!form | ((size_t)total - least > have - least) | ((total & too_big_or_unaligned) != 0))
		return 0;
	if (rd32(b + total - 4) != total)
		return 0;
	/* a copy of parse_event for each v2 form (the compiler's): no test of the form inside */
	struct scap_evt *ev = &it->u.evt;
	if (form & EVT_FLAGS ? parse_event(f, EVT_V2 | EVT_FLAGS, b + 8, total - 12, ev, 1)
	                     : parse_event(f, EVT_V2, b + 8, total - 12, ev, 1))
		return 0;
	it->kind = SCAP_ITEM_EVENT;
	it->offset = f->base + f->pos; /* f->offset is only read while a block is current */
	f->pos += total;
	return 1;
}

/* The next item the careful way (scap_file_next): every case next_event_fast leaves. */
static int next_item_careful(scap_file *f, struct scap_item *it)
{
	if (f->failed)
		return -1;
	for (;;) {
		if (f->done)
			return 0;
		while (f->active) {
			int r = block_entry(f, it);
			if (r < 0)
				return fail(f, f->offset, "out of memory");
			if (r == ENTRY_ITEM) {
				it->offset = f->offset;
				return 1;
			}
			if (r == ENTRY_END)
				f->active = 0;
		}
		int r = load_block(f);
		if (r < 0)
			return -1;
	}
}

/* Everything but the common case, out of line so that it costs that case no register saves. */
static __attribute__((noinline)) int next_item(scap_file *f, struct scap_item *it)
{
	int r = next_item_careful(f, it);
	/* only a call that got here changes these (a scap_move_fn may not call the reader) */
	f->fast = !f->active && !f->done && !f->failed;
	return r;
}

/*
 * Inline in the callers too, with link-time optimisation: the importer calls it
 * for every event, and the call cost it a register save and restore each time.
 */
__attribute__((always_inline)) inline int scap_file_next(scap_file *f, struct scap_item *it)
{
	if (f->fast && next_event_fast(f, it))
		return 1;
	return next_item(f, it);
}

/* ---- open, sniff, accessors ---- */

static int open_err(scap_file *f, char *err, size_t errlen, uint64_t off, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: offset %llu: %s", f->name, (unsigned long long)off, what);
	scap_file_close(f);
	return -1;
}

/* Reads and checks the first SHB (which must start the file), consuming it. */
static int read_first_shb(scap_file *f, char *err, size_t errlen)
{
	long long have = fill(f, 8);
	if (have < 0)
		return open_err(f, err, errlen, 0, "out of memory");
	if (have < 8 && f->in_err)
		return open_err(f, err, errlen, 0, f->in_why);
	if (have < 8)
		return open_err(f, err, errlen, 0, "too short for a scap capture");
	const uint8_t *p = f->buf;
	uint32_t total = rd32(p + 4);
	if (rd32(p) != SCAP_BLK_SHB)
		return open_err(f, err, errlen, 0, "not a scap capture (no section header block)");
	if (total < 12 + SHB_BODY_MIN || total % 4 || total > SCAP_MAX_BLOCK)
		return open_err(f, err, errlen, 0, "bad section header block length");
	if (fill(f, total) < (long long)total)
		return open_err(f, err, errlen, 0, "section header block cut short");
	char why[160];
	if (parse_shb(f->buf + 8, total - 12, &f->major, &f->minor, why, sizeof(why)))
		return open_err(f, err, errlen, 0, why);
	if (rd32(f->buf + total - 4) != total)
		return open_err(f, err, errlen, 0, "section header block trailer does not match its length");
	f->pos = total;
	return 0;
}

/* Reads until n bytes or the end of the input (a pipe may give fewer per read): the count. */
static size_t read_head(scap_file *f, uint8_t *dst, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t k = read_plain(f, dst + got, n - got);
		if (!k)
			break;
		got += k;
	}
	return got;
}

/*
 * gzip or plain, told by the first two bytes (read here, not peeked: pipes
 * cannot seek back), which go to the pump or into the window.  libscap accepts
 * both the same way.  -1 when out of memory.
 */
static int start_input(scap_file *f)
{
	uint8_t head[2];
	size_t n = read_head(f, head, sizeof(head));
	if (n == 2 && head[0] == 0x1f && head[1] == 0x8b) {
		f->pump = kite_gzpump_start(f->fd, head, n, 1);
		f->fd = -1; /* the pump's now, closed by it even when it could not start */
		if (!f->pump)
			return -1;
		f->lends = kite_gzpump_lends(f->pump);
		return 0;
	}
	if (n && grow_window(f, n))
		return -1;
	if (n)
		memcpy(f->own, head, n);
	f->len = n;
	return 0;
}

scap_file *scap_file_open(int fd, const char *name, scap_warn_fn warn, void *warn_ctx, char *err,
                          size_t errlen)
{
	scap_file *f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name ? name : "scap");
		return NULL;
	}
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "scap");
	memset(f->lsz, 2, sizeof(f->lsz));
	for (uint16_t t = 0; t < scap_event_max; t++)
		if (large_payload(t))
			f->lsz[t] = 4;
	f->warn = warn;
	f->warn_ctx = warn_ctx;
	f->fd = fd;
	if (start_input(f)) {
		open_err(f, err, errlen, 0, "out of memory");
		return NULL;
	}
	if (read_first_shb(f, err, errlen))
		return NULL;
	f->fast = 1; /* no block current yet */
	return f;
}

int scap_sniff(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 1; /* a gzip stream: kite's own files never are one */
	if (n < 12 + SHB_BODY_MIN || rd32(p) != SCAP_BLK_SHB || rd32(p + 8) != 0x1A2B3C4Du ||
	    rd16(p + 12) != 1)
		return 0;
	uint32_t total = rd32(p + 4);
	if (total < 12 + SHB_BODY_MIN || total % 4 || n < (size_t)total + 8)
		return 0;
	/* what follows the SHB tells: scap's metadata or event blocks, or kite's IDB and HEADER */
	return is_scap_block(rd32(p + total));
}

void scap_file_on_move(scap_file *f, scap_move_fn fn, void *ctx)
{
	f->on_move = fn;
	f->move_ctx = ctx;
}

const char *scap_file_error(const scap_file *f)
{
	return f->err;
}

void scap_file_version(const scap_file *f, uint16_t *major, uint16_t *minor)
{
	if (major)
		*major = f->major;
	if (minor)
		*minor = f->minor;
}

int scap_file_truncated(const scap_file *f)
{
	return f->truncated;
}

uint64_t scap_file_skipped_blocks(const scap_file *f)
{
	return f->skipped;
}

void scap_file_close(scap_file *f)
{
	if (!f)
		return;
	kite_gzpump_stop(f->pump);
	if (f->fd >= 0)
		close(f->fd);
	free(f->own);
	free(f->arena);
	free(f);
}
