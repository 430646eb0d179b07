/* kite.bpf.c - kite's eBPF driver: one record per syscall at exit, in kite's on-disk record layout. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kite_bpf.h"

char LICENSE[] SEC("license") = "GPL"; /* probe_read_user and friends are GPL-only */

/* Linux 6.2+: turns a pointer the verifier only knows as a number back into a typed one (read-only). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* Set by the loader before the programs load. */
const volatile __u64 boot_offset_ns = 0; /* epoch time - boot time: records carry epoch ns */
const volatile __u32 snaplen = 80;
const volatile __u32 self_tgid = 0;      /* the recorder itself is never recorded */
const volatile __u8 no_env = 0;
/* Source filters (--pid, --follow, --comm). */
const volatile __u8 filter_pid = 0;     /* keep the processes in filter_pids */
const volatile __u8 filter_follow = 0;  /* ... and their descendants */
const volatile char filter_comm[16] = {}; /* keep tasks with this comm ("" = no comm filter) */
const volatile __u8 filter_cgroup = 0;  /* keep tasks in the cgroups of filter_cgroups (--container) */

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PROT_EXEC 0x4
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define SIGCHLD 17

#define HDR 24u                           /* struct kite_evt */
#define MASK (KB_HALF - 1)
#define TMP_SIZE 8192                     /* path assembly, built backwards */
#define TMP_MASK (TMP_SIZE / 2 - 1)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KB_NSLOTS);
	__type(key, u32);
	__type(value, struct kb_spec);
} specs SEC(".maps");

/* Where a record is assembled before it is copied to a ring: twice KB_HALF so masked offsets stay inside. */
struct scratch {
	u8 buf[2 * KB_HALF];
};
/* Two slots per CPU (record, path assembly); a plain array because per-CPU values are capped at 32 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* the loader sets 2 x CPUs */
	__type(key, u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Arguments the kernel may read again after entry (paths, connect's address), saved at entry. */
struct entry_save {
	u32 nr;
	u32 len;
	u8 data[KB_ENTRY_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct entry_save);
} entry_store SEC(".maps");

struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* the loader sets the real size */
};
/* One ring per CPU: a single shared ring collapses under contention. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* the loader sets the CPU count */
	__type(key, u32);
	__array(values, struct ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct kb_drops);
} drops SEC(".maps");

/* The processes --pid selects (thread group ids); --follow adds their children as they appear. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, u8);
} filter_pids SEC(".maps");

/*
 * v & mask, done in a register the compiler cannot drop: the verifier must see
 * the bound on the very value passed to a helper or added to a pointer.
 */
#define BOUND(v, mask)                                             \
	({                                                          \
		u64 __b = (u64)(v);                                 \
		asm volatile("%0 &= %1" : "+r"(__b) : "i"(mask));    \
		__b;                                                \
	})

/* Everything a parameter's code may need. */
struct fill {
	struct kb_spec *spec;
	struct pt_regs *regs;   /* user registers of the syscall (NULL for sched events) */
	struct task_struct *task;
	u8 *buf;
	u8 *tmp;
	long ret;
	u32 off;
	u32 nr;
};

/* ---- small readers ---- */

/*
 * Syscall argument n from the user registers.  Not inlined: the verifier
 * rejects a load the compiler would share between regs (a BTF pointer) and
 * a stack slot.
 */
static __noinline u64 user_reg(struct pt_regs *regs, u32 n)
{
	if (!regs)
		return 0;
	switch (n) { /* direct loads: regs is a BTF pointer, no helper call needed */
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return 0;
}

static __always_inline u64 reg_arg(struct pt_regs *regs, long ret, u32 arg)
{
	return arg == KB_ARG_RET ? (u64)ret : user_reg(regs, arg);
}

/* Plain stores into the record (a map value): no helper call per field. */
static __always_inline u32 put_int(struct fill *f, u64 v, u32 width)
{
	u8 *dst = f->buf + BOUND(f->off, MASK);
	switch (width) {
	case 1: *dst = (u8)v; return 1;
	case 2: { u16 x = (u16)v; __builtin_memcpy(dst, &x, 2); return 2; }
	case 4: { u32 x = (u32)v; __builtin_memcpy(dst, &x, 4); return 4; }
	default: __builtin_memcpy(dst, &v, 8); return 8;
	}
}

/* A NUL-terminated user string, stored without its NUL. */
static __always_inline u32 put_user_str(struct fill *f, const void *p)
{
	if (!p)
		return 0;
	long n = bpf_probe_read_user_str(f->buf + BOUND(f->off, MASK), KB_STR_MAX, p);
	return n > 1 ? (u32)(n - 1) : 0;
}

static __always_inline u32 put_kernel_str(struct fill *f, const void *p, u32 max)
{
	long n = bpf_probe_read_kernel_str(f->buf + BOUND(f->off, MASK), BOUND(max, KB_STR_MAX - 1), p);
	return n > 1 ? (u32)(n - 1) : 0;
}

static __always_inline u32 put_user_bytes(struct fill *f, const void *p, u64 n, u32 max)
{
	if (!p || (s64)n <= 0)
		return 0;
	if (n > max)
		n = max;
	n = BOUND(n, 2 * KB_DATA_MAX - 1);
	if (n > KB_DATA_MAX)
		n = KB_DATA_MAX;
	if (bpf_probe_read_user(f->buf + BOUND(f->off, MASK), BOUND(n, 2 * KB_DATA_MAX - 1), p))
		return 0;
	return (u32)n;
}

/* The socket of a file (private_data is untyped, so it is cast back), or NULL. */
static __always_inline struct sock *file_sock(struct file *file)
{
	if (!file || (file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	return sock ? sock->sk : NULL;
}

static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds = fdt->fd;
	unsigned int max = fdt->max_fds;
	struct file *file = NULL;
	if (fd < 0 || (unsigned long)fd >= max)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	/* typed again, so file->f_inode->... are plain loads instead of one helper call per hop */
	return file ? bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file)) : NULL;
}

/* The kernel's internal dev_t (major << 20 | minor) in user space's new_encode_dev layout. */
static __always_inline u32 encode_dev(u32 dev)
{
	u32 major = dev >> 20, minor = dev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* ---- sockets ---- */

/*
 * A unix socket name of n bytes (kernel memory): a pathname ends at its NUL,
 * an abstract name (leading NUL) is exactly n bytes.
 */
static __always_inline u32 put_unix_path(u8 *dst, const u8 *src, u32 n)
{
	u8 first = 0;
	if (n == 0 || bpf_probe_read_kernel(&first, 1, src))
		return 0;
	if (n > 108)
		n = 108;
	if (first == 0)
		return bpf_probe_read_kernel(dst, BOUND(n, 127), src) ? 0 : n;
	long got = bpf_probe_read_kernel_str(dst, 109, src);
	return got > 1 ? (u32)(got - 1) : 0;
}

/* Converts a struct sockaddr (kernel copy at src, len bytes) to kite's encoding at the write offset. */
static __always_inline u32 put_sockaddr_raw(struct fill *f, const u8 *src, u32 len)
{
	u8 *dst = f->buf + BOUND(f->off, MASK);
	u16 family = 0, port = 0;
	bpf_probe_read_kernel(&family, 2, src);
	bpf_probe_read_kernel(&port, 2, src + 2);
	port = bpf_ntohs(port);
	if (family == AF_INET && len >= 8) {
		dst[0] = AF_INET;
		bpf_probe_read_kernel(dst + 1, 4, src + 4);
		bpf_probe_read_kernel(dst + 5, 2, &port);
		return 7;
	}
	if (family == AF_INET6 && len >= 24) {
		dst[0] = AF_INET6;
		bpf_probe_read_kernel(dst + 1, 16, src + 8);
		bpf_probe_read_kernel(dst + 17, 2, &port);
		return 19;
	}
	if (family == AF_UNIX && len > 2) {
		dst[0] = AF_UNIX;
		return 1 + put_unix_path(dst + 1, src + 2, len - 2);
	}
	return 0;
}

static __always_inline u32 put_user_sockaddr(struct fill *f, const void *p, u64 len)
{
	if (!p || len < 2)
		return 0;
	if (len > 128)
		len = 128;
	u8 *tmp = f->tmp;
	if (bpf_probe_read_user(tmp, BOUND(len, 255), p))
		return 0;
	return put_sockaddr_raw(f, tmp, (u32)len);
}

/*
 * Both ends of the socket behind fd, client first as Falco's tuple: the local
 * end first, except for accepted sockets (remote_first), whose client is the
 * remote end.
 */
static __always_inline u32 put_tuple(struct fill *f, long fd, int remote_first)
{
	struct sock *sk = file_sock(fd_file(f->task, fd));
	if (!sk)
		return 0;
	u16 family = sk->__sk_common.skc_family;
	u16 lport = sk->__sk_common.skc_num;
	u16 rport = bpf_ntohs(sk->__sk_common.skc_dport);
	u8 *dst = f->buf + BOUND(f->off, MASK);
	u32 a = remote_first ? 7 : 1, b = remote_first ? 1 : 7; /* where the local and remote ends go */
	dst[0] = (u8)family;
	if (family == AF_INET) {
		u32 laddr = sk->__sk_common.skc_rcv_saddr;
		u32 raddr = sk->__sk_common.skc_daddr;
		bpf_probe_read_kernel(dst + a, 4, &laddr);
		bpf_probe_read_kernel(dst + a + 4, 2, &lport);
		bpf_probe_read_kernel(dst + b, 4, &raddr);
		bpf_probe_read_kernel(dst + b + 4, 2, &rport);
		return 13;
	}
	if (family == AF_INET6) {
		a = remote_first ? 19 : 1;
		b = remote_first ? 1 : 19;
		bpf_probe_read_kernel(dst + a, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(dst + a + 16, 2, &lport);
		bpf_probe_read_kernel(dst + b, 16, &sk->__sk_common.skc_v6_daddr);
		bpf_probe_read_kernel(dst + b + 16, 2, &rport);
		return 37;
	}
	if (family == AF_UNIX) {
		struct unix_sock *us = (struct unix_sock *)sk;
		u64 src = (u64)sk, peer = (u64)BPF_CORE_READ(us, peer);
		bpf_probe_read_kernel(dst + 1, 8, &src);
		bpf_probe_read_kernel(dst + 9, 8, &peer);
		/* the bound name: this end's, or the peer's for an unbound client */
		struct unix_address *addr = BPF_CORE_READ(us, addr);
		if (!addr && peer)
			addr = BPF_CORE_READ((struct unix_sock *)peer, addr);
		if (!addr)
			return 17;
		int len = BPF_CORE_READ(addr, len);
		return 17 + put_unix_path(dst + 17, (u8 *)addr->name + 2, len > 2 ? (u32)len - 2 : 0);
	}
	return 1;
}

/* ---- paths ---- */

struct walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	u8 *tmp;
	u32 pos;     /* start of the path built so far, at the end of tmp */
	int done;
	int pseudo;  /* ended at a dentry that is its own parent without being a mount's root (memfd) */
};

static long walk_step(u32 i, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct dentry *root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == parent && dentry != root) {
		/*
		 * A pseudo file (memfd, an anonymous shmem file): no path leads to
		 * it, so the kernel's d_path gives "/NAME (deleted)"; so does this.
		 */
		w->pseudo = 1;
		parent = NULL;
	} else if (dentry == root || dentry == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt == up || dentry == parent) { /* the root of everything */
			w->done = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = (struct vfsmount *)((u8 *)up + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	u32 len = BPF_CORE_READ(dentry, d_name.len);
	const u8 *name = BPF_CORE_READ(dentry, d_name.name);
	if (len > 255 || w->pos < len + 1) {
		w->done = 1;
		return 1;
	}
	w->pos -= len;
	bpf_probe_read_kernel(w->tmp + BOUND(w->pos, TMP_MASK), BOUND(len, 255), name);
	w->pos -= 1;
	w->tmp[BOUND(w->pos, TMP_MASK)] = '/';
	w->dentry = parent;
	return parent ? 0 : 1;
}

/* The absolute path of a struct path, resolved across mounts (bpf_d_path is not allowed here). */
static __always_inline u32 put_path(struct fill *f, struct path *p)
{
	struct walk w = {.tmp = f->tmp, .pos = TMP_SIZE / 2};
	w.dentry = BPF_CORE_READ(p, dentry);
	w.vfsmnt = BPF_CORE_READ(p, mnt);
	if (!w.dentry || !w.vfsmnt)
		return 0;
	w.mnt = (struct mount *)((u8 *)w.vfsmnt - bpf_core_field_offset(struct mount, mnt));
	bpf_loop(64, walk_step, &w, 0);
	u32 n = TMP_SIZE / 2 - w.pos;
	u8 *dst = f->buf + BOUND(f->off, MASK);
	if (n == 0) {
		dst[0] = '/';
		return 1;
	}
	u32 extra = w.pseudo ? 10 : 0; /* " (deleted)" */
	if (n + extra > KB_STR_MAX - 1)
		return 0;
	bpf_probe_read_kernel(dst, BOUND(n, KB_STR_MAX - 1), f->tmp + BOUND(w.pos, TMP_MASK));
	if (extra) {
		u8 *end = f->buf + BOUND(f->off + n, MASK);
		__builtin_memcpy(end, " (deleted)", 10);
	}
	return n + extra;
}

/* ---- cgroups ---- */

/* Linux 6.15 renamed kernfs_node.parent to __parent; CO-RE picks whichever the kernel has. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

struct kn_walk {
	struct kernfs_node *kn;
	u8 *tmp;
	u32 pos;
};

static long kn_step(u32 i, void *ctx)
{
	struct kn_walk *w = ctx;
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent = kn ? kn_parent(kn) : NULL;
	if (!parent)
		return 1; /* the root: its name is not part of the path */
	const char *name = BPF_CORE_READ(kn, name);
	char probe[1];
	long n = bpf_probe_read_kernel_str(w->tmp + TMP_SIZE / 2, 256, name); /* measure, in the spare half */
	if (n <= 1 || w->pos < (u32)n || bpf_probe_read_kernel(probe, 1, name))
		return 1;
	w->pos -= (u32)n - 1;
	bpf_probe_read_kernel(w->tmp + BOUND(w->pos, TMP_MASK), BOUND(n - 1, 255), name);
	w->pos -= 1;
	w->tmp[BOUND(w->pos, TMP_MASK)] = '/';
	w->kn = parent;
	return 0;
}

/* Appends "PREFIX/path/of/kn" at dst (at most max bytes); returns the bytes written. */
static __always_inline u32 put_kn_path(struct fill *f, u8 *dst, struct kernfs_node *kn)
{
	struct kn_walk w = {.tmp = f->tmp, .pos = TMP_SIZE / 2, .kn = kn};
	bpf_loop(32, kn_step, &w, 0);
	u32 n = TMP_SIZE / 2 - w.pos;
	if (n == 0) {
		dst[0] = '/';
		return 1;
	}
	if (n > 2040)
		return 0;
	bpf_probe_read_kernel(dst, BOUND(n, 2047), f->tmp + BOUND(w.pos, TMP_MASK));
	return n;
}

/*
 * The task's cgroups as /proc/PID/cgroup writes them, NUL-separated: the
 * unified (v2) hierarchy "0::/path", and on hybrid hosts the v1 memory
 * controller "N:memory:/path", where container runtimes also place containers.
 */
static __always_inline u32 put_cgroups(struct fill *f, struct task_struct *t)
{
	u8 *dst = f->buf + BOUND(f->off, MASK);
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
	if (!kn)
		return 0;
	dst[0] = '0';
	dst[1] = ':';
	dst[2] = ':';
	u32 n = 3 + put_kn_path(f, dst + 3, kn);
	dst[BOUND(n, 2047)] = 0;
	n++;
	int mem = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = BPF_CORE_READ(t, cgroups, subsys[BOUND(mem, 15)]);
	struct cgroup *cg = BPF_CORE_READ(css, cgroup);
	int id = BPF_CORE_READ(cg, root, hierarchy_id);
	if (!css || !cg || id <= 0 || id > 9)
		return n;
	u8 *m = dst + BOUND(n, 2047);
	m[0] = '0' + (u8)id;
	__builtin_memcpy(m + 1, ":memory:", 8);
	return n + 9 + put_kn_path(f, m + 9, BPF_CORE_READ(cg, kn));
}

/* ---- the process an event is about ---- */

/* argv or environ: the bytes between start and end of the task's user memory (current's mm). */
static __always_inline u32 put_mm_area(struct fill *f, u64 start, u64 end, int skip_first)
{
	if (!start || end <= start)
		return 0;
	if (skip_first) { /* args: what follows argv[0] */
		long first = bpf_probe_read_user_str(f->tmp, KB_STR_MAX, (void *)start);
		if (first <= 0 || start + (u64)first >= end)
			return 0;
		start += (u64)first;
	}
	u64 n = end - start;
	if (n > KB_STR_MAX - 1)
		n = KB_STR_MAX - 1;
	if (bpf_probe_read_user(f->buf + BOUND(f->off, MASK), BOUND(n, KB_STR_MAX - 1), (void *)start))
		return 0;
	return (u32)n;
}

static __always_inline u32 put_argv0(struct fill *f, struct mm_struct *mm)
{
	u64 start = BPF_CORE_READ(mm, arg_start);
	if (!start)
		return 0;
	return put_user_str(f, (void *)start);
}

/* ---- files: overlayfs layer, inode times ---- */

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
enum { OVL_NONE = 0, OVL_UPPER = 1, OVL_LOWER = 2 };

/*
 * Which overlayfs layer a file comes from, as Falco tells it: an overlay
 * inode is the vfs_inode of a struct ovl_inode, followed by __upperdentry;
 * a file with an upper dentry (that has an inode) is in the upper layer, any
 * other overlay file in a lower one.  Where the kernel's BTF lacks ovl_inode
 * (overlay built as a module), the upper dentry is taken to follow the inode
 * directly, which it does in every kernel with overlayfs.
 */
static __always_inline int overlay_layer(struct file *file)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	if (!dentry || BPF_CORE_READ(dentry, d_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return OVL_NONE;
	u8 *inode = (u8 *)BPF_CORE_READ(dentry, d_inode);
	u64 off = bpf_core_type_size(struct inode);
	if (bpf_core_type_exists(struct ovl_inode))
		off = bpf_core_field_offset(struct ovl_inode, __upperdentry) -
		      bpf_core_field_offset(struct ovl_inode, vfs_inode);
	struct dentry *upper = NULL;
	if (!inode || bpf_probe_read_kernel(&upper, sizeof(upper), inode + off) || !upper)
		return OVL_LOWER;
	return BPF_CORE_READ(upper, d_inode, i_ino) ? OVL_UPPER : OVL_LOWER;
}

/*
 * Inode times moved twice: a struct timespec64 i_ctime/i_mtime until Linux
 * 6.6/6.7 renamed them __i_ctime/__i_mtime, then i_{c,m}time_sec and _nsec
 * since 6.11.  CO-RE picks whichever the running kernel has.
 */
struct inode___v66 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

#define I_CTIME_QUERIED (1u << 31) /* 6.13+: multigrain timestamps flag a queried ctime in i_ctime_nsec */

static __always_inline u64 epoch_ns(s64 sec, u64 nsec)
{
	return sec < 0 ? 0 : (u64)sec * 1000000000ull + nsec;
}

/* The inode's ctime (ctime != 0) or mtime, in ns since the epoch. */
static __always_inline u64 inode_time(struct inode *ino, int ctime)
{
	struct timespec64 ts = {};
	if (!ino)
		return 0;
	if (ctime) {
		if (bpf_core_field_exists(ino->i_ctime_sec))
			return epoch_ns(BPF_CORE_READ(ino, i_ctime_sec),
			                BPF_CORE_READ(ino, i_ctime_nsec) & ~I_CTIME_QUERIED);
		if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_ctime))
			BPF_CORE_READ_INTO(&ts, (struct inode___v66 *)ino, __i_ctime);
		else
			BPF_CORE_READ_INTO(&ts, (struct inode___old *)ino, i_ctime);
	} else {
		if (bpf_core_field_exists(ino->i_mtime_sec))
			return epoch_ns(BPF_CORE_READ(ino, i_mtime_sec), BPF_CORE_READ(ino, i_mtime_nsec));
		if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_mtime))
			BPF_CORE_READ_INTO(&ts, (struct inode___v66 *)ino, __i_mtime);
		else
			BPF_CORE_READ_INTO(&ts, (struct inode___old *)ino, i_mtime);
	}
	return epoch_ns(ts.tv_sec, (u64)ts.tv_nsec);
}

static __always_inline u32 exe_flags(struct task_struct *t)
{
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	const u8 *name = BPF_CORE_READ(exe, f_path.dentry, d_name.name);
	char prefix[6] = {};
	u32 flags = 0;
	bpf_probe_read_kernel(prefix, sizeof(prefix), name);
	/* memfd files are named "memfd:NAME": an exec from one is fileless */
	if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	    prefix[5] == ':')
		flags |= 0x4; /* KITE_EXE_FROM_MEMFD */
	int layer = exe ? overlay_layer(exe) : OVL_NONE;
	if (layer == OVL_UPPER)
		flags |= 0x2; /* KITE_EXE_UPPER_LAYER */
	else if (layer == OVL_LOWER)
		flags |= 0x8; /* KITE_EXE_LOWER_LAYER */
	return flags;
}

static __always_inline u32 pid_nr_ns_top(struct pid *pid)
{
	unsigned int level = BPF_CORE_READ(pid, level);
	return BPF_CORE_READ(pid, numbers[level & 7].nr);
}

/* The loader says in `arg` where the flags are: see enum kb_clone_src. */
static __always_inline u64 clone_flags(struct fill *f, u32 how)
{
	switch (how) {
	case KB_CLONE_ARG0:
		return reg_arg(f->regs, 0, 0);
	case KB_CLONE_ARGS_STRUCT: {
		u64 flags = 0; /* clone_args.flags is its first field */
		bpf_probe_read_user(&flags, 8, (void *)reg_arg(f->regs, 0, 0));
		return flags;
	}
	case KB_CLONE_VFORK:
		return CLONE_VM | CLONE_VFORK | SIGCHLD;
	default:
		return SIGCHLD;
	}
}

/* Before Linux 6.2, mm->rss_stat was a struct of atomic counters; since, an array of percpu_counters. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* One memory counter of the task, in pages (the shared count: per-CPU deltas not yet folded in). */
static __always_inline s64 mm_counter(struct mm_struct *mm, int which)
{
	s64 v = 0;
	if (bpf_core_field_exists(((struct mm_struct___old *)mm)->rss_stat.count))
		v = BPF_CORE_READ((struct mm_struct___old *)mm, rss_stat.count[BOUND(which, 3)].counter);
	else
		v = BPF_CORE_READ(mm, rss_stat[BOUND(which, 3)].count);
	return v > 0 ? v : 0;
}

/* The controlling terminal as /proc/PID/stat's tty_nr (new_encode_dev of the tty's device), 0 if none. */
static __always_inline u32 tty_nr(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	u32 major = BPF_CORE_READ(tty, driver, major);
	u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* The kernel address of the socket behind fd (socketpair's source and peer). */
static __always_inline u64 socket_of(struct fill *f, int fd)
{
	struct file *file = fd_file(f->task, fd);
	if (!file)
		return 0;
	/* read as a number through a helper: a typed pointer cannot be turned into one */
	struct socket *sock = BPF_CORE_READ(file, private_data);
	return (u64)BPF_CORE_READ(sock, sk);
}

static __always_inline u32 put_process(struct fill *f, struct kb_param *p)
{
	struct task_struct *t = f->task;
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	const struct cred *cred = BPF_CORE_READ(t, cred);
	u8 *dst = f->buf + BOUND(f->off, MASK);
	switch (p->special) {
	case KB_SP_EXE: return mm ? put_argv0(f, mm) : 0;
	case KB_SP_ARGS: return mm ? put_mm_area(f, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end), 1) : 0;
	case KB_SP_ENV:
		if (no_env || !mm)
			return 0;
		return put_mm_area(f, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), 0);
	case KB_SP_TID: return put_int(f, BPF_CORE_READ(t, pid), 8);
	case KB_SP_PID: return put_int(f, BPF_CORE_READ(t, tgid), 8);
	case KB_SP_PTID: return put_int(f, BPF_CORE_READ(t, real_parent, pid), 8);
	case KB_SP_CWD: {
		struct path pwd;
		if (BPF_CORE_READ_INTO(&pwd, t, fs, pwd))
			return 0;
		return put_path(f, &pwd);
	}
	case KB_SP_EXEPATH: {
		struct path exe;
		if (!mm || BPF_CORE_READ_INTO(&exe, mm, exe_file, f_path))
			return 0;
		return put_path(f, &exe);
	}
	case KB_SP_FDLIMIT: return put_int(f, BPF_CORE_READ(t, signal, rlim[7].rlim_cur), p->width); /* RLIMIT_NOFILE */
	case KB_SP_PGFT_MAJ: return put_int(f, BPF_CORE_READ(t, maj_flt), p->width);
	case KB_SP_PGFT_MIN: return put_int(f, BPF_CORE_READ(t, min_flt), p->width);
	case KB_SP_VM_SIZE: return mm ? put_int(f, BPF_CORE_READ(mm, total_vm) * 4, p->width) : 0; /* KiB */
	case KB_SP_COMM: return put_kernel_str(f, t->comm, 16);
	case KB_SP_PGID: return put_int(f, pid_nr_ns_top(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID])), 8);
	case KB_SP_LOGINUID: return put_int(f, BPF_CORE_READ(t, loginuid.val), 4);
	case KB_SP_EXE_FLAGS: return put_int(f, exe_flags(t), p->width);
	case KB_SP_CAP_INH: bpf_probe_read_kernel(dst, 8, &cred->cap_inheritable); return 8;
	case KB_SP_CAP_PRM: bpf_probe_read_kernel(dst, 8, &cred->cap_permitted); return 8;
	case KB_SP_CAP_EFF: bpf_probe_read_kernel(dst, 8, &cred->cap_effective); return 8;
	case KB_SP_EXE_INO: return mm ? put_int(f, BPF_CORE_READ(mm, exe_file, f_inode, i_ino), 8) : 0;
	case KB_SP_EXE_CTIME:
	case KB_SP_EXE_MTIME: {
		struct inode *ino = BPF_CORE_READ(mm, exe_file, f_inode);
		return mm && ino ? put_int(f, inode_time(ino, p->special == KB_SP_EXE_CTIME), 8) : 0;
	}
	case KB_SP_UID: return put_int(f, BPF_CORE_READ(cred, euid.val), 4);
	case KB_SP_GID: return put_int(f, BPF_CORE_READ(cred, egid.val), 4);
	case KB_SP_VTID: return put_int(f, pid_nr_ns_top(BPF_CORE_READ(t, thread_pid)), 8);
	case KB_SP_VPID: return put_int(f, pid_nr_ns_top(BPF_CORE_READ(t, group_leader, thread_pid)), 8);
	case KB_SP_CLONE_FLAGS: return put_int(f, clone_flags(f, p->arg), p->width);
	case KB_SP_CGROUPS: return put_cgroups(f, t);
	case KB_SP_VM_RSS: /* KiB, like /proc's VmRSS: file, anonymous and shared-memory pages */
		return mm ? put_int(f, 4 * (mm_counter(mm, 0) + mm_counter(mm, 1) + mm_counter(mm, 3)), p->width) : 0;
	case KB_SP_VM_SWAP: return mm ? put_int(f, 4 * mm_counter(mm, 2), p->width) : 0;
	case KB_SP_TTY: return put_int(f, tty_nr(t), p->width);
	case KB_SP_PIDNS_START: {
		struct task_struct *init = BPF_CORE_READ(t, nsproxy, pid_ns_for_children, child_reaper);
		if (!init)
			return 0;
		return put_int(f, BPF_CORE_READ(init, start_boottime) + boot_offset_ns, p->width); /* boot-time based, like our clock */
	}
	}
	return 0;
}

/* ---- I/O sizes ---- */

#define UIO_MAXIOV 1024 /* the kernel refuses more iovecs */

struct iov_sum {
	u64 vec, cnt, total;
	int failed;
};

static long iov_step(u32 i, void *ctx)
{
	struct iov_sum *s = ctx;
	struct iovec iov;
	if (i >= s->cnt)
		return 1;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(s->vec + (u64)i * sizeof(iov)))) {
		s->failed = 1;
		return 1;
	}
	s->total += iov.iov_len;
	return 0;
}

/* The sum of the iov_len of cnt iovecs at vec (user memory); -1 if they cannot be read. */
static __always_inline s64 iov_total(void *vec, u64 cnt)
{
	struct iov_sum s = {.vec = (u64)vec, .cnt = cnt};
	if (!vec || cnt > UIO_MAXIOV)
		return -1;
	bpf_loop(UIO_MAXIOV, iov_step, &s, 0);
	return s.failed ? -1 : (s64)s.total;
}

/* ---- process exit: who inherits the children ---- */

#define PF_EXITING     0x4
#define MAX_THREADS    1024 /* threads of a group looked at for a live one */
#define MAX_ANCESTORS  128  /* ancestors looked at for a child subreaper */

struct thread_walk {
	u64 head; /* &signal->thread_head */
	u64 node; /* the current thread's thread_node */
	s32 tid;  /* a live thread found */
	int done;
};

static long thread_step(u32 i, void *ctx)
{
	struct thread_walk *w = ctx;
	if (!w->node || w->node == w->head) {
		w->done = 1;
		return 1;
	}
	u64 off = bpf_core_field_offset(struct task_struct, thread_node);
	struct task_struct *t = (struct task_struct *)(w->node - off);
	if (!(BPF_CORE_READ(t, flags) & PF_EXITING)) {
		w->tid = BPF_CORE_READ(t, pid);
		w->done = 1;
		return 1;
	}
	w->node = (u64)BPF_CORE_READ(t, thread_node.next);
	return 0;
}

/* A thread of t's group that is not exiting: its tid; 0 if none; -1 if there were too many to look at. */
static __always_inline s32 alive_thread(struct task_struct *t)
{
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!sig)
		return 0;
	struct thread_walk w = {.head = (u64)sig + bpf_core_field_offset(struct signal_struct, thread_head)};
	w.node = (u64)BPF_CORE_READ(sig, thread_head.next);
	bpf_loop(MAX_THREADS, thread_step, &w, 0);
	return w.tid ? w.tid : w.done ? 0 : -1;
}

struct ancestor_walk {
	u64 task;         /* the ancestor looked at */
	u64 child_reaper; /* the pid namespace's init */
	u32 level;        /* the pid namespace's level: the walk stays in it */
	s32 tid;
	int done;
};

static long ancestor_step(u32 i, void *ctx)
{
	struct ancestor_walk *w = ctx;
	struct task_struct *t = (struct task_struct *)w->task;
	if (!t || w->task == w->child_reaper || BPF_CORE_READ(t, pid) == 0 ||
	    BPF_CORE_READ(t, thread_pid, level) != w->level) {
		w->done = 1; /* the namespace's init, init_task, or out of the namespace */
		return 1;
	}
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (sig && BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper)) {
		s32 tid = alive_thread(t);
		if (tid) {
			w->tid = tid;
			w->done = 1;
			return 1;
		}
	}
	w->task = (u64)BPF_CORE_READ(t, real_parent);
	return 0;
}

/*
 * Where the kernel is about to move the children of the exiting task
 * (forget_original_parent, find_new_reaper), as Falco computes it at
 * sched_process_exit: 0 if it has no children; else a live thread of its
 * own group; else the nearest ancestor in its pid namespace that is a child
 * subreaper (PR_SET_CHILD_SUBREAPER) with a live thread; else the
 * namespace's init (0 when that is the exiting task: the namespace dies with
 * it).  -1 when a bound stopped the search before an answer.
 */
static __always_inline s64 reaper_tid(struct task_struct *task)
{
	/* an empty children list points at itself: next->prev == next */
	struct list_head *first = BPF_CORE_READ(task, children.next);
	if (!first || (u64)BPF_CORE_READ(first, prev) == (u64)first)
		return 0;
	s32 tid = alive_thread(task);
	if (tid)
		return tid;
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	u32 level = BPF_CORE_READ(pid, level);
	struct pid_namespace *ns = BPF_CORE_READ(pid, numbers[level & 63].ns);
	struct task_struct *init = BPF_CORE_READ(ns, child_reaper);
	if (!init)
		return -1;
	s32 init_tid = BPF_CORE_READ(init, pid);
	if (init_tid == task->pid)
		return 0;
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	if (!sig || !BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper))
		return init_tid;
	struct ancestor_walk w = {.child_reaper = (u64)init, .level = level};
	w.task = (u64)BPF_CORE_READ(task, real_parent);
	bpf_loop(MAX_ANCESTORS, ancestor_step, &w, 0);
	if (w.tid)
		return w.tid;
	return w.done ? init_tid : -1;
}

/* ---- one parameter ---- */

static __always_inline u32 put_entry(struct fill *f, struct kb_param *p)
{
	struct entry_save *e = bpf_task_storage_get(&entry_store, f->task, 0, 0);
	if (e && e->nr == f->nr) {
		e->nr = ~0u; /* used once */
		if (e->len <= KB_ENTRY_MAX) {
			if (p->op == KB_OP_USOCKADDR)
				return put_sockaddr_raw(f, e->data, e->len);
			u32 n = BOUND(e->len, KB_ENTRY_MAX - 1);
			bpf_probe_read_kernel(f->buf + BOUND(f->off, MASK), BOUND(n, KB_ENTRY_MAX - 1), e->data);
			return n;
		}
	}
	/*
	 * Entered before the recorder attached, or the entry hook could not read
	 * the memory (KB_ENTRY_UNREAD: a page not faulted in yet, which a BPF
	 * program cannot do; the syscall itself has faulted it in since): read it now.
	 */
	u64 v = reg_arg(f->regs, f->ret, p->arg);
	if (p->op == KB_OP_USOCKADDR)
		return put_user_sockaddr(f, (void *)v, reg_arg(f->regs, f->ret, p->arg + 1));
	return put_user_str(f, (void *)v);
}

static __always_inline u32 put_special(struct fill *f, struct kb_param *p)
{
	u8 *dst = f->buf + BOUND(f->off, MASK);
	switch (p->special) {
	case KB_SP_ENTRY: return put_entry(f, p);
	case KB_SP_TUPLE_ARG0: return put_tuple(f, (s32)reg_arg(f->regs, 0, 0), 0);
	case KB_SP_TUPLE_RET: return f->ret >= 0 ? put_tuple(f, f->ret, 1) : 0;
	case KB_SP_DEV_RET:
	case KB_SP_INO_RET:
	case KB_SP_PIPE_INO: {
		long fd = f->ret;
		if (p->special == KB_SP_PIPE_INO) {
			int fds[2] = {-1, -1};
			bpf_probe_read_user(fds, sizeof(fds), (void *)reg_arg(f->regs, 0, 0));
			fd = fds[0];
		}
		struct file *file = f->ret >= 0 ? fd_file(f->task, fd) : NULL;
		if (!file)
			return 0;
		struct inode *ino = file->f_inode;
		if (p->special == KB_SP_DEV_RET)
			return put_int(f, encode_dev(ino->i_sb->s_dev), 4);
		return put_int(f, ino->i_ino, 8);
	}
	case KB_SP_DATA_ARG1:
		return put_user_bytes(f, (void *)reg_arg(f->regs, 0, 1), (u64)f->ret, snaplen);
	case KB_SP_IOV_ARG1:
	case KB_SP_MSG_ARG1: {
		struct iovec iov = {};
		void *vec = (void *)reg_arg(f->regs, 0, 1);
		if (p->special == KB_SP_MSG_ARG1) {
			struct user_msghdr msg = {};
			if (bpf_probe_read_user(&msg, sizeof(msg), vec))
				return 0;
			vec = msg.msg_iov;
		}
		if (bpf_probe_read_user(&iov, sizeof(iov), vec))
			return 0;
		u64 n = (u64)f->ret < iov.iov_len ? (u64)f->ret : iov.iov_len;
		return put_user_bytes(f, iov.iov_base, n, snaplen);
	}
	case KB_SP_PIPE_FD0:
	case KB_SP_PIPE_FD1:
	case KB_SP_PAIR_FD0:
	case KB_SP_PAIR_FD1: {
		int fds[2] = {-1, -1};
		int pair = p->special == KB_SP_PAIR_FD0 || p->special == KB_SP_PAIR_FD1;
		if (f->ret < 0)
			return 0;
		bpf_probe_read_user(fds, sizeof(fds), (void *)reg_arg(f->regs, 0, pair ? 3 : 0));
		s64 fd = fds[0];
		if (p->special == KB_SP_PIPE_FD1 || p->special == KB_SP_PAIR_FD1)
			fd = fds[1];
		return put_int(f, (u64)fd, 8);
	}
	case KB_SP_HOW_FLAGS:
	case KB_SP_HOW_MODE:
	case KB_SP_HOW_RESOLVE: {
		u64 how[3] = {}; /* struct open_how: flags, mode, resolve */
		bpf_probe_read_user(how, sizeof(how), (void *)reg_arg(f->regs, 0, 2));
		u64 v = how[0];
		if (p->special == KB_SP_HOW_MODE)
			v = how[1];
		else if (p->special == KB_SP_HOW_RESOLVE)
			v = how[2];
		return put_int(f, v, p->width);
	}
	case KB_SP_EXIT_STATUS:
	case KB_SP_EXIT_RET:
	case KB_SP_EXIT_SIG:
	case KB_SP_EXIT_CORE: {
		struct task_struct *task = f->task;
		int code = BPF_CORE_READ(task, exit_code);
		u64 v = p->special == KB_SP_EXIT_STATUS ? (u64)(s64)code
		      : p->special == KB_SP_EXIT_RET    ? (u64)((code >> 8) & 0xff)
		      : p->special == KB_SP_EXIT_SIG    ? (u64)(code & 0x7f)
		                                        : (u64)((code & 0x80) != 0);
		return put_int(f, v, p->width);
	}
	case KB_SP_REAPER_TID: return put_int(f, (u64)reaper_tid(f->task), 8);
	case KB_SP_SYSCALL_NR: return put_int(f, f->nr, 8);
	case KB_SP_CREAT_FLAGS: {
		struct file *file = f->ret >= 0 ? fd_file(f->task, f->ret) : NULL;
		int layer = file ? overlay_layer(file) : OVL_NONE;
		/* Falco's PPM_FD_UPPER_LAYER_CREAT and PPM_FD_LOWER_LAYER_CREAT */
		return put_int(f, layer == OVL_UPPER ? 1 : layer == OVL_LOWER ? 2 : 0, p->width);
	}
	case KB_SP_RET_SIZE: return put_int(f, f->ret > 0 ? (u64)f->ret : 0, p->width);
	case KB_SP_IOV_SIZE:
	case KB_SP_MSG_SIZE: {
		void *vec = (void *)reg_arg(f->regs, 0, 1);
		u64 cnt = reg_arg(f->regs, 0, 2);
		if (p->special == KB_SP_MSG_SIZE) {
			struct user_msghdr msg = {};
			if (bpf_probe_read_user(&msg, sizeof(msg), vec))
				return 0;
			vec = msg.msg_iov;
			cnt = msg.msg_iovlen;
		}
		s64 total = iov_total(vec, cnt);
		return total >= 0 ? put_int(f, (u64)total, p->width) : 0;
	}
	case KB_SP_MSG_CONTROL: {
		struct user_msghdr msg = {};
		if (f->ret < 0 || bpf_probe_read_user(&msg, sizeof(msg), (void *)reg_arg(f->regs, 0, 1)))
			return 0;
		/* the kernel has set msg_controllen to the length of the control data it wrote */
		return put_user_bytes(f, msg.msg_control, msg.msg_controllen, KB_CTL_MAX);
	}
	case KB_SP_PRCTL_STR:
	case KB_SP_PRCTL_INT: {
		u64 option = reg_arg(f->regs, 0, 0), arg2 = reg_arg(f->regs, 0, 1);
		int is_name = option == 15 || option == 16; /* PR_SET_NAME, PR_GET_NAME: arg2 points at a name */
		if (p->special == KB_SP_PRCTL_STR)
			return is_name ? put_user_str(f, (void *)arg2) : 0;
		return is_name ? 0 : put_int(f, arg2, p->width);
	}
	case KB_SP_SENDFILE_OFFSET: {
		s64 off = 0;
		void *ptr = (void *)reg_arg(f->regs, 0, 2);
		if (!ptr || bpf_probe_read_user(&off, sizeof(off), ptr))
			return 0;
		return put_int(f, (u64)off, p->width);
	}
	case KB_SP_QUEUE_LEN:
	case KB_SP_QUEUE_MAX:
	case KB_SP_QUEUE_PCT: {
		/* the backlog of the listening socket (argument 0), after this accept took one */
		struct sock *sk = file_sock(fd_file(f->task, (s32)reg_arg(f->regs, 0, 0)));
		if (!sk)
			return 0;
		u32 len = sk->sk_ack_backlog, max = sk->sk_max_ack_backlog;
		u32 v = p->special == KB_SP_QUEUE_LEN ? len : p->special == KB_SP_QUEUE_MAX ? max
		      : (max ? len * 100 / max : 0);
		return put_int(f, v, p->width);
	}
	case KB_SP_URING_PARAM: {
		u32 params[6] = {}; /* sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features */
		if (f->ret < 0 || bpf_probe_read_user(params, sizeof(params), (void *)reg_arg(f->regs, 0, 1)))
			return 0;
		u32 v = 0;
		for (u32 i = 0; i < 6; i++) /* a loop, not params[arg]: the verifier wants a constant index */
			if (i == p->arg)
				v = params[i];
		return put_int(f, v, p->width);
	}
	case KB_SP_PAIR_SOURCE:
	case KB_SP_PAIR_PEER: {
		int fds[2] = {-1, -1};
		if (f->ret < 0 || bpf_probe_read_user(fds, sizeof(fds), (void *)reg_arg(f->regs, 0, 3)))
			return 0;
		u64 sock = socket_of(f, p->special == KB_SP_PAIR_SOURCE ? fds[0] : fds[1]);
		return sock ? put_int(f, sock, 8) : 0;
	}
	case KB_SP_RAW_ARGS:
		for (u32 i = 0; i < 6; i++) {
			u64 v = reg_arg(f->regs, 0, i);
			bpf_probe_read_kernel(dst + 8 * i, 8, &v);
		}
		return 48;
	}
	return put_process(f, p);
}

/*
 * Every parameter no generic rule covers goes through this one global
 * function.  The verifier checks a global function once, on its own, instead
 * of within every path of its caller: that keeps verification fast and far
 * from the instruction limit however many special parameters there are.  It
 * takes only numbers and the record buffer, and finds the task itself: every
 * event is about the current task (syscall exits, process exit).
 */
__noinline int kb_special(struct scratch *rec, u32 off, u32 param, s64 ret, u32 nr)
{
	if (!rec)
		return 0;
	u32 tmp_slot = 2 * bpf_get_smp_processor_id() + 1;
	struct scratch *tmp = bpf_map_lookup_elem(&scratch, &tmp_slot);
	if (!tmp)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fill f = {
		.task = task,
		.regs = (struct pt_regs *)bpf_task_pt_regs(task),
		.buf = rec->buf,
		.tmp = tmp->buf,
		.ret = ret,
		.off = off,
		.nr = nr,
	};
	struct kb_param p; /* passed as one number: BPF functions take five arguments at most */
	__builtin_memcpy(&p, &param, sizeof(p));
	if (off > KB_HALF - KB_DATA_MAX - 64)
		return 0;
	return (int)put_special(&f, &p);
}

static __always_inline u32 param_word(struct kb_param *p)
{
	u32 w;
	__builtin_memcpy(&w, p, sizeof(w));
	return w;
}

static long fill_param(u32 i, void *ctx)
{
	struct fill *f = ctx;
	if (i >= f->spec->nparams || i >= KB_MAX_PARAMS)
		return 1;
	u32 idx = i & (KB_MAX_PARAMS - 1);
	asm volatile("%0 &= 31" : "+r"(idx)); /* keep the bound where the verifier sees it (KB_MAX_PARAMS - 1) */
	struct kb_param p = f->spec->params[idx];
	u32 len = 0;
	/* nothing variable may start past this point, so every write stays inside KB_HALF */
	if (f->off <= KB_HALF - KB_DATA_MAX - 64) {
		switch (p.op) {
		case KB_OP_INT: {
			u64 v = reg_arg(f->regs, f->ret, p.arg);
			if (p.special == KB_INT_SEXT32) /* an int argument: its register's upper half is not a sign */
				v = (u64)(s64)(s32)v;
			len = put_int(f, v, p.width);
			break;
		}
		case KB_OP_USTR:
		case KB_OP_USOCKADDR:
			if (p.special == KB_SP_ENTRY)
				len = kb_special((struct scratch *)f->buf, f->off, param_word(&p), f->ret, f->nr);
			else if (p.op == KB_OP_USTR)
				len = put_user_str(f, (void *)reg_arg(f->regs, f->ret, p.arg));
			else
				len = put_user_sockaddr(f, (void *)reg_arg(f->regs, f->ret, p.arg),
				                        reg_arg(f->regs, f->ret, p.arg + 1));
			break;
		case KB_OP_SPECIAL:
			len = kb_special((struct scratch *)f->buf, f->off, param_word(&p), f->ret, f->nr);
			break;
		}
	}
	len = (u32)BOUND(len, 0xffff);
	u16 l = (u16)len;
	__builtin_memcpy(f->buf + HDR + 2 * BOUND(idx, KB_MAX_PARAMS - 1), &l, 2);
	f->off += len;
	return 0;
}

/* Builds the record for one event (spec: its slot in specs) about `task`, and hands it to this CPU's ring. */
static __always_inline int emit(struct kb_spec *spec, u32 nr, struct pt_regs *regs, long ret,
                                struct task_struct *task)
{
	u32 zero = 0, cpu = bpf_get_smp_processor_id();
	u32 rec_slot = 2 * cpu, tmp_slot = 2 * cpu + 1;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &rec_slot);
	struct scratch *t = bpf_map_lookup_elem(&scratch, &tmp_slot);
	if (!spec || !spec->event || !s || !t)
		return 0;
	u64 ts = bpf_ktime_get_boot_ns() + boot_offset_ns;
	struct fill f = {
		.spec = spec, .regs = regs, .task = task, .buf = s->buf, .tmp = t->buf, .ret = ret, .nr = nr,
		.off = HDR + 2 * spec->nparams,
	};
	if (spec->nparams > KB_MAX_PARAMS)
		return 0;
	bpf_loop(spec->nparams, fill_param, &f, 0);
	u32 len = (f.off + 7) & ~7u;
	u64 zero8 = 0;
	__builtin_memcpy(s->buf + BOUND(f.off, MASK), &zero8, 8); /* padding */
	struct {
		u64 ts;
		u32 tid, pid, len;
		u16 type, cpu;
	} hdr = {ts, task->pid, task->tgid, len, spec->event, (u16)cpu};
	__builtin_memcpy(s->buf, &hdr, sizeof(hdr));
	void *ring = bpf_map_lookup_elem(&rings, &cpu);
	if (len >= KB_HALF)
		return 0;
	if (!ring || bpf_ringbuf_output(ring, s->buf, BOUND(len, KB_HALF - 1), BPF_RB_NO_WAKEUP)) {
		struct kb_drops *d = bpf_map_lookup_elem(&drops, &zero);
		if (d) {
			if (d->n == 0)
				d->first_ts = ts;
			d->n++;
			d->last_ts = ts;
		}
	}
	return 0;
}

/* The cgroups (kernfs ids) of the containers --container selects, found by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u8);
} filter_cgroups SEC(".maps");

/* ---- source filters ---- */

/* Is the task in one of the selected cgroups: unified hierarchy, or the v1 memory controller? */
static __always_inline int in_container(struct task_struct *t)
{
	u64 id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	if (bpf_map_lookup_elem(&filter_cgroups, &id))
		return 1;
	int mem = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = BPF_CORE_READ(t, cgroups, subsys[BOUND(mem, 15)]);
	if (!css)
		return 0;
	id = BPF_CORE_READ(css, cgroup, kn, id);
	return bpf_map_lookup_elem(&filter_cgroups, &id) != NULL;
}

static __always_inline int comm_matches(struct task_struct *t)
{
	char comm[16];
	bpf_probe_read_kernel(comm, sizeof(comm), t->comm);
	for (int i = 0; i < 16; i++) {
		if (comm[i] != filter_comm[i])
			return 0;
		if (comm[i] == 0)
			return 1;
	}
	return 1;
}

/* Is this task's process one the filters select?  With --follow, a child of one joins. */
static __always_inline int selected(struct task_struct *t)
{
	if (filter_pid) {
		u32 tgid = t->tgid;
		if (bpf_map_lookup_elem(&filter_pids, &tgid))
			return 1;
		u32 parent = t->real_parent->tgid;
		if (filter_follow && bpf_map_lookup_elem(&filter_pids, &parent)) {
			u8 one = 1;
			bpf_map_update_elem(&filter_pids, &tgid, &one, BPF_ANY);
			return 1;
		}
	}
	if (filter_cgroup && in_container(t))
		return 1;
	return filter_comm[0] && comm_matches(t);
}

/* ---- programs ---- */

SEC("tp_btf/sys_exit")
int BPF_PROG(kite_sys_exit, struct pt_regs *regs, long ret)
{
	u64 nr = BPF_CORE_READ(regs, orig_ax);
	if (nr >= KB_MAX_SYSCALLS)
		return 0;
	u32 slot = (u32)nr;
	struct kb_spec *spec = bpf_map_lookup_elem(&specs, &slot);
	if (!spec || !spec->event)
		return 0; /* the filter first: most syscalls stop here */
	if ((spec->flags & KB_F_PROT_EXEC) && !(regs->dx & PROT_EXEC))
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	/*
	 * Filtered out: a --pid tree is followed from its root, so nothing else
	 * is needed; a process may take a --comm name, or join a --container,
	 * later (exec, prctl, a runtime moving it), so with those filters every
	 * process's state changes are kept.
	 */
	int keep_state = filter_comm[0] || filter_cgroup;
	if ((filter_pid || keep_state) && !selected(task) && !(keep_state && (spec->flags & KB_F_KEEP)))
		return 0;
	return emit(spec, slot, regs, ret, task);
}

/*
 * A new child returns from fork/clone through the syscall exit path, so
 * kite_sys_exit already records the child's side (return value 0, the
 * child's tid), as Falco reports it.  This program only keeps --follow
 * exact: the child joins the followed set while its parent is still known
 * (in the parent's context, before the child first runs), so a child whose
 * parent exits at once is not lost, nor are its own descendants.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(kite_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!filter_pid || !filter_follow)
		return 0;
	u32 ptgid = parent->tgid;
	if (!bpf_map_lookup_elem(&filter_pids, &ptgid))
		return 0;
	u32 ctgid = child->tgid;
	u8 one = 1;
	bpf_map_update_elem(&filter_pids, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kite_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, tgid) == self_tgid)
		return 0;
	/* an exit changes state: with --comm it is kept for every process, as in kite_sys_exit */
	int keep = !filter_pid || filter_comm[0] || filter_cgroup || selected(task);
	if (keep)
		emit(bpf_map_lookup_elem(&specs, &(u32){KB_SLOT_PROCEXIT}), 0, NULL, 0, task);
	/*
	 * The process is gone once its last thread exits (signal->live reached 0
	 * before this tracepoint): its number may soon belong to an unrelated one.
	 * Not when the leader alone exits: in a multithreaded exec the old leader
	 * dies while the exec'ing thread takes over its pid.
	 */
	if (filter_pid && BPF_CORE_READ(task, signal, live.counter) == 0) {
		u32 tgid = task->tgid;
		bpf_map_delete_elem(&filter_pids, &tgid);
	}
	return 0;
}

/*
 * Entry: only for the syscalls whose arguments the kernel may read again after
 * entry (the path of open*, connect's address), the loader sets entry_how[nr]:
 * 1 + n for a string at argument n, KB_ENTRY_SOCKADDR | n for a sockaddr at
 * argument n with its length in n + 1.  Every other syscall stops at the first
 * load.  (fentry hooks on the syscall functions alone would be cheaper, but
 * kernels built without ftrace direct calls refuse them; this works everywhere.)
 */
const volatile __u8 entry_how[KB_MAX_SYSCALLS] = {};

SEC("tp_btf/sys_enter")
int BPF_PROG(kite_sys_enter, struct pt_regs *regs, long id)
{
	if ((u64)id >= KB_MAX_SYSCALLS)
		return 0;
	u8 how = entry_how[BOUND(id, KB_MAX_SYSCALLS - 1)];
	if (!how || (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	struct entry_save *e = bpf_task_storage_get(&entry_store, bpf_get_current_task_btf(), 0,
	                                            BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e)
		return 0;
	e->nr = (u32)id;
	e->len = 0;
	if (how & KB_ENTRY_SOCKADDR) {
		u32 arg = how & 7;
		u64 len = reg_arg(regs, 0, arg + 1);
		if (len > 128)
			len = 128;
		if (len)
			e->len = bpf_probe_read_user(e->data, BOUND(len, 255), (void *)reg_arg(regs, 0, arg)) == 0
			                 ? (u32)len
			                 : KB_ENTRY_UNREAD;
		return 0;
	}
	long n = bpf_probe_read_user_str(e->data, KB_ENTRY_MAX, (void *)reg_arg(regs, 0, (how - 1) & 7));
	e->len = n > 1 ? (u32)(n - 1) : n == 1 ? 0 : KB_ENTRY_UNREAD;
	return 0;
}
