/* mkseeds.c - writes the fuzz seed corpora: small synthetic captures (whole, cut, stored, empty), blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "pcapng.h"
#include "testlib.h"
#include "writer.h"

/* Control bytes of fuzz_reader (see fuzz_reader.c): memfd, pipe, memfd with ignore_index, chunk skipping. */
#define CTL_MEMFD        0x0
#define CTL_PIPE         0x1
#define CTL_IGNORE_INDEX 0x4
#define CTL_SKIP         0x8

struct capture {
	uint8_t *p;
	size_t len;
};

static void die(const char *what)
{
	fprintf(stderr, "mkseeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The whole content of fd, which is closed. */
static struct capture slurp(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		die("fstat");
	struct capture c = {malloc(st.st_size ? (size_t)st.st_size : 1), (size_t)st.st_size};
	if (!c.p || pread(fd, c.p, c.len, 0) != (ssize_t)c.len)
		die("reading the capture back");
	close(fd);
	return c;
}

/* A synthetic capture, in memory. */
static struct capture make_capture(uint64_t nevents, uint32_t nstate, uint32_t chunk_bytes, int level,
                                   uint64_t seed)
{
	struct kite_writer_opts o = {.chunk_bytes = chunk_bytes, .flush_ns = 0, .level = level};
	int fd = memfd_create("seed", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	if (kt_write_capture(fd, nevents, nstate, &o, seed))
		exit(1);
	return slurp(fd);
}

/*
 * The same kind of capture over a schema cut down to the event types the
 * generator uses (and their flag tables): its SCHEMA block is under half the
 * size of the built-in table's ~23 KB, so each fuzzer run on it is cheaper.
 */
static struct capture make_small_capture(uint64_t nevents, uint32_t nstate, int level, uint64_t seed)
{
	static uint8_t buf[KITE_EVT_MAX_LEN];
	static const struct kite_event_desc *events[KITE_EVT_MAX_BUILTIN];
	static const struct kite_flag_table *tables[KITE_TBL_MAX_BUILTIN];
	struct kite_header h;
	struct kt_synth g;
	char err[512];
	kt_header(&h);
	kt_synth_init(&g, seed, h.start_ns);
	const struct kite_event_desc *proc = kite_schema_event(g.s, KITE_EVT_STATE_PROC);
	const struct kite_event_desc *fdrec = kite_schema_event(g.s, KITE_EVT_STATE_FD);
	for (uint32_t i = 0; i < g.nmix + 2; i++) {
		const struct kite_event_desc *d = i < g.nmix ? g.mix[i] : i == g.nmix ? proc : fdrec;
		events[d->id] = d;
		for (unsigned j = 0; j < d->nparams; j++)
			if (d->params[j].table)
				tables[d->params[j].table] = kite_schema_table(g.s, d->params[j].table);
	}
	struct kite_schema small = *g.s;
	small.events = events;
	small.tables = tables;
	small.ntables = 0;
	for (uint32_t t = 0; t < KITE_TBL_MAX_BUILTIN; t++)
		small.ntables += tables[t] != NULL;

	struct kite_writer_opts o = {.chunk_bytes = 2048, .flush_ns = 0, .level = level};
	int fd = memfd_create("seed", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	kite_writer *w = kite_writer_open(fd, "seed", &h, &small, &o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "mkseeds: %s\n", err);
		exit(1);
	}
	int rc = kite_writer_snapshot_begin(w);
	for (uint32_t i = 0; rc == 0 && i < nstate; i++)
		rc = kite_writer_append(w, kt_synth_record(&g, i % 3 ? fdrec : proc, buf));
	if (rc == 0)
		rc = kite_writer_snapshot_end(w);
	for (uint64_t i = 0; rc == 0 && i < nevents; i++)
		rc = kite_writer_append(w, kt_synth_event(&g, buf));
	if (rc || kite_writer_close(w, err, sizeof(err))) {
		fprintf(stderr, "mkseeds: writing the small capture failed\n");
		exit(1);
	}
	return slurp(fd);
}

static void write_seed(const char *dir, const char *name, uint8_t ctl, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		die(path);
	if (fwrite(&ctl, 1, 1, f) != 1 || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		die(path);
}

/* Offset of the first block of this type (the capture's length if there is none). */
static size_t block_at(const struct capture *c, uint32_t type)
{
	size_t off = 0;
	while (c->len - off >= 12) {
		uint32_t t, total;
		memcpy(&t, c->p + off, 4);
		memcpy(&total, c->p + off + 4, 4);
		if (t == type)
			return off;
		if (total < 12 || total > c->len - off)
			break;
		off += total;
	}
	return c->len;
}

/* Seeds for fuzz_schema: the content of the first block of each parsed kind, behind its selector byte. */
static void schema_seeds(const char *dir, const struct capture *c, const char *prefix)
{
	char name[64];
	static const struct {
		uint32_t type;
		uint8_t sel;
		const char *name;
	} kinds[] = {
	        {KITE_BLK_SCHEMA, 0, "schema"},
	        {KITE_BLK_HEADER, 1, "header"},
	        {KITE_BLK_INDEX, 2, "index"},
	};
	size_t off = 0;
	while (c->len - off >= 12) {
		uint32_t type, total, clen;
		memcpy(&type, c->p + off, 4);
		memcpy(&total, c->p + off + 4, 4);
		if (total < 12 || total > c->len - off)
			break;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (type != kinds[k].type || total < KITE_BLK_OVERHEAD)
				continue;
			memcpy(&clen, c->p + off + 12, 4);
			if (clen <= total - KITE_BLK_OVERHEAD) {
				snprintf(name, sizeof(name), "%s%s", prefix, kinds[k].name);
				write_seed(dir, name, kinds[k].sel, c->p + off + 16, clen);
			}
		}
		off += total;
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mkseeds READER_CORPUS_DIR SCHEMA_CORPUS_DIR\n");
		return 2;
	}
	const char *rdir = argv[1], *sdir = argv[2];
	char name[64];

	/* a complete capture with small chunks: a snapshot, ~15 event chunks, index, footer */
	struct capture full = make_capture(300, 12, 2048, 3, 1);
	write_seed(rdir, "full", CTL_MEMFD, full.p, full.len);
	write_seed(rdir, "full-pipe", CTL_PIPE, full.p, full.len);
	write_seed(rdir, "full-noindex", CTL_IGNORE_INDEX, full.p, full.len);
	write_seed(rdir, "full-skip", CTL_SKIP, full.p, full.len);

	/* the same cut short: in the prologue, the snapshot, the chunks, the index; footer cut or gone */
	size_t data_at = block_at(&full, KITE_BLK_SNAPSHOT), index_at = block_at(&full, KITE_BLK_INDEX);
	const size_t cuts[] = {100,
	                       data_at + 10,
	                       data_at + (index_at - data_at) / 2 + 6,
	                       index_at + 8,
	                       full.len - KITE_FOOTER_LEN,
	                       full.len - 7};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (cuts[i] >= full.len)
			continue;
		snprintf(name, sizeof(name), "truncated-%zu", cuts[i]);
		write_seed(rdir, name, CTL_MEMFD, full.p, cuts[i]);
		snprintf(name, sizeof(name), "truncated-%zu-pipe", cuts[i]);
		write_seed(rdir, name, CTL_PIPE, full.p, cuts[i]);
	}

	/* stored (uncompressed) chunks: the record parsers are directly exposed to mutations */
	struct capture stored = make_capture(120, 6, 2048, 0, 2);
	write_seed(rdir, "stored", CTL_MEMFD, stored.p, stored.len);
	write_seed(rdir, "stored-pipe", CTL_PIPE, stored.p, stored.len);

	/* no events at all: prologue, an empty index, footer */
	struct capture empty = make_capture(0, 0, 2048, 3, 3);
	write_seed(rdir, "empty", CTL_MEMFD, empty.p, empty.len);
	write_seed(rdir, "empty-pipe", CTL_PIPE, empty.p, empty.len);

	/* small schema: the cheap seeds most mutations will start from */
	struct capture small = make_small_capture(100, 6, 3, 4);
	write_seed(rdir, "small", CTL_MEMFD, small.p, small.len);
	write_seed(rdir, "small-pipe", CTL_PIPE, small.p, small.len);
	write_seed(rdir, "small-noindex", CTL_IGNORE_INDEX, small.p, small.len);
	struct capture small0 = make_small_capture(60, 3, 0, 5);
	write_seed(rdir, "small-stored", CTL_MEMFD, small0.p, small0.len);
	write_seed(rdir, "small-stored-pipe", CTL_PIPE, small0.p, small0.len);
	size_t small_cut = block_at(&small, KITE_BLK_INDEX) - 100; /* inside the last chunk */
	snprintf(name, sizeof(name), "small-truncated-%zu", small_cut);
	write_seed(rdir, name, CTL_MEMFD, small.p, small_cut);

	schema_seeds(sdir, &full, "");
	schema_seeds(sdir, &small, "small-");
	printf("mkseeds: full capture %zu bytes, stored %zu, empty %zu, small-schema %zu and %zu\n", full.len,
	       stored.len, empty.len, small.len, small0.len);
	free(small.p);
	free(small0.p);
	free(full.p);
	free(stored.p);
	free(empty.p);
	return 0;
}
