/* test_snapshot.c - the /proc state snapshot: state set up in this process comes back, value for value, in the records. */

/*
 * record/ is no library yet: compile the unit under test in (its own
 * includes resolve from record/).  The test uses only its public interface.
 */
#include "../../record/snapshot.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "reader.h"
#include "testlib.h"

/* ---- the known state: set up once, in this process ---- */

static struct {
	char dir[64], file[96], usock_path[108], abstract[64], old_cwd[PATH_MAX];
	int file_fd, pipe_fd[2], lsock, csock, l6sock, c6sock, usock, asock, dir_fd, efd, epfd;
	uint16_t lport, l6port;
	int have_v6;
	pthread_t thread;
	pid_t thread_tid;
	int thread_pipe[2];
} fx;

static char **main_argv;
static uint64_t main_ns; /* CLOCK_REALTIME when main() started */

static void *idle_thread(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "kite-snapthr");
	__atomic_store_n(&fx.thread_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	char c;
	while (read(fx.thread_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static socklen_t loopback(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

/* A listening TCP socket on the loopback address, ephemeral port; -1 on failure. */
static int tcp_listener(int family, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, 0, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int tcp_connect(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A unix socket bound to path; an abstract name when path starts with '@'. */
static int unix_bound(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	socklen_t len = sizeof(a);
	if (path[0] == '@') {
		a.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	}
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int setup_state(void **state)
{
	(void)state;
	prctl(PR_SET_NAME, "kite-snaptest");
	if (!getcwd(fx.old_cwd, sizeof(fx.old_cwd)))
		return -1;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/kite-snap-XXXXXX");
	if (!mkdtemp(fx.dir) || chdir(fx.dir))
		return -1;
	snprintf(fx.file, sizeof(fx.file), "%s/appended.log", fx.dir);
	snprintf(fx.usock_path, sizeof(fx.usock_path), "%s/sock", fx.dir);
	fx.file_fd = open(fx.file, O_WRONLY | O_APPEND | O_CREAT, 0600);
	fx.dir_fd = open(fx.dir, O_RDONLY | O_DIRECTORY);
	fx.lsock = tcp_listener(AF_INET, &fx.lport);
	fx.csock = fx.lsock >= 0 ? tcp_connect(AF_INET, fx.lport) : -1;
	fx.l6sock = tcp_listener(AF_INET6, &fx.l6port);
	fx.c6sock = fx.l6sock >= 0 ? tcp_connect(AF_INET6, fx.l6port) : -1;
	fx.have_v6 = fx.c6sock >= 0; /* a host without IPv6 skips those checks */
	fx.usock = unix_bound(fx.usock_path);
	snprintf(fx.abstract, sizeof(fx.abstract), "@kite-snap-%d", (int)getpid());
	fx.asock = unix_bound(fx.abstract);
	fx.efd = eventfd(0, EFD_CLOEXEC);
	fx.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (fx.file_fd < 0 || fx.dir_fd < 0 || fx.csock < 0 || fx.usock < 0 || fx.asock < 0 || fx.efd < 0 ||
	    fx.epfd < 0 || pipe(fx.pipe_fd) || pipe(fx.thread_pipe))
		return -1;
	if (pthread_create(&fx.thread, NULL, idle_thread, NULL))
		return -1;
	while (!__atomic_load_n(&fx.thread_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	return 0;
}

static int teardown_state(void **state)
{
	(void)state;
	if (write(fx.thread_pipe[1], "x", 1) == 1)
		pthread_join(fx.thread, NULL);
	int fds[] = {fx.file_fd,    fx.dir_fd,     fx.lsock,          fx.csock,         fx.l6sock,
	             fx.c6sock,     fx.usock,      fx.asock,          fx.efd,           fx.epfd,
	             fx.pipe_fd[0], fx.pipe_fd[1], fx.thread_pipe[0], fx.thread_pipe[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	unlink(fx.file);
	unlink(fx.usock_path);
	if (chdir(fx.old_cwd) == 0)
		rmdir(fx.dir);
	return 0;
}

/* ---- a snapshot, written to a memfd and read back through the reader ---- */

struct cap {
	kite_reader *r;
	const struct kite_schema *s; /* the file's own schema: names are resolved through it */
	struct kite_evt **e;
	size_t n;
	struct kite_snapshot_stats st;
	int memfd; /* the capture's fd, open (and so in the snapshot) while it was taken */
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void take(struct cap *c, const struct kite_snapshot_opts *o)
{
	char err[256];
	struct kite_header h;
	memset(c, 0, sizeof(*c));
	kt_header(&h);
	c->memfd = memfd_create("kite-snap", MFD_CLOEXEC);
	assert_true(c->memfd >= 0);
	kite_writer *w =
	        kite_writer_open(c->memfd, "snap", &h, kite_schema_builtin(), NULL, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(kite_snapshot_write(w, o, &c->st, err, sizeof(err)), 0);
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	lseek(c->memfd, 0, SEEK_SET);
	c->r = kite_reader_open_fd(c->memfd, "snap", NULL, err, sizeof(err));
	assert_non_null(c->r);
	c->s = kite_reader_schema(c->r);
	const struct kite_evt *e;
	int k;
	size_t cap = 0;
	while ((k = kite_reader_next(c->r, &e)) > 0) {
		if (c->n == cap) {
			cap = cap ? 2 * cap : 256;
			c->e = realloc(c->e, cap * sizeof(*c->e));
			assert_non_null(c->e);
		}
		c->e[c->n] = malloc(e->len);
		assert_non_null(c->e[c->n]);
		memcpy(c->e[c->n++], e, e->len);
	}
	assert_int_equal(k, 0);
	assert_int_equal(kite_reader_stats(c->r)->bad_chunks, 0);
	/* every record came back, well formed, and the stats count them */
	const struct kite_snapshot_stats *st = &c->st;
	assert_int_equal(c->n, st->threads + st->fds + st->users + st->groups + st->ifaces);
	for (size_t i = 0; i < c->n; i++) {
		struct kite_params p;
		const struct kite_event_desc *d = kite_schema_event(c->s, c->e[i]->type);
		assert_non_null(d);
		assert_true(d->flags & KITE_EF_STATE);
		assert_int_equal(kite_evt_split(c->e[i], c->e[i]->len, d, &p), 0);
	}
}

static void cap_free(struct cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i]);
	free(c->e);
	kite_reader_close(c->r); /* closes the memfd */
}

/* A parameter by name, through the file's schema; the name must exist (it is the contract). */
static const uint8_t *param(const struct cap *c, const struct kite_evt *e, const char *name, uint16_t *len)
{
	const struct kite_event_desc *d = kite_schema_event(c->s, e->type);
	int i = kite_param_index(d, name);
	if (i < 0)
		fail_msg("%s has no parameter %s", d->name, name);
	struct kite_params p;
	assert_int_equal(kite_evt_split(e, e->len, d, &p), 0);
	*len = p.len[i];
	return p.val[i];
}

static uint64_t pu(const struct cap *c, const struct kite_evt *e, const char *name)
{
	uint16_t len;
	const uint8_t *v = param(c, e, name, &len);
	if (len != 1 && len != 2 && len != 4 && len != 8)
		fail_msg("%s: integer of %u bytes", name, len);
	return kite_get_u(v, len);
}

static void assert_param_bytes(const struct cap *c, const struct kite_evt *e, const char *name,
                               const void *want, size_t n)
{
	uint16_t len;
	const uint8_t *v = param(c, e, name, &len);
	if (len != n)
		fail_msg("%s: %u bytes, want %zu (\"%.*s\" vs \"%.*s\")", name, len, n, (int)len,
		         (const char *)v, (int)n, (const char *)want);
	if (n)
		assert_memory_equal(v, want, n);
}

static void assert_param_str(const struct cap *c, const struct kite_evt *e, const char *name,
                             const char *want)
{
	assert_param_bytes(c, e, name, want, strlen(want));
}

static uint16_t plen(const struct cap *c, const struct kite_evt *e, const char *name)
{
	uint16_t len;
	param(c, e, name, &len);
	return len;
}

/* The first record of type whose k1 (and k2, if given) have these values. */
static const struct kite_evt *find(const struct cap *c, const char *type, const char *k1, uint64_t v1,
                                   const char *k2, uint64_t v2)
{
	const struct kite_event_desc *d = kite_schema_find(c->s, type);
	assert_non_null(d);
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i]->type == d->id && pu(c, c->e[i], k1) == v1 && (!k2 || pu(c, c->e[i], k2) == v2))
			return c->e[i];
	return NULL;
}

static const struct kite_evt *find_fd(const struct cap *c, int fd)
{
	const struct kite_evt *e = find(c, "state_fd", "pid", (uint64_t)getpid(), "fd", (uint64_t)fd);
	if (!e)
		fail_msg("no state_fd for fd %d", fd);
	return e;
}

static struct kite_snapshot_opts self_only(void)
{
	struct kite_snapshot_opts o = {.pid = getpid(), .no_env = 1};
	o.boot_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	return o;
}

/* Reads a whole small file (for comparing with what the snapshot recorded). */
static size_t slurp_path(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	size_t n = 0;
	ssize_t k;
	while (n < cap && (k = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)k;
	close(fd);
	return n;
}

/* The kernel's new_encode_dev(), written out here so the test does not trust the code under test. */
static uint64_t kernel_dev(dev_t d)
{
	uint64_t ma = major(d), mi = minor(d);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffull) << 12);
}

/* ---- processes and threads ---- */

static void proc_self(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	pid_t me = getpid();
	const struct kite_evt *e = find(&c, "state_proc", "tid", (uint64_t)me, NULL, 0);
	assert_non_null(e);
	assert_int_equal(e->tid, me);
	assert_int_equal(e->pid, me);
	assert_int_equal(pu(&c, e, "pid"), me);
	assert_int_equal(pu(&c, e, "ppid"), getppid());
	assert_param_str(&c, e, "comm", "kite-snaptest");
	assert_param_str(&c, e, "exe", main_argv[0]);
	/* args: argv[1..], each followed by its NUL */
	char args[4096];
	size_t an = 0;
	for (char **a = main_argv + 1; *a; a++)
		an += (size_t)snprintf(args + an, sizeof(args) - an, "%s", *a) + 1;
	assert_param_bytes(&c, e, "args", args, an);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
	assert_true(n > 0);
	assert_param_bytes(&c, e, "exepath", exe, (size_t)n);
	struct stat st;
	assert_int_equal(stat("/proc/self/exe", &st), 0);
	assert_int_equal(pu(&c, e, "exe_ino"), st.st_ino);
	assert_int_equal(pu(&c, e, "flags"), 0); /* a plain file, not a memfd */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(cwd, fx.dir);
	assert_param_str(&c, e, "cwd", cwd);
	uid_t r, ef, sv;
	gid_t gr, ge, gs;
	getresuid(&r, &ef, &sv);
	getresgid(&gr, &ge, &gs);
	assert_int_equal(pu(&c, e, "uid"), r);
	assert_int_equal(pu(&c, e, "euid"), ef);
	assert_int_equal(pu(&c, e, "suid"), sv);
	assert_int_equal(pu(&c, e, "gid"), gr);
	assert_int_equal(pu(&c, e, "egid"), ge);
	assert_int_equal(pu(&c, e, "sgid"), gs);
	assert_int_equal(pu(&c, e, "pgid"), getpgrp());
	assert_int_equal(pu(&c, e, "sid"), getsid(0));
	assert_int_equal(pu(&c, e, "vpid"), me);
	assert_int_equal(pu(&c, e, "vtid"), me);
	cap_free(&c);
}

/* One 64-bit capability set from capget's two 32-bit halves. */
#define CAP64(d, set) ((d)[0].set | (uint64_t)(d)[1].set << 32)

static void proc_self_details(void **state)
{
	(void)state;
	/*
	 * Capabilities, compared with capget rather than /proc.  With any
	 * capabilities (root), first make the three sets differ in this thread,
	 * so that a mix-up between them shows: CAP_MKNOD leaves the effective
	 * set, CAP_CHOWN alone is inheritable.
	 */
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct old[2], data[2];
	assert_int_equal(syscall(SYS_capget, &hdr, old), 0);
	memcpy(data, old, sizeof(data));
	if (data[0].permitted & (1u << CAP_MKNOD)) {
		data[0].effective &= ~(1u << CAP_MKNOD);
		data[0].inheritable = data[0].permitted & (1u << CAP_CHOWN);
		data[1].inheritable = 0;
		assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
	}
	assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	syscall(SYS_capset, &hdr, old);
	const struct kite_evt *e = find(&c, "state_proc", "tid", (uint64_t)getpid(), NULL, 0);
	assert_non_null(e);
	assert_int_equal(plen(&c, e, "cap_effective"), 8);
	assert_int_equal(pu(&c, e, "cap_effective"), CAP64(data, effective));
	assert_int_equal(pu(&c, e, "cap_permitted"), CAP64(data, permitted));
	assert_int_equal(pu(&c, e, "cap_inheritable"), CAP64(data, inheritable));
	/* the controlling terminal, or 0 without one */
	int tty = open("/dev/tty", O_RDONLY | O_NOCTTY);
	struct stat st;
	uint64_t want_tty = tty >= 0 && fstat(tty, &st) == 0 ? kernel_dev(st.st_rdev) : 0;
	if (tty >= 0)
		close(tty);
	assert_int_equal(pu(&c, e, "tty"), want_tty);
	/* started before main() and not long before */
	uint64_t start = pu(&c, e, "start_ts");
	assert_true(start <= main_ns + 20000000ull);
	assert_true(start + 60000000000ull >= main_ns);
	/* cgroups: the lines of /proc/self/cgroup, one string each */
	char cg[8192]; /* the snapshot keeps 8 KiB of cgroup lines */
	size_t n = slurp_path("/proc/self/cgroup", cg, sizeof(cg));
	for (size_t i = 0; i < n; i++)
		cg[i] = cg[i] == '\n' ? '\0' : cg[i];
	assert_param_bytes(&c, e, "cgroups", cg, n);
	char lu[32];
	n = slurp_path("/proc/self/loginuid", lu, sizeof(lu) - 1);
	lu[n] = '\0';
	assert_int_equal(pu(&c, e, "loginuid"), strtoul(lu, NULL, 10));
	cap_free(&c);
}

static void thread_record(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	const struct kite_evt *e = find(&c, "state_proc", "tid", (uint64_t)fx.thread_tid, NULL, 0);
	assert_non_null(e);
	assert_int_equal(e->tid, fx.thread_tid);
	assert_int_equal(e->pid, getpid());
	assert_int_equal(pu(&c, e, "pid"), getpid());
	assert_int_equal(pu(&c, e, "vtid"), fx.thread_tid);
	assert_int_equal(pu(&c, e, "vpid"), getpid());
	assert_param_str(&c, e, "comm", "kite-snapthr");
	assert_param_str(&c, e, "cwd", fx.dir);
	const struct kite_evt *main_rec = find(&c, "state_proc", "tid", (uint64_t)getpid(), NULL, 0);
	assert_non_null(main_rec);
	assert_true(pu(&c, e, "start_ts") >= pu(&c, main_rec, "start_ts"));
	cap_free(&c);
}

static void no_env(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	const struct kite_evt *e = find(&c, "state_proc", "tid", (uint64_t)getpid(), NULL, 0);
	assert_non_null(e);
	assert_int_equal(plen(&c, e, "env"), 0);
	cap_free(&c);

	static char env[32 << 10]; /* the snapshot keeps 32 KiB of environment */
	size_t n = slurp_path("/proc/self/environ", env, sizeof(env));
	o.no_env = 0;
	take(&c, &o);
	e = find(&c, "state_proc", "tid", (uint64_t)getpid(), NULL, 0);
	assert_non_null(e);
	assert_param_bytes(&c, e, "env", env, n);
	cap_free(&c);
}

/* ---- fds ---- */

static uint8_t fd_type(const struct cap *c, int fd)
{
	return (uint8_t)pu(c, find_fd(c, fd), "type");
}

static void assert_fd_stat(const struct cap *c, int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	const struct kite_evt *e = find_fd(c, fd);
	assert_int_equal(pu(c, e, "ino"), st.st_ino);
	assert_int_equal(plen(c, e, "dev"), 4);
	assert_int_equal(pu(c, e, "dev"), kernel_dev(st.st_dev));
}

static void fds_files_and_pipes(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	const struct kite_evt *e = find_fd(&c, fx.file_fd);
	assert_int_equal(e->pid, getpid());
	assert_int_equal(pu(&c, e, "type"), KITE_FD_FILE);
	assert_param_str(&c, e, "name", fx.file);
	uint64_t fl = pu(&c, e, "flags");
	assert_int_equal(fl & O_ACCMODE, O_WRONLY);
	assert_true(fl & O_APPEND);
	assert_false(fl & O_CLOEXEC);
	assert_fd_stat(&c, fx.file_fd);

	e = find_fd(&c, fx.dir_fd);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_DIRECTORY);
	assert_param_str(&c, e, "name", fx.dir);
	assert_true(pu(&c, e, "flags") & O_DIRECTORY);

	for (int end = 0; end < 2; end++) {
		struct stat st;
		assert_int_equal(fstat(fx.pipe_fd[end], &st), 0);
		char name[64];
		snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)st.st_ino);
		e = find_fd(&c, fx.pipe_fd[end]);
		assert_int_equal(pu(&c, e, "type"), KITE_FD_PIPE);
		assert_param_str(&c, e, "name", name);
		assert_int_equal(pu(&c, e, "flags") & O_ACCMODE, end ? O_WRONLY : O_RDONLY);
		assert_fd_stat(&c, fx.pipe_fd[end]);
	}

	assert_int_equal(fd_type(&c, fx.efd), KITE_FD_EVENT);
	assert_param_str(&c, find_fd(&c, fx.efd), "name", "anon_inode:[eventfd]");
	assert_true(pu(&c, find_fd(&c, fx.efd), "flags") & O_CLOEXEC);
	assert_int_equal(fd_type(&c, fx.epfd), KITE_FD_EVENTPOLL);
	/* the capture's own memfd was open while the snapshot was taken */
	e = find_fd(&c, c.memfd);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_MEMFD);
	assert_param_str(&c, e, "name", "/memfd:kite-snap (deleted)");
	cap_free(&c);
}

/* The tuple FORMAT.md 8.2 specifies, from the socket's own view: local end first. */
static size_t expected_tuple(int fd, uint8_t *out)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&l, &ll), 0);
	if (getpeername(fd, (struct sockaddr *)&r, &rl)) { /* listening: no remote end */
		memset(&r, 0, sizeof(r));
		r.ss_family = l.ss_family;
	}
	uint8_t *p = out;
	*p++ = l.ss_family == AF_INET ? 2 : 10;
	const struct sockaddr_storage *ends[2] = {&l, &r};
	for (int i = 0; i < 2; i++) {
		uint16_t port;
		if (l.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)ends[i];
			memcpy(p, &a->sin_addr, 4);
			port = ntohs(a->sin_port);
			p += 4;
		} else {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ends[i];
			memcpy(p, &a->sin6_addr, 16);
			port = ntohs(a->sin6_port);
			p += 16;
		}
		memcpy(p, &port, 2); /* little-endian host order */
		p += 2;
	}
	return (size_t)(p - out);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void fds_sockets(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	uint8_t tuple[64];
	char name[128];

	const struct kite_evt *e = find_fd(&c, fx.lsock);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_IPV4_SOCK);
	snprintf(name, sizeof(name), "127.0.0.1:%u", fx.lport);
	assert_param_str(&c, e, "name", name);
	assert_param_bytes(&c, e, "tuple", tuple, expected_tuple(fx.lsock, tuple));
	assert_true(pu(&c, e, "flags") & O_NONBLOCK);
	assert_fd_stat(&c, fx.lsock);

	e = find_fd(&c, fx.csock);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_IPV4_SOCK);
	snprintf(name, sizeof(name), "127.0.0.1:%u->127.0.0.1:%u", local_port(fx.csock), fx.lport);
	assert_param_str(&c, e, "name", name);
	size_t n = expected_tuple(fx.csock, tuple);
	assert_int_equal(n, 13);
	assert_param_bytes(&c, e, "tuple", tuple, n);
	assert_false(pu(&c, e, "flags") & O_NONBLOCK);

	if (fx.have_v6) {
		e = find_fd(&c, fx.c6sock);
		assert_int_equal(pu(&c, e, "type"), KITE_FD_IPV6_SOCK);
		snprintf(name, sizeof(name), "::1:%u->::1:%u", local_port(fx.c6sock), fx.l6port);
		assert_param_str(&c, e, "name", name);
		n = expected_tuple(fx.c6sock, tuple);
		assert_int_equal(n, 37);
		assert_param_bytes(&c, e, "tuple", tuple, n);
		e = find_fd(&c, fx.l6sock);
		assert_int_equal(pu(&c, e, "type"), KITE_FD_IPV6_SOCK);
		assert_param_bytes(&c, e, "tuple", tuple, expected_tuple(fx.l6sock, tuple));
	}

	e = find_fd(&c, fx.usock);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_UNIX_SOCK);
	assert_param_str(&c, e, "name", fx.usock_path);
	/* AF_UNIX, two unknown (0) socket addresses, the path */
	uint8_t ut[17 + sizeof(fx.usock_path)] = {1};
	size_t plen_ = strlen(fx.usock_path);
	memcpy(ut + 17, fx.usock_path, plen_);
	assert_param_bytes(&c, e, "tuple", ut, 17 + plen_);
	assert_fd_stat(&c, fx.usock);

	/* an abstract name: '@' in /proc and in the name, a NUL in the tuple (FORMAT.md 8.2) */
	e = find_fd(&c, fx.asock);
	assert_int_equal(pu(&c, e, "type"), KITE_FD_UNIX_SOCK);
	assert_param_str(&c, e, "name", fx.abstract);
	memset(ut, 0, sizeof(ut));
	ut[0] = 1;
	plen_ = strlen(fx.abstract);
	memcpy(ut + 18, fx.abstract + 1, plen_ - 1);
	assert_param_bytes(&c, e, "tuple", ut, 17 + plen_);
	cap_free(&c);
}

/* ---- users, groups, interfaces ---- */

static void users_and_groups(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	const struct kite_evt *e = find(&c, "state_user", "uid", 0, NULL, 0);
	assert_non_null(e);
	assert_int_equal(e->pid, 0);
	assert_param_str(&c, e, "name", "root");
	assert_int_equal(pu(&c, e, "gid"), 0);
	assert_param_str(&c, e, "home", "/root");
	e = find(&c, "state_group", "gid", 0, NULL, 0);
	assert_non_null(e);
	assert_param_str(&c, e, "name", "root");
	assert_true(c.st.users >= 1 && c.st.groups >= 1);
	cap_free(&c);
}

static void iface_lo(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	const struct kite_event_desc *d = kite_schema_find(c.s, "state_iface");
	const struct kite_evt *lo = NULL;
	for (size_t i = 0; i < c.n && !lo; i++) {
		uint16_t len;
		const uint8_t *name;
		if (c.e[i]->type != d->id || pu(&c, c.e[i], "family") != AF_INET)
			continue;
		name = param(&c, c.e[i], "name", &len);
		if (len == 2 && memcmp(name, "lo", 2) == 0)
			lo = c.e[i];
	}
	assert_non_null(lo);
	static const uint8_t addr[7] = {2, 127, 0, 0, 1, 0, 0}, mask[7] = {2, 255, 0, 0, 0, 0, 0};
	assert_param_bytes(&c, lo, "addr", addr, sizeof(addr));
	assert_param_bytes(&c, lo, "netmask", mask, sizeof(mask));
	assert_int_equal(pu(&c, lo, "ifindex"), if_nametoindex("lo"));
	cap_free(&c);
}

/* ---- which processes ---- */

static void pid_filter(void **state)
{
	(void)state;
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	pid_t me = getpid();
	const struct kite_event_desc *proc = kite_schema_find(c.s, "state_proc");
	const struct kite_event_desc *fdd = kite_schema_find(c.s, "state_fd");
	for (size_t i = 0; i < c.n; i++) {
		const struct kite_evt *e = c.e[i];
		if (e->type == proc->id || e->type == fdd->id) {
			assert_int_equal(e->pid, me);
			assert_int_equal(pu(&c, e, "pid"), me);
		}
	}
	assert_null(find(&c, "state_proc", "pid", 1, NULL, 0));
	assert_int_equal(c.st.processes, 1);
	assert_int_equal(c.st.threads, 2);
	assert_int_equal(c.st.unreadable, 0); /* everything about ourselves is readable */
	cap_free(&c);

	/* a thread id selects its whole process */
	o.pid = fx.thread_tid;
	take(&c, &o);
	assert_int_equal(c.st.processes, 1);
	assert_int_equal(c.st.threads, 2);
	const struct kite_evt *t = find(&c, "state_proc", "tid", (uint64_t)fx.thread_tid, NULL, 0);
	assert_non_null(t);
	assert_int_equal(pu(&c, t, "pid"), me);
	assert_non_null(find_fd(&c, fx.file_fd));
	cap_free(&c);

	/* the same without the filter: pid 1 and many more are there */
	o.pid = 0;
	take(&c, &o);
	const struct kite_evt *init = find(&c, "state_proc", "tid", 1, NULL, 0);
	assert_non_null(init);
	assert_int_equal(pu(&c, init, "ppid"), 0);
	assert_non_null(find(&c, "state_proc", "tid", (uint64_t)me, NULL, 0));
	assert_true(c.st.processes > 1);
	if (getuid() != 0) /* another user's exe, cwd and fds are closed to us */
		assert_true(c.st.unreadable > 0);
	cap_free(&c);
}

/* A child running a copy of sleep(1) from a memfd, named kite-memfd-child; its pid. */
static pid_t spawn_memfd_child(void)
{
	int src = open("/bin/sleep", O_RDONLY | O_CLOEXEC);
	int mfd = memfd_create("kite-exe", MFD_CLOEXEC);
	assert_true(src >= 0 && mfd >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		assert_int_equal(write(mfd, buf, (size_t)n), n);
	close(src);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"kite-memfd-child", "30", NULL};
		char *envp[] = {NULL};
		fexecve(mfd, argv, envp);
		_exit(127);
	}
	close(mfd);
	/* wait until the exec has happened */
	char path[64], link[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 5000; i++) {
		ssize_t k = readlink(path, link, sizeof(link) - 1);
		if (k > 7 && memcmp(link, "/memfd:", 7) == 0)
			return pid;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("the memfd child did not exec");
	return -1;
}

static void follow_and_memfd_exe(void **state)
{
	(void)state;
	pid_t child = spawn_memfd_child();
	struct kite_snapshot_opts o = self_only();
	struct cap c;
	take(&c, &o);
	assert_null(find(&c, "state_proc", "pid", (uint64_t)child, NULL, 0)); /* not without follow */
	cap_free(&c);

	o.follow = 1;
	take(&c, &o);
	const struct kite_evt *e = find(&c, "state_proc", "tid", (uint64_t)child, NULL, 0);
	assert_non_null(e);
	assert_int_equal(pu(&c, e, "ppid"), getpid());
	assert_param_str(&c, e, "exe", "kite-memfd-child");
	assert_param_bytes(&c, e, "args", "30", 3);
	uint16_t len;
	const uint8_t *ep = param(&c, e, "exepath", &len);
	assert_true(len > 16 && memcmp(ep, "/memfd:kite-exe", 15) == 0);
	assert_int_equal(pu(&c, e, "flags"), KITE_EXE_FROM_MEMFD);
	assert_non_null(find(&c, "state_proc", "tid", (uint64_t)getpid(), NULL, 0));
	assert_int_equal(c.st.processes, 2);
	assert_null(find(&c, "state_proc", "tid", 1, NULL, 0));
	cap_free(&c);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* Real, effective and saved ids that all differ, in a child (root only: it needs setresuid). */
static void creds_of_child(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("CI=true: creds_of_child needs root (setresuid)");
		fprintf(stderr, "SKIP: creds_of_child needs root (setresuid to distinct ids)\n");
		skip();
	}
	int ready[2], hold[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(ready[0]);
		close(hold[1]);
		if (setgroups(0, NULL) || setresgid(11, 12, 13) || setresuid(21, 22, 23))
			_exit(1);
		char c = 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	struct kite_snapshot_opts o = self_only();
	o.follow = 1;
	struct cap cp;
	take(&cp, &o);
	close(hold[1]);
	close(ready[0]);
	waitpid(child, NULL, 0);
	const struct kite_evt *e = find(&cp, "state_proc", "tid", (uint64_t)child, NULL, 0);
	assert_non_null(e);
	static const struct {
		const char *param;
		uint32_t want;
	} ids[] = {{"gid", 11}, {"egid", 12}, {"sgid", 13}, {"uid", 21}, {"euid", 22}, {"suid", 23}};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(plen(&cp, e, ids[i].param), 4);
		assert_int_equal(pu(&cp, e, ids[i].param), ids[i].want);
	}
	cap_free(&cp);
}

/* A writer that fails (its reader went away) fails the snapshot, with the writer's message. */
static void writer_error(void **state)
{
	(void)state;
	char err[256] = "";
	struct kite_header h;
	kt_header(&h);
	int p[2];
	assert_int_equal(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* room for the file's prologue */
	kite_writer *w = kite_writer_open(p[1], "pipe", &h, kite_schema_builtin(), NULL, err, sizeof(err));
	assert_non_null(w);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	struct kite_snapshot_opts o = self_only();
	struct kite_snapshot_stats st;
	assert_int_equal(kite_snapshot_write(w, &o, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "write failed"));
	kite_writer_abort(w);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

int main(int argc, char **argv)
{
	(void)argc;
	main_argv = argv;
	main_ns = now_ns(CLOCK_REALTIME);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(proc_self),           cmocka_unit_test(proc_self_details),
	        cmocka_unit_test(thread_record),       cmocka_unit_test(no_env),
	        cmocka_unit_test(fds_files_and_pipes), cmocka_unit_test(fds_sockets),
	        cmocka_unit_test(users_and_groups),    cmocka_unit_test(iface_lo),
	        cmocka_unit_test(pid_filter),          cmocka_unit_test(follow_and_memfd_exe),
	        cmocka_unit_test(creds_of_child),      cmocka_unit_test(writer_error),
	};
	return cmocka_run_group_tests(tests, setup_state, teardown_state);
}
