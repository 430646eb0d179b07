/* main.c - kite-record: records system calls into a kite capture, for a command or until stopped. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "snapshot.h"
#include "writer.h"

static const char usage[] =
	"usage: kite-record -w FILE [options] [-- COMMAND ARGS...]\n"
	"\n"
	"Records the system calls of this host into a kite capture.  With a COMMAND,\n"
	"runs it, records until it exits, and exits with its status; otherwise records\n"
	"until SIGINT or SIGTERM (Ctrl-C), --duration or --events.\n"
	"\n"
	"  -w, --write FILE      the capture to write (mode 0600); - for standard output\n"
	"  -s, --snaplen N       bytes of I/O data kept per buffer (default 80; 0: none)\n"
	"      --io              also record read/write/pread/pwrite/readv/writev/sendfile\n"
	"      --all             record every syscall (those without a table row: raw arguments)\n"
	"      --no-env          do not record environment variables\n"
	"  -d, --duration SEC    stop after SEC seconds\n"
	"  -n, --events N        stop after N events\n"
	"      --driver NAME     ebpf (the default, and what auto picks today)\n"
	"      --buffer-size MB  ring buffer per CPU (default 8)\n"
	"  -v, --verbose         say more; on a BPF load failure, print the verifier's log\n"
	"  -h, --help            this text\n"
	"      --version         print the version\n"
	"\n"
	"The statistics (events, drops, bytes, compression, duration) go to stderr at the end.\n"
	"Exit status: the command's with -- COMMAND; otherwise 0, or 1 on an error.\n";

struct options {
	const char *path;
	uint32_t snaplen;
	int io, all, no_env, verbose;
	double duration;
	uint64_t max_events;
	uint32_t ring_mb;
	const char *driver;
	char **command;
};

struct recorder {
	struct options o;
	const struct kite_driver_ops *ops;
	struct kite_driver *drv;
	kite_writer *w;
	int fd;
	uint64_t written;
	int limit_hit;
	pid_t child;
	int child_status;
	uint64_t start_mono;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int parse_number(const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out < 0) {
		fprintf(stderr, "kite-record: %s wants a non-negative number, not '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_IO = 256, OPT_ALL, OPT_NO_ENV, OPT_DRIVER, OPT_BUFFER, OPT_VERSION };
	static const struct option opts[] = {
		{"write", required_argument, 0, 'w'},     {"snaplen", required_argument, 0, 's'},
		{"io", no_argument, 0, OPT_IO},             {"all", no_argument, 0, OPT_ALL},
		{"no-env", no_argument, 0, OPT_NO_ENV},     {"duration", required_argument, 0, 'd'},
		{"events", required_argument, 0, 'n'},    {"driver", required_argument, 0, OPT_DRIVER},
		{"buffer-size", required_argument, 0, OPT_BUFFER}, {"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},             {"version", no_argument, 0, OPT_VERSION},
		{0},
	};
	double v;
	int c;
	*o = (struct options){.snaplen = 80, .ring_mb = 8, .driver = "auto"};
	while ((c = getopt_long(argc, argv, "+w:s:d:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'w': o->path = optarg; break;
		case 's':
			if (parse_number("-s", optarg, &v) || v > 65535) {
				fprintf(stderr, "kite-record: -s takes 0 to 65535\n");
				return 2;
			}
			o->snaplen = (uint32_t)v;
			break;
		case OPT_IO: o->io = 1; break;
		case OPT_ALL: o->all = 1; break;
		case OPT_NO_ENV: o->no_env = 1; break;
		case 'd':
			if (parse_number("--duration", optarg, &o->duration))
				return 2;
			break;
		case 'n':
			if (parse_number("--events", optarg, &v))
				return 2;
			o->max_events = (uint64_t)v;
			break;
		case OPT_DRIVER: o->driver = optarg; break;
		case OPT_BUFFER:
			if (parse_number("--buffer-size", optarg, &v) || v < 1 || v > 1024) {
				fprintf(stderr, "kite-record: --buffer-size takes 1 to 1024 (MiB)\n");
				return 2;
			}
			o->ring_mb = (uint32_t)v;
			break;
		case 'v': o->verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case OPT_VERSION: printf("kite-record %s\n", KITE_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!o->path) {
		fprintf(stderr, "kite-record: no output file: use -w FILE (or -w - for standard output)\n");
		return 2;
	}
	if (optind < argc)
		o->command = argv + optind;
	if (strcmp(o->driver, "auto") && strcmp(o->driver, "ebpf")) {
		fprintf(stderr, "kite-record: unknown driver '%s' (this build has: ebpf)\n", o->driver);
		return 2;
	}
	return -1; /* go on */
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

static int open_output(const char *path)
{
	if (strcmp(path, "-") == 0) {
		if (isatty(1)) {
			fprintf(stderr, "kite-record: refusing to write a binary capture to a terminal\n");
			return -1;
		}
		return 1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fprintf(stderr, "kite-record: %s: %s\n", path, strerror(errno));
	else
		fchmod(fd, 0600); /* an existing file keeps its mode otherwise */
	return fd;
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
	return 0;
}

/* The command is forked at once but waits on a pipe until recording has started. */
static pid_t spawn_waiting(char **argv, int *go)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
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
	if (r->child > 0 && waitpid(r->child, &r->child_status, WNOHANG) == r->child) {
		r->child = 0;
		return 1;
	}
	return 0;
}

static void print_stats(struct recorder *r, double secs)
{
	struct kite_writer_stats ws = {0};
	struct kite_driver_stats ds = {0};
	if (r->w)
		kite_writer_get_stats(r->w, &ws);
	r->ops->stats(r->drv, &ds);
	double ratio = ws.file_bytes ? (double)ws.raw_bytes / (double)ws.file_bytes : 0;
	fprintf(stderr,
	        "kite-record: %llu events, %llu dropped, %llu state records, %.1f MiB written "
	        "(%.1fx compression), %.2f s, %u CPUs\n",
	        (unsigned long long)r->written, (unsigned long long)ds.drops,
	        (unsigned long long)ws.state_records, (double)ws.file_bytes / 1048576.0, ratio, secs, ds.ncpus);
}

static int write_snapshot(struct recorder *r, uint64_t boot_ns)
{
	struct kite_snapshot_opts so = {.no_env = r->o.no_env, .boot_ns = boot_ns};
	struct kite_snapshot_stats st = {0};
	char err[512];
	if (kite_snapshot_write(r->w, &so, &st, err, sizeof(err))) { /* it opens and closes the snapshot */
		fprintf(stderr, "kite-record: %s\n", kite_writer_error(r->w) ? kite_writer_error(r->w) : err);
		return -1;
	}
	if (r->o.verbose)
		fprintf(stderr, "kite-record: snapshot: %u processes, %u threads, %u fds, %u users, %u groups, "
		                "%u interfaces (%u unreadable)\n",
		        st.processes, st.threads, st.fds, st.users, st.groups, st.ifaces, st.unreadable);
	return 0;
}

static int record(struct recorder *r, char *cmdline)
{
	char err[1024];
	struct kite_header h = {0};
	kite_header_from_host(&h);
	h.driver = strdup(r->ops->name);
	h.recorder = strdup("kite-record " KITE_VERSION);
	h.cmdline = cmdline;
	h.snaplen = r->o.snaplen;
	h.flags = (r->o.no_env ? KITE_HDR_NO_ENV : 0) | (r->o.io ? KITE_HDR_IO : 0) | (r->o.all ? KITE_HDR_ALL : 0);
	struct kite_driver_opts dopts = {.snaplen = r->o.snaplen, .io = r->o.io, .all = r->o.all,
	                                 .no_env = r->o.no_env, .boot_ns = h.boot_ns,
	                                 .ring_bytes = ring_bytes(r->o.ring_mb), .verbose = r->o.verbose};
	int status = 1, go = -1;
	r->drv = r->ops->open(&dopts, err, sizeof(err));
	if (!r->drv) {
		fprintf(stderr, "kite-record: %s\n", err);
		h.cmdline = NULL;
		kite_header_free(&h);
		return 1;
	}
	if ((r->fd = open_output(r->o.path)) < 0)
		goto out;
	h.start_ns = now_ns(CLOCK_REALTIME);
	struct kite_writer_opts wo = {.level = 3};
	r->w = kite_writer_open(r->fd, r->o.path, &h, kite_schema_builtin(), &wo, err, sizeof(err));
	if (!r->w) {
		fprintf(stderr, "kite-record: %s\n", err);
		goto out;
	}
	if (r->o.command && (r->child = spawn_waiting(r->o.command, &go)) < 0) {
		fprintf(stderr, "kite-record: fork: %s\n", strerror(errno));
		goto out;
	}
	/* recording starts before the snapshot, so nothing between the two is lost */
	if (r->ops->start(r->drv, err, sizeof(err))) {
		fprintf(stderr, "kite-record: %s\n", err);
		goto out;
	}
	if (write_snapshot(r, h.boot_ns))
		goto out;
	r->start_mono = now_ns(CLOCK_MONOTONIC);
	if (go >= 0) {
		if (write(go, "g", 1) != 1)
			fprintf(stderr, "kite-record: could not start the command\n");
		close(go);
		go = -1;
	}
	int failed = 0;
	while (!should_stop(r)) {
		if (r->ops->poll(r->drv, 100, 0, sink, r) < 0 ||
		    kite_writer_tick(r->w, now_ns(CLOCK_REALTIME))) {
			failed = 1;
			break;
		}
	}
	r->ops->stop(r->drv);
	if (!failed && r->ops->poll(r->drv, 0, 1, sink, r) < 0)
		failed = 1;
	double secs = (double)(now_ns(CLOCK_MONOTONIC) - r->start_mono) / 1e9;
	if (failed) {
		fprintf(stderr, "kite-record: %s; what was written up to the last complete chunk is readable\n",
		        kite_writer_error(r->w) ? kite_writer_error(r->w) : "the driver failed");
		print_stats(r, secs);
		kite_writer_abort(r->w);
		r->w = NULL;
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
	if (r->w)
		kite_writer_abort(r->w);
	if (r->fd > 1)
		close(r->fd);
	r->ops->close(r->drv);
	h.cmdline = NULL;
	kite_header_free(&h);
	return status;
}

static int exit_status_of_child(struct recorder *r, int status)
{
	if (!r->o.command || status != 0)
		return status;
	if (r->child > 0) { /* stopped early (signal, duration): the command goes on; wait for it */
		kill(r->child, SIGTERM);
		waitpid(r->child, &r->child_status, 0);
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
