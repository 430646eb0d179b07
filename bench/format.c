/* format.c - benchmarks the capture format: generation, writer at zstd 0/1/3, reader, split and seek. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"
#include "record.h"
#include "schema.h"
#include "testlib.h"
#include "writer.h"

#define DEFAULT_EVENTS 5000000ull
#define SEED           42
#define NSEEKS         100
#define MAX_ROWS       16

static uint8_t evbuf[KITE_EVT_MAX_LEN];

/* One line of the results table. */
struct row {
	char name[64];
	uint64_t events;
	uint64_t raw_bytes; /* record bytes handled (uncompressed) */
	double secs;
	uint64_t file_bytes; /* 0: not a writer row */
};

static struct row rows[MAX_ROWS];
static size_t nrows;
static double gen_secs; /* the baseline */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_row(const char *name, uint64_t events, uint64_t raw_bytes, double secs, uint64_t file_bytes)
{
	if (nrows == MAX_ROWS)
		return;
	struct row *r = &rows[nrows++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->events = events;
	r->raw_bytes = raw_bytes;
	r->secs = secs;
	r->file_bytes = file_bytes;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
	        "usage: %s [-n EVENTS] [-o FILE]\n"
	        "\n"
	        "Benchmarks kite's capture format on a synthetic event mix (tests/unit/testlib.c):\n"
	        "event generation alone (the baseline), the writer at zstd levels 0 (stored), 1 and 3,\n"
	        "the reader with and without kite_evt_split, and %d random kite_reader_seek_time calls.\n"
	        "Prints a Markdown table and the peak RSS.  Timings only: nothing is asserted about them.\n"
	        "\n"
	        "  -n EVENTS  events per run (default %llu)\n"
	        "  -o FILE    write the captures to FILE and keep the last one (level 3); by default a\n"
	        "             temporary file in $TMPDIR (or /tmp) is used and removed\n"
	        "  --help     this text\n",
	        argv0, NSEEKS, (unsigned long long)DEFAULT_EVENTS);
}

/* (a) generation alone: what every writer run pays before the writer is involved */
static void bench_generate(uint64_t n)
{
	struct kite_header h;
	struct kt_synth g;
	kt_header(&h);
	kt_synth_init(&g, SEED, h.start_ns);
	uint64_t bytes = 0;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++)
		bytes += kt_synth_event(&g, evbuf)->len;
	gen_secs = now() - t0;
	add_row("generate (baseline)", n, bytes, gen_secs, 0);
}

/* (b) generation + kite_writer_append + close (index, footer) into path; returns 0 or -1 */
static int bench_write(uint64_t n, int level, const char *path)
{
	struct kite_header h;
	struct kt_synth g;
	char err[512];
	kt_header(&h);
	kt_synth_init(&g, SEED, h.start_ns);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct kite_writer_opts o = {.chunk_bytes = 0, .flush_ns = 0, .level = level}; /* default chunking */
	double t0 = now();
	kite_writer *w = kite_writer_open(fd, path, &h, g.s, &o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "bench: %s\n", err);
		close(fd);
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (kite_writer_append(w, kt_synth_event(&g, evbuf))) {
			fprintf(stderr, "bench: %s\n", kite_writer_error(w));
			kite_writer_abort(w);
			close(fd);
			return -1;
		}
	}
	struct kite_writer_stats st;
	kite_writer_get_stats(w, &st);
	if (kite_writer_close(w, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		close(fd);
		return -1;
	}
	double secs = now() - t0;
	struct stat sb;
	if (fstat(fd, &sb) || close(fd)) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char name[64];
	if (level)
		snprintf(name, sizeof(name), "generate + write, zstd %d", level);
	else
		snprintf(name, sizeof(name), "generate + write, stored");
	add_row(name, st.events, st.raw_bytes, secs, (uint64_t)sb.st_size);
	return 0;
}

static void count_warning(void *ctx, const char *msg)
{
	(void)msg;
	(*(uint64_t *)ctx)++;
}

static kite_reader *open_reader(const char *path, uint64_t *warnings)
{
	struct kite_reader_opts o = {.warn = count_warning, .warn_ctx = warnings, .ignore_index = 0};
	char err[512];
	kite_reader *r = kite_reader_open(path, &o, err, sizeof(err));
	if (!r)
		fprintf(stderr, "bench: %s\n", err);
	return r;
}

/* (c) the reader alone, then the reader + kite_evt_split of every record; returns 0 or -1 */
static int bench_read(uint64_t n, const char *label, const char *path)
{
	uint64_t warnings = 0;
	for (int split = 0; split <= 1; split++) {
		kite_reader *r = open_reader(path, &warnings);
		if (!r)
			return -1;
		const struct kite_schema *s = kite_reader_schema(r);
		const struct kite_evt *e;
		struct kite_params p;
		uint64_t count = 0, bytes = 0, params = 0, bad = 0;
		int rc;
		double t0 = now();
		while ((rc = kite_reader_next(r, &e)) == 1) {
			count++;
			bytes += e->len;
			if (split) {
				if (kite_evt_split(e, e->len, kite_schema_event(s, e->type), &p))
					bad++;
				else
					params += p.n;
			}
		}
		double secs = now() - t0;
		if (rc < 0 || count != n || bad || warnings) {
			fprintf(stderr,
			        "bench: %s: read %" PRIu64 " of %" PRIu64 " events, %" PRIu64
			        " split failures, %" PRIu64 " warnings%s%s\n",
			        path, count, n, bad, warnings, rc < 0 ? ": " : "",
			        rc < 0 ? kite_reader_error(r) : "");
			kite_reader_close(r);
			return -1;
		}
		kite_reader_close(r);
		char name[64];
		snprintf(name, sizeof(name), "%s, %s", split ? "read + split" : "read", label);
		add_row(name, count, bytes, secs, 0);
		(void)params;
	}
	return 0;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

/* (d) random seeks through the index; returns 0 or -1 */
static int bench_seek(const char *path, const char *label)
{
	uint64_t warnings = 0;
	kite_reader *r = open_reader(path, &warnings);
	if (!r)
		return -1;
	const struct kite_index *idx = kite_reader_index(r);
	if (!idx || idx->last_ts < idx->first_ts) {
		fprintf(stderr, "bench: %s: no index to seek with\n", path);
		kite_reader_close(r);
		return -1;
	}
	uint32_t nchunks = idx->nchunks;
	uint64_t x = 0x9E3779B97F4A7C15ull, span = idx->last_ts - idx->first_ts + 1;
	double seek_only = 0, with_first = 0;
	unsigned wrong = 0;
	for (int i = 0; i < NSEEKS; i++) {
		uint64_t t = idx->first_ts + rnd(&x) % span;
		const struct kite_evt *e;
		double t0 = now();
		if (kite_reader_seek_time(r, t)) {
			fprintf(stderr, "bench: %s: %s\n", path, kite_reader_error(r));
			kite_reader_close(r);
			return -1;
		}
		double t1 = now();
		int rc = kite_reader_next(r, &e);
		double t2 = now();
		seek_only += t1 - t0;
		with_first += t2 - t0;
		if (rc != 1 || e->ts < t)
			wrong++;
	}
	kite_reader_close(r);
	printf("\n| Seek (%s, %u chunks, %d random times) | Total (ms) | Per seek (µs) |\n", label, nchunks,
	       NSEEKS);
	printf("|---|---:|---:|\n");
	printf("| kite_reader_seek_time only | %.3f | %.2f |\n", seek_only * 1e3, seek_only * 1e6 / NSEEKS);
	printf("| seek + first event (decompresses the chunk) | %.3f | %.2f |\n", with_first * 1e3,
	       with_first * 1e6 / NSEEKS);
	if (wrong) {
		fprintf(stderr, "bench: %s: %u of %d seeks did not land on an event at or after the target\n",
		        path, wrong, NSEEKS);
		return -1;
	}
	return 0;
}

static void print_table(void)
{
	printf("| Benchmark | Events | Time (s) | Mevents/s | MB/s (raw records) | ns/event | × generate "
	       "| Disk B/event | Compression |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		double secs = r->secs > 0 ? r->secs : 1e-9;
		printf("| %s | %" PRIu64 " | %.3f | %.2f | %.1f | %.1f | %.2f |", r->name, r->events, r->secs,
		       (double)r->events / secs / 1e6, (double)r->raw_bytes / secs / 1e6,
		       secs * 1e9 / (double)(r->events ? r->events : 1),
		       gen_secs > 0 ? r->secs / gen_secs : 0.0);
		if (r->file_bytes)
			printf(" %.1f | %.2f:1 |\n", (double)r->file_bytes / (double)r->events,
			       (double)r->raw_bytes / (double)r->file_bytes);
		else
			printf(" - | - |\n");
	}
}

int main(int argc, char **argv)
{
	uint64_t n = DEFAULT_EVENTS;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, argv[0]);
			return 0;
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(argv[++i], &end, 10);
			if (errno || *end || v == 0 || argv[i][0] == '-') {
				fprintf(stderr, "bench: -n needs a positive number of events, not '%s'\n",
				        argv[i]);
				return 2;
			}
			n = v;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else {
			usage(stderr, argv[0]);
			return 2;
		}
	}

	char tmp[4096];
	if (!out) {
		const char *dir = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/kite-bench-%ld.kcap", dir && *dir ? dir : "/tmp",
		         (long)getpid());
	}
	const char *path = out ? out : tmp;

	printf("# kite capture format benchmark\n\n");
	printf("- events per run: %" PRIu64
	       " (testlib synthetic mix, seed %d), writer defaults: 1 MiB chunks\n",
	       n, SEED);
	printf("- capture file: %s%s\n", path, out ? "" : " (removed at the end)");
	printf("- MB = 10^6 bytes of raw (uncompressed) records; × generate = time / generation time; "
	       "write rows include generating the events and closing the file (index, footer), not "
	       "fsync\n\n");
	fflush(stdout);

	int rc = 0;
	bench_generate(n);
	static const int levels[] = {0, 1, 3};
	for (size_t i = 0; rc == 0 && i < sizeof(levels) / sizeof(levels[0]); i++) {
		char label[32];
		if (levels[i])
			snprintf(label, sizeof(label), "zstd %d", levels[i]);
		else
			snprintf(label, sizeof(label), "stored");
		rc = bench_write(n, levels[i], path);
		if (rc == 0)
			rc = bench_read(n, label, path);
	}
	if (rc == 0) {
		print_table();
		rc = bench_seek(path, "zstd 3 file");
	}
	if (!out)
		unlink(path);

	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("\nPeak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	return rc ? 1 : 0;
}
