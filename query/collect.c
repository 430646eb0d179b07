/* collect.c - drives the replay engine for SQL: process/thread lifetimes from its hooks, row emission. */
#include "collect.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "rules.h"

/* ---- cells ---- */

struct kq_cell *kq_row_begin(struct kq_collect *k, int table)
{
	memset(k->row, 0, sizeof(k->row[0]) * kq_tables[table].ncols);
	k->row_table = table;
	return k->row;
}

void kq_set_int(struct kq_collect *k, int col, int64_t v)
{
	if (!kq_used(k, k->row_table, col))
		return;
	k->row[col].t = KQ_VINT;
	k->row[col].i = v;
}

/* Text is copied into the step's arena: what it points to (state, record) may go before the row is read. */
void kq_set_text(struct kq_collect *k, int col, const char *s, size_t len)
{
	if (!s || !kq_used(k, k->row_table, col))
		return;
	k->row[col].t = KQ_VTEXT;
	k->row[col].s = kite_arena_strndup(&k->arena, s, len);
	k->row[col].len = (uint32_t)len;
}

void kq_set_str(struct kq_collect *k, int col, const char *s)
{
	if (s)
		kq_set_text(k, col, s, strlen(s));
}

void kq_emit(struct kq_collect *k)
{
	k->o.emit(k->o.ctx, k->row_table, k->row);
}

int kq_pid_ok(const struct kq_collect *k, int64_t pid)
{
	return !k->filter.has_pid || k->filter.pid == pid;
}

/* ---- process and thread lifetimes, from the state's hooks ---- */

struct kq_proc *kq_proc_of(struct kq_collect *k, struct kite_proc *p, const struct kite_ctx *c)
{
	/*
	 * Events of no thread (tid 0) belong to the state's stand-in process, pid 0:
	 * no lifetime, no id.  Giving it one when a row first asked would shift the
	 * ids of every later process by whether such a row was built.
	 */
	if (!p || p->pid <= 0)
		return NULL;
	if (!p->user) { /* a process the hooks did not announce: give it an id now */
		struct kq_proc *r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->id = ++k->next_proc_id;
		r->ppid = p->ppid;
		r->host = c && c->src ? c->src->hostname : k->host0;
		r->start_ts = p->start_ts;
		r->next = k->procs;
		if (k->procs)
			k->procs->prev = r;
		k->procs = r;
		p->user = r;
	}
	return p->user;
}

int64_t kq_proc_id(struct kq_collect *k, struct kite_proc *p, const struct kite_ctx *c)
{
	struct kq_proc *r = kq_proc_of(k, p, c);
	return r ? r->id : 0;
}

static void hook_proc_new(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	p->user = NULL; /* a new lifetime, even when the pid was seen before */
	struct kq_proc *r = kq_proc_of(k, p, c);
	if (!r)
		return;
	r->from_snapshot = c && c->map && c->map->d && (c->map->d->flags & KITE_EF_STATE);
	/* a fork knows its start; a process first seen mid-capture does not (start_ts stays 0 = NULL) */
	r->start_ts = p->start_ts;
	struct kite_proc *parent = kite_proc_parent(k->rp.state, p);
	r->parent_id = parent && parent->user ? ((struct kq_proc *)parent->user)->id : 0;
}

static void hook_proc_exec(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	struct kq_proc *r = kq_proc_of(ctx, p, c);
	if (r)
		r->execs++;
}

/* Unlinks a process record; freed at the next step, since the event that ended it may still need its id. */
static void proc_retire(struct kq_collect *k, struct kite_proc *p)
{
	struct kq_proc *r = p->user;
	if (!r)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		k->procs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = k->dead;
	r->prev = NULL;
	k->dead = r;
}

static void hook_proc_exit(void *ctx, struct kite_proc *p, const struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	if (kq_wants(k, KQ_PROCESSES))
		kq_row_process(k, p, c && c->e ? c->e->ts : 0, 1);
	proc_retire(k, p);
}

static void hook_fd_close(void *ctx, struct kite_proc *p, struct kite_fd *fd, const struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	kq_row_fd(k, p, fd, c && c->e ? c->e->ts : 0, c);
}

static void hook_thread_new(void *ctx, struct kite_thread *t, const struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	if (!kq_wants(k, KQ_THREADS))
		return;
	struct kq_thread *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->t = t;
	r->start_ts = t->start_ts;
	r->host = c && c->src ? c->src->hostname : k->host0;
	r->next = k->threads;
	if (k->threads)
		k->threads->prev = r;
	k->threads = r;
	t->user = r;
}

static void thread_unlink(struct kq_collect *k, struct kq_thread *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		k->threads = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->t->user = NULL;
	free(r);
}

static void hook_thread_exit(void *ctx, struct kite_thread *t, const struct kite_ctx *c)
{
	struct kq_collect *k = ctx;
	struct kq_thread *r = t->user;
	if (!r)
		return;
	kq_row_thread(k, r, c && c->e ? c->e->ts : 0, c);
	thread_unlink(k, r);
}

static void free_dead(struct kq_collect *k)
{
	while (k->dead) {
		struct kq_proc *r = k->dead;
		k->dead = r->next;
		free(r);
	}
}

/* ---- opening ---- */

/* Per source: which event ids the type filter keeps, and which are file operations. */
static int source_info(struct kq_collect *k, unsigned i)
{
	const struct kite_schema *s = k->rp.src[i].schema;
	struct kq_srcinfo *si = &k->si[i];
	si->n = s->max_event_id + 1;
	si->type_ok = calloc(si->n, 1);
	si->fileop = calloc(si->n, 1);
	if (!si->type_ok || !si->fileop)
		return -1;
	for (uint32_t id = 0; id < si->n; id++) {
		const struct kite_event_desc *d = s->events[id];
		si->type_ok[id] = !k->filter.types;
		si->fileop[id] = d ? kq_fileop_kind(d->name) : 0;
		for (unsigned t = 0; d && k->filter.types && t < k->filter.ntypes; t++)
			if (!strcmp(d->name, k->filter.types[t]))
				si->type_ok[id] = 1;
	}
	return 0;
}

/* Which tables need the replay at all: captures alone can come from the headers and indexes. */
static int needs_replay(const struct kq_collect *k)
{
	if (k->o.tables & ~(1u << KQ_CAPTURES))
		return 1;
	for (unsigned i = 0; i < k->rp.nsrc; i++)
		if (!kite_reader_index(k->rp.src[i].r))
			return 1; /* its span and event count come from reading it */
	return 0;
}

struct kq_collect *kq_collect_open(const struct kq_collect_opts *o, char *err, size_t errlen)
{
	struct kq_collect *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->o = *o;
	if (o->filter)
		k->filter = *o->filter;
	/* open each file once on its own first: the replay prints, the SQL caller wants the reason */
	for (unsigned i = 0; i < o->nfiles; i++) {
		if (!strcmp(o->files[i], "-"))
			continue;
		char why[512];
		kite_reader *r = kite_reader_open(o->files[i], NULL, why, sizeof(why));
		if (!r) {
			snprintf(err, errlen, "%s", why);
			free(k);
			return NULL;
		}
		kite_reader_close(r);
	}
	struct kite_replay_opts ro = {.from = k->filter.from, .to = k->filter.to};
	if (kite_replay_open(&k->rp, o->files, o->nfiles, &ro) < 0) {
		snprintf(err, errlen, "cannot read the captures (see above)");
		kq_collect_close(k);
		return NULL;
	}
	k->opened = 1;
	k->host0 = k->rp.nsrc && k->rp.src[0].hostname ? k->rp.src[0].hostname : NULL;
	k->si = calloc(k->rp.nsrc ? k->rp.nsrc : 1, sizeof(*k->si));
	for (unsigned i = 0; k->si && i < k->rp.nsrc; i++)
		if (source_info(k, i) < 0) {
			free(k->si[i].type_ok);
			free(k->si[i].fileop);
			k->si[i].type_ok = k->si[i].fileop = NULL;
			snprintf(err, errlen, "out of memory");
			kq_collect_close(k);
			return NULL;
		}
	if (!k->si || kq_rows_init(k) < 0 || kq_skip_chunks(k) < 0) {
		snprintf(err, errlen, "out of memory");
		kq_collect_close(k);
		return NULL;
	}
	struct kite_state_hooks h = {.ctx = k,
	                             .proc_new = hook_proc_new,
	                             .proc_exec = hook_proc_exec,
	                             .proc_exit = hook_proc_exit,
	                             .fd_close = hook_fd_close,
	                             .thread_new = hook_thread_new,
	                             .thread_exit = hook_thread_exit};
	kite_state_set_hooks(k->rp.state, &h);
	/*
	 * events alone, without proc_id (process ids are numbered from the
	 * capture's start): a lower time bound starts at the keyframe before it,
	 * with the same state and evt_num as a full replay.
	 */
	int jump = o->tables == 1u << KQ_EVENTS && k->filter.from &&
	           !(o->used[KQ_EVENTS] & (1ull << EV_PROC_ID));
	if (k->filter.empty || !needs_replay(k) || kq_index_rules_out(k))
		k->replay_done = 1;
	else if (jump && kite_replay_jump_keyframe(&k->rp) < 0) {
		snprintf(err, errlen, "cannot seek in the captures (see above)");
		kq_collect_close(k);
		return NULL;
	} else if (o->tables == 1u << KQ_DROPS && k->filter.from && kite_replay_seek(&k->rp) < 0) {
		/* drop records need no state: a lower time bound jumps there with the index */
		snprintf(err, errlen, "cannot seek in the captures (see above)");
		kq_collect_close(k);
		return NULL;
	}
	return k;
}

/* ---- stepping ---- */

/* The end: what is still alive becomes rows with no end time, then one row per capture. */
static void flush_alive(struct kq_collect *k)
{
	if (kq_wants(k, KQ_THREADS))
		while (k->threads) {
			kq_row_thread(k, k->threads, 0, NULL);
			thread_unlink(k, k->threads);
		}
	kq_rows_flush_procs(k);
	if (kq_wants(k, KQ_CAPTURES))
		for (unsigned i = 0; i < k->rp.nsrc; i++)
			kq_row_capture(k, &k->rp.src[i], i);
}

int kq_collect_step(struct kq_collect *k, char *err, size_t errlen)
{
	free_dead(k);
	kite_arena_reset(&k->arena);
	if (k->finished)
		return 0;
	if (!k->replay_done) {
		struct kite_ctx *c;
		int rc = kite_replay_next(&k->rp, &c);
		if (rc == 1) {
			kq_rows_event(k, c);
			return 1;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s",
			         k->rp.failed ? "reading a capture failed (see above)" : "replay failed");
			return -1;
		}
		k->replay_done = 1;
		k->replay_read = 1;
	}
	if (!k->filter.empty)
		flush_alive(k);
	k->finished = 1;
	return 1;
}

int kq_collect_damaged(const struct kq_collect *k)
{
	return k->opened && kite_replay_damage(&k->rp) != 0;
}

void kq_collect_close(struct kq_collect *k)
{
	if (!k)
		return;
	free_dead(k);
	while (k->threads)
		thread_unlink(k, k->threads);
	if (k->opened)
		kite_state_set_hooks(k->rp.state, NULL);
	while (k->procs) {
		struct kq_proc *r = k->procs;
		k->procs = r->next;
		free(r);
	}
	for (unsigned i = 0; k->si && i < k->rp.nsrc; i++) {
		free(k->si[i].type_ok);
		free(k->si[i].fileop);
	}
	free(k->si);
	kq_rows_free(k);
	kite_replay_close(&k->rp);
	kite_arena_free(&k->arena);
	free(k);
}

/* ---- rules ---- */

struct kite_rules *kq_rules_load(char **paths, unsigned n, char **err)
{
	*err = NULL;
	kite_rules *r = kite_rules_new();
	if (!r)
		return NULL;
	int rc = 0;
	for (unsigned i = 0; i < n; i++)
		rc |= kite_rules_load_path(r, paths[i]);
	struct kite_rules_select sel = {.min_priority = KITE_PRIO_DEBUG};
	if (rc == 0 && kite_rules_compile(r, &sel) == 0)
		return r;
	/* the diagnostics, as kite replay prints them, become the error message */
	size_t len = 0;
	FILE *f = open_memstream(err, &len);
	if (f) {
		kite_rules_print_diags(r, f, "", 1);
		fclose(f);
	}
	kite_rules_free(r);
	return NULL;
}
