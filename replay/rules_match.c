/* rules_match.c - runs the active rules on events: an index by event type per schema, first or all matches. */
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* Builds the index of the active rules for one schema: per event id, the rules that can match it. */
static struct rl_index *build_index(kite_rules *r, const struct kite_schema *s)
{
	r->idx = rl_grow(r->idx, (r->nidx + 1) * sizeof(*r->idx));
	struct rl_index *x = &r->idx[r->nidx++];
	memset(x, 0, sizeof(*x));
	x->serial = s->serial;
	x->nids = s->max_event_id + 1;
	size_t bytes = (x->nids + 7) / 8;
	uint8_t *bits = rl_alloc(bytes * (r->nactive ? r->nactive : 1));
	uint32_t *count = rl_alloc((x->nids + 1) * sizeof(*count));
	size_t total = 0;
	for (size_t i = 0; i < r->nactive; i++) {
		uint8_t *b = bits + i * bytes;
		kite_filter_evttypes(r->active[i]->filter, s, b, x->nids);
		for (uint32_t t = 0; t < x->nids; t++)
			if ((b[t / 8] >> (t % 8)) & 1) {
				count[t]++;
				total++;
			}
	}
	x->start = rl_alloc((x->nids + 1) * sizeof(*x->start));
	for (uint32_t t = 0; t < x->nids; t++)
		x->start[t + 1] = x->start[t] + count[t];
	x->rules = rl_alloc((total ? total : 1) * sizeof(*x->rules));
	memset(count, 0, (x->nids + 1) * sizeof(*count));
	for (size_t i = 0; i < r->nactive; i++) { /* in definition order within each event id */
		const uint8_t *b = bits + i * bytes;
		for (uint32_t t = 0; t < x->nids; t++)
			if ((b[t / 8] >> (t % 8)) & 1)
				x->rules[x->start[t] + count[t]++] = r->active[i];
	}
	free(bits);
	free(count);
	return x;
}

static struct rl_index *index_for(kite_rules *r, const struct kite_schema *s)
{
	for (size_t i = 0; i < r->nidx; i++)
		if (r->idx[i].serial == s->serial)
			return &r->idx[i];
	return build_index(r, s);
}

void kite_rules_evttypes(kite_rules *r, const struct kite_schema *s, uint8_t *bits, size_t nbits)
{
	memset(bits, 0, (nbits + 7) / 8);
	if (!r->nactive)
		return;
	const struct rl_index *x = index_for(r, s);
	for (uint32_t t = 0; t < x->nids && t < nbits; t++)
		if (x->start[t + 1] > x->start[t])
			bits[t / 8] |= (uint8_t)(1u << (t % 8));
}

unsigned kite_rules_match(kite_rules *r, struct kite_ctx *c, kite_alert_fn fn, void *ctx)
{
	if (!r->nactive)
		return 0;
	struct rl_index *x =
	        r->nidx && r->idx[0].serial == c->schema->serial ? &r->idx[0] : index_for(r, c->schema);
	uint32_t t = c->e->type;
	if (t >= x->nids)
		return 0;
	unsigned n = 0;
	for (uint32_t i = x->start[t]; i < x->start[t + 1]; i++) {
		struct rl_rule *ru = x->rules[i];
		if (!kite_filter_match(ru->filter, c))
			continue;
		ru->pub.alerts++;
		n++;
		if (fn)
			fn(ctx, &ru->pub, c);
		if (!r->sel.match_all)
			break;
	}
	return n;
}
