/* test_damage.c - damaged captures: truncation at every byte, every single-byte flip, and recovery. */
#include <fcntl.h>
#include <sys/mman.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "reader.h"
#include "recover.h"
#include "testlib.h"

#define NEV    300
#define NSTATE 12
#define SEED   11

/* One capture shared by the tests, and where its chunks lie. */
static uint8_t *file;
static size_t file_len;
static uint64_t *all; /* hashes of every record, in order */
static uint64_t nall;
static struct kite_chunk_ref chunks[256];
static uint64_t chunk_end[256]; /* offset just past each chunk's block */
static uint32_t nchunks;
static uint64_t index_at;

static int setup(void **state)
{
	(void)state;
	struct kite_writer_opts o = {.chunk_bytes = 2048, .level = 3};
	int fd = kt_memfd_capture(NEV, NSTATE, &o, SEED);
	file = kt_slurp(fd, &file_len);
	char err[256];
	kite_reader *r = kite_reader_open_fd(fd, "t", NULL, err, sizeof(err));
	const struct kite_index *idx = kite_reader_index(r);
	nchunks = idx->nchunks;
	assert_true(nchunks > 5 && nchunks < 256);
	memcpy(chunks, idx->chunks, nchunks * sizeof(*chunks));
	memcpy(&index_at, file + file_len - KITE_FOOTER_LEN + 24, 8);
	for (uint32_t i = 0; i < nchunks; i++)
		chunk_end[i] = i + 1 < nchunks ? chunks[i + 1].offset : index_at;
	nall = kt_read_all(r, &all);
	assert_int_equal(nall, NEV + NSTATE);
	kite_reader_close(r);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(file);
	free(all);
	return 0;
}

static kite_reader *open_bytes(const uint8_t *p, size_t len, struct kt_warnings *w, char *err, size_t errlen)
{
	struct kite_reader_opts o = {.warn = kt_warn, .warn_ctx = w};
	return kite_reader_open_fd(kt_memfd_bytes(p, len), "t.kcap", &o, err, errlen);
}

/* Records of chunk i are all[first_record(i) .. first_record(i) + nevents). */
static uint64_t first_record(uint32_t i)
{
	uint64_t n = 0;
	for (uint32_t k = 0; k < i; k++)
		n += chunks[k].nevents;
	return n;
}

static void truncated_at_every_byte(void **state)
{
	(void)state;
	char err[512];
	for (size_t cut = 0; cut < file_len; cut++) {
		struct kt_warnings w = {0};
		err[0] = '\0';
		kite_reader *r = open_bytes(file, cut, &w, err, sizeof(err));
		if (cut < chunks[0].offset) { /* inside SHB, IDB, HEADER or SCHEMA: not a usable capture */
			if (r)
				fail_msg("cut at %zu: opened a capture with no complete schema", cut);
			assert_true(strlen(err) > 0);
			continue;
		}
		if (!r)
			fail_msg("cut at %zu: %s", cut, err);
		uint64_t want = 0;
		for (uint32_t i = 0; i < nchunks && chunk_end[i] <= cut; i++)
			want += chunks[i].nevents;
		uint64_t *got;
		uint64_t n = kt_read_all(r, &got);
		if (n != want)
			fail_msg("cut at %zu: %llu records, want %llu", cut, (unsigned long long)n,
			         (unsigned long long)want);
		assert_memory_equal(got, all, n * sizeof(uint64_t));
		const struct kite_reader_stats *st = kite_reader_stats(r);
		assert_true(st->missing_footer);
		assert_true(w.count >= 1);
		assert_int_equal(st->bad_chunks, 0);
		free(got);
		kite_reader_close(r);
	}
}

static void truncated_stream_through_a_pipe(void **state)
{
	(void)state;
	char err[512];
	for (size_t cut = chunks[0].offset; cut < file_len; cut += 101) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		assert_true(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= (int)file_len);
		assert_int_equal(write(p[1], file, cut), (ssize_t)cut);
		close(p[1]);
		struct kt_warnings w = {0};
		struct kite_reader_opts o = {.warn = kt_warn, .warn_ctx = &w};
		kite_reader *r = kite_reader_open_fd(p[0], "pipe", &o, err, sizeof(err));
		assert_non_null(r);
		uint64_t want = 0;
		for (uint32_t i = 0; i < nchunks && chunk_end[i] <= cut; i++)
			want += chunks[i].nevents;
		uint64_t *got;
		assert_int_equal(kt_read_all(r, &got), want);
		assert_memory_equal(got, all, want * sizeof(uint64_t));
		assert_true(kite_reader_stats(r)->missing_footer || kite_reader_stats(r)->truncated);
		assert_true(w.count >= 1);
		free(got);
		kite_reader_close(r);
	}
}

/* A flipped byte inside chunk i loses exactly chunk i, with a warning; elsewhere nothing is lost. */
static void every_byte_flipped(void **state)
{
	(void)state;
	uint8_t *copy = malloc(file_len);
	char err[512];
	for (size_t at = 0; at < file_len; at++) {
		memcpy(copy, file, file_len);
		copy[at] ^= 0x5a;
		struct kt_warnings w = {0};
		err[0] = '\0';
		kite_reader *r = open_bytes(copy, file_len, &w, err, sizeof(err));
		if (at < chunks[0].offset) {
			/* the prologue: either refused with a reason, or (a foreign byte such as
			 * the IDB's text) harmless */
			if (!r) {
				assert_true(strlen(err) > 0);
				continue;
			}
		}
		if (!r)
			fail_msg("flip at %zu: %s", at, err);
		uint64_t *got;
		uint64_t n = kt_read_all(r, &got);
		int32_t hit = -1;
		for (uint32_t i = 0; i < nchunks; i++)
			if (at >= chunks[i].offset && at < chunk_end[i])
				hit = (int32_t)i;
		if (hit < 0) {
			if (n != nall)
				fail_msg("flip at %zu (outside chunks): %llu of %llu records", at,
				         (unsigned long long)n, (unsigned long long)nall);
			assert_memory_equal(got, all, n * sizeof(uint64_t));
			if (at >= index_at)
				assert_true(w.count >= 1); /* index or footer damage is reported */
		} else {
			uint64_t skip = first_record((uint32_t)hit), cnt = chunks[hit].nevents;
			if (n != nall - cnt)
				fail_msg("flip at %zu (chunk %d): %llu records, want %llu; last warning: %s",
				         at, hit, (unsigned long long)n, (unsigned long long)(nall - cnt),
				         w.last);
			assert_memory_equal(got, all, skip * sizeof(uint64_t));
			assert_memory_equal(got + skip, all + skip + cnt, (n - skip) * sizeof(uint64_t));
			if (w.count < 1)
				fail_msg("flip at %zu (chunk %d): no warning", at, hit);
			assert_true(kite_reader_stats(r)->bad_chunks + kite_reader_stats(r)->bad_blocks >= 1);
		}
		free(got);
		kite_reader_close(r);
	}
	free(copy);
}

static void checksum_message_is_clear(void **state)
{
	(void)state;
	uint8_t *copy = malloc(file_len);
	memcpy(copy, file, file_len);
	uint32_t k = nchunks / 2;
	copy[chunks[k].offset + 16 + KITE_CHUNK_HDR_LEN + 3] ^= 1; /* inside the compressed payload */
	struct kt_warnings w = {0};
	char err[256], want[128];
	kite_reader *r = open_bytes(copy, file_len, &w, err, sizeof(err));
	uint64_t *got;
	kt_read_all(r, &got);
	snprintf(want, sizeof(want),
	         "t.kcap: offset %llu: CHUNK block checksum mismatch: block skipped, %u events lost",
	         (unsigned long long)chunks[k].offset, chunks[k].nevents);
	assert_string_equal(w.last, want);
	assert_int_equal(kite_reader_stats(r)->bad_chunks, 1);
	assert_int_equal(kite_reader_stats(r)->lost_events, chunks[k].nevents);
	free(got);
	free(copy);
	kite_reader_close(r);
}

static void recover_rebuilds_index_and_footer(void **state)
{
	(void)state;
	/* cut in the middle of chunk k, and damage chunk 2 as well */
	uint32_t k = nchunks - 2;
	size_t cut = (size_t)(chunks[k].offset + chunk_end[k]) / 2;
	uint8_t *copy = malloc(cut);
	memcpy(copy, file, cut);
	copy[chunks[2].offset + 40] ^= 0xff;
	char err[256];
	struct kt_warnings w = {0};
	kite_reader *r = open_bytes(copy, cut, &w, err, sizeof(err));
	int out = memfd_create("out", 0);
	kite_writer *wr = kite_writer_open(out, "out", kite_reader_header(r), kite_reader_schema(r), NULL,
	                                   err, sizeof(err));
	struct kite_recover_stats st = {0};
	assert_int_equal(kite_recover_copy(r, wr, &st), 0);
	assert_int_equal(kite_writer_close(wr, err, sizeof(err)), 0);
	assert_int_equal(st.chunks, k - 1);
	kite_reader_close(r);
	/* the result is complete: footer, index, no warnings, and exactly the intact chunks */
	lseek(out, 0, SEEK_SET);
	struct kt_warnings w2 = {0};
	struct kite_reader_opts o = {.warn = kt_warn, .warn_ctx = &w2};
	r = kite_reader_open_fd(out, "recovered", &o, err, sizeof(err));
	assert_non_null(kite_reader_index(r));
	uint64_t *got;
	uint64_t n = kt_read_all(r, &got);
	uint64_t skip = first_record(2), cnt = chunks[2].nevents, want = first_record(k) - cnt;
	assert_int_equal(n, want);
	assert_memory_equal(got, all, skip * sizeof(uint64_t));
	assert_memory_equal(got + skip, all + skip + cnt, (n - skip) * sizeof(uint64_t));
	assert_int_equal(w2.count, 0);
	assert_int_equal(kite_reader_stats(r)->bad_chunks, 0);
	assert_string_equal(kite_reader_header(r)->hostname, "testhost");
	free(got);
	free(copy);
	kite_reader_close(r);
}

static void garbage_never_crashes(void **state)
{
	(void)state;
	struct kt_synth g;
	kt_synth_init(&g, 99, 0);
	uint8_t *copy = malloc(file_len);
	char err[256];
	for (int round = 0; round < 300; round++) {
		memcpy(copy, file, file_len);
		for (int k = 0; k < 1 + round % 20; k++) /* many random bytes at once */
			copy[g.rng % file_len] =
			        (uint8_t)(kt_synth_event(&g, (uint8_t[KITE_EVT_MAX_LEN]){0})->ts);
		struct kt_warnings w = {0};
		kite_reader *r = open_bytes(copy, file_len, &w, err, sizeof(err));
		if (!r)
			continue;
		uint64_t *got;
		uint64_t n = kt_read_all(r, &got);
		assert_true(n <= nall);
		free(got);
		kite_reader_close(r);
	}
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(truncated_at_every_byte),
	        cmocka_unit_test(truncated_stream_through_a_pipe),
	        cmocka_unit_test(every_byte_flipped),
	        cmocka_unit_test(checksum_message_is_clear),
	        cmocka_unit_test(recover_rebuilds_index_and_footer),
	        cmocka_unit_test(garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
