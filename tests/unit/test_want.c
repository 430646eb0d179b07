/* test_want.c - events passed over by type (kite_reader_set_record_want, kite_replay_opts.types_of): same events kept, counts right. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "filter.h"
#include "reader.h"
#include "replay.h"
#include "testlib.h"
#include "writer.h"

#define SCAP_DATA "../shared/data/scap"

/* One full read: each record's type, time and hash. */
struct seen {
	size_t n;
	uint16_t *type;
	uint64_t *ts, *hash;
	int *state; /* a snapshot record */
};

static void seen_free(struct seen *s)
{
	free(s->type);
	free(s->ts);
	free(s->hash);
	free(s->state);
	memset(s, 0, sizeof(*s));
}

/* Reads a .scap on the caller's thread instead of a second one (both must give the same records). */
static int one_thread;

static kite_reader *open_or_fail(const char *path)
{
	char err[512];
	struct kite_reader_opts o = {.warn = kt_warn, .one_thread = one_thread};
	kite_reader *r = kite_reader_open(path, &o, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	return r;
}

static void read_all(kite_reader *r, struct seen *s)
{
	size_t cap = 0;
	const struct kite_evt *e;
	int rc;
	memset(s, 0, sizeof(*s));
	const struct kite_schema *sc = kite_reader_schema(r);
	while ((rc = kite_reader_next(r, &e)) == 1) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 1024;
			s->type = realloc(s->type, cap * sizeof(*s->type));
			s->ts = realloc(s->ts, cap * sizeof(*s->ts));
			s->hash = realloc(s->hash, cap * sizeof(*s->hash));
			s->state = realloc(s->state, cap * sizeof(*s->state));
			assert_true(s->type && s->ts && s->hash && s->state);
		}
		const struct kite_event_desc *d = kite_schema_event(sc, e->type);
		s->type[s->n] = e->type;
		s->ts[s->n] = e->ts;
		s->hash[s->n] = kt_hash(e, e->len);
		s->state[s->n] = d && (d->flags & KITE_EF_STATE);
		s->n++;
	}
	assert_int_equal(rc, 0);
}

/*
 * Reads path in full, then again wanting only the types whose name is in
 * keep: the second read must give exactly the first one's records of those
 * types (and every snapshot record), byte for byte and in order, and count the
 * others as skipped.  Returns how many were skipped.
 */
static uint64_t check_want(const char *path, const char *const *keep, size_t nkeep)
{
	kite_reader *r = open_or_fail(path);
	struct seen full, part;
	read_all(r, &full);
	kite_reader_close(r);

	r = open_or_fail(path);
	const struct kite_schema *sc = kite_reader_schema(r);
	uint32_t n = sc->max_event_id + 1;
	uint8_t *want = calloc(n, 1);
	assert_non_null(want);
	for (uint32_t id = 0; id < n; id++) {
		const struct kite_event_desc *d = kite_schema_event(sc, id);
		for (size_t k = 0; d && k < nkeep; k++)
			want[id] |= !strcmp(d->name, keep[k]);
	}
	assert_int_equal(kite_reader_set_record_want(r, want, n, 0), 1);
	read_all(r, &part);
	const struct kite_reader_stats *st = kite_reader_stats(r);

	/*
	 * The second read is a subsequence of the first: every wanted record and
	 * every snapshot record is in it; a reader may keep an unwanted one it
	 * cannot judge (a .scap's generic events), never drop a wanted one.
	 */
	size_t j = 0;
	uint64_t skipped = 0, last_skipped_ts = 0;
	for (size_t i = 0; i < full.n; i++) {
		int wanted = full.state[i] || full.type[i] >= n || want[full.type[i]];
		if (j < part.n && part.type[j] == full.type[i] && part.hash[j] == full.hash[i]) {
			j++;
			continue;
		}
		if (wanted)
			fail_msg("%s: record %zu (type %u), wanted, was not handed out", path, i,
			         full.type[i]);
		skipped++;
		last_skipped_ts = full.ts[i];
	}
	assert_int_equal(j, part.n);
	assert_int_equal(st->events_skipped, skipped);
	assert_int_equal(st->skipped_last_ts, last_skipped_ts);
	free(want);
	seen_free(&full);
	seen_free(&part);
	kite_reader_close(r);
	return skipped;
}

static int have_scap_data(void)
{
	if (access(SCAP_DATA "/libs_sample.scap", R_OK) == 0)
		return 1;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("%s is missing (CI needs ../shared)", SCAP_DATA);
	printf("SKIP: %s not found\n", SCAP_DATA);
	return 0;
}

/* A .scap passes events over before converting them; the enter events of those types must not pair with others. */
static void scap_record_want(void **state)
{
	(void)state;
	if (!have_scap_data())
		return;
	static const char *const opens[] = {"openat", "open", "close", "execve"};
	static const char *const net[] = {"connect", "socket", "sendto", "recvfrom", "clone"};
	static const char *const files[] = {"libs_sample.scap", "libs_curl_google.scap",
	                                    "libs_single_ipv6_conn.scap", "falco_psp_write_tmp_test.scap"};
	uint64_t total = 0;
	for (one_thread = 0; one_thread < 2; one_thread++)
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char path[256];
			snprintf(path, sizeof(path), SCAP_DATA "/%s", files[i]);
			total += check_want(path, opens, 4);
			total += check_want(path, net, 5);
		}
	one_thread = 0;
	assert_true(total > 0); /* the test would prove nothing if nothing was passed over */
}

/* A .kcap passes them over after decoding its chunk (or whole chunks, by their summary). */
static void kcap_record_want(void **state)
{
	(void)state;
	static const char *const opens[] = {"openat", "close"};
	assert_true(check_want("samples/attacks.kcap", opens, 2) > 0);
	static const char *const none[] = {"no-such-event"};
	assert_true(check_want("samples/workload.kcap", none, 1) > 0);
}

/* What a show with a filter sees: the events it would have matched, with evt.num and deltatime unchanged. */
struct shown {
	size_t n;
	char **line;
	uint64_t malformed; /* records whose parameters did not parse */
	uint64_t passed;    /* events the reader passed over */
};

static void filter_types(void *flt, const struct kite_schema *schema, uint8_t *bits, size_t nbits)
{
	kite_filter_evttypes(flt, schema, bits, nbits);
}

/*
 * The events filter matches, as lines of what the replay knows of them; want:
 * the reader may pass over the types the filter never matches; fds 0: the
 * caller reads nothing of the fd tables (kite_replay_opts.no_fds), and the
 * lines leave the fd out.
 */
static void show_some(const char *path, const char *filter, int want, int fds, struct shown *out)
{
	char err[256];
	kite_filter *f = kite_filter_new(filter, NULL, err, sizeof(err));
	if (!f)
		fail_msg("%s", err);
	struct kite_replay rp;
	char *paths[] = {(char *)path};
	struct kite_replay_opts o = {.types_of = want ? filter_types : NULL, .types_ctx = f, .no_fds = !fds};
	assert_int_equal(kite_replay_open(&rp, paths, 1, &o), 0);
	memset(out, 0, sizeof(*out));
	size_t cap = 0;
	struct kite_ctx *c;
	int rc;
	while ((rc = kite_replay_next(&rp, &c)) == 1) {
		if (!kite_filter_match(f, c))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 256;
			out->line = realloc(out->line, cap * sizeof(*out->line));
			assert_non_null(out->line);
		}
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);
		assert_non_null(m);
		fprintf(m, "%llu %llu %lld %lld", (unsigned long long)c->num,
		        (unsigned long long)kite_ctx_delta(c), (long long)c->thr->tid,
		        (long long)c->proc->pid);
		fprintf(m, " %s %s", c->proc->comm[0] ? c->proc->comm : "-",
		        fds && c->fd && c->fd->name ? c->fd->name : "-");
		fclose(m);
		out->line[out->n++] = line;
	}
	assert_int_equal(rc, 0);
	out->malformed = rp.malformed;
	out->passed = kite_reader_stats(rp.src[0].r)->events_skipped;
	kite_replay_close(&rp);
	kite_filter_free(f);
}

static void show(const char *path, const char *filter, int want, struct shown *out)
{
	show_some(path, filter, want, 1, out);
}

static void shown_free(struct shown *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->line[i]);
	free(s->line);
}

static void replay_same_events(const char *path, const char *filter)
{
	struct shown all, some;
	show(path, filter, 0, &all);
	show(path, filter, 1, &some);
	assert_true(all.n > 0);
	assert_int_equal(all.n, some.n);
	assert_int_equal(all.malformed, some.malformed);
	for (size_t i = 0; i < all.n; i++)
		assert_string_equal(all.line[i], some.line[i]);
	shown_free(&all);
	shown_free(&some);
}

static void replay_want_types(void **state)
{
	(void)state;
	replay_same_events("samples/attacks.kcap", "evt.type in (openat, execve)");
	replay_same_events("samples/attacks.kcap", "evt.type in (mmap, unlinkat, renameat2)");
	/* filters whose types are a complement, a prefix, or not only types: a type set too narrow loses matches */
	replay_same_events("samples/attacks.kcap", "not evt.type in (openat, close)");
	replay_same_events("samples/attacks.kcap", "evt.type != openat and evt.type != close");
	replay_same_events("samples/attacks.kcap", "evt.type startswith open");
	replay_same_events("samples/attacks.kcap", "evt.type=execve or proc.name=sh");
	replay_same_events("samples/attacks.kcap", "evt.category=file and not fd.name startswith /proc");
	replay_same_events("samples/attacks.kcap",
	                   "(evt.type=openat and evt.dir=<) or (evt.type in (connect) and fd.typechar=4)");
	if (!have_scap_data())
		return;
	replay_same_events(SCAP_DATA "/libs_sample.scap", "evt.type in (epoll_pwait, futex, nanosleep)");
	replay_same_events(SCAP_DATA "/libs_curl_google.scap",
	                   "evt.type in (open, read, mmap) and fd.name exists");
	replay_same_events(SCAP_DATA "/libs_curl_google.scap", "evt.type=connect");
}

/* ---- crafted captures: the cases a synthetic host does not reliably make ---- */

/* One record being built: each parameter's value by name. */
struct craft {
	const struct kite_event_desc *d;
	const void *val[KITE_MAX_PARAMS];
	uint32_t len[KITE_MAX_PARAMS];
	uint8_t num[KITE_MAX_PARAMS][8];
};

/*
 * A caller that reads no fd state (process fields only) has the events that
 * only change fd tables passed over too: the same events, the same process
 * fields and numbers as a full read, and more events passed over than with
 * fds kept.
 */
static void replay_without_fds(void **state)
{
	(void)state;
	const char *filters[] = {"evt.type=execve", "evt.type in (clone, execve, procexit)",
	                         "proc.name=sh and evt.type!=close"};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct shown all, nofds, fds;
		show_some("samples/attacks.kcap", filters[i], 0, 0, &all);
		show_some("samples/attacks.kcap", filters[i], 1, 0, &nofds);
		show_some("samples/attacks.kcap", filters[i], 1, 1, &fds);
		assert_true(all.n > 0);
		assert_int_equal(all.n, nofds.n);
		for (size_t k = 0; k < all.n; k++)
			assert_string_equal(all.line[k], nofds.line[k]);
		assert_int_equal(all.passed, 0);
		if (i < 2) /* these never look at opens or closes, which the capture has plenty of */
			assert_true(nofds.passed > fds.passed);
		shown_free(&all);
		shown_free(&nofds);
		shown_free(&fds);
	}
}
static struct craft *craft(struct craft *r, const char *type)
{
	memset(r, 0, sizeof(*r));
	r->d = kite_schema_find(kite_schema_builtin(), type);
	assert_non_null(r->d);
	return r;
}

static struct craft *set_int(struct craft *r, const char *name, int64_t v)
{
	int i = kite_param_index(r->d, name);
	assert_true(i >= 0);
	unsigned w = kite_param_width(&r->d->params[i]);
	memcpy(r->num[i], &v, w ? w : 8);
	r->val[i] = r->num[i];
	r->len[i] = w ? w : 8;
	return r;
}

static struct craft *set_str(struct craft *r, const char *name, const char *v)
{
	int i = kite_param_index(r->d, name);
	assert_true(i >= 0);
	r->val[i] = v;
	r->len[i] = (uint32_t)strlen(v);
	return r;
}

/* Appends r as an event of tid/pid at ts; nparams below the table's makes a record that does not parse. */
static void put(kite_writer *w, const struct craft *r, uint64_t ts, uint32_t tid, uint32_t pid,
                uint32_t nparams)
{
	static uint8_t buf[KITE_EVT_MAX_LEN];
	struct kite_evt_builder b;
	kite_evt_begin(&b, buf, r->d->id, nparams, ts, tid, pid, 0);
	for (uint32_t i = 0; i < nparams; i++)
		kite_evt_add(&b, r->val[i], r->len[i]);
	const struct kite_evt *e = kite_evt_end(&b);
	assert_non_null(e);
	assert_int_equal(kite_writer_append(w, e), 0);
}

static void put_open(kite_writer *w, uint64_t ts, uint32_t tid, int64_t fd, const char *name)
{
	struct craft r;
	set_str(set_int(set_int(set_int(craft(&r, "openat"), "fd", fd), "dirfd", -100), "flags", 0), "name",
	        name);
	put(w, &r, ts, tid, tid, r.d->nparams);
}

/*
 * Scenario 1: a drop record carries tid 200 (a drop is about no thread), then
 * 200's first event is a read, then 100's clone returns 200: a full read
 * creates 200 at the read, so the clone finds it; the partial read must too.
 * Scenario 2: a read whose parameters do not parse: counted as damage either way.
 */
static void write_crafted(const char *path, int scenario)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	struct kite_header h;
	kt_header(&h);
	char err[256];
	struct kite_writer_opts o = {.level = 1};
	kite_writer *w = kite_writer_open(fd, path, &h, kite_schema_builtin(), &o, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	uint64_t ts = h.start_ns;
	struct craft r;
	assert_int_equal(kite_writer_snapshot_begin(w), 0);
	set_int(set_int(set_int(set_int(set_int(craft(&r, "state_proc"), "tid", 100), "pid", 100), "ppid", 1),
	                "vtid", 100),
	        "vpid", 100);
	set_str(set_str(set_str(&r, "comm", "parent"), "exe", "parent"), "cwd", "/");
	put(w, &r, ts, 100, 100, r.d->nparams);
	assert_int_equal(kite_writer_snapshot_end(w), 0);
	put_open(w, ts += 1000, 100, 3, "/etc/a");
	set_int(set_int(craft(&r, "read"), "res", 1), "fd", 3);
	if (scenario == 1) {
		struct craft dr;
		set_int(craft(&dr, "drop"), "nevents", 5);
		put(w, &dr, ts += 1000, 200, 200, dr.d->nparams);
		put(w, &r, ts += 1000, 200, 200, r.d->nparams);
		struct craft cl;
		set_int(set_int(set_int(set_int(set_int(set_int(craft(&cl, "clone"), "res", 200), "tid", 100),
		                                "pid", 100),
		                        "vtid", 100),
		                "vpid", 100),
		        "flags", SIGCHLD);
		put(w, &cl, ts += 1000, 100, 100, cl.d->nparams);
		put_open(w, ts += 1000, 200, 4, "/etc/b");
	} else {
		put(w, &r, ts += 1000, 100, 100, r.d->nparams);
		put(w, &r, ts += 1000, 100, 100, 1); /* one parameter of the table's several */
		put_open(w, ts += 1000, 100, 4, "/etc/b");
	}
	if (kite_writer_close(w, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	close(fd);
}

static void crafted_threads_and_damage(void **state)
{
	(void)state;
	char path[] = "/tmp/kite-test-want-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (int scenario = 1; scenario <= 2; scenario++) {
		write_crafted(path, scenario);
		struct shown all, some;
		show(path, "evt.type=openat", 0, &all);
		show(path, "evt.type=openat", 1, &some);
		assert_int_equal(all.n, 2);
		assert_int_equal(some.n, all.n);
		for (size_t i = 0; i < all.n; i++)
			assert_string_equal(all.line[i], some.line[i]);
		assert_int_equal(all.malformed, scenario == 2 ? 1 : 0);
		assert_int_equal(some.malformed, all.malformed);
		shown_free(&all);
		shown_free(&some);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(scap_record_want),           cmocka_unit_test(kcap_record_want),
	        cmocka_unit_test(replay_want_types),          cmocka_unit_test(replay_without_fds),
	        cmocka_unit_test(crafted_threads_and_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
