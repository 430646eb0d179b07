/* events.h - stable ids of kite's event types and flag tables (numbers are on disk: append only). */
#ifndef KITE_EVENTS_H
#define KITE_EVENTS_H

enum kite_event_id {
	KITE_EVT_NONE = 0,
	/* process life cycle */
	KITE_EVT_EXECVE = 1,
	KITE_EVT_EXECVEAT,
	KITE_EVT_CLONE,
	KITE_EVT_CLONE3,
	KITE_EVT_FORK,
	KITE_EVT_VFORK,
	KITE_EVT_PROCEXIT,
	/* files and fds */
	KITE_EVT_OPEN = 10,
	KITE_EVT_OPENAT,
	KITE_EVT_OPENAT2,
	KITE_EVT_CREAT,
	KITE_EVT_CLOSE,
	KITE_EVT_CLOSE_RANGE,
	KITE_EVT_DUP,
	KITE_EVT_DUP2,
	KITE_EVT_DUP3,
	KITE_EVT_FCNTL,
	KITE_EVT_PIPE,
	KITE_EVT_PIPE2,
	/* network */
	KITE_EVT_SOCKET = 30,
	KITE_EVT_SOCKETPAIR,
	KITE_EVT_CONNECT,
	KITE_EVT_ACCEPT,
	KITE_EVT_ACCEPT4,
	KITE_EVT_BIND,
	KITE_EVT_LISTEN,
	KITE_EVT_SENDTO,
	KITE_EVT_SENDMSG,
	KITE_EVT_RECVFROM,
	KITE_EVT_RECVMSG,
	KITE_EVT_SHUTDOWN,
	/* file system */
	KITE_EVT_CHDIR = 50,
	KITE_EVT_FCHDIR,
	KITE_EVT_CHROOT,
	KITE_EVT_MKDIR,
	KITE_EVT_MKDIRAT,
	KITE_EVT_RMDIR,
	KITE_EVT_UNLINK,
	KITE_EVT_UNLINKAT,
	KITE_EVT_RENAME,
	KITE_EVT_RENAMEAT,
	KITE_EVT_RENAMEAT2,
	KITE_EVT_LINK,
	KITE_EVT_LINKAT,
	KITE_EVT_SYMLINK,
	KITE_EVT_SYMLINKAT,
	KITE_EVT_CHMOD,
	KITE_EVT_FCHMOD,
	KITE_EVT_FCHMODAT,
	KITE_EVT_CHOWN,
	KITE_EVT_FCHOWN,
	KITE_EVT_FCHOWNAT,
	KITE_EVT_LCHOWN,
	KITE_EVT_MOUNT,
	KITE_EVT_UMOUNT2,
	/* credentials and security */
	KITE_EVT_SETUID = 80,
	KITE_EVT_SETGID,
	KITE_EVT_SETREUID,
	KITE_EVT_SETREGID,
	KITE_EVT_SETRESUID,
	KITE_EVT_SETRESGID,
	KITE_EVT_CAPSET,
	KITE_EVT_PRCTL,
	KITE_EVT_PTRACE,
	KITE_EVT_INIT_MODULE,
	KITE_EVT_FINIT_MODULE,
	KITE_EVT_DELETE_MODULE,
	KITE_EVT_BPF,
	KITE_EVT_SETNS,
	KITE_EVT_UNSHARE,
	KITE_EVT_KILL,
	KITE_EVT_TGKILL,
	KITE_EVT_USERFAULTFD,
	KITE_EVT_IO_URING_SETUP,
	/* memory */
	KITE_EVT_MEMFD_CREATE = 110,
	KITE_EVT_MMAP,
	KITE_EVT_MPROTECT,
	/* I/O, recorded with --io */
	KITE_EVT_READ = 120,
	KITE_EVT_WRITE,
	KITE_EVT_PREAD,
	KITE_EVT_PWRITE,
	KITE_EVT_READV,
	KITE_EVT_WRITEV,
	KITE_EVT_SENDFILE,
	/* any other syscall, with raw arguments (--all) */
	KITE_EVT_SYSCALL = 140,
	/* records about the capture */
	KITE_EVT_DROP = 150,
	/* state snapshot records */
	KITE_EVT_STATE_PROC = 160,
	KITE_EVT_STATE_FD,
	KITE_EVT_STATE_USER,
	KITE_EVT_STATE_GROUP,
	KITE_EVT_STATE_IFACE,
	KITE_EVT_MAX_BUILTIN
};

enum kite_table_id {
	KITE_TBL_NONE = 0,
	KITE_TBL_OPEN_FLAGS = 1,    /* O_* for open/openat/openat2/creat/state fds */
	KITE_TBL_RESOLVE_FLAGS,     /* RESOLVE_* of openat2 */
	KITE_TBL_CLONE_FLAGS,       /* CLONE_* (also unshare, setns nstype) */
	KITE_TBL_AT_FLAGS,          /* AT_* for *at syscalls */
	KITE_TBL_RENAME_FLAGS,      /* RENAME_* */
	KITE_TBL_FCNTL_CMD,         /* F_* (enum) */
	KITE_TBL_SOCK_DOMAIN,       /* AF_* (enum) */
	KITE_TBL_SOCK_TYPE,         /* SOCK_* type and flags */
	KITE_TBL_SHUTDOWN_HOW,      /* SHUT_* (enum) */
	KITE_TBL_PROT_FLAGS,        /* PROT_* */
	KITE_TBL_MMAP_FLAGS,        /* MAP_* */
	KITE_TBL_PTRACE_REQ,        /* PTRACE_* (enum) */
	KITE_TBL_PRCTL_OPT,         /* PR_* (enum) */
	KITE_TBL_SIGNALS,           /* SIG* (enum) */
	KITE_TBL_MOUNT_FLAGS,       /* MS_* */
	KITE_TBL_UMOUNT_FLAGS,      /* MNT_*, UMOUNT_NOFOLLOW */
	KITE_TBL_MEMFD_FLAGS,       /* MFD_* */
	KITE_TBL_BPF_CMD,           /* BPF_* commands (enum) */
	KITE_TBL_CAPS,              /* capability bits CAP_* */
	KITE_TBL_FD_TYPE,           /* kite's fd types in state records (enum) */
	KITE_TBL_MODULE_FLAGS,      /* MODULE_INIT_*, O_TRUNC/O_NONBLOCK for delete_module */
	KITE_TBL_IO_URING_FLAGS,    /* IORING_SETUP_* */
	KITE_TBL_SOCKET_PROTO,      /* IPPROTO_* (enum) */
	KITE_TBL_EXECVE_FLAGS,      /* kite's exec flags (exe writable, from memfd, ...) */
	KITE_TBL_CLOSE_RANGE_FLAGS, /* CLOSE_RANGE_* */
	KITE_TBL_MODE_FLAGS,        /* S_I* permission bits of the chmod family (Falco names them) */
	KITE_TBL_MAX_BUILTIN
};

/* fd types carried by STATE_FD records (KITE_TBL_FD_TYPE), Falco's fd.typechar in comments. */
enum kite_fd_type {
	KITE_FD_UNKNOWN = 0,
	KITE_FD_FILE = 1 /* f */,
	KITE_FD_DIRECTORY /* d */,
	KITE_FD_IPV4_SOCK /* 4 */,
	KITE_FD_IPV6_SOCK /* 6 */,
	KITE_FD_UNIX_SOCK /* u */,
	KITE_FD_PIPE /* p */,
	KITE_FD_EVENT /* e */,
	KITE_FD_SIGNALFD /* s */,
	KITE_FD_EVENTPOLL /* l */,
	KITE_FD_INOTIFY /* i */,
	KITE_FD_TIMERFD /* t */,
	KITE_FD_NETLINK /* n */,
	KITE_FD_BPF /* b */,
	KITE_FD_USERFAULTFD /* u */,
	KITE_FD_IO_URING /* r */,
	KITE_FD_MEMFD /* m */,
	KITE_FD_PIDFD /* P */,
	KITE_FD_OTHER_SOCK /* o */
};

/* Bits of the execve/execveat `flags` param (KITE_TBL_EXECVE_FLAGS), Falco's exe_* fields. */
#define KITE_EXE_WRITABLE    0x1 /* executable writable by the caller */
#define KITE_EXE_UPPER_LAYER 0x2 /* executable from an overlayfs upper layer */
#define KITE_EXE_FROM_MEMFD  0x4 /* executable is a memfd (fileless) */
#define KITE_EXE_LOWER_LAYER 0x8

#endif
