/* state.h - the kernel state replay rebuilds from a capture: threads, processes, fd tables, users, containers. */
#ifndef KITE_STATE_H
#define KITE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "schema.h"
#include "value.h"

/*
 * The model follows Falco's: a thread belongs to a process (its thread
 * group); credentials, comm/exe/args, cwd and the fd table belong to the
 * process (threads share them, as the kernel does for CLONE_THREAD).  A
 * forked child gets a copy of its parent's fd table.  Everything unknown
 * (a thread seen for the first time mid-capture, after drops) stays unknown:
 * its fields are missing, as <NA> in sysdig, rather than guessed.
 */

/* Socket roles: who initiated the connection (Falco's fd.is_server). */
enum kite_role { KITE_ROLE_NONE = 0, KITE_ROLE_CLIENT, KITE_ROLE_SERVER };

/* The two ends of an inet socket: client and server as Falco names them (fd.cip/fd.sip). */
struct kite_sock {
	struct kite_ip cip, sip;
	uint16_t cport, sport;
	uint8_t valid; /* the tuple is known (connect, accept, snapshot) */
	uint8_t bound; /* only the local address is known (bind, listen) */
};

struct kite_fd {
	int64_t num;
	uint8_t type;         /* enum kite_fd_type (events.h) */
	uint8_t role;         /* enum kite_role, for sockets */
	uint8_t l4proto;      /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, _RAW; 0 when unknown */
	uint8_t name_changed; /* fd.name_changed: the name was set by this event (connect after socket) */
	uint32_t flags;       /* open flags as recorded, O_CLOEXEC included */
	uint64_t ino, dev;
	uint64_t open_ts; /* 0 for fds from the snapshot */
	char *name;    /* Falco's fd.name: path, "cip:cport->sip:sport", unix "src->dst path", pipe:[ino] */
	char *nameraw; /* the path as the syscall gave it, before resolution (fd.nameraw) */
	struct kite_sock sock;       /* inet sockets */
	uint64_t unix_src, unix_dst; /* unix sockets: kernel addresses from the tuple */
	int family;                  /* socket domain (AF_*), 0 for non-sockets */
};

struct kite_fdtable;

struct kite_container;

struct kite_proc {
	int64_t pid, ppid; /* ppid: the current parent (after reparenting) */
	int64_t vpid, pgid, vpgid, sid;
	char comm[17]; /* proc.name: the task comm */
	char *exe;     /* proc.exe: argv[0] */
	char *exepath; /* proc.exepath: the executable's path */
	char *args;    /* argv[1..], NUL-separated (args_len bytes) */
	uint32_t args_len;
	char *env; /* NUL-separated, env_len bytes */
	uint32_t env_len;
	char *cwd;  /* always ends with '/' (Falco's convention) */
	char *root; /* chroot; NULL when / */
	uint32_t uid, gid, euid, egid, suid, sgid, loginuid;
	uint64_t tty;
	uint64_t cap_permitted, cap_effective, cap_inheritable;
	uint64_t start_ts; /* process creation (clone), 0 when unknown */
	uint64_t exec_ts;  /* the last exec, 0 when none seen */
	uint64_t exit_ts;
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime;
	uint32_t exe_flags; /* KITE_EXE_* (events.h): writable, upper layer, memfd */
	int32_t exit_status;
	uint32_t fdlimit;
	char *cgroups; /* NUL-separated /proc/PID/cgroup lines, cgroups_len bytes */
	uint32_t cgroups_len;
	struct kite_container *container; /* NULL on the host */
	struct kite_fdtable *fdt;
	uint32_t nthreads; /* live threads */
	uint8_t known;     /* comm/exe/args/creds come from a snapshot, clone or exec */
	uint8_t exited;
	uint8_t tty_known, caps_known, loginuid_known;

	/* lineage, kept by the state: children of this process, each on a sibling list */
	struct kite_proc *first_child, *next_sibling, *prev_sibling;
	uint32_t nchildren;
	void *user; /* for consumers (kite tree): never touched by the state */
};

struct kite_thread {
	int64_t tid, vtid;
	struct kite_proc *proc;
	uint64_t start_ts;
	uint8_t exited;
	/*
	 * A thread made by a clone(CLONE_THREAD) event seen in the capture: the
	 * thread that made it, and the credentials the event carried.  Used
	 * where a capture asks for libsinsp 0.29's thread model (.scap imports,
	 * see kite_state_sysdig_threads); -1 / has_cred 0 otherwise.
	 */
	int64_t creator;
	uint32_t uid, gid;
	uint8_t has_cred;
	void *user; /* for consumers (SQL): never touched by the state */
};

struct kite_user {
	uint32_t uid, gid;
	char *name, *home, *shell;
};

struct kite_group {
	uint32_t gid;
	char *name;
};

/* A container as far as a capture tells: its id always, the rest from metadata when a capture has it. */
struct kite_container {
	char id[13]; /* the 12-char short id, as Falco shows it */
	char *full_id;
	char *name, *image, *image_repository, *image_tag, *image_id, *type; /* NULL when unknown */
	uint64_t start_ts;
	int privileged; /* -1 unknown */
	char *mounts;   /* "src:dest:mode:rdwr:propagation,..." as Falco renders container.mounts */
};

/*
 * Per (schema, event type): where the parameters the state and the fields
 * need sit in a record, looked up once by name.  -1 where absent.  The rule
 * that finds each from names and positions alone is at build_evmap()
 * (state_schema.c).
 */
struct evinfo; /* the state's own reading of an event type (state_int.h) */

struct kite_evmap {
	const struct kite_event_desc *d;
	const struct evinfo *info; /* the state's, for the same type: read once per record (evinfo_of) */
	int8_t res;                /* the return value param (src RET; named res or fd or ...) */
	int8_t fd;                 /* the fd the event works on (param "fd", or "res" of fd-creating calls) */
	int8_t name;               /* path-like param used by evt.is_open_*, fd.name for opens */
	int8_t flags;              /* "flags" */
	int8_t tuple;              /* "tuple" */
	int8_t dirfd;              /* the first RELPATH's ref */
	uint8_t fd_is_res;         /* the fd exists only when the call succeeded (the result; pipe's fd1) */
};

struct kite_state;

/* What one event looks like once the state has seen it: handed to fields, filters and printers. */
struct kite_ctx {
	const struct kite_evt *e;
	const struct kite_schema *schema;
	const struct kite_evmap *map; /* never NULL: unknown types get an empty map with d == NULL */
	struct kite_params p;         /* the record split into params */
	uint64_t num;                 /* evt.num: 1-based position in the replay */
	uint64_t prev_ts;             /* the time of the event before (0: none): see kite_ctx_delta */
	struct kite_thread *thr;      /* never NULL for events; unknown threads are created empty */
	struct kite_proc *proc;       /* thr->proc */
	struct kite_fd *fd;           /* the fd the event works on, when known; for close: the closed one */
	int64_t fdnum;                /* that fd's number, or -1 when the event has none */
	struct kite_state *state;
	const struct kite_source *src; /* the file the event came from (hostname, boot time) */
	struct kite_arena arena;       /* reset per event */
};

/*
 * evt.deltatime: ns since the event before, 0 at the first (or when time went
 * back).  Worked out when asked for, not for every event.
 */
static inline uint64_t kite_ctx_delta(const struct kite_ctx *c)
{
	return c->prev_ts && c->e->ts > c->prev_ts ? c->e->ts - c->prev_ts : 0;
}

/* Optional callbacks for consumers that keep history (kite tree, SQL): called during apply. */
struct kite_state_hooks {
	void *ctx;
	void (*proc_new)(void *ctx, struct kite_proc *p,
	                 const struct kite_ctx *c); /* fork, snapshot, 1st sight */
	void (*proc_exec)(void *ctx, struct kite_proc *p, const struct kite_ctx *c);
	void (*proc_exit)(void *ctx, struct kite_proc *p, const struct kite_ctx *c); /* before it is freed */
	void (*fd_close)(void *ctx, struct kite_proc *p, struct kite_fd *fd, const struct kite_ctx *c);
	/* a thread appears (clone, snapshot, first sight) or ends (before it is freed); c may be NULL */
	void (*thread_new)(void *ctx, struct kite_thread *t, const struct kite_ctx *c);
	void (*thread_exit)(void *ctx, struct kite_thread *t, const struct kite_ctx *c);
};

struct kite_state_stats {
	uint64_t threads, procs, fds;  /* live now */
	uint64_t max_threads, max_fds; /* peak */
	uint64_t unknown_threads;      /* threads first seen mid-capture */
	uint64_t drops;                /* events lost, from drop records */
};

struct kite_state *kite_state_new(void);
void kite_state_free(struct kite_state *s);
void kite_state_set_hooks(struct kite_state *s, const struct kite_state_hooks *h);

/* The evmap table for a schema (owned by the state; built on first use, one per distinct schema). */
const struct kite_evmap *kite_state_evmaps(struct kite_state *s, const struct kite_schema *schema);
/*
 * Sets types[id] for every event type of schema (max_event_id + 1 bytes) that
 * changes the state: the snapshot records and every event with a handler
 * (exec, clone, open, close, connect, ...).  An event of another type changes
 * nothing another event can see, so a caller that does not want it can have the
 * reader pass it over (kite_reader_set_record_want), as Falco only asks its
 * driver for the syscalls its rules and its state need.  A type after which
 * the state may have ended threads (procexit, exec, clone, process records)
 * gets 2: after it, every thread's next event is handed out, since the state
 * creates an unknown thread at its first event and where that is matters.
 * A record the state attaches to no thread (drops, users, groups, containers,
 * snapshot fds) gets 3: wanted, but its tid says nothing of a thread.
 * Without fds, a caller that reads nothing of the fd tables leaves the types
 * whose events only change them (open, close, dup, socket, ...) as they are.
 */
void kite_state_mark_needed(struct kite_state *s, const struct kite_schema *schema, uint8_t *types, int fds);

/*
 * Applies one record (an event or a snapshot record) that c describes: c->e,
 * c->schema, c->map, c->p and c->num are set by the caller.  Sets c->thr,
 * c->proc, c->fd, c->fdnum, and updates the state.  Things the event ends
 * (a closed fd, an exited process) stay visible through c until
 * kite_state_settle(), so that fields of a close or procexit event still see
 * them.  Malformed parameters (a wrong length) are ignored, not trusted.
 */
void kite_state_apply(struct kite_state *s, struct kite_ctx *c);
/* Frees what the last applied event ended.  Call before applying the next. */
void kite_state_settle(struct kite_state *s);

struct kite_thread *kite_state_thread(const struct kite_state *s, int64_t tid);
struct kite_proc *kite_state_proc(const struct kite_state *s, int64_t pid);
struct kite_fd *kite_proc_fd(const struct kite_proc *p, int64_t fd);
/* strlen(f->name) of an fd of the state, kept with the name (0 without one). */
size_t kite_fd_name_len(const struct kite_fd *f);
/* Parent process (by ppid), or NULL. */
struct kite_proc *kite_proc_parent(const struct kite_state *s, const struct kite_proc *p);
const struct kite_user *kite_state_user(const struct kite_state *s, uint32_t uid);
const struct kite_group *kite_state_group(const struct kite_state *s, uint32_t gid);
/* Calls fn for every live process (order unspecified); stops when fn returns nonzero. */
/*
 * Events of this schema follow libsinsp 0.29's thread model, as sysdig 0.29.3
 * prints .scap captures: a thread's proc.pname is its creator's name and its
 * user.uid the one of the clone event that made it.  It also selects
 * libsinsp's socket address rule: a client socket keeps the destination it
 * has when connected or sent to elsewhere (state_sock.c, sysdig_ends).
 * kite's own model (the process's parent and credentials for every thread,
 * a socket named by the tuple of its latest connect) applies otherwise.
 */
void kite_state_sysdig_threads(struct kite_state *s, const struct kite_schema *schema);
/* Whether the current event's schema asked for it. */
int kite_state_sysdig_threads_on(const struct kite_state *s);
/* A tuple param (at pos in c's record) as Falco's text; 0 when there is none. */
size_t kite_tuple_name(const struct kite_ctx *c, int pos, char *out, size_t cap);
int kite_state_foreach_proc(const struct kite_state *s, int (*fn)(void *ctx, struct kite_proc *p), void *ctx);
/* Calls fn for every open fd of a process. */
int kite_proc_foreach_fd(const struct kite_proc *p, int (*fn)(void *ctx, struct kite_fd *fd), void *ctx);
const struct kite_state_stats *kite_state_stats(const struct kite_state *s);

/* Container id (12 chars) from NUL-separated cgroup lines, or "" for the host. */
void kite_container_id_from_cgroups(const char *cgroups, size_t len, char out[13]);

#endif
