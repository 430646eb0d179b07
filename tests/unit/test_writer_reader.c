/* test_writer_reader.c - round trips through the writer and reader: files, pipes, chunking, index, seek, chunk skipping, errors. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "events.h"
#include "reader.h"
#include "recover.h"
#include "testlib.h"
#include "writer.h"

#define NEV    5000
#define NSTATE 60
#define SEED   7

static const struct kite_writer_opts small_chunks = {.chunk_bytes = 4096, .level = 3};

static kite_reader *open_fd(int fd, int ignore_index, struct kt_warnings *w)
{
	char err[512];
	struct kite_reader_opts o = {.warn = kt_warn, .warn_ctx = w, .ignore_index = ignore_index};
	kite_reader *r = kite_reader_open_fd(fd, "test.kcap", &o, err, sizeof(err));
	if (!r)
		fail_msg("open: %s", err);
	return r;
}

/* A writer on a new memfd (returned in *fd) with the tests' header. */
static kite_writer *memfd_writer(int *fd, const struct kite_writer_opts *o)
{
	struct kite_header h;
	char err[256];
	kt_header(&h);
	*fd = memfd_create("t", 0);
	kite_writer *w = kite_writer_open(*fd, "t", &h, kite_schema_builtin(), o, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	return w;
}

static void check_sequence(kite_reader *r, uint64_t nevents, uint32_t nstate, uint64_t seed)
{
	uint64_t *got, *want = kt_expected_hashes(nevents, nstate, seed);
	uint64_t n = kt_read_all(r, &got);
	assert_int_equal(n, nevents + nstate);
	for (uint64_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("record %llu differs", (unsigned long long)i);
	free(got);
	free(want);
}

static void file_round_trip(void **state)
{
	(void)state;
	struct kt_warnings w = {0};
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	assert_true(fd >= 0);
	kite_reader *r = open_fd(fd, 0, &w);
	check_sequence(r, NEV, NSTATE, SEED);
	assert_int_equal(w.count, 0);
	const struct kite_reader_stats *st = kite_reader_stats(r);
	assert_true(st->has_footer);
	assert_false(st->missing_footer);
	assert_int_equal(st->bad_chunks, 0);
	const struct kite_header *h = kite_reader_header(r);
	assert_string_equal(h->hostname, "testhost");
	assert_string_equal(h->driver, "synthetic");
	assert_string_equal(h->cmdline, "kite-tests --synthetic");
	assert_int_equal(h->snaplen, 80);
	assert_int_equal(h->ncpus, 2);
	assert_int_equal(h->format_version, KITE_FORMAT_VERSION);
	kite_reader_close(r);
}

static void stored_chunks_round_trip(void **state)
{
	(void)state;
	struct kite_writer_opts o = {.chunk_bytes = 8192, .level = 0};
	int fd = kt_memfd_capture(NEV, NSTATE, &o, SEED + 1);
	kite_reader *r = open_fd(fd, 0, &(struct kt_warnings){0});
	check_sequence(r, NEV, NSTATE, SEED + 1);
	kite_reader_close(r);
}

static void pipe_round_trip(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		_exit(kt_write_capture(p[1], NEV, NSTATE, &small_chunks, SEED) ? 1 : 0);
	}
	close(p[1]);
	struct kt_warnings w = {0};
	kite_reader *r = open_fd(p[0], 0, &w);
	assert_null(kite_reader_index(r)); /* a pipe cannot seek to the footer */
	check_sequence(r, NEV, NSTATE, SEED);
	assert_false(kite_reader_stats(r)->missing_footer);
	assert_int_equal(w.count, 0);
	int status;
	waitpid(child, &status, 0);
	assert_int_equal(status, 0);
	kite_reader_close(r);
}

static void index_matches_contents(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	kite_reader *r = open_fd(fd, 0, &(struct kt_warnings){0});
	const struct kite_index *idx = kite_reader_index(r);
	assert_non_null(idx);
	assert_int_equal(idx->nevents, NEV);
	uint64_t per_type[65536] = {0}, first = UINT64_MAX, last = 0, events = 0, drops = 0;
	const struct kite_evt *e;
	const struct kite_schema *s = kite_reader_schema(r);
	const struct kite_event_desc *drop = kite_schema_find(s, "drop");
	while (kite_reader_next(r, &e) > 0) {
		if (kite_reader_chunk(r)->kind != KITE_CHUNK_EVENTS)
			continue;
		per_type[e->type]++;
		events++;
		first = e->ts < first ? e->ts : first;
		last = e->ts > last ? e->ts : last;
		if (e->type == drop->id) {
			struct kite_params p;
			assert_int_equal(kite_evt_split(e, e->len, drop, &p), 0);
			drops += kite_get_u(p.val[0], p.len[0]);
		}
	}
	assert_int_equal(events, NEV);
	assert_int_equal(idx->first_ts, first);
	assert_int_equal(idx->last_ts, last);
	assert_int_equal(idx->drops, drops);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < idx->ntypes; i++) {
		assert_int_equal(idx->types[i].count, per_type[idx->types[i].type]);
		sum += idx->types[i].count;
	}
	assert_int_equal(sum, NEV);
	sum = 0;
	for (uint32_t i = 0; i < idx->npids; i++)
		sum += idx->pids[i].count;
	assert_int_equal(sum, NEV);
	/* chunks: the snapshot first (split into blocks at the chunk size), size-bounded, numbered in order */
	uint32_t c = 0, nstate = 0;
	while (c < idx->nchunks && idx->chunks[c].kind == KITE_CHUNK_SNAPSHOT)
		nstate += idx->chunks[c++].nevents;
	assert_true(c > 1);
	assert_int_equal(nstate, NSTATE);
	for (; c < idx->nchunks; c++)
		assert_int_equal(idx->chunks[c].kind, KITE_CHUNK_EVENTS);
	assert_true(idx->nchunks > 10);
	for (uint32_t i = 0; i < idx->nchunks; i++) {
		assert_int_equal(idx->chunks[i].seq, i);
		assert_true(idx->chunks[i].raw_len < small_chunks.chunk_bytes + 1024);
	}
	kite_reader_close(r);
}

/* Events 300 ns apart with a 1000 ns flush limit: no chunk may span more than one limit. */
static void chunks_close_on_time(void **state)
{
	(void)state;
	static uint8_t buf[KITE_EVT_MAX_LEN];
	int fd;
	struct kite_writer_opts o = {.chunk_bytes = 1 << 20, .flush_ns = 1000, .level = 1};
	char err[256];
	kite_writer *w = memfd_writer(&fd, &o);
	assert_non_null(w);
	struct kite_evt_builder b;
	for (int i = 0; i < 100; i++) {
		kite_evt_begin(&b, buf, KITE_EVT_CLOSE, 2, 1000000 + 300 * (uint64_t)i, 1, 1, 0);
		kite_evt_add_u(&b, 0, 8);
		kite_evt_add_u(&b, 3, 8);
		assert_int_equal(kite_writer_append(w, kite_evt_end(&b)), 0);
	}
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	lseek(fd, 0, SEEK_SET);
	kite_reader *r = open_fd(fd, 0, &(struct kt_warnings){0});
	const struct kite_index *idx = kite_reader_index(r);
	assert_true(idx->nchunks >= 20);
	for (uint32_t i = 0; i < idx->nchunks; i++)
		assert_true(idx->chunks[i].last_ts - idx->chunks[i].first_ts <= 1000 + 300);
	kite_reader_close(r);
}

/* A live capture reaches the file when the recorder ticks, without more events. */
static void tick_flushes_a_quiet_capture(void **state)
{
	(void)state;
	static uint8_t buf[KITE_EVT_MAX_LEN];
	int fd;
	kite_writer *w = memfd_writer(&fd, NULL);
	struct kt_synth g;
	kt_synth_init(&g, 3, 5000000000ull);
	assert_int_equal(kite_writer_append(w, kt_synth_event(&g, buf)), 0);
	struct stat before, after;
	fstat(fd, &before);
	assert_int_equal(kite_writer_tick(w, g.ts + 100000000ull), 0); /* 0.1 s later: not yet */
	fstat(fd, &after);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(kite_writer_tick(w, g.ts + 1000000000ull), 0); /* 1 s later: flushed */
	fstat(fd, &after);
	assert_true(after.st_size > before.st_size);
	/* the file is readable now, before close: one event, and no footer yet */
	size_t len;
	uint8_t *bytes = kt_slurp(fd, &len);
	int fd2 = kt_memfd_bytes(bytes, len);
	free(bytes);
	struct kt_warnings wn = {0};
	kite_reader *r = open_fd(fd2, 0, &wn);
	uint64_t *hs;
	assert_int_equal(kt_read_all(r, &hs), 1);
	assert_true(kite_reader_stats(r)->missing_footer);
	assert_true(wn.count >= 1);
	assert_non_null(strstr(wn.last, "footer"));
	free(hs);
	kite_reader_close(r);
	kite_writer_abort(w);
	close(fd);
}

static void reserve_commit_is_zero_copy(void **state)
{
	(void)state;
	int fd;
	kite_writer *w = memfd_writer(&fd, NULL);
	struct kite_evt_builder b;
	for (int i = 0; i < 10; i++) {
		void *slot = kite_writer_reserve(w, 48);
		assert_non_null(slot);
		kite_evt_begin(&b, slot, KITE_EVT_CLOSE, 2, 100 + (uint64_t)i, 5, 5, 0);
		kite_evt_add_u(&b, 0, 8);
		kite_evt_add_u(&b, (uint64_t)i, 8);
		assert_ptr_equal(kite_evt_end(&b), slot);
		assert_int_equal(kite_writer_commit(w), 0);
	}
	assert_int_equal(kite_writer_commit(w), -1); /* no reservation pending */
	assert_non_null(strstr(kite_writer_error(w), "reservation"));
	kite_writer_abort(w);
	close(fd);
}

static void seek_by_time(void **state)
{
	(void)state;
	for (int ignore_index = 0; ignore_index <= 1; ignore_index++) {
		int fd = kt_memfd_capture(NEV, 0, &small_chunks, SEED);
		kite_reader *all = open_fd(dup(fd), 0, &(struct kt_warnings){0});
		uint64_t *ts = malloc(NEV * sizeof(uint64_t)), n = 0;
		const struct kite_evt *e;
		while (kite_reader_next(all, &e) > 0)
			ts[n++] = e->ts;
		assert_int_equal(n, NEV);
		kite_reader_close(all);
		for (int k = 0; k < 20; k++) {
			uint64_t t = ts[0] - 5 + (ts[NEV - 1] - ts[0] + 10) * (uint64_t)k / 19;
			lseek(fd, 0, SEEK_SET);
			kite_reader *r = open_fd(dup(fd), ignore_index, &(struct kt_warnings){0});
			assert_int_equal(kite_reader_seek_time(r, t), 0);
			uint64_t want = 0;
			while (want < NEV && ts[want] < t)
				want++;
			uint64_t got = 0;
			int first = 1;
			while (kite_reader_next(r, &e) > 0) {
				if (first)
					assert_int_equal(e->ts, ts[want]);
				first = 0;
				got++;
			}
			assert_int_equal(got, NEV - want);
			kite_reader_close(r);
		}
		free(ts);
		close(fd);
	}
}

/* A state_user record (uid) or a close event (fd) at ts, appended to w. */
static void put_rec(kite_writer *w, int state_rec, uint64_t v, uint64_t ts)
{
	static uint8_t buf[512];
	const struct kite_event_desc *d =
	        kite_schema_event(kite_schema_builtin(), state_rec ? KITE_EVT_STATE_USER : KITE_EVT_CLOSE);
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, d->id, d->nparams, ts, 7, 7, 0);
	for (uint32_t i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		if (!strcmp(n, state_rec ? "uid" : "fd"))
			kite_evt_add_u(&b, v,
			               kite_param_width(&d->params[i]) ? kite_param_width(&d->params[i]) : 8);
		else if (!strcmp(n, "res"))
			kite_evt_add_u(&b, 0, 8);
		else
			kite_evt_add(&b, NULL, 0);
	}
	assert_int_equal(kite_writer_append(w, kite_evt_end(&b)), 0);
}

/* The records from r on: how many, the first one's type and value (uid or fd), the keyframes passed. */
static uint64_t read_rest(kite_reader *r, uint16_t *first_type, uint64_t *first_v)
{
	const struct kite_evt *e;
	struct kite_params p;
	uint64_t n = 0;
	while (kite_reader_next(r, &e) > 0) {
		if (!n++) {
			const struct kite_event_desc *d = kite_schema_event(kite_schema_builtin(), e->type);
			*first_type = e->type;
			assert_int_equal(kite_evt_split(e, e->len, d, &p), 0);
			int i = kite_param_index(d, e->type == KITE_EVT_STATE_USER ? "uid" : "fd");
			*first_v = kite_get_u(p.val[i], p.len[i]);
		}
	}
	return n;
}

/*
 * Keyframes: snapshots after the first events.  Read in order they are passed
 * over (the events made that state); kite_reader_seek_keyframe starts at the
 * last one at or before a time, with its state first and the count of events
 * passed over.
 */
static void keyframes(void **state)
{
	(void)state;
	int fd;
	kite_writer *w = memfd_writer(&fd, &small_chunks);
	for (int part = 0; part < 3; part++) { /* snapshot, 10 events; keyframe, 10; keyframe, 10 */
		assert_int_equal(kite_writer_snapshot_begin(w), 0);
		put_rec(w, 1, 100 + (uint64_t)part, 1000 + 2000 * (uint64_t)part);
		assert_int_equal(kite_writer_snapshot_end(w), 0);
		for (uint64_t i = 0; i < 10; i++)
			put_rec(w, 0, 10 * (uint64_t)part + i, 2000 + 2000 * (uint64_t)part + i);
	}
	char err[256];
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	uint16_t type = 0;
	uint64_t v = 0;
	/* in order: the first snapshot, then the 30 events */
	lseek(fd, 0, SEEK_SET);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	assert_int_equal(read_rest(r, &type, &v), 31);
	assert_int_equal(type, KITE_EVT_STATE_USER);
	assert_int_equal(v, 100);
	assert_int_equal(kite_reader_stats(r)->keyframes_passed, 2);
	uint64_t decompressed = kite_reader_stats(r)->chunks;
	kite_reader_close(r);
	/* passing over chunks, keyframes met in order are not decompressed either */
	static uint8_t no_type[KITE_EVT_MAX_BUILTIN];
	no_type[KITE_EVT_STATE_IFACE] = 1;
	lseek(fd, 0, SEEK_SET);
	r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	assert_int_equal(
	        kite_reader_set_chunk_want(
	                r, &(struct kite_chunk_want){.types = no_type, .ntypes = KITE_EVT_MAX_BUILTIN}),
	        1);
	assert_int_equal(read_rest(r, &type, &v), 1); /* the first snapshot's record alone */
	assert_int_equal(kite_reader_stats(r)->keyframes_passed, 2);
	assert_int_equal(kite_reader_stats(r)->events_skipped, 30);
	assert_true(kite_reader_stats(r)->chunks < decompressed);
	assert_int_equal(kite_reader_stats(r)->chunks, 1); /* the first snapshot */
	kite_reader_close(r);
	/* from t = 4500: the keyframe at 3000 (uid 101), its 10 events and the last 10 */
	static const struct {
		uint64_t t;
		int rc;
		uint64_t before, n, uid;
	} cases[] = {
	        {4500, 1, 10, 21, 101}, {5000, 1, 20, 11, 102}, {99999, 1, 20, 11, 102}, {2500, 0, 0, 0, 0}};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		lseek(fd, 0, SEEK_SET);
		r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
		uint64_t before = 12345;
		assert_int_equal(kite_reader_seek_keyframe(r, cases[k].t, &before), cases[k].rc);
		if (cases[k].rc) {
			assert_int_equal(before, cases[k].before);
			assert_int_equal(read_rest(r, &type, &v), cases[k].n);
			assert_int_equal(type, KITE_EVT_STATE_USER);
			assert_int_equal(v, cases[k].uid);
		}
		kite_reader_close(r);
	}
	/* without an index (ignored), there is nothing to jump with */
	lseek(fd, 0, SEEK_SET);
	r = open_fd(dup(fd), 1, &(struct kt_warnings){0});
	assert_int_equal(kite_reader_seek_keyframe(r, 4500, NULL), 0);
	kite_reader_close(r);
	close(fd);
}

/*
 * A keyframe written after events timed later than its snapshot (a recorder
 * that drained them first): starting there would lose them, so a seek takes an
 * earlier keyframe, or none.
 */
static void keyframe_after_later_events(void **state)
{
	(void)state;
	int fd;
	kite_writer *w = memfd_writer(&fd, &small_chunks);
	assert_int_equal(kite_writer_snapshot_begin(w), 0);
	put_rec(w, 1, 100, 1000);
	assert_int_equal(kite_writer_snapshot_end(w), 0);
	for (uint64_t i = 0; i < 10; i++)
		put_rec(w, 0, i, 2000 + i);
	assert_int_equal(kite_writer_snapshot_begin(w), 0); /* a clean keyframe at 3000 */
	put_rec(w, 1, 101, 3000);
	assert_int_equal(kite_writer_snapshot_end(w), 0);
	for (uint64_t i = 0; i < 10; i++)
		put_rec(w, 0, 10 + i, 4000 + i);
	put_rec(w, 0, 99, 6500); /* drained before the next keyframe, though later than its snapshot */
	assert_int_equal(kite_writer_snapshot_begin(w), 0);
	put_rec(w, 1, 102, 6000);
	assert_int_equal(kite_writer_snapshot_end(w), 0);
	for (uint64_t i = 0; i < 10; i++)
		put_rec(w, 0, 20 + i, 7000 + i);
	char err[256];
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	/* from 6800: not the keyframe at 6000 (the event at 6500 is before it), the one at 3000 */
	lseek(fd, 0, SEEK_SET);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	uint64_t before = 0;
	assert_int_equal(kite_reader_seek_keyframe(r, 6800, &before), 1);
	assert_int_equal(before, 10);
	uint16_t type = 0;
	uint64_t v = 0;
	assert_int_equal(read_rest(r, &type, &v), 1 + 11 + 10); /* keyframe 3000, 11 events, 10 more */
	assert_int_equal(v, 101);
	kite_reader_close(r);
	close(fd);
}

/* The events of a capture in order (records of CHUNK blocks): hash, type, pid. */
struct evlist {
	uint64_t n, *hash;
	uint16_t *type;
	uint32_t *pid;
};

static void read_events(kite_reader *r, struct evlist *l)
{
	const struct kite_evt *e;
	memset(l, 0, sizeof(*l));
	l->hash = malloc(NEV * sizeof(*l->hash));
	l->type = malloc(NEV * sizeof(*l->type));
	l->pid = malloc(NEV * sizeof(*l->pid));
	while (kite_reader_next(r, &e) > 0) {
		if (kite_reader_chunk(r)->kind != KITE_CHUNK_EVENTS)
			continue;
		assert_true(l->n < NEV);
		l->hash[l->n] = kt_hash(e, e->len);
		l->type[l->n] = e->type;
		l->pid[l->n++] = e->pid;
	}
}

static void evlist_free(struct evlist *l)
{
	free(l->hash);
	free(l->type);
	free(l->pid);
}

/* Does an event of this type and pid match the want? */
static int wants(const struct kite_chunk_want *w, uint16_t type, uint32_t pid)
{
	int type_ok = !w->types || (type < w->ntypes && w->types[type]);
	int pid_ok = !w->pids;
	for (unsigned k = 0; w->pids && k < w->npids; k++)
		pid_ok |= w->pids[k] == pid;
	return type_ok && pid_ok;
}

/*
 * Reads the capture with a chunk want: every event that matches is there,
 * each at the position a full read gives it (events read + events skipped),
 * and fewer chunks were decompressed.  Returns the chunks skipped.
 */
static uint64_t check_skipping(int fd, const struct evlist *all, uint64_t full_chunks,
                               const struct kite_chunk_want *w)
{
	lseek(fd, 0, SEEK_SET);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	assert_int_equal(kite_reader_set_chunk_want(r, w), 1);
	const struct kite_evt *e;
	uint64_t read = 0, matched = 0, expect = 0;
	const struct kite_reader_stats *st = kite_reader_stats(r);
	while (kite_reader_next(r, &e) > 0) {
		if (kite_reader_chunk(r)->kind != KITE_CHUNK_EVENTS)
			continue;
		uint64_t num = read++ + st->events_skipped; /* what a full read numbers it */
		assert_true(num < all->n);
		if (all->hash[num] != kt_hash(e, e->len))
			fail_msg("event %llu differs from the full read's", (unsigned long long)num);
		matched += wants(w, e->type, e->pid);
	}
	for (uint64_t i = 0; i < all->n; i++)
		expect += wants(w, all->type[i], all->pid[i]);
	assert_int_equal(matched, expect);
	assert_int_equal(read + st->events_skipped, all->n);
	assert_int_equal(st->chunks + st->chunks_skipped, full_chunks);
	assert_int_equal(st->bad_chunks, 0);
	uint64_t skipped = st->chunks_skipped;
	kite_reader_close(r);
	return skipped;
}

/* A damaged chunk is never passed over: it is read, its damage reported, its events not counted. */
static void skipping_keeps_damage(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	assert_true(fd >= 0);
	size_t len;
	uint8_t *bytes = kt_slurp(fd, &len);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	const struct kite_index *idx = kite_reader_index(r);
	uint32_t hit = 0, seen = 0;
	for (uint32_t i = 0; i < idx->nchunks && seen < 3; i++)
		if (idx->chunks[i].kind == KITE_CHUNK_EVENTS && ++seen == 3)
			hit = i;
	uint64_t off = idx->chunks[hit].offset, lost = idx->chunks[hit].nevents;
	assert_true(seen == 3 && idx->chunks[hit].comp_len > 200);
	kite_reader_close(r);
	close(fd);
	bytes[off + 100] ^= 0xff; /* inside its compressed records */
	int dfd = kt_memfd_bytes(bytes, len);
	free(bytes);
	static uint8_t types[KITE_EVT_MAX_BUILTIN];
	types[KITE_EVT_STATE_IFACE] = 1; /* no event has it: every intact chunk is passed over */
	struct kite_chunk_want none = {.types = types, .ntypes = KITE_EVT_MAX_BUILTIN};
	struct kt_warnings w = {0};
	r = open_fd(dfd, 0, &w);
	assert_int_equal(kite_reader_set_chunk_want(r, &none), 1);
	uint64_t *hashes;
	uint64_t read = kt_read_all(r, &hashes) - NSTATE; /* events read: the chunk after the damage, say */
	free(hashes);
	const struct kite_reader_stats *st = kite_reader_stats(r);
	assert_int_equal(st->bad_chunks, 1);
	assert_int_equal(read + st->events_skipped, NEV - lost); /* every event but the lost ones, once */
	assert_true(st->chunks_skipped > 0);
	assert_true(w.count > 0);
	kite_reader_close(r);
}

/* The index's chunk summaries let a reader pass over chunks without what it wants, numbering kept. */
static void chunk_skipping(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	assert_true(fd >= 0);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	struct evlist all;
	read_events(r, &all);
	uint64_t full_chunks = kite_reader_stats(r)->chunks;
	assert_int_equal(all.n, NEV);
	assert_non_null(kite_reader_index(r)->sums);
	kite_reader_close(r);
	/* the rarest type and the pid with fewest events: most chunks have neither */
	uint64_t tcount[KITE_EVT_MAX_BUILTIN] = {0};
	for (uint64_t i = 0; i < all.n; i++)
		tcount[all.type[i]]++;
	uint16_t rare = 0;
	for (uint16_t t = 1; t < KITE_EVT_MAX_BUILTIN; t++)
		if (tcount[t] && (!rare || tcount[t] < tcount[rare]))
			rare = t;
	uint32_t pid = all.pid[0];
	uint64_t pcount = UINT64_MAX;
	for (uint64_t i = 0; i < all.n; i += 7) {
		uint64_t n = 0;
		for (uint64_t j = 0; j < all.n; j++)
			n += all.pid[j] == all.pid[i];
		if (n < pcount)
			pcount = n, pid = all.pid[i];
	}
	static uint8_t types[KITE_EVT_MAX_BUILTIN];
	types[rare] = 1;
	struct kite_chunk_want by_type = {.types = types, .ntypes = KITE_EVT_MAX_BUILTIN};
	struct kite_chunk_want by_pid = {.pids = &pid, .npids = 1};
	struct kite_chunk_want both = {
	        .types = types, .ntypes = KITE_EVT_MAX_BUILTIN, .pids = &pid, .npids = 1};
	assert_true(check_skipping(fd, &all, full_chunks, &by_type) > 0);
	assert_true(check_skipping(fd, &all, full_chunks, &by_pid) > 0);
	assert_true(check_skipping(fd, &all, full_chunks, &both) > 0);
	/* a type no event has: every event chunk is passed over */
	memset(types, 0, sizeof(types));
	types[KITE_EVT_STATE_IFACE] = 1;
	lseek(fd, 0, SEEK_SET);
	r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	assert_int_equal(kite_reader_set_chunk_want(r, &by_type), 1);
	uint64_t *hashes;
	assert_int_equal(kt_read_all(r, &hashes), NSTATE);
	free(hashes);
	assert_int_equal(kite_reader_stats(r)->events_skipped, NEV);
	kite_reader_close(r);
	/* the index ignored: nothing can be skipped */
	lseek(fd, 0, SEEK_SET);
	r = open_fd(dup(fd), 1, &(struct kt_warnings){0});
	assert_int_equal(kite_reader_set_chunk_want(r, &by_type), 0);
	kite_reader_close(r);
	evlist_free(&all);
	close(fd);
}

/*
 * The capture in fd with its INDEX rewritten (and sealed with a good CRC):
 * without summaries, as writers before them wrote it, or with a summary
 * section that says its Bloom filters use 0 hashes.
 */
static int rewrite_index(int fd, int damage)
{
	size_t len;
	uint8_t *b = kt_slurp(fd, &len);
	assert_non_null(b);
	const uint8_t *footer = b + len - KITE_FOOTER_LEN;
	uint64_t at = kite_le64(footer + 16 + 8);
	struct kite_index x;
	char err[256];
	assert_int_equal(kite_index_parse(b + at + 16, kite_le32(b + at + 12), &x, err, sizeof(err)), 0);
	assert_non_null(x.sums);
	if (!damage) {
		free(x.sums);
		x.sums = NULL;
	}
	struct kite_buf out = {0}, idx = {0};
	kbuf_put(&out, b, at);
	kite_index_encode(&x, &idx);
	if (damage) /* the section's hashes byte: tag, length, type bits, pid bits, then it */
		idx.p[idx.len - (size_t)x.nchunks * x.sum_len - 4] = 0;
	kite_put_block(&out, KITE_BLK_INDEX, idx.p, (uint32_t)idx.len);
	uint8_t content[KITE_FOOTER_CONTENT];
	memcpy(content, footer + 16, sizeof(content));
	uint32_t index_len = (uint32_t)(out.len - at);
	memcpy(content + 16, &index_len, 4);
	kite_put_block(&out, KITE_BLK_FOOTER, content, sizeof(content));
	int old = kt_memfd_bytes(out.p, out.len);
	assert_true(old >= 0);
	kbuf_free(&out);
	kbuf_free(&idx);
	kite_index_free(&x);
	free(b);
	return old;
}

/* A capture whose index has no summaries (older writers) reads as before: by type nothing is skipped. */
static void old_index_reads(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	assert_true(fd >= 0);
	int old = rewrite_index(fd, 0);
	int bad = rewrite_index(fd, 1);
	close(fd);
	struct kt_warnings w = {0};
	kite_reader *r = open_fd(dup(old), 0, &w);
	assert_non_null(kite_reader_index(r));
	assert_null(kite_reader_index(r)->sums);
	static uint8_t types[KITE_EVT_MAX_BUILTIN] = {[KITE_EVT_STATE_IFACE] = 1};
	struct kite_chunk_want by_type = {.types = types, .ntypes = KITE_EVT_MAX_BUILTIN};
	assert_int_equal(kite_reader_set_chunk_want(r, &by_type), 0);
	check_sequence(r, NEV, NSTATE, SEED);
	assert_int_equal(w.count, 0);
	assert_true(kite_reader_stats(r)->has_footer);
	assert_int_equal(kite_reader_stats(r)->chunks_skipped, 0);
	kite_reader_close(r);
	/* a time bound still skips with the chunks' time ranges */
	lseek(old, 0, SEEK_SET);
	r = open_fd(dup(old), 0, &w);
	const struct kite_index *x = kite_reader_index(r);
	struct kite_chunk_want late = {.from = x->chunks[x->nchunks / 2].first_ts};
	assert_int_equal(kite_reader_set_chunk_want(r, &late), 1);
	uint64_t *h;
	uint64_t n = kt_read_all(r, &h);
	free(h);
	assert_true(kite_reader_stats(r)->chunks_skipped > 0);
	assert_int_equal(n + kite_reader_stats(r)->events_skipped, NEV + NSTATE);
	kite_reader_close(r);
	close(old);
	/* a malformed summary section: the index is refused with the reason, the file read in order */
	struct kt_warnings wb = {0};
	r = open_fd(bad, 0, &wb);
	assert_null(kite_reader_index(r));
	assert_non_null(
	        strstr(wb.last, "chunk summaries: bad sizes (256 type bits, 512 pid bits, 0 hashes)"));
	assert_non_null(strstr(wb.last, "reading sequentially"));
	check_sequence(r, NEV, NSTATE, SEED);
	kite_reader_close(r);
}

/* kite recover's copy makes the same chunk summaries as the writer did. */
static void recover_keeps_summaries(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(NEV, NSTATE, &small_chunks, SEED);
	assert_true(fd >= 0);
	kite_reader *r = open_fd(dup(fd), 0, &(struct kt_warnings){0});
	int out;
	kite_writer *w = memfd_writer(&out, &small_chunks);
	struct kite_recover_stats rs = {0};
	assert_int_equal(kite_recover_copy(r, w, &rs), 0);
	char err[256];
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	lseek(out, 0, SEEK_SET);
	kite_reader *r2 = open_fd(out, 0, &(struct kt_warnings){0});
	const struct kite_index *a = kite_reader_index(r), *b = kite_reader_index(r2);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->nchunks, b->nchunks);
	assert_int_equal(a->sum_len, b->sum_len);
	assert_memory_equal(a->sums, b->sums, (size_t)a->nchunks * a->sum_len);
	kite_reader_close(r2);
	kite_reader_close(r);
	close(fd);
}

static void full_disk_at_open(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY);
	assert_true(fd >= 0);
	struct kite_header h;
	kt_header(&h);
	char err[256] = "";
	assert_null(kite_writer_open(fd, "full.kcap", &h, kite_schema_builtin(), NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "full.kcap: write failed at offset 0: No space left on device"));
	close(fd);
}

/* The disk fills mid-capture (simulated with RLIMIT_FSIZE): a clear error, and what was written reads back. */
static void full_disk_mid_capture(void **state)
{
	(void)state;
	char path[] = "/tmp/kite-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	pid_t child = fork();
	if (child == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {30000, 30000};
		setrlimit(RLIMIT_FSIZE, &rl);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2); /* kt_write_capture prints the error; keep the test output clean */
		_exit(kt_write_capture(fd, NEV, NSTATE, &small_chunks, SEED) == 0 ? 0 : 3);
	}
	int status;
	waitpid(child, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 3);
	struct stat st;
	fstat(fd, &st);
	assert_true(st.st_size <= 30000);
	lseek(fd, 0, SEEK_SET);
	struct kt_warnings w = {0};
	kite_reader *r = open_fd(fd, 0, &w);
	uint64_t *got, *want = kt_expected_hashes(NEV, NSTATE, SEED);
	uint64_t n = kt_read_all(r, &got);
	assert_true(n > NSTATE); /* some chunks made it */
	assert_true(n < NEV + NSTATE);
	for (uint64_t i = 0; i < n; i++) /* and they are exactly the first records */
		assert_true(got[i] == want[i]);
	assert_true(kite_reader_stats(r)->missing_footer);
	kite_reader_close(r);
	free(got);
	free(want);
	unlink(path);
}

static void unknown_blocks_are_skipped(void **state)
{
	(void)state;
	int fd = kt_memfd_capture(200, 5, &small_chunks, SEED);
	size_t len;
	uint8_t *p = kt_slurp(fd, &len);
	close(fd);
	/* find the first chunk and put a foreign block (a pcapng Name Resolution Block) before it */
	kite_reader *r = open_fd(kt_memfd_bytes(p, len), 0, &(struct kt_warnings){0});
	uint64_t at = kite_reader_index(r)->chunks[0].offset;
	kite_reader_close(r);
	uint8_t nrb[16] = {4, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0};
	uint8_t *q = malloc(len + sizeof(nrb));
	memcpy(q, p, at);
	memcpy(q + at, nrb, sizeof(nrb));
	memcpy(q + at + sizeof(nrb), p + at, len - at);
	struct kt_warnings w = {0};
	r = open_fd(kt_memfd_bytes(q, len + sizeof(nrb)), 1, &w);
	check_sequence(r, 200, 5, SEED);
	assert_int_equal(w.count, 0);
	kite_reader_close(r);
	free(p);
	free(q);
}

/* An empty stored chunk (no writer makes one, a crafted file may): read as zero records. */
static void empty_stored_chunk(void **state)
{
	(void)state;
	int fd;
	char err[256];
	kite_writer *w = memfd_writer(&fd, NULL);
	uint8_t content[KITE_CHUNK_HDR_LEN] = {1, 0, KITE_CODEC_NONE, 0};
	struct kite_chunk_ref ref = {.kind = KITE_CHUNK_EVENTS};
	assert_int_equal(kite_writer_copy_chunk(w, KITE_BLK_CHUNK, content, sizeof(content), &ref), 0);
	assert_int_equal(kite_writer_close(w, err, sizeof(err)), 0);
	lseek(fd, 0, SEEK_SET);
	struct kt_warnings wn = {0};
	kite_reader *r = open_fd(fd, 0, &wn);
	uint64_t *hs;
	assert_int_equal(kt_read_all(r, &hs), 0);
	assert_int_equal(kite_reader_stats(r)->bad_chunks, 0);
	assert_int_equal(kite_reader_stats(r)->chunks, 1);
	free(hs);
	kite_reader_close(r);
}

static void not_a_capture(void **state)
{
	(void)state;
	char err[512];
	const char *cases[][2] = {
	        {"", "empty file"},
	        {"\x1f\x8b\x08\x00 gzip",
	         "gzip stream"}, /* gzip: read as a .scap capture, which this is not */
	        {"\xd4\xc3\xb2\xa1 classic pcap header....", "classic pcap"},
	        {"hello, world, this is text", "not a pcapng file"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = kt_memfd_bytes(cases[i][0], strlen(cases[i][0]));
		kite_reader *r = kite_reader_open_fd(fd, "x.kcap", NULL, err, sizeof(err));
		assert_null(r);
		if (!strstr(err, cases[i][1]) || strncmp(err, "x.kcap: ", 8))
			fail_msg("case %zu: '%s'", i, err);
	}
	/* a pcapng file with no kite blocks (say, from tcpdump) */
	int fd = kt_memfd_capture(10, 0, NULL, 1);
	size_t len;
	uint8_t *p = kt_slurp(fd, &len);
	uint32_t shb_len;
	memcpy(&shb_len, p + 4, 4);
	int fd2 = kt_memfd_bytes(p, shb_len);
	assert_null(kite_reader_open_fd(fd2, "y.pcapng", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not a kite capture"));
	free(p);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(file_round_trip),
	        cmocka_unit_test(stored_chunks_round_trip),
	        cmocka_unit_test(pipe_round_trip),
	        cmocka_unit_test(index_matches_contents),
	        cmocka_unit_test(chunks_close_on_time),
	        cmocka_unit_test(tick_flushes_a_quiet_capture),
	        cmocka_unit_test(reserve_commit_is_zero_copy),
	        cmocka_unit_test(seek_by_time),
	        cmocka_unit_test(keyframes),
	        cmocka_unit_test(keyframe_after_later_events),
	        cmocka_unit_test(chunk_skipping),
	        cmocka_unit_test(skipping_keeps_damage),
	        cmocka_unit_test(recover_keeps_summaries),
	        cmocka_unit_test(old_index_reads),
	        cmocka_unit_test(full_disk_at_open),
	        cmocka_unit_test(full_disk_mid_capture),
	        cmocka_unit_test(unknown_blocks_are_skipped),
	        cmocka_unit_test(empty_stored_chunk),
	        cmocka_unit_test(not_a_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
