/* replay.c - benchmarks replay: decode, state, filters in events/s; peak memory at 1x and 4x the events. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "gen.h"
#include "reader.h"
#include "record.h"
#include "replay.h"
#include "state.h"

#define DEFAULT_EVENTS 10000000ull
#define QUICK_EVENTS   200000ull
#define TARGET_MEPS    5.0 /* the target through decode + state + filter, on one core */
#define MAX_ROWS       8

struct row {
	char name[96];
	uint64_t events, matches;
	double secs, cpu;
	int has_matches;
};

static struct row rows[MAX_ROWS];
static size_t nrows;

static struct row *add_row(const char *name, uint64_t events, double secs, double cpu)
{
	struct row *r = &rows[nrows < MAX_ROWS ? nrows++ : MAX_ROWS - 1];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->events = events;
	r->secs = secs;
	r->cpu = cpu;
	return r;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
	        "usage: %s [--events N] [--quick]\n"
	        "\n"
	        "Benchmarks replay on a generated capture of a simulated host (bench/gen.c): about 200\n"
	        "processes opening and closing files, talking over IPv4 and IPv6, forking, exec'ing and\n"
	        "exiting.  Four passes over it: decode only (reader + split), decode + state, and decode +\n"
	        "state + each of two filters; then the peak RSS of a state pass over 1x and 4x the events,\n"
	        "each in a fresh process.  Checks that the state ends with the processes, threads and fds "
	        "the\n"
	        "generator expects and that the filters match what it counted; prints FAIL and exits 1 if "
	        "not.\n"
	        "Captures are cached next to this program (replay-N.kcap) and regenerated when missing or\n"
	        "made by another generator version.\n"
	        "\n"
	        "  --events N  events in the 1x capture (default %llu; the 4x one has 4N)\n"
	        "  --quick     %llu events, for a smoke test\n"
	        "  --help      this text\n",
	        argv0, (unsigned long long)DEFAULT_EVENTS, (unsigned long long)QUICK_EVENTS);
}

/* ---- the captures ---- */

static char cache_dir[PATH_MAX - 64]; /* room for "/replay-N.expect" */

/* The cached capture of n events, generated when missing or stale (bench/gen.c). */
static int ensure_capture(uint64_t n, char kcap[PATH_MAX], struct kb_expect *x)
{
	return kb_capture(cache_dir, n, kcap, PATH_MAX, x);
}

/* ---- the passes ---- */

static void warn_count(void *ctx, const char *msg)
{
	(void)msg;
	(*(uint64_t *)ctx)++;
}

/* (a) what replay pays before the state: the reader, and splitting every record into params */
static int pass_decode(const char *path, uint64_t expect_events)
{
	char err[512];
	uint64_t warnings = 0, events = 0, bad = 0;
	struct kite_reader_opts o = {.warn = warn_count, .warn_ctx = &warnings};
	kite_reader *r = kite_reader_open(path, &o, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	const struct kite_schema *s = kite_reader_schema(r);
	const struct kite_evt *e;
	struct kite_params p;
	int rc;
	double t0 = kb_now(CLOCK_MONOTONIC), c0 = kb_now(CLOCK_PROCESS_CPUTIME_ID);
	while ((rc = kite_reader_next(r, &e)) == 1) {
		const struct kite_event_desc *d = kite_schema_event(s, e->type);
		if (kite_evt_split(e, e->len, d, &p))
			bad++;
		events += d && !(d->flags & KITE_EF_STATE);
	}
	add_row("decode (reader + kite_evt_split)", events, kb_now(CLOCK_MONOTONIC) - t0,
	        kb_now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	if (rc < 0)
		kb_fail("decode: %s", kite_reader_error(r));
	kite_reader_close(r);
	if (bad || warnings)
		kb_fail("decode: %" PRIu64 " records did not split, %" PRIu64 " reader warnings", bad,
		        warnings);
	if (events != expect_events)
		kb_fail("decode: %" PRIu64 " events read, the generator wrote %" PRIu64, events,
		        expect_events);
	return 0;
}

static void print_stats(const char *label, const struct kite_state_stats *st)
{
	printf("- kite_state_stats after %s: procs %" PRIu64 ", threads %" PRIu64 " (max %" PRIu64
	       "), fds %" PRIu64 " (max %" PRIu64 "), unknown threads %" PRIu64 ", drops %" PRIu64 "\n",
	       label, st->procs, st->threads, st->max_threads, st->fds, st->max_fds, st->unknown_threads,
	       st->drops);
}

/* The state at the end against the generator's model: a broken state shows here. */
static void check_state(const char *label, const struct kite_state_stats *st, const struct kb_expect *x)
{
	const struct {
		const char *what;
		uint64_t got, want;
	} c[] = {{"live processes", st->procs, x->procs},
	         {"live threads", st->threads, x->threads},
	         {"open fds", st->fds, x->fds},
	         {"unknown threads", st->unknown_threads, 0}};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].got != c[i].want)
			kb_fail("%s: kite's state ends with %" PRIu64
			        " %s, the generator's model with %" PRIu64,
			        label, c[i].got, c[i].what, c[i].want);
}

/* Filter matches against the generator's counts (f1_ok: Falco also matches failed opens, kite may not). */
static void check_matches(int which, uint64_t got, const struct kb_expect *x)
{
	uint64_t want = which == 1 ? x->f1 : x->f2;
	if (got == want)
		return;
	if (which == 1 && got == x->f1_ok) {
		printf("- NOTE: filter 1 matched %" PRIu64
		       " events: the successful opens only; Falco also matches the %" PRIu64
		       " failed opens of /etc paths (fd.name from the path param), expected %" PRIu64 "\n",
		       got, x->f1 - x->f1_ok, x->f1);
		return;
	}
	kb_fail("filter %d matched %" PRIu64 " events, the generator counted %" PRIu64
	        " (f1 successful only: %" PRIu64 ")",
	        which, got, want, x->f1_ok);
}

/* (b) decode + state, (c)/(d) + a filter; returns 0 or -1 */
static int pass_replay(const char *path, const char *label, const char *ftext, int which,
                       const struct kb_expect *x)
{
	char err[512], *paths[] = {(char *)path};
	struct kite_replay rp;
	struct kite_replay_opts o = {0};
	kite_filter *f = NULL;
	if (ftext && !(f = kite_filter_new(ftext, NULL, err, sizeof(err)))) {
		fprintf(stderr, "bench: filter %s: %s\n", ftext, err);
		return -1;
	}
	if (kite_replay_open(&rp, paths, 1, &o)) {
		kite_replay_close(&rp);
		kite_filter_free(f);
		return -1;
	}
	struct kite_ctx *c;
	uint64_t events = 0, matches = 0;
	int rc;
	double t0 = kb_now(CLOCK_MONOTONIC), c0 = kb_now(CLOCK_PROCESS_CPUTIME_ID);
	while ((rc = kite_replay_next(&rp, &c)) == 1) {
		events++;
		if (f)
			matches += (uint64_t)kite_filter_match(f, c);
	}
	struct row *r =
	        add_row(label, events, kb_now(CLOCK_MONOTONIC) - t0, kb_now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	r->matches = matches;
	r->has_matches = f != NULL;
	print_stats(label, kite_state_stats(rp.state));
	check_state(label, kite_state_stats(rp.state), x);
	if (rc < 0 || rp.malformed || events != x->events)
		kb_fail("%s: %" PRIu64 " events of %" PRIu64 ", %" PRIu64 " malformed%s", label, events,
		        x->events, rp.malformed, rc < 0 ? ", read error" : "");
	if (f)
		check_matches(which, matches, x);
	kite_replay_close(&rp);
	kite_filter_free(f);
	return 0;
}

/* ---- peak memory, in a fresh process per capture ---- */

/* The peak RSS of this process image (VmHWM: since exec, unlike ru_maxrss after a fork), in KiB. */
static long vm_hwm_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* --rss-child PATH EXPECT: a state pass alone; prints "hwm_kib events secs" for the parent. */
static int rss_child(const char *path, const char *expect)
{
	struct kb_expect x;
	if (kb_expect_load(expect, &x)) {
		fprintf(stderr, "bench: %s: %s\n", expect, strerror(errno));
		return 1;
	}
	nrows = 0;
	int rc = pass_replay(path, "state (memory run)", NULL, 0, &x);
	printf("RSS %ld %" PRIu64 " %.3f\n", vm_hwm_kib(), rows[0].events, rows[0].secs);
	return rc || kb_failures ? 1 : 0;
}

struct mem {
	uint64_t events;
	long hwm_kib, maxrss_kib;
	double secs;
};

static int run_rss_child(uint64_t n, struct mem *m)
{
	char kcap[PATH_MAX], expect[PATH_MAX], line[512];
	int pfd[2];
	kb_capture_paths(cache_dir, n, kcap, expect, PATH_MAX);
	fflush(stdout);
	if (pipe(pfd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl("/proc/self/exe", "replay", "--rss-child", kcap, expect, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	memset(m, 0, sizeof(*m));
	m->hwm_kib = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "RSS %ld %" SCNu64 " %lf", &m->hwm_kib, &m->events, &m->secs) == 3)
			continue;
		fputs(line, stdout); /* the child's stats and FAIL lines */
		kb_failures += !strncmp(line, "FAIL", 4);
	}
	if (f)
		fclose(f);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	m->maxrss_kib = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		kb_fail("the memory run over %s exited with status %d", kcap,
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return m->hwm_kib > 0 ? 0 : -1;
}

static void bench_memory(uint64_t n)
{
	struct mem m[2];
	const uint64_t sizes[2] = {n, 4 * n};
	for (int i = 0; i < 2; i++) {
		char kcap[PATH_MAX];
		struct kb_expect x;
		if (ensure_capture(sizes[i], kcap, &x) || run_rss_child(sizes[i], &m[i])) {
			kb_fail("no memory figure for %" PRIu64 " events", sizes[i]);
			return;
		}
	}
	printf("\n| Memory (state pass, fresh process) | Events | Time (s) | Peak RSS, VmHWM (MiB) | "
	       "ru_maxrss (MiB) "
	       "|\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (int i = 0; i < 2; i++)
		printf("| %dx | %" PRIu64 " | %.2f | %.1f | %.1f |\n", i ? 4 : 1, m[i].events, m[i].secs,
		       (double)m[i].hwm_kib / 1024.0, (double)m[i].maxrss_kib / 1024.0);
	printf("\nPeak RSS 4x / 1x: %.2f (flat is 1.00)\n", (double)m[1].hwm_kib / (double)m[0].hwm_kib);
}

/* ---- output ---- */

static void print_table(void)
{
	double base = nrows ? rows[0].cpu : 0;
	printf("\n| Pass | Events | Time (s) | CPU (s) | Mevents/s (wall) | Mevents/s (CPU) | ns/event (CPU) "
	       "| × decode "
	       "(CPU) | Matches |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		double secs = r->secs > 0 ? r->secs : 1e-9, cpu = r->cpu > 0 ? r->cpu : 1e-9;
		printf("| %s | %" PRIu64 " | %.3f | %.3f | %.2f | %.2f | %.1f | %.2f |", r->name, r->events,
		       r->secs, r->cpu, (double)r->events / secs / 1e6, (double)r->events / cpu / 1e6,
		       cpu * 1e9 / (double)(r->events ? r->events : 1), base > 0 ? r->cpu / base : 0.0);
		if (r->has_matches)
			printf(" %" PRIu64 " |\n", r->matches);
		else
			printf(" - |\n");
	}
}

static void print_target(void)
{
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		if (!r->has_matches)
			continue;
		double meps = (double)r->events / (r->cpu > 0 ? r->cpu : 1e-9) / 1e6;
		printf("- target %.0f Mevents/s through decode + state + filter: %s %s (%.2f Mevents/s per "
		       "CPU second)\n",
		       TARGET_MEPS, r->name, meps >= TARGET_MEPS ? "meets it" : "misses it", meps);
	}
}

static void print_expect(const char *path, const struct kb_expect *x)
{
	printf("- capture: %s, %" PRIu64 " events after %" PRIu64 " snapshot records (%" PRIu64
	       " processes, %" PRIu64 " threads, %" PRIu64 " fds)\n",
	       path, x->events, x->state_records, x->snap_procs, x->snap_threads, x->snap_fds);
	printf("- simulated: %" PRIu64 " forks, %" PRIu64 " thread clones, %" PRIu64 " execs, %" PRIu64
	       " process exits, %" PRIu64 " thread exits, pid_max wrapped %" PRIu64
	       " times; at the end %" PRIu64 " processes, %" PRIu64 " threads, %" PRIu64
	       " fds (peaks %" PRIu64 "/%" PRIu64 ")\n",
	       x->forks, x->thread_clones, x->execs, x->proc_exits, x->thread_exits, x->pid_wraps, x->procs,
	       x->threads, x->fds, x->max_procs, x->max_threads);
	printf("- filter 1: %s\n- filter 2: %s\n", kb_filter1, kb_filter2);
	printf("- expected matches: filter 1 %" PRIu64 " (%" PRIu64
	       " of them successful opens), filter 2 %" PRIu64 "\n",
	       x->f1, x->f1_ok, x->f2);
}

int main(int argc, char **argv)
{
	uint64_t n = DEFAULT_EVENTS;
	kb_self_dir(argv[0], cache_dir, sizeof(cache_dir));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!strcmp(argv[i], "--rss-child") && i + 2 < argc) {
			return rss_child(argv[i + 1], argv[i + 2]);
		} else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
			if (kb_parse_count(argv[++i], &n)) {
				fprintf(stderr, "bench: --events needs a positive number, not '%s'\n",
				        argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--quick")) {
			n = QUICK_EVENTS;
		} else {
			usage(stderr, argv[0]);
			return 2;
		}
	}

	printf("# kite replay benchmark\n\n");
	char kcap[PATH_MAX];
	struct kb_expect x;
	if (ensure_capture(n, kcap, &x))
		return 1;
	print_expect(kcap, &x);
	fflush(stdout);

	if (pass_decode(kcap, x.events) || pass_replay(kcap, "decode + state", NULL, 0, &x) ||
	    pass_replay(kcap, "decode + state + filter 1 (evt.type, fd.name, proc.name)", kb_filter1, 1,
	                &x) ||
	    pass_replay(kcap, "decode + state + filter 2 (proc.aname, fd.snet, fd.sip)", kb_filter2, 2, &x))
		return 1;
	print_table();
	print_target();
	bench_memory(n);

	if (kb_failures)
		printf("\n%d check(s) FAILED\n", kb_failures);
	return kb_failures ? 1 : 0;
}
