/* scap_write.c - kite records into a gzip-compressed sysdig/Falco .scap capture (see scap_write.h, docs/dev/scap-notes.md section 7). */
#include "scap_write.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "events.h"
#include "scap.h"

#define CODE_UNRESOLVED (-2)
#define CODE_NONE       (-1)
#define PPM_GENERIC_E   0
#define PPM_GENERIC_X   1
#define MAX_PATH_STR    1024u
#define MAX_LIST_STR    4096u

/* A buffered state record (a copy). */
struct held {
	uint64_t seq;
	struct kite_evt *e;
};

struct kite_scap_writer {
	gzFile gz;
	char *name;
	const struct kite_schema *s;
	char hostname[129];
	uint32_t ncpus;
	uint64_t boot_ns;
	int started; /* metadata blocks written */
	struct held *state;
	size_t nstate, capstate;
	int32_t *xcode, *ecode; /* per kite event id: ppm exit (or lone enter) code, enter code */
	uint64_t *skipped_by;   /* per kite event id */
	struct kite_buf blk;    /* the block being built */
	struct kite_buf ev;     /* the event being built */
	struct kite_scap_writer_stats st;
	char err[512];
};

static void werr(kite_scap_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void werr(kite_scap_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

/* ---- blocks ---- */

static void blk_begin(kite_scap_writer *w, uint32_t type)
{
	w->blk.len = 0;
	kbuf_put_u32(&w->blk, type);
	kbuf_put_u32(&w->blk, 0);
}

/* Pads, adds the trailer, fixes the length and writes the block. */
static int blk_end(kite_scap_writer *w)
{
	struct kite_buf *b = &w->blk;
	kbuf_put_zero(b, (4 - b->len % 4) % 4);
	uint32_t total = (uint32_t)b->len + 4;
	kbuf_put_u32(b, total);
	if (b->oom) {
		werr(w, "%s: out of memory", w->name);
		return -1;
	}
	memcpy(b->p + 4, &total, 4);
	if (gzwrite(w->gz, b->p, (unsigned)b->len) != (int)b->len) {
		int zerr;
		const char *m = gzerror(w->gz, &zerr);
		werr(w, "%s: write failed: %s", w->name, zerr == Z_ERRNO ? "I/O error" : m);
		return -1;
	}
	return 0;
}

/* str16: u16 length, no NUL; cut at max. */
static void put_str16(struct kite_buf *b, const void *s, size_t n, size_t max)
{
	if (n > max)
		n = max;
	kbuf_put_u16(b, (uint16_t)n);
	kbuf_put(b, s, n);
}

/* ---- parameters of kite records ---- */

struct rec {
	const struct kite_event_desc *d;
	struct kite_params p;
};

static int find(const struct rec *r, const char *name, const uint8_t **v, uint16_t *n)
{
	int i = kite_param_index(r->d, name);
	if (i < 0 || (uint32_t)i >= r->p.n || !r->p.len[i])
		return 0;
	*v = r->p.val[i];
	*n = r->p.len[i];
	return 1;
}

static int kind_signed(uint8_t k)
{
	return k == KITE_K_INT || k == KITE_K_FD || k == KITE_K_PID || k == KITE_K_ERRNO;
}

static uint64_t getu(const struct rec *r, const char *name, uint64_t dflt)
{
	const uint8_t *v;
	uint16_t n;
	if (!find(r, name, &v, &n) || (n != 1 && n != 2 && n != 4 && n != 8))
		return dflt;
	int i = kite_param_index(r->d, name);
	return kind_signed(r->d->params[i].kind) ? (uint64_t)kite_get_i(v, n) : kite_get_u(v, n);
}

/* A string param (kite strings have no NUL) as str16, cut at max. */
static void put_pstr16(struct kite_buf *b, const struct rec *r, const char *name, size_t max)
{
	const uint8_t *v;
	uint16_t n;
	if (!find(r, name, &v, &n))
		n = 0;
	while (n && v[n - 1] == 0)
		n--;
	put_str16(b, n ? v : (const uint8_t *)"", n, max);
}

/* A NUL-separated list param as str16 with its trailing NUL (libscap's layout). */
static void put_plist16(struct kite_buf *b, const struct rec *r, const char *name, size_t max)
{
	const uint8_t *v;
	uint16_t n;
	if (!find(r, name, &v, &n) || !n) {
		kbuf_put_u16(b, 0);
		return;
	}
	int nul = v[n - 1] == 0;
	size_t total = n + (nul ? 0 : 1);
	if (total > max) {
		total = max;
		kbuf_put_u16(b, (uint16_t)total);
		kbuf_put(b, v, total - 1);
		kbuf_put_u8(b, 0);
		return;
	}
	kbuf_put_u16(b, (uint16_t)total);
	kbuf_put(b, v, n);
	if (!nul)
		kbuf_put_u8(b, 0);
}

/*
 * kite's cgroups (the lines of /proc/PID/cgroup, "hierarchy:controllers:path",
 * NUL-separated) as the driver writes them: one "subsys=path" string per
 * controller, each with its NUL.  libsinsp splits every string at its '=' and
 * gives up on the whole list at the first one without it, so written as they
 * are, the threads of a converted capture had no cgroups at all in sysdig and
 * no container (container.id "host").  A cgroup v2 line ("0::/path") names no
 * controller: it becomes "unified=path", the name kite's thread.cgroups shows.
 * Lines already in the driver's form (a .scap capture imported) are kept.
 * Appends to out; returns the number of bytes appended.
 */
static size_t put_cgroups(struct kite_buf *out, const uint8_t *v, size_t n)
{
	size_t start = out->len;
	for (size_t i = 0; i < n;) {
		const char *line = (const char *)v + i;
		size_t l = 0;
		while (i + l < n && line[l] != 0 && line[l] != '\n')
			l++;
		i += l + 1;
		const char *c1 = memchr(line, ':', l), *eq = memchr(line, '=', l);
		const char *c2 = c1 ? memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - line)) : NULL;
		if (!l)
			continue;
		if ((eq && (!c1 || eq < c1)) || !c2) { /* "subsys=path" already, or unknown: as is */
			kbuf_put(out, line, l);
			kbuf_put_u8(out, 0);
			continue;
		}
		const char *ctl = c1 + 1, *path = c2 + 1;
		size_t cl = (size_t)(c2 - ctl), pl = l - (size_t)(path - line);
		if (cl > 5 && !memcmp(ctl, "name=", 5)) /* a named v1 hierarchy: "name=systemd" */
			ctl += 5, cl -= 5;
		for (size_t k = 0; k < cl || (!cl && k == 0);) {
			size_t e = k;
			while (e < cl && ctl[e] != ',')
				e++;
			if (cl)
				kbuf_put(out, ctl + k, e - k);
			else
				kbuf_put(out, "unified", 7);
			kbuf_put_u8(out, '=');
			kbuf_put(out, path, pl);
			kbuf_put_u8(out, 0);
			k = e + 1;
		}
	}
	return out->len - start;
}

/* The cgroups param as a str16 list in the driver's form (put_cgroups), cut at MAX_LIST_STR. */
static void put_pcgroups16(struct kite_buf *b, const struct rec *r)
{
	const uint8_t *v;
	uint16_t n;
	struct kite_buf tmp = {0};
	if (find(r, "cgroups", &v, &n))
		put_cgroups(&tmp, v, n);
	size_t len = tmp.oom ? 0 : tmp.len;
	if (len > MAX_LIST_STR) { /* cut at the end of an entry, keeping its NUL */
		len = MAX_LIST_STR;
		while (len && tmp.p[len - 1] != 0)
			len--;
	}
	kbuf_put_u16(b, (uint16_t)len);
	kbuf_put(b, tmp.p, len);
	kbuf_free(&tmp);
}

/* ---- value translation: Linux numbers back to ppm's (the inverse of scap_import.c) ---- */

/* A Linux value kite's table decodes back to ppm's (the inverse of the importer's translation). */
static uint64_t translate(const struct scap_param_info *pi, const struct kite_param_desc *kd, uint64_t v)
{
	enum scap_flagset set = pi->info && kd ? scap_flagset_of(pi->info) : SCAP_FLAGS_NONE;
	if (set == SCAP_FLAGS_NONE || (set == SCAP_FLAGS_EXECVE && kd->table != KITE_TBL_EXECVE_FLAGS))
		return v;
	return scap_flags_to_ppm(set, v);
}

/* Width of an integer PT type, 0 for the others. */
static unsigned pt_width(uint8_t t)
{
	switch (t) {
	case SCAP_PT_INT8:
	case SCAP_PT_UINT8:
	case SCAP_PT_SIGTYPE:
	case SCAP_PT_L4PROTO:
	case SCAP_PT_SOCKFAMILY:
	case SCAP_PT_FLAGS8:
	case SCAP_PT_ENUMFLAGS8: return 1;
	case SCAP_PT_INT16:
	case SCAP_PT_UINT16:
	case SCAP_PT_PORT:
	case SCAP_PT_SYSCALLID:
	case SCAP_PT_FLAGS16:
	case SCAP_PT_ENUMFLAGS16: return 2;
	case SCAP_PT_INT32:
	case SCAP_PT_UINT32:
	case SCAP_PT_BOOL:
	case SCAP_PT_IPV4ADDR:
	case SCAP_PT_FLAGS32:
	case SCAP_PT_UID:
	case SCAP_PT_GID:
	case SCAP_PT_SIGSET:
	case SCAP_PT_MODE:
	case SCAP_PT_ENUMFLAGS32: return 4;
	case SCAP_PT_INT64:
	case SCAP_PT_UINT64:
	case SCAP_PT_ERRNO:
	case SCAP_PT_FD:
	case SCAP_PT_PID:
	case SCAP_PT_RELTIME:
	case SCAP_PT_ABSTIME:
	case SCAP_PT_DOUBLE: return 8;
	default: return 0;
	}
}

/*
 * A PT_DYN value: u8 index into the parameter's dynamic table, then the value
 * (8 bytes for every entry kite can fill).  bpf's res_or_fd: index 0 (an fd)
 * on success, 1 (an errno) on failure; ptrace's addr/data: index 0 (u64).
 */
static uint32_t put_dyn(struct kite_buf *data, const struct scap_param_info *pi, const struct rec *r,
                        const struct kite_param_desc *kd, const uint8_t *v, uint16_t n)
{
	uint64_t x = 0;
	uint8_t idx = 0;
	if (!strcmp(pi->name, "res_or_fd")) {
		x = getu(r, "fd", getu(r, "res", (uint64_t)-1));
		idx = (int64_t)x < 0 ? 1 : 0;
	} else if (v && (n == 1 || n == 2 || n == 4 || n == 8))
		x = kind_signed(kd->kind) ? (uint64_t)kite_get_i(v, n) : kite_get_u(v, n);
	kbuf_put_u8(data, idx);
	kbuf_put_u64(data, x);
	return 9;
}

/*
 * Appends parameter pi's value (from the kite record) to the data buffer and
 * returns its length.
 */
static uint32_t put_param(struct kite_buf *data, const struct scap_param_info *pi, const struct rec *r)
{
	const uint8_t *v = NULL;
	uint16_t n = 0;
	int i = kite_param_index(r->d, pi->name);
	const char *alias = i < 0 ? scap_alias_kite(r->d->name, pi->name) : NULL;
	if (alias)
		i = kite_param_index(r->d, alias); /* dup2/dup3 written as the old dup */
	if (i >= 0 && (uint32_t)i < r->p.n && r->p.len[i]) {
		v = r->p.val[i];
		n = r->p.len[i];
	}
	const struct kite_param_desc *kd = i >= 0 ? &r->d->params[i] : NULL;
	if (pi->type == SCAP_PT_DYN && !(kd && kd->kind == KITE_K_BYTES))
		return put_dyn(data, pi, r, kd, v, n);
	unsigned w = pt_width(pi->type);
	if (w && pi->type != SCAP_PT_DOUBLE && pi->type != SCAP_PT_IPV4ADDR) {
		uint64_t x = 0;
		if (v && (n == 1 || n == 2 || n == 4 || n == 8))
			x = translate(pi, kd,
			              kind_signed(kd->kind) ? (uint64_t)kite_get_i(v, n) : kite_get_u(v, n));
		for (unsigned k = 0; k < w; k++)
			kbuf_put_u8(data, (uint8_t)(x >> (8 * k)));
		return w;
	}
	if (w) { /* raw fixed-width values */
		uint8_t z[8] = {0};
		kbuf_put(data, v && n == w ? v : z, w);
		return w;
	}
	/*
	 * An empty string is its NUL alone, as the driver writes it: sysdig 0.29.3
	 * reads a string param as a C string without looking at its length, so a
	 * 0-byte one was read from the next param's bytes (a failed openat whose
	 * path kite could not read showed fd.name ".." or ".").
	 */
	if (!v &&
	    (pi->type == SCAP_PT_CHARBUF || pi->type == SCAP_PT_FSPATH || pi->type == SCAP_PT_FSRELPATH)) {
		kbuf_put_u8(data, 0);
		return 1;
	}
	if (!v)
		return 0;
	if (pi->type == SCAP_PT_BYTEBUF && !strcmp(pi->name, "cgroups"))
		return (uint32_t)put_cgroups(data, v, n);
	uint8_t swapped[64];
	if (pi->type == SCAP_PT_SOCKTUPLE && scap_tuple_inbound(r->d->name) &&
	    scap_tuple_swap(v, n, swapped)) {
		kbuf_put(data, swapped, n);
		return n;
	}
	int nul = 0;
	switch (pi->type) {
	case SCAP_PT_CHARBUF:
	case SCAP_PT_FSPATH:
	case SCAP_PT_FSRELPATH: nul = v[n - 1] != 0; break;
	case SCAP_PT_BYTEBUF: nul = kd->kind == KITE_K_STRLIST && v[n - 1] != 0; break;
	case SCAP_PT_SOCKADDR: nul = v[0] == 1 && (n == 1 || v[n - 1] != 0); break;
	case SCAP_PT_SOCKTUPLE: nul = v[0] == 1 && n >= 17 && (n == 17 || v[n - 1] != 0); break;
	default: break;
	}
	kbuf_put(data, v, n);
	if (nul)
		kbuf_put_u8(data, 0);
	return n + (uint32_t)nul;
}

/* ---- the ppm codes of kite event types ---- */

static int usable(const struct scap_event_info *xi, const char *name, char dir)
{
	return xi && xi->name && xi->dir == dir && !(xi->flags & SCAP_EF_UNUSED) && !strcmp(xi->name, name);
}

/* The newest code < 336 of name in direction dir: non-old versions first; -1 if none. */
static int32_t newest(const char *name, char dir)
{
	int32_t best = CODE_NONE, best_old = CODE_NONE;
	for (uint16_t c = 0; c < scap_event_max_0293 && c < scap_event_max; c++) {
		const struct scap_event_info *xi = scap_event_info(c);
		if (!usable(xi, name, dir))
			continue;
		if (xi->flags & SCAP_EF_OLD_VERSION)
			best_old = c;
		else
			best = c;
	}
	return best >= 0 ? best : best_old;
}

/*
 * Kite types sysdig 0.29.3 has no event for, but whose syscalls its driver
 * reported under an older event: dup2/dup3 as dup, pipe2 as pipe, ...  sysdig
 * then shows the older name as evt.type.
 */
static const char *const aliases[][2] = {
        {"dup2", "dup"}, {"dup3", "dup"}, {"pipe2", "pipe"}, {"accept4", "accept"}, {"umount2", "umount"},
};

static const char *alias_of(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i][0], name))
			return aliases[i][1];
	return NULL;
}

static int is_generic(const struct kite_event_desc *d)
{
	return d->nparams >= 1 && !strcmp(d->params[0].name, "ID") && d->id != KITE_EVT_SYSCALL;
}

static void resolve(kite_scap_writer *w, const struct kite_event_desc *d)
{
	int32_t x = CODE_NONE, e = CODE_NONE;
	if (d->id == KITE_EVT_SYSCALL || (d->flags & KITE_EF_STATE) || d->id == KITE_EVT_DROP) {
		/* kite's generic records carry host syscall numbers: not mapped yet */
	} else if (is_generic(d)) { /* a generic event of a .scap: written back as one */
		x = PPM_GENERIC_X;
		e = PPM_GENERIC_E;
	} else if (d->flags & KITE_EF_ENTER) {
		x = newest(d->name, 'E');
	} else {
		const char *name = d->name;
		x = newest(name, 'X');
		if (x < 0 && alias_of(name) && newest(name, 'E') < 0)
			x = newest(name = alias_of(name), 'X');
		const struct scap_event_info *xi = x >= 0 ? scap_event_info((uint16_t)x) : NULL;
		if (xi && xi->nparams && xi->params[0].type == SCAP_PT_DYN) {
			/* bpf's res_or_fd: sysdig 0.29.3 crashes printing evt.res of it */
			x = CODE_NONE;
		} else if (x >= 0) {
			const struct scap_event_info *ei = scap_event_info((uint16_t)(x - 1));
			if (x > 0 && usable(ei, name, 'E'))
				e = x - 1;
		} else if ((x = newest(d->name, 'E')) < 0 && is_generic(d)) {
			x = PPM_GENERIC_X;
			e = PPM_GENERIC_E;
		}
	}
	w->xcode[d->id] = x;
	w->ecode[d->id] = e;
}

/*
 * A syscall record with no parameter at all came from an old capture's event
 * that had none (setsockopt and getsockopt exits in 2018 captures).  Written
 * with none again, sysdig shows it as it did (evt.res <NA>), not as a success.
 */
static int all_empty(const struct rec *r)
{
	for (uint32_t i = 0; i < r->p.n; i++)
		if (r->p.len[i])
			return 0;
	return (r->d->flags & KITE_EF_SYSCALL) != 0;
}

/* ---- events ---- */

/*
 * A clone, clone3, fork or vfork that returned 0: the child's side of the call.  The
 * child never entered the syscall, so a real capture has no enter event for
 * it, and libsinsp relies on that: the enter would create the child as an
 * unknown thread (<NA>), its exit then finds the thread already there and
 * leaves it as it is, and the parent's exit later takes it for a stale entry
 * and replaces it with a copy of the parent, even after the child's execve.
 */
static int child_return(const struct rec *r, uint16_t xcode)
{
	const char *n = scap_event_info(xcode)->name;
	if (strcmp(n, "clone") && strcmp(n, "clone3") && strcmp(n, "fork") && strcmp(n, "vfork"))
		return 0;
	return getu(r, "res", (uint64_t)-1) == 0;
}

/*
 * The length of a value cut to fit max bytes: at the end of its last whole
 * NUL-terminated entry when it has one (strings, cgroups and other lists),
 * else max.  A value the driver would have cut shorter anyway.
 */
static uint32_t cut_value(const uint8_t *p, uint32_t n, uint32_t max)
{
	if (n <= max)
		return n;
	uint32_t len = max;
	while (len && p[len - 1] != 0)
		len--;
	return len ? len : max;
}

static int write_ppm(kite_scap_writer *w, uint16_t code, const struct kite_evt *e, const struct rec *r)
{
	const struct scap_event_info *info = scap_event_info(code);
	uint32_t np = all_empty(r) ? 0 : info->nparams;
	if (np && scap_event_nparams_0293(code) > np)
		np = scap_event_nparams_0293(code); /* never happens with the current table */
	int large = (info->flags & SCAP_EF_LARGE_PAYLOAD) != 0;
	uint32_t lw = large ? 4 : 2;
	struct kite_buf *data = &w->ev;
	data->len = 0;
	uint32_t lens[SCAP_MAX_PARAMS];
	for (uint32_t i = 0; i < np && i < SCAP_MAX_PARAMS; i++) {
		size_t start = data->len;
		lens[i] = i < info->nparams ? put_param(data, &info->params[i], r) : 0;
		/* a 16-bit length cannot say more: a longer value (cgroups grow when split) is cut */
		if (!large && lens[i] > UINT16_MAX && !data->oom) {
			lens[i] = cut_value(data->p + start, lens[i], UINT16_MAX);
			data->len = start + lens[i];
			w->st.cut_params++;
		}
	}
	if (np > SCAP_MAX_PARAMS)
		np = SCAP_MAX_PARAMS;
	if (data->oom) {
		werr(w, "%s: out of memory", w->name);
		return -1;
	}
	uint32_t evlen = 26 + lw * np + (uint32_t)data->len;
	blk_begin(w, evlen + 2 + 12 > 65000 ? SCAP_BLK_EV_V2_LARGE : SCAP_BLK_EV_V2);
	kbuf_put_u16(&w->blk, e->cpu);
	kbuf_put_u64(&w->blk, e->ts);
	kbuf_put_u64(&w->blk, e->tid == 0xffffffffu ? UINT64_MAX : e->tid);
	kbuf_put_u32(&w->blk, evlen);
	kbuf_put_u16(&w->blk, code);
	kbuf_put_u32(&w->blk, np);
	for (uint32_t i = 0; i < np; i++)
		large ? kbuf_put_u32(&w->blk, lens[i]) : kbuf_put_u16(&w->blk, (uint16_t)lens[i]);
	kbuf_put(&w->blk, data->p, data->len);
	w->st.ppm_events++;
	return blk_end(w);
}

/* ---- state ---- */

static int split(kite_scap_writer *w, const struct kite_evt *e, struct rec *r)
{
	r->d = kite_schema_event(w->s, e->type);
	if (!r->d || kite_evt_split(e, e->len, r->d, &r->p) < 0) {
		w->st.bad_records++;
		return -1;
	}
	return 0;
}

static int write_machine(kite_scap_writer *w)
{
	blk_begin(w, SCAP_BLK_MI);
	struct kite_buf *b = &w->blk;
	kbuf_put_u32(b, w->ncpus);
	kbuf_put_u64(b, 0); /* memory */
	kbuf_put_u64(b, 0); /* max_pid */
	char host[128] = {0};
	memcpy(host, w->hostname, strnlen(w->hostname, sizeof(host) - 1));
	kbuf_put(b, host, sizeof(host));
	kbuf_put_u64(b, w->boot_ns);
	kbuf_put_zero(b, 24); /* flags, reserved3, reserved4 */
	return blk_end(w);
}

/* The interface list (IL, v1 entries with link speed 0): sysdig fills unbound socket ends from it. */
static int write_ifaces(kite_scap_writer *w)
{
	int any = 0;
	blk_begin(w, SCAP_BLK_IL);
	struct kite_buf *b = &w->blk;
	for (size_t i = 0; i < w->nstate; i++) {
		struct rec r;
		const uint8_t *a, *m;
		uint16_t alen, mlen, nlen = 0;
		const uint8_t *name = NULL;
		const struct kite_evt *e = w->state[i].e;
		if (e->type != KITE_EVT_STATE_IFACE || split(w, e, &r) < 0 || !find(&r, "addr", &a, &alen) ||
		    !find(&r, "netmask", &m, &mlen))
			continue;
		int v6 = alen == 19 && a[0] == 10;
		if (!v6 && !(alen == 7 && a[0] == 2))
			continue;
		size_t n = v6 ? 16 : 4;
		if (!find(&r, "name", &name, &nlen))
			nlen = 0;
		kbuf_put_u16(b, v6 ? 2 : 1); /* SCAP_II_IPV4 / SCAP_II_IPV6 */
		kbuf_put_u16(b, nlen);
		kbuf_put(b, a + 1, n);
		uint8_t mask[16] = {0}, bcast[16] = {0};
		if (mlen == alen)
			memcpy(mask, m + 1, n);
		for (size_t k = 0; k < n && !v6; k++)
			bcast[k] = (uint8_t)(a[1 + k] | ~mask[k]);
		kbuf_put(b, mask, n);
		kbuf_put(b, bcast, n);
		kbuf_put_u64(b, 0); /* link speed: not recorded */
		if (nlen)
			kbuf_put(b, name, nlen);
		any = 1;
	}
	return any ? blk_end(w) : 0;
}

static int write_users(kite_scap_writer *w)
{
	int any = 0;
	blk_begin(w, SCAP_BLK_UL_V2);
	struct kite_buf *b = &w->blk;
	for (int pass = 0; pass < 2; pass++) /* users, then groups */
		for (size_t i = 0; i < w->nstate; i++) {
			struct rec r;
			const struct kite_evt *e = w->state[i].e;
			if (e->type != (pass ? KITE_EVT_STATE_GROUP : KITE_EVT_STATE_USER) ||
			    split(w, e, &r) < 0)
				continue;
			size_t start = b->len;
			kbuf_put_u32(b, 0);
			kbuf_put_u8(b, (uint8_t)pass);
			if (!pass)
				kbuf_put_u32(b, (uint32_t)getu(&r, "uid", 0));
			kbuf_put_u32(b, (uint32_t)getu(&r, "gid", 0));
			put_pstr16(b, &r, "name", 256);
			if (!pass) {
				put_pstr16(b, &r, "home", 256);
				put_pstr16(b, &r, "shell", 256);
			}
			if (!b->oom) {
				uint32_t sub = (uint32_t)(b->len - start);
				memcpy(b->p + start, &sub, 4);
			}
			any = 1;
			w->st.users++;
		}
	return any ? blk_end(w) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Writes the PL_V9 block; fills tids (sorted) with the threads it lists. */
static int write_procs(kite_scap_writer *w, uint64_t *tids, size_t *ntids)
{
	blk_begin(w, SCAP_BLK_PL_V9);
	struct kite_buf *b = &w->blk;
	*ntids = 0;
	for (size_t i = 0; i < w->nstate; i++) {
		struct rec r;
		const struct kite_evt *e = w->state[i].e;
		if (e->type != KITE_EVT_STATE_PROC || split(w, e, &r) < 0)
			continue;
		uint64_t tid = getu(&r, "tid", e->tid), pid = getu(&r, "pid", e->pid);
		tids[(*ntids)++] = tid;
		size_t start = b->len;
		kbuf_put_u32(b, 0);
		kbuf_put_u64(b, tid);
		kbuf_put_u64(b, pid);
		kbuf_put_u64(b, getu(&r, "ppid", 0));
		kbuf_put_u64(b, getu(&r, "sid", 0));
		kbuf_put_u64(b, getu(&r, "pgid", 0)); /* vpgid */
		put_pstr16(b, &r, "comm", MAX_PATH_STR);
		put_pstr16(b, &r, "exe", MAX_PATH_STR);
		put_pstr16(b, &r, "exepath", MAX_PATH_STR);
		put_plist16(b, &r, "args", MAX_LIST_STR);
		put_pstr16(b, &r, "cwd", MAX_PATH_STR);
		kbuf_put_u64(b, 0);                        /* fdlimit */
		kbuf_put_u32(b, tid != pid ? 0x2001u : 0); /* PPM_CL_CLONE_THREAD | CLONE_FILES */
		kbuf_put_u32(b, (uint32_t)getu(&r, "euid", getu(&r, "uid", 0)));
		kbuf_put_u32(b, (uint32_t)getu(&r, "egid", getu(&r, "gid", 0)));
		kbuf_put_zero(b, 12 + 16); /* vmsize, vmrss, vmswap; pfmajor, pfminor */
		put_plist16(b, &r, "env", MAX_LIST_STR);
		kbuf_put_u64(b, getu(&r, "vtid", tid));
		kbuf_put_u64(b, getu(&r, "vpid", pid));
		put_pcgroups16(b, &r);
		put_str16(b, "/", 1, MAX_PATH_STR); /* root */
		kbuf_put_u64(b, 0);                 /* pidns_init_start_ts */
		kbuf_put_u32(b, (uint32_t)getu(&r, "tty", 0));
		kbuf_put_u32(b, (uint32_t)getu(&r, "loginuid", 0xffffffffu));
		uint64_t xf = getu(&r, "flags", 0);
		kbuf_put_u8(b, (xf & KITE_EXE_WRITABLE) != 0);
		kbuf_put_u64(b, getu(&r, "cap_inheritable", 0));
		kbuf_put_u64(b, getu(&r, "cap_permitted", 0));
		kbuf_put_u64(b, getu(&r, "cap_effective", 0));
		kbuf_put_u8(b, (xf & KITE_EXE_UPPER_LAYER) != 0);
		kbuf_put_u64(b, getu(&r, "exe_ino", 0));
		kbuf_put_zero(b, 16); /* exe_ino_ctime, exe_ino_mtime */
		kbuf_put_u8(b, (xf & KITE_EXE_FROM_MEMFD) != 0);
		if (!b->oom) {
			uint32_t sub = (uint32_t)(b->len - start);
			memcpy(b->p + start, &sub, 4);
		}
		w->st.procs++;
	}
	qsort(tids, *ntids, sizeof(*tids), cmp_u64);
	return *ntids ? blk_end(w) : 0;
}

static uint8_t scap_fd_type(uint8_t kt, const uint8_t *tuple, uint16_t tlen)
{
	switch (kt) {
	case KITE_FD_FILE: return SCAP_FD_FILE_V2;
	case KITE_FD_DIRECTORY: return SCAP_FD_DIRECTORY;
	case KITE_FD_IPV4_SOCK:
	case KITE_FD_IPV6_SOCK: {
		int v6 = kt == KITE_FD_IPV6_SOCK;
		uint32_t a = v6 ? 16 : 4;
		if (tlen < 1 + 2 * (a + 2))
			return SCAP_FD_UNSUPPORTED;
		int server = 1; /* a listening socket: source all zero, its address as destination */
		for (uint32_t i = 1; i < 1 + a + 2; i++)
			server &= tuple[i] == 0;
		if (server)
			return v6 ? SCAP_FD_IPV6_SERVSOCK : SCAP_FD_IPV4_SERVSOCK;
		return v6 ? SCAP_FD_IPV6_SOCK : SCAP_FD_IPV4_SOCK;
	}
	case KITE_FD_UNIX_SOCK: return SCAP_FD_UNIX_SOCK;
	case KITE_FD_PIPE: return SCAP_FD_FIFO;
	case KITE_FD_EVENT: return SCAP_FD_EVENT;
	case KITE_FD_SIGNALFD: return SCAP_FD_SIGNALFD;
	case KITE_FD_EVENTPOLL: return SCAP_FD_EVENTPOLL;
	case KITE_FD_INOTIFY: return SCAP_FD_INOTIFY;
	case KITE_FD_TIMERFD: return SCAP_FD_TIMERFD;
	case KITE_FD_NETLINK: return SCAP_FD_NETLINK;
	case KITE_FD_MEMFD: return SCAP_FD_FILE_V2; /* 0.29.3 has no MEMFD type */
	default: return SCAP_FD_UNSUPPORTED;        /* 0.29.3 refuses BPF (17) and beyond */
	}
}

static void put_fd_entry(kite_scap_writer *w, const struct rec *r)
{
	struct kite_buf *b = &w->blk;
	const uint8_t *t = NULL;
	uint16_t tl = 0;
	find(r, "tuple", &t, &tl);
	uint8_t type = scap_fd_type((uint8_t)getu(r, "type", 0), t, tl);
	size_t start = b->len;
	kbuf_put_u32(b, 0);
	kbuf_put_u64(b, getu(r, "fd", 0));
	kbuf_put_u64(b, getu(r, "ino", 0));
	kbuf_put_u8(b, type);
	uint32_t a = (type == SCAP_FD_IPV6_SOCK || type == SCAP_FD_IPV6_SERVSOCK) ? 16 : 4;
	switch (type) {
	case SCAP_FD_IPV4_SOCK:
	case SCAP_FD_IPV6_SOCK:
		kbuf_put(b, t + 1, a);         /* sip */
		kbuf_put(b, t + 1 + 2 + a, a); /* dip */
		kbuf_put(b, t + 1 + a, 2);     /* sport */
		kbuf_put(b, t + 3 + 2 * a, 2); /* dport */
		kbuf_put_u8(b, 2);             /* TCP: kite's state does not say */
		break;
	case SCAP_FD_IPV4_SERVSOCK:
	case SCAP_FD_IPV6_SERVSOCK:
		kbuf_put(b, t + 3 + a, a);
		kbuf_put(b, t + 3 + 2 * a, 2);
		kbuf_put_u8(b, 2);
		break;
	case SCAP_FD_UNIX_SOCK: {
		uint8_t z[16] = {0};
		kbuf_put(b, t && tl >= 17 && t[0] == 1 ? t + 1 : z, 16);
		put_pstr16(b, r, "name", MAX_PATH_STR);
		break;
	}
	case SCAP_FD_FILE_V2:
		kbuf_put_u32(b, (uint32_t)scap_flags_to_ppm(SCAP_FLAGS_OPEN, getu(r, "flags", 0)));
		put_pstr16(b, r, "name", MAX_PATH_STR);
		kbuf_put_u32(b, (uint32_t)getu(r, "dev", 0));
		break;
	default: put_pstr16(b, r, "name", MAX_PATH_STR); break;
	}
	if (!b->oom) {
		uint32_t sub = (uint32_t)(b->len - start);
		memcpy(b->p + start, &sub, 4);
	}
	w->st.fds++;
}

struct fdref {
	uint64_t tid, seq;
	const struct kite_evt *e;
};

static int cmp_fdref(const void *a, const void *b)
{
	const struct fdref *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One FDL_V2 block per thread of the process list. */
static int write_fds(kite_scap_writer *w, const uint64_t *tids, size_t ntids)
{
	struct fdref *refs = malloc((w->nstate + 1) * sizeof(*refs));
	if (!refs) {
		werr(w, "%s: out of memory", w->name);
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < w->nstate; i++) {
		const struct kite_evt *e = w->state[i].e;
		if (e->type != KITE_EVT_STATE_FD)
			continue;
		uint64_t tid = e->tid ? e->tid : e->pid;
		if (!bsearch(&tid, tids, ntids, sizeof(*tids), cmp_u64))
			continue; /* libscap refuses fds of threads it does not know */
		refs[n++] = (struct fdref){tid, w->state[i].seq, e};
	}
	qsort(refs, n, sizeof(*refs), cmp_fdref);
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		blk_begin(w, SCAP_BLK_FDL_V2);
		kbuf_put_u64(&w->blk, refs[i].tid);
		size_t j = i;
		for (; j < n && refs[j].tid == refs[i].tid; j++) {
			struct rec r;
			if (split(w, refs[j].e, &r) == 0)
				put_fd_entry(w, &r);
		}
		rc = blk_end(w);
		i = j;
	}
	free(refs);
	return rc;
}

/* The metadata blocks, from the buffered state. */
static int start(kite_scap_writer *w)
{
	if (w->started)
		return 0;
	w->started = 1;
	blk_begin(w, SCAP_BLK_SHB);
	kbuf_put_u32(&w->blk, 0x1A2B3C4Du);
	kbuf_put_u16(&w->blk, 1);
	kbuf_put_u16(&w->blk, 2);
	kbuf_put_u64(&w->blk, UINT64_MAX); /* section length: unknown */
	uint64_t *tids = malloc((w->nstate + 1) * sizeof(*tids));
	size_t ntids = 0;
	int rc = -1;
	if (!tids)
		werr(w, "%s: out of memory", w->name);
	else if (blk_end(w) == 0 && write_machine(w) == 0 && write_ifaces(w) == 0 && write_users(w) == 0 &&
	         write_procs(w, tids, &ntids) == 0 && write_fds(w, tids, ntids) == 0)
		rc = 0;
	free(tids);
	for (size_t i = 0; i < w->nstate; i++)
		free(w->state[i].e);
	free(w->state);
	w->state = NULL;
	w->nstate = w->capstate = 0;
	return rc;
}

/* ---- the public side ---- */

kite_scap_writer *kite_scap_writer_open(int fd, const char *name, const struct kite_header *h,
                                        const struct kite_schema *s, char *err, size_t errlen)
{
	kite_scap_writer *w = calloc(1, sizeof(*w));
	size_t nids = (size_t)s->max_event_id + 1;
	if (!w || !(w->name = strdup(name)) || !(w->xcode = malloc(nids * sizeof(*w->xcode))) ||
	    !(w->ecode = malloc(nids * sizeof(*w->ecode))) ||
	    !(w->skipped_by = calloc(nids, sizeof(*w->skipped_by)))) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	for (size_t i = 0; i < nids; i++)
		w->xcode[i] = CODE_UNRESOLVED;
	w->s = s;
	if (h) {
		if (h->hostname)
			snprintf(w->hostname, sizeof(w->hostname), "%s", h->hostname);
		w->ncpus = h->ncpus;
		w->boot_ns = h->boot_ns;
	}
	int dfd = dup(fd);
	if (dfd < 0 || !(w->gz = gzdopen(dfd, "wb"))) {
		snprintf(err, errlen, "%s: cannot open the gzip stream", name);
		if (dfd >= 0)
			close(dfd);
		goto fail;
	}
	return w;
fail:
	if (w) {
		free(w->name);
		free(w->xcode);
		free(w->ecode);
		free(w->skipped_by);
		free(w);
	}
	return NULL;
}

int kite_scap_writer_add(kite_scap_writer *w, const struct kite_evt *e)
{
	const struct kite_event_desc *d = kite_schema_event(w->s, e->type);
	if (d && (d->flags & KITE_EF_STATE)) {
		if (w->started) {
			w->st.late_state++;
			return 0;
		}
		if (w->nstate == w->capstate) {
			size_t cap = w->capstate ? w->capstate * 2 : 1024;
			struct held *n = realloc(w->state, cap * sizeof(*n));
			if (!n) {
				werr(w, "%s: out of memory", w->name);
				return -1;
			}
			w->state = n;
			w->capstate = cap;
		}
		struct kite_evt *c = malloc(e->len);
		if (!c) {
			werr(w, "%s: out of memory", w->name);
			return -1;
		}
		memcpy(c, e, e->len);
		w->state[w->nstate] = (struct held){w->nstate, c};
		w->nstate++;
		return 0;
	}
	if (start(w) < 0)
		return -1;
	struct rec r;
	if (!d || split(w, e, &r) < 0) {
		if (!d)
			w->st.bad_records++;
		return 0;
	}
	if (w->xcode[d->id] == CODE_UNRESOLVED)
		resolve(w, d);
	int32_t x = w->xcode[d->id], en = w->ecode[d->id];
	if (x < 0) {
		w->st.skipped++;
		w->skipped_by[d->id]++;
		return 0;
	}
	if (en >= 0 && !child_return(&r, (uint16_t)x) && write_ppm(w, (uint16_t)en, e, &r) < 0)
		return -1;
	if (write_ppm(w, (uint16_t)x, e, &r) < 0)
		return -1;
	w->st.events++;
	return 0;
}

int kite_scap_writer_close(kite_scap_writer *w, char *err, size_t errlen)
{
	int rc = start(w);
	if (rc == 0 && gzclose(w->gz) != Z_OK) {
		werr(w, "%s: closing the gzip stream failed", w->name);
		rc = -1;
	} else if (rc < 0)
		gzclose(w->gz);
	if (rc < 0 && err)
		snprintf(err, errlen, "%s", w->err);
	for (size_t i = 0; i < w->nstate; i++)
		free(w->state[i].e);
	free(w->state);
	kbuf_free(&w->blk);
	kbuf_free(&w->ev);
	free(w->xcode);
	free(w->ecode);
	free(w->skipped_by);
	free(w->name);
	free(w);
	return rc;
}

const char *kite_scap_writer_error(const kite_scap_writer *w)
{
	return w->err;
}

const struct kite_scap_writer_stats *kite_scap_writer_stats(const kite_scap_writer *w)
{
	return &w->st;
}

const char *kite_scap_writer_top_skipped(const kite_scap_writer *w, uint64_t *count)
{
	const char *name = NULL;
	*count = 0;
	for (uint32_t i = 0; i <= w->s->max_event_id; i++)
		if (w->skipped_by[i] > *count) {
			const struct kite_event_desc *d = kite_schema_event(w->s, i);
			*count = w->skipped_by[i];
			name = d ? d->name : "?";
		}
	return name;
}
