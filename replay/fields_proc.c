/* fields_proc.c - proc.* and thread.* fields: identity, command line, lineage (proc.aname[N]), executable, caps. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "fields_int.h"

#define MAX_DEPTH 64 /* ancestors walked at most (guards against cycles in damaged captures) */

/* argv[1..] joined with spaces. */
const char *kite_proc_args(struct kite_ctx *c, const struct kite_proc *p, size_t *len)
{
	char *s = kite_arena_alloc(&c->arena, p->args_len + 1);
	size_t n = 0;
	for (uint32_t i = 0; i < p->args_len; i++)
		s[n++] = p->args[i] ? p->args[i] : ' ';
	while (n > 0 && s[n - 1] == ' ' && p->args[n - 1] == '\0')
		n--; /* the terminating NUL of the last argument */
	s[n] = '\0';
	*len = n;
	return s;
}

const char *kite_proc_cmdline(struct kite_ctx *c, const struct kite_proc *p, size_t *len)
{
	size_t alen;
	const char *a = kite_proc_args(c, p, &alen);
	if (alen == 0)
		return kite_arena_printf(&c->arena, len, "%s", p->comm);
	return kite_arena_printf(&c->arena, len, "%s %s", p->comm, a);
}

const char *kite_caps_text(struct kite_ctx *c, uint64_t caps, size_t *len)
{
	const struct kite_flag_table *t = kite_schema_table(kite_schema_builtin(), KITE_TBL_CAPS);
	char names[2048];
	size_t n = kite_flags_format(t, caps, names, sizeof(names));
	if (n >= sizeof(names))
		n = sizeof(names) - 1;
	for (size_t i = 0; i < n; i++)
		if (names[i] == '|')
			names[i] = ' ';
	if (caps == 0)
		n = 0;
	return kite_arena_printf(&c->arena, len, "%.*s", (int)n, names);
}

static unsigned env_field(const struct kite_field *f, struct kite_ctx *c, const struct kite_proc *p,
                          struct kite_val *o)
{
	if (!f->argstr) {
		char *s = kite_arena_alloc(&c->arena, p->env_len + 1);
		size_t n = 0;
		for (uint32_t i = 0; i < p->env_len; i++)
			s[n++] = p->env[i] ? p->env[i] : ' ';
		while (n > 0 && s[n - 1] == ' ')
			n--;
		s[n] = '\0';
		return put_str(o, s, n);
	}
	size_t klen = strlen(f->argstr);
	for (uint32_t i = 0; i < p->env_len;) {
		const char *v = p->env + i;
		size_t n = strnlen(v, p->env_len - i);
		if (n > klen && !memcmp(v, f->argstr, klen) && v[klen] == '=')
			return put_str(o, v + klen + 1, n - klen - 1);
		i += (uint32_t)n + 1;
	}
	return 0;
}

/*
 * proc.aenv, as libsinsp: proc.aenv[N] is proc.env of the Nth ancestor;
 * proc.aenv[NAME] the first value of NAME from the parent up; alone, the
 * proc.env of every ancestor (for filters).
 */
static unsigned ancestor_env(const struct kite_field *f, struct kite_ctx *c, const struct kite_proc *p,
                             struct kite_val *o, unsigned max)
{
	struct kite_field whole = *f;
	whole.argstr = NULL;
	const struct kite_proc *a = p;
	if (f->has_arg && !f->argstr) {
		for (int64_t i = 0; i < f->argn && a; i++) {
			const struct kite_proc *up = kite_proc_parent(c->state, a);
			a = up != a && i < MAX_DEPTH ? up : NULL;
		}
		return a && a->known ? env_field(&whole, c, a, o) : 0;
	}
	unsigned n = 0;
	a = kite_proc_parent(c->state, p);
	for (int depth = 0; a && n < max && depth < MAX_DEPTH; depth++) {
		if (a->known) {
			n += env_field(f->argstr ? f : &whole, c, a, &o[n]);
			if (f->argstr && n)
				return n; /* the nearest ancestor that has the variable */
		}
		const struct kite_proc *up = kite_proc_parent(c->state, a);
		a = up != a ? up : NULL;
	}
	return n;
}

/* The value of an ancestor-style field for one process. */
static unsigned lineage_value(struct kite_ctx *c, unsigned id, const struct kite_proc *a, struct kite_val *o)
{
	size_t len;
	switch (id) {
	case PF_APID: return put_i(o, a->pid);
	case PF_ANAME: return a->known ? put_cstr(o, a->comm) : 0;
	case PF_AEXE: return a->known ? put_cstr(o, a->exe) : 0;
	case PF_AEXEPATH: return a->known ? put_cstr(o, a->exepath) : 0;
	default: /* PF_ACMDLINE */
		if (!a->known)
			return 0;
		return put_cstr(o, kite_proc_cmdline(c, a, &len));
	}
}

/* proc.aname[N] (N = 0 is the process itself) or, without N, every ancestor from the parent up. */
static unsigned ancestors(const struct kite_field *f, struct kite_ctx *c, const struct kite_proc *p,
                          struct kite_val *o, unsigned max)
{
	unsigned id = f->def->id;
	if (f->has_arg) {
		const struct kite_proc *a = p;
		for (int64_t i = 0; i < f->argn && a; i++) {
			const struct kite_proc *up = kite_proc_parent(c->state, a);
			a = up != a ? up : NULL;
			if (i >= MAX_DEPTH)
				a = NULL;
		}
		return a ? lineage_value(c, id, a, o) : 0;
	}
	unsigned n = 0;
	const struct kite_proc *a = kite_proc_parent(c->state, p);
	for (int depth = 0; a && n < max && depth < MAX_DEPTH; depth++) {
		n += lineage_value(c, id, a, &o[n]);
		const struct kite_proc *up = kite_proc_parent(c->state, a);
		a = up != a ? up : NULL;
	}
	return n;
}

static int is_shell(const char *comm)
{
	static const char *const shells[] = {"sh",  "bash", "zsh",  "ksh",  "dash",
	                                     "ash", "csh",  "tcsh", "fish", "mksh"};
	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (!strcmp(comm, shells[i]))
			return 1;
	return 0;
}

/* proc.loginshellid: the pid of the oldest ancestor (or self) that is a shell. */
static unsigned login_shell(struct kite_ctx *c, const struct kite_proc *p, struct kite_val *o)
{
	int64_t found = -1;
	const struct kite_proc *a = p;
	for (int depth = 0; a && depth < MAX_DEPTH; depth++) {
		if (a->known && is_shell(a->comm))
			found = a->pid;
		const struct kite_proc *up = kite_proc_parent(c->state, a);
		a = up != a ? up : NULL;
	}
	return found >= 0 ? put_i(o, found) : 0;
}

/* A field of another process (parent, session leader, group leader). */
static unsigned other_proc(struct kite_ctx *c, const struct kite_proc *q, unsigned what, struct kite_val *o)
{
	size_t len;
	if (!q || !q->known)
		return 0;
	switch (what) {
	case PF_NAME: return put_cstr(o, q->comm);
	case PF_EXE: return put_cstr(o, q->exe);
	case PF_EXEPATH: return put_cstr(o, q->exepath);
	case PF_CMDLINE: return put_cstr(o, kite_proc_cmdline(c, q, &len));
	case PF_VPID: return put_i(o, q->vpid);
	case PF_START_TS: return q->start_ts ? put_typed_u(o, KITE_VT_ABSTIME, q->start_ts) : 0;
	default: /* PF_DURATION */
		if (!q->start_ts || q->start_ts > c->e->ts)
			return 0;
		return put_typed_u(o, KITE_VT_RELTIME, c->e->ts - q->start_ts);
	}
}

static unsigned std_fd(struct kite_ctx *c, const struct kite_proc *p, int64_t fd, int name,
                       struct kite_val *o)
{
	const struct kite_fd *f = kite_proc_fd(p, fd);
	if (!f)
		return 0;
	(void)c;
	return name ? put_cstr(o, f->name ? f->name : "") : put_cstr(o, kite_fd_type_name(f->type));
}

/* thread.cgroup[subsys]: the path of the cgroup line naming subsys (or the unified one for "unified"). */
static unsigned cgroup_field(const struct kite_field *f, struct kite_ctx *c, const struct kite_proc *p,
                             struct kite_val *o)
{
	size_t len;
	if (!f->argstr) { /* thread.cgroups: subsys=path for each line */
		char *s = kite_arena_alloc(&c->arena, p->cgroups_len * 2 + 1);
		size_t n = 0;
		for (uint32_t i = 0; i < p->cgroups_len;) {
			const char *line = p->cgroups + i;
			size_t l = strnlen(line, p->cgroups_len - i);
			const char *c1 = memchr(line, ':', l);
			const char *c2 = c1 ? memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - line)) : NULL;
			if (c2) {
				size_t sl = (size_t)(c2 - c1 - 1);
				n += (size_t)sprintf(s + n, "%s%.*s=%.*s", n ? " " : "", sl ? (int)sl : 7,
				                     sl ? c1 + 1 : "unified",
				                     (int)(l - (size_t)(c2 + 1 - line)), c2 + 1);
			}
			i += (uint32_t)l + 1;
		}
		return put_str(o, s, n);
	}
	size_t want = strlen(f->argstr);
	for (uint32_t i = 0; i < p->cgroups_len;) {
		const char *line = p->cgroups + i;
		size_t l = strnlen(line, p->cgroups_len - i);
		const char *c1 = memchr(line, ':', l);
		const char *c2 = c1 ? memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			const char *subs = c1 + 1;
			size_t sl = (size_t)(c2 - subs);
			int unified = sl == 0 && !strcmp(f->argstr, "unified");
			/* a line may list several controllers: "4:cpu,cpuacct:/x" */
			for (size_t k = 0; !unified && k < sl;) {
				size_t e = k;
				while (e < sl && subs[e] != ',')
					e++;
				if (e - k == want && !memcmp(subs + k, f->argstr, want))
					unified = 1;
				k = e + 1;
			}
			if (unified)
				return put_str(o, c2 + 1, l - (size_t)(c2 + 1 - line));
		}
		i += (uint32_t)l + 1;
	}
	(void)len;
	return 0;
}

static unsigned thread_field(const struct kite_field *f, struct kite_ctx *c, const struct kite_proc *p,
                             struct kite_val *o)
{
	size_t len;
	const struct kite_thread *t = c->thr;
	switch (f->def->id) {
	case TF_TID: return put_i(o, t ? t->tid : (int64_t)c->e->tid);
	case TF_VTID: return t && t->vtid > 0 ? put_i(o, t->vtid) : 0;
	case TF_ISMAIN: return put_bool(o, c->e->tid == c->e->pid);
	case TF_CAP_PERMITTED:
		return p->caps_known ? put_cstr(o, kite_caps_text(c, p->cap_permitted, &len)) : 0;
	case TF_CAP_EFFECTIVE:
		return p->caps_known ? put_cstr(o, kite_caps_text(c, p->cap_effective, &len)) : 0;
	case TF_CAP_INHERITABLE:
		return p->caps_known ? put_cstr(o, kite_caps_text(c, p->cap_inheritable, &len)) : 0;
	case TF_CGROUPS:
	case TF_CGROUP: return p->cgroups_len ? cgroup_field(f, c, p, o) : 0;
	default: /* TF_NAMETID */
		if (!p->known)
			return 0;
		return put_cstr(o, kite_arena_printf(&c->arena, &len, "%s(%" PRIu32 ")", p->comm, c->e->tid));
	}
}

/* Fields that need nothing but the process's own record. */
static unsigned own_field(unsigned id, struct kite_ctx *c, const struct kite_proc *p, struct kite_val *o)
{
	size_t len;
	switch (id) {
	case PF_PID: return put_i(o, p->pid);
	case PF_EXE: return put_cstr(o, p->exe);
	case PF_NAME: return p->comm[0] ? put_cstr(o, p->comm) : 0;
	case PF_ARGS: return put_cstr(o, kite_proc_args(c, p, &len));
	case PF_CMDLINE: return put_cstr(o, kite_proc_cmdline(c, p, &len));
	case PF_EXELINE: {
		const char *a = kite_proc_args(c, p, &len);
		const char *exe = p->exe ? p->exe : "";
		return put_cstr(o, kite_arena_printf(&c->arena, &len, len ? "%s %s" : "%s%s", exe, a));
	}
	case PF_CMDNARGS: {
		uint64_t n = 0;
		for (uint32_t i = 0; i < p->args_len; i++)
			n += p->args[i] == '\0';
		if (p->args_len && p->args[p->args_len - 1] != '\0')
			n++;
		return put_u(o, n);
	}
	case PF_CMDLENARGS: {
		uint64_t n = 0;
		for (uint32_t i = 0; i < p->args_len; i++)
			n += p->args[i] != '\0';
		return put_u(o, n);
	}
	case PF_CWD: return put_cstr(o, p->cwd);
	case PF_NTHREADS: return put_u(o, p->nthreads);
	case PF_NCHILDS: return put_u(o, p->nchildren);
	case PF_DURATION:
		if (!p->start_ts || p->start_ts > c->e->ts)
			return 0;
		return put_typed_u(o, KITE_VT_RELTIME, c->e->ts - p->start_ts);
	case PF_FDLIMIT: return p->fdlimit ? put_u(o, p->fdlimit) : 0;
	case PF_VPID: return put_i(o, p->vpid);
	case PF_SID: return put_i(o, p->sid);
	case PF_VPGID: return put_i(o, p->vpgid);
	case PF_TTY: return put_u(o, p->tty);
	case PF_EXEPATH: return put_cstr(o, p->exepath);
	case PF_IS_EXE_WRITABLE: return put_bool(o, p->exe_flags & KITE_EXE_WRITABLE);
	case PF_IS_EXE_UPPER: return put_bool(o, p->exe_flags & KITE_EXE_UPPER_LAYER);
	case PF_IS_EXE_LOWER: return put_bool(o, p->exe_flags & KITE_EXE_LOWER_LAYER);
	case PF_IS_EXE_MEMFD: return put_bool(o, p->exe_flags & KITE_EXE_FROM_MEMFD);
	case PF_EXE_INO: return p->exe_ino ? put_u(o, p->exe_ino) : 0;
	case PF_EXE_INO_CTIME:
		return p->exe_ino_ctime ? put_typed_u(o, KITE_VT_ABSTIME, p->exe_ino_ctime) : 0;
	case PF_EXE_INO_MTIME:
		return p->exe_ino_mtime ? put_typed_u(o, KITE_VT_ABSTIME, p->exe_ino_mtime) : 0;
	case PF_EXE_INO_CTIME_DUR:
		if (!p->exe_ino_ctime || !p->start_ts || p->start_ts < p->exe_ino_ctime)
			return 0;
		return put_typed_u(o, KITE_VT_RELTIME, p->start_ts - p->exe_ino_ctime);
	case PF_IS_SID_LEADER: return put_bool(o, p->sid == p->vpid || p->sid == p->pid);
	case PF_IS_VPGID_LEADER: return put_bool(o, p->vpgid == p->vpid);
	case PF_IS_CONTAINER_HEALTHCHECK: return put_bool(o, 0);
	case PF_START_TS: return p->start_ts ? put_typed_u(o, KITE_VT_ABSTIME, p->start_ts) : 0;
	case PF_EXIT_STATUS: return p->exited ? put_i(o, p->exit_status) : 0;
	default: return 0;
	}
}

/* Fields that need only the process's number, known even for a process first seen mid-capture. */
static int needs_known(unsigned id)
{
	return id != PF_PID && id != PF_NTHREADS && id != PF_NCHILDS && id != PF_FDOPENCOUNT &&
	       id != PF_PPID && id != PF_EXIT_STATUS && id < TF_TID;
}

static int count_one(void *ctx, struct kite_fd *fd)
{
	(void)fd;
	(*(uint64_t *)ctx)++;
	return 0;
}

static unsigned fd_count(const struct kite_proc *p, struct kite_val *o)
{
	uint64_t n = 0;
	kite_proc_foreach_fd(p, count_one, &n);
	return put_u(o, n);
}

unsigned kite_proc_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max)
{
	const struct kite_proc *p = c->proc;
	unsigned id = f->def->id;
	if (!p)
		return id == PF_PID ? put_i(o, c->e->pid) : id == TF_TID ? put_i(o, c->e->tid) : 0;
	if (id >= TF_TID)
		return thread_field(f, c, p, o);
	if (!p->known && needs_known(id))
		return 0;
	const struct kite_proc *parent = kite_proc_parent(c->state, p);
	if (c->thr && c->thr->creator >= 0 && kite_state_sysdig_threads_on(c->state)) {
		/* libsinsp 0.29: a thread's parent is the thread that made it (proc.ppid stays the process's) */
		const struct kite_thread *ct = kite_state_thread(c->state, c->thr->creator);
		parent = ct ? ct->proc : NULL;
	}
	switch (id) {
	case PF_ENV: return env_field(f, c, p, o);
	case PF_PPID: return put_i(o, p->ppid);
	case PF_PNAME: return other_proc(c, parent, PF_NAME, o);
	case PF_PCMDLINE: return other_proc(c, parent, PF_CMDLINE, o);
	case PF_PEXE: return other_proc(c, parent, PF_EXE, o);
	case PF_PEXEPATH: return other_proc(c, parent, PF_EXEPATH, o);
	case PF_PPID_DURATION: return other_proc(c, parent, PF_DURATION, o);
	case PF_PVPID: return other_proc(c, parent, PF_VPID, o);
	case PF_PPID_TS: return other_proc(c, parent, PF_START_TS, o);
	case PF_AENV: return ancestor_env(f, c, p, o, max);
	case PF_APID:
	case PF_ANAME:
	case PF_AEXE:
	case PF_AEXEPATH:
	case PF_ACMDLINE: return ancestors(f, c, p, o, max);
	case PF_LOGINSHELLID: return login_shell(c, p, o);
	case PF_FDOPENCOUNT: return fd_count(p, o);
	case PF_SNAME: return other_proc(c, kite_state_proc(c->state, p->sid), PF_NAME, o);
	case PF_SID_EXE: return other_proc(c, kite_state_proc(c->state, p->sid), PF_EXE, o);
	case PF_SID_EXEPATH: return other_proc(c, kite_state_proc(c->state, p->sid), PF_EXEPATH, o);
	case PF_VPGID_NAME: return other_proc(c, kite_state_proc(c->state, p->pgid), PF_NAME, o);
	case PF_VPGID_EXE: return other_proc(c, kite_state_proc(c->state, p->pgid), PF_EXE, o);
	case PF_VPGID_EXEPATH: return other_proc(c, kite_state_proc(c->state, p->pgid), PF_EXEPATH, o);
	case PF_STDIN_TYPE: return std_fd(c, p, 0, 0, o);
	case PF_STDIN_NAME: return std_fd(c, p, 0, 1, o);
	case PF_STDOUT_TYPE: return std_fd(c, p, 1, 0, o);
	case PF_STDOUT_NAME: return std_fd(c, p, 1, 1, o);
	case PF_STDERR_TYPE: return std_fd(c, p, 2, 0, o);
	case PF_STDERR_NAME: return std_fd(c, p, 2, 1, o);
	default: return own_field(id, c, p, o);
	}
}
