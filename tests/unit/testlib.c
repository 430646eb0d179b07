/* testlib.c - deterministic synthetic events: each parameter filled according to its kind. */
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"
#include "events.h"

static uint64_t rnd(struct kt_synth *g)
{
	/* xorshift64*: fast, deterministic, good enough for test data */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ull;
}

static uint32_t pick(struct kt_synth *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

/* A workload shaped like a build or a web service: mostly file and fd churn. */
static const struct {
	const char *name;
	unsigned weight;
} mix[] = {
        {"openat", 16},  {"close", 16},   {"read", 14},     {"write", 10},   {"mmap", 5},   {"mprotect", 2},
        {"socket", 2},   {"connect", 2},  {"sendto", 3},    {"recvfrom", 3}, {"execve", 1}, {"clone", 1},
        {"procexit", 1}, {"unlinkat", 1}, {"renameat2", 1}, {"dup2", 1},     {"pipe2", 1},  {"accept4", 1},
        {"fcntl", 2},    {"chdir", 1},    {"setuid", 1},    {"kill", 1},     {"drop", 1},
};

static const char *const paths[] = {
        "/etc/passwd",
        "/etc/ld.so.cache",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/proc/self/status",
        "/tmp/build/obj/parser.o",
        "/home/dev/project/src/main.c",
        "/var/log/syslog",
        "/dev/null",
        "/usr/share/zoneinfo/UTC",
        "relative/dir/file.txt",
        "/sys/fs/cgroup/cpu.max",
        "/run/systemd/journal/socket",
};

static const char *const words[] = {"bash", "make", "cc1", "nginx", "python3", "sshd", "curl", "ls"};

static const char payload[] =
        "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

void kt_synth_init(struct kt_synth *g, uint64_t seed, uint64_t start_ts)
{
	memset(g, 0, sizeof(*g));
	g->s = kite_schema_builtin();
	g->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	g->ts = start_ts;
	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		const struct kite_event_desc *d = kite_schema_find(g->s, mix[i].name);
		for (unsigned w = 0; d && w < mix[i].weight && g->nmix < 256; w++)
			g->mix[g->nmix++] = d;
	}
}

static void add_table_value(struct kt_synth *g, struct kite_evt_builder *b, const struct kite_param_desc *p)
{
	const struct kite_flag_table *t = kite_schema_table(g->s, p->table);
	uint64_t v = t && t->nentries ? t->entries[pick(g, t->nentries)].value : 0;
	kite_evt_add_u(b, v, p->table == KITE_TBL_CAPS || p->table == KITE_TBL_CLONE_FLAGS ? 8 : 4);
}

static void add_addr(struct kt_synth *g, struct kite_evt_builder *b, int tuple)
{
	uint8_t a[13];
	a[0] = KITE_AF_INET;
	uint8_t ip1[4] = {10, 0, 0, (uint8_t)(1 + pick(g, 20))}, ip2[4] = {93, 184, 216, 34};
	uint16_t p1 = (uint16_t)(32768 + pick(g, 20000)), p2 = pick(g, 2) ? 443 : 80;
	memcpy(a + 1, ip1, 4);
	memcpy(a + 5, &p1, 2);
	if (!tuple) {
		kite_evt_add(b, a, 7);
		return;
	}
	memcpy(a + 7, ip2, 4);
	memcpy(a + 11, &p2, 2);
	kite_evt_add(b, a, 13);
}

static void add_param(struct kt_synth *g, struct kite_evt_builder *b, const struct kite_param_desc *p)
{
	static const char argv[] = "make\0-j2\0all";
	switch (p->kind) {
	case KITE_K_ERRNO: {
		int64_t v = pick(g, 10) ? (int64_t)(3 + pick(g, 4096)) : -(int64_t)(pick(g, 2) ? 2 : 11);
		kite_evt_add_u(b, (uint64_t)v, 8);
		break;
	}
	case KITE_K_FD:
		kite_evt_add_u(b, strcmp(p->name, "dirfd") == 0 ? (uint64_t)-100 : 3 + pick(g, 60), 8);
		break;
	case KITE_K_PID: kite_evt_add_u(b, 1000 + pick(g, 50), 8); break;
	case KITE_K_UID:
	case KITE_K_GID: kite_evt_add_u(b, pick(g, 2) ? 1000 : 0, 4); break;
	case KITE_K_MODE: kite_evt_add_u(b, 0644, 4); break;
	case KITE_K_FLAGS:
	case KITE_K_ENUM:
	case KITE_K_SIGNAL: add_table_value(g, b, p); break;
	case KITE_K_PATH:
	case KITE_K_RELPATH: kite_evt_add_str(b, paths[pick(g, sizeof(paths) / sizeof(paths[0]))]); break;
	case KITE_K_STRING: kite_evt_add_str(b, words[pick(g, sizeof(words) / sizeof(words[0]))]); break;
	case KITE_K_BYTES: kite_evt_add(b, payload, 1 + pick(g, sizeof(payload) - 1)); break;
	case KITE_K_SOCKADDR: add_addr(g, b, 0); break;
	case KITE_K_TUPLE: add_addr(g, b, 1); break;
	case KITE_K_STRLIST: kite_evt_add(b, argv, sizeof(argv)); break;
	case KITE_K_ABSTIME: kite_evt_add_u(b, g->ts, 8); break;
	case KITE_K_DEV: kite_evt_add_u(b, 0x803, 4); break;
	default: kite_evt_add_u(b, pick(g, 100000), 8);
	}
}

const struct kite_evt *kt_synth_record(struct kt_synth *g, const struct kite_event_desc *d, uint8_t *buf)
{
	struct kite_evt_builder b;
	uint32_t pid = 1000 + pick(g, 50);
	g->ts += 200 + pick(g, 1800);
	kite_evt_begin(&b, buf, d->id, d->nparams, g->ts, pick(g, 8) ? pid : pid + 1, pid,
	               (uint16_t)pick(g, 2));
	for (unsigned i = 0; i < d->nparams; i++)
		add_param(g, &b, &d->params[i]);
	return kite_evt_end(&b);
}

const struct kite_evt *kt_synth_event(struct kt_synth *g, uint8_t *buf)
{
	return kt_synth_record(g, g->mix[pick(g, g->nmix)], buf);
}

void kt_header(struct kite_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format_version = KITE_FORMAT_VERSION;
	h->hostname = "testhost";
	h->kernel = "6.1.0-test";
	h->arch = "x86_64";
	h->driver = "synthetic";
	h->recorder = "kite-tests " KITE_VERSION;
	h->cmdline = "kite-tests --synthetic";
	h->boot_ns = 1700000000000000000ull;
	h->start_ns = 1700000000000000000ull + 5000000000ull;
	h->ncpus = 2;
	h->snaplen = 80;
}

/* Record i of a synthetic capture: nstate snapshot records, then events. */
static const struct kite_evt *capture_record(struct kt_synth *g, uint64_t i, uint32_t nstate, uint8_t *buf)
{
	if (i < nstate)
		return kt_synth_record(
		        g, kite_schema_event(g->s, i % 3 ? KITE_EVT_STATE_FD : KITE_EVT_STATE_PROC), buf);
	return kt_synth_event(g, buf);
}

int kt_write_capture(int fd, uint64_t nevents, uint32_t nstate, const struct kite_writer_opts *o,
                     uint64_t seed)
{
	static uint8_t buf[KITE_EVT_MAX_LEN];
	struct kite_header h;
	struct kt_synth g;
	char err[512];
	kt_header(&h);
	kt_synth_init(&g, seed, h.start_ns);
	kite_writer *w = kite_writer_open(fd, "synthetic", &h, g.s, o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	int rc = kite_writer_snapshot_begin(w);
	for (uint64_t i = 0; rc == 0 && i < nstate + nevents; i++) {
		if (i == nstate)
			rc = kite_writer_snapshot_end(w);
		if (rc == 0)
			rc = kite_writer_append(w, capture_record(&g, i, nstate, buf));
	}
	if (rc) {
		fprintf(stderr, "%s\n", kite_writer_error(w));
		kite_writer_abort(w);
		return -1;
	}
	if (kite_writer_close(w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

uint64_t *kt_expected_hashes(uint64_t nevents, uint32_t nstate, uint64_t seed)
{
	static uint8_t buf[KITE_EVT_MAX_LEN];
	struct kite_header h;
	struct kt_synth g;
	kt_header(&h);
	kt_synth_init(&g, seed, h.start_ns);
	uint64_t *out = malloc((nevents + nstate + 1) * sizeof(uint64_t));
	for (uint64_t i = 0; out && i < nstate + nevents; i++) {
		const struct kite_evt *e = capture_record(&g, i, nstate, buf);
		out[i] = kt_hash(e, e->len);
	}
	return out;
}

uint64_t kt_hash(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#include "reader.h"

int kt_memfd_bytes(const void *p, size_t len)
{
	int fd = memfd_create("kite-test", MFD_CLOEXEC);
	const uint8_t *b = p;
	while (fd >= 0 && len > 0) {
		ssize_t k = write(fd, b, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return -1;
		}
		b += k;
		len -= (size_t)k;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int kt_pipe_bytes(const void *p, size_t len)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK))
		return -1;
	int cap = fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	if (cap < 0)
		cap = fcntl(pfd[1], F_GETPIPE_SZ);
	if (cap > 0 && len > (size_t)cap)
		len = (size_t)cap;
	const uint8_t *b = p;
	size_t off = 0;
	while (off < len) {
		ssize_t k = write(pfd[1], b + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* full (EAGAIN): the reader sees a shorter capture */
		off += (size_t)k;
	}
	close(pfd[1]);
	/* the reader's reads must block normally (they never will: the write end is closed) */
	fcntl(pfd[0], F_SETFL, 0);
	return pfd[0];
}

int kt_memfd_capture(uint64_t nevents, uint32_t nstate, const struct kite_writer_opts *o, uint64_t seed)
{
	int fd = memfd_create("kite-test", MFD_CLOEXEC);
	if (fd < 0 || kt_write_capture(fd, nevents, nstate, o, seed)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

uint8_t *kt_slurp(int fd, size_t *len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *p = malloc(size > 0 ? (size_t)size : 1);
	if (!p || size < 0 || pread(fd, p, (size_t)size, 0) != size) {
		free(p);
		return NULL;
	}
	lseek(fd, 0, SEEK_SET);
	*len = (size_t)size;
	return p;
}

uint64_t kt_read_all(struct kite_reader *r, uint64_t **hashes)
{
	uint64_t n = 0, cap = 1024;
	const struct kite_evt *e;
	*hashes = malloc(cap * sizeof(uint64_t));
	while (*hashes && kite_reader_next(r, &e) > 0) {
		if (n == cap) {
			cap *= 2;
			uint64_t *h = realloc(*hashes, cap * sizeof(uint64_t));
			if (!h)
				break;
			*hashes = h;
		}
		(*hashes)[n++] = kt_hash(e, e->len);
	}
	return n;
}

void kt_warn(void *ctx, const char *msg)
{
	struct kt_warnings *w = ctx;
	w->count++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}
