/* test_index.c - the INDEX block: builder counts, encode/parse round trip, truncation, time lookup, chunk summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"
#include "index.h"
#include "record.h"

static void build(struct kite_index_builder *b)
{
	static uint8_t buf[256];
	const struct kite_schema *s = kite_schema_builtin();
	assert_int_equal(kite_ib_init(b), 0);
	kite_ib_set_schema(b, s);
	struct kite_evt_builder eb;
	/* 3000 closes spread over 1500 pids (forces the pid table to grow), two drop records */
	for (uint32_t i = 0; i < 3000; i++) {
		kite_evt_begin(&eb, buf, KITE_EVT_CLOSE, 2, i, i % 1500, i % 1500, 0);
		kite_evt_add_u(&eb, 0, 8);
		kite_evt_add_u(&eb, 3, 8);
		kite_ib_count(b, s, kite_evt_end(&eb));
	}
	for (int i = 0; i < 2; i++) {
		kite_evt_begin(&eb, buf, KITE_EVT_DROP, 3, 10, 0, 0, 1);
		kite_evt_add_u(&eb, 250, 8);
		kite_evt_add_u(&eb, 1, 8);
		kite_evt_add_u(&eb, 9, 8);
		kite_ib_count(b, s, kite_evt_end(&eb));
	}
	for (uint32_t c = 0; c < 30; c++) {
		struct kite_chunk_ref ref = {.offset = 1000 + c * 100,
		                             .first_ts = c * 100,
		                             .last_ts = c * 100 + 99,
		                             .seq = c,
		                             .nevents = 100,
		                             .raw_len = 4000,
		                             .comp_len = 900,
		                             .kind = c == 0 ? KITE_CHUNK_SNAPSHOT : KITE_CHUNK_EVENTS};
		kite_ib_chunk(b, &ref);
	}
	assert_int_equal(kite_ib_finish(b), 0);
}

static void builder_counts(void **state)
{
	(void)state;
	struct kite_index_builder b;
	build(&b);
	struct kite_index *x = &b.idx;
	assert_int_equal(x->ntypes, 2);
	assert_int_equal(x->types[0].type, KITE_EVT_CLOSE);
	assert_int_equal(x->types[0].count, 3000);
	assert_int_equal(x->types[1].count, 2);
	assert_int_equal(x->drops, 500);
	assert_int_equal(x->npids, 1500);
	for (uint32_t i = 0; i < x->npids; i++) {
		assert_int_equal(x->pids[i].pid, i); /* sorted by pid, pid 0 included */
		assert_int_equal(x->pids[i].count, i < 1 ? 4 : 2);
	}
	assert_int_equal(x->nchunks, 30);
	assert_int_equal(x->nevents, 29 * 100); /* snapshot records are not events */
	assert_int_equal(x->first_ts, 100);
	assert_int_equal(x->last_ts, 2999);
	kite_ib_free(&b);
}

static void round_trip_and_truncation(void **state)
{
	(void)state;
	struct kite_index_builder b;
	build(&b);
	struct kite_buf enc = {0};
	kite_index_encode(&b.idx, &enc);
	struct kite_index p;
	char err[256];
	assert_int_equal(kite_index_parse(enc.p, enc.len, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nchunks, 30);
	assert_memory_equal(p.chunks, b.idx.chunks, 30 * sizeof(*p.chunks));
	assert_memory_equal(p.pids, b.idx.pids, p.npids * sizeof(*p.pids));
	assert_int_equal(p.drops, 500);
	assert_int_equal(p.sum_len, KITE_SUM_MAX_BYTES);
	assert_memory_equal(p.sums, b.idx.sums, 30 * KITE_SUM_MAX_BYTES);
	kite_index_free(&p);
	/* cut anywhere, it is refused; but for right before the summaries: an index as older writers wrote */
	size_t old_len = enc.len - 8 - 8 - 30 * KITE_SUM_MAX_BYTES;
	for (size_t cut = 0; cut < enc.len; cut++) {
		int rc = kite_index_parse(enc.p, cut, &p, err, sizeof(err));
		if (rc == 0 && cut != old_len)
			fail_msg("index cut at %zu of %zu accepted", cut, enc.len);
		if (rc == 0)
			kite_index_free(&p);
	}
	kbuf_free(&enc);
	kite_ib_free(&b);
}

static void find_time(void **state)
{
	(void)state;
	struct kite_index_builder b;
	build(&b);
	assert_int_equal(kite_index_find_time(&b.idx, 0), 0);
	assert_int_equal(kite_index_find_time(&b.idx, 150), 1);
	assert_int_equal(kite_index_find_time(&b.idx, 199), 1);
	assert_int_equal(kite_index_find_time(&b.idx, 200), 2);
	assert_int_equal(kite_index_find_time(&b.idx, 5000), 30);
	kite_ib_free(&b);
}

/* 4 chunks of events, each with its own types and pids, counted before the chunk is added */
static void build_summaries(struct kite_index_builder *b)
{
	static uint8_t buf[256];
	const struct kite_schema *s = kite_schema_builtin();
	assert_int_equal(kite_ib_init(b), 0);
	kite_ib_set_schema(b, s);
	struct kite_evt_builder eb;
	/* chunk c: closes of pids 100c..100c+49; chunk 2 also an openat of pid 7, chunk 3 a type past the bitmap */
	for (uint32_t c = 0; c < 4; c++) {
		for (uint32_t i = 0; i < 50; i++) {
			kite_evt_begin(&eb, buf, KITE_EVT_CLOSE, 2, c * 1000 + i, 100 * c + i, 100 * c + i,
			               0);
			kite_evt_add_u(&eb, 0, 8);
			kite_evt_add_u(&eb, 3, 8);
			kite_ib_count(b, s, kite_evt_end(&eb));
		}
		if (c == 2) {
			kite_evt_begin(&eb, buf, KITE_EVT_OPENAT, 0, c * 1000 + 60, 7, 7, 0);
			kite_ib_count(b, s, kite_evt_end(&eb));
		}
		if (c == 3) {
			kite_evt_begin(&eb, buf, 300, 0, c * 1000 + 60, 9, 9, 0);
			kite_ib_count(b, s, kite_evt_end(&eb));
		}
		struct kite_chunk_ref ref = {.offset = 100 + c * 100,
		                             .first_ts = c * 1000,
		                             .last_ts = c * 1000 + 60,
		                             .seq = c,
		                             .nevents = 51,
		                             .raw_len = 4000,
		                             .comp_len = 900};
		kite_ib_chunk(b, &ref);
	}
	assert_int_equal(kite_ib_finish(b), 0);
}

static int wanted(const struct kite_index *x, uint32_t i, const uint8_t *types, uint32_t ntypes,
                  const uint32_t *pids, unsigned npids)
{
	struct kite_chunk_want w = {.types = types, .ntypes = ntypes, .pids = pids, .npids = npids};
	return kite_index_chunk_wanted(x, i, &w);
}

static void chunk_summaries(void **state)
{
	(void)state;
	struct kite_index_builder b;
	build_summaries(&b);
	struct kite_buf enc = {0};
	kite_index_encode(&b.idx, &enc);
	struct kite_index x;
	char err[256];
	assert_int_equal(kite_index_parse(enc.p, enc.len, &x, err, sizeof(err)), 0);
	static uint8_t close_only[KITE_EVT_MAX_BUILTIN], openat_only[KITE_EVT_MAX_BUILTIN], high[400];
	close_only[KITE_EVT_CLOSE] = openat_only[KITE_EVT_OPENAT] = high[350] = 1;
	for (uint32_t c = 0; c < 4; c++) {
		assert_int_equal(wanted(&x, c, close_only, KITE_EVT_MAX_BUILTIN, NULL, 0), 1);
		assert_int_equal(wanted(&x, c, openat_only, KITE_EVT_MAX_BUILTIN, NULL, 0), c == 2);
		/* type 300 shares the bitmap's last bit with every id from 255 up: 350 may be there */
		assert_int_equal(wanted(&x, c, high, 400, NULL, 0), c == 3);
		/* pids: a Bloom filter never misses; of 50 pids in other chunks, few collide */
		unsigned hits = 0;
		for (uint32_t i = 0; i < 50; i++) {
			uint32_t mine = 100 * c + i, other = 100 * ((c + 1) % 4) + i;
			assert_int_equal(wanted(&x, c, NULL, 0, &mine, 1), 1);
			hits += (unsigned)wanted(&x, c, NULL, 0, &other, 1);
		}
		assert_true(hits < 10);
		uint32_t seven = 7;
		assert_int_equal(wanted(&x, c, openat_only, KITE_EVT_MAX_BUILTIN, &seven, 1), c == 2);
		/* no list: anything goes */
		assert_int_equal(wanted(&x, c, NULL, 0, NULL, 0), 1);
	}
	kite_index_free(&x);

	/* an index without summaries (older writers): parsed, and every chunk may hold anything */
	struct kite_index old = b.idx;
	old.sums = NULL;
	struct kite_buf enc_old = {0};
	kite_index_encode(&old, &enc_old);
	assert_int_equal(enc_old.len, enc.len - 16 - 4 * KITE_SUM_MAX_BYTES);
	assert_int_equal(kite_index_parse(enc_old.p, enc_old.len, &x, err, sizeof(err)), 0);
	assert_null(x.sums);
	assert_int_equal(x.nchunks, 4);
	assert_int_equal(wanted(&x, 0, openat_only, KITE_EVT_MAX_BUILTIN, NULL, 0), 1);
	kite_index_free(&x);
	kbuf_free(&enc_old);
	kbuf_free(&enc);
	kite_ib_free(&b);
}

/* A damaged or odd section: a clear message, never a crash; unknown sections are skipped. */
static void summary_damage(void **state)
{
	(void)state;
	struct kite_index_builder b;
	build_summaries(&b);
	struct kite_buf enc = {0};
	kite_index_encode(&b.idx, &enc);
	size_t at = enc.len - 16 - 4 * KITE_SUM_MAX_BYTES; /* the section's tag */
	static const struct {
		size_t off;
		uint8_t val;
		const char *msg;
	} cases[] = {
	        {8, 7, "bad sizes (263 type bits"}, /* type bits not a multiple of 8 */
	        {10, 0xff, "bad sizes"},            /* pid bits not a power of two */
	        {12, 0, "0 hashes"},                /* no hash */
	        {4, 9, "runs past the end"},        /* length past the end */
	        {4, 7, "chunk summaries: truncated header"},
	        {4, 20, "bytes for 4 chunks"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *p = malloc(enc.len);
		memcpy(p, enc.p, enc.len);
		p[at + cases[i].off] = cases[i].val;
		if (cases[i].off == 4)
			p[at + 5] = p[at + 6] = p[at + 7] = 0;
		if (cases[i].off == 4 && cases[i].val == 9)
			p[at + 7] = 0x10; /* 0x10000009 bytes: more than are left */
		struct kite_index x;
		char err[256] = "";
		size_t len = cases[i].off == 4 && cases[i].val != 9 ? at + 8 + cases[i].val : enc.len;
		assert_int_equal(kite_index_parse(p, len, &x, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].msg);
		free(p);
	}
	/* an unknown section is skipped; stray bytes too few for a section header are not */
	struct kite_buf more = {0};
	kbuf_put(&more, enc.p, enc.len);
	kbuf_put_u32(&more, 0x12345678);
	kbuf_put_u32(&more, 3);
	kbuf_put(&more, "abc", 3);
	struct kite_index x;
	char err[256];
	assert_int_equal(kite_index_parse(more.p, more.len, &x, err, sizeof(err)), 0);
	assert_non_null(x.sums);
	kite_index_free(&x);
	kbuf_put_u8(&more, 0);
	assert_int_equal(kite_index_parse(more.p, more.len, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stray bytes"));
	/* two summary sections */
	struct kite_buf twice = {0};
	kbuf_put(&twice, enc.p, enc.len);
	kbuf_put(&twice, enc.p + at, enc.len - at);
	assert_int_equal(kite_index_parse(twice.p, twice.len, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "given twice"));
	kbuf_free(&twice);
	kbuf_free(&more);
	kbuf_free(&enc);
	kite_ib_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(builder_counts), cmocka_unit_test(round_trip_and_truncation),
	        cmocka_unit_test(find_time),      cmocka_unit_test(chunk_summaries),
	        cmocka_unit_test(summary_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
