/* state.c - the replay state: threads, processes and their lineage, lifetimes and settle, apply, lookups. */
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"

/* ---- lineage ---- */

static void proc_unlink(struct kite_state *s, struct proc *p)
{
	struct kite_proc *pp = &p->pub, *next = pp->next_sibling, *prev = pp->prev_sibling;
	if (p->parent) {
		if (prev)
			prev->next_sibling = next;
		else
			p->parent->pub.first_child = next;
		p->parent->pub.nchildren--;
	} else if (p->in_orphans) {
		if (prev)
			prev->next_sibling = next;
		else if (next)
			kmap_put(&s->orphans, pp->ppid, next);
		else
			kmap_del(&s->orphans, pp->ppid, p);
	}
	if (next)
		next->prev_sibling = prev;
	pp->next_sibling = pp->prev_sibling = NULL;
	p->parent = NULL;
	p->in_orphans = 0;
}

/* Links p under its ppid: into the parent's child list, or the orphan map until that parent appears. */
static void proc_link(struct kite_state *s, struct proc *p)
{
	struct kite_proc *pp = &p->pub;
	if (pp->ppid <= 0)
		return;
	struct proc *par = kmap_get(&s->procs, pp->ppid);
	if (par == p || (par && par->dead))
		par = NULL;
	struct kite_proc *head = par ? par->pub.first_child : kmap_get(&s->orphans, pp->ppid);
	pp->next_sibling = head;
	pp->prev_sibling = NULL;
	if (head)
		head->prev_sibling = pp;
	if (par) {
		par->pub.first_child = pp;
		par->pub.nchildren++;
		p->parent = par;
	} else {
		kmap_put(&s->orphans, pp->ppid, p);
		p->in_orphans = 1;
	}
}

void proc_set_parent(struct kite_state *s, struct proc *p, int64_t ppid)
{
	if (ppid == p->pub.ppid && (p->parent || p->in_orphans || ppid <= 0))
		return;
	proc_unlink(s, p);
	p->pub.ppid = ppid;
	proc_link(s, p);
}

/* A new process adopts the children that were waiting for its pid. */
static void proc_adopt(struct kite_state *s, struct proc *p)
{
	struct kite_proc *head = kmap_get(&s->orphans, p->pub.pid);
	if (!head)
		return;
	kmap_del(&s->orphans, p->pub.pid, head);
	struct kite_proc *last = NULL;
	for (struct kite_proc *k = head; k; k = k->next_sibling) {
		struct proc *kp = (struct proc *)k;
		kp->in_orphans = 0;
		kp->parent = p;
		p->pub.nchildren++;
		last = k;
	}
	last->next_sibling = p->pub.first_child;
	if (p->pub.first_child)
		p->pub.first_child->prev_sibling = last;
	p->pub.first_child = head;
}

/*
 * Where an exiting process's children go: procexit's reaper when the driver
 * knows it, else the nearest ancestor that is a pid-namespace init, else
 * pid 1.  (A PR_SET_CHILD_SUBREAPER ancestor is not visible in a capture
 * without reaper_tid.)
 */
static int64_t reaper_of(struct kite_state *s, struct proc *p, int64_t reaper_tid)
{
	int64_t r = -1;
	if (reaper_tid > 0) {
		struct thr *t = kmap_get(&s->threads, reaper_tid);
		r = t ? t->pub.proc->pid : reaper_tid;
	} else {
		int depth = 0;
		for (struct proc *a = p->parent; a && depth < 4096; a = a->parent, depth++)
			if (a != p && !a->dead && a->pub.vpid == 1) {
				r = a->pub.pid;
				break;
			}
	}
	return r > 0 && r != p->pub.pid ? r : 1;
}

static void reparent_children(struct kite_state *s, struct proc *p, int64_t reaper)
{
	while (p->pub.first_child) {
		struct proc *k = (struct proc *)p->pub.first_child;
		proc_unlink(s, k);
		k->pub.ppid = reaper;
		proc_link(s, k);
	}
}

/* ---- threads and processes ---- */

static void stats_threads(struct kite_state *s, int delta)
{
	s->st.threads += (uint64_t)(int64_t)delta;
	if (s->st.threads > s->st.max_threads)
		s->st.max_threads = s->st.threads;
}

struct thr *thread_new(struct kite_state *s, struct proc *p, int64_t tid, uint64_t ts,
                       const struct kite_ctx *c)
{
	struct thr *old = kmap_get(&s->threads, tid);
	struct thr *t = state_alloc(sizeof(*t));
	t->pub.tid = tid;
	t->pub.vtid = -1;
	t->pub.creator = -1;
	t->pub.proc = &p->pub;
	t->pub.start_ts = ts;
	t->tnext = p->threads;
	if (p->threads)
		p->threads->tprev = t;
	p->threads = t;
	p->pub.nthreads++;
	if (old && !old->dead) /* a tid we missed the exit of: the new thread replaces it */
		thread_exit(s, old, c, 0);
	kmap_put(&s->threads, tid, t);
	stats_threads(s, 1);
	if (s->hooks.thread_new)
		s->hooks.thread_new(s->hooks.ctx, &t->pub, c);
	return t;
}

struct proc *proc_new(struct kite_state *s, int64_t pid, struct kite_fdtable *fdt, const struct kite_ctx *c)
{
	struct proc *old = kmap_get(&s->procs, pid);
	if (old && !old->dead)
		proc_evict(s, old, c);
	struct proc *p = state_alloc(sizeof(*p));
	struct kite_proc *pp = &p->pub;
	pp->pid = pid;
	pp->ppid = pp->vpid = pp->pgid = pp->vpgid = pp->sid = -1;
	pp->uid = pp->gid = pp->euid = pp->egid = pp->suid = pp->sgid = pp->loginuid = UINT32_MAX;
	pp->fdt = fdt ? fdt : fdt_new();
	kmap_put(&s->procs, pid, p);
	s->st.procs++;
	proc_adopt(s, p);
	return p;
}

void hook_proc_new(struct kite_state *s, struct proc *p, const struct kite_ctx *c)
{
	if (s->hooks.proc_new)
		s->hooks.proc_new(s->hooks.ctx, &p->pub, c);
}

void proc_copy_info(struct proc *dst, const struct proc *src)
{
	struct kite_proc *d = &dst->pub;
	const struct kite_proc *o = &src->pub;
	memcpy(d->comm, o->comm, sizeof(d->comm));
	d->exe = kstr_ref(o->exe);
	d->exepath = kstr_ref(o->exepath);
	d->args = kstr_ref(o->args);
	d->args_len = o->args_len;
	d->env = kstr_ref(o->env);
	d->env_len = o->env_len;
	d->cwd = kstr_ref(o->cwd);
	d->root = kstr_ref(o->root);
	d->cgroups = kstr_ref(o->cgroups);
	d->cgroups_len = o->cgroups_len;
	d->container = o->container;
	d->uid = o->uid, d->gid = o->gid, d->euid = o->euid, d->egid = o->egid;
	d->suid = o->suid, d->sgid = o->sgid, d->loginuid = o->loginuid;
	d->tty = o->tty;
	d->cap_permitted = o->cap_permitted, d->cap_effective = o->cap_effective;
	d->cap_inheritable = o->cap_inheritable;
	d->exec_ts = o->exec_ts;
	d->exe_ino = o->exe_ino, d->exe_ino_ctime = o->exe_ino_ctime, d->exe_ino_mtime = o->exe_ino_mtime;
	d->exe_flags = o->exe_flags;
	d->fdlimit = o->fdlimit;
	d->pgid = o->pgid, d->vpgid = o->vpgid, d->sid = o->sid;
	d->known = o->known;
	d->tty_known = o->tty_known, d->caps_known = o->caps_known, d->loginuid_known = o->loginuid_known;
}

static void proc_exit(struct kite_state *s, struct proc *p, const struct kite_ctx *c, int64_t reaper_tid)
{
	if (p->dead)
		return;
	p->dead = 1;
	p->pub.exited = 1;
	if (c && c->e)
		p->pub.exit_ts = c->e->ts;
	reparent_children(s, p, reaper_of(s, p, reaper_tid));
	if (p->pub.fdt->refs == 1)
		fd_close_all(s, p, c); /* the table dies with it: fd_close hooks see every fd go */
	if (s->hooks.proc_exit)
		s->hooks.proc_exit(s->hooks.ctx, &p->pub, c);
	p->dead_next = s->dead_proc;
	s->dead_proc = p;
	s->pending = 1;
}

void thread_exit(struct kite_state *s, struct thr *t, const struct kite_ctx *c, int64_t reaper_tid)
{
	if (t->dead)
		return;
	t->dead = 1;
	t->pub.exited = 1;
	struct proc *p = (struct proc *)t->pub.proc;
	if (t->tprev)
		t->tprev->tnext = t->tnext;
	else
		p->threads = t->tnext;
	if (t->tnext)
		t->tnext->tprev = t->tprev;
	t->tnext = t->tprev = NULL;
	p->pub.nthreads--;
	if (s->hooks.thread_exit)
		s->hooks.thread_exit(s->hooks.ctx, &t->pub, c);
	if (t->from_child) { /* the parent's clone event may still come: it must not bring the child back */
		s->await[s->await_next++ % KITE_AWAIT] = t->pub.tid;
	}
	t->dead_next = s->dead_thr;
	s->dead_thr = t;
	s->pending = 1;
	if (p->pub.nthreads == 0)
		proc_exit(s, p, c, reaper_tid);
}

void proc_evict(struct kite_state *s, struct proc *p, const struct kite_ctx *c)
{
	while (p->threads)
		thread_exit(s, p->threads, c, 0);
	proc_exit(s, p, c, 0);
}

int await_take(struct kite_state *s, int64_t tid)
{
	for (size_t i = 0; i < KITE_AWAIT; i++)
		if (s->await[i] == tid) {
			s->await[i] = 0;
			return 1;
		}
	return 0;
}

/* ---- lifetime ---- */

struct kite_state *kite_state_new(void)
{
	struct kite_state *s = state_alloc(sizeof(*s));
	memset(s->none_info.pos, -1, sizeof(s->none_info.pos));
	s->none_fdt.refs = 1;
	struct kite_proc *np = &s->none_proc.pub;
	np->ppid = np->vpid = np->pgid = np->vpgid = np->sid = -1;
	np->uid = np->gid = np->euid = np->egid = np->suid = np->sgid = np->loginuid = UINT32_MAX;
	np->fdt = &s->none_fdt;
	s->none_thr.pub.vtid = -1;
	s->none_thr.pub.proc = np;
	return s;
}

static void proc_free(struct kite_state *s, struct proc *p)
{
	struct kite_proc *pp = &p->pub;
	kstr_put(pp->exe);
	kstr_put(pp->exepath);
	kstr_put(pp->args);
	kstr_put(pp->env);
	kstr_put(pp->cwd);
	kstr_put(pp->root);
	kstr_put(pp->cgroups);
	fdt_release(s, pp->fdt);
	free(p);
}

static void user_free(struct kite_user *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u);
}

void kite_state_free(struct kite_state *s)
{
	if (!s)
		return;
	kite_state_settle(s);
	for (uint32_t i = 0; i < s->threads.cap; i++)
		free(s->threads.vals[i]);
	for (uint32_t i = 0; i < s->procs.cap; i++)
		if (s->procs.vals[i])
			proc_free(s, s->procs.vals[i]);
	for (uint32_t i = 0; i < s->users.cap; i++)
		if (s->users.vals[i])
			user_free(s->users.vals[i]);
	for (uint32_t i = 0; i < s->groups.cap; i++)
		if (s->groups.vals[i]) {
			free(((struct kite_group *)s->groups.vals[i])->name);
			free(s->groups.vals[i]);
		}
	for (uint32_t i = 0; i < s->containers.cap; i++)
		if (s->containers.vals[i])
			container_free(s->containers.vals[i]);
	free(s->ifaces);
	while (s->nspare_fds)
		free(s->spare_fds[--s->nspare_fds]);
	fd_names_free(s);
	kmap_free(&s->threads);
	kmap_free(&s->procs);
	kmap_free(&s->users);
	kmap_free(&s->groups);
	kmap_free(&s->containers);
	kmap_free(&s->orphans);
	while (s->schemas) {
		struct schema_cache *sc = s->schemas;
		s->schemas = sc->next;
		free(sc->maps);
		free(sc->info);
		free(sc);
	}
	free(s->dead_fds);
	free(s);
}

void kite_state_set_hooks(struct kite_state *s, const struct kite_state_hooks *h)
{
	if (h)
		s->hooks = *h;
	else
		memset(&s->hooks, 0, sizeof(s->hooks));
}

/*
 * The rarer part of settle: threads and processes that ended, and a dead fd
 * list grown long.  Kept out of line, so that settling after a close stays short.
 */
__attribute__((noinline)) static void settle_ends(struct kite_state *s)
{
	while (s->dead_thr) {
		struct thr *t = s->dead_thr;
		s->dead_thr = t->dead_next;
		kmap_del(&s->threads, t->pub.tid, t);
		if (s->last == t)
			s->last = NULL;
		stats_threads(s, -1);
		free(t);
	}
	while (s->dead_proc) {
		struct proc *p = s->dead_proc;
		s->dead_proc = p->dead_next;
		reparent_children(s, p, 1); /* none are linked after the exit; kept safe all the same */
		proc_unlink(s, p);
		kmap_del(&s->procs, p->pub.pid, p);
		s->st.procs--;
		proc_free(s, p);
	}
	if (s->dead_fds_cap > 1024) { /* one close_range of many fds should not pin memory */
		free(s->dead_fds);
		s->dead_fds = NULL;
		s->dead_fds_cap = 0;
	}
}

/*
 * Settling what the record before left (s->pending).  Inline: kite_state_apply
 * runs it for every record (a close leaves one fd to free).
 */
static inline void settle(struct kite_state *s)
{
	if (s->renamed) {
		s->renamed->name_changed = 0;
		s->renamed = NULL;
	}
	for (uint32_t i = 0; i < s->ndead_fds; i++)
		fd_free(s, s->dead_fds[i]);
	s->ndead_fds = 0;
	if (s->dead_thr || s->dead_proc || s->dead_fds_cap > 1024)
		settle_ends(s);
	s->pending = 0;
}

void kite_state_settle(struct kite_state *s)
{
	if (s->pending)
		settle(s);
}

/* ---- applying one record ---- */

/* A thread seen for the first time mid-capture: empty, in the process of the record's pid. */
static struct thr *thread_unknown(struct kite_state *s, const struct kite_ctx *c, int exec)
{
	int64_t tid = c->e->tid, pid = kite_evt_pid(c->e);
	struct proc *p = kmap_get(&s->procs, pid);
	int fresh = !p || p->dead;
	if (fresh)
		p = proc_new(s, pid, NULL, c);
	struct thr *t = thread_new(s, p, tid, 0, c);
	/* an exec by a non-leader thread comes back under the leader's tid: not news */
	if (fresh || !exec)
		s->st.unknown_threads++;
	if (fresh)
		hook_proc_new(s, p, c);
	return t;
}

static struct thr *event_thread(struct kite_state *s, const struct kite_ctx *c, int exec)
{
	int64_t tid = c->e->tid;
	if (!tid)
		return &s->none_thr;
	struct thr *t = s->last;
	if (t && t->pub.tid == tid)
		return t;
	t = kmap_get(&s->threads, tid);
	if (!t)
		t = thread_unknown(s, c, exec);
	s->last = t;
	return t;
}

/* ctx->fdnum from the evmap: the fd param, or the result of an fd-creating call when it succeeded. */
static void event_fdnum(struct kite_ctx *c)
{
	const struct kite_evmap *m = c->map;
	int64_t v, r;
	if (!m || m->fd < 0 || !pget_i(c, m->fd, &v) || v < 0)
		return;
	if (m->fd_is_res && m->res >= 0 && m->res != m->fd && (!pget_i(c, m->res, &r) || r < 0))
		return;
	c->fdnum = v;
}

static void on_drop(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t n;
	if (pget_u(c, ei->pos[P_NEVENTS], &n))
		s->st.drops += n;
}

static void on_user(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t uid, gid = UINT32_MAX;
	const char *v;
	uint16_t n;
	if (!pget_u(c, ei->pos[P_UID], &uid))
		return;
	pget_u(c, ei->pos[P_GID], &gid);
	struct kite_user *u = kmap_get(&s->users, (int64_t)uid);
	if (!u) {
		u = state_alloc(sizeof(*u));
		kmap_put(&s->users, (int64_t)uid, u);
	}
	u->uid = (uint32_t)uid;
	u->gid = (uint32_t)gid;
	char **dst[] = {&u->name, &u->home, &u->shell};
	const int pos[] = {ei->pos[P_NAME], ei->pos[P_HOME], ei->pos[P_SHELL]};
	for (int i = 0; i < 3; i++) {
		free(*dst[i]);
		n = pget_s(c, pos[i], &v);
		*dst[i] = n ? strndup(v, n) : NULL;
	}
}

static void on_group(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t gid;
	const char *v;
	if (!pget_u(c, ei->pos[P_GID], &gid))
		return;
	struct kite_group *g = kmap_get(&s->groups, (int64_t)gid);
	if (!g) {
		g = state_alloc(sizeof(*g));
		kmap_put(&s->groups, (int64_t)gid, g);
	}
	g->gid = (uint32_t)gid;
	free(g->name);
	uint16_t n = pget_s(c, ei->pos[P_NAME], &v);
	g->name = n ? strndup(v, n) : NULL;
}

/* Records about no thread (drops, users, groups, interfaces); 1 when c was one of them. */
static int apply_threadless(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	switch (ei->handler) {
	case H_DROP: on_drop(s, c, ei); break;
	case H_STATE_USER: on_user(s, c, ei); break;
	case H_STATE_GROUP: on_group(s, c, ei); break;
	case H_STATE_IFACE: state_iface_record(s, c, ei); break;
	case H_CONTAINER: on_container(s, c, ei); break;
	default: return 0;
	}
	c->thr = &s->none_thr.pub;
	c->proc = c->thr->proc;
	return 1;
}

/* Records of the handlers from H_DROP on: about no thread, or snapshot records. */
__attribute__((noinline)) static void apply_unthreaded(struct kite_state *s, struct kite_ctx *c,
                                                       const struct evinfo *ei)
{
	if (apply_threadless(s, c, ei))
		return;
	if (ei->handler == H_STATE_PROC)
		state_proc_record(s, c, ei);
	else if (ei->handler == H_STATE_FD)
		state_fd_record(s, c, ei);
}

void kite_state_apply(struct kite_state *s, struct kite_ctx *c)
{
	if (s->pending)
		settle(s);
	c->state = s;
	c->fd = NULL;
	c->fdnum = -1;
	if (!c->schema) {
		c->thr = &s->none_thr.pub;
		c->proc = c->thr->proc;
		return;
	}
	if (!c->map) { /* a caller of its own (the replay sets it) */
		const struct schema_cache *sc = schema_cache(s, c->schema);
		c->map = c->e->type < sc->n ? &sc->maps[c->e->type] : &sc->maps[0];
	}
	const struct evinfo *ei = evinfo_of(s, c);
	_Static_assert(H_DROP < H_STATE_PROC && H_STATE_PROC < H_STATE_FD && H_STATE_FD < H_STATE_USER &&
	                       H_STATE_USER < H_STATE_GROUP && H_STATE_GROUP < H_STATE_IFACE &&
	                       H_STATE_IFACE < H_CONTAINER && H_CONTAINER + 1 == H_COUNT,
	               "the handlers of records about no thread come last");
	if (ei->handler >= H_DROP) {
		apply_unthreaded(s, c, ei);
		return;
	}
	event_fdnum(c);
	int64_t res;
	/* a clone child's first event describes it fully: it must not be created empty first */
	if (ei->handler == H_CLONE && pget_i(c, ei->pos[P_RES], &res) && res == 0 && c->e->tid) {
		proc_apply(s, c, ei);
		return;
	}
	struct thr *t = event_thread(s, c, ei->handler == H_EXECVE);
	c->thr = &t->pub;
	c->proc = t->pub.proc;
	/* one dispatch on the handler: fd_apply's switch, which leaves the others to proc_apply */
	if (t != &s->none_thr && ei->handler && !fd_apply(s, c, ei))
		proc_apply(s, c, ei);
	if (!c->fd && c->fdnum >= 0)
		c->fd = fdt_get(c->proc->fdt, c->fdnum);
}

/* ---- lookups ---- */

struct kite_thread *kite_state_thread(const struct kite_state *s, int64_t tid)
{
	struct thr *t = kmap_get(&s->threads, tid);
	return t ? &t->pub : NULL;
}

struct kite_proc *kite_state_proc(const struct kite_state *s, int64_t pid)
{
	struct proc *p = kmap_get(&s->procs, pid);
	return p ? &p->pub : NULL;
}

struct kite_proc *kite_proc_parent(const struct kite_state *s, const struct kite_proc *p)
{
	const struct proc *pp = (const struct proc *)p;
	if (pp->parent)
		return &pp->parent->pub;
	if (p->ppid <= 0 || p == &s->none_proc.pub)
		return NULL;
	struct proc *par = kmap_get(&s->procs, p->ppid);
	return par && par != pp ? &par->pub : NULL;
}

const struct kite_user *kite_state_user(const struct kite_state *s, uint32_t uid)
{
	return kmap_get(&s->users, uid);
}

const struct kite_group *kite_state_group(const struct kite_state *s, uint32_t gid)
{
	return kmap_get(&s->groups, gid);
}

int kite_state_foreach_proc(const struct kite_state *s, int (*fn)(void *ctx, struct kite_proc *p), void *ctx)
{
	for (uint32_t i = 0; i < s->procs.cap; i++) {
		struct proc *p = s->procs.vals[i];
		int rc = p ? fn(ctx, &p->pub) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

const struct kite_state_stats *kite_state_stats(const struct kite_state *s)
{
	return &s->st;
}
