/* writer.c - writes a capture: records are batched into chunks, compressed with zstd and framed as pcapng blocks. */
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_CHUNK_BYTES (1u << 20)
#define DEFAULT_FLUSH_NS    1000000000ull
#define DEFAULT_LEVEL       3
#define MAX_CHUNK_BYTES     (64u << 20)

struct kite_writer {
	int fd;
	char *name;
	const struct kite_schema *schema;
	struct kite_writer_opts o;
	ZSTD_CCtx *cctx;

	/* the chunk being filled */
	uint8_t *raw;
	uint32_t raw_len, raw_cap;
	uint32_t nevents;
	uint64_t first_ts, last_ts;
	uint32_t reserved; /* bytes handed out by reserve(), not yet committed */
	int in_snapshot;

	struct kite_buf out; /* one block being assembled */
	uint64_t offset;     /* bytes written to fd */
	uint64_t seq;
	struct kite_index_builder ib;
	struct kite_writer_stats st;

	int failed;
	char err[256];
};

static int fail(kite_writer *w, const char *fmt, const char *detail)
{
	if (!w->failed) {
		snprintf(w->err, sizeof(w->err), fmt, w->name, (unsigned long long)w->offset, detail);
		w->failed = 1;
	}
	return -1;
}

/* Writes the assembled block in w->out, all of it or an error. */
static int write_out(kite_writer *w)
{
	if (w->out.oom)
		return fail(w, "%s: out of memory at offset %llu%s", "");
	const uint8_t *p = w->out.p;
	size_t n = w->out.len;
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(w, "%s: write failed at offset %llu: %s", strerror(k < 0 ? errno : EIO));
		p += k;
		n -= (size_t)k;
		w->offset += (uint64_t)k;
	}
	w->st.file_bytes = w->offset;
	w->out.len = 0;
	return 0;
}

kite_writer *kite_writer_open(int fd, const char *name, const struct kite_header *hdr,
                              const struct kite_schema *schema, const struct kite_writer_opts *opts,
                              char *err, size_t errlen)
{
	kite_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	w->fd = fd;
	w->name = strdup(name ? name : "(capture)");
	w->schema = schema;
	if (opts)
		w->o = *opts;
	if (!w->o.chunk_bytes)
		w->o.chunk_bytes = DEFAULT_CHUNK_BYTES;
	if (w->o.chunk_bytes > MAX_CHUNK_BYTES)
		w->o.chunk_bytes = MAX_CHUNK_BYTES;
	if (!w->o.flush_ns)
		w->o.flush_ns = DEFAULT_FLUSH_NS;
	if (!opts)
		w->o.level = DEFAULT_LEVEL;
	w->raw_cap = w->o.chunk_bytes + KITE_EVT_MAX_LEN;
	w->raw = malloc(w->raw_cap);
	w->cctx = ZSTD_createCCtx();
	if (!w->name || !w->raw || !w->cctx || kite_ib_init(&w->ib)) {
		snprintf(err, errlen, "%s: out of memory", name);
		kite_writer_abort(w);
		return NULL;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->o.level);
	kite_ib_set_schema(&w->ib, schema);

	char userappl[256];
	snprintf(userappl, sizeof(userappl), "%s", hdr->recorder ? hdr->recorder : "kite");
	char os[256];
	snprintf(os, sizeof(os), "Linux %s", hdr->kernel ? hdr->kernel : "");
	pcapng_put_shb(&w->out, hdr->arch, os, userappl);
	pcapng_put_idb(&w->out);

	struct kite_buf content = {0};
	kite_header_encode(hdr, &content);
	kite_put_block(&w->out, KITE_BLK_HEADER, content.p, (uint32_t)content.len);
	kbuf_free(&content);

	size_t slen = 0;
	uint8_t *s = kite_schema_serialize(schema, &slen);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		kite_writer_abort(w);
		return NULL;
	}
	kite_put_block(&w->out, KITE_BLK_SCHEMA, s, (uint32_t)slen);
	free(s);
	if (write_out(w)) {
		snprintf(err, errlen, "%s", w->err);
		kite_writer_abort(w);
		return NULL;
	}
	return w;
}

/* Compresses the records in w->raw into one block and writes it. */
static int close_chunk(kite_writer *w)
{
	if (w->failed)
		return -1;
	if (w->nevents == 0)
		return 0;
	uint32_t type = w->in_snapshot ? KITE_BLK_SNAPSHOT : KITE_BLK_CHUNK;
	size_t start = kite_open_block(&w->out);
	size_t hdr_at = w->out.len;
	size_t bound = w->o.level ? ZSTD_compressBound(w->raw_len) : w->raw_len;
	if (kbuf_reserve(&w->out, KITE_CHUNK_HDR_LEN + bound + 8))
		return fail(w, "%s: out of memory at offset %llu%s", "");
	uint8_t *payload = w->out.p + hdr_at + KITE_CHUNK_HDR_LEN;
	size_t comp;
	uint8_t codec = KITE_CODEC_ZSTD;
	if (w->o.level) {
		comp = ZSTD_compress2(w->cctx, payload, bound, w->raw, w->raw_len);
		if (ZSTD_isError(comp))
			return fail(w, "%s: compression failed at offset %llu: %s", ZSTD_getErrorName(comp));
	} else {
		memcpy(payload, w->raw, w->raw_len);
		comp = w->raw_len;
		codec = KITE_CODEC_NONE;
	}
	struct kite_chunk_ref ref = {
	        .offset = w->offset,
	        .first_ts = w->first_ts,
	        .last_ts = w->last_ts,
	        .seq = w->seq++,
	        .nevents = w->nevents,
	        .raw_len = w->raw_len,
	        .comp_len = (uint32_t)comp,
	        .kind = w->in_snapshot ? KITE_CHUNK_SNAPSHOT : KITE_CHUNK_EVENTS,
	};
	struct kite_buf *o = &w->out;
	o->len = hdr_at;
	kbuf_put_u16(o, KITE_CHUNK_VERSION);
	kbuf_put_u8(o, codec);
	kbuf_put_u8(o, 0); /* flags: none defined */
	kbuf_put_u32(o, ref.nevents);
	kbuf_put_u64(o, ref.seq);
	kbuf_put_u64(o, ref.first_ts);
	kbuf_put_u64(o, ref.last_ts);
	kbuf_put_u32(o, ref.raw_len);
	kbuf_put_u32(o, ref.comp_len);
	o->len += comp;
	kite_seal_block(o, start, type);
	kite_ib_chunk(&w->ib, &ref);
	w->st.chunks++;
	w->raw_len = 0;
	w->nevents = 0;
	return write_out(w);
}

/* Bookkeeping for a record that now sits at w->raw + w->raw_len. */
static int account(kite_writer *w, const struct kite_evt *e)
{
	if (w->nevents == 0 || e->ts < w->first_ts)
		w->first_ts = e->ts;
	if (w->nevents == 0 || e->ts > w->last_ts)
		w->last_ts = e->ts;
	w->nevents++;
	w->raw_len += e->len;
	w->st.raw_bytes += e->len;
	if (w->in_snapshot) {
		w->st.state_records++;
		return w->raw_len >= w->o.chunk_bytes ? close_chunk(w) : 0;
	}
	kite_writer_count(w, e);
	if (w->raw_len >= w->o.chunk_bytes || e->ts - w->first_ts >= w->o.flush_ns)
		return close_chunk(w);
	return 0;
}

void kite_writer_count(kite_writer *w, const struct kite_evt *e)
{
	w->st.events++;
	kite_ib_count(&w->ib, w->schema, e);
	w->st.drops = w->ib.idx.drops;
}

static int check_record(kite_writer *w, const struct kite_evt *e)
{
	if (e->len < KITE_EVT_HDR_LEN || e->len > KITE_EVT_MAX_LEN || e->len % KITE_EVT_ALIGN)
		return fail(w, "%s: offset %llu: refusing a malformed record (%s)", "bad length");
	return 0;
}

int kite_writer_append(kite_writer *w, const struct kite_evt *e)
{
	if (w->failed || check_record(w, e))
		return -1;
	memcpy(w->raw + w->raw_len, e, e->len);
	return account(w, (const struct kite_evt *)(w->raw + w->raw_len));
}

void *kite_writer_reserve(kite_writer *w, uint32_t len)
{
	if (w->failed || len < KITE_EVT_HDR_LEN || len > KITE_EVT_MAX_LEN || len % KITE_EVT_ALIGN) {
		fail(w, "%s: offset %llu: %s", "bad reservation length");
		return NULL;
	}
	w->reserved = len;
	return w->raw + w->raw_len;
}

int kite_writer_commit(kite_writer *w)
{
	const struct kite_evt *e = (const struct kite_evt *)(w->raw + w->raw_len);
	if (w->failed)
		return -1;
	if (!w->reserved || e->len > w->reserved)
		return fail(w, "%s: offset %llu: %s", "commit without a matching reservation");
	w->reserved = 0;
	if (check_record(w, e))
		return -1;
	return account(w, e);
}

int kite_writer_snapshot_begin(kite_writer *w)
{
	if (close_chunk(w))
		return -1;
	w->in_snapshot = 1;
	return 0;
}

int kite_writer_snapshot_end(kite_writer *w)
{
	int rc = close_chunk(w);
	w->in_snapshot = 0;
	return rc;
}

int kite_writer_tick(kite_writer *w, uint64_t now_ns)
{
	if (w->nevents && !w->in_snapshot && now_ns > w->first_ts && now_ns - w->first_ts >= w->o.flush_ns)
		return close_chunk(w);
	return w->failed ? -1 : 0;
}

int kite_writer_flush(kite_writer *w)
{
	return close_chunk(w);
}

int kite_writer_copy_chunk(kite_writer *w, uint32_t block_type, const uint8_t *content, uint32_t len,
                           const struct kite_chunk_ref *ref)
{
	if (close_chunk(w))
		return -1;
	/*
	 * The index gives this chunk the summary of the events counted since the
	 * last chunk: the caller counts this chunk's records just before, with no
	 * appended record pending (close_chunk() above would take them).
	 */
	struct kite_chunk_ref r = *ref;
	r.offset = w->offset;
	r.seq = w->seq++;
	/* renumbered, so a recovered file has no sequence gaps where damaged chunks were dropped */
	size_t start = kite_open_block(&w->out);
	kbuf_put(&w->out, content, len);
	if (!w->out.oom && len >= KITE_CHUNK_HDR_LEN)
		memcpy(w->out.p + start + 16 + 8, &r.seq, 8);
	kite_seal_block(&w->out, start, block_type);
	kite_ib_chunk(&w->ib, &r);
	w->st.chunks++;
	w->st.raw_bytes += r.raw_len;
	return write_out(w);
}

int kite_writer_close(kite_writer *w, char *err, size_t errlen)
{
	int rc = close_chunk(w);
	if (rc == 0 && kite_ib_finish(&w->ib))
		rc = fail(w, "%s: out of memory at offset %llu%s", "");
	if (rc == 0) {
		uint64_t index_at = w->offset;
		struct kite_buf content = {0};
		kite_index_encode(&w->ib.idx, &content);
		kite_put_block(&w->out, KITE_BLK_INDEX, content.p, (uint32_t)content.len);
		kbuf_free(&content);
		uint32_t index_len = (uint32_t)w->out.len;
		uint8_t footer[KITE_FOOTER_CONTENT];
		uint64_t magic = KITE_FOOTER_MAGIC;
		uint32_t version = KITE_FORMAT_VERSION;
		memcpy(footer, &magic, 8);
		memcpy(footer + 8, &index_at, 8);
		memcpy(footer + 16, &index_len, 4);
		memcpy(footer + 20, &version, 4);
		kite_put_block(&w->out, KITE_BLK_FOOTER, footer, sizeof(footer));
		rc = write_out(w);
	}
	if (rc && err)
		snprintf(err, errlen, "%s", w->err);
	kite_writer_abort(w);
	return rc;
}

void kite_writer_abort(kite_writer *w)
{
	if (!w)
		return;
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->name);
	kbuf_free(&w->out);
	kite_ib_free(&w->ib);
	free(w);
}

const char *kite_writer_error(const kite_writer *w)
{
	return w->failed ? w->err : NULL;
}

void kite_writer_get_stats(const kite_writer *w, struct kite_writer_stats *st)
{
	*st = w->st;
}
