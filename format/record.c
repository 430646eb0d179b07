/* record.c - validating and splitting event records, and building them field by field. */
#include "record.h"

int kite_evt_split(const struct kite_evt *e, uint32_t avail, const struct kite_event_desc *d,
                   struct kite_params *out)
{
	if (avail < KITE_EVT_HDR_LEN || e->len < KITE_EVT_HDR_LEN || e->len > avail ||
	    e->len % KITE_EVT_ALIGN)
		return -1;
	out->n = 0;
	if (!d)
		return 0;
	uint32_t n = d->nparams;
	if (n > KITE_MAX_PARAMS || KITE_EVT_HDR_LEN + 2 * n > e->len)
		return -1;
	const uint8_t *base = (const uint8_t *)e;
	const uint8_t *lens = base + KITE_EVT_HDR_LEN;
	/*
	 * each value within the record (a pointer past it is never formed);
	 * kite_evt_split_trusted is this loop without the checks
	 */
	uint32_t off = KITE_EVT_HDR_LEN + 2 * n;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t l;
		memcpy(&l, lens + 2 * i, 2);
		if (l > e->len - off)
			return -1;
		out->val[i] = base + off;
		out->len[i] = l;
		off += l;
	}
	/* What remains is padding: less than the alignment. */
	if (e->len - off >= KITE_EVT_ALIGN)
		return -1;
	out->n = n;
	return 0;
}

void kite_evt_split_trusted(const struct kite_evt *e, const struct kite_event_desc *d,
                            struct kite_params *out)
{
	uint32_t n = d ? d->nparams : 0;
	const uint8_t *lens = (const uint8_t *)e + KITE_EVT_HDR_LEN;
	const uint8_t *v = lens + 2 * n;
	/* events have a few params (an open 4 to 6): by 2, the loop's own tests cost less */
#pragma GCC unroll 2
	for (uint32_t i = 0; i < n; i++) {
		uint16_t l;
		memcpy(&l, lens + 2 * i, 2);
		out->val[i] = v;
		out->len[i] = l;
		v += l;
	}
	out->n = n;
}

void kite_evt_begin(struct kite_evt_builder *b, void *buf, uint16_t type, uint32_t nparams, uint64_t ts,
                    uint32_t tid, uint32_t pid, uint16_t cpu)
{
	kite_evt_start(b, buf, type, nparams, ts, tid, pid, cpu);
}

void kite_evt_add(struct kite_evt_builder *b, const void *data, uint32_t len)
{
	uint8_t *at = kite_evt_slot(b, len);
	if (at && len)
		memcpy(at, data, len);
}

void kite_evt_add_u(struct kite_evt_builder *b, uint64_t v, uint32_t width)
{
	/* little-endian host (checked in buf.c): the low bytes come first */
	kite_evt_add(b, &v, width);
}

void kite_evt_add_str(struct kite_evt_builder *b, const char *s)
{
	kite_evt_add(b, s, s ? (uint32_t)strlen(s) : 0);
}

struct kite_evt *kite_evt_end(struct kite_evt_builder *b)
{
	if (b->overflow || b->next != b->nparams)
		return NULL;
	uint32_t len = kite_evt_padded(b->off);
	memset(b->buf + b->off, 0, len - b->off);
	struct kite_evt *e = (struct kite_evt *)b->buf;
	e->len = len;
	return e;
}
