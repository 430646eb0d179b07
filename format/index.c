/* index.c - building, encoding and parsing the INDEX block, and the per-chunk summaries in it. */
#include "index.h"

#include "record.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_VERSION 1
#define CHUNK_REF_LEN 48u
/* optional sections after the pid counts: u32 tag, u32 length, body (FORMAT.md 10.1) */
#define SECTION_HDR_LEN 8u
#define TAG_CSUM        0x4D555343u /* the bytes "CSUM" */
#define CSUM_HDR_LEN    8u

/* ---- per-chunk summaries ---- */

/* Bit j (of nbits, a power of two) of the pid Bloom filter for hash i: double hashing on one mix. */
static uint32_t pid_bit(uint32_t pid, uint32_t i, uint32_t nbits)
{
	uint32_t x = pid;
	x = ((x >> 16) ^ x) * 0x45d9f3bu;
	x = ((x >> 16) ^ x) * 0x45d9f3bu;
	x = (x >> 16) ^ x;
	return ((x & 0xffffu) + i * ((x >> 16) | 1u)) & (nbits - 1);
}

static void bit_set(uint8_t *map, uint32_t bit)
{
	map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

static int bit_get(const uint8_t *map, uint32_t bit)
{
	return (map[bit >> 3] >> (bit & 7)) & 1;
}

/* Adds one event record to the summary of the chunk being filled. */
static void sum_add(uint8_t *sum, uint16_t type, uint32_t pid)
{
	bit_set(sum, type < KITE_SUM_TYPE_BITS ? type : KITE_SUM_TYPE_BITS - 1);
	for (uint32_t i = 0; i < KITE_SUM_PID_HASHES; i++)
		bit_set(sum + KITE_SUM_TYPE_BITS / 8, pid_bit(pid, i, KITE_SUM_PID_BITS));
}

/* Does the type bitmap have a wanted type?  Its last bit stands for every id from there up. */
static int sum_types_match(const uint8_t *map, uint32_t nbits, const struct kite_chunk_want *w)
{
	for (uint32_t t = 0; t < w->ntypes; t++)
		if (w->types[t] && bit_get(map, t < nbits ? t : nbits - 1))
			return 1;
	return 0;
}

static int sum_pids_match(const uint8_t *bloom, uint32_t nbits, uint32_t nhash,
                          const struct kite_chunk_want *w)
{
	for (unsigned k = 0; k < w->npids; k++) {
		uint32_t i = 0;
		while (i < nhash && bit_get(bloom, pid_bit(w->pids[k], i, nbits)))
			i++;
		if (i == nhash)
			return 1;
	}
	return 0;
}

int kite_index_chunk_wanted(const struct kite_index *idx, uint32_t i, const struct kite_chunk_want *w)
{
	if (i >= idx->nchunks || idx->chunks[i].kind != KITE_CHUNK_EVENTS)
		return 1; /* a snapshot: state, never skipped on this account */
	if (w->from && idx->chunks[i].last_ts < w->from)
		return 0;
	if (!idx->sums)
		return 1;
	const uint8_t *sum = idx->sums + (size_t)i * idx->sum_len;
	if (w->types && !sum_types_match(sum, idx->sum_type_bits, w))
		return 0;
	if (w->pids && !sum_pids_match(sum + idx->sum_type_bits / 8, idx->sum_pid_bits, idx->sum_hashes, w))
		return 0;
	return 1;
}

/* ---- building ---- */

int kite_ib_init(struct kite_index_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->idx.first_ts = UINT64_MAX;
	b->drop_type = -1;
	b->drop_param = -1;
	b->type_counts = calloc(65536, sizeof(uint64_t));
	b->pid_cap = 1024;
	b->pid_slots = calloc(b->pid_cap, sizeof(*b->pid_slots));
	if (!b->type_counts || !b->pid_slots) {
		kite_ib_free(b);
		return -1;
	}
	return 0;
}

static size_t pid_slot(const struct kite_pid_count *slots, size_t cap, uint32_t pid)
{
	size_t i = (pid * 2654435761u) & (cap - 1);
	/* pid 0 is a valid key (the idle task), so a slot is empty when its count is 0 */
	while (slots[i].count && slots[i].pid != pid)
		i = (i + 1) & (cap - 1);
	return i;
}

static void pid_grow(struct kite_index_builder *b)
{
	size_t cap = b->pid_cap * 2;
	struct kite_pid_count *n = calloc(cap, sizeof(*n));
	if (!n) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < b->pid_cap; i++)
		if (b->pid_slots[i].count)
			n[pid_slot(n, cap, b->pid_slots[i].pid)] = b->pid_slots[i];
	free(b->pid_slots);
	b->pid_slots = n;
	b->pid_cap = cap;
}

void kite_ib_set_schema(struct kite_index_builder *b, const struct kite_schema *s)
{
	const struct kite_event_desc *d = kite_schema_find(s, "drop");
	b->drop_type = d ? d->id : -1;
	b->drop_param = d ? kite_param_index(d, "nevents") : -1;
}

static void count_drops(struct kite_index_builder *b, const struct kite_schema *s, const struct kite_evt *e)
{
	struct kite_params p;
	const struct kite_event_desc *d = kite_schema_event(s, e->type);
	if (b->drop_param >= 0 && kite_evt_split(e, e->len, d, &p) == 0 && (uint32_t)b->drop_param < p.n)
		b->idx.drops += kite_get_u(p.val[b->drop_param], p.len[b->drop_param]);
}

void kite_ib_count(struct kite_index_builder *b, const struct kite_schema *s, const struct kite_evt *e)
{
	uint32_t pid = kite_evt_pid(e); /* the process replay puts it in */
	b->type_counts[e->type]++;
	if (e->type == b->drop_type)
		count_drops(b, s, e);
	if (b->pid_used * 2 >= b->pid_cap)
		pid_grow(b);
	size_t i = pid_slot(b->pid_slots, b->pid_cap, pid);
	if (b->pid_slots[i].count == 0) {
		b->pid_slots[i].pid = pid;
		b->pid_used++;
	}
	b->pid_slots[i].count++;
	sum_add(b->cur_sum, e->type, pid);
}

void kite_ib_chunk(struct kite_index_builder *b, const struct kite_chunk_ref *c)
{
	struct kite_index *idx = &b->idx;
	if (idx->nchunks == b->chunks_cap) {
		size_t cap = b->chunks_cap ? b->chunks_cap * 2 : 64;
		struct kite_chunk_ref *n = realloc(idx->chunks, cap * sizeof(*n));
		if (n)
			idx->chunks = n;
		uint8_t *sums = n ? realloc(b->sums, cap * KITE_SUM_MAX_BYTES) : NULL;
		if (!sums) {
			b->oom = 1;
			return;
		}
		b->sums = sums;
		b->chunks_cap = cap;
	}
	memcpy(b->sums + (size_t)idx->nchunks * KITE_SUM_MAX_BYTES, b->cur_sum, KITE_SUM_MAX_BYTES);
	memset(b->cur_sum, 0, sizeof(b->cur_sum));
	idx->chunks[idx->nchunks++] = *c;
	idx->raw_bytes += c->raw_len;
	idx->comp_bytes += c->comp_len;
	if (c->kind != KITE_CHUNK_EVENTS || c->nevents == 0)
		return;
	idx->nevents += c->nevents;
	if (c->first_ts < idx->first_ts)
		idx->first_ts = c->first_ts;
	if (c->last_ts > idx->last_ts)
		idx->last_ts = c->last_ts;
}

static int cmp_pid(const void *a, const void *b)
{
	uint32_t x = ((const struct kite_pid_count *)a)->pid, y = ((const struct kite_pid_count *)b)->pid;
	return (x > y) - (x < y);
}

int kite_ib_finish(struct kite_index_builder *b)
{
	struct kite_index *idx = &b->idx;
	if (idx->first_ts == UINT64_MAX)
		idx->first_ts = 0;
	uint32_t nt = 0;
	for (size_t t = 0; t < 65536; t++)
		nt += b->type_counts[t] != 0;
	free(idx->types);
	idx->types = calloc(nt ? nt : 1, sizeof(*idx->types));
	free(idx->pids);
	idx->pids = calloc(b->pid_used ? b->pid_used : 1, sizeof(*idx->pids));
	if (!idx->types || !idx->pids || b->oom)
		return -1;
	idx->ntypes = 0;
	for (size_t t = 0; t < 65536; t++)
		if (b->type_counts[t])
			idx->types[idx->ntypes++] = (struct kite_type_count){(uint16_t)t, b->type_counts[t]};
	idx->npids = 0;
	for (size_t i = 0; i < b->pid_cap; i++)
		if (b->pid_slots[i].count)
			idx->pids[idx->npids++] = b->pid_slots[i];
	qsort(idx->pids, idx->npids, sizeof(*idx->pids), cmp_pid);
	free(idx->sums);
	idx->sums = malloc(idx->nchunks ? (size_t)idx->nchunks * KITE_SUM_MAX_BYTES : 1);
	if (!idx->sums)
		return -1;
	if (idx->nchunks)
		memcpy(idx->sums, b->sums, (size_t)idx->nchunks * KITE_SUM_MAX_BYTES);
	idx->sum_type_bits = KITE_SUM_TYPE_BITS;
	idx->sum_pid_bits = KITE_SUM_PID_BITS;
	idx->sum_hashes = KITE_SUM_PID_HASHES;
	idx->sum_len = KITE_SUM_MAX_BYTES;
	return 0;
}

void kite_ib_free(struct kite_index_builder *b)
{
	kite_index_free(&b->idx);
	free(b->type_counts);
	free(b->pid_slots);
	free(b->sums);
	memset(b, 0, sizeof(*b));
}

void kite_index_encode(const struct kite_index *idx, struct kite_buf *out)
{
	kbuf_put_u16(out, INDEX_VERSION);
	kbuf_put_u16(out, 0);
	kbuf_put_u32(out, idx->nchunks);
	kbuf_put_u64(out, idx->nevents);
	kbuf_put_u64(out, idx->raw_bytes);
	kbuf_put_u64(out, idx->comp_bytes);
	kbuf_put_u64(out, idx->first_ts);
	kbuf_put_u64(out, idx->last_ts);
	kbuf_put_u64(out, idx->drops);
	for (uint32_t i = 0; i < idx->nchunks; i++) {
		const struct kite_chunk_ref *c = &idx->chunks[i];
		kbuf_put_u64(out, c->offset);
		kbuf_put_u64(out, c->first_ts);
		kbuf_put_u64(out, c->last_ts);
		kbuf_put_u64(out, c->seq);
		kbuf_put_u32(out, c->nevents);
		kbuf_put_u32(out, c->raw_len);
		kbuf_put_u32(out, c->comp_len);
		kbuf_put_u32(out, c->kind);
	}
	kbuf_put_u32(out, idx->ntypes);
	for (uint32_t i = 0; i < idx->ntypes; i++) {
		kbuf_put_u16(out, idx->types[i].type);
		kbuf_put_u64(out, idx->types[i].count);
	}
	kbuf_put_u32(out, idx->npids);
	for (uint32_t i = 0; i < idx->npids; i++) {
		kbuf_put_u32(out, idx->pids[i].pid);
		kbuf_put_u64(out, idx->pids[i].count);
	}
	if (!idx->sums)
		return;
	size_t body = (size_t)idx->nchunks * idx->sum_len;
	kbuf_put_u32(out, TAG_CSUM);
	kbuf_put_u32(out, (uint32_t)(CSUM_HDR_LEN + body));
	kbuf_put_u16(out, (uint16_t)idx->sum_type_bits);
	kbuf_put_u16(out, (uint16_t)idx->sum_pid_bits);
	kbuf_put_u8(out, (uint8_t)idx->sum_hashes);
	kbuf_put_zero(out, 3);
	kbuf_put(out, idx->sums, body);
}

/* The CSUM section's body: sizes that make sense, and exactly one summary per chunk. */
static int parse_sums(const uint8_t *p, uint32_t len, struct kite_index *idx, char *err, size_t errlen)
{
	struct kite_cursor c;
	kcur_init(&c, p, len);
	uint32_t tb = kcur_u16(&c), pb = kcur_u16(&c), nh = kcur_u8(&c);
	kcur_take(&c, 3);
	if (c.bad || idx->sums) {
		snprintf(err, errlen, "index: chunk summaries: %s",
		         c.bad ? "truncated header" : "given twice");
		return -1;
	}
	if (tb < 8 || tb % 8 || pb < 8 || (pb & (pb - 1)) || nh < 1 || nh > 16) {
		snprintf(err, errlen,
		         "index: chunk summaries: bad sizes (%u type bits, %u pid bits, %u hashes)", tb, pb,
		         nh);
		return -1;
	}
	uint32_t per = tb / 8 + pb / 8;
	if ((uint64_t)idx->nchunks * per != len - CSUM_HDR_LEN) {
		snprintf(err, errlen, "index: chunk summaries: %u bytes for %u chunks of %u bytes",
		         len - CSUM_HDR_LEN, idx->nchunks, per);
		return -1;
	}
	idx->sums = malloc(len - CSUM_HDR_LEN ? len - CSUM_HDR_LEN : 1);
	if (!idx->sums) {
		snprintf(err, errlen, "index: out of memory");
		return -1;
	}
	memcpy(idx->sums, p + CSUM_HDR_LEN, len - CSUM_HDR_LEN);
	idx->sum_type_bits = tb;
	idx->sum_pid_bits = pb;
	idx->sum_hashes = nh;
	idx->sum_len = per;
	return 0;
}

/*
 * The optional sections after the pid counts (none in files written before
 * them): unknown tags are skipped, a known one must be well formed.
 */
static int parse_sections(struct kite_cursor *c, struct kite_index *idx, char *err, size_t errlen)
{
	while (c->off < c->len) {
		if (c->len - c->off < SECTION_HDR_LEN) {
			snprintf(err, errlen, "index: %zu stray bytes after the counts", c->len - c->off);
			return -1;
		}
		uint32_t tag = kcur_u32(c), len = kcur_u32(c);
		const uint8_t *body = kcur_take(c, len);
		if (!body) {
			snprintf(err, errlen, "index: a section of %u bytes runs past the end (%zu left)",
			         len, c->len - c->off);
			return -1;
		}
		if (tag == TAG_CSUM && parse_sums(body, len, idx, err, errlen))
			return -1;
	}
	return 0;
}

int kite_index_parse(const uint8_t *p, size_t len, struct kite_index *idx, char *err, size_t errlen)
{
	struct kite_cursor c;
	memset(idx, 0, sizeof(*idx));
	kcur_init(&c, p, len);
	uint16_t version = kcur_u16(&c);
	kcur_u16(&c);
	idx->nchunks = kcur_u32(&c);
	idx->nevents = kcur_u64(&c);
	idx->raw_bytes = kcur_u64(&c);
	idx->comp_bytes = kcur_u64(&c);
	idx->first_ts = kcur_u64(&c);
	idx->last_ts = kcur_u64(&c);
	idx->drops = kcur_u64(&c);
	if (c.bad || version != INDEX_VERSION) {
		snprintf(err, errlen, "index: bad header (version %u)", version);
		return -1;
	}
	if ((uint64_t)idx->nchunks * CHUNK_REF_LEN > len - c.off) {
		snprintf(err, errlen, "index: %u chunks do not fit in %zu bytes", idx->nchunks, len);
		return -1;
	}
	idx->chunks = calloc(idx->nchunks ? idx->nchunks : 1, sizeof(*idx->chunks));
	if (!idx->chunks)
		goto oom;
	for (uint32_t i = 0; i < idx->nchunks; i++) {
		struct kite_chunk_ref *r = &idx->chunks[i];
		r->offset = kcur_u64(&c);
		r->first_ts = kcur_u64(&c);
		r->last_ts = kcur_u64(&c);
		r->seq = kcur_u64(&c);
		r->nevents = kcur_u32(&c);
		r->raw_len = kcur_u32(&c);
		r->comp_len = kcur_u32(&c);
		r->kind = kcur_u32(&c);
	}
	idx->ntypes = kcur_u32(&c);
	if (c.bad || (uint64_t)idx->ntypes * 10 > len - c.off)
		goto bad;
	idx->types = calloc(idx->ntypes ? idx->ntypes : 1, sizeof(*idx->types));
	if (!idx->types)
		goto oom;
	for (uint32_t i = 0; i < idx->ntypes; i++) {
		idx->types[i].type = kcur_u16(&c);
		idx->types[i].count = kcur_u64(&c);
	}
	idx->npids = kcur_u32(&c);
	if (c.bad || (uint64_t)idx->npids * 12 > len - c.off)
		goto bad;
	idx->pids = calloc(idx->npids ? idx->npids : 1, sizeof(*idx->pids));
	if (!idx->pids)
		goto oom;
	for (uint32_t i = 0; i < idx->npids; i++) {
		idx->pids[i].pid = kcur_u32(&c);
		idx->pids[i].count = kcur_u64(&c);
	}
	if (c.bad)
		goto bad;
	if (parse_sections(&c, idx, err, errlen)) {
		kite_index_free(idx);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "index: truncated or malformed (content offset %zu of %zu)", c.off, len);
	kite_index_free(idx);
	return -1;
oom:
	snprintf(err, errlen, "index: out of memory");
	kite_index_free(idx);
	return -1;
}

void kite_index_free(struct kite_index *idx)
{
	free(idx->chunks);
	free(idx->types);
	free(idx->pids);
	free(idx->sums);
	memset(idx, 0, sizeof(*idx));
}

uint32_t kite_index_find_time(const struct kite_index *idx, uint64_t ts)
{
	/* chunks are in write order; time ranges of consecutive chunks may overlap a little
	 * (per-CPU merge), so this is a linear scan for the first chunk that can hold ts. */
	for (uint32_t i = 0; i < idx->nchunks; i++)
		if (idx->chunks[i].last_ts >= ts)
			return i;
	return idx->nchunks;
}
