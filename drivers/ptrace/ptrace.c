/* ptrace.c - the ptrace driver's operations: trace a command (seccomp) or attach to processes, poll, detach. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kp.h"

#define DETACH_WAIT_NS 2000000000ull

struct kite_driver {
	struct kp_tracer tr;
	struct sigaction old_alarm;
	struct itimerval old_timer;
	int timer_set;
};

#define TICK_US 100000 /* SIGALRM every 100 ms interrupts the blocking wait: the recorder gets control back */

static void on_tick(int sig)
{
	(void)sig;
}

int kite_ptrace_child_setup(int io, int all, char *err, size_t errlen)
{
	static struct kb_spec specs[KB_NSLOTS];
	kb_compile_specs(kite_schema_builtin(), io, all, specs);
	return kp_install_filter(specs, err, errlen);
}

static void pt_close(struct kite_driver *d);

static struct kite_driver *pt_open(const struct kite_driver_opts *o, char *err, size_t errlen)
{
	if (!o->command && !o->npids) {
		snprintf(err, errlen,
		         "ptrace: nothing to trace: give a command (-- COMMAND) or a process (-p PID)");
		return NULL;
	}
	if (o->comm || o->ncgroups) {
		snprintf(err, errlen, "ptrace: --comm and --container need the eBPF driver");
		return NULL;
	}
	struct kite_driver *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "ptrace: out of memory");
		return NULL;
	}
	struct kp_tracer *tr = &d->tr;
	tr->o = *o;
	tr->rec = malloc(KITE_EVT_MAX_LEN);
	tr->val = malloc(KB_HALF);
	if (!tr->rec || !tr->val) {
		snprintf(err, errlen, "ptrace: out of memory");
		pt_close(d);
		return NULL;
	}
	tr->command = o->command;
	d->tr.attach = !o->command;
	kb_compile_specs(kite_schema_builtin(), o->io, o->all, tr->specs);
	tr->st.ncpus = 1;
	return d;
}

static int seize(struct kite_driver *d, pid_t tid, pid_t pid, char *err, size_t errlen)
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
	            PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
	if (!d->tr.attach)
		opts |= PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)opts)) {
		int e = errno;
		snprintf(err, errlen, "ptrace: attaching to %d: %s%s", tid, strerror(e),
		         e == EPERM
		                 ? " (another user's process, a setuid program, or kernel.yama.ptrace_scope "
		                   "forbids it)"
		                 : "");
		return e == ESRCH ? 0 : -1;
	}
	struct kp_thread *t = kp_thread_add(&d->tr, tid, pid);
	if (!t)
		return -1;
	t->known = 1;
	t->attached = d->tr.attach;
	t->started = !d->tr.attach; /* the command runs on, seized; attached threads are interrupted below */
	if (d->tr.attach)
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	return 0;
}

/* Every thread of pid, until no new one appears (threads created meanwhile by a seized one follow by themselves). */
static int attach_process(struct kite_driver *d, pid_t pid, char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	for (int changed = 1, rounds = 0; changed && rounds < 100; rounds++) {
		changed = 0;
		DIR *dir = opendir(path);
		if (!dir) {
			snprintf(err, errlen, "ptrace: process %d: %s", pid, strerror(errno));
			return -1;
		}
		struct dirent *de;
		while ((de = readdir(dir))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || kp_thread_find(&d->tr, tid))
				continue;
			if (seize(d, tid, pid, err, errlen)) {
				closedir(dir);
				return -1;
			}
			changed = 1;
		}
		closedir(dir);
	}
	return 0;
}

static int pt_start(struct kite_driver *d, char *err, size_t errlen)
{
	/*
	 * One blocking waitpid per tracee stop, nothing else: a periodic SIGALRM
	 * (no SA_RESTART) interrupts it so poll returns in time.
	 */
	struct sigaction sa = {.sa_handler = on_tick};
	struct itimerval tv = {{0, TICK_US}, {0, TICK_US}};
	if (sigaction(SIGALRM, &sa, &d->old_alarm) || setitimer(ITIMER_REAL, &tv, &d->old_timer)) {
		snprintf(err, errlen, "ptrace: setting up the wait timer: %s", strerror(errno));
		return -1;
	}
	d->timer_set = 1;
	if (!d->tr.attach) {
		if (seize(d, d->tr.command, d->tr.command, err, errlen))
			return -1;
		d->tr.threads[0]->ptid = getpid();
		return 0;
	}
	for (unsigned i = 0; i < d->tr.o.npids; i++)
		if (attach_process(d, d->tr.o.pids[i], err, errlen))
			return -1;
	return 0;
}

static int pt_poll(struct kite_driver *d, int timeout_ms, int final, kite_sink_fn sink, void *ctx)
{
	struct kp_tracer *tr = &d->tr;
	uint64_t before = tr->st.events;
	uint64_t deadline =
	        kp_now_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	tr->sink = sink;
	tr->ctx = ctx;
	for (unsigned handled = 0;;) {
		int st;
		pid_t pid = waitpid(-1, &st, __WALL | (final || timeout_ms <= 0 ? WNOHANG : 0));
		if (pid > 0) {
			kp_handle(&d->tr, pid, st);
			if (tr->sink_failed)
				return -1;
			if ((++handled & 255) == 0 && kp_now_ns(CLOCK_MONOTONIC) >= deadline)
				break;
			continue;
		}
		/* nothing ready (final), ECHILD (nothing left to trace), or EINTR: the tick or a
		 * signal for the recorder (SIGINT, SIGTERM), which it should look at now */
		break;
	}
	return (int)(tr->st.events - before);
}

/* Attach mode: every tracee is stopped once more and let go, with any signal it was about to get. */
static void detach_all(struct kite_driver *d)
{
	struct kp_tracer *tr = &d->tr;
	for (size_t i = 0; i < tr->nthreads; i++)
		if (tr->threads[i]->held) /* already stopped, at its first stop */
			ptrace(PTRACE_DETACH, tr->threads[i]->tid, 0, 0), tr->threads[i]->exited = 2;
		else
			ptrace(PTRACE_INTERRUPT, tr->threads[i]->tid, 0, 0);
	for (size_t i = 0; i < tr->nthreads;)
		if (tr->threads[i]->exited == 2)
			kp_thread_remove(tr, tr->threads[i]);
		else
			i++;
	uint64_t end = kp_now_ns(CLOCK_MONOTONIC) + DETACH_WAIT_NS;
	while (tr->nthreads && kp_now_ns(CLOCK_MONOTONIC) < end) {
		int st;
		pid_t pid = waitpid(-1, &st, __WALL | WNOHANG);
		if (pid < 0 && errno != EINTR)
			break;
		if (pid <= 0) {
			struct timespec ts = {0, 10000000};
			nanosleep(&ts, NULL);
			continue;
		}
		struct kp_thread *t = kp_thread_find(tr, pid);
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st), event = st >> 16;
			int pass = event == 0 && sig != (SIGTRAP | 0x80) ? sig : 0;
			ptrace(PTRACE_DETACH, pid, 0, (void *)(intptr_t)pass);
		}
		if (t)
			kp_thread_remove(tr, t);
	}
}

static void pt_stop(struct kite_driver *d)
{
	d->tr.stopped = 1;
	if (d->tr.attach)
		detach_all(d);
	/* command mode: the tree still runs under the tracer; poll serves it, unrecorded, until it exits */
}

/* Command mode: the command and its whole tree have exited; attach mode: every traced process has. */
static int pt_command_exited(struct kite_driver *d, int *wstatus)
{
	if ((!d->tr.attach && !d->tr.command_done) || d->tr.nthreads)
		return 0;
	*wstatus = d->tr.command_status;
	return 1;
}

static void pt_stats(struct kite_driver *d, struct kite_driver_stats *st)
{
	*st = d->tr.st;
}

static void pt_close(struct kite_driver *d)
{
	if (!d)
		return;
	struct kp_tracer *tr = &d->tr;
	if (d->tr.attach && tr->nthreads)
		detach_all(d);
	while (tr->nthreads) { /* attach mode: what would not stop in time is left alone.  Command mode: they cannot run without their tracer (see finish_traced_command) */
		if (!d->tr.attach)
			kill(tr->threads[0]->tid, SIGKILL);
		kp_thread_remove(tr, tr->threads[0]);
	}
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i].pidfd >= 0)
			close(tr->procs[i].pidfd);
	if (d->timer_set) {
		setitimer(ITIMER_REAL, &d->old_timer, NULL);
		sigaction(SIGALRM, &d->old_alarm, NULL);
	}
	free(tr->threads);
	free(tr->procs);
	free(tr->rec);
	free(tr->val);
	free(d);
}

const struct kite_driver_ops kite_driver_ptrace = {
        .name = "ptrace",
        .open = pt_open,
        .start = pt_start,
        .poll = pt_poll,
        .stop = pt_stop,
        .stats = pt_stats,
        .close = pt_close,
        .command_exited = pt_command_exited,
};
