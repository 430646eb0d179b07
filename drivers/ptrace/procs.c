/* procs.c - the ptrace driver's process parameters (exec, clone family, procexit) read from /proc, as the eBPF driver fills them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kp.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

static ssize_t read_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	/* a short read is the end of a /proc file: no second read to learn it */
	while (n < cap && (r = read(fd, (char *)buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if ((size_t)r < 2048 && n < cap)
			break;
	}
	close(fd);
	return (ssize_t)n;
}

/* A /proc file as a NUL-terminated text, or NULL. */
static char *read_text(const char *path, char *buf, size_t cap)
{
	ssize_t n = read_file(path, buf, cap - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Without swap space, no process has any swapped out (vm_swap 0 without reading status). */
static int host_has_no_swap(void)
{
	char buf[8192];
	const char *p = read_text("/proc/meminfo", buf, sizeof(buf)) ? strstr(buf, "SwapTotal:") : NULL;
	return p && strtoull(p + 10, NULL, 10) == 0;
}

static const char *task_stat(struct kp_event *ev)
{
	char path[64];
	if (!ev->stat) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", ev->t->pid, ev->t->tid);
		ev->stat = read_text(path, ev->stat_buf, sizeof(ev->stat_buf));
	}
	return ev->stat;
}

static const char *task_status(struct kp_event *ev)
{
	char path[64];
	if (!ev->status) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", ev->t->pid, ev->t->tid);
		ev->status = read_text(path, ev->status_buf, sizeof(ev->status_buf));
	}
	return ev->status;
}

/* Field n (1-based, as proc(5) numbers them) of a stat line; 0 if absent. */
static uint64_t stat_field(const char *stat, int n)
{
	const char *p = stat ? strrchr(stat, ')') : NULL; /* comm may hold spaces */
	if (!p)
		return 0;
	p += 2;
	for (int i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

static const char *status_line(const char *status, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0)
			return p + k;
	return NULL;
}

/* Field i (0-based) of a status line, in base. */
static uint64_t status_u(const char *status, const char *key, int i, int base, int *ok)
{
	const char *p = status_line(status, key);
	*ok = p != NULL;
	char *end;
	uint64_t v = 0;
	for (int k = 0; p && k <= i; k++) {
		v = strtoull(p, &end, base);
		*ok = end != p;
		p = end;
	}
	return v;
}

/* The last number of a status line (NSpid: the innermost pid namespace's). */
static uint64_t status_last(const char *status, const char *key, int *ok)
{
	const char *p = status_line(status, key);
	uint64_t v = 0;
	char *end;
	*ok = 0;
	while (p) {
		uint64_t x = strtoull(p, &end, 10);
		if (end == p)
			break;
		v = x;
		*ok = 1;
		p = end;
	}
	return v;
}

static uint32_t put_int(uint8_t *out, uint64_t v, uint32_t width)
{
	memcpy(out, &v, width);
	return width;
}

/*
 * /proc/PID/status is the costly file to render: the values it alone has
 * are taken elsewhere where possible (stat, capget, the pid namespace's
 * inode), and it is read only when needed.
 */
static void tracer_facts(struct kp_tracer *tr)
{
	struct stat st;
	char buf[4096];
	int ok;
	if (tr->own_pidns)
		return;
	tr->own_pidns = stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 1;
	tr->no_swap = host_has_no_swap();
	const char *ns = read_text("/proc/self/status", buf, sizeof(buf)) ? status_line(buf, "NSpid:") : NULL;
	tr->own_pidns_level0 = ns && status_last(buf, "NSpid:", &ok) == (uint64_t)getpid();
}

/* Is the task in the recorder's pid namespace (then its ids there are the ones /proc shows)? */
static int same_pid_ns(struct kp_event *ev)
{
	char path[64];
	struct stat st;
	tracer_facts(ev->tr);
	if (ev->same_ns < 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", ev->t->tid);
		ev->same_ns = stat(path, &st) == 0 && (uint64_t)st.st_ino == ev->tr->own_pidns;
	}
	return ev->same_ns;
}

static int caps_of(pid_t tid, uint64_t out[3]) /* inheritable, permitted, effective */
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, tid};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	out[0] = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	out[1] = d[0].permitted | (uint64_t)d[1].permitted << 32;
	out[2] = d[0].effective | (uint64_t)d[1].effective << 32;
	return 0;
}

/* argv[0] (exe), what follows it (args), or the environment, as the eBPF driver cuts them. */
static uint32_t put_mm(struct kp_event *ev, const char *file, int what, uint8_t *out)
{
	char path[64];
	ssize_t n;
	if (what < 2) { /* exe and args: the command line, read once per event */
		if (ev->cmdline_len < 0) {
			snprintf(path, sizeof(path), "/proc/%d/%s", ev->t->pid, file);
			ev->cmdline_len = read_file(path, ev->cmdline, sizeof(ev->cmdline));
		}
		n = ev->cmdline_len;
		if (n > 0)
			memcpy(out, ev->cmdline, (size_t)n);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/%s", ev->t->pid, file);
		n = read_file(path, out, KB_STR_MAX * 2);
	}
	if (n <= 0)
		return 0;
	size_t first = strnlen((char *)out, (size_t)n);
	if (what == 0) /* exe: argv[0] */
		return (uint32_t)(first < KB_STR_MAX ? first : KB_STR_MAX - 1);
	size_t start = 0;
	if (what == 1) { /* args: after argv[0] and its NUL */
		if (first + 1 >= (size_t)n)
			return 0;
		start = first + 1;
	}
	size_t len = (size_t)n - start;
	if (len > KB_STR_MAX - 1)
		len = KB_STR_MAX - 1;
	memmove(out, out + start, len);
	return (uint32_t)len;
}

static uint32_t put_link(const char *path, uint8_t *out)
{
	ssize_t n = readlink(path, (char *)out, KB_STR_MAX - 1);
	return n > 0 ? (uint32_t)n : 0;
}

/* "0::/path" NUL, then the v1 memory controller's line where there is one, as the eBPF driver writes them. */
static uint32_t put_cgroups(struct kp_event *ev, uint8_t *out)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", ev->t->pid);
	if (!read_text(path, buf, sizeof(buf)))
		return 0;
	uint32_t n = 0;
	char *save, *mem = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) == 0 && n == 0) {
			size_t l = strlen(line);
			if (l > 2040)
				return 0;
			memcpy(out, line, l + 1);
			n = (uint32_t)l + 1;
		} else {
			char *c = strchr(line, ':');
			if (c && strncmp(c, ":memory:", 8) == 0)
				mem = line;
		}
	}
	if (n && mem && strlen(mem) < 2040) {
		memcpy(out + n, mem, strlen(mem));
		n += (uint32_t)strlen(mem);
	}
	return n;
}

/*
 * Which overlayfs layer the executable is in: a file of an overlay mount
 * whose upper directory holds it (seen from the tracee's root) is in the
 * upper layer, any other overlay file in a lower one.
 */
static uint32_t exe_flags(struct kp_event *ev)
{
	char path[64], exe[4096];
	uint32_t flags = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", ev->t->pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if (strncmp(exe, "/memfd:", 7) == 0)
		flags |= 0x4;
	struct statfs sf;
	if (statfs(path, &sf) || sf.f_type != OVERLAYFS_SUPER_MAGIC)
		return flags;
	flags |= 0x8; /* lower, unless found in an upper directory */
	char mi[64];
	snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", ev->t->pid);
	FILE *f = fopen(mi, "re");
	char line[4096];
	size_t best = 0;
	int upper = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[1024], fstype[64], opts[2048];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %2047s", fstype, opts) != 2 || strcmp(fstype, "overlay"))
			continue;
		size_t ml = strlen(mnt);
		if (strncmp(exe, mnt, ml) || exe[ml] != '/' || ml < best)
			continue;
		const char *u = strstr(opts, "upperdir=");
		if (!u)
			continue;
		char up[1024], cand[4096 + 1100];
		sscanf(u + 9, "%1023[^,]", up);
		snprintf(cand, sizeof(cand), "/proc/%d/root%s%s", ev->t->pid, up, exe + ml);
		struct stat st;
		best = ml;
		upper = lstat(cand, &st) == 0;
	}
	if (f)
		fclose(f);
	if (upper)
		flags = (flags & ~0x8u) | 0x2;
	return flags;
}

static uint64_t start_time_of(struct kp_event *ev, pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!read_text(path, buf, sizeof(buf)))
		return 0;
	uint64_t ticks = stat_field(buf, 22);
	long hz = sysconf(_SC_CLK_TCK);
	return ev->tr->o.boot_ns + ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
}

/* The start time of the init of the task's pid namespace (the host's: pid 1), epoch ns. */
static uint64_t pidns_init_start(struct kp_event *ev)
{
	char path[64];
	pid_t cur = ev->t->pid;
	int ok;
	if (same_pid_ns(ev) && ev->tr->own_pidns_level0) { /* the host's namespace: pid 1, looked up once */
		if (!ev->tr->host_init_start)
			ev->tr->host_init_start = start_time_of(ev, 1);
		return ev->tr->host_init_start;
	}
	/* walk up to the first process whose innermost pid is 1 */
	for (int i = 0; i < 128 && cur > 1; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", cur);
		char st[4096];
		if (!read_text(path, st, sizeof(st)))
			break;
		if (status_last(st, "NSpid:", &ok) == 1 && ok)
			break;
		pid_t pp = kp_ppid_of(cur);
		if (pp <= 0)
			break;
		cur = pp;
	}
	return start_time_of(ev, cur > 0 ? cur : 1);
}

uint32_t kp_process_param(struct kp_event *ev, const struct kb_param *p, uint8_t *out)
{
	char path[64];
	pid_t pid = ev->t->pid;
	int ok = 0;
	uint64_t v;
	switch (p->special) {
	case KB_SP_EXE: return put_mm(ev, "cmdline", 0, out);
	case KB_SP_ARGS: return put_mm(ev, "cmdline", 1, out);
	case KB_SP_ENV: return ev->tr->o.no_env ? 0 : put_mm(ev, "environ", 2, out);
	case KB_SP_TID: return put_int(out, (uint64_t)ev->t->tid, 8);
	case KB_SP_PID: return put_int(out, (uint64_t)pid, 8);
	case KB_SP_PTID: {
		/* the real parent now: /proc names its process; the creating thread is known from its event */
		pid_t pt = (pid_t)stat_field(task_stat(ev), 4);
		struct kp_thread *parent = ev->t->ptid ? kp_thread_find(ev->tr, ev->t->ptid) : NULL;
		if (parent && !parent->exited && parent->pid == pt)
			pt = parent->tid;
		return put_int(out, (uint64_t)pt, 8);
	}
	case KB_SP_CWD:
		snprintf(path, sizeof(path), "/proc/%d/task/%d/cwd", pid, ev->t->tid);
		return put_link(path, out);
	case KB_SP_EXEPATH: snprintf(path, sizeof(path), "/proc/%d/exe", pid); return put_link(path, out);
	case KB_SP_FDLIMIT: {
		struct rlimit rl;
		if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl))
			return 0;
		return put_int(out, rl.rlim_cur, p->width);
	}
	case KB_SP_PGFT_MAJ: return put_int(out, stat_field(task_stat(ev), 12), p->width);
	case KB_SP_PGFT_MIN: return put_int(out, stat_field(task_stat(ev), 10), p->width);
	case KB_SP_TTY: return put_int(out, stat_field(task_stat(ev), 7), p->width);
	case KB_SP_VM_SIZE: /* KiB, as status's VmSize and VmRSS; stat has bytes and pages */
		return task_stat(ev) ? put_int(out, stat_field(task_stat(ev), 23) / 1024, p->width) : 0;
	case KB_SP_VM_RSS:
		return task_stat(ev)
		               ? put_int(out,
		                         stat_field(task_stat(ev), 24) * ((uint64_t)getpagesize() / 1024),
		                         p->width)
		               : 0;
	case KB_SP_VM_SWAP:
		tracer_facts(ev->tr);
		if (ev->tr->no_swap)
			return put_int(out, 0, p->width);
		v = status_u(task_status(ev),
		             p->special == KB_SP_VM_SIZE  ? "VmSize:"
		             : p->special == KB_SP_VM_RSS ? "VmRSS:"
		                                          : "VmSwap:",
		             0, 10, &ok);
		return ok ? put_int(out, v, p->width) : 0;
	case KB_SP_COMM: { /* stat's field 2, between the first '(' and the last ')' */
		const char *st = task_stat(ev), *a = st ? strchr(st, '(') : NULL,
		           *b = st ? strrchr(st, ')') : NULL;
		if (!a || !b || b <= a || b - a - 1 > 16)
			return 0;
		memcpy(out, a + 1, (size_t)(b - a - 1));
		return (uint32_t)(b - a - 1);
	}
	case KB_SP_CGROUPS: return put_cgroups(ev, out);
	case KB_SP_PGID:
		if (same_pid_ns(ev) && ev->tr->own_pidns_level0)
			return put_int(out, stat_field(task_stat(ev), 5), 8);
		v = status_last(task_status(ev), "NSpgid:", &ok);
		return put_int(out, ok ? v : stat_field(task_stat(ev), 5), 8);
	case KB_SP_VTID:
	case KB_SP_VPID:
		if (same_pid_ns(ev) && ev->tr->own_pidns_level0)
			return put_int(out, (uint64_t)(p->special == KB_SP_VTID ? ev->t->tid : pid), 8);
		v = status_last(task_status(ev), p->special == KB_SP_VTID ? "NSpid:" : "NStgid:", &ok);
		return put_int(out, ok ? v : (uint64_t)(p->special == KB_SP_VTID ? ev->t->tid : pid), 8);
	case KB_SP_LOGINUID: {
		char buf[32];
		snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
		if (!read_text(path, buf, sizeof(buf)))
			return 0;
		return put_int(out, strtoull(buf, NULL, 10), 4);
	}
	case KB_SP_EXE_FLAGS: return put_int(out, exe_flags(ev), p->width);
	case KB_SP_CAP_INH:
	case KB_SP_CAP_PRM:
	case KB_SP_CAP_EFF: {
		uint64_t caps[3];
		if (caps_of(ev->t->tid, caps))
			return 0;
		return put_int(out, caps[p->special - KB_SP_CAP_INH], 8);
	}
	case KB_SP_EXE_INO:
	case KB_SP_EXE_CTIME:
	case KB_SP_EXE_MTIME: {
		if (!ev->exe_stat_done) {
			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			ev->exe_stat_ok = stat(path, &ev->exe_st) == 0;
			ev->exe_stat_done = 1;
		}
		struct stat st = ev->exe_st;
		if (!ev->exe_stat_ok)
			return 0;
		if (p->special == KB_SP_EXE_INO)
			return put_int(out, st.st_ino, 8);
		struct timespec ts = p->special == KB_SP_EXE_CTIME ? st.st_ctim : st.st_mtim;
		return put_int(out, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, 8);
	}
	case KB_SP_UID:
	case KB_SP_GID: {
		/* the owner of /proc/PID/task/TID is the effective uid and gid, unless the task is not
		 * dumpable (then root): only that case needs status */
		if (!ev->task_stat_done) {
			snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, ev->t->tid);
			ev->task_stat_ok = stat(path, &ev->task_st) == 0;
			ev->task_stat_done = 1;
		}
		struct stat st = ev->task_st;
		if (ev->task_stat_ok && (st.st_uid != 0 || st.st_gid != 0))
			return put_int(out, p->special == KB_SP_UID ? st.st_uid : st.st_gid, 4);
		v = status_u(task_status(ev), p->special == KB_SP_UID ? "Uid:" : "Gid:", 1, 10, &ok);
		return ok ? put_int(out, v, 4) : 0;
	}
	case KB_SP_PIDNS_START: return put_int(out, pidns_init_start(ev), p->width);
	}
	return 0;
}

pid_t kp_tgid_of(pid_t tid)
{
	char path[64], buf[4096];
	int ok;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	uint64_t v = read_text(path, buf, sizeof(buf)) ? status_u(buf, "Tgid:", 0, 10, &ok) : 0;
	return (pid_t)v;
}

pid_t kp_ppid_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return read_text(path, buf, sizeof(buf)) ? (pid_t)stat_field(buf, 4) : 0;
}

/* The pid namespace level of a process (how many NSpid entries, minus one), -1 if gone. */
static int ns_level(pid_t pid, uint64_t *inner)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	const char *p = read_text(path, buf, sizeof(buf)) ? status_line(buf, "NSpid:") : NULL;
	int level = -1;
	char *end;
	while (p) {
		uint64_t x = strtoull(p, &end, 10);
		if (end == p)
			break;
		*inner = x;
		level++;
		p = end;
	}
	return level;
}

/* A thread of the group that has not exited (the leader first), 0 if none. */
static pid_t alive_thread(struct kp_tracer *tr, pid_t pid, pid_t except)
{
	pid_t found = 0;
	for (size_t i = 0; i < tr->nthreads; i++) {
		struct kp_thread *t = tr->threads[i];
		if (t->pid != pid || t->exited || t->tid == except)
			continue;
		if (t->tid == pid)
			return pid;
		if (!found || t->tid < found)
			found = t->tid;
	}
	return found;
}

/*
 * As the eBPF driver: 0 when the thread has no children; else a live thread
 * of its group; else the nearest ancestor in its pid namespace known to be a
 * child subreaper (the recorder sees PR_SET_CHILD_SUBREAPER in the traced
 * tree only); else the namespace's init (0 when that is the exiting task).
 */
int64_t kp_reaper_tid(struct kp_tracer *tr, struct kp_thread *t)
{
	char path[96], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", t->pid, t->tid);
	if (!read_text(path, buf, sizeof(buf)) || !buf[0])
		return 0;
	pid_t alive = alive_thread(tr, t->pid, t->tid);
	if (alive)
		return alive;
	uint64_t inner = 0;
	int level = ns_level(t->pid, &inner);
	if (level > 0 && inner == 1)
		return 0; /* the namespace's init: the namespace dies with it */
	pid_t cur = kp_ppid_of(t->pid);
	for (int i = 0; i < 128 && cur > 1; i++) {
		uint64_t in = 0;
		int l = ns_level(cur, &in);
		if (l != level)
			break;
		struct kp_proc *p = kp_proc_get(tr, cur, 0);
		if (p && p->subreaper) {
			pid_t a = alive_thread(tr, cur, 0);
			if (a)
				return a;
		}
		if (level > 0 && in == 1)
			return cur; /* the namespace's init */
		cur = kp_ppid_of(cur);
	}
	return level > 0 ? cur : 1;
}
