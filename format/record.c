/* record.c - validating and splitting event records, and building them field by field. */
#include "record.h"

int kite_evt_split(const struct kite_evt *e, uint32_t avail, const struct kite_event_desc *d,
                   struct kite_params *out)
{
	uint32_t len = e->len;
	if (avail < KITE_EVT_HDR_LEN || len < KITE_EVT_HDR_LEN || len > avail || len % KITE_EVT_ALIGN)
		return -1;
	out->n = 0;
	if (!d)
		return 0;
	uint32_t n = d->nparams;
	if (n > KITE_MAX_PARAMS || KITE_EVT_HDR_LEN + 2 * n > len)
		return -1;
	/*
	 * The values' lengths must add up to what follows the length table, less
	 * the padding (under the alignment): then each value lies within the
	 * record, and kite_evt_split_trusted forms no pointer past it.  The sum
	 * cannot wrap: at most KITE_MAX_PARAMS lengths of 16 bits.
	 */
	const uint8_t *lens = (const uint8_t *)e + KITE_EVT_HDR_LEN;
	uint32_t sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t l;
		memcpy(&l, lens + 2 * i, 2);
		sum += l;
	}
	uint32_t room = len - (KITE_EVT_HDR_LEN + 2 * n);
	if (sum > room || room - sum >= KITE_EVT_ALIGN)
		return -1;
	kite_evt_split_trusted(e, d, out);
	return 0;
}

void kite_evt_split_trusted(const struct kite_evt *e, const struct kite_event_desc *d,
                            struct kite_params *out)
{
	uint32_t n = d ? d->nparams : 0;
	const uint8_t *lens = (const uint8_t *)e + KITE_EVT_HDR_LEN;
	const uint8_t *v = lens + 2 * n;
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
