/* stops.c - the ptrace driver's tracer: the tracees, and what each stop (syscall, new task, exec, exit, signal) becomes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "events.h"
#include "kp.h"

#define CLONE_THREAD_BIT 0x00010000
#define CLONE_PARENT_BIT 0x00008000

uint64_t kp_now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- tracees ---- */

struct kp_thread *kp_thread_find(struct kp_tracer *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->nthreads; i++)
		if (tr->threads[i]->tid == tid)
			return tr->threads[i];
	return NULL;
}

struct kp_thread *kp_thread_add(struct kp_tracer *tr, pid_t tid, pid_t pid)
{
	if (tr->nthreads == tr->cap_threads) {
		size_t cap = tr->cap_threads ? 2 * tr->cap_threads : 64;
		struct kp_thread **n = realloc(tr->threads, cap * sizeof(*n));
		if (!n)
			return NULL;
		tr->threads = n;
		tr->cap_threads = cap;
	}
	struct kp_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->pid = pid;
	tr->threads[tr->nthreads++] = t;
	return t;
}

struct kp_proc *kp_proc_get(struct kp_tracer *tr, pid_t pid, int create)
{
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i].pid == pid)
			return &tr->procs[i];
	if (!create)
		return NULL;
	if (tr->nprocs == tr->cap_procs) {
		size_t cap = tr->cap_procs ? 2 * tr->cap_procs : 32;
		struct kp_proc *n = realloc(tr->procs, cap * sizeof(*n));
		if (!n)
			return NULL;
		tr->procs = n;
		tr->cap_procs = cap;
	}
	tr->procs[tr->nprocs] = (struct kp_proc){.pid = pid, .pidfd = -1};
	return &tr->procs[tr->nprocs++];
}

static void proc_remove(struct kp_tracer *tr, pid_t pid)
{
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i].pid == pid) {
			if (tr->procs[i].pidfd >= 0)
				close(tr->procs[i].pidfd);
			tr->procs[i] = tr->procs[--tr->nprocs];
			return;
		}
}

void kp_thread_remove(struct kp_tracer *tr, struct kp_thread *t)
{
	for (size_t i = 0; i < tr->nthreads; i++)
		if (tr->threads[i] == t) {
			tr->threads[i] = tr->threads[--tr->nthreads];
			break;
		}
	if (t->tid == t->pid)
		proc_remove(tr, t->pid);
	free(t);
}

/* ---- records ---- */

static void emit(struct kp_tracer *tr, struct kp_thread *t, const struct kb_spec *spec, int nr,
                 const uint64_t *args, int64_t ret, int exit_status)
{
	if (!spec->event || tr->stopped || tr->sink_failed)
		return;
	static struct kp_event ev; /* one at a time; its buffers are large */
	ev.tr = tr, ev.t = t, ev.spec = spec, ev.nr = nr, ev.args = args, ev.ret = ret;
	ev.exit_status = exit_status;
	ev.stat = ev.status = NULL;
	ev.cmdline_len = -1;
	ev.same_ns = -1;
	ev.fd_stat_of = -1;
	ev.exe_stat_done = ev.task_stat_done = 0;
	struct kite_evt_builder b;
	uint64_t ts = kp_now_ns(CLOCK_BOOTTIME) + tr->o.boot_ns; /* the eBPF driver's clock */
	kite_evt_begin(&b, tr->rec, spec->event, spec->nparams, ts, (uint32_t)t->tid, (uint32_t)t->pid, 0);
	for (unsigned i = 0; i < spec->nparams && i < KB_MAX_PARAMS; i++)
		kite_evt_add(&b, tr->val, kp_fill_param(&ev, &spec->params[i], tr->val));
	const struct kite_evt *e = kite_evt_end(&b);
	if (!e)
		return;
	tr->st.events++;
	if (tr->sink(tr->ctx, e) < 0)
		tr->sink_failed = 1;
}

static void emit_exit(struct kp_tracer *tr, struct kp_thread *t, int status)
{
	static const uint64_t none[6];
	if (t->exited)
		return;
	t->exited = 1;
	emit(tr, t, &tr->specs[KB_SLOT_PROCEXIT], 0, none, 0, status);
}

/* ---- resuming ---- */

static void resume(struct kp_tracer *tr, struct kp_thread *t, int sig)
{
	int req = tr->attach || t->in_sys ? PTRACE_SYSCALL : PTRACE_CONT;
	ptrace(req, t->tid, 0, (void *)(intptr_t)sig); /* ESRCH: killed meanwhile, its exit comes next */
}

/* ---- syscall stops ---- */

static void on_entry(struct kp_tracer *tr, struct kp_thread *t, int nr, const uint64_t *args)
{
	t->in_sys = 0;
	t->entry_ok = 0;
	if (nr < 0 || nr >= KB_MAX_SYSCALLS || tr->stopped)
		return;
	const struct kb_spec *spec = &tr->specs[nr];
	if (!spec->event || ((spec->flags & KB_F_PROT_EXEC) && !(args[2] & 0x4)))
		return;
	t->in_sys = 1;
	t->nr = nr;
	memcpy(t->args, args, sizeof(t->args));
	/* the argument the kernel may read again after entry (paths, connect's address): now */
	for (unsigned i = 0; i < spec->nparams && i < KB_MAX_PARAMS; i++) {
		const struct kb_param *p = &spec->params[i];
		if (p->special != KB_SP_ENTRY)
			continue;
		if (p->op == KB_OP_USOCKADDR) {
			uint64_t len = args[p->arg + 1] > 128 ? 128 : args[p->arg + 1];
			t->entry_len = (uint32_t)kp_read_mem(t->tid, args[p->arg], t->entry, (size_t)len);
			t->entry_ok = t->entry_len == len;
		} else {
			t->entry_len = kp_read_str(t->tid, args[p->arg], t->entry, KB_ENTRY_MAX);
			t->entry_ok = 1;
		}
		break;
	}
}

static void on_exit_stop(struct kp_tracer *tr, struct kp_thread *t, int64_t ret)
{
	if (!t->in_sys)
		return;
	t->in_sys = 0;
	if (t->nr == SYS_prctl && t->args[0] == PR_SET_CHILD_SUBREAPER && ret == 0) {
		struct kp_proc *p = kp_proc_get(tr, t->pid, 1);
		if (p)
			p->subreaper = t->args[1] != 0;
	}
	emit(tr, t, &tr->specs[t->nr], t->nr, t->args, ret, 0);
	t->entry_ok = 0;
}

static void on_syscall_stop(struct kp_tracer *tr, struct kp_thread *t)
{
	struct __ptrace_syscall_info info;
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info);
	if (n <= 0)
		return;
	if (info.op == PTRACE_SYSCALL_INFO_SECCOMP || info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		uint64_t args[6];
		const uint64_t *src =
		        info.op == PTRACE_SYSCALL_INFO_SECCOMP ? info.seccomp.args : info.entry.args;
		for (int i = 0; i < 6; i++)
			args[i] = src[i];
		on_entry(tr, t,
		         (int)(info.op == PTRACE_SYSCALL_INFO_SECCOMP ? info.seccomp.nr : info.entry.nr),
		         args);
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		on_exit_stop(tr, t, info.exit.rval);
	}
}

/* ---- new tasks ---- */

/*
 * A clone/fork/vfork event of thread t (stopped in the call): the new task
 * joins, and its side of the call (it returns 0) is recorded now, from its
 * creator's arguments: the child may be killed before it ever runs (a
 * multithreaded exec), and clone3's flags may be gone from the creator's
 * stack by the time it does.
 */
static void on_new_task(struct kp_tracer *tr, struct kp_thread *t)
{
	unsigned long msg = 0;
	ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg);
	pid_t tid = (pid_t)msg;
	uint64_t flags = 0;
	if (t->in_sys && t->nr == SYS_clone)
		flags = t->args[0];
	else if (t->in_sys && t->nr == SYS_clone3)
		kp_read_mem(t->tid, t->args[0], &flags, 8);
	pid_t ptid = t->tid;
	if (flags & (CLONE_THREAD_BIT | CLONE_PARENT_BIT))
		ptid = t->ptid ? t->ptid : kp_ppid_of(t->pid);
	struct kp_thread *c = kp_thread_find(tr, tid);
	if (!c && !(c = kp_thread_add(tr, tid, (flags & CLONE_THREAD_BIT) ? t->pid : tid)))
		return;
	c->pid = (flags & CLONE_THREAD_BIT) ? t->pid : tid;
	c->ptid = ptid;
	c->known = 1;
	/* clone3's flags live in the creator's memory (often its stack): read them while it is stopped */
	c->clone_flags = flags;
	c->flags_known = 1;
	if (t->in_sys)
		emit(tr, c, &tr->specs[t->nr], t->nr, t->args, 0, 0);
	if (c->held) { /* it stopped first and waited for this: its own events come after */
		c->held = 0;
		resume(tr, c, 0);
	}
}

/* A multithreaded exec: the thread that called execve takes over the leader's tid. */
static void on_exec(struct kp_tracer *tr, pid_t pid)
{
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, pid, 0, &former);
	if ((pid_t)former == pid || !former)
		return;
	struct kp_thread *old = kp_thread_find(tr, pid), *t = kp_thread_find(tr, (pid_t)former);
	if (old) {
		emit_exit(tr, old, 0); /* killed by the exec (the kernel reports no death for it) */
		for (size_t i = 0; i < tr->nthreads; i++) /* keep the process entry: unlink by hand */
			if (tr->threads[i] == old) {
				tr->threads[i] = tr->threads[--tr->nthreads];
				break;
			}
		free(old);
	}
	if (t)
		t->tid = pid;
}

/* ---- one wait status ---- */

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void kp_handle(struct kp_tracer *tr, pid_t pid, int st)
{
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		struct kp_thread *t = kp_thread_find(tr, pid);
		if (t) {
			emit_exit(tr, t, st); /* no PTRACE_EVENT_EXIT was seen */
			kp_thread_remove(tr, t);
		}
		if (pid == tr->command) {
			tr->command_status = st;
			tr->command_done = 1;
		}
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	int sig = WSTOPSIG(st), event = st >> 16;
	if (event == PTRACE_EVENT_EXEC)
		on_exec(tr, pid);
	struct kp_thread *t = kp_thread_find(tr, pid);
	if (!t) { /* a new task that stopped before its creator's event */
		t = kp_thread_add(tr, pid, kp_tgid_of(pid));
		if (!t) {
			ptrace(PTRACE_CONT, pid, 0, 0);
			return;
		}
		if (t->pid <= 0)
			t->pid = pid;
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(tr, t);
		resume(tr, t, 0);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_SECCOMP: on_syscall_stop(tr, t); break;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) { /* group-stop: stay stopped, but let us hear of SIGCONT */
			ptrace(PTRACE_LISTEN, pid, 0, 0);
			return;
		}
		if (!t->started && !t->known) { /* before its creator's event: wait for it */
			t->started = t->held = 1;
			return;
		}
		t->started = 1; /* a new task's first stop, or our PTRACE_INTERRUPT */
		break;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK: on_new_task(tr, t); break;
	case PTRACE_EVENT_EXEC:
	case PTRACE_EVENT_VFORK_DONE: break;
	case PTRACE_EVENT_EXIT: {
		unsigned long status = 0;
		ptrace(PTRACE_GETEVENTMSG, pid, 0, &status);
		t->in_sys = 0;
		emit_exit(tr, t, (int)status);
		break;
	}
	case 0: /* a signal on its way to the tracee: deliver it unchanged */ resume(tr, t, sig); return;
	}
	resume(tr, t, 0);
}
