/* replay.h - the replay loop: one or more captures merged by time, fed through the state, one event at a time. */
#ifndef KITE_REPLAY_H
#define KITE_REPLAY_H

#include <stdint.h>

#include "reader.h"
#include "state.h"

/* One input file. */
struct kite_source {
	char *path;
	kite_reader *r;
	const struct kite_schema *schema;
	const struct kite_evmap *maps;         /* per event id of this file's schema */
	const struct kite_reader_stats *stats; /* the reader's, kept up to date by it */
	const char *hostname;
	uint64_t start_ts;           /* the capture's start (header), for evt.reltime */
	const struct kite_evt *next; /* the record waiting to be merged, NULL at the end */
	uint64_t next_num;           /* for a .scap, sysdig's evt.num of that record; else 0 */
	/*
	 * Events of the chunks the reader passed over unread (kite_reader_set_chunk_want),
	 * counted so far.  They are added to rp->events as they are passed, so with one
	 * file evt.num is a full replay's; with several, the events passed over would
	 * have been interleaved with the other files' by time, so numbers are not exact.
	 * The state never sees them.
	 */
	uint64_t skipped;
	/*
	 * By event id (ntypes of them: the schema's max_event_id + 1), what the
	 * replay does with a record of that type, read once per record:
	 * KITE_KIND_STATE, a snapshot record (it builds the state, is not an event);
	 * KITE_KIND_UNLOOKED, a type the caller never looks at (o.types_of): such
	 * events are applied to the state and counted, but not handed out, as the
	 * caller would pass over them.  Ids past ntypes are neither (id 0's map).
	 */
	uint8_t *kind;
	uint32_t ntypes;
	int trusted; /* its records are well formed by construction (kite_reader_records_trusted) */
	int done;
};

#define KITE_KIND_STATE    1u
#define KITE_KIND_UNLOOKED 2u

/* Sets the bits (nbits of them, by event id of schema) of the event types a caller looks at. */
typedef void (*kite_types_fn)(void *ctx, const struct kite_schema *schema, uint8_t *bits, size_t nbits);

struct kite_replay_opts {
	uint64_t from, to; /* time range in ns since the epoch; 0 = unbounded */
	int progress;      /* a progress line on stderr while reading (callers set it for terminals) */
	int ignore_index;
	/*
	 * When set, the reader passes over the events the caller never looks at:
	 * those whose type types_of does not set and the state does not need
	 * (kite_state_mark_needed).  They are never decoded (a .scap's are not even
	 * converted), yet evt.num and evt.deltatime of the events handed out are a
	 * full replay's.  Only with one file: with several, those depend on how the
	 * events passed over interleave with the other files'.  The environment
	 * variable KITE_READ_ALL=1 turns this off (every event is read, as a check).
	 */
	kite_types_fn types_of;
	void *types_ctx;
	/*
	 * The caller reads nothing that depends on the fd tables (no field without
	 * KITE_FF_NO_FDS): with types_of, the events that only change fd tables
	 * (open, close, dup, socket, ...) are passed over as well, unless the
	 * caller looks at their types.  The fd tables are then not kept.
	 */
	int no_fds;
};

struct kite_replay {
	struct kite_source *src;
	unsigned nsrc;
	struct kite_state *state;
	struct kite_ctx ctx;
	struct kite_replay_opts o;
	uint64_t last_ts;   /* previous event's time (evt.deltatime) */
	uint64_t events;    /* events handed out */
	uint64_t malformed; /* records skipped because their params did not parse */
	uint64_t bytes_total, progress_next;
	int failed;                  /* a reader hit a fatal error */
	int primed;                  /* each file's first record was read (at the first call needing it) */
	struct kite_source *pending; /* the source of the event last handed out */
};

/*
 * Opens every file (printing why on stderr when one cannot be opened) and
 * prepares the state.  Returns 0 or -1.  No record is read yet: the first
 * kite_replay_next, _seek or _jump_keyframe does, so the caller may set
 * rp->o.from and rp->o.to in between (relative to rp->src[0].start_ts).
 */
int kite_replay_open(struct kite_replay *rp, char **paths, unsigned n, const struct kite_replay_opts *o);
/*
 * The next event, in time order across files, with the state updated: 1 and
 * *c set; 0 at the end; -1 on a fatal read error (already reported).
 * Snapshot records update the state but are not returned.  Events before
 * `from` update the state too, so the view at `from` is exact.
 */
int kite_replay_next(struct kite_replay *rp, struct kite_ctx **c);
/*
 * Jumps to o.from with each file's index (or by skipping where a file has
 * none), after applying the files' initial snapshots: fast, but processes
 * and fds that appeared between the capture's start and `from` are unknown
 * (their fields missing).  Call once, before the first kite_replay_next().
 */
int kite_replay_seek(struct kite_replay *rp);
/*
 * With o.from and one file: starts at the file's last keyframe at or before
 * `from` (kite-record --keyframe) instead of its beginning.  The keyframe's
 * state and the events from it to `from` (applied, not handed out) give the
 * same state, the same event numbers and the same events as a full replay,
 * without reading the chunks before the keyframe.  1 when it jumped, 0 when
 * there was nothing to jump to, -1 on error.  Call before kite_replay_next().
 */
int kite_replay_jump_keyframe(struct kite_replay *rp);
/* KITE_EXIT_DAMAGED when any file was damaged, else 0 (see cli.h). */
int kite_replay_damage(const struct kite_replay *rp);
void kite_replay_close(struct kite_replay *rp);

/*
 * Parses a time for --from/--to: ns since the epoch ("1700000000123456789"),
 * seconds with a fraction ("1700000000.5"), an ISO date ("2026-11-22T04:47:00.5Z",
 * "2026-11-22 04:47:00", UTC unless an offset is given), or "+DURATION" after
 * base (e.g. "+1.5s", "+200ms", "+2m").  0 or -1.
 */
int kite_parse_time(const char *s, uint64_t base, uint64_t *out);

#endif
