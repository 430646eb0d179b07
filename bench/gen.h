/* gen.h - a simulated host for benchmarks: a state snapshot, then ~200 processes doing what real ones do. */
#ifndef KITE_BENCH_GEN_H
#define KITE_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Bump whenever the generated events change: cached captures of other versions are regenerated. */
#define KB_GEN_VERSION 1

/*
 * The two filters the replay benchmark runs.  The generator counts the events
 * each must match, so the benchmark also checks them.
 */
extern const char kb_filter1[]; /* opens under /etc by processes other than sshd, systemd, cron */
extern const char kb_filter2[]; /* network events towards some servers, by descendants of some daemons */

/* What a correct replay of the capture must end with, as the generator's own model knows it. */
struct kb_expect {
	uint64_t version; /* KB_GEN_VERSION of the generator that wrote the capture */
	uint64_t events, state_records;
	uint64_t procs, threads, fds; /* live at the end, as kite_state_stats counts them */
	uint64_t snap_procs, snap_threads, snap_fds;
	uint64_t max_procs, max_threads; /* peaks over the capture */
	uint64_t forks, thread_clones, execs, proc_exits, thread_exits, pid_wraps;
	uint64_t f1; /* kb_filter1 matches as Falco counts them: failed opens too (fd.name is their path) */
	uint64_t f1_ok; /* ... the successful opens among them */
	uint64_t f2;    /* kb_filter2 matches */
};

/*
 * Writes a capture of about nevents events (never fewer) to fd, zstd level 3
 * (kite-record's setting), deterministic for a seed.  Returns 0, or -1 with
 * a message in err.
 */
int kb_generate(int fd, uint64_t nevents, uint64_t seed, struct kb_expect *x, char *err, size_t errlen);

/* The expectations as "key value" lines; 0 or -1 (errno set; EINVAL: another KB_GEN_VERSION). */
int kb_expect_save(const char *path, const struct kb_expect *x);
int kb_expect_load(const char *path, struct kb_expect *x);

/* The seed of the benchmarks' captures. */
#define KB_SEED 42

/* The directory of the running program (/proc/self/exe, else argv0's), where captures are cached. */
void kb_self_dir(const char *argv0, char *out, size_t len);

/* The cached capture of n events in dir and its expectations: DIR/replay-N.kcap, DIR/replay-N.expect. */
void kb_capture_paths(const char *dir, uint64_t n, char *kcap, char *expect, size_t len);

/*
 * The cached capture of n events in dir (path in kcap_out, expectations in *x),
 * generated with KB_SEED when missing, shorter or made by another generator
 * version (printing "- generating ..." on stdout).  0, or -1 with the reason
 * on stderr.
 */
int kb_capture(const char *dir, uint64_t n, char *kcap_out, size_t len, struct kb_expect *x);

/* For the benchmarks: a clock in seconds, and failure reports ("FAIL: ..." on stdout, counted). */
double kb_now(clockid_t clk);
/* A positive decimal count (an --events value): 0, or -1 when s is not one. */
int kb_parse_count(const char *s, uint64_t *n);
extern int kb_failures;
void kb_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
