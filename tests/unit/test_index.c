/* test_index.c - the INDEX block: builder counts, encode/parse round trip, truncation, time lookup. */
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
	kite_index_free(&p);
	for (size_t cut = 0; cut < enc.len; cut++)
		if (kite_index_parse(enc.p, cut, &p, err, sizeof(err)) == 0)
			fail_msg("index cut at %zu of %zu accepted", cut, enc.len);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(builder_counts),
	        cmocka_unit_test(round_trip_and_truncation),
	        cmocka_unit_test(find_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
