/* state_schema.c - per-schema lookups, done once: each event's handler, param positions, evmap, constants. */
#include "scap.h"
#include "state_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <linux/sched.h>
#include <string.h>
#include <sys/socket.h>

/* ---- per-schema maps ---- */

static const struct {
	const char *name;
	uint8_t handler;
} handlers[] = {
        {"execve", H_EXECVE},
        {"execveat", H_EXECVE},
        {"clone", H_CLONE},
        {"clone3", H_CLONE},
        {"fork", H_CLONE},
        {"vfork", H_CLONE},
        {"procexit", H_PROCEXIT},
        {"open", H_OPEN},
        {"openat", H_OPEN},
        {"openat2", H_OPEN},
        {"creat", H_OPEN},
        {"close", H_CLOSE},
        {"close_range", H_CLOSE_RANGE},
        {"dup", H_DUP},
        {"dup2", H_DUP},
        {"dup3", H_DUP},
        {"fcntl", H_FCNTL},
        {"pipe", H_PIPE},
        {"pipe2", H_PIPE},
        {"socket", H_SOCKET},
        {"socketpair", H_SOCKETPAIR},
        {"connect", H_CONNECT},
        {"accept", H_ACCEPT},
        {"accept4", H_ACCEPT},
        {"bind", H_BIND},
        {"sendto", H_SEND},
        {"sendmsg", H_SEND},
        {"recvfrom", H_RECV},
        {"recvmsg", H_RECV},
        {"chdir", H_CHDIR},
        {"fchdir", H_FCHDIR},
        {"chroot", H_CHROOT},
        {"setuid", H_SETUID},
        {"setgid", H_SETGID},
        {"setreuid", H_SETREUID},
        {"setregid", H_SETREGID},
        {"setresuid", H_SETRESUID},
        {"setresgid", H_SETRESGID},
        {"capset", H_CAPSET},
        {"prctl", H_PRCTL},
        {"unshare", H_UNSHARE},
        {"memfd_create", H_MEMFD},
        {"userfaultfd", H_USERFAULTFD},
        {"io_uring_setup", H_IO_URING},
        {"bpf", H_BPF},
        {"drop", H_DROP},
        {"state_proc", H_STATE_PROC},
        {"state_fd", H_STATE_FD},
        {"state_user", H_STATE_USER},
        {"state_group", H_STATE_GROUP},
        {"state_iface", H_STATE_IFACE},
        {"container", H_CONTAINER},
        {"useradded", H_STATE_USER}, /* .scap metadata events: the same as kite's snapshot records */
        {"groupadded", H_STATE_GROUP},
};

static const char *const pnames[P_COUNT] = {
        [P_RES] = "res",
        [P_FD] = "fd",
        [P_DIRFD] = "dirfd",
        [P_NAME] = "name",
        [P_FLAGS] = "flags",
        [P_DEV] = "dev",
        [P_INO] = "ino",
        [P_TID] = "tid",
        [P_PID] = "pid",
        [P_PTID] = "ptid",
        [P_PPID] = "ppid",
        [P_VTID] = "vtid",
        [P_VPID] = "vpid",
        [P_EXE] = "exe",
        [P_ARGS] = "args",
        [P_ENV] = "env",
        [P_CWD] = "cwd",
        [P_COMM] = "comm",
        [P_CGROUPS] = "cgroups",
        [P_UID] = "uid",
        [P_GID] = "gid",
        [P_EUID] = "euid",
        [P_EGID] = "egid",
        [P_SUID] = "suid",
        [P_SGID] = "sgid",
        [P_RUID] = "ruid",
        [P_RGID] = "rgid",
        [P_LOGINUID] = "loginuid",
        [P_TTY] = "tty",
        [P_CAP_INH] = "cap_inheritable",
        [P_CAP_PRM] = "cap_permitted",
        [P_CAP_EFF] = "cap_effective",
        [P_EXE_INO] = "exe_ino",
        [P_EXE_INO_CTIME] = "exe_ino_ctime",
        [P_EXE_INO_MTIME] = "exe_ino_mtime",
        [P_TRUSTED_EXEPATH] = "trusted_exepath",
        [P_FILENAME] = "filename",
        [P_EXEPATH] = "exepath",
        [P_FDLIMIT] = "fdlimit",
        [P_PGID] = "pgid",
        [P_VPGID] = "vpgid",
        [P_SID] = "sid",
        [P_START_TS] = "start_ts",
        [P_OLDFD] = "oldfd",
        [P_CMD] = "cmd",
        [P_FD1] = "fd1",
        [P_FD2] = "fd2",
        [P_DOMAIN] = "domain",
        [P_TYPE] = "type",
        [P_PROTO] = "proto",
        [P_TUPLE] = "tuple",
        [P_ADDR] = "addr",
        [P_NETMASK] = "netmask",
        [P_SOURCE] = "source",
        [P_PEER] = "peer",
        [P_PATH] = "path",
        [P_FIRST] = "first",
        [P_LAST] = "last",
        [P_OPTION] = "option",
        [P_ARG2_STR] = "arg2_str",
        [P_STATUS] = "status",
        [P_REAPER_TID] = "reaper_tid",
        [P_NEVENTS] = "nevents",
        [P_HOME] = "home",
        [P_SHELL] = "shell",
        [P_JSON] = "json",
        [P_ID] = "id",
        [P_IMAGE] = "image",
};

/*
 * Where the return value and the fd of an event are, from names and
 * positions alone (src is not in files):
 *  - res: the param named "res"; else param 0 of a syscall when it is named
 *    "fd" (Falco's name for the result of open*, creat, socket, accept*,
 *    memfd_create, bpf).
 *  - fd: the result when the event creates fds and the result is an fd kind
 *    (open*, socket, accept*, dup*, memfd_create, userfaultfd, ...); else
 *    "fd1" (socketpair: the first of the two, created on success; pipe: "fd2", the write end);
 *    else the param "fd" (fd_is_res when that is also the result: bpf); else
 *    "out_fd" (sendfile).  fd_is_res marks fds that exist only on success.
 *  - name: the first path or relpath param, skipping the process's own
 *    (cwd, exepath, trusted_exepath): open's name, mkdir's path, execve's
 *    filename.  dirfd: the ref of the first relpath.
 */
/* ---- names looked up by binary search: built once, shared by every schema ---- */

struct name_index {
	const char *name;
	int value;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct name_index *)a)->name, ((const struct name_index *)b)->name);
}

/* The value of name in a table sorted by by_name, or -1. */
static int name_find(const struct name_index *t, size_t n, const char *name)
{
	struct name_index key = {name, 0};
	const struct name_index *hit = t ? bsearch(&key, t, n, sizeof(*t), by_name) : NULL;
	return hit ? hit->value : -1;
}

#define NHANDLERS (sizeof(handlers) / sizeof(handlers[0]))
static struct name_index handler_index[NHANDLERS]; /* handlers: event name -> H_* */
static struct name_index pname_index[P_COUNT];     /* pnames: name -> P_* */
/*
 * The ppm table's exit events by name (several codes may share one): 1 when
 * one of them has EF_CREATES_FD, EF_USES_FD or EF_DESTROYS_FD, else 0.
 */
static struct name_index *fd_events;
static size_t nfd_events;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void index_fd_events(void)
{
	fd_events = malloc((scap_event_max / 2 + 1) * sizeof(*fd_events));
	if (!fd_events)
		return; /* then every type keeps its fd.* fields (falco_uses_fd) */
	size_t n = 0;
	for (uint16_t c = 1; c < scap_event_max; c += 2) {
		const struct scap_event_info *x = scap_event_info(c);
		if (!x || !x->name || (x->flags & SCAP_EF_UNUSED))
			continue;
		int uses = (x->flags & (SCAP_EF_CREATES_FD | SCAP_EF_USES_FD | SCAP_EF_DESTROYS_FD)) != 0;
		fd_events[n++] = (struct name_index){x->name, uses};
	}
	qsort(fd_events, n, sizeof(*fd_events), by_name);
	/* one entry per name: a name uses fds when any of its codes does */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(fd_events[k - 1].name, fd_events[i].name))
			fd_events[k - 1].value |= fd_events[i].value;
		else
			fd_events[k++] = fd_events[i];
	}
	nfd_events = k;
}

static void index_names(void)
{
	for (size_t i = 0; i < NHANDLERS; i++)
		handler_index[i] = (struct name_index){handlers[i].name, handlers[i].handler};
	qsort(handler_index, NHANDLERS, sizeof(*handler_index), by_name);
	for (int i = 0; i < P_COUNT; i++)
		pname_index[i] = (struct name_index){pnames[i], i};
	qsort(pname_index, P_COUNT, sizeof(*pname_index), by_name);
	index_fd_events();
}

/*
 * Whether Falco gives an event type fd.* fields: its exit event (by name) in
 * the ppm table has EF_CREATES_FD, EF_USES_FD or EF_DESTROYS_FD.  Types the
 * ppm table lacks keep theirs.
 */
static int falco_uses_fd(const char *name)
{
	return name_find(fd_events, nfd_events, name) != 0; /* -1: not in the table */
}

static void build_evmap(struct kite_evmap *m, const struct kite_event_desc *d)
{
	m->d = d;
	int res = kite_param_index(d, "res");
	if (res < 0 && (d->flags & KITE_EF_SYSCALL) && d->nparams && !strcmp(d->params[0].name, "fd"))
		res = 0;
	m->res = (int8_t)res;
	int fd = kite_param_index(d, "fd"), fd1 = kite_param_index(d, "fd1"),
	    out = kite_param_index(d, "out_fd");
	if ((d->flags & KITE_EF_CREATES_FD) && res >= 0 && d->params[res].kind == KITE_K_FD) {
		m->fd = (int8_t)res;
		m->fd_is_res = 1;
	} else if (fd1 >= 0) {
		/* sysdig gives a pipe's event the second (write) end, a socketpair's the first */
		int fd2 = kite_param_index(d, "fd2");
		m->fd = (int8_t)(!strncmp(d->name, "pipe", 4) && fd2 >= 0 ? fd2 : fd1);
		m->fd_is_res = 1;
	} else if (fd >= 0) {
		m->fd = (int8_t)fd;
		m->fd_is_res = fd == res;
	} else {
		m->fd = (int8_t)out;
	}
	for (unsigned i = 0; i < d->nparams; i++) {
		const struct kite_param_desc *p = &d->params[i];
		if (p->kind != KITE_K_PATH && p->kind != KITE_K_RELPATH)
			continue;
		if (!strcmp(p->name, "cwd") || !strcmp(p->name, "exepath") ||
		    !strcmp(p->name, "trusted_exepath"))
			continue;
		if (m->name < 0)
			m->name = (int8_t)i;
		if (p->kind == KITE_K_RELPATH && m->dirfd < 0 && p->ref < d->nparams)
			m->dirfd = (int8_t)p->ref;
	}
	m->flags = (int8_t)kite_param_index(d, "flags");
	m->tuple = (int8_t)kite_param_index(d, "tuple");
	/* fd.* exist only for events Falco's table says create, use or close an fd (not mmap, say) */
	if (m->fd >= 0 && !falco_uses_fd(d->name))
		m->fd = -1;
}

static void build_evinfo(struct evinfo *ei, const struct kite_evmap *m, const struct kite_event_desc *d)
{
	int h = name_find(handler_index, NHANDLERS, d->name);
	if (h >= 0)
		ei->handler = (uint8_t)h;
	/* each parameter's name looked up once (the first of a name counts, as kite_param_index's) */
	memset(ei->pos, -1, sizeof(ei->pos));
	for (int i = d->nparams - 1; i >= 0; i--) {
		int k = name_find(pname_index, P_COUNT, d->params[i].name);
		if (k >= 0)
			ei->pos[k] = (int8_t)i;
	}
	ei->pos[P_RES] = m->res;
	int name = ei->pos[P_NAME];
	ei->relpath = name >= 0 && d->params[name].kind == KITE_K_RELPATH;
	if (ei->relpath && d->params[name].ref < d->nparams)
		ei->pos[P_DIRFD] = (int8_t)d->params[name].ref;
	ei->creat = !strcmp(d->name, "creat");
}

/* The value of a named flag or enum entry in any of the schema's tables. */
static uint64_t schema_const(const struct kite_schema *sc, const char *name, uint64_t dflt)
{
	for (uint32_t t = 0; t <= sc->max_table_id && sc->tables; t++) {
		const struct kite_flag_table *tb = sc->tables[t];
		for (uint16_t i = 0; tb && i < tb->nentries; i++)
			if (tb->entries[i].name && !strcmp(tb->entries[i].name, name))
				return tb->entries[i].value;
	}
	return dflt;
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void build_consts(struct kconsts *k, const struct kite_schema *sc)
{
	k->o_directory = schema_const(sc, "O_DIRECTORY", O_DIRECTORY);
	k->o_cloexec = schema_const(sc, "O_CLOEXEC", O_CLOEXEC);
	k->o_nonblock = schema_const(sc, "O_NONBLOCK", O_NONBLOCK);
	k->o_wronly = schema_const(sc, "O_WRONLY", O_WRONLY);
	k->o_rdwr = schema_const(sc, "O_RDWR", O_RDWR);
	k->o_creat = schema_const(sc, "O_CREAT", O_CREAT);
	k->o_trunc = schema_const(sc, "O_TRUNC", O_TRUNC);
	k->sock_cloexec = schema_const(sc, "SOCK_CLOEXEC", SOCK_CLOEXEC);
	k->sock_nonblock = schema_const(sc, "SOCK_NONBLOCK", SOCK_NONBLOCK);
	k->sock_stream = schema_const(sc, "SOCK_STREAM", SOCK_STREAM);
	k->sock_dgram = schema_const(sc, "SOCK_DGRAM", SOCK_DGRAM);
	k->sock_raw = schema_const(sc, "SOCK_RAW", SOCK_RAW);
	k->clone_thread = schema_const(sc, "CLONE_THREAD", CLONE_THREAD);
	k->clone_files = schema_const(sc, "CLONE_FILES", CLONE_FILES);
	k->clone_parent = schema_const(sc, "CLONE_PARENT", CLONE_PARENT);
	k->mfd_cloexec = schema_const(sc, "MFD_CLOEXEC", 1);
	k->f_dupfd = schema_const(sc, "F_DUPFD", F_DUPFD);
	k->f_dupfd_cloexec = schema_const(sc, "F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC);
	k->close_range_cloexec = schema_const(sc, "CLOSE_RANGE_CLOEXEC", CLOSE_RANGE_CLOEXEC);
	k->close_range_unshare = schema_const(sc, "CLOSE_RANGE_UNSHARE", CLOSE_RANGE_UNSHARE);
	k->pr_set_name = schema_const(sc, "PR_SET_NAME", 15);
}

static void evmap_empty(struct kite_evmap *m)
{
	memset(m, 0, sizeof(*m));
	m->res = m->fd = m->name = m->flags = m->tuple = m->dirfd = -1;
}

struct schema_cache *schema_cache(struct kite_state *s, const struct kite_schema *schema)
{
	for (struct schema_cache *sc = s->schemas; sc; sc = sc->next)
		if (sc->schema == schema)
			return sc;
	pthread_once(&names_once, index_names);
	struct schema_cache *sc = state_alloc(sizeof(*sc));
	sc->schema = schema;
	sc->n = schema->max_event_id + 1;
	sc->maps = state_alloc(sc->n * sizeof(*sc->maps));
	sc->info = state_alloc(sc->n * sizeof(*sc->info));
	for (uint32_t id = 0; id < sc->n; id++) {
		evmap_empty(&sc->maps[id]);
		sc->info[id] = s->none_info;
		const struct kite_event_desc *d = schema->events[id];
		if (!d)
			continue;
		build_evmap(&sc->maps[id], d);
		build_evinfo(&sc->info[id], &sc->maps[id], d);
	}
	for (uint32_t id = 0; id < sc->n; id++)
		sc->maps[id].info = &sc->info[id];
	build_consts(&sc->k, schema);
	sc->next = s->schemas;
	s->schemas = sc;
	return sc;
}

const struct kite_evmap *kite_state_evmaps(struct kite_state *s, const struct kite_schema *schema)
{
	return schema_cache(s, schema)->maps;
}

/* Handlers after which the state may have ended threads (its own, or others of the process). */
static int is_thread_handler(unsigned h)
{
	return h == H_PROCEXIT || h == H_EXECVE || h == H_CLONE || h == H_STATE_PROC;
}

/* Handlers of records the state attaches to no thread (apply_threadless, snapshot fds). */
static int is_threadless_handler(unsigned h)
{
	return h == H_DROP || h == H_STATE_USER || h == H_STATE_GROUP || h == H_STATE_IFACE ||
	       h == H_CONTAINER || h == H_STATE_FD;
}

void kite_state_mark_needed(struct kite_state *s, const struct kite_schema *schema, uint8_t *types, int fds)
{
	struct schema_cache *sc = schema_cache(s, schema);
	for (uint32_t id = 0; id < sc->n; id++) {
		const struct kite_event_desc *d = schema->events[id];
		unsigned h = sc->info[id].handler;
		if (is_thread_handler(h))
			types[id] = 2; /* threads may end or change there: see kite_reader_set_record_want */
		else if (is_threadless_handler(h))
			types[id] = 3; /* its tid is no thread's first event */
		else if (!fds && state_fd_only_handler(h))
			continue; /* the caller's choice stands: nothing it reads depends on these */
		else if (h != H_NONE || (d && (d->flags & KITE_EF_STATE)))
			types[id] = 1;
	}
}

void kite_state_sysdig_threads(struct kite_state *s, const struct kite_schema *schema)
{
	struct schema_cache *sc = schema_cache(s, schema);
	if (sc)
		sc->sysdig_threads = 1;
}

int kite_state_sysdig_threads_on(const struct kite_state *s)
{
	return s->cur && s->cur->sysdig_threads;
}

const struct evinfo *state_evinfo(struct kite_state *s, const struct kite_ctx *c)
{
	if (!s->cur || s->cur->schema != c->schema)
		s->cur = schema_cache(s, c->schema);
	return c->e->type < s->cur->n ? &s->cur->info[c->e->type] : &s->none_info;
}
