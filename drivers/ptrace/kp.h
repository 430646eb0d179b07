/* kp.h - what the parts of the ptrace driver share: tracee state, the record being filled, helpers. */
#ifndef KITE_PTRACE_KP_H
#define KITE_PTRACE_KP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "driver.h"
#include "spec.h"

/* One traced thread. */
struct kp_thread {
	pid_t tid, pid;      /* pid: its thread group */
	pid_t ptid;          /* the thread that created it (real parent), 0 if not seen */
	uint8_t in_sys;      /* a recorded syscall is under way: its exit stop is wanted */
	uint8_t started;     /* its first stop was seen (new children start with one) */
	uint8_t known;       /* its creator's clone event was seen (ptid is right) */
	uint8_t held;        /* a new task stopped before its creator's event: resumed after it */
	uint8_t exited;      /* procexit emitted */
	uint8_t attached;    /* attach mode: seized by the recorder (not a new child) */
	uint8_t flags_known; /* clone_flags: read from its creator, stopped at its clone event */
	uint64_t clone_flags;
	int nr; /* the syscall under way */
	uint64_t args[6];
	uint32_t entry_len; /* the argument captured at entry (path, sockaddr) */
	int entry_ok;
	uint8_t entry[KB_ENTRY_MAX];
};

/* One traced process (thread group). */
struct kp_proc {
	pid_t pid;
	int pidfd;     /* -1 until a socket needs it */
	int subreaper; /* PR_SET_CHILD_SUBREAPER seen */
};

struct kp_tracer {
	struct kite_driver_opts o;
	struct kb_spec specs[KB_NSLOTS];
	int attach; /* attach mode (the processes of opts.pids): every syscall stops; else a command, whose filter stops only the recorded ones */
	pid_t command;
	int command_status, command_done;
	int stopped; /* recording over: tracees are served without records (command mode) */
	struct kp_thread **threads;
	size_t nthreads, cap_threads;
	struct kp_proc *procs;
	size_t nprocs, cap_procs;
	uint8_t *rec; /* the record being built (KITE_EVT_MAX_LEN) */
	uint8_t *val; /* one parameter's bytes */
	kite_sink_fn sink;
	void *ctx;
	int sink_failed;
	struct kite_driver_stats st;
	uint64_t host_init_start; /* start time of pid 1, once looked up */
	uint64_t own_pidns;       /* the recorder's pid namespace (inode), 0 until looked up */
	int own_pidns_level0;     /* ... and it is the initial one (its NSpid has one entry) */
	int no_swap;              /* the host has no swap space */
};

/* What one record is about. */
struct kp_event {
	struct kp_tracer *tr;
	struct kp_thread *t;
	const struct kb_spec *spec;
	int nr;
	const uint64_t *args;
	int64_t ret;
	int exit_status; /* procexit: the wait status */
	/* /proc files read once per event, on first use */
	char *stat, *status;
	char stat_buf[1024], status_buf[4096];
	ssize_t cmdline_len; /* -1 until read */
	int same_ns;         /* in the recorder's pid namespace; -1 until looked at */
	long fd_stat_of;     /* stat of the fd (dev, ino), -1: none yet */
	int fd_stat_ok, exe_stat_done, exe_stat_ok, task_stat_done, task_stat_ok;
	struct stat fd_st, exe_st, task_st;
	char cmdline[2 * KB_STR_MAX];
};

/* args.c: one parameter's bytes into out (KB_HALF bytes); returns its length. */
uint32_t kp_fill_param(struct kp_event *ev, const struct kb_param *p, uint8_t *out);
/* args.c: reads n bytes of the tracee's memory; returns how many could be read. */
size_t kp_read_mem(pid_t tid, uint64_t addr, void *buf, size_t n);
/* args.c: a NUL-terminated string of the tracee (at most max - 1 bytes, stored without its NUL). */
uint32_t kp_read_str(pid_t tid, uint64_t addr, uint8_t *out, uint32_t max);
/* args.c: converts a struct sockaddr of len bytes to kite's encoding. */
uint32_t kp_sockaddr(const uint8_t *sa, size_t len, uint8_t *out);

/* procs.c: a process parameter (exe, args, cwd, ids, caps, ...) from /proc. */
uint32_t kp_process_param(struct kp_event *ev, const struct kb_param *p, uint8_t *out);
/* procs.c: who inherits the children of a thread that is exiting. */
int64_t kp_reaper_tid(struct kp_tracer *tr, struct kp_thread *t);
/* procs.c: the thread group and parent of a thread, from /proc (0 if gone). */
pid_t kp_tgid_of(pid_t tid);
pid_t kp_ppid_of(pid_t pid);

/* stops.c: the tracees. */
struct kp_thread *kp_thread_find(struct kp_tracer *tr, pid_t tid);
struct kp_thread *kp_thread_add(struct kp_tracer *tr, pid_t tid, pid_t pid);
void kp_thread_remove(struct kp_tracer *tr, struct kp_thread *t);
/* stops.c: one wait status of a tracee: records what it means, and resumes the tracee. */
void kp_handle(struct kp_tracer *tr, pid_t pid, int st);
uint64_t kp_now_ns(clockid_t c);
/* the process entry of pid; created when create is set, else NULL when unknown */
struct kp_proc *kp_proc_get(struct kp_tracer *tr, pid_t pid, int create);

/* seccomp.c: the filter for the recorded syscalls of specs (SECCOMP_RET_TRACE), installed in this process. */
int kp_install_filter(const struct kb_spec *specs, char *err, size_t errlen);

#endif
