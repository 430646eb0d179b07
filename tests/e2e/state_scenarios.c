/* state_scenarios.c - small programs whose syscalls exercise the replay state; they say what they did. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: kt-state-scenarios NAME EXPECT_FILE
 * Each scenario calls the syscalls under test itself (syscall(2)) so the libc
 * cannot swap in another one, and appends key=value lines to EXPECT_FILE
 * (with O_APPEND writes, so forked processes can add theirs).
 */
static const char *expect_path;

static void say(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *key, const char *fmt, ...)
{
	char val[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	int fd = open(expect_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(expect_path);
		exit(2);
	}
	dprintf(fd, "%s=%s\n", key, val);
	close(fd);
}

static long must(long rc, const char *what)
{
	if (rc < 0) {
		perror(what);
		exit(2);
	}
	return rc;
}

static long sys_openat(int dirfd, const char *path, int flags)
{
	return syscall(SYS_openat, dirfd, path, flags, 0600);
}

static void sys_close(long fd)
{
	syscall(SYS_close, fd);
}

/* A fresh directory under /tmp, said as "dir". */
static void make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/kite-state-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	say("dir", "%s", dir);
}

/* open, close, open again: the second open gets the same number with the new name. */
static int fd_reuse(void)
{
	char dir[64], a[128], b[128];
	make_dir(dir, sizeof(dir));
	snprintf(a, sizeof(a), "%s/first", dir);
	snprintf(b, sizeof(b), "%s/second", dir);
	long fd1 = must(sys_openat(AT_FDCWD, a, O_CREAT | O_WRONLY), "open first");
	sys_close(fd1);
	long fd2 = must(sys_openat(AT_FDCWD, b, O_CREAT | O_WRONLY), "open second");
	sys_close(fd2);
	say("fd1", "%ld", fd1);
	say("fd2", "%ld", fd2);
	unlink(a);
	unlink(b);
	rmdir(dir);
	return 0;
}

/* dup2 over an fd that is open: the target takes the source's file. */
static int dup2_over(void)
{
	char dir[64], a[128], b[128];
	make_dir(dir, sizeof(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	long fa = must(sys_openat(AT_FDCWD, a, O_CREAT | O_WRONLY), "open a");
	long fb = must(sys_openat(AT_FDCWD, b, O_CREAT | O_WRONLY), "open b");
#ifdef SYS_dup2
	must(syscall(SYS_dup2, fa, fb), "dup2");
#else
	must(syscall(SYS_dup3, fa, fb, 0), "dup3");
#endif
	say("fa", "%ld", fa);
	say("fb", "%ld", fb);
	sys_close(fb);
	sys_close(fa);
	unlink(a);
	unlink(b);
	rmdir(dir);
	return 0;
}

static char thread_path[128];
static long thread_fd = -1, thread_tid;

static void *opener(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	thread_fd = must(sys_openat(AT_FDCWD, thread_path, O_CREAT | O_WRONLY), "open in thread");
	return NULL;
}

/* A thread opens a file; the main thread uses (closes) the fd. */
static int threads(void)
{
	char dir[64];
	make_dir(dir, sizeof(dir));
	snprintf(thread_path, sizeof(thread_path), "%s/t", dir);
	pthread_t t;
	if (pthread_create(&t, NULL, opener, NULL))
		exit(2);
	pthread_join(t, NULL);
	say("fd", "%ld", thread_fd);
	say("tid", "%ld", thread_tid);
	sys_close(thread_fd);
	unlink(thread_path);
	rmdir(dir);
	return 0;
}

/* Opens a close-on-exec fd and another, then execs itself: one survives. */
static int exec_cloexec(char **argv)
{
	char dir[64], keep[128], drop[128];
	make_dir(dir, sizeof(dir));
	snprintf(keep, sizeof(keep), "%s/keep", dir);
	snprintf(drop, sizeof(drop), "%s/drop", dir);
	long k = must(sys_openat(AT_FDCWD, keep, O_CREAT | O_WRONLY), "open keep");
	long d = must(sys_openat(AT_FDCWD, drop, O_CREAT | O_WRONLY | O_CLOEXEC), "open drop");
	say("keep", "%ld", k);
	say("drop", "%ld", d);
	char ks[32], ds[32];
	snprintf(ks, sizeof(ks), "%ld", k);
	snprintf(ds, sizeof(ds), "%ld", d);
	execl("/proc/self/exe", argv[0], "exec-child", expect_path, ks, ds, dir, (char *)NULL);
	perror("exec");
	return 2;
}

/* After the exec: the kept fd works, the other is gone (close fails with EBADF). */
static int exec_child(char **argv)
{
	long k = atol(argv[3]), d = atol(argv[4]);
	long rk = syscall(SYS_close, k), rd = syscall(SYS_close, d);
	say("close_keep", "%ld", rk);
	say("close_drop", "%ld", rd);
	char p[160];
	snprintf(p, sizeof(p), "%s/keep", argv[5]);
	unlink(p);
	snprintf(p, sizeof(p), "%s/drop", argv[5]);
	unlink(p);
	rmdir(argv[5]);
	return rk == 0 && rd < 0 ? 0 : 3;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * A child forks a grandchild and exits; the grandchild, reparented, says who
 * its parent is now.  It makes no recorded syscall before its parent is gone,
 * so kite-record --follow must have adopted it at the fork itself.
 */
static int reparent(void)
{
	int done[2];
	must(pipe(done), "pipe");
	pid_t child = (pid_t)must(fork(), "fork");
	if (child == 0) {
		close(done[0]);
		pid_t me = getpid();
		say("child", "%d", (int)me);
		/* one CPU: the grandchild cannot run (not even return from fork) before the child exits */
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
		pid_t gc = (pid_t)must(fork(), "fork grandchild");
		if (gc == 0) {
			/* getppid and nanosleep are not in the recorded set */
			for (int i = 0; i < 5000 && getppid() == me; i++)
				nap_ms(1);
			long ppid = getppid();
			say("grandchild", "%d", (int)getpid());
			say("gc_ppid", "%ld", ppid);
			/* a syscall carrying the parent the kernel sees, to compare with the state's */
			syscall(SYS_kill, ppid, 0);
			_exit(0); /* closes done[1]: the parent stops waiting */
		}
		_exit(0);
	}
	close(done[1]);
	waitpid(child, NULL, 0);
	char c;
	while (read(done[0], &c, 1) > 0)
		;
	close(done[0]);
	return 0;
}

/* openat with a directory fd and a relative name; chdir, then a relative open. */
static int relpath(void)
{
	char dir[64], sub[128], p1[160], p2[160];
	make_dir(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	must(mkdir(sub, 0700), "mkdir");
	long dfd = must(sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY), "open dir");
	long f1 = must(sys_openat((int)dfd, "sub/../rel.txt", O_CREAT | O_WRONLY), "openat dirfd");
	must(syscall(SYS_chdir, dir), "chdir");
	long f2 = must(sys_openat(AT_FDCWD, "./sub/../cwd.txt", O_CREAT | O_WRONLY), "openat cwd");
	say("dfd", "%ld", dfd);
	say("f1", "%ld", f1);
	say("f2", "%ld", f2);
	sys_close(f1);
	sys_close(f2);
	sys_close(dfd);
	must(syscall(SYS_chdir, "/"), "chdir /");
	snprintf(p1, sizeof(p1), "%s/rel.txt", dir);
	snprintf(p2, sizeof(p2), "%s/cwd.txt", dir);
	unlink(p1);
	unlink(p2);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: kt-state-scenarios fd-reuse|dup2|threads|exec|reparent|relpath EXPECT_FILE\n",
		      stderr);
		return 2;
	}
	static char abs_path[4096 + 256];
	if (argv[2][0] != '/' && getcwd(abs_path, 4096)) { /* relpath changes directory */
		snprintf(abs_path + strlen(abs_path), 256, "/%.250s", argv[2]);
		expect_path = abs_path;
	} else {
		expect_path = argv[2];
	}
	const char *name = argv[1];
	say(strcmp(name, "exec-child") ? "pid" : "exec_pid", "%d", (int)getpid());
	if (!strcmp(name, "fd-reuse"))
		return fd_reuse();
	if (!strcmp(name, "dup2"))
		return dup2_over();
	if (!strcmp(name, "threads"))
		return threads();
	if (!strcmp(name, "exec"))
		return exec_cloexec(argv);
	if (!strcmp(name, "exec-child") && argc == 6)
		return exec_child(argv);
	if (!strcmp(name, "reparent"))
		return reparent();
	if (!strcmp(name, "relpath"))
		return relpath();
	fprintf(stderr, "kt-state-scenarios: no scenario %s\n", name);
	return 2;
}
