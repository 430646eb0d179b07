/* args.c - the ptrace driver's parameters: registers, the tracee's memory (process_vm_readv) and its fds, in the eBPF driver's encodings. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "kp.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

size_t kp_read_mem(pid_t tid, uint64_t addr, void *buf, size_t n)
{
	if (!addr || !n)
		return 0;
	struct iovec local = {buf, n}, remote = {(void *)(uintptr_t)addr, n};
	ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return got > 0 ? (size_t)got : 0;
}

uint32_t kp_read_str(pid_t tid, uint64_t addr, uint8_t *out, uint32_t max)
{
	/* page by page: a string may end just before an unmapped page */
	uint32_t n = 0;
	while (addr && n < max - 1) {
		size_t chunk = 4096 - ((addr + n) & 4095);
		if (chunk > max - 1 - n)
			chunk = max - 1 - n;
		size_t got = kp_read_mem(tid, addr + n, out + n, chunk);
		void *nul = got ? memchr(out + n, 0, got) : NULL;
		if (nul)
			return n + (uint32_t)((uint8_t *)nul - (out + n));
		n += (uint32_t)got;
		if (got < chunk)
			break;
	}
	return n;
}

static uint32_t put_int(uint8_t *out, uint64_t v, uint32_t width)
{
	memcpy(out, &v, width); /* little-endian */
	return width;
}

/* A unix socket name of n bytes: a pathname ends at its NUL, an abstract name (leading NUL) is n bytes. */
static uint32_t unix_path(const uint8_t *src, size_t n, uint8_t *out)
{
	if (n == 0)
		return 0;
	if (n > 108)
		n = 108;
	if (src[0] == 0) {
		memcpy(out, src, n);
		return (uint32_t)n;
	}
	size_t len = strnlen((const char *)src, n);
	memcpy(out, src, len);
	return (uint32_t)len;
}

uint32_t kp_sockaddr(const uint8_t *sa, size_t len, uint8_t *out)
{
	uint16_t family, port;
	if (len < 2)
		return 0;
	memcpy(&family, sa, 2);
	memcpy(&port, sa + 2, 2);
	port = ntohs(port);
	if (family == AF_INET && len >= 8) {
		out[0] = AF_INET;
		memcpy(out + 1, sa + 4, 4);
		memcpy(out + 5, &port, 2);
		return 7;
	}
	if (family == AF_INET6 && len >= 24) {
		out[0] = AF_INET6;
		memcpy(out + 1, sa + 8, 16);
		memcpy(out + 17, &port, 2);
		return 19;
	}
	if (family == AF_UNIX && len > 2) {
		out[0] = AF_UNIX;
		return 1 + unix_path(sa + 2, len - 2, out + 1);
	}
	return 0;
}

static uint32_t user_sockaddr(pid_t tid, uint64_t addr, uint64_t len, uint8_t *out)
{
	uint8_t sa[128];
	if (!addr || len < 2)
		return 0;
	if (len > sizeof(sa))
		len = sizeof(sa);
	size_t got = kp_read_mem(tid, addr, sa, len);
	return got == len ? kp_sockaddr(sa, len, out) : 0;
}

/* A copy of the tracee's fd in the recorder (pidfd_getfd), or -1. */
static int borrow_fd(struct kp_event *ev, int fd)
{
	struct kp_proc *p = kp_proc_get(ev->tr, ev->t->pid, 1);
	if (!p || fd < 0)
		return -1;
	if (p->pidfd < 0)
		p->pidfd = (int)syscall(SYS_pidfd_open, ev->t->pid, 0);
	if (p->pidfd < 0)
		return -1;
	return (int)syscall(SYS_pidfd_getfd, p->pidfd, fd, 0);
}

/* What the tracee's fd is (dev and ino of one event: looked up once). */
static int fd_stat(struct kp_event *ev, long fd, struct stat *st)
{
	char path[64];
	if (fd < 0)
		return -1;
	if (ev->fd_stat_of != fd) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", ev->t->tid, fd);
		ev->fd_stat_ok = stat(path, &ev->fd_st) == 0;
		ev->fd_stat_of = fd;
	}
	*st = ev->fd_st;
	return ev->fd_stat_ok ? 0 : -1;
}

/* One end of a tuple: the address, then the port in host order (net_port is in network order). */
static void put_end(uint8_t *out, const void *addr, size_t alen, uint16_t net_port)
{
	uint16_t port = ntohs(net_port);
	memcpy(out, addr, alen);
	memcpy(out + alen, &port, 2);
}

/* Both ends of the socket behind fd, as the eBPF driver writes them (local end first unless remote_first). */
static uint32_t tuple(struct kp_event *ev, long fd, int remote_first, uint8_t *out)
{
	int s = borrow_fd(ev, (int)fd);
	if (s < 0)
		return 0;
	struct sockaddr_storage l = {0}, r = {0};
	socklen_t ll = sizeof(l), rl = sizeof(r);
	uint32_t n = 0;
	if (getsockname(s, (struct sockaddr *)&l, &ll) == 0) {
		if (getpeername(s, (struct sockaddr *)&r, &rl))
			rl = 0, memset(&r, 0, sizeof(r));
		uint16_t family = l.ss_family;
		out[0] = (uint8_t)family;
		n = 1;
		if (family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&l, *b = (struct sockaddr_in *)&r;
			put_end(out + (remote_first ? 7 : 1), &a->sin_addr, 4, a->sin_port);
			put_end(out + (remote_first ? 1 : 7), &b->sin_addr, 4, b->sin_port);
			n = 13;
		} else if (family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l, *b = (struct sockaddr_in6 *)&r;
			put_end(out + (remote_first ? 19 : 1), &a->sin6_addr, 16, a->sin6_port);
			put_end(out + (remote_first ? 1 : 19), &b->sin6_addr, 16, b->sin6_port);
			n = 37;
		} else if (family == AF_UNIX) {
			/* the kernel's socket addresses are not visible to user space: 0, as in the snapshot */
			memset(out + 1, 0, 16);
			n = 17;
			struct sockaddr_un *a = (struct sockaddr_un *)&l, *b = (struct sockaddr_un *)&r;
			if (ll > offsetof(struct sockaddr_un, sun_path))
				n += unix_path((uint8_t *)a->sun_path,
				               ll - offsetof(struct sockaddr_un, sun_path), out + n);
			else if (rl > offsetof(struct sockaddr_un, sun_path))
				n += unix_path((uint8_t *)b->sun_path,
				               rl - offsetof(struct sockaddr_un, sun_path), out + n);
		}
	}
	close(s);
	return n;
}

/* The eBPF driver's user-space dev_t encoding (new_encode_dev). */
static uint32_t encode_dev(dev_t d)
{
	uint32_t ma = major(d), mi = minor(d);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

static uint32_t user_bytes(pid_t tid, uint64_t addr, int64_t n, uint32_t max, uint8_t *out)
{
	if (!addr || n <= 0)
		return 0;
	if ((uint64_t)n > max)
		n = max;
	if (n > KB_DATA_MAX)
		n = KB_DATA_MAX;
	return kp_read_mem(tid, addr, out, (size_t)n) == (size_t)n ? (uint32_t)n : 0;
}

/* struct user_msghdr: name, namelen, iov, iovlen, control, controllen, flags */
struct kp_msghdr {
	uint64_t name;
	int32_t namelen, pad;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags;
};

static int64_t iov_total(pid_t tid, uint64_t vec, uint64_t cnt)
{
	struct iovec iov[64];
	int64_t total = 0;
	if (!vec || cnt > UIO_MAXIOV)
		return -1;
	for (uint64_t i = 0; i < cnt; i += 64) {
		size_t k = cnt - i < 64 ? (size_t)(cnt - i) : 64;
		if (kp_read_mem(tid, vec + i * sizeof(struct iovec), iov, k * sizeof(struct iovec)) !=
		    k * sizeof(struct iovec))
			return -1;
		for (size_t j = 0; j < k; j++)
			total += (int64_t)iov[j].iov_len;
	}
	return total;
}

static uint32_t special(struct kp_event *ev, const struct kb_param *p, uint8_t *out)
{
	pid_t tid = ev->t->tid;
	const uint64_t *a = ev->args;
	int64_t ret = ev->ret;
	uint32_t snaplen = ev->tr->o.snaplen > KB_DATA_MAX ? KB_DATA_MAX : ev->tr->o.snaplen;
	switch (p->special) {
	case KB_SP_ENTRY:
		if (ev->t->entry_ok && ev->t->nr == ev->nr) {
			if (p->op == KB_OP_USOCKADDR)
				return kp_sockaddr(ev->t->entry, ev->t->entry_len, out);
			memcpy(out, ev->t->entry, ev->t->entry_len);
			return ev->t->entry_len;
		}
		if (p->op == KB_OP_USOCKADDR)
			return user_sockaddr(tid, a[p->arg], a[p->arg + 1], out);
		return kp_read_str(tid, a[p->arg], out, KB_STR_MAX);
	case KB_SP_TUPLE_ARG0: return tuple(ev, (int32_t)a[0], 0, out);
	case KB_SP_TUPLE_RET: return ret >= 0 ? tuple(ev, ret, 1, out) : 0;
	case KB_SP_DEV_RET:
	case KB_SP_INO_RET:
	case KB_SP_PIPE_INO: {
		long fd = (long)ret;
		struct stat st;
		if (p->special == KB_SP_PIPE_INO) {
			int fds[2] = {-1, -1};
			kp_read_mem(tid, a[0], fds, sizeof(fds));
			fd = fds[0];
		}
		if (ret < 0 || fd_stat(ev, fd, &st))
			return 0;
		if (p->special == KB_SP_DEV_RET)
			return put_int(out, encode_dev(st.st_dev), 4);
		return put_int(out, st.st_ino, 8);
	}
	case KB_SP_DATA_ARG1: return user_bytes(tid, a[1], ret, snaplen, out);
	case KB_SP_IOV_ARG1:
	case KB_SP_MSG_ARG1: {
		uint64_t vec = a[1];
		struct iovec iov;
		if (p->special == KB_SP_MSG_ARG1) {
			struct kp_msghdr m;
			if (kp_read_mem(tid, vec, &m, sizeof(m)) != sizeof(m))
				return 0;
			vec = m.iov;
		}
		if (kp_read_mem(tid, vec, &iov, sizeof(iov)) != sizeof(iov))
			return 0;
		int64_t n = (uint64_t)ret < iov.iov_len ? ret : (int64_t)iov.iov_len;
		return user_bytes(tid, (uint64_t)(uintptr_t)iov.iov_base, n, snaplen, out);
	}
	case KB_SP_PIPE_FD0:
	case KB_SP_PIPE_FD1:
	case KB_SP_PAIR_FD0:
	case KB_SP_PAIR_FD1: {
		int fds[2] = {-1, -1};
		int pair = p->special == KB_SP_PAIR_FD0 || p->special == KB_SP_PAIR_FD1;
		if (ret < 0)
			return 0;
		kp_read_mem(tid, a[pair ? 3 : 0], fds, sizeof(fds));
		int64_t fd = p->special == KB_SP_PIPE_FD1 || p->special == KB_SP_PAIR_FD1 ? fds[1] : fds[0];
		return put_int(out, (uint64_t)fd, 8);
	}
	case KB_SP_HOW_FLAGS:
	case KB_SP_HOW_MODE:
	case KB_SP_HOW_RESOLVE: {
		uint64_t how[3] = {0};
		kp_read_mem(tid, a[2], how, sizeof(how));
		uint64_t v = p->special == KB_SP_HOW_FLAGS  ? how[0]
		             : p->special == KB_SP_HOW_MODE ? how[1]
		                                            : how[2];
		return put_int(out, v, p->width);
	}
	case KB_SP_EXIT_STATUS:
	case KB_SP_EXIT_RET:
	case KB_SP_EXIT_SIG:
	case KB_SP_EXIT_CORE: {
		int code = ev->exit_status;
		uint64_t v = p->special == KB_SP_EXIT_STATUS ? (uint64_t)(int64_t)code
		             : p->special == KB_SP_EXIT_RET  ? (uint64_t)((code >> 8) & 0xff)
		             : p->special == KB_SP_EXIT_SIG  ? (uint64_t)(code & 0x7f)
		                                             : (uint64_t)((code & 0x80) != 0);
		return put_int(out, v, p->width);
	}
	case KB_SP_REAPER_TID: return put_int(out, (uint64_t)kp_reaper_tid(ev->tr, ev->t), 8);
	case KB_SP_SYSCALL_NR: return put_int(out, (uint64_t)ev->nr, 8);
	case KB_SP_CREAT_FLAGS: {
		/* creat truncates for writing: on overlayfs the file is always in the upper layer */
		char path[64];
		struct statfs sf;
		snprintf(path, sizeof(path), "/proc/%d/fd/%lld", tid, (long long)ret);
		int ovl = ret >= 0 && statfs(path, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC;
		return put_int(out, ovl ? 1 : 0, p->width);
	}
	case KB_SP_RET_SIZE: return put_int(out, ret > 0 ? (uint64_t)ret : 0, p->width);
	case KB_SP_IOV_SIZE:
	case KB_SP_MSG_SIZE: {
		uint64_t vec = a[1], cnt = a[2];
		if (p->special == KB_SP_MSG_SIZE) {
			struct kp_msghdr m;
			if (kp_read_mem(tid, vec, &m, sizeof(m)) != sizeof(m))
				return 0;
			vec = m.iov;
			cnt = m.iovlen;
		}
		int64_t total = iov_total(tid, vec, cnt);
		return total >= 0 ? put_int(out, (uint64_t)total, p->width) : 0;
	}
	case KB_SP_MSG_CONTROL: {
		struct kp_msghdr m;
		if (ret < 0 || kp_read_mem(tid, a[1], &m, sizeof(m)) != sizeof(m))
			return 0;
		return user_bytes(tid, m.control, (int64_t)m.controllen, KB_CTL_MAX, out);
	}
	case KB_SP_PRCTL_STR:
	case KB_SP_PRCTL_INT: {
		int is_name = a[0] == 15 || a[0] == 16; /* PR_SET_NAME, PR_GET_NAME */
		if (p->special == KB_SP_PRCTL_STR)
			return is_name ? kp_read_str(tid, a[1], out, KB_STR_MAX) : 0;
		return is_name ? 0 : put_int(out, a[1], p->width);
	}
	case KB_SP_SENDFILE_OFFSET: {
		int64_t off = 0;
		if (!a[2] || kp_read_mem(tid, a[2], &off, sizeof(off)) != sizeof(off))
			return 0;
		return put_int(out, (uint64_t)off, p->width);
	}
	case KB_SP_QUEUE_LEN:
	case KB_SP_QUEUE_MAX:
	case KB_SP_QUEUE_PCT: {
		/* a listening TCP socket's tcp_info: unacked is its backlog, sacked the limit */
		int s = borrow_fd(ev, (int)(int32_t)a[0]);
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		int ok = s >= 0 && getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0;
		if (s >= 0)
			close(s);
		if (s < 0)
			return 0;
		uint32_t len = ok ? ti.tcpi_unacked : 0, max = ok ? ti.tcpi_sacked : 0;
		uint32_t v = p->special == KB_SP_QUEUE_LEN   ? len
		             : p->special == KB_SP_QUEUE_MAX ? max
		                                             : (max ? len * 100 / max : 0);
		return put_int(out, v, p->width);
	}
	case KB_SP_URING_PARAM: {
		uint32_t params[6] = {0};
		if (ret < 0 || kp_read_mem(tid, a[1], params, sizeof(params)) != sizeof(params) || p->arg > 5)
			return 0;
		return put_int(out, params[p->arg], p->width);
	}
	case KB_SP_PAIR_SOURCE:
	case KB_SP_PAIR_PEER: return 0; /* kernel socket addresses: not visible to user space */
	case KB_SP_RAW_ARGS: memcpy(out, a, 48); return 48;
	case KB_SP_CLONE_FLAGS:
		switch (p->arg) {
		case KB_CLONE_ARG0: return put_int(out, a[0], p->width);
		case KB_CLONE_ARGS_STRUCT: {
			uint64_t flags = 0;                 /* clone_args.flags is its first field */
			if (ret == 0 && ev->t->flags_known) /* the child's side: as its creator passed them */
				return put_int(out, ev->t->clone_flags, p->width);
			kp_read_mem(tid, a[0], &flags, 8);
			return put_int(out, flags, p->width);
		}
		case KB_CLONE_VFORK: return put_int(out, 0x100 | 0x4000 | 17, p->width);
		default: return put_int(out, 17, p->width); /* SIGCHLD */
		}
	}
	return kp_process_param(ev, p, out);
}

uint32_t kp_fill_param(struct kp_event *ev, const struct kb_param *p, uint8_t *out)
{
	const uint64_t *a = ev->args;
	switch (p->op) {
	case KB_OP_INT: {
		uint64_t v = p->arg == KB_ARG_RET ? (uint64_t)ev->ret : a[p->arg];
		if (p->special == KB_INT_SEXT32)
			v = (uint64_t)(int64_t)(int32_t)v;
		return put_int(out, v, p->width);
	}
	case KB_OP_USTR:
		if (p->special == KB_SP_ENTRY)
			return special(ev, p, out);
		return kp_read_str(ev->t->tid, p->arg == KB_ARG_RET ? (uint64_t)ev->ret : a[p->arg], out,
		                   KB_STR_MAX);
	case KB_OP_USOCKADDR:
		if (p->special == KB_SP_ENTRY)
			return special(ev, p, out);
		return user_sockaddr(ev->t->tid, a[p->arg], a[p->arg + 1], out);
	case KB_OP_SPECIAL: return special(ev, p, out);
	}
	return 0;
}
