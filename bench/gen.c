/* gen.c - bench/replay's simulated host: a snapshot, then processes that open, connect, fork, exec, exit. */
#include "gen.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "events.h"
#include "pcapng.h"
#include "record.h"
#include "schema.h"
#include "writer.h"

const char kb_filter1[] =
        "evt.type in (open, openat, openat2) and fd.name startswith /etc and not proc.name in "
        "(sshd, systemd, cron)";
const char kb_filter2[] =
        "evt.type in (connect, sendto, recvfrom) and (fd.snet = \"10.20.0.0/16\" or fd.sip = "
        "\"2001:db8:1::10\") and proc.aname in (containerd, nginx, cron)";

#define PID_MAX   32768 /* the kernel's default pid_max: the capture wraps it */
#define PID_FIRST 300   /* RESERVED_PIDS: where allocation restarts after a wrap */
#define MAXPROC   1024
#define MAXTHR    12
#define MAXFD     64
#define MAXDEPTH  64 /* proc.aname walks this many ancestors */
#define AT_FDCWD_ (-100)
#define THREAD_CLONE_FLAGS                                                                                   \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |   \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define STR(s)   (s), (uint8_t)(sizeof(s) - 1) /* a literal with embedded NULs, and its length */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the host: programs, directories, paths, peers ---- */

enum {
	PG_SYSTEMD,
	PG_JOURNALD,
	PG_RSYSLOGD,
	PG_SSHD,
	PG_BASH,
	PG_CRON,
	PG_NGINX,
	PG_CONTAINERD,
	PG_SHIM,
	PG_POSTGRES,
	PG_DOCKERD,
	PG_PYTHON,
	PG_NODE,
	PG_JAVA,
	PG_CURL,
	PG_LS,
	PG_CAT,
	PG_GREP,
	PG_SLEEP,
	PG_SH
};

struct prog {
	const char *comm, *exe, *args; /* args: argv[1..], each NUL-terminated */
	uint8_t args_len;
	uint8_t cwd; /* index in dirs[] */
};

static const struct prog progs[] = {
        [PG_SYSTEMD] = {"systemd", "/usr/lib/systemd/systemd", STR("--system\0--deserialize=42\0"), 0},
        [PG_JOURNALD] = {"systemd-journal", "/usr/lib/systemd/systemd-journald", STR(""), 0},
        [PG_RSYSLOGD] = {"rsyslogd", "/usr/sbin/rsyslogd", STR("-n\0-iNONE\0"), 0},
        [PG_SSHD] = {"sshd", "/usr/sbin/sshd", STR("-D\0"), 0},
        [PG_BASH] = {"bash", "/usr/bin/bash", STR(""), 3},
        [PG_CRON] = {"cron", "/usr/sbin/cron", STR("-f\0"), 0},
        [PG_NGINX] = {"nginx", "/usr/sbin/nginx", STR("-g\0daemon off;\0"), 7},
        [PG_CONTAINERD] = {"containerd", "/usr/bin/containerd", STR(""), 0},
        [PG_SHIM] = {"containerd-shim", "/usr/bin/containerd-shim-runc-v2", STR("-namespace\0moby\0-id\0"),
                     0},
        [PG_POSTGRES] = {"postgres", "/usr/lib/postgresql/15/bin/postgres",
                         STR("-D\0/var/lib/postgresql/15/main\0"), 6},
        [PG_DOCKERD] = {"dockerd", "/usr/bin/dockerd", STR("-H\0fd://\0"), 0},
        [PG_PYTHON] = {"python3", "/usr/bin/python3.11", STR("app.py\0--workers=4\0"), 4},
        [PG_NODE] = {"node", "/usr/bin/node", STR("server.js\0"), 4},
        [PG_JAVA] = {"java", "/usr/lib/jvm/java-17/bin/java", STR("-Xmx2g\0-jar\0svc.jar\0"), 4},
        [PG_CURL] = {"curl", "/usr/bin/curl", STR("-s\0https://example.com/\0"), 5},
        [PG_LS] = {"ls", "/usr/bin/ls", STR("-la\0"), 3},
        [PG_CAT] = {"cat", "/usr/bin/cat", STR("/etc/hosts\0"), 1},
        [PG_GREP] = {"grep", "/usr/bin/grep", STR("-r\0TODO\0.\0"), 4},
        [PG_SLEEP] = {"sleep", "/usr/bin/sleep", STR("60\0"), 0},
        [PG_SH] = {"sh", "/usr/bin/dash", STR("-c\0run-parts /etc/cron.hourly\0"), 1},
};

/* What exec'd children become. */
static const uint8_t workers[] = {PG_PYTHON, PG_NODE,  PG_CURL, PG_LS,   PG_CAT,
                                  PG_GREP,   PG_SLEEP, PG_SH,   PG_BASH, PG_JAVA};

static const char *const dirs[] = {"/",
                                   "/etc",
                                   "/var/log",
                                   "/home/alice",
                                   "/srv/app",
                                   "/tmp",
                                   "/var/lib/postgresql/15/main",
                                   "/etc/nginx",
                                   "/usr/lib/python3.11"};
static const char *const relnames[] = {"passwd",  "hosts",       "nginx.conf", "config.yaml", "app.log",
                                       "data.db", "resolv.conf", "index.html", "os.py",       "PG_VERSION"};
static const char *const abspaths[] = {
        "/etc/passwd",
        "/etc/ld.so.cache",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/nsswitch.conf",
        "/etc/localtime",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/locale/locale-archive",
        "/proc/self/status",
        "/proc/meminfo",
        "/sys/fs/cgroup/cpu.max",
        "/var/log/syslog",
        "/usr/share/zoneinfo/UTC",
        "/dev/null",
        "/dev/urandom",
        "/home/alice/.bashrc",
        "/var/lib/postgresql/15/main/base/16384/2619",
        "/srv/app/static/index.html",
        "/etc/ssl/certs/ca.pem",
};
static const char *const missing[] = {"/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libfoo.so.1",
                                      "/home/alice/.config/app.yaml", "/etc/app/override.conf"};
static const char *const cgroups[] = {
        "0::/init.scope\0",
        "0::/system.slice/nginx.service\0",
        "0::/system.slice/containerd.service\0",
        "0::/user.slice/user-1000.slice/session-3.scope\0",
        "0::/system.slice/docker-4f3a9c2e1b7d8a6f5e4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807f6e.scope\0",
        "0::/system.slice/postgresql.service\0",
};
static const char env[] =
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\0LANG=C.UTF-8\0HOME=/root\0";

struct peer {
	uint8_t fam, ip[16];
	uint16_t port;
	uint8_t udp, f2; /* f2: fd.sip matches kb_filter2's networks */
};

static const struct peer peers[] = {
        {AF_INET, {10, 20, 1, 10}, 5432, 0, 1},
        {AF_INET, {10, 20, 3, 7}, 6379, 0, 1},
        {AF_INET, {93, 184, 216, 34}, 443, 0, 0},
        {AF_INET, {8, 8, 8, 8}, 53, 1, 0},
        {AF_INET, {172, 17, 0, 2}, 8080, 0, 0},
        {AF_INET, {10, 21, 0, 9}, 443, 0, 0},
        {AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, 443, 0, 1},
        {AF_INET6, {0x26, 0x06, 0x47, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11}, 443, 0, 0},
};
static const uint8_t host4[16] = {10, 0, 0, 5};
static const uint8_t host6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};

/* ---- the generator's model of the host ---- */

enum { SK_CLIENT = 1, SK_SERVER, SK_LISTEN };

struct gfd {
	uint8_t type; /* KITE_FD_*, 0: free */
	uint8_t cloexec;
	uint8_t sk;  /* SK_*, sockets */
	uint8_t ref; /* client: peers[] index; server: the client's number; directory: dirs[] index */
	uint16_t lport, rport;
};

struct gproc {
	int32_t pid, ppid; /* pid 0: a free slot */
	int32_t tid[MAXTHR];
	uint8_t nthr, prog, cwd, cg, pinned, nlisten;
	uint16_t nfds;
	uint32_t uid, gid;
	struct gfd fd[MAXFD];
};

struct gen {
	const struct kite_schema *s;
	kite_writer *w;
	struct kb_expect *x;
	uint64_t rng, ts;
	int failed;
	uint8_t buf[KITE_EVT_MAX_LEN];
	struct gproc proc[MAXPROC];
	uint16_t live[MAXPROC]; /* slots of live processes */
	uint32_t nlive, nthreads, target_procs, target_threads;
	int32_t last_pid;
	uint8_t pid_used[PID_MAX];
	int16_t slot_of[PID_MAX]; /* process slot by pid (leaders only), -1 */
	uint32_t ino;
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ull;
}

static uint32_t rn(struct gen *g, uint32_t n)
{
	return (uint32_t)((rnd(g) >> 32) % n);
}

/* ---- building records by parameter name ---- */

struct kv {
	const char *name;
	int64_t v;
	const void *p; /* NULL: an integer */
	uint32_t len;
};

#define I(n, x)                                                                                              \
	{                                                                                                    \
		(n), (int64_t)(x), NULL, 0                                                                   \
	}
#define S(n, s)                                                                                              \
	{                                                                                                    \
		(n), 0, (s), (uint32_t)strlen(s)                                                             \
	}
#define B(n, b, l)                                                                                           \
	{                                                                                                    \
		(n), 0, (b), (uint32_t)(l)                                                                   \
	}
#define EMIT(g, type, tid, pid, ...)                                                                         \
	emit((g), (type), (tid), (pid), (const struct kv[]){__VA_ARGS__},                                    \
	     sizeof((const struct kv[]){__VA_ARGS__}) / sizeof(struct kv))

/* One record: each param of the type takes the kv of its name, or stays empty. */
static void emit(struct gen *g, uint16_t type, int32_t tid, int32_t pid, const struct kv *kv, size_t n)
{
	const struct kite_event_desc *d = kite_schema_event(g->s, type);
	struct kite_evt_builder b;
	if (g->failed)
		return;
	kite_evt_begin(&b, g->buf, type, d->nparams, g->ts, (uint32_t)tid, (uint32_t)pid, (uint16_t)rn(g, 2));
	for (uint32_t i = 0; i < d->nparams; i++) {
		const struct kite_param_desc *p = &d->params[i];
		const struct kv *v = NULL;
		for (size_t j = 0; j < n && !v; j++)
			v = strcmp(kv[j].name, p->name) ? NULL : &kv[j];
		unsigned width = kite_param_width(p);
		if (!v)
			kite_evt_add(&b, NULL, 0);
		else if (!v->p && width)
			kite_evt_add_u(&b, (uint64_t)v->v, width);
		else
			kite_evt_add(&b, v->p, v->len);
	}
	const struct kite_evt *e = kite_evt_end(&b);
	if (!e || kite_writer_append(g->w, e)) {
		g->failed = 1;
		return;
	}
	if (d->flags & KITE_EF_STATE) {
		g->x->state_records++;
	} else {
		g->x->events++;
		g->ts += 200 + rn(g, 9000);
	}
}

/* ---- addresses ---- */

static uint32_t put_ip(uint8_t *o, uint8_t fam, const uint8_t *ip)
{
	uint32_t n = fam == AF_INET ? 4 : 16;
	memcpy(o, ip, n);
	return n;
}

static uint32_t put_port(uint8_t *o, uint16_t port)
{
	o[0] = (uint8_t)port;
	o[1] = (uint8_t)(port >> 8);
	return 2;
}

/* The remote client number n of an accepted connection. */
static void client_ip(uint8_t fam, uint8_t n, uint8_t ip[16])
{
	static const uint8_t v4[16] = {203, 0, 113}, v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff};
	memcpy(ip, fam == AF_INET ? v4 : v6, 16);
	ip[fam == AF_INET ? 3 : 15] = (uint8_t)(n + 1);
}

static uint8_t fd_family(const struct gfd *f)
{
	return f->type == KITE_FD_IPV6_SOCK ? AF_INET6 : AF_INET;
}

/* The socket's tuple, local end first (sendto, recvfrom, connect); listeners have no remote end. */
static uint32_t fd_tuple(const struct gfd *f, uint8_t *o)
{
	uint8_t fam = fd_family(f), rip[16] = {0};
	const uint8_t *lip = fam == AF_INET ? host4 : host6;
	if (f->sk == SK_CLIENT)
		memcpy(rip, peers[f->ref].ip, 16);
	else if (f->sk == SK_SERVER)
		client_ip(fam, f->ref, rip);
	uint32_t n = 0;
	o[n++] = fam;
	n += put_ip(o + n, fam, lip);
	n += put_port(o + n, f->lport);
	n += put_ip(o + n, fam, rip);
	n += put_port(o + n, f->sk == SK_LISTEN ? 0 : f->rport);
	return n;
}

/* A socket's name as a /proc scan gives it: "lip:lport->rip:rport", or "lip:lport" for a listener. */
static void sock_name(const struct gfd *f, const uint8_t *tuple, char *out, size_t len)
{
	int fam = tuple[0], alen = fam == AF_INET ? 4 : 16;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	inet_ntop(fam, tuple + 1, l, sizeof(l));
	inet_ntop(fam, tuple + 3 + alen, r, sizeof(r));
	if (f->sk == SK_LISTEN)
		snprintf(out, len, "%s:%u", l, f->lport);
	else
		snprintf(out, len, "%s:%u->%s:%u", l, f->lport, r, f->rport);
}

/* ---- processes and fds ---- */

static struct gproc *proc_of(struct gen *g, int32_t pid)
{
	return pid > 0 && pid < PID_MAX && g->slot_of[pid] >= 0 ? &g->proc[g->slot_of[pid]] : NULL;
}

static int32_t pid_alloc(struct gen *g)
{
	do {
		if (++g->last_pid >= PID_MAX) {
			g->last_pid = PID_FIRST;
			g->x->pid_wraps++;
		}
	} while (g->pid_used[g->last_pid]);
	g->pid_used[g->last_pid] = 1;
	return g->last_pid;
}

static struct gproc *proc_add(struct gen *g, int32_t pid, int32_t ppid, uint8_t prog)
{
	uint32_t slot = 0;
	while (g->proc[slot].pid)
		slot++; /* the population stays far below MAXPROC */
	struct gproc *p = &g->proc[slot];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	p->tid[0] = pid;
	p->nthr = 1;
	p->prog = prog;
	p->cwd = progs[prog].cwd;
	g->slot_of[pid] = (int16_t)slot;
	g->live[g->nlive++] = (uint16_t)slot;
	g->nthreads++;
	if (g->nlive > g->x->max_procs)
		g->x->max_procs = g->nlive;
	if (g->nthreads > g->x->max_threads)
		g->x->max_threads = g->nthreads;
	return p;
}

static int fd_lowest(const struct gproc *p)
{
	for (int i = 0; i < MAXFD; i++)
		if (!p->fd[i].type)
			return i;
	return -1;
}

static void fd_put(struct gproc *p, int n, struct gfd f)
{
	if (!p->fd[n].type)
		p->nfds++;
	else if (p->fd[n].sk == SK_LISTEN)
		p->nlisten--;
	p->fd[n] = f;
	if (f.sk == SK_LISTEN)
		p->nlisten++;
}

static void fd_clear(struct gproc *p, int n)
{
	if (p->fd[n].sk == SK_LISTEN)
		p->nlisten--;
	p->fd[n].type = 0;
	p->nfds--;
}

/* A random open fd >= 3 that is not a listening socket (type 0: any type), or -1. */
static int fd_pick(struct gen *g, const struct gproc *p, uint8_t type)
{
	int start = (int)rn(g, MAXFD);
	for (int i = 0; i < MAXFD; i++) {
		int n = (start + i) % MAXFD;
		const struct gfd *f = &p->fd[n];
		if (n >= 3 && f->type && f->sk != SK_LISTEN && (!type || f->type == type))
			return n;
	}
	return -1;
}

static int fd_pick_sock(struct gen *g, const struct gproc *p)
{
	int n = fd_pick(g, p, KITE_FD_IPV4_SOCK);
	int m = fd_pick(g, p, KITE_FD_IPV6_SOCK);
	return n < 0 || (m >= 0 && rn(g, 2)) ? m : n;
}

static const char *comm_of(const struct gproc *p)
{
	return progs[p->prog].comm;
}

static int comm_in(const struct gproc *p, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(comm_of(p), set[i]))
			return 1;
	return 0;
}

/* ---- the snapshot ---- */

static void snap_user(struct gen *g, uint32_t uid, uint32_t gid, const char *name, const char *home)
{
	EMIT(g, KITE_EVT_STATE_USER, 0, 0, I("uid", uid), I("gid", gid), S("name", name), S("home", home),
	     S("shell", uid ? "/bin/bash" : "/usr/sbin/nologin"));
	EMIT(g, KITE_EVT_STATE_GROUP, 0, 0, I("gid", gid), S("name", name));
}

static void snap_thread(struct gen *g, const struct gproc *p, int32_t tid)
{
	const struct prog *pg = &progs[p->prog];
	const char *cg = cgroups[p->cg];
	EMIT(g, KITE_EVT_STATE_PROC, tid, p->pid, I("tid", tid), I("pid", p->pid), I("ppid", p->ppid),
	     S("comm", pg->comm), S("exe", pg->exe), S("exepath", pg->exe), B("args", pg->args, pg->args_len),
	     S("cwd", dirs[p->cwd]), I("uid", p->uid), I("gid", p->gid), I("euid", p->uid), I("egid", p->gid),
	     I("suid", p->uid), I("sgid", p->gid), I("loginuid", p->uid >= 1000 ? p->uid : UINT32_MAX),
	     B("cgroups", cg, strlen(cg) + 1), B("env", env, sizeof(env) - 1),
	     I("start_ts", g->ts - 3600000000000ull), I("vpid", p->pid), I("vtid", tid), I("pgid", p->pid),
	     I("sid", p->pid), I("cap_permitted", p->uid ? 0 : 0x1ffffffffffull),
	     I("cap_effective", p->uid ? 0 : 0x1ffffffffffull), I("cap_inheritable", 0));
}

static void snap_fd(struct gen *g, const struct gproc *p, int n)
{
	const struct gfd *f = &p->fd[n];
	char name[128];
	uint8_t tuple[40];
	uint32_t tlen = 0, flags = O_RDWR | (f->cloexec ? O_CLOEXEC : 0);
	if (f->type == KITE_FD_IPV4_SOCK || f->type == KITE_FD_IPV6_SOCK) {
		tlen = fd_tuple(f, tuple);
		sock_name(f, tuple, name, sizeof(name));
	} else if (f->type == KITE_FD_PIPE) {
		snprintf(name, sizeof(name), "pipe:[%u]", ++g->ino);
	} else {
		snprintf(name, sizeof(name), "%s",
		         n < 3                          ? (p->uid >= 1000 ? "/dev/pts/0" : "/dev/null")
		         : f->type == KITE_FD_DIRECTORY ? dirs[f->ref]
		                                        : "/var/log/app.log");
	}
	EMIT(g, KITE_EVT_STATE_FD, p->pid, p->pid, I("pid", p->pid), I("fd", n), I("type", f->type),
	     S("name", name), I("flags", flags), B("tuple", tuple, tlen), I("ino", ++g->ino),
	     I("dev", 0x801));
}

static void snap_proc(struct gen *g, struct gproc *p)
{
	for (int i = 0; i < p->nthr; i++)
		snap_thread(g, p, p->tid[i]);
	for (int n = 0; n < MAXFD; n++)
		if (p->fd[n].type)
			snap_fd(g, p, n);
}

/* Snapshot pids grow in creation order, with gaps, as on a host that has run a while. */
static int32_t snap_pid(struct gen *g)
{
	g->last_pid += 1 + (int32_t)rn(g, 40);
	g->pid_used[g->last_pid] = 1;
	return g->last_pid;
}

static struct gproc *snap_new(struct gen *g, struct gproc *parent, uint8_t prog, uint32_t uid, uint8_t cg,
                              int nthr, int pinned)
{
	int32_t pid = parent ? snap_pid(g) : 1;
	if (!parent)
		g->pid_used[1] = 1;
	struct gproc *p = proc_add(g, pid, parent ? parent->pid : 0, prog);
	p->uid = p->gid = uid;
	p->cg = cg;
	p->pinned = (uint8_t)pinned;
	for (int i = 0; i < 3; i++)
		fd_put(p, i, (struct gfd){.type = KITE_FD_FILE});
	if (parent) /* what a daemon hands down to its workers (listeners, logs) */
		for (int n = 3; n < MAXFD; n++)
			if (parent->fd[n].type && !parent->fd[n].cloexec)
				fd_put(p, n, parent->fd[n]);
	for (int i = 1; i < nthr; i++) {
		p->tid[p->nthr++] = snap_pid(g);
		g->nthreads++;
	}
	if (g->nthreads > g->x->max_threads)
		g->x->max_threads = g->nthreads;
	return p;
}

/* Only nginx hands its listeners down to its workers: the others mark them close-on-exec. */
static void snap_listen(struct gproc *p, uint8_t type, uint16_t port, int cloexec)
{
	fd_put(p, fd_lowest(p),
	       (struct gfd){.type = type, .cloexec = (uint8_t)cloexec, .sk = SK_LISTEN, .lport = port});
}

static void snap_extras(struct gen *g, struct gproc *p)
{
	fd_put(p, fd_lowest(p), (struct gfd){.type = KITE_FD_FILE, .cloexec = 1});
	if (rn(g, 3) == 0) {
		uint8_t peer = (uint8_t)rn(g, NELEM(peers));
		uint8_t type = peers[peer].fam == AF_INET ? KITE_FD_IPV4_SOCK : KITE_FD_IPV6_SOCK;
		fd_put(p, fd_lowest(p),
		       (struct gfd){.type = type,
		                    .cloexec = 1,
		                    .sk = SK_CLIENT,
		                    .ref = peer,
		                    .lport = (uint16_t)(32768 + rn(g, 28000)),
		                    .rport = peers[peer].port});
	}
	if (rn(g, 4) == 0)
		fd_put(p, fd_lowest(p), (struct gfd){.type = KITE_FD_DIRECTORY, .cloexec = 1, .ref = 1});
}

/* ~200 processes: the daemons the filters name, their workers, sessions and containers. */
static void snapshot_model(struct gen *g)
{
	struct gproc *init = snap_new(g, NULL, PG_SYSTEMD, 0, 0, 1, 1);
	g->last_pid = 280;
	snap_new(g, init, PG_JOURNALD, 0, 0, 1, 1);
	snap_new(g, init, PG_RSYSLOGD, 0, 0, 4, 1);
	struct gproc *sshd = snap_new(g, init, PG_SSHD, 0, 0, 1, 1);
	snap_listen(sshd, KITE_FD_IPV4_SOCK, 22, 1);
	snap_listen(sshd, KITE_FD_IPV6_SOCK, 22, 1);
	snap_new(g, init, PG_CRON, 0, 0, 1, 1);
	struct gproc *nginx = snap_new(g, init, PG_NGINX, 0, 1, 1, 1);
	snap_listen(nginx, KITE_FD_IPV4_SOCK, 80, 0);
	snap_listen(nginx, KITE_FD_IPV6_SOCK, 443, 0);
	for (int i = 0; i < 4; i++)
		snap_extras(g, snap_new(g, nginx, PG_NGINX, 33, 1, 1, 1));
	struct gproc *ctd = snap_new(g, init, PG_CONTAINERD, 0, 2, 10, 1);
	struct gproc *pg = snap_new(g, init, PG_POSTGRES, 114, 5, 1, 1);
	snap_listen(pg, KITE_FD_IPV4_SOCK, 5432, 1);
	for (int i = 0; i < 8; i++)
		snap_extras(g, snap_new(g, pg, PG_POSTGRES, 114, 5, 1, 1));
	snap_new(g, init, PG_DOCKERD, 0, 2, 8, 1);
	for (int i = 0; i < 4; i++) {
		struct gproc *shim = snap_new(g, init, PG_SHIM, 0, 4, 1, 1);
		shim->ppid = ctd->pid; /* started by containerd, kept as its child here */
		snap_extras(g, snap_new(g, shim, (uint8_t)(PG_PYTHON + i % 3), 0, 4, 1 + (int)rn(g, 6), 0));
	}
	struct gproc *sessions[3];
	for (int i = 0; i < 3; i++) {
		struct gproc *s = snap_new(g, sshd, PG_SSHD, 0, 3, 1, 1);
		sessions[i] = snap_new(g, s, PG_BASH, 1000, 3, 1, 0);
	}
	while (g->nlive < 200) {
		struct gproc *par = &g->proc[g->live[rn(g, g->nlive)]];
		if (rn(g, 3) || par->pinned)
			par = sessions[rn(g, 3)];
		uint8_t prog = workers[rn(g, NELEM(workers))];
		struct gproc *p =
		        snap_new(g, par, prog, par->uid, par->cg, rn(g, 4) ? 1 : 2 + (int)rn(g, 4), 0);
		snap_extras(g, p);
	}
}

static void write_snapshot(struct gen *g)
{
	snap_user(g, 0, 0, "root", "/root");
	snap_user(g, 33, 33, "www-data", "/var/www");
	snap_user(g, 114, 114, "postgres", "/var/lib/postgresql");
	snap_user(g, 1000, 1000, "alice", "/home/alice");
	for (uint32_t i = 0; i < g->nlive; i++)
		snap_proc(g, &g->proc[g->live[i]]);
}

/* ---- file events ---- */

static void join(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}

static void count_open(struct gen *g, const struct gproc *p, const char *resolved, int ok)
{
	static const char *const excluded[] = {"sshd", "systemd", "cron"};
	if (strncmp(resolved, "/etc", 4) || comm_in(p, excluded, NELEM(excluded)))
		return;
	g->x->f1++;
	g->x->f1_ok += ok;
}

/* open/openat: absolute, relative to the cwd or to a directory fd, a directory itself; some fail. */
static void do_open(struct gen *g, struct gproc *p, int32_t tid)
{
	char path[96], resolved[192];
	const char *dir = dirs[p->cwd];
	int fd = fd_lowest(p), dirfd = AT_FDCWD_, kind = (int)rn(g, 100), fail = rn(g, 100) < 8,
	    wr = rn(g, 10) == 0;
	uint32_t flags = O_RDONLY | O_CLOEXEC;
	uint8_t type = KITE_FD_FILE, ref = 0;
	int dfd = kind >= 80 && kind < 92 ? fd_pick(g, p, KITE_FD_DIRECTORY) : -1;
	if (fail) {
		snprintf(path, sizeof(path), "%s",
		         kind < 80 ? missing[rn(g, NELEM(missing))] : "nonexistent.conf");
	} else if (kind < 55 && wr) {
		snprintf(path, sizeof(path), "/var/log/%s.log", comm_of(p));
	} else if (kind < 55) {
		if (rn(g, 8) == 0)
			snprintf(path, sizeof(path), "/tmp/kb-%08x", (unsigned)rnd(g));
		else
			snprintf(path, sizeof(path), "%s", abspaths[rn(g, NELEM(abspaths))]);
	} else if (kind < 92) {
		snprintf(path, sizeof(path), "%s", relnames[rn(g, NELEM(relnames))]);
	} else {
		ref = (uint8_t)rn(g, NELEM(dirs));
		snprintf(path, sizeof(path), "%s", dirs[ref]);
		type = KITE_FD_DIRECTORY;
		flags |= O_DIRECTORY;
	}
	if (dfd >= 0 && path[0] != '/') {
		dirfd = dfd;
		dir = dirs[p->fd[dfd].ref];
	}
	if (path[0] == '/')
		snprintf(resolved, sizeof(resolved), "%s", path);
	else
		join(resolved, sizeof(resolved), dir, path);
	if (wr && type == KITE_FD_FILE && !fail)
		flags = O_WRONLY | O_CREAT | O_APPEND | (rn(g, 2) ? O_CLOEXEC : 0);
	int64_t res = fail ? -ENOENT : fd;
	if (rn(g, 7) == 0 && dirfd == AT_FDCWD_)
		EMIT(g, KITE_EVT_OPEN, tid, p->pid, I("fd", res), S("name", path), I("flags", flags),
		     I("mode", 0644), I("dev", fail ? 0 : 0x801), I("ino", fail ? 0 : ++g->ino));
	else
		EMIT(g, KITE_EVT_OPENAT, tid, p->pid, I("fd", res), I("dirfd", dirfd), S("name", path),
		     I("flags", flags), I("mode", 0644), I("dev", fail ? 0 : 0x801),
		     I("ino", fail ? 0 : ++g->ino));
	count_open(g, p, resolved, !fail);
	if (!fail)
		fd_put(p, fd, (struct gfd){.type = type, .cloexec = (flags & O_CLOEXEC) != 0, .ref = ref});
}

static void do_close(struct gen *g, struct gproc *p, int32_t tid, int fd)
{
	EMIT(g, KITE_EVT_CLOSE, tid, p->pid, I("res", 0), I("fd", fd));
	fd_clear(p, fd);
}

/* An fd to close: connections live longer than files. */
static int fd_pick_close(struct gen *g, const struct gproc *p)
{
	int fd = fd_pick(g, p, 0);
	for (int i = 0; i < 3 && fd >= 0 && p->fd[fd].sk && rn(g, 4); i++)
		fd = fd_pick(g, p, 0);
	return fd;
}

/* Processes keep a handful of fds: above it they close one, below it they open one. */
static void file_op(struct gen *g, struct gproc *p, int32_t tid)
{
	int user = p->nfds - 3 - p->nlisten, fd = fd_pick_close(g, p);
	if (fd >= 0 && (user > 2 + (int)rn(g, 8) || fd_lowest(p) < 0))
		do_close(g, p, tid, fd);
	else if (fd_lowest(p) >= 0)
		do_open(g, p, tid);
}

/* ---- network events ---- */

static int ancestor_in(struct gen *g, const struct gproc *p, const char *const *set, size_t n)
{
	const struct gproc *a = proc_of(g, p->ppid);
	for (int depth = 0; a && depth < MAXDEPTH; depth++) {
		if (comm_in(a, set, n))
			return 1;
		a = a->pid == 1 ? NULL : proc_of(g, a->ppid);
	}
	return 0;
}

static void count_net(struct gen *g, const struct gproc *p, const struct gfd *f)
{
	static const char *const daemons[] = {"containerd", "nginx", "cron"};
	if (f->sk == SK_CLIENT && peers[f->ref].f2 && ancestor_in(g, p, daemons, NELEM(daemons)))
		g->x->f2++;
}

static void do_connect(struct gen *g, struct gproc *p, int32_t tid)
{
	int fd = fd_lowest(p);
	uint8_t peer = (uint8_t)rn(g, NELEM(peers));
	const struct peer *pr = &peers[peer];
	struct gfd f = {.type = pr->fam == AF_INET ? KITE_FD_IPV4_SOCK : KITE_FD_IPV6_SOCK,
	                .cloexec = 1,
	                .sk = SK_CLIENT,
	                .ref = peer,
	                .lport = (uint16_t)(32768 + rn(g, 28000)),
	                .rport = pr->port};
	uint8_t tuple[40], addr[20];
	uint32_t tlen = fd_tuple(&f, tuple), alen = 1;
	addr[0] = pr->fam;
	alen += put_ip(addr + alen, pr->fam, pr->ip);
	alen += put_port(addr + alen, pr->port);
	EMIT(g, KITE_EVT_SOCKET, tid, p->pid, I("fd", fd), I("domain", pr->fam),
	     I("type", (pr->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC), I("proto", 0));
	fd_put(p, fd, f);
	EMIT(g, KITE_EVT_CONNECT, tid, p->pid, I("res", 0), B("tuple", tuple, tlen), I("fd", fd),
	     B("addr", addr, alen));
	count_net(g, p, &f);
}

static int do_accept(struct gen *g, struct gproc *p, int32_t tid)
{
	int start = (int)rn(g, MAXFD), lfd = -1, fd = fd_lowest(p);
	for (int i = 0; i < MAXFD && lfd < 0; i++)
		if (p->fd[(start + i) % MAXFD].sk == SK_LISTEN && p->fd[(start + i) % MAXFD].type)
			lfd = (start + i) % MAXFD;
	if (lfd < 0 || fd < 0)
		return -1;
	const struct gfd *l = &p->fd[lfd];
	uint32_t cloexec = rn(g, 2) ? SOCK_CLOEXEC : 0;
	uint8_t client = (uint8_t)rn(g, 250);
	struct gfd f = {.type = l->type,
	                .cloexec = cloexec != 0,
	                .sk = SK_SERVER,
	                .ref = client,
	                .lport = l->lport,
	                .rport = (uint16_t)(32768 + rn(g, 28000))};
	uint8_t fam = fd_family(&f), cip[16], tuple[40];
	client_ip(fam, f.ref, cip);
	uint32_t n = 0;
	tuple[n++] = fam; /* the remote client is the source */
	n += put_ip(tuple + n, fam, cip);
	n += put_port(tuple + n, f.rport);
	n += put_ip(tuple + n, fam, fam == AF_INET ? host4 : host6);
	n += put_port(tuple + n, f.lport);
	EMIT(g, KITE_EVT_ACCEPT4, tid, p->pid, I("fd", fd), B("tuple", tuple, n), I("queuepct", 0),
	     I("queuelen", 0), I("queuemax", 511), I("flags", cloexec));
	fd_put(p, fd, f);
	return 0;
}

static void do_sendrecv(struct gen *g, struct gproc *p, int32_t tid, int fd)
{
	static const char req[] = "GET /api/v1/items HTTP/1.1\r\nHost: example\r\n\r\n";
	const struct gfd *f = &p->fd[fd];
	uint8_t tuple[40];
	uint32_t tlen = fd_tuple(f, tuple), size = 64 + rn(g, 4000), len = 16 + rn(g, sizeof(req) - 16);
	if (rn(g, 2))
		EMIT(g, KITE_EVT_SENDTO, tid, p->pid, I("res", size), B("data", req, len), I("fd", fd),
		     I("size", size), B("tuple", tuple, tlen));
	else
		EMIT(g, KITE_EVT_RECVFROM, tid, p->pid, I("res", size), B("data", req, len),
		     B("tuple", tuple, tlen), I("fd", fd), I("size", size + 60000));
	count_net(g, p, f);
}

static void net_op(struct gen *g, struct gproc *p, int32_t tid)
{
	int fd = fd_pick_sock(g, p);
	if (p->nlisten && rn(g, 3) == 0 && do_accept(g, p, tid) == 0)
		return;
	if (fd >= 0 && rn(g, 20))
		do_sendrecv(g, p, tid, fd);
	else if (fd_lowest(p) >= 0)
		do_connect(g, p, tid);
}

/* ---- other file-system and fd events ---- */

static void do_dup2(struct gen *g, struct gproc *p, int32_t tid)
{
	int old = fd_pick(g, p, 0), newfd = rn(g, 2) ? (int)rn(g, 3) : fd_pick(g, p, 0);
	if (old < 0 || newfd < 0 || old == newfd)
		return;
	EMIT(g, KITE_EVT_DUP2, tid, p->pid, I("res", newfd), I("oldfd", old), I("newfd", newfd));
	struct gfd f = p->fd[old];
	f.cloexec = 0;
	fd_put(p, newfd, f);
}

static void do_pipe(struct gen *g, struct gproc *p, int32_t tid)
{
	int a = fd_lowest(p);
	if (a < 0)
		return;
	p->fd[a].type = KITE_FD_PIPE; /* taken, so the next lowest is the other end */
	int b = fd_lowest(p);
	p->fd[a].type = 0;
	if (b < 0)
		return;
	uint32_t flags = rn(g, 2) ? O_CLOEXEC : 0;
	EMIT(g, KITE_EVT_PIPE2, tid, p->pid, I("res", 0), I("fd1", a), I("fd2", b), I("ino", ++g->ino),
	     I("flags", flags));
	fd_put(p, a, (struct gfd){.type = KITE_FD_PIPE, .cloexec = flags != 0});
	fd_put(p, b, (struct gfd){.type = KITE_FD_PIPE, .cloexec = flags != 0});
}

static void do_chdir(struct gen *g, struct gproc *p, int32_t tid)
{
	uint8_t d = (uint8_t)rn(g, NELEM(dirs));
	int fail = rn(g, 10) == 0;
	EMIT(g, KITE_EVT_CHDIR, tid, p->pid, I("res", fail ? -ENOENT : 0),
	     S("path", fail ? "/nonexistent" : dirs[d]));
	if (!fail)
		p->cwd = d;
}

static void do_setuid(struct gen *g, struct gproc *p, int32_t tid)
{
	uint32_t uid = rn(g, 2) ? 1000 : 33;
	int ok = p->uid == 0;
	EMIT(g, KITE_EVT_SETUID, tid, p->pid, I("res", ok ? 0 : -EPERM), I("uid", uid));
	if (ok)
		p->uid = uid;
}

static void do_fsop(struct gen *g, struct gproc *p, int32_t tid, int what)
{
	char a[64], b[64];
	snprintf(a, sizeof(a), "/tmp/kb-%08x", (unsigned)rnd(g));
	snprintf(b, sizeof(b), "/tmp/kb-%08x.old", (unsigned)rnd(g));
	int64_t res = rn(g, 5) ? 0 : -ENOENT;
	if (what == 0)
		EMIT(g, KITE_EVT_UNLINK, tid, p->pid, I("res", res), S("path", a));
	else if (what == 1)
		EMIT(g, KITE_EVT_RENAME, tid, p->pid, I("res", res), S("oldpath", a), S("newpath", b));
	else
		EMIT(g, KITE_EVT_MKDIR, tid, p->pid, I("res", res ? -EEXIST : 0), S("path", a),
		     I("mode", 0755));
}

static void do_mmap(struct gen *g, struct gproc *p, int32_t tid)
{
	int fd = fd_pick(g, p, KITE_FD_FILE);
	uint64_t len = 4096ull << rn(g, 10), addr = 0x7f0000000000ull + (rnd(g) & 0xfffff000ull);
	uint32_t vm_size = 200000 + rn(g, 100000), vm_rss = 20000 + rn(g, 10000);
	EMIT(g, KITE_EVT_MMAP, tid, p->pid, I("res", addr), I("vm_size", vm_size), I("vm_rss", vm_rss),
	     I("vm_swap", 0), I("addr", 0), I("length", len), I("prot", 1 | (fd < 0 ? 2 : 0)),
	     I("flags", fd < 0 ? 0x22 : 0x2), I("fd", fd), I("offset", 0));
}

static void misc_op(struct gen *g, struct gproc *p, int32_t tid)
{
	uint32_t r = rn(g, 100);
	if (r < 20)
		do_dup2(g, p, tid);
	else if (r < 35)
		do_pipe(g, p, tid);
	else if (r < 50)
		do_chdir(g, p, tid);
	else if (r < 55)
		do_setuid(g, p, tid);
	else if (r < 90)
		do_fsop(g, p, tid, (int)(r % 3));
	else
		do_mmap(g, p, tid);
}

/* ---- processes and threads come and go ---- */

/* A clone event, the parent's (res = child) or the child's own (res = 0). */
static void emit_clone(struct gen *g, const struct gproc *p, int32_t tid, int32_t pid, int32_t ptid,
                       int64_t res, uint64_t flags)
{
	const struct prog *pg = &progs[p->prog];
	const char *cg = cgroups[p->cg];
	EMIT(g, KITE_EVT_CLONE, tid, pid, I("res", res), S("exe", pg->exe), B("args", pg->args, pg->args_len),
	     I("tid", tid), I("pid", pid), I("ptid", ptid), S("cwd", dirs[p->cwd]), I("fdlimit", 1024),
	     S("comm", pg->comm), B("cgroups", cg, strlen(cg) + 1), I("flags", flags), I("uid", p->uid),
	     I("gid", p->gid), I("vtid", tid), I("vpid", pid));
}

static void do_exec(struct gen *g, struct gproc *p)
{
	p->prog = workers[rn(g, NELEM(workers))];
	const struct prog *pg = &progs[p->prog];
	const char *cg = cgroups[p->cg];
	EMIT(g, KITE_EVT_EXECVE, p->pid, p->pid, I("res", 0), S("exe", pg->comm),
	     B("args", pg->args, pg->args_len), I("tid", p->pid), I("pid", p->pid), I("ptid", p->ppid),
	     S("cwd", dirs[p->cwd]), S("comm", pg->comm), B("env", env, sizeof(env) - 1),
	     B("cgroups", cg, strlen(cg) + 1), I("uid", p->uid), I("gid", p->gid),
	     I("loginuid", p->uid >= 1000 ? p->uid : UINT32_MAX), S("filename", pg->exe));
	for (int n = 0; n < MAXFD; n++)
		if (p->fd[n].type && p->fd[n].cloexec)
			fd_clear(p, n);
	g->x->execs++;
}

static void do_fork(struct gen *g, struct gproc *p, int32_t tid)
{
	int32_t child = pid_alloc(g);
	struct gproc *c = proc_add(g, child, p->pid, p->prog);
	c->cwd = p->cwd;
	c->cg = p->cg;
	c->uid = p->uid;
	c->gid = p->gid;
	for (int n = 0; n < MAXFD; n++)
		if (p->fd[n].type)
			fd_put(c, n, p->fd[n]);
	int child_first = (int)rn(g, 2);
	if (child_first)
		emit_clone(g, c, child, child, tid, 0, SIGCHLD);
	emit_clone(g, p, tid, p->pid, p->ppid, child, SIGCHLD);
	if (!child_first)
		emit_clone(g, c, child, child, tid, 0, SIGCHLD);
	g->x->forks++;
	if (rn(g, 10) < 6)
		do_exec(g, c);
}

static void do_thread(struct gen *g, struct gproc *p, int32_t tid)
{
	if (p->nthr == MAXTHR)
		return;
	int32_t t = pid_alloc(g);
	p->tid[p->nthr++] = t;
	if (++g->nthreads > g->x->max_threads)
		g->x->max_threads = g->nthreads;
	emit_clone(g, p, tid, p->pid, p->ppid, t, THREAD_CLONE_FLAGS);
	emit_clone(g, p, t, p->pid, p->ppid, 0, THREAD_CLONE_FLAGS);
	g->x->thread_clones++;
}

static void thread_exit(struct gen *g, struct gproc *p, int i)
{
	EMIT(g, KITE_EVT_PROCEXIT, p->tid[i], p->pid, I("status", 0));
	g->pid_used[p->tid[i]] = 0;
	p->tid[i] = p->tid[--p->nthr];
	g->nthreads--;
	g->x->thread_exits++;
}

/* exit_group: every thread goes (the leader not always last), children go to init. */
static void do_exit(struct gen *g, struct gproc *p)
{
	int32_t status = rn(g, 4) ? 0 : (int32_t)(1 + rn(g, 3)) << 8;
	int leader_first = rn(g, 4) == 0;
	if (leader_first)
		EMIT(g, KITE_EVT_PROCEXIT, p->pid, p->pid, I("status", status));
	for (int i = p->nthr - 1; i >= 1; i--)
		EMIT(g, KITE_EVT_PROCEXIT, p->tid[i], p->pid, I("status", status));
	if (!leader_first)
		EMIT(g, KITE_EVT_PROCEXIT, p->pid, p->pid, I("status", status));
	for (int i = 0; i < p->nthr; i++)
		g->pid_used[p->tid[i]] = 0;
	g->nthreads -= p->nthr;
	for (uint32_t i = 0; i < g->nlive; i++) {
		struct gproc *c = &g->proc[g->live[i]];
		if (c->ppid == p->pid)
			c->ppid = 1;
	}
	uint16_t slot = (uint16_t)g->slot_of[p->pid];
	for (uint32_t i = 0; i < g->nlive; i++)
		if (g->live[i] == slot)
			g->live[i] = g->live[--g->nlive];
	g->slot_of[p->pid] = -1;
	p->pid = 0;
	g->x->proc_exits++;
}

static int is_spawner(const struct gproc *p)
{
	static const uint8_t spawners[] = {PG_SSHD, PG_BASH,   PG_SH,   PG_CRON,
	                                   PG_SHIM, PG_PYTHON, PG_NODE, PG_JAVA};
	for (size_t i = 0; i < NELEM(spawners); i++)
		if (p->prog == spawners[i])
			return 1;
	return 0;
}

/* Shells, cron, sshd, shims and runtimes start processes: p if it is one, else (usually) another. */
static void fork_from(struct gen *g, struct gproc *p, int32_t tid)
{
	for (int i = 0; i < 8 && !is_spawner(p); i++) {
		p = &g->proc[g->live[rn(g, g->nlive)]];
		tid = p->tid[rn(g, p->nthr)];
	}
	do_fork(g, p, tid);
}

/* A random live process that may exit (not a pinned daemon), or NULL. */
static struct gproc *pick_mortal(struct gen *g)
{
	for (int i = 0; i < 8; i++) {
		struct gproc *p = &g->proc[g->live[rn(g, g->nlive)]];
		if (!p->pinned)
			return p;
	}
	return NULL;
}

/* A random live process with threads besides its leader, or NULL. */
static struct gproc *pick_threaded(struct gen *g)
{
	for (int i = 0; i < 32; i++) {
		struct gproc *p = &g->proc[g->live[rn(g, g->nlive)]];
		if (p->nthr > 1)
			return p;
	}
	return NULL;
}

static void life_op(struct gen *g, struct gproc *p, int32_t tid)
{
	uint32_t r = rn(g, 8), noise = rn(g, 17);
	uint32_t extra = g->nthreads - g->nlive, target_extra = g->target_threads - g->target_procs;
	struct gproc *q;
	if (r < 4) {
		if (g->nlive + noise < g->target_procs + 8 || !(q = pick_mortal(g)))
			fork_from(g, p, tid);
		else
			do_exit(g, q);
	} else if (r < 6) {
		if (extra + noise < target_extra + 8)
			do_thread(g, p, tid);
		else if ((q = pick_threaded(g)))
			thread_exit(g, q, 1 + (int)rn(g, q->nthr - 1u));
	} else if (p->nthr == 1 && !p->pinned) {
		do_exec(g, p);
	} else {
		fork_from(g, p, tid);
	}
}

/* ---- the whole capture ---- */

static void step(struct gen *g)
{
	struct gproc *p = &g->proc[g->live[rn(g, g->nlive)]];
	int32_t tid = p->tid[rn(g, p->nthr)];
	uint32_t r = rn(g, 1000);
	if (r < 640)
		file_op(g, p, tid);
	else if (r < 850)
		net_op(g, p, tid);
	else if (r < 990)
		misc_op(g, p, tid);
	else
		life_op(g, p, tid);
}

static void header(struct kite_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format_version = KITE_FORMAT_VERSION;
	h->hostname = "benchhost";
	h->kernel = "6.1.0-bench";
	h->arch = "x86_64";
	h->driver = "synthetic";
	h->recorder = "kite bench/gen " KITE_VERSION;
	h->cmdline = "bench/replay";
	h->boot_ns = 1700000000000000000ull;
	h->start_ns = h->boot_ns + 3600000000000ull;
	h->ncpus = 2;
	h->snaplen = 80;
}

static void finish_expect(struct gen *g)
{
	struct kb_expect *x = g->x;
	x->procs = g->nlive;
	x->threads = g->nthreads;
	x->fds = 0;
	for (uint32_t i = 0; i < g->nlive; i++)
		x->fds += g->proc[g->live[i]].nfds;
}

int kb_generate(int fd, uint64_t nevents, uint64_t seed, struct kb_expect *x, char *err, size_t errlen)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct kite_header h;
	struct kite_writer_opts o = {.level = 3};
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(x, 0, sizeof(*x));
	memset(g->slot_of, -1, sizeof(g->slot_of));
	x->version = KB_GEN_VERSION;
	g->x = x;
	g->s = kite_schema_builtin();
	g->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	header(&h);
	g->ts = h.start_ns;
	g->w = kite_writer_open(fd, "bench", &h, g->s, &o, err, errlen);
	if (!g->w) {
		free(g);
		return -1;
	}
	snapshot_model(g);
	g->target_procs = g->nlive;
	g->target_threads = g->nthreads;
	finish_expect(g);
	x->snap_procs = x->procs, x->snap_threads = x->threads, x->snap_fds = x->fds;
	g->failed = kite_writer_snapshot_begin(g->w) != 0;
	write_snapshot(g);
	if (!g->failed)
		g->failed = kite_writer_snapshot_end(g->w) != 0;
	while (!g->failed && x->events < nevents)
		step(g);
	finish_expect(g);
	int rc = 0;
	if (g->failed) {
		snprintf(err, errlen, "writing the capture: %s", kite_writer_error(g->w));
		kite_writer_abort(g->w);
		rc = -1;
	} else {
		rc = kite_writer_close(g->w, err, errlen);
	}
	free(g);
	return rc;
}

/* ---- expectations file ---- */

#define FIELDS(X)                                                                                            \
	X(version)                                                                                           \
	X(events)                                                                                            \
	X(state_records)                                                                                     \
	X(procs)                                                                                             \
	X(threads)                                                                                           \
	X(fds) X(snap_procs) X(snap_threads) X(snap_fds) X(max_procs) X(max_threads) X(forks)                \
	        X(thread_clones) X(execs) X(proc_exits) X(thread_exits) X(pid_wraps) X(f1) X(f1_ok) X(f2)

int kb_expect_save(const char *path, const struct kb_expect *x)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
#define SAVE(k) fprintf(f, "%s %" PRIu64 "\n", #k, x->k);
	FIELDS(SAVE)
#undef SAVE
	return fclose(f) ? -1 : 0;
}

int kb_expect_load(const char *path, struct kb_expect *x)
{
	FILE *f = fopen(path, "r");
	char key[64];
	uint64_t v;
	if (!f)
		return -1;
	memset(x, 0, sizeof(*x));
	while (fscanf(f, "%63s %" SCNu64, key, &v) == 2) {
#define LOAD(k)                                                                                              \
	if (!strcmp(key, #k))                                                                                \
		x->k = v;
		FIELDS(LOAD)
#undef LOAD
	}
	fclose(f);
	if (x->version != KB_GEN_VERSION) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- the cached captures ---- */

void kb_self_dir(const char *argv0, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		snprintf(self, sizeof(self), "%s", argv0);
	else
		self[n] = '\0';
	snprintf(out, len, "%s", dirname(self));
}

void kb_capture_paths(const char *dir, uint64_t n, char *kcap, char *expect, size_t len)
{
	snprintf(kcap, len, "%s/replay-%" PRIu64 ".kcap", dir, n);
	snprintf(expect, len, "%s/replay-%" PRIu64 ".expect", dir, n);
}

static int generate(const char *kcap, const char *expect, uint64_t n, struct kb_expect *x)
{
	char tmp[PATH_MAX + 8], err[512];
	snprintf(tmp, sizeof(tmp), "%s.tmp", kcap);
	printf("- generating %s (%" PRIu64 " events) ...", kcap, n);
	fflush(stdout);
	double t0 = kb_now(CLOCK_MONOTONIC);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "\nbench: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (kb_generate(fd, n, KB_SEED, x, err, sizeof(err))) {
		fprintf(stderr, "\nbench: %s\n", err);
		close(fd);
		unlink(tmp);
		return -1;
	}
	const char *bad = close(fd)                   ? tmp
	                  : rename(tmp, kcap)         ? kcap
	                  : kb_expect_save(expect, x) ? expect
	                                              : NULL;
	if (bad) {
		fprintf(stderr, "\nbench: %s: %s\n", bad, strerror(errno));
		unlink(tmp);
		return -1;
	}
	printf(" %.1f s\n", kb_now(CLOCK_MONOTONIC) - t0);
	return 0;
}

int kb_capture(const char *dir, uint64_t n, char *kcap_out, size_t len, struct kb_expect *x)
{
	char kcap[PATH_MAX], expect[PATH_MAX];
	struct stat st;
	kb_capture_paths(dir, n, kcap, expect, sizeof(kcap));
	if (strlen(expect) + 1 >= sizeof(expect) || strlen(kcap) + 1 > len) {
		fprintf(stderr, "bench: %s: path too long\n", dir);
		return -1;
	}
	snprintf(kcap_out, len, "%s", kcap);
	if (kb_expect_load(expect, x) == 0 && x->events >= n && stat(kcap, &st) == 0)
		return 0;
	return generate(kcap, expect, n, x);
}

/* ---- shared by the benchmarks ---- */

int kb_failures;

double kb_now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kb_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	kb_failures++;
}

int kb_parse_count(const char *s, uint64_t *n)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || s[0] == '-')
		return -1;
	*n = v;
	return 0;
}
