/* state_proc.c - events that make, change and end threads and processes: clone, exec, exit, cwd, creds. */
#include "state_int.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"

static struct proc *P(const struct kite_ctx *c)
{
	return (struct proc *)c->proc;
}

static struct thr *T(const struct kite_ctx *c)
{
	return (struct thr *)c->thr;
}

/* ---- setting process fields from params ---- */

/* The kernel keeps 15 bytes of a task's name (TASK_COMM_LEN 16 with the NUL). */
static void set_comm(struct kite_proc *p, const char *v, size_t n)
{
	n = strnlen(v, n < 15 ? n : 15);
	memcpy(p->comm, v, n);
	p->comm[n] = '\0';
}

/* A text param into a kstr field; absent means unknown (NULL). */
static void set_text(char **dst, const struct kite_ctx *c, int pos)
{
	const char *v;
	uint16_t n = pget_s(c, pos, &v);
	kstr_put(*dst);
	*dst = n ? kstr_new(v, strnlen(v, n)) : NULL;
}

/* A NUL-separated list (args, env): empty means none. */
static void set_list(char **dst, uint32_t *dlen, const struct kite_ctx *c, int pos)
{
	const char *v;
	uint16_t n = pget_s(c, pos, &v);
	kstr_put(*dst);
	*dst = n ? kstr_new(v, n) : NULL;
	*dlen = n;
}

static void set_cwd(struct kite_state *s, struct proc *p, const struct kite_ctx *c, int pos)
{
	const char *v;
	uint16_t n = pget_s(c, pos, &v);
	if (!n)
		return;
	char *cwd = resolve_path(s, NULL, v, n, 1);
	kstr_put(p->pub.cwd);
	p->pub.cwd = cwd;
}

static void set_u32(uint32_t *dst, const struct kite_ctx *c, int pos)
{
	uint64_t v;
	if (pget_u(c, pos, &v))
		*dst = (uint32_t)v;
}

static void set_u64(uint64_t *dst, const struct kite_ctx *c, int pos)
{
	uint64_t v;
	if (pget_u(c, pos, &v))
		*dst = v;
}

static void set_i64(int64_t *dst, const struct kite_ctx *c, int pos)
{
	int64_t v;
	if (pget_i(c, pos, &v))
		*dst = v;
}

static void set_cgroups(struct kite_state *s, struct proc *p, const struct kite_ctx *c, int pos)
{
	const char *v;
	uint16_t n = pget_s(c, pos, &v);
	if (n)
		proc_set_cgroups(s, p, v, n);
}

static void set_caps(struct kite_proc *p, const struct kite_ctx *c, const struct evinfo *ei)
{
	/* each set on its own: a record may lack one */
	int n = pget_u(c, ei->pos[P_CAP_INH], &p->cap_inheritable);
	n += pget_u(c, ei->pos[P_CAP_PRM], &p->cap_permitted);
	n += pget_u(c, ei->pos[P_CAP_EFF], &p->cap_effective);
	if (n)
		p->caps_known = 1;
}

/*
 * The uid/gid params of clone and exec events are the effective ids.  A
 * process we knew nothing of gets them as its real and saved ids too.
 */
static void set_effective_ids(struct kite_proc *p, const struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t v;
	if (pget_u(c, ei->pos[P_UID], &v)) {
		if (p->uid == UINT32_MAX)
			p->uid = (uint32_t)v;
		p->euid = p->suid = (uint32_t)v;
	}
	if (pget_u(c, ei->pos[P_GID], &v)) {
		if (p->gid == UINT32_MAX)
			p->gid = (uint32_t)v;
		p->egid = p->sgid = (uint32_t)v;
	}
}

/* The pid of the process thread tid belongs to (tid itself when we do not know the thread). */
static int64_t pid_of_tid(struct kite_state *s, int64_t tid)
{
	struct thr *t = kmap_get(&s->threads, tid);
	return t ? t->pub.proc->pid : tid;
}

/* ---- clone, fork, vfork, clone3 ---- */

/* What a clone event says about the process it describes (the child, in the child's event). */
static void fill_from_clone(struct kite_state *s, struct proc *p, const struct kite_ctx *c,
                            const struct evinfo *ei)
{
	struct kite_proc *pp = &p->pub;
	const char *v;
	uint16_t n;
	/* an empty param is one the driver could not read: a copied parent value is better */
	if (pget_s(c, ei->pos[P_EXE], &v))
		set_text(&pp->exe, c, ei->pos[P_EXE]);
	if (pget_s(c, ei->pos[P_ARGS], &v) || !pp->known)
		set_list(&pp->args, &pp->args_len, c, ei->pos[P_ARGS]);
	if ((n = pget_s(c, ei->pos[P_COMM], &v)))
		set_comm(pp, v, n);
	set_cwd(s, p, c, ei->pos[P_CWD]);
	set_cgroups(s, p, c, ei->pos[P_CGROUPS]);
	set_effective_ids(pp, c, ei);
	set_i64(&pp->vpid, c, ei->pos[P_VPID]);
	set_u32(&pp->fdlimit, c, ei->pos[P_FDLIMIT]);
	pp->known = 1;
}

/* What libsinsp 0.29 keeps per thread from the clone event that made it (kite_thread.creator). */
static void thread_from_clone(struct thr *t, const struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t uid, gid;
	t->pub.creator = c->e->tid;
	if (pget_u(c, ei->pos[P_UID], &uid) && pget_u(c, ei->pos[P_GID], &gid)) {
		t->pub.uid = (uint32_t)uid;
		t->pub.gid = (uint32_t)gid;
		t->pub.has_cred = 1;
	}
}

/* The caller's own event (res = the child's tid): the child as a copy of the caller. */
static void clone_parent(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei, int64_t child)
{
	const struct kconsts *k = state_consts(s);
	struct proc *pp = P(c);
	uint64_t flags = 0;
	int64_t tid, vtid;
	pget_u(c, ei->pos[P_FLAGS], &flags);
	int host_ns = pget_i(c, ei->pos[P_TID], &tid) && pget_i(c, ei->pos[P_VTID], &vtid) && tid == vtid;
	/* in a pid namespace res is the child's id there: wait for the child's own event */
	if (!host_ns && pp->pub.vpid != pp->pub.pid)
		return;
	struct thr *old = kmap_get(&s->threads, child);
	if (old && !old->dead) {
		old->from_child = 0; /* the child's event came first and made it */
		return;
	}
	if (await_take(s, child))
		return; /* the child came and went before this event */
	uint64_t ts = c->e->ts;
	struct thr *t;
	if (flags & k->clone_thread) {
		t = thread_new(s, pp, child, ts, c);
		thread_from_clone(t, c, ei);
	} else {
		struct kite_fdtable *fdt =
		        (flags & k->clone_files) ? fdt_share(pp->pub.fdt) : fdt_copy(s, pp->pub.fdt);
		struct proc *cp = proc_new(s, child, fdt, c);
		proc_copy_info(cp, pp);
		cp->pub.vpid = child;
		cp->pub.start_ts = ts;
		proc_set_parent(s, cp, (flags & k->clone_parent) ? pp->pub.ppid : pp->pub.pid);
		t = thread_new(s, cp, child, ts, c);
		hook_proc_new(s, cp, c);
	}
	t->from_parent = 1;
	t->pub.vtid = child;
}

/* The child's own event (res = 0): it describes the child fully, whichever event comes first. */
static void clone_child(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const struct kconsts *k = state_consts(s);
	int64_t tid = c->e->tid, pid = kite_evt_pid(c->e), ptid = -1;
	uint64_t flags = 0, ts = c->e->ts;
	pget_i(c, ei->pos[P_PTID], &ptid);
	pget_u(c, ei->pos[P_FLAGS], &flags);
	struct thr *t = kmap_get(&s->threads, tid);
	if (t && !t->dead && t->from_parent && t->pub.proc->pid == pid) {
		t->from_parent = 0; /* made by the parent's event: the child's view refines it */
		if (pid == tid)
			fill_from_clone(s, (struct proc *)t->pub.proc, c, ei);
	} else {
		struct proc *par = ptid > 0 ? kmap_get(&s->procs, pid_of_tid(s, ptid)) : NULL;
		if (par && par->dead)
			par = NULL;
		struct proc *p = kmap_get(&s->procs, pid);
		if (flags & k->clone_thread) {
			if (!p || p->dead) { /* the process itself is new to us */
				p = proc_new(s, pid, NULL, c);
				fill_from_clone(s, p, c, ei);
				proc_set_parent(s, p, ptid > 0 ? pid_of_tid(s, ptid) : -1);
				hook_proc_new(s, p, c);
			}
		} else {
			/* CLONE_FS shares the cwd with the parent: approximated by the copy */
			struct kite_fdtable *fdt = NULL;
			if (par)
				fdt = (flags & k->clone_files) ? fdt_share(par->pub.fdt)
				                               : fdt_copy(s, par->pub.fdt);
			p = proc_new(s, pid, fdt, c);
			if (par)
				proc_copy_info(p, par);
			fill_from_clone(s, p, c, ei);
			p->pub.start_ts = ts;
			proc_set_parent(s, p, ptid > 0 ? pid_of_tid(s, ptid) : -1);
			hook_proc_new(s, p, c);
		}
		t = thread_new(s, p, tid, ts, c);
		t->from_child = 1;
		if (flags & k->clone_thread) {
			thread_from_clone(t, c, ei);
			t->pub.creator =
			        pid; /* libsinsp: a thread first seen from its own side came from its leader */
		}
	}
	set_i64(&t->pub.vtid, c, ei->pos[P_VTID]);
	c->thr = &t->pub;
	c->proc = t->pub.proc;
	s->last = t;
	if (c->fdnum >= 0)
		c->fd = fdt_get(c->proc->fdt, c->fdnum);
}

static void on_clone(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t res;
	if (!pget_i(c, ei->pos[P_RES], &res) || res < 0)
		return;
	if (res == 0)
		clone_child(s, c, ei);
	else
		clone_parent(s, c, ei, res);
}

/* ---- exec ---- */

static void exec_exepath(struct kite_state *s, struct proc *p, const struct kite_ctx *c,
                         const struct evinfo *ei)
{
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_TRUSTED_EXEPATH], &v);
	char *path = NULL;
	if (n)
		path = kstr_new(v, strnlen(v, n));
	else if ((n = pget_s(c, ei->pos[P_FILENAME], &v)))
		path = resolve_path(s, p->pub.cwd, v, n, 0);
	kstr_put(p->pub.exepath);
	p->pub.exepath = path;
}

static void on_exec(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t res, ptid;
	uint64_t v;
	const char *str;
	uint16_t n;
	if (!pget_i(c, ei->pos[P_RES], &res) || res != 0)
		return;
	struct thr *t = T(c);
	struct proc *p = P(c);
	struct kite_proc *pp = &p->pub;
	/* a multithreaded exec leaves only the exec-ing thread, which has taken the pid */
	for (struct thr *u = p->threads, *next; u; u = next) {
		next = u->tnext;
		if (u != t)
			thread_exit(s, u, c, 0);
	}
	proc_unshare_files(s, p); /* exec unshares a CLONE_FILES table before closing */
	fd_close_cloexec(s, p, c);
	if ((n = pget_s(c, ei->pos[P_COMM], &str)))
		set_comm(pp, str, n);
	set_text(&pp->exe, c, ei->pos[P_EXE]);
	set_list(&pp->args, &pp->args_len, c, ei->pos[P_ARGS]);
	set_list(&pp->env, &pp->env_len, c, ei->pos[P_ENV]);
	set_cwd(s, p, c, ei->pos[P_CWD]);
	exec_exepath(s, p, c, ei);
	set_effective_ids(pp, c, ei);
	if (pget_u(c, ei->pos[P_LOGINUID], &v)) {
		pp->loginuid = (uint32_t)v;
		pp->loginuid_known = 1;
	}
	if (pget_u(c, ei->pos[P_TTY], &v)) {
		pp->tty = v;
		pp->tty_known = 1;
	}
	set_caps(pp, c, ei);
	set_u64(&pp->exe_ino, c, ei->pos[P_EXE_INO]);
	set_u64(&pp->exe_ino_ctime, c, ei->pos[P_EXE_INO_CTIME]);
	set_u64(&pp->exe_ino_mtime, c, ei->pos[P_EXE_INO_MTIME]);
	set_u32(&pp->exe_flags, c, ei->pos[P_FLAGS]);
	set_u32(&pp->fdlimit, c, ei->pos[P_FDLIMIT]);
	set_i64(&pp->pgid, c, ei->pos[P_PGID]);
	set_i64(&pp->vpgid, c, ei->pos[P_VPGID]);
	set_cgroups(s, p, c, ei->pos[P_CGROUPS]);
	/* the kernel's current parent: heals a lineage we got wrong (missed exits, a subreaper) */
	if (pget_i(c, ei->pos[P_PTID], &ptid) && ptid > 0)
		proc_set_parent(s, p, pid_of_tid(s, ptid));
	pp->known = 1;
	pp->exec_ts = c->e->ts;
	if (s->hooks.proc_exec)
		s->hooks.proc_exec(s->hooks.ctx, pp, c);
}

/* ---- exit ---- */

static void on_procexit(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t status, reaper = 0;
	if (pget_i(c, ei->pos[P_STATUS], &status))
		P(c)->pub.exit_status = (int32_t)status;
	pget_i(c, ei->pos[P_REAPER_TID], &reaper);
	thread_exit(s, T(c), c, reaper);
}

/* ---- cwd and root ---- */

static int succeeded(const struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t res;
	return pget_i(c, ei->pos[P_RES], &res) && res == 0;
}

static void on_chdir(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_PATH], &v);
	if (!succeeded(c, ei) || !n)
		return;
	struct kite_proc *pp = c->proc;
	/* relative to a cwd we do not know, the new one is unknown too */
	char *cwd = (v[0] == '/' || pp->cwd) ? resolve_path(s, pp->cwd, v, n, 1) : NULL;
	kstr_put(pp->cwd);
	pp->cwd = cwd;
}

static void on_fchdir(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	if (!succeeded(c, ei))
		return;
	struct kite_proc *pp = c->proc;
	const struct kite_fd *f = kite_proc_fd(pp, c->fdnum);
	char *cwd =
	        f && f->name && f->name[0] == '/' ? resolve_path(s, NULL, f->name, strlen(f->name), 1) : NULL;
	kstr_put(pp->cwd);
	pp->cwd = cwd;
}

static void on_chroot(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_PATH], &v);
	if (!succeeded(c, ei) || !n)
		return;
	struct kite_proc *pp = c->proc;
	char *root = resolve_path(s, pp->cwd, v, n, 0);
	kstr_put(pp->root);
	pp->root = root && strcmp(root, "/") ? root : NULL; /* NULL means / */
	if (root && !pp->root)
		kstr_put(root);
}

/* ---- credentials ---- */

#define UNCHANGED 0xffffffffu /* -1 as a uid/gid argument */

/* setuid/setgid: a privileged caller sets all three ids, another only the effective one. */
static void set_one_id(struct kite_proc *p, uint32_t *real, uint32_t *eff, uint32_t *saved, uint32_t id)
{
	if (p->euid == 0 || p->euid == UINT32_MAX)
		*real = *saved = id;
	*eff = id;
}

/* setre*id: -1 leaves an id; the saved id follows the effective one when the real one is set or changes. */
static void set_re_ids(uint32_t *real, uint32_t *eff, uint32_t *saved, uint32_t r, uint32_t e)
{
	uint32_t old_real = *real;
	if (r != UNCHANGED)
		*real = r;
	if (e != UNCHANGED)
		*eff = e;
	if (r != UNCHANGED || (e != UNCHANGED && e != old_real))
		*saved = *eff;
}

static void set_res_ids(uint32_t *real, uint32_t *eff, uint32_t *saved, uint32_t r, uint32_t e, uint32_t sv)
{
	if (r != UNCHANGED)
		*real = r;
	if (e != UNCHANGED)
		*eff = e;
	if (sv != UNCHANGED)
		*saved = sv;
}

static uint32_t id_param(const struct kite_ctx *c, int pos)
{
	uint64_t v;
	return pget_u(c, pos, &v) ? (uint32_t)v : UNCHANGED;
}

static void on_setid(struct kite_ctx *c, const struct evinfo *ei)
{
	if (!succeeded(c, ei))
		return;
	struct kite_proc *p = c->proc;
	switch (ei->handler) {
	case H_SETUID:
		if (id_param(c, ei->pos[P_UID]) != UNCHANGED)
			set_one_id(p, &p->uid, &p->euid, &p->suid, id_param(c, ei->pos[P_UID]));
		break;
	case H_SETGID:
		if (id_param(c, ei->pos[P_GID]) != UNCHANGED)
			set_one_id(p, &p->gid, &p->egid, &p->sgid, id_param(c, ei->pos[P_GID]));
		break;
	case H_SETREUID:
		set_re_ids(&p->uid, &p->euid, &p->suid, id_param(c, ei->pos[P_RUID]),
		           id_param(c, ei->pos[P_EUID]));
		break;
	case H_SETREGID:
		set_re_ids(&p->gid, &p->egid, &p->sgid, id_param(c, ei->pos[P_RGID]),
		           id_param(c, ei->pos[P_EGID]));
		break;
	case H_SETRESUID:
		set_res_ids(&p->uid, &p->euid, &p->suid, id_param(c, ei->pos[P_RUID]),
		            id_param(c, ei->pos[P_EUID]), id_param(c, ei->pos[P_SUID]));
		break;
	case H_SETRESGID:
		set_res_ids(&p->gid, &p->egid, &p->sgid, id_param(c, ei->pos[P_RGID]),
		            id_param(c, ei->pos[P_EGID]), id_param(c, ei->pos[P_SGID]));
		break;
	}
}

/* ---- the rest ---- */

static void on_prctl(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t option;
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_ARG2_STR], &v);
	if (!succeeded(c, ei) || !pget_u(c, ei->pos[P_OPTION], &option) ||
	    option != state_consts(s)->pr_set_name || !n)
		return;
	/* the name is the thread's: it is the process's when the main (or only) thread sets it */
	if (c->thr->tid == c->proc->pid || c->proc->nthreads == 1)
		set_comm(c->proc, v, n);
}

static void on_unshare(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	uint64_t flags;
	/* per process, not per thread: a thread that unshares its fd table takes the whole process along */
	if (succeeded(c, ei) && pget_u(c, ei->pos[P_FLAGS], &flags) && (flags & state_consts(s)->clone_files))
		proc_unshare_files(s, P(c));
}

void proc_apply(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	switch (ei->handler) {
	case H_EXECVE: on_exec(s, c, ei); break;
	case H_CLONE: on_clone(s, c, ei); break;
	case H_PROCEXIT: on_procexit(s, c, ei); break;
	case H_CHDIR: on_chdir(s, c, ei); break;
	case H_FCHDIR: on_fchdir(s, c, ei); break;
	case H_CHROOT: on_chroot(s, c, ei); break;
	case H_SETUID:
	case H_SETGID:
	case H_SETREUID:
	case H_SETREGID:
	case H_SETRESUID:
	case H_SETRESGID: on_setid(c, ei); break;
	case H_CAPSET:
		if (succeeded(c, ei))
			set_caps(c->proc, c, ei);
		break;
	case H_PRCTL: on_prctl(s, c, ei); break;
	case H_UNSHARE: on_unshare(s, c, ei); break;
	default: break;
	}
}

/* ---- snapshot ---- */

void state_proc_record(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	int64_t tid = c->e->tid, pid = c->e->pid, ppid;
	uint64_t ts = 0, v64;
	pget_i(c, ei->pos[P_TID], &tid);
	pget_i(c, ei->pos[P_PID], &pid);
	c->thr = &s->none_thr.pub;
	c->proc = c->thr->proc;
	if (tid <= 0)
		return;
	if (pid <= 0)
		pid = tid;
	struct proc *p = kmap_get(&s->procs, pid);
	int fresh = !p || p->dead;
	if (fresh)
		p = proc_new(s, pid, NULL, c);
	struct thr *t = kmap_get(&s->threads, tid);
	pget_u(c, ei->pos[P_START_TS], &ts);
	if (!t || t->dead ||
	    t->pub.proc != &p->pub) /* a keyframe may find a thread moved (exec by a thread) */
		t = thread_new(s, p, tid, ts, c);
	t->pub.start_ts = ts;
	set_i64(&t->pub.vtid, c, ei->pos[P_VTID]);
	struct kite_proc *pp = &p->pub;
	const char *v;
	uint16_t n;
	/* threads may rename themselves: the process's name is its main thread's */
	if ((n = pget_s(c, ei->pos[P_COMM], &v)) && (tid == pid || !pp->comm[0]))
		set_comm(pp, v, n);
	if (tid != pid && pp->known)
		goto out; /* the rest is process-wide, and the main thread's record already said it */
	set_text(&pp->exe, c, ei->pos[P_EXE]);
	set_text(&pp->exepath, c, ei->pos[P_EXEPATH]);
	set_list(&pp->args, &pp->args_len, c, ei->pos[P_ARGS]);
	set_list(&pp->env, &pp->env_len, c, ei->pos[P_ENV]);
	set_cwd(s, p, c, ei->pos[P_CWD]);
	set_u32(&pp->uid, c, ei->pos[P_UID]);
	set_u32(&pp->gid, c, ei->pos[P_GID]);
	set_u32(&pp->euid, c, ei->pos[P_EUID]);
	set_u32(&pp->egid, c, ei->pos[P_EGID]);
	set_u32(&pp->suid, c, ei->pos[P_SUID]);
	set_u32(&pp->sgid, c, ei->pos[P_SGID]);
	if (pget_u(c, ei->pos[P_LOGINUID], &v64)) {
		pp->loginuid = (uint32_t)v64;
		pp->loginuid_known = 1;
	}
	if (pget_u(c, ei->pos[P_TTY], &v64)) {
		pp->tty = v64;
		pp->tty_known = 1;
	}
	set_cgroups(s, p, c, ei->pos[P_CGROUPS]);
	set_caps(pp, c, ei);
	set_i64(&pp->vpid, c, ei->pos[P_VPID]);
	set_i64(&pp->pgid, c, ei->pos[P_PGID]);
	set_i64(&pp->sid, c, ei->pos[P_SID]);
	set_u64(&pp->exe_ino, c, ei->pos[P_EXE_INO]);
	set_u32(&pp->exe_flags, c, ei->pos[P_FLAGS]);
	if (tid == pid || !pp->start_ts)
		pp->start_ts = ts;
	if (pget_i(c, ei->pos[P_PPID], &ppid))
		proc_set_parent(s, p, ppid);
	pp->known = 1;
out:
	if (fresh)
		hook_proc_new(s, p, c);
	c->thr = &t->pub;
	c->proc = pp;
}
