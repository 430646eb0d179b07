/* snapshot.c - the state snapshot: processes, threads, fds (/proc), users, groups (/etc), interfaces, as state records. */
#include "snapshot.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "record.h"
#include "schema.h"

/*
 * A parameter holds at most 64 KiB: argv and the environment are cut well
 * below that, so that a whole state_proc record (both, plus cgroups and two
 * paths) always fits.
 */
#define ARGS_MAX   (32u << 10)
#define ENV_MAX    (32u << 10)
#define CGROUP_MAX (8u << 10)
#define STATUS_MAX 8192

#define PF_KTHREAD_ 0x00200000u /* /proc/PID/stat flags: a kernel thread (no mm, no exe) */

/* ---- records: parameters are set by name, then emitted in schema order ---- */

/*
 * The state_* rows of the event table are the contract, so parameters are
 * looked up by name (kite_param_index) rather than by position: a parameter
 * this code does not set is written with length 0 ("not available").
 */
struct rec {
	const struct kite_event_desc *d;
	const void *val[KITE_MAX_PARAMS];
	uint32_t len[KITE_MAX_PARAMS];
	uint64_t num[KITE_MAX_PARAMS]; /* storage for integer values */
};

static void rec_start(struct rec *r, const struct kite_event_desc *d)
{
	r->d = d;
	memset(r->len, 0, sizeof(r->len));
}

static void rec_int(struct rec *r, const char *name, uint64_t v)
{
	int i = kite_param_index(r->d, name);
	if (i < 0)
		return;
	r->num[i] = v; /* little-endian host (see record.h): the low bytes come first */
	r->val[i] = &r->num[i];
	r->len[i] = (uint16_t)kite_param_width(&r->d->params[i]); /* the width drivers use too */
}

static void rec_bytes(struct rec *r, const char *name, const void *p, size_t n)
{
	int i = kite_param_index(r->d, name);
	if (i < 0 || !p)
		return;
	r->val[i] = p;
	r->len[i] = n > 0xffff ? 0xffff : (uint32_t)n;
}

static void rec_str(struct rec *r, const char *name, const char *s)
{
	rec_bytes(r, name, s, s ? strlen(s) : 0);
}

/* ---- the snapshot's context ---- */

/* One socket from the /proc/PID/net tables, keyed by its inode. */
struct sock_info {
	uint64_t ino; /* 0: an empty slot */
	uint8_t fd_type;
	uint8_t family;
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
	char *path; /* unix sockets: the bound path, or NULL */
};

/*
 * Socket inodes come from one kernel-wide counter, so a single map serves
 * every network namespace; `netns` remembers which namespaces' tables are in
 * it, so that each is read once however many processes share it.
 */
struct sock_map {
	struct sock_info *slot;
	size_t cap, n; /* cap is a power of two */
	uint64_t *netns;
	size_t nnetns, netns_cap;
};

/* What every thread of one process shares (read once per process). */
struct proc_info {
	char exepath[PATH_MAX];
	ssize_t exepath_len; /* -1: unknown */
	struct stat exe_st;
	int has_exe_st;
	char cwd[PATH_MAX];
	ssize_t cwd_len;
	char cmdline[ARGS_MAX];
	ssize_t cmdline_len;
	char env[ENV_MAX];
	ssize_t env_len;
	char cgroups[CGROUP_MAX];
	ssize_t cgroups_len;
	uint32_t loginuid;
	int has_loginuid;
};

struct snap {
	kite_writer *w;
	const struct kite_snapshot_opts *o;
	struct kite_snapshot_stats *st;
	uint64_t boot_ns;
	long clk_tck;
	const struct kite_event_desc *proc_d, *fd_d, *user_d, *group_d, *iface_d;
	struct sock_map socks;
	struct proc_info pi; /* scratch, too big for the stack */
	struct rec r;
	char *err;
	size_t errlen;
};

static uint8_t evbuf[KITE_EVT_MAX_LEN];

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int snap_fail(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The writer's own message for a failed call (it has one whenever a call failed). */
static int writer_failed(struct snap *s)
{
	const char *msg = kite_writer_error(s->w);
	return snap_fail(s, "%s", msg ? msg : "capture writer failed");
}

/* Builds the record in evbuf and appends it: 1 written, 0 dropped, -1 on a writer error. */
static int rec_emit(struct snap *s, struct rec *r, uint32_t tid, uint32_t pid)
{
	struct kite_evt_builder b;
	kite_evt_begin(&b, evbuf, r->d->id, r->d->nparams, clock_ns(CLOCK_REALTIME), tid, pid, 0);
	for (unsigned i = 0; i < r->d->nparams; i++)
		kite_evt_add(&b, r->len[i] ? r->val[i] : NULL, r->len[i]);
	const struct kite_evt *e = kite_evt_end(&b);
	if (!e) {
		/* cannot happen with the limits above; losing one record beats losing the snapshot */
		s->st->unreadable++;
		return 0;
	}
	if (kite_writer_append(s->w, e))
		return writer_failed(s);
	return 1;
}

/* Permission errors are what a non-root recorder meets: count them, never fail. */
static void note_error(struct snap *s, int err)
{
	if (err == EACCES || err == EPERM)
		s->st->unreadable++;
}

/* ---- reading /proc files ---- */

/* Reads up to cap bytes of dir/name; the length, or -1 with errno set. */
static ssize_t read_at(int dir, const char *name, char *buf, size_t cap)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	return (ssize_t)n;
}

/* The same, NUL-terminated (buf holds cap bytes). */
static ssize_t read_text_at(int dir, const char *name, char *buf, size_t cap)
{
	ssize_t n = read_at(dir, name, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static ssize_t readlink_at(int dir, const char *name, char *buf, size_t cap)
{
	ssize_t n = readlinkat(dir, name, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The text after "\nKey:" in a /proc status file, or NULL. */
static const char *status_field(const char *status, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "\n%s:", key);
	const char *p = strstr(status, pat);
	return p ? p + strlen(pat) : NULL;
}

static uint64_t status_u(const char *status, const char *key, int base, int *ok)
{
	const char *p = status_field(status, key);
	if (!p) {
		*ok = 0;
		return 0;
	}
	*ok = 1;
	return strtoull(p, NULL, base);
}

/* The last number on a status line ("NSpid:\t4242\t1": the innermost namespace's id). */
static int64_t status_last(const char *status, const char *key, int *ok)
{
	const char *p = status_field(status, key);
	*ok = 0;
	int64_t v = 0;
	while (p && *p && *p != '\n') {
		char *end;
		long long x = strtoll(p, &end, 10);
		if (end == p)
			break;
		v = x;
		*ok = 1;
		p = end;
	}
	return v;
}

/* Three ids of a "Uid:" or "Gid:" line: real, effective, saved. */
static int status_ids(const char *status, const char *key, uint32_t id[3])
{
	const char *p = status_field(status, key);
	return p && sscanf(p, "%u %u %u", &id[0], &id[1], &id[2]) == 3;
}

/* The fields of /proc/PID/stat that state_proc needs (proc(5) numbering). */
struct task_stat {
	uint64_t ppid, pgid, sid, tty, flags, starttime;
};

static int parse_stat(char *buf, struct task_stat *ts)
{
	/* comm may hold spaces and parentheses: the fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	unsigned long long f[23] = {0};
	for (int i = 3; i <= 22; i++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		if (i == 3) { /* the state letter */
			p++;
			continue;
		}
		char *end;
		f[i] = (unsigned long long)strtoll(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	ts->ppid = f[4];
	ts->pgid = f[5];
	ts->sid = f[6];
	ts->tty = f[7]; /* the kernel already prints it in new_encode_dev layout */
	ts->flags = f[9];
	ts->starttime = f[22];
	return 0;
}

/* The kernel's new_encode_dev(), the layout of `dev` params (FORMAT.md 8.1). */
static uint32_t encode_dev(dev_t d)
{
	uint32_t ma = major(d), mi = minor(d);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

/* ---- processes and threads ---- */

/* Reads what all threads of the process in dir share. */
static void read_proc_info(struct snap *s, int dir, int kthread, struct proc_info *pi)
{
	pi->exepath_len = -1;
	pi->has_exe_st = 0;
	if (!kthread) { /* kernel threads have no executable: not an error */
		pi->exepath_len = readlink_at(dir, "exe", pi->exepath, sizeof(pi->exepath));
		if (pi->exepath_len < 0)
			note_error(s, errno);
		else
			pi->has_exe_st = fstatat(dir, "exe", &pi->exe_st, 0) == 0;
	}
	pi->cwd_len = readlink_at(dir, "cwd", pi->cwd, sizeof(pi->cwd));
	if (pi->cwd_len < 0)
		note_error(s, errno);
	pi->cmdline_len = read_at(dir, "cmdline", pi->cmdline, sizeof(pi->cmdline));
	pi->env_len = -1;
	if (!s->o->no_env && !kthread) {
		pi->env_len = read_at(dir, "environ", pi->env, sizeof(pi->env));
		if (pi->env_len < 0)
			note_error(s, errno);
	}
	pi->cgroups_len = read_at(dir, "cgroup", pi->cgroups, sizeof(pi->cgroups));
	/* a strlist: one cgroup line per string */
	for (ssize_t i = 0; i < pi->cgroups_len; i++)
		if (pi->cgroups[i] == '\n')
			pi->cgroups[i] = '\0';
	char buf[32];
	pi->has_loginuid = read_text_at(dir, "loginuid", buf, sizeof(buf)) > 0;
	pi->loginuid = pi->has_loginuid ? (uint32_t)strtoul(buf, NULL, 10) : 0;
}

static uint64_t start_ns(const struct snap *s, uint64_t ticks)
{
	uint64_t hz = (uint64_t)s->clk_tck;
	/* split to keep ticks * 1e9 from overflowing on long uptimes */
	return s->boot_ns + ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

/* The process-wide parameters of a state_proc record. */
static void put_proc_info(struct rec *r, const struct proc_info *pi)
{
	if (pi->cmdline_len > 0) {
		/* argv[0] is Falco's proc.exe, argv[1..] its proc.args */
		size_t n = strnlen(pi->cmdline, (size_t)pi->cmdline_len);
		rec_bytes(r, "exe", pi->cmdline, n);
		if (n < (size_t)pi->cmdline_len)
			rec_bytes(r, "args", pi->cmdline + n + 1, (size_t)pi->cmdline_len - n - 1);
	}
	if (pi->exepath_len >= 0) {
		rec_bytes(r, "exepath", pi->exepath, (size_t)pi->exepath_len);
		/* the bits /proc can answer; writable and overlayfs layers need the kernel's view */
		rec_int(r, "flags", strncmp(pi->exepath, "/memfd:", 7) == 0 ? KITE_EXE_FROM_MEMFD : 0);
	}
	if (pi->has_exe_st)
		rec_int(r, "exe_ino", pi->exe_st.st_ino);
	if (pi->cwd_len >= 0)
		rec_bytes(r, "cwd", pi->cwd, (size_t)pi->cwd_len);
	if (pi->env_len >= 0)
		rec_bytes(r, "env", pi->env, (size_t)pi->env_len);
	if (pi->cgroups_len >= 0)
		rec_bytes(r, "cgroups", pi->cgroups, (size_t)pi->cgroups_len);
	if (pi->has_loginuid)
		rec_int(r, "loginuid", pi->loginuid);
}

/* Credentials, capabilities and namespace ids from a thread's status file. */
static void put_status(struct rec *r, const char *status)
{
	static const struct {
		const char *key, *uid_param[3];
	} ids[] = {
	        {"Uid", {"uid", "euid", "suid"}},
	        {"Gid", {"gid", "egid", "sgid"}},
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint32_t id[3];
		if (status_ids(status, ids[i].key, id))
			for (int k = 0; k < 3; k++)
				rec_int(r, ids[i].uid_param[k], id[k]);
	}
	static const struct {
		const char *key, *param;
	} caps[] = {
	        {"CapPrm", "cap_permitted"},
	        {"CapEff", "cap_effective"},
	        {"CapInh", "cap_inheritable"},
	};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int ok;
		uint64_t v = status_u(status, caps[i].key, 16, &ok);
		if (ok)
			rec_int(r, caps[i].param, v);
	}
	int ok;
	int64_t v = status_last(status, "NStgid", &ok);
	if (ok)
		rec_int(r, "vpid", (uint64_t)v);
	v = status_last(status, "NSpid", &ok);
	if (ok)
		rec_int(r, "vtid", (uint64_t)v);
}

/* One state_proc record for thread tid of process pid (tdir: /proc/PID/task/TID). */
static int snapshot_thread(struct snap *s, int tdir, pid_t pid, pid_t tid)
{
	char statbuf[1024], status[STATUS_MAX], comm[64];
	struct task_stat ts;
	if (read_text_at(tdir, "stat", statbuf, sizeof(statbuf)) <= 0 || parse_stat(statbuf, &ts) ||
	    read_text_at(tdir, "status", status, sizeof(status)) <= 0) {
		s->st->unreadable++; /* the thread exited under us */
		return 0;
	}
	struct rec *r = &s->r;
	rec_start(r, s->proc_d);
	rec_int(r, "tid", (uint64_t)tid);
	rec_int(r, "pid", (uint64_t)pid);
	rec_int(r, "ppid", ts.ppid);
	ssize_t n = read_text_at(tdir, "comm", comm, sizeof(comm));
	if (n > 0) {
		comm[strcspn(comm, "\n")] = '\0';
		rec_str(r, "comm", comm);
	}
	put_proc_info(r, &s->pi);
	put_status(r, status);
	rec_int(r, "tty", ts.tty);
	rec_int(r, "start_ts", start_ns(s, ts.starttime));
	rec_int(r, "pgid", ts.pgid);
	rec_int(r, "sid", ts.sid);
	int rc = rec_emit(s, r, (uint32_t)tid, (uint32_t)pid);
	if (rc > 0)
		s->st->threads++;
	return rc;
}

static int is_number(const char *name)
{
	if (!*name)
		return 0;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return 0;
	return 1;
}

/* Opens a directory below dir for readdir; NULL with errno set. */
static DIR *open_dir_at(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* Every thread of the process in dir; returns how many were written, or -1. */
static int snapshot_threads(struct snap *s, int dir, pid_t pid)
{
	DIR *d = open_dir_at(dir, "task");
	if (!d) {
		s->st->unreadable++;
		return 0;
	}
	int count = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_number(de->d_name))
			continue;
		int tdir = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tdir < 0)
			continue; /* exited between readdir and open */
		int rc = snapshot_thread(s, tdir, pid, (pid_t)atoi(de->d_name));
		close(tdir);
		if (rc < 0) {
			closedir(d);
			return -1;
		}
		count += rc;
	}
	closedir(d);
	return count;
}

/* ---- sockets: the /proc/PID/net tables ---- */

static size_t sock_hash(uint64_t ino, size_t cap)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static struct sock_info *sock_find(const struct sock_map *m, uint64_t ino)
{
	if (!m->cap)
		return NULL;
	for (size_t i = sock_hash(ino, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->slot[i].ino == ino)
			return &m->slot[i];
		if (!m->slot[i].ino)
			return NULL;
	}
}

static int sock_grow(struct sock_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	struct sock_info *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slot[i].ino)
			continue;
		size_t j = sock_hash(m->slot[i].ino, ncap);
		while (ns[j].ino)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = ns;
	m->cap = ncap;
	return 0;
}

/* Adds a socket (a duplicate inode keeps the first entry); out of memory only loses detail. */
static void sock_add(struct sock_map *m, const struct sock_info *si)
{
	if (!si->ino || sock_find(m, si->ino))
		return;
	if ((m->n + 1) * 2 > m->cap && sock_grow(m))
		return;
	size_t i = sock_hash(si->ino, m->cap);
	while (m->slot[i].ino)
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = *si;
	if (si->path)
		m->slot[i].path = strdup(si->path);
	m->n++;
}

static void sock_map_free(struct sock_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].path);
	free(m->slot);
	free(m->netns);
	memset(m, 0, sizeof(*m));
}

/*
 * "0100007F:1F90": the kernel prints each 32-bit word of the address with
 * %08X as a host-order number, so on this (the recording) host the word's
 * bytes in memory are the address in network order.
 */
static int parse_hex_addr(const char *s, uint8_t *addr, size_t alen, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) != alen * 2)
		return -1;
	for (size_t i = 0; i < alen / 4; i++) {
		char word[9];
		memcpy(word, s + 8 * i, 8);
		word[8] = '\0';
		uint32_t v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(addr + 4 * i, &v, 4);
	}
	*port = (uint16_t)strtoul(colon + 1, NULL, 16);
	return 0;
}

/* A line of tcp, udp, raw, icmp (and their 6 forms): "sl local rem st queues tr retr uid timeout inode". */
static int parse_inet_line(const char *line, int family, struct sock_info *si)
{
	char la[64], ra[64];
	unsigned long long ino;
	if (sscanf(line, " %*d: %63s %63s %*x %*x:%*x %*x:%*x %*x %*u %*d %llu", la, ra, &ino) != 3)
		return -1;
	size_t alen = family == AF_INET ? 4 : 16;
	memset(si, 0, sizeof(*si));
	if (parse_hex_addr(la, si->laddr, alen, &si->lport) ||
	    parse_hex_addr(ra, si->raddr, alen, &si->rport))
		return -1;
	si->ino = ino;
	si->family = (uint8_t)family;
	si->fd_type = family == AF_INET ? KITE_FD_IPV4_SOCK : KITE_FD_IPV6_SOCK;
	return 0;
}

/* "Num RefCount Protocol Flags Type St Inode Path"; abstract names show with a leading '@'. */
static int parse_unix_line(char *line, struct sock_info *si)
{
	unsigned long long ino;
	int n = 0;
	if (sscanf(line, "%*x: %*x %*x %*x %*x %*x %llu%n", &ino, &n) != 1 || !n)
		return -1;
	memset(si, 0, sizeof(*si));
	si->ino = ino;
	si->family = AF_UNIX;
	si->fd_type = KITE_FD_UNIX_SOCK;
	char *path = line + n;
	path += strspn(path, " ");
	path[strcspn(path, "\n")] = '\0';
	si->path = *path ? path : NULL;
	return 0;
}

/* "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode" */
static int parse_netlink_line(const char *line, struct sock_info *si)
{
	unsigned long long ino;
	if (sscanf(line, "%*x %*d %*u %*x %*d %*d %*d %*d %*u %llu", &ino) != 1)
		return -1;
	memset(si, 0, sizeof(*si));
	si->ino = ino;
	si->family = AF_NETLINK;
	si->fd_type = KITE_FD_NETLINK;
	return 0;
}

static const struct net_table {
	const char *file;
	int family;
} net_tables[] = {
        {"net/tcp", AF_INET},       {"net/udp", AF_INET},     {"net/raw", AF_INET},
        {"net/icmp", AF_INET},      {"net/udplite", AF_INET}, {"net/tcp6", AF_INET6},
        {"net/udp6", AF_INET6},     {"net/raw6", AF_INET6},   {"net/icmp6", AF_INET6},
        {"net/udplite6", AF_INET6}, {"net/unix", AF_UNIX},    {"net/netlink", AF_NETLINK},
};

static void read_net_table(struct snap *s, int dir, const struct net_table *t)
{
	int fd = openat(dir, t->file, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return; /* a protocol this kernel lacks, or the process is gone */
	}
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct sock_info si;
		int rc = t->family == AF_UNIX      ? parse_unix_line(line, &si)
		         : t->family == AF_NETLINK ? parse_netlink_line(line, &si)
		                                   : parse_inet_line(line, t->family, &si);
		if (rc == 0) /* header lines fail to parse and are skipped */
			sock_add(&s->socks, &si);
	}
	free(line);
	fclose(f);
}

static int netns_loaded(const struct sock_map *m, uint64_t ns)
{
	for (size_t i = 0; i < m->nnetns; i++)
		if (m->netns[i] == ns)
			return 1;
	return 0;
}

static void netns_remember(struct sock_map *m, uint64_t ns)
{
	if (m->nnetns == m->netns_cap) {
		size_t ncap = m->netns_cap ? m->netns_cap * 2 : 16;
		uint64_t *p = realloc(m->netns, ncap * sizeof(*p));
		if (!p)
			return;
		m->netns = p;
		m->netns_cap = ncap;
	}
	m->netns[m->nnetns++] = ns;
}

/* Loads the socket tables of the network namespace of the process in dir, once per namespace. */
static void load_netns(struct snap *s, int dir)
{
	struct stat ns;
	uint64_t key = fstatat(dir, "ns/net", &ns, 0) == 0 ? (uint64_t)ns.st_ino : 0;
	if (key && netns_loaded(&s->socks, key))
		return;
	for (size_t i = 0; i < sizeof(net_tables) / sizeof(net_tables[0]); i++)
		read_net_table(s, dir, &net_tables[i]);
	if (key)
		netns_remember(&s->socks, key);
}

/* ---- fds ---- */

/* anon_inode:NAME → fd type, as readlink(/proc/PID/fd/N) shows them. */
static const struct {
	const char *name;
	uint8_t type;
} anon_types[] = {
        {"[eventfd]", KITE_FD_EVENT},
        {"[eventpoll]", KITE_FD_EVENTPOLL},
        {"[signalfd]", KITE_FD_SIGNALFD},
        {"[timerfd]", KITE_FD_TIMERFD},
        {"inotify", KITE_FD_INOTIFY},
        {"bpf-map", KITE_FD_BPF},
        {"bpf-prog", KITE_FD_BPF},
        {"bpf_link", KITE_FD_BPF},
        {"btf", KITE_FD_BPF},
        {"[userfaultfd]", KITE_FD_USERFAULTFD},
        {"[io_uring]", KITE_FD_IO_URING},
        {"[pidfd]", KITE_FD_PIDFD},
};

static uint8_t anon_inode_type(const char *name)
{
	for (size_t i = 0; i < sizeof(anon_types) / sizeof(anon_types[0]); i++)
		if (strcmp(name, anon_types[i].name) == 0)
			return anon_types[i].type;
	return KITE_FD_UNKNOWN;
}

/*
 * The fd type of a socket /proc/PID/net does not list (a packet socket, a
 * namespace we cannot read, one created after its table was read), from the
 * protocol name sockfs reports for it.
 */
static uint8_t sock_type_by_proto(pid_t pid, int fd)
{
	char path[64], proto[32];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	ssize_t n = getxattr(path, "system.sockprotoname", proto, sizeof(proto) - 1);
	if (n <= 0)
		return KITE_FD_OTHER_SOCK;
	proto[n] = '\0';
	size_t len = strlen(proto);
	if (strncmp(proto, "UNIX", 4) == 0)
		return KITE_FD_UNIX_SOCK;
	if (strcmp(proto, "NETLINK") == 0)
		return KITE_FD_NETLINK;
	if (len > 2 && strcmp(proto + len - 2, "v6") == 0)
		return KITE_FD_IPV6_SOCK;
	static const char *const inet4[] = {"TCP", "UDP", "RAW", "UDP-Lite", "PING", "MPTCP"};
	for (size_t i = 0; i < sizeof(inet4) / sizeof(inet4[0]); i++)
		if (strcmp(proto, inet4[i]) == 0)
			return KITE_FD_IPV4_SOCK;
	return KITE_FD_OTHER_SOCK;
}

/* "addr:port", IPv6 without brackets (as Falco's fd.name). */
static size_t format_endpoint(char *out, size_t cap, int family, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, a, sizeof(a)))
		a[0] = '\0';
	int n = snprintf(out, cap, "%s:%u", a, port);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/*
 * Falco's fd.name and the tuple (FORMAT.md 8.2) of an IP socket: the local
 * end is the source.  A socket with no remote end (listening, unconnected
 * UDP) is named by its local address only.
 */
static void put_inet_socket(struct rec *r, const struct sock_info *si, char *name, size_t namecap,
                            uint8_t *tuple)
{
	size_t alen = si->family == AF_INET ? 4 : 16;
	static const uint8_t zero[16];
	int connected = si->rport || memcmp(si->raddr, zero, alen);
	size_t n = format_endpoint(name, namecap, si->family, si->laddr, si->lport);
	if (connected) {
		n += (size_t)snprintf(name + n, namecap - n, "->");
		format_endpoint(name + n, namecap - n, si->family, si->raddr, si->rport);
	}
	rec_str(r, "name", name);
	uint8_t *p = tuple;
	*p++ = si->family == AF_INET ? 2 : 10;
	memcpy(p, si->laddr, alen);
	p += alen;
	memcpy(p, &si->lport, 2);
	p += 2;
	memcpy(p, si->raddr, alen);
	p += alen;
	memcpy(p, &si->rport, 2);
	p += 2;
	rec_bytes(r, "tuple", tuple, (size_t)(p - tuple));
}

/* A unix socket: named by its path; the tuple's socket addresses are not in /proc (0). */
static void put_unix_socket(struct rec *r, const struct sock_info *si, uint8_t *tuple)
{
	const char *path = si->path ? si->path : "";
	size_t plen = strlen(path);
	if (plen > PATH_MAX)
		plen = PATH_MAX;
	rec_bytes(r, "name", path, plen);
	memset(tuple, 0, 17);
	tuple[0] = 1;
	memcpy(tuple + 17, path, plen);
	if (path[0] == '@') /* /proc shows an abstract name's leading NUL as '@' */
		tuple[17] = '\0';
	rec_bytes(r, "tuple", tuple, 17 + plen);
}

/* Type, name and tuple of the socket with inode ino (looked up in its namespace's tables). */
static void put_socket(struct snap *s, struct rec *r, int dir, pid_t pid, int fd, uint64_t ino, int *ns_tried,
                       char *name, size_t namecap, uint8_t *tuple)
{
	const struct sock_info *si = sock_find(&s->socks, ino);
	if (!si && !*ns_tried) {
		*ns_tried = 1;
		load_netns(s, dir);
		si = sock_find(&s->socks, ino);
	}
	if (!si) {
		rec_int(r, "type", sock_type_by_proto(pid, fd));
		return;
	}
	rec_int(r, "type", si->fd_type);
	if (si->family == AF_INET || si->family == AF_INET6)
		put_inet_socket(r, si, name, namecap, tuple);
	else if (si->family == AF_UNIX)
		put_unix_socket(r, si, tuple);
}

/* Type and name of a non-socket fd from its link text and the file's mode. */
static void put_file(struct rec *r, const char *link, size_t linklen, const struct stat *st, int has_st)
{
	uint8_t type = KITE_FD_UNKNOWN; /* nsfs ("net:[...]") and other pseudo files */
	if (strncmp(link, "pipe:[", 6) == 0)
		type = KITE_FD_PIPE;
	else if (strncmp(link, "anon_inode:", 11) == 0)
		type = anon_inode_type(link + 11);
	else if (strncmp(link, "/memfd:", 7) == 0)
		type = KITE_FD_MEMFD;
	else if (link[0] == '/')
		type = has_st && S_ISDIR(st->st_mode) ? KITE_FD_DIRECTORY : KITE_FD_FILE;
	rec_int(r, "type", type);
	/* the link text as the kernel shows it: "/path (deleted)", "pipe:[123]", ... */
	rec_bytes(r, "name", link, linklen);
}

/* The open flags from /proc/PID/fdinfo/N ("flags:\t0100002", octal). */
static int read_fd_flags(int dir, int fd, uint32_t *flags)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "fdinfo/%d", fd);
	if (read_text_at(dir, path, buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strstr(buf, "flags:");
	if (!p)
		return -1;
	*flags = (uint32_t)strtoul(p + 6, NULL, 8);
	return 0;
}

/* One state_fd record: 1 written, 0 skipped (closed under us), -1 writer error, -2 access denied. */
static int snapshot_fd(struct snap *s, int dir, pid_t pid, int fd, int *ns_tried)
{
	char path[64], link[PATH_MAX], name[2 * INET6_ADDRSTRLEN + 16];
	uint8_t tuple[17 + PATH_MAX + 1];
	snprintf(path, sizeof(path), "fd/%d", fd);
	ssize_t linklen = readlink_at(dir, path, link, sizeof(link));
	if (linklen < 0)
		return errno == EACCES || errno == EPERM ? -2 : 0;
	struct stat st;
	int has_st = fstatat(dir, path, &st, 0) == 0;
	struct rec *r = &s->r;
	rec_start(r, s->fd_d);
	rec_int(r, "pid", (uint64_t)pid);
	rec_int(r, "fd", (uint64_t)fd);
	unsigned long long ino;
	if (sscanf(link, "socket:[%llu]", &ino) == 1)
		put_socket(s, r, dir, pid, fd, ino, ns_tried, name, sizeof(name), tuple);
	else
		put_file(r, link, (size_t)linklen, &st, has_st);
	uint32_t flags;
	if (read_fd_flags(dir, fd, &flags) == 0)
		rec_int(r, "flags", flags);
	if (has_st) {
		rec_int(r, "ino", st.st_ino);
		rec_int(r, "dev", encode_dev(st.st_dev));
	}
	return rec_emit(s, r, (uint32_t)pid, (uint32_t)pid);
}

/* Every open fd of the process in dir (fds belong to the process, not to each thread). */
static int snapshot_fds(struct snap *s, int dir, pid_t pid)
{
	DIR *d = open_dir_at(dir, "fd");
	if (!d) {
		note_error(s, errno);
		return 0;
	}
	int ns_tried = 0, rc = 0;
	struct dirent *de;
	while (rc >= 0 && (de = readdir(d))) {
		if (!is_number(de->d_name))
			continue;
		/* our own /proc handles are artefacts of looking, not state */
		int fd = atoi(de->d_name);
		if (pid == getpid() && (fd == dirfd(d) || fd == dir))
			continue;
		rc = snapshot_fd(s, dir, pid, fd, &ns_tried);
		if (rc > 0)
			s->st->fds++;
	}
	closedir(d);
	if (rc == -2) { /* the directory lists, but every link is denied alike: count the table once */
		s->st->unreadable++;
		return 0;
	}
	return rc < 0 ? -1 : 0;
}

/* One process: a state_proc per thread, then its fds. */
static int snapshot_process(struct snap *s, pid_t pid)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char statbuf[1024];
	struct task_stat ts;
	if (dir < 0 || read_text_at(dir, "stat", statbuf, sizeof(statbuf)) <= 0 || parse_stat(statbuf, &ts)) {
		s->st->unreadable++; /* gone before we got to it */
		if (dir >= 0)
			close(dir);
		return 0;
	}
	read_proc_info(s, dir, (ts.flags & PF_KTHREAD_) != 0, &s->pi);
	int n = snapshot_threads(s, dir, pid);
	int rc = n < 0 ? -1 : 0;
	if (n > 0) {
		s->st->processes++;
		rc = snapshot_fds(s, dir, pid);
	}
	close(dir);
	return rc;
}

/* ---- which processes ---- */

struct pid_list {
	pid_t *pid;
	pid_t *ppid; /* filled only when following descendants */
	size_t n, cap;
};

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Every process in /proc, sorted; -1 if /proc cannot be listed. */
static int list_processes(struct pid_list *pl)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_number(de->d_name))
			continue;
		if (pl->n == pl->cap) {
			size_t ncap = pl->cap ? pl->cap * 2 : 512;
			pid_t *p = realloc(pl->pid, ncap * sizeof(*p));
			if (!p)
				break;
			pl->pid = p;
			pl->cap = ncap;
		}
		pl->pid[pl->n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	qsort(pl->pid, pl->n, sizeof(pid_t), pid_cmp);
	return 0;
}

static pid_t read_ppid(pid_t pid)
{
	char path[32], buf[1024];
	struct task_stat ts;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0 || parse_stat(buf, &ts))
		return -1;
	return (pid_t)ts.ppid;
}

/* Whether process i has root among its ancestors (or is root), following ppid links. */
static int descends_from(const struct pid_list *pl, size_t i, pid_t root)
{
	pid_t p = pl->pid[i];
	for (int depth = 0; depth < 4096 && p > 0; depth++) {
		if (p == root)
			return 1;
		pid_t *at = bsearch(&p, pl->pid, pl->n, sizeof(pid_t), pid_cmp);
		if (!at)
			return 0;
		p = pl->ppid[at - pl->pid];
	}
	return 0;
}

/* Keeps the processes in scope: root and its descendants. */
static void select_descendants(struct pid_list *pl, pid_t root)
{
	pl->ppid = malloc((pl->n + 1) * sizeof(pid_t));
	char *keep = calloc(pl->n + 1, 1);
	if (!pl->ppid || !keep) { /* out of memory: at least the process asked for */
		free(keep);
		pl->n = pl->cap ? 1 : 0;
		if (pl->n)
			pl->pid[0] = root;
		return;
	}
	for (size_t i = 0; i < pl->n; i++)
		pl->ppid[i] = read_ppid(pl->pid[i]);
	/* mark first, compact after: descends_from searches the whole sorted list */
	for (size_t i = 0; i < pl->n; i++)
		keep[i] = (char)descends_from(pl, i, root);
	size_t k = 0;
	for (size_t i = 0; i < pl->n; i++)
		if (keep[i])
			pl->pid[k++] = pl->pid[i];
	pl->n = k;
	free(keep);
}

/* The process a thread id belongs to (a --pid may name any thread); the id itself if unknown. */
static pid_t thread_group_of(pid_t tid)
{
	char path[32], status[STATUS_MAX];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int ok = 0;
	uint64_t tgid = 0;
	if (read_text_at(AT_FDCWD, path, status, sizeof(status)) > 0)
		tgid = status_u(status, "Tgid", 10, &ok);
	return ok && tgid ? (pid_t)tgid : tid;
}

static int snapshot_processes(struct snap *s)
{
	const struct kite_snapshot_opts *o = s->o;
	pid_t root = o->pid ? thread_group_of(o->pid) : 0;
	if (root && !o->follow)
		return snapshot_process(s, root);
	struct pid_list pl = {0};
	if (list_processes(&pl)) {
		s->st->unreadable++;
		return 0;
	}
	if (root)
		select_descendants(&pl, root);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < pl.n; i++)
		rc = snapshot_process(s, pl.pid[i]);
	free(pl.pid);
	free(pl.ppid);
	return rc;
}

/* ---- users, groups, interfaces ---- */

/* Splits line at ':' into at most n fields (empty fields kept); returns how many. */
static int split_colon(char *line, char **f, int n)
{
	line[strcspn(line, "\n")] = '\0';
	int k = 0;
	while (k < n) {
		f[k++] = line;
		char *c = strchr(line, ':');
		if (!c)
			break;
		*c = '\0';
		line = c + 1;
	}
	return k;
}

/*
 * Users and groups are parsed from /etc/passwd and /etc/group rather than
 * read with getpwent/getgrent: NSS could load modules, contact LDAP or sssd,
 * or enumerate a whole directory service on a host under investigation, and
 * does not work in a static binary.  Only local accounts are recorded.
 */
static int snapshot_etc_file(struct snap *s, const char *file, int (*emit)(struct snap *, char **, int))
{
	FILE *f = fopen(file, "re");
	if (!f) {
		note_error(s, errno);
		return 0;
	}
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	while (rc >= 0 && getline(&line, &cap, f) > 0) {
		if (line[0] == '#' || line[0] == '+' || line[0] == '-' || line[0] == '\n')
			continue; /* comments and NIS compat entries */
		char *fld[7];
		int n = split_colon(line, fld, 7);
		rc = emit(s, fld, n);
	}
	free(line);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

/* name:password:uid:gid:gecos:home:shell */
static int emit_user(struct snap *s, char **f, int n)
{
	if (n < 4 || !is_number(f[2]) || !is_number(f[3]))
		return 0;
	struct rec *r = &s->r;
	rec_start(r, s->user_d);
	rec_int(r, "uid", strtoul(f[2], NULL, 10));
	rec_int(r, "gid", strtoul(f[3], NULL, 10));
	rec_str(r, "name", f[0]);
	if (n > 5)
		rec_str(r, "home", f[5]);
	if (n > 6)
		rec_str(r, "shell", f[6]);
	int rc = rec_emit(s, r, 0, 0);
	if (rc > 0)
		s->st->users++;
	return rc;
}

/* name:password:gid:members */
static int emit_group(struct snap *s, char **f, int n)
{
	if (n < 3 || !is_number(f[2]))
		return 0;
	struct rec *r = &s->r;
	rec_start(r, s->group_d);
	rec_int(r, "gid", strtoul(f[2], NULL, 10));
	rec_str(r, "name", f[0]);
	int rc = rec_emit(s, r, 0, 0);
	if (rc > 0)
		s->st->groups++;
	return rc;
}

/* A sockaddr param (FORMAT.md 8.2) of an interface address, port 0; its length, 0 if not IP. */
static size_t encode_sockaddr(const struct sockaddr *sa, uint8_t *out)
{
	static const uint16_t port = 0;
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		out[0] = 2;
		memcpy(out + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		memcpy(out + 5, &port, 2);
		return 7;
	}
	if (sa->sa_family == AF_INET6) {
		out[0] = 10;
		memcpy(out + 1, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		memcpy(out + 17, &port, 2);
		return 19;
	}
	return 0;
}

/* One state_iface per IPv4/IPv6 address (interfaces without an IP address are not recorded). */
static int snapshot_ifaces(struct snap *s)
{
	struct ifaddrs *list;
	if (getifaddrs(&list)) {
		note_error(s, errno);
		return 0;
	}
	int rc = 0;
	for (struct ifaddrs *a = list; rc >= 0 && a; a = a->ifa_next) {
		uint8_t addr[19], mask[19];
		size_t alen = encode_sockaddr(a->ifa_addr, addr);
		if (!alen)
			continue;
		size_t mlen = encode_sockaddr(a->ifa_netmask, mask);
		char base[IF_NAMESIZE + 1];
		snprintf(base, sizeof(base), "%s", a->ifa_name);
		base[strcspn(base, ":")] = '\0'; /* an alias label "eth0:1" has the index of eth0 */
		struct rec *r = &s->r;
		rec_start(r, s->iface_d);
		rec_str(r, "name", a->ifa_name);
		rec_int(r, "family", a->ifa_addr->sa_family);
		rec_bytes(r, "addr", addr, alen);
		if (mlen)
			rec_bytes(r, "netmask", mask, mlen);
		unsigned idx = if_nametoindex(base);
		if (idx)
			rec_int(r, "ifindex", idx);
		rc = rec_emit(s, r, 0, 0);
		if (rc > 0)
			s->st->ifaces++;
	}
	freeifaddrs(list);
	return rc < 0 ? -1 : 0;
}

/* ---- the whole snapshot ---- */

static int find_events(struct snap *s)
{
	const struct kite_schema *sc = kite_schema_builtin();
	s->proc_d = kite_schema_find(sc, "state_proc");
	s->fd_d = kite_schema_find(sc, "state_fd");
	s->user_d = kite_schema_find(sc, "state_user");
	s->group_d = kite_schema_find(sc, "state_group");
	s->iface_d = kite_schema_find(sc, "state_iface");
	if (!s->proc_d || !s->fd_d || !s->user_d || !s->group_d || !s->iface_d)
		return snap_fail(s, "snapshot: the schema lacks a state_* record type");
	return 0;
}

static int snapshot_all(struct snap *s)
{
	if (snapshot_etc_file(s, "/etc/passwd", emit_user) ||
	    snapshot_etc_file(s, "/etc/group", emit_group) || snapshot_ifaces(s))
		return -1;
	return snapshot_processes(s);
}

int kite_snapshot_write(kite_writer *w, const struct kite_snapshot_opts *o, struct kite_snapshot_stats *st,
                        char *err, size_t errlen)
{
	struct kite_snapshot_stats local;
	struct snap *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "snapshot: out of memory");
		return -1;
	}
	s->w = w;
	s->o = o;
	s->st = st ? st : &local;
	memset(s->st, 0, sizeof(*s->st));
	s->err = err;
	s->errlen = errlen;
	s->clk_tck = sysconf(_SC_CLK_TCK);
	if (s->clk_tck <= 0)
		s->clk_tck = 100;
	/* without a boot time from the caller, derive it as the header does */
	s->boot_ns = o->boot_ns ? o->boot_ns : clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	int rc = find_events(s);
	if (rc == 0 && kite_writer_snapshot_begin(w))
		rc = writer_failed(s);
	if (rc == 0)
		rc = snapshot_all(s);
	if (rc == 0 && kite_writer_snapshot_end(w))
		rc = writer_failed(s);
	sock_map_free(&s->socks);
	free(s);
	return rc;
}
