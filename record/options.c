/* options.c - kite-record's options: the usage text, parsing, checks, and what the filters select. */
#include "options.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"

static const char usage[] =
        "usage: kite-record -w FILE [options] [-- COMMAND ARGS...]\n"
        "       kite-record -w FILE --driver ptrace [options] -p PID\n"
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
        "  -C MB                 rotate: start a new file when this one reaches MB megabytes\n"
        "  -G SEC                rotate: start a new file every SEC seconds (FILE may hold\n"
        "                        strftime patterns, as with tcpdump)\n"
        "  -W COUNT              with -C/-G: keep COUNT files, reusing their names in a ring;\n"
        "                        a file this run did not write is never overwritten\n"
        "  -p, --pid PID         record only this process (repeatable) ...\n"
        "      --follow          ... and its descendants, present and future; with a\n"
        "                        COMMAND and no --pid: only the command's process tree\n"
        "      --comm NAME       record only tasks named NAME\n"
        "      --container ID    record only the processes of this running container\n"
        "                        (with --comm or --container the capture also keeps the\n"
        "                        events that change process and fd state of every process,\n"
        "                        since a process may take the name or join the container later)\n"
        "  -d, --duration SEC    stop after SEC seconds\n"
        "  -n, --events N        stop after N events\n"
        "      --keyframe SEC    write the state again (a keyframe) every SEC seconds (default\n"
        "                        60; 0: never), so kite --from starts there instead of at the\n"
        "                        capture's beginning, with the same state\n"
        "      --driver NAME     ebpf, ptrace or auto (the default): eBPF where it loads,\n"
        "                        else ptrace for a COMMAND, saying so on stderr\n"
        "      --buffer-size MB  ring buffer per CPU (default 8)\n"
        "  -v, --verbose         say more; on a BPF load failure, print the verifier's log\n"
        "  -h, --help            this text\n"
        "      --version         print the version\n"
        "\n"
        "\n"
        "The ptrace driver needs no privileges.  It records a COMMAND and all its\n"
        "descendants (a seccomp filter stops only the recorded syscalls), or with -p\n"
        "the threads of a running process and the children it forks from then on\n"
        "(every syscall stops there: slower).  With a COMMAND, kite-record waits for\n"
        "every traced descendant, as strace -f does: a traced process cannot run on\n"
        "without its tracer (its filter stays, and would fail the recorded syscalls).\n"
        "With -p, SIGINT or SIGTERM detaches and the processes run on untouched.\n"
        "\n"
        "The statistics (events, drops, bytes, compression, duration) go to stderr at the end.\n"
        "Exit status: the command's with -- COMMAND; otherwise 0, or 1 on an error.\n";

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

int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_IO = 256,
		OPT_ALL,
		OPT_NO_ENV,
		OPT_DRIVER,
		OPT_BUFFER,
		OPT_VERSION,
		OPT_PID,
		OPT_FOLLOW,
		OPT_COMM,
		OPT_CONTAINER,
		OPT_KEYFRAME
	};
	static const struct option opts[] = {
	        {"write", required_argument, 0, 'w'},
	        {"snaplen", required_argument, 0, 's'},
	        {"io", no_argument, 0, OPT_IO},
	        {"all", no_argument, 0, OPT_ALL},
	        {"no-env", no_argument, 0, OPT_NO_ENV},
	        {"duration", required_argument, 0, 'd'},
	        {"events", required_argument, 0, 'n'},
	        {"driver", required_argument, 0, OPT_DRIVER},
	        {"buffer-size", required_argument, 0, OPT_BUFFER},
	        {"verbose", no_argument, 0, 'v'},
	        {"help", no_argument, 0, 'h'},
	        {"version", no_argument, 0, OPT_VERSION},
	        {"pid", required_argument, 0, OPT_PID},
	        {"follow", no_argument, 0, OPT_FOLLOW},
	        {"comm", required_argument, 0, OPT_COMM},
	        {"container", required_argument, 0, OPT_CONTAINER},
	        {"keyframe", required_argument, 0, OPT_KEYFRAME},
	        {0},
	};
	double v;
	int c;
	*o = (struct options){.snaplen = 80, .ring_mb = 8, .driver = "auto", .keyframe = 60};
	while ((c = getopt_long(argc, argv, "+w:s:d:n:C:G:W:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (parse_number("-C", optarg, &v) || v <= 0)
				return 2;
			o->rot.max_bytes = (uint64_t)(v * 1e6);
			break;
		case OPT_KEYFRAME:
			if (parse_number("--keyframe", optarg, &o->keyframe))
				return 2;
			break;
		case 'G':
			if (parse_number("-G", optarg, &v) || v <= 0)
				return 2;
			o->rot.period_ns = (uint64_t)(v * 1e9);
			break;
		case 'W':
			if (parse_number("-W", optarg, &v) || v < 1 || v > 1000000) {
				fprintf(stderr, "kite-record: -W takes 1 to 1000000\n");
				return 2;
			}
			o->rot.count = (uint32_t)v;
			break;
		case 'p':
		case OPT_PID:
			if (parse_number("--pid", optarg, &v) || v < 1 || o->npids == 64) {
				fprintf(stderr,
				        "kite-record: --pid takes a process id (at most 64 of them)\n");
				return 2;
			}
			o->pids[o->npids++] = (int32_t)v;
			break;
		case OPT_FOLLOW: o->follow = 1; break;
		case OPT_COMM: o->comm = optarg; break;
		case OPT_CONTAINER: o->container = optarg; break;
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
	o->rot.base = o->path;
	if (o->rot.count && !rotation_on(&o->rot)) {
		fprintf(stderr, "kite-record: -W needs -C or -G\n");
		return 2;
	}
	if (rotation_on(&o->rot) && strcmp(o->path, "-") == 0) {
		fprintf(stderr, "kite-record: -C and -G need a file name, not standard output\n");
		return 2;
	}
	char why[256];
	if (o->container && container_id_check(o->container, why, sizeof(why))) {
		fprintf(stderr, "kite-record: %s\n", why);
		return 2;
	}
	if (o->follow && !o->npids && !o->command) {
		fprintf(stderr, "kite-record: --follow needs --pid, or a COMMAND to follow\n");
		return 2;
	}
	for (unsigned i = 0; i < o->npids; i++) {
		if (kill(o->pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "kite-record: --pid %d: no such process\n", o->pids[i]);
			return 1;
		}
	}
	if (strcmp(o->driver, "auto") && strcmp(o->driver, "ebpf") && strcmp(o->driver, "ptrace")) {
		fprintf(stderr, "kite-record: unknown driver '%s' (this build has: ebpf, ptrace, auto)\n",
		        o->driver);
		return 2;
	}
	if (!strcmp(o->driver, "ptrace")) {
		if (!o->command == !o->npids) {
			fprintf(stderr, "kite-record: --driver ptrace records a COMMAND (-- COMMAND ARGS...) "
			                "or running processes (-p PID), one or the other\n");
			return 2;
		}
		if (o->comm || o->container) {
			fprintf(stderr, "kite-record: --comm and --container need the eBPF driver\n");
			return 2;
		}
	}
	return -1; /* go on */
}

/* The --pid processes and, with --follow, every process now descending from one of them. */
unsigned collect_pids(const struct options *o, int32_t *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < o->npids && n < max; i++)
		out[n++] = o->pids[i];
	if (!o->follow)
		return n;
	for (int changed = 1; changed;) { /* until no process joins: children before parents is fine */
		changed = 0;
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d)) && n < max) {
			int32_t pid = (int32_t)atoi(de->d_name), ppid = 0, known = 0;
			char path[64], buf[512];
			if (pid <= 0)
				continue;
			for (unsigned i = 0; i < n; i++)
				known |= out[i] == pid;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			FILE *f = fopen(path, "r");
			if (known || !f || !fgets(buf, sizeof(buf), f)) {
				if (f)
					fclose(f);
				continue;
			}
			fclose(f);
			char *close_paren = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
			if (!close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1)
				continue;
			for (unsigned i = 0; i < n; i++)
				if (out[i] == ppid) {
					out[n++] = pid;
					changed = 1;
					break;
				}
		}
		if (d)
			closedir(d);
	}
	return n;
}

/* What the capture header says about the filters in effect. */
char *describe_filters(const struct options *o)
{
	char buf[1024] = "";
	size_t n = 0;
	for (unsigned i = 0; i < o->npids && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--pid %d", n ? " " : "", o->pids[i]);
	if (o->follow && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " --follow");
	if (o->comm && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--comm %s", n ? " " : "", o->comm);
	if (o->container && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, "%s--container %s", n ? " " : "", o->container);
	return strdup(buf);
}
