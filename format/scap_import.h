/* scap_import.h - a sysdig/Falco .scap capture as kite records: enter/exit pairs become exit-only events, the lists a state snapshot. */
#ifndef KITE_SCAP_IMPORT_H
#define KITE_SCAP_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pcapng.h"
#include "record.h"
#include "scap.h"
#include "schema.h"

/*
 * The schema of an imported capture is kite's own table plus one event type
 * per ppm exit event kite has no row for (named as Falco names it, with the
 * exit's parameters followed by the enter's), so that such events are still
 * shown with their raw parameters.
 *
 * Conversion:
 *   - an exit event takes its parameters by name from the exit, else from
 *     the same thread's pending enter event of the matching type (sysdig's
 *     pairing); kite parameters neither has are "not available" (length 0);
 *   - enter-only events kite knows (procexit) are converted on their own;
 *     other enter events only feed the pairing;
 *   - ppm flag values are translated to Linux's where kite's table decodes
 *     them (open, clone, fcntl, ...); addresses and tuples share kite's
 *     layout;
 *   - the process, fd, user and group lists become STATE_* records, all of
 *     them before the first event;
 *   - every record gets the thread's process id, which scap events do not
 *     carry: from the process list, clone and execve, else the tid itself.
 */
typedef struct kite_scap_import kite_scap_import;

/* The syscall names of PPM_SC codes (generic events), NULL beyond the table (scap_sc.c, generated). */
const char *scap_sc_name(uint16_t code);
extern const uint16_t scap_sc_max;

struct kite_scap_import_stats {
	uint64_t scap_events;    /* events read from the file */
	uint64_t records;        /* kite records handed out (state included) */
	uint64_t unpaired_exits; /* exits whose enter was not in the capture */
	uint64_t skipped;        /* events dropped: enter-only kinds kite ignores, state-only (EVF) */
};

/* Opens the capture on fd (owned); reads up to the first event. NULL with a message in err. */
kite_scap_import *kite_scap_import_open(int fd, const char *name, scap_warn_fn warn, void *warn_ctx,
                                        char *err, size_t errlen);
const struct kite_schema *kite_scap_import_schema(const kite_scap_import *im);
/* Host name, CPUs and boot time from the machine info; start_ns is the first event's time. */
const struct kite_header *kite_scap_import_header(const kite_scap_import *im);
/* The next record (valid until the next call): 1, 0 at the end, -1 on a fatal error. */
int kite_scap_import_next(kite_scap_import *im, const struct kite_evt **e);
/*
 * sysdig 0.29.3's evt.num of the event that made the last record returned:
 * its number in the file from 1, counting enter events and events kite does
 * not show, but not the codes 0.29.3 does not know and skips (an event of
 * such a code shares the number of the one before it); 0 for the records of
 * the lists.
 */
uint64_t kite_scap_import_ordinal(const kite_scap_import *im);
/*
 * From now on, events whose kite type id has types[id] == 0 are passed over
 * without being converted (ids at or past ntypes are kept), and their enter
 * events too; ordinals still count them.  A thread's first event is always
 * converted; types[id] == 2 marks a type after which threads may
 * have ended (every thread's next event counts as a first again), and none later than until (0: no bound).
 * NULL wants all.  1, 0 (all wanted) or -1
 * out of memory.  A caller wanting fewer types saves most of the conversion:
 * sysdig's "interesting syscalls" in the reader.
 */
int kite_scap_import_set_want(kite_scap_import *im, const uint8_t *types, uint32_t ntypes, uint64_t until);
/*
 * Where the next event record is built (KITE_EVT_MAX_LEN bytes), so that a
 * caller keeping records saves copying them; NULL: the importer's own buffer.
 * State records are not built there.
 */
void kite_scap_import_set_out(kite_scap_import *im, uint8_t *buf);
/* How many records were passed over so far, and the time of the last one. */
uint64_t kite_scap_import_passed(const kite_scap_import *im, uint64_t *last_ts);
const char *kite_scap_import_error(const kite_scap_import *im);
const struct kite_scap_import_stats *kite_scap_import_stats(const kite_scap_import *im);
int kite_scap_import_truncated(const kite_scap_import *im);
void kite_scap_import_close(kite_scap_import *im);

#endif
