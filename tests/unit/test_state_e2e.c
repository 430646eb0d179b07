/* test_state_e2e.c - the replay state on real captures that kite-record makes of scripted scenarios. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reader.h"
#include "state.h"

/*
 * Each test records one scenario of tests/e2e/state_scenarios.c with
 * `kite-record --follow`, reads the scenario's own account of what it did
 * (key=value lines), replays the capture through the state and checks the
 * state right after specific events (before settle, as fields see it).
 */

static char kv[32][2][256];
static int nkv;

static const char *want(const char *key)
{
	for (int i = 0; i < nkv; i++)
		if (!strcmp(kv[i][0], key))
			return kv[i][1];
	fail_msg("the scenario did not say %s", key);
	return NULL;
}

static long want_i(const char *key)
{
	return atol(want(key));
}

static int can_record(void)
{
	if (geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 1;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("CI=true: the state scenarios need root and a kernel with BTF to record");
	fprintf(stderr, "SKIP: the state scenarios need root and a kernel with BTF to record\n");
	return 0;
}

/* kt-state-scenarios sits next to this test (both in BUILD/tests). */
static void scenarios_path(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(out, len, "%s/kt-state-scenarios", n > 0 ? dirname(self) : "build/tests");
}

static char cap_path[64];

/* Records scenario name into cap_path, loads what it said; 0, or -1 when this machine cannot record. */
static int record(const char *name)
{
	if (!can_record())
		return -1;
	const char *rec = getenv("KITE_RECORD") ? getenv("KITE_RECORD") : "bin/kite-record";
	char prog[PATH_MAX], exp_path[80];
	scenarios_path(prog, sizeof(prog));
	snprintf(cap_path, sizeof(cap_path), "/tmp/kite-state-e2e-XXXXXX");
	int fd = mkstemp(cap_path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(exp_path, sizeof(exp_path), "%s.expect", cap_path);
	unlink(exp_path);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(rec, rec, "-w", cap_path, "--follow", "--", prog, name, exp_path, (char *)NULL);
		_exit(126);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("kite-record ... %s %s exited with %d", prog, name, WEXITSTATUS(st));
	FILE *f = fopen(exp_path, "r");
	assert_non_null(f);
	char line[600];
	nkv = 0;
	while (nkv < 32 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		snprintf(kv[nkv][0], 256, "%.255s", line);
		snprintf(kv[nkv][1], 256, "%.255s", eq + 1);
		nkv++;
	}
	fclose(f);
	unlink(exp_path);
	return 0;
}

typedef void (*check_fn)(struct kite_ctx *c, void *arg);

/* Applies every record of the capture, calling fn after each event; returns the state's final stats. */
static struct kite_state_stats replay(check_fn fn, void *arg)
{
	char err[512];
	kite_reader *r = kite_reader_open(cap_path, NULL, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	const struct kite_schema *schema = kite_reader_schema(r);
	struct kite_state *s = kite_state_new();
	const struct kite_evmap *maps = kite_state_evmaps(s, schema);
	static const struct kite_evmap none = {
	        .res = -1, .fd = -1, .name = -1, .flags = -1, .tuple = -1, .dirfd = -1};
	const struct kite_evt *e;
	struct kite_ctx c;
	uint64_t num = 0;
	while (kite_reader_next(r, &e) > 0) {
		const struct kite_event_desc *d = kite_schema_event(schema, e->type);
		memset(&c, 0, sizeof(c));
		c.e = e;
		c.schema = schema;
		c.map = d ? &maps[e->type] : &none;
		c.num = ++num;
		if (kite_evt_split(e, e->len, d, &c.p))
			continue;
		kite_state_apply(s, &c);
		if (d && !(d->flags & KITE_EF_STATE))
			fn(&c, arg);
		kite_state_settle(s);
	}
	struct kite_state_stats st = *kite_state_stats(s);
	kite_state_free(s);
	kite_reader_close(r);
	unlink(cap_path);
	return st;
}

static int is(const struct kite_ctx *c, const char *type)
{
	return c->map->d && !strcmp(c->map->d->name, type);
}

static int64_t res_of(const struct kite_ctx *c)
{
	int i = c->map->res;
	return i >= 0 && c->p.len[i] ? kite_get_i(c->p.val[i], c->p.len[i]) : -1;
}

static const char *fd_name(const struct kite_proc *p, int64_t fd)
{
	const struct kite_fd *f = kite_proc_fd(p, fd);
	return f && f->name ? f->name : "(none)";
}

#define RECORD(name)                                                                                         \
	do {                                                                                                 \
		if (record(name))                                                                            \
			skip();                                                                              \
	} while (0)

/* ---- fd reuse ---- */

struct reuse {
	long pid, fd1, fd2;
	char first[160], second[160];
	int step;
};

static void check_reuse(struct kite_ctx *c, void *arg)
{
	struct reuse *x = arg;
	if (c->e->pid != x->pid)
		return;
	if (is(c, "openat") && c->fd && !strcmp(c->fd->name, x->first)) {
		assert_int_equal(c->fdnum, x->fd1);
		assert_string_equal(fd_name(c->proc, x->fd1), x->first);
		x->step = 1;
	} else if (x->step == 1 && is(c, "close") && c->fdnum == x->fd1) {
		assert_non_null(c->fd); /* the closed fd, until settle */
		assert_string_equal(c->fd->name, x->first);
		assert_null(kite_proc_fd(c->proc, x->fd1));
		x->step = 2;
	} else if (x->step == 2 && is(c, "openat") && c->fd && !strcmp(c->fd->name, x->second)) {
		assert_int_equal(c->fdnum, x->fd2);
		assert_string_equal(fd_name(c->proc, x->fd1), x->second); /* same number, new name */
		x->step = 3;
	}
}

static void fd_reuse(void **state)
{
	(void)state;
	RECORD("fd-reuse");
	struct reuse x = {.pid = want_i("pid"), .fd1 = want_i("fd1"), .fd2 = want_i("fd2")};
	assert_int_equal(x.fd1, x.fd2);
	snprintf(x.first, sizeof(x.first), "%s/first", want("dir"));
	snprintf(x.second, sizeof(x.second), "%s/second", want("dir"));
	struct kite_state_stats st = replay(check_reuse, &x);
	assert_int_equal(x.step, 3);
	assert_int_equal(st.unknown_threads, 0);
}

/* ---- dup2 over an open fd ---- */

struct dup2x {
	long pid, fa, fb;
	char a[160], b[160];
	int before, after;
};

static void check_dup2(struct kite_ctx *c, void *arg)
{
	struct dup2x *x = arg;
	if (c->e->pid != x->pid || !(is(c, "dup2") || is(c, "dup3")))
		return;
	assert_int_equal(res_of(c), x->fb);
	assert_int_equal(c->fdnum, x->fb);
	assert_non_null(c->fd);
	assert_string_equal(c->fd->name, x->a);
	assert_string_equal(fd_name(c->proc, x->fb), x->a);
	assert_string_equal(fd_name(c->proc, x->fa), x->a);
	x->after = 1;
}

static void check_dup2_before(struct kite_ctx *c, void *arg)
{
	struct dup2x *x = arg;
	if (c->e->pid == x->pid && is(c, "openat") && c->fdnum == x->fb && c->fd &&
	    !strcmp(c->fd->name, x->b))
		x->before = 1;
	check_dup2(c, arg);
}

static void dup2_over_open(void **state)
{
	(void)state;
	RECORD("dup2");
	struct dup2x x = {.pid = want_i("pid"), .fa = want_i("fa"), .fb = want_i("fb")};
	snprintf(x.a, sizeof(x.a), "%s/a", want("dir"));
	snprintf(x.b, sizeof(x.b), "%s/b", want("dir"));
	replay(check_dup2_before, &x);
	assert_true(x.before);
	assert_true(x.after);
}

/* ---- threads ---- */

struct threads {
	long pid, tid, fd;
	char path[160];
	int opened, closed, cloned;
};

static void check_threads(struct kite_ctx *c, void *arg)
{
	struct threads *x = arg;
	if (c->e->pid != x->pid)
		return;
	if ((is(c, "clone") || is(c, "clone3")) && res_of(c) == 0 && c->e->tid == x->tid) {
		assert_int_equal(c->thr->tid, x->tid);
		assert_int_equal(c->proc->pid, x->pid);
		x->cloned = 1;
	}
	if (is(c, "openat") && c->e->tid == x->tid && c->fdnum == x->fd) {
		assert_string_equal(c->fd->name, x->path);
		/* the thread's open is in the process's table, as the main thread sees it */
		struct kite_thread *main = kite_state_thread(c->state, x->pid);
		assert_non_null(main);
		assert_ptr_equal(main->proc, c->proc);
		assert_true(c->proc->nthreads >= 2);
		assert_string_equal(fd_name(main->proc, x->fd), x->path);
		x->opened = 1;
	}
	if (x->opened && is(c, "close") && c->e->tid == x->pid && c->fdnum == x->fd) {
		assert_non_null(c->fd);
		assert_string_equal(c->fd->name, x->path);
		x->closed = 1;
	}
}

static void threads(void **state)
{
	(void)state;
	RECORD("threads");
	struct threads x = {.pid = want_i("pid"), .tid = want_i("tid"), .fd = want_i("fd")};
	snprintf(x.path, sizeof(x.path), "%s/t", want("dir"));
	struct kite_state_stats st = replay(check_threads, &x);
	assert_true(x.cloned);
	assert_true(x.opened);
	assert_true(x.closed);
	assert_int_equal(st.unknown_threads, 0);
}

/* ---- exec and close-on-exec ---- */

struct execx {
	long pid, keep, drop;
	char keep_path[160], drop_path[160];
	int opened, execd, closed;
};

static void check_exec(struct kite_ctx *c, void *arg)
{
	struct execx *x = arg;
	if (c->e->pid != x->pid)
		return;
	if (is(c, "openat") && c->fdnum == x->drop && c->fd && !strcmp(c->fd->name, x->drop_path)) {
		assert_true(c->fd->flags & O_CLOEXEC);
		x->opened = 1;
	}
	if (is(c, "execve") && res_of(c) == 0 && c->proc->args && !strcmp(c->proc->args, "exec-child")) {
		assert_true(x->opened);
		assert_null(kite_proc_fd(c->proc, x->drop)); /* closed by the exec */
		assert_string_equal(fd_name(c->proc, x->keep), x->keep_path);
		assert_string_equal(c->proc->comm, "exe"); /* /proc/self/exe */
		assert_int_equal(c->thr->tid, x->pid);
		x->execd = 1;
	}
	if (x->execd && !x->closed && is(c, "close") && c->fdnum == x->keep) {
		assert_int_equal(res_of(c), 0);
		assert_string_equal(c->fd->name, x->keep_path);
		x->closed = 1;
	}
}

static void exec_cloexec(void **state)
{
	(void)state;
	RECORD("exec");
	struct execx x = {.pid = want_i("pid"), .keep = want_i("keep"), .drop = want_i("drop")};
	assert_int_equal(want_i("exec_pid"), x.pid);
	assert_int_equal(want_i("close_keep"), 0);
	snprintf(x.keep_path, sizeof(x.keep_path), "%s/keep", want("dir"));
	snprintf(x.drop_path, sizeof(x.drop_path), "%s/drop", want("dir"));
	replay(check_exec, &x);
	assert_true(x.execd);
	assert_true(x.closed);
}

/* ---- reparenting ---- */

struct reparent {
	long child, gc, observed;
	int64_t at_exit, at_kill;
	int exited, killed;
};

static void check_reparent(struct kite_ctx *c, void *arg)
{
	struct reparent *x = arg;
	if (is(c, "procexit") && c->e->tid == x->child) {
		struct kite_proc *g = kite_state_proc(c->state, x->gc);
		assert_non_null(g);
		x->at_exit = g->ppid;
		x->exited = 1;
	}
	if (is(c, "kill") && c->e->pid == x->gc) {
		int i = kite_param_index(c->map->d, "pid");
		assert_true(i >= 0);
		assert_int_equal(kite_get_i(c->p.val[i], c->p.len[i]), x->observed);
		x->at_kill = c->proc->ppid;
		x->killed = 1;
	}
}

static void reparenting(void **state)
{
	(void)state;
	RECORD("reparent");
	struct reparent x = {
	        .child = want_i("child"), .gc = want_i("grandchild"), .observed = want_i("gc_ppid")};
	struct kite_state_stats st = replay(check_reparent, &x);
	assert_true(x.exited);
	assert_true(x.killed);
	assert_int_equal(x.at_exit, x.at_kill);
	assert_true(x.at_exit != x.child);
	if (x.observed == 1)
		assert_int_equal(x.at_exit, 1);
	else /* a subreaper took it: the capture has no reaper_tid to say so */
		fprintf(stderr, "NOTE: reparented to subreaper %ld, the state says %lld\n", x.observed,
		        (long long)x.at_exit);
	assert_int_equal(st.unknown_threads, 0);
}

/* ---- relative paths ---- */

struct relx {
	long pid, f1, f2;
	char dir[128], rel[160], cwdfile[160];
	int dirfd_open, chdir_done, cwd_open;
};

static void check_relpath(struct kite_ctx *c, void *arg)
{
	struct relx *x = arg;
	if (c->e->pid != x->pid)
		return;
	if (is(c, "openat") && c->fdnum == x->f1 && c->fd && c->fd->nameraw &&
	    !strcmp(c->fd->nameraw, "sub/../rel.txt")) {
		assert_string_equal(c->fd->name, x->rel);
		x->dirfd_open = 1;
	}
	if (is(c, "chdir") && res_of(c) == 0 && !x->chdir_done) {
		char want_cwd[160];
		snprintf(want_cwd, sizeof(want_cwd), "%s/", x->dir);
		assert_string_equal(c->proc->cwd, want_cwd);
		x->chdir_done = 1;
	}
	if (is(c, "openat") && c->fdnum == x->f2 && c->fd && c->fd->nameraw &&
	    !strcmp(c->fd->nameraw, "./sub/../cwd.txt")) {
		assert_string_equal(c->fd->name, x->cwdfile);
		x->cwd_open = 1;
	}
}

static void relative_paths(void **state)
{
	(void)state;
	RECORD("relpath");
	struct relx x = {.pid = want_i("pid"), .f1 = want_i("f1"), .f2 = want_i("f2")};
	snprintf(x.dir, sizeof(x.dir), "%s", want("dir"));
	snprintf(x.rel, sizeof(x.rel), "%s/rel.txt", x.dir);
	snprintf(x.cwdfile, sizeof(x.cwdfile), "%s/cwd.txt", x.dir);
	replay(check_relpath, &x);
	assert_true(x.dirfd_open);
	assert_true(x.chdir_done);
	assert_true(x.cwd_open);
}

/* A failed check leaves the capture behind: remove it all the same. */
static int cleanup(void **state)
{
	(void)state;
	if (cap_path[0])
		unlink(cap_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(fd_reuse, cleanup),
	        cmocka_unit_test_teardown(dup2_over_open, cleanup),
	        cmocka_unit_test_teardown(threads, cleanup),
	        cmocka_unit_test_teardown(exec_cloexec, cleanup),
	        cmocka_unit_test_teardown(reparenting, cleanup),
	        cmocka_unit_test_teardown(relative_paths, cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
