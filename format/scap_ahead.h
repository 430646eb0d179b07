/* scap_ahead.h - converts a .scap capture on a second thread, handing its records over in batches. */
#ifndef KITE_SCAP_AHEAD_H
#define KITE_SCAP_AHEAD_H

#include <stdint.h>

#include "record.h"
#include "scap.h"
#include "scap_import.h"

/*
 * Reading a .scap is mostly parsing and converting (scap_import), which does
 * not depend on what the caller does with the records.  A worker thread runs
 * kite_scap_import_next ahead of the caller and copies each record, with what
 * the caller asks about it afterwards (sysdig's number, the events passed over
 * before it), into a ring of batches.  The caller sees the same records, in
 * the same order, with the same numbers, as reading on its own thread.
 *
 * From start to stop the importer belongs to the worker: the caller must not
 * touch it.  Warnings the importer gives on the worker (its warn callback must
 * call kite_scap_ahead_warn) are handed back, in order, just before the record
 * that followed them.
 */
typedef struct kite_scap_ahead kite_scap_ahead;

/* What came with a record. */
struct kite_scap_ahead_meta {
	uint64_t ordinal;   /* kite_scap_import_ordinal after it */
	uint64_t passed;    /* kite_scap_import_passed after it */
	uint64_t passed_ts; /* and the time of the last one passed over */
};

/* The batches, before any thread: NULL out of memory. */
kite_scap_ahead *kite_scap_ahead_new(kite_scap_import *im, scap_warn_fn warn, void *warn_ctx);
/* Starts the worker: 0, or -1 when the thread cannot be made (then free it, and read on your own). */
int kite_scap_ahead_run(kite_scap_ahead *a);

/* A record in a batch, and what came with it. */
struct kite_scap_ahead_item {
	size_t off; /* of the record, from the run's rec */
	struct kite_scap_ahead_meta m;
};

/*
 * Records that follow one another with no warning between them: the caller
 * takes them in order, it up to end, without a call for each (one call per
 * run instead of one per record).  Valid until the next kite_scap_ahead_take.
 */
struct kite_scap_ahead_run {
	const uint8_t *rec;
	const struct kite_scap_ahead_item *it, *end;
};

/*
 * The next run, of one record or more: 1; 0 at the end, -1 after a fatal
 * error (kite_scap_ahead_error).  Warnings met before its first record are
 * given to the warn callback of start, on this thread, first.
 */
int kite_scap_ahead_take(kite_scap_ahead *a, struct kite_scap_ahead_run *run);

/* From the importer's warn callback, on the worker: keeps msg for the caller. */
void kite_scap_ahead_warn(kite_scap_ahead *a, const char *msg);

/* After kite_scap_ahead_take returned -1 or 0: the importer's error and whether the file was cut. */
const char *kite_scap_ahead_error(const kite_scap_ahead *a);
int kite_scap_ahead_truncated(const kite_scap_ahead *a);
/* And the meta there: the events passed over after the last record are counted in it. */
void kite_scap_ahead_end(const kite_scap_ahead *a, struct kite_scap_ahead_meta *m);

/* Stops and joins the worker, if it runs (the importer is the caller's again), and frees a. */
void kite_scap_ahead_free(kite_scap_ahead *a);

#endif
