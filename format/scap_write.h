/* scap_write.h - writes kite records as a gzip-compressed sysdig/Falco .scap capture (readable by sysdig 0.29.3). */
#ifndef KITE_SCAP_WRITE_H
#define KITE_SCAP_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "pcapng.h"
#include "record.h"
#include "schema.h"

/*
 * Records are consumed in the order kite_reader_next() hands them out: the
 * state records (STATE_PROC, STATE_FD, STATE_USER, STATE_GROUP) first, then
 * events.  The state is buffered and written, at the first event (or at
 * close), as the blocks libscap's writer of sysdig 0.29.3's era emits:
 * SHB 1.2 (28 bytes), MI, UL_V2, PL_V9, one FDL_V2 per thread.  Each event
 * then becomes a ppm enter event followed by its exit event (EV_V2 blocks):
 *   - the ppm codes are the newest ones (< 336, what sysdig 0.29.3 knows)
 *     of the kite event's name; an event kite has only as an enter event
 *     (procexit, container metadata) is written as that enter alone;
 *   - every ppm parameter is taken by name from the kite record (enter
 *     params too), translated back to ppm values where kite stores Linux
 *     ones (open flags, clone flags, exec flags); missing ones are empty
 *     (strings, buffers) or 0 of the parameter's width; an empty string is
 *     its NUL alone, cgroups are the driver's "subsys=path" strings;
 *   - the child's return of clone/clone3/fork/vfork (res 0) is its exit
 *     alone: a child never entered the call, and sysdig 0.29.3 mistakes a
 *     child with an enter event for a stale thread (scap-notes 7.1);
 *   - generic events imported from a .scap (kite types with an "ID" param
 *     whose name is no ppm event) become ppm generic events;
 *   - other events with no ppm code (kite-only types, kite's own "syscall"
 *     records, state records after the first event) are skipped and counted.
 */
typedef struct kite_scap_writer kite_scap_writer;

struct kite_scap_writer_stats {
	uint64_t events;      /* kite events written (as one or two ppm events) */
	uint64_t ppm_events;  /* ppm events written */
	uint64_t procs, fds;  /* process list and fd list entries */
	uint64_t users;       /* user and group list entries */
	uint64_t skipped;     /* events of types with no ppm code sysdig 0.29.3 knows */
	uint64_t late_state;  /* state records after the first event (not written) */
	uint64_t bad_records; /* records that did not match their schema entry */
	uint64_t cut_params;  /* values cut to fit a 16-bit length (events without large payloads) */
};

/*
 * Opens a writer on fd (not owned: the caller closes it after
 * kite_scap_writer_close).  h gives the host name, CPU count and boot time;
 * s is the schema of the records that will be added.  NULL with a message in
 * err on failure.
 */
kite_scap_writer *kite_scap_writer_open(int fd, const char *name, const struct kite_header *h,
                                        const struct kite_schema *s, char *err, size_t errlen);
/* Adds one record: 0, or -1 on a write error (kite_scap_writer_error). */
int kite_scap_writer_add(kite_scap_writer *w, const struct kite_evt *e);
/* Flushes and frees the writer: 0, or -1 with a message in err. */
int kite_scap_writer_close(kite_scap_writer *w, char *err, size_t errlen);
const char *kite_scap_writer_error(const kite_scap_writer *w);
const struct kite_scap_writer_stats *kite_scap_writer_stats(const kite_scap_writer *w);
/* The name of a kite event type skipped most often (for a note), NULL if none was. */
const char *kite_scap_writer_top_skipped(const kite_scap_writer *w, uint64_t *count);

#endif
