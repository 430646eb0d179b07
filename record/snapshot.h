/* snapshot.h - the recorder's state snapshot: processes, threads, fds, users, groups and interfaces of the running system. */
#ifndef KITE_SNAPSHOT_H
#define KITE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "writer.h"

struct kite_snapshot_opts {
	int no_env;       /* do not record environment variables (env param empty) */
	pid_t pid;        /* 0: every process; else only this process ... */
	int follow;       /* ... and, with follow, its descendants */
	uint64_t boot_ns; /* boot time in ns since the epoch (for process start times) */
};

struct kite_snapshot_stats {
	uint32_t processes, threads, fds, users, groups, ifaces;
	uint32_t unreadable; /* pieces skipped: vanished processes, permission errors */
};

/*
 * Writes one snapshot (between kite_writer_snapshot_begin/end) of the
 * running system: state_proc per thread, state_fd per open fd of each
 * process, state_user, state_group, state_iface.  What cannot be read (a
 * process that exits mid-scan, another user's fds) is skipped and counted
 * in st->unreadable.  Returns 0, or -1 with a message in err on a writer
 * error only.  st may be NULL.
 */
int kite_snapshot_write(kite_writer *w, const struct kite_snapshot_opts *o, struct kite_snapshot_stats *st,
                        char *err, size_t errlen);

#endif
