/* driver.h - the one small interface every event source implements for kite-record. */
#ifndef KITE_DRIVER_H
#define KITE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct kite_driver_opts {
	uint32_t snaplen;    /* bytes of I/O data per buffer */
	int io;              /* also the read/write family */
	int all;             /* every syscall, unknown ones with raw arguments */
	int no_env;          /* no environment variables */
	uint64_t boot_ns;    /* boot time, ns since the epoch: records carry epoch times */
	uint32_t ring_bytes; /* per CPU; 0 for the default */
	int verbose;         /* say more (the BPF verifier's log on failure) */
	/* source filters: events that change state are kept for every process */
	const int32_t *pids; /* keep these processes (thread group ids) ... */
	unsigned npids;
	int follow;              /* ... and their descendants */
	const char *comm;        /* keep tasks with this comm (NULL: no filter) */
	const uint64_t *cgroups; /* keep tasks in these cgroups (kernfs ids: a container's) */
	unsigned ncgroups;
	/* ptrace: the recorder's child, waiting to exec the command: it and its descendants are
	 * traced (0: attach to the processes of pids instead) */
	int32_t command;
};

struct kite_driver_stats {
	uint64_t events; /* records delivered */
	uint64_t drops;  /* events lost by the driver (ring full) */
	uint32_t ncpus;
};

/*
 * Receives each event, in timestamp order.  The record lives in the driver's
 * buffer and is valid only during the call (copy it, e.g. with
 * kite_writer_append).  Return 0, or -1 to stop delivery (poll returns -1).
 */
typedef int (*kite_sink_fn)(void *ctx, const struct kite_evt *e);

struct kite_driver;

struct kite_driver_ops {
	const char *name;
	/* Prepares (loads programs, allocates buffers) without recording yet. NULL and err on failure. */
	struct kite_driver *(*open)(const struct kite_driver_opts *o, char *err, size_t errlen);
	/* Starts recording. */
	int (*start)(struct kite_driver *d, char *err, size_t errlen);
	/*
	 * Delivers what is ready, waiting up to timeout_ms when nothing is.
	 * With final set (after stop), delivers everything left.  Returns the
	 * number of events delivered, or -1.
	 */
	int (*poll)(struct kite_driver *d, int timeout_ms, int final, kite_sink_fn sink, void *ctx);
	/* Stops recording; buffered events stay for a final poll. */
	void (*stop)(struct kite_driver *d);
	void (*stats)(struct kite_driver *d, struct kite_driver_stats *st);
	void (*close)(struct kite_driver *d);
	/*
	 * Drivers that are the command's tracer reap it themselves (NULL for the
	 * others: the recorder waits for it).  Returns 1, with its wait status,
	 * once the command and every traced descendant have exited.
	 */
	int (*command_exited)(struct kite_driver *d, int *wstatus);
};

extern const struct kite_driver_ops kite_driver_ebpf;
extern const struct kite_driver_ops kite_driver_ptrace;

/*
 * In the command's process, before it execs (ptrace driver): no_new_privs and
 * the seccomp filter that stops the recorded syscalls (SECCOMP_RET_TRACE) for
 * the tracer, which must already be attached.  Returns 0, or -1 with err.
 */
int kite_ptrace_child_setup(int io, int all, char *err, size_t errlen);

#endif
