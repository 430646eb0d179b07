/* fuzz_schema.c - libFuzzer target for the SCHEMA, HEADER and INDEX parsers (first byte picks one), and the INDEX's chunk summaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decode.h"
#include "index.h"
#include "pcapng.h"
#include "schema.h"

/*
 * Besides "does not crash, does not leak", each parser must accept what the
 * matching encoder writes from its own output: parse(x) succeeding implies
 * parse(encode(parse(x))) succeeds, and encode is then a fixed point.  A
 * violation aborts, so libFuzzer saves the input.
 */

static void fuzz_schema(const uint8_t *p, size_t n)
{
	char err[256];
	struct kite_schema *s = kite_schema_parse(p, n, err, sizeof(err));
	if (!s)
		return;
	/* lookups and rendering against the parsed tables, values taken from the input */
	char out[64];
	uint8_t val[16] = {0};
	memcpy(val, p, n < sizeof(val) ? n : sizeof(val));
	for (uint32_t id = 0; id <= s->max_event_id; id++) {
		const struct kite_event_desc *d = kite_schema_event(s, id);
		if (!d)
			continue;
		(void)kite_schema_find(s, d->name);
		(void)kite_category_name(d->category);
		for (unsigned j = 0; j < d->nparams; j++) {
			(void)kite_param_index(d, d->params[j].name);
			(void)kite_kind_name(d->params[j].kind);
			static const uint16_t lens[] = {0, 1, 2, 4, 7, 8, 13, 16};
			kite_param_format(s, &d->params[j], val, lens[(id + j) % 8], out, sizeof(out));
		}
	}
	for (uint32_t t = 0; t <= s->max_table_id; t++) {
		const struct kite_flag_table *ft = kite_schema_table(s, t);
		if (ft) {
			kite_flags_format(ft, kite_le64(val), out, sizeof(out));
			kite_flags_format(ft, 0, out, 3);
		}
	}
	(void)kite_schema_check(s, err, sizeof(err));

	size_t len1 = 0, len2 = 0;
	uint8_t *enc1 = kite_schema_serialize(s, &len1);
	if (enc1) {
		struct kite_schema *s2 = kite_schema_parse(enc1, len1, err, sizeof(err));
		if (!s2)
			abort(); /* the parser refuses what the serialiser wrote */
		uint8_t *enc2 = kite_schema_serialize(s2, &len2);
		if (enc2 && (len1 != len2 || memcmp(enc1, enc2, len1) != 0))
			abort(); /* serialise(parse(serialise(s))) != serialise(s) */
		free(enc2);
		kite_schema_free(s2);
		free(enc1);
	}
	kite_schema_free(s);
}

static void fuzz_header(const uint8_t *p, size_t n)
{
	char err[256];
	struct kite_header h;
	int rc = kite_header_parse(p, n, &h, err, sizeof(err));
	if (rc == 0) {
		struct kite_buf b = {0};
		kite_header_encode(&h, &b);
		struct kite_header h2;
		if (!b.oom && kite_header_parse(b.p, b.len, &h2, err, sizeof(err)) != 0)
			abort(); /* the parser refuses what the encoder wrote */
		if (!b.oom && (h2.format_version != h.format_version || h2.boot_ns != h.boot_ns ||
		               h2.start_ns != h.start_ns || h2.ncpus != h.ncpus || h2.snaplen != h.snaplen ||
		               h2.flags != h.flags))
			abort(); /* an integer option did not survive the round trip */
		kite_header_free(&h2);
		kbuf_free(&b);
	}
	/* on failure h may still hold strings parsed before the bad option */
	kite_header_free(&h);
}

static void fuzz_index(const uint8_t *p, size_t n)
{
	char err[256];
	struct kite_index idx;
	if (kite_index_parse(p, n, &idx, err, sizeof(err)))
		return;
	(void)kite_index_find_time(&idx, idx.first_ts);
	(void)kite_index_find_time(&idx, idx.last_ts / 2 + idx.first_ts / 2);
	(void)kite_index_find_time(&idx, UINT64_MAX);
	/* the chunk summaries: a type past the bitmap, the last type, pids, a time bound */
	static const uint8_t types[300] = {[1] = 1, [255] = 1, [299] = 1};
	static const uint32_t pids[] = {0, 1, 4242, UINT32_MAX};
	struct kite_chunk_want w = {
	        .types = types, .ntypes = 300, .pids = pids, .npids = 4, .from = idx.first_ts};
	for (uint32_t i = 0; i <= idx.nchunks; i++)
		(void)kite_index_chunk_wanted(&idx, i, &w);
	struct kite_buf b = {0};
	kite_index_encode(&idx, &b);
	if (!b.oom) {
		struct kite_index idx2;
		if (kite_index_parse(b.p, b.len, &idx2, err, sizeof(err)))
			abort(); /* the parser refuses what the encoder wrote */
		struct kite_buf b2 = {0};
		kite_index_encode(&idx2, &b2);
		if (!b2.oom && (b2.len != b.len || memcmp(b2.p, b.p, b.len) != 0))
			abort(); /* encode(parse(encode(i))) != encode(i) */
		kbuf_free(&b2);
		kite_index_free(&idx2);
	}
	kbuf_free(&b);
	kite_index_free(&idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* an exact-size heap copy, so ASan sees any read past the end */
	size_t n = size - 1;
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, n);
	switch (data[0] % 3) {
	case 0: fuzz_schema(p, n); break;
	case 1: fuzz_header(p, n); break;
	default: fuzz_index(p, n); break;
	}
	free(p);
	return 0;
}
