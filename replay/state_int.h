/* state_int.h - what the state's files share: private records behind the public structs, maps, strings. */
#ifndef KITE_STATE_INT_H
#define KITE_STATE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

/* ---- int64 -> pointer hash map: open addressing, linear probing, backward-shift deletion ---- */

/* No tombstones, so a map that sees millions of tids come and go never degrades; it shrinks when sparse. */
struct kmap {
	int64_t *keys;
	void **vals; /* NULL marks an empty slot */
	uint32_t cap, n;
};

void *kmap_get(const struct kmap *m, int64_t key);
/* Inserts or replaces; -1 when out of memory. */
int kmap_put(struct kmap *m, int64_t key, void *val);
/* Removes key when it maps to val (a newer entry under the same key stays). */
void kmap_del(struct kmap *m, int64_t key, const void *val);
void kmap_free(struct kmap *m);
/* Iterating: slots 0..cap-1, vals[i] non-NULL. */

/* ---- refcounted immutable strings: fork copies a process's strings by reference ---- */

/*
 * The public structs hold plain char pointers (NUL-terminated, with an
 * explicit length where the content has NULs); these point into a block with
 * a reference count just before the bytes.
 */
struct kstr_hdr {
	uint32_t refs;
	uint32_t len;
	uint32_t clen; /* strlen(): the bytes before the first NUL (fd.name is printed as a C string) */
};

char *kstr_new(const void *p, size_t len);

/* Inline: an open and a close take and drop a few references each. */
static inline char *kstr_ref(char *s)
{
	if (s)
		((struct kstr_hdr *)s - 1)->refs++;
	return s;
}

static inline void kstr_put(char *s)
{
	if (!s)
		return;
	struct kstr_hdr *h = (struct kstr_hdr *)s - 1;
	if (--h->refs == 0)
		free(h);
}

static inline size_t kstr_len(const char *s)
{
	return s ? ((const struct kstr_hdr *)s - 1)->len : 0;
}

static inline size_t kstr_clen(const char *s)
{
	return s ? ((const struct kstr_hdr *)s - 1)->clen : 0;
}

/* ---- private records behind the public ones ---- */

struct thr {
	struct kite_thread pub;    /* first: a kite_thread pointer is a thr pointer */
	struct thr *tnext, *tprev; /* the process's threads */
	struct thr *dead_next;
	uint8_t from_parent; /* created by the parent's clone event: the child's own event refines it */
	uint8_t from_child;  /* created by the child's clone event: the parent's event must not recreate it */
	uint8_t dead;        /* queued for freeing at settle */
};

struct proc {
	struct kite_proc pub;
	struct proc *parent; /* whose child list holds us; NULL while waiting in the orphan map */
	struct thr *threads;
	struct proc *dead_next;
	uint8_t in_orphans; /* linked in s->orphans under pub.ppid: the parent is not (yet) known */
	uint8_t dead;
};

struct kite_fdtable {
	uint32_t refs;          /* processes sharing it (CLONE_FILES) */
	uint32_t count;         /* open fds */
	uint32_t cap;           /* slots in dense */
	struct kite_fd **dense; /* by number, for fds below KITE_FD_DENSE */
	struct kite_fd **far;   /* larger numbers, unsorted */
	uint32_t nfar, farcap;
};

/* clone children whose parent's event may still come, remembered after their exit */
#define KITE_AWAIT 64

/* fds numbered below this live in a direct array; the kernel's default nr_open is the same */
#define KITE_FD_DENSE (1u << 20)

/*
 * The names of recently opened files, by the path as given (and the directory
 * a relative one was resolved against): programs open the same few paths over
 * and over, and a hit hands out the same strings without resolving or
 * allocating.  Direct-mapped; short names only, so the memory it pins stays small.
 */
#define KITE_NAME_SLOTS_BITS 8
#define KITE_NAME_MAX        512 /* longest fd.name (and directory) kept */

struct name_slot {
	char *raw;     /* kstr: the path as the call gave it (fd.nameraw); NULL for an empty slot */
	char *dir;     /* kstr: what a relative raw was resolved against (a reference); NULL when absolute */
	char *name;    /* kstr: its resolution (fd.name), raw itself when that was already clean */
	uint32_t plen; /* the param's length: raw's, or one more for a NUL after it; 0 for an empty slot */
};

/* ---- per-schema lookups, done once per distinct schema ---- */

/* What the state does with an event type, decided by its name. */
enum state_handler {
	H_NONE = 0,
	H_EXECVE,
	H_CLONE,
	H_PROCEXIT,
	/* H_OPEN to H_BPF change the fd tables and nothing else (fd_apply; state_fd_only_handler) */
	H_OPEN,
	H_CLOSE,
	H_CLOSE_RANGE,
	H_DUP,
	H_FCNTL,
	H_PIPE,
	H_SOCKET,
	H_SOCKETPAIR,
	H_CONNECT,
	H_ACCEPT,
	H_BIND,
	H_SEND,
	H_RECV,
	H_MEMFD,
	H_USERFAULTFD,
	H_IO_URING,
	H_BPF,
	H_CHDIR,
	H_FCHDIR,
	H_CHROOT,
	H_SETUID,
	H_SETGID,
	H_SETREUID,
	H_SETREGID,
	H_SETRESUID,
	H_SETRESGID,
	H_CAPSET,
	H_PRCTL,
	H_UNSHARE,
	H_DROP,
	H_STATE_PROC,
	H_STATE_FD,
	H_STATE_USER,
	H_STATE_GROUP,
	H_STATE_IFACE,
	H_CONTAINER, /* container metadata (imported .scap captures) */
	H_COUNT
};

/* 1 for the handlers that change the fd tables and nothing else (open, close, dup, socket...). */
static inline int state_fd_only_handler(unsigned h)
{
	return h >= H_OPEN && h <= H_BPF;
}

/* Parameter names the handlers read, looked up by name per event type. */
enum state_param {
	P_RES,
	P_FD,
	P_DIRFD,
	P_NAME,
	P_FLAGS,
	P_DEV,
	P_INO,
	P_TID,
	P_PID,
	P_PTID,
	P_PPID,
	P_VTID,
	P_VPID,
	P_EXE,
	P_ARGS,
	P_ENV,
	P_CWD,
	P_COMM,
	P_CGROUPS,
	P_UID,
	P_GID,
	P_EUID,
	P_EGID,
	P_SUID,
	P_SGID,
	P_RUID,
	P_RGID,
	P_LOGINUID,
	P_TTY,
	P_CAP_INH,
	P_CAP_PRM,
	P_CAP_EFF,
	P_EXE_INO,
	P_EXE_INO_CTIME,
	P_EXE_INO_MTIME,
	P_TRUSTED_EXEPATH,
	P_FILENAME,
	P_EXEPATH,
	P_FDLIMIT,
	P_PGID,
	P_VPGID,
	P_SID,
	P_START_TS,
	P_OLDFD,
	P_CMD,
	P_FD1,
	P_FD2,
	P_DOMAIN,
	P_TYPE,
	P_PROTO,
	P_TUPLE,
	P_ADDR,
	P_SOURCE,
	P_PEER,
	P_PATH,
	P_FIRST,
	P_LAST,
	P_OPTION,
	P_ARG2_STR,
	P_STATUS,
	P_REAPER_TID,
	P_NEVENTS,
	P_HOME,
	P_SHELL,
	P_JSON,
	P_ID,
	P_IMAGE,
	P_NETMASK,
	P_COUNT
};

struct evinfo {
	uint8_t handler; /* enum state_handler */
	uint8_t relpath; /* the name param is a RELPATH (resolved against dirfd), not a PATH */
	uint8_t creat;   /* creat(2): no flags param, the flags are implied */
	int8_t pos[P_COUNT];
};

/*
 * Flag and enum values of the recording host, by name from the schema's
 * tables (O_DIRECTORY differs between architectures); this host's values
 * where a schema lacks the name.
 */
struct kconsts {
	uint64_t o_directory, o_cloexec, o_nonblock, o_wronly, o_rdwr, o_creat, o_trunc;
	uint64_t sock_cloexec, sock_nonblock, sock_stream, sock_dgram, sock_raw;
	uint64_t clone_thread, clone_files, clone_parent, mfd_cloexec, f_dupfd, f_dupfd_cloexec;
	uint64_t close_range_cloexec, close_range_unshare, pr_set_name;
};

struct schema_cache {
	const struct kite_schema *schema;
	uint32_t n; /* max_event_id + 1 */
	struct kite_evmap *maps;
	struct evinfo *info;
	struct kconsts k;
	uint8_t sysdig_threads; /* see kite_state_sysdig_threads */
	struct schema_cache *next;
};

/* A host interface address (state_iface records): unbound socket ends are inferred from them. */
struct iface {
	uint8_t fam; /* KITE_AF_INET or KITE_AF_INET6 */
	uint8_t addr[16], mask[16];
};

struct kite_state {
	struct kmap threads, procs, users, groups, containers;
	struct iface *ifaces;
	uint32_t nifaces, ifaces_cap;
	struct kmap orphans; /* ppid -> first proc whose parent is not known, chained by sibling links */
	struct thr *last;    /* the thread of the previous event: consecutive events often share it */
	struct kite_state_hooks hooks;
	struct kite_state_stats st;
	struct schema_cache *schemas, *cur;

	/* what the last event ended, freed at settle */
	struct kite_fd **dead_fds;
	uint32_t ndead_fds, dead_fds_cap;
	/* fds freed, kept for reuse (an open/close loop would otherwise malloc and free one each time) */
	struct kite_fd *spare_fds[256];
	uint32_t nspare_fds;
	struct name_slot names[1u << KITE_NAME_SLOTS_BITS];
	struct thr *dead_thr;
	struct proc *dead_proc;
	struct kite_fd *renamed; /* its name_changed is cleared at settle */
	int pending;

	/* tids created from a child's clone event that exited before the parent's event came */
	int64_t await[KITE_AWAIT];
	uint32_t await_next;

	/* the thread of records that are about no thread (drops, users): never in the tables */
	struct thr none_thr;
	struct proc none_proc;
	struct kite_fdtable none_fdt;

	struct evinfo none_info; /* for records of unknown types */
	char path[2 * 4096 + 64];
};

/*
 * Under AddressSanitizer freed fds and their names are really freed (no
 * spare fds, no cache of names), so that a use after free is caught, not reused.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KITE_REUSE_FDS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KITE_REUSE_FDS 0
#endif
#endif
#ifndef KITE_REUSE_FDS
#define KITE_REUSE_FDS 1
#endif

/* ---- shared between the files ---- */

/* Whether n is an integer's length (1, 2, 4 or 8): one shift and test rather than four compares. */
static inline int pget_int_len(uint16_t n)
{
	return n <= 8 && ((0x116u >> n) & 1);
}

/* Param reading: 0 when absent or of a length that is not an integer's (malformed). */
static inline int pget_i(const struct kite_ctx *c, int pos, int64_t *v)
{
	if ((uint32_t)pos >= c->p.n) /* a negative pos (absent) is past every n too */
		return 0;
	uint16_t n = c->p.len[pos];
	if (n == 8) { /* the most common width (fds, results, inodes) first: one compare */
		memcpy(v, c->p.val[pos], 8);
		return 1;
	}
	if (!pget_int_len(n))
		return 0;
	*v = kite_get_i(c->p.val[pos], n);
	return 1;
}

static inline int pget_u(const struct kite_ctx *c, int pos, uint64_t *v)
{
	if ((uint32_t)pos >= c->p.n)
		return 0;
	uint16_t n = c->p.len[pos];
	if (n == 8) {
		memcpy(v, c->p.val[pos], 8);
		return 1;
	}
	if (!pget_int_len(n))
		return 0;
	*v = kite_get_u(c->p.val[pos], n);
	return 1;
}

/* Bytes of a param; 0 (and *s = "") when absent or empty (unknown). */
static inline uint16_t pget_s(const struct kite_ctx *c, int pos, const char **s)
{
	*s = "";
	if ((uint32_t)pos >= c->p.n || !c->p.len[pos])
		return 0;
	*s = (const char *)c->p.val[pos];
	return c->p.len[pos];
}

/* per-schema lookups (state_schema.c) */
struct schema_cache *schema_cache(struct kite_state *s, const struct kite_schema *schema);
const struct evinfo *state_evinfo(struct kite_state *s, const struct kite_ctx *c);
/*
 * state_evinfo, inline while the schema stays the one of the record before
 * (every record but a few).  c->map is set (kite_state_apply sees to it).
 */
static inline const struct evinfo *evinfo_of(struct kite_state *s, const struct kite_ctx *c)
{
	const struct schema_cache *sc = s->cur;
	if (!sc || sc->schema != c->schema)
		return state_evinfo(s, c);
	/* the replay's maps are this cache's (kite_state_evmaps): one load, no bound test nor index */
	if (c->map->info)
		return c->map->info;
	return c->e->type < sc->n ? &sc->info[c->e->type] : &s->none_info;
}

/* threads and processes (state.c) */
void *state_alloc(size_t n); /* zeroed; aborts when memory is exhausted */
struct thr *thread_new(struct kite_state *s, struct proc *p, int64_t tid, uint64_t ts,
                       const struct kite_ctx *c);
/* Whether tid is a child that came and went before its parent's clone event (then forgets it). */
int await_take(struct kite_state *s, int64_t tid);
/* A new process with fd table fdt (NULL: an empty one); an older one under the same pid is evicted. */
struct proc *proc_new(struct kite_state *s, int64_t pid, struct kite_fdtable *fdt, const struct kite_ctx *c);
void proc_set_parent(struct kite_state *s, struct proc *p, int64_t ppid);
/* The thread is gone; when it was the process's last, so is the process (reaper_tid: procexit's). */
void thread_exit(struct kite_state *s, struct thr *t, const struct kite_ctx *c, int64_t reaper_tid);
/* A process we missed the end of (its pid or tid came back): ends it and all its threads. */
void proc_evict(struct kite_state *s, struct proc *p, const struct kite_ctx *c);
/* Sets the cgroups (a copy) and the container they name, interned in the state. */
void proc_set_cgroups(struct kite_state *s, struct proc *p, const char *cg, size_t len);
void container_free(struct kite_container *k);
/* The container whose id starts with these (at least 12) hex digits, created when new; NULL if too short. */
struct kite_container *container_intern(struct kite_state *s, const char *id, size_t len);
/* A container metadata event (Falco's JSON, or the older id/name/image form): fills the container's fields. */
void on_container(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);
void proc_copy_info(struct proc *dst, const struct proc *src);
void hook_proc_new(struct kite_state *s, struct proc *p, const struct kite_ctx *c);
static inline const struct kconsts *state_consts(const struct kite_state *s)
{
	return &s->cur->k;
}

/* fd tables (state_fd.c) */
struct kite_fdtable *fdt_new(void);
struct kite_fdtable *fdt_copy(struct kite_state *s, const struct kite_fdtable *t);
static inline struct kite_fdtable *fdt_share(struct kite_fdtable *t)
{
	t->refs++;
	return t;
}
void fdt_release(struct kite_state *s, struct kite_fdtable *t);
struct kite_fd *fdt_get(const struct kite_fdtable *t, int64_t num);
struct kite_fd *fd_alloc(struct kite_state *s, int64_t num, uint8_t type, uint64_t ts);
/* A copy of o at number num (names shared by reference). */
struct kite_fd *fd_dup(struct kite_state *s, const struct kite_fd *o, int64_t num);
/* Frees f (to the spare fds, for the next open); inline: settle frees one per close. */
static inline void fd_free(struct kite_state *s, struct kite_fd *f)
{
	kstr_put(f->name);
	kstr_put(f->nameraw);
	if (KITE_REUSE_FDS && s->nspare_fds < sizeof(s->spare_fds) / sizeof(s->spare_fds[0]))
		s->spare_fds[s->nspare_fds++] = f;
	else
		free(f);
}
/* Puts f at its number in p's table; an fd already there is closed (hook, freed at settle). */
int fd_install(struct kite_state *s, struct proc *p, struct kite_fd *f, const struct kite_ctx *c);
/* Removes fd num from p's table; it stays valid until settle.  NULL when not open. */
struct kite_fd *fd_close(struct kite_state *s, struct proc *p, int64_t num, const struct kite_ctx *c);
void fd_close_cloexec(struct kite_state *s, struct proc *p, const struct kite_ctx *c);
/* Calls the fd_close hook for every fd of p's table (which dies with p); the fds stay until settle. */
void fd_close_all(struct kite_state *s, struct proc *p, const struct kite_ctx *c);
void proc_unshare_files(struct kite_state *s, struct proc *p);
/*
 * The absolute, normalised form of a path param (len bytes) against dir (a
 * directory, with or without a trailing '/'; NULL when unknown), as a new
 * kstr; with slash, ending in '/' (a cwd).
 */
char *resolve_path(struct kite_state *s, const char *dir, const char *path, size_t len, int slash);
/* Applies an event of the fd and socket handlers: 1, or 0 for another handler (proc_apply's). */
int fd_apply(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);
/* Empties the cache of opened files' names (kite_state_free). */
void fd_names_free(struct kite_state *s);
void state_fd_record(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);

/* sockets (state_sock.c) */
void sock_apply(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);
/* A snapshot socket's ends from its tuple param: local first; no remote end means only bound. */
void state_iface_record(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);
void sock_from_snapshot(struct kite_fd *f, const struct kite_ctx *c, int pos);

/* process events (state_proc.c) */
void proc_apply(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);
void state_proc_record(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei);

#endif
