/* fields_fd.c - fd.* (files and sockets), user.*, group.*, container.* and k8s.* fields. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "events.h"
#include "fields_int.h"

/* Falco's names and letters of fd types, indexed by enum kite_fd_type. */
static const struct {
	const char *name;
	char letter;
} fd_types[] = {
        [KITE_FD_UNKNOWN] = {"unknown", 'o'},
        [KITE_FD_FILE] = {"file", 'f'},
        [KITE_FD_DIRECTORY] = {"directory", 'd'},
        [KITE_FD_IPV4_SOCK] = {"ipv4", '4'},
        [KITE_FD_IPV6_SOCK] = {"ipv6", '6'},
        [KITE_FD_UNIX_SOCK] = {"unix", 'u'},
        [KITE_FD_PIPE] = {"pipe", 'p'},
        [KITE_FD_EVENT] = {"event", 'e'},
        [KITE_FD_SIGNALFD] = {"signalfd", 's'},
        [KITE_FD_EVENTPOLL] = {"eventpoll", 'l'},
        [KITE_FD_INOTIFY] = {"inotify", 'i'},
        [KITE_FD_TIMERFD] = {"timerfd", 't'},
        [KITE_FD_NETLINK] = {"netlink", 'n'},
        [KITE_FD_BPF] = {"bpf", 'b'},
        [KITE_FD_USERFAULTFD] = {"userfaultfd", 'u'},
        [KITE_FD_IO_URING] = {"io_uring", 'r'},
        [KITE_FD_MEMFD] = {"memfd", 'm'},
        [KITE_FD_PIDFD] = {"pidfd", 'P'},
        [KITE_FD_OTHER_SOCK] = {"socket", 'o'},
};

const char *kite_fd_type_name(unsigned type)
{
	return type < sizeof(fd_types) / sizeof(fd_types[0]) && fd_types[type].name ? fd_types[type].name
	                                                                            : "unknown";
}

char kite_fd_typechar(unsigned type)
{
	return type < sizeof(fd_types) / sizeof(fd_types[0]) && fd_types[type].name ? fd_types[type].letter
	                                                                            : 'o';
}

static int is_inet(const struct kite_fd *f)
{
	return f->type == KITE_FD_IPV4_SOCK || f->type == KITE_FD_IPV6_SOCK;
}

static int is_file(const struct kite_fd *f)
{
	return f->type == KITE_FD_FILE || f->type == KITE_FD_DIRECTORY;
}

static unsigned put_ip(struct kite_val *o, const struct kite_ip *ip)
{
	o->type = KITE_VT_IPADDR;
	o->ip = *ip;
	return 1;
}

/* The ends of a socket as (local, remote): the client is local unless the process is the server. */
struct ends {
	const struct kite_ip *cip, *sip, *lip, *rip;
	uint16_t cport, sport, lport, rport;
	int have_c, have_s;
};

static int socket_ends(const struct kite_fd *f, struct ends *e)
{
	memset(e, 0, sizeof(*e));
	if (!is_inet(f) || !(f->sock.valid || f->sock.bound))
		return 0;
	e->cip = &f->sock.cip;
	e->sip = &f->sock.sip;
	e->cport = f->sock.cport;
	e->sport = f->sock.sport;
	e->have_c = f->sock.valid;
	e->have_s = 1;
	int server = f->role == KITE_ROLE_SERVER || (!f->sock.valid && f->sock.bound);
	e->lip = server ? e->sip : e->cip;
	e->rip = server ? e->cip : e->sip;
	e->lport = server ? e->sport : e->cport;
	e->rport = server ? e->cport : e->sport;
	return 1;
}

static unsigned socket_field(unsigned id, const struct kite_fd *f, struct kite_val *o, unsigned max)
{
	struct ends e;
	if (!socket_ends(f, &e))
		return 0;
	int local_known = f->role == KITE_ROLE_SERVER || !f->sock.valid ? e.have_s : e.have_c;
	int remote_known = f->sock.valid;
	switch (id) {
	case FF_CIP:
	case FF_CNET: return e.have_c ? put_ip(o, e.cip) : 0;
	case FF_SIP:
	case FF_SNET: return put_ip(o, e.sip);
	case FF_LIP:
	case FF_LNET: return local_known ? put_ip(o, e.lip) : 0;
	case FF_RIP:
	case FF_RNET: return remote_known ? put_ip(o, e.rip) : 0;
	case FF_CPORT: return e.have_c ? put_u(o, e.cport) : 0;
	case FF_SPORT: return put_u(o, e.sport);
	case FF_LPORT: return local_known ? put_u(o, e.lport) : 0;
	case FF_RPORT: return remote_known ? put_u(o, e.rport) : 0;
	case FF_IP:
	case FF_NET: {
		unsigned n = put_ip(o, e.sip);
		if (e.have_c && max > 1)
			n += put_ip(&o[1], e.cip);
		return n;
	}
	default: { /* FF_PORT */
		unsigned n = put_u(o, e.sport);
		if (e.have_c && max > 1)
			n += put_u(&o[1], e.cport);
		return n;
	}
	}
}

const char *kite_l4proto_name(unsigned p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: return "icmp";
	case IPPROTO_RAW: return "raw";
	default: return NULL;
	}
}

/* The path param of an open as the call gave it. */
static unsigned arg_raw_path(struct kite_ctx *c, struct kite_val *o)
{
	int i = c->map->name;
	if (i < 0 || (uint32_t)i >= c->p.n || !c->p.len[i])
		return 0;
	return put_str(o, (const char *)c->p.val[i], strnlen((const char *)c->p.val[i], c->p.len[i]));
}

/* fd.directory and fd.filename of a file's path. */
static unsigned path_part(const struct kite_fd *f, int dir, struct kite_val *o)
{
	if (!is_file(f) || !f->name || f->name[0] != '/')
		return 0;
	const char *slash = strrchr(f->name, '/');
	if (!dir)
		return put_cstr(o, slash + 1);
	return put_str(o, f->name, slash == f->name ? 1 : (size_t)(slash - f->name));
}

struct types_walk {
	struct kite_val *o;
	unsigned n, max;
};

static int add_type(void *ctx, struct kite_fd *fd)
{
	struct types_walk *w = ctx;
	const char *name = kite_fd_type_name(fd->type);
	for (unsigned i = 0; i < w->n; i++)
		if (w->o[i].s == name)
			return 0;
	if (w->n < w->max)
		w->n += put_cstr(&w->o[w->n], name);
	return 0;
}

/* fd.types: the distinct types of the process's fds; fd.types[N]: the type of fd N. */
static unsigned fd_types_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o,
                               unsigned max)
{
	if (!c->proc)
		return 0;
	if (f->has_arg) {
		const struct kite_fd *fd = kite_proc_fd(c->proc, f->argn);
		return fd ? put_cstr(o, kite_fd_type_name(fd->type)) : 0;
	}
	struct types_walk w = {o, 0, max};
	kite_proc_foreach_fd(c->proc, add_type, &w);
	return w.n;
}

static const char *container_label(const struct kite_proc *p)
{
	return p && p->container ? p->container->id : "host";
}

/*
 * An open that failed made no fd, but Falco still gives fd.name (and its
 * directory and file name) from the path the call asked for, so that rules
 * on fd.name see failed attempts too.
 */
static unsigned creator_field(unsigned id, struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	unsigned eid = d ? d->id : 0;
	if (eid != KITE_EVT_OPEN && eid != KITE_EVT_OPENAT && eid != KITE_EVT_OPENAT2 &&
	    eid != KITE_EVT_CREAT)
		return 0;
	size_t len = 0;
	const char *path = kite_evt_path(c, c->map->name, &len);
	if (!path)
		return 0;
	struct kite_fd tmp = {.type = KITE_FD_FILE, .name = kite_arena_strndup(&c->arena, path, len)};
	switch (id) {
	case FF_NUM: return put_i(o, -1); /* as sysdig: a file that did not open, numbered -1 */
	case FF_TYPE: return put_cstr(o, kite_fd_type_name(KITE_FD_FILE));
	case FF_TYPECHAR: return put_str(o, "f", 1);
	case FF_NAME: return put_str(o, path, len);
	case FF_NAMERAW: return arg_raw_path(c, o);
	case FF_DIRECTORY: return path_part(&tmp, 1, o);
	case FF_FILENAME: return path_part(&tmp, 0, o);
	default: return 0;
	}
}

/* The type letter sysdig gives an fd it has no entry for: from the call that would have made it. */
static char null_fd_typechar(const char *type)
{
	static const struct {
		const char *prefix;
		char letter;
	} by_call[] = {{"socket", '4'},   {"accept", '4'},         {"pipe", 'p'},        {"eventfd", 'e'},
	               {"signalfd", 's'}, {"timerfd_create", 't'}, {"inotify_init", 'i'}};
	for (size_t i = 0; i < sizeof(by_call) / sizeof(by_call[0]); i++)
		if (!strncmp(type, by_call[i].prefix, strlen(by_call[i].prefix)))
			return by_call[i].letter;
	return 'o';
}

/* fd.name of a connect that failed: the tuple the call reported, as sysdig names it. */
__attribute__((noinline)) static unsigned connect_name(struct kite_ctx *c, struct kite_val *o)
{
	int64_t res;
	if (!kite_evt_res(c, &res) || res >= 0 || res == -EINPROGRESS)
		return 0;
	char *buf = kite_arena_alloc(&c->arena, 320);
	size_t n = kite_tuple_name(c, c->map->tuple, buf, 320);
	return n ? put_str(o, buf, n) : 0;
}

/* The same, with the test of the event's type inline (fd.name is asked for at every open). */
static inline unsigned failed_connect_name(struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	return d && d->id == KITE_EVT_CONNECT ? connect_name(c, o) : 0;
}

/* fd.name of an event with an fd (the state's: its name's length is known). */
static inline unsigned fd_name(struct kite_ctx *c, const struct kite_fd *fd, struct kite_val *o)
{
	unsigned n = failed_connect_name(c, o);
	return n ? n : put_str(o, fd->name ? fd->name : "", kite_fd_name_len(fd));
}

/*
 * An event Falco gives an fd to, whose fd kite has no entry for (made before a
 * capture without a snapshot, or a bad number): as sysdig, fd.num is the number
 * asked for (-1 when there was none), fd.typechar comes from the call and fd.name
 * is empty.  Other fd fields stay absent.
 */
static unsigned null_fd_field(unsigned id, struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_event_desc *d = c->map->d;
	if (!d || c->map->fd < 0 || !(d->flags & KITE_EF_SYSCALL))
		return 0;
	switch (id) {
	case FF_NUM: return put_i(o, c->fdnum);
	case FF_TYPECHAR: {
		char *s = kite_arena_alloc(&c->arena, 2);
		s[0] = null_fd_typechar(d->name);
		s[1] = '\0';
		return put_str(o, s, 1);
	}
	case FF_NAME: {
		unsigned n = failed_connect_name(c, o);
		return n ? n : put_str(o, "", 0);
	}
	default: return 0;
	}
}

/* kite_fd_fields, less its fast path: a call of its own, as the sockets' fields need a large frame. */
__attribute__((noinline)) static unsigned fd_fields(const struct kite_field *f, struct kite_ctx *c,
                                                    struct kite_val *o, unsigned max)
{
	unsigned id = f->def->id;
	size_t len;
	if (id == FF_TYPES)
		return fd_types_field(f, c, o, max);
	if (id == FF_NUM && c->fdnum >= 0)
		return put_i(o, c->fdnum);
	const struct kite_fd *fd = c->fd;
	if (id == FF_NUM && fd)
		return 0;
	if (!fd) {
		unsigned n = creator_field(id, c, o);
		return n ? n : null_fd_field(id, c, o);
	}
	switch (id) {
	case FF_TYPE: return put_cstr(o, kite_fd_type_name(fd->type));
	case FF_TYPECHAR: {
		char *s = kite_arena_alloc(&c->arena, 2);
		s[0] = kite_fd_typechar(fd->type);
		s[1] = '\0';
		return put_str(o, s, 1);
	}
	case FF_NAME: return fd_name(c, fd, o);
	case FF_NAMERAW: return put_cstr(o, fd->nameraw ? fd->nameraw : fd->name);
	case FF_DIRECTORY: return path_part(fd, 1, o);
	case FF_FILENAME: return path_part(fd, 0, o);
	case FF_L4PROTO: return is_inet(fd) ? put_cstr(o, kite_l4proto_name(fd->l4proto)) : 0;
	case FF_SOCKFAMILY:
		return is_inet(fd)                     ? put_str(o, "ip", 2)
		       : fd->type == KITE_FD_UNIX_SOCK ? put_str(o, "unix", 4)
		                                       : 0;
	case FF_IS_SERVER:
		return is_inet(fd) || fd->type == KITE_FD_UNIX_SOCK
		               ? put_bool(o, fd->role == KITE_ROLE_SERVER)
		               : 0;
	case FF_CONNECTED:
		return is_inet(fd) || fd->type == KITE_FD_UNIX_SOCK
		               ? put_bool(o, fd->sock.valid || fd->unix_dst)
		               : 0;
	case FF_NAME_CHANGED: return put_bool(o, fd->name_changed);
	case FF_CIP_NAME:
	case FF_SIP_NAME:
	case FF_LIP_NAME:
	case FF_RIP_NAME: return 0;
	case FF_DEV: return is_file(fd) ? put_u(o, fd->dev) : 0;
	case FF_DEV_MAJOR: return is_file(fd) ? put_u(o, fd->dev >> 20) : 0;
	case FF_DEV_MINOR: return is_file(fd) ? put_u(o, fd->dev & 0xfffff) : 0;
	case FF_INO: return fd->ino ? put_u(o, fd->ino) : 0;
	case FF_CONTAINERNAME:
		return put_cstr(o, kite_arena_printf(&c->arena, &len, "%s:%s", container_label(c->proc),
		                                     fd->name ? fd->name : ""));
	case FF_CONTAINERDIRECTORY: {
		struct kite_val d;
		if (!path_part(fd, 1, &d))
			return 0;
		return put_cstr(o, kite_arena_printf(&c->arena, &len, "%s:%.*s", container_label(c->proc),
		                                     (int)d.len, d.s));
	}
	case FF_UID:
		return put_cstr(
		        o, kite_arena_printf(&c->arena, &len, "%" PRIu32 "%" PRId64, c->e->pid, fd->num));
	default: return socket_field(id, fd, o, max);
	}
}

unsigned kite_fd_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max)
{
	/* fd.name, the fd field of most filters and rules, is asked for at nearly every event they see */
	if (f->def->id == FF_NAME && c->fd)
		return fd_name(c, c->fd, o);
	return fd_fields(f, c, o, max);
}

/* ---- user.*, group.* ---- */

static unsigned user_field(unsigned id, struct kite_ctx *c, const struct kite_proc *p, struct kite_val *o)
{
	uint32_t uid = p ? p->euid : UINT32_MAX;
	if (c->thr && c->thr->has_cred && kite_state_sysdig_threads_on(c->state))
		uid = c->thr->uid; /* libsinsp 0.29: the credentials of the clone event that made the thread */
	const struct kite_user *u = p && p->known ? kite_state_user(c->state, uid) : NULL;
	switch (id) {
	case UF_UID:
	case UF_EUID: return put_u(o, uid);
	case UF_NAME: return u ? put_cstr(o, u->name) : 0;
	case UF_HOMEDIR: return u ? put_cstr(o, u->home) : 0;
	case UF_SHELL: return u ? put_cstr(o, u->shell) : 0;
	case UF_LOGINUID: return p && p->known ? put_i(o, (int32_t)p->loginuid) : 0;
	case UF_LOGINNAME: {
		const struct kite_user *l = p && p->known ? kite_state_user(c->state, p->loginuid) : NULL;
		return l ? put_cstr(o, l->name) : 0;
	}
	case GF_GID: return p ? put_u(o, p->egid) : 0;
	default: { /* GF_NAME */
		const struct kite_group *g = p && p->known ? kite_state_group(c->state, p->egid) : NULL;
		return g ? put_cstr(o, g->name) : 0;
	}
	}
}

/* ---- container.*: the id from cgroups; everything else only when metadata was captured ---- */

static unsigned container_field(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o)
{
	const struct kite_container *k = c->proc ? c->proc->container : NULL;
	unsigned id = f->def->id;
	if (!k) { /* the host */
		if (id == CF_ID || id == CF_FULL_ID || id == CF_NAME)
			return put_str(o, "host", 4);
		return 0;
	}
	switch (id) {
	case CF_ID: return put_cstr(o, k->id);
	case CF_FULL_ID: return put_cstr(o, k->full_id ? k->full_id : k->id);
	case CF_NAME: return put_cstr(o, k->name);
	case CF_IMAGE: return put_cstr(o, k->image);
	case CF_IMAGE_ID: return put_cstr(o, k->image_id);
	case CF_IMAGE_REPOSITORY: return put_cstr(o, k->image_repository);
	case CF_IMAGE_TAG: return put_cstr(o, k->image_tag);
	case CF_TYPE: return put_cstr(o, k->type);
	case CF_PRIVILEGED: return k->privileged >= 0 ? put_bool(o, k->privileged) : 0;
	case CF_MOUNTS: return put_cstr(o, k->mounts);
	case CF_START_TS: return k->start_ts ? put_typed_u(o, KITE_VT_ABSTIME, k->start_ts) : 0;
	case CF_DURATION:
		return k->start_ts && k->start_ts <= c->e->ts
		               ? put_typed_u(o, KITE_VT_RELTIME, c->e->ts - k->start_ts)
		               : 0;
	default: return 0; /* single mounts and k8s.*: need metadata kite captures do not carry yet */
	}
}

unsigned kite_ugc_fields(const struct kite_field *f, struct kite_ctx *c, struct kite_val *o, unsigned max)
{
	(void)max;
	unsigned id = f->def->id;
	if (id <= GF_NAME)
		return user_field(id, c, c->proc, o);
	return container_field(f, c, o);
}
