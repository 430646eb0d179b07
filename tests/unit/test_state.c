/* test_state.c - the replay state on synthetic records: processes, threads, fds, sockets, lineage, memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "decode.h"
#include "events.h"
#include "path.h"
#include "state.h"
#include "testlib.h"

/* ---- building and applying records ---- */

static const struct kite_schema *S;
static const struct kite_evmap *maps;
static uint8_t recbuf[KITE_EVT_MAX_LEN];
static struct kite_ctx ctx;
static uint64_t now = 1700000000000000000ull;

/* The params of one record, set by name; unset ones are empty (unknown). */
struct ev {
	const struct kite_event_desc *d;
	const void *val[KITE_MAX_PARAMS];
	uint32_t len[KITE_MAX_PARAMS];
	uint8_t num[KITE_MAX_PARAMS][8];
};

static struct ev E;

static struct ev *ev(const char *type)
{
	memset(&E, 0, sizeof(E));
	E.d = kite_schema_find(S, type);
	if (!E.d)
		fail_msg("no event %s", type);
	return &E;
}

static int pidx(struct ev *e, const char *name)
{
	int i = kite_param_index(e->d, name);
	if (i < 0)
		fail_msg("%s has no param %s", e->d->name, name);
	return i;
}

/* An integer param at the width drivers write it. */
static struct ev *I(struct ev *e, const char *name, int64_t v)
{
	int i = pidx(e, name);
	unsigned w = kite_param_width(&e->d->params[i]);
	w = w ? w : 8;
	memcpy(e->num[i], &v, w); /* little-endian host */
	e->val[i] = e->num[i];
	e->len[i] = w;
	return e;
}

static struct ev *B(struct ev *e, const char *name, const void *p, size_t n)
{
	int i = pidx(e, name);
	e->val[i] = p;
	e->len[i] = (uint32_t)n;
	return e;
}

static struct ev *Str(struct ev *e, const char *name, const char *s)
{
	return B(e, name, s, strlen(s));
}

static struct kite_ctx *apply(struct kite_state *s, struct ev *e, uint32_t tid, uint32_t pid)
{
	struct kite_evt_builder b;
	kite_evt_begin(&b, recbuf, e->d->id, e->d->nparams, now += 1000, tid, pid, 0);
	for (unsigned i = 0; i < e->d->nparams; i++)
		kite_evt_add(&b, e->val[i], e->len[i]);
	const struct kite_evt *r = kite_evt_end(&b);
	assert_non_null(r);
	uint64_t num = ctx.num;
	memset(&ctx, 0, sizeof(ctx));
	ctx.e = r;
	ctx.schema = S;
	ctx.map = &maps[r->type];
	ctx.num = num + 1;
	assert_int_equal(kite_evt_split(r, r->len, e->d, &ctx.p), 0);
	kite_state_apply(s, &ctx);
	assert_non_null(ctx.thr);
	assert_ptr_equal(ctx.proc, ctx.thr->proc);
	return &ctx;
}

/* ---- common records ---- */

static struct kite_ctx *snap_proc(struct kite_state *s, int64_t tid, int64_t pid, int64_t ppid,
                                  const char *comm, const char *cwd)
{
	struct ev *e = I(I(I(ev("state_proc"), "tid", tid), "pid", pid), "ppid", ppid);
	Str(Str(Str(e, "comm", comm), "exe", comm), "cwd", cwd);
	I(I(I(I(e, "uid", 0), "euid", 0), "gid", 0), "egid", 0);
	I(I(e, "vpid", pid), "vtid", tid);
	return apply(s, e, (uint32_t)tid, (uint32_t)pid);
}

static struct kite_ctx *do_openat(struct kite_state *s, int64_t tid, int64_t pid, int64_t fd, int64_t dirfd,
                                  const char *name, uint64_t flags)
{
	struct ev *e = I(I(I(ev("openat"), "fd", fd), "dirfd", dirfd), "flags", (int64_t)flags);
	return apply(s, Str(e, "name", name), (uint32_t)tid, (uint32_t)pid);
}

static struct kite_ctx *do_close(struct kite_state *s, int64_t tid, int64_t pid, int64_t fd)
{
	return apply(s, I(I(ev("close"), "res", 0), "fd", fd), (uint32_t)tid, (uint32_t)pid);
}

/* The caller's side of a clone: res = the child's tid. */
static struct kite_ctx *clone_parent(struct kite_state *s, int64_t tid, int64_t pid, int64_t child,
                                     uint64_t flags)
{
	struct ev *e =
	        I(I(I(I(I(ev("clone"), "res", child), "tid", tid), "pid", pid), "vtid", tid), "vpid", pid);
	return apply(s, I(e, "flags", (int64_t)flags), (uint32_t)tid, (uint32_t)pid);
}

/* The child's side: res = 0, the child's own view. */
static struct kite_ctx *clone_child(struct kite_state *s, int64_t tid, int64_t pid, int64_t ptid,
                                    uint64_t flags, const char *comm)
{
	struct ev *e =
	        I(I(I(I(I(ev("clone"), "res", 0), "tid", tid), "pid", pid), "ptid", ptid), "vtid", tid);
	I(I(I(e, "vpid", pid), "flags", (int64_t)flags), "uid", 1000);
	Str(Str(e, "comm", comm), "exe", comm);
	return apply(s, Str(e, "cwd", "/home/u"), (uint32_t)tid, (uint32_t)pid);
}

static struct kite_ctx *procexit(struct kite_state *s, int64_t tid, int64_t pid)
{
	return apply(s, I(ev("procexit"), "status", 0), (uint32_t)tid, (uint32_t)pid);
}

static const char *fdname(struct kite_state *s, int64_t pid, int64_t fd)
{
	struct kite_proc *p = kite_state_proc(s, pid);
	struct kite_fd *f = p ? kite_proc_fd(p, fd) : NULL;
	return f ? f->name : NULL;
}

/* ---- hooks that count ---- */

static struct {
	int proc_new, proc_exec, proc_exit, fd_close;
	char last_closed[256];
	int64_t last_exit_pid;
} hk;

static void h_proc_new(void *c, struct kite_proc *p, const struct kite_ctx *x)
{
	(void)c, (void)p, (void)x;
	hk.proc_new++;
}

static void h_proc_exec(void *c, struct kite_proc *p, const struct kite_ctx *x)
{
	(void)c, (void)p, (void)x;
	hk.proc_exec++;
}

static void h_proc_exit(void *c, struct kite_proc *p, const struct kite_ctx *x)
{
	(void)c, (void)x;
	assert_true(p->exited);
	hk.proc_exit++;
	hk.last_exit_pid = p->pid;
}

static void h_fd_close(void *c, struct kite_proc *p, struct kite_fd *fd, const struct kite_ctx *x)
{
	(void)c, (void)p, (void)x;
	hk.fd_close++;
	snprintf(hk.last_closed, sizeof(hk.last_closed), "%s", fd->name ? fd->name : "");
}

static struct kite_state *new_state(void)
{
	struct kite_state *s = kite_state_new();
	static const struct kite_state_hooks h = {.proc_new = h_proc_new,
	                                          .proc_exec = h_proc_exec,
	                                          .proc_exit = h_proc_exit,
	                                          .fd_close = h_fd_close};
	kite_state_set_hooks(s, &h);
	memset(&hk, 0, sizeof(hk));
	maps = kite_state_evmaps(s, S);
	return s;
}

/* One process, 100, with cwd /home/u. */
static struct kite_state *one_proc(void)
{
	struct kite_state *s = new_state();
	snap_proc(s, 1, 1, 0, "init", "/");
	snap_proc(s, 100, 100, 1, "sh", "/home/u");
	kite_state_settle(s);
	return s;
}

/* ---- the evmap ---- */

static void evmaps_by_name(void **state)
{
	(void)state;
	struct kite_state *s = kite_state_new();
	const struct kite_evmap *m = kite_state_evmaps(s, S);
	assert_ptr_equal(m, kite_state_evmaps(s, S)); /* cached */
	const struct kite_evmap *o = &m[KITE_EVT_OPENAT];
	assert_int_equal(o->res, 0);
	assert_int_equal(o->fd, 0);
	assert_true(o->fd_is_res);
	assert_int_equal(o->dirfd, 1);
	assert_int_equal(o->name, 2);
	assert_int_equal(o->flags, 3);
	const struct kite_evmap *cl = &m[KITE_EVT_CLOSE];
	assert_int_equal(cl->res, 0);
	assert_int_equal(cl->fd, 1);
	assert_false(cl->fd_is_res);
	/* as sysdig: a pipe's event shows its second (write) end */
	assert_int_equal(m[KITE_EVT_PIPE].fd, kite_param_index(m[KITE_EVT_PIPE].d, "fd2"));
	assert_true(m[KITE_EVT_PIPE].fd_is_res);
	assert_int_equal(m[KITE_EVT_FCNTL].fd, 1); /* the fd argument, not the result */
	assert_false(m[KITE_EVT_FCNTL].fd_is_res);
	assert_int_equal(m[KITE_EVT_DUP2].fd, 0);
	assert_true(m[KITE_EVT_DUP2].fd_is_res);
	assert_int_equal(m[KITE_EVT_BPF].res, 0);
	assert_true(m[KITE_EVT_BPF].fd_is_res);
	assert_int_equal(m[KITE_EVT_CONNECT].tuple, 1);
	assert_int_equal(m[KITE_EVT_CONNECT].fd, 2);
	assert_int_equal(m[KITE_EVT_EXECVE].name, kite_param_index(m[KITE_EVT_EXECVE].d, "filename"));
	assert_int_equal(m[KITE_EVT_SENDFILE].fd, kite_param_index(m[KITE_EVT_SENDFILE].d, "out_fd"));
	assert_int_equal(m[KITE_EVT_MMAP].fd, -1); /* Falco: mmap does not "use" its fd (no fd.* fields) */
	assert_null(m[9].d);                       /* an unused id */
	kite_state_free(s);
}

/* ---- fds ---- */

static void fd_reuse(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_ctx *c = do_openat(s, 100, 100, 3, AT_FDCWD, "first.txt", O_RDONLY);
	assert_non_null(c->fd);
	assert_int_equal(c->fdnum, 3);
	assert_string_equal(c->fd->name, "/home/u/first.txt");
	assert_string_equal(c->fd->nameraw, "first.txt");
	assert_int_equal(c->fd->type, KITE_FD_FILE);
	c = do_close(s, 100, 100, 3);
	/* the closed fd is the event's until settle, and gone from the table already */
	assert_non_null(c->fd);
	assert_string_equal(c->fd->name, "/home/u/first.txt");
	assert_null(fdname(s, 100, 3));
	assert_int_equal(hk.fd_close, 1);
	kite_state_settle(s);
	c = do_openat(s, 100, 100, 3, AT_FDCWD, "second.txt", O_WRONLY | O_CREAT);
	assert_string_equal(fdname(s, 100, 3), "/home/u/second.txt");
	assert_int_equal(kite_state_stats(s)->fds, 1);
	/* a failed open makes nothing, and its ctx has no fd */
	c = do_openat(s, 100, 100, -2, AT_FDCWD, "missing", O_RDONLY);
	assert_null(c->fd);
	assert_int_equal(c->fdnum, -1);
	/* a failed close leaves the fd */
	c = apply(s, I(I(ev("close"), "res", -9), "fd", 3), 100, 100);
	assert_non_null(fdname(s, 100, 3));
	kite_state_free(s);
}

static void dup2_over_open_fd(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	do_openat(s, 100, 100, 3, AT_FDCWD, "/etc/a", O_RDONLY | O_CLOEXEC);
	do_openat(s, 100, 100, 4, AT_FDCWD, "/etc/b", O_RDONLY);
	hk.fd_close = 0;
	struct kite_ctx *c = apply(s, I(I(I(ev("dup2"), "res", 4), "oldfd", 3), "newfd", 4), 100, 100);
	assert_int_equal(c->fdnum, 4);
	assert_string_equal(c->fd->name, "/etc/a");
	assert_false(c->fd->flags & O_CLOEXEC); /* dup clears close-on-exec */
	assert_int_equal(hk.fd_close, 1);       /* /etc/b was closed by it */
	assert_string_equal(hk.last_closed, "/etc/b");
	assert_string_equal(fdname(s, 100, 4), "/etc/a");
	c = apply(s, I(I(I(I(ev("dup3"), "res", 7), "oldfd", 3), "newfd", 7), "flags", O_CLOEXEC), 100, 100);
	assert_true(c->fd->flags & O_CLOEXEC);
	c = apply(s, I(I(ev("dup"), "res", 8), "oldfd", 3), 100, 100);
	assert_string_equal(fdname(s, 100, 8), "/etc/a");
	/* fcntl F_DUPFD_CLOEXEC: the copy appears at res, and the event is about it (sysdig's fd.num) */
	c = apply(s, I(I(I(ev("fcntl"), "res", 20), "fd", 4), "cmd", F_DUPFD_CLOEXEC), 100, 100);
	assert_int_equal(c->fdnum, 20);
	assert_string_equal(c->fd->name, "/etc/a");
	assert_true(kite_proc_fd(c->proc, 20)->flags & O_CLOEXEC);
	assert_int_equal(kite_state_stats(s)->fds, 5);
	kite_state_free(s);
}

static void close_range_and_pipes(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_ctx *c =
	        apply(s, I(I(I(I(ev("pipe2"), "res", 0), "fd1", 3), "fd2", 4), "ino", 777), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_PIPE);
	assert_string_equal(c->fd->name ? c->fd->name : "", "");
	assert_int_equal(kite_proc_fd(c->proc, 4)->ino, 777);
	assert_true(kite_proc_fd(c->proc, 4)->flags & O_WRONLY);
	for (int fd = 5; fd < 10; fd++)
		do_openat(s, 100, 100, fd, AT_FDCWD, "/tmp/x", O_RDONLY);
	do_openat(s, 100, 100, 2000000, AT_FDCWD, "/tmp/far", O_RDONLY); /* a very high number */
	assert_string_equal(fdname(s, 100, 2000000), "/tmp/far");
	/* CLOSE_RANGE_CLOEXEC marks instead of closing */
	apply(s, I(I(I(I(ev("close_range"), "res", 0), "first", 5), "last", 6), "flags", 4), 100, 100);
	assert_true(kite_proc_fd(kite_state_proc(s, 100), 5)->flags & O_CLOEXEC);
	apply(s, I(I(I(I(ev("close_range"), "res", 0), "first", 4), "last", 0xffffffffu), "flags", 0), 100,
	      100);
	assert_non_null(fdname(s, 100, 3));
	for (int fd = 4; fd < 10; fd++)
		assert_null(fdname(s, 100, fd));
	assert_null(fdname(s, 100, 2000000));
	assert_int_equal(kite_state_stats(s)->fds, 1);
	kite_state_free(s);
}

static void threads_share_fds(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint64_t tflags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	clone_parent(s, 100, 100, 101, tflags);
	struct kite_proc *p = kite_state_proc(s, 100);
	assert_int_equal(p->nthreads, 2);
	assert_ptr_equal(kite_state_thread(s, 101)->proc, p);
	/* the thread opens: the process sees it */
	struct kite_ctx *c = do_openat(s, 101, 100, 5, AT_FDCWD, "t.txt", O_RDONLY);
	assert_int_equal(c->thr->tid, 101);
	assert_string_equal(fdname(s, 100, 5), "/home/u/t.txt");
	c = do_close(s, 100, 100, 5);
	assert_string_equal(c->fd->name, "/home/u/t.txt");
	/* the child's own event first, for another thread */
	clone_child(s, 102, 100, 1, tflags, "sh");
	assert_int_equal(p->nthreads, 3);
	assert_int_equal(kite_state_stats(s)->unknown_threads, 0);
	/* threads exit, the process lives on until the last */
	procexit(s, 101, 100);
	kite_state_settle(s);
	assert_null(kite_state_thread(s, 101));
	assert_int_equal(p->nthreads, 2);
	procexit(s, 100, 100); /* the leader first */
	kite_state_settle(s);
	assert_non_null(kite_state_proc(s, 100));
	assert_int_equal(hk.proc_exit, 0);
	struct kite_ctx *x = procexit(s, 102, 100);
	assert_true(x->proc->exited);
	assert_int_equal(hk.proc_exit, 1);
	kite_state_settle(s);
	assert_null(kite_state_proc(s, 100));
	kite_state_free(s);
}

static void exec_closes_cloexec(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	do_openat(s, 100, 100, 3, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	do_openat(s, 100, 100, 4, AT_FDCWD, "/etc/hosts", O_RDONLY);
	static const char args[] = "-l\0/tmp";
	struct ev *e = I(I(I(ev("execve"), "res", 0), "tid", 100), "pid", 100);
	Str(Str(Str(e, "exe", "ls"), "comm", "ls"), "filename", "../../bin/ls");
	B(Str(e, "cwd", "/home/u"), "args", args, sizeof(args));
	I(I(I(e, "uid", 1000), "gid", 1000), "loginuid", 1000);
	Str(e, "cgroups", "0::/user.slice/user-1000.slice/session-2.scope");
	struct kite_ctx *c = apply(s, e, 100, 100);
	struct kite_proc *p = c->proc;
	assert_null(kite_proc_fd(p, 3));
	assert_string_equal(fdname(s, 100, 4), "/etc/hosts");
	assert_string_equal(hk.last_closed, "/etc/passwd");
	assert_string_equal(p->comm, "ls");
	assert_string_equal(p->exe, "ls");
	assert_string_equal(p->exepath, "/bin/ls");
	assert_int_equal(p->args_len, sizeof(args));
	assert_memory_equal(p->args, args, sizeof(args));
	assert_string_equal(p->cwd, "/home/u/");
	assert_int_equal(p->euid, 1000);
	assert_int_equal(p->loginuid, 1000);
	assert_null(p->container);
	assert_int_equal(hk.proc_exec, 1);
	/* trusted_exepath wins over filename */
	e = I(I(I(ev("execve"), "res", 0), "tid", 100), "pid", 100);
	Str(Str(e, "filename", "ls"), "trusted_exepath", "/usr/bin/ls");
	apply(s, e, 100, 100);
	assert_string_equal(p->exepath, "/usr/bin/ls");
	/* a failed exec changes nothing */
	apply(s, Str(I(ev("execve"), "res", -2), "comm", "nope"), 100, 100);
	assert_string_equal(p->comm, "ls");
	kite_state_free(s);
}

static void exec_in_a_thread(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint64_t tflags = CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
	clone_parent(s, 100, 100, 101, tflags);
	clone_parent(s, 100, 100, 102, tflags);
	/* thread 101 execs: the others die, it takes the pid (the record says tid 100) */
	procexit(s, 102, 100);
	procexit(s, 100, 100);
	struct kite_ctx *c = apply(
	        s, Str(I(I(I(ev("execve"), "res", 0), "tid", 100), "pid", 100), "comm", "new"), 100, 100);
	assert_int_equal(c->thr->tid, 100);
	assert_int_equal(c->proc->nthreads, 1);
	assert_string_equal(c->proc->comm, "new");
	kite_state_settle(s);
	assert_null(kite_state_thread(s, 101));
	assert_null(kite_state_thread(s, 102));
	assert_int_equal(kite_state_proc(s, 100)->nthreads, 1);
	assert_int_equal(hk.proc_exit, 0);
	kite_state_free(s);
}

/* ---- lineage ---- */

static void reparent_on_procexit(void **state)
{
	(void)state;
	struct kite_state *s = new_state();
	snap_proc(s, 1, 1, 0, "init", "/");
	snap_proc(s, 10, 10, 1, "bash", "/");
	snap_proc(s, 20, 20, 10, "make", "/");
	snap_proc(s, 30, 30, 20, "cc", "/");
	snap_proc(s, 31, 31, 20, "cc", "/");
	struct kite_proc *p10 = kite_state_proc(s, 10), *p20 = kite_state_proc(s, 20);
	assert_int_equal(p20->nchildren, 2);
	assert_ptr_equal(kite_proc_parent(s, kite_state_proc(s, 30)), p20);
	procexit(s, 20, 20);
	/* no reaper in the record: the nearest pid-namespace init ancestor, here pid 1 */
	assert_int_equal(kite_state_proc(s, 30)->ppid, 1);
	assert_int_equal(kite_state_proc(s, 31)->ppid, 1);
	assert_int_equal(kite_state_proc(s, 1)->nchildren, 3);
	kite_state_settle(s);
	assert_null(kite_state_proc(s, 20));
	assert_int_equal(p10->nchildren, 0);
	/* a container's init (vpid 1) is the reaper of its orphans */
	struct ev *e = I(I(I(ev("state_proc"), "tid", 40), "pid", 40), "ppid", 1);
	apply(s, I(Str(e, "comm", "tini"), "vpid", 1), 40, 40);
	snap_proc(s, 41, 41, 40, "app", "/");
	snap_proc(s, 42, 42, 41, "worker", "/");
	procexit(s, 41, 41);
	assert_int_equal(kite_state_proc(s, 42)->ppid, 40);
	/* the reaper the driver names wins */
	snap_proc(s, 50, 50, 1, "sup", "/");
	snap_proc(s, 51, 51, 42, "w2", "/");
	apply(s, I(I(ev("procexit"), "status", 0), "reaper_tid", 50), 42, 42);
	assert_int_equal(kite_state_proc(s, 51)->ppid, 50);
	assert_ptr_equal(kite_proc_parent(s, kite_state_proc(s, 51)), kite_state_proc(s, 50));
	/* children before their parent (snapshot order) are linked when it comes */
	snap_proc(s, 61, 61, 60, "kid", "/");
	assert_null(kite_proc_parent(s, kite_state_proc(s, 61)));
	snap_proc(s, 60, 60, 1, "dad", "/");
	assert_ptr_equal(kite_proc_parent(s, kite_state_proc(s, 61)), kite_state_proc(s, 60));
	assert_int_equal(kite_state_proc(s, 60)->nchildren, 1);
	kite_state_free(s);
}

static void clone_parent_first(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	do_openat(s, 100, 100, 3, AT_FDCWD, "/etc/a", O_RDONLY);
	clone_parent(s, 100, 100, 200, SIGCHLD);
	struct kite_proc *c = kite_state_proc(s, 200);
	assert_non_null(c);
	assert_int_equal(c->ppid, 100);
	assert_string_equal(c->comm, "sh");
	assert_string_equal(c->cwd, "/home/u/");
	assert_true(c->known);
	assert_string_equal(fdname(s, 200, 3), "/etc/a"); /* a copy of the parent's table */
	assert_ptr_not_equal(c->fdt, kite_state_proc(s, 100)->fdt);
	assert_int_equal(hk.proc_new, 3); /* init, sh, the child */
	struct kite_ctx *x = clone_child(s, 200, 200, 100, SIGCHLD, "child");
	assert_ptr_equal(x->proc, c);
	assert_string_equal(c->comm, "child");
	assert_int_equal(c->euid, 1000);
	assert_int_equal(hk.proc_new, 3);
	assert_int_equal(kite_state_stats(s)->threads, 3);
	assert_int_equal(kite_state_stats(s)->unknown_threads, 0);
	kite_state_free(s);
}

static void clone_child_first(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	do_openat(s, 100, 100, 3, AT_FDCWD, "/etc/a", O_RDONLY);
	struct kite_ctx *x = clone_child(s, 300, 300, 100, SIGCHLD, "kid");
	assert_int_equal(x->thr->tid, 300);
	assert_int_equal(x->proc->ppid, 100);
	assert_string_equal(x->proc->comm, "kid");
	assert_string_equal(fdname(s, 300, 3), "/etc/a");
	assert_int_equal(kite_state_proc(s, 100)->nchildren, 1);
	clone_parent(s, 100, 100, 300, SIGCHLD);
	assert_int_equal(kite_state_stats(s)->threads, 3);
	assert_int_equal(kite_state_stats(s)->procs, 3);
	assert_int_equal(kite_state_stats(s)->unknown_threads, 0);
	assert_string_equal(kite_state_proc(s, 300)->comm, "kid");
	/* a child that comes and goes before its parent's event is not brought back */
	clone_child(s, 301, 301, 100, SIGCHLD, "quick");
	procexit(s, 301, 301);
	kite_state_settle(s);
	clone_parent(s, 100, 100, 301, SIGCHLD);
	assert_null(kite_state_proc(s, 301));
	assert_int_equal(kite_state_stats(s)->procs, 3);
	kite_state_free(s);
}

static void clone_files_shares(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	clone_parent(s, 100, 100, 400, CLONE_FILES | SIGCHLD);
	struct kite_proc *p = kite_state_proc(s, 100), *c = kite_state_proc(s, 400);
	assert_ptr_equal(p->fdt, c->fdt);
	do_openat(s, 400, 400, 5, AT_FDCWD, "shared", O_RDONLY);
	assert_string_equal(fdname(s, 100, 5), "/home/u/shared");
	/* unshare(CLONE_FILES): a private copy from now on */
	apply(s, I(I(ev("unshare"), "res", 0), "flags", CLONE_FILES), 400, 400);
	assert_ptr_not_equal(p->fdt, c->fdt);
	do_close(s, 400, 400, 5);
	assert_non_null(fdname(s, 100, 5));
	assert_null(fdname(s, 400, 5));
	/* without CLONE_FILES: a copy */
	clone_parent(s, 100, 100, 401, SIGCHLD);
	do_openat(s, 401, 401, 6, AT_FDCWD, "mine", O_RDONLY);
	assert_null(fdname(s, 100, 6));
	/* exec unshares a shared table before closing cloexec fds */
	clone_parent(s, 100, 100, 402, CLONE_FILES | SIGCHLD);
	do_openat(s, 100, 100, 7, AT_FDCWD, "cloexec", O_RDONLY | O_CLOEXEC);
	apply(s, Str(I(ev("execve"), "res", 0), "comm", "x"), 402, 402);
	assert_null(fdname(s, 402, 7));
	assert_non_null(fdname(s, 100, 7));
	/* a shared table lives until its last process exits */
	procexit(s, 400, 400);
	procexit(s, 402, 402);
	kite_state_settle(s);
	assert_non_null(fdname(s, 100, 5));
	kite_state_free(s);
}

/* ---- paths ---- */

static void relative_paths(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_ctx *c = do_openat(s, 100, 100, 3, AT_FDCWD, "/srv/data/", O_RDONLY | O_DIRECTORY);
	assert_int_equal(c->fd->type, KITE_FD_DIRECTORY);
	assert_string_equal(c->fd->name, "/srv/data");
	c = do_openat(s, 100, 100, 4, 3, "sub/../x.txt", O_RDONLY);
	assert_string_equal(c->fd->name, "/srv/data/x.txt");
	assert_string_equal(c->fd->nameraw, "sub/../x.txt");
	c = do_openat(s, 100, 100, 5, AT_FDCWD, "./a//b/./c", O_RDONLY);
	assert_string_equal(c->fd->name, "/home/u/a/b/c");
	c = do_openat(s, 100, 100, 6, AT_FDCWD, "../../../../etc/x", O_RDONLY);
	assert_string_equal(c->fd->name, "/etc/x");
	c = do_openat(s, 100, 100, 7, 42, "lost.txt", O_RDONLY); /* a dirfd we never saw */
	assert_string_equal(c->fd->name, "<UNKNOWN>/lost.txt");
	c = do_openat(s, 100, 100, 8, 42, "/abs/path", O_RDONLY); /* absolute: the dirfd does not matter */
	assert_string_equal(c->fd->name, "/abs/path");
	/* open (no dirfd) and an empty name */
	c = apply(s, Str(I(I(ev("open"), "fd", 9), "flags", O_RDONLY), "name", "rel"), 100, 100);
	assert_string_equal(c->fd->name, "/home/u/rel");
	c = apply(s, I(I(ev("open"), "fd", 10), "flags", O_RDONLY), 100, 100);
	assert_non_null(c->fd);
	assert_null(c->fd->name);
	c = apply(s, Str(I(ev("creat"), "fd", 11), "name", "new.txt"), 100, 100);
	assert_true(c->fd->flags & O_CREAT);
	kite_state_free(s);
}

/* The same path opened again resolves the same way, and a relative one follows its directory. */
static void names_again(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	for (int i = 0; i < 3; i++) {
		struct kite_ctx *c = do_openat(s, 100, 100, 3, AT_FDCWD, "/etc//hostname", O_RDONLY);
		assert_string_equal(c->fd->name, "/etc/hostname");
		assert_string_equal(c->fd->nameraw, "/etc//hostname");
		c = do_openat(s, 100, 100, 4, AT_FDCWD, "data/f.txt", O_RDONLY);
		assert_string_equal(c->fd->name, i < 2 ? "/home/u/data/f.txt" : "/tmp/data/f.txt");
		assert_string_equal(c->fd->nameraw, "data/f.txt");
		c = do_openat(s, 100, 100, 5, AT_FDCWD, i ? "/srv" : "/var", O_RDONLY | O_DIRECTORY);
		c = do_openat(s, 100, 100, 6, 5, "../x", O_RDONLY);
		assert_string_equal(c->fd->name, "/x");
		c = do_openat(s, 100, 100, 7, 5, "y", O_RDONLY);
		assert_string_equal(c->fd->name, i ? "/srv/y" : "/var/y");
		for (int fd = 3; fd <= 7; fd++)
			do_close(s, 100, 100, fd);
		if (i == 1)
			apply(s, Str(I(ev("chdir"), "res", 0), "path", "/tmp"), 100, 100);
	}
	kite_state_free(s);
}

static void chdir_fchdir(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_proc *p = kite_state_proc(s, 100);
	apply(s, Str(I(ev("chdir"), "res", 0), "path", "src/"), 100, 100);
	assert_string_equal(p->cwd, "/home/u/src/");
	apply(s, Str(I(ev("chdir"), "res", 0), "path", ".."), 100, 100);
	assert_string_equal(p->cwd, "/home/u/");
	apply(s, Str(I(ev("chdir"), "res", -2), "path", "/nonexistent"), 100, 100);
	assert_string_equal(p->cwd, "/home/u/");
	do_openat(s, 100, 100, 3, AT_FDCWD, "/var/lib", O_RDONLY | O_DIRECTORY);
	apply(s, I(I(ev("fchdir"), "res", 0), "fd", 3), 100, 100);
	assert_string_equal(p->cwd, "/var/lib/");
	struct kite_ctx *c = do_openat(s, 100, 100, 4, AT_FDCWD, "dpkg/status", O_RDONLY);
	assert_string_equal(c->fd->name, "/var/lib/dpkg/status");
	apply(s, Str(I(ev("chdir"), "res", 0), "path", "/"), 100, 100);
	assert_string_equal(p->cwd, "/");
	apply(s, Str(I(ev("chroot"), "res", 0), "path", "/srv/jail"), 100, 100);
	assert_string_equal(p->root, "/srv/jail");
	kite_state_free(s);
}

/* ---- credentials ---- */

static void uid_changes(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_proc *p = kite_state_proc(s, 100);
	apply(s, I(I(ev("setgid"), "res", 0), "gid", 50), 100, 100);
	assert_int_equal(p->gid, 50);
	assert_int_equal(p->egid, 50);
	apply(s, I(I(I(ev("setresuid"), "res", 0), "ruid", -1), "euid", 33), 100, 100);
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->euid, 33);
	apply(s, I(I(I(ev("setresuid"), "res", 0), "ruid", 0), "euid", 0), 100, 100);
	apply(s, I(I(ev("setuid"), "res", -1), "uid", 1000), 100, 100); /* failed: nothing */
	assert_int_equal(p->euid, 0);
	apply(s, I(I(ev("setuid"), "res", 0), "uid", 1000), 100, 100); /* root: all three */
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->euid, 1000);
	assert_int_equal(p->suid, 1000);
	apply(s, I(I(ev("setuid"), "res", 0), "uid", 0), 100, 100); /* unprivileged: effective only */
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->euid, 0);
	apply(s, I(I(I(ev("setreuid"), "res", 0), "ruid", 7), "euid", 8), 100, 100);
	assert_int_equal(p->uid, 7);
	assert_int_equal(p->euid, 8);
	assert_int_equal(p->suid, 8);
	apply(s, I(I(I(I(ev("setresgid"), "res", 0), "rgid", 1), "egid", 2), "sgid", 3), 100, 100);
	assert_int_equal(p->gid, 1);
	assert_int_equal(p->egid, 2);
	assert_int_equal(p->sgid, 3);
	apply(s,
	      I(I(I(I(ev("capset"), "res", 0), "cap_inheritable", 0), "cap_permitted", 0x3), "cap_effective",
	        1),
	      100, 100);
	assert_true(p->caps_known);
	assert_int_equal(p->cap_permitted, 3);
	apply(s, Str(I(I(ev("prctl"), "res", 0), "option", PR_SET_NAME), "arg2_str", "renamed-process-long"),
	      100, 100);
	assert_string_equal(p->comm, "renamed-process");
	kite_state_free(s);
}

/* ---- sockets ---- */

static size_t tuple4(uint8_t *t, const char *sa, uint16_t sp, const char *da, uint16_t dp)
{
	t[0] = KITE_AF_INET;
	inet_pton(AF_INET, sa, t + 1);
	memcpy(t + 5, &sp, 2);
	inet_pton(AF_INET, da, t + 7);
	memcpy(t + 11, &dp, 2);
	return 13;
}

static size_t tuple6(uint8_t *t, const char *sa, uint16_t sp, const char *da, uint16_t dp)
{
	t[0] = KITE_AF_INET6;
	inet_pton(AF_INET6, sa, t + 1);
	memcpy(t + 17, &sp, 2);
	inet_pton(AF_INET6, da, t + 19);
	memcpy(t + 35, &dp, 2);
	return 37;
}

static void inet_sockets(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint8_t t[64];
	struct kite_ctx *c =
	        apply(s,
	              I(I(I(I(ev("socket"), "fd", 3), "domain", AF_INET), "type", SOCK_STREAM | SOCK_CLOEXEC),
	                "proto", 0),
	              100, 100);
	assert_int_equal(c->fd->type, KITE_FD_IPV4_SOCK);
	assert_int_equal(c->fd->l4proto, IPPROTO_TCP);
	assert_true(c->fd->flags & O_CLOEXEC);
	/* connect: the tuple's source is the local end, the client */
	size_t n = tuple4(t, "10.0.0.1", 40000, "93.184.216.34", 443);
	c = apply(s, B(I(I(ev("connect"), "res", 0), "fd", 3), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.0.0.1:40000->93.184.216.34:443");
	assert_int_equal(c->fd->role, KITE_ROLE_CLIENT);
	assert_true(c->fd->name_changed);
	assert_true(c->fd->sock.valid);
	assert_int_equal(c->fd->sock.sport, 443);
	uint8_t want[4];
	inet_pton(AF_INET, "93.184.216.34", want);
	assert_memory_equal(c->fd->sock.sip.a, want, 4);
	struct kite_fd *f = c->fd;
	kite_state_settle(s);
	assert_false(f->name_changed);
	/* accept: the tuple's source is the remote client, its destination this side */
	n = tuple4(t, "10.0.0.9", 5555, "10.0.0.1", 8080);
	c = apply(s, B(I(ev("accept4"), "fd", 4), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.0.0.9:5555->10.0.0.1:8080");
	assert_int_equal(c->fd->role, KITE_ROLE_SERVER);
	assert_int_equal(c->fd->sock.cport, 5555);
	assert_int_equal(c->fd->sock.sport, 8080);
	/* bind names the local end */
	apply(s, I(I(I(ev("socket"), "fd", 5), "domain", AF_INET), "type", SOCK_DGRAM), 100, 100);
	uint8_t sa[7] = {KITE_AF_INET, 0, 0, 0, 0};
	uint16_t port = 8080;
	memcpy(sa + 5, &port, 2);
	c = apply(s, B(I(I(ev("bind"), "res", 0), "fd", 5), "addr", sa, 7), 100, 100);
	assert_string_equal(c->fd->name, "0.0.0.0:8080");
	assert_true(c->fd->sock.bound);
	assert_int_equal(c->fd->l4proto, IPPROTO_UDP);
	/* a UDP socket takes its tuple from recvfrom: the sender is the client */
	n = tuple4(t, "0.0.0.0", 8080, "192.168.1.7", 53000);
	c = apply(s, B(I(I(ev("recvfrom"), "res", 10), "fd", 5), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "192.168.1.7:53000->0.0.0.0:8080");
	assert_int_equal(c->fd->role, KITE_ROLE_SERVER);
	/* a send on an fd never seen: taken for UDP (as Falco) */
	n = tuple4(t, "10.0.0.1", 1234, "8.8.8.8", 53);
	c = apply(s, B(I(I(ev("sendto"), "res", 10), "fd", 9), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.0.0.1:1234->8.8.8.8:53");
	assert_int_equal(c->fd->l4proto, IPPROTO_UDP);
	/* ... but not a sendmsg (sysdig 0.29.3: the fd stays unknown, as in falco_ping_sendto) */
	c = apply(s, B(I(I(ev("sendmsg"), "res", 10), "fd", 11), "tuple", t, n), 100, 100);
	assert_null(c->fd);
	assert_int_equal(c->fdnum, 11);
	kite_state_free(s);
}

/* A state_iface record: name, family, address and netmask in kite's sockaddr layout. */
static void add_iface(struct kite_state *s, const char *name, int fam, const char *addr, const char *mask)
{
	uint8_t a[19] = {0}, m[19] = {0};
	size_t n = fam == AF_INET6 ? 19 : 7;
	a[0] = m[0] = fam == AF_INET6 ? KITE_AF_INET6 : KITE_AF_INET;
	inet_pton(fam, addr, a + 1);
	inet_pton(fam, mask, m + 1);
	apply(s, B(B(I(Str(ev("state_iface"), "name", name), "family", fam), "addr", a, n), "netmask", m, n),
	      0, 0);
}

/* As libsinsp: a datagram sent from an unbound socket gets its source from the host's interfaces. */
static void unbound_source_inferred(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint8_t t[64];
	add_iface(s, "lo", AF_INET, "127.0.0.1", "255.0.0.0");
	add_iface(s, "eth0", AF_INET, "10.0.0.5", "255.255.255.0");
	add_iface(s, "lo", AF_INET6, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	apply(s, I(I(I(ev("socket"), "fd", 3), "domain", AF_INET6), "type", SOCK_DGRAM), 100, 100);
	size_t n = tuple6(t, "::", 0, "::1", 2345);
	struct kite_ctx *c = apply(s, B(I(I(ev("sendto"), "res", 6), "fd", 3), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "::1:0->::1:2345"); /* libs_test_ipv6_client, as sysdig */
	/* IPv4: the same subnet's address, else the first interface that is not loopback */
	apply(s, I(I(I(ev("socket"), "fd", 4), "domain", AF_INET), "type", SOCK_DGRAM), 100, 100);
	n = tuple4(t, "0.0.0.0", 5000, "10.0.0.9", 53);
	c = apply(s, B(I(I(ev("sendto"), "res", 6), "fd", 4), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.0.0.5:5000->10.0.0.9:53");
	apply(s, I(I(I(ev("socket"), "fd", 5), "domain", AF_INET), "type", SOCK_DGRAM), 100, 100);
	n = tuple4(t, "0.0.0.0", 5001, "8.8.8.8", 53);
	c = apply(s, B(I(I(ev("sendto"), "res", 6), "fd", 5), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.0.0.5:5001->8.8.8.8:53");
	/* a known source is kept */
	apply(s, I(I(I(ev("socket"), "fd", 6), "domain", AF_INET), "type", SOCK_DGRAM), 100, 100);
	n = tuple4(t, "192.168.9.9", 5002, "8.8.8.8", 53);
	c = apply(s, B(I(I(ev("sendto"), "res", 6), "fd", 6), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "192.168.9.9:5002->8.8.8.8:53");
	kite_state_free(s);
}

static void inet6_sockets(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint8_t t[64];
	apply(s, I(I(I(ev("socket"), "fd", 3), "domain", AF_INET6), "type", SOCK_STREAM), 100, 100);
	size_t n = tuple6(t, "2001:db8::1", 1234, "2001:db8::3", 80);
	struct kite_ctx *c =
	        apply(s, B(I(I(ev("connect"), "res", -EINPROGRESS), "fd", 3), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "2001:db8::1:1234->2001:db8::3:80");
	assert_int_equal(c->fd->type, KITE_FD_IPV6_SOCK);
	/* a v6 socket talking to a v4-mapped peer is an IPv4 one */
	apply(s, I(I(I(ev("socket"), "fd", 4), "domain", AF_INET6), "type", SOCK_STREAM), 100, 100);
	n = tuple6(t, "::ffff:10.1.1.1", 5000, "::ffff:10.1.1.2", 443);
	c = apply(s, B(I(I(ev("connect"), "res", 0), "fd", 4), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "10.1.1.1:5000->10.1.1.2:443");
	assert_int_equal(c->fd->type, KITE_FD_IPV4_SOCK);
	/* bind to a v6 address */
	apply(s, I(I(I(ev("socket"), "fd", 5), "domain", AF_INET6), "type", SOCK_STREAM), 100, 100);
	uint8_t sa[19] = {KITE_AF_INET6};
	inet_pton(AF_INET6, "2001:db8::3", sa + 1);
	uint16_t port = 1234;
	memcpy(sa + 17, &port, 2);
	c = apply(s, B(I(I(ev("bind"), "res", 0), "fd", 5), "addr", sa, sizeof(sa)), 100, 100);
	assert_string_equal(c->fd->name, "2001:db8::3:1234");
	/* a failed connect names nothing */
	apply(s, I(I(I(ev("socket"), "fd", 6), "domain", AF_INET6), "type", SOCK_STREAM), 100, 100);
	c = apply(s, B(I(I(ev("connect"), "res", -ECONNREFUSED), "fd", 6), "tuple", t, n), 100, 100);
	assert_string_equal(c->fd->name, "");
	kite_state_free(s);
}

static void unix_sockets(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	uint8_t t[64] = {KITE_AF_UNIX};
	uint64_t src = 0xffff94dc817b9400ull, dst = 0xffff94dc817b9800ull;
	memcpy(t + 1, &src, 8);
	memcpy(t + 9, &dst, 8);
	memcpy(t + 17, "/var/run/nscd/socket", 20);
	struct kite_ctx *c =
	        apply(s, I(I(I(ev("socket"), "fd", 3), "domain", AF_UNIX), "type", SOCK_STREAM), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_UNIX_SOCK);
	assert_int_equal(c->fd->l4proto, 0);
	c = apply(s, B(I(I(ev("connect"), "res", 0), "fd", 3), "tuple", t, 37), 100, 100);
	assert_string_equal(c->fd->name, "ffff94dc817b9400->ffff94dc817b9800 /var/run/nscd/socket");
	assert_int_equal(c->fd->unix_dst, dst);
	/* zero addresses print as 0 */
	memset(t + 1, 0, 8);
	c = apply(s, B(I(ev("accept"), "fd", 4), "tuple", t, 37), 100, 100);
	assert_string_equal(c->fd->name, "0->ffff94dc817b9800 /var/run/nscd/socket");
	c = apply(
	        s,
	        I(I(I(I(I(I(ev("socketpair"), "res", 0), "fd1", 5), "fd2", 6), "source", 0xaa), "peer", 0xbb),
	          "domain", AF_UNIX),
	        100, 100);
	assert_int_equal(c->fd->type, KITE_FD_UNIX_SOCK);
	assert_int_equal(kite_proc_fd(c->proc, 6)->unix_dst, 0xbb);
	/* bind names a unix socket by its path */
	apply(s, I(I(I(ev("socket"), "fd", 7), "domain", AF_UNIX), "type", SOCK_DGRAM), 100, 100);
	uint8_t sa[16] = {KITE_AF_UNIX};
	memcpy(sa + 1, "/run/x.sock", 11);
	c = apply(s, B(I(I(ev("bind"), "res", 0), "fd", 7), "addr", sa, 12), 100, 100);
	assert_string_equal(c->fd->name, "/run/x.sock");
	kite_state_free(s);
}

static void other_fd_kinds(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct kite_ctx *c =
	        apply(s, I(Str(I(ev("memfd_create"), "fd", 3), "name", "payload"), "flags", 1), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_MEMFD);
	assert_string_equal(c->fd->name, "memfd:payload");
	assert_true(c->fd->flags & O_CLOEXEC);
	c = apply(s, I(I(ev("userfaultfd"), "res", 4), "flags", O_CLOEXEC), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_USERFAULTFD);
	c = apply(s, I(I(ev("io_uring_setup"), "res", 5), "entries", 8), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_IO_URING);
	c = apply(s, I(I(ev("bpf"), "fd", 6), "cmd", 5 /* BPF_PROG_LOAD */), 100, 100);
	assert_int_equal(c->fd->type, KITE_FD_BPF);
	c = apply(s, I(I(ev("bpf"), "fd", 0), "cmd", 2 /* BPF_MAP_UPDATE_ELEM: no fd */), 100, 100);
	assert_int_equal(c->fdnum, -1);
	assert_null(c->fd);
	assert_int_equal(kite_state_stats(s)->fds, 4);
	kite_state_free(s);
}

/* ---- snapshot, containers, unknown threads ---- */

static void snapshot_building(void **state)
{
	(void)state;
	struct kite_state *s = new_state();
	snap_proc(s, 1, 1, 0, "systemd", "/");
	snap_proc(s, 500, 500, 1, "java", "/opt/app");
	struct ev *e = I(I(I(ev("state_proc"), "tid", 501), "pid", 500), "ppid", 1);
	apply(s, Str(e, "comm", "GC Thread#0"), 501, 500);
	struct kite_proc *p = kite_state_proc(s, 500);
	assert_int_equal(p->nthreads, 2);
	assert_string_equal(p->comm, "java"); /* the main thread's name */
	assert_string_equal(p->cwd, "/opt/app/");
	assert_int_equal(kite_state_thread(s, 501)->vtid, -1);
	assert_int_equal(hk.proc_new, 2);
	/* fds: a file, a connected socket, a listening one, a pipe */
	e = I(I(I(I(ev("state_fd"), "pid", 500), "fd", 3), "type", KITE_FD_FILE), "flags", O_RDONLY);
	struct kite_ctx *c = apply(s, Str(e, "name", "/opt/app/app.jar"), 500, 500);
	assert_ptr_equal(c->fd, kite_proc_fd(p, 3));
	assert_int_equal(c->thr->proc->pid, 500);
	uint8_t t[16];
	size_t n = tuple4(t, "10.0.0.1", 8080, "10.0.0.2", 40000);
	e = I(I(I(ev("state_fd"), "pid", 500), "fd", 4), "type", KITE_FD_IPV4_SOCK);
	apply(s, B(Str(e, "name", "10.0.0.1:8080->10.0.0.2:40000"), "tuple", t, n), 500, 500);
	struct kite_fd *f = kite_proc_fd(p, 4);
	assert_string_equal(f->name, "10.0.0.1:8080->10.0.0.2:40000");
	assert_true(f->sock.valid);
	assert_int_equal(f->family, AF_INET);
	n = tuple4(t, "0.0.0.0", 8080, "0.0.0.0", 0);
	e = I(I(I(ev("state_fd"), "pid", 500), "fd", 5), "type", KITE_FD_IPV4_SOCK);
	apply(s, B(Str(e, "name", "0.0.0.0:8080"), "tuple", t, n), 500, 500);
	assert_true(kite_proc_fd(p, 5)->sock.bound);
	assert_int_equal(kite_proc_fd(p, 5)->sock.sport, 8080);
	e = I(I(I(ev("state_fd"), "pid", 500), "fd", 6), "type", KITE_FD_PIPE);
	apply(s, Str(e, "name", "pipe:[1234]"), 500, 500);
	assert_int_equal(kite_proc_fd(p, 6)->type, KITE_FD_PIPE);
	/* users and groups */
	apply(s,
	      Str(Str(Str(I(I(ev("state_user"), "uid", 1000), "gid", 1000), "name", "alice"), "home",
	              "/home/alice"),
	          "shell", "/bin/zsh"),
	      0, 0);
	apply(s, Str(I(ev("state_group"), "gid", 1000), "name", "staff"), 0, 0);
	assert_string_equal(kite_state_user(s, 1000)->name, "alice");
	assert_string_equal(kite_state_user(s, 1000)->shell, "/bin/zsh");
	assert_string_equal(kite_state_group(s, 1000)->name, "staff");
	assert_null(kite_state_user(s, 4242));
	/* a keyframe of the same process updates it, creates nothing */
	snap_proc(s, 500, 500, 1, "java", "/srv");
	assert_string_equal(p->cwd, "/srv/");
	assert_int_equal(kite_state_stats(s)->procs, 2);
	assert_int_equal(kite_state_stats(s)->threads, 3);
	assert_int_equal(kite_state_stats(s)->fds, 4);
	/* drops are counted */
	apply(s, I(ev("drop"), "nevents", 17), 0, 0);
	assert_int_equal(kite_state_stats(s)->drops, 17);
	kite_state_free(s);
}

static void container_ids(void **state)
{
	(void)state;
	static const char id[] = "3f4e9bd1c2a4e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3";
	char out[13], cg[512];
	static const char *const forms[] = {
	        "0::/system.slice/docker-%s.scope",
	        "4:memory:/docker/%s",
	        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
	        "cri-containerd-%s.scope",
	        "0::/kubepods/besteffort/pod0b1c/%s",
	        "0::/machine.slice/libpod-%s.scope",
	        "0::/kubepods.slice/crio-%s.scope",
	        "0::/system.slice/docker-%s.scope/init.scope",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		int n = snprintf(cg, sizeof(cg), forms[i], id);
		kite_container_id_from_cgroups(cg, (size_t)n, out);
		if (strcmp(out, "3f4e9bd1c2a4"))
			fail_msg("%s gave '%s'", cg, out);
	}
	/* the host, and things that look almost like ids */
	static const char *const host[] = {"0::/user.slice/user-1000.slice/session-3.scope", "0::/",
	                                   "0::/system.slice/docker-3f4e9bd1.scope",
	                                   "0::/system.slice/crio-conmon-xyz.scope", ""};
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		kite_container_id_from_cgroups(host[i], strlen(host[i]), out);
		assert_string_equal(out, "");
	}
	/* NUL-separated lines: a container id on the second line still counts */
	int n = snprintf(cg, sizeof(cg), "0::/init.scope%c4:memory:/docker/%s", 0, id);
	kite_container_id_from_cgroups(cg, (size_t)n, out);
	assert_string_equal(out, "3f4e9bd1c2a4");
	/* the state interns containers by id */
	struct kite_state *s = new_state();
	n = snprintf(cg, sizeof(cg), forms[0], id);
	for (int pid = 10; pid < 12; pid++) {
		struct ev *e = I(I(I(ev("state_proc"), "tid", pid), "pid", pid), "ppid", 1);
		apply(s, B(e, "cgroups", cg, (size_t)n), (uint32_t)pid, (uint32_t)pid);
	}
	struct kite_container *k = kite_state_proc(s, 10)->container;
	assert_non_null(k);
	assert_string_equal(k->id, "3f4e9bd1c2a4");
	assert_string_equal(k->full_id, id);
	assert_ptr_equal(k, kite_state_proc(s, 11)->container);
	kite_state_free(s);
}

static void unknown_threads(void **state)
{
	(void)state;
	struct kite_state *s = new_state();
	struct kite_ctx *c = do_openat(s, 900, 900, 3, AT_FDCWD, "rel", O_RDONLY);
	assert_int_equal(c->thr->tid, 900);
	assert_false(c->proc->known);
	assert_int_equal(c->proc->ppid, -1);
	assert_string_equal(c->fd->name, "<UNKNOWN>/rel"); /* no cwd known */
	c = do_close(s, 901, 900, 3);
	assert_int_equal(c->proc->pid, 900);
	assert_int_equal(c->proc->nthreads, 2);
	assert_string_equal(c->fd->name, "<UNKNOWN>/rel");
	assert_int_equal(kite_state_stats(s)->unknown_threads, 2);
	assert_int_equal(hk.proc_new, 1);
	/* records about no thread (tid 0) still get a ctx thread */
	c = apply(s, I(ev("drop"), "nevents", 1), 0, 0);
	assert_non_null(c->thr);
	assert_int_equal(kite_state_stats(s)->threads, 2);
	/* an exec makes an unknown process known */
	c = apply(s, Str(Str(I(ev("execve"), "res", 0), "comm", "sleep"), "cwd", "/tmp"), 900, 900);
	assert_true(c->proc->known);
	assert_string_equal(c->proc->cwd, "/tmp/");
	kite_state_free(s);
}

/* ---- robustness and memory ---- */

static void malformed_params(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	struct ev *e = ev("openat");
	B(B(e, "fd", "\3\0\0", 3), "name", "x", 1); /* an fd of 3 bytes */
	struct kite_ctx *c = apply(s, e, 100, 100);
	assert_null(c->fd);
	e = ev("connect");
	B(B(B(e, "res", "\0\0\0\0\0\0\0\0", 8), "fd", "\3\0\0\0\0\0\0\0", 8), "tuple", "\2\1\2", 3);
	apply(s, e, 100, 100);
	e = ev("clone");
	B(B(e, "res", "\0\0\0\0\0", 5), "flags", "\1", 1);
	apply(s, e, 100, 100);
	apply(s, ev("execve"), 100, 100);     /* every param empty */
	apply(s, ev("procexit"), 123, 0);     /* pid 0 in the header */
	apply(s, ev("state_proc"), 0, 0);     /* no tid at all */
	apply(s, ev("state_fd"), 100, 100);   /* no pid, no fd */
	B(ev("accept"), "tuple", "\12\0", 2); /* a v6 tuple of 2 bytes */
	apply(s, &E, 100, 100);
	/* random records with random lengths, including ids this schema lacks */
	struct kt_synth g;
	kt_synth_init(&g, 7, now);
	uint64_t rng = 12345;
	for (int i = 0; i < 200000; i++) {
		struct kite_evt *r = (struct kite_evt *)kt_synth_event(&g, recbuf);
		const struct kite_event_desc *d = kite_schema_event(S, r->type);
		memset(&ctx, 0, sizeof(ctx));
		ctx.e = r;
		ctx.schema = S;
		ctx.map = &maps[r->type];
		assert_int_equal(kite_evt_split(r, r->len, d, &ctx.p), 0);
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		if (rng >> 60 == 0 && ctx.p.n) /* now and then, a param cut short */
			ctx.p.len[(rng >> 32) % ctx.p.n] /= 2;
		kite_state_apply(s, &ctx);
		kite_state_settle(s);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.e = (const struct kite_evt *)recbuf;
	((struct kite_evt *)recbuf)->type = 9999;
	ctx.schema = S;
	kite_state_apply(s, &ctx);
	assert_non_null(ctx.thr);
	kite_state_free(s);
}

static void memory_flat(void **state)
{
	(void)state;
	struct kite_state *s = one_proc();
	kite_state_set_hooks(s, NULL);
	struct kite_state_stats base = *kite_state_stats(s);
	for (int i = 0; i < 1000000; i++) {
		do_openat(s, 100, 100, 3 + i % 7, AT_FDCWD, "data.bin", O_RDONLY);
		do_close(s, 100, 100, 3 + i % 7);
	}
	kite_state_settle(s);
	assert_int_equal(kite_state_stats(s)->fds, base.fds);
	assert_int_equal(kite_state_stats(s)->max_fds, base.fds + 1);
	do_openat(s, 100, 100, 3, AT_FDCWD, "kept", O_RDONLY);
	base = *kite_state_stats(s);
	for (int i = 0; i < 100000; i++) {
		int64_t child = 1000 + i % 30000; /* pids wrap, as they do */
		if (i % 2)
			clone_parent(s, 100, 100, child, SIGCHLD);
		clone_child(s, child, child, 100, SIGCHLD, "job");
		if (!(i % 2))
			clone_parent(s, 100, 100, child, SIGCHLD);
		do_openat(s, child, child, 4, AT_FDCWD, "out", O_WRONLY);
		apply(s, Str(I(ev("execve"), "res", 0), "comm", "job2"), (uint32_t)child, (uint32_t)child);
		procexit(s, child, child);
	}
	kite_state_settle(s);
	const struct kite_state_stats *st = kite_state_stats(s);
	assert_int_equal(st->procs, base.procs);
	assert_int_equal(st->threads, base.threads);
	assert_int_equal(st->fds, base.fds);
	assert_int_equal(st->unknown_threads, 0);
	assert_int_equal(kite_state_proc(s, 100)->nchildren, 0);
	kite_state_free(s);
}

/* Joining and normalising as Falco does: . and .. resolved, repeated slashes folded, never above /. */
static void path_join(void **state)
{
	(void)state;
	static const struct {
		const char *base, *path, *want;
		size_t plen; /* 0: strlen(path) */
	} cases[] = {
	        {"/home/u/", "x.txt", "/home/u/x.txt", 0},
	        {"/home/u", "x.txt", "/home/u/x.txt", 0},
	        {"/home/u/", "/etc/passwd", "/etc/passwd", 0},
	        {"/home/u/", "./a/./b", "/home/u/a/b", 0},
	        {"/home/u/", "../../../../etc/x", "/etc/x", 0},
	        {"/home/u/", "sub/../x.txt", "/home/u/x.txt", 0},
	        {"/", "..", "/", 0},
	        {"/a//b/", "c//d/", "/a/b/c/d", 0},
	        {"/a/", "", "/a", 0},
	        {NULL, "rel", "/rel", 0},
	        {"/a/", "b\0/ignored", "/a/b", 11}, /* a NUL ends the path */
	        {"/a/b/", "..", "/a", 0},
	        {"/a/b/", "...", "/a/b/...", 0},
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *b = cases[i].base, *p = cases[i].path;
		size_t plen = cases[i].plen ? cases[i].plen : strlen(p);
		size_t n = kite_path_join(b, b ? strlen(b) : 0, p, plen, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	/* cut at the buffer, never past it */
	char small[8];
	size_t n = kite_path_join("/", 1, "abcdefghijkl", 12, small, sizeof(small));
	assert_int_equal(n, 7);
	assert_string_equal(small, "/abcdef");
}

int main(void)
{
	S = kite_schema_builtin();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(evmaps_by_name),
	        cmocka_unit_test(fd_reuse),
	        cmocka_unit_test(dup2_over_open_fd),
	        cmocka_unit_test(close_range_and_pipes),
	        cmocka_unit_test(threads_share_fds),
	        cmocka_unit_test(exec_closes_cloexec),
	        cmocka_unit_test(exec_in_a_thread),
	        cmocka_unit_test(reparent_on_procexit),
	        cmocka_unit_test(clone_parent_first),
	        cmocka_unit_test(clone_child_first),
	        cmocka_unit_test(clone_files_shares),
	        cmocka_unit_test(relative_paths),
	        cmocka_unit_test(names_again),
	        cmocka_unit_test(chdir_fchdir),
	        cmocka_unit_test(uid_changes),
	        cmocka_unit_test(inet_sockets),
	        cmocka_unit_test(inet6_sockets),
	        cmocka_unit_test(unbound_source_inferred),
	        cmocka_unit_test(unix_sockets),
	        cmocka_unit_test(other_fd_kinds),
	        cmocka_unit_test(snapshot_building),
	        cmocka_unit_test(container_ids),
	        cmocka_unit_test(unknown_threads),
	        cmocka_unit_test(malformed_params),
	        cmocka_unit_test(memory_flat),
	        cmocka_unit_test(path_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
