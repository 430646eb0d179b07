/* replay.c - the replay loop: opens captures, merges their records by time, applies each to the state. */
#include "replay.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The source ended (rc 0) or failed (rc -1). */
__attribute__((noinline)) static int source_end(struct kite_replay *rp, struct kite_source *s, int rc)
{
	if (rc < 0) {
		cli_error("%s: %s", s->path, kite_reader_error(s->r));
		rp->failed = 1;
	}
	s->next = NULL;
	s->done = 1;
	return rc;
}

/* Reads the source's next record into s->next (NULL at the end).  Inline: once per record. */
static inline int source_advance(struct kite_replay *rp, struct kite_source *s)
{
	if (s->done) {
		s->next = NULL;
		return 0;
	}
	int rc = kite_reader_next(s->r, &s->next);
	s->next_num = kite_reader_scap_ordinal(s->r);
	const struct kite_reader_stats *st = s->stats;
	if (st->events_skipped != s->skipped) {
		rp->events += st->events_skipped - s->skipped; /* evt.num goes on as if they had been read */
		s->skipped = st->events_skipped;
		/* evt.deltatime too, with one file (with several, those events were interleaved with others) */
		if (rp->nsrc == 1)
			rp->last_ts = st->skipped_last_ts;
	}
	return rc == 1 ? 1 : source_end(rp, s, rc);
}

/*
 * o.types_of: lets the reader pass over the events of the types the caller
 * will not look at and the state does not need.  With one file only.
 */
static int want_types(struct kite_replay *rp, struct kite_source *s)
{
	const char *all = getenv("KITE_READ_ALL");
	if (!rp->o.types_of || rp->nsrc != 1 || (all && *all && strcmp(all, "0")))
		return 0;
	uint32_t n = s->schema->max_event_id + 1;
	uint8_t *bits = calloc((n + 7) / 8, 1), *types = calloc(n, 1);
	int rc = bits && types ? 0 : -1;
	if (rc == 0) {
		rp->o.types_of(rp->o.types_ctx, s->schema, bits, n);
		int every = 1;
		for (uint32_t id = 0; id < n; id++) {
			types[id] = (bits[id / 8] >> (id % 8)) & 1;
			every &= types[id] || !s->schema->events[id];
		}
		/* the caller's types: events of the others only build the state, not handed out */
		for (uint32_t id = 0; !every && id < n; id++)
			if (!types[id])
				s->kind[id] |= KITE_KIND_UNLOOKED;
		kite_state_mark_needed(rp->state, s->schema, types, !rp->o.no_fds);
		/*
		 * Per event, not per chunk (an index's chunk summaries could skip whole
		 * chunks, but not keep each thread's first event, nor tell the time of a
		 * chunk's last event for evt.deltatime).  Nothing after o.to is passed
		 * over: the replay stops at the first such event, uncounted, as a full read.
		 */
		if (!every && kite_reader_set_record_want(s->r, types, n, rp->o.to) < 0) {
			cli_error("%s", kite_reader_error(s->r));
			rc = -2;
		}
	}
	free(bits);
	free(types);
	if (rc == -1)
		cli_error("out of memory");
	return rc < 0 ? -1 : 0;
}

static int source_open(struct kite_replay *rp, struct kite_source *s, const char *path)
{
	s->path = strdup(path);
	s->r = cli_open(path, rp->o.ignore_index);
	if (!s->path || !s->r)
		return -1;
	const struct kite_header *h = kite_reader_header(s->r);
	s->schema = kite_reader_schema(s->r);
	s->stats = kite_reader_stats(s->r);
	s->trusted = kite_reader_records_trusted(s->r);
	s->maps = kite_state_evmaps(rp->state, s->schema);
	/* a .scap (read directly or converted) replays as sysdig 0.29.3 shows its threads and sockets */
	if (h && h->driver && !strcmp(h->driver, "scap"))
		kite_state_sysdig_threads(rp->state, s->schema);
	s->hostname = h && h->hostname ? h->hostname : NULL;
	s->start_ts = h ? h->start_ns : 0;
	s->ntypes = s->schema->max_event_id + 1;
	s->kind = calloc(s->ntypes, 1);
	if (!s->maps || !s->kind) {
		cli_error("%s: out of memory", path);
		return -1;
	}
	for (uint32_t id = 0; id < s->ntypes; id++)
		if (s->maps[id].d && (s->maps[id].d->flags & KITE_EF_STATE))
			s->kind[id] = KITE_KIND_STATE;
	struct stat st;
	if (strcmp(path, "-") && stat(path, &st) == 0)
		rp->bytes_total += (uint64_t)st.st_size;
	return 0;
}

/*
 * Reads each file's first record, once, at the first call that needs records
 * (after the caller set o.from and o.to, which the types passed over depend on).
 */
static int prime(struct kite_replay *rp)
{
	if (rp->primed)
		return rp->failed ? -1 : 0;
	rp->primed = 1;
	for (unsigned i = 0; i < rp->nsrc; i++) {
		struct kite_source *s = &rp->src[i];
		if (want_types(rp, s) < 0 || source_advance(rp, s) < 0) {
			rp->failed = 1;
			return -1;
		}
	}
	return 0;
}

int kite_replay_open(struct kite_replay *rp, char **paths, unsigned n, const struct kite_replay_opts *o)
{
	memset(rp, 0, sizeof(*rp));
	if (o)
		rp->o = *o;
	rp->state = kite_state_new();
	rp->src = calloc(n ? n : 1, sizeof(*rp->src));
	if (!rp->state || !rp->src) {
		cli_error("out of memory");
		return -1;
	}
	rp->nsrc = n;
	for (unsigned i = 0; i < n; i++)
		if (source_open(rp, &rp->src[i], paths[i]) < 0)
			return -1;
	rp->ctx.state = rp->state;
	return 0;
}

/*
 * The source whose pending record comes first.  Snapshot records sort before
 * everything (they describe the state at the capture's start).
 */
static struct kite_source *earliest(struct kite_replay *rp)
{
	if (rp->nsrc == 1) /* the common case: no merge */
		return rp->src->next ? rp->src : NULL;
	struct kite_source *best = NULL;
	for (unsigned i = 0; i < rp->nsrc; i++) {
		struct kite_source *s = &rp->src[i];
		if (!s->next)
			continue;
		if (!best || s->next->ts < best->next->ts)
			best = s;
	}
	return best;
}

static void show_progress(struct kite_replay *rp)
{
	uint64_t done = 0;
	for (unsigned i = 0; i < rp->nsrc; i++) {
		const struct kite_chunk_ref *ch = kite_reader_chunk(rp->src[i].r);
		done += ch ? ch->offset : 0;
	}
	if (rp->bytes_total)
		fprintf(stderr, "\rkite: %" PRIu64 " events, %3.0f%%", rp->events,
		        100.0 * (double)done / (double)rp->bytes_total);
	else
		fprintf(stderr, "\rkite: %" PRIu64 " events", rp->events);
}

/*
 * Applies one record to the state; 1 if it is an event to hand out.  Inline
 * in kite_replay_next, once per record: forced, as the compiler would keep
 * one copy for it and kite_replay_seek and call it (19 M instructions more
 * on the benchmark).
 */
__attribute__((always_inline)) static inline int apply_record(struct kite_replay *rp, struct kite_source *s,
                                                              const struct kite_evt *e)
{
	struct kite_ctx *c = &rp->ctx;
	/* id 0 is never used: its map has d == NULL */
	int known = e->type < s->ntypes;
	const struct kite_evmap *map = &s->maps[known ? e->type : 0];
	unsigned kind = known ? s->kind[e->type] : 0;
	if (s->trusted) /* built in this process against this schema: nothing to check */
		kite_evt_split_trusted(e, map->d, &c->p);
	else if (kite_evt_split(e, e->len, map->d, &c->p) < 0) {
		rp->malformed++;
		return 0;
	}
	if (c->arena.head) /* something was allocated (kite_arena_reset's own test, without the call) */
		kite_arena_reset(&c->arena);
	c->e = e; /* kite_state_apply settles what the event before left */
	c->schema = s->schema;
	c->map = map;
	c->src = s;
	int is_state = kind & KITE_KIND_STATE;
	if (!is_state) {
		/* one .scap alone: sysdig's numbers, so that its output and kite's can be compared line by line */
		c->num = rp->nsrc == 1 && s->next_num ? s->next_num : rp->events + 1;
		c->prev_ts = rp->last_ts;
	}
	kite_state_apply(rp->state, c);
	if (is_state)
		return 0;
	rp->last_ts = e->ts;
	rp->events++;
	if (kind & KITE_KIND_UNLOOKED)
		return 0; /* of a type the caller never looks at (o.types_of) */
	return !(rp->o.from && e->ts < rp->o.from);
}

int kite_replay_next(struct kite_replay *rp, struct kite_ctx **c)
{
	if (rp->primed ? rp->failed : prime(rp) < 0) /* prime()'s answer, without the call */
		return -1;
	if (rp->pending) { /* the event handed out last time is done with: move its file on */
		struct kite_source *p = rp->pending;
		rp->pending = NULL;
		if (source_advance(rp, p) < 0)
			return -1;
	}
	for (;;) {
		struct kite_source *s = earliest(rp);
		if (!s)
			break;
		const struct kite_evt *e = s->next;
		if (rp->o.to && e->ts > rp->o.to) {
			s->done = 1; /* a file is in time order: nothing later in it is in range */
			s->next = NULL;
			continue;
		}
		int out = apply_record(rp, s, e);
		/* also at events not handed out: a filter may hand out few */
		if (rp->o.progress && rp->events >= rp->progress_next) {
			show_progress(rp);
			rp->progress_next = rp->events + 1000000;
		}
		/* the record stays valid until the source advances: advance only after the caller is done */
		if (out) {
			*c = &rp->ctx;
			rp->pending = s;
			return 1;
		}
		if (source_advance(rp, s) < 0)
			return -1;
	}
	if (rp->o.progress && rp->events)
		fputs("\r\033[K", stderr);
	return rp->failed ? -1 : 0;
}

int kite_replay_jump_keyframe(struct kite_replay *rp)
{
	if (prime(rp) < 0)
		return -1;
	/* nothing handed out or applied yet (events passed over while priming are counted in skipped) */
	if (!rp->o.from || rp->nsrc != 1 || !rp->src[0].next || rp->events != rp->src[0].skipped)
		return 0;
	struct kite_source *s = &rp->src[0];
	uint64_t before = 0;
	int rc = kite_reader_seek_keyframe(s->r, rp->o.from, &before);
	if (rc < 0) {
		cli_error("%s: %s", s->path, kite_reader_error(s->r));
		return -1;
	}
	if (rc == 0)
		return 0;
	rp->events = before; /* evt.num goes on as if the chunks passed over had been read */
	return source_advance(rp, s) < 0 ? -1 : 1;
}

int kite_replay_seek(struct kite_replay *rp)
{
	if (prime(rp) < 0)
		return -1;
	for (unsigned i = 0; i < rp->nsrc; i++) {
		struct kite_source *s = &rp->src[i];
		/* the initial snapshot still builds the state; then jump */
		while (s->next && s->next->type <= s->schema->max_event_id && s->maps[s->next->type].d &&
		       (s->maps[s->next->type].d->flags & KITE_EF_STATE)) {
			apply_record(rp, s, s->next);
			if (source_advance(rp, s) < 0)
				return -1;
		}
		if (!s->next || s->next->ts >= rp->o.from)
			continue; /* already there: the record held is the first to replay */
		if (kite_reader_seek_time(s->r, rp->o.from) < 0) {
			cli_error("%s: %s", s->path, kite_reader_error(s->r));
			return -1;
		}
		if (source_advance(rp, s) < 0)
			return -1;
	}
	return 0;
}

int kite_replay_damage(const struct kite_replay *rp)
{
	for (unsigned i = 0; i < rp->nsrc; i++)
		if (rp->src[i].r && cli_damage_status(rp->src[i].r) != KITE_EXIT_OK)
			return KITE_EXIT_DAMAGED;
	return rp->malformed ? KITE_EXIT_DAMAGED : KITE_EXIT_OK;
}

void kite_replay_close(struct kite_replay *rp)
{
	if (rp->state)
		kite_state_settle(rp->state);
	for (unsigned i = 0; rp->src && i < rp->nsrc; i++) {
		if (rp->src[i].r)
			kite_reader_close(rp->src[i].r);
		free(rp->src[i].path);
		free(rp->src[i].kind);
	}
	free(rp->src);
	kite_arena_free(&rp->ctx.arena);
	if (rp->state)
		kite_state_free(rp->state);
	memset(rp, 0, sizeof(*rp));
}

/* "+1.5s", "+200ms", "+2m", "+1h", "+500us", "+10ns" (a bare number is seconds). */
static int parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}, {"m", 60e9}, {"h", 3600e9}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			*ns = (uint64_t)(v * units[i].mult + 0.5);
			return 0;
		}
	return -1;
}

/* "2026-11-22T04:47:00.5Z", "2026-11-22 04:47:00", with an optional +HH:MM / -HHMM offset. */
static int parse_iso(const char *s, uint64_t *out)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -1;
	if (*p == 'T' || *p == ' ') {
		const char *q = strptime(p + 1, "%H:%M", &tm);
		if (!q)
			return -1;
		p = q;
		if (*p == ':') {
			q = strptime(p + 1, "%S", &tm);
			if (!q)
				return -1;
			p = q;
		}
	}
	uint64_t frac = 0;
	if (*p == '.') {
		uint64_t scale = 100000000;
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (uint64_t)(*p - '0') * scale;
	}
	long offset = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) < 1 && sscanf(p + 1, "%2d%2d", &hh, &mm) < 1)
			return -1;
		offset = sign * (hh * 3600L + mm * 60L);
		p += strlen(p);
	}
	if (*p)
		return -1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (uint64_t)(t - offset) * 1000000000ull + frac;
	return 0;
}

int kite_parse_time(const char *s, uint64_t base, uint64_t *out)
{
	if (!s || !*s)
		return -1;
	if (s[0] == '+') {
		uint64_t d;
		if (parse_duration(s + 1, &d) < 0)
			return -1;
		*out = base + d;
		return 0;
	}
	if (strchr(s, '-') && parse_iso(s, out) == 0)
		return 0;
	char *end;
	errno = 0;
	if (!strchr(s, '.')) {
		unsigned long long v = strtoull(s, &end, 10);
		if (*end || errno || end == s)
			return -1;
		/* up to 11 digits are seconds (until year 5138); more are nanoseconds */
		*out = strlen(s) <= 11 ? (uint64_t)v * 1000000000ull : (uint64_t)v;
		return 0;
	}
	/* seconds.fraction, parsed as two integers: a double would lose the nanoseconds */
	unsigned long long sec = strtoull(s, &end, 10);
	if (*end != '.' || errno)
		return -1;
	uint64_t frac = 0, scale = 100000000;
	const char *p = end + 1;
	for (; isdigit((unsigned char)*p); p++, scale /= 10)
		frac += (uint64_t)(*p - '0') * scale;
	if (*p)
		return -1;
	*out = (uint64_t)sec * 1000000000ull + frac;
	return 0;
}
