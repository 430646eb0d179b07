/* mkseeds.c - writes the fuzz seed corpora: small synthetic captures (whole, cut, stored, empty), blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"
#include "testlib.h"
#include "writer.h"

/* Control bytes of fuzz_reader (see fuzz_reader.c): memfd, pipe, memfd with ignore_index. */
#define CTL_MEMFD        0x0
#define CTL_PIPE         0x1
#define CTL_IGNORE_INDEX 0x4

struct capture {
	uint8_t *p;
	size_t len;
};

static void die(const char *what)
{
	fprintf(stderr, "mkseeds: %s: %s\n", what, strerror(errno));
	exit(1);
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
	struct stat st;
	if (fstat(fd, &st))
		die("fstat");
	struct capture c = {malloc((size_t)st.st_size), (size_t)st.st_size};
	if (!c.p || pread(fd, c.p, c.len, 0) != (ssize_t)c.len)
		die("reading the capture back");
	close(fd);
	return c;
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
static void schema_seeds(const char *dir, const struct capture *c)
{
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
			if (clen <= total - KITE_BLK_OVERHEAD)
				write_seed(dir, kinds[k].name, kinds[k].sel, c->p + off + 16, clen);
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

	schema_seeds(sdir, &full);
	printf("mkseeds: full capture %zu bytes, stored %zu, empty %zu\n", full.len, stored.len, empty.len);
	free(full.p);
	free(stored.p);
	free(empty.p);
	return 0;
}
