/* fuzz_reader.c - libFuzzer target for the capture reader: memfd and pipe input, records, decoding, seek, chunk and type skipping. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "decode.h"
#include "pcapng.h"
#include "reader.h"
#include "record.h"
#include "testlib.h"

/*
 * Input layout: one control byte, then the capture bytes.
 *
 *   bit 0  feed the capture through a pipe (the non-seekable path) instead of a memfd
 *   bit 1  leave block CRCs as they are; otherwise they are recomputed first, so that
 *          mutations reach the chunk, schema, header and index parsers instead of
 *          stopping at the checksum check
 *   bit 2  open with ignore_index (sequential reading even with a footer)
 *   bit 3  skip the chunks the index's summaries rule out (a few types and pids, a time bound)
 *   bit 4  pass over events by type (kite_reader_set_record_want: every want value 0-3, by id)
 *   bit 5  with bit 4, nothing passed over after a time bound
 *
 * Set KITE_FUZZ_DUMP=FILE to write the capture exactly as the reader sees it
 * (after the CRC fix-up): `kite dump FILE` then reproduces a crash outside the fuzzer.
 */
#define CTL_PIPE         0x1
#define CTL_RAW_CRC      0x2
#define CTL_IGNORE_INDEX 0x4
#define CTL_SKIP         0x8
#define CTL_WANT         0x10
#define CTL_UNTIL        0x20

#define MAX_RECORDS (1u << 20) /* per pass: a decompression bomb must not turn into a timeout */

static void discard(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/*
 * Re-seals the kite block at off with the library's own encoder, so the CRC is
 * whatever kite_put_block() computes today (its definition has changed before).
 * Blocks whose lengths the encoder would not reproduce are left alone.
 */
static void fix_block_crc(uint8_t *p, size_t n, size_t off)
{
	if (off > n || n - off < KITE_BLK_OVERHEAD)
		return;
	uint32_t type = get32(p + off), total = get32(p + off + 4), clen = get32(p + off + 12);
	if (total < KITE_BLK_OVERHEAD || total > n - off || clen > total - KITE_BLK_OVERHEAD)
		return;
	struct kite_buf b = {0};
	kite_put_block(&b, type, p + off + 16, clen);
	if (!b.oom && b.len == total)
		memcpy(p + off, b.p, total);
	kbuf_free(&b);
}

/* Walks the blocks as the reader frames them (4-byte steps over garbage) and fixes every kite block's CRC. */
static void fix_crcs(uint8_t *p, size_t n)
{
	size_t off = 0;
	while (n - off >= 12) {
		uint32_t type = get32(p + off), total = get32(p + off + 4);
		int kite = kite_is_kite_block(type);
		if (total < 12 + (kite ? KITE_BLK_PREFIX : 0) || total % 4 || total > n - off ||
		    get32(p + off + total - 4) != total) {
			off += 4;
			continue;
		}
		if (kite)
			fix_block_crc(p, n, off);
		off += total;
	}
	/* the footer and the index it points at are found from the end of the file */
	if (n >= KITE_FOOTER_LEN) {
		size_t f = n - KITE_FOOTER_LEN;
		if (get32(p + f) == KITE_BLK_FOOTER && get32(p + f + 4) == KITE_FOOTER_LEN) {
			uint64_t at;
			memcpy(&at, p + f + 24, 8);
			if (at < f)
				fix_block_crc(p, f, (size_t)at);
			fix_block_crc(p, n, f);
		}
	}
}

/* Every record: split against the file's schema, and each parameter rendered as text. */
static void drain(kite_reader *r, const struct kite_schema *s)
{
	const struct kite_evt *e;
	char out[96];
	static const size_t outlens[] = {sizeof(out), 1, 9, 0};
	struct kite_params p;
	for (uint32_t i = 0; i < MAX_RECORDS && kite_reader_next(r, &e) == 1; i++) {
		const struct kite_event_desc *d = kite_schema_event(s, e->type);
		if (kite_evt_split(e, e->len, d, &p) || !d)
			continue;
		for (uint32_t j = 0; j < p.n; j++) {
			size_t outlen = outlens[(i + j) % 4];
			kite_param_format(s, &d->params[j], p.val[j], p.len[j], outlen ? out : NULL, outlen);
		}
		(void)kite_reader_chunk(r);
	}
}

/* Reads what the accessors return, so a dangling pointer among them shows. */
static size_t touch(const kite_reader *r)
{
	size_t n = 0;
	const struct kite_shb_info *shb = kite_reader_shb(r);
	const struct kite_header *h = kite_reader_header(r);
	const char *strs[] = {
	        shb->hardware, shb->os,   shb->userappl, h->hostname, h->kernel,  h->kernel_version,
	        h->arch,       h->driver, h->recorder,   h->cmdline,  h->filters,
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		n += strs[i] ? strlen(strs[i]) : 0;
	const struct kite_block *blocks;
	size_t nb = kite_reader_prologue(r, &blocks);
	for (size_t i = 0; i < nb; i++)
		n += blocks[i].total_len;
	const struct kite_reader_stats *st = kite_reader_stats(r);
	n += st->records + st->bad_chunks;
	n += strlen(kite_reader_name(r)) + strlen(kite_reader_error(r));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	size_t n = size - 1;
	uint8_t *cap = malloc(n ? n : 1);
	if (!cap)
		return 0;
	memcpy(cap, data + 1, n);
	if (!(ctl & CTL_RAW_CRC))
		fix_crcs(cap, n);

	const char *dump = getenv("KITE_FUZZ_DUMP");
	if (dump && *dump) {
		FILE *f = fopen(dump, "wb");
		if (f) {
			fwrite(cap, 1, n, f);
			fclose(f);
		}
	}

	int fd = (ctl & CTL_PIPE) ? kt_pipe_bytes(cap, n) : kt_memfd_bytes(cap, n);
	free(cap);
	if (fd < 0)
		return 0;

	struct kite_reader_opts o = {
	        .warn = discard, .warn_ctx = NULL, .ignore_index = !!(ctl & CTL_IGNORE_INDEX)};
	char err[256];
	kite_reader *r =
	        kite_reader_open_fd(fd, (ctl & CTL_PIPE) ? "(pipe)" : "(memfd)", &o, err, sizeof(err));
	if (!r)
		return 0;
	const struct kite_schema *s = kite_reader_schema(r);
	volatile size_t sink = touch(r);
	if (ctl & CTL_SKIP) {
		static const uint8_t types[300] = {[1] = 1, [10] = 1, [150] = 1, [299] = 1};
		static const uint32_t pids[] = {0, 1000, 4242};
		const struct kite_index *x = kite_reader_index(r);
		struct kite_chunk_want w = {.types = types,
		                            .ntypes = 300,
		                            .pids = pids,
		                            .npids = 3,
		                            .from = x && x->nchunks ? x->chunks[x->nchunks / 2].first_ts : 0};
		(void)kite_reader_set_chunk_want(r, &w);
	}
	if (ctl & CTL_WANT) {
		uint32_t nt = s->max_event_id + 1;
		uint8_t *types = malloc(nt);
		if (types) {
			for (uint32_t id = 0; id < nt;
			     id++) /* 0 passed over, 1 wanted, 2 resets threads, 3 threadless */
				types[id] = (uint8_t)(((id * 2654435761u) >> 7) + ctl) % 4;
			(void)kite_reader_set_record_want(r, types, nt,
			                                  (ctl & CTL_UNTIL) ? 1600000000000000000ull : 0);
			free(types);
		}
	}
	drain(r, s);
	sink += kite_reader_stats(r)->events_skipped;

	const struct kite_index *idx = kite_reader_index(r);
	if (idx) {
		uint64_t mid = idx->first_ts +
		               (idx->last_ts >= idx->first_ts ? (idx->last_ts - idx->first_ts) / 2 : 0);
		for (uint32_t i = 0; i < idx->nchunks; i++)
			sink += idx->chunks[i].nevents;
		sink += kite_index_find_time(idx, mid);
		if (kite_reader_seek_time(r, mid) == 0)
			drain(r, s);
	}
	sink += touch(r);
	(void)sink;
	kite_reader_close(r);
	return 0;
}
