/* reader.c - reads captures block by block: framing checks, CRCs, zstd, truncation and resynchronisation. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "input.h"
#include "scap_ahead.h"
#include "tidset.h"
#include "scap_import.h"
#include "writer.h"

#define MAX_RAW_CHUNK (256u << 20)
#define MAX_PROLOGUE  8

struct kite_reader {
	char *name;
	struct kite_input in;
	struct kite_reader_opts o;

	struct kite_shb_info shb;
	struct kite_header hdr;
	struct kite_schema *schema;
	struct kite_index idx;
	int have_index;
	uint64_t data_end; /* where chunks stop: the index, or the end of file */
	struct kite_block prologue[MAX_PROLOGUE];
	size_t nprologue;

	ZSTD_DCtx *dctx;
	uint8_t *raw; /* the decompressed chunk */
	size_t raw_cap;
	uint32_t raw_len, raw_pos;
	struct kite_chunk_ref cur;

	uint64_t next_seq;      /* the sequence number the next chunk should have */
	uint64_t reported_lost; /* chunks reported lost since the last good one */
	uint64_t skip_before;   /* seek: skip records older than this */
	int saw_footer;
	int events_seen;     /* a CHUNK came: later SNAPSHOT blocks are keyframes */
	int keyframe_wanted; /* kite_reader_seek_keyframe: hand out the keyframe's records */
	int at_end;
	int want_set; /* kite_reader_set_chunk_want: chunks may be skipped */
	struct kite_chunk_want want;
	uint8_t *rec_want; /* kite_reader_set_record_want: per type id, 0 when its events are passed over */
	uint32_t nrec_want;
	uint64_t rec_until;      /* nothing later is passed over (0: no bound) */
	struct kite_tidset seen; /* threads with an event handed out: their first is never passed over */
	struct kite_reader_stats st;
	char err[512];
	kite_scap_import *scap; /* a .scap capture, converted as it is read */
	kite_scap_ahead *ahead; /* converting it on a second thread (from the first kite_reader_next) */
	struct kite_scap_ahead_run run; /* its records not handed out yet, of the batch being read */
	int ahead_tried;
	uint64_t scap_ordinal; /* of the last record handed out */
};

static void warn(kite_reader *r, uint64_t off, const char *fmt, ...)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s: offset %llu: ", r->name, (unsigned long long)off);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (r->o.warn)
		r->o.warn(r->o.warn_ctx, msg);
}

static int fatal(kite_reader *r, uint64_t off, const char *fmt, ...)
{
	int n = snprintf(r->err, sizeof(r->err), "%s: offset %llu: ", r->name, (unsigned long long)off);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(r->err))
		vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *kite_block_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_SHB: return "SHB";
	case PCAPNG_IDB: return "IDB";
	case KITE_BLK_HEADER: return "HEADER";
	case KITE_BLK_SCHEMA: return "SCHEMA";
	case KITE_BLK_SNAPSHOT: return "SNAPSHOT";
	case KITE_BLK_CHUNK: return "CHUNK";
	case KITE_BLK_INDEX: return "INDEX";
	case KITE_BLK_FOOTER: return "FOOTER";
	default: return "unknown";
	}
}

/* ---- block framing ---- */

/* Does a complete, intact block start at the current position?  (used to resynchronise) */
static int block_is_sound(kite_reader *r)
{
	if (kin_ensure(&r->in, 8) < 8)
		return 0;
	const uint8_t *p = kin_peek(&r->in);
	uint32_t type = kite_le32(p), total = kite_le32(p + 4);
	if (!kite_is_kite_block(type) && type != PCAPNG_SHB)
		return 0;
	if (total < 12 + (kite_is_kite_block(type) ? KITE_BLK_PREFIX : 0) || total % 4 ||
	    total > KITE_BLK_MAX)
		return 0;
	if (kin_ensure(&r->in, total) < total)
		return 0;
	p = kin_peek(&r->in);
	if (kite_le32(p + total - 4) != total)
		return 0;
	if (!kite_is_kite_block(type))
		return kite_le32(p + 8) == PCAPNG_BOM;
	return kite_block_check(p, total) == 0;
}

/*
 * Scans forward, 4 bytes at a time (blocks are 4-aligned), for the next block
 * that passes every check.  Returns 1 positioned on it, or 0 at the end of
 * the input.  The bytes passed over are counted.
 */
static int find_next_block(kite_reader *r)
{
	uint64_t from = r->in.pos;
	int found = 0;
	kin_consume(&r->in, kin_ensure(&r->in, 4));
	while (kin_ensure(&r->in, 8) >= 8) {
		if (block_is_sound(r)) {
			found = 1;
			break;
		}
		kin_consume(&r->in, 4);
	}
	if (!found)
		kin_consume(&r->in, kin_ensure(&r->in, 8));
	r->st.skipped_bytes += r->in.pos - from;
	return found;
}

/* A block with broken framing at off: report it and move to the next sound block. */
static void skip_damaged(kite_reader *r, uint64_t off, const char *what, uint32_t type, uint32_t total)
{
	r->st.bad_blocks++;
	int found = find_next_block(r);
	if (found)
		warn(r, off, "%s block %s (length %u): damaged, resynchronised at offset %llu",
		     kite_block_name(type), what, total, (unsigned long long)r->in.pos);
	else
		warn(r, off, "%s block %s (length %u): damaged, and nothing intact follows",
		     kite_block_name(type), what, total);
}

static uint32_t index_nevents_at(const kite_reader *r, uint64_t off)
{
	if (!r->have_index)
		return 0;
	for (uint32_t i = 0; i < r->idx.nchunks; i++)
		if (r->idx.chunks[i].offset == off)
			return r->idx.chunks[i].nevents;
	return 0;
}

/*
 * Reads the next intact block into b: 1, 0 at the end of data, -1 on a read
 * error.  Damaged blocks are reported, counted and passed over.
 */
static int read_block(kite_reader *r, struct kite_block *b)
{
	for (;;) {
		uint64_t off = r->in.pos;
		if (r->have_index && off >= r->data_end)
			return 0;
		size_t n = kin_ensure(&r->in, 8);
		if (r->in.err)
			return fatal(r, off, "read error: %s", strerror(r->in.err));
		if (n == 0)
			return 0;
		if (n < 8) {
			r->st.truncated = 1;
			r->st.truncated_at = off;
			warn(r, off, "file ends inside a block header (%zu bytes); the writer did not finish",
			     n);
			kin_consume(&r->in, n);
			return 0;
		}
		const uint8_t *p = kin_peek(&r->in);
		uint32_t type = kite_le32(p), total = kite_le32(p + 4);
		int kite = kite_is_kite_block(type);
		if (total < 12 + (kite ? KITE_BLK_PREFIX : 0) || total % 4 || total > KITE_BLK_MAX) {
			skip_damaged(r, off, "has an impossible length", type, total);
			continue;
		}
		n = kin_ensure(&r->in, total);
		if (r->in.err)
			return fatal(r, off, "read error: %s", strerror(r->in.err));
		if (n < total) {
			/* the file ends here, or the length is damaged: an intact block further on tells */
			if (find_next_block(r)) {
				r->st.bad_blocks++;
				warn(r, off,
				     "%s block claims %u bytes, past the next intact block at offset %llu: "
				     "damaged length, block skipped",
				     kite_block_name(type), total, (unsigned long long)r->in.pos);
				continue;
			}
			r->st.truncated = 1;
			r->st.truncated_at = off;
			warn(r, off,
			     "file ends inside a block (%s, %zu of its %u bytes); the writer did not finish",
			     kite_block_name(type), n, total);
			return 0;
		}
		p = kin_peek(&r->in);
		if (kite_le32(p + total - 4) != total) {
			skip_damaged(r, off, "has a trailing length that differs from its leading one", type,
			             total);
			continue;
		}
		memset(b, 0, sizeof(*b));
		b->type = type;
		b->total_len = total;
		b->offset = off;
		b->content = p + 8;
		b->content_len = total - 12;
		if (kite) {
			if (kite_block_check(p, total)) {
				int chunk = type == KITE_BLK_CHUNK || type == KITE_BLK_SNAPSHOT;
				uint32_t lost = index_nevents_at(r, off);
				r->st.bad_chunks += chunk;
				r->st.bad_blocks += !chunk;
				r->reported_lost += chunk;
				r->st.lost_events += lost;
				if (lost)
					warn(r, off,
					     "%s block checksum mismatch: block skipped, %u events lost",
					     kite_block_name(type), lost);
				else
					warn(r, off, "%s block checksum mismatch: block skipped",
					     kite_block_name(type));
				kin_consume(&r->in, total);
				continue;
			}
			b->content = p + 16;
			b->content_len = kite_le32(p + 12);
		}
		kin_consume(&r->in, total);
		r->st.blocks++;
		return 1;
	}
}

/* ---- chunks ---- */

static int parse_chunk_header(const struct kite_block *b, struct kite_chunk_ref *c, uint8_t *codec)
{
	struct kite_cursor k;
	kcur_init(&k, b->content, b->content_len);
	uint16_t version = kcur_u16(&k);
	*codec = kcur_u8(&k);
	kcur_u8(&k); /* flags */
	c->nevents = kcur_u32(&k);
	c->seq = kcur_u64(&k);
	c->first_ts = kcur_u64(&k);
	c->last_ts = kcur_u64(&k);
	c->raw_len = kcur_u32(&k);
	c->comp_len = kcur_u32(&k);
	c->offset = b->offset;
	c->kind = b->type == KITE_BLK_SNAPSHOT ? KITE_CHUNK_SNAPSHOT : KITE_CHUNK_EVENTS;
	if (k.bad || version != KITE_CHUNK_VERSION || c->comp_len != b->content_len - KITE_CHUNK_HDR_LEN)
		return -1;
	return 0;
}

/* Every record's framing must tile the chunk exactly, and their count must match. */
static int check_records(const uint8_t *raw, uint32_t len, uint32_t nevents)
{
	uint32_t pos = 0, n = 0;
	while (pos < len) {
		const struct kite_evt *e = (const struct kite_evt *)(raw + pos);
		if (len - pos < KITE_EVT_HDR_LEN || e->len < KITE_EVT_HDR_LEN || e->len % KITE_EVT_ALIGN ||
		    e->len > len - pos)
			return -1;
		pos += e->len;
		n++;
	}
	return n == nevents ? 0 : -1;
}

static int chunk_bad(kite_reader *r, const struct kite_block *b, const char *why)
{
	r->st.bad_chunks++;
	r->reported_lost++;
	r->st.lost_events += b->chunk.nevents;
	warn(r, b->offset, "%s block %s: skipped (%u records lost)", kite_block_name(b->type), why,
	     b->chunk.nevents);
	return -1;
}

/* Decompresses the chunk in b so its records can be iterated.  0, or -1 if it is damaged. */
static int load_chunk(kite_reader *r, struct kite_block *b)
{
	r->raw_len = r->raw_pos = 0;
	if (parse_chunk_header(b, &b->chunk, &b->codec))
		return chunk_bad(r, b, "has a malformed header");
	if (b->chunk.raw_len > MAX_RAW_CHUNK || b->chunk.raw_len % KITE_EVT_ALIGN)
		return chunk_bad(r, b, "claims an impossible size");
	if (b->type == KITE_BLK_CHUNK && b->chunk.last_ts < r->skip_before) {
		r->cur = b->chunk; /* wholly before a seek target: no need to decompress it */
		return 0;
	}
	if (b->chunk.raw_len > r->raw_cap) {
		uint8_t *p = realloc(r->raw, b->chunk.raw_len);
		if (!p)
			return chunk_bad(r, b, "is too large for memory");
		r->raw = p;
		r->raw_cap = b->chunk.raw_len;
	}
	const uint8_t *payload = b->content + KITE_CHUNK_HDR_LEN;
	if (b->codec == KITE_CODEC_ZSTD) {
		size_t got =
		        ZSTD_decompressDCtx(r->dctx, r->raw, b->chunk.raw_len, payload, b->chunk.comp_len);
		if (ZSTD_isError(got) || got != b->chunk.raw_len)
			return chunk_bad(r, b, "does not decompress");
	} else if (b->codec == KITE_CODEC_NONE && b->chunk.comp_len == b->chunk.raw_len) {
		if (b->chunk.raw_len) /* an empty chunk has no buffer yet */
			memcpy(r->raw, payload, b->chunk.raw_len);
	} else {
		return chunk_bad(r, b, "uses an unknown codec");
	}
	if (check_records(r->raw, b->chunk.raw_len, b->chunk.nevents))
		return chunk_bad(r, b, "holds malformed records");
	r->raw_len = b->chunk.raw_len;
	r->cur = b->chunk;
	r->st.chunks++;
	return 0;
}

const struct kite_evt *kite_reader_block_record(kite_reader *r)
{
	if (r->raw_pos >= r->raw_len)
		return NULL;
	const struct kite_evt *e = (const struct kite_evt *)(r->raw + r->raw_pos);
	r->raw_pos += e->len;
	r->st.records++;
	return e;
}

/* ---- opening ---- */

static int parse_shb(kite_reader *r, const struct kite_block *b)
{
	struct kite_cursor c;
	kcur_init(&c, b->content, b->content_len);
	if (kcur_u32(&c) != PCAPNG_BOM)
		return -1;
	r->shb.major = kcur_u16(&c);
	r->shb.minor = kcur_u16(&c);
	kcur_u64(&c);
	while (!c.bad && c.off + 4 <= c.len) {
		uint16_t code = kcur_u16(&c), n = kcur_u16(&c);
		if (code == PCAPNG_OPT_END)
			break;
		const uint8_t *v = kcur_take(&c, n);
		kcur_take(&c, (4 - n % 4) % 4);
		char **slot = code == PCAPNG_SHB_HARDWARE   ? &r->shb.hardware
		              : code == PCAPNG_SHB_OS       ? &r->shb.os
		              : code == PCAPNG_SHB_USERAPPL ? &r->shb.userappl
		                                            : NULL;
		if (v && slot) {
			free(*slot);
			*slot = strndup((const char *)v, n);
		}
	}
	return r->shb.major == 1 ? 0 : -1;
}

/* What the first bytes say when they are not a pcapng section header. */
static const char *sniff(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip-compressed data, but not a .scap capture";
	if (n >= 8 && kite_le32(p) == PCAPNG_SHB && kite_le32(p + 8) == 0x4D3C2B1A)
		return "a big-endian pcapng file (kite captures are little-endian)";
	if (n >= 4 && (kite_le32(p) == 0xa1b2c3d4 || kite_le32(p) == 0xa1b23c4d))
		return "a classic pcap file, not pcapng";
	return "not a pcapng file";
}

/* Footer, then index: both must check out, or the file is read sequentially. */
static void load_index(kite_reader *r)
{
	uint8_t f[KITE_FOOTER_LEN];
	r->data_end = r->in.size;
	if (r->in.size < KITE_FOOTER_LEN || kin_pread(&r->in, r->in.size - KITE_FOOTER_LEN, f, sizeof(f)))
		goto nofooter;
	if (kite_le32(f) != KITE_BLK_FOOTER || kite_block_check(f, KITE_FOOTER_LEN) ||
	    kite_le32(f + 12) != KITE_FOOTER_CONTENT || kite_le64(f + 16) != KITE_FOOTER_MAGIC)
		goto nofooter;
	uint64_t at = kite_le64(f + 24);
	uint32_t len = kite_le32(f + 32);
	if (len < KITE_BLK_OVERHEAD || at + len != r->in.size - KITE_FOOTER_LEN) {
		warn(r, r->in.size - KITE_FOOTER_LEN, "footer points at a bad index; reading sequentially");
		return;
	}
	uint8_t *blk = malloc(len);
	char err[256];
	if (!blk || kin_pread(&r->in, at, blk, len) || kite_le32(blk) != KITE_BLK_INDEX ||
	    kite_block_check(blk, len)) {
		warn(r, at, "index block is damaged; reading sequentially");
		free(blk);
		return;
	}
	if (kite_index_parse(blk + 16, kite_le32(blk + 12), &r->idx, err, sizeof(err))) {
		warn(r, at, "%s; reading sequentially", err);
		free(blk);
		return;
	}
	free(blk);
	r->have_index = 1;
	r->st.has_footer = 1;
	r->data_end = at;
	return;
nofooter:
	r->st.missing_footer = 1;
	warn(r, r->in.size,
	     "no footer: the writer did not finish (killed, or still running); "
	     "reading up to the last complete chunk");
}

static int read_prologue(kite_reader *r, char *err, size_t errlen)
{
	size_t n = kin_ensure(&r->in, 12);
	const uint8_t *p = kin_peek(&r->in);
	if (n < 12 || kite_le32(p) != PCAPNG_SHB || kite_le32(p + 8) != PCAPNG_BOM) {
		snprintf(err, errlen, "%s: %s", r->name, n == 0 ? "empty file" : sniff(p, n));
		return -1;
	}
	int have_schema = 0, have_header = 0;
	struct kite_block b;
	while (!(have_schema && have_header)) {
		int rc = read_block(r, &b);
		if (rc <= 0) {
			snprintf(err, errlen, "%s", rc < 0 ? r->err : "");
			if (rc == 0)
				snprintf(err, errlen,
				         "%s: offset %llu: ends before its %s block; not a kite capture?",
				         r->name, (unsigned long long)r->in.pos,
				         have_header ? "SCHEMA" : "HEADER");
			return -1;
		}
		if (r->nprologue < MAX_PROLOGUE) {
			r->prologue[r->nprologue] = b;
			r->prologue[r->nprologue].content = NULL;
			r->nprologue++;
		}
		char why[256] = "";
		if (b.type == PCAPNG_SHB && parse_shb(r, &b)) {
			snprintf(err, errlen,
			         "%s: offset %llu: unsupported pcapng section header (version %u.%u)",
			         r->name, (unsigned long long)b.offset, r->shb.major, r->shb.minor);
			return -1;
		} else if (b.type == KITE_BLK_HEADER) {
			kite_header_free(&r->hdr);
			if (kite_header_parse(b.content, b.content_len, &r->hdr, why, sizeof(why)))
				goto bad;
			have_header = 1;
		} else if (b.type == KITE_BLK_SCHEMA) {
			kite_schema_free(r->schema);
			r->schema = kite_schema_parse(b.content, b.content_len, why, sizeof(why));
			if (!r->schema)
				goto bad;
			have_schema = 1;
		} else if (b.type == KITE_BLK_CHUNK || b.type == KITE_BLK_SNAPSHOT) {
			snprintf(why, sizeof(why), "%s block before the HEADER and SCHEMA blocks",
			         kite_block_name(b.type));
			goto bad;
		}
		continue;
	bad:
		snprintf(err, errlen, "%s: offset %llu: %s", r->name, (unsigned long long)b.offset, why);
		return -1;
	}
	return 0;
}

/* A warning given on the caller's thread (the worker's are kept until then): counted, passed on. */
static void scap_warn_now(void *ctx, const char *msg)
{
	kite_reader *r = ctx;
	r->st.bad_blocks++;
	if (r->o.warn)
		r->o.warn(r->o.warn_ctx, msg);
}

/* A warning of the importer: given on now, or, from the worker thread, kept to be given in order. */
static void scap_warn(void *ctx, const char *msg)
{
	kite_reader *r = ctx;
	if (r->ahead)
		kite_scap_ahead_warn(r->ahead, msg);
	else
		scap_warn_now(ctx, msg);
}

/*
 * A sysdig/Falco capture is converted by scap_import as it is read: the same
 * records, a schema of its own, no index (seeks skip records).  Detected by
 * content; only files that can be read from the start again (not pipes).
 */
static kite_reader *open_scap(int fd, const char *name, const struct kite_reader_opts *opts, char *err,
                              size_t errlen)
{
	kite_reader *r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name))) {
		snprintf(err, errlen, "%s: out of memory", name);
		close(fd);
		free(r);
		return NULL;
	}
	r->in.fd = -1;
	if (opts)
		r->o = *opts;
	r->scap = kite_scap_import_open(fd, name, scap_warn, r, err, errlen);
	if (!r->scap) {
		kite_reader_close(r);
		return NULL;
	}
	return r;
}

static int looks_like_scap(int fd)
{
	uint8_t head[64];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	return n > 0 && scap_sniff(head, (size_t)n);
}

kite_reader *kite_reader_open_fd(int fd, const char *name, const struct kite_reader_opts *opts, char *err,
                                 size_t errlen)
{
	if (looks_like_scap(fd))
		return open_scap(fd, name, opts, err, errlen);
	kite_reader *r = calloc(1, sizeof(*r));
	if (!r || kin_init(&r->in, fd) || !(r->name = strdup(name)) || !(r->dctx = ZSTD_createDCtx())) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (r)
			r->in.fd = fd;
		kite_reader_close(r);
		return NULL;
	}
	if (opts)
		r->o = *opts;
	if (read_prologue(r, err, errlen)) {
		kite_reader_close(r);
		return NULL;
	}
	if (r->in.seekable && !r->o.ignore_index)
		load_index(r);
	return r;
}

kite_reader *kite_reader_open(const char *path, const struct kite_reader_opts *opts, char *err, size_t errlen)
{
	if (strcmp(path, "-") == 0)
		return kite_reader_open_fd(dup(0), "(stdin)", opts, err, errlen);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return kite_reader_open_fd(fd, path, opts, err, errlen);
}

void kite_reader_close(kite_reader *r)
{
	if (!r)
		return;
	kite_scap_ahead_free(r->ahead); /* before the importer it uses goes */
	r->ahead = NULL;
	kite_scap_import_close(r->scap);
	if (r->in.fd >= 0)
		close(r->in.fd);
	kin_free(&r->in);
	kite_header_free(&r->hdr);
	kite_schema_free(r->schema);
	kite_index_free(&r->idx);
	free(r->shb.hardware);
	free(r->shb.os);
	free(r->shb.userappl);
	ZSTD_freeDCtx(r->dctx);
	free((void *)r->want.types);
	free((void *)r->want.pids);
	free(r->rec_want);
	kite_tidset_free(&r->seen);
	free(r->raw);
	free(r->name);
	free(r);
}

/* ---- iteration ---- */

/*
 * Chunks are numbered 0, 1, 2... by the writer.  A gap that no warning
 * explained means blocks vanished silently (say, a damaged block type made a
 * chunk look like a foreign block): report and count them.
 */
static void check_sequence(kite_reader *r, uint64_t off, uint64_t seq)
{
	if (seq > r->next_seq) {
		uint64_t gap = seq - r->next_seq;
		uint64_t silent = gap > r->reported_lost ? gap - r->reported_lost : 0;
		if (silent) {
			r->st.bad_chunks += silent;
			warn(r, off,
			     "%llu chunk(s) missing before this point (sequence %llu expected, %llu found)",
			     (unsigned long long)silent, (unsigned long long)r->next_seq,
			     (unsigned long long)seq);
		}
	}
	r->next_seq = seq + 1;
	r->reported_lost = 0;
}

int kite_reader_next_block(kite_reader *r, struct kite_block *b)
{
	r->raw_len = r->raw_pos = 0;
	if (r->at_end || r->scap)
		return 0; /* a .scap capture has no kite blocks */
	for (;;) {
		int rc = read_block(r, b);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (r->have_index && r->idx.nchunks && !r->skip_before)
				check_sequence(r, r->data_end, r->idx.chunks[r->idx.nchunks - 1].seq + 1);
			if (!r->saw_footer && !r->have_index && !r->st.missing_footer) {
				r->st.missing_footer = 1;
				warn(r, r->in.pos,
				     "the capture ends without a footer: the writer did not finish");
			}
			r->at_end = 1;
			return 0;
		}
		if (b->type == KITE_BLK_CHUNK || b->type == KITE_BLK_SNAPSHOT) {
			if (load_chunk(r, b))
				continue; /* reported and counted */
			check_sequence(r, b->offset, b->chunk.seq);
		} else if (b->type == KITE_BLK_HEADER || b->type == KITE_BLK_SCHEMA ||
		           b->type == PCAPNG_SHB) {
			/* a second section (files concatenated): kite does not merge sections yet */
			warn(r, b->offset,
			     "a second %s block: concatenated captures are not supported; "
			     "stopping here",
			     kite_block_name(b->type));
			r->at_end = 1;
			return 0;
		} else if (b->type == KITE_BLK_FOOTER) {
			r->saw_footer = 1;
			r->at_end = 1;
		}
		return 1;
	}
}

/* After the worker's last record: its end (rc 0) or failure (rc -1), and the events passed over before. */
__attribute__((noinline)) static int ahead_end(kite_reader *r, int rc)
{
	struct kite_scap_ahead_meta m;
	kite_scap_ahead_end(r->ahead, &m);
	r->st.events_skipped = m.passed;
	r->st.skipped_last_ts = m.passed_ts;
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%s", kite_scap_ahead_error(r->ahead));
	if (rc == 0 && kite_scap_ahead_truncated(r->ahead))
		r->st.truncated = 1;
	return rc;
}

/* Records this far ahead are fetched early: the worker wrote them on another CPU. */
#define PREFETCH_AHEAD 8

/* The next record of the worker's current run (there is one), and what came with it. */
static inline const struct kite_evt *run_next(kite_reader *r)
{
	const struct kite_scap_ahead_item *it = r->run.it++;
	if (r->run.end - it > PREFETCH_AHEAD)
		__builtin_prefetch(r->run.rec + it[PREFETCH_AHEAD].off);
	r->scap_ordinal = it->m.ordinal;
	r->st.events_skipped = it->m.passed;
	r->st.skipped_last_ts = it->m.passed_ts;
	return (const struct kite_evt *)(r->run.rec + it->off);
}

/* The worker's next record (see scap_import_next). */
static inline int ahead_next(kite_reader *r, const struct kite_evt **e)
{
	if (r->run.it == r->run.end) {
		int rc = kite_scap_ahead_take(r->ahead, &r->run);
		if (rc != 1)
			return ahead_end(r, rc);
	}
	*e = run_next(r);
	return 1;
}

/* The importer's next record, from the worker when there is one (started at the first call). */
__attribute__((noinline)) static int scap_import_next(kite_reader *r, const struct kite_evt **e)
{
	if (!r->ahead_tried && !r->o.one_thread) {
		/* r->ahead is set before the worker runs: the warnings it gives find it */
		r->ahead = kite_scap_ahead_new(r->scap, scap_warn_now, r);
		if (r->ahead && kite_scap_ahead_run(r->ahead) < 0) {
			kite_scap_ahead_free(r->ahead);
			r->ahead = NULL; /* no thread: read here */
		}
	}
	r->ahead_tried = 1;
	if (r->ahead)
		return ahead_next(r, e);
	int rc = kite_scap_import_next(r->scap, e);
	r->scap_ordinal = kite_scap_import_ordinal(r->scap);
	r->st.events_skipped = kite_scap_import_passed(r->scap, &r->st.skipped_last_ts);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%s", kite_scap_import_error(r->scap));
	if (rc == 0 && kite_scap_import_truncated(r->scap))
		r->st.truncated = 1;
	return rc;
}

__attribute__((noinline)) static int scap_next(kite_reader *r, const struct kite_evt **e)
{
	for (;;) {
		/* once the worker runs, straight to it */
		int rc = r->ahead ? ahead_next(r, e) : scap_import_next(r, e);
		if (rc <= 0)
			return rc;
		r->st.records++;
		if ((*e)->ts >= r->skip_before)
			return 1;
	}
}

/*
 * 1 when the event e, of a CHUNK block, is passed over: of a type the caller
 * does not want, and not its thread's first (the replay creates an unknown
 * thread at its first event, and where matters).
 */
static int unwanted_record(kite_reader *r, const struct kite_evt *e)
{
	if (!r->rec_want || r->cur.kind == KITE_CHUNK_SNAPSHOT)
		return 0;
	uint8_t want = e->type < r->nrec_want ? r->rec_want[e->type] : 1;
	if (want) {
		kite_tidset_note(&r->seen, want, e->tid);
		return 0;
	}
	if ((r->rec_until && e->ts > r->rec_until) || kite_tidset_add(&r->seen, e->tid))
		return 0;
	/* a record that does not parse is handed out: the caller counts it as damage, not as an event */
	struct kite_params p;
	const struct kite_event_desc *d = kite_schema_event(r->schema, e->type);
	if (!d || kite_evt_split(e, e->len, d, &p) < 0)
		return 0;
	r->st.events_skipped++;
	r->st.skipped_last_ts = e->ts;
	return 1;
}

/* The index entry of the chunk at offset off, or -1 (entries are in file order). */
static int64_t index_entry_at(const kite_reader *r, uint64_t off)
{
	uint32_t lo = 0, hi = r->idx.nchunks;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->idx.chunks[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->idx.nchunks && r->idx.chunks[lo].offset == off ? (int64_t)lo : -1;
}

/*
 * Passes over the blocks ahead that the reader needs not decompress: CHUNKs
 * that hold nothing wanted, and keyframes met in order.  Each only while the
 * block there is the one the index describes (same type and length) and is
 * intact; else it is read, and checked, as usual.  0, or -1 when seeking fails.
 */
static int skip_unwanted(kite_reader *r)
{
	while (!r->at_end && r->in.pos < r->data_end) {
		int64_t i = index_entry_at(r, r->in.pos);
		if (i < 0)
			return 0;
		const struct kite_chunk_ref *c = &r->idx.chunks[i];
		/* a keyframe met in order is passed over anyway (its records are not handed out) */
		int keyframe = c->kind == KITE_CHUNK_SNAPSHOT && r->events_seen && !r->keyframe_wanted;
		if (!keyframe && kite_index_chunk_wanted(&r->idx, (uint32_t)i, &r->want))
			return 0;
		uint32_t content = KITE_CHUNK_HDR_LEN + c->comp_len;
		uint64_t total = KITE_BLK_OVERHEAD + (uint64_t)content + (4 - content % 4) % 4;
		/*
		 * Only a block that passes every check (its CRC included: cheaper than
		 * decompressing) is passed over; a damaged one is read as usual, so
		 * its damage is reported and its events are not counted.
		 */
		if (!block_is_sound(r))
			return 0;
		const uint8_t *p = kin_peek(&r->in);
		if (kite_le32(p) != (keyframe ? KITE_BLK_SNAPSHOT : KITE_BLK_CHUNK) ||
		    kite_le32(p + 4) != total)
			return 0;
		uint64_t off = r->in.pos;
		if (kin_seek(&r->in, off + total))
			return fatal(r, off, "cannot seek: %s", strerror(errno));
		check_sequence(r, off, c->seq);
		r->cur = *c;
		if (keyframe) {
			r->st.keyframes_passed++;
			continue;
		}
		r->events_seen = 1; /* as if read: a snapshot after it is a keyframe */
		r->keyframe_wanted = 0;
		r->st.chunks_skipped++;
		r->st.events_skipped += c->nevents;
		r->st.skipped_last_ts = c->last_ts;
	}
	return 0;
}

int kite_reader_set_chunk_want(kite_reader *r, const struct kite_chunk_want *w)
{
	free((void *)r->want.types);
	free((void *)r->want.pids);
	memset(&r->want, 0, sizeof(r->want));
	r->want_set = 0;
	if (!w || (!w->types && !w->pids && !w->from))
		return 0;
	uint8_t *types = w->types ? malloc(w->ntypes ? w->ntypes : 1) : NULL;
	uint32_t *pids = w->pids ? malloc(w->npids ? w->npids * sizeof(*pids) : 1) : NULL;
	if ((w->types && !types) || (w->pids && !pids)) {
		free(types);
		free(pids);
		return -1;
	}
	if (types && w->ntypes)
		memcpy(types, w->types, w->ntypes);
	if (pids && w->npids)
		memcpy(pids, w->pids, w->npids * sizeof(*pids));
	r->want = *w;
	r->want.types = types;
	r->want.pids = pids;
	/* without summaries, only the time bound can skip */
	r->want_set = r->have_index && !r->scap && (r->idx.sums || w->from);
	return r->want_set;
}

int kite_reader_set_record_want(kite_reader *r, const uint8_t *types, uint32_t ntypes, uint64_t until)
{
	free(r->rec_want);
	r->rec_want = NULL;
	r->nrec_want = 0;
	if (r->scap && r->ahead_tried) { /* once its worker runs, the importer is not ours to change */
		snprintf(r->err, sizeof(r->err), "%s: the types to read must be set before reading", r->name);
		return -1;
	}
	if (r->scap)
		return kite_scap_import_set_want(r->scap, types, ntypes, until);
	if (!types)
		return 0;
	if (!(r->rec_want = malloc(ntypes ? ntypes : 1)))
		return -1;
	memcpy(r->rec_want, types, ntypes);
	r->nrec_want = ntypes;
	r->rec_until = until;
	return 1;
}

/* The next record of a kite capture. */
__attribute__((noinline)) static int kcap_next(kite_reader *r, const struct kite_evt **e)
{
	for (;;) {
		while (r->raw_pos < r->raw_len) {
			const struct kite_evt *ev = kite_reader_block_record(r);
			if (ev->ts >= r->skip_before && !unwanted_record(r, ev)) {
				*e = ev;
				return 1;
			}
		}
		if (r->want_set && skip_unwanted(r) < 0)
			return -1;
		struct kite_block b;
		int rc = kite_reader_next_block(r, &b);
		if (rc <= 0)
			return rc;
		/* whole chunks before a seek target are passed over undecoded where possible */
		if (b.type == KITE_BLK_CHUNK) {
			r->events_seen = 1;
			r->keyframe_wanted = 0;
		} else if (b.type == KITE_BLK_SNAPSHOT && r->events_seen && !r->keyframe_wanted) {
			/*
			 * A keyframe met in order: the events before it already made that
			 * state, so its records are not handed out (only a seek starts from one).
			 */
			r->raw_pos = r->raw_len;
			r->st.keyframes_passed++;
		}
	}
}

/* Inline in the callers too, with link-time optimisation: the replay calls it for every record. */
__attribute__((always_inline)) inline int kite_reader_next(kite_reader *r, const struct kite_evt **e)
{
	/* first, and with nothing else to test: a .scap's record from the worker's run (scap_next's loop) */
	if (r->run.it != r->run.end) {
		const struct kite_evt *ev = run_next(r);
		r->st.records++;
		if (ev->ts >= r->skip_before) {
			*e = ev;
			return 1;
		}
	}
	return r->scap ? scap_next(r, e) : kcap_next(r, e);
}

/* Goes on reading at offset off, where the next chunk should have sequence number seq. */
static int reposition(kite_reader *r, uint64_t off, uint64_t seq)
{
	r->next_seq = seq;
	r->reported_lost = 0;
	if (kin_seek(&r->in, off))
		return fatal(r, off, "cannot seek: %s", strerror(errno));
	r->raw_len = r->raw_pos = 0;
	r->at_end = 0;
	kite_tidset_clear(&r->seen); /* after a jump, no thread's next event is known not to be its first */
	return 0;
}

int kite_reader_seek_keyframe(kite_reader *r, uint64_t t, uint64_t *events_before)
{
	if (!r->have_index || r->scap)
		return 0;
	/*
	 * The last snapshot run that starts after some events and no later than t,
	 * with no event before it in the file later than it in time.  A recorder
	 * may drain events timed after a keyframe's snapshot before it writes the
	 * keyframe (a busy machine); starting at such a keyframe would lose those
	 * events (shown ones too, when they are at or after t) and their effects
	 * on the state, so an earlier keyframe, or none, is used instead.
	 */
	int64_t best = -1;
	int after_events = 0;
	uint64_t latest = 0; /* the latest event time of the chunks so far */
	for (uint32_t i = 0; i < r->idx.nchunks; i++) {
		const struct kite_chunk_ref *c = &r->idx.chunks[i];
		if (c->kind == KITE_CHUNK_EVENTS) {
			after_events = 1;
			if (c->nevents && c->last_ts > latest)
				latest = c->last_ts;
			continue;
		}
		int run_start = i == 0 || r->idx.chunks[i - 1].kind != KITE_CHUNK_SNAPSHOT;
		if (after_events && run_start && c->first_ts <= t && latest <= c->first_ts)
			best = i;
	}
	if (best < 0)
		return 0;
	const struct kite_chunk_ref *c = &r->idx.chunks[best];
	if (events_before) {
		*events_before = 0;
		for (int64_t i = 0; i < best; i++)
			if (r->idx.chunks[i].kind == KITE_CHUNK_EVENTS)
				*events_before += r->idx.chunks[i].nevents;
	}
	r->skip_before = 0;
	if (reposition(r, c->offset, c->seq) < 0)
		return -1;
	r->events_seen = 1;
	r->keyframe_wanted = 1;
	r->st.keyframe_seeks++;
	return 1;
}

const struct kite_chunk_ref *kite_reader_chunk(const kite_reader *r)
{
	return &r->cur;
}

int kite_reader_seek_time(kite_reader *r, uint64_t t)
{
	r->skip_before = t;
	r->events_seen = 1; /* a snapshot met from here on is a keyframe */
	if (!r->have_index || r->scap)
		return 0; /* sequential: records before t are skipped as they come */
	uint32_t i = 0;
	while (i < r->idx.nchunks &&
	       (r->idx.chunks[i].kind != KITE_CHUNK_EVENTS || r->idx.chunks[i].last_ts < t))
		i++;
	if (i < r->idx.nchunks)
		return reposition(r, r->idx.chunks[i].offset, r->idx.chunks[i].seq);
	return reposition(r, r->data_end, r->next_seq);
}

/* ---- accessors ---- */

const struct kite_header *kite_reader_header(const kite_reader *r)
{
	return r->scap ? kite_scap_import_header(r->scap) : &r->hdr;
}
const struct kite_shb_info *kite_reader_shb(const kite_reader *r)
{
	return &r->shb;
}
const struct kite_schema *kite_reader_schema(const kite_reader *r)
{
	return r->scap ? kite_scap_import_schema(r->scap) : r->schema;
}

int kite_reader_is_scap(const kite_reader *r)
{
	return r->scap != NULL;
}

int kite_reader_records_trusted(const kite_reader *r)
{
	return r->scap != NULL; /* scap_import.c builds every record for its schema's entry */
}

uint64_t kite_reader_scap_ordinal(const kite_reader *r)
{
	return r->scap_ordinal; /* set for a .scap's records alone: 0 for another capture's (calloc) */
}
const struct kite_index *kite_reader_index(const kite_reader *r)
{
	return r->have_index ? &r->idx : NULL;
}
const struct kite_reader_stats *kite_reader_stats(const kite_reader *r)
{
	return &r->st;
}
const char *kite_reader_error(const kite_reader *r)
{
	return r->err;
}
const char *kite_reader_name(const kite_reader *r)
{
	return r->name;
}

size_t kite_reader_prologue(const kite_reader *r, const struct kite_block **blocks)
{
	*blocks = r->prologue;
	return r->nprologue;
}
