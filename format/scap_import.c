/* scap_import.c - converts a .scap capture into kite records on the fly: schema, state snapshot, paired events. */
#include "scap_import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "tidset.h"

#define STATE_CAP_INIT (1u << 16)

/* What a ppm code is, looked up once per event (struct code). */
#define CODE_PAIRING_ENTER 1u /* an enter event that exits pair with (pairs_with_exit) */
#define CODE_EXIT          2u
#define CODE_UNCOUNTED     4u /* sysdig 0.29.3 does not know it (kite_scap_import.uncounted) */
#define CODE_LARGE         8u /* its parameter lengths are 4 bytes on disk (SCAP_EF_LARGE_PAYLOAD), else 2 */
/*
 * Whether its events are passed over (kite_scap_import_set_want): decided when
 * the code is first met (CODE_UNDECIDED until then), then CODE_PASS says.  Most
 * codes have neither bit: passed_over tests both at once.
 */
#define CODE_UNDECIDED 16u
#define CODE_PASS      32u
_Static_assert(CODE_LARGE == 8, "remember_enter makes the length size from the bit");

/*
 * The pending enter event of a thread: its nparams lengths (lsz bytes each,
 * as stored) and its values right after them start at raw.  While lazy, raw
 * points into the reader's window, where the event still is (the slot is then
 * in kite_scap_import.lazy, copied into buf before the reader moves its
 * window: keep_pendings); else into buf.  Most enters are paired with their
 * exit, the next event, before the window moves: they are never copied.
 */
struct pending {
	uint64_t tid;
	uint16_t type; /* 0: none */
	uint8_t lsz, lazy;
	int used;
	uint32_t nparams;
	uint32_t size; /* the event's (struct scap_evt): its values add up to less */
	const uint8_t *raw;
	uint8_t *buf;
	size_t cap;
};
#define LAZY_MAX 64 /* pending enters left in the window at most (more are copied at once) */

/* tid -> pid, open addressing (tid 0 marks a free slot). */
struct pidmap {
	uint64_t *tid;
	uint64_t *pid;
	size_t cap, n;
	/*
	 * The last lookup: events come in runs of one thread.  0 and 0 (as zeroed)
	 * when there is none: tid 0 is never in the map, so it is its own process.
	 */
	uint64_t last_tid, last_pid;
};

/* What convert looks up of a ppm code, in one place: one load of each per event. */
struct code {
	uint8_t kind;                    /* CODE_* bits */
	int16_t id;                      /* the kite event id of its records, -1: none */
	const struct kite_event_desc *d; /* that event's desc (set once the schema is complete) */
};

/* How a ppm value becomes a kite value, decided once per parameter from its ppm type (add_value). */
enum value_op {
	OP_COPY,     /* the same bytes */
	OP_FLAGS,    /* an integer a flag set translates (x/eset) */
	OP_STR,      /* a string: without its trailing NUL */
	OP_SOCKADDR, /* a unix path's trailing NUL dropped */
	OP_TUPLE,    /* a unix tuple's trailing NUL dropped */
	OP_TUPLE_IN, /* the same, and the ends of an IP tuple swapped (a receive's) */
};

/* One kite parameter of a plan. */
struct plan_param {
	int8_t x, e;       /* its index in the exit event and in the enter event (-1: not there) */
	int8_t xset, eset; /* translation_of each */
	uint8_t xop, eop;  /* enum value_op for each */
	uint8_t width;     /* kite_param_width: a translated value is written at least this wide */
	int8_t memo_set;   /* the last translation (SCAP_FLAGS_NONE: none yet): the same flags recur */
	uint64_t memo_in, memo_out;
};

/*
 * How to build the record of one ppm code paired with one enter code: for each
 * kite parameter, its index in the exit event and in the enter event (-1: not
 * there), and what its value needs.  Found by name once, so converting an
 * event compares no strings and looks at no ppm types.
 */
struct plan {
	int16_t kid; /* the kite event type it was made for */
	/* what it was made for (plan_key); PLAN_NONE until made */
	uint32_t key;
	uint8_t pairs, inbound;
	uint8_t note; /* what kite_tidset_note is told of its records (want_note), kept by set_want */
	/*
	 * record_fits: what the sizes of the event and its enter may add up to;
	 * 0 (no event is that short) unless no ppm value is taken twice and their
	 * lengths are 2 bytes (the exit's and the enter's).
	 */
	uint32_t fits_size;
	int8_t tid_at, pid_at; /* where the exit event says which process a thread is in */
	uint8_t learns;        /* both are there (most events have neither): learn_pids tests this first */
	struct plan_param p[KITE_MAX_PARAMS];
};

struct kite_scap_import {
	scap_file *f;
	uint64_t uncounted; /* events sysdig 0.29.3 skips (codes it does not know): not in ordinals */
	uint64_t ordinal;   /* that count at the event that made the last record returned */
	char *name;
	struct kite_schema schema;
	const struct kite_event_desc **events;
	struct kite_event_desc *extra;
	uint32_t nextra;
	struct code *codes; /* per ppm code */
	struct plan *plans; /* per ppm code */
	uint16_t nmap;      /* how many codes (scap_event_max) */
	int16_t *sc_map;    /* generic events: PPM_SC code -> kite event id, named after the syscall */
	struct kite_param_desc generic_params[2];
	struct kite_header hdr;
	/* state records built before the first event, handed out first */
	uint8_t *state;
	size_t state_len, state_cap, state_pos;
	struct scap_item held; /* the first event, read while opening */
	int have_held, done;
	int special; /* state records left, an event held, or done: kite_scap_import_next tests this only */
	struct pending *pend; /* per tid, open addressing by tid */
	size_t npend;
	struct pending *last_pend;      /* the slot pending_of returned last */
	struct pending *lazy[LAZY_MAX]; /* the slots whose enter is still in the reader's window */
	uint32_t nlazy;
	struct pidmap pids;
	/* kite_scap_import_set_want: per kite id, 0 when its records may be passed over (NULL: all wanted) */
	uint8_t *want;
	uint32_t nwant;
	struct kite_tidset
	        seen;   /* threads with a record handed out (their first event is never passed over) */
	uint64_t until; /* no event later than this is passed over (UINT64_MAX: no bound, so one compare) */
	uint64_t passed, passed_ts;
	uint8_t *rec; /* KITE_EVT_MAX_LEN */
	uint8_t *out; /* kite_scap_import_set_out: where the next event's record is built, else rec */
	struct kite_scap_import_stats st;
	char err[512];
};

/* ---- small maps ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int pidmap_grow(struct pidmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	uint64_t *t = calloc(cap, sizeof(*t)), *p = calloc(cap, sizeof(*p));
	if (!t || !p) {
		free(t);
		free(p);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->tid[i])
			continue;
		size_t j = mix(m->tid[i]) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = m->tid[i];
		p[j] = m->pid[i];
	}
	free(m->tid);
	free(m->pid);
	m->tid = t;
	m->pid = p;
	m->cap = cap;
	return 0;
}

static void pidmap_set(struct pidmap *m, uint64_t tid, uint64_t pid)
{
	if (!tid || tid == (uint64_t)-1)
		return;
	m->last_tid = m->last_pid = 0; /* no last lookup (it may be tid's) */
	if ((m->n + 1) * 2 > m->cap && pidmap_grow(m) < 0)
		return;
	size_t j = mix(tid) & (m->cap - 1);
	while (m->tid[j] && m->tid[j] != tid)
		j = (j + 1) & (m->cap - 1);
	if (!m->tid[j])
		m->n++;
	m->tid[j] = tid;
	m->pid[j] = pid;
}

static __attribute__((noinline)) uint64_t pidmap_find(const struct pidmap *m, uint64_t tid)
{
	if (!m->cap)
		return tid;
	size_t j = mix(tid) & (m->cap - 1);
	while (m->tid[j]) {
		if (m->tid[j] == tid)
			return m->pid[j];
		j = (j + 1) & (m->cap - 1);
	}
	return tid; /* as sysdig: an unknown thread is its own process */
}

/* pidmap_find, first trying the last lookup (inline: once per record, mostly the same thread) */
static inline __attribute__((always_inline)) uint64_t pidmap_get(struct pidmap *m, uint64_t tid)
{
	if (m->last_tid != tid) {
		m->last_pid = pidmap_find(m, tid);
		m->last_tid = tid;
	}
	return m->last_pid;
}

/* The pending-enter slot of a thread (created). */
static __attribute__((noinline)) struct pending *pending_slot(kite_scap_import *im, uint64_t tid)
{
	if (!im->npend) {
		im->npend = 4096;
		im->pend = calloc(im->npend, sizeof(*im->pend));
		if (!im->pend) {
			im->npend = 0;
			return NULL;
		}
	}
	size_t j = mix(tid) & (im->npend - 1);
	for (size_t probes = 0; probes < im->npend; probes++) {
		struct pending *p = &im->pend[j];
		if (!p->used || p->tid == tid) {
			p->used = 1;
			p->tid = tid;
			return p;
		}
		j = (j + 1) & (im->npend - 1);
	}
	/* full: reuse the home slot (an old thread's enter is forgotten) */
	struct pending *p = &im->pend[mix(tid) & (im->npend - 1)];
	p->tid = tid;
	p->type = 0;
	return p;
}

/*
 * pending_slot, first trying the slot found last: a slot holding tid is that
 * thread's only one (slots are never freed, and a full table's reuse takes a
 * slot from another thread).
 */
static inline struct pending *pending_of(kite_scap_import *im, uint64_t tid)
{
	struct pending *p = im->last_pend;
	if (!p || p->tid != tid)
		p = im->last_pend = pending_slot(im, tid);
	return p;
}

/* The length of value i of a pending enter. */
static inline uint32_t pending_len(const struct pending *p, uint32_t i)
{
	const uint8_t *l = p->raw + i * p->lsz;
	/* lsz is 2 or 4: one test rather than kite_get_u's switch */
	return p->lsz == 4 ? (uint32_t)kite_get_u(l, 4) : (uint32_t)kite_get_u(l, 2);
}

/* Where value i of a pending enter starts, and its length in *n. */
static inline __attribute__((always_inline)) const uint8_t *pending_value(const struct pending *p, uint32_t i,
                                                                          uint32_t *n)
{
	const uint8_t *v = p->raw + p->nparams * p->lsz;
	for (uint32_t k = 0; k < i; k++)
		v += pending_len(p, k);
	*n = pending_len(p, i);
	return v;
}

/* Copies a lazy pending enter out of the reader's window into its buf (out of memory: forgotten). */
static void keep_pending(struct pending *p)
{
	p->lazy = 0;
	if (!p->type)
		return; /* paired or passed over since: nothing to keep */
	size_t need = (size_t)p->nparams * p->lsz;
	for (uint32_t i = 0; i < p->nparams; i++)
		need += pending_len(p, i);
	if (need > p->cap) {
		uint8_t *b = realloc(p->buf, need);
		if (!b) {
			p->type = 0;
			return;
		}
		p->buf = b;
		p->cap = need;
	}
	if (need)
		memcpy(p->buf, p->raw, need);
	p->raw = p->buf;
}

/* The reader is about to move its window (scap_file_on_move): the enters still in it are copied. */
static void keep_pendings(void *ctx)
{
	kite_scap_import *im = ctx;
	for (uint32_t i = 0; i < im->nlazy; i++)
		keep_pending(im->lazy[i]);
	im->nlazy = 0;
}

/*
 * Remembers an enter event (of kind bits `kind`) for its thread's exit: where
 * it lies in the window, copied only if it must be.
 */
static void remember_enter(kite_scap_import *im, const struct scap_evt *ev, unsigned kind)
{
	struct pending *p = pending_of(im, ev->tid);
	if (!p)
		return;
	uint32_t lsz = 2 + ((kind & CODE_LARGE) >> 2); /* 4 for large payloads, else 2 */
	p->lsz = (uint8_t)lsz;
	/* its lengths, the values right after them (struct scap_evt): an enter need not be split */
	p->raw = ev->lens;
	p->nparams = ev->nparams;
	p->size = ev->size;
	p->type = ev->type;
	if (p->lazy)
		return; /* listed already */
	if (im->nlazy < LAZY_MAX) {
		p->lazy = 1;
		im->lazy[im->nlazy++] = p;
	} else {
		keep_pending(p);
	}
}

/* ---- value translation: ppm numbers to Linux's where kite's tables decode them ---- */

/*
 * The set that turns a parameter's ppm value into the Linux one kite's table
 * decodes (fcntl's F_DUPFD is 1 in ppm, 0 in Linux), or SCAP_FLAGS_NONE.
 */
static int8_t translation_of(const struct scap_param_info *pi, const struct kite_param_desc *kd)
{
	if (!pi->info || !kd)
		return SCAP_FLAGS_NONE;
	enum scap_flagset set = scap_flagset_of(pi->info);
	if (set == SCAP_FLAGS_EXECVE && kd->table != KITE_TBL_EXECVE_FLAGS)
		return SCAP_FLAGS_NONE; /* kite's table for it holds its own bits */
	return (int8_t)set;
}

/* ---- records ---- */

static int is_int_type(uint8_t t)
{
	switch (t) {
	case SCAP_PT_INT8:
	case SCAP_PT_INT16:
	case SCAP_PT_INT32:
	case SCAP_PT_INT64:
	case SCAP_PT_UINT8:
	case SCAP_PT_UINT16:
	case SCAP_PT_UINT32:
	case SCAP_PT_UINT64:
	case SCAP_PT_ERRNO:
	case SCAP_PT_FD:
	case SCAP_PT_PID:
	case SCAP_PT_SYSCALLID:
	case SCAP_PT_SIGTYPE:
	case SCAP_PT_RELTIME:
	case SCAP_PT_ABSTIME:
	case SCAP_PT_PORT:
	case SCAP_PT_L4PROTO:
	case SCAP_PT_SOCKFAMILY:
	case SCAP_PT_BOOL:
	case SCAP_PT_FLAGS8:
	case SCAP_PT_FLAGS16:
	case SCAP_PT_FLAGS32:
	case SCAP_PT_UID:
	case SCAP_PT_GID:
	case SCAP_PT_SIGSET:
	case SCAP_PT_MODE:
	case SCAP_PT_ENUMFLAGS8:
	case SCAP_PT_ENUMFLAGS16:
	case SCAP_PT_ENUMFLAGS32: return 1;
	default: return 0;
	}
}

static int is_str_type(uint8_t t)
{
	return t == SCAP_PT_CHARBUF || t == SCAP_PT_FSPATH || t == SCAP_PT_FSRELPATH;
}

static uint64_t get_le(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* What add_value does with a value of ppm type t (inbound: of a receive, whose tuple is swapped). */
static uint8_t value_op(uint8_t t, int8_t set, int inbound)
{
	if (is_int_type(t)) /* the same bytes, unless a flag set translates the value */
		return set != SCAP_FLAGS_NONE ? OP_FLAGS : OP_COPY;
	if (is_str_type(t))
		return OP_STR;
	if (t == SCAP_PT_SOCKADDR)
		return OP_SOCKADDR;
	if (t == SCAP_PT_SOCKTUPLE)
		return inbound ? OP_TUPLE_IN : OP_TUPLE;
	return OP_COPY;
}

/* scap_flags_from_ppm, remembering the last value (a parameter's flags are mostly the same). */
static uint64_t translate(struct plan_param *pp, int8_t set, uint64_t x)
{
	if (pp->memo_set != set || pp->memo_in != x) {
		pp->memo_out = scap_flags_from_ppm((enum scap_flagset)set, x);
		pp->memo_in = x;
		pp->memo_set = set;
	}
	return pp->memo_out;
}

/*
 * Adds one parameter's value (n bytes at v; none: not available), converted
 * from its ppm encoding as op says.  -1 when it does not fit: the record
 * fails.  checked 0: the caller knows it fits (record_fits).
 */
static inline __attribute__((always_inline)) int add_value(struct kite_evt_builder *b, struct plan_param *pp,
                                                           uint8_t op, int8_t set, const uint8_t *v,
                                                           uint32_t n, int checked)
{
	uint8_t tmp[64]; /* a translated integer or a swapped tuple */
	/*
	 * Most values are copied as they are (tested first: no jump through the
	 * switch's table); none (n 0, v NULL) is too: each case tests n before v.
	 */
	if (op != OP_COPY) {
		switch (op) {
		case OP_FLAGS:
			if (n == 1 || n == 2 || n == 4 || n == 8) {
				uint64_t x = kite_get_u(v, (uint16_t)n), t = translate(pp, set, x);
				/* at kite's width: Linux's F_DUPFD_CLOEXEC (1030) needs more than ppm's byte */
				if (t != x) {
					memcpy(tmp, &t, sizeof(t)); /* little-endian: the low bytes first */
					v = tmp;
					n = pp->width > n ? pp->width : n; /* kite widths are at most 8 */
				}
			}
			break;
		case OP_STR: /* kite strings carry no NUL */
			if (n && v[n - 1] == 0)
				n--;
			break;
		case OP_SOCKADDR: /* unix paths: no NUL either */
			if (n > 1 && v[0] == 1 && v[n - 1] == 0)
				n--;
			break;
		case OP_TUPLE_IN:
			if (scap_tuple_swap(v, n, tmp)) {
				v = tmp;
				break;
			}
			/* fall through */
		case OP_TUPLE:
			if (n > 17 && v[0] == 1 && v[n - 1] == 0)
				n--;
			break;
		default: break;
		}
	}
	uint8_t *at;
	if (checked) {
		at = kite_evt_slot_fast(b, n);
		if (!at)
			return -1;
	} else {
		at = kite_evt_slot_unchecked(b, n);
	}
	kite_copy_small(at, v, n);
	return 0;
}

/* Where parameter `name` is in an event: index, or -1. */
static int param_at(const struct scap_event_info *info, uint32_t nparams, const char *name)
{
	for (uint32_t i = 0; info && i < info->nparams && i < nparams; i++)
		if (!strcmp(info->params[i].name, name))
			return (int)i;
	return -1;
}

static void ferr(kite_scap_import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ferr(kite_scap_import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof(im->err), fmt, ap);
	va_end(ap);
}

/* Where kite's parameter `name` of event `event` is in a ppm event: index, or -1. */
static int param_in(const struct scap_event_info *info, const char *event, const char *name)
{
	int at = info ? param_at(info, info->nparams, name) : -1;
	const char *alias = at < 0 && info ? scap_alias_ppm(event, name) : NULL;
	return alias ? param_at(info, info->nparams, alias) : at;
}

/* What the seen set is told of a record of kite type id (kite_tidset_note): 0, nothing, without a want. */
static uint8_t want_note(const kite_scap_import *im, int16_t id)
{
	if (!im->want)
		return 0;
	return (uint32_t)id < im->nwant ? im->want[id] : 1;
}

/*
 * A plan's kite type and enter code (-1: none, as 0xffff) in one word, so that
 * plan_for tests them with one compare.  PLAN_NONE is no pair of them: kite
 * ids fit an int16_t here (struct code), so none is 0xffff.
 */
#define PLAN_NONE UINT32_MAX
static inline uint32_t plan_key(uint16_t kid, int32_t ecode)
{
	return (uint32_t)kid << 16 | (uint16_t)ecode;
}

/* The plan for exit (or enter-only) code xcode as kite type d, after an enter of code ecode (-1: none). */
static struct plan *plan_for(kite_scap_import *im, uint16_t xcode, const struct kite_event_desc *d,
                             int32_t ecode)
{
	struct plan *pl = &im->plans[xcode];
	if (pl->key == plan_key(d->id, ecode))
		return pl;
	const struct scap_event_info *xi = scap_event_info(xcode);
	const struct scap_event_info *ei = ecode >= 0 ? scap_event_info((uint16_t)ecode) : NULL;
	pl->kid = (int16_t)d->id;
	pl->key = plan_key(d->id, ecode);
	pl->note = want_note(im, pl->kid);
	pl->pairs = ei && ei->name && xi->name && !strcmp(ei->name, xi->name);
	pl->inbound = (uint8_t)scap_tuple_inbound(d->name);
	pl->tid_at = (int8_t)param_at(xi, xi->nparams, "tid");
	pl->pid_at = (int8_t)param_at(xi, xi->nparams, "pid");
	pl->learns = pl->tid_at >= 0 && pl->pid_at >= 0;
	int fits =
	        !(xi->flags & SCAP_EF_LARGE_PAYLOAD) && !(pl->pairs && (ei->flags & SCAP_EF_LARGE_PAYLOAD));
	for (uint32_t i = 0; i < d->nparams && i < KITE_MAX_PARAMS; i++) {
		struct plan_param *pp = &pl->p[i];
		const struct kite_param_desc *kd = &d->params[i];
		pp->x = (int8_t)param_in(xi, d->name, kd->name);
		pp->e = pl->pairs ? (int8_t)param_in(ei, d->name, kd->name) : -1;
		pp->xset = pp->x >= 0 ? translation_of(&xi->params[pp->x], kd) : SCAP_FLAGS_NONE;
		pp->eset = pp->e >= 0 ? translation_of(&ei->params[pp->e], kd) : SCAP_FLAGS_NONE;
		pp->xop = pp->x >= 0 ? value_op(xi->params[pp->x].type, pp->xset, pl->inbound) : OP_COPY;
		pp->eop = pp->e >= 0 ? value_op(ei->params[pp->e].type, pp->eset, pl->inbound) : OP_COPY;
		pp->width = (uint8_t)kite_param_width(kd);
		pp->memo_set = SCAP_FLAGS_NONE;
		for (uint32_t k = 0; k < i; k++)
			if ((pp->x >= 0 && pl->p[k].x == pp->x) || (pp->e >= 0 && pl->p[k].e == pp->e))
				fits = 0;
	}
	/* the header, the lengths, and at most 8 more bytes per value (record_fits), and the padding */
	uint32_t fixed = KITE_EVT_HDR_LEN + 2 * d->nparams + 8 * d->nparams + KITE_EVT_ALIGN;
	pl->fits_size = fits && fixed < KITE_EVT_MAX_LEN ? KITE_EVT_MAX_LEN - fixed : 0;
	return pl;
}

/*
 * Whether no value of a record can fail, so that it is built without a check
 * per value: each kite value is a distinct ppm value (of the event or of its
 * enter en) with a 16-bit length, at most 8 bytes longer once converted (a
 * translation widens a flag to at most 8 bytes), and the event's and the
 * enter's sizes bound what they add up to (plan_for's pl->fits_size).
 */
static int record_fits(const struct plan *pl, const struct scap_evt *ev, const struct pending *en)
{
	return (uint64_t)ev->size + (en ? en->size : 0) <= pl->fits_size;
}

/*
 * The values of a record (build_event): each parameter by name from the
 * event, else from the thread's pending enter event (en, when the plan pairs
 * them).  -1 when one does not fit; checked 0: they are known to (record_fits).
 */
static inline __attribute__((always_inline)) int add_values(struct kite_evt_builder *b, struct plan *pl,
                                                            uint32_t np, const struct scap_evt *ev,
                                                            const struct pending *en, int checked)
{
	const uint32_t xn = ev->nparams, enn = en ? en->nparams : 0;
	for (uint32_t i = 0; i < np; i++) {
		struct plan_param *pp = &pl->p[i];
		/* -1 (not there) becomes the largest unsigned: never below a count */
		uint32_t x = (uint32_t)(int32_t)pp->x, e = (uint32_t)(int32_t)pp->e;
		const uint8_t *v = NULL; /* none: not available */
		uint32_t n = 0;
		uint8_t op = OP_COPY;
		int8_t set = SCAP_FLAGS_NONE;
		if (x < xn)
			v = ev->param[x], n = ev->len[x], op = pp->xop, set = pp->xset;
		else if (e < enn)
			v = pending_value(en, e, &n), op = pp->eop, set = pp->eset;
		if (add_value(b, pp, op, set, v, n, checked) < 0)
			return -1;
	}
	return 0;
}

/* Builds the kite record for an event of kite type d as pl says. */
static const struct kite_evt *build_event(kite_scap_import *im, const struct kite_event_desc *d,
                                          struct plan *pl, const struct scap_evt *ev,
                                          const struct pending *en)
{
	struct kite_evt_builder b;
	uint64_t pid = pidmap_get(&im->pids, ev->tid);
	kite_evt_start(&b, im->out ? im->out : im->rec, d->id, d->nparams, ev->ts, (uint32_t)ev->tid,
	               (uint32_t)pid, ev->cpu);
	const uint32_t np = d->nparams;
	if (np > KITE_MAX_PARAMS) /* no plan for it: kite_evt_end would fail */
		return NULL;
	if (record_fits(pl, ev, en))
		add_values(&b, pl, np, ev, en, 0);
	else if (add_values(&b, pl, np, ev, en, 1) < 0)
		return NULL;      /* as kite_evt_end would */
	return kite_evt_seal(&b); /* every value added, none failed */
}

/* Keeps the tid -> pid map current from the events that say which process a thread is in. */
static void learn_pids(kite_scap_import *im, const struct scap_evt *ev, const struct plan *pl)
{
	if (!pl->learns)
		return;
	uint32_t tid = (uint32_t)pl->tid_at, pid = (uint32_t)pl->pid_at;
	if (tid < ev->nparams && pid < ev->nparams && ev->len[tid] == 8 && ev->len[pid] == 8)
		pidmap_set(&im->pids, get_le(ev->param[tid], 8), get_le(ev->param[pid], 8));
}

/* ---- the schema: kite's table plus the ppm exit events it lacks ---- */

static uint8_t kind_of(uint8_t t)
{
	switch (t) {
	case SCAP_PT_INT8:
	case SCAP_PT_INT16:
	case SCAP_PT_INT32:
	case SCAP_PT_INT64: return KITE_K_INT;
	case SCAP_PT_CHARBUF: return KITE_K_STRING;
	case SCAP_PT_ERRNO: return KITE_K_ERRNO;
	case SCAP_PT_SOCKADDR: return KITE_K_SOCKADDR;
	case SCAP_PT_SOCKTUPLE: return KITE_K_TUPLE;
	case SCAP_PT_FD: return KITE_K_FD;
	case SCAP_PT_PID: return KITE_K_PID;
	case SCAP_PT_FSPATH: return KITE_K_PATH;
	case SCAP_PT_FSRELPATH: return KITE_K_RELPATH;
	case SCAP_PT_SIGTYPE: return KITE_K_SIGNAL;
	case SCAP_PT_RELTIME: return KITE_K_RELTIME;
	case SCAP_PT_ABSTIME: return KITE_K_ABSTIME;
	case SCAP_PT_UID: return KITE_K_UID;
	case SCAP_PT_GID: return KITE_K_GID;
	case SCAP_PT_MODE: return KITE_K_MODE;
	case SCAP_PT_BYTEBUF:
	case SCAP_PT_FDLIST:
	case SCAP_PT_DYN:
	case SCAP_PT_DOUBLE:
	case SCAP_PT_IPV4ADDR:
	case SCAP_PT_IPV6ADDR:
	case SCAP_PT_CHARBUFARRAY:
	case SCAP_PT_CHARBUF_PAIR_ARRAY: return KITE_K_BYTES;
	default: return KITE_K_UINT;
	}
}

static uint8_t category_of(uint32_t ec)
{
	switch (ec & 0x1ff) {
	case 2: return KITE_CAT_FILE;
	case 3: return KITE_CAT_NET;
	case 4: return KITE_CAT_IPC;
	case 5: return KITE_CAT_MEMORY;
	case 6: return KITE_CAT_PROCESS;
	case 8: return KITE_CAT_SYSTEM;
	case 9: return KITE_CAT_SIGNAL;
	case 10: return KITE_CAT_USER;
	case 32: return KITE_CAT_IO_READ;
	case 33: return KITE_CAT_IO_WRITE;
	case 34: return KITE_CAT_IO_OTHER;
	default: return KITE_CAT_UNKNOWN;
	}
}

/* Adds the params of info not already in d (by name). */
static void add_params(struct kite_param_desc *out, uint8_t *n, const struct scap_event_info *info)
{
	for (uint32_t i = 0; info && i < info->nparams && *n < KITE_MAX_PARAMS; i++) {
		int dup = 0;
		for (uint8_t k = 0; k < *n && !dup; k++)
			dup = !strcmp(out[k].name, info->params[i].name);
		if (dup)
			continue;
		struct kite_param_desc *p = &out[(*n)++];
		p->name = info->params[i].name;
		p->kind = kind_of(info->params[i].type);
		p->fmt = info->params[i].fmt == SCAP_PF_HEX   ? KITE_FMT_HEX
		         : info->params[i].fmt == SCAP_PF_OCT ? KITE_FMT_OCT
		                                              : KITE_FMT_DEC;
		p->ref = KITE_NOREF;
		p->table = p->kind == KITE_K_SIGNAL ? KITE_TBL_SIGNALS : KITE_NOTABLE;
		unsigned dirfd;
		if (p->kind == KITE_K_RELPATH && info->params[i].info &&
		    sscanf(info->params[i].info, "DIRFD_PARAM(%u)", &dirfd) == 1)
			p->ref = (uint8_t)dirfd; /* an index among the exit's params, which come first */
		else if (p->kind == KITE_K_RELPATH)
			p->kind = KITE_K_PATH;
	}
}

/* A kite desc for ppm code x: its params, then (for an exit) those of its enter (x - 1) it lacks. */
static int make_extra(kite_scap_import *im, uint16_t x, uint16_t id)
{
	const struct scap_event_info *xi = scap_event_info(x), *ei = scap_event_info((uint16_t)(x - 1));
	struct kite_param_desc *params = calloc(KITE_MAX_PARAMS, sizeof(*params));
	if (!params)
		return -1;
	struct kite_event_desc *d = &im->extra[im->nextra++];
	d->id = id;
	d->name = xi->name;
	d->category = category_of(xi->category);
	d->sysnr = -1;
	d->flags = (xi->category & 512u) || xi->dir == 'X' ? KITE_EF_SYSCALL : 0; /* EC_SYSCALL */
	if (xi->dir == 'E')
		d->flags |= KITE_EF_ENTER;
	if (xi->flags & SCAP_EF_CREATES_FD)
		d->flags |= KITE_EF_CREATES_FD;
	if (xi->flags & SCAP_EF_DESTROYS_FD)
		d->flags |= KITE_EF_CLOSES_FD;
	uint8_t n = 0;
	add_params(params, &n, xi);
	if (xi->dir == 'X' && ei && ei->dir == 'E')
		add_params(params, &n, ei);
	/* a relpath's dirfd index refers to the exit's params: drop refs out of range */
	for (uint8_t i = 0; i < n; i++)
		if (params[i].ref != KITE_NOREF && params[i].ref >= n) {
			params[i].ref = KITE_NOREF;
			params[i].kind = KITE_K_PATH;
		}
	d->nparams = n;
	d->params = params;
	return 0;
}

/*
 * Generic events (ppm "syscall", for syscalls the driver has no event for)
 * carry the syscall as a PPM_SC code; sysdig shows that syscall's name as
 * evt.type.  Each code gets the type of that name (kite's, an extra, or a
 * new one with the generic event's ID and nativeID).
 */
static int build_sc_map(kite_scap_import *im, uint32_t *next)
{
	im->sc_map = malloc((size_t)scap_sc_max * sizeof(*im->sc_map));
	if (!im->sc_map)
		return -1;
	im->generic_params[0] =
	        (struct kite_param_desc){"ID", KITE_K_UINT, KITE_FMT_DEC, KITE_NOREF, 0, KITE_NOTABLE};
	im->generic_params[1] =
	        (struct kite_param_desc){"nativeID", KITE_K_UINT, KITE_FMT_DEC, KITE_NOREF, 0, KITE_NOTABLE};
	/*
	 * Every PPM_SC name gets a type of its own, even one kite's table has (mprotect in
	 * old captures): the record keeps the generic event's two params, it shows as sysdig
	 * shows it (no res), and the .scap writer writes it back as a generic event.
	 */
	for (uint16_t c = 0; c < scap_sc_max; c++) {
		struct kite_event_desc *d = &im->extra[im->nextra++];
		d->id = (uint16_t)*next;
		d->name = scap_sc_name(c);
		d->category = KITE_CAT_UNKNOWN;
		d->sysnr = -1;
		d->flags = KITE_EF_SYSCALL;
		d->nparams = 2;
		d->params = im->generic_params;
		im->events[*next] = d;
		im->sc_map[c] = (int16_t)(*next)++;
	}
	return 0;
}

/*
 * Whether an enter event takes its thread's place as "the last enter", as in
 * libsinsp: scheduler switches, procinfo and container events do not, so a
 * switch between a write's enter and exit leaves the write's fd in place.
 */
static int pairs_with_exit(const struct scap_event_info *xi)
{
	return !(xi->flags & SCAP_EF_SKIPPARSERESET) && strcmp(xi->name, "switch") != 0 &&
	       strncmp(xi->name, "container", 9) != 0;
}

static int build_schema(kite_scap_import *im)
{
	const struct kite_schema *bi = kite_schema_builtin();
	uint16_t max = scap_event_max;
	im->nmap = max;
	im->codes = calloc(max, sizeof(*im->codes));
	im->plans = calloc(max, sizeof(*im->plans));
	if (!im->plans || !im->codes)
		return -1;
	for (uint16_t c = 0; c < max; c++)
		im->plans[c].key = PLAN_NONE;
	for (uint16_t c = 0; c < max; c++) {
		const struct scap_event_info *ci = scap_event_info(c);
		if (ci && ci->dir == 'E' && ci->name && pairs_with_exit(ci))
			im->codes[c].kind |= CODE_PAIRING_ENTER;
		if (ci && ci->dir == 'X')
			im->codes[c].kind |= CODE_EXIT;
		if (c >= scap_event_max_0293)
			im->codes[c].kind |= CODE_UNCOUNTED;
		if (ci && (ci->flags & SCAP_EF_LARGE_PAYLOAD))
			im->codes[c].kind |= CODE_LARGE;
		/* no want yet: nothing is passed over (neither CODE_UNDECIDED nor CODE_PASS) */
	}
	im->extra = calloc((size_t)max + scap_sc_max, sizeof(*im->extra));
	uint32_t cap = bi->max_event_id + 1 + max + scap_sc_max;
	im->events = calloc(cap, sizeof(*im->events));
	if (!im->extra || !im->events)
		return -1;
	memcpy(im->events, bi->events, (bi->max_event_id + 1) * sizeof(*im->events));
	uint32_t next = bi->max_event_id + 1;
	for (uint16_t c = 0; c < max; c++) {
		im->codes[c].id = -1;
		const struct scap_event_info *xi = scap_event_info(c);
		if (!xi || !xi->name || (xi->flags & SCAP_EF_UNUSED) || !strcmp(xi->name, "NA"))
			continue;
		const struct kite_event_desc *kd = kite_schema_find(bi, xi->name);
		/* exits always; an enter only when it has no exit (procexit, container metadata) */
		const struct scap_event_info *pair = scap_event_info(xi->dir == 'E' ? (uint16_t)(c + 1) : 0);
		int enter_only = xi->dir == 'E' &&
		                 (!pair || (pair->flags & SCAP_EF_UNUSED) || strcmp(pair->name, xi->name));
		if (kd && !(kd->flags & KITE_EF_STATE)) {
			if (xi->dir == 'X' || enter_only)
				im->codes[c].id = (int16_t)kd->id;
			continue;
		}
		if ((xi->dir != 'X' && !enter_only) || kd)
			continue;
		/* the same name at another code (another version) shares the desc, with the params of both */
		for (uint32_t k = 0; k < im->nextra; k++)
			if (!strcmp(im->extra[k].name, xi->name)) {
				struct kite_event_desc *d = &im->extra[k];
				add_params((struct kite_param_desc *)d->params, &d->nparams, xi);
				im->codes[c].id = (int16_t)d->id;
				break;
			}
		if (im->codes[c].id >= 0)
			continue;
		if (make_extra(im, c, (uint16_t)next) < 0)
			return -1;
		im->events[next] = &im->extra[im->nextra - 1];
		im->codes[c].id = (int16_t)next++;
	}
	if (build_sc_map(im, &next) < 0)
		return -1;
	for (uint16_t c = 0; c < max; c++)
		im->codes[c].d = im->codes[c].id >= 0 ? im->events[im->codes[c].id] : NULL;
	im->schema = *bi;
	im->schema.owned = NULL;
	im->schema.serial = kite_schema_serial();
	im->schema.events = im->events;
	im->schema.max_event_id = next - 1;
	return 0;
}

/* ---- state records ---- */

static int state_push(kite_scap_import *im, const struct kite_evt *e)
{
	if (!e)
		return 0; /* too big: dropped */
	if (im->state_len + e->len > im->state_cap) {
		size_t cap = im->state_cap ? im->state_cap : STATE_CAP_INIT;
		while (cap < im->state_len + e->len)
			cap *= 2;
		uint8_t *s = realloc(im->state, cap);
		if (!s)
			return -1;
		im->state = s;
		im->state_cap = cap;
	}
	memcpy(im->state + im->state_len, e, e->len);
	im->state_len += e->len;
	return 0;
}

static void add_list(struct kite_evt_builder *b, const uint8_t *p, uint32_t n)
{
	while (n && p[n - 1] == 0) /* kite lists are NUL-separated, without a trailing NUL */
		n--;
	kite_evt_add(b, p, n);
}

static const struct kite_evt *proc_record(kite_scap_import *im, const struct scap_proc *p)
{
	const struct kite_event_desc *d = kite_schema_event(&im->schema, KITE_EVT_STATE_PROC);
	struct kite_evt_builder b;
	kite_evt_begin(&b, im->rec, d->id, d->nparams, im->hdr.start_ns, (uint32_t)p->tid, (uint32_t)p->pid,
	               0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		if (!strcmp(n, "tid"))
			kite_evt_add_u(&b, p->tid, 8);
		else if (!strcmp(n, "pid"))
			kite_evt_add_u(&b, p->pid, 8);
		else if (!strcmp(n, "ppid"))
			kite_evt_add_u(&b, p->ptid, 8);
		else if (!strcmp(n, "comm"))
			kite_evt_add_str(&b, p->comm);
		else if (!strcmp(n, "exe"))
			kite_evt_add_str(&b, p->exe);
		else if (!strcmp(n, "exepath"))
			kite_evt_add_str(&b, p->exepath);
		else if (!strcmp(n, "args"))
			add_list(&b, p->args, p->args_len);
		else if (!strcmp(n, "cwd"))
			kite_evt_add_str(&b, p->cwd);
		else if (!strcmp(n, "uid") || !strcmp(n, "euid") || !strcmp(n, "suid"))
			kite_evt_add_u(&b, p->uid, 4);
		else if (!strcmp(n, "gid") || !strcmp(n, "egid") || !strcmp(n, "sgid"))
			kite_evt_add_u(&b, p->gid, 4);
		else if (!strcmp(n, "loginuid"))
			kite_evt_add_u(&b, p->loginuid, 4);
		else if (!strcmp(n, "tty"))
			kite_evt_add_u(&b, p->tty, 4);
		else if (!strcmp(n, "cgroups"))
			add_list(&b, p->cgroups, p->cgroups_len);
		else if (!strcmp(n, "env"))
			add_list(&b, p->env, p->env_len);
		else if (!strcmp(n, "cap_permitted"))
			kite_evt_add_u(&b, p->cap_permitted, 8);
		else if (!strcmp(n, "cap_effective"))
			kite_evt_add_u(&b, p->cap_effective, 8);
		else if (!strcmp(n, "cap_inheritable"))
			kite_evt_add_u(&b, p->cap_inheritable, 8);
		else if (!strcmp(n, "vpid"))
			kite_evt_add_u(&b, (uint64_t)p->vpid, 8);
		else if (!strcmp(n, "vtid"))
			kite_evt_add_u(&b, (uint64_t)p->vtid, 8);
		else if (!strcmp(n, "pgid"))
			kite_evt_add_u(&b, p->vpgid, 8);
		else if (!strcmp(n, "sid"))
			kite_evt_add_u(&b, p->sid, 8);
		else if (!strcmp(n, "exe_ino"))
			kite_evt_add_u(&b, p->exe_ino, 8);
		else if (!strcmp(n, "flags"))
			kite_evt_add_u(&b,
			               (p->exe_writable ? KITE_EXE_WRITABLE : 0) |
			                       (p->exe_upper_layer ? KITE_EXE_UPPER_LAYER : 0) |
			                       (p->exe_from_memfd ? KITE_EXE_FROM_MEMFD : 0),
			               4);
		else
			kite_evt_add(&b, NULL, 0);
	}
	return kite_evt_end(&b);
}

static uint8_t fd_type_of(uint8_t t)
{
	switch (t) {
	case SCAP_FD_FILE:
	case SCAP_FD_FILE_V2: return KITE_FD_FILE;
	case SCAP_FD_DIRECTORY: return KITE_FD_DIRECTORY;
	case SCAP_FD_IPV4_SOCK:
	case SCAP_FD_IPV4_SERVSOCK: return KITE_FD_IPV4_SOCK;
	case SCAP_FD_IPV6_SOCK:
	case SCAP_FD_IPV6_SERVSOCK: return KITE_FD_IPV6_SOCK;
	case SCAP_FD_FIFO: return KITE_FD_PIPE;
	case SCAP_FD_UNIX_SOCK: return KITE_FD_UNIX_SOCK;
	case SCAP_FD_EVENT: return KITE_FD_EVENT;
	case SCAP_FD_SIGNALFD: return KITE_FD_SIGNALFD;
	case SCAP_FD_EVENTPOLL: return KITE_FD_EVENTPOLL;
	case SCAP_FD_INOTIFY: return KITE_FD_INOTIFY;
	case SCAP_FD_TIMERFD: return KITE_FD_TIMERFD;
	case SCAP_FD_NETLINK: return KITE_FD_NETLINK;
	case SCAP_FD_BPF: return KITE_FD_BPF;
	case SCAP_FD_USERFAULTFD: return KITE_FD_USERFAULTFD;
	case SCAP_FD_IOURING: return KITE_FD_IO_URING;
	case SCAP_FD_MEMFD: return KITE_FD_MEMFD;
	case SCAP_FD_PIDFD: return KITE_FD_PIDFD;
	default: return KITE_FD_UNKNOWN;
	}
}

/* The fd's tuple in kite's layout (sockets only); returns its length. */
static uint32_t fd_tuple(const struct scap_fdinfo *f, uint8_t *t)
{
	int v6 = f->type == SCAP_FD_IPV6_SOCK || f->type == SCAP_FD_IPV6_SERVSOCK;
	int server = f->type == SCAP_FD_IPV4_SERVSOCK || f->type == SCAP_FD_IPV6_SERVSOCK;
	uint32_t a = v6 ? 16 : 4, n = 0;
	if (f->type == SCAP_FD_UNIX_SOCK) {
		size_t l = strlen(f->name);
		if (l > 200)
			l = 200;
		t[0] = 1;
		memcpy(t + 1, &f->unix_src, 8);
		memcpy(t + 9, &f->unix_dst, 8);
		memcpy(t + 17, f->name, l);
		return 17 + (uint32_t)l;
	}
	if (!(v6 || f->type == SCAP_FD_IPV4_SOCK || f->type == SCAP_FD_IPV4_SERVSOCK))
		return 0;
	t[n++] = v6 ? 10 : 2;
	if (server) { /* a listening socket: only its own address, as the destination */
		memset(t + n, 0, a + 2);
		n += a + 2;
		memcpy(t + n, f->sip, a);
		n += a;
		memcpy(t + n, &f->sport, 2);
		return n + 2;
	}
	memcpy(t + n, f->sip, a);
	n += a;
	memcpy(t + n, &f->sport, 2);
	n += 2;
	memcpy(t + n, f->dip, a);
	n += a;
	memcpy(t + n, &f->dport, 2);
	return n + 2;
}

static const struct kite_evt *fd_record(kite_scap_import *im, const struct scap_fdinfo *f)
{
	const struct kite_event_desc *d = kite_schema_event(&im->schema, KITE_EVT_STATE_FD);
	struct kite_evt_builder b;
	uint8_t tuple[256];
	uint64_t pid = pidmap_get(&im->pids, f->tid);
	kite_evt_begin(&b, im->rec, d->id, d->nparams, im->hdr.start_ns, (uint32_t)f->tid, (uint32_t)pid, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		if (!strcmp(n, "pid"))
			kite_evt_add_u(&b, pid, 8);
		else if (!strcmp(n, "fd"))
			kite_evt_add_u(&b, (uint64_t)f->fd, 8);
		else if (!strcmp(n, "type"))
			kite_evt_add_u(&b, fd_type_of(f->type), 1);
		else if (!strcmp(n, "name"))
			kite_evt_add_str(&b, f->name);
		else if (!strcmp(n, "flags"))
			kite_evt_add_u(&b, scap_flags_from_ppm(SCAP_FLAGS_OPEN, f->open_flags), 4);
		else if (!strcmp(n, "tuple")) {
			uint32_t tl = fd_tuple(f, tuple);
			kite_evt_add(&b, tl ? tuple : NULL, tl);
		} else if (!strcmp(n, "ino"))
			kite_evt_add_u(&b, f->ino, 8);
		else if (!strcmp(n, "dev"))
			kite_evt_add_u(&b, f->dev, 4);
		else
			kite_evt_add(&b, NULL, 0);
	}
	return kite_evt_end(&b);
}

static const struct kite_evt *user_record(kite_scap_import *im, const struct scap_user *u)
{
	const struct kite_event_desc *d = kite_schema_event(&im->schema, KITE_EVT_STATE_USER);
	struct kite_evt_builder b;
	kite_evt_begin(&b, im->rec, d->id, d->nparams, im->hdr.start_ns, 0, 0, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		if (!strcmp(n, "uid"))
			kite_evt_add_u(&b, u->uid, 4);
		else if (!strcmp(n, "gid"))
			kite_evt_add_u(&b, u->gid, 4);
		else if (!strcmp(n, "name"))
			kite_evt_add_str(&b, u->name);
		else if (!strcmp(n, "home"))
			kite_evt_add_str(&b, u->home);
		else if (!strcmp(n, "shell"))
			kite_evt_add_str(&b, u->shell);
		else
			kite_evt_add(&b, NULL, 0);
	}
	return kite_evt_end(&b);
}

static const struct kite_evt *group_record(kite_scap_import *im, const struct scap_group *g)
{
	const struct kite_event_desc *d = kite_schema_event(&im->schema, KITE_EVT_STATE_GROUP);
	struct kite_evt_builder b;
	kite_evt_begin(&b, im->rec, d->id, d->nparams, im->hdr.start_ns, 0, 0, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		if (!strcmp(n, "gid"))
			kite_evt_add_u(&b, g->gid, 4);
		else if (!strcmp(n, "name"))
			kite_evt_add_str(&b, g->name);
		else
			kite_evt_add(&b, NULL, 0);
	}
	return kite_evt_end(&b);
}

/* A state item into the snapshot buffer (or machine info into the header). */
/* An interface address (IL entry) as a state_iface record: kite's sockaddr layout, port 0. */
static const struct kite_evt *iface_record(kite_scap_import *im, const struct scap_iface *i)
{
	const struct kite_event_desc *d = kite_schema_event(&im->schema, KITE_EVT_STATE_IFACE);
	struct kite_evt_builder b;
	int v6 = i->type == 2 || i->type == 4;
	size_t alen = v6 ? 16 : 4;
	uint8_t addr[19] = {0}, mask[19] = {0};
	addr[0] = mask[0] = v6 ? 10 : 2;
	memcpy(addr + 1, i->addr, alen);
	memcpy(mask + 1, i->netmask, alen);
	kite_evt_begin(&b, im->rec, d->id, d->nparams, im->hdr.start_ns, 0, 0, 0);
	for (uint32_t k = 0; k < d->nparams; k++) {
		const char *n = d->params[k].name;
		if (!strcmp(n, "name"))
			kite_evt_add_str(&b, i->name ? i->name : "");
		else if (!strcmp(n, "family")) {
			unsigned w = kite_param_width(&d->params[k]);
			kite_evt_add_u(&b, v6 ? 10 : 2, w ? w : 4);
		} else if (!strcmp(n, "addr"))
			kite_evt_add(&b, addr, (uint32_t)(1 + alen + 2));
		else if (!strcmp(n, "netmask"))
			kite_evt_add(&b, mask, (uint32_t)(1 + alen + 2));
		else
			kite_evt_add(&b, NULL, 0);
	}
	return kite_evt_end(&b);
}

static int take_state(kite_scap_import *im, const struct scap_item *it)
{
	switch (it->kind) {
	case SCAP_ITEM_MACHINE:
		free(im->hdr.hostname);
		im->hdr.hostname = strdup(it->u.machine.hostname);
		im->hdr.ncpus = it->u.machine.ncpus;
		im->hdr.boot_ns = it->u.machine.boot_ts;
		return 0;
	case SCAP_ITEM_PROC:
		pidmap_set(&im->pids, it->u.proc.tid, it->u.proc.pid);
		return state_push(im, proc_record(im, &it->u.proc));
	case SCAP_ITEM_FD: return state_push(im, fd_record(im, &it->u.fd));
	case SCAP_ITEM_USER: return state_push(im, user_record(im, &it->u.user));
	case SCAP_ITEM_GROUP: return state_push(im, group_record(im, &it->u.group));
	case SCAP_ITEM_IFACE: return state_push(im, iface_record(im, &it->u.iface));
	default: return 0;
	}
}

/* ---- the public side ---- */

static void reset_lazy(kite_scap_import *im);

kite_scap_import *kite_scap_import_open(int fd, const char *name, scap_warn_fn warn, void *warn_ctx,
                                        char *err, size_t errlen)
{
	kite_scap_import *im = calloc(1, sizeof(*im));
	if (!im || !(im->rec = malloc(KITE_EVT_MAX_LEN)) || !(im->name = strdup(name)) ||
	    build_schema(im) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (fd >= 0)
			close(fd);
		kite_scap_import_close(im);
		return NULL;
	}
	im->special = 1;
	im->f = scap_file_open(fd, name, warn, warn_ctx, err, errlen);
	if (!im->f) {
		kite_scap_import_close(im);
		return NULL;
	}
	scap_file_on_move(im->f, keep_pendings, im);
	reset_lazy(im);
	im->hdr.format_version = KITE_FORMAT_VERSION;
	im->hdr.driver = strdup("scap");
	im->hdr.recorder = strdup("sysdig/Falco (.scap)");
	uint16_t maj, min;
	scap_file_version(im->f, &maj, &min);
	/* state first: everything up to the first event */
	for (;;) {
		int rc = scap_file_next(im->f, &im->held);
		if (rc < 0) {
			snprintf(err, errlen, "%s", scap_file_error(im->f));
			kite_scap_import_close(im);
			return NULL;
		}
		if (rc == 0)
			break;
		if (im->held.kind == SCAP_ITEM_EVENT) {
			im->have_held = 1;
			im->hdr.start_ns = im->held.u.evt.ts;
			break;
		}
		if (take_state(im, &im->held) < 0) {
			snprintf(err, errlen, "%s: out of memory", name);
			kite_scap_import_close(im);
			return NULL;
		}
	}
	/* state records were stamped before the start was known */
	for (size_t off = 0; off < im->state_len;) {
		struct kite_evt *e = (struct kite_evt *)(im->state + off);
		e->ts = im->hdr.start_ns;
		off += e->len;
	}
	return im;
}

const struct kite_schema *kite_scap_import_schema(const kite_scap_import *im)
{
	return &im->schema;
}

const struct kite_header *kite_scap_import_header(const kite_scap_import *im)
{
	return &im->hdr;
}

/*
 * Whether the events of ppm code `code` are passed over (kite_scap_import_set_want):
 * an exit (or enter-only event) whose kite type is not wanted, or an enter event
 * that pairs only with such an exit.  Never a generic event (its type is in its
 * parameters) nor one that says which process a thread is in (learn_pids).
 */
static int decide_pass(kite_scap_import *im, uint16_t code)
{
	const struct scap_event_info *xi = scap_event_info(code);
	if (code <= 1 || !xi)
		return 0;
	uint16_t exit_code = code;
	if (im->codes[code].kind & CODE_PAIRING_ENTER) {
		/* ppm numbers each enter event and its exit consecutively */
		const struct scap_event_info *x = scap_event_info((uint16_t)(code + 1));
		if (!x || x->dir != 'X' || !x->name || !xi->name || strcmp(x->name, xi->name))
			return 0;
		exit_code = (uint16_t)(code + 1);
		xi = x;
	}
	int16_t id = exit_code < im->nmap ? im->codes[exit_code].id : -1;
	if (id < 0 || (uint32_t)id >= im->nwant || im->want[id])
		return 0;
	return param_at(xi, xi->nparams, "tid") < 0 && param_at(xi, xi->nparams, "pid") < 0;
}

/* 1 when ev (of a code below nmap, of kind bits `kind`) is passed over unconverted. */
static int passed_over(kite_scap_import *im, const struct scap_evt *ev, unsigned kind)
{
	if (!(kind & (CODE_UNDECIDED | CODE_PASS)))
		return 0;            /* the common case (decided: converted), one test */
	if (kind & CODE_UNDECIDED) { /* only with a want: without, every code is decided (not passed) */
		struct code *c = &im->codes[ev->type];
		c->kind =
		        (uint8_t)((c->kind & ~CODE_UNDECIDED) | (decide_pass(im, ev->type) ? CODE_PASS : 0));
		kind = c->kind;
		if (kind & CODE_PASS) /* mostly passed over: split only when converted after all */
			scap_file_set_lazy(im->f, ev->type, 1);
	}
	if (!(kind & CODE_PASS) || ev->ts > im->until)
		return 0;
	/*
	 * A thread's first event is converted whatever its type: the replay creates
	 * an unknown thread at its first event, and where that is matters (its
	 * process, a clone that finds it).  So is its enter event, for the pairing.
	 * (An enter passed over for a known thread, then a reset by another thread's
	 * exec or exit, gives an exit converted without its enter's parameters: a
	 * record of a type nobody reads, handed out only to create its thread.)
	 */
	if (kind & CODE_PAIRING_ENTER) {
		if (!kite_tidset_has(&im->seen, ev->tid))
			return 0;
		/* as remembering it would: an older enter must not pair with a later exit */
		struct pending *p = pending_of(im, ev->tid);
		if (p)
			p->type = 0;
		return 1;
	}
	if (kite_tidset_add(&im->seen, ev->tid))
		return 0;
	im->passed++; /* an exit (or enter-only event): it would have made a record */
	im->passed_ts = ev->ts;
	return 1;
}

/* Converts one event; NULL when it yields no record. */
static const struct kite_evt *convert(kite_scap_import *im, struct scap_evt *ev)
{
	im->st.scap_events++;
	if (ev->type >= scap_event_max) { /* a code beyond ppm's table (nmap: a constant once linked) */
		im->uncounted += ev->type >= scap_event_max_0293;
		return NULL;
	}
	const struct code *c = &im->codes[ev->type];
	unsigned kind = c->kind;
	if (kind & CODE_UNCOUNTED)
		im->uncounted++;
	if (passed_over(im, ev, kind))
		return NULL;
	if (kind & CODE_PAIRING_ENTER)
		remember_enter(im, ev, kind);
	const struct kite_event_desc *d = c->d;
	if (!d)
		return NULL;
	if (!ev->split) /* of a code read lazily (reset_lazy): its values are needed after all */
		scap_file_split(im->f, ev);
	if (ev->flags & 1) { /* SCAP_DF_STATE_ONLY: sysdig parses it but does not show it */
		im->st.skipped++;
	}
	struct pending *p = kind & CODE_EXIT ? pending_of(im, ev->tid) : NULL;
	if (ev->type <= 1 && ev->nparams > 0 && ev->len[0] == 2) {
		uint16_t sc = (uint16_t)get_le(ev->param[0], 2);
		if (sc < scap_sc_max)
			d = kite_schema_event(&im->schema, (uint32_t)im->sc_map[sc]);
	}
	struct plan *pl = plan_for(im, ev->type, d, p && p->type ? p->type : -1);
	struct pending *en = pl->pairs ? p : NULL;
	learn_pids(im, ev, pl);
	const struct kite_evt *rec = build_event(im, d, pl, ev, en);
	if (en)
		en->type = 0; /* paired: no later exit pairs with it */
	else if (kind & CODE_EXIT)
		im->st.unpaired_exits++;
	if (rec) /* what the thread's first events are from now on */
		kite_tidset_note(&im->seen, pl->note, ev->tid);
	return rec;
}

int kite_scap_import_next(kite_scap_import *im, const struct kite_evt **e)
{
	struct scap_item *it = &im->held;
	int held = 0;
	if (im->special) {
		if (im->state_pos < im->state_len) {
			const struct kite_evt *s = (const struct kite_evt *)(im->state + im->state_pos);
			im->state_pos += s->len;
			im->st.records++;
			im->ordinal = 0;
			*e = s;
			return 1;
		}
		if (im->done)
			return 0;
		held = im->have_held; /* the first event, read while opening */
		im->have_held = 0;
		im->special = 0;
	}
	/* the loop of most events: read, convert, until one makes a record */
	const struct kite_evt *r;
	do {
		if (!held) {
			int rc = scap_file_next(im->f, it);
			if (rc <= 0) {
				if (rc < 0) {
					ferr(im, "%s", scap_file_error(im->f));
					return -1;
				}
				im->done = im->special = 1;
				return 0;
			}
		}
		held = 0;
		/* an item other than an event is a list after the first event (a second section): ignored */
		r = it->kind == SCAP_ITEM_EVENT ? convert(im, &it->u.evt) : NULL;
	} while (!r);
	im->st.records++;
	im->ordinal = im->st.scap_events - im->uncounted; /* those sysdig 0.29.3 reads */
	*e = r;
	return 1;
}

/*
 * The codes whose events the reader need not split (scap_file_set_lazy):
 * enters, remembered from their lengths (remember_enter), and the codes
 * passed over (passed_over names them as it decides).  convert splits one
 * when it makes a record of it after all.
 */
static void reset_lazy(kite_scap_import *im)
{
	for (uint16_t c = 0; c < im->nmap; c++)
		scap_file_set_lazy(im->f, c, (im->codes[c].kind & (CODE_PAIRING_ENTER | CODE_PASS)) != 0);
}

/* Every code decided (nothing passed over: want NULL), or none (decided when first met); notes anew. */
static void reset_pass(kite_scap_import *im, int decided)
{
	for (uint16_t c = 0; c < im->nmap; c++)
		im->plans[c].note = want_note(im, im->plans[c].kid);
	for (uint16_t c = 0; c < im->nmap; c++)
		im->codes[c].kind = (uint8_t)((im->codes[c].kind & ~(CODE_UNDECIDED | CODE_PASS)) |
		                              (decided ? 0 : CODE_UNDECIDED));
}

int kite_scap_import_set_want(kite_scap_import *im, const uint8_t *types, uint32_t ntypes, uint64_t until)
{
	free(im->want);
	im->want = NULL;
	im->nwant = 0;
	reset_pass(im, 1);
	reset_lazy(im);
	if (!types)
		return 0;
	im->want = malloc(ntypes ? ntypes : 1);
	if (!im->want)
		return -1;
	memcpy(im->want, types, ntypes);
	im->nwant = ntypes;
	im->until = until ? until : UINT64_MAX; /* the caller's 0: no bound */
	reset_pass(im, 0);
	reset_lazy(im);
	return 1;
}

void kite_scap_import_set_out(kite_scap_import *im, uint8_t *buf)
{
	im->out = buf;
}

uint64_t kite_scap_import_passed(const kite_scap_import *im, uint64_t *last_ts)
{
	if (last_ts)
		*last_ts = im->passed_ts;
	return im->passed;
}

uint64_t kite_scap_import_ordinal(const kite_scap_import *im)
{
	return im->ordinal;
}

const char *kite_scap_import_error(const kite_scap_import *im)
{
	return im->err;
}

const struct kite_scap_import_stats *kite_scap_import_stats(const kite_scap_import *im)
{
	return &im->st;
}

int kite_scap_import_truncated(const kite_scap_import *im)
{
	return im->f && scap_file_truncated(im->f);
}

void kite_scap_import_close(kite_scap_import *im)
{
	if (!im)
		return;
	if (im->f)
		scap_file_close(im->f);
	for (uint32_t i = 0; i < im->nextra; i++)
		if (im->extra[i].params != im->generic_params)
			free((void *)im->extra[i].params);
	free(im->sc_map);
	free(im->extra);
	free(im->events);
	free(im->codes);
	free(im->plans);
	free(im->want);
	kite_tidset_free(&im->seen);
	for (size_t i = 0; i < im->npend; i++)
		free(im->pend[i].buf);
	free(im->pend);
	free(im->pids.tid);
	free(im->pids.pid);
	free(im->state);
	free(im->rec);
	free(im->name);
	free(im->hdr.hostname);
	free(im->hdr.driver);
	free(im->hdr.recorder);
	free(im);
}
