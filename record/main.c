/* main.c - kite-record: records system calls into a kite capture, for a command or until stopped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "pcapng.h"
#include "container.h"
#include "options.h"
#include "rotate.h"
#include "snapshot.h"
#include "writer.h"

struct recorder {
	struct options o;
	const struct kite_driver_ops *ops;
	struct kite_driver *drv;
	kite_writer *w;
	int fd;
	char path[4096];      /* the file being written */
	struct kite_header h; /* written at the start of every file */
	uint64_t written;
	int limit_hit;
	pid_t child;
	int child_status;
	uint64_t start_mono;
	uint64_t opened_mono;      /* when the current file was started */
	uint64_t keyframe_mono;    /* when the last snapshot (initial or keyframe) was written */
	uint64_t keyframe_written; /* r->written then */
	uint64_t bytes_before;     /* written to files already rotated out */
	uint64_t raw_before, state_before;
	pid_t snap_pid; /* the snapshot: every process, or this one and its descendants */
	int snap_follow;
	int command_started; /* told to exec */
};

static volatile sig_atomic_t stop_signal, nsignals;

static void on_signal(int sig)
{
	stop_signal = sig;
	nsignals++;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The ring buffer size must be a power of two number of pages. */
static uint32_t ring_bytes(uint32_t mb)
{
	uint32_t b = 1u << 20;
	while (b < mb * (1u << 20) && b < (1u << 30))
		b <<= 1;
	return b;
}

static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = calloc(1, n);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Standard output, or the next file of the rotation (the first one, without rotation). */
static int open_output(struct recorder *r)
{
	char err[4200];
	if (strcmp(r->o.path, "-") == 0) {
		if (isatty(1)) {
			fprintf(stderr, "kite-record: refusing to write a binary capture to a terminal\n");
			return -1;
		}
		snprintf(r->path, sizeof(r->path), "(stdout)");
		return 1;
	}
	int fd = rotation_open_next(&r->o.rot, r->path, sizeof(r->path), err, sizeof(err));
	if (fd < 0)
		fprintf(stderr, "kite-record: %s\n", err);
	return fd;
}

static int write_snapshot(struct recorder *r);

/* A complete capture start: a file, its header and schema, and a fresh snapshot of the system. */
static int open_capture(struct recorder *r)
{
	char err[1024];
	if ((r->fd = open_output(r)) < 0)
		return -1;
	r->h.start_ns = now_ns(CLOCK_REALTIME);
	struct kite_writer_opts wo = {.level = 3};
	r->w = kite_writer_open(r->fd, r->path, &r->h, kite_schema_builtin(), &wo, err, sizeof(err));
	if (!r->w) {
		fprintf(stderr, "kite-record: %s\n", err);
		return -1;
	}
	r->opened_mono = r->keyframe_mono = now_ns(CLOCK_MONOTONIC);
	r->keyframe_written = r->written;
	return write_snapshot(r);
}

/* Finishes the current file (index, footer) and starts the next one. */
static int rotate(struct recorder *r)
{
	char err[1024];
	struct kite_writer_stats st;
	kite_writer_get_stats(r->w, &st);
	r->bytes_before += st.file_bytes;
	r->raw_before += st.raw_bytes;
	r->state_before += st.state_records;
	int rc = kite_writer_close(r->w, err, sizeof(err));
	r->w = NULL;
	if (r->fd > 1)
		close(r->fd);
	r->fd = -1;
	if (rc) {
		fprintf(stderr, "kite-record: %s\n", err);
		return -1;
	}
	if (r->o.verbose)
		fprintf(stderr, "kite-record: %s complete\n", r->path);
	return open_capture(r);
}

static int rotation_due(struct recorder *r)
{
	struct kite_writer_stats st;
	if (!rotation_on(&r->o.rot))
		return 0;
	kite_writer_get_stats(r->w, &st);
	if (r->o.rot.max_bytes && st.file_bytes >= r->o.rot.max_bytes)
		return 1;
	return r->o.rot.period_ns && now_ns(CLOCK_MONOTONIC) - r->opened_mono >= r->o.rot.period_ns;
}

/* Every event goes straight from the driver's buffer into the chunk being built. */
static int sink(void *ctx, const struct kite_evt *e)
{
	struct recorder *r = ctx;
	if (r->limit_hit)
		return 0;
	if (kite_writer_append(r->w, e))
		return -1;
	if (++r->written == r->o.max_events)
		r->limit_hit = 1;
	if ((r->written & 1023) == 0 && rotation_due(r))
		return rotate(r);
	return 0;
}

/*
 * The command is forked at once but waits on a pipe until recording has
 * started.  The byte it reads says which driver records it: with ptrace ('p'),
 * it installs the seccomp filter its tracer needs before it execs.
 */
static pid_t spawn_waiting(char **argv, int io, int all, int *go)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		char err[256];
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* the filter last: the command's exec is the first syscall it stops */
		if (c == 'p' && kite_ptrace_child_setup(io, all, err, sizeof(err))) {
			fprintf(stderr, "kite-record: %s\n", err);
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "kite-record: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static int should_stop(struct recorder *r)
{
	if (stop_signal || r->limit_hit)
		return 1;
	if (r->o.duration > 0 && now_ns(CLOCK_MONOTONIC) - r->start_mono >= (uint64_t)(r->o.duration * 1e9))
		return 1;
	if (r->ops->command_exited) { /* the driver is the command's tracer: it reaps the tree */
		int st;
		if (r->ops->command_exited(r->drv, &st)) {
			if (r->child > 0)
				r->child_status = st;
			r->child = 0;
			return 1;
		}
		return 0;
	}
	if (r->child > 0 && waitpid(r->child, &r->child_status, WNOHANG) == r->child) {
		r->child = 0;
		return 1;
	}
	return 0;
}

static int discard(void *ctx, const struct kite_evt *e)
{
	(void)ctx, (void)e;
	return 0;
}

/*
 * A traced command (ptrace) stops at each recorded syscall until its tracer
 * lets it go, and a seccomp filter cannot be taken back: once recording is
 * over, the recorder serves the tree, unrecorded, until it exits.  A second
 * SIGINT/SIGTERM gives up: the tree is killed (PTRACE_O_EXITKILL).
 */
static void finish_traced_command(struct recorder *r)
{
	if (!r->ops->command_exited || r->child <= 0 || !r->drv)
		return;
	sig_atomic_t seen = nsignals;
	if (stop_signal)
		kill(r->child, stop_signal);
	else if (r->command_started)
		fprintf(stderr, "kite-record: recording stopped; waiting for %s to finish\n",
		        r->o.command[0]);
	int st;
	while (nsignals == seen && !r->ops->command_exited(r->drv, &st))
		if (r->ops->poll(r->drv, 100, 0, discard, NULL) < 0)
			return;
	if (nsignals == seen) {
		r->child_status = st;
		r->child = 0;
	}
}

/*
 * --driver: ebpf or ptrace as asked; auto takes eBPF where it loads, else
 * ptrace for a command (the one line on stderr says which and why).
 */
static struct kite_driver *open_driver(struct recorder *r, struct kite_driver_opts *dopts, char *err,
                                       size_t errlen)
{
	int want_ptrace = strcmp(r->o.driver, "ptrace") == 0;
	if (!want_ptrace) {
		r->ops = &kite_driver_ebpf;
		struct kite_driver *d = r->ops->open(dopts, err, errlen);
		if (d || strcmp(r->o.driver, "auto"))
			return d;
		if (!r->o.command) { /* attaching with ptrace is slower: only when asked for */
			size_t n = strlen(err);
			snprintf(err + n, errlen - n,
			         " (--driver ptrace -p PID attaches without privileges)");
			return NULL;
		}
		fprintf(stderr, "kite-record: eBPF unavailable (%s); using the ptrace driver\n", err);
	}
	r->ops = &kite_driver_ptrace;
	dopts->command = r->o.command ? r->child : 0;
	return r->ops->open(dopts, err, errlen);
}

static void print_stats(struct recorder *r, double secs)
{
	struct kite_writer_stats ws = {0};
	struct kite_driver_stats ds = {0};
	if (r->w)
		kite_writer_get_stats(r->w, &ws);
	r->ops->stats(r->drv, &ds);
	ws.file_bytes += r->bytes_before;
	ws.raw_bytes += r->raw_before;
	ws.state_records += r->state_before;
	double ratio = ws.file_bytes ? (double)ws.raw_bytes / (double)ws.file_bytes : 0;
	fprintf(stderr,
	        "kite-record: %llu events, %llu dropped, %llu state records, %.1f MiB written "
	        "(%.1fx compression), %.2f s, %u CPUs\n",
	        (unsigned long long)r->written, (unsigned long long)ds.drops,
	        (unsigned long long)ws.state_records, (double)ws.file_bytes / 1048576.0, ratio, secs,
	        ds.ncpus);
}

static int write_snapshot(struct recorder *r)
{
	struct kite_snapshot_opts so = {
	        .no_env = r->o.no_env, .boot_ns = r->h.boot_ns, .pid = r->snap_pid, .follow = r->snap_follow};
	struct kite_snapshot_stats st = {0};
	char err[512];
	if (kite_snapshot_write(r->w, &so, &st, err, sizeof(err))) { /* it opens and closes the snapshot */
		fprintf(stderr, "kite-record: %s\n", kite_writer_error(r->w) ? kite_writer_error(r->w) : err);
		return -1;
	}
	if (r->o.verbose)
		fprintf(stderr,
		        "kite-record: snapshot: %u processes, %u threads, %u fds, %u users, %u groups, "
		        "%u interfaces (%u unreadable)\n",
		        st.processes, st.threads, st.fds, st.users, st.groups, st.ifaces, st.unreadable);
	return 0;
}

static int keyframe_due(const struct recorder *r)
{
	return r->o.keyframe > 0 &&
	       now_ns(CLOCK_MONOTONIC) - r->keyframe_mono >= (uint64_t)(r->o.keyframe * 1e9);
}

/*
 * The state again, mid-file: replay can start from it (kite --from) instead
 * of from the capture's beginning.  Events already delivered are in the
 * chunks before it; like the initial snapshot, it is taken while recording
 * goes on, so nothing in between is lost.
 */
static int write_keyframe(struct recorder *r)
{
	r->keyframe_mono = now_ns(CLOCK_MONOTONIC);
	/* nothing happened since the last one: the same state (and two snapshots in a row would read as one) */
	if (r->written == r->keyframe_written)
		return 0;
	r->keyframe_written = r->written;
	if (r->o.verbose)
		fprintf(stderr, "kite-record: keyframe\n");
	return write_snapshot(r);
}

static int record(struct recorder *r, char *cmdline)
{
	char err[1024];
	int32_t pids[4096];
	int go = -1;
	/* the command is forked first (it waits) so that --follow can select it by pid */
	if (r->o.command && (r->child = spawn_waiting(r->o.command, r->o.io, r->o.all, &go)) < 0) {
		fprintf(stderr, "kite-record: fork: %s\n", strerror(errno));
		return 1;
	}
	if (r->o.command && r->o.follow && !r->o.npids && strcmp(r->o.driver, "ptrace"))
		r->o.pids[r->o.npids++] = r->child;
	unsigned npids = collect_pids(&r->o, pids, 4096);
	uint64_t cgroups[1024];
	int ncgroups = 0;
	if (r->o.container) {
		ncgroups = find_container_cgroups(r->o.container, cgroups, 1024, err, sizeof(err));
		if (ncgroups <= 0) {
			if (ncgroups == 0)
				snprintf(err, sizeof(err),
				         "--container %s: no cgroup of that container under "
				         "/sys/fs/cgroup (is it running?)",
				         r->o.container);
			fprintf(stderr, "kite-record: %s\n", err);
			if (go >= 0)
				close(go);
			return 1;
		}
	}
	kite_header_from_host(&r->h);
	r->h.recorder = strdup("kite-record " KITE_VERSION);
	r->h.cmdline = strdup(cmdline);
	r->h.filters = describe_filters(&r->o);
	r->h.snaplen = r->o.snaplen;
	r->h.flags = (r->o.no_env ? KITE_HDR_NO_ENV : 0) | (r->o.io ? KITE_HDR_IO : 0) |
	             (r->o.all ? KITE_HDR_ALL : 0);
	struct kite_driver_opts dopts = {.snaplen = r->o.snaplen,
	                                 .io = r->o.io,
	                                 .all = r->o.all,
	                                 .no_env = r->o.no_env,
	                                 .boot_ns = r->h.boot_ns,
	                                 .ring_bytes = ring_bytes(r->o.ring_mb),
	                                 .verbose = r->o.verbose,
	                                 .pids = pids,
	                                 .npids = npids,
	                                 .follow = r->o.follow,
	                                 .comm = r->o.comm,
	                                 .cgroups = cgroups,
	                                 .ncgroups = (unsigned)ncgroups};
	int status = 1;
	r->drv = open_driver(r, &dopts, err, sizeof(err));
	if (!r->drv) {
		fprintf(stderr, "kite-record: %s\n", err);
		if (go >= 0)
			close(go); /* the waiting command reads EOF and exits 127 */
		kite_header_free(&r->h);
		return 1;
	}
	r->h.driver = strdup(r->ops->name);
	if (r->ops == &kite_driver_ptrace) { /* the snapshot: the traced processes only */
		r->snap_pid = r->o.command ? r->child : r->o.npids == 1 ? r->o.pids[0] : 0;
		r->snap_follow = 1;
	}
	/* recording starts before the snapshot, so nothing between the two is lost */
	if (r->ops->start(r->drv, err, sizeof(err))) {
		fprintf(stderr, "kite-record: %s\n", err);
		goto out;
	}
	if (open_capture(r))
		goto out;
	r->start_mono = now_ns(CLOCK_MONOTONIC);
	if (go >= 0) {
		r->command_started = 1;
		if (write(go, r->ops == &kite_driver_ptrace ? "p" : "g", 1) != 1)
			fprintf(stderr, "kite-record: could not start the command\n");
		close(go);
		go = -1;
	}
	int failed = 0;
	while (!should_stop(r)) {
		if (r->ops->poll(r->drv, 100, 0, sink, r) < 0 ||
		    kite_writer_tick(r->w, now_ns(CLOCK_REALTIME)) || (rotation_due(r) && rotate(r)) ||
		    (keyframe_due(r) && write_keyframe(r))) {
			failed = 1;
			break;
		}
	}
	r->ops->stop(r->drv);
	if (!failed && r->ops->poll(r->drv, 0, 1, sink, r) < 0)
		failed = 1;
	double secs = (double)(now_ns(CLOCK_MONOTONIC) - r->start_mono) / 1e9;
	if (failed) {
		fprintf(stderr, "kite-record: %s; %s is readable up to its last complete chunk\n",
		        r->w && kite_writer_error(r->w) ? kite_writer_error(r->w) : "recording failed",
		        r->path);
		if (r->w)
			print_stats(r, secs);
		goto out;
	}
	print_stats(r, secs);
	if (kite_writer_close(r->w, err, sizeof(err))) {
		fprintf(stderr, "kite-record: %s\n", err);
		r->w = NULL;
		goto out;
	}
	r->w = NULL;
	status = 0;
out:
	if (go >= 0)
		close(go); /* the waiting command reads EOF and exits 127 */
	finish_traced_command(r);
	if (r->w)
		kite_writer_abort(r->w);
	if (r->fd > 1)
		close(r->fd);
	if (r->drv)
		r->ops->close(r->drv);
	kite_header_free(&r->h);
	rotation_free(&r->o.rot);
	return status;
}

static int exit_status_of_child(struct recorder *r, int status)
{
	if (!r->o.command || status != 0)
		return status;
	if (r->child > 0) {
		/* recording ended first: a signal to us goes on to the command (as timeout(1) does);
		 * after --duration or --events, the command runs to its end, unrecorded */
		if (stop_signal)
			kill(r->child, stop_signal);
		else
			fprintf(stderr, "kite-record: recording stopped; waiting for %s to finish\n",
			        r->o.command[0]);
		while (waitpid(r->child, &r->child_status, 0) < 0 && errno == EINTR)
			;
	}
	if (WIFEXITED(r->child_status))
		return WEXITSTATUS(r->child_status);
	if (WIFSIGNALED(r->child_status))
		return 128 + WTERMSIG(r->child_status);
	return 1;
}

int main(int argc, char **argv)
{
	struct recorder r = {.fd = -1, .ops = &kite_driver_ebpf};
	int rc = parse_options(argc, argv, &r.o);
	if (rc >= 0)
		return rc;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed -w - pipe is a write error, reported as such */
	char *cmdline = join_args(argc, argv);
	rc = record(&r, cmdline);
	free(cmdline);
	return exit_status_of_child(&r, rc);
}
